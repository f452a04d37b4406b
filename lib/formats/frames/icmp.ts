/**
 * ICMPv4 and ICMPv6: echo, errors (with the embedded original header
 * decoded), neighbour discovery (RS/RA/NS/NA and their options) and MLDv2
 * reports. Parsers throw only {@link FrameParseError}; an embedded original
 * datagram is decoded leniently (it is cut by design).
 * @module
 */
import * as net from 'node:net';
import { invalidArgType, invalidArgValue, validateInteger } from '../../core/errors';
import { bytesToIp, internetChecksum, ipToBytes, view } from './bytes';
import { FrameParseError, need } from './errors';
import { formatMac, macBytes, MacInput } from './mac';
import { echoMessage } from './echo';
import { PseudoHeader, pseudoHeaderChecksum } from './transport';

/** The start of the datagram an ICMP error quotes: its IP header and first transport bytes. */
export interface EmbeddedPacket {
  /** 4 or 6. */
  version: 4 | 6;
  /** Source address of the original datagram. */
  source: string;
  /** Destination address of the original datagram. */
  destination: string;
  /** Its transport protocol (IPv4 protocol / IPv6 next header). */
  protocol: number;
  /** TTL / hop limit it had when the error was generated. */
  ttl: number;
  /** UDP/TCP/SCTP source port, when the quoted bytes reach it. */
  sourcePort?: number;
  /** UDP/TCP/SCTP destination port, when the quoted bytes reach it. */
  destinationPort?: number;
  /** ICMP echo identifier of the original (an error about a ping). */
  identifier?: number;
  /** ICMP echo sequence of the original. */
  sequence?: number;
}

/** What an ICMP message is, by type (and by code for MLD). */
export type IcmpKind =
  | 'echo-request'
  | 'echo-reply'
  | 'destination-unreachable'
  | 'source-quench'
  | 'redirect'
  | 'time-exceeded'
  | 'parameter-problem'
  | 'packet-too-big'
  | 'router-solicitation'
  | 'router-advertisement'
  | 'neighbor-solicitation'
  | 'neighbor-advertisement'
  | 'mld-query'
  | 'mld-report'
  | 'mld-done'
  | 'mldv2-report'
  | 'other';

const V4_KINDS: Record<number, IcmpKind> = { 0: 'echo-reply', 3: 'destination-unreachable', 4: 'source-quench', 5: 'redirect', 8: 'echo-request', 9: 'router-advertisement', 10: 'router-solicitation', 11: 'time-exceeded', 12: 'parameter-problem' };
const V6_KINDS: Record<number, IcmpKind> = {
  1: 'destination-unreachable', 2: 'packet-too-big', 3: 'time-exceeded', 4: 'parameter-problem', 128: 'echo-request', 129: 'echo-reply',
  130: 'mld-query', 131: 'mld-report', 132: 'mld-done', 133: 'router-solicitation', 134: 'router-advertisement',
  135: 'neighbor-solicitation', 136: 'neighbor-advertisement', 137: 'redirect', 143: 'mldv2-report',
};

/** One neighbour discovery option (RFC 4861, RFC 8106). */
export interface NdOption {
  /** Option type (1 source LL address, 2 target LL address, 3 prefix, 4 redirected header, 5 MTU, 25 RDNSS). */
  type: number;
  /** The MAC of a link-layer address option. */
  mac?: string;
  /** A prefix information option. */
  prefix?: {
    /** The prefix, text form. */
    prefix: string;
    /** Prefix length in bits. */
    prefixLength: number;
    /** L flag: on-link. */
    onLink: boolean;
    /** A flag: usable for SLAAC. */
    autonomous: boolean;
    /** Valid lifetime, seconds. */
    validLifetime: number;
    /** Preferred lifetime, seconds. */
    preferredLifetime: number;
  };
  /** An MTU option's value. */
  mtu?: number;
  /** An RDNSS option's servers. */
  servers?: string[];
  /** The option's bytes after type and length. */
  data: Buffer;
}

