/**
 * The native I/O engine (native/io.cc), shared by every event-driven
 * datagram-style socket: UDP (lib/sockets/udp.ts) and AF_PACKET (lib/sockets/packet.ts).
 *
 * ## Model
 * One {@link IoHandle} owns one non-blocking descriptor and one `uv_poll` on
 * the environment's event loop. Nothing happens until JS asks:
 *  - `setReceiving(true)` polls READABLE. On readiness the engine drains the
 *    socket with `recvmmsg(MSG_DONTWAIT | MSG_TRUNC)` in batches of
 *    `batchSize`, and for each batch makes ONE call
 *    `onRecv.call(owner, data, count)`:
 *      - `data`: the receive pool, a Buffer (2 MiB, or one batch if larger)
 *        that holds this batch's `count` messages back to back after earlier
 *        batches (one copy per batch). Slices stay valid forever: the engine
 *        never writes into a region it handed out, it moves to a new pool when
 *        the current one is full. A retained slice keeps its whole pool alive
 *        (like Node's Buffer pool): copy it if you keep it for long;
 *      - `handle.meta` (Uint32Array, `META_STRIDE` = 4 per message):
 *        `[offset into data, copied length, real length (MSG_TRUNC: the size
 *        on the wire, larger than the copied length when truncated), msg_flags]`;
 *      - `handle.addresses` (Uint8Array, `ADDRESS_STRIDE` = 32 per message):
 *        the raw source sockaddr (sockaddr_in / sockaddr_in6 / sockaddr_ll;
 *        family 0 when none), see {@link decodeSockaddr}-style readers in udp.ts;
 *      - `handle.control` (Uint8Array, `CONTROL_STRIDE` = 144 per message):
 *        decoded control messages as a fixed record, see {@link ControlLayout}.
 *    `meta`, `addresses` and `control` are created once and REUSED for every
 *    batch: read them synchronously inside `onRecv`.
 *    Messages from the error queue (POLLERR: ICMP errors with IP_RECVERR,
 *    TX timestamps) arrive through the same call with `MSG_ERRQUEUE` set in
 *    their flags.
 *  - `sendBatch()` is a synchronous `sendmmsg` with MSG_DONTWAIT (single
 *    datagrams and frames go through the module's `sendmsgFd(fd, ...)`, one
 *    `sendmsg`). Both return `-EAGAIN` when the socket buffer is full: JS
 *    keeps the buffers in its own queue, calls `setWritable(true)`, and gets
 *    `onEvent.call(owner, EV_WRITABLE, 0, 0)` when it may retry; it calls
 *    `setWritable(false)` once the queue is empty.
 *  - Errors the engine sees on its own (a failed `recvmmsg`, `SO_ERROR` after
 *    POLLERR such as ECONNREFUSED on a connected UDP socket) come as
 *    `onEvent.call(owner, EV_ERROR, -errno, SYS_*)`. Fatal receive errors
 *    (EBADF, ENOTSOCK, EINVAL, EFAULT) also stop receiving.
 *  - `close()` stops polling; the descriptor is closed in the `uv_close`
 *    callback, then `onEvent.call(owner, EV_CLOSE, 0, 0)`. While open, the
 *    handle and its owner are kept alive by the engine (like a bound dgram
 *    socket); when the environment exits (process exit, Worker terminated)
 *    every live handle's descriptor is closed without calling JS.
 *  - Ring receive (AF_PACKET only): {@link IoBinding.ioRingSetup} sets up a
 *    TPACKET_V3 receive ring on a packet socket (before it is bound) and
 *    maps it; passing that {@link IoRing} as `options.ring` makes the handle
 *    adopt the mapping and receive from the ring instead of recvmmsg. The
 *    `onRecv` contract is unchanged: frames are COPIED out of the ring into
 *    the receive pool (never views into the mapping, which is unmapped in
 *    the close callback), `meta` / `addresses` / `control` carry the same
 *    records (sockaddr_ll from the ring; HAS_AUXDATA with tp_status, tp_len,
 *    tp_snaplen, the VLAN fields; HAS_TIMESTAMP from tp_sec/tp_nsec), and
 *    each block goes back to the kernel as soon as its frames are copied.
 *  - Encoded addresses and control messages are plain byte arrays: encode
 *    once with {@link IoBinding.ioEncodeAddress} / `ioEncodeControl`, cache,
 *    and pass them to every send.
 *
 * All methods validate their arguments natively too (TypeError/RangeError),
 * and return negative errno numbers for system-call failures (never throw).
 * @module
 */
