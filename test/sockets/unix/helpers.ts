import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An abstract name unique to this test run (abstract names are per network namespace, shared by the machine outside npm test). */
export function abstractName(tag: string): string {
  return `@sockit-test-${process.pid}-${tag}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A private directory for socket files; `rm()` removes it. */
export function tempDir(): { dir: string; path: (name: string) => string; rm: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sockit-unix-'));
  return { dir, path: (n) => join(dir, n), rm: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Open descriptors of this process. */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait until `cond()` holds (polling every 5 ms), failing after `ms`. */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(5);
  }
}
