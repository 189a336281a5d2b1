// SPDX-License-Identifier: GPL-2.0

//! Resizing: `__kpart_krealloc()`, which keeps a kpart object in its
//! partition and matrix (pertype mode: in its type's caches).
//!
//! An object that fits stays where it is, as the kernel's krealloc() keeps
//! it. One that grows moves to the next size class of the same row of the
//! routing table, or of the same type; an object kpart does not know (or
//! NULL) is allocated anew as [`alloc`] would.

use crate::alloc::{alloc, alloc_in_row, kmalloc_unpartitioned, ZERO_SIZE_PTR};
use crate::c_parts;
use crate::kpart_bindings as b;
use crate::locate::slab_cache_of;
use crate::route_table::{self, NO_NODE};
use crate::size_class;
use crate::state::{state, Kpart};
use kernel::bindings;
use kernel::ffi::{c_ulong, c_void};

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
        // live kmalloc-compatible object: what `realloc` requires.
        Some(kpart) => unsafe { realloc(kpart, p, new_size, flags, token as u64, site as u64) },
        // SAFETY: The same `p`, which is what krealloc accepts too.
        None => unsafe { bindings::krealloc_noprof(p, new_size, flags) },
    }
}

/// Resizes `p` (a live object or NULL or `ZERO_SIZE_PTR`), keeping a kpart
/// object in its partition and matrix.
///
/// # Safety
///
/// `p` is NULL, `ZERO_SIZE_PTR` or a live kmalloc-compatible object that
/// the caller owns; on success it must no longer be used unless returned.
unsafe fn realloc(
    kpart: &Kpart,
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
    let cache = slab_cache_of(p);
    let new = match (kpart.index().slot_of(cache), size_class::index(new_size)) {
        // The same row (matrix and partition), the new size class.
        (Some(old), Some(class)) => alloc_in_row(route_table::row_of(old), class, new_size, flags)
            .unwrap_or_else(|| kmalloc_unpartitioned(new_size, flags, NO_NODE)),
        // Pertype mode: the same type, the new size class.
        (None, Some(class)) => match kpart.types().and_then(|types| {
            let (key, accounted, _) = types.locate(cache)?;
            Some((types, key, accounted))
        }) {
            Some((types, key, accounted)) => types
                .alloc_in_type(key, accounted, class, new_size, flags)
                .unwrap_or_else(|| kmalloc_unpartitioned(new_size, flags, NO_NODE)),
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

// Its declaration in `include/kpart.h` has this definition's type: an array
// of the two does not compile otherwise.
const _: () = {
    let _ = [b::__kpart_krealloc, __kpart_krealloc];
};
