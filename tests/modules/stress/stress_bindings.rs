// SPDX-License-Identifier: GPL-2.0

//! `tests/modules/stress/stress.h`, as bindgen makes it at build time (`Kbuild`): the one definition
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

include!("stress_generated.rs");

// The function the header declares and the Rust half defines has the
// header's type: an array of the declaration and the definition does not
// compile otherwise.
const _: () = {
    let _ = [kpart_stress_rust_alloc, crate::kpart_stress_rust_alloc];
};
