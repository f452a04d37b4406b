// JS <-> sockaddr conversion (Node-API glue over sys/addr.h).
//
// JS address objects:
//   inet:   { family: AF_INET|AF_INET6, address: string, port: number, scopeId?: number }
//   packet: { family: AF_PACKET, ifindex: number, protocol: number, mac?: Buffer|Uint8Array }
//   unix:   { family: AF_UNIX, path: string }
// Output objects from SockaddrToJs add, for packet: hatype, pkttype and mac as "aa:bb:..".
#pragma once

#include <napi.h>

#include "codec/addr.h"

namespace sockit {

// Throws TypeError/RangeError on malformed objects.
void JsToSockaddr(Napi::Env env, Napi::Value v, codec::SockAddr* out);
Napi::Value SockaddrToJs(Napi::Env env, const sockaddr* sa, socklen_t len);

}  // namespace sockit
