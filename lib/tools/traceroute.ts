/**
 * `traceroute(host, options)` without any capability: UDP probes with a
 * rising TTL, whose ICMP time-exceeded and port-unreachable answers come
 * back through the socket's error queue (`'transportError'`), or with
 * `method: 'icmp'` echo requests through a ping socket (traceroute -I).
 *
 * ```ts
 * for await (const hop of traceroute('198.18.2.2', { wait: 1000 }))
 *   console.log(hop.ttl, hop.probes.map((p) => p.address ?? '*'));
 * ```
 * @module
 */
import type { InterfaceRef } from '../core/address';
import { invalidArgType, invalidArgValue, validateInteger } from '../core/errors';
import { rejectUnknownKeys } from '../core/validate';
import type { TransportError } from '../sockets/errqueue';
import { IpSocket, echoRequest } from '../sockets/ip';
import { UdpSocket } from '../sockets/udp';
import type { MessageInfo } from '../sockets/udp/types';
import { checkRoute, openEchoSocket, resolveHost } from './ping';
import { EventQueue, Sleeper, ToolRun, msSince } from './queue';

/** Options of {@link traceroute}. */
export interface TracerouteOptions {
  /** Address family (default: that of `host`). */
  family?: 'ipv4' | 'ipv6';
  /** `'udp'` (default: UDP probes, answers through the error queue) or `'icmp'` (echo requests through a ping socket, traceroute -I). */
  method?: 'udp' | 'icmp';
  /** Highest TTL probed (default 30, traceroute's -m). */
  maxHops?: number;
  /** First TTL probed (default 1, traceroute's -f). */
  firstHop?: number;
  /** Probes per hop (default 3, traceroute's -q). */
  queries?: number;
  /** Milliseconds to wait for a hop's answers (default 5000, traceroute's -w). */
  wait?: number;
  /** UDP: destination port of the first probe, one more for each next probe (default 33434, traceroute's -p). */
  port?: number;
  /** Whole probe packet length including the IP header (default 60 for IPv4, 80 for IPv6, as traceroute). */
  packetLength?: number;
  /** Send through this interface (name or index). */
  interface?: InterfaceRef;
  /** Run inside this network namespace (path or `ip netns` name). */
  netns?: string;
  /** Stop early. */
  signal?: AbortSignal;
}

/** One probe's outcome. */
export interface TracerouteProbe {
  /** Who answered (absent: nobody, traceroute's `*`). */
  address?: string;
  /** Round-trip time in ms (absent: no answer). */
  rtt?: number;
  /** traceroute's annotation for an unreachable answer: `!H`, `!N`, `!P`, `!X`, `!S`, `!F-<mtu>`, `!<code>`. */
  annotation?: string;
}

/** One hop (TTL) and its probes. */
export interface TracerouteHop {
  /** The TTL / hop limit of the probes. */
  ttl: number;
  /** The probes, in the order sent. */
  probes: TracerouteProbe[];
  /** True when the destination (or an unreachable verdict) answered: the last hop. */
  final: boolean;
}

const KEYS = ['family', 'method', 'maxHops', 'firstHop', 'queries', 'wait', 'port', 'packetLength', 'interface', 'netns', 'signal'] as const;

/** A running traceroute: iterate it for the hops as they complete; `hops` resolves with all of them. */
export class Traceroute extends ToolRun<TracerouteHop> {
  /** Every hop, once the trace is over. */
  readonly hops: Promise<TracerouteHop[]>;

  /** @internal Use {@link traceroute}. */
  constructor(host: string, options: TracerouteOptions) {
    super(options.signal, (events, stopper, stopped, setAddress) => trace(host, options, events, stopper, stopped, setAddress));
    this.hops = this._result as Promise<TracerouteHop[]>;
  }
}

/**
 * Trace the route to `host`: probes with TTL 1, 2, … until the destination
 * answers or `maxHops`. With no route to it at all (ENETUNREACH) nothing is
 * sent: `hops` rejects and iterators throw a `SocketError` (`syscall:
 * 'connect'`), as traceroute stops with "connect: Network is unreachable".
 */
export function traceroute(host: string, options: TracerouteOptions = {}): Traceroute {
  if (typeof host !== 'string' || host === '') throw invalidArgType('host', 'a non-empty string', host);
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options);
  rejectUnknownKeys(options, KEYS, 'options');
  if (options.family !== undefined && options.family !== 'ipv4' && options.family !== 'ipv6') throw invalidArgValue('options.family', options.family, "must be 'ipv4' or 'ipv6'");
  if (options.method !== undefined && options.method !== 'udp' && options.method !== 'icmp') throw invalidArgValue('options.method', options.method, "must be 'udp' or 'icmp'");
  if (options.maxHops !== undefined) validateInteger(options.maxHops, 'options.maxHops', 1, 255);
  if (options.firstHop !== undefined) validateInteger(options.firstHop, 'options.firstHop', 1, options.maxHops ?? 30);
  if (options.queries !== undefined) validateInteger(options.queries, 'options.queries', 1, 10);
  if (options.wait !== undefined && !(typeof options.wait === 'number' && options.wait >= 0 && options.wait <= 60_000)) throw invalidArgValue('options.wait', options.wait, 'must be a number of milliseconds from 0 to 60000');
  if (options.port !== undefined) validateInteger(options.port, 'options.port', 1, 65535);
  if (options.packetLength !== undefined) validateInteger(options.packetLength, 'options.packetLength', 28, 65000);
  return new Traceroute(host, options);
}

