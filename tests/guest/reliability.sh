# SPDX-License-Identifier: GPL-2.0
#
# Group kpart_reliability: stress, fault injection, load/unload cycles and the
# lifetime rules between kpart and its users.

# Let freed objects reach their slabs: KASAN's quarantine holds freed
# objects back until their cache is shrunk.
settle() {
	for round in 1 2; do
		echo 3 >/proc/sys/vm/drop_caches
		if [ -n "${1:-}" ]; then
			# The caches that hold objects: one that holds none has
			# nothing in the quarantine either (a quarantined object
			# still counts as active).
			for c in $(awk -v p="$1" 'index($1, p) == 1 && $2 > 0 { print $1 }' /proc/slabinfo); do
				echo 1 >"/sys/kernel/slab/$c/shrink" 2>/dev/null
			done
		else
			for c in /sys/kernel/slab/*; do
				[ -L "$c" ] || echo 1 >"$c/shrink" 2>/dev/null
			done
			# RCU-deferred frees (kernfs nodes of the destroyed caches).
			sleep 2
		fi
	done
}

# Active objects of every kpart cache, one "name count" line each, sorted.
# The kpart caches holding objects, with their active object counts (pertype
# mode adds caches as it goes; an empty one holds nothing to compare).
kpart_active() {
	settle kpart-
	awk '$1 ~ /^kpart-/ && $2 > 0 { print $1, $2 }' /proc/slabinfo | sort
}

# stress MODE OPS [failslab percent]: kpart_stress.ko with 4 threads; every
# cache ends where it started.
stress() {
	insmod $KO mode=$1 || return 1
	kpart_active >/tmp/active-before
	F=/sys/kernel/debug/failslab
	if [ -n "${3:-}" ] && [ "$1" = pertype ]; then
		# Pertype mode: a first run makes the types' caches, which then
		# take the failures too.
		insmod /kpart/kpart_stress.ko threads=4 ops=2000 || return 1
		rmmod kpart_stress 2>/dev/null
	fi
	if [ -n "${3:-}" ]; then
		echo Y >$F/cache-filter
		echo N >$F/ignore-gfp-wait
		echo 0 >$F/verbose
		echo -1 >$F/times
		echo "$3" >$F/probability
		for c in /sys/kernel/slab/kpart-*; do echo 1 >"$c/failslab"; done
	fi
	kmsg_mark "stress $*"
	status=0
	insmod /kpart/kpart_stress.ko threads=4 ops=$2 || status=1
	[ -z "${3:-}" ] || echo 0 >$F/probability
	line=$(kmsg_since "stress $*" | grep 'kpart_stress: threads=')
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

# Objects a load of kpart adds and its unload must give back: a slab cache
# (kmem_cache), its per-node structure (kmem_cache_node), its sysfs directory
# and files (kernfs_node_cache, kernfs_iattrs_cache). Nothing else in the idle
# guest creates or removes these, so the counts are exact once frees have
# settled (RCU, KASAN's quarantine).
cache_objects() {
	settle
	awk '$1 ~ /^(kmem_cache|kmem_cache_node|kernfs_node_cache|kernfs_iattrs_cache)$/ {
		printf "%s=%s ", $1, $2 } END { print "" }' /proc/slabinfo
}

KMEMLEAK=/sys/kernel/debug/kmemleak

# 24 load/unload cycles (typed, random and pertype in turn) give back every
# cache, every sysfs node and every object kpart allocated: the counts above
# end where they started, and a kmemleak scan finds nothing new. (Slab: of
# /proc/meminfo is no measure for this: freed objects leave partly used slabs
# behind, and the shell's own allocations sit in KASAN's quarantine; it moves
# by more than a load takes, either way.) Two partitions without the accounted
# matrix keep a cycle near a second under the checkers; the paths are those of
# every partition count.
load_unload_cycles() {
	# Warm up: the first loads grow caches that then stay (module loader,
	# kernfs, per-CPU chunks).
	for i in 1 2 3 4 5; do
		insmod $KO partitions=2 accounted=0 && rmmod kpart || return 1
	done
	# Leak suspects from before are not this test's.
	echo scan >$KMEMLEAK && echo clear >$KMEMLEAK || return 1
	before=$(cache_objects)
	insmod $KO partitions=2 accounted=0 || return 1
	loaded=$(cache_objects)
	rmmod kpart || return 1
	[ "$loaded" != "$before" ] || { echo "a load added no cache objects: $loaded"; return 1; }
	i=0
	while [ $i -lt 24 ]; do
		insmod $KO partitions=2 accounted=0 mode=$(echo typed random pertype | cut -d' ' -f$((i % 3 + 1))) ||
			{ echo "load $i failed"; return 1; }
		rmmod kpart || { echo "unload $i failed"; return 1; }
		i=$((i + 1))
	done
	after=$(cache_objects)
	echo "before: $before"
	echo "loaded: $loaded"
	echo "after 24 cycles: $after"
	status=0
	[ "$after" = "$before" ] || { echo "cache objects were not given back"; status=1; }
	# kmemleak reports objects unreferenced for 5 s or more.
	sleep 5
	echo scan >$KMEMLEAK || return 1
	leaks=$(grep -c '^unreferenced object' $KMEMLEAK)
	echo "kmemleak: $leaks new suspected leaks"
	[ "$leaks" = 0 ] || { head -n 30 $KMEMLEAK; status=1; }
	return $status
}

ktap_group kpart_reliability
# Typed and random mode share every path past the routing: one of them
# runs with failures injected. Pertype mode makes its types' caches while
# the threads run: both runs.
check stress_typed_80k stress typed 20000
check stress_random_failslab_10_percent stress random 15000 10
check stress_pertype_80k stress pertype 20000
check stress_pertype_failslab_10_percent stress pertype 15000 10
check user_pins_kpart user_pins_kpart
check load_unload_24_cycles load_unload_cycles
ktap_group_end
