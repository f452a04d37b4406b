// The event-driven I/O engine shared by every datagram-style socket (UDP,
// AF_PACKET, ...). The JS interface is documented in lib/binding/io.ts.
//
//  - One uv_poll per descriptor, on the environment's own loop
//    (napi_get_uv_event_loop; never uv_default_loop). READABLE while JS wants
//    to receive, WRITABLE only while JS has a send queue; mask 0 stops the poll
//    (an idle socket does not keep the loop alive).
//  - Receive: on READABLE, recvmmsg(MSG_DONTWAIT|MSG_TRUNC) into a slab that
//    is allocated once, with per-message control buffers and sockaddr
//    storage; metadata goes into typed arrays created once and shared with
//    JS; the data of one batch is copied once into a pooled Buffer (2 MiB,
//    filled batch after batch, replaced when full, its memory recycled once
//    JS drops it: see PoolBlockAlloc); then ONE
//    JS call per batch. Repeats until EAGAIN (bounded per wakeup for fairness).
//  - POLLERR: libuv reports it as UV_EBADF and stops the poll. We then drain
//    the error queue (MSG_ERRQUEUE, delivered through the same batch call with
//    the MSG_ERRQUEUE flag), read SO_ERROR (ECONNREFUSED on connected UDP)
//    and restart the poll.
//  - Send: synchronous sendmmsg (MSG_DONTWAIT) here, single datagrams through
//    sendmsgFd (socket.cc); -EAGAIN goes back to JS, which queues and asks
//    for WRITABLE.
//  - Ring receive (opt-in, AF_PACKET): instead of recvmmsg, the engine reads a
//    TPACKET_V3 RX ring that ioRingSetup mapped (sys/ring.h) and the handle
//    adopted. On READABLE it walks the blocks the kernel handed over, copies
//    each frame into the same receive pool and fills the same meta /
//    addresses / control records recvmmsg would have produced (sockaddr_ll
//    from the ring, PACKET_AUXDATA fields and the timestamp from the
//    tpacket3_hdr), gives every fully copied block back to the kernel, then
//    makes the one JS call per batch. JS never sees the mapping, so no kept
//    view can outlive it; it is unmapped in the uv_close callback.
//  - Close: stop polling, uv_close, close(fd) in the close callback, then the
//    'close' event. An async environment cleanup hook closes every live handle
//    when the environment (main thread or Worker) is torn down, without
//    calling into JS.
#include <fcntl.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "addr.h"
#include "common.h"
#include "sys/cmsg.h"
#include "sys/ring.h"

