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

function perCpuNs(c0, n) {
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / n;
}

async function sendFloor() {
  // As the engine does: one executor for all promises, resolving functions kept in arrays.
  let res;
  const capture = (a) => {
    res = a;
  };
  const qRes = new Array(N);
  const send = (i) => {
    const p = new Promise(capture);
    qRes[i] = res;
    return p;
  };
  const pending = new Array(N);
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let n = 0;
    while (Number(process.hrtime.bigint() - t0) < SECONDS * 1e9) {
      for (let i = 0; i < N; i++) pending[i] = send(i);
      await null; // the end of the tick, where the engine's flush settles them
      for (let i = 0; i < N; i++) qRes[i](64);
      await Promise.all(pending);
      n += N;
    }
    best = Math.min(best, perCpuNs(c0, n));
  }
  return best;
}

function recvFloor() {
  const FastBuffer = Buffer[Symbol.species];
  const ab = new ArrayBuffer(256 << 10);
  const target = { n: 0 };
  const listener = function (payload, info) {
    this.n += payload.length + info.port * 0;
  };
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let n = 0;
    while (Number(process.hrtime.bigint() - t0) < SECONDS * 1e9) {
      for (let i = 0; i < N; i++) {
        const payload = new FastBuffer(ab, i * 64, 64);
        const info = { address: '198.18.0.1', port: 9, family: 'IPv4', size: 64, truncated: false };
        listener.call(target, payload, info);
      }
      n += N;
    }
    best = Math.min(best, perCpuNs(c0, n));
  }
  return best;
}

(async () => {
  const sendNs = await sendFloor();
  const recvNs = recvFloor();
  console.log(JSON.stringify({ sendNs: Math.round(sendNs), recvNs: Math.round(recvNs) }));
})();
