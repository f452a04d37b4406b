// The receive pool: recvmmsg writes each datagram into its slot of the pool
// (no copy); the slot adapts to the traffic and longer datagrams spill and are
// joined. Every payload must stay intact and in place however sizes mix,
// also after many later batches reused or replaced the pool.
import { afterEach, expect, it } from 'vitest';
import { UdpSocket } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { Pool } from './helpers';

const pool = new Pool();
afterEach(() => pool.closeAll());

/** A payload whose bytes say which message it is. */
function payload(k: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (k * 7 + i * 13) & 0xff;
  return b;
}

/** Deterministic sizes: runs of small datagrams (slots shrink) broken by long ones (spills). */
function sizes(n: number): number[] {
  let x = 12345;
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const r = x % 100;
    out.push(r < 60 ? x % 65 : r < 80 ? 1400 : r < 90 ? 2049 + (x % 3000) : r < 97 ? 0 : 60000 + (x % 5507));
  }
  return out;
}

describeWith(['netns'], 'UdpSocket receive pool (private netns)', () => {
  for (const batchSize of [1, 8, 64]) {
    it(`batchSize ${batchSize}: mixed sizes arrive intact, and kept views stay intact across later batches`, async () => {
      const rx = pool.add(await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', port: 0, batchSize, options: { SO_RCVBUFFORCE: 8 << 20 } }));
      const tx = pool.add(await UdpSocket.create({ family: 'ipv4' }));
      const port = rx.address().port;
      const kept: Buffer[] = [];
      rx.on('message', (data: Buffer) => kept.push(data)); // the views themselves, no copies
      // Many single small datagrams first: the slot shrinks to its minimum.
      for (let k = 0; k < 40; k++) await tx.send(payload(k, 16), port, '127.0.0.1');
      const all = sizes(600);
      let sent = 40;
      for (let start = 0; start < all.length; start += 30) {
        const chunk = all.slice(start, start + 30).map((size, j) => payload(40 + start + j, size));
        await tx.sendBatch(chunk, { address: '127.0.0.1', port });
        sent += chunk.length;
        const deadline = Date.now() + 5000;
        while (kept.length < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      }
      expect(kept.length).toBe(sent);
      for (let k = 0; k < 40; k++) expect(kept[k]!.equals(payload(k, 16))).toBe(true);
      for (let j = 0; j < all.length; j++) {
        const got = kept[40 + j]!;
        if (!got.equals(payload(40 + j, all[j]!))) throw new Error(`message ${40 + j} (${all[j]} bytes) differs`);
      }
      expect(rx.stats()).toMatchObject({ received: sent, truncated: 0 });
    });
  }
});
