/**
 * UDP (checksum over the IPv4 or IPv6 pseudo-header) and ICMPv4 echo.
 * @module
 */
import * as net from 'node:net';
import { invalidArgType, invalidArgValue, validateInteger } from '../../core/errors';
import { echoMessage } from './echo';
import { FrameParseError, need } from './errors';
import { finishChecksum, internetChecksum, ipToBytes, onesSum, view } from './bytes';

/** A parsed UDP datagram; `payload` is a view cut to the UDP length. */
export interface UdpDatagram {
  /** Source port, 0..65535. */
  sourcePort: number;
  /** Destination port, 0..65535. */
  destinationPort: number;
  /** UDP length field in bytes (header + payload, at least 8). */
  length: number;
  /** Checksum field as received (0 = none, IPv4 only). */
  checksum: number;
  /** The payload, cut to the UDP length. */
  payload: Buffer;
}

/** What {@link buildUdp} takes. */
export interface UdpInput {
  /** Source port, 0..65535. */
  sourcePort: number;
  /** Destination port, 0..65535. */
  destinationPort: number;
  /** Payload bytes, at most 65527. Default: empty. */
  payload?: Uint8Array;
}

/** The IP addresses of the pseudo-header (both IPv4 or both IPv6). */
export interface PseudoHeader {
  /** Source IP address of the enclosing packet. */
  source: string;
  /** Destination IP address of the enclosing packet. */
  destination: string;
}

/** Parse a UDP header. A length field beyond the buffer or below 8 throws {@link FrameParseError}. */
export function parseUdp(datagram: Uint8Array): UdpDatagram {
  if (!(datagram instanceof Uint8Array)) throw invalidArgType('datagram', 'a Buffer or Uint8Array', datagram);
  const b = view(datagram);
  need(b, 0, 8, 'udp', 'the UDP header');
  const len = b.readUInt16BE(4);
  if (len < 8) throw new FrameParseError('ERR_FRAME_BAD_LENGTH', 'udp', 4, `length ${len} is below the 8-byte header`);
  need(b, 0, len, 'udp', `the datagram (length ${len})`);
  return {
    sourcePort: b.readUInt16BE(0),
    destinationPort: b.readUInt16BE(2),
    length: len,
    checksum: b.readUInt16BE(6),
    payload: b.subarray(8, len),
  };
}

/**
 * The checksum of a transport segment (UDP, TCP, ICMPv6) over the IPv4 or
 * IPv6 pseudo-header. `segment` must carry 0 in its checksum field to compute
 * one, or its checksum to verify (then the result is 0).
 */
export function pseudoHeaderChecksum(ip: PseudoHeader, protocol: number, segment: Uint8Array): number {
  const src = ipToBytes(ip.source, 'source');
  const dst = ipToBytes(ip.destination, 'destination');
  if (src.length !== dst.length) throw invalidArgValue('destination', ip.destination, 'must be of the same family as the source');
  let sum = onesSum(src);
  sum = onesSum(dst, sum);
  // v4: zero, protocol, 16-bit length; v6: 32-bit length, 3 zero bytes, next header. Both sum the same way.
  sum += protocol + (segment.length & 0xffff) + Math.floor(segment.length / 0x10000);
  sum = onesSum(segment, sum);
  return finishChecksum(sum);
}

/** The UDP checksum a datagram should carry (0 is sent as 0xffff). */
export function udpChecksum(ip: PseudoHeader, datagram: Uint8Array): number {
  const copy = Buffer.from(datagram);
  if (copy.length >= 8) copy.writeUInt16BE(0, 6);
  const c = pseudoHeaderChecksum(ip, 17, copy);
  return c === 0 ? 0xffff : c;
}

/** True when the datagram's checksum is right (or absent: 0 over IPv4). */
export function verifyUdpChecksum(ip: PseudoHeader, datagram: Uint8Array): boolean {
  const b = view(datagram);
  if (b.length < 8) return false;
  const c = b.readUInt16BE(6);
  if (c === 0) return net.isIP(ip.source) === 4;
  return pseudoHeaderChecksum(ip, 17, b) === 0;
}

/** Build a UDP datagram; with `ip` the checksum is computed (mandatory for IPv6), without it it is 0. */
export function buildUdp(input: UdpInput, ip?: PseudoHeader): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('udp', 'an object', input);
  const payload = input.payload ?? Buffer.alloc(0);
  if (!(payload instanceof Uint8Array)) throw invalidArgType('payload', 'a Buffer or Uint8Array', payload);
  if (payload.length > 0xffff - 8) throw invalidArgValue('payload', payload.length, 'is longer than 65527 bytes');
  const out = Buffer.alloc(8 + payload.length);
  out.writeUInt16BE(validateInteger(input.sourcePort, 'sourcePort', 0, 65535), 0);
  out.writeUInt16BE(validateInteger(input.destinationPort, 'destinationPort', 0, 65535), 2);
  out.writeUInt16BE(out.length, 4);
  out.set(payload, 8);
  if (ip) out.writeUInt16BE(udpChecksum(ip, out), 6);
  return out;
}

/** ICMPv4 type numbers for echo. */
export const IcmpType = {
  /** Echo reply (ICMP_ECHOREPLY). */
  ECHO_REPLY: 0,
  /** Echo request (ICMP_ECHO). */
  ECHO_REQUEST: 8,
} as const;

/** A parsed ICMPv4 message; identifier/sequence are meaningful for echo request/reply. */
export interface IcmpEcho {
  /** ICMP type (see {@link IcmpType}). */
  type: number;
  /** ICMP code (0 for echo). */
  code: number;
  /** Checksum field as received. */
  checksum: number;
  /** True when the checksum over the whole message is correct. */
  checksumValid: boolean;
  /** Echo identifier, 0..65535. */
  identifier: number;
  /** Echo sequence number, 0..65535. */
  sequence: number;
  /** Bytes after the 8-byte header. */
  payload: Buffer;
}

/** What {@link buildIcmpEcho} takes. */
export interface IcmpEchoInput {
  /** 'request' (type 8) or 'reply' (type 0). */
  kind: 'request' | 'reply';
  /** Echo identifier, 0..65535. */
  identifier: number;
  /** Echo sequence number, 0..65535. */
  sequence: number;
  /** Echo data. Default: empty. */
  payload?: Uint8Array;
}

/** Parse an ICMPv4 message with the echo layout. */
export function parseIcmpEcho(message: Uint8Array): IcmpEcho {
  if (!(message instanceof Uint8Array)) throw invalidArgType('message', 'a Buffer or Uint8Array', message);
  const b = view(message);
  need(b, 0, 8, 'icmp', 'the ICMP echo header');
  return {
    type: b[0] as number,
    code: b[1] as number,
    checksum: b.readUInt16BE(2),
    checksumValid: internetChecksum(b) === 0,
    identifier: b.readUInt16BE(4),
    sequence: b.readUInt16BE(6),
    payload: b.subarray(8),
  };
}

/** Build an ICMPv4 echo request or reply with its checksum. */
export function buildIcmpEcho(input: IcmpEchoInput): Buffer {
  const out = echoMessage(4, input, 'icmp');
  out.writeUInt16BE(internetChecksum(out), 2);
  return out;
}
