// SPDX-License-Identifier: GPL-2.0

//! kpart_bench: loading it measures the cost of allocating through kpart
//! against plain `kmalloc()`, or keeps a memory workload live (`c_bench.c`
//! has the parameters, the timing and the results). This file is its Rust
//! half: the Rust API contenders, whose loops call kpart's Rust API as a
//! Rust user of kpart does: `kpart::kmalloc` with the size at run time, and
//! `kpart::alloc` of a type whose size is a size class, a compile-time
//! constant.

use kernel::alloc::flags::{GFP_KERNEL, GFP_KERNEL_ACCOUNT};
use kernel::bindings;
use kernel::error::code::{EINVAL, ENOMEM};
use kernel::ffi::{c_int, c_uint, c_void};
use kernel::prelude::*;

#[path = "../rust/kpart_client.rs"]
mod kpart;
use kpart::{kpart_type, AllocType};

module! {
    type: KpartBench,
    name: "kpart_bench",
    author: "The kpart developers",
    description: "Speed and memory benchmarks of kpart against plain kmalloc",
    license: "GPL",
}

mod bench_bindings;
use bench_bindings::{kpart_bench_exit, kpart_bench_init};

/// Defines a contender's two loops, as `loops.h`'s `BENCH_LOOPS` does for
/// the C contenders: `$once(size, n)` allocates with `$alloc` and frees, `n`
/// times; `$batch(size, objs, n)` allocates `n` objects into `objs` with
/// `$alloc`, then frees them. Both return 0, or `-ENOMEM` with nothing left
/// allocated. `$alloc` is an expression of the size parameter, named by the
/// caller, that allocates through kpart's Rust API in line (its functions
/// are `#[inline(always)]`) and gives a pointer to free with `kfree()`. The
/// loops themselves are never inlined: each is the unit measured.
macro_rules! bench_loops {
    ($once:ident, $batch:ident, |$size:ident| $alloc:expr) => {
        /// A `once` loop (`bench_loops!`).
        #[no_mangle]
        #[inline(never)]
        pub(crate) extern "C" fn $once($size: usize, n: c_uint) -> c_int {
            for _ in 0..n {
                let p = $alloc;
                if p.is_null() {
                    return ENOMEM.to_errno();
                }
                // SAFETY: `p` is a live allocation of ours, not used again.
                unsafe { bindings::kfree(p.cast()) };
            }
            0
        }

        /// A `batch` loop (`bench_loops!`).
        ///
        /// # Safety
        ///
        /// `objs` is valid for writes of `n` pointers.
        #[no_mangle]
        #[inline(never)]
        pub(crate) unsafe extern "C" fn $batch(
            $size: usize,
            objs: *mut *mut c_void,
            n: c_uint,
        ) -> c_int {
            // SAFETY: Guaranteed by the caller; nothing else uses `objs`
            // meanwhile.
            let objs = unsafe { core::slice::from_raw_parts_mut(objs, n as usize) };
            for i in 0..objs.len() {
                let p = $alloc;
                if p.is_null() {
                    for q in &objs[..i] {
                        // SAFETY: `*q` is a live allocation of ours, not used
                        // again.
                        unsafe { bindings::kfree(*q) };
                    }
                    return ENOMEM.to_errno();
                }
                objs[i] = p.cast();
            }
            for q in objs.iter() {
                // SAFETY: `*q` is a live allocation of ours, not used again.
                unsafe { bindings::kfree(*q) };
            }
            0
        }
    };
}

// The Rust API with the size at run time (`kpart-MODE-rust`):
// `kpart::kmalloc(size)`, untyped (token 0), as C's `kpart_kmalloc(size)`.
bench_loops!(kpart_bench_rust_once, kpart_bench_rust_batch, |size| {
    kpart::kmalloc(size, GFP_KERNEL)
});

/// A `once` loop of the Rust API's constant-size contender.
type OnceLoop = extern "C" fn(usize, c_uint) -> c_int;
/// A `batch` loop of the Rust API's constant-size contender.
type BatchLoop = unsafe extern "C" fn(usize, *mut *mut c_void, c_uint) -> c_int;

