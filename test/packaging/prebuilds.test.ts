// The prebuilt binaries the package ships (scripts/prebuild/build.sh): they
// load on glibc 2.28 without libstdc++, this suite runs on the x64 one, the
// arm64 one works under qemu, and a project with no compiler installs the
// tarball and talks UDP.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWith } from '../helpers/env';
import { runtimeDeps } from './consumer';

const root = join(__dirname, '..', '..');
const name = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name;
const x64 = `prebuilds/linux-x64/${name}.glibc.node`;
const arm64 = `prebuilds/linux-arm64/${name}.glibc.node`;
const smoke = join(__dirname, 'smoke.cjs');

interface Smoke {
  arch: string;
  node: string;
  addons: string[];
  sent: string;
  message: { data: string; port: number };
  rcvbuf: number;
  nativeThrow: string;
}

/** objdump -T: the largest GLIBC_ version, every libstdc++/libgcc_s version, the defined global symbols. */
function dynamicSymbols(file: string): { maxGlibc: string; cxx: string[]; exports: string[] } {
  const out = execFileSync('objdump', ['-T', file], { encoding: 'utf8' });
  const versions = [...out.matchAll(/\bGLIBC_(\d+(?:\.\d+)+)/g)].map((m) => m[1] as string);
  const cmp = (a: string, b: string): number => {
    const x = a.split('.').map(Number);
    const y = b.split('.').map(Number);
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  };
  const maxGlibc = versions.sort(cmp).at(-1) ?? 'none';
  const cxx = [...out.matchAll(/\b((?:GLIBCXX|CXXABI|GCC)_[\d.]+)\)?\s+(\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  const exports = out
    .split('\n')
    .map((l) => l.split(/\s+/))
    .filter((f) => f[1] === 'g' && !f.includes('*UND*'))
    .map((f) => f.at(-1) as string)
    .sort();
  return { maxGlibc, cxx, exports };
}

function expectGlibc228(rel: string): void {
  const { maxGlibc, cxx, exports } = dynamicSymbols(join(root, rel));
  console.log(`${rel}: max GLIBC_${maxGlibc}, GLIBCXX/CXXABI/GCC: ${cxx.length}, exports: ${exports.join(' ')}`);
  expect(Number(maxGlibc.split('.')[0])).toBe(2);
  expect(Number(maxGlibc.split('.')[1]), `${rel} needs GLIBC_${maxGlibc}`).toBeLessThanOrEqual(28);
  expect(cxx, `${rel} needs libstdc++/libgcc_s`).toEqual([]);
  expect(exports).toEqual(['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
  const needed = execFileSync('readelf', ['-d', join(root, rel)], { encoding: 'utf8' });
  expect(needed).not.toMatch(/NEEDED.*(libstdc\+\+|libgcc_s)/);
}

describeWith(['tool:objdump', 'tool:readelf'], 'prebuilt binaries: glibc 2.28, no libstdc++', () => {
  it(`${x64}: no symbol newer than GLIBC_2.28, no GLIBCXX/CXXABI/GCC version, only the N-API entry points exported`, () => {
    expectGlibc228(x64);
  });
});

describeWith(['tool:objdump', 'tool:readelf', `file:${arm64}`], 'prebuilt binaries: arm64', () => {
  it(`${arm64}: no symbol newer than GLIBC_2.28, no GLIBCXX/CXXABI/GCC version, only the N-API entry points exported`, () => {
    expect(execFileSync('readelf', ['-h', join(root, arm64)], { encoding: 'utf8' })).toMatch(/Machine:\s+AArch64/);
    expectGlibc228(arm64);
  });

  it('npm pack ships it next to the x64 one', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files.filter((f) => f.startsWith('prebuilds/')).sort()).toEqual([arm64, x64]);
  });
});

describeWith(['env:PREBUILDS_ONLY'], 'this suite runs on the shipped binary', () => {
  it(`the test process mapped ${x64} and no other addon (/proc/self/maps)`, async () => {
    const { constants } = await import('../helpers/sockit');
    expect(constants.AF_INET).toBe(2);
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const addons = [...new Set(maps.split('\n').map((l) => l.split(/\s+/)[5]).filter((p): p is string => !!p && p.endsWith('.node')))];
    expect(addons).toEqual([join(root, x64)]);
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'tool:qemu-aarch64-static', 'env:SOCKIT_ARM64_NODE', `file:${arm64}`], 'arm64 prebuild under qemu-user', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sockit-arm64-'));
    const pkg = join(dir, 'node_modules', name);
    mkdirSync(join(pkg, 'prebuilds'), { recursive: true });
    cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
    cpSync(join(root, 'prebuilds', 'linux-arm64'), join(pkg, 'prebuilds', 'linux-arm64'), { recursive: true });
    cpSync(join(root, 'node_modules', 'node-gyp-build'), join(dir, 'node_modules', 'node-gyp-build'), { recursive: true });
    cpSync(smoke, join(dir, 'smoke.cjs'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an arm64 node loads it, sends and receives a datagram on loopback in a fresh `unshare --net`, reads an option, catches a native throw', () => {
    const arm64Node = process.env.SOCKIT_ARM64_NODE as string;
    const r = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link set lo up && exec qemu-aarch64-static "$0" smoke.cjs', arm64Node], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PREBUILDS_ONLY: '1' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Smoke;
    console.log(`arm64 under qemu: ${r.stdout.trim()}`);
    expect(out.arch).toBe('arm64');
    expect(out.addons).toEqual([join(dir, 'node_modules', name, arm64)]);
    expect(out.message.data).toBe(out.sent);
    expect(out.rcvbuf).toBeGreaterThanOrEqual(100_000);
    expect(out.nativeThrow).toBe('TypeError ERR_INVALID_ARG_TYPE');
  }, 150_000);
});

describeWith(['netns'], 'a consumer project installs the tarball with no compiler on PATH', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sockit-consumer-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('npm install (install script runs, finds the prebuild, compiles nothing), then a UDP round trip from prebuilds/', () => {
    expect(existsSync(join(root, x64)), `${x64} (npm test builds it)`).toBe(true);
    // The tarball exactly as npm pack makes it from this checkout (prepack checks need both arches; skip it here).
    const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop() as string;
    const deps = runtimeDeps(work);
    const dir = join(work, 'consumer');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{"name":"consumer","version":"1.0.0","private":true}');
    // PATH: node, npm and sh only. No python3, make, cc, g++, node-gyp.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync('/bin/sh', join(bin, 'sh'));
    const npmCli = join(root, 'node_modules', '.bin', 'npm');
    const npm = existsSync(npmCli) ? npmCli : execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
    symlinkSync(npm, join(bin, 'npm'));
    for (const tool of ['python3', 'make', 'cc', 'gcc', 'g++', 'c++', 'clang++', 'node-gyp']) {
      expect(spawnSync('sh', ['-c', `command -v ${tool}`], { env: { PATH: bin } }).status, tool).not.toBe(0);
    }
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin, PREBUILDS_ONLY: '' };
    delete env.SOCKIT_NATIVE_PATH;
    delete env.LD_PRELOAD;
    const inst = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts', join(work, tgz), ...deps], { cwd: dir, encoding: 'utf8', env, timeout: 120_000 });
    expect(inst.status, inst.stdout + inst.stderr).toBe(0);
    // The install script ran (and found the prebuild): npm prints it with --foreground-scripts.
    expect(inst.stdout + inst.stderr).toMatch(/> sockit-linux@[^ ]+ install\n> node-gyp-build/);
    expect(existsSync(join(dir, 'node_modules', name, 'build'))).toBe(false);
    const r = spawnSync(process.execPath, [smoke, join(dir, 'node_modules', name)], { cwd: dir, encoding: 'utf8', env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Smoke;
    expect(out.addons).toEqual([join(dir, 'node_modules', name, x64)]);
    expect(out.message.data).toBe(out.sent);
    expect(out.nativeThrow).toBe('TypeError ERR_INVALID_ARG_TYPE');
  }, 180_000);
});
