/**
 * `sockit ping` and `sockit traceroute`: iputils ping and traceroute's
 * output over {@link ping} and {@link traceroute} — no capability needed
 * (a ping socket where `net.ipv4.ping_group_range` allows it, else a raw
 * socket with CAP_NET_RAW; traceroute reads its answers from the error queue).
 * @module
 */
import { native } from '../binding';
import { SocketError } from '../core/errors';
import { ping, PingSummary } from '../tools/ping';
import { traceroute, TracerouteHop } from '../tools/traceroute';
import { CommandSpec, EXIT, FlagSpec, UsageError } from './args';
import { NETNS_FLAG, given, positive, networkCommand } from './common';
import type { Command } from './main';

/** `-4` / `-6`, as ping and traceroute spell them. */
const FAMILY_FLAGS: Record<string, FlagSpec> = {
  ipv4: { type: 'boolean', short: '4', description: 'IPv4 only' },
  ipv6: { type: 'boolean', short: '6', description: 'IPv6 only' },
};

const pingSpec: CommandSpec = {
  name: 'ping',
  summary: 'Send ICMP echo requests and print the replies and a summary, as iputils ping does.',
  positionals: 'HOST',
  minPositionals: 1,
  maxPositionals: 1,
  flags: {
    count: { type: 'number', short: 'c', description: 'stop after N requests (default: until interrupted)' },
    interval: { type: 'number', short: 'i', value: 'SECONDS', description: 'seconds between requests (default 1; fractions allowed)' },
    size: { type: 'number', short: 's', description: 'echo data bytes (default 56)' },
    ttl: { type: 'number', short: 't', description: 'IP TTL / hop limit of the requests' },
    interface: { type: 'string', short: 'I', value: 'IF', description: 'send through this interface (SO_BINDTODEVICE)' },
    timeout: { type: 'number', short: 'W', value: 'SECONDS', description: 'wait this long for replies after the last request when none came (default 10)' },
    ...FAMILY_FLAGS,
    raw: { type: 'boolean', description: 'use a raw socket (CAP_NET_RAW) instead of a ping socket' },
    quiet: { type: 'boolean', short: 'q', description: 'print only the summary' },
    json: { type: 'boolean', description: 'one JSON object per reply or error, then the summary (NDJSON)' },
    ...NETNS_FLAG,
  },
  details:
    'Uses an unprivileged ping socket (SOCK_DGRAM, IPPROTO_ICMP) when net.ipv4.ping_group_range lets your group,\n' +
    'else a raw socket when you have CAP_NET_RAW. Exit code 0 when a reply came back, 1 when none did,\n' +
    '2 when nothing could be sent (no route: "ping: connect: Network is unreachable"), as iputils ping.',
  examples: ['sockit ping 198.18.1.2 -c 3', 'sockit ping fd00:5f:0:1::2 -c 5 -i 0.2 --json', 'sockit ping 198.18.1.2 -c 1 -t 1   # see the first router answer'],
};

const traceSpec: CommandSpec = {
  name: 'traceroute',
  summary: 'Print the route to a host, as traceroute does, without any capability.',
  positionals: 'HOST',
  minPositionals: 1,
  maxPositionals: 1,
  flags: {
    icmp: { type: 'boolean', short: 'I', description: 'ICMP echo probes through a ping socket (default: UDP probes)' },
    queries: { type: 'number', short: 'q', description: 'probes per hop (default 3)' },
    'max-hops': { type: 'number', short: 'm', description: 'highest TTL (default 30)' },
    'first-hop': { type: 'number', short: 'f', description: 'first TTL (default 1)' },
    wait: { type: 'number', short: 'w', value: 'SECONDS', description: 'wait this long for each hop\'s answers (default 5; fractions allowed)' },
    port: { type: 'number', short: 'p', description: 'UDP: destination port of the first probe (default 33434, +1 per probe)' },
    ...FAMILY_FLAGS,
    interface: { type: 'string', short: 'i', value: 'IF', description: 'send through this interface' },
    json: { type: 'boolean', description: 'one JSON object per hop (NDJSON)' },
    ...NETNS_FLAG,
  },
  details:
    'UDP probes with a rising TTL; the routers\' ICMP time-exceeded answers and the destination\'s port unreachable\n' +
    'are read from the socket\'s error queue (IP_RECVERR), so no raw socket is needed. Addresses are printed, not names.',
  examples: ['sockit traceroute 198.18.2.2', 'sockit traceroute fd00:5f:0:2::2 -q 1 -w 1', 'sockit traceroute 198.18.2.2 -I --json'],
};

