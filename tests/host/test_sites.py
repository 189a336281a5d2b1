#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of make wrap's tools.

Sites: scripts/kpart-sites on the module make wrap builds from tests/wrap
(kpart_wrap_family.c, written against plain kmalloc): the sites it finds are
the calls of the source that make wrap routes, with the type Clang infers at
each, the token scripts/kpart-token computes for that type (0 where nothing
is inferred), and the partition kpart's rebound gives it; and kpart-wrap's
report of the allocating kernel functions the module still calls. Needs the
built test kernel; builds the wrapped modules (scripts/kpart-wrap) when they
are missing.

Helpers: scripts/wrap/helpers.py's derivation of the kernel's allocating
functions, on a small made-up kernel tree whose answers follow from its
text, on a module compiled here, and, when the kernel source is there, on
the kernel itself; and the list of what include/kpart_wrap.h routes."""

import json
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
SOURCE = TOP / 'tests' / 'wrap' / 'kpart_wrap_family.c'
WRAPPED = TOP / 'out' / 'wrap' / 'tests' / 'wrap'
WRAPPED_LIB = TOP / 'out' / 'wrap' / 'tests' / 'wrap-lib'
sys.path.insert(0, str(TOP / 'scripts'))

from wrap import helpers  # noqa: E402

FAMILY = re.compile(r'\b(kmalloc|kzalloc|kmalloc_array|kcalloc|kmalloc_node|kzalloc_node|'
                    r'kmalloc_array_node|kcalloc_node|kmalloc_track_caller|'
                    r'kmalloc_node_track_caller|krealloc|krealloc_array|kmemdup|'
                    r'kmemdup_nul|kstrdup|kstrndup|kvmalloc|kvzalloc|kvcalloc|'
                    r'kvmalloc_array|kvrealloc|kstrdup_const|kasprintf|kvasprintf|'
                    r'kvasprintf_const|kmemdup_array|kvmemdup|nla_strdup|nla_memdup|'
                    r'memdup_user|vmemdup_user|memdup_array_user|vmemdup_array_user|'
                    r'memdup_user_nul|strndup_user|kpart_kmalloc|kpart_kzalloc|'
                    r'kpart_kmalloc_obj|kpart_kzalloc_obj|kpart_kmalloc_array|'
                    r'kpart_kcalloc|kpart_krealloc|kpart_kmemdup|kpart_kstrdup)\(')
# What the brief of make wrap names: allocating helpers whose result the
# module owns and frees, besides the kmalloc family itself.
HELPERS = ('nla_strdup', 'nla_memdup', 'kasprintf', 'kvasprintf', 'kmemdup_array',
           'memdup_user', 'memdup_user_nul', 'vmemdup_user', 'kstrdup_const', 'kvmemdup')


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
        for src, out in (('tests/wrap', WRAPPED), ('tests/wrap-lib', WRAPPED_LIB)):
            if not (out / 'kpart-wrap.json').exists():
                subprocess.run([str(TOP / 'scripts' / 'kpart-wrap'), src], cwd=TOP,
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
        sites = [s for s in self.res['sites'] if s['module'] == 'kpart_wrap_family.ko']
        self.assertEqual(m['sites'], len(sites))
        self.assertEqual(m['inferred'], sum(s['type'] is not None for s in sites))
        self.assertEqual(sum(p['sites'] for p in self.res['by_partition'].values()),
                         len(self.res['sites']))

    def test_report_of_the_rest(self):
        """kpart-wrap's report: every allocation of the family module goes
        through kpart but those of its own slab cache; the FORTIFY suite's
        devm_* calls do not."""
        report = json.loads((WRAPPED / 'kpart-wrap.json').read_text())
        self.assertEqual([e['symbol'] for e in report['kpart_wrap_family.ko']],
                         ['kmem_cache_alloc_noprof'])
        report = json.loads((WRAPPED_LIB / 'kpart-wrap.json').read_text())
        rest = {e['symbol'] for e in report['wrap_fortify.ko']}
        self.assertIn('devm_kmalloc', rest)
        self.assertFalse(rest & {'kmemdup_array', '__kmalloc_noprof', 'kmemdup_noprof'}, rest)

    def test_bad_partitions_refused(self):
        r = subprocess.run([str(TOP / 'scripts' / 'kpart-sites'), '--partitions', '12',
                            str(WRAPPED)], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn('power of two', r.stderr)


# A made-up kernel tree: the attributes, an allocator declared with them, the
# kmalloc family as 6.12 writes it, and exported functions that do and do
# not return what an allocator returned.
TREE = {
    'include/linux/compiler_attributes.h': """
#define __malloc __attribute__((__malloc__))
#define __alloc_size__(x, ...) __attribute__((__alloc_size__(x, ## __VA_ARGS__)))
#define __must_check __attribute__((__warn_unused_result__))
""",
    'include/linux/compiler_types.h': """
