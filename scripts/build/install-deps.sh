#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what kpart needs to build and test: Debian packages and bindgen.
# Idempotent: when everything is present it only checks and returns.
set -euo pipefail

PACKAGES=(
	linux-source-6.12
	clang-22 lld-22 llvm-22 libclang-22-dev
	rustc-web rust-web-src
	qemu-system-x86 busybox-static nftables e2fsprogs
	python3-venv udev
	flex bison bc libelf-dev libssl-dev cpio kmod xz-utils make python3
	dwarves
	gnuplot-nox
)
BINDGEN_VERSION=0.72.1
BINDGEN=${BINDGEN:-$HOME/.cargo/bin/bindgen}

# shellcheck source=scripts/build/toolchain.sh
. "$(dirname "$0")/toolchain.sh"

die() { echo "install-deps: $*" >&2; exit 1; }

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || die "packages missing (${missing[*]}) and not root: run as root or install them"
	apt-get update -qq || die "apt-get update failed: is the Debian registry reachable?"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
fi

if ! "$BINDGEN" --version 2>/dev/null | grep -q "bindgen $BINDGEN_VERSION"; then
	command -v cargo >/dev/null || die "cargo not found: needed to install bindgen-cli@$BINDGEN_VERSION"
	echo "install-deps: installing bindgen-cli@$BINDGEN_VERSION"
	cargo install --quiet --locked "bindgen-cli@$BINDGEN_VERSION" ||
		die "cargo install bindgen-cli@$BINDGEN_VERSION failed: is crates.io reachable?"
fi

# virtme-ng for make shell; its guest init starts the host's udevd (package
# udev) to name the ports its script and exit status travel over.
if ! "$KPART_VNG" --version 2>/dev/null | grep -qx "virtme-ng $KPART_VIRTME_NG_VERSION"; then
	echo "install-deps: installing virtme-ng $KPART_VIRTME_NG_VERSION"
	python3 -m venv "${KPART_VNG%/bin/vng}" ||
		die "python3 -m venv ${KPART_VNG%/bin/vng} failed"
	"${KPART_VNG%/vng}/pip" install --quiet "virtme-ng==$KPART_VIRTME_NG_VERSION" ||
		die "pip install virtme-ng==$KPART_VIRTME_NG_VERSION failed: is PyPI reachable?"
fi
