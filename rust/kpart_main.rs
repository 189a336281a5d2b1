// SPDX-License-Identifier: GPL-2.0

//! kpart: partitioned kmalloc caches.
//!
//! On load, kpart creates a matrix of never-merged slab caches, one per
//! partition and kmalloc size class (and the same again for `__GFP_ACCOUNT`
//! allocations), and routes the allocations of its users into it: by type
//! (Clang allocation tokens) or by call site (random mode). On unload it
//! destroys them. See `Documentation/kpart.rst`.

use kernel::bindings;
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;

mod allocator;
// Clang's token algorithm, shared with the users' side (`kpart_client.rs`);
// kpart itself needs only its reduction to a partition count.
#[allow(dead_code, unreachable_pub)]
mod alloc_token;
mod api_types;
mod c_parts;
mod c_parts_ffi;
mod cache_matrix;
mod contract;
mod partition;
mod route_table;
mod size_class;
mod slab_cache;

use allocator::Kpart;
use partition::Mode;

module! {
    type: KpartModule,
    name: "kpart",
    author: "The kpart developers",
    description: "Partitioned kmalloc caches",
    license: "GPL",
}

struct KpartModule {
    kpart: Pin<KBox<Kpart>>,
}

/// Reads and checks the module parameters: one `pr_err` naming the parameter
/// and its allowed values for each bad one.
fn params() -> Result<(Mode, u32, bool, Option<u64>)> {
    let mut raw = c_parts::Params {
        mode: core::ptr::null(),
        partitions: 0,
        accounted: false,
        seed: 0,
    };
    // SAFETY: `raw` is valid for writes.
    unsafe { c_parts::kpart_params_get(&mut raw) };

    let mode_str = if raw.mode.is_null() {
        c_str!("")
    } else {
        // SAFETY: A charp module parameter is a NUL-terminated string that
        // lives as long as the module.
        unsafe { CStr::from_char_ptr(raw.mode) }
    };
    let mode = Mode::parse(mode_str.as_bytes());
    if mode.is_none() {
        pr_err!(
            "mode={}: must be 'typed' or 'random'\n",
            mode_str.to_str().unwrap_or("?")
        );
    }
    if !partition::valid_count(raw.partitions) {
        pr_err!(
            "partitions={}: must be a power of two from {} to {} (1, 2, 4, 8, 16, 32 or 64)\n",
            raw.partitions,
            partition::MIN_PARTITIONS,
            partition::MAX_PARTITIONS
        );
    }
    match mode {
        Some(mode) if partition::valid_count(raw.partitions) => Ok((
            mode,
            raw.partitions,
            raw.accounted,
            (raw.seed != 0).then_some(raw.seed),
        )),
        _ => Err(EINVAL),
    }
}

impl kernel::Module for KpartModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let (mode, partitions, accounted, seed) = params()?;
        // SAFETY: `get_random_u64` may be called from process context.
        let seed = seed.unwrap_or_else(|| unsafe { bindings::get_random_u64() });
        let kpart = KBox::pin(Kpart::new(mode, partitions, accounted, seed)?, GFP_KERNEL)?;
        // SAFETY: `kpart` is pinned and owned by the module, which calls
        // `unpublish` in `drop` before it is freed. No user can link to kpart
        // before its init returns, so nothing allocates through it yet.
        unsafe { allocator::publish(&kpart) };
        let view = c_parts::StateView {
            mode: match mode {
                Mode::Random => c_str!("random").as_char_ptr(),
                Mode::Typed => c_str!("typed").as_char_ptr(),
            },
            partitions,
            accounted: accounted as u32,
            caches: kpart.matrix().len() as u32,
        };
        // SAFETY: `view` is valid for the call, which copies it.
        unsafe { c_parts::kpart_debugfs_init(&view) };
        pr_info!(
            "{} mode, {} partitions, accounted matrix {}: {} caches\n",
            mode.name(),
            partitions,
            if accounted { "on" } else { "off" },
            kpart.matrix().len()
        );
        Ok(KpartModule { kpart })
    }
}

impl Drop for KpartModule {
    fn drop(&mut self) {
        // SAFETY: Removes the files `init` created.
        unsafe { c_parts::kpart_debugfs_exit() };
        // SAFETY: The module is going away: every user, which holds a
        // reference to it, is gone.
        unsafe { allocator::unpublish() };
        pr_info!(
            "unloading: destroying {} caches\n",
            self.kpart.matrix().len()
        );
    }
}
