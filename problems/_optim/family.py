"""What every optimizer family module would otherwise write again: `validate`, `solve_numeric`, `use_numeric`,
`statement` and `generate` built from the shared pieces, the Adam family's hyperparameter lists, and the
course notes' example remarks several families share.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from solver.params import InvalidInput
from solver.symbolic import Derivation, number_text

from .exact import hyper_text
from .numeric import solve_numeric
from .setup import Method, _length, build
from .sources import _show
from .specs import NamedValues

def adam_hyper(p) -> list[tuple[str, Any]]:
    return [("eta", p["lr"]), ("beta1", p["beta1"]), ("beta2", p["beta2"]), ("eps", p["eps"])]


def adam_hyper_text(p) -> str:
    return (f"eta = {number_text(p['lr'])}, beta1 = {number_text(p['beta1'])}, beta2 = {number_text(p['beta2'])}, "
            f"eps = {hyper_text(p['eps'])}")


def effective_rate_remark(d: Derivation, p, rows, setup) -> None:
    """AdaGrad and RMSProp: the notes' steep/flat example (WE-rmsprop-1) divides eta0 by v_t, while the notes'
    own eqs. (15)-(16) divide by sqrt(v_t + eps). Remarked when a one-parameter run ends on the example's numbers."""
    if setup.n != 1 or not rows:
        return
    v = rows[-1]["v"][0]
    if v not in (sp.Rational(5, 4), sp.Rational(1, 10)) or p["lr"] not in (sp.Rational(3, 5), sp.Rational(1, 10)):
        return
    lr = p["lr"]
    by_v = lr / v
    d.note("Against the course notes (WE-rmsprop-1)",
           f"Notes 000's 'which one is better' example takes v_t = {number_text(v)} and eta0 = {number_text(lr)} and writes "
           f"eta_t = {number_text(lr)}/{number_text(v)} = {number_text(by_v)}, dividing by v_t itself. Their own update "
           f"rule divides by sqrt(v_t + eps), which gives {number_text(rows[-1]['eta_eff'][0], 4)} here. The conclusion "
           "(a small rate suits a steep region, a large one a flat region) is the same either way.")


def validator(family: str, histories: Sequence[tuple[str, str]] = ()) -> Callable[[Mapping], None]:
    """A family's validate(p): every cross-field check of the gradient source and the start state (build)."""
    def validate(p) -> None:
        build(p, family, histories, exact_path=False)
    validate.__doc__ = f"Cross-field checks of {family}'s gradient source and start state (InvalidInput names the field)."
    return validate


def numeric_solver(method: Method) -> Callable[[Mapping, Mapping], Derivation]:
    """A family's solve_numeric(p, conv): the method in float64 NumPy (see solve_numeric)."""
    def solve_numeric_(p, conv) -> Derivation:
        return solve_numeric(p, conv, method)
    solve_numeric_.__doc__ = f"{method.display} in float64 NumPy, in place and vectorised."
    return solve_numeric_


def maybe_history(inst: dict, rng: np.random.Generator, name: str, chance: float, choices: Sequence[float]) -> dict:
    """With probability `chance`, a history value (u0) drawn from `choices`: exam questions often start mid-run."""
    if rng.random() < chance:
        inst[name] = float(rng.choice(choices))
    return inst


def generate_instance(rng: np.random.Generator, **choices: Sequence[float]) -> dict:
    """A random gradient source and start state (generate_source), then each hyperparameter drawn from its choices
    in the order given (the order fixes the instance a seed gives)."""
    inst = generate_source(rng)
    for name, options in choices.items():
        inst[name] = float(rng.choice(options))
    return inst


