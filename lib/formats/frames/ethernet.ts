/**
 * Ethernet II frames with any number of 802.1Q / 802.1ad (Q-in-Q) tags.
 * Parsing is zero-copy: `payload` is a view into the input.
 * @module
 */
import { invalidArgType, invalidArgValue, validateBoolean, validateInteger } from '../../core/errors';
import { formatMac, MacInput, parseMac } from './mac';
import { FrameParseError, need } from './errors';
import { view } from './bytes';

/** Well-known EtherTypes. */
export const EtherType = {
  /** IPv4. */
  IPV4: 0x0800,
  /** ARP. */
  ARP: 0x0806,
  /** 802.1Q customer VLAN tag (C-tag). */
  VLAN: 0x8100,
  /** IPv6. */
  IPV6: 0x86dd,
  /** 802.1ad service VLAN tag (S-tag, the outer tag of Q-in-Q). */
  QINQ: 0x88a8,
  /** Pre-standard Q-in-Q outer tag. */
  QINQ_OLD: 0x9100,
  /** Link Layer Discovery Protocol. */
  LLDP: 0x88cc,
} as const;

/** The Ethernet minimum frame size without the FCS: shorter frames are padded to it. */
export const ETHERNET_MIN_FRAME = 60;
/** Destination + source + EtherType. */
export const ETHERNET_HEADER_LENGTH = 14;

/** One VLAN tag. */
export interface VlanTag {
  /** VLAN identifier, 0-4095. */
  id: number;
  /** Priority code point (PCP), 0-7. */
  priority: number;
  /** Drop eligible indicator (DEI). */
  dropEligible: boolean;
  /** Tag protocol identifier: 0x8100 (802.1Q), 0x88a8 (802.1ad) or 0x9100. */
  tpid: number;
}

/** A VLAN tag as callers may give it: only `id` is required; tpid defaults to 0x8100. */
export type VlanTagInput = {
  /** VLAN identifier, 0-4095. */
  id: number;
  /** Priority code point (PCP), 0-7. Default 0. */
  priority?: number;
  /** Drop eligible indicator (DEI). Default false. */
  dropEligible?: boolean;
  /** Tag protocol identifier: 0x8100 (default), 0x88a8 or 0x9100. */
  tpid?: number;
};

/** A parsed Ethernet frame. */
export interface EthernetFrame {
  /** Destination MAC address, `xx:xx:xx:xx:xx:xx`. */
  destination: string;
  /** Source MAC address, `xx:xx:xx:xx:xx:xx`. */
  source: string;
  /** Tags in wire order (outermost first); empty when untagged. */
  vlans: VlanTag[];
  /** EtherType of the payload (after the tags). Values <= 1500 are 802.3 length fields. */
  etherType: number;
  /** Bytes before the payload (14 + 4 per tag). */
  headerLength: number;
  /** The payload, a view into the input (including any Ethernet padding). */
  payload: Buffer;
}

/** What {@link buildEthernet} takes. */
export interface EthernetInput {
  /** Destination MAC address. */
  destination: MacInput;
  /** Source MAC address. */
  source: MacInput;
  /** EtherType of the payload, 0..0xffff (see {@link EtherType}). */
  etherType: number;
  /** Tags in wire order (outermost first). */
  vlans?: VlanTagInput[];
  /** Payload bytes. Default: empty. */
  payload?: Uint8Array;
  /** Pad with zeros to the 60-byte Ethernet minimum (default false). */
  pad?: boolean;
}

function isTpid(t: number): boolean {
  return t === EtherType.VLAN || t === EtherType.QINQ || t === EtherType.QINQ_OLD;
}

/** Decode a 16-bit TCI plus its TPID into a tag. */
export function decodeTci(tci: number, tpid: number = EtherType.VLAN): VlanTag {
  return { id: tci & 0x0fff, priority: tci >>> 13, dropEligible: (tci & 0x1000) !== 0, tpid };
}

