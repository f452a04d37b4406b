/**
 * `<package>/dgram`: a drop-in `node:dgram` on sockit's engine. Same API,
 * same events, same errors (Node's own dgram tests pass against it), but a
 * bound socket receives through {@link UdpSocket} (recvmmsg batches) and
 * sends of one tick leave in one sendmmsg, as UDP GSO messages where they
 * go to one destination with equal sizes (`engine: { gso: 0 }` turns that off).
 *
 * ```js
 * const dgram = require('sockit-linux/dgram'); // was: require('node:dgram')
 * const s = dgram.createSocket('udp4', (msg, rinfo) => console.log(msg, rinfo));
 * s.bind(5353);
 * ```
 *
 * Extras without breaking compatibility: the `engine` option of
 * {@link createSocket} (receive metadata, batch size, ...) and
 * {@link underlying}, which returns the socket's {@link UdpSocket} (per-datagram
 * destination, interface, TTL; `stats()`). See docs/dgram.md for the
 * differences from Node that remain.
 * @module
 */
import { EventEmitter } from 'node:events';
import * as dns from 'node:dns';
import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';
import { deprecate, promisify } from 'node:util';
import * as diagnostics from 'node:diagnostics_channel';
import { constants, native } from '../binding';
import { SocketError, check, errnoName } from '../core/errors';
import { interfaceIndex, interfaceName } from '../core/address';
import { Socket as RawSocket } from '../sockets/socket';
import { UdpSocket } from '../sockets/udp';
import type { MessageInfo, UdpAdoptOptions } from '../sockets/udp';
import { getOption, setOption } from '../options';
import {
  DgramSystemError,
  errBufferOutOfBounds,
  errFixed,
  errInvalidArgType,
  errInvalidArgValue,
  errInvalidFdType,
  errIpBlocked,
  errMissingArgs,
  errOutOfRange,
  errSocketBadPort,
  errSocketBufferSize,
  errnoException,
  exceptionWithHostPort,
} from './errors';

export type { DgramSystemError } from './errors';

const EBADF = 9;
const EINVAL = 22;
const ECANCELED = 125;

const BIND_STATE_UNBOUND = 0;
const BIND_STATE_BINDING = 1;
const BIND_STATE_BOUND = 2;
const CONNECT_STATE_DISCONNECTED = 0;
const CONNECT_STATE_CONNECTING = 1;
const CONNECT_STATE_CONNECTED = 2;

/** dgram's socket types. */
export type SocketType = 'udp4' | 'udp6';

/** A lookup function with `dns.lookup`'s signature (the part dgram uses). */
export type LookupFunction = (
  hostname: string,
  family: number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
) => void;

/** Options of {@link createSocket}: dgram's, plus `engine`. */
export interface SocketOptions {
  /** 'udp4' or 'udp6'. */
  type: SocketType;
  /** SO_REUSEADDR before bind. */
  reuseAddr?: boolean;
  /**
   * SO_REUSEPORT before bind: sockets of any process bound to one port share
   * its datagrams. Such a bind is never shared through a cluster primary.
   */
  reusePort?: boolean;
  /** IPV6_V6ONLY before bind (udp6 only; on udp4, bind fails with EINVAL as in Node). */
  ipv6Only?: boolean;
  /** SO_RCVBUF, applied when the socket starts listening. */
  recvBufferSize?: number;
  /** SO_SNDBUF, applied when the socket starts listening. */
  sendBufferSize?: number;
  /** Resolves bind/connect/send host names (default: `dns.lookup` as it is when the socket is created). */
  lookup?: LookupFunction;
  /** Close the socket when aborted. */
  signal?: AbortSignal;
  /** Datagrams from addresses this list blocks are dropped before `'message'`. */
  receiveBlockList?: BlockList;
  /** Sends and connects to addresses this list blocks fail with ERR_IP_BLOCKED. */
  sendBlockList?: BlockList;
  /**
   * sockit extra (ignored by `node:dgram`): engine settings passed to
   * {@link UdpSocket.adopt} when the socket binds, e.g.
   * `{ receive: { packetInfo: true } }`. With `receive`, each `'message'`'s
   * `rinfo` also carries what was asked for (`destination`,
   * `interfaceIndex`, `ttl`, `tos`, `timestamp`, `dropped`, `truncated`).
   */
  engine?: UdpAdoptOptions;
}

/** Options of {@link Socket.bind} in object form. */
export interface BindOptions {
  /** Port (0 or omitted: any free port). */
  port?: number;
  /** Address (default: any). */
  address?: string;
  /** In a cluster worker: bind a descriptor of its own instead of sharing the primary's (docs/dgram.md). */
  exclusive?: boolean;
  /** Adopt this descriptor (a UDP socket) instead of creating one. */
  fd?: number;
}

/** What {@link Socket.address} and {@link Socket.remoteAddress} return (dgram's AddressInfo). */
export interface AddressInfo {
  /** Address; IPv6 link-local addresses carry `%<interface>`. */
  address: string;
  /** 'IPv4' or 'IPv6'. */
  family: 'IPv4' | 'IPv6';
  /** Port. */
  port: number;
}

/** The `rinfo` of a `'message'` event: dgram's four fields, plus engine metadata when `engine.receive` asked for it. */
export interface RemoteInfo extends Partial<Omit<MessageInfo, 'address' | 'family' | 'port' | 'size'>> {
  /** Source address (IPv6 link-local: with `%<interface>`). */
  address: string;
  /** 'IPv4' or 'IPv6'. */
  family: 'IPv4' | 'IPv6';
  /** Source port. */
  port: number;
  /** Bytes received. */
  size: number;
}

/** A send callback: `(err, bytes)`. */
export type SendCallback = (error: Error | null, bytes?: number) => void;

/** Bytes dgram's `send()` accepts: a string or any ArrayBufferView, or a list of them (sent as one datagram). */
export type SendData = string | NodeJS.ArrayBufferView | ReadonlyArray<string | NodeJS.ArrayBufferView>;

const kState = Symbol('sockit.dgram.state');

/** The real `dns.lookup`, to know when a host needs no lookup call at all. */
const realLookup = dns.lookup as unknown as LookupFunction;

const udpSocketChannel = diagnostics.channel('udp.socket');

/**
 * The handle a cluster primary shares with its workers (Node's own `UDP`
 * wrap, bound by the primary, never reading in the worker). `close()` is the
 * cluster's: it tells the primary this worker let go.
 */
interface SharedWrap {
  readonly fd: number;
  close(callback?: () => void): void;
  unref?(): void;
}

/** The parts of `node:cluster` a worker's bind uses (`_getServer` is Node's own, not public). */
interface ClusterModule {
  isWorker: boolean;
  _getServer(
    obj: EventEmitter,
    options: { address: string | null; port: unknown; addressType: SocketType; fd: number; flags: number | null },
    callback: (err: number, handle?: SharedWrap) => void,
  ): void;
}

let clusterModule: ClusterModule | undefined;
/** `node:cluster`, loaded on the first bind (as Node's dgram does; tests replace `_getServer` on it). */
function lazyCluster(): ClusterModule {
  return (clusterModule ??= require('node:cluster') as ClusterModule);
}

// libuv's uv_udp_flags, as a worker's bind sends them to the primary.
const UV_UDP_IPV6ONLY = 1;
const UV_UDP_REUSEADDR = 4;

