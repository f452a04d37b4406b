/**
 * `sockit udp send` / `sockit udp recv`: the classic Python UDP sender and
 * receiver, with per-datagram destination, interface and TTL.
 * @module
 */
import { parseEndpoint } from '../core/address';
import { UdpSocket, SendOptions } from '../sockets/udp';
import { CommandSpec, EXIT, UsageError } from './args';
import { NETNS_FLAG, PAYLOAD_FLAGS, RECV_FLAGS, endpoint, fromFlag, payloadFrom, positive, receiveLoop, networkCommand, scoped } from './common';
import type { Command } from './main';
import { Io, Progress, sleep } from './output';

const recvSpec: CommandSpec = {
  name: 'udp recv',
  summary: 'Receive UDP datagrams and print source, destination, interface, TTL and payload.',
  positionals: 'ADDR:PORT',
  minPositionals: 1,
  maxPositionals: 1,
  flags: {
    ...RECV_FLAGS,
    reuseport: { type: 'boolean', description: 'set SO_REUSEPORT (several receivers share the port; the kernel spreads datagrams)' },
    interface: { type: 'string', short: 'i', value: 'IF', description: 'SO_BINDTODEVICE: only datagrams arriving on this interface' },
    ...NETNS_FLAG,
  },
  details: 'Binds ADDR:PORT ("0.0.0.0:5005", "[::]:5005", "198.18.0.2:5005") and prints one line per datagram:\n  SOURCE -> DESTINATION on INTERFACE ttl N SIZE bytes: PAYLOAD',
  examples: ['sockit udp recv 0.0.0.0:5005', 'sockit udp recv 198.18.0.2:5005 --count 1 --timeout 5 --json', 'sockit udp recv [::]:5005 --reuseport --interface veth0'],
};

const sendSpec: CommandSpec = {
  name: 'udp send',
  summary: 'Send UDP datagrams to one or more destinations.',
  positionals: 'ADDR:PORT [ADDR:PORT...]',
  minPositionals: 1,
  flags: {
    ...PAYLOAD_FLAGS,
    from: { type: 'string', value: 'ADDR:PORT', description: 'bind this source address/port first' },
    count: { type: 'number', short: 'c', description: 'datagrams per destination', default: 1 },
    interval: { type: 'number', value: 'MS', description: 'pause between rounds in milliseconds (default 0; with --count > 1 and no --rate: as fast as possible)' },
    rate: { type: 'number', value: 'PPS', description: 'at most this many datagrams per second' },
    ttl: { type: 'number', description: 'IP TTL / hop limit for each datagram' },
    tos: { type: 'number', description: 'IP TOS / traffic class for each datagram' },
    interface: { type: 'string', short: 'i', value: 'IF', description: 'send out of this interface (per-datagram IP_PKTINFO)' },
    broadcast: { type: 'boolean', description: 'SO_BROADCAST (needed to send to a broadcast address)' },
    json: { type: 'boolean', description: 'print a JSON summary' },
    ...NETNS_FLAG,
  },
  examples: [
    'sockit udp send 198.18.0.2:5005 --message "Hello, World!"',
    'sockit udp send --from 198.18.0.1:3000 198.18.0.2:5005 [fd00:5f::2]:5005 -m hi --count 3',
    'sockit udp send 198.18.0.255:5005 --broadcast --interface veth0 --hex "de ad be ef"',
    'sockit udp send 198.18.0.2:5005 -m load --count 100000 --rate 20000',
  ],
};

/** Shared by `udp send` and `mcast send`: send `payload` to each target, --count rounds, paced. */
export async function sendRounds(
  sock: UdpSocket,
  targets: Array<{ address: string; port: number; scopeId: number }>,
  payloadFor: (t: { address: string; port: number }) => Buffer,
  flags: { count: number; interval?: number; rate?: number; ttl?: number; tos?: number; interface?: string | number },
  io: Io,
): Promise<{ sent: number; bytes: number; progress: Progress }> {
  const progress = new Progress(io, 'datagrams');
  const per: SendOptions[] = targets.map((t) => {
    const o: SendOptions = { address: scoped(t), port: t.port };
    if (flags.ttl !== undefined) o.ttl = flags.ttl;
    if (flags.tos !== undefined) o.tos = flags.tos;
    if (flags.interface !== undefined) o.interface = flags.interface;
    return o;
  });
  const payloads = targets.map((t) => payloadFor(t));
  const gap = flags.rate ? 1000 / flags.rate : 0;
  const start = Date.now();
  let n = 0;
  for (let round = 0; round < flags.count && !io.signal.aborted; round++) {
    for (let k = 0; k < targets.length; k++) {
      if (gap) {
        const due = start + n * gap;
        const wait = due - Date.now();
        if (wait > 1 && !(await sleep(wait, io.signal))) break;
      }
      await sock.send(payloads[k] as Buffer, per[k]);
      n++;
      progress.tick((payloads[k] as Buffer).length);
    }
    if (flags.interval && round + 1 < flags.count && !(await sleep(flags.interval, io.signal))) break;
  }
  progress.done();
  return { sent: progress.count, bytes: progress.bytes, progress };
}

