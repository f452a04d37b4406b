// libFuzzer harness for native/codec/unix.cc: the SCM_RIGHTS /
// SCM_CREDENTIALS walk over hostile buffers and the encoder. Property: every
// descriptor in the input is either stored (at most `cap`) or handed to
// `drop` — exactly once, none invented, none lost — and
// decode(encode(fds, cred)) gives them back.
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "codec/unix.h"

using namespace sockit::codec;

static void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_unix: property violated: %s\n", what);
    std::abort();
  }
}

static std::vector<int>* dropped;
static void Drop(int fd) { dropped->push_back(fd); }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::vector<int> d;
  dropped = &d;
  if (data[0] & 1) {
    size_t cap = (data[0] >> 1) & 7;
    std::unique_ptr<uint8_t[]> buf(new uint8_t[size - 1]);
    std::memcpy(buf.get(), data + 1, size - 1);
    ControlInfo info;
    std::memset(&info, 0, sizeof(info));
    int32_t fds[8];
    size_t n = DecodeUnixControl(buf.get(), size - 1, &info, fds, cap, Drop);
    Check(n == d.size(), "dropped count");
    Check(info.rightsCount <= cap, "kept within cap");
    return 0;
  }
  FuzzedDataProvider in(data + 1, size - 1);
  size_t n = in.ConsumeIntegralInRange<size_t>(0, kMaxRights + 2);
  std::vector<int32_t> fds(n);
  for (auto& f : fds) f = in.ConsumeBool() ? in.ConsumeIntegralInRange<int32_t>(0, 1 << 20) : in.ConsumeIntegral<int32_t>();
  bool hasCred = in.ConsumeBool();
  int32_t cred[3] = {in.ConsumeIntegral<int32_t>(), in.ConsumeIntegral<int32_t>(), in.ConsumeIntegral<int32_t>()};
  size_t cap = in.ConsumeIntegralInRange<size_t>(0, kMaxUnixControl);
  std::unique_ptr<uint8_t[]> buf(new uint8_t[cap ? cap : 1]);
  int r = EncodeUnixControl(fds.data(), n, hasCred ? cred : nullptr, buf.get(), cap);
  Check(r == -EINVAL || r == -ENOSPC || (r >= 0 && static_cast<size_t>(r) <= cap), "encode result");
  if (r > 0) {
    ControlInfo info;
    std::memset(&info, 0, sizeof(info));
    std::vector<int32_t> out(kMaxRights);
    size_t lost = DecodeUnixControl(buf.get(), static_cast<size_t>(r), &info, out.data(), out.size(), Drop);
    Check(lost == 0 && info.rightsCount == n, "rights round trip count");
    Check(n == 0 || std::memcmp(out.data(), fds.data(), n * sizeof(int32_t)) == 0, "rights round trip");
    if (hasCred) Check((info.present & kHasCredentials) && info.credPid == cred[0] && static_cast<int32_t>(info.credUid) == cred[1], "credentials round trip");
  }
  return 0;
}
