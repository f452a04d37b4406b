// Send: one sendmsg (sendmsgFd, per datagram or frame) and one sendmmsg
// (IoHandle.sendBatch), both MSG_DONTWAIT | MSG_NOSIGNAL, with one set of
// argument checks (ReadSendArgs). -EAGAIN goes back to JS, which queues and
// asks for WRITABLE.
//
// Use-after-free rule: every JS value (array elements, which may be getters
// that run JS and detach or resize a buffer read earlier) is read FIRST; only
// then are data pointers taken, with no JS running until the system call
// returns. A buffer detached by then is a TypeError, never a send of freed
// memory or a silent 0-byte datagram.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "addr.h"
#include "io/io.h"

namespace sockit::io {

namespace {

bool IsNullish(napi_env env, napi_value v) {
  if (v == nullptr) return true;
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && (t == napi_null || t == napi_undefined);
}

// The one reader of send bytes: the Uint8Array family (Buffer included), one
// napi call on the hot path. Runs no JS. Throws TypeError for anything else
// and for a detached buffer.
Bytes ReadBytes(Napi::Env env, napi_value v, const char* name, bool optional) {
  Bytes b;
  if (optional && IsNullish(env, v)) return b;
  if (!FastU8(env, v, &b))
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE",
                   std::string("The \"") + name + "\" argument must be a Uint8Array" + (optional ? " or null" : ""));
  if (b.data == nullptr) {
    napi_value ab;
    bool detached = false;
    if (napi_get_typedarray_info(env, v, nullptr, nullptr, nullptr, &ab, nullptr) == napi_ok &&
        napi_is_detached_arraybuffer(env, ab, &detached) == napi_ok && detached)
      ThrowTypeError(env, "ERR_INVALID_STATE", std::string("The \"") + name + "\" argument's ArrayBuffer is detached");
  }
  return b;
}

// The message lengths of a packed batch: a Uint32Array (TypeError otherwise,
// ERR_INVALID_STATE when detached). Runs no JS.
struct Lengths {
  const uint32_t* data = nullptr;
  size_t size = 0;
};

Lengths ReadLengths(Napi::Env env, napi_value v) {
  Lengths l;
  napi_typedarray_type type;
  void* data = nullptr;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &l.size, &data, &ab, nullptr) != napi_ok || type != napi_uint32_array)
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"lengths\" argument must be a Uint32Array");
  bool detached = false;
  if (napi_is_detached_arraybuffer(env, ab, &detached) == napi_ok && detached)
    ThrowTypeError(env, "ERR_INVALID_STATE", "The \"lengths\" argument's ArrayBuffer is detached");
  l.data = static_cast<const uint32_t*>(data);
  if (l.data == nullptr) l.size = 0;
  return l;
}

// The address and control block of a message, checked (pointers taken
// after every JS value of the call was read).
struct SendExtras {
  Bytes addr, ctl;
};

SendExtras ReadSendExtras(Napi::Env env, napi_value addr, napi_value ctl) {
  SendExtras x;
  x.addr = ReadBytes(env, addr, "address", true);
  x.ctl = ReadBytes(env, ctl, "control", true);
  if (x.addr.data != nullptr && (x.addr.length < sizeof(sa_family_t) || x.addr.length > sizeof(sockaddr_storage)))
    ThrowRangeError(env, "ERR_OUT_OF_RANGE", "an encoded address has 2 to 128 bytes");
  if (x.ctl.length > kMaxControl) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "control data is larger than 4096 bytes");
  return x;
}

void FillMsg(const Bytes& d, const SendExtras& x, msghdr* m, iovec* iov) {
  iov->iov_base = d.data;
  iov->iov_len = d.length;
  std::memset(m, 0, sizeof(*m));
  m->msg_name = x.addr.length ? x.addr.data : nullptr;
  m->msg_namelen = static_cast<socklen_t>(x.addr.length);
  m->msg_iov = iov;
  m->msg_iovlen = 1;
  m->msg_control = x.ctl.length ? x.ctl.data : nullptr;
  m->msg_controllen = x.ctl.length;
}

