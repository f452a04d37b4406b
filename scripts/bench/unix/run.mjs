#!/usr/bin/env node
// `npm run bench:unix`: AF_UNIX datagrams/s for send and receive at 64 B and
// 1 KiB — sockit per-message and batch APIs, the unix-dgram npm package, and a
// C program making the same system calls (unix_c.c, compiled on the fly) —
// side by side in one run, median of REPS, then the ratios: sockit's batched
// paths against C (target >= 0.9x) and sockit against unix-dgram (reported).
//
// Runs in a private network namespace it creates itself (unshare --net), so
// net.unix.max_dgram_qlen can be raised there (to QLEN, default 512) without
// touching the machine: with the default of 10 every side measures wakeups.
// Rates are per CPU-second of the measured process (robust on a shared,
// busy machine); wall-clock rates are shown beside them.
//
// Options (env): SECONDS (per measurement, default 1), REPS (default 3), QLEN (default 512).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

if (process.env.SOCKIT_BENCH_NETNS !== '1') {
  const r = spawnSync('unshare', ['--net', '--', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, SOCKIT_BENCH_NETNS: '1' },
  });
  if (r.error || r.status === null) {
    console.error('bench:unix needs a private network namespace: run as root (or with CAP_SYS_ADMIN).');
    process.exit(1);
  }
  process.exit(r.status);
}

const SECONDS = Number(process.env.SECONDS ?? 1);
const REPS = Number(process.env.REPS ?? 3);
const QLEN = Number(process.env.QLEN ?? 512);
writeFileSync('/proc/sys/net/unix/max_dgram_qlen', String(QLEN)); // this namespace's value only
const WARMUP = 0.5;

const require = createRequire(import.meta.url);
const { UnixSocket } = require(join(root, 'dist', 'index.js'));
const unixDgram = require('unix-dgram');

