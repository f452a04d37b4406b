// The pure planning of createTopology(): addresses per segment, routes from
// the graph, validation. No privileges needed.
import { describe, expect, it } from 'vitest';
import { makePlan, parseRate, qdiscCommands } from '../../dist/testing/plan.js';
import type { Plan, TopologyOptions } from '../../dist/testing/plan.js';

const plan = (o: TopologyOptions): Plan => makePlan(o, () => 'pfx');
const node = (p: Plan, name: string) => p.nodes.find((n) => n.name === name)!;

describe('createTopology planning', () => {
  it('keeps the point-to-point addressing: link k is 198.18.k.0/24 and fd00:5f:0:k::/64, first end .1', () => {
    const p = plan({ hosts: ['a', 'b', 'c'], links: [['a', 'b'], ['c', 'b']] });
    expect(node(p, 'a').interfaces[0]).toMatchObject({ name: 'veth0', v4: '198.18.0.1', v6: 'fd00:5f::1', peerNode: 'b', peerInterface: 'veth0' });
    expect(node(p, 'b').interfaces.map((i) => [i.name, i.v4, i.v6])).toEqual([['veth0', '198.18.0.2', 'fd00:5f::2'], ['veth1', '198.18.1.2', 'fd00:5f:0:1::2']]);
    expect(node(p, 'c').interfaces[0]?.v4).toBe('198.18.1.1');
    expect(p.nodes.every((n) => n.routes.length === 0)).toBe(true); // no router: nothing to route through
  });

  it('puts every host on a switch in one subnet, numbered in link order; switch ports carry no address', () => {
    const p = plan({ hosts: ['a', 'b', 'c'], switches: ['s1'], links: [['a', 's1'], ['s1', 'b'], ['c', 's1', { addresses: false }]] });
    expect(p.segments).toHaveLength(1);
    expect(p.segments[0]).toMatchObject({ subnet: '198.18.0.0/24', subnet6: 'fd00:5f::/64', switches: ['s1'] });
    expect(['a', 'b', 'c'].map((h) => node(p, h).interfaces[0]?.v4)).toEqual(['198.18.0.1', '198.18.0.2', '']);
    expect(node(p, 's1').interfaces.map((i) => [i.name, i.v4, i.peerNode])).toEqual([['veth0', '', 'a'], ['veth1', '', 'b'], ['veth2', '', 'c']]);
    const macs = p.nodes.flatMap((n) => n.interfaces.map((i) => i.mac));
    expect(new Set(macs).size).toBe(macs.length);
  });

  it('merges switches joined by a link into one segment and refuses a loop of switches', () => {
    const p = plan({ hosts: ['a', 'b'], switches: ['s1', 's2'], links: [['a', 's1'], ['s1', 's2'], ['s2', 'b']] });
    expect(p.segments).toHaveLength(1);
    expect(node(p, 'b').interfaces[0]?.v4).toBe('198.18.0.2');
    expect(() => plan({ switches: ['s1', 's2', 's3'], links: [['s1', 's2'], ['s2', 's3'], ['s3', 's1']] })).toThrow(/loop of switches/);
  });

  it('routes every segment via the nearest router, with a default route only where one router is adjacent', () => {
    // LAN1 (s1): a, r1; r1 - r2; LAN2 (s2): b, r2, r3; r3 - c
    const p = plan({
      hosts: ['a', 'b', 'c'],
      routers: ['r1', 'r2', 'r3'],
      switches: ['s1', 's2'],
      links: [['a', 's1'], ['r1', 's1'], ['r1', 'r2'], ['b', 's2'], ['r2', 's2'], ['r3', 's2'], ['r3', 'c']],
    });
    const seg = (i: number) => p.segments[i]!.subnet;
    expect(p.segments.map((s) => s.subnet)).toEqual(['198.18.0.0/24', '198.18.1.0/24', '198.18.2.0/24', '198.18.3.0/24']);
    const a = node(p, 'a').routes.filter((r) => r.family === 'ipv4');
    expect(a).toEqual([
      { family: 'ipv4', destination: 'default', via: '198.18.0.2', interface: 'veth0' },
      { family: 'ipv4', destination: seg(1), via: '198.18.0.2', interface: 'veth0' },
      { family: 'ipv4', destination: seg(2), via: '198.18.0.2', interface: 'veth0' },
      { family: 'ipv4', destination: seg(3), via: '198.18.0.2', interface: 'veth0' },
    ]);
    // b sees two routers on its LAN: no default route, one route per remote segment via the right one.
    const b = node(p, 'b').routes.filter((r) => r.family === 'ipv4');
    expect(b.map((r) => `${r.destination} ${r.via}`)).toEqual([`${seg(0)} 198.18.2.2`, `${seg(1)} 198.18.2.2`, `${seg(3)} 198.18.2.3`]);
    // Routers get no default route; r1 reaches segment 3 through r2 then r3.
    const r1 = node(p, 'r1').routes.filter((r) => r.family === 'ipv4');
    expect(r1.map((r) => `${r.destination} ${r.via}`)).toEqual([`${seg(2)} 198.18.1.2`, `${seg(3)} 198.18.1.2`]);
    expect(node(p, 'c').routes.find((r) => r.family === 'ipv6' && r.destination === 'default')?.via).toBe('fd00:5f:0:3::1');
  });

  it('names interfaces as asked and names the ip netns entries with the prefix', () => {
    const p = makePlan({ hosts: ['a', 'b'], links: [['a', 'b', { names: ['up0', 'down0'] }], ['a', 'b']], netnsNames: true }, () => 'sockit-1-0');
    expect(node(p, 'a').interfaces.map((i) => i.name)).toEqual(['up0', 'veth1']);
    expect(node(p, 'b').interfaces.map((i) => i.name)).toEqual(['down0', 'veth1']);
    expect(node(p, 'a').netnsName).toBe('sockit-1-0-a');
    expect(makePlan({ hosts: ['a'], netnsNames: 'mytest' }, () => 'x').nodes[0]?.netnsName).toBe('mytest-a');
  });

  it('turns link parameters into tbf and netem qdiscs', () => {
    expect(parseRate('10mbit', 'rate')).toBe(10_000_000);
    expect(parseRate(1.5e6, 'rate')).toBe(1_500_000);
    expect(qdiscCommands('veth0', 1500, { rate: 10_000_000 })).toEqual(['qdisc add dev veth0 root tbf rate 10000000bit burst 3028 latency 100ms']);
    expect(qdiscCommands('veth0', 1500, { delay: 20, jitter: 5, loss: 1, rate: 1e8 })).toEqual([
      'qdisc add dev veth0 root handle 1: netem delay 20ms 5ms loss 1%',
      'qdisc add dev veth0 parent 1:1 handle 10: tbf rate 100000000bit burst 25000 latency 100ms',
    ]);
    expect(qdiscCommands('veth0', 1500, {})).toEqual([]);
  });

  it('rejects misuse before building anything, with Node-style codes', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{}, /at least one host/],
      [{ hosts: ['a', 'a'] }, /names a node twice/],
      [{ hosts: ['a b'] }, /letters, digits/],
      [{ hosts: ['a'], links: [['a', 'x']] }, /names no node/],
      [{ hosts: ['a'], links: [['a', 'a']] }, /itself/],
      [{ hosts: ['a', 'b'], links: [['a', 'b', { rate: '10 bananas' }]] }, /10mbit/],
      [{ hosts: ['a', 'b'], links: [['a', 'b', { jitter: 5 }]] }, /needs a delay/],
      [{ hosts: ['a', 'b'], links: [['a', 'b', { loss: 101 }]] }, /<= 100/],
      [{ hosts: ['a', 'b'], links: [['a', 'b', { mtu: 20 }]] }, />= 68/],
      [{ hosts: ['a', 'b'], links: [['a', 'b', { speed: 1 }]] }, /not a link option/],
      [{ hosts: ['a', 'b'], links: [['a', 'b', { names: ['this-name-is-too-long'] }]] }, /interface names/],
      [{ hosts: ['a'], switches: ['s'], links: [['a', 's'], ['s', 'a']] }, /second time/],
    ];
    for (const [o, re] of bad) {
      let err: (Error & { code?: string }) | undefined;
      try {
        plan(o as TopologyOptions);
      } catch (e) {
        err = e as Error & { code?: string };
      }
      expect(err?.message, JSON.stringify(o)).toMatch(re);
      expect(err?.code).toMatch(/^ERR_(INVALID_ARG_TYPE|INVALID_ARG_VALUE|OUT_OF_RANGE)$/);
    }
  });
});
