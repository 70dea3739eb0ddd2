"""Shared machinery of the optimizer families: one moving-average step, the gradient source, the start state, the trace.

Every optimizer family (sgd, momentum, nag, adagrad, rmsprop, adadelta, adam, adamax, nadam) is built
from the same pieces, kept here once:

- `moving_average(prev, new, decay, gain)`: the one accumulation rule `decay * prev + gain * new`.
  With gain = 1 - decay it is the exponential moving average of RMSProp, Adam, AdaDelta and NAdam;
  with gain = 1 it is the momentum history (u = beta u + g) and, with decay = 1 too, AdaGrad's sum.
  `moving_average_` is the same rule in place on NumPy arrays (the vectorised path).
- the gradient source (`source`): gradients given per step (`grads`), a loss expression
  differentiated with SymPy (`loss`), or the notes' sigmoid neuron (`neuron`);
- the start state: `w0` (a number, a vector, or named values such as `w=2.5, b=0`, parsed here
  without eval), the histories `u0`, `m0`, `v0` and `t0` (steps already taken, so bias correction
  uses t = t0 + 1 on the first step shown);
- two drivers: `solve_exact` (exact/40-digit steps, one group per optimizer step, a trace table) and
  `solve_numeric` (float64, in place, blocked and threaded over the parameter vector);
- the trajectory plot over the loss contours (a hand-written SVG) for two-parameter losses;
- the pieces several families share, written once: the momentum/NAG history and update rules, Adam's
  moments and bias corrections (also AdaMax's and NAdam's), the effective rate with eps inside or
  outside the root (`rate_rules`), their in-place kernels (`adaptive_kernel`, `momentum_kernel`,
  `moments_`), the parameter specs of the Adam family, and the `validate` / `solve_numeric` /
  `generate` boilerplate (`validator`, `numeric_solver`, `generate_instance`).
A family module declares its formulas (SymPy, at import), its per-step exact rule and its in-place
NumPy rule, and hands them to these drivers in a `Method`.

Step numbering: t = 1 is the first step ever taken (torch's count, and the bias correction's 1 - beta^t);
with t0 steps already taken the start is w_{t0+1} with histories u_{t0}, m_{t0}, v_{t0}. Notes 000 count
from t = 0, so their w_9, u_8 are w_10, u_9 here; every solution with t0 > 0 says so in a note.
"""
from __future__ import annotations

import functools
import math
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from solver import parse as P
from solver.functions import sigmoid
from solver.numbers import (DEFAULT_PRECISION, WORKING_DIGITS, Precision, exact, short, terminating, to_json_number,
                            tolerance_for)
from solver.params import Choice, Expr, Int, InvalidInput, Param, Real, Spec, SpecError, Vector
from solver.steps import Math, Step
from solver.symbolic import _SubLatex, _SubText  # the engine's substitution printers (see substituted_math)
from solver.symbolic import (Derivation, equation, evaluate, latex, make_answer, number_latex, number_text,
                             numpy_function, sym)
from solver.symbolic import text as text_

# ---- symbols shared by the optimizer formulas ---------------------------------------------------------
G = sym("g_t", "g_{t}")
G_RAW = sym("grad_t", r"\nabla L(w_{t})")
W = sym("w_t", "w_{t}")
W_NEXT = sym("w_(t+1)", "w_{t+1}")
ETA = sym("eta", r"\eta")
ETA_T = sym("eta_t", r"\eta_{t}")
EPS = sym("eps", r"\epsilon")
T = sym("t")
BETA = sym("beta", r"\beta")
BETA1 = sym("beta1", r"\beta_{1}")
BETA2 = sym("beta2", r"\beta_{2}")
LAMBDA = sym("weight_decay", r"\lambda")
U_PREV, U = sym("u_(t-1)", "u_{t-1}"), sym("u_t", "u_{t}")
M_PREV, M = sym("m_(t-1)", "m_{t-1}"), sym("m_t", "m_{t}")
V_PREV, V = sym("v_(t-1)", "v_{t-1}"), sym("v_t", "v_{t}")
M_HAT, V_HAT = sym("m_hat_t", r"\hat{m}_{t}"), sym("v_hat_t", r"\hat{v}_{t}")
LOOK = sym("w_look", r"\tilde{w}_{t}")
ETA_EFF = sym("eta_eff", r"\eta^{\mathrm{eff}}_{t}")

#: Column headers of the trace (LaTeX, text) by row key.
TRACE_NAMES = {
    "t": ("t", "t"), "lookahead": (r"\tilde{w}_{t}", "lookahead"), "g": ("g_{t}", "g"),
    "m": ("m_{t}", "m"), "v": ("v_{t}", "v"), "v_max": (r"v^{\max}_{t}", "v_max"), "m_hat": (r"\hat{m}_{t}", "m_hat"),
    "v_hat": (r"\hat{v}_{t}", "v_hat"), "mu": (r"\mu_{t}", "mu"), "m_bar": (r"\bar{m}_{t}", "m_bar"),
    "eta_t": (r"\eta_{t}", "eta_t"), "eta_eff": (r"\eta^{\mathrm{eff}}_{t}", "eta_eff"), "dw": (r"\Delta w_{t}", "dw"),
    "u": ("u_{t}", "u"), "w": ("w_{t+1}", "w"),
}


def moving_average(prev: sp.Expr, new: sp.Expr, decay: sp.Expr, gain: sp.Expr | None = None) -> sp.Expr:
    """The one accumulation rule, as written: decay * prev + gain * new (gain defaults to 1 - decay: an EMA)."""
    with sp.evaluate(False):
        if gain is None:
            gain = 1 - decay
        term = new if gain == 1 else gain * new
        if decay == 1:
            return prev + term
        return decay * prev + term


def moving_average_(buf: np.ndarray, new: np.ndarray, decay: float, gain: float, tmp: np.ndarray) -> None:
    """The same rule in place: buf <- decay * buf + gain * new (tmp: scratch of buf's shape)."""
    if decay != 1.0:
        buf *= decay
    if gain == 1.0:
        buf += new
    else:
        np.multiply(new, gain, out=tmp)
        buf += tmp


def square_(new: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    np.multiply(new, new, out=tmp)
    return tmp


# ---- parameter specs the optimizer families share -----------------------------------------------------
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMED = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$")


class NamedValues(tuple):
    """A tuple of exact numbers that remembers the parameter names it was given with (`w=2.5, b=0`)."""

    names: tuple[str, ...] = ()

    def __new__(cls, names, values):
        obj = super().__new__(cls, values)
        obj.names = tuple(names)
        return obj

    def __getnewargs__(self):
        return (self.names, tuple(self))


_TEXT_LIMIT = 10_000  # larger arrays (passed through the Python API) are summarised, as params_to_json does


def _array_placeholder(a: np.ndarray) -> str:
    return f"<array of shape {list(a.shape)}>"


def _number(raw) -> sp.Rational:
    try:
        return Real().parse(raw)
    except SpecError as e:
        raise SpecError(str(e).replace("must be a number. ", "")) from None


def _float_vector(raw: np.ndarray) -> np.ndarray:
    if raw.dtype.kind not in "biuf":
        raise SpecError(f"expected an array of numbers, got dtype {raw.dtype}")
    a = np.array(raw, dtype=np.float64).reshape(-1) if raw.ndim <= 1 or 1 in raw.shape else None
    if a is None:
        raise SpecError(f"expected a vector, got an array of shape {raw.shape}")
    if not np.all(np.isfinite(a)):
        raise SpecError("entries must be finite numbers; got NaN or infinity")
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class StartValues(Spec):
    """A number, a vector, or named values `w=2.5, b=0` (parsed by regular expressions, never eval)."""

    kind = "vector"

    def parse(self, raw):
        if isinstance(raw, np.ndarray):
            return _float_vector(raw)
        if isinstance(raw, Mapping):
            if not raw:
                raise SpecError("expected named values such as w=2.5, b=0, got nothing")
            return NamedValues([str(k) for k in raw], [_number(v) for v in raw.values()])
        if isinstance(raw, str) and "=" in raw:
            return self._named(raw)
        if isinstance(raw, (int, float, Fraction, sp.Basic, np.number)) and not isinstance(raw, (bool, np.bool_)):
            return (_number(raw),)
        try:
            return Vector(max_len=100_000).parse(raw)
        except SpecError as e:
            raise SpecError(f"{e} (or give named values such as w=2.5, b=0)".replace(". (", " (")) from None

    @staticmethod
    def _named(raw: str) -> NamedValues:
        if len(raw) > 10_000:
            raise SpecError("named values are too long (at most 10000 characters)")
        names, values = [], []
        for part in re.split(r"[,;\n]", raw):
            if not part.strip():
                continue
            m = _NAMED.match(part)
            if m is None:
                raise SpecError(f"expected name=value pairs such as w=2.5, b=0, got {part.strip()[:40]!r}")
            name, value = m.group(1), m.group(2)
            if name in names:
                raise SpecError(f"gives {name!r} twice")
            try:
                values.append(P.parse_number(value))
            except P.ParseError as e:
                raise SpecError(f"value of {name!r}: {e}") from None
            names.append(name)
        if not names:
            raise SpecError("expected name=value pairs such as w=2.5, b=0, got nothing")
        return NamedValues(names, values)

    def describe(self):
        return "a number, a vector such as [2.5, 0], or named values such as w=2.5, b=0"

    def to_json(self, value):
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, NamedValues):
            return {n: to_json_number(v) for n, v in zip(value.names, value)}
        return [to_json_number(v) for v in value]

    def to_text(self, value):
        if isinstance(value, NamedValues):
            return ", ".join(f"{n}={short(v, 12)}" for n, v in zip(value.names, value))
        if isinstance(value, np.ndarray) and value.size > _TEXT_LIMIT:
            return _array_placeholder(value)
        return Vector().to_text(value)


