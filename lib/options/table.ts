/**
 * The socket-option table: the single source of truth for every option sockit
 * knows. Each row names the C constant, its level, the value codec (the C
 * structure on the wire), whether it can be read and/or written, the socket
 * families and types it applies to, the capability it needs, and a one-line
 * doc. Option numbers are NOT here: they come from the system headers at
 * build time (native/option_table.inc, generated from this file by
 * `node scripts/gen-option-table.mjs`).
 *
 * This file is pure data with no imports, so the generator can evaluate it.
 * Typed setOption/getOption (lib/options/index.ts), the docs and the round-trip
 * tests are all driven by it.
 * @module
 */

/** Option level, by the C name of its constant. */
export type LevelName = 'SOL_SOCKET' | 'IPPROTO_IP' | 'IPPROTO_IPV6' | 'IPPROTO_UDP' | 'IPPROTO_TCP' | 'SOL_PACKET' | 'SOL_RAW' | 'IPPROTO_ICMPV6';

/** The wire format of a value (a C type or structure); packed by native/codec/optcodec.cc. */
export type CodecName =
  | 'int'
  | 'bool'
  | 'u8'
  | 'u32'
  | 'u64'
  | 'timeval'
  | 'linger'
  | 'in_addr'
  | 'ip_mreq'
  | 'ip_mreqn'
  | 'ip_mreq_source'
  | 'group_req'
  | 'group_source_req'
  | 'ipv6_mreq'
  | 'packet_mreq'
  | 'sock_fprog'
  | 'tpacket_stats'
  | 'tpacket_req'
  | 'tpacket_req3'
  | 'string'
  | 'bytes'
  | 'ucred'
  | 'sk_meminfo';

/** Every codec name, in the native enum's order. */
export const codecNames: readonly CodecName[] = [
  'int', 'bool', 'u8', 'u32', 'u64', 'timeval', 'linger', 'in_addr', 'ip_mreq', 'ip_mreqn', 'ip_mreq_source',
  'group_req', 'group_source_req', 'ipv6_mreq', 'packet_mreq', 'sock_fprog', 'tpacket_stats', 'tpacket_req',
  'tpacket_req3', 'string', 'bytes', 'ucred', 'sk_meminfo',
];

/**
 * How a value looks in JavaScript (see the value types in lib/options/index.ts):
 * - `boolean`: true/false; `int`/`uint`: numbers; `bufsize`: bytes (read back doubled);
 * - `u64`: bigint (set also takes a number); `timeout`: {seconds, microseconds} or milliseconds;
 * - `linger`: {enabled, seconds}; `string`; `bytes`: Buffer;
 * - `interface`/`interfaceBE`: interface name or index (BE: sent in network byte order);
 * - `multicastIf4`: interface address, name or index; reads back the address;
 * - `membership4`/`membership6`/`groupReq`: {group, interface?};
 *   `sourceMembership4`/`groupSourceReq`: {group, source, interface?};
 * - `enum`: one of the row's `values` names; `filter`: classic BPF instructions;
 * - `detach`: set-only trigger (pass `true`); `fd`: a BPF program descriptor;
 * - `packetMembership`: {interface, type, address?}; `packetStats`: {packets, drops, freezeQueueCount?};
 * - `ring`: tpacket_req(3) fields; `fanout`: {id, mode, flags}; `ucred`: {pid, uid, gid};
 * - `memInfo`: the SK_MEMINFO_* counters (SO_MEMINFO) by name;
 * - `portRange`: {low, high}.
 */
export type ValueKind =
  | 'boolean'
  | 'int'
  | 'uint'
  | 'bufsize'
  | 'u64'
  | 'timeout'
  | 'linger'
  | 'string'
  | 'bytes'
  | 'interface'
  | 'interfaceBE'
  | 'multicastIf4'
  | 'membership4'
  | 'sourceMembership4'
  | 'groupReq'
  | 'groupSourceReq'
  | 'membership6'
  | 'enum'
  | 'filter'
  | 'detach'
  | 'fd'
  | 'packetMembership'
  | 'packetStats'
  | 'ring'
  | 'fanout'
  | 'ucred'
  | 'memInfo'
  | 'portRange';

/** Socket families by name. */
export type FamilyName = 'ipv4' | 'ipv6' | 'packet' | 'unix';
/** Socket types by name. */
export type TypeName = 'dgram' | 'stream' | 'raw' | 'seqpacket';
/** Capabilities an option may need. */
export type CapabilityName = 'CAP_NET_ADMIN' | 'CAP_NET_RAW';

/** One row of the option table. */
export interface OptionRow {
  /** Level constant name. */
  readonly level: LevelName;
  /** Level used when the value is an IPv6 group (MCAST_*: the level follows the group's family). */
  readonly level6?: LevelName;
  /** Wire format. */
  readonly codec: CodecName;
  /** JavaScript value shape. */
  readonly kind: ValueKind;
  /** getsockopt works. */
  readonly get: boolean;
  /** setsockopt works. */
  readonly set: boolean;
  /** Socket families the option applies to. */
  readonly families: readonly FamilyName[];
  /** Socket types it applies to (all when absent). */
  readonly types?: readonly TypeName[];
  /** Capability the kernel checks (for some values only; see `note`). */
  readonly capability?: CapabilityName;
  /** Accepted numeric range (int kinds). */
  readonly min?: number;
  /** Highest accepted value (int kinds). */
  readonly max?: number;
  /** Longest string/bytes value. */
  readonly maxLength?: number;
  /** Enum kinds: value name → constant name. */
  readonly values?: Readonly<Record<string, string>>;
  /** The kernel reports back a transformed value (SO_RCVBUF/SO_SNDBUF: doubled). */
  readonly readback?: 'doubled';
  /** One-line description. */
  readonly doc: string;
  /** Usage note ("set before bind", privilege details, ...). */
  readonly note?: string;
}

