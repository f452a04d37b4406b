/**
 * Errors of the dgram drop-in, worded exactly as Node's `lib/internal/errors.js`
 * words them (programs and Node's own tests match on the text): `ERR_*`
 * errors with `code` and Node's `toString()`, and system errors as Node's
 * `ErrnoException` / `ExceptionWithHostPort` shape them (`<syscall> <CODE>`,
 * `errno` negative, no description text).
 * @module
 */
import { getSystemErrorMap, inspect } from 'node:util';

type ErrorBase = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;

/** An `ERR_*` error the way Node builds one: `code` own and enumerable, `toString()` as `Name [CODE]: message`. */
export function nodeError<E extends Error>(Base: ErrorBase, code: string, message: string): E & { code: string } {
  const err = new Base(message) as E & { code: string };
  Object.defineProperty(err, 'toString', {
    value(this: Error) {
      return `${this.name} [${code}]: ${this.message}`;
    },
    enumerable: false,
    writable: true,
    configurable: true,
  });
  err.code = code;
  // Node's stack header names the code too: "TypeError [ERR_X]: message".
  const stack = err.stack;
  if (typeof stack === 'string' && stack.startsWith(`${err.name}: `)) {
    const rest = stack.slice(err.name.length + 2 + message.length);
    Object.defineProperty(err, 'stack', { value: `${err.name} [${code}]: ${message}${rest}`, writable: true, configurable: true, enumerable: false });
  }
  return err;
}

// Node's determineSpecificType(): how ERR_INVALID_ARG_TYPE / ERR_SOCKET_BAD_PORT describe the received value.
function received(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'bigint':
      return `type bigint (${value}n)`;
    case 'number':
      if (value === 0) return 1 / value === -Infinity ? 'type number (-0)' : 'type number (0)';
      return `type number (${value})`;
    case 'boolean':
      return `type boolean (${value})`;
    case 'symbol':
      return `type symbol (${String(value)})`;
    case 'function':
      return `function ${(value as { name: string }).name}`;
    case 'object': {
      const ctor = (value as { constructor?: { name?: string } }).constructor;
      if (ctor && 'name' in ctor) return `an instance of ${ctor.name}`;
      return inspect(value, { depth: -1 });
    }
    case 'string': {
      let s = value as string;
      if (s.length > 28) s = `${s.slice(0, 25)}...`;
      return s.includes("'") ? `type string (${JSON.stringify(s)})` : `type string ('${s}')`;
    }
    default:
      return `type ${typeof value} (${inspect(value, { colors: false })})`;
  }
}

function formatList(items: string[], word = 'and'): string {
  if (items.length <= 1) return items.join('');
  if (items.length === 2) return `${items[0]} ${word} ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, ${word} ${items[items.length - 1]}`;
}

const TYPE_NAMES = ['string', 'function', 'number', 'object', 'Function', 'Object', 'boolean', 'bigint', 'symbol'];

/** ERR_INVALID_ARG_TYPE, with Node's message for one or several expected types/classes. */
export function errInvalidArgType(name: string, expected: string | string[], actual: unknown): TypeError & { code: string } {
  const list = Array.isArray(expected) ? expected : [expected];
  let msg = 'The ';
  if (name.endsWith(' argument')) msg += `${name} `;
  else msg += `"${name}" ${name.includes('.') ? 'property' : 'argument'} `;
  msg += 'must be ';
  const types: string[] = [];
  const instances: string[] = [];
  const other: string[] = [];
  for (const v of list) {
    if (TYPE_NAMES.includes(v)) types.push(v.toLowerCase());
    else if (/^([A-Z][a-z0-9]*)+$/.test(v)) instances.push(v);
    else other.push(v);
  }
  if (instances.length > 0) {
    const pos = types.indexOf('object');
    if (pos !== -1) {
      types.splice(pos, 1);
      instances.push('Object');
    }
  }
  if (types.length > 0) {
    msg += `${types.length > 1 ? 'one of type' : 'of type'} ${formatList(types, 'or')}`;
    if (instances.length > 0 || other.length > 0) msg += ' or ';
  }
  if (instances.length > 0) {
    msg += `an instance of ${formatList(instances, 'or')}`;
    if (other.length > 0) msg += ' or ';
  }
  if (other.length > 0) {
    if (other.length > 1) msg += `one of ${formatList(other, 'or')}`;
    else {
      if ((other[0] as string).toLowerCase() !== other[0]) msg += 'an ';
      msg += other[0];
    }
  }
  msg += `. Received ${received(actual)}`;
  return nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', msg);
}

