#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A user of kpart leaks objects and is removed, then kpart is removed: this
# must neither crash nor corrupt memory. The slab allocator reports each cache
# that still holds objects, unlinks it and leaks its remaining slabs, so the
# leaked objects stay valid memory that is never reused; kmemleak finds them.
# kpart can then be loaded again. Run in a boot of its own, since these
# reports are expected here and forbidden everywhere else: the host allows
# exactly them (scripts/run-tests.sh).
set -e
LEAKED=100
KMEMLEAK=/sys/kernel/debug/kmemleak
insmod /kpart/kpart.ko
insmod /kpart/kpart_stress.ko leak=$LEAKED
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
# kmemleak reports objects unreferenced for 5 s: the leaked ones (and the
# caches that held them) are found; then they are forgotten, so that the
# boot's last scan (qemu/init.sh) reports only what is new.
sleep 6
echo scan >$KMEMLEAK
found=$(grep -c '^unreferenced object' $KMEMLEAK || true)
echo "kmemleak found $found objects ($LEAKED leaked by kpart_stress)"
[ "$found" -ge $LEAKED ]
echo clear >$KMEMLEAK
echo "leak test done"
