/** Native descriptor-level calls (native/socket.cc). Each returns a negative errno on failure. */

/** A socket address as the native layer takes and returns it. */
export interface NativeInetAddress {
  family: number;
  address: string;
  port: number;
  scopeId?: number;
}
export interface NativeLinkAddress {
  family: number;
  ifindex: number;
  protocol: number;
  /** Input: bytes. Output: "aa:bb:cc:dd:ee:ff". */
  mac?: Uint8Array | string;
  hatype?: number;
  pkttype?: number;
}
export interface NativeUnixAddress {
  family: number;
  path: string;
}
export type NativeAddress = NativeInetAddress | NativeLinkAddress | NativeUnixAddress | { family: number };

export interface SocketBinding {
  constants: Record<string, number>;
  napiVersion: number;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: NativeAddress): number;
  connect(fd: number, address: NativeAddress): number;
  disconnect(fd: number): number;
  listen(fd: number, backlog: number): number;
  getsockname(fd: number): NativeAddress | number;
  getpeername(fd: number): NativeAddress | number;
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  /** Register fd as owned by a JS Socket: closed at environment teardown (Worker exit) unless closed or forgotten first. */
  ownFd(fd: number): void;
  /** Unregister fd (ownership handed elsewhere). */
  forgetFd(fd: number): void;
  isSocket(fd: number): number;
  setNonBlocking(fd: number, on: boolean): number;
  setCloexec(fd: number): number;
  dup(fd: number): number;
  /** setsockopt with raw bytes (the escape hatch). */
  setsockoptRaw(fd: number, level: number, optname: number, value: Uint8Array): number;
  /** getsockopt into a buffer of `length` bytes, trimmed to what the kernel wrote. */
  getsockoptRaw(fd: number, level: number, optname: number, length: number): Buffer | number;
}
