/**
 * Classic BPF programs: the instruction type, opcodes, validation (the same
 * rules the kernel applies in bpf_check_classic), encoding to
 * `struct sock_filter[]`, and parsing of `tcpdump -dd` / `-ddd` output.
 * @module
 */
import { endianness as osEndianness } from 'node:os';
import { invalidArgType, invalidArgValue } from '../../core/errors';

/** One instruction: `struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }`. */
export interface BpfInstruction {
  /** Opcode: class \| size \| mode (or op \| source), 16 bits. */
  code: number;
  /** Jump offset when the condition is true, 0..255 (conditional jumps). */
  jt: number;
  /** Jump offset when the condition is false, 0..255 (conditional jumps). */
  jf: number;
  /** Generic 32-bit operand: constant, offset, scratch index or return value. */
  k: number;
}

/** A classic BPF program. */
export type BpfProgram = readonly BpfInstruction[];

/** Opcode parts (linux/filter.h, linux/bpf_common.h). */
export const BPF = {
  // classes (code & 0x07)
  /** Class BPF_LD: load into the accumulator A. */
  LD: 0x00,
  /** Class BPF_LDX: load into the index register X. */
  LDX: 0x01,
  /** Class BPF_ST: store A into scratch memory M[k]. */
  ST: 0x02,
  /** Class BPF_STX: store X into scratch memory M[k]. */
  STX: 0x03,
  /** Class BPF_ALU: arithmetic on A. */
  ALU: 0x04,
  /** Class BPF_JMP: jumps. */
  JMP: 0x05,
  /** Class BPF_RET: return (accept that many bytes; 0 drops). */
  RET: 0x06,
  /** Class BPF_MISC: register transfers (TAX, TXA). */
  MISC: 0x07,
  // sizes (code & 0x18)
  /** Size BPF_W: 32-bit word. */
  W: 0x00,
  /** Size BPF_H: 16-bit half word. */
  H: 0x08,
  /** Size BPF_B: byte. */
  B: 0x10,
  // modes (code & 0xe0)
  /** Mode BPF_IMM: the constant k. */
  IMM: 0x00,
  /** Mode BPF_ABS: packet data at offset k. */
  ABS: 0x20,
  /** Mode BPF_IND: packet data at offset X + k. */
  IND: 0x40,
  /** Mode BPF_MEM: scratch memory M[k]. */
  MEM: 0x60,
  /** Mode BPF_LEN: the packet length. */
  LEN: 0x80,
  /** Mode BPF_MSH: 4 * (P[k] & 0xf), the IPv4 header length (LDX only). */
  MSH: 0xa0,
  // alu/jmp ops (code & 0xf0)
  /** ALU op BPF_ADD: A += operand. */
  ADD: 0x00,
  /** ALU op BPF_SUB: A -= operand. */
  SUB: 0x10,
  /** ALU op BPF_MUL: A *= operand. */
  MUL: 0x20,
  /** ALU op BPF_DIV: A /= operand (unsigned). */
  DIV: 0x30,
  /** ALU op BPF_OR: A \|= operand. */
  OR: 0x40,
  /** ALU op BPF_AND: A &= operand. */
  AND: 0x50,
  /** ALU op BPF_LSH: A <<= operand. */
  LSH: 0x60,
  /** ALU op BPF_RSH: A >>>= operand. */
  RSH: 0x70,
  /** ALU op BPF_NEG: A = -A. */
  NEG: 0x80,
  /** ALU op BPF_MOD: A %= operand. */
  MOD: 0x90,
  /** ALU op BPF_XOR: A ^= operand. */
  XOR: 0xa0,
  /** Jump op BPF_JA: always jump k instructions. */
  JA: 0x00,
  /** Jump op BPF_JEQ: A == operand. */
  JEQ: 0x10,
  /** Jump op BPF_JGT: A > operand (unsigned). */
  JGT: 0x20,
  /** Jump op BPF_JGE: A >= operand (unsigned). */
  JGE: 0x30,
  /** Jump op BPF_JSET: A & operand != 0. */
  JSET: 0x40,
  // sources
  /** Source BPF_K: the operand is the constant k. */
  K: 0x00,
  /** Source BPF_X: the operand is X. */
  X: 0x08,
  /** Return source BPF_A: return the accumulator. */
  A: 0x10,
  // misc
  /** Misc op BPF_TAX: X = A. */
  TAX: 0x00,
  /** Misc op BPF_TXA: A = X. */
  TXA: 0x80,
  /** Scratch memory words. */
  MEMWORDS: 16,
  /** Longest program the kernel accepts. */
  MAXINSNS: 4096,
} as const;

