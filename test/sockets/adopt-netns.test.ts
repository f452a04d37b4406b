// adopt() of a sockit Socket made in another namespace: the adopted socket
// keeps that namespace, so interface names resolve where the socket lives
// (they resolved in the caller's namespace: ENODEV, or another interface).
// Host b's veth0 does not exist in the test's own namespace.
import { expect, it } from 'vitest';
import { PacketSocket, RawSocket, Socket, UdpSocket, constants } from '../helpers/sockit';
import { describeWith } from '../helpers/env';
import { hostPair, useTopology } from '../helpers/topology';

describeWith(['netns', 'CAP_NET_RAW', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], "adopt() keeps a sockit Socket's namespace", () => {
  const net = useTopology(hostPair);

  it('UdpSocket: interface names resolve in the namespace the Socket was made in', async () => {
    const u = UdpSocket.adopt(new Socket('ipv4', 'dgram', 0, { netns: net.b.netns }));
    expect(() => u.setMulticastInterface('veth0')).not.toThrow();
    const rx = await UdpSocket.create({ family: 'ipv4', address: '198.18.0.1', port: 0, netns: net.a.netns });
    const got = new Promise<Buffer>((resolve) => rx.once('message', (m: Buffer) => resolve(m)));
    await u.send('adopted in b', { address: '198.18.0.1', port: rx.address().port, interface: 'veth0' });
    expect(String(await got)).toBe('adopted in b');
    await rx.close();
    await u.close();
  });

  it('RawSocket: a send naming veth0 goes out there', async () => {
    const rx = await RawSocket.create({ protocol: 253, netns: net.a.netns });
    const got = new Promise<Buffer>((resolve) => rx.once('message', (m: Buffer) => resolve(m)));
    const r = RawSocket.adopt(new Socket('ipv4', 'raw', 253, { netns: net.b.netns }));
    await r.send(Buffer.from('adopted in b'), { address: '198.18.0.1', interface: 'veth0' });
    expect((await got).includes('adopted in b')).toBe(true);
    await r.close();
    await rx.close();
  });

  it('PacketSocket: interface is the one it is bound to, with or without options.netns', async () => {
    const inherited = PacketSocket.adopt(new Socket('packet', 'raw', constants.ETH_P_ALL, { netns: net.b.netns }).bind({ interface: 'veth0' }));
    expect(inherited.interface?.name).toBe('veth0');
    expect(inherited.interface?.mac).toBe(net.b.interfaces[0]?.mac);
    await inherited.close();
    const fd = new Socket('packet', 'raw', constants.ETH_P_ALL, { netns: net.b.netns }).bind({ interface: 'veth0' }).release();
    const given = PacketSocket.adopt(fd, { netns: net.b.netns });
    expect(given.interface?.name).toBe('veth0');
    await given.close();
  });
});
