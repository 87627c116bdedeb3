#!/usr/bin/env python3
"""bench/scale-driver.py: the client side of bench/xovs-bench-scale.

Talks JSON-RPC (docs/api.md) straight to xovs-agent's socket, one
connection, and times every call as the caller sees it (request written to
response read).  Grows the host in stages to each of SIZES VIFs (VM d has
VIFs vif<d>.0..6, device k on network k), and at each size measures:

  - the time to create and plug the stage's VIFs (answers), and until OVS
    has every port (ovs-vsctl);
  - one plug's latency with the host already holding N (unplug + plug of
    SAMPLE VIFs, the plug timed): p50/p99;
  - one record change (network-param-set, vif-param-set) p50/p99;
  - the agent's RSS and CPU, ovsdb-server's and ovs-vswitchd's CPU during
    the stage (OVS's own time);
then unplugs and destroys everything (timed).  Prints one JSON object.
Stand-in devices (taps) are created by the caller (xovs-bench-scale)."""

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import uuid

TICK = os.sysconf("SC_CLK_TCK")


class Agent:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.id = 0

    def call(self, method, **params):
        """(seconds, result) of one call; raises on an error answer."""
        self.id += 1
        line = json.dumps({"jsonrpc": "2.0", "id": self.id,
                           "method": method, "params": params})
        t0 = time.perf_counter()
        self.sock.sendall(line.encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("agent closed the connection")
            self.buf += chunk
        dt = time.perf_counter() - t0
        resp, self.buf = self.buf.split(b"\n", 1)
        obj = json.loads(resp)
        if "error" in obj:
            raise RuntimeError("%s: %s" % (method, obj["error"]["message"]))
        return dt, obj.get("result")


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(samples, p):
    s = sorted(samples)
    if not s:
        return 0.0
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def ms(x):
    return round(x * 1000.0, 3)


class Bench:
    def __init__(self, a):
        self.a = a
        self.agent = Agent(a.sock)
        self.pids = {"agent": a.agent_pid, "ovsdb": a.ovsdb_pid,
                     "vswitchd": a.vswitchd_pid}
        self.nets = []
        self.vifs = []  # (uuid, port name)
        self.have_batch = False

    def vsctl(self, *args):
        return subprocess.run(["ovs-vsctl", "--db=" + self.a.ovsdb,
                               "--timeout=60"] + list(args),
                              check=True, capture_output=True,
                              text=True).stdout

    def ports_in_ovs(self):
        out = self.vsctl("--format=csv", "--no-headings", "--columns=name",
                         "list", "Interface")
        return sum(1 for line in out.splitlines() if line.startswith("vif"))

    def cpu(self):
        return {k: cpu_s(p) for k, p in self.pids.items()}

    def create_vifs(self, lo, hi):
        """Creates and plugs VIFs lo..hi-1 (VIF i: domid i // 7 + 1,
        device i % 7); returns the per-call times."""
        times = []
        pending = []
        for i in range(lo, hi):
            domid, dev = i // 7 + 1, i % 7
            params = {"vm-uuid": str(uuid.UUID(int=domid)),
                      "domid": str(domid), "device": str(dev),
                      "network-uuid": self.nets[dev],
                      "mac": "02:00:%02x:%02x:%02x:%02x"
                      % (domid >> 8, domid & 255, dev, 1)}
            if self.a.batch > 1:
                pending.append(params)
                if len(pending) == self.a.batch or i == hi - 1:
                    times.extend(self.create_batch(pending))
                    pending = []
                continue
            dt, res = self.agent.call("vif-create", **params)
            times.append(dt)
            self.vifs.append((res["uuid"], "vif%d.%d" % (domid, dev)))
            dt, _ = self.agent.call("vif-plug", uuid=res["uuid"])
            times.append(dt)
        return times

    def create_batch(self, items):
        calls = [{"method": "vif-create", "params": p} for p in items]
        dt, res = self.agent.call("batch", calls=json.dumps(calls))
        uuids = res
        for p, u in zip(items, uuids):
            self.vifs.append((u, "vif%s.%s" % (p["domid"], p["device"])))
        calls = [{"method": "vif-plug", "params": {"uuid": u}} for u in uuids]
        dt2, _ = self.agent.call("batch", calls=json.dumps(calls))
        return [dt, dt2]

    def wait_ovs(self, n, limit):
        deadline = time.monotonic() + limit
        while True:
            have = self.ports_in_ovs()
            if have >= n or time.monotonic() > deadline:
                return have
            time.sleep(0.2)

    def stage(self, n):
        lo = len(self.vifs)
        c0 = self.cpu()
        t0 = time.perf_counter()
        times = self.create_vifs(lo, n)
        t_answered = time.perf_counter() - t0
        have = self.wait_ovs(n, self.a.ovs_wait)
        t_ovs = time.perf_counter() - t0
        c1 = self.cpu()
        # One plug with the host holding n: unplug, then time the plug.
        # The agent's CPU per change of each kind, which a loaded machine
        # does not distort as it does the latencies.
        plugs, changes_net, changes_vif = [], [], []
        step = max(1, n // self.a.sample)
        for k in range(0, n, step)[: self.a.sample]:
            u = self.vifs[k][0]
            self.agent.call("vif-unplug", uuid=u)
            plugs.append(self.agent.call("vif-plug", uuid=u)[0])
        c_plugs = self.cpu()
        for k in range(self.a.sample):
            changes_vif.append(self.agent.call(
                "vif-param-set", uuid=self.vifs[(k * step) % n][0],
                **{"other-config:bench": "%d-%d" % (n, k)})[0])
        c_vif = self.cpu()
        for k in range(self.a.sample):
            changes_net.append(self.agent.call(
                "network-param-set", uuid=self.nets[k % 7],
                **{"name-description": "n%d-%d" % (n, k)})[0])
        c2 = self.cpu()
        r = {
            "vifs": n,
            "added": n - lo,
            "answered_s": round(t_answered, 3),
            "in_ovs_s": round(t_ovs, 3),
            "ports_in_ovs": have,
            "call_p50_ms": ms(pct(times, 50)),
            "call_p99_ms": ms(pct(times, 99)),
            "plug_p50_ms": ms(pct(plugs, 50)),
            "plug_p99_ms": ms(pct(plugs, 99)),
            "network_change_p50_ms": ms(pct(changes_net, 50)),
            "network_change_p99_ms": ms(pct(changes_net, 99)),
            "vif_change_p50_ms": ms(pct(changes_vif, 50)),
            "vif_change_p99_ms": ms(pct(changes_vif, 99)),
            "agent_rss_kb": rss_kb(self.pids["agent"]),
            "agent_cpu_s": round(c1["agent"] - c0["agent"], 2),
            "ovsdb_cpu_s": round(c1["ovsdb"] - c0["ovsdb"], 2),
            "vswitchd_cpu_s": round(c1["vswitchd"] - c0["vswitchd"], 2),
            "agent_cpu_per_change_ms": ms(
                (c2["agent"] - c1["agent"]) / max(1, 3 * self.a.sample)),
            # vif-unplug + vif-plug pairs: per call
            "agent_cpu_per_plug_ms": ms(
                (c_plugs["agent"] - c1["agent"]) / max(1, 2 * len(plugs))),
            "agent_cpu_per_vif_change_ms": ms(
                (c_vif["agent"] - c_plugs["agent"]) / max(1, len(changes_vif))),
            "agent_cpu_per_network_change_ms": ms(
                (c2["agent"] - c_vif["agent"]) / max(1, len(changes_net))),
            "store_bytes": sum(
                os.path.getsize(p) for p in self.a.store_files
                if os.path.exists(p)),
        }
        print("N=%(vifs)d: answered in %(answered_s)ss, in OVS after "
              "%(in_ovs_s)ss (%(ports_in_ovs)d ports); plug p50/p99 "
              "%(plug_p50_ms)s/%(plug_p99_ms)s ms; network change p50 "
              "%(network_change_p50_ms)s ms, VIF change p50 "
              "%(vif_change_p50_ms)s ms; agent CPU per plug %(agent_cpu_per_plug_ms)s ms, "
              "per VIF change %(agent_cpu_per_vif_change_ms)s ms, per network "
              "change %(agent_cpu_per_network_change_ms)s ms; agent %(agent_rss_kb)d kB, "
              "%(agent_cpu_s)s s CPU; ovsdb %(ovsdb_cpu_s)s s, vswitchd "
              "%(vswitchd_cpu_s)s s" % r, file=sys.stderr, flush=True)
        return r

    def teardown(self):
        t0 = time.perf_counter()
        if self.a.batch > 1:
            for j in range(0, len(self.vifs), self.a.batch):
                chunk = self.vifs[j:j + self.a.batch]
                for verb in ("vif-unplug", "vif-destroy"):
                    calls = [{"method": verb, "params": {"uuid": u}}
                             for u, _ in chunk]
                    self.agent.call("batch", calls=json.dumps(calls))
        else:
            for u, _ in self.vifs:
                self.agent.call("vif-unplug", uuid=u)
                self.agent.call("vif-destroy", uuid=u)
        t = time.perf_counter() - t0
        have = self.wait_ovs_empty()
        return {"unplug_destroy_s": round(t, 3),
                "gone_from_ovs_s": round(time.perf_counter() - t0, 3),
                "ports_left": have}

    def wait_ovs_empty(self):
        deadline = time.monotonic() + self.a.ovs_wait
        while True:
            have = self.ports_in_ovs()
            if not have or time.monotonic() > deadline:
                return have
            time.sleep(0.2)

    def run(self):
        for k in range(7):
            _, res = self.agent.call("network-create",
                                     **{"name-label": "scale%d" % k})
            self.nets.append(res["uuid"])
        out = {"batch": self.a.batch, "devices": self.a.devices,
               "stages": []}
        for n in self.a.sizes:
            out["stages"].append(self.stage(n))
        out["teardown"] = self.teardown()
        print(json.dumps(out, indent=1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sock", required=True)
    p.add_argument("--ovsdb", required=True)
    p.add_argument("--agent-pid", type=int, required=True)
    p.add_argument("--ovsdb-pid", type=int, required=True)
    p.add_argument("--vswitchd-pid", type=int, required=True)
    p.add_argument("--sizes", required=True)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--sample", type=int, default=50)
    p.add_argument("--ovs-wait", type=float, default=600)
    p.add_argument("--devices", default="tap")
    p.add_argument("--store-files", default="")
    a = p.parse_args()
    a.sizes = [int(x) for x in a.sizes.split(",")]
    a.store_files = [x for x in a.store_files.split(",") if x]
    Bench(a).run()


if __name__ == "__main__":
    main()
