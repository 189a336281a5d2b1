// SPDX-License-Identifier: GPL-2.0

//! Allocating from kpart in a Rust module.
//!
//! 6.12 cannot link one Rust module against another's crate, so a Rust user of
//! kpart includes this file (which includes the files of `abi/` beside it) as
//! a module and calls kpart's exported C-ABI entry points:
//!
//! ```ignore
//! #[path = "/path/to/kpart/rust/kpart_client.rs"]
//! mod kpart;
//!
//! use kpart::{kpart_type, AllocType};
//!
//! kpart_type! {
//!     #[repr(C)]
//!     pub struct Session {
//!         pub id: u64,
//!         pub peer: *mut Session,
//!     }
//! }
//!
//! let s = kpart::new_box(Session { id: 1, peer: core::ptr::null_mut() }, GFP_KERNEL)?;
//! ```
//!
//! and builds with `KBUILD_EXTRA_SYMBOLS=<kpart>/Module.symvers`.
//!
//! The partition is computed at compile time from the type: its C name and
//! whether it holds a pointer ([`AllocType`]), so a Rust `Session` lands in
//! the partition of a C `struct Session`. In random mode the site is the
//! caller's own call site (`#[track_caller]`) for [`new_box`], [`alloc`] and
//! [`kmalloc`]; allocations through [`Box::new`] cannot see their caller, and
//! use one site per type.

// Its API is `pub` for the crates that include it, as a private module; each
// uses part of it, so every item of the API allows `dead_code`.
#![allow(unreachable_pub)]

#[allow(dead_code)] // Shared with kpart.ko and the host crate.
#[path = "abi/alloc_token.rs"]
pub mod alloc_token;

/// `AllocType` for `bindings::<kernel struct>`, generated with Clang.
#[path = "kernel_types.rs"]
pub mod kernel_types;

/// kpart's C API (`include/kpart.h`), as bindgen makes it at build time.
#[path = "abi/kpart_bindings.rs"]
mod kpart_bindings;
#[allow(dead_code)] // Shared with kpart.ko and the host crate.
#[path = "abi/partition.rs"]
mod partition;
#[allow(dead_code)] // Shared with kpart.ko and the host crate.
#[path = "abi/rebound.rs"]
mod rebound;
#[allow(dead_code)] // Shared with kpart.ko and the host crate.
#[path = "abi/route_table.rs"]
mod route_table;
#[allow(dead_code)] // Shared with kpart.ko and the host crate.
#[path = "abi/size_class.rs"]
mod size_class;
#[path = "abi/static_branch.rs"]
mod static_branch;

#[allow(unused_imports)]
pub(crate) use alloc_token::kpart_type;
pub use alloc_token::{AllocType, TokenMode};

use core::alloc::Layout;
use core::marker::PhantomData;
use core::panic::Location as CallSite;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::alloc::{AllocError, Allocator, Box, Flags, Vec};
use kernel::bindings;
use kernel::ffi::{c_char, c_ulong, c_void};
use partition::Routing;
use route_table::{GFP_ACCOUNT, GFP_UNPARTITIONED};

/// The bound of typed mode's table of tokens (`-falloc-token-max=64`):
/// [`token_from_64`] names a token by its token of that bound.
#[allow(dead_code)]
pub const TOKEN_MAX: u64 = partition::TOKEN_MAX;

/// The token bound kpart's tokens have (`-falloc-token-max=2^63` in C): a
/// token is a type's identity.
#[allow(dead_code)]
pub const TOKEN_BOUND: u64 = partition::TOKEN_BOUND;

/// A token whose typed table entry is `token64`'s (below [`TOKEN_MAX`]).
#[allow(dead_code)]
pub const fn token_from_64(token64: u64) -> u64 {
    partition::unfold(token64)
}

/// `ZERO_SIZE_PTR`: what a zero-byte allocation returns.
#[allow(dead_code)]
pub const ZERO_SIZE_PTR: *mut u8 = kpart_bindings::KPART_ZERO_SIZE_PTR as *mut u8;

/// The size classes kpart serves (bytes, smallest first) and their names in
/// cache names (`kpart-<partition>-<name>`).
#[allow(dead_code)]
pub const SIZE_CLASSES: [usize; size_class::COUNT] = size_class::SIZES;
/// See [`SIZE_CLASSES`].
#[allow(dead_code)]
pub const SIZE_CLASS_NAMES: [&str; size_class::COUNT] = size_class::NAMES;

