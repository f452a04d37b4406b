/**
 * UDP done fully: {@link UdpSocket} on the batched native I/O engine
 * (lib/binding/io.ts), with per-datagram metadata, batch send/receive,
 * backpressure, multicast by interface and dgram interop.
 *
 * ```ts
 * const server = await UdpSocket.create({ family: 'ipv4', port: 5005, receive: { packetInfo: true } });
 * server.on('message', (data, info) => console.log(data, info.address, info.destination));
 * const client = await UdpSocket.create({ family: 'ipv4' });
 * await client.send('hello', 5005, '127.0.0.1');
 * ```
 * @module
 */
import { once } from 'node:events';
import * as dgram from 'node:dgram';
import { constants as osConstants } from 'node:os';
import { constants, native } from '../binding';
import type { NativeSendControl } from '../binding/io';
import { ControlLayout } from '../binding/io';

/** Byte layout of the engine's decoded control records (see lib/binding/io.ts). */
export { ControlLayout };
import { EndpointInput, InterfaceRef, SocketAddress, interfaceName, parseEndpoint, parseIp } from '../core/address';
import { formatIPv4, formatIPv6 } from '../core/iptext';
import { resolveInterfaceIndex } from '../system/interfaces';
import {
  SocketError,
  SockitRangeError,
  SockitStateError,
  check,
  invalidArgType,
  invalidArgValue,
  outOfRange,
  validateBoolean,
  validateBytes,
  validateInteger,
} from '../core/errors';
import { EngineSocket, EngineStats, RecordBatch, SendContext, validateEngineOptions } from '../core/engine';
import { SockaddrReader } from '../core/sockaddr';
import { Socket } from './socket';
import * as mc from './multicast';
import { getOption, setOption } from '../options';
import type { OptionGetValue, OptionSetValue, ReadableOptionName, WritableOptionName } from '../options';
import { withNetns } from '../system/netns';
import { resolveTarget } from '../core/target';

const io = native.ioConstants;
const ADDRESS_STRIDE = io.ADDRESS_STRIDE;
const CONTROL_STRIDE = io.CONTROL_STRIDE;
const MSG_TRUNC = io.MSG_TRUNC;
const AF_INET = constants.AF_INET as number;
const AF_INET6 = constants.AF_INET6 as number;
const { EINVAL, EIO, EMSGSIZE } = osConstants.errno;

/** 'ipv4' | 'ipv6' (also accepts dgram's 'udp4' | 'udp6'). */
export type UdpFamily = 'ipv4' | 'ipv6' | 'udp4' | 'udp6';

/** Ancillary data to receive with each datagram. */
export interface ReceiveOptions {
  /** Destination address and arriving interface (IP_PKTINFO / IPV6_RECVPKTINFO) → `info.destination`, `info.interfaceIndex`. */
  packetInfo?: boolean;
  /** TTL / hop limit (IP_RECVTTL / IPV6_RECVHOPLIMIT) → `info.ttl`. */
  ttl?: boolean;
  /** TOS / traffic class (IP_RECVTOS / IPV6_RECVTCLASS) → `info.tos`. */
  tos?: boolean;
  /** Kernel receive time (SO_TIMESTAMPNS) → `info.timestamp` (bigint ns since the epoch). */
  timestamp?: boolean;
  /** Kernel drop counter (SO_RXQ_OVFL) → `info.dropped`, `stats().kernelDropped`. */
  dropCount?: boolean;
  /**
   * UDP GRO (UDP_GRO): the kernel may hand over several datagrams of one flow
   * as one coalesced buffer with their segment size; sockit splits it again
   * (views, no copies), so `'message'`, iteration and `stats()` still see one
   * datagram each (`info.segments` tells how many arrived together). The
   * receive buffer is then at least 65535 bytes whatever `maxMessageSize` says.
   */
  gro?: boolean;
}

/** Options for {@link UdpSocket.create}. */
export interface UdpSocketOptions {
  /** Address family (default: from `address`, else 'ipv4'). */
  family?: UdpFamily;
  /** Alias of `family`, as in dgram.createSocket. */
  type?: UdpFamily;
  /** Local address to bind (default: any). Binding happens when `address` or `port` is given. */
  address?: string;
  /** Local port (0 = any free port). */
  port?: number;
  /** SO_REUSEADDR before bind. */
  reuseAddress?: boolean;
  /** SO_REUSEPORT before bind: several sockets on one port, the kernel spreads datagrams. */
  reusePort?: boolean;
  /** IPV6_V6ONLY (IPv6 sockets). */
  ipv6Only?: boolean;
  /** SO_BINDTODEVICE: receive and send only through this interface (name or index). */
  interface?: InterfaceRef;
  /** Any option from the option table, applied before bind: `{ SO_RCVBUF: 1 << 20, IP_TOS: 0xb8 }`. */
  options?: Record<string, unknown>;
  /** Ancillary data to receive with each datagram. */
  receive?: ReceiveOptions;
  /** Largest datagram received whole (default 65535; longer ones are truncated and flagged). With `receive.gro` at least 65535. */
  maxMessageSize?: number;
  /**
   * Socket-wide UDP GSO segment size (UDP_SEGMENT, 1..65507): every send longer
   * than this leaves as datagrams of this size (the last may be shorter).
   * Per datagram: `send(data, { segmentSize })`.
   */
  gso?: number;
  /** Datagrams per recvmmsg (default 64, at most 1024). */
  batchSize?: number;
  /** Most datagrams waiting in the send queue (default 65536), for every send method; a send offered beyond it rejects with ENOBUFS. */
  sendQueueLimit?: number;
  /** Datagrams each async iterator buffers before it holds receiving back (default 4096; see the engine's rules in docs/engine.md). */
  highWaterMark?: number;
  /** Create the socket inside this network namespace (path or `ip netns` name). */
  netns?: string;
  /**
   * How `send()` hands datagrams to the kernel (default `'auto'`):
   * - `'auto'`: the first `send()` of a tick of JavaScript goes out at once
   *   (one sendmsg, as latency-sensitive code expects); further `send()`
   *   calls during the same tick are gathered and go out together in one
   *   sendmmsg at the end of that tick (a microtask, before any I/O or timer
   *   runs). A lone send costs exactly one sendmsg; a burst costs one
   *   sendmsg plus one sendmmsg per 1024 datagrams.
   * - `true`: every `send()` waits for the end of the tick (one sendmmsg).
   * - `false`: one sendmsg per `send()`, always.
   *
   * Same promises, same order, same errors in every mode.
   */
  coalesce?: boolean | 'auto';
  /** Close the socket when aborted. */
  signal?: AbortSignal;
}

