// The event-driven I/O engine shared by every datagram-style socket (UDP,
// AF_PACKET, ...), split by job:
//   handle.cc  IoHandle, the uv_poll lifecycle (mask, flood mode, close, teardown)
//   pool.cc    receive memory: the pooled Buffers recvmmsg writes into, the spill slab
//   recv.cc    recvmmsg delivery straight into the pool (and the error queue)
//   errqueue.cc  the error queue on demand (setErrors) and stale ICMP errors on send
//   ring.cc    TPACKET_V3 ring delivery, IoRing, ioRingSetup, ringSkip
//   send.cc    sendmsg and sendmmsg, with one set of argument checks
// The JS interface is documented in lib/binding/io.ts.
#pragma once

#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <uv.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_set>
#include <vector>

#include "codec/cmsg.h"
#include "codec/ring.h"
#include "common.h"

namespace sockit::io {

// One meta record: u32 words, exported as layouts.meta.
enum MetaWord : uint32_t { kMetaOffset = 0, kMetaLength = 1, kMetaRealLength = 2, kMetaFlags = 3 };
constexpr uint32_t kMetaStride = 4;
constexpr uint32_t kAddrStride = 112;  // raw sockaddr bytes (in, in6, ll, un: sockaddr_un is 110)
// u16 at the end of each address record: the address length the kernel
// returned (msg_namelen). An abstract unix name is exactly that long, with
// trailing NULs significant, so the zero fill after it must not be read as name.
constexpr uint32_t kAddrLength = kAddrStride - 2;
static_assert(sizeof(sockaddr_un) <= kAddrLength, "sockaddr_un ends before the length field");
constexpr uint32_t kInfoStride = sizeof(codec::ControlInfo);
constexpr uint32_t kMaxBatch = 1024;
constexpr uint32_t kMaxMessage = 1u << 20;
constexpr uint32_t kMaxControl = 4096;
constexpr int kBatchesPerWakeup = 32;
constexpr size_t kPoolSize = 2u << 20;  // receive pool: 2 MiB, or one batch if larger
constexpr size_t kSmallPoolSize = 256u << 10;  // the pool size while messages are small (see PoolSizeFor)
// The room a message gets in the pool (its slot, see AdaptSlot): a multiple of
// kMinSlot, at most kMaxSlot; longer messages spill into the tail slab.
constexpr uint32_t kMinSlot = 64;
constexpr uint32_t kMaxSlot = 2048;

enum Event : int { kEvWritable = 1, kEvError = 2, kEvClose = 3, kEvEnd = 4 };
enum Syscall : int { kSysRecv = 1, kSysSoError = 2, kSysPoll = 3, kSysAlloc = 4 };

struct IoState;
class IoHandle;

// Per-environment engine state (AddonData::io).
struct Registry {
  std::unordered_set<IoState*> live;
  napi_ref ringCtor = nullptr;  // IoRing constructor (never deleted: lives as long as the environment)
  napi_async_cleanup_hook_handle hook = nullptr;
  bool exiting = false;
  // uv_work_t requests of ours still queued or running: libuv cannot close a loop (a Worker's
  // teardown asserts) while one is active, so the cleanup hook stays until they finish.
  int pendingWork = 0;
};

struct IoState {
  uv_poll_t poll;
  // Flood mode (handle.cc EnterFlood): the descriptor is out of epoll and the loop's idle phase drains it.
  uv_idle_t idle;
  bool flooded = false;
  int openHandles = 0;  // poll and idle: the close path goes on when both are closed
  uv_work_t closeWork;  // close(fd) (and munmap) on the threadpool: packet_release waits an RCU grace period
  napi_env env = nullptr;
  Registry* reg = nullptr;
  IoHandle* wrap = nullptr;
  int fd = -1;
  bool closing = false;
  bool wantRead = false;
  bool wantWrite = false;
  bool wantErrors = false;  // errqueue.cc: poll for POLLERR even when not receiving
  int mask = 0;
  uint32_t batch = 0, msgSize = 0, ctlSize = 0;
  // Receive buffers (AllocRecvBuffers, on the first setReceiving(true) or
  // POLLERR): message i lands in the pool at base + i * slot (slot bytes)
  // and, beyond that, in tail[i] (tailStride bytes apart), see recv.cc.
  bool recvReady = false;
  std::unique_ptr<uint8_t[]> tail, ctl;
  uint32_t tailStride = 0;
  uint32_t slot = 0, maxSlot = 0, slotPeak = 0, slotAge = 0;
  std::vector<sockaddr_storage> names;
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iovs;
  // sendBatch scratch (grown once, reused; filled only after all JS values are read)
  std::vector<mmsghdr> smsgs;
  std::vector<iovec> siovs;
  // UDP GSO gathering (sendBatch's `gather`): one control block per message, off after the path refused it
  std::vector<uint8_t> sctl;
  bool gatherOff = false;
  // shared with JS
  uint32_t* meta = nullptr;
  uint8_t* addrs = nullptr;
  uint8_t* infos = nullptr;
  napi_ref owner = nullptr, onRecv = nullptr, onEvent = nullptr;
  napi_ref metaRef = nullptr, addrsRef = nullptr, infosRef = nullptr;
  // Receive pool: batches are received back to back into one JS Buffer until
  // it is full, then a new one is made (allocation amortized over many batches).
  napi_ref poolRef = nullptr;
  size_t poolSize = 0, poolOff = 0;
  // borrow: every batch is received at the start of the same pool (JS was told the payloads
  // are valid only while its handler runs), so the memory stays in cache and no pools are made
  bool borrow = false;
  napi_async_context async = nullptr;
  // TPACKET_V3 receive ring (adopted from an IoRing), its batch scratch.
  std::unique_ptr<codec::RxRing> ring;
  std::vector<codec::RingFrame> rframes;
  std::vector<uint32_t> rdone;
  // AF_UNIX SCM_RIGHTS: maxRights descriptors per message, shared with JS (unix.cc).
  int32_t* rights = nullptr;
  uint32_t maxRights = 0;
  napi_ref rightsRef = nullptr;
  bool seqpacket = false;  // SOCK_SEQPACKET: a zero-length read after the peer shut down is the end
  bool accepting = false;  // a listening socket: READABLE means connections to accept (unix.cc DrainAccept)
};

// --- handle.cc: poll lifecycle and calls into JS ---------------------------
int ApplyMask(IoState* s);
void Call(IoState* s, napi_ref fnRef, size_t argc, napi_value* argv);
void Emit(IoState* s, int type, int err, int syscall);
// Out of memory inside the poll callback: EV_ERROR(-ENOMEM, SYS_ALLOC) and stop receiving.
void FailNoMemory(IoState* s);

// --- pool.cc: receive memory ------------------------------------------------
// Allocate the receive headers and tail slab of `s` if not yet done → 0 | -ENOMEM.
int AllocRecvBuffers(IoState* s);
// The current receive pool and room for `need` bytes in it (a new one when
// full or detached) → false when out of memory (no pending exception left).
bool PoolReserve(IoState* s, size_t need, napi_value* buf, uint8_t** data);
// A new receive pool of at least `need` bytes, replacing the current one.
bool PoolReplace(IoState* s, size_t need, napi_value* buf, uint8_t** data);
// After a batch whose longest message had `maxLen` bytes: grow the slot at
// once, shrink it only after many batches of shorter messages.
void AdaptSlot(IoState* s, uint32_t maxLen);
// The bytes of a message of `len` that fit a receive record (messageSize).
inline uint32_t Captured(const IoState* s, uint32_t len) { return len < s->msgSize ? len : s->msgSize; }
// Fill message i's meta record.
inline void PutMeta(IoState* s, uint32_t i, size_t off, uint32_t len, uint32_t real, uint32_t flags) {
  uint32_t* meta = s->meta + i * kMetaStride;
  meta[kMetaOffset] = static_cast<uint32_t>(off);
  meta[kMetaLength] = len;
  meta[kMetaRealLength] = real;
  meta[kMetaFlags] = flags;
}
// The short addresses (sockaddr_in, sockaddr_in6, sockaddr_ll) fit in a record's first kAddrShort bytes.
constexpr uint32_t kAddrShort = 32;
static_assert(sizeof(sockaddr_in6) <= kAddrShort, "sockaddr_in6 is a short address");
template <size_t N>
inline void PutShortAddress(uint8_t* a, const void* name) {
  static_assert(N <= kAddrShort, "a short address");
  std::memcpy(a, name, N);
  std::memset(a + N, 0, kAddrShort - N);
}
// Message i's source address record: `len` bytes of `name` (capped at the
// record), zero fill, and the length copied in the record's length field.
// The usual lengths are fixed-size moves: a variable-length memcpy and memset
// compile to rep movs / rep stos, whose start-up cost was half of a 64-byte
// datagram's delivery. Bytes past kAddrShort are zero while the record holds
// a short address (the table starts zeroed), so they are cleared only after a
// longer one.
inline void PutAddress(IoState* s, uint32_t i, const void* name, socklen_t len) {
  uint8_t* a = s->addrs + static_cast<size_t>(i) * kAddrStride;
  uint16_t copy = static_cast<uint16_t>(len < kAddrLength ? len : kAddrLength);
  uint16_t before;
  std::memcpy(&before, a + kAddrLength, sizeof(before));
  switch (copy) {
    case sizeof(sockaddr_in):
      PutShortAddress<sizeof(sockaddr_in)>(a, name);
      break;
    case sizeof(sockaddr_in6):
      PutShortAddress<sizeof(sockaddr_in6)>(a, name);
      break;
    case sizeof(sockaddr_ll):
      PutShortAddress<sizeof(sockaddr_ll)>(a, name);
      break;
    default:
      std::memcpy(a, name, copy);
      std::memset(a + copy, 0, kAddrLength - copy);
      before = 0;
  }
  if (before > kAddrShort) std::memset(a + kAddrShort, 0, kAddrLength - kAddrShort);
  std::memcpy(a + kAddrLength, &copy, sizeof(copy));
}
// The batch's n messages fill the pool up to `end`: advance the pool and
// make the one onRecv(pool, n) call.
void Publish(IoState* s, napi_value buf, size_t end, uint32_t n);

// --- recv.cc / ring.cc: delivery ---------------------------------------------
// → true when it stopped at the per-wakeup bound with every batch full (more is likely queued).
bool DrainRead(IoState* s);
void HandlePollError(IoState* s);
void DrainRing(IoState* s);
Napi::Value DecodeControlJs(const Napi::CallbackInfo& info);

// --- errqueue.cc ---------------------------------------------------------------
// True when a send that failed with `err` may have failed on an error the
// kernel left from an earlier ICMP message (sk_err; IP_RECVERR on an
// unconnected socket, or a raw socket): the send is retried once.
bool StaleSocketError(int fd, int err);
// errno values an ICMP error becomes (icmp_err_convert, icmpv6_err_convert).
bool IcmpErrno(int err);
// A receive or SO_ERROR failure that the error queue reports instead: sk_err
// mirrored from a queued ICMP error on an unconnected socket, or any ICMP
// errno while 'transportError' is listened for (setErrors).
inline bool ReportedByQueue(const IoState* s, int err) {
  return (s->wantErrors && IcmpErrno(err)) || StaleSocketError(s->fd, err);
}
// --- unix.cc: AF_UNIX descriptors and credentials ------------------------------
void InitRights(Napi::Env env, IoState* s, Napi::Object self, uint32_t maxRights);
void CollectUnix(IoState* s, uint32_t i, const uint8_t* ctl, size_t clen, codec::ControlInfo* info);
// SOCK_SEQPACKET end of stream: the n messages read, less the trailing
// zero-length reads that mean the peer shut down (*eof set then).
int TrimSeqpacketEof(IoState* s, int n, bool* eof);
// A listening handle's READABLE: accept4 up to a batch of connections and
// hand them to JS as records of one descriptor each (in `rights`).
void DrainAccept(IoState* s);
Napi::Value EncodeUnixControlJs(const Napi::CallbackInfo& info);
Napi::Value SocketPairJs(const Napi::CallbackInfo& info);
Napi::Value UnixAutobindJs(const Napi::CallbackInfo& info);

// --- send.cc -------------------------------------------------------------------
Napi::Value SendMsgFd(const Napi::CallbackInfo& info);
Napi::Value EncodeAddress(const Napi::CallbackInfo& info);
Napi::Value EncodeControl(const Napi::CallbackInfo& info);

// A mapped TPACKET_V3 receive ring made by ioRingSetup, waiting to be adopted
// by an IoHandle on the same descriptor (the ring has to exist before the
// socket is bound, the handle is made last). Unmapped by unmap(), by the
// garbage collector, or at environment teardown if never adopted.
class IoRing : public Napi::ObjectWrap<IoRing> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit IoRing(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IoRing>(info) {}
  ~IoRing() override;
  // The wrapped ring of `v` if it is an IoRing, else nullptr (runs no JS).
  static IoRing* From(Napi::Env env, Napi::Value v);
  codec::RxRing ring;

 private:
  Napi::Value Unmap(const Napi::CallbackInfo& info);
  Napi::Value GetMapped(const Napi::CallbackInfo& info);
  Napi::Value GetSize(const Napi::CallbackInfo& info);
};
Napi::Value RingSetup(const Napi::CallbackInfo& info);

class IoHandle : public Napi::ObjectWrap<IoHandle> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit IoHandle(const Napi::CallbackInfo& info);
  ~IoHandle() override;
  // Called from the close path.
  void Detach() { s_ = nullptr; }
  void DropSelfRef() { Napi::ObjectWrap<IoHandle>::Unref(); }

 private:
  IoState* s_ = nullptr;
  IoState* Open() const { return (s_ == nullptr || s_->closing) ? nullptr : s_; }
  void Construct(const Napi::CallbackInfo& info);
  Napi::Value SetReceiving(const Napi::CallbackInfo& info);
  Napi::Value SetWritable(const Napi::CallbackInfo& info);
  Napi::Value SetErrors(const Napi::CallbackInfo& info);    // errqueue.cc
  Napi::Value SendBatch(const Napi::CallbackInfo& info);    // send.cc
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value HasRef(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value RingSkip(const Napi::CallbackInfo& info);       // ring.cc
  Napi::Value RingSkipAsync(const Napi::CallbackInfo& info);  // ring.cc
  Napi::Value GetFd(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);
  Napi::Value GetGatherOff(const Napi::CallbackInfo& info);
};

}  // namespace sockit::io
