# rate (issue 5, scenario 4):
# rate= in the vif config (10 Mb/s) limits the guest's transmit rate to
# within 10%; changing the rate node live takes effect without replug.
# Hook: fill in once xovs-netback runs on the xen platform; until then the
# scenario skips with the reason.
. "$XOVS_SYSTEM/lib.sh"

need_netback
need_program xovs-agent
skip "not written yet"
