# SPDX-License-Identifier: GPL-2.0
"""The allocation token Clang 22 gives a named C type, from kpart's one
implementation of the algorithm, rust/abi/alloc_token.rs, through
scripts/kpart-token (which a host test checks against Clang itself).

For the token at an allocation site, ask Clang: scripts/efficacy/probe.py.
"""

import functools
import subprocess
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
UNBOUNDED = (1 << 64) - 1     # no -falloc-token-max


@functools.lru_cache(maxsize=1)
def _binary():
    """The kpart-token binary, built first when a source is newer."""
    subprocess.run([str(TOP / 'scripts' / 'kpart-token'), '--help'], check=True,
                   capture_output=True)
    return str(TOP / 'tests' / 'host' / 'target' / 'release' / 'kpart-token')


@functools.lru_cache(maxsize=None)
def token(name, pointer, max_=UNBOUNDED):
    """The token Clang gives type NAME (canonical, no tag keyword), holding
    a pointer or not, with bound MAX_."""
    args = [_binary(), '--max', str(0 if max_ == UNBOUNDED else max_)] + \
        (['--pointer'] if pointer else []) + ['--', name]
    return int(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def tokens(names, pointer=False, max_=UNBOUNDED):
    """The tokens of many type NAMES at once (kpart-token --stdin), in
    order: for each, as token() gives it."""
    names = list(names)
    if not names:
        return []
    if any('\n' in n for n in names):
        raise ValueError('a type name with a newline')
    args = [_binary(), '--stdin', '--max', str(0 if max_ == UNBOUNDED else max_)] + \
        (['--pointer'] if pointer else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True,
                         input=''.join(n + '\n' for n in names)).stdout.split()
    if len(out) != len(names):
        raise RuntimeError(f'kpart-token --stdin: {len(out)} tokens for {len(names)} names')
    return [int(t) for t in out]
