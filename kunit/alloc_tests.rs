// SPDX-License-Identifier: GPL-2.0

//! Suite `kpart_alloc`: routing and kmalloc semantics, from C and from Rust,
//! in both modes (mode-specific cases skip in the other mode).

use crate::c_allocations::{self as c, kfree};
use crate::kpart::{self, kpart_type, AllocType};
use kernel::alloc::flags::{__GFP_ZERO, GFP_KERNEL, GFP_KERNEL_ACCOUNT};
use kernel::bindings;
use kernel::ffi::c_void;
use kernel::prelude::*;

pub(crate) const MODE_RANDOM: u32 = 0;
pub(crate) const MODE_TYPED: u32 = 1;
pub(crate) const MODE_PERTYPE: u32 = 2;
pub(crate) const MODE_SHAPE: u32 = 3;

kpart_type! {
    /// The struct `c_allocations.c` allocates as `struct kpart_parity`.
    #[allow(non_camel_case_types)]
    #[repr(C)]
    pub(crate) struct kpart_parity {
        pub(crate) id: i32,
        pub(crate) next: *mut c_void,
    }
}

kpart_type! {
    /// The struct `c_allocations.c` allocates as `struct kpart_plain`.
    #[allow(non_camel_case_types)]
    #[repr(C)]
    pub(crate) struct kpart_plain {
        pub(crate) a: u32,
        pub(crate) b: u64,
        pub(crate) buf: [u8; 24],
    }
}

kpart_type! {
    /// A 64-byte aligned struct.
    #[allow(non_camel_case_types)]
    #[repr(C, align(64))]
    pub(crate) struct kpart_aligned {
        pub(crate) v: [u64; 3],
    }
}

/// Skips the running case unless kpart partitions by type: typed or pertype
/// mode, whose partitions are typed mode's.
pub(crate) fn require_typed() -> bool {
    if kpart::info().mode != MODE_RANDOM {
        return true;
    }
    crate::kunit_support::skip(c"needs kpart in typed or pertype mode");
    false
}

/// Skips the running case unless kpart is in `mode`.
pub(crate) fn require_mode(mode: u32) -> bool {
    if kpart::info().mode == mode {
        return true;
    }
    crate::kunit_support::skip(match mode {
        MODE_TYPED => c"needs kpart in typed mode",
        MODE_RANDOM => c"needs kpart in random mode",
        MODE_SHAPE => c"needs kpart in shape mode",
        _ => c"needs kpart in pertype mode",
    });
    false
}

/// The partition kpart must choose for token `token` (bound 64): Clang's
/// `typehashpointersplit` reduction to the loaded partition count, which
/// the host tests check against Clang itself.
fn predicted(token: u64) -> u32 {
    kpart::typed_partition(token, kpart::info().partitions)
}

pub(crate) fn partition_of<T>(p: *const T) -> Option<u32> {
    kpart::locate(p).map(|loc| loc.partition)
}

fn size_class_boundaries() {
    let cases = [
        (1, 8),
        (8, 8),
        (9, 16),
        (96, 96),
        (97, 128),
        (192, 192),
        (193, 256),
        (4096, 4096),
        (8192, 8192),
    ];
    for (size, class) in cases {
        let p = kpart::kmalloc(size, GFP_KERNEL);
        kunit_expect!(!p.is_null(), "{} bytes", size);
        let loc = kpart::locate(p);
        kunit_expect!(
            loc.map(|l| l.size as usize) == Some(class),
            "{} bytes: {:?}",
            size,
            loc
        );
        kfree(p);
    }
    // Above 8192: plain kmalloc, not a kpart object.
    let p = kpart::kmalloc(8193, GFP_KERNEL);
    kunit_expect!(!p.is_null());
    kunit_expect!(kpart::locate(p).is_none());
    kfree(p);
}

fn alignment() {
    for &size in kpart::SIZE_CLASSES.iter() {
        let p = kpart::kmalloc(size, GFP_KERNEL);
        let align = 1usize << size.trailing_zeros();
        kunit_expect!(
            !p.is_null() && p as usize % align == 0,
            "{} bytes at {:p}",
            size,
            p
        );
        kfree(p);
    }
    match kpart::new_box(kpart_aligned { v: [1, 2, 3] }, GFP_KERNEL) {
        Ok(b) => kunit_expect!(&*b as *const kpart_aligned as usize % 64 == 0),
        Err(_) => kunit_expect!(false, "allocation failed"),
    }
}

