#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kpart's benchmarks (make bench): the speed and memory of kpart against plain
# kmalloc and the kernel's RANDOM_KMALLOC_CACHES.
#
#   bench/bench.sh             full: boots the bench and bench-rkc kernels
#                                under QEMU -icount (deterministic instruction
#                                counts) and writes out/bench/results.md,
#                                out/bench/ratio.png and out/bench/listings.txt
#                                (the machine code of the contenders' loops)
#   QUICK=1 bench/bench.sh     smoke test on the cached test kernel: one boot,
#                                kpart_bench quick=1 in both modes and a small
#                                memory workload; checks that every expected
#                                row is there and every ratio is finite and
#                                positive; prints one verdict line, exit 0/1
#
# Environment: MEMWORK (objects of the memory workload, default 100000),
# BENCH_ARGS (extra kpart_bench.ko parameters of the full run, e.g.
# 'rounds=9 iters=20000'), BENCH_FLAVOURS (kernels of the full run, default
# 'bench bench-rkc'). See Documentation/benchmarks.rst.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/build/toolchain.sh
. scripts/build/toolchain.sh

quick=${QUICK:-0}
[ "$quick" = 0 ] || [ "$quick" = 1 ] || { echo "bench: QUICK must be 0 or 1" >&2; exit 2; }
memwork=${MEMWORK:-100000}
bench_args=${BENCH_ARGS:-}
flavours=${BENCH_FLAVOURS:-bench bench-rkc}
out=$top/out/bench
partition_counts="1 2 4 8 16 32 64"

# The guest's helpers: meminfo fields and the slab memory of kpart's caches.
guest_prologue() {
	cat <<'GUEST'
. /kpart/lib.sh
fail=0
# Run a command, noting a failure without stopping the rest.
run() {
	"$@" || { echo "bench-guest: FAILED: $*"; fail=1; }
}
# Fold the per-CPU vmstat deltas so /proc/meminfo is exact.
settle() {
	echo 3 >/proc/sys/vm/drop_caches
	echo 1 >/proc/sys/vm/stat_refresh 2>/dev/null || true
}
# "Slab MemAvailable Percpu", in kB.
meminfo() {
	settle
	awk '/^Slab:/ { s = $2 } /^MemAvailable:/ { a = $2 } /^Percpu:/ { p = $2 }
		END { printf "%d\t%d\t%d", s, a, p }' /proc/meminfo
}
# "bytes caches": num_slabs * pagesperslab * 4096 over the kpart-* caches.
kpart_slab() {
	awk '/^kpart-/ { b += $15 * $6 * 4096; n++ } END { printf "%d\t%d", b, n }' /proc/slabinfo
}
mem=/tmp/memory.tsv
printf '# what\tmode\tpartitions\taccounted\tallocator\tslab_kb_before\tavail_kb_before\tpercpu_kb_before\tslab_kb_after\tavail_kb_after\tpercpu_kb_after\tkpart_slab_bytes\tkpart_caches\n' >$mem
boot=$(meminfo)
printf 'boot\t-\t-\t-\t-\t%s\t%s\t0\t0\n' "$boot" "$boot" >>$mem
GUEST
}

# Timing: kpart_bench in typed, random and pertype mode.
guest_speed() {
	local args=$1
	cat <<GUEST
for mode in typed random pertype; do
	echo "### speed: kpart mode=\$mode, kpart_bench $args"
	run insmod /kpart/kpart.ko mode=\$mode
	run insmod /kpart/kpart_bench.ko $args
	[ -r /sys/kernel/debug/kpart_bench/results ] &&
		kpart_export speed-\$mode /sys/kernel/debug/kpart_bench/results
	rmmod kpart_bench 2>/dev/null
	run rmmod kpart
done
GUEST
}

