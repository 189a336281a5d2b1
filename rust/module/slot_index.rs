// SPDX-License-Identifier: GPL-2.0

//! From a cache back to its slot in the routing table.
//!
//! `krealloc` and `kpart_locate()` start from an object, whose cache the slab
//! allocator knows; the routing table maps slots to caches. The index is the
//! table's inverse: its non-NULL slots sorted by cache address, searched in
//! `O(log n)` (at most 11 steps for the 1664 caches of 64 partitions with
//! the accounted matrix).

use crate::route_table::Routes;
use kernel::alloc::VVec;
use kernel::bindings;
use kernel::prelude::*;

/// The slots of a routing table, by cache address.
///
/// # Invariants
///
/// `entries` is sorted by address and holds `(cache address, slot)` for
/// every non-NULL slot of the table it was built from, and nothing else.
pub(crate) struct SlotIndex {
    entries: VVec<(usize, u16)>,
}

impl SlotIndex {
    /// Indexes every non-NULL slot of `routes`.
    pub(crate) fn new(routes: &Routes) -> Result<SlotIndex> {
        let mut entries = VVec::new();
        for (slot, cache) in routes.caches().iter().enumerate() {
            if !cache.is_null() {
                // Fits: the table has fewer than 2^16 slots (`route_table.rs`).
                entries.push((*cache as usize, slot as u16), GFP_KERNEL)?;
            }
        }
        sort_by_address(&mut entries);
        // INVARIANT: every non-NULL slot was pushed, then sorted by address.
        Ok(SlotIndex { entries })
    }

    /// The slot of `cache`, if it is one of the table's.
    pub(crate) fn slot_of(&self, cache: *const bindings::kmem_cache) -> Option<usize> {
        self.entries
            .binary_search_by_key(&(cache as usize), |&(cache, _)| cache)
            .ok()
            .map(|i| self.entries[i].1 as usize)
    }
}

/// Insertion sort by cache address: run once at load on at most 1664 entries,
/// and free of the panic paths of `core`'s sorts, which objtool cannot follow
/// in the kernel.
fn sort_by_address(entries: &mut [(usize, u16)]) {
    for i in 1..entries.len() {
        let mut j = i;
        while j > 0 && entries[j - 1].0 > entries[j].0 {
            entries.swap(j - 1, j);
            j -= 1;
        }
    }
}
