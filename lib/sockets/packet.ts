/**
 * Raw Ethernet frames on Linux AF_PACKET sockets.
 *
 * ```ts
 * import { PacketSocket, bpf } from 'sockit';
 * const sock = await PacketSocket.open({ interface: 'veth0', protocol: 0x88b5 });
 * await sock.send(frame);                       // raw mode: a whole Ethernet frame
 * sock.on('frame', (frame, info) => console.log(info.source, info.packetType, frame.length));
 * for await (const { frame, info } of sock) { ... }
 * await sock.close();
 * ```
 *
 * Receive and send go through the shared native I/O engine (one `uv_poll`,
 * `recvmmsg` batches with one JS call per batch, `sendmmsg`, a send queue
 * only when the kernel says EAGAIN).
 *
 * Needs CAP_NET_RAW (in the socket's network namespace).
 * @module
 */
import { constants as osConstants } from 'node:os';
import { constants, native } from '../binding';
import type { IoRing } from '../binding/io';
import { ControlLayout } from '../binding/io';
import type { NativePacketInterface } from '../binding/packet';
import { parseMac, InterfaceRef } from '../core/address';
import { SocketError, capabilityHint, check, invalidArgType, invalidArgValue, outOfRange, validateBoolean, validateBytes, validateInteger, validateString } from '../core/errors';
import { EngineSocket, EngineStats, SendContext, validateEngineOptions } from '../core/engine';
import { SockaddrReader } from '../core/sockaddr';
import { rejectUnknownKeys } from '../core/validate';
import { Socket } from './socket';
import { encodeOptionValue, getOption, setOption } from '../options';
import type { Fanout, OptionGetValue, OptionSetValue, ReadableOptionName, WritableOptionName } from '../options';
import { getInterface } from '../system/interfaces';
import type { NetworkInterface } from '../system/interfaces';
import { withNetns } from '../system/netns';
import { BpfProgram, insn, BPF, parseTcpdumpDd, validateBpf } from '../formats/bpf/program';
import { compile, FilterExpression } from '../formats/bpf/builder';
import { ETHERNET_MIN_FRAME, VlanTag, insertVlanTag } from '../formats/frames/ethernet';

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

/** Ring defaults (see {@link PacketRingOptions}). */
const RING_DEFAULTS = { blockSize: 1 << 20, blockCount: 16, frameSize: 2048, blockTimeoutMs: 4 } as const;

/** A filter as {@link PacketSocket} accepts it: a cBPF program, a builder expression, or `tcpdump -dd` text. */
export type PacketFilter = BpfProgram | FilterExpression | string;

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

const PACKET_TYPES: PacketType[] = ['host', 'broadcast', 'multicast', 'otherhost', 'outgoing', 'loopback', 'user', 'kernel', 'fastroute'];
const { EMSGSIZE } = osConstants.errno;
const C = (name: string): number => {
  const v = constants[name];
  if (v === undefined) throw new Error(`sockit: constant ${name} missing from the native build`);
  return v;
};
const io = native.ioConstants;
const ETH_HLEN = 14;
const ETH_P_ALL = C('ETH_P_ALL');
const VLAN_VALID = C('TP_STATUS_VLAN_VALID');
const TPID_VALID = C('TP_STATUS_VLAN_TPID_VALID');
const CSUM_NOTREADY = constants.TP_STATUS_CSUMNOTREADY ?? 0;
const CSUM_VALID = constants.TP_STATUS_CSUM_VALID ?? 0;

/** Turn a user filter into a validated program. */
export function toBpfProgram(filter: PacketFilter, name = 'filter'): BpfProgram {
  if (typeof filter === 'string') return parseTcpdumpDd(filter);
  if (Array.isArray(filter)) return validateBpf(filter, name);
  if (filter !== null && typeof filter === 'object' && 'kind' in filter) return compile(filter as FilterExpression);
  throw invalidArgType(name, 'a BPF program ({ code, jt, jf, k }[]), a bpf.* expression or tcpdump -dd text', filter);
}

