// SPDX-License-Identifier: GPL-2.0

//! The C parts of kpart.ko (`c/kpart_internal.h`), as seen from Rust.

use kernel::ffi::{c_char, c_uint, c_ulong, c_ulonglong};

/// `struct kpart_params`: the module parameters as given to insmod.
#[repr(C)]
pub(crate) struct Params {
    /// `mode=`, a NUL-terminated string.
    pub(crate) mode: *const c_char,
    /// `partitions=`.
    pub(crate) partitions: c_uint,
    /// `accounted=`.
    pub(crate) accounted: bool,
    /// `retain=`, a NUL-terminated string.
    pub(crate) retain: *const c_char,
    /// `seed=`, 0 when not given.
    pub(crate) seed: c_ulonglong,
    /// `max_caches=`.
    pub(crate) max_caches: c_uint,
}

pub(crate) use super::api_types::{Info, Location};

/// `struct kpart_state_view`: what debugfs shows of kpart's state.
#[repr(C)]
pub(crate) struct StateView {
    /// The mode's name, a static NUL-terminated string.
    pub(crate) mode: *const c_char,
    /// The partition count.
    pub(crate) partitions: c_uint,
    /// Whether the accounted matrix exists.
    pub(crate) accounted: c_uint,
    /// The number of caches.
    pub(crate) caches: c_uint,
    /// `retain=`, a NUL-terminated string that lives as long as the module.
    pub(crate) retain: *const c_char,
}

/// `struct kpart_types_view`: pertype mode, in totals.
#[repr(C)]
#[derive(Default)]
pub(crate) struct TypesView {
    /// Types and call-site buckets with caches of their own.
    pub(crate) types: c_uint,
    /// Their caches.
    pub(crate) caches: c_uint,
    /// The cap on their caches.
    pub(crate) max_caches: c_uint,
    /// Caches refused for the cap.
    pub(crate) over_cap: c_ulong,
    /// Allocations served by a typed partition before their caches existed.
    pub(crate) early: c_ulong,
    /// Allocations of types past the cap.
    pub(crate) fallback: c_ulong,
}

/// `struct kpart_type_view`: one type of pertype mode.
#[repr(C)]
pub(crate) struct TypeView {
    /// Its token, or `2^63` + bucket for raw buffers.
    pub(crate) token: u64,
    /// Its name, a NUL-terminated string that lives until kpart's exit, or
    /// NULL.
    pub(crate) name: *const c_char,
    /// Its caches.
    pub(crate) caches: c_uint,
    /// Its allocations.
    pub(crate) allocs: c_ulong,
}

// The layouts of `c/kpart_internal.h` and `include/kpart.h`, field by field.
const _: () = {
    use super::contract as c;
    use core::mem::{offset_of, size_of};
    assert!(size_of::<Params>() == c::SIZEOF_PARAMS);
    assert!(offset_of!(Params, mode) == c::OFFSETOF_PARAMS_MODE);
    assert!(offset_of!(Params, partitions) == c::OFFSETOF_PARAMS_PARTITIONS);
    assert!(offset_of!(Params, accounted) == c::OFFSETOF_PARAMS_ACCOUNTED);
    assert!(offset_of!(Params, retain) == c::OFFSETOF_PARAMS_RETAIN);
    assert!(offset_of!(Params, seed) == c::OFFSETOF_PARAMS_SEED);
    assert!(offset_of!(Params, max_caches) == c::OFFSETOF_PARAMS_MAX_CACHES);
    assert!(size_of::<StateView>() == c::SIZEOF_STATE_VIEW);
    assert!(offset_of!(StateView, mode) == c::OFFSETOF_STATE_VIEW_MODE);
    assert!(offset_of!(StateView, partitions) == c::OFFSETOF_STATE_VIEW_PARTITIONS);
    assert!(offset_of!(StateView, accounted) == c::OFFSETOF_STATE_VIEW_ACCOUNTED);
    assert!(offset_of!(StateView, caches) == c::OFFSETOF_STATE_VIEW_CACHES);
    assert!(offset_of!(StateView, retain) == c::OFFSETOF_STATE_VIEW_RETAIN);
    assert!(size_of::<TypesView>() == c::SIZEOF_TYPES_VIEW);
    assert!(offset_of!(TypesView, types) == c::OFFSETOF_TYPES_VIEW_TYPES);
    assert!(offset_of!(TypesView, caches) == c::OFFSETOF_TYPES_VIEW_CACHES);
    assert!(offset_of!(TypesView, max_caches) == c::OFFSETOF_TYPES_VIEW_MAX_CACHES);
    assert!(offset_of!(TypesView, over_cap) == c::OFFSETOF_TYPES_VIEW_OVER_CAP);
    assert!(offset_of!(TypesView, early) == c::OFFSETOF_TYPES_VIEW_EARLY);
    assert!(offset_of!(TypesView, fallback) == c::OFFSETOF_TYPES_VIEW_FALLBACK);
    assert!(size_of::<TypeView>() == c::SIZEOF_TYPE_VIEW);
    assert!(offset_of!(TypeView, token) == c::OFFSETOF_TYPE_VIEW_TOKEN);
    assert!(offset_of!(TypeView, name) == c::OFFSETOF_TYPE_VIEW_NAME);
    assert!(offset_of!(TypeView, caches) == c::OFFSETOF_TYPE_VIEW_CACHES);
    assert!(offset_of!(TypeView, allocs) == c::OFFSETOF_TYPE_VIEW_ALLOCS);
};

pub(crate) use super::c_parts_ffi::{
    kpart_copy_object, kpart_counter_free, kpart_counter_new, kpart_counter_sum,
    kpart_debugfs_exit, kpart_debugfs_init, kpart_debugfs_retain_slabs, kpart_params_get,
    kpart_ro_pages_free, kpart_ro_pages_new, kpart_ro_store, kpart_slab_bytes, kpart_slab_cache_of,
    kpart_slab_retain, kpart_types_cancel, kpart_types_defer, kpart_types_may_create,
};