@dataclass(frozen=True)
class GradientSequence(Spec):
    """Gradients per step: a list of numbers (one parameter, one number per step) or a matrix (one row per step)."""

    kind = "matrix"

    def parse(self, raw):
        if isinstance(raw, np.ndarray):
            if raw.dtype.kind not in "biuf":
                raise SpecError(f"expected an array of numbers, got dtype {raw.dtype}")
            if raw.ndim not in (1, 2) or raw.size == 0:
                raise SpecError(f"expected a vector or a matrix, got an array of shape {raw.shape}")
            a = np.array(raw, dtype=np.float64)
            if not np.all(np.isfinite(a)):
                raise SpecError("entries must be finite numbers; got NaN or infinity")
            a.setflags(write=False)
            return a
        if isinstance(raw, (int, float, Fraction, sp.Basic)) and not isinstance(raw, bool):
            return (_number(raw),)
        if isinstance(raw, str):
            try:
                data = P.parse_array(raw)
            except P.ParseError as e:
                raise SpecError(str(e)) from None
        elif isinstance(raw, (list, tuple)):
            data = list(raw)
        else:
            raise SpecError(f"expected numbers per step such as [1, 0] or [[1, -2], [0, 3]], got {str(raw)[:40]!r}")
        if not data:
            raise SpecError("expected at least one gradient, got nothing")
        nested = [isinstance(r, (list, tuple)) for r in data]
        if any(nested) and not all(nested):
            raise SpecError("mixes numbers and rows: give one number per step or one row per step")
        if not any(nested):
            return tuple(_number(v) for v in data)
        width = len(data[0])
        for i, r in enumerate(data):
            if len(r) != width or width == 0:
                raise SpecError(f"row {i + 1} has {len(r)} entries but row 1 has {width}")
            if any(isinstance(v, (list, tuple)) for v in r):
                raise SpecError("nesting deeper than a matrix")
        return tuple(tuple(_number(v) for v in r) for r in data)

    def describe(self):
        return "gradients per step: numbers such as [1, 0] (one parameter) or a matrix with one row per step"

    def to_json(self, value):
        if isinstance(value, np.ndarray):
            return value.tolist()
        if value and isinstance(value[0], tuple):
            return [[to_json_number(v) for v in r] for r in value]
        return [to_json_number(v) for v in value]

    def to_text(self, value):
        if isinstance(value, np.ndarray):
            if value.size > _TEXT_LIMIT:
                return _array_placeholder(value)
            value = value.tolist()
        if value and isinstance(value[0], (tuple, list)):
            return "[" + ", ".join("[" + ", ".join(short(v, 12) for v in r) + "]" for r in value) + "]"
        return "[" + ", ".join(short(v, 12) for v in value) + "]"


@dataclass(frozen=True)
class ParsedLoss:
    """A parsed loss: the SymPy expression, its variables in order of first appearance, and the text typed."""

    expr: sp.Expr
    names: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class LossExpr(Expr):
    """A loss expression in the parameters; remembers the order in which the variables first appear."""

    def parse(self, raw):
        if isinstance(raw, ParsedLoss):
            return raw
        if isinstance(raw, sp.Expr):
            expr = super().parse(raw)
            names = tuple(sorted(str(s) for s in expr.free_symbols))
            return ParsedLoss(expr, names, sp.sstr(expr))
        if not isinstance(raw, str):
            raise SpecError(f"expected an expression such as x**2 + 4*y**2, got {str(raw)[:40]!r}")
        reserved = set(P.DEFAULT_FUNCTIONS)
        found: list[str] = []
        for m in _IDENT.finditer(raw[:10_000]):
            if m.group(0) not in reserved and m.group(0) not in found:
                found.append(m.group(0))
        if len(found) > self.max_variables:
            raise SpecError(f"uses {len(found)} variable names; at most {self.max_variables} are allowed")
        try:
            expr = P.parse_expr(raw, {n: sp.Symbol(n, real=True) for n in found})
        except P.ParseError as e:
            raise SpecError(str(e)) from None
        if not isinstance(expr, sp.Expr):
            raise SpecError(f"expected an expression such as x**2 + 4*y**2, got {raw[:40]!r}")
        free = {str(s) for s in expr.free_symbols}
        return ParsedLoss(expr, tuple(n for n in found if n in free), raw.strip())

    def to_json(self, value):
        return value.text

    def to_text(self, value):
        return value.text


@dataclass(frozen=True)
class Names(Spec):
    """Variable names in order, such as `x, y`."""

    kind = "text"

    def parse(self, raw):
        items = list(raw) if isinstance(raw, (list, tuple)) else re.split(r"[\s,;]+", str(raw).strip().strip("[]()"))
        items = [str(v).strip() for v in items if str(v).strip()]
        if not items:
            raise SpecError("expected variable names such as x, y, got nothing")
        long = next((v for v in items if len(v) > 40), None)
        if long is not None:
            raise SpecError(f"expected variable names of at most 40 characters, got {long[:40]!r}...")
        for v in items:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", v):
                raise SpecError(f"expected variable names such as x, y, got {v[:40]!r}")
        if len(set(items)) != len(items):
            raise SpecError("names a variable twice")
        if len(items) > 8:
            raise SpecError(f"names {len(items)} variables; at most 8 are allowed")
        return tuple(items)

    def describe(self):
        return "variable names in order, such as x, y"

    def to_json(self, value):
        return list(value)

    def to_text(self, value):
        return ", ".join(value)


SOURCES = {
    "auto": "chosen from what is given: grads, a loss, or neuron data x and y",
    "grads": "the gradient at each step is given (a number per step, or one row per step)",
    "loss": "a loss expression in the parameters, differentiated symbolically",
    "neuron": "the notes' sigmoid neuron y_hat = sigmoid(w x + b) on data x, y; parameters w and b",
}


#: The words exams use for the optimizers' parameters: the question reader's vocabulary (solver.reading).
LR_ALIASES = ("learning rate", "learning-rate", "step size", "step-size", "eta", "η", "eta_0", "η_0", "eta0", "lr",
              "initial learning rate", "global learning rate", "base learning rate")
#: Kingma & Ba and many exams write the step size alpha (RMSProp's torch alpha is its decay: not there)
ALPHA_LR_ALIASES = LR_ALIASES + ("alpha", "α", "alpha_0")
EPS_ALIASES = ("epsilon", "eps", "ε", "ϵ", "small constant", "smoothing term", "fuzz factor")
MOMENTUM_ALIASES = ("momentum", "momentum coefficient", "momentum parameter", "momentum term", "momentum factor",
                    "momentum constant", "beta", "β", "gamma", "γ", "mu", "μ", "decay", "friction")
HISTORY_U_ALIASES = ("u", "u_(t-1)", "history", "momentum history", "update history", "velocity", "previous update",
                     "accumulated update", "history u", "previous velocity")
START_ALIASES = ("starting at", "starting from", "start at", "start from", "starts at", "starts from",
                 "initial point", "initial value", "initial values", "initial weight", "initial weights",
                 "initial parameters", "initialized to", "initialised to", "initialized at", "initialised at",
                 "initialized with", "initialised with", "initial guess", "begin at", "beginning at", "from the point",
                 "w_0", "w0", "θ_0", "theta_0", "x_0", "x0", "w", "b", "θ", "theta", "<variables>")
STEP_ALIASES = ("steps", "step", "iterations", "iteration", "updates", "update steps", "times", "epochs",
                "gradient steps", "optimizer steps", "optimization steps", "number of steps", "number of iterations")
NEURON_LOSS_CUES = {
    "mse": ("squared error", "mean square error", "mean squared error", "mse", "squared-error", "quadratic loss",
            "1/2 (y_hat - y)^2", "0.5 (y_hat - y)^2", "0.5*(y_hat - y)^2", "(1/2)(y_hat - y)^2", "1/2(y-y_hat)^2"),
    "ce": ("cross-entropy", "cross entropy", "log loss", "binary cross-entropy", "negative log-likelihood"),
}