fn zeroing() {
    for &size in kpart::SIZE_CLASSES.iter() {
        // Dirty objects of the class first, so that zeroing has work to do.
        let dirty = kpart::kmalloc(size, GFP_KERNEL);
        if !dirty.is_null() {
            // SAFETY: `dirty` is a fresh allocation of `size` bytes.
            unsafe { core::ptr::write_bytes(dirty, 0xa5, size) };
        }
        kfree(dirty);
        let p = kpart::kmalloc(size, GFP_KERNEL | __GFP_ZERO);
        // SAFETY: `p` is NULL or a fresh allocation of `size` bytes.
        let zeroed = unsafe { holds(p, size, 0) };
        kunit_expect!(zeroed, "{} bytes not zeroed", size);
        kfree(p);
    }
    let p = c::alloc_plain(bindings::GFP_KERNEL).cast::<u8>();
    // SAFETY: `p` is NULL or a fresh `struct kpart_plain`.
    let zeroed = unsafe { holds(p, core::mem::size_of::<kpart_plain>(), 0) };
    kunit_expect!(zeroed, "kzalloc did not zero");
    kfree(p);
}

fn ksize_is_the_class_size() {
    for size in [1usize, 24, 100, 1000, 5000] {
        let p = kpart::kmalloc(size, GFP_KERNEL);
        if p.is_null() {
            kunit_expect!(false, "{} bytes: allocation failed", size);
            continue;
        }
        // SAFETY: `p` is a live kpart or kmalloc object (not NULL).
        let ks = unsafe { ksize(p) };
        let class = kpart::locate(p).map_or(0, |l| l.size as usize);
        kunit_expect!(
            ks >= size && ks == class,
            "{} bytes: ksize {} class {}",
            size,
            ks,
            class
        );
        kfree(p);
    }
}

/// Whether `p` is not NULL and its first `count` bytes are all `byte`.
///
/// # Safety
///
/// `p` is NULL or a live object of at least `count` bytes.
unsafe fn holds(p: *const u8, count: usize, byte: u8) -> bool {
    if p.is_null() {
        return false;
    }
    // SAFETY: `p` is not NULL, so a live object of at least `count` bytes by
    // the caller's guarantee.
    let bytes = unsafe { core::slice::from_raw_parts(p, count) };
    bytes.iter().all(|b| *b == byte)
}

/// `ksize()`: the bytes usable at `p`.
///
/// # Safety
///
/// `p` is a live kmalloc or kpart object.
unsafe fn ksize<T>(p: *const T) -> usize {
    // SAFETY: `p` is a live slab or kmalloc object, by the caller's
    // guarantee.
    unsafe { bindings::ksize(p.cast()) }
}

