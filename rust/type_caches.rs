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
//! A type gets a cache for a size class and matrix on the first allocation
//! that needs it and may sleep ([`TypeRegistry::resolve`]). Until then, and
//! for allocations that may not make a cache (atomic, `GFP_NOFS`, in
//! reclaim), the type's typed partition serves and a work item makes the
//! cache (`c/pertype.c`). Past `max_caches=` caches, a type keeps its typed
//! partition. Caches are named `kpart-t-<token>-<size>` (types) and
//! `kpart-s-<bucket>-<size>` (raw buffers), with `cg-` after `kpart-` in the
//! accounted matrix, and are kept until kpart unloads: a user module that
//! unloads leaves its types' caches, empty, for its next load.
//!
//! Readers find a type without a lock: the table is open-addressed and an
//! entry, once published, is never removed or moved until kpart's exit.

use crate::c_parts;
use crate::cache_matrix::CacheMatrix;
use crate::partition::{Mode, Router, BUCKET};
use crate::retention::Retention;
use crate::route_table::{self, TypeCaches};
use crate::size_class;
use crate::slab_cache::SlabCache;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use kernel::alloc::KVec;
use kernel::bindings;
use kernel::ffi::{c_char, c_ulong, c_void};
use kernel::fmt;
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::str::{CStr, CString};
use kernel::sync::Mutex;

/// The largest `max_caches=`.
pub(crate) const MAX_CACHES: u32 = 65536;

/// `GOLDEN_RATIO_64` of `include/linux/hash.h`.
const GOLDEN_RATIO_64: u64 = 0x61C8_8646_80B5_83EB;

/// A type with caches of its own: the `struct kpart_type` call sites point
/// to, first, and what only kpart needs.
///
/// # Invariants
///
/// `caches.allocs` is a counter from `kpart_counter_new()` that this entry
/// alone frees, on drop.
#[repr(C)]
struct Entry {
    caches: TypeCaches,
}

impl Entry {
    /// A type with key `key` and no caches yet.
    fn new(key: u64) -> Result<KBox<Entry>> {
        // SAFETY: Allocating a counter has no precondition.
        let allocs = unsafe { c_parts::kpart_counter_new() };
        if allocs.is_null() {
            return Err(ENOMEM);
        }
        // INVARIANT: `allocs` is new and owned by the entry.
        Ok(KBox::new(
            Entry {
                caches: TypeCaches {
                    caches: Default::default(),
                    allocs,
                    token: key,
                },
            },
            GFP_KERNEL,
        )?)
    }

    /// How many caches the type has.
    fn cache_count(&self) -> u32 {
        let mut count = 0;
        for matrix in &self.caches.caches {
            for cache in matrix {
                count += !cache.load(Ordering::Relaxed).is_null() as u32;
            }
        }
        count
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the counter is ours, and nobody
        // counts in it any more: kpart is unloading.
        unsafe { c_parts::kpart_counter_free(self.caches.allocs) };
    }
}

/// What the mutex guards: the owners of the entries, the caches and names.
struct State {
    /// Every entry in the table, owned here.
    entries: KVec<KBox<Entry>>,
    /// Every cache of every entry, destroyed when the registry drops.
    caches: KVec<SlabCache>,
    /// Names given by Rust users: (key, name).
    names: KVec<(u64, CString)>,
}

/// The types of pertype mode and their caches.
///
/// # Invariants
///
/// Every non-NULL pointer in `table` points to an entry owned by
/// `state.entries`, published with a release store once complete, and never
/// removed before the registry drops. `fallback[p]` holds the caches of typed
/// partition `p` of the matrix the registry was made with.
pub(crate) struct TypeRegistry {
    table: KVec<AtomicPtr<Entry>>,
    /// `log2(table.len())`.
    bits: u32,
    max_caches: usize,
    accounted: bool,
    retention: Retention,
    /// Typed mode's router: the partition a type falls back to, and the
    /// bucket of raw buffers.
    typed: Router,
    /// The typed partitions as types, for call sites past the cap.
    fallback: KVec<KBox<Entry>>,
    state: Pin<KBox<Mutex<State>>>,
    cache_count: AtomicUsize,
    over_cap: AtomicUsize,
    early: AtomicUsize,
}

// SAFETY: The table and counters are atomics, the rest is guarded by the
// mutex or never changes after `new`; entries are shared read-only (their
// cache pointers are atomics), and the counters are per-CPU.
unsafe impl Send for TypeRegistry {}
// SAFETY: See `Send`.
unsafe impl Sync for TypeRegistry {}

