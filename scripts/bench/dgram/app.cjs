// A dgram-style program, measured by ./run.mjs twice: once as is (node:dgram)
// and once with DGRAM_MODULE pointing at sockit's drop-in. Nothing else
// differs: the import is the only line that changes.
//
//   node app.cjs recv SECONDS WARMUP        -> prints "ready PORT", then one JSON line (env RCVBUF: SO_RCVBUF)
//   node app.cjs send SECONDS SIZE PORT     -> one JSON line
'use strict';
const dgram = require(process.env.DGRAM_MODULE || 'node:dgram');

const [mode, secondsArg, a, b] = process.argv.slice(2);
const SECONDS = Number(secondsArg);
const LO = '127.0.0.1';

function measure(count, start) {
  const c = process.cpuUsage(start.cpu);
  const wall = Number(process.hrtime.bigint() - start.t) / 1e9;
  const cpu = (c.user + c.system) / 1e6;
  return { count, wall, cpu, perWallSecond: count / wall, perCpuSecond: count / cpu };
}
const mark = () => ({ t: process.hrtime.bigint(), cpu: process.cpuUsage() });

if (mode === 'recv') {
  const WARMUP = Number(a);
  let n = 0;
  let bytes = 0;
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    n++;
    bytes += msg.length + (rinfo.port & 0);
  });
  sock.bind(0, LO, () => {
    // RCVBUF=bytes: setRecvBufferSize (capped by net.core.rmem_max); default: the kernel's default, as most programs leave it.
    if (process.env.RCVBUF) sock.setRecvBufferSize(Number(process.env.RCVBUF));
    console.log(`ready ${sock.address().port}`);
    // Measure from WARMUP seconds after the first datagram, for SECONDS.
    sock.once('message', () => {
      setTimeout(() => {
        const n0 = n;
        const start = mark();
        setTimeout(() => {
          console.log(JSON.stringify({ ...measure(n - n0, start), bytes }));
          sock.close();
        }, SECONDS * 1000);
      }, WARMUP * 1000);
    });
  });
} else if (mode === 'send') {
  const SIZE = Number(a);
  const PORT = Number(b);
  const buf = Buffer.alloc(SIZE, 0x5a);
  // GSO_OFF=1: the drop-in with its UDP GSO gathering off (node:dgram ignores `engine`).
  const sock = dgram.createSocket(process.env.GSO_OFF === '1' ? { type: 'udp4', engine: { gso: 0 } } : 'udp4');
  sock.bind(0, LO, async () => {
    for (let i = 0; i < 1000; i++) sock.send(buf, PORT, LO); // warm-up
    await new Promise((r) => sock.send(buf, PORT, LO, r));
    let count = 0;
    const start = mark();
    const stop = start.t + BigInt(Math.round(SECONDS * 1e9));
    while (process.hrtime.bigint() < stop) {
      for (let i = 0; i < 256; i++) sock.send(buf, PORT, LO); // 256 send() calls per tick
      count += 256;
      await new Promise(setImmediate);
    }
    await new Promise((r) => sock.send(buf, PORT, LO, r)); // everything before it has left
    console.log(JSON.stringify(measure(count + 1, start)));
    sock.close();
  });
} else {
  console.error('usage: node app.cjs recv SECONDS WARMUP | send SECONDS SIZE PORT');
  process.exit(2);
}
