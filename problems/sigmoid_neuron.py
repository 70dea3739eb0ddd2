"""Sigmoid neuron by gradient descent: dL/dw = dL/dy_hat * dy_hat/dz * dz/dw with y_hat = sigmoid(w x + b).

Exam question: "A sigmoid neuron y_hat = sigma(w x + b) is fitted to (x = 0, y = 1) with the loss
L = 1/2 (y_hat - y)^2, starting from w = 2, b = 1. Update the parameters once with eta = 10 and compute
the new loss." (the course notes, week 2, question 47: the accepted range is 0.012 to 0.020; the new loss is
0.0159.) The input x may be a scalar or a vector (z = w^T x + b), and there may be several data points
(the gradients of the points are summed, as the course notes' eq. 9 does) and several full-batch steps (the
course notes' `do_gradient_descent`, week 4: 1000 epochs on X = [0.5, 2.5], Y = [0.2, 0.9]).

Each step shows the forward pass (z, y_hat, the loss), the three chain-rule factors dL/dy_hat,
dy_hat/dz = y_hat (1 - y_hat) and dz/dw = x (dz/db = 1) as formula -> substitution -> value, their
product, the update w <- w - eta dL/dw, b <- b - eta dL/db, and finally the new loss.

Parameter: the loss, squared error or cross-entropy L = -(y ln y_hat + (1 - y) ln(1 - y_hat)) (for
which dL/dz = y_hat - y). Conventions: whether the squared error carries the factor 1/2 (the course
notes and the handwritten notes do; the introductory slides' "error = (y - y_hat)^2" does not), and
whether the loss of several points is their sum (the course notes) or their mean.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from solver.conventions import Convention
from solver import format as F
from solver.errata import Erratum
from solver.params import Choice, Int, InvalidInput, Matrix, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.functions import sigmoid
from solver.symbolic import Derivation, make_answer, sym

from ._nets import matrix_step, mp_apply, np_sigmoid, plain, sigmoid_pair, tidy, to_mpf

TITLE = "Sigmoid neuron: chain rule and gradient descent"
TOPIC = "neurons"
KEYWORDS = ("sigmoid neuron", "logistic neuron", "gradient descent", "chain rule", "squared error", "cross-entropy",
            "new loss", "backpropagation", "single neuron", "logistic sigmoid", "fit the pair", "sigmoid function")

# ---- the rule, written once -------------------------------------------------------------------------
w, x, b, z, y = sym("w"), sym("x"), sym("b"), sym("z"), sym("y")
y_hat, eta = sym("y_hat", r"\hat{y}"), sym("eta", r"\eta")
dL_dyh = sym("dL/dy_hat", r"\frac{\partial L}{\partial \hat{y}}")
dyh_dz = sym("dy_hat/dz", r"\frac{\partial \hat{y}}{\partial z}")
dz_dw, dz_db = sym("dz/dw", r"\frac{\partial z}{\partial w}"), sym("dz/db", r"\frac{\partial z}{\partial b}")
dL_dz = sym("dL/dz", r"\frac{\partial L}{\partial z}")
dL_dw, dL_db = sym("dL/dw", r"\frac{\partial L}{\partial w}"), sym("dL/db", r"\frac{\partial L}{\partial b}")
L, L_i = sym("L"), sym("L_i")
w_new, b_new = sym("w_new", r"w_{\text{new}}"), sym("b_new", r"b_{\text{new}}")

with sp.evaluate(False):  # keep the order the notes write
    Z = w * x + b                                                       # the course notes: sigma(w x + b)
    YHAT = sigmoid(z)
    LOSS = {"half": sp.Rational(1, 2) * (y_hat - y) ** 2,               # the course notes: L = 0.5 (y_hat - y)^2
            "plain": (y_hat - y) ** 2,                                  # the introductory slides: error = (y - y_hat)^2
            "ce": -(y * sp.log(y_hat) + (1 - y) * sp.log(1 - y_hat))}
    DL_DYHAT = {"half": y_hat - y, "plain": 2 * (y_hat - y), "ce": -y / y_hat + (1 - y) / (1 - y_hat)}
    DYHAT_DZ = y_hat * (1 - y_hat)                                      # sigma'(z) = sigma(z) (1 - sigma(z))
    CHAIN_W = sp.Mul(dL_dyh, dyh_dz, dz_dw)
    CHAIN_B = sp.Mul(dL_dyh, dyh_dz, dz_db)
    UPDATE_W = w - eta * dL_dw
    UPDATE_B = b - eta * dL_db


@lru_cache(maxsize=16)
def _z_vector(d: int) -> tuple[sp.Expr, tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    """z = w_1 x_1 + ... + w_d x_d + b for a d-dimensional input (built once per dimension)."""
    ws = tuple(sym(f"w_{j}", f"w_{{{j}}}") for j in range(1, d + 1))
    xs = tuple(sym(f"x_{j}", f"x_{{{j}}}") for j in range(1, d + 1))
    with sp.evaluate(False):
        expr = sp.Add(*[sp.Mul(wj, xj) for wj, xj in zip(ws, xs)], b)
    return expr, ws, xs


SQUARED = Convention(
    "squared_error", "Factor 1/2 in the squared error",
    {"half": "squared error L = 1/2 (y_hat - y)^2, so dL/dy_hat = y_hat - y (the course notes and the handwritten notes)",
     "plain": "squared error L = (y_hat - y)^2, so dL/dy_hat = 2 (y_hat - y) (the introductory slides' error (y - y_hat)^2)"},
    default="half", why_default="the notes' sigmoid-neuron question (the course notes, week 2) uses L = 0.5 (y_hat - y)^2",
    sources={"half": "the course notes, week 2 (L = ½ (ŷ − y)²); Bishop, Pattern Recognition and Machine Learning, §5.2",
             "plain": "the introductory slides (error = (y − ŷ)²); PyTorch's torch.nn.MSELoss(reduction='sum')"},
    paper={"half": "Use the squared error with the factor ½: L = ½ (ŷ − y)², so ∂L/∂ŷ = ŷ − y.",
           "plain": "Use the squared error without a factor ½: L = (ŷ − y)², so ∂L/∂ŷ = 2 (ŷ − y)."},
    aliases={"1/2": "half", "0.5": "half", "none": "plain", "no-half": "plain"},
    cues={"half": ("0.5 * (y_hat - y)^2", "0.5 (y_hat - y)^2", "1/2 (y_hat - y)^2", "(1/2)(y_hat - y)^2",
                   "0.5(y - y_hat)^2", "1/2 (y - y_hat)^2"),
          "plain": ("(y_hat - y)^2", "(y - y_hat)^2")})
REDUCTION = Convention(
    "reduction", "Loss of several data points",
    {"sum": "the loss (and so the gradient) of several points is the sum over the points (the course notes, eq. 9)",
     "mean": "the loss (and so the gradient) of several points is the mean over the points"},
    default="sum", why_default="the course notes sum the gradients of the points (eq. 9 and do_gradient_descent)",
    sources={"sum": "the course notes, week 2 (eq. 9) and week 4 (do_gradient_descent)",
             "mean": "PyTorch's loss functions (reduction='mean', the default); Goodfellow et al., Deep Learning, ch. 5"},
    paper={"sum": "The loss of several points is the sum of their losses (so are the gradients).",
           "mean": "The loss of several points is the mean of their losses (so are the gradients)."},
    cues={"mean": ("mean over the points", "averaged over the points", "mean of the losses"),
          "sum": ("summed over the points", "sum over the points", "sum of the losses")})
CONVENTIONS = (SQUARED, REDUCTION)

PARAMS = (
    Param("x", Matrix(max_rows=100_000, max_cols=100, lo=-10 ** 6, hi=10 ** 6), required=True, label="Inputs x",
          help="one data point per row, e.g. 0 for the single point x = 0, or 22 1 for one point with two inputs; "
               "with a single weight, a list such as 0.5 2.5 is two points",
          aliases=("x", "input", "inputs", "the input")),
    Param("y", Vector(max_len=100_000, lo=-10 ** 6, hi=10 ** 6), label="Targets y",
          help="one target per data point (in [0, 1] for cross-entropy); leave empty for the neuron's output only",
          aliases=("y", "ground truth", "target", "true output", "label", "desired output", "the output")),
    Param("w", Vector(max_len=100, lo=-10 ** 6, hi=10 ** 6), required=True, label="Initial weight w",
          help="one weight per input, e.g. 2, or 1 1 for two inputs",
          aliases=("w", "weight", "w_0", "initial weight", "weights")),
    Param("b", Real(-10 ** 6, 10 ** 6), default="0", label="Initial bias b",
          aliases=("b", "bias", "b_0", "initial bias")),
    Param("eta", Real(0, 10 ** 6, closed="right"), default="1", label="Learning rate eta",
          aliases=("learning rate", "learning-rate", "step size", "eta", "η", "lr", "alpha", "α")),
    # up to 1e5 steps on the NumPy path (a Python iteration each); up to 1e7 where the whole run is one compiled
    # call in bounded time (the optimizers' accelerator; validate checks)
    Param("steps", Int(0, 10 ** 7), default="1", label="Gradient-descent steps",
          help="full-batch updates (epochs); 0 computes the forward pass and the gradients only (at most 100000; up "
               "to 10000000 for a few points with the compiled loops installed)",
          aliases=("steps", "updates", "epochs", "times", "iterations", "gradient steps")),
    Param("loss", Choice({"mse": "squared error (with or without the 1/2: see the conventions)",
                          "ce": "cross-entropy -(y ln y_hat + (1 - y) ln(1 - y_hat))"},
                         aliases={"squared": "mse", "se": "mse", "squared_error": "mse", "bce": "ce",
                                  "cross_entropy": "ce", "cross-entropy": "ce", "log": "ce"}),
          default="mse", label="Loss",
          cues={"mse": ("squared error", "mean square error", "mean squared error", "mse", "squared-error"),
                "ce": ("cross-entropy", "cross entropy", "log loss", "binary cross-entropy")}),
)

ERRATA = (
    Erratum(where="the course notes, week 2 (the sigmoid neuron fitted to x = 0, y = 1)",
            params={"x": "0", "y": "1", "w": "2", "b": "1"},
            wrote="y_hat = 1 / (1 + exp(-(-wx + b))) in the worked solution",
            right="the model is y_hat = sigma(w x + b), with +w x",
            why="the slip is harmless here because x = 0, so both give y_hat = sigma(1) = {y_hat}"),
    Erratum(where="the course notes, week 2 (the sigmoid neuron fitted to x = 0, y = 1)",
            params={"x": "0", "y": "1", "w": "2", "b": "1", "eta": "10", "steps": "1", "loss": "mse"},
            conventions={"squared_error": "half"}, kind="remark", title="The range the notes accept",
            wrote="that a new loss from 0.012 to 0.020 is accepted (three significant figures)",
            right="the new loss here, {new_loss}, is inside that range"),
    Erratum(where="the introductory slides (the insurance example: age 22, affordability 1)",
            params={"x": "22 1", "y": "0", "w": "1 1", "b": "0"}, conventions={"squared_error": "plain"},
            wrote="y_hat = 0.99 for z = 23 and the error (0 - 0.99)^2 = 0.9801",
            right="in fact sigma(23) = 0.9999999999 (1 - sigma(23) = 1.03e-10), so the error is {loss}, not 0.9801",
            why="rounding y_hat to 0.99 before squaring loses it, so keep full precision until the end; the slides' "
                "'z = 11 + e^-23' is a garbled 1 / (1 + e^-23) as well"),
)

EXAMPLE = Example(
    params={"x": "0", "y": "1", "w": "2", "b": "1", "eta": "10", "steps": "1"},
    source="the course notes, week 2, question 47",
)

DETAIL_STEPS = 3      # gradient-descent steps shown in full
DETAIL_POINTS = 4     # data points shown in full within a step
TABLE_ROWS = 40       # trace rows shown before eliding the middle


# ---- input --------------------------------------------------------------------------------------------
def _data(p):
    """(X as rows of d entries, y, w) with a single row of n values read as n scalar points when w has one entry."""
    X = p["x"]
    n_w = len(p["w"])
    rows, cols = (X.shape if isinstance(X, np.ndarray) else (len(X), len(X[0])))
    if cols != n_w and n_w == 1 and rows == 1:
        X = X.reshape(-1, 1) if isinstance(X, np.ndarray) else tuple((v,) for v in X[0])
    return X


def validate(p: dict[str, Any]) -> None:
    X = _data(p)
    rows, cols = (X.shape if isinstance(X, np.ndarray) else (len(X), len(X[0])))
    d = len(p["w"])
    if cols != d:
        raise InvalidInput("x", f"The 'x' parameter of sigmoid_neuron must have {d} entr{'y' if d == 1 else 'ies'} per point "
                                f"(one per weight in w). Got {cols} instead.")
    _check_steps(p["steps"], rows, cols)
    if p["y"] is None:
        return
    if len(p["y"]) != rows:
        raise InvalidInput("y", f"The 'y' parameter of sigmoid_neuron must have one target per data point ({rows}). "
                                f"Got {len(p['y'])} instead.")
    if p["loss"] == "ce":
        ys = np.asarray([float(v) for v in (p["y"].tolist() if isinstance(p["y"], np.ndarray) else p["y"])])
        if np.any(ys < 0) or np.any(ys > 1):
            raise InvalidInput("y", "The 'y' parameter of sigmoid_neuron must hold targets in [0, 1] for the "
                                    f"cross-entropy loss. Got {F.text(as_exact(p['y'])[int(np.argmax((ys < 0) | (ys > 1)))])} instead.")


def _check_steps(steps: int, rows: int, cols: int) -> None:
    """More than 100000 steps only as one compiled call (the optimizers' accelerator) whose estimated time stays
    within what one run may take."""
    from ._optim import accel   # here: importing the optimizers' package is not the small solve's business
    if steps <= accel.STEPS_NUMPY:
        return
    if not accel.available():
        why = f"a longer run (up to {accel.STEPS_COMPILED}) needs the optional compiled loops (pip install 'stepwise[fast]')"
    else:
        most = min(accel.STEPS_COMPILED, int(accel.RUN_SECONDS / accel.neuron_seconds(rows, cols, 1)))
        if steps <= most:
            return
        if most > accel.STEPS_NUMPY:
            raise InvalidInput("steps", f"The 'steps' parameter of sigmoid_neuron must be at most {most} for {rows} "
                                        f"data point{'s' if rows > 1 else ''} of dimension {cols}: a longer run takes "
                                        f"more than the time one run may take. Got {steps} instead.")
        why = f"{rows} data points make a longer run take more than the time one run may take"
    raise InvalidInput("steps", "The 'steps' parameter of sigmoid_neuron " + accel.too_long(steps, why))


def use_numeric(p) -> bool:
    X = _data(p)
    rows, cols = (X.shape if isinstance(X, np.ndarray) else (len(X), len(X[0])))
    return any(isinstance(p[k], np.ndarray) for k in ("x", "y", "w")) or rows * (cols + 1) * max(p["steps"], 1) > 20_000


def _loss_key(p, conv) -> str:
    return "ce" if p["loss"] == "ce" else conv["squared_error"]


def _fmt_point(v) -> str:
    return F.text(v[0]) if len(v) == 1 else F.text(tuple(v))


def _model(d: int):
    if d == 1:
        with sp.evaluate(False):
            return Eq(y_hat, sigmoid(Z))
    return Math(r"\hat{y} = \sigma\left(\mathbf{w}^{\top}\mathbf{x} + b\right)", "ŷ = σ(wᵀx + b)")


def _w_value(ws):
    return ws[0] if len(ws) == 1 else tuple(ws[:12])


def statement(p) -> Rich:
    ws = as_exact(p["w"])
    d = len(ws)
    more = ", …" if d > 12 else ""
    if p["y"] is None:
        X = as_exact(_data(p)[:8])
        n = len(_data(p))
        xs: list = []
        for i, r in enumerate(X):
            xs += [", " if i else "", Eq(x, r[0] if len(r) == 1 else tuple(r))]
        return Rich("A sigmoid neuron ", _model(d), " has the weight ", Eq(w, _w_value(ws)), more, " and the bias ",
                    Eq(b, p["b"]), ". What is its output for ", *xs, " …" if n > 8 else "", "?")
    X, ys = as_exact(_data(p)[:8]), as_exact(p["y"][:8])
    n = len(p["y"])
    pts: list = []
    for i, (r, t) in enumerate(zip(X, ys)):
        pts += [", " if i else "", "(", Eq(x, r[0] if len(r) == 1 else tuple(r)), ", ", Eq(y, t), ")"]
    loss = ["the squared-error loss"] if p["loss"] == "mse" else ["the cross-entropy loss ", Eq(L, LOSS["ce"])]
    if p["steps"] == 0:
        ask = ["Compute the prediction, the loss and the gradients ", Math(r"\partial L / \partial w", "∂L/∂w"), " and ",
               Math(r"\partial L / \partial b", "∂L/∂b"), "."]
    else:
        times = "once" if p["steps"] == 1 else f"{p['steps']} times (full-batch gradient descent)"
        ask = [f"Update the parameters {times} with learning rate ", Eq(eta, p["eta"]), " and compute the new loss."]
    return Rich("A sigmoid neuron ", _model(d), " is fitted to ", *pts, " …" if n > 8 else "", " with ", *loss,
                " over all the points" if n > 1 else "", ". The weight is initialised to ", Eq(w, _w_value(ws)), more,
                " and the bias to ", Eq(b, p["b"]), ". ", *ask)


# ---- the exact path -------------------------------------------------------------------------------------
class _Point:
    """Forward and backward quantities of one data point at the current (w, b)."""

    def __init__(self, xv, yv, wv, bv, key):
        self.x, self.y = xv, yv
        self.z = tidy(sum((a * c for a, c in zip(wv, xv)), sp.Integer(0)) + bv)
        self.s, self.sc = sigmoid_pair(self.z)         # y_hat and 1 - y_hat, each to full precision
        if key == "ce":
            ls, lc = mp_apply(mpmath.log, self.s), mp_apply(mpmath.log, self.sc)
            self.loss = tidy(-(yv * ls + (1 - yv) * lc))
            self.dl_dyh = tidy(-yv / self.s + (1 - yv) / self.sc)
        else:
            e = tidy(self.s - yv)
            self.loss = tidy(e * e / 2 if key == "half" else e * e)
            self.dl_dyh = e if key == "half" else tidy(2 * e)
        self.dyh_dz = tidy(self.s * self.sc)
        self.dl_dz = tidy(self.s - yv) if key == "ce" else tidy(self.dl_dyh * self.dyh_dz)
        self.gw = tuple(tidy(self.dl_dz * a) for a in xv)
        self.gb = self.dl_dz
        # figures shown: enough that y_hat = sigma(23) = 0.9999999999 is not printed as 1 (None: the request's)
        self.sig = None if self.sc >= sp.Rational(1, 10 ** 5) else \
            max(F.working_sig(), min(15, 6 + int(-mpmath.log10(to_mpf(self.sc)))))


def _forward(X, ys, wv, bv, key):
    return [_Point(r, t, wv, bv, key) for r, t in zip(X, ys)]


def _reduce(values, mean: bool):
    tot = sum(values, sp.Integer(0))
    return tidy(tot / len(values) if mean else tot)


def _reduce_vec(vectors, mean: bool):
    return tuple(_reduce([v[j] for v in vectors], mean) for j in range(len(vectors[0])))


def _z_step(d: Derivation, pt: _Point, wv, bv, title: str):
    if len(wv) == 1:
        return d.compute(title, z, Z, {w: wv[0], x: pt.x[0], b: bv}, value=pt.z)
    expr, ws, xs = _z_vector(len(wv))
    vals = {**dict(zip(ws, wv)), **dict(zip(xs, pt.x)), b: bv}
    return d.compute(title, z, expr, vals, value=pt.z)


def _point_steps(d: Derivation, pt: _Point, wv, bv, key: str, label: str, first: bool):
    """Forward pass and chain-rule factors of one point, each as formula -> substitution -> value."""
    _z_step(d, pt, wv, bv, f"Pre-activation{label}")
    sig = pt.sig
    d.compute(f"Prediction{label}", y_hat, YHAT, {z: pt.z}, value=pt.s, sig=sig,
              text="sigma(z) = 1 / (1 + e^(-z))." if first else "")
    d.compute(f"Loss{label}", L_i, LOSS[key], {y_hat: pt.s, y: pt.y}, value=pt.loss, sig=sig)
    d.compute(f"dL/dy_hat{label}", dL_dyh, DL_DYHAT[key], {y_hat: pt.s, y: pt.y}, value=pt.dl_dyh, sig=sig,
              text="Differentiate the loss with respect to the prediction." if first else "")
    d.compute(f"dy_hat/dz{label}", dyh_dz, DYHAT_DZ, {y_hat: pt.s}, value=pt.dyh_dz, sig=sig,
              text="The sigmoid's derivative: sigma'(z) = sigma(z) (1 - sigma(z))." if first else "")
    xval = pt.x[0] if len(pt.x) == 1 else tuple(pt.x)
    d.compute(f"dL/dw = dL/dy_hat * dy_hat/dz * dz/dw{label}", dL_dw, CHAIN_W,
              {dL_dyh: pt.dl_dyh, dyh_dz: pt.dyh_dz, dz_dw: xval}, value=pt.gw[0] if len(pt.gw) == 1 else pt.gw,
              text="Chain rule; dz/dw = x." if first else "")
    d.compute(f"dL/db = dL/dy_hat * dy_hat/dz * dz/db{label}", dL_db, CHAIN_B,
              {dL_dyh: pt.dl_dyh, dyh_dz: pt.dyh_dz, dz_db: sp.Integer(1)}, value=pt.gb,
              text="Chain rule; dz/db = 1." if first else "")
    if key == "ce" and first:
        d.note("The cross-entropy shortcut", "For the cross-entropy the product dL/dy_hat * dy_hat/dz simplifies to "
                                             f"y_hat - y = {F.text(pt.dl_dz)}: the sigmoid's derivative cancels.")


def _sum_step(d: Derivation, name: str, tex: str, terms, total, mean: bool):
    """dL/dw = sum_i dL_i/dw (or the mean), written out."""
    n = len(terms)
    vec = isinstance(terms[0], tuple) and len(terms[0]) > 1
    def one(v):  # a vector, or the single number of a one-entry term
        return tuple(v) if vec else (v[0] if isinstance(v, tuple) else v)

    def fmt_t(v):
        return F.text(one(v), paren=True)

    def fmt_l(v):
        return F.latex(one(v), paren=True)
    shown = terms[:12]
    more_t, more_l = (" + ...", r" + \dots") if n > 12 else ("", "")
    pre_t, pre_l = (f"(1/{n}) (", r"\frac{1}{%d}\left(" % n) if mean else ("", "")
    post_t, post_l = (")", r"\right)") if mean else ("", "")
    sub = Math(pre_l + " + ".join(fmt_l(v) for v in shown) + more_l + post_l,
               pre_t + " + ".join(fmt_t(v) for v in shown) + more_t + post_t)
    form = Math((r"\frac{1}{n}" if mean else "") + r"\sum_{i} " + tex + "^{(i)}", ("(1/n) " if mean else "") + f"sum_i {name}_i")
    value = total if vec else (total[0] if isinstance(total, tuple) else total)
    return matrix_step(d, ("Mean" if mean else "Sum") + f" over the {n} points", Math(tex, name), form, sub, value)


def _output_only(p) -> Derivation:
    """No targets: the neuron's output y_hat = sigma(w.x + b) at each point, nothing to learn."""
    d = Derivation()
    X, wv, bv = as_exact(_data(p)), tuple(as_exact(p["w"])), p["b"]
    dim, n = len(wv), len(X)
    d.given("Parameters", text=f"w = {_fmt_point(wv)}, b = {F.text(bv)}; no target is given, so this is the forward "
                               "pass only (no loss, no gradient, no update).")
    d.formula("Sigmoid neuron", y_hat, sigmoid(Z if dim == 1 else _z_vector(dim)[0]),
              text="z = " + ("w x + b" if dim == 1 else "w^T x + b") + " is the pre-activation and "
                   "sigma(z) = 1 / (1 + e^(-z)).")
    zs, outs = [], []
    for i, r in enumerate(X):
        pt = _Point(r, sp.Integer(0), wv, bv, "half")
        zs.append(pt.z)
        outs.append(pt.s)
        if i < DETAIL_POINTS:
            label = "" if n == 1 else f" (x = {_fmt_point(r)})"
            _z_step(d, pt, wv, bv, f"Pre-activation{label}")
            d.compute(f"Output{label}", y_hat, YHAT, {z: pt.z}, value=pt.s, sig=pt.sig,
                      text="sigma(z) = 1 / (1 + e^(-z))." if i == 0 else "")
    if n > DETAIL_POINTS:
        d.note("The other points", f"Points {DETAIL_POINTS + 1} to {n} are computed the same way.")
    one = n == 1
    d.conclude("The neuron's output", answers=(make_answer("z", zs[0] if one else tuple(zs)),
                                               make_answer("y_hat", outs[0] if one else tuple(outs))))
    return d


def solve(p, conv) -> Derivation:
    if p["y"] is None:
        return _output_only(p)
    d = Derivation()
    key, mean = _loss_key(p, conv), conv["reduction"] == "mean"
    X, ys = as_exact(_data(p)), tuple(as_exact(p["y"]))
    wv, bv, lr, T = tuple(as_exact(p["w"])), p["b"], p["eta"], p["steps"]
    n, dim = len(ys), len(wv)

    d.given("Data", text="; ".join(f"x{i + 1} = {_fmt_point(r)}, y{i + 1} = {F.text(t)}"
                                    for i, (r, t) in enumerate(zip(X[:20], ys[:20]))) + (" ..." if n > 20 else ""))
    d.given("Initial parameters", text=f"w = {_fmt_point(wv)}, b = {F.text(bv)}, learning rate eta = {F.text(lr)}")
    d.formula("Sigmoid neuron", y_hat, sigmoid(Z if dim == 1 else _z_vector(dim)[0]),
              text="z = " + ("w x + b" if dim == 1 else "w^T x + b = " + " + ".join(f"w_{j} x_{j}" for j in range(1, dim + 1)) + " + b")
                   + " is the pre-activation and sigma(z) = 1 / (1 + e^(-z)).")
    loss_name = {"half": "squared error with 1/2", "plain": "squared error (no 1/2)", "ce": "cross-entropy"}[key]
    d.formula(f"Loss: {loss_name}", L_i, LOSS[key],
              text=(f"The loss of the {n} points is the {'mean' if mean else 'sum'} of the per-point losses L_i." if n > 1 else ""))
    d.formula("Chain rule", dL_dw, CHAIN_W, text="Each gradient is a product of three local derivatives: "
              "dL/dy_hat (the loss), dy_hat/dz = y_hat (1 - y_hat) (the sigmoid) and dz/dw = x (dz/db = 1).")
    d.formula("Gradient-descent update", w_new, UPDATE_W, text="Both parameters move against their gradient at the current "
                                                               "(w, b): w_new = w - eta dL/dw and b_new = b - eta dL/db.")
    _saturation_note(d, X, wv, bv)

    rows = []
    start = None
    cur_w, cur_b = wv, bv
    for t in range(1, max(T, 1) + 1):
        pts = _forward(X, ys, cur_w, cur_b, key)
        loss = _reduce([q.loss for q in pts], mean)
        gw = _reduce_vec([q.gw for q in pts], mean)
        gb = _reduce([q.gb for q in pts], mean)
        detail = t <= DETAIL_STEPS
        if detail:
            title = "Forward pass and gradients" if T <= 1 else f"Step {t}: forward pass and gradients at w = {_fmt_point(cur_w)}, b = {F.text(cur_b)}"
            with d.group(title):
                for i, q in enumerate(pts[:DETAIL_POINTS]):
                    label = f" (point {i + 1})" if n > 1 else ""
                    _point_steps(d, q, cur_w, cur_b, key, label, first=(t == 1 and i == 0))
                if n > DETAIL_POINTS:
                    d.note("The other points", f"Points {DETAIL_POINTS + 1} to {n} are computed the same way; the sums below "
                                               "include them all.")
                if n > 1:
                    _sum_step(d, "L", "L", [q.loss for q in pts], loss, mean)
                    _sum_step(d, "dL/dw", r"\frac{\partial L}{\partial w}", [q.gw for q in pts], gw, mean)
                    _sum_step(d, "dL/db", r"\frac{\partial L}{\partial b}", [q.gb for q in pts], gb, mean)
        if t == 1:
            start = (pts, loss, gw, gb)
            _start_answers(d, pts, loss, gw, gb, dim)
        if T == 0:
            break
        gw_show = gw[0] if dim == 1 else gw
        wv_show = cur_w[0] if dim == 1 else cur_w
        new_w = tuple(tidy(a - lr * g) for a, g in zip(cur_w, gw))
        new_b = tidy(cur_b - lr * gb)
        if detail:
            with d.group(f"Update{'' if T == 1 else f' {t}'}", kind="update"):
                d.compute("Update the weight", w_new, UPDATE_W, {w: wv_show, eta: lr, dL_dw: gw_show},
                          value=new_w[0] if dim == 1 else new_w, kind="update")
                d.compute("Update the bias", b_new, UPDATE_B, {b: cur_b, eta: lr, dL_db: gb}, value=new_b, kind="update")
        rows.append((t, cur_w, cur_b, loss, gw, gb, new_w, new_b))
        cur_w, cur_b = new_w, new_b

    if T > DETAIL_STEPS:
        d.note("Later steps", f"Steps {DETAIL_STEPS + 1} to {T} repeat the same computation; the table lists them.")
    if rows and T > 1:
        _trace_table(d, rows, dim)

    if T >= 1:
        pts = _forward(X, ys, cur_w, cur_b, key)
        new_loss = _reduce([q.loss for q in pts], mean)
        with d.group("The new loss", text=f"The forward pass again, at w = {_fmt_point(cur_w)}, b = {F.text(cur_b)}."):
            for i, q in enumerate(pts[:DETAIL_POINTS]):
                label = f" (point {i + 1})" if n > 1 else ""
                _z_step(d, q, cur_w, cur_b, f"Pre-activation{label}")
                d.compute(f"Prediction{label}", y_hat, YHAT, {z: q.z}, value=q.s, sig=q.sig)
                d.compute(f"Loss{label}", L_i, LOSS[key], {y_hat: q.s, y: q.y}, value=q.loss, sig=q.sig)
            if n > 1:
                _sum_step(d, "L", "L", [q.loss for q in pts], new_loss, mean)
        y_new = pts[0].s if n == 1 else tuple(q.s for q in pts)
        d.conclude(f"After {T} step{'s' if T > 1 else ''}",
                   text=f"The loss went from {F.text(start[1])} to {F.text(new_loss)}.",
                   answers=(make_answer("w", cur_w[0] if dim == 1 else cur_w), make_answer("b", cur_b),
                            make_answer("y_hat_new", y_new), make_answer("new_loss", new_loss)),
                   value=F.equals(Math("L", "new loss"), new_loss))
    d.extras["trace"] = [{"t": r[0], "w": plain(r[1]), "b": plain(r[2]), "loss": plain(r[3]), "grad_w": plain(r[4]),
                          "grad_b": plain(r[5])} for r in rows[:1000]]
    return d


def _start_answers(d: Derivation, pts, loss, gw, gb, dim):
    n = len(pts)
    zv = pts[0].z if n == 1 else tuple(q.z for q in pts)
    yv = pts[0].s if n == 1 else tuple(q.s for q in pts)
    gwv = gw[0] if dim == 1 else gw
    d.conclude("At the initial parameters",
               text=f"Prediction{'s' if n > 1 else ''} y_hat = {F.text(yv)}, "
                    f"loss L = {F.text(loss)}, gradients dL/dw = {_fmt_point(gw)} and dL/db = {F.text(gb)}.",
               answers=(make_answer("z", zv), make_answer("y_hat", yv), make_answer("loss", loss),
                        make_answer("grad_w", gwv), make_answer("grad_b", gb)))


def _trace_table(d: Derivation, rows, dim):
    """One row per step, every entry an answer: `loss@t=3`, `w@t=2` (before step 2), `w_new@t=2` (after it)."""
    def cell(v):
        return v[0] if isinstance(v, tuple) and len(v) == 1 else v

    elided = len(rows) > TABLE_ROWS
    shown = rows[:TABLE_ROWS - 5] + rows[-5:] if elided else rows
    body = [tuple(cell(v) for v in r) for r in shown]
    cols = [Math("t", "t"), Math("w", "w"), Math("b", "b"), Math("L", "L"), Math(r"\frac{\partial L}{\partial w}", "dL/dw"),
            Math(r"\frac{\partial L}{\partial b}", "dL/db"), Math(r"w_{\text{new}}", "w_new"), Math(r"b_{\text{new}}", "b_new")]
    d.table("Gradient-descent trace", cols, body,
            text="One row per full-batch step: the parameters, the loss and the gradients before the step, and the "
                 "parameters after it." + (f" Rows {TABLE_ROWS - 4} to {len(rows) - 5} are elided." if elided else ""),
            keys=("t", "w", "b", "loss", "grad_w", "grad_b", "w_new", "b_new"), index=("t",))


def _saturation_note(d, X, wv, bv):
    zs = [tidy(sum((a * c for a, c in zip(wv, r)), sp.Integer(0)) + bv) for r in X[:DETAIL_POINTS]]
    if any(abs(v) > sp.log(99) for v in zs):
        d.note("A saturated neuron", "At least one pre-activation has |z| > 4.6, so y_hat is within 0.01 of 0 or 1 and "
                                     "dy_hat/dz = y_hat (1 - y_hat) is below 0.01: the sigmoid saturates and learns slowly. "
                                     "Round y_hat only at the end: 0.99 and 0.9999999999 give very different losses.")


# ---- the numeric path ----------------------------------------------------------------------------------
def _np_state(X, yv, wv, bv, key, mean):
    zv = X @ wv + bv
    s, sc = np_sigmoid(zv), np_sigmoid(-zv)
    if key == "ce":
        # -(y ln s + (1 - y) ln(1 - s)) = y softplus(-z) + (1 - y) softplus(z): finite for a saturated unit, where
        # s or 1 - s rounds to 0 (and no term cancels another)
        lv = yv * np.logaddexp(0.0, -zv) + (1 - yv) * np.logaddexp(0.0, zv)
        dz = s - yv
    else:
        e = s - yv
        lv = 0.5 * e * e if key == "half" else e * e
        dz = (e if key == "half" else 2 * e) * s * sc
    red = (lambda a, **k: a.mean(**k)) if mean else (lambda a, **k: a.sum(**k))
    return zv, s, red(lv), red(dz[:, None] * X, axis=0), red(dz)


def solve_numeric(p, conv) -> Derivation:
    d = Derivation()
    key, mean = _loss_key(p, conv), conv["reduction"] == "mean"
    X = as_float(_data(p))
    if p["y"] is None:
        zv = X @ as_float(p["w"]) + float(p["b"])
        s = np_sigmoid(zv)
        d.note("Numeric path", f"{X.shape[0]} points of dimension {X.shape[1]}: the output only (no target), in float64 "
                               "NumPy.")
        one = X.shape[0] == 1
        d.conclude("The neuron's output", answers=(make_answer("z", zv[0] if one else tuple(zv)),
                                                   make_answer("y_hat", s[0] if one else tuple(s))))
        return d
    yv, wv, bv = as_float(p["y"]), as_float(p["w"]).copy(), float(p["b"])
    lr, T = float(p["eta"]), p["steps"]
    n, dim = X.shape
    zv, s, loss, gw, gb = _np_state(X, yv, wv, bv, key, mean)
    one = n == 1
    from ._optim import accel   # here: importing the optimizers' package is not the small solve's business
    J = accel.jit() if T >= accel.LOOP_MIN else None   # a long run: every step in one compiled call
    how = ("in float64 as one compiled loop (Numba)" if J is not None else "in float64 NumPy")
    d.note("Numeric path", f"{n} data point{'s' if n > 1 else ''} of dimension {dim} and {T} full-batch step{'s' if T != 1 else ''} "
                           f"computed {how}; the per-point steps are not shown.")
    d.conclude("At the initial parameters",
               answers=(make_answer("z", zv[0] if one else tuple(zv)), make_answer("y_hat", s[0] if one else tuple(s)),
                        make_answer("loss", loss),
                        make_answer("grad_w", gw[0] if dim == 1 else tuple(gw)), make_answer("grad_b", gb)))
    if T == 0:
        return d
    if J is not None:
        with np.errstate(all="ignore"):
            bv = float(J.neuron_loop(np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(yv, dtype=np.float64),
                                     wv, bv, lr, T, ("half", "plain", "ce").index(key), mean))
    for _ in range(T if J is None else 0):
        _, _, _, gw, gb = _np_state(X, yv, wv, bv, key, mean)
        wv = wv - lr * gw
        bv = bv - lr * gb
    _, s, new_loss, _, _ = _np_state(X, yv, wv, bv, key, mean)
    d.conclude(f"After {T} step{'s' if T > 1 else ''}",
               answers=(make_answer("w", wv[0] if dim == 1 else tuple(wv)), make_answer("b", bv),
                        make_answer("y_hat_new", s[0] if one else tuple(s)),
                        make_answer("new_loss", new_loss)))
    return d


def generate(rng: np.random.Generator) -> dict:
    """1 to 3 points with 1 or 2 inputs, small decimal weights, 1 to 3 steps; squared error or cross-entropy."""
    # well posed for any draw: targets are in [0, 1], so both losses are defined; resample a neuron whose
    # initial gradient is exactly zero (nothing to learn).
    while True:
        n, dim = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        X = (rng.integers(-6, 7, size=(n, dim)) / 2).tolist()
        yv = rng.integers(0, 2, size=n).tolist()
        wv = (rng.integers(-4, 5, size=dim) / 2).tolist()
        bv = float(rng.integers(-4, 5) / 2)
        loss = str(rng.choice(["mse", "ce"]))
        if not any(any(r) for r in X) and bv == 0:
            continue
        return {"x": [[float(v) for v in r] for r in X], "y": [int(v) for v in yv], "w": [float(v) for v in wv], "b": bv,
                "eta": float(rng.choice([0.1, 0.5, 1.0, 2.0])), "steps": int(rng.integers(1, 4)), "loss": loss}