impl TypeRegistry {
    /// A registry for `matrix`'s partitions with at most `max_caches`
    /// caches, each keeping empty slabs as `retention` says.
    pub(crate) fn new(
        matrix: &CacheMatrix,
        max_caches: u32,
        retention: Retention,
        seed: u64,
    ) -> Result<TypeRegistry> {
        let partitions = matrix.partitions() as u32;
        let typed = Router::new(Mode::Typed, partitions, seed).ok_or(EINVAL)?;
        // At most one type per cache, and the buckets: half full at most.
        let slots = (2 * (max_caches as usize + partitions as usize))
            .next_power_of_two()
            .max(16);
        let mut table = KVec::with_capacity(slots, GFP_KERNEL)?;
        for _ in 0..slots {
            table.push(AtomicPtr::new(ptr::null_mut()), GFP_KERNEL)?;
        }
        let mut fallback = KVec::with_capacity(partitions as usize, GFP_KERNEL)?;
        for _ in 0..partitions {
            fallback.push(Entry::new(0)?, GFP_KERNEL)?;
        }
        for cell in matrix.cells() {
            // Without the accounted matrix, accounted allocations use the
            // plain one.
            let targets: &[usize] = if matrix.accounted() {
                &[cell.accounted as usize]
            } else {
                &[0, 1]
            };
            for &m in targets {
                fallback[cell.partition].caches.caches[m][cell.class]
                    .store(cell.cache.as_ptr(), Ordering::Relaxed);
            }
        }
        let state = KBox::pin_init(
            new_mutex!(State {
                entries: KVec::new(),
                caches: KVec::new(),
                names: KVec::new(),
            }),
            GFP_KERNEL,
        )?;
        // INVARIANT: the table is empty; `fallback` holds the matrix's caches.
        Ok(TypeRegistry {
            table,
            bits: slots.trailing_zeros(),
            max_caches: max_caches as usize,
            accounted: matrix.accounted(),
            retention,
            typed,
            fallback,
            state,
            cache_count: AtomicUsize::new(0),
            over_cap: AtomicUsize::new(0),
            early: AtomicUsize::new(0),
        })
    }

    /// The key of an allocation with token `token` at call site `site`
    /// ([`Router::type_key`]).
    pub(crate) fn key(&self, token: u64, site: u64) -> u64 {
        self.typed.type_key(token, site)
    }

    /// The typed partition of `key`: a type's, or the fallback partition
    /// for raw buffers.
    pub(crate) fn partition_of(&self, key: u64) -> usize {
        self.typed
            .partition(if key & BUCKET != 0 { 0 } else { key }, 0)
    }

