// Socket options: Node-API glue over sys/optcodec (the packing) and one
// setsockopt/getsockopt per call. Names, defaults and validation live in
// TypeScript (lib/options/index.ts); this layer still checks every field and
// length itself so bypassing TypeScript can never crash the process.
//
// Exports:
//   optionTable                 [{ name, levelName, level, optname, codec, supported }]
//   optionCodecs                { int: 0, bool: 1, ... }
//   setOption(fd, level, optname, codec, value) → 0 | -errno
//   getOption(fd, level, optname, codec)        → { value, length } | -errno
//   encodeOption(codec, value)                  → Buffer (the packed bytes; tests/fuzzing)
//   decodeOption(codec, bytes)                  → value   (throws RangeError on a bad length)
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <string>

#include "common.h"
#include "icmp_filter.h"

static_assert(ICMP_FILTER == sockit::kIcmpFilter, "icmp_filter.h agrees with linux/icmp.h");
#include "codec/optcodec.h"

namespace sockit {

namespace opt = codec::opt;

namespace {

struct NativeOption {
  const char* name;
  const char* levelName;
  int level;
  int optname;
  const char* codec;
  bool supported;
};

#define SOCKIT_OPTION(name, level, codec) {#name, #level, (level), (name), codec, true},
#define SOCKIT_OPTION_MISSING(name, level, codec) {#name, #level, -1, -1, codec, false},
const NativeOption kOptions[] = {
#include "option_table.inc"
};
#undef SOCKIT_OPTION
#undef SOCKIT_OPTION_MISSING

Napi::Value Field(Napi::Object o, const char* key) { return o.Get(key); }

std::string FieldName(const char* prefix, const char* key) { return std::string(prefix) + "." + key; }

int64_t IntField(Napi::Env env, Napi::Object o, const char* key, double min, double max, bool optional = false,
                 int64_t dflt = 0) {
  Napi::Value v = Field(o, key);
  if (optional && (v.IsUndefined() || v.IsNull())) return dflt;
  std::string n = FieldName("value", key);
  return ValueInteger(env, v, n.c_str(), min, max);
}

// An IP literal; `optional` fields may be undefined (→ family 0).
opt::IpAddr IpField(Napi::Env env, Napi::Object o, const char* key, bool optional) {
  opt::IpAddr ip;
  Napi::Value v = Field(o, key);
  if (optional && (v.IsUndefined() || v.IsNull())) return ip;
  if (!v.IsString())
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"value." + std::string(key) + "\" field must be an IP address string");
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.size() > 64 || !opt::ParseIp(s.c_str(), &ip))
    ThrowTypeError(env, "ERR_INVALID_ARG_VALUE", "The \"value." + std::string(key) + "\" field is not an IP address");
  return ip;
}

std::vector<uint8_t> BytesOf(Napi::Env env, Napi::Value v, const char* name, size_t max) {
  Bytes b = ValueBytes(env, v, name);
  if (b.length > max) ThrowRangeError(env, "ERR_OUT_OF_RANGE", std::string("The \"") + name + "\" argument is too long");
  return std::vector<uint8_t>(b.data, b.data + b.length);
}

Napi::Object ObjectArg(Napi::Env env, Napi::Value v) {
  if (!v.IsObject() || v.IsArray() || IsBytes(v))
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"value\" argument must be of type object");
  return v.As<Napi::Object>();
}

opt::Codec CodecArg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<opt::Codec>(ArgInteger(info, i, "codec", 0, static_cast<int>(opt::Codec::kCount) - 1));
}

