// SPDX-License-Identifier: GPL-2.0

//! The allocation path's routing table, shared by kpart and its users.
//!
//! kpart.ko exports one table, `kpart_routes` (`struct kpart_routes` in
//! `include/kpart.h`): the in-line path's caches by (size class, matrix,
//! lane), a cache pointer for every (matrix, partition, size class) and
//! the [`Router`](super::partition::Router) that picks the partition.
//! Users route in line, in their own code: with a size, a token and flags
//! known at compile time, typed mode costs one load and the call a
//! constant-size `kmalloc()` makes, `__kmalloc_cache_noprof()`, random
//! mode the call site's hash besides (see `include/kpart.h`). What the table
//! cannot serve (size 0 or above the largest class, unpartitioned flags)
//! goes to the out-of-line `__kpart_kmalloc()`.
//!
//! kpart.ko and the Rust users include this file; the C users have its twin
//! in `include/kpart.h`. The table and a type's caches are the header's
//! structs, as bindgen makes them (`kpart_bindings.rs`), in thin wrappers.

use super::kpart_bindings as b;
use super::partition::{Mode, Routing, LANE_BITS, TOKEN_MAX};
use super::size_class;
use core::cell::UnsafeCell;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::bindings;
use kernel::ffi::{c_int, c_ulong, c_void};

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
const PARTITION_BITS: u32 = b::KPART_MAX_PARTITIONS.trailing_zeros();

/// Lanes of a size class and matrix (`KPART_LANES`): typed mode's folded
/// tokens, random mode's site hashes.
pub(crate) const LANES: usize = b::KPART_LANES as usize;

/// Rows of the table (`KPART_ROWS`): a row is `matrix << 6 | partition`,
/// where matrix 1 is the accounted one. Also the statistics slot of
/// allocations served by plain kmalloc.
pub(crate) const ROWS: usize = b::KPART_ROWS as usize;

/// Bits of the size class in a slot index (`KPART_CLASS_SLOTS` classes).
pub(crate) const CLASS_BITS: u32 = b::KPART_CLASS_SLOTS.trailing_zeros();

/// Slots of the table: `row << CLASS_BITS | class`.
pub(crate) const SLOTS: usize = ROWS << CLASS_BITS;

const _: () = assert!(
    b::KPART_MAX_PARTITIONS.is_power_of_two()
        && b::KPART_CLASS_SLOTS.is_power_of_two()
        && ROWS == 2 << PARTITION_BITS
        && LANES == 1 << LANE_BITS
        && b::KPART_LANE_BITS == LANE_BITS
        && LANES == TOKEN_MAX as usize
);
const _: () = assert!(size_class::COUNT <= 1 << CLASS_BITS);

/// The row of (`accounted`, `partition`).
#[inline(always)]
pub(crate) const fn row(accounted: bool, partition: usize) -> usize {
    ((accounted as usize) << PARTITION_BITS | partition) & (ROWS - 1)
}

/// The slot of (`row`, size class `class`).
#[inline(always)]
pub(crate) const fn slot(row: usize, class: usize) -> usize {
    (row << CLASS_BITS | class) & (SLOTS - 1)
}

/// The row of slot `slot`.
pub(crate) const fn row_of(slot: usize) -> usize {
    slot >> CLASS_BITS
}

/// What slot `slot` stands for: (accounted, partition, size class).
pub(crate) const fn cell_of(slot: usize) -> (bool, usize, usize) {
    let row = row_of(slot);
    (
        row >> PARTITION_BITS != 0,
        row & (b::KPART_MAX_PARTITIONS as usize - 1),
        slot & ((1 << CLASS_BITS) - 1),
    )
}

const _: () = assert!(SLOTS <= 1 << 16);

/// Where an allocation goes: its row (for the statistics) and its cache.
///
/// # Invariants
///
/// `cache` is live while kpart is loaded and serves the size class the
/// route was made for.
pub(crate) struct Route {
    /// `matrix << 6 | partition`, below [`ROWS`].
    pub(crate) row: usize,
    /// The cache.
    cache: NonNull<bindings::kmem_cache>,
}

impl Route {
    /// Allocates `size` bytes (at most the route's size class) with `flags`
    /// on `node` from the route's cache, with the call a constant-size
    /// `kmalloc()` makes: KASAN and tracing see a kmalloc object of `size`
    /// bytes, as they do for C's in-line path.
    #[inline(always)]
    pub(crate) fn alloc(self, size: usize, flags: bindings::gfp_t, node: c_int) -> *mut c_void {
        // SAFETY: By the type invariant the cache is live while kpart is
        // loaded, which it is while its table is in use, and serves the
        // route's size class, which holds `size` bytes (the caller's
        // promise, kept by every route made for `size`).
        unsafe { cache_alloc(self.cache, flags, node, size) }
    }
}

