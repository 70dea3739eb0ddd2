"""Benchmark (not a test): Stepwise's vectorised optimizers against torch.optim on the same work.

    python benchmarks/bench_optimizers.py [--sizes 1e6 1e7] [--steps 20] [--repeats 3]

For each size n, both libraries run the same float64 update for N steps on n parameters with a given
gradient vector (the `grads` source with one row, repeated), side by side in one process:
- Stepwise: `solve_numeric` through the registry (validation, the update loop, the answer summary), and
  the update loop alone (`problems._optim.run_numeric`), which is what an optimizer step costs;
- torch: `torch.optim.Adam` / `SGD(momentum=0.9)` with its CPU default (the single-tensor for-loop),
  `foreach=True`, and `fused=True` (one fused C++ kernel), timing `opt.step()` only.
Times are the median over the repeats; ratios are Stepwise's loop time / torch's. torch and this
script use the same number of threads. The last lines say what separates the NumPy path from torch's
fused kernel. Writes benchmarks/results/optimizers.json.
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
from solver import registry  # noqa: E402
from _record import write  # noqa: E402


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def stepwise_times(family: str, params: dict, conv: dict, repeats: int) -> tuple[float, float, np.ndarray]:
    fam = registry.get(family)
    method = getattr(fam.module, "_method", lambda _p: fam.module.METHOD)
    values = fam.validate(params)
    conventions = fam.resolve_conventions(conv)
    result = {}

    def loop():  # like torch below: the state is set up first, the steps are timed
        c = O.prepare_numeric(values, conventions, method(values))
        t = time.perf_counter()
        O.advance(c)
        result["c"] = c
        return time.perf_counter() - t

    def whole():
        fam.solve(params, conv, path="numeric")

    t_loop = statistics.median(loop() for _ in range(repeats))
    t_whole = _median_time(whole, max(1, repeats - 1))
    return t_loop, t_whole, result["c"].w


def torch_time(torch, cls_name: str, kwargs: dict, w0: np.ndarray, g: np.ndarray, steps: int, repeats: int):
    cls = getattr(torch.optim, cls_name)
    grad = torch.from_numpy(g)
    out = {}

    def run():
        p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        opt = cls([p], **kwargs)
        p.grad = grad
        t = time.perf_counter()
        for _ in range(steps):
            opt.step()
        out["t"] = time.perf_counter() - t
        out["w"] = p.detach().numpy()

    try:
        run()
    except (RuntimeError, TypeError, ValueError) as e:  # e.g. fused not supported for this dtype/device
        return None, str(e).splitlines()[0][:60]
    times = [out["t"]]
    for _ in range(repeats - 1):
        run()
        times.append(out["t"])
    return statistics.median(times), out["w"]


CASES = [
    ("adam", "Adam", dict(lr=1e-3), {"lr": 1e-3}, {"eps_placement": "outside"}, "Adam"),
    ("momentum", "SGD", dict(lr=1e-2, momentum=0.9), {"lr": 1e-2, "beta": 0.9}, {}, "SGD with momentum 0.9"),
]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("torch is not installed; this benchmark compares with torch.optim (pip install torch).")
        return 1
    threads = O._workers()
    torch.set_num_threads(threads)
    print(f"float64, {args.steps} steps, median of {args.repeats} runs; {threads} threads for both "
          f"(os.cpu_count() = {os.cpu_count()}); numpy {np.__version__}, torch {torch.__version__}; "
          f"Stepwise block = {O.BLOCK} entries")
    rows = []
    for family, cls, tkw, ours, conv, label in CASES:
        for size in args.sizes:
            n = int(size)
            rng = np.random.default_rng(0)
            g = rng.standard_normal(n)
            w0 = rng.standard_normal(n)
            params = {"grads": g, "w0": w0, "steps": args.steps, **ours}
            t_loop, t_whole, w_ours = stepwise_times(family, params, conv, args.repeats)
            print(f"\n{label}, n = {n:,}: milliseconds per step (ratio = Stepwise loop / torch)")
            per = 1e3 / args.steps
            print(f"  {'Stepwise update loop (run_numeric)':52s} {t_loop * per:9.2f}")
            print(f"  {'Stepwise solve_numeric (whole call)':52s} {t_whole * per:9.2f}")
            row = {"optimizer": label, "n": n, "steps": args.steps, "stepwise_loop_ms_per_step": t_loop * per,
                   "stepwise_whole_ms_per_step": t_whole * per, "torch": {}}
            rows.append(row)
            for name, extra in (("default (CPU: single-tensor for-loop)", {}), ("foreach=True", {"foreach": True}),
                                ("fused=True", {"fused": True})):
                t, w_t = torch_time(torch, cls, {**tkw, **extra}, w0, g, args.steps, args.repeats)
                title = f"torch.optim.{cls} {name}"
                if t is None:
                    print(f"  {title:52s} {'n/a':>9s}   ({w_t})")
                    row["torch"][name] = {"unavailable": w_t}
                    continue
                agree = np.max(np.abs(w_t - w_ours)) / np.max(np.abs(w_t))
                row["torch"][name] = {"ms_per_step": t * per, "ratio_stepwise_loop_vs_torch": t_loop / t,
                                      "max_rel_diff": float(agree)}
                print(f"  {title:52s} {t * per:9.2f}   ratio {t_loop / t:5.2f}   max |diff| / max |w| {agree:.0e}")
    print("""
What stands between the NumPy path and torch's fused kernel:
  - Passes over memory: NumPy runs each elementwise operation of the update as its own ufunc, so one Adam
    step is about a dozen passes (m, v, the root, the division, the update). Blocking keeps those passes in
    L2 cache, but every block still costs a dozen ufunc calls; torch's fused kernel reads g, m, v, w once and
    writes m, v, w once, per element, in one vectorised loop.
  - Dispatch: each ufunc call has microseconds of Python and NumPy overhead, paid per block (here about
    n / block x 12 calls per step); a fused kernel pays one call per step.
  - Threads: Stepwise splits the vector over a Python thread pool (NumPy releases the GIL in ufuncs);
    torch's kernels use OpenMP within one call.
  Closing the gap needs a fused elementwise kernel (a compiled extension, numba or numexpr), which Stepwise
  does not depend on. The default torch CPU path (a Python loop of tensor ops, each a full pass with
  allocation of temporaries) is the fair peer for plain NumPy.""")
    write("optimizers", {"threads": threads, "repeats": args.repeats, "block": O.BLOCK, "results": rows},
          unit="milliseconds per step, median of the repeats",
          notes="ratio = Stepwise's update loop time / torch's (< 1: Stepwise faster); float64, the same threads")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
