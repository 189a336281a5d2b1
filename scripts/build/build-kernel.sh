#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a kpart kernel out of tree and cache it.
#
#   scripts/build/build-kernel.sh [--cached] FLAVOUR
#
# --cached: print the build directory only if that kernel is built already,
# and fail otherwise, building nothing.
#
# FLAVOUR names the config fragments on top of x86_64_defconfig:
#   test        common + qemu-guest + test + wrapped-modules.config (checkers
#               on, the kernel modules make test wraps; what `make test` boots)
#   bench       common + qemu-guest + bench.config
#   bench-rkc   common + qemu-guest + bench + bench-random-kmalloc.config
#
# The build lives in $KPART_CACHE/kernels/FLAVOUR-KEY, where KEY hashes the
# kernel package version, the fragments and the toolchain versions: a change
# to any of them builds a new kernel, otherwise the cached one is reused.
# Prints the build directory (a valid KDIR) on stdout as its last line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
# shellcheck source=scripts/build/toolchain.sh
. "$here/toolchain.sh"

cached_only=0
if [ "${1:-}" = --cached ]; then
	cached_only=1
	shift
fi
flavour=${1:?usage: build-kernel.sh [--cached] test|bench|bench-rkc}
case $flavour in
test)		fragments=(common qemu-guest test wrapped-modules) ;;
bench)		fragments=(common qemu-guest bench) ;;
bench-rkc)	fragments=(common qemu-guest bench bench-random-kmalloc) ;;
*)		echo "build-kernel: unknown flavour '$flavour'" >&2; exit 2 ;;
esac
fragment_files=()
for f in "${fragments[@]}"; do fragment_files+=("$top/configs/$f.config"); done

key=$( { kpart_toolchain_versions; cat "${fragment_files[@]}"; } | sha256sum | cut -c1-12)
out=$KPART_CACHE/kernels/$flavour-$key
if [ -f "$out/.kpart-complete" ]; then
	echo "$out"
	exit 0
fi
[ $cached_only = 0 ] || exit 1

# progress PID LOG: while PID runs, a line a minute on stderr with the
# build steps (CC, RUSTC, LD...) done so far in LOG and the last one; against
# the count of the last complete build of this flavour when there is one.
steps='^  [A-Z]+( \[M\])? +[^ ]'
progress() {
	local pid=$1 log=$2 t0 n last done_before total=
	t0=$(date +%s)
	done_before=$KPART_CACHE/kernels/$flavour.steps
	[ -s "$done_before" ] && total=$(cat "$done_before")
	while kill -0 "$pid" 2>/dev/null; do
		for _ in $(seq 12); do
			sleep 5
			kill -0 "$pid" 2>/dev/null || return 0
		done
		n=$(grep -cE "$steps" "$log" 2>/dev/null)
		last=$(grep -E "$steps" "$log" 2>/dev/null | tail -n 1 | awk '{ print $2 }')
		echo "build-kernel: $(( ($(date +%s) - t0) / 60 )) min, ${n:-0}${total:+ of about $total} build steps${last:+, at $last}" >&2
	done
}

# One build at a time: a second caller (make, a boot, make wrap) waits for
# the first and then finds the kernel built.
mkdir -p "$KPART_CACHE/kernels"
exec 9>"$out.lock"
if ! flock -n 9; then
	echo "build-kernel: waiting for the build of $out that is running" >&2
	flock 9 &
	progress $! "$out/build.log"
	wait $! || exit 1
fi
if [ -f "$out/.kpart-complete" ]; then
	echo "$out"
	exit 0
fi

src=$(kpart_kernel_src)

mkdir -p "$out"
log=$out/build.log
echo "build-kernel: building $flavour kernel in $out (log: $log)" >&2
kmake() { make -C "$src" O="$out" "${KPART_MAKE_FLAGS[@]}" "$@"; }
{
	kmake rustavailable
	kmake x86_64_defconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${fragment_files[@]}"
	kmake olddefconfig
} >"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }

# Every option a fragment asks for must have survived olddefconfig: a silently
# dropped CONFIG_RUST would build a kernel that cannot load kpart. A later
# fragment overrides an earlier one, as in merge_config.sh.
dropped=$(grep -hE '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' "${fragment_files[@]}" |
	awk '{ opt = ($1 == "#") ? $2 : substr($0, 1, index($0, "=") - 1) }
		!(opt in last) { order[++n] = opt } { last[opt] = $0 }
		END { for (i = 1; i <= n; i++) print last[order[i]] }' |
	while read -r line; do
		case $line in
		"# "*)	opt=${line#\# }; opt=${opt%% *}
			if grep -qE "^$opt=" "$out/.config"; then echo "$line"; fi ;;
		*)	grep -qxF "$line" "$out/.config" || echo "$line" ;;
		esac
	done)
if [ -n "$dropped" ]; then
	echo "build-kernel: olddefconfig dropped requested options:" >&2
	echo "$dropped" >&2
	exit 1
fi

start=$(date +%s)
kmake -j"$(nproc)" >>"$log" 2>&1 &
progress $! "$log"
wait $! || { tail -n 40 "$log" >&2; exit 1; }
echo "build-kernel: $flavour kernel built in $(( $(date +%s) - start )) s" >&2
grep -cE "$steps" "$log" >"$KPART_CACHE/kernels/$flavour.steps" || true
kpart_toolchain_versions >"$out/.kpart-complete"
echo "$out"
