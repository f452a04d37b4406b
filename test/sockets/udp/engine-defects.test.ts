// UDP-only defects of issue 10 (the shared ones are in test/core/engine.test.ts).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UdpSocket } from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Host, Topology } from '../../helpers/testing';
import { describeWith } from '../../helpers/env';
import { Pool, sleep } from './helpers';

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'UdpSocket: GSO fallback, batch destinations', () => {
  let topo: Topology;
  let a: Host;
  let b: Host;
  const pool = new Pool();
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
    a = topo.host('a');
    b = topo.host('b');
  });
  afterAll(async () => {
    await pool.closeAll();
    topo?.destroy();
  });

  it('GSO refused by the kernel (EINVAL) turns GSO off once and sends plain datagrams (defect o)', async () => {
    // UDP_NO_CHECK6_TX makes every IPv6 GSO send fail with EINVAL: a path that cannot segment.
    const rx = pool.add(await UdpSocket.create({ address: b.address6, port: 0, netns: b.netns, options: { UDP_NO_CHECK6_RX: true } }));
    const tx = pool.add(await UdpSocket.create({ family: 'ipv6', netns: a.netns, options: { UDP_NO_CHECK6_TX: true } }));
    const sizes: number[] = [];
    rx.on('message', (d: Buffer) => sizes.push(d.length));
    const errors: unknown[] = [];
    tx.on('error', (e) => errors.push(e));
    await sleep(5);
    const to = { address: b.address6, port: rx.address().port };
    expect(tx.stats().gsoDisabled).toBe(false);
    expect(await tx.send(Buffer.alloc(2500, 1), { ...to, segmentSize: 1000 })).toBe(2500);
    expect(tx.stats().gsoDisabled).toBe(true);
    // Later segmented sends and batches are split in JS without asking the kernel for GSO again.
    expect(await tx.send(Buffer.alloc(1500, 2), { ...to, segmentSize: 1000 })).toBe(1500);
    expect(await tx.sendBatch([Buffer.alloc(1200, 3)], { ...to, segmentSize: 1000 })).toBe(1);
    for (let i = 0; i < 100 && sizes.length < 7; i++) await sleep(10);
    expect(sizes).toEqual([1000, 1000, 500, 1000, 500, 1000, 200]);
    expect(errors).toEqual([]); // recovered: nothing reported as an error
  });

  it('sendBatch entries given as objects inherit the batch destination; errors name the entry (defect t)', async () => {
    const rx = pool.add(await UdpSocket.create({ address: b.address, port: 0, netns: b.netns, receive: { ttl: true } }));
    const tx = pool.add(await UdpSocket.create({ netns: a.netns }));
    const got: Array<{ text: string; ttl?: number }> = [];
    rx.on('message', (d: Buffer, info: { ttl?: number }) => got.push({ text: d.toString(), ttl: info.ttl }));
    await sleep(5);
    const port = rx.address().port;
    expect(await tx.sendBatch([{ data: 'plain' }, { data: 'ttl', ttl: 7 }, 'bare'], { address: b.address, port })).toBe(3);
    for (let i = 0; i < 100 && got.length < 3; i++) await sleep(10);
    expect(got.map((g) => g.text)).toEqual(['plain', 'ttl', 'bare']);
    expect(got[1]?.ttl).toBe(7);
    await expect(tx.sendBatch([{ data: 'x' }])).rejects.toThrow(/messages\[0\] has no address/);
    await expect(tx.sendBatch([{ data: 'x', ttl: 3 }])).rejects.toThrow(/messages\[0\] has no address/);
  });

  it('unknown option keys are rejected with the closest valid one (defect n)', async () => {
    await expect(UdpSocket.create({ reuseport: true } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/reusePort/) });
    await expect(UdpSocket.create({ receive: { packetinfo: true } } as never)).rejects.toMatchObject({ message: expect.stringMatching(/packetInfo/) });
    const s = pool.add(await UdpSocket.create({}));
    await expect(s.send('x', { adress: '127.0.0.1', port: 9 } as never)).rejects.toMatchObject({ message: expect.stringMatching(/address/) });
    await expect(s.receive({ timout: 5 } as never)).rejects.toMatchObject({ message: expect.stringMatching(/timeout/) });
  });
});
