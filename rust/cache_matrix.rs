// SPDX-License-Identifier: GPL-2.0

//! The matrix of partitioned caches: partition × size class, and the same
//! again for accounted (`__GFP_ACCOUNT`) allocations.
//!
//! Cache names are `kpart-NN-<size>` and `kpart-cg-NN-<size>` (`NN`: the
//! partition, two digits; `<size>`: as in `kmalloc-<size>`). The `kpart-`
//! prefix cannot collide with the kernel's own `kmalloc-*`, `kmalloc-cg-*`,
//! `kmalloc-rnd-*` or `kmalloc-part-*` caches.

use crate::size_class;
use crate::slab_cache::{SlabCache, SlabFlags};
use kernel::alloc::KVec;
use kernel::bindings;
use kernel::fmt;
use kernel::prelude::*;
use kernel::str::CString;

/// Every cache kpart owns.
///
/// # Invariants
///
/// `caches` holds `matrices() * partitions * size_class::COUNT` caches, laid
/// out as `[matrix][partition][class]`; matrix 1 (accounted) exists only when
/// `accounted` is set.
pub(crate) struct CacheMatrix {
    caches: KVec<SlabCache>,
    partitions: usize,
    accounted: bool,
}

impl CacheMatrix {
    /// Creates the caches for `partitions` partitions, and the accounted
    /// matrix when `accounted` is set. On failure, the caches made so far are
    /// destroyed: nothing is left behind.
    pub(crate) fn new(partitions: usize, accounted: bool) -> Result<CacheMatrix> {
        let matrices = if accounted { 2 } else { 1 };
        let mut caches =
            KVec::with_capacity(matrices * partitions * size_class::COUNT, GFP_KERNEL)?;
        for matrix in 0..matrices {
            let (infix, flags) = if matrix == 1 {
                ("cg-", SlabFlags::NO_MERGE | SlabFlags::ACCOUNT)
            } else {
                ("", SlabFlags::NO_MERGE)
            };
            for partition in 0..partitions {
                for class in 0..size_class::COUNT {
                    let size = size_class::SIZES[class];
                    let name = CString::try_from_fmt(fmt!(
                        "kpart-{}{:02}-{}",
                        infix,
                        partition,
                        size_class::NAMES[class]
                    ))?;
                    let cache = SlabCache::new(
                        &name,
                        size as u32,
                        size_class::align(size) as u32,
                        flags,
                        true,
                    )?;
                    caches.push(cache, GFP_KERNEL)?;
                }
            }
        }
        // INVARIANT: one cache was pushed per (matrix, partition, class), in
        // that order.
        Ok(CacheMatrix {
            caches,
            partitions,
            accounted,
        })
    }

    /// The number of partitions.
    pub(crate) fn partitions(&self) -> usize {
        self.partitions
    }

    /// Whether the accounted matrix exists.
    pub(crate) fn accounted(&self) -> bool {
        self.accounted
    }

    /// The number of caches.
    pub(crate) fn len(&self) -> usize {
        self.caches.len()
    }

    /// The cache for (`accounted`, `partition`, `class`).
    ///
    /// Callers pass a partition from the router and a class from
    /// `size_class::index`, both in range by their invariants; the one bounds
    /// check left, on the vector, keeps any other input memory-safe (`None`
    /// past the end, at worst another of kpart's caches).
    #[inline(always)]
    pub(crate) fn get(
        &self,
        accounted: bool,
        partition: usize,
        class: usize,
    ) -> Option<&SlabCache> {
        let matrix = accounted as usize;
        self.caches.get(
            (matrix.wrapping_mul(self.partitions).wrapping_add(partition))
                .wrapping_mul(size_class::COUNT)
                .wrapping_add(class),
        )
    }

    /// Finds `cache` among the caches of size class `class`: returns whether
    /// it is accounted and its partition.
    pub(crate) fn locate(
        &self,
        cache: *mut bindings::kmem_cache,
        class: usize,
    ) -> Option<(bool, usize)> {
        for accounted in [false, true] {
            for partition in 0..self.partitions {
                if self
                    .get(accounted, partition, class)
                    .is_some_and(|c| c.as_ptr() == cache)
                {
                    return Some((accounted, partition));
                }
            }
        }
        None
    }
}
