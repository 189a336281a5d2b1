// SPDX-License-Identifier: GPL-2.0

//! `tests/modules/workload/workload.h`, as bindgen makes it at build time (`Kbuild`): the one definition
//! of what the module's C and Rust halves share.

// The kernel's types the header names, which the generated module takes
// from here (`use super::*`).
use kernel::ffi;

// Generated code, formatted as bindgen wrote it.
#[rustfmt::skip]
#[path = "workload_generated.rs"]
mod generated;
pub(crate) use generated::*;
