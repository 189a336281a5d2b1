/* SPDX-License-Identifier: GPL-2.0 */
/* kpart_workload: between its C half and its Rust half (kpart_workload.rs). */
#ifndef _KPART_WORKLOAD_H
#define _KPART_WORKLOAD_H

#include <linux/types.h>

int kpart_wl_c_alloc(unsigned int scale);
void kpart_wl_c_free(void);
void kpart_wl_record(const char *name, const char *lang, void *const *objs,
		     size_t n);
int kpart_wl_debugfs_init(void);
void kpart_wl_debugfs_exit(void);
unsigned int kpart_wl_param_scale(void);

#endif
