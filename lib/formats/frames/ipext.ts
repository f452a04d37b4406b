/**
 * IPv6 extension headers (hop-by-hop, routing, fragment, destination
 * options) walked to the upper-layer protocol, and IPv4 options.
 * @module
 */
import { invalidArgType, validateInteger } from '../../core/errors';
import { bytesToIp, view } from './bytes';
import { FrameParseError, need } from './errors';

/** A TLV option of a hop-by-hop or destination options header, or of IPv4. */
export interface IpOption {
  /** Option type (IPv6: 0 Pad1, 1 PadN, 5 Router Alert; IPv4: 0 EOL, 1 NOP, 7 RR, 68 TS, 148 Router Alert). */
  type: number;
  /** Bytes after type and length. */
  data: Buffer;
}

/** One IPv6 extension header. */
export interface Ipv6Extension {
  /** Its protocol number (0 hop-by-hop, 43 routing, 44 fragment, 60 destination options). */
  type: number;
  /** The next header it names. */
  nextHeader: number;
  /** Its length in bytes. */
  length: number;
  /** Hop-by-hop / destination options. */
  options?: IpOption[];
  /** Routing header: routing type. */
  routingType?: number;
  /** Routing header: segments left. */
  segmentsLeft?: number;
  /** Routing header type 0/2/4 (SRH): the addresses. */
  addresses?: string[];
  /** Fragment header: offset in bytes. */
  fragmentOffset?: number;
  /** Fragment header: M flag. */
  moreFragments?: boolean;
  /** Fragment header: identification. */
  identification?: number;
}

/** Where the extension headers lead. */
export interface Ipv6Chain {
  /** The headers, in order. */
  extensions: Ipv6Extension[];
  /** The upper-layer protocol (the last next header). */
  protocol: number;
  /** The upper-layer bytes (empty for a non-first fragment). */
  payload: Buffer;
  /** Byte offset of a fragment (0 when not fragmented or the first fragment). */
  fragmentOffset: number;
}

/** Extension header types walked by {@link walkIpv6Extensions}. */
export const IPV6_EXTENSIONS: ReadonlySet<number> = new Set([0, 43, 44, 60]);

function tlvOptions(b: Buffer, layer: string, ipv4: boolean): IpOption[] {
  const out: IpOption[] = [];
  let o = 0;
  while (o < b.length) {
    const type = b[o] as number;
    if ((ipv4 && (type === 0 || type === 1)) || (!ipv4 && type === 0)) {
      out.push({ type, data: Buffer.alloc(0) });
      o++;
      if (ipv4 && type === 0) break;
      continue;
    }
    need(b, o, 2, layer, `option ${type}`);
    const len = ipv4 ? (b[o + 1] as number) : 2 + (b[o + 1] as number);
    if (len < 2 || o + len > b.length) throw new FrameParseError('ERR_FRAME_BAD_LENGTH', layer, o + 1, `option ${type} has length ${len}`);
    out.push({ type, data: b.subarray(o + 2, o + len) });
    o += len;
  }
  return out;
}

/** Parse IPv4 options (the `options` bytes of a parsed IPv4 header). */
export function parseIpv4Options(options: Uint8Array): IpOption[] {
  if (!(options instanceof Uint8Array)) throw invalidArgType('options', 'a Buffer or Uint8Array', options);
  return tlvOptions(view(options), 'ipv4', true);
}

/** Walk the extension headers that start `payload` (an IPv6 packet's payload, `nextHeader` its next header). */
export function walkIpv6Extensions(nextHeader: number, payload: Uint8Array): Ipv6Chain {
  validateInteger(nextHeader, 'nextHeader', 0, 255);
  if (!(payload instanceof Uint8Array)) throw invalidArgType('payload', 'a Buffer or Uint8Array', payload);
  const b = view(payload);
  const extensions: Ipv6Extension[] = [];
  let nh = nextHeader;
  let o = 0;
  let fragmentOffset = 0;
  const L = 'ipv6-ext';
  while (IPV6_EXTENSIONS.has(nh)) {
    need(b, o, 8, L, `extension header ${nh}`);
    const next = b[o] as number;
    const len = nh === 44 ? 8 : ((b[o + 1] as number) + 1) * 8;
    need(b, o, len, L, `extension header ${nh} (${len} bytes)`);
    const h = b.subarray(o, o + len);
    const ext: Ipv6Extension = { type: nh, nextHeader: next, length: len };
    if (nh === 0 || nh === 60) ext.options = tlvOptions(h.subarray(2), L, false);
    else if (nh === 43) {
      ext.routingType = h[2] as number;
      ext.segmentsLeft = h[3] as number;
      if (ext.routingType === 0 || ext.routingType === 2 || ext.routingType === 4) {
        ext.addresses = [];
        for (let a = 8; a + 16 <= len; a += 16) ext.addresses.push(bytesToIp(h.subarray(a, a + 16)));
      }
    } else {
      const fo = h.readUInt16BE(2);
      ext.fragmentOffset = fo & 0xfff8;
      ext.moreFragments = (fo & 1) === 1;
      ext.identification = h.readUInt32BE(4);
      fragmentOffset = ext.fragmentOffset;
    }
    extensions.push(ext);
    nh = next;
    o += len;
    if (fragmentOffset) break;
  }
  return { extensions, protocol: nh, payload: fragmentOffset ? Buffer.alloc(0) : b.subarray(o), fragmentOffset };
}
