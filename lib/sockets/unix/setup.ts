/**
 * Creating a unix socket: option keys, the socket type, the order in which
 * options are applied (options, SO_PASSCRED, bind, connect).
 * @module
 */
import { constants, native } from '../../binding';
import { SocketError, check, invalidArgValue, validateBoolean, validateInteger } from '../../core/errors';
import { rejectUnknownKeys } from '../../core/validate';
import { setOption } from '../../options';
import type { WritableOptionName } from '../../options';
import { validateEngineOptions } from '../engine';
import type { Socket } from '../socket';
import { toSunPath } from './codec';
import type { UnixAdoptOptions, UnixSocketOptions, UnixSocketType } from './types';

/** Keys of UnixSocket.adopt's and pair's options. */
export const ADOPT_KEYS = ['passCredentials', 'maxDescriptors', 'maxMessageSize', 'batchSize', 'sendQueueLimit', 'highWaterMark', 'coalesce', 'borrow'] as const;
/** Keys of UnixSocket.create's options. */
export const CREATE_KEYS = [...ADOPT_KEYS, 'type', 'path', 'unlinkExisting', 'connect', 'options'] as const;

/** SOCK_* number of a type name. */
export function typeNumber(t: unknown, name: string): number {
  if (t === undefined || t === 'dgram') return constants.SOCK_DGRAM as number;
  if (t === 'seqpacket') return constants.SOCK_SEQPACKET as number;
  throw invalidArgValue(name, t, "must be 'dgram' or 'seqpacket'");
}

/** Type name of a SOCK_* number, undefined for other types. */
export function typeName(t: number): UnixSocketType | undefined {
  return t === constants.SOCK_DGRAM ? 'dgram' : t === constants.SOCK_SEQPACKET ? 'seqpacket' : undefined;
}

/** Validate the options adopt/pair/create share. */
export function validateAdopt(o: UnixAdoptOptions): void {
  validateEngineOptions(o);
  if (o.passCredentials !== undefined) validateBoolean(o.passCredentials, 'options.passCredentials');
  if (o.maxDescriptors !== undefined) validateInteger(o.maxDescriptors, 'options.maxDescriptors', 1, native.ioConstants.MAX_RIGHTS);
  if (o.maxMessageSize !== undefined) validateInteger(o.maxMessageSize, 'options.maxMessageSize', 1, native.ioConstants.MAX_MESSAGE_SIZE);
}

/** Validate create's options (before any system call). */
export function validateCreate(o: UnixSocketOptions): void {
  rejectUnknownKeys(o, CREATE_KEYS, 'options');
  validateAdopt(o);
  typeNumber(o.type, 'options.type');
  if (o.path !== undefined) toSunPath(o.path, 'options.path');
  if (o.connect !== undefined) toSunPath(o.connect, 'options.connect');
  if (o.unlinkExisting !== undefined) validateBoolean(o.unlinkExisting, 'options.unlinkExisting');
  if (o.options !== undefined && (o.options === null || typeof o.options !== 'object')) throw invalidArgValue('options.options', o.options, 'must be an object');
}

/** Remove a stale socket file before bind; anything else at the path is left alone (bind then fails EADDRINUSE). */
export function unlinkStaleSocket(path: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  try {
    if (fs.lstatSync(path).isSocket()) fs.unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Apply create's options to a fresh socket: options, SO_PASSCRED, bind, connect. */
export function configure(sock: Socket, o: UnixSocketOptions): void {
  const fd = sock.fd;
  if (o.options) for (const [k, v] of Object.entries(o.options)) setOption(fd, k as WritableOptionName, v as never);
  if (o.passCredentials) setOption(fd, 'SO_PASSCRED', true);
  if (o.path !== undefined) {
    const raw = toSunPath(o.path, 'options.path');
    if (o.unlinkExisting && raw !== '' && !raw.startsWith('\0')) unlinkStaleSocket(raw);
    bindRaw(sock, raw, o.path);
  }
  if (o.connect !== undefined) {
    const raw = toSunPath(o.connect, 'options.connect');
    sock.connect({ path: raw });
  }
}

/** bind(2) to a sun_path string; '' autobinds (the kernel picks an abstract name). */
export function bindRaw(sock: Socket, raw: string, shown: string): void {
  if (raw === '') {
    check(native.unixAutobind(sock.fd), 'bind', { address: '(autobind)' });
    return;
  }
  try {
    sock.bind({ path: raw });
  } catch (e) {
    if (e instanceof SocketError && shown !== raw) Object.assign(e, { address: shown });
    throw e;
  }
}
