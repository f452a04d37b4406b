/**
 * Filter expressions and their code generator: the one implementation of
 * every predicate, shared by the typed builder (`bpf.udpPort(53)`) and the
 * expression language (`bpf.compile('udp port 53')`). Each predicate has
 * tcpdump's semantics for LINKTYPE_ETHERNET on Linux, including the way a
 * `vlan` keyword moves the offsets of everything after it.
 * @module
 */
import { invalidArgValue, validateInteger } from '../../core/errors';
import { BPF, BpfInstruction, BpfProgram, insn, SKF, validateBpf } from './program';

/** A filter expression; build with the functions of `bpf`, compile with `bpf.compile`. */
export type FilterExpression =
  | {
      /** A single test: run `load`, then compare A with `k` using the jump `op`. */
      readonly kind: 'atom';
      /** Straight-line instructions that leave the tested value in the accumulator A. */
      readonly load: readonly BpfInstruction[];
      /** Jump operation comparing A with `k` (BPF.JEQ, BPF.JGT, BPF.JGE or BPF.JSET). */
      readonly op: number;
      /** Constant compared against, unsigned 32-bit. */
      readonly k: number;
    }
  | {
      /** All (`and`) or any (`or`) of `items`. */
      readonly kind: 'and' | 'or';
      /** The sub-expressions. */
      readonly items: readonly FilterExpression[];
    }
  | {
      /** The negation of `item`. */
      readonly kind: 'not';
      /** The negated expression. */
      readonly item: FilterExpression;
    }
  | {
      /** A constant: matches every frame or none. */
      readonly kind: 'const';
      /** true = match all, false = match none. */
      readonly value: boolean;
    };

/** Which side of a flow a port, host or MAC predicate looks at. */
export type Direction = 'src' | 'dst' | 'either';

/**
 * Where the Ethernet payload starts relative to the untagged layout: a
 * constant, plus scratch word M[0] once a `vlan` keyword made it depend on
 * whether the kernel stripped the tag (libpcap's variable link offset).
 */
export interface LinkOffset {
  /** True once M[0] holds a per-frame shift (0 when the tag was stripped, 4 when inline). */
  readonly variable: boolean;
  /** Bytes added on top (4 per further, always-inline, `vlan`). */
  readonly constant: number;
}

/** The untagged layout: what a packet socket sees once the kernel stripped the tag. */
export const FIXED: LinkOffset = { variable: false, constant: 0 };

const SHIFT = 0; // scratch word holding the variable part of the link offset

export function atom(load: BpfInstruction[], op: number, k: number): FilterExpression {
  return { kind: 'atom', load, op, k: k >>> 0 };
}
export const eq = (load: BpfInstruction[], k: number): FilterExpression => atom(load, BPF.JEQ, k);
const gt = (load: BpfInstruction[], k: number): FilterExpression => atom(load, BPF.JGT, k);
const ge = (load: BpfInstruction[], k: number): FilterExpression => atom(load, BPF.JGE, k);
const set = (load: BpfInstruction[], k: number): FilterExpression => atom(load, BPF.JSET, k);

/** All of the expressions (flattened; true when empty). */
export function allOf(items: FilterExpression[]): FilterExpression {
  return items.length === 1 ? (items[0] as FilterExpression) : { kind: 'and', items };
}
/** Any of the expressions (false when empty). */
export function anyOf(items: FilterExpression[]): FilterExpression {
  return items.length === 1 ? (items[0] as FilterExpression) : { kind: 'or', items };
}
/** The negation. */
export function negate(item: FilterExpression): FilterExpression {
  return { kind: 'not', item };
}

const abs = (size: number, k: number): BpfInstruction => insn(BPF.LD | size | BPF.ABS, k);
const and = (k: number): BpfInstruction => insn(BPF.ALU | BPF.AND | BPF.K, k);

/** Load `size` bytes at `k` of the untagged layout, moved by `o`. */
export function ldAt(o: LinkOffset, size: number, k: number): BpfInstruction[] {
  if (!o.variable) return [abs(size, k + o.constant)];
  return [insn(BPF.LDX | BPF.MEM, SHIFT), insn(BPF.LD | size | BPF.IND, k + o.constant)];
}

/** X = start of the IPv4 payload (14 + the link offset + IHL * 4). */
function ipv4HeaderX(o: LinkOffset): BpfInstruction[] {
  if (!o.variable) return [insn(BPF.LDX | BPF.B | BPF.MSH, 14 + o.constant)];
  return [
    insn(BPF.LDX | BPF.MEM, SHIFT),
    insn(BPF.LD | BPF.B | BPF.IND, 14 + o.constant),
    and(0x0f),
    insn(BPF.ALU | BPF.LSH | BPF.K, 2),
    insn(BPF.ALU | BPF.ADD | BPF.X),
    insn(BPF.MISC | BPF.TAX),
  ];
}

