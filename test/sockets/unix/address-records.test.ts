/**
 * The engine's address records (handle.addresses) are zero-filled after the
 * length the kernel returned, whatever the record held before: short
 * addresses are written with fixed-size moves (native/io/io.h PutAddress),
 * and a record that held a longer address is cleared past them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Socket, UnixSocket, native } from '../../helpers/sockit';

const io = native.ioConstants;
const STRIDE = io.ADDRESS_STRIDE;
const LENGTH_AT = io.ADDRESS_LENGTH;

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe('engine address records', () => {
  it('a short address after a longer one in the same record leaves zeros after its length', async () => {
    const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
    const name = (n: number): string => `@${(tag + 'z'.repeat(n)).slice(0, n)}`; // an abstract name of n bytes
    const rxName = `\0sockit-rec-${tag}`;
    const fd = new Socket('unix', 'dgram').bind({ path: rxName }).release();
    const records: { length: number; bytes: Uint8Array }[] = [];
    let wake: () => void = () => {};
    const h = new native.IoHandle(fd, {}, (_data: Buffer, count: number) => {
      for (let i = 0; i < count; i++) {
        const rec = h.addresses.subarray(i * STRIDE, (i + 1) * STRIDE);
        records.push({ length: rec[LENGTH_AT]! | (rec[LENGTH_AT + 1]! << 8), bytes: Uint8Array.from(rec) });
      }
      wake();
    }, () => {});
    closers.push(() => h.close()); // the handle closes its descriptor
    h.setReceiving(true);
    const next = (): Promise<void> => new Promise((r) => (wake = r));
    // sun_family (2) + NUL + the name: a 97-byte address, then 16 bytes (the size of a sockaddr_in), then 20 and 28.
    for (const n of [94, 13, 17, 25]) {
      const tx = await UnixSocket.create({ path: name(n) });
      closers.push(() => tx.close());
      const got = next();
      await tx.send('x', `@${rxName.slice(1)}`);
      await got;
    }
    expect(records.map((r) => r.length)).toEqual([97, 16, 20, 28]);
    for (const [k, r] of records.entries()) {
      const after = Array.from(r.bytes.subarray(r.length, LENGTH_AT));
      expect(after.every((b) => b === 0), `record ${k} (length ${r.length}) has non-zero bytes after its length`).toBe(true);
      expect(r.bytes[2]).toBe(0); // abstract: sun_path starts with NUL
    }
  });
});
