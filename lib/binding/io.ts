/**
 * The native I/O engine (native/io/: handle.cc, pool.cc, recv.cc, ring.cc, send.cc), shared by every event-driven
 * datagram-style socket: UDP (lib/sockets/udp), AF_PACKET (lib/sockets/packet) and AF_UNIX (lib/sockets/unix).
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
 *      - `handle.addresses` (Uint8Array, `ADDRESS_STRIDE` = 112 per message):
 *        the raw source sockaddr (sockaddr_in / sockaddr_in6 / sockaddr_ll / sockaddr_un;
 *        family 0 when none), zero-filled, and at `ADDRESS_LENGTH` a u16 with
 *        the length the kernel returned (an abstract unix name is exactly that
 *        long: trailing NULs count); read by lib/core/sockaddr.ts;
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
 *    (EBADF, ENOTSOCK, EINVAL, EFAULT) also stop receiving, and so does an
 *    allocation failure while receiving (`-ENOMEM`, `SYS_ALLOC`): no
 *    allocation failure aborts the process.
 *  - A SOCK_SEQPACKET handle (maxRights > 0) whose peer shut down stops
 *    receiving and reports `onEvent.call(owner, EV_END, 0, 0)` instead of
 *    delivering empty reads forever.
 *  - `close()` stops polling; the descriptor is closed on the threadpool
 *    (closing a packet socket waits one RCU grace period), then
 *    `onEvent.call(owner, EV_CLOSE, 0, 0)`. While open, the
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
import { native } from './index';

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
  /**
   * AF_UNIX: descriptors kept per message from SCM_RIGHTS (0..253, default
   * 0). Above 0 the handle has a `rights` array and decodes SCM_RIGHTS /
   * SCM_CREDENTIALS (native/io/unix.cc); descriptors beyond it are closed
   * and the message is flagged HAS_CTRUNC.
   */
  maxRights?: number;
  /**
   * A listening AF_UNIX socket (needs maxRights >= 1): READABLE means
   * connections; each batch record is one accept4(SOCK_NONBLOCK |
   * SOCK_CLOEXEC)ed descriptor in `rights` (HAS_RIGHTS, rightsCount 1), the
   * peer's sockaddr in `addresses`, length 0. A failure other than EAGAIN
   * (EMFILE...) stops accepting and comes as EV_ERROR.
   */
  accept?: boolean;
}

