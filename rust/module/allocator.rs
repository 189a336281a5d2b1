// SPDX-License-Identifier: GPL-2.0

//! The allocation entry points kpart exports to C and Rust users.
//!
//! `__kpart_kmalloc()` is the fast path: a size-class table lookup, a flag
//! test, a partition table lookup (typed) or a multiply and shift (random),
//! a cache table lookup ([`Routes`]) and `__kmalloc_cache_noprof()`. Users do the
//! same in line (`include/kpart.h`, `rust/kpart_client.rs`) and call it only
//! for what the table cannot serve.

use crate::c_parts;
use crate::cache_matrix::CacheMatrix;
use crate::kpart_bindings as b;
use crate::partition::{Mode, Router, Routing};
use crate::retention::Retention;
use crate::route_table::{self, Routes, SharedRoutes};
use crate::size_class;
use crate::slot_index::SlotIndex;
use crate::type_caches::{self, TypeRegistry};
use core::cell::UnsafeCell;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::bindings;
use kernel::error::code::ENOENT;
use kernel::ffi::{c_char, c_int, c_uint, c_ulong, c_void};

/// `ZERO_SIZE_PTR`: what a zero-byte allocation returns.
pub(crate) const ZERO_SIZE_PTR: *mut c_void = b::KPART_ZERO_SIZE_PTR as *mut c_void;

/// kpart's state while loaded: the owner of the caches and the index from a
/// cache back to its slot, and in pertype mode the types' own caches. Where
/// the other allocations go is the routing table's business alone
/// ([`ROUTES`]).
pub(crate) struct Kpart {
    // Dropped first: its work item may still use the rest.
    types: Option<TypeRegistry>,
    matrix: CacheMatrix,
    index: SlotIndex,
}

/// The routing table of the allocation path, exported to kpart's users as
/// `kpart_routes` (`include/kpart.h`). [`Kpart::new`] fills it during kpart's
/// init; the module loader makes it read-only when init returns, as the
/// kernel's own `kmalloc_caches`, and nothing writes it afterwards, not even
/// unload.
#[export_name = "kpart_routes"]
#[link_section = ".data..ro_after_init"]
static ROUTES: SharedRoutes = SharedRoutes(UnsafeCell::new(Routes::EMPTY));

/// The loaded state, set by [`publish`] during kpart's init and read-only
/// afterwards, like [`ROUTES`].
///
/// Users reach kpart through its exported symbols, so they are loaded after
/// kpart's init and unloaded before its exit: a non-NULL pointer is valid for
/// the whole call.
#[link_section = ".data..ro_after_init"]
static STATE: AtomicPtr<Kpart> = AtomicPtr::new(ptr::null_mut());

/// Makes `kpart` the state the entry points use.
///
/// # Safety
///
/// Only kpart's init may call this, once: afterwards `STATE` is read-only.
/// `kpart` must stay valid while any user can call kpart, that is until
/// kpart's exit.
pub(crate) unsafe fn publish(kpart: &Kpart) {
    STATE.store(ptr::from_ref(kpart).cast_mut(), Ordering::Release);
}

#[inline(always)]
fn state() -> Option<&'static Kpart> {
    // SAFETY: A non-NULL `STATE` was published by `publish`, whose caller
    // keeps it valid while users can call in (see `STATE`).
    unsafe { STATE.load(Ordering::Acquire).as_ref() }
}

/// Plain kmalloc for what kpart does not partition; NULL without a warning
/// for sizes kmalloc can never satisfy.
fn kmalloc_unpartitioned(size: usize, flags: bindings::gfp_t) -> *mut c_void {
    if size == 0 {
        return ZERO_SIZE_PTR;
    }
    if size > bindings::KMALLOC_MAX_SIZE as usize {
        return ptr::null_mut();
    }
    route_table::count_alloc(route_table::ROWS as c_uint);
    // SAFETY: `__kmalloc_noprof` accepts any size and flags.
    unsafe { bindings::__kmalloc_noprof(size, flags) }
}

