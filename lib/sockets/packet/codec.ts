/**
 * AF_PACKET's address codec: per-send options (interface, destination MAC,
 * EtherType) encoded once as a sockaddr_ll for the engine, cached; frames
 * checked and padded.
 * @module
 */
import { native } from '../../binding';
import type { NativePacketInterface } from '../../binding/packet';
import { parseMac } from '../../core/address';
import { invalidArgValue, validateBytes, validateInteger } from '../../core/errors';
import { rejectUnknownKeys } from '../../core/validate';
import { ETHERNET_MIN_FRAME } from '../../formats/frames/ethernet';
import { C, lookupInterface } from './setup';
import type { PacketMode, PacketSendOptions } from './types';

/** Ethernet header length. */
export const ETH_HLEN = 14;
const ETH_P_ALL = C('ETH_P_ALL');
const AF_PACKET = C('AF_PACKET');
const SEND_KEYS = ['interface', 'destination', 'protocol', 'pad'] as const;
const ENTRY_KEYS = ['frame', ...SEND_KEYS] as const;

/** Encodes destinations and checks frames for one packet socket. */
export class PacketCodec {
  #cache = new Map<string, Buffer>();

  constructor(
    readonly mode: PacketMode,
    readonly protocol: number,
    private readonly iface: NativePacketInterface | undefined,
    private readonly fd: () => number,
  ) {}

  /** The sockaddr_ll for these send options; null when the bound interface and protocol apply (raw mode). */
  address(opts: PacketSendOptions | undefined, name = 'options'): Uint8Array | null {
    if (opts !== undefined) rejectUnknownKeys(opts, name.endsWith(']') ? ENTRY_KEYS : SEND_KEYS, name);
    const ifRef = opts?.interface;
    const dest = opts?.destination;
    if (this.mode === 'raw') {
      if (ifRef === undefined) {
        if (!this.iface) throw invalidArgValue(`${name}.interface`, undefined, 'is required: this socket was opened without an interface');
        return null;
      }
    } else if (dest === undefined) {
      throw invalidArgValue(`${name}.destination`, undefined, 'is required in cooked mode (the destination MAC)');
    }
    const protoIn = opts?.protocol ?? (this.protocol === ETH_P_ALL ? undefined : this.protocol);
    if (this.mode === 'cooked' && protoIn === undefined) throw invalidArgValue(`${name}.protocol`, undefined, "is required in cooked mode when the socket's protocol is 'all'");
    const proto = protoIn === undefined ? 0 : validateInteger(protoIn, `${name}.protocol`, 0, 0xffff);
    const mac = dest === undefined ? undefined : parseMac(dest, `${name}.destination`);
    const key = `${String(ifRef)}|${mac ? mac.toString('hex') : ''}|${proto}`;
    let enc = this.#cache.get(key);
    if (!enc) {
      const ifindex = ifRef === undefined ? (this.iface as NativePacketInterface).index : lookupInterface(this.fd(), ifRef).index;
      enc = native.ioEncodeAddress({ family: AF_PACKET, ifindex, protocol: proto, mac });
      if (this.#cache.size > 256) this.#cache.clear();
      this.#cache.set(key, enc);
    }
    return enc;
  }

  /** Validate (and pad) one frame; `index` names it in errors (-1: 'frame'), so the hot path builds no strings. */
  prepare(frame: unknown, index: number, pad: boolean): Uint8Array {
    const f = frame instanceof Uint8Array ? frame : validateBytes(frame, index < 0 ? 'frame' : `frames[${index}]`);
    if (this.mode === 'raw') {
      if (f.length < ETH_HLEN) throw invalidArgValue(index < 0 ? 'frame' : `frames[${index}]`, `${f.length} bytes`, `is shorter than an Ethernet header (${ETH_HLEN} bytes)`);
      if (pad && f.length < ETHERNET_MIN_FRAME) {
        const p = Buffer.alloc(ETHERNET_MIN_FRAME);
        p.set(f, 0);
        return p;
      }
    }
    return f;
  }
}
