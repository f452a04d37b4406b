/**
 * A small typed builder for the filters people actually write, compiled to
 * classic BPF for packet sockets, and `compile()`, which also takes the
 * tcpdump-style expression language:
 *
 * ```ts
 * import { bpf } from 'sockit-linux';
 * const f = bpf.compile(bpf.and(bpf.vlan(100), bpf.udpPort(5000, 'dst')));
 * const g = bpf.compile('vlan 100 and udp dst port 5000');
 * ```
 *
 * Offsets assume the frame as a packet socket sees it on receive: Linux moves
 * a VLAN tag out of the frame into metadata before filters run, so
 * `vlan()` tests that metadata (or, when there is none, an inline 802.1Q/802.1ad
 * tag, as tcpdump does), and every other builder predicate reads the untagged
 * layout. (In the expression language, as in tcpdump, a `vlan` keyword also
 * moves the offsets of what follows it.)
 * @module
 */
import { invalidArgType, invalidArgValue, validateInteger } from '../../core/errors';
import { parseMac } from '../../core/address';
import { ipToBytes } from '../frames/bytes';
import { BpfProgram } from './program';
import {
  Direction,
  FilterExpression,
  FIXED,
  PORT_PROTOCOLS,
  allOf,
  anyOf,
  etherTypeAt,
  generate,
  ipv4Host,
  ipv4Proto,
  ipv6Host,
  ipv6Proto,
  macDir,
  negate,
  portTest,
  snaplenOf,
  vlanTest,
} from './expression';
import { parseFilter } from './filter';

export type { Direction, FilterExpression } from './expression';

function check(e: unknown, name: string): FilterExpression {
  if (e === null || typeof e !== 'object' || !('kind' in e)) throw invalidArgType(name, 'a filter expression (from bpf.*)', e);
  return e as FilterExpression;
}

/** All of the expressions (true when empty). */
export function and(...items: FilterExpression[]): FilterExpression {
  items.forEach((e, i) => check(e, `and[${i}]`));
  return allOf(items);
}
/** Any of the expressions (false when empty). */
export function or(...items: FilterExpression[]): FilterExpression {
  items.forEach((e, i) => check(e, `or[${i}]`));
  return anyOf(items);
}
/** The negation. */
export function not(item: FilterExpression): FilterExpression {
  return negate(check(item, 'not'));
}
/** Matches every frame. */
export function all(): FilterExpression {
  return { kind: 'const', value: true };
}
/** Matches no frame. */
export function none(): FilterExpression {
  return { kind: 'const', value: false };
}

/** The (inner) EtherType, e.g. 0x0800, 0x86dd, 0x88b5 (`ether proto N`). */
export function etherType(type: number): FilterExpression {
  return etherTypeAt(FIXED, validateInteger(type, 'etherType', 0, 0xffff));
}

/**
 * A VLAN tag, with a given id or any (`vlan [ID]`). Like tcpdump on Linux: a
 * tag the kernel stripped is the one tested when there is one (so a QinQ
 * frame with S-tag 100 stripped and inline C-tag 42 is `vlan 100`, not
 * `vlan 42`); otherwise an inline 802.1Q, 802.1ad or 0x9100 tag.
 */
export function vlan(id?: number): FilterExpression {
  const vid = id === undefined ? undefined : validateInteger(id, 'vlan id', 0, 4095);
  return vlanTest(FIXED, true, vid).expression;
}

/** Source MAC address (`ether src MAC`). */
export function srcMac(mac: string | Uint8Array): FilterExpression {
  return macDir(parseMac(mac, 'srcMac'), 'src');
}
/** Destination MAC address (`ether dst MAC`). */
export function dstMac(mac: string | Uint8Array): FilterExpression {
  return macDir(parseMac(mac, 'dstMac'), 'dst');
}
/** Source or destination MAC address (`ether host MAC`). */
export function mac(address: string | Uint8Array, direction: Direction = 'either'): FilterExpression {
  return macDir(parseMac(address, 'mac'), directionOf(direction));
}

function directionOf(d: unknown): Direction {
  if (d !== 'src' && d !== 'dst' && d !== 'either') throw invalidArgValue('direction', d, "must be 'src', 'dst' or 'either'");
  return d;
}

/** IPv4 frames (`ip`). */
export function ipv4(): FilterExpression {
  return etherType(0x0800);
}
/** IPv6 frames (`ip6`). */
export function ipv6(): FilterExpression {
  return etherType(0x86dd);
}

