// `sockit-linux/testing` as a user's project sees it: the package resolved by name
// through node_modules (symlinked to this checkout), with require, import and
// TypeScript types.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWith } from '../helpers/env';
import { running, waitUntil } from '../helpers/process';

const root = join(__dirname, '..', '..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sockit-user-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'sockit-linux'));
  writeFileSync(join(dir, 'package.json'), '{"name":"user-project","version":"1.0.0"}');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sockit-linux/testing subpath export', () => {
  it('works with require()', () => {
    const r = node(['-e', "const t = require('sockit-linux/testing'); const s = require('sockit-linux'); console.log(typeof t.createTopology, typeof s.UdpSocket)"]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function');
  });

  it('works with import (named exports detected from CommonJS)', () => {
    const r = node(['--input-type=module', '-e', "import { createTopology } from 'sockit-linux/testing'; import { Socket, interfaces } from 'sockit-linux'; console.log(typeof createTopology, typeof Socket, typeof interfaces)"]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function');
  });

  it('ships types that a strict nodenext TypeScript project accepts', () => {
    writeFileSync(
      join(dir, 'use.mts'),
      [
        "import { createTopology, type Topology, type Host } from 'sockit-linux/testing';",
        "import { UdpSocket } from 'sockit-linux';",
        'export async function f(): Promise<string> {',
        "  const t: Topology = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });",
        "  const h: Host = t.host('a');",
        '  const s = await UdpSocket.create({ netns: h.netns, address: h.address, port: 0 });',
        '  await s.close();',
        '  t.destroy();',
        '  return h.interface;',
        '}',
        '',
      ].join('\n'),
    );
    const r = node([
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
      '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types'), 'use.mts',
    ]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the subpaths (testing, dgram) resolve under moduleResolution node10 too (typesVersions), without skipLibCheck', () => {
    writeFileSync(
      join(dir, 'use10.ts'),
      [
        "import { createTopology, type Topology } from 'sockit-linux/testing';",
        "import { UdpSocket } from 'sockit-linux';",
        "import type { SocketType } from 'sockit-linux/dgram';",
        'export const make: () => Topology = () => createTopology({ hosts: [\'a\'], links: [] });',
        'export const create = UdpSocket.create;',
        "export const kind: SocketType = 'udp4';",
        '',
      ].join('\n'),
    );
    const r = node([
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--noEmit', '--strict', '--module', 'commonjs', '--moduleResolution', 'node10', '--target', 'es2022',
      '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types'), 'use10.ts',
    ]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'sockit-linux/testing from a user project', () => {
  it('builds a topology and cleans it up when the process exits without destroy()', async () => {
    const script = `
      const { createTopology } = require('sockit-linux/testing');
      const t = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
      console.log(JSON.stringify(Object.values(t.hosts).map((h) => h.pid)));
      process.exit(0);`;
    const r = node(['-e', script]);
    expect(r.stderr).toBe('');
    const pids = JSON.parse(r.stdout) as number[];
    expect(pids).toHaveLength(2);
    // The holders go with the process (their stdin pipe closes); give them a moment.
    await waitUntil(() => !pids.some(running), 15_000);
    expect(pids.filter(running)).toEqual([]);
  });

  it('cleans up even when the process is SIGKILLed (the holders see their pipe close)', async () => {
    const { spawn } = await import('node:child_process');
    const p = spawn(process.execPath, ['-e', "const t = require('sockit-linux/testing').createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] }); console.log(JSON.stringify(Object.values(t.hosts).map((h) => h.pid))); setInterval(() => {}, 1000);"], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => p.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    const pids = JSON.parse(line) as number[];
    expect(pids.every(running)).toBe(true);
    p.kill('SIGKILL');
    await new Promise((r) => p.once('exit', r));
    await waitUntil(() => !pids.some(running), 15_000);
    expect(pids.filter(running)).toEqual([]);
  });
});
