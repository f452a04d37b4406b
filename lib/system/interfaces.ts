/**
 * Network interfaces and process capabilities.
 *
 * `interfaces()` lists every interface of the calling thread's network
 * namespace from getifaddrs(3) (the kernel's rtnetlink answer) plus
 * ioctl(SIOCGIFMTU) — never from /sys/class/net, which inside
 * `unshare --net` still shows the parent namespace's devices.
 * @module
 */
import * as net from 'node:net';
import { native } from '../binding';
import type { NativeIfAddr } from '../binding/interfaces';
import { InterfaceRef, interfaceIndex, interfaceName, parseIp } from '../core/address';
import { Capability, SocketError, check, invalidArgType, invalidArgValue, validateInteger } from '../core/errors';
import { rejectUnknownKeys } from '../core/validate';
import { netnsFailure, netnsPath } from './netns';

export { interfaceIndex, interfaceName };

/** One address of an interface. */
export interface InterfaceAddress {
  /** 'ipv4' or 'ipv6'. */
  family: 'ipv4' | 'ipv6';
  /** The address literal (no prefix, no scope). */
  address: string;
  /** Prefix length (24 for 255.255.255.0). */
  prefix: number;
  /** The netmask as an address literal. */
  netmask: string;
  /** `address/prefix`. */
  cidr: string;
  /** IPv4 broadcast address, when the interface has one. */
  broadcast?: string;
  /** The peer of a point-to-point link. */
  peer?: string;
  /** IPv6 scope (interface index) of link-local addresses. */
  scopeId?: number;
}

/** Interface flags (IFF_*), by name. */
export interface InterfaceFlags {
  /** IFF_UP: administratively up. */
  up: boolean;
  /** IFF_RUNNING: operationally up (carrier). */
  running: boolean;
  /** IFF_LOOPBACK. */
  loopback: boolean;
  /** IFF_BROADCAST: has a broadcast address. */
  broadcast: boolean;
  /** IFF_MULTICAST: supports multicast. */
  multicast: boolean;
  /** IFF_PROMISC: receives every frame. */
  promiscuous: boolean;
  /** IFF_ALLMULTI: receives every multicast frame. */
  allMulticast: boolean;
  /** IFF_POINTOPOINT. */
  pointToPoint: boolean;
  /** IFF_NOARP. */
  noArp: boolean;
}

/** A network interface of this namespace. */
export interface NetworkInterface {
  /** Interface name ('veth0'). */
  name: string;
  /** Interface index (if_nametoindex). */
  index: number;
  /** Hardware address "aa:bb:cc:dd:ee:ff", or null when the device has none. */
  mac: string | null;
  /** MTU in bytes (SIOCGIFMTU). */
  mtu: number;
  /** Link type: 'ether', 'loopback', 'none' (tun, ...) or the ARPHRD_* number. */
  type: 'ether' | 'loopback' | 'none' | number;
  /** IFF_* flags by name. */
  flags: InterfaceFlags;
  /** The raw IFF_* bits. */
  rawFlags: number;
  /** Its IPv4 and IPv6 addresses, as getifaddrs lists them. */
  addresses: InterfaceAddress[];
}

const K = native.interfaceConstants;

function decodeFlags(bits: number): InterfaceFlags {
  const has = (n: string): boolean => (bits & (K[n] as number)) !== 0;
  return {
    up: has('IFF_UP'),
    running: has('IFF_RUNNING'),
    loopback: has('IFF_LOOPBACK'),
    broadcast: has('IFF_BROADCAST'),
    multicast: has('IFF_MULTICAST'),
    promiscuous: has('IFF_PROMISC'),
    allMulticast: has('IFF_ALLMULTI'),
    pointToPoint: has('IFF_POINTOPOINT'),
    noArp: has('IFF_NOARP'),
  };
}

