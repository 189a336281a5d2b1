# SPDX-License-Identifier: GPL-2.0
#
# Group kpart_module: loading with good and bad parameters, the matrix in
# /proc/slabinfo and /sys/kernel/slab, unloading.

# The cache names a load with $1 partitions (and the accounted matrix unless
# $2 is 0) must create, sorted.
expected_caches() {
	p=0
	while [ $p -lt $1 ]; do
		# The size class names, from include/kpart.h (scripts/run-tests.sh).
		for s in $(cat /kpart/size-classes); do
			printf 'kpart-%02d-%s\n' $p $s
			[ "${2:-1}" = 0 ] || printf 'kpart-cg-%02d-%s\n' $p $s
		done
		p=$((p + 1))
	done | sort
}

# insmod with bad parameters must fail with EINVAL, log one line naming the
# parameter, and leave no module and no cache behind.
refuses() {
	param=$1
	kmsg_mark "refuses $param"
	if insmod $KO "$param" 2>/tmp/insmod.err; then
		echo "insmod $param succeeded"
		rmmod kpart
		return 1
	fi
	grep -q 'Invalid argument' /tmp/insmod.err || { cat /tmp/insmod.err; return 1; }
	# One line per attempt (busybox insmod tries finit_module, then
	# init_module), the same each time, naming the parameter.
	lines=$(kmsg_since "refuses $param" | grep 'kpart: ' | grep -v 'taints kernel' |
		sed 's/^\[[^]]*\] //' | sort -u)
	pname=${param%%=*}
	[ "$(echo "$lines" | grep -c .)" = 1 ] || { echo "kpart lines in the log:"; echo "$lines"; return 1; }
	echo "$lines" | grep -q "$pname" || { echo "no line names $pname:"; echo "$lines"; return 1; }
	! grep -q '^kpart ' /proc/modules || { echo "kpart still loaded"; return 1; }
	[ -z "$(kpart_caches)" ] || { echo "caches left behind"; return 1; }
}

loads_matrix() {
	insmod $KO "$@" || return 1
	p=16 acc=1
	for a in "$@"; do
		case $a in
		partitions=*) p=${a#partitions=} ;;
		accounted=0|accounted=n|accounted=N) acc=0 ;;
		esac
	done
	kpart_caches | sort >/tmp/caches
	expected_caches $p $acc >/tmp/expected
	status=0
	cmp -s /tmp/caches /tmp/expected || { diff /tmp/expected /tmp/caches | head; status=1; }
	not_merged || status=1
	# (Object sizes: the KUnit suite kpart_matrix checks them exactly;
	# /proc/slabinfo's <objsize> includes debugging metadata.)
	rmmod kpart || status=1
	return $status
}

# SLAB_NO_MERGE: every kpart cache is a directory of its own in sysfs.
not_merged() {
	status=0
	for d in /sys/kernel/slab/kpart-*; do
		[ -L "$d" ] && { echo "$d is an alias"; status=1; }
	done
	# One process for all the aliases files (a fork costs under TCG).
	grep -vx 0 /sys/kernel/slab/kpart-*/aliases && { echo "caches with aliases"; status=1; }
	n=$(ls -d /sys/kernel/slab/kpart-* | wc -l)
	[ "$n" = "$(grep -c '^kpart-' /proc/slabinfo)" ] || { echo "$n caches in /sys/kernel/slab"; status=1; }
	return $status
}

unload_removes_everything() {
	loads_matrix partitions=8 || return 1
	[ -z "$(kpart_caches)" ] || { echo "left in /proc/slabinfo:"; kpart_caches | head; return 1; }
	! ls -d /sys/kernel/slab/kpart-* 2>/dev/null || { echo "left in /sys/kernel/slab"; return 1; }
}

