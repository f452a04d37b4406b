// Native entry points against JS that runs in the middle of a call: every
// entry point that reads array elements or object properties (getters may run
// JS that detaches, resizes or closes what was read before) must read every
// JS value first and take data pointers only then. A call either throws a
// TypeError or sends/encodes the bytes as they are when the system call runs:
// never freed memory (the sanitizer build, `npm run test:asan`, turns a
// use-after-free into a crash), never a crash.
import { describe, expect, it, vi } from 'vitest';
import { describeWith } from '../helpers/env';
import { expectClean, runChild } from './child';

vi.setConfig({ testTimeout: 120_000 });

const prologue = `
const AF = sockit.constants;
const N = sockit.native;
const detach = (ab) => { structuredClone(ab, { transfer: [ab] }); };
const fresh = (text) => { const ab = new ArrayBuffer(text.length); const u = new Uint8Array(ab); u.set(Buffer.from(text)); return u; };
const outcome = (fn) => { try { return { ret: fn() }; } catch (e) { return { name: e.name, code: e.code, message: e.message }; } };
// A receiver that records every datagram's text.
const rxFd = N.socket(AF.AF_INET, AF.SOCK_DGRAM, 0);
N.bind(rxFd, { family: AF.AF_INET, address: '127.0.0.1', port: 0 });
const rxAddr = () => N.ioEncodeAddress(N.getsockname(rxFd));
const got = [];
const rx = new N.IoHandle(rxFd, {}, function (data, n) {
  for (let i = 0; i < n; i++) { const o = rx.meta[i * 4], l = rx.meta[i * 4 + 1]; got.push(data.toString('latin1', o, o + l)); }
}, () => {}, { batchSize: 16, messageSize: 2048 });
rx.setReceiving(true);
const txFd = N.socket(AF.AF_INET, AF.SOCK_DGRAM, 0);
const tx = new N.IoHandle(txFd, {}, () => {}, () => {}, { batchSize: 8 });
const settle = () => new Promise((r) => setTimeout(r, 100));
`;

interface Outcome { ret?: unknown; name?: string; code?: string; message?: string }

