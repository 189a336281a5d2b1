# SPDX-License-Identifier: GPL-2.0
"""The adaptive attacker's spray objects: every reclaim and spray object
the data set's chains use, plus the usual general-purpose ones, each
resolved to its real allocation site. For a victim, a spray object is
usable under a scheme when it can land in the victim's cache: same size
class (or its size is the attacker's choice), same accounting, and the
scheme puts both in one cache.
"""

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .chains import Obj, parse_type, members, cache_size

# Well-known spray primitives (type, allocating function, user-sized):
# general kernel knowledge about spraying, not about any chain.
USUAL = (
    ('struct msg_msg', 'alloc_msg', True, 'ipc'),
    ('struct msg_msgseg', 'alloc_msg', True, 'ipc'),
    ('struct user_key_payload', 'user_preparse', True, 'security/keys'),
    ('struct simple_xattr', 'simple_xattr_alloc', True, 'fs'),
    ('struct pipe_buffer', 'alloc_pipe_info', True, 'fs'),
    ('struct pipe_buffer', 'pipe_resize_ring', True, 'fs'),
    ('u8[] (sk_buff data, kmalloc_reserve)', 'kmalloc_reserve', True, 'net/core'),
    ('u8[] (setxattr value, vmemdup_user)', 'setxattr_copy', True, 'fs'),
    ('u8[] (sendmsg ctl_buf, sock_kmalloc)', '____sys_sendmsg', True, 'net'),
    ('u8[] (add_key payload, kvmalloc)', '__do_sys_add_key', True, 'security/keys'),
)

ROLES = ('reclaim', 'spray', 'fake-object')


def _size_classes():
    """kmalloc's size classes up to 8k, in bytes: include/kpart.h's list,
    as scripts/kpart-report --size-classes prints it (8 ... 1k ... 8k)."""
    names = subprocess.run([str(Path(__file__).resolve().parents[1] / 'kpart-report'),
                            '--size-classes'], check=True, capture_output=True,
                           text=True).stdout.split()
    return tuple(int(n[:-1]) * 1024 if n.endswith('k') else int(n) for n in names)


SIZE_CLASSES = _size_classes()


def size_class(size):
    """The kmalloc size class of SIZE bytes (None above 8k or unknown)."""
    if not size:
        return None
    for c in SIZE_CLASSES:
        if size <= c:
            return c
    return None


@dataclass
class SprayObj:
    """One spray object: its write-up names, sizes seen, and resolution."""
    obj: Obj
    subsystem: str
    user_sized: bool = False
    sizes: set = field(default_factory=set)
    names: set = field(default_factory=set)
    resolution: object = None
    placed: object = None


def usual_objects():
    """The usual spray objects as chains.Obj."""
    out = []
    for text, func, user_sized, subsystem in USUAL:
        tag, base, hints = parse_type(text)
        out.append((Obj(role='usual', type_text=text, alloc_site=func, user_sized=user_sized,
                        tag=tag, base=base, hints=hints, members=members(text)), subsystem))
    return out


def collect(chains):
    """The spray pool's objects (before resolution), keyed by Obj.key."""
    pool = {}
    for c in chains:
        objs = ([c.reclaim] if c.reclaim else []) + [o for o in c.others if o.role in ROLES]
        for o in objs:
            s = pool.setdefault(o.key, SprayObj(obj=o, subsystem=c.subsystem))
            s.user_sized |= bool(o.user_sized)
            if cache_size(o.cache):
                s.sizes.add(cache_size(o.cache))
            s.names.add(o.type_text)
    for o, subsystem in usual_objects():
        s = pool.setdefault(o.key, SprayObj(obj=o, subsystem=subsystem))
        s.user_sized |= bool(o.user_sized)
        s.names.add(o.type_text)
    return pool


def dedupe(pool):
    """Merge spray objects resolved to one site; drop unresolved ones.
    Returns (objects, unresolved count)."""
    by_site, unresolved = {}, 0
    for s in pool.values():
        if not s.resolution or s.resolution.status != 'resolved':
            unresolved += 1
            continue
        where = s.resolution.site.where
        if where in by_site:
            t = by_site[where]
            t.user_sized |= s.user_sized
            t.sizes |= s.sizes
            t.names |= s.names
        else:
            by_site[where] = s
    for s in by_site.values():
        c = size_class(s.resolution.site.size)
        if c:
            s.sizes.add(c)
    return list(by_site.values()), unresolved


def fits(spray, victim_size):
    """Whether SPRAY can be made the victim's size class."""
    if spray.user_sized:
        return True
    return victim_size is not None and victim_size in spray.sizes
