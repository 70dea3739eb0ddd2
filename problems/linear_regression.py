"""Least squares: setting dL/dtheta = X^T X theta - X^T y to 0 gives the normal equations theta = (X^T X)^-1 X^T y.

Exam questions: "Fit y = a x + b by least squares" (the introductory slides: (2, -0.5), (3, 0), (5, 1), (7, 2), (9, 3)
give y = 0.5 x - 1.5), with the matrix-derivative derivation of the handwritten notes (L(theta) =
1/2 (y - X theta)^T (y - X theta), expand, d(a^T theta)/d theta = a, d(theta^T A theta)/d theta = (A + A^T)
theta); "Do one epoch of batch gradient descent on the sum of squared errors from a = 0.45, b = 0.75
with learning rate 0.01; fill in the table" (the optimization notes); "What is the squared error of
these weights on this data?" (the introductory slides' house prices; the handwritten notes' (6 - 7)^2 = 1
and (1 - 7)^2 = 36).

The design matrix X_hat is X with a column of ones (with `intercept`); one row per data point. Methods:
`normal` (exact normal equations; "undefined" when X^T X is singular, i.e. the columns of X_hat are
linearly dependent and the minimiser is not unique), `gd` (batch gradient descent: every epoch uses all
points, theta <- theta - lr dL/dtheta), `evaluate` (predictions, residuals, loss and gradient of a given
theta). TOPIC is "neurons": linear regression is the single linear neuron y_hat = theta^T x_hat that the
notes study just before sigmoid neurons and networks, trained by the same gradient rule.

Conventions: where the intercept sits in theta (first, theta_0 with x_0 = 1, as the course notes and the
optimization notes' Y_P = a + b x; or last, as the handwritten notes' x_hat = [x, 1]); the loss (1/2 sum of
squares, the handwritten notes and the optimization notes; the plain sum; or the mean, the introductory
slides). The loss scale does not change the least-squares theta, but it scales the gradient and therefore
every gradient-descent step.

The notes slip twice (ERRATA): the optimization notes head the dSSE/da column "(y - Y_P)" where it is
-(y - Y_P), and the introductory slides write error1 = y - y_hat = 1133 where y - y_hat = 70 - 1203 = -1133.
The slides' "anyone above 42 buys insurance" is not reproducible from the 15 rows they show: least squares
on them crosses 0.5 at age 43.857 (the `level` parameter computes it); their p = sigmoid(0.042 x - 1.53)
is a logistic model, a sigmoid neuron, not least squares.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver.conventions import Convention
from solver import format as F
from solver.errata import Erratum
from solver.params import Bool, Choice, Int, InvalidInput, Matrix, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich, unicode_name
from solver.steps import Math, Step
from solver.symbolic import Derivation, finish, latex, make_answer, sym

from ._nets import header, linear_form

TITLE = "Linear regression: normal equations and batch gradient descent"
TOPIC = "neurons"
KEYWORDS = ("least squares", "least-squares", "normal equations", "linear regression", "ols", "gradient descent", "sse",
            "mse", "design matrix", "matrix derivative", "residuals", "fit a line", "regression line", "line of best fit",
            "least-squares line", "fit the line")

# ---- the rules, written once ------------------------------------------------------------------------
_nc = {"commutative": False}
Xh, XhT, yv, th = (sym("X", r"\hat{X}", **_nc), sym("X^T", r"\hat{X}^{\top}", **_nc), sym("y", r"\mathbf{y}", **_nc),
                   sym("theta", r"\boldsymbol{\theta}", **_nc))
thT, yT = sym("theta^T", r"\boldsymbol{\theta}^{\top}", **_nc), sym("y^T", r"\mathbf{y}^{\top}", **_nc)
XtX, Xty = sym("(X^T X)", r"\hat{X}^{\top}\hat{X}", **_nc), sym("(X^T y)", r"\hat{X}^{\top}\mathbf{y}", **_nc)
L_, c_, eta, g_ = sym("L"), sym("c"), sym("lr", r"\eta"), sym("grad L", r"\nabla L")
with sp.evaluate(False):
    LOSS_MATRIX = c_ * (yT - thT * XhT) * (yv - Xh * th)                       # the handwritten notes
    LOSS_EXPANDED = c_ * sp.Add(sp.Mul(yT, yv), sp.Mul(-2, yT, Xh, th), sp.Mul(thT, XhT, Xh, th))  # y^T X theta: a scalar
    GRADIENT = c_ * sp.Add(sp.Mul(-2, XhT, yv), sp.Mul(2, XhT, Xh, th))           # d/dtheta of the above
    NORMAL_EQ = sp.Eq(XhT * Xh * th, XhT * yv)
    GRAM = XhT * Xh
    MOMENT = XhT * yv
    SOLUTION = XtX ** -1 * Xty
    INVERSE = XtX ** -1
    UPDATE = th - eta * g_

LOSS = Convention(
    "loss", "Which squared-error loss",
    {"half-sse": "L = 1/2 sum (y_i - y_hat_i)^2 (the handwritten notes and the optimization notes: the 1/2 cancels the 2 of the derivative)",
     "sse": "L = sum (y_i - y_hat_i)^2 (the plain sum of squared errors)",
     "mse": "L = 1/N sum (y_i - y_hat_i)^2 (mean squared error; the introductory slides)"},
    default="half-sse", why_default="the handwritten notes' derivation and the optimization notes' gradient-descent table use 1/2 sum",
    aliases={"1/2": "half-sse", "sum": "sse", "mean": "mse"},
    cues={"half-sse": ("1/2 sum", "half the sum of squared errors", "(1/2) sum"),
          "sse": ("sum of squared errors", "sse"), "mse": ("mean squared error", "mse", "1/n sum")})
INTERCEPT = Convention(
    "intercept_position", "Where the intercept sits in theta",
    {"first": "theta = (theta_0, theta_1, ...), the intercept first with x_0 = 1 (the course notes; the optimization notes' Y_P = a + b x)",
     "last": "theta = (..., b), the intercept last with x_hat = [x, 1] (the handwritten notes)"},
    default="first", why_default="the bias-first layout of the perceptron (x_0 = 1) and of the optimization notes' table",
    cues={"last": ("intercept last", "bias last", "[x, 1]", "+ b (b the intercept)"),
          "first": ("intercept first", "x0 = 1", "θ₀ the intercept")})
CONVENTIONS = (LOSS, INTERCEPT)
LOSS_SHORT = {"half-sse": "L = 1/2 sum (y_i - y_hat_i)^2", "sse": "L = sum (y_i - y_hat_i)^2",
              "mse": "L = 1/N sum (y_i - y_hat_i)^2"}

METHODS = {"normal": "least squares by the normal equations (exact)",
           "gd": "batch gradient descent from theta for a number of epochs",
           "evaluate": "predictions, residuals, loss and gradient of a given theta"}

PARAMS = (
    Param("X", Matrix(max_rows=1_000_000, max_cols=50), required=True, label="Inputs",
          help="one row per data point (features only: the column of ones is added); for one feature a plain list "
               "such as 2 3 5 7 9 also works",
          aliases=("x", "X", "inputs", "features", "input", "feature")),
    Param("y", Vector(max_len=1_000_000), required=True, label="Targets", help="one target per data point",
          aliases=("y", "targets", "target", "labels", "outputs", "<last column>")),
    Param("intercept", Bool(), default="true", label="Intercept", help="add a column of ones (a bias term)",
          cues={"false": ("no intercept", "through the origin", "without intercept", "without an intercept"),
                     "true": ("intercept", "a + bx", "y = a + bx", "bias term")}),
    Param("method", Choice(METHODS), default="normal", label="Method",
          cues={"gd": ("gradient descent", "batch gradient descent", "epoch of gradient descent"),
                  "normal": ("normal equations", "normal equation", "closed form", "closed-form")}),
    Param("theta", Vector(max_len=51), label="theta (start or given)",
          help="for gd: the starting parameters (default zeros); for evaluate: the parameters; intercept placed as the "
               "intercept_position convention says",
          aliases=("theta", "θ", "parameters", "starting parameters", "initial parameters", "coefficients")),
    Param("lr", Real(0, None, closed="neither"), default="0.01", label="Learning rate",
          aliases=("learning rate", "learning-rate", "step size", "eta", "η", "lr", "alpha", "α")),
    Param("epochs", Int(1, 100_000), default="1", label="Epochs", help="full passes of batch gradient descent",
          aliases=("epochs", "epoch", "passes", "iterations")),
    Param("level", Real(), label="Level to reach",
          help="optional, one feature: the x at which the fitted line reaches this value (e.g. 0.5)",
          aliases=("level", "reaches", "threshold")),
)

ERRATA = (
    Erratum(where="the optimization notes (batch gradient descent on Y_P = a + b x: the table of the first epoch)",
            params={"method": "gd", "theta": "0.45 0.75", "lr": "0.01"},
            conventions={"loss": "half-sse", "intercept_position": "first"},
            wrote="the heading 'dSSE/da => (y - Y_P)'",
            right="the derivative is dSSE/da = -(y - Y_P): with SSE = 1/2 sum (y - Y_P)^2 the chain rule brings in the inner derivative -1 "
                  "of y - Y_P",
            why="the numbers in that column are those of -(y - Y_P), so the notes' updates (0.42 and 0.73) are right"),
    Erratum(where="the introductory slides (the squared error of a linear model on the house prices)",
            params={"X": "1200 2; 1500 3; 2100 4; 1100 3; 1300 2; 900 1", "y": "70 120 230 105 90 55",
                    "method": "evaluate", "theta": "1 1 1"},
            wrote="error1 = y - y_hat = 1133",
            right="in fact y - y_hat = 70 - 1203 = {residuals[0]}; only its square, {squared_errors[0]}, is right",
            why="the error e = y - y_hat is negative where the model predicts too much"),
)

EXAMPLE = Example(params={"X": "2 3 5 7 9", "y": "-0.5 0 1 2 3"},
                  source="the introductory slides: least squares through (2,-0.5), (3,0), (5,1), (7,2), (9,3) gives y = 0.5x - 1.5; "
                         "the derivation of the handwritten notes")


# ---- input handling --------------------------------------------------------------------------------------
def _raw_rows(p):
    """Feature rows (n, k) as given, with a single row of len(y) > 1 numbers read as one feature column."""
    X = p["X"]
    ny = len(p["y"])
    if isinstance(X, np.ndarray):
        return X.reshape(-1, 1) if X.shape[0] == 1 and X.shape[1] == ny and ny > 1 else X
    if len(X) == 1 and len(X[0]) == ny and ny > 1:
        return tuple((v,) for v in X[0])
    return X


def _shape(M) -> tuple[int, int]:
    return M.shape if isinstance(M, np.ndarray) else (len(M), len(M[0]))


def _dim(p) -> int:
    return _shape(_raw_rows(p))[1] + (1 if p["intercept"] else 0)


def validate(p: dict[str, Any]) -> None:
    n, k = _shape(_raw_rows(p))
    if len(p["y"]) != n:
        raise InvalidInput("y", f"The 'y' parameter of linear_regression must have one target per row of X ({n}). "
                                f"Got {len(p['y'])}.")
    dim = k + (1 if p["intercept"] else 0)
    if p["theta"] is not None and len(p["theta"]) != dim:
        raise InvalidInput("theta", f"The 'theta' parameter of linear_regression must have {dim} entries "
                                    f"({k} feature weight{'s' if k > 1 else ''}{' and the intercept' if p['intercept'] else ''}). "
                                    f"Got {len(p['theta'])}.")
    if p["method"] == "evaluate" and p["theta"] is None:
        raise InvalidInput("theta", "The 'theta' parameter of linear_regression is required for method = evaluate. "
                                    "Got nothing.")
    if p["level"] is not None and (k != 1 or not p["intercept"]):
        raise InvalidInput("level", "The 'level' parameter of linear_regression needs exactly one feature and an "
                                    f"intercept (a line). Got {k} feature{'s' if k > 1 else ''}"
                                    f"{'' if p['intercept'] else ' without an intercept'} instead.")


def use_numeric(p) -> bool:
    n, k = _shape(_raw_rows(p))
    work = n * (k + 1) * (p["epochs"] if p["method"] == "gd" else 1)
    return isinstance(p["X"], np.ndarray) or n * (k + 1) > 3000 or work > 20000


def _design_exact(p, conv) -> tuple[list[list[sp.Rational]], list[sp.Rational]]:
    rows = as_exact(_raw_rows(p))
    first = conv["intercept_position"] == "first"
    if p["intercept"]:
        rows = [([sp.Integer(1)] + list(r)) if first else (list(r) + [sp.Integer(1)]) for r in rows]
    else:
        rows = [list(r) for r in rows]
    y = list(as_exact(p["y"]))
    return rows, y


def _design_float(p, conv) -> tuple[np.ndarray, np.ndarray]:
    X = as_float(_raw_rows(p))
    if p["intercept"]:
        ones = np.ones((X.shape[0], 1))
        X = np.hstack([ones, X]) if conv["intercept_position"] == "first" else np.hstack([X, ones])
    return X, as_float(p["y"])


def _names(p, conv) -> list[str]:
    k = _shape(_raw_rows(p))[1]
    feats = [f"theta{i}" for i in range(1, k + 1)]
    if not p["intercept"]:
        return feats
    return ["theta0"] + feats if conv["intercept_position"] == "first" else feats + ["b"]


def _loss_scale(conv, n: int) -> sp.Rational:
    return {"half-sse": sp.Rational(1, 2), "sse": sp.Integer(1), "mse": sp.Rational(1, n)}[conv["loss"]]


def _model(k: int, intercept: bool, last: bool = False) -> Math:
    """ŷ = θ₀ + θ₁x (one feature), ŷ = θ₀ + θ₁x₁ + θ₂x₂ (several), ŷ = θ₁x + b with the intercept last; no intercept
    term without one. The names are those of the parameters in the solution (theta0, theta1, ..., b)."""
    xs = ["x"] if k == 1 else [f"x{j}" for j in range(1, k + 1)]
    terms = [(f"theta{j}", xn) for j, xn in enumerate(xs, 1)]
    if intercept:
        terms = terms + [("b", None)] if last else [("theta0", None)] + terms
    lat = [latex(sym(t)) + ("" if xn is None else " " + latex(sym(xn))) for t, xn in terms]
    txt = [unicode_name(t) + ("" if xn is None else unicode_name(xn)) for t, xn in terms]
    return Math(r"\hat{y} = " + " + ".join(lat), "ŷ = " + " + ".join(txt))


_THETA, _ETA = Math(r"\boldsymbol{\theta}", "θ"), Math(r"\eta", "η")


def statement(p, conv=None) -> Rich:
    """The question; the model names the intercept as the intercept_position convention places it in θ."""
    last = conv is not None and conv["intercept_position"] == "last"
    rows = as_exact(_raw_rows(p)[:10])
    y = as_exact(p["y"][:10])
    n, k = _shape(_raw_rows(p))
    pts = ", ".join(f"({F.joined(r)}; {F.text(t)})" for r, t in zip(rows, y)) + \
        (" ..." if n > 10 else "")
    b0 = Math("b", "b") if last else Math(r"\theta_{0}", "θ₀")
    model = Rich(_model(k, p["intercept"], last), *((" (", b0, " the intercept)") if p["intercept"] else (" (no intercept)",)))
    q = Rich(f"Data (x; y): {pts}. Model: ", model, ".")
    m = p["method"]
    if m == "normal":
        q += " Find the least-squares parameters by the normal equations, deriving them from the loss."
        if p["level"] is not None:
            q += Rich(" At which ", Math("x", "x"), " does the fitted line reach the level ", p["level"], "?")
    elif m == "gd":
        start = (Rich("zero parameters ", _THETA) if p["theta"] is None else
                 Rich(Eq(_THETA, tuple(as_exact(p["theta"])))))
        q += Rich(" Starting from ", start, f", run {p['epochs']} epoch{'s' if p['epochs'] > 1 else ''} of batch "
                  "gradient descent with learning rate ", Eq(_ETA, p["lr"]), ". Give the table of the first epoch and "
                  "the new parameters.")
    else:
        q += Rich(" For ", Eq(_THETA, tuple(as_exact(p["theta"]))), ", give the predictions, the errors ",
                  Math(r"y - \hat{y}", "y − ŷ"), ", the squared errors, the loss and its gradient.")
    return q


def _col(v) -> tuple:
    return tuple((x,) for x in v)


def _mat(M: sp.Matrix) -> tuple:
    return tuple(tuple(M[i, j] for j in range(M.cols)) for i in range(M.rows))


def _fmt(v) -> str:
    return F.text(tuple(v))


def _exactify(v):
    """Keep Rationals while their size is modest; otherwise continue in WORKING_DIGITS Floats."""
    if isinstance(v, sp.Rational) and (abs(v.q) > 10 ** 30 or abs(v.p) > 10 ** 60):
        return finish(sp.Float(v, 60))
    return v


# ---- exact path ------------------------------------------------------------------------------------------
def solve(p, conv) -> Derivation:
    d = Derivation()
    rows, y = _design_exact(p, conv)
    names = _names(p, conv)
    n = len(rows)
    d.given("Design matrix", tuple(tuple(r) for r in rows[:20]), lhs=Xh,
            text=(f"One row per data point: the inputs with a column of ones{' first' if conv['intercept_position'] == 'first' else ' last'}, "
                  f"which multiplies the intercept {'theta0' if conv['intercept_position'] == 'first' else 'b'} "
                  "(the formulas write this matrix X with a hat)." if p["intercept"] else
                  "One row per data point (no intercept).") + ("" if n <= 20 else f" First 20 of {n} rows."))
    d.given("Targets", _col(y[:20]), lhs=yv)
    d.given("Parameters", text="theta = (" + ", ".join(names) + ")")
    if p["method"] == "normal":
        _normal(d, p, conv, rows, y, names)
    else:
        _gd(d, p, conv, rows, y, names)
    return d


def _normal(d, p, conv, rows, y, names):
    c = _loss_scale(conv, len(rows))
    d.add(_formula("Loss in matrix form", "L", LOSS_MATRIX, "c (y - X theta)^T (y - X theta)",
              text=f"With c = {F.text(c)} (the loss {LOSS_SHORT[conv['loss']]}): the residual vector is y - X theta, "
                   "and the sum of its squared entries is its inner product with itself."))
    d.add(_formula("Expand", "L", LOSS_EXPANDED, "c (y^T y - 2 y^T X theta + theta^T X^T X theta)",
              text="y^T X theta is a 1 x 1 matrix, so it equals its transpose theta^T X^T y: the two cross terms "
                   "add up."))
    d.add(_formula("Differentiate", r"\frac{\partial L}{\partial \boldsymbol{\theta}}", GRADIENT,
                   "c (-2 X^T y + 2 X^T X theta)", lhs_text="dL/dtheta",
              text="Using d(a^T theta)/d theta = a with a = X^T y, and d(theta^T A theta)/d theta = (A + A^T) theta = "
                   "2 A theta for the symmetric A = X^T X; y^T y does not depend on theta."))
    d.add(_formula("Set the gradient to zero: the normal equations", latex(NORMAL_EQ.lhs), NORMAL_EQ.rhs, "X^T y",
                   lhs_text="X^T X theta",
                   text="The constant c cancels, so every choice of loss gives the same theta. L is a convex quadratic, "
                        "so this stationary point is the minimum."))
    Xm = sp.ImmutableMatrix(rows)
    ym = sp.ImmutableMatrix(y)
    G = Xm.T * Xm
    m = Xm.T * ym
    big = len(rows) > 12
    d.compute("X^T X", XtX, GRAM, {} if big else {XhT: _mat(Xm.T), Xh: _mat(Xm)}, value=_mat(G),
              text="Entry (j, k) is the sum over the data of x_j x_k." + (" (Data too long to print in full.)" if big else ""))
    d.compute("X^T y", Xty, MOMENT, {} if big else {XhT: _mat(Xm.T), yv: _col(y)}, value=_col(list(m)),
              text="Entry j is the sum over the data of x_j y.")
    det = G.det()
    sub = None
    if G.rows == 2:  # ad - bc, written out
        a_, b_, c2, d2 = G[0, 0], G[0, 1], G[1, 0], G[1, 1]
        sub = Math(r"\det(\hat{X}^{\top}\hat{X}) = %s \cdot %s - %s \cdot %s" % (
            _paren(a_), _paren(d2), _paren(b_), _paren(c2)),
            f"det(X^T X) = {_paren_t(a_)}*{_paren_t(d2)} - {_paren_t(b_)}*{_paren_t(c2)}")
    d.add(Step("compute", "Is X^T X invertible?", text="Its determinant must not be 0"
               + (" (ad - bc for a 2 x 2 matrix)." if G.rows == 2 else " (cofactor expansion)."),
               formula=Math(r"\det(\hat{X}^{\top}\hat{X})", "det(X^T X)"), substituted=sub,
               value=Math(r"\det(\hat{X}^{\top}\hat{X}) = " + F.latex(det), f"det(X^T X) = {F.text(det)}")))
    if det == 0:
        d.status = "undefined"
        d.conclude("No unique least-squares solution", text=(
            "X^T X is singular: the columns of X are linearly dependent (a feature is a combination of the "
            "others, or there are fewer distinct points than parameters), so infinitely many theta reach the same "
            "minimal loss. Remove the redundant feature, or take the minimum-norm solution of the pseudo-inverse."))
        return
    Ginv = G.inv()
    if G.rows <= 4:
        _inverse_step(d, G, Ginv, det)
    theta = [finish(v) for v in Ginv * m]
    d.compute("theta = (X^T X)^-1 X^T y", th, SOLUTION, {XtX: _mat(G), Xty: _col(list(m))},
              value=_col(theta), answer=None)
    ans = make_answer("theta", tuple(theta))
    model = _model_text(theta, names)
    d.answer_step("Least-squares parameters", ans, text=f"theta = ({', '.join(names)}); the fitted model is y_hat = {model}.")
    # fitted values and residual sum of squares
    preds = [sum((a * b for a, b in zip(r, theta)), sp.Integer(0)) for r in rows]
    res = [t - q for t, q in zip(y, preds)]
    sse = sum((e ** 2 for e in res), sp.Integer(0))
    d.table("Fitted values and residuals", [header("point"), header("y", "y"), header("y_hat", r"\hat{y}"),
                                            header("e = y - y_hat", r"e = y - \hat{y}"), header("e^2", "e^{2}")],
            [[str(i + 1), *(F.text(v, exact="decimal") for v in (t, q, e, e ** 2))]  # decimals throughout (no 5084/841)
             for i, (t, q, e) in enumerate(zip(y[:50], preds[:50], res[:50]))])
    d.add(Step("compute", "Residual sum of squares",
               formula=Math(r"\mathrm{SSE} = \sum_i e_i^2", "SSE = sum of e_i^2"),
               value=Math(r"\mathrm{SSE} = " + F.latex(sse), f"SSE = {F.text(sse)}"),
               text="" if sse else "Every point lies on the fitted model: the fit is exact.",
               answers=(make_answer("sse", sse),)))
    if p["level"] is not None:
        k_int = 0 if conv["intercept_position"] == "first" else 1
        b0, a1 = theta[k_int], theta[1 - k_int]
        if a1 == 0:
            d.note("Level", "The fitted slope is 0: the line never reaches another level.")
        else:
            lv = p["level"]
            xs = finish((lv - b0) / a1)
            d.add(Step("compute", f"Where the line reaches {F.text(lv)}",
                       formula=Math(r"a x + b = \ell \Rightarrow x = \frac{\ell - b}{a}", "a x + b = level => x = (level - b)/a"),
                       substituted=Math(r"x = \frac{%s - %s}{%s}" % (F.latex(lv), _paren(b0), F.latex(a1)),
                                        f"x = ({F.text(lv)} - {_paren_t(b0)})/{F.text(a1)}"),
                       value=Math(f"x = {F.latex(xs)}", f"x = {F.text(xs)}"),
                       answers=(make_answer("x_at_level", xs),)))


def _inverse_step(d, G: sp.Matrix, Ginv: sp.Matrix, det) -> None:
    """(X^T X)^-1 = adj(X^T X) / det: with integer data the adjugate is an integer matrix, which is how the inverse is
    written by hand (and reads better than a mix of fractions and decimals); then its decimals."""
    inv_sym = sym("(X^T X)^-1", r"(\hat{X}^{\top}\hat{X})^{-1}")
    adj = Ginv * det
    lhs_l, lhs_t = latex(inv_sym), "(X^T X)^-1"
    if all(v.is_Integer for v in adj) and det.is_Integer and det != 1:
        val = Math(r"%s = \frac{1}{%s} %s \approx %s" % (lhs_l, F.latex(det), F.latex(_mat(adj)), _dec_latex(Ginv)),
                   f"{lhs_t} = (1/{F.text(det)}) {F.text(_mat(adj))} ≈ {_dec_text(Ginv)}")
    elif all(v.is_Integer for v in Ginv):
        val = Math(f"{lhs_l} = {F.latex(_mat(Ginv))}", f"{lhs_t} = {F.text(_mat(Ginv))}")
    else:
        val = Math(r"%s \approx %s" % (lhs_l, _dec_latex(Ginv)), f"{lhs_t} ≈ {_dec_text(Ginv)}")
    how = ("For a 2 x 2 matrix [[a, b], [c, d]] the inverse is [[d, -b], [-c, a]] / (ad - bc)." if G.rows == 2 else
           "The inverse is the adjugate (the transposed matrix of cofactors) divided by the determinant.")
    d.add(Step("compute", "Inverse", text=how, formula=Math(f"{lhs_l} = {latex(INVERSE)}", f"{lhs_t} = adj(X^T X) / det(X^T X)"),
               substituted=Math(f"{lhs_l} = {F.latex(_mat(G))}^{{-1}}", f"{lhs_t} = {F.text(_mat(G))}^-1"),
               value=val))


def _dec_latex(M: sp.Matrix) -> str:
    return F.latex(_mat(M), exact="decimal")


def _dec_text(M: sp.Matrix) -> str:
    return F.text(_mat(M), exact="decimal")


def _model_text(theta, names) -> str:
    """y_hat's right-hand side as written by hand: -1.5 + 0.5*x1, 2.5987 - 1.71998*x2 (never '+ -')."""
    return linear_form(((t, "" if nm in ("theta0", "b") else nm.replace("theta", "x")) for t, nm in zip(theta, names)),
                       times="*")


