// Receive memory: the per-handle receive slab recvmmsg fills (allocated on
// first use) and the pooled JS Buffers each batch is copied into.
#include <sys/mman.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include "io/io.h"

namespace sockit::io {

// Two iovecs per message when messages may be large: the kernel fills the
// first kHeadSize bytes into a compact head slab and only the rest into a
// tail slab, so small datagrams touch one contiguous region per batch instead
// of one page per message 64 KiB apart (measurements: docs/RELIABILITY.md, "Receive memory").
int AllocRecvBuffers(IoState* s) {
  if (s->recvReady) return 0;
  const uint32_t batch = s->batch;
  const uint32_t headSize = s->msgSize < kHeadSize ? s->msgSize : kHeadSize;
  const uint32_t tailSize = s->msgSize - headSize;
  const uint32_t per = tailSize ? 2 : 1;
  try {
    std::unique_ptr<uint8_t[]> slab(new (std::nothrow) uint8_t[static_cast<size_t>(batch) * headSize]);
    std::unique_ptr<uint8_t[]> tail(tailSize ? new (std::nothrow) uint8_t[static_cast<size_t>(batch) * tailSize] : nullptr);
    std::unique_ptr<uint8_t[]> ctl(s->ctlSize ? new (std::nothrow) uint8_t[static_cast<size_t>(batch) * s->ctlSize] : nullptr);
    if (!slab || (tailSize && !tail) || (s->ctlSize && !ctl)) return -ENOMEM;
    std::vector<sockaddr_storage> names(batch);
    std::vector<mmsghdr> msgs(batch);
    std::vector<iovec> iovs(static_cast<size_t>(batch) * per);
    for (uint32_t i = 0; i < batch; i++) {
      iovec* v = &iovs[static_cast<size_t>(i) * per];
      v[0].iov_base = slab.get() + static_cast<size_t>(i) * headSize;
      v[0].iov_len = headSize;
      if (tailSize) {
        v[1].iov_base = tail.get() + static_cast<size_t>(i) * tailSize;
        v[1].iov_len = tailSize;
      }
      msghdr& m = msgs[i].msg_hdr;
      std::memset(&m, 0, sizeof(m));
      m.msg_name = &names[i];
      m.msg_iov = v;
      m.msg_iovlen = per;
      m.msg_control = s->ctlSize ? ctl.get() + static_cast<size_t>(i) * s->ctlSize : nullptr;
    }
    s->slab = std::move(slab);
    s->tail = std::move(tail);
    s->ctl = std::move(ctl);
    s->names = std::move(names);  // moved vectors keep their storage: msg_name stays valid
    s->msgs = std::move(msgs);
    s->iovs = std::move(iovs);
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  }
  s->headSize = headSize;
  s->recvReady = true;
  return 0;
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

void Publish(IoState* s, napi_value buf, size_t end, uint32_t n) {
  s->poolOff = (end + 7) & ~static_cast<size_t>(7);
  napi_value argv[2];
  argv[0] = buf;
  napi_create_uint32(s->env, n, &argv[1]);
  Call(s, s->onRecv, 2, argv);
}

}  // namespace sockit::io
