import { EventEmitter } from 'node:events';
// Lifecycle of PacketSocket (AF_PACKET on the I/O engine): create/close
// cycles, CLOEXEC, use-after-close of every method, Workers terminated while
// receiving. Needs CAP_NET_RAW (root in the private namespace of npm test).
import { describe, expect, it, vi } from 'vitest';
import { PacketSocket } from '../helpers/sockit';
import { describeWith } from '../helpers/env';
import { dist, expectClean, expectCloseOnExec, runChild } from './child';

// Generous per-test time: these run children, and run again ~10x slower under test:asan on a busy machine.
vi.setConfig({ testTimeout: 300_000 });

// Under test:asan (10x slower allocator) the cycle count drops: that run hunts memory errors, not leaks.
const ASAN = process.env.SOCKIT_ASAN === '1';
// Each I/O handle allocates its receive slab: ~9 ms per cycle under ASan, so fewer rounds there.
// Closing a packet socket waits one RCU grace period (~10-15 ms here): 100,000 cycles took 25 min.
const CYCLES = ASAN ? 1_000 : 2_000;
const WORKER_ROUNDS = ASAN ? 10 : 50;

describeWith(['netns', 'CAP_NET_RAW'], 'PacketSocket lifecycle', () => {
  it(`${CYCLES} × PacketSocket.open({ interface: 'lo' }) + close(): fd count back to start, RSS bounded`, () => {
    const r = expectClean(
      runChild<{ fd0: number; fd1: number; rss0: number; rssMid: number; rss1: number }>(
        `
        const run = async (n) => {
          for (let i = 0; i < n; i++) {
            const s = i % 2 ? sockit.PacketSocket.openSync({ interface: 'lo' }) : await sockit.PacketSocket.open({ interface: 'lo', mode: 'cooked' });
            await s.close();
          }
        };
        (async () => {
          await run(${Math.min(1000, CYCLES / 2)}); global.gc();
          const fd0 = fdCount(), rss0 = rssMb();
          await run(${CYCLES / 2}); global.gc();
          const rssMid = rssMb();
          await run(${CYCLES / 2}); global.gc();
          emit({ fd0, fd1: fdCount(), rss0, rssMid, rss1: rssMb() });
        })();`,
        { nodeArgs: ['--expose-gc'], timeoutMs: 300_000 },
      ),
    );
    console.log(`cycles: ${CYCLES} fds ${r.fd0}->${r.fd1} rss ${r.rss0.toFixed(1)}->${r.rss1.toFixed(1)} MB`);
    expect(r.fd1).toBe(r.fd0);
    expect(r.rss1 - r.rss0).toBeLessThan(60);
    expect(r.rss1 - r.rssMid).toBeLessThan(30);
  }, 320_000);

  it('packet socket descriptors are close-on-exec', () => {
    expectCloseOnExec("return [await sockit.PacketSocket.open({ interface: 'lo' }), sockit.PacketSocket.openSync({ interface: 'lo', mode: 'cooked' })];", 2);
  });

  describe('use after close', () => {
    const frame = Buffer.alloc(60);
    const calls: Record<string, (s: PacketSocket) => unknown> = {
      fd: (s) => s.fd,
      receive: (s) => s.receive({ timeout: 10 }),
      send: (s) => s.send(frame),
      trySend: (s) => s.trySend(frame),
      sendBatch: (s) => s.sendBatch([frame, frame]),
      setPromiscuous: (s) => s.setPromiscuous(true),
      setAllMulticast: (s) => s.setAllMulticast(true),
      addMembership: (s) => s.addMembership('01:00:5e:00:00:01'),
      dropMembership: (s) => s.dropMembership('01:00:5e:00:00:01'),
      setFilter: (s) => s.setFilter(null),
      setFanout: (s) => s.setFanout({ id: 1, mode: 'hash' }),
      setOption: (s) => (s as unknown as { setOption(n: string, v: unknown): void }).setOption('SO_PRIORITY', 1),
      getOption: (s) => (s as unknown as { getOption(n: string): unknown }).getOption('SO_PRIORITY'),
    };
    const inert = ['interface', 'closed', 'stats', 'sendQueueLength', 'ring', 'ref', 'unref', 'hasRef', 'close'];

    it('the table covers every public method of PacketSocket', () => {
      const names = publicMembers(PacketSocket.prototype);
      expect(names.filter((n) => !inert.includes(n)).sort(), 'a new public method? add it to the use-after-close table in test/hardening/packet-lifecycle.test.ts (or to the inert list)').toEqual(Object.keys(calls).sort());
    });

    for (const [name, call] of Object.entries(calls)) {
      it(`${name}() after close() fails with ERR_SOCKET_CLOSED (throw or rejection), never a crash`, async () => {
        const s = await PacketSocket.open({ interface: 'lo' });
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

    it('close() twice resolves; a pending receive() settles at close', async () => {
      const s = await PacketSocket.open({ interface: 'lo', protocol: 0x88b5 });
      const pending = s.receive().then(() => 'frame', (e: { code?: string }) => e.code ?? 'error');
      await Promise.all([s.close(), s.close()]);
      await s.close();
      expect(s.closed).toBe(true);
      expect(['ERR_SOCKET_CLOSED', 'frame']).toContain(await pending);
    });
  });

  it(`Workers receiving frames, terminated mid-receive ${WORKER_ROUNDS} times: no crash, no fd growth`, () => {
    const r = expectClean(
      runChild<{ fd0: number; fd1: number; received: number }>(
        `
        const { Worker } = require('worker_threads');
        const src = \`
          const { parentPort } = require('worker_threads');
          const s = require(${JSON.stringify(dist)});
          (async () => {
            const rx = await s.PacketSocket.open({ interface: 'lo' });
            const u = await s.UdpSocket.create({ family: 'ipv4' });
            let told = false;
            (async () => { for await (const f of rx) { if (!told) { told = true; parentPort.postMessage('receiving'); } } })();
            const blast = () => { for (let i = 0; i < 32; i++) u.trySend('x', 9, '127.0.0.1'); setImmediate(blast); };
            blast();
          })();\`;
        (async () => {
          let received = 0, fd0 = 0;
          for (let i = -3; i < ${WORKER_ROUNDS}; i++) {
            if (i === 0) { await new Promise((r) => setTimeout(r, 100)); fd0 = fdCount(); received = 0; }
            const w = new Worker(src, { eval: true });
            await new Promise((res, rej) => { w.once('message', () => { received++; res(); }); w.once('error', rej); });
            if (i % 3) await new Promise((r) => setTimeout(r, i % 7));
            await w.terminate();
          }
          await new Promise((r) => setTimeout(r, 100));
          emit({ fd0, fd1: fdCount(), received });
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