namespace sockit {

namespace {

constexpr uint32_t kMetaStride = 4;    // offset, length, size, flags
constexpr uint32_t kAddrStride = 32;   // raw sockaddr bytes (in, in6, ll)
constexpr uint32_t kInfoStride = sizeof(sys::ControlInfo);
constexpr uint32_t kMaxBatch = 1024;
constexpr uint32_t kMaxMessage = 1u << 20;
constexpr uint32_t kMaxControl = 4096;
constexpr int kBatchesPerWakeup = 32;
constexpr size_t kPoolSize = 2u << 20;  // receive pool: 2 MiB, or one batch if larger

enum Event : int { kEvWritable = 1, kEvError = 2, kEvClose = 3 };
enum Syscall : int { kSysRecv = 1, kSysSoError = 2, kSysPoll = 3 };

struct IoState;
}  // namespace
class IoHandle;
namespace {

struct Registry {
  std::unordered_set<IoState*> live;
  napi_ref ringCtor = nullptr;  // IoRing constructor (never deleted: lives as long as the environment)
  napi_async_cleanup_hook_handle hook = nullptr;
  bool exiting = false;
};

struct IoState {
  uv_poll_t poll;
  napi_env env = nullptr;
  Registry* reg = nullptr;
  IoHandle* wrap = nullptr;
  int fd = -1;
  bool closing = false;
  bool wantRead = false;
  bool wantWrite = false;
  int mask = 0;
  uint32_t batch = 0, msgSize = 0, ctlSize = 0;
  // Receive buffers: message i lands in head[i] (kHeadSize bytes, packed
  // back to back) and, beyond that, in tail[i] (msgSize - kHeadSize bytes).
  std::unique_ptr<uint8_t[]> slab, tail, ctl;
  uint32_t headSize = 0;
  std::vector<sockaddr_storage> names;
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iovs;
  // send scratch (grown once, reused)
  std::vector<mmsghdr> smsgs;
  std::vector<iovec> siovs;
  // shared with JS
  uint32_t* meta = nullptr;
  uint8_t* addrs = nullptr;
  uint8_t* infos = nullptr;
  napi_ref owner = nullptr, onRecv = nullptr, onEvent = nullptr;
  napi_ref metaRef = nullptr, addrsRef = nullptr, infosRef = nullptr;
  // Receive pool: batches are copied back to back into one JS Buffer until it
  // is full, then a new one is made (allocation amortized over many batches).
  napi_ref poolRef = nullptr;
  size_t poolSize = 0, poolOff = 0;
  napi_async_context async = nullptr;
  // TPACKET_V3 receive ring (adopted from an IoRing), its batch scratch.
  std::unique_ptr<sys::RxRing> ring;
  std::vector<sys::RingFrame> rframes;
  std::vector<uint32_t> rdone;
};

void OnPoll(uv_poll_t* h, int status, int events);
void OnClosed(uv_handle_t* h);

// Bytes of each message received into the compact head slab (see IoHandle's constructor).
constexpr uint32_t kHeadSize = 2048;

int ApplyMask(IoState* s) {
  int mask = (s->wantRead ? UV_READABLE : 0) | (s->wantWrite ? UV_WRITABLE : 0);
  if (s->closing) return -EBADF;
  if (mask == s->mask) return 0;
  // libuv aborts when epoll_ctl fails: never hand it a descriptor that was
  // closed (or replaced by a non-socket) behind the engine's back.
  struct stat st;
  if (::fstat(s->fd, &st) != 0) return -errno;
  if (!S_ISSOCK(st.st_mode)) return -ENOTSOCK;
  int r = mask ? uv_poll_start(&s->poll, mask, OnPoll) : uv_poll_stop(&s->poll);
  if (r == 0) s->mask = mask;
  return r;
}

void StartClose(IoState* s) {
  if (s->closing) return;
  s->closing = true;
  uv_poll_stop(&s->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), OnClosed);
}

// Call a JS callback with the owner as receiver. An exception thrown by JS
// becomes an uncaught exception, as for Node's own handles.
void Call(IoState* s, napi_ref fnRef, size_t argc, napi_value* argv) {
  napi_env env = s->env;
  napi_value fn, recv, result;
  if (napi_get_reference_value(env, fnRef, &fn) != napi_ok || fn == nullptr) return;
  if (napi_get_reference_value(env, s->owner, &recv) != napi_ok || recv == nullptr) return;
  napi_status st = napi_make_callback(env, s->async, recv, fn, argc, argv, &result);
  if (st == napi_pending_exception) {
    napi_value err;
    if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
  }
}

void Emit(IoState* s, int type, int err, int syscall) {
  napi_value argv[3];
  napi_create_int32(s->env, type, &argv[0]);
  napi_create_int32(s->env, -err, &argv[1]);
  napi_create_int32(s->env, syscall, &argv[2]);
  Call(s, s->onEvent, 3, argv);
}

// One recvmmsg; returns count, 0 on EAGAIN, -errno on error.
int RecvBatch(IoState* s, int extraFlags) {
  for (uint32_t i = 0; i < s->batch; i++) {
    msghdr& m = s->msgs[i].msg_hdr;
    m.msg_namelen = sizeof(sockaddr_storage);
    m.msg_controllen = s->ctlSize;
    m.msg_flags = 0;
    s->msgs[i].msg_len = 0;
  }
  int n;
  do n = ::recvmmsg(s->fd, s->msgs.data(), s->batch, MSG_DONTWAIT | MSG_TRUNC | extraFlags, nullptr);
  while (n < 0 && errno == EINTR);
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
  return n;
}

// Receive pool memory. A fresh 2 MiB allocation costs 512 page faults on
// first touch (measured: the largest single cost of receiving, more than the
// copy itself), so standard-size pools are 2 MiB-aligned blocks (one
// transparent huge page where THP allows it) recycled through a small
// process-wide free list: when JS drops every slice of a pool, its block goes
// back to the list instead of to the allocator. At most kFreePoolsMax blocks
// (64 MiB) are kept. A pool that outlives two scavenges (likely: the engine
// holds the current one while filling it) is freed only by a full GC, which
// V8 starts after about 64 MiB of new external memory, i.e. some 30 pools:
// with a list of 8, most pools were fresh memory in a steady 64-byte flood
// (118 fresh blocks in 6 s, first-touch zeroing about 12% of receive CPU on
// the development VM); with 32, 34 in 6 s (the first ones only), and the
// 'batch' receive rate went from 1.3-1.8 to a steady 1.85 M/CPU-s.
// The finalizer may run on any thread, hence the mutex.
constexpr size_t kFreePoolsMax = 32;
std::mutex gPoolMutex;
std::vector<void*>* gFreePools = new std::vector<void*>();  // never destroyed: finalizers may run at exit

void* PoolBlockAlloc() {
  {
    std::lock_guard<std::mutex> lock(gPoolMutex);
    if (!gFreePools->empty()) {
      void* p = gFreePools->back();
      gFreePools->pop_back();
      return p;
    }
  }
  void* p = nullptr;
  if (::posix_memalign(&p, kPoolSize, kPoolSize) != 0) return nullptr;
#ifdef MADV_HUGEPAGE
  ::madvise(p, kPoolSize, MADV_HUGEPAGE);
#endif
  // Fault the block in with one call (Linux 5.14+; ignored where unknown)
  // instead of one page fault per 4 KiB page during the first copies: helps
  // where THP is off. Measured at 1400-byte frames (CPU rate of receive):
  // neither ~0.5, populate only ~0.75, huge page (with or without) ~0.9 M/s.
  ::madvise(p, kPoolSize, 23 /* MADV_POPULATE_WRITE */);
  return p;
}

void PoolBlockRelease(napi_env, void* data, void*) {
  {
    std::lock_guard<std::mutex> lock(gPoolMutex);
    if (gFreePools->size() < kFreePoolsMax) {
      gFreePools->push_back(data);
      return;
    }
  }
  std::free(data);
}

// A new pool Buffer of `size` bytes: a recycled block for the standard size,
// a plain Buffer otherwise (or where external buffers are not allowed).
bool PoolCreate(napi_env env, size_t size, napi_value* buf, void** data) {
  if (size == kPoolSize) {
    void* block = PoolBlockAlloc();
    if (block != nullptr) {
      if (napi_create_external_buffer(env, size, block, PoolBlockRelease, nullptr, buf) == napi_ok) {
        *data = block;
        return true;
      }
      PoolBlockRelease(env, block, nullptr);
    }
  }
  return napi_create_buffer(env, size, data, buf) == napi_ok;
}

// The current receive pool and room for `need` bytes in it; a new pool when
// the current one is full or was detached (transferred) by JS.
bool PoolReserve(IoState* s, size_t need, napi_value* buf, uint8_t** data) {
  if (s->poolRef != nullptr && s->poolOff + need <= s->poolSize) {
    void* d = nullptr;
    size_t len = 0;
    if (napi_get_reference_value(s->env, s->poolRef, buf) == napi_ok && *buf != nullptr &&
        napi_get_buffer_info(s->env, *buf, &d, &len) == napi_ok && d != nullptr && len == s->poolSize) {
      *data = static_cast<uint8_t*>(d);
      return true;
    }
  }
  if (s->poolRef != nullptr) {
    napi_delete_reference(s->env, s->poolRef);
    s->poolRef = nullptr;
  }
  size_t size = need > kPoolSize ? need : kPoolSize;
  void* d = nullptr;
  if (!PoolCreate(s->env, size, buf, &d)) return false;
  if (napi_create_reference(s->env, *buf, 1, &s->poolRef) != napi_ok) {
    s->poolRef = nullptr;
    return false;
  }
  s->poolSize = size;
  s->poolOff = 0;
  *data = static_cast<uint8_t*>(d);
  return true;
}

// Copy one received batch into the receive pool, fill the shared metadata
// (offsets are into the pool Buffer), and make the one JS call.
void Deliver(IoState* s, int n) {
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    uint32_t len = s->msgs[i].msg_len;
    total += len < s->msgSize ? len : s->msgSize;
  }
  napi_value buf;
  uint8_t* out = nullptr;
  if (!PoolReserve(s, total ? total : 1, &buf, &out)) return;
  size_t off = s->poolOff;
  for (int i = 0; i < n; i++) {
    const mmsghdr& mm = s->msgs[i];
    uint32_t real = mm.msg_len;
    uint32_t len = real < s->msgSize ? real : s->msgSize;
    uint32_t h = len < s->headSize ? len : s->headSize;
    std::memcpy(out + off, s->slab.get() + static_cast<size_t>(i) * s->headSize, h);
    if (len > h)
      std::memcpy(out + off + h, s->tail.get() + static_cast<size_t>(i) * (s->msgSize - s->headSize), len - h);
    uint32_t* meta = s->meta + i * kMetaStride;
    meta[0] = static_cast<uint32_t>(off);
    meta[1] = len;
    meta[2] = real;
    meta[3] = static_cast<uint32_t>(mm.msg_hdr.msg_flags);
    off += len;
    uint8_t* a = s->addrs + i * kAddrStride;
    socklen_t nl = mm.msg_hdr.msg_namelen;
    if (nl > sizeof(sockaddr_storage)) nl = sizeof(sockaddr_storage);
    size_t copy = nl < kAddrStride ? nl : kAddrStride;
    std::memcpy(a, &s->names[i], copy);
    if (copy < kAddrStride) std::memset(a + copy, 0, kAddrStride - copy);
    auto* info = reinterpret_cast<sys::ControlInfo*>(s->infos + i * kInfoStride);
    size_t clen = mm.msg_hdr.msg_controllen;
    if (clen > s->ctlSize) clen = s->ctlSize;
    if (clen == 0) {
      info->present = 0;
    } else {
      sys::DecodeControl(s->ctl.get() + static_cast<size_t>(i) * s->ctlSize, clen, info);
    }
    if (mm.msg_hdr.msg_flags & MSG_CTRUNC) info->present |= sys::kHasCtrunc;
  }
  s->poolOff = (off + 7) & ~static_cast<size_t>(7);
  napi_value argv[2];
  argv[0] = buf;
  napi_create_uint32(s->env, static_cast<uint32_t>(n), &argv[1]);
  Call(s, s->onRecv, 2, argv);
}

