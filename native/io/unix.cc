// AF_UNIX additions to the engine: the per-batch descriptor array for
// SCM_RIGHTS (handle.rights), the descriptors and credentials of each
// received message (called from recv.cc's Deliver), the SCM_RIGHTS /
// SCM_CREDENTIALS encoder for sends, and socketpair(2).
//
// Received descriptors belong to JS from the moment the batch call starts:
// lib/sockets/unix closes every one nobody took (close) and forgets those
// taken (forgetFd). Until then each is listed in the environment's owned
// descriptors (ownFd's set), which the env cleanup hook closes: a Worker
// that ends runs no JS, so nothing else would. Descriptors that do
// not fit the array are closed here and the message is flagged MSG_CTRUNC,
// as the kernel does for those that did not fit the control buffer.
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "codec/unix.h"
#include "io/io.h"

namespace sockit::io {

namespace {
void CloseDropped(int fd) { ::close(fd); }

// List n received descriptors among the environment's owned ones (the set
// ownFd uses: closed at teardown unless closed or forgotten first); when the
// set cannot grow, close them instead (false): the caller reports them dropped.
bool Own(IoState* s, const int32_t* fds, size_t n) {
  auto& owned = GetAddonData(Napi::Env(s->env))->ownedFds;
  size_t k = 0;
  try {
    for (; k < n; k++) owned.insert(fds[k]);
    return true;
  } catch (const std::bad_alloc&) {
    for (size_t j = 0; j < n; j++) {
      if (j < k) owned.erase(fds[j]);
      ::close(fds[j]);
    }
    return false;
  }
}
}  // namespace

void InitRights(Napi::Env env, IoState* s, Napi::Object self, uint32_t maxRights) {
  s->maxRights = maxRights;
  if (maxRights == 0) return;
  int type = 0;
  socklen_t tl = sizeof(type);
  s->seqpacket = ::getsockopt(s->fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_SEQPACKET;
  Napi::Int32Array rights = Napi::Int32Array::New(env, static_cast<size_t>(s->batch) * maxRights);
  s->rights = rights.Data();
  self.DefineProperty(Napi::PropertyDescriptor::Value("rights", rights, napi_enumerable));
  napi_create_reference(env, rights, 1, &s->rightsRef);
}

void CollectUnix(IoState* s, uint32_t i, const uint8_t* ctl, size_t clen, codec::ControlInfo* info) {
  int32_t* fds = s->rights ? s->rights + static_cast<size_t>(i) * s->maxRights : nullptr;
  size_t dropped = codec::DecodeUnixControl(ctl, clen, info, fds, s->maxRights, CloseDropped);
  if (info->rightsCount > 0 && !Own(s, fds, info->rightsCount)) {
    dropped += info->rightsCount;
    info->rightsCount = 0;
    info->present &= ~codec::kHasRights;
  }
  if (dropped) info->present |= codec::kHasCtrunc;
}

// recvmsg on a SOCK_SEQPACKET socket whose peer is gone returns 0 at once,
// every time: without this the socket would read empty messages forever. An
// empty message the peer sent just before closing looks the same and is
// taken for the end too (Linux cannot tell them apart either).
int TrimSeqpacketEof(IoState* s, int n, bool* eof) {
  *eof = false;
  if (!s->seqpacket || n <= 0 || s->msgs[n - 1].msg_len != 0) return n;
  pollfd p = {s->fd, POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0 || (p.revents & (POLLRDHUP | POLLHUP)) == 0) return n;
  int queued = 0;
  if (::ioctl(s->fd, SIOCINQ, &queued) != 0 || queued != 0) return n;
  int k = n;
  while (k > 0 && s->msgs[k - 1].msg_len == 0 && s->msgs[k - 1].msg_hdr.msg_controllen == 0) k--;
  *eof = true;
  return k;
}

void DrainAccept(IoState* s) {
  for (int iter = 0; iter < kBatchesPerWakeup && !s->closing && s->wantRead; iter++) {
    uint32_t n = 0;
    int err = 0;
    while (n < s->batch) {
      socklen_t len = sizeof(sockaddr_storage);
      int fd = ::accept4(s->fd, reinterpret_cast<sockaddr*>(&s->names[n]), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) err = errno;
        break;
      }
      if (!Own(s, &fd, 1)) {
        err = ENOMEM;
        break;
      }
      PutMeta(s, n, s->poolOff, 0, 0, 0);
      PutAddress(s, n, &s->names[n], len);
      auto* info = reinterpret_cast<codec::ControlInfo*>(s->infos + n * kInfoStride);
      std::memset(info, 0, sizeof(*info));
      info->present = codec::kHasRights;
      info->rightsCount = 1;
      s->rights[static_cast<size_t>(n) * s->maxRights] = fd;
      n++;
    }
    if (n > 0) {
      napi_value buf;
      uint8_t* out = nullptr;
      if (!PoolReserve(s, 1, &buf, &out)) {
        for (uint32_t i = 0; i < n; i++) {
          int fd = s->rights[static_cast<size_t>(i) * s->maxRights];
          GetAddonData(Napi::Env(s->env))->ownedFds.erase(fd);
          ::close(fd);
        }
        FailNoMemory(s);
        return;
      }
      Publish(s, buf, s->poolOff, n);
    }
    if (err != 0) {
      // EMFILE and the like stay readable: stop accepting rather than spin (JS reports it).
      if (!s->closing) {
        s->wantRead = false;
        ApplyMask(s);
        Emit(s, kEvError, err, kSysRecv);
      }
      return;
    }
    if (n < s->batch) return;
  }
}

// ioEncodeUnixControl(fds: number[], credentials?: { pid, uid, gid }) → Buffer | -errno
// Every value is read before anything is encoded (getters run first).
Napi::Value EncodeUnixControlJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"fds\" argument must be an Array");
  Napi::Array arr = info[0].As<Napi::Array>();
  uint32_t n = arr.Length();
  if (n > codec::kMaxRights) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "a message carries at most 253 descriptors (SCM_MAX_FD)");
  int32_t fds[codec::kMaxRights];
  for (uint32_t k = 0; k < n; k++) fds[k] = static_cast<int32_t>(ValueInteger(env, arr.Get(k), "fds[i]", 0, 2147483647.0));
  int32_t cred[3];
  bool hasCred = false;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Object c = info[1].As<Napi::Object>();
    Napi::Value pid = c.Get("pid"), uid = c.Get("uid"), gid = c.Get("gid");
    cred[0] = static_cast<int32_t>(ValueInteger(env, pid, "credentials.pid", 0, 2147483647.0));
    cred[1] = static_cast<int32_t>(static_cast<uint32_t>(ValueInteger(env, uid, "credentials.uid", 0, 4294967295.0)));
    cred[2] = static_cast<int32_t>(static_cast<uint32_t>(ValueInteger(env, gid, "credentials.gid", 0, 4294967295.0)));
    hasCred = true;
  }
  uint8_t buf[codec::kMaxUnixControl];
  int r = codec::EncodeUnixControl(fds, n, hasCred ? cred : nullptr, buf, sizeof(buf));
  if (r < 0) return Errno(env, -r);
  return Napi::Buffer<uint8_t>::Copy(env, buf, static_cast<size_t>(r));
}

// socketpair(type) → [fd, fd] | -errno (AF_UNIX, SOCK_NONBLOCK | SOCK_CLOEXEC added).
Napi::Value SocketPairJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int type = static_cast<int>(ArgInteger(info, 0, "type", 1, 10));
  int sv[2];
  if (::socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) return Errno(env, errno);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, sv[0]));
  out.Set(1u, Napi::Number::New(env, sv[1]));
  return out;
}

// unixAutobind(fd) → 0 | -errno: bind with an address of sun_family alone
// (addrlen 2), for which Linux picks a unique abstract name.
Napi::Value UnixAutobindJs(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  sockaddr sa;
  sa.sa_family = AF_UNIX;
  if (::bind(fd, &sa, sizeof(sa_family_t)) != 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

}  // namespace sockit::io
