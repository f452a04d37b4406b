// libFuzzer harness for native/codec/optcodec.cc: every option codec decoding
// hostile getsockopt bytes (any length, exact-size heap copy), encoding
// hostile typed values, and the round trip decode → encode → decode.
// Properties: no memory error, no UB, Encode output has exactly the codec's C
// size (or the string/bytes length), and a value that encodes decodes back to
// itself.
#include <fuzzer/FuzzedDataProvider.h>
#include <linux/filter.h>
#include <netinet/in.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "codec/optcodec.h"

using namespace sockit::codec::opt;

static void Check(bool ok, const char* what, int codec) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_optcodec: property violated for codec %d: %s\n", codec, what);
    std::abort();
  }
}

static bool SameIp(const IpAddr& a, const IpAddr& b) {
  return a.family == b.family && std::memcmp(a.bytes, b.bytes, sizeof(a.bytes)) == 0;
}

static bool Same(const OptValue& a, const OptValue& b) {
  return a.num == b.num && a.u64 == b.u64 && a.sec == b.sec && a.usec == b.usec && a.onoff == b.onoff &&
         a.linger == b.linger && SameIp(a.group, b.group) && SameIp(a.addr, b.addr) && SameIp(a.source, b.source) &&
         a.ifindex == b.ifindex && a.mrType == b.mrType && a.bytes == b.bytes && a.str == b.str &&
         a.packets == b.packets && a.drops == b.drops && a.freezeQueueCount == b.freezeQueueCount &&
         a.statsV3 == b.statsV3 && a.blockSize == b.blockSize && a.blockNr == b.blockNr && a.frameSize == b.frameSize &&
         a.frameNr == b.frameNr && a.retireBlkTov == b.retireBlkTov && a.sizeofPriv == b.sizeofPriv &&
         a.featureReqWord == b.featureReqWord && a.pid == b.pid && a.uid == b.uid && a.gid == b.gid &&
         a.meminfoCount == b.meminfoCount && std::memcmp(a.meminfo, b.meminfo, sizeof(a.meminfo)) == 0;
}

static void RoundTrip(Codec c, const OptValue& v) {
  Packed p;
  OptError e = Encode(c, v, &p);
  if (e != OptError::None) {
    Check(OptErrorMessage(e) != nullptr, "error message", static_cast<int>(c));
    return;
  }
  const uint8_t* bytes = p.data.data();
  size_t len = p.data.size();
  if (c == Codec::SockFprog) {
    // The kernel reads the instructions through sock_fprog.filter: they must be exactly the input.
    Check(len == sizeof(sock_fprog), "sock_fprog size", static_cast<int>(c));
    sock_fprog prog;
    std::memcpy(&prog, bytes, sizeof(prog));
    Check(prog.len * sizeof(sock_filter) == v.bytes.size(), "fprog.len", static_cast<int>(c));
    Check(std::memcmp(prog.filter, v.bytes.data(), v.bytes.size()) == 0, "fprog.filter", static_cast<int>(c));
    bytes = reinterpret_cast<const uint8_t*>(prog.filter);
    len = prog.len * sizeof(sock_filter);
  } else if (c != Codec::String && c != Codec::Bytes) {
    Check(len == GetBufferSize(c) || (c == Codec::U64 && len == 8), "packed size is the C struct size", static_cast<int>(c));
  }
  std::unique_ptr<uint8_t[]> copy(new uint8_t[len ? len : 1]);
  if (len) std::memcpy(copy.get(), bytes, len);
  OptValue back;
  Check(Decode(c, len ? copy.get() : nullptr, len, &back) == OptError::None, "encoded value decodes", static_cast<int>(c));
  OptValue again;
  Packed p2;
  Check(Encode(c, back, &p2) == OptError::None, "decoded value re-encodes", static_cast<int>(c));
  if (c != Codec::SockFprog) Check(p2.data == p.data, "encode is stable", static_cast<int>(c));
}

