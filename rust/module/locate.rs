// SPDX-License-Identifier: GPL-2.0

//! From an object back to where kpart put it: `kpart_locate()`.
//!
//! The slab allocator knows an object's cache (`c/mm/slab_lookup.c`); a
//! cache of the matrix gives its slot in the routing table through the
//! index (`slot_index.rs`), a type's own cache its type (pertype mode,
//! `pertype/type_caches.rs`).

use crate::c_parts;
use crate::kpart_bindings as b;
use crate::route_table;
use crate::size_class;
use crate::state::{state, Kpart};
use kernel::bindings;
use kernel::error::code::ENOENT;
use kernel::ffi::{c_int, c_void};

/// The slab cache of `p`, or NULL when `p` is not a slab object.
pub(crate) fn slab_cache_of(p: *const c_void) -> *mut bindings::kmem_cache {
    // SAFETY: `kpart_slab_cache_of` accepts any pointer.
    unsafe { c_parts::kpart_slab_cache_of(p) }
}

/// Where slab object `p` lives, if it is one of kpart's.
fn locate(kpart: &Kpart, p: *const c_void) -> Option<b::kpart_location> {
    let cache = slab_cache_of(p);
    if let Some(slot) = kpart.index().slot_of(cache) {
        let (accounted, partition, class) = route_table::cell_of(slot);
        return Some(b::kpart_location {
            partition: partition as u32,
            size: size_class::SIZES[class] as u32,
            accounted,
            token: 0,
        });
    }
    let types = kpart.types()?;
    let (key, accounted, class) = types.locate(cache)?;
    Some(b::kpart_location {
        partition: types.partition_of(key) as u32,
        size: size_class::SIZES[class] as u32,
        accounted,
        token: key,
    })
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
    match state().and_then(|kpart| locate(kpart, p)) {
        Some(found) => {
            // SAFETY: The caller passes a `loc` valid for writes.
            unsafe { loc.write(found) };
            0
        }
        None => ENOENT.to_errno(),
    }
}

// Its declaration in `include/kpart.h` has this definition's type: an array
// of the two does not compile otherwise.
const _: () = {
    let _ = [b::kpart_locate, kpart_locate];
};
