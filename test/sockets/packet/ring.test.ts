// PacketSocket with `ring`: receive through a TPACKET_V3 memory-mapped ring
// (PACKET_RX_RING) inside the shared I/O engine. Same events and FrameInfo as
// the recvmmsg path; these tests check that over a veth pair, across block
// boundaries and ring wrap-around, with filters, fanout, VLAN tags,
// truncation, stats, close and Worker termination.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameInfo, PacketSocket, Socket, bpf, buildEthernet, native, parseEthernet } from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Host, Topology } from '../../helpers/testing';
import { describeWith } from '../../helpers/env';
import { cli, cliAsync, waitFor } from '../../cli/helpers';
import { ETHERTYPE, collect, mixedUdpFlood, seqFrame, sleep, udpDstPort } from './helpers';
import { dist, expectClean, runChild } from '../../hardening/child';

const fdCount = (): number => readdirSync('/proc/self/fd').length;

describe('PacketSocket ring options: validated before any system call', () => {
  const bad: Array<[unknown, string, RegExp]> = [
    ['yes', 'TypeError', /options\.ring/],
    [{ blockSize: 5000 }, 'RangeError', /multiple of the page size/],
    [{ blockSize: 1024 }, 'RangeError', /blockSize/],
    [{ blockSize: 4096.5 }, 'RangeError', /blockSize/],
    [{ blockCount: 0 }, 'RangeError', /blockCount/],
    [{ blockCount: 'many' }, 'TypeError', /blockCount/],
    [{ frameSize: 100 }, 'RangeError', /multiple of 16/],
    [{ frameSize: 32 }, 'RangeError', /frameSize/],
    [{ blockSize: 4096, frameSize: 8192 }, 'RangeError', /<= blockSize/],
    [{ blockTimeoutMs: -1 }, 'RangeError', /blockTimeoutMs/],
    [{ blockTimeoutMs: 60001 }, 'RangeError', /blockTimeoutMs/],
    [{ blockSize: 1 << 30, blockCount: 2 }, 'RangeError', /1 GiB/],
  ];
  for (const [ring, name, msg] of bad) {
    it(`ring: ${JSON.stringify(ring)} → ${name}`, async () => {
      const err = await PacketSocket.open({ ring: ring as never }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe(name);
      expect((err as Error).message).toMatch(msg);
      expect((err as { code: string }).code).toMatch(/^ERR_/);
    });
  }

  it('native ioRingSetup / IoHandle ring option: typed errors or -errno, never a crash', () => {
    const udp = new Socket('ipv4', 'dgram');
    try {
      expect(native.ioRingSetup(udp.fd, 4096, 4, 2048, 4)).toBeLessThan(0); // not a packet socket: -ENOPROTOOPT
      expect(() => native.ioRingSetup(udp.fd, 5000, 4, 2048, 4)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
      expect(() => native.ioRingSetup(udp.fd, 4096, 4, 100, 4)).toThrow(/TPACKET_ALIGNMENT/);
      expect(() => native.ioRingSetup(udp.fd, 4096, 4, 8192, 4)).toThrow(/exceed blockSize/);
      expect(() => native.ioRingSetup(udp.fd, 4096, 0, 2048, 4)).toThrow(expect.objectContaining({ name: 'RangeError' }));
      const noop = (): void => undefined;
      for (const ring of [{}, 'x', 1, Buffer.alloc(8), new Uint8Array(4)]) {
        expect(() => new native.IoHandle(udp.fd, {}, noop, noop, { ring: ring as never })).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
      }
    } finally {
      udp.close();
    }
  });
});

describeWith(['netns', 'CAP_NET_RAW', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'PacketSocket ring (TPACKET_V3) over a veth pair', () => {
  let topo: Topology;
  let a: Host;
  let b: Host;
  let macA: string;
  let macB: string;
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
    a = topo.host('a');
    b = topo.host('b');
    macA = a.interfaces[0]?.mac as string;
    macB = b.interfaces[0]?.mac as string;
  });
  afterAll(() => topo?.destroy());

  const open = (h: Host, o: Parameters<typeof PacketSocket.open>[0] = {}): Promise<PacketSocket> =>
    PacketSocket.open({ interface: 'veth0', protocol: ETHERTYPE, netns: h.netns, ...o });

  it('a raw frame arrives byte for byte with correct info; the IoRing is adopted', async () => {
    const tx = await open(a);
    const rx = await open(b, { ring: true });
    expect(rx.ring).toEqual({ blockSize: 1 << 20, blockCount: 16, frameSize: 2048, blockTimeoutMs: 4 });
    expect(tx.ring).toBeUndefined();
    const frame = seqFrame(macA, macB, 1, 100);
    const before = BigInt(Date.now() - 1000) * 1_000_000n;
    const pending = collect(rx, 3000, (n) => n >= 1);
    await sleep(5);
    await tx.send(frame);
    const [got] = await pending;
    expect(got?.frame.equals(frame)).toBe(true);
    expect(got?.info).toMatchObject({ interfaceName: 'veth0', protocol: ETHERTYPE, packetType: 'host', source: macA, length: 100, truncated: false });
    expect(got?.info.interfaceIndex).toBe(rx.interface?.index);
    expect(got?.info.vlan).toBeUndefined();
    const after = BigInt(Date.now() + 1000) * 1_000_000n;
    expect(typeof got?.info.timestamp).toBe('bigint');
    expect((got?.info.timestamp ?? 0n) > before && (got?.info.timestamp ?? 0n) < after).toBe(true);
    // Broadcast, short frame padded by the sender.
    const p2 = collect(rx, 3000, (n) => n >= 1);
    await sleep(5);
    await tx.send(buildEthernet({ destination: 'ff:ff:ff:ff:ff:ff', source: macA, etherType: ETHERTYPE, payload: Buffer.from('hi') }));
    const [bc] = await p2;
    expect(bc?.info.packetType).toBe('broadcast');
    expect(bc?.frame.length).toBe(60);
    await Promise.all([tx.close(), rx.close()]);
  });

  it('cooked mode through the ring: the payload without the link header', async () => {
    const tx = await open(a, { mode: 'cooked' });
    const rx = await open(b, { mode: 'cooked', ring: { blockSize: 8192, blockCount: 4 } });
    const payload = Buffer.from('cooked payload through a TPACKET_V3 ring');
    const pending = collect(rx, 3000, (n) => n >= 1);
    await sleep(5);
    await tx.send(payload, { destination: macB });
    const [got] = await pending;
    expect(got?.frame.subarray(0, payload.length).equals(payload)).toBe(true);
    expect(got?.info).toMatchObject({ source: macA, protocol: ETHERTYPE, packetType: 'host' });
    await Promise.all([tx.close(), rx.close()]);
  });

  it('12,000 frames from sendBatch arrive complete and in order across many small blocks and ring wrap-arounds', async () => {
    const tx = await open(a);
    // 8 KiB blocks (about 50 frames each), 32 of them: the ring wraps ~7 times.
    const rx = await open(b, { ring: { blockSize: 8192, blockCount: 32, frameSize: 256, blockTimeoutMs: 2 } });
    const total = 12_000;
    const frames = Array.from({ length: total }, (_, i) => seqFrame(macA, macB, i, 64 + (i % 13)));
    const seqs: number[] = [];
    let mismatches = 0;
    rx.on('frame', (f: Buffer, info: FrameInfo) => {
      const seq = f.readUInt32BE(14);
      seqs.push(seq);
      if (!f.equals(frames[seq] as Buffer) || info.length !== f.length || info.truncated) mismatches++;
    });
    await sleep(5);
    // Chunks of 600 frames (about 12 blocks): the ring never overflows while JS keeps up.
    for (let i = 0; i < total; i += 600) {
      expect(await tx.sendBatch(frames.slice(i, i + 600))).toBe(600);
      const deadline = Date.now() + 5000;
      while (seqs.length < i + 600 && Date.now() < deadline) await sleep(2);
    }
    const deadline = Date.now() + 5000;
    while (seqs.length < total && Date.now() < deadline) await sleep(10);
    const stats = rx.stats();
    expect(stats.dropped).toBe(0);
    expect(seqs.length).toBe(total);
    expect(mismatches).toBe(0);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i)); // in order, each once
    expect(stats.received).toBe(total);
    await Promise.all([tx.close(), rx.close()]);
  });

  it('async iteration with a small highWaterMark pauses and resumes in the middle of a block without losing a frame', async () => {
    const tx = await open(a);
    const rx = await open(b, { ring: { blockSize: 16384, blockCount: 8 }, highWaterMark: 7 });
    const it = rx[Symbol.asyncIterator]();
    await sleep(5);
    await tx.sendBatch(Array.from({ length: 300 }, (_, i) => seqFrame(macA, macB, i)));
    const got: number[] = [];
    for (let i = 0; i < 300; i++) {
      const r = await it.next();
      expect(r.done).toBe(false);
      got.push(r.value.frame.readUInt32BE(14));
      if (i % 50 === 0) await sleep(5); // let the queue fill and pause receiving
    }
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i));
    await it.return?.();
    await Promise.all([tx.close(), rx.close()]);
  });

  it('VLAN: the stripped tag is reported and re-inserted (or left out on request)', async () => {
    const tx = await open(a);
    const rx = await open(b, { protocol: 'all', filter: bpf.vlan(), ring: true });
    const bare = await open(b, { protocol: 'all', filter: bpf.vlan(), reinsertVlan: false, ring: true });
    const tagged = buildEthernet({ destination: macB, source: macA, etherType: ETHERTYPE, vlans: [{ id: 100, priority: 5, dropEligible: true }], payload: Buffer.alloc(60, 3) });
    const ad = buildEthernet({ destination: macB, source: macA, etherType: ETHERTYPE, vlans: [{ id: 7, priority: 1, dropEligible: false, tpid: 0x88a8 }], payload: Buffer.alloc(60, 4) });
    const p1 = collect(rx, 3000, (n) => n >= 2);
    const p2 = collect(bare, 3000, (n) => n >= 2);
    await sleep(5);
    await tx.send(tagged);
    await tx.send(ad);
    const got = await p1;
    expect(got[0]?.info.vlan).toEqual({ id: 100, priority: 5, dropEligible: true, tpid: 0x8100 });
    expect(got[0]?.frame.equals(tagged)).toBe(true);
    expect(got[0]?.info.length).toBe(tagged.length);
    expect(got[1]?.info.vlan).toEqual({ id: 7, priority: 1, dropEligible: false, tpid: 0x88a8 });
    expect(got[1]?.frame.equals(ad)).toBe(true);
    const plain = await p2;
    expect(plain[0]?.info.vlan?.id).toBe(100);
    expect(parseEthernet(plain[0]?.frame as Buffer).vlans).toEqual([]);
    expect(plain[0]?.frame.length).toBe(tagged.length - 4);
    await Promise.all([tx.close(), rx.close(), bare.close()]);
  });

  it('a filter given at open: only matching frames, from the first frame on, while traffic floods', async () => {
    const tx = await open(a, { protocol: 'all' });
    const flood = mixedUdpFlood(tx, macA, macB);
    const portOf = udpDstPort;
    for (let round = 0; round < 5; round++) {
      const rx = await open(b, { protocol: 'all', filter: bpf.udpPort(5000, 'dst'), ring: { blockSize: 4096, blockCount: 64, blockTimeoutMs: 1 } });
      const got = await collect(rx, 2000, (n) => n >= 10);
      expect(got.length).toBeGreaterThan(0);
      expect(new Set(got.map((g) => portOf(g.frame)))).toEqual(new Set([5000]));
      await rx.close();
    }
    await flood.stop();
    await tx.close();
  });

  it('setFilter on a ring socket: nothing the old filter accepted arrives after the swap, while traffic floods', async () => {
    const tx = await open(a, { protocol: 'all' });
    const flood = mixedUdpFlood(tx, macA, macB);
    const portOf = udpDstPort;
    // Large blocks and a long block timeout: at the swap, the block being filled holds frames of the old filter.
    const rx = await open(b, { protocol: 'all', filter: bpf.udpPort(5000, 'dst'), ring: { blockSize: 1 << 20, blockCount: 4, blockTimeoutMs: 200 } });
    for (let round = 0; round < 4; round++) {
      const [from, to] = round % 2 ? [6000, 5000] : [5000, 6000];
      const before = await collect(rx, 3000, (n) => n >= 20);
      expect(before.length).toBeGreaterThan(0);
      expect(new Set(before.map((g) => portOf(g.frame)))).toEqual(new Set([from]));
      const got: number[] = [];
      const onFrame = (f: Buffer): number => got.push(portOf(f));
      rx.on('frame', onFrame);
      rx.setFilter(bpf.udpPort(to, 'dst'));
      // At least two block timeouts, and some frames of the new filter.
      const deadline = Date.now() + 3000;
      await sleep(450);
      while (got.length < 20 && Date.now() < deadline) await sleep(20);
      rx.off('frame', onFrame);
      expect(got.length).toBeGreaterThan(0);
      expect(new Set(got)).toEqual(new Set([to]));
    }
    await flood.stop();
    await Promise.all([tx.close(), rx.close()]);
  });

  it('fanout: two ring sockets in one group together see every frame once', async () => {
    const tx = await open(a);
    const ring = { blockSize: 65536, blockCount: 16 };
    const r1 = await open(b, { fanout: { id: 4343, mode: 'lb' }, ring });
    const r2 = await open(b, { fanout: { id: 4343, mode: 'lb' }, ring });
    const s1: number[] = [];
    const s2: number[] = [];
    r1.on('frame', (f: Buffer) => s1.push(f.readUInt32BE(14)));
    r2.on('frame', (f: Buffer) => s2.push(f.readUInt32BE(14)));
    await sleep(5);
    await tx.sendBatch(Array.from({ length: 2000 }, (_, i) => seqFrame(macA, macB, i)));
    const deadline = Date.now() + 5000;
    while (s1.length + s2.length < 2000 && Date.now() < deadline) await sleep(10);
    expect(s1.length).toBeGreaterThan(0);
    expect(s2.length).toBeGreaterThan(0);
    expect([...s1, ...s2].sort((x, y) => x - y)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(r1.stats().dropped + r2.stats().dropped).toBe(0);
    await Promise.all([tx.close(), r1.close(), r2.close()]);
  });

  it('stats(): a full ring drops and freezes; counters accumulate across reads (the kernel resets them)', async () => {
    const tx = await open(a);
    // 4 blocks of 4 KiB hold about 100 small frames; nobody reads while 1000 arrive.
    const rx = await open(b, { ring: { blockSize: 4096, blockCount: 4, blockTimeoutMs: 1 } });
    expect(rx.stats()).toMatchObject({ received: 0, kernelReceived: 0, kernelDropped: 0, dropped: 0, freezeQueueCount: 0 });
    await tx.sendBatch(Array.from({ length: 1000 }, (_, i) => seqFrame(macA, macB, i)));
    let s1 = rx.stats();
    for (const deadline = Date.now() + 3000; s1.kernelReceived + s1.dropped < 1000 && Date.now() < deadline; s1 = rx.stats()) await sleep(10);
    expect(s1.kernelReceived + s1.dropped).toBe(1000);
    expect(s1.dropped).toBeGreaterThan(0);
    expect(s1.kernelReceived).toBeGreaterThan(0);
    expect(s1.freezeQueueCount).toBeGreaterThanOrEqual(1);
    expect(rx.stats()).toEqual(s1); // a second read adds nothing (the kernel reset), keeps the totals
    // What the ring kept is delivered, oldest first, once somebody listens.
    const got = await collect(rx, 3000, (n) => n >= s1.kernelReceived);
    expect(got.length).toBe(s1.kernelReceived);
    expect(got.map((g) => g.frame.readUInt32BE(14))).toEqual(Array.from({ length: s1.kernelReceived }, (_, i) => i));
    // The ring works again after the freeze; totals keep growing.
    const more = collect(rx, 3000, (n) => n >= 10);
    await sleep(5);
    await tx.sendBatch(Array.from({ length: 10 }, (_, i) => seqFrame(macA, macB, 5000 + i)));
    expect((await more).map((g) => g.frame.readUInt32BE(14))).toEqual(Array.from({ length: 10 }, (_, i) => 5000 + i));
    const s2 = rx.stats();
    expect(s2.kernelReceived).toBe(s1.kernelReceived + 10);
    expect(s2.dropped).toBe(s1.dropped);
    expect(s2.freezeQueueCount).toBeGreaterThanOrEqual(s1.freezeQueueCount);
    await Promise.all([tx.close(), rx.close()]);
  });

  it('truncation: frames longer than maxFrameSize, or cut by the filter, are flagged with their real length', async () => {
    const tx = await open(a);
    const rx = await open(b, { ring: true, maxFrameSize: 100 });
    // A filter that accepts 80 bytes of every frame: the kernel itself writes only 80 bytes into the ring.
    const cut = await open(b, { ring: true, filter: [bpf.insn(bpf.BPF.RET | bpf.BPF.K, 80)] });
    const big = seqFrame(macA, macB, 42, 300);
    const p1 = collect(rx, 3000, (n) => n >= 1);
    const p2 = collect(cut, 3000, (n) => n >= 1);
    await sleep(5);
    await tx.send(big);
    const [g1] = await p1;
    expect(g1?.info).toMatchObject({ truncated: true, length: 300 });
    expect(g1?.frame.equals(big.subarray(0, 100))).toBe(true);
    const [g2] = await p2;
    expect(g2?.info).toMatchObject({ truncated: true, length: 300 });
    expect(g2?.frame.equals(big.subarray(0, 80))).toBe(true);
    await Promise.all([tx.close(), rx.close(), cut.close()]);
  });

  it('close while frames are arriving, and close twice: no crash, no leaked descriptor', async () => {
    const before = fdCount();
    const tx = await open(a);
    let flooding = true;
    const flood = (async (): Promise<void> => {
      while (flooding) {
        await tx.sendBatch(Array.from({ length: 200 }, (_, i) => seqFrame(macA, macB, i))).catch(() => undefined);
        await sleep(0);
      }
    })();
    for (let round = 0; round < 20; round++) {
      const rx = await open(b, { ring: { blockSize: 4096, blockCount: 8, blockTimeoutMs: 1 } });
      let n = 0;
      rx.on('frame', () => {
        n++;
        // Close from inside the frame callback on some rounds (mid-batch, mid-block).
        if (round % 2 === 0 && n === 5) void rx.close();
      });
      const deadline = Date.now() + 2000;
      while (n < 5 && Date.now() < deadline) await sleep(1);
      expect(n).toBeGreaterThanOrEqual(5);
      const c1 = rx.close();
      const c2 = rx.close();
      expect(c1).toBe(c2);
      await c1;
      expect(rx.closed).toBe(true);
      expect(rx.stats().sendQueue).toBe(0); // stats() still answers after close
    }
    flooding = false;
    await flood;
    await tx.close();
    await sleep(20);
    expect(fdCount()).toBeLessThanOrEqual(before);
  });

  it('the interface going down while receiving through a ring is an error event, not a crash', async () => {
    b.exec('ip', ['link', 'add', 'rtmp0', 'type', 'veth', 'peer', 'name', 'rtmp1']);
    b.exec('ip', ['link', 'set', 'rtmp0', 'up']);
    b.exec('ip', ['link', 'set', 'rtmp1', 'up']);
    try {
      const s = await PacketSocket.open({ interface: 'rtmp0', protocol: ETHERTYPE, netns: b.netns, ring: { blockSize: 8192, blockCount: 4 } });
      const errors: Error[] = [];
      s.on('error', (e: Error) => errors.push(e));
      s.on('frame', () => undefined);
      await sleep(10);
      b.exec('ip', ['link', 'set', 'rtmp0', 'down']);
      const deadline = Date.now() + 2000;
      while (errors.length === 0 && Date.now() < deadline) await sleep(10);
      expect(errors[0]).toMatchObject({ name: 'SocketError', code: 'ENETDOWN', interface: 'rtmp0' });
      await sleep(50);
      expect(errors.length).toBeLessThan(5);
      await s.close();
    } finally {
      b.exec('ip', ['link', 'del', 'rtmp0']);
    }
  });

  it('sockit sniff --ring captures what frame send sends', async () => {
    const sniffer = cliAsync(['sniff', '-i', 'veth0', '--ring', '--ether-type', '0x88b5', '--count', '50', '--timeout', '10', '--json'], b);
    await waitFor(sniffer.stderr, (s) => s.includes('listening on veth0'));
    const s = cli(['frame', 'send', '-i', 'veth0', '--type', '0x88b5', '--payload', 'ring', '--count', '50'], a);
    expect(s.code, s.stderr).toBe(0);
    const o = await sniffer.done;
    expect(o.code, o.stderr).toBe(0);
    const lines = o.stdout.trim().split('\n').map((l) => JSON.parse(l) as { source?: string; length?: number });
    expect(lines).toHaveLength(50);
    expect(lines.every((l) => l.length === 60 && l.source === macA)).toBe(true);
  });

  it('a Worker receiving through a ring, terminated mid-receive, crashes nothing and leaks no descriptor', async () => {
    const { Worker } = await import('node:worker_threads');
    const before = fdCount();
    const tx = await open(a);
    const flood = setInterval(() => void tx.sendBatch(Array.from({ length: 64 }, (_, i) => seqFrame(macA, macB, i))).catch(() => undefined), 1);
    try {
      for (let round = 0; round < 3; round++) {
        const w = new Worker(
          `const { parentPort, workerData } = require('node:worker_threads');
           const { PacketSocket } = require(workerData.lib);
           PacketSocket.open({ interface: 'veth0', protocol: ${ETHERTYPE}, netns: workerData.netns, ring: { blockSize: 8192, blockCount: 8, blockTimeoutMs: 1 } }).then((s) => {
             let n = 0;
             s.on('frame', () => { if (++n === 10) parentPort.postMessage('receiving'); });
           });`,
          { eval: true, workerData: { lib: join(__dirname, '../../../dist/index.js'), netns: b.netns } },
        );
        await new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        });
        await w.terminate();
      }
    } finally {
      clearInterval(flood);
    }
    await tx.close();
    await sleep(50);
    expect(fdCount()).toBeLessThanOrEqual(before);
  });
});