fn krealloc_keeps_the_partition() {
    // The partition of a C object, grown and shrunk from a different call
    // site in C and in Rust; the contents move with it.
    let p = c::alloc_parity(bindings::GFP_KERNEL);
    let Some(before) = kpart::locate(p) else {
        kunit_expect!(false, "struct kpart_parity not in kpart: {:p}", p);
        kfree(p);
        return;
    };
    // SAFETY: `p` is a live 16-byte object.
    unsafe { core::ptr::write_bytes(p.cast::<u8>(), 0x3c, 16) };
    // SAFETY: `p` is a live kpart object of ours; only `grown` is used after.
    let grown = unsafe { c::krealloc(p, 1000, bindings::GFP_KERNEL) };
    if grown.is_null() {
        kunit_expect!(false, "krealloc to 1000 bytes failed");
        kfree(p);
        return;
    }
    let after = kpart::locate(grown);
    kunit_expect!(after.map(|l| l.size) == Some(1024), "{:?}", after);
    kunit_expect!(
        after.map(|l| l.partition) == Some(before.partition),
        "{:?} -> {:?}",
        before,
        after
    );
    // SAFETY: `grown` is a live object of 1000 bytes.
    let usable = unsafe { ksize(grown) };
    kunit_expect_eq!(usable, 1024);
    // SAFETY: `grown` is a live object of 1000 bytes.
    let kept = unsafe { holds(grown.cast(), 16, 0x3c) };
    kunit_expect!(kept, "contents lost growing");
    // Shrinking keeps the object and its contents.
    // SAFETY: `grown` is ours; the result replaces it.
    let shrunk = unsafe { kpart::krealloc::<u8>(grown.cast(), 10, GFP_KERNEL) };
    kunit_expect!(shrunk == grown.cast());
    if shrunk.is_null() {
        kfree(grown);
        return;
    }
    // SAFETY: `shrunk` is a live object of 10 bytes.
    let kept = unsafe { holds(shrunk, 10, 0x3c) };
    kunit_expect!(kept, "contents lost shrinking");
    // Growing from Rust, at another call site, keeps the partition too.
    // SAFETY: `shrunk` is ours; the result replaces it.
    let regrown = unsafe { kpart::krealloc::<u64>(shrunk.cast(), 4000, GFP_KERNEL) };
    if regrown.is_null() {
        kunit_expect!(false, "krealloc to 4000 bytes failed");
        kfree(shrunk);
        return;
    }
    let loc = kpart::locate(regrown);
    kunit_expect!(loc.map(|l| l.size) == Some(4096), "{:?}", loc);
    kunit_expect!(
        loc.map(|l| l.partition) == Some(before.partition),
        "{:?}",
        loc
    );
    // SAFETY: `regrown` is a live object of 4000 bytes.
    let usable = unsafe { ksize(regrown) };
    kunit_expect_eq!(usable, 4096);
    // SAFETY: `regrown` is a live object of 4000 bytes.
    let kept = unsafe { holds(regrown.cast(), 10, 0x3c) };
    kunit_expect!(kept, "contents lost growing from Rust");
    // Size 0 frees and returns ZERO_SIZE_PTR.
    // SAFETY: `regrown` is ours; size 0 frees it.
    let freed = unsafe { kpart::krealloc(regrown, 0, GFP_KERNEL) };
    kunit_expect_eq!(freed.cast::<u8>(), kpart::ZERO_SIZE_PTR);
    // NULL and ZERO_SIZE_PTR allocate.
    for old in [core::ptr::null_mut(), kpart::ZERO_SIZE_PTR] {
        // SAFETY: NULL and ZERO_SIZE_PTR hold no object; krealloc allocates.
        let fresh = unsafe { kpart::krealloc::<u8>(old, 40, GFP_KERNEL) };
        kunit_expect!(
            kpart::locate(fresh).map(|l| l.size) == Some(64),
            "from {:p}",
            old
        );
        if !fresh.is_null() {
            // SAFETY: `fresh` is a live object of 40 bytes.
            let usable = unsafe { ksize(fresh) };
            kunit_expect_eq!(usable, 64);
        }
        kfree(fresh);
    }
}

/// The same type, from C (two macros, two sites) and from Rust (two
/// allocation paths), lands in one partition: the one its token predicts.
fn typed_c_and_rust_agree() {
    if !require_typed() {
        return;
    }
    let c_token = c::token_parity();
    kunit_expect_eq!(c_token, kpart::token::<kpart_parity>());
    let c_plain = c::token_plain();
    kunit_expect_eq!(c_plain, kpart::token::<kpart_plain>());

    let want = predicted(kpart::token::<kpart_parity>());
    let from_c = c::alloc_parity(bindings::GFP_KERNEL);
    let from_c2 = c::alloc_parity_sizeof(bindings::GFP_KERNEL);
    let from_rust = kpart::alloc::<kpart_parity>(GFP_KERNEL);
    let boxed = kpart::new_box(
        kpart_parity {
            id: 1,
            next: core::ptr::null_mut(),
        },
        GFP_KERNEL,
    );
    kunit_expect!(!from_c.is_null() && !from_c2.is_null() && !from_rust.is_null());
    kunit_expect_eq!(partition_of(from_c), Some(want));
    kunit_expect_eq!(partition_of(from_c2), Some(want));
    kunit_expect_eq!(partition_of(from_rust), Some(want));
    // Pertype mode: all in the type's own caches.
    if kpart::info().mode == MODE_PERTYPE {
        let token = kpart::token::<kpart_parity>();
        for p in [from_c, from_c2, from_rust.cast()] {
            kunit_expect_eq!(kpart::locate(p).map(|l| l.token), Some(token));
        }
    }
    match &boxed {
        Ok(b) => kunit_expect_eq!(partition_of(&**b), Some(want)),
        Err(_) => kunit_expect!(false, "kpart::new_box failed"),
    }
    // The kernel's Box::new with the partitioned allocator, too.
    let pbox: Result<kpart::PBox<kpart_parity>, _> = kernel::alloc::Box::new(
        kpart_parity {
            id: 2,
            next: core::ptr::null_mut(),
        },
        GFP_KERNEL,
    );
    match &pbox {
        Ok(b) => kunit_expect_eq!(partition_of(&**b), Some(want)),
        Err(_) => kunit_expect!(false, "Box::new with kpart's allocator failed"),
    }
    kfree(from_c);
    kfree(from_c2);
    kfree(from_rust);
}

