// Placeholder registration; the io area fills this in.
#include "common.h"

namespace sockit {

void RegisterIo(Napi::Env env, Napi::Object exports) {}

}  // namespace sockit
