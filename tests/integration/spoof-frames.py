#!/usr/bin/env python3
"""tests/integration/spoof-frames.py: IPv4/UDP frames with a chosen source.

A guest that spoofs writes frames itself; a raw AF_PACKET socket does that
without the guest's IP stack getting in the way (no ARP, any source).

  spoof-frames.py send IFACE SRC-MAC SRC-IP DST-MAC DST-IP MARKER [COUNT]
      sends COUNT (default 3) UDP frames to port 9 (discard) carrying
      "xovs:MARKER" from SRC-MAC/SRC-IP ("-": the interface's MAC).
  spoof-frames.py recv IFACE SECONDS
      prints "ready", then "src-mac=M src-ip=A marker=MARKER" for each such
      frame received within SECONDS.
"""
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
MAGIC = b"xovs:"
PORT = 9


def mac_bytes(text):
    return bytes(int(b, 16) for b in text.split(":"))


def mac_text(raw):
    return ":".join("%02x" % b for b in raw)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def send(iface, src_mac, src_ip, dst_mac, dst_ip, marker, count):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = s.getsockname()[4] if src_mac == "-" else mac_bytes(src_mac)
    payload = MAGIC + marker.encode()
    udp = struct.pack("!HHHH", 40000, PORT, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64,
                     socket.IPPROTO_UDP, 0, socket.inet_aton(src_ip),
                     socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    frame = mac_bytes(dst_mac) + src + struct.pack("!H", ETH_P_IP) + ip + udp
    frame += b"\0" * max(0, 60 - len(frame))
    for _ in range(count):
        s.send(frame)
        time.sleep(0.05)


def recv(iface, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            frame, addr = s.recvfrom(65535)
        except socket.timeout:
            break
        if addr[2] == socket.PACKET_OUTGOING or len(frame) < 42:
            continue
        if struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
            continue
        ihl = (frame[14] & 0xF) * 4
        if frame[23] != socket.IPPROTO_UDP:
            continue
        udp = frame[14 + ihl:]
        if struct.unpack("!H", udp[2:4])[0] != PORT:
            continue
        data = udp[8:]
        if not data.startswith(MAGIC):
            continue
        marker = data[len(MAGIC):].split(b"\0")[0].decode(errors="replace")
        print("src-mac=%s src-ip=%s marker=%s" % (
            mac_text(frame[6:12]), socket.inet_ntoa(frame[26:30]), marker),
            flush=True)


def main(argv):
    if len(argv) >= 8 and argv[1] == "send":
        send(argv[2], argv[3], argv[4], argv[5], argv[6], argv[7],
             int(argv[8]) if len(argv) > 8 else 3)
    elif len(argv) == 4 and argv[1] == "recv":
        recv(argv[2], float(argv[3]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