def _formula(title: str, lhs_latex: str, rhs, rhs_text: str, *, lhs_text: str | None = None, text: str = "") -> Step:
    """A formula step: LaTeX printed by SymPy from the module-level rule, plain text as the notes write it."""
    return Step("formula", title, text=text, formula=Math(f"{lhs_latex} = {latex(rhs)}",
                                                          f"{lhs_text or lhs_latex} = {rhs_text}"))


def _tex(name: str) -> str:
    return r"\theta_{%s}" % name[5:] if name.startswith("theta") else name


def _paren(v) -> str:
    return F.latex(v, paren=True)


def _paren_t(v) -> str:
    return F.text(v, paren=True)


def _gd(d, p, conv, rows, y, names):
    n, D = len(rows), len(rows[0])
    c = _loss_scale(conv, n)
    lr = p["lr"]
    theta = list(as_exact(p["theta"])) if p["theta"] is not None else [sp.Integer(0)] * D
    evaluate_only = p["method"] == "evaluate"
    loss_word = {"half-sse": "1/2 sum e_i^2", "sse": "sum e_i^2", "mse": "1/N sum e_i^2"}[conv["loss"]]
    d.add(Step("formula", "Prediction, error and loss",
               text=f"e_i = y_i - y_hat_i is the error (negative when the model predicts too much). Loss: L = {loss_word}.",
               formula=Math(r"\hat{y}_i = \boldsymbol{\theta}^{\top}\hat{\mathbf{x}}_i,\quad e_i = y_i - \hat{y}_i,\quad "
                            r"L = %s \sum_i e_i^2" % F.latex(c),
                            f"y_hat_i = theta . x_i,  e_i = y_i - y_hat_i,  L = {F.text(c)} * sum e_i^2")))
    d.add(Step("formula", "Gradient",
               text="By the chain rule, dL/de_i = 2c e_i and de_i/dtheta_j = -x_ij, so each point contributes "
                    "-2c e_i x_ij; for the intercept x_ij = 1.",
               formula=Math(r"\frac{\partial L}{\partial \theta_j} = -2c \sum_i e_i\, x_{ij}",
                            "dL/dtheta_j = -2c * sum_i e_i x_ij")))
    if not evaluate_only:
        d.formula("Update (batch gradient descent)", th, UPDATE,
                  text="Every epoch computes the gradient over all points first, then updates all parameters at once.")

    trace = []
    loss0 = None
    for epoch in range(1, (1 if evaluate_only else p["epochs"]) + 1):
        preds = [sum((a * b for a, b in zip(r, theta)), sp.Integer(0)) for r in rows]
        res = [t - q for t, q in zip(y, preds)]
        loss = _exactify(c * sum((e ** 2 for e in res), sp.Integer(0)))
        grad = [_exactify(-2 * c * sum((e * r[j] for e, r in zip(res, rows)), sp.Integer(0))) for j in range(D)]
        if epoch == 1:
            loss0 = loss
            _epoch_table(d, rows, y, preds, res, c, names, evaluate_only)
            d.add(Step("compute", "Loss", text=f"L = {loss_word}.",
                       value=Math(f"L = {F.latex(loss)}", f"L = {F.text(loss)}"),
                       answers=(make_answer("loss" if evaluate_only else "loss_initial", loss),)))
            d.add(Step("compute", "Gradient (the column sums)",
                       value=Math(r"\nabla L = " + F.latex(tuple(grad)), "grad L = " + _fmt(grad)),
                       answers=(make_answer("gradient", tuple(grad)),)))
            if evaluate_only:
                d.answer_step("Predictions", make_answer("predictions", tuple(preds)), kind="compute")
                d.answer_step("Errors y - y_hat", make_answer("residuals", tuple(res)), kind="compute")
                d.answer_step("Squared errors", make_answer("squared_errors", tuple(e ** 2 for e in res)),
                              kind="compute")
                return
        new = [_exactify(t - lr * g) for t, g in zip(theta, grad)]
        if any(abs(v) > DIVERGED for v in new):
            d.status = "not_converged"
            d.conclude(f"Diverged in epoch {epoch}", text=(
                f"The parameters passed 10^30 in epoch {epoch}: the learning rate is too large for this data. "
                "Batch gradient descent on a quadratic loss is stable only when lr < 2 / lambda_max, where lambda_max is "
                f"the largest eigenvalue of the loss's Hessian 2c X^T X; {_stable_lr(rows, c)}."))
            return
        if epoch == 1:
            with d.group("Update of each parameter", text="new value = old value - learning rate x gradient"):
                for j in range(D):
                    old_s, g_s = sym(names[j]), sym(f"dL/d{names[j]}", r"\frac{\partial L}{\partial %s}" % _tex(names[j]))
                    with sp.evaluate(False):
                        expr = old_s - eta * g_s
                    d.compute(f"{names[j]}", sym(f"{names[j]}_new", r"%s^{\mathrm{new}}" % _tex(names[j])), expr,
                              {old_s: theta[j], eta: lr, g_s: grad[j]}, value=new[j], kind="update")
        trace.append({"epoch": epoch, "theta_before": [_num(v) for v in theta], "loss": _num(loss),
                      "gradient": [_num(v) for v in grad], "theta_after": [_num(v) for v in new]})
        theta = new
    preds = [sum((a * b for a, b in zip(r, theta)), sp.Integer(0)) for r in rows]
    loss_f = _exactify(c * sum(((t - q) ** 2 for t, q in zip(y, preds)), sp.Integer(0)))
    show = trace if len(trace) <= 40 else trace[:20] + trace[-20:]
    d.table("Epochs", [header("epoch"), header("theta before", r"\boldsymbol{\theta}\ \text{before}"), header("L", "L"),
                      header("gradient", r"\nabla L"), header("theta after", r"\boldsymbol{\theta}\ \text{after}")],
            [[str(r["epoch"]), _fmt(r["theta_before"]), F.text(r["loss"]), _fmt(r["gradient"]), _fmt(r["theta_after"])]
             for r in show], text="" if len(trace) <= 40 else f"First and last 20 of {len(trace)} epochs.",
            answer=make_answer("trace", trace))
    d.conclude(f"After {p['epochs']} epoch{'s' if p['epochs'] > 1 else ''}",
               text=f"theta = ({', '.join(names)}); the loss went from {F.text(loss0)} to {F.text(loss_f)}.",
               answers=(make_answer("theta", tuple(theta)),
                        make_answer("loss_final", loss_f)),
               value=Math(r"\boldsymbol{\theta} = " + F.latex(tuple(theta)), "theta = " + _fmt(theta)))


