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
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.symbolic import Derivation, sym

from . import accel
from .exact import hyper_line, solve_exact, tiny_hyper
from .rules import BETA, BETA1, BETA2, EPS, ETA, LAMBDA
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


def validator(family: str, histories: Sequence[tuple[str, str]] = (), *,
              long_runs: bool | Callable[[Mapping], str] = False) -> Callable[[Mapping], None]:
    """A family's validate(p): every cross-field check of the gradient source and the start state (build), and the
    number of steps (`long_runs`: the family runs more than accel.STEPS_NUMPY steps as one compiled call; a function
    of p: '' where it does, else why not, in words)."""
    def validate(p) -> None:
        why = long_runs(p) if callable(long_runs) else ("" if long_runs else f"{family} runs step by step")
        check_steps(build(p, family, histories, exact_path=False), family, why)
    validate.__doc__ = f"Cross-field checks of {family}'s gradient source and start state (InvalidInput names the field)."
    return validate


def check_steps(setup, family: str, not_long: str) -> None:
    """More than accel.STEPS_NUMPY steps only where they run as one compiled call in bounded time: a loss or
    gradient expression in a few parameters, the optional compiled loops installed, and an estimated run of at most
    accel.RUN_SECONDS (InvalidInput names the steps and says which of these is missing; `not_long`: why this
    instance never runs compiled, '' when it may)."""
    steps = setup.steps
    if steps <= accel.STEPS_NUMPY:
        return
    src = setup.source
    if not_long:
        why = not_long
    elif src.kind not in ("loss", "gradient") or src.separable or setup.n > accel.LOOP_MAX_PARAMS:
        why = (f"a longer run (up to {accel.STEPS_COMPILED}) needs the gradient as a loss or gradient expression in "
               f"at most {accel.LOOP_MAX_PARAMS} named parameters")
    elif not accel.available():
        why = (f"a longer run (up to {accel.STEPS_COMPILED}) needs the optional compiled loops "
               "(pip install 'stepwise[fast]')")
    else:
        program = src.program_()
        if program is None:
            why = "this gradient has a part the compiled loop cannot evaluate, so it runs step by step"
        else:
            most = min(accel.STEPS_COMPILED, int(accel.RUN_SECONDS / accel.program_seconds(program, setup.n, 1)))
            if steps <= most:
                return
            raise InvalidInput("steps", f"The 'steps' parameter of {family} must be at most {max(most, accel.STEPS_NUMPY)} "
                                        "for this gradient: a longer run takes more than the time one run may take. "
                                        f"Got {steps} instead.")
    raise InvalidInput("steps", f"The 'steps' parameter of {family} " + accel.too_long(steps, why))


def exact_solver(method: Method) -> Callable[[Mapping, Mapping], Derivation]:
    """A family's solve(p, conv): the method step by step (see solve_exact)."""
    def solve(p, conv) -> Derivation:
        return solve_exact(p, conv, method)[0]
    solve.__doc__ = f"{method.display}, step by step in exact arithmetic."
    return solve


def statement_for(method: Method) -> Callable[[Mapping, Mapping], Rich]:
    """A family's statement(p, conv) (see statement)."""
    def statement_(p, conv=None) -> Rich:
        return statement(p, method, conv)
    return statement_


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
#: The hyperparameters' symbols in statements (η, β₁, ε, ...); any other name is printed as written.
HYPER_SYMBOLS = {"eta": ETA, "beta": BETA, "beta1": BETA1, "beta2": BETA2, "eps": EPS,
                 "eta0": sym("eta0", r"\eta_{0}"), "weight_decay": LAMBDA}


def _value(v) -> Any:
    """A value as the statement prints it: small hyperparameters as an exam writes them (10^{-8}, 1e-8)."""
    tiny = tiny_hyper(v)
    return Math(*tiny) if tiny else v


