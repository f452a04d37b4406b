// Property tests of the TypeScript parsers (frames, pcap, BPF, addresses):
// random and mutated inputs only ever produce the parser's typed error, never
// another exception (a bare TypeError/RangeError from an out-of-bounds
// DataView read, "cannot read properties of undefined", ...), and a successful
// parse never contains NaN/undefined numbers (the sign of a silent
// out-of-bounds Buffer read). A small seeded generator, no dependency: every
// failure prints its seed and input so it can be replayed.
import { describe, expect, it, vi } from 'vitest';
import {
  FrameParseError,
  PcapParser,
  buildArp,
  buildIcmpEchoFrame,
  bpf,
  buildUdpFrame,
  decodeFrame,
  decodePcapHeader,
  encodePcapHeader,
  encodePcapRecord,
  parseArp,
  parseEndpoint,
  parseEthernet,
  parseIcmpEcho,
  parseIp,
  parseIpv4,
  parseIpv6,
  parseMac,
  parsePcap,
  parseUdp,
} from '../helpers/sockit';

// Generous per-test time: these run children, and run again ~10x slower under test:asan on a busy machine.
vi.setConfig({ testTimeout: 300_000 });

const { decodeBpf, encodeBpf, parseTcpdumpDd, validateBpf } = bpf;

const RUNS = Number(process.env.PROPERTY_RUNS ?? 3000);

/** xorshift32: deterministic and fast. */
class Rng {
  constructor(private s: number) {
    if (this.s === 0) this.s = 0x9e3779b9;
  }
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)] as T;
  }
}

/** Mutations of a valid input: truncate, flip, overwrite length-like fields with extremes, splice. */
function mutate(r: Rng, valid: Buffer): Buffer {
  let b = Buffer.from(valid);
  const n = 1 + r.int(4);
  for (let k = 0; k < n; k++) {
    switch (r.int(6)) {
      case 0:
        b = b.subarray(0, r.int(b.length + 1));
        break;
      case 1:
        if (b.length) b[r.int(b.length)] ^= 1 << r.int(8);
        break;
      case 2: {
        if (b.length < 2) break;
        const at = r.int(b.length - 1);
        b.writeUInt16BE(r.pick([0, 1, 0xffff, 0x7fff, b.length, b.length + 1, r.int(0x10000)]), at);
        break;
      }
      case 3:
        if (b.length) b[r.int(b.length)] = r.pick([0, 0xff, 0x45, 0x4f, 0x60, 0x11, 0x06, 0x81, 0x88]);
        break;
      case 4:
        b = Buffer.concat([b, r.bytes(r.int(16))]);
        break;
      default: {
        if (b.length < 4) break;
        const at = r.int(b.length - 3);
        b.writeUInt32LE(r.pick([0, 0xffffffff, 0x7fffffff, 65536, 262144, r.u32()]), at);
      }
    }
  }
  // A view at an odd offset into a larger buffer: parsers must respect byteOffset.
  if (r.int(3) === 0) {
    const big = Buffer.alloc(b.length + 7, 0xee);
    b.copy(big, 3);
    return big.subarray(3, 3 + b.length);
  }
  return b;
}

function noNaN(v: unknown, path: string, seen = new Set<unknown>()): void {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new Error(`NaN at ${path}`);
    return;
  }
  if (v === null || typeof v !== 'object' || seen.has(v) || ArrayBuffer.isView(v)) return;
  seen.add(v);
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue; // optional fields are fine
    noNaN(x, `${path}.${k}`, seen);
  }
}

type Accept = (e: unknown) => boolean;
const frameError: Accept = (e) => e instanceof FrameParseError && typeof (e as FrameParseError).code === 'string';
const argError: Accept = (e) =>
  e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && /^(ERR_|E[A-Z]+$)/.test((e as unknown as { code: string }).code);

/** Run `fn` on `RUNS` generated inputs; every throw must be accepted by `ok`. */
function property<T>(name: string, seed: number, gen: (r: Rng) => T, fn: (x: T) => unknown, ok: Accept): { parsed: number; rejected: number } {
  const r = new Rng(seed);
  let parsed = 0;
  let rejected = 0;
  for (let i = 0; i < RUNS; i++) {
    const input = gen(r);
    let out: unknown;
    try {
      out = fn(input);
    } catch (e) {
      if (!ok(e)) {
        const shown = Buffer.isBuffer(input) ? input.toString('hex') : JSON.stringify(input);
        throw new Error(`${name}: seed ${seed} run ${i}: untyped ${String((e as Error)?.name)}: ${String((e as Error)?.message)}\ninput: ${shown?.slice(0, 400)}`);
      }
      rejected++;
      continue;
    }
    noNaN(out, name);
    parsed++;
  }
  return { parsed, rejected };
}

