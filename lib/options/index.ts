/**
 * Socket options by name, with real types: `setOption(target, 'IP_TTL', 64)`,
 * `getOption(target, 'SO_RCVBUF')`, plus the raw escape hatch
 * `setOption(target, level, optname, number | Buffer)` /
 * `getOption(target, level, optname, length)`.
 *
 * Everything here is driven by the one table in lib/options/table.ts; the
 * numbers come from the system headers (native), names, defaults and
 * validation live here, and the native layer packs the C structures and makes
 * exactly one setsockopt/getsockopt per call.
 * @module
 */
import * as net from 'node:net';
import * as os from 'node:os';
import { constants, native } from '../binding';
import type { NativeOptionRow } from '../binding/options';
import { InterfaceRef, parseMac } from '../core/address';
import { resolveInterfaceIndex } from '../system/interfaces';
import {
  SocketError,
  SockitTypeError,
  invalidArgType,
  invalidArgValue,
  outOfRange,
  unknownOption,
  validateBoolean,
  validateBytes,
  validateInteger,
  validateString,
} from '../core/errors';
import {
  CapabilityName,
  CodecName,
  FamilyName,
  LevelName,
  OptionName,
  TypeName,
  ValueKind,
  optionTable,
} from './table';
import { OptionTarget, ResolvedTarget, resolveTarget } from '../core/target';
import { rejectUnknownKeys } from '../core/validate';
import { decodeBpf, packInstructions } from '../formats/bpf/program';

export type { OptionName, LevelName, CodecName, ValueKind, FamilyName, TypeName, CapabilityName, OptionRow } from './table';
export { optionTable } from './table';
export type { OptionTarget } from '../core/target';
export { resolveTarget } from '../core/target';

// ---- value types -------------------------------------------------------------

/** A timeout as the kernel stores it (struct timeval). */
export interface Timeval {
  /** Whole seconds (tv_sec). */
  seconds: number;
  /** 0..999999 */
  microseconds: number;
}
/** SO_LINGER. */
export interface Linger {
  /** l_onoff: whether close() lingers to flush unsent data. */
  enabled: boolean;
  /** Seconds close() may block. */
  seconds: number;
}
/** Join/leave an any-source multicast group. `interface`: name, index or (IPv4) address; omitted = kernel's choice. */
export interface MembershipRequest {
  /** Multicast group address (IPv4 or IPv6, matching the option). */
  group: string;
  /** Interface name, index or (IPv4) address; omitted = the kernel chooses by route. */
  interface?: InterfaceRef;
}
/** Source-specific membership / source blocking. */
export interface SourceMembershipRequest {
  /** Multicast group address. */
  group: string;
  /** Unicast source address to join, block or unblock. */
  source: string;
  /** Interface name, index or (IPv4) address; omitted = the kernel chooses by route. */
  interface?: InterfaceRef;
}
/** One classic BPF instruction (struct sock_filter). */
export interface BpfInstruction {
  /** Opcode: class, size, mode and operation bits (BPF_LD \| BPF_W \| BPF_ABS, ...), 16 bits. */
  code: number;
  /** Jump offset when the condition is true (instructions to skip), 0..255. */
  jt: number;
  /** Jump offset when the condition is false, 0..255. */
  jf: number;
  /** Generic 32-bit operand (constant, offset or return value). */
  k: number;
}
/** PACKET_ADD_MEMBERSHIP types (PACKET_MR_*). */
export type PacketMembershipType = 'multicast' | 'promisc' | 'allmulti' | 'unicast';
/** PACKET_ADD_MEMBERSHIP / PACKET_DROP_MEMBERSHIP. */
export interface PacketMembership {
  /** Interface name or index (packet_mreq.mr_ifindex). */
  interface: InterfaceRef;
  /** Membership type (mr_type). */
  type: PacketMembershipType;
  /** MAC address for 'multicast' / 'unicast'. */
  address?: string | Uint8Array;
}
/** PACKET_STATISTICS (reading resets the counters). */
export interface PacketStatistics {
  /** Frames received (tp_packets), since the last read. */
  packets: number;
  /** Frames dropped (tp_drops), since the last read. */
  drops: number;
  /** TPACKET_V3 sockets only. */
  freezeQueueCount?: number;
}
/** PACKET_RX_RING / PACKET_TX_RING. Giving any TPACKET_V3 field sends a tpacket_req3. */
export interface RingRequest {
  /** Bytes per block (tp_block_size); a multiple of the page size. */
  blockSize: number;
  /** Number of blocks (tp_block_nr). */
  blockCount: number;
  /** Bytes per frame (tp_frame_size); a multiple of TPACKET_ALIGNMENT (16). */
  frameSize: number;
  /** Total frames (tp_frame_nr); must equal frames per block × blockCount. */
  frameCount: number;
  /** TPACKET_V3: block retire timeout in ms. */
  retireBlockTimeout?: number;
  /** TPACKET_V3: private area per block. */
  sizeofPriv?: number;
  /** TPACKET_V3: TP_FT_REQ_FILL_RXHASH, ... */
  featureRequestWord?: number;
}
/** PACKET_FANOUT modes (PACKET_FANOUT_*). */
export type FanoutMode = 'hash' | 'lb' | 'cpu' | 'rollover' | 'rnd' | 'qm' | 'cbpf' | 'ebpf';
/** PACKET_FANOUT flags (PACKET_FANOUT_FLAG_*). */
export type FanoutFlag = 'rollover' | 'uniqueid' | 'ignoreOutgoing' | 'defrag';
/** PACKET_FANOUT group. */
export interface Fanout {
  /** Group id, 0..65535. */
  id: number;
  /** How frames are spread over the group's sockets (PACKET_FANOUT_*). */
  mode: FanoutMode;
  /** PACKET_FANOUT_FLAG_* bits to OR into the mode. */
  flags?: FanoutFlag[];
}
/** SO_PEERCRED. */
export interface Credentials {
  /** Peer process id at connect/socketpair time (ucred.pid). */
  pid: number;
  /** Peer effective user id (ucred.uid). */
  uid: number;
  /** Peer effective group id (ucred.gid). */
  gid: number;
}
/** SO_MEMINFO: the socket's memory counters (u32[SK_MEMINFO_VARS], read live, never reset). */
export interface SocketMemInfo {
  /** Bytes in the receive queue (SK_MEMINFO_RMEM_ALLOC). */
  rmemAlloc: number;
  /** Receive buffer limit (SK_MEMINFO_RCVBUF). */
  rcvbuf: number;
  /** Bytes of sent data not yet freed (SK_MEMINFO_WMEM_ALLOC). */
  wmemAlloc: number;
  /** Send buffer limit (SK_MEMINFO_SNDBUF). */
  sndbuf: number;
  /** Forward-allocated bytes (SK_MEMINFO_FWD_ALLOC). */
  fwdAlloc: number;
  /** Bytes queued for sending (SK_MEMINFO_WMEM_QUEUED). */
  wmemQueued: number;
  /** Option memory (SK_MEMINFO_OPTMEM). */
  optmem: number;
  /** Bytes in the backlog queue (SK_MEMINFO_BACKLOG). */
  backlog: number;
  /** Packets the socket dropped so far, cumulative (SK_MEMINFO_DROPS; 0 on kernels that do not report it). */
  drops: number;
}
/** IP_LOCAL_PORT_RANGE. */
export interface PortRange {
  /** Lowest local port (lower 16 bits of the u32); 0 = use net.ipv4.ip_local_port_range. */
  low: number;
  /** Highest local port (upper 16 bits of the u32); 0 = use net.ipv4.ip_local_port_range. */
  high: number;
}

