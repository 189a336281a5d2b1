# SPDX-License-Identifier: GPL-2.0
#
# Group kpart_reliability: stress, fault injection, load/unload cycles and the
# lifetime rules between kpart and its users.

# Let freed objects reach their slabs: KASAN's quarantine holds freed
# objects back until their cache is shrunk.
settle() {
	for round in 1 2; do
		echo 3 >/proc/sys/vm/drop_caches
		for c in /sys/kernel/slab/${1:-}*; do
			[ -L "$c" ] || echo 1 >"$c/shrink" 2>/dev/null
		done
		# RCU-deferred frees (kernfs nodes of the destroyed caches).
		[ -n "${1:-}" ] || sleep 2
	done
}

# Active objects of every kpart cache, one "name count" line each, sorted.
kpart_active() {
	settle kpart-
	awk '$1 ~ /^kpart-/ { print $1, $2 }' /proc/slabinfo | sort
}

# stress MODE OPS [failslab percent]: kpart_stress.ko with 4 threads; every
# cache ends where it started.
stress() {
	insmod $KO mode=$1 || return 1
	kpart_active >/tmp/active-before
	F=/sys/kernel/debug/failslab
	if [ -n "${3:-}" ]; then
		echo Y >$F/cache-filter
		echo N >$F/ignore-gfp-wait
		echo 0 >$F/verbose
		echo -1 >$F/times
		echo "$3" >$F/probability
		for c in /sys/kernel/slab/kpart-*; do echo 1 >"$c/failslab"; done
	fi
	dmesg -c >/dev/null
	status=0
	insmod /kpart/kpart_stress.ko threads=4 ops=$2 || status=1
	[ -z "${3:-}" ] || echo 0 >$F/probability
	line=$(dmesg | grep 'kpart_stress: threads=')
	echo "$line"
	[ -n "$line" ] || status=1
	rmmod kpart_stress 2>/dev/null
	if [ -n "${3:-}" ]; then
		failures=$(echo "$line" | sed -n 's/.*failures=\([0-9]*\).*/\1/p')
		[ "${failures:-0}" -gt 0 ] || { echo "no injected failure was seen"; status=1; }
	fi
	kpart_active >/tmp/active-after
	cmp -s /tmp/active-before /tmp/active-after ||
		{ echo "active objects changed:"; diff /tmp/active-before /tmp/active-after | head; status=1; }
	rmmod kpart || status=1
	return $status
}

# A user pins kpart: rmmod kpart is refused while it is loaded.
user_pins_kpart() {
	insmod $KO || return 1
	insmod /kpart/kpart_workload.ko || { rmmod kpart; return 1; }
	status=0
	rmmod kpart 2>/dev/null && { echo "rmmod kpart succeeded under a user"; status=1; }
	grep -q '^kpart ' /proc/modules || { echo "kpart is gone"; return 1; }
	rmmod kpart_workload || status=1
	rmmod kpart || status=1
	[ -z "$(kpart_caches)" ] || { echo "caches left"; status=1; }
	! ls -d /sys/kernel/slab/kpart-* 2>/dev/null || { echo "sysfs entries left"; status=1; }
	return $status
}

# Bytes (kB) in live slab objects: active objects x object size, summed over
# every cache but kmemleak's own metadata, which follows every allocation in
# the kernel and is freed late (RCU). Live objects, not slab pages: freed
# objects leave partly used slabs behind, which moves the page count by more
# than a load of kpart takes, in either direction.
live_kb() {
	settle
	awk 'NR > 2 && $1 !~ /^kmemleak_/ { t += $2 * $4 } END { print int(t / 1024) }' /proc/slabinfo
}

# 100 load/unload cycles leave no more live slab memory behind than one load
# takes: a leak of even 1% of what a load allocates, every cycle, fails.
# Smaller leaks are kmemleak's (it scans at the end of the boot, and any
# report fails the run). Two partitions without the accounted matrix keep a
# cycle near a second under the checkers; the paths are those of every
# partition count.
load_unload_cycles() {
	# Warm up: the first loads grow caches that then stay (module loader,
	# kernfs, per-CPU chunks).
	for i in 1 2 3 4 5; do
		insmod $KO partitions=2 accounted=0 && rmmod kpart || return 1
	done
	before=$(live_kb)
	insmod $KO partitions=2 accounted=0 || return 1
	load=$(($(live_kb) - before))
	rmmod kpart || return 1
	i=0
	while [ $i -lt 100 ]; do
		insmod $KO partitions=2 accounted=0 mode=$([ $((i % 2)) = 0 ] && echo typed || echo random) ||
			{ echo "load $i failed"; return 1; }
		rmmod kpart || { echo "unload $i failed"; return 1; }
		i=$((i + 1))
	done
	after=$(live_kb)
	echo "live slab objects: ${before} kB before, ${after} kB after 100 cycles; one load takes ${load} kB"
	[ "$load" -gt 0 ] || { echo "a load took no slab memory: nothing to compare with"; return 1; }
	# Other processes (the shell, insmod) come and go: a decrease is no leak.
	[ $((after - before)) -lt "$load" ]
}

ktap_group kpart_reliability
check stress_typed_500k stress typed 125000
check stress_random_500k stress random 125000
check stress_failslab_10_percent stress typed 50000 10
check user_pins_kpart user_pins_kpart
check load_unload_100_cycles load_unload_cycles
ktap_group_end
