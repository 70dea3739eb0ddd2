"""Sources of gradients: what g_t is at a point, on the exact path (as steps) and the numeric path (float64).

- `GradsSource`: the gradient at each step is given (one row per step; a single row repeats);
- `LossSource`: a loss expression differentiated with SymPy (separable when one variable applies to every
  parameter: L = sum of f(w_i)); the size guard (guard.too_large) stops a loss that outgrows any computer;
- `NeuronSource`: the course notes' sigmoid neuron y_hat = sigmoid(w x + b) on data x, y, its loss (squared
  error or cross-entropy) summed over the points; the cross-entropy is computed from the logit z = w x + b as
  softplus, which stays exact where 1 - y_hat would round to 0.
Each gives `exact(s, point, i)` (the gradient as compute steps on the step context), `numeric(point, i)`, the
loss where it has one, and `statement()` (rich text) for the problem statement.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from solver import format as F
from solver.functions import sigmoid
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.symbolic import Derivation, evaluate, finish, latex, numpy_function, sym

from .guard import Undefined, too_large
from .rules import G, G_RAW
from .specs import ParsedLoss

if TYPE_CHECKING:  # annotations only: the step contexts import this module
    from .exact import StepCtx

NW, NB, NX, NY = sym("w"), sym("b"), sym("x"), sym("y")
YHAT = sym("y_hat", r"\hat{y}")
with sp.evaluate(False):
    NEURON = sigmoid(NW * NX + NB)                             # the course notes: y_hat = sigma(w x + b)
    NEURON_Z = NW * NX + NB
    NEURON_LOSS = {"mse": sp.Rational(1, 2) * (YHAT - NY) ** 2,
                   "ce": -(NY * sp.log(YHAT) + (1 - NY) * sp.log(1 - YHAT))}
    NEURON_DZ = {"mse": sp.Mul(YHAT - NY, YHAT, 1 - YHAT, evaluate=False),      # dL/dz for z = w x + b
                 "ce": YHAT - NY}
    NEURON_DW = {"mse": sp.Mul(YHAT - NY, YHAT, 1 - YHAT, NX, evaluate=False),
                 "ce": sp.Mul(YHAT - NY, NX, evaluate=False)}
#: the neuron and its squared-error loss as statements print them
NEURON_MATH = Math(r"\hat{y} = \sigma(w x + b)", "ŷ = σ(wx + b)")
NEURON_LOSS_MATH = Math(r"L = \frac{1}{2}\left(\hat{y} - y\right)^{2}", "L = ½(ŷ − y)²")
DLDW, DLDB = sym("dL/dw", r"\frac{\partial L}{\partial w}"), sym("dL/db", r"\frac{\partial L}{\partial b}")


def softplus(z):
    """log(1 + e^z) to working precision at any z (z exact or a Float): max(z, 0) + log(1 + e^-|z|), with the
    log's argument's tail e^-|z| itself once it is below the working digits (|z| > 100)."""
    a = abs(z)
    tail = sp.exp(-a) if a > 100 else sp.log(1 + sp.exp(-a))
    return finish(sp.Max(z, 0) + tail)


def cross_entropy_of_logit(z, y):
    """-(y ln sigma(z) + (1 - y) ln(1 - sigma(z))) = y softplus(-z) + (1 - y) softplus(z): two non-negative terms,
    no cancellation, where ln(1 - sigma(z)) would take the log of a rounded 0 past z = 92."""
    return finish(y * softplus(-z) + (1 - y) * softplus(z))


def softplus_np(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def sigmoid_np(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) without overflow: e^(-softplus(-z))."""
    return np.exp(-np.logaddexp(0.0, -z))


NO_ROWS = np.empty((0, 0))   # a compiled program's "given rows": none