static IpAddr MakeIp(FuzzedDataProvider& in) {
  IpAddr ip;
  int k = in.ConsumeIntegralInRange<int>(0, 3);
  ip.family = k == 0 ? 0 : k == 1 ? AF_INET : k == 2 ? AF_INET6 : in.ConsumeIntegral<int>();
  for (auto& b : ip.bytes) b = in.ConsumeIntegral<uint8_t>();
  return ip;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  // Mostly valid codec ids, sometimes hostile ones.
  int id = in.ConsumeBool() ? in.ConsumeIntegralInRange<int>(0, static_cast<int>(Codec::kCount) - 1) : in.ConsumeIntegral<int>();
  Codec c = static_cast<Codec>(id);
  const char* name = CodecName(c);
  if (name) {
    Codec back;
    Check(CodecFromName(name, &back) && back == c, "codec name round trip", id);
  }
  size_t offered = GetBufferSize(c);
  size_t bytes = 0;
  size_t returned = in.ConsumeIntegral<uint32_t>();
  if (GetResultBytes(c, returned, offered, &bytes)) Check(bytes <= offered, "result bytes within the buffer", id);

  if (in.ConsumeBool()) {
    // Decode hostile getsockopt output of any length.
    std::vector<uint8_t> raw = in.ConsumeRemainingBytes<uint8_t>();
    std::unique_ptr<uint8_t[]> copy(new uint8_t[raw.size() ? raw.size() : 1]);
    if (!raw.empty()) std::memcpy(copy.get(), raw.data(), raw.size());
    OptValue v;
    OptError e = Decode(c, raw.empty() ? nullptr : copy.get(), raw.size(), &v);
    Check(OptErrorMessage(e) != nullptr, "error message", id);
    if (e == OptError::None) {
      Check(name != nullptr, "only valid codecs decode", id);
      if (c == Codec::PacketMreq) Check(v.bytes.size() <= kMaxHardwareAddress, "hw address bound", id);
      // (an unterminated 256-byte answer decodes to 256 chars, one more than Encode accepts)
      if (c == Codec::String) Check(v.str.size() <= kMaxStringLength + 1, "string bound", id);
      RoundTrip(c, v);
    }
    // And text addresses.
    std::string text(reinterpret_cast<const char*>(raw.data()), raw.size());
    IpAddr ip;
    if (ParseIp(text.c_str(), &ip)) {
      char buf[64];
      Check(FormatIp(ip, buf, sizeof(buf)), "formatted parsed ip", id);
      IpAddr ip2;
      Check(ParseIp(buf, &ip2) && SameIp(ip, ip2), "ip text round trip", id);
      char tiny[3];
      FormatIp(ip, tiny, sizeof(tiny));
    }
    return 0;
  }
  // Encode a hostile typed value.
  OptValue v;
  v.num = in.ConsumeIntegral<int64_t>();
  v.u64 = in.ConsumeIntegral<uint64_t>();
  v.sec = in.ConsumeIntegral<int64_t>();
  v.usec = in.ConsumeIntegral<int64_t>();
  v.onoff = in.ConsumeIntegral<int32_t>();
  v.linger = in.ConsumeIntegral<int32_t>();
  v.group = MakeIp(in);
  v.addr = MakeIp(in);
  v.source = MakeIp(in);
  v.ifindex = in.ConsumeIntegral<uint32_t>();
  v.mrType = in.ConsumeIntegral<uint16_t>();
  v.blockSize = in.ConsumeIntegral<uint32_t>();
  v.blockNr = in.ConsumeIntegral<uint32_t>();
  v.frameSize = in.ConsumeIntegral<uint32_t>();
  v.frameNr = in.ConsumeIntegral<uint32_t>();
  v.retireBlkTov = in.ConsumeIntegral<uint32_t>();
  v.sizeofPriv = in.ConsumeIntegral<uint32_t>();
  v.featureReqWord = in.ConsumeIntegral<uint32_t>();
  size_t n = in.ConsumeIntegralInRange<size_t>(0, 70000);
  if (in.ConsumeBool()) {
    v.str = in.ConsumeRandomLengthString(400);
  } else {
    v.bytes = in.ConsumeBytes<uint8_t>(n);
    // Sometimes a long, cheap payload to hit the size limits.
    if (in.ConsumeBool()) v.bytes.resize(n);
  }
  RoundTrip(c, v);
  return 0;
}
