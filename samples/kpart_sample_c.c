// SPDX-License-Identifier: GPL-2.0
/*
 * A C module that allocates through kpart: build it with kpart's include/
 * on the include path and -falloc-token-max=2^63 (9223372036854775808), and with kpart's
 * Module.symvers (KBUILD_EXTRA_SYMBOLS) when built out of kpart's tree.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <kpart.h>

struct sample_session {
	u64 id;
	struct sample_session *peer;	/* a pointer: the top half */
};

struct sample_counters {
	u32 hits[16];			/* no pointer: the bottom half */
};

static struct sample_session *session;
static struct sample_counters *counters;
static char *label;

static void sample_show(const char *what, const void *p)
{
	struct kpart_location loc;

	if (!kpart_locate(p, &loc))
		pr_info("%s: partition %u, %u-byte class%s\n", what, loc.partition,
			loc.size, loc.accounted ? ", accounted" : "");
}

static int __init kpart_sample_init(void)
{
	session = kpart_kzalloc_obj(struct sample_session, GFP_KERNEL);
	counters = kpart_kzalloc_obj(struct sample_counters, GFP_KERNEL_ACCOUNT);
	label = kpart_kstrdup("kpart sample", GFP_KERNEL);
	if (!session || !counters || !label) {
		kfree(session);
		kfree(counters);
		kfree(label);
		return -ENOMEM;
	}
	sample_show("struct sample_session", session);
	sample_show("struct sample_counters", counters);
	sample_show("a string", label);
	return 0;
}

static void __exit kpart_sample_exit(void)
{
	kfree(session);
	kfree(counters);
	kfree(label);
}

module_init(kpart_sample_init);
module_exit(kpart_sample_exit);
MODULE_DESCRIPTION("Allocating through kpart from C");
MODULE_LICENSE("GPL");
