# SPDX-License-Identifier: GPL-2.0
"""Compile one kernel source file with probe.h force-included and read the
allocation records Clang leaves in its LLVM IR: per allocation call, the
file, line and function, the allocator, its argument text, the size when
constant, whether the GFP flags hold __GFP_ACCOUNT, and the token Clang's
__builtin_infer_alloc_token infers from the call's arguments, once without a
bound (the 63-bit hash and the pointer flag) and once with
-falloc-token-max=64 (any smaller power of two follows exactly).
"""

import hashlib
import json
import re
import subprocess
import time
from dataclasses import dataclass, asdict
from pathlib import Path

from . import kernel_tree

PROBE_H = Path(__file__).resolve().parent / 'probe.h'
MAX_BOUND = 64
NO_TYPE = (1 << 64) - 1      # probe.h: the builtin was no constant

# Out-of-line copying allocators that probe.h wraps as macros: a file that
# defines one of them must not see the macro.
FUNCTION_WRAPPERS = ('kstrdup', 'kstrndup', 'kmemdup_nul', 'kvmemdup', 'memdup_user',
                     'vmemdup_user', 'memdup_user_nul', 'sock_kmalloc', 'nla_strdup', 'kasprintf')

RECORD = re.compile(
    r'^@(?P<global>[\w.$]+) = internal (?:unnamed_addr )?constant .*?\{ '
    r'i64 (?P<token>-?\d+), i64 (?P<size>-?\d+), i32 (?P<acct>-?\d+), '
    r'i32 (?P<line>\d+), \[\d+ x i8\] c"(?P<file>[^"]*)", '
    r'\[\d+ x i8\] c"(?P<name>[^"]*)", \[\d+ x i8\] c"(?P<args>[^"]*)"(?:, [^{}]*)? \}.*'
    r'section "\.kpart_probe"')


