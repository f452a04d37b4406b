/**
 * The one decoder of the raw source addresses the engine hands over
 * (`handle.addresses`, ADDRESS_STRIDE bytes per record): sockaddr_in,
 * sockaddr_in6, sockaddr_ll and sockaddr_un, read at the offsets native
 * exports, each only as far as the length the kernel returned.
 * @module
 */
import { constants } from '../binding';
import { SockaddrLayout } from '../binding/io';
import { formatIPv4, formatIPv6 } from './iptext';

const AF_INET = constants.AF_INET as number;
const AF_INET6 = constants.AF_INET6 as number;
const L = SockaddrLayout;
// ignoreBOM keeps a leading U+FEFF: it is part of the name.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Typed views over one address table (created once per socket). */
export class SockaddrReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  #last4 = -1;
  #last4s = '';
  #lastMac = -1;
  #lastMacS = '';

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.u16 = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
    this.u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
  }

  /** sa_family at `base` (0 when the record has no address). */
  family(base: number): number {
    return this.u16[(base + L.family) >> 1] as number;
  }

  /** The address length the kernel returned (msg_namelen, capped at the record). */
  length(base: number): number {
    return this.u16[(base + L.length) >> 1] as number;
  }

  /**
   * sockaddr_un: the kernel's sun_path as a string — a path, `'\0name'` for
   * an abstract name (exactly its length - offsetof(sun_path) bytes: NULs
   * inside or at the end count), '' when unnamed. UTF-8, as Node's paths.
   */
  sunPath(base: number): string {
    const start = base + L.sunPath;
    const end = base + Math.min(this.length(base), L.length);
    if (end <= start) return '';
    const b = this.bytes;
    if (b[start] === 0) return `\0${utf8.decode(b.subarray(start + 1, end))}`;
    let nul = b.indexOf(0, start);
    if (nul < 0 || nul > end) nul = end;
    return utf8.decode(b.subarray(start, nul));
  }

  /** Port (host order) of an inet/inet6 address. */
  port(base: number): number {
    return this.view.getUint16(base + L.inPort, false);
  }

  /** Text form of an inet/inet6 address ('' for other families); IPv4 text is cached for runs from one sender. */
  ip(base: number): string {
    const fam = this.family(base);
    if (fam === AF_INET) return this.ipv4(base);
    if (fam === AF_INET6) return formatIPv6(this.bytes, base + L.in6Addr);
    return '';
  }

  /** Text form of the sockaddr_in address at `base` (small enough to inline: formatting is out of line). */
  ipv4(base: number): string {
    const key = this.u32[(base + L.inAddr) >> 2] as number;
    return key === this.#last4 ? this.#last4s : this.#formatIPv4(base, key);
  }

  #formatIPv4(base: number, key: number): string {
    this.#last4 = key;
    return (this.#last4s = formatIPv4(this.bytes, base + L.inAddr));
  }

  /** sin6_scope_id (0 for IPv4). */
  scopeId(base: number): number {
    return this.family(base) === AF_INET6 ? this.view.getUint32(base + L.in6ScopeId, true) : 0;
  }

  /** sockaddr_ll: EtherType (host order). */
  llProtocol(base: number): number {
    return this.view.getUint16(base + L.llProtocol, false);
  }
  /** sockaddr_ll: interface index. */
  llIfindex(base: number): number {
    return this.view.getInt32(base + L.llIfindex, true);
  }
  /** sockaddr_ll: packet type (PACKET_HOST, ...). */
  llPkttype(base: number): number {
    return this.bytes[base + L.llPkttype] as number;
  }
  /** sockaddr_ll: the hardware address as text (cached for runs from one sender). */
  llAddress(base: number): string {
    const halen = Math.min(this.bytes[base + L.llHalen] as number, 8);
    const off = base + L.llAddr;
    if (halen === 6) {
      const key = this.view.getUint16(off, false) * 0x100000000 + this.view.getUint32(off + 2, false);
      if (key !== this.#lastMac) {
        this.#lastMac = key;
        this.#lastMacS = mac(this.bytes, off, 6);
      }
      return this.#lastMacS;
    }
    return halen ? mac(this.bytes, off, halen) : '';
  }
}

function mac(b: Uint8Array, off: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += (i ? ':' : '') + (b[off + i] as number).toString(16).padStart(2, '0');
  return s;
}
