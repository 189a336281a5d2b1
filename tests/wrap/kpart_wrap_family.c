// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kpart_wrap_family: every member of the kmalloc family, called
 * as any module calls it, in a module built by make wrap. Each object must
 * be in one of kpart's caches (kpart_locate()), carry the size the caller
 * asked for to the compiler and FORTIFY_SOURCE
 * (__builtin_dynamic_object_size), keep kmalloc's alignment, and free with
 * the kernel's own functions. Larger kv* allocations must still work and
 * free with kvfree().
 *
 * Cases helpers and user_copies call the kernel's allocating helpers that
 * make wrap routes too (kstrdup_const, kasprintf, nla_strdup, memdup_user...):
 * the same checks, the kernel's error returns, and the size the compiler
 * sees where the kernel's function gives one. Case own_caches checks that
 * the module's own slab caches are never merged. Case kpart_h_api calls
 * include/kpart.h's own names, as a module written for kpart does, with
 * the same checks. The module refuses to build without make wrap.
 */
#include <kunit/test.h>
#include <linux/hex.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <net/netlink.h>

#ifndef _KPART_WRAP_H
#error "build this module with make wrap (scripts/kpart-wrap)"
#endif

struct wrap_node {
	struct wrap_node *next;
	unsigned long key;
	char name[40];
};

struct wrap_rcu {
	struct rcu_head rcu;
	unsigned long payload[6];
};

/* A size the compiler cannot know: from the test, at run time. */
static noinline size_t opaque(size_t n)
{
	return READ_ONCE(n);
}

/*
 * @ptr must be a kpart object of at least @want bytes, with kmalloc's
 * alignment.
 */
#define EXPECT_IN_KPART(test, ptr, want)				\
do {									\
	struct kpart_location __loc;					\
	const void *__p = (ptr);					\
									\
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __p);			\
	KUNIT_EXPECT_EQ_MSG(test, kpart_locate(__p, &__loc), 0,	\
			    "%s: not in a kpart cache", #ptr);		\
	KUNIT_EXPECT_GE(test, (size_t)__loc.size, (size_t)(want));	\
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)__p,		\
					   ARCH_KMALLOC_MINALIGN));	\
} while (0)

/* EXPECT_IN_KPART(), and the compiler knows @ptr to be @want bytes long. */
#define EXPECT_KPART(test, ptr, want)					\
do {									\
	EXPECT_IN_KPART(test, ptr, want);				\
	KUNIT_EXPECT_EQ_MSG(test, __builtin_dynamic_object_size(ptr, 0), \
			    (size_t)(want), "%s: object size", #ptr);	\
} while (0)

static void kmalloc_family(struct kunit *test)
{
	size_t n = opaque(100), count = opaque(7);
	struct wrap_node *node;
	void *p;

	p = kmalloc(n, GFP_KERNEL);
	EXPECT_KPART(test, p, n);
	kfree(p);

	p = kzalloc(n, GFP_KERNEL);
	EXPECT_KPART(test, p, n);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(p, n));
	kfree(p);

	node = kmalloc(sizeof(*node), GFP_KERNEL);
	EXPECT_KPART(test, node, sizeof(*node));
	kfree(node);

	node = kmalloc_array(count, sizeof(*node), GFP_KERNEL);
	EXPECT_KPART(test, node, count * sizeof(*node));
	kfree(node);

	node = kcalloc(count, sizeof(*node), GFP_KERNEL);
	EXPECT_KPART(test, node, count * sizeof(*node));
	KUNIT_EXPECT_TRUE(test, mem_is_zero(node, count * sizeof(*node)));
	kfree(node);

	p = kmalloc_track_caller(n, GFP_KERNEL);
	EXPECT_KPART(test, p, n);
	kfree(p);

	KUNIT_EXPECT_NULL(test, kmalloc_array(SIZE_MAX / 2, 4, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, kcalloc(SIZE_MAX / 2, 4, GFP_KERNEL));
}

static void node_variants(struct kunit *test)
{
	size_t n = opaque(200), count = opaque(3);
	int nid = numa_node_id();
	void *p;

	p = kmalloc_node(n, GFP_KERNEL, nid);
	EXPECT_KPART(test, p, n);
	kfree(p);

	p = kzalloc_node(n, GFP_KERNEL, NUMA_NO_NODE);
	EXPECT_KPART(test, p, n);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(p, n));
	kfree(p);

	p = kmalloc_array_node(count, n, GFP_KERNEL, nid);
	EXPECT_KPART(test, p, count * n);
	kfree(p);

	p = kcalloc_node(count, n, GFP_KERNEL, nid);
	EXPECT_KPART(test, p, count * n);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(p, count * n));
	kfree(p);

	p = kmalloc_node_track_caller(n, GFP_KERNEL, nid);
	EXPECT_KPART(test, p, n);
	kfree(p);
}

