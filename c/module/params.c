// SPDX-License-Identifier: GPL-2.0
/*
 * kpart's module parameters. The 6.12 Rust module! macro has no parameters,
 * so they are declared here and read once by the Rust module's init.
 */
#include <linux/moduleparam.h>
#include <linux/types.h>

#include "kpart_internal.h"

static char *mode = "typed";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "Partitioning: 'typed' (by type, Clang allocation token), 'random' (by call site), 'pertype' (caches of every type's own) or 'shape' (types grouped by layout signature)");

static unsigned int partitions = 16;
module_param(partitions, uint, 0444);
MODULE_PARM_DESC(partitions, "Number of partitions: a power of two from 1 to 64 (default 16)");

static bool accounted = true;
module_param(accounted, bool, 0444);
MODULE_PARM_DESC(accounted, "Partition __GFP_ACCOUNT allocations into a second matrix of SLAB_ACCOUNT caches (default on)");

/*
 * The default budget keeps 38 to 45 empty slabs per cache at 16 partitions
 * with the accounted matrix (typed and random mode): more than the 32 that
 * kpart_isolation's cross-cache experiment empties (rust/module/retention.rs).
 */
static char *retain = "512M";
module_param(retain, charp, 0444);
MODULE_PARM_DESC(retain, "Empty slabs kpart's caches keep instead of freeing their pages: a budget per node, <n>M or <n>G (default 512M), shared as one slab count per cache; 'all' (unbounded); 'off' (SLUB's own policy); or a count per cache and node");

/* Mode 0: readable by nobody, so the seed never reaches user space. */
static unsigned long long seed;
module_param(seed, ullong, 0);
MODULE_PARM_DESC(seed, "Random mode: fixed seed for reproducible tests (default: random per load)");

static unsigned int max_caches = 1024;
module_param(max_caches, uint, 0444);
MODULE_PARM_DESC(max_caches, "Pertype mode: most caches made for types, 0 to 65536 (default 1024); past it, types share their typed partition");

/*
 * Off by default, as SLUB's statistics are: counting in line would cost
 * every allocation an increment, so with stats=1 users call kpart for each
 * allocation instead, which counts it.
 */
static bool stats;
module_param(stats, bool, 0444);
MODULE_PARM_DESC(stats, "Count allocations per partition and type for debugfs (default off): every allocation then goes through kpart out of line");

static unsigned int shape_budget = 128;
module_param(shape_budget, uint, 0444);
MODULE_PARM_DESC(shape_budget, "Shape mode: caches for the signature groups and single types, 1 to 1024 (default 128); every size class gets at least 2");

static char *shape_table = "kpart-shape.bin";
module_param(shape_table, charp, 0444);
MODULE_PARM_DESC(shape_table, "Shape mode: the signature table, a file on the firmware search path (default kpart-shape.bin), made by scripts/kpart-shape for this kernel");

void kpart_params_get(struct kpart_params *params)
{
	params->mode = mode;
	params->partitions = partitions;
	params->accounted = accounted;
	params->retain = retain;
	params->seed = seed;
	params->max_caches = max_caches;
	params->stats = stats;
	params->shape_budget = shape_budget;
	params->shape_table = shape_table;
}
