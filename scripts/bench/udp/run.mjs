#!/usr/bin/env node
// `npm run bench:udp`: UDP datagrams/s for send and receive at 64 B and
// 1400 B — sockit per-message API, sockit batch API, Node dgram, and a C
// sendmmsg/recvmmsg program (and io_uring receivers) compiled on the fly — inside a private network
// namespace this script creates itself (unshare --net re-exec), median of
// REPS interleaved rounds, then the ratios against the targets of issue 3, and the
// RSS growth while receiving 10 million datagrams.
//
// Options (env): SECONDS (per measurement, default 1), REPS (default 3),
//                RSS_DATAGRAMS (default 10000000; 0 skips the RSS run),
//                ONLY (a regular expression over "SIZE dir who", e.g. 'recv (sockit|C)$':
//                run only the matching cases; ratios needing a skipped case are left out),
//                SOCKIT_ROOT (the sockit tree to measure, default this one),
//                PACE_RATE (datagrams/s of the paced receive rows, default 500000).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as dgram from 'node:dgram';
import { ceiling, ceilingViaBatch, measureFloor } from '../ceiling.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// SOCKIT_ROOT: measure another built tree with this script (before/after tables in one sitting).
const root = process.env.SOCKIT_ROOT ?? join(here, '..', '..', '..');

if (process.env.SOCKIT_BENCH_NETNS !== '1') {
  const r = spawnSync('unshare', ['--net', '--', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, SOCKIT_BENCH_NETNS: '1' },
  });
  if (r.error || r.status === null) {
    console.error('bench:udp needs a private network namespace: run as root (or with CAP_SYS_ADMIN).');
    process.exit(1);
  }
  process.exit(r.status);
}
execFileSync('ip', ['link', 'set', 'lo', 'up']);

const require = createRequire(import.meta.url);
const { UdpSocket, Socket, setOption } = require(join(root, 'dist', 'index.js'));

const SECONDS = Number(process.env.SECONDS ?? 1);
const REPS = Number(process.env.REPS ?? 3);
const RSS_DATAGRAMS = Number(process.env.RSS_DATAGRAMS ?? 10_000_000);
const ONLY = process.env.ONLY ? new RegExp(process.env.ONLY) : undefined;
// The paced receive rows: every receiver gets the same datagrams at this rate, below what any of them
// can take, so each is measured at the same load (a flooded receiver that cannot keep up works from a
// full, cache-cold socket queue, one that keeps up from fresh datagrams: docs/udp.md, "Flood and pace").
const PACE_RATE = Number(process.env.PACE_RATE ?? 500_000);
// C_WORK_NS: add a C-work row, the C receiver spinning this many ns per datagram (docs/udp.md,
// "What a flooded receiver's ratio measures").
const C_WORK_NS = Number(process.env.C_WORK_NS ?? 0);
// FRESH_KB: a list (e.g. '512,1024,2048,8192') of C-fresh-<n>K rows, C-fresh cycling through an area of n KiB
// instead of 64 MiB: how far written memory may travel before it is written again and still be in cache
// (docs/udp.md, "How soon payload memory must come back").
const FRESH_KB = (process.env.FRESH_KB ?? '').split(',').filter(Boolean).map(Number);
if (FRESH_KB.some((kb) => !(Number.isInteger(kb) && kb >= 128))) throw new Error('FRESH_KB: whole KiB, at least 128 each');
// Receivers are measured after a warm-up second: a new receiver first-touches its receive pools
// (page faults, zeroing) until the first full GC hands pools back for reuse (native/io.cc).
const WARMUP = 1;
// Every receiver gets the same large buffer (SO_RCVBUFFORCE; net.core.rmem_max
// stays untouched), so a receiver descheduled for a few ms on a busy machine
// measures its own speed, not the default buffer's size.
const RCVBUF = 16 << 20;
const LO = '127.0.0.1';

// ---- the C baseline ---------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'sockit-bench-udp-'));
const cbin = join(work, 'udp_c');
execFileSync('cc', ['-O2', '-o', cbin, join(here, 'udp_c.c')], { stdio: 'inherit' });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The flooding C sender of the receive benchmarks. Over loopback the kernel's
 * whole receive path (IP, UDP, socket enqueue) runs on the *sender's* CPU, so
 * a plain sendmmsg sender on this 2-CPU class of machine saturates itself at
 * a rate a recvmmsg receiver easily keeps up with, and every fast receiver
 * then measures the sender. With UDP GSO (UDP_SEGMENT) one message carries
 * up to 64 datagrams that the kernel cuts apart on the receive side: the
 * receiver still gets separate datagrams of `size` bytes, but the sender
 * produces them several times faster, so the receiver is the bottleneck.
 * `rate` > 0: the pacing sender instead (`udp_c pace`), `rate` datagrams/s.
 */
