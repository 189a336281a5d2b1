// SPDX-License-Identifier: GPL-2.0

//! The C parts of kpart.ko (`c/kpart_internal.h`), as seen from Rust.

use core::ffi::{c_char, c_uint, c_ulonglong, c_void};
use kernel::bindings;

/// `struct kpart_params`: the module parameters as given to insmod.
#[repr(C)]
pub struct Params {
    /// `mode=`, a NUL-terminated string.
    pub mode: *const c_char,
    /// `partitions=`.
    pub partitions: c_uint,
    /// `accounted=`.
    pub accounted: bool,
    /// `seed=`, 0 when not given.
    pub seed: c_ulonglong,
}

/// `struct kpart_info`, filled in by `kpart_get_info()`.
#[repr(C)]
pub struct Info {
    /// `enum kpart_mode`.
    pub mode: u32,
    /// The partition count.
    pub partitions: u32,
    /// Whether the accounted matrix exists.
    pub accounted: bool,
}

/// `struct kpart_location`, filled in by `kpart_locate()`.
#[repr(C)]
pub struct Location {
    /// The partition.
    pub partition: u32,
    /// The size class, in bytes.
    pub size: u32,
    /// Whether the object is in the accounted matrix.
    pub accounted: bool,
}

extern "C" {
    /// Fills `params` with the module parameters.
    pub fn kpart_params_get(params: *mut Params);

    /// The cache of slab object `p`, or NULL when `p` is not a slab object.
    pub fn kpart_slab_cache_of(p: *const c_void) -> *mut bindings::kmem_cache;
}
