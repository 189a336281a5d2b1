// SPDX-License-Identifier: GPL-2.0

//! `kunit/c_allocations.h`, as bindgen makes it at build time (`Kbuild`): the one definition
//! of what the module's C and Rust halves share.

// The kernel's types the header names, which the generated module takes
// from here (`use super::*`).
use kernel::bindings::kmem_cache;
use kernel::ffi;

// Generated code, formatted as bindgen wrote it.
#[rustfmt::skip]
#[path = "c_allocations_generated.rs"]
mod generated;
pub(crate) use generated::*;
