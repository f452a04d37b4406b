// UDP GSO (send: one buffer → several datagrams, UDP_SEGMENT) and GRO
// (receive: coalesced buffers split back into datagrams, UDP_GRO), over
// loopback and over a veth pair between two namespaces:
//   a (veth0 198.18.0.1, fd00:5f::1) <-> b (veth0 198.18.0.2, fd00:5f::2)
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { UdpSocket } from '../../helpers/sockit';
import type { MessageInfo } from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Host, Topology } from '../../helpers/testing';
import { describeWith } from '../../helpers/env';
import { Pool, collect, gather } from './helpers';

const pool = new Pool();
let topo: Topology | undefined;
let a: Host, b: Host;

afterEach(() => pool.closeAll());
afterAll(() => topo?.destroy());

/** `n` segments of `seg` bytes (the last `last` bytes long), segment k filled with byte k+1 and its index in byte 0. */
function payload(seg: number, n: number, last = seg, tag = 0): Buffer {
  const buf = Buffer.alloc(seg * (n - 1) + last);
  for (let k = 0; k < n; k++) {
    const part = buf.subarray(k * seg, Math.min((k + 1) * seg, buf.length));
    part.fill((k + 1 + tag) & 0xff);
    part[0] = k;
    if (part.length > 1) part[1] = tag;
  }
  return buf;
}

/** The datagrams `payload()` must arrive as. */
function segmentsOf(buf: Buffer, seg: number): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < buf.length; o += seg) out.push(buf.subarray(o, Math.min(o + seg, buf.length)));
  return out;
}

function hex(list: Array<{ data: Buffer }>): string[] {
  return list.map((m) => m.data.toString('hex'));
}

