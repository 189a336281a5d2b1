#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The verdict of `make test`: how every kind of result is counted.

tests/run-tests.sh calls one subcommand per source of results; each prints
its findings on stderr and one line "PASSED FAILED SKIPPED" on stdout. Every
rule here fails closed: a missing, truncated, stale or unparsable result is
a failure, never a pass. tests/harness/test_verdict.py feeds each failure
shape to these functions.

    verdict.py guard CONSOLE_LOG [--allow RE]... [--require RE]...
    verdict.py kunit KTAP --kunit-py PATH --json OUT --group NAME[:SUITE,...]...
    verdict.py cargo LOG --status N
    verdict.py unittest LOG --status N
    verdict.py guest --status N --ktap-failed N
    verdict.py suites DIR        the KUnit suites DIR's Rust sources declare
"""

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field

# The one pattern of checker reports. A line of the kernel log that matches
# fails the boot it comes from, whichever test caused it.
REPORT = re.compile(r'''
      BUG:                              # BUG: KASAN..., sleeping function..., unable to handle...
    | \bBUG\ \S+\ \([^)]*\):            # SLUB: "BUG kpart-03-64 (Not tainted): Poison overwritten"
    | kernel\ BUG\ at
    | WARNING:                          # WARN*(), lockdep's reports, suspicious RCU usage
    | \bOops\b
    | KASAN
    | UBSAN
    | general\ protection\ fault
    | Unexpected\ gfp:                  # the slab allocator fixing a caller's flags
    | Kernel\ panic
    | INFO:\ task\ .*\ blocked\ for\ more\ than
    | rcu:?\ .*(stall|INFO:)
    | unreferenced\ object\ 0x          # kmemleak's suspects
    | kmemleak:\ (?!Kernel\ memory\ leak\ detector\ initialized)
    # Lockdep switched off: it checks nothing for the rest of the boot.
    | INFO:\ trying\ to\ register\ non-static\ key
    | turning\ off\ the\ locking\ correctness\ validator
    | INFO:\ lockdep\ is\ turned\ off
    | Disabling\ lock\ debugging\ due\ to\ kernel\ taint
    # A slab cache that could not be made: "__kmem_cache_create_args(kpart-
    # t-...-64) failed with error -12", or its sysfs directory.
    | kmem_cache_create\w*\(.*\)\ failed
    | sysfs:\ cannot\ create\ duplicate\ filename
    | kobject_add_internal\ failed
    # The OOM killer.
    | invoked\ oom-killer
    | [Oo]ut\ of\ memory.*:\ Killed\ process
    | Out\ of\ memory\ and\ no\ killable\ processes
''', re.X)

# Stack dumps. dump_stack() and show_regs() print "Call Trace:", WARN() and
# BUG() a cut line before their report line. A dump belongs to the report
# whose line opened it: the last one before its trace, with no other trace
# in between. A dump that no report opened (a bare dump_stack(), the page
# allocator's failures, a shape REPORT does not know) fails the boot as well;
# an allowed report excuses its own dump and no other.
CALL_TRACE = re.compile(r'^Call Trace:$')
CUT_HERE = re.compile(r'^-+\[ cut here \]-+$')
TRACE_END = re.compile(r'^</TASK>$')
# What still belongs to a report after its trace: the IRQ state lockdep adds
# to a WARN(), and the taint notice of a report whose taint switches lockdep
# off (SLUB's errors). A WARN() ends with an end line.
TRAILER = re.compile(r'^(irq event stamp:|hardirqs last|softirqs last'
                     r'|Disabling lock debugging due to kernel taint$)')
REPORT_END = re.compile(r'^---\[ end trace [0-9a-f]+ \]---$')
TAINT_LOCKDEP_OFF = re.compile(r'^Disabling lock debugging due to kernel taint$')
# Report lines that never come with a dump of their own (kmemleak's, the
# taint notice) open no report: an allowed one must not excuse a dump after
# it.
NO_DUMP = re.compile(r'^(kmemleak:|unreferenced object|Disabling lock debugging)')
# What dump_stack_print_info() and show_regs() print before the trace:
# passed over to name what a dump is about.
DUMP_HEAD = re.compile(r'^(CPU: \d+ UID: |Tainted: \[|Hardware name: |Workqueue: |Modules linked in:'
                       r'|(RIP|Code|RSP|FS|GS|CS|CR2|DR[0-7]|PKRU|R[A-Z0-9]{1,2}): |$)')
FRAME = re.compile(r'^(\?\s+)?([\w.$]+)\+0x[0-9a-f]+/0x[0-9a-f]+')
# The frames of the dumping itself.
DUMP_FRAMES = {'dump_stack_lvl', 'dump_stack', 'show_stack', 'show_trace_log_lvl', '__warn',
               'report_bug', 'handle_bug', 'exc_invalid_op', 'asm_exc_invalid_op'}

# qemu/init.sh's exports of the whole kernel log and of kmemleak's suspects.
KERNEL_LOG = 'kernel.log'
KERNEL_LOG_COMPLETE = 'KPART-KERNEL-LOG-COMPLETE'
KMEMLEAK = 'kmemleak'

# A record of /dev/kmsg ("4,123,456789,-;text") or a console line
# ("[   12.345678] text"), reduced to its text.
RECORD_PREFIX = re.compile(r'^(\d+,\d+,\d+,[^;]*;|\[\s*\d+\.\d+\]\s?)')


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    messages: list = field(default_factory=list)

    def ok(self, what):
        self.passed += 1
        self.messages.append(f'ok - {what}')

    def fail(self, what):
        self.failed += 1
        self.messages.append(f'not ok - {what}')


def exports(console):
    """The files a guest exported (qemu/guest-lib.sh's kpart_export) and the
    console without them. A file whose end marker never came is absent."""
    files, rest, name, body = {}, [], None, []
    for line in console.replace('\r', '').split('\n'):
        if name is None and line.startswith('KPART-FILE-BEGIN '):
            name, body = line.split(' ', 1)[1], []
        elif name is not None and line == 'KPART-FILE-END':
            files[name] = '\n'.join(body)
            name = None
        elif name is not None:
            body.append(line)
        else:
            rest.append(line)
    return files, '\n'.join(rest)


def unowned_dump(lines, i):
    """What the stack dump whose "Call Trace:" is lines[i] is about: the line
    before its head, the task, and the first frames past the dumping."""
    cause, task = None, None
    for line in reversed(lines[max(0, i - 40):i]):
        m = re.search(r'^CPU: \d+ UID: \d+ PID: \d+ Comm: (\S+)', line)
        if m and task is None:
            task = m.group(1)
        if not DUMP_HEAD.match(line):
            cause = line
            break
    frames = []
    for line in lines[i + 1:i + 60]:
        if TRACE_END.match(line) or len(frames) == 4:
            break
        m = FRAME.match(line)
        if m and not m.group(1) and m.group(2) not in DUMP_FRAMES:
            frames.append(m.group(2))
    return (f'stack dump outside any report, after {cause!r}' if cause else
            'stack dump outside any report') + (f' in {task}' if task else '') + \
        (': ' + ' < '.join(frames) if frames else '')


def reports(text, allow=()):
    """The report lines of `text` that no pattern in `allow` excuses, and the
    stack dumps no report owns, reduced to their text, each once, in order."""
    seen, found = set(), []

    def report(line):
        if line not in seen:
            seen.add(line)
            found.append(line)

    texts = [RECORD_PREFIX.sub('', line).rstrip() for line in text.split('\n')]
    # Without indentation, for the shape of dumps.
    lines = [t.lstrip() for t in texts]
    # The report a dump now would belong to: True when it is allowed, False
    # when not, None when no report is open; whether its dump came, and
    # whether its trace ended.
    owner, dumped, ended = None, False, False
    for i, (raw, line) in enumerate(zip(texts, lines)):
        if ended and not TRAILER.match(line):
            owner, ended = None, False
        if REPORT_END.match(line) or CUT_HERE.match(line):
            # A WARN() ended, or another report starts: its report line
            # comes after the cut.
            owner, dumped, ended = None, False, False
        elif REPORT.search(raw):
            allowed = any(re.search(a, raw) for a in allow)
            if TAINT_LOCKDEP_OFF.match(line) and owner is True:
                continue
            if not allowed:
                report(raw)
            if not NO_DUMP.search(line):
                owner, dumped, ended = allowed, False, False
        elif CALL_TRACE.match(line):
            if owner is None or dumped:
                report(unowned_dump(lines, i))
            dumped = True
        elif TRACE_END.match(line) and dumped:
            ended = True
    return found


def shared_exports(directory):
    """The kernel log and kmemleak report a guest exported over the share
    (qemu/boot.sh -o DIR), by name; none when there is no directory."""
    files = {}
    for name in (KERNEL_LOG, KMEMLEAK):
        path = os.path.join(directory, name) if directory else None
        if path and os.path.exists(path):
            with open(path, errors='replace') as f:
                files[name] = f.read()
    return files


def guard(console, allow=(), require=(), shared=None):
    """The guard of one boot: its console and the kernel log and kmemleak
    report it exported (on the console, or over the share: `shared` maps the
    shared files' names to their text) must hold no report but the allowed
    ones, and every required pattern."""
    c = Counts()
    files, rest = exports(console)
    files.update(shared or {})
    problems = []
    log = files.get(KERNEL_LOG)
    if log is None:
        problems.append('the guest did not export its kernel log (crash, timeout?)')
        log = ''
    elif KERNEL_LOG_COMPLETE not in log:
        problems.append('the exported kernel log is incomplete (records were lost)')
    text = '\n'.join([rest, log, files.get(KMEMLEAK, '')])
    # Each source on its own: a dump belongs to a report of its own source.
    found = []
    for source in (rest, log, files.get(KMEMLEAK, '')):
        found += [r for r in reports(source, allow) if r not in found]
    problems += [f'report: {r}' for r in found[:40]]
    if len(found) > 40:
        problems.append(f'... {len(found) - 40} more reports')
    for r in require:
        if not any(re.search(r, RECORD_PREFIX.sub('', line)) for line in text.split('\n')):
            problems.append(f'no line matches the expected {r!r}')
    if problems:
        c.fail('kernel log of the boot: ' + '; '.join(problems[:1]))
        c.messages += ['    ' + p for p in problems]
    else:
        c.ok('kernel log of the boot is clean')
    return c


def walk_json(group, path=()):
    """(path, case name, status) for every case of kunit.py's JSON."""
    for case in group.get('test_cases', []):
        yield path, case['name'], case['status']
    for sub in group.get('sub_groups', []):
        yield from walk_json(sub, path + (sub['name'],))


def ktap_skips(ktap):
    """(group, case, reason) for every '# SKIP' result of the document; the
    group is the top-level subtest the line is in."""
    group, out = None, []
    for line in ktap.split('\n'):
        m = re.match(r'^ {4}# Subtest: (\S+)', line)
        if m:
            group = m.group(1)
        m = re.match(r'^\s*ok \d+ (\S+) # SKIP ?(.*)$', line)
        if m:
            out.append((group, m.group(1), m.group(2)))
    return out


def kunit(ktap, kunit_py, json_path, expected):
    """The guest's KTAP document, parsed by the kernel's kunit.py.

    `expected` maps each group that must be there to the KUnit suites it must
    hold. A case may skip only because kpart is in the other mode than the
    one it needs (a group kunit_<mode>_... names its mode), and every skipped
    case must pass in some group."""
    c = Counts()
    if not ktap.strip():
        c.fail('the guest printed no KTAP document')
        return c
    if os.path.exists(json_path):
        os.remove(json_path)
    ktap_path = json_path + '.ktap'
    with open(ktap_path, 'w') as f:
        f.write(ktap)
    parse = subprocess.run([sys.executable, kunit_py, 'parse', f'--json={json_path}', ktap_path],
                           capture_output=True, text=True)
    c.messages += [line for line in parse.stdout.split('\n')
                   if line and not re.search(r'\[(PASSED|SKIPPED)\]', line)]
    try:
        with open(json_path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        c.fail(f'kunit.py parse wrote no JSON ({e}): {parse.stderr.strip()[-300:]}')
        return c
    cases = list(walk_json(doc))
    for path, name, status in cases:
        if status == 'PASS':
            c.passed += 1
        elif status == 'SKIP':
            c.skipped += 1
        else:
            c.fail('/'.join(path + (name,)) + f': {status}')
    # What kunit.py finds wrong with the document itself (a missing result
    # line, a crashed suite) is in its summary, not in the JSON's cases.
    summary = re.search(r'Testing complete\. Ran \d+ tests?:(.*)', parse.stdout)
    errors = re.search(r'errors: (\d+)', summary.group(1)) if summary else None
    if not summary:
        c.fail('kunit.py parse printed no summary')
    elif errors:
        for line in re.findall(r'\[(?:ERROR|CRASHED)\].*', parse.stdout):
            c.messages.append(f'    {line}')
        c.failed += int(errors.group(1))
        c.messages.append(f'not ok - kunit.py found {errors.group(1)} errors in the document')
    if parse.returncode != 0 and c.failed == 0:
        c.fail(f'kunit.py parse exited {parse.returncode} with no failed case: '
               + parse.stderr.strip()[-300:])
    raw_not_ok = len(re.findall(r'^\s*not ok \d+', ktap, re.M))
    if raw_not_ok and c.failed == 0:
        c.fail(f'the KTAP document has {raw_not_ok} "not ok" lines, the parse none')

    def ran(g):
        """A suite ran when it has cases, its own or in parameterised ones."""
        return bool(g.get('test_cases')) or any(ran(s) for s in g.get('sub_groups', []))

    groups = {g['name']: g for g in doc.get('sub_groups', [])}
    leaves = {name for (path, name, _) in cases if len(path) == 0}
    for group, suites in expected.items():
        if group not in groups:
            c.fail(f'group {group} is missing' + (' (a leaf: it ran nothing)'
                                                   if group in leaves else ''))
            continue
        have = {s['name']: s for s in groups[group].get('sub_groups', [])}
        for suite in suites:
            if suite not in have or not ran(have[suite]):
                c.fail(f'{group}: KUnit suite {suite} did not run')
    for group in groups:
        if group not in expected:
            c.fail(f'group {group} was not expected')

    for group, case, reason in ktap_skips(ktap):
        # "needs kpart in M mode" or "in M or N mode": a case may skip only
        # in a group of another mode. "needs kpart loaded with
        # max_caches=N": only in a group whose name does not end in _capN
        # (the load at that cap).
        m = re.fullmatch(r'needs kpart in ((?:typed|random|pertype|shape)'
                         r'(?: or (?:typed|random|pertype|shape))?) mode', reason)
        cap = re.fullmatch(r'needs kpart loaded with max_caches=(\d+)', reason)
        gm = re.match(r'kunit_(typed|random|pertype|shape)', group or '')
        if cap and gm and not (group or '').endswith(f'_cap{cap.group(1)}'):
            continue
        if not m or not gm or gm.group(1) in m.group(1).split(' or '):
            c.fail(f'{group}: {case} skipped: {reason!r}')
    statuses = {}
    for path, name, status in cases:
        statuses.setdefault((path[1:], name), set()).add(status)
    for (path, name), s in statuses.items():
        if 'SKIP' in s and 'PASS' not in s and 'FAIL' not in s and 'ERROR' not in s:
            c.fail('/'.join(path + (name,)) + ' skipped in every group: it never ran')
    return c


def cargo(log, status):
    """`cargo test`: every binary's summary line, and cargo's exit status (a
    binary that aborts prints no summary and stops the ones after it)."""
    c = Counts()
    results = re.findall(r'^test result: \w+\. (\d+) passed; (\d+) failed', log, re.M)
    c.passed = sum(int(p) for p, _ in results)
    c.failed = sum(int(f) for _, f in results)
    c.messages += [line for line in log.split('\n')
                   if re.match(r'^test .* FAILED$|^error|.*panicked', line)]
    if not results:
        c.fail('cargo printed no test result')
    if status != 0 and c.failed == 0:
        c.fail(f'cargo test exited {status} with no failed test')
    return c


def unittest(log, status):
    """`python3 -m unittest`: its summary, and its exit status. A skipped
    test did not run: a failure."""
    c = Counts()
    c.messages += [line for line in log.split('\n')
                   if re.search(r' \.\.\. (FAIL|ERROR|skipped.*)$|^(FAIL|ERROR): ', line)]
    ran = re.search(r'^Ran (\d+) tests? in', log, re.M)
    if not ran:
        c.fail('unittest printed no summary')
        return c
    total = int(ran.group(1))
    tail = log[ran.end():]
    bad = sum(int(n) for n in re.findall(r'(?:failures|errors|unexpected successes)=(\d+)', tail))
    skipped = sum(int(n) for n in re.findall(r'skipped=(\d+)', tail))
    c.passed = total - bad - skipped
    c.failed = bad + skipped
    if total == 0:
        c.fail('unittest ran no test')
    if status != 0 and c.failed == 0:
        c.fail(f'unittest exited {status} with no failed test')
    return c


def guest(status, ktap_failed):
    """The guest script's exit status must agree with its KTAP document:
    0 with no failed check, 1 with some; anything else (124: timeout, 125: no
    status, a crash) is a failure of its own."""
    c = Counts()
    if status == 0 or (status == 1 and ktap_failed > 0):
        c.ok(f'guest script exited {status}')
    else:
        c.fail(f'guest script exited {status} with {ktap_failed} failed checks')
    return c


def suites(directory):
    """The names of the KUnit suites declared with kunit_suite!() in the Rust
    sources of `directory`: what the guest must run and report."""
    names = []
    for name in sorted(os.listdir(directory)):
        if name.endswith('.rs'):
            with open(os.path.join(directory, name)) as f:
                names += re.findall(r'^kunit_suite!\(\s*\w+,\s*"(\w+)"', f.read(), re.M)
    return names


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    g = sub.add_parser('guard')
    g.add_argument('console')
    g.add_argument('--files', help='the directory of the files the guest exported (boot.sh -o)')
    g.add_argument('--allow', action='append', default=[])
    g.add_argument('--require', action='append', default=[])
    k = sub.add_parser('kunit')
    k.add_argument('ktap')
    k.add_argument('--kunit-py', required=True)
    k.add_argument('--json', required=True)
    k.add_argument('--group', action='append', default=[])
    for name in ('cargo', 'unittest'):
        s = sub.add_parser(name)
        s.add_argument('log')
        s.add_argument('--status', type=int, required=True)
    s = sub.add_parser('suites')
    s.add_argument('dir')
    s = sub.add_parser('guest')
    s.add_argument('--status', type=int, required=True)
    s.add_argument('--ktap-failed', type=int, required=True)
    a = ap.parse_args(argv)

    def text(path):
        try:
            with open(path, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    if a.cmd == 'suites':
        found = suites(a.dir)
        print('\n'.join(found))
        sys.exit(0 if found else 1)
    if a.cmd == 'guard':
        c = guard(text(a.console), a.allow, a.require, shared_exports(a.files))
    elif a.cmd == 'kunit':
        expected = {}
        for spec in a.group:
            name, _, names = spec.partition(':')
            expected[name] = [s for s in names.split(',') if s]
        c = kunit(text(a.ktap), a.kunit_py, a.json, expected)
    elif a.cmd == 'cargo':
        c = cargo(text(a.log), a.status)
    elif a.cmd == 'unittest':
        c = unittest(text(a.log), a.status)
    else:
        c = guest(a.status, a.ktap_failed)
    for m in c.messages:
        print(m, file=sys.stderr)
    print(c.passed, c.failed, c.skipped)


if __name__ == '__main__':
    main()
