// SPDX-License-Identifier: GPL-2.0

//! Suite `kpart_shape`: types grouped by their layout signature. Under a
//! load of kpart in shape mode with the signature table made for this
//! module, two types of one signature and size class share a cache; a
//! pointer granule where the other has data separates two types unless the
//! budget leaves their class fewer caches than groups; a type without a
//! pointer is in the data heap, never beside a pointer-holding one; arrays
//! are in the variable heaps, arrays of pointers apart; C and Rust put one
//! type in one cache, and a Rust type the table lacks joins the group of
//! its signature.

use crate::alloc_tests::{require_mode, MODE_SHAPE};
use crate::c_allocations::{self as c, kfree};
use crate::kpart::{self, kpart_type, AllocType};
use core::ffi::CStr;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::bindings;
use kernel::ffi::c_void;

kpart_type! {
    /// The Rust twin of `c_shape.c`'s `struct kpart_sh_pd`: one token.
    #[allow(non_camel_case_types)]
    #[repr(C)]
    pub(crate) struct kpart_sh_pd {
        pub(crate) p: *mut c_void,
        pub(crate) x: u64,
    }
}

kpart_type! {
    /// A Rust type of `kpart_sh_pd`'s signature, "12", that no C file
    /// allocates: the table lacks it.
    #[allow(non_camel_case_types)]
    #[repr(C)]
    pub(crate) struct kpart_sh_rust_only {
        pub(crate) next: *mut c_void,
        pub(crate) count: u64,
    }
}

/// The budget from which no size class of the test table has fewer caches
/// than groups: 7/10 of it, the groups' share, is more than all the table's
/// groups (17, from this repository's modules).
const ROOMY_BUDGET: u32 = 1024;

/// The C objects of [`c::alloc_shape`] and their caches' names, freed on drop.
struct Objects {
    p: [*mut c_void; c::SHAPES],
}

impl Objects {
    fn new() -> Option<Objects> {
        let p = c::alloc_shape(bindings::GFP_KERNEL);
        let objects = Objects { p };
        if objects.p.iter().any(|p| p.is_null()) {
            kunit_expect!(false, "an allocation of c_shape.c failed");
            return None;
        }
        Some(objects)
    }

    /// The cache of object `i`.
    fn cache(&self, i: usize) -> *const c_void {
        c::cache_of(self.p[i]).map_or(core::ptr::null(), |c| c.cache.cast())
    }

    /// The name of object `i`'s cache.
    fn name(&self, i: usize) -> Option<&'static CStr> {
        // The caches live as long as kpart, which outlives the suite.
        c::cache_of(self.p[i]).map(|c| {
            // SAFETY: `name` is the cache's NUL-terminated name, valid while
            // the cache lives, which is past the suite.
            unsafe { CStr::from_ptr(c.name.cast()) }
        })
    }
}

impl Drop for Objects {
    fn drop(&mut self) {
        for p in self.p {
            kfree(p);
        }
    }
}

/// The zone of C type number `i` in this load, and whether it is single.
fn zone(i: u32) -> Option<(u32, bool)> {
    let zone = kpart::shape_zone(c::shape_token(i));
    kunit_expect!(
        zone.is_some(),
        "type {} of c_shape.c is not in the table",
        i
    );
    zone
}

fn same_signature_shares() {
    if !require_mode(MODE_SHAPE) {
        return;
    }
    let (Some(o), Some((z0, single0)), Some((z1, single1))) = (Objects::new(), zone(0), zone(1))
    else {
        return;
    };
    if !single0 && !single1 {
        kunit_expect_eq!(z0, z1);
    }
    kunit_expect_eq!(o.cache(0) == o.cache(1), z0 == z1);
    kunit_expect!(!o.cache(0).is_null());
}

fn pointer_granule_separates() {
    if !require_mode(MODE_SHAPE) {
        return;
    }
    let (Some(o), Some((z0, _)), Some((z2, _))) = (Objects::new(), zone(0), zone(2)) else {
        return;
    };
    // "12" and "21": two groups, one cache only when the budget forces it.
    if c::expected_shape_budget() >= ROOMY_BUDGET {
        kunit_expect!(z0 != z2, "kpart_sh_pd and kpart_sh_dp share zone {}", z0);
    }
    kunit_expect_eq!(o.cache(0) == o.cache(2), z0 == z2);
}

fn data_only_apart() {
    if !require_mode(MODE_SHAPE) {
        return;
    }
    let Some(o) = Objects::new() else {
        return;
    };
    kunit_expect_eq!(o.name(3), Some(c"kpart-data-16"));
    for i in [0, 1, 2] {
        kunit_expect!(
            o.cache(3) != o.cache(i),
            "data-only beside pointer type {}",
            i
        );
    }
}

fn arrays_apart() {
    if !require_mode(MODE_SHAPE) {
        return;
    }
    let Some(o) = Objects::new() else {
        return;
    };
    kunit_expect_eq!(o.name(4), Some(c"kpart-var-64"));
    kunit_expect_eq!(o.name(5), Some(c"kpart-varptr-64"));
}

fn c_and_rust_same_cache() {
    if !require_mode(MODE_SHAPE) {
        return;
    }
    let Some(o) = Objects::new() else {
        return;
    };
    kunit_expect_eq!(kpart::token::<kpart_sh_pd>(), c::shape_token(0));
    let r = kpart::alloc::<kpart_sh_pd>(GFP_KERNEL);
    kunit_expect!(!r.is_null());
    let rust = c::cache_of(r).map_or(core::ptr::null(), |c| c.cache.cast());
    kunit_expect_eq!(rust, o.cache(0));
    kfree(r);
}

fn rust_signature_joins() {
    if !require_mode(MODE_SHAPE) {
        return;
    }
    let (Some(o), Some((_, single0)), Some((_, single1))) = (Objects::new(), zone(0), zone(1))
    else {
        return;
    };
    kunit_expect!(kpart::shape_zone(kpart::token::<kpart_sh_rust_only>()).is_none());
    let r = kpart::alloc::<kpart_sh_rust_only>(GFP_KERNEL);
    kunit_expect!(!r.is_null());
    let rust = c::cache_of(r).map_or(core::ptr::null(), |c| c.cache.cast());
    // The group's zone: that of a type of "12" that is not a single one.
    if !single0 {
        kunit_expect_eq!(rust, o.cache(0));
    } else if !single1 {
        kunit_expect_eq!(rust, o.cache(1));
    }
    kunit_expect!(rust != o.cache(3));
    kfree(r);
}

kunit_suite!(
    KPART_SHAPE,
    "kpart_shape",
    [
        same_signature_shares,
        pointer_granule_separates,
        data_only_apart,
        arrays_apart,
        c_and_rust_same_cache,
        rust_signature_joins
    ]
);
