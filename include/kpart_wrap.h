/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpart for modules never written for it: the redefinitions `make wrap`
 * (scripts/kpart-wrap) builds a module with, so that its kmalloc family and
 * the kernel's allocating helpers it calls allocate from kpart's partitions,
 * without an edit to its source.
 *
 * make wrap puts include/wrap/ ahead of the kernel's include directories.
 * There <linux/slab.h>, <linux/string.h>, <linux/sprintf.h>,
 * <net/netlink.h>, <linux/mm.h> and <linux/uaccess.h> are shadows: each
 * includes the kernel's header of that name (#include_next), then this
 * file. Nothing is included before the module's first line, so a macro it
 * defines ahead of its includes (DEBUG, pr_fmt(), a FORTIFY_SOURCE test's
 * fortify_panic()) reaches the kernel's headers as it does in any build.
 *
 * This file has no include guard: each shadow reads it once its kernel
 * header is complete, and each time it defines what has become possible.
 *
 *  - kpart.h, once <linux/slab.h> is complete: whatever kpart.h's in-line
 *    paths call is declared by then. kpart.h includes <linux/mm.h>, which
 *    cannot be read in the middle of every header that includes
 *    <linux/slab.h> (<linux/fs.h> does so before the declarations mm.h
 *    needs), and of which kpart.h's own definitions need nothing. Unless it
 *    is there already, kpart.h is read with mm.h's include guards set, and
 *    the guards are cleared after: mm.h comes in where the module includes
 *    it, as in any build.
 *  - the redefinitions of the functions a header declares, once kpart.h and
 *    that header are complete: after the header's own declarations of them,
 *    which the macros would otherwise rewrite. The copies from user space
 *    wait for <linux/uaccess.h>, which has copy_from_user(), and kvrealloc()
 *    for <linux/mm.h>, which has is_vmalloc_addr().
 *
 * Code the compiler reads before that point (a header's inline functions,
 * or the rest of a file that never includes these headers) calls the
 * kernel's functions, as does a call the preprocessor does not see (a
 * function's address taken). scripts/kpart-wrap lists, per module, the
 * allocating kernel functions it still calls.
 *
 * Each redefinition passes the caller's own arguments to
 * __builtin_infer_alloc_token() and takes the caller's own site, as
 * kpart_kmalloc() does. Memory comes from kpart's caches up to 8192 bytes
 * and from kmalloc() (or vmalloc(), for the kv* forms) above; the kernel's
 * kfree(), kvfree(), kfree_const(), kfree_sensitive(), kfree_rcu() and
 * kvfree_rcu() free it as they free kmalloc memory.
 *
 * Tokens: kmalloc, kzalloc, kmalloc_array, kcalloc, krealloc,
 * krealloc_array, their _node and _track_caller variants, the kv* family,
 * kmemdup_array, kvmemdup and the copies from user space get the type Clang
 * infers from their size arguments (sizeof(T), possibly through a multiply),
 * or from the cast or declaration their result initialises. kmemdup(src,
 * len) and nla_memdup() get what Clang infers from the length. The string
 * helpers (kstrdup, kstrndup, kstrdup_const, kmemdup_nul, kasprintf,
 * kvasprintf, kvasprintf_const, strndup_user, nla_strdup) get char's token:
 * strings share char's partition. An allocation whose type Clang cannot
 * infer gets token 0, the fallback: a partition of the pointer-free half in
 * typed mode.
 *
 * Sizes: the compiler and FORTIFY_SOURCE see the size of every object as
 * they do without make wrap, through __alloc_size and __realloc_size. The
 * in-line forms end in calls that carry the attribute; the helpers that
 * return ERR_PTR() on failure, whose in-line form would hide it, are
 * out-of-line functions that carry it themselves.
 *
 * A module's own slab caches (kmem_cache_create(), KMEM_CACHE() and the
 * usercopy forms) get SLAB_NO_MERGE: no other cache shares their slabs.
 *
 * Not redefined, and so not partitioned: kmem_cache_alloc() (dedicated
 * caches already), devm_* (device-managed memory), page allocations, the
 * kmem_buckets API, and any other allocating helper of the kernel.
 */
