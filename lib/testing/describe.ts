/**
 * `topology.describe()`: the topology as text, for failure messages.
 * @internal
 * @module
 */
import type { Plan } from './plan';
import type { Topology } from './index';

function rate(bits: number): string {
  if (bits >= 1e9 && bits % 1e6 === 0) return `${bits / 1e9}gbit`;
  if (bits >= 1e6) return `${bits / 1e6}mbit`;
  if (bits >= 1e3) return `${bits / 1e3}kbit`;
  return `${bits}bit`;
}

/** Render nodes (interfaces, addresses, peers, link parameters, routes) and segments. */
export function describeTopology(plan: Plan, topo: Topology): string {
  const count = (k: string): number => plan.nodes.filter((n) => n.kind === k).length;
  const out: string[] = [
    `topology: ${count('host')} host(s), ${count('router')} router(s), ${count('switch')} switch(es), ${plan.links.length} link(s)`,
  ];
  for (const n of plan.nodes) {
    const live = topo.hosts[n.name] ?? topo.switches[n.name];
    const ns = live ? (n.netnsName ? `ip netns ${n.netnsName}` : live.netns) : 'not built';
    out.push(`  ${n.name} (${n.kind}${n.kind === 'switch' ? ', bridge br0, STP and multicast snooping off' : ''}) ${ns}`);
    for (const i of n.interfaces) {
      const l = plan.links[i.link] as (typeof plan.links)[number];
      const params = [`mtu ${l.mtu}`];
      if (l.shape.rate !== undefined) params.push(`rate ${rate(l.shape.rate)}`);
      if (l.shape.delay !== undefined) params.push(`delay ${l.shape.delay}ms${l.shape.jitter !== undefined ? ` ±${l.shape.jitter}ms` : ''}`);
      if (l.shape.loss !== undefined) params.push(`loss ${l.shape.loss}%`);
      const addrs = [i.v4 && `${i.v4}/24`, i.v6 && `${i.v6}/64`].filter(Boolean).join(' ') || (n.kind === 'switch' ? 'port' : 'no address');
      out.push(`    ${i.name.padEnd(8)} ${i.mac} ${addrs} -> ${i.peerNode}:${i.peerInterface} [${params.join(', ')}]`);
    }
    for (const r of n.routes) out.push(`    route ${r.destination} via ${r.via} dev ${r.interface}`);
  }
  out.push('  segments:');
  for (const s of plan.segments) {
    const who = s.members.map((m) => `${m.node}${m.v4 ? ` ${m.v4}` : ''}`).join(', ');
    out.push(`    ${s.subnet} ${plan.ipv6 ? `${s.subnet6} ` : ''}${s.switches.length ? `(switch ${s.switches.join('+')}) ` : ''}${who}`);
  }
  return out.join('\n');
}
