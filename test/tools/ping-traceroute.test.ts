// ping() / traceroute() and `sockit ping` / `sockit traceroute` (issue 12
// item 5) across a -r1-r2-r3- chain whose middle router never answers, IPv4
// and IPv6, run as nobody; the CLI output compared with iputils ping and
// traceroute (run as root) line by line, times aside.
import { expect, it } from 'vitest';
import { ping, traceroute } from '../helpers/sockit';
import type { PingEvent, TracerouteHop } from '../helpers/sockit';
import { describeWith, itWith } from '../helpers/env';
import { addressOf, useIcmpTopology } from '../helpers/icmp-topology';
import { CLI, nodeAsNobody, runIn } from '../helpers/unprivileged';

/** Output with every time replaced (they differ run to run). */
function untimed(s: string): string {
  return s
    .replace(/time=[\d.]+ ms/g, 'time=T ms')
    .replace(/time \d+ms/g, 'time Tms')
    .replace(/rtt min\/avg\/max\/mdev = [\d./]+ ms/g, 'rtt = R ms')
    .replace(/ {2}[\d.]+ ms/g, '  T ms');
}

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'tool:setpriv'], 'ping and traceroute across routers, unprivileged', () => {
  const net = useIcmpTopology();

  for (const family of ['ipv4', 'ipv6'] as const) {
    const v4 = family === 'ipv4';
    const addr = addressOf(family);
    const hopAddrs = (): Array<string | undefined> => [addr(net.r1.interfaces[0] as never), undefined, addr(net.r3.interfaces[0] as never), addr(net.b)];

    it(`${family}: ping() as nobody: replies with TTL, a summary with loss and rtt statistics`, () => {
      const r = nodeAsNobody(net.a, `
        const run = sockit.ping('${addr(net.b)}', { count: 5, interval: 50 });
        const events = [];
        for await (const ev of run) events.push(ev);
        return { events, summary: await run.summary };`) as { ok: boolean; uid: number; value: { events: PingEvent[]; summary: Record<string, unknown> } };
      expect(r.uid).toBe(65534);
      expect(r.ok).toBe(true);
      const { events, summary } = r.value;
      expect(events.map((e) => [e.type, e.sequence])).toEqual([1, 2, 3, 4, 5].map((n) => ['reply', n]));
      expect(events[0]).toMatchObject({ from: addr(net.b), bytes: 64, ttl: 61, duplicate: false });
      expect(summary).toMatchObject({ address: addr(net.b), family, socket: 'ping', transmitted: 5, received: 5, errors: 0, loss: 0, duplicates: 0 });
      const rtt = summary.rtt as { min: number; avg: number; max: number; mdev: number };
      expect(rtt.min).toBeGreaterThan(0);
      expect(rtt.min).toBeLessThanOrEqual(rtt.avg);
      expect(rtt.avg).toBeLessThanOrEqual(rtt.max);
    });

    it(`${family}: ping() with a TTL that dies at r1 reports errors; at the silent r2 pure loss`, async () => {
      const run1 = ping(addr(net.b), { count: 2, interval: 20, ttl: 1, netns: net.a.netns });
      const ev1: PingEvent[] = [];
      for await (const e of run1) ev1.push(e);
      expect(ev1.map((e) => [e.type, e.sequence, e.type === 'error' ? e.message : ''])).toEqual([
        ['error', 1, v4 ? 'Time to live exceeded' : 'Time exceeded: Hop limit'],
        ['error', 2, v4 ? 'Time to live exceeded' : 'Time exceeded: Hop limit'],
      ]);
      expect(await run1.summary).toMatchObject({ transmitted: 2, received: 0, errors: 2, loss: 100 });
      const run2 = ping(addr(net.b), { count: 2, interval: 20, ttl: 2, timeout: 300, netns: net.a.netns });
      const ev2: PingEvent[] = [];
      for await (const e of run2) ev2.push(e);
      expect(ev2).toEqual([]);
      const s2 = await run2.summary;
      expect(s2).toMatchObject({ transmitted: 2, received: 0, errors: 0, loss: 100 });
      expect(s2.rtt).toBeUndefined();
    });

    it(`${family}: where ping sockets are refused, ping() falls back to a raw socket with CAP_NET_RAW (and says the sysctl without it)`, async () => {
      net.b.exec('sysctl', ['-qw', 'net.ipv4.ping_group_range=1 0']);
      try {
        const run = ping(addr(net.a), { count: 3, interval: 20, netns: net.b.netns });
        const events: PingEvent[] = [];
        for await (const e of run) events.push(e);
        expect(await run.summary).toMatchObject({ socket: 'raw', transmitted: 3, received: 3, loss: 0 });
        expect(events.map((e) => [e.type, e.sequence])).toEqual([['reply', 1], ['reply', 2], ['reply', 3]]);
        expect(events[0]).toMatchObject({ from: addr(net.a), bytes: 64, ttl: 61 });
        const denied = nodeAsNobody(net.b, `await sockit.ping('${addr(net.a)}', { count: 1 }).summary;`) as { ok: boolean; error: { code: string; hint: string } };
        expect(denied).toMatchObject({ ok: false, error: { code: 'EACCES' } });
        expect(denied.error.hint).toContain('net.ipv4.ping_group_range');
      } finally {
        net.b.exec('sysctl', ['-qw', 'net.ipv4.ping_group_range=0 2147483647']);
      }
    });

    it(`${family}: stop() ends an endless ping; the summary still resolves`, async () => {
      const run = ping(addr(net.b), { interval: 10, netns: net.a.netns });
      let n = 0;
      for await (const e of run) {
        if (e.type === 'reply' && ++n === 3) run.stop();
      }
      const s = await run.summary;
      expect(s.received).toBeGreaterThanOrEqual(3);
      expect(s.transmitted).toBeGreaterThanOrEqual(3);
    });

    for (const method of ['udp', 'icmp'] as const) {
      it(`${family}: traceroute() as nobody, ${method} probes: r1, a silent hop, r3, then b`, () => {
        const r = nodeAsNobody(net.a, `
          const hops = [];
          for await (const h of sockit.traceroute('${addr(net.b)}', { method: '${method}', queries: 2, wait: 500 })) hops.push(h);
          return hops;`) as { ok: boolean; uid: number; value: TracerouteHop[] };
        expect(r.uid).toBe(65534);
        expect(r.ok).toBe(true);
        const hops = r.value;
        expect(hops.map((h) => h.ttl)).toEqual([1, 2, 3, 4]);
        expect(hops.map((h) => h.probes.map((p) => p.address))).toEqual(hopAddrs().map((a) => [a, a]));
        expect(hops.map((h) => h.final)).toEqual([false, false, false, true]);
        for (const h of hops) for (const p of h.probes) expect(p.rtt === undefined).toBe(p.address === undefined);
      });
    }

    it(`${family}: traceroute() towards a network the first router has no route to: !N ends the trace`, async () => {
      // Through m, which no other test here uses: Linux spaces "no route" errors to one source by
      // net.ipv4.route.error_cost (a global sysctl), sharing the budget with other ICMP to that source.
      const m = net.topo.host('m');
      const dest = v4 ? '198.18.200.1' : 'fd00:5f:200::1';
      net.a.exec('ip', [v4 ? '-4' : '-6', 'route', 'replace', v4 ? '198.18.200.0/24' : 'fd00:5f:200::/64', 'via', addr(m.interfaces[0] as never)]);
      const hops: TracerouteHop[] = [];
      for await (const h of traceroute(dest, { queries: 2, wait: 500, netns: net.a.netns })) hops.push(h);
      expect(hops).toHaveLength(1);
      expect(hops[0]).toMatchObject({ ttl: 1, final: true });
      expect(hops[0]?.probes.map((p) => [p.address, p.annotation])).toEqual([
        [addr(m.interfaces[0] as never), '!N'],
        [addr(m.interfaces[0] as never), '!N'],
      ]);
    });

    itWith(['tool:ping'], `${family}: sockit ping prints what iputils ping prints (replies, errors, summary)`, () => {
      for (const extra of [[], ['-t', '1']]) {
        const args = ['-c', '3', '-i', '0.2', ...extra, addr(net.b)];
        const ours = runIn(net.a, process.execPath, [CLI, 'ping', ...args]);
        const theirs = runIn(net.a, 'ping', args, { root: true });
        expect(ours.code).toBe(theirs.code);
        expect(untimed(ours.stdout)).toBe(untimed(theirs.stdout));
        // the raw-socket path (root) prints the same
        const raw = runIn(net.a, process.execPath, [CLI, 'ping', '--raw', ...args], { root: true });
        expect(raw.code).toBe(theirs.code);
        expect(untimed(raw.stdout)).toBe(untimed(theirs.stdout));
      }
    });

    itWith(['tool:traceroute'], `${family}: sockit traceroute prints what traceroute -n prints, '*' for the silent hop`, () => {
      for (const icmp of [false, true]) {
        const args = ['-q', '2', '-w', '1', ...(icmp ? ['-I'] : []), addr(net.b)];
        const ours = runIn(net.a, process.execPath, [CLI, 'traceroute', ...args]);
        const theirs = runIn(net.a, 'traceroute', ['-n', ...args], { root: true });
        expect(ours.code).toBe(0);
        expect(untimed(ours.stdout)).toBe(untimed(theirs.stdout));
        expect(untimed(ours.stdout).split('\n')[2]).toBe(' 2  * *');
      }
    });
  }

  it('--json: sockit ping prints one object per reply and the summary', () => {
    const r = runIn(net.a, process.execPath, [CLI, 'ping', '-c', '2', '-i', '0.05', '--json', net.b.address]);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(['reply', 'reply', 'summary']);
    expect(lines[2]).toMatchObject({ transmitted: 2, received: 2, loss: 0 });
  });

  it('--json: sockit traceroute prints one object per hop', () => {
    const r = runIn(net.a, process.execPath, [CLI, 'traceroute', '-q', '1', '-w', '0.5', '--json', net.b.address]);
    const hops = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as TracerouteHop);
    expect(hops.map((h) => h.probes[0]?.address ?? '*')).toEqual([net.r1.interfaces[0]?.address, '*', net.r3.interfaces[0]?.address, net.b.address]);
  });
});
