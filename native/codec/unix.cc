#include "codec/unix.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sockit::codec {

namespace {
constexpr size_t kHdr = CMSG_LEN(0);
}

size_t DecodeUnixControl(const uint8_t* buf, size_t len, ControlInfo* out, int32_t* fds, size_t cap, void (*drop)(int fd)) {
  size_t dropped = 0;
  if (buf == nullptr) return 0;
  size_t off = 0;
  while (len - off >= kHdr) {
    cmsghdr h;
    std::memcpy(&h, buf + off, sizeof(h));
    if (h.cmsg_len < kHdr || h.cmsg_len > len - off) break;
    const uint8_t* d = buf + off + kHdr;
    size_t n = h.cmsg_len - kHdr;
    if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS) {
      for (size_t k = 0; k + sizeof(int32_t) <= n; k += sizeof(int32_t)) {
        int32_t fd;
        std::memcpy(&fd, d + k, sizeof(fd));
        if (fds != nullptr && out->rightsCount < cap) {
          fds[out->rightsCount++] = fd;
          out->present |= kHasRights;
        } else {
          if (drop != nullptr) drop(fd);
          dropped++;
        }
      }
    } else if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_CREDENTIALS && n >= 3 * sizeof(int32_t)) {
      int32_t c[3];
      std::memcpy(c, d, sizeof(c));
      out->present |= kHasCredentials;
      out->credPid = c[0];
      out->credUid = static_cast<uint32_t>(c[1]);
      out->credGid = static_cast<uint32_t>(c[2]);
    }
    size_t step = CMSG_ALIGN(h.cmsg_len);
    if (step < h.cmsg_len || step > len - off) break;
    off += step;
  }
  return dropped;
}

int EncodeUnixControl(const int32_t* fds, size_t n, const int32_t* cred, uint8_t* buf, size_t cap) {
  if (buf == nullptr || n > kMaxRights || (n > 0 && fds == nullptr)) return -EINVAL;
  for (size_t i = 0; i < n; i++)
    if (fds[i] < 0) return -EINVAL;
  size_t need = (n ? CMSG_SPACE(n * sizeof(int32_t)) : 0) + (cred ? CMSG_SPACE(3 * sizeof(int32_t)) : 0);
  if (need > cap) return -ENOSPC;
  std::memset(buf, 0, need);
  size_t off = 0;
  auto put = [&](int type, const void* data, size_t len) {
    cmsghdr h;
    std::memset(&h, 0, sizeof(h));
    h.cmsg_len = CMSG_LEN(len);
    h.cmsg_level = SOL_SOCKET;
    h.cmsg_type = type;
    std::memcpy(buf + off, &h, sizeof(h));
    std::memcpy(buf + off + kHdr, data, len);
    off += CMSG_SPACE(len);
  };
  if (n) put(SCM_RIGHTS, fds, n * sizeof(int32_t));
  if (cred) put(SCM_CREDENTIALS, cred, 3 * sizeof(int32_t));
  return static_cast<int>(off);
}

}  // namespace sockit::codec
