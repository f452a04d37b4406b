// Topologies shared by a test file or describe block: built in beforeAll,
// destroyed in afterAll, so no test repeats that setup.
import { afterAll, beforeAll } from 'vitest';
import { createTopology } from './testing';
import type { Host, Topology } from './testing';

/** `make()` in beforeAll, its topology destroyed in afterAll; the returned object is filled in once built. */
export function useTopology<T extends { topo: Topology }>(make: () => T): T {
  const net = {} as T;
  beforeAll(() => {
    Object.assign(net, make());
  });
  afterAll(() => net.topo?.destroy());
  return net;
}

/** Two hosts joined by one veth. */
export interface HostPair {
  topo: Topology;
  a: Host;
  b: Host;
}

/** Hosts a and b on one link (for {@link useTopology}). */
export function hostPair(): HostPair {
  const topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
  return { topo, a: topo.host('a'), b: topo.host('b') };
}
