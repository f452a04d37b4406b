import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SocketError,
  capabilities,
  getInterface,
  hasCapability,
  interfaceIndex,
  interfaceName,
  interfaces,
  resolveInterfaceIndex,
  netnsId,
} from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Topology } from '../../helpers/testing';
import { describeWith, hasCap, itWith } from '../../helpers/env';

const root = join(__dirname, '..', '..', '..');

describe('interfaces() in the current namespace', () => {
  it('lists lo with loopback flags, index 1 and its addresses', () => {
    const lo = interfaces().find((i) => i.name === 'lo');
    expect(lo).toBeDefined();
    expect(lo).toMatchObject({ index: interfaceIndex('lo'), type: 'loopback', mtu: expect.any(Number) });
    expect(lo?.flags.loopback).toBe(true);
    expect(lo?.flags.broadcast).toBe(false);
    expect(interfaceName(lo?.index as number)).toBe('lo');
    expect(getInterface('lo').index).toBe(lo?.index);
    expect(getInterface(lo?.index as number).name).toBe('lo');
  });

  it('is sorted by index with unique names', () => {
    const list = interfaces();
    const idx = list.map((i) => i.index);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    expect(new Set(list.map((i) => i.name)).size).toBe(list.length);
  });

  it('explains a missing interface', () => {
    let e: unknown;
    try {
      getInterface('sockit-nope0');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(SocketError);
    expect(e).toMatchObject({ code: 'ENODEV' });
    expect((e as SocketError).hint).toMatch(/it has: .*lo/);
    expect(() => getInterface({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('reports capabilities like /proc/self/status does', () => {
    const caps = capabilities();
    for (const c of ['CAP_NET_RAW', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN'] as const) {
      expect(caps[c]).toBe(hasCap(c));
      expect(hasCapability(c)).toBe(caps[c]);
    }
  });
});

describeWith(['CAP_SYS_ADMIN', 'tool:unshare'], 'inside a fresh `unshare --net`', () => {
  it('sees only lo (not the parent namespace, unlike /sys/class/net)', () => {
    const script = `const s = require(${JSON.stringify(join(root, 'dist/index.js'))});
      console.log(JSON.stringify(s.interfaces().map((i) => [i.name, i.index, i.flags.up])));`;
    const r = spawnSync('unshare', ['--net', '--', process.execPath, '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([['lo', 1, false]]);
    // What sysfs would (wrongly) have said, when it differs.
    const sys = readdirSync('/sys/class/net');
    expect(sys.length).toBeGreaterThanOrEqual(1);
  });

  itWith(['tool:capsh'], 'capabilities() reflects a dropped capability', () => {
    const script = `const s = require(${JSON.stringify(join(root, 'dist/index.js'))}); console.log(JSON.stringify(s.capabilities()));`;
    const r = spawnSync('capsh', ['--drop=cap_net_raw', '--', '-c', `exec "${process.execPath}" -e "$0"`, script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ CAP_NET_RAW: false, CAP_NET_ADMIN: true, CAP_SYS_ADMIN: true });
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], "a topology host's veth", () => {
  let topo: Topology;
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']], mtu: 1400 });
  });
  afterAll(() => topo?.destroy());

  it('has the MAC, MTU, flags and addresses ip(8) reports (read via { netns })', () => {
    const a = topo.host('a');
    const list = interfaces({ netns: a.netns });
    expect(list.map((i) => i.name)).toEqual(['lo', 'veth0']);
    const v = list[1];
    const ipj = JSON.parse(a.exec('ip', ['-j', 'addr', 'show', 'veth0']))[0] as { ifindex: number; mtu: number; address: string };
    expect(v).toMatchObject({ name: 'veth0', index: ipj.ifindex, mtu: 1400, mac: a.interfaces[0]?.mac, type: 'ether' });
    expect(ipj.address).toBe(v?.mac);
    expect(v?.flags).toMatchObject({ up: true, running: true, loopback: false, broadcast: true, multicast: true, promiscuous: false });
    expect(v?.addresses).toEqual(
      expect.arrayContaining([
        { family: 'ipv4', address: a.address, prefix: 24, netmask: '255.255.255.0', cidr: `${a.address}/24`, broadcast: '198.18.0.255' },
        { family: 'ipv6', address: a.address6, prefix: 64, netmask: 'ffff:ffff:ffff:ffff::', cidr: `${a.address6}/64` },
        expect.objectContaining({ family: 'ipv6', address: expect.stringMatching(/^fe80:/), scopeId: v?.index }),
      ]),
    );
    expect(netnsId()).not.toBe(netnsId(a.netns));
  });

  it('sees promiscuous mode and a down link', async () => {
    const b = topo.host('b');
    b.exec('ip', ['link', 'set', 'veth0', 'promisc', 'on']);
    expect(getInterface('veth0', { netns: b.netns }).flags.promiscuous).toBe(true);
    b.exec('ip', ['link', 'set', 'veth0', 'promisc', 'off']);
    // Taking b's end down leaves a's end up but not running (no carrier).
    b.exec('ip', ['link', 'set', 'veth0', 'down']);
    try {
      expect(getInterface('veth0', { netns: b.netns }).flags.up).toBe(false);
      // Carrier changes propagate through the kernel's linkwatch (deferred up to ~1 s).
      let a = getInterface('veth0', { netns: topo.host('a').netns });
      for (let i = 0; i < 40 && a.flags.running; i++) {
        await new Promise((r) => setTimeout(r, 50));
        a = getInterface('veth0', { netns: topo.host('a').netns });
      }
      expect(a.flags).toMatchObject({ up: true, running: false });
      expect(topo.host('a').exec('ip', ['-o', 'link', 'show', 'veth0'])).toMatch(/NO-CARRIER/);
    } finally {
      b.exec('ip', ['link', 'set', 'veth0', 'up']);
    }
  });

  it('agrees with the in-namespace view (child process inside host a)', () => {
    const a = topo.host('a');
    const script = `const s = require(${JSON.stringify(join(root, 'dist/index.js'))});
      console.log(JSON.stringify({ list: s.interfaces(), byAddr: s.resolveInterfaceIndex(${JSON.stringify(a.address)}), byAddr6: s.resolveInterfaceIndex(${JSON.stringify(a.address6)}) }));`;
    const out = JSON.parse(a.exec(process.execPath, ['-e', script])) as { list: unknown[]; byAddr: number; byAddr6: number };
    expect(out.list).toEqual(interfaces({ netns: a.netns }));
    const idx = getInterface('veth0', { netns: a.netns }).index;
    expect(out.byAddr).toBe(idx);
    expect(out.byAddr6).toBe(idx);
  });

  it('resolves an interface by one of its addresses (setAddressLookup)', () => {
    execFileSync('ip', ['addr', 'add', '198.18.200.1/32', 'dev', 'lo']);
    try {
      expect(resolveInterfaceIndex('198.18.200.1')).toBe(interfaceIndex('lo'));
      expect(() => resolveInterfaceIndex('198.18.201.1')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    } finally {
      execFileSync('ip', ['addr', 'del', '198.18.200.1/32', 'dev', 'lo']);
    }
  });

  it('explains a missing namespace', () => {
    expect(() => interfaces({ netns: '/proc/999999999/ns/net' })).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'open' }));
  });
});
