"""Benchmark (not a test): 100 variants of a 10-problem exam with full worked solutions, in every format.

Times the build (generating and solving every randomised question; fixed problems are solved once)
and each export format, says where the build time goes (by family), and reports memory: the peak of
Python allocations (tracemalloc, over the whole run; Typst's own Rust allocations are not Python
objects and are not counted there) and the process's peak resident set size (getrusage, which counts
everything, SymPy and the Typst compiler included).

    python benchmarks/bench_exam.py [--exam examples/midterm.toml] [--variants 100] [--formats all]
                                    [--out DIR] [--no-tracemalloc]

`--out` also writes the files (the timings exclude the writing). tracemalloc slows Python code down
(SymPy several times over), so the times are taken with `--no-tracemalloc` and the Python peak with it
on; the resident set size is measured either way. Writes benchmarks/results/exam.json.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import importlib  # noqa: E402

from _record import write as write_record  # noqa: E402
from solver.exam import FORMATS, build, export, load, write  # noqa: E402

build_mod = importlib.import_module("solver.exam.build")  # the module (the package's `build` is the function)


def _mb(n: float) -> str:
    return f"{n / 2**20:8.1f} MB"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--exam", default=os.path.join(os.path.dirname(__file__), "..", "examples", "midterm.toml"))
    ap.add_argument("--variants", type=int, default=100)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--formats", default="all")
    ap.add_argument("--out", default=None)
    ap.add_argument("--no-tracemalloc", action="store_true")
    args = ap.parse_args()
    formats = FORMATS if args.formats == "all" else tuple(args.formats.split(","))

    spec = load(args.exam)
    # where the build time goes: wrap the per-question solvers and add up by family
    by_family: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    orig_random, orig_solve = build_mod._random_question, build_mod._solve

    def timed_random(n, p, fam, *a):
        t = time.perf_counter()
        try:
            return orig_random(n, p, fam, *a)
        finally:
            by_family[fam.name] += time.perf_counter() - t
            count[fam.name] += 1

    def timed_solve(fam, *a):
        t = time.perf_counter()
        try:
            return orig_solve(fam, *a)
        finally:
            by_family[fam.name + " (fixed)"] += time.perf_counter() - t
            count[fam.name + " (fixed)"] += 1

    build_mod._random_question, build_mod._solve = timed_random, timed_solve

    if not args.no_tracemalloc:
        tracemalloc.start()
    t0 = time.perf_counter()
    b = build(spec, variants=args.variants, seed=args.seed, solutions=True)
    t_build = time.perf_counter() - t0
    timings = {}
    sizes = {}
    t_write = 0.0
    for fmt in formats:  # as `stepwise exam` does: one format's files in memory at a time
        t = time.perf_counter()
        out = export(b, [fmt])
        timings[fmt] = time.perf_counter() - t
        sizes[fmt] = (len(out), sum(len(v) for v in out.values()))
        if args.out:
            t = time.perf_counter()
            write(out, args.out)
            t_write += time.perf_counter() - t
        del out
    total = time.perf_counter() - t0 - t_write
    peak_py = tracemalloc.get_traced_memory()[1] if not args.no_tracemalloc else None
    if not args.no_tracemalloc:
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux

    n_q = len(spec.problems)
    print(f"exam: {spec.title!r}, {n_q} problems, {len(b.variants)} variants, with worked solutions"
          + ("" if args.no_tracemalloc else " (tracemalloc on: Python code runs slower)"))
    print(f"build (generate + solve)      {t_build:8.2f} s   ({t_build / (len(b.variants) * n_q) * 1000:.1f} ms per question)")
    for fam, sec in sorted(by_family.items(), key=lambda kv: -kv[1]):
        print(f"    {fam:26s}{sec:8.2f} s   {count[fam]:4d} solves, {sec / count[fam] * 1000:7.1f} ms each")
    for fmt in formats:
        n, size = sizes[fmt]
        print(f"export {fmt:22s} {timings[fmt]:8.2f} s   {n:4d} files, {_mb(size).strip()}")
    n_files, n_bytes = sum(n for n, _ in sizes.values()), sum(x for _, x in sizes.values())
    print(f"total                         {total:8.2f} s   {n_files} files, {_mb(n_bytes).strip()}")
    if peak_py is not None:
        print(f"peak Python memory (tracemalloc) {_mb(peak_py)}")
    print(f"peak resident set size (getrusage){_mb(rss)}")
    if args.out:
        print(f"wrote {n_files} files to {args.out} in {t_write:.2f} s (not counted above)")
    write_record("exam", {
        "exam": os.path.basename(args.exam), "problems": n_q, "variants": len(b.variants),
        "tracemalloc": not args.no_tracemalloc, "build_s": t_build,
        "build_ms_per_question": t_build / (len(b.variants) * n_q) * 1000,
        "build_by_family": [{"family": fam, "s": sec, "solves": count[fam]}
                            for fam, sec in sorted(by_family.items(), key=lambda kv: -kv[1])],
        "export": [{"format": fmt, "s": timings[fmt], "files": sizes[fmt][0], "bytes": sizes[fmt][1]} for fmt in formats],
        "total_s": total, "peak_python_mb": peak_py / 2**20 if peak_py is not None else None,
        "peak_rss_mb": rss / 2**20,
    }, unit="wall seconds", notes="no peer: an exam of randomised variants with worked solutions has no "
       "off-the-shelf equivalent; times with tracemalloc on are slower")


if __name__ == "__main__":
    main()
