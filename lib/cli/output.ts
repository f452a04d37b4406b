/**
 * Output helpers for the CLI: aligned tables, a live progress/rate line on a
 * TTY, and turning errors into a message, a hint and an exit code.
 * @module
 */
import type { Writable } from 'node:stream';
import { SocketError } from '../core/errors';
import { EXIT, UsageError, usageLine, CommandSpec } from './args';

/** Where a command writes. Tests pass their own; main() passes process streams. */
export interface Io {
  /** One line of normal output (stdout). */
  out(line: string): void;
  /** One line of diagnostics (stderr). */
  err(line: string): void;
  /** Whether stderr is a terminal (enables the live progress line). */
  tty: boolean;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Binary output (`sniff -w -`); default process.stdout. */
  output?: Writable;
  /** Binary input (`sniff -r -`); default process.stdin. */
  input?: NodeJS.ReadableStream;
}

/** A standard Io over process.stdout/stderr. */
export function processIo(signal: AbortSignal): Io {
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    tty: Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb',
    signal,
    output: process.stdout,
    input: process.stdin,
  };
}

/** Render rows as an aligned table (first row = header). */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * A live "N frames, R/s, D drops" line on a TTY (stderr, redrawn in place
 * every 250 ms); silent when not a terminal. `done()` clears it.
 */
export class Progress {
  #io: Io;
  #label: string;
  #count = 0;
  #bytes = 0;
  #drops = 0;
  #start = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #drawn = false;

  constructor(io: Io, label: string) {
    this.#io = io;
    this.#label = label;
    if (io.tty) {
      this.#timer = setInterval(() => this.#draw(), 250);
      this.#timer.unref();
    }
  }
  /** Count one item of `bytes` bytes. */
  tick(bytes = 0): void {
    this.#count++;
    this.#bytes += bytes;
  }
  /** Set the drop counter (from the kernel's statistics). */
  drops(n: number): void {
    this.#drops = n;
  }
  get count(): number {
    return this.#count;
  }
  get bytes(): number {
    return this.#bytes;
  }
  get dropped(): number {
    return this.#drops;
  }
  /** Seconds since start. */
  get elapsed(): number {
    return (Date.now() - this.#start) / 1000;
  }
  /** Items per second so far. */
  get rate(): number {
    return this.elapsed > 0 ? this.#count / this.elapsed : 0;
  }
  #draw(): void {
    const line = `${this.#count} ${this.#label}, ${this.rate.toFixed(0)}/s, ${formatBytes(this.#bytes)}${this.#drops ? `, ${this.#drops} dropped` : ''}`;
    process.stderr.write(`\r\x1b[K${line}`);
    this.#drawn = true;
  }
  /** Stop and clear the live line. */
  done(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#drawn) process.stderr.write('\r\x1b[K');
  }
  /** The final summary line. */
  summary(): string {
    return `${this.#count} ${this.#label} in ${this.elapsed.toFixed(2)} s (${this.rate.toFixed(0)}/s, ${formatBytes(this.#bytes)})${this.#drops ? `, ${this.#drops} dropped by the kernel` : ''}`;
  }
}

/** "1.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Report an error the way the CLI does — what failed, then what to do — and
 * return the exit code: usage 2, EPERM/EACCES 3, other system errors 1.
 */
export function reportError(io: Io, e: unknown, spec?: CommandSpec): number {
  if (e instanceof UsageError) {
    io.err(`sockit ${e.command}: ${e.message}`);
    if (spec) io.err(`usage: ${usageLine(spec)}`);
    io.err(`Run 'sockit ${e.command} --help' for options and examples.`);
    return EXIT.USAGE;
  }
  if (e instanceof SocketError) {
    const head = e.hint ? e.message.slice(0, e.message.indexOf(`: ${e.hint}`)) || e.message : e.message;
    io.err(`sockit: ${head}`);
    if (e.hint) io.err(`  what to do: ${e.hint}`);
    return e.code === 'EPERM' || e.code === 'EACCES' ? EXIT.PERMISSION : EXIT.FAILURE;
  }
  const err = e as { code?: string; message?: string; name?: string };
  if (err && typeof err.code === 'string' && /^ERR_/.test(err.code)) {
    io.err(`sockit: ${err.message}`);
    return EXIT.USAGE;
  }
  io.err(`sockit: ${err?.message ?? String(e)}`);
  return EXIT.FAILURE;
}

/** Wait `ms` unless aborted; resolves false when aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
