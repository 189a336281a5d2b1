/* SPDX-License-Identifier: GPL-2.0 */
/*
 * make wrap's <linux/uaccess.h>: the kernel's, then kpart_wrap.h, which redefines
 * the allocating functions of the kernel's headers once they can go through
 * kpart (see there).
 */
#ifndef __KPART_WRAP_SHADOW_LINUX_UACCESS_H
#define __KPART_WRAP_SHADOW_LINUX_UACCESS_H
#include_next <linux/uaccess.h>
#define __KPART_WRAP_HAVE_LINUX_UACCESS_H
#include <kpart_wrap.h>
#endif
