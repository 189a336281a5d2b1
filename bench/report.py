#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kpart benchmark reports, from what the guests of bench/bench.sh exported.

  report.py quick DIR   check a QUICK=1 run: every expected row, every ratio
                        finite and positive; one verdict line, exit 0/1
  report.py full DIR    DIR/bench and DIR/bench-rkc -> DIR/results.md,
                        DIR/ratio.dat and DIR/ratio.gp (gnuplot: ratio.png)

Speed rows are get_cycles() ticks per allocation+free pair (x100); under
QEMU -icount shift=0 a tick is one guest instruction. Ratios are taken
within a round (the contenders of one round run back to back), then the
median and the min-max over rounds are reported.
"""

import math
import os
import statistics
import subprocess
import sys

PATTERNS = ["once", "batch", "smp"]
QUICK_SIZES = [8, 64, 512, 4096]


def size_classes():
    """kpart's size classes in bytes: include/kpart.h's list, as
    scripts/kpart-report --size-classes prints it (8 ... 1k ... 8k)."""
    tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts",
                        "kpart-report")
    names = subprocess.run([tool, "--size-classes"], check=True, capture_output=True,
                           text=True).stdout.split()
    return [int(n[:-1]) * 1024 if n.endswith("k") else int(n) for n in names]


# What c_bench.c runs by default: the size classes up to a page.
ALL_SIZES = [s for s in size_classes() if s <= 4096]
MODES = ["typed", "random", "pertype"]
# Speed targets, once, the worst size class from 8 to 4096 (median of the
# rounds): the C API with a constant size (kpart-MODE-c-const) against
# kmalloc-const, per mode; the C API with a run-time size (kpart-MODE-c)
# against kmalloc, every mode; the Rust API against the C API, the same mode
# and size (kpart-MODE-rust / kpart-MODE-c, kpart-MODE-rust-const /
# kpart-MODE-c-const).
TARGET_C_CONST = {"typed": 1.01, "pertype": 1.02, "random": 1.04}
TARGET_C_RUNTIME = 1.00
TARGET_RUST = 1.01
RUST_PAIRS = [("rust", "c"), ("rust-const", "c-const")]
TARGET_IDLE_KB = 1024
TARGET_WORKLOAD_KB = 6.7 * 1024


def read_speed(path):
    """(header dict, rows [(pattern, size, contender, round, ticks)])."""
    header, rows = {}, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("# kpart_bench"):
                for word in line.split()[2:]:
                    key, _, value = word.partition("=")
                    header[key] = value
                continue
            if not line or line.startswith("#"):
                continue
            pattern, size, contender, rnd, x100 = line.split("\t")
            rows.append((pattern, int(size), contender, int(rnd), int(x100) / 100))
    return header, rows


COMPARATORS = ["kmalloc-const", "dedicated"]


def base_name(contenders):
    """Plain kmalloc() with a run-time size, as the kernel was built."""
    for c in ("kmalloc", "kmalloc-rkc"):
        if c in contenders:
            return c
    return None


def per_round(rows):
    """{(pattern, size): {round: {contender: ticks}}}"""
    table = {}
    for pattern, size, contender, rnd, ticks in rows:
        table.setdefault((pattern, size), {}).setdefault(rnd, {})[contender] = ticks
    return table


def ratio_lists(rows, num, den):
    """{(pattern, size): [num/den per round]}; den may be 'base'."""
    out = {}
    for key, rounds in per_round(rows).items():
        for vals in rounds.values():
            d = base_name(vals) if den == "base" else den
            if num in vals and d in vals and vals[d] > 0:
                out.setdefault(key, []).append(vals[num] / vals[d])
    return out


def values(rows, contender):
    """{(pattern, size): [ticks per round]}"""
    out = {}
    for pattern, size, c, _, ticks in rows:
        if c == contender:
            out.setdefault((pattern, size), []).append(ticks)
    return out


def api_ratio_table(w, speed, pairs):
    """A table of kpart-MODE-NUM / kpart-MODE-DEN per pattern and size, a
    column per mode and (NUM, DEN) of pairs, from the bench kernel's runs."""
    modes = [m for m in MODES if ("bench", m) in speed]
    cols = [(m, num, den) for m in modes for num, den in pairs]
    w("| pattern | size | " + " | ".join(f"{m}: {num} / {den}" for m, num, den in cols) + " |")
    w("|---|---:|" + "---:|" * len(cols))
    for pattern in PATTERNS:
        for size in ALL_SIZES:
            cells = []
            for mode, num, den in cols:
                rl = ratio_lists(speed["bench", mode][1], f"kpart-{mode}-{num}",
                                 f"kpart-{mode}-{den}").get((pattern, size), [])
                cells.append(fmt_ratio(rl))
            if any(c != "–" for c in cells):
                w(f"| {pattern} | {size} | " + " | ".join(cells) + " |")


