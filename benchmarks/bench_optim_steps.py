"""Benchmark (not a test): many optimizer steps on few parameters, Stepwise against torch.optim.

    python benchmarks/bench_optim_steps.py [--steps 100000] [--repeats 3] [--cases loss grads]

Issue 19 item 4: Adam for `--steps` steps on a 2-parameter loss, the whole `solver.solve` call on the compiled
loop (Numba, `pip install stepwise[fast]`) and on the NumPy path (STEPWISE_ACCEL=numpy), against the same run in
torch.optim.Adam (zero_grad, the loss, backward, step), interleaved; the speed-up is torch's time / Stepwise's.

Issue 20 found 100,000 typed gradients taking 3.9 s. Here one parameter takes `--steps` steps of Adam and of
plain gradient descent with given gradients, side by side in one process:
- Stepwise, whole: `solver.solve(family, grads=<the gradients as text>)`, parsing included (what a request
  costs);
- Stepwise, loop: the update loop alone (`problems._optim.advance`), after the state is set up;
- torch: `torch.optim.Adam` / `SGD` on a one-element float64 tensor, setting `.grad` and calling
  `opt.step()` once per step (its per-step Python overhead is the peer's equivalent of ours).
Times are CPU seconds, the median over the repeats; ratios are Stepwise's / torch's. The results are written
to benchmarks/results/optim_steps.json.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import solver  # noqa: E402
from problems import _optim as O  # noqa: E402
from problems._optim import accel  # noqa: E402
from solver import registry  # noqa: E402
from _record import write  # noqa: E402


def cpu(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def torch_time(family: str, grads: np.ndarray) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w], lr=1e-3) if family == "adam" else torch.optim.SGD([w], lr=1e-3)
    gs = [torch.tensor([g], dtype=torch.float64) for g in grads.tolist()]

    def run():
        for g in gs:
            w.grad = g
            opt.step()
    return cpu(run)


LOSS = "x**2 + 10*y**2 + x*y/2"   # a 2-parameter loss, as an exam's long run gives it


def torch_loss_time(steps: int) -> float | None:
    """The same long run in torch: torch.optim.Adam on the loss, its gradient by autograd at every step."""
    try:
        import torch
    except ImportError:
        return None
    w = torch.tensor([1.0, -1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w], lr=1e-3)

    def run():
        for _ in range(steps):
            opt.zero_grad()
            x, y = w[0], w[1]
            (x ** 2 + 10 * y ** 2 + x * y / 2).backward()
            opt.step()
    return cpu(run)


class _accel:
    """STEPWISE_ACCEL for the block: None, the compiled loop where Numba is installed; "numpy", the NumPy path."""

    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self.old = os.environ.get(accel.ENV)
        os.environ.pop(accel.ENV, None) if self.mode is None else os.environ.__setitem__(accel.ENV, self.mode)

    def __exit__(self, *exc):
        os.environ.pop(accel.ENV, None) if self.old is None else os.environ.__setitem__(accel.ENV, self.old)


def loss_case(steps: int, repeats: int) -> dict:
    """Adam for `steps` steps on a 2-parameter loss: Stepwise's whole call (compiled loop and NumPy path) against
    torch.optim.Adam with autograd, interleaved, medians."""
    params = {"loss": LOSS, "w0": "1, -1", "lr": "0.001", "steps": str(steps)}
    conv = {"eps_placement": "outside"}
    runs = {"stepwise_compiled": lambda: solver.solve("adam", conv, **params),
            "stepwise_numpy": lambda: solver.solve("adam", conv, **params)}
    modes = {"stepwise_compiled": None, "stepwise_numpy": "numpy"}
    for k, run in runs.items():   # warm-up: imports, the kernels' first load
        with _accel(modes[k]):
            run()
    times: dict[str, list[float]] = {k: [] for k in (*runs, "torch")}
    for _ in range(repeats):
        for k, run in runs.items():
            with _accel(modes[k]):
                times[k].append(cpu(run))
        t = torch_loss_time(steps)
        if t is not None:
            times["torch"].append(t)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    peer = med.get("torch")
    row = {"case": f"adam on L = {LOSS}, 2 parameters", "steps": steps, "numba": accel.available(),
           "seconds": med, "speedup_vs_torch": {k: peer / v for k, v in med.items() if peer and k != "torch"}}
    print(f"adam  {steps} steps on L = {LOSS}: " + ", ".join(f"{k} {v:.3f} s" for k, v in med.items())
          + ("; speed-up vs torch: " + ", ".join(f"{k} x{v:.0f}" for k, v in row["speedup_vs_torch"].items())
             if peer else "; torch not installed"))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cases", nargs="+", choices=("loss", "grads"), default=["loss", "grads"],
                    help="loss: Adam on a 2-parameter loss; grads: SGD and Adam on given gradients")
    args = ap.parse_args()
    grads = np.round(np.random.default_rng(0).standard_normal(args.steps), 3)
    text = " ".join(repr(float(g)) for g in grads)
    solver.solve("adam", grads=[1.0])   # imports and first-call set-up outside the timing
    rows = [loss_case(args.steps, args.repeats)] if "loss" in args.cases else []
    for family in ("sgd", "adam") if "grads" in args.cases else ():
        fam = registry.get(family)
        values = fam.validate({"grads": text, "lr": "0.001"})
        conv = fam.resolve_conventions({"eps_placement": "outside"} if family == "adam" else {})

        def loop():
            c = O.prepare_numeric(values, conv, fam.module.METHOD)
            return cpu(lambda: O.advance(c))

        timed = {"whole": [], "loop": [], "torch": []}
        for _ in range(args.repeats):   # interleaved
            timed["whole"].append(cpu(lambda: solver.solve(family, grads=text, lr="0.001")))
            timed["loop"].append(loop())
            t = torch_time(family, grads)
            if t is not None:
                timed["torch"].append(t)
        whole, looped = statistics.median(timed["whole"]), statistics.median(timed["loop"])
        peer_t = statistics.median(timed["torch"]) if timed["torch"] else None
        row = {"family": family, "steps": args.steps, "text_characters": len(text), "stepwise_whole_s": whole,
               "stepwise_loop_s": looped, "torch_loop_s": peer_t,
               "ratio_loop": looped / peer_t if peer_t else None, "ratio_whole": whole / peer_t if peer_t else None}
        rows.append(row)
        print(f"{family:5s} {args.steps} given gradients: Stepwise whole {whole:.3f} s, loop {looped:.4f} s; "
              + (f"torch {peer_t:.2f} s; loop ratio {looped / peer_t:.4f}, whole {whole / peer_t:.3f}"
                 if peer_t else "torch not installed"))
    write("optim_steps", {"repeats": args.repeats, "results": rows}, unit="CPU seconds (median of interleaved runs)",
          notes="speedup_vs_torch = torch's time / Stepwise's (the loss case: the whole solver.solve call against "
                "torch.optim.Adam with autograd); ratio = Stepwise's time / torch.optim's (< 1: Stepwise faster)")


if __name__ == "__main__":
    main()
