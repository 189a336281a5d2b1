#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A user of kpart leaks objects and is removed, then kpart is removed: this
# must neither crash nor corrupt memory. The slab allocator reports each cache
# that still holds objects, unlinks it and leaks its remaining slabs, so the
# leaked objects stay valid memory that is never reused. kpart can then be
# loaded again, and makes caches of the same names. In typed mode, then in
# pertype mode, where the leaked objects are in a type's own cache and a
# raw-buffer bucket's. Run in a boot of its own, since these reports are
# expected here and forbidden everywhere else: the host allows exactly them
# (tests/run-tests.sh). kmemleak is off in this boot: the leak is
# deliberate, and whether its scan sees the leaked objects at once depends
# on stale pointers left in stacks.
set -e
# shellcheck source=qemu/guest-lib.sh
. /kpart/lib.sh

# Reading the slab state works, and no kpart cache is listed any more, in
# /proc/slabinfo or in sysfs.
no_kpart_caches() {
	cat /proc/slabinfo >/dev/null
	ls -R /sys/kernel/slab >/dev/null
	if grep '^kpart-' /proc/slabinfo || ls -d /sys/kernel/slab/kpart-* 2>/dev/null; then
		echo "kpart caches left after rmmod kpart"
		return 1
	fi
}

# No report since mark $1: the host allows the slab allocator's reports of
# leaked caches anywhere in this boot, so this unload's must be checked here.
no_reports_since() {
	if kmsg_since "$1" | grep -E 'BUG|WARNING:|Objects remaining|still has objects'; then
		echo "reports after the mark $1"
		return 1
	fi
}

insmod /kpart/kpart.ko
insmod /kpart/kpart_stress.ko leak=100
rmmod kpart_stress
rmmod kpart
echo "kpart removed with leaked objects"
no_kpart_caches
# The names are free again: kpart loads and unloads.
kmsg_mark "typed reload"
insmod /kpart/kpart.ko
rmmod kpart
no_reports_since "typed reload"
echo 'kpart reloaded after the leak'

# Pertype mode, with two partitions for short loads (each makes its matrix
# and its buckets' caches).
insmod /kpart/kpart.ko mode=pertype partitions=2
insmod /kpart/kpart_stress.ko leak=100
# The Rust half leaked u64 arrays, in their type's own cache.
if ! awk '$1 ~ /^kpart-t-/ && $2 > 0 { found = 1 } END { exit !found }' /proc/slabinfo; then
	echo "no type's own cache holds leaked objects:"
	awk '$1 ~ /^kpart-/ && $2 > 0' /proc/slabinfo
	exit 1
fi
rmmod kpart_stress
# kpart_workload's atomic allocations (struct sk_buff, GFP_ATOMIC) find no
# cache of their type: they ask the work item to make it. kpart goes right
# after its user, the work done or still pending.
insmod /kpart/kpart_workload.ko
early=$(awk '$1 == "early" { print $2 }' /sys/kernel/debug/kpart/types)
echo "allocations that asked the work item for their type's cache: $early"
[ "${early:-0}" -gt 0 ] || { echo "none did"; exit 1; }
rmmod kpart_workload
rmmod kpart
echo "kpart removed in pertype mode with leaked objects in a type's cache"
no_kpart_caches
# The names are free again: a load makes the buckets' caches, a stress its
# types' (it fails to load unless it frees every object it allocated); the
# unload has nothing to report.
kmsg_mark "pertype reload"
insmod /kpart/kpart.ko mode=pertype partitions=2
insmod /kpart/kpart_stress.ko threads=2 ops=2000
rmmod kpart_stress
rmmod kpart
no_reports_since "pertype reload"
no_kpart_caches
echo 'kpart reloaded in pertype mode after the leak'
echo 3 >/proc/sys/vm/drop_caches
echo "leak test done"
