/**
 * ARP for IPv4 over Ethernet (RFC 826).
 * @module
 */
import { invalidArgType, validateInteger } from '../../core/errors';
import { formatMac, MacInput, parseMac } from './mac';
import { FrameParseError, need } from './errors';
import { bytesToIp, ipToBytes, view } from './bytes';

/** ARP operation: 'request' (1), 'reply' (2), or another opcode number. */
export type ArpOperation = 'request' | 'reply' | number;

/** An ARP packet (Ethernet/IPv4). */
export interface ArpPacket {
  /** Opcode: 'request', 'reply' or the raw number. */
  operation: ArpOperation;
  /** Sender hardware address (SHA). */
  senderMac: string;
  /** Sender IPv4 address (SPA). */
  senderIp: string;
  /** Target hardware address (THA). */
  targetMac: string;
  /** Target IPv4 address (TPA). */
  targetIp: string;
}

/** What {@link buildArp} takes; targetMac defaults to 00:00:00:00:00:00 (requests). */
export interface ArpInput {
  /** 'request' (1), 'reply' (2) or an opcode number 0..65535. */
  operation: ArpOperation;
  /** Sender hardware address (SHA). */
  senderMac: MacInput;
  /** Sender IPv4 address (SPA). */
  senderIp: string;
  /** Target hardware address (THA). Default 00:00:00:00:00:00. */
  targetMac?: MacInput;
  /** Target IPv4 address (TPA). */
  targetIp: string;
}

/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_LENGTH = 28;

/** Parse an ARP packet (the payload of an 0x0806 frame). Only Ethernet/IPv4 is supported. */
export function parseArp(packet: Uint8Array): ArpPacket {
  if (!(packet instanceof Uint8Array)) throw invalidArgType('packet', 'a Buffer or Uint8Array', packet);
  const b = view(packet);
  need(b, 0, 8, 'arp', 'the ARP header');
  const htype = b.readUInt16BE(0);
  const ptype = b.readUInt16BE(2);
  const hlen = b[4] as number;
  const plen = b[5] as number;
  if (htype !== 1 || ptype !== 0x0800 || hlen !== 6 || plen !== 4) {
    throw new FrameParseError('ERR_FRAME_UNSUPPORTED', 'arp', 0, `only Ethernet/IPv4 ARP is supported (htype ${htype}, ptype 0x${ptype.toString(16)}, hlen ${hlen}, plen ${plen})`);
  }
  need(b, 0, ARP_LENGTH, 'arp', 'the ARP addresses');
  const op = b.readUInt16BE(6);
  return {
    operation: op === 1 ? 'request' : op === 2 ? 'reply' : op,
    senderMac: formatMac(b.subarray(8, 14)),
    senderIp: bytesToIp(b.subarray(14, 18)),
    targetMac: formatMac(b.subarray(18, 24)),
    targetIp: bytesToIp(b.subarray(24, 28)),
  };
}

/** Build an Ethernet/IPv4 ARP packet (28 bytes; wrap it with buildEthernet, EtherType 0x0806). */
export function buildArp(input: ArpInput): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('arp', 'an object', input);
  const op = input.operation === 'request' ? 1 : input.operation === 'reply' ? 2 : validateInteger(input.operation, 'operation', 0, 0xffff);
  const spa = ipToBytes(input.senderIp, 'senderIp');
  const tpa = ipToBytes(input.targetIp, 'targetIp');
  if (spa.length !== 4 || tpa.length !== 4) throw invalidArgType('senderIp/targetIp', 'IPv4 addresses', input.senderIp);
  const out = Buffer.alloc(ARP_LENGTH);
  out.writeUInt16BE(1, 0);
  out.writeUInt16BE(0x0800, 2);
  out[4] = 6;
  out[5] = 4;
  out.writeUInt16BE(op, 6);
  parseMac(input.senderMac, 'senderMac').copy(out, 8);
  spa.copy(out, 14);
  if (input.targetMac !== undefined) parseMac(input.targetMac, 'targetMac').copy(out, 18);
  tpa.copy(out, 24);
  return out;
}