/**
 * The descriptor behind a dgram {@link Socket}, in its two lives: a plain
 * {@link RawSocket} (between a bind(2) done outside listening, like libuv's
 * deferred bind for `addMembership`, and listening), then a {@link UdpSocket}
 * on the engine. `_handle` returns this object (deprecated, as in Node).
 */
class Handle {
  readonly family: 'ipv4' | 'ipv6';
  sock: RawSocket | null = null;
  udp: UdpSocket | null = null;
  /** A cluster worker's shared handle, kept open until close() (the primary counts its holders). */
  shared: SharedWrap | null = null;
  refed = true;
  readonly lookup: (address: string, callback: (err: Error | null, ip: string) => void) => void;
  readonly lookupFn: LookupFunction;

  constructor(type: SocketType, lookupFn: LookupFunction) {
    this.family = type === 'udp4' ? 'ipv4' : 'ipv6';
    this.lookupFn = lookupFn;
    const fallback = type === 'udp4' ? '127.0.0.1' : '::1';
    const fam = type === 'udp4' ? 4 : 6;
    this.lookup = (address, callback) => lookupFn(address || fallback, fam, callback as never);
  }

  /** The descriptor, or -1 when there is none yet (EBADF, as libuv reports). */
  get fd(): number {
    if (this.udp) return this.udp.fd;
    if (this.sock) return this.sock.fd;
    return -1;
  }


  /** Create the descriptor when there is none (socket(2) only). */
  #ensureSocket(): RawSocket {
    if (!this.sock) this.sock = new RawSocket(this.family, 'dgram');
    return this.sock;
  }

  /** libuv's uv_udp_bind: flags, then bind(2). → 0 | -errno */
  bind(ip: string, port: number, reuseAddr: boolean, ipv6Only: boolean, reusePort = false): number {
    if (this.udp) return -EINVAL;
    if (!sameFamily(this, ip)) return -EINVAL;
    if (ipv6Only && this.family !== 'ipv6') return -EINVAL;
    try {
      const created = this.sock === null;
      const sock = this.#ensureSocket();
      try {
        if (reuseAddr) sock.setOption('SO_REUSEADDR', true);
        if (reusePort) sock.setOption('SO_REUSEPORT', true);
        if (ipv6Only) sock.setOption('IPV6_V6ONLY', true);
        sock.bind({ address: ip, port });
      } catch (e) {
        if (created) {
          sock.close();
          this.sock = null;
        }
        throw e;
      }
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }

  /** libuv's deferred bind (before a membership change on an unbound socket): any address, port 0, SO_REUSEADDR. */
  deferredBind(): number {
    if (this.sock || this.udp) return 0;
    return this.bind(this.family === 'ipv4' ? '0.0.0.0' : '::', 0, true, false);
  }

  /** uv_udp_open: adopt a descriptor. → 0 | -errno */
  open(fd: number): number {
    try {
      const sock = RawSocket.adopt(fd, { owned: true });
      // libuv sets SO_REUSEADDR on a descriptor it opens.
      sock.setOption('SO_REUSEADDR', true);
      this.sock = sock;
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }

  /**
   * A cluster worker's bind: the primary bound the descriptor and shared it.
   * A duplicate goes on the engine; the wrap stays open until close(). → 0 | -errno
   */
  openShared(wrap: SharedWrap): number {
    let fd = -1;
    try {
      fd = check(native.dup(wrap.fd), 'dup');
      this.sock = RawSocket.adopt(fd, { owned: true });
      this.shared = wrap;
      // The engine's handle keeps the loop alive (or not, after unref()); the wrap never does.
      wrap.unref?.();
      return 0;
    } catch (e) {
      if (fd >= 0) native.close(fd);
      return errnoOf(e);
    }
  }

  /** Move the descriptor onto the engine (recvStart). */
  start(owner: Socket, options: UdpAdoptOptions): UdpSocket {
    const sock = this.#ensureSocket();
    const udp = UdpSocket.adopt(sock, options);
    this.sock = null;
    this.udp = udp;
    if (!this.refed) udp.unref();
    wire(owner, udp, options.receive !== undefined);
    return udp;
  }

  close(): void {
    if (this.udp) {
      const p = this.udp.close();
      closing.add(p);
      void p.finally(() => closing.delete(p));
    }
    this.sock?.close();
    this.udp = null;
    this.sock = null;
    const shared = this.shared;
    this.shared = null;
    shared?.close();
  }

  ref(): void {
    this.refed = true;
    this.udp?.ref();
  }

  unref(): void {
    this.refed = false;
    this.udp?.unref();
  }
}

/**
 * Engine sockets still closing. libuv closes a descriptor inside close(); the
 * engine closes it on the loop's close phase, so until then its port is still
 * taken. A bind that meets EADDRINUSE while drop-in sockets are closing waits
 * for them and tries once more.
 */
const closing = new Set<Promise<void>>();
const EADDRINUSE = 98;

/** -errno of a caught sockit error (EINVAL for argument errors, which libuv reports as EINVAL). */
function errnoOf(e: unknown): number {
  if (e instanceof SocketError) return e.errno;
  const n = (e as { errno?: unknown } | null)?.errno;
  if (typeof n === 'number' && n !== 0) return -Math.abs(n);
  if ((e as { code?: unknown } | null)?.code === 'ERR_SOCKET_CLOSED') return -ECANCELED;
  return -EINVAL;
}

/** IPv6 scope id → `%name`, as Node prints link-local addresses. */
function scoped(address: string, scopeId: number | undefined): string {
  if (!scopeId) return address;
  try {
    return `${address}%${interfaceName(scopeId)}`;
  } catch {
    return `${address}%${scopeId}`;
  }
}

/** Node's AddressInfo from either address shape (SocketAddress: 'ipv4'; UdpAddress: 'IPv4'). */
function addressInfo(a: { address: string; port: number; family: string; scopeId?: number }): AddressInfo {
  const fam = a.family;
  return { address: scoped(a.address, a.scopeId), family: fam === 'ipv6' || fam === 'IPv6' ? 'IPv6' : 'IPv4', port: a.port };
}

/** Route the engine's events to the dgram socket. */
function wire(owner: Socket, udp: UdpSocket, extras: boolean): void {
  const blocked = owner[kState].receiveBlockList;
  udp.on('message', (data: Buffer, info: MessageInfo) => {
    if (blocked !== undefined && blocked.check(info.address, info.family === 'IPv6' ? 'ipv6' : 'ipv4')) return;
    const rinfo: RemoteInfo = {
      address: info.scopeId ? scoped(info.address, info.scopeId) : info.address,
      family: info.family,
      port: info.port,
      size: data.length,
    };
    if (extras) {
      for (const k of ['truncated', 'scopeId', 'destination', 'interfaceIndex', 'ttl', 'tos', 'timestamp', 'dropped', 'segments'] as const) {
        if (info[k] !== undefined) (rinfo as unknown as Record<string, unknown>)[k] = info[k];
      }
    }
    owner.emit('message', data, rinfo);
  });
  udp.on('error', (err: Error) => {
    if (owner[kState].handle?.udp !== udp) return;
    // The engine also reports failed sends here; dgram gives those to the send callback only.
    if (String((err as { syscall?: unknown }).syscall).startsWith('send')) return;
    owner.emit('error', errnoException(errnoOf(err), 'recvmsg'));
  });
}

interface State {
  handle: Handle | null;
  receiving: boolean;
  bindState: number;
  connectState: number;
  queue: Array<() => void> | undefined;
  reuseAddr: boolean | undefined;
  reusePort: boolean | undefined;
  ipv6Only: boolean | undefined;
  receiveBlockList: BlockList | undefined;
  sendBlockList: BlockList | undefined;
  recvBufferSize: number | undefined;
  sendBufferSize: number | undefined;
  engine: UdpAdoptOptions;
  /** Sends to IP literals waiting for the tick in which dns.lookup would have answered: PENDING_STRIDE entries each (data, port, ip, address, callback), flat to spare an array per send. */
  pending: unknown[];
  /** Last host given to send() and its IP family (0: not an IP literal). */
  lastHost: string | undefined;
  lastHostFamily: number;
}

const PENDING_STRIDE = 5;

function validateNumber(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw errInvalidArgType(name, 'number', value);
}
function validateString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw errInvalidArgType(name, 'string', value);
}
function validateUint32(value: unknown, name: string): void {
  if (typeof value !== 'number') throw errInvalidArgType(name, 'number', value);
  if (!Number.isInteger(value)) throw errOutOfRange(name, 'an integer', value);
  if (value < 0 || value > 4294967295) throw errOutOfRange(name, '>= 0 && <= 4294967295', value);
}
/** Node's validatePort: numbers or numeric strings, 0 only when allowed. */
function validatePort(port: unknown, name: string, allowZero: boolean): number {
  if (
    (typeof port !== 'number' && typeof port !== 'string') ||
    (typeof port === 'string' && port.trim().length === 0) ||
    +port !== +port >>> 0 ||
    +port > 0xffff ||
    (+port === 0 && !allowZero)
  ) {
    throw errSocketBadPort(name, port, allowZero);
  }
  return +port | 0;
}
function isInt32(v: unknown): v is number {
  return typeof v === 'number' && v === (v | 0);
}
function isView(v: unknown): v is NodeJS.ArrayBufferView {
  return ArrayBuffer.isView(v);
}
const BUFFER_TYPES = ['Buffer', 'TypedArray', 'DataView', 'string'];

