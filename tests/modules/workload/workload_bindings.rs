// SPDX-License-Identifier: GPL-2.0

//! `tests/modules/workload/workload.h`, as bindgen makes it at build time (`Kbuild`): the one definition
//! of what the module's C and Rust halves share.

#![allow(
    clippy::all,
    dead_code,
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    unused_imports,
    clippy::undocumented_unsafe_blocks
)]

use kernel::bindings::kmem_cache;
use kernel::ffi;

include!("workload_generated.rs");
