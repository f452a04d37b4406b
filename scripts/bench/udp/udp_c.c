// Baseline for scripts/bench/udp: a small UDP sender/receiver in C using
// sendmmsg/recvmmsg, compiled on the fly with `cc -O2`.
//
//   udp_c send  ADDR PORT SIZE SECONDS BATCH [GSO [BIND]] → prints "datagrams wall-seconds cpu-seconds"
//         BIND: bind the sender to this address (port 0) first, as the Node senders it is compared
//         with are (a bound source costs the kernel a local-address check per datagram).
//         GSO > 1: each message carries GSO datagrams of SIZE bytes (UDP_SEGMENT); the
//         kernel cuts them apart, so the receiver still gets datagrams of SIZE bytes.
//         This is the flooding sender of the receive benchmarks: over loopback the
//         kernel's receive path runs on the sender's CPU, so a plain sendmmsg sender
//         saturates its own CPU long before a recvmmsg receiver saturates its.
//   udp_c pace  ADDR PORT SIZE SECONDS RATE → the same datagrams at RATE per second (GSO messages,
//         sleeping between them), for receivers compared at the same load rather than each at
//         its own saturation; prints "datagrams wall-seconds cpu-seconds"
//   udp_c recv  PORT SECONDS WARMUP BATCH [RCVBUF [FRESH [WORK]]] → binds 127.0.0.1:PORT, prints
//                                               "datagrams seconds cpu-seconds" received
//                                               during SECONDS after WARMUP seconds of traffic
//         FRESH > 0: each batch lands after the last in a 64 MiB area, FRESH bytes per datagram,
//         instead of in one buffer reused for every batch: the memory pattern of a receiver that
//         hands out buffers living until a GC (sockit's receive pools), not a cache-warm buffer.
//         WORK > 0: after each batch, spin WORK ns per datagram received: a receiver with that much
//         user-space work per datagram (docs/udp.md, "What a flooded receiver's ratio measures").
//   udp_c recv-uring PORT SECONDS WARMUP BUFFERS [RCVBUF [FRESH]] → the same receiver and output with
//         io_uring instead of recvmmsg: one multishot IORING_OP_RECVMSG over a ring of BUFFERS provided
//         buffers (IORING_SETUP_DEFER_TASKRUN, so the kernel copies only inside our io_uring_enter,
//         which waits up to 100 ms like the poll above). FRESH = 0: 2 KiB buffers handed back at
//         once, as the recvmmsg receiver reuses its buffer. FRESH > 0: 64 KiB buffers (any datagram
//         fits, as a general receiver needs) and each payload copied into the 64 MiB area at FRESH
//         bytes per datagram: what a receiver that hands out payloads living until a GC would do.
//         Exits 3 with "unavailable: ..." on stderr where io_uring is missing or refused.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/** A UDP socket and its destination ADDR:PORT; -1 when socket(2) fails. */
static int open_sender(const char* addr, int port, struct sockaddr_in* sin) {
  memset(sin, 0, sizeof(*sin));
  sin->sin_family = AF_INET;
  sin->sin_port = htons(port);
  inet_pton(AF_INET, addr, &sin->sin_addr);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) perror("socket");
  return fd;
}

static int do_send(const char* addr, int port, int size, double seconds, int batch, int gso, const char* bindAddr) {
  struct sockaddr_in sin;
  int fd = open_sender(addr, port, &sin);
  if (fd < 0) return 1;
  if (bindAddr) {
    struct sockaddr_in local = {0};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, bindAddr, &local.sin_addr);
    if (bind(fd, (struct sockaddr*)&local, sizeof(local)) != 0) return perror("bind"), 1;
  }
  if (gso < 1) gso = 1;
  if (gso > 1 && setsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, sizeof(size)) != 0) return perror("UDP_SEGMENT"), 1;
  char* buf = calloc(gso, size);
  struct mmsghdr* msgs = calloc(batch, sizeof(*msgs));
  struct iovec* iov = calloc(batch, sizeof(*iov));
  for (int i = 0; i < batch; i++) {
    iov[i].iov_base = buf;
    iov[i].iov_len = (size_t)size * gso;
    msgs[i].msg_hdr.msg_name = &sin;
    msgs[i].msg_hdr.msg_namelen = sizeof(sin);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  long long sent = 0;
  double t0 = now(), end = t0 + seconds, c0 = cpu();
  while (now() < end) {
    int r = sendmmsg(fd, msgs, batch, 0);
    if (r > 0) sent += (long long)r * gso;
  }
  printf("%lld %.6f %.6f\n", sent, now() - t0, cpu() - c0);
  return 0;
}