const DROP_ALL: BpfProgram = [insn(BPF.RET | BPF.K, 0)];
const OPEN_KEYS = ['interface', 'protocol', 'mode', 'promiscuous', 'allMulticast', 'filter', 'fanout', 'ignoreOutgoing', 'receiveBufferSize', 'sendBufferSize', 'netns', 'pad', 'reinsertVlan', 'batchSize', 'maxFrameSize', 'ring', 'highWaterMark', 'sendQueueLimit', 'coalesce'] as const;
const SEND_KEYS = ['interface', 'destination', 'protocol', 'pad'] as const;
const ENTRY_KEYS = ['frame', ...SEND_KEYS] as const;

/** What errors about one send name. */
interface FrameContext {
  length: number;
}

/**
 * A packet socket: send and receive raw Ethernet frames on one interface (or
 * receive on all). Create with {@link PacketSocket.open}.
 *
 * Events: `'frame' (frame: Buffer, info: FrameInfo)`, `'batch'`,
 * `'error' (err)`, `'drain'`, `'close'`. Receiving runs while there is a
 * consumer (a `'frame'` or `'batch'` listener, an async iterator, a pending
 * `receive()`); otherwise frames wait in the kernel queue (and are counted as
 * dropped in {@link PacketSocket.stats} when it overflows). The rules every
 * engine socket shares are in lib/core/engine.ts and docs/engine.md.
 */
export class PacketSocket extends EngineSocket<FrameInfo, ReceivedFrame> {
  /** 'raw' or 'cooked'. */
  readonly mode: PacketMode;
  /** Bound EtherType (host order); ETH_P_ALL (3) for 'all'. */
  readonly protocol: number;
  #iface: NativePacketInterface | undefined;
  #netns: string | undefined;
  #pad: boolean;
  #reinsert: boolean;
  #promisc = false;
  #allmulti = false;
  #ring: Required<PacketRingOptions> | undefined;
  #timestamps = false;
  #kstats = { kernelReceived: 0, kernelDropped: 0, freezeQueueCount: 0 };
  #addressCache = new Map<string, Buffer>();
  /** ifindex → name, valid for one batch (an index reused by a new interface gets its new name). */
  #names = new Map<number, string>();
  #namesBatch = -1;
  #batchNo = 0;
  #addrs: SockaddrReader;
  #ctl: DataView;
  #meta: Uint32Array;

  private constructor(fd: number, mode: PacketMode, protocol: number, iface: NativePacketInterface | undefined, o: PacketSocketOptions, ring: Required<PacketRingOptions> | undefined, mapped: IoRing | undefined) {
    super(fd, {
      name: 'PacketSocket',
      messageEvent: 'frame',
      batchSize: o.batchSize ?? (ring ? 256 : 64),
      messageSize: o.maxFrameSize ?? (iface ? Math.max(2048, iface.mtu + 64) : 65536),
      ...(mapped ? { ring: mapped } : {}),
      sendQueueLimit: o.sendQueueLimit ?? 65536,
      coalesce: o.coalesce ?? 'auto',
      highWaterMark: o.highWaterMark ?? 4096,
      ready: true,
    });
    this.mode = mode;
    this.protocol = protocol;
    this.#iface = iface;
    this.#netns = o.netns;
    this.#pad = o.pad ?? true;
    this.#reinsert = o.reinsertVlan ?? true;
    this.#ring = ring;
    const h = this._handle;
    this.#addrs = new SockaddrReader(h.addresses);
    this.#ctl = new DataView(h.control.buffer, h.control.byteOffset, h.control.byteLength);
    this.#meta = h.meta;
  }

  /**
   * Open a packet socket. Order of operations: socket(protocol 0) → options,
   * PACKET_AUXDATA, filter → with `ring`: PACKET_VERSION (TPACKET_V3),
   * PACKET_RX_RING, mmap → bind(interface, protocol) → memberships, fanout
   * (SO_TIMESTAMPNS follows when receiving starts). Rejects with a {@link SocketError} (EPERM without
   * CAP_NET_RAW, with a hint saying how to get it).
   */
  static async open(options: PacketSocketOptions = {}): Promise<PacketSocket> {
    return PacketSocket.openSync(options);
  }

