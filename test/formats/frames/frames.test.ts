import { describe, expect, it } from 'vitest';
import {
  FrameParseError,
  buildArp,
  buildEthernet,
  buildIcmpEcho,
  buildIcmpEchoFrame,
  buildIpv4,
  buildIpv6,
  buildUdp,
  buildUdpFrame,
  bytesToIp,
  compareMac,
  decodeFrame,
  insertVlanTag,
  internetChecksum,
  ipToBytes,
  isBroadcastMac,
  isMulticastMac,
  multicastMacFor,
  parseArp,
  parseEthernet,
  parseIcmpEcho,
  parseIpv4,
  parseIpv6,
  parseUdp,
  summarizeFrame,
  udpChecksum,
  verifyUdpChecksum,
} from '../../helpers/sockit';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

function expectParseError(fn: () => unknown, code?: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FrameParseError);
  if (code) expect((err as FrameParseError).code).toBe(code);
}

describe('MAC helpers', () => {
  it('compares, classifies and maps multicast groups', () => {
    expect(compareMac('02:00:00:00:00:0A', '02-00-00-00-00-0a')).toBe(0);
    expect(compareMac(A, B)).toBeLessThan(0);
    expect([B, A].sort(compareMac)).toEqual([A, B]);
    expect(isMulticastMac('01:00:5e:00:00:01')).toBe(true);
    expect(isMulticastMac(A)).toBe(false);
    expect(isBroadcastMac('ff:ff:ff:ff:ff:ff')).toBe(true);
    expect(multicastMacFor('239.192.0.100')).toBe('01:00:5e:40:00:64');
    expect(multicastMacFor('ff02::1:ff00:1')).toBe('33:33:ff:00:00:01');
    expect(() => compareMac('nope', A)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });
});

describe('IP text <-> bytes', () => {
  it('round-trips IPv4 and IPv6 (RFC 5952 compression)', () => {
    for (const a of ['198.18.0.1', '0.0.0.0', 'fd00:5f::1', '::', '::1', 'fe80::1:2:3:4', '1:2:3:4:5:6:7:8', '1:0:0:2::3', 'ff02::1:ff00:1']) {
      expect(bytesToIp(ipToBytes(a))).toBe(a);
    }
    expect(bytesToIp(ipToBytes('::ffff:198.18.0.1'))).toBe('::ffff:198.18.0.1'); // RFC 5952 §5 mixed notation, as inet_ntop and Node print it
    expect(bytesToIp(ipToBytes('1:0:0:0:0:0:0:1'))).toBe('1::1');
  });
});

describe('Ethernet and VLAN tags', () => {
  it('builds and parses untagged, 802.1Q and Q-in-Q frames zero-copy', () => {
    const payload = Buffer.from('hello');
    const f = buildEthernet({ destination: B, source: A, etherType: 0x88b5, payload });
    expect(f.length).toBe(19);
    const p = parseEthernet(f);
    expect(p).toMatchObject({ destination: B, source: A, vlans: [], etherType: 0x88b5, headerLength: 14 });
    expect(p.payload.equals(payload)).toBe(true);
    expect(p.payload.buffer).toBe(f.buffer); // a view, not a copy

    const q = buildEthernet({ destination: B, source: A, etherType: 0x0800, vlans: [{ id: 100, priority: 5, dropEligible: true }], payload, pad: true });
    expect(q.length).toBe(60);
    expect(q.readUInt16BE(12)).toBe(0x8100);
    expect(parseEthernet(q).vlans).toEqual([{ id: 100, priority: 5, dropEligible: true, tpid: 0x8100 }]);

    const qq = buildEthernet({ destination: B, source: A, etherType: 0x86dd, vlans: [{ id: 7, tpid: 0x88a8 }, { id: 4095 }] });
    const pq = parseEthernet(qq);
    expect(pq.vlans.map((v) => [v.tpid, v.id])).toEqual([[0x88a8, 7], [0x8100, 4095]]);
    expect(pq.etherType).toBe(0x86dd);
    expect(pq.headerLength).toBe(22);
  });

  it('re-inserts a stripped tag', () => {
    const f = buildEthernet({ destination: B, source: A, etherType: 0x0800, payload: Buffer.from([1, 2, 3]) });
    const t = insertVlanTag(f, { id: 42, priority: 3 });
    expect(t.equals(buildEthernet({ destination: B, source: A, etherType: 0x0800, vlans: [{ id: 42, priority: 3 }], payload: Buffer.from([1, 2, 3]) }))).toBe(true);
  });

  it('rejects bad inputs with typed errors', () => {
    expect(() => buildEthernet({ destination: B, source: A, etherType: 0x10000 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => buildEthernet({ destination: B, source: A, etherType: 1, vlans: [{ id: 5000 }] })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expectParseError(() => parseEthernet(Buffer.alloc(13)), 'ERR_FRAME_TRUNCATED');
    const tagged = buildEthernet({ destination: B, source: A, etherType: 1, vlans: [{ id: 1 }] });
    expectParseError(() => parseEthernet(tagged.subarray(0, 16)), 'ERR_FRAME_TRUNCATED');
  });
});

describe('ARP', () => {
  it('round-trips requests and replies', () => {
    const req = buildArp({ operation: 'request', senderMac: A, senderIp: '198.18.0.1', targetIp: '198.18.0.2' });
    expect(req.length).toBe(28);
    expect(parseArp(req)).toEqual({ operation: 'request', senderMac: A, senderIp: '198.18.0.1', targetMac: '00:00:00:00:00:00', targetIp: '198.18.0.2' });
    const rep = buildArp({ operation: 'reply', senderMac: B, senderIp: '198.18.0.2', targetMac: A, targetIp: '198.18.0.1' });
    expect(parseArp(rep).operation).toBe('reply');
    expectParseError(() => parseArp(req.subarray(0, 20)), 'ERR_FRAME_TRUNCATED');
    const odd = Buffer.from(req);
    odd[4] = 8;
    expectParseError(() => parseArp(odd), 'ERR_FRAME_UNSUPPORTED');
  });
});

describe('IPv4 / IPv6', () => {
  it('computes a header checksum that verifies, and cuts Ethernet padding', () => {
    const p = buildIpv4({ source: '198.18.0.1', destination: '198.18.0.2', protocol: 17, payload: Buffer.from('abc'), ttl: 9, dscp: 46, identification: 0x1234 });
    expect(internetChecksum(p.subarray(0, 20))).toBe(0);
    const padded = Buffer.concat([p, Buffer.alloc(20)]);
    const q = parseIpv4(padded);
    expect(q).toMatchObject({ version: 4, headerLength: 20, totalLength: 23, ttl: 9, dscp: 46, identification: 0x1234, protocol: 17, source: '198.18.0.1', destination: '198.18.0.2', checksumValid: true, dontFragment: true });
    expect(q.payload.toString()).toBe('abc');
    const bad = Buffer.from(p);
    bad[8] = 10;
    expect(parseIpv4(bad).checksumValid).toBe(false);
  });

  it('never trusts a lying length', () => {
    const p = buildIpv4({ source: '198.18.0.1', destination: '198.18.0.2', protocol: 17, payload: Buffer.alloc(8) });
    const lie = Buffer.from(p);
    lie.writeUInt16BE(500, 2);
    expectParseError(() => parseIpv4(lie), 'ERR_FRAME_TRUNCATED');
    lie.writeUInt16BE(10, 2);
    expectParseError(() => parseIpv4(lie), 'ERR_FRAME_BAD_LENGTH');
    const ihl = Buffer.from(p);
    ihl[0] = 0x4f; // 60-byte header in a 28-byte packet
    expectParseError(() => parseIpv4(ihl), 'ERR_FRAME_TRUNCATED');
    ihl[0] = 0x42;
    expectParseError(() => parseIpv4(ihl), 'ERR_FRAME_BAD_LENGTH');
    ihl[0] = 0x65;
    expectParseError(() => parseIpv4(ihl), 'ERR_FRAME_UNSUPPORTED');
  });

  it('round-trips IPv6 and rejects a lying payload length', () => {
    const p = buildIpv6({ source: 'fd00:5f::1', destination: 'fd00:5f::2', nextHeader: 17, payload: Buffer.from('xyz'), hopLimit: 3, trafficClass: 0xb8, flowLabel: 0xabcde });
    expect(parseIpv6(p)).toMatchObject({ version: 6, trafficClass: 0xb8, flowLabel: 0xabcde, payloadLength: 3, nextHeader: 17, hopLimit: 3, source: 'fd00:5f::1', destination: 'fd00:5f::2' });
    const lie = Buffer.from(p);
    lie.writeUInt16BE(4, 4);
    expectParseError(() => parseIpv6(lie), 'ERR_FRAME_TRUNCATED');
    expect(() => buildIpv6({ source: '198.18.0.1', destination: 'fd00:5f::2', nextHeader: 17 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });
});

describe('UDP and ICMP', () => {
  it('computes checksums with the IPv4 and IPv6 pseudo-headers', () => {
    // Known answer: computed independently (RFC 768 sum by hand for this exact datagram).
    const v4 = { source: '198.18.0.1', destination: '198.18.0.2' };
    const d = buildUdp({ sourcePort: 1000, destinationPort: 2000, payload: Buffer.from('hi') }, v4);
    const manual = (() => {
      const words = [0xc612, 0x0001, 0xc612, 0x0002, 17, 10, 1000, 2000, 10, 0x6869];
      let s = words.reduce((a, b) => a + b, 0);
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      return ~s & 0xffff;
    })();
    expect(d.readUInt16BE(6)).toBe(manual);
    expect(verifyUdpChecksum(v4, d)).toBe(true);
    const v6 = { source: 'fd00:5f::1', destination: 'fd00:5f::2' };
    const d6 = buildUdp({ sourcePort: 5, destinationPort: 6, payload: Buffer.from('odd') }, v6);
    expect(verifyUdpChecksum(v6, d6)).toBe(true);
    expect(udpChecksum(v6, d6)).toBe(d6.readUInt16BE(6));
    d6[9] ^= 1;
    expect(verifyUdpChecksum(v6, d6)).toBe(false);
    expect(parseUdp(d)).toMatchObject({ sourcePort: 1000, destinationPort: 2000, length: 10 });
    const lie = Buffer.from(d);
    lie.writeUInt16BE(11, 4);
    expectParseError(() => parseUdp(lie), 'ERR_FRAME_TRUNCATED');
    lie.writeUInt16BE(7, 4);
    expectParseError(() => parseUdp(lie), 'ERR_FRAME_BAD_LENGTH');
  });

  it('builds echo messages with valid checksums', () => {
    const m = buildIcmpEcho({ kind: 'request', identifier: 0x77, sequence: 3, payload: Buffer.from('ping!') });
    expect(parseIcmpEcho(m)).toMatchObject({ type: 8, code: 0, identifier: 0x77, sequence: 3, checksumValid: true });
    expectParseError(() => parseIcmpEcho(m.subarray(0, 7)), 'ERR_FRAME_TRUNCATED');
  });

  it('decodes whole frames built in one call', () => {
    const f = buildUdpFrame({ sourceMac: A, destinationMac: B, source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 4000, destinationPort: 5000, payload: Buffer.from('x'), vlans: [{ id: 9 }] });
    expect(f.length).toBe(60); // padded to the 60-byte minimum (tag included)
    const d = decodeFrame(f);
    expect(d.ethernet.vlans[0]?.id).toBe(9);
    expect(d.ipv4?.checksumValid).toBe(true);
    expect(d.udp).toMatchObject({ sourcePort: 4000, destinationPort: 5000, checksumValid: true });
    expect(d.udp?.payload.toString()).toBe('x');
    const f6 = buildUdpFrame({ sourceMac: A, destinationMac: B, source: 'fd00:5f::1', destination: 'fd00:5f::2', sourcePort: 1, destinationPort: 2, payload: Buffer.alloc(100, 1) });
    expect(decodeFrame(f6).udp?.checksumValid).toBe(true);
    const ping = buildIcmpEchoFrame({ sourceMac: A, destinationMac: B, source: '198.18.0.1', destination: '198.18.0.2', kind: 'reply', identifier: 1, sequence: 2 });
    expect(decodeFrame(ping).icmp).toMatchObject({ type: 0, sequence: 2, checksumValid: true });
    const arp = buildEthernet({ destination: 'ff:ff:ff:ff:ff:ff', source: A, etherType: 0x0806, payload: buildArp({ operation: 'request', senderMac: A, senderIp: '198.18.0.1', targetIp: '198.18.0.2' }) });
    expect(decodeFrame(arp).arp?.targetIp).toBe('198.18.0.2');
  });
});

describe('summarizeFrame', () => {
  it('describes frames in one line and never throws', () => {
    const f = buildUdpFrame({ sourceMac: A, destinationMac: B, source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 4000, destinationPort: 5000, payload: Buffer.from('hello'), vlans: [{ id: 100 }] });
    // As tcpdump -e -n prints it (without the timestamp).
    expect(summarizeFrame(f)).toBe(`${A} > ${B}, ethertype 802.1Q (0x8100), length 60: vlan 100, p 0, ethertype IPv4 (0x0800), 198.18.0.1.4000 > 198.18.0.2.5000: UDP, length 5`);
    const f6 = buildUdpFrame({ sourceMac: A, destinationMac: B, source: 'fd00:5f::1', destination: 'fd00:5f::2', sourcePort: 1, destinationPort: 2 });
    expect(summarizeFrame(f6)).toBe(`${A} > ${B}, ethertype IPv6 (0x86dd), length 62: fd00:5f::1.1 > fd00:5f::2.2: UDP, length 0`);
    expect(summarizeFrame(buildEthernet({ destination: B, source: A, etherType: 0x88b5, payload: Buffer.alloc(3) }))).toBe(`${A} > ${B}, ethertype Unknown (0x88b5), length 17: 3 bytes`);
    expect(summarizeFrame(f.subarray(0, 30))).toMatch(/\[ERR_FRAME_TRUNCATED: ipv4: /);
    expect(summarizeFrame(Buffer.alloc(5))).toMatch(/^5 bytes \[ERR_FRAME_TRUNCATED/);
  });
});

describe('fuzz: truncations and random bytes only ever throw FrameParseError', () => {
  it('survives every prefix and many random mutations', () => {
    const frames = [
      buildUdpFrame({ sourceMac: A, destinationMac: B, source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 1, destinationPort: 2, payload: Buffer.alloc(30, 7), vlans: [{ id: 1, tpid: 0x88a8 }, { id: 2 }] }),
      buildUdpFrame({ sourceMac: A, destinationMac: B, source: 'fd00:5f::1', destination: 'fd00:5f::2', sourcePort: 1, destinationPort: 2, payload: Buffer.alloc(30, 7) }),
      buildIcmpEchoFrame({ sourceMac: A, destinationMac: B, source: '198.18.0.1', destination: '198.18.0.2', kind: 'request', identifier: 1, sequence: 1 }),
    ];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const f of frames) {
      for (let n = 0; n <= f.length; n++) {
        try {
          decodeFrame(f.subarray(0, n));
        } catch (e) {
          expect(e).toBeInstanceOf(FrameParseError);
        }
      }
      for (let i = 0; i < 3000; i++) {
        const m = Buffer.from(f.subarray(0, rnd(f.length + 1)));
        for (let k = 0; k < 4 && m.length; k++) m[rnd(m.length)] = rnd(256);
        expect(typeof summarizeFrame(m)).toBe('string');
        try {
          decodeFrame(m);
        } catch (e) {
          expect(e).toBeInstanceOf(FrameParseError);
        }
      }
    }
  });
});