/** Options for {@link UdpSocket.adopt}: the engine settings of {@link UdpSocketOptions} (the descriptor is already configured). */
export type UdpAdoptOptions = Pick<UdpSocketOptions, 'maxMessageSize' | 'batchSize' | 'sendQueueLimit' | 'highWaterMark' | 'coalesce' | 'netns'> & {
  /** Ancillary data to receive with each datagram (turned on now). */
  receive?: ReceiveOptions;
};

/** Per-datagram metadata; a superset of dgram's `rinfo`. */
export interface MessageInfo {
  /** Source address. */
  address: string;
  /** Source port. */
  port: number;
  /** 'IPv4' | 'IPv6' as in dgram. */
  family: 'IPv4' | 'IPv6';
  /** Size of the datagram on the wire (larger than `data.length` when truncated). */
  size: number;
  /** True when the datagram was longer than `maxMessageSize` and was cut. */
  truncated: boolean;
  /** IPv6 source scope id, when not 0. */
  scopeId?: number;
  /** Destination address of the datagram (receive.packetInfo): unicast, broadcast or multicast group. */
  destination?: string;
  /** Interface it arrived on (receive.packetInfo). */
  interfaceIndex?: number;
  /** TTL / hop limit (receive.ttl). */
  ttl?: number;
  /** TOS / traffic class (receive.tos). */
  tos?: number;
  /** Kernel receive timestamp in ns since the epoch (receive.timestamp). */
  timestamp?: bigint;
  /** Datagrams the kernel dropped on this socket so far (receive.dropCount). */
  dropped?: number;
  /** receive.gro: this datagram arrived coalesced with others; the number of datagrams in that coalesced buffer. */
  segments?: number;
}

/** One received datagram, as async iteration yields it. */
export interface Message {
  /** The datagram's bytes. */
  data: Buffer;
  /** Where it came from and its control data. */
  info: MessageInfo;
}

/** Where and how to send one datagram. */
export interface SendOptions {
  /** Destination IP address (with optional `%scope`); default loopback when only `port` is given. Omit both on a connected socket. */
  address?: string;
  /** Destination port, 0..65535; required with `address`. */
  port?: number;
  /** Source address for this datagram (IP_PKTINFO / IPV6_PKTINFO); must be local. */
  sourceAddress?: string;
  /** Outgoing interface for this datagram (name, index or IPv4 address). */
  interface?: InterfaceRef;
  /** TTL / hop limit for this datagram. */
  ttl?: number;
  /** TOS / traffic class for this datagram. */
  tos?: number;
  /**
   * UDP GSO (UDP_SEGMENT control message): send `data` as datagrams of this
   * many bytes each (the last may be shorter) with one system call.
   * 1..65507, at most 64 segments, `data` at most 65507 bytes; each segment
   * plus headers must fit the path MTU (else EINVAL).
   */
  segmentSize?: number;
}

/** A batch entry for {@link UdpSocket.sendBatch}. */
export type BatchMessage =
  | Uint8Array
  | string
  | ({
      /** The datagram's bytes (a string is sent as UTF-8). */
      data: Uint8Array | string;
    } & SendOptions);

/** Counters kept by a {@link UdpSocket} (the engine's, plus UDP's own). */
export interface UdpStats extends EngineStats {
  /** True once a GSO send failed (EIO/EINVAL: no checksum offload on the path) and GSO was turned off for this socket; segmented sends then go out as separate datagrams. */
  gsoDisabled: boolean;
}

/** A UDP socket's bound or peer address, as dgram reports it. */
export interface UdpAddress {
  /** IP address, text form. */
  address: string;
  /** Port. */
  port: number;
  /** 'IPv4' | 'IPv6', as in dgram and every other family field of UdpSocket. */
  family: 'IPv4' | 'IPv6';
  /** IPv6 scope id, when not 0. */
  scopeId?: number;
}

/**
 * A received batch, for the `'batch'` event: zero per-datagram allocation
 * unless you ask. Valid only during the event handler (metadata is reused).
 */
export class MessageBatch extends RecordBatch<MessageInfo> {
  /** @internal */ _ctl32: Uint32Array;
  /** @internal */
  constructor(meta: Uint32Array, decode: (i: number) => MessageInfo, ctl32: Uint32Array) {
    super(meta, decode);
    this._ctl32 = ctl32;
  }
  /**
   * receive.gro: the segment size when datagram i is a coalesced GRO buffer
   * (several datagrams back to back, each this long but the last), else 0.
   * The batch shows buffers as received; 'message', iteration and stats() split them.
   */
  segmentSize(i: number): number {
    return groSegment(this._ctl32, i, this.length(i));
  }
}

/** Max UDP payload over IPv4 (65535 - 8 UDP - 20 IP), the GSO total limit. */
const MAX_UDP_PAYLOAD = 65507;
/** Kernel UDP_MAX_SEGMENTS. */
const MAX_GSO_SEGMENTS = 64;
const CTL_WORDS = CONTROL_STRIDE >> 2;
const GRO_WORD = ControlLayout.groSize >> 2;
const SK_MEMINFO_DROPS = 8;

/** GRO segment size of message i when it is a coalesced buffer longer than one segment, else 0. */
function groSegment(ctl32: Uint32Array, i: number, length: number): number {
  const b = i * CTL_WORDS;
  if (((ctl32[b] as number) & io.HAS_GRO) === 0) return 0;
  const seg = ctl32[b + GRO_WORD] as number;
  return seg !== 0 && length > seg ? seg : 0;
}

/** RangeError unless `length` bytes can go out as GSO segments of `seg` bytes. */
function checkSegments(length: number, seg: number, name: string): void {
  if (length > MAX_UDP_PAYLOAD) throw outOfRange(`${name}.length`, `<= ${MAX_UDP_PAYLOAD} with segmentSize`, length);
  if (Math.ceil(length / seg) > MAX_GSO_SEGMENTS)
    throw outOfRange(`${name}.length`, `<= ${MAX_GSO_SEGMENTS} segments of segmentSize ${seg} (${MAX_GSO_SEGMENTS * seg} bytes)`, length);
}

/** Hint for EINVAL/EMSGSIZE/EIO from a GSO send. */
function gsoHint(errno: number): string | undefined {
  if (errno === EINVAL || errno === EMSGSIZE)
    return `UDP GSO: each segment plus IP/UDP headers must fit the path MTU, at most ${MAX_GSO_SEGMENTS} segments, not with UDP_NO_CHECK6_TX`;
  if (errno === EIO) return 'UDP GSO needs checksum offload on the output path (not available through IPsec or on this device)';
  return undefined;
}

