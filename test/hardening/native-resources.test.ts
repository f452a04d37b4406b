// The native engine under resource pressure and blocking kernel work:
//  - an address-space limit (prlimit --as): allocation failures become ENOMEM
//    (a return value or an Error with code 'ENOMEM'), never std::bad_alloc
//    aborting the process; send-only handles reserve no receive memory;
//  - closing packet sockets (one RCU grace period each in the kernel) and the
//    membarrier of a filter change run off the loop thread.
import { spawnSync } from 'node:child_process';
import { expect, it, vi } from 'vitest';
import { describeWith, hasTool } from '../helpers/env';
import { expectClean, prelude, root, runChild } from './child';

vi.setConfig({ testTimeout: 180_000 });

describeWith(['netns'], 'native engine under an address-space limit', () => {
  it('3000 handles fit in 3 GB while send-only; receiving on all of them ends in ENOMEM, not an abort', () => {
    expect(hasTool('prlimit'), 'prlimit (util-linux) is needed').toBe(true);
    const body = `
      const N = sockit.native, AF = sockit.constants;
      const ENOMEM = require('os').constants.errno.ENOMEM;
      const handles = [];
      const errors = {};
      let receiving = 0, enomem = 0, ctorEnomem = 0, closed = 0;
      const onEvent = (t) => { if (t === N.ioConstants.EV_CLOSE) closed++; };
      for (let i = 0; i < 3000; i++) {
        const fd = N.socket(AF.AF_INET, AF.SOCK_DGRAM, 0);
        if (fd < 0) { errors['socket ' + fd] = (errors['socket ' + fd] ?? 0) + 1; break; }
        try { handles.push(new N.IoHandle(fd, {}, () => {}, onEvent)); }
        catch (e) { if (e.code !== 'ENOMEM') throw e; ctorEnomem++; N.close(fd); }
      }
      const created = handles.length;
      // The loop below exhausts the address space on purpose; V8 must not be mid-GC then (its marking
      // worklists are malloc'ed, and an allocation failure inside V8 is a fatal OOM, not ours to handle).
      gc();
      for (const h of handles) {
        const r = h.setReceiving(true);
        if (r === 0) receiving++;
        else if (r === -ENOMEM) enomem++;
        else errors[r] = (errors[r] ?? 0) + 1;
      }
      // Closing frees receive memory: afterwards a new receiver gets a datagram.
      const keep = handles.pop();
      for (const h of handles) h.close();
      const rxErrors = [];
      (function wait() {
        if (closed < handles.length) return setTimeout(wait, 10);
        const rxFd = N.socket(AF.AF_INET, AF.SOCK_DGRAM, 0);
        N.bind(rxFd, { family: AF.AF_INET, address: '127.0.0.1', port: 0 });
        let delivered = 0;
        const rx = new N.IoHandle(rxFd, {}, (_d, n) => { delivered += n; }, (t, e) => { if (t === N.ioConstants.EV_ERROR) rxErrors.push(e); }, { batchSize: 4, messageSize: 2048 });
        const rr = rx.setReceiving(true);
        const sent = N.sendmsgFd(keep.fd, Buffer.from('ping'), N.ioEncodeAddress(N.getsockname(rxFd)), null);
        setTimeout(() => {
          rx.close(); keep.close();
          emit({ created, ctorEnomem, receiving, enomem, errors, delivered, rr, sent, rxErrors });
        }, 200);
      })();`;
    // ASan reserves terabytes of shadow address space and cannot start under --as:
    // under test:asan this child loads the regular build (the point is: no abort).
    const env = { ...process.env };
    delete env.LD_PRELOAD;
    delete env.SOCKIT_NATIVE_PATH;
    // 3 GB on Node 20, whose bare process maps ~0.73 GB; newer Node versions reserve more address space
    // up front (Node 26: ~1.29 GB), so the limit is the same headroom above this Node's own baseline.
    const base = Number(
      spawnSync(process.execPath, ['-e', "process.stdout.write(require('fs').readFileSync('/proc/self/status', 'utf8').match(/VmSize:\\s+(\\d+)/)[1])"], { encoding: 'utf8', env }).stdout,
    ) * 1024;
    const limit = 3_000_000_000 + Math.max(0, base - 730 * 1024 * 1024);
    // --single-threaded: no background GC or compiler threads that could need memory while it is exhausted.
    const r = spawnSync('prlimit', [`--as=${limit}`, '--nofile=8192', process.execPath, '--expose-gc', '--single-threaded', '-e', prelude + body], {
      encoding: 'utf8',
      cwd: root,
      env,
      timeout: 120_000,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
    if (r.status !== 0 || !line) throw new Error(`child failed (status ${r.status}, signal ${r.signal}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-4000)}`);
    const res = JSON.parse(line.slice(9)) as { created: number; ctorEnomem: number; receiving: number; enomem: number; errors: Record<string, number>; delivered: number; rr: number; sent: number; rxErrors: number[] };
    console.log(`address-space limit 3 GB: ${res.created} handles created, ${res.receiving} receiving, ${res.enomem} setReceiving(true) → -ENOMEM`);
    expect(res.ctorEnomem).toBe(0);
    expect(res.created).toBe(3000);
    expect(res.errors).toEqual({});
    expect(res.receiving).toBeGreaterThan(10);
    expect(res.enomem).toBeGreaterThan(0);
    expect(res.rr).toBe(0);
    expect(res.sent).toBe(4);
    expect(res.rxErrors).toEqual([]);
    expect(res.delivered).toBe(1);
  });
});

// monitorEventLoopDelay records whole timer intervals (so with a 1 ms
// resolution an idle loop reads ~1.1 ms), and on a 2-CPU machine shared with
// parallel test forks the loop thread alone is sometimes descheduled for a
// few ms (an idle baseline read up to 4.5 ms at load 7). Each measurement is
// therefore 9 trials, each right after an idle measurement of its own (the
// same load for both), and one trial within bound passes: noise comes and
// goes, while a close that blocks the loop (~10 ms per packet socket, 200 ms
// for 20) shows in every trial.
/** One trial: [max loop delay of an idle loop, max loop delay during the work], ms. */
type Trial = [number, number];

describeWith(['netns', 'CAP_NET_RAW'], 'blocking kernel work stays off the event loop', () => {
  it('closing 20 receiving packet IoHandles, closeAsync of 20 packet sockets, membarrierAsync, ringSkipAsync: the loop never waits for a grace period', () => {
    const r = expectClean(
      runChild<{ handles: Trial[]; plain: Trial[]; barrier: Trial[]; ring: Trial[]; syncCloseMs: number; closeWaitMs: number }>(
        `
      const { monitorEventLoopDelay, performance } = require('perf_hooks');
      const N = sockit.native, AF = sockit.constants;
      const ETH_P_ALL_BE = 0x0300; // htons(ETH_P_ALL): a protocol hook, so release waits a grace period
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      // Max event-loop delay (ms, resolution 1 ms) while work() runs.
      async function maxDelay(work) {
        const h = monitorEventLoopDelay({ resolution: 1 });
        await sleep(5);
        h.enable();
        await sleep(5);
        await work();
        await sleep(5);
        h.disable();
        return h.max / 1e6;
      }
      // 9 trials of [idle loop's max delay, max delay while trial()'s work runs], back to back.
      async function measure(trial) {
        const trials = [];
        for (let i = 0; i < 9; i++) {
          const idle = await maxDelay(() => sleep(30));
          const work = trial();
          trials.push([idle, await maxDelay(work)]);
        }
        return trials;
      }
      const packet = () => N.socket(AF.AF_PACKET, AF.SOCK_RAW, ETH_P_ALL_BE);
      (async () => {
        // Reference: one synchronous close of a packet socket (what the loop used to wait per close).
        let t0 = performance.now();
        N.close(packet());
        const syncCloseMs = performance.now() - t0;
        let closeWaitMs = 0;
        const handles = await measure(() => {
          let closed = 0;
          const hs = Array.from({ length: 20 }, () => new N.IoHandle(packet(), {}, () => {}, (t) => { if (t === N.ioConstants.EV_CLOSE) closed++; }));
          for (const h of hs) h.setReceiving(true);
          return async () => {
            t0 = performance.now();
            for (const h of hs) h.close();
            while (closed < 20) await sleep(1);
            closeWaitMs = performance.now() - t0;
          };
        });
        const plain = await measure(() => {
          const fds = Array.from({ length: 20 }, packet);
          return () => Promise.all(fds.map((fd) => new Promise((res, rej) => N.closeAsync(fd, (r) => (r === 0 ? res() : rej(new Error('close ' + r)))))));
        });
        const barrier = await measure(() => () => Promise.all(Array.from({ length: 5 }, () => new Promise((res) => N.membarrierAsync(res)))));
        const rfd = packet();
        const rh = new N.IoHandle(rfd, {}, () => {}, () => {}, { ring: N.ioRingSetup(rfd, 4096, 4, 2048, 10) });
        rh.setReceiving(true);
        let skipped = [];
        const ring = await measure(() => () => new Promise((res) => { const q = rh.ringSkipAsync((r) => { skipped.push(r); res(); }); if (q !== 0) { skipped.push(q); res(); } }));
        if (skipped.some((x) => x !== 0)) throw new Error('ringSkipAsync → ' + skipped);
        rh.close();
        const dfd = packet();
        const drained = await new Promise((res) => N.packetDrainAsync(dfd, 10, res));
        N.close(dfd);
        if (drained < 0) throw new Error('packetDrainAsync → ' + drained);
        emit({ handles, plain, barrier, ring, syncCloseMs, closeWaitMs });
      })();`,
      ),
    );
    // Under test:asan every allocation and free on the loop is several times slower: a looser bound,
    // still far below one blocking close per socket (20 × ~10 ms).
    // 2 ms as the issue asks, unless even the idle loop of the same trial read more on a loaded machine
    // (then its idle + 1.5 ms), or the machine is so loaded (2 cores, other test files running beside this
    // one, 4 threadpool threads doing the closes) that the loop's own thread waits for a core: then up to
    // half of one synchronous close. What must never pass is the loop waiting for a grace period: a
    // blocking close costs a whole synchronous close (~12 ms) per socket, in every one of the 9 trials.
    const loaded = Math.min(r.syncCloseMs / 2, 6);
    const bound = ([idle]: Trial): number => (process.env.SOCKIT_ASAN === '1' ? 8 : Math.max(2, idle + 1.5, loaded));
    const best = (ts: Trial[]): Trial => ts.reduce((a, b) => (b[1] - bound(b) < a[1] - bound(a) ? b : a));
    const show = (ts: Trial[]): string => {
      const [idle, work] = best(ts);
      return `${work.toFixed(2)} ms (idle ${idle.toFixed(2)})`;
    };
    console.log(
      `loop delay max (best of 9 trials, 1 ms resolution): 20 IoHandle closes ${show(r.handles)} ` +
        `(all closed after ${r.closeWaitMs.toFixed(1)} ms), 20 closeAsync ${show(r.plain)}, 5 membarrierAsync ${show(r.barrier)}, ` +
        `ringSkipAsync ${show(r.ring)}; one synchronous packet close takes ${r.syncCloseMs.toFixed(2)} ms`,
    );
    for (const [what, ts] of [
      ['20 IoHandle closes', r.handles],
      ['20 closeAsync', r.plain],
      ['5 membarrierAsync', r.barrier],
      ['ringSkipAsync', r.ring],
    ] as const) {
      const t = best(ts);
      expect(t[1], `${what}: max loop delay of the best trial (idle ${t[0].toFixed(2)} ms), bound ${bound(t).toFixed(2)} ms`).toBeLessThan(bound(t));
    }
  });
});
