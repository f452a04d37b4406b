// Multi-host UDP over veth pairs between private namespaces:
//   a (veth0 198.18.0.1, fd00:5f::1) <-> b (veth0 198.18.0.2, fd00:5f::2)
//   c (veth0 198.18.1.1, fd00:5f:0:1::1) <-> b (veth1 198.18.1.2, fd00:5f:0:1::2)
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { UdpSocket, withNetns, interfaceIndex } from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Host, Topology } from '../../helpers/testing';
import { describeWith } from '../../helpers/env';
import { Pool, collect, gather } from './helpers';

const pool = new Pool();
let topo: Topology;
let a: Host, b: Host, c: Host;
let bVeth0 = 0;

beforeAll(() => {
  topo = createTopology({ hosts: ['a', 'b', 'c'], links: [['a', 'b'], ['c', 'b']] });
  a = topo.host('a');
  b = topo.host('b');
  c = topo.host('c');
  // second source addresses on a, for sourceAddress and SSM tests
  a.exec('ip', ['addr', 'add', '198.18.0.11/24', 'dev', 'veth0']);
  a.exec('ip', ['addr', 'add', 'fd00:5f::11/64', 'dev', 'veth0', 'nodad']);
  bVeth0 = withNetns(b.netns, () => interfaceIndex('veth0'));
});
afterEach(() => pool.closeAll());
afterAll(() => topo?.destroy());

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'UDP between hosts (veth topology)', () => {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const v4 = family === 'ipv4';
    const addrA = (): string => (v4 ? a.address : a.address6);
    const addrB = (): string => (v4 ? b.address : b.address6);
    const addrA2 = v4 ? '198.18.0.11' : 'fd00:5f::11';

    it(`${family}: packetInfo reports the unicast destination and arriving interface`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, port: 0, netns: b.netns, receive: { packetInfo: true, ttl: true } }));
      const tx = pool.add(await UdpSocket.create({ family, netns: a.netns }));
      const got = collect(rx, 1);
      await tx.send('uni', rx.address().port, addrB());
      const [m] = await got;
      expect(m!.info).toMatchObject({ destination: addrB(), interfaceIndex: bVeth0, ttl: 64 });
      expect([addrA(), addrA2]).toContain(m!.info.address); // IPv6 source selection may prefer the newer address
    });

    it(`${family}: sending with sourceAddress picks that source`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, port: 0, netns: b.netns }));
      const tx = pool.add(await UdpSocket.create({ family, netns: a.netns }));
      const got = collect(rx, 2);
      await tx.send('from-2', { address: addrB(), port: rx.address().port, sourceAddress: addrA2 });
      await tx.send('from-1', { address: addrB(), port: rx.address().port, sourceAddress: addrA() });
      const msgs = await got;
      expect(msgs.map((m) => [m.data.toString(), m.info.address])).toEqual([
        ['from-2', addrA2],
        ['from-1', addrA()],
      ]);
    });

    it(`${family}: SO_BINDTODEVICE restricts reception to one interface`, async () => {
      const port = 40000 + (v4 ? 1 : 2);
      const on0 = pool.add(await UdpSocket.create({ family, port, interface: 'veth0', netns: b.netns }));
      const on1 = pool.add(await UdpSocket.create({ family, port, interface: 'veth1', netns: b.netns }));
      const fromA = pool.add(await UdpSocket.create({ family, netns: a.netns }));
      const fromC = pool.add(await UdpSocket.create({ family, netns: c.netns }));
      const g0 = gather(on0, 300);
      const g1 = gather(on1, 300);
      await fromA.send('via-veth0', port, addrB());
      await fromC.send('via-veth1', port, v4 ? '198.18.1.2' : 'fd00:5f:0:1::2');
      expect((await g0).map((m) => m.data.toString())).toEqual(['via-veth0']);
      expect((await g1).map((m) => m.data.toString())).toEqual(['via-veth1']);
    });

    it(`${family}: per-datagram ttl and tos reach the peer`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, port: 0, netns: b.netns, receive: { ttl: true, tos: true, timestamp: true } }));
      const tx = pool.add(await UdpSocket.create({ family, netns: a.netns }));
      const got = collect(rx, 1);
      await tx.send('marked', { address: addrB(), port: rx.address().port, ttl: 3, tos: 0xb8 });
      const [m] = await got;
      expect(m!.info).toMatchObject({ ttl: 3, tos: 0xb8 });
      const now = BigInt(Date.now()) * 1_000_000n;
      expect(m!.info.timestamp! > now - 5_000_000_000n && m!.info.timestamp! <= now + 1_000_000_000n).toBe(true);
    });
  }

  it('ipv4 broadcast: setBroadcast + 255.255.255.255 and the subnet broadcast; packetInfo shows the broadcast destination', async () => {
    const rx = pool.add(await UdpSocket.create({ family: 'ipv4', port: 0, netns: b.netns, receive: { packetInfo: true } }));
    const tx = pool.add(await UdpSocket.create({ family: 'ipv4', netns: a.netns }));
    const port = rx.address().port;
    await expect(tx.send('x', { address: '198.18.0.255', port })).rejects.toMatchObject({ code: 'EACCES' });
    tx.setBroadcast(true);
    const got = collect(rx, 2);
    await tx.send('subnet', port, '198.18.0.255');
    await tx.send('limited', { address: '255.255.255.255', port, interface: 'veth0' });
    const msgs = await got;
    expect(msgs.map((m) => [m.data.toString(), m.info.destination, m.info.interfaceIndex])).toEqual([
      ['subnet', '198.18.0.255', bVeth0],
      ['limited', '255.255.255.255', bVeth0],
    ]);
  });
});
