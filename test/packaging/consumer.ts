// Helpers for tests that install the package into a consumer project offline
// (the tests run in a network namespace with no route anywhere).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/**
 * Tarballs of the package's runtime dependencies, packed from this checkout's
 * node_modules into `dir`, to install next to the package's own tarball.
 */
export function runtimeDeps(dir: string): string[] {
  const pj = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return Object.keys(pj.dependencies).map((dep) => {
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir, join(root, 'node_modules', dep)], { cwd: dir, encoding: 'utf8' });
    const tgz = join(dir, out.trim().split('\n').pop() as string);
    if (!existsSync(tgz)) throw new Error(`npm pack ${dep}: no ${tgz}`);
    return tgz;
  });
}