#if defined(__KPART_WRAP_HAVE_LINUX_SLAB_H) && !defined(__KPART_WRAP_KPART_H)
#define __KPART_WRAP_KPART_H
#ifndef _LINUX_MM_H
#define _LINUX_MM_H
#define __KPART_WRAP_SHADOW_LINUX_MM_H
#define __KPART_WRAP_MM_LATER
#endif
#include <kpart.h>
#ifdef __KPART_WRAP_MM_LATER
#undef _LINUX_MM_H
#undef __KPART_WRAP_SHADOW_LINUX_MM_H
#undef __KPART_WRAP_MM_LATER
#endif
/*
 * scripts/kpart-sites compiles a module again with its catalogue, which
 * turns each token into a record of the call: after kpart.h, whose checks
 * need the builtin itself.
 */
#ifdef KPART_WRAP_CATALOGUE
#include KPART_WRAP_CATALOGUE
#endif
/* From here on the module allocates through kpart. */
#define _KPART_WRAP_H
#define __KPART_WRAP_HAVE_KPART_H
#endif

#ifdef __KPART_WRAP_HAVE_KPART_H

/* <linux/slab.h>: the kmalloc family. */
#if defined(__KPART_WRAP_HAVE_LINUX_SLAB_H) && !defined(__KPART_WRAP_SLAB)
#define __KPART_WRAP_SLAB

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

/*
 * The _track_caller variants name the caller in slab debugging; here the
 * caller is the call site itself.
 */
#undef kmalloc_track_caller
#define kmalloc_track_caller(size, flags) kpart_kmalloc(size, flags)
#undef kmalloc_node_track_caller
#define kmalloc_node_track_caller(size, flags, node)		\
	kpart_kmalloc_node(size, flags, node)

/* Resizing: a kpart object moves within its partition. */
#undef krealloc
#define krealloc(p, new_size, flags)	kpart_krealloc(p, new_size, flags)
#undef krealloc_array
#define krealloc_array(p, n, size, flags) kpart_krealloc_array(p, n, size, flags)

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

/*
 * The module's own caches: never merged with another cache, as the kernel
 * does for every cache with slab_nomerge. KMEM_CACHE() and
 * KMEM_CACHE_USERCOPY() expand to __kmem_cache_create_args() where they
 * are used (their compound literal spreads over the macro's variable
 * arguments); the kernel's inline forms, compiled before this point, are
 * replaced.
 */
static inline struct kmem_cache *
__kpart_wrap_cache_args(const char *name, unsigned int size,
			struct kmem_cache_args *args, slab_flags_t flags)
{
	return __kmem_cache_create_args(name, size, args, flags | SLAB_NO_MERGE);
}

static inline struct kmem_cache *
__kpart_wrap_cache_default(const char *name, unsigned int size,
			   struct kmem_cache_args *args, slab_flags_t flags)
{
	struct kmem_cache_args defaults = {};

	if (WARN_ON_ONCE(args))
		return ERR_PTR(-EINVAL);
	return __kpart_wrap_cache_args(name, size, &defaults, flags);
}

static inline struct kmem_cache *
__kpart_wrap_cache_legacy(const char *name, unsigned int size,
			  unsigned int align, slab_flags_t flags,
			  void (*ctor)(void *))
{
	struct kmem_cache_args args = {
		.align	= align,
		.ctor	= ctor,
	};

	return __kpart_wrap_cache_args(name, size, &args, flags);
}

static inline struct kmem_cache *
__kpart_wrap_cache_usercopy(const char *name, unsigned int size,
			    unsigned int align, slab_flags_t flags,
			    unsigned int useroffset, unsigned int usersize,
			    void (*ctor)(void *))
{
	struct kmem_cache_args args = {
		.align		= align,
		.ctor		= ctor,
		.useroffset	= useroffset,
		.usersize	= usersize,
	};

	return __kpart_wrap_cache_args(name, size, &args, flags);
}

#undef __kmem_cache_create_args
#define __kmem_cache_create_args(name, ...)			\
	__kpart_wrap_cache_args(name, __VA_ARGS__)
