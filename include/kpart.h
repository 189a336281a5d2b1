/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpart: partitioned kmalloc caches for loadable modules.
 *
 * Include this header and allocate with kpart_kmalloc() and friends instead of
 * kmalloc(); free with the kernel's plain kfree(). Each allocation lands in a
 * partition of kpart's caches:
 *
 *  - typed mode: the partition is the allocated type's Clang allocation token,
 *    from __builtin_infer_alloc_token() on the caller's own arguments;
 *  - random mode: the partition is a hash of the call site and a per-load seed;
 *  - pertype mode: every type has caches of its own, found through a
 *    descriptor per call site; raw buffers are split by call site.
 *
 * Build with Clang 22 or later and -falloc-token-max=2^63 (KPART_TOKEN_BOUND):
 *
 *	ccflags-y += -falloc-token-max=9223372036854775808
 *
 * The token is then the type's identity: 62 bits of Clang's type hash and the
 * pointer flag. kpart folds it to the partition count it was loaded with,
 * exactly as Clang would have with -falloc-token-max=<partitions>. A build
 * with another token bound or token mode fails at compile time.
 *
 * See Documentation/kpart.rst.
 */
#ifndef _KPART_H
#define _KPART_H

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/gfp_types.h>
#include <linux/instruction_pointer.h>
#include <linux/jump_label.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>

/*
 * The token bound callers are built with: -falloc-token-max=2^63. Clang's
 * token is then hash % 2^62, plus 2^62 for a type that holds a pointer.
 */
#define KPART_TOKEN_BOUND 9223372036854775808ULL

/* The typed table's tokens: those of -falloc-token-max=64. */
#define KPART_TOKEN_MAX 64

/*
 * KPART_TOKEN_FOLD - the token Clang computes with -falloc-token-max=64 from
 * the one it computes with KPART_TOKEN_BOUND: hash % 32, plus 32 with a
 * pointer (2^62 is a multiple of 32); 0, the fallback partition's, for a
 * token Clang never computes with that bound, as kpart's out-of-line path
 * does. Folded at compile time.
 */
#define KPART_TOKEN_FOLD(token)						\
	((unsigned long)(token) >= KPART_TOKEN_BOUND ? 0 :		\
	 (((token) & 31) | (((token) >> 57) & 32)))

#if !__has_builtin(__builtin_infer_alloc_token)
#error "kpart.h needs Clang 22 or later (__builtin_infer_alloc_token)"
#endif

/*
 * A pointer-holding probe type whose token is 0x65cbd652a2dbb64d with
 * -falloc-token-max=2^63 in the default typehashpointersplit mode, and a
 * different value with any other bound or with typehash: a caller built with
 * the wrong flags does not compile. (scripts/kpart-token --max
 * 9223372036854775808 --pointer kpart_token_probe prints the value.)
 */
struct kpart_token_probe {
	void *p;
};

_Static_assert(__builtin_infer_alloc_token(sizeof(struct kpart_token_probe)) ==
	       0x65cbd652a2dbb64dULL,
	       "kpart.h: build with -falloc-token-max=9223372036854775808 (see Documentation/kpart.rst)");

struct kpart_type;

/*
 * The descriptor every call site starts with (KPART_SITE_INIT): a type with
 * no cache, read-only in kpart, so that a site's first allocation finds no
 * cache and goes to __kpart_kmalloc_slot(), which points the site to its
 * type's descriptor. The in-line path needs no NULL test of the site.
 */
extern const struct kpart_type kpart_type_unresolved;
#define KPART_SITE_INIT	((struct kpart_type *)&kpart_type_unresolved)

/*
 * The call site of an allocation: the address of a static descriptor of its
 * own, one per expansion of the macro. Random mode hashes the address: it is
 * a link-time constant that costs no instruction in a loop. (_THIS_IP_ does
 * not do: Clang may fold every label of a function into one address, as it
 * never jumps to them.) Pertype mode keeps the site's type caches in it,
 * filled by kpart on the site's first allocation (__kpart_kmalloc_slot()).
 */
#define KPART_THIS_IP							\
({									\
	static struct kpart_type *__kpart_site = KPART_SITE_INIT;	\
	(unsigned long)&__kpart_site;					\
})