function asBytes(v: NodeJS.ArrayBufferView): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function sliceBuffer(buffer: unknown, offset: unknown, length: unknown): Uint8Array {
  let b: NodeJS.ArrayBufferView;
  if (typeof buffer === 'string') b = Buffer.from(buffer);
  else if (!isView(buffer)) throw errInvalidArgType('buffer', BUFFER_TYPES, buffer);
  else b = buffer;
  const off = (offset as number) >>> 0;
  const len = (length as number) >>> 0;
  if (off > b.byteLength) throw errBufferOutOfBounds('offset');
  if (off + len > b.byteLength) throw errBufferOutOfBounds('length');
  return Buffer.from(b.buffer, b.byteOffset + off, len);
}

/** A list → one datagram (dgram sends it with one sendmsg of several iovecs; the engine takes one buffer). */
function joinList(list: readonly unknown[]): Uint8Array | null {
  if (list.length === 0) return Buffer.alloc(0);
  const parts: Uint8Array[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (typeof item === 'string') parts[i] = Buffer.from(item);
    else if (isView(item)) parts[i] = asBytes(item);
    else return null;
  }
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}

/** dgram.Socket on sockit's engine. Create with {@link createSocket}. */
export class Socket extends EventEmitter {
  /** 'udp4' or 'udp6'. */
  type: SocketType;
  /** @internal */
  [kState]: State;

  /**
   * As `new dgram.Socket(type, listener)`; {@link createSocket} is the usual way.
   * @param type 'udp4', 'udp6' or an options object
   * @param listener added as a `'message'` listener
   */
  constructor(type: SocketType | SocketOptions, listener?: (msg: Buffer, rinfo: RemoteInfo) => void) {
    super();
    let options: SocketOptions | undefined;
    let lookup: LookupFunction | undefined;
    let t: unknown = type;
    if (type !== null && typeof type === 'object') {
      options = type;
      t = options.type;
      lookup = options.lookup;
      if (options.recvBufferSize) validateUint32(options.recvBufferSize, 'options.recvBufferSize');
      if (options.sendBufferSize) validateUint32(options.sendBufferSize, 'options.sendBufferSize');
      if (options.receiveBlockList && !isBlockList(options.receiveBlockList)) throw errInvalidArgType('options.receiveBlockList', 'net.BlockList', options.receiveBlockList);
      if (options.sendBlockList && !isBlockList(options.sendBlockList)) throw errInvalidArgType('options.sendBlockList', 'net.BlockList', options.sendBlockList);
    }
    if (lookup === undefined) lookup = dns.lookup as unknown as LookupFunction;
    else if (typeof lookup !== 'function') throw errInvalidArgType('lookup', 'Function', lookup);
    if (t !== 'udp4' && t !== 'udp6') throw errFixed('ERR_SOCKET_BAD_TYPE');
    const engine = options?.engine ?? {};
    if (engine === null || typeof engine !== 'object') throw errInvalidArgType('options.engine', 'Object', engine);
    this.type = t;
    if (typeof listener === 'function') this.on('message', listener);
    this[kState] = {
      handle: new Handle(t, lookup),
      receiving: false,
      bindState: BIND_STATE_UNBOUND,
      connectState: CONNECT_STATE_DISCONNECTED,
      queue: undefined,
      reuseAddr: options?.reuseAddr,
      reusePort: options?.reusePort,
      ipv6Only: options?.ipv6Only,
      receiveBlockList: options?.receiveBlockList || undefined,
      sendBlockList: options?.sendBlockList || undefined,
      recvBufferSize: options?.recvBufferSize,
      sendBufferSize: options?.sendBufferSize,
      engine: engine.gso === undefined ? { ...engine, gso: 'auto' } : engine,
      pending: [],
      lastHost: undefined,
      lastHostFamily: 0,
    };
    if (options?.signal !== undefined) {
      const signal = options.signal as unknown;
      if (signal === null || typeof signal !== 'object' || !('aborted' in signal)) throw errInvalidArgType('options.signal', 'AbortSignal', signal);
      const s = signal as AbortSignal;
      const onAborted = (): void => {
        if (this[kState].handle) this.close();
      };
      if (s.aborted) onAborted();
      else {
        s.addEventListener('abort', onAborted, { once: true });
        this.once('close', () => s.removeEventListener('abort', onAborted));
      }
    }
    if (udpSocketChannel.hasSubscribers) udpSocketChannel.publish({ socket: this });
  }

