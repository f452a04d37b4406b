/**
 * The low-level socket (socket2's shape): create with any family/type/protocol,
 * set any option before bind, bind/connect/listen synchronously, then use the
 * descriptor anywhere, including handing it to Node's `dgram`/`net`.
 * @module
 */
import * as os from 'node:os';
import { constants, native } from '../binding';
import type { NativeAddress } from '../binding';
import {
  EndpointInput,
  SocketAddress,
  fromNativeInet,
  parseEndpoint,
  toNativeInet,
  InterfaceRef,
  ScopeResolver,
} from '../core/address';
import { SocketError, check, invalidArgType, invalidArgValue, socketClosed, validateInteger, validateString } from '../core/errors';
import { rejectUnknownKeys } from '../core/validate';
import { scopeResolver, socketInNetns, withNetns } from '../system/netns';
import { resolveInterfaceIndex } from '../system/interfaces';
import { getOption, setOption } from '../options';
import type { OptionGetValue, OptionSetValue, ReadableOptionName, WritableOptionName } from '../options';

/** Address family by name. */
export type Family = 'ipv4' | 'ipv6' | 'packet' | 'unix';
/** Socket type by name. */
export type SocketType = 'dgram' | 'stream' | 'raw' | 'seqpacket';

const FAMILY_CONST: Record<Family, string> = { ipv4: 'AF_INET', ipv6: 'AF_INET6', packet: 'AF_PACKET', unix: 'AF_UNIX' };
const TYPE_CONST: Record<SocketType, string> = { dgram: 'SOCK_DGRAM', stream: 'SOCK_STREAM', raw: 'SOCK_RAW', seqpacket: 'SOCK_SEQPACKET' };

/** AF_* number for a family name or number. */
export function familyToNumber(family: Family | number): number {
  if (typeof family === 'number') return validateInteger(family, 'family', 0, 65535);
  if (typeof family !== 'string' || !(family in FAMILY_CONST)) throw invalidArgValue('family', family, "must be 'ipv4', 'ipv6', 'packet', 'unix' or an AF_* number");
  return constants[FAMILY_CONST[family]] as number;
}
/** Family name for an AF_* number ('ipv4', ...), or the number itself when unnamed. */
export function familyName(family: number): Family | number {
  for (const [k, v] of Object.entries(FAMILY_CONST)) if (constants[v] === family) return k as Family;
  return family;
}
/** SOCK_* number for a type name or number. */
export function typeToNumber(type: SocketType | number): number {
  if (typeof type === 'number') return validateInteger(type, 'type', 0, 65535);
  if (typeof type !== 'string' || !(type in TYPE_CONST)) throw invalidArgValue('type', type, "must be 'dgram', 'stream', 'raw', 'seqpacket' or a SOCK_* number");
  return constants[TYPE_CONST[type]] as number;
}
/** Type name for a SOCK_* number. */
export function typeName(type: number): SocketType | number {
  for (const [k, v] of Object.entries(TYPE_CONST)) if (constants[v] === type) return k as SocketType;
  return type;
}

/** Where to bind or connect. */
export type BindTarget =
  | EndpointInput
  | number
  | {
      /** Packet sockets: interface name, index or IPv4 address (0 = every interface). */
      interface: InterfaceRef;
      /** Packet sockets: EtherType in host order, 0..65535 (default: the socket's protocol). */
      protocol?: number;
      /** Packet sockets: hardware address bytes for sll_addr. */
      mac?: Uint8Array;
    }
  | {
      /** Unix sockets: filesystem path. */
      path: string;
    };

/** Options for {@link Socket} creation. */
export interface SocketCreateOptions {
  /**
   * Create the socket inside another network namespace: a path
   * (`/run/netns/NAME`, `/proc/PID/ns/net`) or an `ip netns` name.
   */
  netns?: string;
}


const SOCKET_CREATE_KEYS: readonly (keyof SocketCreateOptions)[] = ['netns'];

const kAdopt = Symbol('sockit.adopt');
interface Adopted {
  fd: number;
  owned: boolean;
  family: number;
  type: number;
  protocol: number;
}

const registry = new FinalizationRegistry<number>((fd) => {
  // Safety net only: a Socket collected while open. close() unregisters.
  native.close(fd);
});

/**
 * A socket descriptor owned by JavaScript. Every method is one system call.
 * `close()` is explicit and idempotent; a finalizer closes leaked sockets as a
 * safety net only.
 */
export class Socket {
  #fd: number;
  #owned: boolean;
  /** Address family number (AF_INET, AF_INET6, AF_PACKET, AF_UNIX, ...). */
  readonly family: number;
  /** Socket type number (SOCK_DGRAM, SOCK_STREAM, SOCK_RAW, SOCK_SEQPACKET), without the NONBLOCK/CLOEXEC flags. */
  readonly type: number;
  /** Protocol number (given at creation, or SO_PROTOCOL for adopted descriptors); for packet sockets the EtherType. */
  readonly protocol: number;
  /** The network namespace given at creation (`options.netns`): interface names in bind/connect targets resolve there. */
  readonly netns: string | undefined;
  #scope: ScopeResolver;