/// The routing table (`struct kpart_routes`).
///
/// # Invariants
///
/// Once kpart's init has filled it, and until kpart's exit, slot
/// [`slot`]`(`[`row`]`(accounted, partition), class)` of `caches` holds the
/// live cache of that matrix, partition and size class, or NULL where kpart
/// has no such cache; `lanes[class][matrix][lane]` holds, for every class
/// of [`size_class`], a live cache serving that class (never NULL); and the
/// routing fields are those of a [`Router`](super::partition::Router) for
/// kpart's partitions (set with [`Routes::set_router`]). Before, every
/// pointer is NULL and no user can read the table; after, no user is left
/// to read it.
#[repr(transparent)]
pub(crate) struct Routes(b::kpart_routes);

impl Routing for Routes {
    #[inline(always)]
    fn typed(&self) -> &[u8; TOKEN_MAX as usize] {
        &self.0.typed
    }

    #[inline(always)]
    fn seed(&self) -> u64 {
        self.0.seed
    }

    #[inline(always)]
    fn multiplier(&self) -> u64 {
        self.0.multiplier
    }

    #[inline(always)]
    fn shift(&self) -> u32 {
        self.0.shift
    }

    #[inline(always)]
    fn mode(&self) -> Mode {
        Mode::from_c(self.0.mode)
    }
}

impl Routes {
    /// A table with no cache, whose routing sends everything to partition 0.
    pub(crate) const EMPTY: Routes = Routes(b::kpart_routes {
        lanes: [[[core::ptr::null_mut(); LANES]; 2]; 1 << CLASS_BITS],
        caches: [core::ptr::null_mut(); SLOTS],
        typed: [0; TOKEN_MAX as usize],
        seed: 0,
        multiplier: 0,
        shift: 63,
        mode: Mode::Typed as u32,
        stats: 0,
    });

    /// The caches, by slot.
    pub(crate) fn caches(&self) -> &[*mut bindings::kmem_cache; SLOTS] {
        &self.0.caches
    }

    /// Puts `cache` in slot `slot`.
    pub(crate) fn set_cache(&mut self, slot: usize, cache: *mut bindings::kmem_cache) {
        self.0.caches[slot & (SLOTS - 1)] = cache;
    }

    /// Puts `cache` in lane `lane` of size class `class` and matrix
    /// `matrix`.
    pub(crate) fn set_lane(
        &mut self,
        class: usize,
        matrix: usize,
        lane: usize,
        cache: *mut bindings::kmem_cache,
    ) {
        self.0.lanes[class & ((1 << CLASS_BITS) - 1)][matrix & 1][lane & (LANES - 1)] = cache;
    }

    /// The in-line path's cache of size class `class` (of [`size_class`]),
    /// matrix `matrix` and lane `lane`.
    #[allow(dead_code)] // The users' in-line path (`kpart_client.rs`).
    #[inline(always)]
    pub(crate) fn lane(
        &self,
        class: usize,
        matrix: usize,
        lane: usize,
    ) -> NonNull<bindings::kmem_cache> {
        let cache = &self.0.lanes[class & ((1 << CLASS_BITS) - 1)][matrix & 1][lane & (LANES - 1)];
        // A relaxed atomic load is one move, as a plain load is, but the
        // compiler keeps it where it is: it would merge the two modes' plain
        // loads into one load through a register, a move more in typed mode
        // (as C's `kpart_lane()` says).
        // SAFETY: `cache` is a valid, aligned pointer slot of the table,
        // which nothing writes while it is read (type invariant); a relaxed
        // atomic load of it is sound even in read-only memory.
        let slot = unsafe { AtomicPtr::from_ptr(ptr::from_ref(cache).cast_mut()) };
        let cache = slot.load(Ordering::Relaxed);
        // SAFETY: Every lane of a class of `size_class` holds a live cache
        // (type invariant): users read the table only while kpart is loaded,
        // after its init.
        unsafe { NonNull::new_unchecked(cache) }
    }

    /// Whether kpart counts allocations (`stats=1`).
    #[inline(always)]
    pub(crate) fn stats(&self) -> bool {
        self.0.stats != 0
    }

    /// Sets whether kpart counts allocations.
    pub(crate) fn set_stats(&mut self, stats: bool) {
        self.0.stats = stats as u32;
    }

    /// Routes as `router` does.
    pub(crate) fn set_router(&mut self, router: &super::partition::Router) {
        self.0.typed = *router.typed();
        self.0.seed = router.seed();
        self.0.multiplier = router.multiplier();
        self.0.shift = router.shift();
        self.0.mode = router.mode() as u32;
    }

    /// The route of an allocation of `size` bytes with `flags`, Clang token
    /// `token` and call site `site`; `None` when plain kmalloc must serve it.
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
        self.route_in_row(
            row(flags & GFP_ACCOUNT != 0, self.partition(token, site)),
            class,
        )
    }

    /// The route to row `row` (a matrix and partition) and size class
    /// `class`; `None` when the table has no such cache.
    #[inline(always)]
    pub(crate) fn route_in_row(&self, row: usize, class: usize) -> Option<Route> {
        let cache = NonNull::new(self.0.caches[slot(row, class)])?;
        // INVARIANT: The table's caches live while kpart is loaded and
        // serve their slot's class (type invariant).
        Some(Route { row, cache })
    }
}