  /**
   * Bind and start receiving: `bind(port?, address?, callback?)` or
   * `bind({ port, address, exclusive, fd }, callback?)`. `'listening'`
   * follows (asynchronously, after the address lookup; at once for `fd`).
   */
  bind(port?: number | BindOptions | null, address?: string | (() => void) | null, callback?: (() => void) | null): this;
  bind(...args: unknown[]): this {
    let port = args[0];
    const address_ = args[1];
    healthCheck(this);
    const state = this[kState];
    if (state.bindState !== BIND_STATE_UNBOUND) throw errFixed('ERR_SOCKET_ALREADY_BOUND');
    state.bindState = BIND_STATE_BINDING;

    const cb = args.length > 0 && args[args.length - 1];
    if (typeof cb === 'function') {
      const removeListeners = function (this: Socket): void {
        this.removeListener('error', removeListeners);
        this.removeListener('listening', onListening);
      };
      const onListening = function (this: Socket): void {
        removeListeners.call(this);
        (cb as () => void).call(this);
      };
      this.on('error', removeListeners);
      this.on('listening', onListening);
    }

    const handle = state.handle as Handle;
    if (port !== null && typeof port === 'object' && isInt32((port as BindOptions).fd) && ((port as BindOptions).fd as number) > 0) {
      const fd = (port as BindOptions).fd as number;
      if (!(port as BindOptions).exclusive && lazyCluster().isWorker) {
        // As Node: the primary opens that descriptor number and shares it.
        bindShared(this, { address: null, port: null, addressType: this.type, fd, flags: null }, (err) => {
          state.bindState = BIND_STATE_UNBOUND;
          this.emit('error', exceptionWithHostPort(err, 'bind', undefined, undefined));
        });
        return this;
      }
      const type = guessHandleType(fd);
      if (type !== 'UDP') throw errInvalidFdType(type);
      const err = handle.open(fd);
      if (err) throw errnoException(err, 'open');
      startListening(this);
      return this;
    }

    let address: unknown;
    let exclusive = false;
    if (port !== null && typeof port === 'object') {
      address = (port as BindOptions).address || '';
      exclusive = !!(port as BindOptions).exclusive;
      port = (port as BindOptions).port;
    } else {
      address = typeof address_ === 'function' ? '' : address_;
    }
    if (!address) address = this.type === 'udp4' ? '0.0.0.0' : '::';

    handle.lookup(address as string, (err, ip) => {
      if (!state.handle) return; // closed in the meantime
      if (err) {
        state.bindState = BIND_STATE_UNBOUND;
        this.emit('error', err);
        return;
      }
      // A reusePort socket binds its own descriptor (the kernel spreads datagrams over them), also in a worker.
      if (state.reusePort === true) exclusive = true;
      if (!exclusive && lazyCluster().isWorker) {
        // A worker's bind is a request to the primary, which binds one descriptor per address and port for all workers.
        const flags = (state.ipv6Only === true ? UV_UDP_IPV6ONLY : 0) | (state.reuseAddr === true ? UV_UDP_REUSEADDR : 0);
        bindShared(this, { address: ip, port, addressType: this.type, fd: -1, flags }, (e) => {
          state.bindState = BIND_STATE_UNBOUND;
          this.emit('error', exceptionWithHostPort(e, 'bind', ip, port as number));
        });
        return;
      }
      // The binding reads the port as a uint32 and libuv keeps its low 16 bits.
      const p = (Number(port) >>> 0) & 0xffff;
      const attempt = (retry: boolean): void => {
        if (state.handle !== handle) return; // closed while waiting
        const r = handle.bind(ip, p, state.reuseAddr === true, state.ipv6Only === true, state.reusePort === true);
        if (r === -EADDRINUSE && retry && closing.size > 0) {
          void Promise.all(closing).then(() => attempt(false));
          return;
        }
        if (r) {
          state.bindState = BIND_STATE_UNBOUND;
          this.emit('error', exceptionWithHostPort(r, 'bind', ip, port as number));
          return;
        }
        try {
          handle.start(this, state.engine);
        } catch (e) {
          // Bad `engine` options: reported like a failed bind, not thrown from a callback.
          state.bindState = BIND_STATE_UNBOUND;
          this.emit('error', e);
          return;
        }
        startListening(this);
      };
      attempt(true);
    });
    return this;
  }

  /**
   * bind() done at once (as in Node 24 and 26): binds to a numeric address (no name
   * lookup), returns the bound address and throws bind errors (EADDRINUSE...).
   * `'listening'` follows on the next tick; messages flow as after bind().
   * A cluster worker binds its own descriptor here, as in Node. Unlike Node,
   * a port held by a drop-in socket closed in this same tick is still taken
   * (its descriptor closes in the loop's close phase; bind() waits for it).
   */
  bindSync(options: { port?: number; address?: string } = {}): AddressInfo {
    healthCheck(this);
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw errInvalidArgType('options', 'Object', options);
    const state = this[kState];
    if (state.bindState !== BIND_STATE_UNBOUND) throw errFixed('ERR_SOCKET_ALREADY_BOUND');
    // Arguments first: a bad one leaves the socket unbound and usable.
    const port = validatePort(options.port ?? 0, 'options.port', true);
    let address = options.address as unknown;
    if (!address) address = this.type === 'udp4' ? '0.0.0.0' : '::';
    else {
      validateString(address, 'options.address');
      if (isIP(address) === 0) throw errInvalidArgValue('options.address', address, 'must be a numeric IP address; bindSync does not perform DNS resolution');
    }
    const ip = address as string;
    state.bindState = BIND_STATE_BINDING;
    const handle = state.handle as Handle;
    const r = handle.bind(ip, port, state.reuseAddr === true, state.ipv6Only === true, state.reusePort === true);
    if (r) {
      state.bindState = BIND_STATE_UNBOUND;
      throw exceptionWithHostPort(r, 'bind', ip, port);
    }
    try {
      startReceiving(this);
    } catch (e) {
      state.bindState = BIND_STATE_UNBOUND;
      throw e;
    }
    process.nextTick(emitListeningNT, this);
    return this.address();
  }

  /**
   * connect() done at once (as in Node 24 and 26): a numeric address (no name lookup),
   * binds first when unbound (as bindSync), throws what connect(2) reports.
   * `'connect'` follows on the next tick.
   */
  connectSync(port: number, address?: string): void {
    healthCheck(this);
    const p = validatePort(port, 'Port', false);
    const state = this[kState];
    if (state.connectState !== CONNECT_STATE_DISCONNECTED) throw errFixed('ERR_SOCKET_DGRAM_IS_CONNECTED');
    let addr: unknown = address;
    if (addr == null || addr === '') addr = this.type === 'udp4' ? '127.0.0.1' : '::1';
    else {
      validateString(addr, 'address');
      if (isIP(addr) === 0) throw errInvalidArgValue('address', addr, 'must be a numeric IP address; connectSync does not perform DNS resolution');
    }
    const ip = addr as string;
    if (state.bindState === BIND_STATE_UNBOUND) this.bindSync();
    else if (state.bindState !== BIND_STATE_BOUND) throw errFixed('ERR_SOCKET_ALREADY_BOUND');
    state.connectState = CONNECT_STATE_CONNECTING;
    if (sendBlocked(state, ip)) {
      state.connectState = CONNECT_STATE_DISCONNECTED;
      throw errIpBlocked(ip);
    }
    const handle = state.handle as Handle;
    try {
      if (!sameFamily(handle, ip)) throw new SocketError(EINVAL, 'connect');
      (handle.udp as UdpSocket)._connectNow(p, ip);
    } catch (e) {
      state.connectState = CONNECT_STATE_DISCONNECTED;
      throw exceptionWithHostPort(errnoOf(e), 'connect', ip, p);
    }
    state.connectState = CONNECT_STATE_CONNECTED;
    process.nextTick(emitConnectNT, this);
  }

  /** Fix the peer: `connect(port, address?, callback?)`; `'connect'` (or the callback) follows. */
  connect(port: number, address?: string | (() => void), callback?: (err?: Error) => void): void {
    const p = validatePort(port, 'Port', false);
    let addr: unknown = address;
    let cb = callback;
    if (typeof addr === 'function') {
      cb = addr as (err?: Error) => void;
      addr = '';
    } else if (addr === undefined) addr = '';
    validateString(addr, 'address');
    const state = this[kState];
    if (state.connectState !== CONNECT_STATE_DISCONNECTED) throw errFixed('ERR_SOCKET_DGRAM_IS_CONNECTED');
    state.connectState = CONNECT_STATE_CONNECTING;
    if (state.bindState === BIND_STATE_UNBOUND) this.bind({ port: 0, exclusive: true }, null);
    if (state.bindState !== BIND_STATE_BOUND) {
      enqueue(this, () => doConnectLookup(this, p, addr as string, cb));
      return;
    }
    doConnectLookup(this, p, addr, cb);
  }

