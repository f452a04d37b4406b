// PingSocket.adopt and RawSocket.adopt: a descriptor opened elsewhere (a
// sockit Socket, as a privileged parent would pass one down) becomes a full
// socket; binding, connection, protocol and options carry over; anything
// else is refused and left open.
import { writeFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { PingSocket, RawSocket, Socket, UdpSocket, parseIcmpv4 } from '../../helpers/sockit';
import type { MessageInfo } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';

describeWith(['netns', 'CAP_NET_RAW', 'CAP_NET_ADMIN'], 'PingSocket.adopt and RawSocket.adopt', () => {
  // Ping sockets for every group, in the suite's own namespace (the default range allows none).
  beforeAll(() => writeFileSync('/proc/sys/net/ipv4/ping_group_range', '0 2147483647'));

  it('a bound ping socket: its identifier carries over, replies arrive', async () => {
    const raw = new Socket('ipv4', 'dgram', 1);
    raw.bind({ address: '127.0.0.1', port: 4242 });
    const p = PingSocket.adopt(raw, { receive: { ttl: true } });
    expect(raw.closed).toBe(true);
    expect(p.identifier).toBe(4242);
    const got = new Promise<[Buffer, MessageInfo]>((resolve) => p.once('message', (m: Buffer, i: MessageInfo) => resolve([m, i])));
    await p.sendEcho({ sequence: 7, address: '127.0.0.1' });
    const [reply, info] = await got;
    expect(parseIcmpv4(reply)).toMatchObject({ kind: 'echo-reply', identifier: 4242, sequence: 7 });
    expect(info).toMatchObject({ address: '127.0.0.1', ttl: 64 });
    await p.close();
  });

  it('a raw socket: protocol and IP_HDRINCL carry over', async () => {
    const s = new Socket('ipv4', 'raw', 253);
    s.setOption('IP_HDRINCL', true);
    const r = RawSocket.adopt(s.release());
    expect(r.protocol).toBe(253);
    expect(r.getOption('IP_HDRINCL')).toBe(true);
    const rx = await RawSocket.create({ protocol: 253 });
    const got = new Promise<Buffer>((resolve) => rx.once('message', (m: Buffer) => resolve(m)));
    const body = Buffer.from('adopted raw');
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + body.length, 2);
    ip[8] = 64;
    ip[9] = 253;
    ip.set([127, 0, 0, 1], 12);
    ip.set([127, 0, 0, 1], 16);
    await r.send(Buffer.concat([ip, body]), '127.0.0.1');
    expect((await got).subarray(20).toString()).toBe('adopted raw');
    await Promise.all([r.close(), rx.close()]);
  });

  it('refuses what is not theirs, leaving it open', async () => {
    const udp = await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1' });
    const raw = new Socket('ipv4', 'raw', 253);
    expect(() => PingSocket.adopt(udp.fd)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/not a ping socket/) }));
    expect(() => RawSocket.adopt(udp.fd)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/not a raw IP socket/) }));
    expect(() => PingSocket.adopt(raw)).toThrow(/not a ping socket/);
    expect(() => UdpSocket.adopt(raw)).toThrow(/not a UDP socket/);
    expect(raw.closed).toBe(false);
    expect(udp.closed).toBe(false);
    expect(() => RawSocket.adopt(raw, { bogus: 1 } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    raw.close();
    await udp.close();
  });
});
