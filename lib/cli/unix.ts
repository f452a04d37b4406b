/**
 * `sockit unix send` / `sockit unix recv`: unix datagram (and seqpacket)
 * messages from the shell, with descriptors and credentials — what
 * `socat UNIX-SENDTO` / `UNIX-RECV` do, plus SCM_RIGHTS and SCM_CREDENTIALS.
 * @module
 */
import { UnixSocket } from '../sockets/unix';
import type { UnixMessage, UnixSendOptions, UnixSocketType } from '../sockets/unix';
import { CommandSpec, EXIT, ParsedFlags, UsageError } from './args';
import { NETNS_FLAG, PAYLOAD_FLAGS, RECV_FLAGS, asText, payloadFrom, positive, receiveLoop, networkCommand } from './common';
import type { Command } from './main';
import { Progress, sleep } from './output';

const TYPE_FLAG = { type: 'string', value: 'TYPE', description: "socket type: dgram (default) or seqpacket (send: connect to a listener)" } as const;

const recvSpec: CommandSpec = {
  name: 'unix recv',
  summary: 'Receive unix datagrams and print sender, credentials, descriptors and payload.',
  positionals: 'PATH',
  minPositionals: 1,
  maxPositionals: 1,
  flags: {
    ...RECV_FLAGS,
    credentials: { type: 'boolean', description: "SO_PASSCRED: print each sender's pid, uid and gid" },
    unlink: { type: 'boolean', description: 'remove a stale socket file at PATH first (never a regular file)' },
    ...NETNS_FLAG,
  },
  details:
    'Binds PATH (a filesystem path, or @NAME for an abstract name) and prints one line per message:\n' +
    '  SENDER -> PATH [pid P uid U gid G] [N fds] SIZE bytes: PAYLOAD\n' +
    'SENDER is "(unnamed)" for an unbound sender. Descriptors that arrive are counted, then closed.',
  examples: ['sockit unix recv /tmp/app.sock --count 1', 'sockit unix recv @app --credentials --json', 'sockit unix recv /run/app.sock --unlink --timeout 5'],
};

const sendSpec: CommandSpec = {
  name: 'unix send',
  summary: 'Send unix datagrams (optionally with descriptors and credentials).',
  positionals: 'PATH',
  minPositionals: 1,
  maxPositionals: 1,
  flags: {
    ...PAYLOAD_FLAGS,
    from: { type: 'string', value: 'PATH', description: "bind this path or @NAME first ('' autobinds), so the receiver can answer" },
    count: { type: 'number', short: 'c', description: 'messages to send', default: 1 },
    interval: { type: 'number', value: 'MS', description: 'pause between messages in milliseconds' },
    fd: { type: 'number', multiple: true, value: 'N', description: 'pass descriptor N with each message (SCM_RIGHTS; repeat for more)' },
    credentials: { type: 'boolean', description: 'attach our pid/uid/gid (SCM_CREDENTIALS)' },
    type: TYPE_FLAG,
    json: { type: 'boolean', description: 'print a JSON summary' },
    ...NETNS_FLAG,
  },
  examples: [
    'sockit unix send /tmp/app.sock -m hello',
    'sockit unix send @app --hex "de ad be ef" --count 3 --interval 100',
    'sockit unix send /run/app.sock -m "here is stdin" --fd 0 --credentials',
    'sockit unix send /run/seq.sock --type seqpacket -m hi',
  ],
};

function socketType(flags: ParsedFlags, command: string): UnixSocketType {
  const t = flags.type ?? 'dgram';
  if (t !== 'dgram' && t !== 'seqpacket') throw new UsageError(`--type must be dgram or seqpacket, got "${String(t)}"`, command);
  return t;
}

/** An address for a text line: NUL bytes of an abstract name shown as `\0` (as ss shows them, never raw). */
function shown(p: string): string {
  return p.replaceAll('\0', '\\0');
}

