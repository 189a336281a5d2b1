/* SPDX-License-Identifier: GPL-2.0 */
/* kpart_bench: between its C half and its Rust half (kpart_bench.rs). */
#ifndef _KPART_BENCH_H
#define _KPART_BENCH_H

#include <linux/types.h>

/* C half: run what the parameters ask for; undo it at unload. */
int kpart_bench_init(void);
void kpart_bench_exit(void);

/* Rust half: the Rust API contender's loops, 0 or -ENOMEM. */
int kpart_bench_rust_once(size_t size, unsigned int n);
int kpart_bench_rust_batch(size_t size, void **objs, unsigned int n);

/*
 * Rust half: the Rust API with the size a compile-time constant, one loop
 * pair per size class; 0, -ENOMEM, or -EINVAL for a size that is not a size
 * class.
 */
int kpart_bench_rust_const_once(size_t size, unsigned int n);
int kpart_bench_rust_const_batch(size_t size, void **objs, unsigned int n);

/* Rust half: one object of @size bytes for the memory workload. */
void *kpart_bench_rust_mem_alloc(size_t size, bool accounted);

#endif
