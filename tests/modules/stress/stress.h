/* SPDX-License-Identifier: GPL-2.0 */
/* kpart_stress: between its C half and its Rust half (kpart_stress.rs). */
#ifndef _KPART_STRESS_H
#define _KPART_STRESS_H

#include <linux/types.h>

int kpart_stress_run(void);
void *kpart_stress_rust_alloc(size_t size, bool accounted);

#endif
