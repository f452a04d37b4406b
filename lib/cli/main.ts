#!/usr/bin/env node
/**
 * The `sockit` command: interfaces, the option table, UDP, multicast and
 * unix senders/receivers, ping and traceroute, raw Ethernet frames, a sniffer with pcap output, and the
 * demo. Each subcommand has `--help` with examples; exit codes are listed
 * there and in {@link EXIT}.
 * @module
 */
import { CommandSpec, EXIT, UsageError } from './args';
import { closest } from '../core/validate';
import { Io, processIo, reportError } from './output';

/** A subcommand module. */
export interface Command {
  spec: CommandSpec;
  run(argv: string[], io: Io): Promise<number>;
}

interface Entry {
  summary: string;
  load: () => Promise<Command>;
}

// Loaded on demand so `sockit interfaces` does not pay for the sniffer.
const COMMANDS: Record<string, Entry> = {
  interfaces: { summary: 'list interfaces (index, name, MAC, MTU, flags, addresses)', load: async () => import('./interfaces') },
  options: { summary: 'the socket option table with current values; --doc NAME', load: async () => import('./options') },
  'udp send': { summary: 'send UDP datagrams', load: async () => (await import('./udp')).send },
  'udp recv': { summary: 'receive UDP datagrams (source, destination, interface, payload)', load: async () => (await import('./udp')).recv },
  'mcast send': { summary: 'send to multicast groups from a chosen address/interface', load: async () => (await import('./mcast')).send },
  'mcast recv': { summary: 'join a group on an interface and print what arrives', load: async () => (await import('./mcast')).recv },
  'unix send': { summary: 'send unix datagrams (paths, @abstract names; descriptors, credentials)', load: async () => (await import('./unix')).send },
  'unix recv': { summary: 'receive unix datagrams (sender, credentials, descriptors, payload)', load: async () => (await import('./unix')).recv },
  'frame send': { summary: 'send raw Ethernet frames (custom EtherType, VLAN tags)', load: async () => (await import('./frame')).send },
  ping: { summary: 'ICMP echo like iputils ping, no capability needed (ping socket)', load: async () => (await import('./icmp')).pingCommand },
  traceroute: { summary: 'the route to a host like traceroute, no capability needed (error queue)', load: async () => (await import('./icmp')).tracerouteCommand },
  sniff: { summary: 'capture frames on an interface, decode them, write pcap', load: async () => import('./sniff') },
  demo: { summary: 'the guided demo in private network namespaces', load: async () => import('./demo') },
};

const GROUPS = new Set(['udp', 'mcast', 'frame', 'unix']);

function version(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Top-level help. */
export function mainHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  return [
    'sockit — full Linux socket control from the command line.',
    '',
    'Usage: sockit <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(w)}${v.summary}`),
    '',
    "Run 'sockit <command> --help' for options and examples.",
    'Exit codes: 0 ok, 1 system call failed, 2 bad usage, 3 missing capability, 4 timeout, 130 interrupted.',
    '',
    'Examples:',
    '  sockit interfaces',
    '  sockit options --family ipv6 --type dgram',
    '  sockit mcast recv 239.1.2.3:5000 --interface veth0 --count 1',
    '  sockit sniff --interface veth0 --filter "ether proto 0x88b5" --write out.pcap',
  ].join('\n');
}

/** Run the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first === 'help' && second) return main([...argv.slice(1), '--help'], io);
    io.out(mainHelp());
    return first === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (first === '--version' || first === '-v') {
    io.out(version());
    return EXIT.OK;
  }
  let key = first;
  let rest = argv.slice(1);
  if (GROUPS.has(first)) {
    if (second === undefined || second.startsWith('-')) {
      const subs = Object.keys(COMMANDS).filter((k) => k.startsWith(`${first} `));
      if (second === '--help' || second === '-h') {
        io.out([`sockit ${first}: ${subs.map((s) => s.split(' ')[1]).join(' | ')}`, ...subs.map((s) => `  sockit ${s}  — ${COMMANDS[s]?.summary}`), '', `Run 'sockit ${first} <${subs.map((s) => s.split(' ')[1]).join('|')}> --help' for options.`].join('\n'));
        return EXIT.OK;
      }
      io.err(`sockit ${first}: missing action; use one of: ${subs.join(', ')}`);
      return EXIT.USAGE;
    }
    key = `${first} ${second}`;
    rest = argv.slice(2);
  }
  const entry = COMMANDS[key];
  if (!entry) {
    const near = closest(key, Object.keys(COMMANDS));
    io.err(`sockit: unknown command "${key}"${near ? ` (did you mean "${near}"?)` : ''}. Run 'sockit --help' for the list.`);
    return EXIT.USAGE;
  }
  let cmd: Command | undefined;
  try {
    cmd = await entry.load();
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || !cmd) return reportError(io, e, cmd?.spec);
    return reportError(io, e, cmd.spec);
  }
}

if (require.main === module) {
  // `sockit options | head`: a closed pipe ends the run quietly, like other tools.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  const ac = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.INTERRUPTED);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  main(process.argv.slice(2), processIo(ac.signal)).then(
    (code) => {
      process.exitCode = code;
      // Let pending writes flush, then leave even if a handle lingers.
      setTimeout(() => process.exit(process.exitCode), 50).unref();
    },
    (e: unknown) => {
      process.exitCode = reportError(processIo(ac.signal), e);
    },
  );
}