def once_worst(rows, num, den):
    """The worst size of num / den (den may be 'base'), once, every size class
    from 8 to 4096: (median of the rounds at the worst size, that size, the
    sizes with no measurement); (None, None, missing) when none has one."""
    rl = ratio_lists(rows, num, den)
    meds = {s: med(rl[("once", s)]) for s in ALL_SIZES if rl.get(("once", s))}
    missing = [s for s in ALL_SIZES if s not in meds]
    if not meds:
        return None, None, missing
    size = max(meds, key=lambda s: meds[s])
    return meds[size], size, missing


def target_row(w, targets, title, worst, where, missing, target):
    """One speed target's row: the worst ratio, where, and whether it is met
    (every size measured and the worst at most target)."""
    if worst is None:
        w(f"| {title} | no measurement | no |")
        targets.append(False)
        return
    met = worst <= target and not missing
    note = f"; not measured: {', '.join(map(str, missing))}" if missing else ""
    w(f"| {title} | worst {worst:.4f}× ({where}){note} | {'yes' if met else 'no'} |")
    targets.append(met)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_ratio(xs):
    if not xs:
        return "–"
    if len(xs) == 1:
        return f"{xs[0]:.3f}"
    return f"{med(xs):.3f} ({min(xs):.3f}–{max(xs):.3f})"


def quick(d):
    problems = []
    rows_checked = 0
    summary = {}
    for mode in MODES:
        path = os.path.join(d, f"speed-{mode}")
        if not os.path.exists(path):
            problems.append(f"no results for {mode} mode")
            continue
        header, rows = read_speed(path)
        if header.get("mode") != mode:
            problems.append(f"{path}: kpart in mode {header.get('mode')}, expected {mode}")
        contenders = {r[2] for r in rows}
        base = base_name(contenders)
        expected = [base or "kmalloc", f"kpart-{mode}-c", f"kpart-{mode}-rust",
                    f"kpart-{mode}-rust-const", f"kpart-{mode}-c-const"] + COMPARATORS
        patterns = PATTERNS if header.get("smp") == "1" else PATTERNS[:2]
        if header.get("smp") != "1":
            problems.append(f"{mode}: no smp pattern (one CPU?)")
        have = {(p, s, c) for p, s, c, _, _ in rows}
        for p in patterns:
            for s in QUICK_SIZES:
                for c in expected:
                    if (p, s, c) not in have:
                        problems.append(f"{mode}: missing row {p} {s} {c}")
        for p, s, c, _, t in rows:
            rows_checked += 1
            if not (t > 0 and math.isfinite(t)):
                problems.append(f"{mode}: {p} {s} {c}: {t} ticks")
        for c in expected[1:]:
            for key, rs in ratio_lists(rows, c, "base").items():
                for r in rs:
                    if not (r > 0 and math.isfinite(r)):
                        problems.append(f"{mode}: {key} {c}: ratio {r}")
                    if key[0] == "once":
                        summary.setdefault(c, []).append(r)
    for alloc, want_in_kpart in (("kpart", True), ("kmalloc", False)):
        path = os.path.join(d, f"memwork-typed-4-{alloc}")
        if not os.path.exists(path):
            problems.append(f"no memory workload summary for {alloc}")
            continue
        info = dict(line.split("\t", 1) for line in open(path).read().split("\n") if "\t" in line)
        objects = int(info.get("objects", 0))
        in_kpart = int(info.get("in_kpart", -1))
        if objects <= 0:
            problems.append(f"memory workload through {alloc}: no objects")
        if want_in_kpart and (in_kpart != objects or int(info.get("partitions_used", 0)) < 2):
            problems.append(f"memory workload through kpart: {in_kpart}/{objects} objects in kpart, "
                            f"{info.get('partitions_used')} partitions")
        if not want_in_kpart and in_kpart != 0:
            problems.append(f"memory workload through kmalloc: {in_kpart} objects in kpart")
    once = ", ".join(f"{c} {min(rs):.2f}–{max(rs):.2f}x" for c, rs in sorted(summary.items()))
    if problems:
        for p in problems[:20]:
            print(f"bench: {p}")
        print(f"bench: QUICK FAIL: {len(problems)} problems ({rows_checked} rows)")
        return 1
    print(f"bench: QUICK PASS: {rows_checked} rows, all ratios finite and positive; "
          f"once vs kmalloc (test kernel, debug checks on: not representative): {once}")
    return 0


