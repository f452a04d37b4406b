/**
 * Sockets inside other network namespaces.
 *
 * A Linux socket belongs to the network namespace its creator was in when it
 * called socket(2), and stays there for life: bind, send, receive and every
 * option then act inside that namespace, whatever thread or process uses the
 * descriptor later. sockit creates a socket elsewhere by moving only the
 * calling thread into the target namespace for the one socket() call and back
 * (setns(2) before and after; the way back is taken even on error).
 *
 * Every socket constructor takes it as an option:
 *
 * ```ts
 * const s = new Socket('ipv4', 'dgram', 0, { netns: '/run/netns/blue' });
 * const u = await UdpSocket.create({ type: 'udp4', netns: 'blue' }); // `ip netns` name
 * const p = PacketSocket.open({ interface: 'veth0', netns: host.netns }); // /proc/PID/ns/net
 * ```
 *
 * Entering a namespace needs CAP_SYS_ADMIN (root, or a user namespace that
 * owns the target).
 * @module
 */
import * as fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import { constants, native } from '../binding';
import type { NetnsFailure } from '../binding/netns';
import { ScopeResolver, interfaceIndex } from '../core/address';
import { Capability, SocketError, errnoName, errorHint, invalidArgType, invalidArgValue, validateString } from '../core/errors';

const E = osConstants.errno;

/** Where `ip netns add NAME` puts its namespace files. */
export const NETNS_RUN_DIR = '/run/netns';

/**
 * The namespace file for a reference: a path (anything containing `/`, e.g.
 * `/proc/1234/ns/net`, `/run/netns/blue`) is used as is; a bare name is an
 * `ip netns` name, i.e. `/run/netns/NAME`.
 */
export function netnsPath(ref: string, name = 'netns'): string {
  validateString(ref, name);
  if (ref.length === 0) throw invalidArgValue(name, ref, 'must be a namespace path or an `ip netns` name');
  if (ref.includes('\0')) throw invalidArgValue(name, ref, 'must not contain NUL bytes');
  if (ref.includes('/')) return ref;
  if (ref === '.' || ref === '..') throw invalidArgValue(name, ref, 'is not an `ip netns` name');
  return `${NETNS_RUN_DIR}/${ref}`;
}

/** Names of the namespaces `ip netns` knows (the files in /run/netns), sorted. */
export function listNetns(): string[] {
  try {
    return fs.readdirSync(NETNS_RUN_DIR).sort();
  } catch {
    return [];
  }
}

/**
 * A stable identity of a namespace ("dev:inode" of its file): two references
 * name the same namespace exactly when their ids are equal. Without an
 * argument: the namespace of the calling thread.
 */
export function netnsId(ref?: string): string {
  const p = ref === undefined ? '/proc/thread-self/ns/net' : netnsPath(ref);
  const r = native.netnsId(p);
  if (typeof r === 'number') throw new SocketError(-r, 'stat', { hint: missingHint(p) });
  return r;
}

function missingHint(path: string): string {
  if (path.startsWith(`${NETNS_RUN_DIR}/`)) {
    return `no network namespace "${path.slice(NETNS_RUN_DIR.length + 1)}" (see \`ip netns list\`; create one with \`ip netns add NAME\`)`;
  }
  if (path.startsWith('/proc/')) return `no such process or namespace file: ${path} (has the process holding the namespace exited?)`;
  return `no namespace file at ${path}`;
}

/**
 * Create a socket (non-blocking, close-on-exec) inside the namespace `ref`
 * and return its descriptor. {@link Socket} and everything built on it call
 * this when given `{ netns }`; use it directly only to hand raw descriptors
 * to other code.
 * @param ref namespace path or `ip netns` name
 * @param domain AF_* number
 * @param type SOCK_* number
 * @param protocol protocol number as socket(2) takes it (network order for AF_PACKET)
 */
