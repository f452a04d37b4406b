// Issue 13, item 1: the codecs build and parse each other's output
// (property tests over random inputs), decodeFrame covers every corpus
// frame, and truncations/mutations of every corpus frame only ever throw
// FrameParseError (a fuzz loop).
import { describe, expect, it } from 'vitest';
import {
  FrameParseError,
  LLDP_MULTICAST_MAC,
  buildDhcp,
  buildEthernet,
  buildIcmpEchoFrame,
  buildIcmpv4,
  buildIcmpv6Echo,
  buildIcmpv6Frame,
  buildIpv4,
  buildLldp,
  buildMldv2Report,
  buildNeighborAdvertisement,
  buildNeighborSolicitation,
  buildRouterAdvertisement,
  buildRouterSolicitation,
  buildTcp,
  buildUdpFrame,
  decodeFrame,
  parseDhcp,
  parseIcmpv4,
  parseIcmpv6,
  parseIpv4Options,
  parseLldp,
  parseTcp,
  solicitedNodeMulticast,
  summarizeFrame,
  walkIpv6Extensions,
  ROUTER_ALERT_MLD,
} from '../../helpers/sockit';
import { richCorpus } from '../corpus';

let seed = 20261203;
const rnd = (n: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed % n;
};
const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rnd(256)));
const mac = (): string => [2, ...bytes(5)].map((b) => b.toString(16).padStart(2, '0')).join(':');
const v6 = (): string => `fd00:5f::${rnd(0xffff).toString(16)}`;
const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