/* kmem_cache_create(), as the kernel's: @args, NULL or the legacy @align */
#define __kpart_wrap_is(x, type) __builtin_types_compatible_p(typeof(x), type)
#undef kmem_cache_create
#define kmem_cache_create(__name, __object_size, __args, ...)		\
	__builtin_choose_expr(__kpart_wrap_is(__args, struct kmem_cache_args *), \
			      __kpart_wrap_cache_args,			\
	__builtin_choose_expr(__kpart_wrap_is(__args, void *),		\
			      __kpart_wrap_cache_default,		\
			      __kpart_wrap_cache_legacy))(__name, __object_size, __args, __VA_ARGS__)
#undef kmem_cache_create_usercopy
#define kmem_cache_create_usercopy(name, size, align, flags, useroffset, usersize, ctor) \
	__kpart_wrap_cache_usercopy(name, size, align, flags, useroffset, usersize, ctor)

#endif /* <linux/slab.h> */

/* <linux/mm.h>: kvrealloc() tells vmalloc() memory by is_vmalloc_addr(). */
#if defined(__KPART_WRAP_HAVE_LINUX_MM_H) && defined(__KPART_WRAP_SLAB) && \
	!defined(__KPART_WRAP_MM)
#define __KPART_WRAP_MM

/*
 * kvrealloc(), as kpart_kvrealloc(), out of line: in line, the failure of
 * the move within the partition (NULL) joins the result on one path, and
 * the compiler no longer knows the size.
 */
static inline noinline __realloc_size(2) void *
__kpart_wrap_kvrealloc(const void *p, size_t size, gfp_t flags,
		       unsigned long token, unsigned long site)
{
	void *q = NULL;

	if (!is_vmalloc_addr(p) && size <= KPART_MAX_SIZE)
		q = __kpart_krealloc(p, size, flags | __GFP_NOWARN, token, site);
	return q ?: kvrealloc_noprof(p, size, flags);
}

#undef kvrealloc
#define kvrealloc(p, size, flags)					\
	__kpart_wrap_kvrealloc(p, size, flags,				\
			       __builtin_infer_alloc_token(size, flags), KPART_THIS_IP)

#endif /* <linux/mm.h> */

/*
 * <linux/string.h>: the copies. The building blocks take the token and the
 * site from the macro at the caller, so that a helper made of them still
 * allocates at its caller's site.
 */
#if defined(__KPART_WRAP_HAVE_LINUX_STRING_H) && !defined(__KPART_WRAP_STRING)
#define __KPART_WRAP_STRING

