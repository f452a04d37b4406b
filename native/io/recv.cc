// recvmmsg delivery: on READABLE, recvmmsg(MSG_DONTWAIT|MSG_TRUNC) straight
// into the receive pool (message i at base + i * slot, no copy), the shared
// meta / addresses / control records filled, then ONE JS call per batch.
// Repeats until EAGAIN (bounded per wakeup for fairness); a wakeup that ends
// at the bound with every batch full puts the handle in flood mode (handle.cc).
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

// Where one batch lands: the pool Buffer, its memory, the first slot's offset.
struct Landing {
  napi_value buf = nullptr;
  uint8_t* data = nullptr;
  size_t base = 0;
  uint32_t slot = 0;
  uint32_t count = 0;  // messages asked for
};

// Fewest slots worth receiving into before a fresh pool is taken.
constexpr uint32_t kMinLanding = 16;

size_t Align8(size_t n) { return (n + 7) & ~static_cast<size_t>(7); }

// One recvmmsg into the pool; returns count, 0 on EAGAIN, -errno on error
// (-ENOMEM: no pool). Each message's first iovec is its slot in the pool, the
// rest of messageSize spills into its share of the tail slab.
int RecvBatch(IoState* s, int extraFlags, Landing* l) {
  const uint32_t slot = s->slot;
  uint32_t minCount = s->batch < kMinLanding ? s->batch : kMinLanding;
  if (!PoolReserve(s, static_cast<size_t>(slot) * minCount + kMinSlot, &l->buf, &l->data)) return -ENOMEM;
  const size_t base = (s->poolOff + kMinSlot - 1) & ~static_cast<size_t>(kMinSlot - 1);
  size_t fit = (s->poolSize - base) / slot;
  const uint32_t count = fit < s->batch ? static_cast<uint32_t>(fit) : s->batch;
  const uint32_t first = slot < s->msgSize ? slot : s->msgSize;
  const uint32_t spill = s->msgSize - first;
  const size_t per = s->tailStride ? 2 : 1;
  for (uint32_t i = 0; i < count; i++) {
    msghdr& m = s->msgs[i].msg_hdr;
    iovec* v = &s->iovs[i * per];
    v[0].iov_base = l->data + base + static_cast<size_t>(i) * slot;
    v[0].iov_len = first;
    if (spill) v[1].iov_len = spill;
    m.msg_iovlen = spill ? 2 : 1;
    m.msg_namelen = sizeof(sockaddr_storage);
    m.msg_controllen = s->ctlSize;
    m.msg_flags = 0;
    s->msgs[i].msg_len = 0;
  }
  l->base = base;
  l->slot = slot;
  l->count = count;
  // MSG_CMSG_CLOEXEC only where descriptors can arrive: packet_recvmsg refuses unknown flags with EINVAL.
  if (s->maxRights) extraFlags |= MSG_CMSG_CLOEXEC;
  int n;
  do n = ::recvmmsg(s->fd, s->msgs.data(), count, MSG_DONTWAIT | MSG_TRUNC | extraFlags, nullptr);
  while (n < 0 && errno == EINTR);
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
  return n;
}

// Message i of a landed batch (pool memory `from`): its first part in its
// slot, the rest in the tail slab, joined at `to`.
void Join(const IoState* s, const Landing& l, const uint8_t* from, int i, uint32_t len, uint8_t* to) {
  uint32_t h = len < l.slot ? len : l.slot;
  std::memcpy(to, from + l.base + static_cast<size_t>(i) * l.slot, h);
  if (len > h) std::memcpy(to + h, s->tail.get() + static_cast<size_t>(i) * s->tailStride, len - h);
}

