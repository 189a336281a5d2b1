# SPDX-License-Identifier: GPL-2.0
"""The layout signature of C types, read from the debug information of LLVM
IR that clang-22 wrote with -S -emit-llvm -g.

A signature has one digit per 8-byte granule of the type,
DIV_ROUND_UP(size, 8) digits: '0' padding, '1' pointer, '2' data, '3' both.
Each leaf member, covering bytes [off, off + size) of the type, ORs its code
into every granule it touches: a pointer (any pointer type, function pointers
too, through typedefs, const, volatile, restrict and _Atomic) is 1; an
integer, float, enum, bool or bitfield is 2. As in Clang's allocation token,
whose pointer flag must agree with the signature, a typedef named uintptr_t
anywhere in a member's typedef chain makes it a pointer. Nested structs and
unions recurse into their leaves (a union ORs all its members), arrays repeat
their element's layout, and a flexible array member (no count, or a count of
0) adds nothing. Padding never clears a granule: struct { long a; char b; },
16 bytes, is "22".

Types are named as Clang's allocation token names them: the tag without its
keyword (struct msg_msg: msg_msg), a typedef of an anonymous struct by the
typedef's name, base types by their C name, pointers as "char *" or
"void (*)(int)", arrays as "int[4]".

With -g Clang emits a struct's definition only where debug information
refers to it (a variable, a parameter, a member...): a type that appears in
sizeof() alone is left out. -fno-eliminate-unused-debug-types emits every
complete type of the translation unit.
"""

import re
from dataclasses import dataclass

GRANULE = 8
PADDING, POINTER, DATA = 0, 1, 2

# The x86_64 sizes of C's base types, for names the debug information does
# not have (a base type used in sizeof() alone).
BASE_SIZES = {
    '_Bool': 1, 'char': 1, 'signed char': 1, 'unsigned char': 1,
    'short': 2, 'unsigned short': 2, 'int': 4, 'unsigned int': 4,
    'long': 8, 'unsigned long': 8, 'long long': 8, 'unsigned long long': 8,
    '__int128': 16, 'unsigned __int128': 16,
    'float': 4, 'double': 8, 'long double': 16,
}

# cv-qualifiers and typedefs: the type they qualify or name.
_TRANSPARENT = ('DW_TAG_typedef', 'DW_TAG_const_type', 'DW_TAG_volatile_type',
                'DW_TAG_restrict_type', 'DW_TAG_atomic_type')

_NODE = re.compile(r'^(![0-9]+) = (?:distinct )?!(DI\w+)\((.*)\)\s*$')
_TUPLE = re.compile(r'^(![0-9]+) = (?:distinct )?!\{(.*)\}\s*$')
_FIELD = re.compile(r'(\w+): ("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)')
_ARRAY = re.compile(r'^(.*?)((?:\[\d+\])+)$')
_UNNAMED = re.compile(r'^\((?:unnamed|anonymous) (?:struct|union|enum) at (.*):(\d+):\d+\)$')


class LayoutError(Exception):
    """A type whose layout the debug information does not give."""


@dataclass(frozen=True)
class Layout:
    """A type's size in bytes and its signature."""
    size: int
    signature: str
    pointer: bool = False       # the type itself is a pointer

    @property
    def holds_pointer(self):
        """Whether any granule holds a pointer."""
        return '1' in self.signature or '3' in self.signature


