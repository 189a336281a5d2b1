/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpart's one tool for the allocation token at each site: the token is the
 * value Clang itself gives __builtin_infer_alloc_token() at the call, read
 * back from the LLVM IR by scripts/efficacy/probe.py. Two ways in:
 *
 * - Force-included (clang -include) into a plain kernel source file, by
 *   kpart-efficacy: the kernel's own allocation headers come first, then
 *   every kmalloc-family call, kmem_cache and kmem_buckets allocation, and
 *   the common copying allocators (kmemdup, kstrdup, kasprintf, nla_memdup,
 *   nla_strdup, sock_kmalloc, memdup_user) also defines a static record in
 *   section .kpart_probe: the token Clang infers from the call's own
 *   arguments (~0: none), the size when constant, whether the GFP flags are
 *   constant and hold __GFP_ACCOUNT, the line, the file, the allocator's
 *   name and its argument text. The function name comes from the static's
 *   IR name.
 *
 * - Included by include/kpart_wrap.h right after kpart.h
 *   (-DKPART_WRAP_CATALOGUE="<this file>"), by kpart-sites compiling a
 *   wrapped module's file again to IR only: every allocation macro of
 *   kpart.h hands the caller's arguments to __builtin_infer_alloc_token(),
 *   which here becomes a call of a malloc-like marker with the same
 *   arguments, in the same place, whose result goes, with the builtin's own
 *   value, to __kpart_probe_token(). The value is Clang's token; Clang's
 *   alloc-token instrumentation (-fsanitize=alloc-token) attaches to the
 *   marker what it inferred there (!alloc_token: the type's name and
 *   whether it holds a pointer), as it does for the builtin: no cast comes
 *   between the marker and the expression the builtin was part of, since
 *   its result goes to a void pointer. A marker without that metadata is a
 *   site whose type Clang could not infer: the builtin's value is then no
 *   constant, and the site gets the fallback token. The line and function
 *   come from the call's debug location.
 */
#ifdef KPART_WRAP_CATALOGUE
#ifndef _KPART_PROBE_H
#define _KPART_PROBE_H

void *__kpart_probe_site(unsigned long size, ...) __malloc __alloc_size(1);
unsigned long __kpart_probe_token(void *site, unsigned long token);

/* The builtin inside its own macro's expansion is Clang's builtin. */
#define __builtin_infer_alloc_token(...)				\
	__kpart_probe_token(__kpart_probe_site(__VA_ARGS__),		\
			    __builtin_infer_alloc_token(__VA_ARGS__))

#endif /* _KPART_PROBE_H */
#else /* !KPART_WRAP_CATALOGUE */
#include <linux/slab.h>
#include <linux/string.h>
#ifdef KPART_PROBE_NETLINK
#include <net/netlink.h>
#endif
#ifdef KPART_PROBE_SOCK
#include <net/sock.h>
#endif

/* 1: the flags hold __GFP_ACCOUNT, 0: they do not, -1: not a constant. */
#define __kpart_acct(f) \
	__builtin_choose_expr(__builtin_constant_p(((f) & __GFP_ACCOUNT) != 0), \
			      (int)(((f) & __GFP_ACCOUNT) != 0), -1)

/*
 * The token Clang infers from the arguments; when it infers no type from a
 * non-constant size the builtin is no constant for the front end (the
 * back end then gives the fallback, 0): ~0 says so.
 */
#define __kpart_token(...) \
	__builtin_choose_expr(__builtin_constant_p(__builtin_infer_alloc_token(__VA_ARGS__)), \
			      __builtin_infer_alloc_token(__VA_ARGS__), ~0ULL)

/* The size when it is a constant, else 0. */
#define __kpart_size(s) \
	__builtin_choose_expr(__builtin_constant_p(s), (unsigned long long)(s), 0ULL)

#define __kpart_rec(kind, f, sz, targs, ...) ({			\
	static const struct {						\
		unsigned long long token;				\
		unsigned long long size;				\
		int acct;						\
		int line;						\
		char file[sizeof(__FILE__)];				\
		char name[sizeof(#kind)];				\
		char args[sizeof(#__VA_ARGS__)];			\
	} __kpart_rec __used __section(".kpart_probe") = { \
		__kpart_token targs, __kpart_size(sz), __kpart_acct(f),	\
		__LINE__, __FILE__, #kind, #__VA_ARGS__ };		\
	(void)__kpart_rec;						\
})

#undef kmalloc
#define kmalloc(s, f) ({ __kpart_rec(kmalloc, f, s, (s, f), s, f); \
	alloc_hooks(kmalloc_noprof(s, f)); })
#undef kzalloc
#define kzalloc(s, f) ({ __kpart_rec(kzalloc, f, s, (s, f), s, f); \
	alloc_hooks(kzalloc_noprof(s, f)); })
#undef kmalloc_node
#define kmalloc_node(s, f, n) ({ __kpart_rec(kmalloc_node, f, s, (s, f), s, f, n); \
	alloc_hooks(kmalloc_node_noprof(s, f, n)); })
#undef kmalloc_array
#define kmalloc_array(n, s, f) ({ __kpart_rec(kmalloc_array, f, (n) * (s), (n, s, f), n, s, f); \
	alloc_hooks(kmalloc_array_noprof(n, s, f)); })
#undef kmalloc_array_node
#define kmalloc_array_node(n, s, f, nd) ({ \
	__kpart_rec(kmalloc_array_node, f, (n) * (s), (n, s, f), n, s, f, nd); \
	alloc_hooks(kmalloc_array_node_noprof(n, s, f, nd)); })
#undef krealloc
#define krealloc(p, s, f) ({ __kpart_rec(krealloc, f, s, (s, f), p, s, f); \
	alloc_hooks(krealloc_noprof(p, s, f)); })
