#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A user of kpart leaks objects and is removed, then kpart is removed: this
# must neither crash nor corrupt memory. The slab allocator reports each cache
# that still holds objects and keeps it (the host checks the log: those
# reports, and nothing worse). Run in a boot of its own, since the reports are
# expected here and forbidden everywhere else.
set -e
insmod /kpart/kpart.ko
insmod /kpart/kpart_stress.ko leak=100
rmmod kpart_stress
rmmod kpart
echo "kpart removed with leaked objects"
# The caches that hold the leaked objects are kept; reading them works.
kept=$(ls -d /sys/kernel/slab/kpart-* | wc -l)
echo "kpart caches kept: $kept"
[ "$kept" -ge 1 ]
cat /proc/slabinfo /sys/kernel/slab/kpart-*/objects >/dev/null
# Allocating and freeing elsewhere still works.
echo 3 >/proc/sys/vm/drop_caches
ls -R /sys/kernel/slab >/dev/null
echo "leak test done"