const mac = () => '02:00:00:00:00:01';
const validFrames = [
  buildUdpFrame({ source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 5000, destinationPort: 53, payload: Buffer.from('hello'), sourceMac: mac(), destinationMac: mac() } as never),
  buildUdpFrame({ source: 'fd00:5f::1', destination: 'fd00:5f::2', sourcePort: 1, destinationPort: 2, payload: Buffer.alloc(40, 7), sourceMac: mac(), destinationMac: mac() } as never),
  buildUdpFrame({ source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 1, destinationPort: 2, vlans: [{ id: 42 }], sourceMac: mac(), destinationMac: mac() } as never),
  buildIcmpEchoFrame({ kind: 'request', source: '198.18.0.1', destination: '198.18.0.2', identifier: 1, sequence: 2, sourceMac: mac(), destinationMac: mac() } as never),
];
const validArp = buildArp({ operation: 1 as never, senderMac: mac(), senderIp: '198.18.0.1', targetIp: '198.18.0.2' });

describe('frame parsers: only FrameParseError', () => {
  const gens = (r: Rng): Buffer => (r.int(3) === 0 ? r.bytes(r.int(120)) : mutate(r, r.pick(validFrames)));
  const cases: [string, (b: Buffer) => unknown][] = [
    ['decodeFrame', decodeFrame],
    ['parseEthernet', parseEthernet],
    ['parseIpv4', (b) => parseIpv4(b.subarray(14))],
    ['parseIpv6', (b) => parseIpv6(b.subarray(14))],
    ['parseUdp', (b) => parseUdp(b.subarray(34))],
    ['parseIcmpEcho', (b) => parseIcmpEcho(b.subarray(34))],
  ];
  cases.forEach(([name, fn], i) => {
    it(`${name}: ${RUNS} random/mutated frames`, () => {
      const res = property(name, 1000 + i, gens, fn, frameError);
      expect(res.parsed + res.rejected).toBe(RUNS);
      expect(res.rejected).toBeGreaterThan(0);
    });
  });
  it(`parseArp: ${RUNS} random/mutated packets`, () => {
    const res = property('parseArp', 77, (r) => (r.int(3) === 0 ? r.bytes(r.int(40)) : mutate(r, validArp)), parseArp, frameError);
    expect(res.parsed).toBeGreaterThan(0);
    expect(res.rejected).toBeGreaterThan(0);
  });
  it('the valid frames decode (the generator starts from real input)', () => {
    for (const f of validFrames) expect(() => decodeFrame(f)).not.toThrow();
  });
});

describe('pcap reader: only FrameParseError', () => {
  const rec = (r: Rng) => Buffer.concat(encodePcapRecord(r.pick(validFrames), 1_700_000_000_000_000_000n, 60, 'microsecond' as never, 65535));
  const validFile = (r: Rng) => Buffer.concat([encodePcapHeader({}), rec(r), rec(r), rec(r)]);
  const gen = (r: Rng) => (r.int(4) === 0 ? r.bytes(r.int(100)) : mutate(r, validFile(r)));
  it(`parsePcap: ${RUNS} random/mutated files`, () => {
    const res = property('parsePcap', 5, gen, parsePcap, frameError);
    expect(res.parsed).toBeGreaterThan(0);
    expect(res.rejected).toBeGreaterThan(0);
  });
  it(`decodePcapHeader: ${RUNS} random/mutated headers`, () => {
    property('decodePcapHeader', 6, (r) => mutate(r, encodePcapHeader({})).subarray(0, 24 + r.int(3)), decodePcapHeader, frameError);
  });
  it(`PcapParser streaming: ${RUNS} files cut into random chunks agree with parsePcap`, () => {
    const r = new Rng(9);
    for (let i = 0; i < RUNS; i++) {
      const file = gen(r);
      let whole: unknown;
      let wholeErr: unknown;
      try {
        whole = parsePcap(file).records.length;
      } catch (e) {
        wholeErr = e;
      }
      const p = new PcapParser();
      let count = 0;
      let err: unknown;
      try {
        for (let off = 0; off < file.length; ) {
          const n = 1 + r.int(40);
          count += p.push(file.subarray(off, off + n)).length;
          off += n;
        }
        p.end();
      } catch (e) {
        err = e;
      }
      if (err !== undefined && !frameError(err)) throw new Error(`PcapParser run ${i}: untyped ${String(err)}\ninput ${file.toString('hex').slice(0, 400)}`);
      if (wholeErr === undefined) expect(err === undefined ? count : -1).toBe(whole);
    }
  });
});

