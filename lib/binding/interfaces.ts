import type { NativeAddress } from './socket';
import type { NetnsFailure } from './netns';

/** Native interface calls (native/interfaces.cc). */
export interface InterfacesBinding {
  /** if_nametoindex → index | -errno */
  ifNameToIndex(name: string): number;
  /** if_indextoname → name | -errno */
  ifIndexToName(index: number): string | number;
  /**
   * getifaddrs(3): one entry per (interface, address) → entries | -errno.
   * With a namespace path the calling thread visits it for the call; failing
   * to enter returns the step and -errno.
   */
  getifaddrs(netns?: string): NativeIfAddr[] | number | NetnsFailure;
  /** ioctl(SIOCGIFMTU) → mtu | -errno */
  ifMtu(name: string): number;
  /** IFF_* flag bits and ARPHRD_* hardware types of this system. */
  interfaceConstants: Record<string, number>;
  /** capget(2), effective set of the calling thread → [bits 0-31, bits 32-63] | -errno */
  capEffective(): [number, number] | number;
  /** CAP_* bit numbers of this system. */
  capabilityConstants: Record<string, number>;
}

/** One getifaddrs entry. */
export interface NativeIfAddr {
  name: string;
  /** IFF_* bits. */
  flags: number;
  addr?: NativeAddress;
  netmask?: NativeAddress;
  broadaddr?: NativeAddress;
  dstaddr?: NativeAddress;
  /** MTU (on the AF_PACKET entry of each interface). */
  mtu?: number;
}
