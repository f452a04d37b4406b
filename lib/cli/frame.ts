/**
 * `sockit frame send`: raw Ethernet frames on an interface — given as bytes,
 * or built from MACs, an EtherType, an optional VLAN tag and a payload.
 * @module
 */
import { parseMac } from '../core/address';
import { compile, none } from '../formats/bpf/builder';
import { buildEthernet, VlanTagInput } from '../formats/frames/ethernet';
import { getInterface } from '../system/interfaces';
import { PacketSocket } from '../sockets/packet';
import { CommandSpec, EXIT, UsageError } from './args';
import { MAX_FRAME, NETNS_FLAG, parseHex, positive, readBounded, networkCommand } from './common';
import type { Command } from './main';
import { Io, Progress, sleep } from './output';

const sendSpec: CommandSpec = {
  name: 'frame send',
  summary: 'Send raw Ethernet frames on an interface (AF_PACKET): bytes as given, or built from fields.',
  flags: {
    interface: { type: 'string', short: 'i', value: 'IF', description: 'interface to send on (required)' },
    hex: { type: 'string', value: 'HEX', description: 'the whole frame as hex (destination MAC first)' },
    file: { type: 'string', value: 'PATH', description: 'the whole frame from a file' },
    dst: { type: 'string', value: 'MAC', description: 'destination MAC (default ff:ff:ff:ff:ff:ff)' },
    src: { type: 'string', value: 'MAC', description: "source MAC (default: the interface's own)" },
    type: { type: 'string', value: 'ETHERTYPE', description: 'EtherType, e.g. 0x88b5 (local experimental)' },
    vlan: { type: 'number', value: 'ID', description: 'add an 802.1Q tag with this VLAN id (0-4095)' },
    priority: { type: 'number', value: 'PCP', description: 'VLAN priority 0-7 (with --vlan)', default: 0 },
    payload: { type: 'string', short: 'p', value: 'TEXT', description: 'payload text (UTF-8)' },
    'payload-hex': { type: 'string', value: 'HEX', description: 'payload bytes as hex' },
    count: { type: 'number', short: 'c', description: 'frames to send', default: 1 },
    rate: { type: 'number', value: 'PPS', description: 'at most this many frames per second (default: as fast as the socket takes them)' },
    json: { type: 'boolean', description: 'print a JSON summary' },
    ...NETNS_FLAG,
  },
  details:
    'Frames shorter than the Ethernet minimum are zero-padded to 60 bytes. The socket never\n' +
    'receives (a drop-all filter is attached), so it costs nothing to leave it open.\n' +
    'Long runs show frames, frames/s and bytes on a TTY, then a summary.',
  examples: [
    'sockit frame send -i veth0 --dst 02:00:00:00:00:02 --type 0x88b5 --payload hello',
    'sockit frame send -i veth0 --type 0x88b5 --vlan 10 --priority 5 --payload-hex "de ad be ef"',
    'sockit frame send -i veth0 --hex "ffffffffffff 020000000001 88b5 68656c6c6f"',
    'sockit frame send -i veth0 --type 0x88b5 --payload load --count 100000 --rate 50000',
  ],
  needs: 'CAP_NET_RAW',
};

