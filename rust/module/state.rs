// SPDX-License-Identifier: GPL-2.0

//! kpart's state while loaded: the routing table it exports and the owner of
//! the caches the table points to.
//!
//! Where an allocation goes is the routing table's business alone
//! ([`ROUTES`]): users read it in line, kpart's entry points (`alloc.rs`)
//! out of line. The owner ([`Kpart`]) keeps the caches alive, the index from
//! a cache back to its slot (for `realloc.rs` and `locate.rs`) and in pertype
//! mode the types' own caches (`pertype/`).

use crate::c_parts;
use crate::cache_matrix::CacheMatrix;
use crate::kpart_bindings as b;
use crate::partition::{Mode, Router, Routing};
use crate::pertype::{ShapeTable, TypeRegistry};
use crate::retention::Retention;
use crate::route_table::{self, Routes, SharedRoutes};
use crate::size_class;
use crate::slot_index::SlotIndex;
use core::cell::UnsafeCell;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::bindings;
use kernel::ffi::c_uint;

/// kpart's state while loaded: the owner of the caches and the index from a
/// cache back to its slot, and in pertype mode the types' own caches.
pub(crate) struct Kpart {
    // Dropped first: its work item may still use the rest.
    types: Option<TypeRegistry>,
    shape: Option<ShapeTable>,
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
pub(crate) static ROUTES: SharedRoutes = SharedRoutes(UnsafeCell::new(Routes::EMPTY));

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

/// The loaded state; `None` before kpart's init has published it.
#[inline(always)]
pub(crate) fn state() -> Option<&'static Kpart> {
    // SAFETY: A non-NULL `STATE` was published by `publish`, whose caller
    // keeps it valid while users can call in (see `STATE`).
    unsafe { STATE.load(Ordering::Acquire).as_ref() }
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
        stats: bool,
        shape: Option<ShapeTable>,
    ) -> kernel::error::Result<Kpart> {
        let router = Router::new(mode, partitions, seed).ok_or(kernel::error::code::EINVAL)?;
        let matrix = CacheMatrix::new(partitions as usize, accounted, retention, mode, max_caches)?;
        let retention = matrix.retention();
        let types = match mode {
            Mode::PerType | Mode::Shape => Some(TypeRegistry::new(
                &matrix,
                max_caches,
                retention,
                seed,
                shape.as_ref(),
            )?),
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
        routes.set_stats(stats);
        for class in 0..size_class::COUNT {
            for matrix in 0..2 {
                for lane in 0..route_table::LANES {
                    let row = route_table::row(matrix == 1, router.lane_partition(lane));
                    let mut cache = routes.caches()[route_table::slot(row, class)];
                    if matrix == 1 && !accounted {
                        // Where kmalloc() puts accounted objects.
                        // SAFETY: Any size and flags may be asked.
                        cache = unsafe {
                            c_parts::kpart_kmalloc_cache(
                                size_class::SIZES[class] as c_uint,
                                route_table::GFP_ACCOUNT | bindings::GFP_KERNEL,
                            )
                        };
                    }
                    if cache.is_null() {
                        return Err(kernel::error::code::EINVAL);
                    }
                    routes.set_lane(class, matrix, lane, cache);
                }
            }
        }
        // INVARIANT (`Routes`): every cache of `matrix` is in its slot, the
        // other slots are NULL, every lane holds its partition's cache (or
        // kmalloc's accounted one), none NULL, and the router routes to its
        // partitions. The caches live as long as the returned `Kpart`, which
        // the module keeps until its exit; kmalloc's forever.
        let index = SlotIndex::new(routes)?;
        Ok(Kpart {
            types,
            shape,
            matrix,
            index,
        })
    }

    /// The caches.
    pub(crate) fn matrix(&self) -> &CacheMatrix {
        &self.matrix
    }

    /// Pertype and shape mode's types.
    pub(crate) fn types(&self) -> Option<&TypeRegistry> {
        self.types.as_ref()
    }

    /// Shape mode's signature table.
    pub(crate) fn shape(&self) -> Option<&ShapeTable> {
        self.shape.as_ref()
    }

    /// The index from a cache of the matrix back to its slot.
    pub(crate) fn index(&self) -> &SlotIndex {
        &self.index
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

// Its declaration in `include/kpart.h` has this definition's type: an array
// of the two does not compile otherwise.
const _: () = {
    let _ = [b::kpart_get_info, kpart_get_info];
};
