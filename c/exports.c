// SPDX-License-Identifier: GPL-2.0
/*
 * The symbols kpart.ko exports to its users. The functions are written in
 * Rust (rust/allocator.rs); C's EXPORT_SYMBOL_GPL() publishes them.
 */
#include <linux/export.h>

#include <kpart.h>

EXPORT_SYMBOL_GPL(__kpart_kmalloc);
EXPORT_SYMBOL_GPL(__kpart_krealloc);
EXPORT_SYMBOL_GPL(kpart_get_info);
EXPORT_SYMBOL_GPL(kpart_locate);
