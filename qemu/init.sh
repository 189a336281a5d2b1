#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of kpart's test initramfs: mount the usual filesystems, run the guest
# script (or a shell), hand the whole kernel log to the host, power off.
#
# The console shows only errors (loglevel=4): warnings, lockdep, kmemleak and
# KASAN reports may not reach it, and a guest script may clear dmesg. So a
# reader of /dev/kmsg, started before anything else, keeps every record of
# the boot, and the host's guard (tests/harness/verdict.py) reads that copy.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
hostname kpart
export HOME=/root KPART=/kpart
# qemu/boot.sh -o shares a host directory for exported files (kpart_export).
mkdir -p /kpart/out
mount -t 9p -o trans=virtio,version=9p2000.L kpart_out /kpart/out 2>/dev/null ||
	rmdir /kpart/out
. /kpart/lib.sh

# Every kernel log record, from the first one of the boot.
cat /dev/kmsg >/tmp/kernel.log &
kmsg_reader=$!

# Leak suspects of the boot itself are not the guest script's.
KMEMLEAK=/sys/kernel/debug/kmemleak
if [ -w $KMEMLEAK ]; then
	echo scan >$KMEMLEAK && echo clear >$KMEMLEAK
fi

cd /kpart
if [ "${KPART_SHELL:-0}" = 1 ]; then
	echo "kpart: modules in /kpart; try: insmod /kpart/kpart.ko; cat /proc/slabinfo; rmmod kpart"
	echo "kpart: 'reboot -f' (or Ctrl-A x) leaves."
	setsid cttyhack sh -l
	status=0
else
	sh /kpart/guest.sh
	status=$?
fi

# kmemleak's suspects since the clear. kmemleak reports an object only when
# it is MSECS_MIN_AGE (5 s, mm/kmemleak.c) old at the start of a scan, and
# never in the first scan after its allocation: a scan holds back objects
# whose contents changed since the scan before, and a new object has no
# checksum yet. So: a scan now, and another once the guest script's last
# objects are old enough. (With kmemleak=off the file is there, and refuses
# the scan.)
if [ -w $KMEMLEAK ]; then
	read -r end _ </proc/uptime
	if echo scan >$KMEMLEAK; then
		read -r now _ </proc/uptime
		# In hundredths of a second, as /proc/uptime counts: 5 s and
		# a margin after the script's end, less the first scan.
		left=$((${end%.*}${end#*.} + 550 - ${now%.*}${now#*.}))
		[ $left -le 0 ] || sleep "$((left / 100)).$(printf %02d $((left % 100)))"
		echo scan >$KMEMLEAK
	fi
	cat $KMEMLEAK >/tmp/kmemleak
	kpart_export kmemleak /tmp/kmemleak
fi
# The reader stops when records it has not read are overwritten: then the
# copy is incomplete, and the host's guard fails on the missing end marker.
sleep 1
if kill -0 $kmsg_reader 2>/dev/null; then
	kill $kmsg_reader
	wait $kmsg_reader 2>/dev/null
	echo "KPART-KERNEL-LOG-COMPLETE" >>/tmp/kernel.log
fi
# (Without the continuation lines of records: device properties.)
grep -v '^ ' /tmp/kernel.log >/tmp/kernel.log.records
kpart_export kernel.log /tmp/kernel.log.records
sync
echo "KPART-GUEST-EXIT: $status"
# Let the serial line drain before the machine goes: the UART's transmit
# count stops moving once its buffer is empty (under a loaded host that can
# take many seconds).
last=
for i in $(seq 240); do
	[ -r /proc/tty/driver/serial ] || { sleep 2; break; }
	sleep 0.5
	now=$(sed -n 's/^0:.* tx:\([0-9]*\).*/\1/p' /proc/tty/driver/serial 2>/dev/null)
	[ -n "$now" ] && [ "$now" = "$last" ] && break
	last=$now
done
sleep 1
# -no-reboot: QEMU exits when the guest reboots (works with acpi=off too).
reboot -f
