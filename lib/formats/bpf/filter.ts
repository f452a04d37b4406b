/**
 * The filter language shared by the library (`PacketSocket`'s `filter`
 * option, `bpf.compile(string)`) and `sockit sniff`: tcpdump's expression
 * syntax, with tcpdump's semantics, compiled by sockit (no libpcap).
 *
 * ```text
 * ether src|dst|host MAC · ether proto N · ether|ip6? broadcast|multicast
 * vlan [ID] (moves what follows by the tag, as in tcpdump)
 * ip · ip6 · arp · rarp · tcp · udp · sctp · icmp · icmp6 · igmp
 * ip proto N · ip6 proto N · proto N        (names as \tcp, \udp, ...)
 * [src|dst] host ADDR · [src|dst] net CIDR  (IPv4 or IPv6; IPv4 also ARP/RARP)
 * [tcp|udp|sctp] [src|dst] port N · ... portrange N-M
 * less N · greater N
 * PROTO[OFF(:SIZE)] (& MASK) REL VALUE      (icmp[icmptype] = icmp-echo,
 *                                             tcp[tcpflags] & (tcp-syn|tcp-ack) != 0)
 * combined with and/&&, or/||, not/!, and parentheses; as in tcpdump, and/or
 * have equal precedence and group left to right.
 * ```
 *
 * A string that is `tcpdump -dd` output (lines like `{ 0x28, 0, 0, 0x0000000c },`)
 * is taken as that program instead, for anything this language cannot say.
 * @module
 */
import { invalidArgType } from '../../core/errors';
import { parseMac } from '../../core/address';
import { ipToBytes } from '../frames/bytes';
import {
  AccessLayer,
  Direction,
  ETH_ARP,
  ETH_IPV4,
  ETH_IPV6,
  ETH_RARP,
  FIXED,
  FilterExpression,
  LinkOffset,
  PORT_PROTOCOLS,
  Relation,
  accessTest,
  allOf,
  anyOf,
  eq,
  etherBroadcast,
  etherMulticast,
  etherTypeAt,
  generate,
  ipv4Host,
  ipv4Proto,
  ipv6Host,
  ipv6Proto,
  ldAt,
  lengthTest,
  macDir,
  negate,
  portTest,
  vlanTest,
} from './expression';
import { BPF, BpfProgram, parseTcpdumpDd, validateBpf } from './program';

/** A filter that does not parse; `message` says where and what was expected. */
export class FilterSyntaxError extends SyntaxError {
  /** Always 'ERR_FILTER_SYNTAX'. */
  readonly code = 'ERR_FILTER_SYNTAX';
  constructor(message: string) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

/** Deepest nesting of parentheses and `not` accepted (hostile input must fail cleanly, not exhaust the stack). */
export const MAX_FILTER_DEPTH = 100;

/** A filter as PacketSocket and the CLI accept it: a cBPF program, a builder expression, an expression string or `tcpdump -dd` text. */
export type PacketFilter = BpfProgram | FilterExpression | string;

/** `tcpdump -dd` text? (Its first non-blank line is `{ 0x.., .., .., 0x.. },`.) */
export function looksLikeTcpdumpDd(text: string): boolean {
  return /^\s*\{\s*0x[0-9a-f]+\s*,\s*\d+\s*,\s*\d+\s*,\s*0x[0-9a-f]+\s*\}\s*,?/i.test(text);
}

/**
 * Turn any accepted filter into a validated program: a program is validated,
 * a builder expression compiled, a string is `tcpdump -dd` text or an
 * expression (compiled with snaplen 262144).
 */
export function toBpfProgram(filter: PacketFilter, name = 'filter'): BpfProgram {
  if (typeof filter === 'string') return looksLikeTcpdumpDd(filter) ? parseTcpdumpDd(filter) : generate(parseFilter(filter), 262144);
  if (Array.isArray(filter)) return validateBpf(filter, name);
  if (filter !== null && typeof filter === 'object' && 'kind' in filter) return generate(filter as FilterExpression, 262144);
  throw invalidArgType(name, 'a BPF program ({ code, jt, jf, k }[]), a bpf.* expression, a filter expression or tcpdump -dd text', filter);
}

function tokenize(s: string): string[] {
  const out: string[] = [];
  const re = /\s*(\(|\)|\[|\]|&&|\|\||!=|==|<=|>=|<|>|=|!|&|\||[A-Za-z0-9_.:\-/%\\]+)/y;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) {
      if (/^\s*$/.test(s.slice(pos))) break;
      throw new FilterSyntaxError(`unexpected "${s.slice(pos).trim().slice(0, 20)}"`);
    }
    out.push(m[1] as string);
    pos = re.lastIndex;
  }
  return out;
}