# retain= sets SLUB's min_partial of every kpart cache, as SLUB's own sysfs
# attribute shows it: all keeps every empty slab, N keeps N, off leaves
# SLUB's policy (5 to 10 by object size).
min_partial_is() {
	retain=$1 want=$2
	insmod $KO retain=$retain || return 1
	status=0
	grep -qx "retain	$retain" /sys/kernel/debug/kpart/state ||
		{ cat /sys/kernel/debug/kpart/state; status=1; }
	# The distinct values, in one process (a fork costs under TCG).
	values=$(cat /sys/kernel/slab/kpart-*/min_partial | sort -u)
	[ -n "$values" ] || { echo "no min_partial read"; status=1; }
	for v in $values; do
		case $want in
		slub) [ "$v" -ge 5 ] && [ "$v" -le 10 ] ;;
		*) [ "$v" = "$want" ] ;;
		esac || { echo "min_partial $v, not $want"; status=1; }
	done
	rmmod kpart || status=1
	return $status
}

# The slabs of kpart's caches (/proc/slabinfo's num_slabs), summed.
kpart_slabs() {
	awk '/^kpart-/ { n += $15 } END { print n + 0 }' /proc/slabinfo
}

# With retain=all, the workload's slabs stay kpart's after it has freed
# everything; root's shrink (/sys/kernel/slab/<cache>/shrink) gives every one
# of them back.
shrink_releases() {
	insmod $KO || return 1
	status=0
	insmod /kpart/kpart_workload.ko && rmmod kpart_workload || status=1
	kept=$(kpart_slabs)
	[ "$kept" -gt 0 ] || { echo "no slab kept after the workload"; status=1; }
	for f in /sys/kernel/slab/kpart-*/shrink; do echo 1 >"$f"; done
	left=$(kpart_slabs)
	echo "slabs kept after the workload: $kept; after shrink: $left"
	[ "$left" = 0 ] || { grep '^kpart-' /proc/slabinfo | awk '$15 > 0' | head; status=1; }
	rmmod kpart || status=1
	return $status
}

# A value of /sys/kernel/debug/kpart/types.
types_value() {
	awk -v k="$1" '$1 == k { print $2 }' /sys/kernel/debug/kpart/types
}

# Pertype mode with room for 8 caches: kpart_workload's types fill them and
# the rest keep their typed partitions, counted; /proc/slabinfo shows the 8
# and everything unloads.
pertype_cap() {
	insmod $KO mode=pertype max_caches=8 || return 1
	status=0
	insmod /kpart/kpart_workload.ko || status=1
	caches=$(types_value caches)
	own=$(kpart_caches | grep -c -e '-t-' -e '-s-')
	over=$(types_value over_cap)
	fallback=$(types_value fallback)
	echo "caches $caches (in /proc/slabinfo: $own), refused for the cap $over, allocations past it $fallback"
	[ "$caches" = 8 ] && [ "$own" = 8 ] || status=1
	[ "${over:-0}" -gt 0 ] && [ "${fallback:-0}" -gt 0 ] || status=1
	rmmod kpart_workload || status=1
	rmmod kpart || status=1
	[ -z "$(kpart_caches)" ] || { echo "caches left behind"; status=1; }
	return $status
}

ktap_group kpart_module
for bad in mode=bogus mode= partitions=0 partitions=3 partitions=128 partitions=1000 \
	partitions=-1 partitions=abc partitions=48 accounted=maybe \
	retain= retain=0 retain=-1 retain=x retain=4294967296 retain=on \
	max_caches=65537 max_caches=-1 max_caches=x; do
	check "refuses_${bad%%=*}_${bad#*=}" refuses "$bad"
done
check loads_default_matrix_unmerged loads_matrix
check loads_random_2_partitions loads_matrix mode=random partitions=2
check loads_pertype_matrix loads_matrix mode=pertype partitions=4
check pertype_cap pertype_cap
check loads_1_partition loads_matrix partitions=1 accounted=0
check loads_without_accounted_matrix loads_matrix partitions=4 accounted=0
check loads_8_partitions_rmmod_removes_all unload_removes_everything
check retain_all_keeps_every_slab min_partial_is all 18446744073709551615
check retain_5_keeps_5 min_partial_is 5 5
check retain_off_is_slub_policy min_partial_is off slub
check shrink_releases_retained_slabs shrink_releases
ktap_group_end