/*
 * The macros below name their arguments twice: once for the call and once for
 * __builtin_infer_alloc_token(), which never evaluates its arguments.
 */
void *__kpart_kmalloc(size_t size, gfp_t flags, unsigned long token,
		      unsigned long site) __assume_kmalloc_alignment __alloc_size(1);
void *__kpart_krealloc(const void *p, size_t new_size, gfp_t flags,
		       unsigned long token, unsigned long site) __realloc_size(2);
void *__kpart_kmalloc_slot(size_t size, gfp_t flags, int node, unsigned long token,
			   unsigned long site, struct kpart_type **slot, const char *name,
			   const char *shape)
	__assume_kmalloc_alignment __alloc_size(1);

/*
 * Partitioning modes, as reported by kpart_get_info(). Shape mode routes as
 * pertype mode does, through the call sites' descriptors, but a descriptor
 * is a cache of types with one layout signature (include/kpart_shape.h).
 */
enum kpart_mode {
	KPART_MODE_RANDOM = 0,
	KPART_MODE_TYPED = 1,
	KPART_MODE_PERTYPE = 2,
	KPART_MODE_SHAPE = 3,
};

/*
 * The routing table kpart exports, read in line by every allocation, and
 * what picks the partition. Rust sees this header through bindgen (Kbuild),
 * so this is the one definition of the table. kpart alone writes it, in its
 * init, before any user can link to it; it is read-only afterwards
 * (__ro_after_init). Whatever it cannot serve (size 0 or above
 * KPART_MAX_SIZE, unpartitioned flags) goes to __kpart_kmalloc().
 */
#define KPART_MAX_PARTITIONS	KPART_TOKEN_MAX
#define KPART_ROWS		(2 * KPART_MAX_PARTITIONS)
#define KPART_CLASS_SLOTS	16
#define KPART_MAX_SIZE		8192

/*
 * The in-line path's index into a size class's caches: in typed mode the
 * token folded to -falloc-token-max=64, in random mode the call site's hash
 * (hash_64(site ^ seed, KPART_LANE_BITS)). kpart points each lane to its
 * partition's cache, so neither mode needs a second load.
 */
#define KPART_LANE_BITS		6
#define KPART_LANES		(1 << KPART_LANE_BITS)

/*
 * kmalloc's size classes up to KPART_MAX_SIZE, in bytes, smallest first; a
 * class is named as kmalloc's are (96, 1k, 8k: kpart-<partition>-<name>).
 * The one list of them: Rust, the tests and the scripts read it.
 */
#define KPART_SIZE_CLASSES						\
	{ 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192 }
#define KPART_GFP_UNPARTITIONED						\
	(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM | __GFP_RECLAIMABLE)

struct kpart_routes {
	/*
	 * The in-line path's caches: [size class][matrix][lane], matrix 1 for
	 * __GFP_ACCOUNT. Never NULL for a class KPART_SIZE_CLASSES lists:
	 * without kpart's accounted matrix, matrix 1 is kmalloc's own
	 * kmalloc-cg-* caches, where kmalloc() puts accounted objects.
	 */
	struct kmem_cache *lanes[KPART_CLASS_SLOTS][2][KPART_LANES];
	/*
	 * kpart's caches: [matrix << 6 | partition][size class], NULL where
	 * kpart has none (the accounted matrix when it is off, partitions
	 * beyond the count). The out-of-line path, krealloc and
	 * kpart_locate() read it.
	 */
	struct kmem_cache *caches[KPART_ROWS * KPART_CLASS_SLOTS];
	/* typed mode: the partition of each token */
	u8 typed[KPART_TOKEN_MAX];
	/* random mode: ((site ^ seed) * multiplier) >> shift */
	u64 seed;
	u64 multiplier;
	u32 shift;
	u32 mode;		/* enum kpart_mode */
	u32 stats;		/* count allocations (stats=1): all out of line */
};

extern struct kpart_routes kpart_routes;

/*
 * Which in-line path the users take, set by kpart's init before any user can
 * link to it and never changed while one is loaded (the kernel patches each
 * user's branches as it loads it):
 *
 *  - neither key: typed mode, the token's lane;
 *  - kpart_route_by_site alone: random mode, the call site's lane;
 *  - both: pertype and shape mode, and every mode with stats=1 (whose call
 *    sites kpart never fills: every allocation is counted, out of line).
 */
