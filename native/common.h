// Shared Node-API helpers for the sockit addon.
//
// Conventions (see shared/STYLE.md):
//  - One exported function = one system call where possible.
//  - System-call failures are never thrown: functions return a negative errno
//    (as a JS number) and the TypeScript layer turns it into a SocketError.
//  - Misuse that TypeScript should have caught (wrong type, bad length) is
//    still checked here and thrown as TypeError/RangeError with a Node-style
//    `code`, so bypassing TypeScript can never crash the process.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>

namespace sockit {

// Per-addon-instance state (one per Node environment / worker thread).
// Stored with env.SetInstanceData; never in statics.
struct AddonData {
  bool exiting = false;
  // Opaque per-module state; each module owns its own pointer and frees it
  // in its own env cleanup hook.
  void* io = nullptr;
  // Descriptors owned by JS Socket objects of this environment (ownFd /
  // forgetFd / close). Closed by an env cleanup hook when the environment
  // goes away (Worker terminated, process exit) so they never leak.
  std::unordered_set<int> ownedFds;
};

AddonData* GetAddonData(Napi::Env env);

// --- Errors for misuse (TypeScript was bypassed or a bug) -------------------
[[noreturn]] void ThrowTypeError(Napi::Env env, const char* code, const std::string& msg);
[[noreturn]] void ThrowRangeError(Napi::Env env, const char* code, const std::string& msg);

// --- Argument readers: validate and throw TypeError/RangeError ------------
int32_t ArgInt32(const Napi::CallbackInfo& info, size_t i, const char* name);
// A descriptor argument: an integer in [0, INT32_MAX] (the one reader every area uses).
int ArgFd(const Napi::CallbackInfo& info, size_t i = 0);
uint32_t ArgUint32(const Napi::CallbackInfo& info, size_t i, const char* name);
// Integer in [min, max] (given as doubles so 64-bit ranges are expressible).
int64_t ArgInteger(const Napi::CallbackInfo& info, size_t i, const char* name, double min, double max);
bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* name);
std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, size_t maxLen = 4096);
Napi::Function ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name);

// Integer conversion of an arbitrary value (object fields etc.).
int64_t ValueInteger(Napi::Env env, Napi::Value v, const char* name, double min, double max);

// A view over the bytes of a Buffer, TypedArray, DataView or ArrayBuffer.
// A detached buffer is a TypeError (ERR_INVALID_STATE). Take it only after
// every JS value of the call was read (a getter may detach it).
struct Bytes {
  uint8_t* data = nullptr;
  size_t length = 0;
};
Bytes ValueBytes(Napi::Env env, Napi::Value v, const char* name);
Bytes ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name);
bool IsBytes(Napi::Value v);
// The bytes of a Uint8Array / Int8Array / Uint8ClampedArray (a Buffer) with
// one napi call and no wrapper objects, for per-packet paths. False when `v`
// is anything else (the caller then throws or falls back to ValueBytes).
bool FastU8(napi_env env, napi_value v, Bytes* out);

// Return value for a failed system call: the negative errno as a JS number.
inline Napi::Value Errno(Napi::Env env, int err) { return Napi::Number::New(env, -err); }

// Out of memory where no errno can be returned: throws an Error with code
// 'ENOMEM', errno -ENOMEM and `syscall` naming what was being allocated, like
// Node's own system errors. (Never std::bad_alloc: that would abort.)
[[noreturn]] void ThrowNoMemory(Napi::Env env, const char* what);

// membarrier(MEMBARRIER_CMD_GLOBAL), i.e. synchronize_rcu(): blocks for one
// RCU grace period, so call it on the threadpool (QueueBlocking) where the
// loop must not wait. Best effort where membarrier is unavailable.
void Membarrier();

// Run `work` (no Node-API, no JS) on the libuv threadpool, then `done(env,
// result)` (may be null) on the loop thread, then `callback(result)` with
// `receiver` as this. If the environment is torn down before `work` ran,
// `work` runs synchronously in the destructor instead (no JS), so a
// descriptor handed to it is never leaked.
using BlockingFn = int (*)(void* arg);
using DoneFn = int (*)(Napi::Env env, void* arg, int result);
void QueueBlocking(Napi::Env env, Napi::Object receiver, Napi::Function callback, BlockingFn work, DoneFn done, void* arg,
                   void (*freeArg)(void*));

// --- Module registration: each native/*.cc area registers its exports -----
void RegisterConstants(Napi::Env env, Napi::Object exports);
void RegisterSocket(Napi::Env env, Napi::Object exports);
void RegisterOptions(Napi::Env env, Napi::Object exports);
void RegisterInterfaces(Napi::Env env, Napi::Object exports);
void RegisterIo(Napi::Env env, Napi::Object exports);
void RegisterIoConstants(Napi::Env env, Napi::Object exports);
void RegisterPacket(Napi::Env env, Napi::Object exports);
void RegisterNetns(Napi::Env env, Napi::Object exports);

}  // namespace sockit
