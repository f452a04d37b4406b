/**
 * The error `sockit/testing` throws when the system refuses (setup, missing
 * qdisc, privileges) or a check fails (unreachable hosts).
 * @module
 */

/** Codes of {@link TopologyError}. */
export type TopologyErrorCode =
  | 'ERR_TOPOLOGY_SETUP'
  | 'ERR_TOPOLOGY_NO_PRIVILEGE'
  | 'ERR_TOPOLOGY_QDISC_UNAVAILABLE'
  | 'ERR_TOPOLOGY_UNREACHABLE'
  | 'ERR_TOPOLOGY_DESTROYED';

/** A topology could not be built or checked; `message` says what and how to fix it. */
export class TopologyError extends Error {
  /** What went wrong, as a stable code. */
  readonly code: TopologyErrorCode;
  /** What the failing tool printed (ip, tc, nsenter), when one failed. */
  readonly stderr: string | undefined;
  /** The qdisc the kernel lacks, for `ERR_TOPOLOGY_QDISC_UNAVAILABLE` ('netem'). */
  readonly qdisc: string | undefined;

  constructor(code: TopologyErrorCode, message: string, stderr?: string, qdisc?: string) {
    super(message);
    this.name = 'TopologyError';
    this.code = code;
    this.stderr = stderr;
    this.qdisc = qdisc;
  }
}