import type { NativeAddress } from './socket';

/** Options for a new {@link IoHandle}. */
export interface IoHandleOptions {
  /** Messages per recvmmsg (1..1024, default 64). */
  batchSize?: number;
  /** Receive buffer per message in bytes (1..1 MiB, default 65536). Longer messages are truncated and flagged. */
  messageSize?: number;
  /** Control buffer per message in bytes (0..4096, default 256). */
  controlSize?: number;
  /**
   * Receive from this TPACKET_V3 ring (from {@link IoBinding.ioRingSetup} on
   * the same descriptor) instead of recvmmsg. The handle adopts the mapping
   * (the IoRing is empty afterwards) and unmaps it when it closes.
   */
  ring?: IoRing;
}

/**
 * A mapped TPACKET_V3 receive ring not yet adopted by an {@link IoHandle}
 * (native/io.cc `IoRing`). Unmapped by `unmap()`, by adoption (ownership
 * moves to the handle), or when garbage collected.
 */
export interface IoRing {
  /** True while this object owns the mapping. */
  readonly mapped: boolean;
  /** Bytes mapped (blockSize × blockCount), 0 once unmapped or adopted. */
  readonly size: number;
  /** munmap now (idempotent). The socket's kernel ring lives until the socket is closed. */
  unmap(): void;
}

/** `onRecv` receives the batch data buffer and the message count; `this` is the owner. */
export type IoRecvCallback = (this: object, data: Buffer, count: number) => void;
/** `onEvent` receives (EV_* type, -errno or 0, SYS_* code); `this` is the owner. */
export type IoEventCallback = (this: object, type: number, errno: number, syscall: number) => void;

/** A native engine handle (native/io.cc `IoHandle`). */
export interface IoHandle {
  /** Per-message `[offset, length, realLength, flags]`, META_STRIDE apart. Reused per batch. */
  readonly meta: Uint32Array;
  /** Per-message raw source sockaddr, ADDRESS_STRIDE apart. Reused per batch. */
  readonly addresses: Uint8Array;
  /** Per-message decoded control record, CONTROL_STRIDE apart. Reused per batch. */
  readonly control: Uint8Array;
  readonly batchSize: number;
  readonly messageSize: number;
  readonly controlSize: number;
  /** True when the handle receives from a TPACKET_V3 ring (options.ring). */
  readonly ring: boolean;
  /** The descriptor, -1 once closing. */
  readonly fd: number;
  /** True once close() was called. */
  readonly closed: boolean;
  /** Poll READABLE (true) or not. → 0 | -errno */
  setReceiving(on: boolean): number;
  /** Poll WRITABLE (true) or not. → 0 | -errno */
  setWritable(on: boolean): number;
  /**
   * sendmmsg of `datas[start .. start+count)` (at most 1024) → datagrams sent (may be fewer) | -errno.
   * `addresses`/`controls`: null, one encoding for all, or an array parallel to `datas` (entries may be null).
   */
  sendBatch(
    datas: readonly Uint8Array[],
    addresses: Uint8Array | readonly (Uint8Array | null)[] | null,
    controls: Uint8Array | readonly (Uint8Array | null)[] | null,
    start: number,
    count: number,
  ): number;
  /** uv_ref / uv_unref / uv_has_ref on the poll handle. */
  ref(): void;
  unref(): void;
  hasRef(): boolean;
  /**
   * Ring handles: discard, unread, every frame the kernel has put into the
   * ring so far, including the block it is still filling (filter
   * replacement). → 0 | -EBADF (closed) | -EINVAL (no ring).
   */
  ringSkip(): number;
  /** Start closing (fd closed in the uv_close callback, then EV_CLOSE). → 0 | -EBADF if already closing. */
  close(): number;
}

/** Constructor of {@link IoHandle}. */
export interface IoHandleConstructor {
  new (fd: number, owner: object, onRecv: IoRecvCallback, onEvent: IoEventCallback, options?: IoHandleOptions): IoHandle;
}

/** Fields for per-datagram control messages on send (IP_PKTINFO/IPV6_PKTINFO, IP_TTL/IPV6_HOPLIMIT, IP_TOS/IPV6_TCLASS, UDP_SEGMENT). */
export interface NativeSendControl {
  /** Source address (textual, of the socket's family). */
  source?: string;
  /** Outgoing interface index. */
  ifindex?: number;
  ttl?: number;
  tos?: number;
  /** UDP GSO segment size (1..65535, encoded as the u16 UDP_SEGMENT message): the kernel splits the send into datagrams of this size. */
  segmentSize?: number;
}

