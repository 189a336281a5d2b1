// SPDX-License-Identifier: GPL-2.0

//! Re-bounding a `typehashpointersplit` token: the part of Clang's token
//! algorithm (`alloc_token.rs`, "Re-bounding") that kpart.ko runs, to reduce
//! a token of `-falloc-token-max=64` to the loaded partition count
//! (`partition.rs`). Pure `core`, compiled wherever `alloc_token.rs` is.

/// The `typehashpointersplit` token of bound `to_max` for `token` of bound
/// `from_max`: the hash half reduced, the pointer half kept (0 when either
/// bound is below 2). Exact when both bounds are powers of two.
pub(crate) const fn split(token: u64, from_max: u64, to_max: u64) -> u64 {
    let from_half = from_max / 2;
    let to_half = to_max / 2;
    if from_half == 0 || to_half == 0 {
        return 0;
    }
    (token % from_half) % to_half + if token >= from_half { to_half } else { 0 }
}
