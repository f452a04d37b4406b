#!/usr/bin/env node
// scripts/bench/topology.mjs: how fast createTopology() builds (and destroys)
// topologies, against issue 14's targets, side by side with the usual shell
// way of doing the same (`ip netns add`, then one `ip -n NS ...` per step),
// measured in the same run inside a private network namespace.
//   - two hosts on a veth pair: ready (createTopology returned: every link
//     end has carrier and its IPv6 link-local address; the shell way does
//     not wait for that), and ready plus one IPv4 ping round trip; target < 150 ms
//   - ten hosts on a switch; target < 1 s
//   - destroy()
// Each number is the median of REPS rounds (default 7), rounds interleaved.
// Needs root (or CAP_SYS_ADMIN + CAP_NET_ADMIN). Build first (npm run build:ts).
// Usage: node scripts/bench/topology.mjs [--reps 7]
import { execFileSync, spawnSync } from 'node:child_process';
import { loadavg, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const i = argv.indexOf('--reps');
const REPS = i >= 0 ? Number(argv[i + 1]) : 7;

if (process.env.SOCKIT_BENCH_NETNS !== '1') {
  const r = spawnSync('unshare', ['--net', '--', process.execPath, fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, SOCKIT_BENCH_NETNS: '1' },
  });
  if (r.error || r.status === null) {
    console.error('bench/topology needs `unshare --net` (root or CAP_SYS_ADMIN):', r.error?.message ?? r.signal);
    process.exit(1);
  }
  process.exit(r.status);
}

const require = createRequire(import.meta.url);
const { createTopology } = require(join(here, '..', '..', 'dist', 'testing', 'index.js'));
execFileSync('ip', ['link', 'set', 'lo', 'up']);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0) => performance.now() - t0;
const results = {};
const add = (k, v) => (results[k] ??= []).push(v);

let shellRound = 0;
/** The shell way: named namespaces and one ip command per step (what many test suites do). */
function shellTopology(hostCount, onSwitch) {
  shellRound++;
  const p = `skbench${process.pid}x${shellRound}`;
  const lines = ['set -e'];
  const hosts = Array.from({ length: hostCount }, (_, k) => `${p}h${k}`);
  for (const h of hosts) lines.push(`ip netns add ${h}`, `ip -n ${h} link set lo up`);
  if (onSwitch) {
    lines.push(`ip netns add ${p}sw`, `ip -n ${p}sw link add br0 type bridge`, `ip -n ${p}sw link set br0 up`);
    hosts.forEach((h, k) => {
      lines.push(`ip link add t${shellRound}x${k} netns ${h} type veth peer name p${k} netns ${p}sw`);
      lines.push(`ip -n ${h} link set t${shellRound}x${k} name veth0`, `ip -n ${h} addr add 198.18.0.${k + 1}/24 dev veth0`, `ip -n ${h} addr add fd00:5f::${k + 1}/64 dev veth0 nodad`, `ip -n ${h} link set veth0 up`);
      lines.push(`ip -n ${p}sw link set p${k} master br0`, `ip -n ${p}sw link set p${k} up`);
    });
  } else {
    lines.push(`ip link add t${shellRound}a netns ${hosts[0]} type veth peer name t${shellRound}b netns ${hosts[1]}`);
    hosts.forEach((h, k) => {
      const dev = `t${shellRound}${k ? 'b' : 'a'}`;
      lines.push(`ip -n ${h} link set ${dev} name veth0`, `ip -n ${h} addr add 198.18.0.${k + 1}/24 dev veth0`, `ip -n ${h} addr add fd00:5f::${k + 1}/64 dev veth0 nodad`, `ip -n ${h} link set veth0 up`);
    });
  }
  const t0 = performance.now();
  try {
    execFileSync('sh', ['-c', lines.join('\n')]);
  } catch (e) {
    spawnSync('sh', ['-c', [...hosts, `${p}sw`].map((h) => `ip netns del ${h} 2>/dev/null`).join('; ')]);
    throw e;
  }
  const built = ms(t0);
  const t1 = performance.now();
  execFileSync('sh', ['-c', [...hosts, ...(onSwitch ? [`${p}sw`] : [])].map((h) => `ip netns del ${h}`).join('\n')]);
  return { built, destroyed: ms(t1) };
}

const ten = Array.from({ length: 10 }, (_, k) => `h${k}`);
// One warm-up of each, not counted (first exec of each binary, page cache).
await createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] }).destroy();
shellTopology(2, false);
for (let r = 0; r < REPS; r++) {
  let t0 = performance.now();
  let topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
  add('two', ms(t0));
  await topo.ping('a', 'b', { family: 'ipv4' });
  add('twoPing', ms(t0));
  t0 = performance.now();
  await topo.destroy();
  add('twoDestroy', ms(t0));

  t0 = performance.now();
  topo = createTopology({ hosts: ten, switches: ['s1'], links: ten.map((h) => [h, 's1']) });
  add('ten', ms(t0));
  t0 = performance.now();
  await topo.destroy();
  add('tenDestroy', ms(t0));

  const s2 = shellTopology(2, false);
  add('shellTwo', s2.built);
  add('shellTwoDestroy', s2.destroyed);
  const s10 = shellTopology(10, true);
  add('shellTen', s10.built);
  add('shellTenDestroy', s10.destroyed);
}

const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
const f = (x) => `${x.toFixed(1)} ms`;
console.log(`createTopology speed: median of ${REPS} rounds, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}, ${new Date().toISOString()}`);
console.log('');
console.log('| | createTopology | shell (ip netns add, ip -n per step) | ratio | target |');
console.log('| --- | --- | --- | --- | --- |');
console.log(`| two hosts, one link: ready | ${f(m.two)} | ${f(m.shellTwo)} | ${(m.shellTwo / m.two).toFixed(2)}x faster | < 150 ms: ${m.two < 150 ? 'met' : 'MISSED'} (${(m.two / 150).toFixed(2)} of it) |`);
console.log(`| two hosts: ready + first IPv4 ping round trip | ${f(m.twoPing)} | | | |`);
console.log(`| ten hosts on a switch: ready | ${f(m.ten)} | ${f(m.shellTen)} | ${(m.shellTen / m.ten).toFixed(2)}x faster | < 1 s: ${m.ten < 1000 ? 'met' : 'MISSED'} (${(m.ten / 1000).toFixed(2)} of it) |`);
console.log(`| destroy two / ten+switch | ${f(m.twoDestroy)} / ${f(m.tenDestroy)} | ${f(m.shellTwoDestroy)} / ${f(m.shellTenDestroy)} | | |`);
console.log('');
console.log(`ranges: two ${f(Math.min(...results.two))}-${f(Math.max(...results.two))}, ten ${f(Math.min(...results.ten))}-${f(Math.max(...results.ten))}`);
