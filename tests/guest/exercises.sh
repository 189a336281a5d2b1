# SPDX-License-Identifier: GPL-2.0
#
# Real use of the kernel modules make wrap builds through kpart, for the
# guest: loading and unloading a wrapped set, and an exercise per module that
# uses it as its users do (files on a filesystem, a firewall ruleset), with
# kpart's caches and statistics watched while it runs. Each exercise returns
# non-zero, after saying why, when anything goes wrong. Sourced by wrapped.sh
# (make test) and by make run --wrap.

# Called by each exercise while its module is in use (after the files are
# written, with the ruleset loaded): make run --wrap takes its snapshot here.
wrapped_in_use() { :; }

# Whether kpart counts its allocations (loaded with stats=1).
kpart_counting() {
	[ "$(cat /sys/module/kpart/parameters/stats)" = Y ]
}

# more_served BEFORE WHAT: with stats=1, kpart served more allocations than
# BEFORE; without, nothing is counted to compare.
more_served() {
	kpart_counting || return 0
	more_than "$1" "$(kpart_served)" "$2"
}

# Allocations kpart served from its caches (debugfs: every row, and in
# pertype mode every type's own caches).
kpart_served() {
	{
		awk '!/^#/ && $1 != "kmalloc" { n += $3 } END { print n + 0 }' \
			/sys/kernel/debug/kpart/partitions
		awk '!/^#/ && NF >= 5 { n += $4 } END { print n + 0 }' \
			/sys/kernel/debug/kpart/types
	} | awk '{ n += $1 } END { print n }'
}

# Live objects in kpart's caches (/proc/slabinfo's active_objs).
kpart_live() {
	awk '/^kpart-/ { n += $2 } END { print n + 0 }' /proc/slabinfo
}

# load_set NAME: insmod the modules of wrapped set NAME in their order (the
# kernel's own modules they need first, as scripts/kpart-wrap wrote it).
load_set() {
	while read -r ko; do
		insmod "/kpart/${ko##*/}" || { echo "insmod $ko failed"; return 1; }
	done <"/kpart/load-order-$1"
}

# unload_set NAME: rmmod them in the reverse order.
unload_set() {
	for ko in $(sed '1!G;h;$!d' "/kpart/load-order-$1"); do
		m=${ko##*/}
		rmmod "${m%.ko}" || { echo "rmmod ${m%.ko} failed"; return 1; }
	done
}

# more_than BEFORE AFTER WHAT: AFTER must exceed BEFORE.
more_than() {
	[ "$2" -gt "$1" ] || { echo "$3: $1 before, $2 after"; return 1; }
}

# The files of the FAT round trip: long names, nested directories.
FAT_DIR="/mnt/vfat/A directory with a rather long name"
fat_populate() {
	mkdir -p "$FAT_DIR/and a nested one, also long" || return 1
	i=0
	while [ $i -lt 40 ]; do
		echo "contents of file number $i" >"$FAT_DIR/File number $i with a long name.txt" ||
			return 1
		i=$((i + 1))
	done
	echo nested >"$FAT_DIR/and a nested one, also long/Deeply nested file.data" || return 1
	i=0
	while [ $i -lt 40 ]; do
		mv "$FAT_DIR/File number $i with a long name.txt" \
			"$FAT_DIR/Renamed file $i, still a long name.txt" || return 1
		i=$((i + 4))
	done
	i=1
	while [ $i -lt 40 ]; do
		rm "$FAT_DIR/File number $i with a long name.txt" || return 1
		i=$((i + 4))
	done
	mkdir /mnt/vfat/gone && rmdir /mnt/vfat/gone
}

# What the image must hold: names and contents.
fat_listing() {
	(cd /mnt/vfat && find . | sort && find . -type f | sort | while read -r f; do
		echo "$f: $(cat "$f")"
	done)
}

# fs_round_trip FSTYPE DEVICE MKFS POPULATE LISTING OFFLINE REMOUNTED: a
# 16 MiB image made by MKFS on loop DEVICE, mounted as FSTYPE on
# /mnt/FSTYPE (kpart's live objects must grow), filled by POPULATE (kpart's
# allocations must grow), listed by LISTING, unmounted and checked by
# OFFLINE DEVICE, then remounted: the listing must read back the same and
# REMOUNTED must hold.
fs_round_trip() {
	fs=$1 dev=$2 mkfs=$3 populate=$4 listing=$5 offline=$6 remounted=$7
	dd if=/dev/zero of=/tmp/$fs.img bs=1M count=16 2>/dev/null &&
		$mkfs /tmp/$fs.img >/dev/null || return 1
	losetup $dev /tmp/$fs.img || return 1
	mkdir -p /mnt/$fs
	status=0
	live=$(kpart_live)
	served=$(kpart_served)
	mount -t $fs $dev /mnt/$fs || { losetup -d $dev; return 1; }
	more_than "$live" "$(kpart_live)" "kpart's live objects, $fs mounted" || status=1
	$populate || status=1
	sync
	$listing >/tmp/$fs.before
	wrapped_in_use
	more_served "$served" "kpart's allocations, $fs in use" || status=1
	umount /mnt/$fs || status=1
	$offline $dev || status=1
	mount -t $fs $dev /mnt/$fs || status=1
	$listing >/tmp/$fs.after
	cmp -s /tmp/$fs.before /tmp/$fs.after ||
		{ echo "the remount reads back something else:"; diff /tmp/$fs.before /tmp/$fs.after | head; status=1; }
	$remounted || status=1
	umount /mnt/$fs || status=1
	losetup -d $dev || status=1
	return $status
}

# The same image as msdos: 8.3 names, read only what is there.
fat_as_msdos() {
	mount -t msdos -o ro "$1" /mnt/vfat && ls /mnt/vfat >/dev/null && umount /mnt/vfat
}

fat_remounted() {
	grep -q 'Renamed file 36, still a long name.txt: contents of file number 36' /tmp/vfat.after ||
		{ echo "a renamed file is missing"; return 1; }
	[ "$(grep -c '/File number [0-9]* with a long name\.txt$' /tmp/vfat.after)" = 20 ] ||
		{ echo "expected 20 unrenamed files"; return 1; }
}

fat_round_trip() {
	fs_round_trip vfat /dev/loop0 mkdosfs fat_populate fat_listing fat_as_msdos fat_remounted
}

# A realistic ruleset: tables of two families, base chains on hooks, rules
# with several expressions, named sets, maps and objects.
cat >/tmp/ruleset.nft <<'NFT'
flush ruleset
table inet filter {
	set blocked {
		type ipv4_addr
		flags interval
		elements = { 10.0.0.0/8, 192.168.1.1, 203.0.113.0/24 }
	}
	set trusted_ports {
		type inet_service
		elements = { 22, 443 }
	}
	map port_policy {
		type inet_service : verdict
		elements = { 23 : drop, 25 : drop, 80 : accept }
	}
	counter ssh_packets { }
	quota bulk { over 100 mbytes }
	chain input {
		type filter hook input priority 0; policy accept;
		ct state established,related accept
		ip saddr @blocked counter drop
		tcp dport vmap @port_policy
		tcp dport @trusted_ports limit rate 10/second counter accept
		tcp dport 22 counter name ssh_packets log prefix "ssh " accept
		meta mark set jhash ip saddr mod 4
		udp dport 5000-6000 quota name bulk drop
		meta l4proto icmp numgen inc mod 2 0 accept
	}
	chain forward {
		type filter hook forward priority 0; policy drop;
	}
}
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat;
		tcp dport 8080 dnat to 10.0.0.2:80
	}
	chain postrouting {
		type nat hook postrouting priority srcnat;
		oifname "eth0" masquerade
	}
}
NFT

