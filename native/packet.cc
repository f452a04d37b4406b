// Placeholder registration; the packet area fills this in.
#include "common.h"

namespace sockit {

void RegisterPacket(Napi::Env env, Napi::Object exports) {}

}  // namespace sockit
