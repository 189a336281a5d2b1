// SPDX-License-Identifier: GPL-2.0

//! `include/kpart.h` as bindgen makes it in the module build (`Kbuild`): the copy
//! `kpart_generated.rs` is made from that output by `scripts/gen/host-bindings.sh`, which
//! checks it too. It takes the types it names but does not define from here (`use super::*`):
//! `core`'s C types, and the kernel's types it points to, opaque.

use core::ffi;

/// The kernel's `struct kmem_cache`, which kpart's structs only point to.
#[allow(non_camel_case_types)] // C's name, as the bindings name it.
pub enum kmem_cache {}

#[path = "kpart_generated.rs"]
mod generated;
pub(crate) use generated::*;
