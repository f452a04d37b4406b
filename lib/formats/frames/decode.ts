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
import { buildIcmpEcho, buildUdp, IcmpEchoInput, parseUdp, PseudoHeader, pseudoHeaderChecksum, UdpDatagram, verifyUdpChecksum } from './transport';
import { buildIcmpv6Echo, IcmpMessage, parseIcmpv4, parseIcmpv6 } from './icmp';
import { parseTcp, TcpSegment } from './tcp';
import { IpOption, Ipv6Extension, parseIpv4Options, walkIpv6Extensions } from './ipext';
import { DhcpMessage, parseDhcp } from './dhcp';
import { ETHERTYPE_LLDP, LldpPdu, parseLldp } from './lldp';

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
  /** The ICMPv4 message (IPv4 protocol 1, first fragment only): echo, errors with the quoted header, ... */
  icmp?: IcmpMessage;
  /** The ICMPv6 message: echo, errors, neighbour discovery, MLD. */
  icmpv6?: IcmpMessage;
  /** The TCP segment with its options. */
  tcp?: TcpSegment & {
    /** False only when the checksum is known bad (see `udp.checksumValid`). */
    checksumValid: boolean;
    /** How the checksum was judged. */
    checksumStatus: ChecksumStatus;
  };
  /** IPv4 options, when the header has any. */
  ipv4Options?: IpOption[];
  /** IPv6 extension headers walked before the upper layer. */
  ipv6Extensions?: Ipv6Extension[];
  /** DHCP/BOOTP, in UDP to or from port 67 or 68. */
  dhcp?: DhcpMessage;
  /** LLDP (EtherType 0x88cc). */
  lldp?: LldpPdu;
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
  let addrs: PseudoHeader | undefined;
  if (ethernet.etherType === EtherType.ARP) {
    out.arp = parseArp(ethernet.payload);
  } else if (ethernet.etherType === ETHERTYPE_LLDP) {
    out.lldp = parseLldp(ethernet.payload);
  } else if (ethernet.etherType === EtherType.IPV4) {
    const ip = parseIpv4(ethernet.payload);
    out.ipv4 = ip;
    if (ip.options.length) out.ipv4Options = parseIpv4Options(ip.options);
    // Only the first fragment carries the transport header.
    if (ip.fragmentOffset === 0) {
      proto = ip.protocol;
      payload = ip.payload;
      addrs = ip;
    }
  } else if (ethernet.etherType === EtherType.IPV6) {
    const ip = parseIpv6(ethernet.payload);
    out.ipv6 = ip;
    const chain = walkIpv6Extensions(ip.nextHeader, ip.payload);
    if (chain.extensions.length) out.ipv6Extensions = chain.extensions;
    if (chain.fragmentOffset === 0) {
      proto = chain.protocol;
      payload = chain.payload;
      // With segments left, the transport checksum covers the final destination (RFC 8200 8.1).
      const rh = chain.extensions.find((x) => x.type === 43 && x.segmentsLeft && x.addresses?.length);
      addrs = rh ? { source: ip.source, destination: rh.addresses?.[rh.addresses.length - 1] as string } : ip;
    }
  }
  if (payload && addrs) {
    const v4 = out.ipv4 !== undefined;
    const seg = payload;
    const ip = addrs;
    if (proto === IpProtocol.UDP) {
      const udp = parseUdp(seg);
      const status = checksumStatus(opts.checksum, udp.checksum, v4, () => verifyUdpChecksum(ip, seg.subarray(0, udp.length)));
      out.udp = { ...udp, checksumValid: status !== 'bad', checksumStatus: status };
      const ports = [udp.sourcePort, udp.destinationPort];
      if (v4 && (ports.includes(67) || ports.includes(68))) out.dhcp = parseDhcp(udp.payload);
    } else if (proto === IpProtocol.TCP) {
      const tcp = parseTcp(seg);
      const status = checksumStatus(opts.checksum, -1, false, () => pseudoHeaderChecksum(ip, 6, seg) === 0);
      out.tcp = { ...tcp, checksumValid: status !== 'bad', checksumStatus: status };
    } else if (proto === IpProtocol.ICMP && v4) {
      out.icmp = parseIcmpv4(seg);
    } else if (proto === IpProtocol.ICMPV6 && !v4) {
      out.icmpv6 = parseIcmpv6(seg, ip);
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

/** What {@link buildIcmpEchoFrame} takes: IPv4 (ICMP) or IPv6 (ICMPv6) by the address family. */
export interface IcmpEchoFrameInput extends LinkInput, IcmpEchoInput {
  /** Source IPv4 or IPv6 address (selects the family). */
  source: string;
  /** Destination address (same family). */
  destination: string;
  /** TTL / hop limit (default 64). */
  ttl?: number;
}

/** Ethernet + IPv4 + ICMP echo, or Ethernet + IPv6 + ICMPv6 echo, request or reply, with checksums. */
export function buildIcmpEchoFrame(input: IcmpEchoFrameInput): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('frame', 'an object', input);
  if (net.isIP(input.source) === 6) {
    const ip = { source: input.source, destination: input.destination };
    return buildIcmpv6Frame({ ...input, message: buildIcmpv6Echo(input, ip), hopLimit: input.ttl });
  }
  const icmp = buildIcmpEcho(input);
  const packet = buildIpv4({ source: input.source, destination: input.destination, protocol: IpProtocol.ICMP, payload: icmp, ttl: input.ttl });
  return buildEthernet({ destination: input.destinationMac, source: input.sourceMac, vlans: input.vlans, etherType: EtherType.IPV4, payload: packet, pad: input.pad ?? true });
}

/** What {@link buildIcmpv6Frame} takes: an ICMPv6 message built for these addresses (ND, MLD, echo, ...). */
export interface Icmpv6FrameInput extends LinkInput {
  /** Source IPv6 address. */
  source: string;
  /** Destination IPv6 address. */
  destination: string;
  /** The ICMPv6 message (from buildNeighborSolicitation, buildIcmpv6Echo, ...; checksummed for these addresses). */
  message: Uint8Array;
  /** Hop limit (default 255, which neighbour discovery requires). */
  hopLimit?: number | undefined;
  /** Extension headers to put first (e.g. ROUTER_ALERT_MLD); their first byte chain must end in 58. */
  extensions?: Ipv6ExtensionBytes;
}

/** Extension headers given as bytes, for {@link Icmpv6FrameInput}. */
export interface Ipv6ExtensionBytes {
  /** First extension header type (0 hop-by-hop). */
  type: number;
  /** The headers' bytes (the last one's next header must be 58). */
  bytes: Uint8Array;
}

/** Ethernet + IPv6 (+ extension headers) + an ICMPv6 message. */
export function buildIcmpv6Frame(input: Icmpv6FrameInput): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('frame', 'an object', input);
  const payload = input.extensions ? Buffer.concat([input.extensions.bytes, input.message]) : input.message;
  const packet = buildIpv6({ source: input.source, destination: input.destination, nextHeader: input.extensions?.type ?? IpProtocol.ICMPV6, payload, hopLimit: input.hopLimit ?? 255 });
  return buildEthernet({ destination: input.destinationMac, source: input.sourceMac, vlans: input.vlans, etherType: EtherType.IPV6, payload: packet, pad: input.pad ?? true });
}

