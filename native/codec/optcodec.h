// Socket-option value codecs with no Node-API dependency (fuzzable on their own).
//
// Each codec packs an OptValue into the exact bytes setsockopt(2) expects and
// unpacks the bytes getsockopt(2) returned. Lengths are checked strictly in
// both directions: Encode never writes past its output, Decode never reads
// past `len`, and every malformed input returns an OptError instead of
// crashing. The fuzz harnesses in test/fuzz target Encode/Decode directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sockit::codec::opt {

// Wire formats. The numeric ids are the native ABI between TypeScript and
// C++ (exported by name as `optionCodecs`); append only.
enum class Codec : int {
  Int = 0,         // int
  Bool,            // int, 0 or 1 (decoded as a boolean)
  U8,              // unsigned char
  U32,             // uint32_t
  U64,             // uint64_t
  Timeval,         // struct timeval
  Linger,          // struct linger
  InAddr,          // struct in_addr
  IpMreq,          // struct ip_mreq
  IpMreqn,         // struct ip_mreqn
  IpMreqSource,    // struct ip_mreq_source
  GroupReq,        // struct group_req (IPv4 or IPv6 group)
  GroupSourceReq,  // struct group_source_req
  Ipv6Mreq,        // struct ipv6_mreq
  PacketMreq,      // struct packet_mreq
  SockFprog,       // struct sock_fprog + its sock_filter array
  TpacketStats,    // struct tpacket_stats, or tpacket_stats_v3 (by length)
  TpacketReq,      // struct tpacket_req
  TpacketReq3,     // struct tpacket_req3
  String,          // NUL-terminated text (interface / congestion control names)
  Bytes,           // uninterpreted bytes
  Ucred,           // struct ucred
  SkMeminfo,       // u32[SK_MEMINFO_VARS] (SO_MEMINFO; the kernel may return fewer words)
  kCount
};

// Stable lowercase name ("int", "ip_mreqn", ...) or nullptr for an invalid id.
const char* CodecName(Codec c);
// Inverse of CodecName; false when unknown.
bool CodecFromName(const char* name, Codec* out);

// How many bytes to offer getsockopt for this codec (the largest form).
size_t GetBufferSize(Codec c);

// The number of valid bytes after getsockopt returned `returned` as its length
// into a buffer of `offered` bytes (SO_GET_FILTER counts instructions, not
// bytes). False when the kernel's answer does not fit the buffer.
bool GetResultBytes(Codec c, size_t returned, size_t offered, size_t* bytes);

// Largest setsockopt value sockit packs (string / bytes codecs).
constexpr size_t kMaxStringLength = 255;   // without the NUL
constexpr size_t kMaxBytesLength = 65536;  // Bytes codec
constexpr size_t kMaxFilterInstructions = 4096;  // BPF_MAXINSNS
constexpr size_t kFilterInstructionSize = 8;     // sizeof(struct sock_filter)
constexpr size_t kMaxHardwareAddress = 8;        // packet_mreq.mr_address

// An IPv4 or IPv6 address in network byte order.
struct IpAddr {
  int family = 0;  // 0 (unset), AF_INET or AF_INET6
  uint8_t bytes[16] = {};
};

// Parse an IPv4/IPv6 literal (no scope). Returns false when not an address.
bool ParseIp(const char* text, IpAddr* out);
// Text form; returns false on a bad family or a too-small buffer.
bool FormatIp(const IpAddr& ip, char* buf, size_t bufLen);

// A value in its decoded, typed form. Which fields a codec uses:
//   Int/Bool/U8/U32: num          U64: u64          Timeval: sec, usec
//   Linger: onoff, linger         InAddr: addr
//   IpMreq: group, addr           IpMreqn: group, addr, ifindex
//   IpMreqSource: group, addr (interface), source
//   GroupReq: ifindex, group      GroupSourceReq: ifindex, group, source
//   Ipv6Mreq: group, ifindex      PacketMreq: ifindex, mrType, bytes (hw address)
//   SockFprog: bytes (8 bytes per instruction, host order sock_filter)
//   TpacketStats: packets, drops, freezeQueueCount, statsV3
//   TpacketReq(3): blockSize, blockNr, frameSize, frameNr (+ retireBlkTov, sizeofPriv, featureReqWord)
//   String: str                   Bytes: bytes                 Ucred: pid, uid, gid
//   SkMeminfo: meminfo[0 .. meminfoCount) (SK_MEMINFO_* indexes)
struct OptValue {
  int64_t num = 0;
  uint64_t u64 = 0;
  int64_t sec = 0, usec = 0;
  int32_t onoff = 0, linger = 0;
  IpAddr group, addr, source;
  uint32_t ifindex = 0;
  uint16_t mrType = 0;
  std::vector<uint8_t> bytes;
  std::string str;
  uint32_t packets = 0, drops = 0, freezeQueueCount = 0;
  bool statsV3 = false;
  uint32_t blockSize = 0, blockNr = 0, frameSize = 0, frameNr = 0;
  uint32_t retireBlkTov = 0, sizeofPriv = 0, featureReqWord = 0;
  int32_t pid = 0;
  uint32_t uid = 0, gid = 0;
  static constexpr size_t kMeminfoWords = 9;  // SK_MEMINFO_VARS (static_assert in optcodec.cc)
  uint32_t meminfo[kMeminfoWords] = {};
  uint32_t meminfoCount = 0;
};

enum class OptError : int {
  None = 0,
  BadCodec,      // unknown codec id
  OutOfRange,    // a numeric field does not fit its C type
  BadAddress,    // wrong or missing address family for this struct
  TooLong,       // string/bytes/filter too long
  Empty,         // filter with no instructions
  BadLength,     // Decode: the kernel (or the caller) supplied an unexpected length
  NotEncodable,  // this codec is read-only (e.g. tpacket_stats)
  EmbeddedNul,   // a string with a NUL inside
};
const char* OptErrorMessage(OptError e);

// The packed value for setsockopt. For SockFprog, `data` holds a sock_fprog
// whose `filter` pointer refers to `insns` (kept alive with it).
struct Packed {
  std::vector<uint8_t> data;
  std::vector<uint8_t> insns;
  Packed() = default;
  Packed(const Packed&) = delete;
  Packed& operator=(const Packed&) = delete;
};

// Pack `v` as codec `c` for setsockopt.
OptError Encode(Codec c, const OptValue& v, Packed* out);
// Unpack `len` bytes returned by getsockopt as codec `c`.
OptError Decode(Codec c, const uint8_t* data, size_t len, OptValue* out);

}  // namespace sockit::codec::opt
