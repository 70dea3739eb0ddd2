"""What every optimizer family module would otherwise write again: `validate`, `solve_numeric`, `use_numeric`,
`statement` and `generate` built from the shared pieces, the Adam family's hyperparameter lists, and the
course notes' correction that AdaGrad and RMSProp share (`effective_rate_errata`, data for the engine).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from solver import format as F
from solver.errata import Erratum
from solver.params import InvalidInput
from solver.symbolic import Derivation

from .exact import hyper_line, solve_exact
from .numeric import solve_numeric
from .setup import Method, _length, build
from .sources import _show
from .specs import NamedValues


def adam_hyper(p) -> list[tuple[str, Any]]:
    return [("eta", p["lr"]), ("beta1", p["beta1"]), ("beta2", p["beta2"]), ("eps", p["eps"])]


def one_step(p) -> bool:
    """The instance takes one step (steps not given, or 1): for errata of one-step examples."""
    return p.get("steps") in (None, 1)


def effective_rate_errata(region: str, v: str, rates: Sequence[tuple[str, str]], params: Mapping[str, Any]):
    """The course notes' 'which one is better?' example (week 5): in a `region` where v_t = `v` they divide eta0
    by v_t itself, while their own update rules (eqs. 15 and 16) divide by sqrt(v_t + eps). One erratum per
    (eta0, the notes' rate) in `rates`, on the instance `params` that reaches v_t = v in one step."""
    return tuple(Erratum(
        where="the course notes, week 5 (adaptive learning rates, 'which one is better?')",
        params={**params, "lr": lr}, also=one_step, kind="ambiguity",
        wrote=f"for a {region} region, v_t = {v} and eta0 = {lr}, the rate eta_t = eta0 / v_t = {lr}/{v} = {rate}, "
              "dividing by v_t itself",
        right="by the notes' own update rule, which divides by sqrt(v_t + eps), the effective rate is {eta_eff}",
        why="the notes' figures follow only if 'v_t' stands for the whole denominator sqrt(v_t); the conclusion (a "
            "small rate suits a steep region, a large one a flat region) is the same either way",
    ) for lr, rate in rates)


def validator(family: str, histories: Sequence[tuple[str, str]] = ()) -> Callable[[Mapping], None]:
    """A family's validate(p): every cross-field check of the gradient source and the start state (build)."""
    def validate(p) -> None:
        build(p, family, histories, exact_path=False)
    validate.__doc__ = f"Cross-field checks of {family}'s gradient source and start state (InvalidInput names the field)."
    return validate


def exact_solver(method: Method) -> Callable[[Mapping, Mapping], Derivation]:
    """A family's solve(p, conv): the method step by step (see solve_exact)."""
    def solve(p, conv) -> Derivation:
        return solve_exact(p, conv, method)[0]
    solve.__doc__ = f"{method.display}, step by step in exact arithmetic."
    return solve


def statement_for(method: Method) -> Callable[[Mapping], str]:
    """A family's statement(p) (see statement)."""
    return lambda p: statement(p, method)


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
def statement(p, method: Method) -> str:
    """The problem as an exam prints it: the method and its hyperparameters, the parameters and their start, the
    gradient source, any history and steps already taken, the steps to carry out, and the method's question."""
    method_text, hyper_text, ask = method.display, hyper_line(method.hyper(p)), method.question
    try:
        setup = build(p, method.name, (), exact_path=False)
    except InvalidInput:  # pragma: no cover - validate() ran first
        return f"{method_text} ({hyper_text})."
    names = setup.names
    n = setup.n
    src = setup.source.describe() if n <= 50 else "the gradients are given as an array"
    w0 = p["w0"]
    if w0 is None:
        start = "0"
    elif isinstance(w0, NamedValues):
        start = ", ".join(f"{a} = {F.text(v)}" for a, v in zip(w0.names, w0))
    elif isinstance(w0, np.ndarray) and w0.size > 8:
        start = f"a vector of {w0.size} values"
    else:
        start = F.text(_show(w0))
    params = f"the parameters ({', '.join(names)})" if 1 < n <= 8 else ("the parameter" if n == 1 else f"{n} parameters")
    hist = []
    for pname in ("u0", "m0", "v0"):
        v = p.get(pname)
        if v is not None:
            hist.append(f"{pname[0]} = " + (", ".join(f"{a} = {F.text(x)}" for a, x in zip(v.names, v))
                                            if isinstance(v, NamedValues) else
                                            (f"a vector of {_length(v)} values" if _length(v) > 8 else F.text(_show(v)))))
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


def neuron_start(p) -> tuple | None:
    """The sigmoid neuron's start (w, b) as given (named values in either order), for errata of neuron examples;
    None unless the instance is the neuron source with two start values."""
    if p.get("source") not in ("auto", "neuron") or p.get("x") is None:
        return None
    w0 = p.get("w0")
    if w0 is None or isinstance(w0, np.ndarray) or len(w0) != 2:
        return None
    if isinstance(w0, NamedValues):
        if set(w0.names) != {"w", "b"}:
            return None
        return (w0[w0.names.index("w")], w0[w0.names.index("b")])
    return tuple(w0)
