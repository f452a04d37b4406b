// Whether a process still runs, for tests that check that something exits.
import { readFileSync } from 'node:fs';

/**
 * True while `pid` exists and is not a zombie. An exited child that nobody
 * has reaped yet still answers kill(pid, 0), and reaping by PID 1 can lag on a
 * loaded machine; its descriptors and namespaces are already released.
 */
export function running(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // Field 3 follows the command name, which is in parentheses and may contain spaces.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Resolves when `pred` is true or `ms` have passed (checked every 25 ms). */
export async function waitUntil(pred: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}