#undef kmalloc_node_track_caller
#define kmalloc_node_track_caller(s, f, n) ({ \
	__kpart_rec(kmalloc_node_track_caller, f, s, (s, f), s, f, n); \
	alloc_hooks(kmalloc_node_track_caller_noprof(s, f, n, _RET_IP_)); })
#undef kvmalloc_node
#define kvmalloc_node(s, f, n) ({ __kpart_rec(kvmalloc_node, f, s, (s, f), s, f, n); \
	alloc_hooks(kvmalloc_node_noprof(s, f, n)); })
#undef kvmalloc_array
#define kvmalloc_array(n, s, f) ({ __kpart_rec(kvmalloc_array, f, (n) * (s), (n, s, f), n, s, f); \
	alloc_hooks(kvmalloc_array_noprof(n, s, f)); })
#undef kvcalloc
#define kvcalloc(n, s, f) ({ __kpart_rec(kvcalloc, f, (n) * (s), (n, s, f), n, s, f); \
	alloc_hooks(kvcalloc_noprof(n, s, f)); })
#undef kmemdup
#define kmemdup(p, s, f) ({ __kpart_rec(kmemdup, f, s, (s, f), p, s, f); \
	alloc_hooks(kmemdup_noprof(p, s, f)); })
#ifndef KPART_PROBE_NO_KSTRDUP
#define kstrdup(p, f) ({ __kpart_rec(kstrdup, f, 0, (f), p, f); (kstrdup)(p, f); })
#endif
#ifndef KPART_PROBE_NO_KSTRNDUP
#define kstrndup(p, s, f) ({ __kpart_rec(kstrndup, f, s, (s, f), p, s, f); \
	(kstrndup)(p, s, f); })
#endif
#ifndef KPART_PROBE_NO_KMEMDUP_NUL
#define kmemdup_nul(p, s, f) ({ __kpart_rec(kmemdup_nul, f, s, (s, f), p, s, f); \
	(kmemdup_nul)(p, s, f); })
#endif
#ifndef KPART_PROBE_NO_KVMEMDUP
#define kvmemdup(p, s, f) ({ __kpart_rec(kvmemdup, f, s, (s, f), p, s, f); \
	(kvmemdup)(p, s, f); })
#endif
#ifndef KPART_PROBE_NO_MEMDUP_USER
#define memdup_user(p, s) ({ __kpart_rec(memdup_user, GFP_USER, s, (s, GFP_USER), p, s); \
	(memdup_user)(p, s); })
#endif
#ifndef KPART_PROBE_NO_VMEMDUP_USER
#define vmemdup_user(p, s) ({ __kpart_rec(vmemdup_user, GFP_USER, s, (s, GFP_USER), p, s); \
	(vmemdup_user)(p, s); })
#endif
#ifndef KPART_PROBE_NO_MEMDUP_USER_NUL
#define memdup_user_nul(p, s) ({ \
	__kpart_rec(memdup_user_nul, GFP_USER, s, (s, GFP_USER), p, s); \
	(memdup_user_nul)(p, s); })
#endif
#undef kmem_cache_alloc
#define kmem_cache_alloc(c, f) ({ __kpart_rec(kmem_cache_alloc, f, 0, (0), c, f); \
	alloc_hooks(kmem_cache_alloc_noprof(c, f)); })
#undef kmem_cache_alloc_node
#define kmem_cache_alloc_node(c, f, n) ({ \
	__kpart_rec(kmem_cache_alloc_node, f, 0, (0), c, f, n); \
	alloc_hooks(kmem_cache_alloc_node_noprof(c, f, n)); })
#undef kmem_cache_alloc_lru
#define kmem_cache_alloc_lru(c, l, f) ({ \
	__kpart_rec(kmem_cache_alloc_lru, f, 0, (0), c, l, f); \
	alloc_hooks(kmem_cache_alloc_lru_noprof(c, l, f)); })
#undef kmem_buckets_alloc
#define kmem_buckets_alloc(b, s, f) ({ __kpart_rec(kmem_buckets_alloc, f, s, (s, f), b, s, f); \
	alloc_hooks(__kmalloc_node_noprof(PASS_BUCKET_PARAMS(s, b), f, NUMA_NO_NODE)); })
#undef kmem_buckets_valloc
#define kmem_buckets_valloc(b, s, f) ({ __kpart_rec(kmem_buckets_valloc, f, s, (s, f), b, s, f); \
	alloc_hooks(__kvmalloc_node_noprof(PASS_BUCKET_PARAMS(s, b), f, NUMA_NO_NODE)); })
#ifdef KPART_PROBE_NETLINK
#undef nla_memdup
#define nla_memdup(a, f) ({ __kpart_rec(nla_memdup, f, 0, (f), a, f); \
	alloc_hooks(nla_memdup_noprof(a, f)); })
#endif
#ifndef KPART_PROBE_NO_KASPRINTF
#define kasprintf(f, ...) ({ __kpart_rec(kasprintf, f, 0, (f), f); \
	(kasprintf)(f, __VA_ARGS__); })
#endif
#if defined(KPART_PROBE_NETLINK) && !defined(KPART_PROBE_NO_NLA_STRDUP)
#define nla_strdup(a, f) ({ __kpart_rec(nla_strdup, f, 0, (f), a, f); (nla_strdup)(a, f); })
#endif
#if defined(KPART_PROBE_SOCK) && !defined(KPART_PROBE_NO_SOCK_KMALLOC)
#define sock_kmalloc(sk, s, f) ({ __kpart_rec(sock_kmalloc, f, s, (s, f), sk, s, f); \
	(sock_kmalloc)(sk, s, f); })
#endif
#endif /* KPART_WRAP_CATALOGUE */