// Ring receive: copy `n` gathered ring frames into the receive pool, fill
// the shared records as recvmmsg + DecodeControl would have, give the
// `ndone` fully copied blocks back to the kernel, then make the one JS call.
void DeliverRing(IoState* s, uint32_t n, size_t ndone) {
  size_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = s->rframes[i].snaplen;
    total += len < s->msgSize ? len : s->msgSize;
  }
  napi_value buf;
  uint8_t* out = nullptr;
  bool ok = PoolReserve(s, total ? total : 1, &buf, &out);
  size_t off = ok ? s->poolOff : 0;
  for (uint32_t i = 0; ok && i < n; i++) {
    const sys::RingFrame& f = s->rframes[i];
    uint32_t len = f.snaplen < s->msgSize ? f.snaplen : s->msgSize;
    uint32_t real = f.len > len ? f.len : len;
    std::memcpy(out + off, f.data, len);
    uint32_t* meta = s->meta + i * kMetaStride;
    meta[0] = static_cast<uint32_t>(off);
    meta[1] = len;
    meta[2] = real;
    meta[3] = real > len ? static_cast<uint32_t>(MSG_TRUNC) : 0;
    off += len;
    uint8_t* a = s->addrs + i * kAddrStride;
    static_assert(sizeof(sockaddr_ll) <= kAddrStride, "sockaddr_ll fits an address record");
    std::memcpy(a, f.sll, sizeof(sockaddr_ll));
    std::memset(a + sizeof(sockaddr_ll), 0, kAddrStride - sizeof(sockaddr_ll));
    auto* info = reinterpret_cast<sys::ControlInfo*>(s->infos + i * kInfoStride);
    std::memset(info, 0, sizeof(*info));
    info->present = sys::kHasAuxdata | sys::kHasTimestamp;
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
  for (size_t i = 0; i < ndone; i++) sys::RxRingRelease(s->ring.get(), s->rdone[i]);
  if (!ok) return;
  s->poolOff = (off + 7) & ~static_cast<size_t>(7);
  napi_value argv[2];
  argv[0] = buf;
  napi_create_uint32(s->env, n, &argv[1]);
  Call(s, s->onRecv, 2, argv);
}

void DrainRing(IoState* s) {
  sys::RxRing* r = s->ring.get();
  for (int iter = 0; iter < kBatchesPerWakeup && !s->closing && s->wantRead; iter++) {
    uint32_t n = 0;
    size_t ndone = 0;
    while (n < s->batch && sys::RxRingNext(r, &s->rframes[n], s->rdone.data(), s->rdone.size(), &ndone)) n++;
    sys::RxRingSettle(r, s->rdone.data(), s->rdone.size(), &ndone);
    if (n == 0) {
      for (size_t i = 0; i < ndone; i++) sys::RxRingRelease(r, s->rdone[i]);
      return;
    }
    DeliverRing(s, n, ndone);
    if (n < s->batch) return;
  }
}

