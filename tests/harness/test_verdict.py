#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The harness's own tests: each way a run can go wrong, fed to the rules
that count it (tests/harness/verdict.py), must end in a failure; a clean run
must pass. They run in `make test` before anything else.

    python3 -m unittest -v tests/harness/test_verdict.py

KUnit documents go through the kernel's own kunit.py, found through
KPART_KUNIT_PY or in the extracted kernel source (scripts/toolchain.sh).
"""

import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import verdict  # noqa: E402


def kunit_py():
    path = os.environ.get('KPART_KUNIT_PY')
    if not path:
        src = subprocess.check_output(['bash', '-c', '. scripts/toolchain.sh && kpart_kernel_src'],
                                      cwd=TOP, text=True).strip()
        path = f'{src}/tools/testing/kunit/kunit.py'
    if not os.path.exists(path):
        raise AssertionError(f'{path} missing: the kernel source is needed')
    return path


def suite(name, cases, indent=8):
    """A KUnit suite as kpart's guest nests it in a group (tests/guest/ktap.sh)."""
    pad = ' ' * indent
    lines = [f'{pad}KTAP version 1', f'{pad}# Subtest: {name}',
             f'{pad}# module: kpart_kunit', f'{pad}1..{len(cases)}']
    lines += [f'{pad}{status} {i} {case}' for i, (case, status) in enumerate(cases, 1)]
    return lines


def group(number, name, items):
    """A group of the guest's document: items are (name, status) checks or
    (name, [suite lines], status) suites."""
    lines = ['    KTAP version 1', f'    # Subtest: {name}', f'    1..{len(items)}']
    failed = False
    for i, item in enumerate(items, 1):
        if len(item) == 3:
            lines += item[1]
            status = item[2]
        else:
            status = item[1]
        failed |= status.startswith('not ok')
        lines.append(f'    {status} {i} {item[0]}')
    lines.append(f'{"not ok" if failed else "ok"} {number} {name}')
    return lines


def document(groups):
    return '\n'.join(['KTAP version 1', f'1..{len(groups)}'] + sum(groups, [])) + '\n'


# A skip's directive follows the case's name: "ok 2 random_sites # SKIP ...".
ALLOC_TYPED = [('size_class_boundaries', 'ok'),
               ('random_sites # SKIP needs kpart in random mode', 'ok'), ('typed_only', 'ok')]
ALLOC_RANDOM = [('size_class_boundaries', 'ok'), ('random_sites', 'ok'),
                ('typed_only # SKIP needs kpart in typed mode', 'ok')]


def clean_groups(alloc_typed=None, alloc_random=None, matrix=True):
    typed_items = [('loads', 'ok'),
                   ('kpart_alloc', suite('kpart_alloc', alloc_typed or ALLOC_TYPED), 'ok')]
    random_items = [('loads', 'ok'),
                    ('kpart_alloc', suite('kpart_alloc', alloc_random or ALLOC_RANDOM), 'ok')]
    if matrix:
        typed_items.append(('kpart_matrix', suite('kpart_matrix', [('every_cell', 'ok')]), 'ok'))
        random_items.append(('kpart_matrix', suite('kpart_matrix', [('every_cell', 'ok')]), 'ok'))
    return [
        group(1, 'kpart_module', [('refuses_mode_bogus', 'ok'), ('loads_default', 'ok')]),
        group(2, 'kunit_typed_16', typed_items),
        group(3, 'kunit_random_16', random_items),
    ]


EXPECTED = {'kpart_module': [], 'kunit_typed_16': ['kpart_alloc', 'kpart_matrix'],
            'kunit_random_16': ['kpart_alloc', 'kpart_matrix']}

KERNEL_LOG_OK = ('6,1,100,-;Linux version 6.12\n'
                 '5,2,200,-;kmemleak: Kernel memory leak detector initialized (mem pool available: 15000)\n'
                 '6,3,300,-;kpart: typed mode, 16 partitions\n'
                 + verdict.KERNEL_LOG_COMPLETE + '\n')


