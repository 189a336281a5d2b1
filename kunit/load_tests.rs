// SPDX-License-Identifier: GPL-2.0

//! Suite `kpart_load`: kpart runs as it was loaded, and its random mode is the
//! kernel's own `hash_64()`. Both compare kpart with what the test run asked
//! for, given to kpart_kunit as the same parameters as to kpart
//! (`c_reference.c`); without them the cases skip.

use crate::alloc_tests::{partition_of, require_mode, MODE_RANDOM};
use crate::c_allocations::{self as c, kfree};
use crate::kpart;
use kernel::alloc::flags::GFP_KERNEL;

/// The mode, partition count and accounted matrix kpart reports are the
/// ones insmod gave it: a parameter kpart ignored would otherwise let the
/// mode-specific cases skip where they should run.
fn runs_as_loaded() {
    let Some(want) = c::expected_load() else {
        crate::kunit_support::skip(c"no load to compare: give kpart_kunit kpart's parameters");
        return;
    };
    let info = kpart::info();
    kunit_expect_eq!(info.mode, want.mode);
    kunit_expect_eq!(info.partitions, want.partitions);
    kunit_expect_eq!(info.accounted, want.accounted);
}

/// Random mode: the partition of a call site is the kernel's
/// `hash_64(site ^ seed, log2(partitions))`, computed by the kernel's own
/// header, for sites across the kernel's address space.
fn random_partition_is_the_kernel_hash_64() {
    if !require_mode(MODE_RANDOM) {
        return;
    }
    let Some(want) = c::expected_load().filter(|l| l.seed != 0) else {
        crate::kunit_support::skip(c"no seed to compare: give kpart_kunit kpart's seed=");
        return;
    };
    let bits = kpart::info().partitions.trailing_zeros();
    let mut seen = [false; 64];
    let mut mismatches = 0;
    for i in 0..2048u64 {
        // Module text, core kernel text and arbitrary values.
        let site = match i % 3 {
            0 => 0xffff_ffff_c000_0000 + i * 0x1234_5,
            1 => 0xffff_ffff_8100_0000 + i * 0x40,
            _ => i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        };
        let expected = c::kernel_hash_64(site ^ want.seed, bits) as u32;
        let p = kpart::kmalloc_token(64, GFP_KERNEL, i % 64, site);
        let got = partition_of(p);
        kfree(p);
        if got != Some(expected) {
            mismatches += 1;
            if mismatches <= 4 {
                kunit_expect!(
                    false,
                    "site {:#x}: partition {:?}, hash_64 gives {}",
                    site,
                    got,
                    expected
                );
            }
        }
        seen[(expected as usize) % 64] = true;
    }
    kunit_expect_eq!(mismatches, 0);
    let reached = seen.iter().filter(|s| **s).count();
    kunit_expect!(
        reached == 1 << bits,
        "2048 sites reached {} of {} partitions",
        reached,
        1 << bits
    );
}

kunit_suite!(
    KPART_LOAD,
    "kpart_load",
    [runs_as_loaded, random_partition_is_the_kernel_hash_64]
);
