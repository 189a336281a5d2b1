// SPDX-License-Identifier: GPL-2.0

//! The C parts of kpart.ko (`c/kpart_internal.h`), as seen from Rust.

use kernel::bindings;
use kernel::ffi::{c_char, c_uint, c_ulonglong, c_void};

/// `struct kpart_params`: the module parameters as given to insmod.
#[repr(C)]
pub(crate) struct Params {
    /// `mode=`, a NUL-terminated string.
    pub(crate) mode: *const c_char,
    /// `partitions=`.
    pub(crate) partitions: c_uint,
    /// `accounted=`.
    pub(crate) accounted: bool,
    /// `seed=`, 0 when not given.
    pub(crate) seed: c_ulonglong,
}

/// `struct kpart_info`, filled in by `kpart_get_info()`.
#[repr(C)]
pub(crate) struct Info {
    /// `enum kpart_mode`.
    pub(crate) mode: u32,
    /// The partition count.
    pub(crate) partitions: u32,
    /// Whether the accounted matrix exists.
    pub(crate) accounted: bool,
}

/// `struct kpart_location`, filled in by `kpart_locate()`.
#[repr(C)]
pub(crate) struct Location {
    /// The partition.
    pub(crate) partition: u32,
    /// The size class, in bytes.
    pub(crate) size: u32,
    /// Whether the object is in the accounted matrix.
    pub(crate) accounted: bool,
}

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
}

extern "C" {
    /// Creates the debugfs files; `state` is copied.
    pub(crate) fn kpart_debugfs_init(state: *const StateView);

    /// Removes the debugfs files.
    pub(crate) fn kpart_debugfs_exit();

    /// Fills `params` with the module parameters.
    pub(crate) fn kpart_params_get(params: *mut Params);

    /// The cache of slab object `p`, or NULL when `p` is not a slab object.
    pub(crate) fn kpart_slab_cache_of(p: *const c_void) -> *mut bindings::kmem_cache;
}
