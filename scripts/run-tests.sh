#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every kpart test and end with the line "N passed, N failed":
#  - host: cargo tests (token algorithm against Clang, size classes, routing);
#  - guest: the test kernel under QEMU runs the KUnit suites (parsed with the
#    kernel's own kunit.py) and the load/unload checks;
#  - the guest's kernel log must be free of BUG/WARNING/Oops/KASAN/lockdep/
#    kmemleak reports, whichever test caused them.
# Exit status 0 only when nothing failed. Logs go to out/.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/toolchain.sh
. scripts/toolchain.sh
out=$top/out
mkdir -p "$out"

passed=0 failed=0 skipped=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + ${3:-0})); }
die() { echo "run-tests: $*" >&2; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

kdir=$(scripts/build-kernel.sh test) || die "test kernel build failed"
src=$(kpart_kernel_src) || die "no kernel source"
make -s KDIR="$kdir" modules >"$out/modules.log" 2>&1 || { cat "$out/modules.log"; die "module build failed"; }

echo "== host tests (cargo)"
cargo test --manifest-path host/Cargo.toml --release 2>&1 | tee "$out/host-test.log" | grep -E '^test |test result|panicked|error' || true
read -r hp hf < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$out/host-test.log")
grep -q '^test result:' "$out/host-test.log" || hf=$((hf + 1))
count "$hp" "$hf"

echo "== module build"
# Compiler, objtool and modpost warnings of what this run compiled (a fresh
# clone compiles everything).
if grep -qiE 'warning|error' "$out/modules.log"; then
	grep -iE -A3 'warning|error' "$out/modules.log" | head -n 20
	echo "not ok - the modules build with warnings"
	count 0 1
else
	echo "ok - the modules build without warnings"
	count 1 0
fi

echo "== style (checkpatch.pl, rustfmt)"
if scripts/checkpatch.sh >"$out/style.log" 2>&1; then
	echo "ok - checkpatch and rustfmt clean"
	count 1 0
else
	tail -n 20 "$out/style.log"
	count 0 1
fi

echo "== Rust kernel-type tokens match Clang on this kernel's headers"
if scripts/gen-kernel-types.sh --check "$kdir" >"$out/kernel-types.log" 2>&1; then
	echo "ok - rust/kernel_types.rs is what Clang computes"
	count 1 0
else
	cat "$out/kernel-types.log"
	count 0 1
fi

echo "== guest tests (QEMU)"
log=$out/test-boot.log
files=$out/guest-files
rm -rf "$files"
guest_files=()
for f in tests/guest/*.sh; do guest_files+=(-f "$f"); done
# Checkers on kpart's caches: SLUB debugging (which also makes
# /proc/slabinfo's active_objs exact) and init_on_free.
qemu/boot.sh -q -l "$log" -t 2400 -o "$files" "${guest_files[@]}" \
	-a "slab_debug=FZPU,kpart-* init_on_free=1" tests/guest/tests.sh
echo "guest script exit status: $?"
tr -d '\r' <"$log" | grep -a '^kpart-test: ' | sed 's/^kpart-test: /  /' || true
tr -d '\r' <"$log" | sed -n '/^KPART-KTAP-BEGIN$/,/^KPART-KTAP-END$/p' | sed '1d;$d' >"$out/guest.ktap"
tr -d '\r' <"$log" | sed -n '/^KPART-DMESG-BEGIN$/,/^KPART-DMESG-END$/p' >"$out/guest-dmesg.log"
if [ -s "$out/guest.ktap" ]; then
	python3 "$src/tools/testing/kunit/kunit.py" parse --json="$out/guest.json" "$out/guest.ktap" |
		tee "$out/guest-parse.log" | grep -vE '\[(PASSED|SKIPPED)\]' || true
	read -r gp gf gs < <(python3 - "$out/guest.json" <<'PY'
import json, sys
counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
def walk(group):
    for case in group.get("test_cases", []):
        counts[case["status"] if case["status"] in counts else "FAIL"] += 1
    for sub in group.get("sub_groups", []):
        walk(sub)
walk(json.load(open(sys.argv[1])))
print(counts["PASS"], counts["FAIL"], counts["SKIP"])
PY
)
	count "$gp" "$gf" "$gs"
else
	echo "no KTAP output from the guest (see $log)"
	count 0 1
fi

echo "== host checks of the live boot's files"
KPART_LIVE_DIR=$files python3 -m unittest -v tests/host/check_live.py tests/host/test_report.py \
	>"$out/live-checks.log" 2>&1
grep -E '\.\.\. |^FAIL|^ERROR|Error' "$out/live-checks.log" | head -n 40
read -r lp lf < <(awk '/\.\.\. ok$/ { p++ } /\.\.\. (FAIL|ERROR)$/ { f++ } /^(FAIL|ERROR):/ { e++ }
	END { if (!p && !f) f = 1; print p + 0, f + 0 }' "$out/live-checks.log")
count "$lp" "$lf"

# The console guard: any checker report fails the run.
pattern='BUG:|WARNING:|Oops|KASAN|kmemleak:|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU|Kernel panic|general protection fault|UBSAN'
# The console without the files the guest exported (cache names such as
# kmemleak_object are not reports).
tr -d '\r' <"$log" | sed '/^KPART-FILE-BEGIN/,/^KPART-FILE-END$/d' >"$out/guest-console.log"
if [ -s "$out/guest-dmesg.log" ] && ! grep -qE "$pattern" "$out/guest-dmesg.log" &&
	! grep -qE "$pattern" "$out/guest-console.log"; then
	echo "ok - guest kernel log is clean"
	count 1 0
else
	echo "not ok - guest kernel log has reports (or is missing):"
	grep -hE "$pattern" "$out/guest-dmesg.log" "$out/guest-console.log" | head -n 40
	count 0 1
fi

echo "== leaked user, then rmmod kpart (a boot of its own)"
leaklog=$out/leak-boot.log
qemu/boot.sh -q -l "$leaklog" -t 600 -a "slab_debug=FZPU,kpart-*" tests/guest/leak.sh
leak_status=$?
tr -d '\r' <"$leaklog" | grep -E 'kpart|objects left|leak test' | grep -v '^\[' | head -n 5
# Expected: the slab allocator's reports of kpart caches that still hold
# objects. Anything else (an oops, KASAN, a report about another cache) fails.
bad=$(tr -d '\r' <"$leaklog" | grep -E "$pattern" |
	grep -vE 'kmem_cache_destroy kpart-|BUG kpart-|Objects remaining|WARNING: CPU: [0-9]+ PID: [0-9]+ at mm/(slab_common|slub).c|kmemleak' || true)
if [ $leak_status = 0 ] && [ -z "$bad" ] &&
	tr -d '\r' <"$leaklog" | grep -q 'Slab cache still has objects'; then
	echo "ok - leaked user then rmmod kpart: reported, no crash, kpart reloads"
	count 1 0
else
	echo "not ok - leaked user then rmmod kpart (status $leak_status):"
	echo "$bad" | head -n 20
	count 0 1
fi

echo "== benchmark smoke run (make bench QUICK=1)"
if QUICK=1 scripts/bench.sh >"$out/bench-quick.log" 2>&1; then
	tail -n 1 "$out/bench-quick.log"
	echo "ok - benchmark smoke run"
	count 1 0
else
	tail -n 15 "$out/bench-quick.log"
	echo "not ok - benchmark smoke run"
	count 0 1
fi

[ "$skipped" = 0 ] || echo "($skipped skipped: mode-specific KUnit cases in the other mode)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