const PROTO_NAMES: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, icmp6: 58, sctp: 132 };

/** Named offsets and values of tcpdump's packet accessors. */
const NAMED: Record<string, number> = {
  icmptype: 0, icmpcode: 1, icmp6type: 0, icmp6code: 1, tcpflags: 13,
  'icmp-echoreply': 0, 'icmp-unreach': 3, 'icmp-sourcequench': 4, 'icmp-redirect': 5, 'icmp-echo': 8, 'icmp-routeradvert': 9,
  'icmp-routersolicit': 10, 'icmp-timxceed': 11, 'icmp-paramprob': 12, 'icmp-tstamp': 13, 'icmp-tstampreply': 14,
  'icmp-ireq': 15, 'icmp-ireqreply': 16, 'icmp-maskreq': 17, 'icmp-maskreply': 18,
  'tcp-fin': 0x01, 'tcp-syn': 0x02, 'tcp-rst': 0x04, 'tcp-push': 0x08, 'tcp-ack': 0x10, 'tcp-urg': 0x20, 'tcp-ece': 0x40, 'tcp-cwr': 0x80,
  'icmp6-destinationunreach': 1, 'icmp6-packettoobig': 2, 'icmp6-timeexceeded': 3, 'icmp6-parameterproblem': 4,
  'icmp6-echo': 128, 'icmp6-echoreply': 129, 'icmp6-multicastlistenerquery': 130, 'icmp6-multicastlistenerreportv1': 131,
  'icmp6-multicastlistenerdone': 132, 'icmp6-routersolicit': 133, 'icmp6-routeradvert': 134, 'icmp6-neighborsolicit': 135,
  'icmp6-neighboradvert': 136, 'icmp6-redirect': 137, 'icmp6-multicastlistenerreportv2': 143,
};