/** Encode a tag's TCI (validated). */
export function encodeTci(tag: VlanTagInput, name = 'vlan'): number {
  if (tag === null || typeof tag !== 'object') throw invalidArgType(name, 'an object { id, priority?, dropEligible?, tpid? }', tag);
  const id = validateInteger(tag.id, `${name}.id`, 0, 4095);
  const pcp = tag.priority === undefined ? 0 : validateInteger(tag.priority, `${name}.priority`, 0, 7);
  const dei = tag.dropEligible === undefined ? false : validateBoolean(tag.dropEligible, `${name}.dropEligible`);
  return (pcp << 13) | (dei ? 0x1000 : 0) | id;
}

/** Parse an Ethernet II frame and its VLAN tags. Throws {@link FrameParseError} on truncation. */
export function parseEthernet(frame: Uint8Array): EthernetFrame {
  if (!(frame instanceof Uint8Array)) throw invalidArgType('frame', 'a Buffer or Uint8Array', frame);
  const b = view(frame);
  need(b, 0, ETHERNET_HEADER_LENGTH, 'ethernet', 'the Ethernet header');
  let off = 12;
  let type = b.readUInt16BE(off);
  const vlans: VlanTag[] = [];
  while (isTpid(type)) {
    if (vlans.length >= 8) throw new FrameParseError('ERR_FRAME_MALFORMED', 'ethernet', off, 'more than 8 VLAN tags');
    need(b, off, 6, 'ethernet', 'a VLAN tag');
    vlans.push(decodeTci(b.readUInt16BE(off + 2), type));
    off += 4;
    type = b.readUInt16BE(off);
  }
  return {
    destination: formatMac(b.subarray(0, 6)),
    source: formatMac(b.subarray(6, 12)),
    vlans,
    etherType: type,
    headerLength: off + 2,
    payload: b.subarray(off + 2),
  };
}

/** Build an Ethernet II frame (with tags, optionally padded to 60 bytes). */
export function buildEthernet(input: EthernetInput): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('frame', 'an object', input);
  const dst = parseMac(input.destination, 'destination');
  const src = parseMac(input.source, 'source');
  const etherType = validateInteger(input.etherType, 'etherType', 0, 0xffff);
  const vlans = input.vlans ?? [];
  if (!Array.isArray(vlans)) throw invalidArgType('vlans', 'an array', vlans);
  const payload = input.payload ?? Buffer.alloc(0);
  if (!(payload instanceof Uint8Array)) throw invalidArgType('payload', 'a Buffer or Uint8Array', payload);
  const header = ETHERNET_HEADER_LENGTH + 4 * vlans.length;
  const pad = input.pad === undefined ? false : validateBoolean(input.pad, 'pad');
  const total = Math.max(header + payload.length, pad ? ETHERNET_MIN_FRAME : 0);
  const out = Buffer.alloc(total);
  dst.copy(out, 0);
  src.copy(out, 6);
  let off = 12;
  vlans.forEach((tag, i) => {
    const tci = encodeTci(tag, `vlans[${i}]`);
    const tpid = tag.tpid === undefined ? EtherType.VLAN : validateInteger(tag.tpid, `vlans[${i}].tpid`, 0, 0xffff);
    if (!isTpid(tpid)) throw invalidArgValue(`vlans[${i}].tpid`, tpid, 'must be 0x8100, 0x88a8 or 0x9100');
    out.writeUInt16BE(tpid, off);
    out.writeUInt16BE(tci, off + 2);
    off += 4;
  });
  out.writeUInt16BE(etherType, off);
  out.set(payload, off + 2);
  return out;
}

/**
 * Insert a VLAN tag right after the MAC addresses (as the outermost tag).
 * Used to put back tags the kernel stripped on receive.
 */
export function insertVlanTag(frame: Uint8Array, tag: VlanTagInput): Buffer {
  if (!(frame instanceof Uint8Array)) throw invalidArgType('frame', 'a Buffer or Uint8Array', frame);
  if (frame.length < 12) throw new FrameParseError('ERR_FRAME_TRUNCATED', 'ethernet', 0, 'a frame needs 12 bytes of MAC addresses before a tag');
  const out = Buffer.allocUnsafe(frame.length + 4);
  out.set(frame.subarray(0, 12), 0);
  out.writeUInt16BE(tag.tpid ?? EtherType.VLAN, 12);
  out.writeUInt16BE(encodeTci(tag), 14);
  out.set(frame.subarray(12), 16);
  return out;
}
