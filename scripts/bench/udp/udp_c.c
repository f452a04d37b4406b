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
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
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

// FRESH's area: the most pool memory sockit recycles (32 pools of 2 MiB, native/io/pool.cc).
#define FRESH_AREA ((size_t)64 << 20)

static int do_recv(int port, double seconds, double warmup, int batch, int rcvbuf, int fresh, int work) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return perror("socket"), 1;
  struct sockaddr_in sin = {0};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
  if (bind(fd, (struct sockaddr*)&sin, sizeof(sin)) != 0) return perror("bind"), 1;
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
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
    area = aligned_alloc(4096, FRESH_AREA);
    if (!area) return perror("aligned_alloc"), 1;
    memset(area, 0, FRESH_AREA);  // faulted in before the clock starts, as sockit's recycled pools are
    for (int i = 0; i < batch; i++) iov[i].iov_len = fresh;
  }
  printf("ready\n");
  fflush(stdout);
  double first = 0, start = 0, end = 0, c0 = 0;
  long long count = 0;
  // The receive model of sockit's engine (and of any event loop): wait for
  // readiness, then drain with non-blocking recvmmsg until EAGAIN. (A blocking
  // MSG_WAITFORONE receiver that catches up costs the sender a wakeup per
  // datagram and measured 1.0-2.2 M/s in alternate runs.)
  struct pollfd pfd = {fd, POLLIN, 0};
  for (;;) {
    if (area) {
      if (at + (size_t)batch * fresh > FRESH_AREA) at = 0;
      for (int i = 0; i < batch; i++) iov[i].iov_base = area + at + (size_t)i * fresh;
    }
    for (int i = 0; i < batch; i++) msgs[i].msg_hdr.msg_namelen = sizeof(names[i]);
    int r = recvmmsg(fd, msgs, batch, MSG_DONTWAIT, NULL);
    if (r < 0 && errno == EAGAIN) {
      poll(&pfd, 1, 100);
      if (first != 0 && now() >= end) break;
      r = recvmmsg(fd, msgs, batch, MSG_DONTWAIT, NULL);
    }
    if (area && r > 0) at += (size_t)r * fresh;
    if (work > 0 && r > 0) {
      double until = now() + r * (work * 1e-9);
      while (now() < until) {
      }
    }
    double t = now();
    if (r > 0 && first == 0) {
      first = t;
      start = first + warmup;
      end = start + seconds;
    }
    if (first != 0 && t >= end) break;
    if (r > 0 && first != 0 && t >= start) {
      if (c0 == 0) c0 = cpu();
      count += r;
    }
    if (r <= 0 && first != 0 && t >= end) break;
  }
  printf("%lld %.6f %.6f\n", count, seconds, cpu() - c0);
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 7 && strcmp(argv[1], "send") == 0)
    return do_send(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]), atoi(argv[6]), argc >= 8 ? atoi(argv[7]) : 1, argc >= 9 ? argv[8] : NULL);
  if (argc >= 7 && strcmp(argv[1], "pace") == 0 && atoi(argv[4]) > 0 && atof(argv[6]) > 0)
    return do_pace(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]), atof(argv[6]));
  if (argc >= 6 && strcmp(argv[1], "recv") == 0)
    return do_recv(atoi(argv[2]), atof(argv[3]), atof(argv[4]), atoi(argv[5]), argc >= 7 ? atoi(argv[6]) : 0, argc >= 8 ? atoi(argv[7]) : 0, argc >= 9 ? atoi(argv[8]) : 0);
  fprintf(stderr, "usage: udp_c send ADDR PORT SIZE SECONDS BATCH [GSO [BIND]] | pace ADDR PORT SIZE SECONDS RATE | recv PORT SECONDS WARMUP BATCH [RCVBUF [FRESH [WORK]]]\n");
  return 2;
}
