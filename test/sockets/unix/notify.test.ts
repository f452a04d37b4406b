// sdNotify (NOTIFY_SOCKET, path and abstract), syslog to a /dev/log-like
// socket, and the journal's native protocol, each against a UnixSocket
// standing in for systemd / journald.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UnixSocket, formatSyslog, journalSend, sdNotify, syslog } from '../../helpers/sockit';
import { abstractName, tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.rm());
const saved = process.env.NOTIFY_SOCKET;
afterEach(() => {
  if (saved === undefined) delete process.env.NOTIFY_SOCKET;
  else process.env.NOTIFY_SOCKET = saved;
});

describe('sdNotify', () => {
  for (const kind of ['path', 'abstract'] as const) {
    it(`honours NOTIFY_SOCKET (${kind}) and sends credentials like sd_notify`, async () => {
      const where = kind === 'path' ? tmp.path('notify.sock') : abstractName('notify');
      await using manager = await UnixSocket.create({ path: where, passCredentials: true });
      process.env.NOTIFY_SOCKET = where;
      const got = manager.receive({ timeout: 2000 });
      expect(await sdNotify('READY=1')).toBe(true);
      const m = await got;
      expect(m.data.toString()).toBe('READY=1');
      expect(m.info.credentials?.pid).toBe(process.pid);
      const next = manager.receive({ timeout: 2000 });
      await sdNotify({ STATUS: 'serving', MAINPID: process.pid }, { unsetEnvironment: true });
      expect((await next).data.toString()).toBe(`STATUS=serving\nMAINPID=${process.pid}`);
      expect(process.env.NOTIFY_SOCKET).toBeUndefined();
    });
  }

  it('without NOTIFY_SOCKET sends nothing and resolves false; bad values are errors', async () => {
    delete process.env.NOTIFY_SOCKET;
    expect(await sdNotify('READY=1')).toBe(false);
    process.env.NOTIFY_SOCKET = 'vsock:2:1234';
    await expect(sdNotify('READY=1')).rejects.toMatchObject({ code: 'ERR_SOCKIT_NOTIFY_SOCKET' });
    await expect(sdNotify({ 'bad key': 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    process.env.NOTIFY_SOCKET = tmp.path('nobody-listens.sock');
    await expect(sdNotify('READY=1')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('passes descriptors for FDSTORE=1', async () => {
    const where = abstractName('fdstore');
    await using manager = await UnixSocket.create({ path: where });
    const got = manager.receive({ timeout: 2000 });
    await sdNotify('FDSTORE=1\nFDNAME=stdin', { socket: where, fds: [0] });
    const m = await got;
    expect(m.info.fds?.count).toBe(1);
    m.info.fds!.close();
  });
});

describe('syslog and the journal', () => {
  it('formats like glibc syslog(3)', () => {
    const d = new Date(2026, 0, 5, 7, 8, 9);
    expect(formatSyslog('disk full', { severity: 'err', facility: 'daemon', tag: 'app', pid: 42, date: d })).toBe('<27>Jan  5 07:08:09 app[42]: disk full');
    expect(formatSyslog('x', { tag: 't', pid: false, date: d })).toBe('<14>Jan  5 07:08:09 t: x');
    expect(() => formatSyslog('x', { severity: 'loud' as never })).toThrow(/severity/);
  });

  it('sends one datagram to a /dev/log-like socket', async () => {
    const devlog = tmp.path('log');
    await using daemon = await UnixSocket.create({ path: devlog });
    const got = daemon.receive({ timeout: 2000 });
    await syslog('service started', { path: devlog, tag: 'sockit-test', severity: 'notice', facility: 'local3' });
    expect((await got).data.toString()).toMatch(new RegExp(`^<157>\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d sockit-test\\[${process.pid}\\]: service started$`));
    await expect(syslog('x', { path: tmp.path('no-log') })).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('journalSend uses the native protocol, with the length-prefixed form for multi-line values', async () => {
    const sock = tmp.path('journal');
    await using journald = await UnixSocket.create({ path: sock });
    const got = journald.receive({ timeout: 2000 });
    await journalSend({ MESSAGE: 'line1\nline2', PRIORITY: 6, SYSLOG_IDENTIFIER: 'app' }, { path: sock });
    const data = (await got).data;
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(11n);
    expect(data).toEqual(Buffer.concat([Buffer.from('MESSAGE\n'), len, Buffer.from('line1\nline2\nPRIORITY=6\nSYSLOG_IDENTIFIER=app\n')]));
    await expect(journalSend({ 'lower-case': 'x' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });
});
