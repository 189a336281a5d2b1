# SPDX-License-Identifier: GPL-2.0
"""Per-chain verdicts under every scheme, and the totals.

A chain is one of:
  slab         victim and first reclaimer must share a slab cache: a scheme
               stops it with the probability that it separates them;
  cross-cache  the victim's slab page must be reused elsewhere: only kpart's
               slab retention stops it, and only for kpart memory;
  dedicated    the victim is in a dedicated kmem_cache (filp, cred_jar,
               skbuff_head_cache...): not kmalloc, no scheme changes it;
  page         the victim is page-allocator or vmalloc memory;
  no-overlap   the chain needs no same-cache reclaim;
  unresolved   the victim's allocator is unknown.
"""

from dataclasses import dataclass, field

from . import chains as chains_mod
from . import schemes as sch
from . import spray as spray_mod


@dataclass
class Verdict:
    """One chain's evaluation."""
    chain: object
    category: str
    victim: object          # schemes.Placed
    reclaim: object         # schemes.Placed or None
    victim_res: object
    reclaim_res: object
    prevented: dict = field(default_factory=dict)    # scheme id -> 0..1 or None
    reasons: dict = field(default_factory=dict)      # scheme id -> short reason
    spray: dict = field(default_factory=dict)        # scheme id -> (count, best p)
    victim_size: int | None = None


def place(obj, res, kconfig):
    """The Placed allocation of write-up object OBJ resolved as RES."""
    kind = chains_mod.cache_kind(obj.cache)
    site = res.site if res is not None and res.status == 'resolved' else None
    if kind in ('page', 'dedicated'):
        family = kind
    elif site is not None:
        family = sch.family_of(site)
    elif kind == 'kmalloc':
        family = 'kmalloc'
    else:
        family = 'unknown'
    if site is not None and site.acct in (0, 1):
        acct = bool(site.acct)
    elif obj.gfp_account is not None:
        acct = bool(obj.gfp_account)
    else:
        acct = chains_mod.cache_accounted(obj.cache)
    p = sch.Placed(family=family, acct=acct, site=site if family != 'page' else None)
    if site is not None:
        p.bucket = sch.bucket_of(site)
        owner = kconfig.owner(site.file)
        p.module, p.tristate = owner.module, owner.tristate
        p.symbol = f'CONFIG_{owner.symbol} {owner.kind}' if owner.symbol else 'obj-y (built-in)'
    return p


def categorize(chain, v, r):
    """The chain's category (see the module's docstring)."""
    if v.family == 'page':
        return 'page'
    if v.family == 'dedicated':
        return 'dedicated'
    if v.family == 'unknown':
        return 'unresolved'
    if chain.cross_cache or (r is not None and r.family in ('page', 'dedicated')):
        return 'cross-cache'
    if r is None:
        return 'no-overlap'
    return 'slab'


def _reason(scheme, cat, v, r, p, same_type):
    if cat == 'dedicated':
        return 'dedicated cache'
    if cat == 'page':
        return 'page-level'
    if cat == 'no-overlap':
        return 'no same-cache reclaim'
    if cat == 'unresolved':
        return 'victim unresolved'
    if cat == 'cross-cache':
        if sch.retains(scheme, v):
            return 'retention'
        if scheme.kpart and scheme.retention:
            return 'victim not kpart memory'
        return 'cross-cache'
    if p is None:
        return 'site unresolved'
    if scheme.kpart:
        cv, cr = sch.covered(scheme, v, v), sch.covered(scheme, r, v)
        if not cv:
            if scheme.coverage == 'module' and v.tristate and not sch.wrap_routes(v):
                return f'{v.site.alloc} not routed by make wrap'
            return 'victim not a module' if v.family == 'kmalloc' else 'not kmalloc'
        if cv != cr:
            return 'kpart vs kernel cache'
    if scheme.family == 'kpart-shape' and sch.covered(scheme, v, v) and \
            sch.covered(scheme, r, v):
        return _shape_reason(scheme, v, r, p)
    if p == 0:
        if v.family == 'bucket' or r.family == 'bucket':
            return 'kmem_buckets'
        return 'partition differs'
    if p < 1:
        return f'random 1/{round(1 / p)}'
    if scheme.family in ('random', 'upstream') and v.acct and 'bucket' not in (v.family, r.family):
        return 'kmalloc-cg not partitioned'
    if scheme.family == 'none':
        return 'no partitioning'
    if same_type:
        return 'same type'
    if v.site is not None and r.site is not None and v.site.where == r.site.where:
        return 'same site'
    if v.site is not None and r.site is not None and not v.site.inferred and \
            not r.site.inferred:
        return 'both fallback token'
    return 'token collision'


HEAPS = {'unsigned': 'the unsigned heap', 'data': 'the data heap',
         'var': 'a variable heap', 'var-pointers': 'a variable heap'}


def _shape_reason(scheme, v, r, p):
    """Why shape mode does or does not separate V and R (seed 0's heaps)."""
    cv = scheme.model.cache(*sch.shape_alloc(v), 0)
    cr = scheme.model.cache(*sch.shape_alloc(r), 0)
    if p == 0:
        return 'shape: different heaps' if cv[0] != cr[0] or cv[0] in HEAPS else \
            'shape: different zones'
    if cv[0] in HEAPS and cv == cr:
        return f'shape: both in {HEAPS[cv[0]]}'
    if p < 1:
        return f'shape: one zone in {p:.0%} of loads'
    if v.site.token == r.site.token:
        return 'shape: same type'
    return 'shape: same signature group' if cv[0] == 'zone' else 'shape: same cache'


