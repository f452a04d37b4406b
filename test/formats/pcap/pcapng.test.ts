// Issue 13, item 5: pcapng written by sockit reads in tshark, pcapng written
// by tshark/editcap/dumpcap reads back identically, readPcapFile detects the
// format, and `sockit sniff --write x.pcapng` selects it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapParser, PcapWriter, encodePcapngHeader, encodePcapngRecord, parsePcap, readPcapFile } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { richCorpus } from '../corpus';

const dir = mkdtempSync(join(tmpdir(), 'sockit-pcapng-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T0 = 1_700_000_000_123_456_789n;
const frames = richCorpus().map((c) => c.frame);

async function write(path: string, precision: 'microsecond' | 'nanosecond', comments = true): Promise<void> {
  const w = await PcapWriter.create(path, { precision, interfaceName: 'veth0' });
  frames.forEach((f, i) => w.write(f, { timestamp: T0 + BigInt(i) * 1_000_001n, ...(comments ? { comment: `frame ${i}` } : {}) }));
  await w.close();
}
async function read(path: string): Promise<Awaited<ReturnType<typeof collect>>> {
  return collect(path);
}
async function collect(path: string) {
  const out = [];
  for await (const r of readPcapFile(path)) out.push(r);
  return out;
}

describe('pcapng (no tools)', () => {
  it('round-trips data, timestamps, interface name and comments in both resolutions; any chunking', async () => {
    for (const precision of ['microsecond', 'nanosecond'] as const) {
      const path = join(dir, `rt-${precision}.pcapng`);
      await write(path, precision);
      const bytes = readFileSync(path);
      expect(bytes.readUInt32LE(0)).toBe(0x0a0d0d0a);
      const recs = await read(path);
      expect(recs.map((r) => r.data)).toEqual(frames);
      expect(recs.map((r) => r.timestamp)).toEqual(frames.map((_, i) => {
        const t = T0 + BigInt(i) * 1_000_001n;
        return precision === 'nanosecond' ? t : (t / 1000n) * 1000n;
      }));
      expect(recs[3]).toMatchObject({ interfaceIndex: 0, interfaceName: 'veth0', comment: 'frame 3' });
      const { header } = parsePcap(bytes);
      expect(header).toMatchObject({ format: 'pcapng', precision, linkType: 1, snaplen: 262144 });
      const p = new PcapParser();
      const got = [];
      for (let o = 0; o < bytes.length; o += 7) got.push(...p.push(bytes.subarray(o, o + 7)));
      p.end();
      expect(got).toEqual(recs);
    }
  });

  it('the format follows the extension unless given; comments need pcapng', async () => {
    const w = await PcapWriter.create(join(dir, 'x.pcap'));
    expect(w.format).toBe('pcap');
    expect(() => w.write(frames[0] as Buffer, { comment: 'no' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    await w.close();
    const w2 = await PcapWriter.create(join(dir, 'y.pcap'), { format: 'pcapng' });
    expect(w2.format).toBe('pcapng');
    await w2.close();
    await expect(PcapWriter.create(join(dir, 'z.pcap'), { format: 'bogus' as 'pcap' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('rejects corrupt blocks with FrameParseError', () => {
    const good = Buffer.concat([encodePcapngHeader(), encodePcapngRecord(frames[0] as Buffer, 0n, 60, 'microsecond', 65535)]);
    const lying = Buffer.from(good);
    lying.writeUInt32LE(0xffff, good.length - (encodePcapngRecord(frames[0] as Buffer, 0n, 60, 'microsecond', 65535).length) + 20); // caplen
    expect(() => parsePcap(lying)).toThrow(expect.objectContaining({ name: 'FrameParseError' }));
    expect(() => parsePcap(good.subarray(0, good.length - 3))).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TRUNCATED' }));
  });
});

describeWith(['tool:tshark', 'tool:editcap'], 'pcapng interop with tshark', () => {
  it('tshark reads what we write: timestamps, interface name, comments, no malformed frames', async () => {
    const path = join(dir, 'ours.pcapng');
    await write(path, 'nanosecond');
    const out = execFileSync('tshark', ['-r', path, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.time_epoch', '-e', 'frame.interface_name', '-e', 'frame.comment', '-e', 'frame.len', '-e', '_ws.malformed'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const rows = out.trim().split('\n').map((l) => l.split('|'));
    expect(rows).toHaveLength(frames.length);
    expect(rows[0]?.slice(0, 3)).toEqual(['1700000000.123456789', 'veth0', 'frame 0']);
    rows.forEach((r, i) => {
      expect(r[3]).toBe(String((frames[i] as Buffer).length));
      expect(r[4]).toBe('');
    });
  });

  it('we read what tshark and editcap write (pcap → pcapng by them) identically', async () => {
    const classic = join(dir, 'classic.pcap');
    const w = await PcapWriter.create(classic, { precision: 'nanosecond' });
    frames.forEach((f, i) => w.write(f, { timestamp: T0 + BigInt(i) * 7n }));
    await w.close();
    const base = await read(classic);
    for (const [tool, args] of [
      ['editcap', ['-F', 'pcapng', classic, join(dir, 'editcap.pcapng')]],
      ['tshark', ['-r', classic, '-F', 'pcapng', '-w', join(dir, 'tshark.pcapng')]],
    ] as const) {
      const r = spawnSync(tool, [...args], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const theirs = await read(args[args.length - 1] as string);
      expect(theirs.map((x) => ({ data: x.data, timestamp: x.timestamp, originalLength: x.originalLength }))).toEqual(base.map((x) => ({ data: x.data, timestamp: x.timestamp, originalLength: x.originalLength })));
    }
    // A comment added by editcap reads back.
    const commented = join(dir, 'commented.pcapng');
    expect(spawnSync('editcap', ['-a', '2:hello from editcap', join(dir, 'editcap.pcapng'), commented]).status).toBe(0);
    expect((await read(commented))[1]?.comment).toBe('hello from editcap');
  });
});
