/**
 * AF_PACKET's record decoder: what the engine's per-frame records
 * (sockaddr_ll, PACKET_AUXDATA, timestamp) become — {@link FrameInfo}.
 * @module
 */
import { constants, native } from '../../binding';
import type { IoHandle } from '../../binding/io';
import { ControlLayout } from '../../binding/io';
import { SockaddrReader } from '../../core/sockaddr';
import type { VlanTag } from '../../formats/frames/ethernet';
import { C } from './setup';
import type { FrameInfo, PacketMode, PacketType } from './types';

const io = native.ioConstants;
const PACKET_TYPES: PacketType[] = ['host', 'broadcast', 'multicast', 'otherhost', 'outgoing', 'loopback', 'user', 'kernel', 'fastroute'];
const VLAN_VALID = C('TP_STATUS_VLAN_VALID');
const TPID_VALID = C('TP_STATUS_VLAN_TPID_VALID');
const CSUM_NOTREADY = constants.TP_STATUS_CSUMNOTREADY ?? 0;
const CSUM_VALID = constants.TP_STATUS_CSUM_VALID ?? 0;

/** Reads one packet socket's records (views created once, reused per batch). */
export class PacketDecoder {
  #meta: Uint32Array;
  #addrs: SockaddrReader;
  #ctl: DataView;
  /** ifindex → name, valid for one batch (an index reused by a new interface gets its new name). */
  #names = new Map<number, string>();

  constructor(
    handle: IoHandle,
    private readonly mode: PacketMode,
    private readonly reinsert: boolean,
    private readonly nameOf: (index: number) => string,
  ) {
    this.#meta = handle.meta;
    this.#addrs = new SockaddrReader(handle.addresses);
    this.#ctl = new DataView(handle.control.buffer, handle.control.byteOffset, handle.control.byteLength);
  }

  /** A new batch: interface names are looked up afresh. */
  beginBatch(): void {
    if (this.#names.size) this.#names.clear();
  }

  #name(index: number): string {
    let n = this.#names.get(index);
    if (n === undefined) {
      n = this.nameOf(index);
      this.#names.set(index, n);
    }
    return n;
  }

  /** Metadata of frame i of the current batch. */
  info(i: number): FrameInfo {
    const meta = this.#meta;
    const len = meta[i * 4 + 1] as number;
    const real = meta[i * 4 + 2] as number;
    const a = i * io.ADDRESS_STRIDE;
    const addrs = this.#addrs;
    const c = i * io.CONTROL_STRIDE;
    const cv = this.#ctl;
    const present = cv.getUint32(c + ControlLayout.present, true);
    let length = real;
    let vlan: VlanTag | undefined;
    let checksum: FrameInfo['checksum'] = 'unknown';
    if (present & io.HAS_AUXDATA) {
      const status = cv.getUint32(c + ControlLayout.tpStatus, true);
      if (status & VLAN_VALID) {
        const tci = cv.getUint16(c + ControlLayout.tpVlanTci, true);
        const tpid = status & TPID_VALID ? cv.getUint16(c + ControlLayout.tpVlanTpid, true) : 0x8100;
        vlan = { id: tci & 0x0fff, priority: tci >>> 13, dropEligible: (tci & 0x1000) !== 0, tpid };
        if (this.reinsert && this.mode === 'raw' && len >= 12) length += 4;
      }
      if (status & CSUM_NOTREADY) checksum = 'partial';
      else if (status & CSUM_VALID) checksum = 'valid';
    }
    const ifindex = addrs.llIfindex(a);
    const info: FrameInfo = {
      interfaceIndex: ifindex,
      interfaceName: this.#name(ifindex),
      protocol: addrs.llProtocol(a),
      packetType: PACKET_TYPES[addrs.llPkttype(a)] ?? 'unknown',
      source: addrs.llAddress(a),
      timestamp: present & io.HAS_TIMESTAMP ? cv.getBigInt64(c + ControlLayout.timestampNs, true) : 0n,
      length,
      truncated: real > len,
      checksum,
    };
    if (vlan) info.vlan = vlan;
    return info;
  }
}
