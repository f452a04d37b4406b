// Build and packaging (issue 2): the prebuild loads on its own, the addon loads
// in worker threads, non-Linux platforms get a clear error, and the published
// tarball holds only what users need and downloads nothing at install.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function node(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, args, { encoding: 'utf8', cwd: opts.cwd ?? root, env: opts.env ?? process.env, timeout: 60_000 });
}

describe('prebuild (prebuilds/linux-x64, as shipped), loaded without build/', () => {
  let work: string;
  let pkg: string;
  const tuple = `linux-${process.arch}`;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sockit-prebuild-'));
    // The "installed package": dist + prebuilds + the one runtime loader dependency, and no build/.
    pkg = join(work, 'node_modules', 'sockit-linux');
    mkdirSync(pkg, { recursive: true });
    cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
    cpSync(join(root, 'prebuilds', tuple), join(pkg, 'prebuilds', tuple), { recursive: true });
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
    cpSync(join(root, 'node_modules', 'node-gyp-build'), join(work, 'node_modules', 'node-gyp-build'), { recursive: true });
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is one stripped N-API binary under prebuilds/linux-x64, named for node-gyp-build with its libc tag', () => {
    const files = readdirSync(join(pkg, 'prebuilds', tuple));
    expect(files).toEqual(['sockit-linux.glibc.node']);
    const bin = readFileSync(join(pkg, 'prebuilds', tuple, files[0] as string));
    expect(bin.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    // Stripped: no static symbol table (its section name lives in .shstrtab only when present).
    expect(bin.includes('.symtab')).toBe(false);
  });

  it('loads the addon from the prebuild (proved by /proc/self/maps), with no build/ present', () => {
    expect(existsSync(join(pkg, 'build'))).toBe(false);
    const script = `
      const s = require('sockit-linux');
      const sock = new s.Socket('ipv4', 'dgram');
      sock.close();
      const maps = require('fs').readFileSync('/proc/self/maps', 'utf8');
      const libs = [...new Set(maps.split('\\n').map((l) => l.split(/\\s+/)[5]).filter((p) => p && p.endsWith('.node')))];
      console.log(JSON.stringify(libs));`;
    const env: NodeJS.ProcessEnv = { ...process.env, PREBUILDS_ONLY: '' };
    delete env.SOCKIT_NATIVE_PATH;
    delete env.LD_PRELOAD;
    const r = node(['-e', script], { cwd: work, env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([join(pkg, 'prebuilds', tuple, 'sockit-linux.glibc.node')]);
  });

  it('the install script (node-gyp-build) finds the prebuild and builds (and downloads) nothing', () => {
    const pj = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pj.scripts.install).toBe('node-gyp-build');
    for (const hook of ['preinstall', 'postinstall', 'prepublish', 'prebuild']) expect(pj.scripts[hook]).toBeUndefined();
    // Run the install script the way npm would, with a PATH holding only node and the package's .bin
    // (no node-gyp, no compiler, no network tools): it must succeed by finding the prebuild alone.
    const bin = join(work, 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync('../node-gyp-build/build-test.js', join(bin, 'node-gyp-build-test'));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin, npm_config_offline: 'true', PREBUILDS_ONLY: '' };
    delete env.SOCKIT_NATIVE_PATH;
    delete env.LD_PRELOAD;
    const r = node([join(work, 'node_modules', 'node-gyp-build', 'bin.js')], { cwd: pkg, env });
    expect(r.status).toBe(0);
    expect(existsSync(join(pkg, 'build'))).toBe(false);
  });
});

