#!/usr/bin/env node
// Type-checks every ```ts block of README.md and docs/*.md against the built
// package as a consumer imports it (node_modules/<name> -> this checkout,
// resolved through package.json "exports"/"types"), strict, under
// moduleResolution node16 (as .mts) and bundler. A block preceded by
//   <!-- snippet-skip: REASON -->
// is a fragment the checker skips; the reason is printed.
// usage: node scripts/check-snippets.mjs [--json]   (needs dist/: npm run build:ts)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const name = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name;
const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/** Every ```ts block: file, line of the fence, code, skip reason (or null). */
export function snippets() {
  const out = [];
  for (const doc of docs) {
    const lines = readFileSync(join(root, doc), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
      let j = i + 1;
      while (j < lines.length && !/^```\s*$/.test(lines[j])) j++;
      let k = i - 1;
      while (k >= 0 && lines[k].trim() === '') k--;
      const skip = k >= 0 ? /^<!--\s*snippet-skip:\s*(.+?)\s*-->$/.exec(lines[k].trim()) : null;
      out.push({ doc, line: i + 1, code: lines.slice(i + 1, j).join('\n'), skip: skip ? skip[1] : null });
      i = j;
    }
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'sockit-snippets-'));
try {
  mkdirSync(join(work, 'node_modules', '@types'), { recursive: true });
  symlinkSync(root, join(work, 'node_modules', name));
  symlinkSync(join(root, 'node_modules', '@types', 'node'), join(work, 'node_modules', '@types', 'node'));
  // A consumer's test files import their test runner: vitest, from this checkout's devDependencies.
  symlinkSync(join(root, 'node_modules', 'vitest'), join(work, 'node_modules', 'vitest'));
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'snippets', version: '1.0.0', private: true, type: 'module' }));
  const all = snippets();
  const checked = all.filter((s) => !s.skip);
  const files = checked.map((s, n) => {
    const base = `${s.doc.replace(/[/.]/g, '_')}_L${s.line}`;
    // `export {}` keeps each snippet a module of its own (top-level await, no shared globals).
    const text = `${s.code}\nexport {};\n`;
    writeFileSync(join(work, `${base}.mts`), text);
    writeFileSync(join(work, `${base}.ts`), text);
    return { ...s, base, n };
  });
  const common = ['--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022', '--types', 'node', '--skipLibCheck', 'false', '--noUnusedLocals', 'false'];
  const modes = [
    { label: 'node16', args: ['--module', 'node16', '--moduleResolution', 'node16'], ext: '.mts' },
    { label: 'bundler', args: ['--module', 'esnext', '--moduleResolution', 'bundler'], ext: '.ts' },
  ];
  let failed = 0;
  for (const mode of modes) {
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), ...common, ...mode.args, ...files.map((f) => f.base + mode.ext)], { cwd: work, encoding: 'utf8' });
    const text = (r.stdout + r.stderr).trim();
    for (const f of files) {
      const errs = text.split('\n').filter((l) => l.startsWith(f.base + mode.ext));
      if (errs.length) {
        failed++;
        console.log(`FAIL ${f.doc}:${f.line} (${mode.label})`);
        for (const e of errs) console.log(`  ${e.replace(f.base + mode.ext, `${f.doc}:${f.line}+`)}`);
      }
    }
    if (r.status !== 0 && !files.some((f) => text.includes(f.base))) {
      failed++;
      console.log(`tsc (${mode.label}) failed:\n${text}`);
    }
  }
  for (const s of all.filter((x) => x.skip)) console.log(`skip ${s.doc}:${s.line}: ${s.skip}`);
  console.log(`snippets: ${checked.length} type-checked under node16 and bundler, ${all.length - checked.length} skipped, ${failed} failures`);
  process.exitCode = failed ? 1 : 0;
} finally {
  rmSync(work, { recursive: true, force: true });
}