function flood(port, size, seconds, rate = 0) {
  const gso = String(Math.min(64, Math.floor(65507 / size)));
  const args = rate > 0 ? ['pace', LO, String(port), String(size), String(seconds), String(rate)] : ['send', LO, String(port), String(size), String(seconds), '64', gso];
  const p = spawn(cbin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (c) => (out += c));
  return { done: once(p, 'exit').then(() => Number(out.split(' ')[0])), proc: p };
}

/** A bound socket nobody reads: the sink for send benchmarks (the kernel drops when full). */
function sink() {
  const s = new Socket('ipv4', 'dgram').bind(`${LO}:0`);
  return { port: s.localAddress().port, close: () => s.close() };
}

// ---- receive ------------------------------------------------------------------
/** kind: dgram, sockit, sockit-batch, sockit-borrow, sockit-batch-borrow; rate > 0: paced instead of flooded. */
async function recvNode(kind, size, rate = 0) {
  let n = 0;
  let sock;
  let port;
  if (kind === 'dgram') {
    sock = dgram.createSocket('udp4');
    sock.on('message', () => n++);
    sock.bind(0, LO);
    await once(sock, 'listening');
    setOption(sock, 'SO_RCVBUFFORCE', RCVBUF);
    port = sock.address().port;
  } else {
    const borrow = kind.endsWith('-borrow'); // payloads valid only during the handler: one cache-warm pool
    sock = await UdpSocket.create({ family: 'ipv4', address: LO, port: 0, borrow, options: { SO_RCVBUFFORCE: RCVBUF } });
    if (kind.startsWith('sockit-batch')) sock.on('batch', (b) => (n += b.count));
    else sock.on('message', () => n++);
    port = sock.address().port;
  }
  const f = flood(port, size, SECONDS + WARMUP + 0.3, rate);
  await sleep(WARMUP * 1000);
  const n0 = n;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await sleep(SECONDS * 1000);
  const n1 = n;
  const c = process.cpuUsage(c0);
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  await f.done;
  await new Promise((r) => (kind === 'dgram' ? sock.close(r) : sock.close().then(r)));
  return { wall: (n1 - n0) / dt, cpu: (n1 - n0) / ((c.user + c.system) / 1e6), busy: (c.user + c.system) / 1e6 / dt };
}

/**
 * fresh: every batch lands in fresh memory, each datagram in SIZE rounded up to 64 bytes, as in sockit's pools.
 * work: ns of busy user-space work per datagram after each batch (C_WORK_NS).
 * areaKb: with fresh, the size of the area the batches cycle through (default 64 MiB; FRESH_KB).
 * uring: io_uring multishot recvmsg instead of recvmmsg (`udp_c recv-uring`); with fresh, 64 KiB
 * staging buffers and each payload copied into fresh memory. { unavailable } where io_uring is refused.
 */
async function recvC(size, rate = 0, fresh = false, work = 0, uring = false, areaKb = 0) {
  const probe = sink();
  const port = probe.port;
  probe.close();
  const args = uring ? ['recv-uring', String(port), String(SECONDS), String(WARMUP), '256', String(RCVBUF)] : ['recv', String(port), String(SECONDS), String(WARMUP), '64', String(RCVBUF)];
  if (fresh || work) args.push(fresh ? String(Math.ceil(size / 64) * 64) : '0');
  if (work || areaKb) args.push(String(work));
  if (areaKb) args.push(String(areaKb));
  const p = spawn(cbin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (c) => (out += c));
  p.stderr.on('data', (c) => (err += c));
  const exited = once(p, 'exit');
  while (!out.includes('ready')) {
    if (p.exitCode !== null) {
      await exited;
      if (p.exitCode === 3) return { unavailable: err.trim().replace(/^unavailable: /, '') };
      throw new Error(`udp_c ${args[0]} failed (${p.exitCode}): ${err.trim()}`);
    }
    await sleep(5);
  }
  const f = flood(port, size, SECONDS + WARMUP + 0.5, rate);
  await exited;
  await f.done;
  if (err.trim()) process.stderr.write(err);
  const [count, secs, cpu] = out.replace('ready', '').trim().split(' ').map(Number);
  return { wall: count / secs, cpu: count / cpu, busy: cpu / secs };
}

