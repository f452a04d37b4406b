// Numeric constants of this system, exported by their C names so that
// TypeScript never hard-codes a number. (Owner: option engine.)
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/socket.h>

#include <cerrno>

#include "common.h"

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
  exports.Set("constants", obj);
}

}  // namespace sockit
