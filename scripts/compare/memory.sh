#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The memory column of make compare: the same real work under every scheme,
# in one boot of the test kernel, and the slab memory and kpart caches each
# needs at its peak.
#
#   scripts/compare/memory.sh [-o FILE]    (default out/compare/memory.json)
#
# The work: kpart_workload.ko (scale 4, kept live), then ext4 and nf_tables
# built through kpart (make wrap) in use: a filesystem written, checked and
# remounted, a firewall ruleset loaded and changed (tests/guest/exercises.sh).
# While each part of the work is in use the guest reads /proc/slabinfo: the
# memory kpart's caches hold (their slabs' pages), plus what kmalloc's
# accounted caches (kmalloc-cg-*) gained since just before kpart loaded,
# and how many kpart caches there are; the figure of a scheme is the
# largest reading. The kmalloc-cg-* gain counts because the schemes that
# leave accounted allocations alone (none, random, upstream16) put the
# work's accounted objects there; measured from just before, it leaves out
# what the kernel's checkers (KASAN's quarantine, kmemleak) keep of the
# schemes before. The kernel's own caches
# hold the same in every scheme, but for what the test kernel's checkers
# (KASAN's quarantine, kmemleak) keep of earlier schemes: their Slab: in
# /proc/meminfo is recorded, not compared.
#
# The kernel schemes are kpart loads that lay the kernel's caches out the
# same way, as the test kernel has neither RANDOM_KMALLOC_CACHES nor
# upstream's typed partitions:
#   none        typed, 1 partition, no accounted matrix, no retention
#               (kmalloc's own layout: one cache per size class)
#   random      random, 16 partitions, no accounted matrix, no retention
#   upstream16  typed, 16 partitions, no accounted matrix, no retention
#   kpart16/64  typed, 16/64 partitions, accounted matrix
#   shape64/128/260  shape mode at those budgets
#   pertype     pertype mode
# all without slab retention, as the chains column counts them (retention
# keeps empty slabs: memory for the cross-cache chains, which it stops).
# Output: JSON {"schemes": {id: {"caches", "slab_kb", "baseline_slab_kb",
# "meminfo_slab_kb"}}}: the peak memory of those caches, that of scheme
# none (plain kmalloc's layout) as the baseline, in KiB, and the guest's
# whole Slab: at the peak.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
outfile=$top/out/compare/memory.json
while [ $# -gt 0 ]; do
	case $1 in
	-o) outfile=$2; shift ;;
	*) echo "memory.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

kdir=$(scripts/build/build-kernel.sh test)
make -s KDIR="$kdir" modules
out=$top/out/compare
mkdir -p "$out"
boot_args=(-f tests/guest/exercises.sh -b nft -b mke2fs -b e2fsck)
wrapped=()
for set in ext4:fs/ext4 netfilter:net/netfilter; do
	name=${set%%:*} dir=${set#*:}
	w=$top/out/wrap/$dir
	scripts/kpart-wrap --kdir "$kdir" --out "$w" "$dir" >"$out/wrap-$name.log" 2>&1 ||
		{ tail -n 20 "$out/wrap-$name.log"; exit 1; }
	cp "$w/load-order" "$out/load-order-$name"
	boot_args+=(-f "$out/load-order-$name")
	while read -r ko; do boot_args+=(-m "$w/$ko"); done <"$w/load-order"
	wrapped+=("$w")
done
scripts/kpart-shape --kdir "$kdir" -o "$out/kpart-shape.bin" . "${wrapped[@]}" \
	>"$out/kpart-shape.log" 2>&1 || { tail -n 20 "$out/kpart-shape.log"; exit 1; }
boot_args+=(-f "$out/kpart-shape.bin" -a firmware_class.path=/kpart)

cat >"$out/guest.sh" <<'GUEST'
. /kpart/lib.sh
. /kpart/exercises.sh
slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
# KiB in the slabs of the caches whose names start with $1: num_slabs x
# pagesperslab x 4.
caches_kb() { awk -v p="^$1" '$0 ~ p { kb += $15 * $6 * 4 } END { print kb + 0 }' /proc/slabinfo; }
peak() {
	k=$(( $(caches_kb kpart-) + $(caches_kb kmalloc-cg-) - cg_before ))
	[ "$k" -le "$peak" ] || { peak=$k; total=$(slab_kb); }
	c=$(grep -c '^kpart-' /proc/slabinfo)
	[ "$c" -le "$caches" ] || caches=$c
}
wrapped_in_use() { peak; }
while read -r id args; do
	sync
	echo 3 >/proc/sys/vm/drop_caches
	peak=0 caches=0 total=0 cg_before=$(caches_kb kmalloc-cg-)
	insmod /kpart/kpart.ko $args || { echo "kpart-memory: $id: insmod failed"; continue; }
	insmod /kpart/kpart_workload.ko scale=4
	peak
	load_set ext4 && ext4_round_trip >/dev/null 2>&1; unload_set ext4
	load_set netfilter && nft_ruleset >/dev/null 2>&1; unload_set netfilter
	peak
	rmmod kpart_workload
	rmmod kpart
	echo "kpart-memory: $id $caches $peak $total"
done <<'SCHEMES'
none mode=typed partitions=1 accounted=0 retain=off
random mode=random partitions=16 accounted=0 retain=off
upstream16 mode=typed partitions=16 accounted=0 retain=off
kpart16 mode=typed partitions=16 retain=off
kpart64 mode=typed partitions=64 retain=off
shape64 mode=shape shape_budget=64 retain=off
shape128 mode=shape shape_budget=128 retain=off
shape260 mode=shape shape_budget=260 retain=off
pertype mode=pertype retain=off
SCHEMES
GUEST

KDIR=$kdir qemu/boot.sh -q -t 1800 -l "$out/memory-boot.log" "${boot_args[@]}" "$out/guest.sh"
tr -d '\r' <"$out/memory-boot.log" | sed -n 's/^kpart-memory: //p' | python3 -c '
import json, sys
schemes = {}
for line in sys.stdin:
    f = line.split()
    if len(f) == 4:
        schemes[f[0]] = {"caches": int(f[1]), "slab_kb": int(f[2]), "meminfo_slab_kb": int(f[3])}
    else:
        sys.exit("memory.sh: " + line.strip())
if len(schemes) != 9:
    sys.exit(f"memory.sh: {len(schemes)} schemes measured, not 9")
for s in schemes.values():
    s["baseline_slab_kb"] = schemes["none"]["slab_kb"]
json.dump({"schemes": schemes}, sys.stdout, indent=1)
print()
' >"$outfile.tmp"
mv "$outfile.tmp" "$outfile"
echo "memory.sh: $outfile"
