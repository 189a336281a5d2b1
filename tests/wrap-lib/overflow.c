// SPDX-License-Identifier: GPL-2.0
/* The kernel's overflow and allocation-size suite, lib/overflow_kunit.c, as it is. */
#include <overflow_kunit.c>
