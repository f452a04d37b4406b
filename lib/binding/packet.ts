/** Native packet calls (native/packet.cc). Each returns a negative errno on failure. */

/** An interface as seen from a packet socket's own network namespace. */
export interface NativePacketInterface {
  index: number;
  name: string;
  mtu: number;
  /** IFF_* flags. */
  flags: number;
}

export interface PacketBinding {
  /** setsockopt(SO_ATTACH_FILTER) with `struct sock_filter[]` bytes → 0 | -errno. */
  packetAttachFilter(fd: number, program: Uint8Array): number;
  /** Discard up to `max` queued frames (recv MSG_DONTWAIT until EAGAIN) → count | -errno. */
  packetDrain(fd: number, max: number): number;
  /** Interface by name or index via ioctls on `fd` (its namespace) → info | -errno. */
  packetInterface(fd: number, ref: string | number): NativePacketInterface | number;
}