// ---- send -----------------------------------------------------------------------
async function sendNode(kind, size) {
  const s = sink();
  const buf = Buffer.alloc(size, 0x5a);
  const end = () => process.hrtime.bigint();
  let count = 0;
  let t0;
  const until = (start) => start + BigInt(Math.round(SECONDS * 1e9));
  if (kind === 'dgram-serial') {
    // one datagram at a time: each send's callback awaited before the next
    const d = dgram.createSocket('udp4');
    d.bind(0, LO);
    await once(d, 'listening');
    const one = () => new Promise((r) => d.send(buf, s.port, LO, r));
    for (let i = 0; i < 1000; i++) await one();
    const c0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    const stop = until(t0);
    while (end() < stop) {
      for (let i = 0; i < 64; i++) await one();
      count += 64;
    }
    const dt = Number(end() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    d.close();
    s.close();
    return { wall: count / dt, cpu: count / ((c.user + c.system) / 1e6) };
  }
  if (kind === 'dgram') {
    const d = dgram.createSocket('udp4');
    d.bind(0, LO);
    await once(d, 'listening');
    // warm-up
    for (let i = 0; i < 1000; i++) d.send(buf, s.port, LO);
    await new Promise((r) => d.send(buf, s.port, LO, r));
    const c0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    const stop = until(t0);
    while (end() < stop) {
      for (let i = 0; i < 256; i++) d.send(buf, s.port, LO);
      count += 256;
      await new Promise(setImmediate);
    }
    await new Promise((r) => d.send(buf, s.port, LO, r)); // everything before it is out
    count++;
    const dt = Number(end() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    d.close();
    s.close();
    return { wall: count / dt, cpu: count / ((c.user + c.system) / 1e6) };
  }
  const u = await UdpSocket.create({
    family: 'ipv4',
    address: LO,
    port: 0,
    coalesce: kind === 'sockit-nocoalesce' ? false : 'auto',
    ...(kind === 'sockit-gso-auto' ? { gso: 'auto' } : {}), // the same send() loop; the engine gathers runs into GSO messages
  });
  let c0;
  if (kind === 'sockit-gso') {
    // UDP GSO: one send() of up to 64 segments (<= 65507 bytes), the kernel cuts it into datagrams of `size`.
    const segs = Math.min(64, Math.floor(65507 / size));
    const big = Buffer.alloc(size * segs, 0x5a);
    const to = { address: LO, port: s.port, segmentSize: size };
    for (let i = 0; i < 100; i++) await u.send(big, to);
    c0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    const stop = until(t0);
    while (end() < stop) {
      const ps = [];
      for (let i = 0; i < 16; i++) ps.push(u.send(big, to));
      await Promise.all(ps);
      count += 16 * segs;
    }
  } else if (kind === 'sockit-batch') {
    const batch = Array.from({ length: 1024 }, () => buf);
    await u.sendBatch(batch, { address: LO, port: s.port });
    c0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    const stop = until(t0);
    while (end() < stop) count += await u.sendBatch(batch, { address: LO, port: s.port });
  } else if (kind === 'sockit-serial') {
    // one datagram at a time: each send() awaited before the next (each is the first of its tick: one sendmsg each)
    for (let i = 0; i < 1000; i++) await u.send(buf, s.port, LO);
    c0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    const stop = until(t0);
    while (end() < stop) {
      for (let i = 0; i < 64; i++) await u.send(buf, s.port, LO);
      count += 64;
    }
  } else {
    // 256 send() calls per tick, then await them all (as the dgram case sends 256 per tick)
    for (let i = 0; i < 1000; i++) await u.send(buf, s.port, LO);
    c0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    const stop = until(t0);
    while (end() < stop) {
      const ps = [];
      for (let i = 0; i < 256; i++) ps.push(u.send(buf, s.port, LO));
      await Promise.all(ps);
      count += 256;
    }
  }
  const dt = Number(end() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  await u.close();
  s.close();
  return { wall: count / dt, cpu: count / ((c.user + c.system) / 1e6) };
}

// The C sender binds to LO first, as every Node sender here does: a bound source costs the kernel a
// local-address check per datagram (__ip_dev_find), which an unbound sender skips. `bound: false`: the
// unbound C sender of the runs before 2026-12-03 (informative).
async function sendC(size, bound = true) {
  const s = sink();
  const r = execFileSync(cbin, ['send', LO, String(s.port), String(size), String(SECONDS), '64', '1', ...(bound ? [LO] : [])], { encoding: 'utf8' });
  s.close();
  const [count, secs, cpu] = r.trim().split(' ').map(Number);
  return { wall: count / secs, cpu: count / cpu };
}

// ---- RSS over many received datagrams -------------------------------------------
async function rssRun(total) {
  const u = await UdpSocket.create({ family: 'ipv4', address: LO, port: 0, options: { SO_RCVBUFFORCE: RCVBUF } });
  let n = 0;
  let bytes = 0;
  u.on('message', (data, info) => {
    n++;
    bytes += data.length + info.port * 0;
  });
  const port = u.address().port;
  let rss0 = 0;
  let rssMax = 0;
  const t0 = Date.now();
  while (n < total) {
    const f = flood(port, 64, 2);
    while (f.proc.exitCode === null && n < total) {
      await sleep(100);
      const rss = process.memoryUsage().rss;
      if (!rss0 && n > 200_000) rss0 = rss;
      if (rss0) rssMax = Math.max(rssMax, rss);
    }
    f.proc.kill();
    await f.done;
    if (Date.now() - t0 > 300_000) break;
  }
  await u.close();
  return { received: n, rss0, rssMax, seconds: (Date.now() - t0) / 1000, bytes };
}

// ---- run ------------------------------------------------------------------------
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(0)}k`);
const results = {};
const os = require('node:os');
console.log(`sockit bench:udp (${root}) — loopback in a private netns, ${SECONDS}s per run, median of ${REPS}, node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(
  [
    'recv: receiver flooded by the C sender (UDP GSO, 64 datagrams per message, delivered as separate datagrams of SIZE bytes)',
    '  sockit = message events, sockit-batch = one batch event per recvmmsg, dgram = message events, C = recvmmsg loop',
    '  into one reused buffer, C-fresh = the same loop with each batch landing in fresh memory (a 64 MiB area, as',
    "  sockit's receive pools, whose payloads live until a GC), C-work = the C loop spinning C_WORK_NS ns per datagram;",
    '  C-fresh-<n>K = C-fresh cycling through n KiB instead (FRESH_KB);',
    '  C-uring = one io_uring multishot recvmsg over provided buffers handed back at once, C-uring-fresh = the same with',
    '  64 KiB buffers and each payload copied into fresh memory (what an io_uring engine would have to do);',
    `  *-paced = the same receiver sent ${fmt(PACE_RATE)} datagrams/s (the same load for all); busy = CPU-seconds per second`,
    "send: sockit = send() x256 per tick then await all (default coalesce 'auto'), sockit-nocoalesce = the same with",
    '  coalesce:false (one sendmsg per send()), sockit-serial = await each send() before the next, sockit-batch =',
    "  sendBatch(1024), sockit-gso = send(segmentSize), sockit-gso-auto = the sockit loop with gso: 'auto';",
    '  dgram = send() x256 per tick, dgram-serial = await each callback;',
    '  C = sendmmsg(64) loop from a socket bound to 127.0.0.1 as the Node senders are; C-unbound = the same, unbound (the runs before 2026-12-03)',
  ].join('\n'),
);
for (const size of [64, 1400]) {
  const row = {};
  const cases = [
    ['recv', 'sockit', () => recvNode('sockit', size)],
    ['recv', 'sockit-batch', () => recvNode('sockit-batch', size)],
    ['recv', 'sockit-borrow', () => recvNode('sockit-borrow', size)],
    ['recv', 'sockit-batch-borrow', () => recvNode('sockit-batch-borrow', size)],
    ['recv', 'dgram', () => recvNode('dgram', size)],
    ['recv', 'C', () => recvC(size)],
    ['recv', 'C-fresh', () => recvC(size, 0, true)],
    ...(C_WORK_NS > 0 ? [['recv', 'C-work', () => recvC(size, 0, false, C_WORK_NS)]] : []),
    ...FRESH_KB.map((kb) => ['recv', `C-fresh-${kb}K`, () => recvC(size, 0, true, 0, false, kb)]),
    ['recv', 'C-uring', () => recvC(size, 0, false, 0, true)],
    ['recv', 'C-uring-fresh', () => recvC(size, 0, true, 0, true)],
    ['recv', 'sockit-paced', () => recvNode('sockit', size, PACE_RATE)],
    ['recv', 'C-paced', () => recvC(size, PACE_RATE)],
    ['send', 'sockit', () => sendNode('sockit', size)],
    ['send', 'sockit-batch', () => sendNode('sockit-batch', size)],
    ['send', 'sockit-nocoalesce', () => sendNode('sockit-nocoalesce', size)],
    ['send', 'sockit-serial', () => sendNode('sockit-serial', size)],
    ['send', 'sockit-gso', () => sendNode('sockit-gso', size)],
    ['send', 'sockit-gso-auto', () => sendNode('sockit-gso-auto', size)],
    ['send', 'dgram', () => sendNode('dgram', size)],
    ['send', 'dgram-serial', () => sendNode('dgram-serial', size)],
    ['send', 'C', () => sendC(size)],
    ['send', 'C-unbound', () => sendC(size, false)],
  ];
  // Rounds: every case once per round, REPS rounds (a change in machine load then hits every case alike).
  const chosen = cases.filter(([dir, who]) => !ONLY || ONLY.test(`${size} ${dir} ${who}`));
  const runs = chosen.map(() => []);
  for (let i = 0; i < REPS; i++) for (let c = 0; c < chosen.length; c++) runs[c].push(await chosen[c][2]());
  for (let c = 0; c < chosen.length; c++) {
    const [dir, who] = chosen[c];
    const xs = runs[c];
    const gone = xs.find((x) => x.unavailable);
    if (gone) {
      console.log(`  ${String(size).padStart(4)} B  ${dir} ${who.padEnd(19)} unavailable (${gone.unavailable})`);
      continue;
    }
    const wall = median(xs.map((x) => x.wall));
    const cpu = median(xs.map((x) => x.cpu));
    row[`${dir} ${who}`] = { wall, cpu };
    const busy = xs[0].busy === undefined ? '' : `  busy ${xs.map((x) => `${Math.round(x.busy * 100)}%`).join(', ')}`;
    console.log(
      `  ${String(size).padStart(4)} B  ${dir} ${who.padEnd(19)} ${fmt(wall).padStart(7)}/s wall  ${fmt(cpu).padStart(7)}/CPU-s` +
        `   (runs wall: ${xs.map((x) => fmt(x.wall)).join(', ')})${busy}`,
    );
  }
  results[size] = row;
}

const verdict = (ok) => (ok ? 'MET' : 'NOT MET');
console.log(
  '\nRatios vs issue 3 targets, on datagrams per CPU-second of the measured process (robust on a shared, busy machine;\n' +
    'wall-clock ratios in brackets):',
);
for (const size of [64, 1400]) {
  const rr = results[size];
  const r = Object.fromEntries(Object.entries(rr).map(([k, v]) => [k, v.cpu]));
  const w = Object.fromEntries(Object.entries(rr).map(([k, v]) => [k, v.wall]));
  const t = size === 64; // the targets are stated for 64 B; 1400 B is reported
  const line = (label, a, b, target) => {
    if (!(a in r && b in r)) return;
    const value = r[a] / r[b];
    const wv = w[a] / w[b];
    console.log(
      `  ${String(size).padStart(4)} B  ${label.padEnd(40)} ${value.toFixed(2).padStart(6)}x  [${wv.toFixed(2)}x]  ${target ? `(target >= ${target}x: ${verdict(value >= target)})` : ''}`,
    );
  };
  line('recv sockit per-message / dgram', 'recv sockit', 'recv dgram', t && 4);
  line('recv sockit batch / dgram', 'recv sockit-batch', 'recv dgram', t && 4);
  line('recv sockit per-message / C recvmmsg', 'recv sockit', 'recv C', t && 0.8);
  line('recv sockit batch / C recvmmsg', 'recv sockit-batch', 'recv C', t && 0.8);
  line('send sockit sendBatch / dgram', 'send sockit-batch', 'send dgram', t && 2.5);
  line('send sockit sendBatch / C sendmmsg', 'send sockit-batch', 'send C', t && 0.8);
  line('send sockit per-message send() / dgram', 'send sockit', 'send dgram', t && 1.2);
  line('send sockit send() coalesce:false / dgram', 'send sockit-nocoalesce', 'send dgram');
  line('send sockit await send() / dgram await', 'send sockit-serial', 'send dgram-serial');
  line('send sockit GSO send(segmentSize) / dgram', 'send sockit-gso', 'send dgram');
  line('send sockit GSO send / C sendmmsg', 'send sockit-gso', 'send C');
}
// The best ratios the per-message APIs allow (scripts/bench/ceiling.mjs).
const floor = measureFloor();
function ceilings(rr, size, recvC, sendC, sendLabel) {
  if (rr[recvC]) console.log(`  ${String(size).padStart(4)} B    ceiling, per-message receive (JS floor ${floor.recvNs} ns)  <= ${ceiling(rr[recvC].cpu, floor.recvNs)}x`);
  if (rr[sendC]) console.log(`  ${String(size).padStart(4)} B    ceiling, send() ${sendLabel} (JS floor ${floor.sendNs} ns)    <= ${ceiling(rr[sendC].cpu, floor.sendNs)}x`);
  if (rr[sendC] && rr['send sockit-batch']) {
    console.log(`  ${String(size).padStart(4)} B    ceiling, send() via the sendBatch path (+ floor)   <= ${ceilingViaBatch(rr[sendC].cpu, rr['send sockit-batch'].cpu, floor.sendNs)}x`);
  }
}
console.log('\nRatios vs issue 10 targets (per CPU-second; wall-clock in brackets):');
for (const size of [64, 1400]) {
  const rr = results[size];
  const line = (label, a, b, target) => {
    if (!(a in rr && b in rr)) return;
    const value = rr[a].cpu / rr[b].cpu;
    const wv = rr[a].wall / rr[b].wall;
    console.log(`  ${String(size).padStart(4)} B  ${label.padEnd(40)} ${value.toFixed(2).padStart(6)}x  [${wv.toFixed(2)}x]  ${target ? `(target >= ${target}x: ${verdict(value >= target)})` : '(informative)'}`);
  };
  line('recv sockit per-message / C recvmmsg', 'recv sockit', 'recv C', size === 64 ? 0.9 : 0.8);
  line('  (borrow: true) per-message / C recvmmsg', 'recv sockit-borrow', 'recv C');
  line('  (borrow: true) batch / C recvmmsg', 'recv sockit-batch-borrow', 'recv C');
  line('  C into fresh memory / C recvmmsg', 'recv C-fresh', 'recv C');
  line('  per-message / C into fresh memory', 'recv sockit', 'recv C-fresh');
  line(`  C + ${C_WORK_NS} ns/datagram / C recvmmsg`, 'recv C-work', 'recv C');
  for (const kb of FRESH_KB) line(`  C into fresh memory, ${kb} KiB / C recvmmsg`, `recv C-fresh-${kb}K`, 'recv C');
  line('  C io_uring multishot / C recvmmsg', 'recv C-uring', 'recv C');
  line('  C io_uring, copied to fresh / C recvmmsg', 'recv C-uring-fresh', 'recv C');
  line('  per-message / C io_uring copied to fresh', 'recv sockit', 'recv C-uring-fresh');
  line(`  paced ${fmt(PACE_RATE)}/s: per-message / C (same load)`, 'recv sockit-paced', 'recv C-paced');
  line('send sockit send() x256/tick / C sendmmsg', 'send sockit', 'send C', 0.8);
  line('  send() x256/tick / unbound C sendmmsg', 'send sockit', 'send C-unbound');
  line("  (gso: 'auto') send() x256/tick / C sendmmsg", 'send sockit-gso-auto', 'send C');
  ceilings(rr, size, 'recv C', 'send C', 'x256/tick');
}

if (RSS_DATAGRAMS > 0) {
  const m = await rssRun(RSS_DATAGRAMS);
  const growth = (m.rssMax - m.rss0) / (1024 * 1024);
  console.log(
    `\nRSS while receiving ${fmt(m.received)} datagrams (64 B, per-message API, ${m.seconds.toFixed(1)}s): ` +
      `start ${(m.rss0 / 1048576).toFixed(1)} MB, max ${(m.rssMax / 1048576).toFixed(1)} MB, growth ${growth.toFixed(1)} MB ` +
      `(target < 20 MB: ${verdict(growth < 20 && m.received >= RSS_DATAGRAMS)})`,
  );
}
