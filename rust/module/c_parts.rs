// SPDX-License-Identifier: GPL-2.0

//! The C parts of kpart.ko (`c/kpart_internal.h`), as bindgen makes them at
//! build time (`Kbuild`): the structs Rust and C exchange, the functions C
//! defines for Rust, and those Rust defines for C (`pertype/mod.rs`), checked
//! below against the header.

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

include!("../../c/kpart_internal_generated.rs");

// The functions C declares and Rust defines have the header's types: an
// array of the declaration and the definition does not compile otherwise.
const _: () = {
    let _ = [kpart_types_summary, crate::pertype::kpart_types_summary];
    let _ = [kpart_types_get, crate::pertype::kpart_types_get];
    let _ = [kpart_types_make, crate::pertype::kpart_types_make];
};
