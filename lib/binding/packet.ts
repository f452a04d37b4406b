/** Native packet calls (native/packet.cc). Each returns a negative errno on failure. */

/** An interface as seen from a packet socket's own network namespace. */
export interface NativePacketInterface {
  index: number;
  name: string;
  mtu: number;
  /** IFF_* flags. */
  flags: number;
}

export interface PacketBinding {
  /** setsockopt(SO_ATTACH_FILTER) with `struct sock_filter[]` bytes → 0 | -errno. */
  packetAttachFilter(fd: number, program: Uint8Array): number;
  /**
   * membarrier (one RCU grace period: frames in flight have passed the old
   * filter), then discard up to `max` queued frames (recv MSG_DONTWAIT until
   * EAGAIN) → count | -errno. Blocks the loop ~10 ms: prefer packetDrainAsync.
   */
  packetDrain(fd: number, max: number): number;
  /** {@link PacketBinding.packetDrain} with the membarrier on the threadpool, then `callback(count | -errno)` on the loop. */
  packetDrainAsync(fd: number, max: number, callback: (result: number) => void): void;
  /** membarrier(MEMBARRIER_CMD_GLOBAL) on the threadpool, then `callback(0)` on the loop: waits out one RCU grace period without blocking. */
  membarrierAsync(callback: (result: number) => void): void;
  /** Interface by name or index via ioctls on `fd` (its namespace) → info | -errno. */
  packetInterface(fd: number, ref: string | number): NativePacketInterface | number;
}