describe('worker_threads', () => {
  const workerScript = `
    const { parentPort, workerData } = require('worker_threads');
    const s = require(workerData.index);
    const socks = [];
    for (let i = 0; i < 50; i++) { const k = new s.Socket('ipv4', 'dgram'); k.bind({ address: '127.0.0.1', port: 0 }); socks.push(k); }
    const ports = socks.map((k) => k.localAddress().port);
    for (const k of socks) k.close();
    parentPort.postMessage({ ok: true, ports: ports.length, af: s.constants.AF_INET });`;

  it('loads the addon inside a Worker, and in two Workers and the main thread at once', () => {
    const script = `
      const { Worker } = require('worker_threads');
      const index = ${JSON.stringify(join(root, 'dist', 'index.js'))};
      const main = require(index);
      const run = () => new Promise((res, rej) => {
        const w = new Worker(${JSON.stringify(workerScript)}, { eval: true, workerData: { index } });
        w.once('message', res); w.once('error', rej);
        w.once('exit', (c) => c !== 0 && rej(new Error('worker exit ' + c)));
      });
      (async () => {
        const one = await run();
        const mainSock = new main.Socket('ipv6', 'dgram');
        const both = await Promise.all([run(), run()]);
        mainSock.bind({ address: '::1', port: 0 });
        const port = mainSock.localAddress().port;
        mainSock.close();
        console.log(JSON.stringify({ one, both, port }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const r = node(['-e', script]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { one: { ok: boolean; ports: number }; both: { ok: boolean }[]; port: number };
    expect(out.one).toMatchObject({ ok: true, ports: 50 });
    expect(out.both).toHaveLength(2);
    for (const b of out.both) expect(b).toMatchObject({ ok: true, ports: 50 });
    expect(out.port).toBeGreaterThan(0);
  });
});

describe('non-Linux platforms', () => {
  for (const platform of ['darwin', 'win32', 'freebsd']) {
    it(`importing on ${platform} throws a clear error and loads nothing`, () => {
      const script = `
        Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} });
        try { require(${JSON.stringify(join(root, 'dist', 'index.js'))}); console.log('loaded'); }
        catch (e) {
          const maps = require('fs').readFileSync('/proc/self/maps', 'utf8');
          console.log(JSON.stringify({ message: e.message, native: /\\.node$/m.test(maps) }));
        }`;
      const r = node(['-e', script]);
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as { message: string; native: boolean };
      expect(out.message).toContain('Linux only');
      expect(out.message).toContain(platform);
      expect(out.native).toBe(false);
    });
  }
});

describe('published package', () => {
  it('npm pack contains only dist/, native/, binding.gyp, prebuilds/, docs/, README, CHANGELOG, LICENSE and package.json', () => {
    // --ignore-scripts: the contents check must not depend on (or run) prepare.
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const allowed = /^(dist\/|native\/|prebuilds\/|docs\/[^/]+\.md$|binding\.gyp$|README\.md$|CHANGELOG\.md$|package\.json$|LICENSE$)/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files).toContain('binding.gyp');
    expect(files).toContain('package.json');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    for (const f of ['LICENSE', 'CHANGELOG.md', 'README.md']) expect(files).toContain(f);
    // The x64 prebuild (npm test builds it; the arm64 one: test/packaging/prebuilds.test.ts).
    expect(files).toContain(`prebuilds/linux-${process.arch}/sockit-linux.glibc.node`);
    // Every docs/ page the README links to is in the package.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const [, doc] of readme.matchAll(/\]\((docs\/[^)#]+)/g)) expect(files).toContain(doc);
    expect(files.some((f) => f.startsWith('native/') && f.endsWith('.cc'))).toBe(true);
    // Source maps carry their sources (inlineSources): lib/ is not shipped.
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const m of maps) {
      const map = JSON.parse(readFileSync(join(root, m), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      expect(map.sourcesContent?.filter((c) => typeof c === 'string').length, m).toBe(map.sources.length);
    }
    // Nothing test-only, no maps of sources users do not get, no build output.
    expect(files.filter((f) => /^(build|test|scripts|node_modules)\//.test(f))).toEqual([]);
  });

  it('has no lifecycle script that fetches anything', () => {
    const pj = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const [name, cmd] of Object.entries(pj.scripts)) {
      if (!/^(pre|post)?install$|^prepare$|^prepack$|^postpack$/.test(name)) continue;
      expect(cmd, name).not.toMatch(/curl|wget|https?:|git clone|download/);
    }
  });
});
