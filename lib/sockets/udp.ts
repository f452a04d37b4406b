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
import { EventEmitter, once } from 'node:events';
import * as dgram from 'node:dgram';
import { constants, native } from '../binding';
import type { IoHandle, NativeSendControl } from '../binding/io';
import { ControlLayout } from '../binding/io';

/** Byte layout of the engine's decoded control records (see lib/binding/io.ts). */
export { ControlLayout };
import { EndpointInput, InterfaceRef, SocketAddress, formatIPv4, formatIPv6, interfaceName, parseEndpoint, parseIp } from '../core/address';
import { resolveInterfaceIndex } from '../system/interfaces';
import {
  SocketError,
  SockitStateError,
  check,
  invalidArgType,
  invalidArgValue,
  outOfRange,
  socketClosed,
  validateBoolean,
  validateBytes,
  validateInteger,
  validatePort,
} from '../core/errors';
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
const EAGAIN = 11;
const ENOBUFS = 105;

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
  /** Most datagrams waiting in the send queue (default 65536); beyond it send() rejects with ENOBUFS. */
  sendQueueLimit?: number;
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
export type UdpAdoptOptions = Pick<UdpSocketOptions, 'maxMessageSize' | 'batchSize' | 'sendQueueLimit' | 'coalesce' | 'netns'> & {
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

/** Counters kept by a {@link UdpSocket}. */
export interface UdpStats {
  /** Datagrams handed to JS. */
  received: number;
  /** Datagrams handed to the kernel. */
  sent: number;
  /** Received datagrams that were truncated. */
  truncated: number;
  /** Datagrams the kernel dropped on this socket's receive queue (needs receive.dropCount; last value seen). */
  kernelDropped: number;
  /** Datagrams waiting in the send queue now. */
  sendQueue: number;
}

/**
 * A received batch, for the `'batch'` event: zero per-datagram allocation
 * unless you ask. Valid only during the event handler (metadata is reused).
 */
export class MessageBatch {
  /** @internal */ _data: Buffer = Buffer.alloc(0);
  /** @internal */ _meta!: Uint32Array;
  /** @internal */ _owner!: UdpSocket;
  /** Number of datagrams. */
  count = 0;
  /**
   * The receive pool holding this batch's payloads back to back (possibly
   * after earlier batches): read datagram i at `offset(i)` for `length(i)` bytes.
   */
  get buffer(): Buffer {
    return this._data;
  }
  /** Offset of datagram i in `buffer`. */
  offset(i: number): number {
    return this._meta[i * 4] as number;
  }
  /** Received length of datagram i. */
  length(i: number): number {
    return this._meta[i * 4 + 1] as number;
  }
  /** Size on the wire of datagram i. */
  size(i: number): number {
    return this._meta[i * 4 + 2] as number;
  }
  /** Payload of datagram i (a view into `buffer`). */
  data(i: number): Buffer {
    const o = this._meta[i * 4] as number;
    return this._data.subarray(o, o + (this._meta[i * 4 + 1] as number));
  }
  /** Metadata of datagram i. */
  info(i: number): MessageInfo {
    return this._owner._info(i);
  }
  /**
   * receive.gro: the segment size when datagram i is a coalesced GRO buffer
   * (several datagrams back to back, each this long but the last), else 0.
   * The batch shows buffers as received; 'message', iteration and stats() split them.
   */
  segmentSize(i: number): number {
    return groSegment(this._owner._ctl32, i, this.length(i));
  }
}

/** Max UDP payload over IPv4 (65535 - 8 UDP - 20 IP), the GSO total limit. */
const MAX_UDP_PAYLOAD = 65507;
/** Kernel UDP_MAX_SEGMENTS. */
const MAX_GSO_SEGMENTS = 64;
const CTL_WORDS = CONTROL_STRIDE >> 2;
const GRO_WORD = ControlLayout.groSize >> 2;

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
  if (errno === 22 || errno === 90) // EINVAL; EMSGSIZE on newer kernels when a segment exceeds the MTU
    return `UDP GSO: each segment plus IP/UDP headers must fit the path MTU, at most ${MAX_GSO_SEGMENTS} segments, not with UDP_NO_CHECK6_TX`;
  if (errno === 5) return 'UDP GSO needs checksum offload on the output path (not available through IPsec or on this device)';
  return undefined;
}

// ---- address helpers ------------------------------------------------------


function familyArg(f: UdpFamily | undefined, name: string): 'ipv4' | 'ipv6' | undefined {
  if (f === undefined) return undefined;
  if (f === 'ipv4' || f === 'udp4') return 'ipv4';
  if (f === 'ipv6' || f === 'udp6') return 'ipv6';
  throw invalidArgValue(name, f, "must be 'ipv4', 'ipv6', 'udp4' or 'udp6'");
}

const kCreate = Symbol('sockit.udp.create');

/** An encoded destination: sockaddr and control bytes, plus the GSO segment size when set. */
interface Target {
  addr: Buffer | null;
  ctl: Buffer | null;
  address?: string;
  port?: number;
  seg?: number;
}

type Done = (err: Error | null, n: number) => void;

/**
 * A UDP socket on the sockit engine. Create with {@link UdpSocket.create}.
 *
 * Events: `'message' (data, info)` (dgram-compatible), `'batch' (MessageBatch)`,
 * `'error' (err)` — receive errors, including ECONNREFUSED reported by ICMP on
 * a connected socket (syscall 'recvmsg') —, `'drain'` (the send queue emptied
 * or a refused trySend may be retried), `'close'`.
 *
 * A socket keeps the event loop alive until closed (like a bound dgram
 * socket); `unref()` lets the process exit anyway.
 */