/**
 * A mapped TPACKET_V3 receive ring not yet adopted by an {@link IoHandle}
 * (native/io/ring.cc `IoRing`). Unmapped by `unmap()`, by adoption (ownership
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

/** A native engine handle (native/io/handle.cc `IoHandle`). */
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
  /**
   * AF_UNIX handles (options.maxRights > 0): the descriptors received with
   * each message of the batch, `maxRights` per message (message i's
   * `rightsCount` of them start at i × maxRights). They are open and
   * CLOEXEC, and owned like `ownFd`'s until `close`d or `forgetFd`ten:
   * the environment's teardown closes those still owned. Reused per batch.
   */
  readonly rights?: Int32Array;
  /** True when the handle receives from a TPACKET_V3 ring (options.ring). */
  readonly ring: boolean;
  /** The descriptor, -1 once closing. */
  readonly fd: number;
  /** True once close() was called. */
  readonly closed: boolean;
  /**
   * Poll READABLE (true) or not. → 0 | -errno. The receive headers and tail
   * slab (batchSize × messageSize bytes) are allocated on the first
   * `setReceiving(true)`, so a send-only handle costs little; -ENOMEM when
   * they cannot be (nothing changed).
   */
  setReceiving(on: boolean): number;
  /** Poll WRITABLE (true) or not. → 0 | -errno */
  setWritable(on: boolean): number;
  /**
   * Poll for POLLERR even while not receiving, draining the error queue on
   * each (records arrive through `onRecv` with MSG_ERRQUEUE). → 0 | -errno
   */
  setErrors(on: boolean): number;
  /**
   * sendmmsg of `datas[start .. start+count)` (at most 1024) → datagrams sent (may be fewer) | -errno.
   * `addresses`/`controls`: null, one encoding for all, or an array parallel to `datas` (entries may be null).
   * Every element is read before any pointer is taken (getters may run JS);
   * entries must be Uint8Arrays (Buffer included), as for `sendmsgFd`; a
   * detached one is a TypeError (ERR_INVALID_STATE), never a 0-byte datagram.
   * -ENOMEM if the send scratch cannot grow.
   * Packed form: `datas` one Uint8Array holding the payloads back to back and
   * `lengths` their sizes (message k is `lengths[k]` bytes): two N-API reads
   * for the whole batch instead of two per message.
   * `gather` (UDP, one destination and control block for all, no
   * UDP_SEGMENT in it): runs of equal-length datagrams go as UDP GSO
   * messages; if the kernel refuses the first (EINVAL, EIO, EMSGSIZE) they
   * go plainly and gathering stays off for this handle (`gatherOff`).
   */
  sendBatch(
    datas: readonly Uint8Array[] | Uint8Array,
    addresses: Uint8Array | readonly (Uint8Array | null)[] | null,
    controls: Uint8Array | readonly (Uint8Array | null)[] | null,
    start: number,
    count: number,
    lengths?: Uint32Array | null,
    gather?: boolean,
  ): number;
  /** Whether the kernel refused a gathered (UDP GSO) send on this handle, so sendBatch no longer gathers. */
  readonly gatherOff: boolean;
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
  /**
   * {@link IoHandle.ringSkip} without blocking the loop: the membarrier (one
   * RCU grace period, ~10 ms) runs on the threadpool, then the skip on the
   * loop, then `callback(0 | -EBADF | -EINVAL)` (-EBADF: the handle closed
   * meanwhile). → 0 when queued | -EBADF | -EINVAL (callback not called).
   */
  ringSkipAsync(callback: (result: number) => void): number;
  /**
   * Start closing: polling stops now, `fd` reads -1 and `closed` true; the
   * descriptor is closed (and a ring unmapped) on the threadpool, because
   * closing a packet socket waits one RCU grace period; EV_CLOSE comes once
   * it is really closed. At environment teardown it is closed synchronously,
   * without JS. → 0 | -EBADF if already closing.
   */
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
 * Byte offsets inside one `control` record (CONTROL_STRIDE bytes, host-endian;
 * addresses are raw network-order bytes). A field is valid only when its
 * `present` bit (ioConstants.HAS_*) is set. Every offset is `offsetof` in
 * `codec::ControlInfo` (native/codec/cmsg.h), exported by native/constants.cc.
 */