/** Neighbour discovery fields of RS/RA/NS/NA/redirect. */
export interface NeighborDiscovery {
  /** NS/NA/redirect: the target address. */
  target?: string;
  /** NA: R flag (sender is a router). */
  router?: boolean;
  /** NA: S flag (answer to a solicitation). */
  solicited?: boolean;
  /** NA: O flag (override cached entries). */
  override?: boolean;
  /** RA: current hop limit advertised (0 = unspecified). */
  hopLimit?: number;
  /** RA: M flag (addresses via DHCPv6). */
  managed?: boolean;
  /** RA: O flag (other configuration via DHCPv6). */
  otherConfig?: boolean;
  /** RA: router lifetime, seconds (0 = not a default router). */
  routerLifetime?: number;
  /** RA: reachable time, ms. */
  reachableTime?: number;
  /** RA: retransmit timer, ms. */
  retransTimer?: number;
  /** The options, in order. */
  options: NdOption[];
}

/** One multicast address record of an MLDv2 report (RFC 3810). */
export interface MldRecord {
  /** Record type: 1 MODE_IS_INCLUDE, 2 MODE_IS_EXCLUDE, 3 CHANGE_TO_INCLUDE, 4 CHANGE_TO_EXCLUDE, 5 ALLOW, 6 BLOCK. */
  type: number;
  /** The multicast address. */
  group: string;
  /** Source addresses. */
  sources: string[];
}

/** A parsed ICMPv4 or ICMPv6 message. */
export interface IcmpMessage {
  /** ICMP type. */
  type: number;
  /** ICMP code. */
  code: number;
  /** What the type means. */
  kind: IcmpKind;
  /** Checksum field as received. */
  checksum: number;
  /** True when the checksum is correct (for ICMPv6, computed over the pseudo-header when addresses were given). */
  checksumValid: boolean;
  /** Echo identifier (bytes 4-5; meaningful for echo). */
  identifier: number;
  /** Echo sequence (bytes 6-7; meaningful for echo). */
  sequence: number;
  /** Errors: the quoted original datagram. */
  original?: EmbeddedPacket;
  /** Fragmentation needed (v4 type 3 code 4) / packet too big (v6): the next-hop MTU. */
  mtu?: number;
  /** Parameter problem: the pointer to the offending byte. */
  pointer?: number;
  /** ICMPv4 redirect: the gateway to use. */
  gateway?: string;
  /** Neighbour discovery messages. */
  nd?: NeighborDiscovery;
  /** MLDv1 query/report/done: the multicast address (:: for a general query). */
  mldGroup?: string;
  /** MLDv2 report: the address records. */
  mldRecords?: MldRecord[];
  /** Bytes after the 8-byte header. */
  payload: Buffer;
}

/** Decode the start of a quoted datagram; undefined when it is not even an IP header. */
function embedded(b: Buffer): EmbeddedPacket | undefined {
  if (b.length < 1) return undefined;
  const v = (b[0] as number) >> 4;
  let proto: number;
  let rest: Buffer;
  let out: EmbeddedPacket;
  if (v === 4 && b.length >= 20) {
    const hl = ((b[0] as number) & 0x0f) * 4;
    proto = b[9] as number;
    out = { version: 4, source: bytesToIp(b.subarray(12, 16)), destination: bytesToIp(b.subarray(16, 20)), protocol: proto, ttl: b[8] as number };
    rest = hl >= 20 && (b.readUInt16BE(6) & 0x1fff) === 0 ? b.subarray(hl) : Buffer.alloc(0);
  } else if (v === 6 && b.length >= 40) {
    proto = b[6] as number;
    out = { version: 6, source: bytesToIp(b.subarray(8, 24)), destination: bytesToIp(b.subarray(24, 40)), protocol: proto, ttl: b[7] as number };
    rest = b.subarray(40);
  } else return undefined;
  if ((proto === 6 || proto === 17 || proto === 132) && rest.length >= 4) {
    out.sourcePort = rest.readUInt16BE(0);
    out.destinationPort = rest.readUInt16BE(2);
  } else if ((proto === 1 || proto === 58) && rest.length >= 8) {
    out.identifier = rest.readUInt16BE(4);
    out.sequence = rest.readUInt16BE(6);
  }
  return out;
}

