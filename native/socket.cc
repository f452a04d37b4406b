// Descriptor-level socket calls: one system call per function.
// Every function returns a negative errno on failure (never throws for it).
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdint>

#include "addr.h"
#include "common.h"

namespace sockit {

// socket(domain, type, protocol) with SOCK_NONBLOCK|SOCK_CLOEXEC → fd | -errno
static Napi::Value Socket(const Napi::CallbackInfo& info) {
  int domain = ArgInt32(info, 0, "domain");
  int type = ArgInt32(info, 1, "type");
  int protocol = ArgInt32(info, 2, "protocol");
  int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), fd);
}

static Napi::Value Bind(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  codec::SockAddr sa;
  JsToSockaddr(info.Env(), info.Length() > 1 ? info[1] : info.Env().Undefined(), &sa);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa.ss), sa.len) != 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

static Napi::Value Connect(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  codec::SockAddr sa;
  JsToSockaddr(info.Env(), info.Length() > 1 ? info[1] : info.Env().Undefined(), &sa);
  int r;
  do r = ::connect(fd, reinterpret_cast<sockaddr*>(&sa.ss), sa.len);
  while (r != 0 && errno == EINTR);
  if (r != 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

// connect(fd, AF_UNSPEC): dissolve a UDP association.
static Napi::Value Disconnect(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  sockaddr sa{};
  sa.sa_family = AF_UNSPEC;
  if (::connect(fd, &sa, sizeof(sa)) != 0 && errno != EAFNOSUPPORT) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

static Napi::Value Listen(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  int backlog = ArgInt32(info, 1, "backlog");
  if (::listen(fd, backlog) != 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

static Napi::Value GetSockName(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return Errno(info.Env(), errno);
  return SockaddrToJs(info.Env(), reinterpret_cast<sockaddr*>(&ss), len);
}

static Napi::Value GetPeerName(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return Errno(info.Env(), errno);
  return SockaddrToJs(info.Env(), reinterpret_cast<sockaddr*>(&ss), len);
}

static Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  int how = static_cast<int>(ArgInteger(info, 1, "how", 0, 2));
  if (::shutdown(fd, how) != 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

static Napi::Value Close(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  GetAddonData(info.Env())->ownedFds.erase(fd);
  // close() must not be retried on EINTR on Linux: the fd is gone either way.
  if (::close(fd) != 0 && errno != EINTR) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

// closeAsync(fd, callback): close(2) on the threadpool, then callback(0 |
// -errno) on the loop. Closing an AF_PACKET socket waits one RCU grace
// period (packet_release → synchronize_net), ~10 ms the loop must not block.
// The descriptor is unregistered (ownFd) at once; JS must not use it again.
static Napi::Value CloseAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info);
  Napi::Function cb = ArgFunction(info, 1, "callback");
  GetAddonData(env)->ownedFds.erase(fd);
  QueueBlocking(
      env, Napi::Object::New(env), cb,
      [](void* arg) {
        int r = ::close(static_cast<int>(reinterpret_cast<intptr_t>(arg)));
        return (r != 0 && errno != EINTR) ? -errno : 0;
      },
      nullptr, reinterpret_cast<void*>(static_cast<intptr_t>(fd)), nullptr);
  return env.Undefined();
}

// fstat: 1 if fd is a socket, 0 if not, -errno if fd is invalid.
static Napi::Value IsSocket(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  struct stat st;
  if (::fstat(fd, &st) != 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), S_ISSOCK(st.st_mode) ? 1 : 0);
}

// Set O_NONBLOCK (and FD_CLOEXEC) on an adopted descriptor.
static Napi::Value SetNonBlocking(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  bool on = ArgBool(info, 1, "nonBlocking");
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0) return Errno(info.Env(), errno);
  fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  if (::fcntl(fd, F_SETFL, fl) != 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

static Napi::Value SetCloexec(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  int fl = ::fcntl(fd, F_GETFD);
  if (fl < 0) return Errno(info.Env(), errno);
  if (::fcntl(fd, F_SETFD, fl | FD_CLOEXEC) != 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

// dup with CLOEXEC (used to hand a copy of a descriptor to Node).
static Napi::Value Dup(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  int r = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (r < 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), r);
}

// setsockopt(fd, level, optname, bytes) → 0 | -errno  (the raw escape hatch)
static Napi::Value SetSockOptRaw(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  int level = ArgInt32(info, 1, "level");
  int optname = ArgInt32(info, 2, "optname");
  Bytes b = ArgBytes(info, 3, "value");
  if (b.length > 1024 * 1024) ThrowRangeError(info.Env(), "ERR_OUT_OF_RANGE", "option value is larger than 1 MiB");
  if (::setsockopt(fd, level, optname, b.data, static_cast<socklen_t>(b.length)) != 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

// getsockopt(fd, level, optname, length) → Buffer (trimmed to the kernel's length) | -errno
static Napi::Value GetSockOptRaw(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  int level = ArgInt32(info, 1, "level");
  int optname = ArgInt32(info, 2, "optname");
  size_t length = static_cast<size_t>(ArgInteger(info, 3, "length", 0, 1024 * 1024));
  Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(info.Env(), length > 0 ? length : 1);
  std::memset(buf.Data(), 0, buf.Length());
  socklen_t len = static_cast<socklen_t>(length);
  if (::getsockopt(fd, level, optname, buf.Data(), &len) != 0) return Errno(info.Env(), errno);
  if (len > length) len = static_cast<socklen_t>(length);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), buf.Data(), len);
}

// ownFd(fd): the environment closes fd at teardown unless it is closed or forgotten first.
static Napi::Value OwnFd(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  GetAddonData(info.Env())->ownedFds.insert(fd);
  return info.Env().Undefined();
}

// forgetFd(fd): ownership handed elsewhere (Socket.release(), an IoHandle).
static Napi::Value ForgetFd(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info);
  GetAddonData(info.Env())->ownedFds.erase(fd);
  return info.Env().Undefined();
}

// glibc's strerror_r returns the message; the XSI one (musl) returns 0 and fills buf.
[[maybe_unused]] static const char* StrErrorResult(const char* r, const char*) { return r != nullptr ? r : ""; }
[[maybe_unused]] static const char* StrErrorResult(int r, const char* buf) { return r == 0 ? buf : ""; }

// strerror(errno) → the C library's message ("Network is unreachable"), for
// output that must read like the system tools' (libuv's messages differ).
static Napi::Value StrError(const Napi::CallbackInfo& info) {
  int e = static_cast<int>(ArgInteger(info, 0, "errno", 0, 4095));
  char buf[256] = "";
  return Napi::String::New(info.Env(), StrErrorResult(::strerror_r(e, buf, sizeof(buf)), buf));
}

static void CloseOwnedFds(void* arg) {
  auto* data = static_cast<AddonData*>(arg);
  for (int fd : data->ownedFds) ::close(fd);
  data->ownedFds.clear();
}

void RegisterSocket(Napi::Env env, Napi::Object exports) {
  napi_add_env_cleanup_hook(env, CloseOwnedFds, GetAddonData(env));
  exports.Set("ownFd", Napi::Function::New(env, OwnFd, "ownFd"));
  exports.Set("forgetFd", Napi::Function::New(env, ForgetFd, "forgetFd"));
  exports.Set("socket", Napi::Function::New(env, Socket, "socket"));
  exports.Set("bind", Napi::Function::New(env, Bind, "bind"));
  exports.Set("connect", Napi::Function::New(env, Connect, "connect"));
  exports.Set("disconnect", Napi::Function::New(env, Disconnect, "disconnect"));
  exports.Set("listen", Napi::Function::New(env, Listen, "listen"));
  exports.Set("getsockname", Napi::Function::New(env, GetSockName, "getsockname"));
  exports.Set("getpeername", Napi::Function::New(env, GetPeerName, "getpeername"));
  exports.Set("shutdown", Napi::Function::New(env, Shutdown, "shutdown"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("isSocket", Napi::Function::New(env, IsSocket, "isSocket"));
  exports.Set("setNonBlocking", Napi::Function::New(env, SetNonBlocking, "setNonBlocking"));
  exports.Set("setCloexec", Napi::Function::New(env, SetCloexec, "setCloexec"));
  exports.Set("setsockoptRaw", Napi::Function::New(env, SetSockOptRaw, "setsockoptRaw"));
  exports.Set("getsockoptRaw", Napi::Function::New(env, GetSockOptRaw, "getsockoptRaw"));
  exports.Set("dup", Napi::Function::New(env, Dup, "dup"));
  exports.Set("closeAsync", Napi::Function::New(env, CloseAsync, "closeAsync"));
  exports.Set("strerror", Napi::Function::New(env, StrError, "strerror"));
}

}  // namespace sockit