@dataclass
class Site:
    """One allocation call as Clang compiled it."""
    file: str          # as __FILE__ names it, relative to the source tree
    line: int
    func: str
    alloc: str         # the allocator macro or function: kmalloc, kzalloc...
    args: str          # its arguments' text after macro expansion
    size: int          # constant size in bytes, 0 when not constant
    acct: int          # 1 __GFP_ACCOUNT, 0 not, -1 flags not constant
    token: int         # unbounded token (0: Clang inferred no type)
    token64: int       # token with -falloc-token-max=64
    inferred: bool = True  # False: Clang's fallback token

    @property
    def where(self):
        """file:line, for the reader to check."""
        return f'{self.file}:{self.line}'

    def token_max(self, max_):
        """The token at bound MAX_ (a power of two up to 64)."""
        if self.token == 0:
            return 0
        half = MAX_BOUND // 2
        pointer = self.token64 >= half
        return (self.token64 % half) % (max_ // 2) + (max_ // 2 if pointer else 0)


class ProbeError(Exception):
    """A file Clang could not compile with the probe."""


def _unescape(s):
    return re.sub(r'\\([0-9A-Fa-f]{2})', lambda m: chr(int(m.group(1), 16)), s).rstrip('\0')


def parse_ir(text):
    """The Site records of one compile's LLVM IR (token field only)."""
    sites = []
    for line in text.splitlines():
        if '.kpart_probe' not in line:
            continue
        m = RECORD.match(line)
        if not m:
            continue
        g = m.group('global')
        func = g.split('.__kpart_rec')[0] if '.__kpart_rec' in g else ''
        sites.append(Site(file=_unescape(m.group('file')), line=int(m.group('line')),
                          func=func, alloc=_unescape(m.group('name')),
                          args=re.sub(r'\s+', ' ', _unescape(m.group('args'))),
                          size=int(m.group('size')) & ((1 << 64) - 1),
                          acct=int(m.group('acct')),
                          token=int(m.group('token')) & ((1 << 64) - 1), token64=0))
        if sites[-1].token == NO_TYPE:
            sites[-1].token, sites[-1].inferred = 0, False
    return sites


def _defines(text, name):
    """Whether TEXT defines function NAME (kernel style: the definition
    starts in column 0)."""
    return re.search(r'^[A-Za-z_][^;=()]*\b%s\s*\([^;]*$' % name, text, re.M) or \
        re.search(r'EXPORT_SYMBOL(?:_GPL)?\(%s\)' % name, text)


def probe_defines(text):
    """The -D options probe.h needs for a file with source TEXT."""
    defs = []
    if 'nla_memdup' in text or 'nla_strdup' in text:
        defs.append('-DKPART_PROBE_NETLINK')
    if 'sock_kmalloc' in text:
        defs.append('-DKPART_PROBE_SOCK')
    defs += [f'-DKPART_PROBE_NO_{n.upper()}' for n in FUNCTION_WRAPPERS if _defines(text, n)]
    return defs


class Prober:
    """Compiles source files with the probe, caching results in CACHE_DIR
    (keyed on the file's content, the probe, the flags and clang's version)."""

    def __init__(self, src, kdir, cache_dir, log=None, kconfig=None):
        self.src, self.kdir = Path(src), Path(kdir)
        self.kconfig = kconfig
        self.cache_dir = Path(cache_dir) / 'probe'
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.log = log or (lambda msg: None)
        self.clang = kernel_tree.clang_version()
        self.compiled = 0
        self.compile_seconds = 0.0
        self.memo = {}

    def _key(self, rel, text, args):
        h = hashlib.sha256()
        for part in (rel, text, PROBE_H.read_text(), ' '.join(args), self.clang,
                     Path(__file__).read_text()):
            h.update(part.encode(errors='replace'))
            h.update(b'\0')
        return h.hexdigest()[:24]

    def _compile(self, rel, args, bound):
        out = Path('/tmp') / f'kpart-efficacy-{rel.replace("/", "_")}.ll'
        cmd = ['clang-22'] + args[1:] + (['-falloc-token-max=%d' % bound] if bound else []) + \
            ['-include', str(PROBE_H), '-I', str(self.src / Path(rel).parent),
             '-S', '-emit-llvm', '-o', str(out), str(self.src / rel)]
        t0 = time.monotonic()
        r = subprocess.run(cmd, cwd=self.kdir, capture_output=True, text=True)
        self.compile_seconds += time.monotonic() - t0
        self.compiled += 1
        if r.returncode:
            errs = [ln for ln in r.stderr.splitlines() if 'error:' in ln]
            out.unlink(missing_ok=True)
            raise ProbeError(f'{rel}: clang-22 failed: {(errs or ["?"])[0][:300]}')
        text = out.read_text(errors='replace')
        out.unlink()
        return parse_ir(text)

    def sites(self, rel):
        """All allocation sites of source file REL (relative to the source
        tree), as Clang compiled them; ProbeError when it does not compile."""
        if rel in self.memo:
            if isinstance(self.memo[rel], Exception):
                raise self.memo[rel]
            return self.memo[rel]
        text = (self.src / rel).read_text(errors='replace')
        try:
            args, donor = kernel_tree.compile_args(self.kdir, rel)
            owner = self.kconfig.owner(rel) if self.kconfig else None
            if owner and owner.tristate:
                args.append('-DMODULE')
        except kernel_tree.TreeError as e:
            self.memo[rel] = ProbeError(str(e))
            raise self.memo[rel] from e
        args = args + probe_defines(text)
        cache = self.cache_dir / f'{self._key(rel, text, args)}.json'
        if cache.is_file():
            data = json.loads(cache.read_text())
        else:
            self.log(f'compiling {rel} (flags of {donor})')
            try:
                try:
                    plain = self._compile(rel, args, None)
                except ProbeError:
                    # Code of a symbol this tree's config leaves out: enable it.
                    owner = self.kconfig.owner(rel) if self.kconfig else None
                    if not owner or not owner.symbol:
                        raise
                    suffix = '_MODULE' if owner.tristate else ''
                    args = args + [f'-DCONFIG_{owner.symbol}{suffix}=1']
                    self.log(f'compiling {rel} again with CONFIG_{owner.symbol}{suffix}')
                    plain = self._compile(rel, args, None)
                bounded = self._compile(rel, args, MAX_BOUND)
                if len(plain) != len(bounded):
                    raise ProbeError(f'{rel}: the two compiles disagree on the sites')
                for a, b in zip(plain, bounded):
                    a.token64 = b.token
                    a.inferred = a.inferred and a.token != 0
                data = {'sites': [asdict(s) for s in plain], 'error': None, 'donor': donor}
            except ProbeError as e:
                data = {'sites': [], 'error': str(e), 'donor': donor}
            cache.write_text(json.dumps(data))
        if data['error']:
            self.memo[rel] = ProbeError(data['error'])
            raise self.memo[rel]
        self.memo[rel] = [Site(**s) for s in data['sites']]
        return self.memo[rel]
