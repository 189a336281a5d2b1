// SPDX-License-Identifier: GPL-2.0

//! Suite `kpart_isolation`: what stands between an attacker and kpart's
//! caches besides partitioning. The routing table is read-only once kpart's
//! init has returned, and so is pertype mode's: each type's descriptor is in
//! read-only pages no slab object neighbours. With slab retention (kpart's
//! default budget, or `retain=all`) a page that held kpart objects is not
//! handed to another cache or to the page allocator's callers; with
//! `retain=off` it is, which shows the experiment can tell the two apart.

use crate::c_allocations as c;
use kernel::prelude::*;

/// No page of the table is writable, and a write to any faults.
fn routes_read_only() {
    let Some((page_writable, write_succeeds)) = c::routes_writable() else {
        kunit_expect!(false, "kpart_routes is not mapped");
        return;
    };
    kunit_expect!(!page_writable, "kpart_routes' page is writable");
    kunit_expect!(!write_succeeds, "a write to kpart_routes succeeded");
}

/// Pertype mode: the descriptor a call site reads in line (a type's caches
/// and counter) is in kpart's read-only pages, outside the linear map where
/// every slab object is, and a write to it faults.
fn type_routes_read_only() {
    if !crate::alloc_tests::require_mode(crate::alloc_tests::MODE_PERTYPE) {
        return;
    }
    let descriptor = c::type_descriptor();
    let Some((linear_map, page_writable, write_succeeds)) = c::ro_page(descriptor) else {
        kunit_expect!(false, "no descriptor after an allocation: {:?}", descriptor);
        return;
    };
    kunit_expect!(!linear_map, "a type's descriptor is in the linear map");
    kunit_expect!(!page_writable, "a type's descriptor's page is writable");
    kunit_expect!(!write_succeeds, "a write to a type's descriptor succeeded");
}

/// The descriptor every call site starts with, which the in-line path reads
/// until kpart fills the site, is read-only and a write to it faults: a
/// cache written there would take every site's first allocation.
fn unresolved_descriptor_read_only() {
    let descriptor = c::unresolved_descriptor();
    let Some((_, page_writable, write_succeeds)) = c::ro_page(descriptor) else {
        kunit_expect!(false, "the unresolved descriptor is not mapped");
        return;
    };
    kunit_expect!(
        !page_writable,
        "the unresolved descriptor's page is writable"
    );
    kunit_expect!(
        !write_succeeds,
        "a write to the unresolved descriptor succeeded"
    );
}

/// Fills 32 slabs of a kpart cache, frees them, churns another cache of the
/// same object size through KASAN's quarantine and draws 256 MiB of pages twice (by slab order, then by page):
/// with retention none of the 32 frames is handed out and all are still the
/// cache's; without, some are.
fn no_cross_cache_reuse() {
    // Retained unless kpart_kunit was told otherwise: kpart's default budget
    // keeps the experiment's 32 slabs, as retain=all does.
    let retain = c::expected_load().map_or(-1, |l| l.retain);
    let seen = match c::reuse_experiment(63, 0x6b70_6172_7472_6575) {
        Ok(seen) => seen,
        Err(err) => {
            kunit_expect!(false, "experiment failed: {}", err);
            return;
        }
    };
    let name = if seen.cache_name.is_null() {
        c"?"
    } else {
        // SAFETY: A cache's name is a NUL-terminated string that lives as long
        // as the cache, which is kpart's: loaded for the whole test.
        unsafe { core::ffi::CStr::from_ptr(seen.cache_name.cast()) }
    };
    pr_info!(
        "retain={}: {} objects on {} slabs of {:?}; {} churned, {} pages drawn; \
         {} reused by another cache, {} by the page allocator, {} still the cache's\n",
        retain,
        seen.objects,
        seen.frames,
        name,
        seen.churned,
        seen.drawn_pages,
        seen.reused_by_cache,
        seen.reused_by_pages,
        seen.still_in_cache
    );
    kunit_expect!(
        name.to_bytes().starts_with(b"kpart-"),
        "the objects are in {:?}, not a kpart cache",
        name
    );
    kunit_expect_eq!(seen.frames, 32);
    let reused = seen.reused_by_cache + seen.reused_by_pages;
    match retain {
        -1 => {
            kunit_expect_eq!(reused, 0);
            kunit_expect_eq!(seen.still_in_cache, seen.frames);
        }
        0 => {
            kunit_expect!(reused > 0, "without retention no frame was reused");
            kunit_expect!(seen.still_in_cache < seen.frames);
        }
        n => kunit_expect!(false, "no expectation for retain={}", n),
    }
}

kunit_suite!(
    KPART_ISOLATION,
    "kpart_isolation",
    [
        routes_read_only,
        type_routes_read_only,
        unresolved_descriptor_read_only,
        no_cross_cache_reuse
    ]
);
