/**
 * Option targets: anything that owns a socket descriptor. sockit sockets (any
 * object with a numeric `fd` getter), raw descriptors, and Node's own
 * `net.Socket`, `net.Server` and `dgram.Socket` (their descriptor is read from
 * Node's internal handle; the socket stays Node's, sockit never closes it).
 * @module
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { constants } from '../binding';
import { SockitTypeError, invalidArgType, socketClosed, validateInteger } from './errors';

/** Something that owns a socket descriptor. */
export type OptionTarget =
  | number
  | {
      /** The socket's file descriptor (any sockit socket has one). */
      readonly fd: number;
    }
  | net.Socket
  | net.Server
  | dgram.Socket;

/** A resolved target: the descriptor, plus family/type when known without a syscall. */
export interface ResolvedTarget {
  /** The socket's file descriptor. */
  fd: number;
  /** AF_* number, when known. */
  family?: number;
  /** SOCK_* number, when known. */
  type?: number;
  /** What the target was, for messages. */
  what: string;
}

interface HandleLike {
  fd?: unknown;
}

function handleFd(handle: HandleLike | null | undefined, what: string, state: string): number {
  if (handle === null || handle === undefined) {
    throw new SockitTypeError('ERR_SOCKIT_NO_DESCRIPTOR', `${what} has no socket descriptor (${state}); options can be set once it has one`);
  }
  const fd = handle.fd;
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    throw new SockitTypeError('ERR_SOCKIT_NO_DESCRIPTOR', `${what} has no socket descriptor yet (${state})`);
  }
  return fd;
}

let dgramStateSymbol: symbol | undefined;
function dgramHandle(sock: dgram.Socket): HandleLike | null | undefined {
  if (!dgramStateSymbol) dgramStateSymbol = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
  if (!dgramStateSymbol) throw new SockitTypeError('ERR_SOCKIT_NO_DESCRIPTOR', "cannot find this Node version's dgram socket state");
  const state = (sock as unknown as Record<symbol, { handle?: HandleLike | null } | undefined>)[dgramStateSymbol];
  return state?.handle;
}

/**
 * Find the descriptor of an option target. Throws ERR_SOCKET_CLOSED for a
 * closed sockit socket and a TypeError (ERR_SOCKIT_NO_DESCRIPTOR) for a Node
 * socket that has no descriptor (not yet bound/connected/listening, or closed).
 */
export function resolveTarget(target: OptionTarget, name = 'target'): ResolvedTarget {
  if (typeof target === 'number') {
    return { fd: validateInteger(target, name, 0, 0x7fffffff), what: `fd ${target}` };
  }
  if (target === null || typeof target !== 'object') {
    throw invalidArgType(name, 'a sockit Socket, a descriptor number, a net.Socket, a net.Server or a dgram.Socket', target);
  }
  if (target instanceof dgram.Socket) {
    const type = (target as unknown as { type?: string }).type;
    const fd = handleFd(dgramHandle(target), 'dgram.Socket', 'not bound yet, or closed: bind it first, or create the socket with sockit and pass { fd }');
    return { fd, family: type === 'udp6' ? constants.AF_INET6 : constants.AF_INET, type: constants.SOCK_DGRAM, what: 'dgram.Socket' };
  }
  if (target instanceof net.Server) {
    const fd = handleFd((target as unknown as { _handle?: HandleLike | null })._handle, 'net.Server', 'not listening, or closed');
    const out: ResolvedTarget = { fd, what: 'net.Server', type: constants.SOCK_STREAM };
    const addr = target.address();
    if (typeof addr === 'string') out.family = constants.AF_UNIX;
    else if (addr) out.family = addr.family === 'IPv6' ? constants.AF_INET6 : constants.AF_INET;
    return out;
  }
  if (target instanceof net.Socket) {
    const fd = handleFd((target as unknown as { _handle?: HandleLike | null })._handle, 'net.Socket', 'not connected yet, or destroyed');
    const out: ResolvedTarget = { fd, what: 'net.Socket', type: constants.SOCK_STREAM };
    const fam = (target as unknown as { localFamily?: string }).localFamily ?? target.remoteFamily;
    if (fam === 'IPv4' || fam === 'IPv6') out.family = fam === 'IPv6' ? constants.AF_INET6 : constants.AF_INET;
    return out;
  }
  if ('fd' in target) {
    const t = target as { fd: unknown; family?: unknown; type?: unknown; closed?: unknown };
    if (t.closed === true) throw socketClosed();
    const fd = t.fd; // a sockit socket's getter throws ERR_SOCKET_CLOSED once closed
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
      if (fd === -1 || fd === null) throw socketClosed();
      throw invalidArgType(`${name}.fd`, 'a descriptor number', fd);
    }
    const out: ResolvedTarget = { fd, what: 'socket' };
    if (typeof t.family === 'number') out.family = t.family;
    if (typeof t.type === 'number') out.type = t.type;
    return out;
  }
  throw invalidArgType(name, 'a sockit Socket, a descriptor number, a net.Socket, a net.Server or a dgram.Socket', target);
}
