# SPDX-License-Identifier: GPL-2.0
"""Text and JSON output of kpart-efficacy."""

from collections import Counter

from . import schemes as sch


def _short(s):
    return s.id.replace('/module', '/m').replace('/all', '/a')


def _mark(x):
    if x is None:
        return '?'
    if x >= 0.999:
        return 'X'
    if x <= 0.001:
        return '.'
    return '~'


def _site(res, placed):
    if placed is not None and placed.family in ('page', 'dedicated'):
        return placed.family
    if res is None or res.status != 'resolved':
        return 'unresolved'
    s = res.site
    tok = f't16={s.token_max(16)}' + ('' if s.inferred else ' fallback')
    return f'{s.where} {s.func}() {s.alloc} {tok}'


def _reason(res):
    """Why an object is unresolved, in one line."""
    if res is None:
        return 'not resolved'
    return res.reason or '; '.join(res.why) or 'not resolved'


def unresolved(verdicts):
    """The victims and first reclaimers that need a site and have none:
    [{'chain', 'role', 'type', 'reason'}], in the chains' order."""
    out = []
    for vd in verdicts:
        for role in ('victim', 'reclaim'):
            placed = getattr(vd, role)
            res = vd.victim_res if role == 'victim' else vd.reclaim_res
            if placed is None or placed.family in ('page', 'dedicated'):
                continue
            if res is None or res.status != 'resolved':
                obj = vd.chain.victim if role == 'victim' else vd.chain.reclaim
                out.append({'chain': vd.chain.id, 'role': role, 'type': obj.type_text,
                            'reason': _reason(res)})
    return out


def resolution_stats(verdicts):
    """Counts of resolved and unresolved victim and reclaimer sites, over
    the objects that need one (kmalloc-family or unknown allocator), and
    the unresolved ones with their reasons."""
    out = {}
    missing = unresolved(verdicts)
    for role in ('victim', 'reclaim'):
        need = sum(1 for vd in verdicts if getattr(vd, role) is not None and
                   getattr(vd, role).family not in ('page', 'dedicated'))
        bad = sum(1 for u in missing if u['role'] == role)
        out[role] = {'resolved': need - bad, 'unresolved': bad}
    out['objects'] = missing
    return out


def unrouted(verdicts):
    """{allocator: sites}: the victims and first reclaimers in a module that
    make wrap builds whose allocator it does not route (they stay in the
    kernel's caches under the [m] schemes)."""
    out = Counter()
    seen = set()
    for vd in verdicts:
        for placed in (vd.victim, vd.reclaim):
            if placed is None or placed.site is None or not placed.tristate or \
                    placed.family not in ('kmalloc', 'bucket') or sch.wrap_routes(placed):
                continue
            if placed.site.where not in seen:
                seen.add(placed.site.where)
                out[placed.site.alloc] += 1
    return dict(out)