  /** Dissolve the association made by {@link Socket.connect}. */
  disconnect(): void {
    const state = this[kState];
    if (state.connectState !== CONNECT_STATE_CONNECTED) throw errFixed('ERR_SOCKET_DGRAM_NOT_CONNECTED');
    try {
      (state.handle?.udp as UdpSocket).disconnect();
    } catch (e) {
      throw errnoException(errnoOf(e), 'connect');
    }
    state.connectState = CONNECT_STATE_DISCONNECTED;
  }

  /**
   * Send one datagram, in any of dgram's forms:
   * `send(msg, [offset, length,] port, address?, callback?)`, connected:
   * `send(msg, [offset, length,] callback?)`. An array is sent as one
   * datagram. The callback is never called synchronously, and not at all
   * when the socket is closed before the datagram left (as in Node).
   */
  send(msg: SendData, port?: number, address?: string, callback?: SendCallback): void;
  /** `send(msg, port, callback)`: to `port` on localhost. */
  send(msg: SendData, port: number, callback?: SendCallback): void;
  /** Connected: `send(msg, callback?)`. */
  send(msg: SendData, callback?: SendCallback): void;
  /** `send(msg, offset, length, port, address?, callback?)`: bytes `offset..offset+length` of `msg`. */
  send(msg: string | NodeJS.ArrayBufferView, offset: number, length: number, port: number, address?: string, callback?: SendCallback): void;
  /** `send(msg, offset, length, port, callback)`: to localhost. */
  send(msg: string | NodeJS.ArrayBufferView, offset: number, length: number, port: number, callback: SendCallback): void;
  /** Connected: `send(msg, offset, length, callback?)`. */
  send(msg: string | NodeJS.ArrayBufferView, offset: number, length: number, callback?: SendCallback): void;
  send(msg: SendData, offset?: unknown, length?: unknown, port?: unknown, address?: unknown, callback?: unknown): void {
    const state = this[kState];
    const connected = state.connectState === CONNECT_STATE_CONNECTED;
    let buffer: unknown = msg;
    if (!connected) {
      if (address || (port && typeof port !== 'function')) {
        buffer = sliceBuffer(buffer, offset, length);
      } else {
        callback = port;
        port = offset;
        address = length;
      }
    } else {
      if (typeof length === 'number') {
        buffer = sliceBuffer(buffer, offset, length);
        if (typeof port === 'function') {
          callback = port;
          port = null;
        }
      } else {
        callback = offset;
      }
      if (port || address) throw errFixed('ERR_SOCKET_DGRAM_IS_CONNECTED');
    }

    let data: Uint8Array | null;
    if (!Array.isArray(buffer)) {
      if (typeof buffer === 'string') data = Buffer.from(buffer);
      else if (!isView(buffer)) throw errInvalidArgType('buffer', BUFFER_TYPES, buffer);
      else data = asBytes(buffer);
    } else if (!(data = joinList(buffer))) {
      throw errInvalidArgType('buffer list arguments', BUFFER_TYPES, buffer);
    }

    let p = 0;
    if (!connected) p = validatePort(port, 'Port', false);
    let cb: SendCallback | undefined = typeof callback === 'function' ? (callback as SendCallback) : undefined;
    if (typeof address === 'function') {
      cb = address as SendCallback;
      address = undefined;
    } else if (address != null) validateString(address, 'address');

    healthCheck(this);
    if (state.bindState === BIND_STATE_UNBOUND) this.bind({ port: 0, exclusive: true }, null);
    if (state.bindState !== BIND_STATE_BOUND) {
      const d = data;
      enqueue(this, () => this.send(d, p, address as string | undefined, cb as SendCallback));
      return;
    }
    const handle = state.handle as Handle;
    if (connected) {
      doSend(handle, data, 0, '', undefined, cb);
      return;
    }
    const host = (address as string | undefined) || (this.type === 'udp4' ? '127.0.0.1' : '::1');
    if (host !== state.lastHost) {
      state.lastHost = host;
      state.lastHostFamily = isIP(host);
    }
    if (state.lastHostFamily !== 0 && handle.lookupFn === realLookup) {
      if (state.sendBlockList !== undefined && sendBlocked(state, host)) {
        // As Node: the callback hears it; without one nobody does.
        if (cb) process.nextTick(cb, errIpBlocked(host));
        return;
      }
      // dns.lookup answers an IP literal on the next tick without a query:
      // keep that timing (a close() in this tick still cancels), with one tick for all.
      if (state.pending.push(data, p, host, address, cb) === PENDING_STRIDE) process.nextTick(flushPending, this);
      return;
    }
    const d = data;
    handle.lookup(address as string, (ex, ip) => {
      if (ex) {
        if (cb) process.nextTick(cb, ex);
        else process.nextTick(() => this.emit('error', ex));
        return;
      }
      if (!state.handle) return;
      if (sendBlocked(state, ip)) {
        if (cb) process.nextTick(cb, errIpBlocked(ip));
        return;
      }
      doSend(state.handle, d, p, ip, address as string | undefined, cb);
    });
  }

  /** Legacy: `sendto(buffer, offset, length, port, address, callback?)`. */
  sendto(buffer: string | NodeJS.ArrayBufferView, offset: number, length: number, port: number, address: string, callback?: SendCallback): void {
    validateNumber(offset, 'offset');
    validateNumber(length, 'length');
    validateNumber(port, 'port');
    validateString(address, 'address');
    this.send(buffer, offset, length, port, address, callback);
  }

  /** Close; `'close'` follows on the next tick. Sends not yet handed to the kernel are dropped. */
  close(callback?: () => void): this {
    const state = this[kState];
    const queue = state.queue;
    if (typeof callback === 'function') this.on('close', callback);
    if (queue !== undefined) {
      queue.push(() => this.close());
      return this;
    }
    healthCheck(this);
    state.receiving = false;
    state.pending = [];
    (state.handle as Handle).close();
    state.handle = null;
    process.nextTick(socketCloseNT, this);
    return this;
  }

  /** `await using` support: closes, resolves on `'close'`; resolves at once when already closed. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this[kState].handle) return;
    await promisify((cb: () => void) => this.close(cb))();
  }

  /** Local address (getsockname). Throws `getsockname EBADF` before bind. */
  address(): AddressInfo {
    healthCheck(this);
    const handle = this[kState].handle as Handle;
    try {
      if (handle.udp) return addressInfo(handle.udp.address());
      if (handle.sock) return addressInfo(handle.sock.localAddress());
    } catch (e) {
      throw errnoException(errnoOf(e), 'getsockname');
    }
    throw errnoException(EBADF, 'getsockname');
  }

  /** The connected peer (getpeername); ERR_SOCKET_DGRAM_NOT_CONNECTED otherwise. */
  remoteAddress(): AddressInfo {
    healthCheck(this);
    const state = this[kState];
    if (state.connectState !== CONNECT_STATE_CONNECTED) throw errFixed('ERR_SOCKET_DGRAM_NOT_CONNECTED');
    try {
      return addressInfo((state.handle?.udp as UdpSocket).remoteAddress());
    } catch (e) {
      throw errnoException(errnoOf(e), 'getpeername');
    }
  }

  /** SO_BROADCAST. */
  setBroadcast(flag: boolean): void {
    sockopt(this, 'setBroadcast', (fd) => setOption(fd, 'SO_BROADCAST', !!flag));
  }

