# SPDX-License-Identifier: GPL-2.0
"""Where the kernel source and the built test kernel are, found the way the
project's scripts find them (scripts/build/toolchain.sh, scripts/build/build-kernel.sh
--cached test), and the compile command a source file gets in that tree.
"""

import shlex
import subprocess
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]


class TreeError(Exception):
    """No usable kernel source or build tree."""


def _bash(snippet):
    r = subprocess.run(['bash', '-c', snippet], cwd=TOP, capture_output=True, text=True)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def kernel_src(override=None):
    """The extracted kernel source (scripts/build/toolchain.sh's kpart_kernel_src)."""
    if override:
        src = Path(override)
    else:
        rc, out, err = _bash('. scripts/build/toolchain.sh && kpart_kernel_src')
        if rc or not out:
            raise TreeError(f'no kernel source: kpart_kernel_src failed: {err or rc}')
        src = Path(out)
    if not (src / 'Makefile').is_file() or not (src / 'include/linux/slab.h').is_file():
        raise TreeError(f'{src}: not a kernel source tree')
    return src


def kernel_build(override=None):
    """The built test kernel (scripts/build/build-kernel.sh --cached test); never
    builds one."""
    if override:
        kdir = Path(override)
    else:
        rc, out, _ = _bash('scripts/build/build-kernel.sh --cached test')
        if rc or not out:
            raise TreeError('no built test kernel: run "make kernel" once (or pass '
                            '--kdir DIR, a built kernel tree with .*.o.cmd files)')
        kdir = Path(out)
    if not (kdir / 'include/generated/autoconf.h').is_file():
        raise TreeError(f'{kdir}: not a configured kernel build tree')
    return kdir


def _saved_cmd(cmdfile):
    for line in cmdfile.read_text(errors='replace').splitlines():
        for prefix in ('savedcmd_', 'cmd_'):
            if line.startswith(prefix) and ' := ' in line:
                return line.split(' := ', 1)[1]
    return None


def _c_cmd(cmdfile):
    cmd = _saved_cmd(cmdfile)
    if cmd and cmd.split()[0].startswith('clang') and ' -c ' in cmd and cmd.rstrip().endswith('.c'):
        return cmd
    return None


DROP_PREFIX = ('-Wp,', '-Werror', '-fsanitize', '-DKBUILD_', '-D__KBUILD_MODNAME',
               '-DMODULE')


def compile_args(kdir, rel):
    """Clang's arguments (without output and source) for source file REL
    (relative to the source tree): the file's own command line from KDIR when
    it was built, else a built neighbour's: the same directory, else the
    nearest parent directory with a compiled C file. Returns (args, donor)."""
    rel = Path(rel)
    own = kdir / rel.parent / f'.{rel.stem}.o.cmd'
    donors = [own] if own.is_file() else []
    d = rel.parent
    while not donors:
        bdir = kdir / d
        if bdir.is_dir():
            donors = sorted(bdir.glob('.*.o.cmd'))
            donors = [c for c in donors if _c_cmd(c)][:1]
        if donors or d == Path('.') or str(d) == '':
            break
        d = d.parent
    if not donors or not _c_cmd(donors[0]):
        raise TreeError(f'{rel}: no compiled C file near it in {kdir}')
    words = shlex.split(_c_cmd(donors[0]))
    out, skip = [], 0
    for i, w in enumerate(words):
        if skip:
            skip -= 1
            continue
        if w == '-c':
            break
        if w == '-mllvm' and i + 1 < len(words) and words[i + 1].startswith('-asan'):
            skip = 1
            continue
        if w.startswith(DROP_PREFIX):
            continue
        out.append(w)
    name = rel.stem.replace('-', '_')
    out += [f'-DKBUILD_MODNAME="{name}"', f'-DKBUILD_BASENAME="{name}"',
            f'-D__KBUILD_MODNAME=kmod_{name}', '-Wno-error',
            '-Wno-error=implicit-function-declaration', '-Wno-error=implicit-int']
    return out, str(donors[0].relative_to(kdir))


def clang_version():
    """clang-22's version line (part of the cache key)."""
    try:
        r = subprocess.run(['clang-22', '--version'], capture_output=True, text=True)
    except OSError as e:
        raise TreeError(f'clang-22: {e.strerror}') from e
    return r.stdout.splitlines()[0] if r.stdout else ''