  /** Synchronous {@link PacketSocket.open}. */
  static openSync(options: PacketSocketOptions = {}): PacketSocket {
    rejectUnknownKeys(options, OPEN_KEYS, 'options');
    const o = options;
    const mode = o.mode ?? 'raw';
    if (mode !== 'raw' && mode !== 'cooked') throw invalidArgValue('options.mode', mode, "must be 'raw' or 'cooked'");
    const protocol = o.protocol === undefined || o.protocol === 'all' ? ETH_P_ALL : validateInteger(o.protocol, 'options.protocol', 1, 0xffff);
    if (o.interface !== undefined && typeof o.interface !== 'string' && typeof o.interface !== 'number') throw invalidArgType('options.interface', 'an interface name or index', o.interface);
    for (const k of ['promiscuous', 'allMulticast', 'ignoreOutgoing', 'pad', 'reinsertVlan'] as const) if (o[k] !== undefined) validateBoolean(o[k], `options.${k}`);
    if ((o.promiscuous || o.allMulticast) && o.interface === undefined) throw invalidArgValue('options.promiscuous', true, 'needs an interface');
    const program = o.filter === undefined ? undefined : toBpfProgram(o.filter, 'options.filter');
    if (o.receiveBufferSize !== undefined) validateInteger(o.receiveBufferSize, 'options.receiveBufferSize', 1, 0x7fffffff);
    if (o.sendBufferSize !== undefined) validateInteger(o.sendBufferSize, 'options.sendBufferSize', 1, 0x7fffffff);
    if (o.maxFrameSize !== undefined) validateInteger(o.maxFrameSize, 'options.maxFrameSize', 64, 1 << 20);
    if (o.netns !== undefined) validateString(o.netns, 'options.netns');
    validateEngineOptions(o);
    if (o.fanout !== undefined) {
      if (o.fanout === null || typeof o.fanout !== 'object') throw invalidArgType('options.fanout', 'an object { id, mode, flags? }', o.fanout);
      encodeOptionValue('PACKET_FANOUT', o.fanout); // validated before any system call
    }
    const ring = ringGeometry(o.ring);

    // Protocol 0: nothing is queued until bind() names the protocol, after the filter is in place.
    let fd: number;
    try {
      fd = new Socket('packet', mode === 'raw' ? 'raw' : 'dgram', 0, o.netns === undefined ? {} : { netns: o.netns }).release();
    } catch (e) {
      throw withRawHint(e);
    }
    let mapped: IoRing | undefined;
    let handed = false;
    try {
      const iface = o.interface === undefined ? undefined : lookupInterface(fd, o.interface);
      setOption(fd, 'PACKET_AUXDATA', true);
      // SO_TIMESTAMPNS is turned on when receiving starts (_onReceiveStart), not here.
      if (o.receiveBufferSize !== undefined) setBuffer(fd, 'SO_RCVBUF', o.receiveBufferSize);
      if (o.sendBufferSize !== undefined) setBuffer(fd, 'SO_SNDBUF', o.sendBufferSize);
      if (o.ignoreOutgoing) setOption(fd, 'PACKET_IGNORE_OUTGOING', true);
      if (program) setOption(fd, 'SO_ATTACH_FILTER', program);
      // The ring exists before bind() names the protocol: no frame is queued anywhere else first.
      if (ring) mapped = check(native.ioRingSetup(fd, ring.blockSize, ring.blockCount, ring.frameSize, ring.blockTimeoutMs), 'setsockopt', { option: 'PACKET_RX_RING' });
      check(native.bind(fd, { family: C('AF_PACKET'), ifindex: iface?.index ?? 0, protocol }), 'bind', iface ? { interface: iface.name } : {});
      if (o.fanout) setOption(fd, 'PACKET_FANOUT', o.fanout);
      // The engine handle is created last: until then the descriptor (and ring) is ours alone.
      handed = true;
      const sock = new PacketSocket(fd, mode, protocol, iface, o, ring, mapped);
      try {
        if (o.promiscuous) sock.setPromiscuous(true);
        if (o.allMulticast) sock.setAllMulticast(true);
      } catch (e) {
        void sock.close();
        throw e;
      }
      return sock;
    } catch (e) {
      if (!handed) {
        mapped?.unmap();
        native.close(fd);
      }
      throw e;
    }
  }

