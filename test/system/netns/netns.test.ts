import * as dgram from 'node:dgram';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Socket, SocketError, constants, interfaceIndex, netnsId, netnsPath, listNetns, socketInNetns, withNetns } from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Topology } from '../../helpers/testing';
import { describeWith, itWith } from '../../helpers/env';

const root = join(__dirname, '..', '..', '..');

function thrown(fn: () => unknown): SocketError {
  try {
    fn();
  } catch (e) {
    return e as SocketError;
  }
  throw new Error('expected a throw');
}

describe('netns references (no namespace needed)', () => {
  it('maps ip netns names to /run/netns and keeps paths', () => {
    expect(netnsPath('blue')).toBe('/run/netns/blue');
    expect(netnsPath('/proc/1/ns/net')).toBe('/proc/1/ns/net');
    expect(netnsPath('./rel/path')).toBe('./rel/path');
    expect(() => netnsPath('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => netnsPath('..')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => netnsPath(42 as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    expect(Array.isArray(listNetns())).toBe(true);
  });

  it('identifies the calling thread namespace', () => {
    expect(netnsId()).toMatch(/^\d+:\d+$/);
    expect(netnsId('/proc/self/ns/net')).toBe(netnsId());
  });

  it('explains a missing namespace', () => {
    const e = thrown(() => new Socket('ipv4', 'dgram', 0, { netns: 'sockit-no-such-ns' }));
    expect(e).toBeInstanceOf(SocketError);
    expect(e).toMatchObject({ code: 'ENOENT', syscall: 'open' });
    expect(e.hint).toMatch(/ip netns list/);
    const e2 = thrown(() => new Socket('ipv4', 'dgram', 0, { netns: '/proc/999999999/ns/net' }));
    expect(e2).toMatchObject({ code: 'ENOENT', syscall: 'open' });
    expect(e2.hint).toMatch(/process/);
  });

  it('rejects a file that is not a network namespace', () => {
    const before = netnsId();
    const e = thrown(() => new Socket('ipv4', 'dgram', 0, { netns: '/proc/self/ns/uts' }));
    // EINVAL from setns (with CAP_SYS_ADMIN) or EPERM (without).
    expect(['EINVAL', 'EPERM']).toContain(e.code);
    expect(e.syscall).toBe('setns');
    expect(netnsId()).toBe(before);
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN'], 'sockets inside other namespaces', () => {
  let topo: Topology;
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
  });
  afterAll(() => topo?.destroy());

  it("binds host a's address only from inside host a", () => {
    const a = topo.host('a');
    const s = new Socket('ipv4', 'dgram', 0, { netns: a.netns });
    s.bind(`${a.address}:0`);
    expect(s.localAddress().address).toBe(a.address);
    s.close();
    const here = new Socket('ipv4', 'dgram');
    expect(() => here.bind(`${a.address}:0`)).toThrow(expect.objectContaining({ code: 'EADDRNOTAVAIL' }));
    here.close();
  });

  it('leaves the calling thread in its own namespace, also after a failure', () => {
    const before = netnsId();
    const s = new Socket('ipv6', 'dgram', 0, { netns: topo.host('a').netns });
    expect(netnsId()).toBe(before);
    s.close();
    const e = thrown(() => new Socket(9999, 'dgram', 0, { netns: topo.host('a').netns }));
    expect(e).toMatchObject({ code: 'EAFNOSUPPORT', syscall: 'socket' });
    expect(netnsId()).toBe(before);
    // Sockets created afterwards are ours again: host a's address is not here.
    const here = new Socket('ipv4', 'dgram');
    expect(() => here.bind(`${topo.host('a').address}:0`)).toThrow(expect.objectContaining({ code: 'EADDRNOTAVAIL' }));
    here.close();
  });

  it('sends from host a to host b (sockets handed to dgram)', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const rs = new Socket('ipv4', 'dgram', 0, { netns: b.netns }).bind(`${b.address}:0`);
    const port = rs.localAddress().port;
    const ss = new Socket('ipv4', 'dgram', 0, { netns: a.netns }).bind(`${a.address}:0`);
    const rx = dgram.createSocket('udp4');
    const tx = dgram.createSocket('udp4');
    await new Promise<void>((r) => rx.bind({ fd: rs.release() }, r));
    await new Promise<void>((r) => tx.bind({ fd: ss.release() }, r));
    const got = new Promise<[Buffer, dgram.RemoteInfo]>((r) => rx.once('message', (m, ri) => r([m, ri])));
    tx.send('hello from a', port, b.address);
    const [msg, rinfo] = await got;
    expect(msg.toString()).toBe('hello from a');
    expect(rinfo.address).toBe(a.address);
    rx.close();
    tx.close();
  });

  it('works with IPv6 and with the raw socketInNetns call', () => {
    const b = topo.host('b');
    const fd = socketInNetns(b.netns, constants.AF_INET6, constants.SOCK_DGRAM, 0);
    const s = Socket.adopt(fd, { owned: true });
    s.bind(`[${b.address6}]:0`);
    expect(s.localAddress()).toMatchObject({ address: b.address6, family: 'ipv6' });
    s.close();
  });

  it('withNetns runs a synchronous scope inside and always comes back', () => {
    const a = topo.host('a');
    const before = netnsId();
    const idx = withNetns(a.netns, () => interfaceIndex('veth0'));
    expect(idx).toBe(JSON.parse(a.exec('ip', ['-j', 'link', 'show', 'veth0']))[0].ifindex);
    expect(netnsId()).toBe(before);
    expect(() => withNetns(a.netns, () => interfaceIndex('sockit-none0'))).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(netnsId()).toBe(before);
    expect(() => interfaceIndex('veth0')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(withNetns(a.netns, () => netnsId())).toBe(netnsId(a.netns));
    expect(() => withNetns(a.netns, (async () => 1) as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(netnsId()).toBe(before);
  });

  it('accepts an `ip netns` name', () => {
    const name = `sockit-t${process.pid}`;
    execFileSync('ip', ['netns', 'attach', name, String(topo.host('b').pid)]);
    try {
      expect(listNetns()).toContain(name);
      expect(netnsId(name)).toBe(netnsId(topo.host('b').netns));
      const s = new Socket('ipv4', 'dgram', 0, { netns: name });
      s.bind(`${topo.host('b').address}:0`);
      s.close();
    } finally {
      execFileSync('ip', ['netns', 'delete', name]);
    }
  });

  itWith(['tool:capsh'], 'explains EPERM without CAP_SYS_ADMIN (child with the capability dropped)', () => {
    const script = `
      const { Socket } = require(${JSON.stringify(join(root, 'dist/index.js'))});
      try { new Socket('ipv4', 'dgram', 0, { netns: ${JSON.stringify(topo.host('a').netns)} }); console.log('created'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, syscall: e.syscall, hint: e.hint })); }`;
    const r = spawnSync('capsh', ['--drop=cap_sys_admin', '--', '-c', `exec "${process.execPath}" -e "$0"`, script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim()) as { code: string; syscall: string; hint: string };
    expect(out).toMatchObject({ code: 'EPERM', syscall: 'setns' });
    expect(out.hint).toMatch(/CAP_SYS_ADMIN/);
    expect(out.hint).toMatch(/setcap cap_sys_admin\+ep/);
  });
});
