// SPDX-License-Identifier: GPL-2.0

//! kpart's C API, `include/kpart.h`, as bindgen makes it at build time
//! (`Kbuild`, with the kernel's flags and parameters): its structs,
//! constants, functions and exported tables, the one definition of which is
//! the header. kpart.ko and its Rust users (`kpart_client.rs`) include it;
//! `route_table.rs` and `partition.rs` wrap what needs behaviour.

// The kernel's types the header names, which the generated module takes
// from here (`use super::*`).
use kernel::bindings::kmem_cache;
use kernel::ffi;

// Generated code, formatted as bindgen wrote it.
#[rustfmt::skip]
#[path = "../../include/kpart_generated.rs"]
mod generated;
// `pub`: `kpart_client.rs` gives its users some of these types as its own.
#[allow(unreachable_pub)]
pub use generated::*;

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
