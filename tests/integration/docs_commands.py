#!/usr/bin/env python3
"""tests/integration/docs_commands.py BIN FILE.md...: checks that every
command line README.md and docs/*.md show for an xovs program still parses.

Code blocks (fenced, or indented by 4 spaces) are read; continuation lines
are joined; commands inside $(...) are checked too.  A line whose program
is one of PROGRAMS is checked by its kind:
  - a synopsis (it has [, |, ..., VERB or --opt=METAVAR): every --option it names must be
    in the program's --help;
  - a daemon's concrete command line: "PROGRAM ARGS --help" must exit 0
    (getopt sees every option and value before --help stops it);
  - an xovs CLI line: "xovs --dry-run ARGS" must exit 0 -- or, in a
    "$ command" transcript whose shown output is a usage error, exit 2
    with exactly the message shown.
Shell variables and $(...) become the placeholder x0.  Prints one line per
check and "N checked, N failed"; exits 1 on any failure, also when fewer
than MIN_CHECKS lines were found (the docs cannot silently lose them)."""

import os
import re
import shlex
import subprocess
import sys
import tempfile

PROGRAMS = {"xovs", "xovs-agent", "xovs-netback", "xovs-xenstored",
            "xovs-guest", "xovs-evil-guest", "xovs-controller"}
MIN_CHECKS = 40
OPTION = re.compile(r"--[a-z][a-z0-9-]*")
# An argument whose value is a metavariable: --domid=N, --mac=MAC.
PLACEHOLDER = re.compile(r"^--[a-z0-9-]+=[A-Z][A-Z_]*$")


def code_blocks(text):
    """Yields (line number, [lines]) of each code block."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            start, block = i + 2, []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                block.append(lines[i])
                i += 1
            yield start, block
        elif line.startswith("    ") and (i == 0 or not lines[i - 1].strip()):
            start, block = i + 1, []
            while i < len(lines) and (lines[i].startswith("    ")
                                      or not lines[i].strip()):
                block.append(lines[i][4:])
                i += 1
            yield start, block
            continue
        i += 1


def logical_lines(start, block):
    """Joins backslash continuations: yields (line number, text)."""
    cur, cur_no = "", start
    for n, line in enumerate(block):
        if not cur:
            cur_no = start + n
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        cur += line
        if cur.strip():
            yield cur_no, cur.strip()
        cur = ""
    if cur.strip():
        yield cur_no, cur.strip()


def substitutions(cmd):
    """Commands inside $(...), innermost first, and the line with each
    $(...) replaced by X."""
    inner = []
    while True:
        m = re.search(r"\$\(([^()]*)\)", cmd)
        if not m:
            break
        inner.append(m.group(1))
        cmd = cmd[:m.start()] + "x0" + cmd[m.end():]
    return inner, cmd


def split_command(cmd):
    """(program basename, args) of a shell command, or None."""
    cmd = cmd.split(";")[0].split("|")[0] if "[" not in cmd else cmd
    cmd = re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", "x0", cmd)
    try:
        words = shlex.split(cmd, comments=True)
    except ValueError:
        return None
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words.pop(0)
    if words[:3] == ["ip", "netns", "exec"] and len(words) > 3:
        words = words[4:]
    if words and words[0] in ("sudo", "exec"):
        words.pop(0)
    if not words or os.path.basename(words[0]) not in PROGRAMS:
        return None
    return os.path.basename(words[0]), words[1:]


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def main():
    bindir, files = sys.argv[1], sys.argv[2:]
    helps, checked, failed = {}, 0, 0
    scratch_dir = tempfile.TemporaryDirectory(prefix="xovs-docs-")
    scratch = scratch_dir.name

    def help_of(prog):
        if prog not in helps:
            rc, out, err = run([os.path.join(bindir, prog), "--help"])
            helps[prog] = out + err if rc == 0 else None
        return helps[prog]

    def report(where, ok, what):
        nonlocal checked, failed
        checked += 1
        failed += not ok
        print("%s: %s: %s" % ("ok" if ok else "FAIL", where, what))

    for path in files:
        with open(path) as f:
            text = f.read()
        name = os.path.relpath(path)
        for start, block in code_blocks(text):
            lines = list(logical_lines(start, block))
            for idx, (no, line) in enumerate(lines):
                where = "%s:%d" % (name, no)
                transcript = line.startswith("$ ")
                shown = []
                if transcript:
                    line = line[2:]
                    for _, out in lines[idx + 1:]:
                        if out.startswith("$ "):
                            break
                        shown.append(out)
                inner, outer = substitutions(line)
                for cmd in inner + [outer]:
                    parsed = split_command(cmd)
                    if not parsed:
                        continue
                    prog, args = parsed
                    synopsis = any(t in cmd for t in ("[", "|", "...")) \
                        or "VERB" in args or any(PLACEHOLDER.search(a)
                                                 for a in args)
                    exe = os.path.join(bindir, prog)
                    if synopsis:
                        h = help_of(prog)
                        if h is None:
                            report(where, False, "%s --help failed" % prog)
                            continue
                        missing = [o for o in OPTION.findall(cmd)
                                   if not re.search(re.escape(o) + r"\b", h)]
                        report(where, not missing,
                               "%s synopsis%s" % (prog, (": not in --help: "
                                                  + " ".join(missing))
                                                  if missing else ""))
                    elif prog == "xovs":
                        rc, out, err = run([exe, "--dry-run"] + args)
                        usage = [s for s in shown if "(see: xovs help" in s]
                        if usage:
                            ok = rc == 2 and err.strip() == usage[0]
                            what = "usage error as shown"
                        else:
                            ok = rc == 0
                            what = "parses"
                        report(where, ok, "xovs %s %s%s" % (
                            " ".join(args), what,
                            "" if ok else " (exit %d: %s)" % (rc,
                                                            err.strip())))
                    else:
                        # Options such as --log-file act while parsing:
                        # their /tmp paths go to a scratch directory.
                        args = [a.replace("/tmp/", scratch + "/")
                                for a in args]
                        rc, out, err = run([exe] + args + ["--help"])
                        report(where, rc == 0, "%s %s parses%s" % (
                            prog, " ".join(args),
                            "" if rc == 0 else " (exit %d: %s)"
                            % (rc, err.strip())))
    if checked < MIN_CHECKS:
        print("FAIL: only %d command lines found (expected at least %d)"
              % (checked, MIN_CHECKS))
        failed += 1
    print("%d checked, %d failed" % (checked, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
