// UnixSocket basics: paths, abstract names, autobind, socketpair, seqpacket,
// unbound senders, batches, backpressure, errors.
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { itWith } from '../../helpers/env';
import { UnixServer, UnixSocket } from '../../helpers/sockit';
import { abstractName, sleep, tempDir, until } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.rm());

describe('UnixSocket addresses', () => {
  it('binds a filesystem path and receives from an unbound sender (path "")', async () => {
    const p = tmp.path('a.sock');
    await using rx = await UnixSocket.create({ path: p });
    expect(rx.address()).toEqual({ path: p, abstract: false });
    expect(existsSync(p)).toBe(true);
    await using tx = await UnixSocket.create();
    expect(tx.address()).toEqual({ path: '', abstract: false });
    const got = rx.receive({ timeout: 2000 });
    expect(await tx.send('hello', p)).toBe(5);
    const m = await got;
    expect(m.data.toString()).toBe('hello');
    expect(m.info).toMatchObject({ path: '', size: 5, truncated: false });
  });

  it("abstract names are written '@name' both ways; autobind picks one", async () => {
    const name = abstractName('abs');
    await using rx = await UnixSocket.create({ path: name });
    expect(rx.address()).toEqual({ path: name, abstract: true });
    await using tx = await UnixSocket.create({ path: '' });
    const auto = tx.address();
    expect(auto.abstract).toBe(true);
    expect(auto.path).toMatch(/^@[0-9a-f]{5}$/);
    const got = rx.receive({ timeout: 2000 });
    await tx.send('x', name);
    expect((await got).info.path).toBe(auto.path);
  });

  it('a long path is refused before any system call; a path beginning with @ is written ./@', async () => {
    await expect(UnixSocket.create({ path: `/tmp/${'x'.repeat(120)}` })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    const p = `${tmp.dir}/@odd.sock`;
    await using rx = await UnixSocket.create({ path: `${tmp.dir}/./@odd.sock` });
    expect(existsSync(p)).toBe(true);
    expect(rx.address().abstract).toBe(false);
  });

  it('unlinkExisting replaces a stale socket file but never a regular file', async () => {
    const p = tmp.path('stale.sock');
    const first = await UnixSocket.create({ path: p });
    await first.close();
    await expect(UnixSocket.create({ path: p })).rejects.toMatchObject({ code: 'EADDRINUSE', syscall: 'bind' });
    await (await UnixSocket.create({ path: p, unlinkExisting: true })).close();
    const f = tmp.path('file');
    writeFileSync(f, 'keep');
    await expect(UnixSocket.create({ path: f, unlinkExisting: true })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(existsSync(f)).toBe(true);
  });

  it('bind() after create; connect() fixes the peer; errors name the path with a hint', async () => {
    await using rx = await UnixSocket.create();
    const name = abstractName('late');
    expect(await rx.bind(name)).toEqual({ path: name, abstract: true });
    await using tx = await UnixSocket.create();
    await expect(tx.send('x')).rejects.toMatchObject({ code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' });
    await tx.connect(name);
    expect(tx.remoteAddress()).toEqual({ path: name, abstract: true });
    const got = rx.receive({ timeout: 2000 });
    await tx.send('via connect');
    expect((await got).data.toString()).toBe('via connect');
    const missing = tmp.path('nobody.sock');
    await using free = await UnixSocket.create();
    const e2 = (await free.send('x', missing).catch((e: unknown) => e)) as { code: string; address: string; hint: string };
    expect(e2.code).toBe('ENOENT');
    expect(e2.address).toBe(missing);
    expect(e2.hint).toMatch(/does not exist/);
    await expect(free.send('x', abstractName('none'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('abstract names are exact byte strings (trailing and embedded NULs count)', () => {
  // Linux: the name is the addrlen - offsetof(sun_path) - 1 bytes after the
  // leading NUL. In the notation each NUL byte is a '\0' character, the rest UTF-8.
  const names = (tag: string): string[] => {
    const base = abstractName(tag);
    return [`${base}\0`, `${base}\0\0\0`, `${base}\0mid\0`, `${base}-caf\u00e9-\u2603`, `@\0${base.slice(1)}`];
  };

  it('address(), a sender’s info.path and remoteAddress() keep every byte, and the name round-trips into send/connect', async () => {
    for (const name of names('nul')) {
      await using rx = await UnixSocket.create({ path: name });
      expect(rx.address()).toEqual({ path: name, abstract: true });
      await using tx = await UnixSocket.create({ path: `${name}-tx\0` });
      const got = rx.receive({ timeout: 2000 });
      await tx.send('ping', name);
      const m = await got;
      expect(m.info.path).toBe(`${name}-tx\0`);
      // Reply to the sender exactly as reported: it reaches tx, not a name with the NULs cut off.
      const back = tx.receive({ timeout: 2000 });
      await rx.send('pong', m.info.path);
      expect((await back).data.toString()).toBe('pong');
      await using c = await UnixSocket.create();
      await c.connect(name);
      expect(c.remoteAddress()).toEqual({ path: name, abstract: true });
    }
  });

  it("'@n' and '@n\\0' are two different sockets", async () => {
    const base = abstractName('two');
    await using short = await UnixSocket.create({ path: base });
    await using long = await UnixSocket.create({ path: `${base}\0` });
    await using tx = await UnixSocket.create({ path: '' });
    const got = long.receive({ timeout: 2000 });
    await tx.send('to the long one', `${base}\0`);
    expect((await got).data.toString()).toBe('to the long one');
    expect(short.stats().received).toBe(0);
  });

  // Abstract names are per network namespace: '@' is taken only inside the suite's own.
  itWith(['netns'], "the empty abstract name is '@' (addrlen 3), not unnamed", async () => {
    await using rx = await UnixSocket.create({ path: '@' });
    expect(rx.address()).toEqual({ path: '@', abstract: true });
    await using from = await UnixSocket.create();
    await from.connect('@');
    expect(from.remoteAddress()).toEqual({ path: '@', abstract: true });
    const got = rx.receive({ timeout: 2000 });
    await from.send('x');
    expect((await got).info.path).toBe('');
    await using peer = await UnixSocket.create({ path: abstractName('reply') });
    const back = peer.receive({ timeout: 2000 });
    await rx.send('from @', peer.address().path);
    expect((await back).info.path).toBe('@');
  });

  it('a seqpacket server on a name with trailing NULs reports it exactly', async () => {
    const name = `${abstractName('srv')}\0\0`;
    const server = UnixServer.listen({ path: name });
    expect(server.address()).toEqual({ path: name, abstract: true });
    await server.close();
  });
});

describe('socketpair and seqpacket', () => {
  it('pair() gives two connected dgram sockets with peer credentials', async () => {
    const [a, b] = UnixSocket.pair();
    const got = b.receive({ timeout: 2000 });
    await a.send('ping');
    expect((await got).data.toString()).toBe('ping');
    expect(a.peerCredentials()).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    await a.close();
    await b.close();
  });

  it('seqpacket keeps message boundaries', async () => {
    const [a, b] = UnixSocket.pair({ type: 'seqpacket' });
    expect(a.type).toBe('seqpacket');
    const msgs: string[] = [];
    b.on('message', (d) => msgs.push(d.toString()));
    await a.sendBatch(['one', 'two', Buffer.from('three')]);
    await until(() => msgs.length === 3);
    expect(msgs).toEqual(['one', 'two', 'three']);
    await a.close();
    await b.close();
  });

  it("seqpacket: the peer closing ends iteration with 'end' (no endless empty reads), after its last messages", async () => {
    const [a, b] = UnixSocket.pair({ type: 'seqpacket' });
    await b.sendBatch(['last 1', 'last 2']);
    await b.close();
    let ends = 0;
    a.on('end', () => ends++);
    const got: string[] = [];
    const cpu0 = process.cpuUsage();
    for await (const m of a) got.push(m.data.toString());
    await sleep(50);
    const cpu = process.cpuUsage(cpu0);
    expect(got).toEqual(['last 1', 'last 2']);
    expect(ends).toBe(1);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(100);
    expect(a.stats().received).toBe(2);
    await a.close();
  });

  it('seqpacket: a peer closing with our message unread is ECONNRESET, and what it sent before still arrives', async () => {
    const [a, b] = UnixSocket.pair({ type: 'seqpacket' });
    await b.send('reply');
    await a.send('never read by b');
    await b.close();
    await sleep(20);
    const errors: string[] = [];
    const got: string[] = [];
    a.on('error', (e: Error & { code?: string }) => errors.push(e.code as string));
    a.on('message', (d) => got.push(d.toString()));
    await until(() => errors.length > 0 && got.length > 0);
    await sleep(20);
    expect(errors).toEqual(['ECONNRESET']);
    expect(got).toEqual(['reply']);
    await a.close();
  });

  it('sends a batch with one sendmmsg and receives it in order, with per-entry destinations', async () => {
    const n1 = abstractName('b1');
    const n2 = abstractName('b2');
    await using r1 = await UnixSocket.create({ path: n1 });
    await using r2 = await UnixSocket.create({ path: n2 });
    await using tx = await UnixSocket.create();
    const got1: string[] = [];
    const got2: string[] = [];
    r1.on('message', (d) => got1.push(d.toString()));
    r2.on('message', (d) => got2.push(d.toString()));
    const list = Array.from({ length: 500 }, (_, i) => (i % 2 ? { data: `m${i}`, path: n2 } : `m${i}`));
    expect(await tx.sendBatch(list, n1)).toBe(500);
    await until(() => got1.length + got2.length === 500);
    expect(got1[0]).toBe('m0');
    expect(got2[0]).toBe('m1');
    expect(got1.length).toBe(250);
  });

  it('truncates a message longer than maxMessageSize and flags it', async () => {
    const [a, b] = UnixSocket.pair({ maxMessageSize: 16 });
    const got = b.receive({ timeout: 2000 });
    await a.send(Buffer.alloc(100, 7));
    const m = await got;
    expect(m.data.length).toBe(16);
    expect(m.info).toMatchObject({ size: 100, truncated: true });
    expect(b.stats().truncated).toBe(1);
    await a.close();
    await b.close();
  });
});

describe('backpressure', () => {
  for (const connected of [true, false]) {
    it(`${connected ? 'connected' : 'unconnected'} sender: EAGAIN on a full receiver queues and drains, nothing lost, no spinning`, async () => {
      const name = abstractName('bp');
      await using rx = await UnixSocket.create({ path: name, options: { SO_RCVBUF: 4096 } });
      await using tx = await UnixSocket.create(connected ? { connect: name } : {});
      const N = 3000;
      const sends: Promise<number>[] = [];
      for (let i = 0; i < N; i++) sends.push(connected ? tx.send(Buffer.alloc(64, i & 0xff)) : tx.send(Buffer.alloc(64, i & 0xff), name));
      await sleep(20);
      expect(tx.stats().sendQueue).toBeGreaterThan(0); // the receiver's queue (max_dgram_qlen) is full: the rest waits
      const usage0 = process.cpuUsage();
      await sleep(200);
      const cpu = process.cpuUsage(usage0);
      expect((cpu.user + cpu.system) / 1000).toBeLessThan(150); // waiting for room does not spin
      const drained = new Promise((r) => tx.once('drain', r));
      let n = 0;
      rx.on('message', () => n++);
      await Promise.all(sends);
      await drained;
      await until(() => n === N);
      expect(tx.stats().sent).toBe(N);
    });
  }

  it('sendQueueLimit bounds the queue with ENOBUFS', async () => {
    const name = abstractName('lim');
    await using rx = await UnixSocket.create({ path: name });
    await using tx = await UnixSocket.create({ connect: name, sendQueueLimit: 10 });
    const results = await Promise.allSettled(Array.from({ length: 2000 }, () => tx.send('x')));
    expect(results.some((r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'ENOBUFS')).toBe(true);
    rx.on('message', () => {});
  });
});

describe('validation', () => {
  it('rejects bad options and arguments like Node does', async () => {
    await expect(UnixSocket.create({ type: 'stream' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(UnixSocket.create({ bogus: 1 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(UnixSocket.create({ maxDescriptors: 254 })).rejects.toThrow(/maxDescriptors/);
    const [a, b] = UnixSocket.pair();
    await expect(a.send(42 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(a.send('x', { fds: [-1] })).rejects.toThrow();
    await expect(a.send('x', { fds: 'no' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(a.send('x', { fds: Array(254).fill(0) })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await a.close();
    await expect(a.send('x')).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    expect(() => a.fd).toThrow(/closed/);
    await b.close();
  });
});
