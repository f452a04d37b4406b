// Five DHCP clients and a dnsmasq server on one switch: each client (raw
// DISCOVER/REQUEST over a PacketSocket in its own namespace) gets its own lease.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PacketSocket, buildUdpFrame, decodeFrame } from '../helpers/sockit';
import { createTopology } from '../helpers/testing';
import type { Host, Topology } from '../helpers/testing';
import { describeWith } from '../helpers/env';

const CLIENTS = ['c1', 'c2', 'c3', 'c4', 'c5'];
const MAGIC = 0x63825363;

/** A BOOTREQUEST with the broadcast flag (so replies come to ff:ff:ff:ff:ff:ff) and the given options. */
function dhcpRequest(mac: string, xid: number, options: Array<[number, Buffer]>): Buffer {
  const fixed = Buffer.alloc(240);
  fixed[0] = 1; // BOOTREQUEST
  fixed[1] = 1; // Ethernet
  fixed[2] = 6;
  fixed.writeUInt32BE(xid, 4);
  fixed.writeUInt16BE(0x8000, 10);
  Buffer.from(mac.split(':').map((x) => parseInt(x, 16))).copy(fixed, 28);
  fixed.writeUInt32BE(MAGIC, 236);
  const opts = options.flatMap(([code, value]) => [Buffer.from([code, value.length]), value]);
  return Buffer.concat([fixed, ...opts, Buffer.from([255])]);
}

interface Reply {
  type: number;
  yiaddr: string;
  server: Buffer | undefined;
}
function parseReply(payload: Buffer, xid: number): Reply | undefined {
  if (payload.length < 241 || payload[0] !== 2 || payload.readUInt32BE(4) !== xid || payload.readUInt32BE(236) !== MAGIC) return undefined;
  let type = 0;
  let server: Buffer | undefined;
  for (let o = 240; o < payload.length && payload[o] !== 255; ) {
    const code = payload[o] as number;
    if (code === 0) {
      o++;
      continue;
    }
    const len = payload[o + 1] as number;
    const value = payload.subarray(o + 2, o + 2 + len);
    if (code === 53) type = value[0] as number;
    if (code === 54) server = Buffer.from(value);
    o += 2 + len;
  }
  return { type, yiaddr: [...payload.subarray(16, 20)].join('.'), server };
}

/** DISCOVER → OFFER → REQUEST → ACK from one client namespace; resolves with the leased address. */
async function lease(host: Host, xid: number): Promise<string> {
  const iface = host.interfaces[0]!;
  const sock = await PacketSocket.open({ netns: host.netns, interface: iface.name });
  const send = (options: Array<[number, Buffer]>): Promise<unknown> =>
    sock.send(buildUdpFrame({ sourceMac: iface.mac, destinationMac: 'ff:ff:ff:ff:ff:ff', source: '0.0.0.0', destination: '255.255.255.255', sourcePort: 68, destinationPort: 67, payload: dhcpRequest(iface.mac, xid, options) }));
  const next = (type: number, resend: () => Promise<unknown>): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const retry = setInterval(() => void resend(), 250); // dnsmasq may still be starting
      const give = setTimeout(() => done(new Error(`${host.name}: no DHCP message type ${type} within 5 s`)), 5000);
      const onFrame = (frame: Buffer): void => {
        const udp = decodeFrame(frame).udp;
        if (!udp || udp.destinationPort !== 68) return;
        const r = parseReply(Buffer.from(udp.payload), xid);
        if (r?.type === type) done(undefined, r);
      };
      const done = (err?: Error, r?: Reply): void => {
        clearInterval(retry);
        clearTimeout(give);
        sock.off('frame', onFrame);
        if (err) reject(err);
        else resolve(r as Reply);
      };
      sock.on('frame', onFrame);
      void resend();
    });
  try {
    const discover = (): Promise<unknown> => send([[53, Buffer.from([1])]]);
    const offer = await next(2, discover);
    const request = (): Promise<unknown> => send([[53, Buffer.from([3])], [50, Buffer.from(offer.yiaddr.split('.').map(Number))], [54, offer.server as Buffer]]);
    const ack = await next(5, request);
    expect(ack.yiaddr).toBe(offer.yiaddr);
    return ack.yiaddr;
  } finally {
    await sock.close();
  }
}

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'tool:dnsmasq'], 'createTopology: DHCP on a switch', () => {
  let topo: Topology;
  let dir: string;
  let server: ChildProcess;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sockit-dhcp-'));
    topo = createTopology({
      hosts: ['srv', ...CLIENTS],
      switches: ['lan'],
      // Clients start without addresses, as real DHCP clients do.
      links: [['srv', 'lan'], ...CLIENTS.map((c): [string, string, { addresses: false }] => [c, 'lan', { addresses: false }])],
    });
    const srv = topo.host('srv');
    server = srv.spawn('dnsmasq', [
      '--no-daemon', '--conf-file=/dev/null', '--port=0', '--bind-interfaces', `--interface=${srv.interface}`,
      '--dhcp-range=198.18.0.100,198.18.0.199,255.255.255.0,10m', '--dhcp-authoritative',
      // Without --no-ping dnsmasq pings each new address first and sits on the offer for seconds.
      '--no-ping',
      `--dhcp-leasefile=${join(dir, 'leases')}`, `--pid-file=${join(dir, 'pid')}`,
    ], { stdio: 'ignore' });
  });
  afterAll(async () => {
    await topo.destroy(); // also kills dnsmasq (started with host.spawn)
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each of five clients its own lease', async () => {
    expect(topo.host('c1').addresses).toEqual([]);
    await expect(topo.ping('srv', 'c1', { timeout: 100 })).rejects.toThrow('srv -> c1: c1 has no ipv4 or ipv6 address to probe');
    const got = await Promise.all(CLIENTS.map((c, i) => lease(topo.host(c), 0x5f000000 + i)));
    expect(new Set(got).size).toBe(5);
    for (const a of got) expect(a).toMatch(/^198\.18\.0\.(1[0-9][0-9])$/);
    // dnsmasq's own record: one lease per client MAC.
    const leases = readFileSync(join(dir, 'leases'), 'utf8').trim().split('\n');
    expect(leases.map((l) => l.split(' ')[1]).sort()).toEqual(CLIENTS.map((c) => topo.host(c).interfaces[0]!.mac).sort());
    expect(server.exitCode).toBe(null);
  });
});
