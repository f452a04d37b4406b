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
import { EventEmitter } from 'node:events';
import { constants as osConstants } from 'node:os';
import { constants, native } from '../binding';
import type { IoHandle, IoRing } from '../binding/io';
import { ControlLayout } from '../binding/io';
import type { NativePacketInterface } from '../binding/packet';
import { formatMac, parseMac, InterfaceRef } from '../core/address';
import {
  SocketError,
  capabilityHint,
  check,
  invalidArgType,
  invalidArgValue,
  outOfRange,
  socketClosed,
  validateBoolean,
  validateBytes,
  validateInteger,
  validateString,
} from '../core/errors';
import { Socket } from './socket';
import { getOption, setOption } from '../options';
import type { OptionGetValue, OptionSetValue, ReadableOptionName, WritableOptionName } from '../options';
import { BpfProgram, encodeBpf, insn, BPF, parseTcpdumpDd, validateBpf } from '../formats/bpf/program';
import { compile, FilterExpression } from '../formats/bpf/builder';
import { ETHERNET_MIN_FRAME, VlanTag, insertVlanTag } from '../formats/frames/ethernet';

/** 'raw': whole frames (SOCK_RAW). 'cooked': payloads, the kernel builds the link header (SOCK_DGRAM). */
export type PacketMode = 'raw' | 'cooked';

/** How the kernel classified a received frame (sll_pkttype). */
export type PacketType = 'host' | 'broadcast' | 'multicast' | 'otherhost' | 'outgoing' | 'loopback' | 'user' | 'kernel' | 'fastroute' | 'unknown';

/** PACKET_FANOUT modes. */
export type PacketFanoutMode = 'hash' | 'lb' | 'cpu' | 'rollover' | 'random' | 'qm';

/** A fanout group: frames are spread over every socket of the group (same group id, same mode). */
export interface FanoutOptions {
  /** Group id, 0-65535; sockets of one process (and namespace) with the same id share the load. */
  group: number;
  /** 'hash' (flow hash, the default), 'lb' (round robin), 'cpu', 'rollover', 'random', 'qm' (rx queue). */
  mode?: PacketFanoutMode;
  /** Reassemble IP fragments before hashing (PACKET_FANOUT_FLAG_DEFRAG). */
  defrag?: boolean;
  /** Move to the next socket when one is full (PACKET_FANOUT_FLAG_ROLLOVER). */
  rollover?: boolean;
}

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
  /** Join a fanout group after binding. */
  fanout?: FanoutOptions;
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
  /** Frames buffered for async iteration before the socket stops reading (default 4096); the kernel queue absorbs the rest. */
  highWaterMark?: number;
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

/** Kernel counters, accumulated over reads (the kernel resets them on every read). */
export interface PacketStats {
  /** Frames queued to this socket (kernel tp_packets minus tp_drops). */
  received: number;
  /** Frames the kernel dropped because the receive buffer was full (tp_drops). */
  dropped: number;
  /** Times the receive ring filled up and the kernel froze it until a block was returned (tpacket_stats_v3 tp_freeze_q_cnt; `ring` sockets only, 0 otherwise). */
  freezeQueueCount: number;
}

const PACKET_TYPES: PacketType[] = ['host', 'broadcast', 'multicast', 'otherhost', 'outgoing', 'loopback', 'user', 'kernel', 'fastroute'];
const FANOUT_MODES: Record<PacketFanoutMode, string> = {
  hash: 'PACKET_FANOUT_HASH',
  lb: 'PACKET_FANOUT_LB',
  cpu: 'PACKET_FANOUT_CPU',
  rollover: 'PACKET_FANOUT_ROLLOVER',
  random: 'PACKET_FANOUT_RND',
  qm: 'PACKET_FANOUT_QM',
};
const { EAGAIN, EMSGSIZE, ETIMEDOUT } = osConstants.errno;
const C = (name: string): number => {
  const v = constants[name];
  if (v === undefined) throw new Error(`sockit: constant ${name} missing from the native build`);
  return v;
};

const ETH_HLEN = 14;
/** One frame, or a batch, waiting for the socket to become writable. */
interface PendingSend {
  frames: Uint8Array[];
  addresses: Uint8Array | (Uint8Array | null)[] | null;
  next: number;
  resolve: (sent: number) => void;
  reject: (err: Error) => void;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n, 0);
  return b;
}

/** Turn a user filter into a validated program. */
export function toBpfProgram(filter: PacketFilter, name = 'filter'): BpfProgram {
  if (typeof filter === 'string') return parseTcpdumpDd(filter);
  if (Array.isArray(filter)) return validateBpf(filter, name);
  if (filter !== null && typeof filter === 'object' && 'kind' in filter) return compile(filter as FilterExpression);
  throw invalidArgType(name, 'a BPF program ({ code, jt, jf, k }[]), a bpf.* expression or tcpdump -dd text', filter);
}

