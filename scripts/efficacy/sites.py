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

When no call scores enough, the object may come from a wrapper: a
function of the kernel whose own allocation call does the work
(ip_set_alloc, bpf_map_area_alloc, nf_ct_tmpl_alloc, alloc_netdev_mqs,
kmalloc_reserve). The allocation call the kernel runs, and whose token
Clang gives, is then the one inside the wrapper, so that is the site; the
routes to it (Resolver.through_wrappers) start from a call whose result
the object is: in the alloc_site function, assigned to a struct T *, sized
by an ops structure's size member (.priv_size = sizeof(struct xfrm_if),
read by rtnetlink), stored into the hint's struct member (skb->head), the
type's constructor (a function returning struct T * that allocates one),
a size macro holding sizeof(struct T) (SKB_HEAD_ALIGN), or a function
named by the hint's words that calls the hint's allocator (sendmsg,
sock_kmalloc). An object still unresolved gets a reason.
"""

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import alloc_token
from .chains import cache_kind
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
WRAPPER_DEPTH = 3      # wrappers followed inside wrappers
MAX_WRAPPERS = 8       # distinct callees followed per route
ALLOC_CALL = r'\b(?:k[vz]?[mcz]alloc\w*|kv?zalloc\w*|kv?calloc\w*|kmemdup\w*|kstrn?dup|' \
    r'kvmalloc\w*|nla_memdup|sock_kmalloc|kmem_cache_z?alloc\w*|kmem_buckets_\w*|' \
    r'v?memdup_user\w*)\s*\('


# Allocators probe.h records at the call: the direct path's business.
PROBED = {'kmalloc', 'kzalloc', 'kmalloc_node', 'kzalloc_node', 'kmalloc_array', 'kcalloc',
          'kmalloc_array_node', 'kcalloc_node', 'krealloc', 'krealloc_array',
          'kmalloc_track_caller', 'kmalloc_node_track_caller', 'kvmalloc', 'kvzalloc',
          'kvmalloc_node', 'kvzalloc_node', 'kvmalloc_array', 'kvcalloc', 'kmemdup',
          'kstrdup', 'kstrndup', 'kmemdup_nul', 'kvmemdup', 'memdup_user', 'vmemdup_user',
          'memdup_user_nul', 'kmem_cache_alloc', 'kmem_cache_zalloc', 'kmem_cache_alloc_node',
          'kmem_cache_alloc_lru', 'kmem_buckets_alloc', 'kmem_buckets_valloc', 'nla_memdup',
          'kasprintf', 'nla_strdup', 'sock_kmalloc'}
# Not wrappers of a subsystem: the allocators themselves.
NOT_WRAPPERS = ('mm/',)
# Words of C that look like calls.
C_WORDS = {'if', 'for', 'while', 'switch', 'return', 'sizeof', 'typeof', 'offsetof',
           'container_of', 'ERR_PTR', 'ERR_CAST', 'PTR_ERR', 'IS_ERR', 'READ_ONCE',
           'rcu_dereference', 'rcu_dereference_protected', 'likely', 'unlikely',
           'max', 'min', 'max_t', 'min_t', 'ALIGN', 'struct_size', 'array_size'}
PROSE_WORDS = {'with', 'from', 'into', 'user', 'data', 'freed', 'page', 'pages', 'buffer',
               'element', 'elements', 'struct', 'that', 'this', 'their', 'object'}
FUNC_DEF = re.compile(r'^(?:[A-Za-z_][^;=(){}\n]*\n)?(?:[A-Za-z_][^;=(){}\n]*?[\s*])?'
                      r'([A-Za-z_]\w*)\s*\('
                      r'[^;{}]*?\)\s*\{', re.M)
ASSIGN = re.compile(r'\b(\w+)\s*=\s*(?:\([^()]*\)\s*)?(\w+)\s*\(')


def is_probed(name):
    """Whether NAME is an allocator probe.h records at its call."""
    return name in PROBED or name.endswith('_noprof')


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
    via: list = field(default_factory=list)    # wrapper route: 'func() file:line'
    reason: str = ''               # unresolved: why, in one line
    best: tuple = None             # unresolved: (score, site) of the best call

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
                'alternatives': self.alternatives, 'via': self.via,
                'reason': self.reason or None}


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
        self._funcs = {}
        self._follow = {}
        self._follow_errors = {}
        self._errors = []
        self._failed = ''
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
        """Resolve OBJ (a chains.Obj) of a chain of SUBSYSTEM: an allocation
        call of the candidate files, else one inside a wrapper."""
        res = self.resolve_direct(obj, subsystem)
        if res.status == 'resolved':
            return res
        self._errors, self._failed = [], ''
        found = self.through_wrappers(obj, subsystem)
        res.errors += [e for e in self._errors if e not in res.errors]
        if found:
            site, s, why, via = found
            res.status, res.site, res.score, res.why, res.via = 'resolved', site, s, why, via
            return res
        res.reason = self.reason(obj, res)
        if self._failed:
            res.reason = f'{self._failed} (the route that would resolve it)'
        return res

    def resolve_direct(self, obj, subsystem):
        """The best allocation call of OBJ's candidate files."""
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
            res.best = (s, site)
            return res
        res.status, res.site, res.score, res.why = 'resolved', site, s, why
        res.alternatives = sum(1 for x in scored[1:] if x[0] == s and
                               (x[2].token, x[2].token64) != (site.token, site.token64))
        return res

    # Wrappers: the allocation call inside a kernel function that allocates
    # for its caller.

    def functions(self, rel):
        """[(name, start, end)]: the function definitions of file REL, as
        offsets of its text (kernel style: the closing brace in column 0)."""
        if rel not in self._funcs:
            text, out = self.text(rel), []
            for m in FUNC_DEF.finditer(text):
                end = re.compile(r'^\}', re.M).search(text, m.end())
                out.append((m.group(1), m.start(), end.end() if end else len(text)))
            self._funcs[rel] = out
        return self._funcs[rel]

    def body(self, rel, func):
        """(start offset, text) of function FUNC in REL, or None."""
        for name, start, end in self.functions(rel):
            if name == func:
                return start, self.text(rel)[start:end]
        return None

    def enclosing(self, rel, pos):
        """(name, start, end) of the function of REL holding offset POS."""
        for f in self.functions(rel):
            if f[1] <= pos < f[2]:
                return f
        return None

    def statement_lines(self, rel, line):
        """How many lines the statement starting on line LINE of REL spans."""
        n = 0
        for text in self.lines(rel)[line - 1:line + 7]:
            n += 1
            if ';' in text:
                break
        return n

    def line_of(self, rel, pos):
        """The line number of offset POS of REL."""
        return self.text(rel).count('\n', 0, pos) + 1

    def declared(self, rel, var, tag, pos=None):
        """Whether VAR is declared a struct TAG * in REL (in the function
        holding offset POS, when given)."""
        text = self.text(rel)
        fn = self.enclosing(rel, pos) if pos is not None else None
        if fn:
            text = text[fn[1]:fn[2]]
        return re.search(r'struct\s+%s\s*\*\s*(?:\w+\s*(?:=[^,;]*)?,\s*\*?\s*)*%s\b'
                         % (re.escape(tag), re.escape(var)), text) is not None

    def macro_target(self, name):
        """The function a function-like macro NAME of the headers calls
        first ('alloc_netdev' -> 'alloc_netdev_mqs'), or None."""
        r = subprocess.run(['grep', '-rhE', '--include=*.h', '-A3',
                            r'^#\s*define\s+%s\(' % name, 'include', 'net', 'kernel'],
                           cwd=self.src, capture_output=True, text=True)
        m = re.search(r'define\s+%s\([^)]*\)\s*(?:\\\s*)?([\s\S]*)' % re.escape(name), r.stdout)
        if not m:
            return None
        for callee in re.findall(r'\b([A-Za-z_]\w*)\s*\(', m.group(1)):
            if callee not in C_WORDS and callee != name:
                return callee
        return None

    def follow(self, name, depth=0):
        """The allocation sites inside kernel function NAME, through the
        wrappers it calls or returns: [(site, names on the way)]."""
        if name in self._follow:
            self._errors += self._follow_errors.get(name, [])
            return self._follow[name]
        self._follow[name] = []         # no cycles
        errors = len(self._errors)
        out = []
        if depth <= WRAPPER_DEPTH and name not in C_WORDS and not is_probed(name):
            files = [f for f in self.grep(name) if not f.startswith(NOT_WRAPPERS) and
                     self.body(f, name)]
            if not files:
                target = self.macro_target(name)
                if target:
                    out = [(s, [name] + v) for s, v in self.follow(target, depth + 1)]
            for f in files[:2]:
                start, text = self.body(f, name)
                if not re.search(ALLOC_CALL + r'|\breturn\s+\w+\s*\(|=\s*\w+\s*\(', text):
                    continue
                try:
                    sites = [s for s in self.prober.sites(f) if s.file == f and s.func == name]
                except ProbeError as e:
                    self._errors.append(str(e))
                    continue
                if sites:
                    out += [(s, [f'{name}()']) for s in sites]
                    continue
                callees = []
                for c in re.findall(r'(?:\breturn\s+|=\s*)(?:\([^()]*\)\s*)?(\w+)\s*\(', text):
                    if c != name and c not in callees and c not in C_WORDS:
                        callees.append(c)
                for c in callees[:MAX_WRAPPERS]:
                    out += [(s, [f'{name}()'] + v) for s, v in self.follow(c, depth + 1)]
                if out:
                    break
        self._follow[name] = out
        self._follow_errors[name] = self._errors[errors:]
        return out

    def pick(self, obj, found):
        """The best of FOUND [(site, via, evidence)], in the route's order,
        for OBJ: the cache kind the write-up names, then the usual score,
        then the route's order."""
        kind = cache_kind(obj.cache)

        def key(x):
            site = x[1][0]
            fam = 'dedicated' if site.alloc.startswith('kmem_cache_alloc') else 'kmalloc'
            s, _ = self.score(site, obj)
            return (kind is not None and kind != 'page' and fam != kind, -s, x[0])
        return sorted(enumerate(found), key=key)[0][1] if found else None

    def entries(self, obj, subsystem):
        """The routes to a wrapper, best first: lists of (evidence, file,
        line, callee) whose callee's result is the object; callee None
        when the call at FILE:LINE is itself an allocation call."""
        key = f'wrappers|{obj.key}|{subsystem}'
        if key not in self._cand:
            self._cand[key] = [r for r in (
                self.route_alloc_site(obj), self.route_ops_size(obj),
                self.route_constructor(obj, subsystem), self.route_assigned(obj, subsystem),
                self.route_member(obj, subsystem), self.route_named(obj),
                self.route_size_macro(obj, subsystem)) if r]
        return self._cand[key]

    def through_wrappers(self, obj, subsystem):
        """(site, score, why, via) through a wrapper, or None."""
        for route in self.entries(obj, subsystem):
            found = []
            seen = set()
            for evidence, f, line, callee in route:
                errors = len(self._errors)
                if callee is None:
                    # Clang's __LINE__ of a call over several lines is its last
                    last = line + self.statement_lines(f, line) - 1
                    try:
                        sites = [s for s in self.prober.sites(f) if s.file == f and
                                 line <= s.line <= last]
                    except ProbeError as e:
                        self._errors.append(str(e))
                        sites = []
                    found += [(s, [], evidence) for s in sites]
                elif callee not in seen and len(seen) < MAX_WRAPPERS:
                    seen.add(callee)
                    found += [(s, v, evidence) for s, v in self.follow(callee)]
                if len(self._errors) > errors and not self._failed:
                    err = self._errors[errors].replace(f'{self.src}/', '')
                    self._failed = f'{evidence}, but {err}'
            best = self.pick(obj, found)
            if best:
                site, via, evidence = best
                s, why = self.score(site, obj)
                return site, max(s, MIN_SCORE), [evidence] + why, via
        return None

    def route_alloc_site(self, obj):
        """Calls in the alloc_site function whose result is the object."""
        out = []
        if not obj.alloc_site:
            return out
        for f in [f for f in self.grep(obj.alloc_site) if self.defines(f, obj.alloc_site)]:
            start, text = self.body(f, obj.alloc_site) or (0, '')
            for m in ASSIGN.finditer(text):
                var, callee = m.group(1), m.group(2)
                if obj.tag and not self.declared(f, var, obj.tag, start + m.start()):
                    continue
                if not is_probed(callee):
                    out.append((f'{obj.alloc_site}() calls {callee}()', f,
                                self.line_of(f, start + m.start()), callee))
        return out

    def route_assigned(self, obj, subsystem):
        """Calls whose result is assigned to a struct T * (files of the
        subsystem, of the hints, the candidates)."""
        if not obj.tag:
            return []
        dirs = subsystem_dirs(self.src, subsystem)
        dirs += sorted({str(Path(f).parent) for f in self.candidates(obj, subsystem)})
        pool = self.grep(f'struct {obj.tag}')
        files = [f for f in pool if any(f.startswith(d + '/') for d in dirs) or
                 any(h in self.text(f) for h in obj.hints)]
        files += [f for f in self.candidates(obj, subsystem) if f not in files]
        out = []
        for f in files:
            for m in ASSIGN.finditer(self.text(f)):
                var, callee = m.group(1), m.group(2)
                if is_probed(callee) or callee in C_WORDS or \
                        not self.declared(f, var, obj.tag, m.start()):
                    continue
                fn = self.enclosing(f, m.start())
                rank = ('alloc' not in callee.lower(), -sum(h in self.text(f) for h in obj.hints),
                        not any(f.startswith(d + '/') for d in dirs))
                out.append((rank, (f'{fn[0] if fn else "?"}() assigns {callee}() to a '
                                   f'struct {obj.tag} *', f, self.line_of(f, m.start()),
                                   callee)))
        return [e for _, e in sorted(out, key=lambda x: x[0])]

    def ops_size_fields(self, obj):
        """(member, ops struct) of initialisers '.priv_size = sizeof(struct
        xfrm_if)' inside 'struct rtnl_link_ops x = {', for the type and the
        struct types of the hint."""
        names = [obj.tag] if obj.tag else []
        names += [h for h in obj.hints if h != obj.tag]
        out = set()
        for name in names:
            for f in self.grep(f'struct {name}'):
                text = self.text(f)
                for m in re.finditer(r'\.(\w+)\s*=\s*(?:sizeof|offsetof)\s*\(\s*struct\s+%s\b'
                                     % re.escape(name), text):
                    ops = re.findall(r'struct\s+(\w+)\s+\w+[^;{}()]*=\s*\{', text[:m.start()])
                    if ops:
                        out.add((m.group(1), ops[-1]))
        return sorted(out)

    def route_ops_size(self, obj):
        """Calls sized by an ops structure's size member, in the files that
        use that ops structure (rtnetlink for rtnl_link_ops.priv_size)."""
        out = []
        for member, ops in self.ops_size_fields(obj):
            for f in self.grep(f'struct {ops}'):
                for m in re.finditer(r'(?:\b(\w+)\s*=\s*)?(?:\([^()]*\)\s*)?(\w+)\s*\('
                                     r'[^;]*?->%s\b' % re.escape(member), self.text(f)):
                    callee = m.group(2)
                    if callee in C_WORDS:
                        continue
                    fn = self.enclosing(f, m.start(2))
                    ev = f'{fn[0] if fn else "?"}() calls {callee}() sized by ' \
                        f'struct {ops}.{member} (set to the size of the type)'
                    line = self.line_of(f, m.start(2))
                    out.append((ev, f, line, None if is_probed(callee) else callee))
        return out

    def route_member(self, obj, subsystem):
        """For a raw buffer whose hint names struct S and a member of it
        (sk_buff head/data): what is stored into that member, where the
        stored value comes from a call in the same function."""
        if obj.tag:
            return []
        paren = ' '.join(re.findall(r'\(([^()]*)\)', obj.type_text))
        words = set(re.findall(r'[A-Za-z_]\w*', paren))
        pairs = set(obj.members)
        for h in obj.hints:
            pairs |= {(h, w) for w in words if w != h}
        out = []
        for struct, member in sorted(pairs):
            pool = self.grep(f'struct {struct}')
            if not pool:
                continue
            store = re.compile(r'\b(\w+)->%s\s*=\s*(?:\([^()]*\)\s*)?(\w+)\s*([(;])'
                               % re.escape(member))
            for f in pool:
                text = self.text(f)
                if f'->{member}' not in text:
                    continue
                for m in store.finditer(text):
                    if not self.declared(f, m.group(1), struct, m.start()):
                        continue
                    fn = self.enclosing(f, m.start())
                    if not fn:
                        continue
                    if m.group(3) == '(':
                        calls = [(m.start(2), m.group(2))]
                    else:
                        calls = [(fn[1] + a.start(2), a.group(2)) for a in re.finditer(
                            r'\b(%s)\s*=\s*(?:\([^()]*\)\s*)?(\w+)\s*\(' % re.escape(m.group(2)),
                            text[fn[1]:m.start()])]
                    for pos, callee in calls:
                        if callee in C_WORDS:
                            continue
                        out.append((f'{fn[0]}() stores {callee}() into {struct}->{member}',
                                    f, self.line_of(f, pos),
                                    None if is_probed(callee) else callee))
        # the most common wrapper first
        count = {}
        for e in out:
            count[e[3]] = count.get(e[3], 0) + 1
        return sorted(out, key=lambda e: (-count[e[3]], e[1], e[2]))

    def route_named(self, obj):
        """An allocator named by the hint (sock_kmalloc), called in a
        function the hint's other words name (sendmsg -> ____sys_sendmsg)."""
        allocs = [h for h in obj.hints if is_probed(h)]
        words = {w for w in re.findall(r'[A-Za-z]\w{3,}', ' '.join(
            re.findall(r'\(([^()]*)\)', obj.type_text)))
                 if w.lower() not in PROSE_WORDS and w not in allocs}
        out = []
        for a in allocs:
            for f in self.grep(a):
                for name, start, end in self.functions(f):
                    if not any(w in name.split('_') for w in words):
                        continue
                    text = self.text(f)[start:end]
                    for m in re.finditer(r'\b%s\s*\(' % re.escape(a), text):
                        out.append((f'{a}() in {name}() (hint)', f,
                                    self.line_of(f, start + m.start()), None))
        return out

    def route_constructor(self, obj, subsystem):
        """The type's constructor: a function returning a struct T * that
        assigns an allocation call to a struct T *."""
        if not obj.tag:
            return []
        r = subprocess.run(['grep', '-rlE', '--include=*.c', '-e',
                            r'^(static |inline |__\w+ )*struct %s \*' % obj.tag, '.'],
                           cwd=self.src, capture_output=True, text=True)
        dirs = subsystem_dirs(self.src, subsystem)
        out = []
        for f in sorted(p[2:] for p in r.stdout.split()):
            if f.startswith(SKIP_DIRS) and not f.startswith('arch/x86/'):
                continue
            text = self.text(f)
            for name, start, end in self.functions(f):
                head = text[start:text.index('(', start)]
                if not re.search(r'\bstruct\s+%s\s*\*\s*\w+$' % obj.tag, head.strip()):
                    continue
                for m in re.finditer(r'\b(\w+)\s*=\s*(?:\([^()]*\)\s*)?(\w+)\s*\(',
                                     text[start:end]):
                    if is_probed(m.group(2)) and \
                            self.declared(f, m.group(1), obj.tag, start + m.start()):
                        rank = not any(f.startswith(d + '/') for d in dirs)
                        out.append((rank, (f'in {name}(), which returns a struct {obj.tag} *',
                                           f, self.line_of(f, start + m.start()), None)))
        return [e for _, e in sorted(out, key=lambda x: x[0])][:MAX_FILES]

    def size_macros(self, tag):
        """The function-like macros of the headers whose definition holds
        sizeof(struct TAG)."""
        r = subprocess.run(['grep', '-rlE', '--include=*.h',
                            r'sizeof\s*\(\s*struct\s+%s\s*\)' % tag, 'include'],
                           cwd=self.src, capture_output=True, text=True)
        out = set()
        for h in r.stdout.split():
            text = (self.src / h).read_text(errors='replace')
            for m in re.finditer(r'^#\s*define\s+(\w+)\(((?:[^\n]*\\\n)*[^\n]*)', text, re.M):
                if re.search(r'sizeof\s*\(\s*struct\s+%s\s*\)' % tag, m.group(2)):
                    out.add(m.group(1))
        return sorted(out)

    def route_size_macro(self, obj, subsystem):
        """Allocation calls sized by a variable set from a macro that holds
        sizeof(struct T) (SKB_HEAD_ALIGN for struct skb_shared_info); the
        subsystem's files first, then the files with the most."""
        if not obj.tag:
            return []
        dirs = subsystem_dirs(self.src, subsystem)
        out = []
        for mac in self.size_macros(obj.tag):
            for f in self.grep(mac):
                text = self.text(f)
                for m in re.finditer(r'\b(\w+)\s*=\s*%s\s*\(' % re.escape(mac), text):
                    fn = self.enclosing(f, m.start())
                    if not fn:
                        continue
                    rest = text[m.end():fn[2]]
                    for a in re.finditer(ALLOC_CALL + r'[^;]*\b%s\b' % re.escape(m.group(1)),
                                         rest):
                        out.append((f'{fn[0]}() sizes it by {mac}(), which holds '
                                    f'sizeof(struct {obj.tag})',
                                    f, self.line_of(f, m.end() + a.start()), None))
        count = {}
        for e in out:
            count[e[1]] = count.get(e[1], 0) + 1
        return sorted(out, key=lambda e: (not any(e[1].startswith(d + '/') for d in dirs),
                                          -count[e[1]], e[1], e[2]))[:2 * MAX_FILES]

    def reason(self, obj, res):
        """Why OBJ stays unresolved, in one line."""
        if obj.tag and not self.grep(f'struct {obj.tag}'):
            return f'struct {obj.tag} is in no C file of this kernel (code removed or renamed)'
        if res.errors and not res.tried:
            return f'a candidate file does not compile: {res.errors[0]}'
        best = res.best
        tail = '; no wrapper call leads to an allocation'
        if obj.tag and best is None:
            return f'no allocation call or wrapper takes the size of struct {obj.tag} or ' \
                f'returns one (allocated inside another object?){tail}'
        if best is not None:
            s, site = best
            return f'no call matches: the best, {site.where} {site.func}() {site.alloc}, ' \
                f'scores {s} < {MIN_SCORE}{tail}'
        if res.errors:
            return f'a candidate file does not compile: {res.errors[0]}'
        return f'no candidate file holds the hint\'s identifiers ' \
            f'({", ".join(obj.hints) or "none"}){tail}'
