// AF_UNIX ancillary data (SCM_RIGHTS, SCM_CREDENTIALS) with no Node-API
// dependency, so it can be fuzzed on its own. Kept apart from cmsg.cc
// because received descriptors are resources, not values: whoever decodes
// them must keep or close every one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/cmsg.h"

namespace sockit::codec {

// The kernel's SCM_MAX_FD: descriptors one message may carry.
constexpr size_t kMaxRights = 253;

// Walk `len` bytes of received control data and add the AF_UNIX messages to
// `out` (already filled by DecodeControl): SCM_CREDENTIALS sets
// kHasCredentials and credPid/credUid/credGid; the descriptors of every
// SCM_RIGHTS message are stored into fds[0..cap) (kHasRights, rightsCount)
// and any beyond `cap` are handed to `drop` (which must close them; the
// caller then reports the message as truncated). Returns the number of
// descriptors dropped. Bounds are checked like DecodeControl's.
size_t DecodeUnixControl(const uint8_t* buf, size_t len, ControlInfo* out, int32_t* fds, size_t cap, void (*drop)(int fd));

// Encode SCM_RIGHTS with `n` descriptors (none when n == 0) and, when
// `cred` is non-null, SCM_CREDENTIALS {pid, uid, gid}. Returns the length
// used, -EINVAL (n > kMaxRights, a negative fd) or -ENOSPC.
int EncodeUnixControl(const int32_t* fds, size_t n, const int32_t* cred, uint8_t* buf, size_t cap);

// Bytes EncodeUnixControl needs at most.
constexpr size_t kMaxUnixControl = 2 * 16 + kMaxRights * 4 + 16;

}  // namespace sockit::codec
