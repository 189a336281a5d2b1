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
 *  - random mode: the partition is a hash of the call site and a per-load seed.
 *
 * Build with Clang 22 or later and -falloc-token-max=64 (KPART_TOKEN_MAX):
 *
 *	ccflags-y += -falloc-token-max=64
 *
 * kpart reduces the token to the partition count it was loaded with, exactly
 * as Clang would have with -falloc-token-max=<partitions>. A build with another
 * token bound or token mode fails at compile time.
 *
 * See Documentation/kpart.rst.
 */
#ifndef _KPART_H
#define _KPART_H

#include <linux/gfp_types.h>
#include <linux/instruction_pointer.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/types.h>

/* The token bound callers are built with: -falloc-token-max=64. */
#define KPART_TOKEN_MAX 64

#if !__has_builtin(__builtin_infer_alloc_token)
#error "kpart.h needs Clang 22 or later (__builtin_infer_alloc_token)"
#endif

/*
 * A pointer-holding probe type whose token is 45 with
 * -falloc-token-max=64 in the default typehashpointersplit mode, and a
 * different value with any other bound below 96 or with typehash: a caller
 * built with the wrong flags does not compile. (scripts/kpart-token --max 64
 * --pointer kpart_token_probe prints the value.)
 */
struct kpart_token_probe {
	void *p;
};

_Static_assert(__builtin_infer_alloc_token(sizeof(struct kpart_token_probe)) == 45,
	       "kpart.h: build with -falloc-token-max=64 (see Documentation/kpart.rst)");

/*
 * The call site of an allocation, for random mode: the address of an
 * instruction at the site. Clang may fold every _THIS_IP_ of a function into
 * one address (it never jumps to those labels), so on x86_64 an asm volatile,
 * which it keeps where it is written, reads %rip.
 */
#ifdef CONFIG_X86_64
#define KPART_THIS_IP							\
({									\
	unsigned long __kpart_ip;					\
	asm volatile("lea 0(%%rip), %0" : "=r" (__kpart_ip));		\
	__kpart_ip;							\
})
#else
#define KPART_THIS_IP _THIS_IP_
#endif

/*
 * The macros below name their arguments twice: once for the call and once for
 * __builtin_infer_alloc_token(), which never evaluates its arguments.
 */
void *__kpart_kmalloc(size_t size, gfp_t flags, unsigned long token,
		      unsigned long site);
void *__kpart_krealloc(const void *p, size_t new_size, gfp_t flags,
		       unsigned long token, unsigned long site);

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
	__kpart_kmalloc(size, flags,					\
			__builtin_infer_alloc_token(size, flags), KPART_THIS_IP)

/* kpart_kzalloc - kpart_kmalloc() and zero the memory */
#define kpart_kzalloc(size, flags)					\
	__kpart_kmalloc(size, (flags) | __GFP_ZERO,			\
			__builtin_infer_alloc_token(size, flags), KPART_THIS_IP)

/* kpart_kmalloc_array - an array of @n elements of @size bytes; NULL on overflow */
#define kpart_kmalloc_array(n, size, flags)				\
({									\
	size_t __kpart_bytes;						\
	check_mul_overflow((size_t)(n), (size_t)(size), &__kpart_bytes) ? NULL : \
		__kpart_kmalloc(__kpart_bytes, flags,			\
				__builtin_infer_alloc_token((n) * (size), flags), \
				KPART_THIS_IP);				\
})

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
	((TYPE *)__kpart_kmalloc(sizeof(TYPE), flags,			\
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

/* Partitioning modes, as reported by kpart_get_info(). */
enum kpart_mode {
	KPART_MODE_RANDOM = 0,
	KPART_MODE_TYPED = 1,
};

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
 * @partition: its partition
 * @size: its size class, in bytes
 * @accounted: whether it is in the accounted matrix
 */
struct kpart_location {
	u32 partition;
	u32 size;
	bool accounted;
};

/*
 * kpart_locate - find the kpart cache that holds @p
 *
 * Return: 0 and *@loc filled in, or -ENOENT when @p is not a kpart object.
 */
int kpart_locate(const void *p, struct kpart_location *loc);

#endif /* _KPART_H */
