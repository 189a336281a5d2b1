#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Style checks with the kernel's own tools: scripts/checkpatch.pl on the C
# sources and rustfmt with the kernel's .rustfmt.toml on the Rust sources.
# Exit status 0 when both are clean.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=scripts/build/toolchain.sh
. scripts/build/toolchain.sh
src=$(kpart_kernel_src) || exit 1
status=0

mapfile -t c_files < <(git ls-files '*.c' '*.h')
if ! "$src/scripts/checkpatch.pl" --no-tree --quiet --show-types -f "${c_files[@]}"; then
	echo "checkpatch: C sources need fixing"
	status=1
fi

mapfile -t rs_files < <(git ls-files '*.rs')
if ! rustfmt --edition 2021 --config-path "$src/.rustfmt.toml" --check "${rs_files[@]}"; then
	echo "rustfmt: Rust sources need formatting (make rustfmt)"
	status=1
fi
exit $status
