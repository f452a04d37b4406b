// Descriptor lifecycle of the low-level Socket: create/close cycles, the
// finalizer safety net, exit with sockets open, CLOEXEC, use-after-close.
import { describe, expect, it, vi } from 'vitest';
import { Socket } from '../helpers/sockit';
import { describeWith } from '../helpers/env';
import { expectClean, expectCloseOnExec, runChild } from './child';

// Generous per-test time: these run children, and run again ~10x slower under test:asan on a busy machine.
vi.setConfig({ testTimeout: 300_000 });

// Under test:asan (10x slower allocator) the cycle count drops: that run hunts memory errors, not leaks.
const CYCLES = process.env.SOCKIT_ASAN === '1' ? 10_000 : 100_000;

describe('Socket create/close cycles', () => {
  for (const [family, type] of [
    ['ipv4', 'dgram'],
    ['ipv6', 'dgram'],
    ['ipv4', 'stream'],
    ['ipv6', 'stream'],
    ['unix', 'dgram'],
    ['unix', 'stream'],
  ] as const) {
    it(`${CYCLES} × new Socket('${family}', '${type}') + close(): fd count back to start, RSS bounded`, () => {
      const r = expectClean(
        runChild<{ fd0: number; fd1: number; rss0: number; rss1: number; rssMid: number }>(
          `
        const run = (n) => { for (let i = 0; i < n; i++) { const s = new sockit.Socket('${family}', '${type}'); s.close(); } };
        run(1000); global.gc();
        const fd0 = fdCount(), rss0 = rssMb();
        run(${CYCLES / 2}); global.gc();
        const rssMid = rssMb();
        run(${CYCLES / 2}); global.gc();
        emit({ fd0, fd1: fdCount(), rss0, rssMid, rss1: rssMb() });`,
          { nodeArgs: ['--expose-gc'] },
        ),
      );
      console.log(`cycles: ${family}/${type} ${CYCLES} fds ${r.fd0}->${r.fd1} rss ${r.rss0.toFixed(1)}->${r.rss1.toFixed(1)} MB`);
      expect(r.fd1).toBe(r.fd0);
      // Bounded: no per-socket retention (100k leaked registry entries or handles would be tens of MB).
      expect(r.rss1 - r.rss0).toBeLessThan(40);
      expect(r.rss1 - r.rssMid).toBeLessThan(20);
    }, 180_000);
  }

  it(`${CYCLES / 10} × adopt/dup/release paths close or hand over exactly once`, () => {
    const r = expectClean(
      runChild<{ fd0: number; fd1: number }>(`
        const fd0 = fdCount();
        for (let i = 0; i < ${CYCLES / 10}; i++) {
          const s = new sockit.Socket('ipv4', 'dgram');
          const borrowed = sockit.Socket.adopt(s.fd);           // not owned: close() forgets
          borrowed.close();
          const d = sockit.native.dup(s.fd);
          const owned = sockit.Socket.adopt(d, { owned: true }); // owned: close() closes
          owned.close(); owned.close();
          const fd = s.release();                               // ownership handed out
          sockit.native.close(fd);
        }
        emit({ fd0, fd1: fdCount() });`),
    );
    expect(r.fd1).toBe(r.fd0);
  });
});

describe('finalizer safety net and exit', () => {
  it('closes a Socket that became unreachable without close() (--expose-gc)', () => {
    const r = expectClean(
      runChild<{ fds: number[]; openBefore: boolean[]; openAfter: boolean[]; before: string[]; after: string[] }>(
        `
        const isOpen = (fd) => { try { fs.readlinkSync('/proc/self/fd/' + fd); return true; } catch { return false; } };
        (async () => {
          const before = await fdSettled();
          const fds = (() => { const out = []; for (let i = 0; i < 50; i++) out.push(new sockit.Socket(i % 2 ? 'ipv6' : 'ipv4', 'dgram').fd); return out; })();
          const openBefore = fds.map(isOpen);
          for (let i = 0; i < 20 && fds.some(isOpen); i++) { global.gc(); await new Promise((r) => setTimeout(r, 10)); }
          emit({ fds, openBefore, openAfter: fds.map(isOpen), before, after: await fdSettled() });
        })();`,
        { nodeArgs: ['--expose-gc'] },
      ),
    );
    expect(r.openBefore.every(Boolean)).toBe(true);
    expect(r.openAfter.some(Boolean)).toBe(false);
    // The same descriptors (number and target) as before: nothing leaked, nothing else closed.
    expect(r.after).toEqual(r.before);
  });

  it('a closed (or released) Socket is not closed again by the finalizer', () => {
    // If the registry still held a closed socket's fd, gc would close whatever now reuses that number.
    const r = expectClean(
      runChild<{ ok: boolean }>(
        `
        (() => { for (let i = 0; i < 200; i++) { const s = new sockit.Socket('ipv4', 'dgram'); s.close(); } })();
        const released = (() => { const out = []; for (let i = 0; i < 20; i++) out.push(new sockit.Socket('ipv4', 'dgram').release()); return out; })();
        const keep = fs.openSync('/proc/self/status', 'r'); // likely reuses a freed number
        (async () => {
          for (let i = 0; i < 10; i++) { global.gc(); await new Promise((r) => setTimeout(r, 10)); }
          fs.fstatSync(keep);
          for (const fd of released) fs.fstatSync(fd); // still open: released means not ours to close
          emit({ ok: true });
        })();`,
        { nodeArgs: ['--expose-gc'] },
      ),
    );
    expect(r.ok).toBe(true);
  });

  it('exits cleanly and warning-free with sockets still open', () => {
    const r = runChild(`
      const keep = [];
      for (const f of ['ipv4', 'ipv6', 'unix']) for (const t of ['dgram', 'stream']) keep.push(new sockit.Socket(f, t));
      keep[0].bind({ address: '127.0.0.1', port: 0 });
      emit({ open: keep.length });`);
    expect(expectClean(r)).toEqual({ open: 6 });
    expect(r.stderr).toBe('');
  });
});

