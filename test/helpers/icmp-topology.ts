// The multi-hop topology of the ICMP tests:
//   a — r1 — r2 — r3 — b      (r2 forwards but never answers: no ICMP of its own)
// plus a link a — m with MTU 1400 behind which m2 sits (a — m — m2), for path MTU.
import { createTopology } from './testing';
import type { Host, Topology } from './testing';
import { useTopology } from './topology';

export interface IcmpNet {
  topo: Topology;
  a: Host;
  b: Host;
  r1: Host;
  r2: Host;
  r3: Host;
  m2: Host;
}

export function icmpTopology(): IcmpNet {
  const topo = createTopology({
    hosts: ['a', 'b', 'm2'],
    routers: ['r1', 'r2', 'r3', 'm'],
    links: [['a', 'r1'], ['r1', 'r2'], ['r2', 'r3'], ['r3', 'b'], ['a', 'm'], ['m', 'm2', { mtu: 1400 }]],
  });
  const net = { topo, a: topo.host('a'), b: topo.host('b'), r1: topo.host('r1'), r2: topo.host('r2'), r3: topo.host('r3'), m2: topo.host('m2') };
  for (const n of ['a', 'b', 'm2', 'r1', 'r2', 'r3', 'm']) {
    const h = topo.host(n);
    // Ping sockets for every group; no ICMP rate limit (Linux sends at most ~1 error/s per peer after a burst of 6).
    h.exec('sysctl', ['-qw', 'net.ipv4.ping_group_range=0 2147483647', 'net.ipv4.icmp_ratelimit=0', 'net.ipv6.icmp.ratelimit=0', 'net.ipv4.icmp_msgs_per_sec=100000']);
  }
  // r2 stays silent: its own ICMP (IPv4: any locally made ICMP; IPv6: from its addresses) goes to a blackhole.
  // Forwarded packets and neighbour discovery do not use these rules.
  const r2 = net.r2;
  r2.exec('ip', ['-4', 'rule', 'add', 'iif', 'lo', 'ipproto', 'icmp', 'lookup', '100']);
  r2.exec('ip', ['-4', 'route', 'add', 'blackhole', 'default', 'table', '100']);
  for (const x of r2.addresses) if (x.family === 'ipv6') r2.exec('ip', ['-6', 'rule', 'add', 'from', x.address, 'lookup', '100']);
  r2.exec('ip', ['-6', 'route', 'add', 'blackhole', 'default', 'table', '100']);
  return net;
}

/** The topology for the enclosing describe block (see {@link useTopology}). */
export function useIcmpTopology(): IcmpNet {
  return useTopology(icmpTopology);
}

/** A host's address of `family` (hosts carry both). */
export function addressOf(family: 'ipv4' | 'ipv6'): (h: { address: string; address6: string }) => string {
  return family === 'ipv4' ? (h) => h.address : (h) => h.address6;
}
