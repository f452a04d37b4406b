/**
 * UDP done fully: {@link UdpSocket} on the datagram engine
 * (lib/sockets/engine.ts), with per-datagram metadata, batch send/receive,
 * backpressure, multicast by interface and dgram interop. This file holds
 * the class; the address codec (codec.ts), the record decoder (decoder.ts),
 * socket setup (setup.ts) and the public types (types.ts) sit beside it.
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
import { constants, native } from '../../binding';
import { ControlLayout } from '../../binding/io';
import { EndpointInput, InterfaceRef, SocketAddress, parseIp } from '../../core/address';
import { SocketError, check, invalidArgType, validateBoolean, validateBytes, validateInteger } from '../../core/errors';
import { rejectUnknownKeys } from '../../core/validate';
import { SendContext, SendDone, validateEngineOptions } from '../engine';
import { IpDatagramSocket } from '../ipdgram';
import { Socket } from '../socket';
import * as mc from '../multicast';
import { scopeResolver } from '../../system/netns';
import { BATCH_ENTRY_KEYS, CONNECTED, MAX_UDP_PAYLOAD, SEND_KEYS, Target, checkSegments, gsoHint, validateUdpPort } from './codec';
import { ADOPT_KEYS, CREATE_KEYS, RECEIVE_KEYS, applyGso, configure, familyArg, inNs, isDetached, toUdpAddress, validateGso, validateReceive } from './setup';
import type { BatchMessage, SendOptions, UdpAdoptOptions, UdpAddress, UdpSocketOptions, UdpStats } from './types';

export * from './types';
export { MessageBatch } from './decoder';
/** Byte layout of the engine's decoded control records (see lib/binding/io.ts). */
export { ControlLayout };

const io = native.ioConstants;
const { EINVAL, EIO } = osConstants.errno;
const kCreate = Symbol('sockit.udp.create');

/**
 * A UDP socket on the sockit engine. Create with {@link UdpSocket.create}
 * (or take one over with {@link UdpSocket.adopt}).
 *
 * Events: `'message' (data, info)` (dgram-compatible), `'batch' (MessageBatch)`,
 * `'listening'` (bound), `'connect'`, `'transportError' (TransportError)` —
 * the error queue, opt-in (see docs/icmp.md) —, `'error' (err)` — receive errors,
 * including ECONNREFUSED reported by ICMP on a connected socket, and failed
 * sends while an `'error'` listener exists —, `'drain'` (the send queue
 * emptied or a refused trySend may be retried), `'close'`.
 *
 * The socket receives — and keeps the event loop alive for receiving — while
 * it is bound (or connected) and somebody consumes: a `'message'` or
 * `'batch'` listener, an async iterator or a pending `receive()`. The rules
 * every engine socket shares are in lib/sockets/engine.ts and docs/engine.md.
 */
export class UdpSocket extends IpDatagramSocket {
  #bound: boolean;
  #gso = 0;
  #gsoBroken = false;
  #lastPort = -1;
  #lastAddress: string | undefined;
  #lastTarget: Target | undefined;

  /** @internal Use {@link UdpSocket.create} or {@link UdpSocket.adopt}. */
  constructor(token: typeof kCreate, sock: Socket, family: 'ipv4' | 'ipv6', options: UdpSocketOptions, bound: boolean) {
    if (token !== kCreate) throw new TypeError('use UdpSocket.create()');
    super(sock, family, 'UdpSocket', options, bound, options.receive?.gro ? Math.max(options.maxMessageSize ?? 0, 65535) : (options.maxMessageSize ?? 65535));
    this.#bound = bound;
    this.#gso = typeof options.gso === 'number' ? options.gso : 0;
    if (options.gso === 'auto') this._setGather(true);
  }

