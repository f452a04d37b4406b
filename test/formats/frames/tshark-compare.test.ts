// Issue 13, "Must show": a mixed capture (the 50-frame corpus: every codec)
// where decodeFrame agrees with `tshark -T json` field by field, and neither
// tshark nor sockit calls any frame malformed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { PcapWriter, decodeFrame } from '../../helpers/sockit';
import { describeWith } from '../../helpers/env';
import { richCorpus } from '../corpus';

type Fields = Record<string, string[]>;

/** Every "field: value" of tshark's JSON tree, values in tree order (an ICMP error's quoted header comes second). */
function flatten(o: unknown, out: Fields = {}): Fields {
  if (o === null || typeof o !== 'object') return out;
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    if (Array.isArray(v)) {
      if (v.length && typeof v[0] === 'object') v.forEach((x) => flatten(x, out));
      else (out[k] ??= []).push(...v.map(String));
    } else if (v !== null && typeof v === 'object') flatten(v, out);
    else (out[k] ??= []).push(String(v));
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'sockit-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeWith(['tool:tshark'], 'decodeFrame agrees with tshark -T json over a mixed capture', () => {
  it('every field compared agrees, for >= 30 kinds of frames, none malformed', async () => {
    const corpus = richCorpus();
    const path = join(dir, 'mixed.pcap');
    const w = await PcapWriter.create(path);
    for (const c of corpus) w.write(c.frame);
    await w.close();
    const json = execFileSync('tshark', ['-r', path, '-T', 'json', '--no-duplicate-keys', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
    const packets = JSON.parse(json) as Array<{ _source: { layers: unknown } }>;
    expect(packets).toHaveLength(corpus.length);
    const problems: string[] = [];
    let compared = 0;
    const kinds = new Set<string>();
    corpus.forEach(({ name, frame }, i) => {
      const m = flatten(packets[i]?._source.layers);
      const d = decodeFrame(frame);
      const check = (field: string, ours: unknown, at = 0): void => {
        compared++;
        const theirs = m[field]?.[at];
        const norm = (v: unknown): string => (typeof v === 'number' ? String(v) : String(v).toLowerCase());
        const t = theirs !== undefined && /^0x[0-9a-f]+$/i.test(theirs) && typeof ours === 'number' ? String(parseInt(theirs, 16)) : theirs;
        if (t === undefined || norm(t) !== norm(ours)) problems.push(`${name}: ${field}[${at}] tshark=${theirs} sockit=${String(ours)}`);
      };
      if (m['_ws.malformed']) problems.push(`${name}: tshark says malformed`);
      check('eth.src', d.ethernet.source);
      check('eth.dst', d.ethernet.destination);
      const tags = [...(m['ieee8021ad.id'] ?? []), ...(m['vlan.id'] ?? [])].map(Number);
      if (JSON.stringify(tags) !== JSON.stringify(d.ethernet.vlans.map((v) => v.id))) problems.push(`${name}: vlan ids tshark=${tags} sockit=${d.ethernet.vlans.map((v) => v.id)}`);
      const layers: string[] = [];
      if (d.ipv4) {
        layers.push('ipv4');
        check('ip.src', d.ipv4.source);
        check('ip.dst', d.ipv4.destination);
        check('ip.ttl', d.ipv4.ttl);
        check('ip.proto', d.ipv4.protocol);
        check('ip.checksum.status', d.ipv4.checksumValid ? 1 : 0);
      }
      if (d.ipv6) {
        layers.push('ipv6');
        check('ipv6.src', d.ipv6.source);
        check('ipv6.dst', d.ipv6.destination);
        check('ipv6.hlim', d.ipv6.hopLimit);
        check('ipv6.nxt', d.ipv6.nextHeader);
        for (const e of d.ipv6Extensions ?? []) layers.push(`ext${e.type}`);
      }
      const fragmented = (d.ipv6Extensions ?? []).some((e) => e.type === 44);
      if (d.udp && !(fragmented && !m['udp.srcport'])) {
        layers.push('udp');
        check('udp.srcport', d.udp.sourcePort);
        check('udp.dstport', d.udp.destinationPort);
        check('udp.length', d.udp.length);
        if (m['udp.checksum.status'] && d.udp.checksumStatus !== 'none') check('udp.checksum.status', d.udp.checksumStatus === 'good' ? 1 : 0);
      }
      if (d.tcp) {
        layers.push('tcp');
        check('tcp.srcport', d.tcp.sourcePort);
        check('tcp.dstport', d.tcp.destinationPort);
        check('tcp.seq_raw', d.tcp.sequence);
        check('tcp.ack_raw', d.tcp.acknowledgment);
        check('tcp.flags', d.tcp.flagBits);
        check('tcp.window_size_value', d.tcp.window);
        check('tcp.checksum.status', d.tcp.checksumStatus === 'good' ? 1 : 0);
        for (const o of d.tcp.options) {
          if (o.mss !== undefined) check('tcp.options.mss_val', o.mss);
          if (o.windowScale !== undefined) check('tcp.options.wscale.shift', o.windowScale);
          if (o.tsval !== undefined) check('tcp.options.timestamp.tsval', o.tsval);
        }
      }
      if (d.icmp) {
        layers.push(`icmp-${d.icmp.kind}`);
        check('icmp.type', d.icmp.type);
        check('icmp.code', d.icmp.code);
        check('icmp.checksum.status', d.icmp.checksumValid ? 1 : 0);
        if (d.icmp.kind.startsWith('echo')) {
          check('icmp.ident', d.icmp.identifier);
          check('icmp.seq', d.icmp.sequence);
        }
        if (d.icmp.original) {
          check('ip.dst', d.icmp.original.destination, 1);
          check('ip.proto', d.icmp.original.protocol, 1);
          if (d.icmp.original.destinationPort !== undefined) check('udp.dstport', d.icmp.original.destinationPort);
        }
      }
      if (d.icmpv6 && !(fragmented && !m['icmpv6.type'])) {
        const x = d.icmpv6;
        layers.push(`icmp6-${x.kind}`);
        check('icmpv6.type', x.type);
        check('icmpv6.code', x.code);
        check('icmpv6.checksum.status', x.checksumValid ? 1 : 0);
        if (x.kind.startsWith('echo')) {
          check('icmpv6.echo.identifier', x.identifier);
          check('icmpv6.echo.sequence_number', x.sequence);
        }
        if (x.kind === 'neighbor-solicitation') check('icmpv6.nd.ns.target_address', x.nd?.target);
        if (x.kind === 'neighbor-advertisement') check('icmpv6.nd.na.target_address', x.nd?.target);
        if (x.kind === 'router-advertisement') {
          check('icmpv6.nd.ra.cur_hop_limit', x.nd?.hopLimit);
          check('icmpv6.nd.ra.router_lifetime', x.nd?.routerLifetime);
          check('icmpv6.opt.prefix', x.nd?.options.find((o) => o.prefix)?.prefix?.prefix);
          check('icmpv6.opt.mtu', x.nd?.options.find((o) => o.mtu)?.mtu);
        }
        for (const o of x.nd?.options ?? []) if (o.mac) check('icmpv6.opt.linkaddr', o.mac);
        if (x.kind === 'mldv2-report') {
          check('icmpv6.mldr.nb_mcast_records', x.mldRecords?.length);
          check('icmpv6.mldr.mar.multicast_address', x.mldRecords?.[0]?.group);
        }
        if (x.original) check('ipv6.dst', x.original.destination, 1);
      }
      if (d.arp) {
        layers.push(`arp-${d.arp.operation}`);
        check('arp.opcode', d.arp.operation === 'request' ? 1 : d.arp.operation === 'reply' ? 2 : d.arp.operation);
        check('arp.src.proto_ipv4', d.arp.senderIp);
        check('arp.dst.proto_ipv4', d.arp.targetIp);
      }
      if (d.dhcp) {
        layers.push('dhcp');
        check('dhcp.id', d.dhcp.xid);
        check('dhcp.hw.mac_addr', d.dhcp.clientMac);
        check('dhcp.option.dhcp', d.dhcp.messageType === 'discover' ? 1 : -1);
      }
      if (d.lldp) {
        layers.push('lldp');
        check('lldp.chassis.id.mac', d.lldp.chassisId.id);
        check('lldp.port.id', d.lldp.portId.id);
        check('lldp.time_to_live', d.lldp.ttl);
        check('lldp.tlv.system.name', d.lldp.systemName);
      }
      kinds.add([d.ethernet.vlans.length ? `vlan${d.ethernet.vlans.length}` : '', d.ethernet.etherType.toString(16), ...layers].join('/'));
    });
    expect(problems).toEqual([]);
    expect(kinds.size).toBeGreaterThanOrEqual(30);
    expect(compared).toBeGreaterThan(400);
  });
});
