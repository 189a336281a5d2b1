// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of suite kpart_pertype: types allocated through include/kpart.h
 * whose Rust twins (kunit/pertype_tests.rs) have the same names. Three
 * pointer-free types share typed partition 7 at 16 partitions, and three
 * pointer-holding ones partition 12; pertype mode gives each caches of its
 * own.
 */
#include <linux/irqflags.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/overflow.h>
#include <kpart.h>

#include "c_allocations.h"
#include "kpart_internal.h"

struct kpart_pt_a { u64 v[3]; };
struct kpart_pt_g { u32 v[6]; };
struct kpart_pt_k { u8 v[24]; };
struct kpart_pt_b { void *p; u64 v[2]; };
struct kpart_pt_i { void *p; u32 v[4]; };
struct kpart_pt_o { void *p[3]; };

/* Only the atomic case allocates these, first from atomic context. */
struct kpart_pt_atomic_c { void *p; u64 v; };

#define PERTYPE_ALLOC(T) kpart_kzalloc_obj(struct T, flags)

void kpart_test_c_alloc_pertype(void **out, gfp_t flags)
{
	out[0] = PERTYPE_ALLOC(kpart_pt_a);
	out[1] = PERTYPE_ALLOC(kpart_pt_g);
	out[2] = PERTYPE_ALLOC(kpart_pt_k);
	out[3] = PERTYPE_ALLOC(kpart_pt_b);
	out[4] = PERTYPE_ALLOC(kpart_pt_i);
	out[5] = PERTYPE_ALLOC(kpart_pt_o);
}

/* struct kpart_pt_atomic_c from one call site, in atomic context. */
void *kpart_test_c_alloc_atomic(void)
{
	static DEFINE_SPINLOCK(lock);
	struct kpart_pt_atomic_c *p;
	unsigned long irqflags;

	spin_lock_irqsave(&lock, irqflags);
	p = kpart_kmalloc(sizeof(*p), GFP_ATOMIC);
	spin_unlock_irqrestore(&lock, irqflags);
	return p;
}

unsigned long kpart_test_c_token_atomic(void)
{
	return __builtin_infer_alloc_token(sizeof(struct kpart_pt_atomic_c));
}

/* One type from one call site: its first allocation fills the site's descriptor. */
struct kpart_pt_acct { void *p; u64 v[5]; };

void *kpart_test_c_alloc_one_type(gfp_t flags)
{
	return kpart_kmalloc_obj(struct kpart_pt_acct, flags);
}

/*
 * The descriptor of a call site of struct kpart_pt_acct once an allocation
 * has filled it (pertype mode), or NULL.
 */
/* The descriptor every call site starts with (KPART_SITE_INIT). */
const void *kpart_test_c_unresolved_descriptor(void)
{
	return &kpart_type_unresolved;
}

const void *kpart_test_c_type_descriptor(void)
{
	static struct kpart_type *site = KPART_SITE_INIT;
	void *p;

	p = kpart_alloc_routed(sizeof(struct kpart_pt_acct), GFP_KERNEL,
			       __builtin_infer_alloc_token(sizeof(struct kpart_pt_acct)),
			       (unsigned long)&site);
	kfree(p);
	return READ_ONCE(site);
}

/* A type of its own in every size class: caches enough to reach a small cap. */
struct kpart_pt_fill { u64 n; u8 data[]; };

void kpart_test_c_fill_classes(gfp_t flags)
{
	static const unsigned int sizes[] = KPART_SIZE_CLASSES;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		kfree(kpart_kmalloc(struct_size_t(struct kpart_pt_fill, data,
						  sizes[i] - sizeof(u64)), flags));
}

/* Only the cap case allocates this type, from this one call site. */
struct kpart_pt_over_c { void *p; u64 v[3]; };

void *kpart_test_c_alloc_over_cap(gfp_t flags)
{
	return kpart_kmalloc_obj(struct kpart_pt_over_c, flags);
}

void kpart_test_types_counts(struct kpart_test_types *out)
{
	struct kpart_types_view view;

	kpart_types_summary(&view);
	out->caches = view.caches;
	out->max_caches = view.max_caches;
	out->early = view.early;
	out->over_cap = view.over_cap;
}
