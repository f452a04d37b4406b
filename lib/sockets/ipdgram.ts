/**
 * The IP-datagram layer every IP socket kind shares (UDP, ping, raw): the
 * engine (lib/sockets/engine.ts) with UDP's address codec and record
 * decoder plugged in, per-datagram metadata, the error queue
 * (`'transportError'`), adopt's descriptor check and the unicast IP options.
 * {@link UdpSocket} and {@link IpSocket} add only what is theirs.
 * @module
 */
import * as dgram from 'node:dgram';
import { constants } from '../binding';
import type { InterfaceRef } from '../core/address';
import { SocketError, invalidArgType, validateBytes, validateInteger } from '../core/errors';
import { byteLengthOf } from '../core/validate';
import { resolveInterfaceIndex } from '../system/interfaces';
import { scopeResolver } from '../system/netns';
import { adoptDescriptor } from './adopt';
import type { DescriptorKind } from './adopt';
import { EngineSocket, RecordBatch } from './engine';
import type { Coalesce } from './engine';
import { setErrorQueue } from './errqueue';
import type { TransportError } from './errqueue';
import { Socket } from './socket';
import { UdpCodec } from './udp/codec';
import { MessageBatch, UdpDecoder } from './udp/decoder';
import { applyReceive, inNs, isDetached } from './udp/setup';
import type { Message, MessageInfo, ReceiveOptions } from './udp/types';

const AF_INET = constants.AF_INET as number;
const AF_INET6 = constants.AF_INET6 as number;

/** @internal The creation options the IP-datagram layer reads (a subset of each kind's). */
export interface IpDatagramOptions {
  maxMessageSize?: number;
  batchSize?: number;
  sendQueueLimit?: number;
  coalesce?: Coalesce;
  highWaterMark?: number;
  netns?: string;
  receive?: { dropCount?: boolean };
  borrow?: boolean;
}

/** @internal The peer fixed by connect(): its address, and its port where the kind has ports. */
export interface IpPeer {
  address: string;
  port?: number;
}

/**
 * An IP datagram socket on the engine: what {@link UdpSocket}, {@link PingSocket}
 * and {@link RawSocket} share. Not created directly: use a subclass's `create()` or `adopt()`.
 */
export abstract class IpDatagramSocket extends EngineSocket<MessageInfo, Message> {
  /** IP family of the socket, fixed at creation. */
  readonly family: 'ipv4' | 'ipv6';
  #sock: Socket;
  #codec: UdpCodec;
  #peer: IpPeer | undefined;
  #dec: UdpDecoder;
  #batchObj: MessageBatch;

  /** @internal The engine takes the descriptor of `sock`. */
  constructor(sock: Socket, family: 'ipv4' | 'ipv6', name: string, options: IpDatagramOptions, ready: boolean, messageSize = options.maxMessageSize ?? 65535) {
    const fd = sock.release();
    super(fd, {
      name,
      messageEvent: 'message',
      batchSize: options.batchSize ?? 64,
      messageSize,
      sendQueueLimit: options.sendQueueLimit ?? 65536,
      coalesce: options.coalesce ?? 'auto',
      highWaterMark: options.highWaterMark ?? 4096,
      ready,
      ...(options.netns !== undefined ? { netns: options.netns } : {}),
      ...(options.borrow ? { borrow: true } : {}),
    });
    this.family = family;
    this.#sock = Socket.adopt(fd, { owned: false });
    this.#codec = new UdpCodec(family, scopeResolver(options.netns), () => this.#peer !== undefined, (ref) => this._ifindex(ref));
    this.#dec = new UdpDecoder(this._handle, family, options.receive?.dropCount === true);
    this.#batchObj = this.#dec.batch();
  }

  /**
   * @internal The adopt() of every IP kind: check the descriptor (`accept`
   * sees what the kernel says it is and its family), apply the receive
   * options and the kind's own (`setup`), then take it over. Leaves the
   * target untouched on any failure.
   */
  static _adoptIp(
    target: number | Socket | dgram.Socket,
    what: string,
    node: { dgram?: boolean },
    accept: (k: DescriptorKind, family: 'ipv4' | 'ipv6') => boolean,
    options: { receive?: ReceiveOptions; netns?: string },
    setup?: (fd: number) => void,
  ): { sock: Socket; family: 'ipv4' | 'ipv6'; protocol: number; netns: string | undefined } {
    const a = adoptDescriptor(
      target,
      what,
      node,
      (k) => {
        const family = k.family === AF_INET ? 'ipv4' : k.family === AF_INET6 ? 'ipv6' : undefined;
        return family !== undefined && accept(k, family) ? family : undefined;
      },
      options.netns,
    );
    const { fd, kind: family, netns } = a;
    try {
      if (options.receive !== undefined) inNs(netns, () => applyReceive(fd, family, options.receive as ReceiveOptions));
      setup?.(fd);
    } catch (e) {
      a.abort();
      throw e;
    }
    a.commit();
    return { sock: Socket.adopt(fd, { owned: true }), family, protocol: a.socket.protocol, netns };
  }

