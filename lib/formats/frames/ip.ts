/**
 * IPv4 (with header checksum) and IPv6 headers. Extension headers and IPv4
 * options are kept as bytes, not interpreted.
 * @module
 */
import * as net from 'node:net';
import { invalidArgType, invalidArgValue, validateBoolean, validateInteger } from '../../core/errors';
import { FrameParseError, need } from './errors';
import { bytesToIp, internetChecksum, ipToBytes, view } from './bytes';

/** IP protocol numbers used by the codecs. */
export const IpProtocol = {
  /** IPPROTO_ICMP. */
  ICMP: 1,
  /** IPPROTO_TCP. */
  TCP: 6,
  /** IPPROTO_UDP. */
  UDP: 17,
  /** IPPROTO_ICMPV6. */
  ICMPV6: 58,
} as const;

/** A parsed IPv4 header and its payload (a view, cut to totalLength so Ethernet padding is excluded). */
export interface Ipv4Packet {
  /** IP version field, always 4. */
  version: 4;
  /** Header length in bytes (IHL * 4). */
  headerLength: number;
  /** Differentiated services code point (upper 6 bits of the TOS byte), 0..63. */
  dscp: number;
  /** Explicit congestion notification (lower 2 bits of the TOS byte), 0..3. */
  ecn: number;
  /** Total length field in bytes (header + payload). */
  totalLength: number;
  /** Identification field (fragment reassembly), 0..65535. */
  identification: number;
  /** DF flag. */
  dontFragment: boolean;
  /** MF flag. */
  moreFragments: boolean;
  /** Fragment offset in bytes. */
  fragmentOffset: number;
  /** Time to live, 0..255. */
  ttl: number;
  /** Payload protocol number (see {@link IpProtocol}). */
  protocol: number;
  /** Header checksum field as received. */
  checksum: number;
  /** True when the header checksum is correct. */
  checksumValid: boolean;
  /** Source address, dotted quad. */
  source: string;
  /** Destination address, dotted quad. */
  destination: string;
  /** Option bytes (empty when IHL is 5). */
  options: Buffer;
  /** The payload, from the end of the header to totalLength. */
  payload: Buffer;
}

/** What {@link buildIpv4} takes. */
export interface Ipv4Input {
  /** Source IPv4 address. */
  source: string;
  /** Destination IPv4 address. */
  destination: string;
  /** Payload protocol number, 0..255 (see {@link IpProtocol}). */
  protocol: number;
  /** Payload bytes. Default: empty. Header + payload must fit 65535 bytes. */
  payload?: Uint8Array;
  /** Time to live, 0..255. Default 64. */
  ttl?: number;
  /** DSCP, 0..63. Default 0. */
  dscp?: number;
  /** ECN bits, 0..3. Default 0. */
  ecn?: number;
  /** Identification field, 0..65535. Default 0. */
  identification?: number;
  /** Set the DF flag. Default true. */
  dontFragment?: boolean;
  /** Option bytes, a multiple of 4 (at most 40). */
  options?: Uint8Array;
}

/** Parse an IPv4 header. Lying length fields throw {@link FrameParseError}. */
export function parseIpv4(packet: Uint8Array): Ipv4Packet {
  if (!(packet instanceof Uint8Array)) throw invalidArgType('packet', 'a Buffer or Uint8Array', packet);
  const b = view(packet);
  need(b, 0, 20, 'ipv4', 'the IPv4 header');
  const version = (b[0] as number) >> 4;
  if (version !== 4) throw new FrameParseError('ERR_FRAME_UNSUPPORTED', 'ipv4', 0, `version is ${version}, not 4`);
  const hl = ((b[0] as number) & 0x0f) * 4;
  if (hl < 20) throw new FrameParseError('ERR_FRAME_BAD_LENGTH', 'ipv4', 0, `header length ${hl} is below 20`);
  need(b, 0, hl, 'ipv4', `the IPv4 header with options (IHL says ${hl})`);
  const total = b.readUInt16BE(2);
  if (total < hl) throw new FrameParseError('ERR_FRAME_BAD_LENGTH', 'ipv4', 2, `total length ${total} is shorter than the header (${hl})`);
  need(b, 0, total, 'ipv4', `the packet (total length ${total})`);
  const frag = b.readUInt16BE(6);
  return {
    version: 4,
    headerLength: hl,
    dscp: (b[1] as number) >> 2,
    ecn: (b[1] as number) & 3,
    totalLength: total,
    identification: b.readUInt16BE(4),
    dontFragment: (frag & 0x4000) !== 0,
    moreFragments: (frag & 0x2000) !== 0,
    fragmentOffset: (frag & 0x1fff) * 8,
    ttl: b[8] as number,
    protocol: b[9] as number,
    checksum: b.readUInt16BE(10),
    checksumValid: internetChecksum(b.subarray(0, hl)) === 0,
    source: bytesToIp(b.subarray(12, 16)),
    destination: bytesToIp(b.subarray(16, 20)),
    options: b.subarray(20, hl),
    payload: b.subarray(hl, total),
  };
}

function ipv4Address(a: string, name: string): Buffer {
  if (net.isIP(a) !== 4) throw invalidArgValue(name, a, 'must be an IPv4 address');
  return ipToBytes(a, name);
}

