/** Native descriptor-level calls (native/socket.cc). Each returns a negative errno on failure. */

/** An AF_INET / AF_INET6 address as the native layer takes and returns it (struct sockaddr_in / sockaddr_in6). */
export interface NativeInetAddress {
  /** AF_INET or AF_INET6. */
  family: number;
  /** IP address, text form. */
  address: string;
  /** Port, host order. */
  port: number;
  /** IPv6 scope id (sin6_scope_id). */
  scopeId?: number;
}
/** An AF_PACKET address (struct sockaddr_ll). */
export interface NativeLinkAddress {
  /** AF_PACKET. */
  family: number;
  /** Interface index (sll_ifindex). */
  ifindex: number;
  /** EtherType, host order (sll_protocol). */
  protocol: number;
  /** Input: bytes. Output: "aa:bb:cc:dd:ee:ff". */
  mac?: Uint8Array | string;
  /** Output: hardware type, ARPHRD_* (sll_hatype). */
  hatype?: number;
  /** Output: packet type, PACKET_* (sll_pkttype). */
  pkttype?: number;
}
/** An AF_UNIX address (struct sockaddr_un). */
export interface NativeUnixAddress {
  /** AF_UNIX. */
  family: number;
  /** Socket path. */
  path: string;
}
/** Any address the native layer takes or returns; `{ family }` alone for families it does not decode. */
export type NativeAddress = NativeInetAddress | NativeLinkAddress | NativeUnixAddress | {
  /** Address family (AF_*). */
  family: number;
};

export interface SocketBinding {
  /** Native numeric constants (AF_*, SOCK_*, SOL_*, IPPROTO_*, E*, ...) by C name. */
  constants: Record<string, number>;
  /** The NAPI_VERSION the addon was built for. */
  napiVersion: number;
  /** socket(2) with SOCK_NONBLOCK \| SOCK_CLOEXEC added to `type` → fd \| -errno. */
  socket(domain: number, type: number, protocol: number): number;
  /** bind(2) to an address → 0 \| -errno. */
  bind(fd: number, address: NativeAddress): number;
  /** connect(2) → 0 \| -errno (-EINPROGRESS on a non-blocking stream socket). */
  connect(fd: number, address: NativeAddress): number;
  /** connect(2) to AF_UNSPEC: dissolve a datagram association → 0 \| -errno. */
  disconnect(fd: number): number;
  /** listen(2) → 0 \| -errno. */
  listen(fd: number, backlog: number): number;
  /** getsockname(2) → the local address \| -errno. */
  getsockname(fd: number): NativeAddress | number;
  /** getpeername(2) → the peer address \| -errno. */
  getpeername(fd: number): NativeAddress | number;
  /** shutdown(2) with SHUT_RD / SHUT_WR / SHUT_RDWR → 0 \| -errno. */
  shutdown(fd: number, how: number): number;
  /** close(2) (also unregisters an owned fd; EINTR counts as closed) → 0 \| -errno. */
  close(fd: number): number;
  /**
   * close(2) on the threadpool, then `callback(0 | -errno)` on the loop: for
   * descriptors whose close blocks (an AF_PACKET socket waits one RCU grace
   * period, ~10 ms). The fd is unregistered (ownFd) at once; do not use it again.
   */
  closeAsync(fd: number, callback: (result: number) => void): void;
  /** Register fd as owned by a JS Socket: closed at environment teardown (Worker exit) unless closed or forgotten first. */
  ownFd(fd: number): void;
  /** Unregister fd (ownership handed elsewhere; also a received SCM_RIGHTS descriptor taken by the user). */
  forgetFd(fd: number): void;
  /** strerror(3) of a positive errno: the C library's message, as system tools print it ("Network is unreachable"). */
  strerror(errno: number): string;
  /** fstat(2): 1 if fd is a socket, 0 if not, -errno if fd is invalid. */
  isSocket(fd: number): number;
  /** Set or clear O_NONBLOCK (fcntl F_SETFL) on an adopted descriptor → 0 \| -errno. */
  setNonBlocking(fd: number, on: boolean): number;
  /** Set FD_CLOEXEC (fcntl F_SETFD) → 0 \| -errno. */
  setCloexec(fd: number): number;
  /** fcntl(F_DUPFD_CLOEXEC, 3): a new descriptor for the same socket → fd \| -errno. */
  dup(fd: number): number;
  /**
   * One sendmsg(MSG_DONTWAIT | MSG_NOSIGNAL) of `data` on `fd`, with an
   * encoded destination (ioEncodeAddress) and control data (ioEncodeControl),
   * each optional → bytes sent | -errno. The caller checks the fd is open.
   * Arguments must be Uint8Arrays (Buffer included); a detached one is a
   * TypeError (ERR_INVALID_STATE). Implemented with sendBatch in native/io/send.cc.
   */
  sendmsgFd(fd: number, data: Uint8Array, address: Uint8Array | null, control: Uint8Array | null): number;
  /** setsockopt with raw bytes (the escape hatch). */
  setsockoptRaw(fd: number, level: number, optname: number, value: Uint8Array): number;
  /** getsockopt into a buffer of `length` bytes, trimmed to what the kernel wrote. */
  getsockoptRaw(fd: number, level: number, optname: number, length: number): Buffer | number;
}