// data, address, control of one message → msghdr + iovec.
void ReadSendArgs(Napi::Env env, napi_value data, napi_value addr, napi_value ctl, msghdr* m, iovec* iov) {
  Bytes d = ReadBytes(env, data, "data", false);
  FillMsg(d, ReadSendExtras(env, addr, ctl), m, iov);
}

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
constexpr uint32_t kMaxSegments = 64;      // UDP_MAX_SEGMENTS
constexpr size_t kMaxGsoPayload = 65000;  // under IPv4's 65507 and IPv6's 65527

// Whether a control block already asks for UDP_SEGMENT (a caller's own GSO: never gathered).
// Headers are copied out: the bytes come from any Uint8Array, aligned or not.
bool HasSegment(const Bytes& ctl) {
  for (size_t off = 0; off + sizeof(cmsghdr) <= ctl.length;) {
    cmsghdr h;
    std::memcpy(&h, ctl.data + off, sizeof(h));
    if (h.cmsg_level == SOL_UDP && h.cmsg_type == UDP_SEGMENT) return true;
    if (h.cmsg_len < sizeof(cmsghdr)) return false;  // malformed: the kernel refuses the send anyway
    off += CMSG_ALIGN(h.cmsg_len);
  }
  return false;
}

// Group messages already filled in s->smsgs[0..count) (one iovec each) into
// UDP GSO messages: a run of equal-length messages (the last may be shorter)
// becomes one message with their iovecs and a UDP_SEGMENT control block after
// the shared one. → the number of messages left; seg[g] = datagrams in message g.
uint32_t Gather(IoState* s, uint32_t count, const Bytes& ctl, uint16_t* seg) {
  const size_t base = CMSG_ALIGN(ctl.length);
  const size_t stride = base + CMSG_SPACE(sizeof(uint16_t));
  if (s->sctl.size() < stride * count) s->sctl.resize(stride * count);  // bad_alloc: caught by the caller
  uint32_t g = 0;
  for (uint32_t i = 0; i < count;) {
    const size_t len = s->siovs[i].iov_len;
    uint32_t j = i + 1;
    size_t total = len;
    if (len > 0) {
      while (j < count && j - i < kMaxSegments && total + s->siovs[j].iov_len <= kMaxGsoPayload) {
        const size_t l = s->siovs[j].iov_len;
        if (l == 0 || l > len) break;
        total += l;
        j++;
        if (l < len) break;  // a shorter one ends the run
      }
    }
    msghdr& m = s->smsgs[g].msg_hdr;
    m = s->smsgs[i].msg_hdr;
    m.msg_iov = &s->siovs[i];
    m.msg_iovlen = j - i;
    if (j - i > 1) {
      uint8_t* c = s->sctl.data() + stride * g;
      std::memset(c, 0, stride);
      if (ctl.length) std::memcpy(c, ctl.data, ctl.length);
      cmsghdr* h = reinterpret_cast<cmsghdr*>(c + base);
      h->cmsg_level = SOL_UDP;
      h->cmsg_type = UDP_SEGMENT;
      h->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const uint16_t size = static_cast<uint16_t>(len);
      std::memcpy(CMSG_DATA(h), &size, sizeof(size));
      m.msg_control = c;
      m.msg_controllen = stride;
    }
    s->smsgs[g].msg_len = 0;
    seg[g++] = static_cast<uint16_t>(j - i);
    i = j;
  }
  return g;
}

// Plain messages again after a refused gather: one iovec each, the shared control block.
void Ungather(IoState* s, uint32_t count, const SendExtras& x) {
  for (uint32_t i = 0; i < count; i++) {
    Bytes d;
    d.data = static_cast<uint8_t*>(s->siovs[i].iov_base);
    d.length = s->siovs[i].iov_len;
    FillMsg(d, x, &s->smsgs[i].msg_hdr, &s->siovs[i]);
    s->smsgs[i].msg_len = 0;
  }
}

int SendMmsg(int fd, mmsghdr* msgs, uint32_t count) {
  int r;
  do r = ::sendmmsg(fd, msgs, count, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0 && StaleSocketError(fd, errno)) r = ::sendmmsg(fd, msgs, count, MSG_DONTWAIT | MSG_NOSIGNAL);
  return r < 0 ? -errno : r;
}

napi_value ArgAt(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() ? static_cast<napi_value>(info[i]) : nullptr;
}

}  // namespace

