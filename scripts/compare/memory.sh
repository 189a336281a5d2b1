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
# Before each scheme the guest drops its caches; Slab: in /proc/meminfo is
# read before kpart loads and, as the peak, while each part of the work is in
# use; caches are the kpart-* lines of /proc/slabinfo then.
#
# The kernel schemes are kpart loads that lay the kernel's caches out the
# same way, as the test kernel has neither RANDOM_KMALLOC_CACHES nor
# upstream's typed partitions:
#   none        typed, 1 partition, no accounted matrix, no retention
#               (kmalloc's own layout: one cache per size class)
#   random      random, 16 partitions, no accounted matrix, no retention
#   upstream16  typed, 16 partitions, no accounted matrix, no retention
#   kpart16/64  typed, 16/64 partitions, accounted matrix, default retention
#   shape64/128/260  shape mode at those budgets
#   pertype     pertype mode
# Output: JSON {"schemes": {id: {"caches", "slab_kb", "baseline_slab_kb"}}}:
# the peak and the baseline in KiB.
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
peak() {
	s=$(slab_kb)
	[ "$s" -le "$peak" ] || peak=$s
	c=$(grep -c '^kpart-' /proc/slabinfo)
	[ "$c" -le "$caches" ] || caches=$c
}
wrapped_in_use() { peak; }
while read -r id args; do
	sync
	echo 3 >/proc/sys/vm/drop_caches
	base=$(slab_kb) peak=0 caches=0
	insmod /kpart/kpart.ko $args || { echo "kpart-memory: $id: insmod failed"; continue; }
	insmod /kpart/kpart_workload.ko scale=4
	peak
	load_set ext4 && ext4_round_trip >/dev/null 2>&1; unload_set ext4
	load_set netfilter && nft_ruleset >/dev/null 2>&1; unload_set netfilter
	peak
	rmmod kpart_workload
	rmmod kpart
	echo "kpart-memory: $id $caches $peak $base"
done <<'SCHEMES'
none mode=typed partitions=1 accounted=0 retain=off
random mode=random partitions=16 accounted=0 retain=off
upstream16 mode=typed partitions=16 accounted=0 retain=off
kpart16 mode=typed partitions=16
kpart64 mode=typed partitions=64
shape64 mode=shape shape_budget=64
shape128 mode=shape shape_budget=128
shape260 mode=shape shape_budget=260
pertype mode=pertype
SCHEMES
GUEST

KDIR=$kdir qemu/boot.sh -q -t 1800 -l "$out/memory-boot.log" "${boot_args[@]}" "$out/guest.sh"
tr -d '\r' <"$out/memory-boot.log" | sed -n 's/^kpart-memory: //p' | python3 -c '
import json, sys
schemes = {}
for line in sys.stdin:
    f = line.split()
    if len(f) == 4:
        schemes[f[0]] = {"caches": int(f[1]), "slab_kb": int(f[2]), "baseline_slab_kb": int(f[3])}
    else:
        sys.exit("memory.sh: " + line.strip())
if len(schemes) != 9:
    sys.exit(f"memory.sh: {len(schemes)} schemes measured, not 9")
json.dump({"schemes": schemes}, sys.stdout, indent=1)
print()
' >"$outfile.tmp"
mv "$outfile.tmp" "$outfile"
echo "memory.sh: $outfile"
