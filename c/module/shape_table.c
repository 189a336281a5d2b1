// SPDX-License-Identifier: GPL-2.0
/*
 * Shape mode's signature table (include/kpart_shape.h): its bytes, from the
 * firmware search path, and the identity of the running kernel that the
 * table must have been made for. The Rust side checks and reads it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/firmware.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/utsname.h>

#include "kpart_internal.h"

int kpart_shape_fetch(const char *name, void **data, size_t *size)
{
	const struct firmware *fw;
	int err;

	/* No device: the table is kpart's, not a device's. */
	err = firmware_request_nowarn(&fw, name, NULL);
	if (err) {
		pr_err("shape_table=%s: cannot load it from the firmware search path (%d)\n",
		       name, err);
		return err;
	}
	*data = kvmemdup(fw->data, fw->size, GFP_KERNEL);
	*size = fw->size;
	release_firmware(fw);
	return *data ? 0 : -ENOMEM;
}

void kpart_shape_free(void *data)
{
	kvfree(data);
}

void kpart_shape_kernel(const char **release, const char **build)
{
	*release = init_utsname()->release;
	*build = init_utsname()->version;
}

/*
 * debugfs "shape": every type of the table, its size class, signature and
 * zone in this load ("data" for the data heap) (root only, as the caches' contents in /proc/slabinfo
 * are; the seed itself is shown nowhere).
 */
static int shape_show(struct seq_file *m, void *v)
{
	struct kpart_shape_view type;
	unsigned int i;

	seq_puts(m, "# token\tsize\tzone\tsignature\n");
	for (i = 0; kpart_shape_get(i, &type); i++) {
		seq_printf(m, "%016llx\t%u\t", type.token, type.size);
		if (type.data_only)
			seq_puts(m, "data");
		else
			seq_printf(m, "%s%u", type.single ? "single-" : "", type.zone);
		seq_printf(m, "\t%.*s\n", type.sig_len, type.signature);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(shape);

void kpart_shape_debugfs(struct dentry *dir)
{
	debugfs_create_file("shape", 0400, dir, NULL, &shape_fops);
}
