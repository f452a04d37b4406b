// A Worker that loads the addon and ends while libuv's threadpool is busy:
// the addon's own threadpool requests (the warm-up queued at load, closes)
// are still pending when the Worker's loop closes. libuv refuses to close a
// loop with an active request and Node then aborts the whole process
// ("uv_loop_close() while having open handles"), so the addon's cleanup hook
// must hold the Worker's teardown until they finish.
import { expect, it } from 'vitest';
import { dist, expectClean, runChild } from './child';
import { describeWith } from '../helpers/env';

describeWith(['netns'], 'Worker teardown with the threadpool busy', () => {
  it('Workers terminated right after loading the addon (and after closing sockets) never abort the process', () => {
    const r = runChild<{ ended: number }>(
      `const { Worker } = require('worker_threads');
       const crypto = require('crypto');
       const dist = ${JSON.stringify(dist)};
       // Slow hashes keep the four threadpool threads busy throughout, so the addon's requests wait in the queue.
       let busy = true;
       const hash = () => crypto.pbkdf2('x', 'y', 200000, 32, 'sha256', () => { if (busy) hash(); });
       for (let i = 0; i < 4; i++) hash();
       const bodies = [
         'require(' + JSON.stringify(dist) + ')',
         '(async () => { const s = await require(' + JSON.stringify(dist) + ').UdpSocket.create({ family: "ipv4", address: "127.0.0.1" }); s.on("message", () => {}); void s.close(); })()',
       ];
       let ended = 0;
       (function one() {
         const w = new Worker(bodies[ended % 2] + '; require("worker_threads").parentPort.postMessage("up");', { eval: true });
         w.on('message', () => void w.terminate());
         w.on('error', (e) => { console.error(e); process.exit(3); });
         w.on('exit', () => { if (++ended < 10) one(); else { busy = false; emit({ ended }); } });
       })();`,
      { timeoutMs: 120_000 },
    );
    expect(expectClean(r).ended).toBe(10);
  });
});
