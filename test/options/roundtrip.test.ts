// Table-driven round trips over the WHOLE option table, socket2 style: read the
// initial value, set a different one, read it back — on IPv4 and IPv6 where
// both apply. Read-only options are read and checked, write-only options are
// set and their effect verified, unsupported ones must fail with ENOPROTOOPT.
// A test asserts every row of the table has a case here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Socket, SocketError, constants, getOption, interfaceIndex, kernelSupport, options, setOption } from '../helpers/sockit';
import type { OptionInfo } from '../helpers/sockit';
import { describeWith } from '../helpers/env';

type SockKey = 'udp4' | 'udp6' | 'tcp4' | 'tcp6' | 'raw4' | 'raw6' | 'icmp4' | 'icmp6' | 'unixd' | 'unixs' | 'packet';

interface Spec {
  /** Sockets to run on (default: derived from the row's families/types). */
  sockets?: SockKey[];
  /** Prepare the socket (bind, connect, listen, ...). */
  setup?: (s: Socket, key: SockKey) => void;
  /** Value to set (rw and write-only rows). Booleans default to the opposite of the initial value. */
  set?: unknown | ((key: SockKey) => unknown);
  /** Expected read-back (default: `set`, or doubled for `readback: 'doubled'`). */
  expect?: unknown | ((key: SockKey) => unknown);
  /** Check the value of a read-only option (or the initial value of a rw one). */
  read?: (v: unknown, s: Socket, key: SockKey) => void;
  /** After setting a write-only option: verify its effect. */
  verify?: (s: Socket, key: SockKey) => void;
  /** Test this rw row by reading only, and say why. */
  readOnlyBecause?: string;
  /** Setting `set` must fail with this SocketError code (why in `because`). */
  error?: string;
  because?: string;
}

const IFACE = 'skrt0'; // a veth end in this test's private namespace
const IFACE_ADDR = '198.18.99.1';
let ifindex = 0;
let tmp = '';
let unixCounter = 0;

const FILTER_ACCEPT = [{ code: 0x06, jt: 0, jf: 0, k: 0xffff }]; // ret #65535
const FILTER_DROP = [{ code: 0x06, jt: 0, jf: 0, k: 0 }]; // ret #0

function make(key: SockKey): Socket {
  switch (key) {
    case 'udp4':
      return new Socket('ipv4', 'dgram');
    case 'udp6':
      return new Socket('ipv6', 'dgram');
    case 'tcp4':
      return new Socket('ipv4', 'stream');
    case 'tcp6':
      return new Socket('ipv6', 'stream');
    case 'raw4':
      return new Socket('ipv4', 'raw', 253); // experimental protocol number: no kernel handler interferes
    case 'raw6':
      return new Socket('ipv6', 'raw', 253);
    case 'icmp4':
      return new Socket('ipv4', 'raw', 1); // ICMP_FILTER applies to IPPROTO_ICMP raw sockets only
    case 'icmp6':
      return new Socket('ipv6', 'raw', 58);
    case 'unixd':
      return new Socket('unix', 'dgram');
    case 'unixs':
      return new Socket('unix', 'stream');
    case 'packet':
      return new Socket('packet', 'raw', constants.ETH_P_ALL);
  }
}

function defaultSockets(info: OptionInfo): SockKey[] {
  const fams = info.families;
  const type = info.types?.[0] ?? 'dgram';
  const out: SockKey[] = [];
  if (fams.includes('ipv4') || fams.includes('ipv6')) {
    for (const v of ['4', '6'] as const) {
      if (!fams.includes(v === '4' ? 'ipv4' : 'ipv6')) continue;
      out.push(`${type === 'stream' ? 'tcp' : type === 'raw' ? 'raw' : 'udp'}${v}` as SockKey);
    }
  } else if (fams.includes('packet')) out.push('packet');
  else if (fams.includes('unix')) out.push(type === 'stream' || type === 'seqpacket' ? 'unixs' : 'unixd');
  return out;
}

