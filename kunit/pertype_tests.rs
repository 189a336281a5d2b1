// SPDX-License-Identifier: GPL-2.0

//! Suite `kpart_pertype`: every type in caches of its own. In pertype mode,
//! six types whose tokens collide in pairs of threes at 16 partitions land
//! in six caches, the same from C and from Rust; a type first allocated in
//! atomic context is served by its typed partition until its caches exist;
//! raw buffers are split by call site. In typed mode the same types share
//! their partitions' caches, which is what pertype mode removes.

use crate::alloc_tests::{require_mode, MODE_PERTYPE};
use crate::c_allocations::{self as c, kfree};
use crate::kpart::{self, kpart_type, AllocType};
use kernel::alloc::flags::{GFP_ATOMIC, GFP_KERNEL, GFP_KERNEL_ACCOUNT};
use kernel::bindings;
use kernel::ffi::c_void;

/// Declares the Rust twins of `c_pertype.c`'s structs.
macro_rules! twins {
    ($($name:ident { $($field:ident: $ty:ty),+ })+) => {
        $(kpart_type! {
            #[allow(non_camel_case_types)]
            #[repr(C)]
            pub(crate) struct $name {
                $(pub(crate) $field: $ty),+
            }
        })+
    };
}

twins! {
    kpart_pt_a { v: [u64; 3] }
    kpart_pt_g { v: [u32; 6] }
    kpart_pt_k { v: [u8; 24] }
    kpart_pt_b { p: *mut c_void, v: [u64; 2] }
    kpart_pt_i { p: *mut c_void, v: [u32; 4] }
    kpart_pt_o { p: [*mut c_void; 3] }
    kpart_pt_atomic_rust { p: *mut c_void, v: [u64; 2] }
    kpart_pt_acct { p: *mut c_void, v: [u64; 5] }
    kpart_pt_over_rust { p: *mut c_void, v: [u64; 3] }
}

/// The tokens of the six types, in `c::alloc_pertype`'s order.
fn tokens() -> [u64; c::PERTYPES] {
    [
        kpart::token::<kpart_pt_a>(),
        kpart::token::<kpart_pt_g>(),
        kpart::token::<kpart_pt_k>(),
        kpart::token::<kpart_pt_b>(),
        kpart::token::<kpart_pt_i>(),
        kpart::token::<kpart_pt_o>(),
    ]
}

/// The six types from Rust, each through another path.
fn alloc_rust() -> [*mut c_void; c::PERTYPES] {
    let mut v: kpart::PVec<kpart_pt_o> = kpart::PVec::new();
    let vec = match v.push(
        kpart_pt_o {
            p: [core::ptr::null_mut(); 3],
        },
        GFP_KERNEL,
    ) {
        Ok(()) => v.as_mut_ptr().cast::<c_void>(),
        Err(_) => core::ptr::null_mut(),
    };
    // The vector's buffer outlives it: the caller kfree's it.
    core::mem::forget(v);
    [
        kpart::alloc::<kpart_pt_a>(GFP_KERNEL).cast(),
        kpart::alloc_array::<kpart_pt_g>(1, GFP_KERNEL).cast(),
        kpart::new_box(kpart_pt_k { v: [0; 24] }, GFP_KERNEL).map_or(core::ptr::null_mut(), |b| {
            kernel::alloc::Box::into_raw(b).cast()
        }),
        kpart::alloc::<kpart_pt_b>(GFP_KERNEL).cast(),
        kernel::alloc::Box::<_, kpart::Partitioned<kpart_pt_i>>::new(
            kpart_pt_i {
                p: core::ptr::null_mut(),
                v: [0; 4],
            },
            GFP_KERNEL,
        )
        .map_or(core::ptr::null_mut(), |b| {
            kernel::alloc::Box::into_raw(b).cast()
        }),
        vec,
    ]
}

