#!/usr/bin/env python3
"""A small flow collector for test 122: sFlow v5, IPFIX and NetFlow v5.

  flowcol.py ADDR SECONDS OUT SFLOW_PORT IPFIX_PORT NETFLOW_PORT SRC DST

Listens on ADDR's three UDP ports for SECONDS (or until OUT.stop exists),
decodes what arrives and writes a JSON summary to OUT:

  sflow:   datagrams, agents, sampling_rates (of flow samples), samples
           (flow samples whose raw Ethernet/IPv4 header goes SRC -> DST),
           in_ucast (per ifIndex: the highest ifInUcastPkts of the generic
           interface counters seen)
  ipfix:   messages, templates, set_ids (the first few), packets (sum of
           packetDeltaCount of the ingress data records SRC -> DST)
  netflow: datagrams, packets (sum of dPkts of the records SRC -> DST)

Only as much of each format is decoded as the test checks; anything that
does not parse is counted in "errors" (the test fails on it).
"""
import json
import os
import select
import socket
import struct
import sys
import time


class SFlow:
    def __init__(self, src, dst):
        self.src, self.dst = src, dst
        self.s = {"datagrams": 0, "agents": [], "sampling_rates": [],
                  "samples": 0, "in_ucast": {}, "errors": 0}

    def header_matches(self, hdr):
        if len(hdr) < 34:
            return False
        off, ethertype = 14, struct.unpack_from("!H", hdr, 12)[0]
        if ethertype == 0x8100:
            off, ethertype = 18, struct.unpack_from("!H", hdr, 16)[0]
        if ethertype != 0x0800 or len(hdr) < off + 20:
            return False
        return hdr[off + 12:off + 16] == self.src and \
            hdr[off + 16:off + 20] == self.dst

    def flow_records(self, d, off, n):
        for _ in range(n):
            fmt, length = struct.unpack_from("!II", d, off)
            body = off + 8
            if fmt == 1:  # raw packet header
                size = struct.unpack_from("!I", d, body + 12)[0]
                if self.header_matches(d[body + 16:body + 16 + size]):
                    self.s["samples"] += 1
            off = body + length

    def counter_records(self, d, off, n):
        for _ in range(n):
            fmt, length = struct.unpack_from("!II", d, off)
            body = off + 8
            if fmt == 1:  # generic interface counters
                ifindex = struct.unpack_from("!I", d, body)[0]
                ucast = struct.unpack_from("!I", d, body + 32)[0]
                key = str(ifindex)
                self.s["in_ucast"][key] = max(ucast,
                                              self.s["in_ucast"].get(key, 0))
            off = body + length

    def feed(self, d):
        version, atype = struct.unpack_from("!II", d, 0)
        if version != 5:
            raise ValueError("sFlow version %d" % version)
        alen = 4 if atype == 1 else 16
        agent = socket.inet_ntop(socket.AF_INET if alen == 4
                                 else socket.AF_INET6, d[8:8 + alen])
        if agent not in self.s["agents"]:
            self.s["agents"].append(agent)
        off = 8 + alen + 12
        nsamples = struct.unpack_from("!I", d, off)[0]
        off += 4
        for _ in range(nsamples):
            fmt, length = struct.unpack_from("!II", d, off)
            body = off + 8
            if fmt == 1:  # flow sample
                rate = struct.unpack_from("!I", d, body + 8)[0]
                n = struct.unpack_from("!I", d, body + 28)[0]
                self.flow_records(d, body + 32, n)
            elif fmt == 3:  # expanded flow sample
                rate = struct.unpack_from("!I", d, body + 12)[0]
                n = struct.unpack_from("!I", d, body + 40)[0]
                self.flow_records(d, body + 44, n)
            elif fmt == 2:  # counters sample
                n = struct.unpack_from("!I", d, body + 8)[0]
                self.counter_records(d, body + 12, n)
                rate = None
            elif fmt == 4:  # expanded counters sample
                n = struct.unpack_from("!I", d, body + 12)[0]
                self.counter_records(d, body + 16, n)
                rate = None
            else:
                rate = None
            if rate is not None and rate not in self.s["sampling_rates"]:
                self.s["sampling_rates"].append(rate)
            off = body + length
        self.s["datagrams"] += 1