def console(kernel_log=KERNEL_LOG_OK, extra='', kmemleak=''):
    """A boot's console as qemu/init.sh leaves it."""
    parts = ['[    0.000000] Linux version 6.12', 'kpart-test: kpart_module: loads: ok, 0.3 s', extra,
             'KPART-FILE-BEGIN kmemleak', kmemleak, 'KPART-FILE-END']
    if kernel_log is not None:
        parts += ['KPART-FILE-BEGIN kernel.log', kernel_log.rstrip('\n'), 'KPART-FILE-END']
    parts.append('KPART-GUEST-EXIT: 0')
    return '\r\n'.join(parts) + '\r\n'


class Kunit(unittest.TestCase):
    def run_kunit(self, text, expected=EXPECTED):
        with tempfile.TemporaryDirectory() as d:
            return verdict.kunit(text, kunit_py(), f'{d}/guest.json', expected)

    def test_clean_document_passes(self):
        c = self.run_kunit(document(clean_groups()))
        self.assertEqual((c.failed, c.skipped), (0, 2), c.messages)
        self.assertEqual(c.passed, 2 + 4 + 4)

    def test_failed_case_fails(self):
        alloc = list(ALLOC_TYPED)
        alloc[0] = ('size_class_boundaries', 'not ok')
        groups = clean_groups(alloc_typed=alloc)
        c = self.run_kunit(document(groups))
        self.assertGreater(c.failed, 0)

    def test_truncated_document_fails(self):
        # The guest died in a suite: no result lines after it.
        text = document(clean_groups())
        cut = text.index('        ok 2 random_sites')
        c = self.run_kunit(text[:cut])
        self.assertGreater(c.failed, 0, c.messages)

    def test_suite_without_its_result_line_fails(self):
        # The shape that once made kunit.py raise: a suite ends before its
        # result line, and two "not ok" elsewhere.
        lines = document(clean_groups()).split('\n')
        lines = [line for line in lines if line != '    ok 2 kpart_alloc']
        lines = [line.replace('ok 1 refuses_mode_bogus', 'not ok 1 refuses_mode_bogus')
                 .replace('ok 2 loads_default', 'not ok 2 loads_default') for line in lines]
        c = self.run_kunit('\n'.join(lines))
        self.assertGreater(c.failed, 0, c.messages)

    def test_missing_result_line_alone_fails(self):
        lines = [line for line in document(clean_groups()).split('\n')
                 if line != '    ok 2 kpart_alloc']
        c = self.run_kunit('\n'.join(lines))
        self.assertGreater(c.failed, 0, c.messages)

    def test_crashed_suite_fails(self):
        # KUnit's own shape for a case that faulted.
        alloc = list(ALLOC_TYPED)
        alloc[2] = ('typed_only # try faulted', 'not ok')
        c = self.run_kunit(document(clean_groups(alloc_typed=alloc)))
        self.assertGreater(c.failed, 0)

    def test_missing_suite_fails(self):
        c = self.run_kunit(document(clean_groups(matrix=False)))
        self.assertEqual(c.failed, 2, c.messages)

    def test_parameterised_suite_runs(self):
        # A suite whose one case is parameterised (ext4_inode_test): its
        # cases are one level deeper, and it ran.
        pad = ' ' * 8
        params = [f'{pad}KTAP version 1', f'{pad}# Subtest: ext4_inode_test', f'{pad}1..1',
                  f'{pad}    KTAP version 1', f'{pad}    # Subtest: decoding',
                  f'{pad}    ok 1 lower bound', f'{pad}    ok 2 upper bound',
                  f'{pad}# decoding: pass:2 fail:0 skip:0 total:2', f'{pad}ok 1 decoding']
        groups = clean_groups() + [group(4, 'kpart_wrap_typed',
                                         [('loads', 'ok'), ('ext4_inode_test', params, 'ok')])]
        expected = dict(EXPECTED, kpart_wrap_typed=['ext4_inode_test'])
        c = self.run_kunit(document(groups), expected)
        self.assertEqual(c.failed, 0, c.messages)
        # Without its parameters it ran nothing.
        empty = params[:3] + [f'{pad}ok 1 decoding # SKIP no parameters']
        groups[-1] = group(4, 'kpart_wrap_typed', [('loads', 'ok'), ('ext4_inode_test', empty, 'ok')])
        c = self.run_kunit(document(groups), expected)
        self.assertGreater(c.failed, 0, c.messages)

    def test_missing_group_fails(self):
        c = self.run_kunit(document(clean_groups()[:2]))
        self.assertGreater(c.failed, 0, c.messages)

    def test_empty_document_fails(self):
        self.assertEqual(self.run_kunit('').failed, 1)

    def test_stale_json_is_not_counted(self):
        with tempfile.TemporaryDirectory() as d:
            json_path = f'{d}/guest.json'
            good = verdict.kunit(document(clean_groups()), kunit_py(), json_path, EXPECTED)
            self.assertEqual(good.failed, 0)
            self.assertTrue(os.path.exists(json_path))
            # This run's document cannot be parsed: the earlier JSON must
            # not stand in for it.
            c = verdict.kunit('garbage\nnot ok 1 x\n', kunit_py(), json_path, EXPECTED)
            self.assertGreater(c.failed, 0, c.messages)

    def test_skip_for_a_reason_other_than_the_mode_fails(self):
        alloc = list(ALLOC_TYPED)
        alloc[0] = ('size_class_boundaries # SKIP no memory', 'ok')
        c = self.run_kunit(document(clean_groups(alloc_typed=alloc)))
        self.assertGreater(c.failed, 0, c.messages)

    def test_skip_in_the_mode_it_needs_fails(self):
        # kpart ignored mode=random: the random-only case skips in the
        # random group too.
        alloc = list(ALLOC_RANDOM)
        alloc[1] = ('random_sites # SKIP needs kpart in random mode', 'ok')
        c = self.run_kunit(document(clean_groups(alloc_random=alloc)))
        self.assertGreater(c.failed, 0, c.messages)

    def test_skip_naming_two_modes(self):
        # A case for typed or pertype mode skips in the random group: fine;
        # one that names the group's own mode among two fails.
        alloc_r = list(ALLOC_RANDOM)
        alloc_r[0] = ('size_class_boundaries # SKIP needs kpart in typed or pertype mode', 'ok')
        c = self.run_kunit(document(clean_groups(alloc_random=alloc_r)))
        self.assertEqual(c.failed, 0, c.messages)
        alloc_r[0] = ('size_class_boundaries # SKIP needs kpart in typed or random mode', 'ok')
        c = self.run_kunit(document(clean_groups(alloc_random=alloc_r)))
        self.assertGreater(c.failed, 0, c.messages)

    def test_case_skipped_everywhere_fails(self):
        alloc = list(ALLOC_TYPED)
        alloc[0] = ('size_class_boundaries # SKIP needs kpart in random mode', 'ok')
        alloc_r = list(ALLOC_RANDOM)
        alloc_r[0] = ('size_class_boundaries # SKIP needs kpart in typed mode', 'ok')
        c = self.run_kunit(document(clean_groups(alloc_typed=alloc, alloc_random=alloc_r)))
        self.assertGreater(c.failed, 0, c.messages)


