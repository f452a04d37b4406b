/**
 * `sockit sniff`: capture frames on an interface with a kernel BPF filter,
 * print one decoded line per frame, optionally write a pcap file.
 * @module
 */
import * as bpf from '../formats/bpf/builder';
import { FilterExpression, compile, etherType as etherTypeExpr } from '../formats/bpf/builder';
import { BpfProgram } from '../formats/bpf/program';
import { DecodedFrame, decodeFrame } from '../formats/frames/decode';
import { EtherType } from '../formats/frames/ethernet';
import { FrameInfo, PacketSocket } from '../sockets/packet';
import { PcapWriter } from '../formats/pcap';
import { CommandSpec, EXIT, UsageError, helpText, parseCommand } from './args';
import { NETNS_FLAG, applyNetns, asText, positive, seconds } from './common';
import { FilterSyntaxError, looksLikeTcpdumpDd, parseFilter } from './filter';
import { Io, Progress } from './output';

export const spec: CommandSpec = {
  name: 'sniff',
  summary: 'Capture frames on an interface, print one decoded line per frame, optionally write pcap.',
  flags: {
    interface: { type: 'string', short: 'i', value: 'IF', description: 'interface to capture on (required)' },
    filter: { type: 'string', short: 'f', value: 'EXPR', description: "kernel filter: 'ether proto 0x88b5', 'vlan 10', 'udp port 5000 and not arp', ... or tcpdump -dd output" },
    'ether-type': { type: 'string', value: 'ETHERTYPE', description: 'builder flag: EtherType, e.g. 0x88b5' },
    vlan: { type: 'string', value: 'ID', description: "builder flag: VLAN id ('any' for any tagged frame)" },
    'src-mac': { type: 'string', value: 'MAC', description: 'builder flag: source MAC' },
    'dst-mac': { type: 'string', value: 'MAC', description: 'builder flag: destination MAC' },
    'udp-port': { type: 'number', value: 'PORT', description: 'builder flag: UDP source or destination port' },
    count: { type: 'number', short: 'c', description: 'stop after N frames (exit 4 if --timeout expires first)' },
    timeout: { type: 'number', short: 't', value: 'SECONDS', description: 'stop after this long (exit 4 if fewer than --count, or none, arrived)' },
    write: { type: 'string', short: 'w', value: 'FILE', description: 'also write the frames to a pcap file (Wireshark/tcpdump format)' },
    promiscuous: { type: 'boolean', description: 'receive frames addressed to other MACs too (undone on exit; needs CAP_NET_ADMIN... or CAP_NET_RAW)' },
    quiet: { type: 'boolean', short: 'q', description: 'no per-frame lines (with --write: just capture)' },
    ring: { type: 'boolean', description: 'receive through a TPACKET_V3 mmap ring (16 x 1 MiB blocks; for high rates, up to 4 ms added latency)' },
    json: { type: 'boolean', description: 'one JSON object per frame (NDJSON)' },
    ...NETNS_FLAG,
  },
  details:
    'The filter runs in the kernel (classic BPF attached before the socket binds, so no\n' +
    'unfiltered frame is ever queued). Each line: time, source > destination MAC, VLAN tag,\n' +
    'EtherType, length, and an ARP / IPv4 / IPv6 / UDP / ICMP summary when present.\n' +
    'On a TTY a live line shows frames, frames/s and kernel drops; a summary ends the run.',
  examples: [
    'sockit sniff -i veth0',
    "sockit sniff -i veth0 --filter 'ether proto 0x88b5' --count 2 --write out.pcap",
    "sockit sniff -i veth0 --filter 'vlan 10 or udp port 5000' --json",
    'sockit sniff -i veth0 --ether-type 0x88b5 --quiet --write capture.pcap --timeout 10',
    'sockit sniff -i veth0 --vlan 10 --udp-port 5000 --src-mac 02:00:00:00:00:01',
    'sockit sniff -i veth0 --ring --quiet --write capture.pcap',
  ],
  needs: 'CAP_NET_RAW',
};

const BUILDER_FLAGS = ['ether-type', 'vlan', 'src-mac', 'dst-mac', 'udp-port'] as const;

function etherTypeArg(t: string, flag: string): number {
  const n = /^0x[0-9a-f]{1,4}$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!(n >= 0 && n <= 0xffff)) throw new UsageError(`--${flag} must be like 0x88b5, got "${t}"`, spec.name);
  return n;
}

/**
 * The BPF program from --filter (expression or tcpdump -dd text), or from the
 * builder flags (--ether-type, --vlan, --src-mac, --dst-mac, --udp-port, ANDed).
 */
