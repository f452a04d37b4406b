/**
 * Address parsing shared by every socket kind: "host:port", "[v6%scope]:port",
 * interface references (name, index or IPv4 address) and MAC addresses.
 * @module
 */
import * as net from 'node:net';
import * as os from 'node:os';
import { constants, native } from '../binding';
import type { NativeAddress } from '../binding';
import { SocketError, invalidArgType, invalidArgValue, validateInteger, validatePort } from './errors';

/** 'ipv4' | 'ipv6' */
export type IpFamily = 'ipv4' | 'ipv6';

/** An IP endpoint as sockit reports it (dgram's rinfo shape plus scope). */
export interface SocketAddress {
  /** IP address, text form (without %scope). */
  address: string;
  /** Port, 0..65535. */
  port: number;
  /** 'ipv4' or 'ipv6'. */
  family: IpFamily;
  /** IPv6 scope (interface index), when not 0. */
  scopeId?: number;
}

/** An endpoint as callers may give it. */
export type EndpointInput =
  | string
  | {
      /** IPv4 or IPv6 literal, optionally with `%scope` (no host names). */
      address: string;
      /** Port, 0..65535. */
      port: number;
      /** IPv6 scope: interface name or index (overrides a `%scope` in `address`). */
      scopeId?: number | string;
    };

/** Parsed IP literal, possibly with "%scope". */
export interface ParsedIp {
  /** The address literal without its `%scope`. */
  address: string;
  /** 'ipv4' or 'ipv6'. */
  family: IpFamily;
  /** IPv6 scope id (interface index); 0 when none (always 0 for IPv4). */
  scopeId: number;
}

/** Interface reference: name ('veth0'), index (3) or an IPv4 address of it ('198.18.0.1'). */
export type InterfaceRef = string | number;

const { ENODEV, ENXIO } = os.constants.errno;

/** Index of an interface by name; throws SocketError ENODEV when absent (or the lookup's own errno, e.g. EMFILE). */
export function interfaceIndex(name: string): number {
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  const r = native.ifNameToIndex(name);
  if (r < 0) {
    throw new SocketError(-r, 'if_nametoindex', { interface: name, ...(-r === ENODEV ? { hint: `no interface named "${name}" in this network namespace` } : {}) });
  }
  return r;
}

/** Name of an interface by index; throws SocketError ENXIO when absent (or the lookup's own errno, e.g. EMFILE). */
export function interfaceName(index: number): string {
  validateInteger(index, 'index', 1, 0xffffffff);
  const r = native.ifIndexToName(index);
  if (typeof r === 'number') {
    throw new SocketError(-r, 'if_indextoname', -r === ENXIO || -r === ENODEV ? { hint: `no interface with index ${index} in this network namespace` } : {});
  }
  return r;
}

/**
 * Turns the interface name of a `%scope` into its index. The default,
 * {@link interfaceIndex}, looks in the calling thread's network namespace;
 * sockets created in another namespace pass one that looks there
 * (`scopeResolver(netns)` from the interfaces module).
 */
export type ScopeResolver = (interfaceName: string) => number;

/**
 * Parse an IP literal with optional `%scope` (scope = interface name or
 * number). Names go through `resolveScope` (default: this namespace).
 */
export function parseIp(input: string, name = 'address', resolveScope: ScopeResolver = interfaceIndex): ParsedIp {
  if (typeof input !== 'string') throw invalidArgType(name, 'of type string', input);
  let address = input;
  let scopeId = 0;
  const pct = input.indexOf('%');
  if (pct >= 0) {
    address = input.slice(0, pct);
    const scope = input.slice(pct + 1);
    scopeId = /^\d+$/.test(scope) ? Number(scope) : resolveScope(scope);
  }
  const v = net.isIP(address);
  if (v === 4) {
    if (pct >= 0) throw invalidArgValue(name, input, 'is an IPv4 address and cannot carry a %scope');
    return { address, family: 'ipv4', scopeId: 0 };
  }
  if (v === 6) return { address, family: 'ipv6', scopeId };
  throw invalidArgValue(name, input, 'must be an IPv4 or IPv6 address literal (no host names)');
}

