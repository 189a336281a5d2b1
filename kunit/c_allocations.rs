// SPDX-License-Identifier: GPL-2.0

//! The C half of the suites (`c_allocations.c`), as seen from Rust.

use core::ffi::CStr;
use kernel::bindings;
use kernel::ffi::{c_int, c_ulong, c_void};

use crate::c_allocations_bindings as ffi;

/// The number of distinct call sites `kpart_test_c_alloc_sites` allocates from.
pub(crate) const SITES: usize = ffi::KPART_TEST_SITES as usize;

/// `struct kpart_test_cache`: the slab allocator's view of a cache.
pub(crate) use ffi::kpart_test_cache as TestCache;

impl TestCache {
    /// The cache's name.
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: `name` is the cache's NUL-terminated name, valid while the
        // cache lives, which outlives this value in the suites.
        unsafe { CStr::from_ptr(self.name.cast()) }
    }
}

// The allocating helpers below take any size, count and flags and have no
// other precondition: `include/kpart.h` handles every value (NULL for what
// cannot be allocated). What they return is NULL or a new object the caller
// owns and frees with `kfree`.

/// `kpart_kmalloc_obj(struct kpart_parity, flags)`.
pub(crate) fn alloc_parity(flags: bindings::gfp_t) -> *mut c_void {
    // SAFETY: No precondition (see above).
    unsafe { ffi::kpart_test_c_alloc_parity(flags) }
}

/// `kpart_kmalloc(sizeof(struct kpart_parity), flags)`: the token from
/// `sizeof`, at another call site.
pub(crate) fn alloc_parity_sizeof(flags: bindings::gfp_t) -> *mut c_void {
    // SAFETY: No precondition (see above).
    unsafe { ffi::kpart_test_c_alloc_parity_sizeof(flags) }
}

/// `kpart_kzalloc(sizeof(struct kpart_plain), flags)`.
pub(crate) fn alloc_plain(flags: bindings::gfp_t) -> *mut c_void {
    // SAFETY: No precondition (see above).
    unsafe { ffi::kpart_test_c_alloc_plain(flags) }
}

/// Clang's token of `struct kpart_parity` in C.
pub(crate) fn token_parity() -> u64 {
    // SAFETY: The helper only returns a compile-time constant.
    unsafe { ffi::kpart_test_c_token_parity() as u64 }
}

/// Clang's token of `struct kpart_plain` in C.
pub(crate) fn token_plain() -> u64 {
    // SAFETY: The helper only returns a compile-time constant.
    unsafe { ffi::kpart_test_c_token_plain() as u64 }
}

/// `kpart_kmalloc_array(n, size, flags)`.
pub(crate) fn alloc_array(n: usize, size: usize, flags: bindings::gfp_t) -> *mut c_void {
    // SAFETY: No precondition (see above).
    unsafe { ffi::kpart_test_c_alloc_array(n, size, flags) }
}

/// `kpart_kcalloc(n, sizeof(u32), flags)`.
pub(crate) fn kcalloc_u32(n: usize, flags: bindings::gfp_t) -> *mut c_void {
    // SAFETY: No precondition (see above).
    unsafe { ffi::kpart_test_c_kcalloc_u32(n, flags) }
}

/// `kpart_krealloc(p, new_size, flags)` from C.
///
/// # Safety
///
/// `p` is NULL, `ZERO_SIZE_PTR` or a live kmalloc or kpart object the caller
/// owns and gives up: only the result may be used afterwards.
pub(crate) unsafe fn krealloc(
    p: *mut c_void,
    new_size: usize,
    flags: bindings::gfp_t,
) -> *mut c_void {
    // SAFETY: `p` is what `kpart_krealloc` accepts, by the caller's
    // guarantee.
    unsafe { ffi::kpart_test_c_krealloc(p, new_size, flags) }
}

/// `kpart_kmalloc(size, flags)`, always from the same call site.
pub(crate) fn alloc_one_site(size: usize, flags: bindings::gfp_t) -> *mut c_void {
    // SAFETY: No precondition (see above).
    unsafe { ffi::kpart_test_c_alloc_one_site(size, flags) }
}

/// `SITES` allocations of `size` bytes, each from a call site of its own.
pub(crate) fn alloc_sites(size: usize, flags: bindings::gfp_t) -> [*mut c_void; SITES] {
    let mut out = [core::ptr::null_mut(); SITES];
    // SAFETY: `out` has room for the `SITES` pointers the helper writes;
    // otherwise no precondition (see above).
    unsafe { ffi::kpart_test_c_alloc_sites(out.as_mut_ptr(), size, flags) };
    out
}