class Source:
    kind = ""
    separable = False

    def rules(self, d: Derivation) -> None:
        pass

    def statement(self) -> Rich:
        """The source as the problem statement gives it (rich text with maths)."""
        raise NotImplementedError

    def loss_numeric(self, point):
        return None

    def program_(self):
        """The gradient for the accelerated loop (accel): (code, arg, consts, registers, depth, rows), or None."""
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

    def program_(self):
        """The accelerated loop's gradient source: no program, the rows (float64, one per step) instead."""
        rows = self.rows
        if not isinstance(rows, np.ndarray) or rows.ndim != 2:
            return None
        return (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.zeros(1), 0, 1,
                np.ascontiguousarray(rows, dtype=np.float64))

    def statement(self) -> Rich:
        rows = self.rows
        k = len(rows)
        if k == 1:
            return Rich("the gradient is ", Eq(sym("g"), _show(rows[0])), " at every step")
        parts: list = ["the gradients are "]
        for i, r in enumerate(rows[:6]):
            parts += [", " if i else "", Eq(sym(f"g_{i + 1}", "g_{%d}" % (i + 1)), _show(r))]
        return Rich(*parts, ", ..." if k > 6 else "")


def _show(v):
    v = tuple(v)
    return v[0] if len(v) == 1 else v


class ExprSource(Source):
    """g = a vector of SymPy expressions in the parameters (the derivatives of a loss, or a gradient as given);
    separable when one variable stands for every parameter (L = sum of f(w_i)). `loss` (optional): the loss,
    evaluated for its values (the gradient source reports it only when it is given too)."""

    def __init__(self, grads: tuple[sp.Expr, ...], syms: tuple[sp.Symbol, ...], separable: bool,
                 loss: ParsedLoss | None = None):
        self.syms = syms
        self.separable = separable
        self.grads = grads
        self.loss = loss
        self._lhs = tuple(sym(f"dL/d{v.name}", r"\frac{\partial L}{\partial %s}" % latex(v)) for v in self.syms)
        self._f = None
        self._loss_f = None
        self.program = None          # the gradient compiled for the accelerated loop (accel.compile_gradient)

    def program_(self):
        """The gradient compiled for the accelerated loop (accel.compile_gradient, once per source, and no given
        rows), or None."""
        if self.program is None:
            from . import accel
            compiled = accel.compile_gradient(tuple(self.grads), tuple(self.syms))
            self.program = (*compiled, NO_ROWS) if compiled is not None else False
        return self.program or None

    def check_size(self, exprs, points, title: str, where: str) -> None:
        """Undefined when an expression at one of the points outgrows what exact working can compute (guard)."""
        for pt in points:
            vals = dict(zip(self.syms, pt))
            for e in exprs:
                why = too_large(e, vals)
                if why is not None:
                    raise Undefined(title, f"cannot be computed: at {where}, {why}; the "
                                           f"{'loss' if self.kind == 'loss' else 'gradient'} grows too fast for "
                                           "these parameters.")

    def exact(self, s, point, i):
        key = None if s.wd else "g"
        self.check_size(self.grads, [(x,) for x in point] if self.separable else [tuple(point)],
                        f"Gradient at {s.where}", s.where)
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
            if self.loss is not None:
                self._loss_f = _numpy_function(self.loss.expr, self.syms)
        return self._f

    def numeric(self, point, i):
        fs = self._fns()
        if self.separable:
            g = fs[0](point)
            if np.may_share_memory(g, point):   # L = w**2/2 gives g = w itself, which the kernels update in place
                return np.array(g, dtype=np.float64)
            return np.broadcast_to(np.asarray(g, dtype=np.float64), point.shape)
        return np.array([float(f(*point)) for f in fs], dtype=np.float64)

    def loss_numeric(self, point):
        if self.loss is None:
            return None
        self._fns()
        if self.separable:
            return float(np.sum(np.broadcast_to(np.asarray(self._loss_f(point), dtype=np.float64), point.shape)))
        return float(self._loss_f(*point))

    def _loss_exact(self, point):
        self.check_size([self.loss.expr], [(x,) for x in point] if self.separable else [tuple(point)], "Loss",
                        "w = " + F.text(point[0] if len(point) == 1 else tuple(point)))
        if self.separable:
            return sum((evaluate(self.loss.expr, {self.syms[0]: v}) for v in point), sp.Integer(0))
        return evaluate(self.loss.expr, dict(zip(self.syms, point)))

    @property
    def loss_exact(self):
        """The loss at a point (exact), or None when no loss is known (a gradient given without its loss)."""
        return self._loss_exact if self.loss is not None else None

    def grid_fn(self):
        """The loss as a vectorised function of (X, Y) grids (two-parameter plots); None without a loss."""
        if self.loss is None:
            return None
        f = self._loss_f if self._loss_f is not None else _numpy_function(self.loss.expr, self.syms)
        return lambda X, Y: np.broadcast_to(np.asarray(f(X, Y), dtype=np.float64), X.shape)


