# SPDX-License-Identifier: GPL-2.0
#
# Group kpart_module: loading with good and bad parameters, the matrix in
# /proc/slabinfo and /sys/kernel/slab, unloading.

# The cache names a load with $1 partitions (and the accounted matrix unless
# $2 is 0) must create, sorted; in pertype mode ($3), also one bucket of
# raw buffers per partition.
expected_caches() {
	p=0
	while [ $p -lt $1 ]; do
		# The size class names, from include/kpart.h (tests/run-tests.sh).
		for s in $(cat /kpart/size-classes); do
			for kind in '' ${3:+s-}; do
				printf 'kpart-%s%02d-%s\n' "$kind" $p $s
				[ "${2:-1}" = 0 ] || printf 'kpart-cg-%s%02d-%s\n' "$kind" $p $s
			done
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
	p=16 acc=1 buckets=
	for a in "$@"; do
		case $a in
		partitions=*) p=${a#partitions=} ;;
		accounted=0|accounted=n|accounted=N) acc=0 ;;
		mode=pertype) buckets=1 ;;
		esac
	done
	kpart_caches | sort >/tmp/caches
	expected_caches $p $acc $buckets >/tmp/expected
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
	aliased=0
	for d in /sys/kernel/slab/kpart-*; do
		[ -L "$d" ] && { echo "$d is an alias"; aliased=1; }
	done
	# One process for all the aliases files (a fork costs under TCG).
	grep -vx 0 /sys/kernel/slab/kpart-*/aliases && { echo "caches with aliases"; aliased=1; }
	n=$(ls -d /sys/kernel/slab/kpart-* | wc -l)
	[ "$n" = "$(grep -c '^kpart-' /proc/slabinfo)" ] || { echo "$n caches in /sys/kernel/slab"; aliased=1; }
	return $aliased
}

unload_removes_everything() {
	loads_matrix partitions=8 || return 1
	[ -z "$(kpart_caches)" ] || { echo "left in /proc/slabinfo:"; kpart_caches | head; return 1; }
	! ls -d /sys/kernel/slab/kpart-* 2>/dev/null || { echo "left in /sys/kernel/slab"; return 1; }
}

# retain= sets SLUB's min_partial of every kpart cache, as SLUB's own sysfs
# attribute shows it: all keeps every empty slab, N keeps N, off leaves
# SLUB's policy (5 to 10 by object size). debugfs names both.
min_partial_is() {
	retain=$1 want=$2
	# Two partitions: the setting reaches every cache alike.
	insmod $KO retain=$retain partitions=2 || return 1
	status=0
	grep -qx "retain	$retain" /sys/kernel/debug/kpart/state &&
		grep -qx "retain_slabs	$retain" /sys/kernel/debug/kpart/state ||
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

# The bytes of kpart's slabs (num_slabs x pagesperslab pages), summed.
# (busybox awk's %d stops at 2^31.)
kpart_slab_bytes() {
	awk '/^kpart-/ { b += $15 * $6 * 4096 } END { printf "%.0f\n", b }' /proc/slabinfo
}

# Over every kpart cache, from SLUB's sysfs attributes, in bytes: one slab of
# each (4096 << order); min_partial slabs of each, the most their empty slabs
# keep per node; the largest slab. (One grep for all the files: a fork costs
# under TCG.)
kpart_retention_bound() {
	grep -H . /sys/kernel/slab/kpart-*/order /sys/kernel/slab/kpart-*/min_partial |
		awk -F: '{ n = split($1, p, "/"); v[p[n - 1], p[n]] = $2; caches[p[n - 1]] = 1 }
		END {
			for (c in caches) {
				slab = 4096
				for (i = 0; i < v[c, "order"]; i++)
					slab *= 2
				one += slab
				bound += v[c, "min_partial"] * slab
				if (slab > largest)
					largest = slab
			}
			printf "%.0f %.0f %.0f\n", one, bound, largest
		}'
}

# The default retention is a byte budget, resolved at load into one count K:
# debugfs names the budget and K, every cache's min_partial is K, and K is
# the budget over one slab of every cache, at least 1. In pertype mode the
# budget is also shared with the caches types may get later, max_caches= of
# them at most, each counted at the largest slab.
retain_budget_sets_k() {
	insmod $KO "$@" || return 1
	status=0
	budget=$(awk '$1 == "retain" { print $2 }' /sys/kernel/debug/kpart/state)
	k=$(awk '$1 == "retain_slabs" { print $2 }' /sys/kernel/debug/kpart/state)
	case $budget in
	[1-9]*M) bytes=$((${budget%M} << 20)) ;;
	[1-9]*G) bytes=$((${budget%G} << 30)) ;;
	*) bytes=0 ;;
	esac
	case $k in
	'' | *[!0-9]*) k=0 ;;
	esac
	values=$(cat /sys/kernel/slab/kpart-*/min_partial | sort -u)
	read -r one bound largest <<EOF_BOUND