/** Offsets of the kernel's ancillary loads (`ld [SKF_AD_OFF + x]`), as unsigned 32-bit k values. */
export const SKF = {
  /** SKF_AD_OFF: base of the ancillary loads (-0x1000). */
  AD_OFF: 0xfffff000,
  /** SKF_AD_PROTOCOL: skb->protocol (EtherType, host order). */
  AD_PROTOCOL: 0,
  /** SKF_AD_PKTTYPE: packet type (PACKET_HOST, PACKET_BROADCAST, ...). */
  AD_PKTTYPE: 4,
  /** SKF_AD_IFINDEX: index of the receiving interface. */
  AD_IFINDEX: 8,
  /** SKF_AD_NLATTR: netlink attribute lookup. */
  AD_NLATTR: 12,
  /** SKF_AD_NLATTR_NEST: nested netlink attribute lookup. */
  AD_NLATTR_NEST: 16,
  /** SKF_AD_MARK: skb->mark (SO_MARK / firewall mark). */
  AD_MARK: 20,
  /** SKF_AD_QUEUE: receive queue index. */
  AD_QUEUE: 24,
  /** SKF_AD_HATYPE: interface hardware type (ARPHRD_*). */
  AD_HATYPE: 28,
  /** SKF_AD_RXHASH: the packet's receive hash. */
  AD_RXHASH: 32,
  /** SKF_AD_CPU: the CPU processing the packet. */
  AD_CPU: 36,
  /** SKF_AD_ALU_XOR_X: A ^= X. */
  AD_ALU_XOR_X: 40,
  /** SKF_AD_VLAN_TAG: the offloaded VLAN TCI. */
  AD_VLAN_TAG: 44,
  /** SKF_AD_VLAN_TAG_PRESENT: 1 when a VLAN tag was offloaded. */
  AD_VLAN_TAG_PRESENT: 48,
  /** SKF_AD_PAY_OFFSET: offset of the transport payload. */
  AD_PAY_OFFSET: 52,
  /** SKF_AD_RANDOM: a random 32-bit number. */
  AD_RANDOM: 56,
  /** SKF_AD_VLAN_TPID: the offloaded VLAN tag protocol id. */
  AD_VLAN_TPID: 60,
  /** `ld [SKF_NET_OFF + k]`: relative to the network header. */
  NET_OFF: 0xfff00000,
  /** `ld [SKF_LL_OFF + k]`: relative to the link-layer header. */
  LL_OFF: 0xffe00000,
} as const;

/** Build one instruction (like the C macro BPF_STMT / BPF_JUMP). */
export function insn(code: number, k = 0, jt = 0, jf = 0): BpfInstruction {
  return { code, jt, jf, k: k >>> 0 };
}

const VALID_CODES = new Set<number>();
{
  const b = BPF;
  for (const sz of [b.W, b.H, b.B]) for (const m of [b.ABS, b.IND]) VALID_CODES.add(b.LD | sz | m);
  for (const c of [b.LD | b.W | b.IMM, b.LD | b.W | b.LEN, b.LD | b.MEM, b.LDX | b.W | b.IMM, b.LDX | b.W | b.LEN, b.LDX | b.MEM, b.LDX | b.B | b.MSH, b.ST, b.STX, b.RET | b.K, b.RET | b.A, b.MISC | b.TAX, b.MISC | b.TXA, b.JMP | b.JA, b.ALU | b.NEG]) VALID_CODES.add(c);
  for (const op of [b.ADD, b.SUB, b.MUL, b.DIV, b.OR, b.AND, b.LSH, b.RSH, b.MOD, b.XOR]) for (const s of [b.K, b.X]) VALID_CODES.add(b.ALU | op | s);
  for (const op of [b.JEQ, b.JGT, b.JGE, b.JSET]) for (const s of [b.K, b.X]) VALID_CODES.add(b.JMP | op | s);
}

function isByte(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 255;
}

/**
 * Check a program the way the kernel does (bpf_check_classic): 1..4096
 * instructions, known opcodes, jumps inside the program, scratch memory
 * index < 16, no division by a constant 0, ends with a return. Throws
 * ERR_INVALID_ARG_VALUE naming the offending instruction; returns the program
 * as a fresh frozen array of normalized instructions.
 */