static void resizing(struct kunit *test)
{
	size_t n = opaque(24), m = opaque(1000), count = opaque(50);
	struct kpart_location before, after;
	char *p, *q;

	p = kmalloc(n, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x5a, n);
	KUNIT_ASSERT_EQ(test, kpart_locate(p, &before), 0);
	q = krealloc(p, m, GFP_KERNEL);
	EXPECT_KPART(test, q, m);
	KUNIT_ASSERT_EQ(test, kpart_locate(q, &after), 0);
	KUNIT_EXPECT_EQ(test, after.partition, before.partition);
	KUNIT_EXPECT_EQ(test, q[n - 1], 0x5a);

	p = krealloc_array(q, count, n, GFP_KERNEL);
	EXPECT_KPART(test, p, count * n);
	KUNIT_EXPECT_EQ(test, p[n - 1], 0x5a);
	KUNIT_EXPECT_NULL(test, krealloc_array(p, SIZE_MAX / 2, 4, GFP_KERNEL));
	kfree(p);
}

static void copies(struct kunit *test)
{
	static const char text[] = "a string to duplicate";
	struct wrap_node src = { .key = 42, .name = "node" };
	size_t len = opaque(6);
	struct wrap_node *node;
	char *s;

	node = kmemdup(&src, sizeof(src), GFP_KERNEL);
	EXPECT_KPART(test, node, sizeof(src));
	KUNIT_EXPECT_EQ(test, node->key, 42);
	kfree(node);

	s = kmemdup_nul(text, len, GFP_KERNEL);
	EXPECT_KPART(test, s, len + 1);
	KUNIT_EXPECT_STREQ(test, s, "a stri");
	kfree(s);

	s = kstrdup(text, GFP_KERNEL);
	EXPECT_KPART(test, s, sizeof(text));
	KUNIT_EXPECT_STREQ(test, s, text);
	kfree(s);

	s = kstrndup(text, len, GFP_KERNEL);
	EXPECT_KPART(test, s, len + 1);
	KUNIT_EXPECT_STREQ(test, s, "a stri");
	kfree(s);

	KUNIT_EXPECT_NULL(test, kstrdup(NULL, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, kstrndup(NULL, 4, GFP_KERNEL));
}

static void kvmalloc_family(struct kunit *test)
{
	size_t small = opaque(3000), large = opaque(64 << 10), count = opaque(20);
	struct kpart_location loc;
	void *p;

	p = kvmalloc(small, GFP_KERNEL);
	EXPECT_KPART(test, p, small);
	kvfree(p);

	p = kvzalloc(small, GFP_KERNEL);
	EXPECT_KPART(test, p, small);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(p, small));
	kvfree(p);

	p = kvmalloc_array(count, 100, GFP_KERNEL);
	EXPECT_KPART(test, p, count * 100);
	kvfree(p);

	p = kvcalloc(count, 100, GFP_KERNEL);
	EXPECT_KPART(test, p, count * 100);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(p, count * 100));
	p = kvrealloc(p, small + 1000, GFP_KERNEL);
	EXPECT_KPART(test, p, small + 1000);
	kvfree(p);

	/* Above 8 KiB: the kernel's kvmalloc, as before. */
	p = kvmalloc(large, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, kpart_locate(p, &loc), -ENOENT);
	memset(p, 1, large);
	p = kvrealloc(p, 2 * large, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, ((char *)p)[large - 1], 1);
	kvfree(p);
}

static void frees(struct kunit *test)
{
	struct wrap_rcu *r;
	void *p;

	p = kmalloc(opaque(64), GFP_KERNEL);
	EXPECT_KPART(test, p, 64);
	memset(p, 0x77, 64);
	kfree_sensitive(p);

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	EXPECT_KPART(test, r, sizeof(*r));
	kfree_rcu(r, rcu);

	r = kvzalloc(sizeof(*r), GFP_KERNEL);
	EXPECT_KPART(test, r, sizeof(*r));
	kvfree_rcu(r, rcu);
	rcu_barrier();
}

