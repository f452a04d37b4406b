// Options that need a capability: they work with it (root in CI), and with
// CAP_NET_ADMIN/CAP_NET_RAW dropped (setpriv, bounding set cleared before
// exec) they fail with SocketError EPERM (EACCES for SO_DEBUG) and a hint
// naming the capability and how to grant it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../helpers/env';

interface Line {
  name: string;
  capability?: string;
  ok: boolean;
  class?: string;
  code?: string;
  hint?: string;
  option?: string;
  capEff?: string;
  expect?: string;
}

const dist = join(__dirname, '../../dist/index.js');
const script = join(__dirname, 'fixtures/caps.cjs');

function run(prefix: string[]): { lines: Line[]; status: number | null; stderr: string } {
  const argv = [...prefix, process.execPath, script, dist];
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
  return { lines: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line), status: r.status, stderr: r.stderr };
}

const CAP_NET_ADMIN = 1n << 12n;
const CAP_NET_RAW = 1n << 13n;

describeWith(['netns', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'tool:setpriv'], 'options that need capabilities', () => {
  describe('with CAP_NET_ADMIN and CAP_NET_RAW', () => {
    const r = run([]);
    it('the child ran', () => expect(r.status, r.stderr).toBe(0));
    for (const line of r.lines.filter((l) => l.name)) {
      it(`${line.name} succeeds`, () => expect(line, line.hint).toMatchObject({ ok: true }));
    }
  });

  describe('with the capabilities dropped (setpriv)', () => {
    const r = run(['setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-net_admin,-net_raw', '--']);
    it('the child ran without CAP_NET_ADMIN and CAP_NET_RAW', () => {
      expect(r.status, r.stderr).toBe(0);
      const eff = BigInt(`0x${r.lines[0]?.capEff ?? 'ffffffff'}`);
      expect(eff & CAP_NET_ADMIN).toBe(0n);
      expect(eff & CAP_NET_RAW).toBe(0n);
    });
    for (const line of r.lines.filter((l) => l.name)) {
      it(`${line.name} fails with ${line.expect} and a hint naming ${line.capability}`, () => {
        expect(line).toMatchObject({ ok: false, class: 'SocketError', code: line.expect, option: line.name });
        expect(line.capability).toMatch(/^CAP_NET_(ADMIN|RAW)$/);
        expect(line.hint).toContain(line.capability);
        expect(line.hint).toContain('setcap');
      });
    }
  });
});