/** ERR_OUT_OF_RANGE as Node's validators word it. */
export function errOutOfRange(name: string, range: string, value: unknown): RangeError & { code: string } {
  return nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${inspect(value)}`);
}

/** ERR_SOCKET_BAD_PORT: `<name> should be > 0 and < 65536. Received ...` (RangeError). */
export function errSocketBadPort(name: string, port: unknown, allowZero: boolean): RangeError & { code: string } {
  return nodeError(RangeError, 'ERR_SOCKET_BAD_PORT', `${name} should be ${allowZero ? '>=' : '>'} 0 and < 65536. Received ${received(port)}.`);
}

/** ERR_INVALID_ARG_VALUE: `The argument|property '<name>' <reason>. Received <value>` (TypeError). */
export function errInvalidArgValue(name: string, value: unknown, reason = 'is invalid'): TypeError & { code: string } {
  let shown = inspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  return nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The ${name.includes('.') ? 'property' : 'argument'} '${name}' ${reason}. Received ${shown}`);
}

/** ERR_IP_BLOCKED: a send or connect to an address of the socket's `sendBlockList`. */
export function errIpBlocked(ip: string): Error & { code: string } {
  return nodeError(Error, 'ERR_IP_BLOCKED', `IP(${ip}) is blocked by net.BlockList`);
}