const work = mkdtempSync(join(tmpdir(), 'sockit-bench-unix-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const cbin = join(work, 'unix_c');
execFileSync('cc', ['-O2', '-o', cbin, join(here, 'unix_c.c')], { stdio: 'inherit' });
let seq = 0;
const newPath = () => join(work, `s${seq++}.sock`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (count, wall, cpuSec) => ({ wall: count / wall, cpu: count / cpuSec });

function child(args) {
  const p = spawn(cbin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (c) => (out += c));
  return { p, out: () => out, exit: once(p, 'exit') };
}

async function ready(c) {
  while (!c.out().includes('ready')) await sleep(2);
}

// ---- receive: flooded by the C sender ------------------------------------------------
async function recvNode(kind, size) {
  const path = newPath();
  let n = 0;
  let close;
  if (kind === 'unix-dgram') {
    const s = unixDgram.createSocket('unix_dgram', () => n++);
    s.bind(path);
    close = async () => s.close();
  } else {
    // -borrow: payloads valid only during the handler, every batch into the same (cache-warm) memory, as C's buffer
    const s = await UnixSocket.create({ path, borrow: kind.endsWith('-borrow') });
    if (kind.startsWith('sockit-batch')) s.on('batch', (b) => (n += b.count));
    else s.on('message', () => n++);
    close = () => s.close();
  }
  const f = child(['send', path, String(size), String(SECONDS + WARMUP + 0.3), '64']);
  await sleep(WARMUP * 1000);
  const n0 = n;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await sleep(SECONDS * 1000);
  const got = n - n0;
  const c = process.cpuUsage(c0);
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  await f.exit;
  await close();
  return rate(got, dt, (c.user + c.system) / 1e6);
}

async function recvC(size) {
  const path = newPath();
  const r = child(['recv', path, String(SECONDS), String(WARMUP), '64']);
  await ready(r);
  const f = child(['send', path, String(size), String(SECONDS + WARMUP + 0.5), '64']);
  await r.exit;
  await f.exit;
  const [count, secs, cpuSec] = r.out().replace('ready', '').trim().split(' ').map(Number);
  return rate(count, secs, cpuSec);
}

// ---- send: into a C receiver that drains ------------------------------------------------
async function sendNode(kind, size) {
  const path = newPath();
  const sink = child(['drain', path, '64']);
  await ready(sink);
  const buf = Buffer.alloc(size, 0x5a);
  const stopAt = () => process.hrtime.bigint() + BigInt(Math.round(SECONDS * 1e9));
  const clock = () => process.hrtime.bigint();
  let count = 0;
  let c0;
  let t0;
  if (kind === 'unix-dgram') {
    const s = unixDgram.createSocket('unix_dgram');
    s.on('error', (e) => {
      throw e;
    });
    s.connect(path);
    let congested = false;
    // unix-dgram hands EAGAIN back as a 'congestion' error: the message is not sent; resend after 'writable'.
    const cb = (err) => {
      if (!err) count++;
      else if (err.message === 'congestion') congested = true;
      else throw err;
    };
    c0 = process.cpuUsage();
    t0 = clock();
    const stop = stopAt();
    while (clock() < stop) {
      for (let i = 0; i < 256 && !congested; i++) s.send(buf, cb);
      if (congested) {
        await once(s, 'writable');
        congested = false;
      } else await new Promise(setImmediate);
    }
    const dt = Number(clock() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    s.close();
    sink.p.kill();
    await sink.exit;
    return rate(count, dt, (c.user + c.system) / 1e6);
  }
  const s = await UnixSocket.create({ connect: path });
  if (kind.startsWith('sockit-batch')) {
    const batch = Array.from({ length: kind === 'sockit-batch' ? 64 : 1024 }, () => buf);
    await s.sendBatch(batch);
    c0 = process.cpuUsage();
    t0 = clock();
    const stop = stopAt();
    while (clock() < stop) count += await s.sendBatch(batch);
  } else {
    // 256 send() calls per tick, then await them all (the first goes out at once, the rest as one sendmmsg)
    for (let i = 0; i < 1000; i++) await s.send(buf);
    c0 = process.cpuUsage();
    t0 = clock();
    const stop = stopAt();
    while (clock() < stop) {
      const ps = [];
      for (let i = 0; i < 256; i++) ps.push(s.send(buf));
      await Promise.all(ps);
      count += 256;
    }
  }
  const dt = Number(clock() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  await s.close();
  sink.p.kill();
  await sink.exit;
  return rate(count, dt, (c.user + c.system) / 1e6);
}

async function sendC(size) {
  const path = newPath();
  const sink = child(['drain', path, '64']);
  await ready(sink);
  const r = child(['send', path, String(size), String(SECONDS), '64']);
  await r.exit;
  sink.p.kill();
  await sink.exit;
  const [count, secs, cpuSec] = r.out().trim().split(' ').map(Number);
  return rate(count, secs, cpuSec);
}

// ---- run ----------------------------------------------------------------------------------
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(0)}k`);
console.log(
  `sockit bench:unix — AF_UNIX SOCK_DGRAM, ${SECONDS}s per run, median of ${REPS}, node ${process.version}, ${cpus().length} CPUs, ` +
    `load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, net.unix.max_dgram_qlen ${QLEN} (private netns)`,
);
console.log(
  [
    'recv: receiver flooded by the C sender (connected, sendmmsg 64, poll on EAGAIN)',
    '  sockit = message events, sockit-batch = one batch event per recvmmsg, -borrow = with borrow: true (payloads valid only',
    '  during the handler, one cache-warm pool, like C\'s buffer), unix-dgram = its message events, C = poll + recvmmsg(64)',
    'send: into a C receiver that drains; all senders connected',
    "  sockit = send() x256 per tick then await all (coalesce 'auto'), sockit-batch = sendBatch(64) (C's batch),",
    '  sockit-batch1024 = sendBatch(1024),',
    "  unix-dgram = send() x256 per tick (resent after 'writable' on congestion), C = sendmmsg(64), poll on EAGAIN",
  ].join('\n'),
);
const results = {};
for (const size of [64, 1024]) {
  const row = {};
  const cases = [
    ['recv', 'sockit', () => recvNode('sockit', size)],
    ['recv', 'sockit-batch', () => recvNode('sockit-batch', size)],
    ['recv', 'sockit-batch-borrow', () => recvNode('sockit-batch-borrow', size)],
    ['recv', 'unix-dgram', () => recvNode('unix-dgram', size)],
    ['recv', 'C', () => recvC(size)],
    ['send', 'sockit', () => sendNode('sockit', size)],
    ['send', 'sockit-batch', () => sendNode('sockit-batch', size)],
    ['send', 'sockit-batch1024', () => sendNode('sockit-batch1024', size)],
    ['send', 'unix-dgram', () => sendNode('unix-dgram', size)],
    ['send', 'C', () => sendC(size)],
  ];
  for (const [dir, who, fn] of cases) {
    const xs = [];
    for (let i = 0; i < REPS; i++) xs.push(await fn());
    const wall = median(xs.map((x) => x.wall));
    const cpu = median(xs.map((x) => x.cpu));
    row[`${dir} ${who}`] = { wall, cpu };
    console.log(`  ${String(size).padStart(4)} B  ${dir} ${who.padEnd(19)} ${fmt(wall).padStart(7)}/s wall  ${fmt(cpu).padStart(7)}/CPU-s   (runs wall: ${xs.map((x) => fmt(x.wall)).join(', ')})`);
  }
  results[size] = row;
}

const verdict = (ok) => (ok ? 'MET' : 'NOT MET');
console.log('\nRatios (per CPU-second of the measured process; wall-clock in brackets):');
for (const size of [64, 1024]) {
  const rr = results[size];
  const line = (label, a, b, target) => {
    const v = rr[a].cpu / rr[b].cpu;
    const wv = rr[a].wall / rr[b].wall;
    console.log(`  ${String(size).padStart(4)} B  ${label.padEnd(42)} ${v.toFixed(2).padStart(6)}x  [${wv.toFixed(2)}x]  ${target ? `(target >= ${target}x: ${verdict(v >= target)})` : ''}`);
  };
  line('recv sockit batch (borrow) / C recvmmsg', 'recv sockit-batch-borrow', 'recv C', 0.9);
  line('recv sockit batch (default) / C recvmmsg', 'recv sockit-batch', 'recv C');
  line('recv sockit per-message / C recvmmsg', 'recv sockit', 'recv C');
  line('send sockit sendBatch(64) / C sendmmsg(64)', 'send sockit-batch', 'send C', 0.9);
  line('send sockit sendBatch(1024) / C', 'send sockit-batch1024', 'send C');
  line('send sockit send() x256/tick / C', 'send sockit', 'send C');
  line('recv sockit per-message / unix-dgram', 'recv sockit', 'recv unix-dgram');
  line('recv sockit batch / unix-dgram', 'recv sockit-batch', 'recv unix-dgram');
  line('send sockit send() / unix-dgram', 'send sockit', 'send unix-dgram');
  line('send sockit sendBatch / unix-dgram', 'send sockit-batch', 'send unix-dgram');
}
