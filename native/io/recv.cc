// recvmmsg delivery: on READABLE, recvmmsg(MSG_DONTWAIT|MSG_TRUNC) into the
// handle's slab, one copy of the batch into the receive pool, the shared
// meta / addresses / control records filled, then ONE JS call per batch.
// Repeats until EAGAIN (bounded per wakeup for fairness).
// POLLERR: libuv reports it as UV_EBADF and stops the poll. The error queue
// is then drained (MSG_ERRQUEUE, delivered through the same batch call with
// the MSG_ERRQUEUE flag), SO_ERROR read (ECONNREFUSED on connected UDP) and
// the poll restarted.
#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "io/io.h"

namespace sockit::io {

namespace {

// One recvmmsg; returns count, 0 on EAGAIN, -errno on error.
int RecvBatch(IoState* s, int extraFlags) {
  for (uint32_t i = 0; i < s->batch; i++) {
    msghdr& m = s->msgs[i].msg_hdr;
    m.msg_namelen = sizeof(sockaddr_storage);
    m.msg_controllen = s->ctlSize;
    m.msg_flags = 0;
    s->msgs[i].msg_len = 0;
  }
  // MSG_CMSG_CLOEXEC only where descriptors can arrive: packet_recvmsg refuses unknown flags with EINVAL.
  if (s->maxRights) extraFlags |= MSG_CMSG_CLOEXEC;
  int n;
  do n = ::recvmmsg(s->fd, s->msgs.data(), s->batch, MSG_DONTWAIT | MSG_TRUNC | extraFlags, nullptr);
  while (n < 0 && errno == EINTR);
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
  return n;
}

// Copy one received batch into the receive pool, fill the shared metadata
// (offsets are into the pool Buffer), and make the one JS call.
// False when out of memory (the batch is lost; the caller reports it).
bool Deliver(IoState* s, int n) {
  size_t total = 0;
  for (int i = 0; i < n; i++) total += Captured(s, s->msgs[i].msg_len);
  napi_value buf;
  uint8_t* out = nullptr;
  if (!PoolReserve(s, total ? total : 1, &buf, &out)) return false;
  size_t off = s->poolOff;
  for (int i = 0; i < n; i++) {
    const mmsghdr& mm = s->msgs[i];
    uint32_t real = mm.msg_len;
    uint32_t len = Captured(s, real);
    uint32_t h = len < s->headSize ? len : s->headSize;
    std::memcpy(out + off, s->slab.get() + static_cast<size_t>(i) * s->headSize, h);
    if (len > h)
      std::memcpy(out + off + h, s->tail.get() + static_cast<size_t>(i) * (s->msgSize - s->headSize), len - h);
    PutMeta(s, i, off, len, real, static_cast<uint32_t>(mm.msg_hdr.msg_flags));
    off += len;
    uint8_t* a = s->addrs + i * kAddrStride;
    socklen_t nl = mm.msg_hdr.msg_namelen;
    if (nl > sizeof(sockaddr_storage)) nl = sizeof(sockaddr_storage);
    size_t copy = nl < kAddrStride ? nl : kAddrStride;
    std::memcpy(a, &s->names[i], copy);
    if (copy < kAddrStride) std::memset(a + copy, 0, kAddrStride - copy);
    auto* info = reinterpret_cast<codec::ControlInfo*>(s->infos + i * kInfoStride);
    size_t clen = mm.msg_hdr.msg_controllen;
    if (clen > s->ctlSize) clen = s->ctlSize;
    if (clen == 0) {
      info->present = 0;
    } else {
      const uint8_t* c = s->ctl.get() + static_cast<size_t>(i) * s->ctlSize;
      codec::DecodeControl(c, clen, info);
      if (s->maxRights) CollectUnix(s, static_cast<uint32_t>(i), c, clen, info);
    }
    if (mm.msg_hdr.msg_flags & MSG_CTRUNC) info->present |= codec::kHasCtrunc;
  }
  Publish(s, buf, off, static_cast<uint32_t>(n));
  return true;
}

bool Fatal(int err) { return err == EBADF || err == ENOTSOCK || err == EINVAL || err == EFAULT; }

}  // namespace

void DrainRead(IoState* s) {
  if (s->ring) {
    DrainRing(s);
    return;
  }
  if (s->accepting) {
    DrainAccept(s);
    return;
  }
  for (int iter = 0; iter < kBatchesPerWakeup && !s->closing && s->wantRead; iter++) {
    int n = RecvBatch(s, 0);
    if (n == 0) return;
    if (n < 0 && ReportedByQueue(s, -n)) continue;  // errqueue.cc: read on
    if (n < 0) {
      Emit(s, kEvError, -n, kSysRecv);
      if (Fatal(-n) && !s->closing) {
        s->wantRead = false;
        ApplyMask(s);
      }
      return;
    }
    bool eof = false;
    int got = TrimSeqpacketEof(s, n, &eof);
    if (got > 0 && !Deliver(s, got)) {
      FailNoMemory(s);
      return;
    }
    if (eof) {
      if (!s->closing) {
        s->wantRead = false;
        ApplyMask(s);
        Emit(s, kEvEnd, 0, 0);
      }
      return;
    }
    if (static_cast<uint32_t>(n) < s->batch) return;
  }
}

void HandlePollError(IoState* s) {
  // libuv turned POLLERR into UV_EBADF and stopped the poll.
  s->mask = 0;
  if (::fcntl(s->fd, F_GETFD) < 0) {
    Emit(s, kEvError, errno, kSysPoll);
    return;
  }
  if (AllocRecvBuffers(s) < 0) {  // a ring or send-only handle reads its error queue here first
    FailNoMemory(s);
    return;
  }
  // AF_UNIX has no error queue, and its recvmsg ignores MSG_ERRQUEUE: it would take ordinary messages.
  for (int iter = 0; iter < kBatchesPerWakeup && !s->closing && !s->maxRights; iter++) {
    int n = RecvBatch(s, MSG_ERRQUEUE);
    if (n <= 0) break;
    for (int i = 0; i < n; i++) s->msgs[i].msg_hdr.msg_flags |= MSG_ERRQUEUE;
    if (!Deliver(s, n)) {
      FailNoMemory(s);
      return;
    }
    if (static_cast<uint32_t>(n) < s->batch) break;
  }
  if (s->closing) return;
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0 && !ReportedByQueue(s, err)) Emit(s, kEvError, err, kSysSoError);
  if (!s->closing) ApplyMask(s);
}

// ioDecodeControl(bytes) → Buffer (one ControlInfo record): the receive
// decoder on arbitrary bytes, for tests and fuzzing.
Napi::Value DecodeControlJs(const Napi::CallbackInfo& info) {
  Bytes b = ArgBytes(info, 0, "control");
  if (b.length > kMaxControl * 16) ThrowRangeError(info.Env(), "ERR_OUT_OF_RANGE", "control data is too large");
  codec::ControlInfo out;
  codec::DecodeControl(b.data, b.length, &out);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), reinterpret_cast<uint8_t*>(&out), sizeof(out));
}

}  // namespace sockit::io
