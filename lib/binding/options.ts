/** Native socket-option calls (native/options.cc). Syscall failures return a negative errno. */

/** One row of the native option table (option numbers from the system headers at build time). */
export interface NativeOptionRow {
  /** C name of the option ('SO_REUSEADDR', ...). */
  name: string;
  /** C name of the level constant ('SOL_SOCKET', 'IPPROTO_IP', ...). */
  levelName: string;
  /** Level number, -1 when unsupported. */
  level: number;
  /** Option number, -1 when the headers lack the constant. */
  optname: number;
  /** Codec name ('int', 'ip_mreqn', ...). */
  codec: string;
  /** Whether the constant existed when sockit was built. */
  supported: boolean;
}

/**
 * The codec-level JavaScript form of a value (what native packs):
 * int/u8/u32: number; bool: boolean|number; u64: bigint|number;
 * timeval {sec, usec}; linger {onoff, linger}; in_addr: string;
 * ip_mreq {group, interface?}; ip_mreqn {group?, address?, ifindex?};
 * ip_mreq_source {group, interface?, source}; group_req {ifindex, group};
 * group_source_req {ifindex, group, source}; ipv6_mreq {group, ifindex};
 * packet_mreq {ifindex, type, address?: bytes}; sock_fprog: bytes (8 per instruction);
 * tpacket_req(3) {blockSize, blockNr, frameSize, frameNr, retireBlkTov?, sizeofPriv?, featureReqWord?};
 * string; bytes. Read-only: tpacket_stats {packets, drops, freezeQueueCount?}, ucred {pid, uid, gid}.
 */
export type NativeOptionValue = unknown;

/** A successful getOption: the decoded value and the length the kernel returned. */
export interface NativeGetResult {
  value: NativeOptionValue;
  length: number;
}

export interface OptionsBinding {
  /** The options this build knows, with the level and option numbers from the system headers (see native/options.cc). */
  optionTable: NativeOptionRow[];
  /** Codec name → id. */
  optionCodecs: Record<string, number>;
  /** Pack `value` with `codec` and setsockopt it: 0 | -errno. */
  setOption(fd: number, level: number, optname: number, codec: number, value: NativeOptionValue): number;
  /** getsockopt into a buffer sized for `codec` and decode it: result | -errno. */
  getOption(fd: number, level: number, optname: number, codec: number): NativeGetResult | number;
  /** The bytes `value` packs to (no syscall). */
  encodeOption(codec: number, value: NativeOptionValue): Buffer;
  /** Decode bytes as `codec` (no syscall); throws RangeError on a bad length. */
  decodeOption(codec: number, bytes: Uint8Array): NativeOptionValue;
}
