#include <linux/sock_diag.h>
#include "codec/optcodec.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstring>
#include <limits>

namespace sockit::codec::opt {

namespace {

struct CodecInfo {
  const char* name;
  size_t getSize;  // bytes offered to getsockopt
};

// Indexed by Codec. Keep in the enum's order.
const CodecInfo kCodecs[] = {
    {"int", sizeof(int)},
    {"bool", sizeof(int)},
    {"u8", sizeof(uint8_t)},
    {"u32", sizeof(uint32_t)},
    {"u64", sizeof(uint64_t)},
    {"timeval", sizeof(timeval)},
    {"linger", sizeof(::linger)},
    {"in_addr", sizeof(in_addr)},
    {"ip_mreq", sizeof(ip_mreq)},
    {"ip_mreqn", sizeof(ip_mreqn)},
    {"ip_mreq_source", sizeof(ip_mreq_source)},
    {"group_req", sizeof(group_req)},
    {"group_source_req", sizeof(group_source_req)},
    {"ipv6_mreq", sizeof(ipv6_mreq)},
    {"packet_mreq", sizeof(packet_mreq)},
    // getsockopt(SO_GET_FILTER) copies the instructions themselves.
    {"sock_fprog", kMaxFilterInstructions * sizeof(sock_filter)},
    {"tpacket_stats", sizeof(tpacket_stats_v3)},
    {"tpacket_req", sizeof(tpacket_req)},
    {"tpacket_req3", sizeof(tpacket_req3)},
    {"string", kMaxStringLength + 1},
    {"bytes", 1024},
    {"ucred", sizeof(ucred)},
    {"sk_meminfo", sizeof(uint32_t) * SK_MEMINFO_VARS},
};
static_assert(OptValue::kMeminfoWords == SK_MEMINFO_VARS, "OptValue::meminfo holds every SK_MEMINFO_* word");
static_assert(sizeof(kCodecs) / sizeof(kCodecs[0]) == static_cast<size_t>(Codec::kCount),
              "kCodecs must list every Codec");
static_assert(sizeof(sock_filter) == kFilterInstructionSize, "sock_filter is 8 bytes");

bool Valid(Codec c) { return static_cast<int>(c) >= 0 && c < Codec::kCount; }

template <typename T>
void PutStruct(const T& s, Packed* out) {
  out->data.resize(sizeof(T));
  std::memcpy(out->data.data(), &s, sizeof(T));
}

template <typename T>
bool GetStruct(const uint8_t* data, size_t len, T* s) {
  if (len != sizeof(T) || data == nullptr) return false;
  std::memcpy(s, data, sizeof(T));
  return true;
}

bool V4(const IpAddr& ip, in_addr* out, bool allowUnset) {
  if (ip.family == 0 && allowUnset) {
    out->s_addr = htonl(INADDR_ANY);
    return true;
  }
  if (ip.family != AF_INET) return false;
  std::memcpy(&out->s_addr, ip.bytes, 4);
  return true;
}

void FromV4(const in_addr& a, IpAddr* out) {
  *out = IpAddr();
  out->family = AF_INET;
  std::memcpy(out->bytes, &a.s_addr, 4);
}

bool ToStorage(const IpAddr& ip, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof(*ss));
  if (ip.family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(ss);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, ip.bytes, 4);
    return true;
  }
  if (ip.family == AF_INET6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(ss);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, ip.bytes, 16);
    return true;
  }
  return false;
}

bool FromStorage(const sockaddr_storage& ss, IpAddr* out) {
  *out = IpAddr();
  if (ss.ss_family == AF_INET) {
    out->family = AF_INET;
    std::memcpy(out->bytes, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, 4);
    return true;
  }
  if (ss.ss_family == AF_INET6) {
    out->family = AF_INET6;
    std::memcpy(out->bytes, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, 16);
    return true;
  }
  return false;
}

bool InRange(int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; }

}  // namespace

const char* CodecName(Codec c) { return Valid(c) ? kCodecs[static_cast<int>(c)].name : nullptr; }

