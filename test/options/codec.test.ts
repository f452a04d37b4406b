// Byte-level checks of the struct codecs through native.encodeOption/decodeOption
// (no system call): exact layouts of the structures the kernel reads.
import { describe, expect, it } from 'vitest';
import { native } from '../helpers/sockit';

const id = (name: string): number => native.optionCodecs[name] as number;
const enc = (codec: string, value: unknown): Buffer => native.encodeOption(id(codec), value);
const dec = (codec: string, bytes: Uint8Array): unknown => native.decodeOption(id(codec), bytes);

describe('option codecs (byte level)', () => {
  it('int, bool, u32, u64', () => {
    expect(enc('int', -2)).toEqual(Buffer.from([0xfe, 0xff, 0xff, 0xff]));
    expect(enc('bool', true)).toEqual(Buffer.from([1, 0, 0, 0]));
    expect(dec('bool', Buffer.from([7, 0, 0, 0]))).toBe(true);
    expect(dec('int', Buffer.from([5]))).toBe(5); // one-byte answers of some IP options
    expect(enc('u32', 0xffffffff)).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    expect(enc('u64', 2n ** 64n - 1n)).toEqual(Buffer.alloc(8, 0xff));
    expect(dec('u64', Buffer.from([1, 0, 0, 0, 0, 0, 0, 1]))).toBe(2n ** 56n + 1n);
  });

  it('timeval and linger', () => {
    const tv = enc('timeval', { sec: 3, usec: 250000 });
    expect(tv.length).toBe(16);
    expect(tv.readBigInt64LE(0)).toBe(3n);
    expect(tv.readBigInt64LE(8)).toBe(250000n);
    expect(dec('timeval', tv)).toEqual({ sec: 3, usec: 250000 });
    expect(enc('linger', { onoff: 1, linger: 9 })).toEqual(Buffer.from([1, 0, 0, 0, 9, 0, 0, 0]));
  });

  it('ip_mreq, ip_mreqn, ip_mreq_source, in_addr', () => {
    expect(enc('in_addr', '198.18.0.1')).toEqual(Buffer.from([198, 18, 0, 1]));
    expect(enc('ip_mreq', { group: '239.1.2.3', interface: '198.18.0.1' })).toEqual(Buffer.from([239, 1, 2, 3, 198, 18, 0, 1]));
    expect(enc('ip_mreqn', { group: '239.1.2.3', address: '198.18.0.1', ifindex: 7 })).toEqual(
      Buffer.from([239, 1, 2, 3, 198, 18, 0, 1, 7, 0, 0, 0]),
    );
    expect(enc('ip_mreqn', { ifindex: 3 })).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0]));
    // struct ip_mreq_source is { multiaddr, interface, sourceaddr }
    expect(enc('ip_mreq_source', { group: '232.1.1.1', interface: '198.18.0.1', source: '198.18.0.2' })).toEqual(
      Buffer.from([232, 1, 1, 1, 198, 18, 0, 1, 198, 18, 0, 2]),
    );
    expect(dec('ip_mreqn', Buffer.from([239, 1, 2, 3, 0, 0, 0, 0, 2, 0, 0, 0]))).toEqual({ group: '239.1.2.3', address: '0.0.0.0', ifindex: 2 });
  });

  it('group_req and group_source_req in both families (sockaddr_storage)', () => {
    const g4 = enc('group_req', { ifindex: 5, group: '239.9.9.9' });
    expect(g4.length).toBe(136);
    expect(g4.readUInt32LE(0)).toBe(5);
    expect(g4.readUInt16LE(8)).toBe(2); // AF_INET
    expect([...g4.subarray(12, 16)]).toEqual([239, 9, 9, 9]);
    const g6 = enc('group_req', { ifindex: 6, group: 'ff15::42' });
    expect(g6.readUInt16LE(8)).toBe(10); // AF_INET6
    expect(g6.subarray(16, 32).toString('hex')).toBe('ff150000000000000000000000000042');
    expect(dec('group_req', g6)).toEqual({ ifindex: 6, group: 'ff15::42' });
    const gs = enc('group_source_req', { ifindex: 1, group: '232.0.0.1', source: '198.18.0.2' });
    expect(gs.length).toBe(264);
    expect(dec('group_source_req', gs)).toEqual({ ifindex: 1, group: '232.0.0.1', source: '198.18.0.2' });
    expect(() => enc('group_source_req', { ifindex: 1, group: '232.0.0.1', source: 'fd00:5f::1' })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    );
  });

  it('ipv6_mreq, packet_mreq', () => {
    const m = enc('ipv6_mreq', { group: 'ff02::1:3', ifindex: 4 });
    expect(m.length).toBe(20);
    expect(m.readUInt32LE(16)).toBe(4);
    const p = enc('packet_mreq', { ifindex: 2, type: 0, address: Buffer.from([1, 0, 0x5e, 0, 0, 1]) });
    expect(p.length).toBe(16);
    expect(p.readInt32LE(0)).toBe(2);
    expect(p.readUInt16LE(6)).toBe(6);
    expect(dec('packet_mreq', p)).toEqual({ ifindex: 2, type: 0, address: Buffer.from([1, 0, 0x5e, 0, 0, 1]) });
  });

  it('sock_fprog packs the instruction array and enforces BPF limits', () => {
    const one = Buffer.from([6, 0, 0, 0, 0xff, 0xff, 0, 0]);
    expect(enc('sock_fprog', one)).toEqual(one);
    expect(() => enc('sock_fprog', Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => enc('sock_fprog', Buffer.alloc(12))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => enc('sock_fprog', Buffer.alloc(8 * 4097))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(enc('sock_fprog', Buffer.alloc(8 * 4096)).length).toBe(8 * 4096);
  });

  it('tpacket structures and strings', () => {
    expect(enc('tpacket_req', { blockSize: 4096, blockNr: 2, frameSize: 2048, frameNr: 4 }).length).toBe(16);
    expect(enc('tpacket_req3', { blockSize: 4096, blockNr: 2, frameSize: 2048, frameNr: 4, retireBlkTov: 60 }).length).toBe(28);
    expect(dec('tpacket_stats', Buffer.from([1, 0, 0, 0, 2, 0, 0, 0]))).toEqual({ packets: 1, drops: 2 });
    expect(dec('tpacket_stats', Buffer.from([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]))).toEqual({ packets: 1, drops: 2, freezeQueueCount: 3 });
    expect(enc('string', 'cubic')).toEqual(Buffer.from('cubic\0'));
    expect(dec('string', Buffer.from('lo\0\0\0'))).toBe('lo');
    expect(dec('ucred', Buffer.from([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]))).toEqual({ pid: 1, uid: 2, gid: 3 });
  });

  it('decode rejects every wrong length', () => {
    for (const [codec, good] of [
      ['timeval', 16], ['linger', 8], ['ip_mreqn', 12], ['group_req', 136], ['ipv6_mreq', 20], ['ucred', 12], ['tpacket_req', 16],
    ] as const) {
      for (const len of [0, 1, good - 1, good + 1, 4096]) {
        expect(() => dec(codec, Buffer.alloc(len)), `${codec} ${len}`).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
      }
    }
  });
});
