/**
 * The part every `adopt()` shares: find the descriptor behind the target,
 * check what it is before anything changes (a refused target is left as it
 * was), then make it non-blocking and close-on-exec. Each socket kind says
 * only what it accepts.
 * @module
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { native } from '../binding';
import { check, invalidArgType, invalidArgValue, validateInteger } from '../core/errors';
import { resolveTarget } from '../core/target';
import { Socket } from './socket';

/** What the kernel says a descriptor is (SO_DOMAIN, SO_TYPE, SO_PROTOCOL). */
export interface DescriptorKind {
  /** Address family. */
  family: number;
  /** Socket type. */
  type: number;
  /** Protocol number. */
  protocol: number;
}

/** @internal An adopted descriptor, checked and prepared; `commit()` lets go of the target. */
export interface Adoption<K> {
  fd: number;
  /** What `accept` returned. */
  kind: K;
  /** What the kernel said. */
  socket: DescriptorKind;
  /**
   * The socket's network namespace, where its interface names resolve: the
   * caller's `netns` option, else the namespace a sockit Socket target was
   * made in (`new Socket(..., { netns })`), else undefined (the caller's own).
   */
  netns: string | undefined;
  /** Release the sockit Socket, destroy the net.Socket or close the dgram.Socket the descriptor came from. */
  commit(): void;
  /** Give up after a later step failed: close the duplicate of a Node socket; leave the target as it was. */
  abort(): void;
}

/**
 * @internal
 * `accept` returns the kind's own description of the descriptor, or undefined
 * to refuse it (then ERR_INVALID_ARG_VALUE names `what` and what it is).
 * Node sockets (allowed by `node`) give a duplicate and are closed on commit;
 * numbers and sockit Sockets move.
 */
export function adoptDescriptor<K>(target: unknown, what: string, node: { dgram?: boolean; net?: boolean }, accept: (s: DescriptorKind) => K | undefined, netns?: string): Adoption<K> {
  const isNode = (node.dgram === true && target instanceof dgram.Socket) || (node.net === true && target instanceof net.Socket);
  let fd: number;
  if (typeof target === 'number') fd = validateInteger(target, 'target', 0, 0x7fffffff);
  else if (target instanceof Socket) fd = target.fd;
  else if (isNode) fd = resolveTarget(target as dgram.Socket | net.Socket, 'target').fd;
  else {
    const kinds = ['a descriptor number', 'a sockit Socket', ...(node.net ? ['a net.Socket'] : []), ...(node.dgram ? ['a dgram.Socket'] : [])];
    throw invalidArgType('target', kinds.slice(0, -1).join(', ') + ' or ' + kinds[kinds.length - 1], target);
  }
  const probe = Socket.adopt(fd, { owned: false });
  const socket: DescriptorKind = { family: probe.family, type: probe.type, protocol: probe.protocol };
  probe.release();
  const kind = accept(socket);
  if (kind === undefined)
    throw invalidArgValue('target', typeof target === 'number' ? target : '[socket]', `is not ${what}: family ${socket.family}, type ${socket.type}, protocol ${socket.protocol}`);
  if (isNode) fd = check(native.dup(fd), 'dup');
  try {
    check(native.setNonBlocking(fd, true), 'fcntl');
    check(native.setCloexec(fd), 'fcntl');
  } catch (e) {
    if (isNode) native.close(fd);
    throw e;
  }
  return {
    fd,
    kind,
    socket,
    netns: netns ?? (target instanceof Socket ? target.netns : undefined),
    commit() {
      if (target instanceof Socket) target.release();
      else if (target instanceof net.Socket) target.destroy();
      else if (target instanceof dgram.Socket) target.close();
    },
    abort() {
      if (isNode) native.close(fd);
    },
  };
}
