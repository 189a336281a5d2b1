// SPDX-License-Identifier: GPL-2.0
/*
 * Slab retention: a kpart cache keeps its empty slabs instead of handing
 * their pages back to the page allocator (rust/retention.rs).
 *
 * SLUB frees an empty slab when its node already has min_partial partial
 * slabs; with min_partial at ULONG_MAX it never does, and the cache's pages
 * stay the cache's until kmem_cache_shrink() (root writing to
 * /sys/kernel/slab/<cache>/shrink) or kmem_cache_destroy() (kpart's unload).
 * SLUB's own sysfs attribute min_partial sets the field the same way.
 */
#include <linux/mm.h>

#include "slab.h"
#include "kpart_internal.h"

/*
 * Set the number of partial or empty slabs each node of @s keeps. Called
 * right after @s is created, before any object is allocated from it.
 */
void kpart_slab_retain(struct kmem_cache *s, unsigned long min_partial)
{
	WRITE_ONCE(s->min_partial, min_partial);
}
