// SPDX-License-Identifier: GPL-2.0
/* The kernel's FORTIFY_SOURCE suite, lib/fortify_kunit.c, as it is. */
#include <fortify_kunit.c>