/// The kernel's own `Vec` and `Box` with kpart's allocator, in every mode:
/// the buffer stays in one partition (typed mode: `T`'s) as the vector grows
/// through the size classes, its contents move with it, and beyond kpart's
/// largest class it continues in kmalloc's caches.
fn kernel_vec_and_box() {
    let typed = kpart::info().mode != MODE_RANDOM;
    let want = predicted(kpart::token::<kpart_parity>());
    let mut v: kpart::PVec<kpart_parity> = kpart::PVec::new();
    let mut row = None;
    let mut moves = 0;
    let mut last = core::ptr::null();
    for i in 0..600 {
        if v.push(
            kpart_parity {
                id: i,
                next: core::ptr::null_mut(),
            },
            GFP_KERNEL,
        )
        .is_err()
        {
            kunit_expect!(false, "PVec::push failed at {}", i);
            return;
        }
        if v.as_ptr() == last {
            continue;
        }
        last = v.as_ptr();
        moves += 1;
        let bytes = v.capacity() * core::mem::size_of::<kpart_parity>();
        match kpart::locate(v.as_ptr()) {
            Some(loc) if bytes <= 8192 => {
                kunit_expect!(
                    !typed || loc.partition == want,
                    "typed: partition {}",
                    loc.partition
                );
                kunit_expect!(
                    row.is_none() || row == Some(loc.partition),
                    "the buffer left its partition at {} bytes",
                    bytes
                );
                row = Some(loc.partition);
            }
            None => kunit_expect!(bytes > 8192, "{} bytes not in kpart", bytes),
            Some(loc) => kunit_expect!(false, "{} bytes in kpart's {:?}", bytes, loc.partition),
        }
    }
    kunit_expect!(moves > 3, "the vector moved only {} times", moves);
    kunit_expect!(v.iter().enumerate().all(|(i, e)| e.id == i as i32));

    let b: Result<kpart::PBox<kpart_parity>, _> = kernel::alloc::Box::new(
        kpart_parity {
            id: 7,
            next: core::ptr::null_mut(),
        },
        GFP_KERNEL,
    );
    match &b {
        Ok(b) => {
            let part = partition_of(&**b);
            kunit_expect!(
                part.is_some(),
                "Box::new with kpart's allocator: not in kpart"
            );
            kunit_expect!(!typed || part == Some(want), "typed: partition {:?}", part);
            kunit_expect_eq!(b.id, 7);
        }
        Err(_) => kunit_expect!(false, "Box::new with kpart's allocator failed"),
    }
}