export function validateBpf(program: unknown, name = 'filter'): BpfProgram {
  if (!Array.isArray(program)) throw invalidArgType(name, 'an array of { code, jt, jf, k } instructions', program);
  const n = program.length;
  if (n < 1 || n > BPF.MAXINSNS) throw invalidArgValue(name, `${n} instructions`, `must have 1 to ${BPF.MAXINSNS} instructions`);
  const out: BpfInstruction[] = [];
  for (let pc = 0; pc < n; pc++) {
    const i = program[pc] as Partial<BpfInstruction> | null;
    const where = `${name}[${pc}]`;
    if (i === null || typeof i !== 'object') throw invalidArgType(where, 'an object { code, jt, jf, k }', i);
    const { code, jt = 0, jf = 0, k = 0 } = i;
    if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 0xffff) throw invalidArgValue(`${where}.code`, code, 'must be a 16-bit opcode');
    if (!isByte(jt) || !isByte(jf)) throw invalidArgValue(`${where}.jt/jf`, `${jt}/${jf}`, 'must be integers 0-255');
    if (typeof k !== 'number' || !Number.isInteger(k) || k < -0x80000000 || k > 0xffffffff) throw invalidArgValue(`${where}.k`, k, 'must be a 32-bit integer');
    if (!VALID_CODES.has(code)) throw invalidArgValue(`${where}.code`, `0x${code.toString(16)}`, 'is not a classic BPF opcode');
    const ku = k >>> 0;
    const cls = code & 0x07;
    const op = code & 0xf0;
    if (cls === BPF.ALU && (op === BPF.DIV || op === BPF.MOD) && (code & BPF.X) === 0 && ku === 0) throw invalidArgValue(`${where}.k`, k, 'divides by zero');
    if (cls === BPF.ALU && (op === BPF.LSH || op === BPF.RSH) && (code & BPF.X) === 0 && ku >= 32) throw invalidArgValue(`${where}.k`, k, 'shifts by 32 or more');
    if (((cls === BPF.LD || cls === BPF.LDX) && (code & 0xe0) === BPF.MEM) || cls === BPF.ST || cls === BPF.STX) {
      if (ku >= BPF.MEMWORDS) throw invalidArgValue(`${where}.k`, k, `must index scratch memory 0-${BPF.MEMWORDS - 1}`);
    }
    if (cls === BPF.LD && (code & 0xe0) === BPF.ABS && ku >= SKF.AD_OFF && ((ku - SKF.AD_OFF) % 4 !== 0 || ku - SKF.AD_OFF > SKF.AD_VLAN_TPID)) {
      throw invalidArgValue(`${where}.k`, `0x${ku.toString(16)}`, 'is an unknown ancillary load (SKF_AD_OFF + x)');
    }
    if (cls === BPF.JMP) {
      if (op === BPF.JA) {
        if (ku >= n - pc - 1) throw invalidArgValue(`${where}.k`, k, 'jumps past the end of the program');
      } else if (pc + 1 + jt >= n || pc + 1 + jf >= n) {
        throw invalidArgValue(where, `jt=${jt} jf=${jf}`, 'jumps past the end of the program');
      }
    }
    out.push({ code, jt, jf, k: ku });
  }
  const last = out[n - 1] as BpfInstruction;
  if ((last.code & 0x07) !== BPF.RET) throw invalidArgValue(`${name}[${n - 1}]`, `0x${last.code.toString(16)}`, 'must be a return: a program has to end with ret');
  checkScratchReads(out, name);
  return Object.freeze(out);
}

/** `struct sock_filter[]` bytes (native little-endian layout) for setsockopt(SO_ATTACH_FILTER). */
export function encodeBpf(program: BpfProgram): Buffer {
  return packInstructions(validateBpf(program as unknown));
}

/**
 * The byte codec of `struct sock_filter[]` (host byte order, 8 bytes per
 * instruction), without the kernel's checks: the one packer both
 * {@link encodeBpf} and the option table's SO_ATTACH_FILTER use.
 */
