// Every ```ts block of README.md and docs/*.md compiles as a consumer's code
// (scripts/check-snippets.mjs: strict, moduleResolution node16 and bundler,
// against the built package through its exports), or is marked as a fragment.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

it('README.md and docs/*.md TypeScript snippets type-check against the package', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'check-snippets.mjs')], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  console.log(r.stdout.trim());
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/snippets: (\d+) type-checked under node16 and bundler, \d+ skipped, 0 failures/);
  expect(Number(/snippets: (\d+)/.exec(r.stdout)?.[1])).toBeGreaterThanOrEqual(20);
  expect(r.status).toBe(0);
}, 120_000);
