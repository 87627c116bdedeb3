#!/bin/sh
# tests/system/domu-init.sh: /init of the domU initramfs (a Linux PV guest
# running Debian's kernel, the same one as dom0).  It loads the stock
# xen-netfront, gives eth0 the address from the kernel command line, and then
# serves commands from dom0 over xenstore, so scenarios can drive the guest
# without a network of their own (lib.sh's domu_exec):
#
#   dom0 writes  /local/domain/D/data/xovs/cmd   a shell command
#                /local/domain/D/data/xovs/seq   a new number
#   the guest runs it and writes data/xovs/out (last 2000 bytes of output),
#   data/xovs/rc, and then data/xovs/done = seq.
#
# data/xovs/ready is 1 once eth0 exists and the loop is running.
#
# Kernel command line (xl's extra=):
#   xovs.ip=ADDR/PLEN      IPv4 address for eth0 (198.18.0.0/15 only)
#   xovs.ip6=ADDR/PLEN     IPv6 address for eth0 (2001:db8::/32 only)
#   xen_netfront.max_queues=N etc. are applied by modprobe

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
echo 1 >/proc/sys/kernel/printk
ip link set lo up

say() {
    echo "xovs-domu: [$(cut -d' ' -f1 /proc/uptime)s] $*"
}

ip4=
ip6=
# shellcheck disable=SC2013 # the kernel command line: one line of words
for arg in $(cat /proc/cmdline); do
    case $arg in
    xovs.ip=*) ip4=${arg#xovs.ip=} ;;
    xovs.ip6=*) ip6=${arg#xovs.ip6=} ;;
    esac
done
say "up, kernel $(uname -r)"

modprobe xen-netfront || say "modprobe xen-netfront failed"
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
if [ -e /sys/class/net/eth0 ]; then
    [ -z "$ip4" ] || ip addr add "$ip4" dev eth0
    [ -z "$ip6" ] || ip -6 addr add "$ip6" dev eth0 # busybox ip: no nodad
    ip link set eth0 up
    say "eth0 $(cat /sys/class/net/eth0/address) ${ip4:-} ${ip6:-}"
else
    say "no eth0 after 10 s"
fi

xenstore-write data/xovs/cmd "" data/xovs/seq 0 data/xovs/done 0 \
    data/xovs/out "" data/xovs/rc "" || say "cannot write to xenstore"
xenstore-write data/xovs/ready 1
say "ready"

last=0
while :; do
    seq=$(xenstore-read data/xovs/seq 2>/dev/null)
    if [ -n "$seq" ] && [ "$seq" != "$last" ]; then
        cmd=$(xenstore-read data/xovs/cmd 2>/dev/null)
        sh -c "$cmd" >/tmp/out 2>&1 </dev/null
        rc=$?
        xenstore-write data/xovs/out "$(tail -c 2000 /tmp/out)" \
            data/xovs/rc "$rc"
        xenstore-write data/xovs/done "$seq"
        last=$seq
    else
        sleep 0.2
    fi
done