def hyper_rich(hyper: Sequence[tuple[str, Any]]) -> Rich:
    """'η = 0.1, β = 0.9, ε = 10⁻⁸' as rich text."""
    parts: list[Any] = []
    for k, v in hyper:
        if v is None:
            continue
        if parts:
            parts.append(", ")
        parts.append(Eq(HYPER_SYMBOLS.get(k, sym(k)), _value(v)))
    return Rich(*parts)


def _named(names: Sequence[str], values: Sequence[Any]) -> Rich:
    parts: list[Any] = []
    for a, v in zip(names, values):
        if parts:
            parts.append(", ")
        parts.append(Eq(sym(a), v))
    return Rich(*parts)


def _start(p, setup) -> Rich:
    w0 = p["w0"]
    if w0 is None:
        return Rich(Eq(sym("w"), 0) if setup.n == 1 else "0 for every parameter")
    if isinstance(w0, NamedValues):
        return _named(w0.names, w0)
    if isinstance(w0, np.ndarray) and w0.size > 8:
        return Rich(f"a vector of {w0.size} values")
    if setup.n <= 8 and len(setup.names) == setup.n and _length(w0) == setup.n and setup.source.kind in ("loss", "gradient") \
            and not setup.source.separable:
        return _named(setup.names, tuple(w0))
    return Rich(Eq(sym("w"), _show(w0)))


def _history(p) -> Rich:
    parts: list[Any] = []
    for pname in ("u0", "m0", "v0"):
        v = p.get(pname)
        if v is None:
            continue
        if parts:
            parts.append("; ")
        key = sym(pname[0])
        if isinstance(v, NamedValues):
            parts += [key, " of ", _named(v.names, v)]
        elif _length(v) > 8:
            parts += [key, f" is a vector of {_length(v)} values"]
        else:
            parts.append(Eq(key, _show(v)))
    return Rich(*parts)


def _weight_decay(p, conv: Mapping[str, str]) -> Rich:
    """' with weight decay λ = 0.1 added to the gradient' (or decoupled, as AdamW); nothing without decay."""
    wd = p.get("weight_decay", 0)
    if not wd:
        return Rich()
    how = (" decoupled from the gradient (AdamW: w ← w − ηλw before the step)"
           if conv.get("weight_decay_form") == "decoupled" else " added to the gradient (g + λw)")
    return Rich(" with weight decay ", Eq(sym("lambda", r"\lambda"), wd), how)


def statement(p, method: Method, conv: Mapping[str, str] | None = None) -> Rich:
    """The problem as an exam prints it: the method and its hyperparameters, the parameters and their start, the
    gradient source, any history and the current step, the steps to carry out, and the method's question (which
    follows the conventions: no bias-corrected values without bias correction)."""
    conv = conv or {}
    try:
        setup = build(p, method.name, (), exact_path=False)
    except InvalidInput:  # pragma: no cover - validate() ran first
        return Rich(f"{method.display} (", hyper_rich(method.hyper(p)), ").")
    names, n = setup.names, setup.n
    params = f"the parameters ({', '.join(names)})" if 1 < n <= 8 else ("the parameter" if n == 1 else f"{n} parameters")
    src = setup.source.statement() if n <= 50 else Rich("the gradients are given as an array")
    out = [method.display, " (", hyper_rich(method.hyper(p)), ")", _weight_decay(p, conv), " updates ", params,
           ", starting from ", _start(p, setup),
           "; ", src, "."]
    hist = _history(p)
    t0 = setup.t0
    if t0 or hist.parts:
        out += [f" After {t0} step{'s' if t0 != 1 else ''} already taken" if t0 else " Before the first step"]
        if hist.parts:
            out += [", the optimizer history is ", hist]
        out.append(".")
    steps = setup.steps
    out.append(f" Carry out {steps} step{'s' if steps > 1 else ''}")
    if t0:
        out += [" (", Eq(sym("t"), t0 + 1), f" to {t0 + steps}" if steps > 1 else "", ", counting steps from t = 1)"]
    out.append(". ")
    question = method.question(p, conv) if callable(method.question) else method.question
    out.append(question)
    return Rich(*out)


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
