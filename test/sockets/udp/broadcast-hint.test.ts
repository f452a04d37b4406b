// Issue 10 (r): a UdpSocket send to a broadcast address without
// setBroadcast(true) fails with EACCES and a hint naming SO_BROADCAST.
import { afterEach, expect, it } from 'vitest';
import { UdpSocket } from '../../helpers/sockit';
import { hostPair, useTopology } from '../../helpers/topology';
import { describeWith } from '../../helpers/env';
import { Pool, collect } from './helpers';

const pool = new Pool();
const net = useTopology(hostPair);
afterEach(() => pool.closeAll());

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'UdpSocket send to a subnet broadcast', () => {
  it('rejects with EACCES naming SO_BROADCAST, then reaches the peer once setBroadcast(true)', async () => {
    const bcast = net.a.address.replace(/\.\d+$/, '.255');
    const rx = pool.add(await UdpSocket.create({ family: 'ipv4', port: 4100, netns: net.b.netns }));
    const tx = pool.add(await UdpSocket.create({ family: 'ipv4', netns: net.a.netns }));
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
