/**
 * AF_UNIX datagram and seqpacket sockets on the datagram engine
 * (lib/sockets/engine.ts): {@link UnixSocket}. Node has no unix datagram
 * sockets and no descriptor passing; this kind adds both with only an
 * address codec (codec.ts: the `'@name'` notation, SCM_RIGHTS /
 * SCM_CREDENTIALS encoding) and a record decoder (decoder.ts).
 *
 * ```ts
 * const server = await UnixSocket.create({ path: '@demo' });
 * server.on('message', (data, info) => console.log(data.toString(), info.path));
 * const client = await UnixSocket.create();
 * await client.send('hello', '@demo');
 * ```
 * @module
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { constants as osConstants } from 'node:os';
import { constants, native } from '../../binding';
import { SocketError, SockitStateError, SockitTypeError, check, invalidArgType, invalidArgValue, validateBoolean } from '../../core/errors';
import { rejectUnknownKeys } from '../../core/validate';
import { getOption } from '../../options';
import type { Credentials } from '../../options';
import { adoptDescriptor } from '../adopt';
import { EngineSocket, SendContext } from '../engine';
import { Socket } from '../socket';
import { isDetached } from '../udp/setup';
import { UnixCodec, toAddress, toSunPath } from './codec';
import { UnixDecoder } from './decoder';
import { ReceivedDescriptors } from './fds';
import { ADOPT_KEYS, bindRaw, configure, typeName, typeNumber, validateAdopt, validateCreate } from './setup';
import type { UnixAdoptOptions, UnixAddress, UnixBatchEntry, UnixMessage, UnixMessageInfo, UnixSendOptions, UnixSocketOptions, UnixSocketType, UnixStats } from './types';

export * from './types';
export { ReceivedDescriptors } from './fds';

const io = native.ioConstants;
const AF_UNIX = constants.AF_UNIX as number;
const { ECONNREFUSED, ENOENT, EPERM, EISCONN, ENOTCONN } = osConstants.errno;
const kCreate = Symbol('sockit.unix.create');
const SEND_KEYS = ['path', 'fds', 'credentials'] as const;
/** The target of a send to the connected peer (shared: no allocation per send). */
const PEER = Object.freeze({ addr: null, ctl: null, ctx: Object.freeze({}) });

/** Error context of one send: the destination as the user wrote it. */
interface UnixContext {
  path?: string;
}

/**
 * An AF_UNIX SOCK_DGRAM or SOCK_SEQPACKET socket on the sockit engine.
 * Create with {@link UnixSocket.create}, {@link UnixSocket.pair} or
 * {@link UnixSocket.adopt}.
 *
 * Addresses are filesystem paths or abstract names written `'@name'`
 * (see {@link UnixPath}). Messages carry descriptors (`send(data, { fds })`,
 * `info.fds`) and credentials (`passCredentials`, `info.credentials`).
 *
 * Events: `'message' (data, info)`, `'batch'`, `'error' (err)`, `'drain'`,
 * `'end'` (a seqpacket peer shut down: receiving stopped, iterators ended),
 * `'close'`. The engine's rules (receiving while somebody consumes,
 * iterators, the send queue and its bound, close) are in docs/engine.md.
 */
