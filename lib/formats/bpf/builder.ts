/**
 * A small typed builder for the filters people actually write, compiled to
 * classic BPF for packet sockets:
 *
 * ```ts
 * import { bpf } from 'sockit-linux';
 * const f = bpf.compile(bpf.and(bpf.vlan(100), bpf.udpPort(5000, 'dst')));
 * ```
 *
 * Offsets assume the frame as a packet socket sees it on receive: Linux moves
 * a VLAN tag out of the frame into metadata before filters run, so
 * `vlan()` tests that metadata (and an inline 802.1Q/802.1ad tag, for frames
 * that still carry one), and every other predicate reads the untagged layout.
 * @module
 */
import { invalidArgType, invalidArgValue, validateInteger } from '../../core/errors';
import { parseMac } from '../../core/address';
import { BPF, BpfInstruction, BpfProgram, insn, SKF, validateBpf } from './program';

/** A filter expression; build with the functions of this module, compile with {@link compile}. */
export type FilterExpression =
  | {
      /** A single test: run `load`, then compare A with `k` using the jump `op`. */
      readonly kind: 'atom';
      /** Instructions that leave the tested value in the accumulator A. */
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

/** Which side of a flow a port or MAC predicate looks at. */
export type Direction = 'src' | 'dst' | 'either';

const ld = (size: number, off: number): BpfInstruction => insn(BPF.LD | size | BPF.ABS, off);
const ldInd = (size: number, off: number): BpfInstruction => insn(BPF.LD | size | BPF.IND, off);
const andK = (k: number): BpfInstruction => insn(BPF.ALU | BPF.AND | BPF.K, k);

function atom(load: BpfInstruction[], op: number, k: number): FilterExpression {
  return { kind: 'atom', load, op, k: k >>> 0 };
}
const eq = (load: BpfInstruction[], k: number): FilterExpression => atom(load, BPF.JEQ, k);
const set = (load: BpfInstruction[], k: number): FilterExpression => atom(load, BPF.JSET, k);

function check(e: unknown, name: string): FilterExpression {
  if (e === null || typeof e !== 'object' || !('kind' in e)) throw invalidArgType(name, 'a filter expression (from bpf.*)', e);
  return e as FilterExpression;
}

/** All of the expressions (true when empty). */
export function and(...items: FilterExpression[]): FilterExpression {
  items.forEach((e, i) => check(e, `and[${i}]`));
  return items.length === 1 ? (items[0] as FilterExpression) : { kind: 'and', items };
}
/** Any of the expressions (false when empty). */
export function or(...items: FilterExpression[]): FilterExpression {
  items.forEach((e, i) => check(e, `or[${i}]`));
  return items.length === 1 ? (items[0] as FilterExpression) : { kind: 'or', items };
}
/** The negation. */
export function not(item: FilterExpression): FilterExpression {
  return { kind: 'not', item: check(item, 'not') };
}
/** Matches every frame. */
export function all(): FilterExpression {
  return { kind: 'const', value: true };
}
/** Matches no frame. */
export function none(): FilterExpression {
  return { kind: 'const', value: false };
}

/** The (inner) EtherType, e.g. 0x0800, 0x86dd, 0x88b5. */
export function etherType(type: number): FilterExpression {
  return eq([ld(BPF.H, 12)], validateInteger(type, 'etherType', 0, 0xffff));
}

/**
 * A VLAN tag, with a given id or any. Matches a tag the kernel stripped (the
 * usual case on receive) and a tag still inline in the frame (802.1Q, 802.1ad or 0x9100).
 */
export function vlan(id?: number): FilterExpression {
  const vid = id === undefined ? undefined : validateInteger(id, 'vlan id', 0, 4095);
  const meta = and(
    eq([ld(BPF.W, SKF.AD_OFF + SKF.AD_VLAN_TAG_PRESENT)], 1),
    ...(vid === undefined ? [] : [eq([ld(BPF.W, SKF.AD_OFF + SKF.AD_VLAN_TAG), andK(0x0fff)], vid)]),
  );
  const inlineTag = and(
    or(eq([ld(BPF.H, 12)], 0x8100), eq([ld(BPF.H, 12)], 0x88a8), eq([ld(BPF.H, 12)], 0x9100)),
    ...(vid === undefined ? [] : [eq([ld(BPF.H, 14), andK(0x0fff)], vid)]),
  );
  return or(meta, inlineTag);
}

function macAt(offset: number, mac: string | Uint8Array, name: string): FilterExpression {
  const b = parseMac(mac, name);
  return and(eq([ld(BPF.W, offset)], b.readUInt32BE(0)), eq([ld(BPF.H, offset + 4)], b.readUInt16BE(4)));
}
/** Source MAC address. */
export function srcMac(mac: string | Uint8Array): FilterExpression {
  return macAt(6, mac, 'srcMac');
}
/** Destination MAC address. */
export function dstMac(mac: string | Uint8Array): FilterExpression {
  return macAt(0, mac, 'dstMac');
}
/** Source or destination MAC address. */
export function mac(address: string | Uint8Array, direction: Direction = 'either'): FilterExpression {
  if (direction === 'src') return srcMac(address);
  if (direction === 'dst') return dstMac(address);
  return or(srcMac(address), dstMac(address));
}

/** IPv4 frames. */
export function ipv4(): FilterExpression {
  return etherType(0x0800);
}
/** IPv6 frames. */
export function ipv6(): FilterExpression {
  return etherType(0x86dd);
}

const PROTOCOLS = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58 } as const;
/** An IP protocol name this builder knows, or a number. */
export type IpProtocolName = keyof typeof PROTOCOLS;

