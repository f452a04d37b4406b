import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTopology } from '../helpers/testing';
import type { Topology } from '../helpers/testing';
import { describeWith, itWith } from '../helpers/env';
import { spawnSync } from 'node:child_process';
import { CLI, cli, cliAsync, waitFor } from './helpers';

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'sockit udp / mcast between two hosts', () => {
  let topo: Topology;
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
  });
  afterAll(() => topo?.destroy());

  it('mcast send in host a reaches two mcast recv in host b, each with group, interface and source', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const group = '239.18.1.1';
    // Receiver 1 entered with nsenter, receiver 2 with the CLI's own --netns.
    const r1 = cliAsync(['mcast', 'recv', `${group}:5000`, '--interface', 'veth0', '--count', '2', '--timeout', '2'], b);
    const r2 = cliAsync(['mcast', 'recv', `${group}:5000`, '--interface', 'veth0', '--count', '2', '--timeout', '2', '--json', '--netns', b.netns]);
    await waitFor(r1.stderr, (s) => s.includes(`joined ${group} on veth0`));
    await waitFor(r2.stderr, (s) => s.includes(`joined ${group} on veth0`));
    const s = cli(['mcast', 'send', '--from', `${a.address}:3000`, `${group}:5000`, `${group}:5001`, '--ttl', '2'], a);
    expect(s.stderr).toBe('');
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toContain(`sent 2 datagrams from ${a.address}:3000 via veth0 (ttl 2)`);
    const [o1, o2] = await Promise.all([r1.done, r2.done]);
    // Only the :5000 datagram arrives; --count 2 then times out: exit 4.
    expect(o1.code, o1.stderr).toBe(4);
    expect(o1.stderr).toContain('timed out after 2 s with 1 of 2 datagrams');
    expect(o1.stdout.trim().split('\n')).toEqual([`${a.address}:3000 -> ${group}:5000 on veth0 ttl 2 ${`This message is for ${group}:5000 receivers`.length} bytes: This message is for ${group}:5000 receivers`]);
    expect(o2.code, o2.stderr).toBe(4);
    const lines = o2.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      source: { address: a.address, port: 3000 },
      destination: { address: group, port: 5000 },
      interface: 'veth0',
      ttl: 2,
      payload: `This message is for ${group}:5000 receivers`,
    });
  });

  it('mcast recv --source passes only the named sender (SSM)', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const group = '232.18.1.2';
    const r = cliAsync(['mcast', 'recv', `${group}:5002`, '-i', 'veth0', '--source', b.address, '--timeout', '1.5'], b);
    await waitFor(r.stderr, (x) => x.includes('joined'));
    { const r0 = cli(['mcast', 'send', '-i', 'veth0', `${group}:5002`, '-m', 'not for you'], a); expect(r0.code, r0.stderr).toBe(0); }
    const o = await r.done;
    expect(o.stdout).toBe('');
    expect(o.code, o.stderr).toBe(4);
  });

  it('udp send --from in host a → udp recv in host b with destination and interface (JSON)', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const r = cliAsync(['udp', 'recv', `0.0.0.0:5005`, '--count', '3', '--timeout', '5', '--json'], b);
    await waitFor(r.stderr, (x) => x.includes('listening on 0.0.0.0:5005'));
    const s = cli(['udp', 'send', '--from', `${a.address}:4000`, `${b.address}:5005`, '--hex', '00 01 02 ff', '--count', '3', '--rate', '100', '--json'], a);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ sent: 3, bytes: 12, from: { address: a.address, port: 4000 } });
    const o = await r.done;
    expect(o.code, o.stderr).toBe(0);
    const msgs = o.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(msgs).toHaveLength(3);
    for (const m of msgs) {
      expect(m).toMatchObject({ source: { address: a.address, port: 4000 }, destination: { address: b.address, port: 5005 }, interface: 'veth0', size: 4, payloadHex: '000102ff' });
      expect(m.payload).toBeUndefined();
    }
  });

  it('udp over IPv6 prints bracketed endpoints', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const r = cliAsync(['udp', 'recv', `[${b.address6}]:5006`, '--count', '1', '--timeout', '5'], b);
    await waitFor(r.stderr, (x) => x.includes('listening'));
    { const r0 = cli(['udp', 'send', `[${b.address6}]:5006`, '--from', `[${a.address6}]:4006`, '-m', 'six'], a); expect(r0.code, r0.stderr).toBe(0); }
    const o = await r.done;
    expect(o.stdout.trim()).toBe(`[${a.address6}]:4006 -> [${b.address6}]:5006 on veth0 ttl 64 3 bytes: six`);
  });

  it('exit codes: usage 2, bind failure 1 with the syscall named', () => {
    const a = topo.host('a');
    const u = cli(['udp', 'send', `198.18.0.2:5005`], a);
    expect(u.code, u.stderr).toBe(2);
    expect(u.stderr).toContain('--message TEXT, --hex HEX or --file PATH');
    const m = cli(['mcast', 'send', '198.18.0.2:5005', '-m', 'x'], a);
    expect(m.code, m.stderr).toBe(2);
    expect(m.stderr).toContain("use 'sockit udp send' for unicast");
    const busy = cliAsync(['udp', 'recv', `${a.address}:5010`, '--timeout', '3'], a);
    return waitFor(busy.stderr, (x) => x.includes('listening')).then(async () => {
      const f = cli(['udp', 'recv', `${a.address}:5010`, '--timeout', '1'], a);
      expect(f.code, f.stderr).toBe(1);
      expect(f.stderr).toMatch(/bind .*EADDRINUSE/);
      busy.kill();
    });
  });

  itWith(['tool:capsh'], 'exit code 3 with a hint when a capability is missing', () => {
    const a = topo.host('a');
    const cap = spawnSync('capsh', ['--drop=cap_sys_admin', '--', '-c', `exec "${process.execPath}" "${CLI}" interfaces --netns ${a.netns}`], { encoding: 'utf8' });
    expect(cap.status).toBe(3);
    expect(cap.stderr).toMatch(/setns EPERM/);
    expect(cap.stderr).toMatch(/what to do: .*CAP_SYS_ADMIN/);
  });
});