def source_params() -> tuple[Param, ...]:
    """The gradient source and the start state, common to every optimizer family."""
    return (
        Param("source", Choice(SOURCES), default="auto", label="Gradient source",
              help="grads (given per step), loss (an expression), neuron (sigmoid neuron on data x, y)",
              cues={"neuron": ("sigmoid neuron", "logistic neuron"), "grads": ("gradients are", "the gradient is")}),
        Param("grads", GradientSequence(), label="Gradients per step",
              help="e.g. [1, 0] for one parameter over two steps, or [[1, -2], [0, 3]]: one row per step",
              aliases=("gradients", "gradient", "grads", "g", "g_t", "grad", "nabla w", "nabla_w", "nabla w_t",
                       "gradient sequence", "gradients per step", "the gradients are", "the gradient is",
                       "observed gradients", "gradient values")),
        Param("loss", LossExpr(), label="Loss", help="e.g. x**2 + 4*y**2; the variables are the parameters. A loss in "
              "one variable with a vector w0 applies to every entry (L = sum of f(w_i)), e.g. w**2 on a million parameters",
              aliases=("loss", "loss function", "objective", "objective function", "cost", "cost function", "f", "L",
                       "J", "E", "minimize", "minimise", "function")),
        Param("vars", Names(), label="Parameter order", help="the loss variables in order, e.g. x, y "
              "(default: the order in which they first appear)",
              aliases=("variables", "parameter order", "variable order")),
        Param("x", Vector(max_len=10_000), label="Neuron inputs x", help="one input per data point",
              aliases=("input", "inputs", "x", "input value", "the input")),
        Param("y", Vector(max_len=10_000), label="Neuron targets y", help="one target per data point",
              aliases=("target", "targets", "true output", "true output value", "ground truth", "label", "y",
                       "desired output", "true value")),
        Param("neuron_loss", Choice({"mse": "L = 1/2 (y_hat - y)^2, summed over the points (notes 000)",
                                     "ce": "cross-entropy L = -(y ln y_hat + (1 - y) ln(1 - y_hat)), summed"}),
              default="mse", label="Neuron loss", cues=NEURON_LOSS_CUES),
        Param("w0", StartValues(), label="Start parameters",
              help="a number, a vector, or named values such as w=2.5, b=0 (default 0)", aliases=START_ALIASES),
        Param("t0", Int(0, 10**9), default="0", label="Steps already taken",
              help="so the first step shown is t = t0 + 1 (bias correction uses it)",
              aliases=("steps already taken", "already taken", "t0", "t_0", "previous steps")),
        # at most 1e5: the numeric path steps in Python (vectorised over parameters, not over steps), and
        # 1e7 steps of a typed loss took four minutes of one server thread (found by the hardening pass)
        Param("steps", Int(1, 10**5), label="Steps",
              help="default: one per given gradient row, else 1 (at most 100000)", aliases=STEP_ALIASES),
        Param("weight_decay", Real(0, None), default="0", label="Weight decay (L2)",
              help="torch's weight_decay: the gradient used is g + weight_decay * w",
              aliases=("weight decay", "l2 penalty", "l2 regularization", "l2 regularisation", "lambda", "λ",
                       "decay coefficient")),
    )


def history_param(name: str, what: str, aliases: tuple[str, ...] = ()) -> Param:
    return Param(name, StartValues(), label=f"History {name}",
                 help=f"{what} before the first step shown (default 0); a number, a vector or named values",
                 aliases=aliases)


# ---- the gradient source ------------------------------------------------------------------------------
NW, NB, NX, NY = sym("w"), sym("b"), sym("x"), sym("y")
YHAT = sym("y_hat", r"\hat{y}")
with sp.evaluate(False):
    NEURON = sigmoid(NW * NX + NB)                             # notes 000: y_hat = sigma(w x + b)
    NEURON_LOSS = {"mse": sp.Rational(1, 2) * (YHAT - NY) ** 2,
                   "ce": -(NY * sp.log(YHAT) + (1 - NY) * sp.log(1 - YHAT))}
    NEURON_DZ = {"mse": sp.Mul(YHAT - NY, YHAT, 1 - YHAT, evaluate=False),      # dL/dz for z = w x + b
                 "ce": YHAT - NY}
    NEURON_DW = {"mse": sp.Mul(YHAT - NY, YHAT, 1 - YHAT, NX, evaluate=False),
                 "ce": sp.Mul(YHAT - NY, NX, evaluate=False)}
    G_DECAY = G_RAW + LAMBDA * W                               # torch's (coupled) weight decay
DLDW, DLDB = sym("dL/dw", r"\frac{\partial L}{\partial w}"), sym("dL/db", r"\frac{\partial L}{\partial b}")


class Source:
    kind = ""
    separable = False

    def rules(self, d: Derivation) -> None:
        pass

    def describe(self) -> str:
        raise NotImplementedError

    def loss_numeric(self, point):
        return None


class GradsSource(Source):
    """The gradient at step t is given: row t of `rows` (one row repeated when there is only one)."""

    kind = "grads"

    def __init__(self, rows):
        self.rows = rows  # list of tuples (exact) or a 2-D float array

    def _row(self, i):
        return self.rows[i if len(self.rows) > 1 else 0]

    def exact(self, s: "StepCtx", point, i):
        g = tuple(self._row(i))
        s.d.given("Gradient (given)", s.shape(g), lhs=G_RAW if s.wd else G)
        return g

    def numeric(self, point, i):
        return self._row(i)

    def describe(self):
        rows = self.rows
        k = len(rows)
        if k == 1:
            return f"the gradient is {number_text(_show(rows[0]))} at every step"
        shown = ", ".join(f"g_{i + 1} = {number_text(_show(r))}" for i, r in enumerate(rows[:6]))
        return "the gradients are " + shown + (" ..." if k > 6 else "")


def _show(v):
    v = tuple(v)
    return v[0] if len(v) == 1 else v


class LossSource(Source):
    """g = grad L(w), with L a SymPy expression; separable when one variable is applied to every parameter."""

    kind = "loss"

    def __init__(self, loss: ParsedLoss, order: tuple[str, ...], separable: bool):
        self.loss = loss
        self.syms = tuple(next(s for s in loss.expr.free_symbols if s.name == n) if n in loss.names
                          else sp.Symbol(n, real=True) for n in order)
        self.separable = separable
        self.grads = tuple(sp.diff(loss.expr, v) for v in self.syms)
        self._lhs = tuple(sym(f"dL/d{v.name}", r"\frac{\partial L}{\partial %s}" % latex(v)) for v in self.syms)
        self._f = None
        self._loss_f = None

    def rules(self, d):
        d.formula("Loss", sym("L"), self.loss.expr,
                  text=("The loss is applied to every parameter separately (L = sum of f(w_i)), so each one "
                        "gets its own derivative." if self.separable else ""))
        for lhs, gexpr in zip(self._lhs, self.grads):
            d.formula(f"Gradient: differentiate L with respect to {self.syms[self._lhs.index(lhs)].name}", lhs, gexpr)

    def exact(self, s, point, i):
        key = None if s.wd else "g"
        if self.separable:
            g = s.compute(f"Gradient at {s.where}", self._lhs[0], self.grads[0], {self.syms[0]: tuple(point)},
                          param_shaped=True, key=key)
            return tuple(g)
        vals = {v: x for v, x in zip(self.syms, point)}
        if len(self.syms) == 1:
            return s.compute(f"Gradient at {s.where}", self._lhs[0], self.grads[0], vals, param_shaped=True, key=key)
        return tuple(s.compute(f"Gradient component {v.name} at {s.where}", lhs, gexpr, vals, param_shaped=False)
                     for v, lhs, gexpr in zip(self.syms, self._lhs, self.grads))

    def _fns(self):
        if self._f is None:
            self._f = [_numpy_function(gx, self.syms) for gx in self.grads]
            self._loss_f = _numpy_function(self.loss.expr, self.syms)
        return self._f

    def numeric(self, point, i):
        fs = self._fns()
        if self.separable:
            return np.broadcast_to(np.asarray(fs[0](point), dtype=np.float64), point.shape)
        return np.array([float(f(*point)) for f in fs], dtype=np.float64)

    def loss_numeric(self, point):
        self._fns()
        if self.separable:
            return float(np.sum(np.broadcast_to(np.asarray(self._loss_f(point), dtype=np.float64), point.shape)))
        return float(self._loss_f(*point))

    def loss_exact(self, point):
        if self.separable:
            return sum((evaluate(self.loss.expr, {self.syms[0]: v}) for v in point), sp.Integer(0))
        return evaluate(self.loss.expr, dict(zip(self.syms, point)))

    def grid_fn(self):
        """The loss as a vectorised function of (X, Y) grids (two-parameter plots)."""
        f = self._loss_f if self._loss_f is not None else _numpy_function(self.loss.expr, self.syms)
        return lambda X, Y: np.broadcast_to(np.asarray(f(X, Y), dtype=np.float64), X.shape)

    def describe(self):
        return f"the loss is L = {self.loss.text}"


@functools.lru_cache(maxsize=256)
def _numpy_function(expr: sp.Expr, syms: tuple[sp.Symbol, ...]):
    """numpy_function(expr, syms), made once per (loss, variables): lambdify is the slow part of a plot."""
    return numpy_function(expr, list(syms))