export class UnixSocket extends EngineSocket<UnixMessageInfo, UnixMessage> {
  /** 'dgram' or 'seqpacket', fixed at creation. */
  readonly type: UnixSocketType;
  #sock: Socket;
  #codec = new UnixCodec();
  #dec: UnixDecoder;
  #connected: boolean;
  #counts = { descriptorsClosed: 0, controlTruncated: 0 };
  #onClosed = (n: number): void => {
    this.#counts.descriptorsClosed += n;
  };

  /** @internal Use {@link UnixSocket.create}, {@link UnixSocket.pair} or {@link UnixSocket.adopt}. */
  constructor(token: typeof kCreate, fd: number, type: UnixSocketType, options: UnixAdoptOptions, connected: boolean) {
    if (token !== kCreate) throw new TypeError('use UnixSocket.create()');
    const maxRights = options.maxDescriptors ?? 32;
    super(fd, {
      name: 'UnixSocket',
      messageEvent: 'message',
      batchSize: options.batchSize ?? 64,
      messageSize: options.maxMessageSize ?? 65536,
      sendQueueLimit: options.sendQueueLimit ?? 65536,
      coalesce: options.coalesce ?? 'auto',
      highWaterMark: options.highWaterMark ?? 4096,
      ready: true,
      maxRights,
      // room for every descriptor kept plus credentials, so the kernel never cuts what we would keep
      controlSize: 16 + maxRights * 4 + 32 + 8,
      ...(options.borrow ? { borrow: true } : {}),
    });
    this.type = type;
    this.#connected = connected;
    this.#sock = Socket.adopt(fd, { owned: false });
    this.#dec = new UnixDecoder(this._handle, maxRights);
  }

  /**
   * Create a unix socket; bind it when `path` is given (`''` autobinds),
   * connect it when `connect` is given. Options are applied in this order:
   * `options`, SO_PASSCRED, bind, connect.
   */
  static async create(options: UnixSocketOptions = {}): Promise<UnixSocket> {
    return UnixSocket.createSync(options);
  }

  /** {@link UnixSocket.create}, synchronously (every step is one non-blocking system call). */
  static createSync(options: UnixSocketOptions = {}): UnixSocket {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    validateCreate(options);
    const type = options.type ?? 'dgram';
    const sock = new Socket('unix', typeNumber(type, 'options.type'));
    try {
      configure(sock, options);
    } catch (e) {
      sock.close();
      throw e;
    }
    return new UnixSocket(kCreate, sock.release(), type, options, options.connect !== undefined);
  }

  /**
   * socketpair(2): two connected sockets of `type` (default 'dgram'), e.g.
   * to hand one end to a child process (`stdio: [..., a.fd]`) or a Worker.
   */
  static pair(options: UnixAdoptOptions & { type?: UnixSocketType } = {}): [UnixSocket, UnixSocket] {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    rejectUnknownKeys(options, [...ADOPT_KEYS, 'type'], 'options');
    validateAdopt(options);
    const type = options.type ?? 'dgram';
    const r = native.socketpair(typeNumber(type, 'options.type'));
    const [a, b] = check(r, 'socketpair');
    const socks: UnixSocket[] = [];
    for (const fd of [a, b]) {
      try {
        if (options.passCredentials) check(native.setsockoptRaw(fd, constants.SOL_SOCKET as number, constants.SO_PASSCRED as number, Buffer.from([1, 0, 0, 0])), 'setsockopt', { option: 'SO_PASSCRED' });
        socks.push(new UnixSocket(kCreate, fd, type, options, true));
      } catch (e) {
        for (const s of socks) void s.close();
        if (fd === a) native.close(b);
        if (!socks.length || socks.length === 1) native.close(fd);
        throw e;
      }
    }
    return [socks[0] as UnixSocket, socks[1] as UnixSocket];
  }

  /**
   * Take over an existing unix datagram or seqpacket socket and get a full
   * UnixSocket with I/O: a descriptor number (an inherited fd, one received
   * with SCM_RIGHTS; ownership moves to the UnixSocket), a sockit
   * {@link Socket} (released to it), or a Node `net.Socket` / `dgram.Socket`
   * (its descriptor is duplicated and the Node socket destroyed). Its
   * binding, connection and options carry over. Throws, leaving the target
   * untouched, when it is not AF_UNIX SOCK_DGRAM / SOCK_SEQPACKET.
   */
  static adopt(target: number | Socket | net.Socket | dgram.Socket, options: UnixAdoptOptions = {}): UnixSocket {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    rejectUnknownKeys(options, ADOPT_KEYS, 'options');
    validateAdopt(options);
    const a = adoptDescriptor(target, 'a unix datagram or seqpacket socket (AF_UNIX, SOCK_DGRAM/SOCK_SEQPACKET)', { net: true, dgram: true }, (k) =>
      k.family === AF_UNIX ? typeName(k.type) : undefined,
    );
    const { fd, kind: type } = a;
    try {
      if (options.passCredentials !== undefined)
        check(native.setsockoptRaw(fd, constants.SOL_SOCKET as number, constants.SO_PASSCRED as number, Buffer.from([options.passCredentials ? 1 : 0, 0, 0, 0])), 'setsockopt', { option: 'SO_PASSCRED' });
    } catch (e) {
      a.abort();
      throw e;
    }
    const connected = native.getpeername(fd);
    a.commit();
    return new UnixSocket(kCreate, fd, type, options, typeof connected !== 'number');
  }

  // ---- addresses -------------------------------------------------------------

  /** bind(2) after creation: a path, an `'@abstract'` name, or nothing / `''` to autobind. Resolves with the address. */
  async bind(path = ''): Promise<UnixAddress> {
    this._check();
    bindRaw(this.#sock, toSunPath(path, 'path'), path);
    return this.address();
  }

  /** connect(2): fix the peer (`send(data)` then needs no destination; a dgram socket receives only from it). */
  async connect(path: string): Promise<void> {
    this._check();
    const raw = toSunPath(path, 'path');
    if (raw === '') throw invalidArgValue('path', path, 'is empty');
    try {
      this.#sock.connect({ path: raw });
    } catch (e) {
      throw e instanceof SocketError ? unixError(-e.errno, e.syscall, path) : e;
    }
    this.#connected = true;
  }

  /** Dissolve a dgram socket's association (connect with AF_UNSPEC). */
  disconnect(): void {
    this._check();
    this.#sock.disconnect();
    this.#connected = false;
  }

  /** The local address (getsockname): `{ path: '' }` while unnamed. */
  address(): UnixAddress {
    this._check();
    return toAddress(this.#sock.localSockaddr());
  }

  /** The peer address (getpeername); throws ENOTCONN when not connected. */
  remoteAddress(): UnixAddress {
    this._check();
    return toAddress(check(native.getpeername(this.fd), 'getpeername'));
  }

  /** SO_PEERCRED: pid/uid/gid of the peer process when it connected (or created the pair). */
  peerCredentials(): Credentials {
    this._check();
    const c = getOption(this.fd, 'SO_PEERCRED') as unknown as Credentials;
    return { pid: c.pid, uid: c.uid, gid: c.gid };
  }

  /** SO_PASSCRED: receive each sender's credentials as `info.credentials`. */
  setPassCredentials(on: boolean): void {
    this.setOption('SO_PASSCRED', validateBoolean(on, 'on'));
  }

  /** Counters: the engine's, plus descriptors sockit closed for you and truncated control data. */
  override stats(): UnixStats {
    return { ...super.stats(), ...this.#counts };
  }

  // ---- the record decoder -----------------------------------------------------

  /** @internal */
  protected _item(data: Buffer, info: UnixMessageInfo): UnixMessage {
    return { data, info };
  }

  /** @internal */
  protected _decodeInfo(i: number): UnixMessageInfo {
    const meta = this._handle.meta;
    const info: UnixMessageInfo = { path: this.#dec.path(i), size: meta[i * 4 + 2] as number, truncated: ((meta[i * 4 + 3] as number) & io.MSG_TRUNC) !== 0 };
    const cred = this.#dec.credentials(i);
    if (cred) info.credentials = cred;
    return info;
  }

  /** @internal Deliver record i with its descriptors; close them after the listeners unless taken or held by an iterator. */
  protected _decodeRecord(i: number, data: Buffer, off: number, len: number): void {
    const info = this._decodeInfo(i);
    const flags = this._handle.meta[i * 4 + 3] as number;
    const cut = (flags & io.MSG_CTRUNC) !== 0 || (this.#dec.present(i) & io.HAS_CTRUNC) !== 0;
    if (cut) {
      this.#closeRights(i);
      this.#counts.controlTruncated++;
      const err = new SockitStateError(
        'ERR_SOCKIT_CONTROL_TRUNCATED',
        `a message from ${info.path || 'an unnamed socket'} carried more control data than fits (MSG_CTRUNC): its descriptors were closed; raise maxDescriptors (now ${this._handle.rights ? this._handle.rights.length / this._handle.batchSize : 0}) if the sender is right to send that many`,
      );
      info.error = err;
      if (this.listenerCount('error') > 0) queueMicrotask(() => this.emit('error', err));
    }
    let fds: ReceivedDescriptors | undefined;
    if (this.#dec.rightsCount(i) > 0) info.fds = fds = new ReceivedDescriptors(this.#dec.claimRights(i), this.#onClosed);
    this._deliver(this._view(off, len), info, info.truncated);
    fds?._settle();
  }

  /** @internal Close the descriptors of every record nobody claimed (no consumer, 'batch' only, socket closed). */
  protected override _endBatch(count: number): void {
    for (let i = 0; i < count; i++) if (this.#dec.rightsCount(i) > 0) this.#closeRights(i);
  }

  #closeRights(i: number): void {
    const fds = this.#dec.claimRights(i);
    for (const fd of fds) native.close(fd);
    this.#counts.descriptorsClosed += fds.length;
  }

  /** @internal */
  protected override _retainItem(item: UnixMessage): void {
    item.info.fds?._hold();
  }

  /** @internal */
  protected override _releaseItem(item: UnixMessage): void {
    item.info.fds?._release();
  }

  /** @internal An unconnected dgram sender polls writable even while the receiver is full: back off instead. */
  protected override _backoffOnEagain(): boolean {
    return !this.#connected;
  }

  /** @internal */
  protected _receiveError(errno: number, syscall: string): Error {
    return new SocketError(errno, syscall);
  }

  /** @internal */
  protected _sendError(errno: number, syscall: string, ctx: SendContext): Error {
    return unixError(errno, syscall, (ctx as UnixContext | undefined)?.path);
  }

  // ---- sending -----------------------------------------------------------------

  #target(to: string | UnixSendOptions | undefined, name: string): { addr: Buffer | null; ctl: Buffer | null; ctx: UnixContext } {
    if (to === undefined) {
      if (!this.#connected) throw new SockitStateError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'send() has no destination and the socket is not connected');
      return PEER;
    }
    if (typeof to === 'string') return { addr: this.#codec.address(to), ctl: null, ctx: { path: to } };
    if (to === null || typeof to !== 'object') throw invalidArgType(name, 'a path string or a send options object', to);
    rejectUnknownKeys(to, SEND_KEYS, name);
    if (to.path === undefined && !this.#connected) throw new SockitStateError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'send() has no destination and the socket is not connected');
    const addr = to.path === undefined ? null : this.#codec.address(to.path, `${name}.path`);
    return { addr, ctl: this.#codec.control(to, name), ctx: to.path === undefined ? {} : { path: to.path } };
  }

  /**
   * Send one message to `to` (a path or `'@name'`), or with options
   * (`{ path?, fds?, credentials? }`), or to the connected peer. Resolves
   * with the bytes sent once the kernel took it; a full receiver (EAGAIN)
   * queues it (up to `sendQueueLimit`) until there is room.
   */
  send(data: Uint8Array | string, to?: string | UnixSendOptions): Promise<number> {
    try {
      const d = toBytes(data, 'data');
      const t = this.#target(to, 'options');
      this._check();
      return this._send(d, t.addr, t.ctl, t.ctx);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Send one message only if the kernel takes it now: true when sent, false when there is no room (wait for `'drain'`). */
  trySend(data: Uint8Array | string, to?: string | UnixSendOptions): boolean {
    const d = toBytes(data, 'data');
    const t = this.#target(to, 'options');
    return this._trySend(d, t.addr, t.ctl, t.ctx);
  }

  /**
   * Send many messages with sendmmsg (up to 1024 per system call). Entries
   * are data (sent with `to`) or `{ data, path?, fds?, credentials? }`.
   * Resolves with the count once the kernel took all; on an error it
   * rejects and `err.sent` says how many went first.
   */
  sendBatch(messages: readonly (Uint8Array | string | UnixBatchEntry)[], to?: string | UnixSendOptions): Promise<number> {
    try {
      if (!Array.isArray(messages)) throw invalidArgType('messages', 'an array', messages);
      const common = this.#target(to, 'options');
      const n = messages.length;
      const datas: Uint8Array[] = new Array(n);
      let addrs: (Uint8Array | null)[] | undefined;
      let ctls: (Uint8Array | null)[] | undefined;
      let ctxs: UnixContext[] | undefined;
      for (let i = 0; i < n; i++) {
        const m = messages[i];
        if (typeof m === 'string' || m instanceof Uint8Array) {
          datas[i] = m instanceof Uint8Array && m.byteLength !== 0 ? m : toBytes(m, `messages[${i}]`); // the name only when needed
          if (addrs) {
            addrs[i] = common.addr;
            (ctls as (Uint8Array | null)[])[i] = common.ctl;
            (ctxs as UnixContext[])[i] = common.ctx;
          }
          continue;
        }
        if (m === null || typeof m !== 'object') throw invalidArgType(`messages[${i}]`, 'data or { data, path?, fds?, credentials? }', m);
        rejectUnknownKeys(m, ['data', ...SEND_KEYS], `messages[${i}]`);
        datas[i] = toBytes(m.data, `messages[${i}].data`);
        const own = this.#target({ path: m.path ?? (typeof to === 'string' ? to : to?.path), ...(m.fds ? { fds: m.fds } : {}), ...(m.credentials !== undefined ? { credentials: m.credentials } : {}) }, `messages[${i}]`);
        if (!addrs) {
          addrs = new Array(n).fill(common.addr);
          ctls = new Array(n).fill(common.ctl);
          ctxs = new Array(n).fill(common.ctx);
        }
        addrs[i] = own.addr;
        (ctls as (Uint8Array | null)[])[i] = own.ctl ?? common.ctl;
        (ctxs as UnixContext[])[i] = own.ctx;
      }
      this._check();
      return this._sendBatch(datas, addrs ?? common.addr, ctls ?? common.ctl, ctxs ?? common.ctx);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/** A system error about `path`, with the hint for the usual unix socket mistakes. */
function unixError(errno: number, syscall: string, path: string | undefined): SocketError {
  let hint: string | undefined;
  if (errno === ECONNREFUSED) hint = `no socket is bound at ${path ?? 'the peer address'} (or it is a stream socket)`;
  else if (errno === ENOENT) hint = `${path ?? 'the peer'} does not exist: is the receiver running? ('@name' is an abstract name)`;
  else if (errno === EPERM) hint = 'credentials other than your own need CAP_SYS_ADMIN (pid) or CAP_SETUID/CAP_SETGID';
  else if (errno === EISCONN) hint = 'the socket is connected: send without a destination';
  else if (errno === ENOTCONN) hint = 'the socket is not connected: give a destination path';
  return new SocketError(errno, syscall, { ...(path !== undefined ? { address: path } : {}), ...(hint ? { hint } : {}) });
}

function toBytes(d: unknown, name: string): Uint8Array {
  if (typeof d === 'string') return Buffer.from(d);
  if (d instanceof Uint8Array) {
    if (d.byteLength === 0 && isDetached(d)) throw new SockitTypeError('ERR_INVALID_STATE', `The "${name}" argument's ArrayBuffer is detached`);
    return d;
  }
  throw invalidArgType(name, 'a string, Buffer or Uint8Array', d);
}

