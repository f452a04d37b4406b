/**
 * ICMP and raw IP sockets on the datagram engine (lib/sockets/engine.ts):
 * {@link PingSocket} (SOCK_DGRAM + IPPROTO_ICMP / IPPROTO_ICMPV6, no
 * capability where `net.ipv4.ping_group_range` allows it) and
 * {@link RawSocket} (SOCK_RAW, any protocol, CAP_NET_RAW). Both sit on the
 * IP-datagram layer UDP uses (lib/sockets/ipdgram.ts: UDP's address codec
 * with port 0 and its record decoder): same per-datagram metadata as UDP
 * (destination, interface, TTL/hop limit, TOS, timestamps), same error
 * queue (`'transportError'`).
 *
 * ```ts
 * const s = await PingSocket.create({ family: 'ipv4' });
 * s.on('message', (reply, info) => console.log(parseIcmpv4(reply).sequence, info.address));
 * await s.sendEcho({ sequence: 1, address: '198.18.0.2' });
 * ```
 * @module
 */
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { constants, native } from '../../binding';
import { SocketAddress } from '../../core/address';
import { SocketError, invalidArgType, invalidArgValue, validateBoolean, validateBytes, validateInteger } from '../../core/errors';
import { rejectUnknownKeys } from '../../core/validate';
import { echoMessage } from '../../formats/frames/echo';
import { buildIcmpEcho } from '../../formats/frames/transport';
import { SendContext, validateEngineOptions } from '../engine';
import { IpDatagramSocket } from '../ipdgram';
import { Socket } from '../socket';
import { CONNECTED, Target } from '../udp/codec';
import { RECEIVE_KEYS, applyReceive, configureIp, inNs, validateReceive } from '../udp/setup';
import type { IpAdoptOptions, IpReceiveOptions, IpSendOptions, IpSocketOptions, MtuDiscoverMode, RawSocketOptions } from './types';

export * from './types';

const io = native.ioConstants;
const { EACCES, EPERM } = osConstants.errno;
const kCreate = Symbol('sockit.ip.create');
const COMMON_KEYS = ['family', 'address', 'interface', 'options', 'receive', 'maxMessageSize', 'batchSize', 'sendQueueLimit', 'highWaterMark', 'coalesce', 'netns'] as const;
const RAW_KEYS = [...COMMON_KEYS, 'protocol', 'headerIncluded', 'icmpTypes'] as const;
const ADOPT_KEYS = ['receive', 'maxMessageSize', 'batchSize', 'sendQueueLimit', 'highWaterMark', 'coalesce', 'netns'] as const;
const SEND_KEYS = ['address', 'sourceAddress', 'interface', 'ttl', 'tos'] as const;
const IP_RECEIVE_KEYS = RECEIVE_KEYS.filter((k) => k !== 'gro');

/** Validate the options both kinds share; → the family. */
function validateCommon(o: IpSocketOptions): 'ipv4' | 'ipv6' {
  const family = o.family ?? 'ipv4';
  if (family !== 'ipv4' && family !== 'ipv6') throw invalidArgValue('options.family', family, "must be 'ipv4' or 'ipv6'");
  if (o.address !== undefined && typeof o.address !== 'string') throw invalidArgType('options.address', 'of type string', o.address);
  if (o.maxMessageSize !== undefined) validateInteger(o.maxMessageSize, 'options.maxMessageSize', 1, io.MAX_MESSAGE_SIZE);
  validateEngineOptions(o);
  validateReceive(o.receive ?? {}, IP_RECEIVE_KEYS);
  if (o.options !== undefined && (o.options === null || typeof o.options !== 'object')) throw invalidArgType('options.options', 'of type object', o.options);
  return family;
}

/** The ping_group_range of the caller's namespace, as text ('' when unreadable). */
function pingGroupRange(): string {
  try {
    return readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim().replace(/\s+/, ' ');
  } catch {
    return '';
  }
}