/// The partition of `token` with `partitions` partitions in typed mode:
/// Clang's `typehashpointersplit` reduction, kpart's own (`partition.rs`).
#[allow(dead_code)]
pub fn typed_partition(token: u64, partitions: u32) -> u32 {
    partition::reduce_token(token, partitions) as u32
}

/// `struct kpart_info`: how kpart was loaded.
pub use kpart_bindings::kpart_info as Info;
/// `struct kpart_location`: where a kpart object lives.
pub use kpart_bindings::kpart_location as Location;

use kpart_bindings::{
    __kpart_kmalloc, __kpart_kmalloc_slot, __kpart_krealloc, kpart_get_info, kpart_locate,
    kpart_routes, kpart_shape_zone, kpart_types_settle,
};

/// kpart's exported routing table.
#[inline(always)]
fn routes() -> &'static route_table::Routes {
    // SAFETY: `kpart_routes` is kpart's exported table, valid while kpart is
    // loaded, which it is as long as this module is: it links to kpart. kpart
    // writes it only in its init, before this module can link to it. `Routes`
    // is a transparent wrapper of the C struct.
    unsafe { &*core::ptr::addr_of!(kpart_routes).cast::<route_table::Routes>() }
}

/// Allocates through kpart's routing table, in line, as C's
/// `kpart_alloc_routed_node()` does: with the size, `flags` and `token`
/// known at compile time, typed mode costs one load and
/// `__kmalloc_cache_noprof()` besides a no-op, random mode a jump and the
/// site's hash besides, pertype mode two jumps and this module's descriptor
/// of the type (`slot`: [`AllocType::SLOT`], or else [`TYPE_SLOTS`]). What
/// the table cannot serve goes to
/// kpart's out-of-line `__kpart_kmalloc` or `__kpart_kmalloc_slot`, which
/// gets the type's C name from `name`.
#[inline(always)]
fn routed(
    size: usize,
    flags: bindings::gfp_t,
    token: u64,
    site: u64,
    name: Option<fn() -> alloc_token::TypeName>,
    shape: *const c_char,
    slot: Option<&'static AtomicPtr<c_void>>,
) -> *mut c_void {
    let Some(class) = size_class::index(size).filter(|_| flags & GFP_UNPARTITIONED == 0) else {
        // SAFETY: `__kpart_kmalloc` accepts any arguments.
        return unsafe { __kpart_kmalloc(size, flags, token as c_ulong, site as c_ulong) };
    };
    let matrix = (flags & GFP_ACCOUNT != 0) as usize;
    let routes = routes();
    let cache = if !static_branch::static_branch_unlikely!(kpart_bindings::kpart_route_by_site) {
        routes.lane(class, matrix, partition::token_lane(token))
    } else if !static_branch::static_branch_unlikely!(kpart_bindings::kpart_route_by_type) {
        routes.lane(class, matrix, routes.site_lane(site))
    } else {
        return routed_pertype(size, flags, token, site, name, shape, slot);
    };
    // SAFETY: A lane's cache is live while kpart is, which it is while this
    // module is loaded, and serves `class`, which holds `size` bytes.
    unsafe { route_table::cache_alloc(cache, flags, route_table::NO_NODE, size) }
}

/// Pertype mode: this module's descriptors of the types and call-site
/// buckets it allocated, by key (a key that shares a descriptor with
/// another's is looked up by kpart, out of line). Rust has no static per
/// generic type, so these stand in for C's per-call-site descriptors.
/// Each starts as [`alloc_token::UNRESOLVED_DESCRIPTOR`], which has no cache.
static TYPE_SLOTS: [AtomicPtr<route_table::TypeCaches>; 64] = [const {
    AtomicPtr::new(
        core::ptr::addr_of!(alloc_token::UNRESOLVED_DESCRIPTOR)
            .cast_mut()
            .cast(),
    )
}; 64];

// The descriptor slots start with is at least a `struct kpart_type`, all
// NULL, and as aligned.
const _: () = assert!(
    core::mem::size_of::<kpart_bindings::kpart_type>()
        <= core::mem::size_of_val(&alloc_token::UNRESOLVED_DESCRIPTOR)
        && core::mem::align_of::<kpart_bindings::kpart_type>() <= core::mem::align_of::<u64>()
);

