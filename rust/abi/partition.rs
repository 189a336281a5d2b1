// SPDX-License-Identifier: GPL-2.0

//! Choosing a partition for an allocation.
//!
//! * Typed mode: the partition is the allocated type's Clang allocation token
//!   (`typehashpointersplit`). Callers pass the token as Clang computes it
//!   with `-falloc-token-max=2^63` ([`TOKEN_BOUND`]): the type's identity.
//!   [`fold`] turns it into the token of `-falloc-token-max=64`
//!   ([`TOKEN_MAX`]), which is reduced here to the
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
//! * Pertype mode: every type has caches of its own (`type_caches.rs`); the
//!   partitions serve as in typed mode what has no caches of its own (yet).
//!
//! Both reduce to one table load or one multiply and shift on the allocation
//! path. This file is pure `core` Rust; the host tests include it too. Its
//! constants are `include/kpart.h`'s, through bindgen (`kpart_bindings`).

use super::kpart_bindings as b;
use super::rebound;

/// The token bound of the typed table (`-falloc-token-max=64`,
/// `KPART_TOKEN_MAX`), to which tokens are folded.
pub(crate) const TOKEN_MAX: u64 = b::KPART_TOKEN_MAX as u64;

/// The token bound C callers are compiled with (`-falloc-token-max=2^63`,
/// `KPART_TOKEN_BOUND`) and Rust tokens are computed with: a token is a
/// type's identity, `hash % 2^62` plus `2^62` for a pointer-holding type.
/// (bindgen reads the header's `2^63` as an `i64`: the cast gives it back.)
pub(crate) const TOKEN_BOUND: u64 = b::KPART_TOKEN_BOUND as u64;

const _: () = assert!(TOKEN_BOUND == 1 << 63);

/// Pertype mode: the bit that marks a key as a call-site bucket of raw
/// buffers rather than a token, which is below [`TOKEN_BOUND`].
pub(crate) const BUCKET: u64 = TOKEN_BOUND;

/// The token Clang computes with `-falloc-token-max=64` from the one it
/// computes with [`TOKEN_BOUND`] (`KPART_TOKEN_FOLD`): `hash % 32`, plus 32
/// with a pointer, as `2^62` is a multiple of 32. `None` for a token no
/// correctly built caller passes.
pub(crate) const fn fold(token: u64) -> Option<u64> {
    if token >= TOKEN_BOUND {
        return None;
    }
    Some(token & 31 | (token >> 57) & 32)
}

/// A token of bound [`TOKEN_BOUND`] whose [`fold`] is `token64`, a token of
/// bound [`TOKEN_MAX`]: for tests that name tokens by their partition.
pub(crate) const fn unfold(token64: u64) -> u64 {
    token64 & 31 | (token64 & 32) << 57
}

/// The smallest partition count.
pub(crate) const MIN_PARTITIONS: u32 = 1;

/// The largest partition count (`KPART_MAX_PARTITIONS`).
pub(crate) const MAX_PARTITIONS: u32 = b::KPART_MAX_PARTITIONS;

/// The partition used when the type is unknown (Clang's fallback token 0).
pub(crate) const FALLBACK: usize = 0;

/// How allocations are spread over partitions.
///
/// The values are `enum kpart_mode` of `include/kpart.h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Mode {
    /// By allocation site, hashed with a per-load seed.
    Random = b::kpart_mode_KPART_MODE_RANDOM,
    /// By allocated type, with Clang's allocation token.
    Typed = b::kpart_mode_KPART_MODE_TYPED,
    /// Every type in caches of its own, with typed partitions behind them.
    PerType = b::kpart_mode_KPART_MODE_PERTYPE,
    /// Types grouped by layout signature, through pertype mode's
    /// descriptors, with typed partitions behind them.
    Shape = b::kpart_mode_KPART_MODE_SHAPE,
}

impl Mode {
    /// The mode of C's `enum kpart_mode` value `mode`; typed for a value
    /// that is none (kpart never stores one).
    #[inline(always)]
    pub(crate) const fn from_c(mode: u32) -> Mode {
        match mode {
            b::kpart_mode_KPART_MODE_RANDOM => Mode::Random,
            b::kpart_mode_KPART_MODE_PERTYPE => Mode::PerType,
            b::kpart_mode_KPART_MODE_SHAPE => Mode::Shape,
            _ => Mode::Typed,
        }
    }

    /// Parses a `mode=` module parameter value.
    pub(crate) fn parse(value: &[u8]) -> Option<Mode> {
        match value {
            b"random" => Some(Mode::Random),
            b"typed" => Some(Mode::Typed),
            b"pertype" => Some(Mode::PerType),
            b"shape" => Some(Mode::Shape),
            _ => None,
        }
    }

    /// The parameter spelling of the mode.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::Random => "random",
            Mode::Typed => "typed",
            Mode::PerType => "pertype",
            Mode::Shape => "shape",
        }
    }
}

