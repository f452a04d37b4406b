// Unix sockets need no privilege: the features run as uid/gid 65534 with no
// capabilities (setpriv), talking to a root-owned peer in this process.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, closeSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { UnixSocket } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.rm());
const dist = join(__dirname, '..', '..', '..', 'dist', 'index.js');
const child = join(__dirname, 'fixtures', 'unprivileged-child.mjs');

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describeWith(['CAP_SYS_ADMIN', 'tool:setpriv'], 'unix sockets as an unprivileged user', () => {
  it('bind, autobind, pair, fd passing, credentials, sdNotify: all without privilege; foreign credentials are EPERM', async () => {
    chownSync(tmp.dir, 65534, 65534);
    chmodSync(tmp.dir, 0o755);
    const parentPath = join(tmp.dir, 'parent.sock');
    await using parent = await UnixSocket.create({ path: parentPath, passCredentials: true });
    chownSync(parentPath, 65534, 65534);
    const received: { data: string; creds: unknown; content?: string }[] = [];
    parent.on('message', (data, info) => {
      const r: { data: string; creds: unknown; content?: string } = { data: data.toString(), creds: info.credentials };
      const fds = info.fds?.take();
      if (fds?.length) {
        const b = Buffer.alloc(64);
        r.content = b.subarray(0, readSync(fds[0]!, b, 0, 64, 0)).toString();
        for (const fd of fds) closeSync(fd);
      }
      received.push(r);
      if (r.data === 'READY=1') void parent.send('hello nobody', join(tmp.dir, 'child.sock'));
    });
    const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', process.execPath, child, dist, tmp.dir, parentPath]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      uid: 65534,
      bound: join(tmp.dir, 'child.sock'),
      pairFds: 1,
      foreignCredentials: 'EPERM',
      notified: true,
      reply: 'hello nobody',
      replyCredentials: { pid: process.pid, uid: 0, gid: 0 },
    });
    expect(out.autobind).toMatch(/^@[0-9a-f]{5}$/);
    expect(out.pairCredentials).toMatchObject({ uid: 65534, gid: 65534 });
    expect(received[0]).toEqual({ data: 'hello root', creds: expect.objectContaining({ uid: 65534, gid: 65534 }), content: 'written by nobody' });
    expect(received[1]).toMatchObject({ data: 'READY=1', creds: { uid: 65534 } });
  });
});
