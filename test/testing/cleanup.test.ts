// Nothing outlives a SIGKILLed test process: hosts, routers, switches and
// their ip netns names all go (no holder PIDs, no namespaces, no /run/netns entries).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Socket } from '../helpers/sockit';
import { describeWith } from '../helpers/env';
import { running, waitUntil } from '../helpers/process';

const root = join(__dirname, '..', '..');

/** The never-reused cookie of a network namespace (SO_NETNS_COOKIE of a socket made inside it). */
function cookieOf(netns: string): bigint | undefined {
  try {
    const s = new Socket('ipv4', 'dgram', 0, { netns });
    try {
      return BigInt(s.getOption('SO_NETNS_COOKIE') as number | bigint);
    } finally {
      s.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Cookies of the network namespaces still reachable through these inode
 * numbers: by a process, or by a bind mount (an ip netns name). Inode
 * numbers are reused at once on a busy machine, cookies never are.
 */
function cookiesInUse(inodes: Set<string>): Set<bigint> {
  const paths: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (inodes.has(readlinkSync(`/proc/${p}/ns/net`))) paths.push(`/proc/${p}/ns/net`);
    } catch {
      /* gone, or not ours to read */
    }
  }
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f[3] && inodes.has(f[3]) && f[4]) paths.push(f[4]);
  }
  return new Set(paths.map(cookieOf).filter((c): c is bigint => c !== undefined));
}

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], 'createTopology: SIGKILL cleanup', () => {
  const userns = process.env.SOCKIT_USERNS === '1';
  for (const named of userns ? [false] : [false, true]) {
    it(`leaves nothing behind after SIGKILL: hosts, routers, switches${named ? ' and ip netns names' : ''}`, async () => {
      const prefix = `skkill${process.pid}${named ? 'n' : ''}`;
      const script = `
        const { createTopology } = require(${JSON.stringify(join(root, 'dist', 'testing', 'index.js'))});
        const { readlinkSync } = require('node:fs');
        const t = createTopology({
          hosts: ['a', 'b'], routers: ['r1'], switches: ['s1'],
          links: [['a', 's1'], ['r1', 's1'], ['r1', 'b', { rate: '10mbit' }]],
          ${named ? `netnsNames: ${JSON.stringify(prefix)},` : ''}
        });
        const nodes = [...Object.values(t.hosts), ...Object.values(t.switches)];
        const { Socket } = require(${JSON.stringify(join(root, 'dist', 'index.js'))});
        const cookie = (netns) => { const s = new Socket('ipv4', 'dgram', 0, { netns }); const c = String(s.getOption('SO_NETNS_COOKIE')); s.close(); return c; };
        console.log(JSON.stringify(nodes.map((n) => ({ name: n.name, kind: n.kind, pid: n.pid, ns: readlinkSync(n.netns), cookie: cookie(n.netns), netnsName: n.netnsName }))));
        setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          if (buf.includes('\n')) resolve(buf);
        });
        child.once('exit', (code) => reject(new Error(`child exited (${code}) before reporting: ${buf}`)));
      });
      const nodes = JSON.parse(line) as Array<{ name: string; kind: string; pid: number; ns: string; cookie: string; netnsName?: string }>;
      expect(nodes.map((n) => n.kind).sort()).toEqual(['host', 'host', 'router', 'switch']);
      expect(nodes.every((n) => running(n.pid))).toBe(true);
      expect(new Set(nodes.map((n) => n.ns)).size).toBe(4);
      expect(cookiesInUse(new Set(nodes.map((n) => n.ns)))).toEqual(new Set(nodes.map((n) => BigInt(n.cookie))));
      if (named) for (const n of nodes) expect(existsSync(`/run/netns/${n.netnsName}`)).toBe(true);

      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const leftovers = (): string[] => {
        const inUse = cookiesInUse(new Set(nodes.map((n) => n.ns)));
        return nodes.flatMap((n) => [
          ...(running(n.pid) ? [`${n.name}: holder ${n.pid} alive`] : []),
          ...(inUse.has(BigInt(n.cookie)) ? [`${n.name}: namespace ${n.ns} still in use`] : []),
          ...(n.netnsName && existsSync(`/run/netns/${n.netnsName}`) ? [`${n.name}: /run/netns/${n.netnsName}`] : []),
        ]);
      };
      // The kernel frees namespaces from a work queue, slower when the machine is busy.
      await waitUntil(() => leftovers().length === 0, 15_000);
      expect(leftovers()).toEqual([]);
      if (named) expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(prefix);
    });
  }
});
