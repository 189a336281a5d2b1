#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/kpart-report on /proc/slabinfo texts captured from real
boots of the test kernel (tests/data/, see tests/data/README)."""

import json
import math
import random
import subprocess
import unittest
from importlib.machinery import SourceFileLoader
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
DATA = TOP / 'tests' / 'data'
REPORT = TOP / 'scripts' / 'kpart-report'
report = SourceFileLoader('kpart_report', str(REPORT)).load_module()


def run(*args):
    return subprocess.run([str(REPORT), *map(str, args)], capture_output=True, text=True)


class PertypeBoot(unittest.TestCase):
    """ext4 wrapped and in use with kpart in pertype mode."""
    SLAB = DATA / 'slabinfo-pertype-ext4'
    KTYPES = DATA / 'kpart-types-pertype-ext4'
    SITES = DATA / 'sites-ext4.json'

    def test_types_caches_are_parsed(self):
        text = self.SLAB.read_text()
        caches = report.parse_type_caches(text)
        own = [line.split() for line in text.splitlines()
               if line.startswith(('kpart-t-', 'kpart-s-', 'kpart-cg-t-', 'kpart-cg-s-'))]
        self.assertEqual(sum(sum(s.values()) for s in caches.values()),
                         sum(int(f[1]) for f in own))
        # debugfs lists the same types.
        listed = {int(line.split('\t')[0], 16) for line in self.KTYPES.read_text().splitlines()
                  if line.count('\t') == 4 and not line.startswith('#')}
        self.assertEqual(set(caches), listed)
        # The partitions' caches are still the matrix.
        self.assertEqual(len(report.parse_slabinfo(text)), 16 * 13 * 2)

    def test_sites_name_the_types(self):
        r = run('--json', '--kpart-types', self.KTYPES, '--sites', self.SITES, self.SLAB)
        self.assertEqual(r.returncode, 0, r.stderr)
        types = {t['key']: t['name'] for t in json.loads(r.stdout)['types']}
        sites = json.loads(self.SITES.read_text())['sites']
        path = next(s for s in sites if s['type'] == 'ext4_ext_path')
        self.assertEqual(types[report.alloc_token.token('ext4_ext_path', path['pointer'],
                                                        report.BOUND)], 'ext4_ext_path [C]')
        self.assertNotIn('?', types.values())
        # Without the sites, C types have no name.
        r = run('--json', '--kpart-types', self.KTYPES, self.SLAB)
        self.assertIn('?', [t['name'] for t in json.loads(r.stdout)['types']])


class PertypeWorkload(unittest.TestCase):
    """The workload in pertype mode (tests/data/README): every type in its
    own caches, four sk_buffs allocated in atomic context before theirs
    existed in sk_buff's typed partition, kpart-15-256."""
    SLAB = DATA / 'slabinfo-pertype-workload'
    TYPES = DATA / 'types-pertype-workload'

    def json_report(self):
        r = run('--json', '--types', self.TYPES, self.SLAB)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_types_only_beside_partitions_that_hold_objects(self):
        r = self.json_report()
        for matrix, m in r['matrices'].items():
            # The record counts every object of a type, most of them in its
            # own caches: no counts beside the partitions.
            self.assertEqual(m['dominant_types'], {}, matrix)
            for part in m['fallback_types']:
                self.assertGreater(m['per_partition'][int(part)], 0, (matrix, part))
        self.assertEqual(r['matrices']['plain']['fallback_types'],
                         {'15': ['file [C]', 'file [Rust]', 'sk_buff [C]']})
        self.assertEqual(r['matrices']['cg']['fallback_types'], {})
        out = run('--types', self.TYPES, self.SLAB)
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = [line.split(None, 2) for line in out.stdout.splitlines()
                if line.startswith('kpart-')]
        self.assertEqual(len(rows), 32)
        for row in rows:
            if row[1] == '0':
                self.assertEqual(len(row), 2, row)
        row15 = next(line for line in out.stdout.splitlines() if line.startswith('kpart-15 '))
        self.assertTrue(row15.endswith('file [C], file [Rust], sk_buff [C]'), row15)
        self.assertIn('<types falling back here>', out.stdout)
        self.assertNotIn('<dominant types>', out.stdout)

    def test_typed_mode_keeps_its_dominant_types(self):
        # The same record beside typed mode's partitions: the types there,
        # with their counts.
        r = report.analyse(report.parse_slabinfo((DATA / 'slabinfo-typed').read_text()),
                           report.parse_types(self.TYPES.read_text()))
        plain = r['matrices']['plain']
        self.assertNotIn('fallback_types', plain)
        self.assertEqual(plain['dominant_types'][4][0], ['string [C]', 500])
        self.assertEqual(plain['dominant_types'][15],
                         [['sk_buff [C]', 300], ['file [C]', 200], ['file [Rust]', 100]])

    def test_entropy_of_one_partition_is_a_positive_zero(self):
        r = self.json_report()
        for matrix, m in r['matrices'].items():
            e = m['skew']['entropy']
            self.assertEqual(e, 0.0, matrix)
            self.assertEqual(math.copysign(1.0, e), 1.0, matrix)
        out = run('--types', self.TYPES, self.SLAB)
        self.assertEqual(out.stdout.count('normalized entropy 0.000'), 2, out.stdout)
        self.assertNotIn('-0.000', out.stdout)

    def test_strings_are_char(self):
        char = report.alloc_token.token('char', False, report.BOUND)
        names = {t['key']: t['name'] for t in self.json_report()['types']}
        self.assertEqual(names[char], 'char [C]')
        self.assertNotIn('?', names.values())
        out = run('--types', self.TYPES, self.SLAB)
        self.assertIn(f'{char:016x}        500  8,16,32,64  char [C]', out.stdout)


