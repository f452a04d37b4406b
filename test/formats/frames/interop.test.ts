// Issue 13, "Must show": frames built with sockit's codecs against real
// software in a two-host topology: the kernel answers an IPv6 ping built with
// the ND/ICMPv6 codecs, dnsmasq ACKs a DHCP client built with the DHCP codec,
// and lldpd sees our LLDP frame while its own frames decode to its chassis id.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  LLDP_MULTICAST_MAC,
  PacketSocket,
  bpf,
  buildDhcp,
  buildEthernet,
  buildIcmpEchoFrame,
  buildIcmpv6Frame,
  buildLldp,
  buildNeighborSolicitation,
  buildUdpFrame,
  decodeFrame,
  multicastMacFor,
  solicitedNodeMulticast,
} from '../../helpers/sockit';
import type { DecodedFrame, FrameInfo } from '../../helpers/sockit';
import { createTopology } from '../../helpers/testing';
import type { Topology } from '../../helpers/testing';
import { describeWith } from '../../helpers/env';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolve with the first received frame `pick` accepts (decoded), resending `send` every 300 ms; reject after `ms`. */
async function exchange(sock: PacketSocket, send: () => Promise<unknown>, pick: (d: DecodedFrame, info: FrameInfo) => boolean, ms = 8000): Promise<{ d: DecodedFrame; info: FrameInfo }> {
  return new Promise((resolve, reject) => {
    let done = false;
    const onFrame = (f: Buffer, info: FrameInfo): void => {
      let d: DecodedFrame;
      try {
        d = decodeFrame(f, (info as { checksum?: 'valid' | 'partial' | 'unknown' }).checksum ? { checksum: (info as { checksum?: 'valid' | 'partial' | 'unknown' }).checksum } : {});
      } catch {
        return;
      }
      if (!done && pick(d, info)) {
        done = true;
        cleanup();
        resolve({ d, info });
      }
    };
    const timer = setInterval(() => void send().catch(() => undefined), 300);
    const deadline = setTimeout(() => {
      cleanup();
      reject(new Error('no answer'));
    }, ms);
    const cleanup = (): void => {
      clearInterval(timer);
      clearTimeout(deadline);
      sock.off('frame', onFrame);
    };
    sock.on('frame', onFrame);
    void send().catch(() => undefined);
  });
}

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_NET_RAW'], 'codecs against the kernel: IPv6 ping via neighbour discovery', () => {
  let topo: Topology;
  beforeAll(() => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
  });
  afterAll(() => topo?.destroy());

  it('NS → the kernel NA gives the MAC; an ICMPv6 echo request gets the kernel echo reply', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const macA = a.interfaces[0]?.mac as string;
    const sock = await PacketSocket.open({ interface: 'veth0', netns: a.netns, filter: bpf.compile('icmp6') });
    try {
      const group = solicitedNodeMulticast(b.address6);
      const ip = { source: a.address6, destination: group };
      const ns = buildIcmpv6Frame({ sourceMac: macA, destinationMac: multicastMacFor(group), ...ip, message: buildNeighborSolicitation({ target: b.address6, sourceMac: macA }, ip) });
      const na = await exchange(sock, () => sock.send(ns), (d) => d.icmpv6?.kind === 'neighbor-advertisement' && d.icmpv6.nd?.target === b.address6);
      const macB = na.d.icmpv6?.nd?.options.find((o) => o.type === 2)?.mac ?? na.d.ethernet.source;
      expect(macB).toBe(b.interfaces[0]?.mac);
      expect(na.d.icmpv6?.nd).toMatchObject({ solicited: true, router: false });
      expect(na.d.icmpv6?.checksumValid).toBe(true);
      const ping = buildIcmpEchoFrame({ sourceMac: macA, destinationMac: macB, source: a.address6, destination: b.address6, kind: 'request', identifier: 0x5f5f, sequence: 7, payload: Buffer.from('sockit ping') });
      const reply = await exchange(sock, () => sock.send(ping), (d) => d.icmpv6?.kind === 'echo-reply' && d.icmpv6.identifier === 0x5f5f);
      expect(reply.d.icmpv6).toMatchObject({ sequence: 7, checksumValid: true });
      expect(reply.d.icmpv6?.payload.toString()).toBe('sockit ping');
      expect(reply.d.ipv6).toMatchObject({ source: b.address6, destination: a.address6 });
    } finally {
      await sock.close();
    }
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'tool:dnsmasq'], 'codecs against dnsmasq: a DHCP client over raw frames', () => {
  let topo: Topology;
  let dir: string;
  let server: ChildProcess | undefined;
  let log = '';
  beforeAll(async () => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
    dir = mkdtempSync(join(tmpdir(), 'sockit-dnsmasq-'));
    const b = topo.host('b');
    server = b.spawn('dnsmasq', ['--no-daemon', '--conf-file=/dev/null', '--port=0', '--interface=veth0', '--bind-interfaces', '--user=root', '--log-dhcp', '--log-facility=-',
      `--dhcp-range=198.18.0.50,198.18.0.60,255.255.255.0,1h`, `--dhcp-leasefile=${join(dir, 'leases')}`, `--pid-file=${join(dir, 'pid')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (c: Buffer) => (log += c.toString()));
    server.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    for (let i = 0; i < 100 && !/DHCP, IP range/.test(log); i++) await sleep(50);
  });
  afterAll(() => {
    if (server?.pid && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
    topo?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('DISCOVER → OFFER → REQUEST → ACK, built and decoded with the DHCP codec', async () => {
    expect(log).toMatch(/DHCP, IP range 198\.18\.0\.50/);
    const a = topo.host('a');
    const macA = a.interfaces[0]?.mac as string;
    const sock = await PacketSocket.open({ interface: 'veth0', netns: a.netns, filter: bpf.compile('udp dst port 68') });
    const xid = 0x5f00d00d;
    const frame = (payload: Buffer): Buffer => buildUdpFrame({ sourceMac: macA, destinationMac: 'ff:ff:ff:ff:ff:ff', source: '0.0.0.0', destination: '255.255.255.255', sourcePort: 68, destinationPort: 67, payload });
    try {
      const discover = frame(buildDhcp({ messageType: 'discover', xid, clientMac: macA, hostname: 'sockit-client' }));
      const offer = await exchange(sock, () => sock.send(discover), (d) => d.dhcp?.xid === xid && d.dhcp.messageType === 'offer');
      const o = offer.d.dhcp;
      expect(o).toMatchObject({ op: 2, clientMac: macA, serverIdentifier: '198.18.0.2', subnetMask: '255.255.255.0' });
      expect(o?.yourAddress).toMatch(/^198\.18\.0\.(5\d|60)$/);
      if ((offer.info as { checksum?: string }).checksum) expect(offer.d.udp?.checksumValid).toBe(true);
      const request = frame(buildDhcp({ messageType: 'request', xid, clientMac: macA, requestedAddress: o?.yourAddress as string, serverIdentifier: o?.serverIdentifier as string }));
      const ack = await exchange(sock, () => sock.send(request), (d) => d.dhcp?.xid === xid && (d.dhcp.messageType === 'ack' || d.dhcp.messageType === 'nak'));
      expect(ack.d.dhcp).toMatchObject({ messageType: 'ack', yourAddress: o?.yourAddress, leaseTime: 3600, serverIdentifier: '198.18.0.2' });
      expect(log).toMatch(new RegExp(`DHCPACK\\(veth0\\) ${(o?.yourAddress as string).replace(/\./g, '\\.')} ${macA}`));
    } finally {
      await sock.close();
    }
  });
});

describeWith(['netns', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'tool:lldpd', 'tool:lldpcli'], 'codecs against lldpd', () => {
  let topo: Topology;
  let dir: string;
  let daemon: ChildProcess | undefined;
  let ctl: string;
  let lldpLog = '';
  beforeAll(async () => {
    topo = createTopology({ hosts: ['a', 'b'], links: [['a', 'b']] });
    dir = mkdtempSync(join(tmpdir(), 'sockit-lldpd-'));
    chmodSync(dir, 0o755); // lldpd's privilege-separated half (user _lldpd) opens the control socket too
    ctl = join(dir, 'lldpd.socket');
    daemon = topo.host('b').spawn('lldpd', ['-d', '-I', 'veth0', '-u', ctl], { stdio: ['ignore', 'ignore', 'pipe'] });
    daemon.stderr?.on('data', (c: Buffer) => (lldpLog += c.toString()));
    for (let i = 0; i < 100; i++) {
      try {
        topo.host('b').exec('lldpcli', ['-u', ctl, 'show', 'chassis']);
        break;
      } catch {
        await sleep(50);
      }
    }
  });
  afterAll(() => {
    if (daemon?.pid && daemon.exitCode === null) process.kill(daemon.pid, 'SIGTERM');
    topo?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('our LLDP frame appears in lldpcli show neighbors; lldpd frames decode to the chassis id lldpcli prints', async () => {
    const a = topo.host('a');
    const b = topo.host('b');
    const macA = a.interfaces[0]?.mac as string;
    const sock = await PacketSocket.open({ interface: 'veth0', netns: a.netns, filter: bpf.compile('ether proto 0x88cc') });
    try {
      const lldp = buildEthernet({ destination: LLDP_MULTICAST_MAC, source: macA, etherType: 0x88cc, pad: true, payload: buildLldp({ chassisId: { mac: macA }, portId: { name: 'veth0' }, ttl: 120, systemName: 'sockit-host-a', systemDescription: 'built by sockit', capabilities: { system: ['router'], enabled: ['router'] }, managementAddresses: [{ address: a.address, interfaceNumber: 2 }] }) });
      // lldpd transmits every 30 s; `lldpcli update` makes it send now.
      const theirs = await exchange(
        sock,
        async () => {
          await sock.send(lldp);
          b.exec('lldpcli', ['-u', ctl, 'update']);
        },
        (d) => d.lldp !== undefined && d.ethernet.source !== macA,
        15000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; lldpd said:\n${lldpLog}`);
      });
      let neighbors = '';
      for (let i = 0; i < 50 && !neighbors.includes('sockit-host-a'); i++) {
        neighbors = b.exec('lldpcli', ['-u', ctl, 'show', 'neighbors', '-f', 'json']);
        if (!neighbors.includes('sockit-host-a')) await sleep(100);
      }
      const n = JSON.parse(neighbors) as { lldp: { interface: Record<string, { chassis: Record<string, { id: { type: string; value: string }; descr: string; 'mgmt-ip': string }>; port: { id: { value: string } } }> } };
      const entry = n.lldp.interface.veth0;
      expect(entry?.chassis['sockit-host-a']).toMatchObject({ id: { type: 'mac', value: macA }, descr: 'built by sockit', 'mgmt-ip': a.address });
      expect(entry?.port.id.value).toBe('veth0');
      const chassis = JSON.parse(b.exec('lldpcli', ['-u', ctl, 'show', 'chassis', '-f', 'json'])) as { 'local-chassis': { chassis: Record<string, { id: { type: string; value: string } }> } };
      const local = Object.values(chassis['local-chassis'].chassis)[0];
      expect(theirs.d.lldp?.chassisId).toEqual({ subtype: 4, id: local?.id.value });
      expect(theirs.d.lldp?.systemName).toBe(Object.keys(chassis['local-chassis'].chassis)[0]);
      expect(theirs.d.lldp?.portId.id).toBe(b.interfaces[0]?.mac);
    } finally {
      await sock.close();
    }
  });
});
