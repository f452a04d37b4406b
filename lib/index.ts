/**
 * sockit — full Linux socket control for Node.js.
 * @packageDocumentation
 */
export { native, constants } from './binding';
export type { NativeBinding, NativeAddress } from './binding';
export type { ControlRecordLayout, MetaRecordLayout, RecordLayouts, SockaddrLayouts, SockaddrInLayout, SockaddrIn6Layout, SockaddrLlLayout } from './binding/io';
export * from './core/errors';
export * from './core/address';
export * from './sockets/socket';
export * from './options';
export * from './system/netns';
export * from './system/interfaces';
export * from './formats/frames';
export * from './formats/pcap';
export { EngineSocket, RecordBatch } from './sockets/engine';
export type { EngineStats, EngineIterator, Coalesce } from './sockets/engine';
export * from './sockets/udp';
export * as multicast from './sockets/multicast';
export * as bpf from './formats/bpf';
export type { BpfProgram, BpfInstruction } from './formats/bpf';
export * from './sockets/packet';
