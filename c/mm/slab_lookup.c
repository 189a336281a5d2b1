// SPDX-License-Identifier: GPL-2.0
/*
 * Which slab cache holds an object, and which one kmalloc() would serve.
 * kfree() finds the first through struct slab, which 6.12 keeps private to
 * mm/; this file alone includes mm/slab.h.
 */
#include <kunit/visibility.h>
#include <linux/mm.h>

#include "slab.h"
#include "kpart_internal.h"

/*
 * Return the cache of slab object @p, or NULL when @p is not in a slab (a
 * large kmalloc, a vmalloc, stack or module address).
 */
struct kmem_cache *kpart_slab_cache_of(const void *p)
{
	struct slab *slab;

	if (ZERO_OR_NULL_PTR(p) || !virt_addr_valid(p))
		return NULL;
	slab = virt_to_slab(p);
	return slab ? slab->slab_cache : NULL;
}
/* kpart_kunit reads the caches of the objects it allocates. */
EXPORT_SYMBOL_IF_KUNIT(kpart_slab_cache_of);

/*
 * Return the cache a constant-size kmalloc() of @size bytes with @flags
 * uses (kmalloc_caches[kmalloc_type()][kmalloc_index()]), for @size from 1
 * to KMALLOC_MAX_CACHE_SIZE: kpart's in-line path takes it for accounted
 * allocations when kpart has no accounted matrix of its own.
 */
struct kmem_cache *kpart_kmalloc_cache(unsigned int size, gfp_t flags)
{
	if (!size || size > KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	return kmalloc_caches[kmalloc_type(flags, _RET_IP_)][kmalloc_index(size)];
}