// Fill the shared metadata of a received batch (offsets into the pool Buffer)
// and make the one JS call. Messages longer than their slot are joined after
// the batch's slots, or, when the pool has no room for that, the whole batch
// is copied into a new pool. False when out of memory (the batch is lost;
// the caller reports it).
bool Deliver(IoState* s, int n, Landing& l) {
  size_t end = l.base + static_cast<size_t>(n) * l.slot;
  size_t spilled = 0, total = 0;
  uint32_t maxLen = 0;
  for (int i = 0; i < n; i++) {
    uint32_t len = Captured(s, s->msgs[i].msg_len);
    if (len > maxLen) maxLen = len;
    if (len > l.slot) spilled += Align8(len);
    total += Align8(len);
  }
  AdaptSlot(s, maxLen);
  if (spilled != 0 && end + spilled > s->poolSize) {
    // The landed pool's napi_value stays valid in this handle scope while it is copied from.
    const uint8_t* from = l.data;
    if (!PoolReplace(s, total, &l.buf, &l.data)) return false;
    end = 0;
    for (int i = 0; i < n; i++) {
      uint32_t len = Captured(s, s->msgs[i].msg_len);
      Join(s, l, from, i, len, l.data + end);
      PutMeta(s, static_cast<uint32_t>(i), end, len, s->msgs[i].msg_len, static_cast<uint32_t>(s->msgs[i].msg_hdr.msg_flags));
      end += Align8(len);
    }
  } else {
    for (int i = 0; i < n; i++) {
      const mmsghdr& mm = s->msgs[i];
      uint32_t len = Captured(s, mm.msg_len);
      size_t off = l.base + static_cast<size_t>(i) * l.slot;
      if (len > l.slot) {
        Join(s, l, l.data, i, len, l.data + end);
        off = end;
        end += Align8(len);
      }
      PutMeta(s, static_cast<uint32_t>(i), off, len, mm.msg_len, static_cast<uint32_t>(mm.msg_hdr.msg_flags));
    }
  }
  for (int i = 0; i < n; i++) {
    const mmsghdr& mm = s->msgs[i];
    PutAddress(s, static_cast<uint32_t>(i), &s->names[i], mm.msg_hdr.msg_namelen);
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
  Publish(s, l.buf, end, static_cast<uint32_t>(n));
  return true;
}

bool Fatal(int err) { return err == EBADF || err == ENOTSOCK || err == EINVAL || err == EFAULT; }

}  // namespace

bool DrainRead(IoState* s) {
  if (s->ring) {
    DrainRing(s);
    return false;
  }
  if (s->accepting) {
    DrainAccept(s);
    return false;
  }
  for (int iter = 0; iter < kBatchesPerWakeup && !s->closing && s->wantRead; iter++) {
    Landing l;
    int n = RecvBatch(s, 0, &l);
    if (n == 0) return false;
    if (n == -ENOMEM) {
      FailNoMemory(s);
      return false;
    }
    if (n < 0 && ReportedByQueue(s, -n)) continue;  // errqueue.cc: read on
    if (n < 0) {
      Emit(s, kEvError, -n, kSysRecv);
      if (Fatal(-n) && !s->closing) {
        s->wantRead = false;
        ApplyMask(s);
      }
      return false;
    }
    bool eof = false;
    int got = TrimSeqpacketEof(s, n, &eof);
    if (got > 0 && !Deliver(s, got, l)) {
      FailNoMemory(s);
      return false;
    }
    if (eof) {
      if (!s->closing) {
        s->wantRead = false;
        ApplyMask(s);
        Emit(s, kEvEnd, 0, 0);
      }
      return false;
    }
    if (static_cast<uint32_t>(n) < l.count) return false;
  }
  return !s->closing && s->wantRead;
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
    Landing l;
    int n = RecvBatch(s, MSG_ERRQUEUE, &l);
    if (n == -ENOMEM) {
      FailNoMemory(s);
      return;
    }
    if (n <= 0) break;
    for (int i = 0; i < n; i++) s->msgs[i].msg_hdr.msg_flags |= MSG_ERRQUEUE;
    if (!Deliver(s, n, l)) {
      FailNoMemory(s);
      return;
    }
    if (static_cast<uint32_t>(n) < l.count) break;
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
