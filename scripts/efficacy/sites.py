# SPDX-License-Identifier: GPL-2.0
"""Resolving an object of a write-up (its C type, its alloc_site function
and the identifiers in its hint) to one allocation call in the kernel
source, with the token Clang gives that call.

No per-chain table: candidate files come from searching the source (the
file defining the alloc_site function; else files naming the struct and
allocating it with sizeof; else files holding the hint's identifiers),
Clang compiles each candidate with the probe, and each allocation call is
scored: Clang inferred the named type at it (its token is that type's), it
is in the alloc_site function, the variable it is assigned to is declared
with the type, the hint's identifiers are in its statement.
"""

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import alloc_token
from .probe import ProbeError

# C names of the raw element types write-ups use, as Clang prints them.
BASE_TYPES = {'char': 'char', 'u8': 'unsigned char', 'unsigned char': 'unsigned char',
              'u16': 'unsigned short', 'u32': 'unsigned int', 'u64': 'unsigned long long',
              'int': 'int', 'long': 'long'}
MAX_FILES = 4
CODE = Path(__file__).read_text()      # cached candidates depend on it
# Not the x86_64 kernel: user-space tools, other architectures, samples.
SKIP_DIRS = ('tools/', 'arch/', 'samples/', 'Documentation/', 'scripts/', 'usr/',
             'drivers/s390/')
MIN_SCORE = 5
ALLOC_CALL = r'\b(?:k[vz]?[mcz]alloc\w*|kv?zalloc\w*|kv?calloc\w*|kmemdup\w*|kstrn?dup|' \
    r'kvmalloc\w*|nla_memdup|sock_kmalloc|kmem_cache_z?alloc\w*|kmem_buckets_\w*|' \
    r'v?memdup_user\w*)\s*\('


@dataclass
class Resolution:
    """Where an object is allocated, or why that is unknown."""
    status: str                    # resolved, unresolved
    site: object = None            # probe.Site
    score: int = 0
    why: list = field(default_factory=list)
    tried: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    alternatives: int = 0          # other sites with the best score

    def to_json(self):
        """A JSON-ready dict."""
        s = self.site
        return {'status': self.status, 'site': s.where if s else None,
                'function': s.func if s else None, 'allocator': s.alloc if s else None,
                'token': s.token if s else None, 'token64': s.token64 if s else None,
                'token16': s.token_max(16) if s else None,
                'inferred': s.inferred if s else None, 'size': s.size if s else None,
                'acct': s.acct if s else None, 'score': self.score, 'why': self.why,
                'files_tried': self.tried, 'errors': self.errors,
                'alternatives': self.alternatives}


def subsystem_dirs(src, subsystem):
    """Source directories a data set's subsystem text names ('netfilter/
    nf_tables' -> net/netfilter; 'perf (kernel/events)' -> kernel/events)."""
    dirs = []
    words = re.findall(r'[\w./-]+', subsystem or '')
    for w in words:
        w = w.strip('/.')
        parts = w.split('/')
        for cand in (w, 'net/' + w, 'kernel/' + w, 'fs/' + w, 'drivers/' + w,
                     parts[0], 'net/' + parts[0], 'kernel/' + parts[0]):
            if cand and (Path(src) / cand).is_dir() and cand not in dirs:
                dirs.append(cand)
                break
    return dirs