class NeuronSource(Source):
    """The notes' sigmoid neuron y_hat = sigmoid(w x + b), loss summed over the data points; parameters (w, b)."""

    kind = "neuron"

    def __init__(self, x, y, loss: str):
        self.x, self.y, self.loss = x, y, loss

    def rules(self, d):
        d.formula("Prediction of the sigmoid neuron", YHAT, NEURON)
        k = len(self.x)
        summed = f", summed over the {k} data points" if k > 1 else ""
        d.formula("Loss" + (" (squared error)" if self.loss == "mse" else " (cross-entropy)"), sym("L"),
                  NEURON_LOSS[self.loss], text=f"With z = w x + b{summed}.")
        why = ("dL/dz = (y_hat - y) y_hat (1 - y_hat), since dy_hat/dz = y_hat (1 - y_hat)" if self.loss == "mse"
               else "dL/dz = y_hat - y (the sigmoid's derivative cancels against the cross-entropy)")
        d.formula("Gradient with respect to w", DLDW, NEURON_DW[self.loss], text=f"Chain rule: {why}, and dz/dw = x.")
        d.formula("Gradient with respect to b", DLDB, NEURON_DZ[self.loss], text="dz/db = 1.")

    def exact(self, s, point, i):
        w, b = point
        x = self.x[0] if len(self.x) == 1 else tuple(self.x)
        y = self.y[0] if len(self.y) == 1 else tuple(self.y)
        yh = s.compute(f"Prediction at {s.where}", YHAT, NEURON, {NW: w, NB: b, NX: x}, param_shaped=False)
        vals = {YHAT: yh, NY: y, NX: x}
        gw = s.compute("Gradient with respect to w", DLDW, NEURON_DW[self.loss], vals, param_shaped=False)
        gb = s.compute("Gradient with respect to b", DLDB, NEURON_DZ[self.loss], vals, param_shaped=False)
        if isinstance(gw, tuple):  # several points: sum the per-point terms
            gw = _sum_step(s.d, "dL/dw", r"\frac{\partial L}{\partial w}", gw)
            gb = _sum_step(s.d, "dL/db", r"\frac{\partial L}{\partial b}", gb)
        return (gw, gb)

    def _z(self, point):
        x = np.asarray([float(v) for v in self.x])
        return point[0] * x + point[1], x, np.asarray([float(v) for v in self.y])

    def numeric(self, point, i):
        z, x, y = self._z(point)
        yh = 1.0 / (1.0 + np.exp(-z))
        dz = (yh - y) * yh * (1 - yh) if self.loss == "mse" else yh - y
        return np.array([np.sum(dz * x), np.sum(dz)], dtype=np.float64)

    def loss_numeric(self, point):
        z, x, y = self._z(point)
        yh = 1.0 / (1.0 + np.exp(-z))
        if self.loss == "mse":
            return float(np.sum(0.5 * (yh - y) ** 2))
        return float(np.sum(-(y * np.log(yh) + (1 - y) * np.log(1 - yh))))

    def loss_exact(self, point):
        total = sp.Integer(0)
        for xv, yv in zip(self.x, self.y):
            yh = evaluate(NEURON, {NW: point[0], NB: point[1], NX: xv})
            total += evaluate(NEURON_LOSS[self.loss], {YHAT: yh, NY: yv})
        return total

    def describe(self):
        pts = ", ".join(f"(x = {number_text(a)}, y = {number_text(b)})" for a, b in zip(self.x[:6], self.y[:6]))
        loss = "L = 1/2 (y_hat - y)^2" if self.loss == "mse" else "the cross-entropy loss"
        return (f"a sigmoid neuron y_hat = sigmoid(w x + b) is fitted to {pts}{' ...' if len(self.x) > 6 else ''} "
                f"with {loss}" + (" summed over the points" if len(self.x) > 1 else ""))


def _sum_step(d: Derivation, name: str, tex: str, terms) -> Any:
    total = sum(terms, sp.Integer(0))
    from solver.symbolic import finish
    total = finish(total)
    parts_l = " + ".join(r"\left(%s\right)" % number_latex(v) if v < 0 else number_latex(v) for v in terms)
    parts_t = " + ".join(f"({number_text(v)})" if v < 0 else number_text(v) for v in terms)
    d.add(Step("compute", "Sum over the data points", formula=Math(f"{tex} = \\sum_i {tex}_i", f"{name} = sum_i {name}_i"),
               substituted=Math(f"{tex} = {parts_l}", f"{name} = {parts_t}"),
               value=Math(f"{tex} = {number_latex(total)}", f"{name} = {number_text(total)}")))
    return total


# ---- the set-up: parameters, start state, histories -----------------------------------------------------
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


def _fail(family: str, name: str, msg: str):
    raise InvalidInput(name, f"The '{name}' parameter of {family} {msg}")


def _length(v) -> int:
    return int(v.size) if isinstance(v, np.ndarray) else len(v)


def _source_kind(p, family) -> str:
    kind = p["source"]
    given = [k for k, present in (("grads", p["grads"] is not None), ("loss", p["loss"] is not None),
                                  ("neuron", p["x"] is not None or p["y"] is not None)) if present]
    if kind == "auto":
        if not given:
            _fail(family, "grads", "is required: give the gradients per step (grads), a loss, or neuron data x and y. "
                                   "Got none of them instead.")
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
    if p["vars"] is not None and p["loss"] is None:
        _fail(family, "vars", f"only applies to a loss (it orders the loss variables), and no loss is given. "
                              f"Got {', '.join(p['vars'])!r} instead.")
    kind = _source_kind(p, family)
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
            _fail(family, "y", f"must hold targets in [0, 1] for the cross-entropy loss. Got {short(min(ys))} .. "
                               f"{short(max(ys))} instead.")
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
            _fail(family, pname, f"must be at least 0 in every entry: it is {what}. Got {short(neg, 8)} instead.")
        given[key] = raw is not None
        scalar[key] = raw is not None and _length(raw) == 1 and n > 1 and not isinstance(raw, NamedValues)
        hist[key] = _spread(raw, n, names, family, pname, exact_path, zero_default=True, shared=shared_history)
    if kind == "grads" and not exact_path:
        source.rows = _as_rows_float(source.rows, n)
    elif kind == "grads":
        source.rows = [tuple(exact(float(v)) for v in r) if isinstance(r, np.ndarray) else tuple(r) for r in source.rows]
    return Setup(source, names if isinstance(names, _Indexed) else tuple(names), n, steps, p["t0"], w_start, hist,
                 given, scalar, w0_given)


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


# ---- the exact driver ---------------------------------------------------------------------------------
class Undefined(Exception):
    """A step produced a division by zero or an infinite value."""


@dataclass(frozen=True)
class Method:
    """What a family hands to the drivers: its histories, the rules shown once, and the per-step rules."""

    name: str
    display: str
    histories: tuple[tuple[str, str], ...]     # (row key, parameter name), e.g. ("m", "m0")
    rules: Callable[[Derivation, Mapping, Mapping], None]
    step: Callable[["StepCtx"], None]
    numeric_step: Callable[["NumCtx"], None]
    answer_names: Mapping[str, str] = field(default_factory=dict)
    question: str = ""
    shared_history: Callable[[Mapping], str] = staticmethod(lambda conv: "all")


def _finite(v) -> bool:
    """A finite real value (a complex one, from a root of a negative number, counts as undefined)."""
    if isinstance(v, tuple):
        return all(_finite(x) for x in v)
    if isinstance(v, sp.Basic):
        return bool(v.is_finite) and v.is_real is not False and not v.has(sp.zoo, sp.nan)
    return math.isfinite(float(v))


def _tame(v):
    """Keep exact fractions while they stay readable; a Rational with a huge denominator (a few steps of a quartic
    loss) becomes a 40-digit Float, which later steps carry on with."""
    if isinstance(v, tuple):
        return tuple(_tame(x) for x in v)
    if isinstance(v, sp.Rational) and not v.is_Integer and v.q > 10 ** 30:
        return sp.Float(v, WORKING_DIGITS)
    return v


def _precision(value) -> Precision:
    vals = value if isinstance(value, tuple) else (value,)
    mags = [abs(float(v)) for v in vals if _finite(v) and float(v) != 0]
    if mags and max(mags) < 0.01:
        return Precision(sig=4)
    return DEFAULT_PRECISION


def answer(name: str, value):
    p = _precision(value)
    return make_answer(name, value, precision=p, tolerance=tolerance_for(p))


def to_plain(v):
    if isinstance(v, (tuple, list, np.ndarray)):
        return [float(x) for x in v]
    return float(v)


_FREE: dict[sp.Basic, frozenset] = {}


def free_symbols(expr: sp.Basic) -> frozenset:
    """expr.free_symbols, computed once per formula (the formulas are built once, at import)."""
    got = _FREE.get(expr)
    if got is None:
        got = _FREE[expr] = frozenset(expr.free_symbols)
    return got