/** dgram's port check: ERR_SOCKET_BAD_PORT (a RangeError) with dgram's message. */
function validateUdpPort(value: unknown, name = 'Port'): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535) return value;
  if (typeof value !== 'number') throw invalidArgType(name === 'Port' ? 'port' : name, 'of type number', value);
  throw new SockitRangeError('ERR_SOCKET_BAD_PORT', `${name} should be >= 0 and < 65536. Received type number (${String(value)}).`);
}

function familyArg(f: UdpFamily | undefined, name: string): 'ipv4' | 'ipv6' | undefined {
  if (f === undefined) return undefined;
  if (f === 'ipv4' || f === 'udp4') return 'ipv4';
  if (f === 'ipv6' || f === 'udp6') return 'ipv6';
  throw invalidArgValue(name, f, "must be 'ipv4', 'ipv6', 'udp4' or 'udp6'");
}

/** The literal without its `%scope` (the scope is resolved later, inside the socket's namespace). */
function withoutScope(a: string): string {
  const pct = a.indexOf('%');
  return pct < 0 ? a : a.slice(0, pct);
}

function toUdpAddress(a: SocketAddress): UdpAddress {
  const out: UdpAddress = { address: a.address, port: a.port, family: a.family === 'ipv6' ? 'IPv6' : 'IPv4' };
  if (a.scopeId) out.scopeId = a.scopeId;
  return out;
}

const kCreate = Symbol('sockit.udp.create');

/** An encoded destination: sockaddr and control bytes, plus what errors name. */
interface Target {
  addr: Buffer | null;
  ctl: Buffer | null;
  address?: string;
  port?: number;
  seg?: number;
  /** The same destination without the GSO control message (for the fallback). */
  plain?: Buffer | null;
}

const CONNECTED: Target = { addr: null, ctl: null };

/**
 * A UDP socket on the sockit engine. Create with {@link UdpSocket.create}
 * (or take one over with {@link UdpSocket.adopt}).
 *
 * Events: `'message' (data, info)` (dgram-compatible), `'batch' (MessageBatch)`,
 * `'listening'` (bound), `'connect'`, `'error' (err)` — receive errors,
 * including ECONNREFUSED reported by ICMP on a connected socket, and failed
 * sends while an `'error'` listener exists —, `'drain'` (the send queue
 * emptied or a refused trySend may be retried), `'close'`.
 *
 * The socket receives — and keeps the event loop alive for receiving — while
 * it is bound (or connected) and somebody consumes: a `'message'` or
 * `'batch'` listener, an async iterator or a pending `receive()`. The rules
 * every engine socket shares are in lib/core/engine.ts and docs/engine.md.
 */
export class UdpSocket extends EngineSocket<MessageInfo, Message> {
  /** IP family of the socket, fixed at creation. */
  readonly family: 'ipv4' | 'ipv6';
  #sock: Socket;
  #af: number;
  #bound: boolean;
  #gso = 0;
  #gsoBroken = false;
  #lastPort = -1;
  #lastAddress: string | undefined;
  #lastTarget: Target | undefined;
  #addrCache = new Map<string, Buffer>();
  #ctlCache = new Map<string, Buffer>();
  #connected: SocketAddress | undefined;
  #addrs: SockaddrReader;
  #ctlBytes: Uint8Array;
  #ctl32: Uint32Array;
  #ctlView: DataView;
  #meta: Uint32Array;
  #dropCountOn: boolean;
  #netns: string | undefined;

  /** @internal Use {@link UdpSocket.create} or {@link UdpSocket.adopt}. */
  constructor(token: typeof kCreate, sock: Socket, family: 'ipv4' | 'ipv6', options: UdpSocketOptions, bound: boolean) {
    if (token !== kCreate) throw new TypeError('use UdpSocket.create()');
    const fd = sock.release();
    super(fd, {
      name: 'UdpSocket',
      messageEvent: 'message',
      batchSize: options.batchSize ?? 64,
      messageSize: options.receive?.gro ? Math.max(options.maxMessageSize ?? 0, 65535) : (options.maxMessageSize ?? 65535),
      sendQueueLimit: options.sendQueueLimit ?? 65536,
      coalesce: options.coalesce ?? 'auto',
      highWaterMark: options.highWaterMark ?? 4096,
      ready: bound,
    });
    this.family = family;
    this.#af = family === 'ipv4' ? AF_INET : AF_INET6;
    this.#bound = bound;
    this.#dropCountOn = options.receive?.dropCount === true;
    this.#netns = options.netns;
    this.#gso = options.gso ?? 0;
    this.#sock = Socket.adopt(fd, { owned: false });
    const h = this._handle;
    this.#addrs = new SockaddrReader(h.addresses);
    this.#ctlBytes = h.control;
    this.#meta = h.meta;
    this.#ctl32 = new Uint32Array(this.#ctlBytes.buffer, this.#ctlBytes.byteOffset, this.#ctlBytes.byteLength >> 2);
    this.#ctlView = new DataView(this.#ctlBytes.buffer, this.#ctlBytes.byteOffset, this.#ctlBytes.byteLength);
    this.#batchObj = new MessageBatch(this.#meta, (i) => this._decodeInfo(i), this.#ctl32);
  }

