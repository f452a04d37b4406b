// createTopology() for real: switches, routers and routes, ping, names,
// multicast on a LAN, per-link captures read back.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UdpSocket, interfaces, readPcapFile, decodeFrame } from '../helpers/sockit';
import type { MessageInfo } from '../helpers/sockit';
import { createTopology } from '../helpers/testing';
import type { Topology } from '../helpers/testing';
import { describeWith } from '../helpers/env';

const NEEDS = ['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'] as const;
const ip6 = (family: 'ipv4' | 'ipv6'): boolean => family === 'ipv6';

function once(sock: UdpSocket, ms = 3000): Promise<{ data: Buffer; info: MessageInfo }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no datagram within ' + ms + ' ms')), ms);
    sock.once('message', (data: Buffer, info: MessageInfo) => {
      clearTimeout(t);
      resolve({ data, info });
    });
  });
}

describeWith([...NEEDS], 'createTopology: hosts on a switch', () => {
  let topo: Topology;
  beforeAll(() => {
    topo = createTopology({ hosts: ['m', 'l1', 'l2', 'l3'], switches: ['s1'], links: [['m', 's1'], ['l1', 's1'], ['l2', 's1', { names: ['lan0'] }], ['l3', 's1', { mtu: 9000 }]] });
  });
  afterAll(() => topo.destroy());

  it('shares one subnet, with addresses, neighbors and interface names as described', () => {
    const l2 = topo.host('l2');
    expect(l2.interface).toBe('lan0');
    expect(l2.addresses).toEqual([
      { interface: 'lan0', family: 'ipv4', address: '198.18.0.3', prefix: 24, cidr: '198.18.0.3/24' },
      { interface: 'lan0', family: 'ipv6', address: 'fd00:5f::3', prefix: 64, cidr: 'fd00:5f::3/64' },
    ]);
    expect(l2.interfaces[0]).toMatchObject({ switch: 's1', peer: 's1', subnet: '198.18.0.0/24', peerAddress: '' });
    expect(l2.interfaces[0]?.neighbors.map((n) => n.address)).toEqual(['198.18.0.1', '198.18.0.2', '198.18.0.4']);
    // What the kernel has matches what the topology says.
    const seen = interfaces({ netns: l2.netns }).find((i) => i.name === 'lan0');
    expect(seen?.mac).toBe(l2.interfaces[0]?.mac);
    expect(seen?.addresses.map((a) => a.cidr).sort()).toEqual(expect.arrayContaining(['198.18.0.3/24', 'fd00:5f::3/64']));
    expect(interfaces({ netns: topo.host('l3').netns }).find((i) => i.name === 'veth0')?.mtu).toBe(9000);
    expect(topo.switch('s1').ports.map((p) => p.peer)).toEqual(['m', 'l1', 'l2', 'l3']);
    const text = topo.describe();
    expect(text).toContain('s1 (switch, bridge br0, STP and multicast snooping off)');
    expect(text).toMatch(/lan0 +02:5f:00:00:02:01 198\.18\.0\.3\/24 fd00:5f::3\/64 -> s1:veth2 \[mtu 1500\]/);
  });

  it('pings every pair over IPv4 and IPv6', async () => {
    const r = await topo.ping();
    expect(r).toHaveLength(4 * 3 * 2);
    expect(new Set(r.map((x) => `${x.from}>${x.address}`)).size).toBe(24);
  });

  for (const family of ['ipv4', 'ipv6'] as const) {
    it(`delivers ${family} multicast from one host to three listeners (snooping off)`, async () => {
      const group = ip6(family) ? 'ff15::5f:1' : '239.255.95.1';
      const listeners = await Promise.all(
        ['l1', 'l2', 'l3'].map(async (name) => {
          const h = topo.host(name);
          const s = await UdpSocket.create({ netns: h.netns, family, address: ip6(family) ? '::' : '0.0.0.0', port: 5500 });
          s.addMembership(group, h.interface);
          return s;
        }),
      );
      const tx = await UdpSocket.create({ netns: topo.host('m').netns, family });
      tx.setMulticastInterface('veth0');
      try {
        const got = listeners.map((s) => once(s));
        // A few sends: the first may race the listeners' joins on the wire (MLD/IGMP reports are not needed, but cheap to tolerate).
        const sender = setInterval(() => void tx.send('to the group', 5500, group).catch(() => {}), 50);
        const all = await Promise.all(got).finally(() => clearInterval(sender));
        for (const { data, info } of all) {
          expect(data.toString()).toBe('to the group');
          expect(info.address).toBe(ip6(family) ? 'fd00:5f::1' : '198.18.0.1');
        }
      } finally {
        await Promise.all([tx.close(), ...listeners.map((s) => s.close())]);
      }
    });
  }
});

