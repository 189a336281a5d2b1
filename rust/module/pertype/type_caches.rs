// SPDX-License-Identifier: GPL-2.0

//! Pertype mode: caches of every type's own.
//!
//! A type is known by its token with `-falloc-token-max=2^63`: 62 bits of
//! Clang's type hash and the pointer flag, the same for C's `struct foo` and
//! a Rust type whose C name is `foo`. Raw buffers, whose type Clang cannot
//! infer (token 0), are split by call site instead, into one bucket per
//! partition as random mode splits them; a bucket's key is `2^63` plus its
//! number, which no token is.
//!
//! The buckets' caches are all made at load: which bucket a site falls in
//! depends on the per-load seed, and a cache that appeared on a site's first
//! allocation would show it to anyone who lists `/sys/kernel/slab`. A type
//! gets a cache for a size class and matrix on the first allocation that
//! needs it and may sleep ([`TypeRegistry::resolve`]); a type's token is no
//! secret. Until then, and for allocations that may not make a cache
//! (atomic, `GFP_NOFS`, in reclaim), the type's typed partition serves and a
//! work item settles the type (`rust/module/pertype/pertype.c`). Past `max_caches=` caches, a
//! type's new size classes are its typed partition's caches, in its own
//! descriptor: the classes it has keep theirs, and its allocations stay in
//! line. Caches are named `kpart-t-<token>-<size>` (types) and
//! `kpart-s-<bucket>-<size>` (raw buffers), with `cg-` after `kpart-` in the
//! accounted matrix, and are kept until kpart unloads: a user module that
//! unloads leaves its types' caches, empty, for its next load.
//!
//! Everything that routes an allocation — the table of types, each type's
//! caches, the index from a cache back to its type — is in [`RoPages`]:
//! pages no slab object neighbours, read-only to everyone, written by kpart
//! under its mutex. Readers find a type without a lock: the table is
//! open-addressed and an entry, once published, is never removed or moved
//! until kpart's exit.

use super::shape::{self, ShapeTable};
use crate::alloc::alloc_in_row;
use crate::c_parts;
use crate::cache_matrix::CacheMatrix;
use crate::partition::{Mode, Router, Routing, BUCKET, GOLDEN_RATIO_64};
use crate::retention::Retention;
use crate::ro_pages::RoPages;
use crate::route_table::{self, TypeCaches};
use crate::size_class;
use crate::slab_cache::SlabCache;
use crate::stats;
use core::mem::size_of;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use kernel::alloc::{KVec, VBox, VVec};
use kernel::bindings;
use kernel::ffi::{c_char, c_ulong, c_void};
use kernel::fmt;
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::str::{CStr, CString};
use kernel::sync::Mutex;

/// The largest `max_caches=`.
pub(crate) const MAX_CACHES: u32 = 65536;

/// Types past the cap that still get a descriptor of their own (whose new
/// size classes are their typed partition's caches); beyond them, a type
/// shares its typed partition's descriptor.
const TYPES_PAST_CAP: usize = 256;

/// An entry of the index from a cache to the type whose own it is.
#[repr(C)]
struct Owner {
    /// The cache; NULL: a free slot. Published last, with release order.
    cache: AtomicPtr<bindings::kmem_cache>,
    /// `type index << 8 |` its [`cell`] (accounted, size class).
    place: AtomicU64,
}

/// Where each part of the routing pages starts, and how many it holds.
struct Layout {
    /// Open-addressed table of types by key: `slots` type pointers.
    slots: usize,
    /// Open-addressed index of caches: `owners` [`Owner`]s.
    owners: usize,
    /// The types, `entries` [`TypeCaches`]: the typed partitions first, then
    /// the buckets, then types in the order they came.
    entries: usize,
}

impl Layout {
    /// A layout for `partitions` typed partitions, `max_caches` caches made
    /// for types, and `preset` entries with `preset_caches` caches made at
    /// load (pertype mode's buckets, shape mode's zones and heaps).
    fn new(partitions: usize, max_caches: usize, preset: usize, preset_caches: usize) -> Layout {
        let entries = partitions + preset + max_caches + TYPES_PAST_CAP;
        Layout {
            slots: (2 * entries).next_power_of_two(),
            owners: (2 * (max_caches + preset_caches))
                .next_power_of_two()
                .max(16),
            entries,
        }
    }

