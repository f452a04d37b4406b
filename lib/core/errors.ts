/**
 * Errors shaped like Node's own: system failures are {@link SocketError}s with
 * `code`/`errno`/`syscall` (and `option`/`address`/`port` where relevant, plus a
 * `hint` saying what to do); misuse is a TypeError/RangeError with a Node-style `code`.
 * @module
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { isMulticastText } from './iptext';

const errnoNames: Map<number, string> = new Map(
  Object.entries(os.constants.errno).map(([name, num]) => [num as number, name]),
);

/** The symbolic name of an errno number ('EPERM' for 1), or `E<number>` when unknown. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

/** Linux capabilities sockit talks about. */
export type Capability = 'CAP_NET_RAW' | 'CAP_NET_ADMIN' | 'CAP_SYS_ADMIN' | 'CAP_NET_BIND_SERVICE';

/** Extra context attached to a SocketError. */
export interface SocketErrorContext {
  /** Option name for setsockopt/getsockopt failures. */
  option?: string;
  /** Address involved (e.g. the bind or connect address). */
  address?: string;
  /** Port involved. */
  port?: number;
  /** Interface involved, by name. */
  interface?: string;
  /** The capability this operation needs; makes EPERM/EACCES hints precise. */
  capability?: Capability | readonly Capability[];
  /** A hint that replaces the generic one. */
  hint?: string;
}

/** How to grant a capability, for hints. */
export function capabilityHint(caps: Capability | readonly Capability[]): string {
  const list = (Array.isArray(caps) ? caps : [caps]) as readonly Capability[];
  const setcap = list.map((c) => c.toLowerCase()).join(',');
  return (
    `this needs ${list.join(' and ')}. Run as root, or grant it to node: ` +
    `sudo setcap ${setcap}+ep "$(readlink -f "$(command -v node)")"; ` +
    `in CI, run the job as root or with the capability (docker: --cap-add=${list
      .map((c) => c.replace(/^CAP_/, ''))
      .join(' --cap-add=')}).`
  );
}

/** A failed system call. Mirrors Node's SystemError fields. */
export class SocketError extends Error {
  /** Symbolic errno ('EADDRINUSE'). */
  readonly code: string;
  /** Negative errno, as Node reports it (-98 for EADDRINUSE). */
  readonly errno: number;
  /** The system call that failed ('bind', 'setsockopt', ...). */
  readonly syscall: string;
  /** Option name, for setsockopt/getsockopt failures. */
  readonly option?: string;
  /** Address involved (e.g. the bind or connect address). */
  readonly address?: string;
  /** Port involved. */
  readonly port?: number;
  /** Interface involved, by name. */
  readonly interface?: string;
  /** What to do about it, when sockit knows. */
  readonly hint?: string;

  constructor(errno: number, syscall: string, context: SocketErrorContext = {}) {
    const positive = Math.abs(errno);
    const code = errnoName(positive);
    const description = os.constants.errno && positive ? describe(positive) : '';
    const hint = context.hint ?? errorHint(code, syscall, context);
    let where = '';
    if (context.option) where += ` ${context.option}`;
    if (context.address !== undefined) where += ` ${context.address}${context.port !== undefined ? `:${context.port}` : ''}`;
    else if (context.port !== undefined) where += ` port ${context.port}`;
    if (context.interface) where += ` on ${context.interface}`;
    super(`${syscall}${where} ${code}${description ? ` (${description})` : ''}${hint ? `: ${hint}` : ''}`);
    this.name = 'SocketError';
    this.code = code;
    this.errno = -positive;
    this.syscall = syscall;
    if (context.option !== undefined) this.option = context.option;
    if (context.address !== undefined) this.address = context.address;
    if (context.port !== undefined) this.port = context.port;
    if (context.interface !== undefined) this.interface = context.interface;
    if (hint !== undefined) this.hint = hint;
  }
}

const SEND_SYSCALLS = new Set(['send', 'sendto', 'sendmsg', 'sendmmsg', 'connect']);