bool Fatal(int err) { return err == EBADF || err == ENOTSOCK || err == EINVAL || err == EFAULT; }

void DrainRead(IoState* s) {
  if (s->ring) {
    DrainRing(s);
    return;
  }
  for (int iter = 0; iter < kBatchesPerWakeup && !s->closing && s->wantRead; iter++) {
    int n = RecvBatch(s, 0);
    if (n == 0) return;
    if (n < 0) {
      Emit(s, kEvError, -n, kSysRecv);
      if (Fatal(-n) && !s->closing) {
        s->wantRead = false;
        ApplyMask(s);
      }
      return;
    }
    Deliver(s, n);
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
  for (int iter = 0; iter < kBatchesPerWakeup && !s->closing; iter++) {
    int n = RecvBatch(s, MSG_ERRQUEUE);
    if (n <= 0) break;
    for (int i = 0; i < n; i++) s->msgs[i].msg_hdr.msg_flags |= MSG_ERRQUEUE;
    Deliver(s, n);
    if (static_cast<uint32_t>(n) < s->batch) break;
  }
  if (s->closing) return;
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) Emit(s, kEvError, err, kSysSoError);
  if (!s->closing) ApplyMask(s);
}

void OnPoll(uv_poll_t* h, int status, int events) {
  IoState* s = static_cast<IoState*>(h->data);
  if (s->closing || s->reg->exiting) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  if (status < 0) {
    HandlePollError(s);
    if (!s->closing && s->wantRead) DrainRead(s);
  } else {
    if ((events & UV_READABLE) && s->wantRead) DrainRead(s);
    if ((events & UV_WRITABLE) && s->wantWrite && !s->closing) Emit(s, kEvWritable, 0, 0);
  }
  napi_close_handle_scope(s->env, scope);
}

}  // namespace

// ---------------------------------------------------------------------------

// A mapped TPACKET_V3 receive ring made by ioRingSetup, waiting to be adopted
// by an IoHandle on the same descriptor (the ring has to exist before the
// socket is bound, the handle is made last). Unmapped by unmap(), by the
// garbage collector, or at environment teardown if never adopted.
const napi_type_tag kIoRingTag = {0x736f636b69745f72ull, 0x696e675f76330001ull};

class IoRing : public Napi::ObjectWrap<IoRing> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "IoRing",
                       {
                           InstanceMethod<&IoRing::Unmap>("unmap"),
                           InstanceAccessor<&IoRing::GetMapped>("mapped"),
                           InstanceAccessor<&IoRing::GetSize>("size"),
                       });
  }
  explicit IoRing(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IoRing>(info) {}
  ~IoRing() override { sys::RxRingUnmap(&ring); }

  // The wrapped ring of `v` if it is a mapped IoRing, else nullptr.
  static IoRing* From(Napi::Env env, Napi::Value v) {
    if (!v.IsObject()) return nullptr;
    bool tagged = false;
    if (napi_check_object_type_tag(env, v, &kIoRingTag, &tagged) != napi_ok || !tagged) return nullptr;
    return IoRing::Unwrap(v.As<Napi::Object>());
  }

  sys::RxRing ring;

 private:
  Napi::Value Unmap(const Napi::CallbackInfo& info) {
    sys::RxRingUnmap(&ring);
    return info.Env().Undefined();
  }
  Napi::Value GetMapped(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), ring.map != nullptr); }
  Napi::Value GetSize(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(ring.mapLen)); }
};

