// What a user sees when the addon cannot be found or loaded (issue 15): each
// message names what was tried (platform, arch, libc, Node ABI, N-API) and
// what to do. The package is a copy in a temporary node_modules with no build/.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDeps } from './consumer';

const root = join(__dirname, '..', '..');
const name = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name;
const tuple = `linux-${process.arch}`;
let work: string;
let onlyNode: string;

/** A consumer project with a copy of the package (dist/ and package.json; `prebuilds` as given). */
function project(label: string, prebuild?: Buffer): string {
  const dir = join(work, label);
  const pkg = join(dir, 'node_modules', name);
  mkdirSync(pkg, { recursive: true });
  cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(root, 'node_modules', 'node-gyp-build'), join(dir, 'node_modules', 'node-gyp-build'), { recursive: true });
  if (prebuild) {
    mkdirSync(join(pkg, 'prebuilds', tuple), { recursive: true });
    writeFileSync(join(pkg, 'prebuilds', tuple, `${name}.glibc.node`), prebuild);
  }
  return dir;
}

/** require() the package in `dir`; the error's name, code and message. */
function load(dir: string, env: NodeJS.ProcessEnv = {}): { name: string; code: string; message: string } {
  const clean: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete clean.SOCKIT_NATIVE_PATH;
  delete clean.LD_PRELOAD;
  const script = `try { require(${JSON.stringify(name)}); console.log(JSON.stringify({ name: 'loaded' })); }
    catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', env: clean });
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout) as { name: string; code: string; message: string };
  console.log(out.message);
  return out;
}

const what = new RegExp(`platform=linux arch=${process.arch} libc=glibc [0-9.]+ node=${process.versions.node.replace(/\./g, '\\.')} abi=${process.versions.modules} napi=${process.versions.napi}`);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sockit-load-'));
  onlyNode = join(work, 'bin');
  mkdirSync(onlyNode);
  symlinkSync(process.execPath, join(onlyNode, 'node'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('load errors', () => {
  it('no prebuild and no toolchain: says what was tried, what is missing and how to rebuild', () => {
    const e = load(project('bare'), { PATH: onlyNode });
    expect(e).toMatchObject({ name: 'NativeLoadError', code: 'ERR_SOCKIT_NATIVE_LOAD' });
    expect(e.message).toMatch(what);
    expect(e.message).toContain(`no native addon was found for this system`);
    expect(e.message).toContain(join('node_modules', name, 'prebuilds', tuple));
    expect(e.message).toContain('has no prebuilt binaries at all');
    expect(e.message).toContain('not on PATH here: python3, make, g++');
    expect(e.message).toContain(`npm rebuild ${name}`);
    expect(e.message).toMatch(/onlyBuiltDependencies.*trustedDependencies/);
  });

  it('installed with --ignore-scripts from a tarball without a fitting binary: names the skipped install script', () => {
    // The package as npm pack makes it, minus prebuilds/ (as on a system no prebuild fits).
    const src = join(work, 'src');
    mkdirSync(src);
    for (const f of ['dist', 'native', 'binding.gyp', 'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'docs']) cpSync(join(root, f), join(src, f), { recursive: true });
    const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: src, encoding: 'utf8' }).trim().split('\n').pop() as string;
    const dir = join(work, 'consumer');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{"name":"consumer","version":"1.0.0","private":true}');
    execFileSync('npm', ['install', '--ignore-scripts', '--offline', '--no-audit', '--no-fund', join(work, tgz), ...runtimeDeps(work)], { cwd: dir, stdio: 'pipe' });
    const e = load(dir);
    expect(e.name).toBe('NativeLoadError');
    expect(e.message).toMatch(what);
    expect(e.message).toContain(`no native addon was found`);
    expect(e.message).toContain('the install script did not run, or did not finish');
    expect(e.message).toContain('--ignore-scripts');
    expect(e.message).toContain(`"pnpm": { "onlyBuiltDependencies"`);
    expect(e.message).toContain('"trustedDependencies" (bun)');
    expect(e.message).toContain(`npm rebuild ${name}`);
  }, 120_000);

  it('a corrupt binary: names the file, the loader error, and how to rebuild', () => {
    const e = load(project('corrupt', Buffer.from('not an ELF file, just some text that happens to end in .node')));
    expect(e.name).toBe('NativeLoadError');
    expect(e.message).toContain(`the native addon ${join(work, 'corrupt', 'node_modules', name, 'prebuilds', tuple, `${name}.glibc.node`)} was found but did not load`);
    expect(e.message).toMatch(/invalid ELF header|file too short/);
    expect(e.message).toContain('damaged, truncated or built for another system');
    expect(e.message).toMatch(what);
    expect(e.message).toContain(`npm rebuild ${name}`);
  });

  it('musl (LIBC=musl, as node-gyp-build reads it) with only glibc prebuilds: says none fits and a source build is needed', () => {
    const e = load(project('musl', readFileSync('/proc/self/exe').subarray(0, 64)), { LIBC: 'musl' });
    expect(e.name).toBe('NativeLoadError');
    expect(e.message).toMatch(new RegExp(`platform=linux arch=${process.arch} libc=musl node=`));
    expect(e.message).toContain(`ships no prebuilt binary for ${tuple} with musl (it has: ${tuple} (glibc))`);
    expect(e.message).toContain('apk add python3 make g++ linux-headers');
  });
});
