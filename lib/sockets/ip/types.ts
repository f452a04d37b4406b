/**
 * The public types of {@link PingSocket} and {@link RawSocket}: options and
 * send options. Received datagrams carry UDP's {@link MessageInfo}.
 * @module
 */
import type { InterfaceRef } from '../../core/address';
import type { ReceiveOptions } from '../udp/types';

/** Ancillary data to receive with each datagram (as UDP's, without GRO). */
export type IpReceiveOptions = Omit<ReceiveOptions, 'gro'>;

/** Options shared by {@link PingSocket.create} and {@link RawSocket.create}. */
export interface IpSocketOptions {
  /** Address family (default 'ipv4'). */
  family?: 'ipv4' | 'ipv6';
  /** Local address to bind (ping sockets: the echo identifier is chosen at bind or at the first send). */
  address?: string;
  /** SO_BINDTODEVICE: receive and send only through this interface (name or index). */
  interface?: InterfaceRef;
  /** Any option from the option table, applied at creation: `{ IP_TTL: 5 }`. */
  options?: Record<string, unknown>;
  /** Ancillary data to receive with each datagram. */
  receive?: IpReceiveOptions;
  /** Largest datagram received whole (default 65535). */
  maxMessageSize?: number;
  /** Datagrams per recvmmsg (default 64, at most 1024). */
  batchSize?: number;
  /** Most datagrams waiting in the send queue (default 65536). */
  sendQueueLimit?: number;
  /** Datagrams each async iterator buffers (default 4096). */
  highWaterMark?: number;
  /** Coalescing of a tick's sends, as for UDP (default 'auto'). */
  coalesce?: boolean | 'auto';
  /** Create the socket inside this network namespace (path or `ip netns` name). */
  netns?: string;
}

/** Options for {@link RawSocket.create}. */
export interface RawSocketOptions extends IpSocketOptions {
  /** IP protocol number (1 = ICMP, 58 = ICMPv6, 17 = UDP, any 1..255). Required. */
  protocol: number;
  /** IP_HDRINCL / IPV6_HDRINCL: `send()` data starts with the IP header you built. */
  headerIncluded?: boolean;
  /** ICMP raw sockets: receive only these ICMP types (ICMP_FILTER / ICMP6_FILTER); see {@link RawSocket.setIcmpFilter}. */
  icmpTypes?: readonly number[];
}

/** Per-datagram send options of ping and raw sockets. */
export interface IpSendOptions {
  /** Destination address (not needed on a connected socket). */
  address?: string;
  /** Source address (IP_PKTINFO / IPV6_PKTINFO). */
  sourceAddress?: string;
  /** Outgoing interface for this datagram (name or index). */
  interface?: InterfaceRef;
  /** TTL / hop limit for this datagram. */
  ttl?: number;
  /** TOS / traffic class for this datagram. */
  tos?: number;
}

/** IP_MTU_DISCOVER / IPV6_MTU_DISCOVER modes (path MTU discovery), as named in the option table. */
export type MtuDiscoverMode = 'dont' | 'want' | 'do' | 'probe' | 'interface' | 'omit';
