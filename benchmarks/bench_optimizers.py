"""Benchmark (not a test): Stepwise's vectorised optimizers against torch.optim on the same work.

    python benchmarks/bench_optimizers.py [--sizes 1e6 1e7] [--steps 10] [--repeats 11]

For each size n, both libraries run the same float64 update for N steps on n parameters with a given
gradient vector (the `grads` source with one row, repeated), side by side in one process:
- Stepwise: the update loop (`problems._optim.advance`, what an optimizer step costs) on the compiled path
  (Numba's fused update, `pip install stepwise[fast]`) and on the NumPy path (STEPWISE_ACCEL=numpy);
- torch: `torch.optim.Adam` / `SGD(momentum=0.9)` with its CPU default (the single-tensor for-loop),
  `foreach=True`, and `fused=True` (one fused C++ kernel), timing `opt.step()` only.
The runs are interleaved (each runner once per round) and the median taken, so machine load hits all alike;
speed-ups are torch's fused time / the runner's (>= 1: at or ahead of the fused kernel). torch and this
script use the same number of threads. Writes benchmarks/results/optimizers.json.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from problems import _optim as O  # noqa: E402
from problems._optim import accel  # noqa: E402
from solver import registry  # noqa: E402
from _record import write  # noqa: E402


def stepwise_runner(family: str, params: dict, conv: dict, accel_mode: str | None):
    """A function timing the update loop alone (the state is set up first, like torch below), on the compiled path
    (accel_mode None: Numba where installed) or the NumPy path ("numpy": STEPWISE_ACCEL=numpy)."""
    fam = registry.get(family)
    method = getattr(fam.module, "_method", lambda _p: fam.module.METHOD)
    values = fam.validate(params)
    conventions = fam.resolve_conventions(conv)
    out = {}

    def run() -> float:
        with _accel(accel_mode):
            c = O.prepare_numeric(values, conventions, method(values))
            t = time.perf_counter()
            O.advance(c)
            out["w"], out["engine"] = c.w, c.engine
            return time.perf_counter() - t
    return run, out


class _accel:
    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self.old = os.environ.get(accel.ENV)
        if self.mode is None:
            os.environ.pop(accel.ENV, None)
        else:
            os.environ[accel.ENV] = self.mode

    def __exit__(self, *exc):
        if self.old is None:
            os.environ.pop(accel.ENV, None)
        else:
            os.environ[accel.ENV] = self.old


def torch_runner(torch, cls_name: str, kwargs: dict, w0: np.ndarray, g: np.ndarray, steps: int):
    cls = getattr(torch.optim, cls_name)
    grad = torch.from_numpy(g)
    out = {}

    def run() -> float:
        p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        opt = cls([p], **kwargs)
        p.grad = grad
        t = time.perf_counter()
        for _ in range(steps):
            opt.step()
        out["w"] = p.detach().numpy()
        return time.perf_counter() - t
    try:
        run()
    except (RuntimeError, TypeError, ValueError) as e:  # e.g. fused not supported for this dtype/device
        return None, str(e).splitlines()[0][:60]
    return run, out


CASES = [
    ("adam", "Adam", dict(lr=1e-3), {"lr": 1e-3}, {"eps_placement": "outside"}, "Adam"),
    ("momentum", "SGD", dict(lr=1e-2, momentum=0.9), {"lr": 1e-2, "beta": 0.9}, {}, "SGD with momentum 0.9"),
]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=11)
    args = ap.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("torch is not installed; this benchmark compares with torch.optim (pip install torch).")
        return 1
    threads = O._workers()
    torch.set_num_threads(threads)
    compiled = accel.available()
    print(f"float64, {args.steps} steps, median of {args.repeats} interleaved runs; {threads} threads for both "
          f"(os.cpu_count() = {os.cpu_count()}); numpy {np.__version__}, torch {torch.__version__}; "
          f"Numba {'installed' if compiled else 'not installed (the compiled rows repeat the NumPy path)'}")
    rows = []
    for family, cls, tkw, ours, conv, label in CASES:
        for size in args.sizes:
            n = int(size)
            rng = np.random.default_rng(0)
            g = rng.standard_normal(n)
            w0 = rng.standard_normal(n)
            params = {"grads": g, "w0": w0, "steps": args.steps, **ours}
            runners = {"Stepwise, compiled update (Numba)": stepwise_runner(family, params, conv, None),
                       "Stepwise, NumPy path": stepwise_runner(family, params, conv, "numpy")}
            for name, extra in (("default (CPU: single-tensor for-loop)", {}), ("foreach=True", {"foreach": True}),
                                ("fused=True", {"fused": True})):
                runners[f"torch.optim.{cls} {name}"] = torch_runner(torch, cls, {**tkw, **extra}, w0, g, args.steps)
            for run, _ in runners.values():   # warm-up (compilation, page faults) outside the timing
                if run is not None:
                    run()
            times = {k: [] for k, (run, _) in runners.items() if run is not None}
            for _ in range(args.repeats):     # interleaved: A, B, C, ... A, B, C, ...
                for k in times:
                    times[k].append(runners[k][0]())
            per = 1e3 / args.steps
            med = {k: statistics.median(v) * per for k, v in times.items()}
            fused = med.get(f"torch.optim.{cls} fused=True")
            print(f"\n{label}, n = {n:,}: milliseconds per step (median); speed-up = torch fused time / this time")
            row = {"optimizer": label, "n": n, "steps": args.steps, "ms_per_step": {}, "speedup_vs_torch_fused": {},
                   "engine": runners["Stepwise, compiled update (Numba)"][1]["engine"]}
            ref = runners["Stepwise, NumPy path"][1]["w"]
            for k, (run, out) in runners.items():
                if run is None:
                    print(f"  {k:52s} {'n/a':>9s}   ({out})")
                    continue
                diff = float(np.max(np.abs(out["w"] - ref)) / np.max(np.abs(ref)))
                row["ms_per_step"][k] = med[k]
                if fused:
                    row["speedup_vs_torch_fused"][k] = fused / med[k]
                print(f"  {k:52s} {med[k]:9.2f}   " + (f"x{fused / med[k]:5.2f}" if fused else "")
                      + f"   max |w - NumPy path's| / max |w| {diff:.0e}")
            rows.append(row)
    print("""
The NumPy path runs each elementwise operation of the update as its own ufunc (about a dozen passes over
cache-sized blocks per step); the compiled update reads g and the histories once and writes them once per entry,
in parallel parts, like torch's fused kernel.""")
    write("optimizers", {"threads": threads, "repeats": args.repeats, "numba": compiled, "results": rows},
          unit="milliseconds per step, median of interleaved repeats",
          notes="speedup_vs_torch_fused = torch fused=True time / this time (>= 1: at or ahead of torch's fused kernel); "
                "float64, the same threads")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
