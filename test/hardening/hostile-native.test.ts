// The raw native binding, bypassing TypeScript, called with hostile arguments
// for EVERY exported function (and every IoHandle method): wrong types,
// negative/huge/fractional/NaN numbers, BigInts, detached and zero-length
// ArrayBuffers, 10 MB buffers, throwing proxies and getters, malformed address
// objects. It may throw (TypeError/RangeError/Error) or return; it must never
// crash, hang, or throw a non-Error. Runs in a child process per group.
import { describe, expect, it, vi } from 'vitest';
import { native } from '../helpers/sockit';
import { describeWith } from '../helpers/env';
import { expectClean, runChild } from './child';

// Generous per-test time: these run children, and run again ~10x slower under test:asan on a busy machine.
vi.setConfig({ testTimeout: 300_000 });

const palette = `
const AF = sockit.constants;
const detachedBuf = () => { const ab = new ArrayBuffer(16); structuredClone(ab, { transfer: [ab] }); return ab; };
const detachedView = () => { const ab = new ArrayBuffer(16); const v = new Uint8Array(ab, 4, 8); structuredClone(ab, { transfer: [ab] }); return v; };
const big = Buffer.alloc(10 * 1024 * 1024, 0x41);
const throwingProxy = new Proxy({}, { get() { throw new Error('proxy get'); }, has() { throw new Error('proxy has'); }, ownKeys() { throw new Error('proxy keys'); } });
const throwingGetter = Object.defineProperty({}, 'family', { get() { throw new Error('getter'); }, enumerable: true });
const H = [
  undefined, null, true, false, 0, -0, -1, -2147483649, 2147483648, 4294967296, 2 ** 53, -(2 ** 53), 1.5, NaN, Infinity, -Infinity, 1e308,
  0n, -1n, 2n ** 70n, '', '\\0', 'lo', 'x'.repeat(70000), '\\ud800', 'a\\u0000b', Symbol('s'), {}, [], [1, 2, 3], () => 1, new Date(0),
  Buffer.alloc(0), Buffer.alloc(7), big, new ArrayBuffer(0), detachedBuf(), detachedView(), new DataView(new ArrayBuffer(3)),
  new Float64Array(2), new BigInt64Array(2), new Uint16Array(3), new SharedArrayBuffer(8), new Uint8Array(new SharedArrayBuffer(8)),
  throwingProxy, throwingGetter,
  { family: AF.AF_INET, address: '127.0.0.1', port: 70000 }, { family: AF.AF_INET, address: 'x'.repeat(100000), port: 1 },
  { family: AF.AF_INET6, address: '::1', port: -1, scopeId: 2 ** 33 }, { family: AF.AF_INET6, address: '::1%lo', port: 1.5 },
  { family: AF.AF_PACKET, ifindex: -5, mac: new Uint8Array(9) }, { family: AF.AF_PACKET, ifindex: 1, mac: detachedView(), protocol: 1e6 },
  { family: AF.AF_UNIX, path: 'p'.repeat(300) }, { family: AF.AF_UNIX, path: 42 }, { family: 2 ** 40 }, { family: AF.AF_INET, address: { toString() { throw new Error('ts'); } } },
  { batchSize: 1e9, messageSize: -1, controlSize: 2 ** 31 }, { batchSize: 0 }, { messageSize: NaN },
  { ttl: 1e9, tos: -5, source: 'nope', ifindex: -1 }, { source: new Uint8Array(3) },
];
const stats = {};
let nonError = [];
function attempt(name, fn, args) {
  const s = (stats[name] ??= { calls: 0, threw: 0, returned: 0, codes: {} });
  s.calls++;
  try { fn(...args); s.returned++; }
  catch (e) {
    s.threw++;
    if (!(e instanceof Error)) nonError.push(name + ': ' + String(e));
    else if ((e.name === 'TypeError' || e.name === 'RangeError') && e.code !== undefined && typeof e.code !== 'string') nonError.push(name + ': code ' + e.code);
    const k = e && e.code ? e.code : (e && e.name) || 'thrown';
    s.codes[k] = (s.codes[k] ?? 0) + 1;
  }
}
// Argument vectors: a few plausible bases, each position replaced by each hostile value.
const FD = Symbol('fd');
const bases = [
  [],
  [FD, 1, 2, Buffer.alloc(16), 16, {}],
  [FD, { family: AF.AF_INET, address: '127.0.0.1', port: 9 }, 0, 0, 0, 0],
  ['lo', FD, AF.AF_INET, AF.SOCK_DGRAM, 0, 0],
  [FD, AF.SOL_SOCKET, AF.SO_RCVBUF, 4, 0, 0],
];
function* vectors() {
  for (const base of bases) {
    yield base;
    for (let pos = 0; pos < Math.max(base.length, 1); pos++) for (const h of H) { const v = base.slice(); v[pos] = h; yield v; }
  }
}
const sockStat = (fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd); } catch { return null; } };
const startFds = new Set(fs.readdirSync('/proc/self/fd'));
// Close sockets the calls created (dup, socket, netnsSocket) so the run never hits the fd limit.
function sweep(keep) {
  for (const f of fs.readdirSync('/proc/self/fd')) {
    if (startFds.has(f) || keep.has(Number(f))) continue;
    const t = sockStat(f);
    if (t && t.startsWith('socket:')) sockit.native.close(Number(f));
  }
}
`;