// Child processes on `lo` of the test's own namespace: process exit, unref,
// and open/close cycles (including opens that fail after the ring was mapped).
describeWith(['netns', 'CAP_NET_RAW'], 'PacketSocket ring lifecycle', () => {
  const flood = `
    const frame = Buffer.alloc(60); frame.fill(0xff, 0, 6); frame.fill(2, 6, 12); frame.writeUInt16BE(${ETHERTYPE}, 12);
    const startFlood = async () => { const tx = await sockit.PacketSocket.open({ interface: 'lo', protocol: ${ETHERTYPE} });
      const t = setInterval(() => void tx.sendBatch(Array.from({ length: 64 }, () => frame)).catch(() => {}), 1); t.unref(); return tx; };`;

  it('exits cleanly and warning-free with ring sockets still open and receiving (main thread and a Worker)', () => {
    const r = runChild(`${flood}
      const { Worker } = require('worker_threads');
      (async () => {
        await startFlood();
        const rx = await sockit.PacketSocket.open({ interface: 'lo', protocol: ${ETHERTYPE}, ring: { blockSize: 8192, blockCount: 4, blockTimeoutMs: 1 } });
        let n = 0;
        await new Promise((res) => rx.on('frame', () => { if (++n === 100) res(); }));
        const w = new Worker(\`
          const s = require(${JSON.stringify(dist)});
          s.PacketSocket.open({ interface: 'lo', protocol: ${ETHERTYPE}, ring: true }).then((p) => { let k = 0; p.on('frame', () => { if (++k === 10) require('worker_threads').parentPort.postMessage('up'); }); });\`, { eval: true });
        await new Promise((res) => w.once('message', res));
        w.unref();
        emit({ ok: true, n });
        process.exit(0); // ring sockets (ours and the Worker's) still open, mapped and receiving
      })();`);
    const res = expectClean(r) as { ok: boolean; n: number };
    expect(res.ok).toBe(true);
    expect(res.n).toBeGreaterThanOrEqual(100);
    expect(r.stderr).toBe('');
  });

  it('an unref()ed ring socket lets the process end by itself', () => {
    const r = runChild(`
      (async () => {
        const rx = await sockit.PacketSocket.open({ interface: 'lo', ring: { blockSize: 8192, blockCount: 2 } });
        rx.on('frame', () => {});
        rx.unref();
        emit({ ok: true });
      })();`);
    expect(expectClean(r)).toEqual({ ok: true });
    expect(r.stderr).toBe('');
  });

  it('2,000 ring open/close cycles and 200 opens failing after the ring was mapped: no descriptor or mapping left', () => {
    const r = expectClean(
      runChild<{ fd0: number; fd1: number; maps0: number; maps1: number; failed: number; rss0: number; rss1: number }>(`
        const mappings = () => fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => / socket:\\[/.test(l)).length;
        (async () => {
          const ring = { blockSize: 65536, blockCount: 4 };
          const fd0 = fdCount(), maps0 = mappings(), rss0 = rssMb();
          for (let i = 0; i < 2000; i++) {
            const s = i % 2 ? sockit.PacketSocket.openSync({ interface: 'lo', ring }) : await sockit.PacketSocket.open({ interface: 'lo', mode: 'cooked', ring });
            if (i % 3 === 0) s.on('frame', () => {});
            await s.close();
          }
          // A fanout group in 'hash' mode: joining it in 'lb' mode fails after bind, i.e. after the ring was mapped.
          const member = await sockit.PacketSocket.open({ interface: 'lo', fanout: { id: 99, mode: 'hash' } });
          let failed = 0;
          for (let i = 0; i < 200; i++) {
            try { await sockit.PacketSocket.open({ interface: 'lo', fanout: { id: 99, mode: 'lb' }, ring }); } catch (e) { if (e.syscall === 'setsockopt') failed++; }
          }
          await member.close();
          const maps1 = mappings(); // before any garbage collection: unmapped explicitly, not by a finalizer
          global.gc();
          emit({ fd0, fd1: fdCount(), maps0, maps1, failed, rss0, rss1: rssMb() });
        })();`,
        { nodeArgs: ['--expose-gc'], timeoutMs: 240_000 },
      ),
    );
    expect(r.failed).toBe(200);
    expect(r.fd1).toBe(r.fd0);
    expect(r.maps1).toBe(r.maps0);
    expect(r.rss1 - r.rss0).toBeLessThan(100); // 2,200 × 256 KiB rings = 550 MB if any stayed mapped
  }, 250_000);
});
