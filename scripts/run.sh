#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job: boot the test kernel, load kpart, show its caches from
# /proc/slabinfo, unload it.
#
#   scripts/run.sh [--mode typed|random] [--partitions N] [--no-accounted]
#                  [--module FILE.ko] [--cmd 'guest commands']
#
# (make run ARGS='--mode random --partitions 8')
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

modes="typed random" partitions=16 accounted=1 extra_cmds=
boot_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--mode)		modes=$2; shift ;;
	--partitions)	partitions=$2; shift ;;
	--no-accounted)	accounted=0 ;;
	--module)	boot_args+=(-m "$2"); shift ;;
	--cmd)		extra_cmds=$2; shift ;;
	*)		echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

kdir=$(scripts/build-kernel.sh test)
make -s KDIR="$kdir" modules

guest=$(mktemp)
trap 'rm -f "$guest"' EXIT
{
	echo 'set -e'
	for mode in $modes; do
		cat <<GUEST
echo
echo "### insmod kpart.ko mode=$mode partitions=$partitions accounted=$accounted"
insmod /kpart/kpart.ko mode=$mode partitions=$partitions accounted=$accounted
dmesg | grep 'kpart: ' | tail -n 1
echo "### /proc/slabinfo: \$(grep -c '^kpart-' /proc/slabinfo) kpart caches"
head -n 2 /proc/slabinfo | tail -n 1
grep '^kpart-' /proc/slabinfo
$extra_cmds
rmmod kpart
echo "### rmmod kpart: \$(grep -c '^kpart-' /proc/slabinfo || true) kpart caches left"
GUEST
	done
} >"$guest"
KDIR=$kdir qemu/boot.sh -q -l "$top/out/run.log" "${boot_args[@]}" "$guest" && status=0 || status=$?
# The guest's own output, without the kernel log the console also carries.
tr -d '\r' <"$top/out/run.log" | sed -n '/^KPART-DMESG-BEGIN$/q;p' | grep -v '^\[ *[0-9]*\.[0-9]*\]'
exit $status
