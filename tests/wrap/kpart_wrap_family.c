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
 * Case kpart_h_api calls include/kpart.h's own names, as a module written
 * for kpart does, with the same checks. The module refuses to build without
 * make wrap.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

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
 * @ptr must be a kpart object of at least @want bytes, which the compiler
 * knows to be exactly @want bytes long.
 */
#define EXPECT_KPART(test, ptr, want)					\
do {									\
	struct kpart_location __loc;					\
	void *__p = (ptr);						\
									\
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, __p);			\
	KUNIT_EXPECT_EQ_MSG(test, kpart_locate(__p, &__loc), 0,	\
			    "%s: not in a kpart cache", #ptr);		\
	KUNIT_EXPECT_GE(test, (size_t)__loc.size, (size_t)(want));	\
	KUNIT_EXPECT_EQ_MSG(test, __builtin_dynamic_object_size(ptr, 0), \
			    (size_t)(want), "%s: object size", #ptr);	\
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)__p,		\
					   ARCH_KMALLOC_MINALIGN));	\
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
	{}
};

static struct kunit_suite kpart_wrap_family_suite = {
	.name = "kpart_wrap_family",
	.test_cases = kpart_wrap_family_cases,
};
kunit_test_suite(kpart_wrap_family_suite);

MODULE_DESCRIPTION("The kmalloc family through make wrap");
MODULE_LICENSE("GPL");
