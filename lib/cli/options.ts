/**
 * `sockit options`: the option table as data, with each option's current
 * value on a fresh socket; `--doc NAME` for one option's full record.
 * @module
 */
import { OptionInfo, getOption, optionInfo, options } from '../options';
import { Socket } from '../sockets/socket';
import { CommandSpec, EXIT, UsageError, helpText, parseCommand } from './args';
import { closest } from '../core/validate';
import { NETNS_FLAG, applyNetns } from './common';
import { Io, table } from './output';

export const spec: CommandSpec = {
  name: 'options',
  summary: 'The socket option table, with each option’s current value on a fresh socket.',
  flags: {
    family: { type: 'string', short: 'f', value: 'ipv4|ipv6|packet|unix', description: 'socket family', default: 'ipv4' },
    type: { type: 'string', value: 'dgram|stream|raw|seqpacket', description: 'socket type (default: dgram; raw for packet)' },
    doc: { type: 'string', short: 'd', value: 'NAME', description: 'everything about one option (level, number, codec, capability, doc, value)' },
    level: { type: 'string', short: 'l', value: 'LEVEL', description: 'only this level (SOL_SOCKET, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_UDP, IPPROTO_TCP, SOL_PACKET)' },
    json: { type: 'boolean', description: 'print JSON' },
    ...NETNS_FLAG,
  },
  details:
    'Lists every option that applies to the chosen family and type: level, value kind, R/W,\n' +
    'the capability it needs, and its value read with getsockopt on a fresh socket\n' +
    '("-" for write-only options; an error code when the kernel refuses the read).',
  examples: ['sockit options', 'sockit options --family ipv6 --type dgram', 'sockit options --family ipv4 --type stream --level IPPROTO_TCP', 'sockit options --doc IP_MULTICAST_IF', 'sockit options --json'],
  needs: 'nothing for ipv4/ipv6/unix; CAP_NET_RAW for --family packet or --type raw',
};

const FAMILIES = ['ipv4', 'ipv6', 'packet', 'unix'] as const;
const TYPES = ['dgram', 'stream', 'raw', 'seqpacket'] as const;
type Fam = (typeof FAMILIES)[number];
type Typ = (typeof TYPES)[number];

/** A value as one short line. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '-';
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return v.length === 0 ? '(empty)' : `0x${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (typeof v === 'object' && v !== null) return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

/** Does the option apply to this family/type? */
export function applies(info: OptionInfo, family: Fam, type: Typ): boolean {
  return info.families.includes(family) && (!info.types || info.types.includes(type));
}

/** Read one option's value on `sock`: { value } or { error: code }. */
export function readValue(sock: Socket | undefined, info: OptionInfo): { value?: unknown; error?: string } {
  if (!info.readable) return {};
  if (!info.supported) return { error: 'unsupported' };
  if (!sock) return { error: 'no socket' };
  try {
    return { value: getOption(sock, info.name as never) };
  } catch (e) {
    return { error: (e as { code?: string }).code ?? (e as Error).message };
  }
}

