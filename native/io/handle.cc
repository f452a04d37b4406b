// IoHandle and its uv_poll lifecycle.
//
//  - One uv_poll per descriptor, on the environment's own loop
//    (napi_get_uv_event_loop; never uv_default_loop). READABLE while JS wants
//    to receive, WRITABLE only while JS has a send queue; mask 0 stops the poll
//    (an idle socket does not keep the loop alive, and a writable socket JS no
//    longer wants to write cannot make the callback spin).
//  - Receive memory is allocated on the first setReceiving(true) (pool.cc),
//    so a send-only socket costs a few hundred bytes, not batch × messageSize.
//  - Flood mode: a wakeup that ends at the per-wakeup bound with every batch
//    full takes the descriptor out of epoll and drains it from the loop's
//    idle phase (uv_idle, with poll(2) at timeout 0 for POLLERR) until a
//    batch comes back short; then it is polled again. While a socket sits in
//    an epoll set, every datagram the kernel queues runs the epoll wakeup
//    path, which made a flooded receiver spend more time per datagram
//    (docs/udp.md, "Flood mode").
//  - Close: stop polling, uv_close, then close(fd) (and munmap of a ring) on
//    the threadpool, because closing a packet socket waits one RCU grace
//    period (packet_release → synchronize_net); EV_CLOSE once the descriptor
//    is really closed. At environment teardown (async cleanup hook) every
//    live handle is closed synchronously, without calling into JS.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "io/io.h"

namespace sockit::io {

namespace {

void OnPoll(uv_poll_t* h, int status, int events);
void OnIdle(uv_idle_t* h);
void OnHandleClosed(uv_handle_t* h);

void StartClose(IoState* s) {
  if (s->closing) return;
  s->closing = true;
  s->flooded = false;
  uv_poll_stop(&s->poll);
  uv_idle_stop(&s->idle);
  uv_close(reinterpret_cast<uv_handle_t*>(&s->idle), OnHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), OnHandleClosed);
}

void LeaveFlood(IoState* s) {
  s->flooded = false;
  uv_idle_stop(&s->idle);
}

// Only while the socket waits for nothing but data: a send queue waiting for POLLOUT keeps it polled.
void EnterFlood(IoState* s) {
  if (s->closing || s->flooded || !s->wantRead || s->wantWrite) return;
  s->flooded = true;
  uv_idle_start(&s->idle, OnIdle);
  ApplyMask(s);  // fails only for a descriptor closed behind our back: OnIdle's poll(2) then reports it
}

}  // namespace

int ApplyMask(IoState* s) {
  if (s->closing) return -EBADF;
  if (s->flooded && (!s->wantRead || s->wantWrite)) LeaveFlood(s);
  int mask = (s->wantRead ? UV_READABLE : 0) | (s->wantWrite ? UV_WRITABLE : 0);
  // POLLPRI never fires on a datagram socket; asking for it keeps the poll
  // active so POLLERR (always reported) is seen, as UV_PRIORITIZED (errqueue.cc).
  if (s->wantErrors) mask |= UV_PRIORITIZED;
  if (s->flooded) mask = 0;  // OnIdle reads it, and checks POLLERR itself
  if (mask == s->mask) return 0;
  // libuv aborts when epoll_ctl fails: never hand it a descriptor that was
  // closed (or replaced by a non-socket) behind the engine's back.
  struct stat st;
  if (::fstat(s->fd, &st) != 0) return -errno;
  if (!S_ISSOCK(st.st_mode)) return -ENOTSOCK;
  int r = mask ? uv_poll_start(&s->poll, mask, OnPoll) : uv_poll_stop(&s->poll);
  if (r == 0) s->mask = mask;
  return r;
}

// Call a JS callback with the owner as receiver. An exception thrown by JS
// becomes an uncaught exception, as for Node's own handles.
void Call(IoState* s, napi_ref fnRef, size_t argc, napi_value* argv) {
  napi_env env = s->env;
  napi_value fn, recv, result;
  if (napi_get_reference_value(env, fnRef, &fn) != napi_ok || fn == nullptr) return;
  if (napi_get_reference_value(env, s->owner, &recv) != napi_ok || recv == nullptr) return;
  napi_status st = napi_make_callback(env, s->async, recv, fn, argc, argv, &result);
  if (st == napi_pending_exception) {
    napi_value err;
    if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
  }
}

