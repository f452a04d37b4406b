#!/usr/bin/env node
// scripts/bench/frames: raw Ethernet frames/s over a veth pair in a private
// network namespace this script creates (unshare --net), for
//   - sockit PacketSocket: sendBatch (sendmmsg), per-frame send(), receive ('frame' events)
//   - a small C program (sendmmsg / recvmmsg on AF_PACKET), compiled on the fly with cc
//   - Python's socket.AF_PACKET (one frame per call)
// at 64 and 1400 bytes; each number is the median of REPS interleaved rounds (default 3).
// Every contender reports frames/s (wall clock) and frames per CPU-second of its own process
// (user + system, all threads); the second does not depend on how much of a shared machine
// other jobs take. Prints the ratios of both against the targets of issue 4.
// Needs root (or CAP_SYS_ADMIN + CAP_NET_RAW).
// Usage: npm run bench:frames [-- --reps 5 --seconds 1]; SOCKIT_ROOT=<tree> measures another built tree.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ceiling, ceilingViaBatch, measureFloor } from '../ceiling.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const REPS = opt('reps', 3);
const SECONDS = opt('seconds', 1);

if (process.env.SOCKIT_BENCH_NETNS !== '1') {
  const r = spawnSync('unshare', ['--net', '--', process.execPath, fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, SOCKIT_BENCH_NETNS: '1' },
  });
  if (r.error || r.status === null) {
    console.error('bench:frames needs `unshare --net` (root or CAP_SYS_ADMIN):', r.error?.message ?? r.signal);
    process.exit(1);
  }
  process.exit(r.status);
}

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

// Private namespace: a veth pair of our own, nothing else.
sh('ip', ['link', 'set', 'lo', 'up']);
sh('ip', ['link', 'add', 'bench0', 'type', 'veth', 'peer', 'name', 'bench1']);
sh('ip', ['link', 'set', 'bench0', 'up']);
sh('ip', ['link', 'set', 'bench1', 'up']);
const work = mkdtempSync(join(tmpdir(), 'sockit-bench-frames-'));
const cbin = join(work, 'bench');
sh('cc', ['-O2', '-o', cbin, join(here, 'bench.c')]);
const py = spawnSync('python3', ['--version']).status === 0 ? 'python3' : null;

/** "frames/s frames-per-CPU-second" as a contender prints it. */
function parseRates(out) {
  const [wall, cpu] = out.trim().split(/\s+/).map(Number);
  return Number.isFinite(wall) && Number.isFinite(cpu) ? { wall, cpu } : null;
}
const NONE = { wall: NaN, cpu: NaN };
function once(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: (SECONDS + 20) * 1000 });
  const n = parseRates(r.stdout ?? '');
  if (r.status !== 0 || !n) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return n;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function recvOnce(size, cmd, args) {
  const flood = spawn(cbin, ['flood', 'bench0', String(size)], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 200));
  const res = await new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
  flood.kill('SIGKILL');
  await new Promise((r) => flood.once('exit', r));
  const n = parseRates(res.out);
  if (res.code !== 0 || !n) throw new Error(`${cmd} ${args.join(' ')} failed: ${res.err}`);
  return n;
}
/**
 * Run every contender once per round, REPS rounds, and take each one's
 * median: interleaving keeps a change in machine load from favouring whoever
 * happened to run during a quiet moment.
 */
async function rounds(contenders) {
  const samples = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let i = 0; i < REPS; i++) {
    for (const [k, run] of Object.entries(contenders)) samples[k].push(await run());
  }
  return Object.fromEntries(
    Object.entries(samples).map(([k, xs]) => [k, { wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) }]),
  );
}

