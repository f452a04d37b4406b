/**
 * LLDP (IEEE 802.1AB) frames: the TLVs of an LLDPDU, parsed and built.
 * @module
 */
import { invalidArgType, invalidArgValue, validateInteger } from '../../core/errors';
import { bytesToIp, ipToBytes, view } from './bytes';
import { FrameParseError, need } from './errors';
import { formatMac, macBytes, MacInput } from './mac';

/** The nearest-bridge group address LLDP is sent to. */
export const LLDP_MULTICAST_MAC = '01:80:c2:00:00:0e';
/** The LLDP EtherType. */
export const ETHERTYPE_LLDP = 0x88cc;

/** One TLV as on the wire. */
export interface LldpTlv {
  /** TLV type (0 end, 1 chassis id, 2 port id, 3 TTL, 4 port description, 5 system name, 6 system description, 7 capabilities, 8 management address, 127 organizational). */
  type: number;
  /** Its value bytes. */
  value: Buffer;
}

/** A chassis or port id: its subtype and its value (a MAC for subtype "MAC address", text for names, else hex). */
export interface LldpId {
  /** Subtype (chassis: 4 MAC, 5 network address, 7 local; port: 3 MAC, 5 interface name, 7 local). */
  subtype: number;
  /** The id as text. */
  id: string;
}

/** Capability names, by bit (IEEE 802.1AB table 8-4). */
export const LLDP_CAPABILITIES = ['other', 'repeater', 'bridge', 'wlan-access-point', 'router', 'telephone', 'docsis', 'station', 'cvlan', 'svlan', 'tpmr'] as const;

/** System capabilities by name ({@link LLDP_CAPABILITIES}). */
export interface LldpCapabilities {
  /** What the system can do. */
  system: string[];
  /** What is enabled. */
  enabled: string[];
}

/** A management address TLV. */
export interface LldpManagementAddress {
  /** IPv4/IPv6 address (hex for other families). */
  address: string;
  /** Interface numbering subtype (2 = ifIndex). */
  interfaceSubtype: number;
  /** Interface number. */
  interfaceNumber: number;
}

/** A chassis or port id given as a MAC. */
export interface LldpMacId {
  /** The MAC. */
  mac: MacInput;
}
/** A chassis id given as a locally assigned name. */
export interface LldpLocalId {
  /** The name. */
  local: string;
}
/** A port id given as an interface name. */
export interface LldpNameId {
  /** The interface name. */
  name: string;
}

/** A management address to advertise. */
export interface LldpManagementAddressInput {
  /** IPv4 or IPv6 address. */
  address: string;
  /** ifIndex (default 0). */
  interfaceNumber?: number;
}

/** A parsed LLDPDU. */
export interface LldpPdu {
  /** Chassis id TLV. */
  chassisId: LldpId;
  /** Port id TLV. */
  portId: LldpId;
  /** Time to live, seconds. */
  ttl: number;
  /** Port description. */
  portDescription?: string;
  /** System name. */
  systemName?: string;
  /** System description. */
  systemDescription?: string;
  /** System capabilities: what it can do and what is enabled. */
  capabilities?: LldpCapabilities;
  /** Management addresses. */
  managementAddresses: LldpManagementAddress[];
  /** Every TLV, in order (the end TLV excluded). */
  tlvs: LldpTlv[];
}

function idOf(v: Buffer, mac: number, text: number[]): LldpId {
  const subtype = v[0] as number;
  const rest = v.subarray(1);
  const id = subtype === mac && rest.length === 6 ? formatMac(rest) : text.includes(subtype) ? rest.toString('utf8') : subtype === 5 && rest.length >= 5 && (rest[0] === 1 || rest[0] === 2) ? bytesToIp(rest.subarray(1)) : rest.toString('hex');
  return { subtype, id };
}

const caps = (bits: number): string[] => LLDP_CAPABILITIES.filter((_, i) => bits & (1 << i));