/**
 * What ping and raw sockets share beyond the IP-datagram layer
 * ({@link IpDatagramSocket}): port-less send, connect and bind, the path MTU options.
 * Events: `'message' (data, info)`, `'batch'`, `'transportError'`, `'error'`, `'drain'`, `'close'`.
 */
export abstract class IpSocket extends IpDatagramSocket {
  /** The IP protocol number (1 ICMP, 58 ICMPv6, ...). */
  readonly protocol: number;

  /** @internal Use the subclass's `create()`. */
  constructor(token: symbol, name: string, sock: Socket, family: 'ipv4' | 'ipv6', protocol: number, options: IpSocketOptions) {
    if (token !== kCreate) throw new TypeError(`use ${name}.create()`);
    super(sock, family, name, options, true); // a ping or raw socket receives without bind
    this.protocol = protocol;
  }

  /** @internal Create the descriptor and apply the common options (the caller wraps it). */
  static _open(family: 'ipv4' | 'ipv6', type: 'dgram' | 'raw', protocol: number, o: IpSocketOptions, setup: (s: Socket) => void): Socket {
    const sock = new Socket(family, type, protocol, o.netns !== undefined ? { netns: o.netns } : {});
    try {
      inNs(o.netns, () => {
        configureIp(sock, o);
        applyReceive(sock.fd, family, (o.receive ?? {}) as IpReceiveOptions);
        setup(sock);
        if (o.address !== undefined) sock.bind({ address: o.address, port: 0 });
      });
    } catch (e) {
      sock.close();
      throw e;
    }
    return sock;
  }

