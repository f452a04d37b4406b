// libFuzzer harness for native/codec/cmsg.cc: the control-message walk over
// hostile buffers (any cmsg_len, truncated headers and payloads, unaligned
// tails), and the send-side encoder with hostile fields and capacities.
// The input buffer is an exact-size heap copy so any read past the end is an
// ASan report. Properties: no memory error, no UB, decode(encode(x)) sees x.
#include <fuzzer/FuzzedDataProvider.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "codec/cmsg.h"

using namespace sockit::codec;

static void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_cmsg: property violated: %s\n", what);
    std::abort();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    // Raw walk: the remaining bytes are the control buffer, at an odd or even offset.
    size_t shift = (data[0] >> 1) & 7;
    std::unique_ptr<uint8_t[]> buf(new uint8_t[size - 1 + shift]);
    std::memcpy(buf.get() + shift, data + 1, size - 1);
    ControlInfo info;
    int n = DecodeControl(buf.get() + shift, size - 1, &info);
    Check(n >= 0, "count");
    DecodeControl(nullptr, size, &info);
    return 0;
  }
  FuzzedDataProvider in(data + 1, size - 1);
  SendControl c;
  c.family = in.ConsumeBool() ? AF_INET : (in.ConsumeBool() ? AF_INET6 : in.ConsumeIntegral<int>());
  c.hasSource = in.ConsumeBool();
  for (auto& b : c.source) b = in.ConsumeIntegral<uint8_t>();
  c.ifindex = in.ConsumeIntegral<uint32_t>();
  c.ttl = in.ConsumeBool() ? in.ConsumeIntegralInRange<int>(-1, 255) : in.ConsumeIntegral<int>();
  c.tos = in.ConsumeBool() ? in.ConsumeIntegralInRange<int>(-1, 255) : in.ConsumeIntegral<int>();
  size_t cap = in.ConsumeIntegralInRange<size_t>(0, kMaxSendControl);
  std::unique_ptr<uint8_t[]> buf(new uint8_t[cap ? cap : 1]);
  int r = EncodeSendControl(c, buf.get(), cap);
  Check(r == -EINVAL || r == -ENOSPC || (r >= 0 && static_cast<size_t>(r) <= cap), "encode result");
  if (r > 0) {
    ControlInfo info;
    int n = DecodeControl(buf.get(), static_cast<size_t>(r), &info);
    Check(n >= 1 && n <= 3, "decode of encoded count");
    if (c.ttl >= 0) Check((info.present & kHasTtl) && info.ttl == c.ttl, "ttl round trip");
    if (c.tos >= 0) Check((info.present & kHasTos) && info.tos == c.tos, "tos round trip");
    if (c.hasSource || c.ifindex != 0) Check((info.present & kHasPktinfo) && info.ifindex == c.ifindex, "ifindex round trip");
  }
  // A full-capacity encode of valid fields never fails for lack of space.
  if (r == -ENOSPC) {
    uint8_t big[kMaxSendControl];
    Check(EncodeSendControl(c, big, sizeof(big)) >= 0, "kMaxSendControl suffices");
  }
  return 0;
}
