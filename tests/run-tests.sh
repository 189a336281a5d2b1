#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every kpart test and end with the line "N passed, N failed":
#  - the harness's own tests (tests/harness: the verdict rules below, fed
#    every failure shape);
#  - host: cargo tests (token algorithm against Clang, size classes, routing);
#  - the module build (every object compiled, no warning), style, tokens;
#  - guest: the test kernel under QEMU runs the KUnit suites under several
#    loads of kpart (parsed with the kernel's own kunit.py) and the load,
#    workload, reliability, security and samples checks;
#  - the guard: every boot's whole kernel log must be free of checker reports
#    (BUG, WARNING, KASAN, SLUB, lockdep, kmemleak...), whichever test caused
#    them.
# How each result is counted is tests/harness/verdict.py's: anything missing,
# truncated or unparsable counts as a failure. Exit status 0 only when
# nothing failed. Logs go to out/.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/build/toolchain.sh
. scripts/build/toolchain.sh
out=$top/out
mkdir -p "$out"
verdict=(python3 tests/harness/verdict.py)

passed=0 failed=0 skipped=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + ${3:-0})); }
die() { echo "run-tests: $*" >&2; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

# tally WHAT VERDICT-ARGS...: count what a verdict subcommand found. Its
# findings go to the terminal; a verdict that fails itself is one failure.
tally() {
	local what=$1 result status
	shift
	result=$("${verdict[@]}" "$@")
	status=$?
	if [ $status = 0 ] && [[ $result =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]]; then
		# shellcheck disable=SC2086
		count $result
		# shellcheck disable=SC2086
		set -- $result
		echo "$what: $1 passed, $2 failed, $3 skipped"
	else
		echo "not ok - $what: the verdict could not be reached (status $status)"
		count 0 1
	fi
}

# run_check WHAT LOG COMMAND...: one check, ok when COMMAND succeeds; its
# output goes to LOG, whose end is shown when it fails.
run_check() {
	local what=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		echo "ok - $what"
		count 1 0
	else
		tail -n 30 "$log"
		echo "not ok - $what"
		count 0 1
	fi
}

# check_boot WHAT CONSOLE_LOG [guard options]: one boot's kernel log.
check_boot() {
	local what=$1
	shift
	echo "-- guard: $what"
	tally "guard of $what" guard "$@"
}

run_start=$(date +%s)
kdir=$(scripts/build/build-kernel.sh test) || die "test kernel build failed"
src=$(kpart_kernel_src) || die "no kernel source"
kunit_py=$src/tools/testing/kunit/kunit.py

echo "== the harness's own tests (tests/harness)"
python3 -m unittest -v tests/harness/test_verdict.py >"$out/harness-test.log" 2>&1
tally "harness tests" unittest "$out/harness-test.log" --status $?

echo "== module build"
# From clean, so that every object is compiled in this run and its warnings
# are seen: the log must show each object of every module, as Kbuild's own
# <module>.mod files list them, and no warning. Only kpart's own objects go
# (make clean would walk out/ too, and take the modules make wrap built
# there with it).
find . \( -path ./out -o -path ./tests/host/target -o -path ./.git \) -prune -o \
	\( -name '*.o' -o -name '*.ko' -o -name '*.mod' \) -type f -print0 | xargs -0 rm -f --
make KDIR="$kdir" modules >"$out/modules.log" 2>&1 || { cat "$out/modules.log"; die "module build failed"; }
objects=$(sed 's|^\./||' modules.order | while read -r m; do cat "${m%.o}.mod"; done |
	sed "s|^$top/||" | sort -u)
uncompiled=
for o in $objects; do
	grep -qE "^ +(CC|RUSTC) \[M\] +$top/$o\$" "$out/modules.log" || uncompiled="$uncompiled $o"
done
if [ -z "$objects" ] || [ -n "$uncompiled" ]; then
	echo "not ok - the module build compiled every object (not compiled:${uncompiled:- none listed})"
	count 0 1
else
	echo "ok - the module build compiled all $(echo "$objects" | wc -l) objects"
	count 1 0
fi
if grep -qiE 'warning|error' "$out/modules.log"; then
	grep -iE -A3 'warning|error' "$out/modules.log" | head -n 20
	echo "not ok - the modules build with warnings"
	count 0 1
else
	echo "ok - the modules build without warnings"
	count 1 0
fi

echo "== shape mode's signature table for this run's modules (scripts/kpart-shape)"
# The table of the types kpart_kunit.ko and the other modules built here
# allocate, which the guest's shape loads read through the firmware search
# path, and tables made bad from it one way each, which kpart must refuse.
shape_files=()
if scripts/kpart-shape --kdir "$kdir" -o "$out/kpart-shape.bin" . >"$out/shape-table.log" 2>&1 &&
	python3 tests/host/shape_bad_tables.py "$out/kpart-shape.bin" "$out/shape-bad" \
		>>"$out/shape-table.log" 2>&1; then
	shape_files+=(-f "$out/kpart-shape.bin" -f "$out/shape-bad/shape-bad-tables")
	for t in "$out"/shape-bad/*.bin; do shape_files+=(-f "$t"); done
	echo "ok - the signature table and its bad copies are made"
	count 1 0
else
	tail -n 20 "$out/shape-table.log"
	echo "not ok - the signature table and its bad copies are made"
	count 0 1
fi

echo "== make wrap: kernel modules built through kpart without a change"
# Each set: a module source directory and the name the guest knows it by.
wrapped=(family:tests/wrap lib:tests/wrap-lib fat:fs/fat netfilter:net/netfilter ext4:fs/ext4)
wrap_files=()
for set in "${wrapped[@]}"; do
	name=${set%%:*} dir=${set#*:}
	log=$out/wrap-$name.log
	wdir=$out/wrap/$dir
	if scripts/kpart-wrap --kdir "$kdir" --out "$wdir" "$dir" >"$log" 2>&1; then
		grep '^kpart-wrap: .*through kpart' "$log" | sed 's/^kpart-wrap: /  /'
		cp "$wdir/load-order" "$out/load-order-$name"
		wrap_files+=(-f "$out/load-order-$name")
		users=0
		while read -r ko; do
			wrap_files+=(-m "$wdir/$ko")
			case ",$(modinfo -F depends "$wdir/$ko")," in *,kpart,*) users=$((users + 1)) ;; esac
		done <"$wdir/load-order"
		if grep -qiE 'warning:|error:' "$log"; then
			grep -iE -A3 'warning:|error:' "$log" | head -n 20
			echo "not ok - make wrap M=$dir builds without warnings"
			count 0 1
		elif [ $users = 0 ]; then
			echo "not ok - make wrap M=$dir: no module allocates through kpart"
			count 0 1
		else
			echo "ok - make wrap M=$dir"
			count 1 0
		fi
	else
		tail -n 20 "$log"
		echo "not ok - make wrap M=$dir"
		count 0 1
	fi
done

# The same suites of the kernel's lib/ built plainly, for the guest to
# compare: modules plain_<suite> (tests/wrap-lib/Kbuild).
plain=$out/plain/tests/wrap-lib
rm -rf "$plain" && mkdir -p "$plain" && cp tests/wrap-lib/* "$plain"/
if make -C "$kdir" M="$plain" "${KPART_MAKE_FLAGS[@]}" KPART_PLAIN=1 modules >"$out/plain-lib.log" 2>&1 &&
	! grep -qiE 'warning:|error:' "$out/plain-lib.log"; then
	for ko in "$plain"/*.ko; do wrap_files+=(-m "$ko"); done
	echo "ok - the kernel's lib/ suites build plainly"
	count 1 0
else
	tail -n 20 "$out/plain-lib.log"
	echo "not ok - the kernel's lib/ suites build plainly"
	count 0 1
fi

# The checks that need no guest, then the two boots of their own: they run
# beside the guest tests, which keep one of the guest's two CPUs busy most
# of the time. Their output and counts join the rest once the guest is done.
host_checks() {
echo "== host tests (cargo)"
cargo test --manifest-path tests/host/Cargo.toml --release >"$out/host-test.log" 2>&1
status=$?
grep -E '^test |test result|panicked|^error' "$out/host-test.log"
tally "cargo tests" cargo "$out/host-test.log" --status $status

echo "== efficacy tool (fixture chains, tokens against kpart-token and Clang); kpart-sites; kpart-shape"
python3 -m unittest -v tests/host/test_efficacy.py tests/host/test_sites.py tests/host/test_shape.py \
	>"$out/efficacy-test.log" 2>&1
status=$?
grep -E ' \.\.\. |^Ran ' "$out/efficacy-test.log"
tally "efficacy tests" unittest "$out/efficacy-test.log" --status $status

echo "== style (checkpatch.pl, rustfmt)"
run_check "checkpatch and rustfmt clean" "$out/style.log" scripts/build/checkpatch.sh

echo "== Rust kernel-type tokens match Clang on this kernel's headers"
run_check "rust/kernel_types.rs is what Clang computes" "$out/kernel-types.log" \
	scripts/gen/kernel-types.sh --check "$kdir"

echo "== the host crate's copy of kpart.h's bindings is the module build's"
run_check "tests/host/src/kpart_generated.rs is what bindgen made of include/kpart.h" \
	"$out/host-bindings.log" scripts/gen/host-bindings.sh --check
}

side_boots() {
echo "== leaked user, then rmmod kpart (a boot of its own)"
leaklog=$out/leak-boot.log
qemu/boot.sh -q -l "$leaklog" -t 600 -a "slab_debug=FZPU,kpart-* kmemleak=off" tests/guest/leak.sh
leak_status=$?
tr -d '\r' <"$leaklog" | grep -aE 'kpart|objects left|leak test' | grep -av '^\[' |
	grep -av '^[0-9]*,[0-9]*,[0-9]*,' | head -n 6
if [ $leak_status = 0 ]; then
	echo "ok - leaked user then rmmod kpart: no crash, kpart reloads"
	count 1 0
else
	echo "not ok - leaked user then rmmod kpart (guest status $leak_status)"
	count 0 1
fi
# Allowed here, and only here: the slab allocator's reports of the kpart
# caches that still hold objects when kpart destroys them (SLUB's report
# and its WARN_ON in __kmem_cache_shutdown(), kmem_cache_destroy()'s WARN),
# and they must be there; and kmemleak's line saying it is off.
check_boot "leak boot" "$leaklog" \
	--allow '^kmemleak: Kernel memory leak detector disabled$' \
	--allow '^BUG kpart-\S+ \([^)]*\): Objects remaining on __kmem_cache_shutdown\(\)$' \
	--allow '^WARNING: CPU: [0-9]+ PID: [0-9]+ at mm/slub\.c:[0-9]+ __kmem_cache_shutdown\+' \
	--allow '^WARNING: CPU: [0-9]+ PID: [0-9]+ at mm/slab_common\.c:[0-9]+ kmem_cache_destroy\+' \
	--require '^kmem_cache_destroy kpart-\S+: Slab cache still has objects' \
	--require '^BUG kpart-\S+ \([^)]*\): Objects remaining on __kmem_cache_shutdown\(\)$'

echo "== benchmark smoke run (make bench QUICK=1)"
rm -rf "$out/bench/quick"
if QUICK=1 bench/bench.sh >"$out/bench-quick.log" 2>&1; then
	tail -n 1 "$out/bench-quick.log"
	echo "ok - benchmark smoke run"
	count 1 0
else
	tail -n 15 "$out/bench-quick.log"
	echo "not ok - benchmark smoke run"
	count 0 1
fi
check_boot "benchmark smoke boot" "$out/bench/quick/boot.log" --files "$out/bench/quick"
}

rm -f "$out/side.counts"
side_start=$(date +%s)
(
	passed=0 failed=0 skipped=0
	host_checks
	side_boots
	echo "$passed $failed $skipped $(( $(date +%s) - side_start ))" >"$out/side.counts"
) >"$out/side.log" 2>&1 &
side=$!
guest_start=$(date +%s)

echo "== guest tests (QEMU)"
log=$out/test-boot.log
files=$out/guest-files
rm -rf "$files" "$out/guest.ktap" "$out/guest.json"
# The KUnit suites the sources declare: the guest runs each, the host
# expects each, under every load of tests/guest/kunit-loads.
"${verdict[@]}" suites kunit >"$out/kunit-suites" || die "no KUnit suite found in kunit/"
groups=(--group kpart_module)
suites=$(paste -sd, "$out/kunit-suites")
while read -r g _ _ _ _ _ only; do
	[ "$only" = "*" ] && groups+=(--group "$g:$suites") || groups+=(--group "$g:$only")
done < <(grep -v '^#' tests/guest/kunit-loads | grep .)
groups+=(--group kpart_workload --group kpart_reliability --group kpart_security
	--group kpart_samples --group kpart_lib_plain)
for mode in typed random pertype; do
	groups+=(--group kpart_wrap_$mode:kpart_wrap_family,fat_test,ext4_inode_test)
done
scripts/kpart-report --size-classes >"$out/size-classes" || die "no size classes in include/kpart.h"
guest_files=(-f "$out/kunit-suites" -f "$out/size-classes")
for f in tests/guest/*.sh tests/guest/kunit-loads; do guest_files+=(-f "$f"); done
for m in samples/*.ko; do guest_files+=(-m "$m"); done
guest_files+=("${wrap_files[@]}" "${shape_files[@]}" -b nft -b mke2fs -b e2fsck)
# Checkers on kpart's caches: SLUB debugging (which also makes
# /proc/slabinfo's active_objs exact) and init_on_free.
qemu/boot.sh -q -l "$log" -t 2400 -o "$files" "${guest_files[@]}" \
	-a "slab_debug=FZPU,kpart-* init_on_free=1 firmware_class.path=/kpart" tests/guest/tests.sh
guest_status=$?
tr -d '\r' <"$log" | grep -a '^kpart-test: ' | sed 's/^kpart-test: /  /' || true
tr -d '\r' <"$log" | sed -n '/^KPART-KTAP-BEGIN$/,/^KPART-KTAP-END$/p' | sed '1d;$d' >"$out/guest.ktap"
tally "guest KTAP" kunit "$out/guest.ktap" --kunit-py "$kunit_py" --json "$out/guest.json" \
	"${groups[@]}"
echo "-- guest time per group, in seconds (tests/guest/ktap.sh)"
tr -d '\r' <"$log" | sed -n 's/^kpart-time: //p' | sort -k2 -n -r |
	awk '{ printf "  %-34s %7.1f\n", $1, $2; t += $2 }
	     END { printf "  %-34s %7.1f\n", "all groups", t }'
tally "guest exit status" guest --status $guest_status \
	--ktap-failed "$(grep -cE '^ *not ok ' "$out/guest.ktap")"
check_boot "test boot" "$log" --files "$files"

echo "== host checks of the live boot's files"
KPART_LIVE_DIR=$files python3 -m unittest -v tests/host/check_live.py tests/host/test_report.py \
	>"$out/live-checks.log" 2>&1
status=$?
grep -E '\.\.\. |^FAIL|^ERROR|Error' "$out/live-checks.log" | head -n 40
tally "live checks" unittest "$out/live-checks.log" --status $status
guest_time=$(( $(date +%s) - guest_start ))

wait $side
cat "$out/side.log"
if read -r p f s side_time <"$out/side.counts" 2>/dev/null; then
	count "$p" "$f" "$s"
else
	echo "not ok - the host checks and side boots ended without their counts"
	count 0 1
	side_time=?
fi
echo "-- time: builds $(( guest_start - run_start )) s; guest tests $guest_time s; beside them," \
	"host checks and side boots $side_time s; in all $(( $(date +%s) - run_start )) s"

[ "$skipped" = 0 ] || echo "($skipped skipped: mode-specific KUnit cases under a load of the other mode)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
