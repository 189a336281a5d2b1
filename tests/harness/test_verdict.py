#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The harness's own tests: each way a run can go wrong, fed to the rules
that count it (tests/harness/verdict.py), must end in a failure; a clean run
must pass. They run in `make test` before anything else.

    python3 -m unittest -v tests/harness/test_verdict.py

KUnit documents go through the kernel's own kunit.py, found through
KPART_KUNIT_PY or in the extracted kernel source (scripts/build/toolchain.sh).
"""

import os
import re
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
        src = subprocess.check_output(['bash', '-c', '. scripts/build/toolchain.sh && kpart_kernel_src'],
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

    def test_skip_for_the_cap_outside_its_load(self):
        # A case for a load at max_caches=8 skips in the other groups and
        # must not skip in the group of that load.
        alloc = list(ALLOC_TYPED)
        alloc[2] = ('typed_only # SKIP needs kpart loaded with max_caches=8', 'ok')
        groups = clean_groups(alloc_typed=alloc)
        groups.append(group(4, 'kunit_typed_4_cap8',
                            [('kpart_alloc', suite('kpart_alloc', ALLOC_TYPED), 'ok')]))
        expected = dict(EXPECTED, kunit_typed_4_cap8=['kpart_alloc'])
        c = self.run_kunit(document(groups), expected)
        self.assertEqual(c.failed, 0, c.messages)
        groups[3] = group(4, 'kunit_typed_4_cap8',
                          [('kpart_alloc', suite('kpart_alloc', alloc), 'ok')])
        c = self.run_kunit(document(groups), expected)
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
        for report in ('WARNING: CPU: 1 PID: 97 at c/module/params.c:20 kpart_params_get+0x1/0x2 [kpart]',
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


# Kernel log excerpts as the test kernel prints them, without their record
# prefixes (kmsg() adds them).
HEAD = '''\
CPU: 1 UID: 0 PID: {pid} Comm: {comm} Tainted: G           O       6.12.118 #1
Tainted: [O]=OOT_MODULE
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
'''

SYSCALL_END = '''\
 do_syscall_64+0x82/0x160
 entry_SYSCALL_64_after_hwframe+0x76/0x7e
RIP: 0033:0x4b44d7
Code: 89 f7 48 89 d6 48 89 ca 4d 89 c2 4d 89 c8 4c 8b 4c 24 08 0f 05 <48> 3d 01 f0 ff ff 73 01 c3
RSP: 002b:00007ffd5f6b0e58 EFLAGS: 00000246 ORIG_RAX: 0000000000000139
RAX: ffffffffffffffda RBX: 00000000004d9c30 RCX: 00000000004b44d7
RDX: 0000000000000000 RSI: 00000000004d9c30 RDI: 0000000000000003
RBP: 00007ffd5f6b0f10 R08: 0000000000000000 R09: 0000000000000000
R10: 0000000000000003 R11: 0000000000000246 R12: 0000000000000003
R13: 00007ffd5f6b1f6c R14: 0000000000000000 R15: 0000000000000000
 </TASK>
'''

INSMOD_END = '''\
 do_one_initcall+0xa8/0x3c0
 do_init_module+0x238/0x730
 init_module_from_file+0xe2/0x140
 idempotent_init_module+0x2a4/0x6b0
 __x64_sys_finit_module+0xbe/0x130
''' + SYSCALL_END

# Lockdep meets a lock whose key is not static, and turns itself off for
# the rest of the boot.
NON_STATIC_KEY = '''\
INFO: trying to register non-static key.
The code is fine but needs lockdep annotation, or maybe
you didn't initialize this object before use?
turning off the locking correctness validator.
''' + HEAD.format(pid=214, comm='insmod') + '''\
Call Trace:
 <TASK>
 dump_stack_lvl+0xa3/0x100
 register_lock_class+0x9e5/0xa00
 __lock_acquire+0xa2/0x2190
 lock_acquire+0x14e/0x3c0
 _raw_spin_lock_irqsave+0x41/0x60
 kpart_sample_c_init+0x6b/0x1000 [kpart_sample_c]
''' + INSMOD_END

# A type's cache whose name is taken: sysfs refuses its directory (with a
# dump), kobject its object, and the slab allocator the cache (with another).
DUPLICATE_SYSFS = '''\
sysfs: cannot create duplicate filename '/kernel/slab/kpart-t-1f6c0e3a9b2d4c58-64'
''' + HEAD.format(pid=57, comm='kworker/1:1') + '''\
Workqueue: events kpart_types_work [kpart]
Call Trace:
 <TASK>
 dump_stack_lvl+0xa3/0x100
 sysfs_warn_dup+0x7c/0xa0
 sysfs_create_dir_ns+0x1f4/0x270
 kobject_add_internal+0x28b/0x8b0
 kobject_init_and_add+0x102/0x170
 sysfs_slab_add+0x16b/0x380
 do_kmem_cache_create+0x4b2/0x5d0
 __kmem_cache_create_args+0x1d9/0x310
 kpart_types_make+0x2c1/0x5a0 [kpart]
 kpart_types_work+0x8e/0x130 [kpart]
 process_one_work+0x8a5/0x1530
 worker_thread+0x5a6/0xd20
 kthread+0x2c4/0x3a0
 ret_from_fork+0x34/0x70
 ret_from_fork_asm+0x1a/0x30
 </TASK>
kobject: kobject_add_internal failed for kpart-t-1f6c0e3a9b2d4c58-64 with -EEXIST, don't try to register things with the same name in the same directory.
'''

CACHE_CREATE_FAILED = '''\
__kmem_cache_create_args(kpart-t-1f6c0e3a9b2d4c58-64) failed with error -12
''' + HEAD.format(pid=57, comm='kworker/1:1') + '''\
Workqueue: events kpart_types_work [kpart]
Call Trace:
 <TASK>
 dump_stack_lvl+0xa3/0x100
 __kmem_cache_create_args+0x2b5/0x310
 kpart_types_make+0x2c1/0x5a0 [kpart]
 kpart_types_work+0x8e/0x130 [kpart]
 process_one_work+0x8a5/0x1530
 worker_thread+0x5a6/0xd20
 kthread+0x2c4/0x3a0
 ret_from_fork+0x34/0x70
 ret_from_fork_asm+0x1a/0x30
 </TASK>
'''

OOM = '''\
insmod invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
''' + HEAD.format(pid=131, comm='insmod') + '''\
Call Trace:
 <TASK>
 dump_stack_lvl+0xa3/0x100
 dump_header+0x9a/0x440
 oom_kill_process+0x2a9/0x460
 out_of_memory+0x27c/0x7a0
 __alloc_pages_slowpath.constprop.0+0x1428/0x1ad0
 __alloc_pages_noprof+0x3f5/0x480
 alloc_pages_mpol_noprof+0xf6/0x350
 allocate_slab+0x2f6/0x430
 ___slab_alloc+0x8f4/0x1060
 __kmalloc_cache_noprof+0x2a5/0x330
 kpart_wl_alloc+0x7a/0x120 [kpart_workload]
''' + INSMOD_END + '''\
Mem-Info:
active_anon:0 inactive_anon:0 isolated_anon:0
 active_file:0 inactive_file:0 isolated_file:0
 unevictable:1406 dirty:0 writeback:0
 slab_reclaimable:2216 slab_unreclaimable:441962
 mapped:0 shmem:1358 pagetables:19
 sec_pagetables:0 bounce:0
 kernel_misc_reclaimable:0
 free:12069 free_pcp:31 free_cma:0
Tasks state (memory values in pages):
[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name
[    131]     0   131      612      160        0      160         0    45056        0             0 insmod
oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=insmod,pid=131,uid=0
Out of memory: Killed process 131 (insmod) total-vm:2448kB, anon-rss:0kB, file-rss:640kB, shmem-rss:0kB, UID:0 pgtables:44kB oom_score_adj:0
'''

# A stack dump with no report line: a bare dump_stack().
BARE_DUMP = '''\
kpart_sample_c: state checked
''' + HEAD.format(pid=214, comm='insmod') + '''\
Call Trace:
 <TASK>
 dump_stack_lvl+0xa3/0x100
 kpart_sample_c_init+0x6b/0x1000 [kpart_sample_c]
''' + INSMOD_END

# The page allocator failing a request without __GFP_NOWARN.
ALLOC_FAILURE = '''\
insmod: page allocation failure: order:10, mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null),cpuset=/,mems_allowed=0
''' + HEAD.format(pid=214, comm='insmod') + '''\
Call Trace:
 <TASK>
 dump_stack_lvl+0xa3/0x100
 warn_alloc+0x1f6/0x2c0
 __alloc_pages_slowpath.constprop.0+0x1590/0x1ad0
 __alloc_pages_noprof+0x3f5/0x480
 ___kmalloc_large_node+0x7c/0x130
 __kmalloc_large_noprof+0x1d/0xa0
 kpart_sample_c_init+0x6b/0x1000 [kpart_sample_c]
''' + INSMOD_END + '''\
Mem-Info:
active_anon:0 inactive_anon:0 isolated_anon:0
'''


def warn(function, at, message=None, comm='rmmod'):
    """A WARN() in `function` at file:line `at`, as __warn() prints it on
    the test kernel (lockdep's IRQ state at the end), after WARN()'s message
    if any, in rmmod kpart."""
    lines = ['------------[ cut here ]------------']
    if message:
        lines.append(message)
    lines += [f'WARNING: CPU: 1 PID: 104 at {at} {function}+0x1b2/0x1d0',
              'Modules linked in: kpart(O-) [last unloaded: kpart_stress(O)]']
    lines += HEAD.format(pid=104, comm=comm).replace('G           O', 'G    B   W  O').replace(
        '[O]=', '[B]=BAD_PAGE, [W]=WARN, [O]=').rstrip('\n').split('\n')
    lines += [f'RIP: 0010:{function}+0x1b2/0x1d0',
              'Code: 48 85 c0 74 16 48 c7 c7 e0 5b 4e 83 e8 5c 7e ea ff <0f> 0b 5b 5d 41 5c c3 cc cc',
              'RSP: 0018:ffffc900004a7c48 EFLAGS: 00010246',
              'RAX: 0000000000000000 RBX: ffff888003d51e00 RCX: 0000000000000000',
              'RDX: 0000000000000000 RSI: 0000000000000000 RDI: 0000000000000000',
              'RBP: ffffea00001b8a00 R08: 0000000000000000 R09: 0000000000000000',
              'R10: 0000000000000000 R11: 0000000000000000 R12: ffff888003d51e00',
              'R13: ffff888003d50280 R14: dffffc0000000000 R15: ffff888006e28540',
              'FS:  00000000004cf3c0(0000) GS:ffff88806ce00000(0000) knlGS:0000000000000000',
              'CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033',
              'CR2: 00000000004e1a90 CR3: 0000000005b36000 CR4: 00000000000006f0',
              'Call Trace:',
              ' <TASK>',
              ' ? __warn+0xd1/0x1c0',
              f' ? {function}+0x1b2/0x1d0',
              ' ? report_bug+0x2a6/0x300',
              ' ? handle_bug+0x53/0x90',
              ' ? exc_invalid_op+0x17/0x40',
              ' ? asm_exc_invalid_op+0x1a/0x20',
              f' {function}+0x1b2/0x1d0']
    if function != 'kmem_cache_destroy':
        lines.append(' kmem_cache_destroy+0x8a/0x1d0')
    lines += [' kpart_matrix_destroy+0x5e/0xa0 [kpart]',
              ' __do_sys_delete_module.isra.0+0x2fd/0x4b0']
    lines += SYSCALL_END.rstrip('\n').split('\n')
    lines += ['irq event stamp: 8622',
              'hardirqs last  enabled at (8621): [<ffffffff81ee2c3b>] _raw_spin_unlock_irqrestore+0x4b/0x60',
              'hardirqs last disabled at (8622): [<ffffffff81ee29a1>] _raw_spin_lock_irq+0x41/0x50',
              'softirqs last  enabled at (8396): [<ffffffff8118c9c5>] handle_softirqs+0x505/0x740',
              'softirqs last disabled at (8387): [<ffffffff8118cd49>] irq_exit_rcu+0x79/0xb0',
              '---[ end trace 0000000000000000 ]---']
    return '\n'.join(lines) + '\n'


def leaked_cache(name, first=True, slab_dump=False):
    """What rmmod kpart prints for cache `name` that still holds objects:
    SLUB's report, whose taint switches lockdep off the first time, with the
    WARN_ON() of __kmem_cache_shutdown(), then kmem_cache_destroy()'s WARN().
    With `slab_dump`, SLUB's report has a dump of its own before its taint,
    as slab_err() prints it."""
    text = f'''\
=============================================================================
BUG {name} (Tainted: G           O      ): Objects remaining on __kmem_cache_shutdown()
-----------------------------------------------------------------------------

Object 0xffff888006e28000 @offset=0
Allocated in __kpart_kmalloc+0x9e/0x1c0 [kpart] age=2214 cpu=0 pid=97
 alloc_debug_processing+0x10b/0x2a0
 ___slab_alloc+0x8bf/0x1060
 __kmalloc_cache_noprof+0x2a5/0x330
 __kpart_kmalloc+0x9e/0x1c0 [kpart]
 kpart_stress_run+0x4f/0x6a0 [kpart_stress]
 do_one_initcall+0xa8/0x3c0
Object 0xffff888006e28040 @offset=64
Allocated in kpart_stress_rust_alloc+0x7b/0x110 [kpart_stress] age=2214 cpu=0 pid=97
 alloc_debug_processing+0x10b/0x2a0
 ___slab_alloc+0x8bf/0x1060
 kpart_stress_rust_alloc+0x7b/0x110 [kpart_stress]
Slab 0xffffea00001b8a00 objects=21 used=2 fp=0x000000004b6f1d2e flags=0x100000000000240(workingset|head|node=0|zone=1)
'''
    if slab_dump:
        text += HEAD.format(pid=104, comm='rmmod') + '''\
Call Trace:
 <TASK>
 dump_stack_lvl+0xa3/0x100
 slab_err+0x13d/0x180
 __kmem_cache_shutdown+0x5d5/0x6c0
 kmem_cache_destroy+0x8a/0x1d0
 kpart_matrix_destroy+0x5e/0xa0 [kpart]
 __do_sys_delete_module.isra.0+0x2fd/0x4b0
''' + SYSCALL_END
    if first:
        text += 'Disabling lock debugging due to kernel taint\n'
    return (text + warn('__kmem_cache_shutdown', 'mm/slub.c:1152')
            + warn('kmem_cache_destroy', 'mm/slab_common.c:548',
                   f'kmem_cache_destroy {name}: Slab cache still has objects when called from '
                   'kpart_matrix_destroy+0x5e/0xa0 [kpart]'))


def kmsg(excerpt, level=4, seq=10):
    """An excerpt of the kernel log as /dev/kmsg records."""
    return ''.join(f'{level},{seq + n},{5000000 + 1000 * n},-;{line}\n'
                   for n, line in enumerate(excerpt.rstrip('\n').split('\n')))


def boot(*excerpts):
    """The console of a boot whose kernel log holds `excerpts`, in order."""
    records = ''.join(kmsg(e, seq=1000 * (n + 1)) for n, e in enumerate(excerpts))
    return console(KERNEL_LOG_OK.replace('6,3,300,-;', records + '6,3,300,-;'))


def leak_boot_options():
    """The --allow and --require patterns tests/run-tests.sh gives the
    leak boot's guard."""
    text = (TOP / 'tests' / 'run-tests.sh').read_text()
    block = text[text.index('check_boot "leak boot"'):]
    block = block[:block.index('\n\n')]
    return re.findall(r"--allow '([^']*)'", block), re.findall(r"--require '([^']*)'", block)


class StackDumps(unittest.TestCase):
    """Every stack dump must belong to a report; lockdep switching itself
    off, a slab cache that cannot be made and the OOM killer are reports,
    with their dumps or without."""

    def fails(self, text, allow=(), require=(), expect=None):
        c = verdict.guard(text, allow, require)
        self.assertEqual((c.passed, c.failed), (0, 1), c.messages)
        if expect:
            self.assertTrue(any(expect in m for m in c.messages), (expect, c.messages))
        return c

    def test_excerpts_are_whole(self):
        # Every dump below has its report line or a line before its head,
        # "Call Trace:" and the end of its trace.
        for excerpt in (NON_STATIC_KEY, DUPLICATE_SYSFS, CACHE_CREATE_FAILED, OOM, BARE_DUMP,
                        ALLOC_FAILURE, leaked_cache('kpart-04-64'),
                        leaked_cache('kpart-04-64', slab_dump=True)):
            self.assertGreater(excerpt.count('\nCall Trace:\n'), 0, excerpt)
            self.assertEqual(excerpt.count('\nCall Trace:\n'), excerpt.count('\n </TASK>\n'), excerpt)

    def test_bare_stack_dump_fails(self):
        c = self.fails(boot(BARE_DUMP), expect='stack dump outside any report')
        self.assertIn("after 'kpart_sample_c: state checked' in insmod: kpart_sample_c_init < "
                      'do_one_initcall < do_init_module < init_module_from_file', c.messages[-1])
        # With nothing before its head, or before its trace.
        self.fails(boot(BARE_DUMP.split('\n', 1)[1]), expect='stack dump outside any report')
        self.fails(boot(BARE_DUMP[BARE_DUMP.index('Call Trace:'):]), expect='stack dump outside')
        # On the console.
        self.fails(console(extra='[    9.100000] Call Trace:\r\n[    9.100001]  <TASK>'),
                   expect='stack dump outside any report')

    def test_page_allocation_failure_fails(self):
        self.fails(boot(ALLOC_FAILURE), expect="after 'insmod: page allocation failure: order:10")

    def test_lockdep_turned_off_fails(self):
        self.fails(boot(NON_STATIC_KEY), expect='INFO: trying to register non-static key.')
        # Each line without the dump: lockdep is off all the same.
        for line in ('INFO: trying to register non-static key.',
                     'turning off the locking correctness validator.',
                     'INFO: lockdep is turned off.'):
            self.fails(boot(line), expect=line)
        # A taint that switches lockdep off, with no report.
        self.fails(boot("kpart_sample_c: module license 'Proprietary' taints kernel.\n"
                        'Disabling lock debugging due to kernel taint'),
                   expect='Disabling lock debugging due to kernel taint')

    def test_slab_cache_creation_failure_fails(self):
        self.fails(boot(CACHE_CREATE_FAILED),
                   expect='__kmem_cache_create_args(kpart-t-1f6c0e3a9b2d4c58-64) failed with error -12')
        self.fails(boot(CACHE_CREATE_FAILED.split('\n')[0]), expect='failed with error -12')

    def test_duplicate_sysfs_name_fails(self):
        c = self.fails(boot(DUPLICATE_SYSFS, CACHE_CREATE_FAILED.replace('-12', '-17')),
                       expect="sysfs: cannot create duplicate filename '/kernel/slab/kpart-t-")
        for line in ('kobject: kobject_add_internal failed for kpart-t-', 'failed with error -17'):
            self.assertTrue(any(line in m for m in c.messages), c.messages)
        self.fails(boot(DUPLICATE_SYSFS.split('\n')[0]), expect='cannot create duplicate filename')

    def test_oom_killer_fails(self):
        self.fails(boot(OOM), expect='insmod invoked oom-killer')
        for line in ('Out of memory: Killed process 131 (insmod) total-vm:2448kB, anon-rss:0kB, '
                     'file-rss:640kB, shmem-rss:0kB, UID:0 pgtables:44kB oom_score_adj:0',
                     'Memory cgroup out of memory: Killed process 131 (insmod) total-vm:2448kB',
                     'Out of memory and no killable processes...'):
            self.fails(boot(line), expect=line)

    def test_allowed_reports_with_their_dumps_pass(self):
        # The leak boot: the reports it provokes with their dumps, and the
        # taint notice inside the first, pass under the patterns
        # tests/run-tests.sh gives its guard; in every mode's cache names.
        allow, require = leak_boot_options()
        self.assertGreaterEqual(len(allow), 4)
        self.assertGreaterEqual(len(require), 2)
        log = ['kmemleak: Kernel memory leak detector disabled',
               leaked_cache('kpart-04-64'), leaked_cache('kpart-cg-04-64', first=False),
               leaked_cache('kpart-t-1f6c0e3a9b2d4c58-64', first=False),
               leaked_cache('kpart-s-03-64', first=False)]
        c = verdict.guard(boot(*log), allow, require)
        self.assertEqual((c.passed, c.failed), (1, 0), c.messages)
        # SLUB's report with a dump of its own (slab_err()), the taint after
        # its trace.
        c = verdict.guard(boot(log[0], leaked_cache('kpart-04-64', slab_dump=True)), allow, require)
        self.assertEqual((c.passed, c.failed), (1, 0), c.messages)

    def test_allowed_report_excuses_no_other_dump(self):
        allow, require = leak_boot_options()
        leak = leaked_cache('kpart-04-64')
        # A dump right after the allowed report's end.
        for dump in (BARE_DUMP, BARE_DUMP.split('\n', 1)[1]):
            self.fails(boot(leak, dump), allow, require, expect='stack dump outside any report')
        # A second dump in the allowed report, before its first one ended.
        torn = leak.replace(' </TASK>\nirq event stamp', 'irq event stamp', 1)
        torn = torn.replace('irq event stamp', BARE_DUMP[BARE_DUMP.index('CPU:'):] + 'irq event stamp', 1)
        self.fails(boot(torn), allow, require, expect='stack dump outside any report')
        # After an allowed line that comes with no dump of its own.
        self.fails(boot(leak, 'kmemleak: Kernel memory leak detector disabled\n'
                        + BARE_DUMP.split('\n', 1)[1]),
                   allow, require, expect='stack dump outside any report')
        # A report on the console owns no dump of the kernel log.
        warning = 'WARNING: CPU: 1 PID: 104 at mm/slab_common.c:548 kmem_cache_destroy+0x1b2/0x1d0'
        self.fails(console(KERNEL_LOG_OK.replace('6,3,300,-;', kmsg(BARE_DUMP.split('\n', 1)[1])
                                                 + '6,3,300,-;'), extra=f'[    5.000000] {warning}'),
                   allow, require, expect='stack dump outside any report')
        # A cut line starts another report: a dump after it with no report
        # line is no allowed report's.
        slub = leak[:leak.index('------------[ cut here')]
        self.fails(boot(slub + '------------[ cut here ]------------\n' + BARE_DUMP), allow, require,
                   expect='stack dump outside any report')
        # The taint notice outside the allowed report.
        self.fails(boot(leak.replace('Disabling lock debugging due to kernel taint\n', ''),
                        'Disabling lock debugging due to kernel taint'),
                   allow, require, expect='Disabling lock debugging')
        dumped = leaked_cache('kpart-04-64', slab_dump=True)
        self.fails(boot(dumped.replace(' </TASK>\nDisabling', ' </TASK>\nkpart: unloading\nDisabling', 1)),
                   allow, require, expect='Disabling lock debugging')
        # The same report from another place: not allowed, and its dump is
        # its own (no second failure for it).
        other = leak.replace('at mm/slab_common.c:548 kmem_cache_destroy',
                             'at mm/slub.c:100 free_to_partial')
        c = self.fails(boot(other), allow, require, expect='at mm/slub.c:100 free_to_partial')
        self.assertFalse(any('stack dump' in m for m in c.messages), c.messages)

    def test_dump_of_a_report_is_not_counted_again(self):
        c = self.fails(boot(warn('kpart_types_make', 'rust/module/pertype/type_caches.rs:412', comm='insmod')),
                       expect='WARNING: CPU: 1 PID: 104 at rust/module/pertype/type_caches.rs:412 kpart_types_make')
        self.assertFalse(any('stack dump' in m for m in c.messages), c.messages)


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
