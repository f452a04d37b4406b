import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopology } from '../helpers/testing';
import type { Topology } from '../helpers/testing';
import { describeWith, hasCap } from '../helpers/env';
import { spawnSync } from 'node:child_process';
import { constants, options } from '../helpers/sockit';
import { CLI, cli } from './helpers';

const SUBCOMMANDS = ['interfaces', 'options', 'udp send', 'udp recv', 'mcast send', 'mcast recv', 'unix send', 'unix recv', 'frame send', 'sniff', 'demo'];

describe('sockit: top level', () => {
  it('lists every subcommand in --help and exits 0', () => {
    const r = cli(['--help']);
    expect(r.code, r.stderr).toBe(0);
    for (const s of SUBCOMMANDS) expect(r.stdout).toContain(`  ${s}`);
    expect(r.stdout).toMatch(/Exit codes: 0 ok, 1 .*, 2 bad usage, 3 missing capability, 4 timeout/);
  });

  it('exits 2 with the command list when run without a command', () => {
    const r = cli([]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('Usage: sockit <command>');
  });

  it('suggests the closest command for a typo (exit 2)', () => {
    const r = cli(['interface']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('did you mean "interfaces"');
  });

  it('asks for the action of a group (exit 2) and prints the version', () => {
    const r = cli(['mcast']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('mcast send');
    expect(r.stderr).toContain('mcast recv');
    const v = cli(['--version']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each(SUBCOMMANDS)('%s --help shows usage, options and examples', (sub) => {
    const r = cli([...sub.split(' '), '--help']);
    expect(r.stderr).toBe('');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Usage: sockit ${sub}`);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toMatch(new RegExp(`\\n  sockit ${sub}|\\n  npm run demo`));
  });

  it('rejects an unknown option with a suggestion (exit 2)', () => {
    const r = cli(['interfaces', '--jsn']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('unknown option --jsn (did you mean --json?)');
    expect(r.stderr).toContain("Run 'sockit interfaces --help'");
  });
});

describe('sockit interfaces (current namespace)', () => {
  it('prints a table with lo', () => {
    const r = cli(['interfaces']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^INDEX\s+NAME\s+MAC\s+MTU\s+FLAGS\s+ADDRESSES$/);
    expect(r.stdout).toMatch(/\n1\s+lo\s+/);
  });

  it('exits 1 naming what exists when asked for a missing interface', () => {
    const r = cli(['interfaces', 'sockit-none0']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('no interface "sockit-none0"');
    expect(r.stderr).toContain('lo');
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'sockit interfaces inside a topology host', () => {
  let topo: Topology;
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
  });
  afterAll(() => topo?.destroy());

  it("shows host a's veth with MAC, MTU, flags and addresses", () => {
    const a = topo.host('a');
    const r = cli(['interfaces'], a);
    expect(r.code, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => /\sveth0\s/.test(l)) ?? '';
    expect(line).toContain(a.interfaces[0]?.mac);
    expect(line).toMatch(/\s1500\s+UP,RUNNING,BROADCAST,MULTICAST\s+198\.18\.0\.1\/24$/);
    expect(r.stdout).toContain('fd00:5f::1/64');
  });

  it('--json and --netns give the same interfaces', () => {
    const a = topo.host('a');
    const inside = JSON.parse(cli(['interfaces', '--json'], a).stdout) as Array<{ name: string; mac: string }>;
    const viaFlag = JSON.parse(cli(['interfaces', '--json', '--netns', a.netns]).stdout) as unknown;
    expect(viaFlag).toEqual(inside);
    expect(inside.map((i) => i.name)).toEqual(['lo', 'veth0']);
    const one = JSON.parse(cli(['interfaces', 'veth0', '--json'], a).stdout) as Array<{ name: string }>;
    expect(one.map((i) => i.name)).toEqual(['veth0']);
  });

  it('exits 1 with a hint for a namespace that does not exist', () => {
    const r = cli(['interfaces', '--netns', 'sockit-no-such-ns']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('what to do:');
    expect(r.stderr).toContain('ip netns');
  });
});

describe('sockit options', () => {
  it('prints the table for a fresh IPv4 UDP socket with current values', () => {
    const r = cli(['options']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+LEVEL\s+KIND\s+R\/W\s+CAPABILITY\s+VALUE$/);
    expect(lines.find((l) => l.startsWith('SO_REUSEPORT '))).toMatch(/SOL_SOCKET\s+boolean\s+rw\s+false$/);
    expect(lines.find((l) => l.startsWith('IP_TTL '))).toMatch(/IPPROTO_IP\s+int\s+rw\s+64$/);
    expect(lines.find((l) => l.startsWith('IP_MULTICAST_TTL '))).toMatch(/\s1$/);
    expect(r.stdout).toMatch(/\n\d+ options apply to an ipv4\/dgram socket/);
  });

  it('--json agrees with the library table, filtered by family and type', () => {
    const all = JSON.parse(cli(['options', '--family', 'ipv6', '--type', 'stream', '--json']).stdout) as Array<{ name: string; families: string[]; types?: string[]; doc: string; value?: unknown; readable: boolean }>;
    const expected = Object.values(options).filter((o) => o.families.includes('ipv6') && (!o.types || o.types.includes('stream')));
    expect(all.map((o) => o.name)).toEqual(expected.map((o) => o.name));
    for (const o of all) expect(o.doc.length).toBeGreaterThan(10);
    expect(all.find((o) => o.name === 'TCP_NODELAY')?.value).toBe(false);
    expect(all.find((o) => o.name === 'IPV6_V6ONLY')).toBeDefined();
    expect(all.find((o) => o.name === 'PACKET_VERSION')).toBeUndefined();
    expect(all.find((o) => o.name === 'UDP_SEGMENT')).toBeUndefined();
  });

  it('--level narrows, --doc explains one option with its number and value', () => {
    const l = cli(['options', '--type', 'stream', '--level', 'IPPROTO_TCP']);
    expect(l.code, l.stderr).toBe(0);
    for (const line of l.stdout.split('\n').slice(1, -3)) expect(line).toMatch(/^TCP_\w+\s+IPPROTO_TCP/);
    const d = cli(['options', '--doc', 'ip_ttl']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(new RegExp(`optname\\s+${constants.IP_TTL}\\n`));
    expect(d.stdout).toMatch(/now \(fresh ipv4\/dgram\)\s+64/);
    expect(d.stdout).toMatch(/doc\s+\S+/);
  });

  it('--doc with a typo suggests the option (exit 2); bad --family is a usage error', () => {
    const d = cli(['options', '--doc', 'SO_RCVBUFF']);
    expect(d.code, d.stderr).toBe(2);
    expect(d.stderr).toContain('did you mean SO_RCVBUF?');
    const f = cli(['options', '--family', 'ipx']);
    expect(f.code, f.stderr).toBe(2);
    expect(f.stderr).toContain('--family must be one of ipv4, ipv6, packet, unix');
  });
});

// With the capability, the child drops it with capsh.
describeWith(hasCap('CAP_NET_RAW') ? ['tool:capsh'] : [], 'sockit options --family packet without CAP_NET_RAW', () => {
  it('still prints the table and says which capability would show values', () => {
    // With the capability, drop it for the child (capsh); without it, just run.
    const r = hasCap('CAP_NET_RAW')
      ? spawnSync('capsh', ['--drop=cap_net_raw', '--', '-c', `exec "${process.execPath}" "${CLI}" options --family packet`], { encoding: 'utf8' })
      : spawnSync(process.execPath, [CLI, 'options', '--family', 'packet'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cannot create a packet\/raw socket \(EPERM — .*CAP_NET_RAW/);
    expect(r.stdout).toMatch(/PACKET_STATISTICS\s+SOL_PACKET/);
    expect(r.stdout).toContain('(no socket)');
  });
});

describeWith(['netns', 'tool:script'], 'progress line on a TTY', () => {
  it('redraws "N datagrams, R/s" in place on a terminal, and never when piped', () => {
    const args = ['udp', 'send', '127.0.0.1:9', '-m', 'x', '--count', '1500', '--rate', '1500'];
    const tty = spawnSync('script', ['-qc', `"${process.execPath}" "${CLI}" ${args.join(' ')}`, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/\r\x1b\[K\d+ datagrams, \d+\/s, /);
    expect(tty.stdout).toMatch(/sent 1500 datagrams \(1500 bytes\)/);
    const piped = cli(args);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).not.toContain('\r');
  });
});
