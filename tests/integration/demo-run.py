#!/usr/bin/env python3
"""tests/integration/demo-run.py: runs a program and finds what it left running.

  demo-run.py OUT [--interrupt-after REGEX] -- CMD...

Runs CMD (its stdout and stderr to file OUT) as a child of this process,
which is a child subreaper (PR_SET_CHILD_SUBREAPER): every process CMD
starts, daemons that detached included, is reparented here when its parent
ends, so after CMD exited any process still a child of ours is one CMD
started and did not end.  With --interrupt-after, SIGINT goes to CMD's
process group (as Ctrl-C in a terminal) once a line of OUT matches REGEX.

Prints "pid=N" (CMD's), "rc=N" (its exit status, 128+signal if a signal ended it), then
"left: PID CMDLINE" for each process left behind (2 s after CMD exited,
reaping the ones that ended meanwhile).  Exits 0 unless it could not run.
Used by 07-demo.sh.
"""
import ctypes
import os
import re
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def children():
    """Our children that have not ended (zombies are reaped)."""
    me = os.getpid()
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == me and fields[0] != "Z":
            out.append((int(d), cmd.strip()))
    return out


def reap_zombies(keep):
    """Reaps our zombie children, except pid keep (Popen's to reap)."""
    me = os.getpid()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == keep:
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == me and fields[0] == "Z":
            try:
                os.waitpid(int(d), os.WNOHANG)
            except ChildProcessError:
                pass


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main():
    args = sys.argv[1:]
    if len(args) < 3 or "--" not in args:
        sys.exit(__doc__)
    sep = args.index("--")
    out, opts, cmd = args[0], args[1:sep], args[sep + 1:]
    pattern = None
    if opts:
        if len(opts) != 2 or opts[0] != "--interrupt-after":
            sys.exit(__doc__)
        pattern = re.compile(opts[1])
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER): errno %d" % ctypes.get_errno())
    with open(out, "wb") as f:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=f,
                             stderr=subprocess.STDOUT, start_new_session=True)
    interrupted = pattern is None
    while p.poll() is None:
        if not interrupted:
            with open(out, errors="replace") as f:
                if any(pattern.search(line) for line in f):
                    os.killpg(p.pid, signal.SIGINT)
                    interrupted = True
        # CMD's daemons were reparented here: reap them as they end, or
        # CMD waiting for them to go would see zombies that never do.
        reap_zombies(p.pid)
        time.sleep(0.1)
    rc = p.returncode if p.returncode >= 0 else 128 - p.returncode
    print("pid=%d" % p.pid)
    print("rc=%d" % rc)
    left = []
    for _ in range(10):
        reap()
        left = children()
        if not left:
            break
        time.sleep(0.2)
    for pid, c in left:
        print("left: %d %s" % (pid, c))


if __name__ == "__main__":
    main()