DECLARE_STATIC_KEY_FALSE(kpart_route_by_site);
DECLARE_STATIC_KEY_FALSE(kpart_route_by_type);

/*
 * The caches of one type in pertype mode, [matrix][size class] (NULL: not
 * made yet), and its allocation counter (stats=1). kpart makes them and
 * keeps them until it unloads, in pages of their own that every reader sees
 * read-only (c/mm/ro_pages.c); call sites point to them (KPART_THIS_IP).
 * Past kpart's cache cap, a type's new size classes are its typed
 * partition's caches.
 */
struct kpart_type {
	struct kmem_cache *caches[2][KPART_CLASS_SLOTS];
	unsigned long __percpu *allocs;
	u64 token;
};

/* The size class of 1..KPART_MAX_SIZE bytes: kmalloc's, 8 bytes to 8 KiB. */
static __always_inline unsigned int kpart_size_class(size_t size)
{
	static const u8 small[24] = {
		0, 1, 2, 2, 3, 3, 3, 3,		/* 8, 16, 32, 64 */
		4, 4, 4, 4,			/* 96 */
		5, 5, 5, 5,			/* 128 */
		6, 6, 6, 6, 6, 6, 6, 6,		/* 192 */
	};

	if (size <= 192)
		return small[(size - 1) / 8];
	return fls64(size - 1) - 1;
}

/* kpart_cache_alloc - the call a constant-size kmalloc() makes, from @s */
static __always_inline __alloc_size(4) void *
kpart_cache_alloc(struct kmem_cache *s, gfp_t flags, int node, size_t size)
{
	if (node == NUMA_NO_NODE)
		return __kmalloc_cache_noprof(s, flags, size);
	return __kmalloc_cache_node_noprof(s, flags, node, size);
}

/*
 * kpart_alloc_pertype - the allocation path of pertype mode, in the caller
 *
 * @slot is the call site's descriptor (KPART_THIS_IP), and @token the one
 * compile-time token of that site, as the macros below pass it: the
 * descriptor keeps the caches of the first token it sees. Two loads, a
 * NULL test and the call a constant-size kmalloc() makes. Before kpart has
 * filled the descriptor (it is KPART_SITE_INIT's, which has no cache), and
 * for a size class or matrix the type has no cache for yet,
 * __kpart_kmalloc_slot() serves and fills it.
 */
static __always_inline __alloc_size(1) void *
kpart_alloc_pertype(size_t size, gfp_t flags, int node, unsigned long token,
		    struct kpart_type **slot)
{
	const struct kpart_type *t = READ_ONCE(*slot);
	struct kmem_cache *s;

	s = READ_ONCE(t->caches[!!(flags & __GFP_ACCOUNT)][kpart_size_class(size)]);
	if (unlikely(!s))
		goto resolve;
	return kpart_cache_alloc(s, flags, node, size);
resolve:
	return __kpart_kmalloc_slot(size, flags, node, token, (unsigned long)slot,
				    slot, NULL, NULL);
}

/*
 * The lane of call site @site in random mode: hash_64(site ^ seed), as the
 * kernel's RANDOM_KMALLOC_CACHES hashes its call sites, whose multiplier
 * (GOLDEN_RATIO_64, 0 with one partition) the table holds, so that the
 * multiply takes it from memory and needs no register for it.
 */
static __always_inline unsigned long kpart_site_lane(unsigned long site)
{
	return ((site ^ kpart_routes.seed) * kpart_routes.multiplier) >>
	       (64 - KPART_LANE_BITS);
}

/*
 * The in-line path's cache of lane @lane of size class @class and matrix
 * @matrix. The relaxed atomic load is one move, as a plain load is, but the
 * compiler keeps it where it is: it would merge the two modes' plain loads
 * into one load through a register, a move more in typed mode. The table
 * never changes while it is read (it is read-only).
 */
static __always_inline struct kmem_cache *
kpart_lane(unsigned int class, unsigned int matrix, unsigned long lane)
{
	return __atomic_load_n(&kpart_routes.lanes[class][matrix][lane],
			       __ATOMIC_RELAXED);
}

