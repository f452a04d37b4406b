/**
 * UDP's address codec: destinations and per-datagram options encoded once
 * (sockaddr and control-message bytes for the engine), cached by their text.
 * @module
 */
import { constants as osConstants } from 'node:os';
import { constants, native } from '../../binding';
import type { NativeSendControl } from '../../binding/io';
import { InterfaceRef, ScopeResolver, parseEndpoint, parseIp } from '../../core/address';
import { SockitRangeError, SockitStateError, check, invalidArgType, invalidArgValue, outOfRange, validateInteger } from '../../core/errors';
import { rejectUnknownKeys } from '../../core/validate';
import type { SendOptions } from './types';

const AF_INET = constants.AF_INET as number;
const AF_INET6 = constants.AF_INET6 as number;
const { EINVAL, EIO, EMSGSIZE } = osConstants.errno;

/** Max UDP payload over IPv4 (65535 - 8 UDP - 20 IP), the GSO total limit. */
export const MAX_UDP_PAYLOAD = 65507;
/** Kernel UDP_MAX_SEGMENTS. */
export const MAX_GSO_SEGMENTS = 64;
/** Keys of a send options object. */
export const SEND_KEYS = ['address', 'port', 'sourceAddress', 'interface', 'ttl', 'tos', 'segmentSize'] as const;
/** Keys of a sendBatch entry object. */
export const BATCH_ENTRY_KEYS = ['data', ...SEND_KEYS] as const;

/** RangeError unless `length` bytes can go out as GSO segments of `seg` bytes. */
export function checkSegments(length: number, seg: number, name: string): void {
  if (length > MAX_UDP_PAYLOAD) throw outOfRange(`${name}.length`, `<= ${MAX_UDP_PAYLOAD} with segmentSize`, length);
  if (Math.ceil(length / seg) > MAX_GSO_SEGMENTS)
    throw outOfRange(`${name}.length`, `<= ${MAX_GSO_SEGMENTS} segments of segmentSize ${seg} (${MAX_GSO_SEGMENTS * seg} bytes)`, length);
}

/** Hint for EINVAL/EMSGSIZE/EIO from a GSO send. */
export function gsoHint(errno: number): string | undefined {
  if (errno === EINVAL || errno === EMSGSIZE)
    return `UDP GSO: each segment plus IP/UDP headers must fit the path MTU, at most ${MAX_GSO_SEGMENTS} segments, not with UDP_NO_CHECK6_TX`;
  if (errno === EIO) return 'UDP GSO needs checksum offload on the output path (not available through IPsec or on this device)';
  return undefined;
}

/** dgram's port check: ERR_SOCKET_BAD_PORT (a RangeError) with dgram's message. */
export function validateUdpPort(value: unknown, name = 'Port'): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535) return value;
  if (typeof value !== 'number') throw invalidArgType(name === 'Port' ? 'port' : name, 'of type number', value);
  throw new SockitRangeError('ERR_SOCKET_BAD_PORT', `${name} should be >= 0 and < 65536. Received type number (${String(value)}).`);
}

/** An encoded destination: sockaddr and control bytes, plus what errors name. */
export interface Target {
  addr: Buffer | null;
  ctl: Buffer | null;
  address?: string;
  port?: number;
  seg?: number;
  /** The same destination without the GSO control message (for the fallback). */
  plain?: Buffer | null;
}

export const CONNECTED: Target = { addr: null, ctl: null };

/** Encodes destinations and per-datagram options for one UDP socket. */
export class UdpCodec {
  #addrCache = new Map<string, Buffer>();
  #ctlCache = new Map<string, Buffer>();
  #af: number;
  #scope: ScopeResolver;

  constructor(
    readonly family: 'ipv4' | 'ipv6',
    scope: ScopeResolver,
    private readonly connected: () => boolean,
    private readonly ifindex: (ref: InterfaceRef) => number,
  ) {
    this.#af = family === 'ipv4' ? AF_INET : AF_INET6;
    this.#scope = scope;
  }

