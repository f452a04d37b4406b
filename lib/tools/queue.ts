/**
 * The async iteration behind {@link ping} and {@link traceroute}: a run
 * produces events on its own (it does not wait for a reader) and each
 * iterator reads them in order; a run nobody reads keeps only the last
 * `limit` events.
 * @module
 */

/** @internal An event buffer read by async iterators; `end()` or `fail()` finishes it. */
export class EventQueue<T> {
  #items: T[] = [];
  #base = 0; // absolute index of #items[0]
  #waiters: Array<() => void> = [];
  #done = false;
  #error: unknown;
  #failed = false;

  constructor(private readonly limit = 65536) {}

  /** Add one event. */
  push(v: T): void {
    this.#items.push(v);
    if (this.#items.length >= 2 * this.limit) {
      const drop = this.#items.length - this.limit;
      this.#items = this.#items.slice(drop);
      this.#base += drop;
    }
    this.#wake();
  }

  /** No more events. */
  end(): void {
    this.#done = true;
    this.#wake();
  }

  /** No more events: iterators reject with `err` once the buffered ones are read. */
  fail(err: unknown): void {
    this.#failed = true;
    this.#error = err;
    this.end();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** An iterator over every event from the oldest still buffered. */
  async *iterate(): AsyncGenerator<T, void, undefined> {
    let i = this.#base;
    for (;;) {
      if (i < this.#base) i = this.#base;
      if (i - this.#base < this.#items.length) {
        yield this.#items[i++ - this.#base] as T;
        continue;
      }
      if (this.#done) {
        if (this.#failed) throw this.#error;
        return;
      }
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }
}

/** @internal Milliseconds since an hrtime start, with microsecond precision. */
export function msSince(start: bigint, now = process.hrtime.bigint()): number {
  return Number(now - start) / 1e6;
}

/** @internal A promise resolved after `ms`, or early by `wake()`. */
export class Sleeper {
  #timer: NodeJS.Timeout | undefined;
  #resolve: (() => void) | undefined;

  /** Wait up to `ms` milliseconds. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
      // Already due: yield to I/O once (replies are read) without setTimeout's 1 ms floor.
      if (ms <= 0) setImmediate(() => this.wake());
      else this.#timer = setTimeout(() => this.wake(), ms);
    });
  }

  /** End the current wait now. */
  wake(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const r = this.#resolve;
    this.#resolve = undefined;
    r?.();
  }
}
