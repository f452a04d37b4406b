/**
 * Finds and loads the compiled addon (via node-gyp-build), and when that
 * fails, throws one error that says what was tried and what to do.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The npm name, for the hints (`npm rebuild <name>`). */
function packageName(root: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string }).name;
  } catch {
    return 'sockit-linux';
  }
}

/** glibc or musl, as node-gyp-build decides it (LIBC overrides), checked against the runtime's own report. */
function libc(): string {
  if (process.env.LIBC) return process.env.LIBC;
  if (fs.existsSync('/etc/alpine-release')) return 'musl';
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

function glibcVersion(): string | undefined {
  return (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && fs.existsSync(path.join(d, tool)));
}

/** What `prebuilds/` holds, as `linux-x64 (glibc)` entries. */
function shipped(root: string): string[] {
  const out: string[] = [];
  for (const tuple of list(path.join(root, 'prebuilds'))) {
    for (const f of list(path.join(root, 'prebuilds', tuple))) {
      if (f.endsWith('.node')) out.push(`${tuple} (${/\.musl\./.test(f) ? 'musl' : /\.glibc\./.test(f) ? 'glibc' : 'any libc'})`);
    }
  }
  return out;
}

/** The error thrown when the addon cannot be found or loaded. */
export class NativeLoadError extends Error {
  override name = 'NativeLoadError';
  readonly code = 'ERR_SOCKIT_NATIVE_LOAD';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The text of the error for a failed load: `file` is the binary that was
 * found but did not load (undefined: none was found), `cause` the error.
 */
export function describeLoadFailure(root: string, file: string | undefined, cause: unknown): string {
  const name = packageName(root);
  const lc = libc();
  const glibc = glibcVersion();
  const target =
    `platform=${process.platform} arch=${process.arch} libc=${lc}${lc === 'glibc' && glibc ? ` ${glibc}` : ''} ` +
    `node=${process.versions.node} abi=${process.versions.modules} napi=${process.versions.napi}`;
  const tuple = `${process.platform}-${process.arch}`;
  const have = shipped(root);
  const lines: string[] = [];
  const causeText = (String((cause as Error)?.message ?? cause).trim().split('\n')[0] ?? '').replace(`${file}: `, '');
  if (file) {
    lines.push(`${name}: the native addon ${file} was found but did not load: ${causeText}`);
    lines.push(`  this system: ${target}`);
    lines.push(
      /GLIBC_|GLIBCXX_|CXXABI_/.test(causeText)
        ? `  the binary needs a newer C library than this system has (the prebuilds need glibc >= 2.28).`
        : `  the file is damaged, truncated or built for another system.`,
    );
  } else {
    lines.push(`${name}: no native addon was found for this system (${target}).`);
    lines.push(`  looked in: ${path.join(root, 'build', 'Release')} (a source build), ${path.join(root, 'prebuilds', tuple)} (prebuilt binaries)`);
    if (!fs.existsSync(path.join(root, 'build'))) {
      lines.push(`  nothing was built here (no ${path.join(root, 'build')}): the install script did not run, or did not finish.`);
    }
    const fits = have.some((h) => h.startsWith(`${tuple} (`) && (h.endsWith('any libc)') || h.endsWith(`${lc})`)));
    lines.push(
      have.length === 0
        ? `  this copy of ${name} has no prebuilt binaries at all.`
        : fits
          ? `  prebuilt binaries present: ${have.join(', ')}.`
          : `  ${name} ships no prebuilt binary for ${tuple} with ${lc} (it has: ${have.join(', ')}), so the addon must be built from source on this system.`,
    );
  }
  const missingTools = ['python3', 'make', 'g++'].filter((t) => !onPath(t) && !(t === 'g++' && (onPath('c++') || onPath('clang++'))));
  lines.push(
    `  to build from source: python3, make and a C++17 compiler (g++) are needed` +
      (missingTools.length ? ` (not on PATH here: ${missingTools.join(', ')}` : ' (all on PATH here') +
      `; Debian/Ubuntu: apt-get install python3 make g++; Alpine: apk add python3 make g++ linux-headers), then run: npm rebuild ${name}`,
  );
  lines.push(
    `  the build runs from ${name}'s install script, which is skipped by npm --ignore-scripts, and by pnpm and bun unless allowed:` +
      ` add "${name}" to "pnpm": { "onlyBuiltDependencies": [...] } (pnpm) or to "trustedDependencies" (bun) in package.json, then reinstall.`,
  );
  return lines.join('\n');
}

/** require() the addon of the package at `root`, or throw a NativeLoadError. */
export function loadAddon(root: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const gypBuild = require('node-gyp-build') as { resolve(dir: string): string };
  let file: string;
  try {
    file = gypBuild.resolve(root);
  } catch (err) {
    throw new NativeLoadError(describeLoadFailure(root, undefined, err), { cause: err });
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file);
  } catch (err) {
    throw new NativeLoadError(describeLoadFailure(root, file, err), { cause: err });
  }
}
