/**
 * DHCPv4 / BOOTP messages (RFC 2131, RFC 2132) with their options.
 * @module
 */
import { invalidArgType, invalidArgValue, validateInteger } from '../../core/errors';
import { bytesToIp, ipToBytes, view } from './bytes';
import { FrameParseError, need } from './errors';
import { formatMac, macBytes, MacInput } from './mac';

/** DHCP message types (option 53). */
export type DhcpMessageType = 'discover' | 'offer' | 'request' | 'decline' | 'ack' | 'nak' | 'release' | 'inform';
const TYPES: DhcpMessageType[] = ['discover', 'offer', 'request', 'decline', 'ack', 'nak', 'release', 'inform'];

/** The BOOTP magic cookie that starts the options. */
export const DHCP_MAGIC_COOKIE = 0x63825363;
/** UDP port of DHCP servers. */
export const DHCP_SERVER_PORT = 67;
/** UDP port of DHCP clients. */
export const DHCP_CLIENT_PORT = 68;

/** One option as on the wire. */
export interface DhcpOption {
  /** Option code. */
  code: number;
  /** Its bytes. */
  data: Buffer;
}

/** A parsed DHCP (or plain BOOTP) message. */
export interface DhcpMessage {
  /** 1 BOOTREQUEST, 2 BOOTREPLY. */
  op: number;
  /** Hardware type (1 Ethernet). */
  htype: number;
  /** Hardware address length. */
  hlen: number;
  /** Relay hops. */
  hops: number;
  /** Transaction id. */
  xid: number;
  /** Seconds since the client began. */
  secs: number;
  /** Broadcast flag. */
  broadcast: boolean;
  /** Client IP (ciaddr). */
  clientAddress: string;
  /** "Your" IP: the address offered (yiaddr). */
  yourAddress: string;
  /** Next server IP (siaddr). */
  serverAddress: string;
  /** Relay agent IP (giaddr). */
  relayAddress: string;
  /** Client hardware address (chaddr), as a MAC when hlen is 6. */
  clientMac: string;
  /** Server host name (sname), NUL-trimmed. */
  serverName: string;
  /** Boot file name (file), NUL-trimmed. */
  bootFile: string;
  /** False for plain BOOTP (no magic cookie). */
  dhcp: boolean;
  /** Every option, in order (pad and end excluded). */
  options: DhcpOption[];
  /** Option 53. */
  messageType?: DhcpMessageType;
  /** Option 1. */
  subnetMask?: string;
  /** Option 3. */
  routers?: string[];
  /** Option 6. */
  dnsServers?: string[];
  /** Option 12. */
  hostname?: string;
  /** Option 50. */
  requestedAddress?: string;
  /** Option 51, seconds. */
  leaseTime?: number;
  /** Option 54. */
  serverIdentifier?: string;
  /** Option 55. */
  parameterRequestList?: number[];
  /** Option 61. */
  clientIdentifier?: Buffer;
}

const str = (b: Buffer): string => b.toString('latin1').replace(/\0.*$/s, '');
const ips = (b: Buffer): string[] => Array.from({ length: Math.floor(b.length / 4) }, (_, i) => bytesToIp(b.subarray(i * 4, i * 4 + 4)));

/** Parse a DHCP/BOOTP message (a UDP payload). */
export function parseDhcp(message: Uint8Array): DhcpMessage {
  if (!(message instanceof Uint8Array)) throw invalidArgType('message', 'a Buffer or Uint8Array', message);
  const b = view(message);
  need(b, 0, 236, 'dhcp', 'the BOOTP header');
  const hlen = b[2] as number;
  const m: DhcpMessage = {
    op: b[0] as number,
    htype: b[1] as number,
    hlen,
    hops: b[3] as number,
    xid: b.readUInt32BE(4),
    secs: b.readUInt16BE(8),
    broadcast: (b.readUInt16BE(10) & 0x8000) !== 0,
    clientAddress: bytesToIp(b.subarray(12, 16)),
    yourAddress: bytesToIp(b.subarray(16, 20)),
    serverAddress: bytesToIp(b.subarray(20, 24)),
    relayAddress: bytesToIp(b.subarray(24, 28)),
    clientMac: hlen === 6 ? formatMac(b.subarray(28, 34)) : b.subarray(28, 28 + Math.min(hlen, 16)).toString('hex'),
    serverName: str(b.subarray(44, 108)),
    bootFile: str(b.subarray(108, 236)),
    dhcp: b.length >= 240 && b.readUInt32BE(236) === DHCP_MAGIC_COOKIE,
    options: [],
  };
  if (!m.dhcp) return m;
  let o = 240;
  while (o < b.length) {
    const code = b[o] as number;
    if (code === 0) {
      o++;
      continue;
    }
    if (code === 255) break;
    need(b, o, 2, 'dhcp', `option ${code}`);
    const len = b[o + 1] as number;
    need(b, o + 2, len, 'dhcp', `option ${code} (${len} bytes)`);
    const data = b.subarray(o + 2, o + 2 + len);
    m.options.push({ code, data });
    o += 2 + len;
    const ip4 = (): string => {
      if (len !== 4) throw new FrameParseError('ERR_FRAME_BAD_LENGTH', 'dhcp', o - len - 1, `option ${code} must be 4 bytes, is ${len}`);
      return bytesToIp(data);
    };
    switch (code) {
      case 1: m.subnetMask = ip4(); break;
      case 3: m.routers = ips(data); break;
      case 6: m.dnsServers = ips(data); break;
      case 12: m.hostname = data.toString('latin1'); break;
      case 50: m.requestedAddress = ip4(); break;
      case 51: if (len === 4) m.leaseTime = data.readUInt32BE(0); break;
      case 53: if (len === 1) m.messageType = TYPES[(data[0] as number) - 1]; break;
      case 54: m.serverIdentifier = ip4(); break;
      case 55: m.parameterRequestList = [...data]; break;
      case 61: m.clientIdentifier = data; break;
    }
  }
  return m;
}

