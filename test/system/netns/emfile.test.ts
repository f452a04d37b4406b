// Issue 10 (l): running out of descriptors is reported as EMFILE with a hint
// about the descriptor limit, not as "no such namespace" (open failed) or
// ENOENT "no interface named …" (glibc's if_nametoindex hides socket()'s
// errno). A child under `prlimit --nofile` exhausts its descriptors first.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../../helpers/env';

const dist = join(__dirname, '../../../dist/index.js');

const child = `
const s = require(${JSON.stringify(dist)});
const fs = require('fs');
const held = [];
try { for (;;) held.push(fs.openSync('/dev/null', 'r')); } catch (e) { if (e.code !== 'EMFILE') throw e; }
const out = {};
const record = (name, fn) => { try { fn(); out[name] = { ok: true }; } catch (e) { out[name] = { code: e.code, syscall: e.syscall, message: e.message, hint: e.hint }; } };
(async () => {
  record('socketInNetns', () => new s.Socket('ipv4', 'dgram', 0, { netns: '/proc/self/ns/net' }));
  record('withNetns', () => s.withNetns('/proc/self/ns/net', () => 0));
  record('interfaceIndex', () => s.interfaceIndex('lo'));
  try { await s.multicast.listen('239.192.0.9:4009', { interface: 'lo' }); out.listen = { ok: true }; }
  catch (e) { out.listen = { code: e.code, syscall: e.syscall, message: e.message, hint: e.hint }; }
  for (const fd of held) fs.closeSync(fd);
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})();
`;

interface Failure {
  ok?: boolean;
  code?: string;
  syscall?: string;
  message?: string;
  hint?: string;
}

describeWith(['netns', 'tool:prlimit'], 'EMFILE is reported as EMFILE (issue 10 l)', () => {
  const r = spawnSync('prlimit', ['--nofile=64', '--', process.execPath, '-e', child], { encoding: 'utf8', timeout: 30_000 });
  const got = (r.status === 0 ? JSON.parse(r.stdout) : {}) as Record<string, Failure>;

  it('the child exhausted its descriptors and ran every case', () => {
    expect(r.status, r.stderr).toBe(0);
    expect(Object.keys(got).sort()).toEqual(['interfaceIndex', 'listen', 'socketInNetns', 'withNetns']);
  });

  for (const name of ['socketInNetns', 'withNetns', 'interfaceIndex', 'listen']) {
    it(`${name}: EMFILE with a descriptor-limit hint, not "no such namespace/interface"`, () => {
      const f = got[name] as Failure;
      expect(f).toMatchObject({ code: 'EMFILE' });
      expect(f.hint).toMatch(/RLIMIT_NOFILE/);
      expect(f.message).not.toMatch(/no network namespace|no such process|no interface named/);
    });
  }
});