export interface ControlRecordLayout {
  /** u32: bit set of the valid fields (ioConstants.HAS_*). */
  readonly present: number;
  /** u32: receiving interface index (IP_PKTINFO / IPV6_PKTINFO; HAS_PKTINFO). */
  readonly ifindex: number;
  /** 16 bytes: destination address the packet was sent to (ipi_addr / ipi6_addr; 4 bytes used for IPv4; HAS_PKTINFO). */
  readonly dst: number;
  /** u32: AF_INET or AF_INET6, the family of `dst` (HAS_PKTINFO). */
  readonly dstFamily: number;
  /** i32: received TTL or hop limit (IP_TTL / IPV6_HOPLIMIT; HAS_TTL). */
  readonly ttl: number;
  /** i32: received TOS byte or traffic class (IP_TOS / IPV6_TCLASS; HAS_TOS). */
  readonly tos: number;
  /** u32: packets dropped by the socket so far, cumulative (SO_RXQ_OVFL; HAS_DROP_COUNT). */
  readonly dropCount: number;
  /** i64: software receive time in ns since the epoch (SO_TIMESTAMP, SO_TIMESTAMPNS or SO_TIMESTAMPING; HAS_TIMESTAMP). */
  readonly timestampNs: number;
  /** i64: raw hardware timestamp in ns (SO_TIMESTAMPING; HAS_HW_TIMESTAMP). */
  readonly hwTimestampNs: number;
  /** u32: segment size of a coalesced UDP_GRO datagram (HAS_GRO). */
  readonly groSize: number;
  /** u32: sock_extended_err.ee_errno (IP_RECVERR / IPV6_RECVERR; HAS_EXT_ERR). */
  readonly eeErrno: number;
  /** u8: sock_extended_err.ee_origin (SO_EE_ORIGIN_*). */
  readonly eeOrigin: number;
  /** u8: sock_extended_err.ee_type (ICMP type for ICMP origins). */
  readonly eeType: number;
  /** u8: sock_extended_err.ee_code (ICMP code for ICMP origins). */
  readonly eeCode: number;
  /** u32: sock_extended_err.ee_info (e.g. the MTU for "fragmentation needed"). */
  readonly eeInfo: number;
  /** u32: sock_extended_err.ee_data. */
  readonly eeData: number;
  /** u32: AF_INET or AF_INET6, family of `offender` (SO_EE_OFFENDER; HAS_OFFENDER). */
  readonly offenderFamily: number;
  /** 16 bytes: address of the node that reported the error (4 bytes used for IPv4; HAS_OFFENDER). */
  readonly offender: number;
  /** u16: AF_INET or AF_INET6, family of `origDst` (IP_ORIGDSTADDR / IPV6_ORIGDSTADDR; HAS_ORIG_DST). */
  readonly origDstFamily: number;
  /** u16: original destination port, host order (HAS_ORIG_DST). */
  readonly origDstPort: number;
  /** 16 bytes: original destination address (4 bytes used for IPv4; HAS_ORIG_DST). */
  readonly origDst: number;
  /** u32: tpacket_auxdata.tp_status (TP_STATUS_* bits; PACKET_AUXDATA; HAS_AUXDATA). */
  readonly tpStatus: number;
  /** u32: tpacket_auxdata.tp_len, the original frame length. */
  readonly tpLen: number;
  /** u32: tpacket_auxdata.tp_snaplen, the captured length. */
  readonly tpSnaplen: number;
  /** u16: tpacket_auxdata.tp_mac, link-layer header offset. */
  readonly tpMac: number;
  /** u16: tpacket_auxdata.tp_net, network header offset. */
  readonly tpNet: number;
  /** u16: tpacket_auxdata.tp_vlan_tci, the offloaded VLAN tag control information. */
  readonly tpVlanTci: number;
  /** u16: tpacket_auxdata.tp_vlan_tpid, the offloaded VLAN tag protocol id. */
  readonly tpVlanTpid: number;
  /** u32: IPv6 scope id of `origDst` (sin6_scope_id; 0 for IPv4; HAS_ORIG_DST). */
  readonly origDstScope: number;
  /** i32: sender's pid (SCM_CREDENTIALS, AF_UNIX with SO_PASSCRED; HAS_CREDENTIALS). */
  readonly credPid: number;
  /** u32: sender's uid (HAS_CREDENTIALS). */
  readonly credUid: number;
  /** u32: sender's gid (HAS_CREDENTIALS). */
  readonly credGid: number;
  /** u32: SCM_RIGHTS descriptors of this message in the handle's `rights` array (HAS_RIGHTS). */
  readonly rightsCount: number;
  /** sizeof(ControlInfo): equals ioConstants.CONTROL_STRIDE. */
  readonly size: number;
}

/** Word indexes inside one `meta` record (u32 words, `stride` words per message). */
export interface MetaRecordLayout {
  /** Offset of the message in the batch's data Buffer. */
  readonly offset: number;
  /** Bytes copied. */
  readonly length: number;
  /** Length on the wire (larger than `length` when truncated, MSG_TRUNC). */
  readonly realLength: number;
  /** msg_flags (MSG_TRUNC, MSG_CTRUNC, MSG_ERRQUEUE). */
  readonly flags: number;
  /** u32 words per message (ioConstants.META_STRIDE). */
  readonly stride: number;
}