/** What each value kind takes on set. */
export interface SetValueTypes {
  /** On/off flags (int 0/1). */
  boolean: boolean;
  /** Plain C int. */
  int: number;
  /** Unsigned 32-bit value (SO_MARK, ...). */
  uint: number;
  /** Buffer size in bytes (SO_SNDBUF, SO_RCVBUF, ...); the kernel doubles it. */
  bufsize: number;
  /** 64-bit value (SO_MAX_PACING_RATE, ...); a number must be a safe integer. */
  u64: bigint | number;
  /** struct timeval, or milliseconds as a number (SO_RCVTIMEO, SO_SNDTIMEO). */
  timeout: number | Timeval;
  /** struct linger (SO_LINGER). */
  linger: Linger;
  /** Text such as an interface or congestion-control name (SO_BINDTODEVICE, TCP_CONGESTION). */
  string: string;
  /** Raw bytes (IP_OPTIONS, ...). */
  bytes: Uint8Array;
  /** Interface name or index, sent as an int ifindex (SO_BINDTOIFINDEX, IPV6_MULTICAST_IF). */
  interface: InterfaceRef;
  /** Interface name or index, sent as an ifindex in network byte order (IP_UNICAST_IF). */
  interfaceBE: InterfaceRef;
  /** IPv4 multicast output interface: address, name or index (IP_MULTICAST_IF). */
  multicastIf4: InterfaceRef;
  /** IPv4 group membership (struct ip_mreqn: IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP). */
  membership4: MembershipRequest;
  /** IPv4 source-specific membership (struct ip_mreq_source: IP_ADD_SOURCE_MEMBERSHIP, IP_BLOCK_SOURCE, ...). */
  sourceMembership4: SourceMembershipRequest;
  /** Protocol-independent group membership (struct group_req: MCAST_JOIN_GROUP, ...). */
  groupReq: MembershipRequest;
  /** Protocol-independent source membership (struct group_source_req: MCAST_JOIN_SOURCE_GROUP, ...). */
  groupSourceReq: SourceMembershipRequest;
  /** IPv6 group membership (struct ipv6_mreq: IPV6_JOIN_GROUP, ...). */
  membership6: MembershipRequest;
  /** One of the row's value names, or the raw number. */
  enum: string | number;
  /** Classic BPF program (struct sock_fprog: SO_ATTACH_FILTER, PACKET_FANOUT_DATA). */
  filter: readonly BpfInstruction[];
  /** Set-only trigger: pass `true` (SO_DETACH_FILTER, ...). */
  detach: true;
  /** A BPF program file descriptor (SO_ATTACH_BPF, ...). */
  fd: number;
  /** struct packet_mreq (PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP). */
  packetMembership: PacketMembership;
  /** Read-only (PACKET_STATISTICS): cannot be set. */
  packetStats: never;
  /** struct tpacket_req / tpacket_req3 (PACKET_RX_RING, PACKET_TX_RING). */
  ring: RingRequest;
  /** Fanout group, or the raw packed int (PACKET_FANOUT). */
  fanout: Fanout | number;
  /** Read-only (SO_PEERCRED): cannot be set. */
  ucred: never;
  /** Read-only (SO_MEMINFO): cannot be set. */
  memInfo: never;
  /** Local port range (IP_LOCAL_PORT_RANGE). */
  portRange: PortRange;
}
/** What each value kind reads back as. */
export interface GetValueTypes {
  /** On/off flags. */
  boolean: boolean;
  /** Plain C int. */
  int: number;
  /** Unsigned 32-bit value. */
  uint: number;
  /** Buffer size in bytes as the kernel reports it (twice the value set). */
  bufsize: number;
  /** 64-bit value (SO_COOKIE, ...). */
  u64: bigint;
  /** struct timeval. */
  timeout: Timeval;
  /** struct linger. */
  linger: Linger;
  /** Text (interface or algorithm name). */
  string: string;
  /** Raw bytes as returned (TCP_INFO, IP_OPTIONS, ...). */
  bytes: Buffer;
  /** Interface index (0 = none). */
  interface: number;
  /** Interface index, converted from network byte order (0 = none). */
  interfaceBE: number;
  /** IPv4 address of the multicast output interface. */
  multicastIf4: string;
  /** Write-only. */
  membership4: never;
  /** Write-only. */
  sourceMembership4: never;
  /** Write-only. */
  groupReq: never;
  /** Write-only. */
  groupSourceReq: never;
  /** Write-only. */
  membership6: never;
  /** The value's name when known, else the raw number. */
  enum: string | number;
  /** The attached classic BPF program (SO_GET_FILTER). */
  filter: BpfInstruction[];
  /** Write-only. */
  detach: never;
  /** Write-only. */
  fd: never;
  /** Write-only. */
  packetMembership: never;
  /** Counters since the last read (reading resets them). */
  packetStats: PacketStatistics;
  /** Write-only. */
  ring: never;
  /** The socket's fanout group (PACKET_FANOUT). */
  fanout: Fanout;
  /** Peer credentials (SO_PEERCRED). */
  ucred: Credentials;
  /** Live memory counters (SO_MEMINFO). */
  memInfo: SocketMemInfo;
  /** Local port range (IP_LOCAL_PORT_RANGE). */
  portRange: PortRange;
}