// JS value → OptValue for codec c. Throws TypeError/RangeError on misuse.
void FromJs(Napi::Env env, opt::Codec c, Napi::Value v, opt::OptValue* out) {
  constexpr double kI32Min = std::numeric_limits<int32_t>::min();
  constexpr double kI32Max = std::numeric_limits<int32_t>::max();
  constexpr double kU32Max = std::numeric_limits<uint32_t>::max();
  using C = opt::Codec;
  switch (c) {
    case C::Int:
      out->num = ValueInteger(env, v, "value", kI32Min, kI32Max);
      return;
    case C::Bool:
      if (v.IsBoolean()) out->num = v.As<Napi::Boolean>().Value() ? 1 : 0;
      else out->num = ValueInteger(env, v, "value", 0, 1);
      return;
    case C::U8:
      out->num = ValueInteger(env, v, "value", 0, 255);
      return;
    case C::U32:
      out->num = ValueInteger(env, v, "value", 0, kU32Max);
      return;
    case C::U64:
      if (v.IsBigInt()) {
        bool lossless = false;
        uint64_t x = v.As<Napi::BigInt>().Uint64Value(&lossless);
        if (!lossless) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "The value of \"value\" is out of range for a 64-bit unsigned integer");
        out->u64 = x;
      } else {
        out->u64 = static_cast<uint64_t>(ValueInteger(env, v, "value", 0, 9007199254740991.0));
      }
      return;
    case C::Timeval: {
      Napi::Object o = ObjectArg(env, v);
      out->sec = IntField(env, o, "sec", 0, 9007199254740991.0);
      out->usec = IntField(env, o, "usec", 0, 999999);
      return;
    }
    case C::Linger: {
      Napi::Object o = ObjectArg(env, v);
      out->onoff = static_cast<int32_t>(IntField(env, o, "onoff", kI32Min, kI32Max));
      out->linger = static_cast<int32_t>(IntField(env, o, "linger", kI32Min, kI32Max));
      return;
    }
    case C::InAddr: {
      if (!v.IsString()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"value\" argument must be an IPv4 address string");
      std::string s = v.As<Napi::String>().Utf8Value();
      if (s.size() > 64 || !opt::ParseIp(s.c_str(), &out->addr))
        ThrowTypeError(env, "ERR_INVALID_ARG_VALUE", "The \"value\" argument is not an IP address");
      return;
    }
    case C::IpMreq: {
      Napi::Object o = ObjectArg(env, v);
      out->group = IpField(env, o, "group", false);
      out->addr = IpField(env, o, "interface", true);
      return;
    }
    case C::IpMreqn: {
      Napi::Object o = ObjectArg(env, v);
      out->group = IpField(env, o, "group", true);
      out->addr = IpField(env, o, "address", true);
      out->ifindex = static_cast<uint32_t>(IntField(env, o, "ifindex", 0, kI32Max, true));
      return;
    }
    case C::IpMreqSource: {
      Napi::Object o = ObjectArg(env, v);
      out->group = IpField(env, o, "group", false);
      out->addr = IpField(env, o, "interface", true);
      out->source = IpField(env, o, "source", false);
      return;
    }
    case C::GroupReq: {
      Napi::Object o = ObjectArg(env, v);
      out->ifindex = static_cast<uint32_t>(IntField(env, o, "ifindex", 0, kU32Max, true));
      out->group = IpField(env, o, "group", false);
      return;
    }
    case C::GroupSourceReq: {
      Napi::Object o = ObjectArg(env, v);
      out->ifindex = static_cast<uint32_t>(IntField(env, o, "ifindex", 0, kU32Max, true));
      out->group = IpField(env, o, "group", false);
      out->source = IpField(env, o, "source", false);
      return;
    }
    case C::Ipv6Mreq: {
      Napi::Object o = ObjectArg(env, v);
      out->group = IpField(env, o, "group", false);
      out->ifindex = static_cast<uint32_t>(IntField(env, o, "ifindex", 0, kU32Max, true));
      return;
    }
    case C::PacketMreq: {
      Napi::Object o = ObjectArg(env, v);
      out->ifindex = static_cast<uint32_t>(IntField(env, o, "ifindex", 0, kI32Max));
      out->mrType = static_cast<uint16_t>(IntField(env, o, "type", 0, 65535));
      Napi::Value a = Field(o, "address");
      if (!a.IsUndefined() && !a.IsNull()) out->bytes = BytesOf(env, a, "value.address", opt::kMaxHardwareAddress);
      return;
    }
    case C::SockFprog:
      out->bytes = BytesOf(env, v, "value", opt::kMaxFilterInstructions * opt::kFilterInstructionSize);
      return;
    case C::TpacketReq:
    case C::TpacketReq3: {
      Napi::Object o = ObjectArg(env, v);
      out->blockSize = static_cast<uint32_t>(IntField(env, o, "blockSize", 0, kU32Max));
      out->blockNr = static_cast<uint32_t>(IntField(env, o, "blockNr", 0, kU32Max));
      out->frameSize = static_cast<uint32_t>(IntField(env, o, "frameSize", 0, kU32Max));
      out->frameNr = static_cast<uint32_t>(IntField(env, o, "frameNr", 0, kU32Max));
      if (c == C::TpacketReq3) {
        out->retireBlkTov = static_cast<uint32_t>(IntField(env, o, "retireBlkTov", 0, kU32Max, true));
        out->sizeofPriv = static_cast<uint32_t>(IntField(env, o, "sizeofPriv", 0, kU32Max, true));
        out->featureReqWord = static_cast<uint32_t>(IntField(env, o, "featureReqWord", 0, kU32Max, true));
      }
      return;
    }
    case C::String: {
      if (!v.IsString()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"value\" argument must be of type string");
      out->str = v.As<Napi::String>().Utf8Value();
      if (out->str.size() > opt::kMaxStringLength) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "The \"value\" string is too long");
      return;
    }
    case C::Bytes:
      out->bytes = BytesOf(env, v, "value", opt::kMaxBytesLength);
      return;
    case C::TpacketStats:
    case C::Ucred:
    case C::SkMeminfo:
      ThrowTypeError(env, "ERR_INVALID_ARG_VALUE", std::string("The ") + opt::CodecName(c) + " structure is read-only");
    case C::kCount:
      break;
  }
  ThrowRangeError(env, "ERR_OUT_OF_RANGE", "unknown codec");
}