def tiny_hyper(v) -> tuple[str, str] | None:
    """(LaTeX, text) for a small exact hyperparameter such as eps = 1/10^8: 10^{-8} and 1e-8, as an exam prints it,
    rather than 0.00000001. None for any other value."""
    if not isinstance(v, sp.Rational) or v.p == 0 or abs(v.p) * 10 ** 4 >= v.q:   # cheap: most values are not tiny
        return None
    return _tiny_hyper(int(v.p), int(v.q))


@functools.lru_cache(maxsize=256)
def _tiny_hyper(p: int, q: int) -> tuple[str, str] | None:
    v = sp.Rational(p, q)
    mant, _, ex = f"{p / q:.3e}".partition("e")
    mant = mant.rstrip("0").rstrip(".")
    if sp.Rational(mant) * sp.Rational(10) ** int(ex) != v:  # not a short decimal such as 1e-8 or 2.5e-6
        return None
    tex = "10^{%d}" % int(ex) if mant == "1" else r"%s \times 10^{%d}" % (mant, int(ex))
    return tex, f"{mant}e{int(ex)}"


class _SubLatexHyper(_SubLatex):
    def _print_Symbol(self, expr, style="plain"):
        tiny = tiny_hyper(self._values.get(expr))
        return tiny[0] if tiny else super()._print_Symbol(expr, style)


class _SubTextHyper(_SubText):
    def _print_Symbol(self, expr):
        tiny = tiny_hyper(self._values.get(expr))
        return tiny[1] if tiny else super()._print_Symbol(expr)


def substituted_math(lhs, expr, values, sig: int = 6) -> Math:
    """solver.symbolic.substituted, with small exact hyperparameters printed as 1e-8 (10^{-8}), not 0.00000001."""
    return Math(f"{latex(lhs)} = {_SubLatexHyper(values, sig).doprint(expr)}",
                f"{text_(lhs)} = {_SubTextHyper(values, sig).doprint(expr)}")


def _flat(v):
    for x in v:
        if isinstance(x, tuple):
            yield from _flat(x)
        else:
            yield x


def _shown_exactly(x) -> bool:
    """True when number_latex shows the exact value: an integer, a short terminating decimal or a small fraction
    (999/1999 is shown as 0.49975, a rounding)."""
    if not isinstance(x, sp.Basic) or not x.is_number or x.is_finite is False:
        return True
    if not x.is_Rational:
        return False
    if x.q == 1 or (x.q < 1000 and abs(x.p) < 10 ** 6):
        return True
    q = int(x.q)
    for f in (2, 5):
        while q % f == 0:
            q //= f
    if q != 1:                          # not a terminating decimal: shown rounded
        return False
    try:
        t = terminating(x)
    except ArithmeticError:             # decimal's limits on a huge value: shown rounded, if at all
        return False
    return t is not None and len(t) <= 14


def is_rounded(v) -> bool:
    """True when the digits shown are a rounding (a Float, an irrational value, or a fraction shown as a decimal),
    so LaTeX shows approx, not =."""
    vals = _flat(v) if isinstance(v, tuple) else (v,)
    return not all(_shown_exactly(x) for x in vals)


def value_math(lhs, v, sig: int = 6) -> Math:
    """'lhs = value' (text) and 'lhs = value' or 'lhs approx value' (LaTeX) for a computed value."""
    rel = r"\approx" if is_rounded(v) else "="
    return Math(f"{latex(lhs)} {rel} {number_latex(v, sig)}", f"{text_(lhs)} = {number_text(v, sig)}")


class StepCtx:
    """One optimizer step of the exact path: computes steps and records the trace row."""

    def __init__(self, d, p, conv, setup: Setup, method: Method, i: int, w, prev: dict):
        self.d, self.p, self.conv, self.setup, self.method = d, p, conv, setup, method
        self.i = i
        self.t = setup.t0 + i + 1
        self.last = i == setup.steps - 1
        self.n = setup.n
        self.w = w
        self.prev = prev
        self.new: dict[str, Any] = {}
        self.row: dict[str, Any] = {"t": self.t}
        self.w_next = None
        self.wd = p.get("weight_decay", 0) != 0
        self.where = "w_t = " + number_text(self.shape(w))

    def shape(self, v):
        """A parameter-shaped value for display: a number for one parameter, else the tuple."""
        return v[0] if isinstance(v, tuple) and self.n == 1 else v

    def _answer_name(self, key):
        return self.method.answer_names.get(key, key)

    def compute(self, title, lhs, expr, values, *, key=None, text="", kind="compute", param_shaped=None):
        """One formula -> substitution -> value step; with `key`, the value goes into the trace row (and is an
        answer on the last step). Returns a tuple for parameter-shaped values, else a number."""
        used = free_symbols(expr)
        values = {k: v for k, v in values.items() if k in used}
        if param_shaped is None:
            shaped = any(isinstance(v, tuple) and len(v) == self.n for v in values.values())
        else:
            shaped = param_shaped
        vals = {k: self.shape(v) if isinstance(v, tuple) else v for k, v in values.items()}
        result = _tame(evaluate(expr, vals))
        if not _finite(result):
            self.d.add(Step(kind, title, text=text, formula=equation(lhs, expr), substituted=substituted_math(lhs, expr, vals),
                            value=Math(f"{latex(lhs)} = \\text{{undefined}}", f"{text_(lhs)} = undefined")))
            raise Undefined(title)
        name = self._answer_name(key) if key and self.last else None
        answers = (answer(name, result),) if name else ()
        self.d.add(Step(kind, title, text=text, formula=equation(lhs, expr), substituted=substituted_math(lhs, expr, vals),
                        value=value_math(lhs, result), answers=answers))
        if shaped and not isinstance(result, tuple):
            result = (result,)
        if key:
            self.row[key] = result
        return result

    def gradient(self, at=None, where: str | None = None):
        """The gradient at `at` (default: the current parameters), with weight decay added; recorded as g."""
        point = self.w if at is None else at
        if where is not None:
            self.where = where
        g = tuple(self.setup.source.exact(self, point, self.i))
        if not _finite(g):
            raise Undefined("gradient")
        if self.wd:
            g = self.compute("Add the weight-decay term", G, G_DECAY,
                             {G_RAW: g, LAMBDA: self.p["weight_decay"], W: tuple(point)}, param_shaped=True,
                             key=None if self.setup.source.kind == "grads" else "g")
        elif "g" in self.row:
            pass  # the source's own step already states the gradient (and carries the answer)
        elif self.setup.source.kind != "grads" and (self.last or self.n > 1):
            # one step collects the gradient, in full working precision (the answer, on the last step, is rounded)
            title = "Gradient g_t" + (" (the components above)" if self.n > 1 else "")
            shaped = self.shape(g)
            self.d.add(Step("compute", title, value=value_math(G, shaped),
                            answers=(answer(self._answer_name("g"), shaped),) if self.last else ()))
        self.row["g"] = g
        return g

    def update(self, title, expr, values, *, text=""):
        w = self.compute(title, W_NEXT, expr, values, text=text, kind="update")
        self.w_next = tuple(w)
        self.row["w"] = self.w_next
        return self.w_next

    def keep(self, key, value):
        """The new history value (read as prev[key] by the next step)."""
        self.new[key] = value

    def value_step(self, title, key, value, *, text=""):
        """A value known without a formula (torch's stored look-ahead point): shown, recorded, an answer if last."""
        self.row[key] = value
        shaped = self.shape(value)
        if self.last:
            self.d.answer_step(title, answer(self._answer_name(key), shaped), text=text, kind="compute")
        else:
            self.d.add(Step("compute", title, text=text, value=Math(number_latex(shaped), number_text(shaped))))


def hyper_text(v) -> str:
    """A hyperparameter as an exam prints it: 1e-8 rather than 0.00000001."""
    if isinstance(v, sp.Rational) and v != 0 and abs(v) < sp.Rational(1, 10 ** 4):
        m, e = f"{float(v):.6e}".split("e")
        return f"{m.rstrip('0').rstrip('.')}e{int(e)}"
    return number_text(v)