describeWith(['netns', 'CAP_NET_RAW'], 'native entry points: JS run by getters never frees what a call sends', () => {
  it('IoHandle.sendBatch: a datas/addresses/controls element getter detaching an earlier buffer is a TypeError, nothing sent', () => {
    const r = expectClean(
      runChild<{ cases: Record<string, Outcome>; got: string[] }>(
        prologue +
          `
        (async () => {
          const cases = {};
          // datas[1]'s getter detaches datas[0] (read first): the old code had already taken its pointer.
          let d0 = fresh('AAAA');
          const datas = [d0];
          Object.defineProperty(datas, 1, { enumerable: true, get() { detach(d0.buffer); return fresh('BBBB'); } });
          cases.datas = outcome(() => tx.sendBatch(datas, rxAddr(), null, 0, 2));
          // addresses[1]'s getter detaches addresses[0].
          const a0 = new Uint8Array(rxAddr());
          const addrs = [a0];
          Object.defineProperty(addrs, 1, { enumerable: true, get() { detach(a0.buffer); return rxAddr(); } });
          cases.addresses = outcome(() => tx.sendBatch([fresh('CCCC'), fresh('DDDD')], addrs, null, 0, 2));
          // controls[1]'s getter detaches controls[0].
          const c0 = new Uint8Array(N.ioEncodeControl(AF.AF_INET, { ttl: 9 }));
          const ctls = [c0];
          Object.defineProperty(ctls, 1, { enumerable: true, get() { detach(c0.buffer); return null; } });
          cases.controls = outcome(() => tx.sendBatch([fresh('EEEE'), fresh('FFFF')], rxAddr(), ctls, 0, 2));
          // A datas getter detaching the one address shared by the whole batch.
          const shared = new Uint8Array(rxAddr());
          const datas2 = [fresh('GGGG')];
          Object.defineProperty(datas2, 1, { enumerable: true, get() { detach(shared.buffer); return fresh('HHHH'); } });
          cases.sharedAddress = outcome(() => tx.sendBatch(datas2, shared, null, 0, 2));
          // A getter that does no harm: both datagrams go out intact.
          const datas3 = [fresh('IIII')];
          Object.defineProperty(datas3, 1, { enumerable: true, get() { new Uint8Array(1 << 20).fill(7); return fresh('JJJJ'); } });
          cases.harmless = outcome(() => tx.sendBatch(datas3, rxAddr(), null, 0, 2));
          // A getter that re-enters sendBatch on the same handle, then one that closes the handle.
          const datas4 = [fresh('KKKK')];
          Object.defineProperty(datas4, 1, { enumerable: true, get() { tx.sendBatch([fresh('LLLL')], rxAddr(), null, 0, 1); return fresh('MMMM'); } });
          cases.reentrant = outcome(() => tx.sendBatch(datas4, rxAddr(), null, 0, 2));
          const datas5 = [fresh('NNNN')];
          Object.defineProperty(datas5, 1, { enumerable: true, get() { tx.close(); return fresh('OOOO'); } });
          cases.closes = outcome(() => tx.sendBatch(datas5, rxAddr(), null, 0, 2));
          await settle();
          rx.close();
          emit({ cases, got: got.slice().sort() });
        })();`,
      ),
    );
    for (const k of ['datas', 'addresses', 'controls', 'sharedAddress']) {
      expect(r.cases[k], k).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    }
    expect(r.cases.harmless).toEqual({ ret: 2 });
    expect(r.cases.reentrant).toEqual({ ret: 2 });
    expect(r.cases.closes).toEqual({ ret: -9 }); // EBADF: closed by the getter before anything was sent
    // Only intact datagrams arrived: none of a rejected batch, every byte of the accepted ones.
    expect(r.got).toEqual(['IIII', 'JJJJ', 'KKKK', 'LLLL', 'MMMM']);
  });

  it('IoHandle.sendBatch packed: a getter detaching the payload buffer or the lengths is a TypeError; bad lengths are refused', () => {
    const r = expectClean(
      runChild<{ cases: Record<string, Outcome>; got: string[] }>(
        prologue +
          `
        (async () => {
          const cases = {};
          const packed = () => fresh('AAAABB');
          const lens = () => new Uint32Array([4, 2]);
          // An addresses element getter (phase 1) detaches the packed payloads, then the lengths.
          let p1 = packed();
          const addrs1 = [rxAddr()];
          Object.defineProperty(addrs1, 1, { enumerable: true, get() { detach(p1.buffer); return rxAddr(); } });
          cases.payloads = outcome(() => tx.sendBatch(p1, addrs1, null, 0, 2, lens()));
          const l2 = lens();
          const addrs2 = [rxAddr()];
          Object.defineProperty(addrs2, 1, { enumerable: true, get() { detach(l2.buffer); return rxAddr(); } });
          cases.lengths = outcome(() => tx.sendBatch(packed(), addrs2, null, 0, 2, l2));
          cases.overrun = outcome(() => tx.sendBatch(packed(), rxAddr(), null, 0, 2, new Uint32Array([4, 3])));
          cases.notU32 = outcome(() => tx.sendBatch(packed(), rxAddr(), null, 0, 2, new Uint16Array([4, 2])));
          cases.count = outcome(() => tx.sendBatch(packed(), rxAddr(), null, 0, 3, lens()));
          // Intact: both messages go out, cut where the lengths say; start skips the first.
          cases.ok = outcome(() => tx.sendBatch(fresh('CCCCDD'), rxAddr(), null, 0, 2, lens()));
          cases.start = outcome(() => tx.sendBatch(fresh('EEEEFF'), rxAddr(), null, 1, 1, lens()));
          await settle();
          rx.close();
          emit({ cases, got: got.slice().sort() });
        })();`,
      ),
    );
    expect(r.cases.payloads).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    expect(r.cases.lengths).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    expect(r.cases.overrun).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    expect(r.cases.notU32).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    expect(r.cases.count).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    expect(r.cases.ok).toEqual({ ret: 2 });
    expect(r.cases.start).toEqual({ ret: 1 });
    expect(r.got).toEqual(['CCCC', 'DD', 'FF']);
  });

  it('IoHandle.sendBatch gather: datagram counts, no regrouping of a caller\'s UDP_SEGMENT, malformed or unaligned control bytes refused, never a crash', () => {
    const r = expectClean(
      runChild<{ cases: Record<string, Outcome>; got: string[] }>(
        prologue +
          `
        (async () => {
          const cases = {};
          const g = (datas, ctl) => outcome(() => tx.sendBatch(datas, rxAddr(), ctl, 0, datas.length, null, true));
          // A run of three 4-byte datagrams and a shorter one: one GSO message, four datagrams counted.
          cases.run = g([fresh('AAAA'), fresh('BBBB'), fresh('CCCC'), fresh('DD')], null);
          // The caller's own UDP_SEGMENT (2): each buffer is cut by it, never regrouped by size.
          cases.own = g([fresh('EEee'), fresh('FFff')], N.ioEncodeControl(AF.AF_INET, { segmentSize: 2 }));
          // Garbage control bytes, at an odd offset: the kernel refuses them (EINVAL, gathered and then plainly); no crash.
          const junk = new Uint8Array(41); junk.fill(0xff); junk[1] = 1;
          cases.junk = g([fresh('GGGG'), fresh('HHHH')], junk.subarray(1));
          const zero = new Uint8Array(17);
          cases.zeroLen = g([fresh('IIII'), fresh('JJJJ')], zero.subarray(1));
          cases.gatherOff = tx.gatherOff;
          await settle();
          rx.close();
          emit({ cases, got: got.slice().sort() });
        })();`,
      ),
    );
    expect(r.cases.run).toEqual({ ret: 4 });
    expect(r.cases.own).toEqual({ ret: 2 });
    expect((r.cases.junk as { ret: number }).ret).toBeLessThan(0);
    expect((r.cases.zeroLen as { ret: number }).ret).toBeLessThan(0);
    expect(r.cases.gatherOff).toBe(true); // the junk block's EINVAL on a gathered message turned gathering off
    expect(r.got).toEqual(['AAAA', 'BBBB', 'CCCC', 'DD', 'EE', 'FF', 'ee', 'ff']);
  });

  it('sendmsgFd: a detached buffer is a TypeError, never a 0-byte datagram', () => {
    const r = expectClean(
      runChild<{ cases: Record<string, Outcome>; got: string[] }>(
        prologue +
          `
        (async () => {
          const cases = {};
          const d = fresh('PPPP'); detach(d.buffer);
          cases.data = outcome(() => N.sendmsgFd(txFd, d, rxAddr(), null));
          const a = new Uint8Array(rxAddr()); detach(a.buffer);
          cases.address = outcome(() => N.sendmsgFd(txFd, fresh('QQQQ'), a, null));
          const c = new Uint8Array(N.ioEncodeControl(AF.AF_INET, { ttl: 3 })); detach(c.buffer);
          cases.control = outcome(() => N.sendmsgFd(txFd, fresh('RRRR'), rxAddr(), c));
          cases.ok = outcome(() => N.sendmsgFd(txFd, fresh('SSSS'), rxAddr(), null));
          await settle();
          rx.close(); tx.close();
          emit({ cases, got });
        })();`,
      ),
    );
    for (const k of ['data', 'address', 'control']) expect(r.cases[k], k).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    expect(r.cases.ok).toEqual({ ret: 4 });
    expect(r.got).toEqual(['SSSS']);
  });

  it('ioEncodeAddress, ioEncodeControl, setOption, encodeOption: getters run before any bytes are taken', () => {
    const r = expectClean(
      runChild<{ cases: Record<string, Outcome> }>(
        prologue +
          `
        const cases = {};
        const C = N.optionCodecs;
        // AF_PACKET: the protocol getter detaches the mac read after it → TypeError; a mac getter returning a live view → encoded intact.
        const mac = new Uint8Array([2, 0, 0, 0, 0, 1]);
        cases.macDetached = outcome(() => N.ioEncodeAddress({ family: AF.AF_PACKET, ifindex: 1, get protocol() { detach(mac.buffer); return 0x88b5; }, mac }));
        const enc = N.ioEncodeAddress({ family: AF.AF_PACKET, ifindex: 1, protocol: 0x88b5, get mac() { return new Uint8Array([2, 0, 0, 0, 0, 2]); } });
        cases.macIntact = { ret: Array.from(enc.subarray(12, 18)) };
        // ioEncodeControl: every property is read first; a throwing getter is a plain exception.
        cases.controlGetters = outcome(() => Array.from(N.ioEncodeControl(AF.AF_INET, { get ttl() { detach(new ArrayBuffer(8)); return 7; }, get tos() { return 4; } })).length);
        cases.controlThrows = outcome(() => N.ioEncodeControl(AF.AF_INET, { get ttl() { throw new Error('boom'); } }));
        // packet_mreq: the address getter runs, then its bytes are copied; the type getter detaching the address read after it → TypeError.
        const hw = new Uint8Array([1, 0, 0x5e, 0, 0, 1]);
        cases.mreqDetached = outcome(() => N.encodeOption(C.packet_mreq, { ifindex: 1, get type() { detach(hw.buffer); return 0; }, address: hw }));
        cases.mreqIntact = outcome(() => Array.from(N.encodeOption(C.packet_mreq, { ifindex: 1, type: 0, get address() { return new Uint8Array([1, 0, 0x5e, 0, 0, 2]); } }).subarray(8, 14)));
        const pfd = N.socket(AF.AF_PACKET, AF.SOCK_RAW, 0);
        const hw2 = new Uint8Array([1, 0, 0x5e, 0, 0, 3]);
        cases.setOptionDetached = outcome(() => N.setOption(pfd, AF.SOL_PACKET, AF.PACKET_ADD_MEMBERSHIP, C.packet_mreq, { ifindex: 1, get type() { detach(hw2.buffer); return 0; }, address: hw2 }));
        N.close(pfd);
        // Positional bytes arguments: a detached buffer is a TypeError.
        const dead = () => { const u = new Uint8Array(16); detach(u.buffer); return u; };
        cases.setsockoptRaw = outcome(() => N.setsockoptRaw(txFd, AF.SOL_SOCKET, AF.SO_RCVBUF, dead()));
        cases.decodeOption = outcome(() => N.decodeOption(C.int, dead()));
        cases.ioDecodeControl = outcome(() => N.ioDecodeControl(dead()));
        cases.packetAttachFilter = outcome(() => N.packetAttachFilter(txFd, dead()));
        rx.close(); tx.close();
        emit({ cases });`,
      ),
    );
    const c = r.cases;
    expect(c.macDetached).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    expect(c.macIntact).toEqual({ ret: [2, 0, 0, 0, 0, 2] });
    expect(c.controlGetters!.ret).toBeGreaterThan(0);
    expect(c.controlThrows).toMatchObject({ message: 'boom' });
    expect(c.mreqDetached).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    expect(c.mreqIntact).toEqual({ ret: [1, 0, 0x5e, 0, 0, 2] });
    expect(c.setOptionDetached).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    for (const k of ['setsockoptRaw', 'decodeOption', 'ioDecodeControl', 'packetAttachFilter']) {
      expect(c[k], k).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    }
  });

  it('new IoHandle: an options getter that unmaps or adopts the ring first is a TypeError, not a handle on a dead mapping', () => {
    const r = expectClean(
      runChild<{ cases: Record<string, Outcome>; mappedAfter: boolean[] }>(
        prologue +
          `
        const cases = {};
        const ETH_P_ALL_BE = 0x0300;
        const ring = (fd) => N.ioRingSetup(fd, 4096, 4, 2048, 10);
        const noop = () => {};
        // batchSize's getter unmaps the ring read before it.
        const f1 = N.socket(AF.AF_PACKET, AF.SOCK_RAW, ETH_P_ALL_BE);
        const r1 = ring(f1);
        cases.unmapped = outcome(() => new N.IoHandle(f1, {}, noop, noop, { ring: r1, get batchSize() { r1.unmap(); return 8; } }));
        // messageSize's getter lets another handle adopt the same ring first.
        const f2 = N.socket(AF.AF_PACKET, AF.SOCK_RAW, ETH_P_ALL_BE);
        const r2 = ring(f2);
        let inner;
        cases.adopted = outcome(() => new N.IoHandle(f2, {}, noop, noop, { ring: r2, get messageSize() { inner = new N.IoHandle(f2, {}, noop, noop, { ring: r2 }); return 2048; } }));
        const mappedAfter = [r1.mapped, r2.mapped];
        inner.setReceiving(true);
        inner.close();
        N.close(f1);
        rx.close(); tx.close();
        setTimeout(() => emit({ cases, mappedAfter }), 50);`,
      ),
    );
    expect(r.cases.unmapped).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    expect(r.cases.adopted).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    expect(r.mappedAfter).toEqual([false, false]);
  });
});

describe('native entry points: setWritable(false) stops writable callbacks', () => {
  it('an always-writable UDP socket reports EV_WRITABLE while asked, and not once after setWritable(false)', () => {
    const r = expectClean(
      runChild<{ during: number; after: number }>(
        prologue +
          `
        let n = 0;
        const fd = N.socket(AF.AF_INET, AF.SOCK_DGRAM, 0);
        const h = new N.IoHandle(fd, {}, () => {}, (type) => { if (type === N.ioConstants.EV_WRITABLE) n++; });
        h.setWritable(true);
        setTimeout(() => {
          const during = n;
          h.setWritable(false);
          n = 0;
          setTimeout(() => { const after = n; h.close(); rx.close(); tx.close(); emit({ during, after }); }, 100);
        }, 100);`,
      ),
    );
    expect(r.during).toBeGreaterThan(10);
    expect(r.after).toBe(0);
  });
});
