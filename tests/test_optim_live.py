"""Optimizer families against torch.optim run live (skipped when torch is not importable).

torch is not a dependency of Stepwise; tests/test_optimizers.py compares with the committed fixtures.
Here, when torch 2.13.0 is installed, the fixture generator's cases are run again: torch must still give
the committed numbers (so the exact-path comparisons there hold against live torch too), both of our
paths are compared with the live results, and the blocked, threaded NumPy path is compared with torch on
vectors large enough to span several blocks and threads.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from problems import _optim as O
from solver import registry
from test_optimizers import ATOL, CASES, RTOL, check_final, check_trace, family_of, torch_matching

GENERATOR = Path(__file__).parent / "oracles" / "gen_torch_optim.py"


@pytest.fixture
def torch64():
    """torch with float64 as its default dtype, restored afterwards. torch's NAdam keeps its mu_product in the
    default dtype, so under float32 it differs from ours by about 1e-10. (Regression: the large-vector test passed
    only when it ran after the generator's import, which sets the default dtype to float64 for the whole process.)"""
    torch = pytest.importorskip("torch")
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield torch
    finally:
        torch.set_default_dtype(before)


def _generator():
    torch = pytest.importorskip("torch")
    before = torch.get_default_dtype()
    spec = importlib.util.spec_from_file_location("gen_torch_optim", GENERATOR)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)      # sets torch's default dtype to float64 at import
    finally:
        torch.set_default_dtype(before)   # do not leak it into later tests
    return torch, mod


def test_live_torch_matches_on_every_case(torch64):
    """Live torch reproduces the committed fixtures; our NumPy path matches the live results on every case and
    our exact path on one case per method (the fixture test covers the rest, and live equals fixture)."""
    torch, gen = _generator()
    committed = {c["id"]: c for c in CASES}
    seen = set()
    for case in gen.build_cases():
        live = gen.run_case(dict(case))
        want = committed[live["id"]]
        for key in ("trajectory", "grads"):
            np.testing.assert_allclose(live[key], want[key], rtol=1e-15, atol=0, err_msg=live["id"])
        p, conv = torch_matching(live)
        fam = registry.get(family_of(live))
        check_final(live, live, fam.solve(p, conv, path="numeric").answers)
        if live["method"] not in seen:
            seen.add(live["method"])
            check_trace(live, live, fam.solve(p, conv, path="exact").answers["trace"].value)


@pytest.mark.parametrize("family,torch_cls,kwargs,conv", [
    ("adam", "Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-8), {"eps_placement": "outside"}),
    ("adam", "Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01), {"eps_placement": "outside"}),
    ("nadam", "NAdam", dict(lr=0.01), {"nadam_form": "torch", "eps_placement": "outside"}),
    ("adamax", "Adamax", dict(lr=0.01), {"adamax_eps": "max"}),
    ("rmsprop", "RMSprop", dict(lr=0.01, alpha=0.9), {"eps_placement": "outside"}),
    ("adagrad", "Adagrad", dict(lr=0.1, lr_decay=0.01), {"eps_placement": "outside"}),
    ("adadelta", "Adadelta", dict(lr=0.5, rho=0.95), {}),
    ("momentum", "SGD", dict(lr=0.1, momentum=0.9, dampening=0.1), {}),
    ("nag", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True), {"nag_form": "torch"}),
    ("sgd", "SGD", dict(lr=0.1), {}),
])
def test_live_torch_large_vector_numeric_path(family, torch_cls, kwargs, conv, torch64):
    """The blocked, threaded NumPy path on 40,000 parameters (several blocks, several threads) against torch
    (float64 throughout, whichever tests ran before)."""
    torch = torch64
    rng = np.random.default_rng(7)
    n, steps = 40_000, 3
    w0 = rng.standard_normal(n)
    grads = rng.standard_normal((steps, n))
    grads[1, ::7] = 0.0
    t = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, torch_cls)([t], **kwargs)
    for k in range(steps):
        t.grad = torch.tensor(grads[k], dtype=torch.float64)
        opt.step()
    p = {"grads": grads, "w0": w0}
    for k, v in kwargs.items():
        name = {"momentum": "beta", "alpha": "beta", "rho": "beta", "nesterov": None}.get(k, k)
        if k == "betas":
            p.update(beta1=v[0], beta2=v[1])
        elif name:
            p[name] = v
    fam = registry.get(family)
    params = fam.validate(p)
    c = O.run_numeric(params, fam.resolve_conventions(conv), getattr(fam.module, "_method", lambda _: fam.module.METHOD)(params))
    assert len(c._parts) > 1, "the test should exercise the threaded blocks"
    np.testing.assert_allclose(c.w, t.detach().numpy(), rtol=RTOL, atol=ATOL)
    sol = fam.solve(p, conv)
    assert sol.path == "numeric" and "w" not in sol.answers  # too many entries to list; a summary instead


