// libFuzzer harness for native/codec/addr.cc: sockaddr building (inet, inet6,
// AF_PACKET, AF_UNIX) from hostile text/bytes, and formatting of hostile
// sockaddr bytes of any length. Properties: no memory error, no UB, and
// MakeInet → FormatInet → MakeInet reproduces the same address.
#include <fuzzer/FuzzedDataProvider.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codec/addr.h"

using namespace sockit::codec;

static void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_addr: property violated: %s\n", what);
    std::abort();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  SockAddr sa;
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: {  // MakeInet from hostile text, then round trip through FormatInet.
      int family = in.ConsumeBool() ? AF_INET : (in.ConsumeBool() ? AF_INET6 : in.ConsumeIntegral<int>());
      uint16_t port = in.ConsumeIntegral<uint16_t>();
      uint32_t scope = in.ConsumeIntegral<uint32_t>();
      std::string ip = in.ConsumeRemainingBytesAsString();  // may hold NULs; c_str() stops at the first
      int r = MakeInet(family, ip.c_str(), port, scope, &sa);
      if (r != 0) break;
      Check(sa.len == sizeof(sockaddr_in) || sa.len == sizeof(sockaddr_in6), "inet length");
      char buf[64];
      uint16_t p2 = 0;
      uint32_t s2 = 0;
      Check(FormatInet(reinterpret_cast<sockaddr*>(&sa.ss), sa.len, buf, sizeof(buf), &p2, &s2) == 0, "format of a made address");
      Check(p2 == port, "port round trip");
      if (family == AF_INET6) Check(s2 == scope, "scope round trip");
      SockAddr again;
      Check(MakeInet(family, buf, port, s2, &again) == 0, "formatted text parses");
      Check(again.len == sa.len && std::memcmp(&again.ss, &sa.ss, sa.len) == 0, "address round trip");
      // Too-short buffers and lengths must fail cleanly.
      char tiny[4];
      FormatInet(reinterpret_cast<sockaddr*>(&sa.ss), sa.len, tiny, sizeof(tiny), &p2, &s2);
      Check(FormatInet(reinterpret_cast<sockaddr*>(&sa.ss), sa.len - 1, buf, sizeof(buf), &p2, &s2) != 0, "short sockaddr rejected");
      break;
    }
    case 1: {  // AF_PACKET with a hostile hardware address length.
      int ifindex = in.ConsumeIntegral<int>();
      uint16_t proto = in.ConsumeIntegral<uint16_t>();
      std::vector<uint8_t> addr = in.ConsumeRemainingBytes<uint8_t>();
      int r = MakeLinkLayer(ifindex, proto, addr.empty() ? nullptr : addr.data(), addr.size(), &sa);
      if (r == 0) {
        Check(addr.size() <= 8 && ifindex >= 0, "accepted only valid link-layer input");
        const auto* sll = reinterpret_cast<const sockaddr_ll*>(&sa.ss);
        Check(sll->sll_halen == addr.size(), "halen");
        Check(addr.empty() || std::memcmp(sll->sll_addr, addr.data(), addr.size()) == 0, "mac copied");
        char mac[32];
        Check(FormatMac(sll->sll_addr, sll->sll_halen, mac, sizeof(mac)) == (addr.empty() ? 0 : addr.size() * 3 - 1), "mac text length");
      }
      break;
    }
    case 2: {  // AF_UNIX with a hostile path (embedded NULs, abstract, too long).
      std::vector<uint8_t> path = in.ConsumeRemainingBytes<uint8_t>();
      int r = MakeUnix(reinterpret_cast<const char*>(path.data()), path.size(), &sa);
      if (r == 0) {
        Check(path.size() < sizeof(sockaddr_un::sun_path), "path fits");
        Check(sa.len <= sizeof(sockaddr_un), "unix length");
      }
      break;
    }
    case 3: {  // FormatInet over hostile sockaddr bytes of any length (exact-size, aligned heap copy).
      size_t bufLen = in.ConsumeIntegralInRange<size_t>(0, 64);
      std::vector<uint8_t> raw = in.ConsumeRemainingBytes<uint8_t>();
      std::unique_ptr<uint8_t[]> copy(new uint8_t[raw.size() + 1]);
      if (!raw.empty()) std::memcpy(copy.get(), raw.data(), raw.size());
      std::unique_ptr<char[]> out(new char[bufLen + 1]);
      uint16_t port;
      uint32_t scope;
      int r = FormatInet(reinterpret_cast<const sockaddr*>(copy.get()), static_cast<socklen_t>(raw.size()), out.get(), bufLen, &port, &scope);
      if (r == 0) Check(std::strlen(out.get()) < bufLen, "text within buffer");
      FormatInet(nullptr, static_cast<socklen_t>(raw.size()), out.get(), bufLen, nullptr, nullptr);
      break;
    }
    default: {  // FormatMac with any length and buffer size.
      size_t bufLen = in.ConsumeIntegralInRange<size_t>(0, 40);
      std::vector<uint8_t> raw = in.ConsumeRemainingBytes<uint8_t>();
      std::unique_ptr<char[]> out(new char[bufLen ? bufLen : 1]);
      size_t n = FormatMac(raw.data(), raw.size(), out.get(), bufLen);
      if (n > 0) Check(n < bufLen && std::strlen(out.get()) == n, "mac within buffer");
      break;
    }
  }
  return 0;
}
