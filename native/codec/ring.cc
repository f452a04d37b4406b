#include "codec/ring.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifndef SOL_PACKET
#define SOL_PACKET 263
#endif

namespace sockit::codec {

namespace {

constexpr uint64_t kMaxRingBytes = 1ull << 30;  // 1 GiB per socket

tpacket_block_desc* Block(const RxRing* r, uint32_t index) {
  return reinterpret_cast<tpacket_block_desc*>(r->map + static_cast<size_t>(index) * r->blockSize);
}

}  // namespace

const char* RingGeometryError(const RingGeometry& g, size_t page) {
  if (page == 0 || g.blockSize == 0 || g.blockSize % page != 0) return "blockSize must be a non-zero multiple of the page size";
  if (g.blockCount == 0) return "blockCount must be at least 1";
  if (static_cast<uint64_t>(g.blockSize) * g.blockCount > kMaxRingBytes) return "blockSize * blockCount must be at most 1 GiB";
  if (g.frameSize % TPACKET_ALIGNMENT != 0) return "frameSize must be a multiple of TPACKET_ALIGNMENT (16)";
  if (g.frameSize < kRingMinFrame) return "frameSize must hold at least the tpacket3 header and sockaddr_ll (68 bytes)";
  if (g.frameSize > g.blockSize) return "frameSize must not exceed blockSize";
  if (g.timeoutMs > 60000) return "timeoutMs must be at most 60000";
  return nullptr;
}

bool DecodeRingFrame(const uint8_t* block, size_t blockLen, size_t off, RingFrame* out, size_t* next) {
  *next = 0;
  if (block == nullptr || off > blockLen || blockLen - off < kRingMinFrame) return false;
  tpacket3_hdr h;
  std::memcpy(&h, block + off, sizeof(h));
  size_t avail = blockLen - off;
  if (h.tp_mac < kRingMinFrame || h.tp_mac > avail || h.tp_snaplen > avail - h.tp_mac) return false;
  out->data = block + off + h.tp_mac;
  out->snaplen = h.tp_snaplen;
  out->len = h.tp_len;
  out->status = h.tp_status;
  out->sec = h.tp_sec;
  out->nsec = h.tp_nsec;
  out->mac = h.tp_mac;
  out->net = h.tp_net;
  out->vlanTci = h.hv1.tp_vlan_tci;
  out->vlanTpid = h.hv1.tp_vlan_tpid;
  out->sll = block + off + TPACKET_ALIGN(sizeof(tpacket3_hdr));
  if (h.tp_next_offset != 0 && h.tp_next_offset <= avail) *next = off + h.tp_next_offset;
  return true;
}

int RxRingSetup(int fd, const RingGeometry& g, RxRing* out) {
  long page = ::sysconf(_SC_PAGESIZE);
  if (RingGeometryError(g, page > 0 ? static_cast<size_t>(page) : 4096) != nullptr) return -EINVAL;
  int v = TPACKET_V3;
  if (::setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) != 0) return -errno;
  tpacket_req3 req;
  std::memset(&req, 0, sizeof(req));
  req.tp_block_size = g.blockSize;
  req.tp_block_nr = g.blockCount;
  req.tp_frame_size = g.frameSize;
  req.tp_frame_nr = (g.blockSize / g.frameSize) * g.blockCount;
  req.tp_retire_blk_tov = g.timeoutMs;
  if (::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0) return -errno;
  size_t len = static_cast<size_t>(g.blockSize) * g.blockCount;
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    int err = errno;
    std::memset(&req, 0, sizeof(req));
    ::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req));  // free the kernel's ring again
    return -err;
  }
  out->map = static_cast<uint8_t*>(p);
  out->mapLen = len;
  out->blockSize = g.blockSize;
  out->blockCount = g.blockCount;
  out->fd = fd;
  out->cur = 0;
  out->open = false;
  out->left = 0;
  out->off = 0;
  return 0;
}

