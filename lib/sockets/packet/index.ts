/**
 * Raw Ethernet frames on Linux AF_PACKET sockets: {@link PacketSocket} on the
 * datagram engine (lib/sockets/engine.ts). This file holds the class; the
 * address codec (codec.ts), the record decoder (decoder.ts), opening
 * (setup.ts) and the public types (types.ts) sit beside it.
 *
 * ```ts
 * import { PacketSocket, bpf } from 'sockit-linux';
 * const sock = await PacketSocket.open({ interface: 'veth0', protocol: 0x88b5 });
 * await sock.send(frame);                       // raw mode: a whole Ethernet frame
 * sock.on('frame', (frame, info) => console.log(info.source, info.packetType, frame.length));
 * for await (const { frame, info } of sock) { ... }
 * await sock.close();
 * ```
 *
 * Needs CAP_NET_RAW (in the socket's network namespace).
 * @module
 */
import { constants as osConstants } from 'node:os';
import { native } from '../../binding';
import type { IoRing } from '../../binding/io';
import type { NativePacketInterface } from '../../binding/packet';
import { parseMac } from '../../core/address';
import { SocketError, check, invalidArgType, invalidArgValue, validateBoolean, validateInteger, validateString } from '../../core/errors';
import { rejectUnknownKeys } from '../../core/validate';
import { encodeOptionValue, getOption, setOption } from '../../options';
import type { Fanout } from '../../options';
import { getInterface } from '../../system/interfaces';
import type { NetworkInterface } from '../../system/interfaces';
import { insertVlanTag } from '../../formats/frames/ethernet';
import { EngineSocket, SendContext, validateEngineOptions } from '../engine';
import { Socket } from '../socket';
import { ETH_HLEN, PacketCodec } from './codec';
import { PacketDecoder } from './decoder';
import { adoptDescriptor } from '../adopt';
import { ADOPT_KEYS, C, DROP_ALL, OPEN_KEYS, lookupInterface, ringGeometry, setBuffer, withRawHint } from './setup';
import { toBpfProgram } from '../../formats/bpf/filter';
import type { FrameInfo, PacketAdoptOptions, PacketBatchEntry, PacketFilter, PacketMode, PacketRingOptions, PacketSendOptions, PacketSocketOptions, PacketStats, ReceivedFrame } from './types';

export * from './types';
export { toBpfProgram } from '../../formats/bpf/filter';

const { EMSGSIZE } = osConstants.errno;
const noop = (): void => {};
const ETH_P_ALL = C('ETH_P_ALL');

