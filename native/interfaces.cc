// Network interfaces: name/index lookups, enumeration (getifaddrs, which asks
// the kernel over rtnetlink in the caller's network namespace) and per-device
// ioctls (MTU). Never reads sysfs: inside `unshare --net` /sys/class/net still
// shows the parent namespace's interfaces.
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "addr.h"
#include "common.h"
#include "netns.h"

namespace sockit {

// One interface ioctl (SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFMTU) on a throwaway
// datagram socket → 0 | -errno. glibc's if_nametoindex/if_indextoname hide
// socket()'s errno (EMFILE came back as ENOENT "no interface"), so the
// lookups use this instead.
static int IfreqIoctl(unsigned long request, struct ifreq* ifr) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 && errno == EAFNOSUPPORT) fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int r = ::ioctl(fd, request, ifr);
  int err = errno;
  ::close(fd);
  return r == 0 ? 0 : -err;
}

// An ifreq naming `name` → false when the name cannot be an interface name.
static bool NamedIfreq(const std::string& name, struct ifreq* ifr) {
  std::memset(ifr, 0, sizeof(*ifr));
  if (name.empty() || name.size() >= IFNAMSIZ) return false;
  std::memcpy(ifr->ifr_name, name.data(), name.size());
  return true;
}

// if_nametoindex (SIOCGIFINDEX) → index | -errno
static Napi::Value IfNameToIndex(const Napi::CallbackInfo& info) {
  struct ifreq ifr;
  if (!NamedIfreq(ArgString(info, 0, "name", 64), &ifr)) return Errno(info.Env(), ENODEV);
  int r = IfreqIoctl(SIOCGIFINDEX, &ifr);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), ifr.ifr_ifindex);
}

// if_indextoname (SIOCGIFNAME) → name | -errno
static Napi::Value IfIndexToName(const Napi::CallbackInfo& info) {
  uint32_t idx = ArgUint32(info, 0, "index");
  if (idx == 0 || idx > 0x7fffffffu) return Errno(info.Env(), ENXIO);
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_ifindex = static_cast<int>(idx);
  int r = IfreqIoctl(SIOCGIFNAME, &ifr);
  // The kernel says ENODEV; keep if_indextoname's documented ENXIO.
  if (r < 0) return Errno(info.Env(), r == -ENODEV ? ENXIO : -r);
  ifr.ifr_name[IFNAMSIZ - 1] = '\0';
  return Napi::String::New(info.Env(), ifr.ifr_name);
}

static socklen_t SockaddrLen(const sockaddr* sa) {
  switch (sa->sa_family) {
    case AF_INET: return sizeof(sockaddr_in);
    case AF_INET6: return sizeof(sockaddr_in6);
    case AF_PACKET: return sizeof(sockaddr_ll);
    default: return sizeof(sockaddr);
  }
}

static int MtuOf(int fd, const char* name) {
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof(ifr));
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (fd < 0 || ::ioctl(fd, SIOCGIFMTU, &ifr) != 0) return -errno;
  return ifr.ifr_mtu;
}

// getifaddrs([netnsPath]) → [{ name, flags, addr?, netmask?, broadaddr?, dstaddr?, mtu? }]
//                           | -errno | { errno, syscall } (entering the namespace failed)
// One entry per (interface, address); AF_PACKET entries carry the ifindex,
// hardware type, MAC and the MTU (ioctl SIOCGIFMTU). Sockaddrs use addr.h's
// JS shape. With a namespace path, the calling thread visits that namespace
// for the duration of the call (see netns.cc).
static Napi::Value GetIfAddrs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int saved = -1;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    std::string path = ArgString(info, 0, "netns", 4096);
    const char* step = "open";
    int r = EnterNetns(path, &saved, &step);
    if (r < 0) {
      Napi::Object f = Napi::Object::New(env);
      f.Set("errno", Napi::Number::New(env, r));
      f.Set("syscall", Napi::String::New(env, step));
      return f;
    }
  }
  struct ifaddrs* list = nullptr;
  int gr = ::getifaddrs(&list);
  int gerr = errno;
  int ioctlFd = gr == 0 ? ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) : -1;
  // Gather plain data while inside, build JS objects after leaving.
  struct Row {
    std::string name;
    unsigned flags;
    int mtu;
    sockaddr_storage addr, netmask, brd;
    socklen_t addrLen, netmaskLen, brdLen;
  };
  std::vector<Row> rows;
  if (gr == 0) {
    for (struct ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
      Row row{};
      row.name = it->ifa_name ? it->ifa_name : "";
      row.flags = it->ifa_flags;
      row.mtu = 0;
      if (it->ifa_addr) {
        row.addrLen = SockaddrLen(it->ifa_addr);
        std::memcpy(&row.addr, it->ifa_addr, row.addrLen);
        if (it->ifa_addr->sa_family == AF_PACKET) row.mtu = MtuOf(ioctlFd, row.name.c_str());
        if (it->ifa_netmask && it->ifa_netmask->sa_family == it->ifa_addr->sa_family) {
          row.netmaskLen = SockaddrLen(it->ifa_netmask);
          std::memcpy(&row.netmask, it->ifa_netmask, row.netmaskLen);
        }
        // ifa_broadaddr and ifa_dstaddr share storage; IFF_BROADCAST says which.
        if (it->ifa_broadaddr && it->ifa_broadaddr->sa_family == it->ifa_addr->sa_family &&
            it->ifa_addr->sa_family != AF_PACKET && (it->ifa_flags & (IFF_BROADCAST | IFF_POINTOPOINT))) {
          row.brdLen = SockaddrLen(it->ifa_broadaddr);
          std::memcpy(&row.brd, it->ifa_broadaddr, row.brdLen);
        }
      }
      rows.push_back(row);
    }
    ::freeifaddrs(list);
  }
  if (ioctlFd >= 0) ::close(ioctlFd);
  if (saved >= 0) LeaveNetns(saved);
  if (gr != 0) return Errno(env, gerr);

  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (const Row& row : rows) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("name", Napi::String::New(env, row.name));
    e.Set("flags", Napi::Number::New(env, row.flags));
    if (row.addrLen) e.Set("addr", SockaddrToJs(env, reinterpret_cast<const sockaddr*>(&row.addr), row.addrLen));
    if (row.netmaskLen) e.Set("netmask", SockaddrToJs(env, reinterpret_cast<const sockaddr*>(&row.netmask), row.netmaskLen));
    if (row.brdLen)
      e.Set((row.flags & IFF_BROADCAST) ? "broadaddr" : "dstaddr",
            SockaddrToJs(env, reinterpret_cast<const sockaddr*>(&row.brd), row.brdLen));
    if (row.mtu > 0) e.Set("mtu", Napi::Number::New(env, row.mtu));
    out.Set(n++, e);
  }
  return out;
}

