// Control-message (ancillary data) decoding and encoding with no Node-API
// dependency, so it can be fuzzed on its own.
//
// DecodeControl walks a control buffer as the kernel filled it (or as an
// attacker wrote it: every cmsg_len is checked against the buffer end before
// any payload byte is read) and fills a fixed-layout ControlInfo record. The
// record layout is part of the JS interface (lib/binding/io.ts reads it with a
// DataView), so the offsets are pinned with static_asserts below.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace sockit::codec {

// Bits of ControlInfo::present.
enum ControlPresent : uint32_t {
  kHasPktinfo = 1u << 0,      // IP_PKTINFO / IPV6_PKTINFO: ifindex + dst
  kHasTtl = 1u << 1,          // IP_TTL / IPV6_HOPLIMIT
  kHasTos = 1u << 2,          // IP_TOS / IPV6_TCLASS
  kHasDropCount = 1u << 3,    // SO_RXQ_OVFL
  kHasTimestamp = 1u << 4,    // SO_TIMESTAMP / SO_TIMESTAMPNS / SO_TIMESTAMPING (software)
  kHasHwTimestamp = 1u << 5,  // SO_TIMESTAMPING (raw hardware)
  kHasGro = 1u << 6,          // UDP_GRO segment size
  kHasExtErr = 1u << 7,       // IP_RECVERR / IPV6_RECVERR sock_extended_err
  kHasOffender = 1u << 8,     // SO_EE_OFFENDER address of the ext err
  kHasOrigDst = 1u << 9,      // IP_ORIGDSTADDR / IPV6_ORIGDSTADDR
  kHasAuxdata = 1u << 10,     // PACKET_AUXDATA
  kHasCtrunc = 1u << 11,      // MSG_CTRUNC seen: some control data was lost (set by the caller)
  kHasCredentials = 1u << 12, // SCM_CREDENTIALS (AF_UNIX with SO_PASSCRED; codec/unix.h)
  kHasRights = 1u << 13,      // SCM_RIGHTS descriptors (AF_UNIX; codec/unix.h)
};

// Fixed little-endian (host) layout, 160 bytes. Addresses are raw network
// order bytes (4 for IPv4 in the first 4 bytes, 16 for IPv6).
struct ControlInfo {
  uint32_t present;        // 0
  uint32_t ifindex;        // 4   pktinfo interface index
  uint8_t dst[16];         // 8   pktinfo destination (ipi_addr / ipi6_addr)
  uint32_t dstFamily;      // 24  AF_INET / AF_INET6
  int32_t ttl;             // 28  IP_TTL or IPV6_HOPLIMIT
  int32_t tos;             // 32  IP_TOS or IPV6_TCLASS
  uint32_t dropCount;      // 36  SO_RXQ_OVFL (cumulative)
  int64_t timestampNs;     // 40  software receive time, ns since the epoch
  int64_t hwTimestampNs;   // 48  raw hardware time, ns
  uint32_t groSize;        // 56  UDP_GRO segment size
  uint32_t eeErrno;        // 60  sock_extended_err
  uint8_t eeOrigin;        // 64
  uint8_t eeType;          // 65
  uint8_t eeCode;          // 66
  uint8_t eePad;           // 67
  uint32_t eeInfo;         // 68
  uint32_t eeData;         // 72
  uint32_t offenderFamily; // 76
  uint8_t offender[16];    // 80
  uint16_t origDstFamily;  // 96
  uint16_t origDstPort;    // 98  host order
  uint8_t origDst[16];     // 100
  uint32_t tpStatus;       // 116 tpacket_auxdata
  uint32_t tpLen;          // 120
  uint32_t tpSnaplen;      // 124
  uint16_t tpMac;          // 128
  uint16_t tpNet;          // 130
  uint16_t tpVlanTci;      // 132
  uint16_t tpVlanTpid;     // 134
  uint32_t origDstScope;   // 136
  uint32_t reserved;       // 140
  int32_t credPid;         // 144 SCM_CREDENTIALS ucred.pid
  uint32_t credUid;        // 148 ucred.uid
  uint32_t credGid;        // 152 ucred.gid
  uint32_t rightsCount;    // 156 SCM_RIGHTS descriptors kept for this message (in the handle's `rights`)
};
static_assert(sizeof(ControlInfo) == 160, "ControlInfo layout is part of the JS interface");
static_assert(offsetof(ControlInfo, timestampNs) == 40, "layout");
static_assert(offsetof(ControlInfo, offender) == 80, "layout");
static_assert(offsetof(ControlInfo, origDst) == 100, "layout");
static_assert(offsetof(ControlInfo, tpStatus) == 116, "layout");
static_assert(offsetof(ControlInfo, origDstScope) == 136, "layout");

// Walk `len` bytes of control data at `buf` (need not be aligned) and fill
// `out` (zeroed first). Unknown messages are skipped; a message whose
// cmsg_len is shorter than a header or runs past the end stops the walk.
// Returns the number of control messages recognised.
int DecodeControl(const uint8_t* buf, size_t len, ControlInfo* out);

// Fields for per-datagram control messages on send.
struct SendControl {
  int family = 0;             // AF_INET or AF_INET6 (of the socket)
  bool hasSource = false;     // IP_PKTINFO ipi_spec_dst / IPV6_PKTINFO ipi6_addr
  uint8_t source[16] = {};
  uint32_t ifindex = 0;       // pktinfo interface (0 = routing decides)
  int ttl = -1;               // IP_TTL / IPV6_HOPLIMIT, -1 = not set
  int tos = -1;               // IP_TOS / IPV6_TCLASS, -1 = not set
  int segmentSize = 0;        // UDP_SEGMENT (GSO) segment size, 0 = not set
};

// Bytes EncodeSendControl needs at most.
constexpr size_t kMaxSendControl = 128;

// Encode `c` as control messages into `buf`. Returns the length used, or
// -EINVAL for a bad family/value, -ENOSPC if `cap` is too small.
int EncodeSendControl(const SendControl& c, uint8_t* buf, size_t cap);

}  // namespace sockit::codec
