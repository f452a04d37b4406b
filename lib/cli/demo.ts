/**
 * `sockit demo`: builds two hosts in private network namespaces and shows
 * sockit doing its job, step by step, with a short readable report. Without
 * the capabilities a step needs, the step explains what it would need and is
 * skipped; the unprivileged part (option table, loopback UDP) always runs.
 * It never touches a real interface: every packet stays inside namespaces it
 * creates (198.18.0.0/15, fd00:5f::/48).
 * @module
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { capabilities, Capabilities, interfaces } from '../interfaces';
import { netnsId } from '../netns';
import { Socket } from '../socket';
import { createTopology, Topology } from '../testing';
import { CommandSpec, EXIT, parseCommand, helpText } from './args';
import { Io } from './output';
import { interfaceTable } from './interfaces';

export const spec: CommandSpec = {
  name: 'demo',
  summary: 'The guided demo: two hosts in private network namespaces, multicast, SO_REUSEPORT, raw frames, pcap.',
  flags: {
    json: { type: 'boolean', description: 'print the report as JSON' },
    out: { type: 'string', value: 'DIR', description: 'where to write demo.pcap (default: a fresh temporary directory)' },
  },
  details:
    'Run it with `npm run demo`, which re-enters a private network namespace first\n' +
    '(unshare --net, or --map-root-user without root). Each step prints what it did;\n' +
    'steps whose capability is missing say what they need and are skipped.',
  examples: ['npm run demo', 'sockit demo --out /tmp/sockit-demo', 'sockit demo --json'],
  needs: 'CAP_SYS_ADMIN + CAP_NET_ADMIN for the namespaces, CAP_NET_RAW for frames (root, or a user namespace)',
};

/** One step's outcome. */
export interface StepResult {
  title: string;
  status: 'ok' | 'skipped' | 'failed';
  /** Readable lines: what happened. */
  lines: string[];
  /** Why it was skipped or how it failed. */
  reason?: string;
  /** Machine-readable facts (counts, addresses) for --json and tests. */
  facts?: Record<string, unknown>;
}

/** Shared state of a demo run. */
export interface DemoContext {
  caps: Capabilities;
  /** In a namespace made for us (npm run demo), so loopback traffic is private too. */
  privateNetns: boolean;
  topo?: Topology;
  outDir: string;
  pcapPath: string;
}

type Requirement = 'topology' | 'CAP_NET_RAW';

interface Step {
  title: string;
  needs: Requirement[];
  run(ctx: DemoContext): Promise<Omit<StepResult, 'title' | 'status'>>;
}

const GROUP = '239.18.0.7';
const MCAST_PORT = 5007;

function udpOver(sock: Socket): dgram.Socket {
  const type = sock.familyName === 'ipv6' ? 'udp6' : 'udp4';
  const d = dgram.createSocket(type);
  d.bind({ fd: sock.release() });
  return d;
}

