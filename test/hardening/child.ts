/**
 * Runs a script in a fresh node process (so a crash, a leaked descriptor or a
 * process-exit warning shows up as that child's failure, not the runner's).
 * The script gets `sockit` (the built package), `fdCount()`, `fdTargets()`,
 * `fdSettled()`, `rssMb()` and `emit(obj)` (prints one JSON result line) in scope.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const dist = join(root, 'dist', 'index.js');

export const prelude = `
// The package, plus its internal raw binding as sockit.native (not exported publicly).
const sockit = Object.assign(Object.create(require(${JSON.stringify(dist)})), { native: require(${JSON.stringify(join(root, 'dist', 'binding', 'index.js'))}).native });
const fs = require('fs');
const fdCount = () => fs.readdirSync('/proc/self/fd').length;
const fdTargets = () => fs.readdirSync('/proc/self/fd').map((f) => { try { return f + ' ' + fs.readlinkSync('/proc/self/fd/' + f); } catch { return f + ' ?'; } });
// The open descriptors once two reads 20 ms apart agree (the runtime may hold a
// short-lived one at startup); the directory read's own descriptor is left out.
const fdSettled = async () => {
  const read = () => fdTargets().filter((t) => !t.endsWith(' ?')).sort();
  let a = read();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const b = read();
    if (b.join() === a.join()) return b;
    a = b;
  }
  return a;
};
const rssMb = () => process.memoryUsage().rss / 1048576;
const emit = (o) => process.stdout.write('@@RESULT ' + JSON.stringify(o) + '\\n');
`;

export interface ChildResult<T> {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  result: T;
}

export function runChild<T = Record<string, unknown>>(body: string, opts: { nodeArgs?: string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): ChildResult<T> {
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), '-e', prelude + body], {
    encoding: 'utf8',
    cwd: root,
    env: opts.env ?? process.env,
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    result: (line ? JSON.parse(line.slice(9)) : undefined) as T,
  };
}

/** Fails with the child's output when it did not exit cleanly with a result. */
export function expectClean<T>(r: ChildResult<T>): T {
  if (r.status !== 0 || r.signal !== null || r.result === undefined) {
    throw new Error(`child failed (status ${r.status}, signal ${r.signal}):\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
  }
  return r.result;
}

/**
 * Open sockets in a child (`open` is an async JS body that returns an array of
 * sockets with an `fd`), spawn `ls /proc/self/fd` from it, and assert the
 * grandchild inherited none of them (every descriptor is CLOEXEC).
 */
export function expectCloseOnExec(open: string, count: number): void {
  const r = expectClean(
    runChild<{ ours: string[]; child: string[] }>(`
      const { execFileSync } = require('child_process');
      (async () => {
        const socks = await (async () => { ${open} })();
        const ours = socks.map((s) => fs.readlinkSync('/proc/self/fd/' + s.fd));
        // ls lists its own descriptors: everything it inherited.
        const child = execFileSync('ls', ['-l', '/proc/self/fd'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
          .split('\\n').map((l) => l.split(' -> ')[1]).filter(Boolean);
        for (const s of socks) await s.close();
        emit({ ours, child });
      })();`),
  );
  if (r.ours.length !== count) throw new Error(`expected ${count} sockets in the child, got ${r.ours.length}`);
  for (const target of r.ours) {
    if (!/^socket:\[\d+\]$/.test(target)) throw new Error(`not a socket: ${target}`);
    if (r.child.includes(target)) throw new Error(`a spawned child inherited ${target}`);
  }
}