/* __kpart_wrap_memdup_nul - @len bytes of @s and a NUL, as kmemdup_nul() */
static __always_inline char *
__kpart_wrap_memdup_nul(const char *s, size_t len, gfp_t flags,
			unsigned long token, unsigned long site)
{
	char *p;

	if (!s)
		return NULL;
	p = kpart_alloc_routed(len + 1, flags, token, site);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/*
 * __kpart_wrap_kernel_rodata - whether @s is in the kernel's .rodata
 *
 * kstrdup_const() returns such a string itself and kfree_const() leaves it
 * alone; a module cannot read the section's bounds (__start_rodata is not
 * exported). A string outside the kernel's image (a module's own .rodata,
 * the heap, the stack) is not in it; for one inside, kstrdup_const()
 * answers: it returns @s itself for .rodata, and a copy of its own, freed
 * here, for the rest of the image.
 */
static inline bool __kpart_wrap_kernel_rodata(const char *s, gfp_t flags)
{
	const char *copy;

#ifdef CONFIG_X86_64
	if ((unsigned long)s - __START_KERNEL_map >= KERNEL_IMAGE_SIZE)
		return false;
#endif
	if (!s)
		return false;
	copy = (kstrdup_const)(s, flags);
	if (copy == s)
		return true;
	kfree(copy);
	return false;
}

/* __kpart_wrap_kstrdup_const - kstrdup_const(): .rodata is not copied */
static inline const char *
__kpart_wrap_kstrdup_const(const char *s, gfp_t flags, unsigned long token,
			   unsigned long site)
{
	if (__kpart_wrap_kernel_rodata(s, flags))
		return s;
	return __kpart_wrap_memdup_nul(s, s ? strlen(s) : 0, flags, token, site);
}

/* __kpart_wrap_kvmemdup - kvmemdup(): kvmalloc() and a copy */
static __always_inline __realloc_size(2) void *
__kpart_wrap_kvmemdup(const void *src, size_t len, gfp_t flags,
		      unsigned long token, unsigned long site)
{
	void *p = kpart_kvmalloc_routed(len, flags, NUMA_NO_NODE, token, site);

	if (p)
		memcpy(p, src, len);
	return p;
}

/* __kpart_wrap_kmemdup_array - kmemdup_array(): size_mul() saturates */
static __always_inline __realloc_size(2, 3) void *
__kpart_wrap_kmemdup_array(const void *src, size_t count, size_t size,
			   gfp_t flags, unsigned long token, unsigned long site)
{
	size_t len = size_mul(size, count);
	void *p = kpart_alloc_routed(len, flags, token, site);

	if (p)
		memcpy(p, src, len);
	return p;
}

#ifdef __FORTIFY_INLINE
/*
 * __kpart_wrap_kmemdup - kmemdup() with the read check FORTIFY_SOURCE makes
 * on the kernel's (include/linux/fortify-string.h): a source smaller than
 * @len (@src_size, as the caller's compiler sees it) is reported, and a
 * zero-size copy returned where the report returns
 */
static __always_inline __realloc_size(2) void *
__kpart_wrap_kmemdup(const void *src, size_t len, gfp_t flags, size_t src_size,
		     unsigned long token, unsigned long site)
{
	void *p;

	if (src_size < len)
		fortify_panic(FORTIFY_FUNC_kmemdup, FORTIFY_READ, src_size, len,
			      kpart_alloc_routed(0, flags, token, site));
	p = kpart_alloc_routed(len, flags, token, site);
	if (p)
		memcpy(p, src, len);
	return p;
}

#undef kmemdup
#define kmemdup(src, len, flags)					\
	__kpart_wrap_kmemdup(src, len, flags, __struct_size(src),	\
			     __builtin_infer_alloc_token(len, flags), KPART_THIS_IP)
#else
#undef kmemdup
#define kmemdup(src, len, flags)	kpart_kmemdup(src, len, flags)
#endif
#undef kmemdup_nul
#define kmemdup_nul(s, len, flags)	kpart_kmemdup_nul(s, len, flags)
#undef kstrdup
#define kstrdup(s, flags)		kpart_kstrdup(s, flags)
#undef kstrndup
#define kstrndup(s, max, flags)		kpart_kstrndup(s, max, flags)
#undef kstrdup_const
#define kstrdup_const(s, flags)					\
	__kpart_wrap_kstrdup_const(s, flags,				\
				   __builtin_infer_alloc_token(sizeof(char), flags), \
				   KPART_THIS_IP)
#undef kmemdup_array
#define kmemdup_array(src, count, size, flags)			\
	__kpart_wrap_kmemdup_array(src, count, size, flags,		\
				   __builtin_infer_alloc_token((count) * (size), flags), \
				   KPART_THIS_IP)
#undef kvmemdup
#define kvmemdup(src, len, flags)					\
	__kpart_wrap_kvmemdup(src, len, flags,				\
			      __builtin_infer_alloc_token(len, flags), KPART_THIS_IP)
#endif /* <linux/string.h> */

/* <linux/uaccess.h>: the copies from user space; they need the copies. */
#if defined(__KPART_WRAP_HAVE_LINUX_UACCESS_H) && defined(__KPART_WRAP_STRING) && \
	!defined(__KPART_WRAP_UACCESS)
#define __KPART_WRAP_UACCESS

/*
 * The copies from user space return ERR_PTR() on failure: out of line, so
 * that the size the attribute gives reaches the caller.
 */
static inline noinline __realloc_size(2) void *
__kpart_wrap_memdup_user(const void __user *src, size_t len,
			 unsigned long token, unsigned long site)
{
	void *p;

	p = kpart_alloc_routed(len, GFP_USER | __GFP_NOWARN, token, site);
	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(p, src, len)) {
		kfree(p);
		return ERR_PTR(-EFAULT);
	}
	return p;
}

