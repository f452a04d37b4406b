import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  FrameInfo,
  PacketSocket,
  PcapWriter,
  UdpSocket,
  decodeFrame,
  SocketError,
  bpf,
  buildEthernet,
  buildUdpFrame,
  parseEthernet,
  readPcapFile,
} from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Host, Topology } from '../../helpers/testing';
import { describeWith, itWith } from '../../helpers/env';
import { ETHERTYPE, collect, mixedUdpFlood, seqFrame, sleep, udpDstPort } from './helpers';
import { corpus } from '../../formats/bpf/corpus';

describeWith(['netns', 'CAP_NET_RAW', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'PacketSocket over a veth pair', () => {
  let topo: Topology;
  let a: Host;
  let b: Host;
  let macA: string;
  let macB: string;
  const dir = mkdtempSync(join(tmpdir(), 'sockit-packet-'));
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

  it('raw frame arrives byte for byte with correct info', async () => {
    const tx = await open(a);
    const rx = await open(b);
    const frame = seqFrame(macA, macB, 1, 100);
    const pending = collect(rx, 2000, (n) => n >= 1);
    await sleep(5);
    await tx.send(frame);
    const [got] = await pending;
    expect(got?.frame.equals(frame)).toBe(true);
    expect(got?.info).toMatchObject({ interfaceName: 'veth0', protocol: ETHERTYPE, packetType: 'host', source: macA, length: 100, truncated: false });
    expect(got?.info.interfaceIndex).toBe(rx.interface?.index);
    expect(typeof got?.info.timestamp).toBe('bigint');
    const now = BigInt(Date.now()) * 1_000_000n;
    expect(Number(now - (got?.info.timestamp ?? 0n))).toBeLessThan(60e9);
    expect(got?.info.vlan).toBeUndefined();
    // Broadcast classification and 60-byte padding of a short frame.
    const short = buildEthernet({ destination: 'ff:ff:ff:ff:ff:ff', source: macA, etherType: ETHERTYPE, payload: Buffer.from('hi') });
    const p2 = collect(rx, 2000, (n) => n >= 1);
    await sleep(5);
    await tx.send(short);
    const [bc] = await p2;
    expect(bc?.info.packetType).toBe('broadcast');
    expect(bc?.frame.length).toBe(60);
    expect(bc?.frame.subarray(0, short.length).equals(short)).toBe(true);
    await Promise.all([tx.close(), rx.close()]);
    await tx.close(); // idempotent
    expect(() => tx.fd).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }));
  });

  it('kernel timestamps start with receiving: a send-only socket leaves SO_TIMESTAMPNS off; frames queued before are still stamped', async () => {
    const tx = await open(a);
    const rx = await open(b);
    expect(tx.getOption('SO_TIMESTAMPNS')).toBe(false);
    expect(rx.getOption('SO_TIMESTAMPNS')).toBe(false);
    const before = BigInt(Date.now() - 1000) * 1_000_000n;
    await tx.sendBatch([seqFrame(macA, macB, 7), seqFrame(macA, macB, 8)]); // queued in rx's kernel buffer, nobody reading
    await sleep(20);
    const got = await collect(rx, 2000, (n) => n >= 2);
    expect(rx.getOption('SO_TIMESTAMPNS')).toBe(true);
    expect(tx.getOption('SO_TIMESTAMPNS')).toBe(false); // sending never turned it on
    expect(got.map((g) => g.frame.readUInt32BE(14))).toEqual([7, 8]);
    const after = BigInt(Date.now() + 1000) * 1_000_000n;
    for (const g of got) {
      expect(g.info.timestamp > before && g.info.timestamp < after, String(g.info.timestamp)).toBe(true);
    }
    await Promise.all([tx.close(), rx.close()]);
  });

  it('cooked mode: the kernel builds and strips the link header', async () => {
    const tx = await open(a, { mode: 'cooked' });
    const rx = await open(b, { mode: 'cooked' });
    const payload = Buffer.from('cooked payload: no Ethernet header here');
    const pending = collect(rx, 2000, (n) => n >= 1);
    await sleep(5);
    await tx.send(payload, { destination: macB });
    const [got] = await pending;
    expect(got?.frame.subarray(0, payload.length).equals(payload)).toBe(true);
    expect(got?.info).toMatchObject({ source: macA, protocol: ETHERTYPE, packetType: 'host' });
    await expect(tx.send(payload)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await Promise.all([tx.close(), rx.close()]);
  });

  it('sendBatch entries with their own options: one sendmmsg, per-frame destination and protocol', async () => {
    const tx = await open(a, { mode: 'cooked' });
    const rx = await open(b, { mode: 'cooked' });
    const rx2 = await open(b, { mode: 'cooked', protocol: 0x88b6 });
    const got = collect(rx, 3000, (n) => n >= 2);
    const got2 = collect(rx2, 3000, (n) => n >= 1);
    await sleep(5);
    const p = (s: string): Buffer => Buffer.from(s.padEnd(46, '.'));
    const sent = await tx.sendBatch(
      [{ frame: p('to b'), destination: macB }, p('broadcast, from the common options'), { frame: p('to b, other EtherType'), destination: macB, protocol: 0x88b6 }],
      { destination: 'ff:ff:ff:ff:ff:ff' },
    );
    expect(sent).toBe(3);
    const frames = await got;
    expect(frames.map((f) => [f.frame.toString().replace(/\.+$/, ''), f.info.packetType])).toEqual([
      ['to b', 'host'],
      ['broadcast, from the common options', 'broadcast'],
    ]);
    const [other] = await got2;
    expect(other?.frame.toString().replace(/\.+$/, '')).toBe('to b, other EtherType');
    expect(other?.info.protocol).toBe(0x88b6);
    // errors name the entry; a plain frame still needs the common options
    await expect(tx.sendBatch([{ frame: p('x'), destination: 'zz' }])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('frames[0].destination') });
    await expect(tx.sendBatch([{ frame: p('x'), destination: macB }, p('y')])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('options.destination') });
    await Promise.all([tx.close(), rx.close(), rx2.close()]);
  });

  it('without an interface: receives on all interfaces, sends need one per call; receive() with timeout', async () => {
    const tx = await PacketSocket.open({ protocol: ETHERTYPE, netns: a.netns });
    const rx = await PacketSocket.open({ protocol: ETHERTYPE, netns: b.netns });
    expect(tx.interface).toBeUndefined();
    const frame = seqFrame(macA, macB, 77);
    await expect(tx.send(frame)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    const next = rx.receive({ timeout: 2000 });
    await sleep(5);
    await tx.send(frame, { interface: 'veth0' });
    const { frame: got, info } = await next;
    expect(got.equals(frame)).toBe(true);
    expect(info.interfaceName).toBe('veth0');
    await expect(rx.receive({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(tx.send(frame, { interface: 'nope0' })).rejects.toMatchObject({ code: 'ENODEV', syscall: 'ioctl' });
    await Promise.all([tx.close(), rx.close()]);
  });

  it('sendBatch of 10,000 frames arrives complete, content checked, drops accounted', async () => {
    const tx = await open(a);
    const rx = await open(b, { receiveBufferSize: 64 << 20 });
    const frames = Array.from({ length: 10_000 }, (_, i) => seqFrame(macA, macB, i, 64 + (i % 7)));
    const seen = new Map<number, Buffer>();
    rx.on('frame', (f: Buffer) => {
      seen.set(f.readUInt32BE(14), Buffer.from(f));
    });
    await sleep(5);
    expect(await tx.sendBatch(frames)).toBe(10_000);
    const deadline = Date.now() + 10_000;
    while (seen.size < 10_000 && Date.now() < deadline) await sleep(10);
    const stats = rx.stats();
    expect(seen.size + stats.dropped).toBe(10_000);
    expect(stats.dropped).toBe(0);
    for (const [seq, f] of seen) expect(f.equals(frames[seq] as Buffer)).toBe(true);
    expect(rx.stats().received).toBe(10_000); // accumulated across reads
    await Promise.all([tx.close(), rx.close()]);
  });

  it('the interface going down while receiving is an error event, not a crash; sending then fails with ENETDOWN', async () => {
    b.exec('ip', ['link', 'add', 'tmp0', 'type', 'veth', 'peer', 'name', 'tmp1']);
    b.exec('ip', ['link', 'set', 'tmp0', 'up']);
    b.exec('ip', ['link', 'set', 'tmp1', 'up']);
    try {
      const s = await PacketSocket.open({ interface: 'tmp0', protocol: ETHERTYPE, netns: b.netns });
      const errors: Error[] = [];
      s.on('error', (e: Error) => errors.push(e));
      s.on('frame', () => undefined);
      await sleep(10);
      b.exec('ip', ['link', 'set', 'tmp0', 'down']);
      const deadline = Date.now() + 2000;
      while (errors.length === 0 && Date.now() < deadline) await sleep(10);
      expect(errors[0]).toMatchObject({ name: 'SocketError', code: 'ENETDOWN', interface: 'tmp0' });
      await sleep(50);
      expect(errors.length).toBeLessThan(5); // reported, not spinning
      await expect(s.send(seqFrame(macB, macA, 1))).rejects.toMatchObject({ code: 'ENETDOWN' });
      await s.close();
    } finally {
      b.exec('ip', ['link', 'del', 'tmp0']);
    }
  });

  it('filter and setFilter take the filter language (tcpdump expressions), compiled by bpf.compile', async () => {
    const tx = await open(a);
    const rx = await open(b, { protocol: 'all', filter: 'ether proto 0x88b5' });
    // PacketSocket.interface carries the MAC and addresses (issue 13, item 3).
    expect(rx.interface?.mac).toBe(macB);
    expect(rx.interface?.addresses.map((x) => x.address)).toContain(b.address);
    const first = collect(rx, 3000, (n) => n >= 1);
    await sleep(5);
    await tx.send(seqFrame(macA, macB, 1, 64, 0x88b6)); // filtered out in the kernel
    await tx.send(seqFrame(macA, macB, 2, 64, 0x88b5));
    const got = await first;
    expect(got.map((g) => g.frame.readUInt16BE(12))).toEqual([0x88b5]);
    await rx.setFilter('ether proto 0x88b6');
    const second = collect(rx, 3000, (n) => n >= 1);
    await sleep(5);
    await tx.send(seqFrame(macA, macB, 3, 64, 0x88b5));
    await tx.send(seqFrame(macA, macB, 4, 64, 0x88b6));
    expect((await second).map((g) => g.frame.readUInt16BE(12))).toEqual([0x88b6]);
    await Promise.all([tx.close(), rx.close()]);
  });

  it("checksum state per frame: a kernel UDP send over veth is 'partial' (offloaded), never bad, with and without a ring", async () => {
    for (const ring of [false, true]) {
      // Outgoing frames of host a: the kernel leaves the UDP checksum to offload (CHECKSUM_PARTIAL).
      const cap = await PacketSocket.open({ interface: 'veth0', protocol: 'all', netns: a.netns, filter: 'udp dst port 7777', ...(ring ? { ring: { blockSize: 65536, blockCount: 4, blockTimeoutMs: 2 } } : {}) });
      const got = collect(cap, 3000, (n) => n >= 1);
      await sleep(5);
      const u = await UdpSocket.create({ netns: a.netns });
      await u.send('checksum', 7777, b.address);
      const frames = await got;
      expect(frames.length, ring ? 'ring' : 'recvmmsg').toBeGreaterThanOrEqual(1);
      expect(frames[0]?.info.checksum).toBe('partial');
      expect(decodeFrame(frames[0]!.frame, { checksum: frames[0]!.info.checksum }).udp?.checksumStatus).toBe('partial');
      await Promise.all([u.close(), cap.close()]);
    }
  });

  it('backpressure: EAGAIN queues sends until the socket is writable; nothing accepted is lost', async () => {
    // A slow qdisc holds frames, so a tiny send buffer fills and the kernel says EAGAIN.
    a.exec('tc', ['qdisc', 'add', 'dev', 'veth0', 'root', 'tbf', 'rate', '5mbit', 'burst', '4000', 'limit', '10000000']);
    try {
      const tx = await open(a, { sendBufferSize: 4096 });
      const rx = await open(b, { receiveBufferSize: 16 << 20 });
      const seen = new Set<number>();
      rx.on('frame', (f: Buffer) => seen.add(f.readUInt32BE(14)));
      await sleep(5);
      let accepted = 0;
      while (tx.trySend(seqFrame(macA, macB, 1_000_000 + accepted, 200))) accepted++;
      expect(accepted).toBeLessThan(1000); // trySend reported EAGAIN instead of queueing
      const batch = Array.from({ length: 2000 }, (_, i) => seqFrame(macA, macB, i, 200));
      const singles = Array.from({ length: 100 }, (_, i) => tx.send(seqFrame(macA, macB, 2000 + i, 200)));
      const [sent] = await Promise.all([tx.sendBatch(batch), ...singles]);
      expect(sent).toBe(2000);
      const deadline = Date.now() + 10_000;
      while (seen.size < 2100 + accepted && Date.now() < deadline) await sleep(20);
      for (let i = 0; i < 2100; i++) expect(seen.has(i)).toBe(true);
      expect(rx.stats().dropped).toBe(0);
      // Closing with sends still queued rejects them (ERR_SOCKET_CLOSED) and resolves close().
      while (tx.trySend(seqFrame(macA, macB, 3_000_000, 200)));
      const queued = tx.sendBatch(Array.from({ length: 500 }, (_, i) => seqFrame(macA, macB, 4_000_000 + i, 200)));
      const rejected = expect(queued).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
      await tx.close();
      await rejected;
      expect(tx.stats().sendQueue).toBe(0); // stats() still answers after close (the last kernel counters)
      await expect(tx.send(seqFrame(macA, macB, 1))).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
      await rx.close();
    } finally {
      a.exec('tc', ['qdisc', 'del', 'dev', 'veth0', 'root']);
    }
  });

  it("coalesce 'auto' (default): a lone send goes at once, a burst's rest in one sendmmsg at the end of the tick; a failing one rejects alone", async () => {
    const tx = await open(a);
    const rx = await open(b, { receiveBufferSize: 4 << 20 });
    const got = collect(rx, 5000, (n) => n >= 303);
    await sleep(5);
    const p0 = tx.send(seqFrame(macA, macB, 0));
    expect(tx.sendQueueLength).toBe(0); // in the kernel before send() returned
    await p0;
    for (let i = 1; i < 3; i++) {
      const p = tx.send(seqFrame(macA, macB, i));
      expect(tx.sendQueueLength).toBe(0); // awaited one by one: each is the first of its tick
      await p;
    }
    const ps: Promise<number>[] = [];
    for (let i = 3; i < 303; i++) ps.push(tx.send(seqFrame(macA, macB, i)));
    const tooLong = tx.send(Buffer.alloc(1600)); // gathered too: EMSGSIZE for it alone
    ps.push(tx.send(seqFrame(macA, macB, 303)));
    expect(tx.sendQueueLength).toBe(301); // the first went at once; 300 wait for the end of the tick
    await Promise.resolve();
    expect(tx.sendQueueLength).toBe(0);
    await expect(tooLong).rejects.toMatchObject({ code: 'EMSGSIZE', interface: 'veth0' });
    await Promise.all(ps);
    const frames = await got;
    expect(frames.map((f) => f.frame.readUInt32BE(14))).toEqual(Array.from({ length: 304 }, (_, i) => i));
    // trySend after gathered sends keeps the order (it flushes them first); coalesce: false sends each at once.
    const each = await open(a, { coalesce: false });
    const more = collect(rx, 5000, (n) => n >= 21);
    await sleep(5);
    for (let i = 0; i < 10; i++) void tx.send(seqFrame(macA, macB, 1000 + i));
    expect(tx.trySend(seqFrame(macA, macB, 1010))).toBe(true);
    for (let i = 0; i < 10; i++) void each.send(seqFrame(macA, macB, 2000 + i));
    expect(each.sendQueueLength).toBe(0);
    const seqs = (await more).map((f) => f.frame.readUInt32BE(14));
    expect(seqs.filter((s) => s < 2000)).toEqual(Array.from({ length: 11 }, (_, i) => 1000 + i));
    expect(seqs.filter((s) => s >= 2000)).toEqual(Array.from({ length: 10 }, (_, i) => 2000 + i));
    await expect(PacketSocket.open({ coalesce: 1 as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await Promise.all([tx.close(), rx.close(), each.close()]);
  });

  it('EMSGSIZE names the MTU', async () => {
    const tx = await open(a);
    const err = await tx.send(Buffer.alloc(1515 + 100)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocketError);
    expect(err).toMatchObject({ code: 'EMSGSIZE', interface: 'veth0' });
    expect(String((err as Error).message)).toMatch(/MTU of veth0 is 1500 bytes/);
    await tx.close();
  });

  it('promiscuous: a frame for another MAC arrives only with promiscuous on, and it is undone on close', async () => {
    // veth hands every frame to packet sockets; a bridge filters by MAC like a NIC does.
    b.exec('ip', ['link', 'add', 'br0', 'type', 'bridge']);
    b.exec('ip', ['link', 'set', 'veth0', 'master', 'br0']);
    b.exec('ip', ['link', 'set', 'br0', 'up']);
    try {
      const tx = await open(a);
      const rx = await PacketSocket.open({ interface: 'br0', protocol: ETHERTYPE, netns: b.netns });
      const other = seqFrame(macA, '02:00:00:00:99:99', 7);
      const off = collect(rx, 300);
      await sleep(5);
      await tx.send(other);
      expect(await off).toHaveLength(0);
      rx.setPromiscuous(true);
      expect(b.exec('ip', ['-d', 'link', 'show', 'br0'])).toMatch(/promiscuity 1/);
      const on = collect(rx, 2000, (n) => n >= 1);
      await sleep(5);
      await tx.send(other);
      const got = await on;
      expect(got).toHaveLength(1);
      expect(got[0]?.info.packetType).toBe('otherhost');
      await rx.close();
      expect(b.exec('ip', ['-d', 'link', 'show', 'br0'])).toMatch(/promiscuity 0/);
      await tx.close();
    } finally {
      b.exec('ip', ['link', 'set', 'veth0', 'nomaster']);
      b.exec('ip', ['link', 'del', 'br0']);
    }
  });

  it('VLAN: the stripped tag is reported and re-inserted (or left out on request)', async () => {
    const tx = await open(a);
    const rx = await open(b, { protocol: 'all', filter: bpf.vlan() });
    const bare = await open(b, { protocol: 'all', filter: bpf.vlan(), reinsertVlan: false });
    const tagged = buildEthernet({ destination: macB, source: macA, etherType: ETHERTYPE, vlans: [{ id: 100, priority: 5, dropEligible: true }], payload: Buffer.alloc(60, 3) });
    const p1 = collect(rx, 2000, (n) => n >= 1);
    const p2 = collect(bare, 2000, (n) => n >= 1);
    await sleep(5);
    await tx.send(tagged);
    const [got] = await p1;
    expect(got?.info.vlan).toEqual({ id: 100, priority: 5, dropEligible: true, tpid: 0x8100 });
    expect(got?.frame.equals(tagged)).toBe(true);
    expect(got?.info.length).toBe(tagged.length);
    const [plain] = await p2;
    expect(plain?.info.vlan?.id).toBe(100);
    expect(parseEthernet(plain?.frame as Buffer).vlans).toEqual([]);
    expect(plain?.frame.length).toBe(tagged.length - 4);
    await Promise.all([tx.close(), rx.close(), bare.close()]);
  });

  it('filter: only matching frames arrive, from the first frame on, and across setFilter', async () => {
    const tx = await open(a, { protocol: 'all' });
    // Keep a flood of mixed traffic going while the receiver opens and changes filters.
    const flood = mixedUdpFlood(tx, macA, macB);
    const portOf = udpDstPort;
    const rx = await open(b, { protocol: 'all', filter: bpf.udpPort(5000, 'dst') });
    const first = await collect(rx, 300);
    expect(first.length).toBeGreaterThan(0);
    expect(new Set(first.map((g) => portOf(g.frame)))).toEqual(new Set([5000]));
    // Replace the filter while frames keep coming: nothing matching the old one arrives afterwards.
    // Given as `tcpdump -dd` text (made from the builder, so no tcpdump is needed here).
    const texts = bpf.compile(bpf.udpPort(6000, 'dst')).map((i) => `{ 0x${i.code.toString(16)}, ${i.jt}, ${i.jf}, 0x${(i.k >>> 0).toString(16).padStart(8, '0')} },`).join('\n');
    const got: number[] = [];
    rx.on('frame', (f: Buffer) => got.push(portOf(f)));
    await rx.setFilter(texts);
    await sleep(300);
    expect(got.length).toBeGreaterThan(0);
    expect(new Set(got)).toEqual(new Set([6000]));
    await flood.stop();
    await Promise.all([tx.close(), rx.close()]);
  });

  it('kernel and interpreter agree on which frames a filter accepts', async () => {
    const frames = corpus().filter((f) => f.length >= 14);
    const filters: bpf.FilterExpression[] = [
      bpf.udpPort(5000),
      bpf.udpPort(5000, 'src'),
      bpf.tcpPort(80),
      bpf.ipProtocol('udp', 'ipv6'),
      bpf.vlan(100),
      bpf.vlan(),
      bpf.srcMac('02:00:00:00:00:0b'),
      bpf.and(bpf.dstMac('02:00:00:00:00:0b'), bpf.not(bpf.ipv4())),
      bpf.or(bpf.etherType(0x0806), bpf.etherType(0x88b5)),
    ];
    const tx = await open(a, { protocol: 'all', pad: false });
    for (const f of filters) {
      const program = bpf.compile(f);
      const rx = await open(b, { protocol: 'all', filter: program });
      const pending = collect(rx, 400);
      await sleep(5);
      for (const fr of frames) await tx.send(fr);
      const got = await pending;
      const kernel = frames.map((fr) => got.some((g) => g.frame.equals(fr)));
      const interpreted = frames.map((fr) => {
        // The kernel runs filters on the frame with its VLAN tag moved into metadata.
        const e = parseEthernet(fr);
        const tag = e.vlans[0];
        if (!tag) return bpf.runBpf(program, fr) > 0;
        const stripped = Buffer.concat([fr.subarray(0, 12), fr.subarray(16)]);
        return bpf.runBpf(program, stripped, { vlanTci: (tag.priority << 13) | (tag.dropEligible ? 0x1000 : 0) | tag.id, vlanTpid: tag.tpid }) > 0;
      });
      expect({ filter: JSON.stringify(f).slice(0, 80), kernel }).toEqual({ filter: JSON.stringify(f).slice(0, 80), kernel: interpreted });
      await rx.close();
    }
    await tx.close();
  });

  it('fanout: two sockets in one group share the load and together see every frame once', async () => {
    const tx = await open(a);
    const r1 = await open(b, { fanout: { id: 4242, mode: 'lb' }, receiveBufferSize: 16 << 20 });
    const r2 = await open(b, { fanout: { id: 4242, mode: 'lb' }, receiveBufferSize: 16 << 20 });
    const s1: number[] = [];
    const s2: number[] = [];
    r1.on('frame', (f: Buffer) => s1.push(f.readUInt32BE(14)));
    r2.on('frame', (f: Buffer) => s2.push(f.readUInt32BE(14)));
    await sleep(5);
    await tx.sendBatch(Array.from({ length: 1000 }, (_, i) => seqFrame(macA, macB, i)));
    const deadline = Date.now() + 5000;
    while (s1.length + s2.length < 1000 && Date.now() < deadline) await sleep(10);
    expect(s1.length).toBeGreaterThan(0);
    expect(s2.length).toBeGreaterThan(0);
    const all = [...s1, ...s2].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(r1.stats().dropped + r2.stats().dropped).toBe(0);
    await Promise.all([tx.close(), r1.close(), r2.close()]);
  });

  it('async iteration, addMembership, stats and options', async () => {
    const tx = await open(a);
    const rx = await open(b);
    rx.addMembership('01:00:5e:00:00:fb');
    expect(() => rx.addMembership('nope')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    rx.setOption('SO_RCVBUF', 1 << 20);
    expect(rx.getOption('SO_RCVBUF')).toBeGreaterThanOrEqual(1 << 20);
    const it = rx[Symbol.asyncIterator]();
    const frames = [1, 2, 3].map((i) => seqFrame(macA, '01:00:5e:00:00:fb', i));
    await sleep(5);
    await tx.sendBatch(frames);
    for (const f of frames) {
      const r = await it.next();
      expect(r.done).toBe(false);
      expect(r.value.frame.equals(f)).toBe(true);
      expect(r.value.info.packetType).toBe('multicast');
    }
    const closing = rx.close();
    expect((await it.next()).done).toBe(true);
    await closing;
    await tx.close();
  });

  it("reports this host's transmitted frames as outgoing, unless ignoreOutgoing", async () => {
    // Only ETH_P_ALL sockets see outgoing frames, and never the socket that sent them.
    const tx = await open(a);
    const seeOwn = await open(a, { protocol: 'all', filter: bpf.etherType(ETHERTYPE) });
    const blind = await open(a, { protocol: 'all', filter: bpf.etherType(ETHERTYPE), ignoreOutgoing: true });
    const p1 = collect(seeOwn, 2000, (n) => n >= 1);
    const p2 = collect(blind, 400);
    await sleep(5);
    const frame = seqFrame(macA, macB, 9);
    await tx.send(frame);
    const [own] = await p1;
    expect(own?.info.packetType).toBe('outgoing');
    expect(own?.frame.equals(frame)).toBe(true);
    expect(await p2).toHaveLength(0);
    await Promise.all([tx.close(), seeOwn.close(), blind.close()]);
  });

  it('a PacketSocket in a Worker that is terminated while receiving leaks nothing and crashes nothing', async () => {
    const { Worker } = await import('node:worker_threads');
    const { readdirSync } = await import('node:fs');
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    const tx = await open(a);
    const flood = setInterval(() => void tx.sendBatch(Array.from({ length: 64 }, (_, i) => seqFrame(macA, macB, i))).catch(() => undefined), 1);
    for (let round = 0; round < 3; round++) {
      const w = new Worker(
        `const { parentPort, workerData } = require('node:worker_threads');
         const { PacketSocket } = require(workerData.lib);
         PacketSocket.open({ interface: 'veth0', protocol: ${ETHERTYPE}, netns: workerData.netns }).then((s) => {
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
    clearInterval(flood);
    await tx.close();
    await sleep(50);
    expect(fds()).toBeLessThanOrEqual(before);
  });

  itWith(['tool:tcpdump'], 'sniffs into a pcap that tcpdump reads, and reads back what tcpdump captured', async () => {
    const frames = Array.from({ length: 20 }, (_, i) => buildUdpFrame({ sourceMac: macA, destinationMac: macB, source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 4000 + i, destinationPort: 5000, payload: Buffer.from(`frame ${i}`) }));
    const ours = join(dir, 'sniff.pcap');
    const theirs = join(dir, 'tcpdump.pcap');
    const td = b.spawn('tcpdump', ['-i', 'veth0', '-w', theirs, '-c', '20', '-U', '--time-stamp-precision=nano', 'udp dst port 5000'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let tdErr = '';
    td.stderr?.on('data', (d: Buffer) => {
      tdErr += d.toString();
    });
    const tx = await open(a);
    const rx = await open(b, { protocol: 'all', filter: bpf.udpPort(5000, 'dst') });
    const w = await PcapWriter.create(ours, { precision: 'nanosecond' });
    rx.on('frame', (f: Buffer, info: FrameInfo) => w.write(f, { timestamp: info.timestamp, originalLength: info.length }));
    // tcpdump says "listening on veth0" once its capture is attached.
    for (let i = 0; i < 500 && !/listening on veth0/.test(tdErr); i++) await sleep(10);
    expect(tdErr).toMatch(/listening on veth0/);
    await tx.sendBatch(frames);
    const exited = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => {
        td.kill('SIGTERM');
      }, 5000);
      td.on('exit', (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });
    expect(exited).toBe(0);
    await rx.close();
    await w.close();
    const text = execFileSync('tcpdump', ['-r', ours, '-nn', '-vv'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(text.trim().split('\n').filter((l) => /> 198\.18\.0\.2\.5000: \[udp sum ok\] UDP/.test(l))).toHaveLength(20);
    const back = [];
    for await (const r of readPcapFile(theirs)) back.push(r);
    expect(back.map((r) => r.data)).toEqual(frames);
    // And tcpdump's own view of its timestamps matches what we read.
    const ts = execFileSync('tcpdump', ['-r', theirs, '-tt', '-nn', '--nano'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(back.map((r) => r.timestamp)).toEqual(ts.trim().split('\n').map((l) => BigInt((l.split(' ')[0] as string).replace('.', ''))));
    expect(readFileSync(ours).readUInt32LE(0)).toBe(0xa1b23c4d);
    await tx.close();
  });
});

describeWith(['netns', 'tool:setpriv'], 'PacketSocket without CAP_NET_RAW', () => {
  it('rejects with EPERM and says exactly what to do', () => {
    const script = `
      const { PacketSocket } = require(${JSON.stringify(join(__dirname, '../../../dist/index.js'))});
      PacketSocket.open({ protocol: 'all' }).then(() => console.log(JSON.stringify({ ok: true })),
        (e) => console.log(JSON.stringify({ name: e.name, code: e.code, syscall: e.syscall, message: e.message })));`;
    const r = spawnSync('setpriv', ['--bounding-set=-net_raw', '--inh-caps=-net_raw', process.execPath, '-e', script], { encoding: 'utf8' });
    const out = JSON.parse(r.stdout.trim()) as { name: string; code: string; syscall: string; message: string };
    expect(out).toMatchObject({ name: 'SocketError', code: 'EPERM', syscall: 'socket' });
    expect(out.message).toMatch(/CAP_NET_RAW/);
    expect(out.message).toMatch(/setcap cap_net_raw\+ep/);
    expect(out.message).toMatch(/root/);
  });
});

describeWith(['netns', 'CAP_NET_RAW', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'BPF interpreter vs kernel execution (random programs)', () => {
  let topo: Topology;
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']], ipv6: false });
  });
  afterAll(() => topo?.destroy());

  it('accept/drop and the truncation length match for 120 random programs over 6 frames', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const macA = a.interfaces[0]?.mac as string;
    const macB = b.interfaces[0]?.mac as string;
    const { BPF, SKF, insn } = bpf;
    let seed = 99;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const anc = [SKF.AD_PROTOCOL, SKF.AD_PKTTYPE, SKF.AD_IFINDEX, SKF.AD_HATYPE, SKF.AD_MARK, SKF.AD_VLAN_TAG_PRESENT, SKF.AD_ALU_XOR_X];
    const kOf = (): number => [rnd(80), rnd(8), rnd(256), 14 + rnd(4), (SKF.AD_OFF + (anc[rnd(anc.length)] as number)) >>> 0, (SKF.LL_OFF + rnd(40)) >>> 0, (SKF.NET_OFF + rnd(40)) >>> 0, 0xfffffff0, 0x7fffffff][rnd(9)] as number;
    const ops = [
      () => insn(BPF.LD | [BPF.W, BPF.H, BPF.B][rnd(3)]! | BPF.ABS, kOf()),
      () => insn(BPF.LD | [BPF.W, BPF.H, BPF.B][rnd(3)]! | BPF.IND, rnd(64)),
      () => insn(BPF.LDX | BPF.B | BPF.MSH, rnd(40)),
      () => insn(BPF.LDX | BPF.IMM, rnd(70)),
      () => insn(BPF.LD | BPF.W | BPF.LEN),
      () => insn(BPF.ALU | [BPF.ADD, BPF.SUB, BPF.MUL, BPF.AND, BPF.OR, BPF.XOR, BPF.RSH, BPF.LSH][rnd(8)]! | BPF.K, rnd(31) + 1),
      () => insn(BPF.ALU | [BPF.ADD, BPF.SUB, BPF.MUL, BPF.DIV, BPF.MOD, BPF.AND, BPF.LSH, BPF.RSH][rnd(8)]! | BPF.X),
      () => insn(BPF.ALU | BPF.DIV | BPF.K, rnd(7) + 1),
      () => insn(BPF.MISC | [BPF.TAX, BPF.TXA][rnd(2)]!),
      () => insn(BPF.ST, rnd(4)),
      () => insn(BPF.JMP | [BPF.JEQ, BPF.JGT, BPF.JGE, BPF.JSET][rnd(4)]! | BPF.K, rnd(300), rnd(2), rnd(2)),
      () => insn(BPF.ALU | BPF.NEG),
    ];
    const programs: bpf.BpfProgram[] = [];
    while (programs.length < 120) {
      const body = Array.from({ length: 2 + rnd(7) }, () => (ops[rnd(ops.length)] as () => bpf.BpfInstruction)());
      const prog = [...body, rnd(4) ? insn(BPF.RET | BPF.A) : insn(BPF.RET | BPF.K, rnd(100)), insn(BPF.RET | BPF.K, 0xffff)];
      try {
        programs.push(bpf.validateBpf(prog));
      } catch {
        /* invalid draw: try again */
      }
    }
    const frames = Array.from({ length: 6 }, (_, i) => {
      const f = Buffer.alloc(60 + i * 37);
      for (let j = 14; j < f.length; j++) f[j] = (j * 31 + i * 17) & 0xff;
      f[14] = 0x40 | (5 + i); // an IHL nibble for ldx msh
      return buildEthernet({ destination: macB, source: macA, etherType: ETHERTYPE, payload: f.subarray(14) });
    });
    const socks = await Promise.all(programs.map((p) => PacketSocket.open({ interface: 'veth0', protocol: ETHERTYPE, netns: b.netns, filter: p, receiveBufferSize: 1 << 20 })));
    const ifindex = socks[0]?.interface?.index as number;
    const got = socks.map(() => [] as Buffer[]);
    socks.forEach((s, i) => s.on('frame', (f: Buffer) => (got[i] as Buffer[]).push(Buffer.from(f))));
    const tx = await PacketSocket.open({ interface: 'veth0', protocol: ETHERTYPE, netns: a.netns, pad: false });
    await sleep(20);
    await tx.sendBatch(frames);
    await sleep(500);
    let accepted = 0;
    let truncated = 0;
    for (let i = 0; i < programs.length; i++) {
      const expected = frames.flatMap((f) => {
        const r = bpf.runBpf(programs[i] as bpf.BpfProgram, f, { protocol: ETHERTYPE, packetType: 0, ifindex, hatype: 1 });
        if (r > 0) accepted++;
        if (r > 0 && r < f.length) truncated++;
        return r === 0 ? [] : [f.subarray(0, Math.min(r, f.length)).toString('hex')];
      });
      expect({ program: programs[i], frames: (got[i] as Buffer[]).map((f) => f.toString('hex')) }).toEqual({ program: programs[i], frames: expected });
    }
    // The draw exercises all three outcomes: drop, accept whole, accept cut short.
    expect(accepted).toBeGreaterThan(60);
    expect(truncated).toBeGreaterThan(20);
    expect(accepted).toBeLessThan(programs.length * frames.length);
    await Promise.all([tx.close(), ...socks.map((s) => s.close())]);
  });
});