def _symbols_of(loss_or_grad, order: tuple[str, ...]) -> tuple[sp.Symbol, ...]:
    free = {s.name: s for e in loss_or_grad for s in e.free_symbols}
    return tuple(free.get(n, sp.Symbol(n, real=True)) for n in order)


class LossSource(ExprSource):
    """g = grad L(w), with L a SymPy expression; separable when one variable is applied to every parameter."""

    kind = "loss"

    def __init__(self, loss: ParsedLoss, order: tuple[str, ...], separable: bool):
        syms = _symbols_of([loss.expr], order)
        super().__init__(tuple(sp.diff(loss.expr, v) for v in syms), syms, separable, loss)

    def rules(self, d):
        d.formula("Loss", sym("L"), self.loss.expr,
                  text=("The loss is applied to every parameter separately (L = sum of f(w_i)), so each one "
                        "gets its own derivative." if self.separable else ""))
        for lhs, gexpr in zip(self._lhs, self.grads):
            d.formula(f"Gradient: differentiate L with respect to {self.syms[self._lhs.index(lhs)].name}", lhs, gexpr)

    def statement(self) -> Rich:
        return Rich("the loss is ", Eq(sym("L"), self.loss.expr))


class GradientSource(ExprSource):
    """The gradient given as expressions in the parameters (one per parameter), e.g. dL/dx = 2x, dL/dy = 20y.
    With a loss given too, the loss is evaluated for its values (never differentiated)."""

    kind = "gradient"

    def __init__(self, grads: tuple[sp.Expr, ...], order: tuple[str, ...], separable: bool,
                 loss: ParsedLoss | None = None):
        syms = _symbols_of(list(grads) + ([loss.expr] if loss is not None else []), order)
        super().__init__(tuple(grads), syms, separable, loss)

    def rules(self, d):
        for v, lhs, gexpr in zip(self.syms, self._lhs, self.grads):
            d.formula(f"Gradient with respect to {v.name} (given)", lhs, gexpr,
                      text="The loss is applied to every parameter separately, so this derivative applies to each "
                           "entry." if self.separable else "")
        if self.loss is not None:
            d.formula("Loss (given, for its values)", sym("L"), self.loss.expr,
                      text="The steps use the gradient as given; the loss is only evaluated.")
            mismatch = self.mismatch()
            if mismatch:
                d.note("The given gradient is not the loss's derivative", mismatch)
        else:
            d.note("No loss given", "The gradient is given directly, so the loss values are not computed.")

    def mismatch(self) -> str:
        """'' when the given gradient is the loss's derivative (checked exactly, then at sample points)."""
        wrong = []
        pts = [tuple(0.3 + 0.17 * k * (j + 1) for j in range(len(self.syms))) for k in range(1, 4)]
        for v, gexpr in zip(self.syms, self.grads):
            # at sample points, never by expanding (a typed (x + y + z)**200 would take minutes to expand)
            want, given = _numpy_function(sp.diff(self.loss.expr, v), self.syms), _numpy_function(gexpr, self.syms)
            with np.errstate(all="ignore"):
                pairs = [(float(np.asarray(want(*pt))), float(np.asarray(given(*pt)))) for pt in pts]
            if not all(abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)) for a, b in pairs
                       if np.isfinite(a) and np.isfinite(b)):
                wrong.append(v.name)
        if not wrong:
            return ""
        return (f"dL/d{wrong[0]} of the given loss differs from the given gradient"
                + (f" (and so do {', '.join('dL/d' + w for w in wrong[1:])})" if len(wrong) > 1 else "")
                + ". The steps follow the given gradient; the loss values come from the given loss.")

    def statement(self) -> Rich:
        parts: list = ["the gradient of the loss is "]
        for i, (lhs, e) in enumerate(zip(self._lhs, self.grads)):
            parts += [", " if i else "", Eq(lhs, e)]
        if self.loss is not None:
            parts += [" for the loss ", Eq(sym("L"), self.loss.expr)]
        return Rich(*parts)