export class UdpSocket extends EventEmitter {
  /** IP family of the socket, fixed at creation. */
  readonly family: 'ipv4' | 'ipv6';
  #handle: IoHandle;
  #sock: Socket;
  #af: number;
  #closed = false;
  #closing: Promise<void> | undefined;
  #stats = { received: 0, sent: 0, truncated: 0, kernelDropped: 0 };
  // send queue (parallel arrays, consumed from #qHead)
  #qData: Uint8Array[] = [];
  #qAddr: (Uint8Array | null)[] = [];
  #qCtl: (Uint8Array | null)[] = [];
  #qDone: Done[] = [];
  #qHead = 0;
  #queueLimit: number;
  #wantDrain = false;
  #flushBatch = 64;
  /** 0: one sendmsg per send(); 1: 'auto' (first of a tick at once, the rest gathered); 2: always gathered. */
  #coalesce: 0 | 1 | 2;
  /** 'auto': a send() already went out at once during this tick. */
  #burst = false;
  #fd: number;
  #lastPort = -1;
  #lastAddress: string | undefined;
  #lastTarget: Target | undefined;
  #gso = 0;
  #writable = false;
  // encodings
  #addrCache = new Map<string, Buffer>();
  #ctlCache = new Map<string, Buffer>();
  #connected: SocketAddress | undefined;
  // receive decoding
  #addrView: DataView;
  #addr16: Uint16Array;
  #addr32: Uint32Array;
  #ctl32: Uint32Array;
  /** @internal The control records as u32 words (for MessageBatch). */
  get _ctl32(): Uint32Array {
    return this.#ctl32;
  }
  #ctlView: DataView;
  #addrs: Uint8Array;
  #ctlBytes: Uint8Array;
  #meta: Uint32Array;
  #data: Buffer = Buffer.alloc(0);
  #last4 = -1;
  #last4s = '';
  #batch = new MessageBatch();
  // async iteration
  #buffered: Message[] = [];
  #waiters: Array<(r: IteratorResult<Message>) => void> = [];
  #iterating = 0;
  #paused = false;
  #highWater = 8192;
  #dropCountOn: boolean;
  #netns: string | undefined;

