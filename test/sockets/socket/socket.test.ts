import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Socket, SocketError, constants } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';

describe('Socket basics (no traffic)', () => {
  it('creates non-blocking, close-on-exec sockets and closes idempotently', () => {
    const s = new Socket('ipv4', 'dgram');
    expect(s.fd).toBeGreaterThan(2);
    expect(s.family).toBe(constants.AF_INET);
    expect(s.type).toBe(constants.SOCK_DGRAM);
    s.close();
    s.close();
    expect(s.closed).toBe(true);
    expect(() => s.fd).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }));
  });

  it('rejects unknown families and types with TypeError', () => {
    expect(() => new Socket('ipx' as never, 'dgram')).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => new Socket('ipv4', 'datagram' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => new Socket('ipv4', 'dgram', -1)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
  });

  it('reports kernel refusals as SocketError with code/errno/syscall', () => {
    let err: unknown;
    try {
      new Socket(9999, 'dgram');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SocketError);
    expect(err).toMatchObject({ code: 'EAFNOSUPPORT', errno: -97, syscall: 'socket' });
  });

  it('adopts a descriptor without owning it', () => {
    const s = new Socket('ipv6', 'dgram');
    const b = Socket.adopt(s.fd);
    expect(b.owned).toBe(false);
    b.close();
    expect(() => s.localAddress()).not.toThrow();
    s.close();
    const nul = openSync('/dev/null', 'r');
    expect(() => Socket.adopt(nul)).toThrow(expect.objectContaining({ code: 'ENOTSOCK' }));
    closeSync(nul);
  });
});

describeWith(['netns'], 'Socket bind/connect (private netns, loopback)', () => {
  it('binds, reports local and remote addresses', () => {
    const a = new Socket('ipv4', 'dgram').bind('127.0.0.1:0');
    const b = new Socket('ipv4', 'dgram').bind({ address: '127.0.0.1', port: 0 });
    expect(a.localAddress()).toMatchObject({ address: '127.0.0.1', family: 'ipv4' });
    expect(a.connect(b.localAddress())).toBe(true);
    expect(a.remoteAddress()).toEqual(b.localAddress());
    a.disconnect();
    expect(() => a.remoteAddress()).toThrow(expect.objectContaining({ code: 'ENOTCONN', syscall: 'getpeername' }));
    a.close();
    b.close();
  });

  it('reports EADDRINUSE with address and port', () => {
    const a = new Socket('ipv6', 'dgram').bind('[::1]:0');
    const port = a.localAddress().port;
    expect(() => new Socket('ipv6', 'dgram').bind(`[::1]:${port}`)).toThrow(
      expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind', address: '::1', port }),
    );
    a.close();
  });
});