static __printf(1, 2) char *wrap_vasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = kvasprintf(GFP_KERNEL, fmt, ap);
	va_end(ap);
	return s;
}

static __printf(1, 2) const char *wrap_vasprintf_const(const char *fmt, ...)
{
	const char *s;
	va_list ap;

	va_start(ap, fmt);
	s = kvasprintf_const(GFP_KERNEL, fmt, ap);
	va_end(ap);
	return s;
}

/* The kernel's allocating helpers: in kpart, freed as the kernel frees them. */
static void helpers(struct kunit *test)
{
	static const char text[] = "kpart";
	const char *rodata = hex_asc;	/* in the kernel's .rodata */
	struct wrap_node src[3] = { { .key = 1 }, { .key = 2 }, { .key = 3 } };
	char buf[NLA_HDRLEN + 8] __aligned(NLA_ALIGNTO) = {};
	struct nlattr *nla = (struct nlattr *)buf;
	size_t n = opaque(5), count = opaque(3);
	const char *c;
	struct wrap_node *node;
	char *s;
	void *p;

	/* kstrdup_const(): the kernel's .rodata is not copied, the rest is. */
	c = kstrdup_const(text, GFP_KERNEL);
	EXPECT_IN_KPART(test, c, sizeof(text));
	KUNIT_EXPECT_STREQ(test, c, text);
	kfree_const(c);
	c = kstrdup_const(rodata, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, c, rodata);
	kfree_const(c);
	c = kstrdup_const(init_utsname()->sysname, GFP_KERNEL);
	EXPECT_IN_KPART(test, c, strlen(init_utsname()->sysname) + 1);
	KUNIT_EXPECT_STREQ(test, c, init_utsname()->sysname);
	kfree_const(c);
	KUNIT_EXPECT_NULL(test, kstrdup_const(NULL, GFP_KERNEL));

	s = kasprintf(GFP_KERNEL, "%s-%zu", text, n);
	EXPECT_IN_KPART(test, s, sizeof("kpart-5"));
	KUNIT_EXPECT_STREQ(test, s, "kpart-5");
	kfree(s);
	s = wrap_vasprintf("%d%s", 42, text);
	EXPECT_IN_KPART(test, s, sizeof("42kpart"));
	KUNIT_EXPECT_STREQ(test, s, "42kpart");
	kfree(s);
	c = wrap_vasprintf_const("%s", rodata);
	KUNIT_EXPECT_PTR_EQ(test, c, rodata);
	kfree_const(c);
	c = wrap_vasprintf_const("%s-%d", text, 1);
	EXPECT_IN_KPART(test, c, sizeof("kpart-1"));
	KUNIT_EXPECT_STREQ(test, c, "kpart-1");
	kfree_const(c);

	node = kmemdup_array(src, count, sizeof(*src), GFP_KERNEL);
	EXPECT_KPART(test, node, count * sizeof(*src));
	KUNIT_EXPECT_EQ(test, node[2].key, 3);
	kfree(node);

	p = kvmemdup(text, n, GFP_KERNEL);
	EXPECT_KPART(test, p, n);
	KUNIT_EXPECT_MEMEQ(test, p, text, n);
	kvfree(p);

	/* A netlink attribute holding "kpart" and its NUL. */
	nla->nla_len = nla_attr_size(sizeof(text));
	nla->nla_type = 1;
	memcpy(nla_data(nla), text, sizeof(text));
	s = nla_strdup(nla, GFP_KERNEL_ACCOUNT);
	EXPECT_IN_KPART(test, s, sizeof(text));
	KUNIT_EXPECT_STREQ(test, s, text);
	kfree(s);
	p = nla_memdup(nla, GFP_KERNEL_ACCOUNT);
	EXPECT_KPART(test, p, sizeof(text));
	KUNIT_EXPECT_MEMEQ(test, p, text, sizeof(text));
	kfree(p);
}

