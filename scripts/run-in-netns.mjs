#!/usr/bin/env node
// Run a command inside a fresh private network namespace with `lo` up, so it
// can never touch a real interface:
//   - root / CAP_SYS_ADMIN: `unshare --net`
//   - unprivileged with user namespaces: `unshare --net --map-root-user`
//   - neither: run it directly with SOCKIT_NO_NETNS=1, so it can explain what
//     it lacks and do only what is safe without a namespace.
// Usage: node scripts/run-in-netns.mjs <command> [args...]
// (`npm run demo` = node scripts/run-in-netns.mjs node dist/cli/main.js demo)
import { spawnSync } from 'node:child_process';

const argv = process.argv.slice(2);
if (argv.length === 0) {
  console.error('usage: node scripts/run-in-netns.mjs <command> [args...]');
  process.exit(2);
}
const [cmd, ...args] = argv;
const command = cmd === 'node' ? process.execPath : cmd;

function works(a) {
  return spawnSync('unshare', [...a, '--', 'true'], { stdio: 'ignore' }).status === 0;
}
function finish(r) {
  if (r.error) {
    console.error(`run-in-netns: could not start ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.signal) process.kill(process.pid, r.signal);
  process.exit(r.status ?? 1);
}

if (process.env.SOCKIT_IN_NETNS === '1' || process.env.SOCKIT_NO_NETNS === '1') {
  // Already inside (or told not to): run as is.
  finish(spawnSync(command, args, { stdio: 'inherit' }));
}

let mode = null;
if (works(['--net'])) mode = ['--net'];
else if (works(['--net', '--map-root-user'])) mode = ['--net', '--map-root-user'];

if (mode) {
  // sh brings lo up, then execs the command (signals reach it directly).
  const r = spawnSync('unshare', [...mode, '--', 'sh', '-c', 'ip link set lo up 2>/dev/null; exec "$@"', 'sh', command, ...args], {
    stdio: 'inherit',
    env: { ...process.env, SOCKIT_IN_NETNS: '1', SOCKIT_USERNS: mode.length > 1 ? '1' : '0' },
  });
  finish(r);
}
finish(spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, SOCKIT_NO_NETNS: '1' } }));