void Emit(IoState* s, int type, int err, int syscall) {
  napi_value argv[3];
  napi_create_int32(s->env, type, &argv[0]);
  napi_create_int32(s->env, -err, &argv[1]);
  napi_create_int32(s->env, syscall, &argv[2]);
  Call(s, s->onEvent, 3, argv);
}

void FailNoMemory(IoState* s) {
  // A failed V8 allocation may leave an exception pending: it is reported as ENOMEM instead.
  bool pending = false;
  if (napi_is_exception_pending(s->env, &pending) == napi_ok && pending) {
    napi_value ignored;
    napi_get_and_clear_last_exception(s->env, &ignored);
  }
  if (!s->closing) {
    s->wantRead = false;
    ApplyMask(s);
  }
  Emit(s, kEvError, ENOMEM, kSysAlloc);
}

namespace {

void OnPoll(uv_poll_t* h, int status, int events) {
  IoState* s = static_cast<IoState*>(h->data);
  if (s->closing || s->reg->exiting) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  if (status < 0) {
    HandlePollError(s);
    if (!s->closing && s->wantRead) DrainRead(s);
  } else {
    if ((events & UV_PRIORITIZED) && s->wantErrors) HandlePollError(s);
    bool full = (events & UV_READABLE) && s->wantRead && !s->closing && DrainRead(s);
    if ((events & UV_WRITABLE) && s->wantWrite && !s->closing) Emit(s, kEvWritable, 0, 0);
    if (full) EnterFlood(s);
  }
  napi_close_handle_scope(s->env, scope);
}

// Flood mode, once per loop iteration: what OnPoll would do, with readiness from poll(2) at timeout 0
// (which leaves no wait-queue entry behind); back to epoll once a drain ends short.
void OnIdle(uv_idle_t* h) {
  IoState* s = static_cast<IoState*>(h->data);
  if (s->closing || s->reg->exiting || !s->flooded) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  pollfd p = {s->fd, POLLIN, 0};
  int r = ::poll(&p, 1, 0);
  bool full = false;
  if (r > 0 && (p.revents & (POLLERR | POLLNVAL))) {
    // POLLNVAL: closed behind our back; HandlePollError reports it (EBADF) as for the poll.
    HandlePollError(s);
  }
  if (r > 0 && (p.revents & POLLIN) && !s->closing && s->wantRead) full = DrainRead(s);
  if (!full && s->flooded && !s->closing) {
    LeaveFlood(s);
    ApplyMask(s);
  }
  napi_close_handle_scope(s->env, scope);
}

// The blocking part of closing: no Node-API, may run on the threadpool.
void CloseDescriptor(IoState* s) {
  // No poll callback can run any more: the ring can go.
  if (s->ring) codec::RxRingUnmap(s->ring.get());
  // If the descriptor was closed behind our back and its number reused by a
  // non-socket, it is not ours any more: leave it alone.
  struct stat st;
  if (::fstat(s->fd, &st) == 0 && S_ISSOCK(st.st_mode)) ::close(s->fd);
  // Receive memory goes here too (megabytes: munmap), not on the loop; nothing reads it after uv_close.
  s->tail.reset();
  s->ctl.reset();
  std::vector<sockaddr_storage>().swap(s->names);
  std::vector<mmsghdr>().swap(s->msgs);
  std::vector<iovec>().swap(s->iovs);
}

void ReleaseRegistryIfDone(Registry* reg) {
  if (reg->exiting && reg->live.empty() && reg->pendingWork == 0) {
    napi_remove_async_cleanup_hook(reg->hook);
    delete reg;
  }
}

// The descriptor is closed: EV_CLOSE, then free everything.
void Finish(IoState* s) {
  Registry* reg = s->reg;
  reg->live.erase(s);
  if (!reg->exiting) {
    napi_env env = s->env;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) == napi_ok) {
      if (s->wrap) Emit(s, kEvClose, 0, 0);
      napi_close_handle_scope(env, scope);
    }
    if (s->wrap) {
      s->wrap->Detach();
      s->wrap->DropSelfRef();
    }
    napi_async_destroy(env, s->async);
    for (napi_ref r : {s->owner, s->onRecv, s->onEvent, s->metaRef, s->addrsRef, s->infosRef, s->poolRef, s->rightsRef})
      if (r) napi_delete_reference(env, r);
    delete s;
    return;
  }
  // Environment teardown: no JS, no Node-API (the env may already be gone).
  if (s->wrap) s->wrap->Detach();
  delete s;
  ReleaseRegistryIfDone(reg);
}

