// SPDX-License-Identifier: GPL-2.0
/*
 * Copying a slab object whole when krealloc moves it, as the kernel's own
 * krealloc() does: ksize() bytes, the object's redzone included, with KASAN
 * checks off (KASAN knows only the size last asked for).
 */
#include <linux/kasan.h>
#include <linux/string.h>

#include "kpart_internal.h"

void kpart_copy_object(void *dst, const void *src, size_t size)
{
	kasan_disable_current();
	memcpy(dst, kasan_reset_tag(src), size);
	kasan_enable_current();
}
