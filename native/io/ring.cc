// Ring delivery (opt-in, AF_PACKET): instead of recvmmsg, the engine reads a
// TPACKET_V3 RX ring that ioRingSetup mapped (codec/ring.h) and the handle
// adopted. On READABLE it walks the blocks the kernel handed over, copies
// each frame into the same receive pool and fills the same meta / addresses /
// control records recvmmsg would have produced (sockaddr_ll from the ring,
// PACKET_AUXDATA fields and the timestamp from the tpacket3_hdr), gives every
// fully copied block back to the kernel, then makes the one JS call per
// batch. JS never sees the mapping, so no kept view can outlive it; it is
// unmapped when the handle's descriptor is closed.
#include <linux/if_packet.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/io.h"

namespace sockit::io {

namespace {

const napi_type_tag kIoRingTag = {0x736f636b69745f72ull, 0x696e675f76330001ull};

// Ring receive: copy `n` gathered ring frames into the receive pool, fill
// the shared records as recvmmsg + DecodeControl would have, give the
// `ndone` fully copied blocks back to the kernel, then make the one JS call.
// False when out of memory (the frames are dropped, the blocks still released).
bool DeliverRing(IoState* s, uint32_t n, size_t ndone) {
  size_t total = 0;
  for (uint32_t i = 0; i < n; i++) total += Captured(s, s->rframes[i].snaplen);
  napi_value buf;
  uint8_t* out = nullptr;
  bool ok = PoolReserve(s, total ? total : 1, &buf, &out);
  size_t off = ok ? s->poolOff : 0;
  for (uint32_t i = 0; ok && i < n; i++) {
    const codec::RingFrame& f = s->rframes[i];
    uint32_t len = Captured(s, f.snaplen);
    uint32_t real = f.len > len ? f.len : len;
    std::memcpy(out + off, f.data, len);
    PutMeta(s, i, off, len, real, real > len ? static_cast<uint32_t>(MSG_TRUNC) : 0);
    off += len;
    static_assert(sizeof(sockaddr_ll) <= kAddrLength, "sockaddr_ll fits an address record");
    PutAddress(s, i, f.sll, sizeof(sockaddr_ll));
    auto* info = reinterpret_cast<codec::ControlInfo*>(s->infos + i * kInfoStride);
    std::memset(info, 0, sizeof(*info));
    info->present = codec::kHasAuxdata | codec::kHasTimestamp;
    info->tpStatus = f.status;
    info->tpLen = f.len;
    info->tpSnaplen = f.snaplen;
    info->tpMac = 0;  // as in PACKET_AUXDATA: offsets relative to the delivered data
    info->tpNet = f.net >= f.mac ? static_cast<uint16_t>(f.net - f.mac) : 0;
    info->tpVlanTci = f.vlanTci;
    info->tpVlanTpid = f.vlanTpid;
    info->timestampNs = static_cast<int64_t>(f.sec) * 1000000000 + f.nsec;
  }
  // Copied (or dropped for lack of memory): the blocks go back to the kernel now, before JS runs.
  for (size_t i = 0; i < ndone; i++) codec::RxRingRelease(s->ring.get(), s->rdone[i]);
  if (!ok) return false;
  Publish(s, buf, off, n);
  return true;
}

}  // namespace

void DrainRing(IoState* s) {
  codec::RxRing* r = s->ring.get();
  for (int iter = 0; iter < kBatchesPerWakeup && !s->closing && s->wantRead; iter++) {
    uint32_t n = 0;
    size_t ndone = 0;
    while (n < s->batch && codec::RxRingNext(r, &s->rframes[n], s->rdone.data(), s->rdone.size(), &ndone)) n++;
    codec::RxRingSettle(r, s->rdone.data(), s->rdone.size(), &ndone);
    if (n == 0) {
      for (size_t i = 0; i < ndone; i++) codec::RxRingRelease(r, s->rdone[i]);
      return;
    }
    if (!DeliverRing(s, n, ndone)) {
      FailNoMemory(s);
      return;
    }
    if (n < s->batch) return;
  }
}

// ---------------------------------------------------------------------------

Napi::Function IoRing::Init(Napi::Env env) {
  return DefineClass(env, "IoRing",
                     {
                         InstanceMethod<&IoRing::Unmap>("unmap"),
                         InstanceAccessor<&IoRing::GetMapped>("mapped"),
                         InstanceAccessor<&IoRing::GetSize>("size"),
                     });
}

IoRing::~IoRing() { codec::RxRingUnmap(&ring); }

IoRing* IoRing::From(Napi::Env env, Napi::Value v) {
  if (!v.IsObject()) return nullptr;
  bool tagged = false;
  if (napi_check_object_type_tag(env, v, &kIoRingTag, &tagged) != napi_ok || !tagged) return nullptr;
  return IoRing::Unwrap(v.As<Napi::Object>());
}

Napi::Value IoRing::Unmap(const Napi::CallbackInfo& info) {
  codec::RxRingUnmap(&ring);
  return info.Env().Undefined();
}
Napi::Value IoRing::GetMapped(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), ring.map != nullptr); }
Napi::Value IoRing::GetSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ring.mapLen));
}

