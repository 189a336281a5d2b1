// SPDX-License-Identifier: GPL-2.0

//! The C parts of kpart.ko (`c/kpart_internal.h`), as bindgen makes them at
//! build time (`Kbuild`): the structs Rust and C exchange, the functions C
//! defines for Rust, and those Rust defines for C (`pertype/mod.rs`), checked
//! below against the header.

// The kernel's types the header names, which the generated module takes
// from here (`use super::*`).
use kernel::bindings::kmem_cache;
use kernel::ffi;

// Generated code, formatted as bindgen wrote it.
#[rustfmt::skip]
#[path = "../../c/kpart_internal_generated.rs"]
mod generated;
pub(crate) use generated::*;

// The functions C declares and Rust defines have the header's types: an
// array of the declaration and the definition does not compile otherwise.
const _: () = {
    let _ = [kpart_types_summary, crate::pertype::kpart_types_summary];
    let _ = [kpart_types_get, crate::pertype::kpart_types_get];
    let _ = [kpart_types_make, crate::pertype::kpart_types_make];
};
