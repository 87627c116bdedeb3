#!/usr/bin/env python3
"""ctl-torture.py: kill -9 xovs-controller during a stream of changes.

Run by 175-ctl-journal-kill.sh, which starts the OVN sandbox and gives the
controller's command line.  Each round: start the controller on the same
store, one client (JSON-RPC lines on its socket) places, moves and removes
VIFs of one pool network (on fake hosts) for a random 50..400 ms, kill -9
the controller, restart it and check:

  * every change that was answered OK is in the records (answered means
    durable: the controller answers after the journal's fsync);
  * the request in flight at the kill left either the old or the new
    state; nothing is duplicated (one MAC, one VIF) and nothing exists
    that the client did not ask for;
  * OVN's northbound database converges (within 120 s): the logical
    ports of the network are exactly the VIFs, each with its MAC and its
    host in requested-chassis.

Prints one line per failure and exits 1 on the first round that fails; a
summary line "rounds=N ops_ok=N ops_unknown=N" at the end.
"""

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid

ap = argparse.ArgumentParser()
ap.add_argument("--ctl", required=True, help="controller command, one string")
ap.add_argument("--sock", required=True)
ap.add_argument("--pidfile", required=True)
ap.add_argument("--nbctl", required=True, help="ovn-nbctl command, one string")
ap.add_argument("--network", required=True)
ap.add_argument("--rounds", type=int, default=8)
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args()
rng = random.Random(args.seed)


def fail(msg):
    print("ctl-torture: FAIL: " + msg, flush=True)
    sys.exit(1)


