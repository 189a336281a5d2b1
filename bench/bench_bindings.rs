// SPDX-License-Identifier: GPL-2.0

//! `bench/bench.h`, as bindgen makes it at build time (`Kbuild`): the one definition
//! of what the module's C and Rust halves share.

// The kernel's types the header names, which the generated module takes
// from here (`use super::*`).
use kernel::ffi;

// Generated code, formatted as bindgen wrote it.
#[rustfmt::skip]
#[path = "bench_generated.rs"]
mod generated;
pub(crate) use generated::*;

// The functions the header declares and the Rust half defines have the
// header's types: an array of the declaration and the definition does not
// compile otherwise.
const _: () = {
    let _ = [kpart_bench_rust_once, crate::kpart_bench_rust_once];
    let _ = [kpart_bench_rust_batch, crate::kpart_bench_rust_batch];
    let _ = [
        kpart_bench_rust_const_once,
        crate::kpart_bench_rust_const_once,
    ];
    let _ = [
        kpart_bench_rust_const_batch,
        crate::kpart_bench_rust_const_batch,
    ];
    let _ = [
        kpart_bench_rust_mem_alloc,
        crate::kpart_bench_rust_mem_alloc,
    ];
};