/**
 * Byte offsets inside one `control` record (CONTROL_STRIDE = 144 bytes,
 * host-endian; addresses are raw network-order bytes). A field is valid only
 * when its `present` bit (ioConstants.HAS_*) is set.
 */
export const ControlLayout = {
  /** u32: bit set of the valid fields (ioConstants.HAS_*). */
  present: 0, // u32
  /** u32: receiving interface index (IP_PKTINFO / IPV6_PKTINFO; HAS_PKTINFO). */
  ifindex: 4, // u32  HAS_PKTINFO
  /** 16 bytes: destination address the packet was sent to (ipi_addr / ipi6_addr; 4 bytes used for IPv4; HAS_PKTINFO). */
  dst: 8, // 16 bytes HAS_PKTINFO (4 used for IPv4)
  /** u32: AF_INET or AF_INET6, the family of `dst` (HAS_PKTINFO). */
  dstFamily: 24, // u32
  /** i32: received TTL or hop limit (IP_TTL / IPV6_HOPLIMIT; HAS_TTL). */
  ttl: 28, // i32  HAS_TTL (IP_TTL / IPV6_HOPLIMIT)
  /** i32: received TOS byte or traffic class (IP_TOS / IPV6_TCLASS; HAS_TOS). */
  tos: 32, // i32  HAS_TOS (IP_TOS / IPV6_TCLASS)
  /** u32: packets dropped by the socket so far, cumulative (SO_RXQ_OVFL; HAS_DROP_COUNT). */
  dropCount: 36, // u32 HAS_DROP_COUNT (SO_RXQ_OVFL, cumulative)
  /** i64: software receive time in ns since the epoch (SO_TIMESTAMP, SO_TIMESTAMPNS or SO_TIMESTAMPING; HAS_TIMESTAMP). */
  timestampNs: 40, // i64 HAS_TIMESTAMP
  /** i64: raw hardware timestamp in ns (SO_TIMESTAMPING; HAS_HW_TIMESTAMP). */
  hwTimestampNs: 48, // i64 HAS_HW_TIMESTAMP
  /** u32: segment size of a coalesced UDP_GRO datagram (HAS_GRO). */
  groSize: 56, // u32 HAS_GRO
  /** u32: sock_extended_err.ee_errno (IP_RECVERR / IPV6_RECVERR; HAS_EXT_ERR). */
  eeErrno: 60, // u32 HAS_EXT_ERR
  /** u8: sock_extended_err.ee_origin (SO_EE_ORIGIN_*). */
  eeOrigin: 64, // u8
  /** u8: sock_extended_err.ee_type (ICMP type for ICMP origins). */
  eeType: 65, // u8
  /** u8: sock_extended_err.ee_code (ICMP code for ICMP origins). */
  eeCode: 66, // u8
  /** u32: sock_extended_err.ee_info (e.g. the MTU for "fragmentation needed"). */
  eeInfo: 68, // u32
  /** u32: sock_extended_err.ee_data. */
  eeData: 72, // u32
  /** u32: AF_INET or AF_INET6, family of `offender` (SO_EE_OFFENDER; HAS_OFFENDER). */
  offenderFamily: 76, // u32 HAS_OFFENDER
  /** 16 bytes: address of the node that reported the error (4 bytes used for IPv4; HAS_OFFENDER). */
  offender: 80, // 16 bytes
  /** u16: AF_INET or AF_INET6, family of `origDst` (IP_ORIGDSTADDR / IPV6_ORIGDSTADDR; HAS_ORIG_DST). */
  origDstFamily: 96, // u16 HAS_ORIG_DST
  /** u16: original destination port, host order (HAS_ORIG_DST). */
  origDstPort: 98, // u16 (host order)
  /** 16 bytes: original destination address (4 bytes used for IPv4; HAS_ORIG_DST). */
  origDst: 100, // 16 bytes
  /** u32: tpacket_auxdata.tp_status (TP_STATUS_* bits; PACKET_AUXDATA; HAS_AUXDATA). */
  tpStatus: 116, // u32 HAS_AUXDATA (PACKET_AUXDATA)
  /** u32: tpacket_auxdata.tp_len, the original frame length. */
  tpLen: 120, // u32
  /** u32: tpacket_auxdata.tp_snaplen, the captured length. */
  tpSnaplen: 124, // u32
  /** u16: tpacket_auxdata.tp_mac, link-layer header offset. */
  tpMac: 128, // u16
  /** u16: tpacket_auxdata.tp_net, network header offset. */
  tpNet: 130, // u16
  /** u16: tpacket_auxdata.tp_vlan_tci, the offloaded VLAN tag control information. */
  tpVlanTci: 132, // u16
  /** u16: tpacket_auxdata.tp_vlan_tpid, the offloaded VLAN tag protocol id. */
  tpVlanTpid: 134, // u16
  /** u32: IPv6 scope id of `origDst` (sin6_scope_id; 0 for IPv4; HAS_ORIG_DST). */
  origDstScope: 136, // u32
} as const;