impl Kpart {
    /// Creates the caches for `partitions` partitions and fills the routing
    /// table with them and the router.
    ///
    /// # Safety
    ///
    /// Only kpart's init may call this, once, before any user can link to
    /// kpart: it writes [`ROUTES`], which is read-only afterwards.
    pub(crate) unsafe fn new(
        mode: Mode,
        partitions: u32,
        accounted: bool,
        retention: Retention,
        seed: u64,
        max_caches: u32,
    ) -> kernel::error::Result<Kpart> {
        let router = Router::new(mode, partitions, seed).ok_or(kernel::error::code::EINVAL)?;
        let matrix = CacheMatrix::new(partitions as usize, accounted, retention, mode, max_caches)?;
        let retention = matrix.retention();
        let types = match mode {
            Mode::PerType => Some(TypeRegistry::new(&matrix, max_caches, retention, seed)?),
            _ => None,
        };
        // SAFETY: Only init calls this (guaranteed by the caller), while
        // nothing reads the table: no user is linked yet.
        let routes = unsafe { &mut *ROUTES.0.get() };
        for cell in matrix.cells() {
            routes.set_cache(
                route_table::slot(route_table::row(cell.accounted, cell.partition), cell.class),
                cell.cache.as_ptr(),
            );
        }
        routes.set_router(&router);
        // INVARIANT (`Routes`): every cache of `matrix` is in its slot, the
        // other slots are NULL, and the router routes to its partitions. The
        // caches live as long as the returned `Kpart`, which the module keeps
        // until its exit.
        let index = SlotIndex::new(routes)?;
        Ok(Kpart {
            types,
            matrix,
            index,
        })
    }

    /// The caches.
    pub(crate) fn matrix(&self) -> &CacheMatrix {
        &self.matrix
    }

    /// Pertype mode's types.
    pub(crate) fn types(&self) -> Option<&TypeRegistry> {
        self.types.as_ref()
    }

    /// Allocates `size` bytes with `flags` on `node` from the caches of type
    /// `token` (call site `site` for raw buffers), and makes `slot` point to
    /// them when given. `None` when the type's caches cannot serve it now:
    /// the typed partition is to.
    fn alloc_pertype(
        &self,
        size: usize,
        flags: bindings::gfp_t,
        node: c_int,
        token: u64,
        site: u64,
        slot: Option<&AtomicPtr<route_table::TypeCaches>>,
        name: *const c_char,
    ) -> Option<*mut c_void> {
        let types = self.types.as_ref()?;
        let class = size_class::index(size)?;
        if flags & route_table::GFP_UNPARTITIONED != 0 {
            return None;
        }
        let key = types.key(token, site);
        // SAFETY: `name` is NULL or a string valid for the call (the
        // entry points' contract).
        let name = unsafe { type_caches::name_arg(name) };
        let caches = types.resolve(
            key,
            flags & route_table::GFP_ACCOUNT != 0,
            class,
            flags,
            name,
        )?;
        if let Some(slot) = slot {
            slot.store(ptr::from_ref(caches).cast_mut(), Ordering::Release);
        }
        caches.alloc(size, flags, node)
    }

    /// The slot of slab object `p` in the routing table, if it is in one of
    /// kpart's caches.
    fn slot_of(&self, p: *const c_void) -> Option<usize> {
        self.index.slot_of(slab_cache_of(p))
    }

    /// The type whose own cache holds slab object `p` (pertype mode): the
    /// types, its key and its matrix.
    fn type_of(&self, p: *const c_void) -> Option<(&TypeRegistry, u64, bool)> {
        let types = self.types.as_ref()?;
        let (key, accounted, _) = types.locate(slab_cache_of(p))?;
        Some((types, key, accounted))
    }

    /// Where slab object `p` lives, if it is one of kpart's.
    fn locate(&self, p: *const c_void) -> Option<b::kpart_location> {
        let cache = slab_cache_of(p);
        if let Some(slot) = self.index.slot_of(cache) {
            let (accounted, partition, class) = route_table::cell_of(slot);
            return Some(b::kpart_location {
                partition: partition as u32,
                size: size_class::SIZES[class] as u32,
                accounted,
                token: 0,
            });
        }
        let types = self.types.as_ref()?;
        let (key, accounted, class) = types.locate(cache)?;
        Some(b::kpart_location {
            partition: types.partition_of(key) as u32,
            size: size_class::SIZES[class] as u32,
            accounted,
            token: key,
        })
    }

