#!/bin/bash
# docs/cli.md's table "Verbs and their xe equivalents" lists every verb of
# `xovs help`, each with an xe equivalent (or "none"): a verb added to the
# verb table without a row fails here.  A row may name several verbs of one
# kind as "KIND-param-get, -add, -remove, -clear".  A verb's help line
# may continue on the next line (indented, "[--option]..."): not a verb.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[[ -x $XOVS_BIN/xovs ]] || fail "$XOVS_BIN/xovs not built (make)"
table=$(awk '/^## Verbs and their xe equivalents/ { on = 1; next }
    on && /^## / { on = 0 } on && /^\| [a-zA-Z]/' "$TOP/docs/cli.md")
[[ -n $table ]] || fail "docs/cli.md has no verb table"
# The verbs of each row: "a, b" and "KIND-param-get, -add" expanded.
documented=$(awk -F'|' 'NR > 1 {
    n = split($2, v, ","); base = ""
    for (i = 1; i <= n; i++) {
        gsub(/^ +| +$/, "", v[i])
        if (v[i] ~ /^-/) { print base v[i] }
        else { print v[i]; base = v[i]; sub(/-[a-z]+$/, "", base) }
    }
    gsub(/^ +| +$/, "", $3); if ($3 == "") print "NO-XE-EQUIVALENT " v[1]
}' <<<"$table")
if grep -q '^NO-XE-EQUIVALENT' <<<"$documented"; then
    fail "rows without an xe equivalent: $(grep '^NO-XE' <<<"$documented" | tr '\n' ' ')"
fi
missing=()
n=0
while read -r verb _; do
    n=$((n + 1))
    grep -qx -- "$verb" <<<"$documented" || missing+=("$verb")
done < <("$XOVS_BIN/xovs" help | awk '/^verbs:/ { on = 1; next } on && $1 != "help" && $1 ~ /^[a-z]/ { print $1 }')
[[ $n -gt 20 ]] || fail "xovs help listed only $n verbs"
[[ ${#missing[@]} -eq 0 ]] ||
    fail "verbs missing from docs/cli.md's table: ${missing[*]}"
log "ok: all $n verbs of xovs help are in docs/cli.md's table"
pass
