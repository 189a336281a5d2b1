# SPDX-License-Identifier: GPL-2.0
"""kpart-compare: one table of the heap-partitioning schemes, each by the
same measures (Documentation/schemes.rst).

The schemes, by the ids the memory file uses:

  none        plain kmalloc
  random      RANDOM_KMALLOC_CACHES (16 copies by call site)
  upstream16  upstream KMALLOC_PARTITION_TYPED, -falloc-token-max=16
  kpart16     kpart typed mode, 16 partitions
  kpart64     kpart typed mode, 64 partitions
  shape64     kpart shape mode, shape_budget=64
  shape128    kpart shape mode, shape_budget=128
  shape260    kpart shape mode, shape_budget=260
  pertype     kpart per-type mode

kpart's schemes with every kmalloc-family allocation through kpart, no
slab retention (the columns count slab-to-slab chains, which retention does
not change). The columns:

- stopped, fixed / adaptive attacker: the slab-to-slab chains of the
  efficacy evaluation (evaluate.py) the scheme stops against the write-up's
  first reclaimer, and against every known spray object that fits the
  victim's size class and accounting (spray.py): stopped when none of them
  shares the victim's cache. For the randomised schemes (random, pertype's
  untyped sites, shape) each seed is one load: the mean over the seeds and
  the worst seed (the fewest chains stopped, per column).
- caches and extra Slab memory: from a guest run, the memory file (JSON:
  {"schemes": {"<id>": {"caches": N, "slab_kb": N, "baseline_slab_kb":
  N}}}; extra = slab_kb - baseline_slab_kb); "n/a" without.
- instructions per alloc+free pair, in line: Documentation/
  benchmark-results.md, the "once" table of kpart against plain kmalloc,
  run-time size, the C API, at SIZE bytes (kmalloc's instr/op times the
  ratio); RANDOM_KMALLOC_CACHES from its row of the table across the two
  kernels; kpart typed at 64 partitions has typed mode's in-line path (the
  benchmarks run 16); shape mode's in-line path is pertype mode's; upstream
  typed is not benchmarked.
- skew: over the allocation sites of the files compiled (the sites of the
  type universe, and the untyped ones as one more "type"), per scheme at
  seed 0: the caches they use, types per cache (median, max), and the share
  of the sites in the largest cache (objects are not known statically:
  sites are the weight). Dedicated kmem_cache sites, and sites whose size
  class is unknown (neither a constant size nor a known type), are left
  out.
"""

import json
import re
import subprocess
from collections import defaultdict
from pathlib import Path

from . import evaluate, schemes as sch, shape_model

# (id, efficacy scheme id, label)
SCHEMES = (
    ('none', 'none', 'none (plain kmalloc)'),
    ('random', 'random', 'RANDOM_KMALLOC_CACHES'),
    ('upstream16', 'upstream', 'upstream typed 16'),
    ('kpart16', 'kpart16/all', 'kpart typed 16'),
    ('kpart64', 'kpart64/all', 'kpart typed 64'),
    ('shape64', 'shape64/all', 'kpart shape 64'),
    ('shape128', 'shape128/all', 'kpart shape 128'),
    ('shape260', 'shape260/all', 'kpart shape 260'),
    ('pertype', 'pertype/all', 'kpart per-type'),
)
IDS = tuple(s[0] for s in SCHEMES)
BENCH_SIZE = 64
BENCH = Path(__file__).resolve().parents[2] / 'Documentation' / 'benchmark-results.md'


class CompareError(Exception):
    """A memory or benchmark file this tool cannot read."""


# The memory file.

