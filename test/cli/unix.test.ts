// `sockit unix send` / `sockit unix recv`: paths and @abstract names, JSON,
// descriptors and credentials, usage errors. No network: unix sockets only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnixSocket } from '../helpers/sockit';
import { cli, cliAsync } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'sockit-cli-unix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const name = (tag: string): string => `@sockit-cli-${process.pid}-${tag}`;

async function listening(r: { stderr: () => string }): Promise<void> {
  for (let i = 0; i < 400 && !r.stderr().includes('listening on'); i++) await new Promise((res) => setTimeout(res, 10));
}

describe('sockit unix', () => {
  it('recv prints sender, credentials, descriptors and payload; send reports what it sent', async () => {
    const path = join(dir, 'recv.sock');
    const rx = cliAsync(['unix', 'recv', path, '--count', '2', '--credentials', '--timeout', '20']);
    await listening(rx);
    const s1 = cli(['unix', 'send', path, '-m', 'hello', '--fd', '0', '--fd', '2', '--credentials', '--from', name('from')]);
    expect(s1.code, s1.stderr).toBe(0);
    expect(s1.stdout).toBe(`sent 1 message (5 bytes, 2 fds each) from ${name('from')} to ${path}\n`);
    const s2 = cli(['unix', 'send', path, '--hex', '00ff']);
    expect(s2.code, s2.stderr).toBe(0);
    const r = await rx.done;
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${name('from')} -> ${path} pid \\d+ uid ${process.getuid!()} gid ${process.getgid!()} 2 fds 5 bytes: hello$`));
    expect(lines[1]).toMatch(/^\(unnamed\) -> .* 2 bytes: 00ff$/);
  });

  it('recv --json, send to an abstract name; a stale socket file is replaced with --unlink', async () => {
    const path = join(dir, 'stale.sock');
    await (await UnixSocket.create({ path })).close();
    const busy = cli(['unix', 'recv', path, '--count', '1', '--timeout', '1']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/EADDRINUSE/);
    const rx = cliAsync(['unix', 'recv', path, '--unlink', '--count', '1', '--json', '--timeout', '20']);
    await listening(rx);
    expect(cli(['unix', 'send', path, '-m', 'j']).code).toBe(0);
    const r = await rx.done;
    expect(JSON.parse(r.stdout)).toMatchObject({ source: null, destination: path, fds: 0, size: 1, truncated: false, payload: 'j', payloadHex: '6a' });
    const ab = name('abs');
    const rx2 = cliAsync(['unix', 'recv', ab, '--count', '1', '--timeout', '20']);
    await listening(rx2);
    const s = cli(['unix', 'send', ab, '-m', 'x', '--json']);
    expect(JSON.parse(s.stdout)).toMatchObject({ sent: 1, bytes: 1, to: ab, fds: 0 });
    expect((await rx2.done).stdout).toContain(`-> ${ab} 1 bytes: x`);
  });

  it('recv shows NUL bytes of a sender’s abstract name as \\0 (JSON keeps them)', async () => {
    const ab = name('nulrx');
    const rx = cliAsync(['unix', 'recv', ab, '--count', '2', '--timeout', '20']);
    await listening(rx);
    const rxj = cliAsync(['unix', 'recv', `${ab}j`, '--count', '1', '--json', '--timeout', '20']);
    await listening(rxj);
    await using tx = await UnixSocket.create({ path: `${name('nultx')}\0x\0` });
    await tx.send('a', ab);
    await tx.send('b', `${ab}j`);
    await using unnamed = await UnixSocket.create();
    await unnamed.send('c', ab);
    const lines = (await rx.done).stdout.trim().split('\n');
    expect(lines[0]).toBe(`${name('nultx')}\\0x\\0 -> ${ab} 1 bytes: a`);
    expect(lines[1]).toBe(`(unnamed) -> ${ab} 1 bytes: c`);
    expect(JSON.parse((await rxj.done).stdout).source).toBe(`${name('nultx')}\0x\0`);
  });

  it('seqpacket send connects to a listener (a socketpair end stands in: ECONNREFUSED without one)', () => {
    const r = cli(['unix', 'send', join(dir, 'none.sock'), '--type', 'seqpacket', '-m', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOENT/);
  });

  it('usage errors exit 2; a missing receiver exits 1 with a hint', () => {
    expect(cli(['unix', 'send', '@x', '-m', 'x', '--type', 'stream']).code).toBe(2);
    expect(cli(['unix', 'send']).code).toBe(2);
    expect(cli(['unix', 'send', '@x']).stderr).toMatch(/payload/);
    expect(cli(['unix', 'recv', '']).code).toBe(2);
    const r = cli(['unix', 'send', join(dir, 'nobody'), '-m', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOENT[\s\S]*does not exist/);
    const help = cli(['unix', 'recv', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('@NAME');
  });
});