const DROP_ALL: BpfProgram = [insn(BPF.RET | BPF.K, 0)];
/** Returned by send() when the kernel took the frame synchronously (no allocation per frame). */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A packet socket: send and receive raw Ethernet frames on one interface (or
 * receive on all). Create with {@link PacketSocket.open}.
 *
 * Events: `'frame' (frame: Buffer, info: FrameInfo)`, `'error' (err)`,
 * `'close'`. Receiving runs while there is a `'frame'` listener or an async
 * iterator; otherwise frames wait in the kernel queue (and are counted as
 * dropped in {@link stats} when it overflows).
 */
export class PacketSocket extends EventEmitter {
  /** 'raw' or 'cooked'. */
  readonly mode: PacketMode;
  /** Bound EtherType (host order); ETH_P_ALL (3) for 'all'. */
  readonly protocol: number;
  #fd: number;
  #io: IoHandle | undefined;
  #iface: NativePacketInterface | undefined;
  #pad: boolean;
  #reinsert: boolean;
  #promisc = false;
  #allmulti = false;
  #closing: Promise<void> | undefined;
  #closed = false;
  #sendQueue: PendingSend[] = [];
  /** Polling for POLLOUT (the kernel refused a send; the queue waits for room). */
  #writable = false;
  /** 0: one syscall per send(); 1: 'auto'; 2: always gathered at the end of the tick. */
  #coalesce: 0 | 1 | 2;
  /** 'auto': a send() already went out at once during this tick. */
  #burst = false;
  #tickScheduled = false;
  #stats: PacketStats = { received: 0, dropped: 0, freezeQueueCount: 0 };
  #names = new Map<number, string>();
  #iterators = new Set<FrameQueue>();
  #hwm: number;
  #ring: Required<PacketRingOptions> | undefined;
  #receiving = false;
  #timestamps = false;
  #addressCache = new Map<string, Buffer>();
  #lastMacKey = -1;
  #lastMac = '';

