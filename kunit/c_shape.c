// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of suite kpart_shape: types of one size class (16 bytes) whose
 * signatures (include/kpart_shape.h) are the same, differ by a pointer
 * granule, or hold no pointer, and arrays of a type and of pointers. The
 * signature table made for this module's objects (scripts/kpart-shape)
 * holds them; kunit/shape_tests.rs has the Rust twin of the first.
 */
#include <linux/slab.h>
#include <kpart.h>

#include "c_allocations.h"

struct kpart_sh_pd { void *p; unsigned long x; };	/* "12" */
struct kpart_sh_pd2 { void *q; long y; };		/* "12" */
struct kpart_sh_dp { unsigned long x; void *p; };	/* "21" */
struct kpart_sh_dd { unsigned long x; long y; };	/* "22" */

void kpart_test_c_alloc_shape(void **out, gfp_t flags)
{
	out[0] = kpart_kzalloc_obj(struct kpart_sh_pd, flags);
	out[1] = kpart_kzalloc_obj(struct kpart_sh_pd2, flags);
	out[2] = kpart_kzalloc_obj(struct kpart_sh_dp, flags);
	out[3] = kpart_kzalloc_obj(struct kpart_sh_dd, flags);
	/* 64 bytes: not the class of either type, so a variable heap. */
	out[4] = kpart_kmalloc_array(4, sizeof(struct kpart_sh_pd), flags);
	out[5] = kpart_kmalloc_array(8, sizeof(void *), flags);
}

unsigned long kpart_test_c_shape_token(unsigned int i)
{
	switch (i) {
	case 0:
		return __builtin_infer_alloc_token(sizeof(struct kpart_sh_pd));
	case 1:
		return __builtin_infer_alloc_token(sizeof(struct kpart_sh_pd2));
	case 2:
		return __builtin_infer_alloc_token(sizeof(struct kpart_sh_dp));
	case 3:
		return __builtin_infer_alloc_token(sizeof(struct kpart_sh_dd));
	default:
		return 0;
	}
}
