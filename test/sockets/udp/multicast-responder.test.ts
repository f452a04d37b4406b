// Issue 10 (q): a multicast responder answers from the group's port. Two
// private namespaces joined by a veth (no route for the group in either):
//   a (asks, veth0) <-> b (answers, veth0)
import { afterEach, expect, it } from 'vitest';
import { UdpSocket, multicast } from '../../helpers/sockit';
import { hostPair, useTopology } from '../../helpers/topology';
import { describeWith } from '../../helpers/env';
import { Pool, collect } from './helpers';

const pool = new Pool();
const net = useTopology(hostPair);
afterEach(() => pool.closeAll());

const GROUP = { ipv4: '239.192.0.77', ipv6: 'ff12::77' } as const;

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'multicast responder on the group port', () => {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const g = GROUP[family];
    const ep = (port: number): string => (family === 'ipv4' ? `${g}:${port}` : `[${g}]:${port}`);

    it(`${family}: listen({ interface }) sets the multicast interface, so the listener replies to the group from its port`, async () => {
      const port = 5353;
      const asker = pool.add(await multicast.listen(ep(port), { interface: 'veth0', netns: net.a.netns }));
      const responder = pool.add(await multicast.listen(ep(port), { interface: 'veth0', netns: net.b.netns }));
      const question = collect(responder, 1);
      await multicast.send('query', ep(port), { interface: 'veth0', netns: net.a.netns, loopback: false });
      expect((await question)[0]?.data.toString()).toBe('query');
      const answer = collect(asker, 1);
      await responder.send('answer', { address: g, port });
      const [m] = await answer;
      expect(m?.data.toString()).toBe('answer');
      expect(m?.info.port).toBe(port);
    });

    it(`${family}: multicast.send({ sourcePort }) works beside a listener on that port`, async () => {
      const port = 5354;
      const asker = pool.add(await multicast.listen(ep(port), { interface: 'veth0', netns: net.a.netns }));
      const listener = pool.add(await multicast.listen(ep(port), { interface: 'veth0', netns: net.b.netns }));
      const answer = collect(asker, 1);
      await multicast.send('from-group-port', ep(port), { interface: 'veth0', netns: net.b.netns, sourcePort: port, loopback: false });
      const [m] = await answer;
      expect(m?.data.toString()).toBe('from-group-port');
      expect(m?.info.port).toBe(port);
      // The listener still owns its port afterwards and still receives.
      const again = collect(listener, 1);
      await multicast.send('still-here', ep(port), { interface: 'veth0', netns: net.a.netns, loopback: false });
      expect((await again)[0]?.data.toString()).toBe('still-here');
    });
  }

  it('ipv4: a multicast send without { interface } where no route exists: ENETUNREACH naming { interface }', async () => {
    const err = await multicast.send('x', ep4(5355), { netns: net.b.netns }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string; hint?: string },
    );
    expect(err).toMatchObject({ code: 'ENETUNREACH' });
    expect(err?.hint).toContain('{ interface }');
    const s = pool.add(await UdpSocket.create({ family: 'ipv4', netns: net.b.netns }));
    await expect(s.send('x', 5355, GROUP.ipv4)).rejects.toMatchObject({ code: 'ENETUNREACH', hint: expect.stringContaining('setMulticastInterface()') });
  });
});

function ep4(port: number): string {
  return `${GROUP.ipv4}:${port}`;
}