describe('BPF: only typed argument errors', () => {
  const prog = [
    { code: 0x28, jt: 0, jf: 0, k: 12 },
    { code: 0x15, jt: 0, jf: 1, k: 0x800 },
    { code: 0x06, jt: 0, jf: 0, k: 0xffff },
    { code: 0x06, jt: 0, jf: 0, k: 0 },
  ];
  const dd = (p: typeof prog) => p.map((i) => `{ 0x${i.code.toString(16)}, ${i.jt}, ${i.jf}, 0x${i.k.toString(16).padStart(8, '0')} },`).join('\n');
  const ddd = (p: typeof prog) => `${p.length}\n${p.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k}`).join('\n')}`;
  const alphabet = ['{', '}', ',', ' ', '\n', '0x', '0', '1', '9', 'f', 'F', '-', '4294967296', '65536', '256', '99999999999999999999', '\t', '\r\n', 'x'];
  const genText = (r: Rng): string => {
    if (r.int(2) === 0) {
      let s = '';
      for (let i = r.int(30); i > 0; i--) s += r.pick(alphabet);
      return s;
    }
    const base = r.int(2) ? dd(prog) : ddd(prog);
    const chars = [...base];
    for (let k = 1 + r.int(4); k > 0; k--) {
      const at = r.int(chars.length + 1);
      const op = r.int(3);
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, r.pick(alphabet));
      else chars[at] = r.pick(alphabet);
    }
    return chars.join('');
  };
  it(`parseTcpdumpDd: ${RUNS} random/mutated texts`, () => {
    const res = property('parseTcpdumpDd', 11, genText, parseTcpdumpDd, argError);
    expect(res.parsed).toBeGreaterThan(0);
    expect(res.rejected).toBeGreaterThan(0);
  });
  it(`decodeBpf: ${RUNS} random/mutated byte programs; what decodes re-encodes identically`, () => {
    const valid = encodeBpf(validateBpf(prog));
    const res = property(
      'decodeBpf',
      12,
      (r) => (r.int(3) === 0 ? r.bytes(8 * r.int(6)) : mutate(r, valid)),
      (b) => {
        const p = decodeBpf(b);
        const again = encodeBpf(validateBpf(p));
        if (!again.equals(Buffer.from(b))) throw new Error('re-encode differs');
        return p;
      },
      argError,
    );
    expect(res.parsed).toBeGreaterThan(0);
  });
  it(`validateBpf: ${RUNS} hostile instruction arrays`, () => {
    const vals = [0, -1, 1.5, NaN, Infinity, 2 ** 32, -(2 ** 31) - 1, '6', null, undefined, {}, [], 0x06, 0x15, 0x28, 0xffff, 255, 256];
    property(
      'validateBpf',
      13,
      (r) =>
        r.int(10) === 0
          ? r.pick<unknown>([null, undefined, 'ret', {}, 5, [null]])
          : Array.from({ length: r.int(6) }, () => (r.int(8) === 0 ? r.pick<unknown>([null, 7, 'x']) : { code: r.pick(vals), jt: r.pick(vals), jf: r.pick(vals), k: r.pick(vals) })),
      (p) => validateBpf(p as never),
      argError,
    );
  });
});

describe('address parsers: only typed argument errors', () => {
  const pieces = ['198.18.0.1', 'fd00:5f::1', '::', '::ffff:1.2.3.4', ':', '[', ']', '%', '%lo', '%1', '%99999999999', '.', '0', '255', '256', '65535', '65536', 'ff', 'g', ' ', '\u0000', '\ud800', '-', 'x'.repeat(300)];
  const genStr = (r: Rng): string => {
    let s = '';
    for (let i = 1 + r.int(5); i > 0; i--) s += r.pick(pieces);
    return s;
  };
  it(`parseIp / parseEndpoint: ${RUNS} random strings and objects`, () => {
    property('parseIp', 21, genStr, (s) => parseIp(s), argError);
    property('parseEndpoint', 22, genStr, (s) => parseEndpoint(s), argError);
    property(
      'parseEndpoint(object)',
      23,
      (r) => ({ address: r.int(5) ? genStr(r) : r.pick<unknown>([1, null, {}]), port: r.pick<unknown>([0, 1, 65535, 65536, -1, 1.5, NaN, '80', null]), scopeId: r.pick<unknown>([undefined, 0, -1, 2 ** 32, 'lo', 'nope0']) }),
      (o) => parseEndpoint(o as never),
      argError,
    );
  });
  it(`parseMac: ${RUNS} random strings and byte arrays`, () => {
    const hex = ['0', 'a', 'F', 'g', ':', '-', '::', '00', 'ff', ' '];
    property('parseMac', 31, (r) => (r.int(4) === 0 ? r.bytes(r.int(9)) : Array.from({ length: r.int(20) }, () => r.pick(hex)).join('')), (x) => parseMac(x as never), argError);
  });
});
