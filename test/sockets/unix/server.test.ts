// UnixServer: a seqpacket listener whose connections are UnixSockets.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { UnixServer, UnixSocket } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { abstractName, sleep, tempDir, until } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.rm());

describe('UnixServer (SOCK_SEQPACKET)', () => {
  it('accepts connections as UnixSockets that keep message boundaries and pass descriptors', async () => {
    const path = tmp.path('srv.sock');
    await using server = UnixServer.listen({ path, connection: { passCredentials: true } });
    expect(server.address()).toEqual({ path, abstract: false });
    const peers: UnixSocket[] = [];
    server.on('connection', (s: UnixSocket) => {
      peers.push(s);
      s.on('message', (d, info) => void s.send(`echo ${d} from ${info.credentials?.pid} fds ${info.fds?.count ?? 0}`));
    });
    await once(server, 'listening');
    const clients = await Promise.all([1, 2, 3].map(() => UnixSocket.create({ type: 'seqpacket', connect: path })));
    const replies = clients.map((c) => c.receive({ timeout: 3000 }));
    await Promise.all(clients.map((c, i) => c.send(`m${i}`, i === 0 ? { fds: [0] } : undefined)));
    const got = (await Promise.all(replies)).map((m) => m.data.toString()).sort();
    expect(got).toEqual([`echo m0 from ${process.pid} fds 1`, `echo m1 from ${process.pid} fds 0`, `echo m2 from ${process.pid} fds 0`]);
    expect(peers.every((p) => p.type === 'seqpacket')).toBe(true);
    for (const c of clients) await c.close();
    await until(() => peers.every((p) => p.listenerCount('message') > 0));
    for (const p of peers) await p.close();
  });

  it('accepts only while a connection listener exists; close() stops listening', async () => {
    const name = abstractName('srv');
    const server = UnixServer.listen({ path: name });
    const c = await UnixSocket.create({ type: 'seqpacket', connect: name }); // waits in the backlog
    await sleep(30);
    const accepted = new Promise<UnixSocket>((r) => server.once('connection', r));
    const s = await accepted;
    expect(s.remoteAddress().path).toBe('');
    await s.close();
    await c.close();
    await server.close();
    await expect(UnixSocket.create({ type: 'seqpacket', connect: name })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describeWith(['tool:python3'], 'UnixServer with a Python client', () => {
  it('a Python SOCK_SEQPACKET client connects and gets its answer', async () => {
    const path = tmp.path('py-srv.sock');
    await using server = UnixServer.listen({ path });
    server.on('connection', (s: UnixSocket) => s.on('message', (d) => void s.send(Buffer.concat([Buffer.from('ok:'), d]))));
    const py = spawn('python3', ['-c', `import socket,sys\ns=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)\ns.connect(sys.argv[1])\ns.send(b'hi')\nprint(s.recv(100).decode())`, path]);
    let out = '';
    py.stdout.on('data', (d) => (out += d));
    await new Promise((r) => py.on('close', r));
    expect(out.trim()).toBe('ok:hi');
  });
});
