// SPDX-License-Identifier: GPL-2.0
/*
 * What kpart's KUnit suites compare kpart with, from outside kpart: the load
 * the test run asked for (kpart_kunit's own parameters, given the same
 * values as kpart's) and the kernel's own hash_64(), which random mode must
 * compute exactly as RANDOM_KMALLOC_CACHES does.
 */
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/kstrtox.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <kpart.h>

#include "c_allocations.h"

static char *mode;
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "The mode kpart was loaded with: 'typed', 'random', 'pertype' or 'shape'");

static unsigned int partitions;
module_param(partitions, uint, 0444);
MODULE_PARM_DESC(partitions, "The partition count kpart was loaded with");

static int accounted = -1;
module_param(accounted, int, 0444);
MODULE_PARM_DESC(accounted, "Whether kpart was loaded with the accounted matrix (0 or 1)");

static char *retain;
module_param(retain, charp, 0444);
MODULE_PARM_DESC(retain, "The retain= kpart was loaded with: 'all' (default: kpart's default budget keeps what the suites empty), 'off' or a count");

/* Mode 0, as kpart's own seed parameter. */
static unsigned long long seed;
module_param(seed, ullong, 0);
MODULE_PARM_DESC(seed, "The seed kpart was loaded with (random mode)");

static unsigned int max_caches = 1024;
module_param(max_caches, uint, 0444);
MODULE_PARM_DESC(max_caches, "The max_caches= kpart was loaded with (default: kpart's, 1024)");

static unsigned int shape_budget = 128;
module_param(shape_budget, uint, 0444);
MODULE_PARM_DESC(shape_budget, "The shape_budget= kpart was loaded with (default: kpart's, 128)");

unsigned int kpart_test_expected_shape_budget(void)
{
	return shape_budget;
}

unsigned int kpart_test_expected_max_caches(void)
{
	return max_caches;
}

int kpart_test_expected_load(struct kpart_test_load *out)
{
	if (!mode || !partitions || accounted < 0 || accounted > 1)
		return -ENOENT;
	if (!strcmp(mode, "typed"))
		out->mode = KPART_MODE_TYPED;
	else if (!strcmp(mode, "random"))
		out->mode = KPART_MODE_RANDOM;
	else if (!strcmp(mode, "pertype"))
		out->mode = KPART_MODE_PERTYPE;
	else if (!strcmp(mode, "shape"))
		out->mode = KPART_MODE_SHAPE;
	else
		return -EINVAL;
	out->partitions = partitions;
	out->accounted = accounted;
	out->seed = seed;
	if (!retain || !strcmp(retain, "all"))
		out->retain = -1;
	else if (!strcmp(retain, "off"))
		out->retain = 0;
	else if (kstrtol(retain, 10, &out->retain) || out->retain <= 0)
		return -EINVAL;
	return 0;
}

u64 kpart_test_kernel_hash_64(u64 value, unsigned int bits)
{
	/* hash_64() shifts by 64 - bits: no bits, no hash (one partition). */
	return bits ? hash_64(value, bits) : 0;
}