void OnEnvTeardown(napi_async_cleanup_hook_handle handle, void* arg) {
  auto* reg = static_cast<Registry*>(arg);
  reg->exiting = true;
  reg->hook = handle;
  std::vector<IoState*> all(reg->live.begin(), reg->live.end());
  for (IoState* s : all) {
    if (!s->closing) StartClose(s);
  }
  ReleaseRegistryIfDone(reg);
}

void OnHandleClosed(uv_handle_t* h) {
  IoState* s = static_cast<IoState*>(h->data);
  if (--s->openHandles > 0) return;
  if (!s->reg->exiting) {
    uv_loop_t* loop = s->poll.loop;
    s->closeWork.data = s;  // s stays in reg->live until Finish: teardown waits for this request too
    int r = uv_queue_work(
        loop, &s->closeWork, [](uv_work_t* w) { CloseDescriptor(static_cast<IoState*>(w->data)); },
        [](uv_work_t* w, int) { Finish(static_cast<IoState*>(w->data)); });
    if (r == 0) return;
  }
  CloseDescriptor(s);
  Finish(s);
}

}  // namespace

// ---------------------------------------------------------------------------

Napi::Function IoHandle::Init(Napi::Env env) {
  return DefineClass(env, "IoHandle",
                     {
                         InstanceMethod<&IoHandle::SetReceiving>("setReceiving"),
                         InstanceMethod<&IoHandle::SetWritable>("setWritable"),
                         InstanceMethod<&IoHandle::SetErrors>("setErrors"),
                         InstanceMethod<&IoHandle::SendBatch>("sendBatch"),
                         InstanceMethod<&IoHandle::Ref>("ref"),
                         InstanceMethod<&IoHandle::Unref>("unref"),
                         InstanceMethod<&IoHandle::HasRef>("hasRef"),
                         InstanceMethod<&IoHandle::Close>("close"),
                         InstanceMethod<&IoHandle::RingSkip>("ringSkip"),
                         InstanceMethod<&IoHandle::RingSkipAsync>("ringSkipAsync"),
                         InstanceAccessor<&IoHandle::GetFd>("fd"),
                         InstanceAccessor<&IoHandle::GetClosed>("closed"),
                         InstanceAccessor<&IoHandle::GetGatherOff>("gatherOff"),
                     });
}

// new IoHandle(fd, owner, onRecv, onEvent, { batchSize, messageSize, controlSize, ring })
IoHandle::IoHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IoHandle>(info) {
  try {
    Construct(info);
  } catch (const std::bad_alloc&) {
    ThrowNoMemory(info.Env(), "IoHandle");
  }
}