function ndOptions(b: Buffer, at: number, layer: string): NdOption[] {
  const out: NdOption[] = [];
  let o = at;
  while (o < b.length) {
    need(b, o, 2, layer, 'an ND option header');
    const type = b[o] as number;
    const len = (b[o + 1] as number) * 8;
    if (len === 0) throw new FrameParseError('ERR_FRAME_BAD_LENGTH', layer, o + 1, `ND option ${type} has length 0`);
    need(b, o, len, layer, `ND option ${type}`);
    const data = b.subarray(o + 2, o + len);
    const opt: NdOption = { type, data };
    if ((type === 1 || type === 2) && data.length >= 6) opt.mac = formatMac(data.subarray(0, 6));
    else if (type === 3 && len === 32) {
      opt.prefix = {
        prefixLength: data[0] as number,
        onLink: ((data[1] as number) & 0x80) !== 0,
        autonomous: ((data[1] as number) & 0x40) !== 0,
        validLifetime: data.readUInt32BE(2),
        preferredLifetime: data.readUInt32BE(6),
        prefix: bytesToIp(data.subarray(14, 30)),
      };
    } else if (type === 5 && len === 8) opt.mtu = data.readUInt32BE(2);
    else if (type === 25 && len >= 24) {
      opt.servers = [];
      for (let s = 6; s + 16 <= data.length; s += 16) opt.servers.push(bytesToIp(data.subarray(s, s + 16)));
    }
    out.push(opt);
    o += len;
  }
  return out;
}

/** Parse an ICMPv4 message (any type). */
export function parseIcmpv4(message: Uint8Array): IcmpMessage {
  if (!(message instanceof Uint8Array)) throw invalidArgType('message', 'a Buffer or Uint8Array', message);
  const b = view(message);
  need(b, 0, 8, 'icmp', 'the ICMP header');
  const type = b[0] as number;
  const code = b[1] as number;
  const m: IcmpMessage = {
    type,
    code,
    kind: V4_KINDS[type] ?? 'other',
    checksum: b.readUInt16BE(2),
    checksumValid: internetChecksum(b) === 0,
    identifier: b.readUInt16BE(4),
    sequence: b.readUInt16BE(6),
    payload: b.subarray(8),
  };
  if (type === 3 || type === 4 || type === 5 || type === 11 || type === 12) {
    const original = embedded(b.subarray(8));
    if (original) m.original = original;
    if (type === 3 && code === 4) m.mtu = b.readUInt16BE(6);
    if (type === 5) m.gateway = bytesToIp(b.subarray(4, 8));
    if (type === 12) m.pointer = b[4] as number;
  }
  return m;
}

/**
 * Parse an ICMPv6 message. With the enclosing packet's addresses the
 * checksum is verified over the pseudo-header; without, `checksumValid` is false.
 */
