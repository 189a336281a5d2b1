// SPDX-License-Identifier: GPL-2.0

//! kpart's C API, `include/kpart.h`, as bindgen makes it at build time
//! (`Kbuild`, with the kernel's flags and parameters): its structs,
//! constants, functions and exported tables, the one definition of which is
//! the header. kpart.ko and its Rust users (`kpart_client.rs`) include it;
//! `route_table.rs` and `partition.rs` wrap what needs behaviour.

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

include!("../../include/kpart_generated.rs");

impl PartialEq for kpart_location {
    fn eq(&self, other: &Self) -> bool {
        (self.partition, self.size, self.accounted, self.token)
            == (other.partition, other.size, other.accounted, other.token)
    }
}

impl Eq for kpart_location {}

impl core::fmt::Debug for kpart_location {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Location")
            .field("partition", &self.partition)
            .field("size", &self.size)
            .field("accounted", &self.accounted)
            .field("token", &self.token)
            .finish()
    }
}