/** Load `size` bytes at `k` past the IPv4 header (a transport header field). */
function ldTransport4(o: LinkOffset, size: number, k: number): BpfInstruction[] {
  return [...ipv4HeaderX(o), insn(BPF.LD | size | BPF.IND, 14 + o.constant + k)];
}

/** EtherType (the inner one past the tags the offset accounts for). */
export function etherTypeAt(o: LinkOffset, type: number): FilterExpression {
  return eq(ldAt(o, BPF.H, 12), type);
}
export const ETH_IPV4 = 0x0800;
export const ETH_IPV6 = 0x86dd;
export const ETH_ARP = 0x0806;
export const ETH_RARP = 0x8035;

/** MAC at a fixed link-header offset (a `vlan` never moves it). */
export function macAt(offset: number, mac: Buffer): FilterExpression {
  return allOf([eq([abs(BPF.W, offset)], mac.readUInt32BE(0)), eq([abs(BPF.H, offset + 4)], mac.readUInt16BE(4))]);
}
export function macDir(mac: Buffer, dir: Direction): FilterExpression {
  if (dir === 'src') return macAt(6, mac);
  if (dir === 'dst') return macAt(0, mac);
  return anyOf([macAt(6, mac), macAt(0, mac)]);
}
/** Destination ff:ff:ff:ff:ff:ff. */
export function etherBroadcast(): FilterExpression {
  return allOf([eq([abs(BPF.W, 2)], 0xffffffff), eq([abs(BPF.H, 0)], 0xffff)]);
}
/** Destination with the group bit set (broadcast included). */
export function etherMulticast(): FilterExpression {
  return set([abs(BPF.B, 0)], 1);
}

/** IPv4 protocol field (no fragment test, as tcpdump's `ip proto`). */
export function ipv4Proto(o: LinkOffset, proto: number): FilterExpression {
  return allOf([etherTypeAt(o, ETH_IPV4), eq(ldAt(o, BPF.B, 23), proto)]);
}
/** IPv6 next header, or the next header after one fragment header (tcpdump's `ip6 proto`). */
export function ipv6Proto(o: LinkOffset, proto: number): FilterExpression {
  const nh = ldAt(o, BPF.B, 20);
  return allOf([etherTypeAt(o, ETH_IPV6), anyOf([eq(nh, proto), allOf([eq(nh, 44), eq(ldAt(o, BPF.B, 54), proto)])])]);
}

/** `host`, `src host`, `dst host` for IPv4: the IP header, and ARP/RARP sender/target. */
export function ipv4Host(o: LinkOffset, addr: number, mask: number, dir: Direction): FilterExpression {
  const test = (off: number): FilterExpression => eq(mask === 0xffffffff ? ldAt(o, BPF.W, off) : [...ldAt(o, BPF.W, off), and(mask)], (addr & mask) >>> 0);
  const pick = (s: number, d: number): FilterExpression => (dir === 'src' ? test(s) : dir === 'dst' ? test(d) : anyOf([test(s), test(d)]));
  return anyOf([
    allOf([etherTypeAt(o, ETH_IPV4), pick(26, 30)]),
    allOf([anyOf([etherTypeAt(o, ETH_ARP), etherTypeAt(o, ETH_RARP)]), pick(28, 38)]),
  ]);
}

/** `host`/`net` for IPv6: the 16-byte source or destination compared word by word under a prefix mask. */
export function ipv6Host(o: LinkOffset, addr: Buffer, prefix: number, dir: Direction): FilterExpression {
  const test = (off: number): FilterExpression => {
    const words: FilterExpression[] = [];
    for (let w = 0; w < 4 && w * 32 < prefix; w++) {
      const bits = Math.min(32, prefix - w * 32);
      const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
      const v = (addr.readUInt32BE(w * 4) & mask) >>> 0;
      words.push(eq(mask === 0xffffffff ? ldAt(o, BPF.W, off + w * 4) : [...ldAt(o, BPF.W, off + w * 4), and(mask)], v));
    }
    return allOf(words);
  };
  const pick = dir === 'src' ? test(22) : dir === 'dst' ? test(38) : anyOf([test(22), test(38)]);
  return allOf([etherTypeAt(o, ETH_IPV6), pick]);
}

/** Transport protocols that have ports, as tcpdump's `port` means them. */
export const PORT_PROTOCOLS = [132, 6, 17] as const;

