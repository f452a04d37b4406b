/**
 * `ping(host, options)`: ICMP echo through an unprivileged ping socket
 * ({@link PingSocket}), or a raw socket with CAP_NET_RAW when ping sockets
 * are not allowed. An async iterable of replies and errors, and a summary
 * with the counts and round-trip statistics iputils ping prints.
 *
 * ```ts
 * const run = ping('198.18.2.2', { count: 3, interval: 200 });
 * for await (const ev of run) console.log(ev.type, ev.sequence, ev.time);
 * console.log(await run.summary); // { transmitted: 3, received: 3, loss: 0, min, avg, max, mdev, ... }
 * ```
 * @module
 */
import { isIP } from 'node:net';
import { constants as osConstants } from 'node:os';
import type { InterfaceRef } from '../core/address';
import { SocketError, invalidArgType, invalidArgValue, validateInteger } from '../core/errors';
import { rejectUnknownKeys } from '../core/validate';
import { parseIcmpv4, parseIcmpv6 } from '../formats/frames/icmp';
import type { TransportError } from '../sockets/errqueue';
import { IpSocket, PingSocket, RawSocket, echoRequest } from '../sockets/ip';
import type { MessageInfo } from '../sockets/udp/types';
import { EventQueue, Sleeper, ToolRun, msSince } from './queue';

const { EACCES, EPERM } = osConstants.errno;

/** Options of {@link ping}. */
export interface PingOptions {
  /** Address family (default: that of `host`; names resolve to IPv4 first). */
  family?: 'ipv4' | 'ipv6';
  /** Echo requests to send (default: until stopped, like iputils ping without -c). */
  count?: number;
  /** Milliseconds between requests (default 1000; fractions allowed, 0 = as fast as replies are read). */
  interval?: number;
  /** Echo data bytes per request (default 56, as iputils ping). */
  size?: number;
  /** TTL / hop limit of the requests. */
  ttl?: number;
  /** Milliseconds to wait for replies after the last request when none came back (default 10000, iputils' -W); with replies it waits twice the largest round trip, at least `interval`. */
  timeout?: number;
  /** Send through this interface (SO_BINDTODEVICE; name or index). */
  interface?: InterfaceRef;
  /** Run inside this network namespace (path or `ip netns` name). */
  netns?: string;
  /** `'ping'`: only a ping socket; `'raw'`: only a raw socket (CAP_NET_RAW); `'auto'` (default): a ping socket, a raw socket when ping sockets are refused. */
  socket?: 'auto' | 'ping' | 'raw';
  /** Stop early (the summary still resolves). */
  signal?: AbortSignal;
}

/** An echo reply. */
export interface PingReply {
  /** Discriminant. */
  type: 'reply';
  /** icmp_seq (from 1). */
  sequence: number;
  /** Who answered. */
  from: string;
  /** ICMP bytes received (header + data: 64 for the default 56 data bytes). */
  bytes: number;
  /** TTL / hop limit of the reply, when the kernel reported it. */
  ttl?: number;
  /** Round-trip time in milliseconds. */
  time: number;
  /** True when this sequence was already answered (a duplicate, iputils' "DUP!"). */
  duplicate: boolean;
}

/** An ICMP error about one of the requests ("From 198.18.0.1 icmp_seq=3 Destination Host Unreachable"). */
export interface PingError {
  /** Discriminant. */
  type: 'error';
  /** icmp_seq of the request the error is about. */
  sequence: number;
  /** Who reported it (a router, or this host for a local error). */
  from?: string;
  /** The error as iputils ping words it. */
  message: string;
  /** The queued error itself. */
  error: TransportError;
}

/**
 * A request the kernel refused to send after the run started (e.g. its
 * route went away: ENETUNREACH). As in iputils ping it counts as
 * transmitted and lost, not as an ICMP error, and the run goes on. A run
 * that cannot send at all fails instead: see {@link ping}.
 */
export interface PingSendError {
  /** Discriminant. */
  type: 'send-error';
  /** icmp_seq of the request not sent. */
  sequence: number;
  /** The failed send: `code`, `errno`, `syscall` ('sendmsg'), `address`. */
  error: SocketError;
}

/** One event of a {@link Ping} run. */
export type PingEvent = PingReply | PingError | PingSendError;

/** The end-of-run statistics, as iputils ping prints them. */
export interface PingSummary {
  /** The host as given. */
  host: string;
  /** The address pinged. */
  address: string;
  /** 'ipv4' or 'ipv6'. */
  family: 'ipv4' | 'ipv6';
  /** Which socket was used. */
  socket: 'ping' | 'raw';
  /** Echo data bytes per request. */
  size: number;
  /** Requests sent. */
  transmitted: number;
  /** Distinct requests answered. */
  received: number;
  /** Duplicate replies. */
  duplicates: number;
  /** ICMP errors received. */
  errors: number;
  /** Lost requests, percent of transmitted. */
  loss: number;
  /** Milliseconds from the first request to the end. */
  time: number;
  /** Round trips in ms (absent when nothing came back). */
  rtt?: {
    /** Shortest. */
    min: number;
    /** Mean. */
    avg: number;
    /** Longest. */
    max: number;
    /** Mean deviation as iputils computes it: sqrt(mean of squares − square of mean). */
    mdev: number;
  };
}

