/**
 * Multicast on a chosen interface, IPv4 and IPv6, without the classic
 * pitfalls (`"4sl"` mreq packing, joins landing on the default-route NIC):
 * joins go through `group_req` (MCAST_JOIN_GROUP) with an interface index,
 * which works even on an interface that has no IPv4 address.
 *
 * The one-liners the Python wiki wished for:
 * ```ts
 * const rx = await multicast.listen('239.192.0.100:1000', { interface: 'veth0' });
 * rx.on('message', (data, info) => ...);
 * await multicast.send('Hello, world!', '239.192.0.100:1000', { interface: 'veth0', ttl: 1 });
 * ```
 * @module
 */
import { InterfaceRef, parseEndpoint, parseIp } from '../core/address';
import { resolveInterfaceIndex } from '../system/interfaces';
import { invalidArgType, invalidArgValue, validateBoolean, validateInteger } from '../core/errors';
import { isMulticastText } from '../core/iptext';
import { rejectUnknownKeys } from '../core/validate';
import { ReceiveOptions, SendOptions, UdpSocket } from './udp';
import { setOption } from '../options';
import { withNetns } from '../system/netns';

function inNs<T>(netns: string | undefined, fn: () => T): T {
  return netns === undefined ? fn() : withNetns(netns, fn);
}

interface Group {
  address: string;
  family: 'ipv4' | 'ipv6';
  scopeId: number;
}

function group(address: string, name: string, socketFamily: 'ipv4' | 'ipv6'): Group {
  const g = parseIp(address, name);
  if (!isMulticastText(g.address)) throw invalidArgValue(name, address, 'is not a multicast address (224.0.0.0/4 or ff00::/8)');
  if (g.family !== socketFamily) throw invalidArgValue(name, address, `is an ${g.family} group but the socket is ${socketFamily}`);
  return g;
}

function ifindexOf(iface: InterfaceRef | undefined, g: Group, name = 'interface'): number {
  if (iface === undefined || iface === null) return g.scopeId || 0;
  if (iface === 0) return 0;
  return resolveInterfaceIndex(iface, name);
}

/** @internal MCAST_JOIN_GROUP / MCAST_LEAVE_GROUP (group_req: works by index, even with no IPv4 address). */
export function membership(fd: number, family: 'ipv4' | 'ipv6', op: 'join' | 'leave', groupAddress: string, iface?: InterfaceRef): void {
  const g = group(groupAddress, 'group', family);
  setOption(fd, op === 'join' ? 'MCAST_JOIN_GROUP' : 'MCAST_LEAVE_GROUP', { group: g.address, interface: ifindexOf(iface, g) });
}

/** @internal MCAST_{JOIN,LEAVE}_SOURCE_GROUP, MCAST_{BLOCK,UNBLOCK}_SOURCE (group_source_req). */
export function sourceMembership(
  fd: number,
  family: 'ipv4' | 'ipv6',
  op: 'join' | 'leave' | 'block' | 'unblock',
  sourceAddress: string,
  groupAddress: string,
  iface?: InterfaceRef,
): void {
  const g = group(groupAddress, 'group', family);
  const src = parseIp(sourceAddress, 'source');
  if (src.family !== g.family) throw invalidArgValue('source', sourceAddress, `is not an ${g.family} address`);
  const name = ({ join: 'MCAST_JOIN_SOURCE_GROUP', leave: 'MCAST_LEAVE_SOURCE_GROUP', block: 'MCAST_BLOCK_SOURCE', unblock: 'MCAST_UNBLOCK_SOURCE' } as const)[op];
  setOption(fd, name, { group: g.address, source: src.address, interface: ifindexOf(iface, g) });
}

/** @internal IP_MULTICAST_IF (by index: ip_mreqn) / IPV6_MULTICAST_IF. */
export function setInterface(fd: number, family: 'ipv4' | 'ipv6', iface: InterfaceRef): void {
  const index = iface === 0 ? 0 : resolveInterfaceIndex(iface, 'interface');
  if (family === 'ipv4') setOption(fd, 'IP_MULTICAST_IF', index);
  else setOption(fd, 'IPV6_MULTICAST_IF', index);
}

/** Options for {@link listen}. */
export interface ListenOptions {
  /** Interface to join on (name, index or IPv4 address). Default: the group's %scope, else routing decides. */
  interface?: InterfaceRef;
  /** Bind to the group address itself (default true), so unicast and other groups on the port stay out. */
  bindToGroup?: boolean;
  /**
   * Also set SO_REUSEPORT (default false). SO_REUSEADDR alone already lets
   * several listeners share group:port, each getting every datagram. With
   * SO_REUSEPORT, Linux 6.x may steer a multicast datagram to just one socket
   * of the reuseport group (even one that did not join the group, bypassing
   * IP_MULTICAST_ALL=0); observed on Linux 6.18 in about half of the runs.
   */
  reusePort?: boolean;
  /** Only this source passes (source-specific multicast, MCAST_JOIN_SOURCE_GROUP). */
  source?: string;
  /** Ancillary data per datagram (see UdpSocket). */
  receive?: ReceiveOptions;
  /** Largest datagram received whole. */
  maxMessageSize?: number;
  /** Create the socket in this network namespace. */
  netns?: string;
  /** Passed to {@link UdpSocket.create}: closes the socket when aborted. */
  signal?: AbortSignal;
}

