#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The kernel's allocating functions, which of them make wrap routes through
kpart, and which a wrapped module still calls.

    helpers.py routed
    helpers.py allocating [--src SRC] NAME...
    helpers.py remaining [--src SRC] [--json] MODULE.ko...

Allocating functions are derived from the kernel source (SRC, default: the
one scripts/build/toolchain.sh extracts), not listed here:

  - every function its headers declare with __malloc, __alloc_size or
    __realloc_size: the compiler's own notion of an allocator (kmalloc's
    out-of-line paths, kmemdup, kasprintf, memdup_user, vmalloc...);
  - every macro or inline function of its headers, and every exported
    function of its C files, that returns what an allocating function
    returns: directly (kstrdup_const() returns kstrdup()), through a
    variable (nla_strdup() returns what kmalloc() gave it), or, for a macro,
    in its expansion (kmalloc() is alloc_hooks(kmalloc_noprof())), up to
    MAX_DEPTH calls deep, through static functions of the same file too;
  - exported data that the in-line allocators read (kmalloc_caches, which
    kmalloc() reads for a constant size).

Routed: the allocators include/kpart_wrap.h redefines (#undef NAME, then
#define NAME(...) with an expansion that takes an allocation token).

Remaining, per module: its undefined symbols (nm -u) that are allocating,
less those kpart's own in-line paths call (the symbols include/kpart.h and
include/kpart_wrap.h reach, which nm cannot tell from the module's) and
those the other modules given with it define (built by make wrap too): the
allocations of the module that do not go through kpart, such as
sock_kmalloc(), a header's inline function compiled before the kmalloc
family is redefined, or kmem_cache_alloc() of a dedicated cache.

scripts/kpart-wrap prints the remaining functions of each module it
builds, and the efficacy model (scripts/efficacy) counts an allocation of
a wrapped module as kpart's only when its allocator is routed.
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
WRAP_H = TOP / 'include' / 'kpart_wrap.h'
KPART_H = TOP / 'include' / 'kpart.h'
CACHE_DIR = TOP / 'out' / 'wrap'
CODE = Path(__file__).read_text()

ALLOC_ATTRS = ('__malloc', '__alloc_size', '__realloc_size')
HEADER_DIRS = ('include', 'arch/x86/include')
# Headers whose macros are attributes (compiler_attributes.h and the like):
# they are stripped from a declaration before its name is looked for.
ATTR_HEADERS = ('include/linux/compiler_attributes.h', 'include/linux/compiler_types.h',
                'include/linux/compiler.h', 'include/linux/compiler-clang.h')
MAX_DEPTH = 8
KEYWORDS = {'if', 'for', 'while', 'switch', 'return', 'sizeof', 'typeof', '__typeof__',
            'do', 'else', 'case', 'goto', 'defined', '_Generic', '__builtin_choose_expr',
            '__builtin_expect', '__attribute__', 'asm', '__asm__', 'volatile'}
IDENT_CALL = re.compile(r'\b([A-Za-z_]\w*)\s*\(')
# (name)(...): a call of the function that a macro of the same name hides.
PAREN_CALL = re.compile(r'\(\s*([A-Za-z_]\w*)\s*\)\s*\(')
EXPORT = re.compile(r'^EXPORT_SYMBOL(?:_GPL)?(?:_FOR_MODULES)?\(\s*(\w+)', re.M)


def strip_comments(text):
    """TEXT without C comments and with continued lines joined."""
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    return re.sub(r'\\\n', ' ', text)


def balanced(text, i, open_='(', close=')'):
    """The index just past the group that opens at TEXT[i]."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == open_:
            depth += 1
        elif text[j] == close:
            depth -= 1
            if depth == 0:
                return j + 1
    return len(text)


class Unit:
    """The macros and top-level functions of one file: {name: (params,
    body)} and {name: (declaration, body or None)}."""

    def __init__(self, path, text):
        self.path = path
        self.macros = {}
        self.functions = {}
        code = []
        for line in strip_comments(text).split('\n'):
            s = line.strip()
            if s.startswith('#'):
                m = re.match(r'#\s*define\s+(\w+)(\(([^)]*)\))?\s*(.*)$', s)
                if m:
                    self.macros.setdefault(m.group(1), (m.group(3), m.group(4)))
                code.append('')
            else:
                code.append(line)
        self._declarations(' '.join(code))

    def _declarations(self, code):
        start, i, n = 0, 0, len(code)
        while i < n:
            c = code[i]
            if c == ';':
                self._add(code[start:i], None)
                start = i + 1
            elif c == '{':
                end = balanced(code, i, '{', '}')
                self._add(code[start:i], code[i + 1:end - 1])
                i = end
                # struct definitions end in a declarator and ';'
                if code[i:].lstrip().startswith(';'):
                    i = code.index(';', i)
                start = i + 1
            elif c == '(':
                i = balanced(code, i) - 1
            i += 1

    def _add(self, decl, body):
        decl = ' '.join(decl.split())
        if '(' not in decl or decl.startswith('typedef'):
            return
        name = function_name(decl)
        if name:
            old = self.functions.get(name)
            if old is None or (old[1] is None and body is not None):
                self.functions[name] = (decl, body)


ATTR_NAMES = set()


def function_name(decl):
    """The name a declaration declares, its attribute macros left out."""
    text = decl
    while True:
        m = re.search(r'\b(__attribute__|__asm__|asm)\s*\(', text)
        if not m:
            break
        text = text[:m.start()] + ' ' + text[balanced(text, m.end() - 1):]
    for m in IDENT_CALL.finditer(text):
        name = m.group(1)
        if name in ATTR_NAMES or name in KEYWORDS:
            continue
        before = text[:m.start()].strip()
        if not before or before.endswith(('=', ',', '(', 'return')):
            return None     # an expression, not a declaration
        return name
    return None


def attribute_macros(src):
    """The attribute macros of the compiler headers, and every macro whose
    expansion is made of them."""
    names = set()
    bodies = {}
    for rel in ATTR_HEADERS:
        p = Path(src) / rel
        if p.is_file():
            for name, (_, body) in Unit(rel, p.read_text(errors='replace')).macros.items():
                bodies[name] = body
    for name, body in bodies.items():
        words = re.findall(r'[A-Za-z_]\w*', body)
        if body.startswith('__attribute__') or not words or \
                all(w.startswith('__') or w in ('inline', 'static', 'notrace', 'noinline')
                    for w in words):
            names.add(name)
    return names


def returns_pointer(decl, name):
    """Whether the declaration of NAME returns a pointer."""
    head = decl[:decl.find(name + '(')] if name + '(' in decl else \
        decl[:re.search(r'\b%s\s*\(' % re.escape(name), decl).start()]
    return '*' in head


class Kernel:
    """The allocating functions of one kernel source tree."""

    def __init__(self, src, log=None):
        self.src = Path(src)
        self.log = log or (lambda msg: None)
        ATTR_NAMES.update(attribute_macros(self.src))
        ATTR_NAMES.update(a for a in ALLOC_ATTRS)
        self.seeds = {}             # name -> header
        self.macros = {}            # name -> (params, body, header)
        self.inlines = {}           # name -> (declaration, body, header)
        self._exports = None        # symbol -> C file
        self._units = {}
        self._memo = {}
        self._load()

    def _load(self):
        key = hashlib.sha256('\0'.join([str(self.src), CODE, self._stamp()]).encode()).hexdigest()
        cache = CACHE_DIR / '.helpers.json'
        data = json.loads(cache.read_text()) if cache.is_file() else {}
        if data.get('key') == key:
            self.seeds, self._exports = data['seeds'], data['exports']
            self.macros = {k: tuple(v) for k, v in data['macros'].items()}
            self.inlines = {k: tuple(v) for k, v in data['inlines'].items()}
            return
        self.log(f'scanning the headers of {self.src}')
        for d in HEADER_DIRS:
            for p in sorted((self.src / d).rglob('*.h')):
                rel = str(p.relative_to(self.src))
                if '/uapi/' in rel:
                    continue
                u = Unit(rel, p.read_text(errors='replace'))
                for name, (params, body) in u.macros.items():
                    if params is not None:
                        self.macros.setdefault(name, (params, body, rel))
                for name, (decl, body) in u.functions.items():
                    if any(re.search(r'\b%s\b' % a, decl) for a in ALLOC_ATTRS):
                        self.seeds.setdefault(name, rel)
                    if body is not None:
                        self.inlines.setdefault(name, (decl, body, rel))
        self.exports()
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({'key': key, 'seeds': self.seeds, 'exports': self._exports,
                                     'macros': self.macros, 'inlines': self.inlines}))

    def _stamp(self):
        """When the tree was extracted (scripts/build/toolchain.sh marks it)."""
        for mark in ('.kpart-extracted', 'Makefile'):
            if (self.src / mark).exists():
                return str((self.src / mark).stat().st_mtime)
        return ''

    def exports(self):
        """{symbol: C file} of every EXPORT_SYMBOL in the tree."""
        if self._exports is None:
            r = subprocess.run(['grep', '-rE', '--include=*.c', '-e',
                                r'^EXPORT_SYMBOL(_GPL)?(_FOR_MODULES)?\(', '.'],
                               cwd=self.src, capture_output=True, text=True)
            self._exports = {}
            for line in r.stdout.splitlines():
                path, _, text = line.partition(':')
                m = EXPORT.match(text)
                if m:
                    self._exports.setdefault(m.group(1), path[2:])
        return self._exports

    def unit(self, rel):
        """The parsed C file REL."""
        if rel not in self._units:
            p = self.src / rel
            self._units[rel] = Unit(rel, p.read_text(errors='replace')) if p.is_file() \
                else None
        return self._units[rel]

    def resolve(self, name, where=None, depth=0):
        """The chain by which NAME allocates ([NAME, ..., an attributed
        function]), or None. WHERE: the C file a static callee is looked up
        in."""
        key = (name, where)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None          # a cycle allocates nothing
        chain = self._resolve(name, where, depth)
        self._memo[key] = chain
        return chain

    def _resolve(self, name, where, depth):
        if name in self.seeds:
            return [name]
        if depth >= MAX_DEPTH:
            return None
        if where:
            u = self.unit(where)
            if u and name in u.functions and u.functions[name][1] is not None:
                decl, body = u.functions[name]
                return self._body(name, decl, body, where, depth)
            if u and name in u.macros and u.macros[name][0] is not None:
                return self._macro(name, u.macros[name][1], where, depth)
        if name in self.macros:
            return self._macro(name, self.macros[name][1], None, depth)
        if name in self.inlines:
            decl, body, _ = self.inlines[name]
            return self._body(name, decl, body, None, depth)
        rel = self.exports().get(name)
        if rel and rel != where:
            u = self.unit(rel)
            if u and name in u.functions and u.functions[name][1] is not None:
                decl, body = u.functions[name]
                return self._body(name, decl, body, rel, depth)
        return None

    def _macro(self, name, body, where, depth):
        for m in IDENT_CALL.finditer(body):
            callee = m.group(1)
            if callee == name or callee in KEYWORDS:
                continue
            chain = self.resolve(callee, where, depth + 1)
            if chain:
                return [name] + chain
        return None

    def _body(self, name, decl, body, where, depth):
        if not returns_pointer(decl, name):
            return None
        for m in re.finditer(r'\breturn\b\s*(.*?);', body, re.S):
            expr = m.group(1).strip()
            expr = re.sub(r'^\(\s*[\w\s]+\*+\s*\)\s*', '', expr)     # a cast
            callee = None
            c = re.match(r'([A-Za-z_]\w*)\s*\(', expr)
            if c:
                callee = c.group(1)
            elif re.fullmatch(r'[A-Za-z_]\w*', expr):
                for a in re.finditer(r'\b%s\s*=\s*(?:\([^()]*\)\s*)?([A-Za-z_]\w*)\s*\('
                                     % re.escape(expr), body):
                    chain = self.resolve(a.group(1), where, depth + 1)
                    if chain:
                        return [name] + chain
            if callee and callee not in KEYWORDS:
                chain = self.resolve(callee, where, depth + 1)
                if chain:
                    return [name] + chain
        return None

    def data_reads(self):
        """Exported data that the in-line allocators (inline functions
        declared with the attributes, such as kmalloc_noprof()) read:
        {symbol: the inline function}."""
        out = {}
        exports = self.exports()
        for name, (decl, body, _) in self.inlines.items():
            if name not in self.seeds:
                continue
            for m in re.finditer(r'\b([A-Za-z_]\w*)\b(?!\s*\()', body):
                sym = m.group(1)
                if sym in exports and sym not in self.inlines and sym not in self.macros:
                    out.setdefault(sym, name)
        return out


def routed(wrap_h=WRAP_H):
    """The allocators kpart_wrap.h routes through kpart, in its order: the
    names it #undef's and then defines as function-like macros whose
    expansion takes an allocation token (__builtin_infer_alloc_token(), or
    kpart.h's kpart_* API, which does). The kernel's internal names (a
    leading __) and the redefinitions that allocate nothing
    (kmem_cache_create() gets SLAB_NO_MERGE) are left out."""
    text = strip_comments(Path(wrap_h).read_text())
    out = []
    for m in re.finditer(r'^#undef (\w+)\n#define \1\([^)]*\)(.*)$', text, re.M):
        name, body = m.group(1), m.group(2)
        if name.startswith('__') or name in out:
            continue
        if '__builtin_infer_alloc_token' in body or re.search(r'\bkpart_\w+\(', body):
            out.append(name)
    return out


def kpart_calls(kernel):
    """The symbols kpart's own in-line paths may call or read: the
    allocating names include/kpart.h and include/kpart_wrap.h call, and
    everything those reach in the kernel's headers."""
    out = set()
    seen = set()
    todo = []
    for h in (KPART_H, WRAP_H):
        # The expansions and bodies, not the names being defined.
        text = re.sub(r'^\s*#\s*(?:define\s+\w+(?:\([^)]*\))?|undef\b.*$)', '',
                      strip_comments(Path(h).read_text()), flags=re.M)
        todo += [m.group(1) for m in IDENT_CALL.finditer(text)]
        todo += [m.group(1) for m in PAREN_CALL.finditer(text)]
    while todo:
        name = todo.pop()
        if name in seen or name in KEYWORDS:
            continue
        seen.add(name)
        out.add(name)
        if name in kernel.macros:
            todo += [m.group(1) for m in IDENT_CALL.finditer(kernel.macros[name][1])]
        elif name in kernel.inlines:
            body = kernel.inlines[name][1]
            todo += [m.group(1) for m in IDENT_CALL.finditer(body)]
            out.update(s for s in re.findall(r'\b([A-Za-z_]\w*)\b', body)
                       if s in kernel.exports())
    return out


def undefined(path):
    """The undefined symbols of an object or module (nm -u)."""
    r = subprocess.run(['nm', '-u', str(path)], capture_output=True, text=True, check=True)
    return sorted({line.split()[-1] for line in r.stdout.splitlines() if line.strip()})


def defined(path):
    """The symbols an object or module defines (nm --defined-only)."""
    r = subprocess.run(['nm', '--defined-only', str(path)], capture_output=True, text=True,
                       check=True)
    return {line.split()[-1] for line in r.stdout.splitlines() if line.strip()}


def remaining(kernel, path, own=None, siblings=()):
    """The allocating symbols module PATH references that do not come from
    kpart's own paths, nor from SIBLINGS (the other modules built with it,
    wrapped too): [{'symbol', 'via', 'defined'}]; 'via' is the chain to an
    attributed function, or the inline function that reads the data."""
    own = kpart_calls(kernel) if own is None else own
    reads = kernel.data_reads()
    out = []
    for sym in undefined(path):
        if sym in own or sym in siblings:
            continue
        chain = kernel.resolve(sym)
        if chain:
            out.append({'symbol': sym, 'via': chain,
                        'defined': kernel.exports().get(sym) or kernel.seeds.get(sym)})
        elif sym in reads:
            out.append({'symbol': sym, 'via': [reads[sym]],
                        'defined': kernel.exports().get(sym)})
    return out


def kernel_src():
    """scripts/build/toolchain.sh's kernel source."""
    r = subprocess.run(['bash', '-c', '. scripts/build/toolchain.sh && kpart_kernel_src'],
                       cwd=TOP, capture_output=True, text=True)
    if r.returncode or not r.stdout.strip():
        sys.exit(f'helpers: no kernel source: {r.stderr.strip()}')
    return r.stdout.strip()


def describe(entry):
    """One remaining symbol, for a person: sock_kmalloc (-> kmalloc)."""
    via = entry['via']
    if len(via) > 1:
        return f"{entry['symbol']} (-> {via[-1]})"
    if via[0] != entry['symbol']:
        return f"{entry['symbol']} (read by {via[0]})"
    return entry['symbol']


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--src', help="the kernel source (default: scripts/build/toolchain.sh's)")
    ap.add_argument('--json', action='store_true')
    ap.add_argument('what', choices=('routed', 'allocating', 'remaining'))
    ap.add_argument('args', nargs='*')
    a = ap.parse_args()
    if a.what == 'routed':
        print('\n'.join(routed()))
        return 0
    kernel = Kernel(a.src or kernel_src(),
                    log=lambda msg: print(f'helpers: {msg}', file=sys.stderr))
    if a.what == 'allocating':
        status = 0
        for name in a.args:
            chain = kernel.resolve(name)
            print(f"{name}: {' -> '.join(chain) if chain else 'not allocating'}")
            status |= chain is None
        return status
    own = kpart_calls(kernel)
    siblings = set().union(*(defined(ko) for ko in a.args)) if a.args else set()
    result = {ko: remaining(kernel, ko, own, siblings) for ko in a.args}
    if a.json:
        print(json.dumps(result, indent=1))
    else:
        for ko, rest in result.items():
            print(f"{os.path.basename(ko)}: {', '.join(map(describe, rest)) or 'none'}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
