# SPDX-License-Identifier: GPL-2.0
#
# Helpers for guest scripts: `. /kpart/lib.sh`.

# kpart_export NAME FILE: copy FILE to the host, where qemu/boot.sh -o DIR
# writes it as DIR/NAME.
# It writes to the console itself, so it works with stdout redirected.
kpart_export() {
	{
		echo "KPART-FILE-BEGIN $1"
		cat "$2"
		echo "KPART-FILE-END"
	} >/dev/console
}