$(kpart_retention_bound)
EOF_BOUND
	case " $* " in
	*" mode=pertype "*) one=$((one + $(cat /sys/module/kpart/parameters/max_caches) * largest)) ;;
	esac
	want=$((bytes / one))
	[ "$want" -ge 1 ] || want=1
	echo "retain $budget: $k slabs per cache; one slab of every cache: $one bytes;" \
		"K of each cache made at load: $bound bytes"
	[ "$bytes" -gt 0 ] && [ "$k" -ge 1 ] || { cat /sys/kernel/debug/kpart/state; status=1; }
	[ "$values" = "$k" ] || { echo "min_partial:" $values; status=1; }
	[ "$k" = "$want" ] || { echo "K should be $want"; status=1; }
	rmmod kpart || status=1
	return $status
}

# The caches with more slabs than min_partial empty ones plus one per object
# in use, as "<cache> <slabs> <objects> <min_partial>". SLUB keeps an empty
# slab only while its node has fewer than min_partial partial slabs; with
# SLUB debugging on the cache (make test's slab_debug=FZPU on kpart-*) it
# keeps no slab on per-CPU lists either, so on one node there are none.
kpart_over_retention() {
	{ grep -H . /sys/kernel/slab/kpart-*/min_partial; grep '^kpart-' /proc/slabinfo; } |
		awk '/^\/sys\// { split($0, a, ":"); n = split(a[1], p, "/"); k[p[n - 1]] = a[2]; next }
		($1 in k) && $15 > k[$1] + $2 { print $1, $15, $2, k[$1] }'
}

# The bound in a memory cgroup: an unprivileged user limited to 32 MiB who
# fills and frees kpart's caches leaves at most min_partial empty slabs in
# each, so at most the budget, whatever the limit; with retain=all each cache
# would keep the slabs of its peak. The user's shell goes into the cgroup
# (this test shell stays out) and loads and unloads kpart_workload scale=8
# (26k objects allocated by insmod itself, so charged to the cgroup when
# accounted: msg_msg, pipe_buffer, simple_xattr; all freed by rmmod, leaving
# caches with more than K slabs to give back), then kpart_stress (every size
# class and both matrices, from kthreads that no cgroup of the user limits;
# its frees push the workload's out of KASAN's quarantine). What kpart then
# holds in /proc/slabinfo, empty or in use, must be within the sum of
# min_partial x slab size; with SLUB debugging, each cache within its own.
retain_bound_in_memcg() {
	cg=/sys/fs/cgroup
	user=$cg/kpart-user
	mounted=
	if ! grep -q "^[^ ]* $cg cgroup2 " /proc/mounts; then
		mount -t cgroup2 cgroup2 $cg || return 1
		mounted=1
	fi
	status=0
	insmod $KO || status=1
	{ echo +memory >$cg/cgroup.subtree_control && mkdir $user &&
		echo 32M >$user/memory.max; } || status=1
	if [ $status = 0 ]; then
		sh -c "echo \$\$ >$user/cgroup.procs &&
			insmod /kpart/kpart_workload.ko scale=8 && rmmod kpart_workload &&
			insmod /kpart/kpart_stress.ko threads=2 ops=20000 && rmmod kpart_stress" ||
			status=1
		peak=$(cat $user/memory.peak)
		k=$(awk '$1 == "retain_slabs" { print $2 }' /sys/kernel/debug/kpart/state)
		held=$(kpart_slab_bytes)
		read -r one bound _ <<EOF_BOUND
$(kpart_retention_bound)
EOF_BOUND
		line="kpart holds $held bytes of slabs; bound $bound bytes (min_partial $k"
		line="$line x $one bytes, one slab of every cache); the user's cgroup peaked"
		line="$line at $peak bytes"
		echo "$line"
		echo "kpart-test: kpart_module: retention: $line" >/dev/console
		[ "$held" -le "$bound" ] ||
			{ grep '^kpart-' /proc/slabinfo | awk '$15 > 0' | head; status=1; }
		if [ "$(cat /sys/kernel/slab/kpart-00-8/sanity_checks)" = 1 ]; then
			over=$(kpart_over_retention)
			[ -z "$over" ] || { echo "over min_partial empty slabs:"; echo "$over" | head; status=1; }
		fi
	fi
	[ ! -d $user ] || rmdir $user || status=1
	rmmod kpart || status=1
	[ -z "$mounted" ] || umount $cg
	return $status
}

# With the default retention, the workload's slabs (fewer than K per cache)
# stay kpart's after it has freed everything; root's shrink
# (/sys/kernel/slab/<cache>/shrink) gives every one of them back.
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
	insmod $KO mode=pertype max_caches=8 stats=1 || return 1
	status=0
	insmod /kpart/kpart_workload.ko || status=1
	caches=$(types_value caches)
	own=$(kpart_caches | grep -c -e '-t-')
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

