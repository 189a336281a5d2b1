# SPDX-License-Identifier: GPL-2.0
#
# Helpers for guest scripts: `. /kpart/lib.sh`.

# kpart_export NAME FILE: copy FILE to the host, where qemu/boot.sh -o DIR
# writes it as DIR/NAME: over the 9p share boot.sh gives the guest
# (/kpart/out), or else on the console, which it writes itself so that it
# works with stdout redirected.
kpart_export() {
	if [ -d /kpart/out ]; then
		cat "$2" >"/kpart/out/$1" && return 0
		echo "kpart_export: $1 could not go over the share" >/dev/console
	fi
	{
		echo "KPART-FILE-BEGIN $1"
		cat "$2"
		echo "KPART-FILE-END"
	} >/dev/console
}

# kmsg_mark NAME: a mark in the kernel log; kmsg_since NAME prints the log
# after the last such mark. Tests read their own part of the log this way and
# never clear it: the host's guard reads the whole log at the end.
kmsg_mark() {
	echo "<6>kpart-mark: $1" >/dev/kmsg
}

kmsg_since() {
	dmesg | awk -v mark="kpart-mark: $1" '
		index($0, mark) && substr($0, index($0, mark)) == mark { n = NR; delete lines; next }
		n { lines[NR] = $0 }
		END { if (!n) { print "kmsg_since: mark " mark " not in the log" > "/dev/stderr"; exit 1 }
		      for (i = n + 1; i <= NR; i++) print lines[i] }'
}