function protoNumber(p: IpProtocolName | number, name: string): number {
  if (typeof p === 'string') {
    if (!(p in PROTOCOLS)) throw invalidArgValue(name, p, `must be one of ${Object.keys(PROTOCOLS).join(', ')} or a number`);
    return PROTOCOLS[p];
  }
  return validateInteger(p, name, 0, 255);
}

/**
 * IP protocol (IPv4 protocol field or IPv6 next header; extension headers are not walked).
 * @param family restrict to 'ipv4' or 'ipv6' (default both)
 */
export function ipProtocol(protocol: IpProtocolName | number, family?: 'ipv4' | 'ipv6'): FilterExpression {
  const n = protoNumber(protocol, 'protocol');
  const v4 = and(ipv4(), eq([ld(BPF.B, 23)], n));
  const v6 = and(ipv6(), eq([ld(BPF.B, 20)], n));
  return family === 'ipv4' ? v4 : family === 'ipv6' ? v6 : or(v4, v6);
}

function port(protocol: number, p: number, direction: Direction, name: string): FilterExpression {
  const value = validateInteger(p, name, 0, 65535);
  if (direction !== 'src' && direction !== 'dst' && direction !== 'either') throw invalidArgValue('direction', direction, "must be 'src', 'dst' or 'either'");
  const at = (dir: 'src' | 'dst'): FilterExpression => {
    const off = dir === 'src' ? 0 : 2;
    // IPv4: first fragment only, header length from IHL (ldx msh).
    const v4 = and(
      ipv4(),
      eq([ld(BPF.B, 23)], protocol),
      not(set([ld(BPF.H, 20)], 0x1fff)),
      eq([insn(BPF.LDX | BPF.B | BPF.MSH, 14), ldInd(BPF.H, 14 + off)], value),
    );
    const v6 = and(ipv6(), eq([ld(BPF.B, 20)], protocol), eq([ld(BPF.H, 54 + off)], value));
    return or(v4, v6);
  };
  return direction === 'either' ? or(at('src'), at('dst')) : at(direction);
}

/** UDP port (IPv4 or IPv6). */
export function udpPort(p: number, direction: Direction = 'either'): FilterExpression {
  return port(17, p, direction, 'udpPort');
}
/** TCP port (IPv4 or IPv6). */
export function tcpPort(p: number, direction: Direction = 'either'): FilterExpression {
  return port(6, p, direction, 'tcpPort');
}

/** Options of {@link compile}. */
export interface CompileOptions {
  /** Bytes of a matching frame to keep (the accept return value; default 262144 = whole frame). */
  snaplen?: number;
}

/**
 * Compile an expression into a validated classic BPF program: a matching
 * frame returns `snaplen`, anything else 0.
 */
export function compile(expression: FilterExpression, options: CompileOptions = {}): BpfProgram {
  check(expression, 'expression');
  const snaplen = validateInteger(options.snaplen ?? 262144, 'snaplen', 1, 0xffffffff);
  type Pending = { code: number; k: number; t?: number; f?: number; ja?: number };
  const code: Pending[] = [];
  const labels: number[] = [];
  const newLabel = (): number => labels.push(-1) - 1;
  const place = (l: number): void => {
    labels[l] = code.length;
  };
  const ACCEPT = newLabel();
  const REJECT = newLabel();
  const gen = (e: FilterExpression, t: number, f: number): void => {
    switch (e.kind) {
      case 'const':
        code.push({ code: BPF.JMP | BPF.JA, k: 0, ja: e.value ? t : f });
        return;
      case 'not':
        gen(e.item, f, t);
        return;
      case 'atom':
        for (const i of e.load) code.push({ code: i.code, k: i.k });
        code.push({ code: BPF.JMP | e.op | BPF.K, k: e.k, t, f });
        return;
      case 'and':
      case 'or': {
        if (e.items.length === 0) {
          gen({ kind: 'const', value: e.kind === 'and' }, t, f);
          return;
        }
        e.items.forEach((item, i) => {
          if (i === e.items.length - 1) {
            gen(item, t, f);
            return;
          }
          const next = newLabel();
          if (e.kind === 'and') gen(item, next, f);
          else gen(item, t, next);
          place(next);
        });
      }
    }
  };
  gen(expression, ACCEPT, REJECT);
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
