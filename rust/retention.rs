// SPDX-License-Identifier: GPL-2.0

//! Slab retention: how many empty slabs kpart's caches keep.
//!
//! SLUB hands an empty slab's pages back to the page allocator once a node
//! already holds `min_partial` partial slabs. A page handed back can then be
//! given to any other cache, a page table or a pipe buffer: the cross-cache
//! reuse that defeats isolation by caches. With retention, kpart's caches
//! keep their empty slabs, so a page that once held a kpart object holds only
//! objects of that same cache until the cache is shrunk by root
//! (`/sys/kernel/slab/<cache>/shrink`) or destroyed when kpart unloads.
//!
//! This file is pure `core` Rust.

/// The `retain=` module parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retention {
    /// `off`: SLUB's own policy (`min_partial` from the object size, 5 to 10
    /// slabs per node).
    Off,
    /// `<n>`: keep up to `n` partial or empty slabs per node.
    Cap(u64),
    /// `all`: keep every empty slab.
    All,
}

impl Retention {
    /// Parses `all`, `off` or a decimal slab count from 1 to 2^32 - 1.
    pub(crate) fn parse(value: &[u8]) -> Option<Retention> {
        match value {
            b"all" => Some(Retention::All),
            b"off" => Some(Retention::Off),
            b"" => None,
            digits => {
                let mut n: u64 = 0;
                for &d in digits {
                    if !d.is_ascii_digit() {
                        return None;
                    }
                    n = n.checked_mul(10)?.checked_add((d - b'0') as u64)?;
                }
                (1..=u32::MAX as u64)
                    .contains(&n)
                    .then_some(Retention::Cap(n))
            }
        }
    }

    /// The `min_partial` a cache gets, or `None` to keep SLUB's own.
    pub(crate) fn min_partial(self) -> Option<u64> {
        match self {
            Retention::Off => None,
            Retention::Cap(n) => Some(n),
            Retention::All => Some(u64::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_values() {
        assert_eq!(Retention::parse(b"all"), Some(Retention::All));
        assert_eq!(Retention::parse(b"off"), Some(Retention::Off));
        assert_eq!(Retention::parse(b"1"), Some(Retention::Cap(1)));
        assert_eq!(Retention::parse(b"64"), Some(Retention::Cap(64)));
        assert_eq!(
            Retention::parse(b"4294967295"),
            Some(Retention::Cap(u32::MAX as u64))
        );
    }

    #[test]
    fn refuses_anything_else() {
        for bad in [
            &b""[..],
            b"0",
            b"-1",
            b"4294967296",
            b"99999999999999999999999",
            b"All",
            b"on",
            b"8 ",
            b"0x10",
        ] {
            assert_eq!(Retention::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn min_partial() {
        assert_eq!(Retention::Off.min_partial(), None);
        assert_eq!(Retention::Cap(7).min_partial(), Some(7));
        assert_eq!(Retention::All.min_partial(), Some(u64::MAX));
    }
}