def load_memory(path):
    """{id: {'caches', 'slab_kb', 'baseline_slab_kb'}} from PATH (None:
    {}). Unknown ids and missing fields are errors."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CompareError(f'{path}: {e}') from e
    out = {}
    for sid, v in (data.get('schemes') or {}).items() if isinstance(data, dict) else ():
        if sid not in IDS:
            raise CompareError(f'{path}: unknown scheme "{sid}" (one of {", ".join(IDS)})')
        try:
            out[sid] = {k: float(v[k]) for k in ('caches', 'slab_kb', 'baseline_slab_kb')}
        except (KeyError, TypeError, ValueError) as e:
            raise CompareError(f'{path}: scheme "{sid}": needs numbers caches, slab_kb and '
                               f'baseline_slab_kb') from e
    return out


# The benchmarks.

def md_tables(text):
    """The tables of a markdown text: [(headings, header cells, rows of
    cells)], headings the titles of the enclosing sections."""
    out, heads, cur = [], {}, None
    for line in text.splitlines():
        m = re.match(r'^(#+)\s+(.*)$', line)
        if m:
            level = len(m.group(1))
            heads = {k: v for k, v in heads.items() if k < level}
            heads[level] = m.group(2).strip()
            cur = None
            continue
        if not line.startswith('|'):
            cur = None
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if cur is None:
            cur = (tuple(heads[k] for k in sorted(heads)), cells, [])
            out.append(cur)
        elif not all(re.fullmatch(r':?-+:?', c) for c in cells):
            cur[2].append(cells)
    return out


def _number(cell):
    m = re.match(r'^\s*(-?[0-9.]+)', cell)
    if not m:
        raise CompareError(f'not a number: "{cell}"')
    return float(m.group(1))


def _table(tables, *headings):
    for heads, header, rows in tables:
        if all(any(h.startswith(x) for h in heads) for x in headings):
            return header, rows
    raise CompareError(f'no table under {" / ".join(headings)}')


def _cell(header, rows, key, column):
    """The number in COLUMN of the row whose first cells are KEY."""
    if column not in header:
        raise CompareError(f'no column "{column}"')
    for row in rows:
        if tuple(row[:len(key)]) == key:
            return _number(row[header.index(column)])
    raise CompareError(f'no row {" ".join(key)}')


def instructions(text, size=BENCH_SIZE):
    """({id: instructions per alloc+free pair or None}, how) from the text
    of Documentation/benchmark-results.md."""
    tables = md_tables(text)
    header, rows = _table(tables, 'kpart against plain kmalloc', 'once')
    key = (str(size),)
    base = _cell(header, rows, key, 'kmalloc instr/op')
    typed = base * _cell(header, rows, key, 'kpart-typed-c / kmalloc')
    pertype = base * _cell(header, rows, key, 'kpart-pertype-c / kmalloc')
    header, rows = _table(tables, 'RANDOM_KMALLOC_CACHES against plain kmalloc')
    rkc = _cell(header, rows, ('once', str(size)), 'RKC instr/op')
    out = {'none': base, 'random': rkc, 'upstream16': None, 'kpart16': typed,
           'kpart64': typed, 'shape64': pertype, 'shape128': pertype, 'shape260': pertype,
           'pertype': pertype}
    how = (f'instructions per alloc+free pair: benchmark-results.md, "once", {size} bytes, '
           'run-time size, C API (kmalloc instr/op x kpart-MODE-c / kmalloc; typed mode measured '
           'at 16 partitions, the in-line path is the same at 64; shape mode\'s in-line path is '
           'pertype mode\'s); RANDOM_KMALLOC_CACHES: its "RKC instr/op" row (bench-rkc kernel); '
           'upstream typed: not benchmarked')
    return {k: round(v, 1) if v is not None else None for k, v in out.items()}, how


# Skew.

def site_class(site):
    """The size class index of a site: its constant size's, else its
    type's; None when neither is known or it is above 8k."""
    size = site.size or site.type_size
    if not 0 < size <= shape_model.groups.MAX_SIZE:
        return None
    return shape_model.groups.size_class(size)


def site_cache(scheme, site, seed=0):
    """The cache SCHEME gives allocation SITE in the load with SEED, as a
    tuple; None for a site no scheme partitions (a dedicated cache) or of
    unknown size class."""
    family = sch.family_of(site)
    klass = site_class(site)
    if family == 'dedicated' or klass is None:
        return None
    acct = site.acct == 1
    if family == 'bucket':
        return ('bucket', sch.bucket_of(site), klass)
    key = sch.Placed(family=family, acct=acct, site=site).random_key
    f = scheme.family
    if f == 'none' or (f in ('random', 'upstream') and acct):
        return ('kmalloc', acct, klass)
    if f == 'random':
        return ('random', sch.copy_of(key, seed, sch.RANDOM_COPIES), klass)
    if f == 'upstream':
        return ('upstream', site.token_max(16), klass)
    if f == 'kpart-typed':
        return ('kpart', acct, site.token_max(scheme.partitions), klass)
    if f == 'kpart-pertype':
        if site.inferred and site.token:
            return ('pertype', acct, site.token, klass)
        return ('fallback', acct, sch.copy_of(key, seed, sch.PERTYPE_FALLBACK_SPLIT), klass)
    if f == 'kpart-shape':
        return ('shape', acct, scheme.model.cache(site.token, site.inferred, klass, seed),
                klass)
    raise ValueError(f'unknown scheme family {f}')


