// Links from README.md and docs/*.md to a section of a page in this repository
// (`docs/udp.md#flood-mode`, `#receive`) name a heading that exists, with
// GitHub's rule for heading anchors.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

/** The anchors GitHub gives a Markdown page's headings (outside code fences). */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const plain = (m[1] as string).replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

it('every link to a section of a README or docs page names an existing heading', () => {
  const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const cache = new Map<string, Set<string>>();
  const anchorsOf = (file: string): Set<string> => {
    let a = cache.get(file);
    if (!a) cache.set(file, (a = anchors(readFileSync(join(root, file), 'utf8'))));
    return a;
  };
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages) {
    const text = readFileSync(join(root, page), 'utf8');
    for (const [, target, anchor] of text.matchAll(/\]\(([^)\s#]*)#([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target as string)) continue; // another site
      const file = target ? relative(root, join(root, dirname(page), target as string)) : page;
      if (!file.endsWith('.md')) continue;
      checked++;
      if (!existsSync(join(root, file))) broken.push(`${page}: ${target}#${anchor} (no such page)`);
      else if (!anchorsOf(file).has(decodeURIComponent(anchor as string))) broken.push(`${page}: ${target}#${anchor}`);
    }
  }
  expect(broken).toEqual([]);
  expect(checked).toBeGreaterThan(20);
});
