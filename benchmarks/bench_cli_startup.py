"""Benchmark (not a test): wall time of `stepwise solve` against a bare `python -c "import sympy"`.

SymPy's import is the floor for any command that shows formulas; the ratio says how much Stepwise adds
on top (argument parsing, the one family module, solving, rendering). Also times `stepwise list`,
which reads the families' docstrings without importing them, against a bare `python -c pass`.

    python benchmarks/bench_cli_startup.py [--runs 15]

Each command runs once first (not timed), with bytecode caching on (in a temporary PYTHONPYCACHEPREFIX, so
the tree stays clean), so every timed run starts from compiled modules, as an installed Stepwise does.
On a shared machine compare the minimum times (the least disturbed run); the median and the CPU time
(user + system, the command's processes included) are printed too. Writes benchmarks/results/cli_startup.json.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from _record import write


def timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the command and its children) of one run."""
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


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
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for _, cmd in cases:  # compile once
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in cases}
        for _ in range(args.runs):  # interleaved, so a burst of load on the machine hits every command alike
            for name, cmd in cases:
                runs[name].append(timed(cmd, env))
    stats = {name: {"wall_median_s": statistics.median(w for w, _ in r), "wall_min_s": min(w for w, _ in r),
                    "cpu_median_s": statistics.median(c for _, c in r), "cpu_min_s": min(c for _, c in r)}
             for name, r in runs.items()}
    base, bare = stats['python -c "import sympy"'], stats["python -c pass"]
    for st in stats.values():
        st["ratio_wall_min"] = st["wall_min_s"] / base["wall_min_s"]
        st["ratio_wall_median"] = st["wall_median_s"] / base["wall_median_s"]
        st["ratio_cpu_min"] = st["cpu_min_s"] / base["cpu_min_s"]
    print(f"{'command':48s} {'min s':>7s} {'median s':>9s} {'cpu min s':>10s}   ratios to import sympy: "
          f"{'min':>5s} {'median':>7s} {'cpu':>5s}")
    for name, st in stats.items():
        print(f"{name:48s} {st['wall_min_s']:7.3f} {st['wall_median_s']:9.3f} {st['cpu_min_s']:10.3f}   "
              f"{' ' * 23}{st['ratio_wall_min']:5.2f} {st['ratio_wall_median']:7.2f} {st['ratio_cpu_min']:5.2f}")
    listed = stats["stepwise list"]["wall_min_s"] / bare["wall_min_s"]
    print(f"\n`stepwise list` vs bare python: {listed:.2f}x (min wall; it imports no family module)")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"load average {load}, {os.cpu_count()} CPUs: on a busy machine trust the min and CPU ratios")
    write("cli_startup", {"runs": args.runs, "peer": 'python -c "import sympy"',
                          "commands": [{"command": name, **{k: round(v, 4) for k, v in st.items()}}
                                       for name, st in stats.items()],
                          "list_vs_bare_python_wall_min": round(listed, 3)},
          unit="seconds of a fresh process (wall; CPU = user + system, children included)",
          notes="ratio = the command's time / python -c 'import sympy' (the floor for showing formulas); "
                "bytecode compiled beforehand; runs interleaved; on a loaded machine the min and CPU ratios are "
                "the fairer ones")


if __name__ == "__main__":
    main()
