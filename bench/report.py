#!/usr/bin/env python3
"""bench/report.py RESULTS.tsv [--json=FILE] [--plot=FILE.png] ...: the
table, JSON and gnuplot PNG of one xovs-bench run.

RESULTS.tsv has one figure per line: PATH METRIC SIZE VALUE UNIT NOTE
(tab-separated), as xovs-bench's record() writes them.  Ratios pair each
path with the anchor driven by the same traffic program: xovs tap / anchor
B (xovs-pktgen on AF_PACKET both), xovs DPDK / anchor A, guest generator /
xovs tap (the same path, two generators: the generator's own factor), DPDK
path with xovs-pktgen on the guests' eth0 / xovs tap (same program, ports
and guests; only the switch side differs).

Sustained runs (bench-lib.sh's sustain_record: metrics sustain_*) get a
table of their own (frames offered at 90 % of the path's 64 B maximum for
a number of seconds: sent, received, lost and the loss ratio) and a
"sustained" list in the JSON; profiles (profile_stop: metrics
profile_switch, profile_traffic) a list of their files and top entries,
"profiles" in the JSON."""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

PATHS = [
    ("anchorA", "anchor A (OVS-DPDK vhost-user)"),
    ("anchorM", "anchor M (OVS-DPDK memif)"),
    ("xovsDPDK", "DPDK path (net_xovs)"),
    ("xovsDPDKafp", "DPDK path, pktgen on eth0"),
    ("tap", "tap path (netback+tap)"),
    ("anchorB", "anchor B (veth, OVS userspace)"),
    ("guestgen", "guest generator on tap path"),
    ("memcpy", "memcpy ceiling (1 core)"),
]
RATIOS = {"xovsDPDK": "anchorA", "anchorM": "anchorA", "tap": "anchorB",
          "guestgen": "tap", "xovsDPDKafp": "tap"}


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 5:
                continue
            try:
                value = float(p[3])
            except ValueError:
                value = 0.0
            rows.append({"path": p[0], "metric": p[1], "size": int(p[2]),
                         "value": value, "unit": p[4],
                         "note": p[5] if len(p) > 5 else ""})
    return rows


def get(rows, path, metric, size):
    for r in rows:
        if r["path"] == path and r["metric"] == metric and r["size"] == size:
            return r
    return None


def ratio(rows, path, metric, size):
    base = RATIOS.get(path)
    a = get(rows, path, metric, size)
    b = get(rows, base, metric, size) if base else None
    if a and b and a["value"] > 0 and b["value"] > 0:
        return a["value"] / b["value"]
    return None


def sustained(rows):
    """One dict per (path, size) with a sustained run, in PATHS order."""
    order = {p: i for i, (p, _) in enumerate(PATHS)}
    out = []
    for r in rows:
        if r["metric"] != "sustain_lost":
            continue
        p, s = r["path"], r["size"]

        def v(metric):
            x = get(rows, p, metric, s)
            return x["value"] if x else 0

        sent = int(v("sustain_sent"))
        out.append({"path": p, "size": s, "rate": int(v("sustain_rate")),
                    "seconds": int(v("sustain_seconds")),
                    "sent_pps": int(v("sustain_sent_pps")),
                    "sent": sent, "received": int(v("sustain_received")),
                    "lost": int(r["value"]),
                    "loss_ratio": v("sustain_loss_ratio"),
                    "failed": sent == 0, "note": r["note"]})
    out.sort(key=lambda d: (order.get(d["path"], len(order)), d["size"]))
    return out


def sustained_table(sus):
    out = ["Sustained: frames offered at 90 % of each path's measured 64 B "
           "maximum (lost = sent in the measured seconds and never "
           "received)"]
    head = "%-32s%6s%12s%12s%12s%12s%10s%11s" % (
        "path", "size", "offered pps", "sent pps", "sent", "received",
        "lost", "loss")
    out.append(head)
    out.append("-" * len(head))
    for d in sus:
        label = dict(PATHS).get(d["path"], d["path"])
        if d["failed"]:
            out.append("%-32s%6s  %s" % (label, "%d B" % d["size"],
                                          d["note"]))
            continue
        # A generator that did not get enough of its core to offer the
        # rate says nothing about that rate.
        short = d["sent_pps"] < 0.98 * d["rate"]
        out.append("%-32s%6s%12d%12d%12d%12d%10d%10.4f%%  %d s%s" % (
            label, "%d B" % d["size"], d["rate"], d["sent_pps"], d["sent"],
            d["received"], d["lost"], d["loss_ratio"] * 100, d["seconds"],
            "  (sent < offered)" if short else ""))
    return out


