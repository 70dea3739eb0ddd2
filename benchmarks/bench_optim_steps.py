"""Benchmark (not a test): many optimizer steps on few parameters, Stepwise against torch.optim.

    python benchmarks/bench_optim_steps.py [--steps 100000] [--repeats 3]

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
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import solver  # noqa: E402
from problems import _optim as O  # noqa: E402
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    grads = np.round(np.random.default_rng(0).standard_normal(args.steps), 3)
    text = " ".join(repr(float(g)) for g in grads)
    solver.solve("adam", grads=[1.0])   # imports and first-call set-up outside the timing
    rows = []
    for family in ("sgd", "adam"):
        fam = registry.get(family)
        values = fam.validate({"grads": text, "lr": "0.001"})
        conv = fam.resolve_conventions({"eps_placement": "outside"} if family == "adam" else {})

        def loop():
            c = O.prepare_numeric(values, conv, fam.module.METHOD)
            return cpu(lambda: O.advance(c))

        whole = statistics.median(cpu(lambda: solver.solve(family, grads=text, lr="0.001"))
                                  for _ in range(args.repeats))
        looped = statistics.median(loop() for _ in range(args.repeats))
        peer = [torch_time(family, grads) for _ in range(args.repeats)]
        peer_t = statistics.median(peer) if None not in peer else None
        row = {"family": family, "steps": args.steps, "text_characters": len(text), "stepwise_whole_s": whole,
               "stepwise_loop_s": looped, "torch_loop_s": peer_t,
               "ratio_loop": looped / peer_t if peer_t else None, "ratio_whole": whole / peer_t if peer_t else None}
        rows.append(row)
        print(f"{family:5s} {args.steps} steps: Stepwise whole {whole:.2f} s, loop {looped:.2f} s; "
              + (f"torch {peer_t:.2f} s; loop ratio {looped / peer_t:.2f}" if peer_t else "torch not installed"))
    write("optim_steps", {"repeats": args.repeats, "results": rows}, unit="CPU seconds (median)",
          notes="ratio = Stepwise's time / torch.optim's (< 1: Stepwise faster)")


if __name__ == "__main__":
    main()
