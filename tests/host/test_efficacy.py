#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/kpart-efficacy and of kpart's site tool
(scripts/efficacy/probe.h, probe.py): the reduction of a token to a smaller
bound against scripts/kpart-token, the probe against Clang on small C files
(a plain file's allocation calls, and the builtin hooked as in a module
built by make wrap), its input checking, and its verdicts on hand-made
chains whose answers follow from first principles
(tests/data/efficacy-chains.jsonl); shape mode's model on fixture types,
the mean and worst seed, and kpart-compare's table. The chain tests need
the built test kernel's tree (they are skipped without one) and reuse the
tool's cache in out/efficacy/."""

import json
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
TOOL = TOP / 'scripts' / 'kpart-efficacy'
FIXTURE = TOP / 'tests' / 'data' / 'efficacy-chains.jsonl'
sys.path.insert(0, str(TOP / 'scripts'))

from efficacy import chains, compare, evaluate, probe, report, schemes, shape_model  # noqa: E402
from efficacy import sites  # noqa: E402
from shape import groups  # noqa: E402
from wrap import helpers  # noqa: E402

TYPES = (('drr_class', True), ('msg_msg', True), ('unsigned char', False),
         ('plain', False), ('holder', True), ('char *', True), ('int', False))


def kpart_token(name, pointer, max_=None):
    args = [str(TOP / 'scripts' / 'kpart-token')] + (['--max', str(max_)] if max_ else []) + \
        (['--pointer'] if pointer else []) + [name]
    return int(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def run_tool(*args):
    return subprocess.run([sys.executable, str(TOOL), '--quiet', *map(str, args)],
                          capture_output=True, text=True)


class Tokens(unittest.TestCase):
    def test_rebound_is_exact(self):
        for name, pointer in TYPES:
            t64 = kpart_token(name, pointer, 64)
            t63 = kpart_token(name, pointer, 1 << 63)
            for m in (1, 2, 4, 8, 16, 32, 64):
                want = kpart_token(name, pointer, m)
                self.assertEqual(probe.rebound(t64, 64, m), want, (name, m))
                self.assertEqual(probe.rebound(t63, 1 << 63, m), want, (name, m))


# A stand-in for the kernel's allocation headers, enough for probe.h.
FAKE_SLAB = '''
typedef unsigned long size_t; typedef unsigned int gfp_t;
#define __GFP_ACCOUNT 0x400000u
#define GFP_KERNEL 0xcc0u
#define GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_USER GFP_KERNEL
#define NUMA_NO_NODE (-1)
#define alloc_hooks(x) (x)
#define __used __attribute__((__used__))
#define __section(s) __attribute__((__section__(s)))
void *kmalloc_noprof(size_t s, gfp_t f);
void *kzalloc_noprof(size_t s, gfp_t f);
void *kmalloc_array_noprof(size_t n, size_t s, gfp_t f);
#define kmalloc(...) alloc_hooks(kmalloc_noprof(__VA_ARGS__))
#define kzalloc(...) alloc_hooks(kzalloc_noprof(__VA_ARGS__))
#define kmalloc_array(...) alloc_hooks(kmalloc_array_noprof(__VA_ARGS__))
'''

PROBE_C = '''
struct holder { int a; void *p; };
struct plain { int a; long b; };
const unsigned long long direct_holder = __builtin_infer_alloc_token(sizeof(struct holder));
const unsigned long long direct_plain = __builtin_infer_alloc_token(sizeof(struct plain));
void *a(gfp_t g) { return kzalloc(sizeof(struct holder), GFP_KERNEL); }
void *b(void) { struct plain *p = kmalloc(sizeof(*p), GFP_KERNEL_ACCOUNT); return p; }
void *c(size_t n, gfp_t g) { return kmalloc(n, g); }
void *d(size_t n) { return kmalloc_array(n, sizeof(struct holder), GFP_KERNEL); }
'''


class ProbeAgainstClang(unittest.TestCase):
    def compile(self, bound):
        with tempfile.TemporaryDirectory(prefix='eff-test-') as d:
            inc = Path(d) / 'linux'
            inc.mkdir()
            (inc / 'slab.h').write_text(FAKE_SLAB)
            (inc / 'string.h').write_text('')
            (Path(d) / 't.c').write_text(PROBE_C)
            cmd = ['clang-22', '-O2', '-S', '-emit-llvm', '-I', d, '-include',
                   str(probe.PROBE_H), '-o', '-', str(Path(d) / 't.c')]
            if bound:
                cmd.insert(1, f'-falloc-token-max={bound}')
            ir = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        direct = {}
        for line in ir.splitlines():
            if line.startswith('@direct_'):
                name = line.split()[0][len('@direct_'):]
                direct[name] = int(line.split('i64 ')[1].split(',')[0]) & ((1 << 64) - 1)
        return probe.parse_ir(ir), direct

    def test_records_match_clang_and_kpart_token(self):
        sites, direct = self.compile(None)
        bounded, direct16 = self.compile(16)
        by_func = {s.func: s for s in sites}
        self.assertEqual(sorted(by_func), ['a', 'b', 'c', 'd'])
        self.assertEqual(by_func['a'].token, direct['holder'])
        self.assertEqual(by_func['a'].token, kpart_token('holder', True))
        self.assertEqual(by_func['b'].token, direct['plain'])
        self.assertEqual(by_func['b'].token, kpart_token('plain', False))
        self.assertEqual(by_func['d'].token, direct['holder'])
        self.assertFalse(by_func['c'].inferred)     # no type: the fallback
        self.assertEqual(by_func['c'].token, 0)
        self.assertEqual((by_func['a'].acct, by_func['b'].acct, by_func['c'].acct), (0, 1, -1))
        self.assertEqual(by_func['a'].size, 16)
        b16 = {s.func: s.token for s in bounded}
        self.assertEqual(b16['a'], direct16['holder'])
        self.assertEqual(b16['a'], kpart_token('holder', True, 16))
        self.assertEqual(b16['b'], kpart_token('plain', False, 16))


# kpart.h's allocation macros as a wrapped module sees them: each hands the
# caller's arguments to the builtin, which probe.h hooks.
WRAPPED_C = '''
#define __malloc __attribute__((__malloc__))
#define __alloc_size(x) __attribute__((__alloc_size__(x)))
struct holder { int a; void *p; };
struct plain { int a; long b; };
const unsigned long long direct_holder = __builtin_infer_alloc_token(sizeof(struct holder));
const unsigned long long direct_plain = __builtin_infer_alloc_token(sizeof(struct plain));
#include PROBE
typedef unsigned long size_t;
void *route(size_t size, unsigned long token);
#define kmalloc(s, f) route(s, __builtin_infer_alloc_token(s, f))
void *a(void) { return kmalloc(sizeof(struct holder), 0); }
void *b(void) { struct plain *p = kmalloc(sizeof(*p), 0); return p; }
void *c(size_t n) { return kmalloc(n, 0); }
void *d(size_t n) { return (char *)route(n, __builtin_infer_alloc_token(n) + 0); }
'''


class WrappedAgainstClang(unittest.TestCase):
    """probe.h hooking the builtin, as kpart-sites compiles a wrapped module:
    the token at each site is Clang's (the builtin's own value, the
    alloc-token pass's where the front end does not fold it), with the type
    Clang inferred there."""

    def test_sites_match_clang_and_kpart_token(self):
        with tempfile.TemporaryDirectory(prefix='eff-test-') as d:
            src = Path(d) / 't.c'
            src.write_text(WRAPPED_C)
            cmd = probe.wrapped_command(['clang-22', '-O2', '-falloc-token-max=%d' % (1 << 63),
                                         f'-DPROBE="{probe.PROBE_H}"', '-c', str(src)])
            ir = probe.wrapped_ir(cmd, d)
            sites = probe.wrapped_sites(ir, d, d)
        direct = {line.split()[0][len('@direct_'):]:
                  int(line.split('i64 ')[1].split(',')[0]) & ((1 << 64) - 1)
                  for line in ir.splitlines() if line.startswith('@direct_')}
        by_func = {s[3]: s for s in sites}
        self.assertEqual(sorted(by_func), ['a', 'b', 'c', 'd'])
        self.assertEqual(by_func['a'][6], probe.rebound(direct['holder'], 1 << 63, 64))
        self.assertEqual(by_func['b'][6], probe.rebound(direct['plain'], 1 << 63, 64))
        self.assertEqual(by_func['a'][4:], ('holder', True, kpart_token('holder', True, 64)))
        self.assertEqual(by_func['b'][4:], ('plain', False, kpart_token('plain', False, 64)))
        self.assertEqual(by_func['c'][4:], (None, False, 0))     # no type: the fallback
        self.assertEqual(by_func['d'][4:], ('char', False, kpart_token('char', False, 64)))
        self.assertTrue(all(s[0] == 't.c' and s[1] > 0 for s in sites))

    def test_unbounded_module_refused(self):
        with self.assertRaisesRegex(probe.ProbeError, 'not a power of two'):
            probe.wrapped_sites('!0 = !{i32 1, !"alloc-token-max", i64 1000}\n', '.', '.')


class Input(unittest.TestCase):
    def test_missing_file(self):
        r = run_tool('--chains', '/nonexistent/chains.jsonl')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('/nonexistent/chains.jsonl', r.stderr)

    def test_malformed_line_is_named(self):
        with tempfile.NamedTemporaryFile('w', suffix='.jsonl', prefix='eff-') as f:
            f.write(FIXTURE.read_text().splitlines()[0] + '\n{"id": "x", oops\n')
            f.flush()
            r = run_tool('--chains', f.name)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(':2: malformed JSON', r.stderr)

    def test_missing_key(self):
        with tempfile.NamedTemporaryFile('w', suffix='.jsonl', prefix='eff-') as f:
            f.write('{"id": "x", "vuln_object": {"type": "struct a"}}\n')
            f.flush()
            with self.assertRaisesRegex(chains.ChainError, r':1: missing key'):
                chains.load(f.name)

    def test_type_text(self):
        self.assertEqual(chains.parse_type('u8[] (nft_table->udata, nla_memdup of user data)'),
                         (None, 'u8', ['nft_table', 'udata', 'nla_memdup']))
        self.assertEqual(chains.parse_type('struct nft_chain')[0], 'nft_chain')


class WrapCoverage(unittest.TestCase):
    """The [m] schemes count an allocation of the victim's module as kpart's
    only when make wrap routes its allocator: the list include/kpart_wrap.h
    gives (scripts/wrap/helpers.py), which kpart-wrap reports against."""
    MODULE = 'net/netfilter/nf_tables.o'

    def placed(self, alloc, family='kmalloc', module=MODULE):
        site = probe.Site(file='net/netfilter/nf_tables_api.c', line=1, func='f',
                          alloc=alloc, args='', size=0, acct=1, token=0, token64=0,
                          inferred=False)
        return schemes.Placed(family=family, acct=True, site=site, module=module,
                              tristate=module is not None)

    def test_the_list_is_kpart_wraps(self):
        self.assertEqual(schemes.WRAP_ROUTED, frozenset(helpers.routed()))
        self.assertIn('nla_strdup', schemes.WRAP_ROUTED)
        self.assertNotIn('sock_kmalloc', schemes.WRAP_ROUTED)

    def test_module_coverage_follows_the_list(self):
        wrapped = schemes.Scheme('kpart16/module', 'kpart-typed', 16, False, 'module')
        victim = self.placed('kzalloc')
        for alloc, family, module, want in (
                ('kzalloc', 'kmalloc', self.MODULE, True),
                ('nla_strdup', 'kmalloc', self.MODULE, True),
                ('kasprintf', 'kmalloc', self.MODULE, True),
                ('memdup_user', 'bucket', self.MODULE, True),
                ('sock_kmalloc', 'kmalloc', self.MODULE, False),
                ('kmem_buckets_alloc', 'bucket', self.MODULE, False),
                ('kmem_cache_alloc', 'dedicated', self.MODULE, False),
                ('kzalloc', 'kmalloc', 'net/core/', False),
                ('kzalloc', 'kmalloc', None, False)):
            with self.subTest(alloc=alloc, module=module):
                self.assertEqual(schemes.covered(wrapped, self.placed(alloc, family, module),
                                                 victim), want)

    def test_all_coverage_is_the_kmalloc_family(self):
        everything = schemes.Scheme('kpart16/all', 'kpart-typed', 16, False, 'all')
        victim = self.placed('kzalloc')
        self.assertTrue(schemes.covered(everything, self.placed('sock_kmalloc'), victim))
        self.assertFalse(schemes.covered(everything, self.placed('memdup_user', 'bucket'),
                                         victim))


HALF = shape_model.HALF


def shape_types(*specs):
    """groups.ShapeType per (token, size, signature[, pointer])."""
    return [groups.ShapeType(tok, size, sig, *rest) for tok, size, sig, *rest in specs]


def fillers(n, first=1000):
    """N pointer-holding types of 64 bytes, each a signature group of its
    own: distinct signatures of one length are never prefixes of each
    other."""
    out = []
    for i in range(n):
        digits = ''
        for _ in range(7):
            digits = '123'[i % 3] + digits
            i //= 3
        out.append((HALF + first + len(out), 64, '1' + digits))
    return out


class ShapeModel(unittest.TestCase):
    """Shape mode as shape_model models it (rust/module/pertype/shape.rs
    ShapeTable::family), on fixture types."""
    K64 = groups.size_class(64)

    def model(self, types, budget, seeds=50):
        return shape_model.ShapeModel(shape_model.fixture_universe(types), budget, seeds)

    def test_one_signature_shares_under_every_seed(self):
        # Budget 3: no single types (3 * 3 // 10 == 0), 2 zones for 6 groups.
        types = shape_types((HALF + 1, 64, '12222222'), (HALF + 2, 64, '12222222'),
                            *fillers(5, first=10))
        m = self.model(types, 3)
        self.assertEqual(m.split.singles, 0)
        for seed in range(m.seeds):
            self.assertEqual(m.cache(HALF + 1, True, None, seed),
                             m.cache(HALF + 2, True, None, seed), seed)
        self.assertEqual(m.share((HALF + 1, True, None), (HALF + 2, True, None), self.K64), 1.0)

    def test_a_prefix_joins_the_group(self):
        types = shape_types((HALF + 1, 8, '1'), (HALF + 2, 8, '3'), (HALF + 3, 16, '1'),
                            (HALF + 4, 16, '11'), (HALF + 5, 16, '12'))
        shape_model.fixture_universe(types)
        by = {t.token: t for t in types}
        self.assertEqual(by[HALF + 3].group, by[HALF + 4].group)   # '1' then '11'
        self.assertNotEqual(by[HALF + 4].group, by[HALF + 5].group)  # '11' then '12'

    def test_12_and_21_apart_at_a_big_budget(self):
        types = shape_types((HALF + 1, 16, '12'), (HALF + 2, 16, '21'), *fillers(30))
        m = self.model(types, 1024)
        self.assertEqual(m.split.zones[groups.size_class(16)], 2)
        self.assertEqual(m.share((HALF + 1, True, None), (HALF + 2, True, None),
                                 groups.size_class(16)), 0.0)

    def test_they_can_share_at_a_small_budget(self):
        # 3 groups of class 16 on 2 zones (the groups of class 64 take the
        # budget): two of them share in every load.
        types = shape_types((HALF + 1, 16, '12'), (HALF + 2, 16, '21'), (HALF + 3, 16, '31'),
                            *fillers(30))
        m = self.model(types, 3, seeds=200)
        p = m.share((HALF + 1, True, None), (HALF + 2, True, None), groups.size_class(16))
        self.assertGreater(p, 0.0)
        self.assertLess(p, 1.0)

    def test_data_only_never_with_pointer_types(self):
        types = shape_types((1, 64, '22222222'), (2, 64, '20000000'),
                            (HALF + 3, 64, '22222221'), (HALF + 4, 16, '1', True),
                            *fillers(20))
        for budget in (3, 64, 1024):
            m = self.model(types, budget, seeds=20)
            for seed in range(m.seeds):
                data = {m.cache(t, True, k, seed) for t in (1, 2) for k in (None, 1, self.K64)}
                self.assertEqual(data, {('data',)})
                for t in [HALF + 3, HALF + 4] + [f[0] for f in fillers(20)]:
                    self.assertNotEqual(m.cache(t, True, None, seed), ('data',))

    def test_variable_heaps(self):
        types = shape_types((HALF + 1, 8, '1', True), (HALF + 2, 16, '12'), (3, 16, '22'))
        m = self.model(types, 64, seeds=5)
        k8, k16, k64 = groups.size_class(8), groups.size_class(16), self.K64
        for seed in range(5):
            # At their own class: a zone (or a single type's cache).
            self.assertIn(m.cache(HALF + 1, True, k8, seed)[0], ('zone', 'single'))
            self.assertIn(m.cache(HALF + 2, True, k16, seed)[0], ('zone', 'single'))
            # At another: an array of pointers, an array of the rest.
            self.assertEqual(m.cache(HALF + 1, True, k64, seed), ('var-pointers',))
            self.assertEqual(m.cache(HALF + 2, True, k64, seed), ('var',))
            self.assertEqual(m.cache(3, True, k64, seed), ('data',))
        # No type (the fallback), and tokens the table lacks, by pointer flag.
        self.assertEqual(m.cache(0, False, k64, 0), ('unsigned',))
        self.assertEqual(m.cache(HALF + 99, True, k64, 0), ('unsigned',))
        self.assertEqual(m.cache(99, True, k64, 0), ('data',))

    def test_seeds_change_the_assignment(self):
        m = self.model(shape_types(*fillers(40)), 64, seeds=2)
        self.assertNotEqual(m.load(0), m.load(1))
        self.assertEqual(m.load(0), groups.cache_of(list(m.universe.types.values()), 64, 0))

    def test_same_cache_follows_the_model(self):
        types = shape_types((HALF + 1, 64, '12222222'), (HALF + 2, 64, '12222222'),
                            (5, 64, '22222222'), *fillers(5, first=10))
        m = self.model(types, 3)
        s = schemes.Scheme('shape3/all', 'kpart-shape', 3, model=m)

        def placed(token, size=64):
            site = probe.Site(file='f.c', line=token % 1000, func='f', alloc='kmalloc',
                              args='', size=size, acct=0, token=token, token64=0)
            return schemes.Placed(family='kmalloc', acct=False, site=site)
        self.assertEqual(schemes.same_cache(s, placed(HALF + 1), placed(HALF + 2), 64), 1.0)
        self.assertEqual(schemes.same_cache(s, placed(HALF + 1), placed(5), 64), 0.0)
        # A flexible array of the type at 192 bytes: the variable heap, with
        # the other type's array.
        self.assertEqual(schemes.same_cache(s, placed(HALF + 1, 0), placed(HALF + 10, 0), 192),
                         1.0)
        self.assertIsNone(schemes.same_cache(schemes.Scheme('x', 'kpart-shape', 3),
                                             placed(1), placed(2), 64))


class Seeds(unittest.TestCase):
    """The mean and the worst seed of the randomised schemes."""

    def test_mean_worst(self):
        mw = evaluate.mean_worst([(3, 1), (5, 2), (4, 0)])
        self.assertEqual(mw, {'fixed': (4.0, 3), 'adaptive': (1.0, 0)})

    def test_per_seed_random(self):
        def placed(line):
            site = probe.Site(file='f.c', line=line, func='f', alloc='kmalloc', args='',
                              size=64, acct=0, token=0, token64=0, inferred=False)
            return schemes.Placed(family='kmalloc', acct=False, site=site)
        v, r = placed(1), placed(2)
        vd = evaluate.Verdict(chain=None, category='slab', victim=v, reclaim=r,
                              victim_res=None, reclaim_res=None, victim_size=64)
        rnd = schemes.Scheme('random', 'random', 16)
        none = schemes.Scheme('none', 'none')
        pertype = schemes.Scheme('pertype/all', 'kpart-pertype', 0)
        rows = evaluate.per_seed([rnd, none, pertype], [vd], [], 100)
        self.assertEqual(rows['none'], [(0, 0)])
        for sid, copies in (('random', 16), ('pertype/all', 64)):
            want = [int(schemes.copy_of('f.c:1', s, copies) != schemes.copy_of('f.c:2', s, copies))
                    for s in range(100)]
            self.assertEqual([f for f, _ in rows[sid]], want)
            self.assertEqual(evaluate.mean_worst(rows[sid])['fixed'],
                             (sum(want) / 100, min(want)))
        self.assertIn(0, [f for f, _ in rows['random']])   # some load puts them together
        # Without a seed: the expectation.
        self.assertAlmostEqual(schemes.same_cache(pertype, v, r), 1 / 64)
        self.assertAlmostEqual(schemes.same_cache(rnd, v, r), 1 / 16)


class CompareTable(unittest.TestCase):
    """kpart-compare's columns, on a made-up evaluation."""

    def table(self, memory=None):
        types = shape_types((HALF + 1, 64, '12222222'), *fillers(10, first=10))
        univ = shape_model.fixture_universe(types)
        models = {b: shape_model.ShapeModel(univ, b, 10) for b in schemes.SHAPE_BUDGETS}

        def site(line, token, inferred=True):
            return probe.Site(file='f.c', line=line, func='f', alloc='kmalloc', args='',
                              size=64, acct=0, token=token, token64=token % 64,
                              inferred=inferred, type_size=64)
        files = {'f.c': [site(1, HALF + 1), site(2, HALF + 10), site(3, 0, False)]}
        v = schemes.Placed(family='kmalloc', acct=False, site=files['f.c'][0])
        r = schemes.Placed(family='kmalloc', acct=False, site=files['f.c'][1])
        vd = evaluate.Verdict(chain=None, category='slab', victim=v, reclaim=r,
                              victim_res=None, reclaim_res=None, victim_size=64)
        with tempfile.TemporaryDirectory() as d:
            mem = None
            if memory is not None:
                mem = Path(d) / 'memory.json'
                mem.write_text(json.dumps({'schemes': memory}))
            return compare.run(schemes.all_schemes(models), [vd], [], files, univ, 10, mem)

    def test_columns(self):
        table, meta = self.table()
        self.assertEqual([r['id'] for r in table], list(compare.IDS))
        self.assertEqual(compare.IDS, ('none', 'random', 'upstream16', 'kpart16', 'kpart64',
                                       'shape64', 'shape128', 'shape260', 'pertype'))
        self.assertEqual(compare.COLUMNS, (
            'scheme', 'stopped, fixed', 'stopped, adaptive', 'caches', 'extra Slab MB',
            'instr/pair', 'caches (sites)', 'types/cache med', 'types/cache max',
            'largest cache'))
        out = compare.text(table, meta)
        for c in compare.COLUMNS:
            self.assertIn(c, out.splitlines()[0])
        for r in table:
            self.assertEqual(len(compare.cells(r)), len(compare.COLUMNS))
        by = {r['id']: r for r in table}
        self.assertEqual(by['none']['fixed_mean'], 0)
        self.assertEqual(by['pertype']['fixed_mean'], 1)
        self.assertEqual((by['random']['seeds'], by['shape64']['seeds'], by['kpart16']['seeds']),
                         (10, 10, 1))
        self.assertIsNone(by['none']['caches'])
        self.assertIn('n/a', out)
        # In-line instructions from the committed benchmarks: shape is pertype's path.
        self.assertEqual(by['shape64']['instructions'], by['pertype']['instructions'])
        self.assertIsNone(by['upstream16']['instructions'])
        self.assertGreater(by['none']['instructions'], 100)
        # Skew: plain kmalloc puts the three sites in one cache.
        self.assertEqual(by['none']['skew'], {'caches': 1, 'types_median': 3, 'types_max': 3,
                                              'largest_share': 1.0, 'sites': 3})
        self.assertEqual(by['pertype']['skew']['caches'], 3)
        md = compare.markdown(table, meta)
        self.assertTrue(md.startswith('| scheme |'))
        self.assertEqual(len(md.split('\n\n')[0].splitlines()), 2 + len(compare.IDS))

    def test_memory(self):
        table, meta = self.table({'kpart16': {'caches': 416, 'slab_kb': 3072,
                                              'baseline_slab_kb': 1024}})
        by = {r['id']: r for r in table}
        self.assertEqual((by['kpart16']['caches'], by['kpart16']['extra_slab_mb']), (416, 2.0))
        self.assertIsNone(by['none']['extra_slab_mb'])
        with self.assertRaises(compare.CompareError):
            self.table({'kpart-16': {'caches': 1, 'slab_kb': 1, 'baseline_slab_kb': 1}})

    def test_instructions_say_their_row(self):
        instr, how = compare.instructions(compare.BENCH.read_text(), 64)
        self.assertIn('64 bytes', how)
        self.assertIn('pertype', how)
        with self.assertRaises(compare.CompareError):
            compare.instructions(compare.BENCH.read_text(), 65)


def have_kernel_tree():
    r = subprocess.run([str(TOP / 'scripts' / 'build' / 'build-kernel.sh'), '--cached', 'test'],
                       capture_output=True, text=True)
    return r.returncode == 0


@unittest.skipUnless(have_kernel_tree(), 'no built test kernel (make kernel)')
class Fixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        r = run_tool('--chains', FIXTURE, '--json')
        if r.returncode:
            raise AssertionError(r.stderr)
        cls.out = json.loads(r.stdout)
        cls.chains = {c['id']: c for c in cls.out['chains']}

    def test_distinct_pointer_types_split(self):
        c = self.chains['split-at-16']
        self.assertEqual(c['category'], 'slab')
        self.assertEqual(c['victim']['resolution']['site'].split(':')[0], 'net/sched/sch_drr.c')
        self.assertEqual(c['reclaim']['resolution']['site'].split(':')[0], 'net/tls/tls_main.c')
        # Both hold pointers: the top half; split unless the tokens collide.
        t_v = kpart_token('drr_class', True, 16)
        t_r = kpart_token('tls_context', True, 16)
        self.assertGreaterEqual(min(t_v, t_r), 8)
        self.assertEqual(c['victim']['resolution']['token'], kpart_token('drr_class', True))
        self.assertEqual(c['victim']['resolution']['token64'], kpart_token('drr_class', True, 64))
        self.assertEqual(c['victim']['resolution']['token16'], t_v)
        self.assertEqual(c['reclaim']['resolution']['token16'], t_r)
        want = 1.0 if t_v != t_r else 0.0
        self.assertEqual(c['prevented']['upstream'], want)
        self.assertEqual(c['prevented']['kpart16/all'], want)
        self.assertEqual(c['prevented']['pertype/all'], 1.0)
        self.assertEqual(c['prevented']['none'], 0.0)
        self.assertAlmostEqual(c['prevented']['random'], 15 / 16)
        # Only the victim's module wrapped: tls_context is another module.
        self.assertTrue(c['victim']['tristate'])
        self.assertEqual(c['prevented']['kpart16/module'], 1.0)

    def test_same_type_is_never_stopped(self):
        c = self.chains['same-type']
        self.assertTrue(all(v == 0.0 for v in c['prevented'].values()), c['prevented'])

    def test_cross_cache_only_with_retention(self):
        c = self.chains['cross-cache']
        self.assertEqual(c['category'], 'cross-cache')
        for sid, v in c['prevented'].items():
            self.assertEqual(v, 1.0 if '+ret' in sid else 0.0, sid)

    def test_dedicated_cache(self):
        c = self.chains['dedicated']
        self.assertEqual(c['category'], 'dedicated')
        self.assertTrue(all(v == 0.0 for v in c['prevented'].values()))
        self.assertEqual(c['reasons']['kpart16/all'], 'dedicated cache')

    def test_unresolvable_is_reported(self):
        c = self.chains['unresolvable']
        self.assertEqual(c['victim']['resolution']['status'], 'unresolved')
        self.assertEqual(c['victim']['resolution']['reason'], 'struct kpart_no_such_type is '
                         'in no C file of this kernel (code removed or renamed)')
        self.assertEqual(self.out['resolution']['objects'],
                         [{'chain': 'unresolvable', 'role': 'victim',
                           'type': 'struct kpart_no_such_type',
                           'reason': c['victim']['resolution']['reason']}])
        self.assertIsNone(c['prevented']['kpart16/all'])
        self.assertIsNone(c['prevented']['upstream'])

    def test_msg_msg_buckets(self):
        c = self.chains['buckets']
        self.assertEqual(c['reclaim']['family'], 'bucket')
        self.assertEqual(c['prevented']['none'], 0.0)
        self.assertEqual(c['prevented']['random'], 1.0)
        self.assertEqual(c['reasons']['random'], 'kmem_buckets')


# A made-up kernel tree whose objects come from wrappers: each resolution
# follows from the text. No Clang: the stand-in prober lists the calls of
# the allocators probe.h records, in their functions, with no type inferred.
WRAPPER_TREE = {
    'include/linux/netdev.h': '''
#define alloc_dev(priv) \\\\
	alloc_dev_mqs(priv, 1)
#define HEAD_ALIGN(x) ((x) + sizeof(struct shinfo))
#define PLAIN_ALIGN(x) (((x) + 63) & ~63)
''',
    'net/set/set_core.c': '''
void *
set_alloc(size_t size)
{
	return kvzalloc(size, GFP_KERNEL_ACCOUNT);
}
''',
    'net/set/set_bitmap.c': '''
struct bitmap_set { int n; unsigned long members[]; };

static int bitmap_create(struct set *set, u32 n)
{
	struct bitmap_set *map;

	map = set_alloc(sizeof(*map) + n);
	return map ? 0 : -ENOMEM;
}

static int bitmap_lookup(struct set *set)
{
	struct bitmap_set *map;

	map = set_lookup(set);
	return map != NULL;
}
''',
    'net/set/set_lookup.c': '''
void *set_lookup(struct set *set)
{
	return set->data;
}
''',
    'kernel/area/area.c': '''
static void *__area_alloc(u64 size, int node, bool mmapable)
{
	void *area;

	if (!mmapable) {
		area = kmalloc_node(size, GFP_USER, node);
		if (area)
			return area;
	}
	return vmalloc_node(size, node);
}

void *area_alloc(u64 size, int node)
{
	return __area_alloc(size, node, false);
}

void *area_vmalloc(u64 size)
{
	return vmalloc_node(size, 0);
}
''',
    'kernel/area/arraymap.c': '''
struct big_array { int n; char value[]; };

static struct map *array_alloc(union attr *attr)
{
	struct big_array *array;

	array = area_alloc(sizeof(*array) + attr->n, 0);
	return array ? &array->map : NULL;
}

struct ring_pages { int n; char data[]; };

static struct map *ring_alloc(union attr *attr)
{
	struct ring_pages *ring;

	ring = area_vmalloc(sizeof(*ring) + attr->n);
	return ring ? &ring->map : NULL;
}
''',
    'mm/vmalloc.c': '''
void *vmalloc_node(unsigned long size, int node)
{
	return kmalloc(size, GFP_KERNEL);
}
''',
    'net/ct/ct_core.c': '''
struct conn { int use; };

struct conn *tmpl_alloc(struct net *net, gfp_t flags)
{
	struct conn *tmpl;

	tmpl = kzalloc(sizeof(*tmpl), flags);
	return tmpl;
}
''',
    'net/ct/ct_expr.c': '''
static void zone_eval(struct expr *expr, struct regs *regs)
{
	struct conn *ct;

	ct = tmpl_alloc(expr->net, GFP_ATOMIC);
	regs->ct = ct;
}
''',
    'net/core/dev.c': '''
struct netdev { int mtu; char priv[]; };

struct netdev *alloc_dev_mqs(int sizeof_priv, int queues)
{
	struct netdev *dev;

	dev = kvzalloc(struct_size(dev, priv, sizeof_priv),
		       GFP_KERNEL_ACCOUNT);
	return dev;
}
''',
    'net/core/link.c': '''
struct netdev *create_link(struct link_ops *ops)
{
	struct netdev *dev;

	dev = alloc_dev_mqs(ops->priv_size, 1);
	return dev;
}
''',
    'net/xif/xif.c': '''
struct x_if { int id; };

static struct link_ops xif_link_ops __read_mostly = {
	.kind		= "xif",
	.priv_size	= sizeof(struct x_if),
};
''',
    'net/vif/vif.c': '''
struct vif_priv { int id; };

static int vif_register(struct net *net)
{
	struct netdev *ndev;

	ndev = alloc_dev(sizeof(struct vif_priv));
	return ndev ? 0 : -ENOMEM;
}
''',
    'net/core/pkt.c': '''
struct pkt_buff { unsigned char *head; unsigned char *data; };

static void *reserve(unsigned int *size, gfp_t flags)
{
	unsigned int obj_size = HEAD_ALIGN(*size);
	void *obj;

	if (obj_size <= 512)
		return kmem_cache_alloc_node(small_head_cache, flags, 0);
	obj = kmalloc_node_track_caller(obj_size, flags, 0);
	return obj;
}

int pkt_expand_head(struct pkt_buff *p, unsigned int size)
{
	u8 *data;

	data = reserve(&size, GFP_ATOMIC);
	p->head = data;
	return 0;
}
''',
    'net/core/shinfo.c': '''
struct shinfo { int nr_frags; };

static void *small_buf(unsigned int size)
{
	unsigned int len;

	len = HEAD_ALIGN(size);
	return kmalloc(len, GFP_ATOMIC);
}

static void *other_buf(unsigned int size)
{
	unsigned int len;

	len = PLAIN_ALIGN(size);
	return kmalloc(len, GFP_ATOMIC);
}
''',
    'net/socket.c': '''
static int ____sys_sendmsg(struct socket *sock, struct msghdr *msg)
{
	unsigned char *ctl_buf;

	ctl_buf = sock_kmalloc(sock->sk, msg->msg_controllen, GFP_KERNEL);
	return 0;
}

static int sock_setopt(struct socket *sock, int len)
{
	void *opt = sock_kmalloc(sock->sk, len, GFP_KERNEL);

	return opt ? 0 : -ENOMEM;
}
''',
    # Arrays of pointers to the type: candidates whose calls do not
    # allocate it, ranked above the wrapper's file.
    **{f'net/drv{i}/drv.c': '''
static int drv_probe(int n)
{
	struct netdev **devs;

	devs = kcalloc(n, sizeof(struct netdev *), GFP_KERNEL);
	return devs ? 0 : -ENOMEM;
}
''' for i in range(4)},
    'net/misc/embedded.c': '''
struct tail_info { int n; };

static int use_tail(struct buf *b)
{
	struct tail_info *t = (struct tail_info *)(b->data + b->end);

	return t->n;
}
''',
}


class FakeProber:
    """The calls of the allocators probe.h records, by line and function,
    with no type inferred: what the resolver's routes need of a Prober.
    The line is the statement's last, as Clang's __LINE__ in a macro call
    over several lines. Files in BROKEN do not compile."""

    def __init__(self, resolver, broken=()):
        self.resolver = resolver
        self.files = []
        self.broken = broken

    def sites(self, rel):
        self.files.append(rel)
        if rel in self.broken:
            raise probe.ProbeError(f'{rel}: clang-22 failed: error: CONFIG_SET_MAX')
        text = self.resolver.text(rel)
        names = '|'.join(sorted(sites.PROBED, key=len, reverse=True))
        out = []
        for m in re.finditer(r'\b(%s)\s*\(' % names, text):
            fn = self.resolver.enclosing(rel, m.start())
            if fn:
                end = text.index(';', m.start())
                out.append(probe.Site(file=rel, line=self.resolver.line_of(rel, end),
                                      func=fn[0], alloc=m.group(1), args='', size=0, acct=-1,
                                      token=0, token64=0, inferred=False))
        return out


def obj_of(text, cache='kmalloc-256', alloc_site=None):
    """A write-up object as chains.py builds it."""
    return chains.parse_chain({'id': 'x', 'vuln_object': {'type': text, 'cache': cache,
                                                          'alloc_site': alloc_site},
                               'first_reclaim': None, 'cross_cache': False,
                               'page_level': False}, 1).victim


class Wrappers(unittest.TestCase):
    """sites.Resolver on the made-up tree: objects allocated through a
    wrapper resolve to the allocation call inside it, by each route; what
    cannot be resolved says why."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix='kpart-wrappers-')
        for rel, text in WRAPPER_TREE.items():
            path = Path(cls.tmp.name) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def resolve(self, text, subsystem='', **kw):
        r = sites.Resolver(self.tmp.name, None)
        r.prober = FakeProber(r)
        res = r.resolve(obj_of(text, **kw), subsystem)
        self.probed = r.prober.files
        return res

    def where(self, res):
        self.assertEqual(res.status, 'resolved', res.reason)
        return f'{res.site.where} {res.site.func}() {res.site.alloc}'

    def test_assigned_to_the_type(self):
        res = self.resolve('struct bitmap_set', 'net/set')
        self.assertEqual(self.where(res), 'net/set/set_core.c:5 set_alloc() kvzalloc')
        self.assertEqual(res.via, ['set_alloc()'])
        self.assertIn('bitmap_create() assigns set_alloc()', res.why[0])

    def test_wrapper_of_a_wrapper(self):
        res = self.resolve('struct big_array', 'kernel/area')
        self.assertEqual(self.where(res), 'kernel/area/area.c:7 __area_alloc() kmalloc_node')
        self.assertEqual(res.via, ['area_alloc()', '__area_alloc()'])
        # The allocators themselves (mm/) are no subsystem's wrappers.
        res = self.resolve('struct ring_pages', 'kernel/area')
        self.assertEqual(res.status, 'unresolved')
        self.assertNotIn('mm/vmalloc.c', self.probed)

    def test_called_in_the_alloc_site(self):
        res = self.resolve('struct conn (template)', 'net/ct', alloc_site='zone_eval')
        self.assertEqual(self.where(res), 'net/ct/ct_core.c:8 tmpl_alloc() kzalloc')
        self.assertIn('zone_eval() calls tmpl_alloc()', res.why[0])

    def test_ops_size_member(self):
        res = self.resolve('struct netdev (xif device, struct x_if priv)', 'net/xif')
        self.assertEqual(self.where(res), 'net/core/dev.c:9 alloc_dev_mqs() kvzalloc')
        self.assertIn('create_link() calls alloc_dev_mqs() sized by struct link_ops.priv_size',
                      res.why[0])

    def test_constructor_and_macro(self):
        res = self.resolve('struct netdev', 'net/vif')
        self.assertEqual(self.where(res), 'net/core/dev.c:9 alloc_dev_mqs() kvzalloc')
        self.assertIn('in alloc_dev_mqs(), which returns a struct netdev *', res.why[0])
        r = sites.Resolver(self.tmp.name, None)
        r.prober = FakeProber(r)
        self.assertEqual(r.macro_target('alloc_dev'), 'alloc_dev_mqs')
        self.assertEqual([(s.func, v) for s, v in r.follow('alloc_dev')],
                         [('alloc_dev_mqs', ['alloc_dev', 'alloc_dev_mqs()'])])

    def test_member_store_and_cache_kind(self):
        res = self.resolve('u8[] (pkt_buff head/data buffer)', 'net/sched', cache='kmalloc-1k')
        self.assertEqual(self.where(res),
                         'net/core/pkt.c:11 reserve() kmalloc_node_track_caller')
        self.assertIn('pkt_expand_head() stores reserve() into pkt_buff->head', res.why[0])
        res = self.resolve('u8[] (pkt_buff head/data buffer)', 'net/sched', cache='small_head_cache')
        self.assertEqual(self.where(res), 'net/core/pkt.c:10 reserve() kmem_cache_alloc_node')

    def test_allocator_in_a_named_function(self):
        res = self.resolve('u8[] (sendmsg control buffer, sock_kmalloc)', 'crypto')
        self.assertEqual(self.where(res), 'net/socket.c:6 ____sys_sendmsg() sock_kmalloc')

    def test_size_macro(self):
        res = self.resolve('struct shinfo (embedded in a buffer)', 'net/tls', cache=None)
        self.assertIn(self.where(res), ('net/core/pkt.c:11 reserve() kmalloc_node_track_caller',
                                        'net/core/shinfo.c:8 small_buf() kmalloc'))
        self.assertIn('HEAD_ALIGN(), which holds sizeof(struct shinfo)', res.why[0])

    def test_a_wrapper_that_does_not_compile(self):
        r = sites.Resolver(self.tmp.name, None)
        r.prober = FakeProber(r, broken=('net/set/set_core.c',))
        for _ in range(2):       # the second time from what the first followed
            res = r.resolve(obj_of('struct bitmap_set'), 'net/set')
            self.assertEqual(res.status, 'unresolved')
            self.assertIn('bitmap_create() assigns set_alloc() to a struct bitmap_set *, but '
                          'net/set/set_core.c: clang-22 failed', res.reason)

    def test_reasons(self):
        res = self.resolve('struct gone_config', 'net/set')
        self.assertEqual(res.status, 'unresolved')
        self.assertIn('struct gone_config is in no C file', res.reason)
        res = self.resolve('struct tail_info', 'net/misc')
        self.assertEqual(res.status, 'unresolved')
        self.assertIn('no allocation call or wrapper takes the size of struct tail_info',
                      res.reason)
        self.assertEqual(res.to_json()['reason'], res.reason)
        res = self.resolve('u8[] (no_such_thing->buf)', 'net/set')
        self.assertIn('no candidate file holds the hint', res.reason)


class Owner:
    module, tristate, symbol, kind = 'net/x.o', True, 'X', 'tristate'


class Kconfig:
    def owner(self, rel):
        return Owner()


class UnresolvedReport(unittest.TestCase):
    """report.py counts the victims and first reclaimers left unresolved
    and names each with its reason, in the text and the JSON."""

    def test_counts_and_reasons(self):
        rows = [{'id': 'a', 'vuln_object': {'type': 'struct gone', 'cache': 'kmalloc-64'},
                 'first_reclaim': {'type': 'struct there', 'cache': 'kmalloc-64'},
                 'cross_cache': False, 'page_level': False},
                {'id': 'b', 'vuln_object': {'type': 'struct there', 'cache': 'kmalloc-64'},
                 'first_reclaim': {'type': 'struct file', 'cache': 'filp'},
                 'cross_cache': True, 'page_level': False}]
        data = [chains.parse_chain(r, i) for i, r in enumerate(rows, 1)]
        site = probe.Site(file='net/x.c', line=3, func='f', alloc='kzalloc', args='', size=64,
                          acct=0, token=5, token64=5)

        def resolve(obj, subsystem):
            if obj.tag == 'there':
                return sites.Resolution('resolved', site=site, score=9)
            return sites.Resolution('unresolved', reason=f'{obj.tag}: gone from the source')
        schemes_, verdicts = evaluate.evaluate(data, resolve, Kconfig(), [])
        rs = report.resolution_stats(verdicts)
        self.assertEqual(rs['victim'], {'resolved': 1, 'unresolved': 1})
        self.assertEqual(rs['reclaim'], {'resolved': 1, 'unresolved': 0})   # filp: none needed
        self.assertEqual(rs['objects'], [{'chain': 'a', 'role': 'victim', 'type': 'struct gone',
                                          'reason': 'gone: gone from the source'}])
        tot = evaluate.totals(schemes_, verdicts)
        meta = {'chains': 'c', 'src': 's', 'kdir': 'k', 'clang': 'clang'}
        spray_info = {'resolved': 0, 'unresolved': 0, 'objects': []}
        text = report.text(schemes_, verdicts, tot, meta, spray_info)
        self.assertIn('      unresolved: gone: gone from the source\n', text)
        self.assertIn('== Unresolved victims and first reclaimers (1 of 3):\n'
                      '  a victim struct gone: gone: gone from the source\n', text)
        out = report.as_json(schemes_, verdicts, tot, meta, spray_info)
        self.assertEqual(out['resolution']['objects'], rs['objects'])
        self.assertEqual(out['chains'][0]['victim']['resolution']['reason'],
                         'gone: gone from the source')


if __name__ == '__main__':
    unittest.main()