function prefixOf(mask: string): number {
  let bits = 0;
  if (mask.includes(':')) {
    for (const group of expand6(mask)) bits += popcount(group);
  } else {
    for (const part of mask.split('.')) bits += popcount(Number(part));
  }
  return bits;
}
function popcount(n: number): number {
  let c = 0;
  for (let x = n; x; x >>>= 1) c += x & 1;
  return c;
}
function expand6(a: string): number[] {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((g) => parseInt(g, 16));
}

interface NativeInet {
  family: number;
  address?: string;
  scopeId?: number;
}
interface NativeLink {
  family: number;
  ifindex?: number;
  hatype?: number;
  mac?: string;
}

/** Options for {@link interfaces}. */
export interface InterfacesOptions {
  /** List another namespace's interfaces: a path or `ip netns` name (needs CAP_SYS_ADMIN). */
  netns?: string;
}

/**
 * Every interface of the calling thread's network namespace (or of
 * `options.netns`), sorted by index: name, index, MAC, MTU, link type, flags
 * and addresses.
 */
export function interfaces(options: InterfacesOptions = {}): NetworkInterface[] {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  rejectUnknownKeys(options, ['netns'], 'options');
  let raw: ReturnType<typeof native.getifaddrs>;
  if (options.netns !== undefined) {
    const path = netnsPath(options.netns, 'options.netns');
    raw = native.getifaddrs(path);
    if (typeof raw === 'object' && !Array.isArray(raw)) {
      throw netnsFailure(raw, path);
    }
  } else {
    raw = native.getifaddrs();
  }
  const entries = check(raw as NativeIfAddr[] | number, 'getifaddrs');
  const byName = new Map<string, NetworkInterface>();
  const get = (name: string, flags: number): NetworkInterface => {
    let it = byName.get(name);
    if (!it) {
      it = { name, index: 0, mac: null, mtu: 0, type: 'none', flags: decodeFlags(flags), rawFlags: flags, addresses: [] };
      byName.set(name, it);
    }
    return it;
  };
  const AF_INET = native.constants.AF_INET;
  const AF_INET6 = native.constants.AF_INET6;
  const AF_PACKET = native.constants.AF_PACKET;
  // Link entries first, so address labels ("veth0:1") can fold into their device.
  for (const e of entries) {
    if (e.addr?.family !== AF_PACKET) continue;
    const it = get(e.name, e.flags);
    const ll = e.addr as NativeLink;
    it.index = ll.ifindex ?? 0;
    const hatype = ll.hatype ?? -1;
    it.type = hatype === K.ARPHRD_ETHER ? 'ether' : hatype === K.ARPHRD_LOOPBACK ? 'loopback' : hatype === K.ARPHRD_NONE ? 'none' : hatype;
    it.mac = ll.mac && hatype !== K.ARPHRD_NONE ? ll.mac : null;
    it.mtu = e.mtu ?? 0;
  }
  for (const e of entries) {
    const fam = e.addr?.family;
    if (fam !== AF_INET && fam !== AF_INET6) continue;
    const base = byName.has(e.name) ? e.name : e.name.split(':')[0] ?? e.name;
    const it = get(base, e.flags);
    const a = e.addr as NativeInet;
    const netmask = (e.netmask as NativeInet | undefined)?.address ?? (fam === AF_INET ? '255.255.255.255' : 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    const prefix = prefixOf(netmask);
    const addr: InterfaceAddress = {
      family: fam === AF_INET ? 'ipv4' : 'ipv6',
      address: a.address ?? '',
      prefix,
      netmask,
      cidr: `${a.address ?? ''}/${prefix}`,
    };
    const brd = (e.broadaddr as NativeInet | undefined)?.address;
    if (brd) addr.broadcast = brd;
    const peer = (e.dstaddr as NativeInet | undefined)?.address;
    if (peer) addr.peer = peer;
    if (a.scopeId) addr.scopeId = a.scopeId;
    it.addresses.push(addr);
  }
  const list = [...byName.values()];
  for (const it of list) {
    if (!it.index) {
      const r = options.netns === undefined ? native.ifNameToIndex(it.name) : 0;
      it.index = r > 0 ? r : 0;
    }
    if (!it.mtu && options.netns === undefined) {
      const mtu = native.ifMtu(it.name);
      it.mtu = mtu > 0 ? mtu : 0;
    }
  }
  return list.sort((x, y) => x.index - y.index);
}

/**
 * One interface by name, index or one of its addresses; throws a SocketError
 * (ENODEV) naming what this namespace does have when it is absent.
 */
export function getInterface(ref: InterfaceRef, options: InterfacesOptions = {}): NetworkInterface {
  if (typeof ref !== 'string' && typeof ref !== 'number') throw invalidArgType('interface', 'an interface name, index or address', ref);
  const all = interfaces(options);
  const found = all.find((i) => i.name === ref || i.index === ref || (typeof ref === 'string' && i.addresses.some((a) => a.address === ref)));
  if (!found) {
    throw new SocketError(19 /* ENODEV */, 'getifaddrs', {
      interface: String(ref),
      hint: `no interface "${String(ref)}" in this network namespace (it has: ${all.map((i) => i.name).join(', ') || 'none'})`,
    });
  }
  return found;
}

/** The index of the interface that has `address` (IPv4 or IPv6), if any. */
export function interfaceIndexOfAddress(address: string): number | undefined {
  const ip = parseIp(address);
  for (const it of interfaces()) {
    if (it.addresses.some((a) => a.address === ip.address || (a.family === 'ipv6' && a.address.toLowerCase() === ip.address.toLowerCase()))) return it.index;
  }
  return undefined;
}


/** Which of the capabilities sockit cares about the calling thread has (effective set). */
export type Capabilities = Record<Capability, boolean>;

/**
 * Which of CAP_NET_RAW (packet/raw sockets), CAP_NET_ADMIN (SO_MARK,
 * promiscuous mode, *BUFFORCE, ...), CAP_SYS_ADMIN (entering network
 * namespaces) and CAP_NET_BIND_SERVICE the process has (capget(2), effective
 * set; root normally has all of them).
 */
export function capabilities(): Capabilities {
  const [lo, hi] = check(native.capEffective(), 'capget') as [number, number];
  const has = (bit: number): boolean => (bit < 32 ? (lo >>> bit) & 1 : (hi >>> (bit - 32)) & 1) === 1;
  const C = native.capabilityConstants;
  return {
    CAP_NET_RAW: has(C.CAP_NET_RAW as number),
    CAP_NET_ADMIN: has(C.CAP_NET_ADMIN as number),
    CAP_SYS_ADMIN: has(C.CAP_SYS_ADMIN as number),
    CAP_NET_BIND_SERVICE: has(C.CAP_NET_BIND_SERVICE as number),
  };
}

/** True when the process has `cap` in its effective set. */
export function hasCapability(cap: Capability): boolean {
  const caps = capabilities();
  if (!(cap in caps)) throw invalidArgType('cap', "'CAP_NET_RAW', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN' or 'CAP_NET_BIND_SERVICE'", cap);
  return caps[cap];
}

/**
 * Resolve an interface reference to an index. Names go through if_nametoindex;
 * numbers are taken as indexes; IPv4 literals are looked up among the
 * interfaces' addresses.
 */
export function resolveInterfaceIndex(ref: InterfaceRef, name = 'interface'): number {
  if (typeof ref === 'number') return validateInteger(ref, name, 1, 0x7fffffff);
  if (typeof ref !== 'string') throw invalidArgType(name, 'an interface name, index or address', ref);
  if (net.isIP(ref)) {
    const idx = interfaceIndexOfAddress(ref);
    if (idx === undefined) throw invalidArgValue(name, ref, 'is not an address of any interface in this network namespace');
    return idx;
  }
  return interfaceIndex(ref);
}
