// Multicast scenarios from the seeds (Python wiki, pikoTutorial, Twisted),
// IPv4 and IPv6, over a veth pair between two private namespaces:
//   a (sender, veth0 198.18.0.1 + .11, fd00:5f::1 + ::11) <-> b (receivers, veth0 198.18.0.2, fd00:5f::2)
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UdpSocket, interfaceIndex, multicast, withNetns } from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Host, Topology } from '../../helpers/testing';
import { describeWith } from '../../helpers/env';
import { Pool, collect, gather } from './helpers';

const pool = new Pool();
let topo: Topology;
let a: Host, b: Host;
let bVeth0 = 0;

beforeAll(() => {
  topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
  a = topo.host('a');
  b = topo.host('b');
  a.exec('ip', ['addr', 'add', '198.18.0.11/24', 'dev', 'veth0']);
  a.exec('ip', ['addr', 'add', 'fd00:5f::11/64', 'dev', 'veth0', 'nodad']);
  bVeth0 = withNetns(b.netns, () => interfaceIndex('veth0'));
});
afterEach(() => pool.closeAll());
afterAll(() => topo?.destroy());

const G = {
  ipv4: ['239.192.0.100', '239.192.0.101'],
  ipv6: ['ff12::100', 'ff12::101'],
} as const;

