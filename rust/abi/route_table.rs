// SPDX-License-Identifier: GPL-2.0

//! The allocation path's routing table, shared by kpart and its users.
//!
//! kpart.ko exports one table, `kpart_routes` (`struct kpart_routes` in
//! `include/kpart.h`): a cache pointer for every (matrix, partition, size
//! class), indexed by bit fields, and the [`Router`] that picks the
//! partition. Users route in line, in their own code: with a token and
//! flags known at compile time, an allocation costs a size-class lookup,
//! one or two loads, a test, a per-CPU increment and the call a
//! constant-size `kmalloc()` makes, `__kmalloc_cache_noprof()`.
//! Whatever the table cannot serve (size 0 or above the largest class,
//! unpartitioned flags, `__GFP_ACCOUNT` without the accounted matrix, kpart
//! not set up) goes to the out-of-line `__kpart_kmalloc()`.
//!
//! kpart.ko and the Rust users include this file; the C users have its twin
//! in `include/kpart.h`. The table and a type's caches are the header's
//! structs, as bindgen makes them (`kpart_bindings.rs`), in thin wrappers.

use super::kpart_bindings as b;
use super::partition::{Mode, Routing, TOKEN_MAX};
use super::size_class;
use core::cell::UnsafeCell;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::bindings;
use kernel::ffi::{c_int, c_uint, c_ulong, c_void};

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
        && b::KPART_STAT_SLOTS as usize == ROWS + 1
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
pub(crate) struct Route {
    /// `matrix << 6 | partition`, below [`ROWS`].
    pub(crate) row: usize,
    /// The cache.
    pub(crate) cache: NonNull<bindings::kmem_cache>,
}

/// The routing table (`struct kpart_routes`).
///
/// # Invariants
///
/// Once kpart's init has filled it, and until kpart's exit, slot
/// [`slot`]`(`[`row`]`(accounted, partition), class)` of `caches` holds the
/// live cache of that matrix, partition and size class, or NULL where kpart
/// has no such cache, and the routing fields are those of a
/// [`Router`](super::partition::Router) for kpart's partitions (set with
/// [`Routes::set_router`]). Before, every slot is NULL and they route to
/// partition 0; after, no user is left to read it.
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
        caches: [core::ptr::null_mut(); SLOTS],
        typed: [0; TOKEN_MAX as usize],
        seed: 0,
        multiplier: 0,
        shift: 63,
        mode: Mode::Typed as u32,
    });

    /// The caches, by slot.
    pub(crate) fn caches(&self) -> &[*mut bindings::kmem_cache; SLOTS] {
        &self.0.caches
    }

    /// Puts `cache` in slot `slot`.
    pub(crate) fn set_cache(&mut self, slot: usize, cache: *mut bindings::kmem_cache) {
        self.0.caches[slot & (SLOTS - 1)] = cache;
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
        let row = row(flags & GFP_ACCOUNT != 0, self.partition(token, site));
        let cache = NonNull::new(self.0.caches[slot(row, class)])?;
        Some(Route { row, cache })
    }

    /// Allocates where [`Routes::route`] sends the allocation and counts it;
    /// `None` when plain kmalloc must serve it. (The Rust users' in-line
    /// path; kpart.ko itself uses [`Routes::alloc_node`].)
    #[allow(dead_code)]
    #[inline(always)]
    pub(crate) fn alloc(
        &self,
        size: usize,
        flags: bindings::gfp_t,
        token: u64,
        site: u64,
    ) -> Option<*mut c_void> {
        self.alloc_node(size, flags, NO_NODE, token, site)
    }

    /// [`Routes::alloc`] on NUMA node `node` ([`NO_NODE`]: any).
    #[inline(always)]
    pub(crate) fn alloc_node(
        &self,
        size: usize,
        flags: bindings::gfp_t,
        node: c_int,
        token: u64,
        site: u64,
    ) -> Option<*mut c_void> {
        let route = self.route(size, flags, token, site)?;
        Some(Self::alloc_from(route, size, flags, node))
    }

    /// Allocates `size` bytes (of size class `class`) from row `row` (a
    /// matrix and partition) and counts it; `None` when the table has no
    /// such cache.
    pub(crate) fn alloc_in_row(
        &self,
        row: usize,
        class: usize,
        size: usize,
        flags: bindings::gfp_t,
    ) -> Option<*mut c_void> {
        let cache = NonNull::new(self.0.caches[slot(row, class)])?;
        Some(Self::alloc_from(Route { row, cache }, size, flags, NO_NODE))
    }

    /// Allocates `size` bytes from `route`'s cache and counts it, with the
    /// call a constant-size `kmalloc()` makes: KASAN and tracing see a
    /// kmalloc object of `size` bytes, as they do for C's in-line path.
    #[inline(always)]
    fn alloc_from(route: Route, size: usize, flags: bindings::gfp_t, node: c_int) -> *mut c_void {
        count_alloc(route.row as c_uint);
        // SAFETY: By the type invariant the cache is live while kpart is
        // loaded, which it is while the table is in use: kpart's own entry
        // points run while it is loaded, and its users hold a reference. The
        // route's cache serves `size` bytes (`route` took its class from it).
        unsafe { cache_alloc(route.cache, flags, node, size) }
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
unsafe fn cache_alloc(
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
/// and size class, and its allocation counter.
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
    /// cache and counts it; `None` when it has no cache for them yet.
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
        self.count();
        // SAFETY: By the type invariant the cache lives until kpart's exit,
        // and the table reaches it only while kpart is loaded; it serves
        // `class`, which holds `size` bytes.
        Some(unsafe { cache_alloc(cache, flags, node, size) })
    }
}

