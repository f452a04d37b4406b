// The one constants exporter: numeric constants of this system by their C
// names (`constants`), the I/O engine's constants (`ioConstants`) and the
// record layouts JS reads (`layouts`: offsetof values, as udx-native does),
// so TypeScript never hard-codes a number or copies a C struct by hand.
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/socket.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

#include "icmp_filter.h"

#include "common.h"
#include "codec/unix.h"
#include "io/io.h"

namespace sockit {

#define SOCKIT_CONST(name) obj.Set(#name, Napi::Number::New(env, name))

void RegisterConstants(Napi::Env env, Napi::Object exports) {
  Napi::Object obj = Napi::Object::New(env);
  SOCKIT_CONST(AF_UNSPEC);
  SOCKIT_CONST(AF_UNIX);
  SOCKIT_CONST(AF_INET);
  SOCKIT_CONST(AF_INET6);
  SOCKIT_CONST(AF_PACKET);
  SOCKIT_CONST(SOCK_STREAM);
  SOCKIT_CONST(SOCK_DGRAM);
  SOCKIT_CONST(SOCK_RAW);
  SOCKIT_CONST(SOCK_SEQPACKET);
  SOCKIT_CONST(IPPROTO_IP);
  SOCKIT_CONST(IPPROTO_IPV6);
  SOCKIT_CONST(IPPROTO_UDP);
  SOCKIT_CONST(IPPROTO_TCP);
  SOCKIT_CONST(SOL_SOCKET);
  SOCKIT_CONST(SO_DOMAIN);
  SOCKIT_CONST(SO_TYPE);
  SOCKIT_CONST(SO_PROTOCOL);
  SOCKIT_CONST(SHUT_RD);
  SOCKIT_CONST(SHUT_WR);
  SOCKIT_CONST(SHUT_RDWR);
  // Every option of the option table whose constant the headers define.
#define SOCKIT_OPTION(name, level, codec) obj.Set(#name, Napi::Number::New(env, name));
#define SOCKIT_OPTION_MISSING(name, level, codec)
#include "option_table.inc"
#undef SOCKIT_OPTION
#undef SOCKIT_OPTION_MISSING
  // Levels, flags, enums and protocol numbers the other areas use.
#include "constants_extra.inc"
  // enum tpacket_versions (not macros, so not #ifdef-guardable).
  SOCKIT_CONST(TPACKET_V1);
  SOCKIT_CONST(TPACKET_V2);
  SOCKIT_CONST(TPACKET_V3);
  // enum in linux/net_tstamp.h (not macros).
  SOCKIT_CONST(SOF_TIMESTAMPING_TX_HARDWARE);
  SOCKIT_CONST(SOF_TIMESTAMPING_TX_SOFTWARE);
  SOCKIT_CONST(SOF_TIMESTAMPING_RX_HARDWARE);
  SOCKIT_CONST(SOF_TIMESTAMPING_RX_SOFTWARE);
  SOCKIT_CONST(SOF_TIMESTAMPING_SOFTWARE);
  SOCKIT_CONST(SOF_TIMESTAMPING_SYS_HARDWARE);
  SOCKIT_CONST(SOF_TIMESTAMPING_RAW_HARDWARE);
  SOCKIT_CONST(SOF_TIMESTAMPING_OPT_ID);
  SOCKIT_CONST(SOF_TIMESTAMPING_TX_SCHED);
  SOCKIT_CONST(SOF_TIMESTAMPING_TX_ACK);
  SOCKIT_CONST(SOF_TIMESTAMPING_OPT_CMSG);
  SOCKIT_CONST(SOF_TIMESTAMPING_OPT_TSONLY);
  SOCKIT_CONST(SOF_TIMESTAMPING_OPT_STATS);
  SOCKIT_CONST(SOF_TIMESTAMPING_OPT_PKTINFO);
  SOCKIT_CONST(SOF_TIMESTAMPING_OPT_TX_SWHW);
  SOCKIT_CONST(SOF_TIMESTAMPING_BIND_PHC);
  SOCKIT_CONST(SOF_TIMESTAMPING_LAST);
  SOCKIT_CONST(SOF_TIMESTAMPING_MASK);
  // enum in linux/sock_diag.h: the u32 words SO_MEMINFO returns.
  SOCKIT_CONST(SK_MEMINFO_RMEM_ALLOC);
  SOCKIT_CONST(SK_MEMINFO_RCVBUF);
  SOCKIT_CONST(SK_MEMINFO_WMEM_ALLOC);
  SOCKIT_CONST(SK_MEMINFO_SNDBUF);
  SOCKIT_CONST(SK_MEMINFO_FWD_ALLOC);
  SOCKIT_CONST(SK_MEMINFO_WMEM_QUEUED);
  SOCKIT_CONST(SK_MEMINFO_OPTMEM);
  SOCKIT_CONST(SK_MEMINFO_BACKLOG);
  SOCKIT_CONST(SK_MEMINFO_DROPS);
  SOCKIT_CONST(SK_MEMINFO_VARS);
  exports.Set("constants", obj);
}

#undef SOCKIT_CONST
#define SOCKIT_CONST(obj, name, value) obj.Set(name, Napi::Number::New(env, static_cast<double>(value)))
#define SOCKIT_OFFSET(obj, type, field) SOCKIT_CONST(obj, #field, offsetof(type, field))

namespace {

// Byte offsets of one ControlInfo record (lib/binding/io.ts ControlLayout).
Napi::Object ControlLayout(Napi::Env env) {
  using codec::ControlInfo;
  Napi::Object o = Napi::Object::New(env);
  SOCKIT_OFFSET(o, ControlInfo, present);
  SOCKIT_OFFSET(o, ControlInfo, ifindex);
  SOCKIT_OFFSET(o, ControlInfo, dst);
  SOCKIT_OFFSET(o, ControlInfo, dstFamily);
  SOCKIT_OFFSET(o, ControlInfo, ttl);
  SOCKIT_OFFSET(o, ControlInfo, tos);
  SOCKIT_OFFSET(o, ControlInfo, dropCount);
  SOCKIT_OFFSET(o, ControlInfo, timestampNs);
  SOCKIT_OFFSET(o, ControlInfo, hwTimestampNs);
  SOCKIT_OFFSET(o, ControlInfo, groSize);
  SOCKIT_OFFSET(o, ControlInfo, eeErrno);
  SOCKIT_OFFSET(o, ControlInfo, eeOrigin);
  SOCKIT_OFFSET(o, ControlInfo, eeType);
  SOCKIT_OFFSET(o, ControlInfo, eeCode);
  SOCKIT_OFFSET(o, ControlInfo, eeInfo);
  SOCKIT_OFFSET(o, ControlInfo, eeData);
  SOCKIT_OFFSET(o, ControlInfo, offenderFamily);
  SOCKIT_OFFSET(o, ControlInfo, offender);
  SOCKIT_OFFSET(o, ControlInfo, origDstFamily);
  SOCKIT_OFFSET(o, ControlInfo, origDstPort);
  SOCKIT_OFFSET(o, ControlInfo, origDst);
  SOCKIT_OFFSET(o, ControlInfo, tpStatus);
  SOCKIT_OFFSET(o, ControlInfo, tpLen);
  SOCKIT_OFFSET(o, ControlInfo, tpSnaplen);
  SOCKIT_OFFSET(o, ControlInfo, tpMac);
  SOCKIT_OFFSET(o, ControlInfo, tpNet);
  SOCKIT_OFFSET(o, ControlInfo, tpVlanTci);
  SOCKIT_OFFSET(o, ControlInfo, tpVlanTpid);
  SOCKIT_OFFSET(o, ControlInfo, origDstScope);
  SOCKIT_OFFSET(o, ControlInfo, credPid);
  SOCKIT_OFFSET(o, ControlInfo, credUid);
  SOCKIT_OFFSET(o, ControlInfo, credGid);
  SOCKIT_OFFSET(o, ControlInfo, rightsCount);
  SOCKIT_CONST(o, "size", sizeof(ControlInfo));
  return o;
}

// Byte offsets of the sockaddr fields JS decodes from `addresses` records.
Napi::Object SockaddrLayout(Napi::Env env) {
  Napi::Object in4 = Napi::Object::New(env);
  SOCKIT_OFFSET(in4, sockaddr_in, sin_family);
  SOCKIT_OFFSET(in4, sockaddr_in, sin_port);
  SOCKIT_OFFSET(in4, sockaddr_in, sin_addr);
  SOCKIT_CONST(in4, "size", sizeof(sockaddr_in));
  Napi::Object in6 = Napi::Object::New(env);
  SOCKIT_OFFSET(in6, sockaddr_in6, sin6_family);
  SOCKIT_OFFSET(in6, sockaddr_in6, sin6_port);
  SOCKIT_OFFSET(in6, sockaddr_in6, sin6_flowinfo);
  SOCKIT_OFFSET(in6, sockaddr_in6, sin6_addr);
  SOCKIT_OFFSET(in6, sockaddr_in6, sin6_scope_id);
  SOCKIT_CONST(in6, "size", sizeof(sockaddr_in6));
  Napi::Object ll = Napi::Object::New(env);
  SOCKIT_OFFSET(ll, sockaddr_ll, sll_family);
  SOCKIT_OFFSET(ll, sockaddr_ll, sll_protocol);
  SOCKIT_OFFSET(ll, sockaddr_ll, sll_ifindex);
  SOCKIT_OFFSET(ll, sockaddr_ll, sll_hatype);
  SOCKIT_OFFSET(ll, sockaddr_ll, sll_pkttype);
  SOCKIT_OFFSET(ll, sockaddr_ll, sll_halen);
  SOCKIT_OFFSET(ll, sockaddr_ll, sll_addr);
  SOCKIT_CONST(ll, "size", sizeof(sockaddr_ll));
  Napi::Object un = Napi::Object::New(env);
  SOCKIT_OFFSET(un, sockaddr_un, sun_family);
  SOCKIT_OFFSET(un, sockaddr_un, sun_path);
  SOCKIT_CONST(un, "size", sizeof(sockaddr_un));
  Napi::Object o = Napi::Object::New(env);
  o.Set("sockaddr_un", un);
  o.Set("sockaddr_in", in4);
  o.Set("sockaddr_in6", in6);
  o.Set("sockaddr_ll", ll);
  return o;
}

}  // namespace

void RegisterIoConstants(Napi::Env env, Napi::Object exports) {
  using namespace io;
  Napi::Object c = Napi::Object::New(env);
  SOCKIT_CONST(c, "META_STRIDE", kMetaStride);
  SOCKIT_CONST(c, "ADDRESS_STRIDE", kAddrStride);
  SOCKIT_CONST(c, "ADDRESS_LENGTH", kAddrLength);
  SOCKIT_CONST(c, "CONTROL_STRIDE", kInfoStride);
  SOCKIT_CONST(c, "MAX_BATCH", kMaxBatch);
  SOCKIT_CONST(c, "MAX_MESSAGE_SIZE", kMaxMessage);
  SOCKIT_CONST(c, "MAX_CONTROL_SIZE", kMaxControl);
  SOCKIT_CONST(c, "EV_WRITABLE", kEvWritable);
  SOCKIT_CONST(c, "EV_ERROR", kEvError);
  SOCKIT_CONST(c, "EV_CLOSE", kEvClose);
  SOCKIT_CONST(c, "EV_END", kEvEnd);
  SOCKIT_CONST(c, "SYS_RECV", kSysRecv);
  SOCKIT_CONST(c, "SYS_SO_ERROR", kSysSoError);
  SOCKIT_CONST(c, "SYS_POLL", kSysPoll);
  SOCKIT_CONST(c, "SYS_ALLOC", kSysAlloc);
  SOCKIT_CONST(c, "MSG_TRUNC", MSG_TRUNC);
  SOCKIT_CONST(c, "MSG_CTRUNC", MSG_CTRUNC);
  SOCKIT_CONST(c, "MSG_ERRQUEUE", MSG_ERRQUEUE);
  SOCKIT_CONST(c, "HAS_PKTINFO", codec::kHasPktinfo);
  SOCKIT_CONST(c, "HAS_TTL", codec::kHasTtl);
  SOCKIT_CONST(c, "HAS_TOS", codec::kHasTos);
  SOCKIT_CONST(c, "HAS_DROP_COUNT", codec::kHasDropCount);
  SOCKIT_CONST(c, "HAS_TIMESTAMP", codec::kHasTimestamp);
  SOCKIT_CONST(c, "HAS_HW_TIMESTAMP", codec::kHasHwTimestamp);
  SOCKIT_CONST(c, "HAS_GRO", codec::kHasGro);
  SOCKIT_CONST(c, "HAS_EXT_ERR", codec::kHasExtErr);
  SOCKIT_CONST(c, "HAS_OFFENDER", codec::kHasOffender);
  SOCKIT_CONST(c, "HAS_ORIG_DST", codec::kHasOrigDst);
  SOCKIT_CONST(c, "HAS_AUXDATA", codec::kHasAuxdata);
  SOCKIT_CONST(c, "HAS_CTRUNC", codec::kHasCtrunc);
  SOCKIT_CONST(c, "HAS_CREDENTIALS", codec::kHasCredentials);
  SOCKIT_CONST(c, "HAS_RIGHTS", codec::kHasRights);
  SOCKIT_CONST(c, "MAX_RIGHTS", codec::kMaxRights);
  long page = ::sysconf(_SC_PAGESIZE);
  SOCKIT_CONST(c, "PAGE_SIZE", page > 0 ? page : 4096);
  SOCKIT_CONST(c, "RING_MIN_FRAME", codec::kRingMinFrame);
  exports.Set("ioConstants", c);

  Napi::Object layouts = Napi::Object::New(env);
  Napi::Object meta = Napi::Object::New(env);
  SOCKIT_CONST(meta, "offset", kMetaOffset);
  SOCKIT_CONST(meta, "length", kMetaLength);
  SOCKIT_CONST(meta, "realLength", kMetaRealLength);
  SOCKIT_CONST(meta, "flags", kMetaFlags);
  SOCKIT_CONST(meta, "stride", kMetaStride);
  layouts.Set("meta", meta);
  layouts.Set("control", ControlLayout(env));
  layouts.Set("sockaddr", SockaddrLayout(env));
  exports.Set("layouts", layouts);
}

}  // namespace sockit