    fn owners_at(&self) -> usize {
        self.slots * size_of::<AtomicPtr<TypeCaches>>()
    }

    fn entries_at(&self) -> usize {
        self.owners_at() + self.owners * size_of::<Owner>()
    }

    fn bytes(&self) -> usize {
        self.entries_at() + self.entries * size_of::<TypeCaches>()
    }
}

/// What the mutex guards: the types handed out, the caches and names.
struct State {
    /// Entries in use.
    used: usize,
    /// Every cache of every type, destroyed when the registry drops.
    caches: VVec<SlabCache>,
    /// Names given by Rust users: (key, name).
    names: KVec<(u64, CString)>,
}

/// The types of pertype mode and their caches.
///
/// # Invariants
///
/// `pages` holds `layout`: the table, the index of caches and the entries,
/// all zero-initialised and written only through `pages.store` under the
/// mutex (or in `new`, before anything is shared). Entries `0..state.used`
/// are initialised: entry `p < partitions` holds the caches of typed
/// partition `p` of the matrix the registry was made with, entry
/// `partitions + b` those of bucket `b`; each one's `allocs` is a counter
/// from `kpart_counter_new()` that the registry frees on drop. Every
/// non-NULL table slot points to an initialised entry, published with a
/// release store once complete, and never removed before the registry
/// drops.
pub(crate) struct TypeRegistry {
    pages: RoPages,
    layout: Layout,
    /// `log2(layout.slots)`.
    bits: u32,
    partitions: usize,
    max_caches: usize,
    accounted: bool,
    retention: Retention,
    /// Typed mode's router: the partition a type falls back to, and the
    /// bucket of raw buffers.
    typed: Router,
    state: Pin<VBox<Mutex<State>>>,
    cache_count: AtomicUsize,
    over_cap: AtomicUsize,
    early: AtomicUsize,
}

// SAFETY: The pages are read with atomics or after publication, written under
// the mutex; the rest is the mutex's, atomics, or never changes after `new`.
unsafe impl Send for TypeRegistry {}
// SAFETY: See `Send`.
unsafe impl Sync for TypeRegistry {}

impl TypeRegistry {
    /// A registry for `matrix`'s partitions with at most `max_caches`
    /// caches for types, each keeping empty slabs as `retention` says, and
    /// the caches of every bucket of raw buffers; in shape mode (`shape`),
    /// the caches of every zone instead, and the heaps' descriptors.
    pub(crate) fn new(
        matrix: &CacheMatrix,
        max_caches: u32,
        retention: Retention,
        seed: u64,
        shape: Option<&ShapeTable>,
    ) -> Result<TypeRegistry> {
        let partitions = matrix.partitions();
        let typed = Router::new(Mode::Typed, partitions as u32, seed).ok_or(EINVAL)?;
        let matrices = if matrix.accounted() { 2 } else { 1 };
        let (preset, preset_caches) = match shape {
            Some(shape) => {
                let zones = shape.zone_count() as usize;
                (zones + shape::HEAPS.len(), zones * matrices)
            }
            None => (partitions, partitions * size_class::COUNT * matrices),
        };
        let layout = Layout::new(partitions, max_caches as usize, preset, preset_caches);
        let pages = RoPages::new(layout.bytes())?;
        let state = VBox::pin_init(
            new_mutex!(State {
                used: 0,
                caches: VVec::new(),
                names: KVec::new(),
            }),
            GFP_KERNEL,
        )?;
        // INVARIANT: the pages hold `layout`, all zero; no entry is in use.
        let registry = TypeRegistry {
            pages,
            bits: layout.slots.trailing_zeros(),
            layout,
            partitions,
            max_caches: max_caches as usize,
            accounted: matrix.accounted(),
            retention,
            typed,
            state,
            cache_count: AtomicUsize::new(0),
            over_cap: AtomicUsize::new(0),
            early: AtomicUsize::new(0),
        };
        {
            let mut state = registry.state.lock();
            for _ in 0..partitions {
                registry.new_entry(&mut state, 0)?;
            }
            for cell in matrix.cells() {
                let fallback = registry.entry(cell.partition);
                for &m in registry.matrices_of(cell.accounted) {
                    registry.store(fallback.slot(m, cell.class), cell.cache.as_ptr());
                }
            }
            match shape {
                Some(shape) => {
                    for (key, class) in shape.zones() {
                        let entry = registry.publish(&mut state, key)?;
                        for &accounted in registry.matrices() {
                            registry.add_cache(&mut state, entry, accounted, class)?;
                        }
                    }
                    for key in shape::HEAPS {
                        registry.publish(&mut state, key)?;
                    }
                }
                None => {
                    for bucket in 0..partitions {
                        let entry = registry.publish(&mut state, BUCKET | bucket as u64)?;
                        for class in 0..size_class::COUNT {
                            for &accounted in registry.matrices() {
                                registry.add_cache(&mut state, entry, accounted, class)?;
                            }
                        }
                    }
                }
            }
        }
        Ok(registry)
    }