describeWith(['netns'], 'raw native binding under hostile arguments', () => {
  it('every exported function: throws or returns, never crashes', () => {
    const r = expectClean(
      runChild<{ stats: Record<string, { calls: number; threw: number; returned: number }>; nonError: string[]; total: number; fns: string[] }>(
        palette +
          `
        const skip = new Set(['IoHandle']); // constructor: its own test below
        const fns = Object.keys(sockit.native).filter((k) => typeof sockit.native[k] === 'function' && !skip.has(k));
        let total = 0;
        // closeAsync closes its descriptor later, on the threadpool: never close those numbers here
        // (a second close could hit a descriptor reused meanwhile, e.g. readdir's).
        const closing = new Set();
        for (const name of fns) {
          const fn = sockit.native[name];
          for (const v of vectors()) {
            const fd = sockit.native.socket(AF.AF_INET, AF.SOCK_DGRAM, 0);
            const target = sockStat(fd);
            const args = v.map((a) => (a === FD ? fd : a));
            attempt(name, fn, args);
            total++;
            if (name === 'closeAsync') closing.add(fd);
            // Never leave a blocking socket or a stray descriptor behind.
            else if (sockStat(fd) === target && !closing.has(fd)) sockit.native.close(fd);
            sweep(closing);
          }
        }
        emit({ stats, nonError, total, fns });`,
        { timeoutMs: 240_000 },
      ),
    );
    expect(r.nonError).toEqual([]);
    expect(r.fns.length).toBeGreaterThan(20);
    const all = Object.entries(native).filter(([k, v]) => typeof v === 'function' && k !== 'IoHandle').map(([k]) => k);
    expect(r.fns.sort()).toEqual(all.sort());
    for (const name of r.fns) expect(r.stats[name]!.calls, name).toBeGreaterThan(200);
    // Hostile input is rejected: most calls throw a typed error.
    const threw = Object.values(r.stats).reduce((n, s) => n + s.threw, 0);
    console.log(`hostile-native: ${r.total} calls over ${r.fns.length} functions, ${threw} threw a typed error, ${r.total - threw} returned, 0 crashes`);
    expect(threw / r.total).toBeGreaterThan(0.5);
    expect(r.total).toBeGreaterThan(10_000);
  }, 300_000);

  it('IoHandle constructor and every method, on open and closed handles: never crashes', () => {
    const r = expectClean(
      runChild<{ stats: Record<string, { calls: number; threw: number }>; nonError: string[]; methods: string[]; fd0: number; fd1: number; fds: string[] }>(
        palette +
          `
        const { IoHandle } = sockit.native;
        const noop = function () {};
        const fd0 = fdCount();
        const created = [];
        const ctor = (...a) => { const h = new IoHandle(...a); created.push(h); return h; };
        const ctorBases = [[FD, {}, noop, noop, {}], [FD, {}, noop, noop]];
        for (const base of ctorBases) for (let pos = 0; pos < base.length + 1; pos++) for (const h of H) {
          if (pos === 0 && (h === 0 || h === 0n)) continue; // a handle on fd 0 would legitimately adopt (and close) stdin
          const fd = sockit.native.socket(AF.AF_INET, AF.SOCK_DGRAM, 0);
          const v = base.map((a) => (a === FD ? fd : a)); v[pos] = h;
          const before = created.length;
          attempt('new IoHandle', ctor, v);
          if (created.length === before || v[0] !== fd) sockit.native.close(fd); // not adopted by a handle
        }
        for (const h of created) h.close();
        // One live handle on a bound socket; every method with every vector; then again once closed.
        const fd = sockit.native.socket(AF.AF_INET, AF.SOCK_DGRAM, 0);
        sockit.native.bind(fd, { family: AF.AF_INET, address: '127.0.0.1', port: 0 });
        const self = sockit.native.getsockname(fd);
        const addr = sockit.native.ioEncodeAddress(self);
        const h = new IoHandle(fd, {}, noop, noop, { batchSize: 8 });
        const methods = Object.getOwnPropertyNames(IoHandle.prototype).filter((m) => m !== 'constructor' && typeof Object.getOwnPropertyDescriptor(IoHandle.prototype, m).value === 'function');
        const methodBases = [[], [Buffer.from('x'), addr, null], [[Buffer.from('a'), Buffer.from('b')], [addr, addr], null], [true], [false]];
        const run = (tag) => {
          for (const m of methods) {
            if (m === 'close') continue;
            for (const base of methodBases) for (let pos = 0; pos < Math.max(base.length, 1) + 1; pos++) for (const x of H) {
              const v = base.slice(); v[pos] = x;
              attempt(tag + '.' + m, (...a) => h[m](...a), v);
            }
          }
          for (const m of ['fd', 'closed', 'meta', 'addresses', 'control', 'batchSize']) attempt(tag + '.' + m, () => h[m], []);
        };
        run('open');
        h.setReceiving(false); h.setWritable(false);
        attempt('open.close', () => h.close(), []);
        run('closed');
        attempt('closed.close', () => h.close(), []);
        setTimeout(() => { global.gc && global.gc(); setTimeout(() => emit({ stats, nonError, methods, fd0, fd1: fdCount(), fds: fdTargets() }), 50); }, 50);`,
        { timeoutMs: 240_000, nodeArgs: ['--expose-gc'] },
      ),
    );
    expect(r.nonError).toEqual([]);
    const calls = Object.values(r.stats).reduce((n, s) => n + s.calls, 0);
    console.log(`hostile-native: IoHandle: ${calls} constructor/method calls over ${r.methods.length} methods, 0 crashes`);
    expect(r.methods.length).toBeGreaterThanOrEqual(6);
    expect(r.stats['new IoHandle']!.threw).toBeGreaterThan(50);
    for (const m of r.methods) if (m !== 'close') expect(r.stats[`closed.${m}`]!.calls, m).toBeGreaterThan(100);
    // Every handle (and the fd it adopted) is gone once closed.
    expect(r.fd1, r.fds.join('\n')).toBe(r.fd0);
  }, 300_000);
});

describe('raw binding basics', () => {
  it('exports constants as plain numbers', () => {
    for (const [k, v] of Object.entries(native.constants)) expect(typeof v, k).toBe('number');
  });
});