class IoHandle : public Napi::ObjectWrap<IoHandle> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "IoHandle",
                       {
                           InstanceMethod<&IoHandle::SetReceiving>("setReceiving"),
                           InstanceMethod<&IoHandle::SetWritable>("setWritable"),
                           InstanceMethod<&IoHandle::SendBatch>("sendBatch"),
                           InstanceMethod<&IoHandle::Ref>("ref"),
                           InstanceMethod<&IoHandle::Unref>("unref"),
                           InstanceMethod<&IoHandle::HasRef>("hasRef"),
                           InstanceMethod<&IoHandle::Close>("close"),
                           InstanceMethod<&IoHandle::RingSkip>("ringSkip"),
                           InstanceAccessor<&IoHandle::GetFd>("fd"),
                           InstanceAccessor<&IoHandle::GetClosed>("closed"),
                       });
  }

  // new IoHandle(fd, owner, onRecv, onEvent, { batchSize, messageSize, controlSize, ring })
  explicit IoHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IoHandle>(info) {
    Napi::Env env = info.Env();
    int fd = static_cast<int>(ArgInteger(info, 0, "fd", 0, 2147483647.0));
    if (info.Length() < 2 || !info[1].IsObject()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"owner\" argument must be an object");
    Napi::Function onRecv = ArgFunction(info, 2, "onRecv");
    Napi::Function onEvent = ArgFunction(info, 3, "onEvent");
    uint32_t batch = 64, msgSize = 65536, ctlSize = 256;
    IoRing* ring = nullptr;
    if (info.Length() > 4 && info[4].IsObject()) {
      Napi::Object o = info[4].As<Napi::Object>();
      Napi::Value rv = o.Get("ring");
      if (!rv.IsUndefined() && !rv.IsNull()) {
        ring = IoRing::From(env, rv);
        if (ring == nullptr) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "options.ring must be an IoRing from ioRingSetup");
        if (ring->ring.map == nullptr) ThrowTypeError(env, "ERR_INVALID_STATE", "options.ring was unmapped or adopted already");
        if (ring->ring.fd != fd) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "options.ring belongs to another descriptor");
      }
      if (o.Has("batchSize") && !o.Get("batchSize").IsUndefined())
        batch = static_cast<uint32_t>(ValueInteger(env, o.Get("batchSize"), "batchSize", 1, kMaxBatch));
      if (o.Has("messageSize") && !o.Get("messageSize").IsUndefined())
        msgSize = static_cast<uint32_t>(ValueInteger(env, o.Get("messageSize"), "messageSize", 1, kMaxMessage));
      if (o.Has("controlSize") && !o.Get("controlSize").IsUndefined())
        ctlSize = static_cast<uint32_t>(ValueInteger(env, o.Get("controlSize"), "controlSize", 0, kMaxControl));
    }
    ctlSize = static_cast<uint32_t>(CMSG_ALIGN(ctlSize));
    auto* reg = static_cast<Registry*>(GetAddonData(env)->io);
    if (reg == nullptr || reg->exiting) ThrowTypeError(env, "ERR_INVALID_STATE", "the environment is shutting down");

    auto s = std::make_unique<IoState>();
    s->env = env;
    s->reg = reg;
    s->fd = fd;
    s->batch = batch;
    s->msgSize = msgSize;
    s->ctlSize = ctlSize;
    // Two iovecs per message when messages may be large: the kernel fills the
    // first kHeadSize bytes into a compact head slab and only the rest into a
    // tail slab, so small datagrams touch one contiguous 128 KiB region per
    // batch instead of one page per message 64 KiB apart (perf: the copy to
    // user space fell from about 24% of a 64-byte flood receive; C recvmmsg
    // with a 64 KiB stride was about 25% slower than with 2 KiB).
    s->headSize = msgSize < kHeadSize ? msgSize : kHeadSize;
    const uint32_t tailSize = msgSize - s->headSize;
    s->slab.reset(new uint8_t[static_cast<size_t>(batch) * s->headSize]);
    if (tailSize) s->tail.reset(new uint8_t[static_cast<size_t>(batch) * tailSize]);
    if (ctlSize) s->ctl.reset(new uint8_t[static_cast<size_t>(batch) * ctlSize]);
    s->names.resize(batch);
    s->msgs.resize(batch);
    const uint32_t per = tailSize ? 2 : 1;
    s->iovs.resize(static_cast<size_t>(batch) * per);
    for (uint32_t i = 0; i < batch; i++) {
      iovec* v = &s->iovs[static_cast<size_t>(i) * per];
      v[0].iov_base = s->slab.get() + static_cast<size_t>(i) * s->headSize;
      v[0].iov_len = s->headSize;
      if (tailSize) {
        v[1].iov_base = s->tail.get() + static_cast<size_t>(i) * tailSize;
        v[1].iov_len = tailSize;
      }
      msghdr& m = s->msgs[i].msg_hdr;
      std::memset(&m, 0, sizeof(m));
      m.msg_name = &s->names[i];
      m.msg_iov = v;
      m.msg_iovlen = per;
      m.msg_control = ctlSize ? s->ctl.get() + static_cast<size_t>(i) * ctlSize : nullptr;
    }
    // Shared metadata arrays, created once.
    Napi::Uint32Array meta = Napi::Uint32Array::New(env, static_cast<size_t>(batch) * kMetaStride);
    Napi::Uint8Array addrs = Napi::Uint8Array::New(env, static_cast<size_t>(batch) * kAddrStride);
    Napi::Uint8Array infos = Napi::Uint8Array::New(env, static_cast<size_t>(batch) * kInfoStride);
    s->meta = meta.Data();
    s->addrs = addrs.Data();
    s->infos = infos.Data();
    Napi::Object self = info.This().As<Napi::Object>();
    self.DefineProperties({
        Napi::PropertyDescriptor::Value("meta", meta, napi_enumerable),
        Napi::PropertyDescriptor::Value("addresses", addrs, napi_enumerable),
        Napi::PropertyDescriptor::Value("control", infos, napi_enumerable),
        Napi::PropertyDescriptor::Value("batchSize", Napi::Number::New(env, batch), napi_enumerable),
        Napi::PropertyDescriptor::Value("messageSize", Napi::Number::New(env, msgSize), napi_enumerable),
        Napi::PropertyDescriptor::Value("controlSize", Napi::Number::New(env, ctlSize), napi_enumerable),
    });

    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr)
      ThrowTypeError(env, "ERR_INVALID_STATE", "no event loop");
    int r = uv_poll_init_socket(loop, &s->poll, fd);
    if (r != 0) {
      Napi::Error e = Napi::Error::New(env, std::string("uv_poll_init: ") + uv_strerror(r));
      e.Set("code", Napi::String::New(env, uv_err_name(r)));
      e.Set("errno", Napi::Number::New(env, r));
      throw e;
    }
    s->poll.data = s.get();
    if (ring != nullptr) {
      // Adopt the mapping: from now on it is unmapped in the close callback only.
      s->ring = std::make_unique<sys::RxRing>(ring->ring);
      ring->ring.map = nullptr;
      ring->ring.mapLen = 0;
      s->rframes.resize(batch);
      s->rdone.resize(s->ring->blockCount);
    }
    self.Set("ring", Napi::Boolean::New(env, ring != nullptr));
    napi_create_reference(env, info[1], 1, &s->owner);
    napi_create_reference(env, onRecv, 1, &s->onRecv);
    napi_create_reference(env, onEvent, 1, &s->onEvent);
    napi_create_reference(env, meta, 1, &s->metaRef);
    napi_create_reference(env, addrs, 1, &s->addrsRef);
    napi_create_reference(env, infos, 1, &s->infosRef);
    napi_value name;
    napi_create_string_utf8(env, "sockit:io", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, self, name, &s->async);
    s->wrap = this;
    s_ = s.release();
    reg->live.insert(s_);
    // Alive while open: the close callback drops this reference.
    Napi::ObjectWrap<IoHandle>::Ref();
  }

  ~IoHandle() override {
    if (s_ == nullptr) return;
    s_->wrap = nullptr;
    if (!s_->closing) StartClose(s_);  // safety net (environment teardown)
  }

  // Called from the close callback.
  void Detach() { s_ = nullptr; }
  void DropSelfRef() { Napi::ObjectWrap<IoHandle>::Unref(); }

 private:
  IoState* s_ = nullptr;

  IoState* Open(const Napi::CallbackInfo& info) {
    return (s_ == nullptr || s_->closing) ? nullptr : s_;
  }

  Napi::Value SetReceiving(const Napi::CallbackInfo& info) {
    bool on = ArgBool(info, 0, "on");
    IoState* s = Open(info);
    if (!s) return Errno(info.Env(), EBADF);
    s->wantRead = on;
    int r = ApplyMask(s);
    if (r < 0) return Errno(info.Env(), -r);
    return Napi::Number::New(info.Env(), 0);
  }

  Napi::Value SetWritable(const Napi::CallbackInfo& info) {
    bool on = ArgBool(info, 0, "on");
    IoState* s = Open(info);
    if (!s) return Errno(info.Env(), EBADF);
    s->wantWrite = on;
    int r = ApplyMask(s);
    if (r < 0) return Errno(info.Env(), -r);
    return Napi::Number::New(info.Env(), 0);
  }

  // Hot path: one napi_get_typedarray_info for Uint8Array/Buffer (the usual
  // case); everything else goes through the general ValueBytes.
  static Bytes FastBytes(Napi::Env env, napi_value v, const char* name) {
    Bytes b;
    if (FastU8(env, v, &b)) return b;
    return ValueBytes(env, Napi::Value(env, v), name);
  }

  static void OptionalBytes(Napi::Env env, Napi::Value v, const char* name, Bytes* out) {
    if (v.IsUndefined() || v.IsNull()) return;
    *out = FastBytes(env, v, name);
  }

  static void CheckAddr(Napi::Env env, const Bytes& a) {
    if (a.data != nullptr && (a.length < sizeof(sa_family_t) || a.length > sizeof(sockaddr_storage)))
      ThrowRangeError(env, "ERR_OUT_OF_RANGE", "an encoded address has 2 to 128 bytes");
  }
  static void CheckCtl(Napi::Env env, const Bytes& c) {
    if (c.length > kMaxControl) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "control data is larger than 4096 bytes");
  }

  // sendBatch(datas[], addresses, controls, start, count) → datagrams sent | -errno
  //   addresses / controls: null, one Uint8Array for all, or an array (entries may be null).
  Napi::Value SendBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsArray()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"datas\" argument must be an Array");
    Napi::Array datas = info[0].As<Napi::Array>();
    uint32_t len = datas.Length();
    uint32_t start = static_cast<uint32_t>(ArgInteger(info, 3, "start", 0, len));
    uint32_t count = static_cast<uint32_t>(ArgInteger(info, 4, "count", 0, len - start));
    if (count > kMaxBatch) count = kMaxBatch;
    Napi::Value av = info.Length() > 1 ? info[1] : env.Undefined();
    Napi::Value cv = info.Length() > 2 ? info[2] : env.Undefined();
    bool addrArray = av.IsArray(), ctlArray = cv.IsArray();
    Bytes addrAll, ctlAll;
    if (!addrArray) OptionalBytes(env, av, "address", &addrAll);
    if (!ctlArray) OptionalBytes(env, cv, "control", &ctlAll);
    CheckAddr(env, addrAll);
    CheckCtl(env, ctlAll);
    Napi::Array addrs = addrArray ? av.As<Napi::Array>() : Napi::Array();
    Napi::Array ctls = ctlArray ? cv.As<Napi::Array>() : Napi::Array();
    if (addrArray && addrs.Length() < start + count) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "addresses is shorter than datas");
    if (ctlArray && ctls.Length() < start + count) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "controls is shorter than datas");
    IoState* s = Open(info);
    if (!s) return Errno(env, EBADF);
    if (count == 0) return Napi::Number::New(env, 0);
    if (s->smsgs.size() < count) {
      s->smsgs.resize(count);
      s->siovs.resize(count);
    }
    for (uint32_t i = 0; i < count; i++) {
      Bytes d = FastBytes(env, datas.Get(start + i), "data");
      Bytes a = addrAll, c = ctlAll;
      if (addrArray) {
        OptionalBytes(env, addrs.Get(start + i), "address", &a);
        CheckAddr(env, a);
      }
      if (ctlArray) {
        OptionalBytes(env, ctls.Get(start + i), "control", &c);
        CheckCtl(env, c);
      }
      s->siovs[i].iov_base = d.data;
      s->siovs[i].iov_len = d.length;
      msghdr& m = s->smsgs[i].msg_hdr;
      m.msg_name = a.data;
      m.msg_namelen = static_cast<socklen_t>(a.length);
      m.msg_iov = &s->siovs[i];
      m.msg_iovlen = 1;
      m.msg_control = c.length ? c.data : nullptr;
      m.msg_controllen = c.length;
      m.msg_flags = 0;
      s->smsgs[i].msg_len = 0;
    }
    int r;
    do r = ::sendmmsg(s->fd, s->smsgs.data(), count, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0) return Errno(env, errno);
    return Napi::Number::New(env, r);
  }

  Napi::Value Ref(const Napi::CallbackInfo& info) {
    if (s_ && !s_->closing) uv_ref(reinterpret_cast<uv_handle_t*>(&s_->poll));
    return info.Env().Undefined();
  }
  Napi::Value Unref(const Napi::CallbackInfo& info) {
    if (s_ && !s_->closing) uv_unref(reinterpret_cast<uv_handle_t*>(&s_->poll));
    return info.Env().Undefined();
  }
  Napi::Value HasRef(const Napi::CallbackInfo& info) {
    bool r = s_ && !s_->closing && uv_has_ref(reinterpret_cast<uv_handle_t*>(&s_->poll));
    return Napi::Boolean::New(info.Env(), r);
  }
  // close(): stop polling; the fd is closed in the uv_close callback, then
  // onEvent(CLOSE) runs. Idempotent; returns 0, or -EBADF if already closing.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (!s_ || s_->closing) return Errno(info.Env(), EBADF);
    StartClose(s_);
    return Napi::Number::New(info.Env(), 0);
  }
  // ringSkip(): discard, unread, every frame the kernel has put into the ring
  // so far (sys::RxRingSkipQueued). → 0 | -EBADF (closed) | -EINVAL (no ring)
  // First membarrier(MEMBARRIER_CMD_GLOBAL), i.e. synchronize_rcu(): packet
  // delivery runs in an RCU read-side section (softirq), so once it returns
  // every frame that ran the previous filter on another CPU has also been
  // counted in its block; the snapshot then cannot miss one in flight.
  // Best effort where membarrier is unavailable (nohz_full, old kernels).
  Napi::Value RingSkip(const Napi::CallbackInfo& info) {
    IoState* s = Open(info);
    if (!s) return Errno(info.Env(), EBADF);
    if (!s->ring) return Errno(info.Env(), EINVAL);
    ::syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
    sys::RxRingSkipQueued(s->ring.get());
    return Napi::Number::New(info.Env(), 0);
  }
  Napi::Value GetFd(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), (s_ && !s_->closing) ? s_->fd : -1);
  }
  Napi::Value GetClosed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), !s_ || s_->closing);
  }
};

