// SPDX-License-Identifier: GPL-2.0

//! The C half of the suites (`c_allocations.c`), as seen from Rust.

use core::ffi::CStr;
use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_uint, c_ulong, c_void};

/// The number of distinct call sites `kpart_test_c_alloc_sites` allocates from.
pub(crate) const SITES: usize = 64;

/// `struct kpart_test_cache`: the slab allocator's view of a cache.
#[repr(C)]
pub(crate) struct TestCache {
    /// The cache.
    pub(crate) cache: *const bindings::kmem_cache,
    /// Its name.
    pub(crate) name: *const c_char,
    /// Its object size.
    pub(crate) object_size: c_uint,
    /// How many cache creations share it (1: no alias).
    pub(crate) refcount: c_int,
    /// `SLAB_NO_MERGE`.
    pub(crate) no_merge: bool,
    /// `SLAB_ACCOUNT`.
    pub(crate) account: bool,
}

impl TestCache {
    /// The cache's name.
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: `name` is the cache's NUL-terminated name, valid while the
        // cache lives, which outlives this value in the suites.
        unsafe { CStr::from_ptr(self.name.cast()) }
    }
}

extern "C" {
    pub(crate) fn kpart_test_c_alloc_parity(flags: bindings::gfp_t) -> *mut c_void;
    pub(crate) fn kpart_test_c_alloc_parity_sizeof(flags: bindings::gfp_t) -> *mut c_void;
    pub(crate) fn kpart_test_c_alloc_plain(flags: bindings::gfp_t) -> *mut c_void;
    pub(crate) fn kpart_test_c_token_parity() -> c_ulong;
    pub(crate) fn kpart_test_c_token_plain() -> c_ulong;
    pub(crate) fn kpart_test_c_alloc_array(
        n: usize,
        size: usize,
        flags: bindings::gfp_t,
    ) -> *mut c_void;
    pub(crate) fn kpart_test_c_kcalloc_u32(n: usize, flags: bindings::gfp_t) -> *mut c_void;
    pub(crate) fn kpart_test_c_krealloc(
        p: *mut c_void,
        new_size: usize,
        flags: bindings::gfp_t,
    ) -> *mut c_void;
    pub(crate) fn kpart_test_c_alloc_one_site(size: usize, flags: bindings::gfp_t) -> *mut c_void;
    pub(crate) fn kpart_test_c_alloc_sites(
        out: *mut *mut c_void,
        size: usize,
        flags: bindings::gfp_t,
    );
    pub(crate) fn kpart_test_c_alloc_routed(
        size: usize,
        flags: bindings::gfp_t,
        token: c_ulong,
        site: c_ulong,
        in_line: bool,
    ) -> *mut c_void;
    fn kpart_test_cache_of(p: *const c_void, out: *mut TestCache) -> c_int;
}

/// The slab cache behind `p`, if `p` is a slab object.
pub(crate) fn cache_of<T>(p: *const T) -> Option<TestCache> {
    let mut out = TestCache {
        cache: core::ptr::null(),
        name: core::ptr::null(),
        object_size: 0,
        refcount: 0,
        no_merge: false,
        account: false,
    };
    // SAFETY: `kpart_test_cache_of` accepts any pointer; `out` is valid for
    // writes.
    (unsafe { kpart_test_cache_of(p.cast(), &mut out) } == 0).then_some(out)
}

/// Frees `p` with the kernel's plain `kfree()`.
pub(crate) fn kfree<T>(p: *mut T) {
    // SAFETY: The suites pass only objects they own and no longer use, NULL
    // or `ZERO_SIZE_PTR`.
    unsafe { bindings::kfree(p.cast()) };
}
