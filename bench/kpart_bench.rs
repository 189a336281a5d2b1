// SPDX-License-Identifier: GPL-2.0

//! kpart_bench: loading it measures the cost of allocating through kpart
//! against plain `kmalloc()`, or keeps a memory workload live (`c_bench.c`
//! has the parameters, the timing and the results). This file is its Rust
//! half: the Rust API contender, whose loops call `kpart::kmalloc` as a Rust
//! user of kpart does.

use kernel::alloc::flags::{GFP_KERNEL, GFP_KERNEL_ACCOUNT};
use kernel::bindings;
use kernel::error::code::ENOMEM;
use kernel::ffi::{c_int, c_uint, c_void};
use kernel::prelude::*;

#[path = "../rust/kpart_client.rs"]
mod kpart;

module! {
    type: KpartBench,
    name: "kpart_bench",
    author: "The kpart developers",
    description: "Speed and memory benchmarks of kpart against plain kmalloc",
    license: "GPL",
}

mod bench_bindings;
use bench_bindings::{kpart_bench_exit, kpart_bench_init};

/// The Rust API's `once` loop: `n` times, allocate `size` bytes with
/// [`kpart::kmalloc`] and free them. 0, or `-ENOMEM`.
#[no_mangle]
pub(crate) extern "C" fn kpart_bench_rust_once(size: usize, n: c_uint) -> c_int {
    for _ in 0..n {
        let p = kpart::kmalloc(size, GFP_KERNEL);
        if p.is_null() {
            return ENOMEM.to_errno();
        }
        // SAFETY: `p` is a live allocation of ours, not used again.
        unsafe { bindings::kfree(p.cast()) };
    }
    0
}

/// The Rust API's `batch` loop: allocate `n` objects of `size` bytes into
/// `objs`, then free them. 0, or `-ENOMEM` with nothing left allocated.
///
/// # Safety
///
/// `objs` is valid for writes of `n` pointers.
#[no_mangle]
pub(crate) unsafe extern "C" fn kpart_bench_rust_batch(
    size: usize,
    objs: *mut *mut c_void,
    n: c_uint,
) -> c_int {
    // SAFETY: Guaranteed by the caller; nothing else uses `objs` meanwhile.
    let objs = unsafe { core::slice::from_raw_parts_mut(objs, n as usize) };
    for i in 0..objs.len() {
        let p = kpart::kmalloc(size, GFP_KERNEL);
        if p.is_null() {
            for q in &objs[..i] {
                // SAFETY: `*q` is a live allocation of ours, not used again.
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