describeWith(['netns'], 'UDP GSO/GRO on loopback', () => {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const lo = family === 'ipv4' ? '127.0.0.1' : '::1';

    it(`${family}: a GSO send of 5 segments arrives as 5 datagrams at a normal receiver`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const tx = pool.add(await UdpSocket.create({ family }));
      const data = payload(1000, 5, 300);
      const got = collect(rx, 5);
      expect(await tx.send(data, { address: lo, port: rx.address().port, segmentSize: 1000 })).toBe(data.length);
      const msgs = await got;
      expect(hex(msgs)).toEqual(hex(segmentsOf(data, 1000).map((d) => ({ data: d }))));
      expect(msgs.map((m) => m.info.size)).toEqual([1000, 1000, 1000, 1000, 300]);
      expect(msgs.every((m) => m.info.segments === undefined)).toBe(true);
      expect(rx.stats().received).toBe(5);
    });

    it(`${family}: with receive.gro a burst of GSO sends is split back into exact datagrams`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0, receive: { gro: true } }));
      const tx = pool.add(await UdpSocket.create({ family }));
      expect(rx.getOption('UDP_GRO')).toBe(true);
      const seg = 1200;
      const sends = [payload(seg, 7, seg, 1), payload(seg, 3, 17, 2), payload(seg, 40, 999, 3), payload(seg, 1, 50, 4)];
      const expected = sends.flatMap((d) => segmentsOf(d, seg));
      // Raw buffers as received, to prove the kernel did coalesce (so the split is exercised).
      const raw: number[] = [];
      rx.on('batch', (batch) => {
        for (let i = 0; i < batch.count; i++) raw.push(batch.segmentSize(i));
      });
      const got = collect(rx, expected.length);
      for (const d of sends) await tx.send(d, { address: lo, port: rx.address().port, segmentSize: seg });
      const msgs = await got;
      expect(msgs.length).toBe(expected.length);
      expect(hex(msgs)).toEqual(hex(expected.map((d) => ({ data: d }))));
      expect(msgs.map((m) => m.info.size)).toEqual(expected.map((d) => d.length));
      expect(raw.some((s) => s === seg)).toBe(true); // at least one coalesced buffer was split
      expect(msgs.some((m) => (m.info.segments ?? 0) > 1)).toBe(true);
      expect(msgs.every((m) => m.info.port === tx.address().port && !m.info.truncated)).toBe(true);
      expect(rx.stats().received).toBe(expected.length);
      // nothing more than the expected datagrams
      expect(await gather(rx, 100)).toEqual([]);
    });

    it(`${family}: GRO split also feeds async iteration with per-datagram info`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0, maxMessageSize: 2000, receive: { gro: true, packetInfo: true } }));
      const tx = pool.add(await UdpSocket.create({ family }));
      const data = payload(500, 10, 123, 9);
      const iter = rx[Symbol.asyncIterator](); // iterating before the datagrams arrive
      await tx.send(data, { address: lo, port: rx.address().port, segmentSize: 500 });
      const out: Array<{ data: Buffer; info: MessageInfo }> = [];
      while (out.length < 10) {
        const r = await iter.next();
        if (r.done) break;
        out.push({ data: Buffer.from(r.value.data), info: r.value.info });
      }
      await iter.return?.();
      expect(hex(out)).toEqual(hex(segmentsOf(data, 500).map((d) => ({ data: d }))));
      expect(out.map((m) => m.info.size)).toEqual([...Array(9).fill(500), 123]);
      expect(out.every((m) => m.info.destination === lo && !m.info.truncated)).toBe(true);
    });

    it(`${family}: the socket-wide gso option segments every large send`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const tx = pool.add(await UdpSocket.create({ family, gso: 256 }));
      expect(tx.getOption('UDP_SEGMENT')).toBe(256);
      const data = payload(256, 4, 10);
      const got = collect(rx, 4);
      await tx.send(data, rx.address().port, lo);
      expect(hex(await got)).toEqual(hex(segmentsOf(data, 256).map((d) => ({ data: d }))));
      tx.setGso(0);
      const one = collect(rx, 1);
      await tx.send(data, rx.address().port, lo);
      expect((await one)[0]!.info.size).toBe(data.length);
    });

    it(`${family}: GSO and GRO are off by default`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const tx = pool.add(await UdpSocket.create({ family }));
      expect(rx.getOption('UDP_GRO')).toBe(false);
      expect(tx.getOption('UDP_SEGMENT')).toBe(0);
      const data = payload(1000, 3);
      const got = collect(rx, 1);
      await tx.send(data, rx.address().port, lo);
      const [m] = await got;
      expect(m!.data.equals(data)).toBe(true);
      expect(m!.info.size).toBe(3000);
      expect(m!.info.segments).toBeUndefined();
    });

    it(`${family}: gso 'auto' hands a tick's equal-size sends to the kernel as GSO messages; they arrive exact and in order`, async () => {
      // Loopback does no GRO of its own: a GRO receiver sees coalesced buffers only when the sender used GSO.
      const sizes = [...Array<number>(40).fill(1000), 500, ...Array<number>(30).fill(1000), 700, 64, 64, 1000, 1];
      const datas = sizes.map((n, k) => Buffer.alloc(n, k + 1));
      for (const gso of ['auto', 0] as const) {
        const plain = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
        const gro = pool.add(await UdpSocket.create({ family, address: lo, port: 0, receive: { gro: true } }));
        const tx = pool.add(await UdpSocket.create({ family, gso }));
        const raw: number[] = [];
        gro.on('batch', (batch) => {
          for (let i = 0; i < batch.count; i++) raw.push(batch.segmentSize(i));
        });
        for (const rx of [plain, gro]) {
          const got = collect(rx, datas.length);
          const sent = await Promise.all(datas.map((d) => tx.send(d, rx.address().port, lo)));
          expect(sent).toEqual(sizes);
          const msgs = await got;
          expect(hex(msgs)).toEqual(hex(datas.map((d) => ({ data: d }))));
          expect(msgs.every((m) => m.info.port === tx.address().port)).toBe(true);
        }
        expect(raw.some((n) => n > 0)).toBe(gso === 'auto');
        expect(tx.stats()).toMatchObject({ sent: 2 * datas.length, gsoDisabled: false });
      }
    });

    it(`${family}: gso 'auto' gathers sendBatch too, and never re-segments a send that has its own segmentSize`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0, receive: { gro: true } }));
      const tx = pool.add(await UdpSocket.create({ family, gso: 'auto' }));
      const port = rx.address().port;
      const raw: number[] = [];
      rx.on('batch', (batch) => {
        for (let i = 0; i < batch.count; i++) raw.push(batch.segmentSize(i));
      });
      const datas = Array.from({ length: 100 }, (_, k) => Buffer.alloc(200, k));
      const got = collect(rx, 100);
      expect(await tx.sendBatch(datas, { address: lo, port })).toBe(100);
      expect(hex(await got)).toEqual(hex(datas.map((d) => ({ data: d }))));
      expect(raw.filter((n) => n > 0)).toContain(200);
      // Each of these is one GSO send of its own (3 segments of 100): gathering them would make 300-byte datagrams.
      const d = payload(100, 3, 100, 7);
      const three = collect(rx, 9);
      await Promise.all([0, 1, 2].map(() => tx.send(d, { address: lo, port, segmentSize: 100 })));
      expect((await three).map((m) => m.info.size)).toEqual(Array(9).fill(100));
      expect(() => tx.setGso('auto')).not.toThrow();
      await expect(UdpSocket.create({ gso: 'on' as unknown as number })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    });

    it(`${family}: sendBatch carries segmentSize per message and for the whole batch`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0, receive: { gro: true } }));
      const tx = pool.add(await UdpSocket.create({ family }));
      const port = rx.address().port;
      const d1 = payload(100, 3, 100, 1);
      const d2 = payload(300, 2, 5, 2);
      const got = collect(rx, 5);
      expect(await tx.sendBatch([{ data: d1, address: lo, port, segmentSize: 100 }, { data: d2, address: lo, port, segmentSize: 300 }])).toBe(2);
      expect(hex(await got)).toEqual(hex([...segmentsOf(d1, 100), ...segmentsOf(d2, 300)].map((d) => ({ data: d }))));
      const all = collect(rx, 6);
      await tx.sendBatch([d1, d1], { address: lo, port, segmentSize: 100 });
      expect((await all).map((m) => m.info.size)).toEqual([100, 100, 100, 100, 100, 100]);
    });
  }

  it('segmentSize validation: range, 64 segments, 65507 bytes', async () => {
    const tx = pool.add(await UdpSocket.create({ family: 'ipv4' }));
    const to = { address: '127.0.0.1', port: 9 };
    await expect(tx.send(Buffer.alloc(10), { ...to, segmentSize: 0 })).rejects.toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    await expect(tx.send(Buffer.alloc(10), { ...to, segmentSize: 65508 })).rejects.toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    await expect(tx.send(Buffer.alloc(10), { ...to, segmentSize: 1.5 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(tx.send(Buffer.alloc(65 * 100), { ...to, segmentSize: 100 })).rejects.toThrow(/64 segments/);
    await expect(tx.send(Buffer.alloc(64 * 100 + 1), { ...to, segmentSize: 100 })).rejects.toMatchObject({ name: 'RangeError' });
    await expect(tx.send(Buffer.alloc(65508), { ...to, segmentSize: 65000 })).rejects.toThrow(/65507/);
    expect(() => tx.trySend(Buffer.alloc(6500), { ...to, segmentSize: 100 })).toThrow(RangeError);
    await expect(tx.sendBatch([{ data: Buffer.alloc(6500), ...to, segmentSize: 100 }])).rejects.toThrow(RangeError);
    await expect(tx.sendBatch([Buffer.alloc(6500)], { ...to, segmentSize: 100 })).rejects.toThrow(RangeError);
    await expect(UdpSocket.create({ gso: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(UdpSocket.create({ receive: { gro: 1 as unknown as boolean } })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(() => tx.setGso(-1)).toThrow(RangeError);
    // exactly at the limits is accepted (nobody listens on port 9; UDP does not care)
    await expect(tx.send(Buffer.alloc(6400), { ...to, segmentSize: 100 })).resolves.toBe(6400);
    expect(tx.stats().sent).toBe(1);
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'UDP GSO/GRO over a veth pair', () => {
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
    a = topo.host('a');
    b = topo.host('b');
  });

  for (const family of ['ipv4', 'ipv6'] as const) {
    const v4 = family === 'ipv4';
    const addrB = (): string => (v4 ? b.address : b.address6);
    const seg = 1400; // + 28/48 bytes of headers fits the 1500-byte veth MTU

    it(`${family}: a GSO send of 8 segments arrives as 8 datagrams on the other host`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, port: 0, netns: b.netns }));
      const tx = pool.add(await UdpSocket.create({ family, netns: a.netns }));
      const data = payload(seg, 8, 77, 5);
      const got = collect(rx, 8);
      await tx.send(data, { address: addrB(), port: rx.address().port, segmentSize: seg });
      const msgs = await got;
      expect(hex(msgs)).toEqual(hex(segmentsOf(data, seg).map((d) => ({ data: d }))));
      expect(msgs.every((m) => m.info.address === (v4 ? a.address : a.address6))).toBe(true);
    });

    it(`${family}: with receive.gro a burst of GSO sends arrives split and exact`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, port: 0, netns: b.netns, receive: { gro: true } }));
      const tx = pool.add(await UdpSocket.create({ family, netns: a.netns }));
      const sends = [payload(seg, 20, seg, 1), payload(seg, 5, 1, 2), payload(seg, 46, 600, 3)];
      const expected = sends.flatMap((d) => segmentsOf(d, seg));
      const got = collect(rx, expected.length);
      for (const d of sends) await tx.send(d, { address: addrB(), port: rx.address().port, segmentSize: seg });
      const msgs = await got;
      expect(hex(msgs)).toEqual(hex(expected.map((d) => ({ data: d }))));
      expect(msgs.map((m) => m.info.size)).toEqual(expected.map((d) => d.length));
      expect(msgs.some((m) => (m.info.segments ?? 0) > 1)).toBe(true); // veth kept the GSO packets whole: the split ran
      expect(rx.stats().received).toBe(expected.length);
      expect(await gather(rx, 100)).toEqual([]);
    });

    it(`${family}: gso 'auto' falls back to plain datagrams when the path refuses GSO, and says so in stats()`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, port: 0, netns: b.netns }));
      const tx = pool.add(await UdpSocket.create({ family, netns: a.netns, gso: 'auto' }));
      // 2000-byte datagrams over a 1500-byte MTU: plain ones are fragmented, a GSO message of them is refused.
      const datas = Array.from({ length: 6 }, (_, k) => Buffer.alloc(2000, k + 1));
      const got = collect(rx, 6);
      expect(await Promise.all(datas.map((d) => tx.send(d, rx.address().port, addrB())))).toEqual(Array(6).fill(2000));
      expect(hex(await got)).toEqual(hex(datas.map((d) => ({ data: d }))));
      expect(tx.stats().gsoDisabled).toBe(true);
      const more = collect(rx, 3);
      await Promise.all(datas.slice(0, 3).map((d) => tx.send(d, rx.address().port, addrB())));
      expect((await more).map((m) => m.info.size)).toEqual([2000, 2000, 2000]);
    });

    it(`${family}: a segment larger than the path MTU fails with a SocketError and a hint`, async () => {
      const tx = pool.add(await UdpSocket.create({ family, netns: a.netns }));
      const err = await tx.send(Buffer.alloc(6000), { address: addrB(), port: 9, segmentSize: 2000 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'SocketError', syscall: 'sendmsg' });
      expect(['EINVAL', 'EMSGSIZE']).toContain((err as { code: string }).code); // EMSGSIZE since Linux 6.x
      expect((err as { hint?: string }).hint).toMatch(/MTU/);
    });
  }
});
