#!/usr/bin/env python3
"""bench/acl-driver.py: the measuring side of bench/xovs-bench-acl.

Talks JSON-RPC (docs/api.md) straight to xovs-controller's socket, one
connection.  Watches OVN's northbound ACL table (ovsdb-client monitor on
the NB leader; each line stamped when it arrives) and polls host 1's br-int
flows (ovs-ofctl dump-flows, every 10 ms plus the dump's own time, which
is the resolution of that figure).  Grows the pool to each of SIZES VIFs
(pool-vif-create on fake hosts) and at each size times SAMPLES
pool-acl-create calls (a pool rule and a rule on the real VIF, each denying
tcp to a port of its own): from the answer until the ACL row reaches NB and
until a flow with that port reaches br-int; and SAMPLES single changes
(one more VIF placed): from the request to its answer, and until its
logical port reaches NB (--lsp-watch).  Prints one JSON object."""

import argparse
import json
import queue
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid


class Controller:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.id = 0

    def call(self, method, **params):
        self.id += 1
        line = json.dumps({"jsonrpc": "2.0", "id": self.id,
                           "method": method, "params": params})
        self.sock.sendall(line.encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("controller closed the connection")
            self.buf += chunk
        resp, self.buf = self.buf.split(b"\n", 1)
        obj = json.loads(resp)
        if "error" in obj:
            raise RuntimeError("%s: %s" % (method, obj["error"]["message"]))
        return obj.get("result")


class Watch:
    """Lines of a monitor command, each with its arrival time."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put((time.monotonic(), line))

    def wait_for(self, text, timeout=120.0):
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise RuntimeError("no line with %r in %.0f s" % (text, timeout))
            try:
                t, line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if text in line:
                return t

    def drain(self):
        while not self.lines.empty():
            self.lines.get_nowait()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(5)


class Poll:
    """A dump command run again and again until its output has a text;
    the time is the end of the first dump that has it."""

    def __init__(self, argv):
        self.argv = argv

    def wait_for(self, pattern, timeout=120.0):
        end = time.monotonic() + timeout
        out = ""
        while time.monotonic() < end:
            out = subprocess.run(self.argv, capture_output=True, text=True).stdout
            if re.search(pattern, out):
                return time.monotonic()
            time.sleep(0.01)
        raise RuntimeError("no %r in %s after %.0f s; last: %s"
                           % (pattern, " ".join(self.argv), timeout, out[-500:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--network", required=True)
    ap.add_argument("--real-vif", required=True)
    ap.add_argument("--sizes", required=True)
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--nb-watch", required=True, help="argv, ' '-separated")
    ap.add_argument("--flow-dump", required=True, help="argv, ' '-separated")
    ap.add_argument("--lsp-watch", help="argv, ' '-separated")
    a = ap.parse_args()

    c = Controller(a.socket)
    nb = Watch(a.nb_watch.split())
    lsp = Watch(a.lsp_watch.split()) if a.lsp_watch else None
    hv = Poll(a.flow_dump.split())
    time.sleep(2)  # both monitors have sent their initial dumps
    n = 1
    port = 20000
    rows = []
    for size in [int(s) for s in a.sizes.split(",")]:
        t0 = time.monotonic()
        added = 0
        while n < size:
            n += 1
            c.call("pool-vif-create", **{
                "uuid": str(uuid.uuid4()), "network-uuid": a.network,
                "mac": "02:00:c6:14:%02x:%02x" % (n // 256, n % 256),
                "host": "fake%d" % (n % 16)})
            added += 1
        grow = time.monotonic() - t0
        answer, to_nb = [], []
        for k in range(a.samples if lsp else 0):
            u = str(uuid.uuid4())
            if lsp:
                lsp.drain()
            t_req = time.monotonic()
            c.call("pool-vif-create", **{
                "uuid": u, "network-uuid": a.network,
                "mac": "02:00:c6:15:%02x:%02x" % (k // 256, k % 256),
                "host": "fake1"})
            t_ans = time.monotonic()
            answer.append(t_ans - t_req)
            to_nb.append(lsp.wait_for(u) - t_req)
            c.call("pool-vif-destroy", uuid=u)
        if lsp:
            rows.append({"vifs": size, "level": "one-vif",
                         "grow_s": round(grow, 1), "grown_by": added,
                         "answer_ms": [round(x * 1000, 1) for x in answer],
                         "nb_ms": [round(x * 1000, 1) for x in to_nb],
                         "answer_median_ms":
                             round(statistics.median(answer) * 1000, 1),
                         "nb_median_ms":
                             round(statistics.median(to_nb) * 1000, 1)})
            print("%5d VIFs, one VIF placed: answered %s ms, in NB %s ms"
                  % (size, " ".join("%.1f" % (x * 1000) for x in answer),
                     " ".join("%.1f" % (x * 1000) for x in to_nb)),
                  file=sys.stderr)
        for level in ("pool", "vif"):
            to_nb, to_hv = [], []
            for _ in range(a.samples):
                port += 1
                params = {"level": level, "action": "deny", "protocol": "tcp",
                          "port": str(port), "direction": "to-vif"}
                if level == "vif":
                    params["target"] = a.real_vif
                nb.drain()
                acl = c.call("pool-acl-create", **params)["uuid"]
                t_ans = time.monotonic()
                to_nb.append(nb.wait_for(acl) - t_ans)
                to_hv.append(hv.wait_for(r"t(p|cp)_dst=%d\b" % port) - t_ans)
                c.call("pool-acl-destroy", uuid=acl)
            rows.append({"vifs": size, "level": level,
                         "grow_s": round(grow, 1), "grown_by": added,
                         "nb_s": [round(x, 3) for x in to_nb],
                         "flows_s": [round(x, 3) for x in to_hv],
                         "nb_median_s": round(statistics.median(to_nb), 3),
                         "flows_median_s": round(statistics.median(to_hv), 3)})
            print("%5d VIFs, %-4s rule: to NB %s s, to br-int flows %s s"
                  % (size, level, " ".join("%.3f" % x for x in to_nb),
                     " ".join("%.3f" % x for x in to_hv)), file=sys.stderr)
    nb.stop()
    if lsp:
        lsp.stop()
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
