// Backpressure: every datagram accepted by send() reaches the kernel; kernel
// drops are reported; memory stays bounded. Each case runs in its own
// topology host so qdiscs and counters belong to this test alone.
import { expect, it } from 'vitest';
import { UdpSocket } from '../../helpers/sockit';
import type { Host } from '../../helpers/testing';
import { hostPair, useTopology } from '../../helpers/topology';
import { describeWith } from '../../helpers/env';
import { sleep } from './helpers';

const net = useTopology(hostPair);

function snmpUdp(h: Host): Record<string, number> {
  const lines = h.exec('cat', ['/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Udp:'));
  const keys = lines[0]!.split(/\s+/).slice(1);
  const vals = lines[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(keys.map((k, i) => [k, vals[i] as number]));
}

/** Wait until the receiver's counters stop moving, then push sentinels until one arrives (it carries the drop count). */
async function settle(rx: UdpSocket, tx: UdpSocket, port: number, address: string): Promise<void> {
  let last = -1;
  while (rx.stats().received !== last) {
    last = rx.stats().received;
    await sleep(50);
  }
  const before = rx.stats().received;
  for (let i = 0; i < 100 && rx.stats().received === before; i++) {
    await tx.send(Buffer.alloc(1), port, address);
    await sleep(20);
  }
}

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'UDP backpressure', () => {
  it('1,000,000 datagrams sent as fast as send() allows: none lost on the JS side, drops accounted, memory bounded', async () => {
    const N = 1_000_000;
    const rx = await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', port: 0, netns: net.b.netns, receive: { dropCount: true } });
    const tx = await UdpSocket.create({ family: 'ipv4', netns: net.b.netns });
    rx.on('message', () => {});
    const port = rx.address().port;
    const snmp0 = snmpUdp(net.b);
    const rss0 = process.memoryUsage().rss;
    let rssMax = rss0;
    const payload = Buffer.alloc(64, 0xab);
    let resolved = 0;
    let pending: Promise<number>[] = [];
    let maxQueue = 0;
    for (let i = 0; i < N; i++) {
      pending.push(tx.send(payload, port, '127.0.0.1'));
      if (pending.length === 4096) {
        maxQueue = Math.max(maxQueue, tx.sendQueueLength);
        for (const n of await Promise.all(pending)) if (n === 64) resolved++;
        pending = [];
        if ((i & 0xffff) === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss);
      }
    }
    for (const n of await Promise.all(pending)) if (n === 64) resolved++;
    expect(resolved).toBe(N);
    expect(tx.stats().sent).toBe(N);
    expect(tx.stats().sendQueue).toBe(0);
    await settle(rx, tx, port, '127.0.0.1');
    const st = rx.stats();
    const snmp1 = snmpUdp(net.b);
    const sentinels = tx.stats().sent - N;
    // every datagram the kernel accepted is either received or counted as dropped on the socket
    const kernelSaw = snmp1.InDatagrams! - snmp0.InDatagrams! + (snmp1.RcvbufErrors! - snmp0.RcvbufErrors!);
    expect(kernelSaw).toBe(N + sentinels);
    expect(st.received + st.kernelDropped).toBe(N + sentinels);
    expect(st.kernelDropped).toBe(snmp1.RcvbufErrors! - snmp0.RcvbufErrors!);
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
    expect(rssMax - rss0).toBeLessThan(200 * 1024 * 1024);
    await Promise.all([rx.close(), tx.close()]);
  });

  it('a full socket buffer (EAGAIN) queues, drains in order, and stays within sendQueueLimit', async () => {
    // Hold packets in a slow qdisc so the sender's SO_SNDBUF fills.
    net.a.exec('tc', ['qdisc', 'add', 'dev', 'veth0', 'root', 'tbf', 'rate', '5mbit', 'burst', '4kb', 'latency', '5s']);
    try {
      const N = 2000;
      const rx = await UdpSocket.create({ family: 'ipv4', port: 0, netns: net.b.netns, options: { SO_RCVBUF: 4 << 20 } });
      const tx = await UdpSocket.create({ family: 'ipv4', netns: net.a.netns, options: { SO_SNDBUF: 4096 }, sendQueueLimit: 50_000 });
      const port = rx.address().port;
      const seen: number[] = [];
      rx.on('message', (d) => seen.push(d.readUInt32BE(0)));
      let drains = 0;
      tx.on('drain', () => drains++);
      const ps: Promise<number>[] = [];
      let maxQueue = 0;
      for (let i = 0; i < N; i++) {
        const buf = Buffer.alloc(100);
        buf.writeUInt32BE(i, 0);
        ps.push(tx.send(buf, port, net.b.address));
        maxQueue = Math.max(maxQueue, tx.sendQueueLength);
      }
      expect(maxQueue).toBeGreaterThan(0); // the EAGAIN path was taken
      expect((await Promise.all(ps)).every((n) => n === 100)).toBe(true);
      expect(drains).toBeGreaterThan(0);
      expect(tx.stats()).toMatchObject({ sent: N, sendQueue: 0 });
      for (let i = 0; i < 300 && seen.length < N; i++) await sleep(20);
      expect(seen.length).toBe(N);
      expect(seen.every((v, i) => v === i)).toBe(true); // order kept through the queue
      // beyond the limit send() rejects instead of growing without bound
      const small = await UdpSocket.create({ family: 'ipv4', netns: net.a.netns, options: { SO_SNDBUF: 4096 }, sendQueueLimit: 10 });
      const results = await Promise.allSettled(Array.from({ length: 200 }, () => small.send(Buffer.alloc(1000), port, net.b.address)));
      const rejected = results.filter((r) => r.status === 'rejected');
      expect(rejected.length).toBeGreaterThan(0);
      expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOBUFS', syscall: 'send' });
      // trySend never queues: false means "wait for drain"
      while (small.trySend(Buffer.alloc(1000), port, net.b.address));
      expect(small.sendQueueLength).toBe(0);
      await new Promise((r) => small.once('drain', r));
      expect(small.trySend(Buffer.alloc(1000), port, net.b.address)).toBe(true);
      await Promise.all([rx.close(), tx.close(), small.close()]);
    } finally {
      net.a.exec('tc', ['qdisc', 'del', 'dev', 'veth0', 'root']);
    }
  });
});
