// The TypeScript option table and the native table agree exactly, the
// generated native/option_table.inc is up to date, and the table covers
// everything the issue names.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { constants as typedConstants, native, optionTable, options } from '../helpers/sockit';

// Looked up by computed names here; `constants` itself has typed keys (test/options/constants.test.ts).
const constants = typedConstants as Readonly<Record<string, number | undefined>>;

const root = join(__dirname, '../..');

// Every option issue 2 names explicitly.
const REQUIRED = `SO_REUSEADDR SO_REUSEPORT SO_BROADCAST SO_RCVBUF SO_SNDBUF SO_RCVBUFFORCE SO_SNDBUFFORCE SO_BINDTODEVICE
SO_BINDTOIFINDEX SO_PRIORITY SO_MARK SO_RCVTIMEO SO_SNDTIMEO SO_LINGER SO_KEEPALIVE SO_ERROR SO_TYPE SO_DOMAIN SO_PROTOCOL
SO_TIMESTAMP SO_TIMESTAMPNS SO_TIMESTAMPING SO_RXQ_OVFL SO_ATTACH_FILTER SO_DETACH_FILTER SO_LOCK_FILTER SO_BUSY_POLL
SO_INCOMING_CPU SO_COOKIE IP_TTL IP_TOS IP_MULTICAST_TTL IP_MULTICAST_LOOP IP_MULTICAST_IF IP_MULTICAST_ALL
IP_ADD_MEMBERSHIP IP_DROP_MEMBERSHIP IP_ADD_SOURCE_MEMBERSHIP IP_DROP_SOURCE_MEMBERSHIP IP_BLOCK_SOURCE IP_UNBLOCK_SOURCE
MCAST_JOIN_GROUP MCAST_LEAVE_GROUP MCAST_JOIN_SOURCE_GROUP MCAST_LEAVE_SOURCE_GROUP MCAST_BLOCK_SOURCE MCAST_UNBLOCK_SOURCE
IP_PKTINFO IP_RECVTTL IP_RECVTOS IP_RECVERR IP_MTU_DISCOVER IP_MTU IP_HDRINCL IP_FREEBIND IP_TRANSPARENT IP_RECVORIGDSTADDR
IP_BIND_ADDRESS_NO_PORT IP_UNICAST_IF IPV6_V6ONLY IPV6_UNICAST_HOPS IPV6_MULTICAST_HOPS IPV6_MULTICAST_IF IPV6_MULTICAST_LOOP
IPV6_MULTICAST_ALL IPV6_JOIN_GROUP IPV6_ADD_MEMBERSHIP IPV6_LEAVE_GROUP IPV6_DROP_MEMBERSHIP IPV6_TCLASS IPV6_RECVTCLASS
IPV6_RECVHOPLIMIT IPV6_RECVPKTINFO IPV6_RECVERR IPV6_MTU_DISCOVER IPV6_DONTFRAG IPV6_RECVPATHMTU IPV6_FREEBIND
IPV6_TRANSPARENT UDP_SEGMENT UDP_GRO UDP_CORK TCP_NODELAY TCP_KEEPIDLE TCP_KEEPINTVL TCP_KEEPCNT TCP_USER_TIMEOUT
TCP_CONGESTION TCP_MAXSEG TCP_CORK TCP_QUICKACK TCP_NOTSENT_LOWAT TCP_FASTOPEN PACKET_ADD_MEMBERSHIP PACKET_DROP_MEMBERSHIP
PACKET_AUXDATA PACKET_STATISTICS PACKET_VERSION PACKET_RX_RING PACKET_TX_RING PACKET_RESERVE PACKET_LOSS PACKET_TIMESTAMP
PACKET_QDISC_BYPASS PACKET_FANOUT PACKET_IGNORE_OUTGOING`.split(/\s+/);

describe('option table', () => {
  it('has at least 100 options including every one the issue names', () => {
    expect(Object.keys(optionTable).length).toBeGreaterThanOrEqual(100);
    const missing = REQUIRED.filter((n) => !(n in optionTable));
    expect(missing).toEqual([]);
  });

  it('agrees exactly with the native table: same names, order, levels, numbers and codecs', () => {
    const ts = Object.entries(optionTable).map(([name, row]) => ({ name, levelName: row.level, codec: row.codec }));
    const nat = native.optionTable.map((r) => ({ name: r.name, levelName: r.levelName, codec: r.codec }));
    expect(nat).toEqual(ts);
    for (const r of native.optionTable) {
      const info = options[r.name as keyof typeof options];
      expect(info.supported, r.name).toBe(r.supported);
      expect(info.optname, r.name).toBe(r.optname);
      expect(info.level, r.name).toBe(r.level);
      if (r.supported) {
        // The number is this system's constant of that name, and the level is the level constant's.
        expect(constants[r.name], r.name).toBe(r.optname);
        expect(constants[r.levelName], r.name).toBe(r.level);
      } else {
        expect(r.optname).toBe(-1);
      }
    }
  });

  it('native codec ids cover every codec the table uses', () => {
    for (const row of Object.values(optionTable)) expect(native.optionCodecs[row.codec], row.codec).toBeTypeOf('number');
  });

  it('native/option_table.inc is up to date with lib/options/table.ts', () => {
    const out = execFileSync(process.execPath, [join(root, 'scripts/gen-option-table.mjs'), '--check'], { encoding: 'utf8' });
    expect(out).toMatch(/up to date/);
  });

  it('has a doc line for every row, and sane metadata', () => {
    for (const [name, info] of Object.entries(options)) {
      expect(info.doc.length, name).toBeGreaterThan(10);
      expect(info.doc, name).not.toMatch(/\n/);
      expect(info.readable || info.writable, name).toBe(true);
      expect(info.families.length, name).toBeGreaterThan(0);
      expect(info.name).toBe(name);
    }
  });

  it('enum values name constants that exist on this system', () => {
    for (const [name, row] of Object.entries(optionTable)) {
      const values = (row as { values?: Record<string, string> }).values;
      if (!values) continue;
      for (const cname of Object.values(values)) expect(constants[cname], `${name}: ${cname}`).toBeTypeOf('number');
    }
  });

  it('exports the constant families other areas need', () => {
    for (const n of [
      'SOL_SOCKET', 'SOL_IP', 'SOL_IPV6', 'SOL_PACKET', 'SOL_TCP', 'SOL_UDP', 'ETH_P_ALL', 'ETH_P_IP', 'ETH_P_IPV6', 'ETH_P_ARP',
      'ETH_P_8021Q', 'MSG_PEEK', 'MSG_DONTWAIT', 'MSG_ERRQUEUE', 'MSG_TRUNC', 'IP_PMTUDISC_DO', 'SOF_TIMESTAMPING_RX_SOFTWARE',
      'PACKET_FANOUT_HASH', 'PACKET_FANOUT_FLAG_DEFRAG', 'PACKET_MR_PROMISC', 'PACKET_HOST', 'PACKET_OUTGOING', 'ARPHRD_ETHER',
      'IFF_UP', 'IFF_MULTICAST', 'TPACKET_V3', 'BPF_MAXINSNS', 'SCM_TIMESTAMPNS', 'IPV6_PKTINFO', 'IP_ORIGDSTADDR', 'UDP_GRO',
    ]) {
      expect(constants[n], n).toBeTypeOf('number');
    }
  });
});