/// Pointer-holding types in the top half, pointer-free ones and untyped
/// allocations in the bottom half, every type where its token predicts.
fn typed_pointer_split_and_spread() {
    if !require_typed() {
        return;
    }
    let partitions = kpart::info().partitions;
    // One partition has no halves: every type is in partition 0.
    let half = partitions / 2;
    let mut seen = [false; 64];
    macro_rules! check_type {
        ($t:ty) => {{
            let token = kpart::token::<$t>();
            let p = kpart::alloc::<$t>(GFP_KERNEL);
            let part = partition_of(p);
            kunit_expect!(
                part == Some(predicted(token)),
                "{}: token {} partition {:?}",
                stringify!($t),
                token,
                part
            );
            if partitions > 1 {
                let upper = part.is_some_and(|part| part >= half);
                kunit_expect!(
                    upper == <$t as AllocType>::HAS_POINTER,
                    "{} in the wrong half",
                    stringify!($t)
                );
            }
            if let Some(part) = part {
                seen[part as usize] = true;
            }
            kfree(p);
        }};
    }
    check_type!(u8);
    check_type!(u16);
    check_type!(u32);
    check_type!(u64);
    check_type!(i32);
    check_type!(i64);
    check_type!(usize);
    check_type!([u8; 16]);
    check_type!([u32; 7]);
    check_type!(kpart_plain);
    check_type!(kpart_parity);
    check_type!(kpart_aligned);
    check_type!(*mut u8);
    check_type!(*const u64);
    check_type!(*mut kpart_parity);
    check_type!([*mut u8; 4]);
    // Untyped allocations use the fallback token 0: partition 0.
    let p = kpart::kmalloc(48, GFP_KERNEL);
    kunit_expect_eq!(partition_of(p), Some(0));
    kfree(p);
    let spread = seen.iter().filter(|s| **s).count();
    let needed = (partitions as usize).min(4);
    kunit_expect!(spread >= needed, "16 types over only {} partitions", spread);
}

/// Random mode: one call site, one partition; 64 call sites, many partitions.
fn random_sites() {
    if !require_mode(MODE_RANDOM) {
        return;
    }
    let partitions = kpart::info().partitions as usize;
    let first = c::alloc_one_site(64, bindings::GFP_KERNEL);
    let want = partition_of(first);
    kunit_expect!(want.is_some());
    for _ in 0..16 {
        let p = c::alloc_one_site(64, bindings::GFP_KERNEL);
        kunit_expect_eq!(partition_of(p), want);
        kfree(p);
    }
    kfree(first);
    // The same in Rust: one call site in a loop.
    let mut rust_first = None;
    for i in 0..16 {
        let p = kpart::kmalloc(64, GFP_KERNEL);
        if i == 0 {
            rust_first = partition_of(p);
            kunit_expect!(rust_first.is_some(), "Rust allocation not in kpart");
        }
        kunit_expect_eq!(partition_of(p), rust_first);
        kfree(p);
    }
    // 64 distinct C call sites.
    let objs = c::alloc_sites(64, bindings::GFP_KERNEL);
    let mut seen = [false; 64];
    for p in objs {
        if let Some(part) = partition_of(p) {
            seen[part as usize] = true;
        }
        kfree(p);
    }
    let reached = seen.iter().filter(|s| **s).count();
    // The hash (the kernel's hash_64() of site ^ seed, as for
    // RANDOM_KMALLOC_CACHES) spreads sites at a regular stride unevenly for
    // some seeds: these sites are 32 bytes apart under KASAN (its redzones
    // around globals), and 64 of them reach 11 to 16 of 16 partitions over
    // 200,000 simulated seeds, and no fewer than 18 of 64. Fewer than 8
    // (fewer than half of 2, 4 or 8) means a broken router; the exact hash
    // is suite kpart_load's.
    let needed = (partitions / 2).clamp(1, 8);
    kunit_expect!(
        reached >= needed,
        "64 sites reached {} of {} partitions",
        reached,
        partitions
    );
}