describe('multicast argument validation (no traffic)', () => {
  it('rejects non-multicast groups and family mismatches', async () => {
    await expect(multicast.listen('198.18.0.1:1000')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(multicast.send('x', '[fd00::1]:1000')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(multicast.listen('239.1.1.1')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    const s = pool.add(await UdpSocket.create({ family: 'ipv4' }));
    expect(() => s.addMembership('ff02::1')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => s.addMembership('198.18.0.1')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => s.addMembership('239.1.1.1', 'no-such-if0')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'multicast between hosts (veth topology)', () => {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const [g1, g2] = G[family];
    const ep = (g: string, port: number): string => (family === 'ipv4' ? `${g}:${port}` : `[${g}]:${port}`);
    const aAddr = (): string => (family === 'ipv4' ? a.address : a.address6);
    const aAddr2 = family === 'ipv4' ? '198.18.0.11' : 'fd00:5f::11';
    const send = (data: string, g: string, port: number, extra: Partial<multicast.MulticastSendOptions> = {}): Promise<number> =>
      multicast.send(data, ep(g, port), { interface: 'veth0', netns: a.netns, ...extra });

    it(`${family}: one-liners — listen on an interface, send with ttl; packetInfo reports the group`, async () => {
      const rx = pool.add(await multicast.listen(ep(g1, 1000), { interface: 'veth0', netns: b.netns, receive: { packetInfo: true, ttl: true } }));
      const got = collect(rx, 1);
      expect(await send('robot', g1, 1000, { ttl: 2 })).toBe(5);
      const [m] = await got;
      expect(m!.data.toString()).toBe('robot');
      expect(m!.info).toMatchObject({ address: expect.stringMatching(family === 'ipv4' ? /^198\.18\.0\.(1|11)$/ : /^(fd00:5f::(1|11)|fe80:.*)$/), destination: g1, interfaceIndex: bVeth0, ttl: 2 });
    });

    it(`${family}: many receivers on one group:port on one host each get every datagram`, async () => {
      const rxs = [];
      for (let i = 0; i < 3; i++) rxs.push(pool.add(await multicast.listen(ep(g1, 5000), { interface: 'veth0', netns: b.netns })));
      const got = rxs.map((r) => collect(r, 2));
      await send('one', g1, 5000);
      await send('two', g1, 5000);
      for (const g of got) expect((await g).map((m) => m.data.toString())).toEqual(['one', 'two']);
    });

    it(`${family}: one sender to one group on several ports`, async () => {
      const p1 = pool.add(await multicast.listen(ep(g1, 5001), { interface: 'veth0', netns: b.netns }));
      const p2 = pool.add(await multicast.listen(ep(g1, 5002), { interface: 'veth0', netns: b.netns }));
      const r1 = gather(p1, 300);
      const r2 = gather(p2, 300);
      const tx = pool.add(await UdpSocket.create({ family, port: 3000, netns: a.netns }));
      tx.setMulticastInterface('veth0');
      await tx.send('for-5001', 5001, g1);
      await tx.send('for-5002', 5002, g1);
      expect((await r1).map((m) => [m.data.toString(), m.info.port])).toEqual([['for-5001', 3000]]);
      expect((await r2).map((m) => [m.data.toString(), m.info.port])).toEqual([['for-5002', 3000]]);
    });

    it(`${family}: one sender to several groups; receivers on different groups on the same port each get only their group`, async () => {
      const r1 = pool.add(await multicast.listen(ep(g1, 5003), { interface: 'veth0', netns: b.netns }));
      const r2 = pool.add(await multicast.listen(ep(g2, 5003), { interface: 'veth0', netns: b.netns }));
      const x1 = gather(r1, 300);
      const x2 = gather(r2, 300);
      const tx = pool.add(await UdpSocket.create({ family, netns: a.netns }));
      tx.setMulticastInterface(family === 'ipv4' ? a.address : 'veth0'); // by address too
      await tx.sendBatch([
        { data: 'g1', address: g1, port: 5003 },
        { data: 'g2', address: g2, port: 5003 },
      ]);
      expect((await x1).map((m) => m.data.toString())).toEqual(['g1']);
      expect((await x2).map((m) => m.data.toString())).toEqual(['g2']);
    });

    it(`${family}: IP_MULTICAST_ALL off keeps groups apart on a wildcard-bound socket (on: leaks)`, async () => {
      const port = 5004;
      const only1 = pool.add(await multicast.listen(ep(g1, port), { interface: 'veth0', netns: b.netns, bindToGroup: false }));
      const only2 = pool.add(await multicast.listen(ep(g2, port), { interface: 'veth0', netns: b.netns, bindToGroup: false }));
      let x1 = gather(only1, 300);
      let x2 = gather(only2, 300);
      await send('to-g2', g2, port);
      expect((await x1).map((m) => [m.data.toString(), m.info.address, m.info.port])).toEqual([]);
      expect((await x2).map((m) => m.data.toString())).toEqual(['to-g2']);
      // With the Linux default (all on), the g1 listener also gets g2's traffic, joined by another socket.
      only1.setMulticastAll(true);
      x1 = gather(only1, 300);
      x2 = gather(only2, 300);
      await send('leak', g2, port);
      expect((await x1).map((m) => m.data.toString())).toEqual(['leak']);
      expect((await x2).map((m) => m.data.toString())).toEqual(['leak']);
    });

    it(`${family}: source-specific membership lets only the chosen source through`, async () => {
      const rx = pool.add(await multicast.listen(ep(g1, 5005), { interface: 'veth0', netns: b.netns, source: aAddr() }));
      const x = gather(rx, 400);
      await send('bad', g1, 5005, { sourceAddress: aAddr2 });
      await send('good', g1, 5005, { sourceAddress: aAddr() });
      expect((await x).map((m) => [m.data.toString(), m.info.address])).toEqual([['good', aAddr()]]);
      rx.dropSourceSpecificMembership(aAddr(), g1, 'veth0');
    });

    it(`${family}: blockSource / unblockSource on an any-source join, by interface index`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, port: 5006, reuseAddress: true, netns: b.netns }));
      rx.setMulticastAll(false);
      rx.addMembership(g1, bVeth0);
      rx.blockSource(aAddr2, g1, bVeth0);
      let x = gather(rx, 300);
      await send('blocked', g1, 5006, { sourceAddress: aAddr2 });
      await send('open', g1, 5006, { sourceAddress: aAddr() });
      expect((await x).map((m) => m.data.toString())).toEqual(['open']);
      rx.unblockSource(aAddr2, g1, bVeth0);
      x = gather(rx, 300);
      await send('unblocked', g1, 5006, { sourceAddress: aAddr2 });
      expect((await x).map((m) => m.data.toString())).toEqual(['unblocked']);
      rx.dropMembership(g1, bVeth0);
      x = gather(rx, 300);
      await send('after-leave', g1, 5006);
      expect(await x).toEqual([]);
    });

    it(`${family}: loopback option controls local delivery; TTL/hops set`, async () => {
      const local = pool.add(await multicast.listen(ep(g2, 5007), { interface: 'veth0', netns: a.netns }));
      let x = gather(local, 300);
      await send('looped', g2, 5007, { loopback: true });
      expect((await x).map((m) => m.data.toString())).toEqual(['looped']);
      x = gather(local, 300);
      await send('not-looped', g2, 5007, { loopback: false });
      expect(await x).toEqual([]);
      const s = pool.add(await UdpSocket.create({ family, netns: a.netns }));
      s.setMulticastTTL(5);
      expect(s.getOption(family === 'ipv4' ? 'IP_MULTICAST_TTL' : 'IPV6_MULTICAST_HOPS')).toBe(5);
    });
  }

  it('ipv6: link-local group with a %scope id (ff02::1:3%veth0 style)', async () => {
    const rx = pool.add(await multicast.listen('[ff02::1:77%veth0]:5010', { netns: b.netns, receive: { packetInfo: true } }));
    const got = collect(rx, 1);
    await multicast.send('scoped', '[ff02::1:77%veth0]:5010', { netns: a.netns });
    const [m] = await got;
    expect(m!.info).toMatchObject({ destination: 'ff02::1:77', interfaceIndex: bVeth0 });
    expect(m!.info.address).toMatch(/^fe80::/);
    expect(m!.info.scopeId).toBe(bVeth0);
  });

  it('ipv4: join by interface index on an interface with no IPv4 address', async () => {
    const t = createTopology({ hosts: ['s', 'r'], links: [['s', 'r']] });
    try {
      const s = t.host('s');
      const r = t.host('r');
      r.exec('ip', ['-4', 'addr', 'flush', 'dev', 'veth0']);
      expect(r.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'veth0']).trim()).toBe('');
      const idx = withNetns(r.netns, () => interfaceIndex('veth0'));
      const rx = await UdpSocket.create({ family: 'ipv4', port: 6000, reuseAddress: true, netns: r.netns, receive: { packetInfo: true } });
      try {
        rx.setMulticastAll(false);
        rx.addMembership('239.192.0.100', idx);
        const got = collect(rx, 1);
        await multicast.send('no-v4-here', '239.192.0.100:6000', { interface: 'veth0', netns: s.netns });
        const [m] = await got;
        expect(m!.data.toString()).toBe('no-v4-here');
        expect(m!.info).toMatchObject({ destination: '239.192.0.100', interfaceIndex: idx });
        // by address is impossible here: the interface has none
        expect(() => rx.addMembership('239.192.0.101', '198.18.0.2')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
      } finally {
        await rx.close();
      }
    } finally {
      t.destroy();
    }
  });
});