# Shape mode: the signature table the host made for the modules of this
# run (scripts/kpart-shape), found through the firmware search path, which
# the boot sets to /kpart (tests/run-tests.sh).
SHAPE_TABLE=kpart-shape.bin

# insmod of shape mode with table $1 must fail with $2 (an strerror text),
# log one line naming shape_table=, and leave nothing behind.
refuses_table() {
	kmsg_mark "refuses table $1"
	if insmod $KO mode=shape shape_table="$1" 2>/tmp/insmod.err; then
		echo "insmod with table $1 succeeded"
		rmmod kpart
		return 1
	fi
	grep -q "$2" /tmp/insmod.err || { cat /tmp/insmod.err; return 1; }
	lines=$(kmsg_since "refuses table $1" | grep 'kpart: ' | grep -v 'taints kernel' |
		sed 's/^\[[^]]*\] //' | sort -u)
	[ "$(echo "$lines" | grep -c .)" = 1 ] || { echo "kpart lines in the log:"; echo "$lines"; return 1; }
	echo "$lines" | grep -q "shape_table=$1" || { echo "no line names the table:"; echo "$lines"; return 1; }
	! grep -q '^kpart ' /proc/modules || { echo "kpart still loaded"; return 1; }
	[ -z "$(kpart_caches)" ] || { echo "caches left behind"; return 1; }
}

# The zones of the table's types in a shape load with seed $1 and budget $2,
# as debugfs shows them, into /tmp/shape-$1-$2.
shape_assignment() {
	insmod $KO mode=shape seed=$1 shape_budget=$2 shape_table=$SHAPE_TABLE || return 1
	grep -v '^#' /sys/kernel/debug/kpart/shape >/tmp/shape-$1-$2
	zones=$(kpart_caches | grep -c -e '-z[0-9]')
	rmmod kpart || return 1
	[ -s /tmp/shape-$1-$2 ] || { echo "no type in the shape view"; return 1; }
	[ "$zones" -gt 0 ] || { echo "no zone cache"; return 1; }
}

# The same seed gives the same zones; another seed other zones; the group
# and single-type zones of the budget exist, each a cache from load.
shape_assignment_per_seed() {
	shape_assignment 1 128 && mv /tmp/shape-1-128 /tmp/shape-again &&
		shape_assignment 1 128 && shape_assignment 2 128 || return 1
	cmp -s /tmp/shape-1-128 /tmp/shape-again || { echo "seed 1 twice: two assignments"; return 1; }
	if cmp -s /tmp/shape-1-128 /tmp/shape-2-128; then
		echo "seeds 1 and 2 give one assignment"
		return 1
	fi
	echo "$(wc -l </tmp/shape-1-128) types;" \
		"$(cut -f3 /tmp/shape-1-128 | sort -u | wc -l) zones used;" \
		"$(paste /tmp/shape-1-128 /tmp/shape-2-128 | awk '$3 != $7' | wc -l) types moved between seeds"
}

ktap_group kpart_module
for bad in mode=bogus mode= partitions=0 partitions=3 partitions=128 partitions=1000 \
	partitions=-1 partitions=abc partitions=48 accounted=maybe \
	retain= retain=0 retain=-1 retain=x retain=4294967296 retain=on \
	retain=0M retain=M retain=5T retain=256m retain=1.5G retain=17592186044416M \
	retain=99999999999999999999G \
	max_caches=65537 max_caches=-1 max_caches=x \
	shape_budget=0 shape_budget=1025 shape_budget=x; do
	check "refuses_${bad%%=*}_${bad#*=}" refuses "$bad"
done
check loads_default_matrix_unmerged loads_matrix
# (busybox's insmod says ENOENT so.)
check shape_refuses_missing_table refuses_table no-such-table.bin 'unknown symbol in module'
# Bad tables the host made from the good one (tests/host/shape_bad_tables.py).
for bad in $(cat /kpart/shape-bad-tables); do
	check "shape_refuses_${bad%.bin}" refuses_table "$bad" 'Invalid argument'
done
check shape_assignment_per_seed shape_assignment_per_seed
check loads_random_2_partitions loads_matrix mode=random partitions=2
check loads_pertype_matrix loads_matrix mode=pertype partitions=4
check pertype_cap pertype_cap
check loads_1_partition loads_matrix partitions=1 accounted=0
check loads_without_accounted_matrix loads_matrix partitions=4 accounted=0
check loads_8_partitions_rmmod_removes_all unload_removes_everything
check retain_all_keeps_every_slab min_partial_is all 18446744073709551615
check retain_5_keeps_5 min_partial_is 5 5
check retain_off_is_slub_policy min_partial_is off slub
check retain_budget_sets_k retain_budget_sets_k
check retain_budget_sets_k_64M_4_partitions retain_budget_sets_k retain=64M partitions=4
check retain_budget_sets_k_pertype retain_budget_sets_k mode=pertype partitions=4
check retain_bound_holds_in_memcg retain_bound_in_memcg
check shrink_releases_retained_slabs shrink_releases
ktap_group_end

