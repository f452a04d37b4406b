// multicast-dns (a devDependency, unchanged) under the dgram preload: one
// instance answers an A query from another across a two-host topology, and
// both prove they ran on the drop-in (their sockets are drop-in sockets whose
// engine counted the datagrams).
import { once } from 'node:events';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Host } from '../helpers/testing';
import { hostPair, useTopology } from '../helpers/topology';
import { describeWith } from '../helpers/env';

const REGISTER = join(__dirname, '..', '..', 'dist', 'dgram', 'register.js');
const PEER = join(__dirname, 'fixtures', 'mdns-peer.cjs');

const net = useTopology(hostPair);

interface Report {
  answered?: string;
  answer?: string;
  from?: string;
  error?: string;
  sockets: number;
  dgramIsDropin: boolean;
  socketIsDropin: boolean;
  stats: { received: number; sent: number } | null;
}

function run(host: Host, args: string[]): { ready: Promise<void>; result: Promise<Report> } {
  const p = host.spawn(process.execPath, ['-r', REGISTER, PEER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => (onReady = r));
  p.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
    if (out.includes('ready\n')) onReady();
  });
  p.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const result = once(p, 'exit').then(([code]) => {
    const line = out.trim().split('\n').pop() ?? '';
    if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}: ${line}\n${err}`);
    return JSON.parse(line) as Report;
  });
  return { ready, result };
}

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'multicast-dns under the dgram preload (two hosts)', () => {
  it('one instance answers a query from another, both on the engine', async () => {
    const name = 'sockit-test.local';
    const responder = run(net.a, ['respond', name, net.a.address]);
    await responder.ready;
    const querier = run(net.b, ['query', name, net.b.address]);
    const [r, q] = await Promise.all([responder.result, querier.result]);

    expect(q.answer).toBe(net.a.address);
    expect(q.from).toBe(net.a.address);
    expect(r.answered).toBe(net.b.address);
    for (const rep of [r, q]) {
      expect(rep.sockets).toBe(1);
      expect(rep.dgramIsDropin).toBe(true);
      expect(rep.socketIsDropin).toBe(true);
      // The engine saw the traffic: at least the query (responder) / the answer (querier) came in through it.
      expect(rep.stats?.received).toBeGreaterThanOrEqual(1);
      expect(rep.stats?.sent).toBeGreaterThanOrEqual(1);
    }
  });
});
