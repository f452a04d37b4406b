// Numeric constants of this system, exported by their C names so that
// TypeScript never hard-codes a number. (Owner: option engine.)
#include <sys/socket.h>
#include <netinet/in.h>

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
  exports.Set("constants", obj);
}

}  // namespace sockit
