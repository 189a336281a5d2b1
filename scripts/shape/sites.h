/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpart-shape's site tool for a C file that includes kpart.h itself (not
 * through make wrap's kpart_wrap.h, which includes the tool after kpart.h):
 * force-included after the kernel's own forced includes. kpart.h comes
 * first, with Clang's own builtin, whose constant its static assertions
 * check; then scripts/efficacy/probe.h (KPART_WRAP_CATALOGUE) hooks the
 * builtin for the allocation macros the file expands.
 */
#include <kpart.h>
#include KPART_WRAP_CATALOGUE