/** iputils ping's exit status for an error other than lost replies (no route, ...). */
const IPUTILS_ERROR = 2;

function familyFlag(flags: Record<string, unknown>, command: string): 'ipv4' | 'ipv6' | undefined {
  if (flags.ipv4 && flags.ipv6) throw new UsageError('-4 and -6 exclude each other', command);
  return flags.ipv4 ? 'ipv4' : flags.ipv6 ? 'ipv6' : undefined;
}

function ms(flags: Record<string, unknown>, name: string, command: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= 0) || v > 3600) throw new UsageError(`--${name} must be a number of seconds from 0 to 3600`, command);
  return v * 1000;
}

/** iputils ping's time=: 3 decimals under 1 ms, 2 under 10, 1 under 100, none above. */
export function formatRtt(t: number): string {
  if (t >= 99.95) return t.toFixed(0);
  if (t >= 9.995) return t.toFixed(1);
  if (t >= 1) return t.toFixed(2);
  return t.toFixed(3);
}

/** The summary lines of iputils ping. */
export function pingSummaryLines(s: PingSummary): string[] {
  const extra = `${s.duplicates ? `+${s.duplicates} duplicates, ` : ''}${s.errors ? `+${s.errors} errors, ` : ''}`;
  const lines = ['', `--- ${s.host} ping statistics ---`, `${s.transmitted} packets transmitted, ${s.received} received, ${extra}${Number(s.loss.toPrecision(6))}% packet loss, time ${Math.round(s.time)}ms`];
  if (s.rtt) lines.push(`rtt min/avg/max/mdev = ${[s.rtt.min, s.rtt.avg, s.rtt.max, s.rtt.mdev].map((x) => x.toFixed(3)).join('/')} ms`);
  else lines.push(''); // iputils ends a summary without round trips with an empty line
  return lines;
}

export const pingCommand: Command = networkCommand(pingSpec, async (flags, positionals, io) => {
  const host = positionals[0] as string;
  const count = positive(flags, 'count', pingSpec.name);
  const size = positive(flags, 'size', pingSpec.name, { allowZero: true });
  const ttl = positive(flags, 'ttl', pingSpec.name);
  const interval = ms(flags, 'interval', pingSpec.name);
  const timeout = ms(flags, 'timeout', pingSpec.name);
  const family = familyFlag(flags, pingSpec.name);
  const run = ping(host, {
    ...given({ family, count, size, ttl, interval, timeout, interface: iface(flags) }),
    ...(flags.raw ? { socket: 'raw' as const } : {}),
    signal: io.signal,
  });
  // The header as soon as the address is known (a run that fails before that reports its error alone).
  const address = await Promise.race([run.address, run.summary.then(() => undefined, () => undefined)]);
  if (address === undefined) {
    // No route before the first request: iputils' "ping: connect: Network is unreachable", status 2 (other failures throw below).
    const e = await run.summary.then(() => undefined, (err: unknown) => err);
    if (e instanceof SocketError && e.syscall === 'connect') {
      io.err(`ping: connect: ${native.strerror(-e.errno)}`);
      return IPUTILS_ERROR;
    }
  } else if (!flags.json) io.out(header(address, host, size ?? 56));
  for await (const ev of run) {
    if (ev.type === 'send-error') {
      // iputils ping (20221126) counts these as sent and prints nothing about them.
      if (flags.json) io.out(JSON.stringify({ type: ev.type, sequence: ev.sequence, error: { code: ev.error.code, errno: ev.error.errno, syscall: ev.error.syscall, message: ev.error.message } }));
    } else if (flags.json) io.out(JSON.stringify(ev.type === 'reply' ? ev : { type: ev.type, sequence: ev.sequence, from: ev.from, message: ev.message, error: { ...ev.error, payload: undefined } }));
    else if (flags.quiet) continue;
    else if (ev.type === 'reply') io.out(`${ev.bytes} bytes from ${ev.from}: icmp_seq=${ev.sequence}${ev.ttl !== undefined ? ` ttl=${ev.ttl}` : ''} time=${formatRtt(ev.time)} ms${ev.duplicate ? ' (DUP!)' : ''}`);
    else io.out(`From ${ev.from ?? host} icmp_seq=${ev.sequence} ${ev.message}`);
  }
  const s = await run.summary;
  if (flags.json) io.out(JSON.stringify({ type: 'summary', ...s }));
  else for (const l of pingSummaryLines(s)) io.out(l);
  if (io.signal.aborted && count !== undefined && s.transmitted < count) return s.received > 0 ? EXIT.OK : EXIT.INTERRUPTED;
  return s.received > 0 ? EXIT.OK : EXIT.FAILURE;
});

