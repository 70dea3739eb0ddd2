"""Benchmark (not a test): wall time of `stepwise solve` against a bare `python -c "import sympy"`.

SymPy's import is the floor for any command that shows formulas; the ratio says how much Stepwise adds
on top (argument parsing, the one family module, solving, rendering). Also times `stepwise list`,
which reads the families' docstrings without importing them, against a bare `python -c pass`.

    python benchmarks/bench_cli_startup.py [--runs 15]

On a shared machine compare the minimum times (the least disturbed run); the median is printed too.
Writes benchmarks/results/cli_startup.json.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from _record import write


def wall(cmd: list[str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    py = sys.executable
    cases = [
        ("python -c pass", [py, "-c", "pass"]),
        ('python -c "import sympy"', [py, "-c", "import sympy"]),
        ("stepwise list", [py, "-m", "solver.cli", "list"]),
        ("stepwise solve perceptron --example", [py, "-m", "solver.cli", "solve", "perceptron", "--example"]),
        ("stepwise solve perceptron --example -f json", [py, "-m", "solver.cli", "solve", "perceptron", "--example", "-f", "json"]),
    ]
    results = {name: wall(cmd, args.runs) for name, cmd in cases}
    base = results['python -c "import sympy"'][0]
    bare = results["python -c pass"][0]
    base_min = results['python -c "import sympy"'][1]
    print(f"{'command':48s} {'median s':>9s} {'min s':>7s} {'median ratio':>13s} {'min ratio':>10s}   (vs import sympy)")
    for name, (med, best) in results.items():
        print(f"{name:48s} {med:9.3f} {best:7.3f} {med / base:12.2f}x {best / base_min:9.2f}x")
    print(f"\n`stepwise list` vs bare python: {results['stepwise list'][0] / bare:.2f}x (it imports no family module)")
    write("cli_startup", {
        "runs": args.runs,
        "commands": [{"command": name, "median_s": round(med, 4), "min_s": round(best, 4),
                      "ratio_median_vs_import_sympy": round(med / base, 3),
                      "ratio_min_vs_import_sympy": round(best / base_min, 3)} for name, (med, best) in results.items()],
        "list_vs_bare_python_median": round(results["stepwise list"][0] / bare, 3),
    }, unit="wall seconds of a fresh process", notes="peer: python -c 'import sympy'; on a loaded machine the "
       "min ratio is the fairer one (the least disturbed run of each command)")


if __name__ == "__main__":
    main()
