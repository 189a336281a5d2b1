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
//! Kept slabs are nobody's charge: a slab's pages count in the node's
//! statistics, its objects in the memory cgroup of whoever allocated them,
//! and once those are freed no limit, reclaim or OOM kill reaches the empty
//! slab. So retention has a budget, in bytes, that the default `retain=`
//! sets: every cache keeps the same count of slabs, `K`, chosen once at load
//! so that `K` slabs of every cache kpart may have fit in the budget.
//! Whatever any user does, kpart then keeps at most the budget in empty slabs
//! per node. The price is the count: an attacker who first makes `K` partial
//! slabs in a cache can have the next slab emptied there freed. `all` keeps
//! every empty slab, unbounded.
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
    /// `<n>M`, `<n>G`: empty slabs of all of kpart's caches together keep at
    /// most this many bytes per node. Becomes a [`Retention::Cap`] with
    /// [`Retention::resolve`] once the caches made at load exist.
    Budget(u64),
    /// `all`: keep every empty slab.
    All,
}

impl Retention {
    /// Parses `all`, `off`, a decimal slab count from 1 to 2^32 - 1, or a
    /// budget: a decimal count from 1 followed by `M` (MiB) or `G` (GiB),
    /// of at most 2^64 - 1 bytes.
    pub(crate) fn parse(value: &[u8]) -> Option<Retention> {
        match value {
            b"all" => Some(Retention::All),
            b"off" => Some(Retention::Off),
            [digits @ .., unit @ (b'M' | b'G')] => {
                let shift = if *unit == b'M' { 20 } else { 30 };
                let n = decimal(digits)?;
                // Shifting would drop the high bits: multiply, which checks.
                let bytes = n.checked_mul(1 << shift)?;
                (n >= 1).then_some(Retention::Budget(bytes))
            }
            digits => {
                let n = decimal(digits)?;
                (1..=u32::MAX as u64)
                    .contains(&n)
                    .then_some(Retention::Cap(n))
            }
        }
    }

    /// The `min_partial` a cache gets, or `None` to keep SLUB's own. A budget
    /// not yet resolved sets nothing: the caches made at load get their
    /// count when all of them exist, before their first allocation.
    pub(crate) fn min_partial(self) -> Option<u64> {
        match self {
            Retention::Off | Retention::Budget(_) => None,
            Retention::Cap(n) => Some(n),
            Retention::All => Some(u64::MAX),
        }
    }

    /// A budget as the slab count every cache keeps (see [`slabs_within`])
    /// when one slab of every cache comes to `slab_bytes` bytes; any other
    /// retention unchanged.
    pub(crate) fn resolve(self, slab_bytes: u64) -> Retention {
        match self {
            Retention::Budget(budget) => Retention::Cap(slabs_within(budget, slab_bytes)),
            other => other,
        }
    }
}

/// What debugfs shows as `retain_slabs`: the slab count, `all` or `off`; a
/// budget not yet resolved, in bytes.
impl core::fmt::Display for Retention {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Retention::Off => f.write_str("off"),
            Retention::Cap(n) => write!(f, "{n}"),
            Retention::Budget(bytes) => write!(f, "{bytes} bytes"),
            Retention::All => f.write_str("all"),
        }
    }
}

/// A non-empty string of decimal digits as a number; `None` on anything else
/// or on overflow.
fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    Some(n)
}

/// The slab count `K` every cache keeps under a budget of `budget` bytes,
/// when one slab of every cache that shares it comes to `slab_bytes` bytes:
/// `max(1, budget / slab_bytes)`, so that `K * slab_bytes` is at most the
/// budget. A budget smaller than one slab of every cache still keeps one
/// each.
pub(crate) fn slabs_within(budget: u64, slab_bytes: u64) -> u64 {
    (budget / slab_bytes.max(1)).max(1)
}

