/**
 * MAC address helpers (parse/format live in lib/core/address.ts and are re-exported here).
 * @module
 */
import { formatMac, parseMac } from '../../core/address';
import { invalidArgType, invalidArgValue } from '../../core/errors';
import { ipToBytes } from './bytes';
import * as net from 'node:net';

export { formatMac, parseMac };

/** ff:ff:ff:ff:ff:ff */
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

/** A MAC address as callers may give it: "aa:bb:cc:dd:ee:ff" or 6 bytes. */
export type MacInput = string | Uint8Array;

/** 6 bytes of a MAC given as text or bytes (validated). */
export function macBytes(mac: MacInput, name = 'mac'): Buffer {
  return parseMac(mac, name);
}

/**
 * Compare two MAC addresses byte by byte (text or bytes, any case or
 * separator): negative, 0 or positive, usable with `Array.prototype.sort`.
 */
export function compareMac(a: MacInput, b: MacInput): number {
  return Buffer.compare(parseMac(a, 'a'), parseMac(b, 'b'));
}

/** True when two MAC addresses are the same. */
export function macEquals(a: MacInput, b: MacInput): boolean {
  return compareMac(a, b) === 0;
}

/** True for group (multicast or broadcast) addresses: the I/G bit of the first byte. */
export function isMulticastMac(mac: MacInput): boolean {
  return ((parseMac(mac)[0] as number) & 1) === 1;
}

/** True for ff:ff:ff:ff:ff:ff. */
export function isBroadcastMac(mac: MacInput): boolean {
  return parseMac(mac).every((b) => b === 0xff);
}

/** The Ethernet multicast MAC that carries an IPv4 (01:00:5e:...) or IPv6 (33:33:...) multicast group. */
export function multicastMacFor(group: string): string {
  if (typeof group !== 'string') throw invalidArgType('group', 'an IP multicast address', group);
  if (!net.isIP(group)) throw invalidArgValue('group', group, 'must be an IP multicast address');
  if (group.includes(':')) {
    const b = ipToBytes(group, 'group');
    return formatMac(Buffer.from([0x33, 0x33, b[12] as number, b[13] as number, b[14] as number, b[15] as number]));
  }
  const q = group.split('.').map(Number);
  return formatMac(Buffer.from([0x01, 0x00, 0x5e, (q[1] as number) & 0x7f, q[2] as number, q[3] as number]));
}
