"""The set-up of an optimizer problem: the gradient source, the parameters' names, the start state and the
histories, checked across fields (`build`, InvalidInput names the field); and `Method`, what a family hands to
the drivers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from solver import format as F
from solver.numbers import exact
from solver.params import InvalidInput
from solver.symbolic import Derivation

from .sources import GradientSource, GradsSource, LossSource, NeuronSource, Source
from .specs import NamedValues

if TYPE_CHECKING:  # annotations only: the step contexts import this module
    from .exact import StepCtx
    from .numeric import NumCtx

@dataclass
class Setup:
    source: Source
    names: tuple[str, ...]
    n: int
    steps: int
    t0: int
    w0: Any
    hist: dict[str, Any]
    hist_given: dict[str, bool]
    hist_scalar: dict[str, bool]
    w0_given: bool
    t_given: bool = False          # the current step t was given (rather than t0, the steps already taken)


def _fail(family: str, name: str, msg: str):
    raise InvalidInput(name, f"The '{name}' parameter of {family} {msg}")


def _length(v) -> int:
    return int(v.size) if isinstance(v, np.ndarray) else len(v)


def _source_kind(p, family) -> str:
    kind = p["source"]
    given = [k for k, present in (("grads", p["grads"] is not None), ("gradient", p.get("gradient") is not None),
                                  ("loss", p["loss"] is not None),
                                  ("neuron", p["x"] is not None or p["y"] is not None)) if present]
    if kind == "auto":
        if not given:
            _fail(family, "grads", "is required: give the gradients per step (grads), the gradient as expressions "
                                   "(gradient), a loss, or neuron data x and y. Got none of them instead.")
        if given == ["gradient", "loss"]:
            return "gradient"   # the gradient drives the steps; the given loss is evaluated for its values
        if len(given) > 1:
            _fail(family, "source", f"must say which gradient source to use: {' and '.join(given)} are both given. "
                                    "Got 'auto' instead.")
        return given[0]
    return kind


def build(p: Mapping[str, Any], family: str, histories: Sequence[str], *, exact_path: bool,
          shared_history: str = "all") -> Setup:
    """Parse the gradient source and the start state into a Setup (InvalidInput names the field on any problem).

    `shared_history`: how a single stated history value spreads over several parameters ("all": to every
    parameter, as notes 000's NAG exam does; "first": to the first parameter only, the others start at 0).
    """
    if p["vars"] is not None and p["loss"] is None and p.get("gradient") is None:
        _fail(family, "vars", f"only applies to a loss or a gradient expression (it orders their variables), and "
                              f"neither is given. Got {', '.join(p['vars'])!r} instead.")
    kind = _source_kind(p, family)
    t0, t_given = _start_step(p, family)
    w0 = p["w0"]
    n_w0 = None if w0 is None else _length(w0)
    names: tuple[str, ...] | None = w0.names if isinstance(w0, NamedValues) else None
    steps_given = p["steps"]

    if kind == "grads":
        raw = p["grads"]
        if raw is None:
            _fail(family, "grads", "is required when source is 'grads': the gradient at each step. Got nothing instead.")
        rows = _grad_rows(raw, n_w0, family)
        n = len(rows[0])
        k = len(rows)
        steps = k if steps_given is None else steps_given
        if n_w0 is not None and n_w0 not in (1, n):
            _fail(family, "w0", f"must have one entry per parameter ({n}, the width of grads). Got {n_w0} instead.")
        if names is None or len(names) != n:
            names = ("w",) if n == 1 else _indexed("w", n)
        source: Source = GradsSource(rows)
    elif kind == "loss":
        loss = p["loss"]
        if loss is None:
            _fail(family, "loss", "is required when source is 'loss': an expression such as x**2 + 4*y**2. "
                                  "Got nothing instead.")
        order = tuple(p["vars"]) if p["vars"] is not None else loss.names
        if not order:
            _fail(family, "loss", f"must depend on at least one parameter. Got {loss.text!r} instead.")
        missing = [v for v in loss.names if v not in order]
        if missing:
            _fail(family, "vars", f"must list every variable of the loss ({', '.join(loss.names)}). "
                                  f"Got {', '.join(order)} instead.")
        separable = False
        if names is not None:
            if len(order) == 1 and len(names) > 1:
                _fail(family, "w0", f"must name the loss variable {order[0]!r}. Got {', '.join(names)} instead.")
            if set(names) != set(order):
                _fail(family, "w0", f"must give a value for each loss variable ({', '.join(order)}). "
                                    f"Got {', '.join(names)} instead.")
            w0 = tuple(w0[names.index(v)] for v in order)
            names = order
            n = len(order)
        elif len(order) == 1 and n_w0 is not None and n_w0 > 1:
            separable, n = True, n_w0
            names = _indexed(order[0], n)
        else:
            n = len(order)
            if n_w0 is not None and n_w0 != n:
                _fail(family, "w0", f"must have one entry per loss variable ({', '.join(order)}). Got {n_w0} instead.")
            names = order
        source = LossSource(loss, order, separable)
        steps = steps_given or 1
    elif kind == "gradient":
        grad = p.get("gradient")
        if grad is None:
            _fail(family, "gradient", "is required when source is 'gradient': one expression per parameter such as "
                                      "2*x, 20*y. Got nothing instead.")
        loss = p["loss"]
        order, w0, names, n, separable = _gradient_order(p, grad, loss, w0, names, n_w0, family)
        source = GradientSource(grad.exprs, order, separable, loss)
        steps = steps_given or 1
    else:
        x, y = p["x"], p["y"]
        if x is None or y is None:
            missing = "x" if x is None else "y"
            _fail(family, missing, "is required when source is 'neuron': the data points' "
                                   f"{'inputs' if missing == 'x' else 'targets'}. Got nothing instead.")
        if _length(x) != _length(y):
            _fail(family, "y", f"must have one target per input x ({_length(x)}). Got {_length(y)} instead.")
        xs = tuple(exact(float(v)) for v in x) if isinstance(x, np.ndarray) else tuple(x)
        ys = tuple(exact(float(v)) for v in y) if isinstance(y, np.ndarray) else tuple(y)
        if p["neuron_loss"] == "ce" and any(v < 0 or v > 1 for v in ys):
            _fail(family, "y", f"must hold targets in [0, 1] for the cross-entropy loss. Got {F.text(min(ys), 6, exact='decimal')} .. "
                               f"{F.text(max(ys), 6, exact='decimal')} instead.")
        if names is not None:
            if set(names) != {"w", "b"}:
                _fail(family, "w0", f"must name the neuron's parameters w and b. Got {', '.join(names)} instead.")
            w0 = (w0[names.index("w")], w0[names.index("b")])
        elif n_w0 is not None and n_w0 != 2:
            _fail(family, "w0", f"must give the neuron's two parameters (w, b), e.g. w=2.5, b=0. Got {n_w0} "
                                f"entr{'y' if n_w0 == 1 else 'ies'} instead.")
        names, n = ("w", "b"), 2
        source = NeuronSource(xs, ys, p["neuron_loss"])
        steps = steps_given or 1

    if kind == "grads" and steps_given is not None and steps_given > len(source.rows) and len(source.rows) > 1:
        _fail(family, "steps", f"must be at most the number of gradient rows ({len(source.rows)}); only a single "
                               f"row is repeated. Got {steps_given} instead.")

    w0_given = w0 is not None
    w_start = _spread(w0, n, names, family, "w0", exact_path, zero_default=True, shared="all")
    hist, given, scalar = {}, {}, {}
    for key, pname in histories:
        raw = p.get(pname)
        neg = _first_negative(raw) if raw is not None and (pname == "v0" or (pname == "u0" and family == "adadelta")) else None
        if neg is not None:
            what = ("an accumulator of squared gradients (or their max norm)" if pname == "v0"
                    else "an average of squared steps")
            _fail(family, pname, f"must be at least 0 in every entry: it is {what}. Got {F.text(neg, 8, exact='decimal')} instead.")
        given[key] = raw is not None
        scalar[key] = raw is not None and _length(raw) == 1 and n > 1 and not isinstance(raw, NamedValues)
        hist[key] = _spread(raw, n, names, family, pname, exact_path, zero_default=True, shared=shared_history)
    if kind == "grads" and not exact_path:
        source.rows = _as_rows_float(source.rows, n)
    elif kind == "grads":
        source.rows = [tuple(exact(float(v)) for v in r) if isinstance(r, np.ndarray) else tuple(r) for r in source.rows]
    return Setup(source, names if isinstance(names, _Indexed) else tuple(names), n, steps, t0, w_start, hist,
                 given, scalar, w0_given, t_given)


def steps_taken(p) -> int:
    """t0, the steps already taken, from either t0 or the current step t (after validation)."""
    return p["t"] - 1 if p.get("t") is not None else p["t0"]


def _start_step(p, family) -> tuple[int, bool]:
    """(t0, whether the current step t was given): exams state the step (t = 3 is the third step, so two were
    already taken); t0 counts the steps already taken. Both may be given when they agree."""
    t = p.get("t")
    if t is None:
        return p["t0"], False
    if p["t0"] and p["t0"] != t - 1:
        _fail(family, "t", f"must be t0 + 1 when both are given (t is the current step, t0 the steps already taken): "
                           f"t0 = {p['t0']} means t = {p['t0'] + 1}. Got t = {t} instead.")
    return t - 1, True


def _gradient_order(p, grad, loss, w0, names, n_w0, family):
    """The parameters of a gradient given as expressions: (order, w0, names, n, separable). One expression per
    variable, the variables in order of first appearance (or `vars`); one expression in one variable with a vector
    w0 applies to every entry; expressions without variables are constants for parameters w1, w2, ..."""
    k = len(grad.exprs)
    found = list(grad.names)
    if loss is not None:
        found += [v for v in loss.names if v not in found]
    order = tuple(p["vars"]) if p["vars"] is not None else tuple(found)
    missing = [v for v in found if v not in order]
    if missing:
        _fail(family, "vars", f"must list every variable of the gradient{' and the loss' if loss is not None else ''} "
                              f"({', '.join(found)}). Got {', '.join(order)} instead.")
    if not order:   # constant gradients: name the parameters
        order = names if names is not None and len(names) == k else (("w",) if k == 1 else tuple(_indexed("w", k)))
    separable = False
    if k == 1 and len(order) == 1 and names is None and n_w0 is not None and n_w0 > 1:
        return order, w0, _indexed(order[0], n_w0), n_w0, True
    if k != len(order):
        _fail(family, "gradient", f"must give one expression per parameter ({len(order)}: {', '.join(order)}), in that "
                                  f"order. Got {k} expression{'s' if k != 1 else ''} instead.")
    if names is not None:
        if set(names) != set(order):
            _fail(family, "w0", f"must give a value for each parameter of the gradient ({', '.join(order)}). "
                                f"Got {', '.join(names)} instead.")
        w0 = tuple(w0[names.index(v)] for v in order)
    elif n_w0 is not None and n_w0 not in (1, len(order)):
        _fail(family, "w0", f"must have one entry per parameter ({', '.join(order)}). Got {n_w0} instead.")
    return order, w0, tuple(order), len(order), separable


def _first_negative(v):
    """The first negative entry of a start value, or None."""
    if isinstance(v, np.ndarray):
        neg = v[v < 0]
        return float(neg[0]) if neg.size else None
    return next((x for x in v if x < 0), None)


class _Indexed(Sequence):
    """The names w1, w2, ..., wn without building n strings (n may be 10^7)."""

    def __init__(self, prefix: str, n: int):
        self.prefix, self.n = prefix, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(self.n)))
        if not -self.n <= i < self.n:
            raise IndexError(i)
        return f"{self.prefix}{i % self.n + 1}"

    def index(self, name, *args):
        if name.startswith(self.prefix) and name[len(self.prefix):].isdigit() and 0 < int(name[len(self.prefix):]) <= self.n:
            return int(name[len(self.prefix):]) - 1
        raise ValueError(name)

    def __contains__(self, name):
        try:
            self.index(name)
            return True
        except ValueError:
            return False


def _indexed(prefix: str, n: int):
    return _Indexed(prefix, n)


def _grad_rows(raw, n_w0, family):
    """Rows of gradients, one per step: a flat list is one number per step for one parameter, or one step's
    vector when it has exactly as many entries as w0 (several parameters)."""
    if isinstance(raw, np.ndarray):
        if raw.ndim == 2:
            return raw
        if n_w0 is not None and n_w0 > 1:
            if raw.size != n_w0:
                _fail(family, "grads", f"must have one entry per parameter ({n_w0}, like w0). Got {raw.size} instead.")
            return raw.reshape(1, -1)
        return raw.reshape(-1, 1)
    if raw and isinstance(raw[0], tuple):
        return list(raw)
    if n_w0 is not None and n_w0 > 1:
        if len(raw) != n_w0:
            _fail(family, "grads", f"must be one row per step with one entry per parameter ({n_w0}, like w0), "
                                   f"e.g. [[1, -2], [0, 3]]. Got a list of {len(raw)} numbers instead.")
        return [tuple(raw)]
    return [(v,) for v in raw]


def _as_rows_float(rows, n):
    if isinstance(rows, np.ndarray):
        return rows.astype(np.float64, copy=False).reshape(-1, n)
    return np.array([[float(v) for v in r] for r in rows], dtype=np.float64).reshape(-1, n)


def _spread(raw, n, names, family, pname, exact_path, *, zero_default, shared):
    """A start value for n parameters: default 0, a single number spread (to all or to the first), a vector, or named."""
    if raw is None:
        return np.zeros(n) if not exact_path else tuple(sp.Integer(0) for _ in range(n))
    if isinstance(raw, NamedValues) and pname != "w0":
        if not all(nm in names for nm in raw.names):
            _fail(family, pname, f"must name parameters among {', '.join(names[:8])}{', ...' if n > 8 else ''}. "
                                 f"Got {', '.join(raw.names)} instead.")
        filled = [sp.Integer(0)] * n
        for nm, v in zip(raw.names, raw):
            filled[names.index(nm)] = v
        vals = tuple(filled)
    elif isinstance(raw, NamedValues):
        vals = tuple(raw)  # w0's names were matched by build()
    else:
        vals = raw
    m = _length(vals)
    if m == 1 and n > 1:
        v = vals[0]
        if shared == "first":
            vals = (v,) + (0,) * (n - 1)
        else:
            vals = (v,) * n
    elif m != n:
        _fail(family, pname, f"must have one entry per parameter ({n}: {', '.join(names[:8])}"
                             f"{'...' if n > 8 else ''}) or a single number. Got {m} instead.")
    if exact_path:
        if isinstance(vals, np.ndarray):
            return tuple(exact(float(v)) for v in vals)
        return tuple(sp.Integer(v) if isinstance(v, int) else v for v in vals)
    if isinstance(vals, np.ndarray):
        return vals.astype(np.float64, copy=True)
    return np.array([float(v) for v in vals], dtype=np.float64)


@dataclass(frozen=True)
class Method:
    """What a family hands to the drivers: its histories, the rules shown once, the per-step rules (exact and in
    place), the hyperparameters it lists (name, value), and the question its statement asks."""

    name: str
    display: str
    histories: tuple[tuple[str, str], ...]     # (row key, parameter name), e.g. ("m", "m0")
    rules: Callable[[Derivation, Mapping, Mapping], None]
    step: Callable[["StepCtx"], None]
    numeric_step: Callable[["NumCtx"], None]
    answer_names: Mapping[str, str] = field(default_factory=dict)
    question: str = ""
    shared_history: Callable[[Mapping], str] = staticmethod(lambda conv: "all")
    hyper: Callable[[Mapping], Sequence[tuple[str, Any]]] = staticmethod(lambda p: ())
    # loop(c, jit, program, k) -> bool: k steps in one compiled call (accel), False when this instance cannot
    loop: Callable[..., bool] | None = None
