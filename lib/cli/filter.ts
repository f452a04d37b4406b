/**
 * A small pcap-filter-style expression language for `sockit sniff --filter`,
 * compiled with sockit's BPF builder (no libpcap):
 *
 *   ether proto 0x88b5 | ether src|dst|host MAC | vlan [ID] | ip | ip6 | arp
 *   udp | tcp | icmp | icmp6 | ip proto N | [udp|tcp] [src|dst] port N
 *   combined with and/&&, or/||, not/!, and parentheses.
 *
 * `tcpdump -dd` output (lines like `{ 0x28, 0, 0, 0x0000000c },`) is accepted
 * as is, for anything this language cannot say.
 * @module
 */
import * as bpf from '../formats/bpf/builder';
import type { FilterExpression } from '../formats/bpf/builder';

/** A filter that does not parse; `message` says where and what was expected. */
export class FilterSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

function tokenize(s: string): string[] {
  const out: string[] = [];
  const re = /\s*(\(|\)|&&|\|\||!|[^\s()!&|]+)/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    m = re.exec(s);
    if (!m) {
      if (/^\s*$/.test(s.slice(pos))) break;
      throw new FilterSyntaxError(`unexpected "${s.slice(pos).trim()}"`);
    }
    out.push(m[1] as string);
    pos = re.lastIndex;
  }
  return out;
}

function num(tok: string | undefined, what: string, max: number): number {
  if (tok === undefined) throw new FilterSyntaxError(`expected ${what}, got end of filter`);
  const n = /^0x[0-9a-f]+$/i.test(tok) ? parseInt(tok, 16) : /^\d+$/.test(tok) ? Number(tok) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new FilterSyntaxError(`expected ${what} (0..${max}), got "${tok}"`);
  return n;
}

/** Parse a filter expression into a builder expression. */
export function parseFilter(text: string): FilterExpression {
  const toks = tokenize(text);
  let i = 0;
  const peek = (): string | undefined => toks[i]?.toLowerCase();
  const next = (): string | undefined => toks[i++];

  const port = (proto: 'udp' | 'tcp' | 'both'): FilterExpression => {
    let dir: bpf.Direction = 'either';
    if (peek() === 'src' || peek() === 'dst') dir = next()?.toLowerCase() as bpf.Direction;
    if (peek() !== 'port') throw new FilterSyntaxError(`expected "port" after "${toks[i - 1]}"`);
    next();
    const p = num(next(), 'a port number', 65535);
    if (proto === 'udp') return bpf.udpPort(p, dir);
    if (proto === 'tcp') return bpf.tcpPort(p, dir);
    return bpf.or(bpf.udpPort(p, dir), bpf.tcpPort(p, dir));
  };

  const primitive = (): FilterExpression => {
    const t = peek();
    if (t === undefined) throw new FilterSyntaxError('expected a filter term, got end of filter');
    next();
    switch (t) {
      case 'ether': {
        const what = next()?.toLowerCase();
        if (what === 'proto') return bpf.etherType(num(next(), 'an EtherType', 0xffff));
        if (what === 'src' || what === 'dst' || what === 'host') {
          const mac = next();
          if (!mac) throw new FilterSyntaxError(`expected a MAC address after "ether ${what}"`);
          try {
            return what === 'host' ? bpf.mac(mac) : what === 'src' ? bpf.srcMac(mac) : bpf.dstMac(mac);
          } catch {
            throw new FilterSyntaxError(`"${mac}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
          }
        }
        throw new FilterSyntaxError(`expected proto, src, dst or host after "ether", got "${what ?? 'end of filter'}"`);
      }
      case 'vlan':
        if (peek() !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(peek() as string)) return bpf.vlan(num(next(), 'a VLAN id', 4095));
        return bpf.vlan();
      case 'ip':
        if (peek() === 'proto') {
          next();
          return bpf.ipProtocol(num(next(), 'an IP protocol number', 255), 'ipv4');
        }
        return bpf.ipv4();
      case 'ip6':
        return bpf.ipv6();
      case 'arp':
        return bpf.etherType(0x0806);
      case 'udp':
      case 'tcp':
        if (peek() === 'port' || peek() === 'src' || peek() === 'dst') return port(t);
        return bpf.ipProtocol(t);
      case 'icmp':
        return bpf.ipProtocol('icmp', 'ipv4');
      case 'icmp6':
        return bpf.ipProtocol('icmpv6', 'ipv6');
      case 'src':
      case 'dst':
      case 'port':
        i--;
        return port('both');
      default:
        throw new FilterSyntaxError(`unknown filter term "${toks[i - 1]}" (known: ether proto|src|dst|host, vlan, ip, ip6, arp, udp, tcp, icmp, icmp6, port, and, or, not)`);
    }
  };

  const factor = (): FilterExpression => {
    const t = peek();
    if (t === 'not' || t === '!') {
      next();
      return bpf.not(factor());
    }
    if (t === '(') {
      next();
      const e = expr();
      if (next() !== ')') throw new FilterSyntaxError('missing ")"');
      return e;
    }
    return primitive();
  };
  const term = (): FilterExpression => {
    const items = [factor()];
    while (peek() === 'and' || peek() === '&&') {
      next();
      items.push(factor());
    }
    return items.length === 1 ? (items[0] as FilterExpression) : bpf.and(...items);
  };
  const expr = (): FilterExpression => {
    const items = [term()];
    while (peek() === 'or' || peek() === '||') {
      next();
      items.push(term());
    }
    return items.length === 1 ? (items[0] as FilterExpression) : bpf.or(...items);
  };

  if (toks.length === 0) throw new FilterSyntaxError('empty filter');
  const e = expr();
  if (i < toks.length) throw new FilterSyntaxError(`unexpected "${toks[i]}" (join terms with and/or)`);
  return e;
}

/** `tcpdump -dd` text? */
export function looksLikeTcpdumpDd(text: string): boolean {
  return /^\s*\{\s*0x[0-9a-f]+\s*,/i.test(text);
}
