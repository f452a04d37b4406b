// Link parameters: a tbf rate caps a flooding sender (measured with kernel receive timestamps); netem (delay, loss)
// either works or fails with an error naming sch_netem, whichever this
// kernel allows (probed independently with tc).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UdpSocket } from '../helpers/sockit';
import type { MessageInfo } from '../helpers/sockit';
import { createTopology, TopologyError } from '../helpers/testing';
import type { Host, Topology } from '../helpers/testing';
import { describeWith } from '../helpers/env';

const NEEDS = ['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'] as const;

/** Flood `to` from `from` for `ms` and return the rate the receiver saw, in bit/s on the wire (Ethernet + IPv4 + UDP headers included). */
async function floodRate(from: Host, to: Host, fromAddress: string, toAddress: string, ms: number): Promise<number> {
  const size = 1000;
  const wire = size + 8 + 20 + 14;
  // Kernel receive timestamps: the rate the link delivered, whatever this process's scheduling.
  const rx = await UdpSocket.create({ netns: to.netns, address: toAddress, port: 8000, receive: { timestamp: true }, options: { SO_RCVBUF: 4 << 20 } });
  const tx = await UdpSocket.create({ netns: from.netns, address: fromAddress, port: 0 });
  let first = 0n;
  let last = 0n;
  let count = 0;
  let measuring = false;
  rx.on('message', (_d: Buffer, info: MessageInfo) => {
    if (!measuring) return;
    const now = info.timestamp ?? 0n;
    if (count++ === 0) first = now;
    last = now;
  });
  const payload = Buffer.alloc(size, 0x5f);
  const batch = Array.from({ length: 32 }, () => ({ data: payload }));
  // The kernel turns receive timestamping on from a work queue: until then datagrams are stamped when
  // read, not when they arrive (later than the ones after them). A few datagrams first, then measure.
  await tx.sendBatch(batch.slice(0, 4), { port: 8000, address: toAddress });
  await new Promise((r) => setTimeout(r, 100));
  measuring = true;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await tx.sendBatch(batch, { port: 8000, address: toAddress });
    await new Promise((r) => setImmediate(r)); // let the receiver read as it goes
  }
  await new Promise((r) => setTimeout(r, 150)); // the shaped queue drains
  await Promise.all([rx.close(), tx.close()]);
  return count > 1 ? ((count - 1) * wire * 8) / (Number(last - first) / 1e9) : 0;
}

describeWith([...NEEDS], 'createTopology: rate (tbf)', () => {
  let topo: Topology;
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b', 'c'], links: [['a', 'b', { rate: '20mbit' }], ['a', 'c']] });
  });
  afterAll(() => topo.destroy());

  it('caps a flooding sender near the link rate; the unshaped link beside it is far faster', async () => {
    const a = topo.host('a');
    expect(topo.link('a', 'b').rate).toBe(20_000_000);
    expect(a.exec('tc', ['qdisc', 'show', 'dev', 'veth0'])).toMatch(/tbf .*rate 20Mbit/);
    expect(topo.host('b').exec('tc', ['qdisc', 'show', 'dev', 'veth0'])).toMatch(/tbf .*rate 20Mbit/); // both directions
    const shaped = await floodRate(a, topo.host('b'), a.interfaces[0]!.address, a.interfaces[0]!.peerAddress, 800);
    const open = await floodRate(a, topo.host('c'), a.interfaces[1]!.address, a.interfaces[1]!.peerAddress, 300);
    expect(shaped / 20e6, `shaped ${Math.round(shaped / 1e6)} Mbit/s`).toBeGreaterThan(0.9);
    expect(shaped / 20e6, `shaped ${Math.round(shaped / 1e6)} Mbit/s`).toBeLessThan(1.05);
    expect(open, `unshaped ${Math.round(open / 1e6)} Mbit/s vs shaped ${Math.round(shaped / 1e6)}`).toBeGreaterThan(2.5 * shaped);
  });
});

/** Whether this kernel has sch_netem, asked of tc directly in a scratch namespace. */
function kernelHasNetem(): { has: boolean; said: string } {
  const r = spawnSync('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && tc qdisc add dev lo root netem delay 1ms'], { encoding: 'utf8' });
  return { has: r.status === 0, said: r.stderr.trim() };
}

describeWith([...NEEDS], 'createTopology: delay and loss (netem)', () => {
  const probe = kernelHasNetem();

  it.runIf(!probe.has)(`fails with an error naming sch_netem on this kernel (tc says: ${probe.said || 'ok'})`, () => {
    let err: TopologyError | undefined;
    // With ip netns names (where this process may make them): the build fails after they were attached.
    const prefix = process.env.SOCKIT_USERNS === '1' ? undefined : `sknetem${process.pid}`;
    try {
      createTopology({ hosts: ['a', 'b', 'c'], links: [['a', 'b'], ['b', 'c', { delay: 10, loss: 1 }]], ...(prefix ? { netnsNames: prefix } : {}) });
    } catch (e) {
      err = e as TopologyError;
    }
    if (prefix) expect(readdirSync('/run/netns').filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(err).toBeInstanceOf(TopologyError);
    expect(err?.code).toBe('ERR_TOPOLOGY_QDISC_UNAVAILABLE');
    expect(err?.qdisc).toBe('netem');
    expect(err?.message).toMatch(/^createTopology: link b-c asks for delay\/jitter\/loss, which need the netem qdisc \(sch_netem\)/);
    expect(err?.message).toContain('modprobe sch_netem');
    expect(err?.message).toContain('Specified qdisc kind is unknown');
    // rate alone still works on the same kernel.
    const ok = createTopology({ hosts: ['a', 'b'], links: [['a', 'b', { rate: '1mbit' }]] });
    void ok.destroy();
  });

  it.runIf(probe.has)('adds the delay in each direction and drops what loss asks for', async () => {
    const topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b', { delay: 40 }]] });
    try {
      const [r] = await topo.ping('a', 'b', { family: 'ipv4' });
      expect(r!.rtt).toBeGreaterThan(80);
    } finally {
      await topo.destroy();
    }
    const lossy = createTopology({ hosts: ['a', 'b'], links: [['a', 'b', { loss: 100 }]] });
    try {
      await expect(lossy.ping('a', 'b', { timeout: 300 })).rejects.toThrow(/no reply within 300 ms/);
    } finally {
      await lossy.destroy();
    }
  });
});