// sendmsgFd(fd, data, address|null, control|null) → bytes sent | -errno.
// One sendmsg on a descriptor: the per-datagram path (address and control
// are pre-encoded and cached by JS). It takes the descriptor directly rather
// than the engine's object (the wrapper lookup cost about a tenth of a send).
// JS checks the socket is open.
Napi::Value SendMsgFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  iovec iov;
  msghdr m;
  ReadSendArgs(env, ArgAt(info, 1), ArgAt(info, 2), ArgAt(info, 3), &m, &iov);
  ssize_t r;
  do r = ::sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0 && StaleSocketError(fd, errno)) r = ::sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (r < 0) return Errno(env, errno);
  return Napi::Number::New(env, static_cast<double>(r));
}

// sendBatch(datas, addresses, controls, start, count, lengths?, gather?) → datagrams sent | -errno
//   datas: an array of Uint8Arrays, or (packed, with `lengths`) one Uint8Array
//   holding the payloads back to back, message k being lengths[k] bytes:
//   no per-message N-API read, for small datagrams the caller copied.
//   addresses / controls: null, one Uint8Array for all, or an array (entries may be null).
//   gather (UDP, one destination and control block for all): runs of
//   equal-length datagrams go as UDP GSO messages; the kernel refusing the
//   first (EINVAL, EIO, EMSGSIZE: path MTU, no checksum offload) sends them
//   plainly and turns gathering off for this handle.
Napi::Value IoHandle::SendBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_value lv = ArgAt(info, 5);
  const bool packed = lv != nullptr && !IsNullish(env, lv);
  if (info.Length() < 1 || (!packed && !info[0].IsArray()))
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"datas\" argument must be an Array");
  Napi::Array datas = packed ? Napi::Array() : info[0].As<Napi::Array>();
  uint32_t len = packed ? static_cast<uint32_t>(ReadLengths(env, lv).size) : datas.Length();
  uint32_t start = static_cast<uint32_t>(ArgInteger(info, 3, "start", 0, len));
  uint32_t count = static_cast<uint32_t>(ArgInteger(info, 4, "count", 0, len - start));
  if (count > kMaxBatch) count = kMaxBatch;
  napi_value av = ArgAt(info, 1), cv = ArgAt(info, 2);
  bool addrArray = av != nullptr && info[1].IsArray(), ctlArray = cv != nullptr && info[2].IsArray();
  Napi::Array addrs = addrArray ? info[1].As<Napi::Array>() : Napi::Array();
  Napi::Array ctls = ctlArray ? info[2].As<Napi::Array>() : Napi::Array();
  if (addrArray && addrs.Length() < start + count) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "addresses is shorter than datas");
  if (ctlArray && ctls.Length() < start + count) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "controls is shorter than datas");
  // Phase 1: read every element (getters may run JS). No pointer is taken yet.
  napi_value dv[kMaxBatch], avs[kMaxBatch], cvs[kMaxBatch];
  for (uint32_t i = 0; i < count; i++) {
    if (!packed) dv[i] = datas.Get(start + i);
    avs[i] = addrArray ? static_cast<napi_value>(addrs.Get(start + i)) : av;
    cvs[i] = ctlArray ? static_cast<napi_value>(ctls.Get(start + i)) : cv;
  }
  // Phase 2: no JS runs from here to the system call.
  IoState* s = Open();
  if (!s) return Errno(env, EBADF);
  if (count == 0) return Napi::Number::New(env, 0);
  if (s->smsgs.size() < count) {
    try {
      s->smsgs.resize(count);
      s->siovs.resize(count);
    } catch (const std::bad_alloc&) {
      return Errno(env, ENOMEM);
    }
  }
  // Packed: one buffer and one lengths array, each read once; every message must lie inside the buffer.
  // (Read again here: a getter in phase 1 may have detached or shrunk either.)
  Bytes all;
  Lengths lens;
  size_t offset = 0;
  if (packed) {
    all = ReadBytes(env, info[0], "datas", false);
    lens = ReadLengths(env, lv);
    if (lens.size < start + count) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "lengths is shorter than start + count");
    size_t end = 0;
    for (uint32_t k = 0; k < start + count; k++) {
      if (k == start) offset = end;
      end += lens.data[k];
    }
    if (end > all.length) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "the lengths add up to more than datas holds");
  }
  // One destination and control block for all (the usual case): read and checked once.
  const bool shared = !addrArray && !ctlArray;
  SendExtras common;
  if (shared) common = ReadSendExtras(env, av, cv);
  for (uint32_t i = 0; i < count; i++) {
    Bytes d;
    if (packed) {
      d.data = all.data + offset;
      d.length = lens.data[start + i];
      offset += d.length;
    } else
      d = ReadBytes(env, dv[i], "data", false);
    FillMsg(d, shared ? common : ReadSendExtras(env, avs[i], cvs[i]), &s->smsgs[i].msg_hdr, &s->siovs[i]);
    s->smsgs[i].msg_len = 0;
  }
  napi_value gv = ArgAt(info, 6);
  bool gather = false;
  if (shared && count > 1 && gv != nullptr && !s->gatherOff && !HasSegment(common.ctl)) napi_get_value_bool(env, gv, &gather);
  if (gather) {
    uint16_t seg[kMaxBatch];
    uint32_t groups;
    try {
      groups = Gather(s, count, common.ctl, seg);
    } catch (const std::bad_alloc&) {
      return Errno(env, ENOMEM);
    }
    int r = SendMmsg(s->fd, s->smsgs.data(), groups);
    if (r >= 0) {
      uint32_t sent = 0;
      for (int g = 0; g < r; g++) sent += seg[g];
      return Napi::Number::New(env, sent);
    }
    if (seg[0] < 2 || (r != -EINVAL && r != -EIO && r != -EMSGSIZE)) return Errno(env, -r);
    s->gatherOff = true;
    Ungather(s, count, common);
  }
  int r = SendMmsg(s->fd, s->smsgs.data(), count);
  if (r < 0) return Errno(env, -r);
  return Napi::Number::New(env, r);
}