/** `[tcp|udp|sctp] [src|dst] port|portrange`: IPv4 first fragments and IPv6 (fixed 40-byte header). */
export function portTest(o: LinkOffset, protos: readonly number[], lo: number, hi: number, dir: Direction): FilterExpression {
  const value = (load: BpfInstruction[]): FilterExpression => (lo === hi ? eq(load, lo) : allOf([ge(load, lo), negate(gt([...load], hi))]));
  const sides = (ld: (k: number) => BpfInstruction[]): FilterExpression =>
    dir === 'src' ? value(ld(0)) : dir === 'dst' ? value(ld(2)) : anyOf([value(ld(0)), value(ld(2))]);
  const v6 = allOf([etherTypeAt(o, ETH_IPV6), anyOf(protos.map((p) => eq(ldAt(o, BPF.B, 20), p))), sides((k) => ldAt(o, BPF.H, 54 + k))]);
  const v4 = allOf([
    etherTypeAt(o, ETH_IPV4),
    anyOf(protos.map((p) => eq(ldAt(o, BPF.B, 23), p))),
    negate(set(ldAt(o, BPF.H, 20), 0x1fff)),
    sides((k) => ldTransport4(o, BPF.H, k)),
  ]);
  return anyOf([v6, v4]);
}

/** `less N` (length <= N) and `greater N` (length >= N). */
export function lengthTest(kind: 'less' | 'greater', n: number): FilterExpression {
  const len = [insn(BPF.LD | BPF.W | BPF.LEN)];
  return kind === 'less' ? negate(gt(len, n)) : ge(len, n);
}

const TPIDS = [0x8100, 0x88a8, 0x9100];

/**
 * A VLAN tag with an optional id, and the link offset after it. The first
 * `vlan` checks the tag the kernel stripped (metadata) when there is one, else
 * an inline tag, and records the shift (0 or 4) in M[0]; later ones are inline.
 * Returns the expression and the offset the rest of the filter must use.
 */
export function vlanTest(o: LinkOffset, first: boolean, id: number | undefined): { expression: FilterExpression; after: LinkOffset } {
  if (!first) {
    const tpid = ldAt(o, BPF.H, 12);
    const expression = allOf([anyOf(TPIDS.map((t) => eq(tpid, t))), ...(id === undefined ? [] : [eq([...ldAt(o, BPF.H, 14), and(0x0fff)], id)])]);
    return { expression, after: { variable: o.variable, constant: o.constant + 4 } };
  }
  const present = insn(BPF.LD | BPF.W | BPF.ABS, SKF.AD_OFF + SKF.AD_VLAN_TAG_PRESENT);
  // M[0] = 4 * (1 - present): the payload moves by 4 only when the tag is still inline.
  const recordShift = [present, insn(BPF.ALU | BPF.NEG), insn(BPF.ALU | BPF.ADD | BPF.K, 1), insn(BPF.ALU | BPF.LSH | BPF.K, 2), insn(BPF.ST, SHIFT), present];
  const stripped = allOf([eq(recordShift, 1), ...(id === undefined ? [] : [eq([abs(BPF.W, SKF.AD_OFF + SKF.AD_VLAN_TAG), and(0x0fff)], id)])]);
  // An inline tag counts only when the kernel stripped none (a QinQ frame is its stripped outer tag).
  const inline = allOf([eq([present], 0), anyOf(TPIDS.map((t) => eq([abs(BPF.H, 12)], t))), ...(id === undefined ? [] : [eq([abs(BPF.H, 14), and(0x0fff)], id)])]);
  return { expression: anyOf([stripped, inline]), after: { variable: true, constant: 0 } };
}

/** A relation of `proto[offset:size] & mask` with a value (tcpdump's packet data accessors). */
export type Relation = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** Layers whose bytes `layer[offset:size]` can address. */
export type AccessLayer = 'ether' | 'ip' | 'ip6' | 'tcp' | 'udp' | 'icmp' | 'icmp6' | 'sctp' | 'igmp';

const TRANSPORT4: Partial<Record<AccessLayer, number>> = { tcp: 6, udp: 17, icmp: 1, sctp: 132, igmp: 2 };

/** `layer[offset:size] (& mask) REL value`, guarded by the layer's presence as tcpdump guards it. */
export function accessTest(o: LinkOffset, layer: AccessLayer, offset: number, size: 1 | 2 | 4, mask: number | undefined, rel: Relation, value: number): FilterExpression {
  const sz = size === 1 ? BPF.B : size === 2 ? BPF.H : BPF.W;
  let guard: FilterExpression[] = [];
  let load: BpfInstruction[];
  const p4 = TRANSPORT4[layer];
  if (layer === 'ether') load = [abs(sz, offset)];
  else if (layer === 'ip') {
    guard = [etherTypeAt(o, ETH_IPV4)];
    load = ldAt(o, sz, 14 + offset);
  } else if (layer === 'ip6') {
    guard = [etherTypeAt(o, ETH_IPV6)];
    load = ldAt(o, sz, 14 + offset);
  } else if (layer === 'icmp6') {
    guard = [etherTypeAt(o, ETH_IPV6), eq(ldAt(o, BPF.B, 20), 58)];
    load = ldAt(o, sz, 54 + offset);
  } else {
    guard = [etherTypeAt(o, ETH_IPV4), eq(ldAt(o, BPF.B, 23), p4 as number), negate(set(ldAt(o, BPF.H, 20), 0x1fff))];
    load = ldTransport4(o, sz, offset);
  }
  if (mask !== undefined) load = [...load, and(mask)];
  const v = value >>> 0;
  const test =
    rel === '=' ? eq(load, v) : rel === '!=' ? negate(eq(load, v)) : rel === '>' ? gt(load, v) : rel === '>=' ? ge(load, v) : rel === '<' ? negate(ge(load, v)) : negate(gt(load, v));
  return allOf([...guard, test]);
}

