# SPDX-License-Identifier: GPL-2.0
"""The exploit-chain data set: one JSON object a line (see the data set's
README): loading it with line-precise errors, and what the tool reads from
each object's free text (its C type, the hints in parentheses, its cache).
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED = ('id', 'vuln_object', 'first_reclaim', 'cross_cache', 'page_level')

# Words of the hints that are prose, not C identifiers worth searching.
PROSE = {'of', 'the', 'and', 'with', 'from', 'into', 'user', 'data', 'freed',
         'page', 'pages', 'buffer', 'set', 'element', 'elements', 'struct',
         'via', 'for', 'on', 'in', 'by', 'to', 'its', 'an', 'a'}


class ChainError(Exception):
    """A chains file that cannot be read: the message names file and line."""


@dataclass
class Obj:
    """One object of a chain as the write-up names it."""
    role: str                 # victim, reclaim or a role of other_objects
    type_text: str
    cache: str | None = None
    gfp_account: bool | None = None
    alloc_site: str | None = None
    user_sized: bool | None = None
    same_type: bool | None = None
    tag: str | None = None            # struct/union tag, e.g. 'nft_chain'
    base: str | None = None           # raw buffers: 'char', 'u8', ...
    hints: list = field(default_factory=list)  # identifiers in the hint
    members: list = field(default_factory=list)  # (struct, member) of 'a->b'

    @property
    def key(self):
        """What identifies the object for resolution and caching."""
        return f'{self.type_text}|{self.alloc_site or ""}'


@dataclass
class Chain:
    """One exploit chain (one line of the file)."""
    id: str
    line: int
    subsystem: str
    victim: Obj
    reclaim: Obj | None
    others: list
    cross_cache: bool
    page_level: bool
    bypasses_random: bool
    raw: dict


def members(text):
    """The (struct, member) pairs of the 'a->b' expressions in a hint."""
    return re.findall(r'\b([A-Za-z_]\w*)->(\w+)', text)


def parse_type(text):
    """Split a write-up's type text into (tag, base, hint identifiers).

    'struct nft_chain' -> ('nft_chain', None, []);
    'u8[] (nft_table->udata, nla_memdup of user data)' ->
    (None, 'u8', ['nft_table', 'udata', 'nla_memdup']).
    """
    m = re.match(r'\s*(?:struct|union)\s+(\w+)', text)
    tag = m.group(1) if m else None
    base = None
    if not tag:
        m = re.match(r'\s*((?:unsigned\s+)?\w+)', text)
        base = m.group(1) if m else None
    hints = []
    for inner in re.findall(r'\(([^()]*)\)', text):
        for expr in re.findall(r'[A-Za-z_][\w]*(?:->\w+|\.\w+)*', inner):
            parts = re.split(r'->|\.', expr)
            for p in parts:
                strong = len(parts) > 1 or '_' in p
                if strong and p.lower() not in PROSE and p not in hints and p != tag:
                    hints.append(p)
    return tag, base, hints


def cache_kind(cache):
    """What a write-up's cache name says about the allocator: 'kmalloc'
    (kmalloc-*, kmalloc-cg-*, dyn-kmalloc-*, a random copy), 'page' (page
    allocator, vmalloc), 'dedicated' (a named kmem_cache) or None."""
    if not cache:
        return None
    c = cache.lower()
    if c.startswith('page') or c.startswith('vmalloc') or 'page table' in c:
        return 'page'       # also 'page (kmalloc_large, >8 KB)'
    if 'kmalloc' in c:
        return 'kmalloc'
    return 'dedicated'


def cache_size(cache):
    """The size class in bytes a kmalloc cache name states, or None."""
    if not cache:
        return None
    m = re.search(r'kmalloc(?:-cg)?-(\d+)(k?)', cache)
    if not m:
        return None
    return int(m.group(1)) * (1024 if m.group(2) else 1)


def cache_accounted(cache):
    """True when a cache name is an accounted one (kmalloc-cg-*, *-cg)."""
    return bool(cache) and bool(re.search(r'(^|-)cg(-|$)|\(cg\)', cache))


def _obj(role, d, lineno, path):
    if not isinstance(d, dict) or not isinstance(d.get('type'), str):
        raise ChainError(f'{path}:{lineno}: {role} object needs a "type" string')
    tag, base, hints = parse_type(d['type'])
    return Obj(role=role, type_text=d['type'], cache=d.get('cache'),
               gfp_account=d.get('gfp_account'), alloc_site=d.get('alloc_site'),
               user_sized=d.get('user_sized'),
               same_type=d.get('same_type_as_victim'),
               tag=tag, base=base, hints=hints, members=members(d['type']))


def parse_chain(d, lineno, path='<chains>'):
    """Build a Chain from one decoded line; ChainError when a key is missing."""
    if not isinstance(d, dict):
        raise ChainError(f'{path}:{lineno}: not a JSON object')
    for k in REQUIRED:
        if k not in d:
            raise ChainError(f'{path}:{lineno}: missing key "{k}"')
    victim = _obj('victim', d['vuln_object'], lineno, path)
    reclaim = None
    if d['first_reclaim'] is not None:
        reclaim = _obj('reclaim', d['first_reclaim'], lineno, path)
    others = [_obj(o.get('role') or 'other', o, lineno, path)
              for o in d.get('other_objects') or [] if isinstance(o, dict)]
    return Chain(id=str(d['id']), line=lineno, subsystem=d.get('subsystem') or '',
                 victim=victim, reclaim=reclaim, others=others,
                 cross_cache=bool(d['cross_cache']), page_level=bool(d['page_level']),
                 bypasses_random=bool(d.get('bypasses_random_kmalloc')), raw=d)


def load(path):
    """All chains of a JSON-lines file (blank lines skipped)."""
    try:
        text = Path(path).read_text(encoding='utf-8')
    except OSError as e:
        raise ChainError(f'{path}: {e.strerror}') from e
    chains = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            raise ChainError(f'{path}:{lineno}: malformed JSON: {e.msg} '
                             f'(column {e.colno})') from e
        chains.append(parse_chain(d, lineno, path))
    if not chains:
        raise ChainError(f'{path}: no chains')
    ids = [c.id for c in chains]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ChainError(f'{path}: duplicate ids: {", ".join(sorted(dup))}')
    return chains