def read_memory(path):
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) < 13:
            continue
        rows.append({
            "what": f[0], "mode": f[1], "partitions": f[2], "accounted": f[3],
            "allocator": f[4],
            "slab": int(f[8]) - int(f[5]), "avail": int(f[6]) - int(f[9]),
            "percpu": int(f[10]) - int(f[7]), "slab_before": int(f[5]),
            "kpart_bytes": int(f[11]), "caches": int(f[12]),
        })
    return rows


def read_memwork(d, mode, p, alloc):
    path = os.path.join(d, f"memwork-{mode}-{p}-{alloc}")
    if not os.path.exists(path):
        return {}
    return dict(line.split("\t", 1) for line in open(path).read().split("\n") if "\t" in line)


def read_slabinfo(path):
    """{name: (bytes of slab pages, active objects)}"""
    caches = {}
    if not os.path.exists(path):
        return caches
    for line in open(path):
        f = line.split()
        if len(f) < 16 or line.startswith(("slabinfo", "#")):
            continue
        caches[f[0]] = (int(f[14]) * int(f[5]) * 4096, int(f[1]))
    return caches


def idle_growth(d):
    """[(cache, slab bytes grown, objects grown)] over one idle load, largest first."""
    before = read_slabinfo(os.path.join(d, "slabinfo-idle-before"))
    after = read_slabinfo(os.path.join(d, "slabinfo-idle-after"))
    if not before or not after:
        return []
    rows = []
    for name, (b, o) in after.items():
        b0, o0 = before.get(name, (0, 0))
        if b - b0 > 0:
            rows.append((name, b - b0, o - o0))
    return sorted(rows, key=lambda r: -r[1])


def mb(kb):
    return f"{kb / 1024:.2f}"


