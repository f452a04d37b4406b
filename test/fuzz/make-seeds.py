#!/usr/bin/env python3
"""Regenerates the seed corpora in test/fuzz/corpus/<harness>/ (deterministic).

Seeds are well-formed inputs shaped the way each harness reads its bytes
(FuzzedDataProvider takes integers from the END of the input and byte strings
from the front), so fuzzing starts from kernel-shaped data and mutates from there.
"""
import hashlib
import os
import socket
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(harness, data):
    d = os.path.join(ROOT, harness)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tail(*parts):
    """Integers consumed from the end, in consumption order -> bytes to append."""
    out = b""
    for p in parts:
        out = p + out
    return out


# --- fuzz_addr: op byte last (0 inet, 1 link, 2 unix, 3 FormatInet, 4 FormatMac) ---
for ip, v6 in [("127.0.0.1", 0), ("198.18.0.1", 0), ("::1", 1), ("fd00:5f::2", 1), ("::ffff:198.18.0.2", 1),
               ("255.255.255.255", 0), ("fe80::1", 1), ("1.2.3", 0), ("::::", 1)]:
    # op=0, ConsumeBool (v4?) , [ConsumeBool (v6?)], port(2), scope(4)
    flags = [b"\x00", b"\x01" if not v6 else b"\x00"] + ([] if not v6 else [b"\x01"])
    write("fuzz_addr", ip.encode() + tail(*flags, b"\x1f\x90", b"\x00\x00\x00\x02"))
write("fuzz_addr", bytes([2, 0, 0, 0, 0x08, 0x00]) + bytes.fromhex("020000000000") + tail(b"\x01", b"\x00\x00\x00\x02", b"\x08\x00"))
write("fuzz_addr", b"/tmp/sockit.sock" + tail(b"\x02"))
write("fuzz_addr", b"\x00abstract-name" + tail(b"\x02"))
sin = struct.pack("<H", socket.AF_INET) + struct.pack(">H", 53) + socket.inet_aton("198.18.0.1") + b"\x00" * 8
sin6 = struct.pack("<H", socket.AF_INET6) + struct.pack(">H", 53) + b"\x00" * 4 + socket.inet_pton(socket.AF_INET6, "fd00:5f::1") + struct.pack("<I", 3)
for sa in (sin, sin6, sin[:15], sin6[:27]):
    write("fuzz_addr", sa + tail(b"\x03", b"\x30"))
write("fuzz_addr", bytes.fromhex("020000000001") + tail(b"\x04", b"\x20"))

# --- fuzz_cmsg: first byte odd = raw control buffer ---
SOL_SOCKET, SOL_IP, SOL_IPV6, SOL_UDP, SOL_PACKET = 1, 0, 41, 17, 263


def cmsg(level, type_, data):
    h = struct.pack("<Qii", 16 + len(data), level, type_)
    pad = (-len(data)) % 8
    return h + data + b"\x00" * pad


pktinfo4 = cmsg(SOL_IP, 8, struct.pack("<i", 2) + socket.inet_aton("198.18.0.1") + socket.inet_aton("198.18.0.2"))
ttl = cmsg(SOL_IP, 2, struct.pack("<i", 64))
tos = cmsg(SOL_IP, 1, b"\x10")
pktinfo6 = cmsg(SOL_IPV6, 50, socket.inet_pton(socket.AF_INET6, "fd00:5f::2") + struct.pack("<I", 2))
hop = cmsg(SOL_IPV6, 52, struct.pack("<i", 64))
tclass = cmsg(SOL_IPV6, 67, struct.pack("<i", 0x28))
ts = cmsg(SOL_SOCKET, 29, struct.pack("<qq", 1700000000, 123456))
tsns = cmsg(SOL_SOCKET, 35, struct.pack("<qq", 1700000000, 123456789))
tsing = cmsg(SOL_SOCKET, 37, struct.pack("<qqqqqq", 1700000000, 1, 0, 0, 1700000000, 2))
ovfl = cmsg(SOL_SOCKET, 40, struct.pack("<I", 7))
gro = cmsg(SOL_UDP, 104, struct.pack("<i", 1400))
ee = struct.pack("<IBBBBII", 111, 2, 3, 3, 0, 0, 0)
recverr = cmsg(SOL_IP, 11, ee + struct.pack("<H", socket.AF_INET) + b"\x00\x00" + socket.inet_aton("198.18.0.1") + b"\x00" * 8)
recverr6 = cmsg(SOL_IPV6, 25, ee + sin6)
origdst = cmsg(SOL_IP, 20, sin)
origdst6 = cmsg(SOL_IPV6, 74, sin6)
aux = cmsg(SOL_PACKET, 8, struct.pack("<IIIHHHH", 1, 60, 60, 0, 14, 100, 0x8100))
for buf in (pktinfo4 + ttl + tos + ovfl + ts, pktinfo6 + hop + tclass + tsns, tsing + gro, recverr, recverr6,
            origdst + origdst6, aux, pktinfo4[:20], struct.pack("<Qii", 1 << 63, 0, 8), pktinfo4 + b"\x00" * 3):
    write("fuzz_cmsg", b"\x01" + buf)
