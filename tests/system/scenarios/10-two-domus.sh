# two-domus (issue 5, scenario 1):
# two PV domUs on one network: ping and iperf3 (TCP, guest TSO/GSO on) in
# both directions through xovs-netback and kernel OVS.
# Hook: fill in once xovs-netback runs on the xen platform; until then the
# scenario skips with the reason.
. "$XOVS_SYSTEM/lib.sh"

need_netback
need_program xovs-agent
skip "not written yet"