const ETHER_NAMES: Record<number, string> = { 0x0800: 'IPv4', 0x0806: 'ARP', 0x8035: 'Reverse ARP', 0x86dd: 'IPv6', 0x88cc: 'LLDP', 0x8100: '802.1Q', 0x88a8: '802.1Q-QinQ', 0x9100: '802.1Q-9100' };
const etherName = (t: number): string => `ethertype ${ETHER_NAMES[t] ?? 'Unknown'} (0x${t.toString(16).padStart(4, '0')})`;
const TCP_FLAGS: Array<[number, string]> = [[1, 'F'], [2, 'S'], [4, 'R'], [8, 'P'], [16, '.'], [32, 'U'], [64, 'E'], [128, 'W']];
const PROTO_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp', 1: 'icmp', 58: 'icmp6' };

function tcpText(t: NonNullable<DecodedFrame['tcp']>): string {
  const flags = TCP_FLAGS.filter(([b]) => t.flagBits & b).map(([, c]) => c).join('') || 'none';
  const len = t.payload.length;
  const parts = [`Flags [${flags}]`, `seq ${t.sequence}${len ? `:${(t.sequence + len) >>> 0}` : ''}`];
  if (t.flags.ack) parts.push(`ack ${t.acknowledgment}`);
  parts.push(`win ${t.window}`);
  const opts = t.options
    .filter((o) => o.kind !== 0)
    .map((o) => (o.kind === 1 ? 'nop' : o.mss !== undefined ? `mss ${o.mss}` : o.windowScale !== undefined ? `wscale ${o.windowScale}` : o.kind === 4 ? 'sackOK' : o.sack ? `sack ${o.sack.length} ${o.sack.map(([l, r]) => `{${l}:${r}}`).join('')}` : o.tsval !== undefined ? `TS val ${o.tsval} ecr ${o.tsecr}` : `opt-${o.kind}`));
  if (opts.length) parts.push(`options [${opts.join(',')}]`);
  parts.push(`length ${len}`);
  return parts.join(', ');
}