/**
 * The hint sockit gives for a failure when the caller gave none: what is
 * missing (a capability, SO_BROADCAST, descriptors), judged from the errno,
 * the system call and its context.
 */
export function errorHint(code: string, syscall: string, context: SocketErrorContext = {}): string | undefined {
  if (code === 'EMFILE') {
    return 'the process has no free file descriptors (RLIMIT_NOFILE, `ulimit -n`): close sockets no longer needed, or raise the limit';
  }
  if (code === 'ENFILE') return 'the system has no free file descriptors (fs.file-max): close descriptors, or raise the limit';
  if ((code === 'ENETUNREACH' || code === 'ENODEV') && SEND_SYSCALLS.has(syscall) && context.address !== undefined && isMulticastText(context.address)) {
    return code === 'ENETUNREACH'
      ? `no route for multicast group ${context.address} (a namespace without a default route has none): pass { interface } (multicast.send/listen) or call setMulticastInterface() to name the link`
      : `the outgoing interface for multicast group ${context.address} does not exist here: pass { interface } (multicast.send/listen) or call setMulticastInterface() with one that does`;
  }
  if (code !== 'EPERM' && code !== 'EACCES') return undefined;
  if (context.capability) return capabilityHint(context.capability);
  if (code === 'EACCES' && syscall === 'bind' && context.port !== undefined && context.port > 0 && context.port < unprivilegedPortStart()) {
    return `port ${context.port} is below net.ipv4.ip_unprivileged_port_start (${unprivilegedPortStart()}): ${capabilityHint('CAP_NET_BIND_SERVICE')}`;
  }
  // Linux's UDP/raw IPv4 send and connect fail with EACCES for one reason: a broadcast destination without SO_BROADCAST.
  if (code === 'EACCES' && SEND_SYSCALLS.has(syscall) && (context.address === undefined || !context.address.includes(':') || context.address.startsWith('::ffff:'))) {
    const dest = context.address === undefined ? 'the destination' : context.address;
    return `${dest} is a broadcast address here; sending to it needs SO_BROADCAST: call setBroadcast(true) (or setOption('SO_BROADCAST', true)) first`;
  }
  return undefined;
}

/** net.ipv4.ip_unprivileged_port_start of the calling thread's namespace (1024 when unreadable). */
function unprivilegedPortStart(): number {
  try {
    const n = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
    return Number.isInteger(n) ? n : 1024;
  } catch {
    return 1024;
  }
}

function describe(errno: number): string {
  try {
    // util.getSystemErrorMessage is Node >= 22.12; fall back to the name map.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const util = require('node:util') as { getSystemErrorMessage?: (e: number) => string };
    if (typeof util.getSystemErrorMessage === 'function') return util.getSystemErrorMessage(-errno);
  } catch {
    /* ignore */
  }
  return SHORT_MESSAGES[errnoName(errno)] ?? '';
}

const SHORT_MESSAGES: Record<string, string> = {
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
  EAFNOSUPPORT: 'address family not supported',
  EAGAIN: 'resource temporarily unavailable',
  EBADF: 'bad file descriptor',
  ECONNREFUSED: 'connection refused',
  EINVAL: 'invalid argument',
  EMSGSIZE: 'message too long',
  ENODEV: 'no such device',
  ENOPROTOOPT: 'protocol not available',
  ENOTSOCK: 'socket operation on non-socket',
  ENOTCONN: 'socket is not connected',
  EOPNOTSUPP: 'operation not supported',
  EPROTONOSUPPORT: 'protocol not supported',
  ENETUNREACH: 'network is unreachable',
  EHOSTUNREACH: 'no route to host',
  ENOBUFS: 'no buffer space available',
  ENOMEM: 'out of memory',
};

/**
 * Turn a native return value into a result: negative numbers are -errno and
 * throw a SocketError; anything else is returned as is.
 */
export function check<T>(result: T | number, syscall: string, context?: SocketErrorContext): T {
  if (typeof result === 'number' && result < 0) throw new SocketError(-result, syscall, context);
  return result as T;
}