  /** @internal Use {@link UdpSocket.create}. */
  constructor(token: typeof kCreate, sock: Socket, family: 'ipv4' | 'ipv6', options: UdpSocketOptions) {
    super();
    if (token !== kCreate) throw new TypeError('use UdpSocket.create()');
    this.family = family;
    this.#af = family === 'ipv4' ? constants.AF_INET : constants.AF_INET6;
    this.#queueLimit = options.sendQueueLimit ?? 65536;
    this.#dropCountOn = options.receive?.dropCount === true;
    this.#netns = options.netns;
    this.#coalesce = options.coalesce === true ? 2 : options.coalesce === false ? 0 : 1;
    this.#gso = options.gso ?? 0;
    const fd = sock.release();
    this.#fd = fd;
    this.#handle = new native.IoHandle(fd, this, UdpSocket.prototype._onRecv, UdpSocket.prototype._onEvent, {
      batchSize: options.batchSize ?? 64,
      messageSize: options.receive?.gro ? Math.max(options.maxMessageSize ?? 0, 65535) : (options.maxMessageSize ?? 65535),
      controlSize: 256,
    });
    this.#sock = Socket.adopt(fd, { owned: false });
    this.#addrs = this.#handle.addresses;
    this.#ctlBytes = this.#handle.control;
    this.#meta = this.#handle.meta;
    this.#addrView = new DataView(this.#addrs.buffer, this.#addrs.byteOffset, this.#addrs.byteLength);
    this.#addr16 = new Uint16Array(this.#addrs.buffer, this.#addrs.byteOffset, this.#addrs.byteLength >> 1);
    this.#addr32 = new Uint32Array(this.#addrs.buffer, this.#addrs.byteOffset, this.#addrs.byteLength >> 2);
    this.#ctl32 = new Uint32Array(this.#ctlBytes.buffer, this.#ctlBytes.byteOffset, this.#ctlBytes.byteLength >> 2);
    this.#ctlView = new DataView(this.#ctlBytes.buffer, this.#ctlBytes.byteOffset, this.#ctlBytes.byteLength);
    this.#batch._meta = this.#meta;
    this.#batch._owner = this;
    check(this.#handle.setReceiving(true), 'poll');
  }

  /**
   * Create (and, when `address` or `port` is given, bind) a UDP socket.
   * Options are applied in this order: SO_REUSEADDR/SO_REUSEPORT, IPV6_V6ONLY,
   * SO_BINDTODEVICE, `options`, `receive`, then bind.
   */
  static async create(options: UdpSocketOptions = {}): Promise<UdpSocket> {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const signal = options.signal;
    if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean'))
      throw invalidArgType('options.signal', 'an AbortSignal', signal);
    if (signal?.aborted) throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
    let family = familyArg(options.family, 'options.family') ?? familyArg(options.type, 'options.type');
    if (options.address !== undefined) {
      const ip = parseIp(options.address, 'options.address');
      if (family === undefined) family = ip.family;
    }
    family ??= 'ipv4';
    if (options.port !== undefined) validatePort(options.port, 'options.port');
    if (options.maxMessageSize !== undefined) validateInteger(options.maxMessageSize, 'options.maxMessageSize', 1, io.MAX_MESSAGE_SIZE);
    if (options.batchSize !== undefined) validateInteger(options.batchSize, 'options.batchSize', 1, io.MAX_BATCH);
    if (options.sendQueueLimit !== undefined) validateInteger(options.sendQueueLimit, 'options.sendQueueLimit', 1, 1 << 24);
    for (const k of ['reuseAddress', 'reusePort', 'ipv6Only'] as const)
      if (options[k] !== undefined) validateBoolean(options[k], `options.${k}`);
    if (options.coalesce !== undefined && options.coalesce !== 'auto') validateBoolean(options.coalesce, 'options.coalesce');
    const recv = options.receive ?? {};
    if (recv === null || typeof recv !== 'object') throw invalidArgType('options.receive', 'of type object', recv);
    if (options.gso !== undefined) validateInteger(options.gso, 'options.gso', 1, MAX_UDP_PAYLOAD);
    for (const k of ['packetInfo', 'ttl', 'tos', 'timestamp', 'dropCount', 'gro'] as const)
      if (recv[k] !== undefined) validateBoolean(recv[k], `options.receive.${k}`);
    if (options.options !== undefined && (options.options === null || typeof options.options !== 'object'))
      throw invalidArgType('options.options', 'of type object', options.options);

    const sock = new Socket(family, 'dgram', 0, options.netns !== undefined ? { netns: options.netns } : {});
    try {
      inNs(options.netns, () => configure(sock, family as 'ipv4' | 'ipv6', options, recv));
    } catch (e) {
      sock.close();
      throw e;
    }
    const s = new UdpSocket(kCreate, sock, family, options);
    if (signal) {
      const onAbort = (): void => void s.close();
      signal.addEventListener('abort', onAbort, { once: true });
      s.once('close', () => signal.removeEventListener('abort', onAbort));
    }
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
    let fd: number;
    if (typeof target === 'number') fd = validateInteger(target, 'target', 0, 0x7fffffff);
    else if (target instanceof Socket) fd = target.fd;
    else if (target instanceof dgram.Socket) {
      const src = resolveTarget(target, 'target').fd;
      fd = check(native.dup(src), 'dup');
    } else throw invalidArgType('target', 'a descriptor number, a sockit Socket or a dgram.Socket', target);
    let sock: Socket;
    try {
      sock = Socket.adopt(fd, { owned: true });
    } catch (e) {
      if (target instanceof dgram.Socket) native.close(fd);
      throw e;
    }
    const family = sock.family === constants.AF_INET ? 'ipv4' : sock.family === constants.AF_INET6 ? 'ipv6' : undefined;
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
    const s = new UdpSocket(kCreate, sock, family, options);
    try {
      s.#connected = sock.remoteAddress();
    } catch {
      /* not connected */
    }
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

  // ---- state -------------------------------------------------------------

  /** The descriptor (for setsockopt from elsewhere). Throws once closed. */
  get fd(): number {
    this.#check();
    return this.#handle.fd;
  }
  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }
  #check(): void {
    if (this.#closed) throw socketClosed('UdpSocket');
  }

  /** bind(2) after create: `bind(port)`, `bind(port, address)`, `bind('addr:port')`, `bind({address, port})`. */
  async bind(port: number | EndpointInput = 0, address?: string): Promise<SocketAddress> {
    this.#check();
    const any = this.family === 'ipv4' ? '0.0.0.0' : '::';
    this._ns(() => {
      if (typeof port === 'number') this.#sock.bind({ address: address ?? any, port: validatePort(port) });
      else this.#sock.bind(port);
    });
    return this.address();
  }

  /** Local address (getsockname). */
  address(): SocketAddress {
    this.#check();
    return this.#sock.localAddress();
  }

  /** Peer address of a connected socket (getpeername); throws ENOTCONN otherwise. */
  remoteAddress(): SocketAddress {
    this.#check();
    return this.#sock.remoteAddress();
  }

  /**
   * connect(2): fix the peer. `send(data)` then needs no address, only the
   * peer's datagrams are received, and an ICMP port-unreachable comes back as
   * an `'error'` event with code ECONNREFUSED (or as the rejection of the
   * next send, whichever happens first).
   */
  async connect(port: number | EndpointInput, address?: string): Promise<void> {
    this.#check();
    const ep = typeof port === 'number' ? { address: address ?? (this.family === 'ipv4' ? '127.0.0.1' : '::1'), port: validatePort(port) } : port;
    this._ns(() => this.#sock.connect(ep));
    this.#connected = this.#sock.remoteAddress();
  }

  /** Dissolve the association made by connect(). */
  disconnect(): void {
    this.#check();
    this.#sock.disconnect();
    this.#connected = undefined;
  }

  /** Counters. */
  stats(): UdpStats {
    return { ...this.#stats, sendQueue: this.#qData.length - this.#qHead };
  }

  /** Datagrams waiting in the send queue. */
  get sendQueueLength(): number {
    return this.#qData.length - this.#qHead;
  }

  // ---- options -------------------------------------------------------------

  /** Set any option of the option table by its C name: `setOption('SO_PRIORITY', 6)` (typed by the table). */
  setOption<N extends WritableOptionName>(name: N, value: OptionSetValue<N>): void {
    this.#check();
    const fd = this.#handle.fd;
    this._ns(() => setOption(fd, name, value));
  }
  /** Read any option of the option table by its C name (typed by the table). */
  getOption<N extends ReadableOptionName>(name: N): OptionGetValue<N> {
    this.#check();
    const fd = this.#handle.fd;
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

  // ---- multicast (see lib/sockets/multicast.ts for the one-liners) ------------------

  /** Join `group` on `iface` (name, index or IPv4 address; default: routing decides). Uses MCAST_JOIN_GROUP (group_req). */
  addMembership(group: string, iface?: InterfaceRef): void {
    this.#check();
    this._ns(() => mc.membership(this.#handle.fd, this.family, 'join', group, iface));
  }
  /** Leave `group` on `iface`. */
  dropMembership(group: string, iface?: InterfaceRef): void {
    this.#check();
    this._ns(() => mc.membership(this.#handle.fd, this.family, 'leave', group, iface));
  }
  /** Source-specific join (SSM): only `source` → `group` passes. */
  addSourceSpecificMembership(source: string, group: string, iface?: InterfaceRef): void {
    this.#check();
    this._ns(() => mc.sourceMembership(this.#handle.fd, this.family, 'join', source, group, iface));
  }
  /** Leave a source-specific membership joined with {@link UdpSocket.addSourceSpecificMembership}. */
  dropSourceSpecificMembership(source: string, group: string, iface?: InterfaceRef): void {
    this.#check();
    this._ns(() => mc.sourceMembership(this.#handle.fd, this.family, 'leave', source, group, iface));
  }
  /** Block one source of an any-source group joined earlier. */
  blockSource(source: string, group: string, iface?: InterfaceRef): void {
    this.#check();
    this._ns(() => mc.sourceMembership(this.#handle.fd, this.family, 'block', source, group, iface));
  }
  /** Undo {@link UdpSocket.blockSource}: let `source` reach `group` again. */
  unblockSource(source: string, group: string, iface?: InterfaceRef): void {
    this.#check();
    this._ns(() => mc.sourceMembership(this.#handle.fd, this.family, 'unblock', source, group, iface));
  }
  /** Outgoing multicast interface (name, index or IPv4 address). */
  setMulticastInterface(iface: InterfaceRef): void {
    this.#check();
    this._ns(() => mc.setInterface(this.#handle.fd, this.family, iface));
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

  // ---- sending -------------------------------------------------------------

  #encodeAddress(address: string, port: number, scopeId?: number): Buffer {
    const key = scopeId ? `${address}%${scopeId}|${port}` : `${address}|${port}`;
    let enc = this.#addrCache.get(key);
    if (enc) return enc;
    const ep = this._ns(() => parseEndpoint({ address, port, ...(scopeId ? { scopeId } : {}) }, 'address'));
    let a = ep.address;
    let fam = ep.family === 'ipv4' ? constants.AF_INET : constants.AF_INET6;
    if (fam !== this.#af) {
      if (fam === constants.AF_INET && this.#af === constants.AF_INET6) {
        a = `::ffff:${a}`;
        fam = this.#af;
      } else throw invalidArgValue('address', address, `is an IPv6 address but the socket is IPv4`);
    }
    enc = native.ioEncodeAddress({ family: fam, address: a, port: ep.port, scopeId: ep.scopeId });
    if (this.#addrCache.size >= 1024) this.#addrCache.clear();
    this.#addrCache.set(key, enc);
    return enc;
  }

  #encodeControl(o: SendOptions): Buffer | null {
    if (o.sourceAddress === undefined && o.interface === undefined && o.ttl === undefined && o.tos === undefined && o.segmentSize === undefined) return null;
    const key = `${o.sourceAddress}|${o.interface}|${o.ttl}|${o.tos}|${o.segmentSize}`;
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
    if (o.segmentSize !== undefined) c.segmentSize = validateInteger(o.segmentSize, 'segmentSize', 1, MAX_UDP_PAYLOAD);
    enc = check(native.ioEncodeControl(this.#af, c), 'sendmsg');
    if (this.#ctlCache.size >= 256) this.#ctlCache.clear();
    this.#ctlCache.set(key, enc);
    return enc;
  }

  #target(portOrOptions: number | SendOptions | undefined, address: string | undefined): Target {
    if (portOrOptions === undefined) {
      if (!this.#connected) throw new SockitStateError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'send() without an address needs a connected socket');
      return { addr: null, ctl: null };
    }
    if (typeof portOrOptions === 'number') {
      validatePort(portOrOptions);
      if (address === undefined) address = this.family === 'ipv4' ? '127.0.0.1' : '::1';
      else if (typeof address !== 'string') throw invalidArgType('address', 'of type string', address);
      let scope: number | undefined;
      let a = address;
      const pct = a.indexOf('%');
      if (pct >= 0) {
        scope = this._ns(() => parseIp(a, 'address').scopeId);
        a = a.slice(0, pct);
      }
      return { addr: this.#encodeAddress(a, portOrOptions, scope), ctl: null, address: a, port: portOrOptions };
    }
    if (portOrOptions === null || typeof portOrOptions !== 'object') throw invalidArgType('port', 'a number or a send options object', portOrOptions);
    const o = portOrOptions;
    let addr: Buffer | null = null;
    if (o.address !== undefined || o.port !== undefined) {
      if (o.port === undefined) throw invalidArgValue('options.port', o.port, 'is required with an address');
      validatePort(o.port, 'options.port');
      const a = o.address ?? (this.family === 'ipv4' ? '127.0.0.1' : '::1');
      const ip = this._ns(() => parseIp(a, 'options.address'));
      addr = this.#encodeAddress(ip.address, o.port, ip.scopeId || undefined);
    } else if (!this.#connected) throw new SockitStateError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'send() without an address needs a connected socket');
    const t: Target = { addr, ctl: this.#encodeControl(o), address: o.address, port: o.port };
    if (o.segmentSize !== undefined) t.seg = o.segmentSize;
    return t;
  }

  /**
   * Send one datagram: `send(data, port, address)`, `send(data, { address, port, sourceAddress?, interface?, ttl?, tos? })`
   * or, connected, `send(data)`. Tries sendmsg at once; when the socket
   * buffer is full the datagram waits in the send queue (bounded by
   * `sendQueueLimit`). Resolves with the bytes sent once the kernel has it.
   */
  send(data: Uint8Array | string, port?: number | SendOptions, address?: string): Promise<number> {
    try {
      this.#check();
      const buf = data instanceof Uint8Array ? data : typeof data === 'string' ? Buffer.from(data) : validateBytes(data, 'data');
      let t: Target;
      if (port === this.#lastPort && address === this.#lastAddress && typeof port === 'number') {
        t = this.#lastTarget as typeof t; // same destination as last time: no parsing, no lookup
      } else {
        t = this.#target(port, address);
        if (typeof port === 'number' && typeof address === 'string') {
          this.#lastPort = port;
          this.#lastAddress = address;
          this.#lastTarget = t;
        }
      }
      if (t.seg !== undefined) checkSegments(buf.byteLength, t.seg, 'data');
      if (this.#coalesce === 2 || this.#burst) {
        return new Promise<number>((resolve, reject) => {
          this.#enqueue(buf, t.addr, t.ctl, (err, n) => (err ? reject(this.#withTarget(err, t)) : resolve(n)), false, true);
        });
      }
      if (this.#qHead === this.#qData.length) {
        const r = native.sendmsgFd(this.#fd, buf, t.addr, t.ctl);
        if (r >= 0) {
          this.#stats.sent++;
          if (this.#coalesce === 1) {
            // 'auto': the rest of this tick's sends are gathered into one sendmmsg.
            this.#burst = true;
            if (!this.#tickScheduled) {
              this.#tickScheduled = true;
              queueMicrotask(this.#tick);
            }
          }
          return Promise.resolve(r);
        }
        if (r !== -EAGAIN && r !== -ENOBUFS) return Promise.reject(this.#sendError(-r, t));
      }
      return new Promise<number>((resolve, reject) => {
        this.#enqueue(buf, t.addr, t.ctl, (err, n) => (err ? reject(this.#withTarget(err, t)) : resolve(n)));
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Send one datagram only if the kernel takes it now: true when sent, false
   * when the socket buffer is full (nothing queued; wait for `'drain'`).
   * Throws on other errors.
   */
  trySend(data: Uint8Array | string, port?: number | SendOptions, address?: string): boolean {
    this.#check();
    const buf = typeof data === 'string' ? Buffer.from(data) : validateBytes(data, 'data');
    const t = this.#target(port, address);
    if (t.seg !== undefined) checkSegments(buf.byteLength, t.seg, 'data');
    if (this.#qHead !== this.#qData.length && this.#coalesce && !this.#writable) this.#flush(); // keep order
    if (this.#qHead !== this.#qData.length) return false;
    const r = native.sendmsgFd(this.#fd, buf, t.addr, t.ctl);
    if (r >= 0) {
      this.#stats.sent++;
      return true;
    }
    if (r === -EAGAIN || r === -ENOBUFS) {
      this.#wantDrain = true;
      this.#setWritable(true);
      return false;
    }
    throw this.#sendError(-r, t);
  }

  /** A queued send() failed: name its destination (and the GSO hint) as the immediate path does. */
  #withTarget(err: Error, t: Target): Error {
    if (!(err instanceof SocketError) || err.syscall !== 'sendmsg') return err;
    return this.#sendError(Math.abs(err.errno), t);
  }

  /** A sendmsg failure, with a GSO hint when segmentation was asked for. */
  #sendError(errno: number, t: Target): SocketError {
    const hint = t.seg !== undefined || this.#gso !== 0 ? gsoHint(errno) : undefined;
    return new SocketError(errno, 'sendmsg', { address: t.address, port: t.port, ...(hint ? { hint } : {}) });
  }

  /**
   * Send many datagrams with sendmmsg (up to 1024 per system call). Entries
   * are payloads (sent to `destination`, or to the connected peer) or
   * `{ data, address, port, ... }` objects. Resolves with the number of
   * datagrams handed to the kernel (all of them; waits in the send queue if
   * needed). A failing datagram rejects the promise (`err.sent` says how
   * many went before it).
   */
  sendBatch(messages: readonly BatchMessage[], destination?: SendOptions | EndpointInput): Promise<number> {
    try {
      this.#check();
      if (!Array.isArray(messages)) throw invalidArgType('messages', 'an Array', messages);
      let common: { addr: Buffer | null; ctl: Buffer | null; seg?: number } | undefined;
      if (destination !== undefined) {
        if (typeof destination === 'string') {
          const ep = this._ns(() => parseEndpoint(destination, 'destination'));
          common = { addr: this.#encodeAddress(ep.address, ep.port, ep.scopeId || undefined), ctl: null };
        } else common = this.#target(destination as SendOptions, undefined);
      }
      const n = messages.length;
      const datas: Uint8Array[] = new Array(n);
      let addrs: Buffer | null | (Buffer | null)[] = common ? common.addr : null;
      let ctls: Buffer | null | (Buffer | null)[] = common ? common.ctl : null;
      let perAddr: (Buffer | null)[] | undefined;
      let perCtl: (Buffer | null)[] | undefined;
      let anySeg = common?.seg !== undefined;
      for (let i = 0; i < n; i++) {
        const m = messages[i];
        if (m instanceof Uint8Array) {
          datas[i] = m;
          if (!common && !this.#connected) throw new SockitStateError('ERR_SOCKET_DGRAM_NOT_CONNECTED', `messages[${i}] has no address and the socket is not connected`);
        } else if (typeof m === 'string') {
          datas[i] = Buffer.from(m);
          if (!common && !this.#connected) throw new SockitStateError('ERR_SOCKET_DGRAM_NOT_CONNECTED', `messages[${i}] has no address and the socket is not connected`);
        } else if (m !== null && typeof m === 'object' && 'data' in m) {
          datas[i] = typeof m.data === 'string' ? Buffer.from(m.data) : validateBytes(m.data, `messages[${i}].data`);
          const t = m.address !== undefined || m.port !== undefined || m.sourceAddress !== undefined || m.interface !== undefined || m.ttl !== undefined || m.tos !== undefined || m.segmentSize !== undefined ? this.#target(m, undefined) : undefined;
          if (t?.seg !== undefined) {
            anySeg = true;
            checkSegments((datas[i] as Uint8Array).byteLength, t.seg, `messages[${i}].data`);
          }
          if (t) {
            if (!perAddr) perAddr = new Array(n).fill(common ? common.addr : null);
            if (!perCtl) perCtl = new Array(n).fill(common ? common.ctl : null);
            perAddr[i] = t.addr ?? (common ? common.addr : null);
            perCtl[i] = t.ctl ?? (common ? common.ctl : null);
          } else if (!common && !this.#connected) throw new SockitStateError('ERR_SOCKET_DGRAM_NOT_CONNECTED', `messages[${i}] has no address and the socket is not connected`);
        } else throw invalidArgType(`messages[${i}]`, 'a Buffer, string or { data, address, port }', m);
      }
      if (perAddr) addrs = perAddr;
      if (perCtl) ctls = perCtl;
      const commonSeg = common?.seg;
      if (commonSeg !== undefined) for (let i = 0; i < n; i++) if (!perCtl || perCtl[i] === common?.ctl) checkSegments((datas[i] as Uint8Array).byteLength, commonSeg, `messages[${i}].data`);
      let sent = 0;
      if (this.#qHead === this.#qData.length) {
        while (sent < n) {
          const r = this.#handle.sendBatch(datas, addrs, ctls, sent, Math.min(n - sent, io.MAX_BATCH));
          if (r < 0) {
            if (r === -EAGAIN || r === -ENOBUFS) break;
            const hint = anySeg || this.#gso !== 0 ? gsoHint(-r) : undefined;
            const err = new SocketError(-r, 'sendmmsg', hint ? { hint } : {});
            (err as SocketError & { sent?: number }).sent = sent;
            return Promise.reject(err);
          }
          sent += r;
          this.#stats.sent += r;
        }
        if (sent === n) return Promise.resolve(n);
      }
      return new Promise<number>((resolve, reject) => {
        let remaining = n - sent;
        let failed = false;
        const done: Done = (err, _n) => {
          if (failed) return;
          if (err) {
            failed = true;
            (err as Error & { sent?: number }).sent = n - remaining;
            reject(err);
            return;
          }
          if (--remaining === 0) resolve(n);
        };
        for (let i = sent; i < n; i++) {
          this.#enqueue(datas[i] as Uint8Array, Array.isArray(addrs) ? (addrs[i] ?? null) : addrs, Array.isArray(ctls) ? (ctls[i] ?? null) : ctls, done, true);
        }
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #enqueue(data: Uint8Array, addr: Uint8Array | null, ctl: Uint8Array | null, done: Done, force = false, tick = false): void {
    if (!force && this.#qData.length - this.#qHead >= this.#queueLimit) {
      done(new SocketError(ENOBUFS, 'send', { hint: `the send queue is full (sendQueueLimit ${this.#queueLimit}); await send() or wait for 'drain'` }), 0);
      return;
    }
    this.#qData.push(data);
    this.#qAddr.push(addr);
    this.#qCtl.push(ctl);
    this.#qDone.push(done);
    if (tick) {
      if (this.#writable) return; // waiting for POLLOUT anyway
      if (this.#qData.length - this.#qHead >= io.MAX_BATCH) this.#flush(); // a full sendmmsg: go now
      else if (!this.#tickScheduled) {
        this.#tickScheduled = true;
        queueMicrotask(this.#tick);
      }
    } else this.#setWritable(true);
  }

  #setWritable(on: boolean): void {
    if (this.#writable === on || this.#closed) return;
    this.#writable = on;
    this.#handle.setWritable(on);
  }

  #flush(): void {
    while (this.#qHead < this.#qData.length && !this.#closed) {
      const head = this.#qHead;
      // Adaptive batch: after EAGAIN only a few fit; do not pack 1024 entries to send 20.
      const count = Math.min(this.#qData.length - head, this.#flushBatch);
      const r = this.#handle.sendBatch(this.#qData, this.#qAddr, this.#qCtl, head, count);
      if (r === -EAGAIN || r === -ENOBUFS) {
        this.#flushBatch = 16;
        this.#setWritable(true); // wait for POLLOUT (a coalesced flush may have been the first to see EAGAIN)
        return;
      }
      if (r === count) this.#flushBatch = Math.min(this.#flushBatch * 2, io.MAX_BATCH);
      else if (r > 0) this.#flushBatch = Math.max(16, r * 2);
      if (r < 0) {
        const done = this.#qDone[head] as Done;
        this.#release(1);
        done(new SocketError(-r, 'sendmsg'), 0);
        continue;
      }
      const dones = this.#qDone.slice(head, head + r);
      const sizes = this.#qData.slice(head, head + r).map((d) => d.byteLength);
      this.#stats.sent += r;
      this.#release(r);
      for (let i = 0; i < r; i++) (dones[i] as Done)(null, sizes[i] as number);
    }
    if (this.#qHead === this.#qData.length && !this.#closed) {
      this.#qData = [];
      this.#qAddr = [];
      this.#qCtl = [];
      this.#qDone = [];
      this.#qHead = 0;
      const waited = this.#writable || this.#wantDrain;
      this.#setWritable(false);
      this.#wantDrain = false;
      if (waited) this.emit('drain');
    } else if (this.#qHead < this.#qData.length && !this.#closed) {
      this.#setWritable(true); // EAGAIN: wait for POLLOUT
    }
  }

  #tickScheduled = false;
  /** Coalesced sends: one sendmmsg for everything send() queued during this tick. */
  #tick = (): void => {
    this.#tickScheduled = false;
    this.#burst = false;
    if (!this.#writable && this.#qHead < this.#qData.length) this.#flush();
  };

  #release(n: number): void {
    const end = this.#qHead + n;
    for (let i = this.#qHead; i < end; i++) {
      // drop references so sent buffers can be collected
      (this.#qData as unknown[])[i] = undefined;
      (this.#qAddr as unknown[])[i] = undefined;
      (this.#qCtl as unknown[])[i] = undefined;
      (this.#qDone as unknown[])[i] = undefined;
    }
    this.#qHead = end;
    if (this.#qHead > 65536 && this.#qHead * 2 > this.#qData.length) {
      this.#qData = this.#qData.slice(this.#qHead);
      this.#qAddr = this.#qAddr.slice(this.#qHead);
      this.#qCtl = this.#qCtl.slice(this.#qHead);
      this.#qDone = this.#qDone.slice(this.#qHead);
      this.#qHead = 0;
    }
  }

  // ---- receiving -----------------------------------------------------------

  /** @internal Engine callback: one call per received batch (this = the socket). */
  _onRecv(data: Buffer, count: number): void {
    this.#data = data;
    const meta = this.#meta;
    const wantMsg = this.listenerCount('message') > 0 || this.#iterating > 0;
    const ctl32 = this.#ctl32;
    let errq = false;
    let gro = false;
    for (let i = 0; i < count; i++) {
      const flags = meta[i * 4 + 3] as number;
      if (flags & io.MSG_ERRQUEUE) {
        errq = true;
        continue;
      }
      // A GRO-coalesced buffer counts as the datagrams it holds.
      const seg = ((ctl32[i * CTL_WORDS] as number) & io.HAS_GRO) !== 0 ? groSegment(ctl32, i, meta[i * 4 + 1] as number) : 0;
      if (seg !== 0) {
        gro = true;
        this.#stats.received += Math.ceil((meta[i * 4 + 1] as number) / seg);
      } else this.#stats.received++;
      if ((flags & io.MSG_TRUNC) !== 0) this.#stats.truncated++;
    }
    if (this.listenerCount('batch') > 0) {
      const b = this.#batch;
      b._data = data;
      b.count = count;
      this.emit('batch', b);
    }
    if (!wantMsg && !errq) {
      // still track drop counts
      this.#trackDrops(count);
      return;
    }
    for (let i = 0; i < count; i++) {
      if (this.#closed) return;
      const flags = meta[i * 4 + 3] as number;
      if (flags & io.MSG_ERRQUEUE) {
        this.#errqueue(i);
        continue;
      }
      const off = meta[i * 4] as number;
      const len = meta[i * 4 + 1] as number;
      const info = this._info(i);
      const seg = gro ? groSegment(ctl32, i, len) : 0;
      if (seg !== 0) {
        if (wantMsg) this.#deliverSegments(data, off, len, seg, info);
        continue;
      }
      const msg = data.subarray(off, off + len);
      if (wantMsg) {
        if (this.listenerCount('message') > 0) this.emit('message', msg, info);
        if (this.#iterating > 0) this.#push({ data: msg, info });
      }
    }
  }

  /** Split one GRO-coalesced buffer into its datagrams (views into `data`) and deliver each. */
  #deliverSegments(data: Buffer, off: number, len: number, seg: number, info: MessageInfo): void {
    const n = Math.ceil(len / seg);
    const end = off + len;
    const emitting = this.listenerCount('message') > 0;
    for (let k = 0, o = off; k < n; k++, o += seg) {
      if (this.#closed) return;
      const stop = Math.min(o + seg, end);
      // A truncated coalesced buffer (only when the receive buffer is under 64 KiB) cuts its last piece.
      const part: MessageInfo = { ...info, size: stop - o, truncated: info.truncated && k === n - 1, segments: n };
      const msg = data.subarray(o, stop);
      if (emitting) this.emit('message', msg, part);
      if (this.#iterating > 0) this.#push({ data: msg, info: part });
    }
  }

  #trackDrops(count: number): void {
    const v = this.#ctlView;
    for (let i = 0; i < count; i++) {
      const base = i * io.CONTROL_STRIDE;
      if (v.getUint32(base, true) & io.HAS_DROP_COUNT) this.#stats.kernelDropped = v.getUint32(base + ControlLayout.dropCount, true);
    }
  }

  /** @internal Decode metadata of datagram i of the current batch. */
  _info(i: number): MessageInfo {
    const meta = this.#meta;
    const flags = meta[i * 4 + 3] as number;
    const size = meta[i * 4 + 2] as number;
    const ab = this.#addrs;
    const base = i * ADDRESS_STRIDE;
    const fam = this.#addr16[base >> 1] as number;
    const port = ((ab[base + 2] as number) << 8) | (ab[base + 3] as number);
    let info: MessageInfo;
    if (fam === AF_INET) {
      const key = this.#addr32[(base >> 2) + 1] as number;
      if (key !== this.#last4) {
        this.#last4 = key;
        this.#last4s = formatIPv4(ab, base + 4);
      }
      info = { address: this.#last4s, port, family: 'IPv4', size, truncated: (flags & MSG_TRUNC) !== 0 };
    } else if (fam === AF_INET6) {
      const av = this.#addrView;
      info = { address: formatIPv6(ab, base + 8), port, family: 'IPv6', size, truncated: (flags & MSG_TRUNC) !== 0 };
      const scope = av.getUint32(base + 24, true);
      if (scope) info.scopeId = scope;
    } else {
      info = { address: '', port: 0, family: this.family === 'ipv4' ? 'IPv4' : 'IPv6', size, truncated: (flags & io.MSG_TRUNC) !== 0 };
    }
    const cb = i * CONTROL_STRIDE;
    const present = this.#ctl32[cb >> 2] as number;
    if (present !== 0) {
      const cv = this.#ctlView;
      if (present & io.HAS_PKTINFO) {
        info.interfaceIndex = cv.getUint32(cb + ControlLayout.ifindex, true);
        info.destination = cv.getUint32(cb + ControlLayout.dstFamily, true) === constants.AF_INET
          ? formatIPv4(this.#ctlBytes, cb + ControlLayout.dst)
          : formatIPv6(this.#ctlBytes, cb + ControlLayout.dst);
      }
      if (present & io.HAS_TTL) info.ttl = cv.getInt32(cb + ControlLayout.ttl, true);
      if (present & io.HAS_TOS) info.tos = cv.getInt32(cb + ControlLayout.tos, true);
      if (present & io.HAS_TIMESTAMP) info.timestamp = cv.getBigInt64(cb + ControlLayout.timestampNs, true);
      if (present & io.HAS_DROP_COUNT) this.#stats.kernelDropped = cv.getUint32(cb + ControlLayout.dropCount, true);
    }
    // SO_RXQ_OVFL comes only once the counter is non-zero.
    if (this.#dropCountOn) info.dropped = this.#stats.kernelDropped;
    return info;
  }

  #errqueue(i: number): void {
    const cv = this.#ctlView;
    const cb = i * io.CONTROL_STRIDE;
    const present = cv.getUint32(cb, true);
    if (present & io.HAS_EXT_ERR) {
      const errno = cv.getUint32(cb + ControlLayout.eeErrno, true);
      if (errno) {
        const info = this._info(i);
        const err = new SocketError(errno, 'recvmsg', { address: info.address || undefined, port: info.port || undefined });
        Object.assign(err, { icmpType: cv.getUint8(cb + ControlLayout.eeType), icmpCode: cv.getUint8(cb + ControlLayout.eeCode), origin: cv.getUint8(cb + ControlLayout.eeOrigin) });
        this.emit('error', err);
      }
    }
  }

  #push(m: Message): void {
    const w = this.#waiters.shift();
    if (w) {
      w({ value: m, done: false });
      return;
    }
    this.#buffered.push(m);
    if (this.#buffered.length >= this.#highWater && !this.#paused && this.listenerCount('message') === 0) {
      this.#paused = true;
      this.#handle.setReceiving(false);
    }
  }

  /**
   * Async iteration: `for await (const { data, info } of socket)`. Ends when
   * the socket closes. While the consumer lags, up to 8192 datagrams are
   * buffered, then receiving pauses (the kernel queue fills and drops, which
   * `stats().kernelDropped` reports with receive.dropCount).
   */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    this.#iterating++;
    let finished = false;
    const finish = (): void => {
      if (!finished) {
        finished = true;
        this.#iterating--;
      }
    };
    return {
      next: (): Promise<IteratorResult<Message>> => {
        const m = this.#buffered.shift();
        if (m) {
          if (this.#paused && this.#buffered.length < this.#highWater / 2 && !this.#closed) {
            this.#paused = false;
            this.#handle.setReceiving(true);
          }
          return Promise.resolve({ value: m, done: false });
        }
        if (this.#closed || finished) {
          finish();
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve) => this.#waiters.push(resolve));
      },
      return: (): Promise<IteratorResult<Message>> => {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** @internal Engine callback for writable / error / close (this = the socket). */
  _onEvent(type: number, errno: number, syscall: number): void {
    if (type === io.EV_WRITABLE) {
      this.#flush();
      if (this.#wantDrain && this.#qHead === this.#qData.length) {
        this.#wantDrain = false;
        this.#setWritable(false);
        this.emit('drain');
      }
    } else if (type === io.EV_ERROR) {
      const name = syscall === io.SYS_RECV ? 'recvmmsg' : syscall === io.SYS_SO_ERROR ? 'recvmsg' : 'poll';
      const peer = this.#connected;
      this.emit('error', new SocketError(-errno, name, peer ? { address: peer.address, port: peer.port } : {}));
    } else if (type === io.EV_CLOSE) {
      this.#finishClose();
    }
  }

  #onClosed: (() => void) | undefined;
  #finishClose(): void {
    const err = socketClosed('UdpSocket');
    const pending = this.#qDone.slice(this.#qHead);
    this.#qData = [];
    this.#qAddr = [];
    this.#qCtl = [];
    this.#qDone = [];
    this.#qHead = 0;
    for (const d of pending) d(err, 0);
    for (const w of this.#waiters.splice(0)) w({ value: undefined, done: true });
    this.#onClosed?.();
    this.emit('close');
  }

  // ---- lifecycle -----------------------------------------------------------

  /** Keep the event loop alive while open (default). */
  ref(): this {
    this.#handle.ref();
    return this;
  }
  /** Let the process exit even while this socket is open. */
  unref(): this {
    this.#handle.unref();
    return this;
  }
  /** Whether this socket keeps the event loop alive (true unless unref() was called). */
  hasRef(): boolean {
    return this.#handle.hasRef();
  }

  /**
   * Close: stop polling, close the descriptor, then `'close'`. Pending sends
   * reject with ERR_SOCKET_CLOSED. Idempotent; resolves when closed.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    // Coalesced sends of this tick still go out (as far as the kernel takes them now).
    if (this.#coalesce && !this.#writable && this.#qHead < this.#qData.length) this.#flush();
    this.#closed = true;
    this.#sock.close();
    this.#closing = new Promise<void>((resolve) => {
      this.#onClosed = resolve;
    });
    this.#handle.close();
    return this.#closing;
  }

  /** `await using` support. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Hand the configured descriptor to a Node `dgram.Socket` (options,
   * bindings and memberships carry over). This UdpSocket closes; the dgram
   * socket gets a duplicate of the descriptor. Note: Node sets SO_REUSEADDR
   * on a descriptor it adopts. The socket must be bound.
   */
  async toDgram(): Promise<dgram.Socket> {
    this.#check();
    const dup = check(native.dup(this.#handle.fd), 'dup');
    await this.close();
    const d = dgram.createSocket({ type: this.family === 'ipv4' ? 'udp4' : 'udp6' });
    const listening = once(d, 'listening'); // emitted synchronously for a descriptor
    d.bind({ fd: dup } as dgram.BindOptions);
    await listening;
    return d;
  }
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

// ---- socket options ---------------------------------------------------------

/** Set an option by C name on a descriptor (through the option engine). */
function setOpt(fd: number, name: string, value: unknown): void {
  setOption(fd, name as WritableOptionName, value as never);
}
