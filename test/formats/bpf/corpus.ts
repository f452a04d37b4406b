import { buildArp, buildEthernet, buildIpv4, buildUdpFrame } from '../../helpers/sockit';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

/** A corpus of frames covering every predicate's yes and no cases. */
export function corpus(): Buffer[] {
  const udp = (o: Partial<Parameters<typeof buildUdpFrame>[0]> = {}): Buffer =>
    buildUdpFrame({ sourceMac: A, destinationMac: B, source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 4000, destinationPort: 5000, payload: Buffer.from('x'), ...o });
  const tcpLike = (src: string, dst: string): Buffer => {
    const seg = Buffer.alloc(20);
    seg.writeUInt16BE(80, 0);
    seg.writeUInt16BE(5000, 2);
    if (src.includes(':')) {
      const ip6 = Buffer.alloc(40 + 20);
      ip6.writeUInt32BE(0x60000000, 0);
      ip6.writeUInt16BE(20, 4);
      ip6[6] = 6;
      seg.copy(ip6, 40);
      return buildEthernet({ destination: B, source: A, etherType: 0x86dd, payload: ip6 });
    }
    return buildEthernet({ destination: B, source: A, etherType: 0x0800, payload: buildIpv4({ source: src, destination: dst, protocol: 6, payload: seg }) });
  };
  const frag = buildIpv4({ source: '198.18.0.1', destination: '198.18.0.2', protocol: 17, payload: Buffer.alloc(16), dontFragment: false });
  frag.writeUInt16BE(0x0001, 6); // fragment offset 8: no UDP header here
  frag.writeUInt16BE(0, 10);
  const withOptions = buildIpv4({ source: '198.18.0.1', destination: '198.18.0.2', protocol: 17, options: Buffer.from([1, 1, 1, 0]), payload: Buffer.from([0x0f, 0xa0, 0x13, 0x88, 0, 8, 0, 0]) });
  return [
    udp(),
    udp({ destinationPort: 5001 }),
    udp({ sourcePort: 5000, destinationPort: 9 }),
    udp({ source: 'fd00:5f::1', destination: 'fd00:5f::2' }),
    udp({ source: 'fd00:5f::1', destination: 'fd00:5f::2', destinationPort: 53 }),
    udp({ vlans: [{ id: 100 }] }),
    udp({ vlans: [{ id: 101 }] }),
    udp({ vlans: [{ id: 100, tpid: 0x88a8 }] }),
    udp({ sourceMac: B, destinationMac: A }),
    tcpLike('198.18.0.1', '198.18.0.2'),
    tcpLike('fd00:5f::1', 'fd00:5f::2'),
    buildEthernet({ destination: B, source: A, etherType: 0x0800, payload: frag }),
    buildEthernet({ destination: B, source: A, etherType: 0x0800, payload: withOptions }),
    buildEthernet({ destination: 'ff:ff:ff:ff:ff:ff', source: A, etherType: 0x0806, payload: buildArp({ operation: 'request', senderMac: A, senderIp: '198.18.0.1', targetIp: '198.18.0.2' }) }),
    buildEthernet({ destination: B, source: A, etherType: 0x88b5, payload: Buffer.from('custom') }),
    Buffer.alloc(10), // runt: every load out of bounds
  ];
}

