// Baseline for scripts/bench/unix: AF_UNIX SOCK_DGRAM with the system calls
// sockit's engine makes (non-blocking sendmmsg / recvmmsg, poll on EAGAIN),
// compiled on the fly with `cc -O2`.
//
//   unix_c send  PATH SIZE SECONDS BATCH         connect(PATH), sendmmsg(BATCH) until SECONDS pass,
//                                                poll(POLLOUT) on EAGAIN → "messages wall-seconds cpu-seconds"
//   unix_c recv  PATH SECONDS WARMUP BATCH       bind(PATH), poll + recvmmsg(BATCH, MSG_DONTWAIT) until EAGAIN;
//                                                counts SECONDS after WARMUP seconds of traffic → same line
//   unix_c drain PATH BATCH                      bind(PATH), receive and discard until killed (prints "ready")
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
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

static socklen_t addr(const char* path, struct sockaddr_un* sun) {
  memset(sun, 0, sizeof(*sun));
  sun->sun_family = AF_UNIX;
  strncpy(sun->sun_path, path, sizeof(sun->sun_path) - 1);
  return sizeof(*sun);
}

static int do_send(const char* path, int size, double seconds, int batch) {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  struct sockaddr_un sun;
  socklen_t len = addr(path, &sun);
  if (connect(fd, (struct sockaddr*)&sun, len) != 0) return perror("connect"), 1;
  char* buf = calloc(1, size);
  struct mmsghdr* msgs = calloc(batch, sizeof(*msgs));
  struct iovec* iov = calloc(batch, sizeof(*iov));
  for (int i = 0; i < batch; i++) {
    iov[i].iov_base = buf;
    iov[i].iov_len = size;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  struct pollfd pfd = {fd, POLLOUT, 0};
  long long sent = 0;
  double t0 = now(), end = t0 + seconds, c0 = cpu();
  while (now() < end) {
    int r = sendmmsg(fd, msgs, batch, MSG_DONTWAIT);
    if (r > 0) sent += r;
    else if (r < 0 && errno == EAGAIN) poll(&pfd, 1, 100);
    else if (r < 0 && (errno == ECONNREFUSED || errno == ENOTCONN)) break;  // the receiver finished first
    else if (r < 0 && errno != EINTR) return perror("sendmmsg"), 1;
  }
  printf("%lld %.6f %.6f\n", sent, now() - t0, cpu() - c0);
  return 0;
}

static int bound(const char* path) {
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un sun;
  socklen_t len = addr(path, &sun);
  unlink(path);
  if (bind(fd, (struct sockaddr*)&sun, len) != 0) return perror("bind"), -1;
  return fd;
}

static int do_recv(const char* path, double seconds, double warmup, int batch, int drain) {
  int fd = bound(path);
  if (fd < 0) return 1;
  const int size = 2048;
  char* buf = calloc(batch, size);
  struct mmsghdr* msgs = calloc(batch, sizeof(*msgs));
  struct iovec* iov = calloc(batch, sizeof(*iov));
  struct sockaddr_un* names = calloc(batch, sizeof(*names));
  for (int i = 0; i < batch; i++) {
    iov[i].iov_base = buf + (size_t)i * size;
    iov[i].iov_len = size;
    msgs[i].msg_hdr.msg_name = &names[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  printf("ready\n");
  fflush(stdout);
  struct pollfd pfd = {fd, POLLIN, 0};
  double first = 0, start = 0, end = 0, c0 = 0;
  long long count = 0;
  for (;;) {
    for (int i = 0; i < batch; i++) msgs[i].msg_hdr.msg_namelen = sizeof(names[i]);
    int r = recvmmsg(fd, msgs, batch, MSG_DONTWAIT, NULL);
    if (r < 0 && errno == EAGAIN) {
      poll(&pfd, 1, 100);
      if (!drain && first != 0 && now() >= end) break;
      continue;
    }
    if (drain) continue;
    double t = now();
    if (r > 0 && first == 0) {
      first = t;
      start = first + warmup;
      end = start + seconds;
    }
    if (first != 0 && t >= end) break;
    if (first != 0 && t >= start) {
      if (c0 == 0) c0 = cpu();
      if (r > 0) count += r;
    }
  }
  printf("%lld %.6f %.6f\n", count, seconds, cpu() - c0);
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 6 && strcmp(argv[1], "send") == 0) return do_send(argv[2], atoi(argv[3]), atof(argv[4]), atoi(argv[5]));
  if (argc >= 6 && strcmp(argv[1], "recv") == 0) return do_recv(argv[2], atof(argv[3]), atof(argv[4]), atoi(argv[5]), 0);
  if (argc >= 4 && strcmp(argv[1], "drain") == 0) return do_recv(argv[2], 0, 0, atoi(argv[3]), 1);
  fprintf(stderr, "usage: unix_c send PATH SIZE SECONDS BATCH | recv PATH SECONDS WARMUP BATCH | drain PATH BATCH\n");
  return 2;
}
