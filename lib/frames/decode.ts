/**
 * Whole-frame helpers: decode every layer the codecs know in one call, and
 * build complete UDP / ICMP echo frames in one call.
 * @module
 */
import * as net from 'node:net';
import { invalidArgType } from '../errors';
import { ArpPacket, parseArp } from './arp';
import { buildEthernet, EthernetFrame, EtherType, parseEthernet, VlanTagInput } from './ethernet';
import { buildIpv4, buildIpv6, IpProtocol, Ipv4Packet, Ipv6Packet, parseIpv4, parseIpv6 } from './ip';
import { MacInput } from './mac';
import { buildIcmpEcho, buildUdp, IcmpEcho, IcmpEchoInput, parseIcmpEcho, parseUdp, UdpDatagram, verifyUdpChecksum } from './transport';

/** Every layer found in a frame. Unknown upper layers are simply absent. */
export interface DecodedFrame {
  ethernet: EthernetFrame;
  arp?: ArpPacket;
  ipv4?: Ipv4Packet;
  ipv6?: Ipv6Packet;
  udp?: UdpDatagram & { checksumValid: boolean };
  icmp?: IcmpEcho;
}

/**
 * Decode Ethernet (+VLAN), then ARP / IPv4 / IPv6, then UDP / ICMPv4 echo.
 * Throws {@link FrameParseError} when a known layer is truncated or lies about its length.
 */
export function decodeFrame(frame: Uint8Array): DecodedFrame {
  const ethernet = parseEthernet(frame);
  const out: DecodedFrame = { ethernet };
  let proto = -1;
  let payload: Buffer | undefined;
  let addrs: { source: string; destination: string } | undefined;
  if (ethernet.etherType === EtherType.ARP) {
    out.arp = parseArp(ethernet.payload);
  } else if (ethernet.etherType === EtherType.IPV4) {
    const ip = parseIpv4(ethernet.payload);
    out.ipv4 = ip;
    // Only the first fragment carries the transport header.
    if (ip.fragmentOffset === 0) {
      proto = ip.protocol;
      payload = ip.payload;
      addrs = ip;
    }
  } else if (ethernet.etherType === EtherType.IPV6) {
    const ip = parseIpv6(ethernet.payload);
    out.ipv6 = ip;
    proto = ip.nextHeader;
    payload = ip.payload;
    addrs = ip;
  }
  if (payload && addrs) {
    if (proto === IpProtocol.UDP) {
      const udp = parseUdp(payload);
      out.udp = { ...udp, checksumValid: verifyUdpChecksum(addrs, payload.subarray(0, udp.length)) };
    } else if (proto === IpProtocol.ICMP && out.ipv4) {
      out.icmp = parseIcmpEcho(payload);
    }
  }
  return out;
}

/** Link-layer part of the one-call builders. */
export interface LinkInput {
  sourceMac: MacInput;
  destinationMac: MacInput;
  vlans?: VlanTagInput[];
  /** Pad to the 60-byte minimum (default true). */
  pad?: boolean;
}

/** What {@link buildUdpFrame} takes: IPv4 or IPv6 by the address family. */
export interface UdpFrameInput extends LinkInput {
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
  payload?: Uint8Array;
  /** TTL / hop limit (default 64). */
  ttl?: number;
  /** IPv4 identification (default 0). */
  identification?: number;
}

/** Ethernet + IPv4/IPv6 + UDP with every length and checksum filled in. */
export function buildUdpFrame(input: UdpFrameInput): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('frame', 'an object', input);
  const ip = { source: input.source, destination: input.destination };
  const udp = buildUdp({ sourcePort: input.sourcePort, destinationPort: input.destinationPort, payload: input.payload }, ip);
  const v6 = net.isIP(input.source) === 6;
  const packet = v6
    ? buildIpv6({ ...ip, nextHeader: IpProtocol.UDP, payload: udp, hopLimit: input.ttl })
    : buildIpv4({ ...ip, protocol: IpProtocol.UDP, payload: udp, ttl: input.ttl, identification: input.identification });
  return buildEthernet({
    destination: input.destinationMac,
    source: input.sourceMac,
    vlans: input.vlans,
    etherType: v6 ? EtherType.IPV6 : EtherType.IPV4,
    payload: packet,
    pad: input.pad ?? true,
  });
}

/** What {@link buildIcmpEchoFrame} takes (IPv4). */
export interface IcmpEchoFrameInput extends LinkInput, IcmpEchoInput {
  source: string;
  destination: string;
  ttl?: number;
}

/** Ethernet + IPv4 + ICMP echo request/reply with checksums. */
export function buildIcmpEchoFrame(input: IcmpEchoFrameInput): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('frame', 'an object', input);
  const icmp = buildIcmpEcho(input);
  const packet = buildIpv4({ source: input.source, destination: input.destination, protocol: IpProtocol.ICMP, payload: icmp, ttl: input.ttl });
  return buildEthernet({ destination: input.destinationMac, source: input.sourceMac, vlans: input.vlans, etherType: EtherType.IPV4, payload: packet, pad: input.pad ?? true });
}
