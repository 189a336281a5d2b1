# SPDX-License-Identifier: GPL-2.0
"""Shape mode's host side: the layout signature of a C type from its debug
information (layout), the groups and the budget split of the module
(groups), and the signature table kpart loads (table).

A signature has one digit per 8-byte granule of the type: '0' padding, '1'
pointer, '2' data, '3' both. Documentation/shape.rst tells the whole story;
include/kpart_shape.h is the table's one definition.
"""