describe('close-on-exec', () => {
  it('a spawned child inherits none of the sockets (its /proc/self/fd listing)', () => {
    expectCloseOnExec(`
      const keep = [];
      for (const f of ['ipv4', 'ipv6', 'unix']) for (const t of ['dgram', 'stream']) keep.push(new sockit.Socket(f, t));
      keep.push(sockit.Socket.adopt(sockit.native.dup(keep[0].fd), { owned: true }));
      return keep;`, 7);
  });
});

describe('use after close', () => {
  // Every public method of Socket, with arguments that would be valid on an open socket.
  const calls: Record<string, (s: Socket) => unknown> = {
    fd: (s) => s.fd,
    bind: (s) => s.bind({ address: '127.0.0.1', port: 0 }),
    connect: (s) => s.connect({ address: '127.0.0.1', port: 9 }),
    disconnect: (s) => s.disconnect(),
    listen: (s) => s.listen(),
    localAddress: (s) => s.localAddress(),
    remoteAddress: (s) => s.remoteAddress(),
    localSockaddr: (s) => s.localSockaddr(),
    shutdown: (s) => s.shutdown(),
    release: (s) => s.release(),
    // Installed on the prototype by lib/options (the option engine).
    setOption: (s) => (s as unknown as { setOption(n: string, v: unknown): void }).setOption('SO_PRIORITY', 1),
    getOption: (s) => (s as unknown as { getOption(n: string): unknown }).getOption('SO_PRIORITY'),
  };

  it('the table covers every public method of Socket', () => {
    const names = Object.getOwnPropertyNames(Socket.prototype).filter((n) => n !== 'constructor');
    const notClosing = names.filter((n) => !['close', 'closed', 'owned', 'familyName'].includes(n));
    expect(notClosing.sort(), 'a new public method? add it to the use-after-close table in test/hardening/socket-lifecycle.test.ts (or to the inert list)').toEqual(Object.keys(calls).sort());
  });

  for (const [name, call] of Object.entries(calls)) {
    it(`${name}() after close() throws ERR_SOCKET_CLOSED`, () => {
      const s = new Socket('ipv4', 'dgram');
      s.close();
      expect(() => call(s)).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }));
    });
  }

  it('close() twice is a no-op; closed/owned/familyName stay readable', () => {
    const s = new Socket('ipv6', 'dgram');
    s.close();
    expect(() => s.close()).not.toThrow();
    expect(s.closed).toBe(true);
    expect(s.owned).toBe(true);
    expect(s.familyName).toBe('ipv6');
  });

  it('after release() every method also throws ERR_SOCKET_CLOSED and close() leaves the fd alone', () => {
    const s = new Socket('ipv4', 'dgram');
    const fd = s.release();
    s.close();
    for (const call of Object.values(calls)) expect(() => call(s)).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }));
    const again = Socket.adopt(fd, { owned: true });
    expect(again.localAddress().family).toBe('ipv4');
    again.close();
  });
});

describeWith(['netns'], 'descriptors under traffic', () => {
  it('bound and connected sockets cycle without fd growth (10k)', () => {
    const r = expectClean(
      runChild<{ fd0: number; fd1: number }>(`
        const fd0 = fdCount();
        for (let i = 0; i < 10000; i++) {
          const a = new sockit.Socket('ipv4', 'dgram'); a.bind({ address: '127.0.0.1', port: 0 });
          const b = new sockit.Socket('ipv4', 'dgram'); b.connect(a.localAddress());
          a.close(); b.close();
        }
        emit({ fd0, fd1: fdCount() });`),
    );
    expect(r.fd1).toBe(r.fd0);
  });
});
