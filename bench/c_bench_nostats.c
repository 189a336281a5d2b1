// SPDX-License-Identifier: GPL-2.0
/*
 * kpart_bench's fourth contender: kpart_kmalloc() built with KPART_NO_STATS,
 * so its in-line path leaves out the per-CPU allocation count. Side by side
 * with kpart_kmalloc() as every user builds it (c_bench.c), it measures what
 * the statistics in /sys/kernel/debug/kpart/partitions cost.
 */
#define KPART_NO_STATS
#include <kpart.h>

#include "loops.h"

BENCH_LOOPS(kpart_c_nostats, kpart_kmalloc(size, GFP_KERNEL))