class Rpc:
    """One JSON-RPC connection; call() returns ("ok", result),
    ("error", message) or ("unknown", None) when no answer came."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(30)
        self.s.connect(path)
        self.f = self.s.makefile("rb")
        self.id = 0

    def call(self, method, params):
        self.id += 1
        req = {"jsonrpc": "2.0", "id": self.id, "method": method,
               "params": params}
        try:
            self.s.sendall((json.dumps(req) + "\n").encode())
            line = self.f.readline()
        except OSError:
            return ("unknown", None)
        if not line:
            return ("unknown", None)
        rep = json.loads(line)
        if "error" in rep:
            return ("error", rep["error"]["message"])
        return ("ok", rep.get("result"))

    def close(self):
        self.s.close()


def start():
    subprocess.run(args.ctl, shell=True, check=True)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            r = Rpc(args.sock)
            if r.call("pool-network-list", {})[0] == "ok":
                return r
            r.close()
        except OSError:
            pass
        time.sleep(0.1)
    fail("the controller does not answer after a restart")


def pid():
    with open(args.pidfile) as f:
        return int(f.read().strip())


def records(rpc):
    st, rows = rpc.call("pool-vif-list", {})
    if st != "ok":
        fail("pool-vif-list: %s %s" % (st, rows))
    return rows


def nb_ports():
    out = subprocess.run(
        args.nbctl + " --format=json --columns=name,addresses,options,"
        "external_ids list Logical_Switch_Port", shell=True,
        capture_output=True, text=True)
    if out.returncode:
        return None
    ports = {}
    for name, addrs, opts, ids in json.loads(out.stdout)["data"]:
        ids = dict(ids[1])
        if "xovs-vif" not in ids:
            continue
        if addrs[0] == "set":
            addrs = addrs[1]
        else:
            addrs = [addrs]
        ports[name] = (" ".join(addrs), dict(opts[1]).get("requested-chassis"))
    return ports


# The client's view: VIF uuid -> (mac, host) for the answered changes;
# 'maybe' the one change in flight at the kill.
vifs = {}
n_mac = 0
ops_ok = ops_unknown = 0
rpc = start()
for rnd in range(args.rounds):
    maybe = None
    deadline = time.monotonic() + rng.uniform(0.05, 0.4)
    killed = False
    while not killed:
        if time.monotonic() >= deadline:
            os.kill(pid(), signal.SIGKILL)
            killed = True
        r = rng.random()
        if r < 0.6 or not vifs:
            n_mac += 1
            u = str(uuid.uuid4())
            mac = "02:00:c6:13:%02x:%02x" % (n_mac // 256, n_mac % 256)
            host = "fake%d" % rng.randrange(4)
            op = ("create", u, (mac, host))
            st, res = rpc.call("pool-vif-create", {
                "uuid": u, "network-uuid": args.network, "mac": mac,
                "host": host})
        elif r < 0.8:
            u = rng.choice(sorted(vifs))
            op = ("destroy", u, None)
            st, res = rpc.call("pool-vif-destroy", {"uuid": u})
        else:
            u = rng.choice(sorted(vifs))
            host = "fake%d" % rng.randrange(8)
            if host == vifs[u][1]:
                continue
            op = ("move", u, (vifs[u][0], host), vifs[u][1])
            st, res = rpc.call("pool-vif-migrate", {"uuid": u, "host": host})
            if st == "ok":
                st, res = rpc.call("pool-vif-migrate-complete", {"uuid": u})
        if st == "unknown":
            maybe = op
            ops_unknown += 1
            break
        if st != "ok":
            fail("round %d: %s %s refused: %s" % (rnd, op[0], u, res))
        ops_ok += 1
        if op[0] == "destroy":
            del vifs[u]
        else:
            vifs[u] = op[2]
    if not killed:
        os.kill(pid(), signal.SIGKILL)
    rpc.close()
    time.sleep(0.2)
    rpc = start()

    rows = records(rpc)
    have = {row["uuid"]: row for row in rows}
    if len(have) != len(rows):
        fail("round %d: a VIF listed twice" % rnd)
    macs = [row["mac"] for row in rows]
    if len(set(macs)) != len(macs):
        fail("round %d: a MAC placed twice: %s" % (rnd, sorted(macs)))
    for u, (mac, host) in vifs.items():
        if maybe and maybe[1] == u:
            continue
        row = have.get(u)
        if not row or row["mac"] != mac or row["host"] != host:
            fail("round %d: answered VIF %s (%s on %s) is %s after the "
                 "restart" % (rnd, u, mac, host, row))
    for u, row in have.items():
        if u not in vifs and not (maybe and maybe[1] == u):
            fail("round %d: VIF %s exists, nobody asked for it" % (rnd, u))
    if maybe:
        kind, u, val = maybe[:3]
        row = have.get(u)
        if kind == "create" and row:
            vifs[u] = val
        elif kind == "destroy" and not row:
            del vifs[u]
        elif kind == "move":
            if row.get("migrating-to"):
                st, res = rpc.call("pool-vif-migrate-complete", {"uuid": u})
                if st != "ok":
                    fail("round %d: migrate-complete %s: %s" % (rnd, u, res))
                row = dict(row, host=row["migrating-to"])
            if row["host"] not in (val[1], maybe[3]):
                fail("round %d: VIF %s on %s, neither %s nor %s"
                     % (rnd, u, row["host"], val[1], maybe[3]))
            vifs[u] = (row["mac"], row["host"])
    # The northbound database converges on the records.
    want = {u: (mac, host) for u, (mac, host) in vifs.items()}
    end = time.monotonic() + 120
    ports = None
    while time.monotonic() < end:
        ports = nb_ports()
        if ports == want:
            break
        time.sleep(0.2)
    else:
        extra = set(ports or {}) - set(want)
        missing = set(want) - set(ports or {})
        wrong = [u for u in want if ports and u in ports and ports[u] != want[u]]
        fail("round %d: NB did not converge: %d ports, %d VIFs, extra %s, "
             "missing %s, wrong %s" % (rnd, len(ports or {}), len(want),
                                       sorted(extra)[:3], sorted(missing)[:3],
                                       [(u, ports[u], want[u]) for u in wrong[:3]]))
    print("ctl-torture: round %d: %d VIFs, NB converged" % (rnd, len(vifs)),
          flush=True)

rpc.close()
print("rounds=%d ops_ok=%d ops_unknown=%d" % (args.rounds, ops_ok, ops_unknown))
