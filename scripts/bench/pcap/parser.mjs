#!/usr/bin/env node
// scripts/bench/pcap/parser.mjs: PcapParser time against record size, to show
// it is linear (issue 13: re-concatenating pending bytes per chunk made a
// 256 MiB record cost minutes). Feeds one record of 8, 32 and 128 MiB in
// 64 KiB chunks (what fs streams deliver) and prints ms per MiB and each
// size's time over the 8 MiB time divided by the size ratio (1.0 = linear).
// Usage: npm run -s build:ts && node scripts/bench/pcap/parser.mjs
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { PcapParser, encodePcapHeader } = require(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'index.js'));
const CHUNK = 64 * 1024;

function run(mib) {
  const len = mib * 1024 * 1024;
  const head = Buffer.alloc(16);
  head.writeUInt32LE(len, 8);
  head.writeUInt32LE(len, 12);
  const body = Buffer.alloc(CHUNK, 1);
  const p = new PcapParser();
  const t0 = process.hrtime.bigint();
  p.push(encodePcapHeader());
  p.push(head);
  let got = 0;
  for (let o = 0; o < len; o += CHUNK) got += p.push(body.subarray(0, Math.min(CHUNK, len - o))).length;
  p.end();
  if (got !== 1) throw new Error('record not parsed');
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

run(8); // warm up
const sizes = [8, 32, 128];
const ms = sizes.map((m) => Math.min(run(m), run(m)));
for (const [i, m] of sizes.entries()) {
  const ratio = ms[i] / ms[0] / (m / sizes[0]);
  console.log(`${String(m).padStart(4)} MiB record: ${ms[i].toFixed(1).padStart(8)} ms  ${(ms[i] / m).toFixed(2)} ms/MiB  time ratio / size ratio vs 8 MiB: ${ratio.toFixed(2)}`);
}
