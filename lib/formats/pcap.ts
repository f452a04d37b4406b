/**
 * pcap files (the classic libpcap format, as written by tcpdump and read by
 * Wireshark): a streaming writer and a streaming reader, microsecond and
 * nanosecond timestamp variants, either byte order on read.
 *
 * @example
 * const w = await PcapWriter.create('out.pcap', { precision: 'nanosecond' });
 * socket.on('frame', (frame, info) => w.write(frame, { timestamp: info.timestamp, originalLength: info.length }));
 * await w.close();
 * for await (const { data, timestamp } of readPcapFile('out.pcap')) console.log(timestamp, data.length);
 * @module
 */
import * as fs from 'node:fs';
import { EventEmitter, once } from 'node:events';
import { finished, type Writable } from 'node:stream';
import { invalidArgType, invalidArgValue, validateInteger } from '../core/errors';
import { FrameParseError } from './frames/errors';

/** LINKTYPE_ETHERNET: frames start with the Ethernet header. */
export const LINKTYPE_ETHERNET = 1;
/** Magic of microsecond-resolution files. */
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
/** Magic of nanosecond-resolution files. */
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;

/** Timestamp resolution of a pcap file. */
export type PcapPrecision = 'microsecond' | 'nanosecond';

/** Options of a written file. */
export interface PcapWriterOptions {
  /** Timestamp resolution (default 'microsecond', what every tool reads). */
  precision?: PcapPrecision;
  /** Largest record length (default 262144, as tcpdump). Longer frames are cut, keeping their original length. */
  snaplen?: number;
  /** LINKTYPE_* (default {@link LINKTYPE_ETHERNET}). */
  linkType?: number;
  /**
   * 'pcap' (classic libpcap) or 'pcapng' (section header, interface description
   * with `if_tsresol` and `if_name`, enhanced packet blocks with comments).
   * Default: 'pcapng' when `create()`'s path ends in .pcapng, else 'pcap'.
   */
  format?: PcapFormat;
  /** pcapng: the interface name recorded in the interface description block. */
  interfaceName?: string;
}

/** The two capture file formats. */
export type PcapFormat = 'pcap' | 'pcapng';

/** The file header. */
export interface PcapHeader {
  /** Timestamp resolution, from the magic number. */
  precision: PcapPrecision;
  /** File format major version, as read (2 in current files). */
  versionMajor: number;
  /** File format minor version, as read (4 in current files). */
  versionMinor: number;
  /** Largest record length the file holds, in bytes. */
  snaplen: number;
  /** LINKTYPE_* of the records ({@link LINKTYPE_ETHERNET} = 1), FCS bits masked off. */
  linkType: number;
  /** Byte order the file was written in. */
  littleEndian: boolean;
  /** 'pcap' or 'pcapng' (for pcapng: versions of the section, link type, snaplen and resolution of the first interface). */
  format?: PcapFormat;
}

/** One captured frame. */
export interface PcapRecord {
  /** Capture time, nanoseconds since the Unix epoch. */
  timestamp: bigint;
  /** The captured bytes (at most snaplen). */
  data: Buffer;
  /** The frame's length on the wire (>= data.length). */
  originalLength: number;
  /** pcapng: index of the interface description block it refers to. */
  interfaceIndex?: number;
  /** pcapng: that interface's name (`if_name`), when recorded. */
  interfaceName?: string;
  /** pcapng: the packet's comment (`opt_comment`), when recorded. */
  comment?: string;
}

/** Nanoseconds since the epoch, now. */
export function nowNanoseconds(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((ms % 1) * 1e6));
}

function formatOf(f: unknown): PcapFormat {
  if (f === undefined) return 'pcap';
  if (f !== 'pcap' && f !== 'pcapng') throw invalidArgValue('format', f, "must be 'pcap' or 'pcapng'");
  return f;
}

function precisionOf(p: unknown): PcapPrecision {
  if (p === undefined) return 'microsecond';
  if (p !== 'microsecond' && p !== 'nanosecond') throw invalidArgValue('precision', p, "must be 'microsecond' or 'nanosecond'");
  return p;
}

