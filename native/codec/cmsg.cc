#include "codec/cmsg.h"

#include <linux/errqueue.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <cerrno>
#include <cstring>

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef SOL_PACKET
#define SOL_PACKET 263
#endif
// Timestamp message types (asm-generic/socket.h). On 64-bit the _OLD and
// _NEW layouts are the same two 64-bit words.
#define SOCKIT_SO_TIMESTAMP_OLD 29
#define SOCKIT_SO_TIMESTAMPNS_OLD 35
#define SOCKIT_SO_TIMESTAMPING_OLD 37
#define SOCKIT_SO_TIMESTAMP_NEW 63
#define SOCKIT_SO_TIMESTAMPNS_NEW 64
#define SOCKIT_SO_TIMESTAMPING_NEW 65
#define SOCKIT_SO_RXQ_OVFL 40

namespace sockit::codec {

namespace {

constexpr size_t kHdr = CMSG_LEN(0);
static_assert(kHdr == sizeof(cmsghdr), "cmsghdr has no padding on Linux");

template <typename T>
bool Read(const uint8_t* p, size_t n, T* out) {
  if (n < sizeof(T)) return false;
  std::memcpy(out, p, sizeof(T));
  return true;
}

// Two 64-bit words (seconds, sub-second) → ns; `scale` converts the second word.
bool ReadTime(const uint8_t* p, size_t n, int64_t scale, int64_t* ns) {
  if (n < 16) return false;
  int64_t sec, sub;
  std::memcpy(&sec, p, 8);
  std::memcpy(&sub, p + 8, 8);
  // Saturate instead of overflowing on hostile values.
  const int64_t maxSec = INT64_MAX / 1000000000 - 1;
  if (sec > maxSec) sec = maxSec;
  if (sec < -maxSec) sec = -maxSec;
  // The sub-second part, in its own unit (us for scale 1000), must be under one
  // second: then sec * 1e9 + sub * scale <= maxSec * 1e9 + 999999999 fits int64.
  if (sub < 0 || sub >= 1000000000 / scale) sub = 0;
  *ns = sec * 1000000000 + sub * scale;
  return true;
}

int DecodeOne(int level, int type, const uint8_t* d, size_t n, ControlInfo* out) {
  if (level == SOL_IP) {
    switch (type) {
      case IP_PKTINFO: {
        in_pktinfo pi;
        if (!Read(d, n, &pi)) return 0;
        out->present |= kHasPktinfo;
        out->ifindex = static_cast<uint32_t>(pi.ipi_ifindex);
        std::memset(out->dst, 0, sizeof(out->dst));
        std::memcpy(out->dst, &pi.ipi_addr, 4);
        out->dstFamily = AF_INET;
        return 1;
      }
      case IP_TTL: {
        int v;
        if (!Read(d, n, &v)) return 0;
        out->present |= kHasTtl;
        out->ttl = v;
        return 1;
      }
      case IP_TOS: {
        if (n < 1) return 0;
        out->present |= kHasTos;
        out->tos = d[0];
        return 1;
      }
      case IP_RECVERR:
        break;  // handled below with IPV6_RECVERR
      case IP_ORIGDSTADDR: {
        sockaddr_in sin;
        if (!Read(d, n, &sin)) return 0;
        out->present |= kHasOrigDst;
        out->origDstFamily = AF_INET;
        out->origDstPort = ntohs(sin.sin_port);
        std::memset(out->origDst, 0, sizeof(out->origDst));
        std::memcpy(out->origDst, &sin.sin_addr, 4);
        out->origDstScope = 0;
        return 1;
      }
      default:
        return 0;
    }
  }
  if (level == SOL_IPV6) {
    switch (type) {
      case IPV6_PKTINFO: {
        in6_pktinfo pi;
        if (!Read(d, n, &pi)) return 0;
        out->present |= kHasPktinfo;
        out->ifindex = pi.ipi6_ifindex;
        std::memcpy(out->dst, &pi.ipi6_addr, 16);
        out->dstFamily = AF_INET6;
        return 1;
      }
      case IPV6_HOPLIMIT: {
        int v;
        if (!Read(d, n, &v)) return 0;
        out->present |= kHasTtl;
        out->ttl = v;
        return 1;
      }
      case IPV6_TCLASS: {
        int v;
        if (!Read(d, n, &v)) return 0;
        out->present |= kHasTos;
        out->tos = v;
        return 1;
      }
      case IPV6_RECVERR:
        break;
      case IPV6_ORIGDSTADDR: {
        sockaddr_in6 sin6;
        if (!Read(d, n, &sin6)) return 0;
        out->present |= kHasOrigDst;
        out->origDstFamily = AF_INET6;
        out->origDstPort = ntohs(sin6.sin6_port);
        std::memcpy(out->origDst, &sin6.sin6_addr, 16);
        out->origDstScope = sin6.sin6_scope_id;
        return 1;
      }
      default:
        return 0;
    }
  }
  if ((level == SOL_IP && type == IP_RECVERR) || (level == SOL_IPV6 && type == IPV6_RECVERR)) {
    sock_extended_err ee;
    if (!Read(d, n, &ee)) return 0;
    out->present |= kHasExtErr;
    out->eeErrno = ee.ee_errno;
    out->eeOrigin = ee.ee_origin;
    out->eeType = ee.ee_type;
    out->eeCode = ee.ee_code;
    out->eeInfo = ee.ee_info;
    out->eeData = ee.ee_data;
    // SO_EE_OFFENDER: a sockaddr right after the struct (family 0 = none).
    const uint8_t* sa = d + sizeof(ee);
    size_t rest = n - sizeof(ee);
    sa_family_t fam;
    if (Read(sa, rest, &fam)) {
      if (fam == AF_INET && rest >= sizeof(sockaddr_in)) {
        sockaddr_in sin;
        std::memcpy(&sin, sa, sizeof(sin));
        out->present |= kHasOffender;
        out->offenderFamily = AF_INET;
        std::memset(out->offender, 0, sizeof(out->offender));
        std::memcpy(out->offender, &sin.sin_addr, 4);
      } else if (fam == AF_INET6 && rest >= sizeof(sockaddr_in6)) {
        sockaddr_in6 sin6;
        std::memcpy(&sin6, sa, sizeof(sin6));
        out->present |= kHasOffender;
        out->offenderFamily = AF_INET6;
        std::memcpy(out->offender, &sin6.sin6_addr, 16);
      }
    }
    return 1;
  }
  if (level == SOL_SOCKET) {
    int64_t ns;
    switch (type) {
      case SOCKIT_SO_TIMESTAMP_OLD:
      case SOCKIT_SO_TIMESTAMP_NEW:
        if (!ReadTime(d, n, 1000, &ns)) return 0;
        out->present |= kHasTimestamp;
        out->timestampNs = ns;
        return 1;
      case SOCKIT_SO_TIMESTAMPNS_OLD:
      case SOCKIT_SO_TIMESTAMPNS_NEW:
        if (!ReadTime(d, n, 1, &ns)) return 0;
        out->present |= kHasTimestamp;
        out->timestampNs = ns;
        return 1;
      case SOCKIT_SO_TIMESTAMPING_OLD:
      case SOCKIT_SO_TIMESTAMPING_NEW: {
        // ts[0] software, ts[1] deprecated, ts[2] raw hardware.
        if (n < 48) return 0;
        if (ReadTime(d, n, 1, &ns) && ns != 0) {
          out->present |= kHasTimestamp;
          out->timestampNs = ns;
        }
        if (ReadTime(d + 32, n - 32, 1, &ns) && ns != 0) {
          out->present |= kHasHwTimestamp;
          out->hwTimestampNs = ns;
        }
        return 1;
      }
      case SOCKIT_SO_RXQ_OVFL: {
        uint32_t v;
        if (!Read(d, n, &v)) return 0;
        out->present |= kHasDropCount;
        out->dropCount = v;
        return 1;
      }
      default:
        return 0;
    }
  }
  if (level == SOL_UDP && type == UDP_GRO) {
    int v;
    if (!Read(d, n, &v)) return 0;
    out->present |= kHasGro;
    out->groSize = v < 0 ? 0 : static_cast<uint32_t>(v);
    return 1;
  }
  if (level == SOL_PACKET && type == PACKET_AUXDATA) {
    tpacket_auxdata aux;
    if (!Read(d, n, &aux)) return 0;
    out->present |= kHasAuxdata;
    out->tpStatus = aux.tp_status;
    out->tpLen = aux.tp_len;
    out->tpSnaplen = aux.tp_snaplen;
    out->tpMac = aux.tp_mac;
    out->tpNet = aux.tp_net;
    out->tpVlanTci = aux.tp_vlan_tci;
    out->tpVlanTpid = aux.tp_vlan_tpid;
    return 1;
  }
  return 0;
}

}  // namespace

int DecodeControl(const uint8_t* buf, size_t len, ControlInfo* out) {
  std::memset(out, 0, sizeof(*out));
  if (buf == nullptr) return 0;
  int count = 0;
  size_t off = 0;
  while (len - off >= kHdr) {
    cmsghdr h;
    std::memcpy(&h, buf + off, sizeof(h));
    if (h.cmsg_len < kHdr || h.cmsg_len > len - off) break;
    count += DecodeOne(h.cmsg_level, h.cmsg_type, buf + off + kHdr, h.cmsg_len - kHdr, out);
    size_t step = CMSG_ALIGN(h.cmsg_len);
    if (step < h.cmsg_len || step > len - off) break;  // last message, or overflow
    off += step;
  }
  return count;
}

namespace {

int Put(uint8_t* buf, size_t cap, size_t* off, int level, int type, const void* data, size_t n) {
  size_t need = CMSG_SPACE(n);
  if (cap - *off < need) return -ENOSPC;
  cmsghdr h;
  std::memset(&h, 0, sizeof(h));
  h.cmsg_len = CMSG_LEN(n);
  h.cmsg_level = level;
  h.cmsg_type = type;
  std::memset(buf + *off, 0, need);
  std::memcpy(buf + *off, &h, sizeof(h));
  std::memcpy(buf + *off + kHdr, data, n);
  *off += need;
  return 0;
}

}  // namespace

int EncodeSendControl(const SendControl& c, uint8_t* buf, size_t cap) {
  if (buf == nullptr) return -EINVAL;
  if (c.family != AF_INET && c.family != AF_INET6) return -EINVAL;
  if (c.ttl > 255 || c.tos > 255 || c.ttl < -1 || c.tos < -1) return -EINVAL;
  if (c.segmentSize < 0 || c.segmentSize > 65535) return -EINVAL;
  size_t off = 0;
  int r = 0;
  if (c.family == AF_INET) {
    if (c.hasSource || c.ifindex != 0) {
      in_pktinfo pi;
      std::memset(&pi, 0, sizeof(pi));
      pi.ipi_ifindex = static_cast<int>(c.ifindex);
      if (c.hasSource) std::memcpy(&pi.ipi_spec_dst, c.source, 4);
      if ((r = Put(buf, cap, &off, SOL_IP, IP_PKTINFO, &pi, sizeof(pi))) < 0) return r;
    }
    if (c.ttl >= 0 && (r = Put(buf, cap, &off, SOL_IP, IP_TTL, &c.ttl, sizeof(int))) < 0) return r;
    if (c.tos >= 0 && (r = Put(buf, cap, &off, SOL_IP, IP_TOS, &c.tos, sizeof(int))) < 0) return r;
  } else {
    if (c.hasSource || c.ifindex != 0) {
      in6_pktinfo pi;
      std::memset(&pi, 0, sizeof(pi));
      pi.ipi6_ifindex = c.ifindex;
      if (c.hasSource) std::memcpy(&pi.ipi6_addr, c.source, 16);
      if ((r = Put(buf, cap, &off, SOL_IPV6, IPV6_PKTINFO, &pi, sizeof(pi))) < 0) return r;
    }
    if (c.ttl >= 0 && (r = Put(buf, cap, &off, SOL_IPV6, IPV6_HOPLIMIT, &c.ttl, sizeof(int))) < 0) return r;
    if (c.tos >= 0 && (r = Put(buf, cap, &off, SOL_IPV6, IPV6_TCLASS, &c.tos, sizeof(int))) < 0) return r;
  }
  if (c.segmentSize > 0) {
    // The kernel insists on exactly a u16 payload (udp_cmsg_send).
    uint16_t gso = static_cast<uint16_t>(c.segmentSize);
    if ((r = Put(buf, cap, &off, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso))) < 0) return r;
  }
  return static_cast<int>(off);
}

}  // namespace sockit::codec
