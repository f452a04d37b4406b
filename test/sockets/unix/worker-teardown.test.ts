// Descriptors received (SCM_RIGHTS) inside a Worker that ends while it still
// holds them: no JS runs at a Worker's teardown (no listener returns, no
// finalizer, no iterator is released), so the addon's environment cleanup
// must close every received descriptor the Worker had not taken — held by a
// receive()d message, waiting in an iterator's buffer, or in a batch that
// was never delivered. The Worker shares the process's descriptor table:
// a leak shows up in the main thread's /proc/self/fd.
import { describe, expect, it } from 'vitest';
import { dist, expectClean, runChild } from '../../hardening/child';

// Runs in the Worker: a socket pair; `a` sends messages carrying fds 0, 1
// and 2 (each received message installs three new descriptors). Modes:
//  held     1000 messages receive()d and kept in an array, untaken
//  queued   1000 messages buffered for an async iterator that never pulls
//  flood    sends without end to a 'message' listener that keeps every info
//  taken    one message whose descriptors are taken (they stay open: yours)
const worker = `
  const { UnixSocket } = require(${JSON.stringify(dist)});
  const { parentPort, workerData } = require('worker_threads');
  const [a, b] = UnixSocket.pair({ highWaterMark: 4096 });
  // Global: reachable until the end, so no finalizer closes anything first.
  const kept = (globalThis.kept = []);
  const open = () => require('fs').readdirSync('/proc/self/fd').length;
  const fds = [0, 1, 2];
  (async () => {
    if (workerData.mode === 'held') {
      for (let i = 0; i < 1000; i++) {
        const p = b.receive({ timeout: 5000 });
        await a.send('m' + i, { fds });
        kept.push(await p);
      }
      parentPort.postMessage({ ready: kept.length, open: open() });
    } else if (workerData.mode === 'queued') {
      const it = b[Symbol.asyncIterator]();
      void it.next();
      for (let i = 0; i < 1000; i++) await a.send('m' + i, { fds });
      while (b.stats().received < 1000) await new Promise((r) => setTimeout(r, 5));
      parentPort.postMessage({ ready: b.stats().received, open: open() });
    } else if (workerData.mode === 'flood') {
      b.on('message', (_d, info) => kept.push(info));
      let told = false;
      (function more() {
        for (let i = 0; i < 64; i++) a.send('m', { fds }).catch(() => {});
        if (!told && kept.length >= 200) { told = true; parentPort.postMessage({ ready: kept.length }); }
        setImmediate(more);
      })();
    } else {
      const p = b.receive({ timeout: 5000 });
      await a.send('t', { fds: [0] });
      const m = await p;
      parentPort.postMessage({ ready: 1, taken: m.info.fds.take() });
    }
    if (workerData.exit) process.exit(0);
  })().catch((e) => { console.error(e); process.exit(5); });
`;

function teardown(mode: string, how: 'terminate' | 'exit'): { before: number; during: number; after: number; ready: number; taken: number[]; leaked: string[] } {
  return expectClean(
    runChild<{ before: number; during: number; after: number; ready: number; taken: number[]; leaked: string[] }>(
      `const { Worker } = require('worker_threads');
       const exit = ${JSON.stringify(how === 'exit')};
       // One Worker first, so whatever Node keeps open after the first Worker is in the baseline.
       const warm = new Worker('require(${JSON.stringify(dist)})', { eval: true });
       warm.on('exit', () => {
         const before = fdCount();
         const names = new Set(fdTargets());
         const w = new Worker(${JSON.stringify(worker)}, { eval: true, workerData: { mode: ${JSON.stringify(mode)}, exit } });
         let ready = 0, taken = [], during = 0;
         w.on('message', (m) => {
           ready = m.ready;
           during = m.open || 0;
           taken = m.taken || [];
           if (!exit) void w.terminate();
         });
         w.on('error', (e) => { console.error(e); process.exit(3); });
         w.on('exit', () => {
           // Give the Worker's loop descriptors a moment, then count.
           const t0 = Date.now();
           (function check() {
             const after = fdCount() - taken.length;
             if (after > before && Date.now() - t0 < 2000) return void setTimeout(check, 20);
             const leaked = fdTargets().filter((l) => !names.has(l)).slice(0, 10);
             for (const fd of taken) fs.closeSync(fd);
             emit({ before, during, after, ready, taken, leaked });
           })();
         });
       });`,
      { timeoutMs: 60_000 },
    ),
  );
}

describe('a Worker that ends holding received descriptors', () => {
  it.each([
    ['held', 'terminate'],
    ['held', 'exit'],
    ['queued', 'terminate'],
    ['queued', 'exit'],
    ['flood', 'terminate'],
  ] as const)('%s messages, worker %s: the process fd count returns to its baseline', (mode, how) => {
    const r = teardown(mode, how);
    expect(r.ready).toBeGreaterThan(mode === 'flood' ? 199 : 999);
    // The Worker really held them (three per message) when it was told to end.
    if (mode !== 'flood') expect(r.during - r.before).toBeGreaterThanOrEqual(3000);
    expect(r.leaked).toEqual([]);
    expect(r.after).toBe(r.before);
  });

  it('descriptors the Worker took stay open after it ends (they are its owner’s, not the addon’s)', () => {
    const r = teardown('taken', 'terminate');
    expect(r.taken).toHaveLength(1);
    expect(r.after).toBe(r.before);
  });

  it('a flood torn down again and again leaks nothing', () => {
    for (let k = 0; k < 5; k++) {
      const r = teardown('flood', 'terminate');
      expect(r.after).toBe(r.before);
    }
  });
});
