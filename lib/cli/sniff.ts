/**
 * `sockit sniff`: capture frames on an interface with a kernel BPF filter,
 * print one decoded line per frame, optionally write a pcap file.
 * @module
 */
import * as fs from 'node:fs';
import * as bpf from '../formats/bpf/builder';
import { FilterExpression, compile, etherType as etherTypeExpr } from '../formats/bpf/builder';
import { runBpf } from '../formats/bpf/interpreter';
import { BpfProgram, parseTcpdumpDd } from '../formats/bpf/program';
import { DecodedFrame, decodeFrame, summarizeFrame } from '../formats/frames/decode';
import { parseEthernet } from '../formats/frames/ethernet';
import { FrameParseError } from '../formats/frames/errors';
import { FrameInfo, PacketSocket } from '../sockets/packet';
import { PcapRecord, PcapWriter, readPcap } from '../formats/pcap';
import { interfaces } from '../system/interfaces';
import { CommandSpec, EXIT, ParsedFlags, UsageError, helpText, parseCommand } from './args';
import { NETNS_FLAG, applyNetns, asText, positive, seconds } from './common';
import { FilterSyntaxError, looksLikeTcpdumpDd, parseFilter } from '../formats/bpf/filter';
import { flagWords } from './interfaces';
import { Io, Progress } from './output';