bool CodecFromName(const char* name, Codec* out) {
  if (name == nullptr) return false;
  for (int i = 0; i < static_cast<int>(Codec::kCount); i++) {
    if (std::strcmp(kCodecs[i].name, name) == 0) {
      *out = static_cast<Codec>(i);
      return true;
    }
  }
  return false;
}

size_t GetBufferSize(Codec c) { return Valid(c) ? kCodecs[static_cast<int>(c)].getSize : 0; }

bool GetResultBytes(Codec c, size_t returned, size_t offered, size_t* bytes) {
  size_t n = returned;
  if (c == Codec::SockFprog) {
    // SO_GET_FILTER reports the instruction count, not a byte length.
    if (n > kMaxFilterInstructions) return false;
    n *= kFilterInstructionSize;
  }
  if (n > offered) return false;
  *bytes = n;
  return true;
}

bool ParseIp(const char* text, IpAddr* out) {
  *out = IpAddr();
  if (text == nullptr) return false;
  if (inet_pton(AF_INET, text, out->bytes) == 1) {
    out->family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, text, out->bytes) == 1) {
    out->family = AF_INET6;
    return true;
  }
  *out = IpAddr();
  return false;
}

bool FormatIp(const IpAddr& ip, char* buf, size_t bufLen) {
  if (ip.family != AF_INET && ip.family != AF_INET6) return false;
  return inet_ntop(ip.family, ip.bytes, buf, static_cast<socklen_t>(bufLen)) != nullptr;
}

const char* OptErrorMessage(OptError e) {
  switch (e) {
    case OptError::None: return "ok";
    case OptError::BadCodec: return "unknown option codec";
    case OptError::OutOfRange: return "a field is out of range for its C type";
    case OptError::BadAddress: return "an address has the wrong or no family for this structure";
    case OptError::TooLong: return "the value is too long";
    case OptError::Empty: return "a filter needs at least one instruction";
    case OptError::BadLength: return "unexpected option length";
    case OptError::NotEncodable: return "this structure is read-only (getsockopt only)";
    case OptError::EmbeddedNul: return "the string contains a NUL character";
  }
  return "unknown error";
}

