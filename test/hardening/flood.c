/* UDP flooder for test/hardening/flood.test.ts: sends `size`-byte datagrams
 * to 127.0.0.1:port with sendmmsg batches as fast as it can for `seconds`,
 * then one last datagram after a pause (so the receiver's SO_RXQ_OVFL count is
 * current), and prints how many the kernel accepted: {"sent":N}. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  int port = atoi(argv[1]);
  double seconds = atof(argv[2]);
  size_t size = (size_t)atoi(argv[3]);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return perror("socket"), 1;
  struct sockaddr_in sin = {0};
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr*)&sin, sizeof(sin)) != 0) return perror("connect"), 1;
  enum { B = 64 };
  static char buf[B][2048];
  struct mmsghdr msgs[B];
  struct iovec iov[B];
  memset(msgs, 0, sizeof(msgs));
  for (int i = 0; i < B; i++) {
    memset(buf[i], 'f', sizeof(buf[i]));
    iov[i].iov_base = buf[i];
    iov[i].iov_len = size;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  unsigned long long sent = 0, failed = 0;
  double end = now() + seconds;
  while (now() < end) {
    for (int k = 0; k < 16; k++) {
      int n = sendmmsg(fd, msgs, B, 0);
      if (n > 0) sent += (unsigned)n;
      else if (n < 0 && errno != EINTR) failed++;
    }
  }
  usleep(200000);
  if (send(fd, buf[0], size, 0) == (ssize_t)size) sent++;
  printf("{\"sent\":%llu,\"failed\":%llu}\n", sent, failed);
  return 0;
}
