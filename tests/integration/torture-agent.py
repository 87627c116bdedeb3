#!/usr/bin/env python3
"""torture-agent.py: kill -9 xovs-agent at random moments under load.

Run by 150-torture-agent-kill.sh, which starts the host sandbox and gives
the agent's command line.  Each round: start the agent on the same store,
let CLIENTS clients (one connection each, JSON-RPC lines on the agent's
admin socket) create, plug, change and destroy their own networks and
VIFs for a random 20..400 ms, kill -9 the agent, restart it and check:

  * every change that was answered OK is in the records (answered means
    durable: the agent answers after the store's fsync);
  * an answer that never came (the request in flight at the kill) left
    either the old or the new state, never a mix, and never a duplicate
    (two networks with one client's label, two VIFs with one device);
  * nothing the clients did not ask for exists;
  * Open vSwitch converges: the xovs-owned bridges are exactly the
    networks' bridges, and each VIF's port is on its bridge exactly when
    the VIF is plugged.  The summary reports the slowest convergence; the
    bound (CONVERGE_S) is generous, as are the agent's restart and a
    killed agent's exit: this is a correctness test, not a timing one.
    The bound was 5 s; at a load average of 24 the slowest round took
    4.0 s, and runs at 42-58 failed rounds that were otherwise correct.

Prints one line per failure and exits 1 on the first round that fails; a
summary line "rounds=N ops_ok=N ops_unknown=N converge_ms_max=N" at the
end.  --budget stops starting rounds once that many seconds have passed
(after MIN_ROUNDS), so that the test ends within run-tests' time limit on
a loaded machine (100 rounds took over 300 s at a load average of 24-40,
and run-tests killed the test: a red run with nothing wrong).  Deterministic for a given --seed (but for the kill timing races).
"""

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--ns", required=True)
ap.add_argument("--agent", required=True, help="agent command, as one string")
ap.add_argument("--agent-odd", default=None,
                help="agent command for odd rounds (default: --agent)")
ap.add_argument("--sock", required=True)
ap.add_argument("--pidfile", required=True)
ap.add_argument("--ovsdb", required=True)
ap.add_argument("--base-net", required=True, help="uuid of the VIFs' network")
ap.add_argument("--rounds", type=int, default=100)
ap.add_argument("--budget", type=float, default=0,
                help="stop starting rounds after this many seconds (at least "
                "MIN_ROUNDS run); 0: no limit")
ap.add_argument("--clients", type=int, default=3)
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args()
rng = random.Random(args.seed)

NETS_MAX = 3  # per client: bridges cost the userspace datapath time
CONVERGE_S = 60  # OVS matches the records after a restart within this
START_S = 60  # the restarted agent answers within this
EXIT_S = 30  # a killed agent is gone within this
MIN_ROUNDS = 4  # rounds run whatever the budget (both stores twice)
VIFS_MAX = 4  # per client


def fail(msg):
    print("torture: FAIL: " + msg, flush=True)
    sys.exit(1)


