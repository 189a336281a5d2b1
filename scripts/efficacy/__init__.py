# SPDX-License-Identifier: GPL-2.0
"""kpart-efficacy: which exploit chains each kmalloc partitioning scheme stops.

One concept per module:

  chains       the exploit-chain data set (JSON lines) and its objects
  alloc_token  the token of a named type, from scripts/kpart-token
  kernel_tree  where the kernel source and the built tree are
  probe        kpart's site tool: Clang's token at each allocation call
               (a kernel file, or a module built by make wrap)
  sites        resolving an object's allocation site in the source
  kconfig      whether a source file can be built as a module
  schemes      the partitioning schemes and what each separates
  spray        the adaptive attacker's known spray objects
  evaluate     per-chain verdicts and totals
  report       text and JSON output
"""