function fresh(family: Fam, type: Typ): { sock?: Socket; why?: string } {
  try {
    return { sock: new Socket(family, type, family === 'packet' ? 0 : type === 'raw' ? (family === 'ipv6' ? 58 : 1) : 0) };
  } catch (e) {
    const err = e as { code?: string; hint?: string; message: string };
    return { why: `${err.code ?? 'error'}${err.hint ? ` — ${err.hint}` : ''}` };
  }
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { flags, help } = parseCommand(spec, argv);
  if (help) return io.out(helpText(spec)), EXIT.OK;
  applyNetns(flags);

  if (flags.doc !== undefined) {
    const name = String(flags.doc).toUpperCase();
    if (!(name in options)) {
      const near = closest(name, Object.keys(options));
      throw new UsageError(`no option named ${name}${near ? ` (did you mean ${near}?)` : ''}; 'sockit options' lists them`, spec.name);
    }
    const info = optionInfo(name);
    const family = info.families[0] as Fam;
    const type = (info.types?.[0] ?? (family === 'packet' ? 'raw' : 'dgram')) as Typ;
    const { sock, why } = fresh(family, type);
    const v = readValue(sock, info);
    sock?.close();
    if (flags.json) {
      io.out(JSON.stringify({ ...info, value: v.value, valueOn: `${family}/${type}`, ...(v.error ? { error: v.error } : {}) }, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2));
      return EXIT.OK;
    }
    const rows: string[][] = [
      ['name', info.name],
      ['level', `${info.levelName} (${info.level})${info.level6Name ? `; ${info.level6Name} for IPv6 groups` : ''}`],
      ['optname', info.supported ? String(info.optname) : 'not defined by this system’s headers (unsupported)'],
      ['value', `${info.kind} (C: ${info.codec})${info.values ? ` one of ${info.values.join(', ')}` : ''}${info.min !== undefined ? `, min ${info.min}` : ''}${info.max !== undefined ? `, max ${info.max}` : ''}`],
      ['access', `${info.readable ? 'get' : ''}${info.readable && info.writable ? '/' : ''}${info.writable ? 'set' : ''}`],
      ['families', info.families.join(', ')],
      ['types', info.types ? info.types.join(', ') : 'all'],
      ['capability', info.capability ?? 'none'],
      ['doc', info.doc],
    ];
    if (info.note) rows.push(['note', info.note]);
    if (info.readback) rows.push(['read back', info.readback === 'doubled' ? 'the kernel doubles the value you set' : info.readback]);
    rows.push([`now (fresh ${family}/${type})`, v.error ? v.error : info.readable ? formatValue(v.value) : 'write-only']);
    if (why) rows.push(['note', `no ${family}/${type} socket here: ${why}`]);
    for (const l of table(rows)) io.out(l);
    return EXIT.OK;
  }

  const family = String(flags.family) as Fam;
  if (!FAMILIES.includes(family)) throw new UsageError(`--family must be one of ${FAMILIES.join(', ')}`, spec.name);
  const type = String(flags.type ?? (family === 'packet' ? 'raw' : 'dgram')) as Typ;
  if (!TYPES.includes(type)) throw new UsageError(`--type must be one of ${TYPES.join(', ')}`, spec.name);
  const level = flags.level !== undefined ? String(flags.level).toUpperCase() : undefined;
  const list = Object.values(options).filter((i) => applies(i, family, type) && (level === undefined || i.levelName === level));
  if (level !== undefined && list.length === 0) throw new UsageError(`no options at level ${level} for ${family}/${type}`, spec.name);
  const { sock, why } = fresh(family, type);
  if (why) io.err(`sockit options: cannot create a ${family}/${type} socket (${why}); showing the table without values`);
  const rowsData = list.map((i) => ({ info: i, ...readValue(sock, i) }));
  sock?.close();
  if (flags.json) {
    io.out(
      JSON.stringify(
        rowsData.map((r) => ({ ...r.info, value: r.value, ...(r.error ? { error: r.error } : {}) })),
        (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x),
        2,
      ),
    );
    return EXIT.OK;
  }
  const rows: string[][] = [['NAME', 'LEVEL', 'KIND', 'R/W', 'CAPABILITY', 'VALUE']];
  for (const r of rowsData) {
    const i = r.info;
    let value = r.error ? `(${r.error})` : i.readable ? formatValue(r.value) : '-';
    if (value.length > 48) value = `${value.slice(0, 45)}...`;
    rows.push([i.name, i.levelName, i.kind, `${i.readable ? 'r' : '-'}${i.writable ? 'w' : '-'}`, i.capability ?? '', value]);
  }
  for (const l of table(rows)) io.out(l);
  io.out('');
  io.out(`${rowsData.length} options apply to ${family === 'ipv4' || family === 'ipv6' || family === 'unix' ? 'an' : 'a'} ${family}/${type} socket. 'sockit options --doc NAME' explains one.`);
  return EXIT.OK;
}
