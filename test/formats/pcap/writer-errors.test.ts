// PcapWriter never loses data silently (issue 13, item 7): open errors reject
// create(), write errors reject close()/drained(), options are validated
// before the file is touched, and `count` counts what reached the file.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PCAP_MAX_RECORD_LENGTH, PcapParser, PcapWriter, encodePcapHeader, parsePcap } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';

const dir = mkdtempSync(join(tmpdir(), 'sockit-pcapw-'));
const dist = join(__dirname, '..', '..', '..', 'dist', 'index.js');
const frame = Buffer.alloc(128, 0x5a);

/** Run a script against dist/ in a child (as another user, or in another mount namespace). */
function child(prefix: string[], script: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(prefix[0] as string, [...prefix.slice(1), process.execPath, '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('PcapWriter failures', () => {
  it('create() rejects ENOENT and EISDIR and leaves no writer behind', async () => {
    await expect(PcapWriter.create(join(dir, 'no', 'such', 'dir', 'x.pcap'))).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open' });
    await expect(PcapWriter.create(dir)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('bad options throw before the file is touched (an existing file stays intact)', async () => {
    const path = join(dir, 'keep.pcap');
    writeFileSync(path, 'precious');
    await expect(PcapWriter.create(path, { precision: 'bogus' as 'nanosecond' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(PcapWriter.create(path, { snaplen: 0 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    expect(readFileSync(path, 'utf8')).toBe('precious');
  });

  it('ENOSPC (/dev/full): close() and drained() reject, write() then throws, count stays 0, no crash without listeners', async () => {
    const w = await PcapWriter.create('/dev/full');
    w.write(frame);
    await expect(w.close()).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(w.drained()).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(() => w.write(frame)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    expect(w.count).toBe(0);
    expect(w.error).toMatchObject({ code: 'ENOSPC' });
  });

  it("emits 'error' only to listeners, and a stream error rejects close()", async () => {
    const failing = new Writable({
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
      },
    });
    const w = new PcapWriter(failing);
    const seen: Error[] = [];
    w.on('error', (e: Error) => seen.push(e));
    w.write(frame);
    await expect(w.close()).rejects.toMatchObject({ code: 'EIO' });
    expect(seen).toHaveLength(1);
    expect(w.count).toBe(0);
  });

  it('count counts records that reached the stream', async () => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    const w = new PcapWriter(sink);
    for (let i = 0; i < 10; i++) w.write(frame, { timestamp: BigInt(i) });
    await w.close();
    expect(w.count).toBe(10);
    expect(w.pending).toBe(0);
    expect(parsePcap(Buffer.concat(chunks)).records).toHaveLength(10);
    await w.close(); // idempotent
  });
});

describe('PcapParser: linear, bounded', () => {
  it('assembles a 16 MiB record fed in 4 KiB chunks (queued, not re-concatenated)', () => {
    const rec = Buffer.alloc(16 + 16 * 1024 * 1024, 7);
    rec.writeUInt32LE(0, 0);
    rec.writeUInt32LE(0, 4);
    rec.writeUInt32LE(rec.length - 16, 8);
    rec.writeUInt32LE(rec.length - 16, 12);
    const file = Buffer.concat([encodePcapHeader(), rec]);
    const p = new PcapParser();
    const got = [];
    for (let o = 0; o < file.length; o += 4096) got.push(...p.push(file.subarray(o, o + 4096)));
    p.end();
    expect(got).toHaveLength(1);
    expect(got[0]?.data.length).toBe(16 * 1024 * 1024);
    expect(got[0]?.data.every((b) => b === 7)).toBe(true);
  });

  it('rejects a record above maxRecordLength as soon as its header arrives', () => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1001, 8);
    const p = new PcapParser({ maxRecordLength: 1000 });
    expect(() => p.push(Buffer.concat([encodePcapHeader(), rec]))).toThrow(expect.objectContaining({ code: 'ERR_FRAME_MALFORMED', offset: 32 }));
    expect(PCAP_MAX_RECORD_LENGTH).toBe(256 * 1024 * 1024);
  });
});

describeWith(['CAP_SYS_ADMIN', 'tool:unshare', 'tool:setpriv'], 'PcapWriter failures needing privilege (EACCES as nobody, ENOSPC on a small tmpfs)', () => {
  it('EACCES: create() rejects for a user who may not write there', () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const r = child(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'], `
      const { PcapWriter } = require(${JSON.stringify(dist)});
      PcapWriter.create(${JSON.stringify(join(locked, 'x.pcap'))}).then(() => console.log('opened'), (e) => console.log(e.code, e.syscall));`);
    expect(r.stdout.trim()).toBe('EACCES open');
    expect(r.status).toBe(0);
  });

  it('ENOSPC on a 64 KiB tmpfs: close() rejects and count matches the records in the file', () => {
    const mnt = join(dir, 'small');
    mkdirSync(mnt);
    const r = child(['unshare', '--mount', '--', 'sh', '-c', `mount -t tmpfs -o size=64k sockit-test ${mnt} && exec "$0" "$@"`], `
      const fs = require('node:fs');
      const { PcapWriter, parsePcap } = require(${JSON.stringify(dist)});
      (async () => {
        const path = ${JSON.stringify(join(mnt, 'x.pcap'))};
        const w = await PcapWriter.create(path);
        const frame = Buffer.alloc(128, 1);
        let threw = 0;
        for (let i = 0; i < 2000; i++) {
          try { if (!w.write(frame)) await w.drained(); } catch { threw++; break; }
        }
        const closed = await w.close().then(() => 'resolved', (e) => e.code);
        let inFile = 0;
        try { parsePcap(fs.readFileSync(path)); } catch {}
        const bytes = fs.readFileSync(path);
        // Whole records in the file (the last may be cut by the full disk).
        for (let o = 24; o + 16 <= bytes.length; o += 16 + 128) if (o + 16 + 128 <= bytes.length) inFile++;
        console.log(JSON.stringify({ closed, count: w.count, inFile, size: bytes.length, threw }));
      })();`);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { closed: string; count: number; inFile: number; size: number };
    expect(out.closed).toBe('ENOSPC');
    expect(out.size).toBeLessThanOrEqual(64 * 1024);
    expect(out.count).toBe(out.inFile);
    expect(out.count).toBeGreaterThan(100);
    expect(statSync(mnt).isDirectory()).toBe(true);
  });
});