export function filterFrom(flags: Record<string, unknown>): { program?: BpfProgram | string; text?: string } {
  const builder = BUILDER_FLAGS.filter((f) => flags[f] !== undefined);
  if (flags.filter !== undefined && builder.length) throw new UsageError(`give --filter or builder flags (--${builder[0]}), not both`, spec.name);
  if (builder.length) {
    const parts: FilterExpression[] = [];
    const words: string[] = [];
    if (flags['ether-type'] !== undefined) {
      const n = etherTypeArg(String(flags['ether-type']), 'ether-type');
      parts.push(etherTypeExpr(n));
      words.push(`ether proto 0x${n.toString(16).padStart(4, '0')}`);
    }
    if (flags.vlan !== undefined) {
      const v = String(flags.vlan);
      if (v === 'any') parts.push(bpf.vlan());
      else {
        const id = /^\d+$/.test(v) ? Number(v) : NaN;
        if (!(id >= 0 && id <= 4095)) throw new UsageError(`--vlan must be 0..4095 or 'any', got "${v}"`, spec.name);
        parts.push(bpf.vlan(id));
      }
      words.push(v === 'any' ? 'vlan' : `vlan ${v}`);
    }
    for (const [flag, fn, word] of [['src-mac', bpf.srcMac, 'ether src'], ['dst-mac', bpf.dstMac, 'ether dst']] as const) {
      if (flags[flag] === undefined) continue;
      try {
        parts.push(fn(String(flags[flag])));
      } catch {
        throw new UsageError(`--${flag} must be a MAC address like 02:00:00:00:00:01, got "${String(flags[flag])}"`, spec.name);
      }
      words.push(`${word} ${String(flags[flag])}`);
    }
    if (flags['udp-port'] !== undefined) {
      const p = flags['udp-port'] as number;
      if (!Number.isInteger(p) || p < 0 || p > 65535) throw new UsageError('--udp-port must be 0..65535', spec.name);
      parts.push(bpf.udpPort(p));
      words.push(`udp port ${p}`);
    }
    return { program: compile(parts.length === 1 ? (parts[0] as FilterExpression) : bpf.and(...parts)), text: words.join(' and ') };
  }
  if (flags.filter === undefined) return {};
  const text = String(flags.filter);
  if (looksLikeTcpdumpDd(text)) return { program: text, text: 'tcpdump -dd program' };
  let expr: FilterExpression;
  try {
    expr = parseFilter(text);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw new UsageError(`--filter: ${e.message}`, spec.name);
    throw e;
  }
  return { program: compile(expr), text };
}

const ETHERTYPE_NAMES: Record<number, string> = {
  [EtherType.IPV4]: 'IPv4',
  [EtherType.IPV6]: 'IPv6',
  [EtherType.ARP]: 'ARP',
  [EtherType.VLAN]: '802.1Q',
  0x88b5: 'local-experimental-1',
  0x88b6: 'local-experimental-2',
  0x88cc: 'LLDP',
};

function hexPreview(b: Buffer, n = 16): string {
  return b.subarray(0, n).toString('hex') + (b.length > n ? '…' : '');
}

/** The layer summary after the Ethernet header. */
export function summary(d: DecodedFrame): string {
  if (d.arp) {
    const a = d.arp;
    if (a.operation === 'request') return `ARP who-has ${a.targetIp} tell ${a.senderIp}`;
    if (a.operation === 'reply') return `ARP ${a.senderIp} is-at ${a.senderMac}`;
    return `ARP op ${String(a.operation)} ${a.senderIp} -> ${a.targetIp}`;
  }
  const ip = d.ipv4 ?? d.ipv6;
  if (ip) {
    const v = d.ipv4 ? 'IPv4' : 'IPv6';
    const hop = d.ipv4 ? `ttl ${d.ipv4.ttl}` : `hlim ${d.ipv6?.hopLimit ?? '?'}`;
    if (d.udp) {
      const text = asText(d.udp.payload);
      return `${v} ${ip.source}:${d.udp.sourcePort} > ${ip.destination}:${d.udp.destinationPort} UDP ${d.udp.payload.length} bytes ${hop}${text !== null && text.length ? ` "${text.length > 40 ? `${text.slice(0, 40)}…` : text}"` : ''}`;
    }
    if (d.icmp) return `${v} ${ip.source} > ${ip.destination} ICMP echo ${d.icmp.type === 8 ? 'request' : d.icmp.type === 0 ? 'reply' : `type ${d.icmp.type}`} id ${d.icmp.identifier} seq ${d.icmp.sequence} ${hop}`;
    const proto = d.ipv4 ? d.ipv4.protocol : d.ipv6?.nextHeader;
    return `${v} ${ip.source} > ${ip.destination} proto ${proto} ${hop}`;
  }
  const p = d.ethernet.payload;
  const text = asText(p.subarray(0, Math.max(0, p.indexOf(0) >= 0 ? p.indexOf(0) : p.length)));
  return `payload ${p.length} bytes${text ? ` "${text.length > 40 ? `${text.slice(0, 40)}…` : text}"` : ''} ${hexPreview(p)}`;
}

