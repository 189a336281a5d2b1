// SPDX-License-Identifier: GPL-2.0

//! kpart's KUnit suites, written in Rust, with a C half that allocates
//! through `include/kpart.h`. Loading the module runs them, against the kpart
//! that is loaded; mode-specific cases skip in the other mode.
//!
//! The suites use kpart as any Rust user does: through `rust/kpart_client.rs`.

use kernel::prelude::*;

#[macro_use]
mod kunit_support;

#[path = "../rust/kpart_client.rs"]
mod kpart;

mod alloc_tests;
mod c_allocations;
mod c_allocations_bindings;
mod isolation_tests;
mod load_tests;
mod matrix_tests;
mod pertype_tests;
mod shape_tests;

module! {
    type: KpartKunit,
    name: "kpart_kunit",
    author: "The kpart developers",
    description: "KUnit suites for kpart",
    license: "GPL",
}

struct KpartKunit;

impl kernel::Module for KpartKunit {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(KpartKunit)
    }
}
