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
//!   in `0..P/2`, pointer-holding types in `P/2..P`. With `P == 1` Clang
//!   gives every type token 0, and so does kpart: one partition, isolated
//!   from the kernel's kmalloc caches but not within itself.
//! * Random mode: the partition is `hash_64(site ^ seed, log2(P))`, where the
//!   site identifies the allocation's call site and the seed is random per
//!   load, as the kernel's `RANDOM_KMALLOC_CACHES` does.
//!
//! Both reduce to one table load or one multiply and shift on the allocation
//! path. This file is pure `core` Rust; the host tests include it too.

use super::alloc_token;
use super::contract;

/// The token bound C callers are compiled with (`-falloc-token-max=64`,
/// `KPART_TOKEN_MAX`) and Rust tokens are folded to.
pub(crate) const TOKEN_MAX: u64 = contract::TOKEN_MAX as u64;

/// The smallest partition count.
pub(crate) const MIN_PARTITIONS: u32 = 1;

/// The largest partition count (`KPART_MAX_PARTITIONS`).
pub(crate) const MAX_PARTITIONS: u32 = contract::MAX_PARTITIONS as u32;

/// The partition used when the type is unknown (Clang's fallback token 0).
pub(crate) const FALLBACK: usize = 0;

/// How allocations are spread over partitions.
///
/// The values are `enum kpart_mode` of `include/kpart.h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Mode {
    /// By allocation site, hashed with a per-load seed.
    Random = 0,
    /// By allocated type, with Clang's allocation token.
    Typed = 1,
}

const _: () = assert!(
    Mode::Random as usize == contract::MODE_RANDOM && Mode::Typed as usize == contract::MODE_TYPED
);

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

/// `GOLDEN_RATIO_64` of `include/linux/hash.h`.
const GOLDEN_RATIO_64: u64 = 0x61C8_8646_80B5_83EB;

/// Reduces a token computed with `-falloc-token-max=64` to the token for
/// `-falloc-token-max=partitions` (`typehashpointersplit`).
///
/// Tokens out of range (not produced by a correctly built caller) go to the
/// [`FALLBACK`] partition: never an out-of-bounds index.
pub(crate) const fn reduce_token(token: u64, partitions: u32) -> usize {
    if token >= TOKEN_MAX || partitions < 2 {
        return FALLBACK;
    }
    alloc_token::rebound(
        token,
        TOKEN_MAX,
        partitions as u64,
        alloc_token::TokenMode::TypeHashPointerSplit,
    ) as usize
}

/// Maps an allocation's token and site to its partition.
///
/// # Invariants
///
/// Every value [`Router::partition`] returns is below the partition count the
/// router was made with.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct Router {
    /// Typed mode: the partition of each token.
    typed: [u8; TOKEN_MAX as usize],
    seed: u64,
    /// Random mode: `hash_64(x, bits)` is `x * multiplier >> shift`; with one
    /// partition (`bits == 0`) the multiplier is 0 and the shift 63, which
    /// keeps the shift in range and the result 0.
    multiplier: u64,
    shift: u32,
    mode: Mode,
}

impl Router {
    /// Where each field is, for the layout checks against C's `struct
    /// kpart_routes` (`route_table.rs`).
    pub(crate) const OFFSET_TYPED: usize = core::mem::offset_of!(Router, typed);
    pub(crate) const OFFSET_SEED: usize = core::mem::offset_of!(Router, seed);
    pub(crate) const OFFSET_MULTIPLIER: usize = core::mem::offset_of!(Router, multiplier);
    pub(crate) const OFFSET_SHIFT: usize = core::mem::offset_of!(Router, shift);
    pub(crate) const OFFSET_MODE: usize = core::mem::offset_of!(Router, mode);

    /// A router that sends everything to partition 0 (typed, every token 0),
    /// below any partition count.
    pub(crate) const EMPTY: Router = Router {
        typed: [0; TOKEN_MAX as usize],
        seed: 0,
        multiplier: 0,
        shift: 63,
        mode: Mode::Typed,
    };

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
        let bits = partitions.trailing_zeros();
        let (multiplier, shift) = if bits == 0 {
            (0, 63)
        } else {
            (GOLDEN_RATIO_64, 64 - bits)
        };
        // INVARIANT: `typed` holds reductions below `partitions`; a product
        // shifted right by `64 - bits` is below `2^bits == partitions`, and 0
        // shifted by 63 is 0.
        Some(Router {
            typed,
            seed,
            multiplier,
            shift,
            mode,
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
            Mode::Random => (site ^ self.seed)
                .wrapping_mul(self.multiplier)
                .wrapping_shr(self.shift) as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel's `hash_64()` on 64-bit machines (`include/linux/hash.h`),
    /// for `1 <= bits <= 64`: the reference [`Router`] is checked against.
    #[inline(always)]
    pub(crate) const fn hash_64(value: u64, bits: u32) -> u64 {
        value
            .wrapping_mul(GOLDEN_RATIO_64)
            .wrapping_shr(64u32.wrapping_sub(bits))
    }

    #[test]
    fn allowed_counts() {
        for p in [1, 2, 4, 8, 16, 32, 64] {
            assert!(valid_count(p), "{p}");
        }
        for p in [0, 3, 6, 48, 128, 1000, u32::MAX] {
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
                // Clang's split mode with `-falloc-token-max=1`.
                assert_eq!(reduce_token(t64, 1), 0);
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
    fn one_partition_routes_everything_to_it() {
        for mode in [Mode::Typed, Mode::Random] {
            let r = Router::new(mode, 1, 0xdead_beef_cafe_f00d).unwrap();
            for x in [0, 1, 31, 32, 63, 64, u64::MAX, 0xffff_ffff_a000_1234] {
                assert_eq!(r.partition(x, x.rotate_left(17)), 0);
            }
        }
    }

    #[test]
    fn random_router_is_the_kernel_hash() {
        for p in [2u32, 4, 8, 16, 32, 64] {
            let seed = 0x0123_4567_89ab_cdef;
            let r = Router::new(Mode::Random, p, seed).unwrap();
            for site in [0u64, 1, 0xffff_ffff_a000_0000, u64::MAX] {
                let expected = hash_64(site ^ seed, p.trailing_zeros()) as usize;
                assert_eq!(r.partition(0, site), expected);
            }
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
