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
use kernel::ffi::c_ulong;
use kernel::prelude::*;
use kernel::str::CStr;

mod alloc;
mod c_parts;
mod cache_matrix;
// The API header, `include/kpart.h`: kpart.ko uses its tables' and
// counters' declarations, and checks its own definitions against the rest
// (`state.rs`, `alloc.rs`, `realloc.rs`, `locate.rs`).
#[path = "../abi/kpart_bindings.rs"]
mod kpart_bindings;
mod locate;
#[path = "../abi/partition.rs"]
mod partition;
// Clang's reduction of a token to a partition count: of Clang's token
// algorithm (`alloc_token.rs`, the users' side), all kpart.ko runs.
mod pertype;
mod realloc;
#[path = "../abi/rebound.rs"]
mod rebound;
mod retention;
mod ro_pages;
#[path = "../abi/route_table.rs"]
mod route_table;
#[path = "../abi/size_class.rs"]
mod size_class;
mod slab_cache;
mod slot_index;
mod state;
mod stats;

use partition::Mode;
use retention::Retention;
use state::Kpart;

module! {
    type: KpartModule,
    name: "kpart",
    author: "The kpart developers",
    description: "Partitioned kmalloc caches",
    license: "GPL",
}

struct KpartModule {
    kpart: Pin<VBox<Kpart>>,
}

/// The module parameters, checked.
struct Params {
    mode: Mode,
    partitions: u32,
    accounted: bool,
    retention: Retention,
    /// `retain=` as given, for debugfs and the log.
    retain: &'static CStr,
    seed: Option<u64>,
    max_caches: u32,
    stats: bool,
    shape_budget: u32,
    /// `shape_table=`, the signature table's name.
    shape_table: &'static CStr,
}

/// A charp module parameter as bytes; empty when unset.
///
/// # Safety
///
/// `raw` is NULL or a NUL-terminated string that lives as long as the module,
/// as a charp module parameter is.
unsafe fn param_str(raw: *const kernel::ffi::c_char) -> &'static CStr {
    if raw.is_null() {
        c_str!("")
    } else {
        // SAFETY: `raw` is a NUL-terminated string that lives as long as the
        // module (guaranteed by the caller).
        unsafe { CStr::from_char_ptr(raw) }
    }
}