type Table = typeof optionTable;
type RowOf<N extends OptionName> = Table[N];
type EnumNames<N extends OptionName> = RowOf<N> extends { values: infer V } ? Extract<keyof V, string> : never;

/** Options that can be set. */
export type WritableOptionName = { [N in OptionName]: RowOf<N>['set'] extends true ? N : never }[OptionName];
/** Options that can be read. */
export type ReadableOptionName = { [N in OptionName]: RowOf<N>['get'] extends true ? N : never }[OptionName];
/** The value type `setOption(target, N, value)` takes. */
export type OptionSetValue<N extends OptionName> = RowOf<N>['kind'] extends 'enum'
  ? EnumNames<N> | number
  : SetValueTypes[RowOf<N>['kind']];
/** The value type `getOption(target, N)` returns. */
export type OptionGetValue<N extends OptionName> = RowOf<N>['kind'] extends 'enum'
  ? EnumNames<N> | number
  : GetValueTypes[RowOf<N>['kind']];

// ---- the table as data -------------------------------------------------------

/** One option, as data: the table row plus this system's numbers. */
export interface OptionInfo {
  /** C name of the option, e.g. `SO_REUSEADDR`. */
  readonly name: OptionName;
  /** Level constant name. */
  readonly levelName: LevelName;
  /** Level number (-1 when unsupported). */
  readonly level: number;
  /** For MCAST_*: the level used with an IPv6 group. */
  readonly level6Name?: LevelName;
  /** Option number from the system headers (-1 when unsupported). */
  readonly optname: number;
  /** Native packing used (C type: int, timeval, ip_mreqn, ...). */
  readonly codec: CodecName;
  /** How the value looks in JavaScript (key of {@link SetValueTypes} / {@link GetValueTypes}). */
  readonly kind: ValueKind;
  /** Whether getOption can read it. */
  readonly readable: boolean;
  /** Whether setOption can set it. */
  readonly writable: boolean;
  /** Socket families the option applies to. */
  readonly families: readonly FamilyName[];
  /** Socket types (all when absent). */
  readonly types?: readonly TypeName[];
  /** Capability the kernel requires to set it. */
  readonly capability?: CapabilityName;
  /** Lowest accepted value (integer kinds). */
  readonly min?: number;
  /** Highest accepted value (integer kinds). */
  readonly max?: number;
  /** Longest accepted value in bytes (string and bytes kinds). */
  readonly maxLength?: number;
  /** Enum kinds: value names. */
  readonly values?: readonly string[];
  /** 'doubled' when the kernel reports twice the value set (SO_SNDBUF, SO_RCVBUF). */
  readonly readback?: 'doubled';
  /** One-line description. */
  readonly doc: string;
  /** Usage note ("set before bind", privilege details, ...). */
  readonly note?: string;
  /** Whether this build knows the option's number (the system headers define it). */
  readonly supported: boolean;
}

const nativeRows = new Map<string, NativeOptionRow>(native.optionTable.map((r) => [r.name, r]));

function buildInfo(name: OptionName): OptionInfo {
  const row = optionTable[name] as Table[OptionName] & Record<string, unknown>;
  const n = nativeRows.get(name);
  const info: Record<string, unknown> = {
    name,
    levelName: row.level,
    level: n?.supported ? n.level : -1,
    optname: n?.supported ? n.optname : -1,
    codec: row.codec,
    kind: row.kind,
    readable: row.get,
    writable: row.set,
    families: row.families,
    doc: row.doc,
    supported: n?.supported === true,
  };
  for (const k of ['types', 'capability', 'min', 'max', 'maxLength', 'readback', 'note'] as const) {
    if (row[k] !== undefined) info[k] = row[k];
  }
  if (row.level6 !== undefined) info.level6Name = row.level6;
  if (row.values !== undefined) info.values = Object.freeze(Object.keys(row.values as object));
  return Object.freeze(info) as unknown as OptionInfo;
}

/**
 * Every option sockit knows, by name: level, optname (this system's number),
 * codec, value kind, readable/writable, families, types, capability, doc, and
 * `supported` (false when the system headers lacked the constant at build time).
 */
export const options: Readonly<Record<OptionName, OptionInfo>> = Object.freeze(
  Object.fromEntries((Object.keys(optionTable) as OptionName[]).map((n) => [n, buildInfo(n)])) as Record<OptionName, OptionInfo>,
);

/** Row for an option name; TypeError ERR_SOCKIT_UNKNOWN_OPTION otherwise. */
export function optionInfo(name: string): OptionInfo {
  if (typeof name !== 'string') throw invalidArgType('name', 'an option name string or a level number', name);
  if (!Object.prototype.hasOwnProperty.call(options, name)) throw unknownOption(name);
  return options[name as OptionName];
}

