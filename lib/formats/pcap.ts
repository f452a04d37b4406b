/**
 * pcap files (the classic libpcap format, as written by tcpdump and read by
 * Wireshark): a streaming writer and a streaming reader, microsecond and
 * nanosecond timestamp variants, either byte order on read.
 *
 * @example
 * const w = PcapWriter.create('out.pcap', { precision: 'nanosecond' });
 * socket.on('frame', (frame, info) => w.write(frame, { timestamp: info.timestamp, originalLength: info.length }));
 * await w.close();
 * for await (const { data, timestamp } of readPcapFile('out.pcap')) console.log(timestamp, data.length);
 * @module
 */
import * as fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
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
}

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
}

/** One captured frame. */
export interface PcapRecord {
  /** Capture time, nanoseconds since the Unix epoch. */
  timestamp: bigint;
  /** The captured bytes (at most snaplen). */
  data: Buffer;
  /** The frame's length on the wire (>= data.length). */
  originalLength: number;
}

/** Nanoseconds since the epoch, now. */
export function nowNanoseconds(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((ms % 1) * 1e6));
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

/** Per-record options for {@link PcapWriter.write}. */
export interface PcapWriteOptions {
  /** Nanoseconds since the epoch (default: now). PacketSocket's `info.timestamp` fits directly. */
  timestamp?: bigint;
  /** Length on the wire when `data` is already cut (default data.length). */
  originalLength?: number;
}

/**
 * Streams frames into a pcap file (or any Writable). The header is written
 * immediately; `write()` returns false when the stream wants you to wait for
 * 'drain' (or `await writer.drained()`), like `Writable.write`.
 */
export class PcapWriter {
  /** Timestamp resolution of the file. */
  readonly precision: PcapPrecision;
  /** Largest record length; longer frames are cut. */
  readonly snaplen: number;
  /** LINKTYPE_* written in the header. */
  readonly linkType: number;
  #out: Writable;
  #closed = false;
  /** Records written so far. */
  count = 0;

  constructor(out: Writable, options: PcapWriterOptions = {}) {
    if (!out || typeof (out as Writable).write !== 'function') throw invalidArgType('out', 'a Writable stream', out);
    const header = encodePcapHeader(options);
    this.precision = precisionOf(options.precision);
    this.snaplen = header.readUInt32LE(16);
    this.linkType = header.readUInt32LE(20);
    this.#out = out;
    out.write(header);
  }

  /** Create (truncate) a file and write its header. */
  static create(path: string, options: PcapWriterOptions = {}): PcapWriter {
    if (typeof path !== 'string') throw invalidArgType('path', 'of type string', path);
    return new PcapWriter(fs.createWriteStream(path), options);
  }

  /** Append one frame. */
  write(frame: Uint8Array, options: PcapWriteOptions = {}): boolean {
    if (this.#closed) throw invalidArgValue('writer', 'closed', 'is closed');
    if (!(frame instanceof Uint8Array)) throw invalidArgType('frame', 'a Buffer or Uint8Array', frame);
    const ts = options.timestamp ?? nowNanoseconds();
    if (typeof ts !== 'bigint' || ts < 0n) throw invalidArgType('timestamp', 'a non-negative bigint (ns)', ts);
    const orig = options.originalLength === undefined ? frame.length : validateInteger(options.originalLength, 'originalLength', frame.length, 0xffffffff);
    const [h, d] = encodePcapRecord(frame, ts, orig, this.precision, this.snaplen) as [Buffer, Buffer];
    this.count++;
    this.#out.write(h);
    // Copy: the caller may reuse its buffer (PacketSocket slabs are reused).
    return this.#out.write(Buffer.from(d));
  }

  /** Resolves once the stream drained (immediately when it does not need to). */
  async drained(): Promise<void> {
    if (this.#out.writableNeedDrain) await once(this.#out, 'drain');
  }

  /** End the stream and wait until everything is flushed (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const done = new Promise<void>((resolve, reject) => {
      this.#out.once('error', reject);
      this.#out.end(() => resolve());
    });
    await done;
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
  } else if (le === 0x0a0d0d0a) {
    throw new FrameParseError('ERR_FRAME_UNSUPPORTED', 'pcap', 0, 'this is a pcapng file; only classic pcap is supported (convert: editcap -F pcap in.pcapng out.pcap)');
  } else {
    throw pcapError(0, `bad magic 0x${le.toString(16)}: not a pcap file`);
  }
  const u16 = (o: number): number => (littleEndian ? v.readUInt16LE(o) : v.readUInt16BE(o));
  const u32 = (o: number): number => (littleEndian ? v.readUInt32LE(o) : v.readUInt32BE(o));
  return { precision, versionMajor: u16(4), versionMinor: u16(6), snaplen: u32(16), linkType: u32(20) & 0x0fffffff, littleEndian };
}

/** Largest record the reader accepts (guards against a lying caplen). */
const MAX_RECORD = 256 * 1024 * 1024;

/**
 * Incremental pcap decoder: feed chunks with {@link push}, get records back.
 * Works for files, pipes and sockets alike.
 */
export class PcapParser {
  /** The file header, once its 24 bytes have arrived. */
  header: PcapHeader | undefined;
  #pending: Buffer = Buffer.alloc(0);
  #offset = 0;

  /** Feed bytes; returns the records completed by them. */
  push(chunk: Uint8Array): PcapRecord[] {
    if (!(chunk instanceof Uint8Array)) throw invalidArgType('chunk', 'a Buffer or Uint8Array', chunk);
    let buf = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: PcapRecord[] = [];
    if (!this.header) {
      if (buf.length < 24) {
        this.#pending = Buffer.from(buf);
        return out;
      }
      this.header = decodePcapHeader(buf);
      buf = buf.subarray(24);
      this.#offset = 24;
    }
    const h = this.header;
    const ns = h.precision === 'nanosecond';
    while (buf.length >= 16) {
      const u32 = (o: number): number => (h.littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
      const cap = u32(8);
      if (cap > MAX_RECORD) throw pcapError(this.#offset + 8, `record length ${cap} is implausible (corrupt file?)`);
      if (buf.length < 16 + cap) break;
      const frac = BigInt(u32(4));
      out.push({
        timestamp: BigInt(u32(0)) * 1_000_000_000n + (ns ? frac : frac * 1000n),
        // Copy out of the chunk so records stay valid after the stream reuses its buffers.
        data: Buffer.from(buf.subarray(16, 16 + cap)),
        originalLength: u32(12),
      });
      buf = buf.subarray(16 + cap);
      this.#offset += 16 + cap;
    }
    this.#pending = Buffer.from(buf);
    return out;
  }

  /** Call at end of input: throws when a record was cut short. */
  end(): void {
    if (!this.header) throw new FrameParseError('ERR_FRAME_TRUNCATED', 'pcap', 0, 'input ended before the 24-byte pcap header');
    if (this.#pending.length) throw new FrameParseError('ERR_FRAME_TRUNCATED', 'pcap', this.#offset, `input ended inside a record (${this.#pending.length} bytes left over)`);
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
