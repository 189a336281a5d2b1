#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks on the files a live test boot exported (tests/guest/workload.sh).

    KPART_LIVE_DIR=out/guest-files python3 -m unittest -v tests/host/check_live.py

- the report's histogram adds up to the workload's own record;
- typed mode: pointer-holding workload types only in the top half;
- random mode: the workload's call sites reach at least half of the 16
  partitions, and two loads map them differently;
- black box: allocating a type raises active_objs in the cache
  scripts/kpart-token predicts, by exactly its object count when no other
  workload type shares its partition;
- kpart's debugfs partitions file counts allocations exactly where the
  workload's objects are, and none that fell back to plain kmalloc.
"""

import os
import subprocess
import sys
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TOP / 'scripts'))
from importlib.machinery import SourceFileLoader  # noqa: E402

report = SourceFileLoader('kpart_report', str(TOP / 'scripts' / 'kpart-report')).load_module()

LIVE = Path(os.environ.get('KPART_LIVE_DIR', TOP / 'out' / 'guest-files'))
PARTITIONS = 16

# Workload types and whether they hold a pointer (c_workload.c, kpart_workload.rs).
POINTER_TYPES = {'file', 'inode', 'sk_buff', 'msg_msg', 'pipe_buffer', 'simple_xattr',
                 'kpart_wl_session'}
POINTER_FREE_TYPES = {'string', 'unsigned char', 'unsigned int', 'kpart_wl_stats',
                      'kpart_wl_sample', 'unsigned long long'}

# Black box: (type, pointer flag, size class, objects at scale 1).
BLACK_BOX = [
    ('kpart_wl_stats', False, '96', 200),     # C: u64[8] + u32, 72 bytes
    ('kpart_wl_session', True, '64', 300),    # Rust: u64 + pointer + [u8; 48]
    ('kpart_wl_sample', False, '32', 300),    # Rust: u64 + [u32; 6]
]


def read(name):
    path = LIVE / name
    if not path.exists():
        if 'KPART_LIVE_DIR' in os.environ:
            raise AssertionError(f'{path} missing: the guest did not export it')
        raise unittest.SkipTest(f'{path} missing: run the guest tests first')
    return path.read_text()


def token(name, pointer, max_=PARTITIONS):
    args = [str(TOP / 'scripts' / 'kpart-token'), '--max', str(max_)]
    if pointer:
        args.append('--pointer')
    return int(subprocess.check_output(args + [name], text=True))


class Live(unittest.TestCase):
    def load(self, mode):
        caches = report.parse_slabinfo(read(f'slabinfo-{mode}'))
        before = report.parse_slabinfo(read(f'slabinfo-{mode}-before'))
        types = report.parse_types(read(f'types-{mode}'))
        return caches, before, types

    def test_histogram_adds_up_to_the_workload(self):
        for mode in ('typed', 'random'):
            caches, before, types = self.load(mode)
            delta = {k: v - before.get(k, 0) for k, v in caches.items()}
            r = report.analyse(delta, types)
            # Every workload allocation is kpart's: none spilled to kmalloc.
            self.assertEqual(r['workload_unpartitioned'], 0, mode)
            self.assertEqual(r['total_objects'], r['workload_objects'], mode)
            for matrix, m in r['matrices'].items():
                self.assertEqual(sum(m['per_partition']), sum(m['per_size'].values()))
                # Partition by partition, the caches grew by exactly the
                # objects the workload put there.
                placed = [0] * len(m['per_partition'])
                for _, _, mx, part, objs in types:
                    if mx == matrix:
                        placed[part] += objs
                self.assertEqual(m['per_partition'], placed, f'{mode} {matrix}')

    def test_typed_pointer_types_in_the_top_half(self):
        _, _, types = self.load('typed')
        seen = set()
        for name, _, matrix, part, objs in types:
            if matrix == 'kmalloc':
                continue
            seen.add(name)
            if name in POINTER_TYPES:
                self.assertGreaterEqual(part, PARTITIONS // 2, name)
            else:
                self.assertIn(name, POINTER_FREE_TYPES)
                self.assertLess(part, PARTITIONS // 2, name)
        self.assertEqual(seen, POINTER_TYPES | POINTER_FREE_TYPES)

    def test_typed_partitions_are_the_predicted_ones(self):
        _, _, types = self.load('typed')
        for name, _, matrix, part, objs in types:
            if matrix == 'kmalloc':
                continue
            if name == 'string':
                # No sizeof in kpart_kstrdup(), but the result initialises a
                # `char *`: Clang infers `char`.
                self.assertEqual(part, token('char', False))
                continue
            self.assertEqual(part, token(name, name in POINTER_TYPES), name)

    def test_random_sites_spread(self):
        for mode in ('random', 'random2'):
            _, _, types = self.load(mode)
            parts = {part for (_, _, matrix, part, _) in types if matrix == 'plain'}
            # About 40 sites in 16 partitions: a uniform hash reaches 10 to
            # 16 of them (fewer than 12 for 1 load in 700), a hash of sites
            # at a regular stride fewer still for some seeds. Fewer than half
            # means a broken router.
            self.assertGreaterEqual(len(parts), 8, f'{mode}: {sorted(parts)}')

    def test_random_loads_differ(self):
        maps = []
        for mode in ('random', 'random2'):
            _, _, types = self.load(mode)
            maps.append(sorted(types))
        self.assertNotEqual(maps[0], maps[1])

    def test_black_box_prediction(self):
        caches, before, types = self.load('typed')
        exact = 0
        for name, pointer, size, objects in BLACK_BOX:
            part = token(name, pointer)
            cache = ('plain', part, size)
            grown = caches.get(cache, 0) - before.get(cache, 0)
            # Other workload types in the same partition may share the size
            # class; without them the growth is exact.
            others = sum(objs for (n, _, mx, p, objs) in types
                         if mx == 'plain' and p == part and n != name)
            msg = f'{name}: kpart-{part:02d}-{size} grew by {grown}'
            if others:
                self.assertGreaterEqual(grown, objects, msg)
                self.assertLessEqual(grown, objects + others, msg)
            else:
                self.assertEqual(grown, objects, msg)
                exact += 1
        self.assertGreater(exact, 0, 'no black-box type alone in its partition')

    def test_debugfs_counts_allocations_where_the_objects_are(self):
        # Loaded without stats=1, kpart counts nothing and says so.
        self.assertTrue(read('partitions-typed').startswith(
            '# allocations are counted when kpart is loaded with stats=1'))
        for mode in ('random',):
            _, _, types = self.load(mode)
            counted, fallback = {}, None
            for line in read(f'partitions-{mode}').splitlines():
                if not line or line.startswith('#'):
                    continue
                matrix, part, allocs = line.split('\t')
                if matrix == 'kmalloc':
                    fallback = int(allocs)
                else:
                    counted[(matrix, int(part))] = int(allocs)
            self.assertEqual(fallback, 0, f'{mode}: allocations fell back to kmalloc')
            self.assertEqual(len(counted), 2 * PARTITIONS, mode)
            placed = {}
            for _, _, matrix, part, objs in types:
                placed[(matrix, part)] = placed.get((matrix, part), 0) + objs
            for cell, allocs in counted.items():
                self.assertGreaterEqual(allocs, placed.get(cell, 0), f'{mode} {cell}')
                self.assertEqual(allocs > 0, placed.get(cell, 0) > 0, f'{mode} {cell}: {allocs}')


if __name__ == '__main__':
    unittest.main()