// ---- helpers -----------------------------------------------------------------

const ERRNO = os.constants.errno;
const LE = os.endianness() === 'LE';
const I32_MIN = -0x80000000;
const I32_MAX = 0x7fffffff;
const U32_MAX = 0xffffffff;

function c(name: string): number {
  const v = constants[name];
  if (v === undefined) throw new SockitTypeError('ERR_SOCKIT_UNSUPPORTED', `constant ${name} is not defined on this system`);
  return v;
}

function codecId(codec: CodecName): number {
  const id = native.optionCodecs[codec];
  if (id === undefined) throw new Error(`native codec ${codec} missing (rebuild the addon)`);
  return id;
}

const FAMILY_BY_NUMBER = (): Map<number, FamilyName> =>
  new Map<number, FamilyName>([
    [constants.AF_INET as number, 'ipv4'],
    [constants.AF_INET6 as number, 'ipv6'],
    [constants.AF_PACKET as number, 'packet'],
    [constants.AF_UNIX as number, 'unix'],
  ]);
const TYPE_BY_NUMBER = (): Map<number, TypeName> =>
  new Map<number, TypeName>([
    [constants.SOCK_DGRAM as number, 'dgram'],
    [constants.SOCK_STREAM as number, 'stream'],
    [constants.SOCK_RAW as number, 'raw'],
    [constants.SOCK_SEQPACKET as number, 'seqpacket'],
  ]);
let familyByNumber: Map<number, FamilyName> | undefined;
let typeByNumber: Map<number, TypeName> | undefined;

/**
 * Reject an option that cannot apply to this socket, when its family/type are
 * known for free. Only protocol levels are checked (the kernel would answer
 * ENOPROTOOPT there); SOL_SOCKET options are accepted by every socket, so
 * their families/types are documentation.
 */
function checkApplies(info: OptionInfo, t: ResolvedTarget): void {
  familyByNumber ??= FAMILY_BY_NUMBER();
  typeByNumber ??= TYPE_BY_NUMBER();
  if (info.levelName === 'SOL_SOCKET') return;
  if (t.family !== undefined) {
    const fam = familyByNumber.get(t.family);
    if (fam && !info.families.includes(fam)) {
      throw new SockitTypeError(
        'ERR_SOCKIT_OPTION_NOT_APPLICABLE',
        `${info.name} applies to ${info.families.join('/')} sockets; this is an ${fam} socket`,
      );
    }
  }
  if (t.type !== undefined && info.types && (info.levelName === 'IPPROTO_TCP' || info.levelName === 'IPPROTO_UDP')) {
    const ty = typeByNumber.get(t.type);
    if (ty && !info.types.includes(ty)) {
      throw new SockitTypeError(
        'ERR_SOCKIT_OPTION_NOT_APPLICABLE',
        `${info.name} applies to ${info.types.join('/')} sockets; this is a ${ty} socket`,
      );
    }
  }
}

function optionError(errno: number, syscall: string, info: OptionInfo | undefined, name: string, t: ResolvedTarget): SocketError {
  const ctx: { option: string; capability?: CapabilityName; hint?: string } = { option: name };
  if (info?.capability) ctx.capability = info.capability;
  if (errno === ERRNO.ENOPROTOOPT) {
    ctx.hint = info
      ? `the running kernel does not support ${name} on this socket (it applies to ${info.families.join('/')}${
          info.types ? ` ${info.types.join('/')}` : ''
        } sockets at level ${info.levelName})`
      : 'the running kernel does not know this level/option on this socket';
  } else if (errno === ERRNO.EBADF) {
    ctx.hint = `${t.what} is not an open descriptor`;
  } else if (errno === ERRNO.ENOTSOCK) {
    ctx.hint = `${t.what} is not a socket`;
  } else if (errno === ERRNO.EBADMSG) {
    ctx.hint = `the kernel answered ${name} with an unexpected length`;
  } else if ((errno === ERRNO.EPERM || errno === ERRNO.EACCES) && !info?.capability) {
    ctx.hint = 'the kernel refused this value for this process';
  }
  return new SocketError(errno, syscall, ctx);
}

function unsupported(info: OptionInfo, syscall: string): SocketError {
  return new SocketError(ERRNO.ENOPROTOOPT, syscall, {
    option: info.name,
    hint: `${info.name} is not supported by this build: the system headers sockit was compiled against do not define it`,
  });
}

function validateIp(value: unknown, name: string, family?: 4 | 6): string {
  if (typeof value !== 'string') throw invalidArgType(name, 'an IP address string', value);
  const v = net.isIP(value);
  if (v === 0 || (family !== undefined && v !== family)) {
    throw invalidArgValue(name, value, family ? `must be an IPv${family} address` : 'must be an IP address');
  }
  return value;
}

/** `value` as a record; with `keys`, any other key is rejected (ERR_INVALID_ARG_VALUE naming the closest). */
function validateObject(value: unknown, name: string, keys?: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidArgType(name, 'of type object', value);
  if (keys) rejectUnknownKeys(value, keys, name);
  return value as Record<string, unknown>;
}

function ifindexOf(ref: unknown, name: string): number {
  if (ref === undefined || ref === null || ref === 0) return 0;
  return resolveInterfaceIndex(ref as InterfaceRef, name);
}

function swap32(x: number): number {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(x >>> 0, 0);
  return LE ? b.readInt32LE(0) : b.readInt32BE(0);
}

function unswap32(x: number): number {
  const b = Buffer.alloc(4);
  if (LE) b.writeInt32LE(x | 0, 0);
  else b.writeInt32BE(x | 0, 0);
  return b.readUInt32BE(0);
}

