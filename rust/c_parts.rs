// SPDX-License-Identifier: GPL-2.0

//! The C parts of kpart.ko (`c/kpart_internal.h`), as seen from Rust.

use kernel::ffi::{c_char, c_uint, c_ulonglong};

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
    assert!(size_of::<StateView>() == c::SIZEOF_STATE_VIEW);
    assert!(offset_of!(StateView, mode) == c::OFFSETOF_STATE_VIEW_MODE);
    assert!(offset_of!(StateView, partitions) == c::OFFSETOF_STATE_VIEW_PARTITIONS);
    assert!(offset_of!(StateView, accounted) == c::OFFSETOF_STATE_VIEW_ACCOUNTED);
    assert!(offset_of!(StateView, caches) == c::OFFSETOF_STATE_VIEW_CACHES);
    assert!(offset_of!(StateView, retain) == c::OFFSETOF_STATE_VIEW_RETAIN);
};

pub(crate) use super::c_parts_ffi::{
    kpart_copy_object, kpart_debugfs_exit, kpart_debugfs_init, kpart_params_get,
    kpart_slab_cache_of, kpart_slab_retain,
};