def skew(scheme, files, seed=0):
    """{'caches', 'types_median', 'types_max', 'largest_share', 'sites'}
    of SCHEME over FILES' sites ({file: [probe.Site]})."""
    types, weight = defaultdict(set), defaultdict(int)
    n = 0
    for file_sites in files.values():
        for site in file_sites:
            c = site_cache(scheme, site, seed)
            if c is None:
                continue
            n += 1
            types[c].add(site.token if site.inferred and site.token else 'untyped')
            weight[c] += 1
    counts = [len(t) for t in types.values()]
    return {'caches': len(types), 'types_median': shape_model.median(counts),
            'types_max': max(counts, default=0),
            'largest_share': round(max(weight.values(), default=0) / n, 3) if n else None,
            'sites': n}


# The table.

def rows(schemes, verdicts, spray_objs, files, memory, instr, seeds):
    """One dict per scheme of SCHEMES (the compare ids), every column."""
    by_id = {s.id: s for s in schemes}
    chosen = [by_id[eid] for _, eid, _ in SCHEMES]
    stops = evaluate.per_seed(chosen, verdicts, spray_objs, seeds)
    slab = sum(1 for vd in verdicts if vd.category == 'slab')
    out = []
    for (cid, eid, label), s in zip(SCHEMES, chosen):
        mw = evaluate.mean_worst(stops[eid])
        mem = memory.get(cid)
        out.append({
            'id': cid, 'label': label, 'randomised': s.randomised,
            'seeds': len(stops[eid]), 'slab_chains': slab,
            'fixed_mean': round(mw['fixed'][0], 2), 'fixed_worst': mw['fixed'][1],
            'adaptive_mean': round(mw['adaptive'][0], 2), 'adaptive_worst': mw['adaptive'][1],
            'caches': int(mem['caches']) if mem else None,
            'extra_slab_mb': round((mem['slab_kb'] - mem['baseline_slab_kb']) / 1024, 2)
            if mem else None,
            'instructions': instr.get(cid),
            'skew': skew(s, files),
        })
    return out


def _na(x, fmt='{}'):
    return 'n/a' if x is None else fmt.format(x)


def _stop(r, k):
    if r['randomised']:
        return f'{r[k + "_mean"]:g} [{r[k + "_worst"]}]'
    return f'{r[k + "_mean"]:g}'


def cells(r):
    """The printed cells of row R, in COLUMNS' order."""
    sk = r['skew']
    return [r['label'], _stop(r, 'fixed'), _stop(r, 'adaptive'), _na(r['caches']),
            _na(r['extra_slab_mb'], '{:.2f}'), _na(r['instructions'], '{:.1f}'),
            str(sk['caches']), f'{sk["types_median"]:g}', str(sk['types_max']),
            _na(sk['largest_share'], '{:.1%}')]


COLUMNS = ('scheme', 'stopped, fixed', 'stopped, adaptive', 'caches', 'extra Slab MB',
           'instr/pair', 'caches (sites)', 'types/cache med', 'types/cache max',
           'largest cache')


def notes(meta):
    """The lines under the table."""
    slab = meta['slab_chains']
    return [
        f'stopped: of the {slab} slab-to-slab chains; randomised schemes: mean over '
        f'{meta["seeds"]} seeds (loads) [worst seed]; a chain with an unresolved site counts '
        'as not stopped.',
        'fixed: the write-up\'s first reclaimer; adaptive: none of the known spray objects of '
        'the victim\'s size class and accounting shares its cache either.',
        f'caches, extra Slab MB: {meta["memory"]}.',
        meta['instructions'] + '.',
        f'skew, at seed 0, over {meta["skew_sites"]} allocation sites of the files compiled '
        '(dedicated caches and sites of unknown size left out): the caches they use, types per '
        'cache (untyped sites as one type), the largest cache\'s share of the sites (sites, '
        'not objects, are the weight).',
        f'shape: the table is the universe of {meta["universe"]}; the real kernel has more '
        'types, so more groups share each zone.',
    ]