const MR_TYPES: Record<PacketMembershipType, string> = {
  multicast: 'PACKET_MR_MULTICAST',
  promisc: 'PACKET_MR_PROMISC',
  allmulti: 'PACKET_MR_ALLMULTI',
  unicast: 'PACKET_MR_UNICAST',
};
const FANOUT_MODES: Record<FanoutMode, string> = {
  hash: 'PACKET_FANOUT_HASH',
  lb: 'PACKET_FANOUT_LB',
  cpu: 'PACKET_FANOUT_CPU',
  rollover: 'PACKET_FANOUT_ROLLOVER',
  rnd: 'PACKET_FANOUT_RND',
  qm: 'PACKET_FANOUT_QM',
  cbpf: 'PACKET_FANOUT_CBPF',
  ebpf: 'PACKET_FANOUT_EBPF',
};
const FANOUT_FLAGS: Record<FanoutFlag, string> = {
  rollover: 'PACKET_FANOUT_FLAG_ROLLOVER',
  uniqueid: 'PACKET_FANOUT_FLAG_UNIQUEID',
  ignoreOutgoing: 'PACKET_FANOUT_FLAG_IGNORE_OUTGOING',
  defrag: 'PACKET_FANOUT_FLAG_DEFRAG',
};

/** Check the shape of classic BPF instructions and pack them as struct sock_filter[] (the one codec: formats/bpf). */
export function packBpf(program: readonly BpfInstruction[], name = 'value'): Buffer {
  if (!Array.isArray(program)) throw invalidArgType(name, 'an array of { code, jt, jf, k } instructions', program);
  if (program.length === 0 || program.length > 4096) throw outOfRange(`${name}.length`, '>= 1 && <= 4096 (BPF_MAXINSNS)', program.length);
  return packInstructions(
    program.map((ins, i) => {
      const o = validateObject(ins, `${name}[${i}]`);
      return {
        code: validateInteger(o.code, `${name}[${i}].code`, 0, 0xffff),
        jt: validateInteger(o.jt, `${name}[${i}].jt`, 0, 0xff),
        jf: validateInteger(o.jf, `${name}[${i}].jf`, 0, 0xff),
        k: validateInteger(o.k, `${name}[${i}].k`, I32_MIN, U32_MAX) >>> 0,
      };
    }),
  );
}

/** Unpack struct sock_filter[] bytes. */
export function unpackBpf(bytes: Uint8Array): BpfInstruction[] {
  return [...decodeBpf(bytes.subarray(0, bytes.length - (bytes.length % 8)))];
}

interface Encoded {
  codec: CodecName;
  value: unknown;
  level: number;
}

function intIn(info: OptionInfo, value: unknown, lo = I32_MIN, hi = I32_MAX): number {
  return validateInteger(value, 'value', info.min ?? lo, info.max ?? hi);
}