/// Defines the Rust API's constant-size contender (`kpart-MODE-rust-const`),
/// as `comparators.c` defines C's: for every size, the type
/// `kpart_bench_bytes_<size>`, `size` bytes of data, and
/// `kpart_bench_rust_const_<size>_once` and `_batch`, which allocate one
/// with `kpart::alloc` (the size a compile-time constant, the size parameter
/// unused); then `CONST_SIZES` and `const_loops`, which picks a size's loops.
///
/// A type of its own per size, declared as kpart's Rust users declare
/// theirs ([`kpart_type!`]): its token is the one Clang gives a C
/// `struct kpart_bench_bytes_<size>`, pointer-free, so typed mode puts it in
/// the lower (data) half of the partitions, pertype mode gives it caches of
/// its own and it has a descriptor of its own, as every size is a call site
/// of its own in C's `kpart-MODE-c-const` (whose constant
/// `kpart_kmalloc(SIZE)` has no type: token 0). A generic type such as
/// `[u8; N]` could not have one per size: Rust has no static per generic
/// instance.
macro_rules! rust_const_loops {
    ($($size:tt)*) => {
        kernel::macros::paste! {
            $(
                kpart_type! {
                    /// Data of one size class (`rust_const_loops!`).
                    #[repr(C)]
                    #[allow(dead_code, non_camel_case_types)]
                    struct [<kpart_bench_bytes_ $size>] {
                        bytes: [u8; $size],
                    }
                }

                bench_loops!(
                    [<kpart_bench_rust_const_ $size _once>],
                    [<kpart_bench_rust_const_ $size _batch>],
                    |_size| kpart::alloc::<[<kpart_bench_bytes_ $size>]>(GFP_KERNEL)
                );
            )*

            /// The sizes that have constant-size loops, smallest first.
            const CONST_SIZES: &[usize] = &[$($size),*];

            /// The constant-size loops of `size`, or `None` when it is not a
            /// size class.
            fn const_loops(size: usize) -> Option<(OnceLoop, BatchLoop)> {
                match size {
                    $(
                        $size => Some((
                            [<kpart_bench_rust_const_ $size _once>],
                            [<kpart_bench_rust_const_ $size _batch>],
                        )),
                    )*
                    _ => None,
                }
            }
        }
    };
}

rust_const_loops!(8 16 32 64 96 128 192 256 512 1024 2048 4096 8192);

// The constant-size loops are kpart's size classes, in order (C's
// comparators check theirs at load, in `bench_dedicated_create()`).
const _: () = {
    assert!(CONST_SIZES.len() == kpart::SIZE_CLASSES.len());
    let mut i = 0;
    while i < CONST_SIZES.len() {
        assert!(CONST_SIZES[i] == kpart::SIZE_CLASSES[i]);
        i += 1;
    }
};

/// The Rust API's constant-size `once` loop of `size`, which must be a size
/// class: 0, `-ENOMEM`, or `-EINVAL` for a size that is not a size class.
/// The loop is picked once, outside it.
#[no_mangle]
pub(crate) extern "C" fn kpart_bench_rust_const_once(size: usize, n: c_uint) -> c_int {
    match const_loops(size) {
        Some((once, _)) => once(size, n),
        None => EINVAL.to_errno(),
    }
}

/// The Rust API's constant-size `batch` loop of `size`, as
/// [`kpart_bench_rust_const_once`]; nothing is left allocated on failure.
///
/// # Safety
///
/// `objs` is valid for writes of `n` pointers.
#[no_mangle]
pub(crate) unsafe extern "C" fn kpart_bench_rust_const_batch(
    size: usize,
    objs: *mut *mut c_void,
    n: c_uint,
) -> c_int {
    match const_loops(size) {
        // SAFETY: Guaranteed by the caller.
        Some((_, batch)) => unsafe { batch(size, objs, n) },
        None => EINVAL.to_errno(),
    }
}

/// One object of the memory workload through the Rust API: `size` bytes
/// (a multiple of 8) as an array of `u64`. NULL on failure.
#[no_mangle]
pub(crate) extern "C" fn kpart_bench_rust_mem_alloc(size: usize, accounted: bool) -> *mut c_void {
    let flags = if accounted {
        GFP_KERNEL_ACCOUNT
    } else {
        GFP_KERNEL
    };
    kpart::alloc_array::<u64>(size.div_ceil(8), flags).cast()
}

struct KpartBench;

impl kernel::Module for KpartBench {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: Called once, from process context, before anything else of
        // the C half.
        let ret = unsafe { kpart_bench_init() };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        Ok(KpartBench)
    }
}

impl Drop for KpartBench {
    fn drop(&mut self) {
        // SAFETY: `kpart_bench_init` succeeded; called once, at unload.
        unsafe { kpart_bench_exit() };
    }
}