def text(table, meta):
    """The text table."""
    body = [list(COLUMNS)] + [cells(r) for r in table]
    widths = [max(len(row[i]) for row in body) for i in range(len(COLUMNS))]
    lines = []
    for n, row in enumerate(body):
        lines.append('  '.join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            lines.append('  '.join('-' * w for w in widths))
    return '\n'.join(lines + [''] + notes(meta)) + '\n'


def markdown(table, meta):
    """The table as markdown."""
    lines = ['| ' + ' | '.join(COLUMNS) + ' |',
             '|---|' + '---:|' * (len(COLUMNS) - 1)]
    lines += ['| ' + ' | '.join(cells(r)) + ' |' for r in table]
    return '\n'.join(lines + [''] + [f'- {n}' for n in notes(meta)]) + '\n'


def as_json(table, meta):
    """The machine form (a dict)."""
    return {'meta': meta, 'schemes': table}


# The plot.

def plot(table, png, memory_note=None):
    """Chains stopped (adaptive attacker) against extra Slab memory, one
    point per scheme, with gnuplot into PNG; against the caches the sites
    use when some scheme has no memory figure. Returns the x axis's
    label."""
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    have_mem = all(r['extra_slab_mb'] is not None for r in table)
    if have_mem:
        xlabel = 'extra Slab: memory on the workload (MB)'
        xs = [r['extra_slab_mb'] for r in table]
    else:
        xlabel = 'caches the allocation sites use (model, seed 0; no memory measured)'
        xs = [r['skew']['caches'] for r in table]
    points = {}         # schemes at one point share a label
    for x, r in zip(xs, table):
        points.setdefault((x, r['adaptive_mean'], r['adaptive_worst']), []).append(r['id'])
    dat = png.with_suffix('.dat')
    with open(dat, 'w') as f:
        f.write('# x adaptive_mean adaptive_worst label\n')
        for (x, mean, worst), labels in points.items():
            f.write(f'{x} {mean} {worst} "{", ".join(labels)}"\n')
    slab = table[0]['slab_chains'] if table else 0
    # Labels above and below their points by turns, left to right, so that
    # neighbours do not overwrite each other.
    labels = ''.join(
        f'set label {i + 1} "{", ".join(names)}" at {x},{mean} '
        f'offset 1,{0.7 if i % 2 == 0 else -0.9} left\n'
        for i, ((x, mean, _), names) in enumerate(sorted(points.items())))
    script = f"""set terminal pngcairo noenhanced size 1000,650 font ",11"
set output "{png}"
set title "Slab-to-slab chains stopped against an adaptive attacker ({slab} chains)"
set xlabel "{xlabel}"
set ylabel "chains stopped (mean over loads; bar: worst load)"
{'' if have_mem else 'set logscale x'}
set yrange [0:{slab + 2}]
set offsets graph 0.05, graph 0.2, 0, 0
set grid
set key off
{labels}plot "{dat}" using 1:2:3:2 with yerrorbars pt 7 ps 1.5 lc "black"
"""
    r = subprocess.run(['gnuplot'], input=script, capture_output=True, text=True)
    if r.returncode:
        raise CompareError(f'gnuplot failed: {r.stderr.strip()[-500:]}')
    return xlabel


def run(schemes, verdicts, spray_objs, files, universe, seeds, memory_path=None,
        bench_path=BENCH, size=BENCH_SIZE):
    """(rows, meta) of the comparison."""
    memory = load_memory(memory_path)
    try:
        instr, how = instructions(Path(bench_path).read_text(), size)
    except OSError as e:
        raise CompareError(f'{bench_path}: {e.strerror}') from e
    table = rows(schemes, verdicts, spray_objs, files, memory, instr, seeds)
    meta = {'seeds': seeds, 'slab_chains': table[0]['slab_chains'] if table else 0,
            'universe': universe.describe(), 'universe_types': len(universe.types),
            'universe_files': universe.files, 'instructions': how,
            'memory': f'from {memory_path}' if memory else
            'n/a (no --memory file: a guest run gives them)',
            'skew_sites': table[0]['skew']['sites'] if table else 0,
            'spray_objects': len(spray_objs)}
    return table, meta