class Rpc:
    """One JSON-RPC connection; call() returns ("ok", result),
    ("error", message) or ("unknown", None) when no answer came."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
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
        if "error" in rep and rep["error"] is not None:
            return ("error", rep["error"].get("message", ""))
        return ("ok", rep.get("result"))

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def admin_call(method, params=None):
    """A call that must be answered (the agent is up)."""
    r = Rpc(args.sock)
    try:
        kind, res = r.call(method, params or {})
    finally:
        r.close()
    if kind != "ok":
        fail("%s: %s %s" % (method, kind, res))
    return res


# The model.  A record's state is a dict of the fields we track; "maybe"
# holds the state an unanswered request would have produced (None: the
# record would not exist), checked and resolved after the restart.
class Rec:
    def __init__(self, kind, key):
        self.kind = kind      # "net" or "vif"
        self.key = key        # label (net) or device (vif)
        self.uuid = None
        self.state = None     # None: does not exist
        self.maybe = "none"   # "none": no request in doubt


class Client:
    def __init__(self, idx):
        self.idx = idx
        self.domid = 100 + idx
        self.recs = []
        self.next_label = 0
        self.ok = 0
        self.unknown = 0

    def live(self, kind):
        return [r for r in self.recs if r.kind == kind and r.state]

    def pick_op(self):
        nets, vifs = self.live("net"), self.live("vif")
        ops = []
        if len(nets) < NETS_MAX:
            ops += ["net-create"] * 2
        if nets:
            ops += ["net-set", "net-destroy"]
        if len(vifs) < VIFS_MAX:
            ops += ["vif-create"] * 2
        if vifs:
            ops += ["vif-plug", "vif-unplug", "vif-set", "vif-destroy"] * 2
        return rng.choice(ops)

    def step(self, rpc):
        """One request; returns False once the agent is gone."""
        op = self.pick_op()
        if op == "net-create":
            rec = Rec("net", "c%d-n%d" % (self.idx, self.next_label))
            self.next_label += 1
            self.recs.append(rec)
            want = {"desc": ""}
            kind, res = rpc.call("network-create", {"name-label": rec.key})
            if kind == "ok":
                rec.uuid = res if isinstance(res, str) else res["uuid"]
                rec.state = want
        elif op == "vif-create":
            used = {r.key for r in self.live("vif")}
            dev = min(d for d in range(16) if d not in used)
            rec = Rec("vif", dev)
            self.recs.append(rec)
            want = {"attached": False, "oc": ""}
            kind, res = rpc.call("vif-create", {
                "vm-uuid": "00000000-0000-4000-8000-%012d" % self.domid,
                "domid": str(self.domid), "device": str(dev),
                "network-uuid": args.base_net,
                "mac": "02:00:00:00:%02x:%02x" % (self.idx, dev)})
            if kind == "ok":
                rec.uuid = res if isinstance(res, str) else res["uuid"]
                rec.state = want
        else:
            rec = rng.choice(self.live("net" if op.startswith("net")
                                       else "vif"))
            want = dict(rec.state)
            if op == "net-set":
                want["desc"] = "v%d" % rng.randrange(1 << 30)
                method, params = "network-param-set", {
                    "name-description": want["desc"]}
            elif op == "net-destroy":
                want = None
                method, params = "network-destroy", {}
            elif op == "vif-plug":
                want["attached"] = True
                method, params = "vif-plug", {}
            elif op == "vif-unplug":
                want["attached"] = False
                method, params = "vif-unplug", {}
            elif op == "vif-set":
                want["oc"] = "v%d" % rng.randrange(1 << 30)
                method, params = "vif-param-set", {
                    "other-config:torture": want["oc"]}
            else:
                want = None
                method, params = "vif-destroy", {}
            params["uuid"] = rec.uuid
            kind, res = rpc.call(method, params)
            if kind == "ok":
                rec.state = want
        if kind == "ok":
            self.ok += 1
        elif kind == "unknown":
            rec.maybe = want
            self.unknown += 1
            return False
        # "error": a rejected request changed nothing (the model stays).
        return True


CLIENT_ERRORS = []


def run_client(c, stop):
    try:
        rpc = Rpc(args.sock)
    except OSError:
        return
    try:
        while not stop.is_set():
            if not c.step(rpc):
                return
    except Exception as e:  # a bug of the test: fail the run, loudly
        CLIENT_ERRORS.append("client %d: %r" % (c.idx, e))
    finally:
        rpc.close()


def agent_pid():
    try:
        with open(args.pidfile) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def agent_start(rnd):
    cmd = args.agent_odd if args.agent_odd and rnd % 2 else args.agent
    for p in (args.sock, args.pidfile):
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass
    subprocess.run(["ip", "netns", "exec", args.ns] + cmd.split(),
                   check=True, stderr=subprocess.DEVNULL)
    deadline = time.time() + START_S
    while time.time() < deadline:
        if agent_pid() and os.path.exists(args.sock):
            try:
                Rpc(args.sock).close()
                return
            except OSError:
                pass
        time.sleep(0.02)
    fail("the agent did not come back within %d s" % START_S)


def records():
    nets = admin_call("network-list", {})
    vifs = admin_call("vif-list", {})
    return nets, vifs


def fields(kind, row):
    if kind == "net":
        return {"desc": row.get("name-description", "")}
    oc = row.get("other-config") or {}
    if isinstance(oc, str):  # "k: v; k2: v2"
        oc = dict(kv.split(": ", 1) for kv in oc.split("; ") if kv)
    return {"attached": row.get("currently-attached") in (True, "true"),
            "oc": oc.get("torture", "")}


def check(clients):
    nets, vifs = records()
    by_uuid = {}
    seen_labels, seen_devs = {}, {}
    for n in nets:
        by_uuid[n["uuid"]] = ("net", n)
        seen_labels.setdefault(n["name-label"], []).append(n["uuid"])
    for v in vifs:
        by_uuid[v["uuid"]] = ("vif", v)
        key = (int(v["domid"]), int(v["device"]))
        seen_devs.setdefault(key, []).append(v["uuid"])
    for label, uuids in seen_labels.items():
        if len(uuids) > 1:
            fail("network %s exists %d times" % (label, len(uuids)))
    for key, uuids in seen_devs.items():
        if len(uuids) > 1:
            fail("VIF domid %d device %d exists %d times" % (key + (
                len(uuids),)))
    known = {args.base_net}
    for c in clients:
        for rec in c.recs:
            if rec.uuid is None:
                # A create whose answer was lost: there or not, once.
                if rec.kind == "net":
                    found = seen_labels.get(rec.key, [])
                else:
                    found = seen_devs.get((c.domid, rec.key), [])
                if found:
                    rec.uuid = found[0]
                    rec.state = fields(rec.kind, by_uuid[found[0]][1])
                    if rec.state != rec.maybe:
                        fail("%s %s half-created: %s" % (rec.kind, rec.key,
                                                         rec.state))
                rec.maybe = "none"
            if rec.uuid is None:
                continue
            known.add(rec.uuid)
            row = by_uuid.get(rec.uuid)
            got = fields(rec.kind, row[1]) if row else None
            allowed = [rec.state]
            if rec.maybe != "none":
                allowed.append(rec.maybe)
            if got not in allowed:
                fail("%s %s (%s): records say %s, answered state %s%s" % (
                    rec.kind, rec.key, rec.uuid, got, rec.state,
                    "" if rec.maybe == "none" else
                    " (or %s in doubt)" % (rec.maybe,)))
            rec.state, rec.maybe = got, "none"
        c.recs = [r for r in c.recs if r.state is not None]
    for u, (kind, row) in by_uuid.items():
        if u not in known:
            fail("%s %s exists but no client created it" % (kind, u))
    return nets, vifs


def ovs_json(table, columns):
    out = subprocess.run(
        ["ip", "netns", "exec", args.ns, "ovs-vsctl", "--db=" + args.ovsdb,
         "--timeout=30", "--format=json", "--data=json",
         "--columns=" + columns, "list", table],
        check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    rows = []
    for r in j["data"]:
        row = {}
        for h, v in zip(j["headings"], r):
            if isinstance(v, list) and v and v[0] == "map":
                v = dict(v[1])
            row[h] = v
        rows.append(row)
    return rows


def ovs_matches(nets, vifs):
    bridges = {b["name"] for b in ovs_json("Bridge", "name,external_ids")
               if b["external_ids"].get("xovs-owner") == "xovs-agent"}
    want_br = {n["bridge"] for n in nets}
    if bridges != want_br:
        return "bridges %s, records want %s" % (sorted(bridges),
                                                sorted(want_br))
    ports = {p["name"] for p in ovs_json("Port", "name,external_ids")
             if p["external_ids"].get("xovs-owner") == "xovs-agent"
             and p["name"].startswith("vif")}
    want_ports = {"vif%s.%s" % (v["domid"], v["device"]) for v in vifs
                  if v.get("currently-attached") in (True, "true")}
    if ports != want_ports:
        return "VIF ports %s, records want %s" % (sorted(ports),
                                                  sorted(want_ports))
    return None


def main():
    clients = [Client(i) for i in range(args.clients)]
    converge_max = 0
    started = time.time()
    done = 0
    for rnd in range(args.rounds):
        if (args.budget and rnd >= MIN_ROUNDS
                and time.time() - started > args.budget):
            break
        done += 1
        agent_start(rnd)
        check(clients)
        stop = threading.Event()
        threads = [threading.Thread(target=run_client, args=(c, stop))
                   for c in clients]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.02, 0.4))
        pid = agent_pid()
        os.kill(pid, signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(timeout=15)
            if t.is_alive():
                fail("a client hung after the agent was killed")
        if CLIENT_ERRORS:
            fail("; ".join(CLIENT_ERRORS))
        deadline = time.time() + EXIT_S
        while os.path.exists("/proc/%d" % pid) and time.time() < deadline:
            time.sleep(0.01)
        if os.path.exists("/proc/%d" % pid):
            fail("round %d: the killed agent %d is still there after %d s"
                 % (rnd, pid, EXIT_S))
        agent_start(rnd + 1)
        t0 = time.time()
        nets, vifs = check(clients)
        why = ovs_matches(nets, vifs)
        while why and time.time() - t0 < CONVERGE_S:
            time.sleep(0.05)
            why = ovs_matches(nets, vifs)
        if why:
            fail("round %d: OVS did not converge in %d s: %s"
                 % (rnd, CONVERGE_S, why))
        converge_max = max(converge_max, int((time.time() - t0) * 1000))
        os.kill(agent_pid(), signal.SIGKILL)
    print("torture: rounds=%d ops_ok=%d ops_unknown=%d converge_ms_max=%d%s"
          % (done, sum(c.ok for c in clients),
             sum(c.unknown for c in clients), converge_max,
             "" if done == args.rounds else
             " (of %d: the time budget of %d s ran out)"
             % (args.rounds, args.budget)), flush=True)


main()
