/**
 * The pure half of `createTopology()`: validates the options and computes
 * everything about the topology (segments, addresses, MACs, interface names,
 * routes, qdiscs) without touching the system, so it is testable unprivileged.
 * @internal
 * @module
 */
import { invalidArgType, invalidArgValue, outOfRange } from '../core/errors';

/** What a node is: a host, a router (a host that forwards) or a switch (a Linux bridge). */
export type NodeKind = 'host' | 'router' | 'switch';

/** Per-link settings: the third element of a link tuple. */
export interface LinkOptions {
  /** MTU of both ends (default: the topology's `mtu`, 1500). */
  mtu?: number;
  /**
   * Rate limit of each direction, enforced by a `tbf` qdisc on both ends:
   * bits per second as a number, or tc-style text ('10mbit', '500kbit', '1gbit').
   */
  rate?: number | string;
  /** One-way delay in milliseconds, added in each direction (netem; needs sch_netem). */
  delay?: number;
  /** Delay variation in milliseconds (netem; needs `delay`). */
  jitter?: number;
  /** Packet loss in percent, 0..100, in each direction (netem). */
  loss?: number;
  /** Interface names at the two ends, in link order (default veth0, veth1, ... per node). */
  names?: [string | undefined, string | undefined] | [string | undefined];
  /** Give the host ends addresses (default true); false leaves them for DHCP or a test to assign. */
  addresses?: boolean;
}

/** A link: two node names, optionally with {@link LinkOptions}. */
export type LinkSpec = [string, string] | [string, string, LinkOptions];

/** What {@link createTopology} builds. */
export interface TopologyOptions {
  /** Host names (each a private network namespace). */
  hosts?: string[];
  /** Router names: hosts with IPv4 and IPv6 forwarding on. */
  routers?: string[];
  /** Switch names: a Linux bridge each, in its own namespace (multicast snooping off). */
  switches?: string[];
  /** Links between any two nodes: `['a', 'b']` or `['a', 's1', { rate: '10mbit' }]`. */
  links?: LinkSpec[];
  /** Default MTU of every link (default 1500). */
  mtu?: number;
  /** Add IPv6 ULA addresses and routes (default true). */
  ipv6?: boolean;
  /**
   * Make every namespace visible to `ip netns` as `/run/netns/<prefix>-<node>`
   * (removed on destroy and on any exit). `true` uses the prefix
   * `sockit-<pid>-<n>`; a string is the prefix. Needs a writable /run/netns
   * (root in the initial mount namespace).
   */
  netnsNames?: boolean | string;
}

/** Shaping of one link, normalized. */
export interface LinkShape {
  /** Bits per second (tbf), if limited. */
  rate?: number;
  /** Milliseconds each way (netem). */
  delay?: number;
  /** Milliseconds (netem). */
  jitter?: number;
  /** Percent (netem). */
  loss?: number;
}

/** @internal One interface of the plan. */
export interface PlanInterface {
  node: string;
  kind: NodeKind;
  name: string;
  mac: string;
  link: number;
  /** Segment index, -1 for switch ports (they carry no address). */
  segment: number;
  v4: string;
  v6: string;
  peerNode: string;
  peerInterface: string;
}

/** @internal A route of the plan. */
export interface PlanRoute {
  family: 'ipv4' | 'ipv6';
  destination: string;
  via: string;
  interface: string;
}

/** @internal */
export interface PlanNode {
  name: string;
  kind: NodeKind;
  netnsName: string | undefined;
  interfaces: PlanInterface[];
  routes: PlanRoute[];
}

/** @internal */
export interface PlanSegment {
  index: number;
  subnet: string;
  subnet6: string;
  switches: string[];
  members: PlanInterface[];
}

/** @internal */
export interface PlanLink {
  index: number;
  ends: [PlanInterface, PlanInterface];
  mtu: number;
  shape: LinkShape;
  segment: number;
}

/** @internal The whole computed topology. */
export interface Plan {
  nodes: PlanNode[];
  links: PlanLink[];
  segments: PlanSegment[];
  ipv6: boolean;
  netnsPrefix: string | undefined;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
const MAX_SEGMENTS = 512;

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** 198.18.0.0/15 split in /24s: segment k → 198.18.k.0/24, then 198.19.(k-256).0/24. */
export function segmentV4(k: number, host: number): string {
  return `198.${18 + (k >> 8)}.${k & 255}.${host}`;
}
/** fd00:5f::/48 split in /64s: segment k → fd00:5f:0:k::/64 (k = 0 → fd00:5f::/64). */
export function segmentV6(k: number, host: number | ''): string {
  const h = host === '' ? '' : host.toString(16);
  return k === 0 ? `fd00:5f::${h}` : `fd00:5f:0:${k.toString(16)}::${h}`;
}

/** Parse a rate: bits/s as a number, or '10mbit' / '1.5gbit' / '800kbit' / '9600bit'. */
export function parseRate(rate: unknown, name: string): number {
  let bits: number;
  if (typeof rate === 'number') bits = rate;
  else if (typeof rate === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)\s*$/i.exec(rate);
    if (!m) throw invalidArgValue(name, rate, "must be bits per second or text like '10mbit', '500kbit', '1gbit'");
    bits = Number(m[1]) * { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 }[(m[2] as string).toLowerCase() as 'bit'];
  } else throw invalidArgType(name, "a number (bit/s) or a string like '10mbit'", rate);
  if (!Number.isFinite(bits) || bits < 8000 || bits > 400e9) throw outOfRange(name, '>= 8kbit and <= 400gbit', rate);
  return Math.round(bits);
}