  /**
   * Create a socket (always `SOCK_NONBLOCK | SOCK_CLOEXEC`).
   * @param family `'ipv4' | 'ipv6' | 'packet' | 'unix'` or an AF_* number
   * @param type `'dgram' | 'stream' | 'raw' | 'seqpacket'` or a SOCK_* number
   * @param protocol protocol number (default 0); for packet sockets, the EtherType in host order
   */
  constructor(family: Family | number, type: SocketType | number, protocol = 0, options: SocketCreateOptions = {}) {
    const adopted = (options as { [kAdopt]?: Adopted } | undefined)?.[kAdopt];
    if (adopted) {
      this.#fd = adopted.fd;
      this.#owned = adopted.owned;
      this.family = adopted.family;
      this.type = adopted.type;
      this.protocol = adopted.protocol;
      this.netns = undefined;
      this.#scope = scopeResolver();
      if (adopted.owned) {
        registry.register(this, adopted.fd, this);
        native.ownFd(adopted.fd);
      }
      return;
    }
    const domain = familyToNumber(family);
    const t = typeToNumber(type);
    validateInteger(protocol, 'protocol', 0, 0x7fffffff);
    let proto = protocol;
    // AF_PACKET takes the EtherType in network byte order.
    if (domain === constants.AF_PACKET) proto = ((protocol & 0xff) << 8) | ((protocol >> 8) & 0xff);
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    rejectUnknownKeys(options, SOCKET_CREATE_KEYS, 'options');
    let fd: number;
    if (options.netns !== undefined) {
      validateString(options.netns, 'options.netns');
      fd = socketInNetns(options.netns, domain, t, proto);
    } else {
      fd = check(native.socket(domain, t, proto), 'socket', domain === constants.AF_PACKET || t === constants.SOCK_RAW ? { capability: 'CAP_NET_RAW' } : {});
    }
    this.#fd = fd;
    this.#owned = true;
    this.family = domain;
    this.type = t;
    this.protocol = protocol;
    this.netns = options.netns;
    this.#scope = scopeResolver(options.netns);
    registry.register(this, fd, this);
    native.ownFd(fd);
  }

  /**
   * Wrap an existing socket descriptor (from Node, a parent process, ...).
   * With `owned: false` (the default) `close()` forgets the descriptor without
   * closing it; with `owned: true` sockit closes it.
   */
  static adopt(fd: number, options: { owned?: boolean } = {}): Socket {
    validateInteger(fd, 'fd', 0, 0x7fffffff);
    rejectUnknownKeys(options, ['owned'], 'options');
    const isSock = check(native.isSocket(fd), 'fstat');
    if (isSock !== 1) throw new SocketError(os.constants.errno.ENOTSOCK, 'fstat', { hint: `descriptor ${fd} is not a socket` });
    const getInt = (opt: string): number => {
      const buf = check(native.getsockoptRaw(fd, constants.SOL_SOCKET as number, constants[opt] as number, 4), 'getsockopt', { option: opt });
      return buf.readInt32LE(0);
    };
    const adopted: Adopted = {
      fd,
      owned: options.owned ?? false,
      family: getInt('SO_DOMAIN'),
      type: getInt('SO_TYPE'),
      protocol: getInt('SO_PROTOCOL'),
    };
    return new Socket(0, 0, 0, { [kAdopt]: adopted } as SocketCreateOptions);
  }

