// SPDX-License-Identifier: GPL-2.0
/*
 * kpart_bench, C half. Loading kpart_bench.ko (kpart must be loaded) either
 *
 *  - measures the cost of an allocation and its kfree() (the default). In
 *    every round, for every pattern and size, each contender runs in turn, in
 *    an order rotated from round to round:
 *
 *	kmalloc		plain kmalloc() ("kmalloc-rkc" when the kernel has
 *			CONFIG_RANDOM_KMALLOC_CACHES)
 *	kpart-MODE-c	kpart_kmalloc() from include/kpart.h
 *	kpart-MODE-rust	kpart::kmalloc() from rust/kpart_client.rs
 *			(kpart_bench.rs)
 *	kpart-MODE-rust-const
 *			kpart::alloc() of a data type of SIZE bytes
 *			(kpart_bench_bytes_SIZE), SIZE a compile-time
 *			constant, on kpart-MODE-c-const's terms
 *			(kpart_bench.rs)
 *	kmalloc-const	kmalloc() with a compile-time constant size, the
 *			kernel's own fast path (comparators.c)
 *	kpart-MODE-c-const
 *			kpart_kmalloc() with a compile-time constant size,
 *			on kmalloc-const's terms (comparators.c)
 *	dedicated	kmem_cache_alloc()/kmem_cache_free() on a cache of
 *			the size's own, the limit for any slab allocation
 *			(comparators.c)
 *
 *    MODE is the mode kpart was loaded with. The patterns: once (allocate,
 *    free, iters times), batch (allocate batch objects, then free them, until
 *    iters pairs) and smp (once, on two CPUs at the same time; the ticks from
 *    the first start to the last end, per pair of both CPUs: under QEMU's
 *    -icount the vCPUs take turns on one clock, so this is the instructions
 *    both executed, per pair). Each contender's loop is a noinline function
 *    that gets the size at run time, so kmalloc() is not specialised for a
 *    constant size (the -const contenders have a loop per size class,
 *    picked outside it), and calls its API as a user would: kmalloc() ->
 *    __kmalloc_noprof(); kpart_kmalloc(), kpart::kmalloc() and
 *    kpart::alloc() find the cache in line (kpart_routes) and call
 *    __kmalloc_cache_noprof(). The results, get_cycles() ticks per
 *    allocation+free pair (x100), one measurement a line, are in
 *    /sys/kernel/debug/kpart_bench/results;
 *
 *  - or, with memwork=N, allocates N objects of mixed sizes and types, a
 *    quarter of them __GFP_ACCOUNT, through kpart (memalloc=kpart) or plain
 *    kmalloc() (memalloc=kmalloc), the same sizes in the same order either
 *    way, and keeps them until the module is removed, so that /proc/meminfo
 *    and /proc/slabinfo can be compared. A summary is in
 *    /sys/kernel/debug/kpart_bench/memwork.
 *
 * Bad parameters make the load fail with -EINVAL and a log line.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timex.h>
#include <linux/vmalloc.h>
#include <kpart.h>

#include "bench.h"
#include "loops.h"

#define BENCH_MAX_SIZES		16
#define BENCH_MAX_ROUNDS	100
#define BENCH_MAX_ITERS		10000000
#define BENCH_MAX_BATCH		100000
#define BENCH_MAX_MEMWORK	10000000

/* rounds and iters: 0 is the default, 5 and 10000 (1 and 1000 with quick=1). */
static unsigned int rounds;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "Rounds of every measurement (1..100, default 5; 1 with quick=1)");

static unsigned int iters;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "Allocation+free pairs per measurement (1..10000000, default 10000; 1000 with quick=1)");

static unsigned int batch = 1000;
module_param(batch, uint, 0444);
MODULE_PARM_DESC(batch, "Objects held at once by the batch pattern (1..100000, default 1000)");

