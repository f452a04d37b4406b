// Sockets created inside another network namespace.
//
// A socket belongs to the namespace its creator was in at socket() time and
// keeps it for life, so creating one elsewhere only needs the calling thread
// to visit the target namespace for that single call:
//
//   open(target) → open(/proc/thread-self/ns/net) → setns(target) → socket()
//   → setns(back)
//
// Only the calling thread moves (setns affects the calling thread only; the
// libuv thread pool and other threads stay where they are). Every descriptor
// is O_CLOEXEC / SOCK_CLOEXEC. The way back is taken even when socket() fails;
// if it ever failed the thread would be stranded in a foreign namespace, and
// every later socket of the process would silently land there, so that case
// aborts loudly instead of continuing wrong.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "common.h"
#include "netns.h"

namespace sockit {

static Napi::Value Failure(Napi::Env env, int err, const char* syscall) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("errno", Napi::Number::New(env, -err));
  o.Set("syscall", Napi::String::New(env, syscall));
  return o;
}

// netnsSocket(path, domain, type, protocol) → fd | { errno: -errno, syscall }
// (type gets SOCK_NONBLOCK|SOCK_CLOEXEC added, as in socket()). The failure
// names its step (open, setns, socket) so the error can say what to do.
int EnterNetns(const std::string& path, int* saved, const char** step) {
  *step = "open";
  if (path.empty() || path.find('\0') != std::string::npos) return -ENOENT;
  int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) return -errno;
  int self = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) {
    int err = errno;
    ::close(target);
    return -err;
  }
  *step = "setns";
  if (::setns(target, CLONE_NEWNET) != 0) {
    int err = errno;
    ::close(target);
    ::close(self);
    return -err;
  }
  ::close(target);
  *saved = self;
  return 0;
}

void LeaveNetns(int saved) {
  if (::setns(saved, CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "sockit: FATAL: could not return to the original network namespace (errno %d); aborting\n", errno);
    std::abort();
  }
  ::close(saved);
}

static Napi::Value NetnsSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0, "path", 4096);
  int domain = ArgInt32(info, 1, "domain");
  int type = ArgInt32(info, 2, "type");
  int protocol = ArgInt32(info, 3, "protocol");
  int saved = -1;
  const char* step = "open";
  int r = EnterNetns(path, &saved, &step);
  if (r < 0) return Failure(env, -r, step);
  int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  int err = fd < 0 ? errno : 0;
  LeaveNetns(saved);
  if (fd < 0) return Failure(env, err, "socket");
  return Napi::Number::New(env, fd);
}

// netnsEnter(path) → descriptor of the namespace left behind | { errno, syscall }
// Moves the calling thread until netnsLeave(saved). For synchronous scopes
// (lib/system/netns.ts withNetns) and for the CLI's --netns, which moves its main
// thread for the whole run.
static Napi::Value NetnsEnter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0, "path", 4096);
  int saved = -1;
  const char* step = "open";
  int r = EnterNetns(path, &saved, &step);
  if (r < 0) return Failure(env, -r, step);
  return Napi::Number::New(env, saved);
}

// netnsLeave(saved) → 0 (aborts if the way back is impossible)
static Napi::Value NetnsLeave(const Napi::CallbackInfo& info) {
  int saved = ArgInt32(info, 0, "saved");
  if (saved < 0) ThrowRangeError(info.Env(), "ERR_OUT_OF_RANGE", "The \"saved\" argument must be a descriptor from netnsEnter");
  // Only a network-namespace descriptor can be a way back: anything else is
  // misuse (a TypeError-class mistake), not the fatal "cannot return" case.
  if (::ioctl(saved, NS_GET_NSTYPE) != CLONE_NEWNET)
    ThrowRangeError(info.Env(), "ERR_INVALID_ARG_VALUE", "The \"saved\" argument is not a network namespace descriptor from netnsEnter");
  LeaveNetns(saved);
  return Napi::Number::New(info.Env(), 0);
}

// netnsId(path) → "dev:inode" of the namespace file | -errno
// (two paths name the same namespace iff their ids are equal).
static Napi::Value NetnsId(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0, "path", 4096);
  if (path.empty() || path.find('\0') != std::string::npos) return Errno(env, ENOENT);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Errno(env, errno);
  return Napi::String::New(env, std::to_string(static_cast<unsigned long long>(st.st_dev)) + ":" +
                                    std::to_string(static_cast<unsigned long long>(st.st_ino)));
}

void RegisterNetns(Napi::Env env, Napi::Object exports) {
  exports.Set("netnsSocket", Napi::Function::New(env, NetnsSocket, "netnsSocket"));
  exports.Set("netnsEnter", Napi::Function::New(env, NetnsEnter, "netnsEnter"));
  exports.Set("netnsLeave", Napi::Function::New(env, NetnsLeave, "netnsLeave"));
  exports.Set("netnsId", Napi::Function::New(env, NetnsId, "netnsId"));
}

}  // namespace sockit