Napi::Value IpToJs(Napi::Env env, const opt::IpAddr& ip) {
  char buf[64];
  if (!opt::FormatIp(ip, buf, sizeof(buf))) return env.Null();
  return Napi::String::New(env, buf);
}

// OptValue → JS value for codec c.
Napi::Value ToJs(Napi::Env env, opt::Codec c, const opt::OptValue& v) {
  using C = opt::Codec;
  switch (c) {
    case C::Int:
    case C::U8:
    case C::U32:
      return Napi::Number::New(env, static_cast<double>(v.num));
    case C::Bool:
      return Napi::Boolean::New(env, v.num != 0);
    case C::U64:
      return Napi::BigInt::New(env, v.u64);
    case C::Timeval: {
      Napi::Object o = Napi::Object::New(env);
      o.Set("sec", Napi::Number::New(env, static_cast<double>(v.sec)));
      o.Set("usec", Napi::Number::New(env, static_cast<double>(v.usec)));
      return o;
    }
    case C::Linger: {
      Napi::Object o = Napi::Object::New(env);
      o.Set("onoff", Napi::Number::New(env, v.onoff));
      o.Set("linger", Napi::Number::New(env, v.linger));
      return o;
    }
    case C::InAddr:
      return IpToJs(env, v.addr);
    case C::IpMreq:
    case C::IpMreqn:
    case C::IpMreqSource: {
      Napi::Object o = Napi::Object::New(env);
      o.Set("group", IpToJs(env, v.group));
      o.Set(c == C::IpMreqn ? "address" : "interface", IpToJs(env, v.addr));
      if (c == C::IpMreqn) o.Set("ifindex", Napi::Number::New(env, v.ifindex));
      if (c == C::IpMreqSource) o.Set("source", IpToJs(env, v.source));
      return o;
    }
    case C::GroupReq:
    case C::GroupSourceReq:
    case C::Ipv6Mreq: {
      Napi::Object o = Napi::Object::New(env);
      o.Set("ifindex", Napi::Number::New(env, v.ifindex));
      o.Set("group", IpToJs(env, v.group));
      if (c == C::GroupSourceReq) o.Set("source", IpToJs(env, v.source));
      return o;
    }
    case C::PacketMreq: {
      Napi::Object o = Napi::Object::New(env);
      o.Set("ifindex", Napi::Number::New(env, v.ifindex));
      o.Set("type", Napi::Number::New(env, v.mrType));
      o.Set("address", Napi::Buffer<uint8_t>::Copy(env, v.bytes.data(), v.bytes.size()));
      return o;
    }
    case C::SockFprog:
    case C::Bytes:
      return Napi::Buffer<uint8_t>::Copy(env, v.bytes.data(), v.bytes.size());
    case C::TpacketStats: {
      Napi::Object o = Napi::Object::New(env);
      o.Set("packets", Napi::Number::New(env, v.packets));
      o.Set("drops", Napi::Number::New(env, v.drops));
      if (v.statsV3) o.Set("freezeQueueCount", Napi::Number::New(env, v.freezeQueueCount));
      return o;
    }
    case C::TpacketReq:
    case C::TpacketReq3: {
      Napi::Object o = Napi::Object::New(env);
      o.Set("blockSize", Napi::Number::New(env, v.blockSize));
      o.Set("blockNr", Napi::Number::New(env, v.blockNr));
      o.Set("frameSize", Napi::Number::New(env, v.frameSize));
      o.Set("frameNr", Napi::Number::New(env, v.frameNr));
      if (c == C::TpacketReq3) {
        o.Set("retireBlkTov", Napi::Number::New(env, v.retireBlkTov));
        o.Set("sizeofPriv", Napi::Number::New(env, v.sizeofPriv));
        o.Set("featureReqWord", Napi::Number::New(env, v.featureReqWord));
      }
      return o;
    }
    case C::String:
      return Napi::String::New(env, v.str);
    case C::Ucred: {
      Napi::Object o = Napi::Object::New(env);
      o.Set("pid", Napi::Number::New(env, v.pid));
      o.Set("uid", Napi::Number::New(env, v.uid));
      o.Set("gid", Napi::Number::New(env, v.gid));
      return o;
    }
    case C::SkMeminfo: {
      // Indexed by SK_MEMINFO_* (constants); words the kernel did not return are absent.
      Napi::Array a = Napi::Array::New(env, v.meminfoCount);
      for (uint32_t i = 0; i < v.meminfoCount; i++) a.Set(i, Napi::Number::New(env, v.meminfo[i]));
      return a;
    }
    case C::kCount:
      break;
  }
  return env.Undefined();
}

