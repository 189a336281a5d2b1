// SPDX-License-Identifier: GPL-2.0

//! kpart_workload: a realistic allocation mix through kpart, from C
//! (`c_workload.c`: real kernel types) and from Rust (this file), kept live
//! until the module is removed. `debugfs/kpart_workload/types` tells which
//! type went to which partition; `scripts/kpart-report` reads it.
//!
//! The Rust mix, per unit of `scale=`:
//!
//! | objects | type | size | how |
//! |---|---|---|---|
//! | 300 | `kpart_wl_session` (holds pointers) | 64 B | `kpart::new_box` |
//! | 300 | `kpart_wl_sample` (pointer-free) | 32 B | `Box::new` with `Partitioned` |
//! | 200 | `[u64; n]`, n = 2..129 | 16..1032 B | `kpart::alloc_array` |
//! | 100 | `bindings::file` (C's `struct file`, token from `rust/kernel_types.rs`) | as C | `kpart::alloc` |

use kernel::alloc::flags::GFP_KERNEL;
use kernel::bindings;
use kernel::c_str;
use kernel::ffi::{c_uint, c_void};
use kernel::prelude::*;

#[path = "../../../rust/kpart_client.rs"]
mod kpart;

use kpart::{kpart_type, AllocType, PBox};

module! {
    type: KpartWorkload,
    name: "kpart_workload",
    author: "The kpart developers",
    description: "A realistic allocation mix through kpart",
    license: "GPL",
}

mod workload_bindings;
use workload_bindings::{
    kpart_wl_c_alloc, kpart_wl_c_free, kpart_wl_debugfs_exit, kpart_wl_debugfs_init,
    kpart_wl_param_scale, kpart_wl_record,
};

kpart_type! {
    /// A session, linked to its peer.
    #[allow(non_camel_case_types)]
    #[repr(C)]
    pub(crate) struct kpart_wl_session {
        id: u64,
        peer: *mut kpart_wl_session,
        name: [u8; 48],
    }
}

kpart_type! {
    /// A measurement: plain data.
    #[allow(non_camel_case_types)]
    #[repr(C)]
    pub(crate) struct kpart_wl_sample {
        time: u64,
        values: [u32; 6],
    }
}

struct KpartWorkload {
    sessions: KVec<PBox<kpart_wl_session>>,
    samples: KVec<PBox<kpart_wl_sample>>,
    raw: KVec<*mut c_void>,
}

// SAFETY: The raw pointers are owned allocations, freed in `drop` only.
unsafe impl Send for KpartWorkload {}
// SAFETY: Nothing is shared through `&KpartWorkload`.
unsafe impl Sync for KpartWorkload {}

fn record<T>(name: &CStr, objs: &[*mut T]) {
    // SAFETY: `name` and "Rust" are static strings, `objs` is a live slice
    // of pointers; the callee only reads them during the call.
    unsafe {
        kpart_wl_record(
            name.as_char_ptr(),
            c_str!("Rust").as_char_ptr(),
            objs.as_ptr().cast(),
            objs.len(),
        )
    };
}