def given_start(d: Derivation, setup: Setup, method: Method, conv, hyper: Sequence[tuple[str, Any]]):
    names = setup.names
    n = setup.n
    label = f" ({', '.join(names)})" if n > 1 and n <= 8 else ""
    w0 = setup.w0[0] if n == 1 else setup.w0
    start_text = "" if setup.w0_given else "Not given: the parameters start at 0."
    if n > 1:
        start_text = (start_text + " With several parameters every rule below acts on each parameter separately "
                      "(elementwise); vectors list the parameters in the order "
                      f"({', '.join(names[:8])}{', ...' if n > 8 else ''}).").strip()
    d.given(f"Start parameters{label}", w0, lhs=sym(f"w_{setup.t0 + 1}", "w_{%d}" % (setup.t0 + 1)), text=start_text)
    for key, pname in method.histories:
        v = setup.hist[key]
        v = v[0] if n == 1 else v
        if setup.hist_given[key]:
            spread = ""
            if setup.hist_scalar[key]:
                spread = (" The single value given is used for every parameter." if method.shared_history(conv) == "all"
                          else f" The single value given is {names[0]}'s history; the other parameters start at 0.")
            d.given(f"History {key} before the first step", v, lhs=sym(f"{key}_{setup.t0}", "%s_{%d}" % (key, setup.t0)),
                    text=spread.strip())
    missing = [key for key, _ in method.histories if not setup.hist_given[key]]
    if missing:
        d.note("Histories start at 0", f"{', '.join(missing)} not given, so {'they start' if len(missing) > 1 else 'it starts'} "
                                       "at 0 (no earlier steps contribute).")
    d.given("Hyperparameters", text=", ".join(f"{k} = {hyper_text(v)}" for k, v in hyper if v is not None)
            + (f"; steps already taken t0 = {setup.t0}, so the first step shown is t = {setup.t0 + 1}" if setup.t0 else ""))
    if setup.t0:
        d.note("How the steps are numbered", step_numbering(setup.t0, [k for k, _ in method.histories]))


def _and(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c' ('' for none)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def step_numbering(t0: int, keys: Sequence[str]) -> str:
    """The counting convention in words, with the names the same quantities get in notes that count from 0."""
    ours = _and([f"{k}_{t0}" for k in keys])
    theirs = _and([f"{k}_{t0 - 1}" for k in keys])
    return (f"Steps are numbered from t = 1, as torch and the bias correction 1 - beta^t count them: after t0 = {t0} "
            f"steps the current parameters are w_{t0 + 1}" + (f" and the history {ours}" if keys else "") +
            f", and the next step is t = {t0 + 1}, which computes " + _and([f"{k}_{t0 + 1}" for k in keys] + [f"w_{t0 + 2}"]) + ". "
            f"Notes 000 number iterations from t = 0, so they call the same quantities w_{t0}" +
            (f" and {theirs}" if keys else "") + f" (their iteration t = {t0}, which computes " +
            _and([f"{k}_{t0}" for k in keys] + [f"w_{t0 + 1}"]) + "). Only the labels differ: "
            "every number is the same.")


def solve_exact(p, conv, method: Method, hyper: Sequence[tuple[str, Any]]):
    """Run `method` exactly for the requested steps; returns (Derivation, rows, final w, setup)."""
    setup = build(p, method.name, method.histories, exact_path=True, shared_history=method.shared_history(conv))
    d = Derivation()
    given_start(d, setup, method, conv, hyper)
    setup.source.rules(d)
    if p.get("weight_decay", 0) != 0:
        d.formula("Weight decay (L2 penalty, as torch's weight_decay)", G, G_DECAY)
    method.rules(d, p, conv)
    rows = []
    w = setup.w0
    prev = dict(setup.hist)
    try:
        for i in range(setup.steps):
            s = StepCtx(d, p, conv, setup, method, i, w, prev)
            with d.group(f"Step t = {s.t}"):
                method.step(s)
            rows.append(s.row)
            w = s.w_next
            prev = {**prev, **s.new}
    except Undefined as e:
        d.status = "undefined"
        d.note("Undefined", f"The step '{e}' divides by zero or gives an infinite value, so the update is undefined "
                            "(with eps = 0 a zero gradient history leaves a zero denominator). Use eps > 0.")
        return d, rows, None, setup
    _trace_table(d, rows, setup)
    shaped = w[0] if setup.n == 1 else w
    d.conclude(f"Parameters after {setup.steps} step{'s' if setup.steps > 1 else ''}",
               text=f"In the order ({', '.join(setup.names)})." if 1 < setup.n <= 8 else "",
               answers=(answer("w", shaped),),
               value=value_math(sym(f"w_{setup.t0 + setup.steps + 1}", "w_{%d}" % (setup.t0 + setup.steps + 1)), shaped))
    loss_exact = getattr(setup.source, "loss_exact", None)
    if loss_exact is not None and setup.n <= 50:
        before, after = loss_exact(setup.w0), loss_exact(w)
        d.add(Step("compare", "Loss before and after", text=f"L went from {number_text(before)} at the start to "
                   f"{number_text(after)} after the last step.",
                   value=value_math(sym("L"), after), answers=(answer("loss", after),)))
    if setup.source.kind == "loss" and setup.n == 2 and not setup.source.separable:
        pts = [[float(v) for v in setup.w0]] + [[float(v) for v in r["w"]] for r in rows]
        d.extras["svg"] = trajectory_svg(setup.source.grid_fn(), pts, setup.names, setup.source.loss.text)
    return d, rows, w, setup


def _cell(v) -> str:
    if isinstance(v, tuple):
        return number_text(v[0] if len(v) == 1 else v)
    return number_text(v)


def _trace_table(d, rows, setup):
    keys = ["t"]
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(k)
    keys = ["t"] + sorted((k for k in keys if k != "t"), key=lambda k: list(TRACE_NAMES).index(k) if k in TRACE_NAMES else 99)
    cols = [Math(*TRACE_NAMES.get(k, (k, k))) for k in keys]
    body = [[_cell(r[k]) if k in r else "" for k in keys] for r in rows]
    plain = [{k: (r[k] if k == "t" else to_plain(r[k] if isinstance(r[k], tuple) else r[k])) for k in keys if k in r}
             for r in rows]
    note = "" if setup.n == 1 else f"Vectors list the parameters in the order ({', '.join(setup.names[:8])})."
    d.table("Trace", cols, body, text=("One row per step with every intermediate quantity. " + note).strip(),
            answer=make_answer("trace", plain))


# ---- the numeric driver -------------------------------------------------------------------------------
BLOCK = 1 << 13          # entries per block: the dozen in-place passes of one step stay in L2 cache
SMALL = 10_000           # at most this many parameters: answers list every entry
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="stepwise-optim")
        return _POOL


class NumCtx:
    """State of the vectorised path: the parameters, the histories and scratch space, all float64."""

    def __init__(self, p, conv, setup: Setup, method: Method):
        self.p, self.conv, self.setup, self.method = p, conv, setup, method
        self.n = setup.n
        self.w = setup.w0                   # a private float64 copy (build() copies)
        self.st = {k: v for k, v in setup.hist.items()}
        self.i = 0
        self.t = setup.t0 + 1
        self.last = False
        self.small = self.n <= SMALL
        self.out: dict[str, Any] = {}       # last-step quantities for the answers (small problems only)
        self.wd = float(p.get("weight_decay", 0))
        self._bufs: dict[str, np.ndarray] = {}
        nb = min(BLOCK, self.n)
        self._parts = _partition(self.n, _workers() if self.n >= 4 * BLOCK else 1)
        self._scratch = [[np.empty(nb) for _ in range(3)] for _ in self._parts]

    def buf(self, name: str) -> np.ndarray:
        b = self._bufs.get(name)
        if b is None:
            b = self._bufs[name] = np.empty(self.n)
        return b

    def grad(self, at: np.ndarray) -> np.ndarray:
        """The gradient at `at` (the parameters or a look-ahead point), weight decay added."""
        g = self.setup.source.numeric(at, self.i)
        if self.wd:
            out = self.buf("g")
            np.multiply(at, self.wd, out=out)
            out += g
            g = out
        if self.last and self.small:
            self.out["g"] = np.array(g, dtype=np.float64)
        return g

    def blocks(self, fn: Callable, *arrays: np.ndarray, **kw) -> None:
        """fn(*views, scratch, **kw) over cache-sized blocks of the arrays, the parts in parallel threads."""
        if len(self._parts) == 1:
            _run_part(fn, arrays, 0, self.n, self._scratch[0], kw)
            return
        futures = [_pool().submit(_run_part, fn, arrays, a, b, scr, kw)
                   for (a, b), scr in zip(self._parts[1:], self._scratch[1:])]
        a, b = self._parts[0]
        _run_part(fn, arrays, a, b, self._scratch[0], kw)
        for f in futures:
            f.result()


def _partition(n: int, k: int) -> list[tuple[int, int]]:
    edges = [round(i * n / k) for i in range(k + 1)]
    return [(edges[i], edges[i + 1]) for i in range(k)]


def _run_part(fn, arrays, a, b, scratch, kw):
    with np.errstate(all="ignore"):
        for lo in range(a, b, BLOCK):
            hi = min(lo + BLOCK, b)
            m = hi - lo
            fn(*(x[lo:hi] if x.ndim else x for x in arrays), [s[:m] for s in scratch], **kw)


def solve_numeric(p, conv, method: Method) -> Derivation:
    """The same method in float64 NumPy, in place; a few summary steps and the answers."""
    c = run_numeric(p, conv, method)
    setup = c.setup
    d = Derivation()
    finite = bool(np.all(np.isfinite(c.w)))
    d.note("Numeric path", f"{method.display} ran {setup.steps} step{'s' if setup.steps > 1 else ''} on {setup.n} "
                           f"parameter{'s' if setup.n > 1 else ''} in float64 NumPy, in place and vectorised "
                           "(no per-step working is shown).")
    if not finite:
        d.status = "undefined"
        d.note("Undefined", "The update produced an infinite or undefined value (a zero denominator with eps = 0, "
                            "or an overflow).")
        return d
    with np.errstate(all="ignore"):   # huge inputs: overflow shows as inf in the summary, never as a warning
        return _numeric_summary(d, c, method)


