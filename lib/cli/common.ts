/**
 * Pieces shared by the CLI's network subcommands: the command wrapper
 * (argv, `--help`, `--netns`), the `--netns` flag, payload and sender
 * options, and the receive loop that prints one line per datagram.
 * @module
 */
import * as fs from 'node:fs';
import { interfaceName, parseEndpoint } from '../core/address';
import { enterNetnsForGood } from '../system/netns';
import type { Message, UdpSocket } from '../sockets/udp';
import { CommandSpec, EXIT, FlagSpec, ParsedFlags, UsageError, helpText, parseCommand } from './args';
import type { Command } from './main';
import { Io, Progress } from './output';

/** `--netns NS`: run the whole command inside another network namespace. */
export const NETNS_FLAG: Record<string, FlagSpec> = {
  netns: {
    type: 'string',
    value: 'NS',
    description: 'run inside this network namespace (/proc/PID/ns/net, /run/netns/NAME or an `ip netns` name; needs CAP_SYS_ADMIN)',
  },
};

/** Flags for a receiver: how many, how long, how to print. */
export const RECV_FLAGS: Record<string, FlagSpec> = {
  count: { type: 'number', short: 'c', description: 'exit after N datagrams (exit 4 if --timeout expires first)' },
  timeout: { type: 'number', short: 't', value: 'SECONDS', description: 'stop after this long (exit 4 if fewer than --count arrived, or none)' },
  json: { type: 'boolean', description: 'one JSON object per datagram (NDJSON)' },
  hex: { type: 'boolean', description: 'print payloads as hex' },
};

/** Flags giving the payload of what is sent. */
export const PAYLOAD_FLAGS: Record<string, FlagSpec> = {
  message: { type: 'string', short: 'm', value: 'TEXT', description: 'payload text (UTF-8)' },
  hex: { type: 'string', value: 'HEX', description: 'payload bytes as hex ("48 69" or "4869")' },
  file: { type: 'string', value: 'PATH', description: 'payload read from a file' },
};

/** Apply `--netns` (moves this process's main thread for the rest of the run). */
export function applyNetns(flags: ParsedFlags): void {
  if (typeof flags.netns === 'string') enterNetnsForGood(flags.netns);
}

/**
 * A network command: parse argv against `spec`, print the help for
 * `--help`, enter `--netns`, then run `body` with what was parsed.
 */
export function networkCommand(spec: CommandSpec, body: (flags: ParsedFlags, positionals: string[], io: Io) => Promise<number>): Command {
  return {
    spec,
    async run(argv: string[], io: Io): Promise<number> {
      const { flags, positionals, help } = parseCommand(spec, argv);
      if (help) return io.out(helpText(spec)), EXIT.OK;
      applyNetns(flags);
      return body(flags, positionals, io);
    },
  };
}

/** Parse hex ("de:ad be-ef", "0xdead"). */
/** The `--from ADDR:PORT` flag (source address and port), parsed; undefined when absent. */
export function fromFlag(flags: ParsedFlags, command: string): ReturnType<typeof parseEndpoint> | undefined {
  if (flags.from === undefined) return undefined;
  try {
    return parseEndpoint(String(flags.from), 'from');
  } catch {
    throw new UsageError(`bad --from "${String(flags.from)}": use ADDR:PORT (port 0 for any)`, command);
  }
}

export function parseHex(s: string, command: string, flag = '--hex'): Buffer {
  const clean = s.replace(/^0x/i, '').replace(/[\s:.-]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new UsageError(`${flag} must be pairs of hex digits, got "${s}"`, command);
  return Buffer.from(clean, 'hex');
}

/** The payload from --message / --hex / --file (at most one); `fallback` when none. */
export function payloadFrom(flags: ParsedFlags, command: string, fallback?: () => Buffer): Buffer {
  const given = ['message', 'hex', 'file'].filter((k) => flags[k] !== undefined);
  if (given.length > 1) throw new UsageError(`give only one of --message, --hex, --file (got ${given.map((g) => `--${g}`).join(', ')})`, command);
  if (flags.message !== undefined) return Buffer.from(String(flags.message), 'utf8');
  if (flags.hex !== undefined) return parseHex(String(flags.hex), command);
  if (flags.file !== undefined) return readBounded(String(flags.file), MAX_DATAGRAM, 'a UDP datagram', command);
  if (fallback) return fallback();
  throw new UsageError('give the payload with --message TEXT, --hex HEX or --file PATH', command);
}

/** The largest UDP payload (IPv6 jumbograms aside): a 16-bit length minus the 8-byte header. */
export const MAX_DATAGRAM = 65535 - 8;
/** The largest frame a packet socket sends (64 KiB; GSO aside). */
export const MAX_FRAME = 65535;

/**
 * Read a file of at most `max` bytes, reading no more than `max + 1` (so
 * /dev/zero or a huge file is refused without being read). Errors are usage errors.
 */
export function readBounded(path: string, max: number, what: string, command: string, flag = '--file'): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw new UsageError(`cannot read ${flag} ${path}: ${(e as Error).message}`, command);
  }
  try {
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (;;) {
      const r = fs.readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > max) throw new UsageError(`${flag} ${path} is larger than ${max} bytes, the most ${what} can hold`, command);
    }
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${flag} ${path}: ${(e as Error).message}`, command);
  } finally {
    fs.closeSync(fd);
  }
}

/** Printable text, or null when the bytes are not plain UTF-8 text. */
export function asText(b: Buffer): string | null {
  const s = b.toString('utf8');
  // eslint-disable-next-line no-control-regex
  if (s.includes('\uFFFD') || /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(s)) return null;
  return s;
}

/** A positive integer flag or undefined. */
export function positive(flags: ParsedFlags, name: string, command: string, { allowZero = false } = {}): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < (allowZero ? 0 : 1)) throw new UsageError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`, command);
  return v;
}

