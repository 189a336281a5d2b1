#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tables kpart must refuse, made from a good one, each bad in one way.

    shape_bad_tables.py GOOD.bin OUTDIR

Writes OUTDIR/shape-<what>.bin for each way a table can be wrong, and
OUTDIR/shape-bad-tables, their names one a line: tests/guest/module.sh
loads kpart in shape mode with each and expects EINVAL and one log line.
The scripts' own reader (scripts/shape/table.py) must refuse each too, but
for the kernel's identity, which only kpart can check.
"""

import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'scripts'))
from shape import table  # noqa: E402

HEADER, ENTRY = table.HEADER, table.ENTRY
F_VERSION, F_TYPES = 8, 12
F_RELEASE = 8 + 4 * 3 + 4 * table.CLASSES


def entry_at(i):
    """The offset of entry I."""
    return HEADER.size + i * ENTRY.size


def bad_tables(good):
    """{name: bytes}: GOOD made bad one way each."""
    n = struct.unpack_from('<I', good, F_TYPES)[0]
    if n < 2:
        raise SystemExit('shape_bad_tables: the good table needs two types at least')
    out = {}
    b = bytearray(good)
    b[:8] = b'KPSHAPE0'
    out['magic'] = b
    b = bytearray(good)
    struct.pack_into('<I', b, F_VERSION, table.VERSION + 1)
    out['version'] = b
    b = bytearray(good)
    struct.pack_into('%ds' % table.UTS_LEN, b, F_RELEASE, b'0.0.0-another-kernel')
    out['other_kernel'] = b
    out['truncated'] = bytearray(good[:-1])
    out['header_only'] = bytearray(good[:HEADER.size - 1])
    b = bytearray(good)
    struct.pack_into('<I', b, F_TYPES, n + 1)
    out['type_count'] = b
    # The first entry's fields, one at a time.
    token, size, off, glen, grp, klass, flags, res = ENTRY.unpack_from(good, entry_at(0))
    counts = struct.unpack_from('<%dI' % table.CLASSES, good, 20)
    for name, fields in (
            ('group', (token, size, off, glen, counts[klass], klass, flags, res)),
            ('class', (token, size, off, glen, grp, (klass + 1) % table.CLASSES, flags, res)),
            ('size', (token, 0, off, glen, grp, klass, flags, res)),
            ('granules', (token, size, off, glen + 1, grp, klass, flags, res)),
            ('flags', (token, size, off, glen, grp, klass, 0x80, res)),
            ('token_range', (1 << 63, size, off, glen, grp, klass, flags, res))):
        b = bytearray(good)
        ENTRY.pack_into(b, entry_at(0), *fields)
        out[name] = b
    # Two entries swapped: tokens out of order.
    b = bytearray(good)
    first, second = good[entry_at(0):entry_at(1)], good[entry_at(1):entry_at(2)]
    b[entry_at(0):entry_at(2)] = second + first
    out['unsorted'] = b
    b = bytearray(good)
    b[entry_at(n)] = ord('7')
    out['digit'] = b
    return out


def main():
    good_path, outdir = Path(sys.argv[1]), Path(sys.argv[2])
    good = good_path.read_bytes()
    table.unpack(good)
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob('shape-*.bin'):
        old.unlink()
    names = []
    for what, data in bad_tables(good).items():
        if what != 'other_kernel':
            try:
                table.unpack(bytes(data))
            except table.TableError:
                pass
            else:
                raise SystemExit(f'shape_bad_tables: the reader takes the {what} table')
        name = f'shape-{what}.bin'
        (outdir / name).write_bytes(data)
        names.append(name)
    (outdir / 'shape-bad-tables').write_text(''.join(f'{n}\n' for n in names))
    print(f'shape_bad_tables: {len(names)} bad tables in {outdir}')


if __name__ == '__main__':
    main()
