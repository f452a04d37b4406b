/**
 * UDP's record decoder: what the engine's per-message records (source
 * sockaddr, decoded control messages, flags) become — {@link MessageInfo},
 * GRO buffers split back into datagrams, error-queue records as errors.
 * @module
 */
import { constants, native } from '../../binding';
import type { IoHandle } from '../../binding/io';
import { ControlLayout } from '../../binding/io';
import { SocketError } from '../../core/errors';
import { formatIPv4, formatIPv6 } from '../../core/iptext';
import { SockaddrReader } from '../../core/sockaddr';
import { RecordBatch } from '../engine';
import { decodeTransportError, hasTransportError } from '../errqueue';
import type { TransportError } from '../errqueue';
import type { MessageInfo } from './types';

const io = native.ioConstants;
const ADDRESS_STRIDE = io.ADDRESS_STRIDE;
const CONTROL_STRIDE = io.CONTROL_STRIDE;
const MSG_TRUNC = io.MSG_TRUNC;
const AF_INET = constants.AF_INET as number;
const AF_INET6 = constants.AF_INET6 as number;
const CTL_WORDS = CONTROL_STRIDE >> 2;
const GRO_WORD = ControlLayout.groSize >> 2;

/** GRO segment size of message i when it is a coalesced buffer longer than one segment, else 0. */
export function groSegment(ctl32: Uint32Array, i: number, length: number): number {
  const b = i * CTL_WORDS;
  if (((ctl32[b] as number) & io.HAS_GRO) === 0) return 0;
  const seg = ctl32[b + GRO_WORD] as number;
  return seg !== 0 && length > seg ? seg : 0;
}

/**
 * A received batch, for the `'batch'` event: zero per-datagram allocation
 * unless you ask. Valid only during the event handler (metadata is reused).
 */
export class MessageBatch extends RecordBatch<MessageInfo> {
  /** @internal */ _ctl32: Uint32Array;
  /** @internal */
  constructor(meta: Uint32Array, decode: (i: number) => MessageInfo, ctl32: Uint32Array) {
    super(meta, decode);
    this._ctl32 = ctl32;
  }
  /**
   * receive.gro: the segment size when datagram i is a coalesced GRO buffer
   * (several datagrams back to back, each this long but the last), else 0.
   * The batch shows buffers as received; 'message', iteration and stats() split them.
   */
  segmentSize(i: number): number {
    return groSegment(this._ctl32, i, this.length(i));
  }
}

/** Reads one socket's records (the views are created once and reused per batch). */
export class UdpDecoder {
  #meta: Uint32Array;
  #addrs: SockaddrReader;
  #ctlBytes: Uint8Array;
  readonly ctl32: Uint32Array;
  #ctlView: DataView;
  #dropped = 0;

  constructor(
    handle: IoHandle,
    readonly family: 'ipv4' | 'ipv6',
    private readonly dropCountOn: boolean,
  ) {
    this.#meta = handle.meta;
    this.#addrs = new SockaddrReader(handle.addresses);
    this.#ctlBytes = handle.control;
    this.ctl32 = new Uint32Array(this.#ctlBytes.buffer, this.#ctlBytes.byteOffset, this.#ctlBytes.byteLength >> 2);
    this.#ctlView = new DataView(this.#ctlBytes.buffer, this.#ctlBytes.byteOffset, this.#ctlBytes.byteLength);
  }

  /** The 'batch' event's object. */
  batch(): MessageBatch {
    return new MessageBatch(this.#meta, (i) => this.info(i), this.ctl32);
  }

  /** GRO segment size of record i (0 when it is one datagram). */
  segment(i: number, length: number): number {
    return groSegment(this.ctl32, i, length);
  }

  /**
   * Metadata of datagram i of the current batch. The IPv4 case without
   * control data stays small enough to inline into the batch loop; the
   * rest is out of line.
   */
  info(i: number): MessageInfo {
    const meta = this.#meta;
    const size = meta[i * 4 + 2] as number;
    const truncated = ((meta[i * 4 + 3] as number) & MSG_TRUNC) !== 0;
    const base = i * ADDRESS_STRIDE;
    const a = this.#addrs;
    const info: MessageInfo = a.family(base) === AF_INET ? { address: a.ipv4(base), port: a.port(base), family: 'IPv4', size, truncated } : this.#otherAddress(base, size, truncated);
    const cb = i * CONTROL_STRIDE;
    const present = this.ctl32[cb >> 2] as number;
    if (present !== 0 || this.dropCountOn) this.#control(info, cb, present);
    return info;
  }

  #otherAddress(base: number, size: number, truncated: boolean): MessageInfo {
    const a = this.#addrs;
    if (a.family(base) === AF_INET6) {
      const info: MessageInfo = { address: a.ip(base), port: a.port(base), family: 'IPv6', size, truncated };
      const scope = a.scopeId(base);
      if (scope) info.scopeId = scope;
      return info;
    }
    return { address: '', port: 0, family: this.family === 'ipv4' ? 'IPv4' : 'IPv6', size, truncated };
  }

  /** The control data of the record at `cb` (`present`: its flags) into `info`. */
  #control(info: MessageInfo, cb: number, present: number): void {
    if (present !== 0) {
      const cv = this.#ctlView;
      if (present & io.HAS_PKTINFO) {
        info.interfaceIndex = cv.getUint32(cb + ControlLayout.ifindex, true);
        info.destination =
          cv.getUint32(cb + ControlLayout.dstFamily, true) === AF_INET
            ? formatIPv4(this.#ctlBytes, cb + ControlLayout.dst)
            : formatIPv6(this.#ctlBytes, cb + ControlLayout.dst);
      }
      if (present & io.HAS_TTL) info.ttl = cv.getInt32(cb + ControlLayout.ttl, true);
      if (present & io.HAS_TOS) info.tos = cv.getInt32(cb + ControlLayout.tos, true);
      if (present & io.HAS_TIMESTAMP) info.timestamp = cv.getBigInt64(cb + ControlLayout.timestampNs, true);
      if (present & io.HAS_DROP_COUNT) this.#dropped = cv.getUint32(cb + ControlLayout.dropCount, true);
    }
    // SO_RXQ_OVFL comes only once the counter is non-zero.
    if (this.dropCountOn) info.dropped = this.#dropped;
  }

  /** An error-queue record as a {@link TransportError} (undefined for records that are not errors). */
  transportError(i: number, payload: Buffer): TransportError | undefined {
    if (!hasTransportError(this.ctl32, this.#ctlView, i)) return undefined;
    return decodeTransportError(this.#ctlBytes, this.#ctlView, this.#addrs, i, payload);
  }

  /** An error-queue record (IP_RECVERR): the ICMP or local error it carries. */
  errorRecord(i: number): Error | undefined {
    const cv = this.#ctlView;
    const cb = i * CONTROL_STRIDE;
    if ((cv.getUint32(cb, true) & io.HAS_EXT_ERR) === 0) return undefined;
    const errno = cv.getUint32(cb + ControlLayout.eeErrno, true);
    if (!errno) return undefined;
    const info = this.info(i);
    const err = new SocketError(errno, 'recvmsg', { address: info.address || undefined, port: info.port || undefined });
    return Object.assign(err, { icmpType: cv.getUint8(cb + ControlLayout.eeType), icmpCode: cv.getUint8(cb + ControlLayout.eeCode), origin: cv.getUint8(cb + ControlLayout.eeOrigin) });
  }
}