/// Whether `partitions` is an allowed partition count: a power of two in
/// `MIN_PARTITIONS..=MAX_PARTITIONS`.
pub(crate) const fn valid_count(partitions: u32) -> bool {
    partitions.is_power_of_two() && partitions >= MIN_PARTITIONS && partitions <= MAX_PARTITIONS
}

/// Bits of the in-line path's lanes (`KPART_LANE_BITS`): a lane is a token
/// of bound [`TOKEN_MAX`] in typed mode, the top bits of a site's hash in
/// random mode.
pub(crate) const LANE_BITS: u32 = TOKEN_MAX.trailing_zeros();

/// Typed mode's lane of `token` (bound [`TOKEN_BOUND`]): its [`fold`], as
/// C's `KPART_TOKEN_FOLD()` computes it; lane 0, the [`FALLBACK`]
/// partition's, for a token no correctly built caller passes. Folded at
/// compile time for a constant token.
#[allow(dead_code)] // The users' in-line path (`kpart_client.rs`).
#[inline(always)]
pub(crate) const fn token_lane(token: u64) -> usize {
    if token >= TOKEN_BOUND {
        return 0;
    }
    (token & 31 | (token >> 57) & 32) as usize
}

/// `GOLDEN_RATIO_64` of `include/linux/hash.h`: `hash_64()`'s multiplier.
pub(crate) const GOLDEN_RATIO_64: u64 = 0x61C8_8646_80B5_83EB;

/// Reduces a token computed with `-falloc-token-max=2^63` to the token for
/// `-falloc-token-max=partitions` (`typehashpointersplit`).
///
/// Tokens out of range (not produced by a correctly built caller) go to the
/// [`FALLBACK`] partition: never an out-of-bounds index.
pub(crate) const fn reduce_token(token: u64, partitions: u32) -> usize {
    let Some(token64) = fold(token) else {
        return FALLBACK;
    };
    if partitions < 2 {
        return FALLBACK;
    }
    rebound::split(token64, TOKEN_MAX, partitions as u64) as usize
}

/// What maps an allocation's token and site to its partition: typed mode's
/// table, random mode's hash and the mode. A [`Router`] has them, and so has
/// the exported table (`struct kpart_routes`, `route_table.rs`), which keeps
/// them in C's layout; both route with the methods provided here.
///
/// # Invariants
///
/// The fields are those of a [`Router`] made for some partition count: every
/// value [`Routing::partition`] returns is below it.
pub(crate) trait Routing {
    /// Typed mode: the partition of each token of bound [`TOKEN_MAX`].
    fn typed(&self) -> &[u8; TOKEN_MAX as usize];
    /// Random mode: the per-load seed.
    fn seed(&self) -> u64;
    /// Random mode: `hash_64(x, bits)` is `x * multiplier >> shift`; with one
    /// partition (`bits == 0`) the multiplier is 0 and the shift 63, which
    /// keeps the shift in range and the result 0.
    fn multiplier(&self) -> u64;
    /// See [`Routing::multiplier`].
    fn shift(&self) -> u32;
    /// The mode.
    fn mode(&self) -> Mode;

    /// The partition of an allocation with Clang token `token` (bound
    /// [`TOKEN_BOUND`]) made at call site `site`. Pertype mode's partitions
    /// are typed mode's.
    #[inline(always)]
    fn partition(&self, token: u64, site: u64) -> usize {
        match self.mode() {
            Mode::Typed | Mode::PerType | Mode::Shape => match fold(token) {
                Some(token64) => self.typed()[(token64 % TOKEN_MAX) as usize] as usize,
                None => FALLBACK,
            },
            Mode::Random => self.bucket(site),
        }
    }

    /// Random mode's partition of call site `site`, which is also pertype
    /// mode's bucket of raw buffers allocated there.
    #[inline(always)]
    fn bucket(&self, site: u64) -> usize {
        (site ^ self.seed())
            .wrapping_mul(self.multiplier())
            .wrapping_shr(self.shift()) as usize
    }

    /// Random mode's lane of call site `site`: `hash_64(site ^ seed,
    /// LANE_BITS)` (0 with one partition), whose top bits are
    /// [`Routing::bucket`]`(site)`; as C's `kpart_site_lane()` computes it.
    #[allow(dead_code)] // The users' in-line path (`kpart_client.rs`).
    #[inline(always)]
    fn site_lane(&self, site: u64) -> usize {
        ((site ^ self.seed()).wrapping_mul(self.multiplier()) >> (64 - LANE_BITS)) as usize
    }

