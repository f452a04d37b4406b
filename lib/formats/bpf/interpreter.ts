/**
 * A classic BPF interpreter in TypeScript, with the kernel's semantics for
 * packet sockets (out-of-bounds loads and division by zero return 0, i.e.
 * drop; ancillary loads read the metadata you pass), so filters can be unit
 * tested without privileges.
 * @module
 */
import { invalidArgType } from '../../core/errors';
import { BPF, BpfProgram, SKF, validateBpf } from './program';

/** Packet metadata for ancillary loads (`ld vlan_tci`, `ld proto`, ...). */
export interface BpfMetadata {
  /** skb->protocol (EtherType, host order). Default: the frame's EtherType. */
  protocol?: number;
  /** PACKET_HOST (0), BROADCAST (1), MULTICAST (2), OTHERHOST (3), OUTGOING (4). Default 0. */
  packetType?: number;
  /** SKF_AD_IFINDEX: receiving interface index. Default 0. */
  ifindex?: number;
  /** SKF_AD_MARK: the packet's mark. Default 0. */
  mark?: number;
  /** SKF_AD_HATYPE: hardware type (ARPHRD_*). Default 1 (ARPHRD_ETHER). */
  hatype?: number;
  /** SKF_AD_RXHASH: receive hash. Default 0. */
  rxhash?: number;
  /** SKF_AD_QUEUE: receive queue index. Default 0. */
  queue?: number;
  /** SKF_AD_CPU: processing CPU. Default 0. */
  cpu?: number;
  /** A VLAN tag held out of band (what the kernel does after stripping it). */
  vlanTci?: number;
  /** SKF_AD_VLAN_TPID of the out-of-band tag. Default 0x8100 when `vlanTci` is given, else 0. */
  vlanTpid?: number;
  /** Offset of the network header (default 14) for `SKF_NET_OFF` loads. */
  networkOffset?: number;
}

/**
 * Run `program` over `packet`: returns what the kernel would, the number of
 * bytes to accept (0 = drop). Programs are validated first (throws on invalid).
 */
