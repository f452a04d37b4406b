/**
 * The public types of {@link UnixSocket}: options, per-message metadata,
 * send options, descriptors to pass.
 * @module
 */
import type * as dgram from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import type * as net from 'node:net';
import type { Credentials } from '../../options';
import type { Coalesce, EngineStats } from '../engine';
import type { ReceivedDescriptors } from './fds';

/** 'dgram' (SOCK_DGRAM: connectionless, each message on its own) or 'seqpacket' (SOCK_SEQPACKET: connected, ordered, message boundaries kept). */
export type UnixSocketType = 'dgram' | 'seqpacket';

/**
 * A unix socket address: a filesystem path (`'/run/app.sock'`), an
 * abstract name written with a leading `@` (`'@app'` is the abstract name
 * `"\0app"`, as `ss` and systemd show it; no file, gone with the socket,
 * scoped to the network namespace), or `''` for an unnamed socket. A path
 * that really starts with `@` is written `'./@name'`. An abstract name is
 * an exact byte string: each of its NUL bytes (inside or trailing) is a
 * `'\0'` character here, kept both ways (`'@app\0'` is not `'@app'`); `'@'`
 * is the empty abstract name; the other bytes are UTF-8.
 */
export type UnixPath = string;

/**
 * Something that has a descriptor to pass with SCM_RIGHTS: a number, any
 * sockit socket, a Node `net.Socket` / `net.Server` / `dgram.Socket`, or an
 * `fs.promises` FileHandle. The descriptor is read when `send()` is called
 * and must stay open until its promise settles (the kernel duplicates it
 * when the message is sent; the sender keeps its own).
 */
export type Passable =
  | number
  | {
      /** The descriptor (any sockit socket has one). */
      readonly fd: number;
    }
  | net.Socket
  | net.Server
  | dgram.Socket
  | FileHandle;

/** Options for {@link UnixSocket.create}. */
export interface UnixSocketOptions {
  /** Socket type (default 'dgram'). */
  type?: UnixSocketType;
  /** Bind to this path or abstract name (`'@name'`). `''` autobinds: the kernel picks a unique abstract name. */
  path?: UnixPath;
  /** Remove a stale socket file at `path` before binding (only if it is a socket; default false). */
  unlinkExisting?: boolean;
  /** Connect to this peer (dgram: fix the destination; seqpacket: connect to a listener). */
  connect?: UnixPath;
  /** SO_PASSCRED: receive the sender's pid/uid/gid with every message (`info.credentials`). */
  passCredentials?: boolean;
  /** Descriptors kept per received message (1..253, default 32); more are closed and the message reported truncated. */
  maxDescriptors?: number;
  /** Largest message received whole (default 65536; longer ones are truncated and flagged). */
  maxMessageSize?: number;
  /** Messages per recvmmsg (default 64, at most 1024). */
  batchSize?: number;
  /** Most messages waiting in the send queue (default 65536); a send offered beyond it rejects with ENOBUFS. */
  sendQueueLimit?: number;
  /** Messages each async iterator buffers (default 4096). */
  highWaterMark?: number;
  /**
   * Borrowed receive buffers (default false): a received payload — the
   * Buffer a `'message'` listener gets, a `'batch'`'s `buffer` and `data(i)`
   * — is valid only until the handler returns; the next batch is received
   * into the same memory. No receive pool is made per batch: nothing for the
   * garbage collector, and the memory stays in cache (for large messages the
   * receive path's main cost). Copy what you keep (`Buffer.from(data)`).
   * Async iterators and `receive()` get copies, so they are unaffected.
   */
  borrow?: boolean;

  /** How a tick's sends reach the kernel (default 'auto'; see UdpSocketOptions.coalesce). */
  coalesce?: Coalesce;
  /** Any option from the option table, applied before bind: `{ SO_SNDBUF: 1 << 20 }`. */
  options?: Record<string, unknown>;
}

/** Options for {@link UnixSocket.adopt} and {@link UnixSocket.pair}. */
export type UnixAdoptOptions = Pick<UnixSocketOptions, 'passCredentials' | 'maxDescriptors' | 'maxMessageSize' | 'batchSize' | 'sendQueueLimit' | 'highWaterMark' | 'coalesce' | 'borrow'>;

/** Per-message options of {@link UnixSocket.send}. */
export interface UnixSendOptions {
  /** Destination (default: the connected peer). */
  path?: UnixPath;
  /** Descriptors to pass (SCM_RIGHTS, at most 253). */
  fds?: readonly Passable[];
  /**
   * SCM_CREDENTIALS: `true` sends this process's own pid/uid/gid (the
   * receiver needs `passCredentials`; the kernel adds them anyway when the
   * receiver asked); explicit values need CAP_SYS_ADMIN / CAP_SETUID /
   * CAP_SETGID to differ from the sender's own.
   */
  credentials?: boolean | Credentials;
}

/** One entry of {@link UnixSocket.sendBatch}: data plus per-message options. */
export interface UnixBatchEntry extends UnixSendOptions {
  /** The message. */
  data: Uint8Array | string;
}

/** Per-message metadata. */
export interface UnixMessageInfo {
  /** Sender's address (`'@name'` for an abstract name, `''` for an unnamed sender). */
  path: UnixPath;
  /** Length of the message as sent (larger than the data when truncated). */
  size: number;
  /** True when the message was longer than `maxMessageSize` and was cut. */
  truncated: boolean;
  /** Descriptors that came with the message (SCM_RIGHTS); see {@link ReceivedDescriptors} for who closes them. */
  fds?: ReceivedDescriptors;
  /** Sender's credentials (SCM_CREDENTIALS; with `passCredentials`). */
  credentials?: Credentials;
  /** Set when the control data was cut (MSG_CTRUNC, code ERR_SOCKIT_CONTROL_TRUNCATED): descriptors were lost, and those that arrived were closed. */
  error?: Error;
}

/** What async iteration and `receive()` yield. */
export interface UnixMessage {
  /** The message. */
  data: Buffer;
  /** Its metadata. */
  info: UnixMessageInfo;
}

/** A local or peer address. */
export interface UnixAddress {
  /** The path, `'@name'` for an abstract name, `''` when unnamed. */
  path: UnixPath;
  /** True for an abstract name. */
  abstract: boolean;
}

/** Counters of a {@link UnixSocket}. */
export interface UnixStats extends EngineStats {
  /** Received descriptors closed because no consumer took them. */
  descriptorsClosed: number;
  /** Messages whose control data was cut (MSG_CTRUNC): their descriptors were closed and an error reported. */
  controlTruncated: number;
}
