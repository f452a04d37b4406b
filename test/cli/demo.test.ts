// `npm run demo` end to end: the README's first command. It runs in a copy of
// the package (lib/, scripts/, the built addon, node_modules linked) so that
// its build step (tsc) never rewrites the dist/ other test files are loading.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePcap } from '../helpers/sockit';
import { describeWith } from '../helpers/env';
import { CLI, root } from './helpers';

const TITLES = [
  'Two hosts in private network namespaces',
  'Socket options of a fresh UDP socket (the option table)',
  'A socket created inside host a talks to host b (netns option)',
  'Multicast: join by interface, per-datagram destination and interface',
  'SO_REUSEPORT: the kernel spreads flows over four sockets on one port',
  'Raw Ethernet frames: a custom EtherType and a VLAN-tagged frame, captured and decoded',
  'pcap written and read back',
  'Loopback UDP (no capabilities needed)',
];

describe('package.json demo script', () => {
  it('builds the TypeScript, then runs the CLI demo inside a private namespace', () => {
    const pj = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
    expect(pj.scripts.demo).toBe('npm run -s build:ts && node scripts/run-in-netns.mjs node dist/cli/main.js demo');
    expect(pj.bin.sockit).toBe('dist/cli/main.js');
    expect(readFileSync(join(root, 'dist/cli/main.js'), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_NET_RAW'], '`npm run demo` end to end', () => {
  let work: string;
  let out: string;
  let result: { status: number | null; stdout: string; stderr: string };
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sockit-demo-test-'));
    for (const f of ['package.json', 'tsconfig.json', 'lib', 'scripts']) cpSync(join(root, f), join(work, f), { recursive: true });
    // The addon the suite runs on: the prebuild (npm test loads from prebuilds/ only).
    cpSync(join(root, 'prebuilds'), join(work, 'prebuilds'), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
    out = join(work, 'out');
    const r = spawnSync('npm', ['run', 'demo', '--', '--out', out], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    result = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('exits 0 and every step is ok', () => {
    expect(result.stderr.replace(/npm warn.*\n/gi, '')).toBe('');
    expect(result.status).toBe(0);
    TITLES.forEach((t, i) => expect(result.stdout).toContain(`[${i + 1}/${TITLES.length}] ${t} — ok`));
    expect(result.stdout).toContain(`demo: ${TITLES.length} ok, 0 skipped, 0 failed. Namespaces removed; the capture stays at ${join(out, 'demo.pcap')}.`);
    expect(result.stdout).toContain('where:        a private network namespace made for this run');
  });

  it('shows multicast delivery with destination group, interface and TTL', () => {
    const lines = result.stdout.split('\n').filter((l) => /listener \d/.test(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/listener 1 \(239\.18\.0\.7\): from 198\.18\.0\.1:3000 to 239\.18\.0\.7 on veth0 ttl 2: "This message is for 239\.18\.0\.7:5007 receivers"/);
    expect(lines[2]).toMatch(/listener 3 \(239\.18\.0\.8\): from 198\.18\.0\.1:3000 to 239\.18\.0\.8 on veth0 ttl 2/);
  });

  it('shows SO_REUSEPORT spreading 256 datagrams over the sockets', () => {
    const m = /per socket: #1 (\d+), #2 (\d+), #3 (\d+), #4 (\d+) \((\d) of 4 sockets used/.exec(result.stdout);
    expect(m).not.toBeNull();
    const counts = (m as RegExpExecArray).slice(1, 5).map(Number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(256);
    expect(Number((m as RegExpExecArray)[5])).toBeGreaterThanOrEqual(2);
  });

  it('captured the custom-EtherType and VLAN frames, decoded, and wrote a pcap that reads back', () => {
    expect(result.stdout).toMatch(/> [0-9a-f:]{17}, ethertype Unknown \(0x88b5\), length 60: 46 bytes "sockit demo: custom EtherType"/);
    expect(result.stdout).toMatch(/> ff:ff:ff:ff:ff:ff, ethertype 802\.1Q \(0x8100\), .*vlan 10, p 3, ethertype Unknown \(0x88b5\), .*"sockit demo: VLAN 10"/);
    expect(result.stdout).toContain('sent 3 frames, captured 2 (the 0x88b6 frame was dropped in the kernel)');
    const pcap = join(out, 'demo.pcap');
    expect(existsSync(pcap)).toBe(true);
    const { records } = parsePcap(readFileSync(pcap));
    expect(records).toHaveLength(2);
    expect(records[1]?.data.readUInt16BE(12)).toBe(0x8100);
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'tool:capsh'], 'sockit demo (JSON, and without capabilities)', () => {
  it('--json reports every step with facts', () => {
    const r = spawnSync(process.execPath, [CLI, 'demo', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { results: Array<{ title: string; status: string; facts?: Record<string, unknown> }> };
    expect(j.results.map((x) => x.title)).toEqual(TITLES);
    expect(j.results.every((x) => x.status === 'ok')).toBe(true);
    const mc = j.results[3]?.facts?.received as Array<{ destination: string; interface: string; ttl: number }>;
    expect(mc.map((x) => [x.destination, x.interface, x.ttl])).toEqual([
      ['239.18.0.7', 'veth0', 2],
      ['239.18.0.7', 'veth0', 2],
      ['239.18.0.8', 'veth0', 2],
    ]);
  });

  it('without capabilities runs the unprivileged part and explains the rest (exit 0)', () => {
    const r = spawnSync('capsh', ['--drop=cap_sys_admin,cap_net_admin,cap_net_raw', '--', '-c', `exec "${process.execPath}" "${CLI}" demo`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('capabilities: CAP_NET_RAW no, CAP_NET_ADMIN no, CAP_SYS_ADMIN no');
    expect(r.stdout).toContain(`[2/${TITLES.length}] Socket options of a fresh UDP socket (the option table) — ok`);
    expect(r.stdout).toContain(`[8/${TITLES.length}] Loopback UDP (no capabilities needed) — ok`);
    expect(r.stdout).toContain(`[6/${TITLES.length}] Raw Ethernet frames: a custom EtherType and a VLAN-tagged frame, captured and decoded — SKIPPED`);
    expect(r.stdout).toContain('would need: two private network namespaces (CAP_SYS_ADMIN + CAP_NET_ADMIN); CAP_NET_RAW (packet sockets)');
    expect(r.stdout).toContain('demo: 2 ok, 6 skipped, 0 failed.');
    expect(r.stdout).toContain('run `npm run demo` as root');
  });
});
