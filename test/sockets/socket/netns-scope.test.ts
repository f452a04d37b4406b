// Issue 10 (m): a `%interface` scope in an address given to a socket created
// in another namespace is resolved inside that namespace, not the caller's
// (where the name is absent, or names another device).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Socket, UdpSocket, interfaceIndex, parseEndpoint, parseIp, scopeResolver, withNetns } from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Host, Topology } from '../../helpers/testing';
import { describeWith } from '../../helpers/env';

const LINK_LOCAL = 'fe80::5f:2';

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'interface scopes resolve in the socket namespace', () => {
  let topo: Topology;
  let b: Host;
  let bVeth0 = 0;
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
    b = topo.host('b');
    b.exec('ip', ['addr', 'add', `${LINK_LOCAL}/64`, 'dev', 'veth0', 'nodad']);
    bVeth0 = withNetns(b.netns, () => interfaceIndex('veth0'));
  });
  afterAll(() => topo?.destroy());

  it('the caller namespace has no veth0 (so the old lookup failed with ENODEV)', () => {
    expect(() => interfaceIndex('veth0')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });

  it(`new Socket('ipv6', 'dgram', 0, { netns }) binds to [${LINK_LOCAL}%veth0] of that namespace`, () => {
    const s = new Socket('ipv6', 'dgram', 0, { netns: b.netns });
    try {
      expect(s.netns).toBe(b.netns);
      s.bind(`[${LINK_LOCAL}%veth0]:0`);
      expect(s.localAddress()).toMatchObject({ address: LINK_LOCAL, family: 'ipv6', scopeId: bVeth0 });
    } finally {
      s.close();
    }
  });

  it('object targets with scopeId as a name, and connect, resolve there too', () => {
    const s = new Socket('ipv6', 'dgram', 0, { netns: b.netns });
    try {
      s.bind({ address: LINK_LOCAL, port: 0, scopeId: 'veth0' });
      expect(s.localAddress().scopeId).toBe(bVeth0);
      expect(s.connect(`[fe80::5f:1%veth0]:9`)).toBe(true);
      expect(s.remoteAddress()).toMatchObject({ address: 'fe80::5f:1', scopeId: bVeth0 });
    } finally {
      s.close();
    }
  });

  it(`UdpSocket.create({ netns, address: '${LINK_LOCAL}%veth0' }) binds there (the issue's case)`, async () => {
    const u = await UdpSocket.create({ netns: b.netns, address: `${LINK_LOCAL}%veth0`, port: 0 });
    try {
      expect(u.address()).toMatchObject({ address: LINK_LOCAL, scopeId: bVeth0 });
    } finally {
      await u.close();
    }
  });

  it('parseIp / parseEndpoint take a scope resolver: scopeResolver(netns)', () => {
    const inB = scopeResolver(b.netns);
    expect(parseIp(`${LINK_LOCAL}%veth0`, 'address', inB)).toEqual({ address: LINK_LOCAL, family: 'ipv6', scopeId: bVeth0 });
    expect(parseEndpoint(`[${LINK_LOCAL}%veth0]:7`, 'endpoint', inB)).toMatchObject({ scopeId: bVeth0, port: 7 });
    expect(() => parseIp(`${LINK_LOCAL}%veth0`)).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(() => parseIp(`${LINK_LOCAL}%nope0`, 'address', inB)).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });
});
