// SPDX-License-Identifier: GPL-2.0

//! Slab caches (`struct kmem_cache`).
//!
//! C header: [`include/linux/slab.h`](srctree/include/linux/slab.h)
//!
//! The 6.12 `kernel` crate has no abstraction for slab caches; this is the
//! small part of one that kpart needs: create a cache, set how many empty
//! slabs it keeps, and destroy it when the owner goes away.

use crate::c_parts;
use crate::retention::Retention;
use crate::size_class;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::{code::ENOMEM, Result};
use kernel::ffi::c_ulong;
use kernel::fmt;
use kernel::str::{CStr, CString};

/// Flags for [`SlabCache::new`] (`slab_flags_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SlabFlags(bindings::slab_flags_t);

impl SlabFlags {
    /// `SLAB_NO_MERGE`: never alias this cache with another one.
    pub(crate) const NO_MERGE: SlabFlags = SlabFlags(1 << bindings::_slab_flag_bits__SLAB_NO_MERGE);
    /// `SLAB_ACCOUNT`: charge objects to the allocating task's memory cgroup.
    pub(crate) const ACCOUNT: SlabFlags = SlabFlags(1 << bindings::_slab_flag_bits__SLAB_ACCOUNT);
}

impl core::ops::BitOr for SlabFlags {
    type Output = SlabFlags;

    fn bitor(self, rhs: SlabFlags) -> SlabFlags {
        SlabFlags(self.0 | rhs.0)
    }
}

/// A slab cache of fixed-size objects.
///
/// # Invariants
///
/// `cache` points to a live cache made by `kmem_cache_create()`
/// (`__kmem_cache_create_args()`) that this object alone destroys, on drop.
pub(crate) struct SlabCache {
    cache: NonNull<bindings::kmem_cache>,
}

// SAFETY: A `kmem_cache` may be used and destroyed from any thread; the slab
// allocator does its own locking.
unsafe impl Send for SlabCache {}

// SAFETY: The operations through `&SlabCache` (setting its retention,
// reading its slab size or its address) may run concurrently from any number
// of threads.
unsafe impl Sync for SlabCache {}

impl SlabCache {
    /// Creates a cache named `name` of `size`-byte objects aligned to `align`.
    ///
    /// With `usercopy`, the whole object may be copied to and from user space
    /// under `CONFIG_HARDENED_USERCOPY`, as kmalloc objects may.
    ///
    /// The slab allocator keeps its own copy of `name`.
    pub(crate) fn new(
        name: &CStr,
        size: u32,
        align: u32,
        flags: SlabFlags,
        usercopy: bool,
    ) -> Result<SlabCache> {
        let mut args = bindings::kmem_cache_args {
            align,
            useroffset: 0,
            usersize: if usercopy { size } else { 0 },
            freeptr_offset: 0,
            use_freeptr_offset: false,
            ctor: None,
        };
        // SAFETY: `name` is a valid NUL-terminated string that the slab
        // allocator duplicates (`kstrdup_const`), and `args` is a valid,
        // fully initialised argument block that lives across the call.
        let cache = unsafe {
            bindings::__kmem_cache_create_args(name.as_char_ptr(), size, &mut args, flags.0)
        };
        // INVARIANT: a non-NULL result is a new, live cache owned by us.
        NonNull::new(cache)
            .map(|cache| SlabCache { cache })
            .ok_or(ENOMEM)
    }

    /// A cache of kmalloc size class `class` for kpart: never merged, of the
    /// class's size and kmalloc's alignment, copyable to user space as
    /// kmalloc objects are, `SLAB_ACCOUNT` when `accounted`, keeping empty
    /// slabs as `retention` says, and named `kpart-<id>-<class>` (`kpart-cg-`
    /// when accounted), `<class>` as kmalloc names it.
    pub(crate) fn kmalloc_class(
        id: core::fmt::Arguments<'_>,
        class: usize,
        accounted: bool,
        retention: Retention,
    ) -> Result<SlabCache> {
        let size = size_class::SIZES[class];
        let (infix, flags) = if accounted {
            ("cg-", SlabFlags::NO_MERGE | SlabFlags::ACCOUNT)
        } else {
            ("", SlabFlags::NO_MERGE)
        };
        let name =
            CString::try_from_fmt(fmt!("kpart-{}{}-{}", infix, id, size_class::NAMES[class]))?;
        let cache = SlabCache::new(
            &name,
            size as u32,
            size_class::align(size) as u32,
            flags,
            true,
        )?;
        cache.retain(retention);
        Ok(cache)
    }

    /// Makes the cache keep its empty slabs as `retention` says; see
    /// `retention.rs`. Called before the first allocation. A budget not yet
    /// resolved to a count leaves SLUB's policy until it is.
    pub(crate) fn retain(&self, retention: Retention) {
        if let Some(min_partial) = retention.min_partial() {
            // SAFETY: By the type invariant `self.cache` is a live cache.
            unsafe { c_parts::kpart_slab_retain(self.cache.as_ptr(), min_partial as c_ulong) };
        }
    }

    /// The bytes of one of its slabs: `PAGE_SIZE` shifted by the order SLUB
    /// chose when it made the cache (a slab may be smaller, never larger).
    pub(crate) fn slab_bytes(&self) -> u64 {
        // SAFETY: By the type invariant `self.cache` is a live cache.
        unsafe { c_parts::kpart_slab_bytes(self.cache.as_ptr()) as u64 }
    }

    /// The cache as a raw pointer, for comparison with the cache of an object.
    pub(crate) fn as_ptr(&self) -> *mut bindings::kmem_cache {
        self.cache.as_ptr()
    }
}

impl Drop for SlabCache {
    fn drop(&mut self) {
        // SAFETY: By the type invariant `self.cache` is live and ours alone.
        // Should objects remain, the slab allocator reports it and keeps the
        // cache (and its own copy of the name), so no memory is reused.
        unsafe { bindings::kmem_cache_destroy(self.cache.as_ptr()) };
    }
}