const node = process.execPath;
const js = join(here, 'sockit-bench.js');
const S = String(SECONDS);
const results = {};
console.log(
  [
    "send x1024/tick = 1024 send() calls per tick, then await them (default coalesce 'auto': one send(2), then one",
    'sendmmsg for the rest of the tick); await send = each send() awaited before the next (one send(2) each);',
    'trySend = synchronous per-frame call; Python = socket.send() per frame in a loop; C = sendmmsg(1024) loop.',
    'receive: flooded by the C sender; sockit receive = recvmmsg engine, ring = TPACKET_V3 ring ({ ring: true }).',
    'C recvmmsg = recvmmsg(256) asking for what a PacketSocket asks for (each frame\'s sockaddr_ll, PACKET_AUXDATA,',
    'SO_TIMESTAMPNS; its cmsgs read): the same syscalls. C recvmmsg, bare = no address, no control (before 2026-12-03).',
  ].join('\n'),
);
console.log(`bench:frames (${process.env.SOCKIT_ROOT ?? "this tree"}) — veth pair in a private netns, median of ${REPS} x ${SECONDS}s, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const size of [64, 1400]) {
  const z = String(size);
  const send = await rounds({
    cSend: () => once(cbin, ['send', 'bench0', z, S, '1024']),
    pySend: () => (py ? once(py, [join(here, 'bench.py'), 'send', 'bench0', z, S]) : NONE),
    sockitBatch: () => once(node, [js, 'send-batch', 'bench0', z, S]),
    sockitSingle: () => once(node, [js, 'send-single', 'bench0', z, S]),
    sockitSerial: () => once(node, [js, 'send-serial', 'bench0', z, S]),
    sockitTry: () => once(node, [js, 'try-send', 'bench0', z, S]),
  });
  const recv = await rounds({
    cRecv: () => recvOnce(size, cbin, ['recv-info', 'bench1', S, '256']),
    cRecvBare: () => recvOnce(size, cbin, ['recv', 'bench1', S, '256']),
    pyRecv: () => (py ? recvOnce(size, py, [join(here, 'bench.py'), 'recv', 'bench1', S]) : NONE),
    sockitRecv: () => recvOnce(size, node, [js, 'recv', 'bench1', S]),
    sockitBorrow: () => recvOnce(size, node, [js, 'recv-borrow', 'bench1', S]),
    sockitRing: () => recvOnce(size, node, [js, 'recv-ring', 'bench1', S]),
  });
  results[size] = { ...send, ...recv };
}

const k = (n) => (Number.isFinite(n) ? `${(n / 1000).toFixed(0)}k/s` : 'n/a');
const ratio = (a, b) => (Number.isFinite(a / b) ? a / b : NaN);
console.log('\nframes/s (wall) / per CPU-second      64 B               1400 B');
const rows = [
  ['C sendmmsg', 'cSend'],
  ['Python send', 'pySend'],
  ['sockit sendBatch', 'sockitBatch'],
  ['sockit send x1024/tick', 'sockitSingle'],
  ['sockit await send', 'sockitSerial'],
  ['sockit trySend (sync)', 'sockitTry'],
  ['C recvmmsg', 'cRecv'],
  ['C recvmmsg, bare', 'cRecvBare'],
  ['Python recv', 'pyRecv'],
  ['sockit receive', 'sockitRecv'],
  ['sockit receive, borrow', 'sockitBorrow'],
  ['sockit receive, ring', 'sockitRing'],
];
const both = (r) => `${k(r.wall)} / ${k(r.cpu)}`;
for (const [label, key] of rows) console.log(`${label.padEnd(24)} ${both(results[64][key]).padStart(19)}  ${both(results[1400][key]).padStart(19)}`);

const targets = [
  ['sendBatch / C sendmmsg', 'sockitBatch', 'cSend', 0.8],
  ['sendBatch / Python', 'sockitBatch', 'pySend', 3],
  ['send / Python', 'sockitSingle', 'pySend', 1],
  ['await each send / Python (informative)', 'sockitSerial', 'pySend', 1],
  ['trySend / Python (informative)', 'sockitTry', 'pySend', 1],
  ['receive / C recvmmsg', 'sockitRecv', 'cRecv', 0.85],
  ['receive, borrow: true / C recvmmsg (informative)', 'sockitBorrow', 'cRecv', 0.85],
  ['send x1024/tick / C sendmmsg (issue 10)', 'sockitSingle', 'cSend', 0.8],
  ['receive with ring / C recvmmsg (informative)', 'sockitRing', 'cRecv', 0.8],
  ['receive / bare C recvmmsg (informative)', 'sockitRecv', 'cRecvBare', 0.85],
];
let missed = 0;
for (const basis of ['wall', 'cpu']) {
  console.log(
    basis === 'wall'
      ? '\nratios of frames/s (target for 64 B; 1400 B reported)   64 B    1400 B   target'
      : '\nratios of frames per CPU-second (steadier on a busy machine)   64 B    1400 B   target',
  );
  for (const [label, a, b, t] of targets) {
    const r64 = ratio(results[64][a][basis], results[64][b][basis]);
    const r1400 = ratio(results[1400][a][basis], results[1400][b][basis]);
    const ok = r64 >= t;
    const informative = label.includes('informative');
    if (!ok && !informative && basis === 'wall') missed++;
    console.log(`${label.padEnd(52)} ${r64.toFixed(2).padStart(6)}  ${r1400.toFixed(2).padStart(7)}   >= ${t}  ${ok ? 'met' : informative ? 'below' : 'MISSED'}`);
  }
}
// The best ratios the per-message APIs allow (scripts/bench/ceiling.mjs).
const floor = measureFloor();
console.log(`\nceilings from the JS floor (scripts/bench/floor.cjs: send() promise ${floor.sendNs} ns, received message ${floor.recvNs} ns), per CPU-second:`);
console.log(`${'  send x1024/tick / C sendmmsg: at most'.padEnd(52)} ${ceiling(results[64].cSend.cpu, floor.sendNs).padStart(6)}  ${ceiling(results[1400].cSend.cpu, floor.sendNs).padStart(7)}`);
const viaBatch = (r) => ceilingViaBatch(r.cSend.cpu, r.sockitBatch.cpu, floor.sendNs);
console.log(`${'  send x1024/tick, via the sendBatch path: at most'.padEnd(52)} ${viaBatch(results[64]).padStart(6)}  ${viaBatch(results[1400]).padStart(7)}`);
console.log(`${'  receive / C recvmmsg: at most'.padEnd(52)} ${ceiling(results[64].cRecv.cpu, floor.recvNs).padStart(6)}  ${ceiling(results[1400].cRecv.cpu, floor.recvNs).padStart(7)}`);
if (process.argv.includes('--json')) console.log(JSON.stringify(results));
console.log(missed ? `\n${missed} target(s) missed at 64 B on frames/s (numbers above are measured, not adjusted).` : '\nall 64 B targets met on frames/s.');