/// `NUMA_NO_NODE`: any node.
pub(crate) const NO_NODE: c_int = -1;

/// Allocates `size` bytes from `cache` on `node` with the calls a
/// constant-size `kmalloc()` or `kmalloc_node()` makes.
///
/// # Safety
///
/// `cache` is a live cache whose objects hold at least `size` bytes.
#[inline(always)]
pub(crate) unsafe fn cache_alloc(
    cache: NonNull<bindings::kmem_cache>,
    flags: bindings::gfp_t,
    node: c_int,
    size: usize,
) -> *mut c_void {
    if node == NO_NODE {
        // SAFETY: `cache` is live and serves `size` bytes (the caller's
        // guarantee).
        unsafe { bindings::__kmalloc_cache_noprof(cache.as_ptr(), flags, size) }
    } else {
        // SAFETY: As above; any node number is accepted.
        unsafe { bindings::__kmalloc_cache_node_noprof(cache.as_ptr(), flags, node, size) }
    }
}

/// `struct kpart_type`: the caches of one type in pertype mode, by matrix
/// and size class, and its allocation counter (`stats=1`).
///
/// # Invariants
///
/// Once a pointer to it is published (in the type table or a call site's
/// descriptor), `allocs` and `token` never change and it lives until kpart's
/// exit, in kpart's read-only pages (`rust/module/ro_pages.rs`); each cache pointer
/// is NULL or a cache serving its size class that lives until kpart's exit,
/// and once set it never changes. The cache pointers are only accessed
/// atomically. `allocs` is a per-CPU counter.
#[repr(transparent)]
pub(crate) struct TypeCaches(UnsafeCell<b::kpart_type>);

impl TypeCaches {
    /// The C struct behind `this`, for its initialisation.
    pub(crate) fn raw(this: *const TypeCaches) -> *mut b::kpart_type {
        UnsafeCell::raw_get(this.cast())
    }

    /// The cache pointer of (`matrix`, size class `class`): matrix 1 for
    /// `__GFP_ACCOUNT`.
    #[inline(always)]
    pub(crate) fn slot(&self, matrix: usize, class: usize) -> &AtomicPtr<bindings::kmem_cache> {
        // SAFETY: The pointer is in `self`, valid and aligned for the
        // lifetime of `&self`, and only accessed atomically (type
        // invariant). The indices are masked into bounds.
        unsafe {
            AtomicPtr::from_ptr(core::ptr::addr_of_mut!(
                (*self.0.get()).caches[matrix & 1][class & ((1 << CLASS_BITS) - 1)]
            ))
        }
    }

    /// The type's token, or its call-site bucket for raw buffers.
    #[inline(always)]
    pub(crate) fn token(&self) -> u64 {
        // SAFETY: `token` never changes once the entry is reachable (type
        // invariant).
        unsafe { (*self.0.get()).token }
    }

    /// The type's allocation counter (`unsigned long __percpu *`).
    #[inline(always)]
    pub(crate) fn allocs(&self) -> *mut c_ulong {
        // SAFETY: `allocs` never changes once the entry is reachable (type
        // invariant).
        unsafe { (*self.0.get()).allocs }
    }

    /// The cache of (`accounted`, size class `class`), if made.
    #[inline(always)]
    pub(crate) fn cache(
        &self,
        accounted: bool,
        class: usize,
    ) -> Option<NonNull<bindings::kmem_cache>> {
        NonNull::new(self.slot(accounted as usize, class).load(Ordering::Acquire))
    }

    /// Allocates `size` bytes with `flags` on `node` from the type's own
    /// cache; `None` when it has no cache for them yet.
    #[inline(always)]
    pub(crate) fn alloc(
        &self,
        size: usize,
        flags: bindings::gfp_t,
        node: c_int,
    ) -> Option<*mut c_void> {
        let class = size_class::index(size)?;
        if flags & GFP_UNPARTITIONED != 0 {
            return None;
        }
        let cache = self.cache(flags & GFP_ACCOUNT != 0, class)?;
        // SAFETY: By the type invariant the cache lives until kpart's exit,
        // and the table reaches it only while kpart is loaded; it serves
        // `class`, which holds `size` bytes.
        Some(unsafe { cache_alloc(cache, flags, node, size) })
    }
}

/// The exported table: written by kpart's init alone, before any user can
/// link to it, and read-only once init returns (`__ro_after_init`); read by
/// everyone.
#[repr(transparent)]
pub(crate) struct SharedRoutes(pub(crate) UnsafeCell<Routes>);

// SAFETY: The table is only written while nothing reads it, during kpart's
// init (see the type's documentation), and `Routes` holds plain data.
unsafe impl Sync for SharedRoutes {}

impl SharedRoutes {
    /// The table, for reading.
    #[inline(always)]
    pub(crate) fn get(&self) -> &Routes {
        // SAFETY: Nothing writes the table while it is read (see the type's
        // documentation).
        unsafe { &*self.0.get() }
    }
}
