/**
 * `sockit/testing`: multi-host network tests on one machine, Mininet-style.
 *
 * `createTopology()` builds hosts, routers and switches, each a private
 * network namespace, joined by veth links: hosts on a switch share one L2
 * segment (a Linux bridge), routers forward IPv4 and IPv6 between segments
 * and every host gets static routes computed from the graph. Links can have
 * an MTU, a rate (tbf) and delay/jitter/loss (netem). Addresses come from
 * 198.18.0.0/15 (RFC 2544 benchmarking range) and IPv6 ULA fd00:5f::/48, one
 * /24 and one /64 per segment.
 *
 * Each namespace is held open by a small `unshare` process whose stdin is a
 * pipe from this process: when this process exits, for any reason (SIGKILL
 * included), the holders exit and the kernel removes the namespaces and
 * their links; holders of `ip netns` names remove the names first.
 * `destroy()` removes everything at once.
 *
 * Needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root, or a user namespace).
 * @module
 */
import { ChildProcess, execFileSync, spawn, SpawnOptions } from 'node:child_process';
import { readlinkSync, statSync } from 'node:fs';
import { invalidArgValue } from '../core/errors';
import { interfaces } from '../system/interfaces';
import { makePlan, qdiscCommands } from './plan';
import type { NodeKind, Plan, PlanInterface, PlanNode, TopologyOptions } from './plan';
import { TopologyError } from './error';
import { startCapture } from './capture';
import type { Capture, CaptureOptions } from './capture';
import { pingNodes } from './ping';
import type { PingOptions, PingResult } from './ping';
import { describeTopology } from './describe';

export type { LinkOptions, LinkSpec, LinkShape, NodeKind, TopologyOptions } from './plan';
export { TopologyError } from './error';
export type { TopologyErrorCode } from './error';
export type { Capture, CaptureOptions, CaptureSummary } from './capture';
export type { PingOptions, PingResult } from './ping';

/** Another host or router on the same segment as an interface. */
export interface Neighbor {
  /** Its node name. */
  node: string;
  /** Its interface on the segment. */
  interface: string;
  /** Its IPv4 address there ('' when unaddressed). */
  address: string;
  /** Its IPv6 address there ('' when unaddressed or `ipv6: false`). */
  address6: string;
  /** Its MAC address. */
  mac: string;
}

/** One end of a link, as seen from its host or router. */
export interface HostInterface {
  /** Interface name inside the host (veth0, veth1, ... unless the link named it). */
  name: string;
  /** The host or router this interface belongs to. */
  node: string;
  /** IPv4 address (no prefix; '' when the link has `addresses: false`). */
  address: string;
  /** IPv6 ULA address (no prefix; '' when unaddressed or `ipv6: false`). */
  address6: string;
  /** IPv4 prefix length (24). */
  prefix: number;
  /** IPv6 prefix length (64). */
  prefix6: number;
  /** The segment's IPv4 subnet ('198.18.3.0/24'). */
  subnet: string;
  /** The segment's IPv6 subnet ('fd00:5f:0:3::/64'). */
  subnet6: string;
  /** The node at the other end of the link (a switch name for a switch port). */
  peer: string;
  /** The peer's interface name. */
  peerInterface: string;
  /** The peer's IPv4 address on this link ('' when the peer is a switch: see `neighbors`). */
  peerAddress: string;
  /** The peer's IPv6 address on this link ('' when the peer is a switch). */
  peerAddress6: string;
  /** The switch this interface is plugged into, if any. */
  switch: string | undefined;
  /** Every other host and router on this segment. */
  neighbors: Neighbor[];
  /** MAC address (locally administered, fixed by the link's position: 02:5f:...). */
  mac: string;
  /** Index of the link in `topology.links`. */
  link: number;
  /** MTU. */
  mtu: number;
}