export function parseIcmpv6(message: Uint8Array, ip?: PseudoHeader): IcmpMessage {
  if (!(message instanceof Uint8Array)) throw invalidArgType('message', 'a Buffer or Uint8Array', message);
  const b = view(message);
  const L = 'icmpv6';
  need(b, 0, 4, L, 'the ICMPv6 header');
  const type = b[0] as number;
  const code = b[1] as number;
  const m: IcmpMessage = {
    type,
    code,
    kind: V6_KINDS[type] ?? 'other',
    checksum: b.readUInt16BE(2),
    checksumValid: ip ? pseudoHeaderChecksum(ip, 58, b) === 0 : false,
    identifier: b.length >= 6 ? b.readUInt16BE(4) : 0,
    sequence: b.length >= 8 ? b.readUInt16BE(6) : 0,
    payload: b.subarray(Math.min(8, b.length)),
  };
  if (type >= 1 && type <= 4) {
    need(b, 0, 8, L, 'the ICMPv6 error header');
    const original = embedded(b.subarray(8));
    if (original) m.original = original;
    if (type === 2) m.mtu = b.readUInt32BE(4);
    if (type === 4) m.pointer = b.readUInt32BE(4);
  } else if (type === 128 || type === 129) {
    need(b, 0, 8, L, 'the echo header');
  } else if (type === 133) {
    need(b, 0, 8, L, 'a router solicitation');
    m.nd = { options: ndOptions(b, 8, L) };
  } else if (type === 134) {
    need(b, 0, 16, L, 'a router advertisement');
    m.nd = {
      hopLimit: b[4] as number,
      managed: ((b[5] as number) & 0x80) !== 0,
      otherConfig: ((b[5] as number) & 0x40) !== 0,
      routerLifetime: b.readUInt16BE(6),
      reachableTime: b.readUInt32BE(8),
      retransTimer: b.readUInt32BE(12),
      options: ndOptions(b, 16, L),
    };
  } else if (type === 135 || type === 136 || type === 137) {
    need(b, 0, type === 137 ? 40 : 24, L, 'a neighbour discovery message');
    const f = b[4] as number;
    m.nd = { target: bytesToIp(b.subarray(8, 24)), options: ndOptions(b, type === 137 ? 40 : 24, L) };
    if (type === 136) Object.assign(m.nd, { router: (f & 0x80) !== 0, solicited: (f & 0x40) !== 0, override: (f & 0x20) !== 0 });
  } else if (type === 130 || type === 131 || type === 132) {
    need(b, 0, 24, L, 'an MLD message');
    m.mldGroup = bytesToIp(b.subarray(8, 24));
  } else if (type === 143) {
    need(b, 0, 8, L, 'an MLDv2 report');
    const n = b.readUInt16BE(6);
    const records: MldRecord[] = [];
    let o = 8;
    for (let r = 0; r < n; r++) {
      need(b, o, 20, L, `MLDv2 record ${r}`);
      const aux = (b[o + 1] as number) * 4;
      const ns = b.readUInt16BE(o + 2);
      need(b, o, 20 + ns * 16 + aux, L, `MLDv2 record ${r} (${ns} sources)`);
      const sources: string[] = [];
      for (let s = 0; s < ns; s++) sources.push(bytesToIp(b.subarray(o + 20 + s * 16, o + 36 + s * 16)));
      records.push({ type: b[o] as number, group: bytesToIp(b.subarray(o + 4, o + 20)), sources });
      o += 20 + ns * 16 + aux;
    }
    m.mldRecords = records;
  }
  return m;
}

/** What {@link buildIcmpv4} takes: any ICMPv4 message. */
export interface Icmpv4Input {
  /** ICMP type. */
  type: number;
  /** ICMP code (default 0). */
  code?: number;
  /** Bytes 4-7 of the header (identifier/sequence, MTU, pointer, gateway); default 0. */
  rest?: number;
  /** Bytes after the header: echo data, or the quoted original datagram of an error. */
  payload?: Uint8Array;
}

/** Build an ICMPv4 message with its checksum (`buildIcmpEcho` for echo). */
export function buildIcmpv4(input: Icmpv4Input): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('icmp', 'an object', input);
  const payload = input.payload ?? Buffer.alloc(0);
  if (!(payload instanceof Uint8Array)) throw invalidArgType('payload', 'a Buffer or Uint8Array', payload);
  const out = Buffer.alloc(8 + payload.length);
  out[0] = validateInteger(input.type, 'type', 0, 255);
  out[1] = validateInteger(input.code ?? 0, 'code', 0, 255);
  out.writeUInt32BE(validateInteger(input.rest ?? 0, 'rest', 0, 0xffffffff), 4);
  out.set(payload, 8);
  out.writeUInt16BE(internetChecksum(out), 2);
  return out;
}

/** What {@link buildIcmpv6} takes: any ICMPv6 message. */
export interface Icmpv6Input {
  /** ICMPv6 type. */
  type: number;
  /** ICMPv6 code (default 0). */
  code?: number;
  /** Everything after type, code and checksum. */
  body?: Uint8Array;
}

/** Build an ICMPv6 message; the checksum covers the IPv6 pseudo-header of `ip`. */
export function buildIcmpv6(input: Icmpv6Input, ip: PseudoHeader): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('icmpv6', 'an object', input);
  if (ip === null || typeof ip !== 'object' || net.isIP(ip.source) !== 6) throw invalidArgValue('ip', ip, 'must give the IPv6 source and destination (the checksum covers them)');
  const body = input.body ?? Buffer.alloc(0);
  if (!(body instanceof Uint8Array)) throw invalidArgType('body', 'a Buffer or Uint8Array', body);
  const out = Buffer.alloc(4 + body.length);
  out[0] = validateInteger(input.type, 'type', 0, 255);
  out[1] = validateInteger(input.code ?? 0, 'code', 0, 255);
  out.set(body, 4);
  out.writeUInt16BE(pseudoHeaderChecksum(ip, 58, out), 2);
  return out;
}

