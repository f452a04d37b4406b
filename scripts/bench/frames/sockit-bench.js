// sockit side of scripts/bench/frames (run in its own process).
//   node sockit-bench.js send-batch|send-single|send-serial|try-send IFACE SIZE SECONDS   /   recv|recv-borrow|recv-ring IFACE SECONDS
// Prints "frames/s frames-per-CPU-second".
'use strict';
const path = require('node:path');
// SOCKIT_ROOT: the sockit tree to measure (default this one).
const { PacketSocket } = require(path.join(process.env.SOCKIT_ROOT ?? path.join(__dirname, '../../..'), 'dist/index.js'));
const [mode, ifname, a3, a4] = process.argv.slice(2);
const WARMUP = 0.5; // seconds of each send loop before the measured window

/** Frames per CPU-second of this process (user + system) since `c0`. */
function perCpu(n, c0) {
  const c = process.cpuUsage(c0);
  return Math.round(n / ((c.user + c.system) / 1e6));
}

async function main() {
  if (mode === 'recv' || mode === 'recv-ring' || mode === 'recv-borrow') {
    const secs = Number(a3);
    const sock = await PacketSocket.open({
      interface: ifname,
      protocol: 0x88b5,
      ...(mode === 'recv-ring' ? { ring: true } : { receiveBufferSize: 64 << 20 }),
      ...(mode === 'recv-borrow' ? { borrow: true } : {}), // frames valid only during the listener call
      batchSize: 256,
    });
    let n = 0;
    let t0 = 0n;
    let c0;
    await new Promise((resolve) => {
      sock.on('frame', () => {
        if (t0 === 0n) {
          t0 = process.hrtime.bigint();
          c0 = process.cpuUsage();
          return;
        }
        n++;
        if ((n & 0xfff) === 0 && Number(process.hrtime.bigint() - t0) / 1e9 >= secs) resolve();
      });
    });
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(Math.round(n / dt), perCpu(n, c0));
    await sock.close();
    return;
  }
  const size = Number(a3);
  const secs = Number(a4);
  const sock = await PacketSocket.open({ interface: ifname, protocol: 0x88b5 });
  const frame = Buffer.alloc(size);
  frame.fill(0xff, 0, 6);
  frame.fill(0x02, 6, 12);
  frame.writeUInt16BE(0x88b5, 12);
  /** Run the mode's loop for `seconds` → { n, dt, c0 }. */
  async function run(seconds) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
    if (mode === 'send-batch') {
      const batch = Array.from({ length: 1024 }, () => frame);
      while (elapsed() < seconds) n += await sock.sendBatch(batch);
    } else if (mode === 'try-send') {
      // The synchronous per-frame call (no promise); EAGAIN (false) is retried.
      while (elapsed() < seconds) {
        for (let i = 0; i < 1024; i++) if (sock.trySend(frame)) n++;
      }
    } else if (mode === 'send-serial') {
      // The per-frame promise API, one frame at a time: each send() awaited before the next.
      while (elapsed() < seconds) {
        for (let i = 0; i < 256; i++) await sock.send(frame);
        n += 256;
      }
    } else {
      // The per-frame promise API, 1024 send() calls per tick (default coalesce 'auto'), then await them.
      const pending = new Array(1024);
      while (elapsed() < seconds) {
        for (let i = 0; i < 1024; i++) pending[i] = sock.send(frame);
        await Promise.all(pending);
        n += 1024;
      }
    }
    return { n, dt: elapsed(), c0 };
  }
  // Warm-up first, as bench:udp does: JIT compilation (V8's compiler threads count as this process's CPU) is a
  // one-time cost, not a per-frame one, and the C and Python contenders have none to pay.
  await run(WARMUP);
  const { n, dt, c0 } = await run(secs);
  console.log(Math.round(n / dt), perCpu(n, c0));
  await sock.close();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
