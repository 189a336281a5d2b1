# SPDX-License-Identifier: GPL-2.0
"""Shape mode in the efficacy model: the layout of the type at each
allocation site, the universe of types a table would hold, and the cache
shape mode gives an allocation in one load.

The layout comes from scripts/shape/layout.py, the one implementation of
the signatures (scripts/kpart-shape uses it for the table kpart loads), on
the same IR the probe reads its records from: the plain compile of each
file has full debug information (-g -fno-eliminate-unused-debug-types).
The probe's record has Clang's token, not the name of the type it was
computed from: the name is found by computing, with kpart-token (kpart's
one implementation of the algorithm), the token of every name the
translation unit can give a type (its structs, unions and enums, typedefs
of anonymous ones, base types, and pointers to all of those) and taking
the one whose token the site has. A site whose name is not among them
(an array type, a pointer to a function...) has no signature, as in a
table that kpart-shape could not lay out.

The universe: every type the compiled files allocate at a site the probe
saw, with a layout, grouped as scripts/shape/groups.py groups them (the
module's grouping). The real kernel's table has more types: more groups
share each zone there.

ShapeModel.cache() mirrors rust/module/pertype/shape.rs ShapeTable::family:
an allocation of a token the table has goes to the data heap when its
signature has no pointer, to a variable heap when it is made at a size
class other than the type's own (the one of arrays of pointers when the
type is itself a pointer, else the other), else to its zone (a single
type's own, or its group's for the load); the fallback token (Clang
inferred no type) goes to the unsigned heap, and a token the table lacks
to the unsigned heap when its pointer flag is set, to the data heap when
not. The cache is that family's at the allocation's size class.
"""

import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from shape import groups, layout  # noqa: E402

from . import alloc_token  # noqa: E402

DEBUG_FLAGS = ['-g', '-fno-eliminate-unused-debug-types']
# Unbounded tokens: the pointer flag adds half of 2^64 - 1.
HALF = ((1 << 64) - 1) // 2
SEEDS = 200

# The sources of this model: a change to one changes every site's record.
SOURCES = (Path(__file__), Path(layout.__file__))


def pointer_flag(token):
    """Whether an unbounded token has Clang's pointer flag."""
    return token >= HALF


def candidate_names(table):
    """Every name TABLE (a layout.TypeTable) can give a type, as Clang's
    allocation token names it."""
    names = set(table.names()) | set(table.base) | set(layout.BASE_SIZES) | \
        set(table.typedefs)
    out = set(names)
    for n in names | {'void'}:
        out.update((f'{n} *', f'const {n} *', f'{n} **'))
    return sorted(out)


def annotate(ir, sites):
    """Set each of SITES' type_name, type_size, signature and type_pointer
    from the IR of their file, for the sites whose type Clang inferred and
    this translation unit names and lays out."""
    wanted = {s.token for s in sites if s.inferred and s.token}
    if not wanted:
        return
    table = layout.TypeTable(ir)
    names = candidate_names(table)
    by_hash = {}
    for name, tok in zip(names, alloc_token.tokens(names)):
        by_hash.setdefault(tok, name)
    for s in sites:
        if not s.inferred or not s.token:
            continue
        name = by_hash.get(s.token - HALF if pointer_flag(s.token) else s.token)
        if name is None:
            continue
        try:
            lay = table.get(name)
        except layout.LayoutError:
            lay = None
        s.type_name = name
        if lay is not None:
            s.type_size, s.signature, s.type_pointer = lay.size, lay.signature, lay.pointer


@dataclass
class Universe:
    """The types of the table: groups.ShapeType by token, grouped."""
    types: dict
    files: int          # files compiled
    sites: int          # their allocation sites with a type Clang inferred
    named: int          # of those, with the type's name found
    laid_out: int       # of those, with a layout, in 1..8192 bytes

    @property
    def groups(self):
        """The number of signature groups."""
        return len({(t.klass, t.group) for t in self.types.values()})

    def describe(self):
        """One line for people."""
        return (f'{len(self.types)} types in {self.groups} signature groups, allocated at '
                f'{self.laid_out} of the {self.sites} typed allocation sites of the '
                f'{self.files} kernel files compiled ({self.named} named)')


