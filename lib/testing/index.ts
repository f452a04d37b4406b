/**
 * `sockit-linux/testing`: multi-host network tests on one machine.
 *
 * `createTopology()` builds private network namespaces ("hosts") joined by
 * veth links, with addresses from 198.18.0.0/15 (RFC 2544 benchmarking range)
 * and IPv6 ULA fd00:5f::/48. Each host is held open by a small `unshare`
 * process whose stdin is a pipe from this process: when this process exits,
 * for any reason, the holders exit and the kernel removes the namespaces and
 * their links. `destroy()` removes everything at once.
 *
 * Needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root, or a user namespace).
 * @module
 */
import { ChildProcess, execFileSync, spawn, SpawnOptions } from 'node:child_process';

/** One end of a link, as seen from its host. */
export interface HostInterface {
  /** Interface name inside the host (veth0, veth1, ...). */
  name: string;
  /** IPv4 address (no prefix). */
  address: string;
  /** IPv6 ULA address (no prefix). */
  address6: string;
  /** IPv4 prefix length (24). */
  prefix: number;
  /** IPv6 prefix length (64). */
  prefix6: number;
  /** The host at the other end, and its interface there. */
  peer: string;
  /** The peer's interface name. */
  peerInterface: string;
  /** The peer's IPv4 address on this link. */
  peerAddress: string;
  /** The peer's IPv6 address on this link. */
  peerAddress6: string;
  /** MAC address. */
  mac: string;
}

/** A host: a private network namespace. */
export interface Host {
  /** The name given in `hosts`. */
  name: string;
  /** Pass as `netns` to sockit constructors: `/proc/PID/ns/net`. */
  netns: string;
  /** PID of the holder process. */
  pid: number;
  /** Its link ends, in link order (veth0, veth1, ...). */
  interfaces: HostInterface[];
  /** First interface's name. */
  interface: string;
  /** First interface's IPv4 address. */
  address: string;
  /** First interface's IPv6 address. */
  address6: string;
  /** Run a command inside the host (synchronously); returns stdout. */
  exec(cmd: string, args?: string[]): string;
  /** Start a command inside the host. */
  spawn(cmd: string, args?: string[], options?: SpawnOptions): ChildProcess;
}

/** What {@link createTopology} builds. */
export interface TopologyOptions {
  /** Host names. */
  hosts: string[];
  /** Links as pairs of host names. */
  links: Array<[string, string]>;
  /** Link MTU (default 1500). */
  mtu?: number;
  /** Add IPv6 ULA addresses (default true). */
  ipv6?: boolean;
}

/** A built topology: its hosts, and destroy(). */
export interface Topology {
  /** Hosts by name. */
  hosts: Record<string, Host>;
  /** A host by name; throws for an unknown name. */
  host(name: string): Host;
  /** Remove every namespace and link (idempotent). */
  destroy(): void;
}

const live = new Set<Topology>();
let exitHook = false;

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

function inNs(pid: number, cmd: string, args: string[]): string {
  return sh('nsenter', [`--net=/proc/${pid}/ns/net`, '--', cmd, ...args]);
}

let topoCounter = 0;

/**
 * Build namespaces and veth links. Link k gets 198.18.k.0/24 (first host .1,
 * second .2) and fd00:5f:0:k::/64; `base` shifts k for several topologies.
 */