# Memory: (a) kpart loaded and idle, per partition count and accounting;
# (b) N live objects through plain kmalloc, then through kpart per partition
# count (typed) and at 16 partitions in random mode.
guest_memory() {
	local n=$1 counts=$2 reps=$3
	cat <<GUEST
echo "### memory: idle kpart, partitions $counts, accounted 1 and 0"
for rep in $(seq -s ' ' 1 "$reps"); do
	for acc in 1 0; do
		for p in $counts; do
			before=\$(meminfo)
			cp /proc/slabinfo /tmp/slabinfo-before
			run insmod /kpart/kpart.ko partitions=\$p accounted=\$acc
			after=\$(meminfo)
			if [ \$rep = 1 ] && [ \$p = 16 ] && [ \$acc = 1 ]; then
				# Where the idle memory goes, cache by cache.
				kpart_export slabinfo-idle-before /tmp/slabinfo-before
				kpart_export slabinfo-idle-after /proc/slabinfo
			fi
			printf 'idle\ttyped\t%s\t%s\t-\t%s\t%s\t%s\n' \$p \$acc "\$before" "\$after" "\$(kpart_slab)" >>\$mem
			run rmmod kpart
		done
	done
done
echo "### memory: $n live objects"
workload() {
	# workload MODE PARTITIONS ALLOCATOR [RETAIN]: the live objects, then what
	# kpart's caches keep once they are freed ("freed", retain=RETAIN).
	run insmod /kpart/kpart.ko mode=\$1 partitions=\$2 retain=\${4:-all}
	before=\$(meminfo)
	run insmod /kpart/kpart_bench.ko memwork=$n memalloc=\$3
	after=\$(meminfo)
	printf 'workload\t%s\t%s\t1\t%s\t%s\t%s\t%s\n' \$1 \$2 \$3 "\$before" "\$after" "\$(kpart_slab)" >>\$mem
	[ -r /sys/kernel/debug/kpart_bench/memwork ] &&
		kpart_export memwork-\$1-\$2-\$3 /sys/kernel/debug/kpart_bench/memwork
	rmmod kpart_bench 2>/dev/null
	if [ \$3 = kpart ]; then
		printf 'freed\t%s\t%s\t1\tretain=%s\t%s\t%s\t%s\n' \$1 \$2 \${4:-all} "\$before" "\$(meminfo)" "\$(kpart_slab)" >>\$mem
	fi
	run rmmod kpart
}
workload typed 16 kmalloc
for p in $counts; do
	workload typed \$p kpart
done
workload typed 16 kpart off
workload random 16 kpart
workload pertype 16 kpart
workload typed 16 kmalloc
GUEST
}

guest_epilogue() {
	cat <<'GUEST'
kpart_export memory $mem
exit $fail
GUEST
}

# The contenders' once loops, as "contender symbol": for the constant-size
# contenders, the loop of 64 bytes. The C loops are BENCH_LOOPS' (loops.h:
# c_bench.c, comparators.c), the Rust ones kpart_bench.rs's #[no_mangle]
# functions. The code is the same in every mode: kpart picks its mode's path
# at run time.
listing_symbols=(
	"KMALLOC bench_kmalloc_once"
	"kpart-MODE-c bench_kpart_c_once"
	"kpart-MODE-rust kpart_bench_rust_once"
	"kpart-MODE-rust-const kpart_bench_rust_const_64_once"
	"kmalloc-const bench_kmalloc_const_64_once"
	"dedicated bench_dedicated_loop_once"
	"kpart-MODE-c-const bench_kpart_const_64_once"
)

# The disassembly of every contender's once loop in TREE's kpart_bench.ko,
# built for FLAVOUR's kernel, to stdout; fails on a symbol that is missing or
# whose listing has no instruction.
write_listings() {
	local tree=$1 flavour=$2 entry name sym listing
	local kmalloc=kmalloc
	[ "$flavour" = bench ] || kmalloc=kmalloc-rkc
	echo "######## $flavour kernel: kpart_bench.ko"
	echo
	for entry in "${listing_symbols[@]}"; do
		read -r name sym <<<"$entry"
		[ "$name" = KMALLOC ] && name=$kmalloc
		if ! llvm-nm-22 --defined-only "$tree/kpart_bench.ko" |
			awk -v sym="$sym" '$3 == sym { found = 1 } END { exit !found }'; then
			echo "bench: $flavour: $sym ($name) is not in kpart_bench.ko" >&2
			return 1
		fi
		listing=$(cd "$tree" && llvm-objdump-22 -d --no-show-raw-insn -r \
			--disassemble-symbols="$sym" kpart_bench.ko) || return 1
		if ! grep -qE '^[[:space:]]+[0-9a-f]+:[[:space:]]+[[:lower:]]' <<<"$listing"; then
			echo "bench: $flavour: the listing of $sym ($name) is empty" >&2
			return 1
		fi
		echo "==== $name: $sym"
		sed -n "/^[0-9a-f]* <$sym>:\$/,\$p" <<<"$listing"
		echo
	done
}

# Copy the sources into DIR, so that building for a bench kernel leaves the
# repository's modules (built for the test kernel) alone.
copy_tree() {
	local dir=$1
	rm -rf "$dir" && mkdir -p "$dir"
	if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$top" ls-files -co --exclude-standard -z |
			grep -zv '^out/' | grep -zv '^tests/host/target/' |
			tar -C "$top" --null -T - -cf - | tar -C "$dir" -xf -
	else
		tar -C "$top" --exclude=./out --exclude=./tests/host/target \
			--exclude='*.o' --exclude='*.ko' -cf - . | tar -C "$dir" -xf -
	fi
}

