/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpart for modules never written for it: force-included into every file of
 * a module that `make wrap` builds (-include kpart_wrap.h), this header sends
 * the module's kmalloc family through kpart without an edit to its source.
 *
 * The kernel's own <linux/slab.h> and <linux/string.h> are included first, so
 * that their include guards keep them from coming back; then each member of
 * the family is redefined as a macro that passes the caller's own arguments
 * to __builtin_infer_alloc_token() and takes the caller's own site, as
 * kpart_kmalloc() does. Memory comes from kpart's caches up to 8192 bytes and
 * from kmalloc() (or vmalloc(), for the kv* family) above; kfree(), kvfree(),
 * kfree_sensitive(), kfree_rcu() and kvfree_rcu() free it as they free
 * kmalloc memory.
 *
 * Tokens: kmalloc, kzalloc, kmalloc_array, kcalloc, krealloc,
 * krealloc_array, their _node variants and the kv* family get the type Clang
 * infers from their size arguments (sizeof(T), possibly through a multiply),
 * or from the cast or declaration their result initialises. kmemdup(src, len)
 * gets what Clang infers from len (sizeof(*src) often names the type);
 * kmemdup_nul, kstrdup and kstrndup get char's token (strings share
 * char's partition). An allocation whose type Clang cannot infer gets
 * token 0, the fallback: a partition of the pointer-free half in typed mode.
 *
 * Not redefined, and so not partitioned: kmem_cache_* (dedicated caches
 * already), devm_* (device-managed memory), page allocations, and the
 * kmem_buckets API.
 */
#ifndef _KPART_WRAP_H
#define _KPART_WRAP_H

#include <linux/slab.h>
#include <linux/string.h>
#include <kpart.h>

/* kmalloc, kzalloc and the array forms. */
#undef kmalloc
#define kmalloc(size, flags)		kpart_kmalloc(size, flags)
#undef kzalloc
#define kzalloc(size, flags)		kpart_kzalloc(size, flags)
#undef kmalloc_array
#define kmalloc_array(n, size, flags)	kpart_kmalloc_array(n, size, flags)
#undef kcalloc
#define kcalloc(n, size, flags)		kpart_kcalloc(n, size, flags)

/* The _node variants: the node is honoured for kpart's caches too. */
#undef kmalloc_node
#define kmalloc_node(size, flags, node)	kpart_kmalloc_node(size, flags, node)
#undef kzalloc_node
#define kzalloc_node(size, flags, node)				\
	kpart_kmalloc_node(size, (flags) | __GFP_ZERO, node)
#undef kmalloc_array_node
#define kmalloc_array_node(n, size, flags, node)		\
	kpart_kmalloc_array_node(n, size, flags, node)
#undef kcalloc_node
#define kcalloc_node(n, size, flags, node)			\
	kpart_kmalloc_array_node(n, size, (flags) | __GFP_ZERO, node)

/* Resizing: a kpart object moves within its partition. */
#undef krealloc
#define krealloc(p, new_size, flags)	kpart_krealloc(p, new_size, flags)
#undef krealloc_array
#define krealloc_array(p, n, size, flags) kpart_krealloc_array(p, n, size, flags)

/* Copies. */
#undef kmemdup
#define kmemdup(src, len, flags)	kpart_kmemdup(src, len, flags)
#undef kmemdup_nul
#define kmemdup_nul(s, len, flags)	kpart_kmemdup_nul(s, len, flags)
#undef kstrdup
#define kstrdup(s, flags)		kpart_kstrdup(s, flags)
#undef kstrndup
#define kstrndup(s, max, flags)		kpart_kstrndup(s, max, flags)

/* kvmalloc and friends: up to KPART_MAX_SIZE through kpart. */
#undef kvmalloc
#define kvmalloc(size, flags)		kpart_kvmalloc_node(size, flags, NUMA_NO_NODE)
#undef kvzalloc
#define kvzalloc(size, flags)					\
	kpart_kvmalloc_node(size, (flags) | __GFP_ZERO, NUMA_NO_NODE)
#undef kvmalloc_node
#define kvmalloc_node(size, flags, node) kpart_kvmalloc_node(size, flags, node)
#undef kvzalloc_node
#define kvzalloc_node(size, flags, node)			\
	kpart_kvmalloc_node(size, (flags) | __GFP_ZERO, node)
#undef kvmalloc_array
#define kvmalloc_array(n, size, flags)	kpart_kvmalloc_array(n, size, flags)
#undef kvcalloc
#define kvcalloc(n, size, flags)				\
	kpart_kvmalloc_array(n, size, (flags) | __GFP_ZERO)
#undef kvrealloc
#define kvrealloc(p, size, flags)	kpart_kvrealloc(p, size, flags)

#endif /* _KPART_WRAP_H */
