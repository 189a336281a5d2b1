// SPDX-License-Identifier: GPL-2.0

//! `tests/modules/stress/stress.h`, as bindgen makes it at build time (`Kbuild`): the one definition
//! of what the module's C and Rust halves share.

// The kernel's types the header names, which the generated module takes
// from here (`use super::*`).
use kernel::ffi;

// Generated code, formatted as bindgen wrote it.
#[rustfmt::skip]
#[path = "stress_generated.rs"]
mod generated;
pub(crate) use generated::*;

// The function the header declares and the Rust half defines has the
// header's type: an array of the declaration and the definition does not
// compile otherwise.
const _: () = {
    let _ = [kpart_stress_rust_alloc, crate::kpart_stress_rust_alloc];
};