static unsigned int sizes[BENCH_MAX_SIZES];
static unsigned int nr_sizes;
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "Sizes in bytes, kmalloc size classes 8..8192 (default 8,16,32,64,96,128,192,256,512,1024,2048,4096)");

static bool quick;
module_param(quick, bool, 0444);
MODULE_PARM_DESC(quick, "Smoke run: by default 1 round, iters 1000, sizes 8,64,512,4096");

static unsigned int memwork;
module_param(memwork, uint, 0444);
MODULE_PARM_DESC(memwork, "Instead of timing, allocate this many mixed objects and keep them until unload (at most 10000000)");

static char *memalloc = "kpart";
module_param(memalloc, charp, 0444);
MODULE_PARM_DESC(memalloc, "Allocator of the memory workload: 'kpart' (default) or 'kmalloc'");

/* By default kpart's size classes up to a page (include/kpart.h). */
static const unsigned int default_sizes[] = KPART_SIZE_CLASSES;
#define BENCH_DEFAULT_MAX_SIZE	4096
static const unsigned int quick_sizes[] = { 8, 64, 512, 4096 };

static struct dentry *bench_dir;
static struct kpart_info kpart;

static const char *mode_name(u32 mode)
{
	switch (mode) {
	case KPART_MODE_TYPED:
		return "typed";
	case KPART_MODE_PERTYPE:
		return "pertype";
	case KPART_MODE_SHAPE:
		return "shape";
	default:
		return "random";
	}
}

/* The contenders' loops (loops.h). */
BENCH_LOOPS(kmalloc, kmalloc(size, GFP_KERNEL))
BENCH_LOOPS(kpart_c, kpart_kmalloc(size, GFP_KERNEL))

struct bench_contender {
	char name[32];
	int (*once)(size_t size, unsigned int n);
	int (*batch)(size_t size, void **objs, unsigned int n);
};

#define BENCH_CONTENDERS 7
static struct bench_contender contenders[BENCH_CONTENDERS] = {
	{ .once = bench_kmalloc_once, .batch = bench_kmalloc_batch },
	{ .once = bench_kpart_c_once, .batch = bench_kpart_c_batch },
	{ .once = kpart_bench_rust_once, .batch = kpart_bench_rust_batch },
	{ .once = kpart_bench_rust_const_once, .batch = kpart_bench_rust_const_batch },
	{ .name = "kmalloc-const", .once = bench_kmalloc_const_once,
	  .batch = bench_kmalloc_const_batch },
	{ .name = "dedicated", .once = bench_dedicated_once,
	  .batch = bench_dedicated_batch },
	{ .once = bench_kpart_const_once, .batch = bench_kpart_const_batch },
};

enum { BENCH_ONCE, BENCH_BATCH, BENCH_SMP, BENCH_PATTERNS };
static const char *const pattern_names[BENCH_PATTERNS] = { "once", "batch", "smp" };

struct bench_result {
	u32 size;
	u16 round;
	u8 pattern;
	u8 contender;
	u64 ticks_x100;		/* per allocation+free pair */
};

static struct bench_result *results;
static unsigned int nr_results;
static const unsigned int *run_sizes;
static unsigned int nr_run_sizes;
static void **batch_objs;
static unsigned int smp_cpu[2];
static bool smp_ok;

static unsigned int batch_reps(void)
{
	return max(iters / batch, 1U);
}

static int measure_once(const struct bench_contender *c, size_t size,
			u64 *ticks)
{
	cycles_t t0, t1;
	int err;

	t0 = get_cycles();
	err = c->once(size, iters);
	t1 = get_cycles();
	*ticks = t1 - t0;
	return err;
}

static int measure_batch(const struct bench_contender *c, size_t size,
			 u64 *ticks)
{
	unsigned int r, reps = batch_reps();
	cycles_t t0, t1;
	int err = 0;

	t0 = get_cycles();
	for (r = 0; r < reps && !err; r++)
		err = c->batch(size, batch_objs, batch);
	t1 = get_cycles();
	*ticks = t1 - t0;
	return err;
}