function usesScratch(e: FilterExpression): boolean {
  switch (e.kind) {
    case 'atom':
      return e.load.some((i) => i.code === (BPF.LDX | BPF.MEM) || i.code === (BPF.LD | BPF.MEM) || i.code === BPF.ST);
    case 'not':
      return usesScratch(e.item);
    case 'and':
    case 'or':
      return e.items.some(usesScratch);
    default:
      return false;
  }
}

/**
 * Compile an expression into a validated classic BPF program: a matching
 * frame returns `snaplen`, anything else 0. Throws ERR_INVALID_ARG_VALUE when
 * a jump would span more than 255 instructions or the program exceeds 4096.
 */
export function generate(expression: FilterExpression, snaplen: number): BpfProgram {
  type Pending = { code: number; k: number; t?: number; f?: number; ja?: number };
  const code: Pending[] = [];
  const labels: number[] = [];
  const newLabel = (): number => labels.push(-1) - 1;
  const place = (l: number): void => {
    labels[l] = code.length;
  };
  const ACCEPT = newLabel();
  const REJECT = newLabel();
  // Libpcap's prologue: the link offset starts at 0, and the kernel wants every scratch word stored before it is read.
  if (usesScratch(expression)) code.push({ code: BPF.LD | BPF.IMM, k: 0 }, { code: BPF.ST, k: SHIFT });
  // An explicit stack: hostile nesting must not exhaust the JS one.
  const work: Array<{ e: FilterExpression; t: number; f: number } | { label: number }> = [{ e: expression, t: ACCEPT, f: REJECT }];
  while (work.length) {
    const w = work.pop() as { e: FilterExpression; t: number; f: number } | { label: number };
    if ('label' in w) {
      place(w.label);
      continue;
    }
    const { e, t, f } = w;
    switch (e.kind) {
      case 'const':
        code.push({ code: BPF.JMP | BPF.JA, k: 0, ja: e.value ? t : f });
        break;
      case 'not':
        work.push({ e: e.item, t: f, f: t });
        break;
      case 'atom':
        for (const i of e.load) code.push({ code: i.code, k: i.k });
        code.push({ code: BPF.JMP | e.op | BPF.K, k: e.k, t, f });
        break;
      case 'and':
      case 'or': {
        if (e.items.length === 0) {
          work.push({ e: { kind: 'const', value: e.kind === 'and' }, t, f });
          break;
        }
        // Items are emitted in order: push them (and the labels between them) in reverse.
        const steps: Array<{ e: FilterExpression; t: number; f: number } | { label: number }> = [];
        e.items.forEach((item, i) => {
          if (i === e.items.length - 1) {
            steps.push({ e: item, t, f });
            return;
          }
          const next = newLabel();
          steps.push(e.kind === 'and' ? { e: item, t: next, f } : { e: item, t, f: next }, { label: next });
        });
        for (let i = steps.length - 1; i >= 0; i--) work.push(steps[i] as (typeof steps)[number]);
      }
    }
  }
  place(ACCEPT);
  code.push({ code: BPF.RET | BPF.K, k: snaplen });
  place(REJECT);
  code.push({ code: BPF.RET | BPF.K, k: 0 });
  const rel = (pc: number, label: number): number => {
    const d = (labels[label] as number) - pc - 1;
    if (d < 0 || d > 255) throw invalidArgValue('expression', `${code.length} instructions`, 'is too large to compile (a conditional jump spans more than 255 instructions); split it or use tcpdump -dd');
    return d;
  };
  const out: BpfInstruction[] = code.map((c, pc) => {
    if (c.ja !== undefined) return insn(c.code, (labels[c.ja] as number) - pc - 1);
    if (c.t !== undefined && c.f !== undefined) return insn(c.code, c.k, rel(pc, c.t), rel(pc, c.f));
    return insn(c.code, c.k);
  });
  return validateBpf(out, 'compiled program');
}

/** Validate a snaplen option (bytes of a matching frame to keep). */
export function snaplenOf(v: number | undefined): number {
  return validateInteger(v ?? 262144, 'snaplen', 1, 0xffffffff);
}