describeWith([...NEEDS], 'createTopology: routers', () => {
  let topo: Topology;
  beforeAll(() => {
    // LAN1 (s1): a and r1; r1 - r2 point to point; LAN2 (s2): r2 and b.
    topo = createTopology({ hosts: ['a', 'b'], routers: ['r1', 'r2'], switches: ['s1', 's2'], links: [['a', 's1'], ['r1', 's1'], ['r1', 'r2'], ['r2', 's2'], ['b', 's2']] });
  });
  afterAll(() => topo.destroy());

  it('installs routes so every host reaches every other across two routers', async () => {
    expect(topo.host('a').routes.filter((r) => r.destination === 'default').map((r) => r.via)).toEqual(['198.18.0.2', 'fd00:5f::2']);
    expect(topo.host('a').exec('ip', ['route'])).toMatch(/default via 198\.18\.0\.2 dev veth0/);
    expect(await topo.ping()).toHaveLength(4 * 3 * 2);
    // Every address: r1 and r2 have two interfaces each, so 6 interfaces x 2 families, each probed from 3 others.
    expect(await topo.ping(undefined, undefined, { all: true })).toHaveLength(6 * 2 * 3);
  });

  for (const family of ['ipv4', 'ipv6'] as const) {
    it(`UDP ${family} two routers apart: the receiver sees the TTL / hop limit down by 2`, async () => {
      const a = topo.host('a');
      const b = topo.host('b');
      const rx = await UdpSocket.create({ netns: b.netns, family, address: ip6(family) ? b.address6 : b.address, port: 6000, receive: { ttl: true } });
      const tx = await UdpSocket.create({ netns: a.netns, family });
      tx.setTTL(64);
      try {
        const got = once(rx);
        await tx.send('two hops', 6000, ip6(family) ? b.address6 : b.address);
        const { data, info } = await got;
        expect(data.toString()).toBe('two hops');
        expect(info.address).toBe(ip6(family) ? a.address6 : a.address);
        expect(info.ttl).toBe(62);
        // One hop: the router's own address on a's LAN sees the sender's TTL untouched.
        const r1 = topo.host('r1');
        const near = await UdpSocket.create({ netns: r1.netns, family, address: ip6(family) ? r1.address6 : r1.address, port: 6000, receive: { ttl: true } });
        const got1 = once(near);
        await tx.send('zero hops', 6000, ip6(family) ? r1.address6 : r1.address);
        expect((await got1).info.ttl).toBe(64);
        await near.close();
      } finally {
        await Promise.all([rx.close(), tx.close()]);
      }
    });
  }
});

describeWith([...NEEDS], 'createTopology: ping says what is unreachable', () => {
  it('names the pair, the address and the missing route, then the topology', async () => {
    // Two separate links and no router: a cannot reach c.
    const topo = createTopology({ hosts: ['a', 'b', 'c'], links: [['a', 'b'], ['b', 'c']] });
    try {
      await expect(topo.ping('a', 'b')).resolves.toHaveLength(2);
      const err = await topo.ping('a', 'c', { timeout: 300 }).then(() => undefined, (e: Error & { code?: string }) => e);
      expect(err?.code).toBe('ERR_TOPOLOGY_UNREACHABLE');
      expect(err?.message).toMatch(/^ping: 2 of 2 unreachable:/);
      expect(err?.message).toContain('a -> c 198.18.1.2 (c:veth0): send failed: ENETUNREACH (a has no route to 198.18.1.2)');
      expect(err?.message).toContain('topology: 3 host(s), 0 router(s), 0 switch(es), 2 link(s)');
    } finally {
      await topo.destroy();
    }
  });
});

