// adopt(): take ownership of an existing descriptor — a number, a Node
// socket, an inherited fd — and get a full socket with I/O, after checking
// its family and type (a clear error, and the target left alone, otherwise).
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import { closeSync, fstatSync, openSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Socket, UdpSocket, UnixSocket, native } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.rm());
const dist = join(__dirname, '..', '..', '..', 'dist', 'index.js');
const child = join(__dirname, 'fixtures', 'adopt-child.mjs');

function runChild(kind: string, fd: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [child, dist, kind], { stdio: ['ignore', 'inherit', 'pipe', fd] });
    let stderr = '';
    p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stderr }));
  });
}

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

describe('UnixSocket.adopt', () => {
  it('a descriptor number: ownership moves, type and connection carry over', async () => {
    const r = native.socketpair(native.constants.SOCK_SEQPACKET!);
    const [fa, fb] = r as [number, number];
    const a = UnixSocket.adopt(fa);
    const b = UnixSocket.adopt(fb, { passCredentials: true });
    expect(a.type).toBe('seqpacket');
    const got = b.receive({ timeout: 2000 });
    await a.send('adopted');
    const m = await got;
    expect(m.data.toString()).toBe('adopted');
    expect(m.info.credentials?.pid).toBe(process.pid);
    await a.close();
    await b.close();
    expect(isOpen(fa)).toBe(false);
  });

  it('a sockit Socket is released to it; a bound path stays bound', async () => {
    const p = tmp.path('adopt.sock');
    const sock = new Socket('unix', 'dgram').bind({ path: p });
    const s = UnixSocket.adopt(sock);
    expect(sock.closed).toBe(true);
    expect(s.address()).toEqual({ path: p, abstract: false });
    await s.close();
  });

  it('an inherited descriptor (a child process adopts fd 3)', async () => {
    const [mine, theirs] = UnixSocket.pair();
    const reply = mine.receive({ timeout: 10_000 });
    const done = runChild('unix', theirs.fd);
    await mine.send('hello child');
    expect((await reply).data.toString()).toBe('child got hello child as dgram');
    const r = await done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await theirs.close();
    await mine.close();
  });

  it('a Node net.Socket over a unix stream is refused by type; a unix dgram fd from a net.Socket is taken', async () => {
    const p = tmp.path('stream.sock');
    const server = net.createServer((c) => c.end());
    await new Promise<void>((r) => server.listen(p, r));
    const c = net.connect(p);
    await new Promise((r) => c.once('connect', r));
    expect(() => UnixSocket.adopt(c)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/not a unix datagram or seqpacket socket.*type 1/) }));
    expect(c.destroyed).toBe(false); // left alone
    c.destroy();
    server.close();
  });

  it('family mismatches are clear errors both ways, and leave the target open', async () => {
    const node = dgram.createSocket('udp4');
    await new Promise<void>((r) => node.bind(0, '127.0.0.1', r));
    expect(() => UnixSocket.adopt(node)).toThrow(/not a unix datagram or seqpacket socket.*family 2/);
    node.close();
    const [a, b] = UnixSocket.pair();
    expect(() => UdpSocket.adopt(a.fd)).toThrow(/is not a UDP socket/);
    const got = b.receive({ timeout: 2000 });
    await a.send('still fine');
    expect((await got).data.toString()).toBe('still fine');
    await a.close();
    await b.close();
    const file = openSync('/dev/null', 'r');
    expect(() => UnixSocket.adopt(file)).toThrow(expect.objectContaining({ code: 'ENOTSOCK' }));
    closeSync(file);
  });
});

describeWith(['netns'], "UdpSocket.adopt: Twisted's adoptDatagramPort", () => {
  it('a process handed a bound UDP descriptor serves it with UdpSocket.adopt(fd)', async () => {
    const bound = await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', port: 0 });
    const port = bound.address().port;
    const done = runChild('udp', bound.fd);
    await using client = await UdpSocket.create({ family: 'ipv4' });
    const reply = client.receive({ timeout: 10_000 });
    // The child may not be polling yet: the datagram waits in the socket's queue meanwhile.
    await client.send('echo me', port, '127.0.0.1');
    expect((await reply).data.toString()).toBe('echo me');
    const r = await done;
    expect(r.stderr).toBe('');
    await bound.close();
  });
});
