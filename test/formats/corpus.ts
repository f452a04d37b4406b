// A corpus of ~45 kinds of Ethernet frames, hand-packed on top of sockit's
// Ethernet/IP/UDP builders (so it does not depend on the codecs it checks):
// ARP/RARP, IPv4 with options and fragments, UDP/TCP/SCTP/IGMP, ICMP echo
// and errors, IPv6 with hop-by-hop, routing, fragment and destination
// options headers, ICMPv6 echo/ND/MLDv2, DHCP, LLDP, VLAN and QinQ tags,
// broadcast and multicast destinations, small and large frames.
import { buildArp, buildEthernet, buildIpv4, buildIpv6, buildUdpFrame, internetChecksum } from '../helpers/sockit';

export const DST = '02:5f:00:00:00:0b';

/** Source MAC of frame `i`: unique per frame, so a receiver can tell frames apart whatever a VLAN offload did. */
export const srcMac = (i: number): string => `02:5f:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

/** The pseudo-header checksum of a transport segment (for TCP and ICMPv6 built by hand). */
function pseudoSum(src: Buffer, dst: Buffer, proto: number, seg: Buffer): number {
  const ph = Buffer.alloc(src.length === 4 ? 12 : 40);
  if (src.length === 4) {
    src.copy(ph, 0);
    dst.copy(ph, 4);
    ph[9] = proto;
    ph.writeUInt16BE(seg.length, 10);
  } else {
    src.copy(ph, 0);
    dst.copy(ph, 16);
    ph.writeUInt32BE(seg.length, 32);
    ph[39] = proto;
  }
  return internetChecksum(Buffer.concat([ph, seg]));
}

function ipBytes(a: string): Buffer {
  if (a.includes(':')) {
    const [h, t] = a.split('::') as [string, string | undefined];
    const head = h ? h.split(':') : [];
    const tail = t ? t.split(':') : [];
    const groups = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
    const b = Buffer.alloc(16);
    groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
    return b;
  }
  return Buffer.from(a.split('.').map(Number));
}

/** A TCP segment with options and a correct checksum. */
export function tcpSegment(src: string, dst: string, sport: number, dport: number, flags: number, options: Buffer = Buffer.alloc(0), payload: Buffer = Buffer.alloc(0)): Buffer {
  const hl = 20 + options.length;
  const seg = Buffer.alloc(hl + payload.length);
  seg.writeUInt16BE(sport, 0);
  seg.writeUInt16BE(dport, 2);
  seg.writeUInt32BE(1000, 4);
  seg.writeUInt32BE(flags & 0x10 ? 2000 : 0, 8);
  seg[12] = (hl / 4) << 4;
  seg[13] = flags;
  seg.writeUInt16BE(64240, 14);
  options.copy(seg, 20);
  payload.copy(seg, hl);
  seg.writeUInt16BE(pseudoSum(ipBytes(src), ipBytes(dst), 6, seg), 16);
  return seg;
}

/** An ICMPv6 message with its checksum. */
export function icmp6(src: string, dst: string, type: number, code: number, body: Buffer): Buffer {
  const m = Buffer.concat([Buffer.from([type, code, 0, 0]), body]);
  m.writeUInt16BE(pseudoSum(ipBytes(src), ipBytes(dst), 58, m), 2);
  return m;
}

function icmp4(type: number, code: number, body: Buffer): Buffer {
  const m = Buffer.concat([Buffer.from([type, code, 0, 0]), body]);
  m.writeUInt16BE(internetChecksum(m), 2);
  return m;
}

/** A DNS query for "a." (type A), and an empty NOERROR reply. */
const DNS_QUERY = Buffer.from('123401000001000000000000016100' + '00010001', 'hex');
const DNS_REPLY = Buffer.from('123481800000000000000000', 'hex');

/** Every frame of the corpus, with a short name each. */
export function richCorpus(): Array<{ name: string; frame: Buffer }> {
  const out: Array<{ name: string; frame: Buffer }> = [];
  const add = (name: string, make: (src: string) => Buffer): void => {
    out.push({ name, frame: make(srcMac(out.length)) });
  };
  const eth = (src: string, etherType: number, payload: Buffer, o: { dst?: string; vlans?: Array<{ id: number; tpid?: number; priority?: number }> } = {}): Buffer =>
    buildEthernet({ destination: o.dst ?? DST, source: src, etherType, payload, pad: true, ...(o.vlans ? { vlans: o.vlans } : {}) });
  const v4 = (src: string, proto: number, payload: Buffer, o: { s?: string; d?: string; options?: Buffer; dst?: string; vlans?: Array<{ id: number; tpid?: number }>; ttl?: number } = {}): Buffer =>
    eth(src, 0x0800, buildIpv4({ source: o.s ?? '198.18.0.1', destination: o.d ?? '198.18.0.2', protocol: proto, payload, ...(o.options ? { options: o.options } : {}), ...(o.ttl ? { ttl: o.ttl } : {}) }), o);
  const v6 = (src: string, nh: number, payload: Buffer, o: { s?: string; d?: string; dst?: string; vlans?: Array<{ id: number; tpid?: number }>; hop?: number } = {}): Buffer =>
    eth(src, 0x86dd, buildIpv6({ source: o.s ?? 'fd00:5f::1', destination: o.d ?? 'fd00:5f::2', nextHeader: nh, payload, ...(o.hop ? { hopLimit: o.hop } : {}) }), o);
  const udpF = (src: string, o: Partial<Parameters<typeof buildUdpFrame>[0]> = {}): Buffer =>
    buildUdpFrame({ sourceMac: src, destinationMac: DST, source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 43000, destinationPort: 5000, payload: Buffer.from('x'), ...o });

  add('udp4', (s) => udpF(s));
  add('udp4 dns query', (s) => udpF(s, { destinationPort: 53, payload: DNS_QUERY }));
  add('udp4 dns reply from 198.19', (s) => udpF(s, { source: '198.19.1.1', destination: '198.18.0.2', sourcePort: 53, destinationPort: 33000, payload: DNS_REPLY }));
  add('udp6', (s) => udpF(s, { source: 'fd00:5f::1', destination: 'fd00:5f::2' }));
  add('udp6 dns query', (s) => udpF(s, { source: 'fd00:5f::1', destination: 'fd00:5f::2', destinationPort: 53, payload: DNS_QUERY }));
  add('udp4 vlan 100', (s) => udpF(s, { vlans: [{ id: 100 }] }));
  add('udp4 vlan 101 pcp 5', (s) => udpF(s, { vlans: [{ id: 101, priority: 5 }] }));
  add('udp4 802.1ad 100', (s) => udpF(s, { vlans: [{ id: 100, tpid: 0x88a8 }] }));
  add('udp4 qinq 100/42', (s) => udpF(s, { vlans: [{ id: 100, tpid: 0x88a8 }, { id: 42 }] }));
  add('udp4 qinq 100/200', (s) => udpF(s, { vlans: [{ id: 100 }, { id: 200 }] }));
  add('udp6 vlan 10', (s) => udpF(s, { source: 'fd00:5f::1', destination: 'fd00:5f::2', vlans: [{ id: 10 }] }));
  add('dhcp discover (broadcast)', (s) => {
    const b = Buffer.alloc(240 + 4);
    b[0] = 1; b[1] = 1; b[2] = 6; b.writeUInt32BE(0x12345678, 4);
    Buffer.from(s.split(':').map((h) => parseInt(h, 16))).copy(b, 28);
    b.writeUInt32BE(0x63825363, 236);
    Buffer.from([53, 1, 1, 255]).copy(b, 240);
    return buildUdpFrame({ sourceMac: s, destinationMac: 'ff:ff:ff:ff:ff:ff', source: '0.0.0.0', destination: '255.255.255.255', sourcePort: 68, destinationPort: 67, payload: b });
  });
  add('udp4 big 1400', (s) => udpF(s, { payload: Buffer.alloc(1400, 7) }));
  add('tcp4 syn mss/ws/sack/ts', (s) => v4(s, 6, tcpSegment('198.18.0.1', '198.18.0.2', 40000, 80, 0x02, Buffer.from([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]))));
  add('tcp4 syn-ack', (s) => v4(s, 6, tcpSegment('198.18.0.2', '198.18.0.1', 80, 40000, 0x12, Buffer.from([2, 4, 5, 0xb4])), { s: '198.18.0.2', d: '198.18.0.1' }));
  add('tcp4 ack data', (s) => v4(s, 6, tcpSegment('198.18.0.1', '198.18.0.2', 40000, 5000, 0x18, Buffer.alloc(0), Buffer.from('hello'))));
  add('tcp4 rst', (s) => v4(s, 6, tcpSegment('198.18.0.1', '198.18.0.2', 40000, 80, 0x04)));
  add('tcp6 syn', (s) => v6(s, 6, tcpSegment('fd00:5f::1', 'fd00:5f::2', 40000, 443, 0x02, Buffer.from([2, 4, 5, 0xa0]))));
  add('tcp6 fin-ack', (s) => v6(s, 6, tcpSegment('fd00:5f::1', 'fd00:5f::2', 40000, 5000, 0x11)));
  add('sctp4 port 9', (s) => { const c = Buffer.alloc(12 + 4); c.writeUInt16BE(9, 0); c.writeUInt16BE(9, 2); c.set([14, 0, 0, 4], 12); return v4(s, 132, c); }); // SHUTDOWN COMPLETE
  add('igmpv2 report', (s) => { const m = Buffer.from([0x16, 0, 0, 0, 239, 1, 2, 3]); m.writeUInt16BE(internetChecksum(m), 2); return v4(s, 2, m, { d: '239.1.2.3', dst: '01:00:5e:01:02:03', options: Buffer.from([0x94, 4, 0, 0]), ttl: 1 }); });
  add('icmp4 echo request', (s) => v4(s, 1, icmp4(8, 0, Buffer.from([0, 77, 0, 5, 0x70, 0x69, 0x6e, 0x67]))));
  add('icmp4 echo reply', (s) => v4(s, 1, icmp4(0, 0, Buffer.from([0, 77, 0, 5, 0x70, 0x69, 0x6e, 0x67])), { s: '198.18.0.2', d: '198.18.0.1' }));
  add('icmp4 port unreachable', (s) => {
    const inner = buildIpv4({ source: '198.18.0.1', destination: '198.18.0.2', protocol: 17, payload: Buffer.from([0x0f, 0xa0, 0x13, 0x89, 0, 9, 0, 0, 0x78]) });
    return v4(s, 1, icmp4(3, 3, Buffer.concat([Buffer.alloc(4), inner])), { s: '198.18.0.2', d: '198.18.0.1' });
  });
  add('icmp4 time exceeded', (s) => {
    const inner = buildIpv4({ source: '198.18.0.1', destination: '198.19.9.9', protocol: 1, ttl: 1, payload: icmp4(8, 0, Buffer.from([0, 1, 0, 1])) });
    return v4(s, 1, icmp4(11, 0, Buffer.concat([Buffer.alloc(4), inner])), { s: '198.18.0.254', d: '198.18.0.1' });
  });
  add('ipv4 options (rr) udp', (s) => v4(s, 17, Buffer.from([0x0f, 0xa0, 0x13, 0x88, 0, 8, 0, 0]), { options: Buffer.from([7, 7, 4, 0, 0, 0, 0, 1]) }));
  add('ipv4 fragment 2', (s) => {
    const ip = buildIpv4({ source: '198.18.0.1', destination: '198.18.0.2', protocol: 17, payload: Buffer.alloc(16, 3), dontFragment: false });
    ip.writeUInt16BE(0x0001, 6);
    ip.writeUInt16BE(0, 10);
    ip.writeUInt16BE(internetChecksum(ip.subarray(0, 20)), 10);
    return eth(s, 0x0800, ip);
  });
  add('icmp6 echo request', (s) => v6(s, 58, icmp6('fd00:5f::1', 'fd00:5f::2', 128, 0, Buffer.from([0, 9, 0, 1, 0x61, 0x62]))));
  add('icmp6 echo reply', (s) => v6(s, 58, icmp6('fd00:5f::2', 'fd00:5f::1', 129, 0, Buffer.from([0, 9, 0, 1, 0x61, 0x62])), { s: 'fd00:5f::2', d: 'fd00:5f::1' }));
  add('icmp6 neighbor solicitation', (s) => {
    const body = Buffer.concat([Buffer.alloc(4), ipBytes('fd00:5f::2'), Buffer.from([1, 1]), Buffer.from(s.split(':').map((h) => parseInt(h, 16)))]);
    return v6(s, 58, icmp6('fd00:5f::1', 'ff02::1:ff00:2', 135, 0, body), { d: 'ff02::1:ff00:2', dst: '33:33:ff:00:00:02', hop: 255 });
  });
  add('icmp6 neighbor advertisement', (s) => {
    const body = Buffer.concat([Buffer.from([0x60, 0, 0, 0]), ipBytes('fd00:5f::2'), Buffer.from([2, 1]), Buffer.from(s.split(':').map((h) => parseInt(h, 16)))]);
    return v6(s, 58, icmp6('fd00:5f::2', 'fd00:5f::1', 136, 0, body), { s: 'fd00:5f::2', d: 'fd00:5f::1', hop: 255 });
  });
  add('icmp6 router solicitation', (s) => v6(s, 58, icmp6('fe80::1', 'ff02::2', 133, 0, Buffer.alloc(4)), { s: 'fe80::1', d: 'ff02::2', dst: '33:33:00:00:00:02', hop: 255 }));
  add('icmp6 router advertisement', (s) => {
    const body = Buffer.concat([Buffer.from([64, 0, 0x07, 0x08]), Buffer.alloc(8), Buffer.from([3, 4, 64, 0xc0, 0, 0, 0x0e, 0x10, 0, 0, 0x0e, 0x10, 0, 0, 0, 0]), ipBytes('fd00:5f::'), Buffer.from([5, 1, 0, 0, 0, 0, 5, 0xdc])]);
    return v6(s, 58, icmp6('fe80::2', 'ff02::1', 134, 0, body), { s: 'fe80::2', d: 'ff02::1', dst: '33:33:00:00:00:01', hop: 255 });
  });
  add('icmp6 port unreachable', (s) => {
    const inner = buildIpv6({ source: 'fd00:5f::1', destination: 'fd00:5f::2', nextHeader: 17, payload: Buffer.from([0x0f, 0xa0, 0x13, 0x89, 0, 8, 0, 0]) });
    return v6(s, 58, icmp6('fd00:5f::2', 'fd00:5f::1', 1, 4, Buffer.concat([Buffer.alloc(4), inner])), { s: 'fd00:5f::2', d: 'fd00:5f::1' });
  });
  add('mldv2 report (hop-by-hop)', (s) => {
    const rec = Buffer.concat([Buffer.from([4, 0, 0, 0]), ipBytes('ff02::fb')]);
    const mld = icmp6('fe80::1', 'ff02::16', 143, 0, Buffer.concat([Buffer.from([0, 0, 0, 1]), rec]));
    const hbh = Buffer.from([58, 0, 5, 2, 0, 0, 1, 0]); // router alert (MLD), PadN
    return v6(s, 0, Buffer.concat([hbh, mld]), { s: 'fe80::1', d: 'ff02::16', dst: '33:33:00:00:00:16', hop: 1 });
  });
  add('ipv6 fragment header + udp', (s) => {
    const frag = Buffer.from([17, 0, 0, 1, 0, 0, 0, 42]); // offset 0, more fragments
    const udp = Buffer.from([0x0f, 0xa0, 0x00, 0x35, 0, 16, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    udp.writeUInt16BE(pseudoSum(ipBytes('fd00:5f::1'), ipBytes('fd00:5f::2'), 17, udp), 6);
    return v6(s, 44, Buffer.concat([frag, udp]));
  });
  add('ipv6 fragment header + icmp6', (s) => v6(s, 44, Buffer.concat([Buffer.from([58, 0, 0, 1, 0, 0, 0, 43]), icmp6('fd00:5f::1', 'fd00:5f::2', 128, 0, Buffer.from([0, 1, 0, 1]))])));
  add('ipv6 routing header + tcp', (s) => v6(s, 43, Buffer.concat([Buffer.from([6, 2, 0, 1, 0, 0, 0, 0]), ipBytes('fd00:5f::3'), tcpSegment('fd00:5f::1', 'fd00:5f::3', 40000, 80, 0x02)])));
  add('ipv6 destination options + udp', (s) => {
    const udp = Buffer.from([0x0f, 0xa0, 0x13, 0x88, 0, 8, 0, 0]);
    udp.writeUInt16BE(pseudoSum(ipBytes('fd00:5f::1'), ipBytes('fd00:5f::2'), 17, udp), 6);
    return v6(s, 60, Buffer.concat([Buffer.from([17, 0, 1, 4, 0, 0, 0, 0]), udp]));
  });
  add('udp6 link-local to ff02::fb (mdns)', (s) => buildUdpFrame({ sourceMac: s, destinationMac: '33:33:00:00:00:fb', source: 'fe80::1', destination: 'ff02::fb', sourcePort: 5353, destinationPort: 5353, payload: Buffer.alloc(12) }));
  add('udp4 multicast 239.1.2.3', (s) => udpF(s, { destinationMac: '01:00:5e:01:02:03', destination: '239.1.2.3', destinationPort: 5000 }));
  add('udp4 subnet broadcast', (s) => udpF(s, { destinationMac: 'ff:ff:ff:ff:ff:ff', destination: '198.18.0.255', destinationPort: 9 }));
  add('arp request', (s) => eth(s, 0x0806, buildArp({ operation: 'request', senderMac: s, senderIp: '198.18.0.1', targetIp: '198.18.0.2' }), { dst: 'ff:ff:ff:ff:ff:ff' }));
  add('arp reply', (s) => eth(s, 0x0806, buildArp({ operation: 'reply', senderMac: s, senderIp: '198.18.0.2', targetMac: DST, targetIp: '198.18.0.1' })));
  add('arp request vlan 100', (s) => eth(s, 0x0806, buildArp({ operation: 'request', senderMac: s, senderIp: '198.18.0.1', targetIp: '198.18.0.99' }), { dst: 'ff:ff:ff:ff:ff:ff', vlans: [{ id: 100 }] }));
  add('rarp request', (s) => { const a = buildArp({ operation: 'request', senderMac: s, senderIp: '0.0.0.0', targetIp: '0.0.0.0' }); a.writeUInt16BE(3, 6); return eth(s, 0x8035, a, { dst: 'ff:ff:ff:ff:ff:ff' }); });
  add('lldp', (s) => {
    const mac = Buffer.from(s.split(':').map((h) => parseInt(h, 16)));
    const tlv = (type: number, v: Buffer): Buffer => Buffer.concat([Buffer.from([(type << 1) | (v.length >> 8), v.length & 0xff]), v]);
    const body = Buffer.concat([tlv(1, Buffer.concat([Buffer.from([4]), mac])), tlv(2, Buffer.from('\x05veth0', 'latin1')), tlv(3, Buffer.from([0, 120])), tlv(5, Buffer.from('host-a')), Buffer.from([0, 0])]);
    return eth(s, 0x88cc, body, { dst: '01:80:c2:00:00:0e' });
  });
  add('custom 0x88b5', (s) => eth(s, 0x88b5, Buffer.from('custom payload')));
  add('custom 0x88b5 vlan 42', (s) => eth(s, 0x88b5, Buffer.from('tagged'), { vlans: [{ id: 42, priority: 3 }] }));
  add('ipv6 unknown next header 253', (s) => v6(s, 253, Buffer.alloc(8, 9)));
  return out;
}
