// SPDX-License-Identifier: GPL-2.0
/*
 * kpart's live view in debugfs, readable by root only:
 *
 *   /sys/kernel/debug/kpart/state       mode, partitions, accounted matrix, caches,
 *                                       slab retention (retain= as given, and
 *                                       retain_slabs: the empty slabs each cache
 *                                       keeps per node, "all" or "off")
 *   /sys/kernel/debug/kpart/partitions  allocations served per matrix and partition
 *                                       (counted with stats=1 only)
 *   /sys/kernel/debug/kpart/types       pertype mode: the types with caches of their
 *                                       own, and the totals
 *                                       (rust/module/pertype/pertype.c)
 *   /sys/kernel/debug/kpart/shape       shape mode: the signature table's types and
 *                                       their zones in this load
 *                                       (c/module/shape_table.c)
 *
 * Counters are per CPU and summed when read. Objects are freed with the
 * kernel's kfree(), which kpart does not see: live objects per cache are in
 * /proc/slabinfo (scripts/kpart-report combines both). Neither file shows a
 * kernel address or the random seed.
 */
#include <linux/debugfs.h>
#include <linux/limits.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include <kpart.h>
#include "kpart_internal.h"

static struct kpart_state_view view;
static unsigned long retain_slabs;
static struct dentry *kpart_dir;

void kpart_debugfs_retain_slabs(unsigned long min_partial)
{
	retain_slabs = min_partial;
}

static int state_show(struct seq_file *m, void *v)
{
	seq_printf(m, "mode\t%s\npartitions\t%u\naccounted\t%u\ncaches\t%u\nretain\t%s\nstats\t%s\n",
		   view.mode, view.partitions, view.accounted, view.caches, view.retain,
		   view.stats ? "on" : "off");
	if (!retain_slabs)
		seq_puts(m, "retain_slabs\toff\n");
	else if (retain_slabs == ULONG_MAX)
		seq_puts(m, "retain_slabs\tall\n");
	else
		seq_printf(m, "retain_slabs\t%lu\n", retain_slabs);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

static int partitions_show(struct seq_file *m, void *v)
{
	unsigned int matrix, part;

	if (!view.stats) {
		seq_puts(m, "# allocations are counted when kpart is loaded with stats=1\n");
		return 0;
	}
	seq_puts(m, "# matrix\tpartition\tallocations\n");
	for (matrix = 0; matrix < (view.accounted ? 2 : 1); matrix++)
		for (part = 0; part < view.partitions; part++)
			seq_printf(m, "%s\t%u\t%lu\n", matrix ? "cg" : "plain", part,
				   kpart_stats_sum(matrix * KPART_TOKEN_MAX + part));
	seq_printf(m, "kmalloc\t-\t%lu\n", kpart_stats_sum(KPART_STAT_SLOTS - 1));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(partitions);

void kpart_debugfs_init(const struct kpart_state_view *state)
{
	view = *state;
	kpart_dir = debugfs_create_dir("kpart", NULL);
	debugfs_create_file("state", 0400, kpart_dir, NULL, &state_fops);
	debugfs_create_file("partitions", 0400, kpart_dir, NULL, &partitions_fops);
	kpart_types_debugfs(kpart_dir);
	if (!strcmp(view.mode, "shape"))
		kpart_shape_debugfs(kpart_dir);
}

void kpart_debugfs_exit(void)
{
	debugfs_remove_recursive(kpart_dir);
}
