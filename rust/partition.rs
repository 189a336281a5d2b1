// SPDX-License-Identifier: GPL-2.0

//! Choosing a partition for an allocation.
//!
//! * Typed mode: the partition is the allocated type's Clang allocation token
//!   (`typehashpointersplit`). Callers pass the token as Clang computes it
//!   with `-falloc-token-max=64` ([`TOKEN_MAX`]); it is reduced here to the
//!   loaded partition count `P`. Because `P / 2` divides 32 for every
//!   power-of-two `P <= 64`, `(h % 32) % (P / 2) == h % (P / 2)`, so the
//!   reduction gives exactly the token Clang computes with
//!   `-falloc-token-max=P`: pointer-free types and the fallback token 0 land
//!   in `0..P/2`, pointer-holding types in `P/2..P`.
//! * Random mode: the partition is `hash_64(site ^ seed, log2(P))`, where the
//!   site identifies the allocation's call site and the seed is random per
//!   load, as the kernel's `RANDOM_KMALLOC_CACHES` does.
//!
//! Both reduce to one table load or one multiply and shift on the allocation
//! path. This file is pure `core` Rust; the host tests include it too.

/// The token bound C callers are compiled with (`-falloc-token-max=64`) and
/// Rust tokens are folded to.
pub(crate) const TOKEN_MAX: u64 = 64;

/// The smallest partition count.
pub(crate) const MIN_PARTITIONS: u32 = 2;

/// The largest partition count.
pub(crate) const MAX_PARTITIONS: u32 = TOKEN_MAX as u32;

/// The partition used when the type is unknown (Clang's fallback token 0).
pub(crate) const FALLBACK: usize = 0;

/// How allocations are spread over partitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// By allocation site, hashed with a per-load seed.
    Random,
    /// By allocated type, with Clang's allocation token.
    Typed,
}

impl Mode {
    /// Parses a `mode=` module parameter value.
    pub(crate) fn parse(value: &[u8]) -> Option<Mode> {
        match value {
            b"random" => Some(Mode::Random),
            b"typed" => Some(Mode::Typed),
            _ => None,
        }
    }

    /// The parameter spelling of the mode.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::Random => "random",
            Mode::Typed => "typed",
        }
    }
}

/// Whether `partitions` is an allowed partition count: a power of two in
/// `MIN_PARTITIONS..=MAX_PARTITIONS`.
pub(crate) const fn valid_count(partitions: u32) -> bool {
    partitions.is_power_of_two() && partitions >= MIN_PARTITIONS && partitions <= MAX_PARTITIONS
}

/// The kernel's `hash_64()` on 64-bit machines (`include/linux/hash.h`),
/// for `1 <= bits <= 64`; wrapping arithmetic keeps the allocation path free
/// of overflow checks.
#[inline(always)]
pub(crate) const fn hash_64(value: u64, bits: u32) -> u64 {
    value
        .wrapping_mul(0x61C8_8646_80B5_83EB)
        .wrapping_shr(64u32.wrapping_sub(bits))
}

/// Reduces a token computed with `-falloc-token-max=64` to the token for
/// `-falloc-token-max=partitions` (`typehashpointersplit`).
///
/// Tokens out of range (not produced by a correctly built caller) go to the
/// [`FALLBACK`] partition: never an out-of-bounds index.
pub(crate) const fn reduce_token(token: u64, partitions: u32) -> usize {
    if token >= TOKEN_MAX {
        return FALLBACK;
    }
    let half = (partitions / 2) as u64;
    let upper = if token >= TOKEN_MAX / 2 { half } else { 0 };
    ((token % (TOKEN_MAX / 2)) % half + upper) as usize
}

/// Maps an allocation's token and site to its partition.
///
/// # Invariants
///
/// Every value [`Router::partition`] returns is below the partition count the
/// router was made with.
pub(crate) struct Router {
    mode: Mode,
    bits: u32,
    seed: u64,
    typed: [u8; TOKEN_MAX as usize],
}

