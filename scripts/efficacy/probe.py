# SPDX-License-Identifier: GPL-2.0
"""kpart's one tool for the allocation token at each site: compile C with
probe.h and read back from the LLVM IR the token Clang's
__builtin_infer_alloc_token gives each allocation call.

A plain kernel source file (Prober, for kpart-efficacy): probe.h is
force-included and leaves a record per allocation call: the file, line and
function, the allocator, its argument text, the size when constant, whether
the GFP flags hold __GFP_ACCOUNT, and the token, once without a bound (the
63-bit hash and the pointer flag) and once with -falloc-token-max=64 (any
smaller power of two follows exactly).

A module built by make wrap (wrapped_command, wrapped_sites, for
kpart-sites): include/kpart_wrap.h includes probe.h after kpart.h, and each
call of the builtin kpart.h's macros make leaves a marker call that carries
Clang's token at the module's bound, and the type name and pointer flag
Clang inferred there.
"""

import hashlib
import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, asdict
from pathlib import Path

from . import kernel_tree, shape_model

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
    # The inferred type, as shape_model.annotate() finds it in the IR: its
    # name (Clang's for the token), size, layout signature and whether it
    # is itself a pointer; None, 0 when unknown.
    type_name: str = None
    type_size: int = 0
    signature: str = None
    type_pointer: bool = False

    @property
    def where(self):
        """file:line, for the reader to check."""
        return f'{self.file}:{self.line}'

    def token_max(self, max_):
        """The token at bound MAX_ (a power of two up to 64)."""
        if self.token == 0:
            return 0
        return rebound(self.token64, MAX_BOUND, max_)


