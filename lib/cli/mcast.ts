/**
 * `sockit mcast send` / `sockit mcast recv`: the pikoTutorial multicast
 * sender and receiver, modernised — joins name their interface, receivers
 * report each datagram's destination group and arriving interface.
 * @module
 */
import { parseEndpoint, interfaceName } from '../core/address';
import { resolveInterfaceIndex } from '../system/interfaces';
import { listen } from '../sockets/multicast';
import { UdpSocket } from '../sockets/udp';
import { CommandSpec, EXIT, UsageError } from './args';
import { NETNS_FLAG, PAYLOAD_FLAGS, RECV_FLAGS, fromFlag, payloadFrom, positive, receiveLoop, networkCommand, scoped, endpoint } from './common';
import type { Command } from './main';
import {  } from './output';
import { sendRounds } from './udp';

const recvSpec: CommandSpec = {
  name: 'mcast recv',
  summary: 'Join a multicast group on an interface and print each datagram with its destination group and interface.',
  positionals: 'GROUP:PORT',
  minPositionals: 1,
  maxPositionals: 1,
  flags: {
    interface: { type: 'string', short: 'i', value: 'IF', description: 'join on this interface (name, index or its IPv4 address)' },
    source: { type: 'string', short: 's', value: 'ADDR', description: 'source-specific join: only datagrams from ADDR (SSM)' },
    ...RECV_FLAGS,
    ...NETNS_FLAG,
  },
  details:
    'SO_REUSEADDR is set, so several receivers on one host each get every\n' +
    'datagram; IP_MULTICAST_ALL is off, so a receiver sees only the group it joined. Prints\n' +
    '"joined GROUP on IF" on stderr once ready. Without --interface the routing table picks one.',
  examples: [
    'sockit mcast recv 224.0.0.1:5000 --interface veth0',
    'sockit mcast recv 239.1.2.3:5000 -i veth0 --source 198.18.0.1 --count 2 --timeout 5',
    'sockit mcast recv [ff02::114%veth0]:5000 --json',
  ],
};

const sendSpec: CommandSpec = {
  name: 'mcast send',
  summary: 'Send a datagram to each multicast GROUP:PORT from a chosen source address and interface.',
  positionals: 'GROUP:PORT [GROUP:PORT...]',
  minPositionals: 1,
  flags: {
    from: { type: 'string', value: 'ADDR:PORT', description: 'source address and port to bind (its interface is used unless --interface)' },
    ...PAYLOAD_FLAGS,
    interface: { type: 'string', short: 'i', value: 'IF', description: 'outgoing interface (IP_MULTICAST_IF / IPV6_MULTICAST_IF)' },
    ttl: { type: 'number', description: 'multicast TTL / hop limit', default: 1 },
    'no-loopback': { type: 'boolean', description: 'do not loop datagrams back to receivers on this host' },
    count: { type: 'number', short: 'c', description: 'rounds over all groups', default: 1 },
    interval: { type: 'number', value: 'MS', description: 'pause between rounds in milliseconds' },
    json: { type: 'boolean', description: 'print a JSON summary' },
    ...NETNS_FLAG,
  },
  details: 'Without a payload flag each datagram says "This message is for GROUP:PORT receivers".',
  examples: [
    'sockit mcast send --from 198.18.0.1:3000 224.0.0.1:5000 224.0.0.1:5001 --message hi',
    'sockit mcast send 239.1.2.3:5000 --interface veth0 --ttl 2 --count 10 --interval 100',
    'sockit mcast send [ff02::114]:5000 --interface veth0 -m hello',
  ],
};

function isMulticast(address: string): boolean {
  if (address.includes(':')) return /^ff/i.test(address);
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}

/** GROUP:PORT parsed, or a usage error (`hint` follows the not-a-group message). */
function groupArg(text: string, command: string, hint = ''): ReturnType<typeof parseEndpoint> {
  let ep: ReturnType<typeof parseEndpoint>;
  try {
    ep = parseEndpoint(text, 'group');
  } catch (e) {
    throw new UsageError(`bad GROUP:PORT "${text}": ${(e as Error).message}`, command);
  }
  if (!isMulticast(ep.address)) throw new UsageError(`${ep.address} is not a multicast group (224.0.0.0/4 or ff00::/8)${hint}`, command);
  return ep;
}