function nonNegative(v: unknown, name: string, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArgType(name, 'a finite number', v);
  if (v < 0 || v > max) throw outOfRange(name, `>= 0 and <= ${max}`, v);
  return v;
}

function nameList(v: unknown, what: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalidArgType(`options.${what}`, 'an array of names', v);
  for (const n of v) {
    if (typeof n !== 'string' || !NAME.test(n)) throw invalidArgValue(`options.${what}`, n, 'must hold names of letters, digits, _ . - (at most 32)');
  }
  return v as string[];
}

/** Validate options and compute the topology. Throws TypeError/RangeError on misuse, before anything is built. */
export function makePlan(options: TopologyOptions, defaultPrefix: () => string): Plan {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options);
  const hosts = nameList(options.hosts, 'hosts');
  const routers = nameList(options.routers, 'routers');
  const switches = nameList(options.switches, 'switches');
  const all = [...hosts, ...routers, ...switches];
  if (all.length === 0) throw invalidArgValue('options.hosts', options.hosts, 'must name at least one host, router or switch');
  const dup = all.find((n, i) => all.indexOf(n) !== i);
  if (dup !== undefined) throw invalidArgValue('options', dup, 'names a node twice (host, router and switch names share one namespace)');
  const mtu = options.mtu === undefined ? 1500 : mtuOf(options.mtu, 'options.mtu');
  if (options.ipv6 !== undefined && typeof options.ipv6 !== 'boolean') throw invalidArgType('options.ipv6', 'a boolean', options.ipv6);
  const ipv6 = options.ipv6 ?? true;
  let netnsPrefix: string | undefined;
  if (options.netnsNames === true) netnsPrefix = defaultPrefix();
  else if (typeof options.netnsNames === 'string') {
    if (!NAME.test(options.netnsNames)) throw invalidArgValue('options.netnsNames', options.netnsNames, 'must be a prefix of letters, digits, _ . -');
    netnsPrefix = options.netnsNames;
  } else if (options.netnsNames !== undefined && options.netnsNames !== false) throw invalidArgType('options.netnsNames', 'a boolean or a prefix string', options.netnsNames);

  const kindOf = new Map<string, NodeKind>();
  for (const n of hosts) kindOf.set(n, 'host');
  for (const n of routers) kindOf.set(n, 'router');
  for (const n of switches) kindOf.set(n, 'switch');
  const nodes = new Map<string, PlanNode>();
  for (const n of all) nodes.set(n, { name: n, kind: kindOf.get(n) as NodeKind, netnsName: netnsPrefix === undefined ? undefined : `${netnsPrefix}-${n}`, interfaces: [], routes: [] });

  const specs = options.links ?? [];
  if (!Array.isArray(specs)) throw invalidArgType('options.links', 'an array of [a, b] or [a, b, options]', specs);
  // Switches joined by links form one segment; a loop would flood forever (STP is off).
  const parent = new Map<string, string>(switches.map((s) => [s, s]));
  const find = (s: string): string => {
    let r = s;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    return r;
  };
  const parsed = specs.map((spec, i) => {
    const where = `options.links[${i}]`;
    if (!Array.isArray(spec) || spec.length < 2 || spec.length > 3) throw invalidArgType(where, "[a, b] or [a, b, { mtu, rate, delay, ... }]", spec);
    const [a, b, o = {}] = spec as [unknown, unknown, LinkOptions?];
    for (const n of [a, b]) if (typeof n !== 'string' || !nodes.has(n)) throw invalidArgValue(where, n, `names no node of this topology (nodes: ${all.join(', ')})`);
    if (a === b) throw invalidArgValue(where, a, 'links a node to itself');
    if (o === null || typeof o !== 'object') throw invalidArgType(`${where}[2]`, 'an object of link options', o);
    const known = ['mtu', 'rate', 'delay', 'jitter', 'loss', 'names', 'addresses'];
    for (const k of Object.keys(o)) if (!known.includes(k)) throw invalidArgValue(`${where}[2]`, k, `is not a link option (${known.join(', ')})`);
    const shape: LinkShape = {};
    if (o.rate !== undefined) shape.rate = parseRate(o.rate, `${where}[2].rate`);
    if (o.delay !== undefined) shape.delay = nonNegative(o.delay, `${where}[2].delay`, 60_000);
    if (o.jitter !== undefined) {
      shape.jitter = nonNegative(o.jitter, `${where}[2].jitter`, 60_000);
      if (shape.delay === undefined) throw invalidArgValue(`${where}[2].jitter`, o.jitter, 'needs a delay to vary');
    }
    if (o.loss !== undefined) shape.loss = nonNegative(o.loss, `${where}[2].loss`, 100);
    if (o.addresses !== undefined && typeof o.addresses !== 'boolean') throw invalidArgType(`${where}[2].addresses`, 'a boolean', o.addresses);
    const names = o.names ?? [];
    if (!Array.isArray(names) || names.length > 2) throw invalidArgType(`${where}[2].names`, 'an array of up to two interface names', names);
    for (const n of names) if (n !== undefined && (typeof n !== 'string' || !IFNAME.test(n))) throw invalidArgValue(`${where}[2].names`, n, 'must be interface names (at most 15 letters, digits, _ . -)');
    const ka = kindOf.get(a as string) as NodeKind;
    const kb = kindOf.get(b as string) as NodeKind;
    if (ka === 'switch' && kb === 'switch') {
      const ra = find(a as string);
      const rb = find(b as string);
      if (ra === rb) throw invalidArgValue(where, `${a}-${b}`, 'closes a loop of switches (no spanning tree runs; the loop would flood forever)');
      parent.set(ra, rb);
    }
    return { a: a as string, b: b as string, mtu: o.mtu === undefined ? mtu : mtuOf(o.mtu, `${where}[2].mtu`), shape, names, addresses: o.addresses ?? true };
  });

  const segments: PlanSegment[] = [];
  const switchSegment = new Map<string, PlanSegment>();
  const newSegment = (): PlanSegment => {
    const k = segments.length;
    if (k >= MAX_SEGMENTS) throw outOfRange('options.links', `at most ${MAX_SEGMENTS} segments (198.18.0.0/15 in /24s)`, specs.length);
    const s: PlanSegment = { index: k, subnet: `${segmentV4(k, 0)}/24`, subnet6: `${segmentV6(k, '')}/64`, switches: [], members: [] };
    segments.push(s);
    return s;
  };
  const segmentOfSwitch = (sw: string): PlanSegment => {
    const root = find(sw);
    let s = switchSegment.get(root);
    if (!s) {
      s = newSegment();
      s.switches = switches.filter((x) => find(x) === root);
      switchSegment.set(root, s);
    }
    return s;
  };
  const ifname = (node: PlanNode, wanted: string | undefined, where: string): string => {
    if (wanted !== undefined) {
      if (node.interfaces.some((i) => i.name === wanted)) throw invalidArgValue(where, wanted, `is already an interface of ${node.name}`);
      return wanted;
    }
    for (let n = node.interfaces.length; ; n++) if (!node.interfaces.some((i) => i.name === `veth${n}`)) return `veth${n}`;
  };

  const links: PlanLink[] = parsed.map((l, i) => {
    const na = nodes.get(l.a) as PlanNode;
    const nb = nodes.get(l.b) as PlanNode;
    const where = `options.links[${i}][2].names`;
    const mk = (node: PlanNode, end: 0 | 1, peer: PlanNode): PlanInterface => ({
      node: node.name,
      kind: node.kind,
      name: ifname(node, l.names[end], where),
      mac: `02:5f:${hex2(end)}:${hex2(i >> 8)}:${hex2(i & 255)}:${hex2(node.kind === 'switch' ? 0xff : 1)}`,
      link: i,
      segment: -1,
      v4: '',
      v6: '',
      peerNode: peer.name,
      peerInterface: '',
    });
    const ea = mk(na, 0, nb);
    na.interfaces.push(ea);
    const eb = mk(nb, 1, na);
    nb.interfaces.push(eb);
    ea.peerInterface = eb.name;
    eb.peerInterface = ea.name;
    let seg: PlanSegment | undefined;
    if (na.kind === 'switch' && nb.kind === 'switch') seg = undefined;
    else if (na.kind === 'switch') seg = segmentOfSwitch(na.name);
    else if (nb.kind === 'switch') seg = segmentOfSwitch(nb.name);
    else seg = newSegment();
    for (const e of [ea, eb]) {
      if (e.kind === 'switch' || !seg) continue;
      if (seg.members.some((m) => m.node === e.node)) {
        throw invalidArgValue(`options.links[${i}]`, `${l.a}-${l.b}`, `joins ${e.node} to segment ${seg.subnet} a second time`);
      }
      e.segment = seg.index;
      if (l.addresses) {
        const host = seg.members.filter((m) => m.v4 !== '').length + 1;
        if (host > 254) throw outOfRange(`options.links[${i}]`, 'at most 254 addressed hosts per switch', host);
        e.v4 = segmentV4(seg.index, host);
        if (ipv6) e.v6 = segmentV6(seg.index, host);
      }
      seg.members.push(e);
    }
    return { index: i, ends: [ea, eb], mtu: l.mtu, shape: l.shape, segment: seg ? seg.index : -1 };
  });

  for (const node of nodes.values()) if (node.kind !== 'switch') node.routes = routesOf(node, nodes, segments, ipv6);
  return { nodes: [...nodes.values()], links, segments, ipv6, netnsPrefix };
}

