/**
 * The datagram engine: the TypeScript half of the native I/O engine
 * (lib/binding/io.ts), written once for every event-driven socket kind.
 * {@link UdpSocket}, {@link PacketSocket} and {@link UnixSocket} extend {@link EngineSocket} and
 * add only what is theirs: an address codec (what `send` passes as the
 * destination), a record decoder (what a received record becomes), their
 * options and their extra methods.
 *
 * ## Behaviour (the same for every socket kind)
 * - **Receiving** happens while somebody consumes: a message listener
 *   (`'message'` / `'frame'`), a `'batch'` listener, an async iterator or a
 *   pending `receive()` — and, for kinds that need it, once the socket is
 *   ready (UDP: bound or connected). A socket with no consumer does not poll
 *   and does not keep the event loop alive for receiving.
 * - **Iterators** each see every message (like listeners). Each buffers up
 *   to `highWaterMark` messages (default 4096; plus the rest of the batch
 *   being delivered when it fills). A full iterator pauses
 *   receiving while no listener is attached (the kernel queue absorbs the
 *   rest, then drops: `stats().kernelDropped`); with a listener attached,
 *   receiving goes on and the full iterator drops what it cannot hold
 *   (`stats().iteratorDropped`). An iterator that is neither consumed nor
 *   ended stops counting once it is garbage collected.
 * - **Receive errors** (e.g. ENETDOWN, ECONNREFUSED): every active iterator
 *   rejects with it and ends; `'error'` is emitted when there is an
 *   `'error'` listener, or when no iterator took the error. An error handed
 *   to a consumer is never also an unhandled `'error'`.
 * - **A throwing message listener** does not lose the rest of its batch:
 *   every message is delivered, then the first exception is rethrown.
 * - **Sending**: `send()` tries the kernel at once; on EAGAIN the message
 *   waits in the send queue and the socket polls for POLLOUT; on ENOBUFS
 *   (a dropping qdisc, no room in a device queue) it waits in the queue and
 *   is retried after a back-off (1 ms doubling to 100 ms), never by spinning
 *   on POLLOUT. Coalescing (`'auto'` by default) gathers a tick's further
 *   sends into one sendmmsg. One bound, `sendQueueLimit` (default 65536
 *   messages), covers every send method: a send or a batch offered while the
 *   queue already holds that many is rejected with ENOBUFS.
 * - **Send results**: `send()` resolves with the bytes sent. A failed send
 *   rejects; when the socket has an `'error'` listener the failure is also
 *   emitted there and the rejection counts as handled, so a fire-and-forget
 *   `void sock.send(...)` cannot crash a process that listens for `'error'`
 *   (as a Node stream reports a write error to both the callback and
 *   `'error'`). A buffer detached before it went out rejects that send
 *   (ERR_INVALID_STATE) instead of sending 0 bytes.
 * - **The error queue** is opt-in: the first `'transportError'` listener
 *   turns IP_RECVERR / IPV6_RECVERR on and polls for POLLERR (also while
 *   nothing receives); each POLLERR drains the whole queue, and every record
 *   becomes one {@link TransportError} event — never an `'error'`, never the
 *   end of an iterator. Without that listener a socket behaves as before
 *   (error-queue records reach `'error'` only when an `'error'` listener exists).
 *   A send that fails on an error the kernel kept from an earlier ICMP
 *   message about another destination is retried once (native/io/errqueue.cc).
 * - **close()** sends what was gathered this tick, rejects queued sends with
 *   ERR_SOCKET_CLOSED, ends iterators, closes the descriptor off the event
 *   loop thread, then `'close'`. `closed` is true from the call on and `fd`
 *   throws from then on.
 * @module
 */
import { EventEmitter } from 'node:events';
import { constants as osConstants } from 'node:os';
import { native } from '../binding';
import type { IoHandle, IoRing } from '../binding/io';
import { SocketError, SockitStateError, check, invalidArgType, socketClosed, validateBoolean, validateInteger } from '../core/errors';
import { byteLengthOf, rejectUnknownKeys } from '../core/validate';
import { getOption, setOption } from '../options';
import type { OptionGetValue, OptionSetValue, ReadableOptionName, WritableOptionName } from '../options';
import { withNetns } from '../system/netns';
import type { TransportError } from './errqueue';

const io = native.ioConstants;
const { EAGAIN, ENOBUFS, ETIMEDOUT } = osConstants.errno;
const MAX_BATCH = io.MAX_BATCH;
/** Payloads up to this size are sent packed from a staging buffer of STAGE_BYTES (see #pack). */
const PACK_MAX = 256;
const STAGE_BYTES = 65536;
const BACKOFF_MIN_MS = 1;
const BACKOFF_MAX_MS = 100;
/** #attempt: not tried, gathered for the end of the tick (any value no errno can be). */
const GATHER = -0x10000;
const noop = (): void => {};
/** Node's own Buffer class (what `Buffer.from` makes), to make views without subarray's species lookup. */
const FastBuffer = (Buffer as unknown as { [Symbol.species]?: new (ab: ArrayBufferLike, offset: number, length: number) => Buffer })[Symbol.species];
const makeView: (ab: ArrayBufferLike, offset: number, length: number) => Buffer =
  typeof FastBuffer === 'function' && FastBuffer !== (Buffer as unknown) ? (ab, offset, length) => new FastBuffer(ab, offset, length) : (ab, offset, length) => Buffer.from(ab, offset, length);
type Listener = (payload: Buffer, info: unknown) => void;

/** Counters every engine socket keeps. */
export interface EngineStats {
  /** Messages handed to JavaScript (listeners, iterators or 'batch'). */
  received: number;
  /** Messages handed to the kernel. */
  sent: number;
  /** Received messages that were longer than the receive buffer and were cut. */
  truncated: number;
  /** Messages the kernel dropped on this socket's receive queue, read live when stats() is called. */
  kernelDropped: number;
  /** Messages a full async iterator could not hold while a listener kept receiving going. */
  iteratorDropped: number;
  /** Messages waiting in the send queue now. */
  sendQueue: number;
}

/** How a tick's sends reach the kernel (see UdpSocketOptions.coalesce). */
export type Coalesce = boolean | 'auto';

