/**
 * The public types of {@link PacketSocket}: options, per-frame metadata,
 * send options, counters.
 * @module
 */
import type { InterfaceRef } from '../../core/address';
import type { Fanout } from '../../options';
import type { PacketFilter } from '../../formats/bpf/filter';
import type { VlanTag } from '../../formats/frames/ethernet';
import type { EngineStats } from '../engine';

/** 'raw': whole frames (SOCK_RAW). 'cooked': payloads, the kernel builds the link header (SOCK_DGRAM). */
export type PacketMode = 'raw' | 'cooked';

/** How the kernel classified a received frame (sll_pkttype). */
export type PacketType = 'host' | 'broadcast' | 'multicast' | 'otherhost' | 'outgoing' | 'loopback' | 'user' | 'kernel' | 'fastroute' | 'unknown';

/**
 * Geometry of a TPACKET_V3 receive ring ({@link PacketSocketOptions.ring}).
 * The kernel writes frames back to back into one block at a time and hands
 * the block over when it is full or `blockTimeoutMs` after it was opened;
 * the ring holds `blockSize × blockCount` bytes of frames waiting to be read.
 */
export interface PacketRingOptions {
  /** Bytes per block (tp_block_size): a multiple of the page size, at most 1 GiB in total with blockCount (default 1 MiB). A frame larger than a block is cut to fit. */
  blockSize?: number;
  /** Blocks in the ring (tp_block_nr, default 16: 16 MiB with the default blockSize). */
  blockCount?: number;
  /**
   * tp_frame_size: a multiple of 16 (TPACKET_ALIGNMENT), at least 68 (the
   * tpacket3 header and sockaddr_ll), at most blockSize (default 2048). With
   * TPACKET_V3 frames are packed by their real size, so this only sets the
   * ring's nominal frame count; it does not cut frames (`maxFrameSize` does).
   */
  frameSize?: number;
  /**
   * Hand a partly filled block to user space this many ms after it was opened
   * (tp_retire_blk_tov, default 4; 0 lets the kernel choose, 8 ms on veth).
   * The upper bound of the extra latency a frame sees at low rates.
   */
  blockTimeoutMs?: number;
}


/** A filter as {@link PacketSocket} accepts it: a cBPF program, a builder expression, a filter expression ('udp port 68') or `tcpdump -dd` text. */
export type { PacketFilter } from '../../formats/bpf/filter';

/** Options of {@link PacketSocket.open}. */
export interface PacketSocketOptions {
  /** Interface name or index. Omitted: all interfaces (receive only; sends then need `interface` per call). */
  interface?: InterfaceRef;
  /** EtherType (host order, e.g. 0x88b5) or 'all' (ETH_P_ALL, the default). */
  protocol?: number | 'all';
  /** 'raw' (default) or 'cooked'. */
  mode?: PacketMode;
  /** Receive frames addressed to other MACs too (PACKET_MR_PROMISC; undone on close). Needs `interface`. */
  promiscuous?: boolean;
  /** Receive every multicast frame (PACKET_MR_ALLMULTI). Needs `interface`. */
  allMulticast?: boolean;
  /**
   * Attached before the socket is bound to its protocol, so no unfiltered
   * frame is ever queued (the socket is created with protocol 0).
   */
  filter?: PacketFilter;
  /** Join a fanout group after binding (PACKET_FANOUT, the option table's {@link Fanout}: `{ id, mode, flags? }`). */
  fanout?: Fanout;
  /**
   * Do not receive frames this host transmits (PACKET_IGNORE_OUTGOING, Linux 4.20+). Only sockets with
   * protocol 'all' see outgoing frames (packetType 'outgoing') at all, and never the socket that sent them.
   */
  ignoreOutgoing?: boolean;
  /** SO_RCVBUF in bytes; with CAP_NET_ADMIN the limit net.core.rmem_max is bypassed (SO_RCVBUFFORCE). */
  receiveBufferSize?: number;
  /** SO_SNDBUF in bytes (SO_SNDBUFFORCE with CAP_NET_ADMIN). */
  sendBufferSize?: number;
  /** Create the socket inside another network namespace (path, /proc/PID/ns/net or `ip netns` name). */
  netns?: string;
  /**
   * Pad raw frames shorter than 60 bytes with zeros to the Ethernet minimum
   * before sending (default true). veth and most drivers would pad anyway;
   * turn it off to send runts on purpose.
   */
  pad?: boolean;
  /** Re-insert VLAN tags the kernel stripped (reported via PACKET_AUXDATA) into received raw frames (default true). */
  reinsertVlan?: boolean;
  /** Frames per recvmmsg batch (default 64). */
  batchSize?: number;
  /** Largest frame received in full (default: interface MTU + 64, at least 2048; 65536 without interface). Longer frames are `truncated`. */
  maxFrameSize?: number;
  /**
   * Receive through a TPACKET_V3 memory-mapped ring (PACKET_RX_RING) instead
   * of recvmmsg: `true` for the defaults (16 blocks of 1 MiB, 4 ms block
   * timeout) or a {@link PacketRingOptions}. For high frame rates: the kernel
   * writes frames straight into memory shared with this process and wakes it
   * once per block, so there is no system call per batch and bursts are
   * absorbed by the ring (16 MiB by default) instead of the socket buffer.
   * Frames are copied out of the ring before JavaScript sees them (same
   * events, same {@link FrameInfo}); a frame may wait up to `blockTimeoutMs`
   * before it is delivered. Drops when the ring is full show in
   * {@link PacketSocket.stats} (`dropped`, `freezeQueueCount`). Set up before
   * the socket is bound, so a `filter` still sees every frame first.
   */
  ring?: boolean | PacketRingOptions;
  /** Frames each async iterator buffers before it holds receiving back (default 4096; the engine's rules are in docs/engine.md). */
  highWaterMark?: number;
  /**
   * Borrowed receive buffers (default false): a received frame — the Buffer
   * a `'frame'` listener gets, a `'batch'`'s `buffer` and `data(i)` — is
   * valid only until the handler returns; the next batch is received into
   * the same memory (no receive pool per batch: nothing for the garbage
   * collector, and the memory stays in cache). Copy what you keep
   * (`Buffer.from(frame)`). Async iterators and `receive()` get copies.
   */
  borrow?: boolean;
  /** Most frames waiting in the send queue (default 65536), for every send method; a send offered beyond it rejects with ENOBUFS. */
  sendQueueLimit?: number;
  /**
   * How `send()` hands frames to the kernel (default `'auto'`):
   * - `'auto'`: the first `send()` of a tick of JavaScript goes out at once
   *   (one send(2)); further `send()` calls during the same tick are gathered
   *   and go out together with sendmmsg at the end of that tick (a
   *   microtask, before any I/O or timer runs).
   * - `true`: every `send()` waits for the end of the tick.
   * - `false`: one system call per `send()`, always.
   *
   * Same promises, same order, same errors in every mode.
   */
  coalesce?: boolean | 'auto';
}

