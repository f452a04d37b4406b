// Receive memory: the pooled JS Buffers recvmmsg writes into (each message
// at its slot, so a batch needs no copy), the tail slab long messages spill
// into, and the per-message headers (allocated on first use).
#include <sys/mman.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include "io/io.h"

namespace sockit::io {

namespace {

uint32_t RoundSlot(uint32_t len) {
  uint32_t r = (len + kMinSlot - 1) / kMinSlot * kMinSlot;
  return r < kMinSlot ? kMinSlot : r;
}

}  // namespace

// Two iovecs per message when messages may be longer than the smallest slot:
// the first is the message's slot in the receive pool (aimed per batch by
// recv.cc), the second its share of the tail slab, which only a message
// longer than its slot touches (virtual memory otherwise).
int AllocRecvBuffers(IoState* s) {
  if (s->recvReady) return 0;
  const uint32_t batch = s->batch;
  const uint32_t tailStride = s->msgSize > kMinSlot ? s->msgSize - kMinSlot : 0;
  const uint32_t per = tailStride ? 2 : 1;
  try {
    std::unique_ptr<uint8_t[]> tail(tailStride ? new (std::nothrow) uint8_t[static_cast<size_t>(batch) * tailStride] : nullptr);
    std::unique_ptr<uint8_t[]> ctl(s->ctlSize ? new (std::nothrow) uint8_t[static_cast<size_t>(batch) * s->ctlSize] : nullptr);
    if ((tailStride && !tail) || (s->ctlSize && !ctl)) return -ENOMEM;
    std::vector<sockaddr_storage> names(batch);
    std::vector<mmsghdr> msgs(batch);
    std::vector<iovec> iovs(static_cast<size_t>(batch) * per);
    for (uint32_t i = 0; i < batch; i++) {
      iovec* v = &iovs[static_cast<size_t>(i) * per];
      if (tailStride) v[1].iov_base = tail.get() + static_cast<size_t>(i) * tailStride;
      msghdr& m = msgs[i].msg_hdr;
      std::memset(&m, 0, sizeof(m));
      m.msg_name = &names[i];
      m.msg_iov = v;
      m.msg_iovlen = 1;
      m.msg_control = s->ctlSize ? ctl.get() + static_cast<size_t>(i) * s->ctlSize : nullptr;
    }
    s->tail = std::move(tail);
    s->ctl = std::move(ctl);
    s->names = std::move(names);  // moved vectors keep their storage: msg_name stays valid
    s->msgs = std::move(msgs);
    s->iovs = std::move(iovs);
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  }
  s->tailStride = tailStride;
  s->maxSlot = RoundSlot(s->msgSize < kMaxSlot ? s->msgSize : kMaxSlot);
  s->slot = s->maxSlot;
  s->recvReady = true;
  return 0;
}

void AdaptSlot(IoState* s, uint32_t maxLen) {
  uint32_t want = RoundSlot(maxLen);
  if (want > s->maxSlot) want = s->maxSlot;
  if (want >= s->slot) {
    s->slot = want;
    s->slotPeak = 0;
    s->slotAge = 0;
    return;
  }
  if (want > s->slotPeak) s->slotPeak = want;
  if (++s->slotAge >= 16) {
    s->slot = s->slotPeak;
    s->slotPeak = 0;
    s->slotAge = 0;
  }
}

namespace {

// Receive pool memory. A fresh 2 MiB allocation costs 512 page faults on
// first touch, so standard-size pools are 2 MiB-aligned blocks (one
// transparent huge page where THP allows it) recycled through a small
// process-wide free list: when JS drops every slice of a pool, its block goes
// back to the list instead of to the allocator. At most kFreePoolsMax blocks
// (64 MiB) are kept; a short list made most pools fresh memory in a flood
// (measurements: docs/RELIABILITY.md, "Receive memory"). The finalizer may run on any thread,
// hence the mutex.
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
  // instead of one page fault per 4 KiB page during the first copies.
  ::madvise(p, kPoolSize, 23 /* MADV_POPULATE_WRITE */);
  return p;
}

void PoolBlockRelease(napi_env, void* data, void*) {
  {
    std::lock_guard<std::mutex> lock(gPoolMutex);
    if (gFreePools->size() < kFreePoolsMax) {
      try {
        gFreePools->push_back(data);
        return;
      } catch (const std::bad_alloc&) {
        // fall through: free it
      }
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

}  // namespace

// Small messages get small pools: a pool lives until its last slice is
// collected, and a pool that fills within a few young-generation GCs dies
// young and is reused at once, where a 2 MiB pool of 64-byte messages outlives
// them, is promoted and waits for a full GC while fresh pools are faulted in.
static size_t PoolSizeFor(const IoState* s) {
  if (s->slot == 0) return kPoolSize;  // ring delivery: whole blocks of frames
  return static_cast<size_t>(s->slot) * s->batch * 16 <= kSmallPoolSize ? kSmallPoolSize : kPoolSize;
}

bool PoolReplace(IoState* s, size_t need, napi_value* buf, uint8_t** data) {
  if (s->poolRef != nullptr) {
    napi_delete_reference(s->env, s->poolRef);
    s->poolRef = nullptr;
  }
  size_t want = PoolSizeFor(s);
  size_t size = need > want ? need : want;
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
  return PoolReplace(s, need, buf, data);
}

void Publish(IoState* s, napi_value buf, size_t end, uint32_t n) {
  // Nothing is received while JS runs the handler, so a borrowed pool may be rewound before the call.
  s->poolOff = s->borrow ? 0 : (end + 7) & ~static_cast<size_t>(7);
  napi_value argv[2];
  argv[0] = buf;
  napi_create_uint32(s->env, n, &argv[1]);
  Call(s, s->onRecv, 2, argv);
}

}  // namespace sockit::io
