// TPACKET_V3 receive ring (PACKET_RX_RING + mmap) with no Node-API
// dependency: ring setup, block walking and a bounds-checked frame decoder
// that can be fuzzed on arbitrary bytes.
//
// Layout (Documentation/networking/packet_mmap.rst, TPACKET_V3): the mapping
// is `blockCount` blocks of `blockSize` bytes. Each block starts with a
// tpacket_block_desc (block_status, num_pkts, offset_to_first_pkt, ...); the
// kernel fills one block at a time and hands it over by setting
// TP_STATUS_USER in block_status (when it is full, or when the block timeout
// expires with at least one frame in it). Frames in a block are chained by
// tp_next_offset; each is a tpacket3_hdr, then the sockaddr_ll at
// TPACKET_ALIGN(sizeof(tpacket3_hdr)), then the frame bytes at tp_mac.
// User space gives the whole block back by storing TP_STATUS_KERNEL.
#pragma once

#include <linux/if_packet.h>

#include <cstddef>
#include <cstdint>

namespace sockit::codec {

struct RingGeometry {
  uint32_t blockSize = 0;   // bytes, a multiple of the page size
  uint32_t blockCount = 0;  // blocks in the ring
  uint32_t frameSize = 0;   // tp_frame_size: multiple of TPACKET_ALIGNMENT (geometry only in V3)
  uint32_t timeoutMs = 0;   // tp_retire_blk_tov: hand over a partly filled block after this long (0: kernel default)
};

// Smallest tp_frame_size the kernel accepts for TPACKET_V3 (tp_hdrlen).
constexpr uint32_t kRingMinFrame = TPACKET_ALIGN(sizeof(tpacket3_hdr)) + sizeof(sockaddr_ll);

// Check `g` against the kernel's rules (packet_set_ring) for page size
// `page`. Returns nullptr when valid, else the rule that is broken.
const char* RingGeometryError(const RingGeometry& g, size_t page);

// One decoded frame of a block. `data` points into the block.
struct RingFrame {
  const uint8_t* data = nullptr;
  uint32_t snaplen = 0;  // bytes captured (at data)
  uint32_t len = 0;      // length on the wire
  uint32_t status = 0;   // tp_status (TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID, ...)
  uint32_t sec = 0, nsec = 0;
  uint16_t mac = 0, net = 0;  // offsets of link and network header from the tpacket3_hdr
  uint16_t vlanTci = 0, vlanTpid = 0;
  const uint8_t* sll = nullptr;  // the sockaddr_ll (sizeof(sockaddr_ll) bytes)
};

// Decode the frame whose tpacket3_hdr starts at `off` inside a block of
// `blockLen` bytes. Every field is checked against the block end before use.
// Returns false (and leaves `out` unspecified) for a frame that does not fit.
// `*next` gets the offset of the following frame (0 for none).
bool DecodeRingFrame(const uint8_t* block, size_t blockLen, size_t off, RingFrame* out, size_t* next);

// A mapped TPACKET_V3 receive ring and the reader's position in it.
struct RxRing {
  uint8_t* map = nullptr;
  size_t mapLen = 0;
  uint32_t blockSize = 0, blockCount = 0;
  int fd = -1;
  // Reader position: the block being read, frames left in it and the offset
  // of the next one. `open` is false between blocks.
  uint32_t cur = 0;
  bool open = false;
  uint32_t left = 0;
  size_t off = 0;
  // Frames to discard (RxRingSkipQueued): every block whose seq_num is below
  // skipSeq, and the first skipPkts frames of block skipSeq. skipHere: frames
  // of the open block still to discard.
  uint64_t skipSeq = 0;
  uint32_t skipPkts = 0;
  uint32_t skipHere = 0;
};

// PACKET_VERSION = TPACKET_V3, PACKET_RX_RING, mmap. On failure the socket's
// ring is torn down again and -errno is returned; 0 on success.
int RxRingSetup(int fd, const RingGeometry& g, RxRing* out);

// munmap (idempotent). The socket keeps its (now unreachable) ring until it is closed.
void RxRingUnmap(RxRing* r);

// The next frame, or false when no handed-over frame is left. Blocks whose
// frames were all returned are appended to `done` (block indexes, at most
// `doneCap`); give them back with RxRingRelease once their frames are copied.
// Stops early (returns false) when `done` is full or holds every block.
bool RxRingNext(RxRing* r, RingFrame* f, uint32_t* done, size_t doneCap, size_t* doneCount);

// Close the current block if all its frames were returned (append it to
// `done`). Call after the last RxRingNext of a batch.
void RxRingSettle(RxRing* r, uint32_t* done, size_t doneCap, size_t* doneCount);

// Mark every frame the kernel has put into the ring so far, including those
// of the block it is still filling, to be discarded unread (filter
// replacement: frames the old filter accepted must not surface afterwards).
void RxRingSkipQueued(RxRing* r);

// Hand block `index` back to the kernel (TP_STATUS_KERNEL, release order).
void RxRingRelease(RxRing* r, uint32_t index);

}  // namespace sockit::codec
