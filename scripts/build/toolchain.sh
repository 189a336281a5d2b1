# SPDX-License-Identifier: GPL-2.0
#
# Sourced by kpart's scripts: the toolchain that builds kpart and its kernels.
# rustup's rustc may come first on PATH, but only Debian's rustc has the
# library source the kernel compiles core from, so name it explicitly.

KPART_CACHE=${KPART_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kpart}
KPART_KERNEL_PKG=${KPART_KERNEL_PKG:-linux-source-6.12}
KPART_KERNEL_TARBALL=${KPART_KERNEL_TARBALL:-/usr/src/$KPART_KERNEL_PKG.tar.xz}
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-22/lib}
# virtme-ng (make shell), from PyPI into a virtual environment of its own:
# Debian 12 does not package it.
KPART_VIRTME_NG_VERSION=1.42
KPART_VNG=$KPART_CACHE/virtme-ng/bin/vng

KPART_MAKE_FLAGS=(
	LLVM=-22
	RUSTC=/usr/bin/rustc
	HOSTRUSTC=/usr/bin/rustc
	RUSTDOC=/usr/bin/rustdoc
	BINDGEN="${BINDGEN:-$HOME/.cargo/bin/bindgen}"
)

# One line per tool: what a cached kernel was built with.
kpart_toolchain_versions() {
	clang-22 --version | sed -n 1p
	/usr/bin/rustc --version
	"${BINDGEN:-$HOME/.cargo/bin/bindgen}" --version
	dpkg-query -W -f='${Package} ${Version}\n' "$KPART_KERNEL_PKG"
}

# The extracted kernel source (extracting it on first use); prints its path.
kpart_kernel_src() {
	local pkgver src
	pkgver=$(dpkg-query -W -f='${Version}' "$KPART_KERNEL_PKG") || return 1
	src=$KPART_CACHE/src/$KPART_KERNEL_PKG-$pkgver
	if [ ! -f "$src/.kpart-extracted" ]; then
		echo "kpart: extracting $KPART_KERNEL_TARBALL" >&2
		rm -rf "$src" && mkdir -p "$src"
		tar -xf "$KPART_KERNEL_TARBALL" -C "$src" --strip-components=1 || return 1
		touch "$src/.kpart-extracted"
	fi
	echo "$src"
}

# kpart_compile_asm KDIR FILE.s [MAKE VARIABLES]: compile FILE.c of this
# tree to assembly (or FILE.i: preprocess it) with KDIR's flags (and kpart's
# Kbuild flags), for generators that read the values Clang put into it.
kpart_compile_asm() {
	make -s -C "$1" M="$PWD" "${KPART_MAKE_FLAGS[@]}" "${@:3}" "$2"
}

# kpart_install_generated GENERATED TARGET CHECK: format GENERATED with the
# kernel's rustfmt settings, then write it to TARGET, or with CHECK=1 only
# compare (diff's status: 0 when TARGET is up to date).
kpart_install_generated() {
	rustfmt --edition 2021 --config-path "$(kpart_kernel_src)/.rustfmt.toml" "$1" || return 1
	if [ "$3" = 1 ]; then
		diff -u "$2" "$1"
	else
		cp "$1" "$2"
	fi
}

# kpart_generator_begin FILE.s [--check] [KDIR]: the start of a script that
# generates Rust from what Clang compiles: parses the script's arguments
# (sets check and kdir), compiles FILE.c to FILE.s and makes gen, a
# temporary file for the output. FILE.s and gen go when the script exits.
kpart_generator_begin() {
	local asm=$1
	shift
	check=0
	[ "${1:-}" = --check ] && { check=1; shift; }
	kdir=${1:-$(scripts/build/build-kernel.sh test)}
	kpart_compile_asm "$kdir" "$asm" || return 1
	gen=$(mktemp)
	# shellcheck disable=SC2064
	trap "rm -f '$gen' '$asm'" EXIT
}
