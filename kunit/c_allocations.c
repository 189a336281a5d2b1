// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of kpart's KUnit suites: allocations made through include/kpart.h
 * exactly as a C user makes them (Clang infers the token from the caller's own
 * arguments), and a look at the slab cache behind an object.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <kpart.h>

/* mm/slab.h: struct kmem_cache, as lib/slub_kunit.c uses it. */
#include "slab.h"

#include "c_allocations.h"
#include "kpart_internal.h"

/* kpart_slab_cache_of(), which kpart.ko exports to its KUnit suites. */
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* The struct the Rust suites allocate too, as kpart_type! { struct kpart_parity }. */
struct kpart_parity {
	int id;
	void *next;
};

/* A pointer-free struct: its token is in the lower half. */
struct kpart_plain {
	unsigned int a;
	unsigned long long b;
	unsigned char buf[24];
};

void *kpart_test_c_alloc_parity(gfp_t flags)
{
	return kpart_kmalloc_obj(struct kpart_parity, flags);
}

void *kpart_test_c_alloc_parity_sizeof(gfp_t flags)
{
	return kpart_kmalloc(sizeof(struct kpart_parity), flags);
}

void *kpart_test_c_alloc_plain(gfp_t flags)
{
	return kpart_kzalloc(sizeof(struct kpart_plain), flags);
}

unsigned long kpart_test_c_token_parity(void)
{
	return __builtin_infer_alloc_token(sizeof(struct kpart_parity));
}

unsigned long kpart_test_c_token_plain(void)
{
	return __builtin_infer_alloc_token(sizeof(struct kpart_plain));
}

void *kpart_test_c_alloc_array(size_t n, size_t size, gfp_t flags)
{
	return kpart_kmalloc_array(n, size, flags);
}

void *kpart_test_c_kcalloc_u32(size_t n, gfp_t flags)
{
	return kpart_kcalloc(n, sizeof(u32), flags);
}

void *kpart_test_c_krealloc(void *p, size_t new_size, gfp_t flags)
{
	return kpart_krealloc(p, new_size, flags);
}

/* One allocation from one call site, the same site on every call. */
void *kpart_test_c_alloc_one_site(size_t size, gfp_t flags)
{
	return kpart_kmalloc(size, flags);
}

/* KPART_TEST_SITES allocations, each from its own call site. */
#define SITE(i)		(out[i] = kpart_kmalloc(size, flags))
#define SITES4(i)	(SITE(i), SITE((i) + 1), SITE((i) + 2), SITE((i) + 3))
#define SITES16(i)	(SITES4(i), SITES4((i) + 4), SITES4((i) + 8), SITES4((i) + 12))

void kpart_test_c_alloc_sites(void **out, size_t size, gfp_t flags)
{
	SITES16(0), SITES16(16), SITES16(32), SITES16(48);
}

/* One allocation in line (kpart_alloc_routed()) or out of line (__kpart_kmalloc()). */
void *kpart_test_c_alloc_routed(size_t size, gfp_t flags, unsigned long token,
				unsigned long site, bool in_line)
{
	/*
	 * Pertype mode's in-line path takes a call site's descriptor, which
	 * holds the type of the site's one compile-time token (and so does
	 * every mode with stats=1): with a token known only at run time, only
	 * the out-of-line path applies.
	 */
	if (in_line && kpart_routes.mode != KPART_MODE_PERTYPE && !kpart_routes.stats)
		return kpart_alloc_routed(size, flags, token, site);
	return __kpart_kmalloc(size, flags, token, site);
}

int kpart_test_cache_of(const void *p, struct kpart_test_cache *out)
{
	struct kmem_cache *s = kpart_slab_cache_of(p);

	if (!s)
		return -ENOENT;
	out->cache = s;
	out->name = s->name;
	out->object_size = s->object_size;
	out->refcount = s->refcount;
	out->no_merge = !!(s->flags & SLAB_NO_MERGE);
	out->account = !!(s->flags & SLAB_ACCOUNT);
	return 0;
}