function frameFrom(flags: Record<string, unknown>, io: Io, ifname: string): Buffer {
  const cmd = sendSpec.name;
  const whole = ['hex', 'file'].filter((k) => flags[k] !== undefined);
  const fields = ['dst', 'src', 'type', 'vlan', 'payload', 'payload-hex'].filter((k) => flags[k] !== undefined);
  if (whole.length > 1) throw new UsageError('give only one of --hex and --file', cmd);
  if (whole.length && fields.length) throw new UsageError(`--${whole[0]} gives the whole frame; it cannot be combined with --${fields[0]}`, cmd);
  if (flags.hex !== undefined) {
    const b = parseHex(String(flags.hex), cmd);
    if (b.length < 14) throw new UsageError(`--hex is ${b.length} bytes; an Ethernet frame has at least 14 (dst, src, type)`, cmd);
    return b;
  }
  if (flags.file !== undefined) {
    const b = readBounded(String(flags.file), MAX_FRAME, 'an Ethernet frame', cmd);
    if (b.length < 14) throw new UsageError(`--file holds ${b.length} bytes; an Ethernet frame has at least 14`, cmd);
    return b;
  }
  if (flags.type === undefined) throw new UsageError('give the frame as --hex/--file, or build it with --type ETHERTYPE (and --dst, --src, --vlan, --payload)', cmd);
  const typeStr = String(flags.type);
  const etherType = /^0x[0-9a-f]{1,4}$/i.test(typeStr) ? parseInt(typeStr, 16) : /^\d+$/.test(typeStr) ? Number(typeStr) : NaN;
  if (!(etherType >= 0 && etherType <= 0xffff)) throw new UsageError(`--type must be an EtherType like 0x88b5, got "${typeStr}"`, cmd);
  if (etherType < 0x600) io.err(`frame send: EtherType 0x${etherType.toString(16)} is below 0x0600, so receivers read it as an 802.3 length`);
  const mac = (flag: string, v: unknown): Buffer => {
    try {
      return parseMac(String(v), flag);
    } catch {
      throw new UsageError(`--${flag} must be a MAC address like 02:00:00:00:00:01, got "${String(v)}"`, cmd);
    }
  };
  const destination = flags.dst !== undefined ? mac('dst', flags.dst) : Buffer.from('ffffffffffff', 'hex');
  let source: Buffer;
  if (flags.src !== undefined) source = mac('src', flags.src);
  else {
    const m = getInterface(ifname).mac;
    if (!m) throw new UsageError(`${ifname} has no MAC address; give --src`, cmd);
    source = mac('src', m);
  }
  if (flags.payload !== undefined && flags['payload-hex'] !== undefined) throw new UsageError('give only one of --payload and --payload-hex', cmd);
  const payload = flags['payload-hex'] !== undefined ? parseHex(String(flags['payload-hex']), cmd, '--payload-hex') : Buffer.from(String(flags.payload ?? ''), 'utf8');
  const vlans: VlanTagInput[] = [];
  if (flags.vlan !== undefined) {
    const id = flags.vlan as number;
    const pcp = flags.priority as number;
    if (!Number.isInteger(id) || id < 0 || id > 4095) throw new UsageError('--vlan must be 0..4095', cmd);
    if (!Number.isInteger(pcp) || pcp < 0 || pcp > 7) throw new UsageError('--priority must be 0..7', cmd);
    vlans.push({ id, priority: pcp });
  }
  return buildEthernet({ destination, source, etherType, vlans, payload, pad: true });
}

export const send: Command = networkCommand(sendSpec, async (flags, _positionals, io) => {
  if (flags.interface === undefined) throw new UsageError('--interface is required: frames go out of exactly one interface (see `sockit interfaces`)', sendSpec.name);
  const ifname = String(flags.interface);
  const count = positive(flags, 'count', sendSpec.name) ?? 1;
  const rate = positive(flags, 'rate', sendSpec.name);
  const frame = frameFrom(flags, io, ifname);
  const sock = await PacketSocket.open({ interface: ifname, filter: compile(none()) });
  const progress = new Progress(io, 'frames');
  try {
    if (rate) {
      const start = Date.now();
      for (let n = 0; n < count && !io.signal.aborted; n++) {
        const wait = start + (n * 1000) / rate - Date.now();
        if (wait > 1 && !(await sleep(wait, io.signal))) break;
        await sock.send(frame);
        progress.tick(frame.length);
      }
    } else {
      const chunk = 256;
      for (let n = 0; n < count && !io.signal.aborted; ) {
        const k = Math.min(chunk, count - n);
        const sent = k === 1 ? (await sock.send(frame), 1) : await sock.sendBatch(new Array<Buffer>(k).fill(frame));
        for (let j = 0; j < sent; j++) progress.tick(frame.length);
        n += sent;
      }
    }
  } finally {
    progress.done();
    await sock.close();
  }
  const sent = progress.count;
  if (flags.json) io.out(JSON.stringify({ sent, bytes: progress.bytes, frameLength: frame.length, interface: ifname, seconds: progress.elapsed, frameHex: frame.toString('hex') }));
  else io.out(`sent ${sent} frame${sent === 1 ? '' : 's'} of ${frame.length} bytes${frame.length < 60 ? ' (zero-padded to 60)' : ''} on ${ifname}${sent > 1 ? ` in ${progress.elapsed.toFixed(2)} s (${progress.rate.toFixed(0)} frames/s)` : ''}`);
  return io.signal.aborted && sent < count ? EXIT.INTERRUPTED : EXIT.OK;
});

/** There is no `frame recv`: `sockit sniff` receives frames. */
export const recv: Command = {
  spec: { name: 'frame recv', summary: 'Use `sockit sniff` to receive frames.', flags: {}, examples: ['sockit sniff --interface veth0'] },
  async run(_argv: string[], io: Io): Promise<number> {
    io.err("sockit: there is no 'frame recv'; use 'sockit sniff --interface IF' to receive frames");
    return EXIT.USAGE;
  },
};
