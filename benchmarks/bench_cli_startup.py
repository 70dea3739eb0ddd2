"""Benchmark (not a test): wall time of `stepwise solve` against a bare `python -c "import sympy"`.

SymPy's import is the floor for any command that shows formulas; the ratio says how much Stepwise adds
on top (argument parsing, the one family module, solving, rendering). Also times `stepwise list`,
which reads the families' docstrings without importing them, against a bare `python -c pass`.

    python benchmarks/bench_cli_startup.py [--runs 15]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


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
    print(f"{'command':48s} {'median s':>9s} {'min s':>7s} {'vs import sympy':>16s}")
    for name, (med, best) in results.items():
        print(f"{name:48s} {med:9.3f} {best:7.3f} {med / base:15.2f}x")
    print(f"\n`stepwise list` vs bare python: {results['stepwise list'][0] / bare:.2f}x (it imports no family module)")


if __name__ == "__main__":
    main()
