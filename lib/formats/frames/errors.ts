/**
 * The one error frame parsers throw.
 * @module
 */

/** Why a frame could not be parsed. */
export type FrameParseErrorCode =
  /** The buffer ends before the header (or the length a header claims) does. */
  | 'ERR_FRAME_TRUNCATED'
  /** A length field is impossible (shorter than its own header, ...). */
  | 'ERR_FRAME_BAD_LENGTH'
  /** A version / type field has a value this parser does not handle. */
  | 'ERR_FRAME_UNSUPPORTED'
  /** Any other malformed field. */
  | 'ERR_FRAME_MALFORMED';

/**
 * A frame or packet could not be parsed. Parsers never read out of bounds and
 * never throw anything else on malformed input: a truncated buffer or a lying
 * length field always ends here.
 */
export class FrameParseError extends Error {
  /** Machine-readable reason. */
  readonly code: FrameParseErrorCode;
  /** The layer being parsed ('ethernet', 'ipv4', 'udp', ...). */
  readonly layer: string;
  /** Byte offset (within the buffer given to the parser) where parsing failed. */
  readonly offset: number;

  constructor(code: FrameParseErrorCode, layer: string, offset: number, message: string) {
    super(`${layer}: ${message}`);
    this.name = 'FrameParseError';
    this.code = code;
    this.layer = layer;
    this.offset = offset;
  }
}

/** @internal Throw ERR_FRAME_TRUNCATED unless `need` bytes are available from `offset`. */
export function need(buf: Uint8Array, offset: number, count: number, layer: string, what: string): void {
  if (offset + count > buf.length) {
    throw new FrameParseError(
      'ERR_FRAME_TRUNCATED',
      layer,
      offset,
      `${what} needs ${count} bytes at offset ${offset}, but only ${Math.max(0, buf.length - offset)} remain`,
    );
  }
}