/** What arrives with every frame. */
export interface FrameInfo {
  /** Index of the interface the frame was seen on (sll_ifindex). */
  interfaceIndex: number;
  /** Name of that interface ('' when it cannot be looked up). */
  interfaceName: string;
  /** EtherType (host order) as the kernel saw it (the inner one for a stripped VLAN tag). */
  protocol: number;
  /** How the kernel classified the frame (sll_pkttype). */
  packetType: PacketType;
  /** Source MAC address. */
  source: string;
  /** The VLAN tag the kernel stripped from this frame, if any. */
  vlan?: VlanTag;
  /**
   * Receive time, nanoseconds since the Unix epoch (SO_TIMESTAMPNS, turned on
   * when the socket starts receiving, so a send-only socket never makes the
   * kernel timestamp incoming packets). 0n if the kernel supplied none.
   */
  timestamp: bigint;
  /** Length of the frame on the wire (including a re-inserted tag). */
  length: number;
  /** True when the frame was longer than `maxFrameSize` and was cut. */
  truncated: boolean;
  /**
   * The kernel's checksum state for this frame (PACKET_AUXDATA tp_status):
   * 'valid' (TP_STATUS_CSUM_VALID: verified by the device), 'partial'
   * (TP_STATUS_CSUMNOTREADY: a locally sent frame whose transport checksum
   * is left to offload, so the bytes do not hold it yet — not an error), or
   * 'unknown'.
   */
  checksum: 'valid' | 'partial' | 'unknown';
}

/** A received frame and its info (what async iteration yields). */
export interface ReceivedFrame {
  /** The frame (raw mode) or its payload without the link header (cooked mode). */
  frame: Buffer;
  /** What the kernel reported with it. */
  info: FrameInfo;
}

/** Per-send options. */
export interface PacketSendOptions {
  /** Interface for this frame (required when the socket was opened without one). */
  interface?: InterfaceRef;
  /** Cooked mode: destination MAC (required). */
  destination?: string | Uint8Array;
  /** Cooked mode: EtherType (default: the socket's protocol). */
  protocol?: number;
  /** Override the socket's `pad` setting. */
  pad?: boolean;
}

/**
 * One entry of {@link PacketSocket.sendBatch} with its own options (they
 * override the batch's common options): e.g. cooked payloads to different
 * MACs, or frames for different interfaces, in one sendmmsg.
 */
export interface PacketBatchEntry extends PacketSendOptions {
  /** The frame (raw mode) or payload (cooked mode). */
  frame: Uint8Array;
}

/**
 * Counters of a {@link PacketSocket}: the engine's, plus the kernel's
 * PACKET_STATISTICS accumulated since open (the kernel resets them on every
 * read; `stats()` reads them now).
 */
export interface PacketStats extends EngineStats {
  /** Frames the kernel queued to this socket (tp_packets minus tp_drops), since open. */
  kernelReceived: number;
  /** Same as `kernelDropped` (tp_drops): frames dropped because the socket buffer or ring was full. */
  dropped: number;
  /** Times the receive ring filled up and the kernel froze it until a block was returned (tpacket_stats_v3 tp_freeze_q_cnt; `ring` sockets only, 0 otherwise). */
  freezeQueueCount: number;
}

/** Options of {@link PacketSocket.adopt}: the engine settings of {@link PacketSocketOptions} (the rest is read from the descriptor). */
export type PacketAdoptOptions = Pick<PacketSocketOptions, 'netns' | 'pad' | 'reinsertVlan' | 'batchSize' | 'maxFrameSize' | 'highWaterMark' | 'sendQueueLimit' | 'coalesce'>;
