// SPDX-License-Identifier: GPL-2.0

//! `static_branch_unlikely()` for Rust users: 6.12's `kernel` crate has no
//! static branches, and kpart's in-line path takes its mode from two static
//! keys kpart exports (`include/kpart.h`).
//!
//! On x86_64 this emits what C's `arch_static_branch()` emits: a five-byte
//! no-op and a `__jump_table` entry naming the key, which the kernel turns
//! into a jump when it loads the module if the key is enabled by then (and
//! whenever it changes). Elsewhere it reads the key's count.

/// Whether the `struct static_key_false` `$key` (a path to an extern static)
/// is enabled, as C's `static_branch_unlikely(&key)`: a no-op, or a jump,
/// on the path that is not taken.
#[cfg(target_arch = "x86_64")]
macro_rules! static_branch_unlikely {
    ($key:path) => {{
        let mut enabled = false;
        // SAFETY: The entry is the one C's `arch_static_branch(key, false)`
        // makes for the same key: the jump label code only ever writes the
        // five bytes at `1:`, a no-op or a jump to the `yes` block, which
        // sets `enabled` and falls through to the end of the statement.
        unsafe {
            core::arch::asm!(
                "1: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00",
                ".pushsection __jump_table, \"aw\"",
                ".balign 8",
                ".long 1b - .",
                ".long {yes} - .",
                ".quad {key} - .",
                ".popsection",
                key = sym $key,
                yes = label { enabled = true; },
                options(att_syntax, nostack, preserves_flags)
            );
        }
        enabled
    }};
}

/// See the x86_64 version.
#[cfg(not(target_arch = "x86_64"))]
macro_rules! static_branch_unlikely {
    ($key:path) => {{
        // SAFETY: The key is a static of kpart's, live while its users are,
        // and its count is read as C's `static_key_count()` reads it.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!($key.key.enabled.counter)) > 0 }
    }};
}

pub(crate) use static_branch_unlikely;