class Ipfix:
    def __init__(self, src, dst):
        self.src, self.dst = src, dst
        self.templates = {}
        self.s = {"messages": 0, "templates": 0, "packets": 0, "errors": 0,
                  "set_ids": []}

    def template_set(self, domain, d, off, end):
        while off + 4 <= end:
            tid, count = struct.unpack_from("!HH", d, off)
            off += 4
            fields = []
            for _ in range(count):
                fid, flen = struct.unpack_from("!HH", d, off)
                off += 4
                if fid & 0x8000:
                    off += 4  # enterprise number
                    fid = None
                fields.append((fid, flen))
            self.templates[(domain, tid)] = fields
            self.s["templates"] += 1

    def data_set(self, domain, sid, d, off, end):
        fields = self.templates.get((domain, sid))
        if fields is None:
            return
        while off < end:
            rec = {}
            for fid, flen in fields:
                if flen == 65535:
                    flen = d[off]
                    off += 1
                    if flen == 255:
                        flen = struct.unpack_from("!H", d, off)[0]
                        off += 2
                rec[fid] = d[off:off + flen]
                off += flen
            if off > end:
                break
            # OVS samples a packet as it enters and as it leaves the
            # bridge (flowDirection 61: 0 ingress, 1 egress): count it once.
            if rec.get(8) == self.src and rec.get(12) == self.dst and \
                    2 in rec and rec.get(61, b"\0") == b"\0":
                self.s["packets"] += int.from_bytes(rec[2], "big")
            if fields and end - off < min(f[1] for f in fields):
                break  # padding

    def feed(self, d):
        version, length, _, _, domain = struct.unpack_from("!HHIII", d, 0)
        if version != 10:
            raise ValueError("IPFIX version %d" % version)
        off = 16
        while off + 4 <= length:
            sid, slen = struct.unpack_from("!HH", d, off)
            if sid not in self.s["set_ids"] and len(self.s["set_ids"]) < 8:
                self.s["set_ids"].append(sid)
            if slen < 4:
                raise ValueError("IPFIX set length %d" % slen)
            if sid == 2:
                self.template_set(domain, d, off + 4, off + slen)
            elif sid >= 256:
                self.data_set(domain, sid, d, off + 4, off + slen)
            off += slen
        self.s["messages"] += 1


class NetFlow:
    def __init__(self, src, dst):
        self.src, self.dst = src, dst
        self.s = {"datagrams": 0, "packets": 0, "errors": 0}

    def feed(self, d):
        version, count = struct.unpack_from("!HH", d, 0)
        if version != 5:
            raise ValueError("NetFlow version %d" % version)
        for i in range(count):
            r = 24 + 48 * i
            if d[r:r + 4] == self.src and d[r + 4:r + 8] == self.dst:
                self.s["packets"] += struct.unpack_from("!I", d, r + 16)[0]
        self.s["datagrams"] += 1


def main():
    addr, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    ports = [int(p) for p in sys.argv[4:7]]
    src, dst = socket.inet_aton(sys.argv[7]), socket.inet_aton(sys.argv[8])
    decoders = [SFlow(src, dst), Ipfix(src, dst), NetFlow(src, dst)]
    socks = {}
    for port, dec in zip(ports, decoders):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, port))
        socks[s] = dec
    open(out + ".ready", "w").close()
    end = time.monotonic() + seconds
    while time.monotonic() < end and not os.path.exists(out + ".stop"):
        ready, _, _ = select.select(list(socks), [], [], 0.2)
        for s in ready:
            data = s.recv(65535)
            try:
                socks[s].feed(data)
            except (ValueError, struct.error, IndexError):
                socks[s].s["errors"] += 1
    with open(out, "w") as f:
        json.dump({"sflow": decoders[0].s, "ipfix": decoders[1].s,
                   "netflow": decoders[2].s}, f)


if __name__ == "__main__":
    main()