@functools.lru_cache(maxsize=256)
def _numpy_function(expr: sp.Expr, syms: tuple[sp.Symbol, ...]):
    """numpy_function(expr, syms), made once per (loss, variables): lambdify is the slow part of a plot. Numbers
    beyond float64 (a typed 400-digit constant) enter as floats (inf), never as Python integers that NumPy
    cannot convert."""
    big = {r: sp.Float(r, 17) for r in expr.atoms(sp.Rational) if max(abs(r.p), r.q) > 2 ** 63}
    return numpy_function(expr.xreplace(big) if big else expr, list(syms))


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
            gw = _sum_step(s, "w", DLDW, gw)
            gb = _sum_step(s, "b", DLDB, gb)
        return (gw, gb)

    def _z(self, point):
        x = np.asarray([float(v) for v in self.x])
        return point[0] * x + point[1], x, np.asarray([float(v) for v in self.y])

    def numeric(self, point, i):
        z, x, y = self._z(point)
        yh = sigmoid_np(z)
        # 1 - y_hat as sigmoid(-z), and y_hat - y as (1 - y) y_hat - y (1 - y_hat): by subtraction both lose every
        # digit once the unit saturates (|z| > 15), and are exactly 0 past |z| = 37
        yc = sigmoid_np(-z)
        err = (1 - y) * yh - y * yc
        dz = err * yh * yc if self.loss == "mse" else err
        return np.array([np.sum(dz * x), np.sum(dz)], dtype=np.float64)

    def loss_numeric(self, point):
        z, x, y = self._z(point)
        if self.loss == "mse":
            return float(np.sum(0.5 * (sigmoid_np(z) - y) ** 2))
        return float(np.sum(y * softplus_np(-z) + (1 - y) * softplus_np(z)))

    def loss_exact(self, point):
        total = sp.Integer(0)
        for xv, yv in zip(self.x, self.y):
            if self.loss == "ce":
                total += cross_entropy_of_logit(evaluate(NEURON_Z, {NW: point[0], NB: point[1], NX: xv}), yv)
            else:
                yh = evaluate(NEURON, {NW: point[0], NB: point[1], NX: xv})
                total += evaluate(NEURON_LOSS[self.loss], {YHAT: yh, NY: yv})
        return finish(total)

    def statement(self) -> Rich:
        parts: list = ["a sigmoid neuron ", NEURON_MATH, " is fitted to "]
        for i, (a, b) in enumerate(zip(self.x[:6], self.y[:6])):
            parts += [", " if i else "", "(", Eq(NX, a), ", ", Eq(NY, b), ")"]
        if len(self.x) > 6:
            parts.append(", ...")
        parts += [" with ", NEURON_LOSS_MATH if self.loss == "mse" else "the cross-entropy loss"]
        if len(self.x) > 1:
            parts.append(" summed over the points")
        return Rich(*parts)


@functools.lru_cache(maxsize=64)
def _sum_rule(param: str, k: int):
    """dL/dparam = dL_1/dparam + ... + dL_k/dparam: the per-point terms as symbols, and their sum."""
    terms = tuple(sym(f"dL_{i}/d{param}", r"\frac{\partial L_{%d}}{\partial %s}" % (i, param)) for i in range(1, k + 1))
    return terms, sp.Add(*terms, evaluate=False)


def _sum_step(s: "StepCtx", param: str, lhs: sp.Symbol, values):
    terms, rule = _sum_rule(param, len(values))
    return s.compute("Sum over the data points", lhs, rule, dict(zip(terms, values)), param_shaped=False)