const KEYS = ['family', 'count', 'interval', 'size', 'ttl', 'timeout', 'interface', 'netns', 'socket', 'signal'] as const;

/**
 * A running ping: iterate it for the events (each iterator sees all of
 * them), await `summary` for the statistics, `stop()` to end early.
 */
export class Ping extends ToolRun<PingEvent> {
  /** The statistics, once the run is over (never rejects for lost replies; rejects when the run could not start). */
  readonly summary: Promise<PingSummary>;

  /** @internal Use {@link ping}. */
  constructor(host: string, options: PingOptions) {
    super(options.signal, (events, stopper, stopped, setAddress) => run(host, options, events, stopper, stopped, setAddress));
    this.summary = this._result as Promise<PingSummary>;
  }
}

/**
 * Ping `host` (an address, or a name resolved with the system resolver):
 * echo requests every `interval` ms through an unprivileged ping socket.
 * Without a `count` it runs until `stop()` or the signal.
 *
 * Before the first request the route is checked as iputils ping does (a
 * UDP socket connected to the host): when there is none — ENETUNREACH in a
 * namespace without a default route — nothing is sent, `summary` rejects and
 * iterators throw a {@link SocketError} (`code`, `errno`, `syscall:
 * 'connect'`, `address`), and `address` never resolves.
 */
export function ping(host: string, options: PingOptions = {}): Ping {
  if (typeof host !== 'string' || host === '') throw invalidArgType('host', 'a non-empty string', host);
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options);
  rejectUnknownKeys(options, KEYS, 'options');
  if (options.family !== undefined && options.family !== 'ipv4' && options.family !== 'ipv6') throw invalidArgValue('options.family', options.family, "must be 'ipv4' or 'ipv6'");
  if (options.count !== undefined) validateInteger(options.count, 'options.count', 1);
  if (options.interval !== undefined && !(typeof options.interval === 'number' && options.interval >= 0 && options.interval <= 3600_000)) throw invalidArgValue('options.interval', options.interval, 'must be a number of milliseconds from 0 to 3600000');
  if (options.size !== undefined) validateInteger(options.size, 'options.size', 0, 65507);
  if (options.ttl !== undefined) validateInteger(options.ttl, 'options.ttl', 1, 255);
  if (options.timeout !== undefined && !(typeof options.timeout === 'number' && options.timeout >= 0 && options.timeout <= 3600_000)) throw invalidArgValue('options.timeout', options.timeout, 'must be a number of milliseconds from 0 to 3600000');
  if (options.socket !== undefined && !['auto', 'ping', 'raw'].includes(options.socket)) throw invalidArgValue('options.socket', options.socket, "must be 'auto', 'ping' or 'raw'");
  return new Ping(host, options);
}

/** @internal The address of `host` in `family` (names through the system resolver). */
export async function resolveHost(host: string, family: 'ipv4' | 'ipv6' | undefined): Promise<{ address: string; family: 'ipv4' | 'ipv6' }> {
  const v = isIP(host);
  if (v !== 0) {
    const f = v === 4 ? 'ipv4' : 'ipv6';
    if (family !== undefined && family !== f) throw invalidArgValue('host', host, `is an ${f} address but family is ${family}`);
    return { address: host, family: f };
  }
  // node:dns is loaded on first use: most runs get an address, and loading it costs every importer.
  const { lookup } = await import('node:dns/promises');
  const r = await lookup(host, { family: family === 'ipv6' ? 6 : family === 'ipv4' ? 4 : 0 });
  return { address: r.address, family: r.family === 6 ? 'ipv6' : 'ipv4' };
}

/** @internal Open a ping socket, or a raw ICMP socket as allowed by `mode`. */
export async function openEchoSocket(family: 'ipv4' | 'ipv6', mode: 'auto' | 'ping' | 'raw', o: { interface?: InterfaceRef; netns?: string }): Promise<IpSocket> {
  const common = { family, receive: { ttl: true }, ...(o.interface !== undefined ? { interface: o.interface } : {}), ...(o.netns !== undefined ? { netns: o.netns } : {}) };
  if (mode !== 'raw') {
    try {
      return await PingSocket.create(common);
    } catch (e) {
      if (mode === 'ping' || !(e instanceof SocketError) || (e.errno !== -EACCES && e.errno !== -EPERM)) throw e;
      try {
        return await RawSocket.create({ ...common, protocol: family === 'ipv4' ? 1 : 58 });
      } catch {
        throw e; // the ping socket's error names the sysctl to change
      }
    }
  }
  return RawSocket.create({ ...common, protocol: family === 'ipv4' ? 1 : 58 });
}