def rebound(token, from_max, to_max):
    """A token Clang gave at bound FROM_MAX, at a bound TO_MAX no larger
    (both powers of two): exact, as the pointer flag is the top bit and
    the hash part is reduced modulo a power of two."""
    if to_max == 1:
        return 0
    pointer = token >= from_max // 2
    return (token % (from_max // 2)) % (to_max // 2) + (to_max // 2 if pointer else 0)


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
        self.layout_seconds = 0.0
        self.memo = {}

    def _key(self, rel, text, args):
        h = hashlib.sha256()
        for part in (rel, text, PROBE_H.read_text(), ' '.join(args), self.clang,
                     Path(__file__).read_text(), *(p.read_text() for p in shape_model.SOURCES)):
            h.update(part.encode(errors='replace'))
            h.update(b'\0')
        return h.hexdigest()[:24]

    def _compile(self, rel, args, bound):
        """The sites of one compile; the unbounded one (BOUND None) has
        full debug information, for the layout of each site's type
        (shape_model.annotate)."""
        out = Path('/tmp') / f'kpart-efficacy-{rel.replace("/", "_")}.ll'
        cmd = ['clang-22'] + args[1:] + (['-falloc-token-max=%d' % bound] if bound else []) + \
            (shape_model.DEBUG_FLAGS if bound is None else []) + \
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
        sites = parse_ir(text)
        if bound is None:
            t0 = time.monotonic()
            shape_model.annotate(text, sites)
            self.layout_seconds += time.monotonic() - t0
        return sites

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


# A module built by make wrap: probe.h hooks the builtin.

MARKER = re.compile(r'^\s*(%[\w.]+) = call .*@__kpart_probe_site\(')
TOKEN_CALL = re.compile(r'@__kpart_probe_token\(ptr (?:noundef )?(%[\w.]+), '
                        r'i64 (?:noundef )?(-?\d+|%[\w.]+)\)')
CALL_MD = re.compile(r'!dbg (![0-9]+)(?:.*?!alloc_token (![0-9]+))?')
MD_LINE = re.compile(r'^(![0-9]+) = (?:distinct )?(.*)$')
BOUND_FLAG = re.compile(r'^!\d+ = !\{i32 \d+, !"alloc-token-max", i64 (-?\d+)\}')


def wrapped_command(args):
    """A compile command Kbuild saved for a wrapped module's C file, as an
    argument list, turned into one that writes IR to stdout with probe.h
    included after kpart.h and the alloc-token instrumentation on."""
    out = []
    skip = False
    for a, nxt in zip(args, args[1:] + ['']):
        if skip:
            skip = False
            continue
        if a == '-o':
            skip = True
            continue
        # The kernel's sanitizers (KASAN, UBSAN) do not combine with the
        # alloc-token instrumentation, and change nothing Clang infers.
        if a == '-mllvm' and nxt.startswith(('-asan-', '-hwasan-')):
            skip = True
            continue
        if a.startswith(('-fsanitize=', '-fsanitize-')):
            continue
        if a == '-c' or a.startswith('-Wp,-MMD') or a.startswith('-Wp,-MD'):
            continue
        out.append(a)
    src = out.pop()
    return out + [f'-DKPART_WRAP_CATALOGUE="{PROBE_H}"', '-S', '-emit-llvm', '-Xclang',
                  '-disable-llvm-passes', '-fsanitize=alloc-token', '-gline-tables-only',
                  '-o', '-', src]


def wrapped_ir(cmd, kdir):
    """The IR of a wrapped_command, run in KDIR, after LLVM's alloc-token
    pass: it turns the builtin into the token wherever the front end did
    not fold it (a type inferred from a cast), as in any build, and no
    other pass moves, merges or inlines the calls. ProbeError when it
    fails."""
    r = subprocess.run(cmd, cwd=kdir, capture_output=True, text=True)
    if r.returncode:
        raise ProbeError(f'clang-22 failed:\n{r.stderr[-2000:]}')
    r = subprocess.run(['opt-22', '-S', '-passes=alloc-token'], input=r.stdout,
                       capture_output=True, text=True)
    if r.returncode:
        raise ProbeError(f'opt-22 failed:\n{r.stderr[-2000:]}')
    return r.stdout


def _metadata(ir):
    """{'!N': text} for every metadata node of the IR."""
    md = {}
    for line in ir.splitlines():
        m = MD_LINE.match(line)
        if m:
            md[m.group(1)] = m.group(2)
    return md


def _field(text, name):
    m = re.search(rf'\b{name}: (!?[0-9]+|"[^"]*")', text)
    return m.group(1).strip('"') if m else None


def _subprogram(md, scope):
    """Function name and file of a debug scope (a subprogram or a block)."""
    for _ in range(64):
        text = md.get(scope, '')
        if text.startswith('!DISubprogram('):
            f = md.get(_field(text, 'file'), '')
            return _field(text, 'name'), _field(f, 'filename')
        scope = _field(text, 'scope')
        if scope is None:
            break
    return None, None


def _bound(ir):
    """The module's -falloc-token-max (0 and none: unbounded)."""
    for line in ir.splitlines():
        m = BOUND_FLAG.match(line)
        if m:
            return int(m.group(1)) & ((1 << 64) - 1) or UNBOUNDED
    return UNBOUNDED


UNBOUNDED = (1 << 64) - 1


def wrapped_sites(ir, kdir, top):
    """The builtin's call sites in the IR of one wrapped file, sorted: tuples
    (file relative to TOP, line, column, function, type or None, pointer,
    token with bound 64). The token is Clang's, at the module's bound (a
    power of two of at least 64), reduced to 64; the fallback, 0, where
    Clang inferred no type. ProbeError for IR this tool cannot read."""
    bound = _bound(ir)
    if bound < MAX_BOUND or bound & (bound - 1):
        raise ProbeError(f'-falloc-token-max={bound}: not a power of two from {MAX_BOUND}')
    md = _metadata(ir)
    pending = {}
    found = set()
    for line in ir.splitlines():
        if line.startswith('define '):
            pending.clear()
            continue
        m = MARKER.match(line)
        if m:
            pending[m.group(1)] = line
            continue
        m = TOKEN_CALL.search(line)
        if not m:
            continue
        marker = pending.pop(m.group(1), None)
        if marker is None:
            raise ProbeError(f'a token call without its marker: {line.strip()}')
        cm = CALL_MD.search(marker)
        if not cm:
            raise ProbeError(f'a marker call without a debug location: {marker.strip()}')
        loc = md[cm.group(1)]
        func, fname = _subprogram(md, _field(loc, 'scope'))
        fname = os.path.relpath(os.path.join(kdir, fname), top) if fname else '?'
        type_, pointer, token = None, False, 0
        if cm.group(2):
            tm = re.match(r'!\{!"((?:[^"\\]|\\.)*)", i1 (true|false)\}', md[cm.group(2)])
            if not tm:
                raise ProbeError(f'unexpected !alloc_token metadata: {md[cm.group(2)]}')
            type_, pointer = tm.group(1), tm.group(2) == 'true'
            if m.group(2).startswith('%'):
                raise ProbeError(f'{fname}:{_field(loc, "line")}: Clang inferred {type_} '
                                 'but gave no constant token')
            full = int(m.group(2)) & ((1 << 64) - 1)
            if (full >= bound // 2) != pointer:
                raise ProbeError(f'{fname}:{_field(loc, "line")}: token {full} and the '
                                 f'pointer flag of {type_} disagree')
            token = rebound(full, bound, MAX_BOUND)
        found.add((fname, int(_field(loc, 'line')), int(_field(loc, 'column')), func,
                   type_, pointer, token))
    if pending:
        raise ProbeError(f'{len(pending)} marker calls without their token call')
    return sorted(found, key=lambda s: (s[0], s[1], s[2]))
