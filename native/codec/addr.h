// sockaddr conversion with no Node-API dependency (fuzzable on its own).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace sockit::codec {

struct SockAddr {
  sockaddr_storage ss;
  socklen_t len;
};

// IPv4 / IPv6 textual address (no scope suffix) + port (+ scope id for v6).
// family: AF_INET or AF_INET6. Returns 0 or -EINVAL.
int MakeInet(int family, const char* ip, uint16_t port, uint32_t scopeId, SockAddr* out);
// AF_PACKET: interface index, EtherType (host order), optional hardware address.
int MakeLinkLayer(int ifindex, uint16_t protocol, const uint8_t* addr, size_t addrLen, SockAddr* out);
// AF_UNIX: path (abstract if path[0] == '\0'). Returns -ENAMETOOLONG if too long.
int MakeUnix(const char* path, size_t pathLen, SockAddr* out);

// Text form of an inet/inet6 address. Returns 0, or -EAFNOSUPPORT / -EINVAL
// when sa is not a (complete) inet address.
int FormatInet(const sockaddr* sa, socklen_t len, char* buf, size_t bufLen, uint16_t* port, uint32_t* scopeId);
// "aa:bb:cc:dd:ee:ff" for up to 8 bytes; returns chars written (0 on error).
size_t FormatMac(const uint8_t* addr, size_t addrLen, char* buf, size_t bufLen);

}  // namespace sockit::codec
