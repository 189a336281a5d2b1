#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of kpart's test initramfs: mount the usual filesystems, run the guest
# script (or a shell), report its exit status on the console, power off.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
hostname kpart
export HOME=/root KPART=/kpart
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
# The kernel's reports, for the host's guard (the console shows errors only:
# warnings and lockdep, kmemleak, KASAN reports may not reach it).
echo 'scan' >/sys/kernel/debug/kmemleak 2>/dev/null
echo "KPART-DMESG-BEGIN"
dmesg | grep -E -A 30 'BUG:|WARNING:|Oops|KASAN|kmemleak:|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU|general protection|UBSAN|Call Trace' | head -n 400
echo "KPART-DMESG-END"
echo "KPART-GUEST-EXIT: $status"
# Let the serial line drain before the machine goes.
sleep 2
# -no-reboot: QEMU exits when the guest reboots (works with acpi=off too).
reboot -f
