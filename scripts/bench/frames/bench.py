# Python baseline for scripts/bench/frames: socket.AF_PACKET, one frame per call.
#   bench.py send IFACE SIZE SECONDS   /   bench.py recv IFACE SECONDS
# Prints "frames/s frames-per-CPU-second".
import socket, sys, time
mode, ifname = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
s.bind((ifname, 0x88b5))
if mode == 'send':
    size, secs = int(sys.argv[3]), float(sys.argv[4])
    frame = b'\xff' * 6 + b'\x02' * 6 + b'\x88\xb5' + b'\x00' * (size - 14)
    send = s.send
    n = 0
    t0 = time.monotonic()
    c0 = time.process_time()
    t = t0
    while t - t0 < secs:
        for _ in range(1000):
            send(frame)
        n += 1000
        t = time.monotonic()
    print(round(n / (t - t0)), round(n / (time.process_time() - c0)))
else:
    secs = float(sys.argv[3])
    recv = s.recv
    recv(2048)
    n = 0
    t0 = time.monotonic()
    c0 = time.process_time()
    t = t0
    while t - t0 < secs:
        for _ in range(1000):
            recv(2048)
        n += 1000
        t = time.monotonic()
    print(round(n / (t - t0)), round(n / (time.process_time() - c0)))
