/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpart_bench: the contenders' C loops, one definition for every
 * allocation function. BENCH_LOOPS(name, alloc) defines
 *
 *   bench_<name>_once(size, n):        n times, allocate and free;
 *   bench_<name>_batch(size, objs, n): allocate n objects, then free them;
 *
 * where @alloc is an expression that allocates @size bytes. Both return 0,
 * or -ENOMEM with nothing left allocated. They are noinline and get the size
 * at run time, so no allocator is specialised for a constant size.
 */
#ifndef _KPART_BENCH_LOOPS_H
#define _KPART_BENCH_LOOPS_H

#include <linux/errno.h>
#include <linux/slab.h>

#define BENCH_LOOPS(name, alloc)					\
noinline int bench_##name##_once(size_t size, unsigned int n)		\
{									\
	unsigned int i;							\
	void *p;							\
									\
	for (i = 0; i < n; i++) {					\
		p = (alloc);						\
		if (!p)							\
			return -ENOMEM;					\
		kfree(p);						\
	}								\
	return 0;							\
}									\
									\
noinline int bench_##name##_batch(size_t size, void **objs, unsigned int n) \
{									\
	unsigned int i;							\
									\
	for (i = 0; i < n; i++) {					\
		objs[i] = (alloc);					\
		if (!objs[i])						\
			goto fail;					\
	}								\
	for (i = 0; i < n; i++)						\
		kfree(objs[i]);						\
	return 0;							\
fail:									\
	while (i--)							\
		kfree(objs[i]);						\
	return -ENOMEM;							\
}

/* c_bench.c: plain kmalloc() and kpart_kmalloc(). */
int bench_kmalloc_once(size_t size, unsigned int n);
int bench_kmalloc_batch(size_t size, void **objs, unsigned int n);
int bench_kpart_c_once(size_t size, unsigned int n);
int bench_kpart_c_batch(size_t size, void **objs, unsigned int n);
/* c_bench_nostats.c: kpart_kmalloc() built without the in-line count. */
int bench_kpart_c_nostats_once(size_t size, unsigned int n);
int bench_kpart_c_nostats_batch(size_t size, void **objs, unsigned int n);

#endif
