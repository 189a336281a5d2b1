// SPDX-License-Identifier: GPL-2.0

//! kpart's pure Rust code, built for the host.
//!
//! The kernel module's `core`-only files are included here unchanged, with `#[path]`, so that
//! `cargo test` runs their unit tests and the host tools and tests (`kpart-token`, the Clang
//! oracle in `tests/oracle.rs`) use exactly the code the module uses. The crate is `no_std`
//! outside its own tests, as the files are in the kernel.

#![cfg_attr(not(test), no_std)]
#![deny(missing_docs, rust_2018_idioms, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

// The module's pure files, one `#[path]` module each (`rust/abi/<name>.rs`, `rust/module/<name>.rs` become `<name>`).

#[path = "../../../rust/abi/alloc_token.rs"]
pub mod alloc_token;
// `rust/abi/shape.rs`: a child module of `alloc_token.rs`, which uses it.
pub use alloc_token::shape;

/// `include/kpart.h` as bindgen makes it in the module build.
mod kpart_bindings;

// Crate-private in the module (`pub(crate)`): only their unit tests use them here.

#[allow(dead_code)]
#[path = "../../../rust/abi/size_class.rs"]
mod size_class;

#[allow(dead_code)]
#[path = "../../../rust/abi/partition.rs"]
mod partition;

#[path = "../../../rust/abi/rebound.rs"]
mod rebound;

#[allow(dead_code)]
#[path = "../../../rust/module/retention.rs"]
mod retention;