/** One address of a host, as `interfaces()` reports addresses. */
export interface HostAddress {
  /** Interface name. */
  interface: string;
  /** 'ipv4' or 'ipv6'. */
  family: 'ipv4' | 'ipv6';
  /** The address. */
  address: string;
  /** Prefix length. */
  prefix: number;
  /** address/prefix. */
  cidr: string;
}

/** A static route installed on a host or router. */
export interface Route {
  /** 'ipv4' or 'ipv6'. */
  family: 'ipv4' | 'ipv6';
  /** Destination subnet, or 'default'. */
  destination: string;
  /** Next hop (a router's address on a shared segment). */
  via: string;
  /** Outgoing interface. */
  interface: string;
}

/** What every node (host, router, switch) has. */
export interface TopologyNode {
  /** The name given in `hosts`, `routers` or `switches`. */
  name: string;
  /** 'host', 'router' or 'switch'. */
  kind: NodeKind;
  /** Pass as `netns` to sockit constructors: `/proc/PID/ns/net`. */
  netns: string;
  /** The `ip netns` name with `netnsNames`, else undefined. */
  netnsName: string | undefined;
  /** PID of the holder process. */
  pid: number;
  /** Run a command inside the namespace (synchronously); returns stdout. */
  exec(cmd: string, args?: string[]): string;
  /** Start a command inside the namespace; it is killed at destroy(). */
  spawn(cmd: string, args?: string[], options?: SpawnOptions): ChildProcess;
}

/** A host (or a router: a host that forwards). */
export interface Host extends TopologyNode {
  /** 'host' or 'router'. */
  kind: 'host' | 'router';
  /** Its link ends, in link order. */
  interfaces: HostInterface[];
  /** First interface's name. */
  interface: string;
  /** First interface's IPv4 address. */
  address: string;
  /** First interface's IPv6 address. */
  address6: string;
  /** Every address on every interface, IPv4 then IPv6 per interface. */
  addresses: HostAddress[];
  /** The static routes installed (connected subnets not included). */
  routes: Route[];
}

/** A port of a switch: the switch's end of a link. */
export interface SwitchPort {
  /** Interface name in the switch's namespace (a bridge port). */
  name: string;
  /** MAC address. */
  mac: string;
  /** The node at the other end. */
  peer: string;
  /** Its interface name. */
  peerInterface: string;
  /** Index of the link in `topology.links`. */
  link: number;
}

/** A switch: a Linux bridge (`br0`) in its own namespace, STP and multicast snooping off. */
export interface Switch extends TopologyNode {
  /** 'switch'. */
  kind: 'switch';
  /** The bridge device's name in the switch's namespace ('br0'). */
  bridge: string;
  /** Its ports, in link order. */
  ports: SwitchPort[];
  /** The segment's IPv4 subnet ('' when no host is plugged in). */
  subnet: string;
  /** The segment's IPv6 subnet. */
  subnet6: string;
}

/** One end of a link. */
export interface LinkEnd {
  /** Node name. */
  node: string;
  /** Node kind. */
  kind: NodeKind;
  /** Interface name in that node. */
  interface: string;
  /** MAC address. */
  mac: string;
  /** IPv4 address ('' for switch ports and unaddressed ends). */
  address: string;
  /** IPv6 address ('' for switch ports and unaddressed ends). */
  address6: string;
}

/** A link (a veth pair) and its parameters. */
export interface Link {
  /** Position in `options.links`. */
  index: number;
  /** Its two ends, in the order given. */
  ends: [LinkEnd, LinkEnd];
  /** MTU of both ends. */
  mtu: number;
  /** Rate limit per direction in bit/s (tbf), if any. */
  rate: number | undefined;
  /** One-way delay in ms (netem), if any. */
  delay: number | undefined;
  /** Delay variation in ms (netem), if any. */
  jitter: number | undefined;
  /** Loss per direction in percent (netem), if any. */
  loss: number | undefined;
  /** The segment's IPv4 subnet ('' for a switch-to-switch link). */
  subnet: string;
  /** The segment's IPv6 subnet. */
  subnet6: string;
}