static inline noinline __realloc_size(2, 3) void *
__kpart_wrap_memdup_array_user(const void __user *src, size_t n, size_t size,
			       unsigned long token, unsigned long site)
{
	size_t bytes;

	if (check_mul_overflow(n, size, &bytes))
		return ERR_PTR(-EOVERFLOW);
	return __kpart_wrap_memdup_user(src, bytes, token, site);
}

static inline noinline __realloc_size(2) void *
__kpart_wrap_vmemdup_user(const void __user *src, size_t len,
			  unsigned long token, unsigned long site)
{
	void *p;

	p = kpart_kvmalloc_routed(len, GFP_USER, NUMA_NO_NODE, token, site);
	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(p, src, len)) {
		kvfree(p);
		return ERR_PTR(-EFAULT);
	}
	return p;
}

static inline noinline __realloc_size(2, 3) void *
__kpart_wrap_vmemdup_array_user(const void __user *src, size_t n, size_t size,
				unsigned long token, unsigned long site)
{
	size_t bytes;

	if (check_mul_overflow(n, size, &bytes))
		return ERR_PTR(-EOVERFLOW);
	return __kpart_wrap_vmemdup_user(src, bytes, token, site);
}

/* memdup_user_nul() allocates with GFP_KERNEL, as copy_from_user() may sleep. */
static inline noinline void *
__kpart_wrap_memdup_user_nul(const void __user *src, size_t len,
			     unsigned long token, unsigned long site)
{
	char *p;

	p = kpart_alloc_routed(len + 1, GFP_KERNEL, token, site);
	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(p, src, len)) {
		kfree(p);
		return ERR_PTR(-EFAULT);
	}
	p[len] = '\0';
	return p;
}

static inline noinline char *
__kpart_wrap_strndup_user(const char __user *s, long n, unsigned long token,
			  unsigned long site)
{
	long length = strnlen_user(s, n);
	char *p;

	if (!length)
		return ERR_PTR(-EFAULT);
	if (length > n)
		return ERR_PTR(-EINVAL);
	p = __kpart_wrap_memdup_user(s, length, token, site);
	if (IS_ERR(p))
		return p;
	p[length - 1] = '\0';
	return p;
}

#undef memdup_user
#define memdup_user(src, len)						\
	__kpart_wrap_memdup_user(src, len,				\
				 __builtin_infer_alloc_token(len, GFP_USER), KPART_THIS_IP)
#undef memdup_array_user
#define memdup_array_user(src, n, size)				\
	__kpart_wrap_memdup_array_user(src, n, size,			\
				       __builtin_infer_alloc_token((n) * (size), GFP_USER), \
				       KPART_THIS_IP)
#undef vmemdup_user
#define vmemdup_user(src, len)						\
	__kpart_wrap_vmemdup_user(src, len,				\
				  __builtin_infer_alloc_token(len, GFP_USER), KPART_THIS_IP)
#undef vmemdup_array_user
#define vmemdup_array_user(src, n, size)				\
	__kpart_wrap_vmemdup_array_user(src, n, size,			\
					__builtin_infer_alloc_token((n) * (size), GFP_USER), \
					KPART_THIS_IP)
#undef memdup_user_nul
#define memdup_user_nul(src, len)					\
	__kpart_wrap_memdup_user_nul(src, len,				\
				     __builtin_infer_alloc_token(len, GFP_KERNEL), \
				     KPART_THIS_IP)
#undef strndup_user
#define strndup_user(s, n)						\
	__kpart_wrap_strndup_user(s, n,					\
				  __builtin_infer_alloc_token(sizeof(char), GFP_USER), \
				  KPART_THIS_IP)

#endif /* <linux/uaccess.h> */

/* <linux/sprintf.h>: the formatted strings; they need the copies. */
#if defined(__KPART_WRAP_HAVE_LINUX_SPRINTF_H) && defined(__KPART_WRAP_STRING) && \
	!defined(__KPART_WRAP_SPRINTF)
