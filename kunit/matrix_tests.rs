// SPDX-License-Identifier: GPL-2.0

//! Suite `kpart_matrix`: the caches exist, with the expected names, sizes
//! and flags, are distinct and unmerged, and serve allocations.

use crate::c_allocations::{self as c, kfree};
use crate::kpart;
use kernel::alloc::flags::{GFP_KERNEL, GFP_KERNEL_ACCOUNT};
use kernel::fmt;
use kernel::prelude::*;
use kernel::str::CString;

use kpart::{SIZE_CLASSES as SIZES, SIZE_CLASS_NAMES as NAMES};

fn info_is_consistent() {
    let info = kpart::info();
    kunit_expect!(info.mode <= 2, "mode {}", info.mode);
    kunit_expect!(
        info.partitions.is_power_of_two() && (1..=64).contains(&info.partitions),
        "partitions {}",
        info.partitions
    );
}

/// Reaches every (matrix, partition, class) cell by trying tokens (typed
/// mode) and sites (random mode), and checks the cache behind each object.
fn every_cell_allocates_and_frees() {
    let info = kpart::info();
    if info.mode == crate::alloc_tests::MODE_PERTYPE {
        // Tokens go to the types' own caches there; the matrix is typed
        // mode's, reached by the typed loads.
        crate::kunit_support::skip(c"needs kpart in typed or random mode");
        return;
    }
    let partitions = info.partitions as usize;
    let matrices = if info.accounted { 2 } else { 1 };
    let mut caches: KVec<*const kernel::bindings::kmem_cache> = KVec::new();
    for matrix in 0..matrices {
        let flags = if matrix == 1 {
            GFP_KERNEL_ACCOUNT
        } else {
            GFP_KERNEL
        };
        for (class, &size) in SIZES.iter().enumerate() {
            let mut seen = [false; 64];
            let mut found = 0;
            for attempt in 0..64 * 64u64 {
                if found == partitions {
                    break;
                }
                let site = attempt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                let obj =
                    kpart::kmalloc_token(size, flags, kpart::token_from_64(attempt % 64), site);
                if obj.is_null() {
                    kunit_expect!(false, "allocation of {} bytes failed", size);
                    return;
                }
                // SAFETY: `obj` is a fresh allocation of `size` bytes.
                unsafe { core::ptr::write_bytes(obj, 0x5a, size) };
                let loc = kpart::locate(obj);
                let cache = c::cache_of(obj);
                kfree(obj);
                let (Some(loc), Some(cache)) = (loc, cache) else {
                    kunit_expect!(false, "{}-byte object not in a kpart cache", size);
                    return;
                };
                let part = loc.partition as usize;
                kunit_expect_eq!(loc.size as usize, size);
                kunit_expect_eq!(loc.accounted, matrix == 1);
                kunit_expect!(part < partitions, "partition {}", part);
                if part >= partitions || seen[part] {
                    continue;
                }
                seen[part] = true;
                found += 1;
                let Ok(expected) = CString::try_from_fmt(fmt!(
                    "kpart-{}{:02}-{}",
                    if matrix == 1 { "cg-" } else { "" },
                    part,
                    NAMES[class]
                )) else {
                    kunit_expect!(false, "no memory for a cache name");
                    return;
                };
                kunit_expect!(
                    cache.name().to_bytes() == expected.as_bytes(),
                    "cache {:?}, expected {:?}",
                    cache.name(),
                    &*expected
                );
                kunit_expect_eq!(cache.object_size as usize, size);
                kunit_expect!(cache.refcount == 1, "{:?} has aliases", cache.name());
                kunit_expect!(cache.no_merge, "{:?} lacks SLAB_NO_MERGE", cache.name());
                if cfg!(CONFIG_MEMCG) {
                    kunit_expect_eq!(cache.account, matrix == 1);
                }
                if caches.push(cache.cache, GFP_KERNEL).is_err() {
                    kunit_expect!(false, "no memory for the list of caches");
                    return;
                }
            }
            kunit_expect!(
                found == partitions,
                "{}-byte class, matrix {}: reached {} of {} partitions",
                size,
                matrix,
                found,
                partitions
            );
        }
    }
    kunit_expect_eq!(caches.len(), matrices * partitions * SIZES.len());
    for i in 0..caches.len() {
        for j in i + 1..caches.len() {
            kunit_expect!(
                caches[i] != caches[j],
                "cells {} and {} share a cache",
                i,
                j
            );
        }
    }
}

/// Objects that are not kpart's are not located in kpart.
fn foreign_objects_are_not_located() {
    let local = 0u64;
    kunit_expect!(kpart::locate(&local).is_none());
    kunit_expect!(kpart::locate(core::ptr::null::<u8>()).is_none());
    kunit_expect!(kpart::locate(kpart::ZERO_SIZE_PTR).is_none());
    match KBox::new([0u8; 64], GFP_KERNEL) {
        Ok(plain) => kunit_expect!(kpart::locate(&*plain).is_none()),
        Err(_) => kunit_expect!(false, "KBox::new failed"),
    }
}

kunit_suite!(
    KPART_MATRIX,
    "kpart_matrix",
    [
        info_is_consistent,
        every_cell_allocates_and_frees,
        foreign_objects_are_not_located
    ]
);