describe('codec round trips (random inputs)', () => {
  it('TCP: options and flags survive build → parse, checksum verifies', () => {
    for (let i = 0; i < 300; i++) {
      const input = {
        sourcePort: rnd(65536), destinationPort: rnd(65536), sequence: rnd(0x7fffffff), acknowledgment: rnd(0x7fffffff),
        flags: rnd(256), window: rnd(65536), mss: rnd(2) ? rnd(65536) : undefined, windowScale: rnd(2) ? rnd(15) : undefined,
        sackPermitted: rnd(2) === 1, timestamps: rnd(2) ? { tsval: rnd(0x7fffffff), tsecr: rnd(0x7fffffff) } : undefined,
        sack: rnd(3) === 0 ? [[rnd(1000), 1000 + rnd(1000)] as [number, number]] : undefined, payload: bytes(rnd(50)),
      };
      const ip = { source: '198.18.0.1', destination: '198.18.0.2' };
      const seg = buildTcp(input, ip);
      const t = parseTcp(seg);
      expect(t).toMatchObject({ sourcePort: input.sourcePort, destinationPort: input.destinationPort, sequence: input.sequence, acknowledgment: input.acknowledgment, flagBits: input.flags, window: input.window });
      expect(t.payload).toEqual(input.payload);
      if (input.mss !== undefined) expect(t.options.find((o) => o.kind === 2)?.mss).toBe(input.mss);
      if (input.windowScale !== undefined) expect(t.options.find((o) => o.kind === 3)?.windowScale).toBe(input.windowScale);
      if (input.timestamps) expect(t.options.find((o) => o.kind === 8)).toMatchObject(input.timestamps);
      if (input.sack) expect(t.options.find((o) => o.kind === 5)?.sack).toEqual(input.sack);
      const f = buildEthernet({ destination: B, source: A, etherType: 0x0800, payload: buildIpv4({ ...ip, protocol: 6, payload: seg }) });
      expect(decodeFrame(f).tcp?.checksumStatus).toBe('good');
    }
  });

  it('ICMPv4 errors quote the original header; echo both families via buildIcmpEchoFrame', () => {
    for (let i = 0; i < 100; i++) {
      const sport = rnd(65536);
      const dport = rnd(65536);
      const inner = buildIpv4({ source: '198.18.0.1', destination: '198.18.0.2', protocol: 17, payload: Buffer.from([sport >> 8, sport & 255, dport >> 8, dport & 255, 0, 8, 0, 0]) });
      const m = parseIcmpv4(buildIcmpv4({ type: 3, code: 3, payload: inner }));
      expect(m).toMatchObject({ kind: 'destination-unreachable', checksumValid: true, original: { version: 4, source: '198.18.0.1', destination: '198.18.0.2', protocol: 17, sourcePort: sport, destinationPort: dport } });
      const id = rnd(65536);
      const seq = rnd(65536);
      for (const [s, d] of [['198.18.0.1', '198.18.0.2'], ['fd00:5f::1', 'fd00:5f::2']] as const) {
        const f = decodeFrame(buildIcmpEchoFrame({ sourceMac: A, destinationMac: B, source: s, destination: d, kind: 'request', identifier: id, sequence: seq, payload: bytes(rnd(40)) }));
        const e = f.icmp ?? f.icmpv6;
        expect(e).toMatchObject({ kind: 'echo-request', identifier: id, sequence: seq, checksumValid: true });
      }
    }
  });

  it('neighbour discovery and MLDv2 messages survive build → parse', () => {
    for (let i = 0; i < 100; i++) {
      const ip = { source: v6(), destination: v6() };
      const target = v6();
      const m = mac();
      expect(parseIcmpv6(buildNeighborSolicitation({ target, sourceMac: m }, ip), ip)).toMatchObject({ kind: 'neighbor-solicitation', checksumValid: true, nd: { target, options: [{ type: 1, mac: m }] } });
      const na = parseIcmpv6(buildNeighborAdvertisement({ target, targetMac: m, router: true, solicited: false }, ip), ip);
      expect(na.nd).toMatchObject({ target, router: true, solicited: false, override: true, options: [{ type: 2, mac: m }] });
      expect(parseIcmpv6(buildRouterSolicitation({ sourceMac: m }, ip), ip)).toMatchObject({ kind: 'router-solicitation', nd: { options: [{ mac: m }] } });
      const ra = parseIcmpv6(buildRouterAdvertisement({ hopLimit: 64, managed: true, routerLifetime: 600, sourceMac: m, mtu: 1400, prefixes: [{ prefix: 'fd00:5f:1::/64' }] }, ip), ip);
      expect(ra.nd).toMatchObject({ hopLimit: 64, managed: true, otherConfig: false, routerLifetime: 600 });
      expect(ra.nd?.options.map((o) => o.mac ?? o.mtu ?? o.prefix?.prefix)).toEqual([m, 1400, 'fd00:5f:1::']);
      const groups = Array.from({ length: 1 + rnd(3) }, () => ({ group: `ff05::${rnd(0xffff).toString(16)}`, type: 1 + rnd(6), sources: Array.from({ length: rnd(3) }, v6) }));
      const rep = parseIcmpv6(buildMldv2Report(groups, ip), ip);
      expect(rep.mldRecords).toEqual(groups);
      expect(parseIcmpv6(buildIcmpv6Echo({ kind: 'reply', identifier: 7, sequence: 9 }, ip), ip)).toMatchObject({ kind: 'echo-reply', identifier: 7, sequence: 9, checksumValid: true });
    }
    expect(solicitedNodeMulticast('fd00:5f::1:2345:6789')).toBe('ff02::1:ff45:6789');
    // MLDv2 behind a hop-by-hop router alert decodes through the extension header.
    const ip = { source: 'fe80::1', destination: 'ff02::16' };
    const f = buildIcmpv6Frame({ sourceMac: A, destinationMac: '33:33:00:00:00:16', ...ip, hopLimit: 1, message: buildMldv2Report([{ group: 'ff02::fb' }], ip), extensions: { type: 0, bytes: ROUTER_ALERT_MLD } });
    const d = decodeFrame(f);
    expect(d.ipv6Extensions?.[0]).toMatchObject({ type: 0, nextHeader: 58, options: [{ type: 5 }, { type: 1 }] });
    expect(d.icmpv6).toMatchObject({ kind: 'mldv2-report', checksumValid: true, mldRecords: [{ type: 4, group: 'ff02::fb', sources: [] }] });
  });

  it('DHCP: every typed option survives build → parse; decodeFrame finds it in UDP 68 → 67', () => {
    const types = ['discover', 'offer', 'request', 'decline', 'ack', 'nak', 'release', 'inform'] as const;
    for (let i = 0; i < 200; i++) {
      const input = {
        messageType: types[rnd(types.length)] as (typeof types)[number], xid: rnd(0x7fffffff), clientMac: mac(),
        requestedAddress: `198.18.0.${rnd(256)}`, serverIdentifier: '198.18.0.1', leaseTime: rnd(100000), subnetMask: '255.255.255.0',
        routers: ['198.18.0.1'], dnsServers: ['198.18.0.53', '198.18.0.54'], hostname: `host-${rnd(1000)}`,
      };
      const m = parseDhcp(buildDhcp(input));
      expect(m).toMatchObject({ ...input, clientMac: input.clientMac, dhcp: true });
    }
    const f = buildUdpFrame({ sourceMac: A, destinationMac: 'ff:ff:ff:ff:ff:ff', source: '0.0.0.0', destination: '255.255.255.255', sourcePort: 68, destinationPort: 67, payload: buildDhcp({ messageType: 'discover', xid: 5, clientMac: A }) });
    expect(decodeFrame(f).dhcp).toMatchObject({ messageType: 'discover', xid: 5, clientMac: A, broadcast: true, parameterRequestList: [1, 3, 6, 51, 54] });
    expect(summarizeFrame(f)).toContain('0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP, Request from 02:00:00:00:00:0a, length 300');
  });

  it('LLDP: TLVs survive build → parse', () => {
    for (let i = 0; i < 200; i++) {
      const m = mac();
      const input = {
        chassisId: rnd(2) ? { mac: m } : { local: `chassis-${rnd(100)}` }, portId: { name: `veth${rnd(10)}` }, ttl: rnd(65536),
        systemName: `sys-${rnd(100)}`, systemDescription: 'sockit test', portDescription: 'a port',
        capabilities: { system: ['bridge', 'router'], enabled: ['router'] }, managementAddresses: [{ address: `198.18.0.${rnd(256)}`, interfaceNumber: rnd(100) }, { address: v6() }],
      };
      const p = parseLldp(buildLldp(input));
      expect(p.chassisId).toEqual('mac' in input.chassisId ? { subtype: 4, id: m } : { subtype: 7, id: input.chassisId.local });
      expect(p).toMatchObject({ portId: { subtype: 5, id: input.portId.name }, ttl: input.ttl, systemName: input.systemName, systemDescription: input.systemDescription, portDescription: input.portDescription, capabilities: input.capabilities });
      expect(p.managementAddresses.map((a) => a.address)).toEqual(input.managementAddresses.map((a) => a.address));
    }
    const f = buildEthernet({ destination: LLDP_MULTICAST_MAC, source: A, etherType: 0x88cc, payload: buildLldp({ chassisId: { mac: A }, portId: { name: 'veth0' }, systemName: 'host-a' }), pad: true });
    expect(decodeFrame(f).lldp).toMatchObject({ chassisId: { id: A }, portId: { id: 'veth0' }, ttl: 120, systemName: 'host-a' });
  });

  it('IPv6 extension headers are walked; IPv4 options parsed', () => {
    const chain = walkIpv6Extensions(0, Buffer.concat([Buffer.from([60, 0, 1, 4, 0, 0, 0, 0]), Buffer.from([44, 0, 1, 4, 0, 0, 0, 0]), Buffer.from([17, 0, 0, 9, 0, 0, 0, 1]), Buffer.alloc(8)]));
    expect(chain.extensions.map((e) => e.type)).toEqual([0, 60, 44]);
    expect(chain).toMatchObject({ protocol: 17, fragmentOffset: 8 });
    expect(chain.payload.length).toBe(0);
    expect(parseIpv4Options(Buffer.from([7, 7, 4, 0, 0, 0, 0, 1, 0]))).toEqual([{ type: 7, data: Buffer.from([4, 0, 0, 0, 0]) }, { type: 1, data: Buffer.alloc(0) }, { type: 0, data: Buffer.alloc(0) }]);
    expect(() => parseIpv4Options(Buffer.from([7, 9, 4]))).toThrow(FrameParseError);
  });
});

