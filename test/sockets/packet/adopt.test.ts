// PacketSocket.adopt: a packet socket made elsewhere (here a sockit Socket,
// as a privileged helper would pass one) becomes a full PacketSocket; the
// mode, interface and protocol come from the descriptor.
import { expect, it } from 'vitest';
import { PacketSocket, Socket, UnixSocket, constants } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { hostPair, useTopology } from '../../helpers/topology';
import { ETHERTYPE, seqFrame } from './helpers';

// On a veth pair of its own: on lo, other test files flood frames of the same
// EtherType, and a full receive queue dropped this test's one frame.
describeWith(['netns', 'CAP_NET_RAW', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'PacketSocket.adopt on a veth pair', () => {
  const net = useTopology(hostPair);

  it('adopts a bound raw socket and receives its frames; mode and interface carry over', async () => {
    const raw = new Socket('packet', 'raw', constants.ETH_P_ALL, { netns: net.b.netns }).bind({ interface: 'veth0' });
    const p = PacketSocket.adopt(raw, { netns: net.b.netns });
    expect(raw.closed).toBe(true);
    expect(p.mode).toBe('raw');
    expect(p.protocol).toBe(constants.ETH_P_ALL);
    expect(p.interface?.name).toBe('veth0');
    const tx = await PacketSocket.open({ interface: 'veth0', protocol: ETHERTYPE, netns: net.a.netns });
    const frame = seqFrame(net.a.interfaces[0]?.mac as string, net.b.interfaces[0]?.mac as string, 7, 60);
    const got = new Promise<Buffer>((resolve) => p.on('frame', (f: Buffer) => f.equals(frame) && resolve(Buffer.from(f))));
    await tx.send(frame);
    expect((await got).readUInt32BE(14)).toBe(7);
    await tx.close();
    await p.close();
  });
});

describeWith(['netns', 'CAP_NET_RAW'], 'PacketSocket.adopt', () => {
  it('an unbound cooked socket: mode from SOCK_DGRAM, protocol from SO_PROTOCOL', async () => {
    const s = new Socket('packet', 'dgram', 0x88b5);
    const p = PacketSocket.adopt(s.release());
    expect(p.mode).toBe('cooked');
    expect(p.protocol).toBe(0x88b5);
    expect(p.interface).toBeUndefined();
    await p.close();
  });

  it('refuses what is not a packet socket, leaving it open', async () => {
    const [a, b] = UnixSocket.pair();
    expect(() => PacketSocket.adopt(a.fd)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/not a packet socket/) }));
    expect(a.closed).toBe(false);
    await a.close();
    await b.close();
  });
});