void IoHandle::Construct(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  if (info.Length() < 2 || !info[1].IsObject()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"owner\" argument must be an object");
  Napi::Function onRecv = ArgFunction(info, 2, "onRecv");
  Napi::Function onEvent = ArgFunction(info, 3, "onEvent");
  // Read every option first (a getter may run JS, e.g. unmap or adopt the
  // ring), then validate: nothing read earlier can change under us.
  Napi::Value rv = env.Undefined(), bv = env.Undefined(), mv = env.Undefined(), cv = env.Undefined(), xv = env.Undefined(), lv = env.Undefined(),
              ov = env.Undefined();
  if (info.Length() > 4 && info[4].IsObject()) {
    Napi::Object o = info[4].As<Napi::Object>();
    rv = o.Get("ring");
    bv = o.Get("batchSize");
    mv = o.Get("messageSize");
    cv = o.Get("controlSize");
    xv = o.Get("maxRights");
    lv = o.Get("accept");
    ov = o.Get("borrow");
  }
  uint32_t batch = bv.IsUndefined() ? 64 : static_cast<uint32_t>(ValueInteger(env, bv, "batchSize", 1, kMaxBatch));
  uint32_t msgSize = mv.IsUndefined() ? 65536 : static_cast<uint32_t>(ValueInteger(env, mv, "messageSize", 1, kMaxMessage));
  uint32_t ctlSize = cv.IsUndefined() ? 256 : static_cast<uint32_t>(ValueInteger(env, cv, "controlSize", 0, kMaxControl));
  uint32_t maxRights = xv.IsUndefined() ? 0 : static_cast<uint32_t>(ValueInteger(env, xv, "maxRights", 0, 253));
  bool accepting = lv.IsBoolean() && lv.As<Napi::Boolean>().Value();
  if (accepting && maxRights == 0) ThrowTypeError(env, "ERR_INVALID_ARG_VALUE", "options.accept needs options.maxRights >= 1");
  IoRing* ring = nullptr;
  if (!rv.IsUndefined() && !rv.IsNull()) {
    ring = IoRing::From(env, rv);
    if (ring == nullptr) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "options.ring must be an IoRing from ioRingSetup");
    if (ring->ring.map == nullptr) ThrowTypeError(env, "ERR_INVALID_STATE", "options.ring was unmapped or adopted already");
    if (ring->ring.fd != fd) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "options.ring belongs to another descriptor");
  }
  ctlSize = static_cast<uint32_t>(CMSG_ALIGN(ctlSize));
  auto* reg = static_cast<Registry*>(GetAddonData(env)->io);
  if (reg == nullptr || reg->exiting) ThrowTypeError(env, "ERR_INVALID_STATE", "the environment is shutting down");

  auto s = std::make_unique<IoState>();
  s->env = env;
  s->reg = reg;
  s->fd = fd;
  s->batch = batch;
  s->msgSize = msgSize;
  s->borrow = ov.IsBoolean() && ov.As<Napi::Boolean>().Value();
  s->ctlSize = ctlSize;
  if (ring != nullptr) {
    s->ring = std::make_unique<codec::RxRing>(ring->ring);
    s->rframes.resize(batch);
    s->rdone.resize(ring->ring.blockCount);
  }
  // Shared metadata arrays, created once.
  Napi::Uint32Array meta = Napi::Uint32Array::New(env, static_cast<size_t>(batch) * kMetaStride);
  Napi::Uint8Array addrs = Napi::Uint8Array::New(env, static_cast<size_t>(batch) * kAddrStride);
  Napi::Uint8Array infos = Napi::Uint8Array::New(env, static_cast<size_t>(batch) * kInfoStride);
  s->meta = meta.Data();
  s->addrs = addrs.Data();
  s->infos = infos.Data();
  Napi::Object self = info.This().As<Napi::Object>();
  self.DefineProperties({
      Napi::PropertyDescriptor::Value("meta", meta, napi_enumerable),
      Napi::PropertyDescriptor::Value("addresses", addrs, napi_enumerable),
      Napi::PropertyDescriptor::Value("control", infos, napi_enumerable),
      Napi::PropertyDescriptor::Value("batchSize", Napi::Number::New(env, batch), napi_enumerable),
      Napi::PropertyDescriptor::Value("messageSize", Napi::Number::New(env, msgSize), napi_enumerable),
      Napi::PropertyDescriptor::Value("controlSize", Napi::Number::New(env, ctlSize), napi_enumerable),
      Napi::PropertyDescriptor::Value("ring", Napi::Boolean::New(env, ring != nullptr), napi_enumerable),
  });
  InitRights(env, s.get(), self, maxRights);
  s->accepting = accepting;

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr)
    ThrowTypeError(env, "ERR_INVALID_STATE", "no event loop");
  reg->live.insert(s.get());  // may throw bad_alloc: nothing to undo yet
  int r = uv_poll_init_socket(loop, &s->poll, fd);
  if (r != 0) {
    reg->live.erase(s.get());
    Napi::Error e = Napi::Error::New(env, std::string("uv_poll_init: ") + uv_strerror(r));
    e.Set("code", Napi::String::New(env, uv_err_name(r)));
    e.Set("errno", Napi::Number::New(env, r));
    throw e;
  }
  s->poll.data = s.get();
  uv_idle_init(loop, &s->idle);  // cannot fail
  s->idle.data = s.get();
  s->openHandles = 2;
  // Nothing below throws: the poll handle is in the loop and only StartClose may free it.
  if (ring != nullptr) {
    // Adopt the mapping: from now on it is unmapped in the close path only.
    ring->ring.map = nullptr;
    ring->ring.mapLen = 0;
  }
  napi_create_reference(env, info[1], 1, &s->owner);
  napi_create_reference(env, onRecv, 1, &s->onRecv);
  napi_create_reference(env, onEvent, 1, &s->onEvent);
  napi_create_reference(env, meta, 1, &s->metaRef);
  napi_create_reference(env, addrs, 1, &s->addrsRef);
  napi_create_reference(env, infos, 1, &s->infosRef);
  napi_value name;
  napi_create_string_utf8(env, "sockit:io", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, self, name, &s->async);
  s->wrap = this;
  s_ = s.release();
  // Alive while open: the close path drops this reference.
  Napi::ObjectWrap<IoHandle>::Ref();
}

IoHandle::~IoHandle() {
  if (s_ == nullptr) return;
  s_->wrap = nullptr;
  if (!s_->closing) StartClose(s_);  // safety net (environment teardown)
}

