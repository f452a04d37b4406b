// Network interfaces: name/index lookups (and, by the interfaces area, enumeration).
// Never reads sysfs: inside `unshare --net` /sys/class/net shows the parent's interfaces.
#include <net/if.h>

#include <cerrno>

#include "common.h"

namespace sockit {

// if_nametoindex → index | -errno
static Napi::Value IfNameToIndex(const Napi::CallbackInfo& info) {
  std::string name = ArgString(info, 0, "name", 64);
  if (name.empty() || name.size() >= IF_NAMESIZE) return Errno(info.Env(), ENODEV);
  unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0) return Errno(info.Env(), errno ? errno : ENODEV);
  return Napi::Number::New(info.Env(), idx);
}

// if_indextoname → name | -errno
static Napi::Value IfIndexToName(const Napi::CallbackInfo& info) {
  uint32_t idx = ArgUint32(info, 0, "index");
  char buf[IF_NAMESIZE];
  if (if_indextoname(idx, buf) == nullptr) return Errno(info.Env(), errno ? errno : ENXIO);
  return Napi::String::New(info.Env(), buf);
}

void RegisterInterfaces(Napi::Env env, Napi::Object exports) {
  exports.Set("ifNameToIndex", Napi::Function::New(env, IfNameToIndex, "ifNameToIndex"));
  exports.Set("ifIndexToName", Napi::Function::New(env, IfIndexToName, "ifIndexToName"));
}

}  // namespace sockit
