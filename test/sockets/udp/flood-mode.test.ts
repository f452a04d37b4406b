// Flood mode under a flood that goes on (native/io/handle.cc): while a
// receiver drains out of epoll, whatever else it waits for still arrives —
// POLLOUT for a send queue, ICMP errors (POLLERR) — and an iterator that
// holds receiving back loses nothing. The shared rows (backlog, close, unref) are in
// test/sockets/engine.test.ts.
import { afterEach, expect, it } from 'vitest';
import { UdpSocket, native } from '../../helpers/sockit';
import { hostPair, useTopology } from '../../helpers/topology';
import { describeWith } from '../../helpers/env';
import { inEpoll } from '../../helpers/process';
import { Pool, sleep } from './helpers';

async function until(cond: () => boolean, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(5);
  return cond();
}

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'UdpSocket flood mode, while the flood goes on', () => {
  const net = useTopology(hostPair);
  const pool = new Pool();
  let pumping = false;
  afterEach(async () => {
    pumping = false;
    await pool.closeAll();
  });

  /** A receiver on host a (4 datagrams per batch unless given) and a sender on host b flooding it from every loop iteration until `pumping` is false. */
  async function flooded(options: Record<string, unknown> = {}): Promise<UdpSocket> {
    const rx = pool.add(await UdpSocket.create({ address: net.a.address, port: 0, netns: net.a.netns, batchSize: 4, ...options }));
    const tx = pool.add(await UdpSocket.create({ netns: net.b.netns }));
    const to = { address: net.a.address, port: rx.address().port };
    let seq = 0;
    const pump = (): void => {
      if (!pumping) return;
      const batch = Array.from({ length: 256 }, () => {
        const p = Buffer.alloc(64);
        p.writeUInt32BE(seq++, 0);
        return p;
      });
      tx.sendBatch(batch, to).catch(() => {});
      setImmediate(pump);
    };
    pumping = true;
    pump();
    return rx;
  }

  it('a send that waits for POLLOUT goes out while the flood goes on', async () => {
    // A slow qdisc on a's link fills the receiver's own tiny send buffer: its sends take the EAGAIN path.
    net.a.exec('tc', ['qdisc', 'add', 'dev', 'veth0', 'root', 'tbf', 'rate', '5mbit', 'burst', '4kb', 'latency', '5s']);
    try {
      const sink = pool.add(await UdpSocket.create({ address: net.b.address, port: 0, netns: net.b.netns }));
      let sunk = 0;
      sink.on('message', () => sunk++);
      const rx = await flooded({ batchSize: 1, options: { SO_SNDBUF: 4096 } }); // 32 datagrams per wakeup: never short
      let heard = 0;
      rx.on('message', () => heard++);
      // Out of epoll once it received more than one wakeup's worth (before the first, libuv had not added it yet).
      expect(await until(() => heard > 100 && !inEpoll(rx.fd))).toBe(true);
      const sends = Array.from({ length: 40 }, () => rx.send(Buffer.alloc(1000), sink.address().port, net.b.address));
      expect(rx.sendQueueLength).toBeGreaterThan(0); // waiting for POLLOUT
      const done = await Promise.race([Promise.all(sends), sleep(3000).then(() => 'timed out' as const)]);
      expect(done).not.toBe('timed out');
      expect((done as number[]).every((n) => n === 1000)).toBe(true);
      expect(pumping).toBe(true);
      const before = heard;
      await sleep(50);
      expect(heard).toBeGreaterThan(before); // and it kept receiving
      expect(await until(() => sunk === 40)).toBe(true);
      pumping = false;
      expect(await until(() => inEpoll(rx.fd))).toBe(true); // the flood is over: polled again
    } finally {
      net.a.exec('tc', ['qdisc', 'del', 'dev', 'veth0', 'root']);
    }
  });

  it("an ICMP error that arrives while a backlog drains out of epoll reaches 'error' before the backlog ends", async () => {
    // (The kernel charges error-queue records to the receive buffer: under a flood that keeps it full, an
    // unconnected socket's ICMP errors are dropped by the kernel whatever the receiver does. A backlog with room.)
    const gone = await UdpSocket.create({ address: net.b.address, port: 0, netns: net.b.netns });
    const deadPort = gone.address().port;
    await gone.close();
    const rx = pool.add(
      await UdpSocket.create({ address: net.a.address, port: 0, netns: net.a.netns, batchSize: 2, options: { IP_RECVERR: true, SO_RCVBUFFORCE: 8 << 20 } }),
    );
    const tx = pool.add(await UdpSocket.create({ netns: net.b.netns }));
    const N = 600;
    for (let i = 0; i < N; i += 100) await tx.sendBatch(Array.from({ length: 100 }, () => Buffer.alloc(64)), { address: net.a.address, port: rx.address().port });
    await sleep(20);
    let got = 0;
    let errorAt = -1;
    let flooded = false;
    rx.on('error', (e: Error & { code?: string; port?: number }) => {
      if (e.code === 'ECONNREFUSED' && e.port === deadPort) errorAt = got;
    });
    rx.on('message', () => {
      got++;
      if (got === 100) {
        flooded = !inEpoll(rx.fd);
        rx.send('anyone?', deadPort, net.b.address).catch(() => {});
      } else if (got > 100) {
        const t = process.hrtime.bigint();
        while (process.hrtime.bigint() - t < 50_000n); // 50 µs a message: the rest of the backlog lasts 25 ms
      }
    });
    expect(await until(() => got === N && errorAt >= 0)).toBe(true);
    expect(flooded).toBe(true);
    expect(errorAt).toBeGreaterThanOrEqual(100);
    expect(errorAt).toBeLessThan(N); // heard from the idle phase's poll(2), not only once the backlog was gone
  });

  // 64: the last message of the epoll wakeup (32 batches of 2), when flood mode starts and finds the descriptor gone;
  // 128: the last of the first idle-phase drain, whose next pass finds it gone.
  for (const at of [64, 128]) {
    it(`a descriptor closed behind the engine at message ${at} of a backlog: 'error' EBADF from poll, no abort`, async () => {
      const rx = pool.add(await UdpSocket.create({ address: net.a.address, port: 0, netns: net.a.netns, batchSize: 2, options: { SO_RCVBUFFORCE: 8 << 20 } }));
      const tx = pool.add(await UdpSocket.create({ netns: net.b.netns }));
      for (let i = 0; i < 400; i += 100) await tx.sendBatch(Array.from({ length: 100 }, () => Buffer.alloc(64)), { address: net.a.address, port: rx.address().port });
      await sleep(20);
      let got = 0;
      let flooded = false;
      const errors: Array<Error & { code?: string; syscall?: string }> = [];
      rx.on('error', (e: Error & { code?: string; syscall?: string }) => errors.push(e));
      rx.on('message', () => {
        got++;
        if (got === at) {
          flooded = !inEpoll(rx.fd);
          native.close(rx.fd);
        }
      });
      expect(await until(() => errors.length > 0)).toBe(true);
      expect(flooded).toBe(at === 128); // at 64 flood mode has not started yet
      expect(errors[0]).toMatchObject({ code: 'EBADF', syscall: 'poll' });
      expect(got).toBe(at);
      await rx.close(); // at once: its number must not be reused by a socket of ours first
    });
  }

  it('an iterator that holds receiving back loses nothing and sees datagrams in order', async () => {
    const rx = await flooded({ highWaterMark: 64 });
    const seen: number[] = [];
    const t0 = Date.now();
    for await (const m of rx) {
      seen.push(m.data.readUInt32BE(0));
      if (seen.length % 32 === 0) await sleep(1); // slower than the flood: receiving pauses and resumes
      if (Date.now() - t0 > 600) break;
    }
    expect(seen.length).toBeGreaterThan(1000);
    expect(seen.every((v, i) => i === 0 || v > (seen[i - 1] as number))).toBe(true); // kernel drops leave gaps, nothing repeats or reorders
    expect(rx.stats().iteratorDropped).toBe(0);
  });
});