const ACCESS_LAYERS = new Set<string>(['ether', 'ip', 'ip6', 'tcp', 'udp', 'icmp', 'icmp6', 'sctp', 'igmp']);
const RELATIONS: Record<string, Relation> = { '=': '=', '==': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

function number(tok: string | undefined, what: string, max: number): number {
  if (tok === undefined) throw new FilterSyntaxError(`expected ${what}, got end of filter`);
  const n = /^0x[0-9a-f]+$/i.test(tok) ? parseInt(tok, 16) : /^\d+$/.test(tok) ? Number(tok) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new FilterSyntaxError(`expected ${what} (0..${max}), got "${tok}"`);
  return n;
}

/**
 * Parse a filter expression (the language above) into a builder expression.
 * Throws {@link FilterSyntaxError}.
 */
export function parseFilter(text: string): FilterExpression {
  if (typeof text !== 'string') throw invalidArgType('filter', 'of type string', text);
  const toks = tokenize(text);
  let i = 0;
  let depth = 0;
  // Like libpcap: each `vlan` moves the offsets of everything parsed after it.
  let off: LinkOffset = FIXED;
  let vlans = 0;
  const peek = (): string | undefined => toks[i]?.toLowerCase();
  const next = (): string | undefined => toks[i++];
  const nextLower = (): string | undefined => next()?.toLowerCase();
  const expect = (t: string): void => {
    const got = next();
    if (got?.toLowerCase() !== t) throw new FilterSyntaxError(`expected "${t}", got ${got === undefined ? 'end of filter' : `"${got}"`}`);
  };

  const value = (what: string): number => {
    const t = next();
    if (t === undefined) throw new FilterSyntaxError(`expected ${what}, got end of filter`);
    if (t === '(') {
      let v = value(what);
      while (peek() === '|') {
        next();
        v |= value(what);
      }
      expect(')');
      return v >>> 0;
    }
    const named = NAMED[t.toLowerCase()];
    if (named !== undefined) return named;
    return number(t, what, 0xffffffff);
  };

  const access = (layer: AccessLayer): FilterExpression => {
    expect('[');
    const spec = next();
    if (spec === undefined) throw new FilterSyntaxError(`expected an offset after "${layer}["`);
    const [o, sz] = spec.split(':') as [string, string | undefined];
    const offset = NAMED[o.toLowerCase()] ?? number(o, 'an offset', 0xffff);
    const size = sz === undefined ? 1 : Number(sz);
    if (size !== 1 && size !== 2 && size !== 4) throw new FilterSyntaxError(`the size in ${layer}[${spec}] must be 1, 2 or 4`);
    expect(']');
    let mask: number | undefined;
    if (peek() === '&') {
      next();
      mask = value('a mask');
    }
    const relTok = next();
    const rel = relTok === undefined ? undefined : RELATIONS[relTok];
    if (!rel) throw new FilterSyntaxError(`expected a comparison (=, !=, <, <=, >, >=) after ${layer}[${spec}], got ${relTok === undefined ? 'end of filter' : `"${relTok}"`}`);
    return accessTest(off, layer, offset, size, mask, rel, value('a value'));
  };

  const address = (dir: Direction, kind: 'host' | 'net'): FilterExpression => {
    const a = next();
    if (a === undefined) throw new FilterSyntaxError(`expected an address after "${kind}"`);
    const [ip, len] = a.split('/') as [string, string | undefined];
    let bytes: Buffer;
    try {
      bytes = ipToBytes(ip, 'address');
    } catch {
      throw new FilterSyntaxError(`"${a}" is not an IPv4 or IPv6 ${kind === 'net' ? 'network (a.b.c.d/n, x::/n)' : 'address'}`);
    }
    const max = bytes.length * 8;
    if (kind === 'host' && len !== undefined) throw new FilterSyntaxError(`"${a}": a host has no prefix length (use "net ${a}")`);
    const prefix = len === undefined ? max : number(len, 'a prefix length', max);
    if (bytes.length === 4) {
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      const addr = bytes.readUInt32BE(0);
      if (((addr & ~mask) >>> 0) !== 0) throw new FilterSyntaxError(`"${a}": non-network bits set (tcpdump refuses it too)`);
      return ipv4Host(off, addr, mask, dir);
    }
    return ipv6Host(off, bytes, prefix, dir);
  };

  const ports = (protos: readonly number[], dir: Direction): FilterExpression => {
    const kind = nextLower();
    const v = next();
    if (kind === 'port') {
      const p = number(v, 'a port number', 65535);
      return portTest(off, protos, p, p, dir);
    }
    const m = v === undefined ? null : /^(\d+)-(\d+)$/.exec(v);
    if (!m) throw new FilterSyntaxError(`expected a range like 1000-2000 after "portrange", got ${v === undefined ? 'end of filter' : `"${v}"`}`);
    const lo = number(m[1], 'a port number', 65535);
    const hi = number(m[2], 'a port number', 65535);
    return portTest(off, protos, Math.min(lo, hi), Math.max(lo, hi), dir);
  };

  /** After src/dst (or none): host, net, port, portrange, or a bare address. */
  const qualified = (dir: Direction, protos?: readonly number[]): FilterExpression => {
    const t = peek();
    if (t === 'port' || t === 'portrange') return ports(protos ?? PORT_PROTOCOLS, dir);
    if (protos) throw new FilterSyntaxError(`expected "port" or "portrange", got ${t === undefined ? 'end of filter' : `"${toks[i]}"`}`);
    if (t === 'host' || t === 'net') {
      next();
      return address(dir, t);
    }
    if (t !== undefined && (/^[0-9.]+$/.test(t) || t.includes(':'))) return address(dir, 'host');
    throw new FilterSyntaxError(`expected host, net, port or portrange${dir !== 'either' ? ` after "${dir}"` : ''}, got ${t === undefined ? 'end of filter' : `"${toks[i]}"`}`);
  };

  const direction = (): Direction => {
    const t = peek();
    if (t === 'src' || t === 'dst') {
      next();
      return t;
    }
    return 'either';
  };

  const protoNumber = (): number => {
    const t = next();
    if (t === undefined) throw new FilterSyntaxError('expected a protocol number or name after "proto"');
    const named = PROTO_NAMES[t.replace(/^\\/, '').toLowerCase()];
    return named ?? number(t, 'a protocol number', 255);
  };

  const primitive = (): FilterExpression => {
    const t = peek();
    if (t === undefined) throw new FilterSyntaxError('expected a filter term, got end of filter');
    if (ACCESS_LAYERS.has(t) && toks[i + 1] === '[') {
      next();
      return access(t as AccessLayer);
    }
    next();
    switch (t) {
      case 'ether': {
        const what = nextLower();
        if (what === 'proto') return etherTypeAt(off, number(next(), 'an EtherType', 0xffff));
        if (what === 'broadcast') return etherBroadcast();
        if (what === 'multicast') return etherMulticast();
        if (what === 'src' || what === 'dst' || what === 'host') {
          const dir: Direction = what === 'host' ? 'either' : what;
          if (dir !== 'either' && peek() === 'host') next();
          const m = next();
          if (!m) throw new FilterSyntaxError(`expected a MAC address after "ether ${what}"`);
          try {
            return macDir(parseMac(m, 'mac'), dir);
          } catch {
            throw new FilterSyntaxError(`"${m}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
          }
        }
        throw new FilterSyntaxError(`expected proto, src, dst, host, broadcast or multicast after "ether", got ${what === undefined ? 'end of filter' : `"${what}"`}`);
      }
      case 'broadcast':
        return etherBroadcast();
      case 'multicast':
        return etherMulticast();
      case 'vlan': {
        const id = peek() !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(peek() as string) ? number(next(), 'a VLAN id', 4095) : undefined;
        const r = vlanTest(off, vlans === 0, id);
        vlans++;
        off = r.after;
        return r.expression;
      }
      case 'ip':
        if (peek() === 'proto') return next(), ipv4Proto(off, protoNumber());
        if (peek() === 'multicast') return next(), allOf([etherTypeAt(off, ETH_IPV4), atomGe(ldAt(off, BPF.B, 30), 224)]);
        return etherTypeAt(off, ETH_IPV4);
      case 'ip6':
        if (peek() === 'proto') return next(), ipv6Proto(off, protoNumber());
        if (peek() === 'multicast') return next(), allOf([etherTypeAt(off, ETH_IPV6), eq(ldAt(off, BPF.B, 38), 0xff)]);
        return etherTypeAt(off, ETH_IPV6);
      case 'proto': {
        const n = protoNumber();
        return anyOf([ipv4Proto(off, n), ipv6Proto(off, n)]);
      }
      case 'arp':
        return etherTypeAt(off, ETH_ARP);
      case 'rarp':
        return etherTypeAt(off, ETH_RARP);
      case 'tcp':
      case 'udp':
      case 'sctp': {
        const p = PROTO_NAMES[t] as number;
        const u = peek();
        if (u === 'port' || u === 'portrange' || u === 'src' || u === 'dst') return qualified(direction(), [p]);
        return anyOf([ipv4Proto(off, p), ipv6Proto(off, p)]);
      }
      case 'icmp':
        return ipv4Proto(off, 1);
      case 'igmp':
        return ipv4Proto(off, 2);
      case 'icmp6':
        return ipv6Proto(off, 58);
      case 'src':
      case 'dst':
        return qualified(t);
      case 'host':
      case 'net':
      case 'port':
      case 'portrange':
        i--;
        return qualified('either');
      case 'less':
      case 'greater':
        return lengthTest(t, number(next(), 'a length', 0xffffffff));
      default:
        throw new FilterSyntaxError(
          `unknown filter term "${toks[i - 1]}" (known: ether, vlan, ip, ip6, arp, rarp, tcp, udp, sctp, icmp, icmp6, igmp, proto, host, net, port, portrange, src, dst, less, greater, broadcast, multicast, and, or, not)`,
        );
    }
  };

  const factor = (): FilterExpression => {
    const t = peek();
    if (t === 'not' || t === '!' || t === '(') {
      if (++depth > MAX_FILTER_DEPTH) throw new FilterSyntaxError(`nested too deeply (more than ${MAX_FILTER_DEPTH} levels of parentheses or not)`);
      next();
      let e: FilterExpression;
      if (t === '(') {
        e = expr();
        if (next() !== ')') throw new FilterSyntaxError('missing ")"');
      } else e = negate(factor());
      depth--;
      return e;
    }
    return primitive();
  };
  // As in libpcap, `and` and `or` have the same precedence and group left to right: "a or b and c" is "(a or b) and c".
  const expr = (): FilterExpression => {
    let left = factor();
    for (;;) {
      const op = peek();
      const kind = op === 'and' || op === '&&' ? 'and' : op === 'or' || op === '||' ? 'or' : undefined;
      if (!kind) return left;
      next();
      const right = factor();
      // Flatten runs of one operator so long chains stay shallow.
      left = left.kind === kind ? { kind, items: [...left.items, right] } : kind === 'and' ? allOf([left, right]) : anyOf([left, right]);
    }
  };

  if (toks.length === 0) throw new FilterSyntaxError('empty filter');
  const e = expr();
  if (i < toks.length) throw new FilterSyntaxError(`unexpected "${toks[i]}" (join terms with and/or)`);
  return e;
}

function atomGe(load: ReturnType<typeof ldAt>, k: number): FilterExpression {
  return { kind: 'atom', load, op: BPF.JGE, k };
}