struct smp_worker {
	struct completion done;
	const struct bench_contender *c;
	size_t size;
	cycles_t start, end;
	int err;
};

static atomic_t smp_ready;

static int smp_fn(void *data)
{
	struct smp_worker *w = data;

	/* Start together: the two loops overlap. */
	atomic_inc(&smp_ready);
	while (atomic_read(&smp_ready) < 2) {
		cpu_relax();
		cond_resched();
	}
	w->start = get_cycles();
	w->err = w->c->once(w->size, iters);
	w->end = get_cycles();
	kthread_complete_and_exit(&w->done, 0);
}

static int measure_smp(const struct bench_contender *c, size_t size,
		       u64 *ticks)
{
	struct smp_worker w[2];
	struct task_struct *t[2];
	int i, err = 0;

	atomic_set(&smp_ready, 0);
	for (i = 0; i < 2; i++) {
		w[i] = (struct smp_worker){ .c = c, .size = size };
		init_completion(&w[i].done);
		t[i] = kthread_create_on_cpu(smp_fn, &w[i], smp_cpu[i],
					     "kpart_bench/%u");
		if (IS_ERR(t[i])) {
			err = PTR_ERR(t[i]);
			break;
		}
	}
	if (err) {
		/* Never woken: stop the one that was created. */
		if (i == 1)
			kthread_stop(t[0]);
		return err;
	}
	wake_up_process(t[0]);
	wake_up_process(t[1]);
	wait_for_completion(&w[0].done);
	wait_for_completion(&w[1].done);
	*ticks = max(w[0].end, w[1].end) - min(w[0].start, w[1].start);
	return w[0].err ?: w[1].err;
}

static int measure(unsigned int pattern, const struct bench_contender *c,
		   size_t size, u64 *ticks_x100)
{
	u64 ticks, ops;
	int err;

	switch (pattern) {
	case BENCH_ONCE:
		err = measure_once(c, size, &ticks);
		ops = iters;
		break;
	case BENCH_BATCH:
		err = measure_batch(c, size, &ticks);
		ops = (u64)batch_reps() * batch;
		break;
	default:
		err = measure_smp(c, size, &ticks);
		ops = 2 * (u64)iters;
		break;
	}
	*ticks_x100 = div64_u64(ticks * 100, ops);
	return err;
}

static int bench_run(void)
{
	unsigned int r, p, s, k, c;
	u64 ticks_x100;
	int err;

	/* Warm up: every cache has slabs and per-CPU state before timing. */
	for (s = 0; s < nr_run_sizes; s++) {
		for (c = 0; c < BENCH_CONTENDERS; c++) {
			err = contenders[c].batch(run_sizes[s], batch_objs, batch);
			err = err ?: contenders[c].once(run_sizes[s], iters);
			if (err)
				return err;
		}
		cond_resched();
	}

	for (r = 0; r < rounds; r++) {
		for (p = 0; p < BENCH_PATTERNS; p++) {
			if (p == BENCH_SMP && !smp_ok)
				continue;
			for (s = 0; s < nr_run_sizes; s++) {
				for (k = 0; k < BENCH_CONTENDERS; k++) {
					c = (k + r) % BENCH_CONTENDERS;
					err = measure(p, &contenders[c],
						      run_sizes[s], &ticks_x100);
					if (err)
						return err;
					results[nr_results++] = (struct bench_result){
						.size = run_sizes[s],
						.round = r,
						.pattern = p,
						.contender = c,
						.ticks_x100 = ticks_x100,
					};
				}
				cond_resched();
			}
		}
	}
	return 0;
}