void RxRingUnmap(RxRing* r) {
  if (r->map != nullptr) ::munmap(r->map, r->mapLen);
  r->map = nullptr;
  r->mapLen = 0;
  r->open = false;
}

bool RxRingNext(RxRing* r, RingFrame* f, uint32_t* done, size_t doneCap, size_t* doneCount) {
  if (r->map == nullptr || r->blockSize < sizeof(tpacket_block_desc)) return false;
  for (;;) {
    tpacket_block_desc* bd = Block(r, r->cur);
    if (!r->open) {
      // Every block is waiting in `done` for its release: the next one is the
      // first of them, already read. Stop until they go back to the kernel.
      if (*doneCount >= r->blockCount) return false;
      uint32_t st = __atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
      if ((st & TP_STATUS_USER) == 0) return false;
      r->open = true;
      r->left = bd->hdr.bh1.num_pkts;
      r->off = bd->hdr.bh1.offset_to_first_pkt;
      uint64_t seq = bd->hdr.bh1.seq_num;
      r->skipHere = seq < r->skipSeq ? r->left : seq == r->skipSeq ? r->skipPkts : 0;
    }
    if (r->left == 0) {
      if (*doneCount >= doneCap) return false;
      done[(*doneCount)++] = r->cur;
      r->cur = (r->cur + 1) % r->blockCount;
      r->open = false;
      continue;
    }
    size_t next = 0;
    if (!DecodeRingFrame(reinterpret_cast<const uint8_t*>(bd), r->blockSize, r->off, f, &next)) {
      r->left = 0;  // malformed: skip the rest of this block
      continue;
    }
    r->left--;
    r->off = next;
    if (next == 0) r->left = 0;
    if (r->skipHere > 0) {
      r->skipHere--;
      continue;
    }
    return true;
  }
}

void RxRingSettle(RxRing* r, uint32_t* done, size_t doneCap, size_t* doneCount) {
  if (r->map == nullptr || !r->open || r->left != 0 || *doneCount >= doneCap) return;
  done[(*doneCount)++] = r->cur;
  r->cur = (r->cur + 1) % r->blockCount;
  r->open = false;
}

void RxRingSkipQueued(RxRing* r) {
  if (r->map == nullptr || r->blockSize < sizeof(tpacket_block_desc)) return;
  // The block opened last has the highest seq_num (the kernel numbers blocks
  // as it opens them, from 1). Still owned by the kernel: it is being filled,
  // skip the frames it holds now. Handed over (the ring is frozen): skip it whole.
  uint64_t maxSeq = 0;
  uint32_t maxIdx = 0;
  for (uint32_t i = 0; i < r->blockCount; i++) {
    uint64_t seq = __atomic_load_n(&Block(r, i)->hdr.bh1.seq_num, __ATOMIC_ACQUIRE);
    if (seq >= maxSeq) {
      maxSeq = seq;
      maxIdx = i;
    }
  }
  tpacket_block_desc* bd = Block(r, maxIdx);
  uint32_t st = __atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
  if (st & TP_STATUS_USER) {
    r->skipSeq = maxSeq + 1;
    r->skipPkts = 0;
  } else {
    r->skipSeq = maxSeq;
    r->skipPkts = __atomic_load_n(&bd->hdr.bh1.num_pkts, __ATOMIC_ACQUIRE);
  }
  // The block being read now is older than either: drop the rest of it.
  if (r->open) r->skipHere = r->left;
}

void RxRingRelease(RxRing* r, uint32_t index) {
  if (r->map == nullptr || index >= r->blockCount || r->blockSize < sizeof(tpacket_block_desc)) return;
  __atomic_store_n(&Block(r, index)->hdr.bh1.block_status, static_cast<uint32_t>(TP_STATUS_KERNEL), __ATOMIC_RELEASE);
}

}  // namespace sockit::codec
