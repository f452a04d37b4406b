// The option engine inside a worker_threads Worker (per-instance addon state),
// and readAllOptions() (what the demo prints) on fresh sockets.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Socket, options, readAllOptions } from '../helpers/sockit';

describe('option engine in a Worker and as a whole', () => {
  it('sets and reads options inside a worker thread', async () => {
    const dist = join(__dirname, '../../dist/index.js');
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const s = require(workerData);
      const sock = new s.Socket('ipv6', 'dgram');
      sock.setOption('IPV6_UNICAST_HOPS', 11).setOption('SO_RCVTIMEO', 500);
      parentPort.postMessage({ hops: sock.getOption('IPV6_UNICAST_HOPS'), timeo: sock.getOption('SO_RCVTIMEO'), rows: Object.keys(s.options).length });
      sock.close();`;
    const result = await new Promise<unknown>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: dist });
      w.once('message', resolve);
      w.once('error', reject);
    });
    expect(result).toEqual({ hops: 11, timeo: { seconds: 0, microseconds: 500000 }, rows: Object.keys(options).length });
  });

  it('readAllOptions reads every readable option that applies to a fresh UDP socket', () => {
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const s = new Socket(fam, 'dgram');
      try {
        const all = readAllOptions(s);
        const byName = new Map(all.map((r) => [r.name, r]));
        expect(byName.get('SO_RCVBUF')?.value).toBeTypeOf('number');
        expect(byName.get('SO_TYPE')?.value).toBe(s.type);
        expect(byName.has('TCP_NODELAY')).toBe(false); // not a TCP socket
        expect(byName.has('PACKET_STATISTICS')).toBe(false);
        expect(byName.has(fam === 'ipv4' ? 'IPV6_V6ONLY' : 'IP_PROTOCOL')).toBe(false);
        // Options that need a connected socket report their error code instead of throwing.
        expect(byName.get('IP_MTU')).toMatchObject({ error: 'ENOTCONN' });
        expect(all.length).toBeGreaterThan(60);
      } finally {
        s.close();
      }
    }
  });
});