  private constructor(fd: number, mode: PacketMode, protocol: number, iface: NativePacketInterface | undefined, o: PacketSocketOptions) {
    super();
    this.#fd = fd;
    this.mode = mode;
    this.protocol = protocol;
    this.#iface = iface;
    this.#pad = o.pad ?? true;
    this.#reinsert = o.reinsertVlan ?? true;
    this.#hwm = o.highWaterMark ?? 4096;
    this.#ring = ringGeometry(o.ring);
    this.#coalesce = o.coalesce === true ? 2 : o.coalesce === false ? 0 : 1;
    if (iface) this.#names.set(iface.index, iface.name);
    this.on('newListener', (ev) => {
      if (ev === 'frame') queueMicrotask(() => this.#updateReceiving());
    });
    this.on('removeListener', (ev) => {
      if (ev === 'frame') this.#updateReceiving();
    });
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

  /** Synchronous {@link open}. */
  static openSync(options: PacketSocketOptions = {}): PacketSocket {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const o = options;
    const mode = o.mode ?? 'raw';
    if (mode !== 'raw' && mode !== 'cooked') throw invalidArgValue('options.mode', mode, "must be 'raw' or 'cooked'");
    const protocol = o.protocol === undefined || o.protocol === 'all' ? C('ETH_P_ALL') : validateInteger(o.protocol, 'options.protocol', 1, 0xffff);
    if (o.interface !== undefined && typeof o.interface !== 'string' && typeof o.interface !== 'number') throw invalidArgType('options.interface', 'an interface name or index', o.interface);
    for (const k of ['promiscuous', 'allMulticast', 'ignoreOutgoing', 'pad', 'reinsertVlan'] as const) if (o[k] !== undefined) validateBoolean(o[k], `options.${k}`);
    if ((o.promiscuous || o.allMulticast) && o.interface === undefined) throw invalidArgValue('options.promiscuous', true, 'needs an interface');
    const program = o.filter === undefined ? undefined : toBpfProgram(o.filter, 'options.filter');
    if (o.receiveBufferSize !== undefined) validateInteger(o.receiveBufferSize, 'options.receiveBufferSize', 1, 0x7fffffff);
    if (o.sendBufferSize !== undefined) validateInteger(o.sendBufferSize, 'options.sendBufferSize', 1, 0x7fffffff);
    if (o.batchSize !== undefined) validateInteger(o.batchSize, 'options.batchSize', 1, 1024);
    if (o.maxFrameSize !== undefined) validateInteger(o.maxFrameSize, 'options.maxFrameSize', 64, 1 << 20);
    if (o.highWaterMark !== undefined) validateInteger(o.highWaterMark, 'options.highWaterMark', 1, 1 << 24);
    if (o.netns !== undefined) validateString(o.netns, 'options.netns');
    if (o.coalesce !== undefined && o.coalesce !== 'auto') validateBoolean(o.coalesce, 'options.coalesce');
    if (o.fanout !== undefined) fanoutValue(o.fanout);
    const ring = ringGeometry(o.ring);

    // Protocol 0: nothing is queued until bind() names the protocol, after the filter is in place.
    let fd: number;
    try {
      fd = new Socket('packet', mode === 'raw' ? 'raw' : 'dgram', 0, o.netns === undefined ? {} : { netns: o.netns }).release();
    } catch (e) {
      throw withRawHint(e);
    }
    let sock: PacketSocket | undefined;
    let mapped: IoRing | undefined;
    try {
      const iface = o.interface === undefined ? undefined : lookupInterface(fd, o.interface);
      const setInt = (level: string, opt: string, v: number): void => {
        check(native.setsockoptRaw(fd, C(level), C(opt), int32(v)), 'setsockopt', { option: opt });
      };
      setInt('SOL_PACKET', 'PACKET_AUXDATA', 1);
      // SO_TIMESTAMPNS is turned on when receiving starts (#updateReceiving), not here.
      if (o.receiveBufferSize !== undefined) setBuffer(fd, 'SO_RCVBUF', o.receiveBufferSize);
      if (o.sendBufferSize !== undefined) setBuffer(fd, 'SO_SNDBUF', o.sendBufferSize);
      if (o.ignoreOutgoing) setInt('SOL_PACKET', 'PACKET_IGNORE_OUTGOING', 1);
      if (program) check(native.packetAttachFilter(fd, encodeBpf(program)), 'setsockopt', { option: 'SO_ATTACH_FILTER' });
      // The ring exists before bind() names the protocol: no frame is queued anywhere else first.
      if (ring) mapped = check(native.ioRingSetup(fd, ring.blockSize, ring.blockCount, ring.frameSize, ring.blockTimeoutMs), 'setsockopt', { option: 'PACKET_RX_RING' });
      check(native.bind(fd, { family: C('AF_PACKET'), ifindex: iface?.index ?? 0, protocol }), 'bind', iface ? { interface: iface.name } : {});
      sock = new PacketSocket(fd, mode, protocol, iface, o);
      if (o.promiscuous) sock.setPromiscuous(true);
      if (o.allMulticast) sock.setAllMulticast(true);
      if (o.fanout) sock.setFanout(o.fanout);
      const maxFrame = o.maxFrameSize ?? (iface ? Math.max(2048, iface.mtu + 64) : 65536);
      sock.#io = new native.IoHandle(fd, sock, onRecvBatch, onIoEvent, { batchSize: o.batchSize ?? (ring ? 256 : 64), messageSize: maxFrame, controlSize: 256, ring: mapped });
      return sock;
    } catch (e) {
      // The engine handle is created last: when anything failed, the descriptor (and ring) is still ours alone.
      mapped?.unmap();
      native.close(fd);
      throw e;
    }
  }

  /** The descriptor (for setsockopt escapes); throws once closed. */
  get fd(): number {
    if (this.#closed || this.#closing) throw socketClosed('PacketSocket');
    return this.#fd;
  }

  /** The bound interface (name, index, MTU), if any. */
  get interface():
    | {
        /** Interface name. */
        name: string;
        /** Interface index. */
        index: number;
        /** Interface MTU in bytes. */
        mtu: number;
      }
    | undefined {
    return this.#iface ? { name: this.#iface.name, index: this.#iface.index, mtu: this.#iface.mtu } : undefined;
  }

  /** The receive ring's geometry when opened with `ring` (defaults filled in), else undefined. */
  get ring(): Readonly<Required<PacketRingOptions>> | undefined {
    return this.#ring ? { ...this.#ring } : undefined;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed || this.#closing !== undefined;
  }

  // ---- receiving ------------------------------------------------------------

  #updateReceiving(): void {
    if (!this.#io || this.closed) return;
    const paused = [...this.#iterators].some((q) => q.full);
    const want = (this.listenerCount('frame') > 0 || this.#iterators.size > 0) && !paused;
    if (want && !this.#timestamps) {
      // Kernel receive timestamps only once this socket receives: any socket
      // with SO_TIMESTAMPNS makes the kernel timestamp every incoming packet
      // system-wide (a clock read per packet; ~4% of the CPU time of a
      // sendBatch over veth in perf), which a send-only socket should not
      // cost. Frames queued before this are stamped when read.
      this.#timestamps = true;
      native.setsockoptRaw(this.#fd, C('SOL_SOCKET'), C('SO_TIMESTAMPNS'), int32(1));
    }
    if (want !== this.#receiving) {
      this.#receiving = want;
      this.#io.setReceiving(want);
    }
  }

  /** @internal called by the engine once per batch. */
  _onBatch(data: Buffer, count: number): void {
    const io = this.#io as IoHandle;
    const meta = io.meta;
    const addrs = io.addresses;
    const ctl = io.control;
    const ctlView = new DataView(ctl.buffer, ctl.byteOffset, ctl.byteLength);
    const addrView = new DataView(addrs.buffer, addrs.byteOffset, addrs.byteLength);
    const ioc = native.ioConstants;
    const stride = ioc.CONTROL_STRIDE;
    const vlanValid = C('TP_STATUS_VLAN_VALID');
    const tpidValid = C('TP_STATUS_VLAN_TPID_VALID');
    const hasIter = this.#iterators.size > 0;
    const errq = ioc.MSG_ERRQUEUE;
    for (let i = 0; i < count; i++) {
      const off = meta[i * 4] as number;
      const len = meta[i * 4 + 1] as number;
      const real = meta[i * 4 + 2] as number;
      if (((meta[i * 4 + 3] as number) & errq) !== 0) continue;
      const a = i * ioc.ADDRESS_STRIDE;
      const ifindex = addrView.getInt32(a + 4, true);
      const proto = addrView.getUint16(a + 2, false);
      const pkttype = addrs[a + 10] as number;
      const halen = Math.min(addrs[a + 11] as number, 8);
      const c = i * stride;
      const present = ctlView.getUint32(c + ControlLayout.present, true);
      let frame = data.subarray(off, off + len);
      let length = real;
      let vlan: VlanTag | undefined;
      if (present & ioc.HAS_AUXDATA) {
        const status = ctlView.getUint32(c + ControlLayout.tpStatus, true);
        if (status & vlanValid) {
          const tci = ctlView.getUint16(c + ControlLayout.tpVlanTci, true);
          const tpid = status & tpidValid ? ctlView.getUint16(c + ControlLayout.tpVlanTpid, true) : 0x8100;
          vlan = { id: tci & 0x0fff, priority: tci >>> 13, dropEligible: (tci & 0x1000) !== 0, tpid };
          if (this.#reinsert && this.mode === 'raw' && frame.length >= 12) {
            frame = insertVlanTag(frame, vlan);
            length += 4;
          }
        }
      }
      const info: FrameInfo = {
        interfaceIndex: ifindex,
        interfaceName: this.#nameOf(ifindex),
        protocol: proto,
        packetType: PACKET_TYPES[pkttype] ?? 'unknown',
        source: halen === 6 ? this.#mac(addrView, a + 12) : halen ? formatMac(addrs.subarray(a + 12, a + 12 + halen)) : '',
        timestamp: present & ioc.HAS_TIMESTAMP ? ctlView.getBigInt64(c + ControlLayout.timestampNs, true) : 0n,
        length,
        truncated: real > len,
      };
      if (vlan) info.vlan = vlan;
      this.emit('frame', frame, info);
      if (hasIter) for (const q of this.#iterators) q.push({ frame, info });
    }
    if (hasIter) this.#updateReceiving();
  }

  /** @internal engine events. */
  _onEvent(type: number, errno: number, syscall: number): void {
    const ioc = native.ioConstants;
    if (type === ioc.EV_WRITABLE) this.#flush();
    else if (type === ioc.EV_ERROR) {
      // SO_ERROR: an asynchronous socket error, e.g. ENETDOWN when the interface goes down.
      const name = syscall === ioc.SYS_SO_ERROR ? 'SO_ERROR' : syscall === ioc.SYS_POLL ? 'poll' : 'recvmmsg';
      this.#fail(new SocketError(-errno, name, this.#ctx()));
    }
    else if (type === ioc.EV_CLOSE) this.#onClosed();
  }

  #fail(err: Error): void {
    for (const q of this.#iterators) q.fail(err);
    if (this.listenerCount('error') > 0 || this.#iterators.size === 0) this.emit('error', err);
  }

  /** The source MAC as text, cached for runs of frames from the same sender. */
  #mac(view: DataView, off: number): string {
    const key = view.getUint16(off, false) * 0x100000000 + view.getUint32(off + 2, false);
    if (key !== this.#lastMacKey) {
      this.#lastMacKey = key;
      this.#lastMac = formatMac(new Uint8Array(view.buffer, view.byteOffset + off, 6));
    }
    return this.#lastMac;
  }

  #nameOf(index: number): string {
    let n = this.#names.get(index);
    if (n === undefined) {
      const r = index > 0 ? native.packetInterface(this.#fd, index) : -19;
      n = typeof r === 'number' ? '' : r.name;
      if (this.#names.size > 4096) this.#names.clear();
      this.#names.set(index, n);
    }
    return n;
  }

  #ctx(): { interface?: string } {
    return this.#iface ? { interface: this.#iface.name } : {};
  }

  /**
   * Iterate over received frames: `for await (const { frame, info } of sock)`.
   * Ends when the socket closes; breaking out of the loop stops this iterator.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<ReceivedFrame> {
    const q = new FrameQueue(this.#hwm, () => this.#updateReceiving(), (self) => {
      this.#iterators.delete(self);
      this.#updateReceiving();
    });
    if (this.closed) q.end();
    else {
      this.#iterators.add(q);
      this.#updateReceiving();
    }
    return q;
  }

  /** Wait for one frame (optionally with a timeout in ms; rejects with ETIMEDOUT). */
  async receive(options: { timeout?: number } = {}): Promise<ReceivedFrame> {
    const it = this[Symbol.asyncIterator]();
    let timer: NodeJS.Timeout | undefined;
    try {
      const next = it.next();
      const r = options.timeout === undefined
        ? await next
        : await Promise.race([
            next,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new SocketError(ETIMEDOUT, 'recvmmsg', { hint: `no frame within ${options.timeout} ms` })), validateInteger(options.timeout, 'timeout', 0, 2 ** 31 - 1));
            }),
          ]);
      if (r.done) throw socketClosed('PacketSocket');
      return r.value;
    } finally {
      if (timer) clearTimeout(timer);
      await it.return?.();
    }
  }

  // ---- sending --------------------------------------------------------------

  #address(opts: PacketSendOptions | undefined, name = 'options'): Uint8Array | null {
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
    const protoIn = opts?.protocol ?? (this.protocol === C('ETH_P_ALL') ? undefined : this.protocol);
    if (this.mode === 'cooked' && protoIn === undefined) throw invalidArgValue(`${name}.protocol`, undefined, "is required in cooked mode when the socket's protocol is 'all'");
    const proto = protoIn === undefined ? 0 : validateInteger(protoIn, `${name}.protocol`, 0, 0xffff);
    const key = `${String(ifRef)}|${typeof dest === 'string' ? dest : dest ? formatMac(dest) : ''}|${proto}`;
    let enc = this.#addressCache.get(key);
    if (!enc) {
      const ifindex = ifRef === undefined ? (this.#iface as NativePacketInterface).index : lookupInterface(this.#fd, ifRef).index;
      enc = native.ioEncodeAddress({ family: C('AF_PACKET'), ifindex, protocol: proto, mac: dest === undefined ? undefined : parseMac(dest, `${name}.destination`) });
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

  #sendError(errno: number, length: number): SocketError {
    if (errno === EMSGSIZE) {
      const iface = this.#iface ? lookupInterface(this.#fd, this.#iface.index) : undefined;
      const mtu = iface ? `the MTU of ${iface.name} is ${iface.mtu} bytes` : 'it exceeds the MTU of the interface';
      const limit = iface ? ` (at most ${iface.mtu + (this.mode === 'raw' ? ETH_HLEN : 0)} bytes${this.mode === 'raw' ? ' with the 14-byte header, 4 more with a VLAN tag' : ''})` : '';
      return new SocketError(errno, 'sendmsg', { ...this.#ctx(), hint: `a ${length}-byte ${this.mode === 'raw' ? 'frame' : 'payload'} is too long: ${mtu}${limit}` });
    }
    return new SocketError(errno, 'sendmsg', this.#ctx());
  }

  /**
   * Send one frame (raw mode: a whole Ethernet frame, padded to 60 bytes
   * unless `pad` is off) or payload (cooked mode, with `destination` and
   * `protocol`). Resolves once the kernel took it; queues on EAGAIN. With
   * `coalesce` (default `'auto'`), sends after the first of a tick are
   * gathered into one sendmmsg at the end of the tick.
   */
  send(frame: Uint8Array, options?: PacketSendOptions): Promise<void> {
    try {
      const pad = options?.pad === undefined ? this.#pad : validateBoolean(options.pad, 'options.pad');
      const f = this.#prepare(frame, -1, pad);
      const addr = this.#address(options);
      this.#open();
      if (this.#sendQueue.length === 0 && this.#coalesce !== 2 && !this.#burst) {
        const r = this.#sendOne(f, addr);
        if (r >= 0) {
          if (this.#coalesce === 1) {
            // 'auto': the rest of this tick's sends are gathered into one sendmmsg.
            this.#burst = true;
            this.#scheduleTick();
          }
          return RESOLVED;
        }
        if (-r !== EAGAIN) return Promise.reject(this.#sendError(-r, f.length));
        return new Promise<void>((resolve, reject) => this.#enqueue({ frames: [f], addresses: addr, next: 0, resolve: () => resolve(), reject }, false));
      }
      return new Promise<void>((resolve, reject) => this.#enqueue({ frames: [f], addresses: addr, next: 0, resolve: () => resolve(), reject }, this.#coalesce !== 0));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Sends waiting in the queue: gathered during this tick ({@link PacketSocketOptions.coalesce}) or waiting for room in the socket buffer. */
  get sendQueueLength(): number {
    let n = 0;
    for (const p of this.#sendQueue) n += p.frames.length - p.next;
    return n;
  }

  /**
   * Send one frame now or not at all: true when the kernel took it, false on
   * EAGAIN (socket buffer full, or earlier sends still queued), throws on
   * other errors. Never queues.
   */
  trySend(frame: Uint8Array, options?: PacketSendOptions): boolean {
    const pad = options?.pad === undefined ? this.#pad : validateBoolean(options.pad, 'options.pad');
    const f = this.#prepare(frame, -1, pad);
    const addr = this.#address(options);
    this.#open();
    if (this.#sendQueue.length !== 0) {
      if (!this.#writable) this.#flush(); // sends gathered this tick go first: keep the order
      if (this.#sendQueue.length !== 0) return false;
    }
    const r = this.#sendOne(f, addr);
    if (r >= 0) return true;
    if (-r === EAGAIN) return false;
    throw this.#sendError(-r, f.length);
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
      const isEntry = (e: unknown): e is PacketBatchEntry => e !== null && typeof e === 'object' && !(e instanceof Uint8Array) && 'frame' in e;
      let anyEntry = false;
      for (let i = 0; i < n; i++) if (isEntry(frames[i])) anyEntry = true;
      let common: Uint8Array | null | undefined; // the batch-wide address, computed once, only if some frame uses it
      const commonAddr = (): Uint8Array | null => (common === undefined ? (common = this.#address(options)) : common);
      let addr: Uint8Array | null | (Uint8Array | null)[];
      if (!anyEntry) {
        for (let i = 0; i < n; i++) list[i] = this.#prepare(frames[i], i, pad);
        addr = commonAddr();
      } else {
        const perFrame: (Uint8Array | null)[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const e = frames[i];
          if (!isEntry(e)) {
            list[i] = this.#prepare(e, i, pad);
            perFrame[i] = commonAddr();
            continue;
          }
          const name = `frames[${i}]`;
          list[i] = this.#prepare(e.frame, i, e.pad === undefined ? pad : validateBoolean(e.pad, `${name}.pad`));
          const merged: PacketSendOptions = { ...options };
          if (e.interface !== undefined) merged.interface = e.interface;
          if (e.destination !== undefined) merged.destination = e.destination;
          if (e.protocol !== undefined) merged.protocol = e.protocol;
          perFrame[i] = this.#address(merged, name);
        }
        addr = perFrame;
      }
      this.#open();
      return new Promise<number>((resolve, reject) => {
        const p: PendingSend = { frames: list, addresses: addr, next: 0, resolve, reject };
        if (this.#sendQueue.length === 0 && this.#drive(p)) return;
        this.#enqueue(p, this.#sendQueue.length !== 0);
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Push one pending send as far as the kernel takes it. True when finished (resolved or rejected). */
  #drive(p: PendingSend): boolean {
    const io = this.#io as IoHandle;
    const max = native.ioConstants.MAX_BATCH;
    while (p.next < p.frames.length) {
      const n = Math.min(max, p.frames.length - p.next);
      let r: number;
      if (n === 1) {
        const a = Array.isArray(p.addresses) ? (p.addresses[p.next] ?? null) : p.addresses;
        r = this.#sendOne(p.frames[p.next] as Uint8Array, a);
        if (r >= 0) r = 1;
      } else {
        r = io.sendBatch(p.frames, p.addresses, null, p.next, n);
      }
      if (r < 0) {
        if (-r === EAGAIN) return false;
        const err = this.#sendError(-r, (p.frames[p.next] as Uint8Array).length);
        (err as SocketError & { sent?: number }).sent = p.next;
        p.reject(err);
        return true;
      }
      p.next += r;
    }
    p.resolve(p.next);
    return true;
  }

  /**
   * Queue a send. `tick`: it waits for the end of this tick (coalescing) —
   * unless the queue already waits for POLLOUT, or a full sendmmsg is ready;
   * otherwise (the kernel said EAGAIN) poll for POLLOUT.
   */
  #enqueue(p: PendingSend, tick: boolean): void {
    this.#sendQueue.push(p);
    if (this.#writable) return;
    if (!tick) this.#setWritable(true);
    else if (this.#sendQueue.length >= native.ioConstants.MAX_BATCH) this.#flush();
    else this.#scheduleTick();
  }

  #scheduleTick(): void {
    if (this.#tickScheduled) return;
    this.#tickScheduled = true;
    queueMicrotask(this.#tick);
  }

  /** End of a tick: everything send() gathered goes out (one sendmmsg per 1024 frames). */
  #tick = (): void => {
    this.#tickScheduled = false;
    this.#burst = false;
    if (!this.#writable && this.#sendQueue.length > 0 && this.#io && !this.#closing) this.#flush();
  };

  #setWritable(on: boolean): void {
    if (this.#writable === on || !this.#io || this.#closed) return;
    this.#writable = on;
    this.#io.setWritable(on);
  }

  #flush(): void {
    const q = this.#sendQueue;
    while (q.length > 0) {
      const head = q[0] as PendingSend;
      // Consecutive single-frame send()s (same destination) go out together in one sendmmsg.
      let n = 0;
      if (head.frames.length === 1 && head.next === 0 && !Array.isArray(head.addresses)) {
        const max = Math.min(q.length, native.ioConstants.MAX_BATCH);
        while (n < max) {
          const p = q[n] as PendingSend;
          if (p.frames.length !== 1 || p.next !== 0 || p.addresses !== head.addresses) break;
          n++;
        }
      }
      if (n > 1) {
        const frames: Uint8Array[] = new Array(n);
        for (let i = 0; i < n; i++) frames[i] = (q[i] as PendingSend).frames[0] as Uint8Array;
        const r = (this.#io as IoHandle).sendBatch(frames, head.addresses as Uint8Array | null, null, 0, n);
        if (r < 0) {
          if (-r === EAGAIN) return this.#setWritable(true);
          q.shift();
          head.reject(this.#sendError(-r, (head.frames[0] as Uint8Array).length));
          continue;
        }
        const done = q.splice(0, r);
        for (const p of done) p.resolve(1);
        continue;
      }
      if (!this.#drive(head)) return this.#setWritable(true);
      q.shift();
    }
    this.#setWritable(false);
  }

  /**
   * One frame, now: send(2) on the bound socket when there is no per-frame
   * address (the common case: a socket opened with an interface, a raw frame,
   * no options), the engine's sendmsg otherwise. The caller checked the
   * socket is open. Returns bytes sent or -errno.
   */
  #sendOne(f: Uint8Array, addr: Uint8Array | null): number {
    return native.sendmsgFd(this.#fd, f, addr, null);
  }

  #open(): IoHandle {
    if (this.closed || !this.#io) throw socketClosed('PacketSocket');
    return this.#io;
  }

  // ---- configuration --------------------------------------------------------

  #membership(add: boolean, type: string, mac?: Buffer): void {
    if (!this.#iface) throw invalidArgValue('interface', undefined, 'is required for memberships: open the socket with an interface');
    const mreq = Buffer.alloc(16); // struct packet_mreq { int ifindex; u16 type; u16 alen; u8 address[8]; }
    mreq.writeInt32LE(this.#iface.index, 0);
    mreq.writeUInt16LE(C(type), 4);
    if (mac) {
      mreq.writeUInt16LE(mac.length, 6);
      mac.copy(mreq, 8);
    }
    const opt = add ? 'PACKET_ADD_MEMBERSHIP' : 'PACKET_DROP_MEMBERSHIP';
    check(native.setsockoptRaw(this.fd, C('SOL_PACKET'), C(opt), mreq), 'setsockopt', { option: `${opt} ${type}`, ...this.#ctx() });
  }

  /**
   * Promiscuous mode on the bound interface (PACKET_MR_PROMISC): frames for
   * other MACs are received too. Reference-counted by the kernel per socket;
   * turned back off on close.
   */
  setPromiscuous(on: boolean): this {
    validateBoolean(on, 'on');
    if (on !== this.#promisc) {
      this.#membership(on, 'PACKET_MR_PROMISC');
      this.#promisc = on;
    }
    return this;
  }

  /** Receive all multicast frames on the bound interface (PACKET_MR_ALLMULTI). */
  setAllMulticast(on: boolean): this {
    validateBoolean(on, 'on');
    if (on !== this.#allmulti) {
      this.#membership(on, 'PACKET_MR_ALLMULTI');
      this.#allmulti = on;
    }
    return this;
  }

  /** Accept frames sent to a multicast MAC on the bound interface (PACKET_MR_MULTICAST). */
  addMembership(mac: string | Uint8Array): this {
    this.#membership(true, 'PACKET_MR_MULTICAST', parseMac(mac, 'mac'));
    return this;
  }

  /** Undo {@link addMembership}. */
  dropMembership(mac: string | Uint8Array): this {
    this.#membership(false, 'PACKET_MR_MULTICAST', parseMac(mac, 'mac'));
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
    check(native.packetAttachFilter(fd, encodeBpf(DROP_ALL)), 'setsockopt', { option: 'SO_ATTACH_FILTER' });
    check(native.packetDrain(fd, 1e7), 'recv');
    // A ring socket has no queue to drain: the frames already in its ring are skipped unread instead.
    if (this.#io?.ring) check(this.#io.ringSkip(), 'setsockopt', { option: 'SO_ATTACH_FILTER' });
    if (program) check(native.packetAttachFilter(fd, encodeBpf(program)), 'setsockopt', { option: 'SO_ATTACH_FILTER' });
    else check(native.setsockoptRaw(fd, C('SOL_SOCKET'), C('SO_DETACH_FILTER'), int32(0)), 'setsockopt', { option: 'SO_DETACH_FILTER' });
    return this;
  }

  /** Join a fanout group (PACKET_FANOUT). A socket joins at most one group, once. */
  setFanout(options: FanoutOptions): this {
    check(native.setsockoptRaw(this.fd, C('SOL_PACKET'), C('PACKET_FANOUT'), int32(fanoutValue(options))), 'setsockopt', { option: 'PACKET_FANOUT' });
    return this;
  }

  /**
   * Kernel counters since open (PACKET_STATISTICS is reset by every read; this
   * object accumulates them).
   */
  stats(): PacketStats {
    const b = check(native.getsockoptRaw(this.fd, C('SOL_PACKET'), C('PACKET_STATISTICS'), 12), 'getsockopt', { option: 'PACKET_STATISTICS' });
    const packets = b.length >= 4 ? b.readUInt32LE(0) : 0;
    const drops = b.length >= 8 ? b.readUInt32LE(4) : 0;
    this.#stats.received += packets - drops;
    this.#stats.dropped += drops;
    if (b.length >= 12) this.#stats.freezeQueueCount += b.readUInt32LE(8);
    return { ...this.#stats };
  }

  /**
   * Any option of the option table, by name (`setOption('SO_RCVBUF', 1 << 22)`,
   * `setOption('PACKET_AUXDATA', true)`): one setsockopt(2) through the option engine.
   */
  setOption<N extends WritableOptionName>(name: N, value: OptionSetValue<N>): this {
    setOption(this, name, value);
    return this;
  }

  /** Read any option of the option table by name (`getOption('SO_RCVBUF')`). */
  getOption<N extends ReadableOptionName>(name: N): OptionGetValue<N> {
    return getOption(this, name);
  }

  /** Keep the event loop alive while receiving (default). */
  ref(): this {
    this.#io?.ref();
    return this;
  }
  /** Let the process exit even while this socket is open. */
  unref(): this {
    this.#io?.unref();
    return this;
  }
  /** Whether the socket keeps the event loop alive. */
  hasRef(): boolean {
    return this.#io?.hasRef() ?? false;
  }

  /**
   * Close: promiscuous/all-multicast are turned off, pending sends are
   * rejected, iterators end, then the descriptor is closed and 'close' is
   * emitted. Idempotent; every call returns the same promise.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = new Promise<void>((resolve) => {
      this.once('close', () => resolve());
    });
    try {
      if (this.#promisc) this.#membership(false, 'PACKET_MR_PROMISC');
      if (this.#allmulti) this.#membership(false, 'PACKET_MR_ALLMULTI');
    } catch {
      /* the interface may be gone; the kernel drops memberships on close anyway */
    }
    this.#promisc = this.#allmulti = false;
    // Sends gathered during this tick still go out (as far as the kernel takes them now).
    if (this.#io && !this.#writable && this.#sendQueue.length > 0) this.#flush();
    const err = socketClosed('PacketSocket');
    for (const p of this.#sendQueue.splice(0)) p.reject(err);
    for (const q of this.#iterators) q.end();
    this.#iterators.clear();
    if (this.#io) this.#io.close();
    else queueMicrotask(() => this.#onClosed());
    return this.#closing;
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
  }

  /** `await using sock = await PacketSocket.open(...)` */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function onRecvBatch(this: object, data: Buffer, count: number): void {
  (this as PacketSocket)._onBatch(data, count);
}
function onIoEvent(this: object, type: number, errno: number, syscall: number): void {
  (this as PacketSocket)._onEvent(type, errno, syscall);
}

/** Async iterator over frames with a bounded buffer. */
class FrameQueue implements AsyncIterableIterator<ReceivedFrame> {
  #items: ReceivedFrame[] = [];
  #waiters: Array<{ resolve: (r: IteratorResult<ReceivedFrame>) => void; reject: (e: Error) => void }> = [];
  #done = false;
  #error: Error | undefined;
  constructor(
    private readonly hwm: number,
    private readonly onDrain: () => void,
    private readonly onFinish: (q: FrameQueue) => void,
  ) {}
  get full(): boolean {
    return this.#items.length >= this.hwm;
  }
  push(item: ReceivedFrame): void {
    if (this.#done) return;
    const w = this.#waiters.shift();
    if (w) w.resolve({ value: item, done: false });
    else this.#items.push(item);
  }
  end(): void {
    this.#done = true;
    for (const w of this.#waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }
  fail(err: Error): void {
    this.#error = err;
    for (const w of this.#waiters.splice(0)) w.reject(err);
    this.#done = true;
    this.onFinish(this);
  }
  next(): Promise<IteratorResult<ReceivedFrame>> {
    const item = this.#items.shift();
    if (item) {
      if (this.#items.length === this.hwm - 1) this.onDrain();
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#error) {
      const e = this.#error;
      this.#error = undefined;
      return Promise.reject(e);
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }
  return(): Promise<IteratorResult<ReceivedFrame>> {
    this.#items = [];
    this.end();
    this.onFinish(this);
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Validate `options.ring` and fill in the defaults; undefined when off. */
function ringGeometry(r: boolean | PacketRingOptions | undefined): Required<PacketRingOptions> | undefined {
  if (r === undefined || r === false) return undefined;
  if (r === true) return { ...RING_DEFAULTS };
  if (r === null || typeof r !== 'object') throw invalidArgType('options.ring', 'a boolean or an object { blockSize?, blockCount?, frameSize?, blockTimeoutMs? }', r);
  const page = native.ioConstants.PAGE_SIZE;
  const minFrame = native.ioConstants.RING_MIN_FRAME;
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

function fanoutValue(f: FanoutOptions): number {
  if (f === null || typeof f !== 'object') throw invalidArgType('fanout', 'an object { group, mode? }', f);
  const group = validateInteger(f.group, 'fanout.group', 0, 0xffff);
  const mode = f.mode ?? 'hash';
  if (!(mode in FANOUT_MODES)) throw invalidArgValue('fanout.mode', mode, `must be one of ${Object.keys(FANOUT_MODES).join(', ')}`);
  let type = C(FANOUT_MODES[mode]);
  if (f.defrag !== undefined && validateBoolean(f.defrag, 'fanout.defrag')) type |= C('PACKET_FANOUT_FLAG_DEFRAG');
  if (f.rollover !== undefined && validateBoolean(f.rollover, 'fanout.rollover')) type |= C('PACKET_FANOUT_FLAG_ROLLOVER');
  return group | (type << 16);
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
  if (native.setsockoptRaw(fd, C('SOL_SOCKET'), C(`${opt}FORCE`), int32(size)) === 0) return;
  check(native.setsockoptRaw(fd, C('SOL_SOCKET'), C(opt), int32(size)), 'setsockopt', { option: opt });
}

function withRawHint(e: unknown): unknown {
  if (e instanceof SocketError && (e.code === 'EPERM' || e.code === 'EACCES') && !e.hint) {
    return new SocketError(-e.errno, e.syscall, { hint: `raw packet sockets ${capabilityHint('CAP_NET_RAW')}` });
  }
  return e;
}
