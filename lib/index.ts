/**
 * sockit — full Linux socket control for Node.js.
 * @packageDocumentation
 */
export { native, constants } from './binding';
export type { NativeBinding, NativeAddress } from './binding';
export * from './errors';
export * from './address';
export * from './socket';
export * from './options';
export * from './netns';
export * from './interfaces';
export * from './frames/index';
export * from './pcap';
export * from './udp';
export * as multicast from './multicast';
export * as bpf from './bpf/index';
export type { BpfProgram, BpfInstruction } from './bpf/index';
export * from './packet';
