// SPDX-License-Identifier: GPL-2.0

//! Allocation statistics (`stats=1`), for debugfs's `partitions` and `types`.
//!
//! Users never count: with `stats=1` every allocation comes to kpart out of
//! line (`include/kpart.h`), and kpart counts it here, per row of the
//! routing table, for plain kmalloc, and per type in pertype mode. Without
//! it nothing is counted, and the allocation path costs what kmalloc's does.

use crate::c_parts;
use crate::route_table::{TypeCaches, ROWS};
use crate::state::ROUTES;
use kernel::ffi::c_uint;

/// Counts an allocation served by row `row` (a matrix and partition).
#[inline(always)]
pub(crate) fn count_row(row: usize) {
    if ROUTES.get().stats() {
        // SAFETY: Counting takes any slot; slots out of range are ignored.
        unsafe { c_parts::kpart_stats_alloc(row as c_uint) };
    }
}

/// Counts an allocation given to plain kmalloc.
#[inline(always)]
pub(crate) fn count_kmalloc() {
    count_row(ROWS);
}

/// Counts an allocation from type `caches`' own caches.
#[inline(always)]
pub(crate) fn count_type(caches: &TypeCaches) {
    if ROUTES.get().stats() {
        // SAFETY: `caches` is a published type, whose counter lives until
        // kpart's exit.
        unsafe { c_parts::kpart_stats_type(TypeCaches::raw(caches).cast()) };
    }
}