export function packInstructions(program: readonly BpfInstruction[]): Buffer {
  const b = Buffer.alloc(program.length * 8);
  const le = osEndianness() === 'LE';
  program.forEach((i, n) => {
    if (le) b.writeUInt16LE(i.code, n * 8);
    else b.writeUInt16BE(i.code, n * 8);
    b[n * 8 + 2] = i.jt;
    b[n * 8 + 3] = i.jf;
    if (le) b.writeUInt32LE(i.k >>> 0, n * 8 + 4);
    else b.writeUInt32BE(i.k >>> 0, n * 8 + 4);
  });
  return b;
}

/** Decode `struct sock_filter[]` bytes. */
export function decodeBpf(bytes: Uint8Array): BpfProgram {
  if (!(bytes instanceof Uint8Array) || bytes.length % 8 !== 0) throw invalidArgValue('bytes', bytes, 'must be a multiple of 8 bytes');
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = osEndianness() === 'LE';
  const out: BpfInstruction[] = [];
  for (let o = 0; o < b.length; o += 8) {
    out.push({ code: le ? b.readUInt16LE(o) : b.readUInt16BE(o), jt: b[o + 2] as number, jf: b[o + 3] as number, k: le ? b.readUInt32LE(o + 4) : b.readUInt32BE(o + 4) });
  }
  return out;
}

/**
 * Parse what `tcpdump -dd EXPR` prints (C initializers: `{ 0x28, 0, 0, 0x0000000c },`)
 * or `tcpdump -ddd EXPR` (a count line, then `code jt jf k` per line).
 * The result is validated.
 */
export function parseTcpdumpDd(text: string): BpfProgram {
  if (typeof text !== 'string') throw invalidArgType('text', 'of type string', text);
  const num = (s: string): number => (/^0x/i.test(s) ? parseInt(s.slice(2), 16) : parseInt(s, 10));
  const out: BpfInstruction[] = [];
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const dd = /^\{\s*(0x[0-9a-f]+|\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(0x[0-9a-f]+|\d+)\s*\},?$/i;
  const ddd = /^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/;
  if (lines.length > 0 && lines.every((l) => dd.test(l))) {
    for (const l of lines) {
      const m = dd.exec(l) as RegExpExecArray;
      out.push({ code: num(m[1] as string), jt: num(m[2] as string), jf: num(m[3] as string), k: num(m[4] as string) >>> 0 });
    }
  } else if (lines.length > 1 && /^\d+$/.test(lines[0] as string) && lines.slice(1).every((l) => ddd.test(l))) {
    const count = Number(lines[0]);
    if (count !== lines.length - 1) throw invalidArgValue('text', `${count} vs ${lines.length - 1}`, 'announces a different instruction count than it has');
    for (const l of lines.slice(1)) {
      const m = ddd.exec(l) as RegExpExecArray;
      out.push({ code: Number(m[1]), jt: Number(m[2]), jf: Number(m[3]), k: Number(m[4]) >>> 0 });
    }
  } else {
    const bad = lines.find((l) => !dd.test(l)) ?? '';
    throw invalidArgValue('text', bad.slice(0, 60), 'is not `tcpdump -dd` or `tcpdump -ddd` output (expected lines like "{ 0x28, 0, 0, 0x0000000c },")');
  }
  return validateBpf(out, 'text');
}

/**
 * The kernel's check_load_and_stores(): every read of scratch memory must be
 * preceded, on every path, by a store to that word.
 */
function checkScratchReads(p: BpfInstruction[], name: string): void {
  const masks = new Uint16Array(p.length).fill(0xffff);
  let valid = 0;
  for (let pc = 0; pc < p.length; pc++) {
    valid &= masks[pc] as number;
    const { code, jt, jf, k } = p[pc] as BpfInstruction;
    const cls = code & 0x07;
    if (cls === BPF.ST || cls === BPF.STX) valid |= 1 << k;
    else if ((cls === BPF.LD || cls === BPF.LDX) && (code & 0xe0) === BPF.MEM) {
      if (!(valid & (1 << k))) throw invalidArgValue(`${name}[${pc}]`, `M[${k}]`, 'reads scratch memory that was not stored on every path before');
    } else if (cls === BPF.JMP) {
      if ((code & 0xf0) === BPF.JA) masks[pc + 1 + k] = (masks[pc + 1 + k] as number) & valid;
      else {
        masks[pc + 1 + jt] = (masks[pc + 1 + jt] as number) & valid;
        masks[pc + 1 + jf] = (masks[pc + 1 + jf] as number) & valid;
      }
      valid = 0xffff;
    }
  }
}