  /**
   * The bound interface, read now in the socket's namespace: name, index,
   * MTU, MAC, flags and addresses (undefined for a socket opened on every
   * interface).
   */
  get interface(): NetworkInterface | undefined {
    if (!this.#iface) return undefined;
    const index = this.#iface.index;
    try {
      return getInterface(index, this.#netns === undefined ? {} : { netns: this.#netns });
    } catch {
      return undefined;
    }
  }

  /** The receive ring's geometry when opened with `ring` (defaults filled in), else undefined. */
  get ring(): Readonly<Required<PacketRingOptions>> | undefined {
    return this.#ring ? { ...this.#ring } : undefined;
  }

  // ---- the record decoder -------------------------------------------------------

  /** @internal Kernel receive timestamps only once this socket receives (a send-only socket should not make the kernel stamp every packet). */
  protected override _onReceiveStart(): void {
    if (this.#timestamps) return;
    this.#timestamps = true;
    setOption(this.fd, 'SO_TIMESTAMPNS', true);
  }

  /** @internal */
  protected _item(frame: Buffer, info: FrameInfo): ReceivedFrame {
    return { frame, info };
  }

  /** @internal Deliver frame i (VLAN tag re-inserted when the kernel stripped it). */
  protected _decodeRecord(i: number, data: Buffer, off: number, len: number): void {
    const info = this._decodeInfo(i);
    let frame = data.subarray(off, off + len);
    if (info.vlan && this.#reinsert && this.mode === 'raw' && frame.length >= 12) frame = insertVlanTag(frame, info.vlan);
    this._deliver(frame, info, info.truncated);
  }

  /** @internal Metadata of frame i of the current batch. */
  protected _decodeInfo(i: number): FrameInfo {
    const meta = this.#meta;
    const len = meta[i * 4 + 1] as number;
    const real = meta[i * 4 + 2] as number;
    const a = i * io.ADDRESS_STRIDE;
    const addrs = this.#addrs;
    const c = i * io.CONTROL_STRIDE;
    const cv = this.#ctl;
    const present = cv.getUint32(c + ControlLayout.present, true);
    let length = real;
    let vlan: VlanTag | undefined;
    let checksum: FrameInfo['checksum'] = 'unknown';
    if (present & io.HAS_AUXDATA) {
      const status = cv.getUint32(c + ControlLayout.tpStatus, true);
      if (status & VLAN_VALID) {
        const tci = cv.getUint16(c + ControlLayout.tpVlanTci, true);
        const tpid = status & TPID_VALID ? cv.getUint16(c + ControlLayout.tpVlanTpid, true) : 0x8100;
        vlan = { id: tci & 0x0fff, priority: tci >>> 13, dropEligible: (tci & 0x1000) !== 0, tpid };
        if (this.#reinsert && this.mode === 'raw' && len >= 12) length += 4;
      }
      if (status & CSUM_NOTREADY) checksum = 'partial';
      else if (status & CSUM_VALID) checksum = 'valid';
    }
    const ifindex = addrs.llIfindex(a);
    const info: FrameInfo = {
      interfaceIndex: ifindex,
      interfaceName: this.#nameOf(ifindex),
      protocol: addrs.llProtocol(a),
      packetType: PACKET_TYPES[addrs.llPkttype(a)] ?? 'unknown',
      source: addrs.llAddress(a),
      timestamp: present & io.HAS_TIMESTAMP ? cv.getBigInt64(c + ControlLayout.timestampNs, true) : 0n,
      length,
      truncated: real > len,
      checksum,
    };
    if (vlan) info.vlan = vlan;
    return info;
  }

  /** @internal A new batch: interface names are looked up afresh (indexes can be reused). */
  protected override _beginBatch(): void {
    this.#batchNo++;
  }

  #nameOf(index: number): string {
    if (this.#namesBatch !== this.#batchNo) {
      this.#namesBatch = this.#batchNo;
      this.#names.clear();
    }
    let n = this.#names.get(index);
    if (n === undefined) {
      const r = index > 0 && !this.closed ? native.packetInterface(this.fd, index) : -19;
      n = typeof r === 'number' ? '' : r.name;
      this.#names.set(index, n);
    }
    return n;
  }

  #ctx(): { interface?: string } {
    return this.#iface ? { interface: this.#iface.name } : {};
  }

  /** @internal */
  protected _receiveError(errno: number, syscall: string): Error {
    return new SocketError(errno, syscall, this.#ctx());
  }

  /** @internal The kernel's counters, accumulated (reading PACKET_STATISTICS resets them). */
  #readKernelStats(): void {
    const s = getOption(this.fd, 'PACKET_STATISTICS');
    this.#kstats.kernelReceived += s.packets - s.drops;
    this.#kstats.kernelDropped += s.drops;
    this.#kstats.freezeQueueCount += s.freezeQueueCount ?? 0;
  }

  /** @internal */
  protected override _kernelDropped(): number {
    this.#readKernelStats();
    return this.#kstats.kernelDropped;
  }

  /** Counters: the engine's, and the kernel's PACKET_STATISTICS read now and accumulated since open. */
  override stats(): PacketStats {
    const base = super.stats();
    return { ...base, kernelReceived: this.#kstats.kernelReceived, dropped: base.kernelDropped, freezeQueueCount: this.#kstats.freezeQueueCount };
  }

  // ---- the address codec ---------------------------------------------------------

  #address(opts: PacketSendOptions | undefined, name = 'options'): Uint8Array | null {
    if (opts !== undefined) rejectUnknownKeys(opts, name.endsWith(']') ? ENTRY_KEYS : SEND_KEYS, name);
    const ifRef = opts?.interface;
    const dest = opts?.destination;
    if (this.mode === 'raw') {
      if (ifRef === undefined) {
        if (!this.#iface) throw invalidArgValue(`${name}.interface`, undefined, 'is required: this socket was opened without an interface');
        return null;
      }
    } else if (dest === undefined) {
      throw invalidArgValue(`${name}.destination`, undefined, 'is required in cooked mode (the destination MAC)');
    }
    const protoIn = opts?.protocol ?? (this.protocol === ETH_P_ALL ? undefined : this.protocol);
    if (this.mode === 'cooked' && protoIn === undefined) throw invalidArgValue(`${name}.protocol`, undefined, "is required in cooked mode when the socket's protocol is 'all'");
    const proto = protoIn === undefined ? 0 : validateInteger(protoIn, `${name}.protocol`, 0, 0xffff);
    const mac = dest === undefined ? undefined : parseMac(dest, `${name}.destination`);
    const key = `${String(ifRef)}|${mac ? mac.toString('hex') : ''}|${proto}`;
    let enc = this.#addressCache.get(key);
    if (!enc) {
      const ifindex = ifRef === undefined ? (this.#iface as NativePacketInterface).index : lookupInterface(this.fd, ifRef).index;
      enc = native.ioEncodeAddress({ family: C('AF_PACKET'), ifindex, protocol: proto, mac });
      if (this.#addressCache.size > 256) this.#addressCache.clear();
      this.#addressCache.set(key, enc);
    }
    return enc;
  }

  /** Validate (and pad) one frame; `index` names it in errors (-1: 'frame'), so the hot path builds no strings. */
  #prepare(frame: unknown, index: number, pad: boolean): Uint8Array {
    const f = frame instanceof Uint8Array ? frame : validateBytes(frame, index < 0 ? 'frame' : `frames[${index}]`);
    if (this.mode === 'raw') {
      if (f.length < ETH_HLEN) throw invalidArgValue(index < 0 ? 'frame' : `frames[${index}]`, `${f.length} bytes`, `is shorter than an Ethernet header (${ETH_HLEN} bytes)`);
      if (pad && f.length < ETHERNET_MIN_FRAME) {
        const p = Buffer.alloc(ETHERNET_MIN_FRAME);
        p.set(f, 0);
        return p;
      }
    }
    return f;
  }

  /** @internal EMSGSIZE names the MTU; everything else the interface. */
  protected _sendError(errno: number, syscall: string, ctx: SendContext): Error {
    if (errno === EMSGSIZE && !this.closed) {
      const length = (ctx as FrameContext | undefined)?.length ?? 0;
      const iface = this.#iface ? lookupInterface(this.fd, this.#iface.index) : undefined;
      const mtu = iface ? `the MTU of ${iface.name} is ${iface.mtu} bytes` : 'it exceeds the MTU of the interface';
      const limit = iface ? ` (at most ${iface.mtu + (this.mode === 'raw' ? ETH_HLEN : 0)} bytes${this.mode === 'raw' ? ' with the 14-byte header, 4 more with a VLAN tag' : ''})` : '';
      return new SocketError(errno, 'sendmsg', { ...this.#ctx(), hint: `a ${length}-byte ${this.mode === 'raw' ? 'frame' : 'payload'} is too long: ${mtu}${limit}` });
    }
    return new SocketError(errno, syscall, this.#ctx());
  }

  // ---- sending -----------------------------------------------------------------

  /**
   * Send one frame (raw mode: a whole Ethernet frame; cooked: the payload,
   * with `destination`). Resolves with the bytes sent once the kernel took
   * it (see the coalescing and queueing rules of the engine). A failure
   * rejects and, while an `'error'` listener exists, is emitted there too.
   */
  send(frame: Uint8Array, options?: PacketSendOptions): Promise<number> {
    try {
      const pad = options?.pad === undefined ? this.#pad : validateBoolean(options.pad, 'options.pad');
      const f = this.#prepare(frame, -1, pad);
      const addr = options === undefined && this.mode === 'raw' && this.#iface ? null : this.#address(options);
      this._check();
      return this._send(f, addr, null, { length: f.length });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Send one frame only if the kernel takes it now: true when sent, false when
   * the socket buffer is full (nothing queued; wait for `'drain'`). Throws on
   * other errors.
   */
  trySend(frame: Uint8Array, options?: PacketSendOptions): boolean {
    const pad = options?.pad === undefined ? this.#pad : validateBoolean(options.pad, 'options.pad');
    const f = this.#prepare(frame, -1, pad);
    const addr = this.#address(options);
    return this._trySend(f, addr, null, { length: f.length });
  }

  /**
   * Send many frames with sendmmsg (up to 1024 per system call). Entries are
   * frames (sent with `options`) or `{ frame, destination?, protocol?,
   * interface?, pad? }` objects whose options override `options` for that
   * frame. Resolves with the number sent (all of them) once the kernel took
   * every one; on an error the promise rejects and `err.sent` says how many
   * went out first.
   */
  sendBatch(frames: readonly (Uint8Array | PacketBatchEntry)[], options?: PacketSendOptions): Promise<number> {
    try {
      if (!Array.isArray(frames)) throw invalidArgType('frames', 'an array of Buffers or { frame, ...options } entries', frames);
      const pad = options?.pad === undefined ? this.#pad : validateBoolean(options.pad, 'options.pad');
      const n = frames.length;
      const list: Uint8Array[] = new Array(n);
      let common: Uint8Array | null | undefined; // the batch-wide address, computed once, only if some frame uses it
      const commonAddr = (): Uint8Array | null => (common === undefined ? (common = this.#address(options)) : common);
      let perFrame: (Uint8Array | null)[] | undefined;
      for (let i = 0; i < n; i++) {
        const e = frames[i];
        if (e instanceof Uint8Array || e === null || typeof e !== 'object' || !('frame' in e)) {
          list[i] = this.#prepare(e, i, pad);
          if (perFrame) perFrame[i] = commonAddr();
          continue;
        }
        const name = `frames[${i}]`;
        list[i] = this.#prepare(e.frame, i, e.pad === undefined ? pad : validateBoolean(e.pad, `${name}.pad`));
        const merged: PacketSendOptions = { ...options };
        if (e.interface !== undefined) merged.interface = e.interface;
        if (e.destination !== undefined) merged.destination = e.destination;
        if (e.protocol !== undefined) merged.protocol = e.protocol;
        if (!perFrame) {
          perFrame = new Array(n);
          for (let k = 0; k < i; k++) perFrame[k] = commonAddr();
        }
        perFrame[i] = this.#address(merged, name);
      }
      const addr = perFrame ?? commonAddr();
      this._check();
      const ctxs: FrameContext[] = list.map((f) => ({ length: f.length }));
      return this._sendBatch(list, addr, null, ctxs);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ---- configuration -------------------------------------------------------------

  #membership(add: boolean, type: 'promisc' | 'allmulti' | 'multicast', mac?: string | Uint8Array): void {
    if (!this.#iface) throw invalidArgValue('interface', undefined, 'is required for memberships: open the socket with an interface');
    const value = { interface: this.#iface.index, type, ...(mac !== undefined ? { address: mac } : {}) };
    try {
      setOption(this.fd, add ? 'PACKET_ADD_MEMBERSHIP' : 'PACKET_DROP_MEMBERSHIP', value);
    } catch (e) {
      if (e instanceof SocketError && !e.interface) throw new SocketError(e.errno, e.syscall, { option: e.option, ...this.#ctx(), ...(e.hint ? { hint: e.hint } : {}) });
      throw e;
    }
  }

  /**
   * Promiscuous mode on the bound interface (PACKET_MR_PROMISC): frames for
   * other MACs are received too. Reference-counted by the kernel per socket;
   * turned back off on close.
   */
  setPromiscuous(on: boolean): this {
    validateBoolean(on, 'on');
    if (on !== this.#promisc) {
      this.#membership(on, 'promisc');
      this.#promisc = on;
    }
    return this;
  }

  /** Receive all multicast frames on the bound interface (PACKET_MR_ALLMULTI). */
  setAllMulticast(on: boolean): this {
    validateBoolean(on, 'on');
    if (on !== this.#allmulti) {
      this.#membership(on, 'allmulti');
      this.#allmulti = on;
    }
    return this;
  }

  /** Accept frames sent to a multicast MAC on the bound interface (PACKET_MR_MULTICAST). */
  addMembership(mac: string | Uint8Array): this {
    this.#membership(true, 'multicast', parseMac(mac, 'mac'));
    return this;
  }

  /** Undo {@link PacketSocket.addMembership}. */
  dropMembership(mac: string | Uint8Array): this {
    this.#membership(false, 'multicast', parseMac(mac, 'mac'));
    return this;
  }

  /**
   * Replace the filter without letting a frame that does not match it through:
   * attach a drop-everything program, discard what is queued, then attach
   * the new program. `null` removes the filter.
   *
   * With `ring`, the frames already in the ring (including the block the
   * kernel is still filling) are skipped unread instead of drained.
   */
  setFilter(filter: PacketFilter | null): this {
    const fd = this.fd;
    const program = filter === null ? null : toBpfProgram(filter);
    setOption(fd, 'SO_ATTACH_FILTER', DROP_ALL);
    check(native.packetDrain(fd, 1e7), 'recv');
    // A ring socket has no queue to drain: the frames already in its ring are skipped unread instead.
    if (this._handle.ring) check(this._handle.ringSkip(), 'setsockopt', { option: 'SO_ATTACH_FILTER' });
    if (program) setOption(fd, 'SO_ATTACH_FILTER', program);
    else setOption(fd, 'SO_DETACH_FILTER', true);
    return this;
  }

  /** Join a fanout group (PACKET_FANOUT, `{ id, mode, flags? }`). A socket joins at most one group, once. */
  setFanout(fanout: Fanout): this {
    setOption(this.fd, 'PACKET_FANOUT', fanout);
    return this;
  }

  /**
   * Any option of the option table, by name (`setOption('SO_RCVBUF', 1 << 22)`,
   * `setOption('PACKET_AUXDATA', true)`): one setsockopt(2) through the option engine.
   */
  setOption<N extends WritableOptionName>(name: N, value: OptionSetValue<N>): this {
    const fd = this.fd;
    inNs(this.#netns, () => setOption(fd, name, value));
    return this;
  }

  /** Read any option of the option table by name (`getOption('SO_RCVBUF')`). */
  getOption<N extends ReadableOptionName>(name: N): OptionGetValue<N> {
    const fd = this.fd;
    return inNs(this.#netns, () => getOption(fd, name));
  }

  /** @internal Promiscuous / all-multicast are turned off before the descriptor goes. */
  protected override _beforeClose(): void {
    const promisc = this.#promisc;
    const allmulti = this.#allmulti;
    this.#promisc = this.#allmulti = false;
    if (promisc) this.#membership(false, 'promisc');
    if (allmulti) this.#membership(false, 'allmulti');
  }
}

function inNs<T>(netns: string | undefined, fn: () => T): T {
  return netns === undefined ? fn() : withNetns(netns, fn);
}

/** Validate `options.ring` and fill in the defaults; undefined when off. */
function ringGeometry(r: boolean | PacketRingOptions | undefined): Required<PacketRingOptions> | undefined {
  if (r === undefined || r === false) return undefined;
  if (r === true) return { ...RING_DEFAULTS };
  if (r === null || typeof r !== 'object') throw invalidArgType('options.ring', 'a boolean or an object { blockSize?, blockCount?, frameSize?, blockTimeoutMs? }', r);
  rejectUnknownKeys(r, ['blockSize', 'blockCount', 'frameSize', 'blockTimeoutMs'], 'options.ring');
  const page = io.PAGE_SIZE;
  const minFrame = io.RING_MIN_FRAME;
  const g = {
    blockSize: r.blockSize === undefined ? RING_DEFAULTS.blockSize : validateInteger(r.blockSize, 'options.ring.blockSize', page, 2 ** 30),
    blockCount: r.blockCount === undefined ? RING_DEFAULTS.blockCount : validateInteger(r.blockCount, 'options.ring.blockCount', 1, 65536),
    frameSize: r.frameSize === undefined ? RING_DEFAULTS.frameSize : validateInteger(r.frameSize, 'options.ring.frameSize', minFrame, 2 ** 30),
    blockTimeoutMs: r.blockTimeoutMs === undefined ? RING_DEFAULTS.blockTimeoutMs : validateInteger(r.blockTimeoutMs, 'options.ring.blockTimeoutMs', 0, 60000),
  };
  if (g.blockSize % page !== 0) throw outOfRange('options.ring.blockSize', `a multiple of the page size (${page})`, g.blockSize);
  if (g.frameSize % 16 !== 0) throw outOfRange('options.ring.frameSize', 'a multiple of 16 (TPACKET_ALIGNMENT)', g.frameSize);
  if (g.frameSize > g.blockSize) throw outOfRange('options.ring.frameSize', `<= blockSize (${g.blockSize})`, g.frameSize);
  if (g.blockSize * g.blockCount > 2 ** 30) throw outOfRange('options.ring.blockCount', `such that blockSize × blockCount <= 1 GiB (at most ${Math.floor(2 ** 30 / g.blockSize)} blocks of ${g.blockSize} bytes)`, g.blockCount);
  return g;
}

function lookupInterface(fd: number, ref: InterfaceRef): NativePacketInterface {
  if (typeof ref === 'number') validateInteger(ref, 'interface', 1, 0x7fffffff);
  else if (typeof ref !== 'string' || ref.length === 0) throw invalidArgType('interface', 'an interface name or index', ref);
  const r = native.packetInterface(fd, ref);
  if (typeof r === 'number') {
    throw new SocketError(-r, 'ioctl', { interface: String(ref), hint: `no interface ${typeof ref === 'number' ? `with index ${ref}` : `named "${ref}"`} in the socket's network namespace` });
  }
  return r;
}

function setBuffer(fd: number, opt: 'SO_RCVBUF' | 'SO_SNDBUF', size: number): void {
  // FORCE bypasses net.core.[rw]mem_max with CAP_NET_ADMIN; otherwise fall back to the capped option.
  try {
    setOption(fd, opt === 'SO_RCVBUF' ? 'SO_RCVBUFFORCE' : 'SO_SNDBUFFORCE', size);
  } catch {
    setOption(fd, opt, size);
  }
}

function withRawHint(e: unknown): unknown {
  if (e instanceof SocketError && (e.code === 'EPERM' || e.code === 'EACCES') && !e.hint) {
    return new SocketError(-e.errno, e.syscall, { hint: `raw packet sockets ${capabilityHint('CAP_NET_RAW')}` });
  }
  return e;
}
