// Addon entry point: instance data, module registration.
#include "common.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <limits>

namespace sockit {

AddonData* GetAddonData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

void ThrowTypeError(Napi::Env env, const char* code, const std::string& msg) {
  Napi::Error err = Napi::TypeError::New(env, msg);
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

void ThrowRangeError(Napi::Env env, const char* code, const std::string& msg) {
  Napi::Error err = Napi::RangeError::New(env, msg);
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

static Napi::Value Arg(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() ? info[i] : info.Env().Undefined();
}

int64_t ValueInteger(Napi::Env env, Napi::Value v, const char* name, double min, double max) {
  if (!v.IsNumber()) {
    if (v.IsBigInt()) {
      bool lossless = false;
      int64_t x = v.As<Napi::BigInt>().Int64Value(&lossless);
      if (!lossless || static_cast<double>(x) < min || static_cast<double>(x) > max)
        ThrowRangeError(env, "ERR_OUT_OF_RANGE", std::string("The value of \"") + name + "\" is out of range");
      return x;
    }
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", std::string("The \"") + name + "\" argument must be of type number");
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d)
    ThrowRangeError(env, "ERR_OUT_OF_RANGE", std::string("The value of \"") + name + "\" must be an integer");
  if (d < min || d > max)
    ThrowRangeError(env, "ERR_OUT_OF_RANGE", std::string("The value of \"") + name + "\" is out of range");
  return static_cast<int64_t>(d);
}

int64_t ArgInteger(const Napi::CallbackInfo& info, size_t i, const char* name, double min, double max) {
  return ValueInteger(info.Env(), Arg(info, i), name, min, max);
}

int32_t ArgInt32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return static_cast<int32_t>(ArgInteger(info, i, name, std::numeric_limits<int32_t>::min(),
                                         std::numeric_limits<int32_t>::max()));
}

int ArgFd(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<int>(ArgInteger(info, i, "fd", 0, std::numeric_limits<int32_t>::max()));
}

void ThrowNoMemory(Napi::Env env, const char* what) {
  Napi::Error err = Napi::Error::New(env, std::string("ENOMEM: out of memory, ") + what);
  err.Set("code", Napi::String::New(env, "ENOMEM"));
  err.Set("errno", Napi::Number::New(env, -ENOMEM));
  err.Set("syscall", Napi::String::New(env, what));
  throw err;
}

void Membarrier() { ::syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0); }

namespace {
class BlockingWork : public Napi::AsyncWorker {
 public:
  BlockingWork(Napi::Object receiver, Napi::Function cb, BlockingFn work, DoneFn done, void* arg, void (*freeArg)(void*))
      : Napi::AsyncWorker(receiver, cb, "sockit:blocking"), work_(work), done_(done), arg_(arg), free_(freeArg) {}
  ~BlockingWork() override {
    if (!ran_) work_(arg_);  // cancelled at teardown: still do the work (no JS)
    if (free_) free_(arg_);
  }
  void Execute() override {
    result_ = work_(arg_);
    ran_ = true;
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    int r = done_ ? done_(env, arg_, result_) : result_;
    Callback().Call(Receiver().Value(), {Napi::Number::New(env, r)});
  }

 private:
  BlockingFn work_;
  DoneFn done_;
  void* arg_;
  void (*free_)(void*);
  int result_ = 0;
  bool ran_ = false;
};
}  // namespace

void QueueBlocking(Napi::Env env, Napi::Object receiver, Napi::Function callback, BlockingFn work, DoneFn done, void* arg,
                   void (*freeArg)(void*)) {
  BlockingWork* w;
  try {
    w = new BlockingWork(receiver, callback, work, done, arg, freeArg);
  } catch (const std::bad_alloc&) {
    work(arg);  // never leave the work undone (a descriptor to close)
    if (freeArg) freeArg(arg);
    ThrowNoMemory(env, "uv_queue_work");
  } catch (...) {
    work(arg);
    if (freeArg) freeArg(arg);
    throw;
  }
  w->Queue();
}

uint32_t ArgUint32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return static_cast<uint32_t>(ArgInteger(info, i, name, 0, std::numeric_limits<uint32_t>::max()));
}

bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = Arg(info, i);
  if (!v.IsBoolean())
    ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string("The \"") + name + "\" argument must be of type boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, size_t maxLen) {
  Napi::Value v = Arg(info, i);
  if (!v.IsString())
    ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string("The \"") + name + "\" argument must be of type string");
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.size() > maxLen)
    ThrowRangeError(info.Env(), "ERR_OUT_OF_RANGE", std::string("The \"") + name + "\" argument is too long");
  return s;
}

Napi::Function ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = Arg(info, i);
  if (!v.IsFunction())
    ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string("The \"") + name + "\" argument must be of type function");
  return v.As<Napi::Function>();
}

bool FastU8(napi_env env, napi_value v, Bytes* out) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (v == nullptr || napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_uint8_array && type != napi_int8_array && type != napi_uint8_clamped_array) return false;
  out->data = static_cast<uint8_t*>(data);
  out->length = data ? length : 0;
  return true;
}

bool IsBytes(Napi::Value v) { return v.IsBuffer() || v.IsTypedArray() || v.IsArrayBuffer() || v.IsDataView(); }

// A detached buffer is a TypeError: its bytes are gone, and reading it as
// empty would silently send or store nothing.
[[noreturn]] static void ThrowDetached(Napi::Env env, const char* name) {
  ThrowTypeError(env, "ERR_INVALID_STATE", std::string("The \"") + name + "\" argument's ArrayBuffer is detached");
}

Bytes ValueBytes(Napi::Env env, Napi::Value v, const char* name) {
  Bytes b;
  if (v.IsTypedArray()) {
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    Napi::ArrayBuffer ab = ta.ArrayBuffer();
    if (ab.IsDetached()) ThrowDetached(env, name);
    b.data = static_cast<uint8_t*>(ab.Data()) + ta.ByteOffset();
    b.length = ta.ByteLength();
  } else if (v.IsDataView()) {
    Napi::DataView dv = v.As<Napi::DataView>();
    Napi::ArrayBuffer ab = dv.ArrayBuffer();
    if (ab.IsDetached()) ThrowDetached(env, name);
    b.data = static_cast<uint8_t*>(ab.Data()) + dv.ByteOffset();
    b.length = dv.ByteLength();
  } else if (v.IsArrayBuffer()) {
    Napi::ArrayBuffer ab = v.As<Napi::ArrayBuffer>();
    if (ab.IsDetached()) ThrowDetached(env, name);
    b.data = static_cast<uint8_t*>(ab.Data());
    b.length = ab.ByteLength();
  } else {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE",
                   std::string("The \"") + name + "\" argument must be a Buffer, TypedArray, DataView or ArrayBuffer");
  }
  if (b.data == nullptr) b.length = 0;
  return b;
}

Bytes ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return ValueBytes(info.Env(), Arg(info, i), name);
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<AddonData>(new AddonData());
  RegisterConstants(env, exports);
  RegisterSocket(env, exports);
  RegisterOptions(env, exports);
  RegisterInterfaces(env, exports);
  RegisterIo(env, exports);
  RegisterIoConstants(env, exports);
  RegisterPacket(env, exports);
  RegisterNetns(env, exports);
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  return exports;
}

}  // namespace sockit

static Napi::Object InitSockit(Napi::Env env, Napi::Object exports) { return sockit::Init(env, exports); }

NODE_API_MODULE(sockit, InitSockit)
