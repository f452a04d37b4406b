// The native control-message decoder (native/codec/cmsg.cc) on hand-built and
// hostile input, and the error-queue path (IP_RECVERR) end to end.
import { afterEach, describe, expect, it } from 'vitest';
import { ControlLayout, SocketError, UdpSocket, native } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { Pool, nextError } from './helpers';

const io = native.ioConstants;
const pool = new Pool();
afterEach(() => pool.closeAll());

/** One cmsg: 16-byte header (u64 len, i32 level, i32 type), data, padded to 8. */
function cmsg(level: number, type: number, data: Buffer, lenOverride?: bigint): Buffer {
  const len = 16 + data.length;
  const out = Buffer.alloc((len + 7) & ~7);
  out.writeBigUInt64LE(lenOverride ?? BigInt(len), 0);
  out.writeInt32LE(level, 8);
  out.writeInt32LE(type, 12);
  data.copy(out, 16);
  return out;
}
const u32 = (...v: number[]): Buffer => Buffer.from(new Uint32Array(v).buffer);

describe('control-message decoder (no traffic)', () => {
  it('decodes IP_PKTINFO, IP_TTL, IP_TOS, SO_TIMESTAMPNS, SO_RXQ_OVFL in one buffer', () => {
    const pktinfo = Buffer.concat([u32(7), Buffer.from([0, 0, 0, 0]), Buffer.from([239, 192, 0, 100])]);
    const ts = Buffer.alloc(16);
    ts.writeBigInt64LE(1_700_000_000n, 0);
    ts.writeBigInt64LE(123_456_789n, 8);
    const buf = Buffer.concat([
      cmsg(0, 8, pktinfo), // IP_PKTINFO
      cmsg(0, 2, u32(33)), // IP_TTL
      cmsg(0, 1, Buffer.from([0xb8])), // IP_TOS (one byte)
      cmsg(1, 35, ts), // SO_TIMESTAMPNS
      cmsg(1, 40, u32(12)), // SO_RXQ_OVFL
    ]);
    const r = native.ioDecodeControl(buf);
    const present = r.readUInt32LE(0);
    for (const bit of [io.HAS_PKTINFO, io.HAS_TTL, io.HAS_TOS, io.HAS_TIMESTAMP, io.HAS_DROP_COUNT]) expect(present & bit).toBe(bit);
    expect(r.readUInt32LE(ControlLayout.ifindex)).toBe(7);
    expect([...r.subarray(ControlLayout.dst, ControlLayout.dst + 4)]).toEqual([239, 192, 0, 100]);
    expect(r.readInt32LE(ControlLayout.ttl)).toBe(33);
    expect(r.readInt32LE(ControlLayout.tos)).toBe(0xb8);
    expect(r.readBigInt64LE(ControlLayout.timestampNs)).toBe(1_700_000_000_123_456_789n);
    expect(r.readUInt32LE(ControlLayout.dropCount)).toBe(12);
  });

  it('decodes PACKET_AUXDATA for packet sockets', () => {
    const aux = Buffer.alloc(20);
    aux.writeUInt32LE(0x10 | 0x20, 0); // status
    aux.writeUInt32LE(1514, 4); // len
    aux.writeUInt32LE(128, 8); // snaplen
    aux.writeUInt16LE(0, 12); // mac
    aux.writeUInt16LE(14, 14); // net
    aux.writeUInt16LE(0x2064, 16); // vlan tci
    aux.writeUInt16LE(0x8100, 18); // vlan tpid
    const r = native.ioDecodeControl(cmsg(263, 8, aux));
    expect(r.readUInt32LE(0) & io.HAS_AUXDATA).toBe(io.HAS_AUXDATA);
    expect(r.readUInt32LE(ControlLayout.tpStatus)).toBe(0x30);
    expect(r.readUInt32LE(ControlLayout.tpLen)).toBe(1514);
    expect(r.readUInt32LE(ControlLayout.tpSnaplen)).toBe(128);
    expect(r.readUInt16LE(ControlLayout.tpNet)).toBe(14);
    expect(r.readUInt16LE(ControlLayout.tpVlanTci)).toBe(0x2064);
    expect(r.readUInt16LE(ControlLayout.tpVlanTpid)).toBe(0x8100);
  });

  it('decodes IP_RECVERR with an offender, IPV6_PKTINFO and IPV6_ORIGDSTADDR', () => {
    const ee = Buffer.alloc(16);
    ee.writeUInt32LE(111, 0); // ECONNREFUSED
    ee[4] = 2; // SO_EE_ORIGIN_ICMP
    ee[5] = 3; // type
    ee[6] = 3; // code
    const off = Buffer.alloc(16);
    off.writeUInt16LE(2, 0);
    Buffer.from([198, 18, 0, 2]).copy(off, 4);
    let r = native.ioDecodeControl(cmsg(0, 11, Buffer.concat([ee, off])));
    expect(r.readUInt32LE(0) & (io.HAS_EXT_ERR | io.HAS_OFFENDER)).toBe(io.HAS_EXT_ERR | io.HAS_OFFENDER);
    expect([r.readUInt32LE(ControlLayout.eeErrno), r[ControlLayout.eeOrigin], r[ControlLayout.eeType], r[ControlLayout.eeCode]]).toEqual([111, 2, 3, 3]);
    expect([...r.subarray(ControlLayout.offender, ControlLayout.offender + 4)]).toEqual([198, 18, 0, 2]);
    const pi6 = Buffer.alloc(20);
    pi6[0] = 0xff;
    pi6[1] = 0x02;
    pi6[15] = 1;
    pi6.writeUInt32LE(3, 16);
    const sin6 = Buffer.alloc(28);
    sin6.writeUInt16LE(10, 0);
    sin6.writeUInt16BE(5000, 2);
    sin6[8] = 0xfd;
    sin6[23] = 2;
    sin6.writeUInt32LE(4, 24);
    r = native.ioDecodeControl(Buffer.concat([cmsg(41, 50, pi6), cmsg(41, 74, sin6)]));
    expect(r.readUInt32LE(ControlLayout.ifindex)).toBe(3);
    expect(r.readUInt32LE(ControlLayout.dstFamily)).toBe(10);
    expect(r.readUInt16LE(ControlLayout.origDstPort)).toBe(5000);
    expect(r.readUInt32LE(ControlLayout.origDstScope)).toBe(4);
  });

  it('survives hostile lengths: no crash, nothing read past the end', () => {
    const good = cmsg(0, 2, u32(9));
    // cmsg_len beyond the buffer, below a header, absurdly large, payload too short
    for (const len of [0n, 1n, 15n, 17n, 1000n, 0xffffffffn, 0xffffffffffffffffn]) {
      const r = native.ioDecodeControl(cmsg(0, 8, Buffer.alloc(4), len));
      expect(r.length).toBe(io.CONTROL_STRIDE);
      expect(r.readUInt32LE(0) & io.HAS_PKTINFO).toBe(0);
    }
    // a short message first stops the walk; a good one first still decodes
    expect(native.ioDecodeControl(Buffer.concat([good, cmsg(0, 8, Buffer.alloc(2))])).readInt32LE(ControlLayout.ttl)).toBe(9);
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.alloc((i * 7) % 300);
      for (let k = 0; k < junk.length; k++) junk[k] = (i * 131 + k * 17) & 0xff;
      native.ioDecodeControl(junk);
      native.ioDecodeControl(Buffer.concat([good, junk]));
    }
    expect(native.ioDecodeControl(Buffer.alloc(0)).readUInt32LE(0)).toBe(0);
    expect(() => native.ioDecodeControl('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

describeWith(['netns'], 'error queue (IP_RECVERR)', () => {
  it('ICMP errors come out of the error queue as one SocketError with the ICMP type/code', async () => {
    const gone = await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', port: 0 });
    const port = gone.address().port;
    await gone.close();
    const s = pool.add(await UdpSocket.create({ family: 'ipv4', options: { IP_RECVERR: true } }));
    const errors: unknown[] = [];
    s.on('error', (e) => errors.push(e));
    const first = nextError(s);
    await s.send('x', port, '127.0.0.1'); // not even connected: IP_RECVERR reports anyway
    const e = await first;
    expect(e).toBeInstanceOf(SocketError);
    expect(e).toMatchObject({ code: 'ECONNREFUSED', syscall: 'recvmsg', icmpType: 3, icmpCode: 3, port });
    await new Promise((r) => setTimeout(r, 100));
    expect(errors.length).toBe(1);
  });
});