function icmpText(m: IcmpMessage, v6: boolean, len: number): string {
  const o = m.original;
  const where = o ? (o.destinationPort !== undefined ? `${o.destination} ${PROTO_NAMES[o.protocol] ?? `proto ${o.protocol}`} port ${o.destinationPort}` : o.destination) : '?';
  if (!v6) {
    if (m.kind === 'echo-request' || m.kind === 'echo-reply') return `ICMP echo ${m.kind === 'echo-request' ? 'request' : 'reply'}, id ${m.identifier}, seq ${m.sequence}, length ${len}`;
    if (m.kind === 'destination-unreachable') {
      const what = m.code === 0 ? `net ${o?.destination ?? '?'} unreachable` : m.code === 1 ? `host ${o?.destination ?? '?'} unreachable` : m.code === 2 ? `${o?.destination ?? '?'} protocol ${o?.protocol ?? '?'} unreachable` : m.code === 3 ? `${where} unreachable` : m.code === 4 ? `${o?.destination ?? '?'} unreachable - need to frag (mtu ${m.mtu})` : `${o?.destination ?? '?'} unreachable code ${m.code}`;
      return `ICMP ${what}, length ${len}`;
    }
    if (m.kind === 'time-exceeded') return `ICMP time exceeded in-${m.code === 0 ? 'transit' : 'reassembly'}, length ${len}`;
    if (m.kind === 'redirect') return `ICMP redirect ${o?.destination ?? '?'} to ${m.gateway}, length ${len}`;
    if (m.kind === 'parameter-problem') return `ICMP parameter problem - octet ${m.pointer}, length ${len}`;
    return `ICMP type-#${m.type}, length ${len}`;
  }
  const nd = m.nd;
  switch (m.kind) {
    case 'echo-request':
    case 'echo-reply':
      return `ICMP6, echo ${m.kind === 'echo-request' ? 'request' : 'reply'}, id ${m.identifier}, seq ${m.sequence}, length ${len}`;
    case 'neighbor-solicitation':
      return `ICMP6, neighbor solicitation, who has ${nd?.target}, length ${len}`;
    case 'neighbor-advertisement':
      return `ICMP6, neighbor advertisement, tgt is ${nd?.target}, length ${len}`;
    case 'router-solicitation':
      return `ICMP6, router solicitation, length ${len}`;
    case 'router-advertisement':
      return `ICMP6, router advertisement, length ${len}`;
    case 'destination-unreachable':
      return `ICMP6, destination unreachable, ${m.code === 4 ? `unreachable port, ${where}` : `code ${m.code}, ${o?.destination ?? '?'}`}, length ${len}`;
    case 'packet-too-big':
      return `ICMP6, packet too big, mtu ${m.mtu}, length ${len}`;
    case 'time-exceeded':
      return `ICMP6, time exceeded in-${m.code === 0 ? 'transit' : 'reassembly'}, length ${len}`;
    case 'mldv2-report':
      return `ICMP6, multicast listener report v2, ${m.mldRecords?.length ?? 0} group record(s), length ${len}`;
    case 'mld-query':
      return `ICMP6, multicast listener query, length ${len}`;
    case 'mld-report':
      return `ICMP6, multicast listener report, length ${len}`;
    case 'mld-done':
      return `ICMP6, multicast listener done, length ${len}`;
    default:
      return `ICMP6, type ${m.type}, length ${len}`;
  }
}

