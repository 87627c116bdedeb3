#!/usr/bin/env python3
"""Multicast helper for test 121 (IGMP snooping).

  mcast.py recv ADDR GROUP PORT SECONDS OUT   join GROUP on the interface
      with address ADDR (the kernel sends IGMP reports), count the UDP
      datagrams received on PORT until an end marker arrives or SECONDS
      pass, write the count to OUT (OUT.ready exists once it has joined)
  mcast.py send ADDR GROUP PORT COUNT        send COUNT datagrams to GROUP
      from ADDR (TTL 1), 5 ms apart, then three end markers
"""
import socket
import sys
import time


def recv(addr, group, port, seconds, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((group, port))
    mreq = socket.inet_aton(group) + socket.inet_aton(addr)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    s.settimeout(0.2)
    open(out + ".ready", "w").close()
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if s.recv(2048) == b"end":
                break
            n += 1
        except socket.timeout:
            pass
    with open(out, "w") as f:
        f.write("%d\n" % n)


def send(addr, group, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 socket.inet_aton(addr))
    for _ in range(count):
        s.sendto(b"x" * 100, (group, port))
        time.sleep(0.005)
    for _ in range(3):
        time.sleep(0.1)
        s.sendto(b"end", (group, port))


def main():
    if sys.argv[1] == "recv":
        recv(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]),
             sys.argv[6])
    else:
        send(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))


if __name__ == "__main__":
    main()
