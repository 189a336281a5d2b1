# SPDX-License-Identifier: GPL-2.0
"""Whether a kernel source file can be built as a loadable module: the
Makefile line that builds its object (obj-$(CONFIG_X), through composite
objects such as nf_tables-objs and through parent directories), and the
type of X in the Kconfig files (tristate: it can be a module).
"""

import re
from dataclasses import dataclass
from pathlib import Path

ASSIGN = re.compile(r'^([A-Za-z0-9_.\-]+?)-(y|m|objs|\$\(CONFIG_(\w+)\))\s*[:+]?=(.*)$')


@dataclass
class Owner:
    """What builds a source file."""
    symbol: str | None     # the CONFIG_ symbol deciding y/m (None: obj-y)
    kind: str | None       # its Kconfig type: tristate, bool, ...
    module: str | None     # the object a module would be: net/netfilter/nf_tables.o
    makefile: str | None   # where the deciding line is

    @property
    def tristate(self):
        """The file can be built as (part of) a loadable module."""
        return self.kind in ('tristate', 'def_tristate')


class Kconfig:
    """Kconfig symbol types and Makefile lookups over a source tree."""

    def __init__(self, src):
        self.src = Path(src)
        self._types = None
        self._makefiles = {}

    def symbol_type(self, sym):
        """The Kconfig type of CONFIG_SYM (None when unknown)."""
        if self._types is None:
            self._types = {}
            for kc in self.src.rglob('Kconfig*'):
                if not kc.is_file():
                    continue
                cur = None
                for line in kc.read_text(errors='replace').splitlines():
                    m = re.match(r'^\s*(?:menu)?config\s+(\w+)', line)
                    if m:
                        cur = m.group(1)
                        continue
                    m = re.match(r'^\s*(tristate|bool|def_tristate|def_bool|int|hex|string)\b',
                                 line)
                    if m and cur and cur not in self._types:
                        self._types[cur] = m.group(1)
                        cur = None
        return self._types.get(sym)

    def _assignments(self, d):
        if d in self._makefiles:
            return self._makefiles[d]
        out = []
        for name in ('Kbuild', 'Makefile'):
            mf = self.src / d / name
            if not mf.is_file():
                continue
            text = re.sub(r'\\\n', ' ', mf.read_text(errors='replace'))
            for line in text.splitlines():
                m = ASSIGN.match(line.strip())
                if m:
                    out.append((m.group(1), m.group(3), m.group(4).split(),
                                str(Path(d) / name)))
        self._makefiles[d] = out
        return out

    def _find(self, d, obj, depth=0):
        """(symbol, module object, makefile) of OBJ (a name in directory D)."""
        if depth > 8:
            return None
        for lhs, cond, items, mf in self._assignments(d):
            if obj not in items:
                continue
            if lhs in ('obj', 'lib'):
                if cond:
                    return cond, str(Path(d) / obj), mf
                return self._dir_owner(d, depth, default=(None, None, mf))
            found = self._find(d, lhs + '.o', depth + 1)
            if found:
                return found
        return None

    def _dir_owner(self, d, depth, default):
        d = Path(d)
        if str(d.parent) in ('', '.'):
            return default
        found = self._find(str(d.parent), d.name + '/', depth + 1)
        if found and found[0]:
            return found[0], str(d) + '/', found[2]
        return default

    def owner(self, rel):
        """The Owner of source file REL (relative to the source tree)."""
        rel = Path(rel)
        found = self._find(str(rel.parent), rel.stem + '.o')
        if not found:
            return Owner(None, None, None, None)
        sym, module, mf = found
        return Owner(sym, self.symbol_type(sym) if sym else 'built-in', module, mf)
