# tests/integration/lib.sh: shared helpers for the integration tests.
# shellcheck shell=bash
#
# Source it from a test script:
#
#   . "$(dirname "$0")/lib.sh"
#   host_start            # sandbox + xovs-agent: $NS $RUNDIR $OVSDB $T_DIR
#   ...
#   pass
#
# Everything a test creates (sandboxes, guest namespaces, the agent) is
# registered here and removed by the EXIT trap, also when the test fails.
# Exit status: 0 pass, 1 fail, 77 skip.
#
# Addresses: only 198.18.0.0/15 and 2001:db8::/32, only inside namespaces
# the test created.

set -Eeuo pipefail

TEST_NAME=$(basename "$0" .sh)
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SANDBOX=$TOP/scripts/ovs-sandbox
XOVS_BIN=${XOVS_BIN:-$TOP/build/bin}
XOVS_BIN=$(cd "$XOVS_BIN" 2>/dev/null && pwd || echo "$XOVS_BIN")
export XOVS_BIN
PATH=$PATH:/usr/sbin:/sbin
ID=$$
# The xovs daemons' default run directory (their control sockets unless a
# test names one): private to this test, removed by cleanup().
export XOVS_RUNDIR=/tmp/xovs-run.$ID

T_DIR=                 # scratch dir: store.json, agent.sock, agent.log
NS=                    # the host sandbox's namespace (where OVS and agent run)
RUNDIR=                # its OVS run directory
OVSDB=                 # unix:$RUNDIR/db.sock
SW_NS=                 # the "physical switch" sandbox, if any
SW_RUNDIR=
AGENT_PID=
AGENT_EXTRA_ARGS=()    # more xovs-agent options for agent_start
CLEAN_SANDBOXES=()
CLEAN_NETNS=()
CLEAN_HOOKS=()         # functions cleanup() calls first
T_FAILED=1             # cleared by pass()

log() {
    printf '[%s] %s\n' "$TEST_NAME" "$*"
}

fail() {
    log "FAIL: $*"
    exit 1
}

skip() {
    log "SKIP: $*"
    T_FAILED=0
    exit 77
}

pass() {
    log "PASS"
    T_FAILED=0
    exit 0
}

on_err() {
    local rc=$? line=$1 cmd=$2
    log "FAIL: line $line: '$cmd' exited $rc"
}
trap 'on_err "$LINENO" "$BASH_COMMAND"' ERR

