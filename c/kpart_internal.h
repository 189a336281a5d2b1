/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between kpart's C and Rust parts, inside kpart.ko.
 * The Rust side mirrors these in rust/c_parts.rs.
 */
#ifndef _KPART_INTERNAL_H
#define _KPART_INTERNAL_H

#include <linux/types.h>

struct kmem_cache;

/* Module parameters as given to insmod. */
struct kpart_params {
	const char *mode;
	unsigned int partitions;
	bool accounted;
	const char *retain;
	unsigned long long seed;
};

void kpart_params_get(struct kpart_params *params);

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
};

void kpart_debugfs_init(const struct kpart_state_view *state);
void kpart_debugfs_exit(void);

#endif /* _KPART_INTERNAL_H */
