#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job: boot the test kernel, load kpart, run the workload
# (kpart_workload.ko: real kernel types from C and Rust), and report how the
# partitions are used; in typed mode, then in random mode, then in pertype
# mode (with the types' own caches and the share of allocations they served),
# then in shape mode (types grouped by layout signature, with the signature
# table scripts/kpart-shape makes for the modules loaded).
#
#   scripts/run.sh [--mode typed|random|pertype|shape] [--partitions N] [--scale N]
#                  [--no-accounted] [--module FILE.ko] [--cmd 'guest commands']
#                  [--wrap nf_tables|fat|ext4|DIR] [--json]
#
# (make run ARGS='--mode random --partitions 8'). Copies of each run's
# /proc/slabinfo and workload record are kept in out/run/.
#
# --wrap shows a real module instead of the workload: it is built through
# kpart (scripts/kpart-wrap), loaded, and used as make test uses it
# (tests/guest/exercises.sh: a ruleset through nft, files on a filesystem;
# only loaded when DIR is another directory); then the histogram of kpart's
# live objects while it is in use, and, in typed mode, its allocation sites
# and types per partition next to the allocations each partition served
# (scripts/kpart-sites).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

modes="typed random pertype shape" partitions=16 accounted=1 scale=1 extra_cmds= json= wrap=
boot_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--mode)		modes=$2; shift ;;
	--partitions)	partitions=$2; shift ;;
	--scale)	scale=$2; shift ;;
	--no-accounted)	accounted=0 ;;
	--module)	boot_args+=(-m "$2"); shift ;;
	--cmd)		extra_cmds=$2; shift ;;
	--wrap)		wrap=$2; shift ;;
	--json)		json=--json ;;
	*)		echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

kdir=$(scripts/build/build-kernel.sh test)
make -s KDIR="$kdir" modules

out=$top/out/run
rm -rf "$out" && mkdir -p "$out"

# A wrapped module: its directory, the exercise that uses it, the host
# programs the exercise runs.
if [ -n "$wrap" ]; then
	case $wrap in
	nf_tables|netfilter|net/netfilter)
		wrap_dir=net/netfilter exercise=nft_ruleset boot_args+=(-b nft) ;;
	fat|fs/fat)	wrap_dir=fs/fat exercise=fat_round_trip ;;
	ext4|fs/ext4)	wrap_dir=fs/ext4 exercise=ext4_round_trip boot_args+=(-b mke2fs -b e2fsck) ;;
	*)		wrap_dir=$wrap exercise=wrapped_in_use ;;
	esac
	wrapped=$top/out/wrap/${wrap_dir#/}
	scripts/kpart-wrap --kdir "$kdir" --out "$wrapped" "$wrap_dir" >"$out/wrap.log" 2>&1 ||
		{ tail -n 20 "$out/wrap.log"; exit 1; }
	grep '^kpart-wrap: .*through kpart' "$out/wrap.log"
	cp "$wrapped/load-order" "$out/load-order-wrap"
	boot_args+=(-f "$out/load-order-wrap" -f tests/guest/exercises.sh)
	while read -r ko; do boot_args+=(-m "$wrapped/$ko"); done <"$wrapped/load-order"
fi

# Shape mode: the signature table of the modules this run loads, through
# the firmware search path.
case " $modes " in
*" shape "*)
	scripts/kpart-shape --kdir "$kdir" -o "$out/kpart-shape.bin" . ${wrapped:+"$wrapped"} \
		>"$out/kpart-shape.log" 2>&1 || { tail -n 20 "$out/kpart-shape.log"; exit 1; }
	boot_args+=(-f "$out/kpart-shape.bin" -a firmware_class.path=/kpart)
	;;
esac