  /** Unicast TTL / hop limit, 1..255; returns `ttl`. */
  setTTL(ttl: number): number {
    validateNumber(ttl, 'ttl');
    const v = ttl | 0;
    // libuv checks the range before it looks at the descriptor.
    if (this[kState].handle && (v < 1 || v > 255)) throw errnoException(EINVAL, 'setTTL');
    sockopt(this, 'setTTL', (fd, v4) => {
      setOption(fd, v4 ? 'IP_TTL' : 'IPV6_UNICAST_HOPS', v);
    });
    return ttl;
  }

  /** Multicast TTL / hop limit, 0..255; returns `ttl`. */
  setMulticastTTL(ttl: number): number {
    validateNumber(ttl, 'ttl');
    const v = ttl | 0;
    if (this[kState].handle && (v < 0 || v > 255)) throw errnoException(EINVAL, 'setMulticastTTL');
    sockopt(this, 'setMulticastTTL', (fd, v4) => {
      setOption(fd, v4 ? 'IP_MULTICAST_TTL' : 'IPV6_MULTICAST_HOPS', v);
    });
    return ttl;
  }

  /** IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP; returns `flag`. */
  setMulticastLoopback<T>(flag: T): T {
    sockopt(this, 'setMulticastLoopback', (fd, v4) => setOption(fd, v4 ? 'IP_MULTICAST_LOOP' : 'IPV6_MULTICAST_LOOP', !!flag));
    return flag;
  }

  /** Outgoing multicast interface: an IPv4 address (udp4), or `'::%<interface>'` (udp6). */
  setMulticastInterface(interfaceAddress: string): void {
    healthCheck(this);
    validateString(interfaceAddress, 'interfaceAddress');
    sockopt(this, 'setMulticastInterface', (fd) => {
      if (isIPv4(interfaceAddress)) setOption(fd, 'IP_MULTICAST_IF', interfaceAddress);
      else {
        const scope = ipv6Scope(interfaceAddress);
        if (scope === undefined) throw new SocketError(EINVAL, 'setsockopt');
        setOption(fd, 'IPV6_MULTICAST_IF', scope);
      }
    });
  }

  /** Join a group (on the interface with this IPv4 address, or `'::%<interface>'` for udp6). */
  addMembership(multicastAddress: string, interfaceAddress?: string): void {
    membership(this, 'addMembership', true, multicastAddress, interfaceAddress);
  }

  /** Leave a group joined with {@link Socket.addMembership}. */
  dropMembership(multicastAddress: string, interfaceAddress?: string): void {
    membership(this, 'dropMembership', false, multicastAddress, interfaceAddress);
  }

  /** Join a source-specific group. */
  addSourceSpecificMembership(sourceAddress: string, groupAddress: string, interfaceAddress?: string): void {
    sourceMembership(this, 'addSourceSpecificMembership', true, sourceAddress, groupAddress, interfaceAddress);
  }

  /** Leave a source-specific group. */
  dropSourceSpecificMembership(sourceAddress: string, groupAddress: string, interfaceAddress?: string): void {
    sourceMembership(this, 'dropSourceSpecificMembership', false, sourceAddress, groupAddress, interfaceAddress);
  }

  /** Keep the event loop alive while bound (default). */
  ref(): this {
    this[kState].handle?.ref();
    return this;
  }

  /** Let the process exit even while this socket is bound. */
  unref(): this {
    this[kState].handle?.unref();
    return this;
  }

  /** SO_RCVBUF (the kernel doubles it). */
  setRecvBufferSize(size: number): void {
    bufferSize(this, size, true);
  }

  /** SO_SNDBUF (the kernel doubles it). */
  setSendBufferSize(size: number): void {
    bufferSize(this, size, false);
  }

  /** SO_RCVBUF as the kernel reports it. */
  getRecvBufferSize(): number {
    return bufferSize(this, 0, true);
  }

  /** SO_SNDBUF as the kernel reports it. */
  getSendBufferSize(): number {
    return bufferSize(this, 0, false);
  }

  /** Bytes waiting in the send queue (datagrams the kernel could not take yet). */
  getSendQueueSize(): number {
    return this[kState].handle?.udp?.getSendQueueSize() ?? 0;
  }

  /** Datagrams waiting in the send queue. */
  getSendQueueCount(): number {
    return this[kState].handle?.udp?.getSendQueueCount() ?? 0;
  }

  /** @deprecated DEP0112: Node's private API. */
  declare _handle: unknown;
  /** @deprecated DEP0112: Node's private API. */
  declare _receiving: boolean;
  /** @deprecated DEP0112: Node's private API. */
  declare _bindState: number;
  /** @deprecated DEP0112: Node's private API. */
  declare _queue: unknown;
  /** @deprecated DEP0112: Node's private API. */
  declare _reuseAddr: boolean | undefined;
  /** @deprecated DEP0112: Node's private API. */
  declare _healthCheck: () => void;
  /** @deprecated DEP0112: Node's private API. */
  declare _stopReceiving: () => void;
}

// Node's deprecated private accessors (DEP0112), with Node's warning text.
for (const [prop, key] of [
  ['_handle', 'handle'],
  ['_receiving', 'receiving'],
  ['_bindState', 'bindState'],
  ['_queue', 'queue'],
  ['_reuseAddr', 'reuseAddr'],
] as const) {
  const msg = `Socket.prototype.${prop} is deprecated`;
  Object.defineProperty(Socket.prototype, prop, {
    get: deprecate(function (this: Socket) {
      return this[kState][key];
    }, msg, 'DEP0112'),
    set: deprecate(function (this: Socket, val: unknown) {
      (this[kState] as unknown as Record<string, unknown>)[key] = val;
    }, msg, 'DEP0112'),
    configurable: true,
    enumerable: false,
  });
}
Object.defineProperty(Socket.prototype, '_healthCheck', {
  value: deprecate(function (this: Socket) {
    healthCheck(this);
  }, 'Socket.prototype._healthCheck() is deprecated', 'DEP0112'),
  writable: true,
  configurable: true,
  enumerable: false,
});
Object.defineProperty(Socket.prototype, '_stopReceiving', {
  value: deprecate(function (this: Socket) {
    this[kState].receiving = false;
  }, 'Socket.prototype._stopReceiving() is deprecated', 'DEP0112'),
  writable: true,
  configurable: true,
  enumerable: false,
});

/**
 * dgram.createSocket: `createSocket('udp4' | 'udp6', listener?)` or
 * `createSocket({ type, reuseAddr, ipv6Only, recvBufferSize, sendBufferSize, lookup, signal, engine }, listener?)`.
 */
export function createSocket(type: SocketType | SocketOptions, listener?: (msg: Buffer, rinfo: RemoteInfo) => void): Socket {
  return new Socket(type, listener);
}

/** net.BlockList.isBlockList where Node has it, else instanceof (Node 20). */
function isBlockList(v: unknown): v is BlockList {
  const is = (BlockList as unknown as { isBlockList?: (x: unknown) => boolean }).isBlockList;
  return typeof is === 'function' ? is(v) : v instanceof BlockList;
}

