import { EventEmitter } from 'node:events';
// Descriptor and handle lifecycle of UdpSocket (the I/O engine): create/close
// cycles, exit with sockets open, CLOEXEC, use-after-close of every method,
// close from inside a 'message' handler mid-batch, and Workers terminated
// mid-receive.
import { describe, expect, it, vi } from 'vitest';
import { UdpSocket } from '../helpers/sockit';
import { describeWith } from '../helpers/env';
import { dist, expectClean, expectCloseOnExec, runChild } from './child';

// Generous per-test time: these run children, and run again ~10x slower under test:asan on a busy machine.
vi.setConfig({ testTimeout: 300_000 });

// Under test:asan (10x slower allocator) the cycle count drops: that run hunts memory errors, not leaks.
const ASAN = process.env.SOCKIT_ASAN === '1';
// Each I/O handle allocates its receive slab: ~9 ms per cycle under ASan, so fewer rounds there.
const CYCLES = ASAN ? 1_000 : 100_000;
const WORKER_ROUNDS = ASAN ? 20 : 200;

describeWith(['netns'], 'UdpSocket lifecycle', () => {
  it(`${CYCLES} × UdpSocket.create() + close(): fd count back to start, RSS bounded`, () => {
    const r = expectClean(
      runChild<{ fd0: number; fd1: number; rss0: number; rssMid: number; rss1: number; ms: number }>(
        `
        const { UdpSocket } = sockit;
        const run = async (n) => {
          for (let i = 0; i < n; i++) {
            const s = await UdpSocket.create({ family: i % 2 ? 'ipv6' : 'ipv4' });
            await s.close();
          }
        };
        (async () => {
          await run(1000); global.gc();
          const fd0 = fdCount(), rss0 = rssMb(), t0 = Date.now();
          await run(${CYCLES / 2}); global.gc();
          const rssMid = rssMb();
          await run(${CYCLES / 2}); global.gc();
          emit({ fd0, fd1: fdCount(), rss0, rssMid, rss1: rssMb(), ms: Date.now() - t0 });
        })();`,
        { nodeArgs: ['--expose-gc'], timeoutMs: 300_000 },
      ),
    );
    console.log(`cycles: ${CYCLES} fds ${r.fd0}->${r.fd1} rss ${r.rss0.toFixed(1)}->${r.rss1.toFixed(1)} MB`);
    expect(r.fd1).toBe(r.fd0);
    expect(r.rss1 - r.rss0).toBeLessThan(60);
    expect(r.rss1 - r.rssMid).toBeLessThan(30);
  }, 320_000);

  it('exits cleanly and warning-free with receiving sockets still open (main thread and a Worker)', () => {
    const r = runChild(`
      const { Worker } = require('worker_threads');
      (async () => {
        const a = await sockit.UdpSocket.create({ family: 'ipv4', address: '127.0.0.1' });
        const b = await sockit.UdpSocket.create({ family: 'ipv6', address: '::1' });
        a.on('message', () => {});
        await a.send('x', a.address().port, '127.0.0.1');
        const w = new Worker(\`
          const s = require(${JSON.stringify(dist)});
          s.UdpSocket.create({ family: 'ipv4', address: '127.0.0.1' }).then((u) => { u.on('message', () => {}); require('worker_threads').parentPort.postMessage('up'); });\`, { eval: true });
        await new Promise((res) => w.once('message', res));
        w.unref();
        emit({ ok: true });
        process.exit(0); // sockets (ours and the Worker's) still open and receiving
      })();`);
    expect(expectClean(r)).toEqual({ ok: true });
    expect(r.stderr).toBe('');
  });

  it('unref()ed receiving sockets let the process end by itself, warning-free', () => {
    const r = runChild(`
      (async () => {
        const a = await sockit.UdpSocket.create({ family: 'ipv4', address: '127.0.0.1' });
        a.on('message', () => {});
        a.unref();
        emit({ ok: true });
      })();`);
    expect(expectClean(r)).toEqual({ ok: true });
    expect(r.stderr).toBe('');
  });

  it('UdpSocket descriptors are close-on-exec (a spawned child inherits none)', () => {
    const socks = "const socks = []; for (const family of ['ipv4', 'ipv6']) for (let i = 0; i < 3; i++) socks.push(await sockit.UdpSocket.create({ family })); return socks;";
    expectCloseOnExec(socks, 6);
  });

  describe('use after close', () => {
    // Every public method, with arguments that would be valid on an open socket.
    const calls: Record<string, (s: UdpSocket) => unknown> = {
      fd: (s) => s.fd,
      bind: (s) => s.bind(0),
      address: (s) => s.address(),
      remoteAddress: (s) => s.remoteAddress(),
      connect: (s) => s.connect(9, '127.0.0.1'),
      disconnect: (s) => s.disconnect(),
      setOption: (s) => s.setOption('SO_PRIORITY', 1),
      getOption: (s) => s.getOption('SO_PRIORITY'),
      setBroadcast: (s) => s.setBroadcast(true),
      setTTL: (s) => s.setTTL(9),
      setTOS: (s) => s.setTOS(8),
      setRecvBufferSize: (s) => s.setRecvBufferSize(65536),
      setSendBufferSize: (s) => s.setSendBufferSize(65536),
      getRecvBufferSize: (s) => s.getRecvBufferSize(),
      getSendBufferSize: (s) => s.getSendBufferSize(),
      setGro: (s) => s.setGro(true),
      setGso: (s) => s.setGso(1200),
      addMembership: (s) => s.addMembership('239.1.2.3', 'lo'),
      dropMembership: (s) => s.dropMembership('239.1.2.3', 'lo'),
      addSourceSpecificMembership: (s) => s.addSourceSpecificMembership('127.0.0.1', '232.1.2.3', 'lo'),
      dropSourceSpecificMembership: (s) => s.dropSourceSpecificMembership('127.0.0.1', '232.1.2.3', 'lo'),
      blockSource: (s) => s.blockSource('127.0.0.1', '239.1.2.3', 'lo'),
      unblockSource: (s) => s.unblockSource('127.0.0.1', '239.1.2.3', 'lo'),
      setMulticastInterface: (s) => s.setMulticastInterface('lo'),
      setMulticastTTL: (s) => s.setMulticastTTL(2),
      setMulticastLoopback: (s) => s.setMulticastLoopback(true),
      setMulticastAll: (s) => s.setMulticastAll(false),
      send: (s) => s.send('x', 9, '127.0.0.1'),
      trySend: (s) => s.trySend('x', 9, '127.0.0.1'),
      sendBatch: (s) => s.sendBatch(['x', 'y'], { address: '127.0.0.1', port: 9 }),
      toDgram: (s) => s.toDgram(),
      receive: (s) => s.receive({ timeout: 10 }),
    };
    // Allowed to keep working on a closed socket (no descriptor involved).
    const inert = ['closed', 'stats', 'sendQueueLength', 'getSendQueueSize', 'getSendQueueCount', 'ref', 'unref', 'hasRef', 'close'];

    it('the table covers every public method of UdpSocket', () => {
      const names = publicMembers(UdpSocket.prototype);
      expect(names.filter((n) => !inert.includes(n)).sort(), 'a new public method? add it to the use-after-close table in test/hardening/udp-lifecycle.test.ts (or to the inert list)').toEqual(Object.keys(calls).sort());
    });

    for (const [name, call] of Object.entries(calls)) {
      it(`${name}() after close() fails with ERR_SOCKET_CLOSED (throw or rejection), never a crash`, async () => {
        const s = await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1' });
        await s.close();
        let err: unknown;
        try {
          await call(s);
        } catch (e) {
          err = e;
        }
        expect(err).toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
      });
    }

    it('close() twice (and concurrently) resolves; inert members stay usable', async () => {
      const s = await UdpSocket.create({ family: 'ipv6', address: '::1' });
      await Promise.all([s.close(), s.close()]);
      await s.close();
      expect(s.closed).toBe(true);
      expect(s.stats().received).toBe(0);
      expect(() => s.ref().unref().hasRef()).not.toThrow();
      // Iteration of a closed socket ends at once.
      const it = s[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(true);
    });

    it('sends pending at close reject with ERR_SOCKET_CLOSED', async () => {
      const s = await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', sendQueueLimit: 1 << 20 });
      s.setSendBufferSize(4096);
      const port = s.address().port;
      const pending = Array.from({ length: 2000 }, () => s.send(Buffer.alloc(1400), port, '127.0.0.1').then(() => 'sent', (e: { code?: string }) => e.code));
      await s.close();
      const outcomes = new Set(await Promise.all(pending));
      for (const o of outcomes) expect(['sent', 'ERR_SOCKET_CLOSED']).toContain(o);
    });
  });

  it('close() from inside a message handler mid-batch: no further messages from that batch, no crash', () => {
    const r = expectClean(
      runChild<{ delivered: number[]; afterClose: number; closedEvent: boolean; fd0: number; fd1: number }>(`
        (async () => {
          const fd0 = fdCount();
          const delivered = [];
          for (let round = 0; round < 50; round++) {
            const rx = await sockit.UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', batchSize: 64 });
            const port = rx.address().port;
            // Queue a full batch in the kernel before JS gets to run the receive callback:
            // trySend is a synchronous sendmsg, and the receive callback cannot run within this loop.
            const tx = await sockit.UdpSocket.create({ family: 'ipv4' });
            for (let i = 0; i < 64; i++) if (!tx.trySend('m' + i, port, '127.0.0.1')) throw new Error('trySend');
            let n = 0, after = 0, closed = false;
            const closeAt = 1 + (round % 20);
            rx.on('close', () => { closed = true; });
            await new Promise((resolve) => {
              rx.on('message', () => {
                if (closed || rx.closed) after++;
                n++;
                if (n === closeAt) { rx.close().then(resolve); }
              });
              setTimeout(resolve, 2000);
            });
            await tx.close();
            delivered.push(n);
            if (after) { emit({ delivered, afterClose: after, closedEvent: closed, fd0, fd1: fdCount() }); return; }
          }
          await new Promise((r) => setTimeout(r, 50));
          emit({ delivered, afterClose: 0, closedEvent: true, fd0, fd1: fdCount() });
        })();`),
    );
    expect(r.afterClose).toBe(0);
    // Each round stopped exactly where it closed (1..20 messages of a 64-message batch).
    expect(r.delivered).toEqual(Array.from({ length: 50 }, (_, i) => 1 + (i % 20)));
    expect(r.fd1).toBe(r.fd0);
  });

  it(`Workers receiving under load, terminated mid-receive ${WORKER_ROUNDS} times: no crash, no fd growth`, () => {
    const r = expectClean(
      runChild<{ fd0: number; fd1: number; rounds: number; received: number }>(
        `
        const { Worker } = require('worker_threads');
        const src = \`
          const { parentPort } = require('worker_threads');
          const s = require(${JSON.stringify(dist)});
          (async () => {
            const rx = await s.UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', batchSize: 32 });
            const rx6 = await s.UdpSocket.create({ family: 'ipv6', address: '::1' });
            const tx = await s.UdpSocket.create({ family: 'ipv4' });
            const raw = new s.Socket('ipv4', 'dgram'); // a plain Socket left open too
            let got = 0;
            rx.on('message', () => { if (++got === 1) parentPort.postMessage('receiving'); });
            const port = rx.address().port;
            const blast = () => { for (let i = 0; i < 64; i++) tx.trySend('x', port, '127.0.0.1'); setImmediate(blast); };
            blast();
          })();\`;
        (async () => {
          let received = 0, fd0 = 0;
          // 5 warm-up rounds first: node opens a few descriptors of its own once (first Worker, io_uring).
          for (let i = -5; i < ${WORKER_ROUNDS}; i++) {
            if (i === 0) { await new Promise((r) => setTimeout(r, 100)); fd0 = fdCount(); received = 0; }
            const w = new Worker(src, { eval: true });
            await new Promise((res, rej) => { w.once('message', () => { received++; res(); }); w.once('error', rej); });
            // Terminate while it is receiving (sometimes at once, sometimes a moment later).
            if (i % 3) await new Promise((r) => setTimeout(r, i % 7));
            await w.terminate();
          }
          await new Promise((r) => setTimeout(r, 100));
          emit({ fd0, fd1: fdCount(), rounds: ${WORKER_ROUNDS}, received });
        })();`,
        { timeoutMs: 240_000 },
      ),
    );
    expect(r.received).toBe(WORKER_ROUNDS);
    expect(r.fd1).toBe(r.fd0);
  }, 250_000);
});

/** Public members along the prototype chain, up to (not including) EventEmitter's: the engine's count too. */
function publicMembers(proto: object): string[] {
  const out = new Set<string>();
  for (let p: object | null = proto; p && p !== EventEmitter.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const n of Object.getOwnPropertyNames(p)) if (n !== 'constructor' && !n.startsWith('_')) out.add(n);
  }
  return [...out];
}