// Encode a JS address object into sockaddr bytes (cacheable by JS).
Napi::Value EncodeAddress(const Napi::CallbackInfo& info) {
  codec::SockAddr sa;
  JsToSockaddr(info.Env(), info.Length() > 0 ? info[0] : info.Env().Undefined(), &sa);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), reinterpret_cast<uint8_t*>(&sa.ss), sa.len);
}

// ioEncodeControl(family, { source?, ifindex?, ttl?, tos?, segmentSize? }) → Buffer of cmsgs | -EINVAL
// Every property is read before any is checked (getters run first).
Napi::Value EncodeControl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  codec::SendControl c;
  c.family = ArgInt32(info, 0, "family");
  if (info.Length() < 2 || !info[1].IsObject()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"control\" argument must be an object");
  Napi::Object o = info[1].As<Napi::Object>();
  Napi::Value src = o.Get("source");
  Napi::Value ifindex = o.Get("ifindex");
  Napi::Value ttl = o.Get("ttl");
  Napi::Value tos = o.Get("tos");
  Napi::Value seg = o.Get("segmentSize");
  if (!src.IsUndefined()) {
    if (!src.IsString()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "control.source must be a string");
    std::string ip = src.As<Napi::String>().Utf8Value();
    if (ip.size() > 64 || inet_pton(c.family, ip.c_str(), c.source) != 1)
      ThrowTypeError(env, "ERR_INVALID_IP_ADDRESS", "Invalid IP address: " + ip.substr(0, 64));
    c.hasSource = true;
  }
  if (!ifindex.IsUndefined()) c.ifindex = static_cast<uint32_t>(ValueInteger(env, ifindex, "control.ifindex", 0, 2147483647.0));
  if (!ttl.IsUndefined()) c.ttl = static_cast<int>(ValueInteger(env, ttl, "control.ttl", 0, 255));
  if (!tos.IsUndefined()) c.tos = static_cast<int>(ValueInteger(env, tos, "control.tos", 0, 255));
  if (!seg.IsUndefined()) c.segmentSize = static_cast<int>(ValueInteger(env, seg, "control.segmentSize", 1, 65535));
  uint8_t buf[codec::kMaxSendControl];
  int r = codec::EncodeSendControl(c, buf, sizeof(buf));
  if (r < 0) return Errno(env, -r);
  return Napi::Buffer<uint8_t>::Copy(env, buf, static_cast<size_t>(r));
}

}  // namespace sockit::io