  encodeAddress(address: string, port: number, scopeId?: number): Buffer {
    const key = scopeId ? `${address}%${scopeId}|${port}` : `${address}|${port}`;
    let enc = this.#addrCache.get(key);
    if (enc) return enc;
    const ep = parseEndpoint({ address, port, ...(scopeId ? { scopeId } : {}) }, 'address', this.#scope);
    let a = ep.address;
    let fam = ep.family === 'ipv4' ? AF_INET : AF_INET6;
    if (fam !== this.#af) {
      if (fam === AF_INET && this.#af === AF_INET6) {
        a = `::ffff:${a}`;
        fam = this.#af;
      } else throw invalidArgValue('address', address, 'is an IPv6 address but the socket is IPv4');
    }
    enc = native.ioEncodeAddress({ family: fam, address: a, port: ep.port, scopeId: ep.scopeId });
    if (this.#addrCache.size >= 1024) this.#addrCache.clear();
    this.#addrCache.set(key, enc);
    return enc;
  }

  encodeControl(o: SendOptions, withSegment = true): Buffer | null {
    const seg = withSegment ? o.segmentSize : undefined;
    if (o.sourceAddress === undefined && o.interface === undefined && o.ttl === undefined && o.tos === undefined && seg === undefined) return null;
    const key = `${o.sourceAddress}|${o.interface}|${o.ttl}|${o.tos}|${seg}`;
    let enc = this.#ctlCache.get(key);
    if (enc) return enc;
    const c: NativeSendControl = {};
    if (o.sourceAddress !== undefined) {
      const ip = parseIp(o.sourceAddress as string, 'sourceAddress', this.#scope);
      if (ip.family !== this.family) throw invalidArgValue('sourceAddress', o.sourceAddress, `is not an ${this.family} address`);
      c.source = ip.address;
      if (ip.scopeId) c.ifindex = ip.scopeId;
    }
    if (o.interface !== undefined) c.ifindex = this.ifindex(o.interface);
    if (o.ttl !== undefined) c.ttl = validateInteger(o.ttl, 'ttl', 0, 255);
    if (o.tos !== undefined) c.tos = validateInteger(o.tos, 'tos', 0, 255);
    if (seg !== undefined) c.segmentSize = validateInteger(seg, 'segmentSize', 1, MAX_UDP_PAYLOAD);
    enc = check(native.ioEncodeControl(this.#af, c), 'sendmsg');
    if (this.#ctlCache.size >= 256) this.#ctlCache.clear();
    this.#ctlCache.set(key, enc);
    return enc;
  }

  /** An endpoint string ('198.18.0.2:5000', '[fd00:5f::2%veth0]:5000') as a target. */
  endpoint(input: string): Target {
    const ep = parseEndpoint(input, 'destination', this.#scope);
    return { addr: this.encodeAddress(ep.address, ep.port, ep.scopeId || undefined), ctl: null, address: ep.address, port: ep.port };
  }

  notConnected(what: string): SockitStateError {
    return new SockitStateError('ERR_SOCKET_DGRAM_NOT_CONNECTED', `${what} has no address and the socket is not connected`);
  }

  target(portOrOptions: number | SendOptions | undefined, address: string | undefined): Target {
    if (portOrOptions === undefined) {
      if (!this.connected()) throw this.notConnected('send()');
      return CONNECTED;
    }
    if (typeof portOrOptions === 'number') {
      validateUdpPort(portOrOptions);
      if (address === undefined) address = this.family === 'ipv4' ? '127.0.0.1' : '::1';
      else if (typeof address !== 'string') throw invalidArgType('address', 'of type string', address);
      let scope: number | undefined;
      let a = address;
      const pct = a.indexOf('%');
      if (pct >= 0) {
        scope = parseIp(address as string, 'address', this.#scope).scopeId;
        a = a.slice(0, pct);
      }
      return { addr: this.encodeAddress(a, portOrOptions, scope), ctl: null, address: a, port: portOrOptions };
    }
    if (portOrOptions === null || typeof portOrOptions !== 'object') throw invalidArgType('port', 'a number or a send options object', portOrOptions);
    rejectUnknownKeys(portOrOptions, SEND_KEYS, 'options');
    return this.targetOf(portOrOptions, undefined, 'send()');
  }

  /** The target of a send options object; `inherit` supplies what it leaves out (sendBatch's destination). */
  targetOf(o: SendOptions, inherit: Target | undefined, what: string): Target {
    let addr: Buffer | null = inherit?.addr ?? null;
    let address = inherit?.address;
    let port = inherit?.port;
    if (o.address !== undefined || o.port !== undefined) {
      if (o.port === undefined) throw invalidArgValue('options.port', o.port, 'is required with an address');
      validateUdpPort(o.port, 'options.port');
      const a = o.address ?? (this.family === 'ipv4' ? '127.0.0.1' : '::1');
      const ip = parseIp(a, 'options.address', this.#scope);
      addr = this.encodeAddress(ip.address, o.port, ip.scopeId || undefined);
      address = ip.address;
      port = o.port;
    } else if (!inherit && !this.connected()) throw this.notConnected(what);
    const own = this.encodeControl(o);
    const t: Target = { addr, ctl: own ?? inherit?.ctl ?? null, address, port };
    const seg = o.segmentSize ?? inherit?.seg;
    if (seg !== undefined) {
      t.seg = seg;
      t.plain = own ? this.encodeControl(o, false) : (inherit?.plain ?? null);
    }
    return t;
  }
}
