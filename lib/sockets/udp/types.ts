/**
 * The public types of {@link UdpSocket}: options, per-datagram metadata,
 * send options, counters.
 * @module
 */
import type { InterfaceRef } from '../../core/address';
import type { EngineStats } from '../engine';

/** 'ipv4' | 'ipv6' (also accepts dgram's 'udp4' | 'udp6'). */
export type UdpFamily = 'ipv4' | 'ipv6' | 'udp4' | 'udp6';

/** Ancillary data to receive with each datagram. */
export interface ReceiveOptions {
  /** Destination address and arriving interface (IP_PKTINFO / IPV6_RECVPKTINFO) → `info.destination`, `info.interfaceIndex`. */
  packetInfo?: boolean;
  /** TTL / hop limit (IP_RECVTTL / IPV6_RECVHOPLIMIT) → `info.ttl`. */
  ttl?: boolean;
  /** TOS / traffic class (IP_RECVTOS / IPV6_RECVTCLASS) → `info.tos`. */
  tos?: boolean;
  /** Kernel receive time (SO_TIMESTAMPNS) → `info.timestamp` (bigint ns since the epoch). */
  timestamp?: boolean;
  /** Kernel drop counter (SO_RXQ_OVFL) → `info.dropped`, `stats().kernelDropped`. */
  dropCount?: boolean;
  /**
   * UDP GRO (UDP_GRO): the kernel may hand over several datagrams of one flow
   * as one coalesced buffer with their segment size; sockit splits it again
   * (views, no copies), so `'message'`, iteration and `stats()` still see one
   * datagram each (`info.segments` tells how many arrived together). The
   * receive buffer is then at least 65535 bytes whatever `maxMessageSize` says.
   */
  gro?: boolean;
}

/** Options for {@link UdpSocket.create}. */
export interface UdpSocketOptions {
  /** Address family (default: from `address`, else 'ipv4'). */
  family?: UdpFamily;
  /** Alias of `family`, as in dgram.createSocket. */
  type?: UdpFamily;
  /** Local address to bind (default: any). Binding happens when `address` or `port` is given. */
  address?: string;
  /** Local port (0 = any free port). */
  port?: number;
  /** SO_REUSEADDR before bind. */
  reuseAddress?: boolean;
  /** SO_REUSEPORT before bind: several sockets on one port, the kernel spreads datagrams. */
  reusePort?: boolean;
  /** IPV6_V6ONLY (IPv6 sockets). */
  ipv6Only?: boolean;
  /** SO_BINDTODEVICE: receive and send only through this interface (name or index). */
  interface?: InterfaceRef;
  /** Any option from the option table, applied before bind: `{ SO_RCVBUF: 1 << 20, IP_TOS: 0xb8 }`. */
  options?: Record<string, unknown>;
  /** Ancillary data to receive with each datagram. */
  receive?: ReceiveOptions;
  /** Largest datagram received whole (default 65535; longer ones are truncated and flagged). With `receive.gro` at least 65535. */
  maxMessageSize?: number;
  /**
   * UDP GSO (generic segmentation offload) for sends:
   * - a number (UDP_SEGMENT, 1..65507): every send longer than this leaves as
   *   datagrams of this size (the last may be shorter);
   * - `'auto'`: datagrams that go to the kernel together (a tick's coalesced
   *   `send()` calls, `sendBatch`) to one destination are handed over as GSO
   *   messages where they have equal sizes (the last of a run may be
   *   shorter): one pass through the stack for up to 64 datagrams. Receivers
   *   see the same datagrams; a capture on this host sees the unsegmented
   *   message. If the kernel refuses (path MTU below a datagram, no checksum
   *   offload), those datagrams go plainly and `'auto'` turns itself off
   *   (`stats().gsoDisabled`);
   * - 0 or omitted: off.
   * Per datagram: `send(data, { segmentSize })`.
   */
  gso?: number | 'auto';
  /** Datagrams per recvmmsg (default 64, at most 1024). */
  batchSize?: number;
  /** Most datagrams waiting in the send queue (default 65536), for every send method; a send offered beyond it rejects with ENOBUFS. */
  sendQueueLimit?: number;
  /** Datagrams each async iterator buffers before it holds receiving back (default 4096; see the engine's rules in docs/engine.md). */
  highWaterMark?: number;
  /**
   * Borrowed receive buffers (default false): a received payload — the
   * Buffer a `'message'` listener gets, a `'batch'`'s `buffer` and `data(i)`
   * — is valid only until the handler returns; the next batch is received
   * into the same memory. No receive pool is made per batch: nothing for the
   * garbage collector, and the memory stays in cache (for large datagrams the
   * receive path's main cost). Copy what you keep (`Buffer.from(data)`).
   * Async iterators and `receive()` get copies, so they are unaffected.
   */
  borrow?: boolean;

