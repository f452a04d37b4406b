import { describe, expect, it } from 'vitest';
import { Socket, bpf, native } from '../../helpers/sockit';
import type { BpfInstruction } from '../../helpers/sockit';

// SO_ATTACH_FILTER works on any socket without privileges: a UDP socket is
// enough to ask the kernel whether it accepts a program.
describe('validateBpf agrees with the kernel (random programs, SO_ATTACH_FILTER on a UDP socket)', () => {
  it('accepts exactly what the kernel accepts, and the interpreter runs every accepted program', () => {
    const { BPF } = bpf;
    const codes: number[] = [];
    for (const sz of [BPF.W, BPF.H, BPF.B]) for (const m of [BPF.ABS, BPF.IND]) codes.push(BPF.LD | sz | m);
    codes.push(BPF.LD | BPF.IMM, BPF.LD | BPF.LEN, BPF.LD | BPF.MEM, BPF.LDX | BPF.IMM, BPF.LDX | BPF.MEM, BPF.LDX | BPF.B | BPF.MSH, BPF.ST, BPF.STX);
    for (const op of [BPF.ADD, BPF.SUB, BPF.MUL, BPF.DIV, BPF.MOD, BPF.AND, BPF.OR, BPF.XOR, BPF.LSH, BPF.RSH]) codes.push(BPF.ALU | op | BPF.K, BPF.ALU | op | BPF.X);
    codes.push(BPF.ALU | BPF.NEG, BPF.JMP | BPF.JA);
    for (const op of [BPF.JEQ, BPF.JGT, BPF.JGE, BPF.JSET]) codes.push(BPF.JMP | op | BPF.K, BPF.JMP | op | BPF.X);
    codes.push(BPF.RET | BPF.K, BPF.RET | BPF.A, BPF.MISC | BPF.TAX, BPF.MISC | BPF.TXA);
    codes.push(0x07 | 0x08, 0xff, 0x26); // invalid opcodes
    let seed = 424242;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const ks = [0, 1, 2, 3, 12, 14, 15, 16, 23, 31, 32, 33, 0xfffff000 + 44, 0xfffff000 + 48, 0xffe00000, 0xffffffff];
    const s = new Socket('ipv4', 'dgram');
    const frame = Buffer.alloc(64, 0xa5);
    let accepted = 0;
    try {
      for (let i = 0; i < 4000; i++) {
        const len = 1 + rnd(8);
        const prog: BpfInstruction[] = [];
        for (let j = 0; j < len; j++) {
          const code = j === len - 1 && rnd(4) > 0 ? (rnd(2) ? BPF.RET | BPF.K : BPF.RET | BPF.A) : (codes[rnd(codes.length)] as number);
          prog.push({ code, jt: rnd(4), jf: rnd(4), k: (ks[rnd(ks.length)] as number) >>> 0 });
        }
        const raw = Buffer.alloc(prog.length * 8);
        prog.forEach((x, n) => {
          raw.writeUInt16LE(x.code, n * 8);
          raw[n * 8 + 2] = x.jt;
          raw[n * 8 + 3] = x.jf;
          raw.writeUInt32LE(x.k, n * 8 + 4);
        });
        const kernel = native.packetAttachFilter(s.fd, raw);
        expect(kernel === 0 || kernel === -22).toBe(true); // 0 or EINVAL
        let ours = true;
        try {
          bpf.validateBpf(prog);
        } catch (e) {
          ours = false;
          expect(e).toMatchObject({ code: expect.stringMatching(/^ERR_INVALID_ARG_(VALUE|TYPE)$/) });
        }
        expect(ours, JSON.stringify(prog)).toBe(kernel === 0);
        if (ours) {
          accepted++;
          const r = bpf.runBpf(prog, frame, { vlanTci: 5 });
          expect(Number.isInteger(r) && r >= 0 && r <= 0xffffffff).toBe(true);
        }
      }
    } finally {
      s.close();
    }
    expect(accepted).toBeGreaterThan(200);
  });
});