function mtuOf(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidArgType(name, 'an integer', v);
  if (v < 68 || v > 65535) throw outOfRange(name, '>= 68 and <= 65535', v);
  return v;
}

/**
 * Static routes for one node: every segment it is not on, via the nearest
 * router (breadth-first over routers only: hosts do not forward), plus a
 * default route when exactly one router sits on the node's own segments.
 */
function routesOf(node: PlanNode, nodes: Map<string, PlanNode>, segments: PlanSegment[], ipv6: boolean): PlanRoute[] {
  const addressed = (i: PlanInterface): boolean => i.segment >= 0 && i.v4 !== '';
  const own = new Set(node.interfaces.filter(addressed).map((i) => i.segment));
  type Hop = { v4: string; v6: string; dev: string };
  const routeTo = new Map<number, Hop>();
  const visited = new Set<string>([node.name]);
  let frontier: Array<{ router: string; hop: Hop }> = [];
  const adjacent = new Set<string>();
  for (const mine of node.interfaces.filter(addressed)) {
    for (const m of (segments[mine.segment] as PlanSegment).members) {
      if (m.kind !== 'router' || !addressed(m) || visited.has(m.node)) continue;
      visited.add(m.node);
      adjacent.add(m.node);
      frontier.push({ router: m.node, hop: { v4: m.v4, v6: m.v6, dev: mine.name } });
    }
  }
  const first = frontier[0];
  while (frontier.length) {
    const next: typeof frontier = [];
    for (const { router, hop } of frontier) {
      for (const ri of (nodes.get(router) as PlanNode).interfaces.filter(addressed)) {
        if (!own.has(ri.segment) && !routeTo.has(ri.segment)) routeTo.set(ri.segment, hop);
        for (const m of (segments[ri.segment] as PlanSegment).members) {
          if (m.kind !== 'router' || !addressed(m) || visited.has(m.node)) continue;
          visited.add(m.node);
          next.push({ router: m.node, hop });
        }
      }
    }
    frontier = next;
  }
  const out: PlanRoute[] = [];
  if (node.kind !== 'router' && adjacent.size === 1 && first) {
    out.push({ family: 'ipv4', destination: 'default', via: first.hop.v4, interface: first.hop.dev });
    if (ipv6) out.push({ family: 'ipv6', destination: 'default', via: first.hop.v6, interface: first.hop.dev });
  }
  for (const [k, hop] of [...routeTo].sort((x, y) => x[0] - y[0])) {
    const seg = segments[k] as PlanSegment;
    out.push({ family: 'ipv4', destination: seg.subnet, via: hop.v4, interface: hop.dev });
    if (ipv6) out.push({ family: 'ipv6', destination: seg.subnet6, via: hop.v6, interface: hop.dev });
  }
  return out;
}

/** The tc qdisc commands (for `tc -batch`) that shape one interface, or none. */
export function qdiscCommands(dev: string, mtu: number, shape: LinkShape): string[] {
  const out: string[] = [];
  const netem = shape.delay !== undefined || shape.loss !== undefined;
  let parent = 'root';
  if (netem) {
    let args = '';
    if (shape.delay !== undefined) args += ` delay ${shape.delay}ms${shape.jitter !== undefined ? ` ${shape.jitter}ms` : ''}`;
    if (shape.loss !== undefined) args += ` loss ${shape.loss}%`;
    out.push(`qdisc add dev ${dev} root handle 1: netem${args}`);
    parent = 'parent 1:1 handle 10:';
  }
  if (shape.rate !== undefined) {
    // Burst: 2 ms worth of bytes, at least two full frames, so a frame never exceeds it.
    const burst = Math.max(2 * (mtu + 14), Math.ceil(shape.rate / 8 / 500));
    out.push(`qdisc add dev ${dev} ${parent} tbf rate ${shape.rate}bit burst ${burst} latency 100ms`);
  }
  return out;
}