# One transaction with a good rule and a rule on a set that does not exist:
# nft must refuse all of it.
cat >/tmp/failing.nft <<'NFT'
add rule inet filter input tcp dport 9999 accept
add rule inet filter input ip saddr @no_such_set drop
NFT

nft_ruleset() {
	status=0
	live=$(kpart_live)
	served=$(kpart_served)
	nft -f /tmp/ruleset.nft || return 1
	more_than "$live" "$(kpart_live)" "kpart's live objects, ruleset loaded" || status=1
	more_served "$served" "kpart's allocations, ruleset loaded" || status=1
	# Updates and deletions.
	nft add element inet filter blocked '{ 172.16.0.0/12 }' &&
		nft delete element inet filter blocked '{ 192.168.1.1 }' &&
		nft add element inet filter port_policy '{ 8443 : accept }' &&
		nft add rule inet filter input udp dport 53 counter accept &&
		nft add chain inet filter scratch &&
		nft add rule inet filter scratch counter || status=1
	handle=$(nft -a list chain inet filter input | sed -n 's/.*udp dport 53 .* # handle \([0-9]*\)$/\1/p')
	[ -n "$handle" ] && nft delete rule inet filter input handle "$handle" ||
		{ echo "no rule to delete"; status=1; }
	nft delete chain inet filter scratch || status=1
	nft list ruleset >/tmp/ruleset.now || status=1
	wrapped_in_use
	grep -q '172.16.0.0/12' /tmp/ruleset.now && ! grep -q '192.168.1.1' /tmp/ruleset.now &&
		grep -q '8443 : accept' /tmp/ruleset.now && ! grep -q 'dport 53' /tmp/ruleset.now ||
		{ echo "the updates are not in the ruleset:"; cat /tmp/ruleset.now; status=1; }
	# The failing transaction is aborted whole.
	if nft -f /tmp/failing.nft 2>/tmp/nft.err; then
		echo "a transaction with a missing set was accepted"
		status=1
	fi
	nft list ruleset >/tmp/ruleset.after
	cmp -s /tmp/ruleset.now /tmp/ruleset.after ||
		{ echo "the aborted transaction changed the ruleset"; status=1; }
	nft flush ruleset && [ -z "$(nft list ruleset)" ] || { echo "flush left rules"; status=1; }
	return $status
}

