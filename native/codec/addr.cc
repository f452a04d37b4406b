#include "codec/addr.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sockit::codec {

int MakeInet(int family, const char* ip, uint16_t port, uint32_t scopeId, SockAddr* out) {
  std::memset(out, 0, sizeof(*out));
  if (ip == nullptr) return -EINVAL;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out->ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1) return -EINVAL;
    out->len = sizeof(sockaddr_in);
    return 0;
  }
  if (family == AF_INET6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out->ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_scope_id = scopeId;
    if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) != 1) return -EINVAL;
    out->len = sizeof(sockaddr_in6);
    return 0;
  }
  return -EAFNOSUPPORT;
}

int MakeLinkLayer(int ifindex, uint16_t protocol, const uint8_t* addr, size_t addrLen, SockAddr* out) {
  std::memset(out, 0, sizeof(*out));
  auto* sll = reinterpret_cast<sockaddr_ll*>(&out->ss);
  if (addrLen > sizeof(sll->sll_addr)) return -EINVAL;
  if (ifindex < 0) return -EINVAL;
  sll->sll_family = AF_PACKET;
  sll->sll_protocol = htons(protocol);
  sll->sll_ifindex = ifindex;
  sll->sll_halen = static_cast<unsigned char>(addrLen);
  if (addrLen > 0 && addr != nullptr) std::memcpy(sll->sll_addr, addr, addrLen);
  out->len = sizeof(sockaddr_ll);
  return 0;
}

int MakeUnix(const char* path, size_t pathLen, SockAddr* out) {
  std::memset(out, 0, sizeof(*out));
  auto* sun = reinterpret_cast<sockaddr_un*>(&out->ss);
  sun->sun_family = AF_UNIX;
  if (pathLen >= sizeof(sun->sun_path)) return -ENAMETOOLONG;
  if (pathLen > 0) std::memcpy(sun->sun_path, path, pathLen);  // memcpy from nullptr is UB even for 0 bytes
  out->len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + pathLen + (pathLen > 0 && path[0] == '\0' ? 0 : 1));
  return 0;
}

int FormatInet(const sockaddr* sa, socklen_t len, char* buf, size_t bufLen, uint16_t* port, uint32_t* scopeId) {
  if (sa == nullptr || len < static_cast<socklen_t>(sizeof(sa_family_t))) return -EINVAL;
  if (sa->sa_family == AF_INET) {
    if (len < static_cast<socklen_t>(sizeof(sockaddr_in))) return -EINVAL;
    const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
    if (inet_ntop(AF_INET, &sin->sin_addr, buf, bufLen) == nullptr) return -EINVAL;
    if (port) *port = ntohs(sin->sin_port);
    if (scopeId) *scopeId = 0;
    return 0;
  }
  if (sa->sa_family == AF_INET6) {
    if (len < static_cast<socklen_t>(sizeof(sockaddr_in6))) return -EINVAL;
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (inet_ntop(AF_INET6, &sin6->sin6_addr, buf, bufLen) == nullptr) return -EINVAL;
    if (port) *port = ntohs(sin6->sin6_port);
    if (scopeId) *scopeId = sin6->sin6_scope_id;
    return 0;
  }
  return -EAFNOSUPPORT;
}

size_t FormatMac(const uint8_t* addr, size_t addrLen, char* buf, size_t bufLen) {
  if (addrLen > 8 || bufLen < addrLen * 3 + 1) return 0;
  size_t n = 0;
  for (size_t i = 0; i < addrLen; i++) {
    std::snprintf(buf + n, bufLen - n, i == 0 ? "%02x" : ":%02x", addr[i]);
    n += i == 0 ? 2 : 3;
  }
  buf[n] = '\0';
  return n;
}

}  // namespace sockit::codec
