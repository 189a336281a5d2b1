# SPDX-License-Identifier: GPL-2.0
"""The signature table shape mode loads, written and read exactly as
include/kpart_shape.h defines it (little-endian):

    struct kpart_shape_header     208 bytes
    struct kpart_shape_type[]     24 bytes each, sorted by token, unique
    char signatures[]             '0'..'3', no NUL

Identical signatures are stored once: entries may share their bytes.

A token names a type, and one name may be defined differently in two
translation units (two files' own struct foo): merge() keeps one entry per
token, whose signature ORs the definitions' granules, as long as the longer
one, and whose size is the larger. It is the layout every definition fits.
"""

import struct
from dataclasses import dataclass

from . import groups as groups_mod
from .groups import ShapeType
from .layout import merge as merge_layouts, Layout

MAGIC = b'KPSHAPE1'
VERSION = 1
CLASSES = 13
MAX_GRANULES = 1024
MAX_TYPES = 65536
FLAG_POINTER = 0x01
TOKEN_BOUND = 1 << 63
UTS_LEN = 68

HEADER = struct.Struct('<8sIII%dI%ds%ds' % (CLASSES, UTS_LEN, UTS_LEN))
ENTRY = struct.Struct('<QIIHHBBH')
assert HEADER.size == 208 and ENTRY.size == 24


class TableError(Exception):
    """A table that breaks include/kpart_shape.h's rules."""


@dataclass
class Table:
    """A table: the kernel it is for, the groups per class, and the types
    (ShapeType, sorted by token)."""
    release: str
    build: str
    groups: list
    types: list


def merge(types):
    """TYPES with one entry per token: a token's definitions merged (the
    granules ORed, the longer signature, the larger size), sorted by
    token."""
    by_token = {}
    for t in types:
        old = by_token.get(t.token)
        if old is None:
            by_token[t.token] = ShapeType(t.token, t.size, t.signature, t.pointer, t.name)
            continue
        m = merge_layouts(Layout(old.size, old.signature, old.pointer),
                          Layout(t.size, t.signature, t.pointer))
        old.size, old.signature, old.pointer = m.size, m.signature, m.pointer
        old.name = old.name or t.name
    return [by_token[k] for k in sorted(by_token)]


def _text(value, what):
    raw = value.encode()
    if len(raw) >= UTS_LEN:
        raise TableError(f'{what} {value!r}: longer than {UTS_LEN - 1} bytes')
    return raw


def pack(types, release, build):
    """The bytes of a table of TYPES (ShapeType; merged by token, grouped
    here) for the kernel RELEASE (utsname release) and BUILD (utsname
    version)."""
    types = merge(types)
    if len(types) > MAX_TYPES:
        raise TableError(f'{len(types)} types, at most {MAX_TYPES}')
    for t in types:
        if not 0 <= t.token < TOKEN_BOUND:
            raise TableError(f'token {t.token}: outside 0..2^63-1')
        if len(t.signature) != -(-t.size // 8) or set(t.signature) - set('0123'):
            raise TableError(f'{t.name or hex(t.token)}: signature {t.signature!r} '
                             f'for {t.size} bytes')
    counts = groups_mod.group(types)
    sigs, offsets = bytearray(), {}
    entries = []
    for t in types:
        if t.signature not in offsets:
            offsets[t.signature] = len(sigs)
            sigs += t.signature.encode()
        entries.append(ENTRY.pack(t.token, t.size, offsets[t.signature], len(t.signature),
                                  t.group, t.klass, FLAG_POINTER if t.pointer else 0, 0))
    head = HEADER.pack(MAGIC, VERSION, len(types), len(sigs), *counts,
                       _text(release, 'release'), _text(build, 'build'))
    return head + b''.join(entries) + bytes(sigs)


def unpack(data):
    """The Table in DATA; TableError where it breaks a rule of
    include/kpart_shape.h."""
    if len(data) < HEADER.size:
        raise TableError(f'{len(data)} bytes: shorter than the header')
    f = HEADER.unpack_from(data)
    magic, version, ntypes, sig_bytes = f[:4]
    counts = list(f[4:4 + CLASSES])
    release, build = f[4 + CLASSES:]
    if magic != MAGIC:
        raise TableError(f'magic {magic!r}, not {MAGIC!r}')
    if version != VERSION:
        raise TableError(f'version {version}, not {VERSION}')
    if ntypes > MAX_TYPES:
        raise TableError(f'{ntypes} types, at most {MAX_TYPES}')
    if len(data) != HEADER.size + ntypes * ENTRY.size + sig_bytes:
        raise TableError(f'{len(data)} bytes, the header says '
                         f'{HEADER.size + ntypes * ENTRY.size + sig_bytes}')
    sigs = data[HEADER.size + ntypes * ENTRY.size:]
    if set(sigs) - set(b'0123'):
        raise TableError('a signature byte outside 0..3')
    types, prev = [], -1
    for i in range(ntypes):
        token, size, off, n, grp, klass, flags, reserved = \
            ENTRY.unpack_from(data, HEADER.size + i * ENTRY.size)
        where = f'entry {i} (token {token:#x})'
        if token <= prev:
            raise TableError(f'{where}: tokens not sorted and unique')
        prev = token
        if token >= TOKEN_BOUND:
            raise TableError(f'{where}: token outside 0..2^63-1')
        if not 1 <= size <= groups_mod.MAX_SIZE or n != -(-size // 8):
            raise TableError(f'{where}: size {size}, {n} granules')
        if off + n > sig_bytes:
            raise TableError(f'{where}: signature past the end')
        if klass >= CLASSES or groups_mod.size_class(size) != klass:
            raise TableError(f'{where}: class {klass} for size {size}')
        if grp >= counts[klass]:
            raise TableError(f'{where}: group {grp} of {counts[klass]}')
        if flags & ~FLAG_POINTER or reserved:
            raise TableError(f'{where}: flags {flags:#x}, reserved {reserved}')
        types.append(ShapeType(token, size, sigs[off:off + n].decode(),
                               bool(flags & FLAG_POINTER), None, klass, grp))
    again = [ShapeType(t.token, t.size, t.signature) for t in types]
    if groups_mod.group(again) != counts or \
            any(a.group != t.group for a, t in zip(again, types)):
        raise TableError('the groups are not those of the signatures')
    return Table(release.rstrip(b'\0').decode(), build.rstrip(b'\0').decode(), counts, types)


def write(path, types, release, build):
    """Write a table of TYPES to PATH; the Table as written."""
    data = pack(types, release, build)
    with open(path, 'wb') as f:
        f.write(data)
    return unpack(data)


def read(path):
    """The Table in file PATH."""
    with open(path, 'rb') as f:
        return unpack(f.read())