/** Whether the socket's sendBlockList blocks `ip` (a resolved address). */
function sendBlocked(state: State, ip: string): boolean {
  const list = state.sendBlockList;
  return list !== undefined && list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The {@link UdpSocket} under a drop-in socket, for everything dgram has no
 * words for: per-datagram destination, interface and TTL
 * (`underlying(s).send(data, { address, port, interface, ttl })`),
 * `stats()`, `sendBatch()`, any option. `undefined` before `'listening'` and
 * after `close()`. Closing it closes the descriptor under the dgram socket:
 * close the dgram socket instead.
 */
export function underlying(socket: Socket): UdpSocket | undefined {
  if (!(socket instanceof Socket)) throw errInvalidArgType('socket', 'Socket', socket);
  return socket[kState].handle?.udp ?? undefined;
}

// ---- internals --------------------------------------------------------------

function healthCheck(socket: Socket): void {
  if (!socket[kState].handle) throw errFixed('ERR_SOCKET_DGRAM_NOT_RUNNING');
}

/**
 * Node's bindServerHandle: ask the cluster primary for the shared handle and
 * listen on it. A reply to a socket closed in the meantime closes the handle
 * (an error reply is dropped). Closing the handle from outside (the cluster
 * does on `worker.disconnect()`) closes the socket, as when the handle is
 * the socket's own in Node.
 */
function bindShared(socket: Socket, options: Parameters<ClusterModule['_getServer']>[1], onError: (err: number) => void): void {
  const state = socket[kState];
  lazyCluster()._getServer(socket, options, (err, wrap) => {
    if (err || !wrap) {
      if (state.handle) onError(err || -EINVAL);
      return;
    }
    const handle = state.handle;
    if (!handle) {
      wrap.close();
      return;
    }
    const r = handle.openShared(wrap);
    if (r) {
      wrap.close();
      onError(r);
      return;
    }
    const closeWrap = wrap.close;
    wrap.close = function (this: SharedWrap, ...args: [(() => void)?]): void {
      wrap.close = closeWrap;
      if (handle.shared === wrap) {
        // Closed by the cluster, not by close(): the socket goes with it.
        handle.shared = null;
        if (state.handle === handle) socket.close();
      }
      closeWrap.apply(wrap, args);
    };
    try {
      startListening(socket);
    } catch (e) {
      state.bindState = BIND_STATE_UNBOUND;
      socket.emit('error', e);
    }
  });
}

/** recvStart (unless already on the engine), then buffer sizes. */
function startReceiving(socket: Socket): void {
  const state = socket[kState];
  const handle = state.handle as Handle;
  if (!handle.udp) handle.start(socket, state.engine);
  state.receiving = true;
  state.bindState = BIND_STATE_BOUND;
  if (state.recvBufferSize) bufferSize(socket, state.recvBufferSize, true);
  if (state.sendBufferSize) bufferSize(socket, state.sendBufferSize, false);
}

/** startReceiving, then 'listening'. */
function startListening(socket: Socket): void {
  startReceiving(socket);
  socket.emit('listening');
}

/** 'listening' / 'connect' on the next tick, unless closed by then. */
function emitListeningNT(socket: Socket): void {
  if (socket[kState].handle) socket.emit('listening');
}
function emitConnectNT(socket: Socket): void {
  if (socket[kState].handle) socket.emit('connect');
}

function socketCloseNT(socket: Socket): void {
  socket.emit('close');
}

/** Run work queued while binding, once (bind errors drop it, as in Node). */
function enqueue(socket: Socket, fn: () => void): void {
  const state = socket[kState];
  if (state.queue === undefined) {
    state.queue = [];
    socket.once(EventEmitter.errorMonitor, onListenError);
    socket.once('listening', onListenSuccess);
  }
  state.queue.push(fn);
}

function onListenSuccess(this: Socket): void {
  this.removeListener(EventEmitter.errorMonitor, onListenError);
  const state = this[kState];
  const queue = state.queue ?? [];
  state.queue = undefined;
  for (const fn of queue) fn();
}

function onListenError(this: Socket): void {
  this.removeListener('listening', onListenSuccess);
  this[kState].queue = undefined;
}

function flushPending(socket: Socket): void {
  const state = socket[kState];
  const list = state.pending;
  state.pending = [];
  const handle = state.handle;
  if (!handle?.udp) return;
  // Runs of datagrams to one destination go to the engine as one sendBatch (one sendmmsg).
  const n = list.length / PENDING_STRIDE;
  for (let i = 0; i < n; ) {
    const port = list[i * PENDING_STRIDE + 1] as number;
    const ip = list[i * PENDING_STRIDE + 2] as string;
    let j = i + 1;
    while (j < n && list[j * PENDING_STRIDE + 1] === port && list[j * PENDING_STRIDE + 2] === ip) j++;
    if (j - i === 1) {
      const e = i * PENDING_STRIDE;
      doSend(handle, list[e] as Uint8Array, port, ip, list[e + 3] as string | undefined, list[e + 4] as SendCallback | undefined);
    } else sendRun(handle, list, i, j);
    i = j;
  }
}

/**
 * Datagrams i..j of a pending list, all to one destination, in one
 * sendBatch; each callback gets its own result, as separate sends would.
 */
function sendRun(handle: Handle, list: unknown[], i: number, j: number): void {
  const udp = handle.udp as UdpSocket;
  const at = (k: number, field: number): unknown => list[k * PENDING_STRIDE + field];
  const port = at(i, 1) as number;
  const ip = at(i, 2) as string;
  if (!sameFamily(handle, ip)) {
    for (let k = i; k < j; k++) {
      const cb = at(k, 4) as SendCallback | undefined;
      if (cb) process.nextTick(cb, exceptionWithHostPort(EINVAL, 'send', at(k, 3) as string | undefined, port));
    }
    return;
  }
  const datas: Uint8Array[] = new Array(j - i);
  for (let k = i; k < j; k++) datas[k - i] = at(k, 0) as Uint8Array;
  udp.sendBatch(datas, { address: ip, port }).then(
    () => {
      for (let k = i; k < j; k++) {
        const cb = at(k, 4) as SendCallback | undefined;
        if (cb) callSafely(cb, null, (at(k, 0) as Uint8Array).byteLength);
      }
    },
    (err: unknown) => {
      // The batch stopped at the failing datagram: report it, send the rest one by one.
      const sent = (err as { sent?: unknown } | null)?.sent;
      const f = i + (typeof sent === 'number' ? sent : 0);
      for (let k = i; k < f; k++) {
        const cb = at(k, 4) as SendCallback | undefined;
        if (cb) callSafely(cb, null, (at(k, 0) as Uint8Array).byteLength);
      }
      if (f >= j) return;
      const failedCb = at(f, 4) as SendCallback | undefined;
      if (failedCb) callSafely(failedCb, exceptionWithHostPort(errnoOf(err), 'send', at(i, 3) as string | undefined, port));
      if (handle.udp !== udp) return;
      for (let k = f + 1; k < j; k++) doSend(handle, at(k, 0) as Uint8Array, port, ip, at(k, 3) as string | undefined, at(k, 4) as SendCallback | undefined);
    },
  );
}

/** libuv parses a destination for the socket's own family only. */
function sameFamily(handle: Handle, ip: string): boolean {
  const pct = ip.indexOf('%');
  return isIP(pct < 0 ? ip : ip.slice(0, pct)) === (handle.family === 'ipv4' ? 4 : 6);
}


/** Hand one datagram to the engine; the callback gets Node's result or error. */
function doSend(handle: Handle, data: Uint8Array, port: number, ip: string, address: string | undefined, cb: SendCallback | undefined): void {
  const udp = handle.udp;
  if (!udp) return;
  if (port && !sameFamily(handle, ip)) {
    if (cb) process.nextTick(cb, exceptionWithHostPort(EINVAL, 'send', address, port));
    return;
  }
  // The engine's callback entry: no promise per datagram; without a callback nobody hears
  // the result (Node reports send errors only to a callback).
  const done = cb
    ? (err: Error | null, n: number): void => {
        if (err) callSafely(cb, exceptionWithHostPort(errnoOf(err), 'send', address, port || undefined));
        else callSafely(cb, null, n);
      }
    : null;
  if (port) udp._sendWith(data, port, ip, done);
  else udp._sendWith(data, undefined, undefined, done);
}

/** A callback that throws is an uncaught exception, as in Node (not a rejected promise). */
function callSafely(cb: SendCallback, err: Error | null, n?: number): void {
  try {
    if (err) cb(err);
    else cb(null, n);
  } catch (e) {
    process.nextTick(() => {
      throw e;
    });
  }
}

function doConnectLookup(socket: Socket, port: number, address: string, callback: ((err?: Error) => void) | undefined): void {
  const state = socket[kState];
  if (callback) socket.once('connect', callback);
  (state.handle as Handle).lookup(address, (ex, ip) => {
    const handle = state.handle;
    if (!handle) return;
    const fail = (err: Error): void => {
      state.connectState = CONNECT_STATE_DISCONNECTED;
      process.nextTick(() => {
        if (callback) {
          socket.removeListener('connect', callback);
          callback(err);
        } else socket.emit('error', err);
      });
    };
    if (ex) {
      fail(ex);
      return;
    }
    if (sendBlocked(state, ip)) {
      fail(errIpBlocked(ip));
      return;
    }
    const udp = handle.udp as UdpSocket;
    if (!sameFamily(handle, ip)) {
      fail(exceptionWithHostPort(EINVAL, 'connect', address, port));
      return;
    }
    // connect(2) runs synchronously inside UdpSocket.connect; its promise only reports.
    udp.connect(port, ip).then(
      () => {
        if (state.handle !== handle) return;
        state.connectState = CONNECT_STATE_CONNECTED;
        socket.emit('connect');
      },
      (err: unknown) => {
        if (state.handle !== handle) return;
        fail(exceptionWithHostPort(errnoOf(err), 'connect', address, port));
      },
    );
  });
}

/** An option call with Node's error shape; EBADF before there is a descriptor. */
function sockopt(socket: Socket, syscall: string, fn: (fd: number, v4: boolean) => void): void {
  const handle = socket[kState].handle;
  if (!handle) throw errFixed('ERR_SOCKET_DGRAM_NOT_RUNNING');
  const fd = handle.fd;
  if (fd < 0) throw errnoException(EBADF, syscall);
  try {
    fn(fd, handle.family === 'ipv4');
  } catch (e) {
    throw errnoException(errnoOf(e), syscall);
  }
}

/** The scope of `'addr%scope'` as libuv's uv_ip6_addr reads it (unknown names → 0); undefined when not IPv6. */
function ipv6Scope(a: string): number | undefined {
  const pct = a.indexOf('%');
  const ip = pct < 0 ? a : a.slice(0, pct);
  if (!isIPv6(ip)) return undefined;
  if (pct < 0) return 0;
  const scope = a.slice(pct + 1);
  if (/^\d+$/.test(scope)) return Number(scope);
  try {
    return interfaceIndex(scope);
  } catch {
    return 0;
  }
}

function membership(socket: Socket, syscall: string, join: boolean, group: unknown, iface: unknown): void {
  healthCheck(socket);
  if (!group) throw errMissingArgs('multicastAddress');
  const g = String(group);
  const v4 = isIPv4(g);
  if (!v4 && !isIPv6(g)) throw errnoException(EINVAL, syscall);
  // libuv binds an unbound socket first (uv__udp_maybe_deferred_bind).
  const r = (socket[kState].handle as Handle).deferredBind();
  if (r) throw errnoException(r, syscall);
  const given = iface !== undefined && iface !== null;
  sockopt(socket, syscall, (fd) => {
    if (v4) {
      if (given && !isIPv4(String(iface))) throw new SocketError(EINVAL, 'setsockopt');
      setOption(fd, join ? 'IP_ADD_MEMBERSHIP' : 'IP_DROP_MEMBERSHIP', given ? { group: g, interface: String(iface) } : { group: g });
    } else {
      const index = given ? ipv6Scope(String(iface)) : 0;
      if (index === undefined) throw new SocketError(EINVAL, 'setsockopt');
      setOption(fd, join ? 'IPV6_ADD_MEMBERSHIP' : 'IPV6_DROP_MEMBERSHIP', { group: g, interface: index });
    }
  });
}

function sourceMembership(socket: Socket, syscall: string, join: boolean, source: unknown, group: unknown, iface: unknown): void {
  healthCheck(socket);
  validateString(source, 'sourceAddress');
  validateString(group, 'groupAddress');
  const v4 = isIPv4(group);
  if (!v4 && !isIPv6(group)) throw errnoException(EINVAL, syscall);
  if (v4 ? !isIPv4(source) : !isIPv6(source)) throw errnoException(EINVAL, syscall);
  const r = (socket[kState].handle as Handle).deferredBind();
  if (r) throw errnoException(r, syscall);
  const given = iface !== undefined && iface !== null;
  sockopt(socket, syscall, (fd) => {
    if (v4) {
      if (given && !isIPv4(String(iface))) throw new SocketError(EINVAL, 'setsockopt');
      setOption(fd, join ? 'IP_ADD_SOURCE_MEMBERSHIP' : 'IP_DROP_SOURCE_MEMBERSHIP', given ? { group, source, interface: String(iface) } : { group, source });
    } else {
      const index = given ? ipv6Scope(String(iface)) : 0;
      if (index === undefined) throw new SocketError(EINVAL, 'setsockopt');
      setOption(fd, join ? 'MCAST_JOIN_SOURCE_GROUP' : 'MCAST_LEAVE_SOURCE_GROUP', { group, source, interface: index });
    }
  });
}

function bufferSize(socket: Socket, size: number, recv: boolean): number {
  if (size >>> 0 !== size) throw errFixed('ERR_SOCKET_BAD_BUFFER_SIZE');
  const handle = socket[kState].handle;
  if (!handle) throw errFixed('ERR_SOCKET_DGRAM_NOT_RUNNING');
  const syscall = recv ? 'uv_recv_buffer_size' : 'uv_send_buffer_size';
  const fd = handle.fd;
  if (fd < 0) throw errSocketBufferSize(EBADF, syscall);
  try {
    if (size === 0) return getOption(fd, recv ? 'SO_RCVBUF' : 'SO_SNDBUF');
    setOption(fd, recv ? 'SO_RCVBUF' : 'SO_SNDBUF', size);
    return size;
  } catch (e) {
    throw errSocketBufferSize(errnoOf(e), syscall);
  }
}

/** Node's guessHandleType for a descriptor: 'UDP' for an IP datagram socket. */
function guessHandleType(fd: number): string {
  let sock: RawSocket;
  try {
    sock = RawSocket.adopt(fd, { owned: false });
  } catch (e) {
    return errnoName(-errnoOf(e)) === 'ENOTSOCK' ? 'FILE' : 'UNKNOWN';
  }
  const { family, type } = sock;
  sock.close();
  if (family === constants.AF_INET || family === constants.AF_INET6) {
    if (type === constants.SOCK_DGRAM) return 'UDP';
    if (type === constants.SOCK_STREAM) return 'TCP';
  }
  if (family === constants.AF_UNIX) return 'PIPE';
  return 'UNKNOWN';
}