export const spec: CommandSpec = {
  name: 'sniff',
  summary: 'Capture frames on an interface (or read a pcap file), print one decoded line per frame, optionally write pcap.',
  positionals: '[EXPRESSION...]',
  flags: {
    interface: { type: 'string', short: 'i', value: 'IF', description: "interface to capture on; 'any' = every interface (required unless --read)" },
    filter: { type: 'string', short: 'f', value: 'EXPR', description: "kernel filter: 'ether proto 0x88b5', 'vlan 10', 'udp port 5000 and not arp', ... or tcpdump -dd output (or give the expression as arguments, as with tcpdump)" },
    'ether-type': { type: 'string', value: 'ETHERTYPE', description: 'builder flag: EtherType, e.g. 0x88b5' },
    vlan: { type: 'string', value: 'ID', description: "builder flag: VLAN id ('any' for any tagged frame)" },
    'src-mac': { type: 'string', value: 'MAC', description: 'builder flag: source MAC' },
    'dst-mac': { type: 'string', value: 'MAC', description: 'builder flag: destination MAC' },
    'udp-port': { type: 'number', value: 'PORT', description: 'builder flag: UDP source or destination port' },
    count: { type: 'number', short: 'c', description: 'stop after N frames (exit 4 if --timeout expires first)' },
    timeout: { type: 'number', short: 't', value: 'SECONDS', description: 'stop after this long (exit 4 if fewer than --count, or none, arrived)' },
    write: { type: 'string', short: 'w', value: 'FILE', description: "also write the frames to a pcap file (FILE.pcapng: pcapng); '-' = pcap on stdout (no lines)" },
    read: { type: 'string', short: 'r', value: 'FILE', description: "read frames from a pcap or pcapng file ('-' = stdin) instead of an interface; the filter applies" },
    'list-interfaces': { type: 'boolean', short: 'D', description: 'list the interfaces one can capture on, as tcpdump -D does' },
    'link-level': { type: 'boolean', short: 'e', description: 'print the link-level header (always on: accepted for tcpdump habits)' },
    numeric: { type: 'boolean', short: 'n', description: 'do not resolve names (sockit never does: accepted for tcpdump habits)' },
    verbose: { type: 'boolean', short: 'v', description: 'more detail per frame (the transport checksum state)' },
    promiscuous: { type: 'boolean', description: 'receive frames addressed to other MACs too (undone on exit; needs CAP_NET_ADMIN... or CAP_NET_RAW)' },
    quiet: { type: 'boolean', short: 'q', description: 'no per-frame lines (with --write: just capture)' },
    ring: { type: 'boolean', description: 'receive through a TPACKET_V3 mmap ring (16 x 1 MiB blocks; for high rates, up to 4 ms added latency)' },
    json: { type: 'boolean', description: 'one JSON object per frame (NDJSON)' },
    ...NETNS_FLAG,
  },
  details:
    'The filter runs in the kernel (classic BPF attached before the socket binds, so no\n' +
    'unfiltered frame is ever queued); with --read it runs in sockit\'s BPF interpreter.\n' +
    'Each line reads like tcpdump -e -n: time, MACs, VLAN tags, EtherTypes, length, then\n' +
    'ARP / IPv4 / IPv6 / UDP / TCP / ICMP / ICMPv6 / DHCP / LLDP (with -i any, the interface first).\n' +
    'On a TTY a live line shows frames, frames/s and kernel drops; a summary ends the run.\n' +
    'SIGINT (Ctrl-C) prints the summary and exits 130.',
  examples: [
    'sockit sniff -i veth0',
    'sockit sniff -i veth0 udp port 53',
    "sockit sniff -i veth0 --filter 'ether proto 0x88b5' --count 2 --write out.pcap",
    "sockit sniff -i veth0 --filter 'vlan 10 or udp port 5000' --json",
    'sockit sniff -i veth0 -w - | tshark -r -',
    "sockit sniff -r capture.pcap 'udp and not port 53'",
    'sockit sniff -i any -c 10',
    'sockit sniff -D',
    'sockit sniff -i veth0 --ether-type 0x88b5 --quiet --write capture.pcap --timeout 10',
    'sockit sniff -i veth0 --vlan 10 --udp-port 5000 --src-mac 02:00:00:00:00:01',
    'sockit sniff -i veth0 --ring --quiet --write capture.pcap',
  ],
  needs: 'CAP_NET_RAW (not for --read or -D)',
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
export function filterFrom(flags: Record<string, unknown>, positionals: string[] = []): { program?: BpfProgram; text?: string } {
  const builder = BUILDER_FLAGS.filter((f) => flags[f] !== undefined);
  if (positionals.length) {
    if (flags.filter !== undefined) throw new UsageError(`give the filter as --filter or as arguments ("${positionals.join(' ')}"), not both`, spec.name);
    if (builder.length) throw new UsageError(`give a filter expression or builder flags (--${builder[0]}), not both`, spec.name);
    flags = { ...flags, filter: positionals.join(' ') };
  }
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
  if (looksLikeTcpdumpDd(text)) {
    try {
      return { program: parseTcpdumpDd(text), text: 'tcpdump -dd program' };
    } catch (e) {
      throw new UsageError(`--filter: ${(e as Error).message}`, spec.name);
    }
  }
  let expr: FilterExpression;
  try {
    expr = parseFilter(text);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw new UsageError(`--filter: ${e.message}`, spec.name);
    throw e;
  }
  return { program: compile(expr), text };
}

function hexPreview(b: Buffer, n = 16): string {
  return b.subarray(0, n).toString('hex') + (b.length > n ? '…' : '');
}

/** A quoted preview of a text payload (UDP data, or an unknown EtherType's payload), '' for binary. */
function textPreview(d: DecodedFrame): string {
  const known = d.arp || d.lldp || d.ipv4 || d.ipv6;
  const p = d.udp && !d.dhcp ? d.udp.payload : known ? undefined : d.ethernet.payload;
  if (!p) return '';
  const cut = p.indexOf(0) >= 0 && !d.udp ? p.subarray(0, p.indexOf(0)) : p;
  const text = asText(cut);
  if (text) return ` "${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;
  return d.udp || !p.length ? '' : ` ${hexPreview(p)}`;
}

/** The layer summary after the Ethernet header (as `tcpdump -n` prints it), plus a payload preview. */
export function summary(frame: Buffer, d: DecodedFrame, checksum?: 'valid' | 'partial' | 'unknown'): string {
  const line = summarizeFrame(frame, checksum ? { checksum } : {});
  return `${line.slice(line.indexOf(': ') + 2)}${textPreview(d)}`;
}

function time(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const d = new Date(ms);
  const us = Number((ns / 1000n) % 1_000_000n);
  return `${d.toISOString().slice(11, 19)}.${String(us).padStart(6, '0')}`;
}

/** What a line needs to know about a frame: a live {@link FrameInfo} or a pcap record's fields. */
export type LineInfo = Pick<FrameInfo, 'timestamp' | 'length'> &
  Partial<Pick<FrameInfo, 'interfaceName' | 'packetType' | 'truncated'>> & {
    /** The kernel's transport checksum state (PACKET_AUXDATA), when known. */
    checksum?: 'valid' | 'partial' | 'unknown';
  };

/** Options of {@link frameLine}. */
export interface LineOptions {
  /** Start each line with the interface name (`-i any`). */
  interfaceName?: boolean;
  /** Add the transport checksum state (`-v`). */
  verbose?: boolean;
}

function decodeOptions(info: LineInfo): { checksum?: 'valid' | 'partial' | 'unknown' } {
  return info.checksum ? { checksum: info.checksum } : {};
}

/** One frame as a line. */
export function frameLine(frame: Buffer, info: LineInfo, options: LineOptions = {}): string {
  const ifn = options.interfaceName ? `${info.interfaceName || '?'} ` : '';
  let d: DecodedFrame;
  try {
    d = decodeFrame(frame, decodeOptions(info));
  } catch (e) {
    return `${time(info.timestamp)} ${ifn}${info.length} bytes (undecodable: ${(e as Error).message}) ${hexPreview(frame, 32)}`;
  }
  const csum = options.verbose ? (d.udp ? ` [udp checksum ${d.udp.checksumStatus}]` : d.tcp ? ` [tcp checksum ${d.tcp.checksumStatus}]` : '') : '';
  const dir = info.packetType === 'outgoing' ? 'Out ' : '';
  // tcpdump -e -n, with the length on the wire and a payload preview.
  const line = summarizeFrame(frame, decodeOptions(info)).replace(/, length \d+: /, `, length ${info.length}: `);
  return `${time(info.timestamp)} ${ifn}${dir}${line}${textPreview(d)}${csum}`;
}

/** One frame as JSON: the link layer always, upper layers when they parse (else `error`). */
export function frameJson(frame: Buffer, info: LineInfo): Record<string, unknown> {
  const base: Record<string, unknown> = {
    timestamp: info.timestamp.toString(),
    interface: info.interfaceName ?? null,
    packetType: info.packetType ?? null,
    length: info.length,
    truncated: info.truncated ?? frame.length < info.length,
  };
  try {
    const eth = parseEthernet(frame);
    base.source = eth.source;
    base.destination = eth.destination;
    base.vlans = eth.vlans;
    base.etherType = eth.etherType;
    const d = decodeFrame(frame, decodeOptions(info));
    base.summary = summary(frame, d, info.checksum);
    // Veth-crossing UDP from a kernel socket often carries a partial (offloaded) checksum: never "bad".
    if (d.udp) {
      base.udpChecksumValid = d.udp.checksumValid;
      base.udpChecksum = d.udp.checksumStatus;
    }
  } catch (e) {
    base.error = (e as Error).message;
  }
  base.frameHex = frame.toString('hex');
  return base;
}

/** `-D`: "1.lo [UP,RUNNING,LOOPBACK]", then "any" as tcpdump lists it. */
export function interfaceList(): string[] {
  const list = interfaces().map((i) => `${i.index}.${i.name} [${flagWords(i)}]`);
  list.push(`${list.length + 1}.any (Pseudo-device that captures on all interfaces)`);
  return list;
}

function readError(path: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof FrameParseError) return Object.assign(new Error(`cannot read ${path}: ${err.message} (at byte ${e.offset})`), { code: 'EINVAL' });
  return Object.assign(new Error(`cannot read ${path}: ${err.code ? `${err.code} (${err.message.replace(/^\w+: /, '').replace(/, \w+ .*$/, '')})` : err.message}`), { code: err.code ?? 'EIO' });
}

function writeError(path: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  return Object.assign(new Error(`cannot write ${path}: ${err.code ? `${err.code} (${err.message.replace(/^\w+: /, '').replace(/, \w+ .*$/, '')})` : err.message}`), { code: err.code ?? 'EIO' });
}

async function openWriter(target: string, io: Io, interfaceName?: string): Promise<PcapWriter> {
  if (target === '-') return new PcapWriter(io.output ?? process.stdout, { precision: 'nanosecond' });
  try {
    // FILE.pcapng selects pcapng (with the interface name); anything else classic pcap.
    return await PcapWriter.create(target, { precision: 'nanosecond', ...(interfaceName ? { interfaceName } : {}) });
  } catch (e) {
    throw writeError(target, e);
  }
}

async function closeWriter(writer: PcapWriter | undefined, target: string): Promise<void> {
  if (!writer) return;
  try {
    await writer.close();
  } catch (e) {
    throw writeError(target === '-' ? 'stdout' : target, e);
  }
}

/** `-r FILE`: print (and maybe re-write) the records of a pcap file that pass the filter. */
async function readFile(flags: ParsedFlags, program: BpfProgram | undefined, io: Io): Promise<number> {
  const path = String(flags.read);
  const count = positive(flags, 'count', spec.name);
  const target = flags.write === undefined ? undefined : String(flags.write);
  const quiet = Boolean(flags.quiet) || target === '-';
  let source: AsyncIterable<Uint8Array>;
  if (path === '-') source = (io.input ?? process.stdin) as AsyncIterable<Uint8Array>;
  else {
    try {
      source = (await fs.promises.open(path, 'r')).createReadStream();
    } catch (e) {
      throw readError(path, e);
    }
  }
  const writer = target !== undefined ? await openWriter(target, io) : undefined;
  let seen = 0;
  let matched = 0;
  try {
    for await (const r of readPcap(source) as AsyncIterable<PcapRecord>) {
      if (io.signal.aborted) break;
      seen++;
      if (program && runBpf(program, r.data) === 0) continue;
      matched++;
      if (writer && !writer.write(r.data, { timestamp: r.timestamp, originalLength: r.originalLength })) await writer.drained();
      const info: LineInfo = { timestamp: r.timestamp, length: r.originalLength };
      if (!quiet) io.out(flags.json ? JSON.stringify(frameJson(r.data, info)) : frameLine(r.data, info, { verbose: Boolean(flags.verbose) }));
      if (count !== undefined && matched >= count) break;
    }
  } catch (e) {
    await writer?.close().catch(() => undefined);
    if ((e as { code?: string }).code?.startsWith('ERR_INVALID_ARG')) throw e;
    throw readError(path === '-' ? 'stdin' : path, e);
  }
  await closeWriter(writer, target ?? '');
  io.err(`${matched} of ${seen} frames matched${writer ? `; wrote ${writer.count} to ${target === '-' ? 'stdout' : target}` : ''}`);
  return io.signal.aborted ? EXIT.INTERRUPTED : EXIT.OK;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { flags, positionals, help } = parseCommand(spec, argv);
  if (help) return io.out(helpText(spec)), EXIT.OK;
  applyNetns(flags);
  if (flags['list-interfaces']) {
    if (positionals.length) throw new UsageError(`-D takes no filter (got "${positionals.join(' ')}")`, spec.name);
    for (const l of interfaceList()) io.out(l);
    return EXIT.OK;
  }
  const count = positive(flags, 'count', spec.name);
  const timeout = seconds(flags, 'timeout', spec.name);
  const { program, text } = filterFrom(flags, positionals);
  if (flags.read !== undefined) {
    if (flags.interface !== undefined) throw new UsageError('give --read FILE or --interface IF, not both', spec.name);
    return readFile(flags, program, io);
  }
  if (flags.interface === undefined) throw new UsageError('--interface is required (see `sockit sniff -D`), or --read FILE', spec.name);
  const ifname = String(flags.interface);
  const any = ifname === 'any';
  if (any && flags.promiscuous) throw new UsageError('--promiscuous needs one interface, not -i any', spec.name);
  const target = flags.write === undefined ? undefined : String(flags.write);
  // With pcap on stdout there is no room for lines: tcpdump -w - prints none either.
  const quiet = Boolean(flags.quiet) || target === '-';
  const sock = await PacketSocket.open({
    ...(any ? {} : { interface: ifname }),
    ...(program !== undefined ? { filter: program } : {}),
    ...(flags.promiscuous ? { promiscuous: true } : {}),
    ...(flags.ring ? { ring: true } : {}),
  });
  let writer: PcapWriter | undefined;
  if (target !== undefined) {
    try {
      writer = await openWriter(target, io, any ? undefined : ifname);
    } catch (e) {
      await sock.close();
      throw e;
    }
  }
  io.err(`listening on ${ifname}${text ? ` (filter: ${text})` : ''}${writer ? `, writing ${target === '-' ? 'pcap to stdout' : target}` : ''}`);
  const progress = new Progress(io, 'frames');
  const drops = setInterval(() => progress.drops(sock.stats().dropped), 500);
  drops.unref();
  let timedOut = false;
  const timer = timeout !== undefined ? setTimeout(() => ((timedOut = true), void sock.close()), timeout * 1000) : undefined;
  const onAbort = (): void => void sock.close();
  io.signal.addEventListener('abort', onAbort, { once: true });
  let dropped = 0;
  let failure: unknown;
  const lineOptions: LineOptions = { interfaceName: any, verbose: Boolean(flags.verbose) };
  try {
    for await (const { frame, info } of sock) {
      progress.tick(info.length);
      if (writer && !writer.write(frame, { timestamp: info.timestamp, originalLength: info.length })) await writer.drained();
      if (!quiet) io.out(flags.json ? JSON.stringify(frameJson(frame, info)) : frameLine(frame, info, lineOptions));
      if (count !== undefined && progress.count >= count) break;
    }
  } catch (e) {
    failure = e;
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
  }
  try {
    await closeWriter(writer, target ?? '');
  } catch (e) {
    failure ??= e;
  }
  if (failure) throw writer?.error && target !== undefined ? writeError(target === '-' ? 'stdout' : target, writer.error) : failure;
  io.err(`${progress.summary()}${writer ? `; wrote ${writer.count} to ${target === '-' ? 'stdout' : target}` : ''}`);
  if (timedOut && (count === undefined ? progress.count === 0 : progress.count < count)) {
    io.err(`sniff: timed out after ${timeout} s with ${progress.count}${count !== undefined ? ` of ${count}` : ''} frames`);
    return EXIT.TIMEOUT;
  }
  if (io.signal.aborted && !(count !== undefined && progress.count >= count)) return EXIT.INTERRUPTED;
  return EXIT.OK;
}
