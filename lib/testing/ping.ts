/**
 * `topology.ping()`: a connectivity check between hosts that says what is
 * unreachable. A UDP echo (probe out, reply back), so it needs neither ICMP
 * sockets nor the `ping` tool and proves the path both ways.
 * @module
 */
import { UdpSocket } from '../sockets/udp';
import type { MessageInfo } from '../sockets/udp';
import { validateInteger } from '../core/errors';
import { TopologyError } from './error';
import type { Host } from './index';

/** Options of {@link Topology.ping}. */
export interface PingOptions {
  /** How long to wait for each address to answer, in ms (default 2000: generous for loaded CI machines). Probes repeat every 100 ms. */
  timeout?: number;
  /** Only this family (default: both, each where the host has addresses). */
  family?: 'ipv4' | 'ipv6';
  /**
   * Probe every address of the destination (`true`), or one per family
   * (default): its address on a segment the source shares with it, else its
   * first interface's.
   */
  all?: boolean;
}

/** One reached address. */
export interface PingResult {
  /** Source host. */
  from: string;
  /** Destination host. */
  to: string;
  /** The destination address probed. */
  address: string;
  /** Its interface on the destination. */
  interface: string;
  /** 'ipv4' or 'ipv6'. */
  family: 'ipv4' | 'ipv6';
  /** Round-trip time of the first answered probe, in ms. */
  rtt: number;
}

type Family = 'ipv4' | 'ipv6';
const QUERY = 0x534b5051; // 'SKPQ'
const REPLY = 0x534b5052; // 'SKPR'

/** The destination addresses to probe for one pair. */
function targets(a: Host, b: Host, families: Family[], all: boolean): Host['addresses'] {
  const mine = b.addresses.filter((x) => families.includes(x.family));
  if (all) return mine;
  const shared = new Set(a.interfaces.map((i) => i.subnet).filter(Boolean));
  const onShared = new Set(b.interfaces.filter((i) => shared.has(i.subnet)).map((i) => i.name));
  return families.flatMap((f) => {
    const of = mine.filter((x) => x.family === f);
    const pick = of.find((x) => onShared.has(x.interface)) ?? of[0];
    return pick ? [pick] : [];
  });
}

/** @internal Probe every address of every `to` from its `from`, in parallel. */
export async function pingNodes(pairs: Array<[Host, Host]>, options: PingOptions, describe: () => string): Promise<PingResult[]> {
  const timeout = options.timeout === undefined ? 2000 : validateInteger(options.timeout, 'options.timeout', 1, 600_000);
  const families: Family[] = options.family === undefined ? ['ipv4', 'ipv6'] : [options.family];
  const sockets = new Map<string, UdpSocket>();
  const pending = new Map<number, (rtt: number) => void>();
  let nextId = 1;
  const key = (h: Host, f: Family): string => `${h.name}/${f}`;
  const has = (h: Host, f: Family): boolean => h.addresses.some((a) => a.family === f);
  try {
    const involved = new Map<string, Host>();
    for (const [a, b] of pairs) for (const h of [a, b]) involved.set(h.name, h);
    await Promise.all(
      [...involved.values()].flatMap((h) =>
        families.filter((f) => has(h, f)).map(async (f) => {
          const s = await UdpSocket.create({ netns: h.netns, family: f, address: f === 'ipv4' ? '0.0.0.0' : '::', port: 0, ...(f === 'ipv6' ? { ipv6Only: true } : {}) });
          s.on('message', (data: Buffer, info: MessageInfo) => {
            if (data.length !== 8) return;
            const kind = data.readUInt32BE(0);
            if (kind === QUERY) {
              const reply = Buffer.from(data);
              reply.writeUInt32BE(REPLY, 0);
              s.send(reply, info.port, info.address).catch(() => {});
            } else if (kind === REPLY) pending.get(data.readUInt32BE(4))?.(0);
          });
          s.on('error', () => {});
          sockets.set(key(h, f), s);
        }),
      ),
    );
    const failures: string[] = [];
    const results: PingResult[] = [];
    for (const [a, b] of pairs) {
      if (targets(a, b, families, options.all === true).length === 0) failures.push(`${a.name} -> ${b.name}: ${b.name} has no ${families.join(' or ')} address to probe`);
    }
    await Promise.all(
      pairs.flatMap(([a, b]) =>
        targets(a, b, families, options.all === true)
          .map(async (addr) => {
            const what = `${a.name} -> ${b.name} ${addr.address} (${b.name}:${addr.interface})`;
            const from = sockets.get(key(a, addr.family));
            const to = sockets.get(key(b, addr.family)) as UdpSocket;
            if (!from) {
              failures.push(`${what}: ${a.name} has no ${addr.family} address`);
              return;
            }
            const id = nextId++;
            const probe = Buffer.alloc(8);
            probe.writeUInt32BE(QUERY, 0);
            probe.writeUInt32BE(id, 4);
            const start = performance.now();
            let lastError = '';
            const answered = await new Promise<boolean>((resolve) => {
              const send = (): void => {
                from.send(probe, to.address().port, addr.address).catch((e: Error & { code?: string }) => {
                  lastError = `${e.code ?? e.message}${e.code === 'ENETUNREACH' ? ` (${a.name} has no route to ${addr.address})` : ''}`;
                });
              };
              const every = setInterval(send, 100);
              const timer = setTimeout(() => {
                clearInterval(every);
                pending.delete(id);
                resolve(false);
              }, timeout);
              pending.set(id, () => {
                clearInterval(every);
                clearTimeout(timer);
                pending.delete(id);
                resolve(true);
              });
              send();
            });
            if (answered) results.push({ from: a.name, to: b.name, address: addr.address, interface: addr.interface, family: addr.family, rtt: performance.now() - start });
            else failures.push(`${what}: ${lastError ? `send failed: ${lastError}` : `no reply within ${timeout} ms`}`);
          }),
      ),
    );
    if (failures.length) {
      const total = failures.length + results.length;
      throw new TopologyError('ERR_TOPOLOGY_UNREACHABLE', `ping: ${failures.length} of ${total} unreachable:\n  ${failures.sort().join('\n  ')}\n${describe()}`);
    }
    return results;
  } finally {
    await Promise.all([...sockets.values()].map((s) => s.close()));
  }
}