class CapturedBoots(unittest.TestCase):
    def captured(self, mode):
        return (DATA / f'slabinfo-{mode}', DATA / f'slabinfo-{mode}-before',
                DATA / f'types-{mode}')

    def test_rows_add_up_to_the_workload(self):
        for mode in ('typed', 'random'):
            slab, before, types = self.captured(mode)
            caches = report.parse_slabinfo(slab.read_text())
            base = report.parse_slabinfo(before.read_text())
            delta = {k: v - base.get(k, 0) for k, v in caches.items()}
            r = report.analyse(delta, report.parse_types(types.read_text()))
            self.assertEqual(r['total_objects'],
                             r['workload_objects'] - r['workload_unpartitioned'], mode)

    def test_every_cache_is_parsed(self):
        slab, _, _ = self.captured('typed')
        caches = report.parse_slabinfo(slab.read_text())
        self.assertEqual(len(caches), 16 * 13 * 2)
        self.assertEqual({p for (_, p, _) in caches}, set(range(16)))

    def test_json_output(self):
        slab, _, types = self.captured('typed')
        out = run('--json', '--types', types, slab)
        self.assertEqual(out.returncode, 0, out.stderr)
        r = json.loads(out.stdout)
        self.assertEqual(r['partitions'], 16)
        self.assertEqual(set(r['matrices']), {'plain', 'cg'})
        for m in r['matrices'].values():
            self.assertEqual(len(m['per_partition']), 16)
            self.assertTrue(0.0 <= m['skew']['entropy'] <= 1.0)
            self.assertGreaterEqual(m['skew']['max_over_mean'], 1.0)

    def test_human_output_has_a_row_per_partition(self):
        slab, _, types = self.captured('typed')
        out = run('--types', types, slab)
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = [line for line in out.stdout.splitlines() if line.startswith('kpart-')]
        self.assertEqual(len(rows), 32)
        self.assertIn('normalized entropy', out.stdout)

    def test_typed_mode_is_more_skewed_than_random(self):
        # Typed mode groups by type: fewer, larger partitions than call sites.
        ent = {}
        for mode in ('typed', 'random'):
            slab, _, types = self.captured(mode)
            r = report.analyse(report.parse_slabinfo(slab.read_text()), [])
            ent[mode] = r['matrices']['plain']['skew']['entropy']
        self.assertLess(ent['typed'], ent['random'])

    def test_no_kpart_caches_is_an_error(self):
        out = subprocess.run([str(REPORT), '-'], input='slabinfo - version: 2.1\n',
                             capture_output=True, text=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('no kpart caches', out.stderr)


class Skew(unittest.TestCase):
    def test_even_distribution(self):
        s = report.skew([5] * 16)
        self.assertEqual(s, {'max_over_mean': 1.0, 'entropy': 1.0})

    def test_one_partition_takes_all(self):
        s = report.skew([0] * 15 + [80])
        self.assertEqual(s['max_over_mean'], 16.0)
        self.assertEqual(s['entropy'], 0.0)
        # Not -0.0, which prints as -0.000.
        self.assertEqual(math.copysign(1.0, s['entropy']), 1.0)
        self.assertEqual(f'{s["entropy"]:.3f}', '0.000')

    def test_entropy_is_within_0_and_1(self):
        rng = random.Random(1)
        for _ in range(2000):
            n = rng.choice((2, 3, 16, 64))
            counts = [rng.choice((0, 0, 0, 1, rng.randrange(1 << 20))) for _ in range(n)]
            e = report.skew(counts)['entropy']
            self.assertTrue(0.0 <= e <= 1.0, (counts, e))
            self.assertEqual(math.copysign(1.0, e), 1.0, counts)


class ShapeBoot(unittest.TestCase):
    """The workload with kpart in shape mode (make run ARGS='--mode shape')."""
    SLAB = DATA / 'slabinfo-shape-workload'
    SHAPE = DATA / 'kpart-shape-workload'
    TABLE = DATA / 'shape-table-workload.json'

    def shape(self):
        r = run('--json', '--shape', self.SHAPE, '--shape-table', self.TABLE, self.SLAB)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)['shape']

    def test_objects_add_up(self):
        text = self.SLAB.read_text()
        live = sum(int(line.split()[1]) for line in text.splitlines()
                   if report.SHAPE_CACHE.match(line.split()[0] if line.split() else ''))
        self.assertGreater(live, 0)
        self.assertEqual(sum(f['objects'] for f in self.shape()['families']), live)

    def test_zones_named_by_their_groups(self):
        families = {f['family']: f for f in self.shape()['families']}
        table = {t['name']: t for t in json.loads(self.TABLE.read_text())['types']}
        zones = report.parse_shape(self.SHAPE.read_text())
        # A pointer-holding type of the workload names the zone debugfs
        # gives it, with its signature; a pointer-free one, the data heap.
        for name in ('msg_msg', 'sk_buff', 'file'):
            zone = zones[table[name]['token']]
            self.assertTrue(zone.startswith('z'), zone)
            groups = families[zone]['groups']
            self.assertIn([table[name]['signature'], name],
                          [[g['signature'], n] for g in groups for n in g['types']])
        data = [n for g in families['data']['groups'] for n in g['types']]
        self.assertIn('kpart_plain', data)
        for f in families.values():
            if f['family'].startswith('z'):
                for g in f['groups']:
                    self.assertTrue(set(g['signature']) & set('13'),
                                    f'{f["family"]}: pointer-free group {g}')

    def test_skew(self):
        s = self.shape()
        zone_objs = [f['objects'] for f in s['families'] if f['family'].startswith('z')]
        self.assertAlmostEqual(s['largest_zone_share'], max(zone_objs) / sum(zone_objs))
        self.assertGreaterEqual(s['types_per_zone_max'], s['types_per_zone_median'])
        self.assertGreaterEqual(s['types_per_zone_median'], 1)


if __name__ == '__main__':
    unittest.main()
