/**
 * Opening a packet socket: option keys, the ring geometry, filters,
 * interface lookup through the socket, buffer sizes, the capability hint.
 * @module
 */
import { constants, native } from '../../binding';
import type { NativePacketInterface } from '../../binding/packet';
import type { InterfaceRef } from '../../core/address';
import { SocketError, capabilityHint, invalidArgType, outOfRange, validateInteger } from '../../core/errors';
import { rejectUnknownKeys } from '../../core/validate';
import { setOption } from '../../options';
import { BpfProgram, insn, BPF } from '../../formats/bpf/program';
import type { PacketRingOptions } from './types';

const io = native.ioConstants;

/** A constant of this system by its C name; missing ones are a build error, said plainly. */
export const C = (name: string): number => {
  const v = constants[name];
  if (v === undefined) throw new Error(`sockit: constant ${name} missing from the native build`);
  return v;
};

/** Ring defaults (see {@link PacketRingOptions}). */
export const RING_DEFAULTS = { blockSize: 1 << 20, blockCount: 16, frameSize: 2048, blockTimeoutMs: 4 } as const;

/** Keys of PacketSocket.open's options. */
export const OPEN_KEYS = ['interface', 'protocol', 'mode', 'promiscuous', 'allMulticast', 'filter', 'fanout', 'ignoreOutgoing', 'receiveBufferSize', 'sendBufferSize', 'netns', 'pad', 'reinsertVlan', 'batchSize', 'maxFrameSize', 'ring', 'highWaterMark', 'sendQueueLimit', 'coalesce', 'borrow'] as const;

/** Keys of PacketSocket.adopt's options. */
export const ADOPT_KEYS = ['netns', 'pad', 'reinsertVlan', 'batchSize', 'maxFrameSize', 'highWaterMark', 'sendQueueLimit', 'coalesce'] as const;

/** A program that drops every frame (the first step of a filter swap). */
export const DROP_ALL: BpfProgram = [insn(BPF.RET | BPF.K, 0)];

/** Validate `options.ring` and fill in the defaults; undefined when off. */
export function ringGeometry(r: boolean | PacketRingOptions | undefined): Required<PacketRingOptions> | undefined {
  if (r === undefined || r === false) return undefined;
  if (r === true) return { ...RING_DEFAULTS };
  if (r === null || typeof r !== 'object') throw invalidArgType('options.ring', 'a boolean or an object { blockSize?, blockCount?, frameSize?, blockTimeoutMs? }', r);
  rejectUnknownKeys(r, ['blockSize', 'blockCount', 'frameSize', 'blockTimeoutMs'], 'options.ring');
  const page = io.PAGE_SIZE;
  const minFrame = io.RING_MIN_FRAME;
  const g = {
    blockSize: r.blockSize === undefined ? RING_DEFAULTS.blockSize : validateInteger(r.blockSize, 'options.ring.blockSize', page, 2 ** 30),
    blockCount: r.blockCount === undefined ? RING_DEFAULTS.blockCount : validateInteger(r.blockCount, 'options.ring.blockCount', 1, 65536),
    frameSize: r.frameSize === undefined ? RING_DEFAULTS.frameSize : validateInteger(r.frameSize, 'options.ring.frameSize', minFrame, 2 ** 30),
    blockTimeoutMs: r.blockTimeoutMs === undefined ? RING_DEFAULTS.blockTimeoutMs : validateInteger(r.blockTimeoutMs, 'options.ring.blockTimeoutMs', 0, 60000),
  };
  if (g.blockSize % page !== 0) throw outOfRange('options.ring.blockSize', `a multiple of the page size (${page})`, g.blockSize);
  if (g.frameSize % 16 !== 0) throw outOfRange('options.ring.frameSize', 'a multiple of 16 (TPACKET_ALIGNMENT)', g.frameSize);
  if (g.frameSize > g.blockSize) throw outOfRange('options.ring.frameSize', `<= blockSize (${g.blockSize})`, g.frameSize);
  if (g.blockSize * g.blockCount > 2 ** 30) throw outOfRange('options.ring.blockCount', `such that blockSize × blockCount <= 1 GiB (at most ${Math.floor(2 ** 30 / g.blockSize)} blocks of ${g.blockSize} bytes)`, g.blockCount);
  return g;
}

export function lookupInterface(fd: number, ref: InterfaceRef): NativePacketInterface {
  if (typeof ref === 'number') validateInteger(ref, 'interface', 1, 0x7fffffff);
  else if (typeof ref !== 'string' || ref.length === 0) throw invalidArgType('interface', 'an interface name or index', ref);
  const r = native.packetInterface(fd, ref);
  if (typeof r === 'number') {
    throw new SocketError(-r, 'ioctl', { interface: String(ref), hint: `no interface ${typeof ref === 'number' ? `with index ${ref}` : `named "${ref}"`} in the socket's network namespace` });
  }
  return r;
}

export function setBuffer(fd: number, opt: 'SO_RCVBUF' | 'SO_SNDBUF', size: number): void {
  // FORCE bypasses net.core.[rw]mem_max with CAP_NET_ADMIN; otherwise fall back to the capped option.
  try {
    setOption(fd, opt === 'SO_RCVBUF' ? 'SO_RCVBUFFORCE' : 'SO_SNDBUFFORCE', size);
  } catch {
    setOption(fd, opt, size);
  }
}

export function withRawHint(e: unknown): unknown {
  if (e instanceof SocketError && (e.code === 'EPERM' || e.code === 'EACCES') && !e.hint) {
    return new SocketError(-e.errno, e.syscall, { hint: `raw packet sockets ${capabilityHint('CAP_NET_RAW')}` });
  }
  return e;
}