  /** @internal A non-owning view of the descriptor for bind/connect/getsockname. */
  protected get _sock(): Socket {
    return this.#sock;
  }

  /** @internal Destination encoding (address and control-message caches). */
  protected get _codec(): UdpCodec {
    return this.#codec;
  }

  /** @internal The connected peer, undefined when not connected. */
  protected get _peer(): IpPeer | undefined {
    return this.#peer;
  }
  /** @internal Set by connect() and adopt(), cleared by disconnect(). */
  protected set _peer(peer: IpPeer | undefined) {
    this.#peer = peer;
  }

  /** @internal Interface reference → index, in this socket's namespace. */
  _ifindex(ref: InterfaceRef, name = 'interface'): number {
    return this._ns(() => resolveInterfaceIndex(ref, name));
  }

  /** @internal A send's payload: strings become UTF-8; a detached buffer is a TypeError. */
  protected _payload(data: Uint8Array | string): Uint8Array {
    const buf = data instanceof Uint8Array ? data : typeof data === 'string' ? Buffer.from(data) : validateBytes(data, 'data');
    if (byteLengthOf(buf) === 0 && isDetached(buf)) throw invalidArgType('data', 'a Buffer, TypedArray or DataView that is not detached', buf);
    return buf;
  }

  /** Unicast TTL (IP_TTL) or hop limit (IPV6_UNICAST_HOPS) of every later datagram. */
  setTTL(ttl: number): void {
    validateInteger(ttl, 'ttl', 1, 255);
    this.setOption(this.family === 'ipv4' ? 'IP_TTL' : 'IPV6_UNICAST_HOPS', ttl);
  }

  /** TOS byte (IP_TOS) or traffic class (IPV6_TCLASS), e.g. DSCP EF = 0xb8. */
  setTOS(tos: number): void {
    validateInteger(tos, 'tos', 0, 255);
    this.setOption(this.family === 'ipv4' ? 'IP_TOS' : 'IPV6_TCLASS', tos);
  }

  // ---- the engine's hooks: UDP's record decoder, the error queue -------------

  /** @internal The error of a receive-side failure (names the peer of a connected socket). */
  protected _receiveError(errno: number, syscall: string): Error {
    const peer = this.#peer;
    return new SocketError(errno, syscall === 'SO_ERROR' ? 'recvmsg' : syscall, peer ? { address: peer.address, port: peer.port } : {});
  }

  /** @internal Live kernel drop counter of this socket (SO_MEMINFO's SK_MEMINFO_DROPS). */
  protected override _kernelDropped(): number {
    return this.getOption('SO_MEMINFO').drops;
  }

  /** @internal */
  protected override _makeBatch(): RecordBatch<MessageInfo> {
    return this.#batchObj;
  }

  /** @internal A GRO-coalesced buffer counts as the datagrams it holds. */
  protected override _recordCount(i: number, length: number): number {
    const seg = this.#dec.segment(i, length);
    return seg === 0 ? 1 : Math.ceil(length / seg);
  }

  /** @internal */
  protected _item(payload: Buffer, info: MessageInfo): Message {
    return { data: payload, info };
  }

  /** @internal Deliver record i: one datagram, or a GRO buffer split into its datagrams (views, no copies). */
  protected _decodeRecord(i: number, _data: Buffer, off: number, len: number): void {
    const info = this.#dec.info(i);
    const seg = this.#dec.segment(i, len);
    if (seg === 0) this._deliver(this._view(off, len), info, info.truncated);
    else this.#split(info, off, len, seg); // out of line: keeps the common path small enough to inline
  }

  #split(info: MessageInfo, off: number, len: number, seg: number): void {
    const n = Math.ceil(len / seg);
    const end = off + len;
    for (let k = 0, o = off; k < n; k++, o += seg) {
      if (this.closed) return;
      const stop = Math.min(o + seg, end);
      // A truncated coalesced buffer (only when the receive buffer is under 64 KiB) cuts its last piece.
      const part: MessageInfo = { ...info, size: stop - o, truncated: info.truncated && k === n - 1, segments: n };
      this._deliver(this._view(o, stop - o), part, part.truncated);
    }
  }

  /** @internal Metadata of datagram i of the current batch. */
  protected _decodeInfo(i: number): MessageInfo {
    return this.#dec.info(i);
  }

  /** @internal An error-queue record (IP_RECVERR): the ICMP or local error it carries. */
  protected override _errorRecord(i: number): Error | undefined {
    return this.#dec.errorRecord(i);
  }

  /** @internal An error-queue record for 'transportError'. */
  protected override _transportError(i: number, payload: Buffer): TransportError | undefined {
    return this.#dec.transportError(i, payload);
  }

  /** @internal IP_RECVERR (and IPV6_RECVERR on IPv6 sockets, which may also send to IPv4-mapped peers). */
  protected override _setErrorQueue(on: boolean): void {
    setErrorQueue(this, this.family, on);
  }
}
