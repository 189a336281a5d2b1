#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Copy include/kpart_generated.rs, the bindgen output of include/kpart.h that
# the module build makes (Kbuild), to tests/host/src/kpart_generated.rs: the host
# crate (cargo, no kernel tree) includes the module's pure Rust files, which
# take kpart's constants and size classes from it.
#
#   scripts/gen/host-bindings.sh [--check]
#
# Run after make modules. --check compares with the committed copy instead
# of writing it.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=scripts/build/toolchain.sh
. scripts/build/toolchain.sh

check=0
[ "${1:-}" = --check ] && check=1
built=include/kpart_generated.rs
[ -f "$built" ] || { echo "gen-host-bindings: no $built: run make modules first" >&2; exit 1; }
gen=$(mktemp --suffix=.rs)
trap 'rm -f "$gen"' EXIT
cp "$built" "$gen"
kpart_install_generated "$gen" tests/host/src/kpart_generated.rs $check
