// Whether a process still runs, for tests that check that something exits;
// whether a descriptor sits in this process's event loop.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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

/** Whether descriptor `fd` is in one of this process's epoll sets (the event loop's), from /proc/self/fdinfo. */
export function inEpoll(fd: number): boolean {
  for (const e of readdirSync('/proc/self/fd')) {
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${e}`);
    } catch {
      continue;
    }
    if (target === 'anon_inode:[eventpoll]' && new RegExp(`^tfd:\\s+${fd}\\s`, 'm').test(readFileSync(`/proc/self/fdinfo/${e}`, 'utf8'))) return true;
  }
  return false;
}

/** {@link inEpoll} as source for a child process's script (which has `fs`). */
export const inEpollSource = `(fd) => fs.readdirSync('/proc/self/fd').some((e) => {
  try { if (fs.readlinkSync('/proc/self/fd/' + e) !== 'anon_inode:[eventpoll]') return false; } catch { return false; }
  return new RegExp('^tfd:\\\\s+' + fd + '\\\\s', 'm').test(fs.readFileSync('/proc/self/fdinfo/' + e, 'utf8'));
})`;