#define __alloc_size(x, ...) __alloc_size__(x, ## __VA_ARGS__) __malloc
#define __realloc_size(x, ...) __alloc_size__(x, ## __VA_ARGS__)
#define __always_inline inline __attribute__((__always_inline__))
""",
    'include/linux/slab.h': """
extern void *kmalloc_caches[];
void *__kmalloc_noprof(size_t size, gfp_t flags) __alloc_size(1);
void *__kmalloc_cache_noprof(void *s, gfp_t flags,
			     size_t size) __alloc_size(3);
/* a comment with kmalloc(1) in it */
static __always_inline __alloc_size(1) void *kmalloc_noprof(size_t size, gfp_t flags)
{
	if (__builtin_constant_p(size))
		return __kmalloc_cache_noprof(kmalloc_caches[0], flags, size);
	return __kmalloc_noprof(size, flags);
}
#define alloc_hooks(x) (x)
#define kmalloc(...) alloc_hooks(kmalloc_noprof(__VA_ARGS__))
#define kmalloc_track_caller(size, flags) \\
	kmalloc_noprof(size, flags)
void kfree(const void *p);
struct kmem_cache { int size; };
""",
    'include/linux/string.h': """
extern char *kstrdup(const char *s, gfp_t gfp) __malloc;
extern const char *kstrdup_const(const char *s, gfp_t gfp);
extern char *kstrndup(const char *s, size_t max, gfp_t gfp);
extern size_t strlen(const char *s);
extern char *skip_spaces(const char *s);
""",
    'include/net/sock.h': """
void *sock_kmalloc(struct sock *sk, int size, gfp_t priority);
int sock_setup(struct sock *sk);
void *sock_get_buf(int n);
""",
    'mm/util.c': """
const char *kstrdup_const(const char *s, gfp_t gfp)
{
	if (is_kernel_rodata((unsigned long)s))
		return s;

	return kstrdup(s, gfp);
}
EXPORT_SYMBOL(kstrdup_const);

char *kstrndup(const char *s, size_t max, gfp_t gfp)
{
	size_t len;
	char *buf;

	len = strnlen(s, max);
	buf = kmalloc_track_caller(len + 1, gfp);
	if (buf)
		memcpy(buf, s, len);
	return buf;
}
EXPORT_SYMBOL(kstrndup);

char *skip_spaces(const char *str)
{
	while (isspace(*str))
		++str;
	return (char *)str;
}
EXPORT_SYMBOL(skip_spaces);
""",
    'mm/slab_common.c': """
void *kmalloc_caches[4];
EXPORT_SYMBOL(kmalloc_caches);
""",
    'net/core/sock.c': """
void *sock_kmalloc(struct sock *sk, int size, gfp_t priority)
{
	if (size <= sk->max) {
		void *mem;

		mem = kmalloc(size, priority);
		if (mem)
			return mem;
	}
	return NULL;
}
EXPORT_SYMBOL(sock_kmalloc);

int sock_setup(struct sock *sk)
{
	sk->p = kmalloc(16, GFP_KERNEL);
	return sk->p ? 0 : -ENOMEM;
}
EXPORT_SYMBOL(sock_setup);

static void *sock_buf(int n)
{
	void *p;

	p = kmalloc(n, 0);
	return p;
}

