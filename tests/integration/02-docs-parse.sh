#!/bin/bash
# 02-docs-parse: every command line README.md and docs/*.md show for an xovs
# program still parses: daemons' lines with --help appended, the CLI's with
# --dry-run (a documented usage error must be the one the CLI gives),
# synopses against --help (tests/integration/docs_commands.py).  Needs no
# daemon and no root.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 not installed"
for p in xovs xovs-agent xovs-netback xovs-xenstored xovs-guest \
    xovs-evil-guest; do
    [[ -x $XOVS_BIN/$p ]] || fail "$XOVS_BIN/$p not built (make)"
done
out=$(cd "$TOP" && env -i PATH="$PATH" python3 \
    tests/integration/docs_commands.py "$XOVS_BIN" README.md docs/*.md) ||
    fail "documented command lines that do not parse:
$(grep -E '^FAIL' <<<"$out")"
log "$(tail -n 1 <<<"$out")"
pass
