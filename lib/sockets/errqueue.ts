/**
 * The error queue as typed events: what one MSG_ERRQUEUE record
 * (IP_RECVERR / IPV6_RECVERR, `sock_extended_err`) becomes — a
 * {@link TransportError}. Shared by every IP socket kind (UDP, ping, raw);
 * the engine emits it as `'transportError'` (lib/sockets/engine.ts).
 * @module
 */
import { constants as osConstants } from 'node:os';
import { constants, native } from '../binding';
import { ControlLayout } from '../binding/io';
import { errnoName } from '../core/errors';
import { formatIPv4, formatIPv6 } from '../core/iptext';
import type { SockaddrReader } from '../core/sockaddr';

const io = native.ioConstants;
const CONTROL_STRIDE = io.CONTROL_STRIDE;
const ADDRESS_STRIDE = io.ADDRESS_STRIDE;
const { EMSGSIZE } = osConstants.errno;
const AF_INET = constants.AF_INET as number;
/** SO_EE_ORIGIN_* (linux/errqueue.h): values of sock_extended_err.ee_origin. */
const ORIGINS: Record<number, TransportErrorOrigin> = { 1: 'local', 2: 'icmp', 3: 'icmp6' };

/** Where a {@link TransportError} came from: the local stack, an ICMP or an ICMPv6 message. */
export type TransportErrorOrigin = 'local' | 'icmp' | 'icmp6';

/**
 * One error from the socket's error queue (IP_RECVERR / IPV6_RECVERR), as
 * `'transportError'` hands it out. A plain object, not an `Error`: it reports
 * what happened to one datagram and never ends the socket.
 */
export interface TransportError {
  /** Negative errno, as Node reports it (-111 for ECONNREFUSED, -90 for EMSGSIZE). */
  errno: number;
  /** Symbolic errno ('ECONNREFUSED', 'EHOSTUNREACH', 'EMSGSIZE', ...). */
  error: string;
  /** Who reported it: `'local'` (the sending stack, e.g. EMSGSIZE), `'icmp'` or `'icmp6'`. */
  origin: TransportErrorOrigin;
  /** ICMP / ICMPv6 type (11 = time exceeded, 3 = unreachable for ICMP; 0 for local errors). */
  type: number;
  /** ICMP / ICMPv6 code (3 = port unreachable for ICMP). */
  code: number;
  /** The address of the host that sent the ICMP message (a router for time exceeded), when known. */
  offender?: string;
  /** The path MTU: set for ICMP fragmentation needed, ICMPv6 packet too big and local EMSGSIZE. */
  mtu?: number;
  /** The destination of the datagram the error is about. */
  destination: {
    /** Its destination address. */
    address: string;
    /** Its destination port (UDP; 0 for ping and raw sockets). */
    port: number;
  };
  /** The start of that datagram's payload (as far as the ICMP message quoted it; UDP: the UDP payload, ping: the ICMP echo). */
  payload: Buffer;
}

/** Whether record `i` carries a reportable error (TX timestamps on the error queue do not). */
export function hasTransportError(ctl32: Uint32Array, ctlView: DataView, i: number): boolean {
  const cb = i * CONTROL_STRIDE;
  if (((ctl32[cb >> 2] as number) & io.HAS_EXT_ERR) === 0) return false;
  return ORIGINS[ctlView.getUint8(cb + ControlLayout.eeOrigin)] !== undefined && ctlView.getUint32(cb + ControlLayout.eeErrno, true) !== 0;
}

/** The {@link TransportError} of error-queue record `i` (check {@link hasTransportError} first). */
export function decodeTransportError(ctlBytes: Uint8Array, ctlView: DataView, addrs: SockaddrReader, i: number, payload: Buffer): TransportError {
  const cb = i * CONTROL_STRIDE;
  const errno = ctlView.getUint32(cb + ControlLayout.eeErrno, true);
  const origin = ORIGINS[ctlView.getUint8(cb + ControlLayout.eeOrigin)] as TransportErrorOrigin;
  const type = ctlView.getUint8(cb + ControlLayout.eeType);
  const code = ctlView.getUint8(cb + ControlLayout.eeCode);
  const base = i * ADDRESS_STRIDE;
  const out: TransportError = {
    errno: -errno,
    error: errnoName(errno),
    origin,
    type,
    code,
    destination: { address: addrs.ip(base), port: addrs.port(base) },
    payload,
  };
  const present = ctlView.getUint32(cb, true);
  if (present & io.HAS_OFFENDER) {
    const at = cb + ControlLayout.offender;
    out.offender = ctlView.getUint32(cb + ControlLayout.offenderFamily, true) === AF_INET ? formatIPv4(ctlBytes, at) : formatIPv6(ctlBytes, at);
    if (out.offender === '0.0.0.0' || out.offender === '::') delete out.offender;
  }
  // ee_info holds the MTU for "fragmentation needed" (3/4), "packet too big" (ICMPv6 2) and local EMSGSIZE.
  if ((origin === 'icmp' && type === 3 && code === 4) || (origin === 'icmp6' && type === 2) || (origin === 'local' && errno === EMSGSIZE)) {
    out.mtu = ctlView.getUint32(cb + ControlLayout.eeInfo, true);
  }
  return out;
}

/** The option surface {@link setErrorQueue} needs (any engine socket). */
interface OptionTarget {
  setOption(name: 'IP_RECVERR' | 'IPV6_RECVERR', value: boolean): unknown;
}

/** Turn IP_RECVERR (IPv4) or IPV6_RECVERR plus IP_RECVERR (IPv6: IPv4-mapped peers report through it) on or off. */
export function setErrorQueue(sock: OptionTarget, family: 'ipv4' | 'ipv6', on: boolean): void {
  if (family === 'ipv4') {
    sock.setOption('IP_RECVERR', on);
    return;
  }
  sock.setOption('IPV6_RECVERR', on);
  try {
    sock.setOption('IP_RECVERR', on);
  } catch {
    /* an IPV6_V6ONLY socket may refuse the IPv4 level: best effort */
  }
}
