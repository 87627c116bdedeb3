#!/bin/bash
# xovs-test: alone
# `make install DESTDIR=...` installs the product and nothing else: the
# programs a user runs (xovs-agent, xovs, xovs-netback, xovs-controller, and the emulated
# platform's xovs-xenstored and xovs-guest, for trying xovs without Xen),
# scripts/vif as xovs-vif next to xovs-netback, the systemd units of
# xovs-agent and xovs-netback with their paths filled in, and the man
# pages.  Tools only the tests use (xs-test-client, xovs-evil-guest,
# unit-tests, the fuzzers) stay in build/.  Run as README.md
# shows it (`make install`), once with the default PREFIX and once with
# PREFIX=/usr.  No root needed; nothing outside its scratch dir is touched.
. "$(dirname "$0")/lib.sh"

T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")

# The tests' binaries are the ones make installs: build/san/bin is the
# SANITIZE build's.
make_args=()
if [[ $XOVS_BIN == "$TOP/build/san/bin" ]]; then
    make_args+=("SANITIZE=address,undefined")
fi

# install PREFIX: runs make install into $T_DIR/PREFIX-NAME and prints the
# tree it left, one "MODE PATH" line per file, sorted.
install_tree() {
    local dest=$T_DIR/dest${1//\//-}
    # A fresh make: not the jobserver of a make check this may run under.
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
        make -s -C "$TOP" install DESTDIR="$dest" PREFIX="$1" \
        "${make_args[@]}" >"$T_DIR/make.log" 2>&1 || {
        cat "$T_DIR/make.log"
        fail "make install PREFIX=$1 failed"
    }
    (cd "$dest" && find . ! -type d -printf '%m /%P\n' | sort -k2)
}

# expect_tree PREFIX: the exact list of what make install PREFIX=PREFIX
# must leave, and checks of the files' contents.
expect_tree() {
    local prefix=$1 dest=$T_DIR/dest${1//\//-} got want p
    got=$(install_tree "$prefix")
    want=$(
        for p in xovs xovs-agent xovs-controller xovs-guest xovs-netback \
            xovs-vif xovs-xenstored; do
            echo "755 $prefix/bin/$p"
        done
        # The DPDK plugin (docs/dpdk.md), never built sanitized.
        if [[ ${#make_args[@]} -eq 0 ]]; then
            echo "644 $prefix/lib/$(gcc -print-multiarch)/xovs/librte_net_xovs.so"
        fi
        echo "644 /lib/systemd/system/xovs-agent.service"
        echo "644 /lib/systemd/system/xovs-netback.service"
        for p in xovs.1 xovs-guest.1 xovs-agent.8 xovs-controller.8 \
            xovs-netback.8 xovs-vif.8 xovs-xenstored.8; do
            echo "644 $prefix/share/man/man${p##*.}/$p"
        done
    )
    want=$(sort -k2 <<<"$want")
    if [[ $got != "$want" ]]; then
        log "installed (<) versus expected (>):"
        diff <(echo "$got") <(echo "$want") | sed "s/^/[$TEST_NAME] | /" ||
            true
        fail "make install PREFIX=$prefix installed the wrong files"
    fi
    for p in xs-test-client xovs-evil-guest unit-tests fuzz; do
        ! grep -q "/$p" <<<"$got" || fail "test tool $p installed"
    done
    log "PREFIX=$prefix: $(wc -l <<<"$got") files, the product only"

    # The installed programs are the built ones, and they run.
    for p in xovs xovs-agent xovs-netback xovs-xenstored xovs-guest; do
        cmp -s "$dest$prefix/bin/$p" "$XOVS_BIN/$p" ||
            fail "$prefix/bin/$p is not $XOVS_BIN/$p"
    done
    "$dest$prefix/bin/xovs-agent" --help >/dev/null ||
        fail "installed xovs-agent --help failed"
    cmp -s "$dest$prefix/bin/xovs-vif" "$TOP/scripts/vif" ||
        fail "$prefix/bin/xovs-vif is not scripts/vif"
    for p in xovs-agent xovs-netback; do
        grep -qx "ExecStart=$prefix/bin/$p .*" \
            "$dest/lib/systemd/system/$p.service" ||
            fail "$p.service does not start $prefix/bin/$p"
        ! grep -q @ "$dest/lib/systemd/system/$p.service" ||
            fail "$p.service has an unfilled @VARIABLE@"
    done
}

for p in xovs xovs-agent xovs-netback xovs-xenstored xovs-guest; do
    [[ -x $XOVS_BIN/$p ]] || fail "$XOVS_BIN/$p not built (make)"
done
expect_tree /usr/local
expect_tree /usr
pass