function targetsFrom(positionals: string[], command: string): Array<{ address: string; port: number; scopeId: number; family: 'ipv4' | 'ipv6' }> {
  return positionals.map((p) => {
    try {
      return parseEndpoint(p, 'destination');
    } catch (e) {
      throw new UsageError(`bad destination "${p}": ${(e as Error).message.replace(/^The argument 'destination' /, '')}`, command);
    }
  });
}

export const recv: Command = networkCommand(recvSpec, async (flags, positionals, io) => {
  const [ep] = targetsFrom(positionals, recvSpec.name);
  const e = ep as { address: string; port: number; family: 'ipv4' | 'ipv6'; scopeId: number };
  positive(flags, 'count', recvSpec.name);
  const sock = await UdpSocket.create({
    family: e.family,
    // Keep the scope: a link-local bind needs it (fe80::1%veth0).
    address: scoped(e),
    port: e.port,
    ...(flags.reuseport ? { reusePort: true } : {}),
    ...(flags.interface !== undefined ? { interface: String(flags.interface) } : {}),
    receive: { packetInfo: true, ttl: true },
  });
  const local = sock.address();
  io.err(`listening on ${endpoint(local.address, local.port, e.scopeId)}`);
  return receiveLoop(sock, flags, io, recvSpec.name);
});

export const send: Command = networkCommand(sendSpec, async (flags, positionals, io) => {
  const targets = targetsFrom(positionals, sendSpec.name);
  const payload = payloadFrom(flags, sendSpec.name);
  const count = positive(flags, 'count', sendSpec.name) ?? 1;
  const rate = positive(flags, 'rate', sendSpec.name);
  const interval = positive(flags, 'interval', sendSpec.name, { allowZero: true });
  const families = new Set(targets.map((t) => t.family));
  const from = fromFlag(flags, sendSpec.name);
  if (from) {
    if (families.size > 1 || !families.has(from.family)) throw new UsageError(`--from ${String(flags.from)} is ${from.family} but a destination is not`, sendSpec.name);
  } else if (families.size > 1) {
    throw new UsageError('destinations mix IPv4 and IPv6; send them in two commands (or give IPv4 as [::ffff:a.b.c.d]:port)', sendSpec.name);
  }
  const family = from?.family ?? (targets[0] as { family: 'ipv4' | 'ipv6' }).family;
  const sock = await UdpSocket.create({
    family,
    ...(from ? { address: scoped(from), port: from.port } : {}),
    ...(flags.broadcast ? { options: { SO_BROADCAST: true } } : {}),
  });
  try {
    const r = await sendRounds(sock, targets, () => payload, {
      count,
      ...(interval !== undefined ? { interval } : {}),
      ...(rate !== undefined ? { rate } : {}),
      ...(typeof flags.ttl === 'number' ? { ttl: flags.ttl } : {}),
      ...(typeof flags.tos === 'number' ? { tos: flags.tos } : {}),
      ...(flags.interface !== undefined ? { interface: String(flags.interface) } : {}),
    }, io);
    const src = sock.address();
    if (flags.json) io.out(JSON.stringify({ sent: r.sent, bytes: r.bytes, from: src, to: positionals, seconds: r.progress.elapsed }));
    else io.out(`sent ${r.sent} datagram${r.sent === 1 ? '' : 's'} (${r.bytes} bytes) from ${endpoint(src.address, src.port)} to ${positionals.join(', ')}${r.sent > 1 ? ` in ${r.progress.elapsed.toFixed(2)} s` : ''}`);
    return io.signal.aborted && r.sent < count * targets.length ? EXIT.INTERRUPTED : EXIT.OK;
  } finally {
    await sock.close();
  }
});
