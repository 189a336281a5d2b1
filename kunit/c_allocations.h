/* SPDX-License-Identifier: GPL-2.0 */
/* The C half of kpart's KUnit suites; Rust sees it through bindgen (c_allocations.rs). */
#ifndef _KPART_KUNIT_C_ALLOCATIONS_H
#define _KPART_KUNIT_C_ALLOCATIONS_H

#include <linux/types.h>

#define KPART_TEST_SITES 64

struct kmem_cache;

/* What the slab allocator knows of the cache behind an object. */
struct kpart_test_cache {
	const struct kmem_cache *cache;
	const char *name;
	unsigned int object_size;
	int refcount;
	bool no_merge;
	bool account;
};

void *kpart_test_c_alloc_parity(gfp_t flags);
void *kpart_test_c_alloc_parity_sizeof(gfp_t flags);
void *kpart_test_c_alloc_plain(gfp_t flags);
unsigned long kpart_test_c_token_parity(void);
unsigned long kpart_test_c_token_plain(void);
void *kpart_test_c_alloc_array(size_t n, size_t size, gfp_t flags);
void *kpart_test_c_kcalloc_u32(size_t n, gfp_t flags);
void *kpart_test_c_krealloc(void *p, size_t new_size, gfp_t flags);
void *kpart_test_c_alloc_one_site(size_t size, gfp_t flags);
void kpart_test_c_alloc_sites(void **out, size_t size, gfp_t flags);
void *kpart_test_c_alloc_routed(size_t size, gfp_t flags, unsigned long token,
				unsigned long site, bool in_line);
int kpart_test_cache_of(const void *p, struct kpart_test_cache *out);

/* Suite kpart_pertype (kunit/c_pertype.c). */
#define KPART_TEST_PERTYPES 6
void kpart_test_c_alloc_pertype(void **out, gfp_t flags);
void *kpart_test_c_alloc_atomic(void);
unsigned long kpart_test_c_token_atomic(void);
void *kpart_test_c_alloc_one_type(gfp_t flags);
const void *kpart_test_c_type_descriptor(void);
const void *kpart_test_c_unresolved_descriptor(void);
void kpart_test_c_fill_classes(gfp_t flags);
void *kpart_test_c_alloc_over_cap(gfp_t flags);

/* Pertype mode's totals (kpart's debugfs "types"). */
/* Suite kpart_shape (kunit/c_shape.c). */
#define KPART_TEST_SHAPES 6
void kpart_test_c_alloc_shape(void **out, gfp_t flags);
unsigned long kpart_test_c_shape_token(unsigned int i);
unsigned int kpart_test_expected_shape_budget(void);

struct kpart_test_types {
	unsigned long caches;
	unsigned long max_caches;
	unsigned long early;
	unsigned long over_cap;
};

void kpart_test_types_counts(struct kpart_test_types *out);

/*
 * c_reference.c: the load kpart_kunit's parameters describe (-ENOENT when
 * they were not given), and the kernel's hash_64().
 */
struct kpart_test_load {
	unsigned int mode;
	unsigned int partitions;
	bool accounted;
	u64 seed;
	/* retain=: -1 all, 0 off, else the slab count. */
	long retain;
};

int kpart_test_expected_load(struct kpart_test_load *out);
/* The max_caches= kpart was loaded with (kpart's default when not given). */
unsigned int kpart_test_expected_max_caches(void);
u64 kpart_test_kernel_hash_64(u64 value, unsigned int bits);

/*
 * c_retention.c: the cross-cache reuse experiment, on the kpart cache of
 * 4 KiB objects with @token and @site.
 */
struct kpart_test_reuse {
	const char *cache_name;
	unsigned int objects;
	unsigned int frames;
	unsigned int still_in_cache;
	unsigned int reused_by_cache;
	unsigned int reused_by_pages;
	unsigned long churned;
	unsigned long drawn_pages;
};

int kpart_test_reuse(unsigned long token, unsigned long site,
		     struct kpart_test_reuse *out);

/* c_read_only.c: whether kpart's routing table can be written (0 or 1). */
int kpart_test_routes_writable(bool *page_writable, bool *write_succeeds);
/*
 * The same of the page that holds @p, and whether @p is in the linear map
 * (where every slab object is); -ENOENT when @p is NULL or not mapped.
 */
int kpart_test_ro_page(const void *p, bool *linear_map, bool *page_writable,
		       bool *write_succeeds);

#endif