function time(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const d = new Date(ms);
  const us = Number((ns / 1000n) % 1_000_000n);
  return `${d.toISOString().slice(11, 19)}.${String(us).padStart(6, '0')}`;
}

/** One frame as a line. */
export function frameLine(frame: Buffer, info: FrameInfo): string {
  let d: DecodedFrame;
  try {
    d = decodeFrame(frame);
  } catch (e) {
    return `${time(info.timestamp)} ${info.length} bytes (undecodable: ${(e as Error).message}) ${hexPreview(frame, 32)}`;
  }
  const e = d.ethernet;
  const tags = e.vlans.map((v) => `vlan ${v.id}${v.priority ? ` pcp ${v.priority}` : ''}`).join(', ');
  const et = `0x${e.etherType.toString(16).padStart(4, '0')}${ETHERTYPE_NAMES[e.etherType] ? ` (${ETHERTYPE_NAMES[e.etherType]})` : ''}`;
  return `${time(info.timestamp)} ${e.source} > ${e.destination}${tags ? ` ${tags}` : ''} ${et} ${info.length} bytes${info.packetType === 'outgoing' ? ' [out]' : ''}: ${summary(d)}`;
}

/** One frame as JSON. */
export function frameJson(frame: Buffer, info: FrameInfo): Record<string, unknown> {
  const base: Record<string, unknown> = {
    timestamp: info.timestamp.toString(),
    interface: info.interfaceName,
    packetType: info.packetType,
    length: info.length,
    truncated: info.truncated,
  };
  try {
    const d = decodeFrame(frame);
    base.source = d.ethernet.source;
    base.destination = d.ethernet.destination;
    base.vlans = d.ethernet.vlans;
    base.etherType = d.ethernet.etherType;
    base.summary = summary(d);
    // Locally sent or veth-crossing UDP often carries a partial (offloaded) checksum: informative only.
    if (d.udp) base.udpChecksumValid = d.udp.checksumValid;
  } catch (e) {
    base.error = (e as Error).message;
  }
  base.frameHex = frame.toString('hex');
  return base;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { flags, help } = parseCommand(spec, argv);
  if (help) return io.out(helpText(spec)), EXIT.OK;
  applyNetns(flags);
  if (flags.interface === undefined) throw new UsageError('--interface is required (see `sockit interfaces`)', spec.name);
  const ifname = String(flags.interface);
  const count = positive(flags, 'count', spec.name);
  const timeout = seconds(flags, 'timeout', spec.name);
  const { program, text } = filterFrom(flags);
  const sock = await PacketSocket.open({
    interface: ifname,
    ...(program !== undefined ? { filter: program } : {}),
    ...(flags.promiscuous ? { promiscuous: true } : {}),
    ...(flags.ring ? { ring: true } : {}),
  });
  let writer: PcapWriter | undefined;
  if (flags.write !== undefined) {
    try {
      writer = await PcapWriter.create(String(flags.write), { precision: 'nanosecond' });
    } catch (e) {
      await sock.close();
      throw e;
    }
  }
  io.err(`listening on ${ifname}${text ? ` (filter: ${text})` : ''}${writer ? `, writing ${String(flags.write)}` : ''}`);
  const progress = new Progress(io, 'frames');
  const drops = setInterval(() => progress.drops(sock.stats().dropped), 500);
  drops.unref();
  let timedOut = false;
  const timer = timeout !== undefined ? setTimeout(() => ((timedOut = true), void sock.close()), timeout * 1000) : undefined;
  const onAbort = (): void => void sock.close();
  io.signal.addEventListener('abort', onAbort, { once: true });
  let dropped = 0;
  try {
    for await (const { frame, info } of sock) {
      progress.tick(info.length);
      if (writer && !writer.write(frame, { timestamp: info.timestamp, originalLength: info.length })) await writer.drained();
      if (!flags.quiet) io.out(flags.json ? JSON.stringify(frameJson(frame, info)) : frameLine(frame, info));
      if (count !== undefined && progress.count >= count) break;
    }
  } finally {
    if (timer) clearTimeout(timer);
    clearInterval(drops);
    io.signal.removeEventListener('abort', onAbort);
    try {
      if (!sock.closed) dropped = sock.stats().dropped;
    } catch {
      /* closed by the timer */
    }
    progress.drops(dropped);
    progress.done();
    await sock.close();
    await writer?.close();
  }
  io.err(`${progress.summary()}${writer ? `; wrote ${writer.count} to ${String(flags.write)}` : ''}`);
  if (timedOut && (count === undefined ? progress.count === 0 : progress.count < count)) {
    io.err(`sniff: timed out after ${timeout} s with ${progress.count}${count !== undefined ? ` of ${count}` : ''} frames`);
    return EXIT.TIMEOUT;
  }
  return EXIT.OK;
}