# ---- statements ----------------------------------------------------------------------------------------
def statement(p, family: str, method_text: str, hyper_text: str, ask: str) -> str:
    try:
        setup = build(p, family, (), exact_path=False)
    except InvalidInput:  # pragma: no cover - validate() ran first
        return f"{method_text} ({hyper_text})."
    names = setup.names
    n = setup.n
    src = setup.source.describe() if n <= 50 else "the gradients are given as an array"
    w0 = p["w0"]
    if w0 is None:
        start = "0"
    elif isinstance(w0, NamedValues):
        start = ", ".join(f"{a} = {number_text(v)}" for a, v in zip(w0.names, w0))
    elif isinstance(w0, np.ndarray) and w0.size > 8:
        start = f"a vector of {w0.size} values"
    else:
        start = number_text(_show(w0))
    params = f"the parameters ({', '.join(names)})" if 1 < n <= 8 else ("the parameter" if n == 1 else f"{n} parameters")
    hist = []
    for pname in ("u0", "m0", "v0"):
        v = p.get(pname)
        if v is not None:
            hist.append(f"{pname[0]} = " + (", ".join(f"{a} = {number_text(x)}" for a, x in zip(v.names, v))
                                            if isinstance(v, NamedValues) else
                                            (f"a vector of {_length(v)} values" if _length(v) > 8 else number_text(_show(v)))))
    t0 = p["t0"]
    mid = ""
    if t0 or hist:
        mid = (f" After {t0} step{'s' if t0 != 1 else ''} already taken" if t0 else " Before the first step") + \
              (", the optimizer history is " + "; ".join(hist) if hist else "") + "."
    steps = setup.steps
    when = ""
    if t0:
        when = f" (t = {t0 + 1}" + (f" to {t0 + steps}" if steps > 1 else "") + ", counting steps from t = 1)"
    return (f"{method_text} ({hyper_text}) updates {params}, starting from {start}; {src}.{mid} "
            f"Carry out {steps} step{'s' if steps > 1 else ''}{when}. {ask}")


def use_numeric(p) -> bool:
    if any(isinstance(p.get(k), np.ndarray) for k in ("grads", "w0", "u0", "m0", "v0", "x", "y")):
        return True
    try:
        n = max(1, _length(p["w0"])) if p["w0"] is not None else 1
    except TypeError:  # pragma: no cover
        n = 1
    g = p.get("grads")
    if g is not None and len(g) and isinstance(g[0], tuple):
        n = max(n, len(g[0]))
    steps = p["steps"] or (len(g) if g is not None and p.get("source") in ("auto", "grads") else 1)
    points = len(p["x"]) if p.get("x") is not None else 0
    return n * steps > 600 or steps > 200 or points * steps > 200


def matches(value, want) -> bool:
    """True when a parsed value equals the wanted numbers (for recognising the notes' own examples)."""
    if value is None or want is None:
        return value is None and want is None
    if isinstance(value, np.ndarray):
        return False
    if isinstance(want, (list, tuple)):
        v = tuple(value)
        if len(v) == 1 and len(want) != 1:
            return False
        return len(v) == len(want) and all(sp.Rational(str(b)) == a for a, b in zip(v, want))
    if isinstance(value, tuple):
        return len(value) == 1 and value[0] == sp.Rational(str(want))
    return value == sp.Rational(str(want))


# ---- generate ------------------------------------------------------------------------------------------
_LOSSES = ("x**2 + 4*y**2", "(x - 1)**2 + 2*y**2", "x**2 + y**2 + x*y", "2*x**2 + (y + 1)**2")


def generate_source(rng: np.random.Generator) -> dict:
    """A random gradient source with a start state: given gradients, a quadratic bowl, or a one-point neuron."""
    kind = rng.choice(["grads", "loss", "neuron"])
    halves = np.arange(-4, 5) / 2
    if kind == "grads":
        n = int(rng.integers(1, 3))
        steps = int(rng.integers(1, 4))
        while True:
            # resample until every parameter has a non-zero first gradient (otherwise its first update is 0
            # and the AdaGrad-type denominators rest on eps alone)
            rows = rng.choice(halves, size=(steps, n))
            if np.all(rows[0] != 0):
                break
        w0 = rng.choice(halves, size=n)
        grads = [[float(v) for v in r] for r in rows] if n > 1 else [float(r[0]) for r in rows]
        return {"grads": grads, "w0": [float(v) for v in w0] if n > 1 else float(w0[0])}
    if kind == "loss":
        while True:
            w0 = rng.choice(halves, size=2)
            if np.all(w0 != 0):  # resample until the start is off the axes (a non-trivial gradient)
                break
        return {"loss": str(rng.choice(_LOSSES)), "w0": [float(v) for v in w0], "steps": int(rng.integers(1, 4))}
    x = float(rng.choice([0.5, 1.0, 2.0, -1.0]))
    y = float(rng.choice([0.0, 1.0]))
    w, b = (float(v) for v in rng.choice(halves, size=2))
    return {"x": [x], "y": [y], "w0": f"w={w}, b={b}", "steps": int(rng.integers(1, 3))}