def universe(files):
    """The Universe of FILES: {file: [probe.Site]} (the probe's)."""
    types, sites, named, laid = {}, 0, 0, 0
    for file_sites in files.values():
        for s in file_sites:
            if not s.inferred or not s.token:
                continue
            sites += 1
            named += s.type_name is not None
            if not s.signature or not 1 <= s.type_size <= groups.MAX_SIZE:
                continue
            laid += 1
            if s.token not in types:
                types[s.token] = groups.ShapeType(s.token, s.type_size, s.signature,
                                                  s.type_pointer, s.type_name)
    groups.group(list(types.values()))
    return Universe(types, len(files), sites, named, laid)


def prober_files(prober):
    """{file: sites} of the files a probe.Prober compiled (or read from its
    cache) in this run."""
    return {f: v for f, v in prober.memo.items() if isinstance(v, list)}


def models(files, budgets, seeds=SEEDS):
    """(Universe, {budget: ShapeModel}) of FILES ({file: [probe.Site]})."""
    univ = universe(files)
    return univ, {b: ShapeModel(univ, b, seeds) for b in budgets}


def fixture_universe(types):
    """A Universe of groups.ShapeType TYPES (tests)."""
    groups.group(list(types))
    return Universe({t.token: t for t in types}, 0, len(types), len(types), len(types))


class ShapeModel:
    """Shape mode with budget BUDGET over a Universe, one load per seed
    (0 .. SEEDS - 1; groups.cache_of with that seed)."""

    def __init__(self, univ, budget, seeds=SEEDS):
        self.universe = univ
        self.budget = budget
        self.seeds = seeds
        self._loads = {}
        self._shared = {}
        types = list(univ.types.values())
        self.split = groups.split(budget, _counts(types))

    def load(self, seed):
        """{token: cache} of the load with SEED (groups.cache_of)."""
        if seed not in self._loads:
            self._loads[seed] = groups.cache_of(list(self.universe.types.values()),
                                                self.budget, seed)
        return self._loads[seed]

    def cache(self, token, inferred, alloc_class, seed):
        """The cache of an allocation of TOKEN (unbounded; INFERRED false
        for the fallback) at size class ALLOC_CLASS (an index of
        groups.CLASSES; None: the type's own) in the load with SEED: a
        tuple, equal for two allocations exactly when they share a cache
        (the size class aside: the caller compares allocations of one)."""
        if not inferred or not token:
            return ('unsigned',)
        t = self.universe.types.get(token)
        if t is None:
            return ('unsigned',) if pointer_flag(token) else ('data',)
        if not t.holds_pointer:
            return ('data',)
        if alloc_class is not None and alloc_class != t.klass:
            return ('var-pointers',) if t.pointer else ('var',)
        return self.load(seed)[token]

    def share(self, a, b, alloc_class, seed=None):
        """Whether allocations A and B ((token, inferred, size class) each,
        size class None for ALLOC_CLASS) share a cache in the load with
        SEED: 1.0 or 0.0; with SEED None the fraction of the seeds where
        they do."""
        if seed is not None:
            return 1.0 if self.cache(*_at(a, alloc_class), seed) == \
                self.cache(*_at(b, alloc_class), seed) else 0.0
        key = (a, b, alloc_class)
        if key not in self._shared:
            same = sum(self.share(a, b, alloc_class, s) for s in range(self.seeds))
            self._shared[key] = same / self.seeds
        return self._shared[key]


def _at(x, alloc_class):
    token, inferred, klass = x
    return token, inferred, alloc_class if klass is None else klass


def _counts(types):
    counts = [0] * len(groups.CLASSES)
    for t in types:
        counts[t.klass] = max(counts[t.klass], t.group + 1)
    return counts


def median(values):
    """The median of VALUES (0 for none)."""
    return statistics.median(values) if values else 0
