# SPDX-License-Identifier: GPL-2.0
#
# Group kpart_security: what unprivileged users can see, and what nothing
# may merge.

as_nobody() {
	su -s /bin/sh nobody -c "$*"
}

seed_is_hidden() {
	insmod $KO mode=random seed=12345 partitions=2 || return 1
	status=0
	[ ! -e /sys/module/kpart/parameters/seed ] || { echo "seed is in sysfs"; status=1; }
	for p in /sys/module/kpart/parameters/*; do
		! as_nobody "cat $p" | grep -q 12345 || { echo "$p shows the seed"; status=1; }
	done
	rmmod kpart || status=1
	return $status
}

debugfs_is_root_only() {
	insmod $KO mode=random partitions=2 || return 1
	status=0
	for f in /sys/kernel/debug/kpart/*; do
		mode=$(stat -c %a "$f")
		[ "$mode" = 400 ] || { echo "$f has mode $mode"; status=1; }
		as_nobody "cat $f" >/dev/null 2>&1 && { echo "nobody can read $f"; status=1; }
		# Neither kernel addresses nor the seed.
		grep -qiE 'ffff[0-9a-f]{12}|0x[0-9a-f]{8,}' "$f" && { echo "$f shows an address"; status=1; }
	done
	rmmod kpart || status=1
	return $status
}

never_merged_with_others() {
	insmod $KO partitions=2 || return 1
	status=0
	# kpart caches are real directories with no aliases, and no alias
	# symlink anywhere points to one of them.
	ls -l /sys/kernel/slab | grep -e '-> .*kpart-' && { echo "aliases of kpart caches"; status=1; }
	for d in /sys/kernel/slab/kpart-*; do
		[ -L "$d" ] && { echo "$d is an alias"; status=1; }
	done
	grep -vx 0 /sys/kernel/slab/kpart-*/aliases && { echo "kpart caches with aliases"; status=1; }
	rmmod kpart || status=1
	return $status
}

ktap_group kpart_security
check seed_not_visible seed_is_hidden
check debugfs_root_only_no_addresses debugfs_is_root_only
check never_merged_with_other_caches never_merged_with_others
ktap_group_end
