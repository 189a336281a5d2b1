// SPDX-License-Identifier: GPL-2.0

//! Pages that every reader sees read-only (`c/mm/ro_pages.c`).
//!
//! Pertype mode's routing changes after init, so it cannot be
//! `__ro_after_init` as the routing table is. It lives in pages of its own
//! instead: never a slab's, so no kmalloc or `kmem_cache` object sits next to
//! them, and mapped read-only in the vmalloc area, so a write through the
//! address readers use faults. kpart writes them under its mutex, one aligned
//! word at a time, through the kernel's linear mapping ([`RoPages::store`]).

use crate::c_parts;
use core::ptr::NonNull;
use kernel::error::{code::ENOMEM, Result};

/// Zeroed pages, mapped read-only, that only [`RoPages::store`] writes.
///
/// # Invariants
///
/// `base` is the read-only mapping of at least `len` zeroed bytes that
/// `kpart_ro_pages_new()` returned, owned by this value and freed on drop.
pub(crate) struct RoPages {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: The pages are plain memory that any thread may read; writes go
// through `store`, whose callers serialise them.
unsafe impl Send for RoPages {}
// SAFETY: See `Send`.
unsafe impl Sync for RoPages {}

impl RoPages {
    /// At least `len` zeroed bytes in pages of their own.
    pub(crate) fn new(len: usize) -> Result<RoPages> {
        // SAFETY: `kpart_ro_pages_new` accepts any size.
        let base = NonNull::new(unsafe { c_parts::kpart_ro_pages_new(len) }.cast::<u8>());
        // INVARIANT: a non-NULL result maps `len` zeroed bytes, now ours.
        Ok(RoPages {
            base: base.ok_or(ENOMEM)?,
            len,
        })
    }

    /// The read-only address of byte `offset`.
    pub(crate) fn at(&self, offset: usize) -> *const u8 {
        self.base.as_ptr().wrapping_add(offset)
    }

    /// Whether `p` is in these pages.
    pub(crate) fn contains(&self, p: *const u8) -> bool {
        (self.base.as_ptr() as usize..self.base.as_ptr() as usize + self.len)
            .contains(&(p as usize))
    }

    /// Writes `value` to the 64-bit word at `at`, with release order. A word
    /// outside the pages or not aligned is left alone (and warned about).
    ///
    /// # Safety
    ///
    /// No Rust reference covers the word at `at` other than through an
    /// atomic type, or none exists yet (nothing has published it).
    pub(crate) unsafe fn store(&self, at: *const u64, value: u64) {
        if !self.contains(at.cast()) || !self.contains(at.cast::<u8>().wrapping_add(7)) {
            return;
        }
        // SAFETY: `at` is in the pages, which `kpart_ro_store` writes through
        // their linear mapping (it checks the alignment); the caller
        // guarantees no non-atomic reference covers the word.
        unsafe { c_parts::kpart_ro_store(at.cast_mut().cast(), value) };
    }
}

impl Drop for RoPages {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the mapping is ours, and nothing
        // refers to it once its owner drops it.
        unsafe { c_parts::kpart_ro_pages_free(self.base.as_ptr().cast()) };
    }
}