export function createTopology(options: TopologyOptions): Topology {
  const { hosts: names, links, mtu = 1500, ipv6 = true } = options;
  if (!Array.isArray(names) || names.length === 0) throw new TypeError('createTopology: hosts must be a non-empty array of names');
  if (new Set(names).size !== names.length) throw new TypeError('createTopology: host names must be unique');
  if (links.length > 250) throw new RangeError('createTopology: at most 250 links');
  const holders: ChildProcess[] = [];
  const hosts: Record<string, Host> = {};
  const topo: Topology = {
    hosts,
    host(name: string): Host {
      const h = hosts[name];
      if (!h) throw new Error(`no host ${name} in this topology`);
      return h;
    },
    destroy(): void {
      if (!live.has(topo)) return;
      live.delete(topo);
      for (const p of holders) {
        try {
          p.stdin?.end();
          if (p.pid) process.kill(p.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    },
  };
  live.add(topo);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const t of live) t.destroy();
    });
  }
  try {
    for (const name of names) {
      // The holder: a shell in a new netns that exits when our pipe closes.
      const p = spawn('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && echo ready && read _'], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      holders.push(p);
      const ready = waitReady(p);
      const pid = p.pid as number;
      const host: Host = {
        name,
        netns: `/proc/${pid}/ns/net`,
        pid,
        interfaces: [],
        interface: '',
        address: '',
        address6: '',
        exec: (cmd, args = []) => inNs(pid, cmd, args),
        spawn: (cmd, args = [], opts = {}) => spawn('nsenter', [`--net=/proc/${pid}/ns/net`, '--', cmd, ...args], opts),
      };
      hosts[name] = host;
      ready();
    }
    const serial = `${process.pid % 10000}${(topoCounter++ % 36).toString(36)}`;
    links.forEach(([a, b], k) => {
      const ha = topo.host(a);
      const hb = topo.host(b);
      const na = `veth${ha.interfaces.length}`;
      const nb = `veth${hb.interfaces.length}`;
      const ta = `sk${serial}a${k}`;
      const tb = `sk${serial}b${k}`;
      sh('ip', ['link', 'add', ta, 'mtu', String(mtu), 'netns', String(ha.pid), 'type', 'veth', 'peer', 'name', tb, 'mtu', String(mtu), 'netns', String(hb.pid)]);
      const v4 = (i: number): string => `198.18.${k}.${i}`;
      const v6 = (i: number): string => (k === 0 ? `fd00:5f::${i}` : `fd00:5f:0:${k.toString(16)}::${i}`);
      const setup = (h: Host, tmp: string, final: string, i: number): void => {
        inNs(h.pid, 'ip', ['link', 'set', tmp, 'name', final]);
        inNs(h.pid, 'sysctl', ['-q', '-w', `net.ipv4.conf.${final}.rp_filter=0`]);
        inNs(h.pid, 'ip', ['addr', 'add', `${v4(i)}/24`, 'brd', '+', 'dev', final]);
        if (ipv6) inNs(h.pid, 'ip', ['addr', 'add', `${v6(i)}/64`, 'dev', final, 'nodad']);
        inNs(h.pid, 'ip', ['link', 'set', final, 'up']);
      };
      setup(ha, ta, na, 1);
      setup(hb, tb, nb, 2);
      const mac = (h: Host, n: string): string => /link\/ether ([0-9a-f:]{17})/.exec(inNs(h.pid, 'ip', ['-o', 'link', 'show', n]))?.[1] ?? '';
      const ea: HostInterface = { name: na, address: v4(1), address6: v6(1), prefix: 24, prefix6: 64, peer: b, peerInterface: nb, peerAddress: v4(2), peerAddress6: v6(2), mac: mac(ha, na) };
      const eb: HostInterface = { name: nb, address: v4(2), address6: v6(2), prefix: 24, prefix6: 64, peer: a, peerInterface: na, peerAddress: v4(1), peerAddress6: v6(1), mac: mac(hb, nb) };
      ha.interfaces.push(ea);
      hb.interfaces.push(eb);
    });
    for (const h of Object.values(hosts)) {
      const first = h.interfaces[0];
      if (first) {
        h.interface = first.name;
        h.address = first.address;
        h.address6 = first.address6;
      }
    }
  } catch (e) {
    topo.destroy();
    throw e;
  }
  return topo;
}

/** Block until the holder printed "ready" (namespace made, lo up). */
function waitReady(p: ChildProcess): () => void {
  return () => {
    // The holder writes "ready" once; poll its ns link synchronously.
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (p.exitCode !== null) throw new Error('createTopology: could not create a network namespace (need root or CAP_SYS_ADMIN)');
      try {
        const out = execFileSync('nsenter', [`--net=/proc/${p.pid}/ns/net`, '--', 'ip', '-o', 'link', 'show', 'lo'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        if (/UP/.test(out) && selfNs() !== nsOf(p.pid as number)) return;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error('createTopology: namespace holder did not become ready');
      execFileSync('sleep', ['0.01']);
    }
  };
}

function nsOf(pid: number | 'self'): string {
  try {
    return execFileSync('readlink', [`/proc/${pid}/ns/net`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}
function selfNs(): string {
  return nsOf('self');
}