/** Convert a typed value into the codec-level form native packs. */
function encodeValue(info: OptionInfo, value: unknown, t: ResolvedTarget): Encoded {
  const level = info.level;
  const out = (codec: CodecName, v: unknown, lvl = level): Encoded => ({ codec, value: v, level: lvl });
  switch (info.kind) {
    case 'boolean':
      return out('bool', validateBoolean(value, 'value'));
    case 'int':
    case 'bufsize':
      return out(info.codec, intIn(info, value));
    case 'uint':
      return out(info.codec, validateInteger(value, 'value', 0, U32_MAX));
    case 'fd':
      return out('int', validateInteger(value, 'value', 0, I32_MAX));
    case 'u64': {
      if (typeof value === 'bigint') {
        if (value < 0n || value > 0xffffffffffffffffn) throw outOfRange('value', '>= 0n && <= 2n ** 64n - 1n', value);
        return out('u64', value);
      }
      return out('u64', validateInteger(value, 'value', 0, Number.MAX_SAFE_INTEGER));
    }
    case 'timeout': {
      if (typeof value === 'number') {
        const ms = validateInteger(value, 'value', 0, Number.MAX_SAFE_INTEGER);
        return out('timeval', { sec: Math.floor(ms / 1000), usec: (ms % 1000) * 1000 });
      }
      const o = validateObject(value, 'value', ['seconds', 'microseconds']);
      return out('timeval', {
        sec: validateInteger(o.seconds, 'value.seconds', 0, Number.MAX_SAFE_INTEGER),
        usec: validateInteger(o.microseconds ?? 0, 'value.microseconds', 0, 999999),
      });
    }
    case 'linger': {
      const o = validateObject(value, 'value', ['enabled', 'seconds']);
      return out('linger', {
        onoff: validateBoolean(o.enabled, 'value.enabled') ? 1 : 0,
        linger: validateInteger(o.seconds ?? 0, 'value.seconds', 0, I32_MAX),
      });
    }
    case 'string': {
      const s = validateString(value, 'value');
      if (s.includes('\0')) throw invalidArgValue('value', s, 'must not contain NUL characters');
      const max = info.maxLength ?? 255;
      if (Buffer.byteLength(s) > max) throw outOfRange('value.length', `<= ${max} bytes`, Buffer.byteLength(s));
      return out('string', s);
    }
    case 'bytes': {
      const b = validateBytes(value, 'value');
      const max = info.maxLength ?? 65536;
      if (b.byteLength > max) throw outOfRange('value.length', `<= ${max} bytes`, b.byteLength);
      return out('bytes', b);
    }
    case 'interface':
      return out('int', ifindexOf(value, 'value'));
    case 'interfaceBE':
      return out('int', swap32(ifindexOf(value, 'value')));
    case 'multicastIf4': {
      if (typeof value === 'string' && net.isIPv4(value)) return out('in_addr', value);
      if (value === 0) return out('in_addr', '0.0.0.0');
      return out('ip_mreqn', { ifindex: resolveInterfaceIndex(value as InterfaceRef, 'value') });
    }
    case 'membership4': {
      const o = validateObject(value, 'value', ['group', 'interface']);
      const group = validateIp(o.group, 'value.group', 4);
      const iface = o.interface;
      if (typeof iface === 'string' && net.isIPv4(iface)) return out('ip_mreq', { group, interface: iface });
      return out('ip_mreqn', { group, ifindex: ifindexOf(iface, 'value.interface') });
    }
    case 'sourceMembership4': {
      const o = validateObject(value, 'value', ['group', 'source', 'interface']);
      const group = validateIp(o.group, 'value.group', 4);
      const source = validateIp(o.source, 'value.source', 4);
      const iface = o.interface;
      if (iface !== undefined && !(typeof iface === 'string' && net.isIPv4(iface))) {
        throw invalidArgValue(
          'value.interface',
          iface,
          `must be an IPv4 address of the interface for ${info.name} (ip_mreq_source); use MCAST_${info.name.replace(/^IP_|_SOURCE|_MEMBERSHIP/g, '')} forms with an interface name or index`,
        );
      }
      return out('ip_mreq_source', { group, source, interface: iface });
    }
    case 'groupReq':
    case 'groupSourceReq': {
      const o = validateObject(value, 'value', info.kind === 'groupReq' ? ['group', 'interface'] : ['group', 'source', 'interface']);
      const group = validateIp(o.group, 'value.group');
      const v6 = net.isIPv6(group);
      if (v6 && t.family === constants.AF_INET) throw invalidArgValue('value.group', group, 'is an IPv6 group but the socket is IPv4');
      const lvl = v6 && info.level6Name ? (constants[info.level6Name] as number) : level;
      const ifindex = ifindexOf(o.interface, 'value.interface');
      if (info.kind === 'groupReq') return out('group_req', { ifindex, group }, lvl);
      const source = validateIp(o.source, 'value.source', v6 ? 6 : 4);
      return out('group_source_req', { ifindex, group, source }, lvl);
    }
    case 'membership6': {
      const o = validateObject(value, 'value', ['group', 'interface']);
      return out('ipv6_mreq', { group: validateIp(o.group, 'value.group', 6), ifindex: ifindexOf(o.interface, 'value.interface') });
    }
    case 'enum': {
      const row = optionTable[info.name] as { values?: Record<string, string> };
      if (typeof value === 'number') return out('int', validateInteger(value, 'value', I32_MIN, I32_MAX));
      if (typeof value !== 'string' || !row.values || !Object.prototype.hasOwnProperty.call(row.values, value)) {
        throw invalidArgValue('value', value, `must be one of ${Object.keys(row.values ?? {}).map((k) => `'${k}'`).join(', ')} or a number`);
      }
      return out('int', c(row.values[value] as string));
    }
    case 'filter':
      return out('sock_fprog', packBpf(value as readonly BpfInstruction[]));
    case 'detach':
      if (value !== true && value !== undefined) throw invalidArgValue('value', value, 'must be true (this option is a trigger)');
      return out('int', 0);
    case 'packetMembership': {
      const o = validateObject(value, 'value', ['type', 'interface', 'address']);
      const type = o.type as PacketMembershipType;
      if (typeof type !== 'string' || !(type in MR_TYPES)) {
        throw invalidArgValue('value.type', type, "must be 'multicast', 'promisc', 'allmulti' or 'unicast'");
      }
      const v: Record<string, unknown> = {
        ifindex: resolveInterfaceIndex(o.interface as InterfaceRef, 'value.interface'),
        type: c(MR_TYPES[type]),
      };
      if (o.address !== undefined) v.address = parseMac(o.address as string | Uint8Array, 'value.address');
      else if (type === 'multicast' || type === 'unicast') throw invalidArgValue('value.address', o.address, `is required for '${type}'`);
      return out('packet_mreq', v);
    }
    case 'ring': {
      const o = validateObject(value, 'value', ['blockSize', 'blockCount', 'frameSize', 'frameCount', 'retireBlockTimeout', 'sizeofPriv', 'featureRequestWord']);
      const u = (k: string, opt = false): number | undefined =>
        opt && o[k] === undefined ? undefined : validateInteger(o[k], `value.${k}`, 0, U32_MAX);
      const v: Record<string, unknown> = {
        blockSize: u('blockSize'),
        blockNr: u('blockCount'),
        frameSize: u('frameSize'),
        frameNr: u('frameCount'),
      };
      const r3 = { retireBlkTov: u('retireBlockTimeout', true), sizeofPriv: u('sizeofPriv', true), featureReqWord: u('featureRequestWord', true) };
      if (Object.values(r3).some((x) => x !== undefined)) return out('tpacket_req3', { ...v, ...r3 });
      return out('tpacket_req', v);
    }
    case 'fanout': {
      if (typeof value === 'number') return out('int', validateInteger(value, 'value', I32_MIN, U32_MAX) | 0);
      const o = validateObject(value, 'value', ['id', 'mode', 'flags']);
      const id = validateInteger(o.id, 'value.id', 0, 0xffff);
      const mode = o.mode as FanoutMode;
      if (typeof mode !== 'string' || !(mode in FANOUT_MODES)) {
        throw invalidArgValue('value.mode', mode, `must be one of ${Object.keys(FANOUT_MODES).map((k) => `'${k}'`).join(', ')}`);
      }
      let typeFlags = c(FANOUT_MODES[mode]);
      const flags = o.flags ?? [];
      if (!Array.isArray(flags)) throw invalidArgType('value.flags', 'an array of flag names', flags);
      for (const f of flags) {
        if (typeof f !== 'string' || !(f in FANOUT_FLAGS)) {
          throw invalidArgValue('value.flags', f, `must contain only ${Object.keys(FANOUT_FLAGS).map((k) => `'${k}'`).join(', ')}`);
        }
        typeFlags |= c(FANOUT_FLAGS[f as FanoutFlag]);
      }
      return out('int', (id | (typeFlags << 16)) | 0);
    }
    case 'portRange': {
      const o = validateObject(value, 'value', ['low', 'high']);
      const low = validateInteger(o.low, 'value.low', 0, 65535);
      const high = validateInteger(o.high, 'value.high', 0, 65535);
      return out('u32', (low | (high << 16)) >>> 0);
    }
    case 'packetStats':
    case 'ucred':
    case 'memInfo':
      break;
  }
  throw new SockitTypeError('ERR_SOCKIT_OPTION_READONLY', `${info.name} cannot be set`);
}

