#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU with kpart's modules, your own modules and a guest
# script, and return the script's exit status.
#
#   qemu/boot.sh [options] [GUEST_SCRIPT]
#
#   -c, --cmd CMDS       run shell commands CMDS in the guest (instead of a script)
#   -m, --module FILE    put a .ko into the guest's /kpart (repeatable); kpart.ko
#                        and kpart_kunit.ko from the repository are always there
#   -f, --file FILE      put any other file into /kpart (repeatable)
#   -b, --binary PROG    put a host program and the shared libraries it loads
#                        into the guest, at their own paths (repeatable)
#   -k, --kernel FILE    kernel image (default: the cached test kernel)
#   -a, --append ARGS    extra kernel command line
#   -t, --timeout SECS   kill the guest after SECS seconds (default 600)
#   -l, --log FILE       console log (default: out/boot.log)
#   -s, --smp N          virtual CPUs (default 2)
#   -M, --mem SIZE       memory (default 2G)
#   -i, --interactive    a shell on the console instead of a script
#   -q, --quiet          do not copy the console to stdout
#   -x, --qemu-arg ARG   an extra QEMU argument (repeatable), e.g. -x -icount -x shift=0
#   -o, --outdir DIR     write the files the guest exports (kpart_export NAME
#                        FILE, from /kpart/lib.sh) into DIR
#
# Examples:
#   qemu/boot.sh -c 'insmod kpart.ko mode=random; grep ^kpart- /proc/slabinfo'
#   qemu/boot.sh -m ~/src/mymod/mymod.ko -c 'insmod kpart.ko; insmod mymod.ko; dmesg | tail'
#
# Exit status: the guest script's; 124 when the guest timed out; 125 when it
# ended without reporting a status (a crash or panic).
# The guest sees the files in /kpart and the environment variable KPART=/kpart.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

script= cmds= kernel= append= timeout=600 log=$top/out/boot.log smp=2 mem=2G
interactive=0 quiet=0 outdir=
files=()
binaries=()
qemu_extra=()
while [ $# -gt 0 ]; do
	case $1 in
	-c|--cmd)	cmds=$2; shift ;;
	-m|--module|-f|--file) files+=("$2"); shift ;;
	-b|--binary)	binaries+=("$2"); shift ;;
	-k|--kernel)	kernel=$2; shift ;;
	-a|--append)	append=$2; shift ;;
	-t|--timeout)	timeout=$2; shift ;;
	-l|--log)	log=$2; shift ;;
	-s|--smp)	smp=$2; shift ;;
	-M|--mem)	mem=$2; shift ;;
	-i|--interactive) interactive=1 ;;
	-q|--quiet)	quiet=1 ;;
	-o|--outdir)	outdir=$2; shift ;;
	-x|--qemu-arg)	qemu_extra+=("$2"); shift ;;
	-h|--help)	sed -n '3,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*)		echo "boot.sh: unknown option $1" >&2; exit 2 ;;
	*)		script=$1 ;;
	esac
	shift
done

kdir=${KDIR:-$("$top/scripts/build/build-kernel.sh" test)}
kernel=${kernel:-$kdir/arch/x86/boot/bzImage}
[ -f "$kernel" ] || { echo "boot.sh: no kernel image $kernel" >&2; exit 2; }
gen_init_cpio=$kdir/usr/gen_init_cpio
[ -x "$gen_init_cpio" ] || { echo "boot.sh: $gen_init_cpio missing (build the kernel first)" >&2; exit 2; }
busybox=$(command -v busybox || echo /bin/busybox)
[ -x "$busybox" ] || { echo "boot.sh: busybox (busybox-static) not found" >&2; exit 2; }

work=$(mktemp -d)
qemu_pid=
cleanup() {
	[ -n "$qemu_pid" ] && kill -9 "$qemu_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$cmds" ]; then
	printf '%s\n' "$cmds" >"$work/guest.sh"
elif [ -n "$script" ]; then
	cp "$script" "$work/guest.sh"
elif [ $interactive = 0 ]; then
	echo "boot.sh: give a guest script, --cmd or --interactive" >&2
	exit 2
else
	: >"$work/guest.sh"
fi