/*
 * kpart_alloc_routed_node - the allocation path, in the caller
 *
 * With the size, the flags and the token known at compile time (the usual
 * case), typed mode costs what a constant-size kmalloc() costs, one load
 * from a table and __kmalloc_cache_noprof(), and a no-op where the mode's
 * branch is; random mode adds a jump and the site's hash (a load, an xor, a
 * multiply and a shift), pertype mode two jumps, the call site's descriptor
 * and a NULL test of its cache (kpart_alloc_pertype()). The object is a kmalloc object of
 * @size bytes to KASAN, to tracing and, through __alloc_size, to the
 * compiler and FORTIFY_SOURCE. What the table cannot serve goes where
 * kmalloc() sends it, through __kpart_kmalloc() or, for a given NUMA node,
 * kmalloc_node() itself.
 *
 * @site is any value in typed and random mode. In pertype mode (and with
 * stats=1) it must be the address of a struct kpart_type pointer that starts
 * as KPART_SITE_INIT and that the caller keeps for @token alone, as
 * KPART_THIS_IP's static is: kpart writes the type's descriptor there, and
 * the in-line path reads it.
 */
static __always_inline __alloc_size(1) void *
kpart_alloc_routed_node(size_t size, gfp_t flags, int node,
			unsigned long token, unsigned long site)
{
	unsigned int class, matrix = !!(flags & __GFP_ACCOUNT);
	struct kmem_cache *s;

	if (unlikely(size - 1 >= KPART_MAX_SIZE ||
		     (flags & KPART_GFP_UNPARTITIONED)))
		goto unpartitioned;
	class = kpart_size_class(size);
	if (!static_branch_unlikely(&kpart_route_by_site))
		s = kpart_lane(class, matrix, KPART_TOKEN_FOLD(token));
	else if (!static_branch_unlikely(&kpart_route_by_type))
		s = kpart_lane(class, matrix, kpart_site_lane(site));
	else
		return kpart_alloc_pertype(size, flags, node, token,
					   (struct kpart_type **)site);
	return kpart_cache_alloc(s, flags, node, size);
unpartitioned:
	if (node == NUMA_NO_NODE)
		return __kpart_kmalloc(size, flags, token, site);
	return kmalloc_node_noprof(size, flags, node);
}

/* kpart_alloc_routed - kpart_alloc_routed_node() on any node */
static __always_inline __alloc_size(1) void *
kpart_alloc_routed(size_t size, gfp_t flags, unsigned long token,
		   unsigned long site)
{
	return kpart_alloc_routed_node(size, flags, NUMA_NO_NODE, token, site);
}

/**
 * kpart_kmalloc - allocate memory from kpart's partitions
 * @size: how many bytes of memory are required
 * @flags: GFP flags, as for kmalloc()
 *
 * Like kmalloc(). Sizes up to 8192 come from kpart's caches; larger ones, and
 * %__GFP_DMA, %__GFP_DMA32, %__GFP_HIGHMEM and %__GFP_RECLAIMABLE allocations,
 * from plain kmalloc(). Free with kfree().
 */
#define kpart_kmalloc(size, flags)					\
	kpart_alloc_routed(size, flags,					\
			   __builtin_infer_alloc_token(size, flags), KPART_THIS_IP)

/* kpart_kzalloc - kpart_kmalloc() and zero the memory */
#define kpart_kzalloc(size, flags)					\
	kpart_alloc_routed(size, (flags) | __GFP_ZERO,			\
			   __builtin_infer_alloc_token(size, flags), KPART_THIS_IP)

/*
 * kpart_alloc_array_routed_node - kpart_alloc_routed_node() of @n elements
 * of @size bytes; NULL on overflow. As the kernel's kmalloc_array(), a
 * function with __alloc_size(1, 2), so the compiler sees the product.
 */
static __always_inline __alloc_size(1, 2) void *
kpart_alloc_array_routed_node(size_t n, size_t size, gfp_t flags, int node,
			      unsigned long token, unsigned long site)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return kpart_alloc_routed_node(bytes, flags, node, token, site);
}

