import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEthernet, parsePcap } from '../helpers/sockit';
import { readFileSync } from 'node:fs';
import { createTopology } from '../helpers/testing';
import type { Topology } from '../helpers/testing';
import { describeWith } from '../helpers/env';
import { cli, cliAsync, waitFor } from './helpers';

describe('sockit sniff / frame send: argument errors (exit 2, no capability needed)', () => {
  it.each([
    [['sniff'], '--interface is required'],
    [['sniff', '-i', 'lo', '--filter', 'ether proto'], '--filter: expected an EtherType'],
    [['sniff', '-i', 'lo', '--filter', 'udp port 5000 tcp'], 'unexpected "tcp" (join terms with and/or)'],
    [['sniff', '-i', 'lo', '--filter', 'bogus'], 'unknown filter term "bogus"'],
    [['sniff', '-i', 'lo', '--filter', 'ip', '--ether-type', '0x800'], 'give --filter or builder flags (--ether-type), not both'],
    [['sniff', '-i', 'lo', '--vlan', '9999'], "--vlan must be 0..4095 or 'any'"],
    [['sniff', '-i', 'lo', '--src-mac', 'zz'], '--src-mac must be a MAC address'],
    [['frame', 'send', '--type', '0x88b5'], '--interface is required'],
    [['frame', 'send', '-i', 'lo'], 'give the frame as --hex/--file'],
    [['frame', 'send', '-i', 'lo', '--hex', 'zz'], '--hex must be pairs of hex digits'],
    [['frame', 'send', '-i', 'lo', '--hex', 'ffff'], 'an Ethernet frame has at least 14'],
    [['frame', 'send', '-i', 'lo', '--type', '0x88b5', '--vlan', '5000'], '--vlan must be 0..4095'],
    [['frame', 'send', '-i', 'lo', '--type', '0x88b5', '--dst', 'nope'], '--dst must be a MAC address'],
    [['frame', 'send', '-i', 'lo', '--hex', '00', '--type', '0x88b5'], 'cannot be combined with --type'],
  ])('%j → %s', (args, message) => {
    const r = cli(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_NET_RAW'], 'sockit frame send → sockit sniff --write between two hosts', () => {
  let topo: Topology;
  let dir: string;
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
    dir = mkdtempSync(join(tmpdir(), 'sockit-cli-'));
  });
  afterAll(() => {
    topo?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('captures a custom-EtherType frame and a VLAN-tagged frame, decodes them, and the pcap reads back byte-exact', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const pcap = join(dir, 'out.pcap');
    const sniffer = cliAsync(['sniff', '-i', 'veth0', '--filter', 'ether proto 0x88b5 or vlan 10', '--count', '2', '--timeout', '10', '--write', pcap], b);
    await waitFor(sniffer.stderr, (s) => s.includes('listening on veth0'));
    const macB = b.interfaces[0]?.mac as string;
    const macA = a.interfaces[0]?.mac as string;
    // Noise the filter must drop.
    { const r0 = cli(['frame', 'send', '-i', 'veth0', '--type', '0x88b6', '--payload', 'noise'], a); expect(r0.code, r0.stderr).toBe(0); }
    const s1 = cli(['frame', 'send', '-i', 'veth0', '--dst', macB, '--type', '0x88b5', '--payload', 'hello sockit', '--json'], a);
    expect(s1.code, s1.stderr).toBe(0);
    const sent1 = JSON.parse(s1.stdout) as { sent: number; frameHex: string };
    expect(sent1.sent).toBe(1);
    const s2 = cli(['frame', 'send', '-i', 'veth0', '--type', '0x88b5', '--vlan', '10', '--priority', '5', '--payload-hex', 'de ad be ef', '--json'], a);
    expect(s2.code, s2.stderr).toBe(0);
    const sent2 = JSON.parse(s2.stdout) as { frameHex: string };
    const o = await sniffer.done;
    expect(o.code, o.stderr).toBe(0);
    const lines = o.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{6} ${macA} > ${macB}, ethertype Unknown \\(0x88b5\\), length 60: 46 bytes "hello sockit"`));
    expect(lines[1]).toMatch(new RegExp(`${macA} > ff:ff:ff:ff:ff:ff, ethertype 802.1Q \\(0x8100\\), length \\d+: vlan 10, p 5, ethertype Unknown \\(0x88b5\\), \\d+ bytes deadbeef`));
    expect(o.stderr).toContain('2 frames in');
    expect(o.stderr).toContain(`wrote 2 to ${pcap}`);

    const { header, records } = parsePcap(readFileSync(pcap));
    expect(header.linkType).toBe(1);
    expect(records).toHaveLength(2);
    expect(records[0]?.data.toString('hex')).toBe(sent1.frameHex);
    expect(records[1]?.data.toString('hex')).toBe(sent2.frameHex);
    const tagged = parseEthernet(records[1]?.data as Buffer);
    expect(tagged.vlans).toEqual([expect.objectContaining({ id: 10, priority: 5, tpid: 0x8100 })]);
    expect(tagged.etherType).toBe(0x88b5);
  });

  it('decodes UDP over IPv4 as JSON (sniff --json while udp send runs)', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const sniffer = cliAsync(['sniff', '-i', 'veth0', '--filter', 'udp port 7000', '--count', '1', '--timeout', '10', '--json'], b);
    await waitFor(sniffer.stderr, (s) => s.includes('listening on veth0'));
    { const r0 = cli(['udp', 'send', `${b.address}:7000`, '--from', `${a.address}:7001`, '-m', 'over the wire'], a); expect(r0.code, r0.stderr).toBe(0); }
    const o = await sniffer.done;
    expect(o.code, o.stderr).toBe(0);
    const j = JSON.parse(o.stdout.trim()) as Record<string, unknown>;
    expect(j).toMatchObject({ interface: 'veth0', etherType: 0x0800, packetType: 'host' });
    // (The checksum may be a partial, offloaded one: its verdict depends on FrameInfo.checksum.)
    expect(j.summary).toMatch(new RegExp(`^${a.address}\\.7001 > ${b.address}\\.7000: UDP, length 13( \\[bad checksum\\])? "over the wire"$`));
  });

  it('frame send --count with --rate paces and reports; sniff --quiet counts', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const sniffer = cliAsync(['sniff', '-i', 'veth0', '--ether-type', '0x88b5', '--count', '50', '--timeout', '10', '--quiet'], b);
    await waitFor(sniffer.stderr, (s) => s.includes('listening on veth0'));
    const s = cli(['frame', 'send', '-i', 'veth0', '--type', '0x88b5', '--payload', 'x', '--count', '50', '--rate', '500'], a);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^sent 50 frames of 60 bytes on veth0 in \d+\.\d\d s \(\d+ frames\/s\)/);
    const o = await sniffer.done;
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toBe('');
    expect(o.stderr).toMatch(/50 frames in/);
  });

  it('builder flags combine with AND (--vlan, --ether-type, --src-mac)', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const macA = a.interfaces[0]?.mac as string;
    const sniffer = cliAsync(['sniff', '-i', 'veth0', '--vlan', '10', '--ether-type', '0x88b5', '--src-mac', macA, '--count', '1', '--timeout', '10'], b);
    await waitFor(sniffer.stderr, (s) => s.includes(`(filter: ether proto 0x88b5 and vlan 10 and ether src ${macA})`));
    for (const extra of [[], ['--vlan', '11'], ['--src', '02:00:00:00:00:99', '--vlan', '10']]) {
      const r = cli(['frame', 'send', '-i', 'veth0', '--type', '0x88b5', '--payload', 'filtered', ...extra], a);
      expect(r.code, r.stderr).toBe(0);
    }
    const ok = cli(['frame', 'send', '-i', 'veth0', '--type', '0x88b5', '--vlan', '10', '--payload', 'wanted'], a);
    expect(ok.code, ok.stderr).toBe(0);
    const o = await sniffer.done;
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout.trim().split('\n')).toHaveLength(1);
    expect(o.stdout).toMatch(new RegExp(`${macA} > ff:ff:ff:ff:ff:ff, ethertype 802.1Q \\(0x8100\\), .*vlan 10, p 0, ethertype Unknown \\(0x88b5\\), .*"wanted"`));
  });

  it('sniff exits 4 when nothing matches before --timeout', () => {
    const r = cli(['sniff', '-i', 'veth0', '--ether-type', '0x1234', '--timeout', '0.5'], topo.host('b'));
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain('timed out after 0.5 s with 0 frames');
  });
});
