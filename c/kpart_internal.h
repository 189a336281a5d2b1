/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between kpart's C and Rust parts, inside kpart.ko. Rust sees
 * them through bindgen (Kbuild, rust/module/c_parts.rs).
 */
#ifndef _KPART_INTERNAL_H
#define _KPART_INTERNAL_H

#include <linux/types.h>
#include <linux/gfp_types.h>

struct kmem_cache;

/* Module parameters as given to insmod. */
struct kpart_params {
	const char *mode;
	unsigned int partitions;
	bool accounted;
	const char *retain;
	unsigned long long seed;
	unsigned int max_caches;
	bool stats;
	unsigned int shape_budget;
	const char *shape_table;
};

void kpart_params_get(struct kpart_params *params);

/*
 * Allocations per row of the routing table (matrix * KPART_MAX_PARTITIONS +
 * partition); slot KPART_ROWS counts those given to plain kmalloc. Counted
 * with stats=1 only, out of line, per CPU (c/module/exports.c);
 * kpart_stats_sum() is a slot's sum over the CPUs.
 */
#define KPART_STAT_SLOTS	(2 * 64 + 1)	/* KPART_ROWS + 1 */
void kpart_stats_alloc(unsigned int slot);
unsigned long kpart_stats_sum(unsigned int slot);

/* Counts an allocation of pertype mode in @caches' counter (stats=1). */
struct kpart_type;
void kpart_stats_type(const struct kpart_type *caches);

/*
 * Sets which in-line path users take (include/kpart.h), before any can
 * link to kpart; kpart_route_keys_clear() at exit, when none is left.
 */
void kpart_route_keys_set(bool by_site, bool by_type);
void kpart_route_keys_clear(void);

/*
 * The cache kmalloc() serves a constant @size with @flags from, for sizes up
 * to KMALLOC_MAX_CACHE_SIZE (c/mm/slab_lookup.c).
 */
struct kmem_cache *kpart_kmalloc_cache(unsigned int size, gfp_t flags);

struct kmem_cache *kpart_slab_cache_of(const void *p);
void kpart_slab_retain(struct kmem_cache *s, unsigned long min_partial);
void kpart_copy_object(void *dst, const void *src, size_t size);

/* What debugfs shows of kpart's state. */
struct kpart_state_view {
	const char *mode;
	unsigned int partitions;
	unsigned int accounted;
	unsigned int caches;
	const char *retain;
	bool stats;
};

void kpart_debugfs_init(const struct kpart_state_view *state);
void kpart_debugfs_exit(void);

/* Pertype mode, in totals (debugfs "types"). */
struct kpart_types_view {
	unsigned int types;		/* types and call-site buckets with caches */
	unsigned int caches;		/* their caches */
	unsigned int max_caches;	/* the cap (max_caches=) */
	unsigned long over_cap;		/* caches refused for the cap */
	unsigned long early;		/* allocations served before their caches existed */
	unsigned long fallback;		/* allocations of types past the cap */
};

/* One type of pertype mode. */
struct kpart_type_view {
	u64 token;			/* token, or 2^63 + bucket for raw buffers */
	const char *name;		/* its name when a Rust user gave it, or NULL */
	unsigned int caches;
	unsigned long allocs;
};

void kpart_types_summary(struct kpart_types_view *view);
bool kpart_types_get(unsigned int index, struct kpart_type_view *view);

struct dentry;

/* Creates pertype mode's debugfs file "types" in @dir. */
void kpart_types_debugfs(struct dentry *dir);

/* Per-CPU counters of types. */
unsigned long __percpu *kpart_counter_new(void);
void kpart_counter_free(unsigned long __percpu *counter);
unsigned long kpart_counter_sum(unsigned long __percpu *counter);

/* Whether an allocation with @flags may make a cache, which sleeps. */
bool kpart_types_may_create(gfp_t flags);

/* Making caches asked for in atomic context, later, in process context. */
void kpart_types_defer(u64 key, unsigned int cell);
void kpart_types_make(u64 key, unsigned int cell);
void kpart_types_cancel(void);

/*
 * Zeroed pages of at least @bytes, mapped read-only in the vmalloc area
 * (c/mm/ro_pages.c); NULL on failure. kpart_ro_store() writes one aligned
 * 64-bit word of them with release order.
 */
void *kpart_ro_pages_new(size_t bytes);
void kpart_ro_pages_free(void *ro);
void kpart_ro_store(void *ro, u64 value);

/* The bytes of one slab of @s: PAGE_SIZE << its order (c/mm/slab_retention.c). */
unsigned long kpart_slab_bytes(struct kmem_cache *s);

/*
 * The min_partial kpart gave its caches, for debugfs: 0 when it left SLUB's
 * own, ULONG_MAX for every empty slab. Called before kpart_debugfs_init().
 */
void kpart_debugfs_retain_slabs(unsigned long min_partial);

/*
 * Shape mode's signature table (c/module/shape_table.c): a copy of the file
 * @name from the firmware search path, freed with kpart_shape_free(); and
 * the running kernel's utsname release and version, which the table names.
 */
int kpart_shape_fetch(const char *name, void **data, size_t *size);
void kpart_shape_free(void *data);
void kpart_shape_kernel(const char **release, const char **build);

/* One type of the table and its zone in this load, for debugfs. */
struct kpart_shape_view {
	u64 token;
	unsigned int zone;
	bool single;			/* a zone of its own */
	bool data_only;			/* in the data heap, not its zone */
	unsigned int size;		/* its size class */
	const char *signature;		/* sig_len digits, no NUL */
	unsigned int sig_len;
};

bool kpart_shape_get(unsigned int index, struct kpart_shape_view *view);
void kpart_shape_debugfs(struct dentry *dir);

#endif /* _KPART_INTERNAL_H */
