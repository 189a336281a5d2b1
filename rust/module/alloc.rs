// SPDX-License-Identifier: GPL-2.0

//! The out-of-line allocation path kpart exports, in the order an allocation
//! flows through it.
//!
//! Users allocate in line (`include/kpart.h`, `rust/kpart_client.rs`, both
//! with the table of `rust/abi/route_table.rs`): a size-class lookup, a
//! flag test, the lane of the token (typed) or of the call site's hash
//! (random), one load and `__kmalloc_cache_noprof()`. They call
//! `__kpart_kmalloc()` only for sizes and flags kpart does not partition,
//! and pertype mode's `__kpart_kmalloc_slot()` for a type their call site
//! has no descriptor of yet, and for every allocation with `stats=1`, which
//! kpart counts here (`stats.rs`). Both route as the in-line path does,
//! pertype mode first through the type's own caches (`pertype/mod.rs`), and
//! send what no kpart cache serves to plain kmalloc, as kmalloc() would.

use crate::kpart_bindings as b;
use crate::partition::{Mode, Routing};
use crate::pertype;
use crate::route_table::{TypeCaches, NO_NODE};
use crate::state::ROUTES;
use crate::stats;
use core::ptr;
use core::sync::atomic::AtomicPtr;
use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_ulong, c_void};

/// `ZERO_SIZE_PTR`: what a zero-byte allocation returns.
pub(crate) const ZERO_SIZE_PTR: *mut c_void = b::KPART_ZERO_SIZE_PTR as *mut c_void;

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

/// Pertype and shape mode's allocation path: allocates `size` bytes with
/// `flags` on `node` from the caches of type `token` (raw buffers: of call
/// site `site`'s bucket; shape mode: of the type's signature, `shape` when a
/// Rust user gives it) and points `*slot` to them, making them first if they
/// do not exist and the allocation may sleep. In the other modes, and what
/// the type's caches cannot serve, as [`__kpart_kmalloc`].
///
/// # Safety
///
/// `slot` is valid for reads and writes of a pointer for the call, and read
/// only as a `struct kpart_type *` by its users; `name` and `shape` are NULL
/// or NUL-terminated strings valid for the call.
#[no_mangle]
pub(crate) unsafe extern "C" fn __kpart_kmalloc_slot(
    size: usize,
    flags: bindings::gfp_t,
    node: c_int,
    token: c_ulong,
    site: c_ulong,
    slot: *mut *mut b::kpart_type,
    name: *const c_char,
    shape: *const c_char,
) -> *mut c_void {
    // SAFETY: `slot` is valid for reads and writes of a pointer (the
    // caller's guarantee), aligned as a pointer is, and only accessed
    // atomically (C's `READ_ONCE` in line) while kpart writes it. A
    // `TypeCaches` is a transparent `struct kpart_type`.
    let atomic = unsafe { AtomicPtr::from_ptr(slot.cast::<*mut TypeCaches>()) };
    alloc_node(Request {
        size,
        flags,
        node,
        token: token as u64,
        site: site as u64,
        slot: Some(atomic),
        name,
        shape,
    })
}

/// An allocation as the entry points receive it.
pub(crate) struct Request<'a> {
    /// The size in bytes.
    pub(crate) size: usize,
    /// The GFP flags.
    pub(crate) flags: bindings::gfp_t,
    /// The NUMA node, or [`NO_NODE`].
    pub(crate) node: c_int,
    /// The type's token (`-falloc-token-max=2^63`).
    pub(crate) token: u64,
    /// The call site.
    pub(crate) site: u64,
    /// Pertype mode: the call site's descriptor of the type, to fill.
    pub(crate) slot: Option<&'a AtomicPtr<TypeCaches>>,
    /// Pertype mode: NULL or the type's C name, NUL-terminated, valid for
    /// the call.
    pub(crate) name: *const c_char,
    /// Shape mode: NULL or the type's signature (`include/kpart_shape.h`),
    /// NUL-terminated, valid for the call.
    pub(crate) shape: *const c_char,
}

/// Allocates through the routing table, or from plain kmalloc what the
/// table cannot serve; in pertype mode, from the type's own caches first.
#[inline(always)]
pub(crate) fn alloc(size: usize, flags: bindings::gfp_t, token: u64, site: u64) -> *mut c_void {
    alloc_node(Request {
        size,
        flags,
        node: NO_NODE,
        token,
        site,
        slot: None,
        name: ptr::null(),
        shape: ptr::null(),
    })
}

/// [`alloc`] of any [`Request`].
fn alloc_node(req: Request<'_>) -> *mut c_void {
    let routes = ROUTES.get();
    if matches!(routes.mode(), Mode::PerType | Mode::Shape) {
        if let Some(p) = pertype::alloc(&req) {
            return p;
        }
    }
    match routes.route(req.size, req.flags, req.token, req.site) {
        Some(route) => {
            stats::count_row(route.row);
            route.alloc(req.size, req.flags, req.node)
        }
        None => kmalloc_unpartitioned(req.size, req.flags, req.node),
    }
}

/// Allocates `size` bytes (of size class `class`) with `flags` from row
/// `row` (a matrix and partition); `None` when the table has no such cache.
pub(crate) fn alloc_in_row(
    row: usize,
    class: usize,
    size: usize,
    flags: bindings::gfp_t,
) -> Option<*mut c_void> {
    let route = ROUTES.get().route_in_row(row, class)?;
    stats::count_row(row);
    Some(route.alloc(size, flags, NO_NODE))
}

/// Plain kmalloc, on `node` unless it is [`NO_NODE`], for what kpart does
/// not partition, counted; NULL without a warning for sizes kmalloc can
/// never satisfy.
pub(crate) fn kmalloc_unpartitioned(
    size: usize,
    flags: bindings::gfp_t,
    node: c_int,
) -> *mut c_void {
    if size == 0 {
        return ZERO_SIZE_PTR;
    }
    if size > bindings::KMALLOC_MAX_SIZE as usize {
        return ptr::null_mut();
    }
    stats::count_kmalloc();
    if node == NO_NODE {
        // SAFETY: `__kmalloc_noprof` accepts any size and flags.
        unsafe { bindings::__kmalloc_noprof(size, flags) }
    } else {
        // SAFETY: `__kmalloc_node_noprof` accepts any size, flags and node.
        unsafe { bindings::__kmalloc_node_noprof(size, flags, node) }
    }
}

// The functions `include/kpart.h` declares and kpart.ko defines here have the
// header's types: an array of the declaration and the definition does not
// compile otherwise.
const _: () = {
    let _ = [b::__kpart_kmalloc, __kpart_kmalloc];
    let _ = [b::__kpart_kmalloc_slot, __kpart_kmalloc_slot];
};