describe('decodeFrame over the corpus', () => {
  const corpus = richCorpus();
  it('decodes every corpus frame with every checksum good', () => {
    for (const { name, frame } of corpus) {
      const d = decodeFrame(frame);
      if (d.udp) expect(d.udp.checksumStatus, name).toMatch(/good|none/);
      if (d.tcp) expect(d.tcp.checksumStatus, name).toBe('good');
      for (const m of [d.icmp, d.icmpv6]) if (m) expect(m.checksumValid, name).toBe(true);
      expect(summarizeFrame(frame), name).not.toMatch(/ERR_|bad/);
    }
  });

  it('a partial (offloaded) checksum is never called bad', () => {
    const f = Buffer.from((corpus.find((c) => c.name === 'udp4') as { frame: Buffer }).frame);
    f.writeUInt16BE(0x1234, 14 + 20 + 6); // what a veth carries: only the pseudo-header sum
    expect(decodeFrame(f).udp).toMatchObject({ checksumStatus: 'bad', checksumValid: false });
    expect(decodeFrame(f, { checksum: 'partial' }).udp).toMatchObject({ checksumStatus: 'partial', checksumValid: true });
    expect(decodeFrame(f, { checksum: 'valid' }).udp?.checksumStatus).toBe('kernel-verified');
    expect(summarizeFrame(f, { checksum: 'partial' })).not.toContain('bad');
    expect(summarizeFrame(f)).toContain('[bad checksum]');
  });

  it('fuzz: prefixes and random mutations of every corpus frame only throw FrameParseError', () => {
    let parsed = 0;
    let rejected = 0;
    for (const { frame } of corpus) {
      const tries: Buffer[] = [];
      for (let n = 0; n <= frame.length; n += 1 + rnd(3)) tries.push(frame.subarray(0, n));
      for (let i = 0; i < 400; i++) {
        const m = Buffer.from(frame);
        for (let k = 0; k < 1 + rnd(4); k++) m[rnd(m.length)] = rnd(256);
        tries.push(m.subarray(0, rnd(3) ? m.length : rnd(m.length + 1)));
      }
      for (const t of tries) {
        expect(typeof summarizeFrame(t)).toBe('string');
        try {
          decodeFrame(t);
          parsed++;
        } catch (e) {
          if (!(e instanceof FrameParseError)) throw new Error(`${String(e)} for ${t.toString('hex')}`);
          rejected++;
        }
      }
    }
    expect(parsed).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  });
});
