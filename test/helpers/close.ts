// Sockets a test opens, closed (awaited) after each test so no handle leaks.
import { afterEach } from 'vitest';

/** Something with close() (sockets, servers). */
export type Closable = { close(): Promise<void> | void };

/** Register an afterEach that closes what the returned `keep` was given; `keep` returns its argument. */
export function closeAfterEach(): <T extends Closable>(s: T) => T {
  const open: Closable[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return (s) => {
    open.push(s);
    return s;
  };
}