/** Node-style misuse errors. */
export class SockitTypeError extends TypeError {
  /** Node-style error code ('ERR_INVALID_ARG_TYPE', ...). */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'TypeError';
    this.code = code;
  }
}
/** Node-style range errors (ERR_OUT_OF_RANGE): RangeError with a `code`. */
export class SockitRangeError extends RangeError {
  /** Node-style error code ('ERR_INVALID_ARG_TYPE', ...). */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'RangeError';
    this.code = code;
  }
}
/** A state error (use after close, wrong state): Error with a `code`. */
export class SockitStateError extends Error {
  /** Node-style error code ('ERR_INVALID_ARG_TYPE', ...). */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'Error';
    this.code = code;
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return `function ${(v as { name?: string }).name || '<anonymous>'}`;
  if (typeof v === 'object') return `an instance of ${(v as object).constructor?.name ?? 'Object'}`;
  let s = typeof v === 'string' ? `'${v.length > 28 ? `${v.slice(0, 25)}...` : v}'` : String(v);
  if (typeof v === 'bigint') s += 'n';
  return `type ${typeof v} (${s})`;
}

/** A TypeError with code ERR_INVALID_ARG_TYPE: argument `name` is not of the `expected` type (Node's wording). */
export function invalidArgType(name: string, expected: string, actual: unknown): SockitTypeError {
  return new SockitTypeError(
    'ERR_INVALID_ARG_TYPE',
    `The "${name}" argument must be ${expected}. Received ${describeValue(actual)}`,
  );
}
/** A TypeError with code ERR_INVALID_ARG_VALUE: argument `name` has the right type but a bad value; `reason` completes "The argument 'name' ...". */
export function invalidArgValue(name: string, actual: unknown, reason = 'is invalid'): SockitTypeError {
  return new SockitTypeError('ERR_INVALID_ARG_VALUE', `The argument '${name}' ${reason}. Received ${describeValue(actual)}`);
}
/** A RangeError with code ERR_OUT_OF_RANGE: `name` must be within `range` (text such as ">= 0 && <= 65535"). */
export function outOfRange(name: string, range: string, actual: unknown): SockitRangeError {
  return new SockitRangeError(
    'ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It must be ${range}. Received ${typeof actual === 'string' ? `'${actual}'` : String(actual)}`,
  );
}
/** An Error with code ERR_SOCKET_CLOSED: "`what` is closed" (use after close). */
export function socketClosed(what = 'Socket'): SockitStateError {
  return new SockitStateError('ERR_SOCKET_CLOSED', `${what} is closed`);
}
/** A TypeError with code ERR_SOCKIT_UNKNOWN_OPTION: `name` is not an option in the table. */
export function unknownOption(name: unknown): SockitTypeError {
  return new SockitTypeError('ERR_SOCKIT_UNKNOWN_OPTION', `Unknown socket option ${JSON.stringify(String(name))}`);
}

// ---- validators used across lib/ -------------------------------------------

/** Return `value` if it is an integer number in `min`..`max` (default: the safe-integer range); else throw ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE. */
export function validateInteger(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}
/** Return `value` if it is an integer port 0..65535; else throw like {@link validateInteger}. */
export function validatePort(value: unknown, name = 'port'): number {
  return validateInteger(value, name, 0, 65535);
}
/** Return `value` if it is a boolean; else throw ERR_INVALID_ARG_TYPE. */
export function validateBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
  return value;
}
/** Return `value` if it is a string; else throw ERR_INVALID_ARG_TYPE. */
export function validateString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
  return value;
}
/** Return `value` as a Uint8Array view (Buffer, any TypedArray, DataView or ArrayBuffer, no copy); else throw ERR_INVALID_ARG_TYPE. */
export function validateBytes(value: unknown, name: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw invalidArgType(name, 'an instance of Buffer, TypedArray, DataView or ArrayBuffer', value);
}
