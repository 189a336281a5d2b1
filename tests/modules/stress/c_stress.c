// SPDX-License-Identifier: GPL-2.0
/*
 * kpart_stress, C half: threads= kthreads doing ops= random allocations and
 * frees each, over every size class and both matrices, through the C API and
 * the Rust API (kpart_stress.rs), handing objects to each other through a
 * shared pool so that many are freed on another CPU than the one that
 * allocated them. Failed allocations (fault injection) are counted, never
 * dereferenced. Loading the module runs the stress and reports; it stays
 * loaded holding nothing.
 */
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <kpart.h>

#include "stress.h"

static unsigned int threads = 4;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "Stress threads (1..16, default 4)");

static unsigned int ops = 250000;
module_param(ops, uint, 0444);
MODULE_PARM_DESC(ops, "Operations per thread (default 250000)");

static unsigned int leak;
module_param(leak, uint, 0444);
MODULE_PARM_DESC(leak, "Testing kpart's unload: allocate this many objects and never free them");

#define LOCAL_OBJS	64
#define POOL_OBJS	256
#define MAX_THREADS	16

/* Objects in flight between threads. */
static struct {
	spinlock_t lock;
	void *objs[POOL_OBJS];
	unsigned int n;
} pool = { .lock = __SPIN_LOCK_UNLOCKED(pool.lock) };

struct stress_thread {
	struct task_struct *task;
	struct completion done;
	unsigned int id;
	u32 rnd;
	unsigned long allocs, frees, failures, handoffs, foreign_frees;
	int alloc_cpu[LOCAL_OBJS];
	void *objs[LOCAL_OBJS];
};

static struct stress_thread stress_threads[MAX_THREADS];

static u32 next_rand(struct stress_thread *t)
{
	/* xorshift32: cheap, per thread, reproducible. */
	t->rnd ^= t->rnd << 13;
	t->rnd ^= t->rnd >> 17;
	t->rnd ^= t->rnd << 5;
	return t->rnd;
}

/* A size in 1..8192, every size class about equally often. */
static size_t random_size(struct stress_thread *t)
{
	static const unsigned int classes[] = KPART_SIZE_CLASSES;
	unsigned int c = next_rand(t) % ARRAY_SIZE(classes);
	unsigned int lo = c ? classes[c - 1] + 1 : 1;

	return lo + next_rand(t) % (classes[c] - lo + 1);
}

struct stress_small {
	int id;
	void *link;
};

static void *stress_alloc(struct stress_thread *t)
{
	u32 r = next_rand(t);
	gfp_t gfp = (r & 1) ? GFP_KERNEL_ACCOUNT : GFP_KERNEL;
	size_t size = random_size(t);

	switch ((r >> 1) % 4) {
	case 0:
		return kpart_kmalloc(size, gfp);
	case 1:
		return kpart_kmalloc_obj(struct stress_small, gfp);
	case 2:
		return kpart_kcalloc(size / 8 + 1, sizeof(u64), gfp);
	default:
		return kpart_stress_rust_alloc(size, r & 1);
	}
}

static void stress_free(struct stress_thread *t, void *p, int alloc_cpu)
{
	if (alloc_cpu != raw_smp_processor_id())
		t->foreign_frees++;
	kfree(p);
	t->frees++;
}

static int stress_fn(void *data)
{
	struct stress_thread *t = data;
	unsigned int i, slot;
	void *p;

	for (i = 0; i < ops; i++) {
		slot = next_rand(t) % LOCAL_OBJS;
		switch (next_rand(t) % 4) {
		case 0:
		case 1:
			/* Allocate into the slot, freeing what was there. */
			if (t->objs[slot])
				stress_free(t, t->objs[slot], t->alloc_cpu[slot]);
			p = stress_alloc(t);
			if (p) {
				/* Touch the whole first and last byte. */
				*(u8 *)p = 0xa5;
				t->allocs++;
			} else {
				t->failures++;
			}
			t->objs[slot] = p;
			t->alloc_cpu[slot] = raw_smp_processor_id();
			break;
		case 2:
			/* Hand the slot's object to the pool. */
			if (!t->objs[slot])
				break;
			spin_lock(&pool.lock);
			if (pool.n < POOL_OBJS) {
				pool.objs[pool.n++] = t->objs[slot];
				t->objs[slot] = NULL;
				t->handoffs++;
			}
			spin_unlock(&pool.lock);
			break;
		default:
			/* Free an object another thread handed over. */
			p = NULL;
			spin_lock(&pool.lock);
			if (pool.n)
				p = pool.objs[--pool.n];
			spin_unlock(&pool.lock);
			if (p)
				stress_free(t, p, -1);
			break;
		}
		if (!(i & 1023))
			cond_resched();
	}
	for (slot = 0; slot < LOCAL_OBJS; slot++)
		if (t->objs[slot])
			stress_free(t, t->objs[slot], t->alloc_cpu[slot]);
	complete(&t->done);
	return 0;
}

/*
 * Deliberately lose @leak objects, half through each API: the test of what
 * happens when a user of kpart leaks and kpart is then removed.
 */
static void stress_leak(void)
{
	unsigned int i;

	for (i = 0; i < leak; i++) {
		if (i & 1)
			kpart_kmalloc(64, GFP_KERNEL);
		else
			kpart_stress_rust_alloc(64, false);
	}
	pr_info("kpart_stress: leaked %u objects on purpose\n", leak);
}

int kpart_stress_run(void)
{
	unsigned long allocs = 0, frees = 0, failures = 0, handoffs = 0, foreign = 0;
	unsigned int i, started = 0;

	if (leak) {
		stress_leak();
		return 0;
	}
	if (!threads || threads > MAX_THREADS || !ops) {
		pr_err("kpart_stress: threads=%u ops=%u: threads must be 1..%d, ops > 0\n",
		       threads, ops, MAX_THREADS);
		return -EINVAL;
	}
	for (i = 0; i < threads; i++) {
		struct stress_thread *t = &stress_threads[i];

		memset(t, 0, sizeof(*t));
		t->id = i;
		t->rnd = get_random_u32() | 1;
		init_completion(&t->done);
		t->task = kthread_run(stress_fn, t, "kpart_stress/%u", i);
		if (IS_ERR(t->task))
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		wait_for_completion(&stress_threads[i].done);
	/* What was left in the pool. */
	while (pool.n) {
		kfree(pool.objs[--pool.n]);
		frees++;
	}
	for (i = 0; i < started; i++) {
		struct stress_thread *t = &stress_threads[i];

		allocs += t->allocs;
		frees += t->frees;
		failures += t->failures;
		handoffs += t->handoffs;
		foreign += t->foreign_frees;
	}
	pr_info("kpart_stress: threads=%u ops=%lu allocs=%lu frees=%lu failures=%lu handoffs=%lu cross_cpu_frees=%lu\n",
		started, (unsigned long)started * ops, allocs, frees, failures,
		handoffs, foreign);
	if (started != threads)
		return -ENOMEM;
	/* Every allocation that succeeded was freed exactly once. */
	return allocs == frees ? 0 : -EIO;
}