/// Pertype mode's path of [`routed`]: from the caches of the type (or the
/// call site's bucket) once this module's descriptor holds them: the type's
/// own `slot` as C's call sites do, or the one of [`TYPE_SLOTS`] its key
/// picks, which holds the type's only when the token it keeps is the key.
#[inline(always)]
fn routed_pertype(
    size: usize,
    flags: bindings::gfp_t,
    token: u64,
    site: u64,
    name: Option<fn() -> alloc_token::TypeName>,
    shape: *const c_char,
    slot: Option<&'static AtomicPtr<c_void>>,
) -> *mut c_void {
    let (slot, key) = match slot {
        // A typed allocation (token 0 is raw memory's, split by site).
        Some(slot) if token != 0 => (slot_of(slot), None),
        _ => {
            let key = routes().type_key(token, site);
            (&TYPE_SLOTS[(key % 64) as usize], Some(key))
        }
    };
    // SAFETY: A slot holds the descriptor it starts with, which has no cache
    // and lives as long as this module, or one kpart published, which lives
    // until kpart unloads, which it cannot while this module is loaded.
    let caches = unsafe { &*slot.load(Ordering::Acquire) };
    if key.is_none_or(|key| caches.token() == key) {
        if let Some(p) = caches.alloc(size, flags, route_table::NO_NODE) {
            return p;
        }
    }
    resolve(size, flags, token, site, slot, name, shape)
}