    /// The key of an allocation with token `token` at call site `site`
    /// ([`Routing::type_key`]).
    pub(crate) fn key(&self, token: u64, site: u64) -> u64 {
        self.typed.type_key(token, site)
    }

    /// The typed partition of `key`: a type's, or the fallback partition
    /// for raw buffers.
    pub(crate) fn partition_of(&self, key: u64) -> usize {
        self.typed
            .partition(if key & BUCKET != 0 { 0 } else { key }, 0)
    }

    /// The matrix that serves allocations of matrix `accounted`: without
    /// the accounted matrix, the plain one serves accounted allocations.
    fn serving(&self, accounted: bool) -> bool {
        accounted && self.accounted
    }

    /// The matrices kpart has: the plain one, and the accounted one.
    fn matrices(&self) -> &'static [bool] {
        &[false, true][..1 + self.accounted as usize]
    }

    /// The slots of a descriptor that point to the caches of matrix
    /// `accounted`, by the flags the in-line path reads them with: those of
    /// every matrix it serves ([`TypeRegistry::serving`]).
    fn matrices_of(&self, accounted: bool) -> &'static [usize] {
        match (self.accounted, accounted) {
            (false, _) => &[0, 1],
            (true, false) => &[0],
            (true, true) => &[1],
        }
    }

    /// The table of types by key.
    fn table(&self) -> &[AtomicPtr<TypeCaches>] {
        // SAFETY: The pages hold `layout.slots` pointers at offset 0, read
        // and written only atomically (type invariant); all-zero is NULL.
        unsafe { core::slice::from_raw_parts(self.pages.at(0).cast(), self.layout.slots) }
    }

    /// The index of caches to their types.
    fn owners(&self) -> &[Owner] {
        // SAFETY: The pages hold `layout.owners` owners there, read and
        // written only atomically (type invariant); all-zero is a free slot.
        unsafe {
            core::slice::from_raw_parts(
                self.pages.at(self.layout.owners_at()).cast(),
                self.layout.owners,
            )
        }
    }

    /// Where entry `index` is.
    fn entry_ptr(&self, index: usize) -> *const TypeCaches {
        self.pages
            .at(self.layout.entries_at() + index * size_of::<TypeCaches>())
            .cast()
    }

    /// Entry `index`, which is initialised.
    fn entry(&self, index: usize) -> &TypeCaches {
        // SAFETY: Entries below `state.used` are initialised and never change
        // but atomically (type invariant); callers pass such an index.
        unsafe { &*self.entry_ptr(index) }
    }

    /// The index of `entry`, one of the registry's.
    fn index_of(&self, entry: &TypeCaches) -> usize {
        (ptr::from_ref(entry) as usize - self.entry_ptr(0) as usize) / size_of::<TypeCaches>()
    }

    /// Stores `value` in `at`, a pointer in the registry's pages.
    fn store<T>(&self, at: &AtomicPtr<T>, value: *mut T) {
        // SAFETY: `at` is atomic; the callers hold the mutex or run in `new`.
        unsafe { self.pages.store(at.as_ptr().cast(), value as u64) };
    }

    /// Initialises the next free entry as type `key`, unpublished.
    fn new_entry(&self, state: &mut State, key: u64) -> Result<usize> {
        if state.used == self.layout.entries {
            return Err(ENOSPC);
        }
        // SAFETY: Allocating a counter has no precondition.
        let allocs = unsafe { c_parts::kpart_counter_new() };
        if allocs.is_null() {
            return Err(ENOMEM);
        }
        let index = state.used;
        let entry = self.entry_ptr(index);
        // SAFETY: Entry `index` is not in use, so no reference to it exists;
        // the pages hold it (type invariant).
        unsafe {
            let raw = TypeCaches::raw(entry);
            self.pages
                .store(ptr::addr_of!((*raw).allocs).cast(), allocs as u64);
            self.pages.store(ptr::addr_of!((*raw).token), key);
        }
        // INVARIANT: the entry is initialised, and its counter the
        // registry's.
        state.used += 1;
        Ok(index)
    }

    /// A new entry for `key`, published in the table.
    fn publish(&self, state: &mut State, key: u64) -> Result<usize> {
        let index = self.new_entry(state, key)?;
        // The table has twice as many slots as there are entries.
        let at = self.free_slot(key).ok_or(ENOSPC)?;
        self.store(&self.table()[at], self.entry_ptr(index).cast_mut());
        Ok(index)
    }

    /// The table slot where the search for `key` starts.
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(GOLDEN_RATIO_64) >> (64 - self.bits)) as usize
    }

    /// The entry of `key`, if published; lock-free.
    fn find(&self, key: u64) -> Option<&TypeCaches> {
        let table = self.table();
        let mask = table.len() - 1;
        let mut i = self.home(key);
        for _ in 0..table.len() {
            // SAFETY: By the type invariant a non-NULL slot points to an
            // initialised entry that lives as long as `self`.
            let entry = unsafe { table[i].load(Ordering::Acquire).as_ref() }?;
            if entry.token() == key {
                return Some(entry);
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// The first free slot for `key`; called under the mutex.
    fn free_slot(&self, key: u64) -> Option<usize> {
        let table = self.table();
        let mask = table.len() - 1;
        let mut i = self.home(key);
        for _ in 0..table.len() {
            if table[i].load(Ordering::Relaxed).is_null() {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// The caches an allocation of size class `class` in matrix `accounted`
    /// of type `key` with `flags` is to use: the type's own, made now when
    /// they do not exist yet and `flags` allow it (`kpart_types_may_create`),
    /// or past the cap its typed partition's, in its own descriptor.
    /// `None` when they do not exist and cannot be made now: the caller uses
    /// the typed partition, and a work item settles the type.
    pub(crate) fn resolve(
        &self,
        key: u64,
        accounted: bool,
        class: usize,
        flags: bindings::gfp_t,
        name: Option<&CStr>,
    ) -> Option<&TypeCaches> {
        let accounted = self.serving(accounted);
        if let Some(entry) = self.find(key) {
            if entry.cache(accounted, class).is_some() {
                return Some(entry);
            }
        }
        // SAFETY: `kpart_types_may_create` accepts any flags.
        if !unsafe { c_parts::kpart_types_may_create(flags) } {
            self.early.fetch_add(1, Ordering::Relaxed);
            // SAFETY: Deferring takes any key and cell.
            unsafe { c_parts::kpart_types_defer(key, cell(accounted, class)) };
            return None;
        }
        self.create(key, accounted, class, name).ok()
    }

    /// Gives type `key` a cache of (`accounted`, `class`) under the mutex:
    /// its own, or past the cap its typed partition's. Past the last free
    /// descriptor, the typed partition's descriptor.
    fn create(
        &self,
        key: u64,
        accounted: bool,
        class: usize,
        name: Option<&CStr>,
    ) -> Result<&TypeCaches> {
        let mut state = self.state.lock();
        if let Some(name) = name {
            if !state.names.iter().any(|(k, _)| *k == key) {
                let name = CString::try_from_fmt(fmt!("{}", name))?;
                state.names.push((key, name), GFP_KERNEL)?;
            }
        }
        let fallback = self.entry(self.partition_of(key));
        let entry = match self.find(key) {
            Some(entry) => entry,
            None => match self.publish(&mut state, key) {
                Ok(index) => self.entry(index),
                Err(e) if e == ENOSPC => {
                    self.over_cap.fetch_add(1, Ordering::Relaxed);
                    return Ok(fallback);
                }
                Err(e) => return Err(e),
            },
        };
        if entry.cache(accounted, class).is_some() {
            return Ok(entry);
        }
        let count = self.cache_count.load(Ordering::Relaxed);
        if count >= self.max_caches {
            self.over_cap.fetch_add(1, Ordering::Relaxed);
            let cache = fallback
                .cache(accounted, class)
                .map_or(ptr::null_mut(), NonNull::as_ptr);
            for &m in self.matrices_of(accounted) {
                self.store(entry.slot(m, class), cache);
            }
            return Ok(entry);
        }
        self.add_cache(&mut state, self.index_of(entry), accounted, class)?;
        self.cache_count.store(count + 1, Ordering::Relaxed);
        Ok(entry)
    }

    /// Makes entry `index`'s own cache of (`accounted`, `class`), indexes it
    /// and publishes it in the entry.
    fn add_cache(&self, state: &mut State, index: usize, accounted: bool, class: usize) -> Result {
        let entry = self.entry(index);
        let cache = self.make_cache(entry.token(), accounted, class)?;
        let p = cache.as_ptr();
        state.caches.push(cache, GFP_KERNEL)?;
        self.index_cache(p, index, accounted, class);
        for &m in self.matrices_of(accounted) {
            self.store(entry.slot(m, class), p);
        }
        Ok(())
    }

    /// The owner slot where the search for `cache` starts.
    fn owner_home(&self, cache: *const bindings::kmem_cache) -> usize {
        ((cache as u64).wrapping_mul(GOLDEN_RATIO_64) >> (64 - self.layout.owners.trailing_zeros()))
            as usize
    }

    /// Records that `cache` is entry `index`'s of (`accounted`, `class`).
    fn index_cache(
        &self,
        cache: *mut bindings::kmem_cache,
        index: usize,
        accounted: bool,
        class: usize,
    ) {
        let owners = self.owners();
        let mask = owners.len() - 1;
        let mut i = self.owner_home(cache);
        // The index has twice as many slots as caches can be made: one is
        // free.
        while !owners[i].cache.load(Ordering::Relaxed).is_null() {
            i = (i + 1) & mask;
        }
        let place = (index as u64) << 8 | cell(accounted, class) as u64;
        // SAFETY: `place` is atomic; the caller holds the mutex.
        unsafe { self.pages.store(owners[i].place.as_ptr(), place) };
        self.store(&owners[i].cache, cache);
    }

    /// A new cache for type `key`, size class `class`.
    fn make_cache(&self, key: u64, accounted: bool, class: usize) -> Result<SlabCache> {
        let heap = |name: &str| {
            SlabCache::kmalloc_class(fmt!("{}", name), class, accounted, self.retention)
        };
        match key {
            shape::DATA => return heap("data"),
            shape::VAR_POINTERS => return heap("varptr"),
            shape::VAR => return heap("var"),
            shape::UNSIGNED => return heap("unsigned"),
            _ if shape::is_shape_key(key) => {
                return SlabCache::kmalloc_class(
                    fmt!("z{:03}", shape::zone_number(key)),
                    class,
                    accounted,
                    self.retention,
                )
            }
            _ => {}
        }
        if key & BUCKET != 0 {
            SlabCache::kmalloc_class(
                fmt!("s-{:02}", key & !BUCKET),
                class,
                accounted,
                self.retention,
            )
        } else {
            SlabCache::kmalloc_class(fmt!("t-{:016x}", key), class, accounted, self.retention)
        }
    }

    /// Where the object in `cache` lives, if `cache` is a type's own: (key,
    /// accounted, size class). Lock-free, in constant expected time.
    pub(crate) fn locate(&self, cache: *const bindings::kmem_cache) -> Option<(u64, bool, usize)> {
        if cache.is_null() {
            return None;
        }
        let owners = self.owners();
        let mask = owners.len() - 1;
        let mut i = self.owner_home(cache);
        for _ in 0..owners.len() {
            let c = owners[i].cache.load(Ordering::Acquire);
            if c.is_null() {
                return None;
            }
            if ptr::eq(c, cache) {
                let place = owners[i].place.load(Ordering::Relaxed);
                let entry = self.entry((place >> 8) as usize);
                let (accounted, class) = cell_parts(place as u8 as u32)?;
                return Some((entry.token(), accounted, class));
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// Allocates `size` bytes (of size class `class`) with `flags` from
    /// type `key`'s caches of matrix `accounted`, made now if need be and
    /// allowed, else from its typed partition's.
    pub(crate) fn alloc_in_type(
        &self,
        key: u64,
        accounted: bool,
        class: usize,
        size: usize,
        flags: bindings::gfp_t,
    ) -> Option<*mut c_void> {
        self.resolve(key, accounted, class, flags, None)
            .and_then(|caches| {
                let p = caches.alloc(size, flags, route_table::NO_NODE)?;
                stats::count_type(caches);
                Some(p)
            })
            .or_else(|| {
                let row = route_table::row(self.serving(accounted), self.partition_of(key));
                alloc_in_row(row, class, size, flags)
            })
    }

    /// How many of entry `entry`'s caches are its own.
    fn own_caches(&self, entry: &TypeCaches) -> u32 {
        let fallback = self.entry(self.partition_of(entry.token()));
        let mut count = 0;
        for &accounted in self.matrices() {
            for class in 0..size_class::COUNT {
                let cache = entry.cache(accounted, class);
                count += (cache.is_some() && cache != fallback.cache(accounted, class)) as u32;
            }
        }
        count
    }

    /// The totals, for debugfs.
    pub(crate) fn summary(&self) -> c_parts::kpart_types_view {
        let state = self.state.lock();
        let mut fallback = 0;
        for index in 0..state.used {
            let entry = self.entry(index);
            // Types with no cache of their own: wholly past the cap.
            if index < self.partitions || self.own_caches(entry) == 0 {
                // SAFETY: Each counter is live while its entry is.
                fallback += unsafe { c_parts::kpart_counter_sum(entry.allocs()) };
            }
        }
        c_parts::kpart_types_view {
            types: (state.used - self.partitions) as u32,
            caches: self.cache_count.load(Ordering::Relaxed) as u32,
            max_caches: self.max_caches as u32,
            over_cap: self.over_cap.load(Ordering::Relaxed) as c_ulong,
            early: self.early.load(Ordering::Relaxed) as c_ulong,
            fallback,
        }
    }

    /// Type number `index` in the order of creation, buckets first, for
    /// debugfs.
    pub(crate) fn get(&self, index: usize) -> Option<c_parts::kpart_type_view> {
        let state = self.state.lock();
        let index = index.checked_add(self.partitions)?;
        if index >= state.used {
            return None;
        }
        let entry = self.entry(index);
        let key = entry.token();
        let name = state
            .names
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(ptr::null(), |(_, n)| n.as_char_ptr());
        Some(c_parts::kpart_type_view {
            token: key,
            name,
            caches: self.own_caches(entry),
            // SAFETY: The counter is live while the entry is.
            allocs: unsafe { c_parts::kpart_counter_sum(entry.allocs()) },
        })
    }

    /// The number of caches made for types so far.
    pub(crate) fn caches(&self) -> usize {
        self.cache_count.load(Ordering::Relaxed)
    }
}

impl Drop for TypeRegistry {
    fn drop(&mut self) {
        // SAFETY: Stops the work that makes caches before they are destroyed.
        unsafe { c_parts::kpart_types_cancel() };
        let used = self.state.lock().used;
        for index in 0..used {
            // SAFETY: By the type invariant the counter of an entry in use is
            // the registry's, and nobody counts in it any more: kpart is
            // unloading.
            unsafe { c_parts::kpart_counter_free(self.entry(index).allocs()) };
        }
    }
}

/// A type name from a user, valid for the call.
///
/// # Safety
///
/// `name` is NULL or a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn name_arg<'a>(name: *const c_char) -> Option<&'a CStr> {
    NonNull::new(name.cast_mut())
        // SAFETY: A non-NULL `name` is a NUL-terminated string valid for `'a`
        // (the caller's guarantee).
        .map(|n| unsafe { CStr::from_char_ptr(n.as_ptr()) })
}

/// The cell of (`accounted`, size class `class`), for a deferred request and
/// the index of caches: `accounted << CLASS_BITS | class`, below 256.
fn cell(accounted: bool, class: usize) -> u32 {
    const _: () = assert!(route_table::CLASS_BITS < 8);
    (accounted as u32) << route_table::CLASS_BITS | class as u32
}

/// The (accounted, size class) of a [`cell`].
pub(crate) fn cell_parts(cell: u32) -> Option<(bool, usize)> {
    let class = (cell & ((1 << route_table::CLASS_BITS) - 1)) as usize;
    (class < size_class::COUNT && cell >> (route_table::CLASS_BITS + 1) == 0)
        .then_some((cell >> route_table::CLASS_BITS != 0, class))
}