    /// The partition of lane `lane` (below `2^LANE_BITS`): in typed and
    /// pertype mode that of the tokens that fold to `lane`, in random mode
    /// that of the sites whose [`Routing::site_lane`] is `lane`.
    fn lane_partition(&self, lane: usize) -> usize {
        match self.mode() {
            Mode::Typed | Mode::PerType | Mode::Shape => {
                self.typed()[lane % TOKEN_MAX as usize] as usize
            }
            // One partition: every site's.
            Mode::Random if self.multiplier() == 0 => 0,
            // `shift` is `64 - bits` with `bits <= LANE_BITS`.
            Mode::Random => lane >> (self.shift() - (64 - LANE_BITS)),
        }
    }

    /// Pertype mode's key of an allocation with token `token` at call site
    /// `site`: the token, or [`BUCKET`] plus the site's bucket for raw
    /// buffers (token 0) and tokens no correctly built caller passes.
    #[inline(always)]
    fn type_key(&self, token: u64, site: u64) -> u64 {
        match fold(token) {
            Some(_) if token != 0 => token,
            _ => BUCKET | self.bucket(site) as u64,
        }
    }
}

/// Maps an allocation's token and site to its partition ([`Routing`]).
///
/// # Invariants
///
/// Every value [`Routing::partition`] returns is below the partition count
/// the router was made with.
#[derive(Clone, Copy)]
pub(crate) struct Router {
    typed: [u8; TOKEN_MAX as usize],
    seed: u64,
    multiplier: u64,
    shift: u32,
    mode: Mode,
}

impl Routing for Router {
    #[inline(always)]
    fn typed(&self) -> &[u8; TOKEN_MAX as usize] {
        &self.typed
    }

    #[inline(always)]
    fn seed(&self) -> u64 {
        self.seed
    }

    #[inline(always)]
    fn multiplier(&self) -> u64 {
        self.multiplier
    }

    #[inline(always)]
    fn shift(&self) -> u32 {
        self.shift
    }

    #[inline(always)]
    fn mode(&self) -> Mode {
        self.mode
    }
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
            typed[token as usize] = reduce_token(unfold(token), partitions) as u8;
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
    fn lanes_route_as_the_router() {
        for p in [1, 2, 4, 8, 16, 32, 64] {
            let random = Router::new(Mode::Random, p, 0x1234_5678_9abc_def1).unwrap();
            for site in (0..4096u64).map(|i| 0xffff_ffff_c000_0000 + i * 72) {
                assert_eq!(
                    random.lane_partition(random.site_lane(site)),
                    random.bucket(site)
                );
                assert!(random.site_lane(site) < 1 << LANE_BITS);
            }
            let typed = Router::new(Mode::Typed, p, 0).unwrap();
            for token64 in 0..TOKEN_MAX {
                let token = unfold(token64) | 0x1234_5678_9a0 & (TOKEN_BOUND / 4 - 1) & !31;
                assert_eq!(token_lane(token), fold(token).unwrap() as usize);
                assert_eq!(
                    typed.lane_partition(token_lane(token)),
                    typed.partition(token, 0)
                );
            }
            for token in [TOKEN_BOUND, TOKEN_BOUND + 45, u64::MAX] {
                assert_eq!(
                    typed.lane_partition(token_lane(token)),
                    typed.partition(token, 0)
                );
            }
        }
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
                // The token with `-falloc-token-max=2^63`.
                let t = h % (1 << 62) + if pointer { 1 << 62 } else { 0 };
                assert_eq!(fold(t), Some(t64));
                assert_eq!(
                    unfold(t64),
                    t % (1 << 62) % 32 + if pointer { 1 << 62 } else { 0 }
                );
                for p in [2u32, 4, 8, 16, 32, 64] {
                    let half = (p / 2) as u64;
                    let expected = h % half + if pointer { half } else { 0 };
                    assert_eq!(reduce_token(t, p) as u64, expected);
                }
                // Clang's split mode with `-falloc-token-max=1`.
                assert_eq!(reduce_token(t, 1), 0);
            }
        }
    }

    #[test]
    fn typed_router_splits_pointer_holding_types_into_the_top_half() {
        let r = Router::new(Mode::Typed, 16, 0).unwrap();
        for token in 0..32 {
            assert!(r.partition(unfold(token), 0) < 8);
        }
        for token in 32..64 {
            assert!(r.partition(unfold(token), 0) >= 8);
        }
        assert_eq!(r.partition(0, 12345), FALLBACK);
    }

    #[test]
    fn out_of_range_tokens_use_the_fallback_partition() {
        let r = Router::new(Mode::Typed, 64, 0).unwrap();
        for token in [1 << 63, (1 << 63) + 45, u64::MAX] {
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
        assert_eq!(Mode::parse(b"pertype"), Some(Mode::PerType));
        assert_eq!(Mode::parse(b"shape"), Some(Mode::Shape));
        assert_eq!(Mode::parse(b"bogus"), None);
        assert_eq!(Mode::parse(b""), None);
        assert_eq!(Mode::parse(b"Typed"), None);
    }
}