/** @internal Engine settings a socket kind passes to {@link EngineSocket}. */
export interface EngineConfig {
  /** The class name used in errors ('UdpSocket'). */
  name: string;
  /** The message event ('message' or 'frame'). */
  messageEvent: string;
  /** Messages per recvmmsg. */
  batchSize: number;
  /** Receive buffer per message. */
  messageSize: number;
  /** TPACKET_V3 ring to receive from instead of recvmmsg. */
  ring?: IoRing;
  /** Control buffer per message (default 256). */
  controlSize?: number;
  /** AF_UNIX: SCM_RIGHTS descriptors kept per message (the handle's `rights`). */
  maxRights?: number;
  /** Send queue bound (messages). */
  sendQueueLimit: number;
  /** Coalescing mode. */
  coalesce: Coalesce;
  /** Per-iterator buffer. */
  highWaterMark: number;
  /** Whether the socket may receive now (UDP: only once bound or connected). */
  ready: boolean;
  /** The network namespace the socket lives in (names resolve there). */
  netns?: string;
  /** Received payloads are valid only while the handler runs (docs/engine.md, "Borrowed receive buffers"); iterators get copies. */
  borrow?: boolean;
}

/** @internal Validate the engine options shared by every kind; `prefix` names them in errors. */
export function validateEngineOptions(o: { batchSize?: unknown; sendQueueLimit?: unknown; coalesce?: unknown; highWaterMark?: unknown; borrow?: unknown }, prefix = 'options'): void {
  if (o.borrow !== undefined) validateBoolean(o.borrow, `${prefix}.borrow`);
  if (o.batchSize !== undefined) validateInteger(o.batchSize, `${prefix}.batchSize`, 1, MAX_BATCH);
  if (o.sendQueueLimit !== undefined) validateInteger(o.sendQueueLimit, `${prefix}.sendQueueLimit`, 1, 1 << 24);
  if (o.highWaterMark !== undefined) validateInteger(o.highWaterMark, `${prefix}.highWaterMark`, 1, 1 << 24);
  if (o.coalesce !== undefined && o.coalesce !== 'auto' && typeof o.coalesce !== 'boolean')
    throw invalidArgType(`${prefix}.coalesce`, "a boolean or 'auto'", o.coalesce);
}

/** The promise of one batch, settled when its last queued message went out (or one failed). */
class BatchWaiter {
  failed = false;
  constructor(
    public remaining: number,
    readonly total: number,
    readonly p: Promise<number>,
    readonly res: (n: number) => void,
    readonly rej: (e: Error) => void,
  ) {}
}

/** @internal The callback of {@link EngineSocket._sendCb}: the error, or null and the bytes sent. */
export type SendDone = (err: Error | null, bytes: number) => void;

/**
 * How a queued message is settled: a lone send's resolve function (its
 * reject function in the reject column), a callback send's `done` (no reject
 * function), nobody (null), or its batch's waiter.
 */
type Settle = ((n: number) => void) | SendDone | BatchWaiter | null;

/** @internal Error-message context of one send, opaque to the engine (the kind builds errors from it). */
export type SendContext = unknown;

/**
 * A received batch for the `'batch'` event: zero per-message allocation
 * unless you ask. Valid only during the event handler (the metadata arrays
 * are reused for the next batch; with the socket's `borrow` option the
 * payload memory too).
 */
export class RecordBatch<I> {
  /** @internal */ _data: Buffer = Buffer.alloc(0);
  /** @internal */ _meta: Uint32Array;
  /** @internal */ _decode: (i: number) => I;
  /** Number of records. */
  count = 0;
  /** @internal */
  constructor(meta: Uint32Array, decode: (i: number) => I) {
    this._meta = meta;
    this._decode = decode;
  }
  /** The receive pool holding this batch's payloads back to back: record i at `offset(i)` for `length(i)` bytes. */
  get buffer(): Buffer {
    return this._data;
  }
  /** Offset of record i in `buffer`. */
  offset(i: number): number {
    return this._meta[i * 4] as number;
  }
  /** Received length of record i. */
  length(i: number): number {
    return this._meta[i * 4 + 1] as number;
  }
  /** Size of record i on the wire (larger than `length(i)` when truncated). */
  size(i: number): number {
    return this._meta[i * 4 + 2] as number;
  }
  /** Payload of record i (a view into `buffer`). */
  data(i: number): Buffer {
    const o = this._meta[i * 4] as number;
    return this._data.subarray(o, o + (this._meta[i * 4 + 1] as number));
  }
  /** Metadata of record i. */
  info(i: number): I {
    return this._decode(i);
  }
}

