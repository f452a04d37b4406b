// SCM_RIGHTS and SCM_CREDENTIALS: descriptors of every kind go out; received
// ones are owned, close-on-exec, closed unless taken — never leaked, also
// when the control data is cut (MSG_CTRUNC) or nobody reads the message.
import * as dgram from 'node:dgram';
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import * as net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { Socket, UdpSocket, UnixSocket } from '../../helpers/sockit';
import type { UnixMessage } from '../../helpers/sockit';
import { fdCount, sleep, tempDir, until } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.rm());

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

function cloexec(fd: number): boolean {
  return /^flags:\s+0?(\d+)$/m.test(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')) && (parseInt(/^flags:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8) & 0o2000000) !== 0;
}

describe('passing descriptors', () => {
  it('sends numbers, sockit sockets, net / dgram sockets and FileHandles; the receiver gets usable, CLOEXEC descriptors', async () => {
    const file = tmp.path('data.txt');
    writeFileSync(file, 'file contents');
    const fh = await open(file);
    const raw = openSync(file, 'r');
    const udp = await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', port: 0 });
    const node = dgram.createSocket('udp4');
    await new Promise<void>((r) => node.bind(0, '127.0.0.1', r));
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sockitSock = new Socket('ipv4', 'stream');
    const [a, b] = UnixSocket.pair();
    const got = b.receive({ timeout: 2000 });
    await a.send('take these', { fds: [raw, fh, udp, node, server, sockitSock] });
    const m = await got;
    expect(m.info.fds?.count).toBe(6);
    const fds = m.info.fds!.take();
    expect(m.info.fds!.count).toBe(0);
    for (const fd of fds) expect(cloexec(fd)).toBe(true);
    const buf = Buffer.alloc(32);
    expect(buf.subarray(0, readSync(fds[0]!, buf, 0, 32, 0)).toString()).toBe('file contents');
    expect(buf.subarray(0, readSync(fds[1]!, buf, 0, 32, 0)).toString()).toBe('file contents');
    // The received UDP socket is the same socket: adopt it and it still has its port.
    const adopted = UdpSocket.adopt(fds[2]!);
    expect(adopted.address().port).toBe(udp.address().port);
    await adopted.close();
    const srvCopy = Socket.adopt(fds[4]!, { owned: true });
    expect(srvCopy.localAddress().port).toBe((server.address() as net.AddressInfo).port);
    srvCopy.close();
    for (const fd of [fds[3]!, fds[5]!]) closeSync(fd);
    await fh.close();
    closeSync(raw);
    await udp.close();
    node.close();
    server.close();
    sockitSock.close();
    await a.close();
    await b.close();
  });

  it('a listener that does not take them: closed when its listeners return', async () => {
    const [a, b] = UnixSocket.pair();
    let seen: number[] = [];
    b.on('message', (_d, info) => {
      seen = [...info.fds!.peek()];
      expect(seen.every(isOpen)).toBe(true);
    });
    const before = fdCount();
    await a.send('x', { fds: [0, 1, 2] });
    await until(() => seen.length === 3);
    await sleep(1);
    expect(fdCount()).toBe(before);
    expect(b.stats().descriptorsClosed).toBe(3);
    await a.close();
    await b.close();
  });

  it('an iterator: the message keeps its descriptors until the next next(); unread ones close on return()', async () => {
    const [a, b] = UnixSocket.pair();
    const it = b[Symbol.asyncIterator]();
    await a.sendBatch([
      { data: '1', fds: [0] },
      { data: '2', fds: [0, 0] },
      { data: '3', fds: [0] },
    ]);
    const first = (await it.next()).value as UnixMessage;
    const fd = first.info.fds!.peek()[0]!;
    await sleep(20);
    expect(isOpen(fd)).toBe(true); // still ours while the consumer works on it
    const before = fdCount();
    const second = (await it.next()).value as UnixMessage;
    expect(first.info.fds!.count).toBe(0); // asking for the next one let the first go
    expect(fdCount()).toBe(before - 1);
    const kept = second.info.fds!.take();
    await it.return!();
    expect(fdCount()).toBe(before - 1 - 1 + 0); // the third (unread) closed; the taken two stay
    for (const k of kept) closeSync(k);
    await a.close();
    await b.close();
  });

  it('receive() hands the descriptors to the caller; close() and `using` release them', async () => {
    const [a, b] = UnixSocket.pair();
    await a.send('x', { fds: [0] });
    const m = await b.receive({ timeout: 2000 });
    await sleep(5);
    expect(m.info.fds!.count).toBe(1);
    const before = fdCount();
    {
      using fds = m.info.fds!;
      expect(fds.count).toBe(1);
    }
    expect(fdCount()).toBe(before - 1);
    await a.close();
    await b.close();
  });

  it('100 000 messages carrying descriptors, dropped unread, leave the fd count unchanged', async () => {
    const [a, b] = UnixSocket.pair({ batchSize: 256 });
    const file = openSync('/dev/null', 'r');
    const before = fdCount();
    const N = 100_000;
    let got = 0;
    b.on('message', () => {
      got++; // looks at nothing, takes nothing
    });
    const chunk: { data: Buffer; fds: number[] }[] = Array.from({ length: 1000 }, () => ({ data: Buffer.alloc(8), fds: [file, file] }));
    for (let sent = 0; sent < N; sent += chunk.length) await a.sendBatch(chunk);
    await until(() => got === N, 60_000);
    expect(fdCount()).toBe(before);
    expect(b.stats().descriptorsClosed).toBe(2 * N);
    // With no consumer at all ('batch' only) the records' descriptors are closed too.
    b.removeAllListeners('message');
    let batched = 0;
    b.on('batch', (batch) => {
      batched += batch.count;
    });
    for (let sent = 0; sent < 10_000; sent += chunk.length) await a.sendBatch(chunk);
    await until(() => batched === 10_000, 30_000);
    expect(fdCount()).toBe(before);
    closeSync(file);
    await a.close();
    await b.close();
  }, 120_000);

  it('more descriptors than maxDescriptors: MSG_CTRUNC is reported as an error and nothing leaks', async () => {
    const [a, b] = UnixSocket.pair({ maxDescriptors: 2 });
    const before = fdCount();
    const errors: Error[] = [];
    b.on('error', (e) => errors.push(e));
    const got = b.receive({ timeout: 2000 });
    await a.send('too many', { fds: Array(10).fill(0) });
    const m = await got;
    expect(m.info.error).toMatchObject({ code: 'ERR_SOCKIT_CONTROL_TRUNCATED' });
    expect(m.info.fds).toBeUndefined();
    await until(() => errors.length === 1);
    expect(fdCount()).toBe(before);
    expect(b.stats().controlTruncated).toBe(1);
    await a.close();
    await b.close();
  });

  it('a truncating peer without an error listener does not crash the receiver', async () => {
    const [a, b] = UnixSocket.pair({ maxDescriptors: 1 });
    const got: UnixMessage[] = [];
    b.on('message', (data, info) => got.push({ data, info }));
    await a.send('x', { fds: [0, 0, 0] });
    await until(() => got.length === 1);
    expect(got[0]!.info.error).toBeDefined();
    await a.close();
    await b.close();
  });

  it('closing the receiving socket with descriptors still queued in the kernel leaks nothing', async () => {
    const before = fdCount();
    const [a, b] = UnixSocket.pair();
    for (let i = 0; i < 50; i++) await a.send('x', { fds: [0] });
    await a.close();
    await b.close();
    await sleep(20);
    expect(fdCount()).toBe(before);
  });
});

describe('credentials', () => {
  it('SO_PASSCRED: every message carries the sender pid/uid/gid; SO_PEERCRED names the peer', async () => {
    const [a, b] = UnixSocket.pair({ passCredentials: true });
    const got = b.receive({ timeout: 2000 });
    await a.send('who');
    const m = await got;
    expect(m.info.credentials).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    expect(b.peerCredentials().pid).toBe(process.pid);
    await a.close();
    await b.close();
  });

  it('explicit credentials equal to our own pass (foreign ones: see unprivileged.test.ts)', async () => {
    const [a, b] = UnixSocket.pair({ passCredentials: true });
    const got = b.receive({ timeout: 2000 });
    await a.send('me', { credentials: { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() } });
    expect((await got).info.credentials?.pid).toBe(process.pid);
    await a.close();
    await b.close();
  });
});