def profiles(rows):
    out = []
    for r in rows:
        if r["metric"] in ("profile_switch", "profile_traffic"):
            f, _, top = r["note"].partition(": ")
            out.append({"path": r["path"], "core": r["metric"][8:],
                        "file": f, "idle_percent": r["value"], "top": top})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--json")
    ap.add_argument("--plot")
    ap.add_argument("--mode", default="")
    ap.add_argument("--seconds", default="")
    ap.add_argument("--sizes", default="")
    ap.add_argument("--tso", default="")
    ap.add_argument("--ovs", default="")
    ap.add_argument("--cpu", default="")
    ap.add_argument("--load", default="")
    ap.add_argument("--sustain", default="")
    a = ap.parse_args()
    rows = load(a.results)
    sizes = [int(s) for s in a.sizes.split(",") if s]
    now = datetime.datetime.now(datetime.timezone.utc)
    out = []
    out.append("xovs-bench %s, %s run, %s s per figure, %d CPUs (%s), OVS %s,"
               " userspace-tso-enable=%s" % (
                   now.strftime("%Y-%m-%d %H:%M UTC"), a.mode, a.seconds,
                   os.cpu_count(), a.cpu, a.ovs, a.tso))
    out.append("load average at start / end: %s (anything else running "
               "shares the two cores)" % a.load)
    out.append("Mpps received (frame sizes with FCS); ratio to the anchor "
               "driven by the same generator")
    head = "%-32s" % "path" + "".join("%18s" % ("%d B" % s) for s in sizes)
    out.append(head)
    out.append("-" * len(head))
    for path, label in PATHS:
        cells = []
        for s in sizes:
            r = get(rows, path, "pps", s) or get(rows, path, "pps", 0)
            if r is None:
                cells.append("%18s" % "-")
            elif r["value"] <= 0:
                cells.append("%18s" % (r["note"] or "failed")[:17])
            else:
                q = ratio(rows, path, "pps", s)
                txt = "%.3f" % (r["value"] / 1e6)
                if q is not None:
                    txt += " (%.2fx)" % q
                cells.append("%18s" % txt)
        out.append("%-32s" % label + "".join(cells))
    out.append("")
    extra = []
    for r in rows:
        if (r["metric"] == "pps" or r["metric"].startswith("sustain_")
                or r["metric"].startswith("profile_")):
            continue
        label = {"tcp": "TCP, one stream", "pps16": "16 VIFs, 64 B",
                 "lat_p50": "latency p50, 64 B at half max",
                 "lat_p99": "latency p99, 64 B at half max",
                 "lat_lost": "lost at half max (64 B)",
                 "tx_ns": "engine TX", "rx_ns": "engine RX",
                 "tx_instr": "engine TX", "rx_instr": "engine RX",
                 "tx_instr_engine": "engine TX, without the bed",
                 "rx_instr_engine": "engine RX, without the bed"}.get(
                     r["metric"], r["metric"])
        name = dict(PATHS).get(r["path"], r["path"])
        val = r["value"]
        if r["unit"] == "pps":
            txt = "%.3f Mpps" % (val / 1e6)
        elif r["unit"] == "us" and val >= 20000:
            txt = ">= 20000 us"  # xovs-pktgen's histogram ends at 20 ms
        else:
            txt = "%g %s" % (val, r["unit"])
        q = None
        base = RATIOS.get(r["path"])
        if base and r["metric"] != "lat_lost":
            b = get(rows, base, r["metric"], r["size"])
            if b and b["value"] > 0 and val > 0:
                q = val / b["value"]
        extra.append("%-34s %-30s %18s%s%s" % (
            label, name.split(" (")[0], txt,
            " (%.2fx)" % q if q is not None else "",
            "  " + r["note"] if r["note"] else ""))
    out.extend(extra)
    sus = sustained(rows)
    if sus:
        out.append("")
        out.extend(sustained_table(sus))
    profs = profiles(rows)
    if profs:
        out.append("")
        out.append("Profiles (perf, 64 B flat out): the core's samples by "
                   "command and its top symbols by self time (swapper: idle)")
        for d in profs:
            out.append("%-32s %-7s %5.1f %% idle  %s" % (
                dict(PATHS).get(d["path"], d["path"]), d["core"],
                d["idle_percent"], d["file"]))
            for part in d["top"].split("; top symbols "):
                out.append("%4s%s" % ("", part))
    print("\n".join(out))

    if a.json:
        doc = {"date": now.isoformat(), "mode": a.mode,
               "seconds": a.seconds, "sizes": sizes, "cpus": os.cpu_count(),
               "cpu": a.cpu, "load": a.load, "ovs": a.ovs, "userspace_tso": a.tso,
               "sustain_seconds": a.sustain, "results": [],
               "sustained": sus, "profiles": profs}
        for r in rows:
            d = dict(r)
            q = ratio(rows, r["path"], r["metric"], r["size"])
            if q is not None:
                d["ratio"] = round(q, 4)
                d["ratio_to"] = RATIOS[r["path"]]
            doc["results"].append(d)
        with open(a.json, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")

    if a.plot:
        plot(rows, sizes, a.plot)


def plot(rows, sizes, png):
    cols = [p for p, _ in PATHS if any(
        get(rows, p, "pps", s) and get(rows, p, "pps", s)["value"] > 0
        for s in sizes)]
    if not cols:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as d:
        for s in sizes:
            vals = []
            for p in cols:
                r = get(rows, p, "pps", s)
                v = r["value"] / 1e6 if r and r["value"] > 0 else 0
                vals.append("%.4f" % v)
            d.write("%d %s\n" % (s, " ".join(vals)))
        dat = d.name
    labels = dict(PATHS)
    script = [
        "set terminal pngcairo size 1000,600" if has_cairo()
        else "set terminal png size 1000,600",
        "set output '%s'" % png,
        "set termoption noenhanced",  # net_xovs is not a subscript
        "set title 'xovs-bench: Mpps received by frame size'",
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.8 border -1",
        "set logscale y",
        "set ylabel 'Mpps (log)'",
        "set xlabel 'frame size (bytes, with FCS)'",
        "set key outside right",
        "set grid ytics",
    ]
    parts = []
    for i, p in enumerate(cols):
        parts.append("'%s' using %d:xtic(1) title '%s'" % (
            dat, i + 2, labels[p]))
    script.append("plot " + ", ".join(parts))
    try:
        subprocess.run(["gnuplot"], input="\n".join(script) + "\n",
                       text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("xovs-bench: gnuplot failed: %s" % e, file=sys.stderr)
    finally:
        os.unlink(dat)


def has_cairo():
    try:
        r = subprocess.run(["gnuplot", "-e", "set terminal"],
                           capture_output=True, text=True)
        return "pngcairo" in (r.stdout + r.stderr)
    except OSError:
        return False


if __name__ == "__main__":
    main()