// ioctl(SIOCGIFMTU) → mtu | -errno
static Napi::Value IfMtu(const Napi::CallbackInfo& info) {
  struct ifreq ifr;
  if (!NamedIfreq(ArgString(info, 0, "name", 64), &ifr)) return Errno(info.Env(), ENODEV);
  int r = IfreqIoctl(SIOCGIFMTU, &ifr);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), ifr.ifr_mtu);
}

// capget(2) for the calling thread → [effective low 32 bits, effective high 32 bits] | -errno
static Napi::Value CapEffective(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct __user_cap_header_struct hdr;
  struct __user_cap_data_struct data[2];
  std::memset(&hdr, 0, sizeof(hdr));
  std::memset(data, 0, sizeof(data));
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  hdr.pid = 0;
  if (::syscall(SYS_capget, &hdr, data) != 0) return Errno(env, errno);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, data[0].effective));
  out.Set(1u, Napi::Number::New(env, data[1].effective));
  return out;
}

void RegisterInterfaces(Napi::Env env, Napi::Object exports) {
  exports.Set("capEffective", Napi::Function::New(env, CapEffective, "capEffective"));
  Napi::Object caps = Napi::Object::New(env);
  caps.Set("CAP_NET_BIND_SERVICE", Napi::Number::New(env, CAP_NET_BIND_SERVICE));
  caps.Set("CAP_NET_ADMIN", Napi::Number::New(env, CAP_NET_ADMIN));
  caps.Set("CAP_NET_RAW", Napi::Number::New(env, CAP_NET_RAW));
  caps.Set("CAP_SYS_ADMIN", Napi::Number::New(env, CAP_SYS_ADMIN));
  exports.Set("capabilityConstants", caps);
  exports.Set("getifaddrs", Napi::Function::New(env, GetIfAddrs, "getifaddrs"));
  exports.Set("ifMtu", Napi::Function::New(env, IfMtu, "ifMtu"));
  Napi::Object bits = Napi::Object::New(env);
#define SOCKIT_IFF(name) bits.Set(#name, Napi::Number::New(env, name))
  SOCKIT_IFF(IFF_UP);
  SOCKIT_IFF(IFF_BROADCAST);
  SOCKIT_IFF(IFF_LOOPBACK);
  SOCKIT_IFF(IFF_POINTOPOINT);
  SOCKIT_IFF(IFF_RUNNING);
  SOCKIT_IFF(IFF_NOARP);
  SOCKIT_IFF(IFF_PROMISC);
  SOCKIT_IFF(IFF_ALLMULTI);
  SOCKIT_IFF(IFF_MULTICAST);
  SOCKIT_IFF(ARPHRD_ETHER);
  SOCKIT_IFF(ARPHRD_LOOPBACK);
  SOCKIT_IFF(ARPHRD_NONE);
#undef SOCKIT_IFF
  exports.Set("interfaceConstants", bits);
  exports.Set("ifNameToIndex", Napi::Function::New(env, IfNameToIndex, "ifNameToIndex"));
  exports.Set("ifIndexToName", Napi::Function::New(env, IfIndexToName, "ifIndexToName"));
}

}  // namespace sockit
