/**
 * Two unix datagram clients every service needs: the systemd readiness
 * protocol ({@link sdNotify}, what sd_notify(3) does) and a log line to a
 * syslog socket such as /dev/log ({@link syslog}, glibc syslog(3)'s local
 * format, which journald also reads), plus the journal's native protocol
 * ({@link journalSend}).
 * @module
 */
import { SockitTypeError, invalidArgType, invalidArgValue, validateInteger } from '../../core/errors';
import { rejectUnknownKeys } from '../../core/validate';
import { UnixSocket } from './index';
import type { Passable } from './types';

/** Options of {@link sdNotify}. */
export interface SdNotifyOptions {
  /** The notification socket (default: the NOTIFY_SOCKET environment variable): a path, or `@name` for an abstract one. */
  socket?: string;
  /** Descriptors to hand to the service manager (with `FDSTORE=1`). */
  fds?: readonly Passable[];
  /** Remove NOTIFY_SOCKET from process.env afterwards, so children do not notify in our name (sd_notify's unset_environment). */
  unsetEnvironment?: boolean;
}

/**
 * Send a state to the service manager, as sd_notify(3):
 * `await sdNotify('READY=1')`, `sdNotify({ STATUS: 'warming up', MAINPID: pid })`.
 * Resolves false, sending nothing, when there is no NOTIFY_SOCKET (not run
 * by systemd, or notification not asked for); true once sent.
 */
export async function sdNotify(state: string | Readonly<Record<string, string | number>>, options: SdNotifyOptions = {}): Promise<boolean> {
  rejectUnknownKeys(options, ['socket', 'fds', 'unsetEnvironment'], 'options');
  let text: string;
  if (typeof state === 'string') text = state;
  else if (state !== null && typeof state === 'object')
    text = Object.entries(state)
      .map(([k, v]) => {
        if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw invalidArgValue('state', k, 'has a key that is not an upper-case variable name');
        return `${k}=${String(v)}`;
      })
      .join('\n');
  else throw invalidArgType('state', 'a string or an object of KEY: value', state);
  const where = options.socket ?? process.env.NOTIFY_SOCKET;
  if (options.unsetEnvironment) delete process.env.NOTIFY_SOCKET;
  if (where === undefined || where === '') return false;
  if (typeof where !== 'string') throw invalidArgType('options.socket', 'of type string', where);
  if (!where.startsWith('/') && !where.startsWith('@'))
    throw new SockitTypeError('ERR_SOCKIT_NOTIFY_SOCKET', `NOTIFY_SOCKET=${where} is not a unix socket path or @abstract name (vsock addresses are not supported)`);
  const sock = UnixSocket.createSync({ coalesce: false });
  try {
    await sock.send(text, { path: where, credentials: true, ...(options.fds ? { fds: options.fds } : {}) });
  } finally {
    await sock.close();
  }
  return true;
}

/** Syslog severities (RFC 5424), by name. */
export type SyslogSeverity = 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug';
const SEVERITIES: readonly SyslogSeverity[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
/** Syslog facilities (RFC 5424), by name, in code order (kern = 0 … local7 = 23). */
export type SyslogFacility =
  | 'kern' | 'user' | 'mail' | 'daemon' | 'auth' | 'syslog' | 'lpr' | 'news' | 'uucp' | 'cron' | 'authpriv' | 'ftp'
  | 'ntp' | 'security' | 'console' | 'solaris-cron' | 'local0' | 'local1' | 'local2' | 'local3' | 'local4' | 'local5' | 'local6' | 'local7';
const FACILITIES: readonly SyslogFacility[] = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];

/** Options of {@link syslog}. */
export interface SyslogOptions {
  /** The syslog socket (default '/dev/log'). */
  path?: string;
  /** Severity (default 'info'). */
  severity?: SyslogSeverity;
  /** Facility (default 'user'). */
  facility?: SyslogFacility;
  /** The program name (default: the script's name, as process.title). */
  tag?: string;
  /** The pid in brackets (default process.pid; false leaves it out). */
  pid?: number | false;
  /** Time stamp (default now). */
  date?: Date;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** One syslog line as glibc's syslog(3) writes it to /dev/log: `<PRI>Mmm dd hh:mm:ss TAG[PID]: MESSAGE`. */
export function formatSyslog(message: string, options: SyslogOptions = {}): string {
  if (typeof message !== 'string') throw invalidArgType('message', 'of type string', message);
  const sev = SEVERITIES.indexOf(options.severity ?? 'info');
  if (sev < 0) throw invalidArgValue('options.severity', options.severity, `must be one of ${SEVERITIES.join(', ')}`);
  const fac = FACILITIES.indexOf(options.facility ?? 'user');
  if (fac < 0) throw invalidArgValue('options.facility', options.facility, `must be one of ${FACILITIES.join(', ')}`);
  const d = options.date ?? new Date();
  const two = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  const tag = options.tag ?? (process.title || 'node');
  const pid = options.pid === false ? '' : `[${options.pid === undefined ? process.pid : validateInteger(options.pid, 'options.pid', 0, 0x7fffffff)}]`;
  return `<${fac * 8 + sev}>${stamp} ${tag}${pid}: ${message}`;
}

/**
 * Send one log line to a syslog socket (default /dev/log; journald and
 * rsyslog both listen there) in syslog(3)'s format. Rejects with the send
 * error (ENOENT / ECONNREFUSED when nothing listens).
 */
export async function syslog(message: string, options: SyslogOptions = {}): Promise<void> {
  rejectUnknownKeys(options, ['path', 'severity', 'facility', 'tag', 'pid', 'date'], 'options');
  const line = formatSyslog(message, options);
  const sock = UnixSocket.createSync({ coalesce: false });
  try {
    await sock.send(line, options.path ?? '/dev/log');
  } finally {
    await sock.close();
  }
}

/**
 * Send one entry to the journal's native socket (default
 * /run/systemd/journal/socket): `journalSend({ MESSAGE: 'hi', PRIORITY: 6,
 * SYSLOG_IDENTIFIER: 'app' })`. Values with a newline use the protocol's
 * length-prefixed form.
 */
export async function journalSend(fields: Readonly<Record<string, string | number | Uint8Array>>, options: { path?: string } = {}): Promise<void> {
  rejectUnknownKeys(options, ['path'], 'options');
  if (fields === null || typeof fields !== 'object') throw invalidArgType('fields', 'an object of FIELD: value', fields);
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (!/^[A-Z0-9][A-Z0-9_]*$/.test(k)) throw invalidArgValue('fields', k, 'has a field name that is not upper-case letters, digits and _');
    const value = v instanceof Uint8Array ? Buffer.from(v) : Buffer.from(String(v));
    if (value.includes(10)) {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(value.length));
      parts.push(Buffer.from(`${k}\n`), len, value, Buffer.from('\n'));
    } else parts.push(Buffer.from(`${k}=`), value, Buffer.from('\n'));
  }
  const sock = UnixSocket.createSync({ coalesce: false });
  try {
    await sock.send(Buffer.concat(parts), options.path ?? '/run/systemd/journal/socket');
  } finally {
    await sock.close();
  }
}

