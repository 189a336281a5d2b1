// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only pages for routing that changes after init: pertype mode's types
 * and their caches (rust/module/ro_pages.rs, rust/module/pertype/type_caches.rs).
 *
 * The pages are the page allocator's own, never a slab's: no kmalloc or
 * kmem_cache object has them as a neighbour. Every reader, kpart and the
 * in-line path of its users, sees them through one read-only mapping in the
 * vmalloc area, between guard pages; a stray or forged write through that
 * mapping faults. kpart alone writes them, under its mutex, one aligned word
 * at a time through the kernel's linear mapping of the same page: a module
 * cannot change the protection of the linear map (set_memory_ro() is not
 * exported), so an attacker who can already write to a chosen physical
 * address can still write there, as to any page.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "kpart_internal.h"

void *kpart_ro_pages_new(size_t bytes)
{
	unsigned int n = DIV_ROUND_UP(bytes, PAGE_SIZE), i;
	struct page **pages;
	void *ro;

	if (!n)
		return NULL;
	/* vfree() of the mapping frees the array too (VM_MAP_PUT_PAGES). */
	pages = vcalloc(n, sizeof(*pages));
	if (!pages)
		return NULL;
	for (i = 0; i < n; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pages[i])
			goto fail;
	}
	ro = vmap(pages, n, VM_MAP | VM_MAP_PUT_PAGES, PAGE_KERNEL_RO);
	if (ro)
		return ro;
fail:
	while (i--)
		__free_page(pages[i]);
	vfree(pages);
	return NULL;
}

void kpart_ro_pages_free(void *ro)
{
	vfree(ro);
}

void kpart_ro_store(void *ro, u64 value)
{
	u64 *rw;

	if (WARN_ON_ONCE(!is_vmalloc_addr(ro) || !IS_ALIGNED((unsigned long)ro, 8)))
		return;
	rw = page_address(vmalloc_to_page(ro)) + offset_in_page(ro);
	/*
	 * Release: a reader that loads a published pointer with acquire order
	 * (the table's, an index entry's cache, a descriptor's cache) sees
	 * everything written before it.
	 */
	smp_store_release(rw, value);
}