/** Echo request/reply fields for {@link buildIcmpv6Echo}. */
export interface Icmpv6EchoInput {
  /** 'request' (128) or 'reply' (129). */
  kind: 'request' | 'reply';
  /** Identifier, 0..65535. */
  identifier: number;
  /** Sequence, 0..65535. */
  sequence: number;
  /** Echo data. */
  payload?: Uint8Array;
}

/** Build an ICMPv6 echo request or reply. */
export function buildIcmpv6Echo(input: Icmpv6EchoInput, ip: PseudoHeader): Buffer {
  const m = echoMessage(6, input, 'echo');
  return buildIcmpv6({ type: m[0] as number, body: m.subarray(4) }, ip);
}

function llOption(type: 1 | 2, mac: MacInput): Buffer {
  return Buffer.concat([Buffer.from([type, 1]), macBytes(mac, type === 1 ? 'sourceMac' : 'targetMac')]);
}

/** What {@link buildNeighborSolicitation} takes. */
export interface NeighborSolicitationInput {
  /** The address whose MAC is asked for. */
  target: string;
  /** Source link-layer address option (omit for duplicate address detection). */
  sourceMac?: MacInput;
}

/** Build a neighbour solicitation (type 135); send to the target's solicited-node group ({@link solicitedNodeMulticast}). */
export function buildNeighborSolicitation(input: NeighborSolicitationInput, ip: PseudoHeader): Buffer {
  const body = Buffer.concat([Buffer.alloc(4), ipv6(input.target, 'target'), ...(input.sourceMac !== undefined ? [llOption(1, input.sourceMac)] : [])]);
  return buildIcmpv6({ type: 135, body }, ip);
}

/** What {@link buildNeighborAdvertisement} takes. */
export interface NeighborAdvertisementInput {
  /** The address advertised. */
  target: string;
  /** Target link-layer address option. */
  targetMac?: MacInput;
  /** R flag. */
  router?: boolean;
  /** S flag (default true: an answer to a solicitation). */
  solicited?: boolean;
  /** O flag (default true). */
  override?: boolean;
}

/** Build a neighbour advertisement (type 136). */
export function buildNeighborAdvertisement(input: NeighborAdvertisementInput, ip: PseudoHeader): Buffer {
  const flags = (input.router ? 0x80 : 0) | ((input.solicited ?? true) ? 0x40 : 0) | ((input.override ?? true) ? 0x20 : 0);
  const body = Buffer.concat([Buffer.from([flags, 0, 0, 0]), ipv6(input.target, 'target'), ...(input.targetMac !== undefined ? [llOption(2, input.targetMac)] : [])]);
  return buildIcmpv6({ type: 136, body }, ip);
}

/** Build a router solicitation (type 133), to ff02::2. */
export function buildRouterSolicitation(input: { /** Source link-layer address option. */ sourceMac?: MacInput }, ip: PseudoHeader): Buffer {
  return buildIcmpv6({ type: 133, body: Buffer.concat([Buffer.alloc(4), ...(input.sourceMac !== undefined ? [llOption(1, input.sourceMac)] : [])]) }, ip);
}

/** What {@link buildRouterAdvertisement} takes. */
export interface RouterAdvertisementInput {
  /** Current hop limit to advertise (default 64). */
  hopLimit?: number;
  /** M flag. */
  managed?: boolean;
  /** O flag. */
  otherConfig?: boolean;
  /** Router lifetime, seconds (default 1800). */
  routerLifetime?: number;
  /** Reachable time, ms (default 0 = unspecified). */
  reachableTime?: number;
  /** Retransmit timer, ms (default 0). */
  retransTimer?: number;
  /** Source link-layer address option. */
  sourceMac?: MacInput;
  /** MTU option. */
  mtu?: number;
  /** Prefix information options, on-link and autonomous. */
  prefixes?: RaPrefixInput[];
}