namespace {

void OnClosed(uv_handle_t* h) {
  IoState* s = static_cast<IoState*>(h->data);
  // No poll callback can run any more: the ring can go.
  if (s->ring) sys::RxRingUnmap(s->ring.get());
  // If the descriptor was closed behind our back and its number reused by a
  // non-socket, it is not ours any more: leave it alone.
  struct stat st;
  if (::fstat(s->fd, &st) == 0 && S_ISSOCK(st.st_mode)) ::close(s->fd);
  Registry* reg = s->reg;
  reg->live.erase(s);
  if (!reg->exiting) {
    napi_env env = s->env;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) == napi_ok) {
      if (s->wrap) Emit(s, kEvClose, 0, 0);
      napi_close_handle_scope(env, scope);
    }
    if (s->wrap) {
      s->wrap->Detach();
      s->wrap->DropSelfRef();
    }
    napi_async_destroy(env, s->async);
    for (napi_ref r : {s->owner, s->onRecv, s->onEvent, s->metaRef, s->addrsRef, s->infosRef, s->poolRef})
      if (r) napi_delete_reference(env, r);
    delete s;
    return;
  }
  // Environment teardown: no JS, no Node-API (the env may already be gone).
  if (s->wrap) s->wrap->Detach();
  delete s;
  if (reg->live.empty()) {
    napi_remove_async_cleanup_hook(reg->hook);
    delete reg;
  }
}