class Guard(unittest.TestCase):
    def test_clean_boot_passes(self):
        c = verdict.guard(console())
        self.assertEqual((c.passed, c.failed), (1, 0), c.messages)

    def test_slub_report_fails(self):
        for report in ('BUG kpart-03-64 (Not tainted): Poison overwritten',
                       'BUG kpart-cg-15-8k (Tainted: G        W  O): Redzone overwritten',
                       'BUG kpart-00-8 (Not tainted): Freepointer corrupt',
                       'BUG kpart-01-16 (Not tainted): Object padding overwritten',
                       'BUG kpart-02-32 (Not tainted): Left Redzone overwritten'):
            log = KERNEL_LOG_OK.replace('6,3,300,-;', f'3,3,300,-;{report}\n6,4,301,-;')
            self.assertEqual(verdict.guard(console(log)).failed, 1, report)
            self.assertEqual(verdict.guard(console(extra=f'[   5.1] {report}')).failed, 1, report)

    def test_report_only_in_the_kernel_log_fails(self):
        # At loglevel=4 these never reach the console.
        for report in ('WARNING: CPU: 1 PID: 97 at c/params.c:20 kpart_params_get+0x1/0x2 [kpart]',
                       'WARNING: possible circular locking dependency detected',
                       'WARNING: possible recursive locking detected',
                       'WARNING: suspicious RCU usage',
                       'BUG: KASAN: slab-out-of-bounds in kpart_test+0x10/0x20',
                       'BUG: sleeping function called from invalid context at mm/slub.c:4140',
                       'kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)',
                       'INFO: task insmod:123 blocked for more than 120 seconds.',
                       'rcu: INFO: rcu_preempt self-detected stall on CPU'):
            log = KERNEL_LOG_OK.replace('6,3,300,-;', f'4,3,300,-;{report}\n6,4,301,-;')
            c = verdict.guard(console(log))
            self.assertEqual(c.failed, 1, report)

    def test_kmemleak_suspect_fails(self):
        c = verdict.guard(console(kmemleak='unreferenced object 0xffff888003c4e000 (size 64):\n'
                                           '  comm "insmod", pid 95, jiffies 4294937000'))
        self.assertEqual(c.failed, 1)

    def test_missing_kernel_log_fails(self):
        self.assertEqual(verdict.guard(console(kernel_log=None)).failed, 1)

    def test_incomplete_kernel_log_fails(self):
        log = KERNEL_LOG_OK.replace(verdict.KERNEL_LOG_COMPLETE, '')
        self.assertEqual(verdict.guard(console(log)).failed, 1)

    def test_kernel_log_over_the_share(self):
        # The files went over the 9p share: the console has none of them.
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(verdict.guard(console(kernel_log=None),
                                           shared=verdict.shared_exports(d)).failed, 1)
            with open(os.path.join(d, verdict.KERNEL_LOG), 'w') as f:
                f.write(KERNEL_LOG_OK)
            with open(os.path.join(d, verdict.KMEMLEAK), 'w') as f:
                f.write('')
            c = verdict.guard(console(kernel_log=None), shared=verdict.shared_exports(d))
            self.assertEqual((c.passed, c.failed), (1, 0), c.messages)
            with open(os.path.join(d, verdict.KERNEL_LOG), 'w') as f:
                f.write(KERNEL_LOG_OK.replace('6,3,300,-;', '4,3,300,-;WARNING: suspicious RCU usage\n'
                                              '6,4,301,-;'))
            self.assertEqual(verdict.guard(console(kernel_log=None),
                                           shared=verdict.shared_exports(d)).failed, 1)
            with open(os.path.join(d, verdict.KERNEL_LOG), 'w') as f:
                f.write(KERNEL_LOG_OK.replace(verdict.KERNEL_LOG_COMPLETE, ''))
            self.assertEqual(verdict.guard(console(kernel_log=None),
                                           shared=verdict.shared_exports(d)).failed, 1)

    def test_unterminated_export_fails(self):
        text = console().replace('KPART-FILE-END\r\nKPART-GUEST-EXIT', 'KPART-GUEST-EXIT')
        self.assertEqual(verdict.guard(text).failed, 1)

    def test_exported_files_are_not_reports(self):
        # A cache named kmemleak_object in an exported /proc/slabinfo.
        text = console(extra='KPART-FILE-BEGIN slabinfo\nkmemleak_object 10 20\nKPART-FILE-END')
        self.assertEqual(verdict.guard(text).failed, 0)

    def test_allowed_reports_and_only_they_pass(self):
        leak = ('4,3,300,-;WARNING: CPU: 0 PID: 90 at mm/slab_common.c:548 kmem_cache_destroy+0x1/0x2\n'
                '3,4,301,-;BUG kpart-03-64 (Tainted: G        W  O): Objects remaining on '
                '__kmem_cache_shutdown()\n')
        allow = [r'^WARNING: CPU: [0-9]+ PID: [0-9]+ at mm/slab_common\.c:[0-9]+ kmem_cache_destroy\+',
                 r'^BUG kpart-\S+ \([^)]*\): Objects remaining on __kmem_cache_shutdown\(\)$']
        log = KERNEL_LOG_OK.replace('6,3,300,-;', leak + '6,5,302,-;')
        self.assertEqual(verdict.guard(console(log), allow).failed, 0)
        other = log.replace('mm/slab_common.c:548 kmem_cache_destroy', 'mm/slub.c:100 free_to_partial')
        self.assertEqual(verdict.guard(console(other), allow).failed, 1)
        self.assertEqual(verdict.guard(console(log), allow, [r'^never printed$']).failed, 1)