# Boot KDIR's kernel with the modules of TREE, the guest script GUEST;
# exported files go to DIR.
boot() {
	local kdir=$1 tree=$2 guest=$3 dir=$4
	shift 4
	local status=0
	KDIR=$kdir "$tree/qemu/boot.sh" -q -l "$dir/boot.log" -o "$dir" "$@" "$guest" || status=$?
	if [ $status != 0 ]; then
		echo "bench: the guest failed ($status): see $dir/boot.log" >&2
		tr -d '\r' <"$dir/boot.log" | grep -aE 'bench-guest|kpart_bench|insmod|BUG|Oops|panic' | head -n 20 >&2 || true
	fi
	return $status
}

if [ "$quick" = 1 ]; then
	start=$(date +%s)
	rm -rf "$out/quick" && mkdir -p "$out/quick"
	kdir=$(scripts/build/build-kernel.sh test)
	make -s KDIR="$kdir" modules >"$out/quick/modules.log" 2>&1 ||
		{ cat "$out/quick/modules.log"; echo "bench: QUICK FAIL: module build failed"; exit 1; }
	guest=$out/quick/guest.sh
	# Three loads of kpart (4 partitions: quick to create on a debug kernel):
	# typed with the timing and both memory workloads, then random and
	# pertype.
	{
		guest_prologue
		cat <<'GUEST'
args="quick=1 iters=200 batch=100"
for mode in typed random pertype; do
	echo "### speed: kpart mode=$mode partitions=4, kpart_bench $args"
	run insmod /kpart/kpart.ko mode=$mode partitions=4
	run insmod /kpart/kpart_bench.ko $args
	[ -r /sys/kernel/debug/kpart_bench/results ] &&
		kpart_export speed-$mode /sys/kernel/debug/kpart_bench/results
	rmmod kpart_bench 2>/dev/null
	if [ $mode = typed ]; then
		for alloc in kpart kmalloc; do
			run insmod /kpart/kpart_bench.ko memwork=2000 memalloc=$alloc
			[ -r /sys/kernel/debug/kpart_bench/memwork ] &&
				kpart_export memwork-typed-4-$alloc /sys/kernel/debug/kpart_bench/memwork
			rmmod kpart_bench 2>/dev/null
		done
	fi
	run rmmod kpart
done
GUEST
		guest_epilogue
	} >"$guest"
	status=0
	boot "$kdir" "$top" "$guest" "$out/quick" -t 300 || status=$?
	verdict=0
	python3 bench/report.py quick "$out/quick" || verdict=1
	[ $status = 0 ] || verdict=1
	echo "bench: QUICK took $(( $(date +%s) - start )) s"
	exit $verdict
fi

# The full run.
command -v gnuplot >/dev/null || {
	[ "$(id -u)" -eq 0 ] || { echo "bench: gnuplot missing and not root: install gnuplot-nox" >&2; exit 1; }
	echo "bench: installing gnuplot-nox"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null
} || { echo "bench: could not install gnuplot-nox" >&2; exit 1; }

rm -rf "$out" && mkdir -p "$out"
status=0
for flavour in $flavours; do
	case $flavour in
	bench|bench-rkc) ;;
	*) echo "bench: BENCH_FLAVOURS: '$flavour' is not bench or bench-rkc" >&2; exit 2 ;;
	esac
	dir=$out/$flavour
	mkdir -p "$dir"
	echo "bench: $flavour kernel"
	kdir=$(scripts/build/build-kernel.sh "$flavour")
	tree=$out/tree-$flavour
	copy_tree "$tree"
	make -C "$tree" -s KDIR="$kdir" modules >"$dir/modules.log" 2>&1 ||
		{ cat "$dir/modules.log"; echo "bench: module build for $flavour failed" >&2; exit 1; }
	write_listings "$tree" "$flavour" >>"$out/listings.txt" ||
		{ echo "bench: no listings of the loops for $flavour" >&2; exit 1; }
	{
		guest_prologue
		guest_memory "$memwork" "$partition_counts" 3
		guest_speed "$bench_args"
		guest_epilogue
	} >"$dir/guest.sh"
	start=$(date +%s)
	boot "$kdir" "$tree" "$dir/guest.sh" "$dir" -t 3600 -s 2 -x -icount -x shift=0 || status=1
	echo "bench: $flavour boot took $(( $(date +%s) - start )) s"
	rm -rf "$tree"
done
python3 bench/report.py full "$out" || status=1
if [ -f "$out/ratio.gp" ]; then
	gnuplot "$out/ratio.gp" || status=1
fi
echo "bench: results in $out/results.md and $out/ratio.png, the loops' code in $out/listings.txt"
exit $status
