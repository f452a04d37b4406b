// Issue 13, item 6: tcpdump habits in `sockit sniff` and the CLI fixes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcapWriter, buildUdpFrame, parsePcap } from '../helpers/sockit';
import { createTopology } from '../helpers/testing';
import type { Topology } from '../helpers/testing';
import { describeWith } from '../helpers/env';
import { CLI, cli, cliAsync, waitFor } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'sockit-habits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const udp = (dport: number, payload = 'x'): Buffer => buildUdpFrame({ sourceMac: A, destinationMac: B, source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 4000, destinationPort: dport, payload: Buffer.from(payload) });

describe('CLI usage errors (exit 2, no privilege)', () => {
  it.each([
    [['sniff', '-i', 'lo', '--count', '-1'], '--count must be a positive integer'],
    [['udp', 'recv', '0.0.0.0:5000', '--count', '-1'], '--count must be a positive integer'],
    [['sniff', '-i', 'lo', '--filter', `${'('.repeat(5000)}ip${')'.repeat(5000)}`], 'nested too deeply'],
    [['sniff', '-i', 'lo', `${'not '.repeat(5000)}ip`], 'nested too deeply'],
    [['sniff', '-i', 'lo', '--filter', 'ip', 'udp'], 'not both'],
    [['frame', 'send', '-i', 'lo', '--type', '0x88b5', 'extra'], 'unexpected argument "extra"'],
    [['options', 'extra'], 'unexpected argument "extra"'],
    [['demo', 'extra'], 'unexpected argument "extra"'],
    [['udp', 'send', '127.0.0.1:9', '--file', '/dev/zero'], 'larger than 65527 bytes'],
    [['frame', 'send', '-i', 'lo', '--file', '/dev/zero'], 'larger than 65535 bytes'],
  ])('%j → %s', (args, message) => {
    const r = cli(args);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/Maximum call stack|ambiguous|at .*\.js:\d+/);
    expect(r.code, r.stderr).toBe(2);
  });

  it('sniff -D lists interfaces like tcpdump -D (index.name [flags], then any)', () => {
    const r = cli(['sniff', '-D']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.lo \[UP,.*LOOPBACK/m);
    expect(r.stdout).toMatch(/^\d+\.any \(/m);
  });
});

describe('sniff -r FILE (no privilege)', () => {
  const file = join(dir, 'in.pcap');
  beforeAll(async () => {
    const w = await PcapWriter.create(file, { precision: 'nanosecond' });
    [udp(53, 'dns'), udp(5000, 'five'), udp(53, 'dns2')].forEach((f, i) => w.write(f, { timestamp: 1_700_000_000_000_000_000n + BigInt(i) }));
    await w.close();
  });

  it('prints every record, applies a positional filter, accepts -e -n -v -nn -vv', () => {
    const all = cli(['sniff', '-r', file, '-e', '-nn', '-vv']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.trim().split('\n')).toHaveLength(3);
    expect(all.stdout).toContain('198.18.0.1.4000 > 198.18.0.2.53: UDP, length 3 "dns"');
    expect(all.stdout).toContain('[udp checksum good]');
    const dns = cli(['sniff', '-r', file, 'udp', 'port', '53']);
    expect(dns.code, dns.stderr).toBe(0);
    expect(dns.stdout.trim().split('\n')).toHaveLength(2);
    expect(dns.stderr).toContain('2 of 3 frames matched');
    const one = cli(['sniff', '-r', file, '-c', '1', '--json', 'port 5000']);
    expect(JSON.parse(one.stdout)).toMatchObject({ source: A, destination: B, etherType: 0x0800, vlans: [] });
  });

  it('-r - reads stdin; -w - writes pcap to stdout that tshark/tcpdump read', () => {
    const r = spawnSync(process.execPath, [CLI, 'sniff', '-r', '-', '-w', '-', 'port 53'], { input: readFileSync(file) });
    expect(r.status, r.stderr.toString()).toBe(0);
    const { records } = parsePcap(r.stdout);
    expect(records.map((x) => x.data)).toEqual([udp(53, 'dns'), udp(53, 'dns2')]);
  });

  it('-w x.pcapng writes pcapng; -r reads it back', () => {
    const ng = join(dir, 'out.pcapng');
    const r = cli(['sniff', '-r', file, '-w', ng, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(ng).readUInt32LE(0)).toBe(0x0a0d0d0a);
    const back = cli(['sniff', '-r', ng, 'port', '5000']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain('198.18.0.2.5000: UDP, length 4 "five"');
  });

  it('JSON keeps the link layer when an upper layer is malformed', () => {
    const bad = udp(53);
    bad.writeUInt16BE(0xffff, 14 + 20 + 4); // UDP length beyond the frame
    const path = join(dir, 'bad.pcap');
    const w = new PcapWriter(require('node:fs').createWriteStream(path));
    w.write(bad, { timestamp: 0n });
    return w.close().then(() => {
      const r = cli(['sniff', '-r', path, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(j).toMatchObject({ source: A, destination: B, vlans: [], etherType: 0x0800 });
      expect(j.error).toMatch(/length/);
    });
  });

  it('file errors are one line and exit 1', () => {
    writeFileSync(join(dir, 'text.txt'), 'this is not a capture file, just text\n');
    for (const [args, msg] of [
      [['sniff', '-r', join(dir, 'missing.pcap')], 'cannot read'],
      [['sniff', '-r', join(dir, 'text.txt')], 'not a pcap file'],
      [['sniff', '-r', file, '-w', '/no/such/dir/x.pcap'], 'cannot write /no/such/dir/x.pcap: ENOENT'],
    ] as const) {
      const r = cli([...args]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    writeFileSync(join(dir, 'cut.pcap'), readFileSync(file).subarray(0, 70));
    const cut = cli(['sniff', '-r', join(dir, 'cut.pcap')]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/cannot read .*cut\.pcap: pcap: input ended inside a record/);
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_NET_RAW'], 'sniff habits and fixes between two hosts', () => {
  let topo: Topology;
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
  });
  afterAll(() => topo?.destroy());

  it('a positional filter is applied in the kernel (udp port 53 only)', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const s = cliAsync(['sniff', '-i', 'veth0', '-c', '1', '-t', '10', 'udp', 'port', '7053'], b);
    await waitFor(s.stderr, (x) => x.includes('listening on veth0 (filter: udp port 7053)'));
    expect(cli(['udp', 'send', `${b.address}:7054`, '-m', 'no'], a).code).toBe(0);
    expect(cli(['udp', 'send', `${b.address}:7053`, '-m', 'yes'], a).code).toBe(0);
    const o = await s.done;
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout.trim().split('\n')).toHaveLength(1);
    expect(o.stdout).toContain(`> ${b.address}.7053: UDP, length 3`);
  });

  it('-i any names the interface on every line', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const s = cliAsync(['sniff', '-i', 'any', '-c', '1', '-t', '10', 'udp port 7055'], b);
    await waitFor(s.stderr, (x) => x.includes('listening on any'));
    expect(cli(['udp', 'send', `${b.address}:7055`, '-m', 'any'], a).code).toBe(0);
    const o = await s.done;
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{6} veth0 /);
  });

  it('sniff -w - | tshark -r - decodes the live capture', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const hasTshark = spawnSync('sh', ['-c', 'command -v tshark']).status === 0;
    const child = spawn('nsenter', [`--net=${b.netns}`, '--', process.execPath, CLI, 'sniff', '-i', 'veth0', '-c', '2', '-t', '10', '-w', '-', 'udp port 7056'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = new Promise<number | null>((r) => child.on('close', r));
    await waitFor(() => err, (x) => x.includes('writing pcap to stdout'));
    for (const m of ['one', 'two']) expect(cli(['udp', 'send', `${b.address}:7056`, '-m', m], a).code).toBe(0);
    expect(await code, err).toBe(0);
    const pcap = Buffer.concat(chunks);
    expect(parsePcap(pcap).records).toHaveLength(2);
    if (!hasTshark) return;
    // The habit itself: a shell pipeline into tshark (which refuses a socket as stdin, so no Node pipe in between).
    const sh = spawn('sh', ['-c', `nsenter --net=${b.netns} -- "${process.execPath}" "${CLI}" sniff -i veth0 -c 2 -t 10 -w - udp port 7061 | tshark -r - -T fields -e udp.dstport -e udp.payload`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let shErr = '';
    sh.stdout.on('data', (c: Buffer) => (out += c.toString()));
    sh.stderr.on('data', (c: Buffer) => (shErr += c.toString()));
    const shCode = new Promise<number | null>((r) => sh.on('close', r));
    await waitFor(() => shErr, (x) => x.includes('writing pcap to stdout'));
    for (const m of ['one', 'two']) expect(cli(['udp', 'send', `${b.address}:7061`, '-m', m], a).code).toBe(0);
    expect(await shCode, shErr).toBe(0);
    expect(out.trim().split('\n')).toEqual(['7061\t6f6e65', '7061\t74776f']);
  });

  it('ENODEV and EMSGSIZE: the hint is said once, on its own line', () => {
    const a = topo.host('a');
    const nodev = cli(['sniff', '-i', 'nosuch0', '-c', '1'], a);
    expect(nodev.code, nodev.stderr).toBe(1);
    expect(nodev.stderr.split('no interface named "nosuch0"')).toHaveLength(2);
    expect(nodev.stderr).toMatch(/^sockit: .*ENODEV.*\n  what to do: /);
    const big = cli(['frame', 'send', '-i', 'veth0', '--type', '0x88b5', '--payload-hex', 'ab'.repeat(3000)], a);
    expect(big.code, big.stderr).toBe(1);
    expect(big.stderr.split('is too long')).toHaveLength(2);
    expect(big.stderr).toMatch(/EMSGSIZE.*\n  what to do: .*MTU of veth0 is 1500/);
  });

  it('SIGINT exits 130 after the summary, for sniff and udp recv alike', async () => {
    const b = topo.host('b');
    for (const args of [['sniff', '-i', 'veth0', '-c', '5'], ['udp', 'recv', '0.0.0.0:7057']]) {
      const p = cliAsync(args, b);
      await waitFor(p.stderr, (x) => x.includes('listening on'));
      p.kill();
      const o = await p.done;
      expect(o.code, `${args.join(' ')}: ${o.stderr}`).toBe(130);
      expect(o.stderr).toMatch(/0 (frames|datagrams) in/);
    }
  });

  it('udp recv on [fe80::…%veth0]:P binds, and the link-local peer prints with its %scope', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const ll = (h: typeof a): string => {
      const list = JSON.parse(cli(['interfaces', 'veth0', '--json'], h).stdout) as Array<{ addresses: Array<{ address: string }> }>;
      return list[0]?.addresses.find((x) => x.address.startsWith('fe80'))?.address as string;
    };
    const llA = ll(a);
    const llB = ll(b);
    const r = cliAsync(['udp', 'recv', `[${llB}%veth0]:7058`, '-c', '1', '-t', '10'], b);
    await waitFor(r.stderr, (x) => x.includes('listening on'));
    expect(r.stderr()).toContain(`listening on [${llB}%veth0]:7058`);
    const s = cli(['udp', 'send', `[${llB}%veth0]:7058`, '--from', `[${llA}%veth0]:7059`, '-m', 'hi'], a);
    expect(s.code, s.stderr).toBe(0);
    const o = await r.done;
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toContain(`[${llA}%veth0]:7059 -> [${llB}%veth0]:7058 on veth0`);
  });

  it('mcast recv/send on [ff02::…%veth0] name veth0, not "the routed interface"', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const r = cliAsync(['mcast', 'recv', '[ff02::114%veth0]:7060', '-c', '1', '-t', '10'], b);
    await waitFor(r.stderr, (x) => x.includes('joined'));
    expect(r.stderr()).toContain('joined ff02::114 on veth0');
    const s = cli(['mcast', 'send', '[ff02::114%veth0]:7060', '-m', 'hi'], a);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toContain('via veth0');
    expect(s.stderr).not.toContain('routed');
    const o = await r.done;
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toContain('-> [ff02::114%veth0]:7060 on veth0');
  });
});
