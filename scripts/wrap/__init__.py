# SPDX-License-Identifier: GPL-2.0
"""make wrap's tools: helpers (the kernel's allocating functions, which of
them make wrap routes through kpart, which a wrapped module still calls)."""
