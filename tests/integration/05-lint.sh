#!/bin/bash
# make lint (scripts/lint) on a small tree built here, with the project's
# .shellcheckrc and .clang-format: it finds shell scripts by their shebang
# (no .sh needed) and by .sh (a sourced scenario without shebang), C files
# anywhere, skips build/, reports each bad file by name and fails; it passes
# a clean tree, and OVS loop macros (SSET_FOR_EACH (n, set) {) count as
# formatted.  No root needed; nothing outside its scratch dir is touched.
. "$(dirname "$0")/lib.sh"

for p in shellcheck clang-format; do
    command -v "$p" >/dev/null || skip "$p not installed (scripts/setup)"
done
T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
tree=$T_DIR/tree
mkdir -p "$tree/scripts" "$tree/tools" "$tree/tests/system" "$tree/src" \
    "$tree/build/ovs"
cp "$TOP/scripts/lint" "$tree/scripts/"
cp "$TOP/.shellcheckrc" "$TOP/.clang-format" "$tree/"

# Bad: an unquoted expansion (SC2086) in a script without .sh, and in a
# sourced scenario that has no shebang.
# shellcheck disable=SC2016 # the $1 is the bad script's, not expanded here
printf '#!/bin/sh\necho $1\n' >"$tree/tools/runme"
# shellcheck disable=SC2016 # the same
printf '# a scenario\n# shellcheck shell=bash\nls $HOME\n' \
    >"$tree/tests/system/scen.sh"
# Bad: a C file not as clang-format would write it.
printf 'int\nf(void) { return 1; }\n' >"$tree/src/bad.c"
# Good: formatted, with an OVS loop macro.
cat >"$tree/src/good.c" <<'EOF'
#include "sset.h"

int
count(const struct sset *set)
{
    const char *name;
    int n = 0;

    SSET_FOR_EACH (name, set) {
        n++;
    }
    return n;
}
EOF
# Not ours: build/ is never looked at.
cp "$tree/tools/runme" "$tree/build/ovs/configure"
cp "$tree/src/bad.c" "$tree/build/ovs/bad.c"
printf 'not a script\n' >"$tree/tools/README"

rc=0
"$tree/scripts/lint" >"$T_DIR/out" 2>&1 || rc=$?
sed "s/^/[$TEST_NAME] | /" "$T_DIR/out"
((rc == 1)) || fail "lint exited $rc on a tree with bad files, expected 1"
grep -q '^tools/runme:2:.*SC2086' "$T_DIR/out" ||
    fail "the script found by its shebang (tools/runme) not reported"
grep -q '^tests/system/scen.sh:3:.*SC2086' "$T_DIR/out" ||
    fail "the sourced scenario without shebang not reported"
grep -q '^src/bad.c: not clang-formatted' "$T_DIR/out" ||
    fail "src/bad.c not reported"
! grep -q 'good.c\|build/\|README' "$T_DIR/out" ||
    fail "lint reported a good file or one under build/"
grep -q '^lint: clang-format: 2 C files, 1 not formatted$' "$T_DIR/out" ||
    fail "lint did not count 2 C files (build/ left out)"

rm "$tree/tools/runme" "$tree/tests/system/scen.sh" "$tree/src/bad.c"
"$tree/scripts/lint" >"$T_DIR/out" 2>&1 || {
    sed "s/^/[$TEST_NAME] | /" "$T_DIR/out"
    fail "lint failed on a clean tree"
}
log "clean tree: $(tr '\n' ' ' <"$T_DIR/out")"
pass