def granules(size):
    """The digits of a signature of a type of SIZE bytes."""
    return -(-size // GRANULE)


def signature_of(codes, size):
    """The signature of SIZE bytes whose codes are CODES, an integer with
    byte i's code (0..3) in its bits 8i to 8i+7."""
    raw = codes.to_bytes(size, 'little') if size else b''
    out = []
    for g in range(0, size, GRANULE):
        c = 0
        for b in raw[g:g + GRANULE]:
            c |= b
        out.append('0123'[c])
    return ''.join(out)


def merge(a, b):
    """Two layouts of one name (one token) defined differently: granule by
    granule OR of the two signatures, the longer length, the larger size."""
    sig_a, sig_b = a.signature, b.signature
    n = max(len(sig_a), len(sig_b))
    sig_a, sig_b = sig_a.ljust(n, '0'), sig_b.ljust(n, '0')
    sig = ''.join('0123'[int(x) | int(y)] for x, y in zip(sig_a, sig_b))
    return Layout(max(a.size, b.size), sig, a.pointer or b.pointer)


def _fields(text):
    out = {}
    for m in _FIELD.finditer(text):
        v = m.group(2).strip()
        out[m.group(1)] = v[1:-1] if v.startswith('"') else v
    return out


def _int(value, default=0):
    if value is None or value == '':
        return default
    try:
        return int(value)
    except ValueError:
        return default


class TypeTable:
    """The types of one translation unit's LLVM IR, by name. Parses each
    node's fields only when a layout needs them."""

    def __init__(self, ir):
        self._raw = {}          # '!N': (kind, field text)
        self._tuples = {}       # '!N': ['!a', '!b', ...]
        for line in ir.splitlines():
            if not line.startswith('!'):
                continue
            m = _NODE.match(line)
            if m:
                self._raw[m.group(1)] = (m.group(2), m.group(3))
                continue
            m = _TUPLE.match(line)
            if m:
                self._tuples[m.group(1)] = [x.strip() for x in m.group(2).split(',')
                                            if x.strip()]
        self._parsed = {}
        self._memo = {}
        self.tags = {}          # tag name: [complete definitions]
        self.anon_typedefs = {}  # typedef name of an anonymous struct/union/enum
        self.typedefs = {}      # every typedef name
        self.base = {}          # base type name
        self.unnamed = {}       # (file name, line): [anonymous composites]
        for ref, (kind, text) in self._raw.items():
            if kind == 'DICompositeType' and 'DW_TAG_array_type' not in text:
                f = self._node(ref)
                if 'DIFlagFwdDecl' in f.get('flags', ''):
                    continue
                if 'name' in f:
                    self.tags.setdefault(f['name'], []).append(ref)
                else:
                    fname = self._node(f.get('file', '')).get('filename', '')
                    self.unnamed.setdefault((fname, _int(f.get('line'))), []).append(ref)
            elif kind == 'DIDerivedType' and 'tag: DW_TAG_typedef,' in text:
                f = self._node(ref)
                if 'name' not in f:
                    continue
                self.typedefs.setdefault(f['name'], ref)
                base = self._node(f.get('baseType', ''))
                if self._raw.get(f.get('baseType'), ('',))[0] == 'DICompositeType' and \
                        'name' not in base and 'DW_TAG_array_type' not in base.get('tag', ''):
                    self.anon_typedefs.setdefault(f['name'], f['baseType'])
            elif kind == 'DIBasicType':
                f = self._node(ref)
                if 'name' in f:
                    self.base.setdefault(f['name'], ref)

    def _node(self, ref):
        """The fields of node REF ({} for null or a node that is missing)."""
        if ref not in self._parsed:
            raw = self._raw.get(ref)
            self._parsed[ref] = dict(_fields(raw[1]), kind=raw[0]) if raw else {}
        return self._parsed[ref]

    def _strip(self, ref):
        """REF through typedefs and qualifiers: (node, passed a typedef
        named uintptr_t)."""
        uintptr = False
        for _ in range(256):
            f = self._node(ref)
            if f.get('kind') != 'DIDerivedType' or f.get('tag') not in _TRANSPARENT:
                return ref, uintptr
            if f.get('tag') == 'DW_TAG_typedef' and f.get('name') == 'uintptr_t':
                uintptr = True
            ref = f.get('baseType', 'null')
        raise LayoutError(f'{ref}: a typedef chain without end')

    def _is_pointer(self, ref):
        ref, uintptr = self._strip(ref)
        f = self._node(ref)
        return uintptr or (f.get('kind') == 'DIDerivedType' and
                           f.get('tag') == 'DW_TAG_pointer_type')

    def _codes(self, ref):
        """(size in bytes, byte codes) of the type of node REF."""
        ref, uintptr = self._strip(ref)
        if ref not in self._memo:
            self._memo[ref] = self._plain_codes(ref)
        size, codes = self._memo[ref]
        return (size, _fill(0, size, POINTER)) if uintptr else (size, codes)

    def _plain_codes(self, ref):
        f = self._node(ref)
        kind, tag = f.get('kind'), f.get('tag')
        size = -(-_int(f.get('size')) // 8)
        if not f:
            raise LayoutError(f'{ref}: no such type (void or not emitted)')
        if kind == 'DIBasicType':
            res = (size, _fill(0, size, DATA))
        elif kind == 'DIDerivedType' and tag == 'DW_TAG_pointer_type':
            res = (size, _fill(0, size, POINTER))
        elif kind == 'DIDerivedType' and tag == 'DW_TAG_ptr_to_member_type':
            res = (size, _fill(0, size, DATA))
        elif kind == 'DICompositeType' and tag == 'DW_TAG_enumeration_type':
            res = (size, _fill(0, size, DATA))
        elif kind == 'DICompositeType' and tag == 'DW_TAG_array_type':
            res = self._array(f)
        elif kind == 'DICompositeType' and tag in ('DW_TAG_structure_type',
                                                   'DW_TAG_union_type',
                                                   'DW_TAG_class_type'):
            if 'DIFlagFwdDecl' in f.get('flags', ''):
                raise LayoutError(f'{f.get("name", ref)}: incomplete')
            res = (size, self._members(f, size))
        else:
            raise LayoutError(f'{ref}: no layout for {kind} {tag}')
        return res

    def _array(self, f):
        count = 1
        for sub in self._tuples.get(f.get('elements'), []):
            s = self._node(sub)
            if s.get('kind') != 'DISubrange':
                continue
            # C's arrays have a count: -1 or none for a flexible array, a
            # variable (!N) for a variable-length one.
            n = _int(s.get('count'), -1) if not s.get('count', '!').startswith('!') else -1
            if n <= 0:
                return (0, 0)           # flexible: adds nothing
            count *= n
        esize, ecodes = self._codes(f.get('baseType', 'null'))
        size = -(-_int(f.get('size')) // 8) if 'size' in f else esize * count
        if esize == 0:
            return (size, 0)
        raw = ecodes.to_bytes(esize, 'little') * count
        codes = int.from_bytes(raw, 'little') & ((1 << (8 * size)) - 1)
        return (size, codes)

    def _members(self, f, size):
        codes = 0
        for ref in self._tuples.get(f.get('elements'), []):
            m = self._node(ref)
            if m.get('kind') != 'DIDerivedType' or m.get('tag') != 'DW_TAG_member':
                continue
            if 'DIFlagStaticMember' in m.get('flags', ''):
                continue
            off, bits = _int(m.get('offset')), _int(m.get('size'))
            base = m.get('baseType', 'null')
            if 'DIFlagBitField' in m.get('flags', ''):
                if bits:
                    first, end = off // 8, -(-(off + bits) // 8)
                    code = POINTER if self._is_pointer(base) else DATA
                    codes |= _fill(first, end - first, code)
                continue
            msize, mcodes = self._codes(base)
            if 'size' in m:
                msize = bits // 8
                mcodes &= (1 << (8 * msize)) - 1
            codes |= mcodes << (8 * (off // 8))
        return codes & ((1 << (8 * size)) - 1)

    def _layout_of(self, ref, pointer=None):
        size, codes = self._codes(ref)
        if pointer is None:
            stripped, _ = self._strip(ref)
            pointer = self._node(stripped).get('tag') == 'DW_TAG_pointer_type'
        return Layout(size, signature_of(codes, size), pointer)

    def names(self):
        """The token names of every complete struct, union and enum of the
        translation unit, sorted."""
        return sorted(set(self.tags) | set(self.anon_typedefs))

    def get(self, name):
        """The Layout of the type NAME as the allocation token names it (or
        a typedef's name), None when this translation unit does not define
        it. LayoutError for a type it defines but cannot lay out."""
        name = ' '.join(name.split())
        if name in self.tags:
            res = None
            for ref in self.tags[name]:
                lay = self._layout_of(ref, False)
                res = lay if res is None else merge(res, lay)
            return res
        if name in self.anon_typedefs:
            return self._layout_of(self.anon_typedefs[name], False)
        if name in self.base or name in BASE_SIZES:
            if name in self.base:
                return self._layout_of(self.base[name], False)
            return Layout(BASE_SIZES[name], '2' * granules(BASE_SIZES[name]))
        if name.endswith('*') or '(*)' in name:
            return Layout(8, '1', True)
        m = _ARRAY.match(name)
        if m:
            elem = self.get(m.group(1).strip())
            if elem is None:
                return None
            count = 1
            for n in re.findall(r'\[(\d+)\]', m.group(2)):
                count *= int(n)
            codes = 0
            for i, c in enumerate(elem.signature):
                codes |= _fill(i * GRANULE, min(GRANULE, elem.size - i * GRANULE), int(c))
            raw = codes.to_bytes(elem.size, 'little') * count
            return Layout(elem.size * count,
                          signature_of(int.from_bytes(raw, 'little'), elem.size * count))
        m = _UNNAMED.match(name)
        if m:
            path, line = m.group(1), int(m.group(2))
            refs = [r for (fname, ln), rs in self.unnamed.items() if ln == line and
                    (fname == path or path.endswith('/' + fname) or
                     fname.endswith('/' + path)) for r in rs]
            if len(refs) == 1:
                return self._layout_of(refs[0], False)
            return None
        if name in self.typedefs:
            return self._layout_of(self.typedefs[name])
        m = re.match(r'^(?:const|volatile) (.*)$', name)
        if m:
            return self.get(m.group(1))
        return None


def _fill(first, n, code):
    """Byte codes: CODE in bytes FIRST to FIRST+N-1."""
    if n <= 0 or not code:
        return 0
    return int.from_bytes(bytes([code]) * n, 'little') << (8 * first)


def layouts(ir, names=None):
    """{name: Layout} for the types NAMES of one translation unit's IR
    (default: every complete struct, union and enum it defines). A name it
    does not define, or cannot lay out, is left out."""
    table = TypeTable(ir)
    out = {}
    for name in (table.names() if names is None else names):
        try:
            lay = table.get(name)
        except LayoutError:
            continue
        if lay is not None:
            out[name] = lay
    return out
