// Issue 10 (l, q, r): the hint of a SocketError comes from the errno, the
// system call and its context — a capability, SO_BROADCAST, the descriptor
// limit, or the multicast interface — and names what is missing.
import { describe, expect, it } from 'vitest';
import { SocketError, errorHint } from '../helpers/sockit';

const E = (name: string): number => (require('node:os') as typeof import('node:os')).constants.errno[name as 'EACCES'];

describe('errorHint', () => {
  it('bind EACCES below ip_unprivileged_port_start names CAP_NET_BIND_SERVICE', () => {
    const e = new SocketError(E('EACCES'), 'bind', { address: '0.0.0.0', port: 80 });
    expect(e.hint).toContain('CAP_NET_BIND_SERVICE');
    expect(e.hint).toContain('ip_unprivileged_port_start');
    expect(e.hint).toContain('setcap cap_net_bind_service+ep');
    expect(e.message).toContain('CAP_NET_BIND_SERVICE');
  });

  it('bind EACCES on an unprivileged port does not blame a capability', () => {
    expect(errorHint('EACCES', 'bind', { port: 40000 })).toBeUndefined();
    expect(errorHint('EACCES', 'bind', { port: 0 })).toBeUndefined();
  });

  it('EACCES from a send or connect to an IPv4 address names SO_BROADCAST and setBroadcast(true)', () => {
    for (const syscall of ['sendmsg', 'sendmmsg', 'sendto', 'connect']) {
      const hint = errorHint('EACCES', syscall, { address: '198.18.0.255', port: 9 });
      expect(hint).toContain('SO_BROADCAST');
      expect(hint).toContain('setBroadcast(true)');
    }
    expect(errorHint('EACCES', 'sendmsg', { address: '::ffff:198.18.0.255' })).toContain('SO_BROADCAST');
    expect(errorHint('EACCES', 'sendmsg', { address: 'fd00:5f::1' })).toBeUndefined();
  });

  it('a given capability or hint still wins', () => {
    expect(errorHint('EPERM', 'setsockopt', { capability: 'CAP_NET_ADMIN' })).toContain('CAP_NET_ADMIN');
    expect(new SocketError(E('EACCES'), 'sendmsg', { address: '198.18.0.255', hint: 'mine' }).hint).toBe('mine');
  });

  it('EMFILE names the descriptor limit', () => {
    expect(errorHint('EMFILE', 'socket')).toContain('RLIMIT_NOFILE');
    expect(errorHint('EMFILE', 'open')).toContain('RLIMIT_NOFILE');
  });

  it('ENETUNREACH / ENODEV on a send to a multicast group ask for { interface }', () => {
    expect(errorHint('ENETUNREACH', 'sendmsg', { address: '239.192.0.1', port: 1 })).toContain('{ interface }');
    expect(errorHint('ENODEV', 'sendmsg', { address: 'ff12::1%3', port: 1 })).toContain('{ interface }');
    expect(errorHint('ENETUNREACH', 'sendmsg', { address: '198.18.0.1', port: 1 })).toBeUndefined();
  });
});