impl Router {
    /// Makes a router for `partitions` partitions, or `None` when the count is
    /// not allowed (see [`valid_count`]).
    pub(crate) fn new(mode: Mode, partitions: u32, seed: u64) -> Option<Router> {
        if !valid_count(partitions) {
            return None;
        }
        let mut typed = [0u8; TOKEN_MAX as usize];
        let mut token = 0;
        while token < TOKEN_MAX {
            // Fits: the result is below `partitions <= 64`.
            typed[token as usize] = reduce_token(token, partitions) as u8;
            token += 1;
        }
        // INVARIANT: `typed` holds reductions below `partitions`, and
        // `hash_64(_, bits)` is below `2^bits == partitions`.
        Some(Router {
            mode,
            bits: partitions.trailing_zeros(),
            seed,
            typed,
        })
    }

    /// The mode the router was made with.
    pub(crate) fn mode(&self) -> Mode {
        self.mode
    }

    /// The partition of an allocation with Clang token `token` (bound
    /// [`TOKEN_MAX`]) made at call site `site`.
    #[inline(always)]
    pub(crate) fn partition(&self, token: u64, site: u64) -> usize {
        match self.mode {
            Mode::Typed => self
                .typed
                .get(token as usize)
                .map_or(FALLBACK, |partition| *partition as usize),
            Mode::Random => hash_64(site ^ self.seed, self.bits) as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_counts() {
        for p in [2, 4, 8, 16, 32, 64] {
            assert!(valid_count(p), "{p}");
        }
        for p in [0, 1, 3, 6, 48, 128, 1000, u32::MAX] {
            assert!(!valid_count(p), "{p}");
            assert!(Router::new(Mode::Typed, p, 0).is_none());
        }
    }

    #[test]
    fn reduction_equals_clang_bound_for_every_power_of_two() {
        // A token with bound 64 is h % 32 (+ 32 with a pointer); with bound P it
        // is h % (P / 2) (+ P / 2): check for many hashes.
        let mut h: u64 = 0x1234_5678_9abc_def0;
        for _ in 0..10_000 {
            h = h
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for pointer in [false, true] {
                let t64 = h % 32 + if pointer { 32 } else { 0 };
                for p in [2u32, 4, 8, 16, 32, 64] {
                    let half = (p / 2) as u64;
                    let expected = h % half + if pointer { half } else { 0 };
                    assert_eq!(reduce_token(t64, p) as u64, expected);
                }
            }
        }
    }

    #[test]
    fn typed_router_splits_pointer_holding_types_into_the_top_half() {
        let r = Router::new(Mode::Typed, 16, 0).unwrap();
        for token in 0..32 {
            assert!(r.partition(token, 0) < 8);
        }
        for token in 32..64 {
            assert!(r.partition(token, 0) >= 8);
        }
        assert_eq!(r.partition(0, 12345), FALLBACK);
    }

    #[test]
    fn out_of_range_tokens_use_the_fallback_partition() {
        let r = Router::new(Mode::Typed, 64, 0).unwrap();
        for token in [64, 65, 1 << 40, u64::MAX] {
            assert_eq!(r.partition(token, 0), FALLBACK);
        }
    }

    #[test]
    fn random_router_stays_in_range_and_spreads_sites() {
        for p in [2u32, 4, 8, 16, 32, 64] {
            let r = Router::new(Mode::Random, p, 0xdead_beef_cafe_f00d).unwrap();
            let mut seen = [false; 64];
            for site in 0..4096u64 {
                let part = r.partition(0, 0xffff_ffff_a000_0000 + site * 13);
                assert!(part < p as usize);
                seen[part] = true;
            }
            assert_eq!(seen.iter().filter(|s| **s).count(), p as usize);
        }
    }

    #[test]
    fn hash_64_matches_the_kernel() {
        // (1 * GOLDEN_RATIO_64) >> 60
        assert_eq!(hash_64(1, 4), 0x6);
        assert_eq!(hash_64(0, 4), 0);
    }

    #[test]
    fn modes_parse() {
        assert_eq!(Mode::parse(b"typed"), Some(Mode::Typed));
        assert_eq!(Mode::parse(b"random"), Some(Mode::Random));
        assert_eq!(Mode::parse(b"bogus"), None);
        assert_eq!(Mode::parse(b""), None);
        assert_eq!(Mode::parse(b"Typed"), None);
    }
}