DIVERGED = 1e30  # 10^30, as the messages say


def _stable_lr(rows, c) -> str:
    X = np.array([[float(v) for v in r] for r in rows])
    lam = float(np.linalg.eigvalsh(2 * float(c) * X.T @ X).max())
    return f"here lambda_max = {F.text(lam)}, so lr must be below {F.text(2 / lam)}" if lam > 0 else "here X^T X = 0"


def _epoch_table(d, rows, y, preds, res, c, names, evaluate_only):
    D = len(rows[0])
    cols = [header("1", "1") if nm in ("theta0", "b") else header(f"x{nm[5:]}", f"x_{{{nm[5:]}}}") for nm in names] + \
        [header("y", "y"), header("y_hat", r"\hat{y}"), header("e = y - y_hat", r"e = y - \hat{y}"),
         header(f"{F.text(c)} e^2", f"{F.latex(c)}\\, e^{{2}}")] + \
        [header(f"dL/d{nm}", r"\partial L / \partial %s" % _tex(nm)) for nm in names]
    body = []
    for r, t, q, e in list(zip(rows, y, preds, res))[:60]:
        body.append([F.text(v) for v in r] + [F.text(t), F.text(q), F.text(e), F.text(c * e ** 2)]
                    + [F.text(-2 * c * e * r[j]) for j in range(D)])
    tot = [""] * D + ["", "", "sum", F.text(c * sum((e ** 2 for e in res), sp.Integer(0)))] + \
        [F.text(-2 * c * sum((e * r[j] for e, r in zip(res, rows)), sp.Integer(0))) for j in range(D)]
    d.table("The data at the current theta" + ("" if evaluate_only else " (epoch 1)"), cols, body + [tot],
            text="One row per point (the column of 1s is the constant input of the intercept); the last row holds the "
                 "sums, which make up the gradient." +
                 ("" if len(rows) <= 60 else f" First 60 of {len(rows)} rows."))


