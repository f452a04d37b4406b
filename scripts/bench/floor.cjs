#!/usr/bin/env node
// The JavaScript floor of the per-message APIs, with no I/O and no sockit
// code: what one send() promise (created, resolved at the end of the tick,
// awaited with Promise.all) and one received message (a Buffer view, an info
// object, one listener call) cost on this machine and this Node.
// Prints one JSON line: { sendNs, recvNs } (CPU nanoseconds per message).
// The benches turn it into a ceiling: C's time per message / (C's + floor)
// is the best ratio any engine could reach through these APIs.
'use strict';

const SECONDS = Number(process.env.FLOOR_SECONDS ?? 0.7);
const N = 1024;

/** Best of 3 rounds of SECONDS each: CPU ns per message; `round()` runs N messages. */
async function measure(round) {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let n = 0;
    while (Number(process.hrtime.bigint() - t0) < SECONDS * 1e9) {
      await round();
      n += N;
    }
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / n);
  }
  return best;
}

function sendFloor() {
  // As the engine does: one executor for all promises, resolving functions kept in an array.
  let res;
  const capture = (a) => {
    res = a;
  };
  const qRes = new Array(N);
  const pending = new Array(N);
  return measure(async () => {
    for (let i = 0; i < N; i++) {
      pending[i] = new Promise(capture);
      qRes[i] = res;
    }
    await null; // the end of the tick, where the engine's flush settles them
    for (let i = 0; i < N; i++) qRes[i](64);
    await Promise.all(pending);
  });
}

function recvFloor() {
  const FastBuffer = Buffer[Symbol.species];
  const ab = new ArrayBuffer(N * 64);
  const target = { n: 0 };
  const listener = function (payload, info) {
    this.n += payload.length + info.port * 0;
  };
  return measure(() => {
    for (let i = 0; i < N; i++) {
      const payload = new FastBuffer(ab, i * 64, 64);
      const info = { address: '198.18.0.1', port: 9, family: 'IPv4', size: 64, truncated: false };
      listener.call(target, payload, info);
    }
  });
}

(async () => {
  const sendNs = await sendFloor();
  const recvNs = await recvFloor();
  console.log(JSON.stringify({ sendNs: Math.round(sendNs), recvNs: Math.round(recvNs) }));
})();
