# SPDX-License-Identifier: GPL-2.0
"""Clang 22's allocation token, typehashpointersplit mode.

The same algorithm as kpart's rust/alloc_token.rs (and scripts/kpart-token):
SipHash-2-4 of the canonical type name with Clang's fixed key, reduced so
that pointer-holding types take the top half of the token range. The
efficacy tool takes every token from Clang itself; this module only names
the type Clang inferred at a site (by matching its unbounded token) and
reduces a token to a smaller power-of-two bound.
"""

KEY = bytes.fromhex('b5d4c9eb79104a796fec8b1b428781d4')
MASK = (1 << 64) - 1
UNBOUNDED = MASK


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def siphash24(data, key=KEY):
    """SipHash-2-4 of DATA (bytes) with a 16-byte KEY, as an integer."""
    k0 = int.from_bytes(key[:8], 'little')
    k1 = int.from_bytes(key[8:], 'little')
    v0 = k0 ^ 0x736f6d6570736575
    v1 = k1 ^ 0x646f72616e646f6d
    v2 = k0 ^ 0x6c7967656e657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(n):
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & MASK
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & MASK
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & MASK
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & MASK
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)

    tail = len(data) % 8
    for i in range(0, len(data) - tail, 8):
        m = int.from_bytes(data[i:i + 8], 'little')
        v3 ^= m
        rounds(2)
        v0 ^= m
    b = (len(data) & 0xff) << 56
    b |= int.from_bytes(data[len(data) - tail:], 'little')
    v3 ^= b
    rounds(2)
    v0 ^= b
    v2 ^= 0xff
    rounds(4)
    return v0 ^ v1 ^ v2 ^ v3


def reduce(hash_, pointer, max_=UNBOUNDED):
    """The typehashpointersplit token of a type hash with bound MAX_."""
    if max_ == 1:
        return 0
    half = max_ // 2
    return hash_ % half + (half if pointer else 0)


def token(name, pointer, max_=UNBOUNDED):
    """The token Clang gives type NAME (canonical, no tag keyword)."""
    return reduce(siphash24(name.encode()), pointer, max_)


def has_pointer(unbounded):
    """Whether an unbounded token is in the pointer-holding half."""
    return unbounded >= UNBOUNDED // 2


def rebound(bounded, from_max, to_max):
    """Reduce a token bounded by FROM_MAX to a smaller power of two TO_MAX
    (exact for powers of two: the pointer flag is the top bit)."""
    if to_max == 1:
        return 0
    pointer = bounded >= from_max // 2
    return (bounded % (from_max // 2)) % (to_max // 2) + (to_max // 2 if pointer else 0)
