/**
 * Byte helpers shared by the codecs: IP address text <-> bytes, the Internet
 * checksum, and a zero-copy Buffer view.
 * @module
 */
import * as net from 'node:net';
import { invalidArgType, invalidArgValue } from '../../core/errors';
import { formatIPv4, formatIPv6 } from '../../core/iptext';

/** A Buffer view of any Uint8Array, sharing memory (no copy). */
export function view(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Bytes of an IPv4 or IPv6 address literal (4 or 16 bytes). */
export function ipToBytes(address: string, name = 'address'): Buffer {
  if (typeof address !== 'string') throw invalidArgType(name, 'an IP address string', address);
  const v = net.isIP(address);
  if (v === 4) return Buffer.from(address.split('.').map(Number));
  if (v !== 6) throw invalidArgValue(name, address, 'must be an IPv4 or IPv6 address literal');
  let text = address;
  const out = Buffer.alloc(16);
  // An embedded dotted quad ("::ffff:198.18.0.1") becomes two hex groups.
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) > 0) {
    const q = text.slice(lastColon + 1).split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((q[0] << 8) | q[1]).toString(16)}:${((q[2] << 8) | q[3]).toString(16)}`;
  }
  const halves = text.split('::');
  const head = halves[0] ? halves[0].split(':').map((g) => parseInt(g, 16)) : [];
  const rest = halves.length > 1 && halves[1] ? halves[1].split(':').map((g) => parseInt(g, 16)) : [];
  const fill = halves.length > 1 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Text of a 4- or 16-byte address (IPv6 compressed per RFC 5952). */
export function bytesToIp(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIPv4(bytes) : formatIPv6(bytes);
}

export function onesSum(bytes: Uint8Array, sum = 0): number {
  const n = bytes.length;
  let i = 0;
  for (; i + 1 < n; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (i < n) sum += (bytes[i] as number) << 8;
  // Fold periodically so the sum stays a small integer.
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Fold and invert a one's-complement sum into a checksum. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The Internet checksum (RFC 1071) of `bytes`. Over a block that contains its own correct checksum it is 0. */
export function internetChecksum(bytes: Uint8Array): number {
  return finishChecksum(onesSum(bytes));
}