impl TypeCaches {
    /// Counts an allocation in the type's per-CPU counter.
    #[inline(always)]
    fn count(&self) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `allocs` is a per-CPU pointer (type invariant), an offset
        // from this CPU's `%gs` base; one `incq` is atomic with respect to
        // interrupts on this CPU, as `this_cpu_inc()`.
        unsafe {
            core::arch::asm!(
                "incq %gs:({counter})",
                counter = in(reg) self.allocs(),
                options(att_syntax, nostack)
            );
        }
        #[cfg(not(target_arch = "x86_64"))]
        // SAFETY: `self` is a published type, as `kpart_stats_type` needs.
        unsafe {
            b::kpart_stats_type(TypeCaches::raw(self))
        };
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

// Per-CPU allocation counters, one per row and one for plain kmalloc
// ([`ROWS`]): `this_cpu` offsets (`c/module/exports.c`). Without the in-line
// increment, `kpart_stats_alloc()` counts.
#[cfg(target_arch = "x86_64")]
use b::kpart_allocs;
#[cfg(not(target_arch = "x86_64"))]
use b::kpart_stats_alloc;

/// Counts an allocation in `slot` (a row, or [`ROWS`] for plain kmalloc):
/// one `%gs`-relative increment on x86_64, as C's `this_cpu_inc()`, else a
/// call.
#[inline(always)]
pub(crate) fn count_alloc(slot: c_uint) {
    #[cfg(target_arch = "x86_64")]
    {
        // `min` keeps the index in bounds.
        let index = slot.min(ROWS as c_uint) as usize;
        // SAFETY: `kpart_allocs` is a per-CPU array (`DEFINE_PER_CPU`), so its
        // address is an offset from this CPU's `%gs` base, and `index` stays
        // within the array. A single `incq` is atomic with respect to
        // interrupts on this CPU, as `this_cpu_inc()`; a migration in between
        // only counts on another CPU, which the sum over CPUs does not mind.
        unsafe {
            core::arch::asm!(
                "incq %gs:{counters}(,{index},8)",
                counters = sym kpart_allocs,
                index = in(reg) index,
                options(att_syntax, nostack)
            );
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: Counting takes any slot.
    unsafe {
        kpart_stats_alloc(slot)
    };
}