  /** The descriptor. Throws ERR_SOCKET_CLOSED once closed. */
  get fd(): number {
    if (this.#fd < 0) throw socketClosed();
    return this.#fd;
  }

  /** True once close() ran. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Whether close() closes the descriptor (false for adopted, borrowed sockets). */
  get owned(): boolean {
    return this.#owned;
  }

  /** Family as a name when it has one. */
  get familyName(): Family | number {
    return familyName(this.family);
  }

  /** Resolve a bind/connect target into a native sockaddr. */
  #address(target: BindTarget, what: string): { sa: NativeAddress; address?: string; port?: number } {
    const domain = this.family;
    if (domain === constants.AF_INET || domain === constants.AF_INET6) {
      if (typeof target === 'number') {
        const any = domain === constants.AF_INET ? '0.0.0.0' : '::';
        return { sa: { family: domain, address: any, port: validateInteger(target, 'port', 0, 65535) }, address: any, port: target };
      }
      const ep = parseEndpoint(target as EndpointInput, what, this.#scope);
      const sa = toNativeInet(ep, ep.port);
      if (ep.family === 'ipv4' && domain === constants.AF_INET6) {
        // v4-mapped on a dual-stack socket
        (sa as { address: string }).address = `::ffff:${ep.address}`;
        (sa as { family: number }).family = domain;
      } else if (sa.family !== domain) {
        throw invalidArgValue(what, target, `is an ${ep.family} address but the socket is ${String(familyName(domain))}`);
      }
      return { sa, address: ep.address, port: ep.port };
    }
    if (domain === constants.AF_PACKET) {
      if (target === null || typeof target !== 'object' || !('interface' in target)) throw invalidArgType(what, 'an object { interface, protocol? }', target);
      const t = target as { interface: InterfaceRef; protocol?: number; mac?: Uint8Array };
      const resolve = (): number => resolveInterfaceIndex(t.interface, `${what}.interface`);
      const ifindex = t.interface === 0 ? 0 : this.netns === undefined ? resolve() : withNetns(this.netns, resolve);
      const protocol = t.protocol === undefined ? this.protocol : validateInteger(t.protocol, `${what}.protocol`, 0, 65535);
      return { sa: { family: domain, ifindex, protocol, mac: t.mac } };
    }
    if (domain === constants.AF_UNIX) {
      const p = typeof target === 'string' ? target : (target as { path?: unknown })?.path;
      if (typeof p !== 'string') throw invalidArgType(what, 'a path string', target);
      return { sa: { family: domain, path: p }, address: p };
    }
    throw invalidArgValue('family', domain, 'has no address support in sockit');
  }

  /**
   * bind(2). IP sockets take a port, "addr:port" or `{ address, port }`;
   * packet sockets `{ interface, protocol? }`; unix sockets a path.
   */
  bind(target: BindTarget): this {
    const { sa, address, port } = this.#address(target, 'address');
    check(native.bind(this.fd, sa), 'bind', { address, port });
    return this;
  }

  /**
   * connect(2). Synchronous for datagram sockets; a non-blocking stream
   * connect returns `false` while in progress (EINPROGRESS) — hand the fd to
   * `net.Socket` to complete it — and `true` once connected.
   */
  connect(target: BindTarget): boolean {
    const { sa, address, port } = this.#address(target, 'address');
    const r = native.connect(this.fd, sa);
    if (r === -115 /* EINPROGRESS */) return false;
    check(r, 'connect', { address, port });
    return true;
  }

  /** Dissolve a datagram socket's association (connect with AF_UNSPEC). */
  disconnect(): this {
    check(native.disconnect(this.fd), 'connect');
    return this;
  }

  /** listen(2). */
  listen(backlog = 511): this {
    validateInteger(backlog, 'backlog', 0, 0x7fffffff);
    check(native.listen(this.fd, backlog), 'listen');
    return this;
  }

  /** getsockname(2) for IP sockets. */
  localAddress(): SocketAddress {
    return fromNativeInet(check(native.getsockname(this.fd), 'getsockname'));
  }

  /** getpeername(2) for IP sockets. */
  remoteAddress(): SocketAddress {
    return fromNativeInet(check(native.getpeername(this.fd), 'getpeername'));
  }

  /** getsockname(2) as the raw native object (packet and unix sockets too). */
  localSockaddr(): NativeAddress {
    return check(native.getsockname(this.fd), 'getsockname');
  }

  /** shutdown(2): 'read' | 'write' | 'both'. */
  shutdown(how: 'read' | 'write' | 'both' = 'both'): this {
    const map = { read: constants.SHUT_RD, write: constants.SHUT_WR, both: constants.SHUT_RDWR } as Record<string, number>;
    if (!(how in map)) throw invalidArgValue('how', how, "must be 'read', 'write' or 'both'");
    check(native.shutdown(this.fd, map[how] as number), 'shutdown');
    return this;
  }

  /**
   * Give up ownership: returns the descriptor and leaves this object closed
   * without closing the fd (for handing the socket to Node's dgram/net).
   */
  release(): number {
    const fd = this.fd;
    registry.unregister(this);
    if (this.#owned) native.forgetFd(fd);
    this.#fd = -1;
    return fd;
  }

  /**
   * setsockopt by name with a typed value (see `options` for every name):
   * `sock.setOption('SO_REUSEPORT', true)`. One system call.
   */
  setOption<N extends WritableOptionName>(name: N, value: OptionSetValue<N>): this {
    setOption(this, name, value);
    return this;
  }

  /** getsockopt by name, decoded: `sock.getOption('SO_RCVBUF')`. One system call. */
  getOption<N extends ReadableOptionName>(name: N): OptionGetValue<N> {
    return getOption(this, name);
  }

  /** Close the descriptor (idempotent). Adopted sockets with `owned: false` are only forgotten. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    registry.unregister(this);
    if (this.#owned) native.close(fd);
  }
}
