# SPDX-License-Identifier: GPL-2.0
"""Shape mode's groups, budget split and caches, as the module computes
them.

Groups: per size class, the class's types sorted by signature (string
order); a type whose signature starts with the previous one's (in that
order) joins the previous one's group, otherwise it starts the next group.
"1", "11" and "112" are one group; "12" after "112" starts another. Groups
are numbered from 0 in that order. Every type of the class is grouped, the
data-only ones too (they have a group number in the table), and every group
counts in the budget split below.

Budget split, for a budget B (1..1024 caches per size-class family): S =
B * 3 // 10 caches for single types and G = B - S for the groups. With N the
groups of all classes, a class with n > 0 groups gets z = min(n, max(2,
G * n // N)) zones, an empty class none.

Each load (a seed) shuffles, per class, the class's groups (a random
permutation p): group g goes to zone p(g) % z. Then S types chosen at random
among those whose signature holds a pointer ('1' or '3') get a cache of
their own. A data-only type never shares the groups' caches: it goes to the
data heap of its class.

cache_of() models one load with Python's random.Random(seed): the module's
own random numbers differ, so the model answers how often types share, over
many seeds, not which seed a given boot used.
"""

import random
from dataclasses import dataclass

# kpart's size classes (KPART_SIZE_CLASSES in include/kpart.h).
CLASSES = (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192)
MAX_SIZE = CLASSES[-1]
MAX_BUDGET = 1024


@dataclass
class ShapeType:
    """One type of the table: its token, size and signature; class and
    group once group() has run."""
    token: int
    size: int
    signature: str
    pointer: bool = False       # the type itself is a pointer
    name: str = None            # for people: the table has no names
    klass: int = -1             # its size class, 0..12
    group: int = -1             # its group in that class

    @property
    def holds_pointer(self):
        """Whether the signature holds a pointer: data-only types go to the
        data heap."""
        return '1' in self.signature or '3' in self.signature


def size_class(size):
    """The size class of SIZE bytes (the smallest class it fits), None
    above 8192."""
    for i, c in enumerate(CLASSES):
        if size <= c:
            return i
    return None


def sort_key(t):
    """The order of types inside a class: signature, then token."""
    return (t.signature, t.token)


def group(types):
    """Set each type's class and group; the number of groups of each class
    (a list of 13). Types above 8192 bytes are an error: leave them out."""
    per_class = [[] for _ in CLASSES]
    for t in types:
        k = size_class(t.size)
        if k is None or t.size < 1:
            raise ValueError(f'{t.name or hex(t.token)}: size {t.size} outside 1..{MAX_SIZE}')
        t.klass = k
        per_class[k].append(t)
    counts = []
    for members in per_class:
        n, prev = 0, None
        for t in sorted(members, key=sort_key):
            if prev is None or not t.signature.startswith(prev):
                n += 1
            t.group = n - 1
            prev = t.signature
        counts.append(n)
    return counts


@dataclass(frozen=True)
class Split:
    """What a budget buys: caches for single types, and per class the
    zones its groups are shuffled across."""
    singles: int
    groups: int                 # G: the budget left for the groups
    zones: tuple                # per class


def split(budget, counts):
    """The Split of BUDGET (1..1024) for COUNTS groups per class."""
    if not 1 <= budget <= MAX_BUDGET:
        raise ValueError(f'budget {budget} outside 1..{MAX_BUDGET}')
    singles = budget * 3 // 10
    g = budget - singles
    total = sum(counts)
    zones = tuple(min(n, max(2, g * n // total)) if n else 0 for n in counts)
    return Split(singles, g, zones)


def cache_of(types, budget, seed):
    """{token: cache} for one load with seed SEED (random.Random(seed)) of
    TYPES, which group() has grouped. A cache is ('single', token) for a
    type with its own, ('zone', class, zone) for the groups' caches, or
    ('data', class) for the data heap. Two types share a cache when their
    values are equal."""
    counts = [0] * len(CLASSES)
    for t in types:
        if t.klass < 0:
            raise ValueError('group() the types first')
        counts[t.klass] = max(counts[t.klass], t.group + 1)
    sp = split(budget, counts)
    rng = random.Random(seed)
    perms = []
    for n in counts:
        p = list(range(n))
        rng.shuffle(p)
        perms.append(p)
    holders = sorted(t.token for t in types if t.holds_pointer)
    singles = set(rng.sample(holders, min(sp.singles, len(holders))))
    out = {}
    for t in types:
        if not t.holds_pointer:
            out[t.token] = ('data', t.klass)
        elif t.token in singles:
            out[t.token] = ('single', t.token)
        else:
            out[t.token] = ('zone', t.klass, perms[t.klass][t.group] % sp.zones[t.klass])
    return out


def share(types, budget, seed, a, b):
    """Whether tokens A and B share a cache in the load with SEED."""
    caches = cache_of(types, budget, seed)
    return caches[a] == caches[b]
