// SPDX-License-Identifier: GPL-2.0

//! kmalloc size classes.
//!
//! kpart serves the same size classes as the kernel's kmalloc caches
//! (`mm/slab_common.c`): powers of two from 8 to 8192 bytes, plus 96 and 192.
//! Larger requests are not partitioned and go to plain `kmalloc`. The list
//! is `KPART_SIZE_CLASSES` in `include/kpart.h`, through bindgen
//! (`kpart_bindings`); the lookup below is asserted at compile time to put
//! the bounds of every class in that class, as C's `kpart_size_class()` is
//! (`c/module/exports.c`).
//!
//! This file is pure `core` Rust; the host tests include it too.

use super::kpart_bindings as b;

/// Number of size classes.
pub(crate) const COUNT: usize = b::KPART_SIZE_CLASS_COUNT as usize;

/// `KPART_SIZE_CLASSES` one by one, 0 past the last class.
const SLOT_BYTES: [u32; b::KPART_CLASS_SLOTS as usize] = [
    b::KPART_SIZE_CLASS_0,
    b::KPART_SIZE_CLASS_1,
    b::KPART_SIZE_CLASS_2,
    b::KPART_SIZE_CLASS_3,
    b::KPART_SIZE_CLASS_4,
    b::KPART_SIZE_CLASS_5,
    b::KPART_SIZE_CLASS_6,
    b::KPART_SIZE_CLASS_7,
    b::KPART_SIZE_CLASS_8,
    b::KPART_SIZE_CLASS_9,
    b::KPART_SIZE_CLASS_10,
    b::KPART_SIZE_CLASS_11,
    b::KPART_SIZE_CLASS_12,
    b::KPART_SIZE_CLASS_13,
    b::KPART_SIZE_CLASS_14,
    b::KPART_SIZE_CLASS_15,
];

/// Object size of each class, in bytes, smallest first.
pub(crate) const SIZES: [usize; COUNT] = {
    let mut sizes = [0; COUNT];
    let mut i = 0;
    while i < COUNT {
        sizes[i] = SLOT_BYTES[i] as usize;
        i += 1;
    }
    sizes
};

/// Class names as they appear in cache names, like the kernel's
/// `kmalloc-<name>`: the bytes, in KiB when a multiple of 1024 (checked
/// below against [`SIZES`]).
pub(crate) const NAMES: [&str; COUNT] = [
    "8", "16", "32", "64", "96", "128", "192", "256", "512", "1k", "2k", "4k", "8k",
];

/// The largest size kpart partitions; larger requests go to plain `kmalloc`.
pub(crate) const MAX_SIZE: usize = b::KPART_MAX_SIZE as usize;

/// Whether `name` is the name of a class of `bytes` bytes.
const fn names(name: &str, bytes: usize) -> bool {
    let (digits, unit) = match name.as_bytes() {
        [digits @ .., b'k'] => (digits, 1024),
        digits => (digits, 1),
    };
    let mut value = 0;
    let mut i = 0;
    while i < digits.len() {
        value = value * 10 + (digits[i] - b'0') as usize;
        i += 1;
    }
    !digits.is_empty() && value * unit == bytes && (unit == 1024 || bytes % 1024 != 0)
}

// The classes: ascending up to `MAX_SIZE`, none past `COUNT`, each named;
// and the same class for every size as C's `kpart_size_class()`: at the
// bounds of every class, and nothing for 0 or above the largest.
const _: () = {
    assert!(COUNT <= SLOT_BYTES.len() && SIZES[COUNT - 1] == MAX_SIZE);
    let mut lowest = 1;
    let mut i = 0;
    while i < SLOT_BYTES.len() {
        if i >= COUNT {
            assert!(SLOT_BYTES[i] == 0);
        } else {
            assert!(SIZES[i] >= lowest && names(NAMES[i], SIZES[i]));
            match (index(lowest), index(SIZES[i])) {
                (Some(low), Some(high)) => assert!(
                    low == i && high == i,
                    "size_class::index differs from kpart_size_class()"
                ),
                _ => panic!("size_class::index refuses a size kpart_size_class() takes"),
            }
            lowest = SIZES[i] + 1;
        }
        i += 1;
    }
    assert!(index(0).is_none() && index(MAX_SIZE + 1).is_none());
};

/// Class index for sizes 1..=192, indexed by `(size - 1) / 8`, as the kernel's
/// `kmalloc_size_index`: sizes 65..=96 use the 96-byte class, 129..=192 the
/// 192-byte class.
const SMALL_INDEX: [u8; 24] = [
    0, 1, 2, 2, 3, 3, 3, 3, // 8, 16, 24-32, 40-64
    4, 4, 4, 4, // 72-96
    5, 5, 5, 5, // 104-128
    6, 6, 6, 6, 6, 6, 6, 6, // 136-192
];

/// Returns the class that serves `size` bytes, or `None` when `size` is 0 or
/// larger than [`MAX_SIZE`].
///
/// No division and no loop: a table lookup for small sizes, a leading-zero
/// count for the rest.
#[inline(always)]
pub(crate) const fn index(size: usize) -> Option<usize> {
    // One comparison for both ends: 0 wraps around to the largest value.
    let last = size.wrapping_sub(1);
    if last >= MAX_SIZE {
        return None;
    }
    if last < 192 {
        return Some(SMALL_INDEX[last >> 3] as usize);
    }
    // 193..=256 -> 7 (256 = 2^8), 257..=512 -> 8, ... 4097..=8192 -> 12.
    let order = usize::BITS - last.leading_zeros();
    Some(order as usize - 1)
}

/// The alignment kmalloc guarantees for objects of `size` bytes: the largest
/// power of two that divides the size (`create_boot_cache()` does the same).
pub(crate) const fn align(size: usize) -> usize {
    1 << size.trailing_zeros()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_lands_in_the_smallest_class_that_holds_it() {
        for size in 1..=MAX_SIZE {
            let class = index(size).unwrap();
            assert!(
                SIZES[class] >= size,
                "size {size} in class {}",
                SIZES[class]
            );
            if class > 0 {
                assert!(
                    SIZES[class - 1] < size,
                    "size {size} could use {}",
                    SIZES[class - 1]
                );
            }
        }
    }

    #[test]
    fn boundaries() {
        let cases = [
            (1, 8),
            (8, 8),
            (9, 16),
            (64, 64),
            (65, 96),
            (96, 96),
            (97, 128),
            (129, 192),
            (192, 192),
            (193, 256),
            (4096, 4096),
            (4097, 8192),
            (8192, 8192),
        ];
        for (size, expected) in cases {
            assert_eq!(SIZES[index(size).unwrap()], expected, "size {size}");
        }
        assert_eq!(index(0), None);
        assert_eq!(index(8193), None);
        assert_eq!(index(usize::MAX), None);
    }

    #[test]
    fn alignment_is_the_largest_power_of_two_divisor() {
        assert_eq!(align(96), 32);
        assert_eq!(align(192), 64);
        assert_eq!(align(8), 8);
        assert_eq!(align(8192), 8192);
    }

    #[test]
    fn names_match_sizes() {
        for (size, name) in SIZES.iter().zip(NAMES) {
            let expected = if *size >= 1024 {
                let mut s = (size / 1024).to_string();
                s.push('k');
                s
            } else {
                size.to_string()
            };
            assert_eq!(name, expected);
        }
    }
}
