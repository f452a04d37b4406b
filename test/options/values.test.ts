// How typed values convert to the codec-level form (no system call), for the
// kinds whose packing is easy to get wrong.
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { constants, encodeOptionValue, interfaceIndex } from '../helpers/sockit';

describe('option value conversion', () => {
  it('timeouts: milliseconds or {seconds, microseconds} → timeval', () => {
    expect(encodeOptionValue('SO_RCVTIMEO', 1500)).toMatchObject({ codec: 'timeval', value: { sec: 1, usec: 500000 } });
    expect(encodeOptionValue('SO_SNDTIMEO', { seconds: 3, microseconds: 7 })).toMatchObject({ value: { sec: 3, usec: 7 } });
  });

  it('linger → struct linger', () => {
    expect(encodeOptionValue('SO_LINGER', { enabled: true, seconds: 4 })).toMatchObject({ codec: 'linger', value: { onoff: 1, linger: 4 } });
  });

  it('IP_UNICAST_IF / IPV6_UNICAST_IF send the index in network byte order', () => {
    const lo = interfaceIndex('lo');
    const be = Buffer.alloc(4);
    be.writeUInt32BE(lo);
    expect(encodeOptionValue('IP_UNICAST_IF', 'lo').value).toBe(be.readInt32LE(0));
    expect(encodeOptionValue('IPV6_UNICAST_IF', lo).value).toBe(be.readInt32LE(0));
    expect(encodeOptionValue('IPV6_MULTICAST_IF', 'lo').value).toBe(lo); // host order
  });

  it('IPv4 membership picks ip_mreq for an address and ip_mreqn for a name or index', () => {
    expect(encodeOptionValue('IP_ADD_MEMBERSHIP', { group: '239.1.1.1', interface: '198.18.0.1' })).toMatchObject({
      codec: 'ip_mreq',
      value: { group: '239.1.1.1', interface: '198.18.0.1' },
    });
    expect(encodeOptionValue('IP_ADD_MEMBERSHIP', { group: '239.1.1.1', interface: 'lo' })).toMatchObject({
      codec: 'ip_mreqn',
      value: { group: '239.1.1.1', ifindex: interfaceIndex('lo') },
    });
    expect(encodeOptionValue('IP_ADD_MEMBERSHIP', { group: '239.1.1.1' })).toMatchObject({ codec: 'ip_mreqn', value: { ifindex: 0 } });
  });

  it('IP_MULTICAST_IF: in_addr for an address, ip_mreqn for a name or index', () => {
    expect(encodeOptionValue('IP_MULTICAST_IF', '198.18.0.1')).toMatchObject({ codec: 'in_addr', value: '198.18.0.1' });
    expect(encodeOptionValue('IP_MULTICAST_IF', 'lo')).toMatchObject({ codec: 'ip_mreqn', value: { ifindex: interfaceIndex('lo') } });
  });

  it('MCAST_* choose the level from the group family', () => {
    expect(encodeOptionValue('MCAST_JOIN_GROUP', { group: '239.1.1.1', interface: 'lo' }).level).toBe(constants.IPPROTO_IP);
    expect(encodeOptionValue('MCAST_JOIN_GROUP', { group: 'ff15::1', interface: 'lo' }).level).toBe(constants.IPPROTO_IPV6);
  });

  it('enums map names to this system\'s constants and pass numbers through', () => {
    expect(encodeOptionValue('IP_MTU_DISCOVER', 'probe').value).toBe(constants.IP_PMTUDISC_PROBE);
    expect(encodeOptionValue('PACKET_VERSION', 'v3').value).toBe(constants.TPACKET_V3);
    expect(encodeOptionValue('IP_MTU_DISCOVER', 2).value).toBe(2);
  });

  it('PACKET_FANOUT packs id | (mode | flags) << 16', () => {
    const v = encodeOptionValue('PACKET_FANOUT', { id: 77, mode: 'lb', flags: ['defrag', 'rollover'] }).value as number;
    expect(v & 0xffff).toBe(77);
    expect((v >>> 16) & 0xff).toBe(constants.PACKET_FANOUT_LB);
    expect(((v >>> 16) & 0xff00) >>> 0).toBe(constants.PACKET_FANOUT_FLAG_DEFRAG | constants.PACKET_FANOUT_FLAG_ROLLOVER);
  });

  it('rings: tpacket_req, or tpacket_req3 when a TPACKET_V3 field is given', () => {
    expect(encodeOptionValue('PACKET_RX_RING', { blockSize: 4096, blockCount: 2, frameSize: 2048, frameCount: 4 }).codec).toBe('tpacket_req');
    expect(encodeOptionValue('PACKET_RX_RING', { blockSize: 4096, blockCount: 2, frameSize: 2048, frameCount: 4, retireBlockTimeout: 10 }).codec).toBe(
      'tpacket_req3',
    );
  });

  it('packet membership: type names and MAC addresses', () => {
    const e = encodeOptionValue('PACKET_ADD_MEMBERSHIP', { interface: 'lo', type: 'multicast', address: '01:00:5e:00:00:fb' });
    expect(e).toMatchObject({ codec: 'packet_mreq', value: { ifindex: interfaceIndex('lo'), type: constants.PACKET_MR_MULTICAST } });
    expect([...(e.value as { address: Buffer }).address]).toEqual([1, 0, 0x5e, 0, 0, 0xfb]);
  });

  it('BPF programs pack to 8 bytes per instruction', () => {
    const e = encodeOptionValue('SO_ATTACH_FILTER', [
      { code: 0x28, jt: 0, jf: 0, k: 12 },
      { code: 0x06, jt: 0, jf: 0, k: 0xffffffff },
    ]);
    expect(e.codec).toBe('sock_fprog');
    // struct sock_filter in host byte order: u16 code, u8 jt, u8 jf, u32 k
    const want = Buffer.alloc(16);
    const le = os.endianness() === 'LE';
    [[0x28, 12], [0x06, 0xffffffff]].forEach(([code, k], i) => {
      if (le) want.writeUInt16LE(code as number, i * 8);
      else want.writeUInt16BE(code as number, i * 8);
      if (le) want.writeUInt32LE(k as number, i * 8 + 4);
      else want.writeUInt32BE(k as number, i * 8 + 4);
    });
    expect(e.value).toEqual(want);
  });
});
