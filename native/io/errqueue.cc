// The error queue on demand, and the rule that an ICMP error about one
// destination never fails a send to another.
//
//  - setErrors(true) keeps the poll active for POLLERR even while nothing
//    receives (UV_PRIORITIZED in the mask: libuv then reports POLLERR as a
//    normal event instead of stopping the poll), and every POLLERR drains the
//    whole error queue (recv.cc HandlePollError) so the poll never spins.
//  - With IP_RECVERR on an unconnected socket (and on any raw socket) the
//    kernel also stores the ICMP error in sk_err, and the NEXT send fails
//    with it whatever its destination (sock_alloc_send_pskb → sock_error,
//    which clears it). The record is still in the error queue, so the send
//    is simply retried once: a genuine failure fails again the same way.
//    recvmmsg fails the same way (sk_err): the receive loop reads on, and
//    the error reaches JS once, as the error-queue record.
#include <sys/socket.h>

#include <cerrno>

#include "io/io.h"

namespace sockit::io {

bool IcmpErrno(int err) {
  switch (err) {
    // icmp_err_convert / icmpv6_err_convert results
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENONET:
    case ENOPROTOOPT:
    case EPROTO:
    case EMSGSIZE:
    case EACCES:
    case EOPNOTSUPP:
      return true;
    default:
      return false;
  }
}

bool StaleSocketError(int fd, int err) {
  if (!IcmpErrno(err)) return false;
  // A connected socket's error is about its one peer: fail as before.
  // (errno is kept: the caller reports the send's own error when not retrying.)
  // Only IP sockets have an error queue fed by ICMP (a unix sender's ECONNREFUSED is its own).
  int saved = errno;
  sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  bool ip = ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0 && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
  len = sizeof(ss);
  bool unconnected = ip && ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0 && errno == ENOTCONN;
  errno = saved;
  return unconnected;
}

// setErrors(on) → 0 | -errno: poll for POLLERR (the error queue) even while not receiving.
Napi::Value IoHandle::SetErrors(const Napi::CallbackInfo& info) {
  bool on = ArgBool(info, 0, "on");
  IoState* s = Open();
  if (!s) return Errno(info.Env(), EBADF);
  s->wantErrors = on;
  int r = ApplyMask(s);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), 0);
}

}  // namespace sockit::io