/** ERR_BUFFER_OUT_OF_BOUNDS: `"<name>" is outside of buffer bounds` (RangeError). */
export function errBufferOutOfBounds(name: string): RangeError & { code: string } {
  return nodeError(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS', `"${name}" is outside of buffer bounds`);
}

/** ERR_MISSING_ARGS for one argument. */
export function errMissingArgs(name: string): TypeError & { code: string } {
  return nodeError(TypeError, 'ERR_MISSING_ARGS', `The "${name}" argument must be specified`);
}

/** Node's fixed-text socket errors, by code. */
const FIXED = {
  ERR_SOCKET_ALREADY_BOUND: [Error, 'Socket is already bound'],
  ERR_SOCKET_BAD_BUFFER_SIZE: [TypeError, 'Buffer size must be a positive integer'],
  ERR_SOCKET_BAD_TYPE: [TypeError, 'Bad socket type specified. Valid types are: udp4, udp6'],
  ERR_SOCKET_DGRAM_IS_CONNECTED: [Error, 'Already connected'],
  ERR_SOCKET_DGRAM_NOT_CONNECTED: [Error, 'Not connected'],
  ERR_SOCKET_DGRAM_NOT_RUNNING: [Error, 'Not running'],
} as const;

/** One of Node's fixed-text dgram errors. */
export function errFixed(code: keyof typeof FIXED): Error & { code: string } {
  const [Base, message] = FIXED[code];
  return nodeError(Base, code, message);
}

/** ERR_INVALID_FD_TYPE: `Unsupported fd type: <type>`. */
export function errInvalidFdType(type: string): TypeError & { code: string } {
  return nodeError(TypeError, 'ERR_INVALID_FD_TYPE', `Unsupported fd type: ${type}`);
}

/** A system error as Node's `dgram` reports it. */
export interface DgramSystemError extends Error {
  /** Negative errno (Node's libuv numbering equals Linux's, negated). */
  errno: number;
  /** Symbolic errno: 'EADDRINUSE'. */
  code: string;
  /** What failed, in Node's words: 'bind', 'send', 'setTTL', ... */
  syscall: string;
  /** The address involved (bind, send, connect). */
  address?: string;
  /** The port involved, when not 0. */
  port?: number;
}

/**
 * The code Node's system errors carry: libuv's name for the error, 'UNKNOWN'
 * for a number libuv has no name for (UV_UNKNOWN, or a code a cluster primary
 * sent back), as Node's uvErrmapGet() fallback.
 */
function uvCode(errno: number): string {
  return getSystemErrorMap().get(-Math.abs(errno))?.[0] ?? 'UNKNOWN';
}

/** Node's ErrnoException: message `<syscall> <CODE>`. `errno` may be given either sign. */
export function errnoException(errno: number, syscall: string): DgramSystemError {
  const code = uvCode(errno);
  const err = new Error(`${syscall} ${code}`) as DgramSystemError;
  err.errno = -Math.abs(errno);
  err.code = code;
  err.syscall = syscall;
  return err;
}

/** Node's ExceptionWithHostPort: message `<syscall> <CODE> <address>:<port>` (port left out when 0 or absent). */
export function exceptionWithHostPort(errno: number, syscall: string, address: string | undefined, port: number | undefined): DgramSystemError {
  const code = uvCode(errno);
  let details = '';
  if (port && port > 0) details = ` ${address}:${port}`;
  else if (address) details = ` ${address}`;
  const err = new Error(`${syscall} ${code}${details}`) as DgramSystemError;
  err.errno = -Math.abs(errno);
  err.code = code;
  err.syscall = syscall;
  err.address = address;
  if (port) err.port = port;
  return err;
}

/** What a {@link SystemError} wraps (its `info`). */
interface SystemErrorContext {
  errno: number;
  code: string;
  message: string;
  syscall: string;
}

/** An enumerable accessor for `key` of `context` (SystemError's errno and syscall). */
function onto<K extends 'errno' | 'syscall'>(context: SystemErrorContext, key: K): PropertyDescriptor {
  return {
    get: () => context[key],
    set: (v: SystemErrorContext[K]) => {
      context[key] = v;
    },
    enumerable: true,
    configurable: true,
  };
}

/**
 * Node's SystemError (lib/internal/errors.js) as Node builds it, so that it
 * prints the same: `code` own, `name` and `message` not enumerable, `info`,
 * and `errno` / `syscall` as accessors onto `info`, shown by `inspect()`.
 */
class SystemError extends Error {
  declare code: string;
  declare info: SystemErrorContext;
  declare errno: number;
  declare syscall: string;

  constructor(key: string, prefix: string, context: SystemErrorContext) {
    super(`${prefix}: ${context.syscall} returned ${context.code} (${context.message})`);
    this.code = key;
    Object.defineProperties(this, {
      name: { value: 'SystemError', enumerable: false, writable: true, configurable: true },
      info: { value: context, enumerable: true, configurable: true, writable: false },
      errno: onto(context, 'errno'),
      syscall: onto(context, 'syscall'),
    });
    // The stack's first line names the class; Node's reads "SystemError [CODE]: ...".
    const stack = this.stack;
    const at = typeof stack === 'string' ? stack.indexOf(`: ${this.message}`) : -1;
    if (at >= 0 && at < 64) {
      Object.defineProperty(this, 'stack', { value: `SystemError [${key}]${(stack as string).slice(at)}`, writable: true, configurable: true, enumerable: false });
    }
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, options: object): string {
    return inspect(this, { ...options, getters: true, customInspect: false });
  }
}

/** ERR_SOCKET_BUFFER_SIZE, a SystemError as Node builds it for a failed SO_RCVBUF/SO_SNDBUF call. */
export function errSocketBufferSize(errno: number, syscall: string): Error & { code: string } {
  const code = uvCode(errno);
  const message = getSystemErrorMap().get(-Math.abs(errno))?.[1] ?? 'unknown error';
  return new SystemError('ERR_SOCKET_BUFFER_SIZE', 'Could not get or set buffer size', { errno: -Math.abs(errno), code, message, syscall });
}
