// SPDX-License-Identifier: GPL-2.0
/*
 * kpart_workload, C half: a realistic mix of real kernel types allocated
 * through include/kpart.h, kept live until the module is removed, and a
 * record of what went where (debugfs kpart_workload/types).
 *
 * The mix, per unit of the scale= parameter (objects, type, size, flags):
 *
 *   200 struct file                  sizeof            GFP_KERNEL
 *   100 struct inode                 sizeof            GFP_KERNEL
 *   300 struct sk_buff               sizeof            GFP_ATOMIC
 *   300 struct msg_msg + 16..1015 B  user-sized        GFP_KERNEL_ACCOUNT
 *   100 struct pipe_buffer[16]       array             GFP_KERNEL_ACCOUNT
 *   100 struct simple_xattr + value  user-sized        GFP_KERNEL_ACCOUNT
 *   500 strings, 6..40 B             kpart_kstrdup     GFP_KERNEL
 *   300 u8 buffers, 32..2031 B       kpart_kmalloc_array GFP_KERNEL
 *   200 u32 arrays, 4..63 elements   kpart_kcalloc     GFP_KERNEL
 *   200 struct kpart_wl_stats        sizeof (no pointer) GFP_KERNEL
 *
 * The Rust half adds 900 more (kpart_workload.rs). Every type is allocated
 * from four call sites, as real code has several callers, which random mode
 * spreads over partitions.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/msg.h>
#include <linux/pipe_fs_i.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/xattr.h>
#include <kpart.h>

#include "workload.h"

static unsigned int scale = 1;
module_param(scale, uint, 0444);
MODULE_PARM_DESC(scale, "Multiply the workload's object counts (default 1, at most 1000)");

unsigned int kpart_wl_param_scale(void)
{
	return scale;
}

/* A pointer-free struct of the workload's own. */
struct kpart_wl_stats {
	u64 counters[8];
	u32 flags;
};

static const char *const words[] = {
	"eth0", "kworker/0:1", "/dev/console", "ext4-rsv-conversion",
	"security.selinux", "user.comment", "net.ipv4.tcp_rmem", "kpart",
	"/sys/kernel/debug/tracing/trace_pipe", "xfs-buf/sda1",
};

/*
 * Four call sites for one allocation expression: four functions. (Four
 * branches of a switch would not do: the compiler merges identical branches,
 * and with them the call sites.)
 */
#define DEFINE_SITES(name, expr)					\
static noinline void *name##_0(size_t i) { return (expr); }		\
static noinline void *name##_1(size_t i) { return (expr); }		\
static noinline void *name##_2(size_t i) { return (expr); }		\
static noinline void *name##_3(size_t i) { return (expr); }		\
static void *(*const name##_sites[4])(size_t) = {			\
	name##_0, name##_1, name##_2, name##_3				\
}

DEFINE_SITES(wl_file, kpart_kzalloc_obj(struct file, GFP_KERNEL));
DEFINE_SITES(wl_inode, kpart_kzalloc_obj(struct inode, GFP_KERNEL));
DEFINE_SITES(wl_skb, kpart_kmalloc_obj(struct sk_buff, GFP_ATOMIC));
DEFINE_SITES(wl_msg, kpart_kmalloc(sizeof(struct msg_msg) + 16 + (i * 37) % 1000,
				   GFP_KERNEL_ACCOUNT));
DEFINE_SITES(wl_pipe, kpart_kcalloc(16, sizeof(struct pipe_buffer),
				    GFP_KERNEL_ACCOUNT));
DEFINE_SITES(wl_xattr, kpart_kmalloc(sizeof(struct simple_xattr) + 8 + (i * 13) % 200,
				     GFP_KERNEL_ACCOUNT));
DEFINE_SITES(wl_string, kpart_kstrdup(words[i % ARRAY_SIZE(words)], GFP_KERNEL));
DEFINE_SITES(wl_bytes, kpart_kmalloc_array(32 + (i * 53) % 2000, sizeof(u8),
					   GFP_KERNEL));
DEFINE_SITES(wl_words, kpart_kcalloc(4 + i % 60, sizeof(u32), GFP_KERNEL));
DEFINE_SITES(wl_stats, kpart_kzalloc_obj(struct kpart_wl_stats, GFP_KERNEL));

static void **objs;
static size_t nr_objs;