/** Build an IPv4 packet with a correct header checksum. */
export function buildIpv4(input: Ipv4Input): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('ipv4', 'an object', input);
  const src = ipv4Address(input.source, 'source');
  const dst = ipv4Address(input.destination, 'destination');
  const options = input.options ?? Buffer.alloc(0);
  if (!(options instanceof Uint8Array) || options.length % 4 !== 0 || options.length > 40) {
    throw invalidArgValue('options', options, 'must be bytes, a multiple of 4 long, at most 40');
  }
  const payload = input.payload ?? Buffer.alloc(0);
  if (!(payload instanceof Uint8Array)) throw invalidArgType('payload', 'a Buffer or Uint8Array', payload);
  const hl = 20 + options.length;
  const total = hl + payload.length;
  if (total > 0xffff) throw invalidArgValue('payload', payload.length, 'makes the packet longer than 65535 bytes');
  const out = Buffer.alloc(total);
  out[0] = 0x40 | (hl / 4);
  out[1] = (validateInteger(input.dscp ?? 0, 'dscp', 0, 63) << 2) | validateInteger(input.ecn ?? 0, 'ecn', 0, 3);
  out.writeUInt16BE(total, 2);
  out.writeUInt16BE(validateInteger(input.identification ?? 0, 'identification', 0, 0xffff), 4);
  out.writeUInt16BE(validateBoolean(input.dontFragment ?? true, 'dontFragment') ? 0x4000 : 0, 6);
  out[8] = validateInteger(input.ttl ?? 64, 'ttl', 0, 255);
  out[9] = validateInteger(input.protocol, 'protocol', 0, 255);
  src.copy(out, 12);
  dst.copy(out, 16);
  out.set(options, 20);
  out.writeUInt16BE(internetChecksum(out.subarray(0, hl)), 10);
  out.set(payload, hl);
  return out;
}

/** A parsed IPv6 header; `payload` is a view cut to payloadLength (starts at the first extension header, if any). */
export interface Ipv6Packet {
  /** IP version field, always 6. */
  version: 6;
  /** Traffic class (DSCP << 2 \| ECN), 0..255. */
  trafficClass: number;
  /** Flow label, 20 bits. */
  flowLabel: number;
  /** Payload length field in bytes (everything after the 40-byte header). */
  payloadLength: number;
  /** Next header: the first extension header or the payload protocol (see {@link IpProtocol}). */
  nextHeader: number;
  /** Hop limit, 0..255. */
  hopLimit: number;
  /** Source address, text form. */
  source: string;
  /** Destination address, text form. */
  destination: string;
  /** Bytes after the fixed header, cut to payloadLength. */
  payload: Buffer;
}

/** What {@link buildIpv6} takes. */
export interface Ipv6Input {
  /** Source IPv6 address. */
  source: string;
  /** Destination IPv6 address. */
  destination: string;
  /** Next header / payload protocol number, 0..255. */
  nextHeader: number;
  /** Payload bytes (extension headers included). Default: empty; at most 65535 bytes. */
  payload?: Uint8Array;
  /** Hop limit, 0..255. Default 64. */
  hopLimit?: number;
  /** Traffic class, 0..255. Default 0. */
  trafficClass?: number;
  /** Flow label, 0..0xfffff. Default 0. */
  flowLabel?: number;
}

/** Parse an IPv6 header. */
export function parseIpv6(packet: Uint8Array): Ipv6Packet {
  if (!(packet instanceof Uint8Array)) throw invalidArgType('packet', 'a Buffer or Uint8Array', packet);
  const b = view(packet);
  need(b, 0, 40, 'ipv6', 'the IPv6 header');
  const w = b.readUInt32BE(0);
  const version = w >>> 28;
  if (version !== 6) throw new FrameParseError('ERR_FRAME_UNSUPPORTED', 'ipv6', 0, `version is ${version}, not 6`);
  const plen = b.readUInt16BE(4);
  need(b, 40, plen, 'ipv6', `the payload (payload length ${plen})`);
  return {
    version: 6,
    trafficClass: (w >>> 20) & 0xff,
    flowLabel: w & 0xfffff,
    payloadLength: plen,
    nextHeader: b[6] as number,
    hopLimit: b[7] as number,
    source: bytesToIp(b.subarray(8, 24)),
    destination: bytesToIp(b.subarray(24, 40)),
    payload: b.subarray(40, 40 + plen),
  };
}

function ipv6Address(a: string, name: string): Buffer {
  if (net.isIP(a) !== 6) throw invalidArgValue(name, a, 'must be an IPv6 address');
  return ipToBytes(a, name);
}

/** Build an IPv6 packet. */
export function buildIpv6(input: Ipv6Input): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('ipv6', 'an object', input);
  const src = ipv6Address(input.source, 'source');
  const dst = ipv6Address(input.destination, 'destination');
  const payload = input.payload ?? Buffer.alloc(0);
  if (!(payload instanceof Uint8Array)) throw invalidArgType('payload', 'a Buffer or Uint8Array', payload);
  if (payload.length > 0xffff) throw invalidArgValue('payload', payload.length, 'is longer than 65535 bytes (jumbograms are not supported)');
  const out = Buffer.alloc(40 + payload.length);
  const tc = validateInteger(input.trafficClass ?? 0, 'trafficClass', 0, 255);
  const fl = validateInteger(input.flowLabel ?? 0, 'flowLabel', 0, 0xfffff);
  out.writeUInt32BE(((6 << 28) | (tc << 20) | fl) >>> 0, 0);
  out.writeUInt16BE(payload.length, 4);
  out[6] = validateInteger(input.nextHeader, 'nextHeader', 0, 255);
  out[7] = validateInteger(input.hopLimit ?? 64, 'hopLimit', 0, 255);
  src.copy(out, 8);
  dst.copy(out, 24);
  out.set(payload, 40);
  return out;
}