describeWith([...NEEDS, 'CAP_NET_RAW'], 'createTopology: captures', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sockit-capture-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records a link during a test; the pcap reads back with both directions', async () => {
    const topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
    try {
      const file = join(dir, 'ab.pcap');
      const cap = await topo.capture(['a', 'b'], file);
      expect(cap).toMatchObject({ file, node: 'a', interface: 'veth0' });
      const a = topo.host('a');
      const b = topo.host('b');
      const rx = await UdpSocket.create({ netns: b.netns, address: b.address, port: 7000 });
      rx.on('message', (d: Buffer, info: MessageInfo) => void rx.send(Buffer.concat([Buffer.from('re:'), d]), info.port, info.address));
      const tx = await UdpSocket.create({ netns: a.netns, address: a.address, port: 7001 });
      const replies = new Promise<void>((resolve) => {
        let n = 0;
        tx.on('message', () => ++n === 3 && resolve());
      });
      for (let i = 0; i < 3; i++) await tx.send(`captured ${i}`, 7000, b.address);
      await replies;
      await Promise.all([rx.close(), tx.close()]);
      const summary = await cap.stop();
      expect(summary.file).toBe(file);
      const udp: string[] = [];
      for await (const rec of readPcapFile(file)) {
        const f = decodeFrame(rec.data);
        if (f.udp) udp.push(`${f.ipv4?.source}>${f.ipv4?.destination} ${Buffer.from(f.udp.payload).toString()}`);
      }
      expect(udp.sort()).toEqual([0, 1, 2].flatMap((i) => [`198.18.0.1>198.18.0.2 captured ${i}`, `198.18.0.2>198.18.0.1 re:captured ${i}`]).sort());
      expect(summary.frames).toBeGreaterThanOrEqual(6); // plus ARP
    } finally {
      await topo.destroy();
    }
  });

  it('a capture on a switch port is flushed and closed by destroy()', async () => {
    const topo = createTopology({ hosts: ['a', 'b'], switches: ['s'], links: [['a', 's'], ['b', 's']] });
    const cap = await topo.capture('s:veth1', join(dir, 'port.pcap'));
    await topo.ping('a', 'b');
    await topo.destroy();
    let udp = 0;
    for await (const rec of readPcapFile(cap.file)) if (decodeFrame(rec.data).udp) udp++;
    expect(udp).toBeGreaterThanOrEqual(4); // a's probes to b and b's echoes, v4 and v6
    expect(cap.frames).toBeGreaterThanOrEqual(udp);
  });
});

describeWith([...NEEDS], 'createTopology: ip netns names', () => {
  const userns = process.env.SOCKIT_USERNS === '1';
  it.skipIf(userns)('shows every node under /run/netns/<prefix>-<node> and removes the names on destroy', async () => {
    const prefix = `sktest${process.pid}`;
    const topo = createTopology({ hosts: ['a'], routers: ['r'], switches: ['s'], links: [['a', 's'], ['r', 's']], netnsNames: prefix });
    try {
      for (const n of ['a', 'r', 's']) expect(existsSync(`/run/netns/${prefix}-${n}`)).toBe(true);
      expect(topo.host('a').netnsName).toBe(`${prefix}-a`);
      // What a developer would type into a paused test:
      const { execFileSync } = await import('node:child_process');
      expect(execFileSync('ip', ['netns', 'exec', `${prefix}-a`, 'ip', '-o', 'addr', 'show', 'veth0'], { encoding: 'utf8' })).toContain('198.18.0.1/24');
      // sockit's own netns option takes the name too.
      expect(interfaces({ netns: `${prefix}-r` }).some((i) => i.addresses.some((x) => x.address === '198.18.0.2'))).toBe(true);
      // A second topology with the same prefix fails, saying why, and leaves the first alone.
      expect(() => createTopology({ hosts: ['a'], netnsNames: prefix })).toThrow(/ip netns attach .*-a \d+` failed: .*File exists \(that `ip netns` name is taken/);
      expect(existsSync(`/run/netns/${prefix}-a`)).toBe(true);
      expect(topo.host('a').exec('ip', ['-o', 'addr', 'show', 'veth0'])).toContain('198.18.0.1/24');
    } finally {
      await topo.destroy();
    }
    for (const n of ['a', 'r', 's']) expect(existsSync(`/run/netns/${prefix}-${n}`)).toBe(false);
  });
});