    /// Resizes `p` (a live object or NULL or `ZERO_SIZE_PTR`), keeping a kpart
    /// object in its partition and matrix.
    ///
    /// # Safety
    ///
    /// `p` is NULL, `ZERO_SIZE_PTR` or a live kmalloc-compatible object that
    /// the caller owns; on success it must no longer be used unless returned.
    unsafe fn realloc(
        &self,
        p: *const c_void,
        new_size: usize,
        flags: bindings::gfp_t,
        token: u64,
        site: u64,
    ) -> *mut c_void {
        if p.is_null() || p == ZERO_SIZE_PTR.cast_const() {
            return alloc(new_size, flags, token, site);
        }
        if new_size == 0 {
            // SAFETY: `p` is a live object the caller gives up.
            unsafe { bindings::kfree(p) };
            return ZERO_SIZE_PTR;
        }
        // SAFETY: `p` is a live slab or large kmalloc object.
        let old_size = unsafe { bindings::ksize(p) };
        if new_size <= old_size {
            // SAFETY: `p` is live and the caller's; the kernel's krealloc
            // keeps an object that fits in place (resizing it for KASAN),
            // so it stays in its cache.
            return unsafe { bindings::krealloc_noprof(p, new_size, flags) };
        }
        let routes = ROUTES.get();
        let new = match (self.slot_of(p), size_class::index(new_size)) {
            // The same row (matrix and partition), the new size class.
            (Some(old), Some(class)) => routes
                .alloc_in_row(route_table::row_of(old), class, new_size, flags)
                .unwrap_or_else(|| kmalloc_unpartitioned(new_size, flags)),
            // Pertype mode: the same type, the new size class.
            (None, Some(class)) => match self.type_of(p) {
                Some((types, key, accounted)) => types
                    .alloc_in_type(routes, key, accounted, class, new_size, flags)
                    .unwrap_or_else(|| kmalloc_unpartitioned(new_size, flags)),
                None => alloc(new_size, flags, token, site),
            },
            _ => alloc(new_size, flags, token, site),
        };
        if new.is_null() {
            return new;
        }
        // SAFETY: `new` holds at least `new_size > old_size` bytes, `p` holds
        // `old_size` bytes (its ksize()), and the two objects are distinct.
        unsafe { c_parts::kpart_copy_object(new, p, old_size) };
        // SAFETY: `p` is live and the caller's, who gives it up.
        unsafe { bindings::kfree(p) };
        new
    }
}

/// The slab cache of `p`, or NULL when `p` is not a slab object.
fn slab_cache_of(p: *const c_void) -> *mut bindings::kmem_cache {
    // SAFETY: `kpart_slab_cache_of` accepts any pointer.
    unsafe { c_parts::kpart_slab_cache_of(p) }
}

/// Allocates through the routing table, or from plain kmalloc what the
/// table cannot serve; in pertype mode, from the type's own caches first.
#[inline(always)]
fn alloc(size: usize, flags: bindings::gfp_t, token: u64, site: u64) -> *mut c_void {
    alloc_node(
        size,
        flags,
        route_table::NO_NODE,
        token,
        site,
        None,
        ptr::null(),
    )
}

/// [`alloc`] on `node`, filling `slot` in pertype mode.
fn alloc_node(
    size: usize,
    flags: bindings::gfp_t,
    node: c_int,
    token: u64,
    site: u64,
    slot: Option<&AtomicPtr<route_table::TypeCaches>>,
    name: *const c_char,
) -> *mut c_void {
    let routes = ROUTES.get();
    if routes.mode() == Mode::PerType {
        if let Some(p) = state()
            .and_then(|kpart| kpart.alloc_pertype(size, flags, node, token, site, slot, name))
        {
            return p;
        }
    }
    if let Some(p) = routes.alloc_node(size, flags, node, token, site) {
        return p;
    }
    if node == route_table::NO_NODE || size == 0 || size > bindings::KMALLOC_MAX_SIZE as usize {
        return kmalloc_unpartitioned(size, flags);
    }
    route_table::count_alloc(route_table::ROWS as c_uint);
    // SAFETY: `__kmalloc_node_noprof` accepts any size, flags and node.
    unsafe { bindings::__kmalloc_node_noprof(size, flags, node) }
}

/// Allocates `size` bytes in the partition of (`token`, `site`).
///
/// `token` is the allocated type's Clang token with `-falloc-token-max=2^63`
/// (typed and pertype mode); `site` identifies the call site (random mode,
/// and raw buffers in pertype mode). See `include/kpart.h`.
#[no_mangle]
pub(crate) extern "C" fn __kpart_kmalloc(
    size: usize,
    flags: bindings::gfp_t,
    token: c_ulong,
    site: c_ulong,
) -> *mut c_void {
    alloc(size, flags, token as u64, site as u64)
}

/// Pertype mode's allocation path: allocates `size` bytes with `flags` on
/// `node` from the caches of type `token` (raw buffers: of call site `site`'s
/// bucket) and points `*slot` to them, making
/// them first if they do not exist and the allocation may sleep. In the other
/// modes, and what the type's caches cannot serve, as [`__kpart_kmalloc`].
///
/// # Safety
///
/// `slot` is valid for reads and writes of a pointer for the call, and read
/// only as a `struct kpart_type *` by its users; `name` is NULL or a
/// NUL-terminated string valid for the call.
#[no_mangle]
pub(crate) unsafe extern "C" fn __kpart_kmalloc_slot(
    size: usize,
    flags: bindings::gfp_t,
    node: c_int,
    token: c_ulong,
    site: c_ulong,
    slot: *mut *mut b::kpart_type,
    name: *const c_char,
) -> *mut c_void {
    // SAFETY: `slot` is valid for reads and writes of a pointer (the
    // caller's guarantee), aligned as a pointer is, and only accessed
    // atomically (C's `READ_ONCE` in line) while kpart writes it. A
    // `TypeCaches` is a transparent `struct kpart_type`.
    let atomic = unsafe { AtomicPtr::from_ptr(slot.cast::<*mut route_table::TypeCaches>()) };
    alloc_node(
        size,
        flags,
        node,
        token as u64,
        site as u64,
        Some(atomic),
        name,
    )
}

