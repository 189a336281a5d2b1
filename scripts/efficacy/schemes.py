# SPDX-License-Identifier: GPL-2.0
"""The partitioning schemes and what each separates.

An allocation is placed (Placed) by what the modelled 6.12 kernel does
with it: its allocator family (kmalloc family, a kmem_buckets set such as
msg_msg or memdup_user, a dedicated kmem_cache, the page allocator),
whether it is accounted, its call site and Clang's token there, and the
module its code can be built into. same_cache() is the probability that
two placed allocations share a slab cache under a scheme, size class
aside (the write-up already put them in one size class):

  none          plain kmalloc, no kmem_buckets: the kernels the write-ups
                targeted.
  random        RANDOM_KMALLOC_CACHES: 16 copies of KMALLOC_NORMAL chosen by
                call site (1/16 for two sites, 1 for one site); kmalloc-cg
                and kmem_buckets as 6.12 has them.
  upstream      KMALLOC_PARTITION_TYPED, -falloc-token-max=16: KMALLOC_NORMAL
                by token (partition 0 is plain kmalloc); kmalloc-cg and
                kmem_buckets users bypass it.
  kpart-typed   kpart typed mode at P partitions with the accounted matrix:
                the token bounded by P, for plain and accounted allocations.
  kpart-pertype every type its own caches (the unbounded token with its
                pointer flag); sites where Clang infers no type are split by
                call site into 64 (like random mode).
  kpart-shape   shape mode with a budget of B caches per size-class family
                (shape_model.ShapeModel: signature groups shuffled onto
                zones per load, single types, the data, variable and
                unsigned heaps), over the universe of types the probe saw;
                everything through kpart only.

same_cache() gives a probability for the random schemes (random,
kpart-pertype's untyped sites, kpart-shape: the fraction of the model's
loads); with a seed, whether the two share a cache in that one load
(RANDOM_KMALLOC_CACHES and kpart's fallback split: a keyed hash of the call
site; shape: groups.cache_of with that seed), for the mean and the worst
over seeds.

kpart only holds what goes through it. Coverage 'module': the victim's
code is a tristate module built through kpart's make wrap, and an
allocation goes through kpart only when it is in that same module and its
allocator is one make wrap routes (WRAP_ROUTED: the names
include/kpart_wrap.h redefines, read by scripts/wrap/helpers.py, the list
scripts/kpart-wrap reports against): sock_kmalloc() or a kmem_buckets
allocation of the module stays in the kernel's caches, memdup_user() of
the module goes through kpart. Coverage 'all': every kmalloc-family
allocation goes through kpart. Retention: kpart caches keep their empty
slabs, so a page that held a kpart object is never reused elsewhere (stops
cross-cache reuse of kpart memory only).
"""

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from wrap import helpers  # noqa: E402
from shape import groups  # noqa: E402

RANDOM_COPIES = 16
PERTYPE_FALLBACK_SPLIT = 64
SHAPE_BUDGETS = (64, 128, 260)

# Out-of-line allocators whose kmalloc call (and so RANDOM_KMALLOC_CACHES'
# call site) is inside them, not at their caller.
CALLEE_SITE = {'sock_kmalloc': 'net/core/sock.c:sock_kmalloc',
               'nla_strdup': 'lib/nlattr.c:nla_strdup',
               'kvmemdup': 'mm/util.c:kvmemdup'}
BUCKETS = {'kmem_buckets_alloc', 'kmem_buckets_valloc', 'memdup_user', 'vmemdup_user'}
DEDICATED = {'kmem_cache_alloc', 'kmem_cache_alloc_node', 'kmem_cache_alloc_lru'}
WRAP_ROUTED = frozenset(helpers.routed())


@dataclass(frozen=True)
class Scheme:
    """One column of the report."""
    id: str
    family: str            # none, random, upstream, kpart-typed, kpart-pertype, kpart-shape
    partitions: int = 1    # kpart-shape: the budget
    retention: bool = False
    coverage: str = 'all'  # module or all (kpart only)
    model: object = field(default=None, compare=False, repr=False)  # kpart-shape's

    @property
    def randomised(self):
        """Whether a load's seed changes which allocations share."""
        return self.family in ('random', 'kpart-pertype', 'kpart-shape')

    @property
    def kpart(self):
        """Whether this is one of kpart's schemes."""
        return self.family.startswith('kpart')

    @property
    def label(self):
        """A human name."""
        names = {'none': 'none (plain kmalloc)',
                 'random': 'RANDOM_KMALLOC_CACHES (16)',
                 'upstream': 'upstream KMALLOC_PARTITION_TYPED (16)'}
        if not self.kpart:
            return names[self.family]
        base = 'kpart per-type' if self.family == 'kpart-pertype' else \
            f'kpart shape B={self.partitions}' if self.family == 'kpart-shape' else \
            f'kpart typed P={self.partitions}'
        return f'{base}, {"retention" if self.retention else "no retention"}, ' \
            f'{"victim module wrapped" if self.coverage == "module" else "all through kpart"}'