    /// The table slot where the search for `key` starts.
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(GOLDEN_RATIO_64) >> (64 - self.bits)) as usize
    }

    /// The entry of `key`, if published; lock-free.
    fn find(&self, key: u64) -> Option<&Entry> {
        let mask = self.table.len() - 1;
        let mut i = self.home(key);
        for _ in 0..self.table.len() {
            // SAFETY: By the type invariant a non-NULL slot points to a
            // complete entry that lives as long as `self`.
            let entry = unsafe { self.table[i].load(Ordering::Acquire).as_ref() }?;
            if entry.caches.token == key {
                return Some(entry);
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// The caches an allocation of size class `class` in matrix `accounted`
    /// of type `key` with `flags` is to use: the type's own, made now when
    /// they do not exist yet and `flags` allow it (`kpart_types_may_create`),
    /// or its typed partition's past the cap.
    /// `None` when they do not exist and cannot be made now: the caller uses
    /// the typed partition, and a work item makes them.
    pub(crate) fn resolve(
        &self,
        key: u64,
        accounted: bool,
        class: usize,
        flags: bindings::gfp_t,
        name: Option<&CStr>,
    ) -> Option<&TypeCaches> {
        let accounted = accounted && self.accounted;
        if let Some(entry) = self.find(key) {
            if entry.caches.cache(accounted, class).is_some() {
                return Some(&entry.caches);
            }
        }
        // SAFETY: `kpart_types_may_create` accepts any flags.
        if !unsafe { c_parts::kpart_types_may_create(flags) } {
            self.early.fetch_add(1, Ordering::Relaxed);
            // SAFETY: Deferring takes any key and cell.
            unsafe { c_parts::kpart_types_defer(key, (accounted as u32) << 4 | class as u32) };
            return None;
        }
        match self.create(key, accounted, class, name) {
            Ok(Some(caches)) => Some(caches),
            Ok(None) => Some(&self.fallback[self.partition_of(key)].caches),
            Err(_) => None,
        }
    }

    /// Makes type `key`'s cache of (`accounted`, `class`) under the mutex;
    /// `Ok(None)` past the cap.
    fn create(
        &self,
        key: u64,
        accounted: bool,
        class: usize,
        name: Option<&CStr>,
    ) -> Result<Option<&TypeCaches>> {
        let mut state = self.state.lock();
        if let Some(name) = name {
            if !state.names.iter().any(|(k, _)| *k == key) {
                let name = CString::try_from_fmt(fmt!("{}", name))?;
                state.names.push((key, name), GFP_KERNEL)?;
            }
        }
        let entry = match self.find(key) {
            Some(entry) => entry,
            None => {
                if state.caches.len() >= self.max_caches {
                    self.over_cap.fetch_add(1, Ordering::Relaxed);
                    return Ok(None);
                }
                let entry = Entry::new(key)?;
                let at = self.free_slot(key).ok_or(ENOSPC)?;
                state.entries.reserve(1, GFP_KERNEL)?;
                let p = ptr::from_ref(&*entry).cast_mut();
                state.entries.push(entry, GFP_KERNEL)?;
                // INVARIANT: the entry is complete and owned by `state`.
                self.table[at].store(p, Ordering::Release);
                // SAFETY: Just published; it lives as long as `self`.
                unsafe { &*p }
            }
        };
        if entry.caches.cache(accounted, class).is_some() {
            return Ok(Some(&entry.caches));
        }
        if state.caches.len() >= self.max_caches {
            self.over_cap.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
        let cache = self.make_cache(key, accounted, class)?;
        state.caches.reserve(1, GFP_KERNEL)?;
        let p = cache.as_ptr();
        state.caches.push(cache, GFP_KERNEL)?;
        self.cache_count
            .store(state.caches.len(), Ordering::Relaxed);
        let targets: &[usize] = if self.accounted {
            &[accounted as usize]
        } else {
            &[0, 1]
        };
        for &m in targets {
            entry.caches.caches[m][class].store(p, Ordering::Release);
        }
        Ok(Some(&entry.caches))
    }

    /// The first free slot for `key`; called under the mutex.
    fn free_slot(&self, key: u64) -> Option<usize> {
        let mask = self.table.len() - 1;
        let mut i = self.home(key);
        for _ in 0..self.table.len() {
            if self.table[i].load(Ordering::Relaxed).is_null() {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// A new cache for type `key`, size class `class`.
    fn make_cache(&self, key: u64, accounted: bool, class: usize) -> Result<SlabCache> {
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

    /// Where the object in `cache` lives, if `cache` is a type's: (key,
    /// accounted, size class).
    pub(crate) fn locate(&self, cache: *const bindings::kmem_cache) -> Option<(u64, bool, usize)> {
        if cache.is_null() {
            return None;
        }
        for slot in self.table.iter() {
            // SAFETY: As in `find`.
            let Some(entry) = (unsafe { slot.load(Ordering::Acquire).as_ref() }) else {
                continue;
            };
            for (m, matrix) in entry.caches.caches.iter().enumerate() {
                for (class, c) in matrix.iter().enumerate().take(size_class::COUNT) {
                    if ptr::eq(c.load(Ordering::Acquire), cache) {
                        return Some((entry.caches.token, m == 1 && self.accounted, class));
                    }
                }
            }
        }
        None
    }

    /// Allocates `size` bytes (of size class `class`) with `flags` from
    /// type `key`'s caches of matrix `accounted`, made now if need be and
    /// allowed, else from its typed partition's (`routes`).
    pub(crate) fn alloc_in_type(
        &self,
        routes: &route_table::Routes,
        key: u64,
        accounted: bool,
        class: usize,
        size: usize,
        flags: bindings::gfp_t,
    ) -> Option<*mut c_void> {
        self.resolve(key, accounted, class, flags, None)
            .and_then(|caches| caches.alloc(size, flags, route_table::NO_NODE))
            .or_else(|| {
                let row = route_table::row(accounted && self.accounted, self.partition_of(key));
                routes.alloc_in_row(row, class, size, flags)
            })
    }

    /// The totals, for debugfs.
    pub(crate) fn summary(&self) -> c_parts::TypesView {
        let state = self.state.lock();
        c_parts::TypesView {
            types: state.entries.len() as u32,
            caches: state.caches.len() as u32,
            max_caches: self.max_caches as u32,
            over_cap: self.over_cap.load(Ordering::Relaxed) as c_ulong,
            early: self.early.load(Ordering::Relaxed) as c_ulong,
            fallback: self
                .fallback
                .iter()
                // SAFETY: Each counter is live while its entry is.
                .map(|e| unsafe { c_parts::kpart_counter_sum(e.caches.allocs) })
                .sum(),
        }
    }

    /// Type number `index` in the order of creation, for debugfs.
    pub(crate) fn get(&self, index: usize) -> Option<c_parts::TypeView> {
        let state = self.state.lock();
        let entry = state.entries.get(index)?;
        let key = entry.caches.token;
        let name = state
            .names
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(ptr::null(), |(_, n)| n.as_char_ptr());
        Some(c_parts::TypeView {
            token: key,
            name,
            caches: entry.cache_count(),
            // SAFETY: The counter is live while the entry is.
            allocs: unsafe { c_parts::kpart_counter_sum(entry.caches.allocs) },
        })
    }

    /// The number of caches made so far.
    pub(crate) fn caches(&self) -> usize {
        self.cache_count.load(Ordering::Relaxed)
    }
}

impl Drop for TypeRegistry {
    fn drop(&mut self) {
        // SAFETY: Stops the work that makes caches before they are destroyed.
        unsafe { c_parts::kpart_types_cancel() };
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

/// The cell of a deferred request: (accounted, size class).
pub(crate) fn cell_parts(cell: u32) -> Option<(bool, usize)> {
    let class = (cell & 0xf) as usize;
    (class < size_class::COUNT && cell >> 5 == 0).then_some((cell >> 4 != 0, class))
}