  /**
   * Create (and, when `address` or `port` is given, bind) a UDP socket.
   * Options are applied in this order: SO_REUSEADDR/SO_REUSEPORT, IPV6_V6ONLY,
   * SO_BINDTODEVICE, `options`, `receive`, then bind. A bound socket emits
   * `'listening'` once the caller had a chance to attach listeners.
   */
  static async create(options: UdpSocketOptions = {}): Promise<UdpSocket> {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const signal = options.signal;
    if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean'))
      throw invalidArgType('options.signal', 'an AbortSignal', signal);
    if (signal?.aborted) throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
    let family = familyArg(options.family, 'options.family') ?? familyArg(options.type, 'options.type');
    if (options.address !== undefined) {
      if (typeof options.address !== 'string') throw invalidArgType('options.address', 'of type string', options.address);
      // Family only: a %scope is resolved inside the socket's namespace, at bind.
      const ip = parseIp(withoutScope(options.address), 'options.address');
      if (family === undefined) family = ip.family;
    }
    family ??= 'ipv4';
    if (options.port !== undefined) validateUdpPort(options.port);
    if (options.maxMessageSize !== undefined) validateInteger(options.maxMessageSize, 'options.maxMessageSize', 1, io.MAX_MESSAGE_SIZE);
    validateEngineOptions(options);
    for (const k of ['reuseAddress', 'reusePort', 'ipv6Only'] as const)
      if (options[k] !== undefined) validateBoolean(options[k], `options.${k}`);
    const recv = options.receive ?? {};
    if (recv === null || typeof recv !== 'object') throw invalidArgType('options.receive', 'of type object', recv);
    if (options.gso !== undefined) validateInteger(options.gso, 'options.gso', 1, MAX_UDP_PAYLOAD);
    for (const k of ['packetInfo', 'ttl', 'tos', 'timestamp', 'dropCount', 'gro'] as const)
      if (recv[k] !== undefined) validateBoolean(recv[k], `options.receive.${k}`);
    if (options.options !== undefined && (options.options === null || typeof options.options !== 'object'))
      throw invalidArgType('options.options', 'of type object', options.options);

    const sock = new Socket(family, 'dgram', 0, options.netns !== undefined ? { netns: options.netns } : {});
    const bind = options.address !== undefined || options.port !== undefined;
    try {
      inNs(options.netns, () => configure(sock, family as 'ipv4' | 'ipv6', options, recv));
    } catch (e) {
      sock.close();
      throw e;
    }
    const s = new UdpSocket(kCreate, sock, family, options, bind);
    if (signal) {
      const onAbort = (): void => void s.close();
      signal.addEventListener('abort', onAbort, { once: true });
      s.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    if (bind) setImmediate(() => s.closed || s.emit('listening'));
    return s;
  }

  /**
   * Take over an existing UDP socket and get a full UdpSocket with I/O: a
   * descriptor number (ownership moves to the UdpSocket), a sockit
   * {@link Socket} (released to it), or a Node `dgram.Socket` (its
   * descriptor is duplicated, then the dgram socket is closed). Its bound
   * address, connection and options carry over. Throws when the descriptor is
   * not an AF_INET/AF_INET6 SOCK_DGRAM socket.
   */
  static adopt(target: number | Socket | dgram.Socket, options: UdpAdoptOptions = {}): UdpSocket {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    if (options.maxMessageSize !== undefined) validateInteger(options.maxMessageSize, 'options.maxMessageSize', 1, io.MAX_MESSAGE_SIZE);
    validateEngineOptions(options);
    let fd: number;
    if (typeof target === 'number') fd = validateInteger(target, 'target', 0, 0x7fffffff);
    else if (target instanceof Socket) fd = target.fd;
    else if (target instanceof dgram.Socket) fd = check(native.dup(resolveTarget(target, 'target').fd), 'dup');
    else throw invalidArgType('target', 'a descriptor number, a sockit Socket or a dgram.Socket', target);
    let sock: Socket;
    try {
      sock = Socket.adopt(fd, { owned: true });
    } catch (e) {
      if (target instanceof dgram.Socket) native.close(fd);
      throw e;
    }
    const family = sock.family === AF_INET ? 'ipv4' : sock.family === AF_INET6 ? 'ipv6' : undefined;
    if (family === undefined || sock.type !== constants.SOCK_DGRAM || (sock.protocol !== 0 && sock.protocol !== constants.IPPROTO_UDP)) {
      const what = `family ${sock.family}, type ${sock.type}, protocol ${sock.protocol}`;
      if (target instanceof dgram.Socket) native.close(fd);
      else sock.release();
      throw invalidArgValue('target', typeof target === 'number' ? target : '[socket]', `is not a UDP socket (AF_INET/AF_INET6, SOCK_DGRAM): ${what}`);
    }
    check(native.setNonBlocking(fd, true), 'fcntl');
    if (options.receive !== undefined) inNs(options.netns, () => applyReceive(fd, family, options.receive as ReceiveOptions));
    if (target instanceof Socket) target.release();
    if (target instanceof dgram.Socket) target.close();
    let connected: SocketAddress | undefined;
    try {
      connected = sock.remoteAddress();
    } catch {
      /* not connected */
    }
    const bound = connected !== undefined || sock.localAddress().port !== 0;
    const s = new UdpSocket(kCreate, sock, family, options, bound);
    s.#connected = connected;
    return s;
  }

  /** @internal Run `fn` with interface names resolved in this socket's namespace. */
  _ns<T>(fn: () => T): T {
    return inNs(this.#netns, fn);
  }

  /** @internal Interface reference → index, in this socket's namespace. */
  _ifindex(ref: InterfaceRef, name = 'interface'): number {
    return this._ns(() => resolveInterfaceIndex(ref, name));
  }

  #markBound(): void {
    if (this.#bound) return;
    this.#bound = true;
    this._setReady(true);
  }

  /** bind(2) after create: `bind(port)`, `bind(port, address)`, `bind('addr:port')`, `bind({address, port})`. Emits `'listening'`. */
  async bind(port: number | EndpointInput = 0, address?: string): Promise<UdpAddress> {
    this._check();
    const any = this.family === 'ipv4' ? '0.0.0.0' : '::';
    this._ns(() => {
      if (typeof port === 'number') this.#sock.bind({ address: address ?? any, port: validateUdpPort(port) });
      else this.#sock.bind(port);
    });
    this.#markBound();
    const a = this.address();
    this.emit('listening');
    return a;
  }

  /** Local address (getsockname), family 'IPv4' | 'IPv6' as in dgram. */
  address(): UdpAddress {
    this._check();
    return toUdpAddress(this.#sock.localAddress());
  }

  /** Peer address of a connected socket (getpeername); throws ENOTCONN otherwise. */
  remoteAddress(): UdpAddress {
    this._check();
    return toUdpAddress(this.#sock.remoteAddress());
  }

  /**
   * connect(2): fix the peer. `send(data)` then needs no address, only the
   * peer's datagrams are received, and an ICMP port-unreachable comes back as
   * an `'error'` event with code ECONNREFUSED (or as the rejection of the
   * next send, whichever happens first). Emits `'connect'`.
   */
  async connect(port: number | EndpointInput, address?: string): Promise<void> {
    this._check();
    const ep = typeof port === 'number' ? { address: address ?? (this.family === 'ipv4' ? '127.0.0.1' : '::1'), port: validateUdpPort(port) } : port;
    this._ns(() => this.#sock.connect(ep));
    this.#connected = this.#sock.remoteAddress();
    this.#lastPort = -1;
    this.#markBound();
    this.emit('connect');
  }

  /** Dissolve the association made by connect(). */
  disconnect(): void {
    this._check();
    this.#sock.disconnect();
    this.#connected = undefined;
  }

  /** Counters; `kernelDropped` is read from the kernel now (SO_MEMINFO). */
  override stats(): UdpStats {
    return { ...super.stats(), gsoDisabled: this.#gsoBroken };
  }

  /** Bytes waiting in the send queue (dgram's getSendQueueSize). */
  getSendQueueSize(): number {
    return this._sendQueueBytes();
  }

  /** Datagrams waiting in the send queue (dgram's getSendQueueCount). */
  getSendQueueCount(): number {
    return this.sendQueueLength;
  }

  // ---- options -------------------------------------------------------------

  /** Set any option of the option table by its C name: `setOption('SO_PRIORITY', 6)` (typed by the table). */
  setOption<N extends WritableOptionName>(name: N, value: OptionSetValue<N>): void {
    const fd = this.fd;
    this._ns(() => setOption(fd, name, value));
  }
  /** Read any option of the option table by its C name (typed by the table). */
  getOption<N extends ReadableOptionName>(name: N): OptionGetValue<N> {
    const fd = this.fd;
    return this._ns(() => getOption(fd, name));
  }
  /** SO_BROADCAST: allow sending to broadcast addresses. */
  setBroadcast(on: boolean): void {
    this.setOption('SO_BROADCAST', validateBoolean(on, 'on'));
  }
  /** Unicast TTL (IP_TTL) or hop limit (IPV6_UNICAST_HOPS). */
  setTTL(ttl: number): void {
    validateInteger(ttl, 'ttl', 1, 255);
    this.setOption(this.family === 'ipv4' ? 'IP_TTL' : 'IPV6_UNICAST_HOPS', ttl);
  }
  /** TOS byte (IP_TOS) or traffic class (IPV6_TCLASS), e.g. DSCP EF = 0xb8. */
  setTOS(tos: number): void {
    validateInteger(tos, 'tos', 0, 255);
    this.setOption(this.family === 'ipv4' ? 'IP_TOS' : 'IPV6_TCLASS', tos);
  }
  /** SO_RCVBUF (the kernel doubles it; getRecvBufferSize reports the doubled value). */
  setRecvBufferSize(size: number): void {
    this.setOption('SO_RCVBUF', validateInteger(size, 'size', 1, 0x7fffffff));
  }
  /** SO_SNDBUF. */
  setSendBufferSize(size: number): void {
    this.setOption('SO_SNDBUF', validateInteger(size, 'size', 1, 0x7fffffff));
  }
  /** SO_RCVBUF as the kernel reports it (twice the value set). */
  getRecvBufferSize(): number {
    return this.getOption('SO_RCVBUF');
  }
  /** SO_SNDBUF as the kernel reports it (twice the value set). */
  getSendBufferSize(): number {
    return this.getOption('SO_SNDBUF');
  }
  /**
   * UDP_GRO on or off (see `receive.gro`). Coalesced buffers are split
   * whenever the kernel marks them, however GRO was turned on; create the
   * socket with `receive.gro` (or `maxMessageSize` >= 65535, the default) so
   * a coalesced buffer always fits.
   */
  setGro(on: boolean): void {
    this.setOption('UDP_GRO', validateBoolean(on, 'on'));
  }
  /** Socket-wide UDP GSO segment size (UDP_SEGMENT), 0 = off; see `options.gso`. */
  setGso(segmentSize: number): void {
    validateInteger(segmentSize, 'segmentSize', 0, MAX_UDP_PAYLOAD);
    this.setOption('UDP_SEGMENT', segmentSize);
    this.#gso = segmentSize;
  }

  // ---- multicast (see lib/sockets/multicast.ts for the one-liners) ------------

  /** Join `group` on `iface` (name, index or IPv4 address; default: routing decides). Uses MCAST_JOIN_GROUP (group_req). */
  addMembership(group: string, iface?: InterfaceRef): void {
    const fd = this.fd;
    this._ns(() => mc.membership(fd, this.family, 'join', group, iface));
  }
  /** Leave `group` on `iface`. */
  dropMembership(group: string, iface?: InterfaceRef): void {
    const fd = this.fd;
    this._ns(() => mc.membership(fd, this.family, 'leave', group, iface));
  }
  /** Source-specific join (SSM): only `source` → `group` passes. */
  addSourceSpecificMembership(source: string, group: string, iface?: InterfaceRef): void {
    const fd = this.fd;
    this._ns(() => mc.sourceMembership(fd, this.family, 'join', source, group, iface));
  }
  /** Leave a source-specific membership joined with {@link UdpSocket.addSourceSpecificMembership}. */
  dropSourceSpecificMembership(source: string, group: string, iface?: InterfaceRef): void {
    const fd = this.fd;
    this._ns(() => mc.sourceMembership(fd, this.family, 'leave', source, group, iface));
  }
  /** Block one source of an any-source group joined earlier. */
  blockSource(source: string, group: string, iface?: InterfaceRef): void {
    const fd = this.fd;
    this._ns(() => mc.sourceMembership(fd, this.family, 'block', source, group, iface));
  }
  /** Undo {@link UdpSocket.blockSource}: let `source` reach `group` again. */
  unblockSource(source: string, group: string, iface?: InterfaceRef): void {
    const fd = this.fd;
    this._ns(() => mc.sourceMembership(fd, this.family, 'unblock', source, group, iface));
  }
  /** Outgoing multicast interface (name, index or IPv4 address). */
  setMulticastInterface(iface: InterfaceRef): void {
    const fd = this.fd;
    this._ns(() => mc.setInterface(fd, this.family, iface));
  }
  /** Multicast TTL (IPv6: hop limit). */
  setMulticastTTL(ttl: number): void {
    validateInteger(ttl, 'ttl', 0, 255);
    this.setOption(this.family === 'ipv4' ? 'IP_MULTICAST_TTL' : 'IPV6_MULTICAST_HOPS', ttl);
  }
  /** Whether our own multicast comes back to local listeners. */
  setMulticastLoopback(on: boolean): void {
    validateBoolean(on, 'on');
    this.setOption(this.family === 'ipv4' ? 'IP_MULTICAST_LOOP' : 'IPV6_MULTICAST_LOOP', on);
  }
  /** IP_MULTICAST_ALL: false = receive only the groups this socket joined (Linux default is true). */
  setMulticastAll(on: boolean): void {
    validateBoolean(on, 'on');
    this.setOption(this.family === 'ipv4' ? 'IP_MULTICAST_ALL' : 'IPV6_MULTICAST_ALL', on);
  }

  // ---- the address codec -----------------------------------------------------

  #encodeAddress(address: string, port: number, scopeId?: number): Buffer {
    const key = scopeId ? `${address}%${scopeId}|${port}` : `${address}|${port}`;
    let enc = this.#addrCache.get(key);
    if (enc) return enc;
    const ep = this._ns(() => parseEndpoint({ address, port, ...(scopeId ? { scopeId } : {}) }, 'address'));
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

  #encodeControl(o: SendOptions, withSegment = true): Buffer | null {
    const seg = withSegment ? o.segmentSize : undefined;
    if (o.sourceAddress === undefined && o.interface === undefined && o.ttl === undefined && o.tos === undefined && seg === undefined) return null;
    const key = `${o.sourceAddress}|${o.interface}|${o.ttl}|${o.tos}|${seg}`;
    let enc = this.#ctlCache.get(key);
    if (enc) return enc;
    const c: NativeSendControl = {};
    if (o.sourceAddress !== undefined) {
      const ip = this._ns(() => parseIp(o.sourceAddress as string, 'sourceAddress'));
      if (ip.family !== this.family) throw invalidArgValue('sourceAddress', o.sourceAddress, `is not an ${this.family} address`);
      c.source = ip.address;
      if (ip.scopeId) c.ifindex = ip.scopeId;
    }
    if (o.interface !== undefined) c.ifindex = this._ifindex(o.interface);
    if (o.ttl !== undefined) c.ttl = validateInteger(o.ttl, 'ttl', 0, 255);
    if (o.tos !== undefined) c.tos = validateInteger(o.tos, 'tos', 0, 255);
    if (seg !== undefined) c.segmentSize = validateInteger(seg, 'segmentSize', 1, MAX_UDP_PAYLOAD);
    enc = check(native.ioEncodeControl(this.#af, c), 'sendmsg');
    if (this.#ctlCache.size >= 256) this.#ctlCache.clear();
    this.#ctlCache.set(key, enc);
    return enc;
  }

  #notConnected(what: string): SockitStateError {
    return new SockitStateError('ERR_SOCKET_DGRAM_NOT_CONNECTED', `${what} has no address and the socket is not connected`);
  }

  #target(portOrOptions: number | SendOptions | undefined, address: string | undefined): Target {
    if (portOrOptions === undefined) {
      if (!this.#connected) throw this.#notConnected('send()');
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
        scope = this._ns(() => parseIp(address as string, 'address').scopeId);
        a = a.slice(0, pct);
      }
      return { addr: this.#encodeAddress(a, portOrOptions, scope), ctl: null, address: a, port: portOrOptions };
    }
    if (portOrOptions === null || typeof portOrOptions !== 'object') throw invalidArgType('port', 'a number or a send options object', portOrOptions);
    return this.#targetOf(portOrOptions, undefined, 'send()');
  }

  /** The target of a send options object; `inherit` supplies what it leaves out (sendBatch's destination). */
  #targetOf(o: SendOptions, inherit: Target | undefined, what: string): Target {
    let addr: Buffer | null = inherit?.addr ?? null;
    let address = inherit?.address;
    let port = inherit?.port;
    if (o.address !== undefined || o.port !== undefined) {
      if (o.port === undefined) throw invalidArgValue('options.port', o.port, 'is required with an address');
      validateUdpPort(o.port, 'options.port');
      const a = o.address ?? (this.family === 'ipv4' ? '127.0.0.1' : '::1');
      const ip = this._ns(() => parseIp(a, 'options.address'));
      addr = this.#encodeAddress(ip.address, o.port, ip.scopeId || undefined);
      address = ip.address;
      port = o.port;
    } else if (!inherit && !this.#connected) throw this.#notConnected(what);
    const own = this.#encodeControl(o);
    const t: Target = { addr, ctl: own ?? inherit?.ctl ?? null, address, port };
    const seg = o.segmentSize ?? inherit?.seg;
    if (seg !== undefined) {
      t.seg = seg;
      t.plain = own ? this.#encodeControl(o, false) : (inherit?.plain ?? null);
    }
    return t;
  }

  // ---- sending ---------------------------------------------------------------

  /**
   * Send one datagram: `send(data, port, address)`, `send(data, { address, port, sourceAddress?, interface?, ttl?, tos? })`
   * or, connected, `send(data)`. Tries sendmsg at once; when the socket
   * buffer is full the datagram waits in the send queue (bounded by
   * `sendQueueLimit`). Resolves with the bytes sent once the kernel has it;
   * a failure rejects and, while an `'error'` listener exists, is emitted
   * there too (so an unawaited send cannot crash the process).
   */
  send(data: Uint8Array | string, port?: number | SendOptions, address?: string): Promise<number> {
    try {
      this._check();
      const buf = data instanceof Uint8Array ? data : typeof data === 'string' ? Buffer.from(data) : validateBytes(data, 'data');
      if (buf.buffer.byteLength === 0 && buf.byteOffset === 0 && isDetached(buf)) throw invalidArgValue('data', '[detached buffer]', 'is detached');
      let t: Target;
      if (port === this.#lastPort && address === this.#lastAddress && typeof port === 'number') {
        t = this.#lastTarget as Target; // same destination as last time: no parsing, no lookup
      } else {
        t = this.#target(port, address);
        if (typeof port === 'number' && typeof address === 'string') {
          this.#lastPort = port;
          this.#lastAddress = address;
          this.#lastTarget = t;
        }
      }
      if (!this.#bound) this.#markBound(); // the kernel binds an unbound socket on its first send
      const seg = t.seg ?? (this.#gso !== 0 ? this.#gso : undefined);
      if (seg !== undefined) return this.#sendSegmented(buf, t, seg);
      return this._send(buf, t.addr, t.ctl, t);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** A GSO send, or its fallback: separate datagrams once the path refused GSO. */
  #sendSegmented(buf: Uint8Array, t: Target, seg: number): Promise<number> {
    checkSegments(buf.byteLength, seg, 'data');
    if (this.#gsoBroken) return this.#sendSplit(buf, t, seg);
    return this._send(buf, t.addr, t.ctl, t).catch((e: unknown) => {
      if (!this.#gsoFallback(e)) throw e;
      return this.#sendSplit(buf, t, seg);
    });
  }

  #sendSplit(buf: Uint8Array, t: Target, seg: number): Promise<number> {
    const parts: Uint8Array[] = [];
    for (let o = 0; o < buf.byteLength; o += seg) parts.push(buf.subarray(o, Math.min(o + seg, buf.byteLength)));
    if (parts.length === 0) parts.push(buf);
    return this._sendBatch(parts, t.addr, t.seg !== undefined ? (t.plain ?? null) : t.ctl, t).then(() => buf.byteLength);
  }

  /** EIO/EINVAL from a segmented send: turn GSO off for this socket (once) and say so in stats(). */
  #gsoFallback(e: unknown): boolean {
    if (!(e instanceof SocketError) || (e.errno !== -EIO && e.errno !== -EINVAL) || this.closed) return false;
    if (!this.#gsoBroken) {
      this.#gsoBroken = true;
      if (this.#gso !== 0) {
        try {
          this.setOption('UDP_SEGMENT', 0);
        } catch {
          /* sends split in JS either way */
        }
      }
    }
    return true;
  }

  /** @internal A GSO send that may fall back is not routed to 'error' before the fallback ran. */
  protected override _mayRoute(ctx: SendContext): boolean {
    return (ctx as Target | undefined)?.seg === undefined && this.#gso === 0;
  }

  /**
   * Send one datagram only if the kernel takes it now: true when sent, false
   * when the socket buffer is full (nothing queued; wait for `'drain'`).
   * Throws on other errors.
   */
  trySend(data: Uint8Array | string, port?: number | SendOptions, address?: string): boolean {
    this._check();
    const buf = typeof data === 'string' ? Buffer.from(data) : validateBytes(data, 'data');
    const t = this.#target(port, address);
    if (t.seg !== undefined) checkSegments(buf.byteLength, t.seg, 'data');
    if (!this.#bound) this.#markBound();
    return this._trySend(buf, t.addr, t.ctl, t);
  }

  /**
   * Send many datagrams with sendmmsg (up to 1024 per system call). Entries
   * are payloads (sent to `destination`, or to the connected peer) or
   * `{ data, address?, port?, ... }` objects whose options override the
   * batch's `destination` for that entry. Resolves with the number of
   * datagrams handed to the kernel (all of them; waits in the send queue if
   * needed). A failing datagram rejects the promise (`err.sent` says how
   * many went before it).
   */
  sendBatch(messages: readonly BatchMessage[], destination?: SendOptions | EndpointInput): Promise<number> {
    try {
      this._check();
      if (!Array.isArray(messages)) throw invalidArgType('messages', 'an Array', messages);
      let common: Target | undefined;
      if (destination !== undefined) {
        if (typeof destination === 'string') {
          const ep = this._ns(() => parseEndpoint(destination, 'destination'));
          common = { addr: this.#encodeAddress(ep.address, ep.port, ep.scopeId || undefined), ctl: null, address: ep.address, port: ep.port };
        } else if (destination === null || typeof destination !== 'object') throw invalidArgType('destination', 'an endpoint string or a send options object', destination);
        else common = this.#targetOf(destination as SendOptions, undefined, 'sendBatch()');
      } else if (this.#connected) common = CONNECTED;
      const n = messages.length;
      const datas: Uint8Array[] = new Array(n);
      let perAddr: (Buffer | null)[] | undefined;
      let perCtl: (Buffer | null)[] | undefined;
      let perCtx: Target[] | undefined;
      let anySeg = common?.seg !== undefined || this.#gso !== 0;
      for (let i = 0; i < n; i++) {
        const m = messages[i];
        let t: Target | undefined;
        if (m instanceof Uint8Array) datas[i] = m;
        else if (typeof m === 'string') datas[i] = Buffer.from(m);
        else if (m !== null && typeof m === 'object' && 'data' in m) {
          datas[i] = typeof m.data === 'string' ? Buffer.from(m.data) : validateBytes(m.data, `messages[${i}].data`);
          if (m.address !== undefined || m.port !== undefined || m.sourceAddress !== undefined || m.interface !== undefined || m.ttl !== undefined || m.tos !== undefined || m.segmentSize !== undefined)
            t = this.#targetOf(m, common, `messages[${i}]`);
        } else throw invalidArgType(`messages[${i}]`, 'a Buffer, string or { data, address, port }', m);
        if (!t && !common) throw this.#notConnected(`messages[${i}]`);
        const tt = (t ?? common) as Target;
        if (tt.seg !== undefined) {
          anySeg = true;
          checkSegments((datas[i] as Uint8Array).byteLength, tt.seg, `messages[${i}].data`);
        }
        if (t) {
          perAddr ??= new Array(n).fill(common?.addr ?? null);
          perCtl ??= new Array(n).fill(common?.ctl ?? null);
          perCtx ??= new Array(n).fill(common);
          perAddr[i] = t.addr;
          perCtl[i] = t.ctl;
          perCtx[i] = t;
        }
      }
      if (!this.#bound) this.#markBound();
      if (anySeg && this.#gsoBroken) return this.#sendBatchSplit(datas, perCtx ?? common);
      return this._sendBatch(datas, perAddr ?? common?.addr ?? null, perCtl ?? common?.ctl ?? null, perCtx ?? common);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** sendBatch after GSO was turned off: each segmented entry goes out as its datagrams. */
  async #sendBatchSplit(datas: Uint8Array[], ctxs: Target | Target[] | undefined): Promise<number> {
    for (let i = 0; i < datas.length; i++) {
      const t = (Array.isArray(ctxs) ? ctxs[i] : ctxs) ?? CONNECTED;
      const seg = t.seg ?? (this.#gso !== 0 ? this.#gso : undefined);
      if (seg !== undefined) await this.#sendSplit(datas[i] as Uint8Array, t, seg);
      else await this._send(datas[i] as Uint8Array, t.addr, t.ctl, t);
    }
    return datas.length;
  }

  /** @internal The error of a failed send: names the destination, adds the GSO hint. */
  protected _sendError(errno: number, syscall: string, ctx: SendContext): Error {
    const t = ctx as Target | undefined;
    const hint = t?.seg !== undefined || this.#gso !== 0 ? gsoHint(errno) : undefined;
    const peer = t?.address === undefined ? this.#connected : undefined;
    return new SocketError(errno, syscall, {
      address: t?.address ?? peer?.address,
      port: t?.port ?? peer?.port,
      ...(hint ? { hint } : {}),
    });
  }

  /** @internal The error of a receive-side failure (names the peer of a connected socket). */
  protected _receiveError(errno: number, syscall: string): Error {
    const peer = this.#connected;
    return new SocketError(errno, syscall === 'SO_ERROR' ? 'recvmsg' : syscall, peer ? { address: peer.address, port: peer.port } : {});
  }

  /** @internal Live kernel drop counter of this socket (SO_MEMINFO's SK_MEMINFO_DROPS). */
  protected override _kernelDropped(): number {
    const b = native.getsockoptRaw(this.fd, constants.SOL_SOCKET as number, constants.SO_MEMINFO as number, (SK_MEMINFO_DROPS + 1) * 4);
    return typeof b === 'number' || b.length < (SK_MEMINFO_DROPS + 1) * 4 ? 0 : b.readUInt32LE(SK_MEMINFO_DROPS * 4);
  }

  // ---- the record decoder ------------------------------------------------------

  #batchObj: MessageBatch;
  /** @internal */
  protected override _makeBatch(): RecordBatch<MessageInfo> {
    return this.#batchObj;
  }

  /** @internal A GRO-coalesced buffer counts as the datagrams it holds. */
  protected override _recordCount(i: number, length: number): number {
    const seg = groSegment(this.#ctl32, i, length);
    return seg === 0 ? 1 : Math.ceil(length / seg);
  }

  /** @internal */
  protected _item(payload: Buffer, info: MessageInfo): Message {
    return { data: payload, info };
  }

  /** @internal Deliver record i: one datagram, or a GRO buffer split into its datagrams (views, no copies). */
  protected _decodeRecord(i: number, data: Buffer, off: number, len: number): void {
    const info = this._decodeInfo(i);
    const seg = groSegment(this.#ctl32, i, len);
    if (seg === 0) {
      this._deliver(data.subarray(off, off + len), info, info.truncated);
      return;
    }
    const n = Math.ceil(len / seg);
    const end = off + len;
    for (let k = 0, o = off; k < n; k++, o += seg) {
      if (this.closed) return;
      const stop = Math.min(o + seg, end);
      // A truncated coalesced buffer (only when the receive buffer is under 64 KiB) cuts its last piece.
      const part: MessageInfo = { ...info, size: stop - o, truncated: info.truncated && k === n - 1, segments: n };
      this._deliver(data.subarray(o, stop), part, part.truncated);
    }
  }

  /** @internal Metadata of datagram i of the current batch. */
  protected _decodeInfo(i: number): MessageInfo {
    const meta = this.#meta;
    const flags = meta[i * 4 + 3] as number;
    const size = meta[i * 4 + 2] as number;
    const base = i * ADDRESS_STRIDE;
    const a = this.#addrs;
    const fam = a.family(base);
    const truncated = (flags & MSG_TRUNC) !== 0;
    let info: MessageInfo;
    if (fam === AF_INET) info = { address: a.ip(base), port: a.port(base), family: 'IPv4', size, truncated };
    else if (fam === AF_INET6) {
      info = { address: a.ip(base), port: a.port(base), family: 'IPv6', size, truncated };
      const scope = a.scopeId(base);
      if (scope) info.scopeId = scope;
    } else info = { address: '', port: 0, family: this.family === 'ipv4' ? 'IPv4' : 'IPv6', size, truncated };
    const cb = i * CONTROL_STRIDE;
    const present = this.#ctl32[cb >> 2] as number;
    if (present !== 0) {
      const cv = this.#ctlView;
      if (present & io.HAS_PKTINFO) {
        info.interfaceIndex = cv.getUint32(cb + ControlLayout.ifindex, true);
        info.destination =
          cv.getUint32(cb + ControlLayout.dstFamily, true) === AF_INET
            ? formatIPv4(this.#ctlBytes, cb + ControlLayout.dst)
            : formatIPv6(this.#ctlBytes, cb + ControlLayout.dst);
      }
      if (present & io.HAS_TTL) info.ttl = cv.getInt32(cb + ControlLayout.ttl, true);
      if (present & io.HAS_TOS) info.tos = cv.getInt32(cb + ControlLayout.tos, true);
      if (present & io.HAS_TIMESTAMP) info.timestamp = cv.getBigInt64(cb + ControlLayout.timestampNs, true);
      if (present & io.HAS_DROP_COUNT) this.#dropped = cv.getUint32(cb + ControlLayout.dropCount, true);
    }
    // SO_RXQ_OVFL comes only once the counter is non-zero.
    if (this.#dropCountOn) info.dropped = this.#dropped;
    return info;
  }
  #dropped = 0;

  /** @internal An error-queue record (IP_RECVERR): the ICMP or local error it carries. */
  protected override _errorRecord(i: number): Error | undefined {
    const cv = this.#ctlView;
    const cb = i * CONTROL_STRIDE;
    if ((cv.getUint32(cb, true) & io.HAS_EXT_ERR) === 0) return undefined;
    const errno = cv.getUint32(cb + ControlLayout.eeErrno, true);
    if (!errno) return undefined;
    const info = this._decodeInfo(i);
    const err = new SocketError(errno, 'recvmsg', { address: info.address || undefined, port: info.port || undefined });
    return Object.assign(err, { icmpType: cv.getUint8(cb + ControlLayout.eeType), icmpCode: cv.getUint8(cb + ControlLayout.eeCode), origin: cv.getUint8(cb + ControlLayout.eeOrigin) });
  }

  /**
   * Hand the configured descriptor to a Node `dgram.Socket` (options,
   * bindings and memberships carry over). This UdpSocket closes; the dgram
   * socket gets a duplicate of the descriptor. Note: Node sets SO_REUSEADDR
   * on a descriptor it adopts. The socket must be bound.
   */
  async toDgram(): Promise<dgram.Socket> {
    const dup = check(native.dup(this.fd), 'dup');
    await this.close();
    const d = dgram.createSocket({ type: this.family === 'ipv4' ? 'udp4' : 'udp6' });
    const listening = once(d, 'listening'); // emitted synchronously for a descriptor
    d.bind({ fd: dup } as dgram.BindOptions);
    await listening;
    return d;
  }
}

/** True when `b`'s ArrayBuffer was detached (transferred). */
function isDetached(b: Uint8Array): boolean {
  const ab = b.buffer as ArrayBuffer & { detached?: boolean };
  return ab.detached === true;
}

function inNs<T>(netns: string | undefined, fn: () => T): T {
  return netns === undefined ? fn() : withNetns(netns, fn);
}

function configure(sock: Socket, family: 'ipv4' | 'ipv6', options: UdpSocketOptions, recv: ReceiveOptions): void {
  const fd = sock.fd;
  if (options.reuseAddress) setOpt(fd, 'SO_REUSEADDR', true);
  if (options.reusePort) setOpt(fd, 'SO_REUSEPORT', true);
  if (options.ipv6Only !== undefined) {
    if (family !== 'ipv6') throw invalidArgValue('options.ipv6Only', options.ipv6Only, 'applies to IPv6 sockets only');
    setOpt(fd, 'IPV6_V6ONLY', options.ipv6Only);
  }
  if (options.interface !== undefined) {
    setOpt(fd, 'SO_BINDTODEVICE', interfaceName(resolveInterfaceIndex(options.interface, 'options.interface')));
  }
  if (options.options) for (const [k, v] of Object.entries(options.options)) setOpt(fd, k, v);
  if (options.gso !== undefined) setOpt(fd, 'UDP_SEGMENT', options.gso);
  applyReceive(fd, family, recv);
  if (options.address !== undefined || options.port !== undefined) {
    sock.bind({ address: options.address ?? (family === 'ipv4' ? '0.0.0.0' : '::'), port: options.port ?? 0 });
  }
}

function applyReceive(fd: number, family: 'ipv4' | 'ipv6', r: ReceiveOptions): void {
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
function setOpt(fd: number, name: string, value: unknown): void {
  setOption(fd, name as WritableOptionName, value as never);
}