  /** Create the socket inside this network namespace (path or `ip netns` name). */
  netns?: string;
  /**
   * How `send()` hands datagrams to the kernel (default `'auto'`):
   * - `'auto'`: the first `send()` of a tick of JavaScript goes out at once
   *   (one sendmsg, as latency-sensitive code expects); further `send()`
   *   calls during the same tick are gathered and go out together in one
   *   sendmmsg at the end of that tick (a microtask, before any I/O or timer
   *   runs). A lone send costs exactly one sendmsg; a burst costs one
   *   sendmsg plus one sendmmsg per 1024 datagrams.
   * - `true`: every `send()` waits for the end of the tick (one sendmmsg).
   * - `false`: one sendmsg per `send()`, always.
   *
   * Same promises, same order, same errors in every mode.
   */
  coalesce?: boolean | 'auto';
  /** Close the socket when aborted. */
  signal?: AbortSignal;
}

/** Options for {@link UdpSocket.adopt}: the engine settings of {@link UdpSocketOptions} (the descriptor is already configured). */
export type UdpAdoptOptions = Pick<UdpSocketOptions, 'maxMessageSize' | 'batchSize' | 'sendQueueLimit' | 'highWaterMark' | 'coalesce' | 'netns' | 'gso' | 'borrow'> & {
  /** Ancillary data to receive with each datagram (turned on now). */
  receive?: ReceiveOptions;
};

/** Per-datagram metadata; a superset of dgram's `rinfo`. */
export interface MessageInfo {
  /** Source address. */
  address: string;
  /** Source port. */
  port: number;
  /** 'IPv4' | 'IPv6' as in dgram. */
  family: 'IPv4' | 'IPv6';
  /** Size of the datagram on the wire (larger than `data.length` when truncated). */
  size: number;
  /** True when the datagram was longer than `maxMessageSize` and was cut. */
  truncated: boolean;
  /** IPv6 source scope id, when not 0. */
  scopeId?: number;
  /** Destination address of the datagram (receive.packetInfo): unicast, broadcast or multicast group. */
  destination?: string;
  /** Interface it arrived on (receive.packetInfo). */
  interfaceIndex?: number;
  /** TTL / hop limit (receive.ttl). */
  ttl?: number;
  /** TOS / traffic class (receive.tos). */
  tos?: number;
  /** Kernel receive timestamp in ns since the epoch (receive.timestamp). */
  timestamp?: bigint;
  /** Datagrams the kernel dropped on this socket so far (receive.dropCount). */
  dropped?: number;
  /** receive.gro: this datagram arrived coalesced with others; the number of datagrams in that coalesced buffer. */
  segments?: number;
}

/** One received datagram, as async iteration yields it. */
export interface Message {
  /** The datagram's bytes. */
  data: Buffer;
  /** Where it came from and its control data. */
  info: MessageInfo;
}

/** Where and how to send one datagram. */
export interface SendOptions {
  /** Destination IP address (with optional `%scope`); default loopback when only `port` is given. Omit both on a connected socket. */
  address?: string;
  /** Destination port, 0..65535; required with `address`. */
  port?: number;
  /** Source address for this datagram (IP_PKTINFO / IPV6_PKTINFO); must be local. */
  sourceAddress?: string;
  /** Outgoing interface for this datagram (name, index or IPv4 address). */
  interface?: InterfaceRef;
  /** TTL / hop limit for this datagram. */
  ttl?: number;
  /** TOS / traffic class for this datagram. */
  tos?: number;
  /**
   * UDP GSO (UDP_SEGMENT control message): send `data` as datagrams of this
   * many bytes each (the last may be shorter) with one system call.
   * 1..65507, at most 64 segments, `data` at most 65507 bytes; each segment
   * plus headers must fit the path MTU (else EINVAL).
   */
  segmentSize?: number;
}

/** A batch entry for {@link UdpSocket.sendBatch}. */
export type BatchMessage =
  | Uint8Array
  | string
  | ({
      /** The datagram's bytes (a string is sent as UTF-8). */
      data: Uint8Array | string;
    } & SendOptions);

/** Counters kept by a {@link UdpSocket} (the engine's, plus UDP's own). */
export interface UdpStats extends EngineStats {
  /** True once a GSO send failed (EIO/EINVAL: no checksum offload on the path) and GSO was turned off for this socket; segmented sends then go out as separate datagrams. */
  gsoDisabled: boolean;
}

/** A UDP socket's bound or peer address, as dgram reports it. */
export interface UdpAddress {
  /** IP address, text form. */
  address: string;
  /** Port. */
  port: number;
  /** 'IPv4' | 'IPv6', as in dgram and every other family field of UdpSocket. */
  family: 'IPv4' | 'IPv6';
  /** IPv6 scope id, when not 0. */
  scopeId?: number;
}
