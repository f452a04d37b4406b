// Run a command as nobody (uid/gid 65534, no groups, no capabilities) inside a topology host.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Host } from './testing';

export const root = join(__dirname, '..', '..');
export const DIST = join(root, 'dist', 'index.js');
export const CLI = join(root, 'dist', 'cli', 'main.js');
export const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `cmd args` in `host`'s namespace, as nobody unless `root` is true. */
export function runIn(host: Host, cmd: string, args: string[], opts: { root?: boolean; timeout?: number } = {}): Run {
  const argv = [`--net=${host.netns}`, '--', ...(opts.root ? [] : NOBODY), cmd, ...args];
  const r = spawnSync('nsenter', argv, { encoding: 'utf8', timeout: opts.timeout ?? 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run a JS snippet (an async function body with `sockit` in scope) as nobody in `host`; its return value comes back as JSON. */
export function nodeAsNobody(host: Host, body: string, timeout = 60_000): unknown {
  const src = `const sockit = require(${JSON.stringify(DIST)});
const caps = /^CapEff:\\s*(\\S+)/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1];
(async () => { ${body} })().then((v) => { process.stdout.write(JSON.stringify({ ok: true, caps, uid: process.getuid(), value: v })); }, (e) => { process.stdout.write(JSON.stringify({ ok: false, caps, uid: process.getuid(), error: { message: e.message, code: e.code, hint: e.hint } })); });`;
  const r = runIn(host, process.execPath, ['-e', src], { timeout });
  if (!r.stdout) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