const LISTEN_KEYS: readonly (keyof ListenOptions)[] = ['interface', 'bindToGroup', 'reusePort', 'source', 'receive', 'maxMessageSize', 'netns', 'signal'];

/**
 * A UdpSocket joined to `group:port` (`'239.192.0.100:1000'`,
 * `'[ff02::114%veth0]:1000'`). SO_REUSEADDR is on, so several listeners on
 * one host each get every datagram; IP_MULTICAST_ALL is off, so a listener
 * receives only the groups it joined; and the socket is bound to the group
 * address itself (`bindToGroup`), so unicast to the port stays out.
 *
 * With an interface (`options.interface` or the group's `%scope`) the
 * socket's multicast sends leave through it too (IP_MULTICAST_IF /
 * IPV6_MULTICAST_IF), so a responder answers from the group's port with
 * `rx.send(reply, { address: group, port })`, even in a namespace with no
 * route for the group; {@link send} with `sourcePort` also works beside it.
 */
export async function listen(endpoint: string, options: ListenOptions = {}): Promise<UdpSocket> {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  rejectUnknownKeys(options, LISTEN_KEYS, 'options');
  const ep = inNs(options.netns, () => parseEndpoint(endpoint, 'endpoint'));
  const g = group(ep.address, 'endpoint', ep.family);
  if (options.bindToGroup !== undefined) validateBoolean(options.bindToGroup, 'options.bindToGroup');
  const ifindex = inNs(options.netns, () => ifindexOf(options.interface, { ...g, scopeId: ep.scopeId }, 'options.interface'));
  const bindToGroup = options.bindToGroup ?? true;
  const sock = await UdpSocket.create({
    family: ep.family,
    reuseAddress: true,
    reusePort: options.reusePort ?? false,
    ...(options.receive ? { receive: options.receive } : {}),
    ...(options.maxMessageSize !== undefined ? { maxMessageSize: options.maxMessageSize } : {}),
    ...(options.netns !== undefined ? { netns: options.netns } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    sock.setMulticastAll(false);
    if (options.source !== undefined) sock.addSourceSpecificMembership(options.source, ep.address, ifindex || undefined);
    else sock.addMembership(ep.address, ifindex || undefined);
    // Replies to the group leave through the joined link, not the routing table's choice (often: none).
    if (ifindex) sock.setMulticastInterface(ifindex);
    const scope = g.family === 'ipv6' && /^ff[0-9a-f][12]/i.test(g.address) ? ifindex || g.scopeId : 0;
    if (bindToGroup) await sock.bind({ address: g.address, port: ep.port, ...(scope ? { scopeId: scope } : {}) });
    else await sock.bind(ep.port);
  } catch (e) {
    await sock.close();
    throw e;
  }
  return sock;
}

/** Options for {@link send}. */
export interface MulticastSendOptions {
  /** Outgoing interface (name, index or IPv4 address). Strongly recommended: otherwise the routing table picks one. */
  interface?: InterfaceRef;
  /** Multicast TTL / hop limit (default 1: stay on the link). */
  ttl?: number;
  /** Loop back to listeners on this host (default true). */
  loopback?: boolean;
  /** Source address for the datagram. */
  sourceAddress?: string;
  /**
   * Local port to send from (default: any). SO_REUSEADDR is set for it, so
   * the group's own port works beside a {@link listen}er on this host.
   */
  sourcePort?: number;
  /** Create the sending socket in this network namespace. */
  netns?: string;
}

const SEND_KEYS: readonly (keyof MulticastSendOptions)[] = ['interface', 'ttl', 'loopback', 'sourceAddress', 'sourcePort', 'netns'];

/**
 * Send one datagram to `group:port` from a short-lived socket. Resolves with
 * the bytes sent. To answer from a listener's port, send from the listener
 * itself (see {@link listen}) or pass `sourcePort`.
 */
export async function send(data: Uint8Array | string, endpoint: string, options: MulticastSendOptions = {}): Promise<number> {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  rejectUnknownKeys(options, SEND_KEYS, 'options');
  const ep = inNs(options.netns, () => parseEndpoint(endpoint, 'endpoint'));
  group(ep.address, 'endpoint', ep.family);
  if (options.ttl !== undefined) validateInteger(options.ttl, 'options.ttl', 0, 255);
  if (options.loopback !== undefined) validateBoolean(options.loopback, 'options.loopback');
  const sock = await UdpSocket.create({
    family: ep.family,
    // SO_REUSEADDR only: SO_REUSEPORT would join a listener's reuseport group and could take its datagrams.
    ...(options.sourcePort !== undefined ? { port: options.sourcePort, reuseAddress: true } : {}),
    ...(options.netns !== undefined ? { netns: options.netns } : {}),
  });
  try {
    // Sharing the group's port: this short-lived socket must not also receive the group.
    if (options.sourcePort !== undefined) sock.setMulticastAll(false);
    const ifindex = options.interface !== undefined ? sock._ifindex(options.interface, 'options.interface') : ep.scopeId;
    if (ifindex) sock.setMulticastInterface(ifindex);
    sock.setMulticastTTL(options.ttl ?? 1);
    sock.setMulticastLoopback(options.loopback ?? true);
    const opts: SendOptions = { address: ep.address, port: ep.port };
    if (ep.family === 'ipv6' && ep.scopeId) opts.address = `${ep.address}%${ep.scopeId}`;
    if (options.sourceAddress !== undefined) opts.sourceAddress = options.sourceAddress;
    return await sock.send(data, opts);
  } finally {
    await sock.close();
  }
}