/* kpart_kmalloc_array - an array of @n elements of @size bytes; NULL on overflow */
#define kpart_kmalloc_array(n, size, flags)				\
	kpart_alloc_array_routed_node(n, size, flags, NUMA_NO_NODE,	\
				      __builtin_infer_alloc_token((n) * (size), flags), \
				      KPART_THIS_IP)

/* kpart_kcalloc - kpart_kmalloc_array() and zero the memory */
#define kpart_kcalloc(n, size, flags)					\
	kpart_kmalloc_array(n, size, (flags) | __GFP_ZERO)

/**
 * kpart_krealloc - resize an object, keeping it in its partition
 * @p: object to resize, or %NULL or %ZERO_SIZE_PTR to allocate
 * @new_size: how many bytes are required; 0 frees @p
 * @flags: GFP flags
 *
 * A kpart object that must move is moved within its own partition. On failure
 * %NULL is returned and @p is left untouched.
 */
#define kpart_krealloc(p, new_size, flags)				\
	__kpart_krealloc(p, new_size, flags,				\
			 __builtin_infer_alloc_token(new_size, flags), KPART_THIS_IP)

/* kpart_kmalloc_obj - allocate one object of type @TYPE */
#define kpart_kmalloc_obj(TYPE, flags)					\
	((TYPE *)kpart_alloc_routed(sizeof(TYPE), flags,		\
				    __builtin_infer_alloc_token(sizeof(TYPE)), \
				    KPART_THIS_IP))

/* kpart_kzalloc_obj - allocate one zeroed object of type @TYPE */
#define kpart_kzalloc_obj(TYPE, flags)					\
	kpart_kmalloc_obj(TYPE, (flags) | __GFP_ZERO)

/**
 * kpart_kstrdup - duplicate a string into kpart's partitions
 * @s: the string
 * @flags: GFP flags
 *
 * Like kstrdup(). The size is a byte count, but the result initialises a
 * char pointer, from which Clang infers char: strings share char's partition.
 */
#define kpart_kstrdup(s, flags)						\
({									\
	const char *__kpart_s = (s);					\
	size_t __kpart_len = __kpart_s ? strlen(__kpart_s) + 1 : 0;	\
	char *__kpart_p = __kpart_s ? kpart_kmalloc(__kpart_len, flags) : NULL; \
									\
	if (__kpart_p)							\
		memcpy(__kpart_p, __kpart_s, __kpart_len);		\
	__kpart_p;							\
})

/* kpart_kmemdup_nul - a copy of @len bytes of @s and a NUL, as a string */
#define kpart_kmemdup_nul(s, len, flags)				\
({									\
	const char *__kpart_s = (s);					\
	size_t __kpart_len = (len);					\
	char *__kpart_p = __kpart_s ? kpart_kmalloc(__kpart_len + 1, flags) : NULL; \
									\
	if (__kpart_p) {						\
		memcpy(__kpart_p, __kpart_s, __kpart_len);		\
		__kpart_p[__kpart_len] = '\0';				\
	}								\
	__kpart_p;							\
})

/* kpart_kstrndup - kpart_kstrdup() of at most @max characters */
#define kpart_kstrndup(s, max, flags)					\
({									\
	const char *__kpart_str = (s);					\
									\
	kpart_kmemdup_nul(__kpart_str,					\
			  __kpart_str ? strnlen(__kpart_str, max) : 0, flags); \
})

/*
 * kpart_kmemdup - a copy of @len bytes at @src; the type is what Clang
 * infers from @len (kmemdup(p, sizeof(*p), gfp) names p's type)
 */
#define kpart_kmemdup(src, len, flags)					\
({									\
	size_t __kpart_len = (len);					\
	void *__kpart_p = kpart_alloc_routed(__kpart_len, flags,	\
					     __builtin_infer_alloc_token(len, flags), \
					     KPART_THIS_IP);		\
									\
	if (__kpart_p)							\
		memcpy(__kpart_p, src, __kpart_len);			\
	__kpart_p;							\
})

/* kpart_kmalloc_node - kpart_kmalloc() on NUMA node @node */
#define kpart_kmalloc_node(size, flags, node)				\
	kpart_alloc_routed_node(size, flags, node,			\
				__builtin_infer_alloc_token(size, flags), KPART_THIS_IP)