// ioRingSetup(fd, blockSize, blockCount, frameSize, timeoutMs) → IoRing | -errno
// PACKET_VERSION = TPACKET_V3, PACKET_RX_RING, mmap (codec::RxRingSetup). A
// geometry the kernel would refuse is a RangeError naming the rule.
Napi::Value RingSetup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  codec::RingGeometry g;
  g.blockSize = static_cast<uint32_t>(ArgInteger(info, 1, "blockSize", 1, 4294967295.0));
  g.blockCount = static_cast<uint32_t>(ArgInteger(info, 2, "blockCount", 1, 4294967295.0));
  g.frameSize = static_cast<uint32_t>(ArgInteger(info, 3, "frameSize", 1, 4294967295.0));
  g.timeoutMs = static_cast<uint32_t>(ArgInteger(info, 4, "timeoutMs", 0, 60000));
  long page = ::sysconf(_SC_PAGESIZE);
  if (const char* bad = codec::RingGeometryError(g, page > 0 ? static_cast<size_t>(page) : 4096))
    ThrowRangeError(env, "ERR_OUT_OF_RANGE", bad);
  auto* reg = static_cast<Registry*>(GetAddonData(env)->io);
  if (reg == nullptr || reg->exiting || reg->ringCtor == nullptr) ThrowTypeError(env, "ERR_INVALID_STATE", "the environment is shutting down");
  napi_value ctor, obj;
  if (napi_get_reference_value(env, reg->ringCtor, &ctor) != napi_ok || napi_new_instance(env, ctor, 0, nullptr, &obj) != napi_ok)
    ThrowTypeError(env, "ERR_INVALID_STATE", "cannot create an IoRing");
  napi_type_tag_object(env, obj, &kIoRingTag);
  IoRing* ring = IoRing::Unwrap(Napi::Object(env, obj));
  int r = codec::RxRingSetup(fd, g, &ring->ring);
  if (r < 0) return Errno(env, -r);
  return Napi::Value(env, obj);
}

// ringSkip(): discard, unread, every frame the kernel has put into the ring
// so far (codec::RxRingSkipQueued). → 0 | -EBADF (closed) | -EINVAL (no ring)
// First membarrier(MEMBARRIER_CMD_GLOBAL), i.e. synchronize_rcu(): packet
// delivery runs in an RCU read-side section (softirq), so once it returns
// every frame that ran the previous filter on another CPU has also been
// counted in its block; the snapshot then cannot miss one in flight.
// Blocks the loop one grace period: ringSkipAsync is the non-blocking form.
Napi::Value IoHandle::RingSkip(const Napi::CallbackInfo& info) {
  IoState* s = Open();
  if (!s) return Errno(info.Env(), EBADF);
  if (!s->ring) return Errno(info.Env(), EINVAL);
  Membarrier();
  codec::RxRingSkipQueued(s->ring.get());
  return Napi::Number::New(info.Env(), 0);
}

// ringSkipAsync(cb): ringSkip with the membarrier on the threadpool; the
// skip itself runs on the loop, then cb(0 | -EBADF | -EINVAL). The handle
// may have closed in between (-EBADF).
Napi::Value IoHandle::RingSkipAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Function cb = ArgFunction(info, 0, "callback");
  IoState* s = Open();
  if (!s) return Errno(env, EBADF);
  if (!s->ring) return Errno(env, EINVAL);
  QueueBlocking(
      env, info.This().As<Napi::Object>(), cb, [](void*) { Membarrier(); return 0; },
      [](Napi::Env env, void* self, int) {
        auto* h = static_cast<IoHandle*>(self);
        IoState* st = h->s_;
        if (st == nullptr || st->closing) return -EBADF;
        codec::RxRingSkipQueued(st->ring.get());
        return 0;
      },
      this, nullptr);
  return Napi::Number::New(env, 0);
}

}  // namespace sockit::io
