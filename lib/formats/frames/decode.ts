/**
 * Whole-frame helpers: decode every layer the codecs know in one call, and
 * build complete UDP / ICMP echo frames in one call.
 * @module
 */
import * as net from 'node:net';
import { invalidArgType, invalidArgValue } from '../../core/errors';
import { FrameParseError } from './errors';
import { ArpPacket, parseArp } from './arp';
import { buildEthernet, EthernetFrame, EtherType, parseEthernet, VlanTagInput } from './ethernet';
import { buildIpv4, buildIpv6, IpProtocol, Ipv4Packet, Ipv6Packet, parseIpv4, parseIpv6 } from './ip';
import { MacInput } from './mac';
import { buildIcmpEcho, buildUdp, IcmpEcho, IcmpEchoInput, parseIcmpEcho, parseUdp, PseudoHeader, UdpDatagram, verifyUdpChecksum } from './transport';

/** Every layer found in a frame. Unknown upper layers are simply absent. */
export interface DecodedFrame {
  /** The Ethernet header, VLAN tags and payload. */
  ethernet: EthernetFrame;
  /** The ARP packet, when the EtherType is ARP. */
  arp?: ArpPacket;
  /** The IPv4 header, when the EtherType is IPv4. */
  ipv4?: Ipv4Packet;
  /** The IPv6 header, when the EtherType is IPv6. */
  ipv6?: Ipv6Packet;
  /** The UDP datagram (IPv4 protocol / IPv6 next header 17; first IPv4 fragment only). */
  udp?: UdpDatagram & {
    /** False only when the checksum is known bad: a correct, absent (IPv4 0), kernel-verified or partial (offloaded) one is not. */
    checksumValid: boolean;
    /** How the checksum was judged; see {@link ChecksumStatus}. */
    checksumStatus: ChecksumStatus;
  };
  /** The ICMPv4 message (IPv4 protocol 1, first fragment only), read with the echo layout. */
  icmp?: IcmpEcho;
}

/**
 * The kernel's view of a received frame's transport checksum (PACKET_AUXDATA
 * `tp_status`, as `FrameInfo.checksum` reports it): 'valid' (TP_STATUS_CSUM_VALID,
 * the NIC or kernel verified it), 'partial' (TP_STATUS_CSUMNOTREADY: sent by
 * this host or over a veth with checksum offload, the field holds only the
 * pseudo-header sum and is filled in by hardware, if ever), 'unknown'.
 */
export type KernelChecksumState = 'valid' | 'partial' | 'unknown';

/**
 * A transport checksum's verdict: 'good' (verified here), 'bad', 'partial'
 * (offloaded, not checked: never bad), 'kernel-verified' (the kernel said
 * valid) or 'none' (IPv4 UDP without a checksum).
 */
export type ChecksumStatus = 'good' | 'bad' | 'partial' | 'kernel-verified' | 'none';

/** Options of {@link decodeFrame} and {@link summarizeFrame}. */
export interface DecodeOptions {
  /** The kernel's checksum state for this frame (`info.checksum` of a received frame); default 'unknown'. */
  checksum?: KernelChecksumState | undefined;
}

function checksumStatus(state: KernelChecksumState | undefined, field: number, isV4: boolean, verify: () => boolean): ChecksumStatus {
  if (field === 0 && isV4) return 'none';
  if (state === 'partial') return 'partial';
  if (state === 'valid') return 'kernel-verified';
  return verify() ? 'good' : 'bad';
}

function decodeOptions(options: unknown): DecodeOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options);
  const c = (options as DecodeOptions).checksum;
  if (c !== undefined && c !== 'valid' && c !== 'partial' && c !== 'unknown') throw invalidArgValue('options.checksum', c, "must be 'valid', 'partial' or 'unknown'");
  return options as DecodeOptions;
}

/**
 * Decode Ethernet (+VLAN), then ARP / IPv4 / IPv6, then UDP / ICMPv4 echo.
 * Throws {@link FrameParseError} when a known layer is truncated or lies about its length.
 * Pass the kernel's checksum state of a received frame (`{ checksum: info.checksum }`)
 * so an offloaded (partial) checksum is never reported bad.
 */
export function decodeFrame(frame: Uint8Array, options?: DecodeOptions): DecodedFrame {
  const opts = decodeOptions(options);
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
      const status = checksumStatus(opts.checksum, udp.checksum, out.ipv4 !== undefined, () => verifyUdpChecksum(addrs as PseudoHeader, payload.subarray(0, udp.length)));
      out.udp = { ...udp, checksumValid: status !== 'bad', checksumStatus: status };
    } else if (proto === IpProtocol.ICMP && out.ipv4) {
      out.icmp = parseIcmpEcho(payload);
    }
  }
  return out;
}

