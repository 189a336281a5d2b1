// SPDX-License-Identifier: GPL-2.0

//! The C parts of kpart.ko (`c/kpart_internal.h`), as seen from Rust.

use kernel::bindings;
use kernel::ffi::{c_char, c_uint, c_ulonglong, c_void};

/// `struct kpart_params`: the module parameters as given to insmod.
#[repr(C)]
pub(crate) struct Params {
    /// `mode=`, a NUL-terminated string.
    pub(crate) mode: *const c_char,
    /// `partitions=`.
    pub(crate) partitions: c_uint,
    /// `accounted=`.
    pub(crate) accounted: bool,
    /// `seed=`, 0 when not given.
    pub(crate) seed: c_ulonglong,
}

/// `struct kpart_info`, filled in by `kpart_get_info()`.
#[repr(C)]
pub(crate) struct Info {
    /// `enum kpart_mode`.
    pub(crate) mode: u32,
    /// The partition count.
    pub(crate) partitions: u32,
    /// Whether the accounted matrix exists.
    pub(crate) accounted: bool,
}

/// `struct kpart_location`, filled in by `kpart_locate()`.
#[repr(C)]
pub(crate) struct Location {
    /// The partition.
    pub(crate) partition: u32,
    /// The size class, in bytes.
    pub(crate) size: u32,
    /// Whether the object is in the accounted matrix.
    pub(crate) accounted: bool,
}

/// `struct kpart_state_view`: what debugfs shows of kpart's state.
#[repr(C)]
pub(crate) struct StateView {
    /// The mode's name, a static NUL-terminated string.
    pub(crate) mode: *const c_char,
    /// The partition count.
    pub(crate) partitions: c_uint,
    /// Whether the accounted matrix exists.
    pub(crate) accounted: c_uint,
    /// The number of caches.
    pub(crate) caches: c_uint,
}

/// Counts an allocation in `slot` (below [`STAT_FALLBACK`] + 1): one
/// `%gs`-relative increment on x86_64, as C's `this_cpu_inc()`, else a call.
#[inline(always)]
pub(crate) fn count_alloc(slot: c_uint) {
    #[cfg(target_arch = "x86_64")]
    {
        // The slot's offset in the per-CPU area; `min` keeps it in bounds.
        let offset = (core::ptr::addr_of!(kpart_allocs) as usize)
            .wrapping_add((slot.min(STAT_FALLBACK) as usize) << 3);
        // SAFETY: `kpart_allocs` is a per-CPU array (`DEFINE_PER_CPU`), so its
        // address is an offset from this CPU's `%gs` base, and the offset stays
        // within the array. A single `incq` is atomic with respect to
        // interrupts on this CPU, as `this_cpu_inc()`; a migration in between
        // only counts on another CPU, which the sum over CPUs does not mind.
        unsafe {
            core::arch::asm!("incq %gs:({0})", in(reg) offset, options(att_syntax, nostack));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: Counting takes any slot.
    unsafe {
        kpart_stats_alloc(slot)
    };
}

/// The statistics slot of allocations passed to plain kmalloc.
pub(crate) const STAT_FALLBACK: c_uint = 2 * 64;

extern "C" {
    /// The per-CPU counters behind `kpart_stats_alloc`: `this_cpu` offsets of
    /// `STAT_FALLBACK + 1` counters.
    #[cfg(target_arch = "x86_64")]
    static kpart_allocs: [core::ffi::c_ulong; STAT_FALLBACK as usize + 1];

    /// Counts an allocation in `slot`: `matrix * 64 + partition`, or
    /// [`STAT_FALLBACK`].
    #[cfg(not(target_arch = "x86_64"))]
    pub(crate) fn kpart_stats_alloc(slot: c_uint);

    /// Creates the debugfs files; `state` is copied.
    pub(crate) fn kpart_debugfs_init(state: *const StateView);

    /// Removes the debugfs files.
    pub(crate) fn kpart_debugfs_exit();

    /// Fills `params` with the module parameters.
    pub(crate) fn kpart_params_get(params: *mut Params);

    /// The cache of slab object `p`, or NULL when `p` is not a slab object.
    pub(crate) fn kpart_slab_cache_of(p: *const c_void) -> *mut bindings::kmem_cache;
}