  /**
   * Create (and, when `address` or `port` is given, bind) a UDP socket.
   * Options are applied in this order: SO_REUSEADDR/SO_REUSEPORT, IPV6_V6ONLY,
   * SO_BINDTODEVICE, `options`, `receive`, then bind. A bound socket emits
   * `'listening'` once the caller had a chance to attach listeners.
   */
  static async create(options: UdpSocketOptions = {}): Promise<UdpSocket> {
    rejectUnknownKeys(options, CREATE_KEYS, 'options');
    const signal = options.signal;
    if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean'))
      throw invalidArgType('options.signal', 'an AbortSignal', signal);
    if (signal?.aborted) throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
    let family = familyArg(options.family, 'options.family') ?? familyArg(options.type, 'options.type');
    if (options.address !== undefined) {
      if (typeof options.address !== 'string') throw invalidArgType('options.address', 'of type string', options.address);
      const ip = parseIp(options.address, 'options.address', scopeResolver(options.netns));
      if (family === undefined) family = ip.family;
    }
    family ??= 'ipv4';
    if (options.port !== undefined) validateUdpPort(options.port);
    if (options.maxMessageSize !== undefined) validateInteger(options.maxMessageSize, 'options.maxMessageSize', 1, io.MAX_MESSAGE_SIZE);
    validateEngineOptions(options);
    for (const k of ['reuseAddress', 'reusePort', 'ipv6Only'] as const)
      if (options[k] !== undefined) validateBoolean(options[k], `options.${k}`);
    const recv = options.receive ?? {};
    validateReceive(recv, RECEIVE_KEYS);
    validateGso(options.gso);
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
   * address, connection and options carry over. A sockit Socket made with
   * `{ netns }` keeps its namespace (interface names and scopes resolve
   * there); for a descriptor, pass `options.netns`. Throws when the
   * descriptor is not an AF_INET/AF_INET6 SOCK_DGRAM socket.
   */
  static adopt(target: number | Socket | dgram.Socket, options: UdpAdoptOptions = {}): UdpSocket {
    rejectUnknownKeys(options, ADOPT_KEYS, 'options');
    if (options.receive !== undefined) rejectUnknownKeys(options.receive, RECEIVE_KEYS, 'options.receive');
    if (options.maxMessageSize !== undefined) validateInteger(options.maxMessageSize, 'options.maxMessageSize', 1, io.MAX_MESSAGE_SIZE);
    validateEngineOptions(options);
    validateGso(options.gso);
    const { sock, family, netns } = IpDatagramSocket._adoptIp(
      target,
      'a UDP socket (AF_INET/AF_INET6, SOCK_DGRAM)',
      { dgram: true },
      (k) => k.type === constants.SOCK_DGRAM && (k.protocol === 0 || k.protocol === constants.IPPROTO_UDP),
      options,
      (fd) => applyGso(fd, options.gso),
    );
    let connected: SocketAddress | undefined;
    try {
      connected = sock.remoteAddress();
    } catch {
      /* not connected */
    }
    const bound = connected !== undefined || sock.localAddress().port !== 0;
    const s = new UdpSocket(kCreate, sock, family, netns === undefined ? options : { ...options, netns }, bound);
    s._peer = connected;
    return s;
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
      if (typeof port === 'number') this._sock.bind({ address: address ?? any, port: validateUdpPort(port) });
      else this._sock.bind(port);
    });
    this.#markBound();
    const a = this.address();
    this.emit('listening');
    return a;
  }

  /** Local address (getsockname), family 'IPv4' | 'IPv6' as in dgram. */
  address(): UdpAddress {
    this._check();
    return toUdpAddress(this._sock.localAddress());
  }

  /** Peer address of a connected socket (getpeername); throws ENOTCONN otherwise. */
  remoteAddress(): UdpAddress {
    this._check();
    return toUdpAddress(this._sock.remoteAddress());
  }

  /**
   * connect(2): fix the peer. `send(data)` then needs no address, only the
   * peer's datagrams are received, and an ICMP port-unreachable comes back as
   * an `'error'` event with code ECONNREFUSED (or as the rejection of the
   * next send, whichever happens first). Emits `'connect'`.
   */
  async connect(port: number | EndpointInput, address?: string): Promise<void> {
    this._connectNow(port, address);
  }

  /** @internal connect() without the promise: throws at once (the dgram drop-in's connectSync). */
  _connectNow(port: number | EndpointInput, address?: string): void {
    this._check();
    const ep = typeof port === 'number' ? { address: address ?? (this.family === 'ipv4' ? '127.0.0.1' : '::1'), port: validateUdpPort(port) } : port;
    this._ns(() => this._sock.connect(ep));
    this._peer = this._sock.remoteAddress();
    this.#lastPort = -1;
    this.#markBound();
    this.emit('connect');
  }

  /** Dissolve the association made by connect(). */
  disconnect(): void {
    this._check();
    this._sock.disconnect();
    this._peer = undefined;
  }

  /** Counters; `kernelDropped` is read from the kernel now (SO_MEMINFO). */
  override stats(): UdpStats {
    return { ...super.stats(), gsoDisabled: this.#gsoBroken || this._gatherRefused() };
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

  /** SO_BROADCAST: allow sending to broadcast addresses. */
  setBroadcast(on: boolean): void {
    this.setOption('SO_BROADCAST', validateBoolean(on, 'on'));
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
  /** Socket-wide UDP GSO: a segment size (UDP_SEGMENT), `'auto'` or 0 = off; see `options.gso`. */
  setGso(segmentSize: number | 'auto'): void {
    if (segmentSize !== 'auto') validateInteger(segmentSize, 'segmentSize', 0, MAX_UDP_PAYLOAD);
    this.setOption('UDP_SEGMENT', segmentSize === 'auto' ? 0 : segmentSize);
    this.#gso = segmentSize === 'auto' ? 0 : segmentSize;
    this._setGather(segmentSize === 'auto');
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
      const buf = this._payload(data);
      const t = this.#sendTarget(port, address);
      const seg = t.seg ?? (this.#gso !== 0 ? this.#gso : undefined);
      if (seg !== undefined) return this.#sendSegmented(buf, t, seg);
      return this._send(buf, t.addr, t.ctl, t);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * @internal send(data, port?, address?) for callers that take a callback
   * (the dgram drop-in): the same checks and path, no promise per datagram.
   * `done` gets the result on a later tick (see EngineSocket._sendCb).
   */
  _sendWith(data: Uint8Array, port: number | undefined, address: string | undefined, done: SendDone | null): void {
    let t: Target;
    try {
      this._check();
      if (data.byteLength === 0 && isDetached(data)) throw invalidArgType('data', 'a Buffer, TypedArray or DataView that is not detached', data);
      t = this.#sendTarget(port, address);
    } catch (e) {
      if (done) process.nextTick(done, e as Error, 0);
      return;
    }
    const seg = t.seg ?? (this.#gso !== 0 ? this.#gso : undefined);
    if (seg === undefined) return this._sendCb(data, t.addr, t.ctl, t, done);
    let p: Promise<number>;
    try {
      p = this.#sendSegmented(data, t, seg);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (n) => done?.(null, n),
      (e: unknown) => done?.(e as Error, 0),
    );
  }

  /** The destination of a send (cached for repeated sends to one port and address); marks the socket bound. */
  #sendTarget(port: number | SendOptions | undefined, address: string | undefined): Target {
    let t: Target;
    if (port === this.#lastPort && address === this.#lastAddress && typeof port === 'number') {
      t = this.#lastTarget as Target; // same destination as last time: no parsing, no lookup
    } else {
      t = this._codec.target(port, address);
      if (typeof port === 'number' && typeof address === 'string') {
        this.#lastPort = port;
        this.#lastAddress = address;
        this.#lastTarget = t;
      }
    }
    if (!this.#bound) this.#markBound(); // the kernel binds an unbound socket on its first send
    return t;
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
    const t = this._codec.target(port, address);
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
          common = this._codec.endpoint(destination);
        } else if (destination === null || typeof destination !== 'object') throw invalidArgType('destination', 'an endpoint string or a send options object', destination);
        else {
          rejectUnknownKeys(destination, SEND_KEYS, 'destination');
          common = this._codec.targetOf(destination as SendOptions, undefined, 'sendBatch()');
        }
      } else if (this._peer) common = CONNECTED;
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
          rejectUnknownKeys(m, BATCH_ENTRY_KEYS, `messages[${i}]`);
          datas[i] = typeof m.data === 'string' ? Buffer.from(m.data) : validateBytes(m.data, `messages[${i}].data`);
          if (m.address !== undefined || m.port !== undefined || m.sourceAddress !== undefined || m.interface !== undefined || m.ttl !== undefined || m.tos !== undefined || m.segmentSize !== undefined)
            t = this._codec.targetOf(m, common, `messages[${i}]`);
        } else throw invalidArgType(`messages[${i}]`, 'a Buffer, string or { data, address, port }', m);
        if (!t && !common) throw this._codec.notConnected(`messages[${i}]`);
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
    const peer = t?.address === undefined ? this._peer : undefined;
    return new SocketError(errno, syscall, {
      address: t?.address ?? peer?.address,
      port: t?.port ?? peer?.port,
      ...(hint ? { hint } : {}),
    });
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