/* kpart_kmalloc_array_node - kpart_kmalloc_array() on NUMA node @node */
#define kpart_kmalloc_array_node(n, size, flags, node)			\
	kpart_alloc_array_routed_node(n, size, flags, node,		\
				      __builtin_infer_alloc_token((n) * (size), flags), \
				      KPART_THIS_IP)

/* __kpart_krealloc_array - __kpart_krealloc() to @n elements of @size bytes */
static __always_inline __realloc_size(2, 3) void *
__kpart_krealloc_array(const void *p, size_t n, size_t size, gfp_t flags,
		       unsigned long token, unsigned long site)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return __kpart_krealloc(p, bytes, flags, token, site);
}

/* kpart_krealloc_array - kpart_krealloc() to @n elements of @size bytes */
#define kpart_krealloc_array(p, n, size, flags)				\
	__kpart_krealloc_array(p, n, size, flags,			\
			       __builtin_infer_alloc_token((n) * (size), flags), \
			       KPART_THIS_IP)

/*
 * kpart_kvmalloc_routed - kvmalloc() through kpart: up to KPART_MAX_SIZE
 * from kpart's caches (for more than a page without retrying hard, as
 * kvmalloc() asks kmalloc()), then as kvmalloc() does: vmalloc() when
 * blocking is allowed. Larger sizes go to kvmalloc() itself. Free with
 * kvfree().
 */
static __always_inline __alloc_size(1) void *
kpart_kvmalloc_routed(size_t size, gfp_t flags, int node, unsigned long token,
		      unsigned long site)
{
	gfp_t kmalloc_flags = flags;
	void *p;

	if (size > KPART_MAX_SIZE)
		return kvmalloc_node_noprof(size, flags, node);
	if (size > PAGE_SIZE) {
		kmalloc_flags |= __GFP_NOWARN;
		if (!(kmalloc_flags & __GFP_RETRY_MAYFAIL))
			kmalloc_flags |= __GFP_NORETRY;
		kmalloc_flags &= ~__GFP_NOFAIL;
	}
	p = kpart_alloc_routed_node(size, kmalloc_flags, node, token, site);
	if (p || size <= PAGE_SIZE || !gfpflags_allow_blocking(flags))
		return p;
	return kvmalloc_node_noprof(size, flags, node);
}

/* kpart_kvmalloc_node - kvmalloc_node() through kpart */
#define kpart_kvmalloc_node(size, flags, node)				\
	kpart_kvmalloc_routed(size, flags, node,			\
			      __builtin_infer_alloc_token(size, flags), KPART_THIS_IP)

/* kpart_kvmalloc_array_routed - kpart_kvmalloc_routed() of @n elements */
static __always_inline __alloc_size(1, 2) void *
kpart_kvmalloc_array_routed(size_t n, size_t size, gfp_t flags,
			    unsigned long token, unsigned long site)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return kpart_kvmalloc_routed(bytes, flags, NUMA_NO_NODE, token, site);
}

/* kpart_kvmalloc_array - kvmalloc_array() through kpart */
#define kpart_kvmalloc_array(n, size, flags)				\
	kpart_kvmalloc_array_routed(n, size, flags,			\
				    __builtin_infer_alloc_token((n) * (size), flags), \
				    KPART_THIS_IP)

/*
 * kpart_kvrealloc - kvrealloc() through kpart: a vmalloc() object is resized
 * by the kernel; any other within its partition up to KPART_MAX_SIZE, and
 * by kvrealloc() beyond or when kpart cannot serve it.
 */
#define kpart_kvrealloc(p, size, flags)					\
({									\
	const void *__kpart_old = (p);					\
	size_t __kpart_size = (size);					\
	void *__kpart_new = NULL;					\
									\
	if (!is_vmalloc_addr(__kpart_old) && __kpart_size <= KPART_MAX_SIZE) \
		__kpart_new = __kpart_krealloc(__kpart_old, __kpart_size, \
					       (flags) | __GFP_NOWARN,	\
					       __builtin_infer_alloc_token(size, flags), \
					       KPART_THIS_IP);		\
	__kpart_new ?: kvrealloc_noprof(__kpart_old, __kpart_size, flags); \
})

