// PacketSocket.adopt: a packet socket made elsewhere (here a sockit Socket,
// as a privileged helper would pass one) becomes a full PacketSocket; the
// mode, interface and protocol come from the descriptor.
import { expect, it } from 'vitest';
import { PacketSocket, Socket, UnixSocket, constants } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';

describeWith(['netns', 'CAP_NET_RAW'], 'PacketSocket.adopt', () => {
  it('adopts a bound raw socket and receives its frames; mode and interface carry over', async () => {
    const raw = new Socket('packet', 'raw', constants.ETH_P_ALL).bind({ interface: 'lo' });
    const p = PacketSocket.adopt(raw);
    expect(raw.closed).toBe(true);
    expect(p.mode).toBe('raw');
    expect(p.protocol).toBe(constants.ETH_P_ALL);
    expect(p.interface?.name).toBe('lo');
    const frame = Buffer.alloc(60);
    frame.fill(0xff, 0, 6);
    frame.writeUInt16BE(0x88b5, 12); // local experimental EtherType
    frame.write('adopted', 14);
    const got = new Promise<Buffer>((resolve) => p.on('frame', (f: Buffer) => f.includes('adopted') && resolve(f)));
    await p.send(frame);
    expect((await got).readUInt16BE(12)).toBe(0x88b5);
    await p.close();
  });

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