class Resolver:
    """Resolves objects to allocation sites (with a Prober and a source tree)."""

    def __init__(self, src, prober, log=None, cache_dir=None):
        self.src = Path(src)
        self.prober = prober
        self.log = log or (lambda msg: None)
        self._grep = {}
        self._cand = {}
        self._fields = {}
        self._text = {}
        self._lines = {}
        self._grep_file = Path(cache_dir) / 'grep.json' if cache_dir else None
        if self._grep_file and self._grep_file.is_file():
            saved = json.loads(self._grep_file.read_text())
            if saved.get('src') == str(self.src):
                self._grep = saved['words']
                if saved.get('code') == CODE:
                    self._cand = saved['candidates']

    def save(self):
        """Keep the source searches for the next run."""
        if self._grep_file:
            self._grep_file.write_text(json.dumps({
                'src': str(self.src), 'code': CODE,
                'words': self._grep, 'candidates': self._cand}))

    def text(self, rel):
        """A source file's text (cached)."""
        if rel not in self._text:
            self._text[rel] = (self.src / rel).read_text(errors='replace')
        return self._text[rel]

    def lines(self, rel):
        """A source file's lines (cached)."""
        if rel not in self._lines:
            self._lines[rel] = self.text(rel).splitlines()
        return self._lines[rel]

    def grep(self, word):
        """C files (relative) of the x86_64 kernel that hold WORD as a word."""
        if word not in self._grep:
            r = subprocess.run(['grep', '-rlwF', '--include=*.c', '-e', word, '.'],
                               cwd=self.src, capture_output=True, text=True)
            self._grep[word] = sorted(p[2:] for p in r.stdout.split()
                                      if not p[2:].startswith(SKIP_DIRS) or
                                      p[2:].startswith('arch/x86/'))
        return self._grep[word]

    def defines(self, rel, func):
        """Whether file REL defines function FUNC."""
        return re.search(r'^[A-Za-z_][^;=()]*\b%s\s*\([^;]*?\)\s*\{' % re.escape(func),
                         self.text(rel), re.M) is not None

    def candidates(self, obj, subsystem):
        """The files most likely to allocate OBJ, best first (cached)."""
        key = f'{obj.key}|{subsystem}'
        if key not in self._cand:
            self._cand[key] = self._candidates(obj, subsystem)
        return self._cand[key]

    def _candidates(self, obj, subsystem):
        dirs = subsystem_dirs(self.src, subsystem)
        if obj.alloc_site:
            files = [f for f in self.grep(obj.alloc_site) if self.defines(f, obj.alloc_site)]
            if files:
                return sorted(files, key=lambda f: (not any(f.startswith(d) for d in dirs),
                                                    f))[:MAX_FILES]
        scored = {}
        if obj.tag:
            pool = self.grep(f'struct {obj.tag}')
            for f in pool:
                text = self.text(f)
                s = 0
                if re.search(ALLOC_CALL + r'[^;]*sizeof\s*\(\s*struct\s+%s\b' % obj.tag, text):
                    s += 5
                for var in set(re.findall(r'struct\s+%s\s*\*\s*(\w+)' % obj.tag, text)):
                    if re.search(r'\b%s\s*=\s*' % var + ALLOC_CALL +
                                 r'[^;]*sizeof\s*\(\s*\*\s*%s\b' % var, text):
                        s += 4
                        break
                if re.search(r'struct\s+%s\s*\{' % obj.tag, text):
                    s += 2
                if re.search(r'\w\s*=\s*sizeof\s*\(\s*struct\s+%s\b' % obj.tag, text):
                    s += 3      # a size variable Clang follows to the type
                if re.search(ALLOC_CALL, text):
                    s += 1
                if s == 0:
                    continue
                s += 2 * any(f.startswith(d + '/') for d in dirs)
                s += sum(h in text for h in obj.hints)
                scored[f] = s
        elif obj.hints:
            pool = set()
            for h in obj.hints:
                pool.update(f for f in self.grep(h)
                            if not dirs or any(f.startswith(d + '/') for d in dirs))
            if not pool:        # the object is outside the chain's subsystem
                for h in obj.hints:
                    pool.update(self.grep(h))
            for f in pool:
                text = self.text(f)
                hits = sum(h in text for h in obj.hints)
                if hits and re.search(ALLOC_CALL, text):
                    scored[f] = 2 * hits + any(self.defines(f, h) for h in obj.hints)
        best = sorted(scored, key=lambda f: (-scored[f], f))[:MAX_FILES]
        for f in self.size_field_users(obj):
            if f not in best:
                best.append(f)
        return best

    def size_fields(self, obj):
        """Members that carry OBJ's size to a generic allocator:
        '.elemsize = offsetof(struct nft_rhash_elem, ext)' or
        '.priv_size = sizeof(struct sfq_sched_data)' give elemsize and
        priv_size (for the tag and the struct types of the hint)."""
        names = [obj.tag] if obj.tag else []
        names += [h for h in obj.hints if h != obj.tag]
        fields = set()
        for name in names:
            for f in self.grep(f'struct {name}'):
                for field_ in re.findall(
                        r'\.(\w+)\s*=\s*(?:sizeof|offsetof)\s*\(\s*struct\s+%s\b'
                        % re.escape(name), self.text(f)):
                    fields.add((field_, str(Path(f).parent)))
        return sorted(fields)

    def size_field_users(self, obj):
        """Files whose allocation calls take their size from a size field."""
        out = []
        for field_, where in self.size_fields(obj):
            for f in self.grep(field_):
                if str(Path(f).parent) != where:
                    continue
                if re.search(ALLOC_CALL + r'[^;]*(?:->|\.)%s\b' % field_, self.text(f)) or \
                        re.search(r'\w+\s*=[^;=]*(?:->|\.)%s\b[^;]*;' % field_, self.text(f)):
                    out.append(f)
        return sorted(set(out))[:MAX_FILES]

    def statement(self, site):
        """The source text of the statement holding SITE's call."""
        lines = self.lines(site.file) if (self.src / site.file).is_file() else []
        if not 0 < site.line <= len(lines):
            return ''
        first = site.line - 1
        while first > 0 and first > site.line - 4 and \
                not lines[first - 1].rstrip().endswith((';', '{', '}', ':', '*/')) and \
                not lines[first - 1].lstrip().startswith('#'):
            first -= 1
        out = ' '.join(x.strip() for x in lines[first:site.line])
        i = site.line
        while ';' not in out and i < len(lines) and i < site.line + 6:
            out += ' ' + lines[i].strip()
            i += 1
        return out

    def function_text(self, site):
        """The text of SITE's function up to SITE's line."""
        lines = self.lines(site.file)[:site.line]
        for i in range(len(lines) - 1, -1, -1):
            if re.match(r'^[A-Za-z_].*\b%s\s*\(' % re.escape(site.func), lines[i]):
                return '\n'.join(lines[i:])
        return ''

    def lhs_declared(self, site, tag):
        """Whether the variable SITE's result is assigned to is declared as
        a pointer to struct TAG (in the same file)."""
        m = re.search(r'(\w+)\s*=\s*(?:\([^)]*\)\s*)?' + ALLOC_CALL, self.statement(site))
        if not m:
            return False
        return re.search(r'struct\s+%s\s*\*\s*(?:\w+\s*,\s*\*?\s*)*%s\b' % (tag, m.group(1)),
                         self.text(site.file)) is not None

    def score(self, site, obj):
        """How well SITE matches OBJ, and why."""
        s, why = 0, []
        if obj.tag and site.inferred and site.token in (alloc_token.token(obj.tag, False),
                                                        alloc_token.token(obj.tag, True)):
            s += 10
            why.append(f'Clang infers struct {obj.tag}')
        if obj.base and site.inferred and obj.base in BASE_TYPES and \
                site.token in (alloc_token.token(BASE_TYPES[obj.base], False),):
            s += 3
            why.append(f'Clang infers {BASE_TYPES[obj.base]}')
        if obj.alloc_site and site.func == obj.alloc_site:
            s += 6
            why.append(f'in {obj.alloc_site}()')
        if obj.tag and self.lhs_declared(site, obj.tag):
            s += 5
            why.append(f'assigned to a struct {obj.tag} *')
        stmt = self.statement(site)
        if obj.key not in self._fields:
            self._fields[obj.key] = self.size_fields(obj)
        fields = self._fields[obj.key]
        for field_, where in fields:
            if str(Path(site.file).parent) != where:
                continue
            if re.search(r'(?:->|\.)%s\b' % field_, stmt) or \
                    re.search(r'(?:->|\.)%s\b' % field_, self.function_text(site)):
                s += 5
                why.append(f'size from .{field_} (= sizeof/offsetof of the type)')
                break
        for struct, member in obj.members:
            m = re.search(r'(\w+)->%s\s*=' % re.escape(member), stmt)
            if m and re.search(r'struct\s+%s\s*\*\s*(?:\w+\s*,\s*\*?\s*)*%s\b'
                               % (re.escape(struct), m.group(1)), self.text(site.file)):
                s += 6
                why.append(f'assigned to {struct}->{member}')
        for h in obj.hints:
            if h == site.func:
                s += 5          # the hint names the allocating function
                why.append(f'in {h}() (hint)')
            elif h == site.alloc:
                s += 3
                why.append(f'hint {h}')
            elif re.search(r'\b%s\b' % re.escape(h), stmt):
                s += 2 if re.search(r'\b%s\s*=[^=]' % re.escape(h), stmt) else 1
                why.append(f'hint {h}')
        return s, why

    def resolve(self, obj, subsystem):
        """Resolve OBJ (a chains.Obj) of a chain of SUBSYSTEM."""
        res = Resolution('unresolved')
        files = self.candidates(obj, subsystem)
        res.tried = files
        scored = []
        for f in files:
            try:
                sites = self.prober.sites(f)
            except ProbeError as e:
                res.errors.append(str(e))
                continue
            for site in sites:
                if site.file != f:
                    continue
                s, why = self.score(site, obj)
                scored.append((s, why, site))
        if not files:
            res.why = ['no candidate file in the source']
        if not scored:
            return res
        scored.sort(key=lambda x: (-x[0], x[2].line))
        s, why, site = scored[0]
        if s < MIN_SCORE:
            res.why = [f'best candidate {site.where} scores {s} < {MIN_SCORE}']
            return res
        res.status, res.site, res.score, res.why = 'resolved', site, s, why
        res.alternatives = sum(1 for x in scored[1:] if x[0] == s and
                               (x[2].token, x[2].token64) != (site.token, site.token64))
        return res