def text(schemes, verdicts, tot, meta, spray_info):
    """The human report."""
    lines = []
    w = lines.append
    w(f'kpart-efficacy: {len(verdicts)} chains from {meta["chains"]}')
    w(f'kernel source {meta["src"]}, flags from {meta["kdir"]}, {meta["clang"]}')
    rs = resolution_stats(verdicts)
    w(f'sites (Clang 22 tokens): victims {rs["victim"]["resolved"]} resolved, '
      f'{rs["victim"]["unresolved"]} unresolved; first reclaimers '
      f'{rs["reclaim"]["resolved"]} resolved, {rs["reclaim"]["unresolved"]} unresolved; '
      f'spray objects {spray_info["resolved"]} sites, {spray_info["unresolved"]} unresolved')
    cats = Counter(vd.category for vd in verdicts)
    w('categories: ' + ', '.join(f'{k} {v}' for k, v in sorted(cats.items())))
    rest = unrouted(verdicts)
    w(f'[m]: make wrap routes {len(sch.WRAP_ROUTED)} allocators (include/kpart_wrap.h); '
      'module sites whose allocator it does not route: ' +
      (', '.join(f'{k} {v}' for k, v in sorted(rest.items())) or 'none'))
    w('')
    w('== Per scheme (prevented: expected number of chains whose needed overlap the '
      'scheme prevents; random schemes count 15/16 for two sites)')
    w(f'{"scheme":<58} {"slab-overlap":>14} {"all chains":>12} {"x-cache":>8} '
      f'{"adaptive":>9}')
    for s in schemes:
        t = tot[s.id]
        unk = f'({t["slab_unknown"]}?)' if t['slab_unknown'] else ''
        w(f'{_short(s) + "  " + s.label:<58} '
          f'{t["slab_prevented"]:>6g}/{t["slab_total"]:<3}{unk:>4} '
          f'{t["all_prevented"]:>7g}/{t["all_total"]:<3} {t["cross_cache_prevented"]:>8} '
          f'{t["attacker_still_certain"]:>5}/{t["slab_total"]}')
    w('  slab-overlap: of the chains needing victim and first reclaimer in one cache; '
      '(n?) unresolved')
    w('  x-cache: cross-cache chains stopped (slab retention of kpart memory)')
    w('  adaptive: slab chains where a known spray object still shares the victim\'s '
      'cache with certainty')
    w('')
    w('== Per chain (X prevented, ~ probabilistic, . not, ? unknown); columns:')
    w('   ' + ' '.join(_short(s) for s in schemes))
    for vd in verdicts:
        c = vd.chain
        marks = ''.join(_mark(vd.prevented[s.id]) for s in schemes)
        mod = vd.victim.symbol or '-'
        w(f'{c.id:<36} {vd.category:<11} {marks}  victim module: {mod}')
        w(f'    victim  {c.victim.type_text[:48]:<48} {_site(vd.victim_res, vd.victim)}')
        if _site(vd.victim_res, vd.victim) == 'unresolved':
            w(f'      unresolved: {_reason(vd.victim_res)}')
        if c.reclaim:
            w(f'    reclaim {c.reclaim.type_text[:48]:<48} '
              f'{_site(vd.reclaim_res, vd.reclaim)}')
            if _site(vd.reclaim_res, vd.reclaim) == 'unresolved':
                w(f'      unresolved: {_reason(vd.reclaim_res)}')
        if vd.category == 'slab':
            keys = ('random', 'upstream', 'kpart16/all', 'kpart64/all', 'pertype/all',
                    'kpart16/module')
            w('    why: ' + '; '.join(f'{k}: {vd.reasons[k]}' for k in keys) +
              '; adaptive certain sprays: ' +
              ' '.join(f'{k}={vd.spray[k][0]}' for k in ('none', 'random', 'upstream',
                                                           'kpart16/all', 'pertype/all')))
        elif vd.category in ('dedicated', 'page', 'no-overlap', 'unresolved'):
            w(f'    why: {vd.reasons["none"]}: partitioning does not change it')
        elif vd.category == 'cross-cache':
            w(f'    why: cross-cache: only retention of kpart memory stops it '
              f'({vd.reasons["kpart16+ret/all"]})')
    w('')
    byp = [vd.chain.id for vd in verdicts if vd.chain.bypasses_random]
    need = sum(rs[r]['resolved'] + rs[r]['unresolved'] for r in ('victim', 'reclaim'))
    w(f'== Unresolved victims and first reclaimers ({len(rs["objects"])} of {need}):')
    for u in rs['objects']:
        w(f'  {u["chain"]} {u["role"]} {u["type"][:60]}: {u["reason"]}')
    w('')
    w(f'== Write-ups that say they bypass RANDOM_KMALLOC_CACHES ({len(byp)}): '
      + ', '.join(byp))
    w('')
    best = [s for s in schemes if s.id in ('pertype+ret/all', 'kpart64+ret/all')]
    left = [vd for vd in verdicts if all((vd.prevented[s.id] or 0) < 0.999 for s in best)]
    why = Counter(vd.reasons['pertype+ret/all'] for vd in left)
    w(f'== Not stopped by any kpart scheme with everything through kpart and retention '
      f'({len(left)}): ' + ', '.join(f'{k} {v}' for k, v in why.most_common()))
    return '\n'.join(lines) + '\n'


def as_json(schemes, verdicts, tot, meta, spray_info):
    """The machine report (a dict)."""
    chains = []
    for vd in verdicts:
        c = vd.chain
        chains.append({
            'id': c.id, 'category': vd.category,
            'bypasses_random_kmalloc': c.bypasses_random,
            'victim': {'type': c.victim.type_text, 'family': vd.victim.family,
                       'accounted': vd.victim.acct, 'size_class': vd.victim_size,
                       'module': vd.victim.module, 'tristate': vd.victim.tristate,
                       'kconfig': vd.victim.symbol,
                       'resolution': vd.victim_res.to_json() if vd.victim_res else None},
            'reclaim': None if not c.reclaim else {
                'type': c.reclaim.type_text, 'family': vd.reclaim.family,
                'accounted': vd.reclaim.acct, 'module': vd.reclaim.module,
                'resolution': vd.reclaim_res.to_json() if vd.reclaim_res else None},
            'prevented': vd.prevented, 'reasons': vd.reasons,
            'adaptive': {k: {'certain': v[0], 'best_probability': v[1], 'objects': v[2]}
                         for k, v in vd.spray.items()},
        })
    meta = dict(meta, wrap_routed=sorted(sch.WRAP_ROUTED), wrap_unrouted=unrouted(verdicts))
    return {'meta': meta, 'schemes': [{'id': s.id, 'label': s.label} for s in schemes],
            'totals': tot, 'resolution': resolution_stats(verdicts), 'spray': spray_info,
            'chains': chains}