[[noreturn]] void ThrowOptError(Napi::Env env, opt::OptError e) {
  std::string msg = std::string("Invalid option value: ") + opt::OptErrorMessage(e);
  if (e == opt::OptError::BadAddress || e == opt::OptError::NotEncodable || e == opt::OptError::EmbeddedNul)
    ThrowTypeError(env, "ERR_INVALID_ARG_VALUE", msg);
  ThrowRangeError(env, "ERR_OUT_OF_RANGE", msg);
}

Napi::Value SetOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  int level = ArgInt32(info, 1, "level");
  int optname = ArgInt32(info, 2, "optname");
  opt::Codec codec = CodecArg(info, 3);
  opt::OptValue value;
  FromJs(env, codec, info.Length() > 4 ? info[4] : env.Undefined(), &value);
  opt::Packed packed;
  opt::OptError e = opt::Encode(codec, value, &packed);
  if (e != opt::OptError::None) ThrowOptError(env, e);
  if (::setsockopt(fd, level, optname, packed.data.data(), static_cast<socklen_t>(packed.data.size())) != 0)
    return Errno(env, errno);
  return Napi::Number::New(env, 0);
}

Napi::Value GetOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  int level = ArgInt32(info, 1, "level");
  int optname = ArgInt32(info, 2, "optname");
  opt::Codec codec = CodecArg(info, 3);
  size_t offered = opt::GetBufferSize(codec);
  std::vector<uint8_t> buf(offered, 0);
  socklen_t len = static_cast<socklen_t>(offered);
  if (::getsockopt(fd, level, optname, buf.data(), &len) != 0) return Errno(env, errno);
  size_t got = 0;
  if (!opt::GetResultBytes(codec, len, offered, &got)) return Errno(env, EMSGSIZE);
  opt::OptValue value;
  if (opt::Decode(codec, buf.data(), got, &value) != opt::OptError::None) return Errno(env, EBADMSG);
  Napi::Object result = Napi::Object::New(env);
  result.Set("value", ToJs(env, codec, value));
  result.Set("length", Napi::Number::New(env, static_cast<double>(got)));
  return result;
}

Napi::Value EncodeOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  opt::Codec codec = CodecArg(info, 0);
  opt::OptValue value;
  FromJs(env, codec, info.Length() > 1 ? info[1] : env.Undefined(), &value);
  opt::Packed packed;
  opt::OptError e = opt::Encode(codec, value, &packed);
  if (e != opt::OptError::None) ThrowOptError(env, e);
  if (codec == opt::Codec::SockFprog) return Napi::Buffer<uint8_t>::Copy(env, packed.insns.data(), packed.insns.size());
  return Napi::Buffer<uint8_t>::Copy(env, packed.data.data(), packed.data.size());
}

Napi::Value DecodeOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  opt::Codec codec = CodecArg(info, 0);
  Bytes b = ArgBytes(info, 1, "bytes");
  opt::OptValue value;
  opt::OptError e = opt::Decode(codec, b.data, b.length, &value);
  if (e != opt::OptError::None) ThrowOptError(env, e);
  return ToJs(env, codec, value);
}

}  // namespace

void RegisterOptions(Napi::Env env, Napi::Object exports) {
  Napi::Array table = Napi::Array::New(env);
  uint32_t i = 0;
  for (const NativeOption& o : kOptions) {
    Napi::Object row = Napi::Object::New(env);
    row.Set("name", Napi::String::New(env, o.name));
    row.Set("levelName", Napi::String::New(env, o.levelName));
    row.Set("level", Napi::Number::New(env, o.level));
    row.Set("optname", Napi::Number::New(env, o.optname));
    row.Set("codec", Napi::String::New(env, o.codec));
    row.Set("supported", Napi::Boolean::New(env, o.supported));
    table.Set(i++, row);
  }
  exports.Set("optionTable", table);
  Napi::Object codecs = Napi::Object::New(env);
  for (int c = 0; c < static_cast<int>(opt::Codec::kCount); c++)
    codecs.Set(opt::CodecName(static_cast<opt::Codec>(c)), Napi::Number::New(env, c));
  exports.Set("optionCodecs", codecs);
  exports.Set("setOption", Napi::Function::New(env, SetOption, "setOption"));
  exports.Set("getOption", Napi::Function::New(env, GetOption, "getOption"));
  exports.Set("encodeOption", Napi::Function::New(env, EncodeOption, "encodeOption"));
  exports.Set("decodeOption", Napi::Function::New(env, DecodeOption, "decodeOption"));
}

}  // namespace sockit