static int do_pace(const char* addr, int port, int size, double seconds, double rate) {
  struct sockaddr_in sin;
  int fd = open_sender(addr, port, &sin);
  if (fd < 0) return 1;
  int gso = 65507 / size;
  if (gso > 64) gso = 64;
  if (gso > 1 && setsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, sizeof(size)) != 0) return perror("UDP_SEGMENT"), 1;
  char* buf = calloc(gso, size);
  long long sent = 0;
  double t0 = now(), end = t0 + seconds, c0 = cpu();
  for (double t = t0; t < end; t = now()) {
    double due = t0 + sent / rate;
    if (t < due) {
      double d = due - t;
      struct timespec ts = {(time_t)d, (long)((d - (time_t)d) * 1e9)};
      nanosleep(&ts, NULL);
    }
    if (sendto(fd, buf, (size_t)size * gso, 0, (struct sockaddr*)&sin, sizeof(sin)) > 0) sent += gso;
  }
  printf("%lld %.6f %.6f\n", sent, now() - t0, cpu() - c0);
  return 0;
}

// FRESH's area: by default the most pool memory sockit recycles (32 pools of 2 MiB, native/io/pool.cc);
// recv's AREA_KB sets it, to see how far written memory may travel before reuse and stay in cache.
static size_t fresh_area_size = (size_t)64 << 20;

/** FRESH's area, faulted in before the clock starts, as sockit's recycled pools are; NULL on failure. */
static char* fresh_area(void) {
  char* area = aligned_alloc(4096, fresh_area_size);
  if (!area) return perror("aligned_alloc"), NULL;
  memset(area, 0, fresh_area_size);
  return area;
}

/** A UDP socket bound to 127.0.0.1:PORT with RCVBUF (SO_RCVBUFFORCE, when > 0); -1 on failure. */
static int open_receiver(int port, int rcvbuf) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return perror("socket"), -1;
  struct sockaddr_in sin = {0};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
  if (bind(fd, (struct sockaddr*)&sin, sizeof(sin)) != 0) return perror("bind"), close(fd), -1;
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
  return fd;
}

/** A receiver's measured window: WARMUP seconds after the first datagram, then SECONDS. */
struct window {
  double seconds, warmup, first, start, end, c0;
  long long count;
};

/** Count `got` datagrams received just now; true once the window is over. */
static int window_add(struct window* w, int got) {
  double t = now();
  if (got > 0 && w->first == 0) {
    w->first = t;
    w->start = t + w->warmup;
    w->end = w->start + w->seconds;
  }
  if (w->first != 0 && t >= w->end) return 1;
  if (got > 0 && w->first != 0 && t >= w->start) {
    if (w->c0 == 0) w->c0 = cpu();
    w->count += got;
  }
  return 0;
}

static void window_print(const struct window* w) { printf("%lld %.6f %.6f\n", w->count, w->seconds, cpu() - w->c0); }