  /**
   * @internal The adopt() of both kinds: `type` and `protocol` (a function of the family, or any when
   * undefined) say what is accepted; the binding and options carry over.
   */
  static _adopt<T extends IpSocket>(
    target: number | Socket,
    options: IpAdoptOptions,
    what: string,
    accept: { type: number; protocol?: (family: 'ipv4' | 'ipv6') => number },
    make: (sock: Socket, family: 'ipv4' | 'ipv6', protocol: number, options: IpAdoptOptions) => T,
  ): T {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options);
    rejectUnknownKeys(options, ADOPT_KEYS, 'options');
    validateCommon(options);
    const { sock, family, protocol, netns } = IpDatagramSocket._adoptIp(
      target,
      what,
      {},
      (k, family) => k.type === accept.type && (accept.protocol === undefined || k.protocol === accept.protocol(family)),
      options,
    );
    return make(sock, family, protocol, netns === undefined ? options : { ...options, netns });
  }

  /** Local address (getsockname). For a ping socket `port` is the echo identifier (0 until bound or the first send). */
  address(): SocketAddress {
    this._check();
    return this._sock.localAddress();
  }

  /** bind(2) to a local address (and, for ping sockets, an echo identifier as the port; 0 = any). */
  bind(address: string, port = 0): SocketAddress {
    this._check();
    this._ns(() => this._sock.bind({ address, port: validateInteger(port, 'port', 0, 65535) }));
    return this.address();
  }

  /** connect(2): fix the peer; `send(data)` then needs no address and only the peer's datagrams arrive. */
  connect(address: string): void {
    this._check();
    if (typeof address !== 'string') throw invalidArgType('address', 'of type string', address);
    this._ns(() => this._sock.connect({ address, port: 0 }));
    this._peer = { address };
  }

  /**
   * Send one datagram to `address` (or the connected peer). Ping sockets take
   * an ICMP echo request (the kernel sets the identifier and checksum); raw
   * sockets the protocol's bytes (with IP_HDRINCL, the IP header too).
   * Resolves with the bytes sent; waits in the send queue on EAGAIN.
   */
  send(data: Uint8Array | string, destination?: string | IpSendOptions): Promise<number> {
    try {
      this._check();
      const buf = this._payload(data);
      const t = this.#target(destination);
      return this._send(buf, t.addr, t.ctl, t);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Send many datagrams to one destination with sendmmsg; resolves with the count sent. */
  sendBatch(messages: readonly Uint8Array[], destination?: string | IpSendOptions): Promise<number> {
    try {
      this._check();
      if (!Array.isArray(messages)) throw invalidArgType('messages', 'an Array', messages);
      const datas = messages.map((m, i) => validateBytes(m, `messages[${i}]`));
      const t = this.#target(destination);
      return this._sendBatch(datas, t.addr, t.ctl, t);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #target(d: string | IpSendOptions | undefined): Target {
    if (d === undefined) {
      if (this._peer === undefined) throw this._codec.notConnected('send()');
      return CONNECTED;
    }
    if (typeof d === 'string') return this._codec.targetOf({ address: d, port: 0 }, undefined, 'send()');
    if (d === null || typeof d !== 'object') throw invalidArgType('destination', 'an address string or a send options object', d);
    rejectUnknownKeys(d, SEND_KEYS, 'destination');
    return this._codec.targetOf(d.address !== undefined ? { ...d, port: 0 } : d, this._peer !== undefined ? CONNECTED : undefined, 'send()');
  }

  /** Path MTU discovery mode (IP_MTU_DISCOVER / IPV6_MTU_DISCOVER): `'do'` sets DF and makes oversize sends fail with EMSGSIZE. */
  setMtuDiscover(mode: MtuDiscoverMode): void {
    this.setOption(this.family === 'ipv4' ? 'IP_MTU_DISCOVER' : 'IPV6_MTU_DISCOVER', mode);
  }

  /** The kernel's path MTU to the connected peer (IP_MTU / IPV6_MTU); read it after an EMSGSIZE. Needs connect(). */
  pathMtu(): number {
    return this.getOption(this.family === 'ipv4' ? 'IP_MTU' : 'IPV6_MTU') as number;
  }

  /** @internal The error of a failed send (names the destination; no port for these kinds). */
  protected _sendError(errno: number, syscall: string, ctx: SendContext): Error {
    const t = ctx as Target | undefined;
    return new SocketError(errno, syscall, { address: t?.address ?? this._peer?.address });
  }
}

/** One ICMP echo request for {@link PingSocket.sendEcho}. */
export interface EchoRequest {
  /** Destination (not needed on a connected socket). */
  address?: string;
  /** Sequence number, 0..65535. */
  sequence: number;
  /** Echo data (default: none). */
  payload?: Uint8Array;
  /** TTL / hop limit for this request. */
  ttl?: number;
}

/**
 * An unprivileged ICMP echo socket (SOCK_DGRAM, IPPROTO_ICMP or
 * IPPROTO_ICMPV6): sends echo requests, receives only the echo replies (and,
 * through `'transportError'`, the ICMP errors) for its own identifier. Needs
 * no capability when the caller's group is inside `net.ipv4.ping_group_range`
 * (which also governs IPv6 ping sockets).
 */
export class PingSocket extends IpSocket {
  /** @internal Use {@link PingSocket.create}. */
  constructor(token: symbol, sock: Socket, family: 'ipv4' | 'ipv6', options: IpSocketOptions) {
    super(token, 'PingSocket', sock, family, family === 'ipv4' ? 1 : 58, options);
  }

  /**
   * Create a ping socket. When the kernel refuses (EACCES: the caller's group
   * is outside `net.ipv4.ping_group_range`), the error says so and names the
   * sysctl to change.
   */
  static async create(options: IpSocketOptions = {}): Promise<PingSocket> {
    rejectUnknownKeys(options, COMMON_KEYS, 'options');
    const family = validateCommon(options);
    const proto = (family === 'ipv4' ? constants.IPPROTO_ICMP : constants.IPPROTO_ICMPV6) as number;
    let sock: Socket;
    try {
      sock = IpSocket._open(family, 'dgram', proto, options, () => {});
    } catch (e) {
      if (e instanceof SocketError && e.syscall === 'socket' && (e.errno === -EACCES || e.errno === -EPERM)) throw pingRefused(e);
      throw e;
    }
    return new PingSocket(kCreate, sock, family, options);
  }

  /**
   * Take over an existing ping socket (a descriptor number, which moves, or
   * a sockit {@link Socket}, released to it): its binding (the echo
   * identifier) and options carry over; a connection does not show (the
   * kernel's getpeername answers ENOTCONN for ping sockets): connect() again
   * or send with an address. A sockit Socket made with `{ netns }` keeps its
   * namespace (interface names resolve there); for a descriptor, pass
   * `options.netns`. Throws, leaving the target untouched, when it is not an
   * AF_INET/AF_INET6 SOCK_DGRAM IPPROTO_ICMP/IPPROTO_ICMPV6 socket.
   */
  static adopt(target: number | Socket, options: IpAdoptOptions = {}): PingSocket {
    const icmp = (f: 'ipv4' | 'ipv6'): number => (f === 'ipv4' ? constants.IPPROTO_ICMP : constants.IPPROTO_ICMPV6) as number;
    return IpSocket._adopt(target, options, 'a ping socket (AF_INET/AF_INET6, SOCK_DGRAM, IPPROTO_ICMP/IPPROTO_ICMPV6)', { type: constants.SOCK_DGRAM as number, protocol: icmp }, (sock, family, _protocol, o) => new PingSocket(kCreate, sock, family, o));
  }

  /** The echo identifier the kernel gave this socket (its local "port"); 0 before bind or the first send. */
  get identifier(): number {
    return this.address().port;
  }

  /** Send one ICMP echo request (the kernel fills in the identifier and checksum). */
  sendEcho(request: EchoRequest): Promise<number> {
    try {
      if (request === null || typeof request !== 'object') throw invalidArgType('request', 'an object', request);
      rejectUnknownKeys(request, ['address', 'sequence', 'payload', 'ttl'], 'request');
      const seq = validateInteger(request.sequence, 'request.sequence', 0, 0xffff);
      const payload = request.payload === undefined ? Buffer.alloc(0) : validateBytes(request.payload, 'request.payload');
      const msg = echoRequest(this.family, seq, payload);
      const dest: IpSendOptions = {};
      if (request.address !== undefined) dest.address = request.address;
      if (request.ttl !== undefined) dest.ttl = request.ttl;
      return this.send(msg, Object.keys(dest).length ? dest : undefined);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/** An ICMP or ICMPv6 echo request with identifier 0 (ping sockets and the kernel's ICMPv6 checksum fill the rest). */
export function echoRequest(family: 'ipv4' | 'ipv6', sequence: number, payload: Uint8Array, identifier = 0): Buffer {
  if (family === 'ipv4') return buildIcmpEcho({ kind: 'request', identifier: identifier & 0xffff, sequence, payload });
  return echoMessage(6, { kind: 'request', identifier: identifier & 0xffff, sequence, payload }, 'request');
}

function pingRefused(e: SocketError): SocketError {
  const range = pingGroupRange();
  const gid = typeof process.getgid === 'function' ? process.getgid() : -1;
  const hint =
    `ping sockets are allowed for groups in net.ipv4.ping_group_range${range ? ` (now "${range}")` : ''}; ` +
    `allow group ${gid} with: sysctl -w net.ipv4.ping_group_range="0 2147483647" — or use a RawSocket with CAP_NET_RAW`;
  return new SocketError(e.errno, 'socket', { hint });
}

/**
 * A raw IP socket (SOCK_RAW, any protocol; needs CAP_NET_RAW). IPv4 raw
 * sockets receive the whole datagram including its IP header; IPv6 raw
 * sockets receive the payload only. With `headerIncluded` (IP_HDRINCL /
 * IPV6_HDRINCL) `send()` takes the IP header too.
 */
export class RawSocket extends IpSocket {
  /** @internal Use {@link RawSocket.create}. */
  constructor(token: symbol, sock: Socket, family: 'ipv4' | 'ipv6', protocol: number, options: IpSocketOptions) {
    super(token, 'RawSocket', sock, family, protocol, options);
  }

  /** Create a raw socket for `options.protocol` (EPERM without CAP_NET_RAW, with a hint saying so). */
  static async create(options: RawSocketOptions): Promise<RawSocket> {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options);
    rejectUnknownKeys(options, RAW_KEYS, 'options');
    const family = validateCommon(options);
    const protocol = validateInteger(options.protocol, 'options.protocol', 1, 255);
    if (options.headerIncluded !== undefined) validateBoolean(options.headerIncluded, 'options.headerIncluded');
    const sock = IpSocket._open(family, 'raw', protocol, options, (s) => {
      if (options.headerIncluded) s.setOption(family === 'ipv4' ? 'IP_HDRINCL' : 'IPV6_HDRINCL', true);
      if (options.icmpTypes !== undefined) applyIcmpFilter(s, family, protocol, options.icmpTypes);
    });
    return new RawSocket(kCreate, sock, family, protocol, options);
  }

  /**
   * Take over an existing raw IP socket (a descriptor number, which moves, or
   * a sockit {@link Socket}, released to it), e.g. one opened by a privileged
   * parent and passed down: its protocol, binding and options (IP_HDRINCL,
   * ICMP filters) carry over; a connection does not show (getpeername answers
   * ENOTCONN for raw sockets): connect() again or send with an address. A
   * sockit Socket made with `{ netns }` keeps its namespace (interface names
   * resolve there); for a descriptor, pass `options.netns`. Throws, leaving
   * the target untouched, when it is not an AF_INET/AF_INET6 SOCK_RAW socket.
   */
  static adopt(target: number | Socket, options: IpAdoptOptions = {}): RawSocket {
    return IpSocket._adopt(target, options, 'a raw IP socket (AF_INET/AF_INET6, SOCK_RAW)', { type: constants.SOCK_RAW as number }, (sock, family, protocol, o) => new RawSocket(kCreate, sock, family, protocol, o));
  }

  /**
   * Receive only these ICMP (ICMP_FILTER, types 0..31) or ICMPv6 (ICMP6_FILTER,
   * 0..255) types; `null` lets every type through. IPPROTO_ICMP / IPPROTO_ICMPV6 sockets only.
   */
  setIcmpFilter(types: readonly number[] | null): void {
    this._check();
    const fd = this.fd;
    this._ns(() => applyIcmpFilter(Socket.adopt(fd, { owned: false }), this.family, this.protocol, types));
  }
}

/** Set ICMP_FILTER / ICMP6_FILTER so that only `types` pass (null: all). */
function applyIcmpFilter(s: Socket, family: 'ipv4' | 'ipv6', protocol: number, types: readonly number[] | null): void {
  if (types !== null && !Array.isArray(types)) throw invalidArgType('types', 'an Array of ICMP types or null', types);
  if (family === 'ipv4') {
    if (protocol !== 1) throw invalidArgValue('types', types, 'an ICMP filter needs an IPPROTO_ICMP (1) raw socket');
    let block = 0xffffffff;
    for (const [i, t] of (types ?? []).entries()) block &= ~(1 << validateInteger(t, `types[${i}]`, 0, 31));
    s.setOption('ICMP_FILTER', types === null ? 0 : block >>> 0);
    return;
  }
  if (protocol !== 58) throw invalidArgValue('types', types, 'an ICMPv6 filter needs an IPPROTO_ICMPV6 (58) raw socket');
  const f = Buffer.alloc(32, types === null ? 0 : 0xff);
  for (const [i, t] of (types ?? []).entries()) {
    const v = validateInteger(t, `types[${i}]`, 0, 255);
    f.writeUInt32LE((f.readUInt32LE((v >> 5) * 4) & ~(1 << (v & 31))) >>> 0, (v >> 5) * 4);
  }
  s.setOption('ICMP6_FILTER', f);
}