Napi::Value IoHandle::SetReceiving(const Napi::CallbackInfo& info) {
  bool on = ArgBool(info, 0, "on");
  IoState* s = Open();
  if (!s) return Errno(info.Env(), EBADF);
  if (on && !s->ring) {
    int a = AllocRecvBuffers(s);
    if (a < 0) return Errno(info.Env(), -a);
  }
  s->wantRead = on;
  int r = ApplyMask(s);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value IoHandle::SetWritable(const Napi::CallbackInfo& info) {
  bool on = ArgBool(info, 0, "on");
  IoState* s = Open();
  if (!s) return Errno(info.Env(), EBADF);
  s->wantWrite = on;
  int r = ApplyMask(s);
  if (r < 0) return Errno(info.Env(), -r);
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value IoHandle::Ref(const Napi::CallbackInfo& info) {
  if (Open()) {
    uv_ref(reinterpret_cast<uv_handle_t*>(&s_->poll));
    uv_ref(reinterpret_cast<uv_handle_t*>(&s_->idle));
  }
  return info.Env().Undefined();
}
Napi::Value IoHandle::Unref(const Napi::CallbackInfo& info) {
  if (Open()) {
    uv_unref(reinterpret_cast<uv_handle_t*>(&s_->poll));
    uv_unref(reinterpret_cast<uv_handle_t*>(&s_->idle));
  }
  return info.Env().Undefined();
}
Napi::Value IoHandle::HasRef(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Open() && uv_has_ref(reinterpret_cast<uv_handle_t*>(&s_->poll)));
}

// close(): stop polling; the fd is closed off the loop thread, then
// onEvent(CLOSE) runs. Returns 0, or -EBADF if already closing.
Napi::Value IoHandle::Close(const Napi::CallbackInfo& info) {
  if (!Open()) return Errno(info.Env(), EBADF);
  StartClose(s_);
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value IoHandle::GetFd(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Open() ? s_->fd : -1);
}
Napi::Value IoHandle::GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !Open()); }
Napi::Value IoHandle::GetGatherOff(const Napi::CallbackInfo& info) {
  IoState* s = Open();
  return Napi::Boolean::New(info.Env(), s != nullptr && s->gatherOff);
}

}  // namespace sockit::io

namespace sockit {

void RegisterIo(Napi::Env env, Napi::Object exports) {
  auto* reg = new io::Registry();
  GetAddonData(env)->io = reg;
  napi_add_async_cleanup_hook(env, io::OnEnvTeardown, reg, nullptr);
  // Start libuv's threadpool now: it is created on first use, and libuv
  // aborts when it cannot create its threads, which would otherwise happen at
  // the first close after memory ran out (closes run on the pool).
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) == napi_ok && loop != nullptr) {
    auto* warm = new (std::nothrow) uv_work_t();
    if (warm) {
      warm->data = reg;
      reg->pendingWork++;
      auto done = [](uv_work_t* w, int) {
        auto* r = static_cast<io::Registry*>(w->data);
        delete w;
        r->pendingWork--;
        io::ReleaseRegistryIfDone(r);
      };
      if (uv_queue_work(loop, warm, [](uv_work_t*) {}, done) != 0) {
        reg->pendingWork--;
        delete warm;
      }
    }
  }
  exports.Set("IoHandle", io::IoHandle::Init(env));
  Napi::Function ringCtor = io::IoRing::Init(env);
  napi_create_reference(env, ringCtor, 1, &reg->ringCtor);
  exports.Set("ioRingSetup", Napi::Function::New(env, io::RingSetup, "ioRingSetup"));
  exports.Set("ioEncodeAddress", Napi::Function::New(env, io::EncodeAddress, "ioEncodeAddress"));
  exports.Set("ioEncodeControl", Napi::Function::New(env, io::EncodeControl, "ioEncodeControl"));
  exports.Set("ioDecodeControl", Napi::Function::New(env, io::DecodeControlJs, "ioDecodeControl"));
  exports.Set("sendmsgFd", Napi::Function::New(env, io::SendMsgFd, "sendmsgFd"));
  exports.Set("ioEncodeUnixControl", Napi::Function::New(env, io::EncodeUnixControlJs, "ioEncodeUnixControl"));
  exports.Set("socketpair", Napi::Function::New(env, io::SocketPairJs, "socketpair"));
  exports.Set("unixAutobind", Napi::Function::New(env, io::UnixAutobindJs, "unixAutobind"));
}

}  // namespace sockit
