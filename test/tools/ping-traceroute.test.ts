// ping() / traceroute() and `sockit ping` / `sockit traceroute` (issue 12
// item 5) across a -r1-r2-r3- chain whose middle router never answers, IPv4
// and IPv6, run as nobody; the CLI output compared with iputils ping and
// traceroute (run as root) line by line, times aside.
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { ping, traceroute } from '../helpers/sockit';
import type { PingEvent, TracerouteHop } from '../helpers/sockit';
import { describeWith, itWith } from '../helpers/env';
import { addressOf, useIcmpTopology } from '../helpers/icmp-topology';
import { CLI, DIST, NOBODY, nodeAsNobody, runIn } from '../helpers/unprivileged';
import type { Run } from '../helpers/unprivileged';

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

    it(`${family}: after the last request ping() waits at least the interval for its reply (iputils' schedule_exit)`, async () => {
      // b answers the first request only; the run must still wait for the second's reply, not 2 x the first RTT.
      const ignore = v4 ? 'net.ipv4.icmp_echo_ignore_all' : 'net.ipv6.icmp.echo_ignore_all';
      try {
        const run = ping(addr(net.b), { count: 2, interval: 300, netns: net.a.netns });
        const events: PingEvent[] = [];
        for await (const e of run) {
          events.push(e);
          if (e.type === 'reply') net.b.exec('sysctl', ['-qw', `${ignore}=1`]);
        }
        const s = await run.summary;
        expect(events.map((e) => [e.type, e.sequence])).toEqual([['reply', 1]]);
        expect(s).toMatchObject({ transmitted: 2, received: 1, loss: 50 });
        expect(s.time).toBeGreaterThanOrEqual(2 * 300 - 20); // second request at 300 ms, then at least 300 ms of waiting
      } finally {
        net.b.exec('sysctl', ['-qw', `${ignore}=0`]);
      }
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
      // net.ipv4.route.error_cost (a global sysctl: 1 s each after a 5 s burst), drawing on the same
      // per-source bucket as m's ICMP rate limit. At icmp_ratelimit=0 (the topology's) that limiter
      // empties the bucket whenever a jiffy passes between the two checks of one error, and the
      // second !N is then refused (seen in CI under load). At 1000 both draw 1 s: two errors fit.
      const m = net.topo.host('m');
      if (v4) m.exec('sysctl', ['-qw', 'net.ipv4.icmp_ratelimit=1000']);
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

// A fresh namespace with only lo up has no route anywhere else: iputils ping
// checks the route before its first request (a UDP connect) and stops with
// "ping: connect: Network is unreachable", status 2, having sent nothing.
// With `local`, that address sits on one end of a veth pair and the
// destination has a static neighbour entry (requests leave, nothing
// answers); the address is removed half a second after the first echo
// request left, so the later sends fail with ENETUNREACH and the run goes on.
function inEmptyNetns(cmd: string, args: string[], o: { nobody?: boolean; local?: string; dest?: string } = {}): Run {
  const v6 = o.local?.includes(':') ?? false;
  const script = [
    'ip link set lo up',
    // Ping sockets for every group (a new namespace allows none).
    'sysctl -qw net.ipv4.ping_group_range="0 2147483647"',
    ...(o.local
      ? [
          'ip link add s0 type veth peer name s1 && ip link set s0 up && ip link set s1 up',
          `ip addr add ${o.local} dev s0${v6 ? ' nodad' : ''}`,
          `ip neigh add ${o.dest} lladdr 02:00:5e:00:00:01 dev s0 nud permanent`,
        ]
      : []),
    o.local
      ? `out=$(mktemp) err=$(mktemp); "$@" >"$out" 2>"$err" & pid=$!
         sent() { if [ ${v6 ? 1 : 0} = 1 ]; then awk '$1=="Icmp6OutEchos"{print $2}' /proc/net/snmp6; else awk '/^Icmp:/{if(!h){for(i=1;i<=NF;i++)n[$i]=i;h=1}else print $n["OutEchos"]}' /proc/net/snmp; fi; }
         i=0; while [ "$(sent)" = 0 ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i+1)); done
         sleep 0.5; ip addr del ${o.local} dev s0
         wait $pid; code=$?; cat "$out"; cat "$err" >&2; rm -f "$out" "$err"; exit $code`
      : 'exec "$@"',
  ].join('\n');
  const r = spawnSync('unshare', ['--net', '--', 'sh', '-c', script, 'sh', ...(o.nobody ? NOBODY : []), cmd, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'tool:setpriv'], 'ping where the local send fails (no route)', () => {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const v4 = family === 'ipv4';
    const dest = v4 ? '198.18.99.1' : 'fd00:5f:99::1';
    const local = v4 ? '198.18.99.2/24' : 'fd00:5f:99::2/64';

    it(`${family}: ping() as nobody rejects with ENETUNREACH (syscall connect) and sends nothing`, () => {
      const r = inEmptyNetns(process.execPath, ['-e', `
        const sockit = require(${JSON.stringify(DIST)});
        const fs = require('fs');
        (async () => {
          const run = sockit.ping('${dest}', { count: 2, interval: 20 });
          const events = [];
          let thrown;
          try { for await (const e of run) events.push(e); } catch (e) { thrown = { name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, address: e.address }; }
          const rejected = await run.summary.then(() => null, (e) => ({ code: e.code, errno: e.errno, syscall: e.syscall, hint: e.hint }));
          const resolved = await Promise.race([run.address.then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), 50))]);
          const snmp = fs.readFileSync(${v4 ? "'/proc/net/snmp'" : "'/proc/net/snmp6'"}, 'utf8');
          process.stdout.write(JSON.stringify({ uid: process.getuid(), events, thrown, rejected, resolved, snmp }));
        })();`], { nobody: true });
      const out = JSON.parse(r.stdout) as { uid: number; events: unknown[]; thrown: Record<string, unknown>; rejected: Record<string, unknown>; resolved: boolean; snmp: string };
      expect(out.uid).toBe(65534);
      expect(out.events).toEqual([]);
      expect(out.thrown).toEqual({ name: 'SocketError', code: 'ENETUNREACH', errno: -101, syscall: 'connect', address: dest });
      expect(out.rejected).toMatchObject({ code: 'ENETUNREACH', errno: -101, syscall: 'connect' });
      expect(out.rejected.hint).toMatch(/no route/);
      expect(out.resolved).toBe(false);
      // Not one echo request left this namespace.
      const echos = v4 ? (() => {
        const [head, vals] = out.snmp.split('\n').filter((l) => l.startsWith('Icmp:')).map((l) => l.split(/\s+/));
        return Number(vals![head!.indexOf('OutEchos')]);
      })() : Number(/^Icmp6OutEchos\s+(\d+)/m.exec(out.snmp)![1]);
      expect(echos).toBe(0);
    });

    it(`${family}: a send that fails later is a 'send-error' event (code, errno, syscall), counted as sent and lost`, () => {
      const r = inEmptyNetns(process.execPath, ['-e', `
        const sockit = require(${JSON.stringify(DIST)});
        (async () => {
          const run = sockit.ping('${dest}', { count: 3, interval: 1000, timeout: 200 });
          const events = [];
          for await (const e of run) events.push(e.type === 'send-error' ? { type: e.type, sequence: e.sequence, code: e.error.code, errno: e.error.errno, syscall: e.error.syscall, name: e.error.name } : e);
          process.stdout.write(JSON.stringify({ events, summary: await run.summary }));
        })();`], { nobody: true, local, dest });
      const out = JSON.parse(r.stdout) as { events: unknown[]; summary: Record<string, unknown> };
      expect(out.events).toEqual([2, 3].map((sequence) => ({ type: 'send-error', sequence, code: 'ENETUNREACH', errno: -101, syscall: 'sendmsg', name: 'SocketError' })));
      expect(out.summary).toMatchObject({ transmitted: 3, received: 0, errors: 0, loss: 100 });
    });

    itWith(['tool:ping'], `${family}: sockit ping prints what iputils ping prints when it cannot send (stdout, stderr, status)`, () => {
      const args = ['-c', '2', '-i', '0.2', dest];
      const theirs = inEmptyNetns('ping', args);
      expect(theirs).toEqual({ code: 2, stdout: '', stderr: 'ping: connect: Network is unreachable\n' });
      for (const nobody of [false, true]) expect(inEmptyNetns(process.execPath, [CLI, 'ping', ...args], { nobody })).toEqual(theirs);
      expect(inEmptyNetns(process.execPath, [CLI, 'ping', '--raw', ...args])).toEqual(theirs);
    });

    itWith(['tool:traceroute'], `${family}: with no route, sockit traceroute stops as traceroute -n does (not 30 rows of '*')`, () => {
      const args = ['-q', '1', '-w', '1', dest];
      const theirs = inEmptyNetns('traceroute', ['-n', ...args]);
      const ours = inEmptyNetns(process.execPath, [CLI, 'traceroute', ...args], { nobody: true });
      expect(theirs.code).toBe(1);
      expect(ours.code).toBe(theirs.code);
      // traceroute ends its header line on stderr, before the error: the terminal shows the same.
      expect(ours.stdout + ours.stderr).toBe(theirs.stdout + theirs.stderr);
      expect(ours.stderr).toBe('connect: Network is unreachable\n');
      const api = inEmptyNetns(process.execPath, ['-e', `
        const sockit = require(${JSON.stringify(DIST)});
        const t = sockit.traceroute('${dest}', { queries: 1, wait: 100 });
        t.hops.then(() => console.log('resolved'), (e) => console.log(JSON.stringify({ code: e.code, syscall: e.syscall, address: e.address })));`], { nobody: true });
      expect(JSON.parse(api.stdout)).toEqual({ code: 'ENETUNREACH', syscall: 'connect', address: dest });
    });

    itWith(['tool:ping'], `${family}: sockit ping prints what iputils ping prints when sends start failing mid-run`, () => {
      const args = ['-c', '3', '-i', '1', '-W', '1', dest];
      const theirs = inEmptyNetns('ping', args, { local, dest });
      const ours = inEmptyNetns(process.execPath, [CLI, 'ping', ...args], { local, dest, nobody: true });
      // iputils counts the failed requests as sent and lost, and prints nothing about them (its
      // error-queue check clobbers errno): no "From ... local error" line, no "+N errors".
      expect(untimed(theirs.stdout)).toBe(`PING ${dest}${v4 ? ` (${dest}) 56(84) bytes of data.` : `(${dest}) 56 data bytes`}\n\n--- ${dest} ping statistics ---\n3 packets transmitted, 0 received, 100% packet loss, time Tms\n\n`);
      expect(ours.stderr).toBe(theirs.stderr);
      expect(ours.code).toBe(theirs.code);
      expect(untimed(ours.stdout)).toBe(untimed(theirs.stdout));
    });
  }
});
