/**
 * The unix socket's record decoder: the sender's sockaddr_un, SCM_RIGHTS
 * descriptors and SCM_CREDENTIALS of each received record, read at the
 * offsets native exports (lib/binding/io.ts).
 * @module
 */
import { native } from '../../binding';
import type { IoHandle } from '../../binding/io';
import { ControlLayout } from '../../binding/io';
import { SockaddrReader } from '../../core/sockaddr';
import type { Credentials } from '../../options';
import { fromSunPath } from './codec';

const io = native.ioConstants;
const STRIDE = io.ADDRESS_STRIDE;
const CSTRIDE = io.CONTROL_STRIDE;

/** Reads one unix socket's records (views created once, reused per batch). */
export class UnixDecoder {
  #addrs: SockaddrReader;
  #ctl: DataView;
  #rights: Int32Array;
  #perMessage: number;

  constructor(handle: IoHandle, maxRights: number) {
    this.#addrs = new SockaddrReader(handle.addresses);
    this.#ctl = new DataView(handle.control.buffer, handle.control.byteOffset, handle.control.byteLength);
    this.#rights = handle.rights ?? new Int32Array(0);
    this.#perMessage = maxRights;
  }

  /** Sender address of record i in the notation ('' when unnamed). */
  path(i: number): string {
    return fromSunPath(this.#addrs.sunPath(i * STRIDE));
  }

  /** HAS_* bits of record i. */
  present(i: number): number {
    return this.#ctl.getUint32(i * CSTRIDE + ControlLayout.present, true);
  }

  /** Sender credentials of record i (HAS_CREDENTIALS). */
  credentials(i: number): Credentials | undefined {
    const c = i * CSTRIDE;
    if ((this.#ctl.getUint32(c + ControlLayout.present, true) & io.HAS_CREDENTIALS) === 0) return undefined;
    return { pid: this.#ctl.getInt32(c + ControlLayout.credPid, true), uid: this.#ctl.getUint32(c + ControlLayout.credUid, true), gid: this.#ctl.getUint32(c + ControlLayout.credGid, true) };
  }

  /** Descriptors of record i not yet claimed. */
  rightsCount(i: number): number {
    const c = i * CSTRIDE;
    if ((this.#ctl.getUint32(c + ControlLayout.present, true) & io.HAS_RIGHTS) === 0) return 0;
    return this.#ctl.getUint32(c + ControlLayout.rightsCount, true);
  }

  /** Claim record i's descriptors: they are the caller's from now on (the record forgets them). */
  claimRights(i: number): number[] {
    const n = this.rightsCount(i);
    const out: number[] = new Array(n);
    const base = i * this.#perMessage;
    for (let k = 0; k < n; k++) out[k] = this.#rights[base + k] as number;
    this.#ctl.setUint32(i * CSTRIDE + ControlLayout.rightsCount, 0, true);
    return out;
  }
}
