// A UdpSocket inside a Worker that is terminated while receiving: the process
// survives and the Worker's descriptor is closed by the engine's environment
// cleanup hook (checked by inode, not just by count).
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { UdpSocket } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { Pool, sleep } from './helpers';

const pool = new Pool();
afterEach(() => pool.closeAll());
const dist = join(__dirname, '..', '..', '..', 'dist', 'index.js');

function link(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

describeWith(['netns'], 'UdpSocket in a terminated Worker', () => {
  it('terminating a Worker mid-receive does not crash and closes its descriptor', async () => {
    const tx = pool.add(await UdpSocket.create({ family: 'ipv4' }));
    for (let round = 0; round < 5; round++) {
      const w = new Worker(
        `const { parentPort } = require('worker_threads');
         const { UdpSocket } = require(${JSON.stringify(dist)});
         (async () => {
           const s = await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', port: 0 });
           let n = 0;
           s.on('message', () => { if (++n === 100) parentPort.postMessage({ receiving: true }); });
           parentPort.postMessage({ fd: s.fd, port: s.address().port });
         })();`,
        { eval: true },
      );
      const info = await new Promise<{ fd: number; port: number }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      const socketLink = link(info.fd);
      expect(socketLink).toMatch(/^socket:\[\d+\]$/);
      // flood it, then terminate while datagrams keep arriving
      let flooding = true;
      const receiving = new Promise((r) => w.on('message', (m: { receiving?: boolean }) => m.receiving && r(m)));
      const flood = (async () => {
        while (flooding) {
          await tx.sendBatch(Array.from({ length: 64 }, () => Buffer.alloc(32)), { address: '127.0.0.1', port: info.port });
          await sleep(0);
        }
      })();
      await receiving;
      const code = await w.terminate();
      flooding = false;
      await flood;
      expect(code).toBe(1);
      // the Worker's socket (that inode) is gone from our descriptor table
      expect(link(info.fd)).not.toBe(socketLink);
    }
  });
});