/// Flags plain kmalloc has caches for, or fixes up, are not partitioned: in
/// the routing every path shares (asked from Rust), and for real from C, in
/// line and out of line.
fn gfp_fallbacks() {
    let unpartitioned = [
        (bindings::___GFP_DMA_BIT, "__GFP_DMA", true),
        (bindings::___GFP_DMA32_BIT, "__GFP_DMA32", false),
        (bindings::___GFP_HIGHMEM_BIT, "__GFP_HIGHMEM", false),
        (bindings::___GFP_RECLAIMABLE_BIT, "__GFP_RECLAIMABLE", true),
    ];
    kunit_expect!(kpart::serves(64, bindings::GFP_KERNEL));
    kunit_expect!(kpart::serves(64, bindings::GFP_KERNEL_ACCOUNT) == kpart::info().accounted);
    for (bit, name, allocate) in unpartitioned {
        let flag = 1u32 << bit;
        kunit_expect!(
            !kpart::serves(64, bindings::GFP_KERNEL | flag),
            "{} is routed to kpart",
            name
        );
        kunit_expect!(
            !kpart::serves(64, bindings::GFP_KERNEL_ACCOUNT | flag),
            "accounted {} is routed to kpart",
            name
        );
        // __GFP_DMA32 and __GFP_HIGHMEM are bugs in a kmalloc caller: the
        // slab allocator warns when it fixes them up, so only the routing
        // is checked for them.
        if !allocate {
            continue;
        }
        for in_line in [true, false] {
            let p = c::alloc_routed(64, bindings::GFP_KERNEL | flag, 40, 0, in_line);
            kunit_expect!(!p.is_null(), "{} allocation failed", name);
            kunit_expect!(
                kpart::locate(p).is_none(),
                "{} allocation was partitioned (in line: {})",
                name,
                in_line
            );
            kfree(p);
        }
        let p = c::alloc_one_site(64, bindings::GFP_KERNEL | flag);
        kunit_expect!(!p.is_null(), "{} allocation failed", name);
        kunit_expect!(
            kpart::locate(p).is_none(),
            "{} allocation was partitioned",
            name
        );
        kfree(p);
    }
}

fn accounted_matrix() {
    let info = kpart::info();
    let p = kpart::kmalloc(200, GFP_KERNEL_ACCOUNT);
    kunit_expect!(!p.is_null());
    let loc = kpart::locate(p);
    if info.accounted {
        kunit_expect!(
            loc.is_some_and(|l| l.accounted && l.size == 256),
            "{:?}",
            loc
        );
    } else {
        kunit_expect!(loc.is_none(), "{:?}", loc);
        // In kmalloc's own cache for accounted objects, from Rust's and C's
        // in-line paths as from kmalloc() itself.
        // SAFETY: `__kmalloc_noprof` takes any size and flags.
        let plain = unsafe { bindings::__kmalloc_noprof(200, bindings::GFP_KERNEL_ACCOUNT) };
        let from_c = c::alloc_routed(200, bindings::GFP_KERNEL_ACCOUNT, 40, 0, true);
        let expected = c::cache_of(plain);
        kunit_expect!(
            expected.is_some_and(|c| c.name().to_bytes() == b"kmalloc-cg-256"),
            "kmalloc's accounted object is not in kmalloc-cg-256"
        );
        for (q, path) in [(p.cast::<c_void>(), "rust"), (from_c, "c")] {
            let got = c::cache_of(q);
            kunit_expect!(
                got.zip(expected)
                    .is_some_and(|(got, expected)| got.cache == expected.cache),
                "{}: {:?}, not kmalloc's",
                path,
                got.as_ref().map(|c| c.name())
            );
        }
        kfree(plain);
        kfree(from_c);
    }
    kfree(p);
    let p = kpart::kmalloc(200, GFP_KERNEL);
    kunit_expect!(kpart::locate(p).is_some_and(|l| !l.accounted));
    kfree(p);
}

