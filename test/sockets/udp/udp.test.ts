import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SocketError, UdpSocket, formatIPv6, native } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { Pool, collect, gather, nextError, sleep } from './helpers';

const pool = new Pool();
afterEach(() => pool.closeAll());

describe('UdpSocket argument validation (no traffic)', () => {
  it('rejects bad options with TypeError/RangeError before any system call', async () => {
    await expect(UdpSocket.create({ family: 'ipx' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(UdpSocket.create({ port: 70000 })).rejects.toMatchObject({ name: 'RangeError', code: 'ERR_SOCKET_BAD_PORT' });
    await expect(UdpSocket.create({ address: 'not-an-ip' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(UdpSocket.create({ batchSize: 0 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(UdpSocket.create({ maxMessageSize: 2 ** 30 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(UdpSocket.create({ receive: { ttl: 'yes' as never } })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(UdpSocket.create({ family: 'ipv4', ipv6Only: true })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('validates send arguments and refuses use after close', async () => {
    const s = pool.add(await UdpSocket.create({ family: 'ipv4' }));
    await expect(s.send(42 as never, 1, '127.0.0.1')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(s.send('x', 99999, '127.0.0.1')).rejects.toMatchObject({ code: 'ERR_SOCKET_BAD_PORT' });
    await expect(s.send('x', 1, 'example.com')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(s.send('x', 1, '::1')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(s.send('x')).rejects.toMatchObject({ code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' });
    await expect(s.sendBatch('x' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await s.close();
    await s.close();
    expect(s.closed).toBe(true);
    await expect(s.send('x', 1, '127.0.0.1')).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    expect(() => s.address()).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }));
  });

  it('native engine validates lengths even when TypeScript is bypassed', () => {
    const owner = {};
    expect(() => new native.IoHandle(-1, owner, () => {}, () => {})).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new native.IoHandle(0, owner, 'x' as never, () => {})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new native.IoHandle(0, owner, () => {}, () => {}, { batchSize: 5000 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => native.ioEncodeControl(2, { ttl: 300 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => native.ioEncodeControl(2, { source: '::1' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_IP_ADDRESS' }));
    expect(native.ioEncodeControl(99, {})).toBe(-22);
    // sendmsgFd: the per-datagram send path, called by UdpSocket with cached encodings
    expect(() => native.sendmsgFd(0, 'x' as never, null, null)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => native.sendmsgFd(0, new Uint16Array(2) as never, null, null)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => native.sendmsgFd(0, Buffer.alloc(1), {} as never, null)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"address"') }));
    expect(() => native.sendmsgFd(0, Buffer.alloc(1), Buffer.alloc(1), null)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    expect(() => native.sendmsgFd(0, Buffer.alloc(1), Buffer.alloc(129), null)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => native.sendmsgFd(0, Buffer.alloc(1), null, Buffer.alloc(4097))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => native.sendmsgFd(-1, Buffer.alloc(1), null, null)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(native.sendmsgFd(1 << 20, Buffer.alloc(1), null, null)).toBe(-9); // EBADF: a system-call failure is a negative errno, never a throw
  });

  it('a descriptor closed or replaced behind the engine never reaches libuv (which would abort)', async () => {
    const { Socket } = await import('../../helpers/sockit');
    const { openSync, closeSync } = await import('node:fs');
    const fd = new Socket('ipv4', 'dgram').release();
    const h = new native.IoHandle(fd, {}, () => {}, () => {});
    native.close(fd);
    expect(h.setReceiving(true)).toBe(-9); // EBADF
    const f = openSync('/dev/null', 'r');
    if (f === fd) expect(h.setWritable(true)).toBe(-88); // ENOTSOCK
    expect(() => new native.IoHandle(f, {}, () => {}, () => {})).toThrow(expect.objectContaining({ code: 'EPERM' }));
    const closed = new Promise((r) => setTimeout(r, 50));
    expect(h.close()).toBe(0);
    await closed;
    expect(() => closeSync(f)).not.toThrow(); // the engine did not close the file that reused the number
  });

  it('formats IPv6 addresses per RFC 5952', () => {
    const b = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));
    expect(formatIPv6(b('fd00005f000000000000000000000001'))).toBe('fd00:5f::1');
    expect(formatIPv6(b('00000000000000000000000000000001'))).toBe('::1');
    expect(formatIPv6(b('00000000000000000000ffffc6120001'))).toBe('::ffff:198.18.0.1');
    expect(formatIPv6(b('20010db8000000010000000000000001'))).toBe('2001:db8:0:1::1');
    expect(formatIPv6(b('20010db8000100010001000100010001'))).toBe('2001:db8:1:1:1:1:1:1');
    expect(formatIPv6(b('ff020000000000000000000000000000'))).toBe('ff02::');
  });
});

describeWith(['netns'], 'UdpSocket over loopback (private netns)', () => {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const lo = family === 'ipv4' ? '127.0.0.1' : '::1';

    it(`${family}: dgram-compatible message events and sends`, async () => {
      const server = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const client = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const port = server.address().port;
      const got = collect(server, 3);
      expect(await client.send('hello', port, lo)).toBe(5);
      expect(await client.send(Buffer.from('world'), { address: lo, port })).toBe(5);
      expect(await client.send(new Uint8Array([1, 2, 3]), port, lo)).toBe(3);
      const msgs = await got;
      expect(msgs.map((m) => m.data.toString('latin1'))).toEqual(['hello', 'world', '\x01\x02\x03']);
      expect(msgs[0]!.info).toMatchObject({ address: lo, port: client.address().port, family: family === 'ipv4' ? 'IPv4' : 'IPv6', size: 5, truncated: false });
      expect(server.stats()).toMatchObject({ received: 3, truncated: 0 });
      expect(client.stats()).toMatchObject({ sent: 3, sendQueue: 0 });
    });

    it(`${family}: async iteration yields { data, info } and ends on close`, async () => {
      const server = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const client = pool.add(await UdpSocket.create({ family }));
      const port = server.address().port;
      for (let i = 0; i < 5; i++) await client.send(`m${i}`, port, lo);
      const seen: string[] = [];
      for await (const { data, info } of server) {
        seen.push(data.toString());
        expect(info.port).toBe(client.address().port);
        if (seen.length === 5) break;
      }
      expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      const it2 = server[Symbol.asyncIterator]();
      const pending = it2.next();
      await server.close();
      expect(await pending).toEqual({ value: undefined, done: true });
    });

    it(`${family}: a datagram longer than maxMessageSize is flagged truncated with its real size`, async () => {
      const server = pool.add(await UdpSocket.create({ family, address: lo, port: 0, maxMessageSize: 1024 }));
      const client = pool.add(await UdpSocket.create({ family }));
      const got = collect(server, 2);
      await client.send(Buffer.alloc(3000, 7), server.address().port, lo);
      await client.send(Buffer.alloc(1024, 8), server.address().port, lo);
      const [big, exact] = await got;
      expect(big!.data.length).toBe(1024);
      expect(big!.info).toMatchObject({ size: 3000, truncated: true });
      expect(exact!.info).toMatchObject({ size: 1024, truncated: false });
      expect(server.stats().truncated).toBe(1);
    });

    it(`${family}: the largest UDP datagram (65,507 bytes) round-trips by default`, async () => {
      const server = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const client = pool.add(await UdpSocket.create({ family }));
      const payload = Buffer.alloc(65507);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
      const got = collect(server, 1);
      expect(await client.send(payload, server.address().port, lo)).toBe(65507);
      const [m] = await got;
      expect(m!.info).toMatchObject({ size: 65507, truncated: false });
      expect(m!.data.equals(payload)).toBe(true);
    });

    it(`${family}: connected UDP reports ICMP port unreachable as ECONNREFUSED ('error' event)`, async () => {
      const closed = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const deadPort = closed.address().port;
      await closed.close();
      const s = pool.add(await UdpSocket.create({ family }));
      await s.connect(deadPort, lo);
      expect(s.remoteAddress()).toMatchObject({ address: lo, port: deadPort });
      const err = nextError(s);
      await s.send('anyone?');
      const e = await err;
      expect(e).toBeInstanceOf(SocketError);
      expect(e).toMatchObject({ code: 'ECONNREFUSED', syscall: 'recvmsg', port: deadPort });
      // if the next send runs into the pending error first, that send rejects instead
      s.disconnect();
      expect(() => s.remoteAddress()).toThrow(expect.objectContaining({ code: 'ENOTCONN' }));
    });

    it(`${family}: sendBatch (sendmmsg) with a common destination and per-message destinations`, async () => {
      const a = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const b = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const c = pool.add(await UdpSocket.create({ family }));
      // 200: fits the default receive buffer, so the kernel drops nothing.
      const ga = collect(a, 200);
      const msgs = Array.from({ length: 200 }, (_, i) => Buffer.from(`n${i}`));
      expect(await c.sendBatch(msgs, { address: lo, port: a.address().port })).toBe(200);
      const got = await ga;
      expect(got.map((m) => m.data.toString())).toEqual(msgs.map((m) => m.toString()));
      const gb = collect(b, 1);
      const ga2 = collect(a, 1);
      expect(await c.sendBatch([{ data: 'to-a', address: lo, port: a.address().port }, { data: 'to-b', address: lo, port: b.address().port }])).toBe(2);
      expect((await ga2)[0]!.data.toString()).toBe('to-a');
      expect((await gb)[0]!.data.toString()).toBe('to-b');
    });

    it(`${family}: 'batch' event exposes a whole recvmmsg batch without per-datagram objects`, async () => {
      const server = pool.add(await UdpSocket.create({ family, address: lo, port: 0, batchSize: 16 }));
      const client = pool.add(await UdpSocket.create({ family }));
      let total = 0;
      const sizes: number[] = [];
      server.on('batch', (b) => {
        expect(b.count).toBeGreaterThan(0);
        expect(b.count).toBeLessThanOrEqual(16);
        for (let i = 0; i < b.count; i++) {
          sizes.push(b.size(i));
          expect(b.data(i).length).toBe(b.length(i));
        }
        total += b.count;
      });
      await client.sendBatch(Array.from({ length: 100 }, (_, i) => Buffer.alloc(i + 1)), { address: lo, port: server.address().port });
      for (let i = 0; i < 50 && total < 100; i++) await sleep(10);
      expect(total).toBe(100);
      expect(sizes).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    });

    it(`${family}: SO_REUSEPORT spreads datagrams over several sockets`, async () => {
      const first = pool.add(await UdpSocket.create({ family, address: lo, port: 0, reusePort: true }));
      const port = first.address().port;
      const others = [];
      for (let i = 0; i < 3; i++) others.push(pool.add(await UdpSocket.create({ family, address: lo, port, reusePort: true })));
      const all = [first, ...others];
      const counts = all.map(() => 0);
      all.forEach((s, i) => s.on('message', () => counts[i]!++));
      // Different source ports hash to different sockets.
      const senders = [];
      for (let i = 0; i < 40; i++) senders.push(pool.add(await UdpSocket.create({ family })));
      for (const s of senders) await s.send('x', port, lo);
      for (let i = 0; i < 100 && counts.reduce((a, b) => a + b) < 40; i++) await sleep(10);
      expect(counts.reduce((a, b) => a + b)).toBe(40);
      expect(counts.filter((c) => c > 0).length).toBeGreaterThanOrEqual(2);
    });

    it(`${family}: options: setOption/getOption, buffer sizes, TTL, TOS, broadcast`, async () => {
      const s = pool.add(await UdpSocket.create({ family, options: { SO_RCVBUF: 1 << 18 } }));
      expect(s.getRecvBufferSize()).toBeGreaterThanOrEqual(1 << 18);
      s.setSendBufferSize(1 << 17);
      expect(s.getSendBufferSize()).toBeGreaterThanOrEqual(1 << 17);
      s.setTTL(17);
      expect(s.getOption(family === 'ipv4' ? 'IP_TTL' : 'IPV6_UNICAST_HOPS')).toBe(17);
      s.setTOS(0xb8);
      expect(s.getOption(family === 'ipv4' ? 'IP_TOS' : 'IPV6_TCLASS')).toBe(0xb8);
      s.setBroadcast(true);
      expect(s.getOption('SO_BROADCAST')).toBeTruthy();
      expect(() => s.setTTL(0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    });

    it(`${family}: per-datagram ttl/tos on send arrive as metadata; timestamp is plausible`, async () => {
      const server = pool.add(await UdpSocket.create({ family, address: lo, port: 0, receive: { ttl: true, tos: true, timestamp: true, packetInfo: true } }));
      const client = pool.add(await UdpSocket.create({ family }));
      const got = collect(server, 2);
      const before = BigInt(Date.now()) * 1_000_000n;
      await client.send('a', { address: lo, port: server.address().port, ttl: 7, tos: 0x28 });
      await client.send('b', { address: lo, port: server.address().port });
      const [a, b] = await got;
      const after = BigInt(Date.now() + 1) * 1_000_000n;
      expect(a!.info).toMatchObject({ ttl: 7, tos: 0x28, destination: lo, interfaceIndex: 1 });
      expect(b!.info.ttl).toBe(64);
      expect(b!.info.tos).toBe(0);
      expect(typeof a!.info.timestamp).toBe('bigint');
      expect(a!.info.timestamp! >= before - 1_000_000n && a!.info.timestamp! <= after).toBe(true);
    });

    it(`${family}: coalesce: sends of one tick go out together, in order, each promise resolved`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0, receive: { dropCount: true } }));
      const tx = pool.add(await UdpSocket.create({ family, coalesce: true }));
      const port = rx.address().port;
      const got = collect(rx, 201);
      let drains = 0;
      tx.on('drain', () => drains++);
      const ps = [];
      for (let i = 0; i < 200; i++) ps.push(tx.send(`c${i}`, port, lo));
      expect(tx.sendQueueLength).toBe(200); // nothing sent yet: waiting for the end of the tick
      expect(tx.trySend('last', port, lo)).toBe(true); // flushes the pending ones first, keeping order
      expect(tx.sendQueueLength).toBe(0);
      const sizes = await Promise.all(ps);
      expect(sizes).toEqual(Array.from({ length: 200 }, (_, i) => `c${i}`.length));
      const msgs = await got;
      expect(msgs.map((m) => m.data.toString())).toEqual([...Array.from({ length: 200 }, (_, i) => `c${i}`), 'last']);
      expect(tx.stats().sent).toBe(201);
      expect(drains).toBe(0);
      await expect(tx.send('x', 99999, lo)).rejects.toMatchObject({ code: 'ERR_SOCKET_BAD_PORT' });
      // a synchronous loop never piles up more than one sendmmsg worth, and close() flushes the tail
      for (let i = 0; i < 3000; i++) {
        void tx.send('y', port, lo);
        expect(tx.sendQueueLength).toBeLessThan(1024);
      }
      await tx.close();
      expect(tx.stats().sent).toBe(3201); // all handed to the kernel (the receiver may drop some)
    });

    it(`${family}: coalesce 'auto' (default): a lone send goes out at once, the rest of a burst in one sendmmsg at the end of the tick`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const tx = pool.add(await UdpSocket.create({ family }));
      const port = rx.address().port;
      const got = collect(rx, 204);
      // a lone send: in the kernel before send() returns
      const p0 = tx.send('a0', port, lo);
      expect(tx.stats().sent).toBe(1);
      expect(tx.sendQueueLength).toBe(0);
      expect(await p0).toBe(2);
      // awaited one at a time: each is the first of its tick, each goes at once
      for (let i = 1; i < 4; i++) {
        const p = tx.send(`a${i}`, port, lo);
        expect(tx.stats().sent).toBe(i + 1);
        await p;
      }
      // a burst: the first at once, the other 199 wait for the end of the tick, then go together
      const ps: Promise<number>[] = [];
      for (let i = 0; i < 200; i++) ps.push(tx.send(`b${i}`, port, lo));
      expect(tx.stats().sent).toBe(5);
      expect(tx.sendQueueLength).toBe(199);
      await Promise.resolve(); // the end-of-tick microtask was queued by the first send, before this one
      expect(tx.sendQueueLength).toBe(0);
      expect(tx.stats().sent).toBe(204);
      expect(await Promise.all(ps)).toEqual(Array.from({ length: 200 }, (_, i) => `b${i}`.length));
      const msgs = await got;
      expect(msgs.map((m) => m.data.toString())).toEqual([
        ...Array.from({ length: 4 }, (_, i) => `a${i}`),
        ...Array.from({ length: 200 }, (_, i) => `b${i}`),
      ]);
    });

    it(`${family}: a gathered send that fails rejects alone, naming its destination; coalesce: false sends each at once`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const tx = pool.add(await UdpSocket.create({ family }));
      const port = rx.address().port;
      const got = collect(rx, 3);
      // EACCES: broadcast without SO_BROADCAST is refused by the kernel, per datagram, before anything leaves.
      // (IPv6 has no such per-datagram refusal that is safe to provoke; it checks the same path with good sends.)
      const v4 = family === 'ipv4';
      const results = await Promise.allSettled([
        tx.send('ok1', port, lo),
        tx.send(v4 ? 'bad' : 'ok2', port, v4 ? '255.255.255.255' : lo),
        tx.send(v4 ? 'ok2' : 'ok3', port, lo),
        tx.send(v4 ? 'ok3' : 'ok4', port, lo),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', v4 ? 'rejected' : 'fulfilled', 'fulfilled', 'fulfilled']);
      if (v4) {
        const reason = (results[1] as PromiseRejectedResult).reason;
        expect(reason).toMatchObject({ syscall: 'sendmsg', address: '255.255.255.255', port });
        expect(['EACCES', 'ENETUNREACH']).toContain(reason.code); // no broadcast route in a bare namespace
      }
      expect((await got).map((m) => m.data.toString())).toEqual(['ok1', 'ok2', 'ok3']);
      const each = pool.add(await UdpSocket.create({ family, coalesce: false }));
      for (let i = 0; i < 50; i++) void each.send('z', port, lo);
      expect(each.stats().sent).toBe(50);
      expect(each.sendQueueLength).toBe(0);
      await expect(UdpSocket.create({ family, coalesce: 'yes' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    });

    it(`${family}: ref/unref/hasRef and stats`, async () => {
      const s = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      expect(s.hasRef()).toBe(true);
      s.unref();
      expect(s.hasRef()).toBe(false);
      s.ref();
      expect(s.hasRef()).toBe(true);
      expect(s.stats()).toEqual({ received: 0, sent: 0, truncated: 0, kernelDropped: 0, iteratorDropped: 0, sendQueue: 0, gsoDisabled: false });
    });
  }

  it("an exception thrown by a 'message' handler is an uncaughtException, like dgram's", () => {
    const dist = join(__dirname, '..', '..', '..', 'dist', 'index.js');
    const src = `
      const { UdpSocket } = require(${JSON.stringify(dist)});
      process.on('uncaughtException', (e) => { console.log('uncaught:' + e.message); process.exit(7); });
      (async () => {
        const s = await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', port: 0 });
        s.on('message', () => { throw new Error('from handler'); });
        const c = await UdpSocket.create({ family: 'ipv4' });
        await c.send('x', s.address().port, '127.0.0.1');
      })();`;
    const r = spawnSync(process.execPath, ['-e', src], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout).toContain('uncaught:from handler');
    expect(r.status).toBe(7);
  });

  it('bind() after create(), in every accepted form', async () => {
    const a = pool.add(await UdpSocket.create({ family: 'ipv4' }));
    expect(await a.bind(0, '127.0.0.1')).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    const b = pool.add(await UdpSocket.create({ family: 'ipv6' }));
    expect((await b.bind('[::1]:0')).address).toBe('::1');
    const c = pool.add(await UdpSocket.create({ type: 'udp4' }));
    const port = (await c.bind({ address: '127.0.0.1', port: 0 })).port;
    await expect(pool.add(await UdpSocket.create({ family: 'ipv4' })).bind(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE', syscall: 'bind' });
    const got = collect(c, 1);
    await a.send('x', port, '127.0.0.1');
    expect((await got)[0]!.info.port).toBe(a.address().port);
  });

  it('an aborted signal closes the socket; close releases the descriptor', async () => {
    const ac = new AbortController();
    const before = readdirSync('/proc/self/fd').length;
    const s = await UdpSocket.create({ family: 'ipv4', port: 0, signal: ac.signal });
    const closed = new Promise((r) => s.once('close', r));
    ac.abort();
    await closed;
    expect(s.closed).toBe(true);
    expect(readdirSync('/proc/self/fd').length).toBe(before);
    await expect(UdpSocket.create({ signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('dual-stack IPv6 socket receives IPv4 as v4-mapped', async () => {
    const s = pool.add(await UdpSocket.create({ family: 'ipv6', address: '::', port: 0, ipv6Only: false }));
    const c = pool.add(await UdpSocket.create({ family: 'ipv4' }));
    const got = collect(s, 1);
    await c.send('v4', s.address().port, '127.0.0.1');
    expect((await got)[0]!.info).toMatchObject({ address: '::ffff:127.0.0.1', family: 'IPv6' });
    // and it can send to a v4 address given plainly
    const r = pool.add(await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', port: 0 }));
    const got2 = collect(r, 1);
    await s.send('back', r.address().port, '127.0.0.1');
    expect((await got2)[0]!.data.toString()).toBe('back');
  });

  it('nothing arrives after close, and pending iteration ends', async () => {
    const s = await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', port: 0 });
    const port = s.address().port;
    await s.close();
    const c = pool.add(await UdpSocket.create({ family: 'ipv4' }));
    await c.send('late', port, '127.0.0.1');
    expect(await gather(c, 50)).toEqual([]);
  });
});