/** The entries of `o` whose value is not undefined: flags the user gave, as an options object. */
export function given<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** A positive number of seconds or undefined. */
export function seconds(flags: ParsedFlags, name: string, command: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > 0)) throw new UsageError(`--${name} must be a positive number of seconds`, command);
  return v;
}

const names = new Map<number, string>();
/** Interface name for an index (cached), or "if<N>". */
export function ifName(index: number | undefined): string | undefined {
  if (!index) return undefined;
  let n = names.get(index);
  if (n === undefined) {
    try {
      n = interfaceName(index);
    } catch {
      n = `if${index}`;
    }
    names.set(index, n);
  }
  return n;
}

/** "ADDR:PORT" or "[ADDR%IF]:PORT" (a link-local peer keeps its scope, so the line can be pasted back). */
export function endpoint(address: string, port: number, scopeId?: number): string {
  const scope = scopeId ? `%${ifName(scopeId) ?? scopeId}` : '';
  return address.includes(':') ? `[${address}${scope}]:${port}` : `${address}:${port}`;
}

/** An address with its numeric scope (`fe80::1%3`) when it has one: what a bind or send target needs. */
export function scoped(ep: { address: string; scopeId?: number }): string {
  return ep.scopeId ? `${ep.address}%${ep.scopeId}` : ep.address;
}

/** A link-local IPv6 address (fe80::/10, ff02::/16-style multicast) needs a scope to be usable. */
function linkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:|^ff[0-9a-f][12]:/i.test(address);
}

/** One received datagram as a line of text. */
export function datagramLine(m: Message, localPort: number, hex: boolean): string {
  const i = m.info;
  const dstScope = i.destination && linkLocal(i.destination) ? i.interfaceIndex : undefined;
  const parts = [`${endpoint(i.address, i.port, i.scopeId)} -> ${i.destination ? endpoint(i.destination, localPort, dstScope) : `port ${localPort}`}`];
  const ifn = ifName(i.interfaceIndex);
  if (ifn) parts.push(`on ${ifn}`);
  if (i.ttl !== undefined) parts.push(`ttl ${i.ttl}`);
  const text = hex ? null : asText(m.data);
  parts.push(`${i.size} bytes${i.truncated ? ' (truncated)' : ''}: ${text ?? m.data.toString('hex')}`);
  return parts.join(' ');
}

/** One received datagram as a JSON object. */
export function datagramJson(m: Message, localPort: number): Record<string, unknown> {
  const i = m.info;
  const text = asText(m.data);
  return {
    source: { address: i.address, port: i.port, ...(i.scopeId ? { scopeId: i.scopeId, scope: ifName(i.scopeId) } : {}) },
    destination: i.destination !== undefined ? { address: i.destination, port: localPort } : { port: localPort },
    interface: ifName(i.interfaceIndex) ?? null,
    interfaceIndex: i.interfaceIndex ?? null,
    ttl: i.ttl ?? null,
    size: i.size,
    truncated: i.truncated,
    ...(text !== null ? { payload: text } : {}),
    payloadHex: m.data.toString('hex'),
  };
}

/**
 * Receive until --count, --timeout or SIGINT; print each datagram (`show`,
 * UDP's line or JSON by default). Returns the exit code: 0, or 4 (TIMEOUT)
 * when the timeout expired first.
 */
export async function receiveLoop<M extends { data: Buffer } = Message>(
  sock: AsyncIterable<M> & { close(): Promise<void> },
  flags: ParsedFlags,
  io: Io,
  command: string,
  show?: (m: M, json: boolean, hex: boolean) => string,
): Promise<number> {
  const count = positive(flags, 'count', command);
  const timeout = seconds(flags, 'timeout', command);
  const json = Boolean(flags.json);
  const hex = Boolean(flags.hex);
  let print = show;
  if (!print) {
    // UDP by default: lines name the local port.
    const port = (sock as unknown as UdpSocket).address().port;
    print = (m, j, h) => (j ? JSON.stringify(datagramJson(m as unknown as Message, port)) : datagramLine(m as unknown as Message, port, h));
  }
  const progress = new Progress(io, 'datagrams');
  let timedOut = false;
  const timer = timeout !== undefined ? setTimeout(() => ((timedOut = true), void sock.close()), timeout * 1000) : undefined;
  const onAbort = (): void => void sock.close();
  io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const m of sock) {
      progress.tick(m.data.length);
      io.out(print(m, json, hex));
      if (count !== undefined && progress.count >= count) break;
    }
  } finally {
    if (timer) clearTimeout(timer);
    io.signal.removeEventListener('abort', onAbort);
    progress.done();
    await sock.close();
  }
  if ((io.tty && !json) || io.signal.aborted) io.err(progress.summary());
  if (timedOut && (count === undefined ? progress.count === 0 : progress.count < count)) {
    io.err(`${command}: timed out after ${timeout} s with ${progress.count}${count !== undefined ? ` of ${count}` : ''} datagrams`);
    return EXIT.TIMEOUT;
  }
  // Like tcpdump and every shell tool: interrupted means 130, whatever was received.
  if (io.signal.aborted && !(count !== undefined && progress.count >= count)) return EXIT.INTERRUPTED;
  return EXIT.OK;
}