/**
 * struct kpart_info - how kpart was loaded
 * @mode: an enum kpart_mode
 * @partitions: the partition count
 * @accounted: whether %__GFP_ACCOUNT allocations have their own matrix
 */
struct kpart_info {
	u32 mode;
	u32 partitions;
	bool accounted;
};

void kpart_get_info(struct kpart_info *info);

/**
 * struct kpart_location - where a kpart object lives
 * @partition: its partition; in pertype mode, the typed partition its type
 *	falls back to
 * @size: its size class, in bytes
 * @accounted: whether it is in the accounted matrix
 * @token: pertype mode: the token of the type whose own caches hold it
 *	(2^63 + bucket for a call-site bucket of raw buffers), 0 when it is in
 *	the partitions' caches
 */
struct kpart_location {
	u32 partition;
	u32 size;
	bool accounted;
	u64 token;
};

/*
 * kpart_types_settle - wait until kpart has made the caches that allocations
 * in atomic context asked for (pertype mode), for tests
 */
void kpart_types_settle(void);

/*
 * kpart_locate - find the kpart cache that holds @p
 *
 * Return: 0 and *@loc filled in, or -ENOENT when @p is not a kpart object.
 */
int kpart_locate(const void *p, struct kpart_location *loc);

/*
 * kpart_shape_zone - shape mode: the zone of the signature table's type
 * @token in this load, and in *@single (unless NULL) whether the zone is the
 * type's alone, for tests
 *
 * Return: the zone, or -ENOENT outside shape mode and for a type the table
 * lacks.
 */
long kpart_shape_zone(unsigned long token, bool *single);

#ifdef __BINDGEN__
/*
 * For Rust, which bindgen gives constants but neither a list nor a pointer
 * cast: the count of KPART_SIZE_CLASSES, its classes one by one up to
 * KPART_CLASS_SLOTS (0 past the last) and ZERO_SIZE_PTR.
 */
#define __KPART_CLASSES_COUNT						\
	(sizeof((const unsigned int[])KPART_SIZE_CLASSES) / sizeof(unsigned int))
#define __KPART_CLASS_BYTES(i)						\
	((i) < __KPART_CLASSES_COUNT ?					\
	 ((const unsigned int[])KPART_SIZE_CLASSES)[(i) % __KPART_CLASSES_COUNT] : 0)
static const unsigned int KPART_SIZE_CLASS_COUNT = __KPART_CLASSES_COUNT;
static const unsigned int KPART_SIZE_CLASS_0 = __KPART_CLASS_BYTES(0);
static const unsigned int KPART_SIZE_CLASS_1 = __KPART_CLASS_BYTES(1);
static const unsigned int KPART_SIZE_CLASS_2 = __KPART_CLASS_BYTES(2);
static const unsigned int KPART_SIZE_CLASS_3 = __KPART_CLASS_BYTES(3);
static const unsigned int KPART_SIZE_CLASS_4 = __KPART_CLASS_BYTES(4);
static const unsigned int KPART_SIZE_CLASS_5 = __KPART_CLASS_BYTES(5);
static const unsigned int KPART_SIZE_CLASS_6 = __KPART_CLASS_BYTES(6);
static const unsigned int KPART_SIZE_CLASS_7 = __KPART_CLASS_BYTES(7);
static const unsigned int KPART_SIZE_CLASS_8 = __KPART_CLASS_BYTES(8);
static const unsigned int KPART_SIZE_CLASS_9 = __KPART_CLASS_BYTES(9);
static const unsigned int KPART_SIZE_CLASS_10 = __KPART_CLASS_BYTES(10);
static const unsigned int KPART_SIZE_CLASS_11 = __KPART_CLASS_BYTES(11);
static const unsigned int KPART_SIZE_CLASS_12 = __KPART_CLASS_BYTES(12);
static const unsigned int KPART_SIZE_CLASS_13 = __KPART_CLASS_BYTES(13);
static const unsigned int KPART_SIZE_CLASS_14 = __KPART_CLASS_BYTES(14);
static const unsigned int KPART_SIZE_CLASS_15 = __KPART_CLASS_BYTES(15);
static const unsigned long KPART_ZERO_SIZE_PTR = (unsigned long)ZERO_SIZE_PTR;
#endif

#endif /* _KPART_H */
