// SPDX-License-Identifier: GPL-2.0

//! The allocation path's lookup table: from an allocation's size, flags,
//! token and call site to its cache.
//!
//! The table holds a cache pointer for every (matrix, partition, size class),
//! indexed by bit fields rather than products, so that finding the cache
//! takes no multiplication or division and one load once the partition is
//! known. Slots without a cache (the accounted matrix when it is off) are
//! NULL and send the allocation to plain kmalloc.

use crate::cache_matrix::CacheMatrix;
use crate::partition::{Router, MAX_PARTITIONS};
use crate::size_class;
use core::ptr::{self, NonNull};
use kernel::alloc::{flags::GFP_KERNEL, KBox};
use kernel::bindings;
use kernel::prelude::*;

const fn gfp_bit(bit: u32) -> bindings::gfp_t {
    1 << bit
}

/// `__GFP_ACCOUNT`: the allocation goes to the accounted matrix.
pub(crate) const GFP_ACCOUNT: bindings::gfp_t = gfp_bit(bindings::___GFP_ACCOUNT_BIT);

/// Allocations with these flags are not partitioned: they go to plain
/// kmalloc, which has the caches they need (`kmalloc-dma-*`,
/// `kmalloc-rcl-*`) or fixes the flags up (`__GFP_DMA32`, `__GFP_HIGHMEM`).
pub(crate) const GFP_UNPARTITIONED: bindings::gfp_t = gfp_bit(bindings::___GFP_DMA_BIT)
    | gfp_bit(bindings::___GFP_DMA32_BIT)
    | gfp_bit(bindings::___GFP_HIGHMEM_BIT)
    | gfp_bit(bindings::___GFP_RECLAIMABLE_BIT);

/// Bits of the partition in a row.
const PARTITION_BITS: u32 = MAX_PARTITIONS.trailing_zeros();

/// Rows of the table: a row is `matrix << PARTITION_BITS | partition`, where
/// matrix 1 is the accounted one.
pub(crate) const ROWS: usize = 2 << PARTITION_BITS;

/// Bits of the size class in a slot index.
const CLASS_BITS: u32 = 4;

/// Slots of the table: `row << CLASS_BITS | class`.
const SLOTS: usize = ROWS << CLASS_BITS;

const _: () = assert!(MAX_PARTITIONS.is_power_of_two());
const _: () = assert!(size_class::COUNT <= 1 << CLASS_BITS);

/// The row of (`accounted`, `partition`).
const fn row(accounted: bool, partition: usize) -> usize {
    ((accounted as usize) << PARTITION_BITS | partition) & (ROWS - 1)
}

/// Where an allocation goes: its row (for the statistics) and its cache.
pub(crate) struct Route {
    /// `matrix << 6 | partition`, below [`ROWS`].
    pub(crate) row: usize,
    /// The cache, one of the [`CacheMatrix`] the table was built from.
    pub(crate) cache: NonNull<bindings::kmem_cache>,
}

/// The lookup table of the allocation path.
///
/// # Invariants
///
/// Slot `row(accounted, partition) << CLASS_BITS | class` of `caches` holds
/// the cache `matrix.get(accounted, partition, class)` of the
/// [`CacheMatrix`] the table was built from, or NULL where that matrix has no
/// such cache. `router` routes to partitions below that matrix's partition
/// count.
pub(crate) struct RouteTable {
    router: Router,
    caches: [*mut bindings::kmem_cache; SLOTS],
}

// SAFETY: The table is read-only once built, and the caches it points to may
// be used from any thread (see `SlabCache`).
unsafe impl Send for RouteTable {}

// SAFETY: See `Send`: shared access only reads the table.
unsafe impl Sync for RouteTable {}

impl RouteTable {
    /// Builds the table of `matrix` for `router`, which must have been made
    /// for `matrix.partitions()` partitions.
    ///
    /// The table holds raw pointers to `matrix`'s caches: its owner keeps
    /// `matrix` alive as long as the table is used.
    pub(crate) fn new(router: Router, matrix: &CacheMatrix) -> Result<KBox<RouteTable>> {
        // 16 KiB: built in place, never on the stack.
        let mut table = KBox::<RouteTable>::new_uninit(GFP_KERNEL)?;
        let slot = table.as_mut_ptr();
        // SAFETY: `slot` points to memory for a `RouteTable` that we own.
        // Both fields are written: `router` by value, `caches` as all-zero
        // bytes, which is an array of NULL pointers.
        let mut table = unsafe {
            ptr::addr_of_mut!((*slot).router).write(router);
            ptr::addr_of_mut!((*slot).caches).write_bytes(0, 1);
            table.assume_init()
        };
        for accounted in [false, true] {
            for partition in 0..matrix.partitions() {
                for class in 0..size_class::COUNT {
                    if let Some(cache) = matrix.get(accounted, partition, class) {
                        table.caches[row(accounted, partition) << CLASS_BITS | class] =
                            cache.as_ptr();
                    }
                }
            }
        }
        // INVARIANT: every cache of `matrix` is in its slot, the other slots
        // are NULL; the caller made `router` for `matrix`'s partition count.
        Ok(table)
    }

    /// The router.
    pub(crate) fn router(&self) -> &Router {
        &self.router
    }

    /// The route of an allocation of `size` bytes with `flags`, Clang token
    /// `token` and call site `site`; `None` when plain kmalloc must serve it
    /// (size 0 or above the largest class, unpartitioned flags, or
    /// `__GFP_ACCOUNT` without the accounted matrix).
    #[inline(always)]
    pub(crate) fn route(
        &self,
        size: usize,
        flags: bindings::gfp_t,
        token: u64,
        site: u64,
    ) -> Option<Route> {
        let class = size_class::index(size)?;
        if flags & GFP_UNPARTITIONED != 0 {
            return None;
        }
        let accounted = flags & GFP_ACCOUNT != 0;
        let row = row(accounted, self.router.partition(token, site));
        // The mask only spares a bounds check: `row < ROWS` and
        // `class < size_class::COUNT`.
        let cache = NonNull::new(self.caches[(row << CLASS_BITS | class) & (SLOTS - 1)])?;
        Some(Route { row, cache })
    }
}