/** The -I flag's interface. */
function iface(flags: Record<string, unknown>): string | undefined {
  return flags.interface !== undefined ? String(flags.interface) : undefined;
}

/** iputils ping's first line. */
function header(address: string, host: string, size: number): string {
  return host.includes(':') || address.includes(':') ? `PING ${host}(${address}) ${size} data bytes` : `PING ${host} (${address}) ${size}(${size + 28}) bytes of data.`;
}

/** One hop as traceroute -n prints it. */
export function hopLine(h: TracerouteHop): string {
  let line = `${String(h.ttl).padStart(2)} `;
  let last: string | undefined;
  for (const p of h.probes) {
    if (p.address === undefined) line += ' *';
    else {
      if (p.address !== last) line += ` ${p.address}`;
      last = p.address;
      if (p.rtt !== undefined) line += `  ${p.rtt.toFixed(3)} ms`;
      if (p.annotation) line += ` ${p.annotation}`;
    }
  }
  return line;
}

export const tracerouteCommand: Command = networkCommand(traceSpec, async (flags, positionals, io) => {
  const host = positionals[0] as string;
  const family = familyFlag(flags, traceSpec.name);
  const queries = positive(flags, 'queries', traceSpec.name);
  const maxHops = positive(flags, 'max-hops', traceSpec.name);
  const firstHop = positive(flags, 'first-hop', traceSpec.name);
  const port = positive(flags, 'port', traceSpec.name);
  const wait = ms(flags, 'wait', traceSpec.name);
  const t = traceroute(host, {
    ...given({ family, queries, maxHops, firstHop, port, wait, interface: iface(flags) }),
    ...(flags.icmp ? { method: 'icmp' as const } : {}),
    signal: io.signal,
  });
  const address = await t.address.catch(() => host);
  const v6 = address.includes(':');
  if (!flags.json) io.out(`traceroute to ${host} (${address}), ${maxHops ?? 30} hops max, ${v6 ? 80 : 60} byte packets`);
  try {
    for await (const hop of t) io.out(flags.json ? JSON.stringify(hop) : hopLine(hop));
  } catch (e) {
    // No route: traceroute's "connect: Network is unreachable" after its header, status 1.
    if (!(e instanceof SocketError) || e.syscall !== 'connect') throw e;
    io.err(`connect: ${native.strerror(-e.errno)}`);
    return EXIT.FAILURE;
  }
  const hops = await t.hops;
  return hops.some((h) => h.final) || io.signal.aborted ? EXIT.OK : EXIT.FAILURE;
});