static int do_recv(int port, double seconds, double warmup, int batch, int rcvbuf, int fresh, int work) {
  int fd = open_receiver(port, rcvbuf);
  if (fd < 0) return 1;
  struct timeval tv = {0, 100000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const int size = 2048;
  char* buf = calloc(batch, size);
  struct mmsghdr* msgs = calloc(batch, sizeof(*msgs));
  struct iovec* iov = calloc(batch, sizeof(*iov));
  struct sockaddr_in* names = calloc(batch, sizeof(*names));
  for (int i = 0; i < batch; i++) {
    iov[i].iov_base = buf + (size_t)i * size;
    iov[i].iov_len = size;
    msgs[i].msg_hdr.msg_name = &names[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  char* area = NULL;
  size_t at = 0;
  if (fresh > 0) {
    if (fresh_area_size < (size_t)batch * fresh) return fprintf(stderr, "AREA_KB is smaller than one batch\n"), 1;
    if (!(area = fresh_area())) return 1;
    for (int i = 0; i < batch; i++) iov[i].iov_len = fresh;
  }
  printf("ready\n");
  fflush(stdout);
  struct window w = {seconds, warmup, 0, 0, 0, 0, 0};
  // The receive model of sockit's engine (and of any event loop): wait for
  // readiness, then drain with non-blocking recvmmsg until EAGAIN. (A blocking
  // MSG_WAITFORONE receiver that catches up costs the sender a wakeup per
  // datagram and measured 1.0-2.2 M/s in alternate runs.)
  struct pollfd pfd = {fd, POLLIN, 0};
  for (;;) {
    if (area) {
      if (at + (size_t)batch * fresh > fresh_area_size) at = 0;
      for (int i = 0; i < batch; i++) iov[i].iov_base = area + at + (size_t)i * fresh;
    }
    for (int i = 0; i < batch; i++) msgs[i].msg_hdr.msg_namelen = sizeof(names[i]);
    int r = recvmmsg(fd, msgs, batch, MSG_DONTWAIT, NULL);
    if (r < 0 && errno == EAGAIN) {
      poll(&pfd, 1, 100);
      if (w.first != 0 && now() >= w.end) break;
      r = recvmmsg(fd, msgs, batch, MSG_DONTWAIT, NULL);
    }
    if (area && r > 0) at += (size_t)r * fresh;
    if (work > 0 && r > 0) {
      double until = now() + r * (work * 1e-9);
      while (now() < until) {
      }
    }
    if (window_add(&w, r)) break;
  }
  window_print(&w);
  return 0;
}

// The recv-uring receiver (see the top of the file). Raw system calls: no liburing needed.
static int do_recv_uring(int port, double seconds, double warmup, unsigned nbufs, int rcvbuf, int fresh) {
  if (nbufs < 8 || nbufs > 32768 || (nbufs & (nbufs - 1))) return fprintf(stderr, "BUFFERS: a power of two, 8..32768\n"), 2;
  int fd = open_receiver(port, rcvbuf);
  if (fd < 0) return 1;
  struct io_uring_params p;
  memset(&p, 0, sizeof(p));
  p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  p.cq_entries = 2 * nbufs;
  int rfd = (int)syscall(__NR_io_uring_setup, 8, &p);
  if (rfd < 0) return fprintf(stderr, "unavailable: io_uring_setup: %s\n", strerror(errno)), 3;
  if (!(p.features & IORING_FEAT_SINGLE_MMAP)) return fprintf(stderr, "unavailable: no IORING_FEAT_SINGLE_MMAP\n"), 3;
  size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  uint8_t* rings = mmap(NULL, sqsz > cqsz ? sqsz : cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, rfd, IORING_OFF_SQ_RING);
  struct io_uring_sqe* sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, rfd, IORING_OFF_SQES);
  if (rings == MAP_FAILED || sqes == MAP_FAILED) return perror("mmap"), 1;
  _Atomic unsigned* sqTail = (_Atomic unsigned*)(rings + p.sq_off.tail);
  unsigned sqMask = *(unsigned*)(rings + p.sq_off.ring_mask);
  unsigned* sqArray = (unsigned*)(rings + p.sq_off.array);
  _Atomic unsigned* cqHead = (_Atomic unsigned*)(rings + p.cq_off.head);
  _Atomic unsigned* cqTail = (_Atomic unsigned*)(rings + p.cq_off.tail);
  unsigned cqMask = *(unsigned*)(rings + p.cq_off.ring_mask);
  struct io_uring_cqe* cqes = (struct io_uring_cqe*)(rings + p.cq_off.cqes);
  // The provided buffers and the ring that hands them to the kernel (buffer group 1).
  const size_t bufsz = fresh > 0 ? 65536 : 2048;
  uint8_t* bufs = aligned_alloc(4096, nbufs * bufsz);
  struct io_uring_buf_ring* br = mmap(NULL, nbufs * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (!bufs || br == MAP_FAILED) return perror("alloc"), 1;
  memset(bufs, 0, nbufs * bufsz);
  struct io_uring_buf_reg reg = {0};
  reg.ring_addr = (uint64_t)(uintptr_t)br;
  reg.ring_entries = nbufs;
  reg.bgid = 1;
  if (syscall(__NR_io_uring_register, rfd, IORING_REGISTER_PBUF_RING, &reg, 1) != 0)
    return fprintf(stderr, "unavailable: IORING_REGISTER_PBUF_RING: %s\n", strerror(errno)), 3;
  unsigned short bufTail = 0;
  for (unsigned i = 0; i < nbufs; i++, bufTail++) {
    struct io_uring_buf* b = &br->bufs[bufTail & (nbufs - 1)];
    b->addr = (uint64_t)(uintptr_t)(bufs + i * bufsz);
    b->len = (uint32_t)bufsz;
    b->bid = (uint16_t)i;
  }
  atomic_store_explicit((_Atomic unsigned short*)&br->tail, bufTail, memory_order_release);
  char* area = NULL;
  size_t at = 0;
  if (fresh > 0 && !(area = fresh_area())) return 1;
  struct msghdr tmpl = {0};  // the multishot template: room for the source address, no control data
  tmpl.msg_namelen = sizeof(struct sockaddr_in);
  unsigned toSubmit = 0;
  struct __kernel_timespec wait = {0, 100000000};
  struct io_uring_getevents_arg arg = {0};
  arg.ts = (uint64_t)(uintptr_t)&wait;
  printf("ready\n");
  fflush(stdout);
  struct window w = {seconds, warmup, 0, 0, 0, 0, 0};
  int armed = 0;
  for (;;) {
    if (!armed) {  // (re)arm the multishot receive: after ENOBUFS or an error it ends
      unsigned t = atomic_load_explicit(sqTail, memory_order_relaxed);
      struct io_uring_sqe* e = &sqes[t & sqMask];
      memset(e, 0, sizeof(*e));
      e->opcode = IORING_OP_RECVMSG;
      e->fd = fd;
      e->addr = (uint64_t)(uintptr_t)&tmpl;
      e->len = 1;
      e->flags = IOSQE_BUFFER_SELECT;
      e->buf_group = 1;
      e->ioprio = IORING_RECV_MULTISHOT;
      e->msg_flags = MSG_TRUNC;
      sqArray[t & sqMask] = t & sqMask;
      atomic_store_explicit(sqTail, t + 1, memory_order_release);
      toSubmit++;
      armed = 1;
    }
    int r = (int)syscall(__NR_io_uring_enter, rfd, toSubmit, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));
    if (r >= 0) toSubmit = 0;
    else if (errno != ETIME && errno != EINTR && errno != EBUSY) return perror("io_uring_enter"), 1;
    unsigned h = atomic_load_explicit(cqHead, memory_order_relaxed);
    unsigned t = atomic_load_explicit(cqTail, memory_order_acquire);
    int got = 0;
    for (; h != t; h++) {
      struct io_uring_cqe* c = &cqes[h & cqMask];
      if (!(c->flags & IORING_CQE_F_MORE)) armed = 0;
      if (!(c->flags & IORING_CQE_F_BUFFER)) continue;
      unsigned bid = c->flags >> IORING_CQE_BUFFER_SHIFT;
      if (c->res >= 0) {
        got++;
        if (area) {
          struct io_uring_recvmsg_out* o = (struct io_uring_recvmsg_out*)(bufs + bid * bufsz);
          size_t len = o->payloadlen < bufsz ? o->payloadlen : bufsz;
          if (at + (size_t)fresh > fresh_area_size) at = 0;
          memcpy(area + at, (uint8_t*)(o + 1) + o->namelen + o->controllen, len < (size_t)fresh ? len : (size_t)fresh);
          at += (size_t)fresh;
        }
      }
      struct io_uring_buf* b = &br->bufs[bufTail & (nbufs - 1)];  // hand the buffer back at once
      b->addr = (uint64_t)(uintptr_t)(bufs + bid * bufsz);
      b->len = (uint32_t)bufsz;
      b->bid = (uint16_t)bid;
      bufTail++;
    }
    atomic_store_explicit(cqHead, h, memory_order_release);
    atomic_store_explicit((_Atomic unsigned short*)&br->tail, bufTail, memory_order_release);
    if (window_add(&w, got)) break;
  }
  window_print(&w);
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 7 && strcmp(argv[1], "send") == 0)
    return do_send(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]), atoi(argv[6]), argc >= 8 ? atoi(argv[7]) : 1, argc >= 9 ? argv[8] : NULL);
  if (argc >= 7 && strcmp(argv[1], "pace") == 0 && atoi(argv[4]) > 0 && atof(argv[6]) > 0)
    return do_pace(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]), atof(argv[6]));
  if (argc >= 6 && strcmp(argv[1], "recv") == 0) {
    if (argc >= 10 && atoi(argv[9]) > 0) fresh_area_size = (size_t)atoi(argv[9]) << 10;
    return do_recv(atoi(argv[2]), atof(argv[3]), atof(argv[4]), atoi(argv[5]), argc >= 7 ? atoi(argv[6]) : 0, argc >= 8 ? atoi(argv[7]) : 0, argc >= 9 ? atoi(argv[8]) : 0);
  }
  if (argc >= 6 && strcmp(argv[1], "recv-uring") == 0)
    return do_recv_uring(atoi(argv[2]), atof(argv[3]), atof(argv[4]), (unsigned)atoi(argv[5]), argc >= 7 ? atoi(argv[6]) : 0, argc >= 8 ? atoi(argv[7]) : 0);
  fprintf(stderr, "usage: udp_c send ADDR PORT SIZE SECONDS BATCH [GSO [BIND]] | pace ADDR PORT SIZE SECONDS RATE | recv PORT SECONDS WARMUP BATCH [RCVBUF [FRESH [WORK [AREA_KB]]]] | recv-uring PORT SECONDS WARMUP BUFFERS [RCVBUF [FRESH]]\n");
  return 2;
}
