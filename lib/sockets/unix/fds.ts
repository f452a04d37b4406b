/**
 * Descriptors received with SCM_RIGHTS, owned until somebody takes them.
 *
 * The kernel installs every passed descriptor in this process when the
 * message is read; a library that hands out bare numbers leaks one per
 * message nobody looks at. Here each message's descriptors belong to a
 * {@link ReceivedDescriptors}, and are closed unless taken:
 * - with a `'message'` listener: when the listeners for that message return;
 * - with an async iterator: when the iterator asks for the next message (or
 *   ends) — or at once, if the iterator drops the message unread;
 * - with `receive()`: the message is yours; `take()` or `close()` them;
 * - always, as a safety net, when the object is garbage collected;
 * - and when the environment ends (a Worker terminated or exiting, where no
 *   finalizer runs): the addon owns every received descriptor until it is
 *   taken or closed (as a Socket's), and closes the rest itself.
 * @module
 */
import { native } from '../../binding';

/** The descriptors of one message; shared with the finalizer (which must not hold the object). */
interface Held {
  fds: number[];
}

function closeHeld(h: Held): number {
  const n = h.fds.length;
  for (const fd of h.fds) native.close(fd);
  h.fds = [];
  return n;
}

const finalizer = new FinalizationRegistry<Held>(closeHeld);

/**
 * The descriptors that came with one message (SCM_RIGHTS): open, close-on-exec,
 * in the order the sender passed them. Call {@link take} to keep them; what is
 * not taken is closed by sockit (see the module doc for when).
 */
export class ReceivedDescriptors {
  #held: Held;
  #refs = 0;
  #onClose: (n: number) => void;

  /** @internal */
  constructor(fds: number[], onClose: (n: number) => void) {
    this.#held = { fds };
    this.#onClose = onClose;
    finalizer.register(this, this.#held, this);
  }

  /** Descriptors still held (0 once taken or closed). */
  get count(): number {
    return this.#held.fds.length;
  }

  /** The descriptor numbers, still owned by this object (valid until it closes them). */
  peek(): readonly number[] {
    return this.#held.fds.slice();
  }

  /**
   * Take ownership of every descriptor still held: you must close them (e.g.
   * `fs.closeSync(fd)`, or hand one to `new net.Socket({ fd })`,
   * `fs.createReadStream(null, { fd })`, `UnixSocket.adopt(fd)`). Returns []
   * when they were taken or closed already.
   */
  take(): number[] {
    const fds = this.#held.fds;
    this.#held.fds = [];
    finalizer.unregister(this);
    // Yours now: the environment's teardown no longer closes them.
    for (const fd of fds) native.forgetFd(fd);
    return fds;
  }

  /** Close every descriptor still held (idempotent). */
  close(): void {
    finalizer.unregister(this);
    const n = closeHeld(this.#held);
    if (n) this.#onClose(n);
  }

  /** `using fds = info.fds` closes what was not taken at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal An iterator holds the message. */
  _hold(): void {
    this.#refs++;
  }

  /** @internal An iterator let go of the message: close when nobody else holds it. */
  _release(): void {
    if (--this.#refs <= 0) this.close();
  }

  /** @internal The message's listeners returned: close unless an iterator holds it. */
  _settle(): void {
    if (this.#refs <= 0) this.close();
  }
}