/// Reads and checks the module parameters: one `pr_err` naming the parameter
/// and its allowed values for each bad one.
fn params() -> Result<Params> {
    let mut raw = c_parts::kpart_params::default();
    // SAFETY: `raw` is valid for writes.
    unsafe { c_parts::kpart_params_get(&mut raw) };

    // SAFETY: `mode` is a charp module parameter.
    let mode_str = unsafe { param_str(raw.mode) };
    let mode = Mode::parse(mode_str.as_bytes());
    if mode.is_none() {
        pr_err!(
            "mode={}: must be 'typed', 'random', 'pertype' or 'shape'\n",
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
    // SAFETY: `retain` is a charp module parameter.
    let retain_str = unsafe { param_str(raw.retain) };
    let retention = Retention::parse(retain_str.as_bytes());
    if retention.is_none() {
        pr_err!(
            "retain={}: must be a budget <n>M or <n>G (n from 1, at most 2^64 - 1 bytes), \
             'all', 'off' or a slab count from 1 to 4294967295\n",
            retain_str.to_str().unwrap_or("?")
        );
    }
    let max_caches_ok = raw.max_caches <= pertype::MAX_CACHES;
    if !max_caches_ok {
        pr_err!(
            "max_caches={}: must be from 0 to {}\n",
            raw.max_caches,
            pertype::MAX_CACHES
        );
    }
    let budget_ok = (1..=pertype::shape::MAX_BUDGET).contains(&raw.shape_budget);
    if !budget_ok {
        pr_err!(
            "shape_budget={}: must be from 1 to {}\n",
            raw.shape_budget,
            pertype::shape::MAX_BUDGET
        );
    }
    // SAFETY: `shape_table` is a charp module parameter.
    let shape_table = unsafe { param_str(raw.shape_table) };
    match (mode, retention) {
        (Some(mode), Some(retention))
            if partition::valid_count(raw.partitions) && max_caches_ok && budget_ok =>
        {
            Ok(Params {
                mode,
                partitions: raw.partitions,
                accounted: raw.accounted,
                retention,
                retain: retain_str,
                seed: (raw.seed != 0).then_some(raw.seed),
                max_caches: raw.max_caches,
                stats: raw.stats,
                shape_budget: raw.shape_budget,
                shape_table,
            })
        }
        _ => Err(EINVAL),
    }
}

impl kernel::Module for KpartModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let p = params()?;
        let seed = match p.seed {
            Some(seed) => seed,
            // SAFETY: `get_random_u64` may be called from process context.
            None => unsafe { bindings::get_random_u64() },
        };
        let shape = match p.mode {
            Mode::Shape => Some(pertype::ShapeTable::load(
                p.shape_table,
                p.shape_budget,
                seed,
            )?),
            _ => None,
        };
        // SAFETY: This is kpart's init, which calls `Kpart::new` once, before
        // any user can link to kpart.
        let kpart = unsafe {
            Kpart::new(
                p.mode,
                p.partitions,
                p.accounted,
                p.retention,
                seed,
                p.max_caches,
                p.stats,
                shape,
            )
        }?;
        let kpart = VBox::pin(kpart, GFP_KERNEL)?;
        // SAFETY: This is kpart's init, which calls `publish` once. `kpart` is
        // pinned and owned by the module until its exit, when no user is left.
        unsafe { state::publish(&kpart) };
        // Users take the in-line path of the mode (`include/kpart.h`); with
        // stats=1, pertype mode's, whose call sites kpart leaves empty, so
        // that every allocation comes to kpart and is counted.
        // SAFETY: Called once, in init, before any user can link to kpart.
        unsafe {
            c_parts::kpart_route_keys_set(
                p.mode != Mode::Typed || p.stats,
                matches!(p.mode, Mode::PerType | Mode::Shape) || p.stats,
            )
        };
        let view = c_parts::kpart_state_view {
            mode: match p.mode {
                Mode::Random => c_str!("random").as_char_ptr(),
                Mode::Typed => c_str!("typed").as_char_ptr(),
                Mode::PerType => c_str!("pertype").as_char_ptr(),
                Mode::Shape => c_str!("shape").as_char_ptr(),
            },
            partitions: p.partitions,
            accounted: p.accounted as u32,
            caches: kpart.matrix().len() as u32,
            retain: p.retain.as_char_ptr(),
            stats: p.stats,
        };
        // What every cache got: a budget as its slab count; 0 for SLUB's own.
        let min_partial = kpart.matrix().retention().min_partial().unwrap_or(0);
        // SAFETY: Sets a value debugfs shows, before its files exist.
        unsafe { c_parts::kpart_debugfs_retain_slabs(min_partial as c_ulong) };
        // SAFETY: `view` is valid for the call, which copies it; its strings
        // live as long as the module.
        unsafe { c_parts::kpart_debugfs_init(&view) };
        if let Some(table) = kpart.shape() {
            pr_info!(
                "shape table {}: {} types in {} signature groups, {} zones ({} single types), budget {}\n",
                p.shape_table.to_str().unwrap_or("?"),
                table.types(),
                table.groups(),
                table.zone_count(),
                table.singles(),
                p.shape_budget
            );
        }
        pr_info!(
            "{} mode, {} partitions, accounted matrix {}, retain {}, retain_slabs {}, stats {}: {} caches\n",
            p.mode.name(),
            p.partitions,
            if p.accounted { "on" } else { "off" },
            p.retain.to_str().unwrap_or("?"),
            kpart.matrix().retention(),
            if p.stats { "on" } else { "off" },
            kpart.matrix().len()
        );
        Ok(KpartModule { kpart })
    }
}

impl Drop for KpartModule {
    fn drop(&mut self) {
        // SAFETY: Removes the files `init` created.
        unsafe { c_parts::kpart_debugfs_exit() };
        // SAFETY: No user is left to take an in-line path.
        unsafe { c_parts::kpart_route_keys_clear() };
        // Every user, which holds a reference to kpart, is gone: dropping
        // `kpart` destroys the caches. The routing table is read-only and
        // left as it is; nobody reads it any more.
        pr_info!(
            "unloading: destroying {} caches\n",
            self.kpart.matrix().len() + self.kpart.types().map_or(0, |t| t.caches())
        );
    }
}