# The initramfs, written with the kernel's own usr/gen_init_cpio.
{
	for d in /bin /sbin /dev /proc /sys /tmp /root /kpart /etc; do
		echo "dir $d 755 0 0"
	done
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "file /bin/busybox $busybox 755 0 0"
	echo "slink /bin/sh busybox 777 0 0"
	echo "file /init $here/init.sh 755 0 0"
	echo "file /kpart/guest.sh $work/guest.sh 755 0 0"
	echo "file /kpart/lib.sh $here/guest-lib.sh 644 0 0"
	for f in "$top"/*.ko "${files[@]}"; do
		[ -e "$f" ] || continue
		echo "file /kpart/$(basename "$f") $(realpath "$f") 644 0 0"
	done
	# Host programs, with the libraries ldd says they load.
	for b in "${binaries[@]}"; do
		path=$(command -v "$b") || { echo "boot.sh: no program $b on the host" >&2; exit 2; }
		echo "$path"
		ldd "$path" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
	done | sort -u | while read -r f; do
		d=$(dirname "$f")
		while [ "$d" != / ]; do echo "$d"; d=$(dirname "$d"); done | sort -u |
			grep -vxE '/(bin|sbin|dev|proc|sys|tmp|root|kpart|etc)' | sed 's/^/dir /; s/$/ 755 0 0/'
		echo "file $f $(realpath "$f") 755 0 0"
	done | awk '!seen[$0]++'
	# An unprivileged user for permission checks.
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$work/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$work/group"
	echo "file /etc/passwd $work/passwd 644 0 0"
	echo "file /etc/group $work/group 644 0 0"
} >"$work/initramfs.list"
"$gen_init_cpio" "$work/initramfs.list" >"$work/initramfs.cpio"

mkdir -p "$(dirname "$log")"
# nohz=off: the tick stays periodic, so the kernel never enables the
# timers_nohz_active static key at run time. QEMU's TCG (7.2) can let a vCPU
# execute the int3 of that live patch in enqueue_timer() after the patching
# CPU has finished with it, an "Oops: int3" a few seconds into the boot, on
# about one boot in twenty.
cmdline="console=ttyS0 acpi=off panic=-1 oops=panic loglevel=4 log_buf_len=8M nohz=off $append"
[ $interactive = 1 ] && cmdline="$cmdline KPART_SHELL=1"
qemu=(qemu-system-x86_64 -accel tcg -m "$mem" -smp "$smp" -no-reboot
	-bios /usr/share/qemu/qboot.rom -kernel "$kernel" -initrd "$work/initramfs.cpio"
	-append "$cmdline" "${qemu_extra[@]}")
# Exported files travel over a 9p share when there is a directory for them:
# the serial console under TCG carries a few kilobytes a second.
if [ -n "$outdir" ]; then
	mkdir -p "$work/share"
	qemu+=(-virtfs "local,path=$work/share,mount_tag=kpart_out,security_model=none,id=kpart_out")
fi

if [ $interactive = 1 ]; then
	"${qemu[@]}" -nographic
	exit 0
fi

start=$(date +%s.%N)
status=0
"${qemu[@]}" -display none -monitor none -serial "file:$log" </dev/null &
qemu_pid=$!
if [ $quiet = 0 ]; then
	tail --pid=$qemu_pid -n +1 -F "$log" 2>/dev/null &
fi
deadline=$(( $(date +%s) + timeout ))
while kill -0 "$qemu_pid" 2>/dev/null; do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		kill -9 "$qemu_pid" 2>/dev/null || true
		status=124
		break
	fi
	sleep 0.2
done
wait "$qemu_pid" 2>/dev/null || true
qemu_pid=
wait 2>/dev/null || true
elapsed=$(echo "$(date +%s.%N) - $start" | bc)

if [ $status = 124 ]; then
	echo "boot.sh: guest timed out after ${timeout}s (log: $log)" >&2
	exit 124
fi
if [ -n "$outdir" ]; then
	mkdir -p "$outdir"
	# Files the guest sent over the share, then any it printed.
	cp -r "$work/share/." "$outdir/"
	tr -d '\r' <"$log" | awk -v dir="$outdir" '
		/^KPART-FILE-BEGIN / { file = dir "/" $2; printf "" > file; next }
		/^KPART-FILE-END$/ { close(file); file = ""; next }
		file != "" { print > file }'
fi
exit_line=$(grep -a -o 'KPART-GUEST-EXIT: [0-9]*' "$log" | tail -n1 || true)
if [ -z "$exit_line" ]; then
	echo "boot.sh: guest ended without an exit status: crash or panic? (log: $log)" >&2
	exit 125
fi
printf 'boot.sh: guest exited with %s after %.1fs\n' "${exit_line##* }" "$elapsed" >&2
exit "${exit_line##* }"
