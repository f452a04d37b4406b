/**
 * TCP headers with their options (MSS, window scale, SACK, timestamps).
 * @module
 */
import { invalidArgType, validateInteger } from '../../core/errors';
import { view } from './bytes';
import { FrameParseError, need } from './errors';
import { PseudoHeader, pseudoHeaderChecksum } from './transport';

/** TCP flags by name. */
export interface TcpFlags {
  /** FIN. */
  fin: boolean;
  /** SYN. */
  syn: boolean;
  /** RST. */
  rst: boolean;
  /** PSH. */
  psh: boolean;
  /** ACK. */
  ack: boolean;
  /** URG. */
  urg: boolean;
  /** ECE. */
  ece: boolean;
  /** CWR. */
  cwr: boolean;
}

/** One TCP option. */
export interface TcpOption {
  /** Option kind (0 EOL, 1 NOP, 2 MSS, 3 window scale, 4 SACK permitted, 5 SACK, 8 timestamps). */
  kind: number;
  /** MSS value. */
  mss?: number;
  /** Window scale shift count. */
  windowScale?: number;
  /** SACK blocks (left, right edges). */
  sack?: Array<[number, number]>;
  /** Timestamp value. */
  tsval?: number;
  /** Timestamp echo reply. */
  tsecr?: number;
  /** Bytes after kind and length. */
  data: Buffer;
}

/** A parsed TCP segment. */
export interface TcpSegment {
  /** Source port. */
  sourcePort: number;
  /** Destination port. */
  destinationPort: number;
  /** Sequence number. */
  sequence: number;
  /** Acknowledgment number. */
  acknowledgment: number;
  /** Header length in bytes (data offset * 4). */
  headerLength: number;
  /** The flags byte (CWR..FIN). */
  flagBits: number;
  /** The flags by name. */
  flags: TcpFlags;
  /** Receive window (unscaled). */
  window: number;
  /** Checksum field as received. */
  checksum: number;
  /** Urgent pointer. */
  urgentPointer: number;
  /** The options, in order (NOP and EOL included). */
  options: TcpOption[];
  /** Bytes after the header. */
  payload: Buffer;
}

/** Parse a TCP header and its options. */
export function parseTcp(segment: Uint8Array): TcpSegment {
  if (!(segment instanceof Uint8Array)) throw invalidArgType('segment', 'a Buffer or Uint8Array', segment);
  const b = view(segment);
  need(b, 0, 20, 'tcp', 'the TCP header');
  const hl = ((b[12] as number) >> 4) * 4;
  if (hl < 20) throw new FrameParseError('ERR_FRAME_BAD_LENGTH', 'tcp', 12, `data offset ${hl / 4} is below 5`);
  need(b, 0, hl, 'tcp', `the header with options (${hl} bytes)`);
  const options: TcpOption[] = [];
  let o = 20;
  while (o < hl) {
    const kind = b[o] as number;
    if (kind === 0 || kind === 1) {
      options.push({ kind, data: Buffer.alloc(0) });
      o++;
      if (kind === 0) break;
      continue;
    }
    need(b.subarray(0, hl), o, 2, 'tcp', `option ${kind}`);
    const len = b[o + 1] as number;
    if (len < 2 || o + len > hl) throw new FrameParseError('ERR_FRAME_BAD_LENGTH', 'tcp', o + 1, `option ${kind} has length ${len}`);
    const data = b.subarray(o + 2, o + len);
    const opt: TcpOption = { kind, data };
    if (kind === 2 && len === 4) opt.mss = data.readUInt16BE(0);
    else if (kind === 3 && len === 3) opt.windowScale = data[0] as number;
    else if (kind === 5 && (len - 2) % 8 === 0) {
      opt.sack = [];
      for (let s = 0; s < data.length; s += 8) opt.sack.push([data.readUInt32BE(s), data.readUInt32BE(s + 4)]);
    } else if (kind === 8 && len === 10) {
      opt.tsval = data.readUInt32BE(0);
      opt.tsecr = data.readUInt32BE(4);
    }
    options.push(opt);
    o += len;
  }
  const f = b[13] as number;
  return {
    sourcePort: b.readUInt16BE(0),
    destinationPort: b.readUInt16BE(2),
    sequence: b.readUInt32BE(4),
    acknowledgment: b.readUInt32BE(8),
    headerLength: hl,
    flagBits: f,
    flags: { fin: !!(f & 1), syn: !!(f & 2), rst: !!(f & 4), psh: !!(f & 8), ack: !!(f & 16), urg: !!(f & 32), ece: !!(f & 64), cwr: !!(f & 128) },
    window: b.readUInt16BE(14),
    checksum: b.readUInt16BE(16),
    urgentPointer: b.readUInt16BE(18),
    options,
    payload: b.subarray(hl),
  };
}

