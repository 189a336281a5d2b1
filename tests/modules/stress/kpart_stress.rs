// SPDX-License-Identifier: GPL-2.0

//! kpart_stress: loading it runs a multi-threaded allocation stress through
//! kpart (`c_stress.c`); this file is its Rust half, whose allocations go
//! through the Rust API.

use kernel::alloc::flags::{GFP_KERNEL, GFP_KERNEL_ACCOUNT};
use kernel::ffi::c_void;
use kernel::prelude::*;

#[path = "../../../rust/kpart_client.rs"]
mod kpart;

use kpart::{kpart_type, AllocType};

module! {
    type: KpartStress,
    name: "kpart_stress",
    author: "The kpart developers",
    description: "Multi-threaded allocation stress through kpart",
    license: "GPL",
}

mod stress_bindings;
use stress_bindings::kpart_stress_run;

kpart_type! {
    /// A node with a pointer, allocated whole for small sizes.
    #[allow(non_camel_case_types)]
    #[repr(C)]
    pub(crate) struct kpart_stress_node {
        key: u64,
        next: *mut kpart_stress_node,
    }
}

/// Allocates `size` bytes through the Rust API: a typed node when it fits,
/// else an array of `u64`. NULL on failure.
#[no_mangle]
pub(crate) extern "C" fn kpart_stress_rust_alloc(size: usize, accounted: bool) -> *mut c_void {
    let flags = if accounted {
        GFP_KERNEL_ACCOUNT
    } else {
        GFP_KERNEL
    };
    if size <= core::mem::size_of::<kpart_stress_node>() {
        kpart::alloc::<kpart_stress_node>(flags).cast()
    } else {
        kpart::alloc_array::<u64>(size.div_ceil(8), flags).cast()
    }
}

struct KpartStress;

impl kernel::Module for KpartStress {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: Runs the stress to completion, from process context.
        let ret = unsafe { kpart_stress_run() };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        Ok(KpartStress)
    }
}
