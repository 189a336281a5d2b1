// SPDX-License-Identifier: GPL-2.0
/*
 * Which slab cache holds an object. kfree() finds it through struct slab,
 * which 6.12 keeps private to mm/; this file alone includes mm/slab.h.
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