const isV6 = (k: SockKey): boolean => k.endsWith('6');
const loopback = (k: SockKey): string => (isV6(k) ? '::1' : '127.0.0.1');
const connectUdp = (s: Socket, k: SockKey): void => {
  const peer = make(k).bind(`${isV6(k) ? '[::1]' : '127.0.0.1'}:0`);
  s.connect(peer.localAddress());
  peer.close();
};
const listenTcp = (s: Socket, k: SockKey): void => {
  s.bind(`${isV6(k) ? '[::1]' : '127.0.0.1'}:0`).listen(4);
};
const expectCode = (fn: () => unknown, code: string): void => {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected SocketError ${code}`).toBeInstanceOf(SocketError);
  expect((err as SocketError).code).toBe(code);
};
const joined = (s: Socket, name: string, value: unknown, leave: string): void => {
  // The join worked iff leaving now succeeds and leaving again fails.
  setOption(s, leave as never, value as never);
  expectCode(() => setOption(s, leave as never, value as never), 'EADDRNOTAVAIL');
  void name;
};
const promiscuity = (): number => Number(/promiscuity (\d+)/.exec(execFileSync('ip', ['-d', 'link', 'show', IFACE], { encoding: 'utf8' }))?.[1]);
const linkMulticast = (): string => execFileSync('ip', ['maddr', 'show', 'dev', IFACE], { encoding: 'utf8' });
const group4 = '239.77.0.1';
const group6 = 'ff15::77';
const ssm4 = '232.77.0.1';
const ssm6 = 'ff35::77';
const src4 = '198.18.99.2';
const src6 = 'fd00:5f:99::2';

const SPECS: Record<string, Spec> = {
  // ---- SOL_SOCKET
  SO_TYPE: { read: (v, _s, k) => expect(v).toBe(k.startsWith('tcp') ? constants.SOCK_STREAM : constants.SOCK_DGRAM) },
  SO_ERROR: { read: (v) => expect(v).toBe(0) },
  SO_SNDBUF: { set: 65536 },
  SO_RCVBUF: { set: 65536 },
  SO_SNDBUFFORCE: { set: 300000, verify: (s) => expect(s.getOption('SO_SNDBUF')).toBe(600000) },
  SO_RCVBUFFORCE: { set: 300000, verify: (s) => expect(s.getOption('SO_RCVBUF')).toBe(600000) },
  SO_PRIORITY: { set: 5 },
  SO_LINGER: { sockets: ['tcp4', 'tcp6'], set: { enabled: true, seconds: 5 } },
  SO_PEERCRED: {
    setup: (s) => {
      const path = join(tmp, `peer${unixCounter++}.sock`);
      const server = new Socket('unix', 'stream').bind(path).listen(1);
      s.connect(path);
      (s as unknown as { _server: Socket })._server = server;
    },
    read: (v) => expect(v).toEqual({ pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() }),
  },
  SO_RCVLOWAT: { set: 10 },
  SO_SNDLOWAT: { read: (v) => expect(v).toBe(1) },
  SO_RCVTIMEO: { set: { seconds: 2, microseconds: 500000 } },
  SO_SNDTIMEO: { set: 1500, expect: { seconds: 1, microseconds: 500000 } },
  SO_BINDTODEVICE: { set: 'lo' },
  SO_ATTACH_FILTER: { set: FILTER_DROP },
  SO_DETACH_FILTER: {
    setup: (s) => s.setOption('SO_ATTACH_FILTER', FILTER_ACCEPT),
    set: true,
    verify: (s) => {
      expect(s.getOption('SO_ATTACH_FILTER')).toEqual([]);
      expectCode(() => s.setOption('SO_DETACH_FILTER', true), 'ENOENT');
    },
  },
  SO_TIMESTAMPING: { set: () => constants.SOF_TIMESTAMPING_RX_SOFTWARE | constants.SOF_TIMESTAMPING_SOFTWARE },
  SO_ACCEPTCONN: { sockets: ['tcp4', 'tcp6'], setup: listenTcp, read: (v) => expect(v).toBe(true) },
  SO_MARK: { set: 42 },
  SO_PROTOCOL: { read: (v, _s, k) => expect(v).toBe(k.startsWith('tcp') ? constants.IPPROTO_TCP : constants.IPPROTO_UDP) },
  SO_DOMAIN: { read: (v, _s, k) => expect(v).toBe(isV6(k) ? constants.AF_INET6 : constants.AF_INET) },
  SO_MEMINFO: { read: (v) => expect(v).toMatchObject({ drops: 0, rcvbuf: expect.any(Number), sndbuf: expect.any(Number) }) },
  SO_PEEK_OFF: { set: 0 },
  SO_BUSY_POLL: { set: 50 },
  SO_MAX_PACING_RATE: { set: 1000000n },
  SO_BPF_EXTENSIONS: { read: (v) => expect(v).toBeGreaterThan(0) },
  SO_INCOMING_CPU: { set: 0 },
  SO_ATTACH_BPF: { set: 0, error: 'EINVAL', because: 'descriptor 0 is not an eBPF program; loading eBPF is out of scope' },
  SO_DETACH_BPF: {
    setup: (s) => s.setOption('SO_ATTACH_FILTER', FILTER_ACCEPT),
    set: true,
    verify: (s) => expect(s.getOption('SO_ATTACH_FILTER')).toEqual([]),
  },
  SO_ATTACH_REUSEPORT_CBPF: {
    setup: (s) => s.setOption('SO_REUSEPORT', true),
    set: [{ code: 0x06, jt: 0, jf: 0, k: 0 }],
    verify: (s) => s.setOption('SO_DETACH_REUSEPORT_BPF', true),
  },
  SO_ATTACH_REUSEPORT_EBPF: { set: 0, error: 'EINVAL', because: 'descriptor 0 is not an eBPF program' },
  SO_DETACH_REUSEPORT_BPF: {
    setup: (s) => {
      s.setOption('SO_REUSEPORT', true);
      s.setOption('SO_ATTACH_REUSEPORT_CBPF', FILTER_DROP);
    },
    set: true,
    verify: (s) => expectCode(() => s.setOption('SO_DETACH_REUSEPORT_BPF', true), 'ENOENT'),
  },
  SO_CNX_ADVICE: { set: 1 },
  SO_INCOMING_NAPI_ID: { read: (v) => expect(v).toBe(0) },
  SO_COOKIE: { read: (v) => expect(v).toBeGreaterThan(0n) },
  SO_BINDTOIFINDEX: { set: 'lo', expect: 1 },
  SO_BUSY_POLL_BUDGET: { set: 16 },
  SO_TXREHASH: { sockets: ['tcp4', 'tcp6'], set: 0 },
  SO_NETNS_COOKIE: { read: (v) => expect(typeof v === 'bigint' && v > 0n).toBe(true) },
  SO_BUF_LOCK: { set: 3 },
  SO_RESERVE_MEM: { read: (v) => expect(v).toBe(0), readOnlyBecause: 'reserving needs memcg socket accounting (EOPNOTSUPP without it)' },

  // ---- IPPROTO_IP
  IP_TOS: { set: 0x10 },
  IP_TTL: { set: 7 },
  IP_OPTIONS: { set: Buffer.from([1, 1, 1, 0]), expect: Buffer.from([1, 1, 1, 0]) },
  IP_MTU_DISCOVER: { set: 'do' },
  IP_MTU: { setup: connectUdp, read: (v) => expect(v).toBeGreaterThanOrEqual(65535) },
  IP_MINTTL: { set: 10 },
  IP_MULTICAST_IF: { set: IFACE_ADDR },
  IP_MULTICAST_TTL: { set: 5 },
  IP_ADD_MEMBERSHIP: { set: { group: group4, interface: IFACE }, verify: (s) => joined(s, 'IP_ADD_MEMBERSHIP', { group: group4, interface: IFACE }, 'IP_DROP_MEMBERSHIP') },
  IP_DROP_MEMBERSHIP: {
    setup: (s) => s.setOption('IP_ADD_MEMBERSHIP', { group: group4, interface: IFACE_ADDR }),
    set: { group: group4, interface: IFACE_ADDR },
    verify: (s) => expectCode(() => s.setOption('IP_DROP_MEMBERSHIP', { group: group4, interface: IFACE_ADDR }), 'EADDRNOTAVAIL'),
  },
  IP_ADD_SOURCE_MEMBERSHIP: {
    set: { group: ssm4, source: src4, interface: IFACE_ADDR },
    verify: (s) => s.setOption('IP_DROP_SOURCE_MEMBERSHIP', { group: ssm4, source: src4, interface: IFACE_ADDR }),
  },
  IP_DROP_SOURCE_MEMBERSHIP: {
    setup: (s) => s.setOption('IP_ADD_SOURCE_MEMBERSHIP', { group: ssm4, source: src4, interface: IFACE_ADDR }),
    set: { group: ssm4, source: src4, interface: IFACE_ADDR },
    verify: (s) => expectCode(() => s.setOption('IP_DROP_SOURCE_MEMBERSHIP', { group: ssm4, source: src4, interface: IFACE_ADDR }), 'EINVAL'),
  },
  IP_BLOCK_SOURCE: {
    setup: (s) => s.setOption('IP_ADD_MEMBERSHIP', { group: group4, interface: IFACE_ADDR }),
    set: { group: group4, source: src4, interface: IFACE_ADDR },
    verify: (s) => s.setOption('IP_UNBLOCK_SOURCE', { group: group4, source: src4, interface: IFACE_ADDR }),
  },
  IP_UNBLOCK_SOURCE: {
    setup: (s) => {
      s.setOption('IP_ADD_MEMBERSHIP', { group: group4, interface: IFACE_ADDR });
      s.setOption('IP_BLOCK_SOURCE', { group: group4, source: src4, interface: IFACE_ADDR });
    },
    set: { group: group4, source: src4, interface: IFACE_ADDR },
    verify: (s) => expectCode(() => s.setOption('IP_UNBLOCK_SOURCE', { group: group4, source: src4, interface: IFACE_ADDR }), 'EADDRNOTAVAIL'),
  },
  IP_UNICAST_IF: { set: IFACE, expect: () => ifindex },
  IP_LOCAL_PORT_RANGE: { set: { low: 40000, high: 40100 } },
  IP_PROTOCOL: { sockets: ['raw4'], read: (v) => expect(v).toBe(253) },
  MCAST_JOIN_GROUP: {
    set: (k: SockKey) => ({ group: isV6(k) ? group6 : group4, interface: IFACE }),
    verify: (s, k) => joined(s, 'MCAST_JOIN_GROUP', { group: isV6(k) ? group6 : group4, interface: IFACE }, 'MCAST_LEAVE_GROUP'),
  },
  MCAST_LEAVE_GROUP: {
    setup: (s, k) => s.setOption('MCAST_JOIN_GROUP', { group: isV6(k) ? group6 : group4, interface: ifindex }),
    set: (k: SockKey) => ({ group: isV6(k) ? group6 : group4, interface: ifindex }),
    verify: (s, k) => expectCode(() => s.setOption('MCAST_LEAVE_GROUP', { group: isV6(k) ? group6 : group4, interface: ifindex }), 'EADDRNOTAVAIL'),
  },
  MCAST_JOIN_SOURCE_GROUP: {
    set: (k: SockKey) => ({ group: isV6(k) ? ssm6 : ssm4, source: isV6(k) ? src6 : src4, interface: IFACE }),
    verify: (s, k) => s.setOption('MCAST_LEAVE_SOURCE_GROUP', { group: isV6(k) ? ssm6 : ssm4, source: isV6(k) ? src6 : src4, interface: IFACE }),
  },
  MCAST_LEAVE_SOURCE_GROUP: {
    setup: (s, k) => s.setOption('MCAST_JOIN_SOURCE_GROUP', { group: isV6(k) ? ssm6 : ssm4, source: isV6(k) ? src6 : src4, interface: IFACE }),
    set: (k: SockKey) => ({ group: isV6(k) ? ssm6 : ssm4, source: isV6(k) ? src6 : src4, interface: IFACE }),
    verify: (s, k) =>
      expectCode(() => s.setOption('MCAST_LEAVE_SOURCE_GROUP', { group: isV6(k) ? ssm6 : ssm4, source: isV6(k) ? src6 : src4, interface: IFACE }), 'EINVAL'),
  },
  MCAST_BLOCK_SOURCE: {
    setup: (s, k) => s.setOption('MCAST_JOIN_GROUP', { group: isV6(k) ? group6 : group4, interface: IFACE }),
    set: (k: SockKey) => ({ group: isV6(k) ? group6 : group4, source: isV6(k) ? src6 : src4, interface: IFACE }),
    verify: (s, k) => s.setOption('MCAST_UNBLOCK_SOURCE', { group: isV6(k) ? group6 : group4, source: isV6(k) ? src6 : src4, interface: IFACE }),
  },
  MCAST_UNBLOCK_SOURCE: {
    setup: (s, k) => {
      s.setOption('MCAST_JOIN_GROUP', { group: isV6(k) ? group6 : group4, interface: IFACE });
      s.setOption('MCAST_BLOCK_SOURCE', { group: isV6(k) ? group6 : group4, source: isV6(k) ? src6 : src4, interface: IFACE });
    },
    set: (k: SockKey) => ({ group: isV6(k) ? group6 : group4, source: isV6(k) ? src6 : src4, interface: IFACE }),
    verify: (s, k) =>
      expectCode(() => s.setOption('MCAST_UNBLOCK_SOURCE', { group: isV6(k) ? group6 : group4, source: isV6(k) ? src6 : src4, interface: IFACE }), 'EADDRNOTAVAIL'),
  },

  // ---- IPPROTO_IPV6
  IPV6_UNICAST_HOPS: { set: 9 },
  IPV6_MULTICAST_HOPS: { set: 5 },
  IPV6_MULTICAST_IF: { set: IFACE, expect: () => ifindex },
  IPV6_JOIN_GROUP: { set: { group: group6, interface: IFACE }, verify: (s) => joined(s, 'IPV6_JOIN_GROUP', { group: group6, interface: IFACE }, 'IPV6_LEAVE_GROUP') },
  IPV6_ADD_MEMBERSHIP: { set: { group: group6, interface: IFACE }, verify: (s) => joined(s, 'IPV6_ADD_MEMBERSHIP', { group: group6, interface: IFACE }, 'IPV6_DROP_MEMBERSHIP') },
  IPV6_LEAVE_GROUP: {
    setup: (s) => s.setOption('IPV6_JOIN_GROUP', { group: group6, interface: ifindex }),
    set: { group: group6, interface: ifindex },
    verify: (s) => expectCode(() => s.setOption('IPV6_LEAVE_GROUP', { group: group6, interface: ifindex }), 'EADDRNOTAVAIL'),
  },
  IPV6_DROP_MEMBERSHIP: {
    setup: (s) => s.setOption('IPV6_ADD_MEMBERSHIP', { group: group6, interface: IFACE }),
    set: { group: group6, interface: IFACE },
    verify: (s) => expectCode(() => s.setOption('IPV6_DROP_MEMBERSHIP', { group: group6, interface: IFACE }), 'EADDRNOTAVAIL'),
  },
  IPV6_TCLASS: { set: 0x20 },
  IPV6_MTU_DISCOVER: { set: 'probe' },
  IPV6_MTU: { setup: connectUdp, read: (v) => expect(v).toBeGreaterThanOrEqual(65535), readOnlyBecause: 'set changes the fragment size, read reports the path MTU' },
  IPV6_UNICAST_IF: { set: IFACE, expect: () => ifindex },
  IPV6_ADDR_PREFERENCES: { set: () => constants.IPV6_PREFER_SRC_PUBLIC, expect: (k: SockKey) => (void k, expect.any(Number)) },
  IPV6_MINHOPCOUNT: { set: 10 },
  IPV6_CHECKSUM: { set: 2 },
  ICMP_FILTER: { sockets: ['icmp4'], set: 0xfffffffe }, // only echo replies (type 0) pass
  ICMP6_FILTER: { sockets: ['icmp6'], set: Buffer.concat([Buffer.alloc(16, 0xff), Buffer.from([0xfd, 0xff, 0xff, 0xff]), Buffer.alloc(12, 0xff)]) }, // only 129 passes (word 4, bit 1)

  // ---- IPPROTO_UDP
  UDP_SEGMENT: { set: 1200 },
  UDP_ENCAP: { set: 2 /* UDP_ENCAP_ESPINUDP */ },

  // ---- IPPROTO_TCP
  TCP_MAXSEG: { set: 1000 },
  TCP_KEEPIDLE: { set: 30 },
  TCP_KEEPINTVL: { set: 10 },
  TCP_KEEPCNT: { set: 3 },
  TCP_SYNCNT: { set: 3 },
  TCP_LINGER2: { set: 30 },
  TCP_DEFER_ACCEPT: { set: 7 },
  TCP_WINDOW_CLAMP: { set: 20000 },
  TCP_CONGESTION: { set: 'reno' },
  TCP_USER_TIMEOUT: { set: 5000 },
  TCP_NOTSENT_LOWAT: { set: 16384 },
  TCP_FASTOPEN: { set: 5 },
  TCP_TX_DELAY: { set: 100 },
  TCP_SAVE_SYN: { set: 1 },
  TCP_ULP: { read: (v) => expect(v).toBe(''), readOnlyBecause: 'attaching an upper-layer protocol needs an established connection and its module' },
  TCP_TIMESTAMP: { read: (v) => expect(v).toBeTypeOf('number'), readOnlyBecause: 'setting needs TCP repair mode' },
  TCP_REPAIR: { set: 1, verify: undefined },
  TCP_INFO: { read: (v) => expect((v as Buffer).length).toBeGreaterThan(100) },

  // ---- SOL_PACKET
  PACKET_ADD_MEMBERSHIP: {
    set: { interface: IFACE, type: 'promisc' },
    verify: (s) => {
      expect(promiscuity()).toBe(1);
      s.setOption('PACKET_DROP_MEMBERSHIP', { interface: IFACE, type: 'promisc' });
      expect(promiscuity()).toBe(0);
    },
  },
  PACKET_DROP_MEMBERSHIP: {
    setup: (s) => {
      s.setOption('PACKET_ADD_MEMBERSHIP', { interface: IFACE, type: 'multicast', address: '01:00:5e:01:02:03' });
      expect(linkMulticast()).toContain('01:00:5e:01:02:03');
    },
    set: { interface: IFACE, type: 'multicast', address: '01:00:5e:01:02:03' },
    verify: () => expect(linkMulticast()).not.toContain('01:00:5e:01:02:03'),
  },
  PACKET_RX_RING: {
    set: { blockSize: 4096, blockCount: 4, frameSize: 2048, frameCount: 8 },
    verify: (s) => expectCode(() => s.setOption('PACKET_RX_RING', { blockSize: 4096, blockCount: 4, frameSize: 2048, frameCount: 8 }), 'EBUSY'),
  },
  PACKET_TX_RING: {
    setup: (s) => s.setOption('PACKET_VERSION', 'v2'),
    set: { blockSize: 4096, blockCount: 2, frameSize: 2048, frameCount: 4 },
    verify: (s) => expectCode(() => s.setOption('PACKET_VERSION', 'v3'), 'EBUSY'),
  },
  PACKET_STATISTICS: { read: (v) => expect(v).toEqual({ packets: expect.any(Number), drops: 0 }) },
  PACKET_COPY_THRESH: { set: 128 },
  PACKET_VERSION: { set: 'v3' },
  PACKET_RESERVE: { set: 64 },
  PACKET_TIMESTAMP: { set: () => constants.SOF_TIMESTAMPING_RAW_HARDWARE },
  PACKET_FANOUT: { setup: (s) => s.bind({ interface: 'lo' }), set: { id: 77, mode: 'hash', flags: ['defrag'] } },
  PACKET_FANOUT_DATA: {
    setup: (s) => {
      s.bind({ interface: 'lo' });
      s.setOption('PACKET_FANOUT', { id: 78, mode: 'cbpf' });
    },
    set: FILTER_ACCEPT,
  },
};

// Boolean rows whose socket must be prepared, or that cannot be flipped back.
const BOOLEAN_SETUP: Record<string, Spec> = {
  SO_LOCK_FILTER: { set: true },
  SO_PASSSEC: { readOnlyBecause: 'needs an LSM providing security contexts', read: (v) => expect(typeof v).toBe('boolean') },
  IP_HDRINCL: {},
  TCP_QUICKACK: { set: false },
};

function resolve<T>(v: T | ((k: SockKey) => T), k: SockKey): T {
  return typeof v === 'function' ? (v as (k: SockKey) => T)(k) : v;
}

describeWith(['netns', 'CAP_NET_ADMIN', 'CAP_NET_RAW'], 'option round trips over the whole table', () => {
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'sockit-opt-'));
    const sh = (cmd: string): void => void execFileSync('sh', ['-c', cmd], { stdio: 'pipe' });
    sh(`ip link add ${IFACE} type veth peer name ${IFACE}p || true`);
    sh(`ip link set ${IFACE} up && ip link set ${IFACE}p up`);
    sh(`ip addr add ${IFACE_ADDR}/24 dev ${IFACE} || true`);
    sh(`ip -6 addr add fd00:5f:99::1/64 dev ${IFACE} nodad || true`);
    ifindex = interfaceIndex(IFACE); // not /sys/class/net: that shows the parent namespace
  });
  afterAll(() => {
    try {
      execFileSync('ip', ['link', 'del', IFACE], { stdio: 'ignore' });
    } catch {
      /* gone with the namespace */
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the running kernel knows every readable option this build supports (else those rows assert ENOPROTOOPT)', () => {
    const k = kernelSupport();
    const lacking = Object.values(options).filter((o) => o.supported && o.readable && k[o.name] === false).map((o) => o.name);
    // Not an error by itself: printed so a run on an older kernel shows what it lacks.
    if (lacking.length) console.log(`kernel lacks: ${lacking.join(' ')}`);
    expect(k.SO_REUSEADDR).toBe(true);
    expect(Object.values(options).filter((o) => !o.supported).every((o) => k[o.name] === false)).toBe(true);
  });

  it('has a case for every row of the table', () => {
    const uncovered = Object.values(options)
      .filter((o) => o.supported && !(o.name in SPECS) && !(o.kind === 'boolean' && o.readable && o.writable))
      .map((o) => o.name);
    expect(uncovered).toEqual([]);
  });

  for (const info of Object.values(options)) {
    const spec: Spec = SPECS[info.name] ?? BOOLEAN_SETUP[info.name] ?? {};
    const sockets = spec.sockets ?? defaultSockets(info);
    for (const key of sockets) {
      const title = `${info.name} on ${key}`;
      if (!info.supported || kernelSupport()[info.name] === false) {
        it(`${title}: unsupported by this ${info.supported ? 'kernel' : 'build'} → ENOPROTOOPT`, () => {
          const s = make(key);
          try {
            if (info.writable) expectCode(() => setOption(s, info.name as never, (info.kind === 'boolean' ? true : 1) as never), 'ENOPROTOOPT');
            if (info.readable) expectCode(() => getOption(s, info.name as never), 'ENOPROTOOPT');
          } finally {
            s.close();
          }
        });
        continue;
      }
      it(title, () => {
        const s = make(key);
        try {
          spec.setup?.(s, key);
          if (spec.error) {
            expectCode(() => setOption(s, info.name as never, resolve(spec.set, key) as never), spec.error);
            return;
          }
          if (info.readable && (!info.writable || spec.readOnlyBecause)) {
            const v = getOption(s, info.name as never);
            spec.read?.(v, s, key);
            return;
          }
          if (!info.readable) {
            setOption(s, info.name as never, resolve(spec.set, key) as never);
            spec.verify?.(s, key);
            return;
          }
          // read, set a different value, read back
          const initial = getOption(s, info.name as never);
          spec.read?.(initial, s, key);
          let value = resolve(spec.set, key);
          if (value === undefined && info.kind === 'boolean') value = !initial;
          expect(value, 'a value to set').not.toBeUndefined();
          setOption(s, info.name as never, value as never);
          const after = getOption(s, info.name as never);
          let want = spec.expect !== undefined ? resolve(spec.expect, key) : value;
          if (info.readback === 'doubled') want = (value as number) * 2;
          expect(after).toEqual(want);
          expect(after, 'the round trip changed the value').not.toEqual(initial);
          spec.verify?.(s, key);
        } finally {
          (s as unknown as { _server?: Socket })._server?.close();
          s.close();
        }
      });
    }
  }
});