# Live objects in the kernel's own accounted caches (kmalloc-cg-*).
kmalloc_cg_live() {
	awk '/^kmalloc-cg-/ { n += $2 } END { print n + 0 }' /proc/slabinfo
}

# nf_tables' names and comments, user-sized and GFP_KERNEL_ACCOUNT, as the
# spray of many write-ups lands beside them in kmalloc-cg-*: 200 chains,
# 100 sets and 100 counters, each with a name of about 200 bytes and a
# comment of about 120 (nft's most: 128).
# Through make wrap they are kpart's (nla_strdup, nla_memdup, kasprintf are
# routed): kpart's live objects grow by at least two per object, the
# kernel's kmalloc-cg-* by less than one per four (unwrapped, or with names
# and comments left to the core helpers, by more than two per object).
nft_names_in_kpart() {
	long=$(printf 'x%.0s' $(seq 190))
	text=$(printf 'y%.0s' $(seq 100))
	{
		echo "table inet kpart_names {"
		for i in $(seq 200); do
			echo "chain c${i}_$long { comment \"chain $i $text\"; }"
		done
		for i in $(seq 100); do
			echo "set s${i}_$long { type ipv4_addr; comment \"set $i $text\"; }"
			echo "counter k${i}_$long { comment \"counter $i $text\"; }"
		done
		echo "}"
	} >/tmp/names.nft
	cg=$(kmalloc_cg_live)
	live=$(kpart_live)
	nft -f /tmp/names.nft || return 1
	cg_after=$(kmalloc_cg_live)
	live_after=$(kpart_live)
	echo "400 named objects: kpart's live objects $live -> $live_after," \
		"kmalloc-cg-* $cg -> $cg_after"
	status=0
	[ $((live_after - live)) -ge 800 ] || { echo "kpart's caches did not grow with them"; status=1; }
	[ $((cg_after - cg)) -lt 100 ] || { echo "kmalloc-cg-* grew with them"; status=1; }
	nft delete table inet kpart_names || status=1
	# nf_tables frees after an RCU grace period: wait until kpart's live
	# objects settle, for the next exercise to count from.
	i=0
	while [ $i -lt 20 ]; do
		before=$(kpart_live)
		sleep 1
		[ "$before" = "$(kpart_live)" ] && break
		i=$((i + 1))
	done
	return $status
}

# The files of the ext4 round trip: nested directories, a name of 255
# bytes, hard and symbolic links, a file of many blocks, a directory of
# several blocks (an htree index), renames, deletions, a truncation.
EXT4_LONG=$(printf 'n%.0s' $(seq 255))
ext4_populate() {
	mkdir -p /mnt/ext4/a/b/c /mnt/ext4/big || return 1
	echo "a file with a 255-byte name" >"/mnt/ext4/a/$EXT4_LONG" || return 1
	dd if=/dev/urandom of=/mnt/ext4/a/b/large bs=64k count=4 2>/dev/null || return 1
	ln /mnt/ext4/a/b/large /mnt/ext4/a/b/c/hard && ln -s ../large /mnt/ext4/a/b/c/soft ||
		return 1
	i=0
	while [ $i -lt 300 ]; do
		echo $i >/mnt/ext4/big/entry-with-a-longish-name-$i || return 1
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 300 ]; do
		mv /mnt/ext4/big/entry-with-a-longish-name-$i /mnt/ext4/big/renamed-$i || return 1
		i=$((i + 3))
	done
	i=1
	while [ $i -lt 300 ]; do
		rm /mnt/ext4/big/entry-with-a-longish-name-$i || return 1
		i=$((i + 3))
	done
	dd if=/dev/urandom of=/mnt/ext4/a/truncated bs=64k count=2 2>/dev/null &&
		truncate -s 100000 /mnt/ext4/a/truncated || return 1
	mkdir /mnt/ext4/gone && rmdir /mnt/ext4/gone
}

# What the image must hold: names, link targets and contents.
ext4_listing() {
	(cd /mnt/ext4 && find . ! -name lost+found | sort && readlink a/b/c/soft &&
		find . -type f | sort | xargs md5sum && ls -l a/b/large | awk '{ print $2 }')
}

# Debian's own checker (not busybox's applets, first in PATH), forced to
# read everything: a clean filesystem.
ext4_fsck() {
	/usr/sbin/e2fsck -fn "$1" >/tmp/e2fsck.out 2>&1 || { cat /tmp/e2fsck.out; return 1; }
}

ext4_remounted() {
	[ "$(ls /mnt/ext4/big | wc -l)" = 200 ] || { echo "expected 200 entries in big/"; return 1; }
	[ "$(cat "/mnt/ext4/a/$EXT4_LONG")" = "a file with a 255-byte name" ] ||
		{ echo "the 255-byte name is lost"; return 1; }
	[ "$(stat -c %s /mnt/ext4/a/truncated)" = 100000 ] || { echo "truncation lost"; return 1; }
}

ext4_round_trip() {
	fs_round_trip ext4 /dev/loop1 "/usr/sbin/mke2fs -q -F -t ext4" ext4_populate ext4_listing \
		ext4_fsck ext4_remounted
}
