// SPDX-License-Identifier: GPL-2.0
/*
 * kpart's C interface as Clang compiles it: the constants, the size classes
 * and the layouts of include/kpart.h and c/kpart_internal.h.
 * scripts/gen-contract.sh compiles this file to assembly with the kernel's
 * flags and turns each marker into a line of rust/contract.rs, against which
 * the Rust side asserts its own definitions at compile time. Not part of any
 * module.
 */
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <kpart.h>

#include "kpart_internal.h"

#define KPART_CONST(name, value)					\
({									\
	asm volatile("\n.ascii \"->KPART_CONST " #name " %0\""		\
		     : : "i" ((unsigned long)(value)));			\
})

#define KPART_LAYOUT(type)						\
	KPART_CONST(sizeof_ ## type, sizeof(struct kpart_ ## type))

#define KPART_FIELD(type, field)					\
	KPART_CONST(offsetof_ ## type ## _ ## field,			\
		    offsetof(struct kpart_ ## type, field))

static const unsigned int kpart_classes[] = KPART_SIZE_CLASSES;
#define KPART_CLASSES	ARRAY_SIZE(kpart_classes)

/*
 * Class i of KPART_SIZE_CLASSES (none past the last): its bytes, and
 * kpart_size_class() at its lowest and its highest size.
 */
#define KPART_CLASS(i)							\
({									\
	KPART_CONST(CLASS_BYTES_ ## i,					\
		    (i) < KPART_CLASSES ? kpart_classes[(i) % KPART_CLASSES] : 0); \
	KPART_CONST(CLASS_OF_LOWEST_ ## i,				\
		    (i) < KPART_CLASSES ?					\
		    kpart_size_class((i) ? kpart_classes[((i) - 1) % KPART_CLASSES] + 1 : 1) : 0); \
	KPART_CONST(CLASS_OF_HIGHEST_ ## i,				\
		    (i) < KPART_CLASSES ?					\
		    kpart_size_class(kpart_classes[(i) % KPART_CLASSES]) : 0); \
})

static void __used kpart_contract(void)
{
	KPART_CONST(TOKEN_MAX, KPART_TOKEN_MAX);
	KPART_CONST(MAX_PARTITIONS, KPART_MAX_PARTITIONS);
	KPART_CONST(ROWS, KPART_ROWS);
	KPART_CONST(CLASS_SLOTS, KPART_CLASS_SLOTS);
	KPART_CONST(MAX_SIZE, KPART_MAX_SIZE);
	KPART_CONST(STAT_SLOTS, KPART_STAT_SLOTS);
	KPART_CONST(ZERO_SIZE_PTR, ZERO_SIZE_PTR);
	KPART_CONST(MODE_RANDOM, KPART_MODE_RANDOM);
	KPART_CONST(MODE_TYPED, KPART_MODE_TYPED);
	KPART_CONST(MODE_PERTYPE, KPART_MODE_PERTYPE);
	KPART_CONST(CLASSES, KPART_CLASSES);
	KPART_CLASS(0); KPART_CLASS(1); KPART_CLASS(2); KPART_CLASS(3);
	KPART_CLASS(4); KPART_CLASS(5); KPART_CLASS(6); KPART_CLASS(7);
	KPART_CLASS(8); KPART_CLASS(9); KPART_CLASS(10); KPART_CLASS(11);
	KPART_CLASS(12); KPART_CLASS(13); KPART_CLASS(14); KPART_CLASS(15);
	BUILD_BUG_ON(KPART_CLASSES > KPART_CLASS_SLOTS);

	KPART_LAYOUT(routes);
	KPART_FIELD(routes, caches);
	KPART_FIELD(routes, typed);
	KPART_FIELD(routes, seed);
	KPART_FIELD(routes, multiplier);
	KPART_FIELD(routes, shift);
	KPART_FIELD(routes, mode);
	KPART_LAYOUT(info);
	KPART_FIELD(info, mode);
	KPART_FIELD(info, partitions);
	KPART_FIELD(info, accounted);
	KPART_LAYOUT(location);
	KPART_FIELD(location, partition);
	KPART_FIELD(location, size);
	KPART_FIELD(location, accounted);
	KPART_FIELD(location, token);
	KPART_LAYOUT(type);
	KPART_FIELD(type, caches);
	KPART_FIELD(type, allocs);
	KPART_FIELD(type, token);
	KPART_LAYOUT(params);
	KPART_FIELD(params, mode);
	KPART_FIELD(params, partitions);
	KPART_FIELD(params, accounted);
	KPART_FIELD(params, retain);
	KPART_FIELD(params, seed);
	KPART_FIELD(params, max_caches);
	KPART_LAYOUT(state_view);
	KPART_FIELD(state_view, mode);
	KPART_FIELD(state_view, partitions);
	KPART_FIELD(state_view, accounted);
	KPART_FIELD(state_view, caches);
	KPART_FIELD(state_view, retain);
	KPART_LAYOUT(types_view);
	KPART_FIELD(types_view, types);
	KPART_FIELD(types_view, caches);
	KPART_FIELD(types_view, max_caches);
	KPART_FIELD(types_view, over_cap);
	KPART_FIELD(types_view, early);
	KPART_FIELD(types_view, fallback);
	KPART_LAYOUT(type_view);
	KPART_FIELD(type_view, token);
	KPART_FIELD(type_view, name);
	KPART_FIELD(type_view, caches);
	KPART_FIELD(type_view, allocs);
}