/// One allocation in line (`kpart_alloc_routed()`) or out of line
/// (`__kpart_kmalloc()`), with the given token and site.
pub(crate) fn alloc_routed(
    size: usize,
    flags: bindings::gfp_t,
    token: u64,
    site: u64,
    in_line: bool,
) -> *mut c_void {
    // SAFETY: Both paths take any token and site (kpart reduces them to a
    // valid partition); otherwise no precondition (see above).
    unsafe {
        ffi::kpart_test_c_alloc_routed(size, flags, token as c_ulong, site as c_ulong, in_line)
    }
}

/// `struct kpart_test_load`: the load of kpart a test run asked for, from
/// kpart_kunit's parameters (`c_reference.c`); `retain`: -1 all, 0 off, else
/// the slab count.
pub(crate) use ffi::kpart_test_load as TestLoad;

/// The load kpart_kunit's parameters describe, or `None` when they were not
/// given (a manual `insmod kpart_kunit.ko`).
pub(crate) fn expected_load() -> Option<TestLoad> {
    let mut out = TestLoad::default();
    // SAFETY: `out` is valid for writes of a `struct kpart_test_load`.
    (unsafe { ffi::kpart_test_expected_load(&mut out) } == 0).then_some(out)
}

/// `struct kpart_test_reuse`: what the cross-cache reuse experiment saw.
pub(crate) use ffi::kpart_test_reuse as TestReuse;

/// Runs the cross-cache reuse experiment (`c_retention.c`) on the kpart
/// cache of 4 KiB objects with `token` and `site`.
pub(crate) fn reuse_experiment(token: u64, site: u64) -> Result<TestReuse, c_int> {
    let mut out = TestReuse::default();
    // SAFETY: `out` is valid for writes of a `struct kpart_test_reuse`; the
    // function frees everything it allocates.
    let ret = unsafe { ffi::kpart_test_reuse(token as _, site as _, &mut out) };
    if ret == 0 {
        Ok(out)
    } else {
        Err(ret)
    }
}

/// Whether kpart's routing table is writable: (its page table entry says so,
/// a write succeeds), or `None` when its page is not mapped.
pub(crate) fn routes_writable() -> Option<(bool, bool)> {
    let (mut page, mut write) = (true, true);
    // SAFETY: Both pointers are valid for writes of a `bool`; the function
    // rewrites one byte of the table with its own value at most.
    (unsafe { ffi::kpart_test_routes_writable(&mut page, &mut write) } == 0)
        .then_some((page, write))
}

/// The kernel's own `hash_64(value, bits)` (`include/linux/hash.h`).
pub(crate) fn kernel_hash_64(value: u64, bits: u32) -> u64 {
    // SAFETY: The function only computes; it takes any arguments.
    unsafe { ffi::kpart_test_kernel_hash_64(value, bits) }
}

/// The slab cache behind `p`, if `p` is a slab object.
pub(crate) fn cache_of<T>(p: *const T) -> Option<TestCache> {
    let mut out = TestCache::default();
    // SAFETY: `kpart_test_cache_of` accepts any pointer; `out` is valid for
    // writes.
    (unsafe { ffi::kpart_test_cache_of(p.cast(), &mut out) } == 0).then_some(out)
}

/// Frees `p` with the kernel's plain `kfree()`.
pub(crate) fn kfree<T>(p: *mut T) {
    // SAFETY: The suites pass only objects they own and no longer use, NULL
    // or `ZERO_SIZE_PTR`.
    unsafe { bindings::kfree(p.cast()) };
}

/// The six types of suite `kpart_pertype`, allocated and zeroed in C, each
/// from its own call site: `kpart_pt_a`, `_g`, `_k`, `_b`, `_i`, `_o`.
pub(crate) fn alloc_pertype(flags: bindings::gfp_t) -> [*mut c_void; PERTYPES] {
    let mut out = [core::ptr::null_mut(); PERTYPES];
    // SAFETY: `out` has room for the `PERTYPES` pointers the helper writes.
    unsafe { ffi::kpart_test_c_alloc_pertype(out.as_mut_ptr(), flags) };
    out
}

/// The number of types of [`alloc_pertype`].
pub(crate) const PERTYPES: usize = ffi::KPART_TEST_PERTYPES as usize;

/// `struct kpart_pt_atomic_c`, allocated in C from one call site with
/// `GFP_ATOMIC` under a spinlock with interrupts off.
pub(crate) fn alloc_atomic() -> *mut c_void {
    // SAFETY: The helper has no precondition.
    unsafe { ffi::kpart_test_c_alloc_atomic() }
}

