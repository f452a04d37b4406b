// Baseline for scripts/bench/frames: AF_PACKET with sendmmsg / recvmmsg.
//   bench send  IFACE SIZE SECONDS BATCH   -> prints "frames/s frames-per-CPU-second" sent
//   bench recv  IFACE SECONDS BATCH         -> prints the same for received frames (clocks start at the first frame)
//   bench recv-info IFACE SECONDS BATCH     -> the same, asking the kernel for what PacketSocket asks for: each
//                                              frame's sockaddr_ll, PACKET_AUXDATA and SO_TIMESTAMPNS (cmsgs read)
//   bench flood IFACE SIZE                  -> sends until killed
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETHERTYPE 0x88b5
#define MAXB 1024

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// CPU time of this process (user + system): frames per CPU-second do not
// depend on how much of the machine other jobs take.
static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_bound(const char* ifname) {
  int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) { perror("socket"); exit(1); }
  int big = 64 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
  struct sockaddr_ll sll = {0};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETHERTYPE);
  sll.sll_ifindex = if_nametoindex(ifname);
  if (bind(fd, (struct sockaddr*)&sll, sizeof(sll)) != 0) { perror("bind"); exit(1); }
  return fd;
}

int main(int argc, char** argv) {
  if (argc < 3) { fprintf(stderr, "usage: see source\n"); return 2; }
  const char* mode = argv[1];
  int fd = open_bound(argv[2]);
  if (!strcmp(mode, "send") || !strcmp(mode, "flood")) {
    int size = atoi(argv[3]);
    double secs = !strcmp(mode, "send") ? atof(argv[4]) : 1e9;
    int batch = !strcmp(mode, "send") ? atoi(argv[5]) : 256;
    if (batch < 1 || batch > MAXB) batch = 256;
    static unsigned char frame[2048];
    memset(frame, 0xff, 6);
    memset(frame + 6, 0x02, 6);
    frame[12] = ETHERTYPE >> 8;
    frame[13] = ETHERTYPE & 0xff;
    static struct mmsghdr msgs[MAXB];
    static struct iovec iov[MAXB];
    for (int i = 0; i < batch; i++) {
      iov[i].iov_base = frame;
      iov[i].iov_len = size;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    long sent = 0;
    double t0 = now(), t = t0, c0 = cpu();
    while (t - t0 < secs) {
      int n = batch == 1 ? (send(fd, frame, size, 0) >= 0 ? 1 : -1) : sendmmsg(fd, msgs, batch, 0);
      if (n > 0) sent += n;
      if ((sent & 0xfff) < (unsigned)batch) t = now();
    }
    t = now();
    printf("%.0f %.0f\n", sent / (t - t0), sent / (cpu() - c0));
    return 0;
  }
  if (!strcmp(mode, "recv") || !strcmp(mode, "recv-info")) {
    double secs = atof(argv[3]);
    int batch = argc > 4 ? atoi(argv[4]) : 64;
    if (batch < 1 || batch > MAXB) batch = 64;
    const int info = !strcmp(mode, "recv-info");
    static unsigned char buf[MAXB][2048];
    static struct mmsghdr msgs[MAXB];
    static struct iovec iov[MAXB];
    static struct sockaddr_ll names[MAXB];
    static unsigned char ctl[MAXB][128];
    if (info) {
      int one = 1;
      setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
      setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    }
    for (int i = 0; i < batch; i++) {
      iov[i].iov_base = buf[i];
      iov[i].iov_len = sizeof(buf[i]);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    unsigned long seen = 0;  // read from every frame's address and control messages, printed to stderr
    long got = 0;
    double t0 = 0, t = 0, c0 = 0;
    // The receive model of sockit's engine (and of any event loop): wait for
    // readiness, then drain with non-blocking recvmmsg until EAGAIN. Blocking
    // receivers cost the sender a wakeup per frame whenever they catch up.
    struct pollfd pfd = {fd, POLLIN, 0};
    for (;;) {
      if (info) {
        for (int i = 0; i < batch; i++) {
          msgs[i].msg_hdr.msg_name = &names[i];
          msgs[i].msg_hdr.msg_namelen = sizeof(names[i]);
          msgs[i].msg_hdr.msg_control = ctl[i];
          msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
        }
      }
      int n = recvmmsg(fd, msgs, batch, MSG_DONTWAIT, NULL);
      for (int i = 0; info && i < n; i++) {
        seen += names[i].sll_ifindex + names[i].sll_pkttype;
        for (struct cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
          if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
            struct tpacket_auxdata a;
            memcpy(&a, CMSG_DATA(c), sizeof(a));
            seen += a.tp_vlan_tci + a.tp_len;
          } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            seen += ts.tv_nsec;
          }
        }
      }
      if (n <= 0) {
        poll(&pfd, 1, 100);
        continue;
      }
      if (t0 == 0) { t0 = now(); c0 = cpu(); continue; }
      got += n;
      t = now();
      if (t - t0 >= secs) break;
    }
    printf("%.0f %.0f\n", got / (t - t0), got / (cpu() - c0));
    if (info) fprintf(stderr, "checksum %lu\n", seen);
    return 0;
  }
  return 2;
}
