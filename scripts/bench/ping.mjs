#!/usr/bin/env node
// scripts/bench/ping.mjs: 10,000 echo requests to a host two routers away,
// by `sockit ping` (an unprivileged ping socket, run as nobody) and by
// iputils ping (as root), in the same run, in a topology inside a private
// network namespace. Checks: no loss, and the summary's counts (transmitted,
// received, errors, loss) identical to iputils ping's; prints both summaries
// and the ratio of their run times and mean round trips.
// Needs root (or CAP_SYS_ADMIN + CAP_NET_ADMIN), iputils-ping and setpriv. Build first.
// Usage: node scripts/bench/ping.mjs [--count 10000] [--interval 0.0002]
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const COUNT = Number(opt('count', '10000'));
const INTERVAL = opt('interval', '0.0002');

if (process.env.SOCKIT_BENCH_NETNS !== '1') {
  const r = spawnSync('unshare', ['--net', '--', process.execPath, fileURLToPath(import.meta.url), ...argv], { stdio: 'inherit', env: { ...process.env, SOCKIT_BENCH_NETNS: '1' } });
  if (r.error || r.status === null) {
    console.error('bench/ping needs `unshare --net` (root or CAP_SYS_ADMIN):', r.error?.message ?? r.signal);
    process.exit(1);
  }
  process.exit(r.status);
}

const require = createRequire(import.meta.url);
const { createTopology } = require(join(here, '..', '..', 'dist', 'testing', 'index.js'));
const CLI = join(here, '..', '..', 'dist', 'cli', 'main.js');
execFileSync('ip', ['link', 'set', 'lo', 'up']);

const topo = createTopology({ hosts: ['a', 'b'], routers: ['r1', 'r2'], links: [['a', 'r1'], ['r1', 'r2'], ['r2', 'b']] });
let failed = false;
try {
  const a = topo.host('a');
  const b = topo.host('b');
  a.exec('sysctl', ['-qw', 'net.ipv4.ping_group_range=0 2147483647']);
  const run = (cmd, args, nobody) => {
    const t0 = performance.now();
    const r = spawnSync('nsenter', [`--net=${a.netns}`, '--', ...(nobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : []), cmd, ...args], { encoding: 'utf8', timeout: 600_000 });
    return { ms: performance.now() - t0, out: r.stdout, err: r.stderr, code: r.status };
  };
  const summary = (out) => {
    const m = /(\d+) packets transmitted, (\d+) received, (?:\+(\d+) errors, )?([\d.]+)% packet loss/.exec(out);
    const rtt = /rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(out);
    return m ? { transmitted: +m[1], received: +m[2], errors: +(m[3] ?? 0), loss: +m[4], avg: rtt ? +rtt[2] : NaN } : undefined;
  };
  const tail = (out) => out.trim().split('\n').slice(-3).join('\n');
  for (const family of ['ipv4', 'ipv6']) {
    const dest = family === 'ipv4' ? b.address : b.address6;
    const args = ['-q', '-c', String(COUNT), '-i', INTERVAL, '-W', '2', dest];
    const ours = run(process.execPath, [CLI, 'ping', ...args], true);
    const theirs = run('ping', args, false);
    const so = summary(ours.out);
    const st = summary(theirs.out);
    console.log(`== ${family}: ${COUNT} echo requests to ${dest}, interval ${INTERVAL} s`);
    console.log(`sockit ping (nobody, ping socket), ${(ours.ms / 1000).toFixed(2)} s:\n${tail(ours.out)}${ours.err ? `\n${ours.err}` : ''}`);
    console.log(`iputils ping (root), ${(theirs.ms / 1000).toFixed(2)} s:\n${tail(theirs.out)}${theirs.err ? `\n${theirs.err}` : ''}`);
    const same = so && st && so.transmitted === st.transmitted && so.received === st.received && so.errors === st.errors && so.loss === st.loss;
    const noLoss = so && so.received === COUNT && so.transmitted === COUNT;
    console.log(`counts identical: ${same ? 'yes' : 'NO'} · no loss: ${noLoss ? 'yes' : 'NO'} · run time sockit/iputils ${(ours.ms / theirs.ms).toFixed(2)}× · mean rtt sockit/iputils ${so && st ? (so.avg / st.avg).toFixed(2) : '?'}×\n`);
    if (!same || !noLoss) failed = true;
  }
} finally {
  topo.destroy();
}
process.exit(failed ? 1 : 0);
