/**
 * Command-line parsing for the `sockit` CLI: a thin layer over Node's own
 * `util.parseArgs` that adds typed numbers, usage errors that name the
 * subcommand, and generated `--help` text.
 * @module
 */
import { parseArgs } from 'node:util';
import { closest } from '../core/validate';

/** Exit codes scripts can rely on. */
export const EXIT = {
  /** Everything asked for happened. */
  OK: 0,
  /** A system call failed (address in use, no such interface, ...). */
  FAILURE: 1,
  /** The command line is wrong (unknown flag, bad value). */
  USAGE: 2,
  /** A capability is missing (EPERM/EACCES): run as root or grant it. */
  PERMISSION: 3,
  /** --timeout expired before --count datagrams/frames arrived. */
  TIMEOUT: 4,
  /** Interrupted by SIGINT/SIGTERM before finishing. */
  INTERRUPTED: 130,
} as const;

/** A wrong command line; printed with the subcommand's usage line, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One flag of a subcommand. */
export interface FlagSpec {
  type: 'string' | 'boolean' | 'number';
  short?: string;
  /** May repeat (values collect into an array). */
  multiple?: boolean;
  /** Placeholder in help ("ADDR:PORT"). */
  value?: string;
  description: string;
  default?: string | number | boolean;
}

/** A subcommand's interface: flags, positionals, help text. */
export interface CommandSpec {
  /** "mcast recv" */
  name: string;
  /** One line. */
  summary: string;
  /** Positional arguments as shown in usage ("GROUP:PORT"). */
  positionals?: string;
  /** Minimum/maximum positional count. */
  minPositionals?: number;
  maxPositionals?: number;
  flags: Record<string, FlagSpec>;
  /** Longer explanation, printed after the usage line. */
  details?: string;
  /** Examples, one per line ("sockit interfaces --json"). */
  examples: string[];
  /** Required capabilities, said in help. */
  needs?: string;
}

/** Parsed values: strings, numbers, booleans or arrays of them. */
export type ParsedFlags = Record<string, string | number | boolean | string[] | number[] | undefined>;

/** The flags every subcommand has. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** Parse argv for one subcommand; throws UsageError. `help` is true when --help was given. */
export function parseCommand(spec: CommandSpec, argv: string[]): { flags: ParsedFlags; positionals: string[]; help: boolean } {
  const all = { ...spec.flags, ...COMMON_FLAGS };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, f] of Object.entries(all)) {
    options[name] = { type: f.type === 'boolean' ? 'boolean' : 'string' };
    if (f.short) options[name].short = f.short;
    if (f.multiple) options[name].multiple = true;
  }
  // `--count -1`: a negative number after a value-taking flag is its value (parseArgs calls it ambiguous).
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    const flag = /^--([^=]+)$/.exec(a)?.[1] ?? (/^-([a-zA-Z])$/.test(a) ? Object.keys(all).find((k) => all[k]?.short === a[1]) : undefined);
    if (flag && all[flag] && all[flag].type !== 'boolean' && next !== undefined && /^-\d/.test(next)) {
      args.push(`--${flag}=${next}`);
      i++;
    } else args.push(a);
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(msg)?.[1];
    if (unknown) {
      const near = closest(unknown.replace(/^-+/, ''), Object.keys(all));
      throw new UsageError(`unknown option ${unknown}${near ? ` (did you mean --${near}?)` : ''}`, spec.name);
    }
    throw new UsageError(msg.replace(/^Option '/, "option '"), spec.name);
  }
  if (parsed.values.help) return { flags: {}, positionals: parsed.positionals, help: true };
  const flags: ParsedFlags = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    let v = parsed.values[name] as string | boolean | string[] | undefined;
    if (v === undefined && f.default !== undefined) v = f.type === 'boolean' ? Boolean(f.default) : String(f.default);
    if (v === undefined) continue;
    if (f.type === 'number') {
      const conv = (s: string): number => {
        const n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : Number(s);
        if (s.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${s}"`, spec.name);
        return n;
      };
      flags[name] = Array.isArray(v) ? v.map(conv) : conv(String(v));
    } else {
      flags[name] = v;
    }
  }
  const n = parsed.positionals.length;
  if (spec.minPositionals !== undefined && n < spec.minPositionals) {
    throw new UsageError(`missing ${spec.positionals ?? 'arguments'}`, spec.name);
  }
  // A command that declares no positionals takes none.
  const max = spec.maxPositionals ?? (spec.positionals === undefined ? 0 : undefined);
  if (max !== undefined && n > max) {
    throw new UsageError(`unexpected argument "${parsed.positionals[max]}"${max === 0 ? ' (this command takes only options)' : ''}`, spec.name);
  }
  return { flags, positionals: parsed.positionals, help: false };
}


/** The usage line. */
export function usageLine(spec: CommandSpec): string {
  return `sockit ${spec.name}${Object.keys(spec.flags).length ? ' [options]' : ''}${spec.positionals ? ` ${spec.positionals}` : ''}`;
}

/** Full help text of a subcommand. */
export function helpText(spec: CommandSpec): string {
  const lines: string[] = [`${spec.summary}`, '', `Usage: ${usageLine(spec)}`];
  if (spec.details) lines.push('', spec.details);
  const rows: Array<[string, string]> = [];
  for (const [name, f] of Object.entries({ ...spec.flags, ...COMMON_FLAGS })) {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'boolean' ? '' : ` ${f.value ?? (f.type === 'number' ? 'N' : 'VALUE')}`}`;
    const def = f.default !== undefined && f.type !== 'boolean' ? ` (default ${String(f.default)})` : '';
    rows.push([left, `${f.description}${def}${f.multiple ? ' (repeatable)' : ''}`]);
  }
  const w = Math.min(34, Math.max(...rows.map(([l]) => l.length)) + 2);
  lines.push('', 'Options:');
  for (const [l, r] of rows) lines.push(`  ${l.padEnd(w)}${l.length >= w ? `\n  ${' '.repeat(w)}` : ''}${r}`);
  if (spec.needs) lines.push('', `Needs: ${spec.needs}`);
  lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  lines.push('', 'Exit codes: 0 ok, 1 system call failed, 2 bad usage, 3 missing capability, 4 timeout, 130 interrupted.');
  return lines.join('\n');
}