export function runBpf(program: BpfProgram, packet: Uint8Array, meta: BpfMetadata = {}): number {
  const p = validateBpf(program as unknown, 'program');
  if (!(packet instanceof Uint8Array)) throw invalidArgType('packet', 'a Buffer or Uint8Array', packet);
  const len = packet.length;
  const mem = new Uint32Array(BPF.MEMWORDS);
  let A = 0;
  let X = 0;
  const netOff = meta.networkOffset ?? 14;
  const proto = meta.protocol ?? (len >= 14 ? ((packet[12] as number) << 8) | (packet[13] as number) : 0);

  // Returns undefined when out of bounds (the program then returns 0).
  const load = (off: number, size: number): number | undefined => {
    let base = off;
    if (off >= SKF.LL_OFF && off < SKF.NET_OFF) base = off - SKF.LL_OFF;
    else if (off >= SKF.NET_OFF && off < SKF.AD_OFF) base = off - SKF.NET_OFF + netOff;
    else if (off >= SKF.AD_OFF) return ancillary(off - SKF.AD_OFF);
    if (base < 0 || base + size > len) return undefined;
    if (size === 1) return packet[base] as number;
    if (size === 2) return ((packet[base] as number) << 8) | (packet[base + 1] as number);
    return (((packet[base] as number) << 24) | ((packet[base + 1] as number) << 16) | ((packet[base + 2] as number) << 8) | (packet[base + 3] as number)) >>> 0;
  };
  const ancillary = (which: number): number | undefined => {
    switch (which) {
      case SKF.AD_PROTOCOL: return proto;
      case SKF.AD_PKTTYPE: return meta.packetType ?? 0;
      case SKF.AD_IFINDEX: return meta.ifindex ?? 0;
      case SKF.AD_MARK: return meta.mark ?? 0;
      case SKF.AD_QUEUE: return meta.queue ?? 0;
      case SKF.AD_HATYPE: return meta.hatype ?? 1;
      case SKF.AD_RXHASH: return meta.rxhash ?? 0;
      case SKF.AD_CPU: return meta.cpu ?? 0;
      case SKF.AD_ALU_XOR_X: return (A ^ X) >>> 0;
      case SKF.AD_NLATTR: case SKF.AD_NLATTR_NEST: return 0; // netlink only
      case SKF.AD_VLAN_TAG: return meta.vlanTci ?? 0;
      case SKF.AD_VLAN_TAG_PRESENT: return meta.vlanTci === undefined ? 0 : 1;
      case SKF.AD_VLAN_TPID: return meta.vlanTci === undefined ? 0 : meta.vlanTpid ?? 0x8100;
      case SKF.AD_PAY_OFFSET: return netOff;
      case SKF.AD_RANDOM: return (Math.random() * 0x100000000) >>> 0;
      default: return undefined;
    }
  };
  const sizeOf = (code: number): number => ((code & 0x18) === BPF.B ? 1 : (code & 0x18) === BPF.H ? 2 : 4);

  for (let pc = 0; pc < p.length; pc++) {
    const { code, jt, jf, k } = p[pc] as { code: number; jt: number; jf: number; k: number };
    const cls = code & 0x07;
    switch (cls) {
      case BPF.LD: {
        const mode = code & 0xe0;
        if (mode === BPF.IMM) A = k;
        else if (mode === BPF.LEN) A = len;
        else if (mode === BPF.MEM) A = mem[k] as number;
        else {
          const off = mode === BPF.ABS ? k : (X + k) >>> 0;
          // Ancillary loads exist only for absolute loads; an indirect load into that range fails (drop).
          if (mode === BPF.IND && off >= SKF.AD_OFF) return 0;
          const v = load(off, sizeOf(code));
          if (v === undefined) return 0;
          A = v;
        }
        break;
      }
      case BPF.LDX: {
        const mode = code & 0xe0;
        if (mode === BPF.IMM) X = k;
        else if (mode === BPF.LEN) X = len;
        else if (mode === BPF.MEM) X = mem[k] as number;
        else {
          // MSH: X = 4 * (P[k] & 0xf)
          if (k >= len) return 0;
          X = ((packet[k] as number) & 0x0f) * 4;
        }
        break;
      }
      case BPF.ST: mem[k] = A; break;
      case BPF.STX: mem[k] = X; break;
      case BPF.ALU: {
        const op = code & 0xf0;
        const v = (code & BPF.X) ? X : k;
        switch (op) {
          case BPF.ADD: A = (A + v) >>> 0; break;
          case BPF.SUB: A = (A - v) >>> 0; break;
          case BPF.MUL: A = Math.imul(A, v) >>> 0; break;
          case BPF.DIV: if (v === 0) return 0; A = Math.floor(A / v) >>> 0; break;
          case BPF.MOD: if (v === 0) return 0; A = (A % v) >>> 0; break;
          case BPF.OR: A = (A | v) >>> 0; break;
          case BPF.AND: A = (A & v) >>> 0; break;
          case BPF.XOR: A = (A ^ v) >>> 0; break;
          // Shift counts from X are taken modulo 32, as the kernel's eBPF translation does (K >= 32 is rejected).
          case BPF.LSH: A = (A << (v & 31)) >>> 0; break;
          case BPF.RSH: A = A >>> (v & 31); break;
          case BPF.NEG: A = -A >>> 0; break;
        }
        break;
      }
      case BPF.JMP: {
        const op = code & 0xf0;
        if (op === BPF.JA) {
          pc += k;
          break;
        }
        const v = (code & BPF.X) ? X : k;
        const cond = op === BPF.JEQ ? A === v : op === BPF.JGT ? A > v : op === BPF.JGE ? A >= v : (A & v) !== 0;
        pc += cond ? jt : jf;
        break;
      }
      case BPF.RET:
        return (code & 0x18) === BPF.A ? A : k;
      case BPF.MISC:
        if ((code & 0xf8) === BPF.TXA) A = X;
        else X = A;
        break;
    }
  }
  return 0;
}