def full(d):
    md = []
    w = md.append
    targets = []
    speed = {}
    for flavour in ("bench", "bench-rkc"):
        for mode in MODES:
            path = os.path.join(d, flavour, f"speed-{mode}")
            if os.path.exists(path):
                speed[flavour, mode] = read_speed(path)
    if not speed:
        print("report: no speed results", file=sys.stderr)
        return 1
    header = next(iter(speed.values()))[0]

    w("# kpart benchmarks\n")
    w("Generated by `make bench` (bench/bench.sh, bench/kpart_bench.ko); method in "
      "Documentation/benchmarks.rst.\n")
    w(f"kpart_bench: rounds={header.get('rounds')} iters={header.get('iters')} "
      f"batch={header.get('batch')}, kpart partitions={header.get('partitions')} "
      f"accounted={header.get('accounted')}. Kernels: `bench` (x86_64_defconfig + "
      "configs/common.config + configs/bench.config, no debug checks on the slab path) and "
      "`bench-rkc` (the same + CONFIG_RANDOM_KMALLOC_CACHES=y). QEMU TCG with "
      "`-icount shift=0`, 2 vCPUs.\n")
    w("**Every speed figure is an instruction count** (one guest instruction = one tick of "
      "`get_cycles()` under `-icount shift=0`), per allocation+free pair, not time: it does "
      "not see cache misses, TLB misses, branch mispredictions or the cost of atomics. "
      "Ratios are taken within one round (contenders back to back, order rotated per round); "
      "cells show the median over rounds and, in parentheses, the min–max.\n")
    if os.path.exists(os.path.join(d, "listings.txt")):
        w("The machine code of every contender's `once` loop, as built for each kernel "
          "(the 64-byte loop of the constant-size contenders), is in `listings.txt`.\n")

    def speed_table(flavour, title, note):
        w(f"## {title}\n")
        w(note + "\n")
        for pattern in PATTERNS:
            sample = speed.get((flavour, "typed")) or speed.get((flavour, "random"))
            if not sample or not any(r[0] == pattern for r in sample[1]):
                continue
            base = base_name({r[2] for r in sample[1]})
            w(f"### {pattern}\n")
            cols = []
            for mode in MODES:
                if (flavour, mode) in speed:
                    cols += [(mode, f"kpart-{mode}-c"), (mode, f"kpart-{mode}-rust")]
            w(f"| size | {base} instr/op | " + " | ".join(f"{c} / {base}" for _, c in cols) + " |")
            w("|---:|---:|" + "---:|" * len(cols))
            sizes = sorted({r[1] for r in sample[1] if r[0] == pattern})
            for size in sizes:
                absvals = []
                for mode in MODES:
                    if (flavour, mode) in speed:
                        absvals += values(speed[flavour, mode][1], base).get((pattern, size), [])
                cells = []
                for mode, c in cols:
                    rl = ratio_lists(speed[flavour, mode][1], c, "base").get((pattern, size), [])
                    cells.append(fmt_ratio(rl))
                w(f"| {size} | {med(absvals):.1f} | " + " | ".join(cells) + " |")
            w("")

    speed_table("bench", "kpart against plain kmalloc (bench kernel)",
                "Plain `kmalloc()` with a run-time size (`__kmalloc_noprof`) against "
                "`kpart_kmalloc()` (C API) and `kpart::kmalloc()` (Rust API), kpart loaded with "
                "16 partitions, typed then random mode; the same boot, the same rounds.")
    if any(k[0] == "bench-rkc" for k in speed):
        speed_table("bench-rkc", "kpart against RANDOM_KMALLOC_CACHES (bench-rkc kernel)",
                    "On the kernel with `CONFIG_RANDOM_KMALLOC_CACHES=y`, plain `kmalloc()` is "
                    "the kernel's random per-call-site partitioning (`kmalloc-rkc`).")

    # RKC against plain, across the kernels.
    if any(k[0] == "bench-rkc" for k in speed) and any(k[0] == "bench" for k in speed):
        w("## RANDOM_KMALLOC_CACHES against plain kmalloc (across the two kernels)\n")
        w("Plain `kmalloc()` on the bench-rkc kernel against plain `kmalloc()` on the bench "
          "kernel. Different boots of different kernels: this compares deterministic "
          "instruction counts, all rounds of both kpart modes pooled (medians, min–max).\n")
        w("| pattern | size | plain instr/op | RKC instr/op | RKC / plain |")
        w("|---|---:|---:|---:|---:|")
        for pattern in PATTERNS:
            for size in ALL_SIZES:
                plain, rkc = [], []
                for mode in MODES:
                    if ("bench", mode) in speed:
                        plain += values(speed["bench", mode][1], "kmalloc").get((pattern, size), [])
                    if ("bench-rkc", mode) in speed:
                        rkc += values(speed["bench-rkc", mode][1], "kmalloc-rkc").get((pattern, size), [])
                if plain and rkc:
                    w(f"| {pattern} | {size} | {med(plain):.1f} ({min(plain):.1f}–{max(plain):.1f}) "
                      f"| {med(rkc):.1f} ({min(rkc):.1f}–{max(rkc):.1f}) | {med(rkc) / med(plain):.3f} |")
        w("")

    # Rust against C.
    w("## Rust API against C API (bench kernel)\n")
    w("`rust / c`: `kpart::kmalloc(size)` / `kpart_kmalloc(size)`, the size at run time. "
      "`rust-const / c-const`: `kpart::alloc::<kpart_bench_bytes_SIZE>()` (a type of SIZE "
      "bytes of data) / `kpart_kmalloc(SIZE)`, the size a compile-time constant, a loop per "
      "size class. Per round, same boot.\n")
    api_ratio_table(w, speed, RUST_PAIRS)
    w("")

    # Against the strongest comparators.
    w("## kpart against constant-size kmalloc and a dedicated cache (bench kernel)\n")
    w("`kmalloc-const`: `kmalloc()` with the size a compile-time constant, the kernel's own "
      "fast path (cache chosen at compile time). `dedicated`: `kmem_cache_alloc()` and "
      "`kmem_cache_free()` on a never-merged cache of the size, the limit for any slab "
      "allocation. Per round, same boot; below 1.000 kpart is cheaper.\n")
    comparator_meds = {}
    modes = [m for m in MODES if ("bench", m) in speed]
    cols = [col for m in modes for col in
            [(f"kpart-{m}-{api}", c) for api in ("c", "rust", "c-const") for c in COMPARATORS]
            + [(f"kpart-{m}-rust-const", "kmalloc-const")]]
    if modes:
        w("| pattern | size | " + " | ".join(f"{num} / {den}" for num, den in cols) + " |")
        w("|---|---:|" + "---:|" * len(cols))
        for pattern in PATTERNS:
            for size in ALL_SIZES:
                cells = []
                for num, den in cols:
                    mode = num.split("-")[1]
                    rl = ratio_lists(speed["bench", mode][1], num, den).get((pattern, size), [])
                    cells.append(fmt_ratio(rl))
                    if rl and pattern == "once":
                        comparator_meds.setdefault((num, den), []).append(med(rl))
                if any(c != "–" for c in cells):
                    w(f"| {pattern} | {size} | " + " | ".join(cells) + " |")
        for (num, den), ms in sorted(comparator_meds.items()):
            w(f"\n{num} / {den}, once, over every size: median {med(ms):.3f}, "
              f"range {min(ms):.3f}–{max(ms):.3f}.")
    w("")

    # Memory.
    mem = read_memory(os.path.join(d, "bench", "memory"))
    idle_p16 = work_extra_p16 = None
    if mem:
        w("## Memory (bench kernel)\n")
        w("From `/proc/meminfo` (after `drop_caches` and `vm/stat_refresh`) before and after "
          "a load, and `/proc/slabinfo` (num_slabs × pagesperslab × 4096 over the `kpart-*` "
          "caches). Memory is not affected by `-icount`.\n")
        w("### (a) kpart loaded, idle\n")
        w("The cost of `insmod kpart.ko partitions=P accounted=A` with no user: the caches' "
          "own metadata (`struct kmem_cache`, per-node data, sysfs entries) and the module. "
          f"Median of {max(1, sum(1 for r in mem if r['what'] == 'idle' and r['partitions'] == '16' and r['accounted'] == '1'))} loads.\n")
        w("| partitions | accounted | caches | Slab: +MB | MemAvailable: −MB | Percpu: +kB | slabs in kpart caches |")
        w("|---:|---:|---:|---:|---:|---:|---:|")
        for acc in ("1", "0"):
            for p in ("1", "2", "4", "8", "16", "32", "64"):
                rs = [r for r in mem if r["what"] == "idle" and r["partitions"] == p and r["accounted"] == acc]
                if not rs:
                    continue
                slab = med([r["slab"] for r in rs])
                if p == "16" and acc == "1":
                    idle_p16 = slab
                w(f"| {p} | {acc} | {rs[0]['caches']} | {mb(slab)} | {mb(med([r['avail'] for r in rs]))} "
                  f"| {med([r['percpu'] for r in rs]):.0f} | {med([r['kpart_bytes'] for r in rs]) / 1024:.0f} kB |")
        w("")
        growth = idle_growth(os.path.join(d, "bench"))
        if growth:
            total = sum(b for _, b, _ in growth)
            w("Where it goes at 16 partitions with the accounted matrix (one load, "
              "`/proc/slabinfo` before and after, slab pages per cache; the `kpart-*` "
              f"caches themselves hold none): {total / 2**20:.2f} MB in all.\n")
            w("| cache | slab pages +kB | objects + |")
            w("|---|---:|---:|")
            for name, b, objs in growth[:8]:
                w(f"| {name} | {b / 1024:.0f} | {objs} |")
            w("")
        base = [r for r in mem if r["what"] == "workload" and r["allocator"] == "kmalloc"]
        if base:
            base_slab = statistics.mean(r["slab"] for r in base)
            base_avail = statistics.mean(r["avail"] for r in base)
            mw = read_memwork(os.path.join(d, "bench"), "typed", "16", "kmalloc")
            w(f"### (b) {mw.get('objects', '?')} live objects\n")
            w(f"The same {mw.get('objects', '?')} objects (sizes over every class from 8 to "
              f"4096 bytes, {int(mw.get('requested_bytes', 0)) / 2**20:.1f} MB requested, "
              "eight C types with and without pointers, untyped and Rust allocations, a quarter "
              "`__GFP_ACCOUNT`), allocated through plain `kmalloc()` and through kpart, kpart "
              "already loaded in both cases. Extra = the kpart Slab: growth − the kmalloc "
              f"growth (mean of {len(base)} kmalloc runs: "
              + ", ".join(f"{mb(r['slab'])}" for r in base) + " MB).\n")
            w("| allocator | mode | partitions | Slab: +MB | MemAvailable: −MB | extra Slab MB | kpart caches' slabs MB | partitions used |")
            w("|---|---|---:|---:|---:|---:|---:|---:|")
            w(f"| kmalloc | – | – | {mb(base_slab)} | {mb(base_avail)} | 0 | – | – |")
            for r in mem:
                if r["what"] != "workload" or r["allocator"] != "kpart":
                    continue
                extra = r["slab"] - base_slab
                if r["mode"] == "typed" and r["partitions"] == "16":
                    work_extra_p16 = extra
                info = read_memwork(os.path.join(d, "bench"), r["mode"], r["partitions"], "kpart")
                w(f"| kpart | {r['mode']} | {r['partitions']} | {mb(r['slab'])} | {mb(r['avail'])} "
                  f"| {mb(extra)} | {r['kpart_bytes'] / 2**20:.2f} | {info.get('partitions_used', '?')} |")
            w("")
    mem_rkc = read_memory(os.path.join(d, "bench-rkc", "memory"))
    if mem and mem_rkc:
        boot = [r for r in mem if r["what"] == "boot"]
        boot_rkc = [r for r in mem_rkc if r["what"] == "boot"]
        wk = [r["slab"] for r in mem if r["what"] == "workload" and r["allocator"] == "kmalloc"]
        wk_rkc = [r["slab"] for r in mem_rkc if r["what"] == "workload" and r["allocator"] == "kmalloc"]
        w("### RANDOM_KMALLOC_CACHES (across the two kernels)\n")
        w("| | bench kernel | bench-rkc kernel | difference |")
        w("|---|---:|---:|---:|")
        if boot and boot_rkc:
            w(f"| Slab: after boot, MB | {mb(boot[0]['slab_before'])} | {mb(boot_rkc[0]['slab_before'])} "
              f"| {mb(boot_rkc[0]['slab_before'] - boot[0]['slab_before'])} |")
        if wk and wk_rkc:
            w(f"| Slab: growth, live objects through kmalloc, MB | {mb(statistics.mean(wk))} "
              f"| {mb(statistics.mean(wk_rkc))} | {mb(statistics.mean(wk_rkc) - statistics.mean(wk))} |")
        w("")

    # Retention.
    freed = [r for r in mem if r["what"] == "freed"]
    if freed:
        w("## What retention keeps (bench kernel)\n")
        w("kpart's slab memory (num_slabs × pagesperslab × 4096 over `kpart-*`) with the memory "
          "workload's objects live, and after they are all freed: with `retain=all` the caches keep "
          "the slabs of their peak use; with `retain=off` SLUB frees empty slabs past `min_partial`.\n")
        w("| mode | partitions | retain | live objects: MB | all freed: MB kept | kept / live |")
        w("|---|---:|---|---:|---:|---:|")
        for r in freed:
            live = [x for x in mem if x["what"] == "workload" and x["allocator"] == "kpart"
                    and x["mode"] == r["mode"] and x["partitions"] == r["partitions"]]
            live_bytes = statistics.mean(x["kpart_bytes"] for x in live) if live else float("nan")
            w(f"| {r['mode']} | {r['partitions']} | {r['allocator'].split('=', 1)[-1]} "
              f"| {live_bytes / 2**20:.2f} | {r['kpart_bytes'] / 2**20:.2f} "
              f"| {r['kpart_bytes'] / live_bytes:.2f} |")
        w("")

    # Targets.
    w("## Targets\n")
    w(f"Speed: the `once` pattern on the bench kernel, every size class from {ALL_SIZES[0]} to "
      f"{ALL_SIZES[-1]}, the median of the rounds per size; the worst size counts.\n")
    w("| target | measured | met |")
    w("|---|---|---|")
    modes = [m for m in MODES if ("bench", m) in speed]
    for mode in sorted(modes, key=lambda m: TARGET_C_CONST[m]):
        worst, size, missing = once_worst(speed["bench", mode][1], f"kpart-{mode}-c-const",
                                          "kmalloc-const")
        target = TARGET_C_CONST[mode]
        target_row(w, targets, f"C API, constant size, {mode}: kpart-{mode}-c-const ≤ "
                   f"{target:.2f}× kmalloc-const", worst, f"size {size}", missing, target)
    for mode in modes:
        worst, size, missing = once_worst(speed["bench", mode][1], f"kpart-{mode}-c", "base")
        target_row(w, targets, f"C API, run-time size, {mode}: kpart-{mode}-c ≤ "
                   f"{TARGET_C_RUNTIME:.2f}× kmalloc", worst, f"size {size}", missing,
                   TARGET_C_RUNTIME)
    for num, den in RUST_PAIRS:
        results = []
        for mode in modes:
            worst, size, missing = once_worst(speed["bench", mode][1], f"kpart-{mode}-{num}",
                                              f"kpart-{mode}-{den}")
            results.append((worst, f"{mode}, size {size}", [f"{mode} {s}" for s in missing]))
        measured = [r for r in results if r[0] is not None]
        worst, where, _ = max(measured, key=lambda r: r[0]) if measured else (None, None, [])
        missing = [m for r in results for m in r[2]]
        target_row(w, targets, f"Rust API ≤ {TARGET_RUST:.2f}× C API, same mode and size: "
                   f"kpart-MODE-{num} / kpart-MODE-{den}", worst, where, missing, TARGET_RUST)
    if idle_p16 is not None:
        w(f"| idle kpart (P=16, accounted) ≤ 1 MB slab | {mb(idle_p16)} MB | "
          f"{'yes' if idle_p16 <= TARGET_IDLE_KB else 'no'} |")
    if work_extra_p16 is not None:
        w(f"| live workload at P=16: extra slab ≤ 6.7 MB | {mb(work_extra_p16)} MB "
          f"(+ {mb(idle_p16 or 0)} MB idle) | {'yes' if work_extra_p16 <= TARGET_WORKLOAD_KB else 'no'} |")
    w("")
    w("![ratio to plain kmalloc per size class](ratio.png)\n")

    with open(os.path.join(d, "results.md"), "w") as f:
        f.write("\n".join(md))

    # The plot: once, median ratio per size class.
    series = []
    for mode in MODES:
        if ("bench", mode) in speed:
            for api in ("c", "rust"):
                rl = ratio_lists(speed["bench", mode][1], f"kpart-{mode}-{api}", "base")
                series.append((f"kpart {mode}, {'C' if api == 'c' else 'Rust'} API",
                               {s: med(v) for (p, s), v in rl.items() if p == "once"}))
    if ("bench-rkc", "typed") in speed and ("bench", "typed") in speed:
        rk = {}
        for size in ALL_SIZES:
            plain, rkc = [], []
            for mode in MODES:
                if ("bench", mode) in speed:
                    plain += values(speed["bench", mode][1], "kmalloc").get(("once", size), [])
                if ("bench-rkc", mode) in speed:
                    rkc += values(speed["bench-rkc", mode][1], "kmalloc-rkc").get(("once", size), [])
            if plain and rkc:
                rk[size] = med(rkc) / med(plain)
        series.append(("RANDOM_KMALLOC_CACHES, plain kmalloc (other kernel)", rk))
    with open(os.path.join(d, "ratio.dat"), "w") as f:
        f.write("# i size " + " ".join(f'"{t}"' for t, _ in series) + "\n")
        for i, size in enumerate(ALL_SIZES):
            f.write(f"{i} {size} " + " ".join(f"{s.get(size, float('nan')):.4f}" for _, s in series) + "\n")
    finite = [v for _, s in series for v in s.values() if math.isfinite(v)] or [1.0]
    ylo = min(0.95, min(finite) - 0.02)
    yhi = max(1.10, max(finite) + 0.02)
    with open(os.path.join(d, "ratio.gp"), "w") as f:
        f.write(f"""set terminal pngcairo noenhanced size 1000,600 font ",11"
set output "{os.path.join(d, 'ratio.png')}"
set title "Instructions per kmalloc+kfree pair (once), ratio to plain kmalloc, QEMU -icount"
set xlabel "size class (bytes)"
set ylabel "ratio to plain kmalloc (median of rounds)"
set key below
set yrange [{ylo:.2f}:{yhi:.2f}]
set grid ytics
set datafile missing "nan"
plot 1 with lines dt 2 lc "black" title "{TARGET_C_RUNTIME:.2f}: plain kmalloc, the C API target", \\
""")
        plots = []
        for i, (title, _) in enumerate(series):
            plots.append(f'     "{os.path.join(d, "ratio.dat")}" using 1:{i + 3}:xtic(2) '
                         f'with linespoints lw 2 pt {i + 5} title "{title}"')
        f.write(", \\\n".join(plots) + "\n")
    print("\n".join(md))
    return 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("quick", "full"):
        print(__doc__, file=sys.stderr)
        return 2
    return quick(sys.argv[2]) if sys.argv[1] == "quick" else full(sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())