OptError Encode(Codec c, const OptValue& v, Packed* out) {
  out->data.clear();
  out->insns.clear();
  constexpr int64_t kIntMin = std::numeric_limits<int32_t>::min();
  constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();
  constexpr int64_t kU32Max = std::numeric_limits<uint32_t>::max();
  switch (c) {
    case Codec::Int: {
      if (!InRange(v.num, kIntMin, kIntMax)) return OptError::OutOfRange;
      PutStruct(static_cast<int>(v.num), out);
      return OptError::None;
    }
    case Codec::Bool: {
      PutStruct(static_cast<int>(v.num != 0 ? 1 : 0), out);
      return OptError::None;
    }
    case Codec::U8: {
      if (!InRange(v.num, 0, 255)) return OptError::OutOfRange;
      PutStruct(static_cast<uint8_t>(v.num), out);
      return OptError::None;
    }
    case Codec::U32: {
      if (!InRange(v.num, 0, kU32Max)) return OptError::OutOfRange;
      PutStruct(static_cast<uint32_t>(v.num), out);
      return OptError::None;
    }
    case Codec::U64: {
      PutStruct(static_cast<uint64_t>(v.u64), out);
      return OptError::None;
    }
    case Codec::Timeval: {
      if (!InRange(v.usec, 0, 999999) || v.sec < 0) return OptError::OutOfRange;
      timeval tv{};
      tv.tv_sec = static_cast<time_t>(v.sec);
      tv.tv_usec = static_cast<suseconds_t>(v.usec);
      PutStruct(tv, out);
      return OptError::None;
    }
    case Codec::Linger: {
      ::linger l{};
      l.l_onoff = v.onoff;
      l.l_linger = v.linger;
      PutStruct(l, out);
      return OptError::None;
    }
    case Codec::InAddr: {
      in_addr a{};
      if (!V4(v.addr, &a, true)) return OptError::BadAddress;
      PutStruct(a, out);
      return OptError::None;
    }
    case Codec::IpMreq: {
      ip_mreq m{};
      if (!V4(v.group, &m.imr_multiaddr, false) || !V4(v.addr, &m.imr_interface, true)) return OptError::BadAddress;
      PutStruct(m, out);
      return OptError::None;
    }
    case Codec::IpMreqn: {
      ip_mreqn m{};
      if (!V4(v.group, &m.imr_multiaddr, true) || !V4(v.addr, &m.imr_address, true)) return OptError::BadAddress;
      if (v.ifindex > static_cast<uint32_t>(kIntMax)) return OptError::OutOfRange;
      m.imr_ifindex = static_cast<int>(v.ifindex);
      PutStruct(m, out);
      return OptError::None;
    }
    case Codec::IpMreqSource: {
      ip_mreq_source m{};
      if (!V4(v.group, &m.imr_multiaddr, false) || !V4(v.addr, &m.imr_interface, true) ||
          !V4(v.source, &m.imr_sourceaddr, false))
        return OptError::BadAddress;
      PutStruct(m, out);
      return OptError::None;
    }
    case Codec::GroupReq: {
      group_req g{};
      g.gr_interface = v.ifindex;
      if (!ToStorage(v.group, &g.gr_group)) return OptError::BadAddress;
      PutStruct(g, out);
      return OptError::None;
    }
    case Codec::GroupSourceReq: {
      group_source_req g{};
      g.gsr_interface = v.ifindex;
      if (v.group.family != v.source.family) return OptError::BadAddress;
      if (!ToStorage(v.group, &g.gsr_group) || !ToStorage(v.source, &g.gsr_source)) return OptError::BadAddress;
      PutStruct(g, out);
      return OptError::None;
    }
    case Codec::Ipv6Mreq: {
      ipv6_mreq m{};
      if (v.group.family != AF_INET6) return OptError::BadAddress;
      std::memcpy(&m.ipv6mr_multiaddr, v.group.bytes, 16);
      m.ipv6mr_interface = v.ifindex;
      PutStruct(m, out);
      return OptError::None;
    }
    case Codec::PacketMreq: {
      packet_mreq m{};
      if (v.ifindex > static_cast<uint32_t>(kIntMax)) return OptError::OutOfRange;
      if (v.bytes.size() > kMaxHardwareAddress) return OptError::TooLong;
      m.mr_ifindex = static_cast<int>(v.ifindex);
      m.mr_type = v.mrType;
      m.mr_alen = static_cast<unsigned short>(v.bytes.size());
      if (!v.bytes.empty()) std::memcpy(m.mr_address, v.bytes.data(), v.bytes.size());
      PutStruct(m, out);
      return OptError::None;
    }
    case Codec::SockFprog: {
      if (v.bytes.size() % kFilterInstructionSize != 0) return OptError::BadLength;
      size_t n = v.bytes.size() / kFilterInstructionSize;
      if (n == 0) return OptError::Empty;
      if (n > kMaxFilterInstructions) return OptError::TooLong;
      out->insns = v.bytes;
      sock_fprog p{};
      p.len = static_cast<unsigned short>(n);
      p.filter = reinterpret_cast<sock_filter*>(out->insns.data());
      PutStruct(p, out);
      return OptError::None;
    }
    case Codec::TpacketStats:
    case Codec::Ucred:
    case Codec::SkMeminfo:
      return OptError::NotEncodable;
    case Codec::TpacketReq: {
      tpacket_req r{};
      r.tp_block_size = v.blockSize;
      r.tp_block_nr = v.blockNr;
      r.tp_frame_size = v.frameSize;
      r.tp_frame_nr = v.frameNr;
      PutStruct(r, out);
      return OptError::None;
    }
    case Codec::TpacketReq3: {
      tpacket_req3 r{};
      r.tp_block_size = v.blockSize;
      r.tp_block_nr = v.blockNr;
      r.tp_frame_size = v.frameSize;
      r.tp_frame_nr = v.frameNr;
      r.tp_retire_blk_tov = v.retireBlkTov;
      r.tp_sizeof_priv = v.sizeofPriv;
      r.tp_feature_req_word = v.featureReqWord;
      PutStruct(r, out);
      return OptError::None;
    }
    case Codec::String: {
      if (v.str.size() > kMaxStringLength) return OptError::TooLong;
      if (v.str.find('\0') != std::string::npos) return OptError::EmbeddedNul;
      out->data.assign(v.str.begin(), v.str.end());
      out->data.push_back(0);
      return OptError::None;
    }
    case Codec::Bytes: {
      if (v.bytes.size() > kMaxBytesLength) return OptError::TooLong;
      out->data = v.bytes;
      return OptError::None;
    }
    case Codec::kCount:
      break;
  }
  return OptError::BadCodec;
}

