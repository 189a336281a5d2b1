// SPDX-License-Identifier: GPL-2.0

//! The owner of kpart's caches: partition × size class, and the same again
//! for accounted (`__GFP_ACCOUNT`) allocations.
//!
//! Cache names are `kpart-NN-<size>` and `kpart-cg-NN-<size>` (`NN`: the
//! partition, two digits; `<size>`: as in `kmalloc-<size>`). The `kpart-`
//! prefix cannot collide with the kernel's own `kmalloc-*`, `kmalloc-cg-*`,
//! `kmalloc-rnd-*` or `kmalloc-part-*` caches.
//!
//! The matrix creates the caches, keeps them alive and destroys them when
//! dropped; where an allocation goes is described by the routing table
//! alone (`route_table.rs`), which is filled from [`CacheMatrix::cells`].

use crate::partition::Mode;
use crate::retention::{shared_slab_bytes, Retention};
use crate::size_class;
use crate::slab_cache::SlabCache;
use kernel::alloc::KVec;
use kernel::fmt;
use kernel::prelude::*;

/// One cache of the matrix and its place in it.
pub(crate) struct Cell<'a> {
    /// Whether the cache belongs to the accounted matrix.
    pub(crate) accounted: bool,
    /// Its partition.
    pub(crate) partition: usize,
    /// Its size class (an index into `size_class::SIZES`).
    pub(crate) class: usize,
    /// The cache.
    pub(crate) cache: &'a SlabCache,
}

/// Every cache kpart owns.
///
/// # Invariants
///
/// `caches` holds `matrices() * partitions * size_class::COUNT` caches, laid
/// out as `[matrix][partition][class]`; matrix 1 (accounted) exists only when
/// `accounted` is set. Each keeps its empty slabs as `retention` says, which
/// is no [`Retention::Budget`].
pub(crate) struct CacheMatrix {
    caches: KVec<SlabCache>,
    partitions: usize,
    accounted: bool,
    retention: Retention,
}

impl CacheMatrix {
    /// Creates the caches for `partitions` partitions, and the accounted
    /// matrix when `accounted` is set, each keeping its empty slabs as
    /// `retention` says. On failure, the caches made so far are destroyed:
    /// nothing is left behind.
    ///
    /// A budget becomes one slab count for every cache that shares it
    /// ([`CacheMatrix::retention`]): the matrix's caches, and in pertype mode
    /// (`mode`) the buckets of raw buffers made at load and up to
    /// `max_caches` caches for types made later.
    pub(crate) fn new(
        partitions: usize,
        accounted: bool,
        retention: Retention,
        mode: Mode,
        max_caches: u32,
    ) -> Result<CacheMatrix> {
        let matrices = if accounted { 2 } else { 1 };
        let mut caches =
            KVec::with_capacity(matrices * partitions * size_class::COUNT, GFP_KERNEL)?;
        for matrix in 0..matrices {
            for partition in 0..partitions {
                for class in 0..size_class::COUNT {
                    let cache = SlabCache::kmalloc_class(
                        fmt!("{:02}", partition),
                        class,
                        matrix == 1,
                        retention,
                    )?;
                    caches.push(cache, GFP_KERNEL)?;
                }
            }
        }
        // No cache has served an allocation yet: a budget, which set nothing
        // on them (`Retention::min_partial`), can still become their count.
        let retention = match retention {
            Retention::Budget(_) => {
                let (copies, later) = match mode {
                    // The buckets are the matrix again: one cache per
                    // partition, size class and matrix.
                    Mode::PerType => (2, max_caches as u64),
                    // The zones are made at load, beside the matrix; the
                    // heaps' caches as they come.
                    Mode::Shape => (1, max_caches as u64),
                    Mode::Typed | Mode::Random => (1, 0),
                };
                let slabs = caches.iter().map(SlabCache::slab_bytes);
                let resolved = retention.resolve(shared_slab_bytes(slabs, copies, later));
                for cache in caches.iter() {
                    cache.retain(resolved);
                }
                resolved
            }
            other => other,
        };
        // INVARIANT: one cache was pushed per (matrix, partition, class), in
        // that order, and each keeps its empty slabs as `retention`, a
        // resolved budget or no budget at all, says.
        Ok(CacheMatrix {
            caches,
            partitions,
            accounted,
            retention,
        })
    }

    /// The retention of every cache kpart makes, the matrix's and any made
    /// later: a budget as the slab count it came to.
    pub(crate) fn retention(&self) -> Retention {
        self.retention
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

    /// Every cache with its place in the matrix.
    pub(crate) fn cells(&self) -> impl Iterator<Item = Cell<'_>> {
        let per_matrix = self.partitions * size_class::COUNT;
        // By the type invariant, index `i` is (matrix, partition, class) in
        // row-major order.
        self.caches.iter().enumerate().map(move |(i, cache)| Cell {
            accounted: i >= per_matrix,
            partition: i % per_matrix / size_class::COUNT,
            class: i % size_class::COUNT,
            cache,
        })
    }
}