function onceMessage(d: dgram.Socket, timeoutMs: number): Promise<[Buffer, dgram.RemoteInfo]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no datagram within ${timeoutMs} ms`)), timeoutMs);
    d.once('message', (m, r) => {
      clearTimeout(t);
      resolve([m, r]);
    });
  });
}

/** The steps, in order. Later layers (UDP, multicast, packet) add theirs here. */
export const STEPS: Step[] = [
  {
    title: 'Two hosts in private network namespaces',
    needs: ['topology'],
    async run(ctx) {
      const topo = ctx.topo as Topology;
      const lines: string[] = [];
      for (const name of ['a', 'b']) {
        const h = topo.host(name);
        const list = interfaces({ netns: h.netns });
        lines.push(`host ${name} (${h.netns}):`);
        lines.push(...interfaceTable(list).map((l) => `  ${l}`));
      }
      return { lines, facts: { a: topo.host('a').address, b: topo.host('b').address } };
    },
  },
  {
    title: 'A socket created inside host a talks to host b (netns option)',
    needs: ['topology'],
    async run(ctx) {
      const topo = ctx.topo as Topology;
      const a = topo.host('a');
      const b = topo.host('b');
      const rs = new Socket('ipv4', 'dgram', 0, { netns: b.netns }).bind(`${b.address}:0`);
      const port = rs.localAddress().port;
      const ss = new Socket('ipv4', 'dgram', 0, { netns: a.netns }).bind(`${a.address}:0`);
      const rx = udpOver(rs);
      const tx = udpOver(ss);
      try {
        const got = onceMessage(rx, 2000);
        tx.send('hello from a', port, b.address);
        const [msg, rinfo] = await got;
        return {
          lines: [
            `new Socket('ipv4', 'dgram', 0, { netns: hostA.netns }) bound ${a.address} — an address that exists only in host a`,
            `host b received "${msg.toString()}" from ${rinfo.address}:${rinfo.port}; this process never left its own namespace (${netnsId() === netnsId('/proc/self/ns/net') ? 'checked' : 'MOVED!'})`,
          ],
          facts: { from: rinfo.address, payload: msg.toString() },
        };
      } finally {
        rx.close();
        tx.close();
      }
    },
  },
  {
    title: 'Loopback UDP (no capabilities needed)',
    needs: [],
    async run() {
      const rs = new Socket('ipv4', 'dgram').bind('127.0.0.1:0');
      const port = rs.localAddress().port;
      const rx = udpOver(rs);
      const tx = dgram.createSocket('udp4');
      try {
        const got = onceMessage(rx, 2000);
        tx.send('ping', port, '127.0.0.1');
        const [msg, rinfo] = await got;
        return { lines: [`127.0.0.1:${port} received "${msg.toString()}" from ${rinfo.address}:${rinfo.port}`], facts: { payload: msg.toString() } };
      } finally {
        rx.close();
        tx.close();
      }
    },
  },
];

function missingFor(req: Requirement, ctx: DemoContext, topoError?: string): string | undefined {
  if (req === 'topology') {
    if (!ctx.topo) return topoError ?? 'private namespaces could not be created';
    return undefined;
  }
  if (req === 'CAP_NET_RAW' && !ctx.caps.CAP_NET_RAW) return 'CAP_NET_RAW (packet sockets)';
  return undefined;
}

/** Run all steps; returns the results (never throws for a step's failure). */
export async function runDemo(options: { outDir?: string; onStep?: (r: StepResult, i: number, n: number) => void } = {}): Promise<{ context: DemoContext; results: StepResult[] }> {
  const outDir = options.outDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sockit-demo-'));
  fs.mkdirSync(outDir, { recursive: true });
  const ctx: DemoContext = {
    caps: capabilities(),
    privateNetns: process.env.SOCKIT_IN_NETNS === '1',
    outDir,
    pcapPath: path.join(outDir, 'demo.pcap'),
  };
  let topoError: string | undefined;
  if (ctx.caps.CAP_SYS_ADMIN && ctx.caps.CAP_NET_ADMIN) {
    try {
      ctx.topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
    } catch (e) {
      topoError = `could not build the namespaces: ${(e as Error).message}`;
    }
  } else {
    topoError = 'CAP_SYS_ADMIN and CAP_NET_ADMIN (to create namespaces and veth links): run `npm run demo` as root or where user namespaces are enabled';
  }
  const results: StepResult[] = [];
  try {
    for (const [i, step] of STEPS.entries()) {
      const lack = step.needs.map((r) => missingFor(r, ctx, topoError)).filter((x): x is string => x !== undefined);
      let r: StepResult;
      if (lack.length) {
        r = { title: step.title, status: 'skipped', lines: [], reason: `needs ${lack.join('; ')}` };
      } else {
        try {
          r = { title: step.title, status: 'ok', ...(await step.run(ctx)) };
        } catch (e) {
          const err = e as Error & { hint?: string };
          r = { title: step.title, status: 'failed', lines: [], reason: `${err.message}${err.hint && !err.message.includes(err.hint) ? ` — ${err.hint}` : ''}` };
        }
      }
      results.push(r);
      options.onStep?.(r, i, STEPS.length);
    }
  } finally {
    ctx.topo?.destroy();
  }
  return { context: ctx, results };
}

function capLine(c: Capabilities): string {
  return (['CAP_NET_RAW', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN'] as const).map((k) => `${k} ${c[k] ? 'yes' : 'no'}`).join(', ');
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { flags, help } = parseCommand(spec, argv);
  if (help) {
    io.out(helpText(spec));
    return EXIT.OK;
  }
  const json = Boolean(flags.json);
  if (!json) {
    io.out('sockit demo');
    io.out(`  where:        ${process.env.SOCKIT_IN_NETNS === '1' ? 'a private network namespace made for this run' : process.env.SOCKIT_NO_NETNS === '1' ? 'the current network namespace (no private one could be made)' : 'the current network namespace'}`);
    io.out(`  capabilities: ${capLine(capabilities())}`);
    io.out('');
  }
  const { context, results } = await runDemo({
    outDir: flags.out as string | undefined,
    onStep: json
      ? undefined
      : (r, i, n) => {
          const mark = r.status === 'ok' ? 'ok' : r.status === 'skipped' ? 'SKIPPED' : 'FAILED';
          io.out(`[${i + 1}/${n}] ${r.title} — ${mark}`);
          for (const l of r.lines) io.out(`      ${l}`);
          if (r.reason) io.out(`      ${r.status === 'skipped' ? 'would need' : 'error'}: ${r.reason.replace(/^needs /, '')}`);
        },
  });
  const ok = results.filter((r) => r.status === 'ok').length;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  const failed = results.filter((r) => r.status === 'failed').length;
  if (json) {
    io.out(JSON.stringify({ capabilities: context.caps, privateNetns: context.privateNetns, outDir: context.outDir, results }, null, 2));
  } else {
    io.out('');
    io.out(`demo: ${ok} ok, ${skipped} skipped, ${failed} failed. Namespaces removed.`);
    if (skipped) io.out('Skipped steps need capabilities: run `npm run demo` as root, or on a machine with user namespaces enabled.');
  }
  return failed ? EXIT.FAILURE : EXIT.OK;
}
