"""Generate PyTorch oracle fixtures for the `lr_schedule` family.

Run from the repository root:

    python tests/oracles/gen_torch_schedules.py

Writes tests/fixtures/torch_schedules.json. Requires torch 2.13.0 (CPU). Deterministic (no random
numbers). The test-suite reads only the JSON, so torch is not needed to run the tests; when torch is
importable, tests/test_ewa_schedule.py also calls `run_case` here live.

Each case builds one torch scheduler on a one-parameter SGD optimizer with lr = eta0 and records,
for t = 0, 1, ..., max(t):
- `chained`: `get_last_lr()` after t calls of `scheduler.step()` (the ordinary training loop; most
  torch schedulers compute this recursively from the previous lr, so it carries accumulated
  float error);
- `closed`: the scheduler's own closed form at the same t (`_get_closed_form_lr()`, which uses
  base_lr and last_epoch only), where torch has one; `null` otherwise (CosineAnnealingWarmRestarts'
  get_lr is already closed-form in T_cur/T_i; SequentialLR has no closed form);
- `drift`: the largest relative difference between `chained` and `closed` over the case.
Cases with `epochs` instead call `scheduler.step(epoch)` with those (possibly fractional) epochs:
CosineAnnealingWarmRestarts' documented per-batch use.

Warm-up cases: SequentialLR([LinearLR, X], milestones=[T_w]) restarts X's clock at T_w (our
after_warmup=sequential); ChainedScheduler([LinearLR, X]) multiplies the warm-up factor into X running
on the global clock (our after_warmup=chained).

`dataloader` lists len(DataLoader(range(N), batch_size=B, drop_last=...)) for a few (N, B): the
updates per epoch with the last partial batch kept or dropped.

`stepwise` and `stepwise_conventions` hold the same schedule as parameters and conventions of our
`lr_schedule` family (written by hand from the torch kwargs here; the tests solve them and compare).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from torch.optim import SGD
from torch.optim import lr_scheduler as L

EXPECTED_TORCH = "2.13.0"
OUT = Path(__file__).resolve().parents[1] / "fixtures" / "torch_schedules.json"


def _optimizer(eta0: float) -> SGD:
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    return SGD([p], lr=eta0)


def _make(opt, torch_name: str, kwargs: dict):
    return getattr(L, torch_name)(opt, **kwargs)


def build_scheduler(case: dict):
    """The torch scheduler of a case (SequentialLR for a warm-up followed by another schedule)."""
    opt = _optimizer(case["eta0"])
    if case["torch"] == "SequentialLR":
        parts = [_make(opt, name, kw) for name, kw in case["parts"]]
        return opt, L.SequentialLR(opt, parts, milestones=case["milestones"])
    if case["torch"] == "ChainedScheduler":
        parts = [_make(opt, name, kw) for name, kw in case["parts"]]
        return opt, L.ChainedScheduler(parts, optimizer=opt)
    return opt, _make(opt, case["torch"], case["kwargs"])


def _closed(sched):
    f = getattr(sched, "_get_closed_form_lr", None)
    if f is None or isinstance(sched, (L.SequentialLR, L.ChainedScheduler)):
        return None
    return float(f()[0])


def run_case(case: dict) -> dict:
    """Run one case: {"t": [...], "chained": [...], "closed": [... or None]} (and "epochs" cases)."""
    opt, sched = build_scheduler(case)
    if "epochs" in case:
        lrs = []
        for e in case["epochs"]:
            sched.step(e)
            lrs.append(float(sched.get_last_lr()[0]))
        return {"t": list(case["epochs"]), "chained": lrs, "closed": None}
    ts, chained, closed = [], [], []
    for t in range(case["t_max"] + 1):
        if t > 0:
            opt.step()  # the order torch expects (optimizer, then scheduler): no warning
            sched.step()
        ts.append(t)
        chained.append(float(sched.get_last_lr()[0]))
        closed.append(_closed(sched))
    if all(c is None for c in closed):
        closed = None
    return {"t": ts, "chained": chained, "closed": closed}


def C(slug, torch_name, eta0, kwargs, stepwise, t_max=None, epochs=None, parts=None, milestones=None):
    conventions = {}
    if stepwise["schedule"] == "cosine":
        conventions["cosine_after_T"] = "periodic"  # torch's closed form keeps following the cosine past T_max
    if torch_name == "ChainedScheduler":
        conventions["after_warmup"] = "chained"
    case = {"id": slug, "torch": torch_name, "eta0": eta0, "kwargs": kwargs, "stepwise": stepwise,
            "stepwise_conventions": conventions}
    if parts is not None:
        case["parts"] = parts
    if milestones is not None:
        case["milestones"] = milestones
    if epochs is not None:
        case["epochs"] = epochs
    else:
        case["t_max"] = t_max
    return case


def build_cases() -> list[dict]:
    cases = [
        # step decay; the first is notes 002's example (WE-lr-schedule-3)
        C("step-0.1-s5-g0.5", "StepLR", 0.1, {"step_size": 5, "gamma": 0.5},
          {"schedule": "step", "eta0": "0.1", "step_size": "5", "gamma": "0.5"}, t_max=30),
        C("step-1-s3-g0.1", "StepLR", 1.0, {"step_size": 3, "gamma": 0.1},
          {"schedule": "step", "eta0": "1", "step_size": "3", "gamma": "0.1"}, t_max=20),
        # eta0 gamma^t
        C("expgamma-0.1-g0.95", "ExponentialLR", 0.1, {"gamma": 0.95},
          {"schedule": "exponential_gamma", "eta0": "0.1", "gamma": "0.95"}, t_max=100),
        C("expgamma-0.003-g0.5", "ExponentialLR", 0.003, {"gamma": 0.5},
          {"schedule": "exponential_gamma", "eta0": "0.003", "gamma": "0.5"}, t_max=40),
        # eta0 exp(-k t) is ExponentialLR with gamma = exp(-k); notes 002's example (WE-lr-schedule-1)
        C("expk-0.1-k0.01", "ExponentialLR", 0.1, {"gamma": math.exp(-0.01)},
          {"schedule": "exponential", "eta0": "0.1", "k": "0.01"}, t_max=200),
        C("expk-0.5-k0.3", "ExponentialLR", 0.5, {"gamma": math.exp(-0.3)},
          {"schedule": "exponential", "eta0": "0.5", "k": "0.3"}, t_max=60),
        # cosine annealing (torch's closed form is periodic past T_max)
        C("cos-0.1-T10", "CosineAnnealingLR", 0.1, {"T_max": 10, "eta_min": 0.0},
          {"schedule": "cosine", "eta0": "0.1", "T": "10", "eta_min": "0"}, t_max=30),
        C("cos-0.05-T50-min0.001", "CosineAnnealingLR", 0.05, {"T_max": 50, "eta_min": 0.001},
          {"schedule": "cosine", "eta0": "0.05", "T": "50", "eta_min": "0.001"}, t_max=100),
        C("cos-1-T7-min0.01", "CosineAnnealingLR", 1.0, {"T_max": 7, "eta_min": 0.01},
          {"schedule": "cosine", "eta0": "1", "T": "7", "eta_min": "0.01"}, t_max=21),
        # eta_min above eta0: torch allows it, and the cosine rises from eta0 to eta_min (issue 13)
        C("cos-0.05-T10-min0.1", "CosineAnnealingLR", 0.05, {"T_max": 10, "eta_min": 0.1},
          {"schedule": "cosine", "eta0": "0.05", "T": "10", "eta_min": "0.1"}, t_max=25),
        # SGDR
        C("sgdr-0.1-T10-m1", "CosineAnnealingWarmRestarts", 0.1, {"T_0": 10, "T_mult": 1, "eta_min": 0.0},
          {"schedule": "cosine_restarts", "eta0": "0.1", "T": "10", "T_mult": "1", "eta_min": "0"}, t_max=35),
        C("sgdr-0.1-T5-m2-min0.001", "CosineAnnealingWarmRestarts", 0.1, {"T_0": 5, "T_mult": 2, "eta_min": 0.001},
          {"schedule": "cosine_restarts", "eta0": "0.1", "T": "5", "T_mult": "2", "eta_min": "0.001"}, t_max=80),
        C("sgdr-1-T3-m3", "CosineAnnealingWarmRestarts", 1.0, {"T_0": 3, "T_mult": 3, "eta_min": 0.0},
          {"schedule": "cosine_restarts", "eta0": "1", "T": "3", "T_mult": "3", "eta_min": "0"}, t_max=45),
        C("sgdr-0.01-T4-m2-min0.05", "CosineAnnealingWarmRestarts", 0.01, {"T_0": 4, "T_mult": 2, "eta_min": 0.05},
          {"schedule": "cosine_restarts", "eta0": "0.01", "T": "4", "T_mult": "2", "eta_min": "0.05"}, t_max=30),
        # fractional epochs (scheduler.step(epoch + i / iters)); restarts at 0, 3, 12, 39
        C("sgdr-frac-1-T3-m3", "CosineAnnealingWarmRestarts", 1.0, {"T_0": 3, "T_mult": 3, "eta_min": 0.0},
          {"schedule": "cosine_restarts", "eta0": "1", "T": "3", "T_mult": "3", "eta_min": "0"},
          epochs=[0, 0.5, 1.25, 2.75, 3, 3.5, 7.5, 11.75, 12, 20.25, 38.5, 39, 40]),
        C("sgdr-frac-0.1-T4-m1", "CosineAnnealingWarmRestarts", 0.1, {"T_0": 4, "T_mult": 1, "eta_min": 0.01},
          {"schedule": "cosine_restarts", "eta0": "0.1", "T": "4", "T_mult": "1", "eta_min": "0.01"},
          epochs=[0, 0.25, 1.5, 3.75, 4, 4.5, 9.125, 13]),
        # linear warm-up alone, then constant
        C("warmup-0.1-s0.1-T5", "LinearLR", 0.1, {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 5},
          {"schedule": "constant", "eta0": "0.1", "warmup_steps": "5", "warmup_start": "0.1"}, t_max=10),
        C("warmup-0.3-s1/3-T4", "LinearLR", 0.3, {"start_factor": 1.0 / 3.0, "end_factor": 1.0, "total_iters": 4},
          {"schedule": "constant", "eta0": "0.3", "warmup_steps": "4", "warmup_start": "1/3"}, t_max=8),
        # polynomial decay
        C("poly-0.1-T10-p1", "PolynomialLR", 0.1, {"total_iters": 10, "power": 1.0},
          {"schedule": "polynomial", "eta0": "0.1", "T": "10", "power": "1"}, t_max=15),
        C("poly-0.2-T8-p2", "PolynomialLR", 0.2, {"total_iters": 8, "power": 2.0},
          {"schedule": "polynomial", "eta0": "0.2", "T": "8", "power": "2"}, t_max=12),
        C("poly-1-T6-p0.5", "PolynomialLR", 1.0, {"total_iters": 6, "power": 0.5},
          {"schedule": "polynomial", "eta0": "1", "T": "6", "power": "0.5"}, t_max=9),
        # warm-up followed by another schedule (SequentialLR: the second schedule's clock starts at the milestone)
        C("warmup5-cos20", "SequentialLR", 0.1, {},
          {"schedule": "cosine", "eta0": "0.1", "T": "20", "eta_min": "0", "warmup_steps": "5", "warmup_start": "0.1"},
          t_max=30, parts=[["LinearLR", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 5}],
                           ["CosineAnnealingLR", {"T_max": 20, "eta_min": 0.0}]], milestones=[5]),
        C("warmup3-step5", "SequentialLR", 0.4, {},
          {"schedule": "step", "eta0": "0.4", "step_size": "5", "gamma": "0.5", "warmup_steps": "3", "warmup_start": "0.25"},
          t_max=20, parts=[["LinearLR", {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 3}],
                           ["StepLR", {"step_size": 5, "gamma": 0.5}]], milestones=[3]),
        C("warmup4-expgamma0.9", "SequentialLR", 0.01, {},
          {"schedule": "exponential_gamma", "eta0": "0.01", "gamma": "0.9", "warmup_steps": "4", "warmup_start": "0.2"},
          t_max=20, parts=[["LinearLR", {"start_factor": 0.2, "end_factor": 1.0, "total_iters": 4}],
                           ["ExponentialLR", {"gamma": 0.9}]], milestones=[4]),
        # warm-up factor multiplying a schedule that runs on the global clock (ChainedScheduler)
        C("chained-warmup5-cos20", "ChainedScheduler", 0.1, {},
          {"schedule": "cosine", "eta0": "0.1", "T": "20", "eta_min": "0", "warmup_steps": "5", "warmup_start": "0.1"},
          t_max=30, parts=[["LinearLR", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 5}],
                           ["CosineAnnealingLR", {"T_max": 20, "eta_min": 0.0}]]),
        C("chained-warmup4-step2", "ChainedScheduler", 0.2, {},
          {"schedule": "step", "eta0": "0.2", "step_size": "2", "gamma": "0.5", "warmup_steps": "4", "warmup_start": "0.25"},
          t_max=12, parts=[["LinearLR", {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 4}],
                           ["StepLR", {"step_size": 2, "gamma": 0.5}]]),
    ]
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), ids
    return cases


#: (N, B) pairs for the updates-per-epoch arithmetic: len(DataLoader) with drop_last False and True; the last
#: three have a batch larger than the data set (one partial batch, or none with drop_last: issue 13).
LOADERS = [(1000, 32), (1000, 64), (50000, 128), (60000, 100), (17, 5), (10, 10), (7, 3), (129, 128),
           (10, 32), (1, 5), (100, 101)]


def run_loaders() -> list[dict]:
    from torch.utils.data import DataLoader

    out = []
    for n, b in LOADERS:
        data = list(range(n))
        out.append({"n_samples": n, "batch_size": b,
                    "keep": len(DataLoader(data, batch_size=b, drop_last=False)),
                    "drop": len(DataLoader(data, batch_size=b, drop_last=True))})
    return out


def drift(result: dict) -> float | None:
    if result["closed"] is None:
        return None
    return max(abs(a - b) / abs(b) if b != 0 else abs(a - b) for a, b in zip(result["chained"], result["closed"]))


def self_checks(cases: list[dict]) -> None:
    """Independent facts the fixture must reproduce before it is written."""
    by_id = {c["id"]: c for c in cases}
    step = by_id["step-0.1-s5-g0.5"]
    assert math.isclose(step["chained"][5], 0.05, rel_tol=1e-15) and math.isclose(step["chained"][10], 0.025, rel_tol=1e-15)
    assert step["chained"][4] == 0.1
    expk = by_id["expk-0.1-k0.01"]
    assert math.isclose(expk["closed"][10], 0.1 * math.exp(-0.1), rel_tol=1e-14)
    cos = by_id["cos-0.1-T10"]
    assert math.isclose(cos["closed"][5], 0.05, rel_tol=1e-14) and abs(cos["closed"][10]) < 1e-17
    sgdr = by_id["sgdr-0.1-T5-m2-min0.001"]
    assert sgdr["chained"][5] == sgdr["chained"][15] == sgdr["chained"][35] == 0.1  # restarts at 5, 15, 35
    for c in cases:
        assert all(math.isfinite(x) for x in c["chained"]), c["id"]


def main() -> None:
    assert torch.__version__.split("+")[0] == EXPECTED_TORCH, torch.__version__
    torch.set_default_dtype(torch.float64)
    cases = build_cases()
    for c in cases:
        c.update(run_case(c))
        c["drift"] = drift(c)
    self_checks(cases)
    doc = {
        "generator": "tests/oracles/gen_torch_schedules.py",
        "torch_version": torch.__version__,
        "dtype": "float64 (Python floats; torch schedulers compute learning rates in Python floats)",
        "notes": ("chained = get_last_lr() after t scheduler.step() calls (recursive, accumulates float error); "
                  "closed = _get_closed_form_lr() at the same t (null where torch has none); "
                  "drift = max relative |chained - closed| / |closed|; epochs cases call step(epoch)."),
        "cases": cases,
        "dataloader": run_loaders(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(cases)} cases)")
    for c in cases:
        print(f"  {c['id']:28s} drift {c['drift']}")


if __name__ == "__main__":
    main()
