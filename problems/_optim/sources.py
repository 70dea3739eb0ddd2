"""Sources of gradients: what g_t is at a point, on the exact path (as steps) and the numeric path (float64).

- `GradsSource`: the gradient at each step is given (one row per step; a single row repeats);
- `LossSource`: a loss expression differentiated with SymPy (separable when one variable applies to every
  parameter: L = sum of f(w_i));
- `NeuronSource`: the course notes' sigmoid neuron y_hat = sigmoid(w x + b) on data x, y, its loss (squared
  error or cross-entropy) summed over the points.
Each gives `exact(s, point, i)` (the gradient as compute steps on the step context), `numeric(point, i)`, the
loss where it has one, and `describe()` for the statement.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import functools
from typing import Any

import numpy as np
import sympy as sp

from solver.functions import sigmoid
from solver.steps import Math, Step
from solver.symbolic import Derivation, evaluate, latex, number_latex, number_text, numpy_function, sym

from .rules import G, G_RAW
from .specs import ParsedLoss

if TYPE_CHECKING:  # annotations only: the step contexts import this module
    from .exact import StepCtx

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