/** Parse an LLDPDU (the payload of an EtherType 0x88cc frame). */
export function parseLldp(pdu: Uint8Array): LldpPdu {
  if (!(pdu instanceof Uint8Array)) throw invalidArgType('pdu', 'a Buffer or Uint8Array', pdu);
  const b = view(pdu);
  const tlvs: LldpTlv[] = [];
  let o = 0;
  for (;;) {
    if (o + 2 > b.length) break; // end TLV missing: tolerated (padding may be absent too)
    const h = b.readUInt16BE(o);
    const type = h >> 9;
    const len = h & 0x1ff;
    need(b, o + 2, len, 'lldp', `TLV ${type} (${len} bytes)`);
    if (type === 0) break;
    tlvs.push({ type, value: b.subarray(o + 2, o + 2 + len) });
    o += 2 + len;
  }
  const first = (t: number): Buffer | undefined => tlvs.find((x) => x.type === t)?.value;
  const mandatory = (t: number, name: string, min: number): Buffer => {
    const v = first(t);
    if (!v) throw new FrameParseError('ERR_FRAME_MALFORMED', 'lldp', 0, `no ${name} TLV`);
    if (v.length < min) throw new FrameParseError('ERR_FRAME_BAD_LENGTH', 'lldp', 0, `${name} TLV is ${v.length} bytes`);
    return v;
  };
  const out: LldpPdu = {
    chassisId: idOf(mandatory(1, 'chassis id', 2), 4, [1, 2, 6, 7]),
    portId: idOf(mandatory(2, 'port id', 2), 3, [1, 2, 5, 7]),
    ttl: mandatory(3, 'TTL', 2).readUInt16BE(0),
    managementAddresses: [],
    tlvs,
  };
  const text = (t: number): string | undefined => first(t)?.toString('utf8');
  const pd = text(4);
  if (pd !== undefined) out.portDescription = pd;
  const sn = text(5);
  if (sn !== undefined) out.systemName = sn;
  const sd = text(6);
  if (sd !== undefined) out.systemDescription = sd;
  const c = first(7);
  if (c && c.length >= 4) out.capabilities = { system: caps(c.readUInt16BE(0)), enabled: caps(c.readUInt16BE(2)) };
  for (const t of tlvs.filter((x) => x.type === 8)) {
    const v = t.value;
    const alen = v[0] as number;
    if (v.length < 1 + alen + 5 || alen < 1) throw new FrameParseError('ERR_FRAME_BAD_LENGTH', 'lldp', 0, 'management address TLV is too short');
    const fam = v[1] as number;
    const a = v.subarray(2, 1 + alen);
    out.managementAddresses.push({
      address: (fam === 1 && a.length === 4) || (fam === 2 && a.length === 16) ? bytesToIp(a) : a.toString('hex'),
      interfaceSubtype: v[1 + alen] as number,
      interfaceNumber: v.readUInt32BE(2 + alen),
    });
  }
  return out;
}

/** What {@link buildLldp} takes. */
export interface LldpInput {
  /** Chassis id: a MAC (subtype 4) or a name (subtype 7, locally assigned). */
  chassisId: LldpMacId | LldpLocalId;
  /** Port id: an interface name (subtype 5) or a MAC (subtype 3). */
  portId: LldpNameId | LldpMacId;
  /** TTL in seconds (default 120). */
  ttl?: number;
  /** Port description. */
  portDescription?: string;
  /** System name. */
  systemName?: string;
  /** System description. */
  systemDescription?: string;
  /** Capabilities (names of {@link LLDP_CAPABILITIES}). */
  capabilities?: LldpCapabilities;
  /** Management addresses (IPv4 or IPv6), interface numbered by ifIndex. */
  managementAddresses?: LldpManagementAddressInput[];
}

/** Build an LLDPDU (send it in an EtherType 0x88cc frame to {@link LLDP_MULTICAST_MAC}). */
export function buildLldp(input: LldpInput): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('lldp', 'an object', input);
  const tlv = (type: number, value: Buffer): Buffer => {
    if (value.length > 511) throw invalidArgValue(`TLV ${type}`, value.length, 'is longer than 511 bytes');
    const h = Buffer.alloc(2);
    h.writeUInt16BE((type << 9) | value.length);
    return Buffer.concat([h, value]);
  };
  const parts: Buffer[] = [];
  const c = input.chassisId;
  parts.push(tlv(1, 'mac' in c ? Buffer.concat([Buffer.from([4]), macBytes(c.mac, 'chassisId.mac')]) : Buffer.concat([Buffer.from([7]), Buffer.from(String(c.local))])));
  const p = input.portId;
  parts.push(tlv(2, 'mac' in p ? Buffer.concat([Buffer.from([3]), macBytes(p.mac, 'portId.mac')]) : Buffer.concat([Buffer.from([5]), Buffer.from(String(p.name))])));
  const ttl = Buffer.alloc(2);
  ttl.writeUInt16BE(validateInteger(input.ttl ?? 120, 'ttl', 0, 0xffff));
  parts.push(tlv(3, ttl));
  if (input.portDescription !== undefined) parts.push(tlv(4, Buffer.from(input.portDescription)));
  if (input.systemName !== undefined) parts.push(tlv(5, Buffer.from(input.systemName)));
  if (input.systemDescription !== undefined) parts.push(tlv(6, Buffer.from(input.systemDescription)));
  if (input.capabilities) {
    const bits = (names: string[]): number =>
      names.reduce((a, n) => {
        const i = (LLDP_CAPABILITIES as readonly string[]).indexOf(n);
        if (i < 0) throw invalidArgValue('capabilities', n, `must be one of ${LLDP_CAPABILITIES.join(', ')}`);
        return a | (1 << i);
      }, 0);
    const v = Buffer.alloc(4);
    v.writeUInt16BE(bits(input.capabilities.system), 0);
    v.writeUInt16BE(bits(input.capabilities.enabled), 2);
    parts.push(tlv(7, v));
  }
  for (const m of input.managementAddresses ?? []) {
    const a = ipToBytes(m.address, 'managementAddresses.address');
    const v = Buffer.alloc(1 + 1 + a.length + 1 + 4 + 1);
    v[0] = 1 + a.length;
    v[1] = a.length === 4 ? 1 : 2;
    a.copy(v, 2);
    v[2 + a.length] = 2; // ifIndex numbering
    v.writeUInt32BE(validateInteger(m.interfaceNumber ?? 0, 'interfaceNumber', 0, 0xffffffff), 3 + a.length);
    parts.push(tlv(8, v));
  }
  parts.push(Buffer.from([0, 0]));
  return Buffer.concat(parts);
}