/** Where {@link Topology.capture} listens: a link, a host's interface, `'node'`, `'node:interface'` or `[a, b]`. */
export type CaptureTarget = Link | HostInterface | string | [string, string];

/** A built topology. */
export interface Topology {
  /** Hosts and routers by name. */
  hosts: Record<string, Host>;
  /** Switches by name. */
  switches: Record<string, Switch>;
  /** Links, in the order given. */
  links: Link[];
  /** A host or router by name; throws for an unknown name. */
  host(name: string): Host;
  /** A switch by name; throws for an unknown name. */
  switch(name: string): Switch;
  /** The first link between two nodes (either order); throws when there is none. */
  link(a: string, b: string): Link;
  /**
   * Check connectivity: from `from` to `to` (one address per family, or
   * every address with `{ all: true }`; a UDP echo, so both directions), or
   * between every pair of hosts and routers when both are omitted. Rejects with a {@link TopologyError}
   * (`ERR_TOPOLOGY_UNREACHABLE`) that lists what is unreachable and why,
   * followed by {@link Topology.describe}.
   */
  ping(from?: string, to?: string, options?: PingOptions): Promise<PingResult[]>;
  /**
   * Record one link into a pcap file with sockit's own PacketSocket (both
   * directions, promiscuous) until `stop()` or `destroy()`. The file defaults
   * to a new file in the OS temp directory (`capture.file`).
   */
  capture(target: CaptureTarget, file?: string, options?: CaptureOptions): Promise<Capture>;
  /** A text map of the topology (nodes, interfaces, addresses, routes, link parameters) for failure messages. */
  describe(): string;
  /**
   * Remove every namespace, name and link and kill what `spawn()` started
   * (synchronously; idempotent). The promise resolves once running captures
   * are flushed to their files.
   */
  destroy(): Promise<void>;
}

const live = new Set<Topology>();
let exitHook = false;
let topoCounter = 0;

function sh(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input: input ?? '' });
  } catch (e) {
    const err = e as { stderr?: string; message: string; code?: string };
    if (err.code === 'ENOENT') throw new TopologyError('ERR_TOPOLOGY_SETUP', `${cmd} is not installed (apt-get install iproute2 util-linux)`);
    throw new TopologyError('ERR_TOPOLOGY_SETUP', `${cmd} ${args.join(' ')} failed: ${(err.stderr || err.message).trim()}`, (err.stderr ?? '').trim());
  }
}

