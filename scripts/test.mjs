#!/usr/bin/env node
// `npm test`: builds, then runs the vitest suite inside a fresh private network
// namespace (so no test can ever reach a real interface).
//  - root / CAP_SYS_ADMIN: `unshare --net` → full suite with capabilities.
//  - unprivileged with user namespaces: `unshare --net --map-root-user`.
//  - neither: the unprivileged subset; it prints which tests did not run, and why.
// With CI=true every test must run: a would-be skip fails the run.
// Extra arguments are passed to vitest (e.g. `npm test -- test/sockets/udp`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const CI = process.env.CI === 'true' || process.env.CI === '1';

function run(cmd, argv, opts = {}) {
  return spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, ...opts });
}
function works(cmd, argv) {
  const r = spawnSync(cmd, argv, { stdio: 'ignore' });
  return r.status === 0;
}

if (process.env.SOCKIT_IN_NETNS !== '1' && process.env.SOCKIT_NO_NETNS !== '1') {
  // Outer half: build once, then re-enter ourselves in a private namespace.
  // The suite loads the addon from prebuilds/ only (PREBUILDS_ONLY), i.e. the
  // binary the package ships; rebuild it when a native source is newer.
  const name = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name;
  const prebuild = join(root, 'prebuilds', `linux-${process.arch}`, `${name}.glibc.node`);
  const newest = (dir) => Math.max(...readdirSync(dir, { recursive: true }).map((f) => statSync(join(dir, f)).mtimeMs));
  const inputs = Math.max(newest(join(root, 'native')), newest(join(root, 'scripts/prebuild')), statSync(join(root, 'binding.gyp')).mtimeMs);
  if (process.env.SOCKIT_NATIVE_PATH === undefined && (!existsSync(prebuild) || statSync(prebuild).mtimeMs < inputs)) {
    console.log(`sockit test: building ${prebuild.slice(root.length + 1)} (scripts/prebuild/build.sh ${process.arch})`);
    if (run(join(root, 'scripts/prebuild/build.sh'), [process.arch]).status !== 0) process.exit(1);
  }
  if (run('npx', ['tsc', '-p', 'tsconfig.json']).status !== 0) process.exit(1);
  const self = [fileURLToPath(import.meta.url), ...args];
  let mode = null;
  if (works('unshare', ['--net', 'true'])) mode = ['--net'];
  else if (works('unshare', ['--net', '--map-root-user', 'true'])) mode = ['--net', '--map-root-user'];
  if (mode) {
    console.log(`sockit test: entering a private network namespace (unshare ${mode.join(' ')})`);
    const r = run('unshare', [...mode, '--', process.execPath, ...self], {
      env: { ...process.env, SOCKIT_IN_NETNS: '1', SOCKIT_USERNS: mode.length > 1 ? '1' : '0' },
    });
    process.exit(r.status ?? 1);
  }
  if (CI) {
    console.error('sockit test: CI=true but no private network namespace can be made (need root, CAP_SYS_ADMIN or user namespaces). Refusing to skip.');
    process.exit(1);
  }
  console.log('sockit test: cannot create a network namespace here; running the unprivileged subset only.');
  process.env.SOCKIT_NO_NETNS = '1';
}

// Inner half: we are inside the private namespace (or in unprivileged mode).
if (process.env.SOCKIT_IN_NETNS === '1') {
  if (run('ip', ['link', 'set', 'lo', 'up']).status !== 0) {
    console.error('sockit test: could not bring lo up in the private namespace');
    process.exit(1);
  }
}
const work = mkdtempSync(join(tmpdir(), 'sockit-test-'));
const skipLog = join(work, 'skipped.log');
const results = join(work, 'results.json');
const r = run(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...args], {
  // SOCKIT_NATIVE_PATH (test:asan) names another build; otherwise only prebuilds/ load.
  env: { ...process.env, SOCKIT_SKIP_LOG: skipLog, ...(process.env.SOCKIT_NATIVE_PATH ? {} : { PREBUILDS_ONLY: '1' }) },
});
let passed = 0, failed = 0, skipped = 0;
try {
  const j = JSON.parse(readFileSync(results, 'utf8'));
  passed = j.numPassedTests; failed = j.numFailedTests; skipped = j.numPendingTests + (j.numTodoTests ?? 0);
  if (j.numFailedTestSuites && !failed) failed = j.numFailedTestSuites;
} catch { failed = failed || 1; }
if (existsSync(skipLog)) {
  const lines = [...new Set(readFileSync(skipLog, 'utf8').trim().split('\n'))];
  console.log(`\nNot run here (${lines.length}):`);
  for (const l of lines) console.log(`  - ${l}`);
  if (CI && lines.length) { console.error('CI=true: skipping is not allowed.'); failed = failed || lines.length; }
}
rmSync(work, { recursive: true, force: true });
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(r.status !== 0 || failed ? 1 : 0);