def _numeric_summary(d: Derivation, c: "NumCtx", method: Method) -> Derivation:
    setup = c.setup
    answers = []
    if c.small:
        w = tuple(float(v) for v in c.w)
        answers.append(answer("w", w[0] if setup.n == 1 else w))
        for k, v in c.out.items():
            if k == "g" and setup.source.kind == "grads":
                continue  # a given gradient is not an answer
            vals = tuple(float(x) for x in np.ravel(v))
            name = method.answer_names.get(k, k)
            answers.append(answer(name, vals[0] if len(vals) == 1 else vals))
    loss = setup.source.loss_numeric(c.w)
    if loss is not None and math.isfinite(loss):
        answers.append(answer("loss", loss))
    head = ", ".join(short(float(v), 6) for v in c.w[:5]) + (", ..." if setup.n > 5 else "")
    d.conclude(f"Parameters after {setup.steps} step{'s' if setup.steps > 1 else ''}",
               text=f"First entries: ({head}); norm ||w|| = {short(float(np.linalg.norm(c.w)), 8)}.",
               answers=tuple(answers))
    if setup.source.kind == "loss" and setup.n == 2 and not setup.source.separable and c.path is not None:
        d.extras["svg"] = trajectory_svg(setup.source.grid_fn(), c.path, setup.names, setup.source.loss.text)
    return d


def prepare_numeric(p, conv, method: Method) -> NumCtx:
    """The vectorised state before the first step: private copies of w0 and the histories, scratch space."""
    setup = build(p, method.name, method.histories, exact_path=False, shared_history=method.shared_history(conv))
    c = NumCtx(p, conv, setup, method)
    c.path = [c.w.tolist()] if setup.n == 2 and setup.steps <= 2000 else None
    return c


def advance(c: NumCtx) -> NumCtx:
    """Run all the steps in place (c.w, c.st); the last step's quantities land in c.out (small problems)."""
    setup = c.setup
    with np.errstate(all="ignore"):
        for i in range(setup.steps):
            c.i, c.t, c.last = i, setup.t0 + i + 1, i == setup.steps - 1
            c.method.numeric_step(c)
            if c.path is not None:
                c.path.append(c.w.tolist())
    return c


def run_numeric(p, conv, method: Method) -> NumCtx:
    """Run the vectorised method; the returned context holds the final arrays (c.w, c.st) and last-step values."""
    return advance(prepare_numeric(p, conv, method))


# ---- pieces several families share (formulas, parameters, per-step rules, kernels, boilerplate) -------------
# momentum and NAG: the history u and the update, with the learning rate outside (notes 000) or inside (Sutskever)
U_PLAIN = moving_average(U_PREV, G, BETA, gain=1)                     # notes 000 eq. (13): u_t = beta u_{t-1} + g_t
with sp.evaluate(False):
    U_ETA_INSIDE = moving_average(U_PREV, ETA * G, BETA, gain=1)      # u_t = beta u_{t-1} + eta g_t
    UPDATE_ETA_OUTSIDE = W - ETA * U                                   # w_{t+1} = w_t - eta u_t
    UPDATE_ETA_INSIDE = W - U                                          # w_{t+1} = w_t - u_t

# Adam, AdaMax, NAdam: the two moments and their bias correction (notes 000 eqs. 18, 19, 21)
ADAM_M_RULE = moving_average(M_PREV, G, BETA1)
with sp.evaluate(False):
    ADAM_V_RULE = moving_average(V_PREV, G ** 2, BETA2)
    M_HAT_RULE = M / (1 - BETA1 ** T)
    V_HAT_RULE = V / (1 - BETA2 ** T)
    UPDATE_ADAPTIVE = W - ETA_EFF * G                                  # AdaGrad, RMSProp: w_{t+1} = w_t - eta_eff g_t


def rate_rules(eta: sp.Symbol, v: sp.Symbol) -> dict[str, sp.Expr]:
    """The effective learning rate eta / sqrt(v + eps) (eps inside the root) or eta / (sqrt(v) + eps) (outside),
    by the EPS_PLACEMENT convention's choices."""
    with sp.evaluate(False):
        return {"inside": eta / sp.sqrt(v + EPS), "outside": eta / (sp.sqrt(v) + EPS)}


ADAM_RATE = rate_rules(ETA, V_HAT)                                     # Adam and NAdam: eta / sqrt(v_hat + eps)


def lr_param(default: str, help: str = "", label: str = "Learning rate eta",
             aliases: tuple[str, ...] = LR_ALIASES) -> Param:
    return Param("lr", Real(0, None, closed="neither"), default=default, label=label, help=help, aliases=aliases)


def adam_params(lr_default: str, *, beta2_label: str = "beta2 (second moment)") -> tuple[Param, ...]:
    """lr, beta1, beta2 and eps, as Adam, AdaMax and NAdam declare them (torch's defaults but lr)."""
    return (lr_param(lr_default, f"torch's default {lr_default}", aliases=ALPHA_LR_ALIASES),
            Param("beta1", Real(0, 1, closed="left"), default="0.9", label="beta1 (first moment)",
                  aliases=("beta1", "beta_1", "β1", "β_1", "first moment decay", "first-moment decay",
                           "decay rate for the first moment", "momentum decay rate", "rho1")),
            Param("beta2", Real(0, 1, closed="left"), default="0.999", label=beta2_label,
                  aliases=("beta2", "beta_2", "β2", "β_2", "second moment decay", "second-moment decay",
                           "decay rate for the second moment", "rho2")),
            Param("eps", Real(0, None), default="1e-8", label="Epsilon", aliases=EPS_ALIASES))


def moment_histories(v_what: str = "the second moment v") -> tuple[Param, ...]:
    return (history_param("m0", "the first moment m", ("m", "m_0", "m0", "first moment", "initial first moment")),
            history_param("v0", v_what, ("v", "v_0", "v0", "second moment", "initial second moment")))


def adam_hyper(p) -> list[tuple[str, Any]]:
    return [("eta", p["lr"]), ("beta1", p["beta1"]), ("beta2", p["beta2"]), ("eps", p["eps"])]


def adam_hyper_text(p) -> str:
    return (f"eta = {number_text(p['lr'])}, beta1 = {number_text(p['beta1'])}, beta2 = {number_text(p['beta2'])}, "
            f"eps = {hyper_text(p['eps'])}")


def moment_rules(d: Derivation, second: bool = True) -> None:
    """The rules of the first (and second) moment, shown once."""
    d.formula("First moment (moving average of g)", M, ADAM_M_RULE)
    if second:
        d.formula("Second moment (moving average of g^2)", V, ADAM_V_RULE)


def first_moment(s: "StepCtx", g) -> Any:
    m = s.compute("First moment", M, ADAM_M_RULE, {BETA1: s.p["beta1"], M_PREV: s.prev["m"], G: g}, key="m")
    s.keep("m", m)
    return m


def second_moment(s: "StepCtx", g) -> Any:
    v = s.compute("Second moment", V, ADAM_V_RULE, {BETA2: s.p["beta2"], V_PREV: s.prev["v"], G: g}, key="v")
    s.keep("v", v)
    return v


def bias_corrected_m(s: "StepCtx", m) -> Any:
    return s.compute(f"Bias-corrected m (t = {s.t})", M_HAT, M_HAT_RULE, {M: m, BETA1: s.p["beta1"], T: s.t}, key="m_hat")


def moments_(g: np.ndarray, m: np.ndarray, v: np.ndarray, b1: float, b2: float, scr) -> None:
    """In place: m <- b1 m + (1 - b1) g and v <- b2 v + (1 - b2) g^2 (scr: two scratch arrays)."""
    moving_average_(m, g, b1, 1.0 - b1, scr[0])
    moving_average_(v, square_(g, scr[1]), b2, 1.0 - b2, scr[1])


def rate_denominator_(v: np.ndarray, eps: float, inside: bool, out: np.ndarray) -> np.ndarray:
    """out <- sqrt(v + eps) (eps inside) or sqrt(v) + eps (outside, torch)."""
    if inside:
        np.add(v, eps, out=out)
        np.sqrt(out, out=out)
    else:
        np.sqrt(v, out=out)
        out += eps
    return out


def effective_rate(lr: float, v: np.ndarray, eps: float, inside: bool) -> np.ndarray:
    """lr / sqrt(v + eps) or lr / (sqrt(v) + eps), for the answers of the numeric path."""
    return lr / (np.sqrt(v + eps) if inside else np.sqrt(v) + eps)


