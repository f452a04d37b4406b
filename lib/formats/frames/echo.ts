/**
 * The ICMP echo layout both versions share (RFC 792, RFC 4443): one builder
 * behind buildIcmpEcho, buildIcmpv6Echo and the ping socket's echoRequest.
 * Not part of the package's entry point.
 * @module
 */
import { invalidArgType, invalidArgValue, validateInteger } from '../../core/errors';
import type { IcmpEchoInput } from './transport';

/** Echo request and reply types per IP version (ICMP 8/0, ICMPv6 128/129). */
const ECHO_TYPES = { 4: { request: 8, reply: 0 }, 6: { request: 128, reply: 129 } } as const;

/**
 * An echo request or reply of either ICMP version with the checksum left 0
 * (the caller, or a ping socket's kernel, fills it in); `what` names `input` in errors.
 */
export function echoMessage(version: 4 | 6, input: IcmpEchoInput, what: string): Buffer {
  if (input === null || typeof input !== 'object') throw invalidArgType(what, 'an object', input);
  if (input.kind !== 'request' && input.kind !== 'reply') throw invalidArgValue('kind', input.kind, "must be 'request' or 'reply'");
  const payload = input.payload ?? Buffer.alloc(0);
  if (!(payload instanceof Uint8Array)) throw invalidArgType('payload', 'a Buffer or Uint8Array', payload);
  const out = Buffer.alloc(8 + payload.length);
  out[0] = ECHO_TYPES[version][input.kind];
  out.writeUInt16BE(validateInteger(input.identifier, 'identifier', 0, 0xffff), 4);
  out.writeUInt16BE(validateInteger(input.sequence, 'sequence', 0, 0xffff), 6);
  out.set(payload, 8);
  return out;
}
