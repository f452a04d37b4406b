import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bpf } from '../../helpers/sockit';
import { corpus } from './corpus';
import type { BpfProgram } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

const accepts = (p: BpfProgram, frames: Buffer[]): boolean[] => frames.map((f) => bpf.runBpf(p, f) > 0);

describe('BPF programs', () => {
  it('validates like the kernel', () => {
    const ok = [bpf.insn(bpf.BPF.RET | bpf.BPF.K, 0xffff)];
    expect(bpf.validateBpf(ok)).toEqual([{ code: 6, jt: 0, jf: 0, k: 0xffff }]);
    expect(() => bpf.validateBpf([])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => bpf.validateBpf([{ code: 0x28, jt: 0, jf: 0, k: 12 }])).toThrow(/must be a return/);
    expect(() => bpf.validateBpf([{ code: 0x15, jt: 5, jf: 0, k: 1 }, ...ok])).toThrow(/past the end/);
    expect(() => bpf.validateBpf([{ code: 0x34, jt: 0, jf: 0, k: 0 }, ...ok])).toThrow(/divides by zero/);
    expect(() => bpf.validateBpf([{ code: 0x60, jt: 0, jf: 0, k: 16 }, ...ok])).toThrow(/scratch memory/);
    expect(() => bpf.validateBpf([{ code: 0xff, jt: 0, jf: 0, k: 0 }, ...ok])).toThrow(/not a classic BPF opcode/);
    expect(() => bpf.validateBpf('nope')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(bpf.decodeBpf(bpf.encodeBpf(ok))).toEqual(ok);
  });

  it('parses tcpdump -dd and -ddd text', () => {
    const dd = '{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 1, 0x00000800 },\n{ 0x6, 0, 0, 0x00040000 },\n{ 0x6, 0, 0, 0x00000000 },\n';
    const p = bpf.parseTcpdumpDd(dd);
    expect(p).toHaveLength(4);
    expect(p[1]).toEqual({ code: 0x15, jt: 0, jf: 1, k: 0x800 });
    expect(bpf.parseTcpdumpDd('4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n')).toEqual(p);
    expect(() => bpf.parseTcpdumpDd('ip and udp')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('interprets ALU, memory, jumps and ancillary loads', () => {
    const { BPF, SKF, insn } = bpf;
    const prog = [
      insn(BPF.LD | BPF.IMM, 7),
      insn(BPF.ST, 3),
      insn(BPF.LDX | BPF.MEM, 3),
      insn(BPF.ALU | BPF.MUL | BPF.X, 0),
      insn(BPF.ALU | BPF.SUB | BPF.K, 9),
      insn(BPF.ALU | BPF.MOD | BPF.K, 7),
      insn(BPF.MISC | BPF.TAX),
      insn(BPF.LD | BPF.W | BPF.LEN),
      insn(BPF.ALU | BPF.ADD | BPF.X),
      insn(BPF.RET | BPF.A),
    ];
    expect(bpf.runBpf(prog, Buffer.alloc(20))).toBe(20 + ((49 - 9) % 7));
    const vlanTag = [insn(BPF.LD | BPF.W | BPF.ABS, SKF.AD_OFF + SKF.AD_VLAN_TAG), insn(BPF.RET | BPF.A)];
    expect(bpf.runBpf(vlanTag, Buffer.alloc(14), { vlanTci: 0x2064 })).toBe(0x2064);
    const oob = [insn(BPF.LD | BPF.W | BPF.ABS, 100), insn(BPF.RET | BPF.K, 1)];
    expect(bpf.runBpf(oob, Buffer.alloc(14))).toBe(0);
    const divX = [insn(BPF.ALU | BPF.DIV | BPF.X), insn(BPF.RET | BPF.K, 1)];
    expect(bpf.runBpf(divX, Buffer.alloc(14))).toBe(0);
  });

  it('compiles builder expressions that select exactly the expected frames', () => {
    const frames = corpus();
    const run = (e: bpf.FilterExpression): number[] => accepts(bpf.compile(e), frames).flatMap((a, i) => (a ? [i] : []));
    // Inline-tagged frames (5-7) do not match: offsets are those of untagged frames, as in tcpdump.
    expect(run(bpf.udpPort(5000))).toEqual([0, 2, 3, 8, 12]);
    expect(run(bpf.udpPort(5000, 'dst'))).toEqual([0, 3, 8, 12]);
    expect(run(bpf.udpPort(5000, 'src'))).toEqual([2]);
    expect(run(bpf.tcpPort(80, 'src'))).toEqual([9, 10]);
    expect(run(bpf.ipProtocol('udp', 'ipv6'))).toEqual([3, 4]);
    expect(run(bpf.etherType(0x88b5))).toEqual([14]);
    expect(run(bpf.vlan(100))).toEqual([5, 7]);
    expect(run(bpf.vlan())).toEqual([5, 6, 7]);
    expect(run(bpf.srcMac(B))).toEqual([8]);
    expect(run(bpf.and(bpf.dstMac(B), bpf.not(bpf.ipv4())))).toEqual([3, 4, 5, 6, 7, 10, 14]);
    expect(run(bpf.or(bpf.etherType(0x0806), bpf.udpPort(53)))).toEqual([4, 13]);
    expect(run(bpf.all())).toHaveLength(frames.length);
    expect(run(bpf.none())).toEqual([]);
    // A stripped tag (metadata) matches like an inline one.
    const untagged = frames[0] as Buffer;
    expect(bpf.runBpf(bpf.compile(bpf.vlan(100)), untagged, { vlanTci: 100 })).toBeGreaterThan(0);
    expect(bpf.runBpf(bpf.compile(bpf.vlan(100)), untagged, { vlanTci: 101 })).toBe(0);
    expect(bpf.compile(bpf.all(), { snaplen: 96 }).at(-2)?.k).toBe(96);
  });
});

describeWith(['tool:tcpdump'], 'BPF builder agrees with tcpdump-compiled filters (interpreted)', () => {
  it('selects the same frames as tcpdump -dd for the same expression', () => {
    const frames = corpus();
    const cases: Array<[string, bpf.FilterExpression]> = [
      ['udp port 5000', bpf.udpPort(5000)],
      ['udp dst port 5000', bpf.udpPort(5000, 'dst')],
      ['tcp src port 80', bpf.tcpPort(80, 'src')],
      ['ether src 02:00:00:00:00:0b', bpf.srcMac(B)],
      ['ether proto 0x88b5', bpf.etherType(0x88b5)],
      ['arp or udp port 53', bpf.or(bpf.etherType(0x0806), bpf.udpPort(53))],
      ['ip6 and udp', bpf.ipProtocol('udp', 'ipv6')],
      ['vlan 100', bpf.vlan(100)],
    ];
    for (const [expr, ours] of cases) {
      const text = execFileSync('tcpdump', ['-dd', expr], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const theirs = bpf.parseTcpdumpDd(text);
      expect({ expr, verdicts: accepts(bpf.compile(ours), frames) }).toEqual({ expr, verdicts: accepts(theirs, frames) });
    }
  });
});
