import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  FrameParseError,
  PcapParser,
  PcapWriter,
  buildArp,
  buildEthernet,
  buildIcmpEchoFrame,
  buildUdpFrame,
  encodePcapHeader,
  parsePcap,
  readPcap,
  readPcapFile,
} from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const dir = mkdtempSync(join(tmpdir(), 'sockit-pcap-'));

function sampleFrames(): Buffer[] {
  return [
    buildUdpFrame({ sourceMac: A, destinationMac: B, source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 4000, destinationPort: 5000, payload: Buffer.from('hello'), vlans: [{ id: 100, priority: 3 }] }),
    buildUdpFrame({ sourceMac: A, destinationMac: B, source: 'fd00:5f::1', destination: 'fd00:5f::2', sourcePort: 4001, destinationPort: 5001, payload: Buffer.alloc(1000, 0xab) }),
    buildIcmpEchoFrame({ sourceMac: A, destinationMac: B, source: '198.18.0.1', destination: '198.18.0.2', kind: 'request', identifier: 77, sequence: 5, payload: Buffer.from('ping') }),
    buildEthernet({ destination: 'ff:ff:ff:ff:ff:ff', source: A, etherType: 0x0806, pad: true, payload: buildArp({ operation: 'request', senderMac: A, senderIp: '198.18.0.1', targetIp: '198.18.0.2' }) }),
    buildUdpFrame({ sourceMac: A, destinationMac: B, source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 1, destinationPort: 2, vlans: [{ id: 10, tpid: 0x88a8 }, { id: 20 }] }),
  ];
}
const T0 = 1_700_000_000_123_456_789n;

async function writeFile(path: string, precision: 'microsecond' | 'nanosecond'): Promise<Buffer[]> {
  const frames = sampleFrames();
  const w = await PcapWriter.create(path, { precision });
  frames.forEach((f, i) => w.write(f, { timestamp: T0 + BigInt(i) * 1_000_001n }));
  await w.close();
  return frames;
}

describe('pcap writer/reader (no tools)', () => {
  it('round-trips records in both precisions, across arbitrary chunk boundaries', async () => {
    for (const precision of ['microsecond', 'nanosecond'] as const) {
      const path = join(dir, `rt-${precision}.pcap`);
      const frames = await writeFile(path, precision);
      const bytes = readFileSync(path);
      const { header, records } = parsePcap(bytes);
      expect(header).toMatchObject({ precision, linkType: 1, snaplen: 262144, versionMajor: 2, versionMinor: 4 });
      expect(records.map((r) => r.data)).toEqual(frames);
      const ts = (i: number): bigint => {
        const t = T0 + BigInt(i) * 1_000_001n;
        return precision === 'nanosecond' ? t : (t / 1000n) * 1000n;
      };
      expect(records.map((r) => r.timestamp)).toEqual(frames.map((_, i) => ts(i)));
      // Streaming: one byte at a time.
      const p = new PcapParser();
      const got = [];
      for (const byte of bytes) got.push(...p.push(Buffer.from([byte])));
      p.end();
      expect(got).toEqual(records);
      const fromFile = [];
      for await (const r of readPcapFile(path)) fromFile.push(r);
      expect(fromFile).toEqual(records);
    }
  });

  it('cuts at snaplen, keeps the original length, streams to any Writable', async () => {
    const sink = new PassThrough();
    const w = new PcapWriter(sink, { snaplen: 64 });
    const big = Buffer.alloc(1514, 1);
    w.write(big, { timestamp: 5n });
    await w.close();
    const recs = [];
    for await (const r of readPcap(sink)) recs.push(r);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ originalLength: 1514, timestamp: 0n });
    expect(recs[0]?.data.length).toBe(64);
  });

  it('reads big-endian files and rejects garbage with FrameParseError', () => {
    const le = encodePcapHeader({ precision: 'nanosecond' });
    const be = Buffer.alloc(24);
    be.writeUInt32BE(0xa1b23c4d, 0);
    be.writeUInt16BE(2, 4);
    be.writeUInt16BE(4, 6);
    be.writeUInt32BE(65535, 16);
    be.writeUInt32BE(1, 20);
    const rec = Buffer.alloc(16 + 3);
    rec.writeUInt32BE(10, 0);
    rec.writeUInt32BE(7, 4);
    rec.writeUInt32BE(3, 8);
    rec.writeUInt32BE(3, 12);
    const { header, records } = parsePcap(Buffer.concat([be, rec]));
    expect(header.littleEndian).toBe(false);
    expect(records[0]?.timestamp).toBe(10_000_000_007n);
    expect(le.readUInt32LE(0)).toBe(0xa1b23c4d);
    expect(() => parsePcap(Buffer.alloc(24))).toThrow(FrameParseError);
    expect(() => parsePcap(Buffer.alloc(10))).toThrow(FrameParseError);
    expect(() => parsePcap(Buffer.concat([be, rec.subarray(0, 17)]))).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TRUNCATED' }));
    const lying = Buffer.from(rec);
    lying.writeUInt32BE(0xfffffff0, 8);
    expect(() => parsePcap(Buffer.concat([be, lying]))).toThrow(expect.objectContaining({ code: 'ERR_FRAME_MALFORMED' }));
  });
});