def adaptive_kernel(w, g, v, scr, decay, gain, lr, eps, inside):
    """AdaGrad (decay 1, gain 1) and RMSProp (decay beta, gain 1 - beta) in place on one block:
    v <- decay v + gain g^2, w <- w - lr g / (sqrt(v + eps) or sqrt(v) + eps)."""
    t0 = scr[0]
    moving_average_(v, square_(g, t0), decay, gain, t0)
    rate_denominator_(v, eps, inside, t0)
    np.divide(g, t0, out=t0)
    t0 *= lr
    w -= t0


def momentum_kernel(w, g, u, scr, beta, gain, lr, first=False):
    """Momentum and NAG in place on one block: u <- beta u + gain g (u <- gain g on torch's first damped step),
    then w <- w - lr u."""
    if first:
        np.multiply(g, gain, out=u)
    else:
        moving_average_(u, g, beta, gain, scr[0])
    if lr == 1.0:
        w -= u
    else:
        np.multiply(u, lr, out=scr[0])
        w -= scr[0]


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


# ---- the trajectory plot (SVG, no plotting library) ---------------------------------------------------------
#: Marching-squares table: for each corner case (bit k set when corner k is above the level; corners 0 (j, i),
#: 1 (j, i+1), 2 (j+1, i+1), 3 (j+1, i)), the pairs of cell edges a contour segment joins. Edges: 0 bottom
#: (j, i)-(j, i+1), 1 right (j, i+1)-(j+1, i+1), 2 top (j+1, i)-(j+1, i+1), 3 left (j, i)-(j+1, i).
_CASES = {1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 5: [(3, 2), (0, 1)], 6: [(0, 2)], 7: [(3, 2)],
          8: [(2, 3)], 9: [(2, 0)], 10: [(0, 3), (1, 2)], 11: [(2, 1)], 12: [(1, 3)], 13: [(1, 0)], 14: [(0, 3)]}
#: Each edge as (corner a, corner b): offsets (dj, di) of its two ends from the cell's corner (j, i).
_EDGE_ENDS = {0: ((0, 0), (0, 1)), 1: ((0, 1), (1, 1)), 2: ((1, 0), (1, 1)), 3: ((0, 0), (1, 0))}


def _edge_points(F, xs, ys, js, is_, e, level):
    """Where the contour F = level crosses edge e of the cells (js, is_): linear interpolation, vectorised."""
    (ja, ia), (jb, ib) = _EDGE_ENDS[e]
    a, b = F[js + ja, is_ + ia], F[js + jb, is_ + ib]
    with np.errstate(all="ignore"):
        t = np.where(b == a, 0.5, (level - a) / np.where(b == a, 1.0, b - a))
    x = xs[is_ + ia] + t * (xs[is_ + ib] - xs[is_ + ia])
    y = ys[js + ja] + t * (ys[js + jb] - ys[js + ja])
    return x, y


def _segments(F: np.ndarray, xs: np.ndarray, ys: np.ndarray, level: float) -> list[tuple[float, float, float, float]]:
    """Marching squares: the line segments of the contour F = level on the grid (F[j, i] at (xs[i], ys[j]))."""
    above = (F > level).astype(np.int8)
    case = above[:-1, :-1] | (above[:-1, 1:] << 1) | (above[1:, 1:] << 2) | (above[1:, :-1] << 3)
    out: list[tuple[float, float, float, float]] = []
    for c, pairs in _CASES.items():
        js, is_ = np.nonzero(case == c)
        if not js.size:
            continue
        for e1, e2 in pairs:
            x1, y1 = _edge_points(F, xs, ys, js, is_, e1, level)
            x2, y2 = _edge_points(F, xs, ys, js, is_, e2, level)
            out.extend(zip(x1.tolist(), y1.tolist(), x2.tolist(), y2.tolist()))
    return out


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _window(P_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The plotted region: the trajectory's bounding box with a margin, and the same scale on both axes when
    their spans are within a factor 4 (so the path meets the contours at its true angle)."""
    lo, hi = P_.min(axis=0), P_.max(axis=0)
    span = np.maximum(hi - lo, 1e-3 * np.maximum(1.0, np.abs(hi)))
    if span.max() <= 4 * span.min():
        span = np.full(2, span.max())
    else:
        span = np.maximum(span, 0.25 * span.max())
    mid = (lo + hi) / 2
    half = 0.75 * span
    return mid - half, mid + half


def trajectory_svg(fn: Callable[[np.ndarray, np.ndarray], np.ndarray], points: list[list[float]],
                   names: Sequence[str], title: str, size: int = 420, grid: int = 64) -> str:
    """The parameter trajectory over the loss contours, as a standalone SVG document: the start as a black dot,
    each step's point numbered, the axes labelled with the parameter names and their ranges."""
    P_ = np.array(points, dtype=np.float64)
    P_ = P_[np.all(np.isfinite(P_), axis=1)]
    lo, hi = _window(P_)
    xs, ys = np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        F = np.array(fn(X, Y), dtype=np.float64)
    finite = F[np.isfinite(F)]
    levels: list[float] = []
    if finite.size:
        F = np.where(np.isfinite(F), F, finite.max())
        qs = np.quantile(finite, np.linspace(0.04, 0.94, 12))
        levels = sorted({float(q) for q in qs})
    pad = 52
    W_ = H_ = size

    def sx(x):
        return pad + (x - lo[0]) / (hi[0] - lo[0]) * (W_ - 2 * pad)

    def sy(y):
        return H_ - pad - (y - lo[1]) / (hi[1] - lo[1]) * (H_ - 2 * pad)

    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")

    steps = len(P_) - 1
    label = f"Trajectory of {steps} step{'s' if steps != 1 else ''} over the contours of L = {title}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W_} {H_}" width="{W_}" height="{H_}" '
             f'role="img" aria-label="{esc(label)}">',
             f"<title>{esc(label)}</title>",
             f'<text x="{pad}" y="{pad - 26}" font-size="12">{esc(_clip("L = " + title, 58))}</text>',
             f'<text x="{pad}" y="{pad - 10}" font-size="10" fill="#555">black dot: start; k: after step k; '
             f'darker contours: higher L</text>',
             f'<rect x="{pad}" y="{pad}" width="{W_ - 2 * pad}" height="{H_ - 2 * pad}" fill="#fbfbfb" stroke="#999"/>']
    for k, level in enumerate(levels):
        segs = _segments(F, xs, ys, level)
        if not segs:
            continue
        dpath = " ".join(f"M{sx(a):.1f} {sy(b):.1f}L{sx(c):.1f} {sy(e):.1f}" for a, b, c, e in segs)
        shade = int(200 - 140 * k / max(1, len(levels) - 1))
        parts.append(f'<path class="contour" d="{dpath}" fill="none" stroke="rgb({shade},{shade},255)" '
                     f'stroke-width="1"><title>L = {short(level, 4)}</title></path>')
    pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in P_)
    parts.append(f'<polyline class="trajectory" points="{pts}" fill="none" stroke="#d33" stroke-width="2"/>')
    numbered = steps <= 30
    for k, (x, y) in enumerate(P_):
        r = 4 if k == 0 else 2.5
        parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="{r}" fill="{"#222" if k == 0 else "#d33"}">'
                     f"<title>{esc(('start' if k == 0 else f'after step {k}') + f': ({short(x, 5)}, {short(y, 5)})')}</title></circle>")
        if k and numbered:
            parts.append(f'<text class="step" x="{sx(x) + 5:.1f}" y="{sy(y) - 5:.1f}" font-size="11" fill="#a22">{k}</text>')
    # the axes: the parameter names and the range of each axis at its ends
    bottom, left = H_ - pad, pad
    parts.append(f'<text x="{left}" y="{bottom + 15}" text-anchor="start" font-size="11">{esc(short(lo[0], 4))}</text>')
    parts.append(f'<text x="{W_ - pad}" y="{bottom + 15}" text-anchor="end" font-size="11">{esc(short(hi[0], 4))}</text>')
    parts.append(f'<text x="{W_ / 2:.0f}" y="{bottom + 30}" text-anchor="middle" font-size="13">{esc(names[0])}</text>')
    parts.append(f'<text x="{left - 4}" y="{bottom}" text-anchor="end" font-size="11">{esc(short(lo[1], 4))}</text>')
    parts.append(f'<text x="{left - 4}" y="{pad + 10}" text-anchor="end" font-size="11">{esc(short(hi[1], 4))}</text>')
    parts.append(f'<text x="14" y="{H_ / 2:.0f}" text-anchor="middle" font-size="13" '
                 f'transform="rotate(-90 14 {H_ / 2:.0f})">{esc(names[1])}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


__all__ = ["moving_average", "moving_average_", "source_params", "history_param", "build", "Method", "StepCtx",
           "NumCtx", "solve_exact", "solve_numeric", "statement", "use_numeric", "generate_source", "trajectory_svg",
           "answer", "matches", "G", "W", "W_NEXT", "ETA", "EPS", "T", "BETA", "BETA1", "BETA2", "U", "U_PREV", "M",
           "M_PREV", "V", "V_PREV", "M_HAT", "V_HAT", "LOOK", "ETA_T", "ETA_EFF"]