# Encoder seeds (first byte even): family v4/v6, pktinfo source, ttl, tos, capacity.
write("fuzz_cmsg", b"\x00" + tail(b"\x01", b"\x01", bytes(range(16)), b"\x02\x00\x00\x00", b"\x01", b"\x40", b"\x01", b"\x10", b"\x80"))
write("fuzz_cmsg", b"\x00" + tail(b"\x00", b"\x01", b"\x01", bytes(range(16)), b"\x02\x00\x00\x00", b"\x01", b"\x40", b"\x01", b"\x10", b"\x80"))

# --- fuzz_optcodec: decode seeds: payload + [decode=1][returned u32][codec id][valid=1] ---
CODECS = ["int", "bool", "u8", "u32", "u64", "timeval", "linger", "in_addr", "ip_mreq", "ip_mreqn", "ip_mreq_source",
          "group_req", "group_source_req", "ipv6_mreq", "packet_mreq", "sock_fprog", "tpacket_stats", "tpacket_req",
          "tpacket_req3", "string", "bytes", "ucred"]


def ss(fam, addr):
    if fam == 4:
        b = struct.pack("<H", socket.AF_INET) + b"\x00\x00" + socket.inet_aton(addr)
    else:
        b = struct.pack("<H", socket.AF_INET6) + b"\x00" * 6 + socket.inet_pton(socket.AF_INET6, addr)
    return b + b"\x00" * (128 - len(b))


g4, s4 = socket.inet_aton("239.1.2.3"), socket.inet_aton("198.18.0.1")
payloads = {
    "int": [struct.pack("<i", 212992), struct.pack("<i", -1), b"\x01"],
    "bool": [struct.pack("<i", 1)],
    "u8": [b"\x40", struct.pack("<i", 64)],
    "u32": [struct.pack("<I", 0xFFFFFFFF)],
    "u64": [struct.pack("<Q", 1 << 40), struct.pack("<I", 5)],
    "timeval": [struct.pack("<qq", 1, 500000), struct.pack("<qq", -1, 2000000)],
    "linger": [struct.pack("<ii", 1, 10)],
    "in_addr": [s4],
    "ip_mreq": [g4 + s4],
    "ip_mreqn": [g4 + s4 + struct.pack("<i", 2)],
    "ip_mreq_source": [g4 + s4 + s4],
    "group_req": [struct.pack("<I", 2) + b"\x00" * 4 + ss(4, "239.1.2.3"), struct.pack("<I", 2) + b"\x00" * 4 + ss(6, "ff02::1:3")],
    "group_source_req": [struct.pack("<I", 2) + b"\x00" * 4 + ss(4, "232.1.1.1") + ss(4, "198.18.0.1")],
    "ipv6_mreq": [socket.inet_pton(socket.AF_INET6, "ff02::1:3") + struct.pack("<I", 2)],
    "packet_mreq": [struct.pack("<iHH8s", 2, 1, 6, bytes.fromhex("01005e000001"))],
    "sock_fprog": [struct.pack("<HBBI", 0x06, 0, 0, 0xFFFF), struct.pack("<HBBI", 0x28, 0, 0, 12) + struct.pack("<HBBI", 0x15, 0, 1, 0x800) + struct.pack("<HBBI", 0x06, 0, 0, 0xFFFF) + struct.pack("<HBBI", 0x06, 0, 0, 0)],
    "tpacket_stats": [struct.pack("<II", 10, 2), struct.pack("<III", 10, 2, 1)],
    "tpacket_req": [struct.pack("<IIII", 4096, 64, 2048, 128)],
    "tpacket_req3": [struct.pack("<IIIIIII", 1 << 20, 8, 2048, 4096, 60, 0, 0)],
    "string": [b"cubic\x00", b"veth0\x00", b"x" * 255 + b"\x00"],
    "bytes": [bytes(range(32))],
    "ucred": [struct.pack("<iII", 1234, 0, 0)],
}
for name, ps in payloads.items():
    cid = CODECS.index(name)
    for p in ps:
        write("fuzz_optcodec", p + tail(b"\x01", bytes([cid]), struct.pack(">I", len(p)), b"\x01"))
print("seeds written under", ROOT)
