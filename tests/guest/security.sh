# SPDX-License-Identifier: GPL-2.0
#
# Group kpart_security: what unprivileged users can see, and what nothing
# may merge.

as_nobody() {
	su -s /bin/sh nobody -c "$*"
}

# A seed whose decimal and hexadecimal forms cannot occur by chance.
SEED_DEC=13117684678534742256
SEED_HEX=b60b60b6f3a5c0f0

# The seed's forms, in any case, in FILE.
shows_seed() {
	grep -qiE "$SEED_DEC|$SEED_HEX" "$1"
}

# The checks below mean something only if su works: nobody is uid 65534 and
# reads what anyone may read.
su_nobody_works() {
	[ "$(as_nobody 'id -u')" = 65534 ] || { echo "su nobody: uid $(as_nobody 'id -u')"; return 1; }
	as_nobody 'cat /proc/version' >/dev/null || { echo "nobody cannot read /proc/version"; return 1; }
}

seed_is_hidden() {
	insmod $KO mode=random seed=0x$SEED_HEX partitions=2 || return 1
	status=0
	[ ! -e /sys/module/kpart/parameters/seed ] || { echo "seed is in sysfs"; status=1; }
	# Neither root nor nobody finds it in a parameter or a debugfs file.
	for p in /sys/module/kpart/parameters/* /sys/kernel/debug/kpart/*; do
		cat "$p" >/tmp/seen || { echo "root cannot read $p"; status=1; }
		shows_seed /tmp/seen && { echo "$p shows the seed"; status=1; }
	done
	for p in /sys/module/kpart/parameters/*; do
		as_nobody "cat $p" >/tmp/seen || { echo "nobody cannot read $p"; status=1; }
		shows_seed /tmp/seen && { echo "$p shows nobody the seed"; status=1; }
	done
	rmmod kpart || status=1
	return $status
}

# debugfs's root is 0700, which would hide kpart's files from nobody
# whatever their mode: open it up for the check, so that only the files'
# own mode can refuse nobody (nobody can list the directory: the control).
debugfs_is_root_only() {
	insmod $KO mode=random partitions=2 || return 1
	status=0
	mount -o remount,mode=0755 /sys/kernel/debug || { rmmod kpart; return 1; }
	as_nobody 'ls /sys/kernel/debug/kpart' >/tmp/listed ||
		{ echo "nobody cannot list /sys/kernel/debug/kpart"; status=1; }
	[ -s /tmp/listed ] || { echo "no kpart debugfs files"; status=1; }
	for f in /sys/kernel/debug/kpart/*; do
		mode=$(stat -c %a "$f")
		[ "$mode" = 400 ] || { echo "$f has mode $mode"; status=1; }
		as_nobody "cat $f" >/dev/null 2>&1 && { echo "nobody can read $f"; status=1; }
		# No kernel address.
		grep -qiE 'ffff[0-9a-f]{12}|0x[0-9a-f]{8,}' "$f" && { echo "$f shows an address"; status=1; }
	done
	mount -o remount,mode=0700 /sys/kernel/debug || status=1
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

# Pertype mode: which bucket a call site's raw buffers fall in depends on the
# seed. Every bucket's caches exist from the load on, so the cache names
# nobody can list are the same before and after a workload's raw buffers
# (all 16 buckets, every size class, both matrices), and what a cache holds
# is root's to read.
buckets_hidden() {
	insmod $KO mode=pertype partitions=16 || return 1
	status=0
	as_nobody 'ls /sys/kernel/slab' | grep '^kpart-' >/tmp/before
	buckets=$(grep -c -e '^kpart-s-' -e '^kpart-cg-s-' /tmp/before)
	[ "$buckets" = $((16 * $(wc -l </kpart/size-classes) * 2)) ] ||
		{ echo "$buckets bucket caches at load"; status=1; }
	insmod /kpart/kpart_workload.ko || status=1
	as_nobody 'ls /sys/kernel/slab' | grep '^kpart-' | grep -v -e '-t-' >/tmp/after
	grep -v -e '-t-' /tmp/before | diff - /tmp/after ||
		{ echo "bucket caches appeared with the workload"; status=1; }
	for f in objects slabs partial cpu_slabs total_objects; do
		as_nobody "cat /sys/kernel/slab/kpart-s-00-64/$f" >/dev/null 2>&1 &&
			{ echo "nobody reads kpart-s-00-64/$f"; status=1; }
	done
	rmmod kpart_workload || status=1
	rmmod kpart || status=1
	return $status
}

ktap_group kpart_security
check su_nobody_works su_nobody_works
check seed_not_visible seed_is_hidden
check debugfs_root_only_no_addresses debugfs_is_root_only
check never_merged_with_other_caches never_merged_with_others
check pertype_buckets_hidden buckets_hidden
ktap_group_end