static int results_show(struct seq_file *m, void *v)
{
	unsigned int i;

	seq_printf(m, "# kpart_bench mode=%s partitions=%u accounted=%u rounds=%u iters=%u batch=%u smp=%u\n",
		   mode_name(kpart.mode), kpart.partitions, kpart.accounted,
		   rounds, iters, batch, smp_ok);
	seq_puts(m, "# pattern\tsize\tcontender\tround\tcycles_per_op_x100\n");
	for (i = 0; i < nr_results; i++) {
		const struct bench_result *res = &results[i];

		seq_printf(m, "%s\t%u\t%s\t%u\t%llu\n",
			   pattern_names[res->pattern], res->size,
			   contenders[res->contender].name, res->round,
			   res->ticks_x100);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(results);

static void bench_free(void)
{
	bench_dedicated_destroy();
	kvfree(results);
	results = NULL;
	vfree(batch_objs);
	batch_objs = NULL;
}

static int bench_init(void)
{
	unsigned int cpu;
	int err;

	if (!rounds)
		rounds = quick ? 1 : 5;
	if (!iters)
		iters = quick ? 1000 : 10000;
	if (nr_sizes) {
		run_sizes = sizes;
		nr_run_sizes = nr_sizes;
	} else if (quick) {
		run_sizes = quick_sizes;
		nr_run_sizes = ARRAY_SIZE(quick_sizes);
	} else {
		run_sizes = default_sizes;
		nr_run_sizes = 0;
		while (nr_run_sizes < ARRAY_SIZE(default_sizes) &&
		       default_sizes[nr_run_sizes] <= BENCH_DEFAULT_MAX_SIZE)
			nr_run_sizes++;
	}
	if (!rounds || rounds > BENCH_MAX_ROUNDS || !iters ||
	    iters > BENCH_MAX_ITERS || !batch || batch > BENCH_MAX_BATCH) {
		pr_err("kpart_bench: rounds=%u iters=%u batch=%u: allowed are rounds 1..%d, iters 1..%d, batch 1..%d\n",
		       rounds, iters, batch, BENCH_MAX_ROUNDS, BENCH_MAX_ITERS,
		       BENCH_MAX_BATCH);
		return -EINVAL;
	}
	/* The sizes must be size classes: the comparators have a cache each. */
	err = bench_dedicated_create(run_sizes, nr_run_sizes);
	if (err)
		return err;

	/* Two online CPUs for the smp pattern. */
	cpu = cpumask_first(cpu_online_mask);
	smp_cpu[0] = cpu;
	smp_cpu[1] = cpumask_next(cpu, cpu_online_mask);
	smp_ok = smp_cpu[1] < nr_cpu_ids;

	strscpy(contenders[0].name,
		IS_ENABLED(CONFIG_RANDOM_KMALLOC_CACHES) ? "kmalloc-rkc" : "kmalloc");
	snprintf(contenders[1].name, sizeof(contenders[1].name), "kpart-%s-c",
		 mode_name(kpart.mode));
	snprintf(contenders[2].name, sizeof(contenders[2].name), "kpart-%s-rust",
		 mode_name(kpart.mode));
	snprintf(contenders[3].name, sizeof(contenders[3].name), "kpart-%s-rust-const",
		 mode_name(kpart.mode));
	snprintf(contenders[6].name, sizeof(contenders[6].name), "kpart-%s-c-const",
		 mode_name(kpart.mode));

	results = kvcalloc((size_t)rounds * BENCH_PATTERNS * nr_run_sizes *
			   BENCH_CONTENDERS, sizeof(*results), GFP_KERNEL);
	batch_objs = vmalloc_array(batch, sizeof(*batch_objs));
	if (!results || !batch_objs) {
		bench_free();
		return -ENOMEM;
	}

	err = bench_run();
	if (err) {
		pr_err("kpart_bench: a measurement failed: %d\n", err);
		bench_free();
		return err;
	}
	vfree(batch_objs);
	batch_objs = NULL;

	bench_dir = debugfs_create_dir("kpart_bench", NULL);
	debugfs_create_file("results", 0400, bench_dir, NULL, &results_fops);
	pr_info("kpart_bench: %s mode, %u partitions: %u measurements (%u rounds, %u sizes, iters=%u, batch=%u%s)\n",
		mode_name(kpart.mode), kpart.partitions, nr_results, rounds,
		nr_run_sizes, iters, batch, smp_ok ? "" : ", no smp: one CPU");
	return 0;
}

/* The memory workload. */

/* Size classes and how often each is drawn, in percent. */
static const struct {
	unsigned int size;
	unsigned int weight;
} mem_classes[] = {
	{ 8, 10 }, { 16, 10 }, { 32, 12 }, { 64, 14 }, { 96, 8 }, { 128, 10 },
	{ 192, 8 }, { 256, 8 }, { 512, 8 }, { 1024, 6 }, { 2048, 4 }, { 4096, 2 },
};

/* Four pointer-holding and four pointer-free types: eight typed partitions. */
struct kpart_bench_link_a {
	struct kpart_bench_link_a *next;
	u8 data[];
};

struct kpart_bench_link_b {
	void *owner;
	u8 data[];
};

struct kpart_bench_link_c {
	struct list_head *head;
	u8 data[];
};

struct kpart_bench_link_d {
	const char *name;
	u8 data[];
};

struct kpart_bench_blob_a {
	u64 key;
	u8 data[];
};

struct kpart_bench_blob_b {
	u32 len, crc;
	u8 data[];
};

struct kpart_bench_blob_c {
	u16 id[4];
	u8 data[];
};

struct kpart_bench_blob_d {
	u8 tag[8];
	u8 data[];
};

static void **mem_objs;
static unsigned int mem_nr;
static bool mem_kpart;
static u64 mem_requested, mem_class_bytes;
static unsigned int mem_in_kpart, mem_partitions_used;
static u32 mem_rnd;

static u32 mem_next(void)
{
	/* xorshift32, fixed seed: the same objects on every run. */
	mem_rnd ^= mem_rnd << 13;
	mem_rnd ^= mem_rnd >> 17;
	mem_rnd ^= mem_rnd << 5;
	return mem_rnd;
}

static size_t mem_size(void)
{
	unsigned int i, w = mem_next() % 100, lo = 1;

	for (i = 0; i < ARRAY_SIZE(mem_classes) - 1; i++) {
		if (w < mem_classes[i].weight)
			break;
		w -= mem_classes[i].weight;
		lo = mem_classes[i].size + 1;
	}
	return lo + mem_next() % (mem_classes[i].size - lo + 1);
}

/*
 * @bytes of type @T (at least sizeof(@T)) from kpart or kmalloc. The size
 * expression names sizeof(T), so Clang infers T's token.
 */
#define MEM_TYPED(T, bytes, gfp)					\
	(mem_kpart ?							\
	 kpart_kmalloc(sizeof(T) + (max_t(size_t, bytes, sizeof(T)) - sizeof(T)), gfp) : \
	 kmalloc(max_t(size_t, bytes, sizeof(T)), gfp))

static void *mem_alloc_one(void)
{
	size_t bytes = mem_size();
	bool accounted = mem_next() % 4 == 0;
	gfp_t gfp = accounted ? GFP_KERNEL_ACCOUNT : GFP_KERNEL;

	mem_requested += bytes;
	switch (mem_next() % 10) {
	case 0:
		return MEM_TYPED(struct kpart_bench_link_a, bytes, gfp);
	case 1:
		return MEM_TYPED(struct kpart_bench_link_b, bytes, gfp);
	case 2:
		return MEM_TYPED(struct kpart_bench_link_c, bytes, gfp);
	case 3:
		return MEM_TYPED(struct kpart_bench_link_d, bytes, gfp);
	case 4:
		return MEM_TYPED(struct kpart_bench_blob_a, bytes, gfp);
	case 5:
		return MEM_TYPED(struct kpart_bench_blob_b, bytes, gfp);
	case 6:
		return MEM_TYPED(struct kpart_bench_blob_c, bytes, gfp);
	case 7:
		return MEM_TYPED(struct kpart_bench_blob_d, bytes, gfp);
	case 8:
		/* No type: Clang's fallback token 0. */
		return mem_kpart ? kpart_kmalloc(bytes, gfp) : kmalloc(bytes, gfp);
	default:
		/* The Rust API: an array of u64. */
		bytes = round_up(bytes, sizeof(u64));
		return mem_kpart ? kpart_bench_rust_mem_alloc(bytes, accounted) :
				   kmalloc(bytes, gfp);
	}
}

static void mem_free(void)
{
	unsigned int i;

	for (i = 0; i < mem_nr; i++)
		kfree(mem_objs[i]);
	vfree(mem_objs);
	mem_objs = NULL;
	mem_nr = 0;
}

static int memwork_show(struct seq_file *m, void *v)
{
	seq_printf(m, "allocator\t%s\nobjects\t%u\nrequested_bytes\t%llu\nclass_bytes\t%llu\nin_kpart\t%u\npartitions_used\t%u\n",
		   mem_kpart ? "kpart" : "kmalloc", mem_nr, mem_requested,
		   mem_class_bytes, mem_in_kpart, mem_partitions_used);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(memwork);

static int memwork_init(void)
{
	DECLARE_BITMAP(used, 2 * KPART_TOKEN_MAX);
	struct kpart_location loc;
	unsigned int i;
	void *p;

	if (memwork > BENCH_MAX_MEMWORK) {
		pr_err("kpart_bench: memwork=%u: at most %d\n", memwork,
		       BENCH_MAX_MEMWORK);
		return -EINVAL;
	}
	mem_objs = vcalloc(memwork, sizeof(*mem_objs));
	if (!mem_objs)
		return -ENOMEM;
	bitmap_zero(used, 2 * KPART_TOKEN_MAX);
	mem_rnd = 0x6b706172;
	for (i = 0; i < memwork; i++) {
		p = mem_alloc_one();
		if (!p) {
			mem_free();
			return -ENOMEM;
		}
		mem_objs[mem_nr++] = p;
		mem_class_bytes += ksize(p);
		if (!kpart_locate(p, &loc) && loc.partition < KPART_TOKEN_MAX) {
			mem_in_kpart++;
			__set_bit(loc.accounted * KPART_TOKEN_MAX + loc.partition,
				  used);
		}
		if (!(i & 1023))
			cond_resched();
	}
	mem_partitions_used = bitmap_weight(used, 2 * KPART_TOKEN_MAX);

	bench_dir = debugfs_create_dir("kpart_bench", NULL);
	debugfs_create_file("memwork", 0400, bench_dir, NULL, &memwork_fops);
	pr_info("kpart_bench: memwork: %u objects through %s, %llu bytes requested, %llu in size classes, %u in kpart over %u partitions\n",
		mem_nr, mem_kpart ? "kpart" : "kmalloc", mem_requested,
		mem_class_bytes, mem_in_kpart, mem_partitions_used);
	return 0;
}

int kpart_bench_init(void)
{
	kpart_get_info(&kpart);
	if (!kpart.partitions) {
		pr_err("kpart_bench: kpart is not active\n");
		return -ENODEV;
	}
	if (!strcmp(memalloc, "kpart")) {
		mem_kpart = true;
	} else if (!strcmp(memalloc, "kmalloc")) {
		mem_kpart = false;
	} else {
		pr_err("kpart_bench: memalloc=%s: allowed are 'kpart' and 'kmalloc'\n",
		       memalloc);
		return -EINVAL;
	}
	return memwork ? memwork_init() : bench_init();
}

void kpart_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	bench_dir = NULL;
	bench_free();
	mem_free();
}
