/**
 * sockit — full Linux socket control for Node.js.
 * @packageDocumentation
 */
import { constants as constantsByName } from './binding';
import type { Constants } from './binding/constant-names';

export type { Constants, ConstantName } from './binding/constant-names';
export type { NativeAddress } from './binding';
/** Numeric constants of this system by their C names (AF_INET, SO_REUSEPORT, ETH_P_ALL, ...). */
export const constants: Readonly<Constants> = constantsByName as unknown as Constants;
// The errors users catch; the validation helpers in core/errors stay internal.
export { errnoName, capabilityHint, errorHint, SocketError, SockitTypeError, SockitRangeError, SockitStateError } from './core/errors';
export type { Capability, SocketErrorContext } from './core/errors';
export type { ControlRecordLayout, MetaRecordLayout, RecordLayouts, SockaddrLayouts, SockaddrInLayout, SockaddrIn6Layout, SockaddrLlLayout, SockaddrUnLayout } from './binding/io';
export * from './core/address';
export * from './sockets/socket';
export * from './options';
export * from './system/netns';
export * from './system/interfaces';
export * from './formats/frames';
export * from './formats/pcap';
export { EngineSocket, RecordBatch } from './sockets/engine';
export type { EngineStats, EngineIterator, Coalesce } from './sockets/engine';
export { IpDatagramSocket } from './sockets/ipdgram';
export * from './sockets/udp';
export * as multicast from './sockets/multicast';
export * as bpf from './formats/bpf';
export type { BpfProgram, BpfInstruction } from './formats/bpf';
export * from './sockets/packet';
export * from './sockets/ip';
export type { TransportError, TransportErrorOrigin } from './sockets/errqueue';
export { Ping, ping, describeIcmpError } from './tools/ping';
export type { PingOptions, PingEvent, PingReply, PingError, PingSendError, PingSummary } from './tools/ping';
export { Traceroute, traceroute } from './tools/traceroute';
export { ToolRun } from './tools/queue';
export type { TracerouteOptions, TracerouteHop, TracerouteProbe } from './tools/traceroute';
export * from './sockets/unix';
export * from './sockets/unix/notify';
export * from './sockets/unix/server';