/** traceroute's annotation for an ICMP unreachable that ends the trace ('' for the destination's own port/echo answer). */
export function annotation(e: { origin: string; type: number; code: number; mtu?: number }): string | undefined {
  if (e.origin === 'icmp' && e.type === 3) {
    const a: Record<number, string> = { 0: '!N', 1: '!H', 2: '!P', 3: '', 4: `!F-${e.mtu ?? 0}`, 5: '!S', 6: '!N', 7: '!H', 9: '!X', 10: '!X', 13: '!X', 14: '!V', 15: '!C' };
    return a[e.code] ?? `!${e.code}`;
  }
  if (e.origin === 'icmp6' && e.type === 1) {
    const a: Record<number, string> = { 0: '!N', 1: '!X', 3: '!H', 4: '' };
    return a[e.code] ?? `!${e.code}`;
  }
  if (e.origin === 'icmp6' && e.type === 2) return `!F-${e.mtu ?? 0}`;
  return undefined; // time exceeded: an intermediate hop
}

function isTimeExceeded(e: TransportError): boolean {
  return (e.origin === 'icmp' && e.type === 11) || (e.origin === 'icmp6' && e.type === 3);
}

async function trace(
  host: string,
  o: TracerouteOptions,
  events: EventQueue<TracerouteHop>,
  stopper: Sleeper,
  stopped: () => boolean,
  setAddress: (a: string) => void,
): Promise<TracerouteHop[]> {
  const { address, family } = await resolveHost(host, o.family);
  setAddress(address);
  const icmp = o.method === 'icmp';
  const queries = o.queries ?? 3;
  const maxHops = o.maxHops ?? 30;
  const wait = o.wait ?? 5000;
  const basePort = o.port ?? 33434;
  const headers = (family === 'ipv4' ? 20 : 40) + 8;
  const data = Buffer.alloc(Math.max(0, (o.packetLength ?? (family === 'ipv4' ? 60 : 80)) - headers), 0x40);
  const common = { ...(o.interface !== undefined ? { interface: o.interface } : {}), ...(o.netns !== undefined ? { netns: o.netns } : {}) };
  const sock: UdpSocket | IpSocket = icmp ? await openEchoSocket(family, 'ping', common) : await UdpSocket.create({ family, ...common });
  try {
    // No route at all: traceroute stops at once ("connect: Network is unreachable") rather than print maxHops rows of '*'.
    checkRoute(family, address, common);
  } catch (e) {
    await sock.close();
    throw e;
  }
  // probe id (UDP: destination port offset; ICMP: sequence) → its slot in the current hop
  let pending = new Map<number, { probe: TracerouteProbe; sent: bigint }>();
  let final = false;
  const hopDone = new Sleeper();
  const settle = (id: number, from: string | undefined, end: boolean, note?: string): void => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    p.probe.rtt = msSince(p.sent);
    if (from !== undefined) p.probe.address = from;
    if (note) p.probe.annotation = note;
    if (end) final = true;
    if (pending.size === 0) hopDone.wake();
  };
  sock.on('transportError', (e: TransportError) => {
    const id = icmp ? (e.payload.length >= 8 ? e.payload.readUInt16BE(6) : -1) : e.destination.port;
    if (isTimeExceeded(e)) return settle(id, e.offender, false);
    const note = annotation(e);
    if (note !== undefined) settle(id, e.offender, true, note);
  });
  sock.on('error', () => {}); // a probe that fails to go out is a '*'
  if (icmp) {
    sock.on('message', (msg: Buffer, info: MessageInfo) => {
      const reply = family === 'ipv4' ? 0 : 129;
      if (msg.length >= 8 && msg[0] === reply) settle(msg.readUInt16BE(6), info.address, true);
    });
  }
  const hops: TracerouteHop[] = [];
  let next = 0;
  try {
    for (let ttl = o.firstHop ?? 1; ttl <= maxHops && !final && !stopped(); ttl++) {
      const hop: TracerouteHop = { ttl, probes: [], final: false };
      pending = new Map();
      for (let q = 0; q < queries; q++) {
        const probe: TracerouteProbe = {};
        hop.probes.push(probe);
        const id = icmp ? (++next & 0xffff) : basePort + next++;
        pending.set(id, { probe, sent: process.hrtime.bigint() });
        try {
          if (icmp) await (sock as IpSocket).send(echoRequest(family, id, data), { address, ttl });
          else await (sock as UdpSocket).send(data, { address, port: id & 0xffff, ttl });
        } catch {
          pending.delete(id);
        }
      }
      if (pending.size > 0) {
        const wake = (): void => hopDone.wake();
        stopper.sleep(wait).then(wake, wake);
        await hopDone.sleep(wait);
        stopper.wake();
      }
      for (const p of hop.probes) if (p.address === undefined) delete p.rtt;
      hop.final = final;
      hops.push(hop);
      events.push(hop);
    }
  } finally {
    await sock.close();
    events.end();
  }
  return hops;
}
