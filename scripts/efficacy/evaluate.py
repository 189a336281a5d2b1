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


def evaluate(chains, resolve, kconfig, spray_objs):
    """Verdicts for CHAINS. RESOLVE(obj, subsystem) -> Resolution;
    SPRAY_OBJS: resolved spray objects (spray.SprayObj with .placed)."""
    schemes = sch.all_schemes()
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
                p = sch.same_cache(s, v, r)
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


def attacker(scheme, v, victim_size, spray_objs):
    """(spray objects certain to share V's cache, best probability, names of
    the certain ones) under SCHEME."""
    certain, best, names = 0, 0.0, []
    for s in spray_objs:
        if s.placed.family not in ('kmalloc', 'bucket'):
            continue
        if not spray_mod.fits(s, victim_size) or s.placed.acct != v.acct:
            continue
        p = sch.same_cache(scheme, v, s.placed)
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
