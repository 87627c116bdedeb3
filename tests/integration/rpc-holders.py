#!/usr/bin/env python3
# tests/integration/rpc-holders.py SOCKET N DIR: opens N connections to the
# agent's RPC SOCKET and sends nothing (idle clients).  After 2 s it writes
# DIR/holders.out, "accepted=A refused=R" plus the refused clients' error
# lines (a refused client gets one JSON-RPC error line and EOF; an accepted
# one gets nothing), then holds the accepted ones until DIR/holders.release
# exists, closes them all and exits.  Used by 63-rpc-conn-limit.sh and
# 64-rpc-internal.sh.
import json
import os
import socket
import sys
import time

path, n, tdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    socks.append(s)
time.sleep(2)

accepted, refused = [], []
for s in socks:
    s.setblocking(False)
    try:
        data = s.recv(4096)
    except BlockingIOError:
        accepted.append(s)
        continue
    refused.append(data.decode(errors="replace").strip())
    s.close()
with open(os.path.join(tdir, "holders.out.tmp"), "w") as f:
    f.write("accepted=%d refused=%d\n" % (len(accepted), len(refused)))
    for line in refused:
        msg = json.loads(line)["error"]["message"] if line else "(EOF)"
        f.write("%s\n" % msg)
os.rename(os.path.join(tdir, "holders.out.tmp"),
          os.path.join(tdir, "holders.out"))
while not os.path.exists(os.path.join(tdir, "holders.release")):
    time.sleep(0.1)
for s in accepted:
    s.close()