/**
 * Byte offsets inside one `addresses` record (sockaddr_in / sockaddr_in6 /
 * sockaddr_ll as the kernel fills them).
 */
export const SockaddrLayout = {
  /** u16 sa_family (host order). */
  family: 0,
  /** u16 sin_port / sin6_port (network order). */
  inPort: 2,
  /** 4 bytes sin_addr. */
  inAddr: 4,
  /** u32 sin6_flowinfo. */
  in6Flowinfo: 4,
  /** 16 bytes sin6_addr. */
  in6Addr: 8,
  /** u32 sin6_scope_id (host order). */
  in6ScopeId: 24,
  /** u16 sll_protocol (network order). */
  llProtocol: 2,
  /** i32 sll_ifindex. */
  llIfindex: 4,
  /** u16 sll_hatype. */
  llHatype: 8,
  /** u8 sll_pkttype. */
  llPkttype: 10,
  /** u8 sll_halen. */
  llHalen: 11,
  /** 8 bytes sll_addr. */
  llAddr: 12,
} as const;

/** Engine constants (strides, limits, event/syscall codes, HAS_* bits, MSG_* flags). */
export interface IoConstants {
  META_STRIDE: number;
  ADDRESS_STRIDE: number;
  CONTROL_STRIDE: number;
  MAX_BATCH: number;
  MAX_MESSAGE_SIZE: number;
  MAX_CONTROL_SIZE: number;
  EV_WRITABLE: number;
  EV_ERROR: number;
  EV_CLOSE: number;
  SYS_RECV: number;
  SYS_SO_ERROR: number;
  SYS_POLL: number;
  MSG_TRUNC: number;
  MSG_CTRUNC: number;
  MSG_ERRQUEUE: number;
  HAS_PKTINFO: number;
  HAS_TTL: number;
  HAS_TOS: number;
  HAS_DROP_COUNT: number;
  HAS_TIMESTAMP: number;
  HAS_HW_TIMESTAMP: number;
  HAS_GRO: number;
  HAS_EXT_ERR: number;
  HAS_OFFENDER: number;
  HAS_ORIG_DST: number;
  HAS_AUXDATA: number;
  HAS_CTRUNC: number;
  /** sysconf(_SC_PAGESIZE): ring blocks are a multiple of it. */
  PAGE_SIZE: number;
  /** Smallest TPACKET_V3 tp_frame_size (tpacket3_hdr + sockaddr_ll, 68). */
  RING_MIN_FRAME: number;
}

export interface IoBinding {
  /** The engine handle class. */
  IoHandle: IoHandleConstructor;
  /** Encode a sockaddr once (inet, inet6, AF_PACKET, unix) for send/sendBatch. */
  ioEncodeAddress(address: NativeAddress): Buffer;
  /** Encode per-datagram send control messages for a socket of `family` (AF_INET/AF_INET6). → Buffer | -EINVAL */
  ioEncodeControl(family: number, control: NativeSendControl): Buffer | number;
  /** Decode control-message bytes (as recvmsg fills msg_control) into one ControlLayout record; for tests and fuzzing. */
  ioDecodeControl(control: Uint8Array): Buffer;
  /**
   * Set up a TPACKET_V3 receive ring on packet socket `fd`: PACKET_VERSION =
   * TPACKET_V3, PACKET_RX_RING (tpacket_req3 with tp_frame_nr =
   * blockSize / frameSize × blockCount, tp_retire_blk_tov = timeoutMs, 0 =
   * kernel default), mmap. → IoRing | -errno. A geometry the kernel refuses
   * (blockSize not a multiple of the page size, frameSize not a multiple of
   * 16 or below RING_MIN_FRAME or above blockSize, more than 1 GiB, timeoutMs
   * above 60000) throws a RangeError naming the rule.
   */
  ioRingSetup(fd: number, blockSize: number, blockCount: number, frameSize: number, timeoutMs: number): IoRing | number;
  /** Engine constants (strides, limits, event codes, HAS_* bits, MSG_* flags). */
  ioConstants: IoConstants;
}
