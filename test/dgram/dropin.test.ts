// The dgram drop-in (dist/dgram) beyond what Node's own dgram tests check
// (those run from .ci/run): the engine underneath, the batching of a tick's
// sends, Node's timing where it is observable, and the extras.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import * as dgram from '../../dist/dgram/index.js';
import { Socket as RawSocket, UdpSocket } from '../helpers/sockit';
import { describeWith } from '../helpers/env';

const DROPIN = join(__dirname, '..', '..', 'dist', 'dgram', 'index.js');
const open: dgram.Socket[] = [];
function sock(type: dgram.SocketType | dgram.SocketOptions): dgram.Socket {
  const s = dgram.createSocket(type);
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s[Symbol.asyncDispose]();
});
async function bound(type: dgram.SocketType | dgram.SocketOptions, address?: string): Promise<dgram.Socket> {
  const s = sock(type);
  s.bind(0, address);
  await once(s, 'listening');
  return s;
}
function messages(s: dgram.Socket, n: number): Promise<Array<[Buffer, dgram.RemoteInfo]>> {
  const got: Array<[Buffer, dgram.RemoteInfo]> = [];
  return new Promise((resolve) => {
    s.on('message', (m: Buffer, r: dgram.RemoteInfo) => {
      got.push([m, r]);
      if (got.length === n) resolve(got);
    });
  });
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describeWith(['netns'], 'dgram drop-in', () => {
  for (const [type, lo] of [['udp4', '127.0.0.1'], ['udp6', '::1']] as const) {
    it(`${type}: echo; rinfo is exactly dgram's four fields; address() is dgram's AddressInfo`, async () => {
      const server = await bound(type, lo);
      const client = await bound(type, lo);
      server.on('message', (m: Buffer, r: dgram.RemoteInfo) => server.send(m, r.port, r.address));
      const got = messages(client, 1);
      client.send('ping', server.address().port, lo);
      const [[msg, rinfo]] = (await got) as [[Buffer, dgram.RemoteInfo]];
      expect(msg.toString()).toBe('ping');
      expect(rinfo).toStrictEqual({ address: lo, family: type === 'udp4' ? 'IPv4' : 'IPv6', port: server.address().port, size: 4 });
      expect(Object.keys(server.address())).toEqual(['address', 'family', 'port']);
      expect(server.address()).toMatchObject({ address: lo, family: type === 'udp4' ? 'IPv4' : 'IPv6' });
    });
  }

  it('256 send() calls in one tick: all arrive in order, each callback gets its bytes, the engine counts them', async () => {
    // The receiver reads only after this tick: its buffer must hold the burst (GSO segments take a little more than plain datagrams).
    const rx = await bound({ type: 'udp4', recvBufferSize: 1 << 20 }, '127.0.0.1');
    const tx = await bound('udp4', '127.0.0.1');
    const got = messages(rx, 256);
    const sizes: number[] = [];
    const done = new Promise<void>((resolve) => {
      for (let i = 0; i < 256; i++) {
        tx.send(`m${i}`, rx.address().port, '127.0.0.1', (err: Error | null, n?: number) => {
          expect(err).toBeNull();
          sizes.push(n as number);
          if (sizes.length === 256) resolve();
        });
      }
    });
    await done;
    const msgs = await got;
    expect(msgs.map(([m]) => m.toString())).toEqual(Array.from({ length: 256 }, (_, i) => `m${i}`));
    expect(sizes).toEqual(Array.from({ length: 256 }, (_, i) => `m${i}`.length));
    expect(dgram.underlying(tx)?.stats().sent).toBe(256);
    expect(dgram.underlying(rx)?.stats().received).toBe(256);
  });

  it('a tick of equal-size sends leaves as UDP GSO by default (a GRO receiver sees them coalesced); engine.gso 0 turns it off', async () => {
    for (const gso of [undefined, 0] as const) {
      const rx = await UdpSocket.create({ address: '127.0.0.1', port: 0, receive: { gro: true } });
      try {
        let coalesced = 0;
        rx.on('batch', (b) => {
          for (let i = 0; i < b.count; i++) if (b.segmentSize(i) > 0) coalesced++;
        });
        const tx = await bound(gso === undefined ? 'udp4' : { type: 'udp4', engine: { gso } }, '127.0.0.1');
        const got: Buffer[] = [];
        rx.on('message', (m: Buffer) => got.push(Buffer.from(m)));
        await new Promise<void>((resolve, reject) => {
          let n = 0;
          for (let i = 0; i < 128; i++)
            tx.send(Buffer.alloc(300, i), rx.address().port, '127.0.0.1', (err: Error | null) => (err ? reject(err) : ++n === 128 && resolve()));
        });
        while (got.length < 128) await sleep(5);
        expect(got.map((m) => m[0])).toEqual(Array.from({ length: 128 }, (_, i) => i));
        expect(got.every((m) => m.length === 300)).toBe(true);
        expect(coalesced > 0).toBe(gso === undefined);
      } finally {
        await rx.close();
      }
    }
  });

  it('a failing datagram in the middle of a tick\'s batch: the ones before and after arrive, each callback gets its own result', async () => {
    const rx = await bound('udp4', '127.0.0.1');
    const tx = await bound('udp4', '127.0.0.1');
    const got = messages(rx, 4);
    const port = rx.address().port;
    const results = await Promise.all(
      ['a1', 'a2', Buffer.alloc(70000), 'b1', 'b2'].map(
        (m) => new Promise<[string | undefined, number | undefined]>((r) => tx.send(m, port, '127.0.0.1', (e: Error | null, n?: number) => r([(e as dgram.DgramSystemError | null)?.code, n]))),
      ),
    );
    expect(results).toEqual([[undefined, 2], [undefined, 2], ['EMSGSIZE', undefined], [undefined, 2], [undefined, 2]]);
    expect((await got).map(([m]) => m.toString())).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  it('the send callback is never synchronous, and close() in the same tick cancels the send (as in Node)', async () => {
    const rx = await bound('udp4', '127.0.0.1');
    let received = 0;
    rx.on('message', () => received++);
    const tx = await bound('udp4', '127.0.0.1');
    let sync = true;
    let called = 0;
    let wasSync: boolean | undefined;
    const sent = new Promise<void>((resolve) =>
      tx.send('a', rx.address().port, '127.0.0.1', () => {
        wasSync = sync;
        resolve();
      }),
    );
    sync = false;
    await sent;
    expect(wasSync).toBe(false);
    const tx2 = sock('udp4');
    tx2.bind(0, '127.0.0.1');
    await once(tx2, 'listening');
    tx2.send('b', rx.address().port, '127.0.0.1', () => called++);
    tx2.close();
    await sleep(100);
    expect(called).toBe(0);
    expect(received).toBe(1);
  });

  it('underlying(): the UdpSocket while listening; engine.receive metadata reaches rinfo; per-datagram TTL', async () => {
    const rx = sock({ type: 'udp4', engine: { receive: { ttl: true, packetInfo: true } } });
    expect(dgram.underlying(rx)).toBeUndefined();
    rx.bind(0, '127.0.0.1');
    await once(rx, 'listening');
    const u = dgram.underlying(rx);
    expect(u).toBeInstanceOf(UdpSocket);
    const tx = await bound('udp4', '127.0.0.1');
    const got = messages(rx, 1);
    await dgram.underlying(tx)!.send('ttl', { address: '127.0.0.1', port: rx.address().port, ttl: 7 });
    const [[, rinfo]] = (await got) as [[Buffer, dgram.RemoteInfo]];
    expect(rinfo).toMatchObject({ address: '127.0.0.1', family: 'IPv4', size: 3, ttl: 7, destination: '127.0.0.1' });
    rx.close();
    expect(dgram.underlying(rx)).toBeUndefined();
    expect(u!.closed).toBe(true);
  });

  it("bind({ fd }) adopts a bound descriptor and emits 'listening' at once", async () => {
    const raw = new RawSocket('ipv4', 'dgram').bind('127.0.0.1:0');
    const port = raw.localAddress().port;
    const s = sock('udp4');
    let listening = false;
    s.on('listening', () => (listening = true));
    s.bind({ fd: raw.release() });
    expect(listening).toBe(true);
    expect(s.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port });
  });

  it('connect(): connect event, remoteAddress(), send without an address, disconnect()', async () => {
    const rx = await bound('udp4', '127.0.0.1');
    const tx = sock('udp4');
    tx.connect(rx.address().port, '127.0.0.1');
    await once(tx, 'connect');
    expect(tx.remoteAddress()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: rx.address().port });
    const got = messages(rx, 1);
    tx.send('c');
    expect((await got)[0]![0].toString()).toBe('c');
    tx.disconnect();
    expect(() => tx.remoteAddress()).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' }));
  });

  it("a connected socket reports ICMP port unreachable as 'error' recvmsg ECONNREFUSED, as Node does", async () => {
    const probe = new RawSocket('ipv4', 'dgram').bind('127.0.0.1:0');
    const port = probe.localAddress().port;
    probe.close(); // nobody listens there now
    const s = sock('udp4');
    s.on('message', () => {});
    s.connect(port, '127.0.0.1');
    await once(s, 'connect');
    const sent = new Promise<Error | null>((r) => s.send('x', (e: Error | null) => r(e)));
    expect(await sent).toBeNull();
    const [err] = (await once(s, 'error')) as [dgram.DgramSystemError];
    expect(err).toMatchObject({ message: 'recvmsg ECONNREFUSED', code: 'ECONNREFUSED', syscall: 'recvmsg', errno: -111 });
  });

  it("errors in Node's shape: EBADF before bind, bind EADDRINUSE as 'error', bad port, send EMSGSIZE to the callback", async () => {
    expect(() => sock('udp4').address()).toThrow(expect.objectContaining({ message: 'getsockname EBADF', code: 'EBADF', errno: -9, syscall: 'getsockname' }));
    const closed = sock('udp4');
    closed.close();
    try {
      closed.bind(0);
    } catch (e) {
      expect(String(e)).toBe('Error [ERR_SOCKET_DGRAM_NOT_RUNNING]: Not running');
      expect((e as Error).stack?.split('\n')[0]).toBe('Error [ERR_SOCKET_DGRAM_NOT_RUNNING]: Not running');
    }
    const a = await bound('udp4', '127.0.0.1');
    const b = sock('udp4');
    b.bind(a.address().port, '127.0.0.1');
    const [err] = (await once(b, 'error')) as [dgram.DgramSystemError];
    expect(err).toMatchObject({ message: `bind EADDRINUSE 127.0.0.1:${a.address().port}`, code: 'EADDRINUSE', address: '127.0.0.1', port: a.address().port });
    expect(() => a.send('x', 70000, '127.0.0.1')).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_SOCKET_BAD_PORT' }));
    const sendErr = await new Promise<dgram.DgramSystemError>((r) => a.send(Buffer.alloc(70000), 9, '127.0.0.1', (e: Error | null) => r(e as dgram.DgramSystemError)));
    expect(sendErr).toMatchObject({ message: 'send EMSGSIZE 127.0.0.1:9', code: 'EMSGSIZE', port: 9 });
  });

  it("a buffer-size error is a SystemError that prints as Node's does (inspect, toString, name, accessors)", () => {
    // In a plain node child: vitest changes how Node's own errors format their stack.
    const code = [
      "const { inspect } = require('node:util');",
      `const dropin = require(${JSON.stringify(DROPIN)});`,
      "const caught = (f) => { try { f(); } catch (e) { return e; } throw new Error('did not throw'); };",
      "const body = (e) => inspect(e).replace(/^ +at .*\\n/gm, '');",
      'const out = [];',
      "for (const m of ['setSendBufferSize', 'setRecvBufferSize', 'getSendBufferSize']) {",
      "  const ours = caught(() => dropin.createSocket('udp4')[m](8192));",
      "  const theirs = caught(() => require('node:dgram').createSocket('udp4')[m](8192));",
      '  const same = { inspect: body(ours) === body(theirs), toString: String(ours) === String(theirs), name: ours.name === theirs.name, keys: Object.keys(ours).join() === Object.keys(theirs).join() };',
      '  ours.errno = -22;',
      '  same.accessor = ours.info.errno === -22;',
      '  out.push(same, body(ours).split("\\n")[0]);',
      '}',
      'console.log(JSON.stringify(out));',
      'process.exit(0);',
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    const same = { inspect: true, toString: true, name: true, keys: true, accessor: true };
    const head = (op: string): string => `SystemError [ERR_SOCKET_BUFFER_SIZE]: Could not get or set buffer size: uv_${op}_buffer_size returned EBADF (bad file descriptor)`;
    expect(JSON.parse(r.stdout)).toEqual([same, head('send'), same, head('recv'), same, head('send')]);
  });

  it('the newer API: reusePort, receiveBlockList, sendBlockList, bindSync, connectSync, as Node 24 words and times them', () => {
    // The lines node:dgram of Node 24.22 printed for the same script (ports as PORT).
    const expected = [
      '"bindSync" "number" "127.0.0.1" "IPv4" 0',
      '"after tick" ["listening"]',
      '"again" Error|ERR_SOCKET_ALREADY_BOUND|Socket is already bound',
      '"inuse" Error|EADDRINUSE|bind EADDRINUSE 127.0.0.1:PORT',
      '"name" TypeError|ERR_INVALID_ARG_VALUE|The property \'options.address\' must be a numeric IP address; bindSync does not perform DNS resolution. Received \'localhost\'',
      '"null" TypeError|ERR_INVALID_ARG_TYPE|The "options" argument must be of type object. Received null',
      '"port" RangeError|ERR_SOCKET_BAD_PORT|options.port should be >= 0 and < 65536. Received type number (70000).',
      '"b remote" true "b bound" "127.0.0.1"',
      '"twice" Error|ERR_SOCKET_DGRAM_IS_CONNECTED|Already connected',
      '"port0" RangeError|ERR_SOCKET_BAD_PORT|Port should be > 0 and < 65536. Received type number (0).',
      '"cname" TypeError|ERR_INVALID_ARG_VALUE|The argument \'address\' must be a numeric IP address; connectSync does not perform DNS resolution. Received \'example.com\'',
      '"family" Error|EINVAL|connect EINVAL ::1:5',
      '"b connect event"',
      '"send blocked" Error|ERR_IP_BLOCKED|IP(127.0.0.2) is blocked by net.BlockList',
      '"connect blocked" Error|ERR_IP_BLOCKED|IP(127.0.0.2) is blocked by net.BlockList',
      '"connectSync blocked" Error|ERR_IP_BLOCKED|IP(127.0.0.2) is blocked by net.BlockList',
      '"bad list" TypeError|ERR_INVALID_ARG_TYPE|The "options.sendBlockList" property must be an net.BlockList. Received an instance of Object',
      '"received from" ["127.0.0.4"]',
      '"reusePort second bind" null true',
    ];
    const run = (which: string): string[] => {
      const r = spawnSync(process.execPath, [join(__dirname, 'fixtures', 'sync-api.cjs'), which], { encoding: 'utf8', timeout: 20_000 });
      expect(r.stderr).toBe('');
      return r.stdout.trim().split('\n');
    };
    expect(run('dropin')).toEqual(expected);
    // Where Node has the API itself (24 and 26), it says the same.
    if (typeof (require('node:dgram') as { Socket: { prototype: Record<string, unknown> } }).Socket.prototype.bindSync === 'function') expect(run('node')).toEqual(expected);
  });

  it("bad engine options surface as an 'error' event of bind, not as an exception from a callback", async () => {
    const s = sock({ type: 'udp4', engine: { batchSize: 'x' as unknown as number } });
    s.bind(0, '127.0.0.1');
    const [err] = (await once(s, 'error')) as [Error & { code: string }];
    expect(err.code).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('a port is free again right after close(), as with Node (rebinding it in the same tick works)', async () => {
    const a = await bound('udp4', '127.0.0.1');
    const port = a.address().port;
    a.close();
    const b = sock('udp4');
    b.bind(port, '127.0.0.1');
    await once(b, 'listening');
    expect(b.address().port).toBe(port);
  });

  it('the event loop: an unbound socket lets the process exit, a bound one holds it until close() or unref()', () => {
    const run = (code: string): { status: number | null; out: string } => {
      const r = spawnSync(process.execPath, ['-e', `const d = require(${JSON.stringify(DROPIN)}); ${code}`], { encoding: 'utf8', timeout: 10_000 });
      return { status: r.status, out: r.stdout.trim() };
    };
    expect(run('d.createSocket("udp4"); console.log("exit")')).toEqual({ status: 0, out: 'exit' });
    // Bound: still alive when the timer fires, which closes it.
    expect(run('const s = d.createSocket("udp4").bind(0, "127.0.0.1"); setTimeout(() => { console.log("alive"); s.close(); }, 300).unref()')).toEqual({ status: 0, out: 'alive' });
    expect(run('const s = d.createSocket("udp4").bind(0, "127.0.0.1"); s.unref(); setTimeout(() => console.log("alive"), 300).unref()')).toEqual({ status: 0, out: '' });
  });
});
