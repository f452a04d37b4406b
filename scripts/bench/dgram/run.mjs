#!/usr/bin/env node
// `npm run bench:dgram`: the same dgram-style program (./app.cjs) run with
// node:dgram and with sockit's drop-in (dist/dgram, the import swapped and
// nothing else), receive flooded by the C sender of ../udp at 64 B and
// 1400 B, and send with 256 send() calls per tick (the drop-in also with its
// UDP GSO gathering off, engine.gso 0, to show what GSO adds); datagrams per CPU-second
// of the program's process, side by side, median of REPS interleaved runs,
// inside a private network namespace this script creates (unshare --net).
//
// Options (env): SECONDS (per run, default 2), REPS (default 3), RCVBUF (the
// receiver's setRecvBufferSize in bytes; default: left at the kernel default), SOCKIT_ROOT (the sockit
// tree whose drop-in is measured, default this one).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
// SOCKIT_ROOT: measure another built tree's drop-in with this script (before/after tables in one sitting).
const tree = process.env.SOCKIT_ROOT ?? root;

if (process.env.SOCKIT_BENCH_NETNS !== '1') {
  const r = spawnSync('unshare', ['--net', '--', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, SOCKIT_BENCH_NETNS: '1' },
  });
  if (r.error || r.status === null) {
    console.error('bench:dgram needs a private network namespace: run as root (or with CAP_SYS_ADMIN).');
    process.exit(1);
  }
  process.exit(r.status);
}
execFileSync('ip', ['link', 'set', 'lo', 'up']);

const require = createRequire(import.meta.url);
const { Socket } = require(join(tree, 'dist', 'index.js'));
const DROPIN = join(tree, 'dist', 'dgram', 'index.js');
const APP = join(here, 'app.cjs');
const SECONDS = Number(process.env.SECONDS ?? 2);
const REPS = Number(process.env.REPS ?? 3);
const WARMUP = 1;
const LO = '127.0.0.1';

// The flood sender of the UDP benchmark, compiled on the fly.
const cbin = join(mkdtempSync(join(tmpdir(), 'sockit-bench-dgram-')), 'udp_c');
execFileSync('cc', ['-O2', '-o', cbin, join(here, '..', 'udp', 'udp_c.c')], { stdio: 'inherit' });

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const IMPLS = [
  ['node:dgram', {}],
  ['drop-in', { DGRAM_MODULE: DROPIN }],
  ['drop-in gso 0', { DGRAM_MODULE: DROPIN, GSO_OFF: '1' }],
];

function app(args, env) {
  const p = spawn(process.execPath, [APP, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let out = '';
  p.stdout.on('data', (c) => (out += c));
  return { p, out: () => out, done: once(p, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`app ${args.join(' ')} exited with ${code}`);
    return JSON.parse(out.trim().split('\n').pop());
  }) };
}

async function recv(size, env) {
  const a = app(['recv', String(SECONDS), String(WARMUP)], env);
  while (!/ready \d+/.test(a.out())) await new Promise((r) => setTimeout(r, 5));
  const port = a.out().match(/ready (\d+)/)[1];
  // UDP GSO: 64 datagrams per message, delivered as separate datagrams (see ../udp/run.mjs).
  const gso = String(Math.min(64, Math.floor(65507 / size)));
  const f = spawn(cbin, ['send', LO, port, String(size), String(SECONDS + WARMUP + 1), '64', gso], { stdio: ['ignore', 'ignore', 'inherit'] });
  const r = await a.done;
  f.kill();
  await once(f, 'exit').catch(() => {});
  return r;
}

async function send(size, env) {
  const sink = new Socket('ipv4', 'dgram').bind(`${LO}:0`); // nobody reads: the kernel drops when full
  try {
    return await app(['send', String(SECONDS), String(size), String(sink.localAddress().port)], env).done;
  } finally {
    sink.close();
  }
}

const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(0)}k`);
console.log(`sockit bench:dgram — ${APP.slice(root.length + 1)} with node:dgram vs the drop-in of ${tree}; loopback in a private netns,`);
console.log(`${SECONDS}s per run, median of ${REPS} interleaved runs, node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`recv: flooded by the C sender, receive buffer ${process.env.RCVBUF ? `setRecvBufferSize(${process.env.RCVBUF})` : 'the kernel default'}; send: 256 send() calls per tick.`);
console.log('Datagrams per CPU-second of the app process.\n');
console.log('  size  case   node:dgram/CPU-s   drop-in/CPU-s   ratio   target          (wall-clock /s: node:dgram, drop-in)   drop-in gso 0: /CPU-s  ratio');
const targets = { recv: { 64: 2.5 }, send: { 64: 1.5, 1400: 1.5 } };
let allMet = true;
for (const size of [64, 1400]) {
  for (const [what, fn] of [['recv', recv], ['send', send]]) {
    const impls = what === 'send' ? IMPLS : IMPLS.slice(0, 2); // gso applies to sending only
    const runs = Object.fromEntries(impls.map(([name]) => [name, []]));
    for (let i = 0; i < REPS; i++) for (const [name, env] of impls) runs[name].push(await fn(size, env));
    const cpu = (name) => median(runs[name].map((r) => r.perCpuSecond));
    const wall = (name) => median(runs[name].map((r) => r.perWallSecond));
    const ratio = cpu('drop-in') / cpu('node:dgram');
    const target = targets[what][size];
    const met = target === undefined ? '' : ratio >= target ? `>= ${target} MET` : `>= ${target} NOT MET`;
    if (target !== undefined && ratio < target) allMet = false;
    console.log(
      `  ${String(size).padStart(4)}  ${what}   ${fmt(cpu('node:dgram')).padStart(16)}   ${fmt(cpu('drop-in')).padStart(13)}   ${ratio.toFixed(2).padStart(5)}x  ${met.padEnd(15)}` +
        `  (${fmt(wall('node:dgram'))}, ${fmt(wall('drop-in'))})`.padEnd(40) +
        (what === 'send' ? `${fmt(cpu('drop-in gso 0')).padStart(10)}  ${(cpu('drop-in gso 0') / cpu('node:dgram')).toFixed(2)}x` : ''),
    );
  }
}
console.log(allMet ? '\nall targets met' : '\nsome targets NOT met');