/** Convert a codec-level value read from the kernel into the option's type. */
function decodeValue(info: OptionInfo, raw: unknown): unknown {
  switch (info.kind) {
    case 'timeout': {
      const tv = raw as { sec: number; usec: number };
      return { seconds: tv.sec, microseconds: tv.usec };
    }
    case 'linger': {
      const l = raw as { onoff: number; linger: number };
      return { enabled: l.onoff !== 0, seconds: l.linger };
    }
    case 'interfaceBE':
      return unswap32(raw as number);
    case 'enum': {
      const row = optionTable[info.name] as { values?: Record<string, string> };
      for (const [k, cname] of Object.entries(row.values ?? {})) if (constants[cname] === raw) return k;
      return raw;
    }
    case 'filter':
      return unpackBpf(raw as Buffer);
    case 'fanout': {
      const v = raw as number;
      const id = v & 0xffff;
      const tf = (v >>> 16) & 0xffff;
      let mode: FanoutMode | number = tf & 0xff;
      for (const [k, cname] of Object.entries(FANOUT_MODES)) if (constants[cname] === (tf & 0xff)) mode = k as FanoutMode;
      const flags: FanoutFlag[] = [];
      for (const [k, cname] of Object.entries(FANOUT_FLAGS)) if (tf & (constants[cname] ?? 0)) flags.push(k as FanoutFlag);
      return { id, mode, flags };
    }
    case 'portRange': {
      const v = raw as number;
      return { low: v & 0xffff, high: (v >>> 16) & 0xffff };
    }
    case 'memInfo': {
      const w = raw as number[];
      const at = (name: string): number => w[constants[name] ?? -1] ?? 0;
      return {
        rmemAlloc: at('SK_MEMINFO_RMEM_ALLOC'), rcvbuf: at('SK_MEMINFO_RCVBUF'), wmemAlloc: at('SK_MEMINFO_WMEM_ALLOC'),
        sndbuf: at('SK_MEMINFO_SNDBUF'), fwdAlloc: at('SK_MEMINFO_FWD_ALLOC'), wmemQueued: at('SK_MEMINFO_WMEM_QUEUED'),
        optmem: at('SK_MEMINFO_OPTMEM'), backlog: at('SK_MEMINFO_BACKLOG'), drops: at('SK_MEMINFO_DROPS'),
      };
    }
    default:
      return raw;
  }
}

// ---- the API -------------------------------------------------------------------

/**
 * setsockopt by name with a typed value, e.g. `setOption(sock, 'IP_MULTICAST_TTL', 4)`,
 * `setOption(sock, 'IP_ADD_MEMBERSHIP', { group: '239.1.2.3', interface: 'veth0' })`.
 * Exactly one setsockopt(2). Throws SocketError (code, errno, syscall, option, hint) when the kernel refuses.
 */
export function setOption<N extends WritableOptionName>(target: OptionTarget, name: N, value: OptionSetValue<N>): void;
/** The raw escape hatch: setsockopt(fd, level, optname, value); a number is sent as a C int. */
export function setOption(target: OptionTarget, level: number, optname: number, value: number | Uint8Array): void;
export function setOption(target: OptionTarget, nameOrLevel: string | number, a: unknown, b?: unknown): void {
  if (typeof nameOrLevel === 'number') {
    setRaw(target, nameOrLevel, a, b);
    return;
  }
  const info = optionInfo(nameOrLevel);
  if (!info.writable) {
    throw new SockitTypeError('ERR_SOCKIT_OPTION_READONLY', `${info.name} is read-only (getsockopt only)`);
  }
  const t = resolveTarget(target);
  checkApplies(info, t);
  if (!info.supported) throw unsupported(info, 'setsockopt');
  const enc = encodeValue(info, a, t);
  const r = native.setOption(t.fd, enc.level, info.optname, codecId(enc.codec), enc.value);
  if (r < 0) throw optionError(-r, 'setsockopt', info, info.name, t);
}

/**
 * getsockopt by name, decoded into the option's type, e.g.
 * `getOption(sock, 'SO_RCVBUF')` → number, `getOption(sock, 'SO_LINGER')` → {enabled, seconds}.
 * Exactly one getsockopt(2).
 */
export function getOption<N extends ReadableOptionName>(target: OptionTarget, name: N): OptionGetValue<N>;
/** The raw escape hatch: getsockopt into `length` bytes; returns what the kernel wrote. */
export function getOption(target: OptionTarget, level: number, optname: number, length: number): Buffer;
export function getOption(target: OptionTarget, nameOrLevel: string | number, optname?: unknown, length?: unknown): unknown {
  if (typeof nameOrLevel === 'number') return getRaw(target, nameOrLevel, optname, length);
  const info = optionInfo(nameOrLevel);
  if (!info.readable) {
    throw new SockitTypeError('ERR_SOCKIT_OPTION_WRITEONLY', `${info.name} is write-only (setsockopt only)`);
  }
  const t = resolveTarget(target);
  checkApplies(info, t);
  if (!info.supported) throw unsupported(info, 'getsockopt');
  const r = native.getOption(t.fd, info.level, info.optname, codecId(info.codec));
  if (typeof r === 'number') throw optionError(-r, 'getsockopt', info, info.name, t);
  return decodeValue(info, r.value);
}