void *sock_get_buf(int n)
{
	return sock_buf(n);
}
EXPORT_SYMBOL_GPL(sock_get_buf);
""",
}

MODULE_C = """
extern void *sock_kmalloc(void *sk, int size, unsigned int flags);
extern char *kstrdup(const char *s, unsigned int gfp);
extern unsigned long strlen(const char *s);
extern void *__kmalloc_cache_noprof(void *s, unsigned int flags, unsigned long size);
extern void *kmalloc_caches[];
void *f(void *sk, const char *s);
void *f(void *sk, const char *s)
{
	if (strlen(s) > 3)
		return kstrdup(s, 0);
	if (!sk)
		return __kmalloc_cache_noprof(kmalloc_caches[1], 0, 8);
	return sock_kmalloc(sk, 8, 0);
}
"""


class Helpers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix='kpart-helpers-')
        cls.src = Path(cls.tmp.name) / 'src'
        for rel, text in TREE.items():
            (cls.src / rel).parent.mkdir(parents=True, exist_ok=True)
            (cls.src / rel).write_text(text)
        cls.cache_dir, helpers.CACHE_DIR = helpers.CACHE_DIR, Path(cls.tmp.name) / 'cache'
        cls.kernel = helpers.Kernel(cls.src)

    @classmethod
    def tearDownClass(cls):
        helpers.CACHE_DIR = cls.cache_dir
        cls.tmp.cleanup()

    def test_declared_allocators(self):
        self.assertEqual(self.kernel.resolve('kstrdup'), ['kstrdup'])
        self.assertEqual(self.kernel.resolve('__kmalloc_cache_noprof'),
                         ['__kmalloc_cache_noprof'])
        self.assertEqual(self.kernel.resolve('kmalloc'), ['kmalloc', 'kmalloc_noprof'])

    def test_functions_returning_an_allocation(self):
        self.assertEqual(self.kernel.resolve('kstrdup_const'), ['kstrdup_const', 'kstrdup'])
        self.assertEqual(self.kernel.resolve('kstrndup'),
                         ['kstrndup', 'kmalloc_track_caller', 'kmalloc_noprof'])
        self.assertEqual(self.kernel.resolve('sock_kmalloc'),
                         ['sock_kmalloc', 'kmalloc', 'kmalloc_noprof'])
        self.assertEqual(self.kernel.resolve('sock_get_buf'),
                         ['sock_get_buf', 'sock_buf', 'kmalloc', 'kmalloc_noprof'])

    def test_not_allocating(self):
        for name in ('skip_spaces', 'sock_setup', 'strlen', 'kfree', 'nowhere'):
            self.assertIsNone(self.kernel.resolve(name), name)

    def test_data_of_allocating_inlines(self):
        self.assertEqual(self.kernel.data_reads(), {'kmalloc_caches': 'kmalloc_noprof'})

    def test_remaining_of_a_module(self):
        c = Path(self.tmp.name) / 'mod.c'
        c.write_text(MODULE_C)
        o = c.with_suffix('.o')
        subprocess.run(['clang-22', '-O2', '-c', '-o', str(o), str(c)], check=True)
        rest = helpers.remaining(self.kernel, o, own=set())
        self.assertEqual([e['symbol'] for e in rest],
                         ['__kmalloc_cache_noprof', 'kmalloc_caches', 'kstrdup', 'sock_kmalloc'])
        self.assertEqual(rest[1]['via'], ['kmalloc_noprof'])
        self.assertEqual(rest[3]['defined'], 'net/core/sock.c')
        self.assertEqual(helpers.describe(rest[3]), 'sock_kmalloc (-> kmalloc_noprof)')
        rest = helpers.remaining(self.kernel, o, own={'__kmalloc_cache_noprof',
                                                      'kmalloc_caches'})
        self.assertEqual([e['symbol'] for e in rest], ['kstrdup', 'sock_kmalloc'])

    def test_routed_names(self):
        h = Path(self.tmp.name) / 'wrap.h'
        h.write_text('#undef foo\n#define foo(a, b)\\\n\tkpart_kmalloc(a, b)\n'
                     '#undef bar\n#define bar(a) __kpart_bar(a, __builtin_infer_alloc_token(a))\n'
                     '#undef cache\n#define cache(a) __kpart_wrap_cache(a)\n'
                     '#undef __inner\n#define __inner(a) kpart_kmalloc(a, 0)\n'
                     '#define baz(a) kpart_kmalloc(a, 0)\n')
        self.assertEqual(helpers.routed(h), ['foo', 'bar'])

    def test_kpart_wrap_routes_the_helpers(self):
        names = helpers.routed()
        for name in HELPERS + ('kmalloc', 'kzalloc', 'kvmalloc', 'krealloc', 'kstrdup'):
            self.assertIn(name, names)
        self.assertNotIn('kmem_cache_create', names)


def kernel_source():
    r = subprocess.run(['bash', '-c', '. scripts/build/toolchain.sh && kpart_kernel_src'], cwd=TOP,
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


@unittest.skipUnless(kernel_source(), 'no kernel source')
class HelpersOfTheKernel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kernel = helpers.Kernel(kernel_source())

    def test_everything_wrap_routes_allocates(self):
        for name in helpers.routed():
            self.assertIsNotNone(self.kernel.resolve(name), name)

    def test_helpers_without_an_attribute(self):
        for name in ('nla_strdup', 'kstrdup_const', 'kstrndup', 'kmemdup_nul',
                     'memdup_user_nul', 'sock_kmalloc', 'kvasprintf_const'):
            self.assertIsNotNone(self.kernel.resolve(name), name)
            self.assertNotIn(name, self.kernel.seeds)
        for name in ('strlen', 'kfree', 'kfree_const', 'nla_memcpy', 'skip_spaces'):
            self.assertIsNone(self.kernel.resolve(name), name)

    def test_kpart_paths(self):
        own = helpers.kpart_calls(self.kernel)
        self.assertIn('__kmalloc_cache_noprof', own)
        self.assertIn('__kvmalloc_node_noprof', own)
        for name in ('sock_kmalloc', '__kmalloc_noprof', 'kstrdup', 'kmemdup_noprof'):
            self.assertNotIn(name, own)


if __name__ == '__main__':
    unittest.main()