/// One slab of every cache that shares a budget, in bytes: `copies` sets of
/// caches whose slabs are `slab_sizes` bytes each (the matrix, and in pertype
/// mode its buckets of raw buffers, which have the matrix's size classes and
/// flags and so its slab sizes), and `later` caches made after load (pertype
/// mode's types, up to `max_caches=`), whose slabs are at most the largest
/// of `slab_sizes`, being of the same size classes. Saturates.
pub(crate) fn shared_slab_bytes(
    slab_sizes: impl IntoIterator<Item = u64>,
    copies: u64,
    later: u64,
) -> u64 {
    let (sum, largest) = slab_sizes
        .into_iter()
        .fold((0u64, 0u64), |(sum, largest), size| {
            (sum.saturating_add(size), largest.max(size))
        });
    sum.saturating_mul(copies)
        .saturating_add(largest.saturating_mul(later))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;

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
    fn parses_budgets() {
        assert_eq!(
            Retention::parse(b"256M"),
            Some(Retention::Budget(256 * MIB))
        );
        assert_eq!(Retention::parse(b"1M"), Some(Retention::Budget(MIB)));
        assert_eq!(Retention::parse(b"2G"), Some(Retention::Budget(2 * GIB)));
        assert_eq!(Retention::parse(b"0001G"), Some(Retention::Budget(GIB)));
        // The largest budgets that fit in 64 bits.
        assert_eq!(
            Retention::parse(b"17592186044415M"),
            Some(Retention::Budget(((1 << 44) - 1) * MIB))
        );
        assert_eq!(
            Retention::parse(b"17179869183G"),
            Some(Retention::Budget(((1 << 34) - 1) * GIB))
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
            // Budgets: none, zero, no count, other units, overflow.
            b"0M",
            b"0G",
            b"00M",
            b"M",
            b"G",
            b"5T",
            b"5K",
            b"5m",
            b"5g",
            b"5MB",
            b"5 M",
            b"-5M",
            b"+5M",
            b"5MM",
            b"1.5G",
            b"17592186044416M",
            b"17179869184G",
            b"99999999999999999999999G",
        ] {
            assert_eq!(Retention::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn min_partial() {
        assert_eq!(Retention::Off.min_partial(), None);
        assert_eq!(Retention::Cap(7).min_partial(), Some(7));
        assert_eq!(Retention::All.min_partial(), Some(u64::MAX));
        assert_eq!(Retention::Budget(256 * MIB).min_partial(), None);
    }

    #[test]
    fn shown_as_debugfs_shows_it() {
        assert_eq!(Retention::Off.to_string(), "off");
        assert_eq!(Retention::Cap(38).to_string(), "38");
        assert_eq!(Retention::All.to_string(), "all");
        assert_eq!(Retention::Budget(MIB).to_string(), "1048576 bytes");
    }

    #[test]
    fn slab_count_within_a_budget() {
        assert_eq!(slabs_within(256 * MIB, MIB), 256);
        // Rounded down: K slabs of everything stay within the budget.
        assert_eq!(slabs_within(256 * MIB, 3 * MIB), 85);
        assert_eq!(slabs_within(100, 7), 14);
        // At least one slab each, whatever the budget.
        assert_eq!(slabs_within(MIB, 2 * MIB), 1);
        assert_eq!(slabs_within(1, u64::MAX), 1);
        // No slab at all to share it: a count, never a division by zero.
        assert_eq!(slabs_within(MIB, 0), MIB);
        for (budget, bytes) in [(256 * MIB, 6_946_816), (GIB, 47_448_064), (u64::MAX, 4096)] {
            let k = slabs_within(budget, bytes);
            assert!(k * bytes <= budget);
            assert!((k + 1).checked_mul(bytes).is_none_or(|b| b > budget));
        }
    }

    #[test]
    fn resolves_only_a_budget() {
        assert_eq!(
            Retention::Budget(256 * MIB).resolve(4 * MIB),
            Retention::Cap(64)
        );
        assert_eq!(Retention::Budget(MIB).resolve(4 * MIB), Retention::Cap(1));
        for other in [Retention::Off, Retention::Cap(5), Retention::All] {
            assert_eq!(other.resolve(4 * MIB), other);
        }
    }

    #[test]
    fn shared_bytes() {
        assert_eq!(shared_slab_bytes([4096, 8192, 32768], 1, 0), 45056);
        assert_eq!(shared_slab_bytes([4096, 8192, 32768], 2, 0), 90112);
        assert_eq!(
            shared_slab_bytes([4096, 8192, 32768], 2, 10),
            90112 + 10 * 32768
        );
        assert_eq!(shared_slab_bytes([], 2, 10), 0);
        assert_eq!(shared_slab_bytes([u64::MAX, 1], 1, 0), u64::MAX);
        assert_eq!(shared_slab_bytes([1 << 40], u64::MAX, u64::MAX), u64::MAX);
    }

    /// Pages per slab of kpart's size classes (8 … 8k, with 96 and 192) as
    /// `/proc/slabinfo` shows them on the test kernel (KASAN, two CPUs):
    /// without slab debugging (`make run`), and with `make test`'s
    /// `slab_debug=FZPU` on kpart's caches, whose red zones and tracking make
    /// some classes' slabs larger.
    const PAGES: [u64; 13] = [1, 1, 1, 1, 1, 1, 1, 2, 4, 8, 8, 8, 8];
    const PAGES_DEBUG: [u64; 13] = [1, 1, 1, 1, 1, 2, 2, 4, 8, 8, 8, 8, 8];

    /// K at `budget` for `partitions` partitions with the accounted matrix:
    /// typed and random mode, and pertype mode with `max_caches=`.
    fn k(budget: u64, pages: &[u64; 13], partitions: u64, pertype: Option<u64>) -> u64 {
        let matrix = (0..2 * partitions).flat_map(|_| pages.iter().map(|p| p * 4096));
        let bytes = match pertype {
            Some(max_caches) => shared_slab_bytes(matrix, 2, max_caches),
            None => shared_slab_bytes(matrix, 1, 0),
        };
        slabs_within(budget, bytes)
    }

    /// The K values `Documentation/kpart.rst` gives for the default budget,
    /// and the default itself (`c/module/params.c`).
    #[test]
    fn the_default_budget() {
        let params = include_str!("../../c/module/params.c");
        assert!(params.contains("static char *retain = \"512M\";"));
        let Some(Retention::Budget(budget)) = Retention::parse(b"512M") else {
            panic!("the default is no budget");
        };
        assert_eq!(k(budget, &PAGES, 16, None), 91);
        assert_eq!(k(budget, &PAGES_DEBUG, 16, None), 77);
        assert_eq!(k(budget, &PAGES, 64, None), 22);
        assert_eq!(k(budget, &PAGES_DEBUG, 64, None), 19);
        assert_eq!(k(budget, &PAGES, 16, Some(1024)), 11);
        assert_eq!(k(budget, &PAGES_DEBUG, 16, Some(1024)), 11);
        // kpart_isolation's cross-cache experiment empties 32 slabs of one
        // cache in typed mode at 16 partitions and expects all of them kept,
        // next to the slabs that objects in KASAN's quarantine keep partial:
        // at 256M (K = 38) 3 of the 32 were freed.
        assert!(k(budget, &PAGES_DEBUG, 16, None) >= 64);
    }
}
