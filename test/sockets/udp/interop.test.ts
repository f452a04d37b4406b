// Interop with independent peers: Node's own dgram and socat, both directions.
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { spawn, spawnSync } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { UdpSocket, getOption } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { Pool, collect, sleep } from './helpers';

const pool = new Pool();
afterEach(() => pool.closeAll());

describeWith(['netns'], 'interop with Node dgram (private netns)', () => {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const lo = family === 'ipv4' ? '127.0.0.1' : '::1';
    const type = family === 'ipv4' ? 'udp4' : 'udp6';

    it(`${family}: dgram sends, sockit receives (rinfo-compatible info)`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const d = dgram.createSocket(type);
      try {
        d.bind(0, lo);
        await once(d, 'listening');
        const got = collect(rx, 2);
        d.send('from-dgram', rx.address().port, lo);
        d.send(Buffer.alloc(1400, 1), rx.address().port, lo);
        const [m1, m2] = await got;
        expect(m1!.data.toString()).toBe('from-dgram');
        expect(m2!.data.length).toBe(1400);
        const rinfo = d.address();
        expect(m1!.info).toMatchObject({ address: rinfo.address, port: rinfo.port, family: rinfo.family, size: 10 });
      } finally {
        d.close();
      }
    });

    it(`${family}: sockit sends (single and batch), dgram receives`, async () => {
      const d = dgram.createSocket(type);
      try {
        d.bind(0, lo);
        await once(d, 'listening');
        const port = d.address().port;
        const received: Array<[string, dgram.RemoteInfo]> = [];
        d.on('message', (msg, rinfo) => received.push([msg.toString(), rinfo]));
        const tx = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
        await tx.send('one', port, lo);
        await tx.sendBatch(['two', 'three'], { address: lo, port });
        for (let i = 0; i < 100 && received.length < 3; i++) await sleep(10);
        expect(received.map((r) => r[0])).toEqual(['one', 'two', 'three']);
        expect(received[0]![1]).toMatchObject({ address: lo, port: tx.address().port, size: 3 });
      } finally {
        d.close();
      }
    });

    it(`${family}: toDgram hands the configured descriptor to a dgram.Socket`, async () => {
      const s = await UdpSocket.create({ family, address: lo, port: 0, options: { SO_RCVBUF: 300_000 }, reusePort: true });
      const port = s.address().port;
      const d = await s.toDgram();
      try {
        expect(s.closed).toBe(true);
        expect(d.address().port).toBe(port);
        expect(getOption(d, 'SO_REUSEPORT')).toBe(true);
        expect(getOption(d, 'SO_RCVBUF')).toBeGreaterThanOrEqual(300_000);
        expect(getOption(d, 'SO_REUSEADDR')).toBe(true); // Node sets it on adopted descriptors
        const tx = pool.add(await UdpSocket.create({ family }));
        const msg = once(d, 'message');
        await tx.send('to-node', port, lo);
        const [data] = await msg;
        expect((data as Buffer).toString()).toBe('to-node');
      } finally {
        d.close();
      }
    });
  }
});

describeWith(['netns', 'tool:socat'], 'interop with socat (private netns)', () => {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const lo = family === 'ipv4' ? '127.0.0.1' : '::1';
    const v = family === 'ipv4' ? '4' : '6';
    const host = family === 'ipv4' ? lo : `[${lo}]`;

    it(`${family}: socat sends, sockit receives`, async () => {
      const rx = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const got = collect(rx, 1);
      const r = spawnSync('socat', ['-u', 'STDIN', `UDP${v}-SENDTO:${host}:${rx.address().port}`], { input: 'hello from socat' });
      expect(r.status).toBe(0);
      const [m] = await got;
      expect(m!.data.toString()).toBe('hello from socat');
      expect(m!.info.address).toBe(lo);
    });

    it(`${family}: sockit sends, socat receives`, async () => {
      const probe = pool.add(await UdpSocket.create({ family, address: lo, port: 0 }));
      const port = probe.address().port;
      await probe.close();
      const child = spawn('socat', ['-u', `UDP${v}-RECV:${port},bind=${host}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      try {
        const tx = pool.add(await UdpSocket.create({ family }));
        // socat needs a moment to bind; resend until it has printed the datagram.
        for (let i = 0; i < 100 && !out.includes('to-socat'); i++) {
          await tx.send('to-socat\n', port, lo);
          await sleep(20);
        }
        expect(out).toContain('to-socat');
      } finally {
        child.kill('SIGKILL');
      }
    });
  }
});