export function socketInNetns(ref: string, domain: number, type: number, protocol: number): number {
  const path = netnsPath(ref);
  const r = native.netnsSocket(path, domain, type, protocol);
  if (typeof r === 'number') return r;
  if (r.syscall === 'socket') {
    const needsRaw = domain === constants.AF_PACKET || type === constants.SOCK_RAW;
    throw new SocketError(-r.errno, 'socket', needsRaw ? { capability: 'CAP_NET_RAW' } : {});
  }
  throw netnsFailure(r, path);
}

/**
 * @internal The SocketError for a failure to enter the namespace at `path`
 * (open: missing file or no access; setns: not a netns file, or no CAP_SYS_ADMIN).
 */
export function netnsFailure(r: NetnsFailure, path: string): SocketError {
  const code = -r.errno;
  if (r.syscall === 'open') {
    // Only a missing file is "no such namespace"; EMFILE and the rest keep their own hint.
    if (code === E.ENOENT || code === E.ENOTDIR) return new SocketError(code, 'open', { hint: missingHint(path) });
    if (code === E.EACCES) return new SocketError(code, 'open', { hint: `cannot open ${path}: ${capHintText(['CAP_SYS_ADMIN'])}` });
    return new SocketError(code, 'open', { hint: errorHint(errnoName(code), 'open') ?? `cannot open the namespace file ${path}` });
  }
  if (code === E.EINVAL) return new SocketError(code, 'setns', { hint: `${path} is not a network namespace file` });
  return new SocketError(code, r.syscall, {
    capability: 'CAP_SYS_ADMIN',
    hint: code === E.EPERM ? `entering the network namespace ${path} ${capHintText(['CAP_SYS_ADMIN'])}` : undefined,
  });
}

/**
 * Run `fn` synchronously with the calling thread inside the namespace `ref`,
 * then return (also when `fn` throws). Everything network-related `fn` does
 * — creating sockets, looking up interface names or indexes — happens in
 * that namespace. `fn` must not be async: only the synchronous part runs
 * inside.
 *
 * ```ts
 * const idx = withNetns(host.netns, () => interfaceIndex('veth0'));
 * ```
 */
export function withNetns<T>(ref: string, fn: () => T): T {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
  const path = netnsPath(ref);
  const saved = native.netnsEnter(path);
  if (typeof saved !== 'number') throw netnsFailure(saved, path);
  try {
    const r = fn();
    if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
      throw invalidArgValue('fn', 'async function', 'must be synchronous (only the synchronous part would run inside the namespace)');
    }
    return r;
  } finally {
    native.netnsLeave(saved);
  }
}

/**
 * A {@link ScopeResolver} that looks interface names up inside `ref` (the
 * calling thread's namespace when `ref` is undefined), for `parseIp` /
 * `parseEndpoint` on behalf of a socket created there:
 *
 * ```ts
 * parseEndpoint('[fe80::1%veth0]:9', 'address', scopeResolver(host.netns));
 * ```
 */
export function scopeResolver(ref?: string): ScopeResolver {
  if (ref === undefined) return interfaceIndex;
  netnsPath(ref);
  return (name) => withNetns(ref, () => interfaceIndex(name));
}

/**
 * @internal For the CLI's `--netns`: move the main thread into `ref` for the
 * rest of the process (no way back). Libraries should use {@link withNetns}
 * or the `netns` option of socket constructors instead.
 */
export function enterNetnsForGood(ref: string): void {
  const path = netnsPath(ref);
  const saved = native.netnsEnter(path);
  if (typeof saved !== 'number') throw netnsFailure(saved, path);
  native.close(saved);
}

function capHintText(caps: Capability[]): string {
  return (
    `needs ${caps.join(' and ')}: run as root, inside a user namespace that owns the target ` +
    `(unshare --net --map-root-user), or grant it: sudo setcap ${caps.map((c) => c.toLowerCase()).join(',')}+ep "$(readlink -f "$(command -v node)")"`
  );
}

