#!/usr/bin/env python3
"""tests/integration/handoff-client.py: speaks net_xovs's hand-off protocol
(vif-backend/dpdk/handoff.h, version 2) as a broken or hostile netback
would, for test 107.

    handoff-client.py SOCKET DOMID DEVID MEMFD_PATH TX_REF RX_REF

connects to the driver's SOCKET and sends, each on a fresh connection, one
bad hand-off after another; prints one line per case,
"CASE errno=N reason=TEXT", the driver's reply.  MEMFD_PATH is a path that
opens the guest's memory (/proc/PID/fd/N of xovs-guest's memfd); TX_REF and
RX_REF are the guest's real queue-0 ring grants (valid ones: the case
"bad-grant" gives a bad one only for queue 1)."""
import array
import os
import socket
import struct
import sys

MAGIC = 0x584F5653
ATTACH, QUEUE, REPLY = 1, 4, 0x100
EMU = 1
# magic type error domid devid backend_domid version n_grants n_pages
# tx_ref rx_ref tx_evtchn rx_evtchn features n_queues qid platform pad
# reason[72]
FMT = "<IIIHHHHIIIIIIIHHHH72s"
assert struct.calcsize(FMT) == 128


def msg(mtype, domid, devid, version=2, n_grants=0, n_pages=0, tx_ref=0,
        rx_ref=0, tx_evtchn=0, rx_evtchn=0, n_queues=0, qid=0,
        platform=EMU):
    return struct.pack(FMT, MAGIC, mtype, 0, domid, devid, 0, version,
                       n_grants, n_pages, tx_ref, rx_ref, tx_evtchn,
                       rx_evtchn, 0, n_queues, qid, platform, 0, b"")


def request(sock, data, fds):
    anc = []
    if fds:
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                array.array("i", fds).tobytes())]
    sock.sendmsg([data], anc)
    for fd in fds:
        os.close(fd)
    sock.settimeout(5)
    reply = sock.recv(128)
    f = struct.unpack(FMT, reply)
    return f[2], f[18].split(b"\0")[0].decode()


def main():
    path, domid, devid, memfd_path, tx_ref, rx_ref = sys.argv[1:7]
    domid, devid = int(domid), int(devid)
    tx_ref, rx_ref = int(tx_ref), int(rx_ref)
    with open(memfd_path, "rb") as f:
        hdr = f.read(48)
    _, _, _, n_grants, n_pages = struct.unpack("<IIIII", hdr[:20])

    def mem():
        return os.open(memfd_path, os.O_RDWR | os.O_CLOEXEC)

    def evfds():
        return [os.eventfd(0, os.EFD_CLOEXEC), os.eventfd(0, os.EFD_CLOEXEC)]

    def attach(sock, n_queues, version=2):
        return request(sock, msg(ATTACH, domid, devid, version=version,
                                 n_grants=n_grants, n_pages=n_pages,
                                 n_queues=n_queues), [mem()])

    def queue(sock, qid, tx, rx):
        return request(sock, msg(QUEUE, domid, devid, tx_ref=tx, rx_ref=rx,
                                 tx_evtchn=100 + qid, rx_evtchn=100 + qid,
                                 qid=qid), evfds())

    def case(name, fn):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(path)
        err, reason = fn(s)
        print(f"{name} errno={err} reason={reason}", flush=True)
        s.close()

    case("old-version", lambda s: attach(s, 2, version=1))
    case("too-many-queues", lambda s: attach(s, 17))

    def out_of_order(s):
        err, reason = attach(s, 2)
        if err:
            return err, "attach refused: " + reason
        return queue(s, 1, tx_ref, rx_ref)
    case("out-of-order", out_of_order)

    def missing_fds(s):
        err, reason = attach(s, 2)
        if err:
            return err, "attach refused: " + reason
        return request(s, msg(QUEUE, domid, devid, tx_ref=tx_ref,
                              rx_ref=rx_ref, tx_evtchn=100, rx_evtchn=101,
                              qid=0), evfds())
    case("missing-fds", missing_fds)

    def bad_grant(s):
        err, reason = attach(s, 2)
        if err:
            return err, "attach refused: " + reason
        err, reason = queue(s, 0, tx_ref, rx_ref)
        if err:
            return err, "queue 0 refused: " + reason
        return queue(s, 1, n_grants - 1, n_grants - 2)
    case("bad-grant", bad_grant)


if __name__ == "__main__":
    main()
