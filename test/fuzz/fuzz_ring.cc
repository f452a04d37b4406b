// libFuzzer harness for native/codec/ring.cc: the TPACKET_V3 block walk and
// frame decoder over a hostile "ring" (block headers, frame headers, offsets,
// lengths and statuses all from the input), laid out in an exact-size heap
// buffer so any read past the mapping is an ASan report. The engine's loop is
// replayed: gather frames in batches, settle, release, and skip-queued marks
// at random points. Properties: every frame (header, sockaddr_ll, data) lies
// inside its block; the walk terminates; released blocks are not read again
// before the "kernel" hands them back.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "codec/ring.h"

using namespace sockit::codec;

static void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_ring: property violated: %s\n", what);
    std::abort();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  // Block headers are read in place (aligned, as in a page-aligned mapping): blocks are 8-byte multiples.
  uint32_t blockSize = 8 * in.ConsumeIntegralInRange<uint32_t>(1, 512);
  uint32_t blockCount = in.ConsumeIntegralInRange<uint32_t>(1, 6);
  size_t len = static_cast<size_t>(blockSize) * blockCount;
  std::vector<uint8_t> bytes = in.ConsumeBytes<uint8_t>(len);
  bytes.resize(len);
  uint8_t* map = static_cast<uint8_t*>(std::malloc(len));
  std::memcpy(map, bytes.data(), len);

  // Direct decode at an arbitrary offset.
  {
    size_t off = in.ConsumeIntegralInRange<size_t>(0, blockSize + 8);
    RingFrame f;
    size_t next = 0;
    if (DecodeRingFrame(map, blockSize, off, &f, &next)) {
      Check(f.data >= map && f.data + f.snaplen <= map + blockSize, "decoded data inside the block");
      Check(f.sll >= map && f.sll + sizeof(sockaddr_ll) <= map + blockSize, "sockaddr_ll inside the block");
      Check(next == 0 || next > off, "next frame moves forward");
    }
  }

  RxRing r;
  r.map = map;
  r.mapLen = len;
  r.blockSize = blockSize;
  r.blockCount = blockCount;
  uint32_t batch = in.ConsumeIntegralInRange<uint32_t>(1, 64);
  std::vector<RingFrame> frames(batch);
  std::vector<uint32_t> done(blockCount);
  std::vector<bool> released(blockCount, false);
  for (int round = 0; round < 64; round++) {
    if (in.ConsumeBool()) RxRingSkipQueued(&r);
    uint32_t n = 0;
    size_t ndone = 0;
    while (n < batch && RxRingNext(&r, &frames[n], done.data(), done.size(), &ndone)) n++;
    RxRingSettle(&r, done.data(), done.size(), &ndone);
    Check(ndone <= blockCount, "done bounded by the block count");
    for (uint32_t i = 0; i < n; i++) {
      const RingFrame& f = frames[i];
      // The block of a frame: where its header (and sockaddr_ll) is; an empty frame's data may sit at the block end.
      Check(f.sll >= map && f.sll < map + len, "frame inside the mapping");
      size_t blk = static_cast<size_t>(f.sll - map) / blockSize;
      const uint8_t* start = map + blk * blockSize;
      Check(f.data >= start && f.data + f.snaplen <= start + blockSize, "frame data inside its block");
      Check(f.sll >= start && f.sll + sizeof(sockaddr_ll) <= start + blockSize, "sockaddr_ll inside its block");
      Check(!released[blk], "a released block is not read before it is handed back");
      volatile uint8_t sink = 0;
      for (uint32_t k = 0; k < f.snaplen; k++) sink ^= f.data[k];
      (void)sink;
    }
    for (size_t i = 0; i < ndone; i++) {
      Check(done[i] < blockCount, "done index in range");
      RxRingRelease(&r, done[i]);
      released[done[i]] = true;
    }
    if (n == 0 && ndone == 0) {
      // Nothing handed over: let the "kernel" hand a released block back with new contents.
      if (in.remaining_bytes() == 0) break;
      uint32_t b = in.ConsumeIntegralInRange<uint32_t>(0, blockCount - 1);
      std::vector<uint8_t> fresh = in.ConsumeBytes<uint8_t>(blockSize);
      if (!fresh.empty()) std::memcpy(map + static_cast<size_t>(b) * blockSize, fresh.data(), fresh.size());
      if (blockSize >= sizeof(tpacket_block_desc) && fresh.size() >= sizeof(tpacket_block_desc)) {
        auto* bd = reinterpret_cast<tpacket_block_desc*>(map + static_cast<size_t>(b) * blockSize);
        bd->hdr.bh1.block_status |= TP_STATUS_USER;
      }
      released[b] = false;
    }
  }
  std::free(map);
  return 0;
}