/** One prefix of {@link RouterAdvertisementInput}. */
export interface RaPrefixInput {
  /** Prefix in CIDR form ("fd00:5f::/64"). */
  prefix: string;
  /** Valid lifetime, seconds (default 86400). */
  validLifetime?: number;
  /** Preferred lifetime, seconds (default 14400). */
  preferredLifetime?: number;
}

/** Build a router advertisement (type 134). */
export function buildRouterAdvertisement(input: RouterAdvertisementInput, ip: PseudoHeader): Buffer {
  const head = Buffer.alloc(12);
  head[0] = validateInteger(input.hopLimit ?? 64, 'hopLimit', 0, 255);
  head[1] = (input.managed ? 0x80 : 0) | (input.otherConfig ? 0x40 : 0);
  head.writeUInt16BE(validateInteger(input.routerLifetime ?? 1800, 'routerLifetime', 0, 0xffff), 2);
  head.writeUInt32BE(validateInteger(input.reachableTime ?? 0, 'reachableTime', 0, 0xffffffff), 4);
  head.writeUInt32BE(validateInteger(input.retransTimer ?? 0, 'retransTimer', 0, 0xffffffff), 8);
  const opts: Buffer[] = [];
  if (input.sourceMac !== undefined) opts.push(llOption(1, input.sourceMac));
  if (input.mtu !== undefined) {
    const o = Buffer.from([5, 1, 0, 0, 0, 0, 0, 0]);
    o.writeUInt32BE(validateInteger(input.mtu, 'mtu', 0, 0xffffffff), 4);
    opts.push(o);
  }
  for (const p of input.prefixes ?? []) {
    const [a, l] = String(p.prefix).split('/') as [string, string | undefined];
    const o = Buffer.alloc(32);
    o[0] = 3;
    o[1] = 4;
    o[2] = validateInteger(Number(l ?? 64), 'prefixLength', 0, 128);
    o[3] = 0xc0;
    o.writeUInt32BE(validateInteger(p.validLifetime ?? 86400, 'validLifetime', 0, 0xffffffff), 4);
    o.writeUInt32BE(validateInteger(p.preferredLifetime ?? 14400, 'preferredLifetime', 0, 0xffffffff), 8);
    ipv6(a, 'prefix').copy(o, 16);
    opts.push(o);
  }
  return buildIcmpv6({ type: 134, body: Buffer.concat([head, ...opts]) }, ip);
}

/** Build an MLDv2 report (type 143) to ff02::16; send it with a hop-by-hop router alert ({@link ROUTER_ALERT_MLD}). */
export function buildMldv2Report(records: Array<{ /** Record type (default 4, CHANGE_TO_EXCLUDE = join). */ type?: number; /** Group. */ group: string; /** Sources. */ sources?: string[] }>, ip: PseudoHeader): Buffer {
  if (!Array.isArray(records)) throw invalidArgType('records', 'an array', records);
  const parts: Buffer[] = [Buffer.from([0, 0, records.length >> 8, records.length & 0xff])];
  for (const r of records) {
    const src = r.sources ?? [];
    parts.push(Buffer.from([validateInteger(r.type ?? 4, 'type', 0, 255), 0, src.length >> 8, src.length & 0xff]), ipv6(r.group, 'group'), ...src.map((s) => ipv6(s, 'source')));
  }
  return buildIcmpv6({ type: 143, body: Buffer.concat(parts) }, ip);
}

/** A hop-by-hop options header carrying a Router Alert (MLD), next header ICMPv6: prepend it to an MLD message and use next header 0. */
export const ROUTER_ALERT_MLD: Buffer = Buffer.from([58, 0, 5, 2, 0, 0, 1, 0]);

/** The solicited-node multicast group of an IPv6 address (ff02::1:ffXX:XXXX), where NS are sent. */
export function solicitedNodeMulticast(address: string): string {
  const b = ipv6(address, 'address');
  return bytesToIp(Buffer.concat([Buffer.from('ff0200000000000000000001ff', 'hex'), b.subarray(13)]));
}

function ipv6(a: string, name: string): Buffer {
  if (net.isIP(a) !== 6) throw invalidArgValue(name, a, 'must be an IPv6 address');
  return ipToBytes(a, name);
}