/// Six types, C and Rust: in pertype mode six caches, C's and Rust's the
/// same for each name, each its type's; in typed mode the colliding types
/// share a cache.
fn colliding_types_get_caches_of_their_own() {
    if !crate::alloc_tests::require_typed() {
        return;
    }
    let pertype = kpart::info().mode == MODE_PERTYPE;
    let tokens = tokens();
    let from_c = c::alloc_pertype(bindings::GFP_KERNEL);
    let from_rust = alloc_rust();
    let mut caches = [core::ptr::null(); c::PERTYPES];
    for i in 0..c::PERTYPES {
        let (cc, rc) = (c::cache_of(from_c[i]), c::cache_of(from_rust[i]));
        let (Some(cc), Some(rc)) = (cc, rc) else {
            kunit_expect!(false, "type {}: no slab object", i);
            continue;
        };
        kunit_expect!(cc.cache == rc.cache, "type {}: C and Rust in two caches", i);
        caches[i] = cc.cache;
        let (cl, rl) = (kpart::locate(from_c[i]), kpart::locate(from_rust[i]));
        kunit_expect!(cl.is_some() && cl == rl, "type {}: {:?} {:?}", i, cl, rl);
        let want = if pertype { tokens[i] } else { 0 };
        kunit_expect_eq!(cl.map(|l| l.token), Some(want));
    }
    let partitions = kpart::info().partitions;
    for i in 0..c::PERTYPES {
        for j in i + 1..c::PERTYPES {
            let same_partition = kpart::typed_partition(tokens[i], partitions)
                == kpart::typed_partition(tokens[j], partitions);
            // Typed mode: a cache per partition; pertype: per type.
            let shared = !pertype && same_partition;
            kunit_expect_eq!(caches[i] == caches[j], shared);
        }
    }
    if partitions == 16 {
        // The types were chosen to collide there: 7, 7, 7 and 12, 12, 12.
        let parts = tokens.map(|t| kpart::typed_partition(t, 16));
        kunit_expect_eq!(parts, [7, 7, 7, 12, 12, 12]);
    }
    for p in Iterator::chain(from_c.into_iter(), from_rust) {
        kfree(p);
    }
}

/// A type first allocated in atomic context: the allocation succeeds from
/// its typed partition without sleeping, and once kpart's work has made the
/// cache, the next atomic allocation is in the type's own cache. From C
/// (one call site, under a spinlock with interrupts off) and from Rust.
fn first_allocation_in_atomic_context() {
    if !require_mode(MODE_PERTYPE) {
        return;
    }
    let partitions = kpart::info().partitions;
    let c_token = c::token_atomic();
    let rust_token = kpart::token::<kpart_pt_atomic_rust>();
    let first_c = c::alloc_atomic();
    let first_rust = kpart::alloc::<kpart_pt_atomic_rust>(GFP_ATOMIC).cast::<c_void>();
    for (p, token) in [(first_c, c_token), (first_rust, rust_token)] {
        kunit_expect!(!p.is_null());
        let loc = kpart::locate(p);
        kunit_expect_eq!(loc.map(|l| l.token), Some(0));
        kunit_expect_eq!(
            loc.map(|l| l.partition),
            Some(kpart::typed_partition(token, partitions))
        );
    }
    kpart::settle();
    let then_c = c::alloc_atomic();
    let then_rust = kpart::alloc::<kpart_pt_atomic_rust>(GFP_ATOMIC).cast::<c_void>();
    kunit_expect_eq!(kpart::locate(then_c).map(|l| l.token), Some(c_token));
    kunit_expect_eq!(kpart::locate(then_rust).map(|l| l.token), Some(rust_token));
    for p in [first_c, first_rust, then_c, then_rust] {
        kfree(p);
    }
}

/// Raw buffers (no type Clang can infer) from 64 call sites: in pertype
/// mode in call-site buckets' caches, spread over at least half of the
/// buckets.
fn raw_buffers_split_by_site() {
    if !require_mode(MODE_PERTYPE) {
        return;
    }
    let partitions = kpart::info().partitions as usize;
    let objs = c::alloc_sites(100, bindings::GFP_KERNEL);
    let mut seen = [false; 64];
    for p in objs {
        let token = kpart::locate(p).map(|l| l.token);
        kunit_expect!(
            token.is_some_and(|t| t >= kpart::TOKEN_BOUND),
            "raw buffer not in a bucket: {:?}",
            token
        );
        if let Some(t) = token.filter(|t| *t >= kpart::TOKEN_BOUND) {
            seen[((t - kpart::TOKEN_BOUND) % 64) as usize] = true;
        }
        kfree(p);
    }
    let buckets = seen.iter().filter(|s| **s).count();
    kunit_expect!(
        buckets * 2 >= partitions,
        "64 sites in {} of {} buckets",
        buckets,
        partitions
    );
}