impl KpartWorkload {
    fn alloc(&mut self, scale: usize) -> Result {
        let mut ptrs: KVec<*mut c_void> = KVec::with_capacity(300 * scale, GFP_KERNEL)?;
        for i in 0..300 * scale {
            let s = kpart_wl_session {
                id: i as u64,
                peer: core::ptr::null_mut(),
                name: [b'k'; 48],
            };
            // Four call sites, as for the C types.
            let b = match i % 4 {
                0 => kpart::new_box(s, GFP_KERNEL),
                1 => kpart::new_box(s, GFP_KERNEL),
                2 => kpart::new_box(s, GFP_KERNEL),
                _ => kpart::new_box(s, GFP_KERNEL),
            }
            .map_err(|_| ENOMEM)?;
            ptrs.push(
                (&*b as *const kpart_wl_session).cast_mut().cast(),
                GFP_KERNEL,
            )?;
            self.sessions.push(b, GFP_KERNEL)?;
        }
        record(c_str!("kpart_wl_session"), &ptrs);

        let mut ptrs: KVec<*mut c_void> = KVec::with_capacity(300 * scale, GFP_KERNEL)?;
        for i in 0..300 * scale {
            let b: PBox<kpart_wl_sample> = kernel::alloc::Box::new(
                kpart_wl_sample {
                    time: i as u64,
                    values: [0; 6],
                },
                GFP_KERNEL,
            )?;
            ptrs.push(
                (&*b as *const kpart_wl_sample).cast_mut().cast(),
                GFP_KERNEL,
            )?;
            self.samples.push(b, GFP_KERNEL)?;
        }
        record(c_str!("kpart_wl_sample"), &ptrs);

        let first = self.raw.len();
        for i in 0..200 * scale {
            let n = 2 + (i * 7) % 128;
            let p = match i % 4 {
                0 => kpart::alloc_array::<u64>(n, GFP_KERNEL),
                1 => kpart::alloc_array::<u64>(n, GFP_KERNEL),
                2 => kpart::alloc_array::<u64>(n, GFP_KERNEL),
                _ => kpart::alloc_array::<u64>(n, GFP_KERNEL),
            };
            if p.is_null() {
                return Err(ENOMEM);
            }
            self.raw.push(p.cast(), GFP_KERNEL)?;
        }
        record(c_str!("unsigned long long"), &self.raw[first..]);

        let first = self.raw.len();
        for i in 0..100 * scale {
            let p = match i % 4 {
                0 => kpart::alloc::<bindings::file>(GFP_KERNEL),
                1 => kpart::alloc::<bindings::file>(GFP_KERNEL),
                2 => kpart::alloc::<bindings::file>(GFP_KERNEL),
                _ => kpart::alloc::<bindings::file>(GFP_KERNEL),
            };
            if p.is_null() {
                return Err(ENOMEM);
            }
            self.raw.push(p.cast(), GFP_KERNEL)?;
        }
        record(c_str!("file"), &self.raw[first..]);
        Ok(())
    }
}

impl kernel::Module for KpartWorkload {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: Reads a module parameter.
        let scale = unsafe { kpart_wl_param_scale() } as usize;
        if !(1..=1000).contains(&scale) {
            pr_err!("scale={}: must be from 1 to 1000\n", scale);
            return Err(EINVAL);
        }
        let mut wl = KpartWorkload {
            sessions: KVec::new(),
            samples: KVec::new(),
            raw: KVec::new(),
        };
        // SAFETY: Called once, before any other C workload function.
        let ret = unsafe { kpart_wl_c_alloc(scale as c_uint) };
        if ret != 0 {
            // SAFETY: `kpart_wl_c_alloc` ran once; its cleanup frees what it
            // allocated before failing, and nothing uses those objects.
            unsafe { kpart_wl_c_free() };
            return Err(Error::from_errno(ret));
        }
        // On failure `wl` drops, freeing the Rust objects, and so do the C ones.
        if let Err(e) = wl.alloc(scale) {
            // SAFETY: `kpart_wl_c_alloc` ran once and succeeded; nothing
            // uses the C objects, which the module now gives up.
            unsafe { kpart_wl_c_free() };
            return Err(e);
        }
        // SAFETY: Creates the debugfs files once.
        unsafe { kpart_wl_debugfs_init() };
        pr_info!("{} objects allocated through kpart\n", 3200 * scale);
        Ok(wl)
    }
}

impl Drop for KpartWorkload {
    fn drop(&mut self) {
        // SAFETY: Removes the debugfs files created in `init`.
        unsafe { kpart_wl_debugfs_exit() };
        // SAFETY: Frees the C objects, once.
        unsafe { kpart_wl_c_free() };
        for p in self.raw.iter() {
            // SAFETY: Each is a live kpart allocation owned by the workload.
            unsafe { bindings::kfree(*p) };
        }
    }
}
