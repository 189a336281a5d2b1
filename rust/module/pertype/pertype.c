// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of pertype mode (type_caches.rs, mod.rs): the per-CPU counters
 * of types, whether an allocation may make a cache, the work that makes the
 * caches allocations in atomic context asked for, and the debugfs file
 * "types".
 *
 * Making a cache sleeps and allocates with GFP_KERNEL. An allocation that
 * cannot (atomic, GFP_NOFS or GFP_NOIO, or in reclaim) is served by its typed
 * partition and leaves a request here; a work item makes the cache in
 * process context, and the type's next allocation finds it. Requests beyond
 * KPART_PENDING wait for a later allocation of the type to ask again.
 */
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <kpart.h>
#include "kpart_internal.h"

#define KPART_PENDING	64

struct kpart_request {
	u64 key;
	unsigned int cell;
};

static DEFINE_SPINLOCK(kpart_pending_lock);
static struct kpart_request kpart_pending[KPART_PENDING];
static unsigned int kpart_pending_count;

unsigned long __percpu *kpart_counter_new(void)
{
	return alloc_percpu(unsigned long);
}

void kpart_counter_free(unsigned long __percpu *counter)
{
	free_percpu(counter);
}

unsigned long kpart_counter_sum(unsigned long __percpu *counter)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(counter, cpu);
	return sum;
}

void kpart_stats_type(const struct kpart_type *caches)
{
	this_cpu_inc(*caches->allocs);
}

/*
 * GFP_KERNEL promises a context that may sleep, as for kmalloc() itself;
 * GFP_NOFS and GFP_NOIO (also through the task's scope) and reclaim must not
 * recurse into the allocations kmem_cache_create() makes.
 */
bool kpart_types_may_create(gfp_t flags)
{
	gfp_t gfp = current_gfp_context(flags);

	return (gfp & GFP_KERNEL) == GFP_KERNEL && !irqs_disabled() &&
	       !(current->flags & PF_MEMALLOC);
}

static void kpart_types_work(struct work_struct *work)
{
	struct kpart_request req;
	unsigned long irqflags;

	for (;;) {
		spin_lock_irqsave(&kpart_pending_lock, irqflags);
		if (!kpart_pending_count) {
			spin_unlock_irqrestore(&kpart_pending_lock, irqflags);
			return;
		}
		req = kpart_pending[--kpart_pending_count];
		spin_unlock_irqrestore(&kpart_pending_lock, irqflags);
		kpart_types_make(req.key, req.cell);
	}
}

static DECLARE_WORK(kpart_types_worker, kpart_types_work);

void kpart_types_defer(u64 key, unsigned int cell)
{
	unsigned long irqflags;
	unsigned int i;

	spin_lock_irqsave(&kpart_pending_lock, irqflags);
	for (i = 0; i < kpart_pending_count; i++)
		if (kpart_pending[i].key == key && kpart_pending[i].cell == cell)
			break;
	if (i == kpart_pending_count && i < KPART_PENDING)
		kpart_pending[kpart_pending_count++] =
			(struct kpart_request){ .key = key, .cell = cell };
	spin_unlock_irqrestore(&kpart_pending_lock, irqflags);
	schedule_work(&kpart_types_worker);
}

void kpart_types_settle(void)
{
	flush_work(&kpart_types_worker);
}

void kpart_types_cancel(void)
{
	unsigned long irqflags;

	cancel_work_sync(&kpart_types_worker);
	spin_lock_irqsave(&kpart_pending_lock, irqflags);
	kpart_pending_count = 0;
	spin_unlock_irqrestore(&kpart_pending_lock, irqflags);
}

/* debugfs: the types with caches of their own, and the totals. */
static int types_show(struct seq_file *m, void *v)
{
	struct kpart_types_view total;
	struct kpart_type_view type;
	unsigned int i;

	kpart_types_summary(&total);
	seq_printf(m, "types\t%u\ncaches\t%u\nmax_caches\t%u\nover_cap\t%lu\nearly\t%lu\nfallback\t%lu\n",
		   total.types, total.caches, total.max_caches, total.over_cap,
		   total.early, total.fallback);
	seq_puts(m, "# token\tpointer\tcaches\tallocations\tname\n");
	for (i = 0; kpart_types_get(i, &type); i++)
		seq_printf(m, "%016llx\t%u\t%u\t%lu\t%s\n", type.token,
			   (unsigned int)(type.token >> 62) & 1, type.caches,
			   type.allocs, type.name ?: "-");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(types);

void kpart_types_debugfs(struct dentry *dir)
{
	debugfs_create_file("types", 0400, dir, NULL, &types_fops);
}