/**
 * @internal iputils ping's route check: connect(2) a UDP socket to the host
 * (port 1025, as iputils) through the same interface and namespace, and
 * close it. Throws the connect error (ENETUNREACH: no route) naming the host.
 */
export function checkRoute(family: 'ipv4' | 'ipv6', address: string, o: { interface?: InterfaceRef; netns?: string }): void {
  const probe = IpSocket._open(family, 'dgram', 0, { family, ...(o.interface !== undefined ? { interface: o.interface } : {}), ...(o.netns !== undefined ? { netns: o.netns } : {}) }, () => {});
  try {
    probe.connect({ address, port: 1025 });
  } catch (e) {
    if (!(e instanceof SocketError)) throw e;
    const hint = e.code === 'ENETUNREACH' ? `no route to ${address} ('ip route get ${address}' says why; a new network namespace has no default route)` : undefined;
    throw new SocketError(e.errno, 'connect', { address, ...(hint ? { hint } : {}) });
  } finally {
    probe.close();
  }
}

/** What an ICMP error about a request says, in iputils ping's words. */
export function describeIcmpError(e: { origin: string; type: number; code: number; mtu?: number; error: string }): string {
  if (e.origin === 'icmp') {
    if (e.type === 3) {
      const u: Record<number, string> = {
        0: 'Destination Net Unreachable', 1: 'Destination Host Unreachable', 2: 'Destination Protocol Unreachable', 3: 'Destination Port Unreachable',
        4: `Frag needed and DF set (mtu = ${e.mtu ?? 0})`, 5: 'Source Route Failed', 6: 'Destination Net Unknown', 7: 'Destination Host Unknown',
        8: 'Source Host Isolated', 9: 'Destination Net Prohibited', 10: 'Destination Host Prohibited', 11: 'Destination Net Unreachable for Type of Service',
        12: 'Destination Host Unreachable for Type of Service', 13: 'Packet filtered', 14: 'Precedence Violation', 15: 'Precedence Cutoff',
      };
      return u[e.code] ?? `Dest Unreachable, Bad Code: ${e.code}`;
    }
    if (e.type === 11) return e.code === 0 ? 'Time to live exceeded' : 'Frag reassembly time exceeded';
    if (e.type === 12) return 'Parameter problem';
    return `Bad ICMP type: ${e.type}`;
  }
  if (e.origin === 'icmp6') {
    if (e.type === 1) {
      const u: Record<number, string> = { 0: 'No route', 1: 'Administratively prohibited', 2: 'Beyond scope of source address', 3: 'Address unreachable', 4: 'Port unreachable' };
      return `Destination unreachable: ${u[e.code] ?? `Unknown code ${e.code}`}`;
    }
    if (e.type === 2) return `Packet too big: mtu=${e.mtu ?? 0}`;
    if (e.type === 3) return e.code === 0 ? 'Time exceeded: Hop limit' : 'Time exceeded: Defrag';
    if (e.type === 4) return `Parameter problem: code ${e.code}`;
    return `Unknown ICMPv6 type: ${e.type}`;
  }
  return `local error: ${e.error}${e.mtu !== undefined ? ` (mtu ${e.mtu})` : ''}`;
}

/** @internal The ICMP message of a received datagram (raw IPv4 sockets hand over the IP header too). */
export function icmpOf(sock: IpSocket, data: Buffer): Buffer {
  if (sock instanceof RawSocket && sock.family === 'ipv4' && data.length >= 20) return data.subarray(((data[0] as number) & 0x0f) * 4);
  return data;
}