def evaluate(chains, resolve, kconfig, spray_objs, shape_models=None):
    """Verdicts for CHAINS. RESOLVE(obj, subsystem) -> Resolution;
    SPRAY_OBJS: resolved spray objects (spray.SprayObj with .placed);
    SHAPE_MODELS: a function returning {budget: shape_model.ShapeModel},
    called once every chain is resolved (the universe is the types of the
    files compiled)."""
    for c in chains:
        resolve(c.victim, c.subsystem)
        if c.reclaim:
            resolve(c.reclaim, c.subsystem)
    schemes = sch.all_schemes(shape_models() if shape_models else None)
    out = []
    for c in chains:
        vres = resolve(c.victim, c.subsystem)
        rres = resolve(c.reclaim, c.subsystem) if c.reclaim else None
        if c.reclaim and rres.status != 'resolved' and (
                c.reclaim.same_type or c.reclaim.type_text == c.victim.type_text):
            rres = vres         # the same type as the victim: its site
        v = place(c.victim, vres, kconfig)
        r = place(c.reclaim, rres, kconfig) if c.reclaim else None
        cat = categorize(c, v, r)
        vd = Verdict(chain=c, category=cat, victim=v, reclaim=r, victim_res=vres,
                     reclaim_res=rres)
        vd.victim_size = chains_mod.cache_size(c.victim.cache) or \
            spray_mod.size_class(v.site.size if v.site else 0)
        same_type = bool(c.reclaim and (c.reclaim.same_type or
                                        c.reclaim.type_text == c.victim.type_text))
        for s in schemes:
            p = None
            if cat == 'slab':
                p = sch.same_cache(s, v, r, vd.victim_size)
                vd.prevented[s.id] = None if p is None else 1.0 - p
            elif cat == 'cross-cache':
                vd.prevented[s.id] = 1.0 if sch.retains(s, v) else 0.0
            else:
                vd.prevented[s.id] = 0.0
            vd.reasons[s.id] = _reason(s, cat, v, r, p, same_type)
            if cat == 'slab':
                vd.spray[s.id] = attacker(s, v, vd.victim_size, spray_objs)
        out.append(vd)
    return schemes, out


def usable(v, victim_size, spray_objs):
    """The spray objects that can land in victim V's size class and
    accounting."""
    return [s for s in spray_objs if s.placed.family in ('kmalloc', 'bucket') and
            spray_mod.fits(s, victim_size) and s.placed.acct == v.acct]


def attacker(scheme, v, victim_size, spray_objs):
    """(spray objects certain to share V's cache, best probability, names of
    the certain ones) under SCHEME."""
    certain, best, names = 0, 0.0, []
    for s in usable(v, victim_size, spray_objs):
        p = sch.same_cache(scheme, v, s.placed, victim_size)
        if p is None:
            continue
        best = max(best, p)
        if p == 1.0:
            certain += 1
            names.append(sorted(s.names)[0])
    return certain, best, names


def totals(schemes, verdicts):
    """Per-scheme totals."""
    slab = [vd for vd in verdicts if vd.category == 'slab']
    out = {}
    for s in schemes:
        sp = [vd.prevented[s.id] for vd in slab]
        allp = [vd.prevented[s.id] for vd in verdicts]
        out[s.id] = {
            'label': s.label,
            'slab_prevented': round(sum(x for x in sp if x is not None), 2),
            'slab_total': len(slab),
            'slab_unknown': sum(1 for x in sp if x is None),
            'all_prevented': round(sum(x for x in allp if x is not None), 2),
            'all_total': len(verdicts),
            'cross_cache_prevented': sum(1 for vd in verdicts if vd.category == 'cross-cache'
                                         and vd.prevented[s.id]),
            'attacker_still_certain': sum(1 for vd in slab if vd.spray[s.id][0] > 0),
            'attacker_mean_certain': round(sum(vd.spray[s.id][0] for vd in slab) /
                                           max(1, len(slab)), 1),
        }
    return out


def stopped(scheme, vd, sprays, seed):
    """(fixed, adaptive) for slab verdict VD in the load with SEED: whether
    SCHEME keeps the first reclaimer out of the victim's cache, and whether
    it keeps every usable spray object of SPRAYS (usable()) out as well. An
    unknown verdict (a site unresolved) is not stopped."""
    p = sch.same_cache(scheme, vd.victim, vd.reclaim, vd.victim_size, seed)
    if p is None or p > 0:
        return False, False
    for s in sprays:
        if sch.same_cache(scheme, vd.victim, s.placed, vd.victim_size, seed):
            return True, False
    return True, True


def per_seed(schemes, verdicts, spray_objs, seeds):
    """{scheme id: [(fixed, adaptive) slab chains stopped, per seed]}: seeds
    0 .. SEEDS - 1 for the randomised schemes, one entry for the others."""
    slab = [(vd, usable(vd.victim, vd.victim_size, spray_objs))
            for vd in verdicts if vd.category == 'slab']
    out = {}
    for s in schemes:
        rows = []
        for seed in range(seeds if s.randomised else 1):
            fixed = adaptive = 0
            for vd, sprays in slab:
                f, a = stopped(s, vd, sprays, seed)
                fixed += f
                adaptive += a
            rows.append((fixed, adaptive))
        out[s.id] = rows
    return out


def mean_worst(rows):
    """{'fixed': (mean, worst), 'adaptive': (mean, worst)} of per_seed()
    rows: the mean over seeds and the fewest chains any seed stops."""
    out = {}
    for i, k in enumerate(('fixed', 'adaptive')):
        vals = [r[i] for r in rows]
        out[k] = (sum(vals) / len(vals), min(vals))
    return out