/** Byte offsets of struct sockaddr_in (`offsetof`; `sin_port` and `sin_addr` are network order). */
export interface SockaddrInLayout {
  /** sa_family_t, host order. */
  readonly sin_family: number;
  /** u16 port, network order. */
  readonly sin_port: number;
  /** 4 address bytes. */
  readonly sin_addr: number;
  /** sizeof(struct sockaddr_in). */
  readonly size: number;
}

/** Byte offsets of struct sockaddr_in6 (`offsetof`). */
export interface SockaddrIn6Layout {
  /** sa_family_t, host order. */
  readonly sin6_family: number;
  /** u16 port, network order. */
  readonly sin6_port: number;
  /** u32 flow information, network order. */
  readonly sin6_flowinfo: number;
  /** 16 address bytes. */
  readonly sin6_addr: number;
  /** u32 scope id, host order. */
  readonly sin6_scope_id: number;
  /** sizeof(struct sockaddr_in6). */
  readonly size: number;
}

/** Byte offsets of struct sockaddr_ll (`offsetof`). */
export interface SockaddrLlLayout {
  /** u16 AF_PACKET, host order. */
  readonly sll_family: number;
  /** u16 EtherType, network order. */
  readonly sll_protocol: number;
  /** i32 interface index, host order. */
  readonly sll_ifindex: number;
  /** u16 ARPHRD_* hardware type, host order. */
  readonly sll_hatype: number;
  /** u8 PACKET_* packet type. */
  readonly sll_pkttype: number;
  /** u8 hardware address length. */
  readonly sll_halen: number;
  /** 8 hardware address bytes. */
  readonly sll_addr: number;
  /** sizeof(struct sockaddr_ll). */
  readonly size: number;
}

/** Byte offsets of struct sockaddr_un (`offsetof`). */
export interface SockaddrUnLayout {
  /** u16 AF_UNIX, host order. */
  readonly sun_family: number;
  /** The path bytes (NUL-terminated), or a NUL then an abstract name. */
  readonly sun_path: number;
  /** sizeof(struct sockaddr_un). */
  readonly size: number;
}

/** The sockaddr layouts of the `addresses` records (one decoder for every socket kind reads these). */
export interface SockaddrLayouts {
  /** struct sockaddr_un. */
  readonly sockaddr_un: SockaddrUnLayout;
  /** struct sockaddr_in. */
  readonly sockaddr_in: SockaddrInLayout;
  /** struct sockaddr_in6. */
  readonly sockaddr_in6: SockaddrIn6Layout;
  /** struct sockaddr_ll. */
  readonly sockaddr_ll: SockaddrLlLayout;
}

/** Record layouts exported by native/constants.cc (`offsetof` of the C structs). */
export interface RecordLayouts {
  /** The `meta` record. */
  readonly meta: MetaRecordLayout;
  /** The `control` record (codec::ControlInfo). */
  readonly control: ControlRecordLayout;
  /** The sockaddr structures found in `addresses` records. */
  readonly sockaddr: SockaddrLayouts;
}

const layouts = native.layouts;

/** Byte offsets inside one `control` record, from native (see {@link ControlRecordLayout}). */
export const ControlLayout: ControlRecordLayout = layouts.control;
/** Word indexes inside one `meta` record, from native (see {@link MetaRecordLayout}). */
export const MetaLayout: MetaRecordLayout = layouts.meta;
/** The sockaddr structures of the `addresses` records, from native, by C field name (see {@link SockaddrLayouts}). */
export const SockaddrStructs: SockaddrLayouts = layouts.sockaddr;

/**
 * Byte offsets inside one `addresses` record (sockaddr_in / sockaddr_in6 /
 * sockaddr_ll / sockaddr_un as the kernel fills them), flat for the one
 * sockaddr decoder (lib/core/sockaddr.ts); every value comes from native.
 */