void OnEnvTeardown(napi_async_cleanup_hook_handle handle, void* arg) {
  auto* reg = static_cast<Registry*>(arg);
  reg->exiting = true;
  reg->hook = handle;
  if (reg->live.empty()) {
    napi_remove_async_cleanup_hook(handle);
    delete reg;
    return;
  }
  std::vector<IoState*> all(reg->live.begin(), reg->live.end());
  for (IoState* s : all) {
    if (!s->closing) StartClose(s);
  }
}

// ioRingSetup(fd, blockSize, blockCount, frameSize, timeoutMs) → IoRing | -errno
// PACKET_VERSION = TPACKET_V3, PACKET_RX_RING, mmap (sys::RxRingSetup). A
// geometry the kernel would refuse is a RangeError naming the rule.
Napi::Value RingSetup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = static_cast<int>(ArgInteger(info, 0, "fd", 0, 2147483647.0));
  sys::RingGeometry g;
  g.blockSize = static_cast<uint32_t>(ArgInteger(info, 1, "blockSize", 1, 4294967295.0));
  g.blockCount = static_cast<uint32_t>(ArgInteger(info, 2, "blockCount", 1, 4294967295.0));
  g.frameSize = static_cast<uint32_t>(ArgInteger(info, 3, "frameSize", 1, 4294967295.0));
  g.timeoutMs = static_cast<uint32_t>(ArgInteger(info, 4, "timeoutMs", 0, 60000));
  long page = ::sysconf(_SC_PAGESIZE);
  if (const char* bad = sys::RingGeometryError(g, page > 0 ? static_cast<size_t>(page) : 4096))
    ThrowRangeError(env, "ERR_OUT_OF_RANGE", bad);
  auto* reg = static_cast<Registry*>(GetAddonData(env)->io);
  if (reg == nullptr || reg->exiting || reg->ringCtor == nullptr) ThrowTypeError(env, "ERR_INVALID_STATE", "the environment is shutting down");
  napi_value ctor, obj;
  if (napi_get_reference_value(env, reg->ringCtor, &ctor) != napi_ok || napi_new_instance(env, ctor, 0, nullptr, &obj) != napi_ok)
    ThrowTypeError(env, "ERR_INVALID_STATE", "cannot create an IoRing");
  napi_type_tag_object(env, obj, &kIoRingTag);
  IoRing* ring = IoRing::Unwrap(Napi::Object(env, obj));
  int r = sys::RxRingSetup(fd, g, &ring->ring);
  if (r < 0) return Errno(env, -r);
  return Napi::Value(env, obj);
}

// Encode a JS address object into sockaddr bytes (cacheable by JS).
Napi::Value EncodeAddress(const Napi::CallbackInfo& info) {
  sys::SockAddr sa;
  JsToSockaddr(info.Env(), info.Length() > 0 ? info[0] : info.Env().Undefined(), &sa);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), reinterpret_cast<uint8_t*>(&sa.ss), sa.len);
}