/** What errors about one send name: the frame itself serves (its length), no object per send. */
interface FrameContext {
  readonly length: number;
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
 * engine socket shares are in lib/sockets/engine.ts and docs/engine.md.
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
  #codec: PacketCodec;
  #dec: PacketDecoder;

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
      ...(o.netns !== undefined ? { netns: o.netns } : {}),
      ...(o.borrow ? { borrow: true } : {}),
    });
    this.mode = mode;
    this.protocol = protocol;
    this.#iface = iface;
    this.#netns = o.netns;
    this.#pad = o.pad ?? true;
    this.#reinsert = o.reinsertVlan ?? true;
    this.#ring = ring;
    this.#codec = new PacketCodec(mode, protocol, iface, () => this.fd);
    this.#dec = new PacketDecoder(this._handle, mode, this.#reinsert, (index) => {
      const r = index > 0 && !this.closed ? native.packetInterface(this.fd, index) : -osConstants.errno.ENODEV;
      return typeof r === 'number' ? '' : r.name;
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
   * Take over an existing packet socket and get a full PacketSocket with
   * I/O: a descriptor number (inherited, or received with SCM_RIGHTS from a
   * privileged helper — the usual way to capture without CAP_NET_RAW;
   * ownership moves to the PacketSocket) or a sockit {@link Socket}
   * (released to it). The mode comes from its type (SOCK_RAW 'raw',
   * SOCK_DGRAM 'cooked'), the interface and protocol from its binding;
   * PACKET_AUXDATA is turned on. A sockit Socket made with `{ netns }` keeps
   * its namespace (`interface` and interface names resolve there); for a
   * descriptor, pass `options.netns`. Throws, leaving the target untouched, when
   * it is not an AF_PACKET SOCK_RAW / SOCK_DGRAM socket. A descriptor that
   * already has a PACKET_RX_RING is not supported (its frames go to that ring).
   */
  static adopt(target: number | Socket, options: PacketAdoptOptions = {}): PacketSocket {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    rejectUnknownKeys(options, ADOPT_KEYS, 'options');
    for (const k of ['pad', 'reinsertVlan'] as const) if (options[k] !== undefined) validateBoolean(options[k], `options.${k}`);
    if (options.maxFrameSize !== undefined) validateInteger(options.maxFrameSize, 'options.maxFrameSize', 64, 1 << 20);
    if (options.netns !== undefined) validateString(options.netns, 'options.netns');
    validateEngineOptions(options);
    const a = adoptDescriptor(
      target,
      'a packet socket (AF_PACKET, SOCK_RAW/SOCK_DGRAM)',
      {},
      (k): PacketMode | undefined => (k.family !== C('AF_PACKET') ? undefined : k.type === C('SOCK_RAW') ? 'raw' : k.type === C('SOCK_DGRAM') ? 'cooked' : undefined),
      options.netns,
    );
    const { fd, kind: mode } = a;
    const local = check(native.getsockname(fd), 'getsockname') as { ifindex?: number; protocol?: number };
    // Unbound: SO_PROTOCOL holds the EtherType in network order.
    const protocol = local.protocol || ((a.socket.protocol & 0xff) << 8) | ((a.socket.protocol >> 8) & 0xff);
    const iface = local.ifindex ? lookupInterface(fd, local.ifindex) : undefined;
    setOption(fd, 'PACKET_AUXDATA', true);
    a.commit();
    return new PacketSocket(fd, mode, protocol, iface, a.netns === undefined ? options : { ...options, netns: a.netns }, undefined, undefined);
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

  /** @internal Deliver frame i (VLAN tag re-inserted when the kernel stripped it); none while a filter swap runs. */
  protected _decodeRecord(i: number, data: Buffer, off: number, len: number): void {
    if (this.#swapping !== 0) return;
    const info = this._decodeInfo(i);
    let frame = this._view(off, len);
    if (info.vlan && this.#reinsert && this.mode === 'raw' && frame.length >= 12) frame = insertVlanTag(frame, info.vlan);
    this._deliver(frame, info, info.truncated);
  }

  /** @internal Metadata of frame i of the current batch. */
  protected _decodeInfo(i: number): FrameInfo {
    return this.#dec.info(i);
  }

  /** @internal A new batch: interface names are looked up afresh (indexes can be reused). */
  protected override _beginBatch(): void {
    this.#dec.beginBatch();
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
      const f = this.#codec.prepare(frame, -1, pad);
      const addr = options === undefined && this.mode === 'raw' && this.#iface ? null : this.#codec.address(options);
      this._check();
      return this._send(f, addr, null, f);
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
    const f = this.#codec.prepare(frame, -1, pad);
    const addr = this.#codec.address(options);
    return this._trySend(f, addr, null, f);
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
      const commonAddr = (): Uint8Array | null => (common === undefined ? (common = this.#codec.address(options)) : common);
      let perFrame: (Uint8Array | null)[] | undefined;
      for (let i = 0; i < n; i++) {
        const e = frames[i];
        if (e instanceof Uint8Array || e === null || typeof e !== 'object' || !('frame' in e)) {
          list[i] = this.#codec.prepare(e, i, pad);
          if (perFrame) perFrame[i] = commonAddr();
          continue;
        }
        const name = `frames[${i}]`;
        list[i] = this.#codec.prepare(e.frame, i, e.pad === undefined ? pad : validateBoolean(e.pad, `${name}.pad`));
        const merged: PacketSendOptions = { ...options };
        if (e.interface !== undefined) merged.interface = e.interface;
        if (e.destination !== undefined) merged.destination = e.destination;
        if (e.protocol !== undefined) merged.protocol = e.protocol;
        if (!perFrame) {
          perFrame = new Array(n);
          for (let k = 0; k < i; k++) perFrame[k] = commonAddr();
        }
        perFrame[i] = this.#codec.address(merged, name);
      }
      const addr = perFrame ?? commonAddr();
      this._check();
      return this._sendBatch(list, addr, null, list); // each frame is its own error context (its length)
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
   * attach a drop-everything program, wait out frames in flight (one RCU grace
   * period, on the threadpool: the event loop does not block), discard what
   * is queued — with `ring`, skip what is in the ring, including the block the
   * kernel is still filling — then attach the new program. `null` removes the
   * filter. Frames read while the swap runs are discarded too (they passed
   * the old filter). Resolves once the new filter is in place; calls are
   * applied in order.
   */
  setFilter(filter: PacketFilter | null): Promise<this> {
    try {
      const program = filter === null ? null : toBpfProgram(filter);
      this._check();
      const run = this.#filterChain.then(() => this.#swapFilter(program));
      this.#filterChain = run.then(noop, noop);
      return run.then(() => this);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #filterChain: Promise<void> = Promise.resolve();
  #swapping = 0;

  async #swapFilter(program: ReturnType<typeof toBpfProgram> | null): Promise<void> {
    const fd = this.fd;
    this.#swapping++;
    try {
      setOption(fd, 'SO_ATTACH_FILTER', DROP_ALL);
      const r = await new Promise<number>((resolve) => {
        if (this._handle.ring) {
          const q = this._handle.ringSkipAsync(resolve);
          if (q < 0) resolve(q);
        } else {
          // By fd, not through the handle: an IoHandle drain beside ringSkipAsync needs native/io (see close()).
          native.packetDrainAsync(fd, 1e7, resolve);
        }
      });
      this._check();
      if (r < 0) throw new SocketError(-r, this._handle.ring ? 'setsockopt' : 'recv', { option: 'SO_ATTACH_FILTER', ...this.#ctx() });
      if (program) setOption(fd, 'SO_ATTACH_FILTER', program);
      else setOption(fd, 'SO_DETACH_FILTER', true);
    } finally {
      this.#swapping--;
    }
  }

  /** Join a fanout group (PACKET_FANOUT, `{ id, mode, flags? }`). A socket joins at most one group, once. */
  setFanout(fanout: Fanout): this {
    setOption(this.fd, 'PACKET_FANOUT', fanout);
    return this;
  }

  /**
   * Close (see the engine's rules). A filter swap in progress finishes first:
   * its drain runs on the descriptor by number, which must not be closed and
   * reused underneath it.
   */
  override close(): Promise<void> {
    if (this.#swapping === 0) return super.close();
    return this.#filterChain.then(() => super.close());
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