export interface FlatSockaddrLayout {
  /** u16 length of the address the kernel returned (host order; ADDRESS_LENGTH). */
  readonly length: number;
  /** u16 sa_family (host order). */
  readonly family: number;
  /** u16 sin_port / sin6_port (network order). */
  readonly inPort: number;
  /** 4 bytes sin_addr. */
  readonly inAddr: number;
  /** u32 sin6_flowinfo. */
  readonly in6Flowinfo: number;
  /** 16 bytes sin6_addr. */
  readonly in6Addr: number;
  /** u32 sin6_scope_id (host order). */
  readonly in6ScopeId: number;
  /** u16 sll_protocol (network order). */
  readonly llProtocol: number;
  /** i32 sll_ifindex. */
  readonly llIfindex: number;
  /** u16 sll_hatype. */
  readonly llHatype: number;
  /** u8 sll_pkttype. */
  readonly llPkttype: number;
  /** u8 sll_halen. */
  readonly llHalen: number;
  /** 8 bytes sll_addr. */
  readonly llAddr: number;
  /** sun_path: a NUL-terminated path, or a NUL then the abstract name (up to `length`). */
  readonly sunPath: number;
}

const { sockaddr_in: in4, sockaddr_in6: in6, sockaddr_ll: ll, sockaddr_un: un } = layouts.sockaddr;
/** Byte offsets inside one `addresses` record, from native (see {@link FlatSockaddrLayout}). */
export const SockaddrLayout: FlatSockaddrLayout = Object.freeze({
  length: native.ioConstants.ADDRESS_LENGTH,
  family: in4.sin_family,
  inPort: in4.sin_port,
  inAddr: in4.sin_addr,
  in6Flowinfo: in6.sin6_flowinfo,
  in6Addr: in6.sin6_addr,
  in6ScopeId: in6.sin6_scope_id,
  llProtocol: ll.sll_protocol,
  llIfindex: ll.sll_ifindex,
  llHatype: ll.sll_hatype,
  llPkttype: ll.sll_pkttype,
  llHalen: ll.sll_halen,
  llAddr: ll.sll_addr,
  sunPath: un.sun_path,
});

/** Engine constants (strides, limits, event/syscall codes, HAS_* bits, MSG_* flags). */
export interface IoConstants {
  META_STRIDE: number;
  ADDRESS_STRIDE: number;
  /** Offset in an address record of its u16 length (msg_namelen, host order), after every sockaddr. */
  ADDRESS_LENGTH: number;
  CONTROL_STRIDE: number;
  MAX_BATCH: number;
  MAX_MESSAGE_SIZE: number;
  MAX_CONTROL_SIZE: number;
  EV_WRITABLE: number;
  EV_ERROR: number;
  EV_CLOSE: number;
  /** A SOCK_SEQPACKET peer shut down (zero-length reads after RDHUP): receiving stopped. */
  EV_END: number;
  SYS_RECV: number;
  SYS_SO_ERROR: number;
  SYS_POLL: number;
  /** An allocation failed in the poll callback (EV_ERROR with -ENOMEM; receiving stopped). */
  SYS_ALLOC: number;
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
  /** SCM_CREDENTIALS decoded (credPid, credUid, credGid). */
  HAS_CREDENTIALS: number;
  /** SCM_RIGHTS descriptors kept (rightsCount). */
  HAS_RIGHTS: number;
  /** SCM_MAX_FD: descriptors one AF_UNIX message may carry (253). */
  MAX_RIGHTS: number;
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
  /**
   * Encode AF_UNIX send control data: SCM_RIGHTS with `fds` (none when
   * empty; at most MAX_RIGHTS) and, when given, SCM_CREDENTIALS. → Buffer | -EINVAL
   */
  ioEncodeUnixControl(fds: readonly number[], credentials?: { pid: number; uid: number; gid: number }): Buffer | number;
  /** socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC) → [fd, fd] | -errno. */
  socketpair(type: number): [number, number] | number;
  /** bind(2) of an AF_UNIX socket with sun_family alone (addrlen 2): the kernel picks a unique abstract name → 0 | -errno. */
  unixAutobind(fd: number): number;
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
  /** Record layouts (offsetof values): build readers from these, never from hand-copied offsets. */
  layouts: RecordLayouts;
}
