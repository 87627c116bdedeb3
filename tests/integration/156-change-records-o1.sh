#!/bin/bash
# 156-change-records-o1: on a host with many VIFs (2000, made through the
# batch verb), one vif-plug, vif-unplug or vif-param-set copies, checks
# and journals a handful of records, not the host's 2000
# (xovs_agent_change_records_total{work=copied|checked|journaled}), and is
# still durable: after a SIGKILL the restarted agent has it.  A rejected
# change and a batch that fails halfway leave the records as they were.
# Before: every change copied the whole records (to undo it), checked
# every record and diffed the whole store against the copy.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

N=2000
host_start
metrics_agent

work() { metric "xovs_agent_change_records_total{work=\"$1\"}"; }
snap() { echo "$(work copied) $(work checked) $(work journaled)"; }

nets=("$(xovs network-create name-label=o1a)" "$(xovs network-create name-label=o1b)")
create_vifs "$N" 1 "${nets[@]}"
((${#vifs[@]} == N)) || fail "${#vifs[@]} VIFs created, wanted $N"
log "ok: $N VIFs created"

read -r c0 k0 j0 <<<"$(snap)"
[[ $c0 =~ ^[0-9]+$ && $k0 =~ ^[0-9]+$ && $j0 =~ ^[0-9]+$ ]] ||
    fail "the agent does not count its records' work per change (xovs_agent_change_records_total)"
target=${vifs[1000]}
# One change at a time; each must do O(1) record work.
one_change() {
    local what=$1
    shift
    local c k j
    read -r c0 k0 j0 <<<"$(snap)"
    xovs "$@" >/dev/null || fail "$what refused"
    read -r c k j <<<"$(snap)"
    log "$what: copied $((c - c0)), checked $((k - k0)), journaled $((j - j0)) records (host has $N VIFs)"
    ((c - c0 <= 50 && k - k0 <= 50 && j - j0 <= 50)) ||
        fail "$what copied $((c - c0)), checked $((k - k0)), journaled $((j - j0)) records (host has $N VIFs)"
}
one_change "vif-plug" vif-plug uuid="$target"
one_change "vif-param-set" vif-param-set uuid="$target" other-config:o1=yes MTU=1400
one_change "vif-unplug" vif-unplug uuid="$target"
one_change "vif-plug again" vif-plug uuid="$target"
one_change "vif-destroy of another" vif-destroy uuid="${vifs[1500]}"

# Rejected: nothing changes (plugging a second VIF as the same vifD.N).
clash=$(xovs vif-create vm-uuid="$(cat /proc/sys/kernel/random/uuid)" \
    domid=$((1000 / 7 + 1)) device=$((1000 % 7)) network-uuid="${nets[0]}" \
    mac=02:00:ff:00:00:01) || fail "vif-create refused"
out=$(xovs vif-plug uuid="$clash" 2>&1) && fail "a second vif$((1000 / 7 + 1)).$((1000 % 7)) was plugged"
[[ $out == *"already the port of plugged VIF $target"* ]] || fail "unexpected refusal: $out"
# A batch whose second call fails undoes its first.
out=$(printf 'vif-param-set uuid=%s MTU=1300\nvif-plug uuid=%s\n' "${vifs[5]}" "$clash" |
    xovs batch 2>&1) && fail "the batch with a clashing plug succeeded"
[[ $out == *"nothing in the batch was changed"* ]] || fail "unexpected batch refusal: $out"
[[ $(xovs vif-list uuid="${vifs[5]}" params=MTU) != *1300* ]] ||
    fail "the failed batch left VIF ${vifs[5]}'s MTU changed: $(xovs vif-list uuid="${vifs[5]}" params=MTU)"
log "ok: a refused change and a failed batch change nothing"

# Durable: answered OK is on disk.  SIGKILL, restart, look.
kill -9 "$AGENT_PID"
# shellcheck disable=SC2317 # called through wait_until
gone() { [[ ! -d /proc/$AGENT_PID ]]; }
wait_until 10 gone || fail "agent $AGENT_PID survived SIGKILL"
agent_start
row=$(xovs vif-list uuid="$target" params=currently-attached,MTU,other-config)
[[ $row == *true* && $row == *1400* && $row == *o1* ]] ||
    fail "after SIGKILL the plug and param-set of $target are lost: $row"
[[ -z $(xovs vif-list uuid="${vifs[1500]}" params=uuid) ]] ||
    fail "after SIGKILL the destroyed VIF ${vifs[1500]} is back"
n=$(xovs vif-list params=uuid | grep -c . || true)
((n == N)) || fail "after SIGKILL the agent has $n VIFs, wanted $N ($N - 1 destroyed + 1 created)"
log "ok: after SIGKILL every answered change is there ($n VIFs)"
pass