function messageLine(m: UnixMessage, path: string, hex: boolean): string {
  const i = m.info;
  const parts = [`${i.path ? shown(i.path) : '(unnamed)'} -> ${path}`];
  if (i.credentials) parts.push(`pid ${i.credentials.pid} uid ${i.credentials.uid} gid ${i.credentials.gid}`);
  if (i.fds?.count) parts.push(`${i.fds.count} fd${i.fds.count === 1 ? '' : 's'}`);
  if (i.error) parts.push(`(control data cut: ${(i.error as Error & { code?: string }).code})`);
  const text = hex ? null : asText(m.data);
  parts.push(`${i.size} bytes${i.truncated ? ' (truncated)' : ''}: ${text ?? m.data.toString('hex')}`);
  return parts.join(' ');
}

function messageJson(m: UnixMessage, path: string): Record<string, unknown> {
  const i = m.info;
  const text = asText(m.data);
  return {
    source: i.path || null,
    destination: path,
    credentials: i.credentials ?? null,
    fds: i.fds?.count ?? 0,
    size: i.size,
    truncated: i.truncated,
    ...(i.error ? { error: (i.error as Error & { code?: string }).code } : {}),
    ...(text !== null ? { payload: text } : {}),
    payloadHex: m.data.toString('hex'),
  };
}

export const recv: Command = networkCommand(recvSpec, async (flags, positionals, io) => {
  const path = positionals[0] as string;
  if (path === '') throw new UsageError('PATH is empty: give a path or @NAME', recvSpec.name);
  positive(flags, 'count', recvSpec.name);
  const sock = await UnixSocket.create({ path, ...(flags.unlink ? { unlinkExisting: true } : {}), ...(flags.credentials ? { passCredentials: true } : {}) });
  io.err(`listening on ${sock.address().path}`);
  // The iterator's descriptors are closed as soon as the next message is asked for: the line only counts them.
  return receiveLoop<UnixMessage>(sock, flags, io, recvSpec.name, (m, json, hex) => (json ? JSON.stringify(messageJson(m, path)) : messageLine(m, path, hex)));
});

export const send: Command = networkCommand(sendSpec, async (flags, positionals, io) => {
  const path = positionals[0] as string;
  const type = socketType(flags, sendSpec.name);
  const payload = payloadFrom(flags, sendSpec.name);
  const count = positive(flags, 'count', sendSpec.name) ?? 1;
  const interval = positive(flags, 'interval', sendSpec.name, { allowZero: true });
  const fds = (flags.fd as number[] | undefined) ?? [];
  for (const fd of fds) if (!Number.isInteger(fd) || fd < 0) throw new UsageError(`--fd must be a descriptor number, got ${fd}`, sendSpec.name);
  const seq = type === 'seqpacket';
  const sock = await UnixSocket.create({
    type,
    ...(flags.from !== undefined ? { path: String(flags.from) } : {}),
    ...(seq ? { connect: path } : {}),
    coalesce: false,
  });
  const opts: UnixSendOptions = { ...(seq ? {} : { path }), ...(fds.length ? { fds } : {}), ...(flags.credentials ? { credentials: true } : {}) };
  const progress = new Progress(io, 'messages');
  try {
    for (let k = 0; k < count && !io.signal.aborted; k++) {
      await sock.send(payload, opts);
      progress.tick(payload.length);
      if (interval && k + 1 < count && !(await sleep(interval, io.signal))) break;
    }
    progress.done();
    const from = sock.address().path || '(unnamed)';
    if (flags.json) io.out(JSON.stringify({ sent: progress.count, bytes: progress.bytes, from, to: path, fds: fds.length, seconds: progress.elapsed }));
    else io.out(`sent ${progress.count} message${progress.count === 1 ? '' : 's'} (${progress.bytes} bytes${fds.length ? `, ${fds.length} fd${fds.length === 1 ? '' : 's'} each` : ''}) from ${from} to ${path}`);
    return io.signal.aborted && progress.count < count ? EXIT.INTERRUPTED : EXIT.OK;
  } finally {
    await sock.close();
  }
});
