// SPDX-License-Identifier: GPL-2.0

//! A Rust module that allocates through kpart: it includes kpart's
//! `rust/kpart_client.rs` and links against kpart's exported symbols.

use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

#[path = "../rust/kpart_client.rs"]
mod kpart;

use kpart::{kpart_type, AllocType, PBox};

module! {
    type: KpartSampleRust,
    name: "kpart_sample_rust",
    author: "The kpart developers",
    description: "Allocating through kpart from Rust",
    license: "GPL",
}

kpart_type! {
    /// The same type as C's `struct sample_session` in kpart_sample_c.c:
    /// the same partition.
    #[allow(non_camel_case_types)]
    #[repr(C)]
    pub(crate) struct sample_session {
        id: u64,
        peer: *mut sample_session,
    }
}

struct KpartSampleRust {
    _session: PBox<sample_session>,
    _words: PBox<[u32; 16]>,
}

// SAFETY: The boxes are owned and never shared.
unsafe impl Sync for KpartSampleRust {}
// SAFETY: The boxes are owned by the module alone; whichever thread drops
// it frees them with kfree(), which any thread may call.
unsafe impl Send for KpartSampleRust {}

impl kernel::Module for KpartSampleRust {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let session = kpart::new_box(
            sample_session {
                id: 1,
                peer: core::ptr::null_mut(),
            },
            GFP_KERNEL,
        )
        .map_err(|_| ENOMEM)?;
        let words = kpart::new_box([0u32; 16], GFP_KERNEL).map_err(|_| ENOMEM)?;
        for (what, loc) in [
            ("sample_session", kpart::locate(&*session)),
            ("[u32; 16]", kpart::locate(&*words)),
        ] {
            if let Some(loc) = loc {
                pr_info!(
                    "{}: partition {}, {}-byte class (token {})\n",
                    what,
                    loc.partition,
                    loc.size,
                    if what == "sample_session" {
                        kpart::token::<sample_session>()
                    } else {
                        kpart::token::<[u32; 16]>()
                    }
                );
            }
        }
        Ok(KpartSampleRust {
            _session: session,
            _words: words,
        })
    }
}
