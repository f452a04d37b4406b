// The error queue as 'transportError' events (issue 12 item 3), each rule as
// a test, and Bun's regressions (oven-sh/bun #29473 busy loop, #29135 an
// unrelated send failing with ECONNREFUSED, #36249/#35922 an uncaught fatal
// error) reproduced against sockit.
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { PingSocket, RawSocket, UdpSocket, echoRequest, parseIcmpv4 } from '../../helpers/sockit';
import type { TransportError } from '../../helpers/sockit';
import { closeAfterEach } from '../../helpers/close';
import { describeWith } from '../../helpers/env';
import { addressOf, useIcmpTopology } from '../../helpers/icmp-topology';

const keep = closeAfterEach();

function nextTransportError(s: { once(ev: 'transportError', f: (e: TransportError) => void): unknown }, ms = 3000): Promise<TransportError> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no transportError')), ms);
    s.once('transportError', (e) => {
      clearTimeout(t);
      resolve(e);
    });
  });
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describeWith(['netns'], 'the error queue on loopback', () => {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const lo = family === 'ipv4' ? '127.0.0.1' : '::1';

    it(`${family}: a closed port comes back as a typed TransportError, not 'error'`, async () => {
      const s = keep(await UdpSocket.create({ family }));
      const errors: Error[] = [];
      s.on('error', (e) => errors.push(e));
      const te = nextTransportError(s);
      await s.send('probe', 9, lo);
      const e = await te;
      expect(e).toMatchObject({ errno: -111, error: 'ECONNREFUSED', origin: family === 'ipv4' ? 'icmp' : 'icmp6', type: family === 'ipv4' ? 3 : 1, code: family === 'ipv4' ? 3 : 4, destination: { address: lo, port: 9 }, offender: lo });
      expect(e.payload.toString()).toBe('probe');
      expect(e.mtu).toBeUndefined();
      await sleep(20);
      expect(errors).toEqual([]);
    });

    it(`${family}: an ICMP error about one destination never fails a later send to another (bun #29135)`, async () => {
      const rx = keep(await UdpSocket.create({ family, address: lo, port: 0 }));
      const got: string[] = [];
      rx.on('message', (m) => got.push(m.toString()));
      for (const mode of ['listener', 'IP_RECVERR set by hand, no listener'] as const) {
        const s = keep(await UdpSocket.create({ family }));
        if (mode === 'listener') s.on('transportError', () => {});
        else s.setOption(family === 'ipv4' ? 'IP_RECVERR' : 'IPV6_RECVERR', true);
        // On loopback the port unreachable arrives during the first sendmsg: the kernel's sk_err is
        // set before the second send, which would fail with ECONNREFUSED if nothing took care of it.
        for (let i = 0; i < 50; i++) {
          await s.send('to a closed port', 9, lo);
          await expect(s.send(`ok ${mode} ${i}`, rx.address().port, lo)).resolves.toBeGreaterThan(0);
          await expect(s.sendBatch([Buffer.from('x'), Buffer.from('y')], { address: lo, port: 9 })).resolves.toBe(2);
          await expect(s.sendBatch([Buffer.from(`b ${i}`)], { address: lo, port: rx.address().port })).resolves.toBe(1);
        }
      }
      await sleep(50);
      expect(got.filter((g) => g.startsWith('ok ')).length).toBe(100);
    });

    it(`${family}: a connected socket still fails on its own peer's error, and the queue reports it`, async () => {
      const s = keep(await UdpSocket.create({ family }));
      await s.connect(9, lo);
      const te = nextTransportError(s);
      await s.send('x');
      expect((await te).error).toBe('ECONNREFUSED');
    });

    it(`${family}: without a listener nothing changes — ECONNREFUSED on a connected socket is 'error' as before`, async () => {
      const s = keep(await UdpSocket.create({ family }));
      expect(s.getOption(family === 'ipv4' ? 'IP_RECVERR' : 'IPV6_RECVERR')).toBe(false);
      await s.connect(9, lo);
      s.on('message', () => {});
      const err = once(s, 'error');
      await s.send('x');
      const [e] = (await err) as [Error & { code: string }];
      expect(e.code).toBe('ECONNREFUSED');
    });

    it(`${family}: the listener turns IP_RECVERR on and its removal turns it off`, async () => {
      const s = keep(await UdpSocket.create({ family }));
      const opt = family === 'ipv4' ? 'IP_RECVERR' : 'IPV6_RECVERR';
      const f = (): void => {};
      s.on('transportError', f);
      expect(s.getOption(opt)).toBe(true);
      s.off('transportError', f);
      expect(s.getOption(opt)).toBe(false);
    });

    it(`${family}: IP_RECVERR set by hand with no listener at all is never an uncaught 'error' (bun #36249, #35922)`, async () => {
      const uncaught: unknown[] = [];
      const onUncaught = (e: unknown): void => void uncaught.push(e);
      process.on('uncaughtException', onUncaught);
      try {
        const s = keep(await UdpSocket.create({ family }));
        s.setOption(family === 'ipv4' ? 'IP_RECVERR' : 'IPV6_RECVERR', true);
        const msgs: Buffer[] = [];
        s.on('message', (m) => msgs.push(m)); // receiving: POLLERR is seen and the queue drained
        for (let i = 0; i < 20; i++) await s.send('x', 9, lo);
        await sleep(100);
        // unconnected: the error queue held 20 records, all drained, none became an 'error'
        expect(uncaught).toEqual([]);
        expect(msgs).toEqual([]);
      } finally {
        process.off('uncaughtException', onUncaught);
      }
    });

    for (const mode of ['IP_RECVERR by hand', 'transportError listener'] as const) {
      it(`${family}: an echo server whose client left before the reply survives, ${mode}, no 'error' listener (bun #35922, #35923)`, async () => {
        const uncaught: unknown[] = [];
        const onUncaught = (e: unknown): void => void uncaught.push(e);
        process.on('uncaughtException', onUncaught);
        try {
          const server = keep(await UdpSocket.create({ family, address: lo, port: 0 }));
          if (mode === 'IP_RECVERR by hand') server.setOption(family === 'ipv4' ? 'IP_RECVERR' : 'IPV6_RECVERR', true);
          else server.on('transportError', () => {});
          let echoed = 0;
          server.on('message', (d, info) => {
            echoed++;
            void server.send(d, info.port, info.address).catch(() => {});
          });
          for (let i = 0; i < 20; i++) {
            const c = await UdpSocket.create({ family });
            await c.send('q', server.address().port, lo);
            await c.close(); // gone before the reply: the server gets a port unreachable
          }
          await sleep(100);
          // and an oversize send that rejects at once is not delivered a second time as an uncaught error
          server.setOption(family === 'ipv4' ? 'IP_MTU_DISCOVER' : 'IPV6_MTU_DISCOVER', 'do');
          await expect(server.send(Buffer.alloc(65535 - 8), { address: lo, port: 9 })).rejects.toMatchObject({ code: 'EMSGSIZE' });
          await sleep(50);
          expect(echoed).toBe(20);
          expect(uncaught).toEqual([]);
          expect(server.closed).toBe(false);
        } finally {
          process.off('uncaughtException', onUncaught);
        }
      });
    }

    it(`${family}: an iterator is not ended by ICMP errors`, async () => {
      const rx = keep(await UdpSocket.create({ family, address: lo, port: 0 }));
      const s = keep(await UdpSocket.create({ family, address: lo, port: 0 }));
      s.on('transportError', () => {});
      const it = s[Symbol.asyncIterator]();
      for (let i = 0; i < 10; i++) await s.send('x', 9, lo);
      await sleep(50);
      const peer = keep(await UdpSocket.create({ family }));
      await peer.send('still here', s.address().port, lo);
      const r = await it.next();
      expect(r.done).toBe(false);
      expect((r.value as { data: Buffer }).data.toString()).toBe('still here');
      await it.return?.();
      void rx;
    });

    it(`${family}: draining a burst of errors never spins (bun #29473): CPU time stays near the work done`, async () => {
      const s = keep(await UdpSocket.create({ family }));
      let n = 0;
      s.on('transportError', () => n++);
      const batch = Array.from({ length: 500 }, () => Buffer.from('e'));
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) await s.sendBatch(batch, { address: lo, port: 9 });
      await sleep(100); // the kernel's global ICMP rate limit lets some of the 5000 errors through
      // then idle with the listener still attached and the poll active: no wakeups without errors
      const cpu1 = process.cpuUsage(cpu0);
      const busy1 = performance.now() - t0;
      const cpuIdle0 = process.cpuUsage();
      await sleep(500);
      const idle = process.cpuUsage(cpuIdle0);
      expect(n).toBeGreaterThan(0);
      // A busy loop on a POLLERR nobody drains burns the whole 500 ms.
      expect((idle.user + idle.system) / 1000).toBeLessThan(100);
      expect((cpu1.user + cpu1.system) / 1000).toBeLessThan(busy1 + 200);
    });
  }

  it('a raw socket with an ICMP filter sees only the types let through', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const range = '/proc/sys/net/ipv4/ping_group_range';
    const before = readFileSync(range, 'utf8');
    writeFileSync(range, '0 2147483647'); // this test's private namespace only
    try {
    const raw = keep(await RawSocket.create({ family: 'ipv4', protocol: 1, icmpTypes: [0] }));
    const types: number[] = [];
    raw.on('message', (m) => types.push(m[((m[0] as number) & 0x0f) * 4] as number));
    const p = keep(await PingSocket.create({ family: 'ipv4' }));
    const replies = once(p, 'message');
    await p.sendEcho({ sequence: 1, address: '127.0.0.1' });
    await replies;
    await sleep(20);
    expect(types).toEqual([0]);
    } finally {
      writeFileSync(range, before);
    }
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'the error queue across routers', () => {
  const net = useIcmpTopology();

  for (const family of ['ipv4', 'ipv6'] as const) {
    const v4 = family === 'ipv4';
    const addr = addressOf(family);

    it(`${family}: time exceeded names the router (offender) and the probe (destination, payload)`, async () => {
      const s = keep(await UdpSocket.create({ family, netns: net.a.netns }));
      const te = nextTransportError(s);
      await s.send('ttl1', { address: addr(net.b), port: 33434, ttl: 1 });
      const e = await te;
      expect(e).toMatchObject({ errno: -113, error: 'EHOSTUNREACH', origin: v4 ? 'icmp' : 'icmp6', type: v4 ? 11 : 3, code: 0, destination: { address: addr(net.b), port: 33434 } });
      expect(e.offender).toBe(v4 ? net.r1.interfaces[0]?.address : net.r1.interfaces[0]?.address6);
      expect(e.payload.toString()).toBe('ttl1');
    });

    it(`${family}: ping socket: time exceeded for an echo request carries the request`, async () => {
      const s = keep(await PingSocket.create({ family, netns: net.a.netns }));
      const te = nextTransportError(s);
      await s.sendEcho({ sequence: 77, address: addr(net.b), ttl: 3 });
      const e = await te;
      expect(e.type).toBe(v4 ? 11 : 3);
      expect(e.offender).toBe(v4 ? net.r3.interfaces[0]?.address : net.r3.interfaces[0]?.address6);
      expect(e.payload.readUInt16BE(6)).toBe(77);
    });

    it(`${family}: path MTU: 'fragmentation needed' / 'packet too big' gives the MTU, IP_MTU reads it, later sends fail locally with it`, async () => {
      const s = keep(await UdpSocket.create({ family, netns: net.a.netns }));
      s.setOption(v4 ? 'IP_MTU_DISCOVER' : 'IPV6_MTU_DISCOVER', 'do');
      const errors: TransportError[] = [];
      s.on('transportError', (e) => errors.push(e));
      await s.connect(9999, addr(net.m2));
      const big = Buffer.alloc(1500 - (v4 ? 28 : 48));
      await s.send(big);
      for (let i = 0; i < 100 && errors.length === 0; i++) await sleep(10);
      expect(errors[0]).toMatchObject({ error: 'EMSGSIZE', origin: v4 ? 'icmp' : 'icmp6', type: v4 ? 3 : 2, mtu: 1400 });
      expect(s.getOption(v4 ? 'IP_MTU' : 'IPV6_MTU')).toBe(1400);
      await expect(s.send(big)).rejects.toMatchObject({ code: 'EMSGSIZE' });
      for (let i = 0; i < 100 && errors.length < 2; i++) await sleep(10);
      expect(errors[1]).toMatchObject({ error: 'EMSGSIZE', origin: 'local', mtu: 1400 });
      await expect(s.send(Buffer.alloc(1400 - (v4 ? 28 : 48)))).resolves.toBe(1400 - (v4 ? 28 : 48));
    });
  }
});

describeWith(['netns'], 'the error queue and the socket lifecycle', () => {
  it('removing a transportError listener after close() does nothing (no ERR_SOCKET_CLOSED)', async () => {
    const s = await UdpSocket.create({ family: 'ipv4' });
    const f = (): void => {};
    s.on('transportError', f);
    await s.close();
    expect(() => s.off('transportError', f)).not.toThrow();
    expect(() => s.on('transportError', f)).not.toThrow();
  });
});

describeWith([], 'echo requests', () => {
  it('echoRequest() takes every identifier and sequence (the top bit too)', () => {
    for (const [id, seq] of [[0, 0], [0x8000, 1], [0xffff, 0xffff], [0x7fff, 0x8000]] as const) {
      const m = parseIcmpv4(echoRequest('ipv4', seq, Buffer.from('x'), id));
      expect([m.type, m.identifier, m.sequence, m.checksumValid]).toEqual([8, id, seq, true]);
      const b = echoRequest('ipv6', seq, Buffer.from('x'), id);
      expect([b[0], b.readUInt16BE(4), b.readUInt16BE(6)]).toEqual([128, id, seq]);
    }
  });
});
