#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of shape mode's host side (scripts/shape, scripts/kpart-shape):
layout signatures of C types compiled by clang-22, against signatures
derived by hand, against the offsets and sizes clang itself prints, and, on
the built test kernel, against pahole's view of kernel structs; the groups,
the budget split and the per-seed caches; the signature table against
include/kpart_shape.h as a C compiler reads it."""

import json
import random
import re
import shutil
from shlex import quote as shlex_quote
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
SHAPE = TOP / 'scripts' / 'kpart-shape'
sys.path.insert(0, str(TOP / 'scripts'))
from shape import groups, layout, table  # noqa: E402
from shape.groups import ShapeType  # noqa: E402

HAVE_CLANG = shutil.which('clang-22') is not None


def compile_ir(source, *flags):
    """The LLVM IR of C SOURCE, with full debug information."""
    with tempfile.TemporaryDirectory() as d:
        c = Path(d) / 't.c'
        c.write_text(source)
        r = subprocess.run(['clang-22', '-S', '-emit-llvm', '-g',
                            '-fno-eliminate-unused-debug-types', *flags, '-o', '-', str(c)],
                           capture_output=True, text=True)
    if r.returncode:
        raise AssertionError(f'clang-22 failed:\n{r.stderr}')
    return r.stdout


def run_c(source, *args, flags=()):
    """Compile and run C SOURCE; its standard output."""
    with tempfile.TemporaryDirectory() as d:
        c, exe = Path(d) / 't.c', Path(d) / 't'
        c.write_text(source)
        r = subprocess.run(['clang-22', '-O0', *flags, '-o', str(exe), str(c)],
                           capture_output=True, text=True)
        if r.returncode:
            raise AssertionError(f'clang-22 failed:\n{r.stderr}')
        return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True,
                              check=True).stdout


# (C definition, token name, size, signature), each derived by hand.
KNOWN = [
    ('struct list_head { struct list_head *next, *prev; };', 'list_head', 16, '11'),
    ('struct pd { void *p; unsigned long x; };', 'pd', 16, '12'),
    ('struct iip { int a; int b; void *p; };', 'iip', 16, '21'),
    ('struct c1 { char c; };', 'c1', 1, '2'),
    ('struct lc { long a; char b; };', 'lc', 16, '22'),
    ('union un { long a; char *s; };', 'un', 8, '3'),
    ('union wide { char c; struct { int a; void *p; } s; };', 'wide', 16, '21'),
    ('union su { struct { int a; int b; } s; void *p; };', 'su', 8, '3'),
    # Bitfields: a:3 and b:20 share bytes 0..2 with c; d and e bytes 16..21.
    ('struct bf { unsigned a:3, b:20; int c; void *q; unsigned d:1; '
     'unsigned long long e:40; };', 'bf', 24, '212'),
    ('struct bfp { void *p; unsigned x:1; };', 'bfp', 16, '12'),
    # Arrays, multi-dimensional; arrays of structs repeat the layout.
    ('struct arr { int m[2][3]; void *l[4]; };', 'arr', 56, '2221111'),
    ('struct elem { int a; void *p; }; struct aos { struct elem e[2]; char t; };',
     'aos', 40, '21212'),
    ('struct a3 { char m[3][3][3]; };', 'a3', 27, '2222'),
    # A flexible array adds nothing, of pointers neither; [0] is one too.
    ('struct flex { int n; void *p; char data[]; };', 'flex', 16, '21'),
    ('struct flexp { long n; void *p[]; };', 'flexp', 8, '2'),
    ('struct z0 { long l; int zero[0]; };', 'z0', 8, '2'),
    ('struct flexal { long a __attribute__((aligned(32))); void *q[]; };', 'flexal', 32, '2000'),
    # Pointers through typedefs, qualifiers, _Atomic, function pointers.
    ('struct target; typedef struct target *target_p; struct tp { target_p a; int b; };',
     'tp', 16, '12'),
    ('typedef void (*cb_t)(int); struct cbs { int x; cb_t f; void (*g)(void); };',
     'cbs', 24, '211'),
    ('struct cv { const char * const cp; volatile int v; _Atomic(void *) ap; '
     'int *restrict rp; _Atomic long al; };', 'cv', 40, '12112'),
    ('struct parr { int (*pa)[4]; char (*pf)(char); };', 'parr', 16, '11'),
    # uintptr_t is a pointer, as for the allocation token's pointer flag.
    ('typedef unsigned long uintptr_t; struct up { uintptr_t v; unsigned long w; };',
     'up', 16, '12'),
    # Packed: the pointer straddles granules, which then hold both kinds.
    ('struct __attribute__((packed)) pk { char c; void *p; };', 'pk', 9, '31'),
    ('struct __attribute__((packed)) pk2 { char a[5]; void *p; char b; };', 'pk2', 14, '33'),
    # Padding granules, and padding never clears a granule.
    ('struct gap { char c; long x __attribute__((aligned(16))); };', 'gap', 32, '2020'),
    ('struct al { char c; } __attribute__((aligned(32)));', 'al', 32, '2000'),
    # Nested anonymous members; a typedef'd anonymous struct by its name.
    ('struct nest { struct { int x; void (*f)(void); }; union { int y; void *z; } u; };',
     'nest', 24, '213'),
    ('typedef struct { void *p; int n; } anon_t;', 'anon_t', 16, '12'),
    ('enum colour { RED, GREEN }; struct en { enum colour c; _Bool b; float f; double d; };',
     'en', 24, '222'),
    ('struct big { void *p; char pad[8184]; };', 'big', 8192, '1' + '2' * 1023),
]

# Names Clang's token uses for other types, laid out without a definition.
BUILTIN_NAMES = [('char *', 8, '1', True), ('const char *', 8, '1', True),
                 ('void (*)(int)', 8, '1', True), ('unsigned long long', 8, '2', False),
                 ('_Bool', 1, '2', False), ('int[4]', 16, '22', False),
                 ('char *[3]', 24, '111', False), ('long double', 16, '22', False)]


@unittest.skipUnless(HAVE_CLANG, 'clang-22 is not installed')
class KnownLayouts(unittest.TestCase):
    """Types whose signatures were derived by hand."""

    @classmethod
    def setUpClass(cls):
        cls.ir = compile_ir('\n'.join(src for src, *_ in KNOWN) + '\n')
        cls.types = layout.TypeTable(cls.ir)

    def test_known(self):
        for src, name, size, sig in KNOWN:
            with self.subTest(name=name):
                lay = self.types.get(name)
                self.assertIsNotNone(lay, src)
                self.assertEqual((lay.size, lay.signature), (size, sig), src)
                self.assertEqual(len(lay.signature), -(-size // 8))
                self.assertFalse(lay.pointer)

    def test_names_without_definition(self):
        for name, size, sig, pointer in BUILTIN_NAMES:
            with self.subTest(name=name):
                self.assertEqual(self.types.get(name), layout.Layout(size, sig, pointer))

    def test_typedef_names(self):
        self.assertEqual(self.types.get('target_p'), layout.Layout(8, '1', True))
        self.assertEqual(self.types.get('cb_t'), layout.Layout(8, '1', True))
        self.assertEqual(self.types.get('uintptr_t').signature, '1')
        self.assertEqual(self.types.get('const volatile pd'), self.types.get('pd'))
        self.assertIsNone(self.types.get('const void'))
        self.assertIsNone(self.types.get('target'))     # declared, never defined
        self.assertIsNone(self.types.get('no_such_type'))

    def test_layouts_lists_every_complete_type(self):
        found = layout.layouts(self.ir)
        for _, name, size, sig in KNOWN:
            self.assertEqual(found[name].signature, sig)
        self.assertIn('colour', found)
        self.assertNotIn('target', found)
        only = layout.layouts(self.ir, ['pd', 'char *', 'nothing'])
        self.assertEqual(sorted(only), ['char *', 'pd'])

    def test_without_unused_types(self):
        """Plain -g leaves out a type only sizeof() names: why kpart-shape
        adds -fno-eliminate-unused-debug-types."""
        src = 'struct only_sizeof { void *p; }; unsigned long f(void) ' \
              '{ return sizeof(struct only_sizeof); }\n'
        with tempfile.TemporaryDirectory() as d:
            c = Path(d) / 't.c'
            c.write_text(src)
            plain = subprocess.run(['clang-22', '-S', '-emit-llvm', '-g', '-o', '-', str(c)],
                                   capture_output=True, text=True, check=True).stdout
        self.assertIsNone(layout.TypeTable(plain).get('only_sizeof'))
        self.assertEqual(layout.TypeTable(compile_ir(src)).get('only_sizeof').signature, '1')

    def test_unnamed_struct(self):
        ir = compile_ir('unsigned long f(void) {\n  return sizeof(struct { int a; void *p; });\n}'
                        '\nstruct { long x; } v;\n')
        t = layout.TypeTable(ir)
        self.assertEqual(t.get('(unnamed struct at t.c:4:1)'), layout.Layout(8, '2'))
        # Debug information has no type that only sizeof() names.
        self.assertIsNone(t.get('(unnamed struct at t.c:2:17)'))

    def test_merge(self):
        m = layout.merge(layout.Layout(16, '12'), layout.Layout(8, '2'))
        self.assertEqual(m, layout.Layout(16, '32'))
        self.assertEqual(layout.merge(layout.Layout(8, '1'), layout.Layout(24, '002')),
                         layout.Layout(24, '102'))


# The random structs of the property check.
SCALARS = [('char', 2), ('short', 2), ('int', 2), ('long', 2), ('unsigned long long', 2),
           ('float', 2), ('double', 2), ('_Bool', 2), ('enum col', 2), ('void *', 1),
           ('char *', 1), ('fn_t', 1), ('const char *', 1), ('_Atomic long', 2),
           ('struct s0 *', 1)]


def random_structs(rng, count):
    """C source of COUNT random structs, and per struct its leaves: (path
    for offsetof, code)."""
    defs, leaves = [], {}
    for i in range(count):
        members, lv = [], []
        for j in range(rng.randint(1, 6)):
            m, what = f'm{j}', rng.random()
            if what < 0.45 or i == 0:
                t, code = rng.choice(SCALARS)
                members.append(f'{t} {m};')
                lv.append((m, code))
            elif what < 0.6:
                t, code = rng.choice(SCALARS)
                n = rng.randint(1, 4)
                members.append(f'{t} {m}[{n}];')
                lv.append((m, code))            # one leaf: the whole array
            elif what < 0.75:
                u = rng.sample(SCALARS, rng.randint(2, 3))
                members.append('union { ' + ' '.join(f'{t} u{k};' for k, (t, _) in
                                                     enumerate(u)) + f' }} {m};')
                lv += [(f'{m}.u{k}', code) for k, (_, code) in enumerate(u)]
            else:
                k = rng.randrange(i)
                n = rng.choice([0, 0, 1, 2, 3])
                if n:
                    members.append(f'struct s{k} {m}[{n}];')
                    lv += [(f'{m}[{e}].{p}', code) for e in range(n) for p, code in leaves[k]]
                else:
                    members.append(f'struct s{k} {m};')
                    lv += [(f'{m}.{p}', code) for p, code in leaves[k]]
        packed = ' __attribute__((packed))' if rng.random() < 0.2 else ''
        defs.append(f'struct{packed} s{i} {{ ' + ' '.join(members) + ' };')
        leaves[i] = lv
    return '\n'.join(defs), leaves


def expected_signature(size, placed):
    """The signature from (offset, size, code) leaves, as defined."""
    cells = [0] * (-(-size // 8))
    for off, n, code in placed:
        for g in range(off // 8, -(-(off + n) // 8)):
            cells[g] |= code
    return ''.join('0123'[c] for c in cells)


@unittest.skipUnless(HAVE_CLANG, 'clang-22 is not installed')
class AgainstClangOffsets(unittest.TestCase):
    """Random structs: the signature from debug information equals the one
    from the offsets and sizes the compiled program prints."""

    def test_random_structs(self):
        rng = random.Random(20240607)
        defs, leaves = random_structs(rng, 60)
        prelude = '#include <stddef.h>\n#include <stdio.h>\nenum col { A, B };\n' \
                  'typedef void (*fn_t)(int);\n'
        prints = []
        for i, lv in leaves.items():
            prints.append(f'printf("s{i} size %zu\\n", sizeof(struct s{i}));')
            for path, code in lv:
                prints.append(f'printf("s{i} leaf %zu %zu {code}\\n", '
                              f'offsetof(struct s{i}, {path}), '
                              f'sizeof(((struct s{i} *)0)->{path}));')
        src = prelude + defs + '\nint main(void) {\n' + '\n'.join(prints) + '\nreturn 0;\n}\n'
        sizes, placed = {}, {}
        for line in run_c(src).splitlines():
            f = line.split()
            if f[1] == 'size':
                sizes[f[0]] = int(f[2])
            else:
                placed.setdefault(f[0], []).append((int(f[2]), int(f[3]), int(f[4])))
        types = layout.TypeTable(compile_ir(src))
        self.assertEqual(len(sizes), 60)
        for name, size in sizes.items():
            with self.subTest(name=name):
                lay = types.get(name)
                self.assertEqual(lay.size, size)
                self.assertEqual(lay.signature, expected_signature(size, placed[name]))


def shape(token, size, sig, name=None):
    return ShapeType(token, size, sig, name=name)


class Grouping(unittest.TestCase):
    """Groups per size class: sorted signatures, a prefix joins."""

    def test_size_classes(self):
        self.assertEqual([groups.size_class(s) for s in (1, 8, 9, 16, 65, 96, 97, 8192)],
                         [0, 0, 1, 1, 4, 4, 5, 12])
        self.assertIsNone(groups.size_class(8193))

    def test_prefix_chain(self):
        # Class 3 (33..64 bytes): lengths vary, the class is the size's.
        ts = [shape(1, 64, '12000000'), shape(2, 40, '11200'), shape(3, 48, '110000'),
              shape(4, 40, '11000'), shape(5, 64, '11000000'), shape(6, 56, '2222222')]
        self.assertEqual(groups.group(ts)[3], 4)
        # Sorted: 11000, 110000, 11000000 | 11200 | 12000000 | 2222222.
        self.assertEqual([t.group for t in ts], [2, 1, 0, 0, 0, 3])
        self.assertEqual({t.klass for t in ts}, {3})

    def test_only_the_previous_one(self):
        # "1" < "11" < "12": "12" follows "11", not a prefix of it.
        ts = [shape(1, 8, '1'), shape(2, 16, '12'), shape(3, 16, '11')]
        counts = groups.group(ts)
        self.assertEqual(counts[:2], [1, 2])
        ts = [shape(1, 16, '1'), shape(2, 16, '12'), shape(3, 16, '11')]
        self.assertEqual(groups.group(ts)[1], 2)
        self.assertEqual([t.group for t in ts], [0, 1, 0])

    def test_equal_signatures_and_classes(self):
        ts = [shape(1, 16, '12'), shape(2, 16, '12'), shape(3, 24, '120'), shape(4, 8, '1')]
        counts = groups.group(ts)
        self.assertEqual(counts[1], 1)
        self.assertEqual(counts[2], 1)          # the same signature, another class
        self.assertEqual(counts[0], 1)
        self.assertEqual(sum(counts), 3)

    def test_sizes_outside(self):
        with self.assertRaises(ValueError):
            groups.group([shape(1, 8193, '1' * 1025)])
        with self.assertRaises(ValueError):
            groups.group([shape(1, 0, '')])


class Budget(unittest.TestCase):
    """The budget split: S single caches, G for the groups, z per class."""

    def test_examples(self):
        counts = [1, 5, 100] + [0] * 10
        sp = groups.split(20, counts)
        self.assertEqual((sp.singles, sp.groups), (6, 14))
        self.assertEqual(sp.zones[:4], (1, 2, 13, 0))
        sp = groups.split(100, [3, 0, 10] + [0] * 10)
        self.assertEqual((sp.singles, sp.groups, sp.zones[:3]), (30, 70, (3, 0, 10)))

    def test_budget_one(self):
        sp = groups.split(1, [1, 4, 0, 7] + [0] * 9)
        self.assertEqual((sp.singles, sp.groups), (0, 1))
        self.assertEqual(sp.zones[:4], (1, 2, 0, 2))

    def test_properties(self):
        rng = random.Random(7)
        for _ in range(500):
            counts = [rng.choice([0, 0, 1, 2, rng.randint(1, 300)]) for _ in groups.CLASSES]
            b = rng.randint(1, groups.MAX_BUDGET)
            sp = groups.split(b, counts)
            self.assertEqual(sp.singles + sp.groups, b)
            self.assertEqual(sp.singles, b * 3 // 10)
            for n, z in zip(counts, sp.zones):
                self.assertTrue(z == 0 if n == 0 else min(n, 2) <= z <= n, (counts, b))
            if sum(counts):
                self.assertLessEqual(sum(sp.zones), sp.groups + 2 * len(groups.CLASSES))

    def test_bounds(self):
        for b in (0, 1025):
            with self.assertRaises(ValueError):
                groups.split(b, [1] * 13)


def random_types(rng, n):
    ts, seen = [], set()
    while len(ts) < n:
        size = rng.choice([8, 16, 24, 40, 64, 96, 200])
        sig = ''.join(rng.choice('0121212123') for _ in range(-(-size // 8)))
        token = rng.getrandbits(63)
        if token not in seen:
            seen.add(token)
            ts.append(shape(token, size, sig))
    return ts


class Caches(unittest.TestCase):
    """The per-seed model of which types share a cache."""

    def setUp(self):
        self.types = random_types(random.Random(3), 300)
        self.counts = groups.group(self.types)

    def test_deterministic_per_seed(self):
        a = groups.cache_of(self.types, 64, 42)
        self.assertEqual(a, groups.cache_of(self.types, 64, 42))
        self.assertTrue(any(groups.cache_of(self.types, 64, s) != a for s in range(1, 4)))

    def test_rules(self):
        sp = groups.split(64, self.counts)
        for seed in range(20):
            caches = groups.cache_of(self.types, 64, seed)
            singles = [t for t in self.types if caches[t.token][0] == 'single']
            holders = [t for t in self.types if t.holds_pointer]
            self.assertEqual(len(singles), min(sp.singles, len(holders)))
            self.assertTrue(all(t.holds_pointer for t in singles))
            for t in self.types:
                c = caches[t.token]
                if not t.holds_pointer:
                    self.assertEqual(c, ('data', t.klass))
                elif c[0] == 'zone':
                    self.assertEqual(c[1], t.klass)
                    self.assertLess(c[2], sp.zones[t.klass])
            # One group, one zone; another class, another cache.
            zone_of = {}
            for t in self.types:
                c = caches[t.token]
                if c[0] == 'zone':
                    self.assertEqual(zone_of.setdefault((t.klass, t.group), c), c)
            a, b = self.types[0], next(t for t in self.types if t.klass != self.types[0].klass)
            self.assertFalse(groups.share(self.types, 64, seed, a.token, b.token))

    def test_groups_spread(self):
        """Over seeds, each group of a class lands in every zone."""
        k = max(range(13), key=lambda c: self.counts[c])
        z = groups.split(64, self.counts).zones[k]
        t = next(t for t in self.types if t.klass == k and t.holds_pointer)
        seen = set()
        for seed in range(200):
            c = groups.cache_of(self.types, 64, seed)[t.token]
            if c[0] == 'zone':
                seen.add(c[2])
        self.assertEqual(seen, set(range(z)))


# A stub for <linux/types.h>, to compile include/kpart_shape.h on the host.
TYPES_STUB = '''#include <stdint.h>
typedef uint8_t u8; typedef uint16_t __le16; typedef uint32_t __le32;
typedef uint64_t __le64;
'''

HEADER_C = r'''#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kpart_shape.h>
#define F(s, m) printf(#s " " #m " %zu %zu\n", offsetof(struct s, m), \
               sizeof(((struct s *)0)->m))
int main(int argc, char **argv)
{
    printf("header %zu\nentry %zu\n", sizeof(struct kpart_shape_header),
           sizeof(struct kpart_shape_type));
    F(kpart_shape_header, magic); F(kpart_shape_header, version);
    F(kpart_shape_header, types); F(kpart_shape_header, sig_bytes);
    F(kpart_shape_header, groups); F(kpart_shape_header, release);
    F(kpart_shape_header, build);
    F(kpart_shape_type, token); F(kpart_shape_type, size);
    F(kpart_shape_type, sig_offset); F(kpart_shape_type, sig_len);
    F(kpart_shape_type, group); F(kpart_shape_type, class);
    F(kpart_shape_type, flags); F(kpart_shape_type, reserved);
    if (argc < 2)
        return 0;
    /* Read a table the way the module does. */
    FILE *f = fopen(argv[1], "rb");
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    struct kpart_shape_header *h = (void *)buf;
    struct kpart_shape_type *t = (void *)(h + 1);
    const char *sigs = (const char *)(t + h->types);
    printf("file %zu magic %d version %u types %u sig_bytes %u release %s build %s\n", n,
           !memcmp(h->magic, KPART_SHAPE_MAGIC, 8), h->version, h->types, h->sig_bytes,
           h->release, h->build);
    for (int k = 0; k < KPART_SHAPE_CLASSES; k++)
        printf("groups %d %u\n", k, h->groups[k]);
    for (unsigned int i = 0; i < h->types; i++)
        printf("type %llx %u %u %u %u %u %.*s\n", (unsigned long long)t[i].token,
               t[i].size, t[i].class, t[i].group, t[i].flags, t[i].reserved,
               (int)t[i].sig_len, sigs + t[i].sig_offset);
    return 0;
}
'''


class Table(unittest.TestCase):
    """The table file, written and read."""

    def types(self):
        return [ShapeType(0x4000000000000005, 16, '12', name='pd'),
                ShapeType(0x4000000000000001, 8, '1', True, name='char *'),
                ShapeType(0x0000000000000002, 24, '222', name='data'),
                ShapeType(0x4000000000000003, 16, '11', name='list_head'),
                ShapeType(0x4000000000000004, 16, '12', name='other'),
                ShapeType(0x4000000000000006, 100, '1' * 13, name='hundred')]

    def test_round_trip(self):
        data = table.pack(self.types(), '6.12.0-test', '#1 SMP PREEMPT_DYNAMIC')
        self.assertEqual(len(data), 208 + 6 * 24 + len('12' '1' '222' '11' + '1' * 13))
        t = table.unpack(data)
        self.assertEqual((t.release, t.build), ('6.12.0-test', '#1 SMP PREEMPT_DYNAMIC'))
        self.assertEqual([x.token for x in t.types], sorted(x.token for x in self.types()))
        by = {x.token: x for x in t.types}
        self.assertTrue(by[0x4000000000000001].pointer)
        self.assertEqual(by[0x4000000000000006].signature, '1' * 13)
        self.assertEqual(by[0x4000000000000006].klass, 5)
        self.assertEqual(t.groups[:2], [1, 2])
        self.assertEqual(sum(t.groups), 5)
        self.assertEqual(t.groups, groups.group(self.types()))

    def test_merge_one_token(self):
        ts = [ShapeType(7, 16, '12', name='foo'), ShapeType(7, 24, '200', name='foo'),
              ShapeType(9, 8, '1')]
        t = table.unpack(table.pack(ts, 'r', 'b'))
        self.assertEqual([(x.token, x.size, x.signature) for x in t.types],
                         [(7, 24, '320'), (9, 8, '1')])

    def test_rejects(self):
        good = table.pack(self.types(), 'r', 'b')
        self.assertEqual(len(table.unpack(good).types), 6)

        def broken(offset, value):
            data = bytearray(good)
            data[offset:offset + len(value)] = value
            with self.assertRaises(table.TableError):
                table.unpack(bytes(data))
        broken(0, b'KPSHAPE2')
        broken(8, (2).to_bytes(4, 'little'))
        broken(208, (0x4000000000000009).to_bytes(8, 'little'))     # unsorted
        broken(208 + 24, (2).to_bytes(8, 'little'))                 # twice
        broken(208 + 8, (9).to_bytes(4, 'little'))                  # size for class 0
        broken(208 + 20, b'\x05')                                   # class
        broken(208 + 18, b'\x03')                                   # group
        broken(208 + 21, b'\x02')                                   # flags
        broken(len(good) - 1, b'4')                                 # signature byte
        broken(20, (5).to_bytes(4, 'little'))                       # groups[0]
        with self.assertRaises(table.TableError):
            table.unpack(good[:-1])
        with self.assertRaises(table.TableError):
            table.pack(self.types(), 'x' * 68, 'b')
        with self.assertRaises(table.TableError):
            table.pack([ShapeType(1 << 63, 8, '1')], 'r', 'b')
        with self.assertRaises(table.TableError):
            table.pack([ShapeType(1, 16, '1')], 'r', 'b')

    @unittest.skipUnless(HAVE_CLANG, 'clang-22 is not installed')
    def test_header_as_c_reads_it(self):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / 'linux').mkdir()
            (Path(d) / 'linux' / 'types.h').write_text(TYPES_STUB)
            path = Path(d) / 'table'
            table.write(path, self.types(), '6.12.0-test', '#1 SMP')
            out = run_c(HEADER_C, path, flags=('-I', d, '-I', str(TOP / 'include')))
        lines = out.splitlines()
        self.assertEqual(lines[:2], [f'header {table.HEADER.size}', f'entry {table.ENTRY.size}'])
        self.assertEqual(lines[:2], ['header 208', 'entry 24'])
        fields = {' '.join(ln.split()[:2]): tuple(map(int, ln.split()[2:]))
                  for ln in lines[2:17]}
        self.assertEqual(fields, {
            'kpart_shape_header magic': (0, 8), 'kpart_shape_header version': (8, 4),
            'kpart_shape_header types': (12, 4), 'kpart_shape_header sig_bytes': (16, 4),
            'kpart_shape_header groups': (20, 52), 'kpart_shape_header release': (72, 68),
            'kpart_shape_header build': (140, 68),
            'kpart_shape_type token': (0, 8), 'kpart_shape_type size': (8, 4),
            'kpart_shape_type sig_offset': (12, 4), 'kpart_shape_type sig_len': (16, 2),
            'kpart_shape_type group': (18, 2), 'kpart_shape_type class': (20, 1),
            'kpart_shape_type flags': (21, 1), 'kpart_shape_type reserved': (22, 2)})
        # struct.Struct's fields at those offsets.
        self.assertEqual(table.ENTRY.format, '<QIIHHBBH')
        self.assertEqual(table.HEADER.format, '<8sIII13I68s68s')
        head = lines[17].split()
        self.assertEqual(head[1:11], [str(208 + 6 * 24 + 21), 'magic', '1', 'version', '1',
                                      'types', '6', 'sig_bytes', '21', 'release'])
        self.assertEqual(lines[17].split(' build ')[1], '#1 SMP')
        seen = [ln.split() for ln in lines if ln.startswith('type ')]
        want = table.unpack(table.pack(self.types(), 'r', 'b'))
        self.assertEqual(seen, [['type', f'{t.token:x}', str(t.size), str(t.klass),
                                 str(t.group), str(int(t.pointer)), '0', t.signature]
                                for t in want.types])
        self.assertEqual([int(ln.split()[2]) for ln in lines if ln.startswith('groups ')],
                         want.groups)


@unittest.skipUnless(HAVE_CLANG, 'clang-22 is not installed')
class Cli(unittest.TestCase):
    """scripts/kpart-shape's --signatures and --dump."""

    def test_signatures(self):
        with tempfile.TemporaryDirectory() as d:
            c = Path(d) / 't.c'
            c.write_text('\n'.join(src for src, *_ in KNOWN) + '\n')
            r = subprocess.run([str(SHAPE), '--signatures', str(c)], capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            rows = [ln.split('\t') for ln in r.stdout.splitlines()]
            self.assertEqual([n for n, *_ in rows], sorted(n for n, *_ in rows))
            got = {n: (int(s), sig) for n, s, sig in rows}
            for _, name, size, sig in KNOWN:
                self.assertEqual(got[name], (size, sig))
            r = subprocess.run([str(SHAPE), '--signatures', str(c), 'pk', 'char *', 'target_p'],
                               capture_output=True, text=True)
            self.assertEqual((r.returncode, r.stdout),
                             (0, 'pk\t9\t31\nchar *\t8\t1\ntarget_p\t8\t1\n'))
            r = subprocess.run([str(SHAPE), '--signatures', str(c), 'pk', 'nothing'],
                               capture_output=True, text=True)
            self.assertEqual((r.returncode, r.stdout), (1, 'pk\t9\t31\n'))
            self.assertIn('nothing', r.stderr)

    def test_dump(self):
        ts = Table().types()
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / 'shape.bin'
            table.write(path, ts, 'rel', 'ver')
            r = subprocess.run([str(SHAPE), '--dump', str(path)], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('6 types in 5 groups, for rel (ver)', r.stdout)
            self.assertIn(' ?', r.stdout)          # no names without the sidecar
            Path(f'{path}.names').write_text(json.dumps({f'{t.token:016x}': t.name for t in ts}))
            r = subprocess.run([str(SHAPE), '--dump', str(path), '--json'],
                               capture_output=True, text=True)
            got = json.loads(r.stdout)
            self.assertEqual({t['name'] for t in got['types']}, {t.name for t in ts})
            self.assertEqual(got['groups'], groups.group(ts))
            path.write_bytes(b'KPSHAPE1')
            r = subprocess.run([str(SHAPE), '--dump', str(path)], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0)


# make wrap's kpart_wrap.h includes the site tool; kpart-shape adds none to
# a file whose command has include/wrap.
WRAP_TOOL = """#ifdef KPART_WRAP_CATALOGUE
#include KPART_WRAP_CATALOGUE
#endif
"""
FAKE_FOO = WRAP_TOOL + """struct foo { void *p; long n; };
struct dup { int a; };
struct big { char c[9000]; };
void *alloc(unsigned long size, unsigned long token);
#define my_alloc(...) alloc(1, __builtin_infer_alloc_token(__VA_ARGS__))
void *f(int n)
{
    void *a = my_alloc(sizeof(struct foo));
    void *b = my_alloc(sizeof(struct dup));
    void *c = my_alloc(n * sizeof(char *));
    void *d = my_alloc(n);
    void *e = my_alloc(sizeof(struct big));
    return (void *)((long)a ^ (long)b ^ (long)c ^ (long)d ^ (long)e);
}
"""
FAKE_BAR = WRAP_TOOL + """struct dup { long a; long b; };
void *alloc(unsigned long size, unsigned long token);
void *g(void)
{
    return alloc(1, __builtin_infer_alloc_token(sizeof(struct dup)));
}
"""
FAKE_TOKENS = r"""#include <stdio.h>
struct foo { void *p; long n; };
struct dup { long a; long b; };
int main(void)
{
    printf("foo %lu\n", (unsigned long)__builtin_infer_alloc_token(sizeof(struct foo)));
    printf("dup %lu\n", (unsigned long)__builtin_infer_alloc_token(sizeof(struct dup)));
    printf("char * %lu\n", (unsigned long)__builtin_infer_alloc_token(sizeof(char *)));
    return 0;
}
"""


@unittest.skipUnless(HAVE_CLANG and shutil.which('opt-22'), 'clang-22 or opt-22 missing')
class TableOfModules(unittest.TestCase):
    """kpart-shape -o on a module build directory as Kbuild leaves it (the
    saved commands, .mod files and modules.order), of two plain C files
    that call the token builtin as kpart.h's macros do."""

    def test_table(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            kdir, mdir = d / 'kdir', d / 'mod'
            (kdir / 'include' / 'config').mkdir(parents=True)
            (kdir / 'include' / 'generated').mkdir()
            (kdir / 'include' / 'config' / 'kernel.release').write_text('6.12.0-fake\n')
            (kdir / 'include' / 'generated' / 'compile.h').write_text(
                '#define UTS_MACHINE "x86_64"\n')
            (kdir / 'include' / 'generated' / 'utsversion.h').write_text(
                '#define UTS_VERSION "#1 SMP Thu Jan 1"\n')
            mdir.mkdir()
            for name, src in (('foo', FAKE_FOO), ('bar', FAKE_BAR)):
                (mdir / f'{name}.c').write_text(src)
                (mdir / f'{name}.o').write_text('')
                cmd = ['clang-22', '-Wp,-MMD,x.d', '-nostdinc', f'-I{d}/include/wrap',
                       '-I/usr/include', '-D__malloc=__attribute__((__malloc__))',
                       '-D__alloc_size(x)=__attribute__((alloc_size(x)))', '-O2',
                       '-falloc-token-max=9223372036854775808', '-c', '-o',
                       str(mdir / f'{name}.o'), str(mdir / f'{name}.c')]
                (mdir / f'.{name}.o.cmd').write_text(
                    f'savedcmd_{mdir}/{name}.o := {" ".join(map(shlex_quote, cmd))}\n\n'
                    f'source_{name}.o := {mdir}/{name}.c\n')
            (mdir / 'fake.mod').write_text(f'{mdir}/foo.o\n{mdir}/bar.o\n')
            (mdir / 'modules.order').write_text('fake.o\n')
            out = d / 'shape.bin'
            runs = []
            for _ in range(2):      # the second from the objects' caches
                r = subprocess.run([str(SHAPE), '--kdir', str(kdir), '-o', str(out), str(mdir)],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                runs.append((out.read_bytes(), r.stderr))
            self.assertEqual(runs[0], runs[1])
            self.assertTrue((mdir / '.foo.o.shape.json').is_file())
            self.assertIn('1 sites without an inferred type', r.stderr)
            self.assertIn('above 8192 bytes left out: big', r.stderr)
            t = table.read(out)
            names = {int(k, 16): v for k, v in
                     json.loads(Path(f'{out}.names').read_text()).items()}
            tokens = {}
            for line in run_c(FAKE_TOKENS,
                              flags=('-falloc-token-max=9223372036854775808',)).splitlines():
                name, _, token = line.rpartition(' ')
                tokens[name] = int(token)
        self.assertEqual((t.release, t.build), ('6.12.0-fake', '#1 SMP Thu Jan 1'))
        got = {names[x.token]: (x.token, x.size, x.signature, x.pointer) for x in t.types}
        self.assertEqual(got, {
            'foo': (tokens['foo'], 16, '12', False),
            'dup': (tokens['dup'], 16, '22', False),        # int a; and long a, b; merged
            'char *': (tokens['char *'], 8, '1', True)})
        self.assertGreaterEqual(tokens['foo'], 1 << 62)
        self.assertLess(tokens['dup'], 1 << 62)


def test_kernel():
    """The cached test kernel's build directory, None when none is built."""
    r = subprocess.run([str(TOP / 'scripts' / 'build' / 'build-kernel.sh'), '--cached', 'test'],
                       capture_output=True, text=True)
    if r.returncode or not r.stdout.strip():
        return None
    kdir = Path(r.stdout.strip().splitlines()[-1])
    return kdir if (kdir / 'vmlinux').exists() else None


def pahole_signature(text):
    """The signature of one struct from pahole --expand_types's output: the
    independent view. Leaves are lines with an /* offset size */ (or
    /* offset: bit size */ for a bitfield's storage unit) comment; a line
    with '*' declares a pointer. A block whose closing line has no such
    comment is a nested type's definition that pahole prints besides the
    member (an anonymous struct or union): not a member, left out. A
    member that is an array of structs repeats its element's leaves."""
    comment = re.compile(r'/\*\s*(\d+)(?::\s*\d+)?\s+(\d+)\s*\*/\s*$')
    stack = [[]]            # leaves (offset, size, code) of each open block
    size, leaves = None, []
    for line in text.splitlines()[1:]:
        s = line.strip()
        m = re.match(r'/\* size: (\d+),', s)
        if m:
            size = int(m.group(1))
        if s.startswith('/*') and not s.startswith('/* typedef'):
            continue
        s = re.sub(r'^/\* typedef .*?\*/\s*', '', s)
        if s.endswith('{'):
            stack.append([])
            continue
        if s.startswith('}'):
            leaves = stack.pop()
            if not stack:
                continue
            m = comment.search(s)
            if not m:
                continue                    # a type's definition, not a member
            dims = re.findall(r'\[(\d+)\]', s.split('/*')[0])
            count = 1
            for n in dims:
                count *= int(n)
            stride = int(m.group(2)) // count if count else 0
            stack[-1] += [(o + e * stride, n, c) for e in range(count) for o, n, c in leaves]
            continue
        m = comment.search(s)
        if not m:
            continue
        decl = s[:m.start()]
        code = 1 if '*' in decl or 'uintptr_t' in line else 2
        stack[-1].append((int(m.group(1)), int(m.group(2)), code))
    return expected_signature(size, leaves)


KERNEL_STRUCTS = [('ipc/msgutil.c', 'list_head'), ('ipc/msgutil.c', 'msg_msg'),
                  ('fs/pipe.c', 'pipe_buffer'), ('net/core/skbuff.c', 'sk_buff'),
                  ('fs/xattr.c', 'simple_xattr'),
                  ('security/keys/user_defined.c', 'user_key_payload')]


class PaholeParser(unittest.TestCase):
    """The test's own pahole reader, on its output's shapes."""

    def test_shapes(self):
        text = '''struct t {
    struct list_head {
        struct list_head * next;                         /*     0     8 */
        struct list_head * prev;                         /*     8     8 */
    }l; /*     0    16 */
    union {
        long a;                                          /*    16     8 */
        void * b;                                        /*    16     8 */
    };                                                       /*    16     8 */
    union {
        long a;                                          /*     0     8 */
        void * b;                                        /*     0     8 */
    };

    /* typedef u32 -> __u32 */ unsigned int x:3;          /*    24: 0  4 */
    struct e {
        int i;                                           /*    32     4 */
        void (*f)(void);                                 /*    40     8 */
    }es[2]; /*    32    32 */
    char d[];                                                /*    64     0 */

    /* size: 64, cachelines: 1, members: 5 */
};'''
        self.assertEqual(pahole_signature(text), '11322121')


@unittest.skipUnless(HAVE_CLANG and shutil.which('pahole'), 'clang-22 or pahole missing')
class KernelStructs(unittest.TestCase):
    """Kernel structs: layout.py on the IR of a kernel file compiled with
    the kernel's own flags, against pahole on an object of the same file."""

    @classmethod
    def setUpClass(cls):
        cls.kdir = test_kernel()
        if cls.kdir is None:
            raise unittest.SkipTest('no test kernel is built')
        from efficacy import kernel_tree
        cls.src = (cls.kdir / 'source').resolve()
        cls.found = {}
        cls.tmp = tempfile.TemporaryDirectory()
        for rel in sorted({rel for rel, _ in KERNEL_STRUCTS}):
            args, _ = kernel_tree.compile_args(cls.kdir, rel)
            base = ['clang-22'] + args[1:] + ['-g', '-fno-eliminate-unused-debug-types']
            obj = Path(cls.tmp.name) / (rel.replace('/', '_') + '.o')
            for extra in (['-S', '-emit-llvm', '-o', str(obj) + '.ll'], ['-c', '-o', str(obj)]):
                r = subprocess.run(base + extra + [str(cls.src / rel)], cwd=cls.kdir,
                                   capture_output=True, text=True)
                if r.returncode:
                    raise AssertionError(f'{rel}: clang-22 failed:\n{r.stderr[-2000:]}')
            cls.found[rel] = (layout.TypeTable(Path(str(obj) + '.ll').read_text()), obj)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_against_pahole(self):
        for rel, name in KERNEL_STRUCTS:
            with self.subTest(name=name):
                types, obj = self.found[rel]
                lay = types.get(name)
                r = subprocess.run(['pahole', '--expand_types', '-C', name, str(obj)],
                                   capture_output=True, text=True, check=True)
                self.assertTrue(r.stdout.startswith(f'struct {name} {{'), r.stdout[:200])
                want = pahole_signature(r.stdout)
                self.assertEqual(lay.signature, want, f'{name} ({lay.size} bytes)')
                print(f'{name}\t{lay.size}\t{lay.signature}', file=sys.stderr)

    def test_kpart_own_file(self):
        """kpart-shape on kunit/c_pertype.c (which includes kpart.h itself)
        compiled with the kernel's flags: Clang's tokens and the types'
        layouts."""
        from efficacy import kernel_tree
        from importlib.machinery import SourceFileLoader
        tool = SourceFileLoader('kpart_shape', str(SHAPE)).load_module()
        args, _ = kernel_tree.compile_args(self.kdir, 'kernel/fork.c')
        d = Path(self.tmp.name)
        obj = d / 'c_pertype.o'
        obj.write_text('')
        cmd = args + [f'-I{TOP}/include', f'-I{TOP}/c', f'-I{TOP}/kunit', '-DMODULE',
                      '-falloc-token-max=9223372036854775808', '-c', '-o', str(obj),
                      str(TOP / 'kunit' / 'c_pertype.c')]
        (d / '.c_pertype.o.cmd').write_text(
            f'savedcmd_{obj} := {" ".join(map(shlex_quote, cmd))}\n')
        res = tool.object_types(obj, d / '.c_pertype.o.cmd', self.kdir)
        got = {name: (size, sig) for token, name, _, size, sig in res['types']}
        self.assertEqual({k: v for k, v in got.items() if k.startswith('kpart_pt_')}, {
            'kpart_pt_a': (24, '222'), 'kpart_pt_g': (24, '222'), 'kpart_pt_k': (24, '222'),
            'kpart_pt_b': (24, '122'), 'kpart_pt_i': (24, '122'), 'kpart_pt_o': (24, '111'),
            'kpart_pt_atomic_c': (16, '12'), 'kpart_pt_acct': (48, '122222'),
            'kpart_pt_over_c': (32, '1222')})
        for token, name, _, size, sig in res['types']:
            self.assertEqual(token >= 1 << 62, '1' in sig or '3' in sig, name)


if __name__ == '__main__':
    unittest.main()