/** The part after the link layer, as `tcpdump -n` prints it. */
function networkText(d: DecodedFrame): string {
  if (d.arp) {
    const a = d.arp;
    if (a.operation === 'request') return `Request who-has ${a.targetIp} tell ${a.senderIp}, length 28`;
    if (a.operation === 'reply') return `Reply ${a.senderIp} is-at ${a.senderMac}, length 28`;
    return `ARP op ${a.operation}, length 28`;
  }
  if (d.lldp) return `LLDP, length ${d.ethernet.payload.length}: ${d.lldp.systemName ?? d.lldp.chassisId.id}`;
  const ip = d.ipv4 ?? d.ipv6;
  if (!ip) return `${d.ethernet.payload.length} bytes`;
  const v6 = d.ipv6 !== undefined;
  const ext = d.ipv6Extensions ?? [];
  const prefix = ext.map((e) => (e.type === 0 ? 'HBH ' : e.type === 60 ? 'DSTOPT ' : e.type === 43 ? `srcrt (type ${e.routingType}, segleft ${e.segmentsLeft}) ` : `frag (${e.fragmentOffset}${e.moreFragments ? '+' : ''}) `)).join('');
  const bad = (c: { checksumStatus: ChecksumStatus }): string => (c.checksumStatus === 'bad' ? ' [bad checksum]' : '');
  if (d.udp) {
    const u = d.udp;
    if (d.dhcp) return `${prefix}${ip.source}.${u.sourcePort} > ${ip.destination}.${u.destinationPort}: BOOTP/DHCP, ${d.dhcp.op === 1 ? `Request from ${d.dhcp.clientMac}` : 'Reply'}, length ${u.payload.length}${bad(u)}`;
    return `${prefix}${ip.source}.${u.sourcePort} > ${ip.destination}.${u.destinationPort}: UDP, length ${u.payload.length}${bad(u)}`;
  }
  if (d.tcp) return `${prefix}${ip.source}.${d.tcp.sourcePort} > ${ip.destination}.${d.tcp.destinationPort}: ${tcpText(d.tcp)}${bad(d.tcp)}`;
  if (d.icmp) return `${ip.source} > ${ip.destination}: ${icmpText(d.icmp, false, d.icmp.payload.length + 8)}`;
  if (d.icmpv6) return `${prefix}${ip.source} > ${ip.destination}: ${icmpText(d.icmpv6, true, d.icmpv6.payload.length + 8)}`;
  const proto = d.ipv4 ? d.ipv4.protocol : ext.length ? (ext[ext.length - 1] as Ipv6Extension).nextHeader : (d.ipv6 as Ipv6Packet).nextHeader;
  const frag = d.ipv4 && d.ipv4.fragmentOffset ? ` (frag ${d.ipv4.identification}:${d.ipv4.payload.length}@${d.ipv4.fragmentOffset}${d.ipv4.moreFragments ? '+' : ''})` : '';
  const len = d.ipv4 ? d.ipv4.payload.length : (d.ipv6 as Ipv6Packet).payloadLength;
  if (proto === 2 && d.ipv4 && d.ipv4.payload.length >= 8) {
    const g = d.ipv4.payload;
    return `${ip.source} > ${ip.destination}: igmp ${g[0] === 0x16 ? 'v2 report' : g[0] === 0x17 ? 'leave' : g[0] === 0x11 ? 'query' : `type 0x${(g[0] as number).toString(16)}`} ${g[4]}.${g[5]}.${g[6]}.${g[7]}${frag}`;
  }
  if (proto === 132 && !frag && (d.ipv4?.payload.length ?? 0) >= 4) {
    const p = (d.ipv4 as Ipv4Packet).payload;
    return `${ip.source}.${p.readUInt16BE(0)} > ${ip.destination}.${p.readUInt16BE(2)}: sctp`;
  }
  return `${prefix}${ip.source} > ${ip.destination}: ${v6 && !ext.length ? '' : ''}ip-proto-${proto} ${len}${frag}`;
}

/**
 * A one-line description of a frame like `tcpdump -e -n` prints it (without
 * the timestamp), e.g. `02:00:00:00:00:0a > 02:00:00:00:00:0b, ethertype
 * 802.1Q (0x8100), length 64: vlan 100, p 0, ethertype IPv4 (0x0800),
 * 198.18.0.1.4000 > 198.18.0.2.5000: UDP, length 5`. Never throws: a
 * malformed layer is described as such. Pass `{ checksum: info.checksum }` for
 * a received frame so an offloaded checksum is not called bad.
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
  const outer = e.vlans.length ? (e.vlans[0] as { tpid: number }).tpid : e.etherType;
  let text = `${e.source} > ${e.destination}, ${etherName(outer)}, length ${frame.length}: `;
  e.vlans.forEach((v, i) => {
    const inner = i + 1 < e.vlans.length ? (e.vlans[i + 1] as { tpid: number }).tpid : e.etherType;
    text += `vlan ${v.id}, p ${v.priority}, ${etherName(inner)}, `;
  });
  return `${text}${problem ? '' : networkText(d)}${problem}`.replace(/, $/, '');
}
