/** Native packet calls (native/packet.cc). The packet area fills this interface in. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface PacketBinding {}