cleanup() {
    local rc=$? s n
    trap - ERR
    set +e
    if [[ $T_FAILED -eq 1 && -n $T_DIR && -r $T_DIR/agent.log ]]; then
        log "--- last lines of agent.log ---"
        tail -n 30 "$T_DIR/agent.log" | sed "s/^/[$TEST_NAME] | /"
    fi
    for n in "${CLEAN_HOOKS[@]}"; do
        "$n"
    done
    agent_stop >/dev/null 2>&1
    for n in "${CLEAN_NETNS[@]}"; do
        ip netns delete "$n" 2>/dev/null
    done
    for s in "${CLEAN_SANDBOXES[@]}"; do
        "$SANDBOX" stop "$s"
    done
    if [[ -n $T_DIR && -d $T_DIR ]]; then
        rm -rf "$T_DIR"
    fi
    rm -rf "$XOVS_RUNDIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The machine must be able to run the tests at all; a missing build is a
# failure, not a skip.
require_basics() {
    local p
    [[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"
    ip netns list >/dev/null 2>&1 || skip "no network namespace support"
    for p in ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl ovsdb-tool; do
        command -v "$p" >/dev/null || skip "$p not installed (scripts/setup)"
    done
    [[ -c /dev/net/tun ]] || skip "no /dev/net/tun (OVS userspace datapath)"
    for p in xovs xovs-agent; do
        [[ -x $XOVS_BIN/$p ]] || fail "$XOVS_BIN/$p not built (make)"
    done
}

# settled CMD...: CMD's output once no record in it is "pending" (the
# agent has applied every change it recorded; 10 s at most, then as it
# is), so two snapshots compare what was recorded and applied, not how far
# a loaded machine's OVS had caught up at that instant.
settled() {
    local out i
    for ((i = 0; i < 50; i++)); do
        out=$("$@")
        grep -q '"status": *"pending"' <<<"$out" || break
        sleep 0.2
    done
    printf '%s\n' "$out"
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_until() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 10; i++)); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# sandbox_start NAME: starts an OVS sandbox and sets XOVS_NETNS, OVS_RUNDIR
# and OVSDB from what it prints (not exported).
sandbox_start() {
    local env
    CLEAN_SANDBOXES+=("$1")
    env=$("$SANDBOX" start "$1") || fail "ovs-sandbox start $1"
    eval "$env"
}

# host_start: the host under test: a sandbox plus xovs-agent in it.
host_start() {
    require_basics
    T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
    sandbox_start "xh$ID"
    NS=$XOVS_NETNS
    # shellcheck disable=SC2153 # set by sandbox_start's eval
    RUNDIR=$OVS_RUNDIR
    unset XOVS_NETNS OVS_RUNDIR OVS_DBDIR OVS_LOGDIR
    log "host sandbox $NS up (OVS run dir $RUNDIR)"
    agent_start
}

# agent_start: starts xovs-agent in the host namespace on the same store.
agent_start() {
    rm -f "$T_DIR/agent.sock" "$T_DIR/agent.pid"
    ip netns exec "$NS" "$XOVS_BIN/xovs-agent" --ovsdb="$OVSDB" \
        --store="$T_DIR/store.json" --rpc="unix:$T_DIR/agent.sock" \
        --detach --pidfile="$T_DIR/agent.pid" --log-file="$T_DIR/agent.log" \
        "${AGENT_EXTRA_ARGS[@]}" 2>>"$T_DIR/agent.stderr" ||
        fail "xovs-agent did not start: $(tail -n 5 "$T_DIR/agent.stderr")"
    wait_until 10 test -s "$T_DIR/agent.pid" || fail "no agent pidfile"
    AGENT_PID=$(tr -dc 0-9 <"$T_DIR/agent.pid")
    wait_until 10 xovs network-list || fail "agent does not answer on $T_DIR/agent.sock"
    log "xovs-agent running (pid $AGENT_PID)"
}

# agent_stop: ends the agent by its pid.
agent_stop() {
    local i
    [[ -n $AGENT_PID ]] || return 0
    if [[ -d /proc/$AGENT_PID ]]; then
        kill -TERM "$AGENT_PID" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            [[ -d /proc/$AGENT_PID ]] || break
            sleep 0.1
        done
        if [[ -d /proc/$AGENT_PID ]]; then
            kill -KILL "$AGENT_PID" 2>/dev/null || true
            sleep 0.2
        fi
    fi
    AGENT_PID=
}

# Bad-input cases (tests 60, 87, 113, 118, 124): the test defines
# snapshot, printing everything a refused call must leave alone, and writes
# its output to $T_DIR/before first; BAD_CASES counts the cases.
#
#   reject PATTERN ARGS...   xovs ARGS exits 1, says PATTERN (an extended
#                            regex, any case) on stderr, prints no uuid and
#                            changes nothing (snapshot as before)
#   usage_error ARGS...      xovs ARGS exits 2 with a message
BAD_CASES=0
# short ARGS...: the arguments with uuids cut to 8 hex digits, for the log.
short() {
    sed -E 's/([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/\1../g' <<<"$*"
}
reject() {
    local pattern=$1 rc=0 err
    shift
    BAD_CASES=$((BAD_CASES + 1))
    "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent.sock" "$@" \
        >"$T_DIR/out" 2>"$T_DIR/err" || rc=$?
    err=$(tr '\n' ' ' <"$T_DIR/err")
    [[ $rc -eq 1 ]] ||
        fail "case $BAD_CASES: xovs $* exited $rc, want 1 (stderr: $err)"
    grep -qiE -- "$pattern" "$T_DIR/err" ||
        fail "case $BAD_CASES: xovs $*: stderr does not name the field /$pattern/: $err"
    if grep -qE '[0-9a-f]{8}-[0-9a-f]{4}-' "$T_DIR/out"; then
        fail "case $BAD_CASES: xovs $* printed a uuid although rejected: $(cat "$T_DIR/out")"
    fi
    snapshot >"$T_DIR/after"
    if ! cmp -s "$T_DIR/before" "$T_DIR/after"; then
        diff -u "$T_DIR/before" "$T_DIR/after" | sed "s/^/[$TEST_NAME] | /" | head -30
        fail "case $BAD_CASES: xovs $* was rejected but changed something"
    fi
    log "ok $BAD_CASES: xovs $(short "$@") -> 1: $(short "$err")"
}
usage_error() {
    local rc=0
    BAD_CASES=$((BAD_CASES + 1))
    "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent.sock" "$@" \
        >"$T_DIR/out" 2>"$T_DIR/err" || rc=$?
    [[ $rc -eq 2 ]] ||
        fail "case $BAD_CASES: xovs $* exited $rc, want 2 (stderr: $(tr '\n' ' ' <"$T_DIR/err"))"
    [[ -s $T_DIR/err ]] || fail "case $BAD_CASES: xovs $*: usage error without a message"
    log "ok $BAD_CASES: xovs $(short "$@") -> 2: $(head -n1 "$T_DIR/err")"
}

# The CLI, talking to this test's agent.
xovs() {
    "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent.sock" "$@"
}

# hold_admin_clients N: N idle clients connect to the agent's admin socket
# and stay (tests/integration/rpc-holders.py) until release_admin_clients
# or cleanup; sets HOLDERS_SUMMARY to their summary "accepted=A refused=R"
# (their output, with the first refusal's line, is in $T_DIR/holders.out).
HOLDERS_PID=
# shellcheck disable=SC2034 # read by the tests that call hold_admin_clients
HOLDERS_SUMMARY=
hold_admin_clients() {
    python3 "$TOP/tests/integration/rpc-holders.py" "$T_DIR/agent.sock" "$1" \
        "$T_DIR" >"$T_DIR/holders.log" 2>&1 &
    HOLDERS_PID=$!
    CLEAN_HOOKS+=(release_admin_clients)
    wait_until 20 test -e "$T_DIR/holders.out" ||
        fail "holders did not finish: $(cat "$T_DIR/holders.log")"
    # shellcheck disable=SC2034 # read by the caller
    HOLDERS_SUMMARY=$(head -n 1 "$T_DIR/holders.out")
}

# release_admin_clients: the clients of hold_admin_clients disconnect.
# shellcheck disable=SC2317 # also run by cleanup() (CLEAN_HOOKS)
release_admin_clients() {
    [[ -n $HOLDERS_PID ]] || return 0
    touch "$T_DIR/holders.release"
    wait "$HOLDERS_PID" 2>/dev/null || true
    HOLDERS_PID=
}

# metrics_agent: restarts the agent with its Prometheus endpoint on
# $T_DIR/metrics.sock for metric (skips the test without curl).
metrics_agent() {
    command -v curl >/dev/null || skip "curl not installed"
    agent_stop
    AGENT_EXTRA_ARGS+=(--metrics="unix:$T_DIR/metrics.sock")
    agent_start
}
# metric SERIES: the value of SERIES (name and labels, as printed) there.
metric() {
    curl -s --max-time 10 --unix-socket "$T_DIR/metrics.sock" \
        http://localhost/metrics | awk -v m="$1" '$1 == m { print $2 }'
}

# create_vifs N FIRST-DOMID NETWORK...: N VIF records made in batches of
# 250 (VM d = FIRST-DOMID + i/7 has devices 0..6, device k on the NETWORKs
# in turn), not plugged; the array vifs holds their uuids in order.
create_vifs() {
    local n=$1 first=$2 lo out
    shift 2
    python3 - "$n" "$first" "$@" >"$T_DIR/creates" <<'PY'
import sys, uuid
n, first, nets = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
for i in range(n):
    d, k = i // 7 + first, i % 7
    print("vif-create vm-uuid=%s domid=%d device=%d network-uuid=%s "
          "mac=02:00:%02x:%02x:%02x:01" % (uuid.uuid4(), d, k,
                                           nets[k % len(nets)],
                                           d >> 8, d & 255, k))
PY
    vifs=()
    for ((lo = 1; lo <= n; lo += 250)); do
        out=$(sed -n "$lo,$((lo + 249))p" "$T_DIR/creates" | xovs batch) ||
            fail "batch of creates refused: $out"
        mapfile -t -O "${#vifs[@]}" vifs <<<"$out"
    done
}
# plug_vifs UUID...: plugs the VIFs, 250 per batch call.
plug_vifs() {
    local lo
    for ((lo = 1; lo <= $#; lo += 250)); do
        printf 'vif-plug uuid=%s\n' "${@:lo:250}" | xovs batch >/dev/null ||
            fail "batch of plugs refused"
    done
}
# agent_synced: the agent's metrics endpoint (metrics_agent) reports no
# reconcile lag.
agent_synced() {
    [[ $(metric xovs_agent_reconcile_lag_seconds) == 0.000 ]]
}
# vif_ports_are N: OVS has N vif* ports.
vif_ports_are() {
    (($(n_vif_ports) == $1))
}
# wait_vif_ports N: OVS has N vif* ports and the agent has caught up.
wait_vif_ports() {
    wait_until 150 vif_ports_are "$1" || fail "OVS has $(n_vif_ports) of $1 VIF ports"
    wait_until 120 agent_synced || fail "the agent never caught up with $1 VIFs"
}
# n_vif_ports: how many ports named vif* OVS has.
n_vif_ports() {
    vsctl --format=csv --no-headings --columns=name list Port | grep -c '^vif' || true
}

# OVS tools inside the host sandbox.
hexec() {
    ip netns exec "$NS" env OVS_RUNDIR="$RUNDIR" OVS_DBDIR="$RUNDIR" \
        OVS_LOGDIR="$RUNDIR" "$@"
}
vsctl() {
    hexec ovs-vsctl --db="$OVSDB" --timeout=10 "$@"
}
ofctl() {
    hexec ovs-ofctl "$@"
}

new_uuid() {
    cat /proc/sys/kernel/random/uuid
}

# The namespace of guest NAME.
gns() {
    echo "xg$ID-$1"
}

# gexec NAME CMD...: runs CMD in guest NAME's namespace.  Not for a
# background job whose pid is kept: `gexec ... &` makes $! a subshell, and
# killing it leaves CMD running; use `ip netns exec "$(gns NAME)" CMD &`.
gexec() {
    local g=$1
    shift
    ip netns exec "$(gns "$g")" "$@"
}

# guest_mac DOMID DEVID: the MAC the tests give vif<domid>.<devid>'s guest.
guest_mac() {
    printf '02:00:c6:12:%02x:%02x\n' "$1" "$2"
}

# guest_add NAME DOMID DEVID ADDR/PREFIX [MTU]: a guest namespace whose eth0
# is the far end of a veth pair; the near end, vif<domid>.<devid>, is in the
# host sandbox's namespace where OVS can take it as a VIF port.
guest_add() {
    local name=$1 domid=$2 devid=$3 addr=$4 mtu=${5:-} g
    g=$(gns "$name")
    CLEAN_NETNS+=("$g")
    ip netns add "$g"
    ip -n "$g" link set lo up
    ip link add "vif$domid.$devid" netns "$NS" type veth peer name eth0 netns "$g"
    ip -n "$g" link set eth0 address "$(guest_mac "$domid" "$devid")"
    # Only the guest's side: the host side's MTU is OVS's job (mtu_request).
    if [[ -n $mtu ]]; then
        ip -n "$g" link set eth0 mtu "$mtu"
    fi
    ip -n "$g" addr add "$addr" dev eth0
    ip -n "$g" link set eth0 up
    ip -n "$NS" link set "vif$domid.$devid" up
    # TCP over the userspace datapath needs real checksums from the guest.
    gexec "$name" ethtool -K eth0 tx off >/dev/null 2>&1 || true
}

# vif_attach NAME DOMID DEVID NETWORK-UUID [xovs vif-create args...]:
# creates and plugs the VIF record for guest NAME; prints the VIF uuid.
vif_attach() {
    local name=$1 domid=$2 devid=$3 net=$4 vm vif
    shift 4
    vm=$(new_uuid)
    vif=$(xovs vif-create vm-uuid="$vm" domid="$domid" device="$devid" \
        network-uuid="$net" mac="$(guest_mac "$domid" "$devid")" "$@") ||
        fail "vif-create for $name"
    xovs vif-plug uuid="$vif" >/dev/null || fail "vif-plug $vif"
    echo "$vif"
}

# port_on_bridge PORT BRIDGE: true when OVS has PORT on BRIDGE and it has an
# OpenFlow port number (the interface really opened).
port_on_bridge() {
    local br ofport
    br=$(vsctl port-to-br "$1" 2>/dev/null) || return 1
    [[ $br == "$2" ]] || return 1
    ofport=$(vsctl get Interface "$1" ofport 2>/dev/null) || return 1
    [[ $ofport =~ ^[0-9]+$ && $ofport -gt 0 ]]
}

# wait_port PORT BRIDGE: waits (10 s) for the agent to have put PORT on BRIDGE.
wait_port() {
    wait_until 10 port_on_bridge "$1" "$2" ||
        fail "port $1 not on bridge $2 (ovs-vsctl show: $(vsctl show | tr '\n' ' '))"
}

# port_col PORT COLUMN[:KEY]: a Port column (or map value) without quotes.
port_col() {
    vsctl get Port "$1" "$2" | tr -d '"'
}

# bond_ifaces PORT: the names of PORT's interfaces, sorted, one a line.
bond_ifaces() {
    local u
    for u in $(vsctl --bare --columns=interfaces find Port name="$1" | tr ',' ' '); do
        vsctl get Interface "$u" name | tr -d '"'
    done | LC_ALL=C sort
}

# bond_on_bridge PORT BRIDGE: true when OVS has bond PORT on BRIDGE and
# every member interface has an OpenFlow port number.
bond_on_bridge() {
    local br ifaces i ofport
    br=$(vsctl port-to-br "$1" 2>/dev/null) || return 1
    [[ $br == "$2" ]] || return 1
    ifaces=$(bond_ifaces "$1") || return 1
    [[ -n $ifaces ]] || return 1
    for i in $ifaces; do
        ofport=$(vsctl get Interface "$i" ofport 2>/dev/null) || return 1
        [[ $ofport =~ ^[0-9]+$ && $ofport -gt 0 ]] || return 1
    done
}

# wait_bond PORT BRIDGE: waits (10 s) for bond PORT on BRIDGE.
wait_bond() {
    wait_until 10 bond_on_bridge "$1" "$2" ||
        fail "bond $1 not on bridge $2 (ovs-vsctl show: $(vsctl show | tr '\n' ' '))"
}

# network_bridge UUID: the bridge of network UUID.
network_bridge() {
    xovs network-list uuid="$1" params=bridge --minimal
}

# ping_ok GUEST DEST: GUEST reaches DEST (a few tries for ARP and flows).
ping_ok() {
    local g=$1
    shift
    wait_until 10 gexec "$g" ping -c 1 -W 1 "$@"
}

# ping_fails GUEST DEST: three pings from GUEST to DEST all get no answer.
ping_fails() {
    local g=$1
    shift
    ! gexec "$g" ping -c 3 -i 0.3 -W 1 "$@" >/dev/null 2>&1
}

# expect_ping GUEST [PING-OPTIONS] DEST: GUEST must get an answer.
expect_ping() {
    local g=$1
    shift
    if ping_ok "$g" "$@"; then
        log "ok: ($g) ping $* -> answered"
    else
        fail "($g) ping $* -> no answer, but it must pass"
    fi
}

# expect_no_ping GUEST [PING-OPTIONS] DEST: GUEST must get no answer.
expect_no_ping() {
    local g=$1
    shift
    if ping_fails "$g" "$@"; then
        log "ok: ($g) ping $* -> no answer"
    else
        fail "($g) ping $* -> answered, but it must not pass"
    fi
}

# switch_start: a "physical switch": a second OVS sandbox with bridge sw0,
# joined to the host by a veth pair eth1 (host namespace) -- p1 (switch,
# a trunk port on sw0).
switch_start() {
    local keep=$OVSDB
    sandbox_start "xs$ID"
    OVSDB=$keep
    SW_NS=$XOVS_NETNS
    SW_RUNDIR=$OVS_RUNDIR
    unset XOVS_NETNS OVS_RUNDIR OVS_DBDIR OVS_LOGDIR
    "$SANDBOX" link "$NS" eth1 "$SW_NS" p1
    swvsctl add-br sw0 -- set Bridge sw0 datapath_type=netdev \
        -- add-port sw0 p1
    ip -n "$SW_NS" link set sw0 up
    log "physical switch $SW_NS up: host eth1 <-> switch p1 on sw0"
}

# switch_start_multi N [BOND-SETTINGS...]: a "physical switch" sandbox
# joined to the host by N veth pairs eth<I> (host) -- p<I> (switch).  With
# BOND-SETTINGS (ovs-vsctl add-bond column=value words, e.g.
# bond_mode=balance-tcp lacp=active) p1..pN form bond "swbond" on sw0, the
# host bond's partner; without, they are N plain ports of sw0.
switch_start_multi() {
    local n=$1 keep=$OVSDB i
    local -a ports=()
    shift
    sandbox_start "xs$ID"
    OVSDB=$keep
    SW_NS=$XOVS_NETNS
    SW_RUNDIR=$OVS_RUNDIR
    unset XOVS_NETNS OVS_RUNDIR OVS_DBDIR OVS_LOGDIR
    for ((i = 1; i <= n; i++)); do
        "$SANDBOX" link "$NS" "eth$i" "$SW_NS" "p$i"
        ports+=("p$i")
    done
    if [[ $# -gt 0 ]]; then
        swvsctl add-br sw0 -- set Bridge sw0 datapath_type=netdev \
            -- add-bond sw0 swbond "${ports[@]}" "$@"
        log "physical switch $SW_NS up: host eth1..eth$n <-> bond swbond ($*) on sw0"
    else
        swvsctl add-br sw0 -- set Bridge sw0 datapath_type=netdev
        for i in "${ports[@]}"; do
            swvsctl add-port sw0 "$i"
        done
        log "physical switch $SW_NS up: host eth1..eth$n <-> plain ports p1..p$n on sw0"
    fi
    ip -n "$SW_NS" link set sw0 up
}

swappctl() {
    swexec ovs-appctl "$@"
}
happctl() {
    hexec ovs-appctl "$@"
}

# bond_field BOND-UUID FIELD: one field of xovs bond-list, as text.
bond_field() {
    xovs bond-list uuid="$1" params="$2" --minimal
}

# bond_is BOND-UUID FIELD VALUE: bond-list's FIELD is VALUE now (for
# wait_until, which must re-read it on every try).
bond_is() {
    [[ $(bond_field "$1" "$2") == "$3" ]]
}

# port_is PORT COLUMN VALUE: port_col PORT COLUMN is VALUE now.
port_is() {
    [[ $(port_col "$1" "$2") == "$3" ]]
}

# bond_pifs N: pif-scan, then prints the PIF uuids of eth1..ethN
# comma-separated.
bond_pifs() {
    local n=$1 i out=
    xovs pif-scan >/dev/null
    for ((i = 1; i <= n; i++)); do
        out+=${out:+,}$(pif_of_device "eth$i")
    done
    echo "$out"
}

# lacp_all_current SWITCH|HOST PORT N: every one of N members of bond PORT
# shows "current attached" in lacp/show on that side.
lacp_all_current() {
    local side=$1 port=$2 n=$3 out
    if [[ $side == switch ]]; then
        out=$(swappctl lacp/show "$port") || return 1
    else
        out=$(happctl lacp/show "$port") || return 1
    fi
    grep -q "status: active negotiated" <<<"$out" || return 1
    [[ $(grep -c "^member: .*: current attached" <<<"$out") -eq $n ]]
}

# host_bond_negotiated BOND-UUID N: xovs bond-list reports LACP negotiated
# and N members up, current and attached.
host_bond_negotiated() {
    [[ $(bond_field "$1" lacp-status) == negotiated ]] || return 1
    [[ $(bond_field "$1" links-up) == "$2" ]] || return 1
    [[ $(bond_field "$1" slave-status | grep -o "lacp current attached" | wc -l) -eq $2 ]]
}

# now_ms: wall clock in milliseconds.
now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# ping_gap LOG: the longest time in ms between consecutive answered pings
# in the output of ping -D (timestamps in [seconds.micro]).
ping_gap() {
    awk -F'[][]' '/bytes from/ { t = $2 * 1000; if (last && t - last > max) max = t - last; last = t }
        END { printf "%d\n", max }' "$1"
}

swexec() {
    ip netns exec "$SW_NS" env OVS_RUNDIR="$SW_RUNDIR" OVS_DBDIR="$SW_RUNDIR" \
        OVS_LOGDIR="$SW_RUNDIR" "$@"
}
swvsctl() {
    swexec ovs-vsctl --db="unix:$SW_RUNDIR/db.sock" --timeout=10 "$@"
}

# switch_host NAME TAG ADDR/PREFIX: a machine on the switch's access port
# for VLAN TAG (port a<TAG>-<NAME> on sw0 with tag=TAG; TAG "-" for an
# untagged port).  It is a guest-like namespace: use gexec NAME.
switch_host() {
    local name=$1 tag=$2 addr=$3 g port
    g=$(gns "$name")
    port="a$tag$name"
    port=${port:0:15}
    CLEAN_NETNS+=("$g")
    ip netns add "$g"
    ip -n "$g" link set lo up
    ip link add "$port" netns "$SW_NS" type veth peer name eth0 netns "$g"
    ip -n "$g" addr add "$addr" dev eth0
    ip -n "$g" link set eth0 up
    ip -n "$SW_NS" link set "$port" up
    gexec "$name" ethtool -K eth0 tx off >/dev/null 2>&1 || true
    if [[ $tag == - ]]; then
        swvsctl add-port sw0 "$port"
    else
        swvsctl add-port sw0 "$port" tag="$tag"
    fi
}

# pif_of_device DEV: the uuid of DEV's physical PIF (after pif-scan).
pif_of_device() {
    local u
    u=$(xovs pif-list device="$1" physical=true params=uuid --minimal 2>/dev/null) ||
        u=$(xovs pif-list device="$1" params=uuid --minimal)
    [[ -n $u && $u != *,* ]] || fail "no single PIF for $1: '$u'"
    echo "$u"
}

# ensure_plugged PIF-UUID: plugs the PIF unless it already is.
ensure_plugged() {
    local att
    att=$(xovs pif-list uuid="$1" params=currently-attached --minimal)
    if [[ $att != true ]]; then
        xovs pif-plug uuid="$1" >/dev/null
    fi
}

# ovs_state: OVS's configuration as comparable text: bridges, ports,
# interfaces with what the agent sets, and the agent's flows, without uuids,
# counters or ofport numbers; sorted.
ovs_state() {
    local br
    {
        vsctl --format=csv --data=bare --no-headings --columns=name,datapath_type,external_ids,fail_mode \
            list Bridge | sed 's/^/bridge,/'
        vsctl --format=csv --data=bare --no-headings --columns=name,tag,fake_bridge,external_ids \
            list Port | sed 's/^/port,/'
        vsctl --format=csv --data=bare --no-headings --columns=name,type,mtu_request,external_ids,options \
            list Interface | sed 's/^/iface,/'
        for br in $(vsctl list-br); do
            # A fake bridge's flows are its parent's.
            [[ $(vsctl br-to-parent "$br") == "$br" ]] || continue
            ofctl --names --no-stats dump-flows "$br" "cookie=0x786f767300000000/0xffffffff00000000" |
                { grep -v '^NXST_FLOW\|^OFPST_FLOW' || true; } |
                sed -E 's/(duration|n_packets|n_bytes|idle_age|hard_age)=[^,]*, ?//g; s/^ +//' |
                sed "s/^/flow,$br,/"
        done
    } | LC_ALL=C sort
}

# ovs_dups: bridge, port or interface names OVS holds more than once.
ovs_dups() {
    local table
    for table in Bridge Port Interface; do
        vsctl --format=csv --data=bare --no-headings --columns=name list "$table" |
            LC_ALL=C sort | uniq -d | sed "s/^/$table /"
    done
}

# expect_same_state FILE WHAT: ovs_state must (within 10 s) equal FILE;
# fails showing the diff.
expect_same_state() {
    local want=$1 what=$2 now i
    now=$T_DIR/state.now
    # The agent may still be converging: allow it 10 s.
    for ((i = 0; i < 50; i++)); do
        ovs_state >"$now" 2>/dev/null || true
        cmp -s "$want" "$now" && break
        sleep 0.2
    done
    if ! cmp -s "$want" "$now"; then
        log "OVS state differs after $what:"
        diff -u "$want" "$now" | sed "s/^/[$TEST_NAME] | /" || true
        fail "OVS configuration changed after $what"
    fi
    if [[ -n $(ovs_dups) ]]; then
        fail "duplicate bridges/ports after $what: $(ovs_dups | tr '\n' ' ')"
    fi
    log "ok: OVS configuration unchanged after $what"
}

# expect_refused TEXT CMD...: CMD must fail and its output (stdout and
# stderr) must contain TEXT, e.g. the name of the field the error is about.
expect_refused() {
    local text=$1 out
    shift
    if out=$("$@" 2>&1); then
        fail "accepted, but must be refused: $* -> $out"
    fi
    [[ $out == *"$text"* ]] || fail "refused without naming '$text': $* -> $out"
    log "ok: refused, names '$text': ${out:0:160}"
}