def _num(v):
    return int(v) if isinstance(v, sp.Integer) else float(v)


# ---- numeric path -------------------------------------------------------------------------------------------
def solve_numeric(p, conv) -> Derivation:
    """float64 NumPy: numpy.linalg.lstsq for the normal equations, vectorised epochs for gradient descent."""
    d = Derivation()
    X, y = _design_float(p, conv)
    n, D = X.shape
    c = float(_loss_scale(conv, n))
    d.note("Numeric path", f"{n} points, {D} parameters, float64.")
    if p["method"] == "normal":
        theta, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
        if rank < D:
            d.status = "undefined"
            d.conclude("No unique least-squares solution", text=f"X has rank {rank} < {D}: X^T X is singular.")
            return d
        e = y - X @ theta
        answers = [make_answer("theta", tuple(theta)),
                   make_answer("sse", float(e @ e))]
        if p["level"] is not None:
            k_int = 0 if conv["intercept_position"] == "first" else 1
            if theta[1 - k_int] != 0:
                answers.append(make_answer("x_at_level", (float(p["level"]) - theta[k_int]) / theta[1 - k_int]))
        d.conclude("Least squares (numpy.linalg.lstsq)", answers=tuple(answers))
        return d
    theta = as_float(p["theta"]).copy() if p["theta"] is not None else np.zeros(D)
    lr = float(p["lr"])
    e = y - X @ theta
    loss0 = c * float(e @ e)
    grad0 = -2 * c * (X.T @ e)
    if p["method"] == "evaluate":
        pr = X @ theta
        d.conclude("Loss and gradient", answers=(
            make_answer("loss", loss0),
            make_answer("gradient", tuple(grad0))))
        if n <= 10000:  # per-point answers only for a readable size
            d.conclude("Per point", answers=(
                make_answer("predictions", tuple(pr)),
                make_answer("residuals", tuple(e)),
                make_answer("squared_errors", tuple(e * e))))
        return d
    for epoch in range(1, p["epochs"] + 1):
        grad = -2 * c * (X.T @ (y - X @ theta))
        theta = theta - lr * grad
        if not np.all(np.abs(theta) <= DIVERGED):
            d.status = "not_converged"
            d.conclude(f"Diverged in epoch {epoch}", text="The parameters passed 10^30: the learning rate is "
                                                          f"too large ({_stable_lr(X, c)}).")
            return d
    e = y - X @ theta
    d.conclude(f"After {p['epochs']} epochs", answers=(
        make_answer("loss_initial", loss0),
        make_answer("gradient", tuple(grad0)),
        make_answer("theta", tuple(theta)),
        make_answer("loss_final", c * float(e @ e))))
    return d


