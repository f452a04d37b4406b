/**
 * Creating a UDP socket: option keys, family names, the order in which
 * options are applied before bind, the receive options.
 * @module
 */
import type { InterfaceRef, SocketAddress } from '../../core/address';
import { interfaceName } from '../../core/address';
import { invalidArgValue, validateBoolean, validateInteger } from '../../core/errors';
import { rejectUnknownKeys } from '../../core/validate';
import { setOption } from '../../options';
import type { WritableOptionName } from '../../options';
import { resolveInterfaceIndex } from '../../system/interfaces';
import { withNetns } from '../../system/netns';
import type { Socket } from '../socket';
import type { ReceiveOptions, UdpAddress, UdpFamily, UdpSocketOptions } from './types';
import { MAX_UDP_PAYLOAD } from './codec';

/** Keys of `options.receive`. */
export const RECEIVE_KEYS = ['packetInfo', 'ttl', 'tos', 'timestamp', 'dropCount', 'gro'] as const;
/** Keys of UdpSocket.adopt's options. */
export const ADOPT_KEYS = ['maxMessageSize', 'batchSize', 'sendQueueLimit', 'highWaterMark', 'coalesce', 'netns', 'receive', 'gso', 'borrow'] as const;
/** Keys of UdpSocket.create's options. */
export const CREATE_KEYS = [...ADOPT_KEYS, 'family', 'type', 'address', 'port', 'reuseAddress', 'reusePort', 'ipv6Only', 'interface', 'options', 'signal'] as const;

export function familyArg(f: UdpFamily | undefined, name: string): 'ipv4' | 'ipv6' | undefined {
  if (f === undefined) return undefined;
  if (f === 'ipv4' || f === 'udp4') return 'ipv4';
  if (f === 'ipv6' || f === 'udp6') return 'ipv6';
  throw invalidArgValue(name, f, "must be 'ipv4', 'ipv6', 'udp4' or 'udp6'");
}

export function toUdpAddress(a: SocketAddress): UdpAddress {
  const out: UdpAddress = { address: a.address, port: a.port, family: a.family === 'ipv6' ? 'IPv6' : 'IPv4' };
  if (a.scopeId) out.scopeId = a.scopeId;
  return out;
}

/** True when `b`'s ArrayBuffer was detached (transferred); only called for empty views. */
export function isDetached(b: Uint8Array): boolean {
  try {
    new Uint8Array(b.buffer); // throws on a detached ArrayBuffer (Node 20 has no ArrayBuffer#detached)
    return false;
  } catch {
    return true;
  }
}

export function inNs<T>(netns: string | undefined, fn: () => T): T {
  return netns === undefined ? fn() : withNetns(netns, fn);
}

export function configure(sock: Socket, family: 'ipv4' | 'ipv6', options: UdpSocketOptions, recv: ReceiveOptions): void {
  const fd = sock.fd;
  if (options.reuseAddress) setOpt(fd, 'SO_REUSEADDR', true);
  if (options.reusePort) setOpt(fd, 'SO_REUSEPORT', true);
  if (options.ipv6Only !== undefined) {
    if (family !== 'ipv6') throw invalidArgValue('options.ipv6Only', options.ipv6Only, 'applies to IPv6 sockets only');
    setOpt(fd, 'IPV6_V6ONLY', options.ipv6Only);
  }
  configureIp(fd, options);
  applyGso(fd, options.gso);
  applyReceive(fd, family, recv);
  if (options.address !== undefined || options.port !== undefined) {
    sock.bind({ address: options.address ?? (family === 'ipv4' ? '0.0.0.0' : '::'), port: options.port ?? 0 });
  }
}

/**
 * SO_BINDTODEVICE, then the raw `options`: what every IP kind (UDP, ping,
 * raw) sets first, before its own options and the receive options. `target`
 * is what the option engine checks them against (a Socket knows its family and type).
 */
export function configureIp(target: Socket | number, o: { interface?: InterfaceRef; options?: Record<string, unknown> }): void {
  if (o.interface !== undefined) setOpt(target, 'SO_BINDTODEVICE', interfaceName(resolveInterfaceIndex(o.interface, 'options.interface')));
  if (o.options) for (const [k, v] of Object.entries(o.options)) setOpt(target, k, v);
}

/** Check `options.receive`: only `keys`, each a boolean. */
export function validateReceive(recv: object, keys: readonly string[], name = 'options.receive'): void {
  rejectUnknownKeys(recv, keys, name);
  for (const k of keys) if ((recv as Record<string, unknown>)[k] !== undefined) validateBoolean((recv as Record<string, unknown>)[k], `${name}.${k}`);
}

/** `options.gso` checked: a segment size (0..65507, 0 = off) or 'auto'. */
export function validateGso(gso: unknown): void {
  if (gso !== undefined && gso !== 'auto') validateInteger(gso, 'options.gso', 0, MAX_UDP_PAYLOAD);
}

/** A numeric `options.gso` is the socket's UDP_SEGMENT; 'auto' is the engine's (UdpSocket's constructor). */
export function applyGso(fd: number, gso: number | 'auto' | undefined): void {
  if (typeof gso === 'number' && gso > 0) setOpt(fd, 'UDP_SEGMENT', gso);
}

export function applyReceive(fd: number, family: 'ipv4' | 'ipv6', r: ReceiveOptions): void {
  const v4 = family === 'ipv4';
  if (r.packetInfo) {
    setOpt(fd, v4 ? 'IP_PKTINFO' : 'IPV6_RECVPKTINFO', true);
    if (!v4) trySet(fd, 'IP_PKTINFO', true);
  }
  if (r.ttl) {
    setOpt(fd, v4 ? 'IP_RECVTTL' : 'IPV6_RECVHOPLIMIT', true);
    if (!v4) trySet(fd, 'IP_RECVTTL', true);
  }
  if (r.tos) {
    setOpt(fd, v4 ? 'IP_RECVTOS' : 'IPV6_RECVTCLASS', true);
    if (!v4) trySet(fd, 'IP_RECVTOS', true);
  }
  if (r.timestamp) setOpt(fd, 'SO_TIMESTAMPNS', true);
  if (r.dropCount) setOpt(fd, 'SO_RXQ_OVFL', true);
  if (r.gro) setOpt(fd, 'UDP_GRO', true);
}

function trySet(fd: number, name: string, value: unknown): void {
  try {
    setOpt(fd, name, value);
  } catch {
    /* dual-stack extras are best effort */
  }
}

/** Set an option by C name on a descriptor (through the option engine). */
function setOpt(target: Socket | number, name: string, value: unknown): void {
  setOption(target, name as WritableOptionName, value as never);
}