async function run(host: string, o: PingOptions, events: EventQueue<PingEvent>, stopper: Sleeper, stopped: () => boolean, setAddress: (a: string) => void): Promise<PingSummary> {
  const { address, family } = await resolveHost(host, o.family);
  const sock = await openEchoSocket(family, o.socket ?? 'auto', o);
  try {
    checkRoute(family, address, o);
  } catch (e) {
    await sock.close();
    throw e;
  }
  setAddress(address);
  const raw = sock instanceof RawSocket;
  // A raw socket sees every echo reply on the host: ours carry this identifier.
  const ident = raw ? (process.pid ^ (Math.random() * 0x10000)) & 0xffff : 0;
  const size = o.size ?? 56;
  const count = o.count ?? Infinity;
  const interval = o.interval ?? 1000;
  const v4 = family === 'ipv4';
  const sent = new Map<number, bigint>(); // seq & 0xffff → send time, until answered or given up
  const answered = new Set<number>();
  let transmitted = 0;
  let received = 0;
  let duplicates = 0;
  let errors = 0;
  let tsum = 0;
  let tsum2 = 0;
  let tmin = Infinity;
  let tmax = 0;
  let outstanding = 0;
  const waiter = new Sleeper();

  const onReply = (data: Buffer, info: MessageInfo): void => {
    const now = process.hrtime.bigint();
    const icmp = icmpOf(sock, data);
    if (icmp.length < 8) return;
    let m;
    try {
      m = v4 ? parseIcmpv4(icmp) : parseIcmpv6(icmp);
    } catch {
      return;
    }
    if (raw) {
      if (m.type !== 8 && m.type !== 128 && (m.kind === 'destination-unreachable' || m.kind === 'time-exceeded' || m.kind === 'packet-too-big' || m.kind === 'parameter-problem')) {
        if (m.original?.identifier === ident && m.original.sequence !== undefined) {
          onError({ errno: 0, error: '', origin: v4 ? 'icmp' : 'icmp6', type: m.type, code: m.code, offender: info.address, ...(m.mtu !== undefined ? { mtu: m.mtu } : {}), destination: { address, port: 0 }, payload: icmp }, m.original.sequence);
        }
        return;
      }
      if (m.identifier !== ident) return;
    }
    if (m.kind !== 'echo-reply') return;
    const seq = m.sequence;
    const t0 = sent.get(seq);
    if (t0 === undefined && !answered.has(seq)) return;
    const dup = answered.has(seq);
    const time = t0 !== undefined ? msSince(t0, now) : 0;
    if (dup) duplicates++;
    else {
      answered.add(seq);
      sent.delete(seq);
      received++;
      outstanding--;
      tsum += time;
      tsum2 += time * time;
      if (time < tmin) tmin = time;
      if (time > tmax) tmax = time;
    }
    const ev: PingReply = { type: 'reply', sequence: seq, from: info.address, bytes: icmp.length, time, duplicate: dup };
    if (info.ttl !== undefined) ev.ttl = info.ttl;
    else if (raw && v4) ev.ttl = data[8] as number;
    events.push(ev);
    if (outstanding === 0) waiter.wake();
  };
  const onError = (e: TransportError, seq: number): void => {
    errors++;
    // As iputils: an error answers its request (no reply will come).
    if (sent.delete(seq)) {
      outstanding--;
      if (outstanding === 0) waiter.wake();
    }
    const ev: PingError = { type: 'error', sequence: seq, message: describeIcmpError(e), error: e };
    if (e.offender !== undefined) ev.from = e.offender;
    events.push(ev);
  };
  sock.on('message', onReply);
  if (!raw) sock.on('transportError', (e: TransportError) => onError(e, e.payload.length >= 8 ? e.payload.readUInt16BE(6) : 0));
  sock.on('error', () => {}); // receive errors end nothing here: lost requests count as loss
  if (o.ttl !== undefined) sock.setTTL(o.ttl);
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = i & 0xff;
  const start = process.hrtime.bigint();
  try {
    for (let seq = 1; transmitted < count && !stopped(); seq++) {
      const wire = seq & 0xffff;
      // iputils puts the send time in the data; a pattern is enough: the time is kept here.
      const msg = echoRequest(family, wire, payload, ident);
      sent.set(wire, process.hrtime.bigint());
      answered.delete(wire);
      transmitted++;
      outstanding++;
      try {
        await sock.send(msg, address);
      } catch (e) {
        if (!(e instanceof SocketError)) throw e;
        // As iputils: counted as sent and still awaited (so lost), reported, and the run goes on.
        events.push({ type: 'send-error', sequence: wire, error: e });
      }
      if (transmitted < count && !stopped()) await stopper.sleep(transmitted * interval - msSince(start));
    }
    if (!stopped() && outstanding > 0) {
      // iputils' schedule_exit(): twice the slowest round trip, but never less than the interval.
      const linger = received > 0 ? Math.max(2 * tmax, interval, 1) : (o.timeout ?? 10000);
      const wake = (): void => waiter.wake();
      stopper.sleep(linger).then(wake, wake);
      await waiter.sleep(linger);
    }
  } finally {
    await sock.close();
    events.end();
  }
  const time = msSince(start);
  const summary: PingSummary = {
    host,
    address,
    family,
    socket: raw ? 'raw' : 'ping',
    size,
    transmitted,
    received,
    duplicates,
    errors,
    loss: transmitted === 0 ? 0 : ((transmitted - received) * 100) / transmitted,
    time,
  };
  if (received > 0) {
    const avg = tsum / received;
    summary.rtt = { min: tmin, avg, max: tmax, mdev: Math.sqrt(Math.max(0, tsum2 / received - avg * avg)) };
  }
  return summary;
}