def generate(rng: np.random.Generator) -> dict:
    """Small integer data on a noisy line (or, less often, a plane) whose least-squares parameters are integers;
    normal equations or a few epochs of gradient descent.

    Well posed: the x values are resampled until X has full column rank (X^T X invertible). Nice numbers: y = X w + e
    with integer w and integer noise e orthogonal to every column of X (X^T e = 0, found by resampling e), so the
    normal equations give theta = w exactly and the SSE is the integer |e|^2, as an exam's data are chosen.
    """
    while True:
        n = int(rng.integers(4, 8))
        k = 1 if rng.random() < 0.7 else 2
        X = rng.integers(0, 10, size=(n, 1)) if k == 1 else rng.integers(-4, 5, size=(n, 2))
        Xh = np.hstack([np.ones((n, 1), dtype=np.int64), X])
        if np.linalg.matrix_rank(Xh) < k + 1:  # resample until the normal equations have one solution
            continue
        for _ in range(400):  # noise the fit cannot explain: X^T e = 0, e != 0
            e = rng.integers(-2, 3, size=n)
            if e.any() and not (Xh.T @ e).any():
                break
        else:
            continue
        w = rng.integers(-3, 4, size=k + 1)
        if not w[1:].all():  # every input matters (and gradient descent from zeros moves: X^T y = X^T X w != 0)
            continue
        y = Xh @ w + e
        out = {"X": [[int(v) for v in r] for r in X], "y": [int(v) for v in y]}
        if rng.random() < 0.4:
            out.update(method="gd", lr=0.01, epochs=int(rng.integers(1, 4)))
        return out
