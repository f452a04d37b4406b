/**
 * {@link UnixServer}: a listening AF_UNIX SOCK_SEQPACKET socket that accepts
 * connections as {@link UnixSocket}s. Not a datagram kind: it holds one
 * native I/O handle in accept mode (native/io/unix.cc DrainAccept), whose
 * records are accepted descriptors, and turns each into a socket.
 * @module
 */
import { EventEmitter } from 'node:events';
import { native } from '../../binding';
import type { IoHandle } from '../../binding/io';
import { SocketError, socketClosed, validateBoolean, validateInteger } from '../../core/errors';
import { rejectUnknownKeys } from '../../core/validate';
import { Socket } from '../socket';
import { toAddress, toSunPath } from './codec';
import { UnixSocket } from './index';
import { ADOPT_KEYS, bindRaw, unlinkStaleSocket, validateAdopt } from './setup';
import type { UnixAdoptOptions, UnixAddress } from './types';

const io = native.ioConstants;

/** Options of {@link UnixServer.listen}. */
export interface UnixServerOptions {
  /** Where to listen: a path or `'@name'`. */
  path: string;
  /** listen(2) backlog (default 511, as Node's net). */
  backlog?: number;
  /** Remove a stale socket file at `path` first (only a socket, never a regular file). */
  unlinkExisting?: boolean;
  /** Options for every accepted {@link UnixSocket} (passCredentials, maxDescriptors, batchSize, ...). */
  connection?: UnixAdoptOptions;
}

/**
 * A listening unix seqpacket socket. Connections are accepted while a
 * `'connection'` listener is attached (otherwise they wait in the backlog),
 * each as a {@link UnixSocket} of type 'seqpacket' that is yours to close.
 *
 * Events: `'listening'`, `'connection' (socket)`, `'error' (err)` (accept
 * failed, e.g. EMFILE: accepting stops), `'close'`.
 */
export class UnixServer extends EventEmitter {
  #handle: IoHandle;
  #fd: number;
  #closed = false;
  #closing: Promise<void> | undefined;
  #onClosed: (() => void) | undefined;
  #conn: UnixAdoptOptions;
  #per: number;

  private constructor(fd: number, conn: UnixAdoptOptions) {
    super();
    this.#fd = fd;
    this.#conn = conn;
    this.#per = 1;
    try {
      this.#handle = new native.IoHandle(fd, this, UnixServer.prototype._onRecv, UnixServer.prototype._onEvent, { batchSize: 16, messageSize: 1, controlSize: 0, maxRights: 1, accept: true });
    } catch (e) {
      native.close(fd);
      throw e;
    }
    this.on('newListener', (ev: string | symbol) => ev === 'connection' && queueMicrotask(() => this.#update()));
    this.on('removeListener', (ev: string | symbol) => ev === 'connection' && this.#update());
  }

  /** Create, bind and listen (SOCK_SEQPACKET); `'listening'` follows once listeners could be attached. */
  static listen(options: UnixServerOptions): UnixServer {
    rejectUnknownKeys(options, ['path', 'backlog', 'unlinkExisting', 'connection'], 'options');
    const raw = toSunPath(options.path, 'options.path');
    const backlog = options.backlog === undefined ? 511 : validateInteger(options.backlog, 'options.backlog', 0, 0x7fffffff);
    if (options.unlinkExisting !== undefined) validateBoolean(options.unlinkExisting, 'options.unlinkExisting');
    const conn = options.connection ?? {};
    rejectUnknownKeys(conn, ADOPT_KEYS, 'options.connection');
    validateAdopt(conn);
    const sock = new Socket('unix', 'seqpacket');
    try {
      if (options.unlinkExisting && raw !== '' && !raw.startsWith('\0')) unlinkStaleSocket(raw);
      bindRaw(sock, raw, options.path);
      sock.listen(backlog);
    } catch (e) {
      sock.close();
      throw e;
    }
    const s = new UnixServer(sock.release(), conn);
    setImmediate(() => s.#closed || s.emit('listening'));
    return s;
  }

  /** The address listened on. */
  address(): UnixAddress {
    if (this.#closed) throw socketClosed('UnixServer');
    return toAddress(native.getsockname(this.#fd));
  }

  #update(): void {
    if (this.#closed) return;
    this.#handle.setReceiving(this.listenerCount('connection') > 0);
  }

  /** @internal Accepted descriptors, one per record. */
  _onRecv(_data: Buffer, count: number): void {
    const rights = this.#handle.rights as Int32Array;
    for (let i = 0; i < count; i++) {
      const fd = rights[i * this.#per] as number;
      if (this.#closed) {
        native.close(fd);
        continue;
      }
      let sock: UnixSocket;
      try {
        sock = UnixSocket.adopt(fd, this.#conn);
      } catch (e) {
        native.close(fd);
        this.emit('error', e);
        continue;
      }
      // The socket's handle owns it now (and closes it at teardown).
      native.forgetFd(fd);
      this.emit('connection', sock);
    }
  }

  /** @internal */
  _onEvent(type: number, errno: number): void {
    if (type === io.EV_ERROR) this.emit('error', new SocketError(-errno, 'accept'));
    else if (type === io.EV_CLOSE) {
      this.#onClosed?.();
      this.emit('close');
    }
  }

  /** Keep the event loop alive while accepting (default). */
  ref(): this {
    this.#handle.ref();
    return this;
  }
  /** Let the process exit even while accepting. */
  unref(): this {
    this.#handle.unref();
    return this;
  }

  /** Stop listening (connections already accepted stay open); the socket file is not removed. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
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
}

