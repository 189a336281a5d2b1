// SPDX-License-Identifier: GPL-2.0
/*
 * The symbols kpart.ko exports to its users. The functions are written in
 * Rust (rust/allocator.rs, #[no_mangle] extern "C"), declared in kpart.h, and
 * published here with C's EXPORT_SYMBOL_GPL().
 */
#include <linux/export.h>

#include <kpart.h>
#include "kpart_internal.h"

/* __kpart_kmalloc(): the allocation fast path. */
EXPORT_SYMBOL_GPL(__kpart_kmalloc);
/* __kpart_krealloc(): resizing within the object's partition. */
EXPORT_SYMBOL_GPL(__kpart_krealloc);
/* kpart_get_info(): mode, partitions, accounted matrix. */
EXPORT_SYMBOL_GPL(kpart_get_info);
/* kpart_locate(): the partition of an object. */
EXPORT_SYMBOL_GPL(kpart_locate);
/* kpart_routes: the routing table the allocation path reads in line. */
EXPORT_SYMBOL_GPL(kpart_routes);
/* kpart_stats_alloc(): counting an allocation, where it is not done in line. */
EXPORT_SYMBOL_GPL(kpart_stats_alloc);
/* __kpart_kmalloc_slot(): pertype mode's allocation path, filling a call site. */
EXPORT_SYMBOL_GPL(__kpart_kmalloc_slot);
/* kpart_stats_type(): counting a pertype allocation, where it is not done in line. */
EXPORT_SYMBOL_GPL(kpart_stats_type);
/* kpart_types_settle(): waiting for the caches atomic allocations asked for. */
EXPORT_SYMBOL_GPL(kpart_types_settle);
/* kpart_types_summary(): pertype mode's totals, as debugfs shows them, for tests. */
EXPORT_SYMBOL_GPL(kpart_types_summary);
