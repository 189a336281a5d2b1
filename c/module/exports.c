// SPDX-License-Identifier: GPL-2.0
/*
 * The symbols kpart.ko exports to its users, the keys that choose their
 * in-line path, and the allocation counters. The functions are written in
 * Rust (rust/module/: alloc.rs, realloc.rs, locate.rs, state.rs and
 * pertype/, #[no_mangle] extern "C"), declared in kpart.h, and published
 * here with C's EXPORT_SYMBOL_GPL().
 */
#include <linux/build_bug.h>
#include <linux/cpumask.h>
#include <linux/export.h>
#include <linux/jump_label.h>
#include <linux/percpu.h>

#include <kpart.h>
#include "kpart_internal.h"

/*
 * Which in-line path users take (include/kpart.h): kpart's init sets the
 * keys before any user can link to kpart, so the kernel patches every user's
 * branches once, as it loads the user.
 */
DEFINE_STATIC_KEY_FALSE(kpart_route_by_site);
DEFINE_STATIC_KEY_FALSE(kpart_route_by_type);

void kpart_route_keys_set(bool by_site, bool by_type)
{
	if (by_site)
		static_branch_enable(&kpart_route_by_site);
	if (by_type)
		static_branch_enable(&kpart_route_by_type);
}

void kpart_route_keys_clear(void)
{
	static_branch_disable(&kpart_route_by_type);
	static_branch_disable(&kpart_route_by_site);
}

/*
 * The descriptor every call site starts with (KPART_SITE_INIT): no cache,
 * never written (it is const: read-only in kpart's image).
 */
const struct kpart_type kpart_type_unresolved;

/*
 * Allocations per row and to plain kmalloc, per CPU, with stats=1: counted
 * out of line by kpart (rust/module/stats.rs), summed for debugfs.
 */
static DEFINE_PER_CPU(unsigned long, kpart_allocs[KPART_ROWS + 1]);

void kpart_stats_alloc(unsigned int slot)
{
	if (slot < KPART_STAT_SLOTS)
		this_cpu_inc(kpart_allocs[slot]);
}

unsigned long kpart_stats_sum(unsigned int slot)
{
	unsigned long sum = 0;
	int cpu;

	if (slot >= KPART_STAT_SLOTS)
		return 0;
	for_each_possible_cpu(cpu)
		sum += per_cpu(kpart_allocs[slot], cpu);
	return sum;
}

/* kpart_route_by_site: random mode's in-line path, or pertype mode's. */
EXPORT_SYMBOL_GPL(kpart_route_by_site);
/* kpart_route_by_type: pertype mode's in-line path (and stats=1). */
EXPORT_SYMBOL_GPL(kpart_route_by_type);
/* kpart_type_unresolved: the descriptor call sites start with. */
EXPORT_SYMBOL_GPL(kpart_type_unresolved);
/* __kpart_kmalloc(): the out-of-line allocation path, for what the table cannot serve. */
EXPORT_SYMBOL_GPL(__kpart_kmalloc);
/* __kpart_krealloc(): resizing within the object's partition. */
EXPORT_SYMBOL_GPL(__kpart_krealloc);
/* kpart_get_info(): mode, partitions, accounted matrix. */
EXPORT_SYMBOL_GPL(kpart_get_info);
/* kpart_locate(): the partition of an object. */
EXPORT_SYMBOL_GPL(kpart_locate);
/* kpart_shape_zone(): shape mode's zone of a type, for tests. */
EXPORT_SYMBOL_GPL(kpart_shape_zone);
/* kpart_routes: the routing table the allocation path reads in line. */
EXPORT_SYMBOL_GPL(kpart_routes);
/* __kpart_kmalloc_slot(): pertype mode's allocation path, filling a call site. */
EXPORT_SYMBOL_GPL(__kpart_kmalloc_slot);
/* kpart_types_settle(): waiting for the caches atomic allocations asked for. */
EXPORT_SYMBOL_GPL(kpart_types_settle);
/* kpart_types_summary(): pertype mode's totals, as debugfs shows them, for tests. */
EXPORT_SYMBOL_GPL(kpart_types_summary);

/*
 * The in-line path's kpart_size_class() puts the lowest and the highest size
 * of every class of KPART_SIZE_CLASSES in that class, as Rust's lookup
 * (rust/abi/size_class.rs, which takes the list from kpart.h through
 * bindgen) is checked at compile time to do. Never called: the checks are
 * made at compile time.
 */
static const unsigned int kpart_classes[] = KPART_SIZE_CLASSES;

/* The highest and the lowest size of class i (i below the class count). */
#define KPART_CLASS_HIGHEST(i)	kpart_classes[(i) % ARRAY_SIZE(kpart_classes)]
#define KPART_CLASS_LOWEST(i)	((i) ? KPART_CLASS_HIGHEST((i) - 1) + 1 : 1)

#define KPART_CHECK_CLASS(i)						\
do {									\
	if ((i) < ARRAY_SIZE(kpart_classes)) {				\
		BUILD_BUG_ON(kpart_size_class(KPART_CLASS_LOWEST(i)) != (i)); \
		BUILD_BUG_ON(kpart_size_class(KPART_CLASS_HIGHEST(i)) != (i)); \
	}								\
} while (0)

static void __used kpart_check_size_classes(void)
{
	BUILD_BUG_ON(ARRAY_SIZE(kpart_allocs) != KPART_STAT_SLOTS);
	BUILD_BUG_ON(ARRAY_SIZE(kpart_classes) > KPART_CLASS_SLOTS);
	BUILD_BUG_ON(kpart_classes[ARRAY_SIZE(kpart_classes) - 1] != KPART_MAX_SIZE);
	KPART_CHECK_CLASS(0); KPART_CHECK_CLASS(1); KPART_CHECK_CLASS(2);
	KPART_CHECK_CLASS(3); KPART_CHECK_CLASS(4); KPART_CHECK_CLASS(5);
	KPART_CHECK_CLASS(6); KPART_CHECK_CLASS(7); KPART_CHECK_CLASS(8);
	KPART_CHECK_CLASS(9); KPART_CHECK_CLASS(10); KPART_CHECK_CLASS(11);
	KPART_CHECK_CLASS(12); KPART_CHECK_CLASS(13); KPART_CHECK_CLASS(14);
	KPART_CHECK_CLASS(15);
}
