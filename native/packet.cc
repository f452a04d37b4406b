// AF_PACKET specifics that the generic socket/option/io calls cannot express:
// attaching a classic BPF program (sock_fprog holds a pointer), draining a
// socket's receive queue (filter replacement), and interface lookups done
// with ioctls on the packet socket itself, so they resolve in the socket's
// own network namespace. Receive/send go through the shared engine (io.cc).
// Every function is one system call (or one bounded loop of the same call)
// and returns -errno on failure.
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "common.h"

namespace sockit {

namespace {

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

// Discard up to `max` queued frames: recv(MSG_DONTWAIT) until EAGAIN → count | -errno.
int DrainQueue(int fd, int64_t max) {
  char scratch[1];
  int64_t n = 0;
  while (n < max) {
    ssize_t r = ::recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT | MSG_TRUNC);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return -errno;
    }
    n++;
  }
  return static_cast<int>(n);
}

// packetDrain(fd, max) → frames discarded | -errno.
// First membarrier (common.h), i.e. synchronize_rcu(): packet delivery runs
// in an RCU read-side section (softirq), so once it returns a frame that
// passed the previous filter on another CPU is already queued and is drained
// too, instead of arriving after setFilter() returned (the same step as the
// ring path's ringSkip). Blocks the loop one grace period: packetDrainAsync
// is the non-blocking form.
Napi::Value Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info);
  int64_t max = ArgInteger(info, 1, "max", 0, 1e9);
  Membarrier();
  int r = DrainQueue(fd, max);
  return r < 0 ? Errno(env, -r) : Napi::Number::New(env, r);
}

struct DrainArgs {
  int fd;
  int64_t max;
};

// packetDrainAsync(fd, max, callback): packetDrain with the membarrier on the
// threadpool and the drain on the loop, then callback(count | -errno).
Napi::Value DrainAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info);
  int64_t max = ArgInteger(info, 1, "max", 0, 1e9);
  Napi::Function cb = ArgFunction(info, 2, "callback");
  auto* args = new (std::nothrow) DrainArgs{fd, max};
  if (args == nullptr) ThrowNoMemory(env, "packetDrainAsync");
  QueueBlocking(
      env, Napi::Object::New(env), cb, [](void*) { Membarrier(); return 0; },
      [](Napi::Env, void* arg, int) {
        auto* a = static_cast<DrainArgs*>(arg);
        return DrainQueue(a->fd, a->max);
      },
      args, [](void* arg) { delete static_cast<DrainArgs*>(arg); });
  return env.Undefined();
}

// membarrierAsync(callback): membarrier(MEMBARRIER_CMD_GLOBAL) on the
// threadpool, then callback(0) on the loop: waits out one RCU grace period
// (every packet in flight has passed the filter it started with).
Napi::Value MembarrierAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Function cb = ArgFunction(info, 0, "callback");
  QueueBlocking(env, Napi::Object::New(env), cb, [](void*) { Membarrier(); return 0; }, nullptr, nullptr, nullptr);
  return env.Undefined();
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

}  // namespace

void RegisterPacket(Napi::Env env, Napi::Object exports) {
  exports.Set("packetAttachFilter", Napi::Function::New(env, AttachFilter, "packetAttachFilter"));
  exports.Set("packetDrain", Napi::Function::New(env, Drain, "packetDrain"));
  exports.Set("packetInterface", Napi::Function::New(env, Interface, "packetInterface"));
  exports.Set("packetDrainAsync", Napi::Function::New(env, DrainAsync, "packetDrainAsync"));
  exports.Set("membarrierAsync", Napi::Function::New(env, MembarrierAsync, "membarrierAsync"));
}

}  // namespace sockit
