// Issue 10 (r): a UdpSocket send to a broadcast address without
// setBroadcast(true) fails with EACCES and a hint naming SO_BROADCAST.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { UdpSocket } from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Host, Topology } from '../../helpers/testing';
import { describeWith } from '../../helpers/env';
import { Pool, collect } from './helpers';

const pool = new Pool();
let topo: Topology;
let a: Host, b: Host;
beforeAll(() => {
  topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
  a = topo.host('a');
  b = topo.host('b');
});
afterEach(() => pool.closeAll());
afterAll(() => topo?.destroy());

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'UdpSocket send to a subnet broadcast', () => {
  it('rejects with EACCES naming SO_BROADCAST, then reaches the peer once setBroadcast(true)', async () => {
    const bcast = a.address.replace(/\.\d+$/, '.255');
    const rx = pool.add(await UdpSocket.create({ family: 'ipv4', port: 4100, netns: b.netns }));
    const tx = pool.add(await UdpSocket.create({ family: 'ipv4', netns: a.netns }));
    const err = await tx.send('hello', 4100, bcast).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string; hint?: string },
    );
    expect(err).toMatchObject({ code: 'EACCES' });
    expect(err?.hint).toContain('SO_BROADCAST');
    expect(err?.hint).toContain('setBroadcast(true)');
    tx.setBroadcast(true);
    const got = collect(rx, 1);
    await tx.send('hello', 4100, bcast);
    expect((await got)[0]?.data.toString()).toBe('hello');
  });
});
