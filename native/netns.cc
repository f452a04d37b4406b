// Placeholder registration; the netns area fills this in.
#include "common.h"

namespace sockit {

void RegisterNetns(Napi::Env env, Napi::Object exports) {}

}  // namespace sockit
