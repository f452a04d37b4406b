// Issue 10 (r): EACCES that is not about a missing option capability still
// names what is missing — CAP_NET_BIND_SERVICE for a port below
// ip_unprivileged_port_start, SO_BROADCAST for a broadcast destination.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Socket, SocketError } from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Host, Topology } from '../../helpers/testing';
import { describeWith } from '../../helpers/env';

const dist = join(__dirname, '../../../dist/index.js');
const CAP_NET_BIND_SERVICE = 1n << 10n;

describeWith(['netns', 'tool:setpriv'], 'bind below 1024 without CAP_NET_BIND_SERVICE', () => {
  const child = `
    const s = require(${JSON.stringify(dist)});
    const capEff = /^CapEff:\\s*([0-9a-f]+)$/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1];
    const sock = new s.Socket('ipv4', 'dgram');
    let r;
    try { sock.bind({ address: '127.0.0.1', port: 80 }); r = { ok: true }; }
    catch (e) { r = { code: e.code, syscall: e.syscall, port: e.port, hint: e.hint, message: e.message }; }
    sock.close();
    process.stdout.write(JSON.stringify({ capEff, ...r }));
  `;
  const run = (prefix: string[]): Record<string, unknown> => {
    const argv = [...prefix, process.execPath, '-e', child];
    const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  it('this namespace keeps the default ip_unprivileged_port_start (1024)', () => {
    expect(Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'))).toBe(1024);
  });

  it('fails with EACCES naming CAP_NET_BIND_SERVICE once the capability is dropped', () => {
    const r = run(['setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-net_bind_service', '--']);
    expect(BigInt(`0x${r.capEff as string}`) & CAP_NET_BIND_SERVICE).toBe(0n);
    expect(r).toMatchObject({ code: 'EACCES', syscall: 'bind', port: 80 });
    expect(r.hint).toContain('CAP_NET_BIND_SERVICE');
    expect(r.hint).toContain('setcap cap_net_bind_service+ep');
    expect(r.message).toContain('CAP_NET_BIND_SERVICE');
  });

  it('succeeds with the capability (the test above is about the capability, not the port)', () => {
    const withCap = run([]);
    if (BigInt(`0x${withCap.capEff as string}`) & CAP_NET_BIND_SERVICE) expect(withCap).toMatchObject({ ok: true });
    else expect(withCap).toMatchObject({ code: 'EACCES' });
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'a broadcast destination without SO_BROADCAST', () => {
  let topo: Topology;
  let a: Host;
  let subnetBroadcast = '';
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
    a = topo.host('a');
    subnetBroadcast = a.address.replace(/\.\d+$/, '.255');
  });
  afterAll(() => topo?.destroy());

  it('connect() to the veth subnet broadcast: EACCES naming SO_BROADCAST; with it, connect works', () => {
    const s = new Socket('ipv4', 'dgram', 0, { netns: a.netns });
    try {
      let err: SocketError | undefined;
      try {
        s.connect({ address: subnetBroadcast, port: 9 });
      } catch (e) {
        err = e as SocketError;
      }
      expect(err).toBeInstanceOf(SocketError);
      expect(err).toMatchObject({ code: 'EACCES', syscall: 'connect', address: subnetBroadcast });
      expect(err?.hint).toContain('SO_BROADCAST');
      expect(err?.hint).toContain('setBroadcast(true)');
      s.setOption('SO_BROADCAST', true);
      expect(s.connect({ address: subnetBroadcast, port: 9 })).toBe(true);
    } finally {
      s.close();
    }
  });
});