class Cargo(unittest.TestCase):
    OK = ('running 3 tests\ntest a ... ok\ntest b ... ok\ntest c ... ok\n\n'
          'test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n')

    def test_clean_run_passes(self):
        c = verdict.cargo(self.OK * 2, 0)
        self.assertEqual((c.passed, c.failed), (6, 0))

    def test_aborted_binary_fails(self):
        log = self.OK + ('     Running tests/oracle.rs\n\nrunning 12 tests\n'
                         'error: test failed, to rerun pass `--test oracle`\n\n'
                         'Caused by:\n  process didn\'t exit successfully (signal: 6, SIGABRT)\n')
        self.assertEqual(verdict.cargo(log, 101).failed, 1)

    def test_failed_test_fails(self):
        log = self.OK.replace('ok. 3 passed; 0 failed', 'FAILED. 2 passed; 1 failed')
        self.assertEqual(verdict.cargo(log, 101).failed, 1)

    def test_no_result_fails(self):
        self.assertEqual(verdict.cargo('error: could not compile `kpart-host`\n', 101).failed, 1)


class Unittest(unittest.TestCase):
    def test_clean_run_passes(self):
        c = verdict.unittest('test_a (m.T.test_a) ... ok\n\nRan 1 test in 0.1s\n\nOK\n', 0)
        self.assertEqual((c.passed, c.failed), (1, 0))

    def test_failure_fails(self):
        log = 'test_a ... FAIL\ntest_b ... ok\n\nRan 2 tests in 0.1s\n\nFAILED (failures=1)\n'
        self.assertEqual(verdict.unittest(log, 1).failed, 1)

    def test_exit_status_alone_fails(self):
        self.assertEqual(verdict.unittest('test_a ... ok\n\nRan 1 test in 0.1s\n\nOK\n', 1).failed, 1)

    def test_skip_fails(self):
        log = 'test_a ... skipped \'no files\'\n\nRan 1 test in 0.1s\n\nOK (skipped=1)\n'
        self.assertEqual(verdict.unittest(log, 0).failed, 1)

    def test_import_error_fails(self):
        log = 'ERROR: check_live (unittest.loader._FailedTest)\n\nRan 1 test in 0.0s\n\nFAILED (errors=1)\n'
        self.assertEqual(verdict.unittest(log, 1).failed, 1)
        self.assertEqual(verdict.unittest('Traceback (most recent call last):\n', 1).failed, 1)


class Guest(unittest.TestCase):
    def test_status(self):
        self.assertEqual(verdict.guest(0, 0).failed, 0)
        self.assertEqual(verdict.guest(1, 2).failed, 0)
        self.assertEqual(verdict.guest(1, 0).failed, 1)
        self.assertEqual(verdict.guest(124, 0).failed, 1)
        self.assertEqual(verdict.guest(125, 3).failed, 1)
        self.assertEqual(verdict.guest(2, 0).failed, 1)


class Suites(unittest.TestCase):
    def test_the_sources_declare_suites(self):
        names = verdict.suites(TOP / 'kunit')
        self.assertIn('kpart_alloc', names)
        self.assertEqual(len(names), len(set(names)))


if __name__ == '__main__':
    unittest.main()
