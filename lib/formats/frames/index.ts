/**
 * Frame codecs (pure TypeScript, zero-copy parsing): Ethernet II with
 * 802.1Q/802.1ad tags, ARP, IPv4, IPv6, UDP, ICMPv4 echo, MAC helpers.
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
export * from './decode';