/// A type's descriptor slot ([`AllocType::SLOT`]) as the descriptor it
/// holds.
#[inline(always)]
fn slot_of(slot: &'static AtomicPtr<c_void>) -> &'static AtomicPtr<route_table::TypeCaches> {
    // SAFETY: `AtomicPtr<T>` has the layout of `*mut T` whatever `T` is, and
    // the slot is only ever accessed atomically, as a `struct kpart_type *`.
    unsafe { AtomicPtr::from_ptr(slot.as_ptr().cast()) }
}

/// The out-of-line part of [`routed_pertype`].
#[inline(never)]
fn resolve(
    size: usize,
    flags: bindings::gfp_t,
    token: u64,
    site: u64,
    slot: &AtomicPtr<route_table::TypeCaches>,
    name: Option<fn() -> alloc_token::TypeName>,
    shape: *const c_char,
) -> *mut c_void {
    let name = name.map(|name| name());
    let name_ptr = match &name {
        // `TypeName` is zero-filled past its length: NUL-terminated.
        Some(n) if n.len() < alloc_token::TypeName::CAPACITY => n.as_str().as_ptr().cast(),
        _ => core::ptr::null(),
    };
    // SAFETY: `slot` is this module's and accessed atomically; `name_ptr` is
    // NULL or NUL-terminated and lives across the call; `shape` is NULL or
    // a NUL-terminated signature in static memory.
    unsafe {
        __kpart_kmalloc_slot(
            size,
            flags,
            route_table::NO_NODE,
            token as c_ulong,
            site as c_ulong,
            slot.as_ptr().cast(),
            name_ptr,
            shape,
        )
    }
}

/// `T`'s C name, for kpart's debugfs.
fn name_of<T: AllocType>() -> alloc_token::TypeName {
    T::NAME
}

/// `T`'s token, as C computes it with `-falloc-token-max=2^63`; folded at
/// compile time.
#[allow(dead_code)]
pub const fn token<T: AllocType>() -> u64 {
    alloc_token::token_of::<T>(TOKEN_BOUND, TokenMode::TypeHashPointerSplit)
}

/// Pertype mode: waits until kpart has made the caches that allocations in
/// atomic context asked for.
#[allow(dead_code)]
pub fn settle() {
    // SAFETY: `kpart_types_settle` may be called from process context.
    unsafe { kpart_types_settle() };
}

/// The raw value of `flags`.
///
/// 6.12 keeps `Flags::as_raw` crate-private; `Flags` is a one-field `u32`
/// wrapper, which the assertion below checks at compile time.
#[allow(dead_code)]
pub fn gfp(flags: Flags) -> bindings::gfp_t {
    // SAFETY: `Flags` is a single `u32` field, checked by `_FLAGS_ARE_RAW`.
    unsafe { core::mem::transmute::<Flags, u32>(flags) }
}

const _FLAGS_ARE_RAW: () = {
    assert!(core::mem::size_of::<Flags>() == core::mem::size_of::<u32>());
    // SAFETY: Same size, checked above; `Flags` wraps the raw `gfp_t`.
    let raw = unsafe { core::mem::transmute::<Flags, u32>(kernel::alloc::flags::GFP_KERNEL) };
    assert!(raw == bindings::GFP_KERNEL);
};

/// The site of the caller's caller: unique per call site.
#[inline(always)]
#[track_caller]
fn site() -> c_ulong {
    CallSite::caller() as *const CallSite<'static> as c_ulong
}

/// Allocates `size` bytes with no type (Clang's fallback token 0, as a C
/// `kmalloc(n, gfp)` whose type cannot be inferred). NULL on failure;
/// `ZERO_SIZE_PTR` for 0. Free with `kfree()`.
#[inline(always)]
#[track_caller]
#[allow(dead_code)]
pub fn kmalloc(size: usize, flags: Flags) -> *mut u8 {
    routed(
        size,
        gfp(flags),
        0,
        site() as u64,
        None,
        core::ptr::null(),
        None,
    )
    .cast()
}

/// Whether kpart's matrix serves an allocation of `size` bytes with the raw
/// `flags` (`false`: plain kmalloc does, as for `__GFP_DMA`, `__GFP_DMA32`,
/// `__GFP_HIGHMEM`, `__GFP_RECLAIMABLE` and sizes above 8192), by the same
/// routing the allocation paths take.
#[allow(dead_code)]
pub fn serves(size: usize, flags: bindings::gfp_t) -> bool {
    routes().route(size, flags, 0, 0).is_some()
}

/// As [`kmalloc`] with an explicit token and site, as the C macros pass them.
#[allow(dead_code)]
pub fn kmalloc_token(size: usize, flags: Flags, token: u64, site: u64) -> *mut u8 {
    routed(size, gfp(flags), token, site, None, core::ptr::null(), None).cast()
}

/// Allocates uninitialised memory for one `T` in `T`'s partition. NULL on
/// failure. Free with `kfree()`.
#[inline(always)]
#[track_caller]
#[allow(dead_code)]
pub fn alloc<T: AllocType>(flags: Flags) -> *mut T {
    alloc_array::<T>(1, flags)
}

/// Allocates uninitialised memory for `n` `T`s in `T`'s partition (C's
/// `kmalloc_array(n, sizeof(T))`). NULL on failure or when the size overflows.
#[inline(always)]
#[track_caller]
#[allow(dead_code)]
pub fn alloc_array<T: AllocType>(n: usize, flags: Flags) -> *mut T {
    let Some(size) = n.checked_mul(Layout::new::<T>().pad_to_align().size()) else {
        return core::ptr::null_mut();
    };
    routed_typed::<T>(size, flags, site() as u64).cast()
}

/// [`routed`] with `T`'s token, name and layout signature.
#[inline(always)]
fn routed_typed<T: AllocType>(size: usize, flags: Flags, site: u64) -> *mut c_void {
    routed(
        size,
        gfp(flags),
        token::<T>(),
        site,
        Some(name_of::<T>),
        alloc_token::signature_of::<T>().cast(),
        T::SLOT,
    )
}

/// Resizes `p` to `new_size` bytes, keeping it in its partition; a new
/// object gets `T`'s partition. NULL on failure, `p` then unchanged.
///
/// # Safety
///
/// `p` is NULL, `ZERO_SIZE_PTR` or a live kmalloc-compatible object owned by
/// the caller, which must not use it after a successful call.
#[inline(always)]
#[track_caller]
#[allow(dead_code)]
pub unsafe fn krealloc<T: AllocType>(p: *mut T, new_size: usize, flags: Flags) -> *mut T {
    // SAFETY: The caller owns `p`, which is NULL, `ZERO_SIZE_PTR` or a live
    // kmalloc-compatible object, and gives it up: what `__kpart_krealloc`
    // requires; the token and site may be any value.
    unsafe {
        __kpart_krealloc(
            p.cast(),
            new_size,
            gfp(flags),
            token::<T>() as c_ulong,
            site(),
        )
    }
    .cast()
}

/// kpart's mode, partition count and accounting.
#[allow(dead_code)]
pub fn info() -> Info {
    let mut info = Info::default();
    // SAFETY: `info` is valid for writes.
    unsafe { kpart_get_info(&mut info) };
    info
}

/// The partition, size class and matrix of `p`, or `None` when `p` is not a
/// kpart object.
#[allow(dead_code)]
pub fn locate<T>(p: *const T) -> Option<Location> {
    let mut loc = Location::default();
    // SAFETY: `kpart_locate` accepts any pointer; `loc` is valid for writes.
    (unsafe { kpart_locate(p.cast(), &mut loc) } == 0).then_some(loc)
}

/// Shape mode: the zone of the signature table's type `token` in this load,
/// and whether it is the type's alone; `None` in the other modes and for a
/// type the table lacks.
#[allow(dead_code)]
pub fn shape_zone(token: u64) -> Option<(u32, bool)> {
    let mut single = false;
    // SAFETY: `kpart_shape_zone` accepts any token; `single` is valid for
    // writes.
    let zone = unsafe { kpart_shape_zone(token as c_ulong, &mut single) };
    u32::try_from(zone).ok().map(|zone| (zone, single))
}

/// A [`kernel::alloc::Allocator`] that puts `T` in `T`'s partition: with it
/// the kernel's own [`Box`] and [`Vec`] allocate from kpart, with `T`'s type
/// as the identity in typed mode (and `T`'s name as the site in random mode).
#[allow(dead_code)]
pub struct Partitioned<T>(PhantomData<T>);

/// A box in `T`'s partition.
#[allow(dead_code)]
pub type PBox<T> = Box<T, Partitioned<T>>;

/// A vector whose buffer is in `T`'s partition: it grows and shrinks within
/// it (`__kpart_krealloc`) while it fits kpart's largest size class, and
/// continues in kmalloc's caches beyond.
#[allow(dead_code)]
pub type PVec<T> = Vec<T, Partitioned<T>>;

// SAFETY: `realloc` returns memory from kpart (slab objects, or kmalloc for
// what kpart does not partition), valid until freed with `kfree`, aligned as
// kmalloc aligns `pad_to_align()` sizes (the natural alignment of power-of-two
// sizes, 32 and 64 for the 96 and 192 classes), and `__kpart_krealloc`
// preserves the contents and leaves `ptr` valid on failure.
unsafe impl<T: AllocType> Allocator for Partitioned<T> {
    unsafe fn realloc(
        ptr: Option<NonNull<u8>>,
        layout: Layout,
        old_layout: Layout,
        flags: Flags,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let size = layout.pad_to_align().size();
        let old = match ptr {
            Some(p) if old_layout.size() != 0 => p.as_ptr().cast_const(),
            _ => core::ptr::null(),
        };
        if size == 0 {
            if !old.is_null() {
                // SAFETY: `old` is a live allocation of ours, given up.
                unsafe { bindings::kfree(old.cast()) };
            }
            return Ok(NonNull::slice_from_raw_parts(
                // `layout.align()` is a non-zero power of two.
                NonNull::new(layout.align() as *mut u8).ok_or(AllocError)?,
                0,
            ));
        }
        // `Box::new` hides its caller: one site per type.
        let site = core::any::type_name::<T>().as_ptr() as c_ulong;
        let p = if old.is_null() {
            routed_typed::<T>(size, flags, site as u64)
        } else {
            // SAFETY: `old` is a live allocation of ours (the caller's
            // guarantee), which `__kpart_krealloc` accepts.
            unsafe { __kpart_krealloc(old.cast(), size, gfp(flags), token::<T>() as c_ulong, site) }
        };
        NonNull::new(p.cast::<u8>())
            .map(|p| NonNull::slice_from_raw_parts(p, size))
            .ok_or(AllocError)
    }
}

/// Boxes `value` in `T`'s partition, with the caller's own site.
#[inline(always)]
#[track_caller]
#[allow(dead_code)]
pub fn new_box<T: AllocType>(value: T, flags: Flags) -> Result<PBox<T>, AllocError> {
    if core::mem::size_of::<T>() == 0 {
        return Box::new(value, flags);
    }
    let p = alloc::<T>(flags);
    if p.is_null() || p as usize == 16 {
        return Err(AllocError);
    }
    // SAFETY: `p` is a fresh, suitably aligned allocation for one `T`.
    unsafe { p.write(value) };
    // SAFETY: `p` holds an initialised `T`, allocated as `Partitioned<T>`
    // allocates (and frees: `kfree`).
    Ok(unsafe { Box::from_raw(p) })
}