/** Link-layer part of the one-call builders. */
export interface LinkInput {
  /** Source MAC address. */
  sourceMac: MacInput;
  /** Destination MAC address. */
  destinationMac: MacInput;
  /** VLAN tags in wire order (outermost first). Default: untagged. */
  vlans?: VlanTagInput[];
  /** Pad to the 60-byte minimum (default true). */
  pad?: boolean;
}

/** What {@link buildUdpFrame} takes: IPv4 or IPv6 by the address family. */
export interface UdpFrameInput extends LinkInput {
  /** Source IP address (IPv4 or IPv6; selects the IP version). */
  source: string;
  /** Destination IP address (same family as `source`). */
  destination: string;
  /** UDP source port, 0..65535. */
  sourcePort: number;
  /** UDP destination port, 0..65535. */
  destinationPort: number;
  /** UDP payload. Default: empty. */
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
  /** Source IPv4 address. */
  source: string;
  /** Destination IPv4 address. */
  destination: string;
  /** IPv4 TTL (default 64). */
  ttl?: number;
}

/** Ethernet + IPv4 + ICMP echo request/reply with checksums. */
export function buildIcmpEchoFrame(input: IcmpEchoFrameInput): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('frame', 'an object', input);
  const icmp = buildIcmpEcho(input);
  const packet = buildIpv4({ source: input.source, destination: input.destination, protocol: IpProtocol.ICMP, payload: icmp, ttl: input.ttl });
  return buildEthernet({ destination: input.destinationMac, source: input.sourceMac, vlans: input.vlans, etherType: EtherType.IPV4, payload: packet, pad: input.pad ?? true });
}

const ETHER_NAMES: Record<number, string> = { 0x0800: 'IPv4', 0x0806: 'ARP', 0x86dd: 'IPv6', 0x88cc: 'LLDP', 0x8100: '802.1Q', 0x88a8: '802.1ad' };

/**
 * A one-line, tcpdump-like description of a frame for logs and sniffers, e.g.
 * `02:00:00:00:00:0a > 02:00:00:00:00:0b vlan 100 IPv4 198.18.0.1:4000 > 198.18.0.2:5000 UDP 5 bytes`.
 * Never throws: a malformed layer is described as such.
 */
export function summarizeFrame(frame: Uint8Array, options?: DecodeOptions): string {
  if (!(frame instanceof Uint8Array)) return `<not a frame: ${typeof frame}>`;
  let d: DecodedFrame | undefined;
  let problem = '';
  try {
    d = decodeFrame(frame, options);
  } catch (e) {
    problem = e instanceof FrameParseError ? ` [${e.code}: ${e.message}]` : ' [unparseable]';
    try {
      d = { ethernet: parseEthernet(frame) };
    } catch {
      return `${frame.length} bytes${problem}`;
    }
  }
  const e = d.ethernet;
  const parts = [`${e.source} > ${e.destination}`];
  for (const v of e.vlans) parts.push(`${v.tpid === 0x8100 ? 'vlan' : `vlan(0x${v.tpid.toString(16)})`} ${v.id}${v.priority ? ` p${v.priority}` : ''}`);
  const ip = d.ipv4 ?? d.ipv6;
  if (d.arp) {
    parts.push(d.arp.operation === 'request' ? `ARP who-has ${d.arp.targetIp} tell ${d.arp.senderIp}` : d.arp.operation === 'reply' ? `ARP ${d.arp.senderIp} is-at ${d.arp.senderMac}` : `ARP op ${d.arp.operation}`);
  } else if (ip) {
    const fam = d.ipv4 ? 'IPv4' : 'IPv6';
    const brk = (a: string): string => (d?.ipv6 ? `[${a}]` : a);
    if (d.udp) parts.push(`${fam} ${brk(ip.source)}:${d.udp.sourcePort} > ${brk(ip.destination)}:${d.udp.destinationPort} UDP ${d.udp.payload.length} bytes${d.udp.checksumValid ? '' : ' (bad checksum)'}`);
    else if (d.icmp) parts.push(`${fam} ${ip.source} > ${ip.destination} ICMP ${d.icmp.type === 8 ? 'echo request' : d.icmp.type === 0 ? 'echo reply' : `type ${d.icmp.type}`} id ${d.icmp.identifier} seq ${d.icmp.sequence}`);
    else parts.push(`${fam} ${ip.source} > ${ip.destination} proto ${d.ipv4 ? d.ipv4.protocol : (d.ipv6 as Ipv6Packet).nextHeader}`);
  } else {
    parts.push(`${ETHER_NAMES[e.etherType] ?? `ethertype 0x${e.etherType.toString(16).padStart(4, '0')}`} ${e.payload.length} bytes`);
  }
  return `${parts.join(' ')}${problem}`;
}