guest=$out/guest.sh
{
	echo '. /kpart/lib.sh'
	echo 'set -e'
	for mode in $modes; do
		if [ -n "$wrap" ]; then
			cat <<GUEST
. /kpart/exercises.sh
echo "### insmod kpart.ko mode=$mode partitions=$partitions accounted=$accounted stats=1"
insmod /kpart/kpart.ko mode=$mode partitions=$partitions accounted=$accounted stats=1
echo "### the wrapped modules of $wrap_dir, then $exercise"
load_set wrap
# The exercise calls this while the module is in use.
wrapped_in_use() { kpart_export slabinfo-$mode /proc/slabinfo; }
$exercise
kpart_export partitions-$mode /sys/kernel/debug/kpart/partitions
kpart_export kpart-types-$mode /sys/kernel/debug/kpart/types
[ $mode != shape ] || kpart_export kpart-shape-$mode /sys/kernel/debug/kpart/shape
$extra_cmds
unload_set wrap
rmmod kpart
echo "### rmmod kpart: \$(grep -c '^kpart-' /proc/slabinfo || true) kpart caches left"
GUEST
			continue
		fi
		cat <<GUEST
echo "### insmod kpart.ko mode=$mode partitions=$partitions accounted=$accounted stats=1"
insmod /kpart/kpart.ko mode=$mode partitions=$partitions accounted=$accounted stats=1
dmesg | grep 'kpart: ' | tail -n 1
echo "### \$(grep -c '^kpart-' /proc/slabinfo) kpart caches in /proc/slabinfo:"
head -n 2 /proc/slabinfo | tail -n 1
grep '^kpart-' /proc/slabinfo | head -n 13
echo "... (\$(grep -c '^kpart-' /proc/slabinfo) in all)"
echo "### (<objsize> is what each object takes in its slab: on this debug kernel it adds"
echo "### the memory debugger's redzones to the size class, so kpart-*-8k shows 16384; the class sizes"
echo "### themselves are checked by the KUnit suite kpart_matrix.)"
echo "### insmod kpart_workload.ko scale=$scale"
insmod /kpart/kpart_workload.ko scale=$scale
kpart_export slabinfo-$mode /proc/slabinfo
kpart_export types-$mode /sys/kernel/debug/kpart_workload/types
kpart_export partitions-$mode /sys/kernel/debug/kpart/partitions
kpart_export kpart-types-$mode /sys/kernel/debug/kpart/types
[ $mode != shape ] || kpart_export kpart-shape-$mode /sys/kernel/debug/kpart/shape
$extra_cmds
rmmod kpart_workload
rmmod kpart
echo "### rmmod kpart: \$(grep -c '^kpart-' /proc/slabinfo || true) kpart caches left"
GUEST
	done
} >"$guest"

status=0
KDIR=$kdir qemu/boot.sh -q -l "$out/boot.log" -o "$out" "${boot_args[@]}" "$guest" || status=$?
# The guest's own output, without the files it exported.
tr -d '\r' <"$out/boot.log" | sed -n '/^KPART-GUEST-EXIT: /q;p' |
	sed '/^KPART-FILE-BEGIN/,/^KPART-FILE-END$/d' | grep -av '^\[ *[0-9]*\.[0-9]*\]' || true
# The kernel's checkers must have nothing to say about the run.
guard=$(python3 tests/harness/verdict.py guard "$out/boot.log" --files "$out" 2>&1 >/dev/null) || status=1
echo "$guard" | sed 's/^/### /'
grep -q '^ok - ' <<<"$guard" || status=1
# Pertype mode: the share of kpart's allocations its types' own caches
# served (debugfs: the types' counters against the partitions' rows).
pertype_share() {
	awk -F'\t' 'FNR == 1 { file++ }
		file == 1 && !/^#/ && $1 != "kmalloc" { rows += $3 }
		file == 2 && !/^#/ && NF >= 5 { own += $4 }
		file == 2 && $1 == "early" { early = $2 }
		file == 2 && $1 == "fallback" { over = $2 }
		END {
			total = rows + own
			printf "pertype: %d of %d allocations (%.1f %%) from the types\047 own caches; ", own, total, total ? 100 * own / total : 0
			printf "%d before their caches existed, %d past the cap\n", early, over
		}' "$1" "$2"
}

for mode in $modes; do
	[ -f "$out/slabinfo-$mode" ] || continue
	echo
	kpart_types=()
	if [ "$mode" = pertype ]; then
		kpart_types=(--kpart-types "$out/kpart-types-$mode")
		pertype_share "$out/partitions-$mode" "$out/kpart-types-$mode"
	fi
	if [ "$mode" = shape ]; then
		# Each zone's cache named by its signature groups' types.
		scripts/kpart-shape --dump "$out/kpart-shape.bin" --json >"$out/shape-table.json" ||
			status=1
		kpart_types=(--shape "$out/kpart-shape-$mode" --shape-table "$out/shape-table.json")
	fi
	if [ -n "$wrap" ]; then
		if [ "$mode" = pertype ]; then
			# The C types of the module's sites name its types' caches.
			scripts/kpart-sites --json --kdir "$kdir" "$wrapped" >"$out/sites.json" &&
				kpart_types+=(--sites "$out/sites.json") || status=1
		fi
		echo "######## kpart-report: $mode mode, $partitions partitions, $wrap_dir in use"
		scripts/kpart-report $json "${kpart_types[@]}" "$out/slabinfo-$mode" || status=1
		[ "$mode" = typed ] || continue
		echo
		echo "######## kpart-sites: $wrap_dir's allocation sites and types per partition"
		scripts/kpart-sites $json --kdir "$kdir" --partitions "$partitions" \
			--allocations "$out/partitions-$mode" "$wrapped" || status=1
		continue
	fi
	echo "######## kpart-report: $mode mode, $partitions partitions, workload scale $scale"
	scripts/kpart-report $json "${kpart_types[@]}" --types "$out/types-$mode" "$out/slabinfo-$mode"
done
exit $status