fn bad_sizes() {
    // Size 0: ZERO_SIZE_PTR, which kfree() accepts.
    let p = kpart::kmalloc(0, GFP_KERNEL);
    kunit_expect_eq!(p, kpart::ZERO_SIZE_PTR);
    kfree(p);
    // Sizes kmalloc can never satisfy: NULL, without a warning (the console
    // guard of the test run fails on any WARNING).
    for size in [
        usize::MAX,
        usize::MAX / 2,
        bindings::KMALLOC_MAX_SIZE as usize + 1,
    ] {
        kunit_expect!(kpart::kmalloc(size, GFP_KERNEL).is_null(), "{} bytes", size);
    }
    // Array overflow: NULL, in C and in Rust.
    let p = c::alloc_array(usize::MAX / 2, 3, bindings::GFP_KERNEL);
    kunit_expect!(p.is_null());
    kunit_expect!(kpart::alloc_array::<u64>(usize::MAX / 4, GFP_KERNEL).is_null());
    // A fine array: kcalloc zeroes it, even where a dirty object was.
    let dirty = kpart::kmalloc(64, GFP_KERNEL);
    kunit_expect!(!dirty.is_null());
    if !dirty.is_null() {
        // SAFETY: `dirty` is a fresh allocation of 64 bytes.
        unsafe { core::ptr::write_bytes(dirty, 0xa5, 64) };
    }
    kfree(dirty);
    let p = c::kcalloc_u32(10, bindings::GFP_KERNEL).cast::<u32>();
    kunit_expect!(kpart::locate(p).map(|l| l.size) == Some(64));
    if !p.is_null() {
        // SAFETY: `p` is a live array of 10 `u32`.
        let words = unsafe { core::slice::from_raw_parts(p, 10) };
        kunit_expect!(
            words.iter().all(|w| *w == 0),
            "kcalloc did not zero: {:?}",
            words
        );
    }
    kfree(p);
}

/// Tokens no correct caller produces reach the fallback partition, never an
/// out-of-bounds table entry.
fn hostile_tokens() {
    for token in [kpart::TOKEN_BOUND, kpart::TOKEN_BOUND + 45, u64::MAX] {
        let p = kpart::kmalloc_token(32, GFP_KERNEL, token, token);
        kunit_expect!(!p.is_null());
        let part = partition_of(p);
        kunit_expect!(
            part.is_some_and(|part| part < kpart::info().partitions),
            "{:?}",
            part
        );
        if kpart::info().mode != MODE_RANDOM {
            kunit_expect_eq!(part, Some(0));
        }
        kfree(p);
    }
}

/// The three allocation paths (C in line, C out of line, Rust in line) put
/// every (size, flags, token, site) in the same cache.
fn in_line_and_out_of_line_paths_agree() {
    let sizes = [
        1, 8, 9, 64, 65, 96, 97, 192, 193, 256, 1000, 4096, 4097, 8192, 8193,
    ];
    let sites = [0u64, 0xffff_ffff_a000_1234];
    for size in sizes {
        for (flags, accounted) in [(GFP_KERNEL, false), (GFP_KERNEL_ACCOUNT, true)] {
            // Pertype mode makes caches for each token: 8 of them do.
            let step = if kpart::info().mode == MODE_PERTYPE {
                8
            } else {
                1
            };
            for token in (0..kpart::TOKEN_MAX)
                .step_by(step)
                .map(kpart::token_from_64)
            {
                for site in sites {
                    let raw = kpart::gfp(flags);
                    let c_in = c::alloc_routed(size, raw, token, site, true);
                    let c_out = c::alloc_routed(size, raw, token, site, false);
                    let rust = kpart::kmalloc_token(size, flags, token, site).cast::<c_void>();
                    kunit_expect!(!c_in.is_null() && !c_out.is_null() && !rust.is_null());
                    let (a, b, r) = (
                        kpart::locate(c_in),
                        kpart::locate(c_out),
                        kpart::locate(rust),
                    );
                    kunit_expect!(
                        a == b && b == r,
                        "size {} token {} site {:#x}: {:?} {:?} {:?}",
                        size,
                        token,
                        site,
                        a,
                        b,
                        r
                    );
                    // kpart serves up to 8192 bytes, and accounted ones
                    // only with its accounted matrix.
                    kunit_expect_eq!(
                        a.is_some(),
                        size <= 8192 && (!accounted || kpart::info().accounted)
                    );
                    kfree(c_in);
                    kfree(c_out);
                    kfree(rust);
                }
            }
        }
    }
}

kunit_suite!(
    KPART_ALLOC,
    "kpart_alloc",
    [
        size_class_boundaries,
        alignment,
        zeroing,
        ksize_is_the_class_size,
        krealloc_keeps_the_partition,
        typed_c_and_rust_agree,
        kernel_vec_and_box,
        typed_pointer_split_and_spread,
        random_sites,
        gfp_fallbacks,
        accounted_matrix,
        bad_sizes,
        hostile_tokens,
        in_line_and_out_of_line_paths_agree,
    ]
);