describeWith(['tool:tshark', 'tool:tcpdump', 'tool:text2pcap'], 'pcap interop with tshark and tcpdump', () => {
  it('tshark decodes our frames with the expected fields and no checksum or malformed warnings', async () => {
    for (const precision of ['microsecond', 'nanosecond'] as const) {
      const path = join(dir, `tshark-${precision}.pcap`);
      await writeFile(path, precision);
      const out = execFileSync('tshark', ['-r', path, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|',
        '-e', 'frame.time_epoch', '-e', 'eth.src', '-e', 'eth.dst', '-e', 'vlan.id', '-e', 'ip.src', '-e', 'ipv6.dst', '-e', 'udp.dstport', '-e', 'icmp.seq', '-e', 'arp.dst.proto_ipv4',
        '-e', 'ip.checksum.status', '-e', 'udp.checksum.status', '-e', 'icmp.checksum.status', '-e', '_ws.malformed', '-e', '_ws.expert.severity', '-e', 'ieee8021ad.id'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const rows = out.trim().split('\n').map((l) => l.split('|'));
      expect(rows).toHaveLength(5);
      expect(rows[0]?.[0]).toBe(precision === 'nanosecond' ? '1700000000.123456789' : '1700000000.123456000');
      expect(rows[0]?.slice(1, 7)).toEqual([A, B, '100', '198.18.0.1', '', '5000']);
      expect(rows[1]?.[5]).toBe('fd00:5f::2');
      expect(rows[1]?.[6]).toBe('5001');
      expect(rows[2]?.[7]).toBe('5');
      expect(rows[3]?.[8]).toBe('198.18.0.2');
      expect(rows[4]?.[3]).toBe('20');
      expect(rows[4]?.[14]).toBe('10'); // the 802.1ad outer tag
      for (const r of rows) {
        // checksum status 1 = good (2 = unverified is never expected here); no malformed/expert warnings.
        for (const c of [r[9], r[10], r[11]]) if (c) expect(c).toBe('1');
        expect(r[12]).toBe('');
        expect(r[13]).toBe('');
      }
    }
  });

  it('tcpdump -vv reports no bad checksums', async () => {
    const path = join(dir, 'tcpdump.pcap');
    await writeFile(path, 'nanosecond');
    const out = execFileSync('tcpdump', ['-r', path, '-nn', '-vv', '-e', '--nano'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out).toContain('vlan 100, p 3');
    expect(out).toContain('198.18.0.1.4000 > 198.18.0.2.5000: [udp sum ok] UDP, length 5');
    expect(out).toContain('fd00:5f::1.4001 > fd00:5f::2.5001: [udp sum ok] UDP, length 1000');
    expect(out).toContain('ICMP echo request, id 77, seq 5');
    expect(out).toContain('Request who-has 198.18.0.2 tell 198.18.0.1');
    expect(out).not.toMatch(/bad|malformed|truncated/i);
  });

  it('reads a pcap written by text2pcap back identically (as tcpdump prints it)', async () => {
    const frames = sampleFrames();
    const hex = frames
      .map((f, i) => {
        const lines = [`${String(i).padStart(2, '0')}:00:0${i}.123456`];
        for (let o = 0; o < f.length; o += 16) lines.push(`${o.toString(16).padStart(6, '0')} ${[...f.subarray(o, o + 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ')}`);
        return lines.join('\n');
      })
      .join('\n');
    writeFileSync(join(dir, 'in.txt'), `${hex}\n`);
    const path = join(dir, 'text2pcap.pcap');
    execFileSync('text2pcap', ['-q', '-F', 'pcap', '-t', '%H:%M:%S.', join(dir, 'in.txt'), path], { stdio: 'ignore' });
    const got = [];
    for await (const r of readPcapFile(path)) got.push(r);
    expect(got.map((r) => r.data)).toEqual(frames);
    // Timestamps as tcpdump reads them from the same file.
    const tsOut = execFileSync('tcpdump', ['-r', path, '-tt', '-nn', '--nano'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const theirs = tsOut.trim().split('\n').map((l) => BigInt(l.split(' ')[0]?.replace('.', '') ?? '0'));
    expect(got.map((r) => r.timestamp)).toEqual(theirs);
  });
});