OptError Decode(Codec c, const uint8_t* data, size_t len, OptValue* out) {
  *out = OptValue();
  if (data == nullptr && len != 0) return OptError::BadLength;
  switch (c) {
    case Codec::Int:
    case Codec::Bool:
    case Codec::U8: {
      // Some IP options answer with one byte when the buffer is small; accept both.
      if (len == sizeof(int)) {
        int x;
        std::memcpy(&x, data, sizeof(x));
        out->num = x;
      } else if (len == 1) {
        out->num = data[0];
      } else {
        return OptError::BadLength;
      }
      if (c == Codec::Bool) out->num = out->num != 0 ? 1 : 0;
      return OptError::None;
    }
    case Codec::U32: {
      uint32_t x;
      if (!GetStruct(data, len, &x)) return OptError::BadLength;
      out->num = x;
      return OptError::None;
    }
    case Codec::U64: {
      if (len == sizeof(uint32_t)) {
        uint32_t x;
        std::memcpy(&x, data, sizeof(x));
        out->u64 = x;
        return OptError::None;
      }
      uint64_t x;
      if (!GetStruct(data, len, &x)) return OptError::BadLength;
      out->u64 = x;
      return OptError::None;
    }
    case Codec::Timeval: {
      timeval tv;
      if (!GetStruct(data, len, &tv)) return OptError::BadLength;
      out->sec = tv.tv_sec;
      out->usec = tv.tv_usec;
      return OptError::None;
    }
    case Codec::Linger: {
      ::linger l;
      if (!GetStruct(data, len, &l)) return OptError::BadLength;
      out->onoff = l.l_onoff;
      out->linger = l.l_linger;
      return OptError::None;
    }
    case Codec::InAddr: {
      in_addr a;
      if (!GetStruct(data, len, &a)) return OptError::BadLength;
      FromV4(a, &out->addr);
      return OptError::None;
    }
    case Codec::IpMreq: {
      ip_mreq m;
      if (!GetStruct(data, len, &m)) return OptError::BadLength;
      FromV4(m.imr_multiaddr, &out->group);
      FromV4(m.imr_interface, &out->addr);
      return OptError::None;
    }
    case Codec::IpMreqn: {
      ip_mreqn m;
      if (!GetStruct(data, len, &m)) return OptError::BadLength;
      FromV4(m.imr_multiaddr, &out->group);
      FromV4(m.imr_address, &out->addr);
      out->ifindex = static_cast<uint32_t>(m.imr_ifindex);
      return OptError::None;
    }
    case Codec::IpMreqSource: {
      ip_mreq_source m;
      if (!GetStruct(data, len, &m)) return OptError::BadLength;
      FromV4(m.imr_multiaddr, &out->group);
      FromV4(m.imr_interface, &out->addr);
      FromV4(m.imr_sourceaddr, &out->source);
      return OptError::None;
    }
    case Codec::GroupReq: {
      group_req g;
      if (!GetStruct(data, len, &g)) return OptError::BadLength;
      out->ifindex = g.gr_interface;
      if (!FromStorage(g.gr_group, &out->group)) return OptError::BadAddress;
      return OptError::None;
    }
    case Codec::GroupSourceReq: {
      group_source_req g;
      if (!GetStruct(data, len, &g)) return OptError::BadLength;
      out->ifindex = g.gsr_interface;
      if (!FromStorage(g.gsr_group, &out->group) || !FromStorage(g.gsr_source, &out->source)) return OptError::BadAddress;
      return OptError::None;
    }
    case Codec::Ipv6Mreq: {
      ipv6_mreq m;
      if (!GetStruct(data, len, &m)) return OptError::BadLength;
      out->group.family = AF_INET6;
      std::memcpy(out->group.bytes, &m.ipv6mr_multiaddr, 16);
      out->ifindex = m.ipv6mr_interface;
      return OptError::None;
    }
    case Codec::PacketMreq: {
      packet_mreq m;
      if (!GetStruct(data, len, &m)) return OptError::BadLength;
      if (m.mr_ifindex < 0) return OptError::OutOfRange;
      if (m.mr_alen > kMaxHardwareAddress) return OptError::TooLong;
      out->ifindex = static_cast<uint32_t>(m.mr_ifindex);
      out->mrType = m.mr_type;
      out->bytes.assign(m.mr_address, m.mr_address + m.mr_alen);
      return OptError::None;
    }
    case Codec::SockFprog: {
      // getsockopt(SO_GET_FILTER) hands back the instruction array.
      if (len % kFilterInstructionSize != 0) return OptError::BadLength;
      if (len / kFilterInstructionSize > kMaxFilterInstructions) return OptError::TooLong;
      out->bytes.assign(data, data + len);
      return OptError::None;
    }
    case Codec::TpacketStats: {
      if (len == sizeof(tpacket_stats_v3)) {
        tpacket_stats_v3 s;
        std::memcpy(&s, data, sizeof(s));
        out->packets = s.tp_packets;
        out->drops = s.tp_drops;
        out->freezeQueueCount = s.tp_freeze_q_cnt;
        out->statsV3 = true;
        return OptError::None;
      }
      tpacket_stats s;
      if (!GetStruct(data, len, &s)) return OptError::BadLength;
      out->packets = s.tp_packets;
      out->drops = s.tp_drops;
      return OptError::None;
    }
    case Codec::TpacketReq: {
      tpacket_req r;
      if (!GetStruct(data, len, &r)) return OptError::BadLength;
      out->blockSize = r.tp_block_size;
      out->blockNr = r.tp_block_nr;
      out->frameSize = r.tp_frame_size;
      out->frameNr = r.tp_frame_nr;
      return OptError::None;
    }
    case Codec::TpacketReq3: {
      tpacket_req3 r;
      if (!GetStruct(data, len, &r)) return OptError::BadLength;
      out->blockSize = r.tp_block_size;
      out->blockNr = r.tp_block_nr;
      out->frameSize = r.tp_frame_size;
      out->frameNr = r.tp_frame_nr;
      out->retireBlkTov = r.tp_retire_blk_tov;
      out->sizeofPriv = r.tp_sizeof_priv;
      out->featureReqWord = r.tp_feature_req_word;
      return OptError::None;
    }
    case Codec::String: {
      if (len > kMaxStringLength + 1) return OptError::TooLong;
      size_t n = 0;
      while (n < len && data[n] != 0) n++;
      out->str.assign(reinterpret_cast<const char*>(data), n);
      return OptError::None;
    }
    case Codec::Bytes: {
      if (len > kMaxBytesLength) return OptError::TooLong;
      out->bytes.assign(data, data + len);
      return OptError::None;
    }
    case Codec::Ucred: {
      ucred u;
      if (!GetStruct(data, len, &u)) return OptError::BadLength;
      out->pid = u.pid;
      out->uid = u.uid;
      out->gid = u.gid;
      return OptError::None;
    }
    case Codec::SkMeminfo: {
      // Older kernels return fewer words; never more than we offered.
      if (len % sizeof(uint32_t) != 0) return OptError::BadLength;
      if (len > sizeof(out->meminfo)) return OptError::TooLong;
      if (len != 0) std::memcpy(out->meminfo, data, len);
      out->meminfoCount = static_cast<uint32_t>(len / sizeof(uint32_t));
      return OptError::None;
    }
    case Codec::kCount:
      break;
  }
  return OptError::BadCodec;
}

}  // namespace sockit::codec::opt
