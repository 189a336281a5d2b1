#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/kpart-sites on the module make wrap builds from
tests/wrap (kpart_wrap_family.c, written against plain kmalloc): the sites it
finds are the family calls of the source, with the type Clang infers at each,
the token scripts/kpart-token computes for that type (0 where nothing is
inferred), and the partition kpart's rebound gives it. Needs the built test
kernel; builds the wrapped module (scripts/kpart-wrap) when it is missing."""

import json
import re
import subprocess
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
SOURCE = TOP / 'tests' / 'wrap' / 'kpart_wrap_family.c'
WRAPPED = TOP / 'out' / 'wrap' / 'tests' / 'wrap'
FAMILY = re.compile(r'\b(kmalloc|kzalloc|kmalloc_array|kcalloc|kmalloc_node|kzalloc_node|'
                    r'kmalloc_array_node|kcalloc_node|krealloc|krealloc_array|kmemdup|'
                    r'kmemdup_nul|kstrdup|kstrndup|kvmalloc|kvzalloc|kvcalloc|'
                    r'kvmalloc_array|kvrealloc|kpart_kmalloc|kpart_kzalloc|'
                    r'kpart_kmalloc_obj|kpart_kzalloc_obj|kpart_kmalloc_array|'
                    r'kpart_kcalloc|kpart_krealloc|kpart_kmemdup|kpart_kstrdup)\(')


def kpart_token(name, pointer):
    args = [str(TOP / 'scripts' / 'kpart-token'), '--max', '64'] + \
        (['--pointer'] if pointer else []) + [name]
    return int(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def line_of(text):
    """The one line of the source that holds TEXT."""
    lines = [i for i, line in enumerate(SOURCE.read_text().splitlines(), 1) if text in line]
    assert len(lines) == 1, f'{text!r} is on lines {lines}'
    return lines[0]


class Sites(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not (WRAPPED / 'kpart_wrap_family.ko').exists():
            subprocess.run([str(TOP / 'scripts' / 'kpart-wrap'), 'tests/wrap'], cwd=TOP,
                           check=True, capture_output=True)
        r = subprocess.run([str(TOP / 'scripts' / 'kpart-sites'), '--json', '--partitions', '16',
                            str(WRAPPED)], capture_output=True, text=True)
        if r.returncode:
            raise AssertionError(f'kpart-sites failed:\n{r.stderr}')
        cls.res = json.loads(r.stdout)
        cls.by_line = {}
        for s in cls.res['sites']:
            if s['file'].endswith('kpart_wrap_family.c'):
                cls.by_line.setdefault(s['line'], []).append(s)

    def site(self, text):
        line = line_of(text)
        self.assertIn(line, self.by_line, f'no site found on line {line} ({text})')
        self.assertEqual(len(self.by_line[line]), 1)
        return self.by_line[line][0]

    def test_every_family_call_is_a_site(self):
        calls = {i for i, line in enumerate(SOURCE.read_text().splitlines(), 1)
                 if FAMILY.search(line) and not line.lstrip().startswith(('*', '/*', '#'))}
        self.assertEqual(set(self.by_line), calls)

    def test_inferred_types_and_tokens(self):
        for text, type_, pointer in (('node = kmalloc(sizeof(*node), GFP_KERNEL);', 'wrap_node', True),
                                     ('r = kzalloc(sizeof(*r), GFP_KERNEL);', 'wrap_rcu', True),
                                     ('s = kstrdup(text, GFP_KERNEL);', 'char', False)):
            with self.subTest(text=text):
                s = self.site(text)
                self.assertEqual((s['type'], s['pointer']), (type_, pointer))
                self.assertEqual(s['token'], kpart_token(type_, pointer))
                half = 8 if pointer else 0
                self.assertEqual(s['partition'], s['token'] % 32 % 8 + half)

    def test_uninferred_site_gets_the_fallback(self):
        s = self.site('p = kmalloc(opaque(64), GFP_KERNEL);')
        self.assertIsNone(s['type'])
        self.assertEqual((s['token'], s['partition']), (0, 0))

    def test_module_summary(self):
        m = self.res['modules']['kpart_wrap_family.ko']
        sites = self.res['sites']
        self.assertEqual(m['sites'], len(sites))
        self.assertEqual(m['inferred'], sum(s['type'] is not None for s in sites))
        self.assertEqual(sum(p['sites'] for p in self.res['by_partition'].values()), len(sites))

    def test_bad_partitions_refused(self):
        r = subprocess.run([str(TOP / 'scripts' / 'kpart-sites'), '--partitions', '12',
                            str(WRAPPED)], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn('power of two', r.stderr)


if __name__ == '__main__':
    unittest.main()