/// Typed and random mode have no per-type caches: `token` is always 0.
fn no_types_outside_pertype_mode() {
    if kpart::info().mode == MODE_PERTYPE {
        crate::kunit_support::skip(c"needs kpart in typed or random mode");
        return;
    }
    let p = kpart::alloc::<kpart_pt_a>(GFP_KERNEL);
    kunit_expect_eq!(kpart::locate(p).map(|l| l.token), Some(0));
    kfree(p);
}

/// In every mode, from C and from Rust, in line and out of line: an
/// accounted allocation is in an accounted cache (`SLAB_ACCOUNT`) and a plain
/// one in a plain cache. Without the accounted matrix, accounted allocations
/// are charged to the memory cgroup but share the plain caches (or go to
/// the kernel's `kmalloc-cg-*`), so only plain ones are checked there.
fn accounted_allocations_in_accounted_caches() {
    let matrix = kpart::info().accounted;
    // The first round fills pertype mode's descriptors; the next ones read
    // them in line.
    for round in 0..3 {
        for (flags, accounted) in [(GFP_KERNEL, false), (GFP_KERNEL_ACCOUNT, true)] {
            let from_c = c::alloc_one_type(kpart::gfp(flags));
            let from_rust = kpart::alloc::<kpart_pt_acct>(flags).cast::<c_void>();
            for (lang, p) in [("C", from_c), ("Rust", from_rust)] {
                let cache = c::cache_of(p);
                kunit_expect!(cache.is_some(), "{}: not a slab object", lang);
                if let Some(cache) = cache.filter(|_| matrix || !accounted) {
                    kunit_expect!(
                        cache.account == accounted,
                        "round {} {}: {} allocation in {}",
                        round,
                        lang,
                        if accounted { "an accounted" } else { "a plain" },
                        cache.name().to_str().unwrap_or("?")
                    );
                }
                kfree(p);
            }
        }
    }
}

kunit_suite!(
    KPART_PERTYPE,
    "kpart_pertype",
    [
        colliding_types_get_caches_of_their_own,
        first_allocation_in_atomic_context,
        raw_buffers_split_by_site,
        no_types_outside_pertype_mode,
        accounted_allocations_in_accounted_caches,
    ]
);

/// Past `max_caches=`, a type settles: 1000 allocations in atomic context of
/// a type that can get no cache of its own, from C and from Rust, ask for
/// it about once each (`early` and `over_cap` rise by about 1, not by
/// 1000), and are served by its typed partition. Needs kpart loaded with
/// `max_caches=8` (tests/guest/kunit-loads).
fn over_cap_types_settle() {
    if !require_mode(MODE_PERTYPE) {
        return;
    }
    if c::expected_max_caches() != 8 {
        crate::kunit_support::skip(c"needs kpart loaded with max_caches=8");
        return;
    }
    // A type with a cache of its own before the cap is reached.
    let first = c::alloc_one_type(bindings::GFP_KERNEL);
    let own = kpart::locate(first).map(|l| l.token);
    kunit_expect!(own.is_some_and(|t| t != 0), "{:?}", own);
    kfree(first);
    c::fill_classes(bindings::GFP_KERNEL);
    let before = c::types_counts();
    kunit_expect_eq!(before.caches, 8);
    for i in 0..1000 {
        let from_c = c::alloc_over_cap(bindings::GFP_ATOMIC);
        let from_rust = kpart::alloc::<kpart_pt_over_rust>(GFP_ATOMIC).cast::<c_void>();
        for p in [from_c, from_rust] {
            kunit_expect!(!p.is_null());
            let loc = kpart::locate(p);
            // In the typed partition's caches, not a cache of its own.
            kunit_expect!(loc.is_some_and(|l| l.token == 0), "{:?}", loc);
            kfree(p);
        }
        if i == 0 {
            kpart::settle();
        }
    }
    let after = c::types_counts();
    kunit_expect_eq!(after.caches, 8);
    let (early, over_cap) = (after.early - before.early, after.over_cap - before.over_cap);
    kunit_expect!(
        (1..=4).contains(&early) && (1..=4).contains(&over_cap),
        "1000 over-cap allocations: early +{}, over_cap +{}",
        early,
        over_cap
    );
    // The type that had its cache keeps it past the cap.
    let again = c::alloc_one_type(bindings::GFP_KERNEL);
    kunit_expect_eq!(kpart::locate(again).map(|l| l.token), own);
    kfree(again);
}

kunit_suite!(
    KPART_PERTYPE_CAP,
    "kpart_pertype_cap",
    [over_cap_types_settle]
);
