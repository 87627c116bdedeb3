#!/usr/bin/env python3
"""tests/integration/vlan-frames.py: 802.1Q frames without the 8021q module.

This kernel has no 8021q module, so a test namespace cannot have a VLAN
device; a raw AF_PACKET socket sends and receives tagged frames instead.

  vlan-frames.py send IFACE TAG|none MARKER [COUNT]
      sends COUNT (default 3) broadcast frames of EtherType 0x88b5 (local
      experimental) carrying "xovs:MARKER", with an 802.1Q header for TAG
      (none: untagged).
  vlan-frames.py recv IFACE SECONDS
      prints "ready", then one line "vlan=TAG|none marker=MARKER" per such
      frame received within SECONDS, tagged or not.  A tag the kernel took
      out of the frame (VLAN receive offload) is read from PACKET_AUXDATA.
"""
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_8021Q = 0x8100
ETH_P_TEST = 0x88B5
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
MAGIC = b"xovs:"


def send(iface, tag, marker, count):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = s.getsockname()[4]
    hdr = b"\xff" * 6 + src
    if tag != "none":
        hdr += struct.pack("!HH", ETH_P_8021Q, int(tag))
    frame = hdr + struct.pack("!H", ETH_P_TEST) + MAGIC + marker.encode()
    frame += b"\0" * max(0, 60 - len(frame))
    for _ in range(count):
        s.send(frame)
        time.sleep(0.05)


def recv(iface, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((iface, 0))
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        s.settimeout(left)
        try:
            data, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(32))
        except socket.timeout:
            return
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        tag = None
        for level, kind, value in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, _, _, _, _, tci = struct.unpack_from("=IIIHHH", value)
                if status & TP_STATUS_VLAN_VALID:
                    tag = tci & 0xFFF
        off = 12
        etype = struct.unpack_from("!H", data, off)[0]
        if etype == ETH_P_8021Q and tag is None:
            tag = struct.unpack_from("!H", data, off + 2)[0] & 0xFFF
            off += 4
            etype = struct.unpack_from("!H", data, off)[0]
        if etype != ETH_P_TEST or not data[off + 2:].startswith(MAGIC):
            continue
        marker = data[off + 2 + len(MAGIC):].rstrip(b"\0").decode(
            "ascii", "replace")
        print("vlan=%s marker=%s" % ("none" if tag is None else tag, marker),
              flush=True)


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], sys.argv[4],
             int(sys.argv[5]) if len(sys.argv) > 5 else 3)
    elif len(sys.argv) == 4 and sys.argv[1] == "recv":
        recv(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
