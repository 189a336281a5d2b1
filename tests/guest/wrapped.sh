# SPDX-License-Identifier: GPL-2.0
#
# Groups kpart_wrap_<mode>: modules never written for kpart, built through it
# by make wrap (scripts/kpart-wrap) and used for real, with kpart in typed,
# then random, then pertype mode:
#
#   kpart_wrap_family  a module written against plain kmalloc: its KUnit
#                      suite checks every member of the family
#   fs/fat             fat, vfat, msdos and fat's own KUnit suite; a FAT
#                      image on a loop device, long names, a remount
#   net/netfilter      nf_tables and its expressions, driven by Debian's nft
#   fs/ext4            ext4 and its KUnit suite (jbd2 and mbcache as the
#                      kernel built them): an image made by Debian's mke2fs,
#                      files, links, a large directory, checked by e2fsck
#
# For each: its own tests pass, kpart's caches hold its objects while it is
# in use, kpart's statistics count its allocations, and it unloads before
# kpart does. The kernel log is judged with the rest of the boot. The
# exercises are in exercises.sh.
. /kpart/exercises.sh

wrapped_in_mode() {
	mode=$1
	ktap_group kpart_wrap_$mode
	check loads insmod $KO mode=$mode
	check family_loads load_set family
	ktap_kunit_suite kpart_wrap_family
	check family_unloads unload_set family
	check fat_loads load_set fat
	ktap_kunit_suite fat_test
	check fat_round_trip fat_round_trip
	check fat_unloads unload_set fat
	check nf_tables_loads load_set netfilter
	check nft_ruleset nft_ruleset
	check nf_tables_unloads unload_set netfilter
	check ext4_loads load_set ext4
	ktap_kunit_suite ext4_inode_test
	check ext4_round_trip ext4_round_trip
	check ext4_unloads unload_set ext4
	check unloads rmmod kpart
	ktap_group_end
}

wrapped_in_mode typed
wrapped_in_mode random
wrapped_in_mode pertype
