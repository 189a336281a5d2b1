// SPDX-License-Identifier: GPL-2.0
/*
 * kpart_bench's two strongest comparators, the limits any partitioned
 * kmalloc is measured against:
 *
 *	kmalloc-const	kmalloc() with the size a compile-time constant: the
 *			kernel's own fast path, where the cache is picked at
 *			compile time (kmalloc_caches[][index]) and the call is
 *			__kmalloc_cache_noprof(); one loop pair per size class.
 *	dedicated	kmem_cache_alloc() and kmem_cache_free() on a cache
 *			created for the size (never merged): the limit for any
 *			slab allocation, with no size lookup at all.
 *
 * and kpart on the same terms as kmalloc-const: kpart_kmalloc() with the
 * size a compile-time constant (kpart-MODE-c-const), one loop pair per size
 * class, each its own call site.
 *
 * Each loop pair is selected once per measurement, outside the loop. Sizes
 * must be kmalloc size classes (KPART_SIZE_CLASSES).
 */
#include <linux/array_size.h>
#include <linux/slab.h>
#include <kpart.h>

#include "loops.h"

/* Per size class, the size a constant in each: kmalloc's and kpart's loops. */
#define CONST_LOOPS(sz) BENCH_LOOPS(kmalloc_const_##sz, kmalloc(sz, GFP_KERNEL))
#define KPART_CONST_LOOPS(sz) BENCH_LOOPS(kpart_const_##sz, kpart_kmalloc(sz, GFP_KERNEL))
CONST_LOOPS(8)
CONST_LOOPS(16)
CONST_LOOPS(32)
CONST_LOOPS(64)
CONST_LOOPS(96)
CONST_LOOPS(128)
CONST_LOOPS(192)
CONST_LOOPS(256)
CONST_LOOPS(512)
CONST_LOOPS(1024)
CONST_LOOPS(2048)
CONST_LOOPS(4096)
CONST_LOOPS(8192)
KPART_CONST_LOOPS(8)
KPART_CONST_LOOPS(16)
KPART_CONST_LOOPS(32)
KPART_CONST_LOOPS(64)
KPART_CONST_LOOPS(96)
KPART_CONST_LOOPS(128)
KPART_CONST_LOOPS(192)
KPART_CONST_LOOPS(256)
KPART_CONST_LOOPS(512)
KPART_CONST_LOOPS(1024)
KPART_CONST_LOOPS(2048)
KPART_CONST_LOOPS(4096)
KPART_CONST_LOOPS(8192)

struct const_loop_pair {
	int (*once)(size_t size, unsigned int n);
	int (*batch)(size_t size, void **objs, unsigned int n);
};

#define CONST_ENTRY(sz)							\
	{ sz,								\
	  { bench_kmalloc_const_##sz##_once, bench_kmalloc_const_##sz##_batch }, \
	  { bench_kpart_const_##sz##_once, bench_kpart_const_##sz##_batch } }

static const struct {
	unsigned int size;
	struct const_loop_pair kmalloc, kpart;
} const_loops[] = {
	CONST_ENTRY(8), CONST_ENTRY(16), CONST_ENTRY(32), CONST_ENTRY(64),
	CONST_ENTRY(96), CONST_ENTRY(128), CONST_ENTRY(192), CONST_ENTRY(256),
	CONST_ENTRY(512), CONST_ENTRY(1024), CONST_ENTRY(2048),
	CONST_ENTRY(4096), CONST_ENTRY(8192),
};

static const unsigned int size_classes[] = KPART_SIZE_CLASSES;
static_assert(ARRAY_SIZE(const_loops) == ARRAY_SIZE(size_classes));

/* The index of @size in the size classes, or -EINVAL. */
static int class_index(size_t size)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(size_classes); i++)
		if (size_classes[i] == size)
			return i;
	return -EINVAL;
}

int bench_kmalloc_const_once(size_t size, unsigned int n)
{
	int i = class_index(size);

	return i < 0 ? i : const_loops[i].kmalloc.once(size, n);
}

int bench_kmalloc_const_batch(size_t size, void **objs, unsigned int n)
{
	int i = class_index(size);

	return i < 0 ? i : const_loops[i].kmalloc.batch(size, objs, n);
}

int bench_kpart_const_once(size_t size, unsigned int n)
{
	int i = class_index(size);

	return i < 0 ? i : const_loops[i].kpart.once(size, n);
}

int bench_kpart_const_batch(size_t size, void **objs, unsigned int n)
{
	int i = class_index(size);

	return i < 0 ? i : const_loops[i].kpart.batch(size, objs, n);
}

/* The dedicated caches, one per size class the run uses. */
static struct kmem_cache *dedicated[ARRAY_SIZE(size_classes)];

static struct kmem_cache *dedicated_cache(size_t size)
{
	int idx = class_index(size);

	return idx < 0 ? NULL : dedicated[idx];
}

#define DEDICATED_FREE(obj) kmem_cache_free(s, obj)
BENCH_LOOPS_WITH(dedicated_loop, struct kmem_cache *s = dedicated_cache(size),
		 kmem_cache_alloc(s, GFP_KERNEL), DEDICATED_FREE)

int bench_dedicated_once(size_t size, unsigned int n)
{
	return dedicated_cache(size) ? bench_dedicated_loop_once(size, n) : -EINVAL;
}

int bench_dedicated_batch(size_t size, void **objs, unsigned int n)
{
	return dedicated_cache(size) ? bench_dedicated_loop_batch(size, objs, n) : -EINVAL;
}

void bench_dedicated_destroy(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dedicated); i++) {
		kmem_cache_destroy(dedicated[i]);
		dedicated[i] = NULL;
	}
}

/*
 * bench_dedicated_create - a cache for each of @sizes; the sizes and the
 * list of classes are checked first: -EINVAL for a size that is not a size
 * class, or if KPART_SIZE_CLASSES and the constant loops disagree.
 */
int bench_dedicated_create(const unsigned int *sizes, unsigned int nr)
{
	char name[32];
	unsigned int i;
	int idx;

	for (i = 0; i < ARRAY_SIZE(size_classes); i++) {
		if (const_loops[i].size != size_classes[i]) {
			pr_err("kpart_bench: size class %u has no constant-size loop\n",
			       size_classes[i]);
			return -EINVAL;
		}
	}
	for (i = 0; i < nr; i++) {
		idx = class_index(sizes[i]);
		if (idx < 0) {
			pr_err("kpart_bench: sizes: %u is not a kmalloc size class\n",
			       sizes[i]);
			bench_dedicated_destroy();
			return -EINVAL;
		}
		if (dedicated[idx])
			continue;
		snprintf(name, sizeof(name), "kpart_bench-dedicated-%u", sizes[i]);
		dedicated[idx] = kmem_cache_create(name, sizes[i], 0, SLAB_NO_MERGE, NULL);
		if (!dedicated[idx]) {
			bench_dedicated_destroy();
			return -ENOMEM;
		}
	}
	return 0;
}
