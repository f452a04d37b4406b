/**
 * Frame codecs (pure TypeScript, zero-copy parsing): Ethernet II with
 * 802.1Q/802.1ad tags, ARP, IPv4 (+ options), IPv6 (+ extension headers),
 * UDP, TCP (+ options), ICMPv4 and ICMPv6 (echo, errors, neighbour
 * discovery, MLDv2), DHCPv4, LLDP, MAC helpers.
 * Parsers only ever throw {@link FrameParseError} on malformed input.
 * @module
 */
export { FrameParseError } from './errors';
export type { FrameParseErrorCode } from './errors';
export { internetChecksum, ipToBytes, bytesToIp } from './bytes';
export * from './mac';
export * from './ethernet';
export * from './arp';
export * from './ip';
export * from './transport';
export * from './icmp';
export * from './tcp';
export * from './ipext';
export * from './dhcp';
export * from './lldp';
export * from './decode';
