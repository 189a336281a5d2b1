// SPDX-License-Identifier: GPL-2.0

//! The structs of kpart's C API (`include/kpart.h`) that kpart fills in
//! and its users read: one Rust definition, shared by kpart.ko
//! (`c_parts.rs`) and its Rust users (`kpart_client.rs`), asserted at
//! compile time to have C's layout (`contract.rs`).
//!
//! This file is pure `core` Rust.

// Public for the users' crates; crate-visible only inside kpart.ko.
#![allow(unreachable_pub)]

use super::contract;

/// `struct kpart_info`: how kpart was loaded.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct Info {
    /// `KPART_MODE_RANDOM` (0), `KPART_MODE_TYPED` (1) or
    /// `KPART_MODE_PERTYPE` (2).
    pub mode: u32,
    /// The partition count.
    pub partitions: u32,
    /// Whether `__GFP_ACCOUNT` allocations have their own matrix.
    pub accounted: bool,
}

/// `struct kpart_location`: where a kpart object lives.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The partition.
    pub partition: u32,
    /// The size class, in bytes.
    pub size: u32,
    /// Whether the object is in the accounted matrix.
    pub accounted: bool,
    /// Pertype mode: the token of the type whose own caches hold the object
    /// (`2^63` + bucket for raw buffers), 0 when a partition's cache does.
    pub token: u64,
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<Info>() == contract::SIZEOF_INFO);
    assert!(offset_of!(Info, mode) == contract::OFFSETOF_INFO_MODE);
    assert!(offset_of!(Info, partitions) == contract::OFFSETOF_INFO_PARTITIONS);
    assert!(offset_of!(Info, accounted) == contract::OFFSETOF_INFO_ACCOUNTED);
    assert!(size_of::<Location>() == contract::SIZEOF_LOCATION);
    assert!(offset_of!(Location, partition) == contract::OFFSETOF_LOCATION_PARTITION);
    assert!(offset_of!(Location, size) == contract::OFFSETOF_LOCATION_SIZE);
    assert!(offset_of!(Location, accounted) == contract::OFFSETOF_LOCATION_ACCOUNTED);
    assert!(offset_of!(Location, token) == contract::OFFSETOF_LOCATION_TOKEN);
};
