// AF_PACKET specifics that the generic socket/option/io calls cannot express:
// attaching a classic BPF program (sock_fprog holds a pointer), draining a
// socket's receive queue (filter replacement), and interface lookups done
// with ioctls on the packet socket itself, so they resolve in the socket's
// own network namespace. Receive/send go through the shared engine (io.cc).
// Every function is one system call (or one bounded loop of the same call)
// and returns -errno on failure.
#include <linux/filter.h>
#include <linux/membarrier.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common.h"

namespace sockit {

namespace {

int ArgFd(const Napi::CallbackInfo& info) { return static_cast<int>(ArgInteger(info, 0, "fd", 0, 2147483647.0)); }

// packetAttachFilter(fd, sock_filter bytes) → 0 | -errno   (SO_ATTACH_FILTER)
Napi::Value AttachFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info);
  Bytes b = ArgBytes(info, 1, "program");
  if (b.length == 0 || b.length % sizeof(sock_filter) != 0 || b.length / sizeof(sock_filter) > BPF_MAXINSNS)
    ThrowRangeError(env, "ERR_OUT_OF_RANGE", "a BPF program is 1 to 4096 instructions of 8 bytes");
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(b.length / sizeof(sock_filter));
  prog.filter = reinterpret_cast<sock_filter*>(b.data);  // the kernel copies it during the call
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0) return Errno(env, errno);
  return Napi::Number::New(env, 0);
}

// packetDrain(fd, max) → frames discarded | -errno. recv(MSG_DONTWAIT) until EAGAIN.
// First membarrier(MEMBARRIER_CMD_GLOBAL), i.e. synchronize_rcu(): packet
// delivery runs in an RCU read-side section (softirq), so once it returns a
// frame that passed the previous filter on another CPU is already queued and
// is drained too, instead of arriving after setFilter() returned (the same
// step as the ring path's ringSkip). Best effort where membarrier is missing.
Napi::Value Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info);
  int64_t max = ArgInteger(info, 1, "max", 0, 1e9);
  ::syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
  char scratch[1];
  int64_t n = 0;
  while (n < max) {
    ssize_t r = ::recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT | MSG_TRUNC);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return Errno(env, errno);
    }
    n++;
  }
  return Napi::Number::New(env, static_cast<double>(n));
}

// packetInterface(fd, name | index) → { index, name, mtu, flags } | -errno
// SIOCGIFINDEX / SIOCGIFNAME, then SIOCGIFMTU and SIOCGIFFLAGS, on `fd`.
Napi::Value Interface(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info);
  ifreq ifr;
  std::memset(&ifr, 0, sizeof(ifr));
  if (info.Length() > 1 && info[1].IsString()) {
    std::string name = info[1].As<Napi::String>().Utf8Value();
    if (name.empty() || name.size() >= IFNAMSIZ) return Errno(env, ENODEV);
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    if (::ioctl(fd, SIOCGIFINDEX, &ifr) != 0) return Errno(env, errno);
  } else {
    ifr.ifr_ifindex = static_cast<int>(ArgInteger(info, 1, "interface", 1, 2147483647.0));
    if (::ioctl(fd, SIOCGIFNAME, &ifr) != 0) return Errno(env, errno);
  }
  ifr.ifr_name[IFNAMSIZ - 1] = '\0';
  int index = ifr.ifr_ifindex;
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", Napi::Number::New(env, index));
  o.Set("name", Napi::String::New(env, ifr.ifr_name));
  if (::ioctl(fd, SIOCGIFMTU, &ifr) != 0) return Errno(env, errno);
  o.Set("mtu", Napi::Number::New(env, ifr.ifr_mtu));
  if (::ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) return Errno(env, errno);
  o.Set("flags", Napi::Number::New(env, static_cast<uint16_t>(ifr.ifr_flags)));
  return o;
}

#define SOCKIT_PACKET_CONST(name) \
  if (!c.Has(#name)) c.Set(#name, Napi::Number::New(env, name))

}  // namespace

void RegisterPacket(Napi::Env env, Napi::Object exports) {
  exports.Set("packetAttachFilter", Napi::Function::New(env, AttachFilter, "packetAttachFilter"));
  exports.Set("packetDrain", Napi::Function::New(env, Drain, "packetDrain"));
  exports.Set("packetInterface", Napi::Function::New(env, Interface, "packetInterface"));
  // The constants lib/sockets/packet.ts uses (added only where constants.cc did not already).
  Napi::Value cv = exports.Get("constants");
  if (!cv.IsObject()) return;
  Napi::Object c = cv.As<Napi::Object>();
  SOCKIT_PACKET_CONST(SOL_PACKET);
  SOCKIT_PACKET_CONST(ETH_P_ALL);
  SOCKIT_PACKET_CONST(ETH_P_8021Q);
  SOCKIT_PACKET_CONST(ETH_P_8021AD);
  SOCKIT_PACKET_CONST(PACKET_ADD_MEMBERSHIP);
  SOCKIT_PACKET_CONST(PACKET_DROP_MEMBERSHIP);
  SOCKIT_PACKET_CONST(PACKET_MR_MULTICAST);
  SOCKIT_PACKET_CONST(PACKET_MR_PROMISC);
  SOCKIT_PACKET_CONST(PACKET_MR_ALLMULTI);
  SOCKIT_PACKET_CONST(PACKET_STATISTICS);
  SOCKIT_PACKET_CONST(PACKET_AUXDATA);
  SOCKIT_PACKET_CONST(PACKET_FANOUT);
  SOCKIT_PACKET_CONST(PACKET_FANOUT_HASH);
  SOCKIT_PACKET_CONST(PACKET_FANOUT_LB);
  SOCKIT_PACKET_CONST(PACKET_FANOUT_CPU);
  SOCKIT_PACKET_CONST(PACKET_FANOUT_ROLLOVER);
  SOCKIT_PACKET_CONST(PACKET_FANOUT_RND);
  SOCKIT_PACKET_CONST(PACKET_FANOUT_QM);
  SOCKIT_PACKET_CONST(PACKET_FANOUT_FLAG_ROLLOVER);
  SOCKIT_PACKET_CONST(PACKET_FANOUT_FLAG_DEFRAG);
  SOCKIT_PACKET_CONST(PACKET_IGNORE_OUTGOING);
  SOCKIT_PACKET_CONST(PACKET_HOST);
  SOCKIT_PACKET_CONST(PACKET_BROADCAST);
  SOCKIT_PACKET_CONST(PACKET_MULTICAST);
  SOCKIT_PACKET_CONST(PACKET_OTHERHOST);
  SOCKIT_PACKET_CONST(PACKET_OUTGOING);
  SOCKIT_PACKET_CONST(TP_STATUS_VLAN_VALID);
  SOCKIT_PACKET_CONST(TP_STATUS_VLAN_TPID_VALID);
  SOCKIT_PACKET_CONST(SO_ATTACH_FILTER);
  SOCKIT_PACKET_CONST(SO_DETACH_FILTER);
  SOCKIT_PACKET_CONST(SO_LOCK_FILTER);
  SOCKIT_PACKET_CONST(SO_TIMESTAMPNS);
  SOCKIT_PACKET_CONST(SO_RCVBUF);
  SOCKIT_PACKET_CONST(SO_RCVBUFFORCE);
  SOCKIT_PACKET_CONST(SO_SNDBUF);
  SOCKIT_PACKET_CONST(SO_SNDBUFFORCE);
  SOCKIT_PACKET_CONST(IFF_UP);
  SOCKIT_PACKET_CONST(IFF_PROMISC);
}

}  // namespace sockit
