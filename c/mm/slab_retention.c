// SPDX-License-Identifier: GPL-2.0
/*
 * Slab retention: a kpart cache keeps its empty slabs instead of handing
 * their pages back to the page allocator (rust/module/retention.rs).
 *
 * SLUB frees an empty slab when its node already has min_partial partial
 * slabs; with min_partial at ULONG_MAX it never does, and the cache's pages
 * stay the cache's until kmem_cache_shrink() (root writing to
 * /sys/kernel/slab/<cache>/shrink) or kmem_cache_destroy() (kpart's unload).
 * SLUB's own sysfs attribute min_partial sets the field the same way.
 *
 * A byte budget (retain=<n>M, the default) becomes one min_partial for every
 * cache: the budget over the bytes of one slab of each, which
 * kpart_slab_bytes() gives.
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

/*
 * mm/slub.c packs a slab's order and object count into s->oo as
 * order << OO_SHIFT | objects (oo_make()), with OO_SHIFT 16, and keeps
 * OO_SHIFT and oo_order() to itself.
 */
#define KPART_OO_SHIFT	16

/*
 * The bytes of one slab of @s: PAGE_SIZE << the order SLUB chose for it when
 * @s was created, which sysfs shows read-only as the cache's order. A slab
 * may be smaller (at s->min's order, when pages of that order are short),
 * never larger.
 */
unsigned long kpart_slab_bytes(struct kmem_cache *s)
{
	return PAGE_SIZE << (s->oo.x >> KPART_OO_SHIFT);
}
