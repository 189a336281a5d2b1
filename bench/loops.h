/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpart_bench: the contenders' C loops, one definition for every
 * allocation function. BENCH_LOOPS(name, alloc) defines
 *
 *   bench_<name>_once(size, n):        n times, allocate and free;
 *   bench_<name>_batch(size, objs, n): allocate n objects, then free them;
 *
 * where @alloc is an expression that allocates @size bytes, freed with
 * kfree(). BENCH_LOOPS_WITH(name, setup, alloc, free) is the same with a
 * statement @setup run once before the loop and @free, a function-like
 * macro or function, freeing one object. Each declares its functions
 * first (BENCH_LOOPS_DECLARE). All return 0, or -ENOMEM with
 * nothing left allocated. They are noinline and get the size at run time,
 * so no allocator is specialised for a constant size unless @alloc names
 * one.
 */
#ifndef _KPART_BENCH_LOOPS_H
#define _KPART_BENCH_LOOPS_H

#include <linux/errno.h>
#include <linux/slab.h>

#define BENCH_LOOPS_WITH(name, setup, alloc, free)			\
BENCH_LOOPS_DECLARE(name);						\
noinline int bench_##name##_once(size_t size, unsigned int n)		\
{									\
	unsigned int i;							\
	void *p;							\
									\
	setup;								\
	for (i = 0; i < n; i++) {					\
		p = (alloc);						\
		if (!p)							\
			return -ENOMEM;					\
		free(p);						\
	}								\
	return 0;							\
}									\
									\
noinline int bench_##name##_batch(size_t size, void **objs, unsigned int n) \
{									\
	unsigned int i;							\
									\
	setup;								\
	for (i = 0; i < n; i++) {					\
		objs[i] = (alloc);					\
		if (!objs[i])						\
			goto fail;					\
	}								\
	for (i = 0; i < n; i++)						\
		free(objs[i]);						\
	return 0;							\
fail:									\
	while (i--)							\
		free(objs[i]);						\
	return -ENOMEM;							\
}

#define BENCH_LOOPS(name, alloc) BENCH_LOOPS_WITH(name, (void)0, alloc, kfree)

/* The prototypes of BENCH_LOOPS(name, ...)'s two functions. */
#define BENCH_LOOPS_DECLARE(name)					\
	int bench_##name##_once(size_t size, unsigned int n);		\
	int bench_##name##_batch(size_t size, void **objs, unsigned int n)

/* c_bench.c: plain kmalloc() and kpart_kmalloc(). */
int bench_kmalloc_once(size_t size, unsigned int n);
int bench_kmalloc_batch(size_t size, void **objs, unsigned int n);
int bench_kpart_c_once(size_t size, unsigned int n);
int bench_kpart_c_batch(size_t size, void **objs, unsigned int n);
/*
 * comparators.c: kmalloc() and kpart_kmalloc() with the size a compile-time
 * constant, and kmem_cache_alloc() on a dedicated cache of the size; -EINVAL
 * for a size that is not a kmalloc size class.
 */
int bench_kmalloc_const_once(size_t size, unsigned int n);
int bench_kmalloc_const_batch(size_t size, void **objs, unsigned int n);
int bench_kpart_const_once(size_t size, unsigned int n);
int bench_kpart_const_batch(size_t size, void **objs, unsigned int n);
int bench_dedicated_once(size_t size, unsigned int n);
int bench_dedicated_batch(size_t size, void **objs, unsigned int n);
int bench_dedicated_create(const unsigned int *sizes, unsigned int nr);
void bench_dedicated_destroy(void);

#endif
