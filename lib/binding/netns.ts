/** Native network-namespace calls (native/netns.cc). */

/** Why netnsSocket failed: the negative errno and the step that failed. */
export interface NetnsFailure {
  errno: number;
  syscall: 'open' | 'setns' | 'socket';
}

export interface NetnsBinding {
  /**
   * Create a socket inside the namespace at `path` (setns there, socket(),
   * setns back; only the calling thread moves). `type` gets
   * SOCK_NONBLOCK|SOCK_CLOEXEC added. → fd, or the failing step and -errno.
   */
  netnsSocket(path: string, domain: number, type: number, protocol: number): number | NetnsFailure;
  /** Move the calling thread into `path` until netnsLeave → saved descriptor | failure. */
  netnsEnter(path: string): number | NetnsFailure;
  /** Return to the namespace saved by netnsEnter and close the descriptor → 0. */
  netnsLeave(saved: number): number;
  /** "dev:inode" identity of a namespace file → string | -errno. */
  netnsId(path: string): string | number;
}