/**
 * Parse "198.18.0.1:5000", "[fd00:5f::1]:5000", "[ff02::1%veth0]:5000", or an
 * object. Scope names go through `resolveScope` as in {@link parseIp}.
 */
export function parseEndpoint(
  input: EndpointInput,
  name = 'endpoint',
  resolveScope: ScopeResolver = interfaceIndex,
): ParsedIp & {
  /** Port, 0..65535. */
  port: number;
} {
  if (typeof input === 'string') {
    let host: string;
    let portStr: string;
    if (input.startsWith('[')) {
      const close = input.indexOf(']');
      if (close < 0 || input[close + 1] !== ':') throw invalidArgValue(name, input, 'must look like "[ipv6]:port"');
      host = input.slice(1, close);
      portStr = input.slice(close + 2);
    } else {
      const colon = input.lastIndexOf(':');
      if (colon < 0 || input.indexOf(':') !== colon) throw invalidArgValue(name, input, 'must look like "ipv4:port" or "[ipv6]:port"');
      host = input.slice(0, colon);
      portStr = input.slice(colon + 1);
    }
    if (!/^\d{1,5}$/.test(portStr)) throw invalidArgValue(name, input, 'has no valid port');
    const ip = parseIp(host, name, resolveScope);
    return { ...ip, port: validatePort(Number(portStr), `${name} port`) };
  }
  if (input === null || typeof input !== 'object') throw invalidArgType(name, 'a string or an { address, port } object', input);
  const ip = parseIp(input.address, `${name}.address`, resolveScope);
  if (input.scopeId !== undefined) {
    ip.scopeId = typeof input.scopeId === 'string' ? resolveScope(input.scopeId) : validateInteger(input.scopeId, `${name}.scopeId`, 0, 0xffffffff);
  }
  return { ...ip, port: validatePort(input.port, `${name}.port`) };
}

/** The AF_* number for an IP family. */
export function familyNumber(family: IpFamily): number {
  return family === 'ipv4' ? constants.AF_INET : constants.AF_INET6;
}

/** Native sockaddr object for an IP endpoint. */
export function toNativeInet(ip: ParsedIp, port: number): NativeAddress {
  return { family: familyNumber(ip.family), address: ip.address, port, scopeId: ip.scopeId };
}

/** Native sockaddr → SocketAddress (for inet families). */
export function fromNativeInet(a: NativeAddress): SocketAddress {
  const x = a as { family: number; address?: string; port?: number; scopeId?: number };
  const out: SocketAddress = {
    address: x.address ?? '',
    port: x.port ?? 0,
    family: x.family === constants.AF_INET6 ? 'ipv6' : 'ipv4',
  };
  if (x.scopeId) out.scopeId = x.scopeId;
  return out;
}

/** Parse "aa:bb:cc:dd:ee:ff" (also '-' separated) or 6 bytes into a 6-byte Buffer. */
export function parseMac(input: string | Uint8Array, name = 'mac'): Buffer {
  if (input instanceof Uint8Array) {
    if (input.length !== 6) throw invalidArgValue(name, input, 'must be 6 bytes');
    return Buffer.from(input);
  }
  if (typeof input !== 'string') throw invalidArgType(name, 'a MAC address string or 6 bytes', input);
  const m = /^([0-9a-fA-F]{2})([:-])([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})$/.exec(input);
  if (!m) throw invalidArgValue(name, input, 'must look like "aa:bb:cc:dd:ee:ff"');
  return Buffer.from([m[1], m[3], m[4], m[5], m[6], m[7]].map((h) => parseInt(h as string, 16)));
}

/** Format 6 bytes as "aa:bb:cc:dd:ee:ff". */
export function formatMac(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i ? ':' : '') + (bytes[i] as number).toString(16).padStart(2, '0');
  return s;
}

export { formatIPv4, formatIPv6 } from './iptext';