/** One iterator's bounded buffer; the user holds the {@link EngineIterator} wrapping it. */
class IterQueue<T> {
  items: T[] = [];
  head = 0;
  waiters: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void }> = [];
  done = false;
  error: Error | undefined;
  /** Called with an item handed straight to a waiting next(). */
  handOut: ((item: T) => void) | undefined;
  constructor(readonly hwm: number) {}
  get size(): number {
    return this.items.length - this.head;
  }
  get full(): boolean {
    return this.items.length - this.head >= this.hwm;
  }
  push(item: T): void {
    const w = this.waiters.shift();
    if (w) {
      this.handOut?.(item);
      w.resolve({ value: item, done: false });
    }
    else this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const v = this.items[this.head] as T;
    (this.items as unknown[])[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
  end(): void {
    this.done = true;
    for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }
  fail(err: Error): void {
    this.done = true;
    const ws = this.waiters.splice(0);
    if (ws.length === 0) this.error = err;
    for (const w of ws) w.reject(err);
  }
}

/** The async iterator handed to users: `for await (const m of socket)`. */
export interface EngineIterator<T> extends AsyncIterableIterator<T> {
  /** Stop iterating: buffered messages are discarded; receiving pauses if nothing else consumes. */
  return(): Promise<IteratorResult<T>>;
}

// Iterators dropped without return(): stop counting them as consumers once collected.
const abandoned = new FinalizationRegistry<{ owner: WeakRef<EngineSocket<unknown, unknown>>; q: IterQueue<unknown> }>((held) => {
  held.owner.deref()?._dropIterator(held.q);
});

/**
 * Base class of every engine socket (see the module doc for the behaviour
 * it guarantees). `I` is the per-message info type, `T` the item async
 * iteration yields.
 */
export abstract class EngineSocket<I, T> extends EventEmitter {
  #handle: IoHandle;
  #fd: number;
  #name: string;
  #event: string;
  #closed = false;
  #closing: Promise<void> | undefined;
  #onClosed: (() => void) | undefined;
  #stats = { received: 0, sent: 0, truncated: 0, iteratorDropped: 0 };
  // send queue: parallel arrays consumed from #qHead
  #qData: Uint8Array[] = [];
  #qLen: number[] = [];
  #qAddr: (Uint8Array | null)[] = [];
  #qCtl: (Uint8Array | null)[] = [];
  #qRes: Settle[] = [];
  #qRej: (((e: Error) => void) | undefined)[] = [];
  #qProm: (Promise<number> | undefined)[] = [];
  #qCtx: SendContext[] = [];
  #qHead = 0;
  /** End of the queue: the arrays are reused from burst to burst (cleared, not reallocated), so they may be longer. */
  #qTail = 0;
  #queueLimit: number;
  #flushBatch = 64;
  /** 0: one syscall per send(); 1: 'auto'; 2: every send gathered until the end of the tick. */
  #coalesce: 0 | 1 | 2;
  #gather = false;
  /** Payloads are views of memory the next batch reuses: whatever outlives the handler is copied. */
  #borrow = false;
  /** 'auto': a send() already went out at once during this tick. */
  #burst = false;
  #tickScheduled = false;
  #writable = false;
  #wantDrain = false;
  #backoff = 0;
  #backoffTimer: NodeJS.Timeout | undefined;
  // receiving
  #meta: Uint32Array;
  #ready: boolean;
  #receiving = false;
  #listeners = 0; // message + batch listeners
  #messageListeners = 0;
  #batchListeners = 0;
  #iters = new Set<IterQueue<T>>();
  #hwm: number;
  #paused = false;
  #thrown: unknown = undefined;
  #threw = false;
  #batch: RecordBatch<I> | undefined;
  #qBytes = 0;
  /** The message listeners, read once per change instead of once per message (see #deliverTo). */
  #fns: Listener[] | undefined;
  /** emit() is needed per message when listener promises are captured (captureRejections). */
  #plainEmit: boolean = !EventEmitter.captureRejections;
  /** The current receive pool: its ArrayBuffer and offset, for payload views. */
  #pool: Buffer | undefined;
  #poolAb: ArrayBufferLike = new ArrayBuffer(0);
  #poolOff = 0;
  #self = new WeakRef<EngineSocket<I, T>>(this);
  #netns: string | undefined;

  /** @internal */
  constructor(fd: number, config: EngineConfig) {
    super();
    this.#fd = fd;
    this.#name = config.name;
    this.#event = config.messageEvent;
    this.#queueLimit = config.sendQueueLimit;
    this.#coalesce = config.coalesce === true ? 2 : config.coalesce === false ? 0 : 1;
    this.#hwm = config.highWaterMark;
    this.#ready = config.ready;
    this.#netns = config.netns;
    this.#borrow = config.borrow === true;
    try {
      this.#handle = new native.IoHandle(fd, this, EngineSocket.prototype._onRecv, EngineSocket.prototype._onEvent, {
        batchSize: config.batchSize,
        messageSize: config.messageSize,
        controlSize: config.controlSize ?? 256,
        ...(config.ring ? { ring: config.ring } : {}),
        ...(config.maxRights ? { maxRights: config.maxRights } : {}),
        ...(config.borrow ? { borrow: true } : {}),
      });
    } catch (e) {
      // The engine owns the descriptor from here on, also when it cannot start.
      config.ring?.unmap();
      native.close(fd);
      throw e;
    }
    this.#meta = this.#handle.meta;
    this.on('newListener', (ev: string | symbol) => this.#countListener(ev, 1));
    this.on('removeListener', (ev: string | symbol) => this.#countListener(ev, -1));
  }

  // ---- what a socket kind provides --------------------------------------------

  /** Deliver record i of the current batch: call {@link _deliver} once per message it holds. */
  protected abstract _decodeRecord(i: number, data: Buffer, offset: number, length: number): void;
  /** Metadata of record i (for 'batch' users). */
  protected abstract _decodeInfo(i: number): I;
  /** Messages record i holds (1, or more for a UDP GRO buffer), for counting without decoding. */
  protected _recordCount(_i: number, _length: number): number {
    return 1;
  }
  /** The item async iteration yields for one message. */
  protected abstract _item(payload: Buffer, info: I): T;
  /** An error-queue record (MSG_ERRQUEUE): the error to report, if any. */
  protected _errorRecord(_i: number): Error | undefined {
    return undefined;
  }
  /** An error-queue record as a {@link TransportError} ('transportError' listeners), if it is one. */
  protected _transportError(_i: number, _payload: Buffer): TransportError | undefined {
    return undefined;
  }
  /** Turn the kernel's error queue (IP_RECVERR / IPV6_RECVERR) on or off; kinds without one ignore it. */
  protected _setErrorQueue(_on: boolean): void {}
  /** The error for a failed send (names the destination, adds hints). */
  protected abstract _sendError(errno: number, syscall: string, ctx: SendContext): Error;
  /** The error for a failure the engine saw on its own (receive, SO_ERROR, poll). */
  protected abstract _receiveError(errno: number, syscall: string): Error;
  /** Messages the kernel dropped on this socket so far (read live). */
  protected _kernelDropped(): number {
    return 0;
  }
  /** The object the 'batch' event hands out (created once). */
  protected _makeBatch(): RecordBatch<I> {
    return new RecordBatch<I>(this.#meta, (i) => this._decodeInfo(i));
  }
  /** Whether a failed send with this context may be routed to 'error' (false while the kind may still recover it). */
  protected _mayRoute(_ctx: SendContext): boolean {
    return true;
  }
  /**
   * Whether EAGAIN on send is retried after a back-off rather than on POLLOUT:
   * for sockets whose POLLOUT does not mean the destination has room (an
   * unconnected unix datagram socket polls writable while the receiver's
   * queue is full, so waiting for POLLOUT would spin).
   */
  protected _backoffOnEagain(): boolean {
    return false;
  }
  /** Called at the end of every received batch, also when a listener threw (e.g. close what no message took). */
  protected _endBatch(_count: number): void {}
  /** An iterator now holds `item` (it owns resources: count the holder). */
  protected _retainItem(_item: T): void {}
  /** An iterator let go of `item`: discarded unread, or its consumer asked for the next one. */
  protected _releaseItem(_item: T): void {}
  /** Called when receiving starts for the first time (e.g. turn on kernel timestamps). */
  protected _onReceiveStart(): void {}
  /** Called by close() before the descriptor goes (e.g. undo promiscuous mode). */
  protected _beforeClose(): void {}

  // ---- state ------------------------------------------------------------------

  /** The descriptor (for options from elsewhere). Throws ERR_SOCKET_CLOSED once close() was called. */
  get fd(): number {
    if (this.#closed) throw socketClosed(this.#name);
    return this.#fd;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal The native handle (tests, 'batch' helpers). */
  get _handle(): IoHandle {
    return this.#handle;
  }

  /** @internal Run `fn` inside the socket's network namespace (interface names resolve there). */
  _ns<R>(fn: () => R): R {
    return this.#netns === undefined ? fn() : withNetns(this.#netns, fn);
  }

  /**
   * Set any option of the option table by its C name (`setOption('SO_PRIORITY', 6)`,
   * typed by the table): one setsockopt(2) through the option engine.
   */
  setOption<N extends WritableOptionName>(name: N, value: OptionSetValue<N>): this {
    const fd = this.fd;
    this._ns(() => setOption(fd, name, value));
    return this;
  }

  /** Read any option of the option table by its C name (typed by the table). */
  getOption<N extends ReadableOptionName>(name: N): OptionGetValue<N> {
    const fd = this.fd;
    return this._ns(() => getOption(fd, name));
  }

  /** @internal Throw ERR_SOCKET_CLOSED once closed. */
  _check(): void {
    if (this.#closed) throw socketClosed(this.#name);
  }

  /** @internal The socket may receive now (UDP: bound or connected). */
  _setReady(on: boolean): void {
    this.#ready = on;
    this.#updateReceiving();
  }

  /**
   * @internal UDP GSO gathering of sends to one destination (see
   * IoHandle.sendBatch's `gather`); false once the kernel refused it.
   */
  _setGather(on: boolean): void {
    this.#gather = on;
  }

  /** @internal Whether gathering was on and the kernel refused it (sends go plainly since). */
  _gatherRefused(): boolean {
    return this.#gather && this.#handle.gatherOff;
  }

  /** Messages waiting in the send queue. */
  get sendQueueLength(): number {
    return this.#qTail - this.#qHead;
  }

  /** @internal Bytes waiting in the send queue. */
  _sendQueueBytes(): number {
    return this.#qBytes;
  }

  /** Counters (see {@link EngineStats}); kernel counters are read now. */
  stats(): EngineStats {
    return {
      ...this.#stats,
      kernelDropped: this.#closed ? this.#lastDropped : (this.#lastDropped = this._kernelDropped()),
      sendQueue: this.#qTail - this.#qHead,
    };
  }
  #lastDropped = 0;

  // ---- receiving ----------------------------------------------------------------

  #countListener(ev: string | symbol, d: number): void {
    if (ev === 'transportError') {
      this.#errorListeners += d;
      this.#updateErrors();
      return;
    }
    if (ev === this.#event) {
      this.#messageListeners += d;
      this.#fns = undefined;
    } else if (ev === 'batch') this.#batchListeners += d;
    else return;
    this.#listeners += d;
    this.#updateReceiving();
  }

  #errorListeners = 0;
  #errorsOn = false;

  #updateErrors(): void {
    if (this.#closed) return; // the descriptor is gone: nothing to turn off
    const want = this.#errorListeners > 0;
    if (want === this.#errorsOn) return;
    this._setErrorQueue(want);
    this.#errorsOn = want;
    const r = this.#handle.setErrors(want);
    if (r < 0) queueMicrotask(() => this.#fail(this._receiveError(-r, 'poll')));
  }

  #updateReceiving(): void {
    if (this.#closed) return;
    const want = this.#ready && !this.#paused && (this.#listeners > 0 || this.#iters.size > 0);
    if (want === this.#receiving) return;
    if (want) this._onReceiveStart();
    const r = this.#handle.setReceiving(want);
    if (r < 0) {
      // ENOMEM: the receive memory could not be reserved; the consumers hear it, receiving stays off.
      queueMicrotask(() => this.#fail(this._receiveError(-r, r === -osConstants.errno.ENOMEM ? 'malloc' : 'poll')));
      return;
    }
    this.#receiving = want;
  }

  /** Called at the start of every received batch. */
  protected _beginBatch(): void {}

  /**
   * Payload bytes `offset .. offset + length` of the current batch's pool
   * (valid while a record is decoded): a Buffer view, no copy.
   */
  protected _view(offset: number, length: number): Buffer {
    return makeView(this.#poolAb, this.#poolOff + offset, length);
  }

  /** @internal Engine callback: one call per received batch. */
  _onRecv(data: Buffer, count: number): void {
    try {
      this.#onRecv(data, count);
    } finally {
      this._endBatch(count);
    }
  }

  #onRecv(data: Buffer, count: number): void {
    if (data !== this.#pool) {
      this.#pool = data;
      this.#poolAb = data.buffer;
      this.#poolOff = data.byteOffset;
    }
    this._beginBatch();
    const meta = this.#meta;
    const errq = io.MSG_ERRQUEUE;
    const trunc = io.MSG_TRUNC;
    const wantItems = this.#messageListeners > 0 || this.#iters.size > 0;
    if (this.#batchListeners > 0) {
      const b = (this.#batch ??= this._makeBatch());
      b._data = data;
      b.count = count;
      try {
        this.emit('batch', b);
      } catch (e) {
        this.#caught(e);
      }
    }
    for (let i = 0; i < count; i++) {
      const flags = meta[i * 4 + 3] as number;
      if ((flags & errq) !== 0) {
        this.#errorRecord(i, meta[i * 4] as number, meta[i * 4 + 1] as number);
        continue;
      }
      if (this.#closed) break;
      const off = meta[i * 4] as number;
      const len = meta[i * 4 + 1] as number;
      if (wantItems) this._decodeRecord(i, data, off, len);
      else {
        this.#stats.received += this._recordCount(i, len);
        if ((flags & trunc) !== 0) this.#stats.truncated++;
      }
    }
    if (this.#threw) {
      const e = this.#thrown;
      this.#threw = false;
      this.#thrown = undefined;
      throw e;
    }
  }

  /** An error-queue record: to 'transportError' listeners; else to 'error' only when that is listened for. */
  #errorRecord(i: number, off: number, len: number): void {
    try {
      if (this.#errorListeners > 0) {
        const te = this._transportError(i, this.#borrow ? Buffer.from(this._view(off, len)) : this._view(off, len));
        if (te) this.emit('transportError', te);
      } else if (this.listenerCount('error') > 0) {
        const err = this._errorRecord(i);
        if (err) this.emit('error', err);
      }
    } catch (e) {
      this.#caught(e);
    }
  }

  #caught(e: unknown): void {
    if (!this.#threw) {
      this.#threw = true;
      this.#thrown = e;
    }
  }

  /**
   * Hand one message to listeners and iterators. Kept small, with the
   * iterator path out of line, so the optimizing compiler inlines the whole
   * per-message path into the batch loop.
   */
  protected _deliver(payload: Buffer, info: I, truncated: boolean): void {
    this.#stats.received++;
    if (truncated) this.#stats.truncated++;
    if (this.#messageListeners > 0) {
      try {
        if (this.#plainEmit) this.#deliverTo(payload, info);
        else this.emit(this.#event, payload, info);
      } catch (e) {
        this.#caught(e);
      }
    }
    if (this.#iters.size > 0) this.#toIterators(payload, info);
  }

  #toIterators(payload: Buffer, info: I): void {
    const item = this._item(this.#borrow ? Buffer.from(payload) : payload, info);
    for (const q of this.#iters) {
      // With a listener receiving goes on, so a full iterator drops; without one it pauses
      // receiving and still takes the rest of the batch already read (at most one batch over).
      if (q.full && this.#listeners > 0) {
        this.#stats.iteratorDropped++;
        continue;
      }
      q.push(item);
      this._retainItem(item);
      if (q.full && this.#listeners === 0 && !this.#paused) {
        this.#paused = true;
        this.#updateReceiving();
      }
    }
  }

  /**
   * What emit(event, payload, info) does for the message event, without its
   * per-call rest-argument array and listener-array clone: the listeners are
   * read again after any was added or removed, and a listener list changed
   * during a call takes effect from the next message, as with emit().
   */
  #deliverTo(payload: Buffer, info: I): void {
    const fns = (this.#fns ??= this.rawListeners(this.#event) as Listener[]);
    if (fns.length === 1) (fns[0] as Listener).call(this, payload, info);
    else for (let k = 0; k < fns.length; k++) (fns[k] as Listener).call(this, payload, info);
  }

  /** Route a receive-side error: to every iterator; 'error' when listened for or when no iterator took it. */
  #fail(err: Error, endIterators = true): void {
    const took = this.#iters.size > 0;
    if (endIterators || took) {
      for (const q of this.#iters) q.fail(err);
      this.#iters.clear();
      this.#paused = false;
      this.#updateReceiving();
    }
    if (this.listenerCount('error') > 0 || !took) {
      try {
        this.emit('error', err);
      } catch (e) {
        this.#caught(e);
      }
    }
  }

  /** @internal Remove an iterator (ended, returned or collected). */
  _dropIterator(q: IterQueue<unknown>): void {
    if (!this.#iters.delete(q as IterQueue<T>)) return;
    this.#resumeIfRoom();
    this.#updateReceiving();
  }

  #resumeIfRoom(): void {
    if (!this.#paused) return;
    for (const q of this.#iters) if (q.size >= q.hwm / 2) return;
    this.#paused = false;
    this.#updateReceiving();
  }

  /**
   * Async iteration: `for await (const m of socket)`. Every iterator sees
   * every message; each buffers up to `highWaterMark` (plus the rest of the
   * batch being delivered). Ends when the socket closes; rejects (and ends)
   * on a receive error.
   */
  [Symbol.asyncIterator](): EngineIterator<T> {
    return this.#iterator(false);
  }

  /** `keep`: the message handed out is the caller's for good (receive()), not released on the next next(). */
  #iterator(keep: boolean): EngineIterator<T> {
    const q = new IterQueue<T>(this.#hwm);
    let last: T | undefined;
    if (!keep)
      q.handOut = (v: T): void => {
        last = v;
      };
    const letGo = (): void => {
      if (last === undefined) return;
      const v = last;
      last = undefined;
      this._releaseItem(v);
    };
    const finish = (): void => {
      q.done = true;
      this._dropIterator(q as IterQueue<unknown>);
    };
    const it: EngineIterator<T> = {
      next: (): Promise<IteratorResult<T>> => {
        letGo();
        if (q.size > 0) {
          const v = q.shift() as T;
          if (!keep) last = v;
          if (this.#paused && q.size < q.hwm / 2) this.#resumeIfRoom();
          return Promise.resolve({ value: v, done: false });
        }
        if (q.error) {
          const e = q.error;
          q.error = undefined;
          return Promise.reject(e);
        }
        if (q.done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => q.waiters.push({ resolve, reject }));
      },
      return: (): Promise<IteratorResult<T>> => {
        letGo();
        for (let i = q.head; i < q.items.length; i++) this._releaseItem(q.items[i] as T);
        q.items = [];
        q.head = 0;
        q.end();
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    if (this.#closed) q.end();
    else {
      this.#iters.add(q);
      abandoned.register(it, { owner: this.#self as WeakRef<EngineSocket<unknown, unknown>>, q: q as IterQueue<unknown> });
      this.#updateReceiving();
    }
    return it;
  }

  /**
   * Wait for one message. `timeout` in ms rejects with ETIMEDOUT; rejects
   * with ERR_SOCKET_CLOSED when the socket closes first.
   */
  async receive(options: { timeout?: number } = {}): Promise<T> {
    rejectUnknownKeys(options, ['timeout'], 'options');
    const timeout = options.timeout === undefined ? undefined : validateInteger(options.timeout, 'options.timeout', 0, 2 ** 31 - 1);
    this._check();
    const it = this.#iterator(true);
    let timer: NodeJS.Timeout | undefined;
    try {
      const next = it.next();
      const r =
        timeout === undefined
          ? await next
          : await Promise.race([
              next,
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(this._receiveError(ETIMEDOUT, 'recvmmsg')), timeout);
              }),
            ]);
      if (r.done) throw socketClosed(this.#name);
      return r.value;
    } finally {
      if (timer) clearTimeout(timer);
      await it.return();
    }
  }

  // ---- sending ------------------------------------------------------------------

  /**
   * The one send decision of both entries ({@link _send}, {@link _sendCb}):
   * the bytes sent now (>= 0); GATHER, -EAGAIN or -ENOBUFS: queue it; else -errno.
   */
  #attempt(data: Uint8Array, addr: Uint8Array | null, ctl: Uint8Array | null): number {
    if (this.#coalesce === 2 || this.#burst || this.#qHead !== this.#qTail) return GATHER;
    const r = native.sendmsgFd(this.#fd, data, addr, ctl);
    if (r >= 0) {
      this.#stats.sent++;
      if (this.#coalesce === 1) {
        this.#burst = true;
        this.#scheduleTick();
      }
    }
    return r;
  }

  /**
   * @internal Send one message: now when possible, else queued (EAGAIN,
   * ENOBUFS, or gathered by coalescing). Resolves with the bytes sent.
   */
  _send(data: Uint8Array, addr: Uint8Array | null, ctl: Uint8Array | null, ctx: SendContext): Promise<number> {
    if (this.#closed) return Promise.reject(socketClosed(this.#name));
    const r = this.#attempt(data, addr, ctl);
    if (r >= 0) return Promise.resolve(r);
    if (r !== GATHER && r !== -EAGAIN && r !== -ENOBUFS) return this.#rejected(this._sendError(-r, 'sendmsg', ctx), ctx);
    if (this.#qTail - this.#qHead >= this.#queueLimit) return this.#rejected(this.#queueFull());
    const p = new Promise<number>(this.#capture); // its resolving functions land in the queue's next slot
    this.#enqueue(data, addr, ctl, p, ctx, r);
    return p;
  }

  /**
   * @internal {@link _send} for callers that take a callback (the dgram
   * drop-in): the same path without a promise. `done(err, bytes)` runs on a
   * later tick (null: nobody wants the result); failures go to `done` only,
   * never to `'error'`.
   */
  _sendCb(data: Uint8Array, addr: Uint8Array | null, ctl: Uint8Array | null, ctx: SendContext, done: SendDone | null): void {
    if (this.#closed) {
      if (done) process.nextTick(done, socketClosed(this.#name), 0);
      return;
    }
    const r = this.#attempt(data, addr, ctl);
    if (r >= 0) {
      if (done) process.nextTick(done, null, r);
    } else if (r !== GATHER && r !== -EAGAIN && r !== -ENOBUFS) {
      if (done) process.nextTick(done, this._sendError(-r, 'sendmsg', ctx), 0);
    } else if (this.#qTail - this.#qHead >= this.#queueLimit) {
      if (done) process.nextTick(done, this.#queueFull(), 0);
    } else {
      this.#qRes[this.#qTail] = done;
      this.#enqueue(data, addr, ctl, undefined, ctx, r);
    }
  }

  /**
   * @internal Send one message only if the kernel takes it now: true when
   * sent, false when it has no room (nothing queued; wait for 'drain').
   */
  _trySend(data: Uint8Array, addr: Uint8Array | null, ctl: Uint8Array | null, ctx: SendContext): boolean {
    this._check();
    if (this.#qHead !== this.#qTail && !this.#writable && this.#backoffTimer === undefined) this.#flush(); // keep order
    if (this.#qHead !== this.#qTail) {
      this.#wantDrain = true;
      return false;
    }
    const r = native.sendmsgFd(this.#fd, data, addr, ctl);
    if (r >= 0) {
      this.#stats.sent++;
      return true;
    }
    if (r === -EAGAIN || r === -ENOBUFS) {
      this.#wantDrain = true;
      if (r === -EAGAIN && !this._backoffOnEagain()) this.#setWritable(true);
      else this.#startBackoff();
      return false;
    }
    throw this._sendError(-r, 'sendmsg', ctx);
  }

  /**
   * @internal Send many messages with sendmmsg. `addrs` / `ctls`: one for
   * all, or arrays parallel to `datas`; `ctxs` likewise for errors.
   * Resolves with the count once the kernel took them all; a failing
   * message rejects (`err.sent` = messages that went before it).
   */
  _sendBatch(
    datas: Uint8Array[],
    addrs: Uint8Array | null | (Uint8Array | null)[],
    ctls: Uint8Array | null | (Uint8Array | null)[],
    ctxs: SendContext | SendContext[],
  ): Promise<number> {
    if (this.#closed) return Promise.reject(socketClosed(this.#name));
    const n = datas.length;
    if (n === 0) return Promise.resolve(0);
    const ctxAt = (i: number): SendContext => (Array.isArray(ctxs) ? ctxs[i] : ctxs);
    let sent = 0;
    let waitFor = 0;
    if (this.#qHead === this.#qTail) {
      while (sent < n) {
        const packed = Array.isArray(addrs) || Array.isArray(ctls) ? 0 : this.#pack(datas, sent, n, null);
        const r =
          packed > 0
            ? this.#handle.sendBatch(this.#stage as Buffer, addrs, ctls, 0, packed, this.#stageLens, this.#gather)
            : this.#handle.sendBatch(datas, addrs, ctls, sent, Math.min(n - sent, MAX_BATCH), null, this.#gather);
        if (r < 0) {
          if (r === -EAGAIN || r === -ENOBUFS) {
            waitFor = -r;
            break;
          }
          const err = this._sendError(-r, 'sendmmsg', ctxAt(sent));
          (err as Error & { sent?: number }).sent = sent;
          return this.#rejected(err, ctxAt(sent));
        }
        sent += r;
        this.#stats.sent += r;
      }
      if (sent === n) return Promise.resolve(n);
    }
    if (this.#qTail - this.#qHead >= this.#queueLimit) {
      const err = this.#queueFull();
      (err as Error & { sent?: number }).sent = sent;
      return this.#rejected(err);
    }
    const p = new Promise<number>(this.#capture);
    const t = this.#qTail;
    const w = new BatchWaiter(n - sent, n, p, this.#qRes[t] as (n: number) => void, this.#qRej[t] as (e: Error) => void);
    this.#qRej[t] = undefined;
    for (let i = sent; i < n; i++) {
      const d = datas[i] as Uint8Array;
      this.#qRes[this.#qTail] = w;
      this.#push(d, Array.isArray(addrs) ? (addrs[i] ?? null) : addrs, Array.isArray(ctls) ? (ctls[i] ?? null) : ctls, undefined, ctxAt(i));
    }
    this.#wait(waitFor || EAGAIN);
    return p;
  }

  #stage: Buffer | undefined;
  #stageLens: Uint32Array | undefined;

  /**
   * Copy the small payloads from `datas[from]` on into the staging buffer,
   * back to back, so native sends them with one read instead of two per
   * message. → how many were copied (0: send `datas` as they are). Empty
   * (or detached) payloads are never copied: native reports those. With
   * `accepted` (the queue's lengths), a payload whose length changed since
   * send() took it ends the run too: the detach check costs no second pass.
   */
  #pack(datas: readonly Uint8Array[], from: number, to: number, accepted: readonly number[] | null): number {
    const stage = (this.#stage ??= Buffer.allocUnsafe(STAGE_BYTES));
    const lens = (this.#stageLens ??= new Uint32Array(MAX_BATCH));
    const end = Math.min(to, from + MAX_BATCH);
    let off = 0;
    let k = 0;
    for (let i = from; i < end; i++, k++) {
      const d = datas[i] as Uint8Array;
      const len = byteLengthOf(d);
      if (len === 0 || len > PACK_MAX || off + len > STAGE_BYTES || (accepted !== null && len !== accepted[i])) break;
      stage.set(d, off);
      lens[k] = len;
      off += len;
    }
    return k;
  }

  #queueFull(): Error {
    return new SocketError(ENOBUFS, 'send', {
      hint: `the send queue is full (sendQueueLimit ${this.#queueLimit}); await send() or wait for 'drain'`,
    });
  }

  /** A send that waits in the queue: gathered by coalescing (`why` GATHER), or after -EAGAIN / -ENOBUFS. */
  #enqueue(data: Uint8Array, addr: Uint8Array | null, ctl: Uint8Array | null, p: Promise<number> | undefined, ctx: SendContext, why: number): void {
    this.#push(data, addr, ctl, p, ctx);
    if (why === GATHER) {
      if (this.#writable || this.#backoffTimer !== undefined) return; // waiting for room anyway
      if (this.#qTail - this.#qHead >= MAX_BATCH) this.#flush();
      else this.#scheduleTick();
    } else this.#wait(-why);
  }

  /**
   * One executor for every queued promise (no closure per send): it leaves the resolving functions in the
   * queue slot the send is about to take, in arrays young enough to need no write barrier (#resetQueue).
   */
  #capture = (res: (n: number) => void, rej: (e: Error) => void): void => {
    const t = this.#qTail;
    this.#qRes[t] = res;
    this.#qRej[t] = rej;
  };

  /** Queue one message; its settle entry (#qRes, and #qRej for a promise) is already in the slot it takes. */
  #push(data: Uint8Array, addr: Uint8Array | null, ctl: Uint8Array | null, p: Promise<number> | undefined, ctx: SendContext): void {
    const t = this.#qTail++;
    this.#qData[t] = data;
    const n = byteLengthOf(data);
    this.#qLen[t] = n;
    this.#qBytes += n;
    this.#qAddr[t] = addr;
    this.#qCtl[t] = ctl;
    this.#qProm[t] = p;
    this.#qCtx[t] = ctx;
  }

  /** Settle queued message i (still in the queue arrays) as sent or failed. */
  #settle(i: number, err: Error | null): void {
    const s = this.#qRes[i] as Settle;
    if (s === null) return;
    if (typeof s === 'function') {
      const rej = this.#qRej[i];
      if (rej === undefined) process.nextTick(s as SendDone, err, err ? 0 : (this.#qLen[i] as number));
      else if (err) this.#reject(this.#qProm[i] as Promise<number>, rej, err, this.#qCtx[i]);
      else (s as (n: number) => void)(this.#qLen[i] as number);
      return;
    }
    if (s.failed) return;
    if (err) {
      s.failed = true;
      (err as Error & { sent?: number }).sent = s.total - s.remaining;
      this.#reject(s.p, s.rej, err, this.#qCtx[i]);
    } else if (--s.remaining === 0) s.res(s.total);
  }

  /** A rejected send promise, routed to 'error' when listened for. */
  #rejected(err: Error, ctx?: SendContext): Promise<number> {
    const p = Promise.reject(err);
    if (err instanceof SocketError && this.listenerCount('error') > 0 && this._mayRoute(ctx)) {
      p.catch(noop);
      queueMicrotask(() => this.emit('error', err));
    }
    return p;
  }

  #reject(p: Promise<number>, rej: (e: Error) => void, err: Error, ctx: SendContext): void {
    if (err instanceof SocketError && this.listenerCount('error') > 0 && this._mayRoute(ctx)) {
      p.catch(noop);
      rej(err);
      queueMicrotask(() => this.emit('error', err));
    } else rej(err);
  }

  /** The kernel refused for now: EAGAIN → poll POLLOUT; ENOBUFS → retry after a back-off. */
  #wait(why: number): void {
    if (why === ENOBUFS || this._backoffOnEagain()) {
      this.#wantDrain = true; // 'drain' once the back-off emptied the queue, as after POLLOUT
      this.#setWritable(false);
      this.#startBackoff();
    } else if (this.#backoffTimer === undefined) this.#setWritable(true);
  }

  #startBackoff(): void {
    if (this.#backoffTimer !== undefined || this.#closed) return;
    this.#backoff = Math.min(BACKOFF_MAX_MS, this.#backoff === 0 ? BACKOFF_MIN_MS : this.#backoff * 2);
    this.#backoffTimer = setTimeout(this.#retry, this.#backoff);
    if (!this.#handle.hasRef()) this.#backoffTimer.unref();
  }

  #retry = (): void => {
    this.#backoffTimer = undefined;
    if (this.#closed) return;
    this.#flush();
    if (this.#wantDrain && this.#qHead === this.#qTail && this.#backoffTimer === undefined && !this.#writable) {
      this.#wantDrain = false;
      this.emit('drain');
    }
  };

  #setWritable(on: boolean): void {
    if (this.#writable === on || this.#closed) return;
    this.#writable = on;
    this.#handle.setWritable(on);
  }

  #scheduleTick(): void {
    if (this.#tickScheduled) return;
    this.#tickScheduled = true;
    queueMicrotask(this.#tick);
  }

  /** End of a tick: what send() gathered goes out (one sendmmsg per 1024). */
  #tick = (): void => {
    this.#tickScheduled = false;
    this.#burst = false;
    if (!this.#writable && this.#backoffTimer === undefined && this.#qHead < this.#qTail && !this.#closed) this.#flush();
  };

  /** Drop buffers detached after they were accepted: they reject instead of leaving as 0 bytes. */
  #checkDetached(head: number, count: number): number {
    for (let i = head; i < head + count; i++) {
      if (byteLengthOf(this.#qData[i] as Uint8Array) !== this.#qLen[i]) return i - head;
    }
    return count;
  }

  #flush(): void {
    while (this.#qHead < this.#qTail && !this.#closed) {
      const head = this.#qHead;
      let count = Math.min(this.#qTail - head, this.#flushBatch);
      // One destination (and control block) for the whole window, the usual case, goes to native as one
      // value instead of an array: two N-API reads per message instead of six; small payloads packed, none.
      const addr = uniform(this.#qAddr, head, count);
      const ctl = uniform(this.#qCtl, head, count);
      const packed = Array.isArray(addr) || Array.isArray(ctl) ? 0 : this.#pack(this.#qData, head, head + count, this.#qLen);
      if (packed > 0) count = packed;
      else {
        const intact = this.#checkDetached(head, count);
        if (intact === 0) {
          this.#settle(head, new SockitStateError('ERR_INVALID_STATE', 'the buffer passed to send() was detached (or resized) before it was sent'));
          this.#release(1);
          continue;
        }
        count = intact; // the window's addr / ctl arrays still line up: native reads them from `head`
      }
      const r =
        packed > 0
          ? this.#handle.sendBatch(this.#stage as Buffer, addr, ctl, 0, packed, this.#stageLens, this.#gather)
          : this.#handle.sendBatch(this.#qData, addr, ctl, head, count, null, this.#gather);
      if (r === -EAGAIN || r === -ENOBUFS) {
        this.#flushBatch = 16;
        this.#wait(-r);
        return;
      }
      if (r < 0) {
        this.#settle(head, this._sendError(-r, 'sendmsg', this.#qCtx[head]));
        this.#release(1);
        continue;
      }
      this.#backoff = 0;
      if (r === count) this.#flushBatch = Math.min(this.#flushBatch * 2, MAX_BATCH);
      else if (r > 0) this.#flushBatch = Math.max(16, r * 2);
      this.#stats.sent += r;
      for (let i = head; i < head + r; i++) this.#settle(i, null);
      this.#release(r);
    }
    if (this.#qHead === this.#qTail && !this.#closed) {
      this.#resetQueue();
      const waited = this.#writable || this.#wantDrain;
      this.#setWritable(false);
      this.#wantDrain = false;
      if (waited) this.emit('drain');
    }
  }

  #resetQueue(): void {
    const t = this.#qTail;
    if (t > 0) {
      // Fresh arrays sized for a burst like this one: clearing kept arrays costs a pass, and storing a new
      // promise into an array that has grown old costs a write barrier per store; growing from [] costs copies.
      const cap = t > QUEUE_KEEP ? 0 : t < 16 ? 16 : t;
      this.#qData = new Array(cap);
      this.#qLen = new Array(cap);
      this.#qAddr = new Array(cap);
      this.#qCtl = new Array(cap);
      this.#qRes = new Array(cap);
      this.#qRej = new Array(cap);
      this.#qProm = new Array(cap);
      this.#qCtx = new Array(cap);
    }
    this.#qHead = 0;
    this.#qTail = 0;
    this.#qBytes = 0;
  }

  #release(n: number): void {
    const end = this.#qHead + n;
    if (end === this.#qTail) {
      this.#resetQueue(); // the usual case, all of it went: drop the arrays instead of clearing each entry
      return;
    }
    for (let i = this.#qHead; i < end; i++) {
      this.#qBytes -= this.#qLen[i] as number;
      (this.#qData as unknown[])[i] = undefined;
      (this.#qAddr as unknown[])[i] = undefined;
      (this.#qCtl as unknown[])[i] = undefined;
      (this.#qRes as unknown[])[i] = undefined;
      this.#qRej[i] = undefined;
      this.#qProm[i] = undefined;
      this.#qCtx[i] = undefined;
    }
    this.#qHead = end;
    if (this.#qHead > 65536 && this.#qHead * 2 > this.#qTail) {
      const h = this.#qHead;
      const t = this.#qTail;
      this.#qData = this.#qData.slice(h, t);
      this.#qLen = this.#qLen.slice(h, t);
      this.#qAddr = this.#qAddr.slice(h, t);
      this.#qCtl = this.#qCtl.slice(h, t);
      this.#qRes = this.#qRes.slice(h, t);
      this.#qRej = this.#qRej.slice(h, t);
      this.#qProm = this.#qProm.slice(h, t);
      this.#qCtx = this.#qCtx.slice(h, t);
      this.#qHead = 0;
      this.#qTail = t - h;
    }
  }

  // ---- events from the native handle -----------------------------------------------

  /** @internal Engine callback: writable / error / close. */
  _onEvent(type: number, errno: number, syscall: number): void {
    if (type === io.EV_WRITABLE) {
      this.#flush();
      if (this.#wantDrain && this.#qHead === this.#qTail) {
        this.#wantDrain = false;
        this.#setWritable(false);
        this.emit('drain');
      }
    } else if (type === io.EV_ERROR) {
      const name = syscall === io.SYS_RECV ? 'recvmmsg' : syscall === io.SYS_SO_ERROR ? 'SO_ERROR' : syscall === io.SYS_ALLOC ? 'malloc' : 'poll';
      this.#fail(this._receiveError(-errno, name));
      if (this.#threw) {
        const e = this.#thrown;
        this.#threw = false;
        this.#thrown = undefined;
        throw e;
      }
    } else if (type === io.EV_END) {
      // The peer is gone (seqpacket): iterators end, receiving stays off, 'end' once.
      this.#ready = false;
      for (const q of this.#iters) q.end();
      this.#iters.clear();
      this.#updateReceiving();
      this.emit('end');
    } else if (type === io.EV_CLOSE) {
      this.#finishClose();
    }
  }

  #finishClose(): void {
    const err = socketClosed(this.#name);
    for (let i = this.#qHead; i < this.#qTail; i++) this.#settle(i, err);
    this.#resetQueue();
    this.#onClosed?.();
    this.emit('close');
  }

  // ---- lifecycle ------------------------------------------------------------------

  /** Keep the event loop alive while this socket polls (default). */
  ref(): this {
    this.#handle.ref();
    this.#backoffTimer?.ref();
    return this;
  }
  /** Let the process exit even while this socket polls. */
  unref(): this {
    this.#handle.unref();
    this.#backoffTimer?.unref();
    return this;
  }
  /** Whether this socket keeps the event loop alive while it polls. */
  hasRef(): boolean {
    return this.#handle.hasRef();
  }

  /**
   * Close: what was gathered this tick still goes out (as far as the kernel
   * takes it now), queued sends reject with ERR_SOCKET_CLOSED, iterators end,
   * the descriptor is closed (off the event loop thread), then `'close'`.
   * Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    if (this.#coalesce !== 0 && !this.#writable && this.#backoffTimer === undefined && this.#qHead < this.#qTail) this.#flush();
    try {
      this._beforeClose();
    } catch {
      /* best effort: the kernel undoes memberships on close anyway */
    }
    try {
      this.#lastDropped = this._kernelDropped(); // the last live count, while the descriptor is still ours
    } catch {
      /* keep the last value */
    }
    this.#closed = true;
    if (this.#backoffTimer !== undefined) {
      clearTimeout(this.#backoffTimer);
      this.#backoffTimer = undefined;
    }
    for (const q of this.#iters) q.end();
    this.#iters.clear();
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

/** `arr[head]` when every entry of the window is that same value, else the array itself. */
/** Queue arrays up to this many entries are kept (cleared) between bursts; longer ones are dropped. */
const QUEUE_KEEP = 4096;

function uniform(arr: (Uint8Array | null)[], head: number, count: number): Uint8Array | null | (Uint8Array | null)[] {
  const first = arr[head] as Uint8Array | null;
  for (let i = head + 1; i < head + count; i++) if (arr[i] !== first) return arr;
  return first;
}

/** @internal `check()` for engine users that build native arguments. */
export { check };