export const recv: Command = networkCommand(recvSpec, async (flags, positionals, io) => {
  positive(flags, 'count', recvSpec.name);
  const group = positionals[0] as string;
  const ep = groupArg(group, recvSpec.name);
  const sock = await listen(group, {
    ...(flags.interface !== undefined ? { interface: String(flags.interface) } : {}),
    ...(flags.source !== undefined ? { source: String(flags.source) } : {}),
    receive: { packetInfo: true, ttl: true },
  });
  // An explicit interface, else the group's scope ([ff02::1%veth0]), else whatever the routes say.
  const ifn = flags.interface !== undefined ? interfaceName(resolveInterfaceIndex(String(flags.interface))) : ep.scopeId ? interfaceName(ep.scopeId) : 'the routed interface';
  io.err(`joined ${ep.address}${flags.source !== undefined ? ` (source ${String(flags.source)})` : ''} on ${ifn}, port ${ep.port}`);
  return receiveLoop(sock, flags, io, recvSpec.name);
});

export const send: Command = networkCommand(sendSpec, async (flags, positionals, io) => {
  const targets = positionals.map((p) => groupArg(p, sendSpec.name, "; use 'sockit udp send' for unicast"));
  const families = new Set(targets.map((t) => t.family));
  if (families.size > 1) throw new UsageError('groups mix IPv4 and IPv6; send them in two commands', sendSpec.name);
  const family = (targets[0] as { family: 'ipv4' | 'ipv6' }).family;
  const from = fromFlag(flags, sendSpec.name);
  if (from && from.family !== family) throw new UsageError(`--from is ${from.family} but the groups are ${family}`, sendSpec.name);
  const count = positive(flags, 'count', sendSpec.name) ?? 1;
  const interval = positive(flags, 'interval', sendSpec.name, { allowZero: true });
  const ttl = flags.ttl as number;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) throw new UsageError('--ttl must be an integer 0..255', sendSpec.name);
  const explicit = flags.message !== undefined || flags.hex !== undefined || flags.file !== undefined;
  const payload = explicit ? payloadFrom(flags, sendSpec.name) : undefined;

  // The outgoing interface: --interface, else the interface owning --from's address.
  let ifindex = 0;
  if (flags.interface !== undefined) ifindex = resolveInterfaceIndex(String(flags.interface), 'interface');
  else if (from && from.address !== '0.0.0.0' && from.address !== '::') ifindex = resolveInterfaceIndex(from.address, 'from');
  else if (targets.every((t) => t.scopeId) && new Set(targets.map((t) => t.scopeId)).size === 1) ifindex = targets[0]?.scopeId ?? 0;
  else if (targets.some((t) => t.scopeId)) ifindex = 0;
  else io.err('mcast send: no --interface or --from address given; the routing table picks the interface');

  const sock = await UdpSocket.create({ family, ...(from ? { address: scoped(from), port: from.port } : {}) });
  try {
    if (ifindex) sock.setMulticastInterface(ifindex);
    sock.setMulticastTTL(ttl);
    sock.setMulticastLoopback(!flags['no-loopback']);
    const r = await sendRounds(
      sock,
      targets,
      (t) => payload ?? Buffer.from(`This message is for ${t.address.includes(':') ? `[${t.address}]` : t.address}:${t.port} receivers`),
      { count, ...(interval !== undefined ? { interval } : {}) },
      io,
    );
    const src = sock.address();
    const via = ifindex ? interfaceName(ifindex) : 'the routed interface';
    if (flags.json) io.out(JSON.stringify({ sent: r.sent, bytes: r.bytes, from: src, interface: ifindex ? via : null, ttl, to: positionals }));
    else io.out(`sent ${r.sent} datagram${r.sent === 1 ? '' : 's'} from ${endpoint(src.address, src.port)} via ${via} (ttl ${ttl}) to ${positionals.join(', ')}`);
    return io.signal.aborted && r.sent < count * targets.length ? EXIT.INTERRUPTED : EXIT.OK;
  } finally {
    await sock.close();
  }
});