/** The timestamps option's two values. */
export interface TcpTimestamps {
  /** TSval. */
  tsval: number;
  /** TSecr. */
  tsecr: number;
}

/** What {@link buildTcp} takes. */
export interface TcpInput {
  /** Source port. */
  sourcePort: number;
  /** Destination port. */
  destinationPort: number;
  /** Sequence number (default 0). */
  sequence?: number;
  /** Acknowledgment number (default 0). */
  acknowledgment?: number;
  /** Flags: names ('syn', 'ack', ...) or the flags byte. */
  flags?: Array<keyof TcpFlags> | number;
  /** Window (default 65535). */
  window?: number;
  /** MSS option. */
  mss?: number;
  /** Window scale option. */
  windowScale?: number;
  /** SACK-permitted option. */
  sackPermitted?: boolean;
  /** SACK blocks option. */
  sack?: Array<[number, number]>;
  /** Timestamps option. */
  timestamps?: TcpTimestamps;
  /** Payload. */
  payload?: Uint8Array;
}

const FLAG_BITS: Record<keyof TcpFlags, number> = { fin: 1, syn: 2, rst: 4, psh: 8, ack: 16, urg: 32, ece: 64, cwr: 128 };

/** Build a TCP segment; with `ip` the checksum covers its pseudo-header. */
export function buildTcp(input: TcpInput, ip?: PseudoHeader): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('tcp', 'an object', input);
  const opts: number[] = [];
  if (input.mss !== undefined) opts.push(2, 4, ...u16(validateInteger(input.mss, 'mss', 0, 0xffff)));
  if (input.sackPermitted) opts.push(4, 2);
  if (input.timestamps) opts.push(8, 10, ...u32(input.timestamps.tsval), ...u32(input.timestamps.tsecr));
  if (input.windowScale !== undefined) opts.push(1, 3, 3, validateInteger(input.windowScale, 'windowScale', 0, 14));
  if (input.sack?.length) opts.push(1, 1, 5, 2 + 8 * input.sack.length, ...input.sack.flatMap(([l, r]) => [...u32(l), ...u32(r)]));
  while (opts.length % 4) opts.push(0);
  if (opts.length > 40) throw new RangeError('TCP options exceed 40 bytes');
  const payload = input.payload ?? Buffer.alloc(0);
  if (!(payload instanceof Uint8Array)) throw invalidArgType('payload', 'a Buffer or Uint8Array', payload);
  const hl = 20 + opts.length;
  const out = Buffer.alloc(hl + payload.length);
  out.writeUInt16BE(validateInteger(input.sourcePort, 'sourcePort', 0, 65535), 0);
  out.writeUInt16BE(validateInteger(input.destinationPort, 'destinationPort', 0, 65535), 2);
  out.writeUInt32BE(validateInteger(input.sequence ?? 0, 'sequence', 0, 0xffffffff), 4);
  out.writeUInt32BE(validateInteger(input.acknowledgment ?? 0, 'acknowledgment', 0, 0xffffffff), 8);
  out[12] = (hl / 4) << 4;
  const f = input.flags ?? [];
  out[13] = typeof f === 'number' ? validateInteger(f, 'flags', 0, 255) : f.reduce((a, n) => a | (FLAG_BITS[n] ?? 0), 0);
  out.writeUInt16BE(validateInteger(input.window ?? 65535, 'window', 0, 0xffff), 14);
  Buffer.from(opts).copy(out, 20);
  out.set(payload, hl);
  if (ip) out.writeUInt16BE(pseudoHeaderChecksum(ip, 6, out), 16);
  return out;
}

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}
function u32(n: number): number[] {
  const v = validateInteger(n, 'value', 0, 0xffffffff);
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}