const ANY = ['ipv4', 'ipv6', 'packet', 'unix'] as const;
const IP = ['ipv4', 'ipv6'] as const;
const V4 = ['ipv4'] as const;
const V6 = ['ipv6'] as const;
const PACKET = ['packet'] as const;
const UNIX = ['unix'] as const;

/**
 * Every socket option sockit knows, by C name: the implementation source of the public `options` data (lib/options/index.ts)
 * (which adds the native level/optname numbers and support flags). Use `options` instead.
 * @internal
 */
export const optionTable = {

  // ---- Socket level (SOL_SOCKET): socket(7) ----
  SO_DEBUG: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: ANY, capability: 'CAP_NET_ADMIN', doc: 'Enable socket-level debugging (SOCK_DBG).' },
  SO_REUSEADDR: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: ANY, doc: 'Allow bind() to reuse a local address (wildcard vs specific, TIME_WAIT).', note: 'set before bind' },
  SO_TYPE: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: false, families: ANY, doc: 'The socket type (SOCK_DGRAM, SOCK_STREAM, ...).' },
  SO_ERROR: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: false, families: ANY, doc: 'Read and clear the pending socket error (an errno number; 0 when none).' },
  SO_DONTROUTE: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, doc: 'Send only to directly connected hosts, bypassing the routing table.' },
  SO_BROADCAST: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Allow sending to broadcast addresses.' },
  SO_SNDBUF: { level: 'SOL_SOCKET', codec: 'int', kind: 'bufsize', get: true, set: true, families: ANY, min: 0, max: 2147483647, readback: 'doubled', doc: 'Send buffer size in bytes; the kernel doubles the value set (reads back 2x).', note: 'capped by net.core.wmem_max' },
  SO_RCVBUF: { level: 'SOL_SOCKET', codec: 'int', kind: 'bufsize', get: true, set: true, families: ANY, min: 0, max: 2147483647, readback: 'doubled', doc: 'Receive buffer size in bytes; the kernel doubles the value set (reads back 2x).', note: 'capped by net.core.rmem_max' },
  SO_SNDBUFFORCE: { level: 'SOL_SOCKET', codec: 'int', kind: 'bufsize', get: false, set: true, families: ANY, capability: 'CAP_NET_ADMIN', min: 0, max: 2147483647, readback: 'doubled', doc: 'Send buffer size ignoring net.core.wmem_max (doubled by the kernel).' },
  SO_RCVBUFFORCE: { level: 'SOL_SOCKET', codec: 'int', kind: 'bufsize', get: false, set: true, families: ANY, capability: 'CAP_NET_ADMIN', min: 0, max: 2147483647, readback: 'doubled', doc: 'Receive buffer size ignoring net.core.rmem_max (doubled by the kernel).' },
  SO_KEEPALIVE: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['stream'], doc: 'Send TCP keepalive probes on an idle connection.' },
  SO_OOBINLINE: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['stream'], doc: 'Receive TCP urgent data inline with normal data.' },
  SO_NO_CHECK: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram'], doc: 'Disable UDP checksums on transmit (IPv4).' },
  SO_PRIORITY: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: true, families: ANY, capability: 'CAP_NET_ADMIN', doc: 'Protocol-defined priority (skb->priority) for packets sent on this socket.', note: 'values outside 0..6 need CAP_NET_ADMIN' },
  SO_LINGER: { level: 'SOL_SOCKET', codec: 'linger', kind: 'linger', get: true, set: true, families: ['ipv4', 'ipv6', 'unix'], types: ['stream', 'seqpacket'], doc: 'Block close() until queued data is sent or the timeout expires.' },
  SO_REUSEPORT: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, doc: 'Allow several sockets of the same user to bind the same address and port (load-balanced).', note: 'set before bind on every socket' },
  SO_PASSCRED: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: UNIX, doc: 'Receive SCM_CREDENTIALS control messages.' },
  SO_PEERCRED: { level: 'SOL_SOCKET', codec: 'ucred', kind: 'ucred', get: true, set: false, families: UNIX, types: ['stream', 'seqpacket'], doc: 'Credentials (pid, uid, gid) of the connected peer.' },
  SO_RCVLOWAT: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: true, families: ANY, doc: 'Minimum number of bytes before a receive returns.' },
  SO_SNDLOWAT: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: false, families: ANY, doc: 'Minimum number of bytes for a send (fixed at 1 on Linux; read-only).' },
  SO_RCVTIMEO: { level: 'SOL_SOCKET', codec: 'timeval', kind: 'timeout', get: true, set: true, families: ANY, doc: 'Receive timeout for blocking calls ({seconds, microseconds}; set also takes milliseconds).', note: 'stored in jiffies: reads back rounded to the kernel tick' },
  SO_SNDTIMEO: { level: 'SOL_SOCKET', codec: 'timeval', kind: 'timeout', get: true, set: true, families: ANY, doc: 'Send timeout for blocking calls ({seconds, microseconds}; set also takes milliseconds).', note: 'stored in jiffies: reads back rounded to the kernel tick' },
  SO_BINDTODEVICE: { level: 'SOL_SOCKET', codec: 'string', kind: 'string', get: true, set: true, families: ['ipv4', 'ipv6', 'packet'], capability: 'CAP_NET_RAW', maxLength: 15, doc: 'Restrict the socket to one interface by name (\'\' unbinds).', note: 'set before bind; changing an existing binding needs CAP_NET_RAW' },
  SO_ATTACH_FILTER: { level: 'SOL_SOCKET', codec: 'sock_fprog', kind: 'filter', get: true, set: true, families: ANY, doc: 'Attach a classic BPF socket filter; reading returns the attached program (SO_GET_FILTER).', note: 'at most 4096 instructions' },
  SO_DETACH_FILTER: { level: 'SOL_SOCKET', codec: 'int', kind: 'detach', get: false, set: true, families: ANY, doc: 'Remove the attached socket filter.' },
  SO_LOCK_FILTER: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: ANY, doc: 'Lock the attached filter so it can no longer be changed or removed.', note: 'cannot be unset once set' },
  SO_TIMESTAMP: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: ANY, doc: 'Receive SCM_TIMESTAMP (struct timeval) with each datagram.' },
  SO_TIMESTAMPNS: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: ANY, doc: 'Receive SCM_TIMESTAMPNS (struct timespec) with each datagram.' },
  SO_TIMESTAMPING: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: true, families: ANY, doc: 'Timestamping flags (SOF_TIMESTAMPING_*) for hardware/software RX/TX timestamps.' },
  SO_ACCEPTCONN: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: false, families: ANY, types: ['stream', 'seqpacket'], doc: 'Whether the socket is listening.' },
  SO_PASSSEC: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: UNIX, doc: 'Receive SCM_SECURITY (security context) control messages.' },
  SO_MARK: { level: 'SOL_SOCKET', codec: 'u32', kind: 'uint', get: true, set: true, families: ANY, capability: 'CAP_NET_ADMIN', doc: 'Firewall/routing mark (fwmark) for packets sent on this socket.' },
  SO_PROTOCOL: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: false, families: ANY, doc: 'The protocol number of the socket.' },
  SO_DOMAIN: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: false, families: ANY, doc: 'The address family of the socket (AF_*).' },
  SO_MEMINFO: { level: 'SOL_SOCKET', codec: 'sk_meminfo', kind: 'memInfo', get: true, set: false, families: ANY, doc: 'Live memory counters of the socket (u32[SK_MEMINFO_VARS]), including SK_MEMINFO_DROPS: every datagram the socket dropped so far.' },
  SO_RXQ_OVFL: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: ANY, doc: 'Receive SO_RXQ_OVFL control messages counting packets dropped since the last one.' },
  SO_WIFI_STATUS: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: ANY, doc: 'Receive SCM_WIFI_STATUS acknowledgement status.' },
  SO_PEEK_OFF: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: true, families: UNIX, min: -1, max: 2147483647, doc: 'Offset for MSG_PEEK reads (-1 disables).' },
  SO_NOFCS: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: PACKET, doc: 'Send frames without an Ethernet frame check sequence (driver support needed).' },
  SO_SELECT_ERR_QUEUE: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: ANY, doc: 'Report error-queue readiness as POLLPRI as well.' },
  SO_BUSY_POLL: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: true, families: ANY, min: 0, max: 2147483647, doc: 'Busy-poll time in microseconds for blocking receives.', note: 'older kernels required CAP_NET_ADMIN to raise it' },
  SO_MAX_PACING_RATE: { level: 'SOL_SOCKET', codec: 'u64', kind: 'u64', get: true, set: true, families: ANY, doc: 'Maximum pacing rate in bytes per second (fq qdisc / TCP pacing).' },
  SO_BPF_EXTENSIONS: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: false, families: ANY, doc: 'Bit mask of classic BPF extensions this kernel supports.' },
  SO_INCOMING_CPU: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: true, families: ANY, doc: 'CPU that processed the last packet of this socket (set: the preferred CPU for SO_REUSEPORT groups).' },
  SO_ATTACH_BPF: { level: 'SOL_SOCKET', codec: 'int', kind: 'fd', get: false, set: true, families: ANY, doc: 'Attach an eBPF socket filter program (a program file descriptor).' },
  SO_DETACH_BPF: { level: 'SOL_SOCKET', codec: 'int', kind: 'detach', get: false, set: true, families: ANY, doc: 'Remove the attached eBPF socket filter.' },
  SO_ATTACH_REUSEPORT_CBPF: { level: 'SOL_SOCKET', codec: 'sock_fprog', kind: 'filter', get: false, set: true, families: IP, doc: 'Classic BPF program selecting the socket inside an SO_REUSEPORT group.' },
  SO_ATTACH_REUSEPORT_EBPF: { level: 'SOL_SOCKET', codec: 'int', kind: 'fd', get: false, set: true, families: IP, doc: 'eBPF program (file descriptor) selecting the socket inside an SO_REUSEPORT group.' },
  SO_DETACH_REUSEPORT_BPF: { level: 'SOL_SOCKET', codec: 'int', kind: 'detach', get: false, set: true, families: IP, doc: 'Remove the SO_REUSEPORT selection program.' },
  SO_CNX_ADVICE: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: false, set: true, families: IP, doc: 'Advise the kernel that the connection is unhealthy (1 resets the cached route).' },
  SO_INCOMING_NAPI_ID: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: false, families: ANY, doc: 'NAPI id of the device queue that received the last packet.' },
  SO_COOKIE: { level: 'SOL_SOCKET', codec: 'u64', kind: 'u64', get: true, set: false, families: ANY, doc: 'The socket\'s unique 64-bit cookie (as in sock_diag and BPF).' },
  SO_ZEROCOPY: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: ['ipv4', 'ipv6', 'packet'], doc: 'Allow MSG_ZEROCOPY sends.' },
  SO_BINDTOIFINDEX: { level: 'SOL_SOCKET', codec: 'int', kind: 'interface', get: true, set: true, families: ['ipv4', 'ipv6', 'packet'], capability: 'CAP_NET_RAW', doc: 'Restrict the socket to one interface by index (0 unbinds).', note: 'set before bind' },
  SO_PREFER_BUSY_POLL: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: ANY, capability: 'CAP_NET_ADMIN', doc: 'Prefer busy polling over interrupt-driven receive.', note: 'enabling needs CAP_NET_ADMIN' },
  SO_BUSY_POLL_BUDGET: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: false, set: true, families: ANY, capability: 'CAP_NET_ADMIN', doc: 'Packets processed per busy-poll pass.', note: 'raising it needs CAP_NET_ADMIN' },
  SO_NETNS_COOKIE: { level: 'SOL_SOCKET', codec: 'u64', kind: 'u64', get: true, set: false, families: ANY, doc: 'Cookie of the network namespace the socket lives in.' },
  SO_BUF_LOCK: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: true, families: ANY, doc: 'Lock buffer sizes against autotuning (SOCK_SNDBUF_LOCK 1, SOCK_RCVBUF_LOCK 2).' },
  SO_RESERVE_MEM: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], doc: 'Bytes of memory reserved for this socket (memcg accounting).' },
  SO_TXREHASH: { level: 'SOL_SOCKET', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], min: -1, max: 1, doc: 'Rehash the IPv6 flow label on retransmit: 1 on, 0 off, -1 system default.' },
  SO_RCVMARK: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: ANY, doc: 'Receive SO_MARK control messages with the packet mark.' },
  SO_PASSPIDFD: { level: 'SOL_SOCKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: UNIX, doc: 'Receive SCM_PIDFD control messages.' },

  // ---- IPv4 (IPPROTO_IP): ip(7). On IPv6 sockets these apply to IPv4-mapped traffic ----
  IP_TOS: { level: 'IPPROTO_IP', codec: 'int', kind: 'int', get: true, set: true, families: IP, min: 0, max: 255, doc: 'Type-of-service / DSCP+ECN byte of outgoing IPv4 packets.', note: '0..255' },
  IP_TTL: { level: 'IPPROTO_IP', codec: 'int', kind: 'int', get: true, set: true, families: IP, min: -1, max: 255, doc: 'Time-to-live of outgoing unicast IPv4 packets (-1 = system default).', note: '1..255 or -1' },
  IP_HDRINCL: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: V4, types: ['raw'], capability: 'CAP_NET_RAW', doc: 'The application supplies the IPv4 header (raw sockets).' },
  IP_OPTIONS: { level: 'IPPROTO_IP', codec: 'bytes', kind: 'bytes', get: true, set: true, families: IP, maxLength: 40, doc: 'IPv4 options sent with every packet (at most 40 bytes).' },
  IP_RECVOPTS: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Receive the IPv4 options of incoming packets (IP_OPTIONS control message).' },
  IP_RETOPTS: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Receive raw IPv4 options without timestamp/record-route fixups.' },
  IP_PKTINFO: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Receive IP_PKTINFO (destination address, interface index) with each datagram.' },
  IP_MTU_DISCOVER: { level: 'IPPROTO_IP', codec: 'int', kind: 'enum', get: true, set: true, families: IP, values: { dont: 'IP_PMTUDISC_DONT', want: 'IP_PMTUDISC_WANT', do: 'IP_PMTUDISC_DO', probe: 'IP_PMTUDISC_PROBE', interface: 'IP_PMTUDISC_INTERFACE', omit: 'IP_PMTUDISC_OMIT' }, doc: 'Path MTU discovery mode.' },
  IP_RECVERR: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, doc: 'Queue extended errors (ICMP) on the error queue.' },
  IP_RECVTTL: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Receive the TTL of each datagram (IP_TTL control message).' },
  IP_RECVTOS: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Receive the TOS byte of each datagram (IP_TOS control message).' },
  IP_MTU: { level: 'IPPROTO_IP', codec: 'int', kind: 'int', get: true, set: false, families: IP, doc: 'Current path MTU of a connected socket.', note: 'needs a connected socket' },
  IP_FREEBIND: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, doc: 'Allow binding to addresses that are not (yet) local.', note: 'set before bind' },
  IP_PASSSEC: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram'], doc: 'Receive the IPsec security context (SCM_SECURITY).' },
  IP_TRANSPARENT: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, capability: 'CAP_NET_ADMIN', doc: 'Transparent proxying: bind to and receive for non-local addresses.', note: 'needs CAP_NET_ADMIN or CAP_NET_RAW' },
  IP_MINTTL: { level: 'IPPROTO_IP', codec: 'int', kind: 'int', get: true, set: true, families: IP, min: 0, max: 255, doc: 'Drop received packets with a TTL below this value (GTSM, RFC 5082).', note: '0..255' },
  IP_NODEFRAG: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: V4, types: ['raw'], doc: 'Do not reassemble fragments (raw sockets).' },
  IP_CHECKSUM: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Receive the packet checksum (IP_CHECKSUM control message).' },
  IP_BIND_ADDRESS_NO_PORT: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, doc: 'Defer port allocation of bind(addr:0) until connect().', note: 'set before bind' },
  IP_RECVFRAGSIZE: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Receive the largest fragment size of reassembled datagrams.' },
  IP_RECVERR_RFC4884: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, doc: 'Parse RFC 4884 ICMP extensions in queued errors.' },
  IP_MULTICAST_IF: { level: 'IPPROTO_IP', codec: 'in_addr', kind: 'multicastIf4', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Interface for outgoing IPv4 multicast: an address (in_addr) or an interface name/index (ip_mreqn); reads back the address.' },
  IP_MULTICAST_TTL: { level: 'IPPROTO_IP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['dgram', 'raw'], min: -1, max: 255, doc: 'TTL of outgoing IPv4 multicast packets.', note: '0..255' },
  IP_MULTICAST_LOOP: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Loop outgoing IPv4 multicast back to local sockets.' },
  IP_ADD_MEMBERSHIP: { level: 'IPPROTO_IP', codec: 'ip_mreqn', kind: 'membership4', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Join an IPv4 multicast group (interface by index/name via ip_mreqn, by address via ip_mreq).' },
  IP_DROP_MEMBERSHIP: { level: 'IPPROTO_IP', codec: 'ip_mreqn', kind: 'membership4', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Leave an IPv4 multicast group (same forms as IP_ADD_MEMBERSHIP).' },
  IP_UNBLOCK_SOURCE: { level: 'IPPROTO_IP', codec: 'ip_mreq_source', kind: 'sourceMembership4', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Unblock a source previously blocked in an any-source group.', note: 'interface by address' },
  IP_BLOCK_SOURCE: { level: 'IPPROTO_IP', codec: 'ip_mreq_source', kind: 'sourceMembership4', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Block one source in an any-source IPv4 group.', note: 'interface by address' },
  IP_ADD_SOURCE_MEMBERSHIP: { level: 'IPPROTO_IP', codec: 'ip_mreq_source', kind: 'sourceMembership4', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Join an IPv4 source-specific group (SSM).', note: 'interface by address' },
  IP_DROP_SOURCE_MEMBERSHIP: { level: 'IPPROTO_IP', codec: 'ip_mreq_source', kind: 'sourceMembership4', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Leave an IPv4 source-specific group.', note: 'interface by address' },
  IP_MULTICAST_ALL: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Receive multicast for every group joined on the system (1, default) or only this socket\'s groups (0).' },
  IP_UNICAST_IF: { level: 'IPPROTO_IP', codec: 'int', kind: 'interfaceBE', get: true, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Interface for outgoing unicast, by index (sent in network byte order; 0 clears).' },
  IP_RECVORIGDSTADDR: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram'], doc: 'Receive the original destination address (IP_ORIGDSTADDR, for TPROXY).' },
  IP_ROUTER_ALERT: { level: 'IPPROTO_IP', codec: 'bool', kind: 'boolean', get: true, set: true, families: V4, types: ['raw'], doc: 'Pass packets with the Router Alert option to this raw socket.' },
  IP_LOCAL_PORT_RANGE: { level: 'IPPROTO_IP', codec: 'u32', kind: 'portRange', get: true, set: true, families: IP, doc: 'Per-socket ephemeral port range {low, high} (0 = system range).' },
  IP_PROTOCOL: { level: 'IPPROTO_IP', codec: 'int', kind: 'int', get: true, set: false, families: V4, types: ['raw'], doc: 'The IP protocol of a raw socket (the kernel reports the local port number for other sockets).' },
  MCAST_JOIN_GROUP: { level: 'IPPROTO_IP', level6: 'IPPROTO_IPV6', codec: 'group_req', kind: 'groupReq', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Join a multicast group by interface index (group_req; IPv4 or IPv6 group).', note: 'level follows the group\'s family' },
  MCAST_LEAVE_GROUP: { level: 'IPPROTO_IP', level6: 'IPPROTO_IPV6', codec: 'group_req', kind: 'groupReq', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Leave a multicast group (group_req).', note: 'level follows the group\'s family' },
  MCAST_BLOCK_SOURCE: { level: 'IPPROTO_IP', level6: 'IPPROTO_IPV6', codec: 'group_source_req', kind: 'groupSourceReq', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Block a source in an any-source group (group_source_req).', note: 'level follows the group\'s family' },
  MCAST_UNBLOCK_SOURCE: { level: 'IPPROTO_IP', level6: 'IPPROTO_IPV6', codec: 'group_source_req', kind: 'groupSourceReq', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Unblock a blocked source (group_source_req).', note: 'level follows the group\'s family' },
  MCAST_JOIN_SOURCE_GROUP: { level: 'IPPROTO_IP', level6: 'IPPROTO_IPV6', codec: 'group_source_req', kind: 'groupSourceReq', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Join a source-specific group (group_source_req).', note: 'level follows the group\'s family' },
  MCAST_LEAVE_SOURCE_GROUP: { level: 'IPPROTO_IP', level6: 'IPPROTO_IPV6', codec: 'group_source_req', kind: 'groupSourceReq', get: false, set: true, families: IP, types: ['dgram', 'raw'], doc: 'Leave a source-specific group (group_source_req).', note: 'level follows the group\'s family' },

  // ---- IPv6 (IPPROTO_IPV6): ipv6(7) ----
  IPV6_V6ONLY: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, doc: 'Restrict an IPv6 socket to IPv6 (no IPv4-mapped traffic).', note: 'set before bind' },
  IPV6_UNICAST_HOPS: { level: 'IPPROTO_IPV6', codec: 'int', kind: 'int', get: true, set: true, families: V6, min: -1, max: 255, doc: 'Hop limit of outgoing unicast IPv6 packets (-1 = route default).', note: '-1..255' },
  IPV6_MULTICAST_HOPS: { level: 'IPPROTO_IPV6', codec: 'int', kind: 'int', get: true, set: true, families: V6, types: ['dgram', 'raw'], min: -1, max: 255, doc: 'Hop limit of outgoing IPv6 multicast packets (-1 = default 1).', note: '-1..255' },
  IPV6_MULTICAST_IF: { level: 'IPPROTO_IPV6', codec: 'int', kind: 'interface', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Interface for outgoing IPv6 multicast, by name or index (0 clears).' },
  IPV6_MULTICAST_LOOP: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Loop outgoing IPv6 multicast back to local sockets.' },
  IPV6_MULTICAST_ALL: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Receive multicast for every group joined on the system (default) or only this socket\'s groups.' },
  IPV6_JOIN_GROUP: { level: 'IPPROTO_IPV6', codec: 'ipv6_mreq', kind: 'membership6', get: false, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Join an IPv6 multicast group (ipv6_mreq).' },
  IPV6_LEAVE_GROUP: { level: 'IPPROTO_IPV6', codec: 'ipv6_mreq', kind: 'membership6', get: false, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Leave an IPv6 multicast group (ipv6_mreq).' },
  IPV6_ADD_MEMBERSHIP: { level: 'IPPROTO_IPV6', codec: 'ipv6_mreq', kind: 'membership6', get: false, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Alias of IPV6_JOIN_GROUP.' },
  IPV6_DROP_MEMBERSHIP: { level: 'IPPROTO_IPV6', codec: 'ipv6_mreq', kind: 'membership6', get: false, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Alias of IPV6_LEAVE_GROUP.' },
  IPV6_TCLASS: { level: 'IPPROTO_IPV6', codec: 'int', kind: 'int', get: true, set: true, families: V6, min: -1, max: 255, doc: 'Traffic class (DSCP+ECN) of outgoing IPv6 packets (-1 = default).', note: '-1..255' },
  IPV6_RECVTCLASS: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Receive the traffic class of each datagram.' },
  IPV6_RECVHOPLIMIT: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Receive the hop limit of each datagram.' },
  IPV6_RECVPKTINFO: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Receive IPV6_PKTINFO (destination address, interface index) with each datagram.' },
  IPV6_RECVERR: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, doc: 'Queue extended errors (ICMPv6) on the error queue.' },
  IPV6_MTU_DISCOVER: { level: 'IPPROTO_IPV6', codec: 'int', kind: 'enum', get: true, set: true, families: V6, values: { dont: 'IPV6_PMTUDISC_DONT', want: 'IPV6_PMTUDISC_WANT', do: 'IPV6_PMTUDISC_DO', probe: 'IPV6_PMTUDISC_PROBE', interface: 'IPV6_PMTUDISC_INTERFACE', omit: 'IPV6_PMTUDISC_OMIT' }, doc: 'Path MTU discovery mode for IPv6.' },
  IPV6_MTU: { level: 'IPPROTO_IPV6', codec: 'int', kind: 'int', get: true, set: true, families: V6, doc: 'Read: path MTU of a connected socket. Set: fragment size for outgoing packets (>= 1280).', note: 'read needs a connected socket' },
  IPV6_DONTFRAG: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Do not fragment outgoing packets; report EMSGSIZE instead.' },
  IPV6_RECVPATHMTU: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Receive IPV6_PATHMTU notifications.' },
  IPV6_FREEBIND: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, doc: 'Allow binding to IPv6 addresses that are not (yet) local.', note: 'set before bind' },
  IPV6_TRANSPARENT: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, capability: 'CAP_NET_ADMIN', doc: 'Transparent proxying for IPv6.', note: 'needs CAP_NET_ADMIN or CAP_NET_RAW' },
  IPV6_RECVORIGDSTADDR: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram'], doc: 'Receive the original destination address (IPV6_ORIGDSTADDR).' },
  IPV6_UNICAST_IF: { level: 'IPPROTO_IPV6', codec: 'int', kind: 'interfaceBE', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Interface for outgoing IPv6 unicast, by name or index (sent in network byte order; 0 clears).' },
  IPV6_AUTOFLOWLABEL: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, doc: 'Generate flow labels automatically.' },
  IPV6_ADDR_PREFERENCES: { level: 'IPPROTO_IPV6', codec: 'int', kind: 'int', get: true, set: true, families: V6, doc: 'Source address selection preferences (IPV6_PREFER_SRC_* flags, RFC 5014).' },
  IPV6_MINHOPCOUNT: { level: 'IPPROTO_IPV6', codec: 'int', kind: 'int', get: true, set: true, families: V6, min: 0, max: 255, doc: 'Drop received packets with a hop limit below this value (GTSM).', note: '0..255' },
  IPV6_RECVFRAGSIZE: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Receive the largest fragment size of reassembled datagrams.' },
  IPV6_RECVRTHDR: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Receive the routing header.' },
  IPV6_RECVHOPOPTS: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Receive hop-by-hop options.' },
  IPV6_RECVDSTOPTS: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram', 'raw'], doc: 'Receive destination options.' },
  IPV6_FLOWINFO: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, doc: 'Receive the flow information (IPV6_FLOWINFO control message).' },
  IPV6_FLOWINFO_SEND: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, doc: 'Take the flow label from sin6_flowinfo on send.' },
  IPV6_CHECKSUM: { level: 'IPPROTO_IPV6', codec: 'int', kind: 'int', get: true, set: true, families: V6, types: ['raw'], doc: 'Offset of the checksum the kernel computes for raw IPv6 sockets (-1 = off).' },
  IPV6_RECVERR_RFC4884: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, doc: 'Parse RFC 4884 ICMPv6 extensions in queued errors.' },
  IPV6_HDRINCL: { level: 'IPPROTO_IPV6', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['raw'], capability: 'CAP_NET_RAW', doc: 'The application supplies the IPv6 header (raw sockets).' },
  ICMP_FILTER: { level: 'SOL_RAW', codec: 'u32', kind: 'uint', get: true, set: true, families: V4, types: ['raw'], doc: 'ICMP types a raw IPPROTO_ICMP socket does not receive (bit n set = type n blocked, types 0..31).' },
  ICMP6_FILTER: { level: 'IPPROTO_ICMPV6', codec: 'bytes', kind: 'bytes', get: true, set: true, families: V6, types: ['raw'], maxLength: 32, doc: 'ICMPv6 types a raw IPPROTO_ICMPV6 socket does not receive (struct icmp6_filter: 256 bits, bit set = blocked).' },

  // ---- UDP (IPPROTO_UDP): udp(7) ----
  UDP_CORK: { level: 'IPPROTO_UDP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram'], doc: 'Accumulate sends into one datagram until uncorked.' },
  UDP_SEGMENT: { level: 'IPPROTO_UDP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['dgram'], min: 0, max: 65535, doc: 'UDP GSO segment size: one large send becomes datagrams of this size (0 = off).', note: '0..65535' },
  UDP_GRO: { level: 'IPPROTO_UDP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['dgram'], doc: 'Receive coalesced datagrams (UDP GRO) with a UDP_GRO control message.' },
  UDP_ENCAP: { level: 'IPPROTO_UDP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['dgram'], doc: 'Encapsulation type (UDP_ENCAP_ESPINUDP, ...) for in-kernel handlers.' },
  UDP_NO_CHECK6_TX: { level: 'IPPROTO_UDP', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram'], doc: 'Send IPv6 UDP with a zero checksum (RFC 6935).' },
  UDP_NO_CHECK6_RX: { level: 'IPPROTO_UDP', codec: 'bool', kind: 'boolean', get: true, set: true, families: V6, types: ['dgram'], doc: 'Accept IPv6 UDP with a zero checksum.' },

  // ---- TCP (IPPROTO_TCP): tcp(7) ----
  TCP_NODELAY: { level: 'IPPROTO_TCP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['stream'], doc: 'Disable Nagle\'s algorithm.' },
  TCP_MAXSEG: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], doc: 'Maximum segment size (set before connect).' },
  TCP_CORK: { level: 'IPPROTO_TCP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['stream'], doc: 'Send only full segments until uncorked.' },
  TCP_KEEPIDLE: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], min: 1, max: 32767, doc: 'Idle seconds before the first keepalive probe.', note: '1..32767' },
  TCP_KEEPINTVL: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], min: 1, max: 32767, doc: 'Seconds between keepalive probes.', note: '1..32767' },
  TCP_KEEPCNT: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], min: 1, max: 127, doc: 'Keepalive probes before the connection is dropped.', note: '1..127' },
  TCP_SYNCNT: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], min: 1, max: 127, doc: 'SYN retransmits before connect() gives up.', note: '1..127' },
  TCP_LINGER2: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], doc: 'Lifetime of orphaned FIN_WAIT2 sockets in seconds.' },
  TCP_DEFER_ACCEPT: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], doc: 'Wake a listener only when data arrives (seconds, rounded to retransmits).' },
  TCP_WINDOW_CLAMP: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], doc: 'Bound the advertised window.' },
  TCP_QUICKACK: { level: 'IPPROTO_TCP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['stream'], doc: 'Send ACKs immediately (not permanent).' },
  TCP_CONGESTION: { level: 'IPPROTO_TCP', codec: 'string', kind: 'string', get: true, set: true, families: IP, types: ['stream'], capability: 'CAP_NET_ADMIN', maxLength: 15, doc: 'Congestion control algorithm by name (\'cubic\', \'reno\', ...).', note: 'algorithms outside net.ipv4.tcp_allowed_congestion_control need CAP_NET_ADMIN' },
  TCP_USER_TIMEOUT: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], min: 0, max: 2147483647, doc: 'Milliseconds transmitted data may stay unacknowledged before the connection is dropped.' },
  TCP_NOTSENT_LOWAT: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], doc: 'Limit of unsent bytes in the write queue before the socket stops being writable.' },
  TCP_FASTOPEN: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], doc: 'TCP Fast Open queue length on a listener.', note: 'set before listen' },
  TCP_FASTOPEN_CONNECT: { level: 'IPPROTO_TCP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['stream'], doc: 'Use Fast Open on connect() (data goes with the SYN).' },
  TCP_FASTOPEN_NO_COOKIE: { level: 'IPPROTO_TCP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['stream'], doc: 'Fast Open without a cookie.' },
  TCP_THIN_LINEAR_TIMEOUTS: { level: 'IPPROTO_TCP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['stream'], doc: 'Linear timeouts for thin streams.' },
  TCP_TX_DELAY: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], min: 0, max: 2147483647, doc: 'Delay outgoing packets by this many microseconds (testing).' },
  TCP_INQ: { level: 'IPPROTO_TCP', codec: 'bool', kind: 'boolean', get: true, set: true, families: IP, types: ['stream'], doc: 'Receive TCP_CM_INQ (bytes left to read) control messages.' },
  TCP_SAVE_SYN: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], doc: 'Save the SYN of incoming connections (read with TCP_SAVED_SYN).' },
  TCP_ULP: { level: 'IPPROTO_TCP', codec: 'string', kind: 'string', get: true, set: true, families: IP, types: ['stream'], maxLength: 15, doc: 'Upper layer protocol (\'tls\', ...) attached to a connected socket.', note: 'needs a connected socket' },
  TCP_TIMESTAMP: { level: 'IPPROTO_TCP', codec: 'u32', kind: 'uint', get: true, set: true, families: IP, types: ['stream'], capability: 'CAP_NET_ADMIN', doc: 'Current TCP timestamp value (set only in repair mode).' },
  TCP_REPAIR: { level: 'IPPROTO_TCP', codec: 'int', kind: 'int', get: true, set: true, families: IP, types: ['stream'], capability: 'CAP_NET_ADMIN', doc: 'TCP repair mode (checkpoint/restore).' },
  TCP_INFO: { level: 'IPPROTO_TCP', codec: 'bytes', kind: 'bytes', get: true, set: false, families: IP, types: ['stream'], doc: 'Raw struct tcp_info bytes (connection state and statistics).' },

  // ---- Packet sockets (SOL_PACKET): packet(7) ----
  PACKET_ADD_MEMBERSHIP: { level: 'SOL_PACKET', codec: 'packet_mreq', kind: 'packetMembership', get: false, set: true, families: PACKET, doc: 'Add a link-layer membership: promiscuous, all-multicast, a multicast or unicast MAC.' },
  PACKET_DROP_MEMBERSHIP: { level: 'SOL_PACKET', codec: 'packet_mreq', kind: 'packetMembership', get: false, set: true, families: PACKET, doc: 'Drop a link-layer membership.' },
  PACKET_RX_RING: { level: 'SOL_PACKET', codec: 'tpacket_req', kind: 'ring', get: false, set: true, families: PACKET, doc: 'Create the memory-mapped receive ring (tpacket_req; tpacket_req3 when TPACKET_V3 fields are given).', note: 'set PACKET_VERSION first' },
  PACKET_STATISTICS: { level: 'SOL_PACKET', codec: 'tpacket_stats', kind: 'packetStats', get: true, set: false, families: PACKET, doc: 'Packets received and dropped since the last read (reading resets them).' },
  PACKET_COPY_THRESH: { level: 'SOL_PACKET', codec: 'int', kind: 'int', get: false, set: true, families: PACKET, doc: 'Copy frames below this size to the ring.' },
  PACKET_AUXDATA: { level: 'SOL_PACKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: PACKET, doc: 'Receive PACKET_AUXDATA (VLAN tag, status, original length) with each frame.' },
  PACKET_ORIGDEV: { level: 'SOL_PACKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: PACKET, doc: 'Report the original device (not the bond/bridge master) in sockaddr_ll.' },
  PACKET_VERSION: { level: 'SOL_PACKET', codec: 'int', kind: 'enum', get: true, set: true, families: PACKET, values: { v1: 'TPACKET_V1', v2: 'TPACKET_V2', v3: 'TPACKET_V3' }, doc: 'TPACKET ring format version.', note: 'set before creating a ring' },
  PACKET_RESERVE: { level: 'SOL_PACKET', codec: 'int', kind: 'int', get: true, set: true, families: PACKET, doc: 'Headroom reserved in each ring frame.', note: 'set before creating a ring' },
  PACKET_TX_RING: { level: 'SOL_PACKET', codec: 'tpacket_req', kind: 'ring', get: false, set: true, families: PACKET, doc: 'Create the memory-mapped transmit ring.', note: 'set PACKET_VERSION first' },
  PACKET_LOSS: { level: 'SOL_PACKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: PACKET, doc: 'On the TX ring, skip malformed frames instead of stopping.' },
  PACKET_VNET_HDR: { level: 'SOL_PACKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: PACKET, doc: 'Frames carry a virtio_net_hdr (offloads).' },
  PACKET_TIMESTAMP: { level: 'SOL_PACKET', codec: 'int', kind: 'int', get: true, set: true, families: PACKET, doc: 'Timestamp source for ring frames (SOF_TIMESTAMPING_* flags).' },
  PACKET_FANOUT: { level: 'SOL_PACKET', codec: 'int', kind: 'fanout', get: true, set: true, families: PACKET, doc: 'Join a fanout group {id, mode, flags} that spreads frames over several sockets.', note: 'bind first' },
  PACKET_TX_HAS_OFF: { level: 'SOL_PACKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: PACKET, doc: 'TX ring frames carry their data offset.' },
  PACKET_QDISC_BYPASS: { level: 'SOL_PACKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: PACKET, doc: 'Send directly to the driver, bypassing the qdisc layer.' },
  PACKET_FANOUT_DATA: { level: 'SOL_PACKET', codec: 'sock_fprog', kind: 'filter', get: false, set: true, families: PACKET, doc: 'Classic BPF program choosing the socket in a PACKET_FANOUT_CBPF group.' },
  PACKET_IGNORE_OUTGOING: { level: 'SOL_PACKET', codec: 'bool', kind: 'boolean', get: true, set: true, families: PACKET, doc: 'Do not receive frames this host sends.' },
  PACKET_VNET_HDR_SZ: { level: 'SOL_PACKET', codec: 'int', kind: 'int', get: true, set: true, families: PACKET, doc: 'Size of the virtio_net_hdr on frames (0 disables).' },
} as const satisfies Record<string, OptionRow>;

/** Option names. */
export type OptionName = keyof typeof optionTable;
