// SPDX-License-Identifier: GPL-2.0
/*
 * The cross-cache reuse experiment of suite kpart_isolation: fill several
 * slabs of one kpart cache, record their page frames, free every object,
 * push the objects out of KASAN's quarantine by churning another cache, then
 * draw pages from the page allocator and report whether any recorded frame
 * was handed out again, to the other cache or to the page allocator's
 * callers. kpart's retention (retain=) decides the answer.
 */
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <kpart.h>

#include "slab.h"
#include "c_allocations.h"

/* Objects allocated at most, and the slabs recorded. */
#define REUSE_OBJECTS		1024
#define REUSE_FRAMES		32
/* The object size: kpart's 4k class. */
#define REUSE_SIZE		4096
/* Pages drawn from the page allocator: 256 MiB. */
#define REUSE_DRAW_BYTES	(256UL << 20)

struct frames {
	unsigned long pfn[REUSE_FRAMES];
	unsigned int nr[REUSE_FRAMES];
	unsigned int count;
};

static bool frames_hit(const struct frames *f, unsigned long pfn,
		       unsigned long nr)
{
	unsigned int i;

	for (i = 0; i < f->count; i++)
		if (pfn < f->pfn[i] + f->nr[i] && f->pfn[i] < pfn + nr)
			return true;
	return false;
}

static void frames_add(struct frames *f, struct folio *folio)
{
	unsigned long pfn = folio_pfn(folio);

	if (f->count < REUSE_FRAMES && !frames_hit(f, pfn, 1)) {
		f->pfn[f->count] = pfn;
		f->nr[f->count] = folio_nr_pages(folio);
		f->count++;
	}
}

/* Whether the folio of @p is one of @f's frames. */
static bool object_hits(const struct frames *f, const void *p)
{
	struct folio *folio = virt_to_folio(p);

	return frames_hit(f, folio_pfn(folio), folio_nr_pages(folio));
}

/*
 * Allocate and free objects of a cache of our own until twice KASAN's
 * quarantine (1/32 of memory) has gone through it, so that the objects freed
 * before have really been given back to their slabs. Counts objects that
 * landed on a recorded frame.
 */
static int churn(const struct frames *f, struct kpart_test_reuse *out)
{
	unsigned long target = 2 * (totalram_pages() << PAGE_SHIFT) / 32 + (16UL << 20);
	struct kmem_cache *other;
	void *batch[64];
	unsigned long bytes;
	unsigned int i;

	other = kmem_cache_create("kpart_test_other", REUSE_SIZE, 0, SLAB_NO_MERGE, NULL);
	if (!other)
		return -ENOMEM;
	for (bytes = 0; bytes < target; bytes += sizeof(batch) / sizeof(*batch) * REUSE_SIZE) {
		for (i = 0; i < ARRAY_SIZE(batch); i++) {
			batch[i] = kmem_cache_alloc(other, GFP_KERNEL | __GFP_NOWARN);
			if (batch[i] && object_hits(f, batch[i]))
				out->reused_by_cache++;
		}
		for (i = 0; i < ARRAY_SIZE(batch); i++)
			kmem_cache_free(other, batch[i]);
		out->churned += ARRAY_SIZE(batch);
		cond_resched();
	}
	kmem_cache_destroy(other);
	return 0;
}

/* Draw pages of @order until REUSE_DRAW_BYTES or failure; give them back. */
static void draw_pages(const struct frames *f, unsigned int order,
		       struct kpart_test_reuse *out)
{
	unsigned long n, max = REUSE_DRAW_BYTES >> (PAGE_SHIFT + order);
	struct page *page, *next;
	LIST_HEAD(drawn);

	for (n = 0; n < max; n++) {
		page = alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, order);
		if (!page)
			break;
		if (frames_hit(f, page_to_pfn(page), 1UL << order))
			out->reused_by_pages++;
		list_add(&page->lru, &drawn);
		out->drawn_pages += 1UL << order;
	}
	list_for_each_entry_safe(page, next, &drawn, lru) {
		list_del(&page->lru);
		__free_pages(page, order);
	}
}

int kpart_test_reuse(unsigned long token, unsigned long site,
		     struct kpart_test_reuse *out)
{
	struct kmem_cache *cache = NULL;
	struct frames *f;
	unsigned int i, n, order = 0;
	void **objs;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	objs = kcalloc(REUSE_OBJECTS, sizeof(*objs), GFP_KERNEL);
	if (!f || !objs) {
		ret = -ENOMEM;
		goto out;
	}
	/* One CPU throughout: its KASAN quarantine queue and its page lists. */
	migrate_disable();
	for (n = 0; n < REUSE_OBJECTS && f->count < REUSE_FRAMES; n++) {
		struct slab *slab;

		objs[n] = kpart_test_c_alloc_routed(REUSE_SIZE, GFP_KERNEL, token, site, true);
		if (!objs[n]) {
			ret = -ENOMEM;
			break;
		}
		slab = virt_to_slab(objs[n]);
		if (!slab || (cache && slab->slab_cache != cache)) {
			/* Not a slab object, or not one cache: no experiment. */
			ret = -EINVAL;
			n++;
			break;
		}
		cache = slab->slab_cache;
		order = folio_order(slab_folio(slab));
		frames_add(f, slab_folio(slab));
	}
	out->objects = n;
	out->frames = f->count;
	out->cache_name = cache ? cache->name : NULL;
	for (i = 0; i < n; i++)
		kfree(objs[i]);
	if (ret)
		goto enable;
	ret = churn(f, out);
	if (ret)
		goto enable;
	draw_pages(f, order, out);
	draw_pages(f, 0, out);
	/* The recorded frames the cache still holds as its slabs. */
	for (i = 0; i < f->count; i++) {
		struct folio *folio = pfn_folio(f->pfn[i]);

		if (folio_test_slab(folio) && folio_slab(folio)->slab_cache == cache)
			out->still_in_cache++;
	}
enable:
	migrate_enable();
out:
	kfree(objs);
	kfree(f);
	return ret;
}