/** IP protocol names, as tcpdump spells them. */
const PROTOCOLS = { icmp: 1, igmp: 2, tcp: 6, udp: 17, icmp6: 58, sctp: 132 } as const;
/** An IP protocol name as tcpdump spells it ('icmp', 'igmp', 'tcp', 'udp', 'icmp6', 'sctp'). */
export type IpProtocolName = keyof typeof PROTOCOLS;

function protoNumber(p: IpProtocolName | number, name: string): number {
  if (typeof p === 'string') {
    // 'icmpv6' was this builder's old spelling; tcpdump's is 'icmp6'.
    const n = p === ('icmpv6' as string) ? 58 : (PROTOCOLS as Record<string, number>)[p];
    if (n === undefined) throw invalidArgValue(name, p, `must be one of ${Object.keys(PROTOCOLS).join(', ')} or a number`);
    return n;
  }
  return validateInteger(p, name, 0, 255);
}

/**
 * IP protocol: the IPv4 protocol field, or the IPv6 next header (also after
 * one fragment header), as tcpdump's `ip proto N` / `ip6 proto N` / `proto N`.
 * @param family restrict to 'ipv4' or 'ipv6' (default both)
 */
export function ipProtocol(protocol: IpProtocolName | number, family?: 'ipv4' | 'ipv6'): FilterExpression {
  const n = protoNumber(protocol, 'protocol');
  const v4 = ipv4Proto(FIXED, n);
  const v6 = ipv6Proto(FIXED, n);
  return family === 'ipv4' ? v4 : family === 'ipv6' ? v6 : anyOf([v4, v6]);
}

/**
 * An IPv4 or IPv6 host or network (`host A`, `src net 198.18.0.0/15`,
 * `dst host fd00:5f::1`): for IPv4, ARP/RARP sender and target addresses
 * match too, as in tcpdump.
 * @param address an address, or a CIDR network "a.b.c.d/n" / "x::/n"
 */
export function host(address: string, direction: Direction = 'either'): FilterExpression {
  if (typeof address !== 'string') throw invalidArgType('address', 'of type string', address);
  const dir = directionOf(direction);
  const [ip, len] = address.split('/') as [string, string | undefined];
  const bytes = ipToBytes(ip, 'address');
  const max = bytes.length * 8;
  const prefix = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN;
  if (!(prefix >= 0 && prefix <= max)) throw invalidArgValue('address', address, `has a bad prefix length (0..${max})`);
  if (bytes.length === 4) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const addr = bytes.readUInt32BE(0);
    if (((addr & ~mask) >>> 0) !== 0) throw invalidArgValue('address', address, 'has host bits set beyond the prefix length');
    return ipv4Host(FIXED, addr, mask, dir);
  }
  return ipv6Host(FIXED, bytes, prefix, dir);
}

function port(protocols: readonly number[], p: number, direction: Direction, name: string): FilterExpression {
  const value = validateInteger(p, name, 0, 65535);
  return portTest(FIXED, protocols, value, value, directionOf(direction));
}

/** UDP port, IPv4 (first fragments) or IPv6 (`udp [src|dst] port N`). */
export function udpPort(p: number, direction: Direction = 'either'): FilterExpression {
  return port([17], p, direction, 'udpPort');
}
/** TCP port, IPv4 (first fragments) or IPv6 (`tcp [src|dst] port N`). */
export function tcpPort(p: number, direction: Direction = 'either'): FilterExpression {
  return port([6], p, direction, 'tcpPort');
}
/** TCP, UDP or SCTP port, as tcpdump's bare `port N`. */
export function anyPort(p: number, direction: Direction = 'either'): FilterExpression {
  return port(PORT_PROTOCOLS, p, direction, 'port');
}

/** Options of {@link compile}. */
export interface CompileOptions {
  /** Bytes of a matching frame to keep (the accept return value; default 262144 = whole frame). */
  snaplen?: number;
}

/**
 * Compile a builder expression, or a tcpdump-style filter expression
 * (`'udp port 53 and host 198.18.0.1'`, see {@link parseFilter}), into a
 * validated classic BPF program: a matching frame returns `snaplen`,
 * anything else 0. A string that does not parse throws a {@link FilterSyntaxError}.
 */
export function compile(expression: FilterExpression | string, options: CompileOptions = {}): BpfProgram {
  const e = typeof expression === 'string' ? parseFilter(expression) : check(expression, 'expression');
  return generate(e, snaplenOf(options.snaplen));
}