function nsenterArgs(pid: number, cmd: string, args: string[]): string[] {
  return [`--net=/proc/${pid}/ns/net`, '--', cmd, ...args];
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

// The holder: ignores terminal signals (its life is the pipe), waits for EOF,
// then drops its `ip netns` name, if any, so nothing outlives this process.
// The name is removed only if it is this namespace's (never another's that took it first).
const HOLDER = 'trap "" INT HUP TERM QUIT; read _; [ -n "$1" ] && [ "/run/netns/$1" -ef /proc/self/ns/net ] && ip netns delete "$1" 2>/dev/null; exit 0';

/**
 * Build the topology: one namespace per host, router and switch, veth links,
 * addresses, routes, bridges and qdiscs. Synchronous; tens of milliseconds for
 * a few hosts (`node scripts/bench/topology.mjs`).
 */
export function createTopology(options: TopologyOptions): Topology {
  const serial = topoCounter++;
  const plan = makePlan(options, () => `sockit-${process.pid}-${serial}`);
  const holders: ChildProcess[] = [];
  const children = new Set<ChildProcess>();
  const captures = new Set<Capture>();
  const hosts: Record<string, Host> = {};
  const switches: Record<string, Switch> = {};
  const pids = new Map<string, number>();
  let destroyed = false;

  const node = (name: string): Host | Switch => {
    const n = (hosts[name] as Host | undefined) ?? (switches[name] as Switch | undefined);
    if (!n) throw invalidArgValue('node', name, `is not a node of this topology (${plan.nodes.map((x) => x.name).join(', ')})`);
    return n;
  };
  const links = plan.links.map((l): Link => {
    const end = (e: PlanInterface): LinkEnd => ({ node: e.node, kind: e.kind, interface: e.name, mac: e.mac, address: e.v4, address6: e.v6 });
    const seg = plan.segments[l.segment];
    return {
      index: l.index,
      ends: [end(l.ends[0]), end(l.ends[1])],
      mtu: l.mtu,
      rate: l.shape.rate,
      delay: l.shape.delay,
      jitter: l.shape.jitter,
      loss: l.shape.loss,
      subnet: seg?.subnet ?? '',
      subnet6: seg?.subnet6 ?? '',
    };
  });

  const topo: Topology = {
    hosts,
    switches,
    links,
    host(name: string): Host {
      const h = hosts[name];
      if (!h) throw new Error(`no host ${name} in this topology`);
      return h;
    },
    switch(name: string): Switch {
      const s = switches[name];
      if (!s) throw new Error(`no switch ${name} in this topology`);
      return s;
    },
    link(a: string, b: string): Link {
      const l = links.find((x) => (x.ends[0].node === a && x.ends[1].node === b) || (x.ends[0].node === b && x.ends[1].node === a));
      if (!l) throw invalidArgValue('link', `${a}-${b}`, 'is not a link of this topology');
      return l;
    },
    ping(from?: string, to?: string, opts: PingOptions = {}): Promise<PingResult[]> {
      if (destroyed) return Promise.reject(new TopologyError('ERR_TOPOLOGY_DESTROYED', 'ping: this topology was destroyed'));
      if ((from === undefined) !== (to === undefined)) return Promise.reject(invalidArgValue('to', to, 'must be given with from (or omit both to ping every pair)'));
      const all = Object.values(hosts);
      let pairs: Array<[Host, Host]>;
      try {
        pairs = from === undefined ? all.flatMap((a) => all.filter((b) => b !== a).map((b): [Host, Host] => [a, b])) : [[topo.host(from), topo.host(to as string)]];
      } catch (e) {
        return Promise.reject(e);
      }
      return pingNodes(pairs, opts, () => topo.describe());
    },
    async capture(target: CaptureTarget, file?: string, opts: CaptureOptions = {}): Promise<Capture> {
      if (destroyed) throw new TopologyError('ERR_TOPOLOGY_DESTROYED', 'capture: this topology was destroyed');
      const { nodeName, iface } = resolveCaptureTarget(topo, target);
      const n = node(nodeName);
      const c = await startCapture(n.netns, nodeName, iface, file, opts, (done) => captures.delete(done));
      captures.add(c);
      return c;
    },
    describe(): string {
      return describeTopology(plan, topo);
    },
    destroy(): Promise<void> {
      if (!destroyed) {
        destroyed = true;
        live.delete(topo);
        for (const c of children) {
          try {
            c.kill('SIGKILL');
          } catch {
            /* already gone */
          }
        }
        // Only names that are this topology's namespaces: a build that failed
        // half way may have attached some, and a taken name is someone else's.
        const ours = plan.nodes.filter((n) => n.netnsName && pids.has(n.name) && sameFile(`/run/netns/${n.netnsName}`, `/proc/${pids.get(n.name)}/ns/net`));
        if (ours.length) {
          try {
            execFileSync('ip', ['-force', '-batch', '-'], { input: ours.map((n) => `netns delete ${n.netnsName}\n`).join(''), stdio: ['pipe', 'ignore', 'ignore'] });
          } catch {
            /* the holders remove their names when they see EOF */
          }
        }
        for (const p of holders) {
          try {
            p.stdin?.destroy();
            if (p.pid) process.kill(p.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
      return Promise.all([...captures].map((c) => c.stop())).then(() => undefined);
    },
  };
  live.add(topo);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const t of live) void t.destroy();
    });
  }
  try {
    build(plan, holders, pids);
    for (const pn of plan.nodes) {
      const pid = pids.get(pn.name) as number;
      const base = {
        name: pn.name,
        netns: `/proc/${pid}/ns/net`,
        netnsName: pn.netnsName,
        pid,
        exec: (cmd: string, args: string[] = []): string => sh('nsenter', nsenterArgs(pid, cmd, args)),
        spawn: (cmd: string, args: string[] = [], opts: SpawnOptions = {}): ChildProcess => {
          const c = spawn('nsenter', nsenterArgs(pid, cmd, args), opts);
          children.add(c);
          c.once('exit', () => children.delete(c));
          return c;
        },
      };
      if (pn.kind === 'switch') {
        const seg = plan.segments.find((s) => s.switches.includes(pn.name));
        switches[pn.name] = {
          ...base,
          kind: 'switch',
          bridge: 'br0',
          ports: pn.interfaces.map((i) => ({ name: i.name, mac: i.mac, peer: i.peerNode, peerInterface: i.peerInterface, link: i.link })),
          subnet: seg?.subnet ?? '',
          subnet6: seg?.subnet6 ?? '',
        };
      } else {
        hosts[pn.name] = hostOf(plan, pn, base);
      }
    }
  } catch (e) {
    void topo.destroy();
    throw e;
  }
  return topo;
}

function hostOf(plan: Plan, pn: PlanNode, base: Omit<TopologyNode, 'kind'>): Host {
  const interfaces = pn.interfaces.map((i): HostInterface => {
    const seg = plan.segments[i.segment];
    const link = plan.links[i.link] as (typeof plan.links)[number];
    const peer = link.ends[0] === i ? link.ends[1] : link.ends[0];
    return {
      name: i.name,
      node: pn.name,
      address: i.v4,
      address6: i.v6,
      prefix: 24,
      prefix6: 64,
      subnet: seg?.subnet ?? '',
      subnet6: seg?.subnet6 ?? '',
      peer: i.peerNode,
      peerInterface: i.peerInterface,
      peerAddress: peer.v4,
      peerAddress6: peer.v6,
      switch: peer.kind === 'switch' ? peer.node : undefined,
      neighbors: (seg?.members ?? []).filter((m) => m !== i).map((m) => ({ node: m.node, interface: m.name, address: m.v4, address6: m.v6, mac: m.mac })),
      mac: i.mac,
      link: i.link,
      mtu: link.mtu,
    };
  });
  const addresses: HostAddress[] = interfaces.flatMap((i) => [
    ...(i.address ? [{ interface: i.name, family: 'ipv4' as const, address: i.address, prefix: 24, cidr: `${i.address}/24` }] : []),
    ...(i.address6 ? [{ interface: i.name, family: 'ipv6' as const, address: i.address6, prefix: 64, cidr: `${i.address6}/64` }] : []),
  ]);
  const first = interfaces[0];
  return {
    ...base,
    kind: pn.kind as 'host' | 'router',
    interfaces,
    interface: first?.name ?? '',
    address: first?.address ?? '',
    address6: first?.address6 ?? '',
    addresses,
    routes: pn.routes.map((r) => ({ ...r })),
  };
}

/** Spawn the holders, wait for their namespaces, then configure everything. */
function build(plan: Plan, holders: ChildProcess[], pids: Map<string, number>): void {
  for (const n of plan.nodes) {
    const p = spawn('unshare', ['--net', '--', 'sh', '-c', HOLDER, 'sockit-holder', n.netnsName ?? ''], { stdio: ['pipe', 'ignore', 'inherit'] });
    // A forgotten topology must not keep the process alive; exit still kills it.
    p.unref();
    (p.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    p.on('error', () => {});
    holders.push(p);
    if (!p.pid) throw new TopologyError('ERR_TOPOLOGY_SETUP', 'createTopology: could not start unshare (apt-get install util-linux)');
    pids.set(n.name, p.pid);
  }
  waitForNamespaces(plan, pids);
  const root: string[] = [];
  for (const n of plan.nodes) if (n.netnsName) root.push(`netns attach ${n.netnsName} ${pids.get(n.name)}`);
  for (const l of plan.links) {
    const [a, b] = l.ends;
    // Distinct ifindexes for the two ends: a veth whose peer has its own
    // ifindex is not "urgent" for linkwatch, so carrier (and IPv6 readiness)
    // would lag up to a second (fresh namespaces all start at ifindex 2).
    root.push(
      `link add ${a.name} index ${100 + 2 * l.index} address ${a.mac} mtu ${l.mtu} netns ${pids.get(a.node)} ` +
        `type veth peer name ${b.name} index ${101 + 2 * l.index} address ${b.mac} mtu ${l.mtu} netns ${pids.get(b.node)}`,
    );
  }
  if (root.length) runRootBatch(root);
  configureAll(plan, pids);
  waitForCarrier(plan, pids);
}

/**
 * Return only once every link end is running (carrier) and, with IPv6, has
 * its link-local address: both arrive through the kernel's linkwatch a few
 * milliseconds after `ip link set up`, and a test's first packet must not race them.
 */
function waitForCarrier(plan: Plan, pids: Map<string, number>): void {
  const deadline = Date.now() + 5000;
  let pending = plan.nodes.filter((n) => n.interfaces.length > 0);
  for (;;) {
    pending = pending.filter((n) => {
      const seen = new Map(interfaces({ netns: `/proc/${pids.get(n.name)}/ns/net` }).map((i) => [i.name, i]));
      return !n.interfaces.every((want) => {
        const i = seen.get(want.name);
        if (!i?.flags.running) return false;
        return !plan.ipv6 || n.kind === 'switch' || i.addresses.some((a) => a.family === 'ipv6' && a.address.startsWith('fe80:'));
      });
    });
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new TopologyError('ERR_TOPOLOGY_SETUP', `createTopology: links of ${pending.map((n) => n.name).join(', ')} did not come up within 5 s`);
    sleepMs(1);
  }
}

function waitForNamespaces(plan: Plan, pids: Map<string, number>): void {
  const self = readlinkSync('/proc/self/ns/net');
  const deadline = Date.now() + 10_000;
  for (const n of plan.nodes) {
    const pid = pids.get(n.name) as number;
    for (;;) {
      let ns: string;
      try {
        ns = readlinkSync(`/proc/${pid}/ns/net`);
      } catch {
        // The holder exited: unshare could not make the namespace.
        throw new TopologyError('ERR_TOPOLOGY_NO_PRIVILEGE', 'createTopology: could not create a network namespace (need root or CAP_SYS_ADMIN and CAP_NET_ADMIN, or run inside `unshare --net --map-root-user`)');
      }
      if (ns !== self) break;
      if (Date.now() > deadline) throw new TopologyError('ERR_TOPOLOGY_SETUP', 'createTopology: namespace holder did not become ready within 10 s');
      sleepMs(1);
    }
  }
}

interface NodeScript {
  script: string;
  ip: string[];
  tc: string[];
  tcLinks: number[];
}

/** The shell script that configures one namespace: sysctls, then `ip -batch`, then `tc -batch`. */
function nodeScript(plan: Plan, n: PlanNode): NodeScript {
  const ip: string[] = ['link set lo up'];
  const tc: string[] = [];
  const tcLinks: number[] = [];
  // Exit status names the failing step: 11 sysctl, 12 ip, 13 tc.
  const each = (glob: string, value: number): string => `for f in ${glob}; do echo ${value} > "$f" || exit 11; done`;
  const v6 = (s: string): string => `if [ -d /proc/sys/net/ipv6 ]; then ${s}; fi`;
  const lines: string[] = [each('/proc/sys/net/ipv4/conf/*/rp_filter', 0)];
  lines.push(v6(each('/proc/sys/net/ipv6/conf/*/accept_dad /proc/sys/net/ipv6/conf/*/router_solicitations', 0)));
  if (n.kind === 'router') {
    lines.push('echo 1 > /proc/sys/net/ipv4/ip_forward || exit 11', each('/proc/sys/net/ipv4/conf/*/send_redirects', 0));
    lines.push(v6(each('/proc/sys/net/ipv6/conf/*/forwarding', 1)));
  }
  if (n.kind === 'switch') {
    // The switch takes no part in IP: no addresses, no NDP/MLD noise in captures.
    lines.push(v6(each('/proc/sys/net/ipv6/conf/*/disable_ipv6', 1)));
    ip.push('link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0', 'link set br0 up');
  }
  for (const i of n.interfaces) {
    if (n.kind === 'switch') ip.push(`link set ${i.name} master br0`);
    if (i.v4) ip.push(`addr add ${i.v4}/24 brd + dev ${i.name}`);
    if (i.v6) ip.push(`addr add ${i.v6}/64 dev ${i.name} nodad`);
    ip.push(`link set ${i.name} up`);
    const l = plan.links[i.link] as (typeof plan.links)[number];
    for (const c of qdiscCommands(i.name, l.mtu, l.shape)) {
      tc.push(c);
      tcLinks.push(i.link);
    }
  }
  for (const r of n.routes) ip.push(`route add ${r.destination} via ${r.via} dev ${r.interface}`);
  lines.push(`ip -batch - <<'SOCKIT_EOF' || exit 12\n${ip.join('\n')}\nSOCKIT_EOF`);
  if (tc.length) lines.push(`tc -batch - <<'SOCKIT_EOF' || exit 13\n${tc.join('\n')}\nSOCKIT_EOF`);
  return { script: lines.join('\n'), ip, tc, tcLinks };
}

/**
 * Configure every namespace from one shell (a fork of a small shell is far
 * cheaper than one of this process): one `nsenter sh` per namespace, in
 * order; the first failure stops it with a marker naming the node and step.
 */
function configureAll(plan: Plan, pids: Map<string, number>): void {
  const scripts = plan.nodes.map((n) => nodeScript(plan, n));
  const outer = plan.nodes.map((n, k) => {
    const tag = `SOCKIT_NODE_${k}`;
    return `nsenter --net=/proc/${pids.get(n.name)}/ns/net -- sh -s <<'${tag}' || { echo "SOCKIT_FAILED ${k} $?" >&2; exit 1; }\n${(scripts[k] as NodeScript).script}\n${tag}`;
  });
  try {
    execFileSync('sh', ['-s'], { input: `${outer.join('\n')}\n`, stdio: ['pipe', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer | string; code?: string };
    if (err.code === 'ENOENT') throw new TopologyError('ERR_TOPOLOGY_SETUP', 'createTopology: sh is not installed');
    const all = String(err.stderr ?? '').trim();
    const m = /SOCKIT_FAILED (\d+) (\d+)/.exec(all);
    const n = m ? plan.nodes[Number(m[1])] : undefined;
    const stderr = all.replace(/^SOCKIT_FAILED .*$/m, '').trim();
    if (!m || !n) throw setupError('the setup script', undefined, stderr);
    if (/nsenter: (command )?not found|nsenter: No such file/.test(stderr)) throw new TopologyError('ERR_TOPOLOGY_SETUP', 'createTopology: nsenter is not installed (apt-get install util-linux)');
    throw nodeError(plan, n, scripts[Number(m[1])] as NodeScript, Number(m[2]), stderr);
  }
}

/** Turn one namespace's failed step into an error naming the command (or the missing qdisc). */
function nodeError(plan: Plan, n: PlanNode, ns: NodeScript, status: number, stderr: string): TopologyError {
  if (status === 13) {
    const line = failedLine(stderr, ns.tc);
    if (line?.includes(' netem') && /unknown/i.test(stderr)) {
      const link = plan.links[ns.tcLinks[ns.tc.indexOf(line)] as number];
      const which = link ? `link ${link.ends[0].node}-${link.ends[1].node}` : 'a link';
      return new TopologyError(
        'ERR_TOPOLOGY_QDISC_UNAVAILABLE',
        `createTopology: ${which} asks for delay/jitter/loss, which need the netem qdisc (sch_netem), and this kernel has none ` +
          `(tc: "${firstError(stderr)}"). Load it with \`modprobe sch_netem\` (Debian/Ubuntu ship it in linux-modules-extra-$(uname -r) on some cloud kernels) ` +
          'or run on a kernel built with CONFIG_NET_SCH_NETEM; `rate` (tbf) and `mtu` work without it.',
        stderr,
        'netem',
      );
    }
    return setupError(line ? `\`tc ${line}\`` : '`tc -batch`', n.name, stderr);
  }
  if (status === 12) {
    const line = failedLine(stderr, ns.ip);
    return setupError(line ? `\`ip ${line}\`` : '`ip -batch`', n.name, stderr);
  }
  return setupError(status === 11 ? 'setting sysctls' : 'the setup script', n.name, stderr);
}

function failedLine(stderr: string, batch: string[]): string | undefined {
  const m = /Command failed -:(\d+)/.exec(stderr);
  return m ? batch[Number(m[1]) - 1] : undefined;
}
function firstError(stderr: string): string {
  return stderr.split('\n').filter((s) => s && !s.startsWith('Command failed')).join('; ');
}
function setupError(what: string, node: string | undefined, stderr: string, hint = ''): TopologyError {
  return new TopologyError('ERR_TOPOLOGY_SETUP', `createTopology: ${what}${node ? ` in ${node}` : ''} failed: ${firstError(stderr) || 'no message'}${hint}`, stderr);
}

/** The root `ip -batch`: `ip netns` names and the veth pairs, created straight into their namespaces. */
function runRootBatch(lines: string[]): void {
  try {
    execFileSync('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n`, stdio: ['pipe', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer | string; code?: string };
    if (err.code === 'ENOENT') throw new TopologyError('ERR_TOPOLOGY_SETUP', 'createTopology: ip is not installed (apt-get install iproute2)');
    const stderr = String(err.stderr ?? '').trim();
    const line = failedLine(stderr, lines);
    let hint = '';
    if (line?.startsWith('netns attach')) {
      hint = /exist/i.test(stderr)
        ? ' (that `ip netns` name is taken: choose another netnsNames prefix, or `ip netns delete` it)'
        : ' (netnsNames needs a writable /run/netns: root in the initial mount namespace)';
    }
    throw setupError(line ? `\`ip ${line}\`` : '`ip -batch`', undefined, stderr, hint);
  }
}

function resolveCaptureTarget(topo: Topology, target: CaptureTarget): { nodeName: string; iface: string } {
  if (Array.isArray(target)) return resolveCaptureTarget(topo, topo.link(target[0], target[1]));
  if (typeof target === 'string') {
    const [nodeName, iface] = target.split(':') as [string, string | undefined];
    const n = (topo.hosts[nodeName] as Host | undefined) ?? (topo.switches[nodeName] as Switch | undefined);
    if (!n) throw invalidArgValue('target', target, 'names no host, router or switch of this topology');
    const ifaces = n.kind === 'switch' ? (n as Switch).ports.map((p) => p.name) : (n as Host).interfaces.map((i) => i.name);
    const chosen = iface ?? ifaces[0];
    if (chosen === undefined || !ifaces.includes(chosen)) throw invalidArgValue('target', target, `names no interface of ${nodeName} (it has ${ifaces.join(', ') || 'none'})`);
    return { nodeName, iface: chosen };
  }
  if (target && typeof target === 'object' && 'ends' in target) {
    const end = target.ends[0].kind !== 'switch' ? target.ends[0] : target.ends[1];
    return { nodeName: end.node, iface: end.interface };
  }
  if (target && typeof target === 'object' && 'node' in target && 'name' in target) return { nodeName: target.node, iface: target.name };
  throw invalidArgValue('target', target, "must be a Link, a HostInterface, 'node', 'node:interface' or [a, b]");
}
