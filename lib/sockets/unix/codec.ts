/**
 * The unix socket's address codec: the path notation (`'@name'` for an
 * abstract name) to sockaddr_un bytes and back, and the send-side control
 * data (SCM_RIGHTS descriptors, SCM_CREDENTIALS), encoded natively.
 * @module
 */
import { constants, native } from '../../binding';
import { SockitTypeError, check, invalidArgType, invalidArgValue, validateInteger } from '../../core/errors';
import { resolveTarget } from '../../core/target';
import type { OptionTarget } from '../../core/target';
import type { Credentials } from '../../options';
import type { Passable, UnixAddress, UnixSendOptions } from './types';

const AF_UNIX = constants.AF_UNIX as number;
/** sun_path holds 108 bytes; a filesystem path needs its terminating NUL. */
const SUN_PATH = 108;

/** Notation → the kernel's sun_path string: `'@name'` is the abstract `"\0name"`. */
export function toSunPath(path: string, name: string): string {
  if (typeof path !== 'string') throw invalidArgType(name, 'of type string', path);
  const raw = path.startsWith('@') ? `\0${path.slice(1)}` : path;
  const bytes = Buffer.byteLength(raw);
  if (bytes > (raw.startsWith('\0') ? SUN_PATH : SUN_PATH - 1))
    throw invalidArgValue(name, path, `is too long for a unix socket address (${bytes} bytes; at most ${SUN_PATH - 1} for a path, ${SUN_PATH - 1} after the @ of an abstract name)`);
  if (!raw.startsWith('\0') && raw.includes('\0')) throw invalidArgValue(name, path, 'contains a NUL byte');
  return raw;
}

/** The kernel's sun_path string → notation. */
export function fromSunPath(raw: string): string {
  return raw.startsWith('\0') ? `@${raw.slice(1)}` : raw;
}

/** A decoded sockaddr_un (getsockname / getpeername) → {@link UnixAddress}; `'\0'` alone is the empty abstract name `'@'`. */
export function toAddress(sa: { family: number; path?: string } | number): UnixAddress {
  const raw = typeof sa === 'number' ? '' : (sa.path ?? '');
  return { path: fromSunPath(raw), abstract: raw.startsWith('\0') };
}

/** Credentials of this process (what SCM_CREDENTIALS `true` sends). */
export function ownCredentials(): Credentials {
  return { pid: process.pid, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

/** The descriptor of something passable (see {@link Passable}). */
export function passableFd(p: Passable, name: string): number {
  if (p !== null && typeof p === 'object' && !('fd' in p) && !('_handle' in p) && typeof (p as { address?: unknown }).address !== 'function')
    throw invalidArgType(name, 'a descriptor number, a socket or a FileHandle', p);
  const fd = resolveTarget(p as OptionTarget, name).fd;
  if (fd < 0) throw new SockitTypeError('ERR_SOCKIT_NO_DESCRIPTOR', `${name} has no open descriptor`);
  return fd;
}

/** Encodes destinations (cached) and control data for one socket. */
export class UnixCodec {
  #addrCache = new Map<string, Buffer>();

  /** A destination in the notation → sockaddr_un bytes. */
  address(path: string, name = 'path'): Buffer {
    let enc = this.#addrCache.get(path);
    if (enc) return enc;
    const raw = toSunPath(path, name);
    if (raw === '') throw invalidArgValue(name, path, 'is empty: a destination needs a path or an @abstract name');
    enc = native.ioEncodeAddress({ family: AF_UNIX, path: raw });
    if (this.#addrCache.size >= 1024) this.#addrCache.clear();
    this.#addrCache.set(path, enc);
    return enc;
  }

  /** SCM_RIGHTS / SCM_CREDENTIALS for one send, or null when it has neither. */
  control(o: UnixSendOptions, name = 'options'): Buffer | null {
    const { fds, credentials } = o;
    if (fds === undefined && (credentials === undefined || credentials === false)) return null;
    let list: number[] = [];
    if (fds !== undefined) {
      if (!Array.isArray(fds)) throw invalidArgType(`${name}.fds`, 'an array of descriptors, sockets or FileHandles', fds);
      if (fds.length > native.ioConstants.MAX_RIGHTS) throw invalidArgValue(`${name}.fds`, fds.length, `has more than ${native.ioConstants.MAX_RIGHTS} entries (SCM_MAX_FD)`);
      list = fds.map((p, i) => passableFd(p, `${name}.fds[${i}]`));
    }
    let cred: Credentials | undefined;
    if (credentials === true) cred = ownCredentials();
    else if (credentials !== undefined && credentials !== false) {
      if (credentials === null || typeof credentials !== 'object') throw invalidArgType(`${name}.credentials`, 'a boolean or { pid, uid, gid }', credentials);
      cred = {
        pid: validateInteger(credentials.pid, `${name}.credentials.pid`, 0, 0x7fffffff),
        uid: validateInteger(credentials.uid, `${name}.credentials.uid`, 0, 0xffffffff),
        gid: validateInteger(credentials.gid, `${name}.credentials.gid`, 0, 0xffffffff),
      };
    }
    if (list.length === 0 && cred === undefined) return null;
    return check(cred ? native.ioEncodeUnixControl(list, cred) : native.ioEncodeUnixControl(list), 'sendmsg');
  }
}