/** What {@link buildDhcp} takes. */
export interface DhcpInput {
  /** Message type (option 53); requests from clients, replies from servers. */
  messageType: DhcpMessageType;
  /** Transaction id. */
  xid: number;
  /** Client MAC (chaddr). */
  clientMac: MacInput;
  /** Ask the server to broadcast its reply (default true for discover/request). */
  broadcast?: boolean;
  /** ciaddr (default 0.0.0.0). */
  clientAddress?: string;
  /** yiaddr (replies). */
  yourAddress?: string;
  /** siaddr. */
  serverAddress?: string;
  /** Option 50. */
  requestedAddress?: string;
  /** Option 54. */
  serverIdentifier?: string;
  /** Option 51. */
  leaseTime?: number;
  /** Option 1. */
  subnetMask?: string;
  /** Option 3. */
  routers?: string[];
  /** Option 6. */
  dnsServers?: string[];
  /** Option 12. */
  hostname?: string;
  /** Option 55 (default for discover/request: 1, 3, 6, 51, 54). */
  parameterRequestList?: number[];
  /** More options, appended as given. */
  options?: DhcpOption[];
}

/** Build a DHCP message (a UDP payload for ports 68 -> 67 or back). */
export function buildDhcp(input: DhcpInput): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType('dhcp', 'an object', input);
  const t = TYPES.indexOf(input.messageType);
  if (t < 0) throw invalidArgValue('messageType', input.messageType, `must be one of ${TYPES.join(', ')}`);
  const reply = input.messageType === 'offer' || input.messageType === 'ack' || input.messageType === 'nak';
  const h = Buffer.alloc(240);
  h[0] = reply ? 2 : 1;
  h[1] = 1;
  h[2] = 6;
  h.writeUInt32BE(validateInteger(input.xid, 'xid', 0, 0xffffffff), 4);
  if (input.broadcast ?? (input.messageType === 'discover' || input.messageType === 'request')) h.writeUInt16BE(0x8000, 10);
  const v4 = (a: string | undefined, name: string): Buffer => {
    const b = ipToBytes(a ?? '0.0.0.0', name);
    if (b.length !== 4) throw invalidArgValue(name, a, 'must be an IPv4 address');
    return b;
  };
  v4(input.clientAddress, 'clientAddress').copy(h, 12);
  v4(input.yourAddress, 'yourAddress').copy(h, 16);
  v4(input.serverAddress, 'serverAddress').copy(h, 20);
  macBytes(input.clientMac, 'clientMac').copy(h, 28);
  h.writeUInt32BE(DHCP_MAGIC_COOKIE, 236);
  const opts: Buffer[] = [Buffer.from([53, 1, t + 1])];
  const opt = (code: number, data: Buffer): void => {
    if (data.length > 255) throw invalidArgValue(`option ${code}`, data.length, 'is longer than 255 bytes');
    opts.push(Buffer.from([code, data.length]), data);
  };
  if (input.requestedAddress !== undefined) opt(50, v4(input.requestedAddress, 'requestedAddress'));
  if (input.serverIdentifier !== undefined) opt(54, v4(input.serverIdentifier, 'serverIdentifier'));
  if (input.leaseTime !== undefined) {
    const l = Buffer.alloc(4);
    l.writeUInt32BE(validateInteger(input.leaseTime, 'leaseTime', 0, 0xffffffff));
    opt(51, l);
  }
  if (input.subnetMask !== undefined) opt(1, v4(input.subnetMask, 'subnetMask'));
  if (input.routers) opt(3, Buffer.concat(input.routers.map((r) => v4(r, 'routers'))));
  if (input.dnsServers) opt(6, Buffer.concat(input.dnsServers.map((r) => v4(r, 'dnsServers'))));
  if (input.hostname !== undefined) opt(12, Buffer.from(input.hostname, 'latin1'));
  const prl = input.parameterRequestList ?? (reply ? undefined : [1, 3, 6, 51, 54]);
  if (prl) opt(55, Buffer.from(prl.map((n) => validateInteger(n, 'parameterRequestList', 0, 255))));
  for (const o of input.options ?? []) opt(validateInteger(o.code, 'option code', 1, 254), Buffer.from(o.data));
  opts.push(Buffer.from([255]));
  const out = Buffer.concat([h, ...opts]);
  // BOOTP's minimum message is 300 bytes; some servers drop shorter ones.
  return out.length < 300 ? Buffer.concat([out, Buffer.alloc(300 - out.length)]) : out;
}