def all_schemes(shape_models=None):
    """Every scheme of the report, in order. SHAPE_MODELS: {budget:
    shape_model.ShapeModel} (without, the shape schemes' verdicts are
    unknown)."""
    out = [Scheme('none', 'none'), Scheme('random', 'random', RANDOM_COPIES),
           Scheme('upstream', 'upstream', 16)]
    for family, p, name in (('kpart-typed', 16, 'kpart16'), ('kpart-typed', 64, 'kpart64'),
                            ('kpart-pertype', 0, 'pertype')):
        for coverage in ('module', 'all'):
            for retention in (False, True):
                sid = f'{name}{"+ret" if retention else ""}/{coverage}'
                out.append(Scheme(sid, family, p, retention, coverage))
    # Shape mode's table is of the kernel's types: everything through kpart.
    for budget in SHAPE_BUDGETS:
        for retention in (False, True):
            sid = f'shape{budget}{"+ret" if retention else ""}/all'
            out.append(Scheme(sid, 'kpart-shape', budget, retention, 'all',
                              (shape_models or {}).get(budget)))
    return out


@dataclass
class Placed:
    """An allocation as the modelled kernel places it."""
    family: str            # kmalloc, bucket, dedicated, page, unknown
    acct: bool
    site: object = None    # probe.Site, None when unresolved
    bucket: str = ''
    module: str | None = None   # module object (None: built-in only)
    tristate: bool = False
    symbol: str | None = None   # the Kconfig symbol that builds it, and its type

    @property
    def random_key(self):
        """The call site RANDOM_KMALLOC_CACHES hashes."""
        if self.site is None:
            return None
        return CALLEE_SITE.get(self.site.alloc, self.site.where)


def family_of(site):
    """The allocator family of a probe Site."""
    if site.alloc in BUCKETS:
        return 'bucket'
    if site.alloc in DEDICATED:
        return 'dedicated'
    return 'kmalloc'


def bucket_of(site):
    """The kmem_buckets set a site allocates from ('' if none)."""
    if site.alloc in ('memdup_user', 'vmemdup_user'):
        return 'memdup_user'
    return site.args.split(',')[0].strip() if site.alloc in BUCKETS else ''


def wrap_routes(x):
    """Whether make wrap routes allocation X's allocator through kpart."""
    return x.site is not None and x.site.alloc in WRAP_ROUTED


def covered(scheme, x, victim):
    """Whether allocation X goes through kpart under SCHEME (VICTIM: the
    chain's victim, whose module is the wrapped one)."""
    if not scheme.kpart:
        return False
    if scheme.coverage == 'all':
        return x.family == 'kmalloc'
    return x.family in ('kmalloc', 'bucket') and wrap_routes(x) and \
        victim.tristate and x.tristate and x.module == victim.module


def _kernel_same(v, r, buckets=True):
    """Same cache in the 6.12 kernel without partitioning."""
    if buckets and (v.family == 'bucket' or r.family == 'bucket'):
        return 1.0 if v.family == r.family and v.bucket == r.bucket else 0.0
    return 1.0


def copy_of(key, seed, copies):
    """The copy (0 .. COPIES - 1) call site KEY gets in the load with
    SEED: a keyed hash, as the kernel's hash_64(caller ^ seed)."""
    h = hashlib.blake2b(f'{seed}\0{key}'.encode(), digest_size=8).digest()
    return int.from_bytes(h, 'little') % copies


def _split(a, b, seed, copies):
    """Whether sites A and B share one of COPIES copies chosen by site."""
    if a == b:
        return 1.0
    if seed is None:
        return 1.0 / copies
    return 1.0 if copy_of(a, seed, copies) == copy_of(b, seed, copies) else 0.0


def shape_alloc(x):
    """(token, inferred, size class index or None) of allocation X for
    shape_model: the size class of its constant size, else None (the
    chain's)."""
    s = x.site
    klass = groups.size_class(s.size) if 0 < s.size <= groups.MAX_SIZE else None
    return s.token, s.inferred, klass


def same_cache(scheme, v, r, size=None, seed=None):
    """Probability that victim V and reclaimer R share a cache under SCHEME,
    or None when a token it needs is unknown (a site unresolved). SIZE:
    the size class in bytes the chain allocates them at (shape mode's
    variable heaps; None: each type's own); SEED: in that one load (1.0 or
    0.0 for the random schemes)."""
    if scheme.family == 'none':
        return 1.0
    if scheme.family in ('random', 'upstream'):
        if v.family == 'bucket' or r.family == 'bucket':
            return _kernel_same(v, r)
        if v.acct:
            return 1.0          # kmalloc-cg is not partitioned
        if scheme.family == 'random':
            if v.random_key is None or r.random_key is None:
                return None
            return _split(v.random_key, r.random_key, seed, RANDOM_COPIES)
        if v.site is None or r.site is None:
            return None
        return 1.0 if v.site.token_max(16) == r.site.token_max(16) else 0.0
    cv, cr = covered(scheme, v, v), covered(scheme, r, v)
    if cv != cr:
        return 0.0              # a kpart cache and a kernel cache
    if not cv:
        return _kernel_same(v, r)
    if v.site is None or r.site is None:
        return None
    if scheme.family == 'kpart-typed':
        return 1.0 if v.site.token_max(scheme.partitions) == \
            r.site.token_max(scheme.partitions) else 0.0
    if scheme.family == 'kpart-shape':
        if scheme.model is None:
            return None
        klass = groups.size_class(size) if size and size <= groups.MAX_SIZE else None
        return scheme.model.share(shape_alloc(v), shape_alloc(r), klass, seed)
    if v.site.inferred != r.site.inferred:
        return 0.0
    if v.site.inferred:
        return 1.0 if v.site.token == r.site.token else 0.0
    return _split(v.random_key, r.random_key, seed, PERTYPE_FALLBACK_SPLIT)


def retains(scheme, v):
    """Whether SCHEME keeps victim V's slab page from being reused."""
    return scheme.kpart and scheme.retention and covered(scheme, v, v)
