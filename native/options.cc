// Placeholder registration; the options area fills this in.
#include "common.h"

namespace sockit {

void RegisterOptions(Napi::Env env, Napi::Object exports) {}

}  // namespace sockit