/* The copies from user space, from a mapping of the test's own. */
static void user_copies(struct kunit *test)
{
	static const char text[] = "kpart";
	size_t n = opaque(sizeof(text));
	unsigned long addr;
	char __user *u;
	char *s;
	void *p;

	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, addr, 0, "no user mapping");
	KUNIT_ASSERT_LT(test, addr, (unsigned long)TASK_SIZE);
	u = (char __user *)addr;
	KUNIT_ASSERT_EQ(test, copy_to_user(u, text, sizeof(text)), 0);

	p = memdup_user(u, n);
	EXPECT_KPART(test, p, n);
	KUNIT_EXPECT_MEMEQ(test, p, text, n);
	kfree(p);
	p = vmemdup_user(u, n);
	EXPECT_KPART(test, p, n);
	KUNIT_EXPECT_MEMEQ(test, p, text, n);
	kvfree(p);
	p = memdup_array_user(u, 2, n / 2);
	EXPECT_KPART(test, p, n / 2 * 2);
	kfree(p);
	p = vmemdup_array_user(u, n, 1);
	EXPECT_KPART(test, p, n);
	kvfree(p);
	s = memdup_user_nul(u, n - 2);
	EXPECT_IN_KPART(test, s, n - 1);
	KUNIT_EXPECT_STREQ(test, s, "kpar");
	kfree(s);
	s = strndup_user(u, 64);
	EXPECT_IN_KPART(test, s, sizeof(text));
	KUNIT_EXPECT_STREQ(test, s, text);
	kfree(s);

	/* The kernel's errors: a kernel address, an overflow, a long string. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(memdup_user((const void __user *)text, n)), -EFAULT);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vmemdup_user((const void __user *)text, n)), -EFAULT);
	KUNIT_EXPECT_EQ(test, PTR_ERR(memdup_user_nul((const void __user *)text, n)), -EFAULT);
	KUNIT_EXPECT_EQ(test, PTR_ERR(memdup_array_user(u, SIZE_MAX / 2, 4)), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vmemdup_array_user(u, SIZE_MAX / 2, 4)), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, PTR_ERR(strndup_user(u, 3)), -EINVAL);
}

/*
 * The module's own caches are never merged: two caches of one size and
 * flags, which the kernel would otherwise make one, stay two.
 */
static void own_caches(struct kunit *test)
{
	struct kmem_cache *a, *b;
	struct wrap_node *node;

	a = kmem_cache_create("kpart_wrap_a", sizeof(struct wrap_node), 0, 0, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	b = KMEM_CACHE(wrap_node, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	node = kmem_cache_zalloc(b, GFP_KERNEL);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, node);
	kmem_cache_free(b, node);
	kmem_cache_destroy(b);
	kmem_cache_destroy(a);
}

/* include/kpart.h's own names, which a module written for kpart calls. */
static void kpart_h_api(struct kunit *test)
{
	size_t n = opaque(300), count = opaque(9);
	struct wrap_node *node;
	char *p;

	p = kpart_kmalloc(n, GFP_KERNEL);
	EXPECT_KPART(test, p, n);
	p = kpart_krealloc(p, n + 700, GFP_KERNEL);
	EXPECT_KPART(test, p, n + 700);
	kfree(p);

	node = kpart_kzalloc_obj(struct wrap_node, GFP_KERNEL);
	EXPECT_KPART(test, node, sizeof(*node));
	kfree(node);

	node = kpart_kcalloc(count, sizeof(*node), GFP_KERNEL);
	EXPECT_KPART(test, node, count * sizeof(*node));
	kfree(node);

	p = kpart_kstrdup("kpart", GFP_KERNEL);
	EXPECT_KPART(test, p, 6);
	kfree(p);
}

static struct kunit_case kpart_wrap_family_cases[] = {
	KUNIT_CASE(kpart_h_api),
	KUNIT_CASE(kmalloc_family),
	KUNIT_CASE(node_variants),
	KUNIT_CASE(resizing),
	KUNIT_CASE(copies),
	KUNIT_CASE(kvmalloc_family),
	KUNIT_CASE(frees),
	KUNIT_CASE(helpers),
	KUNIT_CASE(user_copies),
	KUNIT_CASE(own_caches),
	{}
};

static struct kunit_suite kpart_wrap_family_suite = {
	.name = "kpart_wrap_family",
	.test_cases = kpart_wrap_family_cases,
};
kunit_test_suite(kpart_wrap_family_suite);

MODULE_DESCRIPTION("The kmalloc family through make wrap");
MODULE_LICENSE("GPL");
