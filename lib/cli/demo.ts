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
import { interfaceName } from '../core/address';
import { compile, etherType, none, or, vlan } from '../formats/bpf/builder';
import { decodeFrame } from '../formats/frames/decode';
import { buildEthernet } from '../formats/frames/ethernet';
import { capabilities, Capabilities, interfaces, NetworkInterface } from '../system/interfaces';
import { listen } from '../sockets/multicast';
import { withNetns } from '../system/netns';
import { options } from '../options';
import { PacketSocket, ReceivedFrame } from '../sockets/packet';
import { PcapWriter, parsePcap } from '../formats/pcap';
import { Socket } from '../sockets/socket';
import { Message, MessageInfo, UdpSocket } from '../sockets/udp';
import { createTopology, Topology } from '../testing';
import { CommandSpec, EXIT, parseCommand, helpText } from './args';
import { Io } from './output';
import { flagWords } from './interfaces';
import { applies, formatValue, readValue } from './options';
import { frameLine } from './sniff';

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
  /** Why the topology could not be built. */
  topologyError?: string;
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
const GROUP2 = '239.18.0.8';
const MCAST_PORT = 5007;
const ETHERTYPE = 0x88b5;

function nextMessage(sock: UdpSocket, timeoutMs: number): Promise<Message> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no datagram within ${timeoutMs} ms`)), timeoutMs);
    sock.once('message', (data: Buffer, info: MessageInfo) => {
      clearTimeout(t);
      resolve({ data, info });
    });
  });
}

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

/** The steps, in order. */
export const STEPS: Step[] = [
  {
    title: 'Two hosts in private network namespaces',
    needs: ['topology'],
    async run(ctx) {
      const topo = ctx.topo as Topology;
      const lines: string[] = [];
      for (const name of ['a', 'b']) {
        const h = topo.host(name);
        const v = interfaces({ netns: h.netns }).find((i) => i.name === h.interface);
        lines.push(`host ${name}: ${v?.name} index ${v?.index} mac ${v?.mac} mtu ${v?.mtu} ${flagWords(v as NetworkInterface)} ${v?.addresses.filter((x) => !x.scopeId).map((x) => x.cidr).join(' ')}`);
      }
      lines.push('(interfaces({ netns }) reads each namespace over rtnetlink; `sockit interfaces` prints the same)');
      return { lines, facts: { a: topo.host('a').address, b: topo.host('b').address } };
    },
  },
  {
    title: 'Socket options of a fresh UDP socket (the option table)',
    needs: [],
    async run() {
      const sock = new Socket('ipv4', 'dgram');
      try {
        const list = Object.values(options).filter((o) => applies(o, 'ipv4', 'dgram'));
        const shown = ['SO_RCVBUF', 'SO_REUSEPORT', 'SO_BROADCAST', 'IP_TTL', 'IP_MULTICAST_TTL', 'IP_MULTICAST_LOOP', 'IP_MULTICAST_ALL', 'IP_PKTINFO'] as const;
        const values = shown.filter((n) => n in options).map((n) => `${n}=${formatValue(readValue(sock, options[n as keyof typeof options]).value)}`);
        const readable = list.filter((o) => o.readable && o.supported).length;
        return {
          lines: [`${list.length} options apply to an IPv4 UDP socket (${readable} readable here); ${Object.keys(options).length} in the whole table`, values.join('  '), 'full table with values: sockit options'],
          facts: { options: list.length },
        };
      } finally {
        sock.close();
      }
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
            `new Socket('ipv4', 'dgram', 0, { netns: a.netns }) bound ${a.address}, an address that exists only in host a, then went to Node's dgram`,
            `host b received "${msg.toString()}" from ${rinfo.address}:${rinfo.port}; this process stayed in its own namespace`,
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
    title: 'Multicast: join by interface, per-datagram destination and interface',
    needs: ['topology'],
    async run(ctx) {
      const topo = ctx.topo as Topology;
      const a = topo.host('a');
      const b = topo.host('b');
      const listeners = await Promise.all(
        [0, 1].map(() => listen(`${GROUP}:${MCAST_PORT}`, { interface: b.interface, netns: b.netns, receive: { packetInfo: true, ttl: true } })),
      );
      const other = await listen(`${GROUP2}:${MCAST_PORT}`, { interface: b.interface, netns: b.netns, receive: { packetInfo: true, ttl: true } });
      const sender = await UdpSocket.create({ address: a.address, port: 3000, netns: a.netns });
      try {
        const got = [...listeners, other].map((l) => nextMessage(l, 2000));
        sender.setMulticastInterface(a.interface);
        sender.setMulticastTTL(2);
        await sender.send(`This message is for ${GROUP}:${MCAST_PORT} receivers`, MCAST_PORT, GROUP);
        await sender.send(`This message is for ${GROUP2}:${MCAST_PORT} receivers`, MCAST_PORT, GROUP2);
        const msgs = await Promise.all(got);
        const ifn = (i?: number): string => (i ? withNetns(b.netns, () => interfaceName(i)) : '?');
        const lines = [
          `host b: two listeners joined ${GROUP} and one joined ${GROUP2}, all on ${b.interface} (multicast.listen, IP_MULTICAST_ALL off)`,
          `host a: one socket bound ${a.address}:3000, IP_MULTICAST_IF=${a.interface}, TTL 2, sent one datagram to each group`,
        ];
        msgs.forEach((m, k) => {
          const who = k < 2 ? `listener ${k + 1} (${GROUP})` : `listener 3 (${GROUP2})`;
          lines.push(`${who}: from ${m.info.address}:${m.info.port} to ${m.info.destination} on ${ifn(m.info.interfaceIndex)} ttl ${m.info.ttl}: "${m.data.toString()}"`);
        });
        return {
          lines,
          facts: { received: msgs.map((m) => ({ destination: m.info.destination, interface: ifn(m.info.interfaceIndex), ttl: m.info.ttl, from: m.info.address })) },
        };
      } finally {
        await Promise.all([...listeners, other, sender].map((x) => x.close()));
      }
    },
  },
  {
    title: 'SO_REUSEPORT: the kernel spreads flows over four sockets on one port',
    needs: ['topology'],
    async run(ctx) {
      const topo = ctx.topo as Topology;
      const a = topo.host('a');
      const b = topo.host('b');
      const N = 4;
      const FLOWS = 64;
      const PER_FLOW = 4;
      const rx = await Promise.all(Array.from({ length: N }, () => UdpSocket.create({ address: b.address, port: 6000, reusePort: true, netns: b.netns })));
      const counts = new Array<number>(N).fill(0);
      let total = 0;
      const done = new Promise<void>((resolve) => {
        rx.forEach((s, k) =>
          s.on('message', () => {
            counts[k] = (counts[k] as number) + 1;
            if (++total === FLOWS * PER_FLOW) resolve();
          }),
        );
      });
      const senders = await Promise.all(Array.from({ length: FLOWS }, () => UdpSocket.create({ address: a.address, port: 0, netns: a.netns })));
      try {
        for (let r = 0; r < PER_FLOW; r++) for (const s of senders) await s.send('spread', 6000, b.address);
        await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
      } finally {
        await Promise.all([...rx, ...senders].map((x) => x.close()));
      }
      const used = counts.filter((c) => c > 0).length;
      if (total !== FLOWS * PER_FLOW) throw new Error(`only ${total} of ${FLOWS * PER_FLOW} datagrams arrived`);
      return {
        lines: [
          `host b: ${N} UdpSockets with reusePort: true bound to ${b.address}:6000; host a: ${FLOWS} flows (source ports) x ${PER_FLOW} datagrams`,
          `per socket: ${counts.map((c, k) => `#${k + 1} ${c}`).join(', ')} (${used} of ${N} sockets used; each flow sticks to one socket)`,
        ],
        facts: { counts, total, used },
      };
    },
  },
  {
    title: 'Raw Ethernet frames: a custom EtherType and a VLAN-tagged frame, captured and decoded',
    needs: ['topology', 'CAP_NET_RAW'],
    async run(ctx) {
      const topo = ctx.topo as Topology;
      const a = topo.host('a');
      const b = topo.host('b');
      const macB = b.interfaces[0]?.mac as string;
      const macA = a.interfaces[0]?.mac as string;
      const filter = or(etherType(ETHERTYPE), vlan(10));
      const capture = await PacketSocket.open({ interface: b.interface, netns: b.netns, filter });
      const tx = await PacketSocket.open({ interface: a.interface, netns: a.netns, filter: compile(none()) });
      const writer = await PcapWriter.create(ctx.pcapPath, { precision: 'nanosecond' });
      const frames = [
        buildEthernet({ destination: macB, source: macA, etherType: ETHERTYPE, payload: Buffer.from('sockit demo: custom EtherType'), pad: true }),
        buildEthernet({ destination: 'ff:ff:ff:ff:ff:ff', source: macA, etherType: ETHERTYPE, vlans: [{ id: 10, priority: 3 }], payload: Buffer.from('sockit demo: VLAN 10'), pad: true }),
        // Noise the kernel filter drops: another EtherType.
        buildEthernet({ destination: macB, source: macA, etherType: 0x88b6, payload: Buffer.from('filtered out'), pad: true }),
      ];
      const lines: string[] = [`host b: PacketSocket on ${b.interface} with a kernel BPF filter (ether proto 0x${ETHERTYPE.toString(16)} or vlan 10); host a: PacketSocket on ${a.interface}`];
      const got: ReceivedFrame[] = [];
      try {
        const it = capture[Symbol.asyncIterator]();
        for (const f of frames) await tx.send(f);
        const deadline = setTimeout(() => void capture.close(), 3000);
        while (got.length < 2) {
          const r = await it.next();
          if (r.done) break;
          got.push(r.value);
          writer.write(r.value.frame, { timestamp: r.value.info.timestamp, originalLength: r.value.info.length });
        }
        clearTimeout(deadline);
      } finally {
        await tx.close();
        await capture.close();
        await writer.close();
      }
      if (got.length < 2) throw new Error(`captured ${got.length} of 2 frames`);
      lines.push(`sent 3 frames, captured ${got.length} (the 0x88b6 frame was dropped in the kernel):`);
      for (const g of got) lines.push(`  ${frameLine(g.frame, g.info)}`);
      return { lines, facts: { captured: got.map((g) => ({ hex: g.frame.toString('hex'), vlan: g.info.vlan?.id ?? null, length: g.info.length })) } };
    },
  },
  {
    title: 'pcap written and read back',
    needs: ['topology', 'CAP_NET_RAW'],
    async run(ctx) {
      if (!fs.existsSync(ctx.pcapPath)) throw new Error('no capture from the previous step');
      const { header, records } = parsePcap(fs.readFileSync(ctx.pcapPath));
      const decoded = records.map((r) => decodeFrame(r.data).ethernet);
      return {
        lines: [
          `${ctx.pcapPath}: ${records.length} frames, link type ${header.linkType} (Ethernet), ${header.precision} timestamps`,
          `read back: ${decoded.map((e) => `0x${e.etherType.toString(16)}${e.vlans.length ? ` vlan ${e.vlans[0]?.id}` : ''}`).join(', ')}`,
          `open it with: tcpdump -e -nn -r ${ctx.pcapPath}   (or Wireshark)`,
        ],
        facts: { path: ctx.pcapPath, records: records.length },
      };
    },
  },
  {
    title: 'Loopback UDP (no capabilities needed)',
    needs: [],
    async run() {
      const rx = await UdpSocket.create({ address: '127.0.0.1', port: 0, receive: { packetInfo: true } });
      const tx = await UdpSocket.create({ address: '127.0.0.1', port: 0 });
      try {
        const port = rx.address().port;
        const got = nextMessage(rx, 2000);
        await tx.send('ping', port, '127.0.0.1');
        const m = await got;
        return {
          lines: [`127.0.0.1:${port} received "${m.data.toString()}" from ${m.info.address}:${m.info.port}, destination ${m.info.destination} on interface ${m.info.interfaceIndex}`],
          facts: { payload: m.data.toString() },
        };
      } finally {
        await rx.close();
        await tx.close();
      }
    },
  },
];

function missingFor(req: Requirement, ctx: DemoContext): string | undefined {
  if (req === 'topology') return ctx.topo ? undefined : 'two private network namespaces (CAP_SYS_ADMIN + CAP_NET_ADMIN)';
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
    topoError = 'not created: this process lacks CAP_SYS_ADMIN and CAP_NET_ADMIN';
  }
  if (topoError) ctx.topologyError = topoError;
  const results: StepResult[] = [];
  try {
    for (const [i, step] of STEPS.entries()) {
      const lack = step.needs.map((r) => missingFor(r, ctx)).filter((x): x is string => x !== undefined);
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
    io.out(`demo: ${ok} ok, ${skipped} skipped, ${failed} failed. Namespaces removed${fs.existsSync(context.pcapPath) ? `; the capture stays at ${context.pcapPath}` : ''}.`);
    if (context.topologyError) io.out(`Namespaces: ${context.topologyError}.`);
    if (skipped) io.out('Skipped steps need capabilities: run `npm run demo` as root, or on a machine with user namespaces enabled (it then maps you to root inside a user namespace).');
  }
  return failed ? EXIT.FAILURE : EXIT.OK;
}
