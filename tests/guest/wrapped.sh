# SPDX-License-Identifier: GPL-2.0
#
# Groups kpart_wrap_<mode>: modules never written for kpart, built through it
# by make wrap (scripts/kpart-wrap) and used for real, with kpart in typed,
# then random, then pertype mode:
#
#   tests/wrap         kpart_wrap_family, a module written against plain
#                      kmalloc: its KUnit suite checks every member of the
#                      family and the kernel's allocating helpers
#   tests/wrap-lib     the kernel's own suites fortify and overflow from
#                      lib/, which define macros before their first include
#                      (fortify_panic() that counts instead of panicking;
#                      pr_fmt()) and check the allocators' size bounds:
#                      every case must end as it does in their plain build
#                      (group kpart_lib_plain, without kpart)
#   fs/fat             fat, vfat, msdos and fat's own KUnit suite; a FAT
#                      image on a loop device, long names, a remount
#   net/netfilter      nf_tables and its expressions, driven by Debian's nft;
#                      hundreds of long names and comments in kpart's caches,
#                      not the kernel's kmalloc-cg-*
#   fs/ext4            ext4 and its KUnit suite (jbd2 and mbcache as the
#                      kernel built them): an image made by Debian's mke2fs,
#                      files, links, a large directory, checked by e2fsck
#
# For each: its own tests pass, kpart's caches hold its objects while it is
# in use, kpart's statistics count its allocations (random mode, loaded with
# stats=1: every allocation out of line; typed and pertype mode take the
# in-line path), and it unloads before kpart does. The kernel log is judged with the rest of the boot. The
# exercises are in exercises.sh.
. /kpart/exercises.sh

# The kernel's lib/ suites of tests/wrap-lib.
LIB_SUITES="fortify overflow"

# lib_results SUITE FILE: how each case of SUITE ended (its result lines,
# parameterised cases included, without the diagnostics).
lib_results() {
	grep -E '^ *(not )?ok [0-9]+ ' "/sys/kernel/debug/kunit/$1/results" |
		sed 's/^ *//' >"$2"
	[ -s "$2" ] || { echo "no results of suite $1"; return 1; }
}

# same_as_plain SUITE: the wrapped suite's cases end as the plain ones did.
same_as_plain() {
	lib_results "$1" "/tmp/wrapped-$1" || return 1
	diff "/tmp/plain-$1" "/tmp/wrapped-$1"
}

# The plain results are the reference, whatever they are: a case may fail on
# this kernel and compiler without kpart (overflow's DEFINE_FLEX_test does
# with Clang 22).
ktap_group kpart_lib_plain
for suite in $LIB_SUITES; do
	check "${suite}_loads" insmod "/kpart/plain_$suite.ko"
	check "${suite}_results" lib_results "$suite" "/tmp/plain-$suite"
	check "${suite}_unloads" rmmod "plain_$suite"
done
ktap_group_end

# wrapped_in_mode MODE ROUND_TRIPS [KPART_ARGS...]: every wrapped module
# loads, runs its suites and unloads in MODE; of the file system round trips,
# those named.
# The round trips differ from one mode to the next only in where kpart puts
# the objects, which the suites and nft_names_in_kpart check in every mode:
# each runs in two of the three, pertype mode (per-type caches made as the
# file system goes) among them.
wrapped_in_mode() {
	mode=$1 round_trips=$2
	shift 2
	ktap_group kpart_wrap_$mode
	check loads insmod $KO mode=$mode "$@"
	check family_loads load_set family
	ktap_kunit_suite kpart_wrap_family
	check family_unloads unload_set family
	for suite in $LIB_SUITES; do
		check "${suite}_loads" insmod "/kpart/wrap_$suite.ko"
		check "${suite}_as_plain" same_as_plain "$suite"
		check "${suite}_unloads" rmmod "wrap_$suite"
	done
	check fat_loads load_set fat
	ktap_kunit_suite fat_test
	case " $round_trips " in *" fat "*) check fat_round_trip fat_round_trip ;; esac
	check fat_unloads unload_set fat
	check nf_tables_loads load_set netfilter
	check nft_ruleset nft_ruleset
	check nft_names_in_kpart nft_names_in_kpart
	check nf_tables_unloads unload_set netfilter
	check ext4_loads load_set ext4
	ktap_kunit_suite ext4_inode_test
	case " $round_trips " in *" ext4 "*) check ext4_round_trip ext4_round_trip ;; esac
	check ext4_unloads unload_set ext4
	check unloads rmmod kpart
	ktap_group_end
}

wrapped_in_mode typed fat
wrapped_in_mode random ext4 stats=1
wrapped_in_mode pertype "fat ext4"