/// Clang's token of `struct kpart_pt_atomic_c` in C.
pub(crate) fn token_atomic() -> u64 {
    // SAFETY: The helper only returns a compile-time constant.
    unsafe { ffi::kpart_test_c_token_atomic() as u64 }
}

/// `struct kpart_pt_acct` from C, from one call site: in pertype mode, the
/// first allocation fills the site's descriptor and the next take the
/// in-line path.
pub(crate) fn alloc_one_type(flags: bindings::gfp_t) -> *mut c_void {
    // SAFETY: No precondition (see above).
    unsafe { ffi::kpart_test_c_alloc_one_type(flags) }
}

/// The descriptor a C call site of `struct kpart_pt_acct` reads in line
/// once kpart has filled it (pertype mode), or NULL.
pub(crate) fn type_descriptor() -> *const c_void {
    // SAFETY: The helper allocates and frees one object; no precondition.
    unsafe { ffi::kpart_test_c_type_descriptor() }
}

/// The descriptor every C call site starts with (`KPART_SITE_INIT`).
pub(crate) fn unresolved_descriptor() -> *const c_void {
    // SAFETY: The helper returns an address; no precondition.
    unsafe { ffi::kpart_test_c_unresolved_descriptor() }
}

/// Allocates and frees a type of its own in every size class, from C.
pub(crate) fn fill_classes(flags: bindings::gfp_t) {
    // SAFETY: No precondition (see above).
    unsafe { ffi::kpart_test_c_fill_classes(flags) }
}

/// `struct kpart_pt_over_c` from C, from one call site.
pub(crate) fn alloc_over_cap(flags: bindings::gfp_t) -> *mut c_void {
    // SAFETY: No precondition (see above).
    unsafe { ffi::kpart_test_c_alloc_over_cap(flags) }
}

/// `struct kpart_test_types`: pertype mode's totals.
pub(crate) use ffi::kpart_test_types as TestTypes;

/// Pertype mode's totals, as kpart's debugfs shows them.
pub(crate) fn types_counts() -> TestTypes {
    let mut out = TestTypes::default();
    // SAFETY: `out` is valid for writes of a `struct kpart_test_types`.
    unsafe { ffi::kpart_test_types_counts(&mut out) };
    out
}

/// The max_caches= kpart was loaded with, as kpart_kunit was told.
pub(crate) fn expected_max_caches() -> u32 {
    // SAFETY: The function only reads a parameter.
    unsafe { ffi::kpart_test_expected_max_caches() }
}

/// Whether the page at `p` is writable: (its page table entry says so, a
/// real write succeeds), and whether `p` is in the linear map, where every
/// slab object is; `None` when `p` is NULL or not mapped.
pub(crate) fn ro_page(p: *const c_void) -> Option<(bool, bool, bool)> {
    let (mut linear, mut page, mut write) = (true, true, true);
    // SAFETY: The pointers are valid for writes of a `bool`; the function
    // rewrites one byte at `p` with its own value at most, which faults
    // harmlessly on a read-only page.
    (unsafe { ffi::kpart_test_ro_page(p, &mut linear, &mut page, &mut write) } == 0)
        .then_some((linear, page, write))
}

/// The types of suite `kpart_shape`, allocated and zeroed in C, each from its
/// own call site: `kpart_sh_pd`, `_pd2`, `_dp`, `_dd`, an array of four
/// `kpart_sh_pd` and one of eight pointers.
pub(crate) fn alloc_shape(flags: bindings::gfp_t) -> [*mut c_void; SHAPES] {
    let mut out = [core::ptr::null_mut(); SHAPES];
    // SAFETY: `out` has room for the `SHAPES` pointers the helper writes.
    unsafe { ffi::kpart_test_c_alloc_shape(out.as_mut_ptr(), flags) };
    out
}

/// The number of objects of [`alloc_shape`].
pub(crate) const SHAPES: usize = ffi::KPART_TEST_SHAPES as usize;

/// Clang's token of [`alloc_shape`]'s type number `i` (0 to 3) in C.
pub(crate) fn shape_token(i: u32) -> u64 {
    // SAFETY: The helper only returns a compile-time constant.
    unsafe { ffi::kpart_test_c_shape_token(i) as u64 }
}

/// The shape_budget= kpart was loaded with, as kpart_kunit was told.
pub(crate) fn expected_shape_budget() -> u32 {
    // SAFETY: The function only reads a parameter.
    unsafe { ffi::kpart_test_expected_shape_budget() }
}