#define __KPART_WRAP_SPRINTF

static inline noinline __printf(4, 0) char *
__kpart_wrap_kvasprintf(unsigned long token, unsigned long site, gfp_t flags,
			const char *fmt, va_list ap)
{
	unsigned int first, second;
	va_list aq;
	char *p;

	va_copy(aq, ap);
	first = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);

	p = kpart_alloc_routed(first + 1, flags, token, site);
	if (!p)
		return NULL;

	second = vsnprintf(p, first + 1, fmt, ap);
	WARN(first != second, "different return values (%u and %u) from vsnprintf(\"%s\", ...)",
	     first, second, fmt);
	return p;
}

static inline noinline __printf(4, 5) char *
__kpart_wrap_kasprintf(unsigned long token, unsigned long site, gfp_t flags,
		       const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = __kpart_wrap_kvasprintf(token, site, flags, fmt, ap);
	va_end(ap);
	return p;
}

/*
 * kvasprintf_const(): a format without a conversion, or "%s", is
 * kstrdup_const() of the string; the result is freed with kfree_const().
 */
static inline noinline __printf(4, 0) const char *
__kpart_wrap_kvasprintf_const(unsigned long token, unsigned long site,
			      gfp_t flags, const char *fmt, va_list ap)
{
	if (!strchr(fmt, '%'))
		return __kpart_wrap_kstrdup_const(fmt, flags, token, site);
	if (!strcmp(fmt, "%s"))
		return __kpart_wrap_kstrdup_const(va_arg(ap, const char *), flags,
						  token, site);
	return __kpart_wrap_kvasprintf(token, site, flags, fmt, ap);
}

#undef kasprintf
#define kasprintf(flags, ...)						\
	__kpart_wrap_kasprintf(__builtin_infer_alloc_token(sizeof(char), flags), \
			       KPART_THIS_IP, flags, __VA_ARGS__)
#undef kvasprintf
#define kvasprintf(flags, fmt, ap)					\
	__kpart_wrap_kvasprintf(__builtin_infer_alloc_token(sizeof(char), flags), \
				KPART_THIS_IP, flags, fmt, ap)
#undef kvasprintf_const
#define kvasprintf_const(flags, fmt, ap)				\
	__kpart_wrap_kvasprintf_const(__builtin_infer_alloc_token(sizeof(char), flags), \
				      KPART_THIS_IP, flags, fmt, ap)

#endif /* <linux/sprintf.h> */

/* <net/netlink.h>: the copies of netlink attributes. */
#if defined(__KPART_WRAP_HAVE_NET_NETLINK_H) && defined(__KPART_WRAP_STRING) && \
	!defined(__KPART_WRAP_NETLINK)
#define __KPART_WRAP_NETLINK

/* nla_strdup(): the attribute's string, with its NUL if it had none */
static __always_inline char *
__kpart_wrap_nla_strdup(const struct nlattr *nla, gfp_t flags,
			unsigned long token, unsigned long site)
{
	size_t len = nla_len(nla);
	const char *src = nla_data(nla);

	if (len > 0 && src[len - 1] == '\0')
		len--;
	return __kpart_wrap_memdup_nul(src, len, flags, token, site);
}

static __always_inline void *
__kpart_wrap_nla_memdup(const struct nlattr *src, gfp_t flags,
			unsigned long token, unsigned long site)
{
	size_t len = nla_len(src);
	void *p = kpart_alloc_routed(len, flags, token, site);

	if (p)
		memcpy(p, nla_data(src), len);
	return p;
}

#undef nla_strdup
#define nla_strdup(nla, flags)						\
	__kpart_wrap_nla_strdup(nla, flags,				\
				__builtin_infer_alloc_token(sizeof(char), flags), \
				KPART_THIS_IP)
#undef nla_memdup
#define nla_memdup(src, flags)						\
	__kpart_wrap_nla_memdup(src, flags,				\
				__builtin_infer_alloc_token(flags), KPART_THIS_IP)

#endif /* <net/netlink.h> */

#endif /* kpart.h */
