// Interop with peers that are not sockit: Python's socket module both ways
// (descriptors included, SOCK_DGRAM and SOCK_SEQPACKET) and socat.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { UnixSocket } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { abstractName, tempDir, until } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.rm());

interface Child {
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Resolves once the child printed `line`. */
  printed(line: string): Promise<void>;
  /** End the child (SIGTERM). */
  kill(): void;
}

function start(cmd: string, args: string[], input?: string): Child {
  const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  p.stdout.on('data', (d) => {
    stdout += d;
    for (const w of waiters.splice(0)) if (stdout.includes(w.line)) w.resolve();
    else waiters.push(w);
  });
  p.stderr.on('data', (d) => (stderr += d));
  if (input !== undefined) p.stdin.end(input);
  const timer = setTimeout(() => p.kill(), 15_000);
  return {
    done: new Promise((resolve) =>
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      }),
    ),
    kill: () => p.kill(),
    printed: (line) => new Promise<void>((resolve) => (stdout.includes(line) ? resolve() : waiters.push({ line, resolve }))),
  };
}

const PY_RECV = `
import socket, sys, os
kind = socket.SOCK_SEQPACKET if sys.argv[2] == 'seqpacket' else socket.SOCK_DGRAM
s = socket.socket(socket.AF_UNIX, kind)
addr = '\\0' + sys.argv[1][1:] if sys.argv[1].startswith('@') else sys.argv[1]
s.bind(addr)
if kind == socket.SOCK_SEQPACKET:
    s.listen(1)
    print('ready', flush=True)
    s, _ = s.accept()
else:
    print('ready', flush=True)
msg, fds, flags, peer = socket.recv_fds(s, 1024, 4)
content = os.pread(fds[0], 100, 0).decode()
print(msg.decode(), len(fds), content, flush=True)
if kind == socket.SOCK_SEQPACKET:
    r, w = os.pipe()
    os.write(w, b'from python')
    os.close(w)
    socket.send_fds(s, [b'reply'], [r])
`;

const PY_SEND = `
import socket, sys, os, array
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
r, w = os.pipe()
os.write(w, b'pipe from python')
os.close(w)
addr = '\\0' + sys.argv[1][1:] if sys.argv[1].startswith('@') else sys.argv[1]
# socket.send_fds() drops its address argument: sendmsg with SCM_RIGHTS by hand
s.sendmsg([b'hello from python'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [r]))], 0, addr)
print('sent', flush=True)
`;

describeWith(['tool:python3'], 'interop with Python', () => {
  for (const where of ['path', 'abstract'] as const) {
    it(`Node → Python (${where}): the descriptor arrives usable`, async () => {
      const addr = where === 'path' ? tmp.path(`py-${where}.sock`) : abstractName('py');
      const py = start('python3', ['-c', PY_RECV, addr, 'dgram']);
      await py.printed('ready');
      const file = tmp.path('for-python.txt');
      writeFileSync(file, 'from-node');
      const fd = openSync(file, 'r');
      await using s = await UnixSocket.create();
      await s.send('hello', { path: addr, fds: [fd] });
      closeSync(fd);
      const r = await py.done;
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('hello 1 from-node');
    });
  }

  it('Python → Node: a pipe passed by Python is readable in Node', async () => {
    const addr = abstractName('from-py');
    await using s = await UnixSocket.create({ path: addr });
    const got = s.receive({ timeout: 10_000 });
    const py = start('python3', ['-c', PY_SEND, addr]);
    const m = await got;
    expect(m.data.toString()).toBe('hello from python');
    expect(m.info.path).toBe(''); // an unbound Python socket
    const [fd] = m.info.fds!.take();
    const b = Buffer.alloc(64);
    expect(b.subarray(0, readSync(fd!, b)).toString()).toBe('pipe from python');
    closeSync(fd!);
    expect((await py.done).code).toBe(0);
  });

  it('seqpacket: Node connects to a Python listener; descriptors go both ways', async () => {
    const addr = tmp.path('py-seq.sock');
    const py = start('python3', ['-c', PY_RECV, addr, 'seqpacket']);
    await py.printed('ready');
    const file = tmp.path('seq.txt');
    writeFileSync(file, 'seq-node');
    const fd = openSync(file, 'r');
    await using s = await UnixSocket.create({ type: 'seqpacket', connect: addr });
    const reply = s.receive({ timeout: 10_000 });
    await s.send('over seqpacket', { fds: [fd] });
    closeSync(fd);
    const m = await reply;
    expect(m.data.toString()).toBe('reply');
    const [rfd] = m.info.fds!.take();
    const b = Buffer.alloc(64);
    expect(b.subarray(0, readSync(rfd!, b)).toString()).toBe('from python');
    closeSync(rfd!);
    const r = await py.done;
    expect(r.stdout).toContain('over seqpacket 1 seq-node');
  });
});

describeWith(['tool:socat'], 'interop with socat', () => {
  it('socat UNIX-SENDTO → UnixSocket, and UnixSocket → socat UNIX-RECV', async () => {
    const mine = tmp.path('for-socat.sock');
    await using s = await UnixSocket.create({ path: mine });
    const got = s.receive({ timeout: 10_000 });
    const tx = start('socat', ['-u', 'STDIN', `UNIX-SENDTO:${mine}`], 'datagram from socat\n');
    expect((await got).data.toString()).toBe('datagram from socat\n');
    await tx.done;

    const theirs = tmp.path('socat-recv.sock');
    const rx = start('socat', ['-u', `UNIX-RECV:${theirs}`, 'STDOUT']);
    await until(() => existsSync(theirs));
    await s.send('datagram to socat\n', theirs);
    await rx.printed('datagram to socat');
    rx.kill();
    expect((await rx.done).stdout).toBe('datagram to socat\n');
  });
});
