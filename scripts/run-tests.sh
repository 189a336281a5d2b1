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

echo "== guest tests (QEMU)"
log=$out/test-boot.log
qemu/boot.sh -q -l "$log" -t 1200 -f tests/guest/ktap.sh tests/guest/tests.sh
echo "guest script exit status: $?"
tr -d '\r' <"$log" | sed -n '/^KPART-KTAP-BEGIN$/,/^KPART-KTAP-END$/p' | sed '1d;$d' >"$out/guest.ktap"
tr -d '\r' <"$log" | sed -n '/^KPART-DMESG-BEGIN$/,/^KPART-DMESG-END$/p' >"$out/guest-dmesg.log"
if [ -s "$out/guest.ktap" ]; then
	python3 "$src/tools/testing/kunit/kunit.py" parse "$out/guest.ktap" --json "$out/guest.json" |
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

# The console guard: any checker report fails the run.
pattern='BUG:|WARNING:|Oops|KASAN|kmemleak|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU|Kernel panic|general protection fault|UBSAN'
if [ -s "$out/guest-dmesg.log" ] && ! grep -qE "$pattern" "$out/guest-dmesg.log" && ! grep -qE "$pattern" "$log"; then
	echo "ok - guest kernel log is clean"
	count 1 0
else
	echo "not ok - guest kernel log has reports (or is missing):"
	grep -nE "$pattern" "$log" | head -n 40
	count 0 1
fi

[ "$skipped" = 0 ] || echo "($skipped skipped: mode-specific KUnit cases in the other mode)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
