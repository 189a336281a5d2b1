# SPDX-License-Identifier: GPL-2.0
#
# Sourced by kpart's scripts: the toolchain that builds kpart and its kernels.
# rustup's rustc may come first on PATH, but only Debian's rustc has the
# library source the kernel compiles core from, so name it explicitly.

KPART_CACHE=${KPART_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kpart}
KPART_KERNEL_PKG=${KPART_KERNEL_PKG:-linux-source-6.12}
KPART_KERNEL_TARBALL=${KPART_KERNEL_TARBALL:-/usr/src/$KPART_KERNEL_PKG.tar.xz}
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-22/lib}

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
