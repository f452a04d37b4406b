// The bad-input table: every case must throw exactly the expected error class
// and code, and nothing may crash the process. The cases run in a child
// process (fixtures/bad-input.cjs) so a crash or abort fails this test.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Row {
  name: string;
  expected: { class: string; code: string };
  actual: { class: string; code: string; message?: string };
}

const dist = join(__dirname, '../../dist/index.js');
const child = spawnSync(process.execPath, [join(__dirname, 'fixtures/bad-input.cjs'), dist], { encoding: 'utf8', timeout: 60_000 });
const lines = child.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row & { done?: number });
const rows = lines.filter((l) => l.done === undefined);

describe('bad input never crashes and fails precisely', () => {
  it('the child ran every case and exited normally (no crash, no abort)', () => {
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    const done = lines.find((l) => l.done !== undefined);
    expect(done?.done).toBe(rows.length);
    expect(rows.length).toBeGreaterThanOrEqual(40);
  });

  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    expect({ class: row.actual.class, code: row.actual.code }, row.actual.message).toEqual(row.expected);
  });
});