// encodeSendControl(family, { source?: string, ifindex?: number, ttl?: number, tos?: number, segmentSize?: number })
//   → Buffer of cmsgs | -EINVAL
Napi::Value EncodeControl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sys::SendControl c;
  c.family = ArgInt32(info, 0, "family");
  if (info.Length() < 2 || !info[1].IsObject()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"control\" argument must be an object");
  Napi::Object o = info[1].As<Napi::Object>();
  Napi::Value src = o.Get("source");
  if (!src.IsUndefined()) {
    if (!src.IsString()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "control.source must be a string");
    std::string ip = src.As<Napi::String>().Utf8Value();
    if (ip.size() > 64 || inet_pton(c.family, ip.c_str(), c.source) != 1)
      ThrowTypeError(env, "ERR_INVALID_IP_ADDRESS", "Invalid IP address: " + ip.substr(0, 64));
    c.hasSource = true;
  }
  Napi::Value v = o.Get("ifindex");
  if (!v.IsUndefined()) c.ifindex = static_cast<uint32_t>(ValueInteger(env, v, "control.ifindex", 0, 2147483647.0));
  v = o.Get("ttl");
  if (!v.IsUndefined()) c.ttl = static_cast<int>(ValueInteger(env, v, "control.ttl", 0, 255));
  v = o.Get("tos");
  if (!v.IsUndefined()) c.tos = static_cast<int>(ValueInteger(env, v, "control.tos", 0, 255));
  v = o.Get("segmentSize");
  if (!v.IsUndefined()) c.segmentSize = static_cast<int>(ValueInteger(env, v, "control.segmentSize", 1, 65535));
  uint8_t buf[sys::kMaxSendControl];
  int r = sys::EncodeSendControl(c, buf, sizeof(buf));
  if (r < 0) return Errno(env, -r);
  return Napi::Buffer<uint8_t>::Copy(env, buf, static_cast<size_t>(r));
}

// ioDecodeControl(bytes) → Buffer (one ControlInfo record): the receive
// decoder on arbitrary bytes, for tests and fuzzing.
Napi::Value DecodeControlJs(const Napi::CallbackInfo& info) {
  Bytes b = ArgBytes(info, 0, "control");
  if (b.length > kMaxControl * 16) ThrowRangeError(info.Env(), "ERR_OUT_OF_RANGE", "control data is too large");
  sys::ControlInfo out;
  sys::DecodeControl(b.data, b.length, &out);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), reinterpret_cast<uint8_t*>(&out), sizeof(out));
}

}  // namespace

void RegisterIo(Napi::Env env, Napi::Object exports) {
  auto* reg = new Registry();
  GetAddonData(env)->io = reg;
  napi_add_async_cleanup_hook(env, OnEnvTeardown, reg, nullptr);
  exports.Set("IoHandle", IoHandle::Init(env));
  Napi::Function ringCtor = IoRing::Init(env);
  napi_create_reference(env, ringCtor, 1, &reg->ringCtor);
  exports.Set("ioRingSetup", Napi::Function::New(env, RingSetup, "ioRingSetup"));
  exports.Set("ioEncodeAddress", Napi::Function::New(env, EncodeAddress, "ioEncodeAddress"));
  exports.Set("ioEncodeControl", Napi::Function::New(env, EncodeControl, "ioEncodeControl"));
  exports.Set("ioDecodeControl", Napi::Function::New(env, DecodeControlJs, "ioDecodeControl"));
  Napi::Object c = Napi::Object::New(env);
  c.Set("META_STRIDE", static_cast<double>(kMetaStride));
  c.Set("ADDRESS_STRIDE", static_cast<double>(kAddrStride));
  c.Set("CONTROL_STRIDE", static_cast<double>(kInfoStride));
  c.Set("MAX_BATCH", static_cast<double>(kMaxBatch));
  c.Set("MAX_MESSAGE_SIZE", static_cast<double>(kMaxMessage));
  c.Set("MAX_CONTROL_SIZE", static_cast<double>(kMaxControl));
  c.Set("EV_WRITABLE", static_cast<int>(kEvWritable));
  c.Set("EV_ERROR", static_cast<int>(kEvError));
  c.Set("EV_CLOSE", static_cast<int>(kEvClose));
  c.Set("SYS_RECV", static_cast<int>(kSysRecv));
  c.Set("SYS_SO_ERROR", static_cast<int>(kSysSoError));
  c.Set("SYS_POLL", static_cast<int>(kSysPoll));
  c.Set("MSG_TRUNC", static_cast<double>(MSG_TRUNC));
  c.Set("MSG_CTRUNC", static_cast<double>(MSG_CTRUNC));
  c.Set("MSG_ERRQUEUE", static_cast<double>(MSG_ERRQUEUE));
  c.Set("HAS_PKTINFO", static_cast<double>(sys::kHasPktinfo));
  c.Set("HAS_TTL", static_cast<double>(sys::kHasTtl));
  c.Set("HAS_TOS", static_cast<double>(sys::kHasTos));
  c.Set("HAS_DROP_COUNT", static_cast<double>(sys::kHasDropCount));
  c.Set("HAS_TIMESTAMP", static_cast<double>(sys::kHasTimestamp));
  c.Set("HAS_HW_TIMESTAMP", static_cast<double>(sys::kHasHwTimestamp));
  c.Set("HAS_GRO", static_cast<double>(sys::kHasGro));
  c.Set("HAS_EXT_ERR", static_cast<double>(sys::kHasExtErr));
  c.Set("HAS_OFFENDER", static_cast<double>(sys::kHasOffender));
  c.Set("HAS_ORIG_DST", static_cast<double>(sys::kHasOrigDst));
  c.Set("HAS_AUXDATA", static_cast<double>(sys::kHasAuxdata));
  c.Set("HAS_CTRUNC", static_cast<double>(sys::kHasCtrunc));
  long page = ::sysconf(_SC_PAGESIZE);
  c.Set("PAGE_SIZE", static_cast<double>(page > 0 ? page : 4096));
  c.Set("RING_MIN_FRAME", static_cast<double>(sys::kRingMinFrame));
  exports.Set("ioConstants", c);
}

}  // namespace sockit
