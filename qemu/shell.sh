#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make shell: the test kernel under virtme-ng, over this machine's own root
# filesystem (read-only, with throw-away overlays), so that the host's tools
# (nft, mke2fs, perf, gdb, ...) run next to kpart:
#
#   qemu/shell.sh [--exec 'commands'] [-- vng options]
#
# The shell starts in kpart's directory: kpart.ko and the other modules are
# there, the modules make wrap built under out/wrap/ (make run --wrap, make
# test, or make wrap M=... first), and out/ is writable. With --exec the
# commands run instead of a shell and their exit status is the script's.
# QEMU runs under TCG unless KPART_KVM=1 (and a usable /dev/kvm).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/build/toolchain.sh
. scripts/build/toolchain.sh

exec_cmds=
while [ $# -gt 0 ]; do
	case $1 in
	--exec)	exec_cmds=$2; shift ;;
	--)	shift; break ;;
	-h|--help) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*)	echo "shell.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

[ -x "$KPART_VNG" ] || { echo "shell.sh: no virtme-ng at $KPART_VNG: run make deps" >&2; exit 1; }
kdir=$(scripts/build/build-kernel.sh test | tail -n 1)
make -s KDIR="$kdir" modules
mkdir -p out

vng=("$KPART_VNG" --run "$kdir/arch/x86/boot/bzImage" --force-9p --memory 2G --cpus 2
	--cwd "$top" --rwdir "$top/out")
[ "${KPART_KVM:-0}" = 1 ] || vng+=(--disable-kvm)
[ -z "$exec_cmds" ] || vng+=(--exec "$exec_cmds")
# virtme-ng runs its helpers (virtme-run) from its own bin directory.
PATH=$(dirname "$KPART_VNG"):$PATH exec "${vng[@]}" "$@"
