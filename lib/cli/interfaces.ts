/**
 * `sockit interfaces`: the interfaces of this (or another) network namespace.
 * @module
 */
import { interfaces, NetworkInterface } from '../system/interfaces';
import { CommandSpec, EXIT, UsageError, parseCommand, helpText } from './args';
import { Io, table } from './output';

export const spec: CommandSpec = {
  name: 'interfaces',
  summary: 'List network interfaces: index, name, MAC, MTU, flags and addresses.',
  positionals: '[NAME...]',
  flags: {
    json: { type: 'boolean', description: 'print JSON (an array of interface objects)' },
    netns: { type: 'string', value: 'NS', description: 'list another namespace: /proc/PID/ns/net, /run/netns/NAME or an `ip netns` name' },
  },
  details:
    'Reads the kernel over rtnetlink (getifaddrs) and SIOCGIFMTU, so it is right inside\n' +
    '`unshare --net`, where /sys/class/net still shows the parent namespace. With NAMEs,\n' +
    'only those interfaces are shown (exit 1 if one does not exist).',
  examples: ['sockit interfaces', 'sockit interfaces veth0 --json', 'sockit interfaces --netns /proc/1234/ns/net'],
};

/** "UP,RUNNING,BROADCAST,MULTICAST". */
export function flagWords(i: NetworkInterface): string {
  const f = i.flags;
  const words: string[] = [];
  if (f.up) words.push('UP');
  if (f.running) words.push('RUNNING');
  if (f.loopback) words.push('LOOPBACK');
  if (f.broadcast) words.push('BROADCAST');
  if (f.pointToPoint) words.push('POINTOPOINT');
  if (f.multicast) words.push('MULTICAST');
  if (f.promiscuous) words.push('PROMISC');
  if (f.allMulticast) words.push('ALLMULTI');
  if (f.noArp) words.push('NOARP');
  return words.join(',') || '-';
}

/** The table lines for a list of interfaces. */
export function interfaceTable(list: NetworkInterface[]): string[] {
  const rows: string[][] = [['INDEX', 'NAME', 'MAC', 'MTU', 'FLAGS', 'ADDRESSES']];
  for (const i of list) {
    const addrs = i.addresses.map((a) => a.cidr + (a.scopeId ? ` (link, scope ${a.scopeId})` : ''));
    rows.push([String(i.index), i.name, i.mac ?? '-', String(i.mtu), flagWords(i), addrs[0] ?? '-']);
    for (const a of addrs.slice(1)) rows.push(['', '', '', '', '', a]);
  }
  return table(rows);
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { flags, positionals, help } = parseCommand(spec, argv);
  if (help) {
    io.out(helpText(spec));
    return EXIT.OK;
  }
  let list = interfaces(flags.netns !== undefined ? { netns: flags.netns as string } : {});
  if (positionals.length) {
    const missing = positionals.filter((n) => !list.some((i) => i.name === n || String(i.index) === n));
    if (missing.length) {
      io.err(`sockit interfaces: no interface ${missing.map((m) => `"${m}"`).join(', ')} in this network namespace (it has: ${list.map((i) => i.name).join(', ')})`);
      return EXIT.FAILURE;
    }
    list = list.filter((i) => positionals.includes(i.name) || positionals.includes(String(i.index)));
  }
  if (flags.json) io.out(JSON.stringify(list, null, 2));
  else for (const l of interfaceTable(list)) io.out(l);
  return EXIT.OK;
}

export { UsageError };