/* Where each type's objects went: counts per matrix and partition. */
struct wl_record {
	const char *name;
	const char *lang;
	unsigned int unpartitioned;
	unsigned int count[2][KPART_TOKEN_MAX];
	};

#define MAX_RECORDS 32
static struct wl_record records[MAX_RECORDS];
static unsigned int nr_records;
static DEFINE_MUTEX(records_lock);

void kpart_wl_record(const char *name, const char *lang, void *const *objs,
		     size_t n)
{
	struct kpart_location loc;
	struct wl_record *r;
	size_t i;

	mutex_lock(&records_lock);
	if (nr_records < MAX_RECORDS) {
		r = &records[nr_records++];
		r->name = name;
		r->lang = lang;
		for (i = 0; i < n; i++) {
			if (kpart_locate(objs[i], &loc) ||
			    loc.partition >= KPART_TOKEN_MAX) {
				r->unpartitioned++;
				continue;
			}
			r->count[loc.accounted][loc.partition]++;
		}
	}
	mutex_unlock(&records_lock);
}

/*
 * Allocate @n objects from the four @sites into objs[] and record them as
 * @name; evaluates to 0 or -ENOMEM.
 */
#define ALLOC_N(name, n, sites)						\
({									\
	size_t __first = nr_objs;					\
	int __err = 0;							\
	for (i = 0; i < (n) && !__err; i++) {				\
		void *__p = sites[i & 3](i);				\
		if (__p)						\
			objs[nr_objs++] = __p;				\
		else							\
			__err = -ENOMEM;				\
	}								\
	kpart_wl_record(name, "C", &objs[__first], nr_objs - __first);	\
	__err;								\
})

int kpart_wl_c_alloc(unsigned int scale)
{
	size_t i, total = 2300 * (size_t)scale;
	int err;

	objs = kvcalloc(total, sizeof(*objs), GFP_KERNEL);
	if (!objs)
		return -ENOMEM;

	err = ALLOC_N("file", 200 * scale, wl_file_sites);
	err = err ?: ALLOC_N("inode", 100 * scale, wl_inode_sites);
	err = err ?: ALLOC_N("sk_buff", 300 * scale, wl_skb_sites);
	err = err ?: ALLOC_N("msg_msg", 300 * scale, wl_msg_sites);
	err = err ?: ALLOC_N("pipe_buffer", 100 * scale, wl_pipe_sites);
	err = err ?: ALLOC_N("simple_xattr", 100 * scale, wl_xattr_sites);
	err = err ?: ALLOC_N("string", 500 * scale, wl_string_sites);
	err = err ?: ALLOC_N("unsigned char", 300 * scale, wl_bytes_sites);
	err = err ?: ALLOC_N("unsigned int", 200 * scale, wl_words_sites);
	err = err ?: ALLOC_N("kpart_wl_stats", 200 * scale, wl_stats_sites);
	return err;
}

void kpart_wl_c_free(void)
{
	size_t i;

	for (i = 0; i < nr_objs; i++)
		kfree(objs[i]);
	kvfree(objs);
	objs = NULL;
	nr_objs = 0;
}

static int types_show(struct seq_file *m, void *v)
{
	unsigned int i, matrix, part;

	seq_puts(m, "# type\tlang\tmatrix\tpartition\tobjects\n");
	mutex_lock(&records_lock);
	for (i = 0; i < nr_records; i++) {
		struct wl_record *r = &records[i];

		for (matrix = 0; matrix < 2; matrix++)
			for (part = 0; part < KPART_TOKEN_MAX; part++)
				if (r->count[matrix][part])
					seq_printf(m, "%s\t%s\t%s\t%u\t%u\n",
						   r->name, r->lang,
						   matrix ? "cg" : "plain", part,
						   r->count[matrix][part]);
		if (r->unpartitioned)
			seq_printf(m, "%s\t%s\tkmalloc\t-\t%u\n", r->name,
				   r->lang, r->unpartitioned);
	}
	mutex_unlock(&records_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(types);

static struct dentry *dir;

int kpart_wl_debugfs_init(void)
{
	dir = debugfs_create_dir("kpart_workload", NULL);
	debugfs_create_file("types", 0400, dir, NULL, &types_fops);
	return 0;
}

void kpart_wl_debugfs_exit(void)
{
	debugfs_remove_recursive(dir);
}