function rawName(level: number, optname: number): string {
  return `level ${level} option ${optname}`;
}

function setRaw(target: OptionTarget, level: number, optname: unknown, value: unknown): void {
  validateInteger(level, 'level', I32_MIN, I32_MAX);
  const opt = validateInteger(optname, 'optname', I32_MIN, I32_MAX);
  let bytes: Uint8Array;
  if (typeof value === 'number') {
    validateInteger(value, 'value', I32_MIN, I32_MAX);
    const b = Buffer.alloc(4);
    if (LE) b.writeInt32LE(value, 0);
    else b.writeInt32BE(value, 0);
    bytes = b;
  } else {
    bytes = validateBytes(value, 'value');
    if (bytes.byteLength > 1024 * 1024) throw outOfRange('value.length', '<= 1048576 bytes', bytes.byteLength);
  }
  const t = resolveTarget(target);
  const r = native.setsockoptRaw(t.fd, level, opt, bytes);
  if (r < 0) throw optionError(-r, 'setsockopt', undefined, rawName(level, opt), t);
}

function getRaw(target: OptionTarget, level: number, optname: unknown, length: unknown): Buffer {
  validateInteger(level, 'level', I32_MIN, I32_MAX);
  const opt = validateInteger(optname, 'optname', I32_MIN, I32_MAX);
  const len = validateInteger(length, 'length', 0, 1024 * 1024);
  const t = resolveTarget(target);
  const r = native.getsockoptRaw(t.fd, level, opt, len);
  if (typeof r === 'number') throw optionError(-r, 'getsockopt', undefined, rawName(level, opt), t);
  return r;
}

/**
 * Read every readable, applicable option of a socket (for the demo and docs).
 * Options that fail are reported with their error code instead of a value.
 */
export function readAllOptions(target: OptionTarget): Array<{
  /** The option's C name. */
  name: OptionName;
  /** Its decoded value, when the read succeeded. */
  value?: unknown;
  /** The error code (e.g. `ENOPROTOOPT`), or the message, when the read failed. */
  error?: string;
}> {
  const t = resolveTarget(target);
  if (t.family === undefined) t.family = getOption(t.fd, 'SO_DOMAIN');
  if (t.type === undefined) t.type = getOption(t.fd, 'SO_TYPE');
  const out: Array<{ name: OptionName; value?: unknown; error?: string }> = [];
  for (const info of Object.values(options)) {
    if (!info.readable) continue;
    if (info.kind === 'packetStats') continue; // reading resets counters
    try {
      checkApplies(info, t);
    } catch {
      continue;
    }
    try {
      out.push({ name: info.name, value: getOption(t.fd, info.name as ReadableOptionName) });
    } catch (e) {
      out.push({ name: info.name, error: (e as { code?: string }).code ?? String(e) });
    }
  }
  return out;
}

let kernelCache: Readonly<Record<OptionName, boolean | undefined>> | undefined;

/**
 * Ask the running kernel which options it knows (the build-time `supported`
 * flag only says the headers defined the constant). Readable options are
 * probed with one getsockopt on a fresh socket of a family/type they apply
 * to: ENOPROTOOPT means the kernel lacks it (`false`). Write-only options
 * cannot be probed without side effects, and packet-socket options need
 * CAP_NET_RAW to create the probe socket: those are `undefined`.
 * Computed once, on first call (a few hundred system calls).
 */
export function kernelSupport(): Readonly<Record<OptionName, boolean | undefined>> {
  if (kernelCache) return kernelCache;
  familyByNumber ??= FAMILY_BY_NUMBER();
  typeByNumber ??= TYPE_BY_NUMBER();
  const fams = new Map([...familyByNumber].map(([n, f]) => [f, n]));
  const types = new Map([...typeByNumber].map(([n, t]) => [t, n]));
  const fds = new Map<string, number>();
  const fdFor = (family: FamilyName, type: TypeName): number => {
    const key = `${family}/${type}`;
    let fd = fds.get(key);
    if (fd === undefined) {
      const proto = family === 'packet' ? 0 : type === 'raw' ? 253 : 0;
      fd = native.socket(fams.get(family) as number, types.get(type) as number, proto);
      fds.set(key, fd);
    }
    return fd;
  };
  const out: Record<string, boolean | undefined> = {};
  try {
    for (const info of Object.values(options)) {
      if (!info.supported) {
        out[info.name] = false;
        continue;
      }
      if (!info.readable || info.kind === 'packetStats') {
        out[info.name] = undefined;
        continue;
      }
      const family = info.families[0] as FamilyName;
      const type = info.types?.[0] ?? (family === 'packet' ? 'raw' : 'dgram');
      const fd = fdFor(family, type);
      if (fd < 0) {
        out[info.name] = undefined;
        continue;
      }
      const r = native.getOption(fd, info.level, info.optname, codecId(info.codec));
      out[info.name] = !(typeof r === 'number' && -r === ERRNO.ENOPROTOOPT);
    }
  } finally {
    for (const fd of fds.values()) if (fd >= 0) native.close(fd);
  }
  kernelCache = Object.freeze(out) as Readonly<Record<OptionName, boolean | undefined>>;
  return kernelCache;
}

/**
 * The codec-level form an option value converts to, without any system call
 * (what `setOption` would hand to the native packer): useful to see how a
 * value is interpreted, and for tests.
 */
export function encodeOptionValue(name: string, value: unknown, target?: OptionTarget): {
  /** Native codec the value is packed with. */
  codec: CodecName;
  /** The codec-level value (numbers, plain objects or bytes). */
  value: unknown;
  /** Level number the option is set at (for MCAST_*, follows the group's family). */
  level: number;
} {
  const info = optionInfo(name);
  const t: ResolvedTarget = target === undefined ? { fd: -1, what: 'no socket' } : resolveTarget(target);
  return encodeValue(info, value, t);
}
