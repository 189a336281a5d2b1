// SPDX-License-Identifier: GPL-2.0

//! Pertype mode: every type in caches of its own.
//!
//! [`TypeRegistry`] (`type_caches.rs`) keeps the types and their caches;
//! `pertype.c` beside it is its C half (per-CPU counters, whether an
//! allocation may make a cache, the work that makes the caches atomic
//! allocations asked for, debugfs's `types` view). Here is what connects
//! them to the rest of kpart: the out-of-line path's first step in pertype
//! mode ([`alloc`]), the making of a deferred cache ([`kpart_types_make`])
//! and what the `types` view reads ([`kpart_types_summary`],
//! [`kpart_types_get`]).

pub(crate) mod shape;
mod type_caches;

pub(crate) use shape::ShapeTable;
pub(crate) use type_caches::{TypeRegistry, MAX_CACHES};

use crate::alloc::Request;
use crate::c_parts;
use crate::route_table;
use crate::size_class;
use crate::state::{state, Kpart, ROUTES};
use crate::stats;
use core::ptr;
use core::sync::atomic::Ordering;
use kernel::bindings;
use kernel::ffi::{c_uint, c_void};

/// Allocates `req.size` bytes with `req.flags` on `req.node` from the caches
/// of type `req.token` (call site `req.site` for raw buffers; in shape mode,
/// of the type's signature), and makes `req.slot` point to them when given.
/// `None` outside pertype and shape mode and when the caches cannot serve it
/// now: the typed partition is to.
pub(crate) fn alloc(req: &Request<'_>) -> Option<*mut c_void> {
    let types = state()?.types()?;
    let class = size_class::index(req.size)?;
    if req.flags & route_table::GFP_UNPARTITIONED != 0 {
        return None;
    }
    let (key, keep) = match state()?.shape() {
        Some(table) => {
            // SAFETY: `req.shape` is NULL or a string valid for the call (the
            // entry points' contract).
            let family = table.family(req.token, class, unsafe { shape::shape_arg(req.shape) });
            (family.key, family.keep)
        }
        None => (types.key(req.token, req.site), true),
    };
    // SAFETY: `req.name` is NULL or a string valid for the call (the entry
    // points' contract).
    let name = unsafe { type_caches::name_arg(req.name) };
    let caches = types.resolve(
        key,
        req.flags & route_table::GFP_ACCOUNT != 0,
        class,
        req.flags,
        name,
    )?;
    // With stats=1 the call site stays empty, so that its every allocation
    // comes here and is counted.
    // A variable heap's descriptor serves any size class, and the site's
    // type at its own class belongs in its zone: such a site stays empty.
    if let Some(slot) = req.slot.filter(|_| keep && !stats_on()) {
        slot.store(ptr::from_ref(caches).cast_mut(), Ordering::Release);
    }
    let p = caches.alloc(req.size, req.flags, req.node)?;
    stats::count_type(caches);
    Some(p)
}

/// Whether kpart counts allocations (`stats=1`).
fn stats_on() -> bool {
    ROUTES.get().stats()
}

/// Makes the cache of (`cell`: accounted, size class) of type `key`, as an
/// allocation in atomic context asked (`pertype.c`, process context).
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
