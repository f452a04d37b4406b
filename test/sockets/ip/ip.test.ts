// PingSocket and RawSocket on the engine (issue 12 item 2), across routers,
// IPv4 and IPv6; the unprivileged parts run as nobody (setpriv) to prove it.
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { PingSocket, RawSocket, UdpSocket, parseIcmpv4, parseIcmpv6 } from '../../helpers/sockit';
import type { MessageInfo } from '../../helpers/sockit';
import { closeAfterEach } from '../../helpers/close';
import { describeWith } from '../../helpers/env';
import { addressOf, useIcmpTopology } from '../../helpers/icmp-topology';
import { nodeAsNobody } from '../../helpers/unprivileged';

const keep = closeAfterEach();

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'tool:setpriv'], 'ping and raw sockets across routers', () => {
  const net = useIcmpTopology();

  for (const family of ['ipv4', 'ipv6'] as const) {
    const v4 = family === 'ipv4';
    const addr = addressOf(family);
    const parse = v4 ? parseIcmpv4 : parseIcmpv6;

    it(`${family}: a ping socket gets its echo reply with the same metadata as UDP (TTL after 3 routers, destination, interface, timestamp)`, async () => {
      const s = keep(await PingSocket.create({ family, netns: net.a.netns, receive: { ttl: true, packetInfo: true, timestamp: true } }));
      const got = once(s, 'message') as Promise<[Buffer, MessageInfo]>;
      await s.sendEcho({ sequence: 5, address: addr(net.b), payload: Buffer.from('sockit') });
      const [msg, info] = await got;
      const m = parse(msg);
      expect(m.kind).toBe('echo-reply');
      expect(m.sequence).toBe(5);
      expect(m.identifier).toBe(s.identifier);
      expect(m.payload.toString()).toBe('sockit');
      expect(info).toMatchObject({ address: addr(net.b), family: v4 ? 'IPv4' : 'IPv6', ttl: 61, destination: addr(net.a) });
      expect(info.interfaceIndex).toBeGreaterThan(0);
      expect(typeof info.timestamp).toBe('bigint');
    });

    it(`${family}: as nobody, a ping socket needs no capability where ping_group_range allows`, () => {
      const r = nodeAsNobody(net.a, `
        const s = await sockit.PingSocket.create({ family: '${family}' });
        const got = new Promise((r) => s.once('message', (m, info) => r({ type: m[0], seq: m.readUInt16BE(6), from: info.address })));
        await s.sendEcho({ sequence: 9, address: '${addr(net.b)}' });
        const v = await got; await s.close(); return v;`) as { ok: boolean; caps: string; uid: number; value: unknown };
      expect(r.uid).toBe(65534);
      expect(BigInt(`0x${r.caps}`)).toBe(0n);
      expect(r).toMatchObject({ ok: true, value: { type: v4 ? 0 : 129, seq: 9, from: addr(net.b) } });
    });

    it(`${family}: where ping_group_range does not allow it, the error names the sysctl`, () => {
      net.b.exec('sysctl', ['-qw', 'net.ipv4.ping_group_range=1 0']);
      try {
        const r = nodeAsNobody(net.b, `await sockit.PingSocket.create({ family: '${family}' });`) as { ok: boolean; error: { code: string; hint: string; message: string } };
        expect(r.ok).toBe(false);
        expect(r.error.code).toBe('EACCES');
        expect(r.error.hint).toContain('net.ipv4.ping_group_range');
        expect(r.error.hint).toContain('"1 0"');
        expect(r.error.hint).toContain('group 65534');
      } finally {
        net.b.exec('sysctl', ['-qw', 'net.ipv4.ping_group_range=0 2147483647']);
      }
    });

    it(`${family}: a raw socket without CAP_NET_RAW says which capability it needs`, () => {
      const r = nodeAsNobody(net.a, `await sockit.RawSocket.create({ family: '${family}', protocol: 253 });`) as { ok: boolean; error: { code: string; hint: string } };
      expect(r.ok).toBe(false);
      expect(r.error.code).toBe('EPERM');
      expect(r.error.hint).toContain('CAP_NET_RAW');
    });

    it(`${family}: a raw socket of any protocol number sends and receives across routers, with metadata`, async () => {
      const rx = keep(await RawSocket.create({ family, protocol: 253, netns: net.b.netns, receive: { ttl: true, packetInfo: true } }));
      const tx = keep(await RawSocket.create({ family, protocol: 253, netns: net.a.netns }));
      const got = once(rx, 'message') as Promise<[Buffer, MessageInfo]>;
      await tx.send(Buffer.from('experimental protocol 253'), { address: addr(net.b), tos: 0x20 });
      const [data, info] = await got;
      // IPv4 raw sockets hand over the IP header, IPv6 ones the payload only
      const payload = v4 ? data.subarray(((data[0] as number) & 0x0f) * 4) : data;
      expect(payload.toString()).toBe('experimental protocol 253');
      if (v4) expect(data[9]).toBe(253);
      expect(info).toMatchObject({ address: addr(net.a), ttl: 61, destination: addr(net.b) });
    });

    it(`${family}: IP_HDRINCL / IPV6_HDRINCL: a hand-built IP+UDP datagram reaches a UDP socket`, async () => {
      const rx = keep(await UdpSocket.create({ family, netns: net.b.netns, address: addr(net.b), port: 0 }));
      const tx = keep(await RawSocket.create({ family, protocol: 255, netns: net.a.netns, headerIncluded: true }));
      const port = rx.address().port;
      const body = Buffer.from('built by hand');
      const udp = Buffer.alloc(8 + body.length);
      udp.writeUInt16BE(40000, 0);
      udp.writeUInt16BE(port, 2);
      udp.writeUInt16BE(udp.length, 4);
      body.copy(udp, 8); // checksum 0: allowed for IPv4; IPv6 needs one, computed below
      const ip = v4 ? ipv4Header(net.a.address, net.b.address, 17, udp.length) : ipv6Header(net.a.address6, net.b.address6, 17, udp.length);
      if (!v4) udp.writeUInt16BE(udpChecksum6(ip, udp), 6);
      const got = once(rx, 'message') as Promise<[Buffer, MessageInfo]>;
      await tx.send(Buffer.concat([ip, udp]), addr(net.b));
      const [data, info] = await got;
      expect(data.toString()).toBe('built by hand');
      expect(info.port).toBe(40000);
    });

    it(`${family}: an ICMP type filter (ICMP_FILTER / ICMP6_FILTER, set through the option table) lets only echo replies through`, async () => {
      const raw = keep(await RawSocket.create({ family, protocol: v4 ? 1 : 58, netns: net.a.netns, icmpTypes: [v4 ? 0 : 129] }));
      const seen: number[] = [];
      raw.on('message', (m: Buffer) => seen.push(v4 ? (m[((m[0] as number) & 0x0f) * 4] as number) : (m[0] as number)));
      const p = keep(await PingSocket.create({ family, netns: net.a.netns }));
      p.on('transportError', () => {});
      const reply = once(p, 'message');
      await p.sendEcho({ sequence: 1, address: addr(net.b) });
      await p.sendEcho({ sequence: 2, address: addr(net.b), ttl: 1 }); // a time exceeded from r1: filtered out
      await reply;
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual([v4 ? 0 : 129]);
      raw.setIcmpFilter(null);
      const all: number[] = [];
      raw.on('message', (m: Buffer) => all.push(v4 ? (m[((m[0] as number) & 0x0f) * 4] as number) : (m[0] as number)));
      await p.sendEcho({ sequence: 3, address: addr(net.b), ttl: 1 });
      await new Promise((r) => setTimeout(r, 100));
      expect(all).toContain(v4 ? 11 : 3);
    });
  }

  it('setMtuDiscover and pathMtu on a connected ping socket', async () => {
    const s = keep(await PingSocket.create({ family: 'ipv4', netns: net.a.netns }));
    s.setMtuDiscover('do');
    s.connect(net.m2.address);
    const errs: unknown[] = [];
    s.on('transportError', (e) => errs.push(e));
    await s.send(Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0, 1]), Buffer.alloc(1472 - 8)]));
    for (let i = 0; i < 100 && errs.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(errs[0]).toMatchObject({ type: 3, code: 4, mtu: 1400 });
    expect(s.pathMtu()).toBe(1400);
  });
});

function ipv4Header(src: string, dst: string, proto: number, payload: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload, 2);
  h[8] = 64;
  h[9] = proto;
  Buffer.from(src.split('.').map(Number)).copy(h, 12);
  Buffer.from(dst.split('.').map(Number)).copy(h, 16);
  return h; // the kernel fills in the checksum (and the id when 0)
}

function v6bytes(a: string): Buffer {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const parts = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  parts.forEach((p, i) => b.writeUInt16BE(parseInt(p, 16), i * 2));
  return b;
}

function ipv6Header(src: string, dst: string, next: number, payload: number): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(payload, 4);
  h[6] = next;
  h[7] = 64;
  v6bytes(src).copy(h, 8);
  v6bytes(dst).copy(h, 24);
  return h;
}

function udpChecksum6(ip: Buffer, udp: Buffer): number {
  const pseudo = Buffer.alloc(40);
  ip.copy(pseudo, 0, 8, 40);
  pseudo.writeUInt32BE(udp.length, 32);
  pseudo[39] = 17;
  const all = Buffer.concat([pseudo, udp, Buffer.alloc(udp.length & 1)]);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all.readUInt16BE(i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff || 0xffff;
}
