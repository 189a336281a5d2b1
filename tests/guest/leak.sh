#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A user of kpart leaks objects and is removed, then kpart is removed: this
# must neither crash nor corrupt memory. The slab allocator reports each cache
# that still holds objects, unlinks it and leaks its remaining slabs, so the
# leaked objects stay valid memory that is never reused. kpart can then be
# loaded again. Run in a boot of its own, since these reports are expected
# here and forbidden everywhere else: the host allows exactly them
# (scripts/run-tests.sh). kmemleak is off in this boot: the leak is
# deliberate, and whether its scan sees the leaked objects at once depends
# on stale pointers left in stacks.
set -e
insmod /kpart/kpart.ko
insmod /kpart/kpart_stress.ko leak=100
rmmod kpart_stress
rmmod kpart
echo "kpart removed with leaked objects"
# Reading the slab state works, and no kpart cache is listed any more.
cat /proc/slabinfo >/dev/null
ls -R /sys/kernel/slab >/dev/null
[ "$(grep -c '^kpart-' /proc/slabinfo)" = 0 ]
# The names are free again: kpart loads and unloads.
insmod /kpart/kpart.ko
rmmod kpart
echo 'kpart reloaded after the leak'
echo 3 >/proc/sys/vm/drop_caches
echo "leak test done"