/// Makes the cache of (`cell`: accounted, size class) of type `key`, as an
/// allocation in atomic context asked (`rust/module/pertype/pertype.c`, process context).
#[no_mangle]
pub(crate) extern "C" fn kpart_types_make(key: u64, cell: c_uint) {
    let (Some(types), Some((accounted, class))) = (
        state().and_then(Kpart::types),
        type_caches::cell_parts(cell),
    ) else {
        return;
    };
    // Process context, as GFP_KERNEL. A failure leaves the type in its
    // partition; its next allocation that may sleep tries again.
    let _ = types.resolve(key, accounted, class, bindings::GFP_KERNEL, None);
}

/// Fills `view` with pertype mode's totals (zero in the other modes).
///
/// # Safety
///
/// `view` is valid for writes.
#[no_mangle]
pub(crate) unsafe extern "C" fn kpart_types_summary(view: *mut c_parts::kpart_types_view) {
    let value = state()
        .and_then(Kpart::types)
        .map(TypeRegistry::summary)
        .unwrap_or_default();
    // SAFETY: The caller passes a `view` valid for writes.
    unsafe { view.write(value) };
}

/// Fills `view` with type number `index` of pertype mode; false past the
/// last.
///
/// # Safety
///
/// `view` is valid for writes.
#[no_mangle]
pub(crate) unsafe extern "C" fn kpart_types_get(
    index: c_uint,
    view: *mut c_parts::kpart_type_view,
) -> bool {
    match state()
        .and_then(Kpart::types)
        .and_then(|types| types.get(index as usize))
    {
        Some(value) => {
            // SAFETY: The caller passes a `view` valid for writes.
            unsafe { view.write(value) };
            true
        }
        None => false,
    }
}

/// Resizes `p` to `new_size` bytes, keeping a kpart object in its partition.
///
/// # Safety
///
/// `p` is NULL, `ZERO_SIZE_PTR` or a live kmalloc-compatible object that the
/// caller owns.
#[no_mangle]
pub(crate) unsafe extern "C" fn __kpart_krealloc(
    p: *const c_void,
    new_size: usize,
    flags: bindings::gfp_t,
    token: c_ulong,
    site: c_ulong,
) -> *mut c_void {
    match state() {
        // SAFETY: The caller owns `p`, which is NULL, `ZERO_SIZE_PTR` or a
        // live kmalloc-compatible object: what `Kpart::realloc` requires.
        Some(kpart) => unsafe { kpart.realloc(p, new_size, flags, token as u64, site as u64) },
        // SAFETY: The same `p`, which is what krealloc accepts too.
        None => unsafe { bindings::krealloc_noprof(p, new_size, flags) },
    }
}

/// Fills `info` with kpart's mode, partition count and accounting.
///
/// # Safety
///
/// `info` is valid for writes.
#[no_mangle]
pub(crate) unsafe extern "C" fn kpart_get_info(info: *mut b::kpart_info) {
    let value = match state() {
        Some(kpart) => b::kpart_info {
            mode: ROUTES.get().mode() as u32,
            partitions: kpart.matrix.partitions() as u32,
            accounted: kpart.matrix.accounted(),
        },
        None => b::kpart_info {
            mode: 0,
            partitions: 0,
            accounted: false,
        },
    };
    // SAFETY: The caller passes an `info` valid for writes.
    unsafe { info.write(value) };
}

/// Finds the kpart cache holding `p`: 0 and `*loc` filled in, or `-ENOENT`.
///
/// # Safety
///
/// `p` is a live object or any pointer that is not one (NULL, stack, module
/// data); `loc` is valid for writes.
#[no_mangle]
pub(crate) unsafe extern "C" fn kpart_locate(
    p: *const c_void,
    loc: *mut b::kpart_location,
) -> c_int {
    match state().and_then(|kpart| kpart.locate(p)) {
        Some(found) => {
            // SAFETY: The caller passes a `loc` valid for writes.
            unsafe { loc.write(found) };
            0
        }
        None => ENOENT.to_errno(),
    }
}

// The functions `include/kpart.h` declares and kpart.ko defines here have the
// header's types: an array of the declaration and the definition does not
// compile otherwise.
const _: () = {
    let _ = [b::__kpart_kmalloc, __kpart_kmalloc];
    let _ = [b::__kpart_kmalloc_slot, __kpart_kmalloc_slot];
    let _ = [b::__kpart_krealloc, __kpart_krealloc];
    let _ = [b::kpart_get_info, kpart_get_info];
    let _ = [b::kpart_locate, kpart_locate];
};