/** The 24-byte file header (little-endian). */
export function encodePcapHeader(options: PcapWriterOptions = {}): Buffer {
  const precision = precisionOf(options.precision);
  const b = Buffer.alloc(24);
  b.writeUInt32LE(precision === 'nanosecond' ? PCAP_MAGIC_NANOSECONDS : PCAP_MAGIC_MICROSECONDS, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(validateInteger(options.snaplen ?? 262144, 'snaplen', 1, 0x7fffffff), 16);
  b.writeUInt32LE(validateInteger(options.linkType ?? LINKTYPE_ETHERNET, 'linkType', 0, 0xffffffff), 20);
  return b;
}

/** A 16-byte record header followed by the (snaplen-cut) data. */
export function encodePcapRecord(data: Uint8Array, timestamp: bigint, originalLength: number, precision: PcapPrecision, snaplen: number): Buffer[] {
  const cap = Math.min(data.length, snaplen);
  const h = Buffer.alloc(16);
  const sec = timestamp / 1_000_000_000n;
  const frac = timestamp % 1_000_000_000n;
  h.writeUInt32LE(Number(sec & 0xffffffffn), 0);
  h.writeUInt32LE(Number(precision === 'nanosecond' ? frac : frac / 1000n), 4);
  h.writeUInt32LE(cap, 8);
  h.writeUInt32LE(originalLength, 12);
  const d = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return [h, d.subarray(0, cap)];
}

/** Magic (block type) of a pcapng section header block. */
export const PCAPNG_MAGIC = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER = 0x1a2b3c4d;

function pcapngOption(code: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const b = Buffer.alloc(4 + value.length + pad);
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  value.copy(b, 4);
  return b;
}

function pcapngBlock(type: number, body: Buffer[]): Buffer {
  const len = 12 + body.reduce((n, x) => n + x.length, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(len, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(len, 0);
  return Buffer.concat([head, ...body, tail]);
}

const END_OF_OPTIONS = Buffer.alloc(4);

/** A pcapng section header block and one interface description block (little-endian). */
export function encodePcapngHeader(options: PcapWriterOptions = {}): Buffer {
  const precision = precisionOf(options.precision);
  const snaplen = validateInteger(options.snaplen ?? 262144, 'snaplen', 1, 0x7fffffff);
  const linkType = validateInteger(options.linkType ?? LINKTYPE_ETHERNET, 'linkType', 0, 0xffff);
  if (options.interfaceName !== undefined && typeof options.interfaceName !== 'string') throw invalidArgType('interfaceName', 'of type string', options.interfaceName);
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(PCAPNG_BYTE_ORDER, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeUInt16LE(0, 6);
  shb.writeBigInt64LE(-1n, 8); // section length not given
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(linkType, 0);
  idb.writeUInt32LE(snaplen, 4);
  return Buffer.concat([
    pcapngBlock(PCAPNG_MAGIC, [shb, pcapngOption(4, Buffer.from('sockit')), END_OF_OPTIONS]),
    pcapngBlock(1, [idb, ...(options.interfaceName ? [pcapngOption(2, Buffer.from(options.interfaceName))] : []), pcapngOption(9, Buffer.from([precision === 'nanosecond' ? 9 : 6])), END_OF_OPTIONS]),
  ]);
}

/** One pcapng enhanced packet block for interface 0 (snaplen-cut, optional comment). */
export function encodePcapngRecord(data: Uint8Array, timestamp: bigint, originalLength: number, precision: PcapPrecision, snaplen: number, comment?: string): Buffer {
  const cap = Math.min(data.length, snaplen);
  const h = Buffer.alloc(20);
  const units = precision === 'nanosecond' ? timestamp : timestamp / 1000n;
  h.writeUInt32LE(0, 0);
  h.writeUInt32LE(Number((units >> 32n) & 0xffffffffn), 4);
  h.writeUInt32LE(Number(units & 0xffffffffn), 8);
  h.writeUInt32LE(cap, 12);
  h.writeUInt32LE(originalLength, 16);
  const d = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const pad = Buffer.alloc((4 - (cap % 4)) % 4);
  const opts = comment !== undefined ? [pcapngOption(1, Buffer.from(comment)), END_OF_OPTIONS] : [];
  return pcapngBlock(6, [h, d.subarray(0, cap), pad, ...opts]);
}

/** Per-record options for {@link PcapWriter.write}. */
export interface PcapWriteOptions {
  /** Nanoseconds since the epoch (default: now). PacketSocket's `info.timestamp` fits directly. */
  timestamp?: bigint;
  /** Length on the wire when `data` is already cut (default data.length). */
  originalLength?: number;
  /** pcapng: a comment stored with the packet (throws for classic pcap, which has no room for one). */
  comment?: string;
}

/**
 * Streams frames into a pcap file (or any Writable). The header is written
 * immediately; `write()` returns false when the stream wants you to wait for
 * 'drain' (or `await writer.drained()`), like `Writable.write`.
 *
 * Nothing is lost silently: the first error of the stream (ENOSPC, EIO, a
 * closed pipe) rejects {@link drained} and {@link close}, makes later
 * {@link write} calls throw it, and is emitted as `'error'` only when someone
 * listens (so an unobserved failure never crashes the process). {@link count}
 * counts the records the stream reported written.
 */
export class PcapWriter extends EventEmitter {
  /** Timestamp resolution of the file. */
  readonly precision: PcapPrecision;
  /** Largest record length; longer frames are cut. */
  readonly snaplen: number;
  /** LINKTYPE_* written in the header. */
  readonly linkType: number;
  /** 'pcap' or 'pcapng'. */
  readonly format: PcapFormat;
  #out: Writable;
  #closed = false;
  #closing: Promise<void> | undefined;
  #error: Error | undefined;
  #failed: Promise<never>;
  #fail!: (e: Error) => void;
  #written = 0;
  #queued = 0;
  #offset = 0;
  // End offsets of records not yet confirmed, to count whole records when a batched write fails part-way.
  #ends: number[] = [];
  #endsHead = 0;

  constructor(out: Writable, options: PcapWriterOptions = {}) {
    super();
    if (!out || typeof (out as Writable).write !== 'function' || typeof (out as Writable).on !== 'function') throw invalidArgType('out', 'a Writable stream', out);
    const format = formatOf(options.format);
    const header = format === 'pcapng' ? encodePcapngHeader(options) : encodePcapHeader(options);
    this.format = format;
    this.precision = precisionOf(options.precision);
    this.snaplen = validateInteger(options.snaplen ?? 262144, 'snaplen', 1, 0x7fffffff);
    this.linkType = options.linkType ?? LINKTYPE_ETHERNET;
    this.#out = out;
    this.#failed = new Promise<never>((_, reject) => (this.#fail = reject));
    // Observed through close()/drained(); never an unhandled rejection by itself.
    this.#failed.catch(() => undefined);
    out.on('error', (e: Error) => this.#onError(e));
    this.#offset = header.length;
    out.write(header, (e) => e && this.#onError(e));
  }

  /**
   * Create (truncate) a file and write its header. Options are validated and
   * the file opened before this resolves, so a bad option leaves an existing
   * file untouched and ENOENT/EACCES/EISDIR reject here.
   */
  static async create(path: string, options: PcapWriterOptions = {}): Promise<PcapWriter> {
    if (typeof path !== 'string') throw invalidArgType('path', 'of type string', path);
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options);
    const opts: PcapWriterOptions = { ...options, format: options.format ?? (/\.pcapng$/i.test(path) ? 'pcapng' : 'pcap') };
    // Validate everything before the file is touched.
    if (formatOf(opts.format) === 'pcapng') encodePcapngHeader(opts);
    else encodePcapHeader(opts);
    const handle = await fs.promises.open(path, 'w');
    return new PcapWriter(handle.createWriteStream(), opts);
  }

  /**
   * Records that reached the stream's destination (not merely queued). After
   * a failed batched file write, the whole records inside the bytes the file
   * stream reports written are counted too.
   */
  get count(): number {
    const done = (this.#out as { bytesWritten?: unknown }).bytesWritten;
    if (!this.#error || typeof done !== 'number') return this.#written;
    let n = this.#written;
    for (let i = this.#endsHead; i < this.#ends.length && (this.#ends[i] as number) <= done; i++) n++;
    return n;
  }

  /** Records handed to {@link write} and not yet reported written. */
  get pending(): number {
    return this.#queued - this.#written;
  }

  /** The first error of the underlying stream, if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  #onError(e: Error): void {
    if (this.#error) return;
    this.#error = e;
    this.#fail(e);
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }

  /** Append one frame. Throws the stream's error once it has failed. */
  write(frame: Uint8Array, options: PcapWriteOptions = {}): boolean {
    if (this.#error) throw this.#error;
    if (this.#closed) throw invalidArgValue('writer', 'closed', 'is closed');
    if (!(frame instanceof Uint8Array)) throw invalidArgType('frame', 'a Buffer or Uint8Array', frame);
    const ts = options.timestamp ?? nowNanoseconds();
    if (typeof ts !== 'bigint' || ts < 0n) throw invalidArgType('timestamp', 'a non-negative bigint (ns)', ts);
    const orig = options.originalLength === undefined ? frame.length : validateInteger(options.originalLength, 'originalLength', frame.length, 0xffffffff);
    // One buffer per record (a copy: the caller may reuse its buffer, as PacketSocket's slabs are).
    if (options.comment !== undefined && (typeof options.comment !== 'string' || this.format !== 'pcapng')) throw invalidArgValue('comment', options.comment, 'needs a string and the pcapng format');
    const record = this.format === 'pcapng' ? encodePcapngRecord(frame, ts, orig, this.precision, this.snaplen, options.comment) : Buffer.concat(encodePcapRecord(frame, ts, orig, this.precision, this.snaplen));
    this.#queued++;
    this.#offset += record.length;
    this.#ends.push(this.#offset);
    return this.#out.write(record, (e) => {
      if (e) return this.#onError(e);
      this.#written++;
      if (++this.#endsHead > 1024 && this.#endsHead * 2 > this.#ends.length) {
        this.#ends = this.#ends.slice(this.#endsHead);
        this.#endsHead = 0;
      }
    });
  }

  /** Resolves once the stream drained (immediately when it does not need to); rejects with the stream's error. */
  async drained(): Promise<void> {
    if (this.#error) throw this.#error;
    if (!this.#out.writableNeedDrain) return;
    const drain = once(this.#out, 'drain').then(() => undefined);
    drain.catch(() => undefined);
    await Promise.race([drain, this.#failed]);
  }

  /**
   * End the stream and wait until everything is flushed (idempotent).
   * Rejects with the first error of the stream: a full disk never looks like success.
   */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      this.#closing = new Promise<void>((resolve, reject) => {
        const settle = (): void => (this.#error ? reject(this.#error) : resolve());
        if (this.#error || this.#out.destroyed) return void setImmediate(settle);
        finished(this.#out, { readable: false }, (e) => {
          if (e && (e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') this.#onError(e);
          settle();
        });
        this.#out.end();
      });
    }
    return this.#closing;
  }
}

function pcapError(offset: number, message: string): FrameParseError {
  return new FrameParseError('ERR_FRAME_MALFORMED', 'pcap', offset, message);
}

/** Decode the 24-byte file header. Throws {@link FrameParseError} when it is not a classic pcap header. */
export function decodePcapHeader(b: Uint8Array): PcapHeader {
  if (b.length < 24) throw new FrameParseError('ERR_FRAME_TRUNCATED', 'pcap', 0, `a pcap header is 24 bytes, got ${b.length}`);
  const v = Buffer.from(b.buffer, b.byteOffset, 24);
  const le = v.readUInt32LE(0);
  const be = v.readUInt32BE(0);
  let littleEndian: boolean;
  let precision: PcapPrecision;
  if (le === PCAP_MAGIC_MICROSECONDS || le === PCAP_MAGIC_NANOSECONDS) {
    littleEndian = true;
    precision = le === PCAP_MAGIC_NANOSECONDS ? 'nanosecond' : 'microsecond';
  } else if (be === PCAP_MAGIC_MICROSECONDS || be === PCAP_MAGIC_NANOSECONDS) {
    littleEndian = false;
    precision = be === PCAP_MAGIC_NANOSECONDS ? 'nanosecond' : 'microsecond';
  } else if (le === PCAPNG_MAGIC) {
    throw new FrameParseError('ERR_FRAME_UNSUPPORTED', 'pcap', 0, 'this is a pcapng file: read it with PcapParser, readPcap or readPcapFile, which detect the format');
  } else {
    throw pcapError(0, `bad magic 0x${le.toString(16)}: not a pcap file`);
  }
  const u16 = (o: number): number => (littleEndian ? v.readUInt16LE(o) : v.readUInt16BE(o));
  const u32 = (o: number): number => (littleEndian ? v.readUInt32LE(o) : v.readUInt32BE(o));
  return { precision, versionMajor: u16(4), versionMinor: u16(6), snaplen: u32(16), linkType: u32(20) & 0x0fffffff, littleEndian, format: 'pcap' };
}

/**
 * Largest record {@link PcapParser} accepts by default (256 MiB): a caplen
 * above it is reported as a corrupt file rather than buffered. The parser
 * holds at most one record plus one chunk in memory and copies each byte at
 * most twice, so its time is linear in the input whatever the chunking.
 */
export const PCAP_MAX_RECORD_LENGTH = 256 * 1024 * 1024;

/** What the parser remembers of the current pcapng section. */
type PcapngState = { le: boolean; interfaces: Array<{ linkType: number; snaplen: number; units: bigint; name?: string }> };

/** Options of {@link PcapParser}. */
export interface PcapParserOptions {
  /** Largest record length accepted, in bytes (default {@link PCAP_MAX_RECORD_LENGTH}). */
  maxRecordLength?: number;
}

/**
 * Incremental capture decoder: feed chunks with {@link push}, get records
 * back. Reads classic pcap (either byte order, micro- or nanoseconds) and
 * pcapng (detected by the magic: section headers, interface descriptions with
 * `if_tsresol` and `if_name`, enhanced and simple packet blocks with
 * comments). Works for files, pipes and sockets alike. Chunks are queued,
 * never re-concatenated: a record is assembled once, when all its bytes are there.
 */
export class PcapParser {
  /** The file header, once its 24 bytes have arrived. */
  header: PcapHeader | undefined;
  readonly #max: number;
  #chunks: Buffer[] = [];
  #queued = 0;
  #offset = 0;

  constructor(options: PcapParserOptions = {}) {
    this.#max = validateInteger(options.maxRecordLength ?? PCAP_MAX_RECORD_LENGTH, 'maxRecordLength', 0, 0xffffffff);
  }

  /** The first `n` queued bytes (a view when they lie in one chunk); undefined when fewer are queued. */
  #peek(n: number): Buffer | undefined {
    if (this.#queued < n) return undefined;
    const first = this.#chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    const parts: Buffer[] = [];
    let got = 0;
    for (const c of this.#chunks) {
      parts.push(c.subarray(0, Math.min(c.length, n - got)));
      got += (parts[parts.length - 1] as Buffer).length;
      if (got >= n) break;
    }
    return Buffer.concat(parts, n);
  }

  /** Remove `n` queued bytes (n <= queued); returns them, copied when they spanned chunks. */
  #take(n: number): { bytes: Buffer; copied: boolean } {
    const first = this.#chunks[0] as Buffer;
    let out: { bytes: Buffer; copied: boolean };
    if (first.length >= n) {
      out = { bytes: first.subarray(0, n), copied: false };
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      const parts: Buffer[] = [];
      let got = 0;
      while (got < n) {
        const c = this.#chunks[0] as Buffer;
        const want = n - got;
        if (c.length <= want) {
          parts.push(c);
          this.#chunks.shift();
          got += c.length;
        } else {
          parts.push(c.subarray(0, want));
          this.#chunks[0] = c.subarray(want);
          got = n;
        }
      }
      out = { bytes: Buffer.concat(parts, n), copied: true };
    }
    this.#queued -= n;
    this.#offset += n;
    return out;
  }

  /** Feed bytes; returns the records completed by them. */
  push(chunk: Uint8Array): PcapRecord[] {
    if (!(chunk instanceof Uint8Array)) throw invalidArgType('chunk', 'a Buffer or Uint8Array', chunk);
    const out: PcapRecord[] = [];
    if (chunk.byteLength) {
      this.#chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.#queued += chunk.byteLength;
    }
    if (!this.header && !this.#ng) {
      const magic = this.#peek(4);
      if (magic && magic.readUInt32LE(0) === PCAPNG_MAGIC) this.#ng = { le: true, interfaces: [] };
    }
    if (this.#ng) return this.#pushPcapng(out);
    if (!this.header) {
      const head = this.#peek(24);
      if (!head) return out;
      this.header = decodePcapHeader(head);
      this.#take(24);
    }
    const h = this.header;
    const ns = h.precision === 'nanosecond';
    for (;;) {
      const rh = this.#peek(16);
      if (!rh) break;
      const u32 = (o: number): number => (h.littleEndian ? rh.readUInt32LE(o) : rh.readUInt32BE(o));
      const cap = u32(8);
      if (cap > this.#max) throw pcapError(this.#offset + 8, `record length ${cap} is above the ${this.#max}-byte limit (corrupt file?)`);
      if (this.#queued < 16 + cap) break;
      const frac = BigInt(u32(4));
      const timestamp = BigInt(u32(0)) * 1_000_000_000n + (ns ? frac : frac * 1000n);
      const originalLength = u32(12);
      this.#take(16);
      const { bytes, copied } = this.#take(cap);
      // Copy out of the caller's chunk so records stay valid after it reuses its buffers.
      out.push({ timestamp, data: copied ? bytes : Buffer.from(bytes), originalLength });
    }
    return out;
  }

  #ng: PcapngState | undefined;

  #pushPcapng(out: PcapRecord[]): PcapRecord[] {
    const ng = this.#ng as PcapngState;
    const L = 'pcapng';
    for (;;) {
      const head = this.#peek(12);
      if (!head) break;
      const type = head.readUInt32LE(0);
      if (type === PCAPNG_MAGIC) {
        if (head.readUInt32LE(8) === PCAPNG_BYTE_ORDER) ng.le = true;
        else if (head.readUInt32BE(8) === PCAPNG_BYTE_ORDER) ng.le = false;
        else throw pcapError(this.#offset + 8, 'pcapng section header with a bad byte-order magic');
        ng.interfaces = [];
      }
      const u32 = (b: Buffer, o: number): number => (ng.le ? b.readUInt32LE(o) : b.readUInt32BE(o));
      const u16 = (b: Buffer, o: number): number => (ng.le ? b.readUInt16LE(o) : b.readUInt16BE(o));
      const btype = u32(head, 0);
      const len = u32(head, 4);
      if (len < 12 || len % 4 !== 0) throw pcapError(this.#offset + 4, `pcapng block length ${len} is not a multiple of 4 of at least 12`);
      if (len > this.#max + 1024) throw pcapError(this.#offset + 4, `pcapng block length ${len} is above the ${this.#max}-byte record limit (corrupt file?)`);
      if (this.#queued < len) break;
      const at = this.#offset;
      const { bytes: block } = this.#take(len);
      if (u32(block, len - 4) !== len) throw pcapError(at + len - 4, 'pcapng block trailer length differs from its header');
      const options = (from: number): Map<number, Buffer> => {
        const m = new Map<number, Buffer>();
        let o = from;
        while (o + 4 <= len - 4) {
          const code = u16(block, o);
          const olen = u16(block, o + 2);
          if (code === 0) break;
          if (o + 4 + olen > len - 4) throw pcapError(at + o, `pcapng option ${code} runs past its block`);
          if (!m.has(code)) m.set(code, block.subarray(o + 4, o + 4 + olen));
          o += 4 + olen + ((4 - (olen % 4)) % 4);
        }
        return m;
      };
      if (btype === PCAPNG_MAGIC) {
        if (len < 28) throw pcapError(at, 'pcapng section header block is too short');
        this.header = { precision: 'microsecond', versionMajor: u16(block, 12), versionMinor: u16(block, 14), snaplen: 0, linkType: LINKTYPE_ETHERNET, littleEndian: ng.le, format: 'pcapng' };
      } else if (btype === 1) {
        if (len < 20) throw pcapError(at, 'pcapng interface description block is too short');
        const opts = options(16);
        const res = opts.get(9)?.[0] ?? 6;
        const units = res & 0x80 ? 1n << BigInt(res & 0x7f) : 10n ** BigInt(res);
        const name = opts.get(2)?.toString('utf8');
        ng.interfaces.push({ linkType: u16(block, 8), snaplen: u32(block, 12), units, ...(name !== undefined ? { name } : {}) });
        if (ng.interfaces.length === 1 && this.header) Object.assign(this.header, { linkType: u16(block, 8), snaplen: u32(block, 12), precision: res === 9 ? 'nanosecond' : 'microsecond' });
      } else if (btype === 6 || btype === 3) {
        if (!this.header) throw pcapError(at, 'pcapng packet before any section header');
        const epb = btype === 6;
        if (len < (epb ? 32 : 16)) throw pcapError(at, 'pcapng packet block is too short');
        const ifid = epb ? u32(block, 8) : 0;
        const iface = ng.interfaces[ifid];
        if (!iface) throw pcapError(at + 8, `pcapng packet names interface ${ifid}, which is not described`);
        const dataAt = epb ? 28 : 12;
        const orig = epb ? u32(block, 24) : u32(block, 8);
        const cap = epb ? u32(block, 20) : Math.min(orig, len - 16, iface.snaplen || orig);
        if (dataAt + cap > len - 4) throw pcapError(at + 20, `pcapng packet length ${cap} runs past its block`);
        const rec: PcapRecord = { timestamp: 0n, data: Buffer.from(block.subarray(dataAt, dataAt + cap)), originalLength: orig, interfaceIndex: ifid };
        if (epb) {
          const ts = (BigInt(u32(block, 12)) << 32n) | BigInt(u32(block, 16));
          rec.timestamp = (ts * 1_000_000_000n) / iface.units;
          const comment = options(dataAt + cap + ((4 - (cap % 4)) % 4)).get(1);
          if (comment) rec.comment = comment.toString('utf8');
        }
        if (iface.name !== undefined) rec.interfaceName = iface.name;
        out.push(rec);
      }
      // Other blocks (name resolution, statistics, ...) are skipped.
    }
    return out;
  }

  /** Call at end of input: throws when a record was cut short. */
  end(): void {
    if (!this.header) throw new FrameParseError('ERR_FRAME_TRUNCATED', 'pcap', 0, 'input ended before the 24-byte pcap header');
    if (this.#queued) throw new FrameParseError('ERR_FRAME_TRUNCATED', 'pcap', this.#offset, `input ended inside a record (${this.#queued} bytes left over)`);
  }
}

/** Read records from any byte stream (a file stream, a pipe from `tcpdump -w -`, ...). */
export async function* readPcap(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<PcapRecord, void, undefined> {
  const parser = new PcapParser();
  for await (const chunk of source) {
    if (typeof chunk === 'string') throw invalidArgType('chunk', 'bytes (open the stream without an encoding)', chunk);
    yield* parser.push(chunk);
  }
  parser.end();
}

/** Read a pcap file record by record (streaming, constant memory). */
export function readPcapFile(path: string): AsyncGenerator<PcapRecord, void, undefined> {
  if (typeof path !== 'string') throw invalidArgType('path', 'of type string', path);
  return readPcap(fs.createReadStream(path));
}

/** Parse a whole pcap held in memory. */
export function parsePcap(bytes: Uint8Array): {
  /** The file header. */
  header: PcapHeader;
  /** Every record, in file order. */
  records: PcapRecord[];
} {
  const p = new PcapParser();
  const records = p.push(bytes);
  p.end();
  return { header: p.header as PcapHeader, records };
}
