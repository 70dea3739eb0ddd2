"""A small family with an addressable trace (w and loss per step t), for the web tests of trace addresses.

Gradient descent on f(w) = w^2 from w0: w_{t} = w_{t-1} - lr * 2 w_{t-1} = (1 - 2 lr)^t w0, loss_t = w_t^2
(a closed form the tests use as the oracle). It is registered only inside a test (`installed`), so the
registry's own families are untouched; the module has everything a family declares (solver.registry).
"""
from __future__ import annotations

import contextlib
import sys
import types

import sympy as sp

NAME = "toy_trace"


def _module() -> types.ModuleType:
    from solver.conventions import Convention
    from solver.params import Int, Param, Real
    from solver.registry import Example
    from solver.symbolic import Derivation, make_answer

    mod = types.ModuleType(f"problems.{NAME}", "Gradient descent on w^2: a trace the tests address.")
    mod.TITLE = "Toy trace"
    mod.TOPIC = "optimizers"
    mod.PARAMS = (Param("lr", Real(0, 5, closed="neither"), default="1/10", label="Learning rate"),
                  Param("w0", Real(), default="1", label="Start"),
                  Param("steps", Int(1, 20), default="3", label="Steps"))
    mod.CONVENTIONS = (Convention("loss_scale", "Loss scale", {"plain": "the loss is w^2", "half": "the loss is w^2/2"},
                                  "plain", why_default="the tests say so"),)
    mod.EXAMPLE = Example({"lr": "1/10", "w0": "1", "steps": "3"}, "a closed form")

    def statement(p):
        return f"Minimise w^2 from w = {p['w0']} with learning rate {p['lr']} for {p['steps']} steps."

    def solve(p, conv):
        d = Derivation()
        w, lr = sp.nsimplify(p["w0"]), sp.nsimplify(p["lr"])
        scale = sp.Rational(1, 2) if conv["loss_scale"] == "half" else 1
        rows = []
        for t in range(1, p["steps"] + 1):
            w = w - lr * 2 * w
            rows.append((t, w, scale * w**2))
        d.table("Trace", ["t", "w", "loss"], rows, keys=("t", "w", "loss"), index=("t",))
        d.conclude("Result", answers=[make_answer("w", w), make_answer("loss", scale * w**2)])
        if abs(1 - 2 * lr) > 1:  # as a family says a run diverges (issue 18 item 3)
            d.extras["warning"] = {"message": "The run diverges: the loss grows at every step.",
                                   "cause": "The learning rate is too large for this loss (above 1)."}
        return d

    mod.statement = statement
    mod.solve = solve
    mod.solve_numeric = solve
    mod.generate = lambda rng: {"lr": 0.1, "w0": 1.0, "steps": 3}
    return mod


def oracle(lr: float, w0: float, t: int, half: bool = False) -> tuple[float, float]:
    """(w_t, loss_t) in closed form."""
    w = (1 - 2 * lr) ** t * w0
    return w, (w * w / 2 if half else w * w)


@contextlib.contextmanager
def installed(monkeypatch):
    """The toy family in the registry (and the web's family lookup) for the duration of a test."""
    from solver import registry
    import web.common

    real_names = registry.names
    monkeypatch.setitem(sys.modules, f"problems.{NAME}", _module())
    monkeypatch.setattr(registry, "names", lambda: sorted([*real_names(), NAME]))
    monkeypatch.setattr(registry, "_loaded", dict(registry._loaded))
    monkeypatch.setattr(web.common, "_families", {})
    yield registry.get(NAME)
