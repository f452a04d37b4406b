#include "addr.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "common.h"

namespace sockit {

void JsToSockaddr(Napi::Env env, Napi::Value v, codec::SockAddr* out) {
  if (!v.IsObject()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"address\" argument must be an object");
  Napi::Object o = v.As<Napi::Object>();
  int family = static_cast<int>(ValueInteger(env, o.Get("family"), "address.family", 0, 65535));
  if (family == AF_INET || family == AF_INET6) {
    Napi::Value a = o.Get("address");
    if (!a.IsString()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"address.address\" property must be of type string");
    std::string ip = a.As<Napi::String>().Utf8Value();
    if (ip.size() > 64) ThrowTypeError(env, "ERR_INVALID_IP_ADDRESS", "Invalid IP address");
    Napi::Value p = o.Get("port");
    uint16_t port = p.IsUndefined() ? 0 : static_cast<uint16_t>(ValueInteger(env, p, "address.port", 0, 65535));
    Napi::Value s = o.Get("scopeId");
    uint32_t scope = s.IsUndefined() ? 0 : static_cast<uint32_t>(ValueInteger(env, s, "address.scopeId", 0, 4294967295.0));
    if (codec::MakeInet(family, ip.c_str(), port, scope, out) != 0)
      ThrowTypeError(env, "ERR_INVALID_IP_ADDRESS", "Invalid IP address: " + ip);
    return;
  }
  if (family == AF_PACKET) {
    int ifindex = static_cast<int>(ValueInteger(env, o.Get("ifindex"), "address.ifindex", 0, std::numeric_limits<int32_t>::max()));
    Napi::Value p = o.Get("protocol");
    uint16_t proto = p.IsUndefined() ? 0 : static_cast<uint16_t>(ValueInteger(env, p, "address.protocol", 0, 65535));
    Napi::Value m = o.Get("mac");
    Bytes mac;
    if (!m.IsUndefined() && !m.IsNull()) {
      mac = ValueBytes(env, m, "address.mac");
      if (mac.length > 8) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "A hardware address has at most 8 bytes");
    }
    if (codec::MakeLinkLayer(ifindex, proto, mac.data, mac.length, out) != 0)
      ThrowTypeError(env, "ERR_INVALID_ARG_VALUE", "Invalid link-layer address");
    return;
  }
  if (family == AF_UNIX) {
    Napi::Value p = o.Get("path");
    if (!p.IsString()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"address.path\" property must be of type string");
    std::string path = p.As<Napi::String>().Utf8Value();
    if (codec::MakeUnix(path.data(), path.size(), out) != 0)
      ThrowRangeError(env, "ERR_OUT_OF_RANGE", "Unix socket path is too long");
    return;
  }
  ThrowTypeError(env, "ERR_INVALID_ARG_VALUE", "Unsupported address family " + std::to_string(family));
}

Napi::Value SockaddrToJs(Napi::Env env, const sockaddr* sa, socklen_t len) {
  Napi::Object o = Napi::Object::New(env);
  if (len < static_cast<socklen_t>(sizeof(sa_family_t))) {
    o.Set("family", Napi::Number::New(env, AF_UNSPEC));
    return o;
  }
  o.Set("family", Napi::Number::New(env, sa->sa_family));
  if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
    char buf[INET6_ADDRSTRLEN];
    uint16_t port = 0;
    uint32_t scope = 0;
    if (codec::FormatInet(sa, len, buf, sizeof(buf), &port, &scope) == 0) {
      o.Set("address", Napi::String::New(env, buf));
      o.Set("port", Napi::Number::New(env, port));
      if (sa->sa_family == AF_INET6) o.Set("scopeId", Napi::Number::New(env, scope));
    }
  } else if (sa->sa_family == AF_PACKET && len >= static_cast<socklen_t>(offsetof(sockaddr_ll, sll_addr))) {
    const auto* sll = reinterpret_cast<const sockaddr_ll*>(sa);
    o.Set("ifindex", Napi::Number::New(env, sll->sll_ifindex));
    o.Set("protocol", Napi::Number::New(env, ntohs(sll->sll_protocol)));
    o.Set("hatype", Napi::Number::New(env, sll->sll_hatype));
    o.Set("pkttype", Napi::Number::New(env, sll->sll_pkttype));
    size_t avail = static_cast<size_t>(len) - offsetof(sockaddr_ll, sll_addr);
    size_t halen = sll->sll_halen;
    if (halen > avail) halen = avail;
    if (halen > 8) halen = 8;
    char mac[32];
    codec::FormatMac(sll->sll_addr, halen, mac, sizeof(mac));
    o.Set("mac", Napi::String::New(env, mac));
  } else if (sa->sa_family == AF_UNIX) {
    const auto* sun = reinterpret_cast<const sockaddr_un*>(sa);
    size_t n = static_cast<size_t>(len) > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
    if (n > sizeof(sun->sun_path)) n = sizeof(sun->sun_path);
    if (n > 0 && sun->sun_path[0] != '\0') n = strnlen(sun->sun_path, n);
    o.Set("path", Napi::String::New(env, sun->sun_path, n));
  }
  return o;
}

}  // namespace sockit
