"""Batch normalisation: x_hat = (x - mu) / sqrt(sigma^2 + eps), y = gamma x_hat + beta, per feature over the batch.

Exam question: "A mini-batch of m examples (one per row) reaches a batch-norm layer with these gamma and
beta. Compute the batch mean and variance of each feature, the normalised values and the outputs; update
the running averages used at test time; and, given the upstream gradient dL/dy, compute dL/dgamma,
dL/dbeta and dL/dx." (the handwritten notes: mu and sigma^2 with 1/m, y = gamma x_hat + beta, so E(y) = beta
and var(y) = gamma^2 sigma^2/(sigma^2 + eps), which is gamma^2 only when eps = 0.)

Backward pass (per feature, sums over the batch): dL/dbeta = sum dy, dL/dgamma = sum dy x_hat,
dL/dx = gamma / (m sqrt(sigma^2 + eps)) (m dy - sum dy - x_hat sum dy x_hat).

Conventions: the normalisation always uses the biased batch variance (1/m), epsilon inside the square
root, as the notes and torch do. The running averages: torch's form running = (1 - momentum) running +
momentum batch (momentum 0.1), or Keras's running = momentum running + (1 - momentum) batch (momentum
0.99); and whether the running variance takes the unbiased batch variance (m/(m - 1) sigma^2, torch) or
the biased one (Keras). At test time x_test is normalised with the updated running averages.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from problems._layers import LIST_LIMIT
from problems._written import Sigma
from solver.conventions import Convention
from solver.params import InvalidInput, Matrix, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver import format as F
from solver.errata import Erratum
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.symbolic import Derivation, make_answer, sym

from . import _written as W

TITLE = "Batch normalisation: forward, running averages and backward"
TOPIC = "layers"
KEYWORDS = ("batch norm", "batchnorm", "batch normalization", "batch normalisation", "normalisation", "normalization",
            "running mean", "running variance", "momentum", "gamma", "beta", "backward", "internal covariate shift",
            "mini-batch", "normalised values", "normalized values")

# ---- the rules, written once ---------------------------------------------------------------------
x, m, mu, var, eps, x_hat, gamma, beta, y = (sym("x"), sym("m"), sym("mu", r"\mu"), sym("var", r"\sigma^{2}"),
                                             sym("eps", r"\epsilon"), sym("x_hat", r"\hat{x}"), sym("gamma", r"\gamma"),
                                             sym("beta", r"\beta"), sym("y"))
i_ = sym("i")
x_i, dy, dy_i = sym("x_i", "x_{i}"), sym("dy", r"\frac{\partial L}{\partial y}"), sym("dy_i", r"\frac{\partial L}{\partial y_{i}}")
xh_i = sym("x_hat_i", r"\hat{x}_{i}")
# (a thin space \, before running and batch: LaTeX would run "momentum batch" together into one word)
mom, run, batch = sym("momentum", r"\mathrm{momentum}"), sym("running", r"\,\mathrm{running}"), sym("batch", r"\,\mathrm{batch}")
dgamma, dbeta, dx = sym("dL/dgamma", r"\frac{\partial L}{\partial \gamma}"), sym("dL/dbeta", r"\frac{\partial L}{\partial \beta}"), \
    sym("dL/dx", r"\frac{\partial L}{\partial x}")
r_mean, r_var = sym("running_mean", r"\mathrm{running\_mean}"), sym("running_var", r"\mathrm{running\_var}")
_HALF = sp.Rational(-1, 2)
with sp.evaluate(False):
    _DEV2 = (x_i - mu) ** 2
# (the sums themselves are built with evaluation on: under evaluate(False) SymPy's Sum prints a factor 1)
_SUM_X, _SUM_SQ = Sigma(x_i, (i_, 1, m)), Sigma(_DEV2, (i_, 1, m))
_SUM_DY, _SUM_DYX = Sigma(dy_i, (i_, 1, m)), Sigma(dy_i * xh_i, (i_, 1, m))
with sp.evaluate(False):
    MEAN = _SUM_X / m                                                    # the handwritten notes
    VAR = _SUM_SQ / m                                                    # biased: 1/m
    # (1/sqrt written as the power -1/2: an unevaluated division by sqrt prints "/(sqrt(...))" in plain text)
    XHAT = (x - mu) * sp.Pow(var + eps, _HALF)                           # eps inside the root
    Y = gamma * x_hat + beta
    RUN_TORCH = (1 - mom) * run + mom * batch
    RUN_KERAS = mom * run + (1 - mom) * batch
    UNBIASED = m / (m - 1) * var
    DBETA = _SUM_DY
    DGAMMA = _SUM_DYX
    DX = sp.Mul(gamma, sp.Pow(m, -1), sp.Pow(var + eps, _HALF)) * sp.Add(m * dy, -dbeta, -(x_hat * dgamma))
    Y_TEST = gamma * (x - r_mean) * sp.Pow(r_var + eps, _HALF) + beta   # the running averages at test time
    Y_VAR = gamma ** 2 * var / (var + eps)

MOMENTUM_FORM = Convention(
    "momentum_form", "How momentum weighs the running averages",
    {"torch": "running = (1 - momentum) running + momentum batch (torch; momentum 0.1 is the weight of the new batch)",
     "keras": "running = momentum running + (1 - momentum) batch (Keras/TF; momentum 0.99 is the weight of the old value)"},
    default="torch", why_default="torch's BatchNorm, the oracle of the tests",
    sources={"torch": "PyTorch's nn.BatchNorm1d/2d (momentum=0.1)",
             "keras": "Keras's and TensorFlow's BatchNormalization (momentum=0.99)"},
    paper={"torch": "Update the running averages as running ← (1 − momentum) · running + momentum · batch.",
           "keras": "Update the running averages as running ← momentum · running + (1 − momentum) · batch."},
    cues={"keras": ("keras", "tensorflow", "momentum 0.99"), "torch": ("pytorch", "torch")},
)
RUNNING_VAR = Convention(
    "running_var", "Variance used for the running average",
    {"unbiased": "the running variance averages the unbiased batch variance m/(m - 1) sigma^2 (torch)",
     "biased": "the running variance averages the biased batch variance sigma^2 (1/m; Keras/TF)"},
    default="unbiased", why_default="torch updates running_var with the unbiased variance (checked in the fixtures)",
    sources={"unbiased": "PyTorch's nn.BatchNorm (running_var uses the unbiased batch variance); Ioffe & Szegedy 2015",
             "biased": "Keras's and TensorFlow's BatchNormalization (the biased batch variance)"},
    paper={"unbiased": "The running variance averages the unbiased batch variance (divide by m − 1).",
           "biased": "The running variance averages the biased batch variance (divide by m)."},
    cues={"biased": ("biased variance", "1/m variance"), "unbiased": ("unbiased variance", "m - 1")},
)
CONVENTIONS = (MOMENTUM_FORM, RUNNING_VAR)

PARAMS = (
    Param("X", Matrix(min_rows=2, max_rows=1_000_000, max_cols=10_000), required=True, label="Mini-batch",
          help="one example per row, one feature per column (m >= 2 rows)",
          aliases=("<column>", "mini-batch", "batch", "X", "inputs", "values", "activations", "examples", "x")),
    Param("gamma", Vector(max_len=10_000), label="gamma (scale)", help="one per feature; default 1",
          aliases=("gamma", "γ", "scale")),
    Param("beta", Vector(max_len=10_000), label="beta (shift)", help="one per feature; default 0",
          aliases=("beta", "β", "shift")),
    Param("eps", Real(0, 1), default="1e-5", label="epsilon", help="added to the variance inside the square root",
          aliases=("epsilon", "eps", "ε")),
    Param("momentum", Real(0, 1), default="0.1", label="momentum", help="see the momentum_form convention",
          aliases=("momentum",)),
    Param("running_mean", Vector(max_len=10_000), label="Running mean before", help="default 0 (torch's start)",
          aliases=("running mean", "running_mean", "moving mean")),
    Param("running_var", Vector(max_len=10_000), label="Running variance before", help="default 1 (torch's start)",
          aliases=("running variance", "running_var", "moving variance")),
    Param("dY", Matrix(max_rows=1_000_000, max_cols=10_000), label="Upstream gradient dL/dy",
          help="optional: same shape as X; gives the backward pass",
          aliases=("upstream gradient", "dL/dy", "dY", "incoming gradient")),
    Param("x_test", Matrix(max_rows=100_000, max_cols=10_000), label="Test inputs",
          help="optional: rows normalised with the updated running averages (inference mode)",
          aliases=("test inputs", "test input", "at test time", "x_test")),
)

EXAMPLE = Example(
    params={"X": "[[1, 2], [3, -1], [0.5, 4], [-2, 1]]", "gamma": "1.5 0.5", "beta": "0.1 -0.2", "eps": "1e-5",
            "dY": "[[0.1, -0.3], [0.2, 0.4], [-0.5, 0.1], [0.3, 0.2]]", "x_test": "[[1, 1]]"},
    source="the handwritten notes, batch normalisation: E(y) = beta and var(y) = gamma^2 sigma^2/(sigma^2 + eps)",
)

ERRATA = (
    Erratum(where="the handwritten notes (batch normalisation)", params={},
            wrote="var(y) = gamma^2 for the outputs y = gamma x_hat + beta",
            right="var(y) = gamma^2 sigma^2/(sigma^2 + eps), here {y_var}, which is gamma^2 only when eps = 0",
            why="with eps > 0 the normalised values x_hat have a variance slightly below 1"),
)


def _shape(M) -> tuple[int, int]:
    return M.shape if isinstance(M, np.ndarray) else (len(M), len(M[0]))


def validate(p: dict[str, Any]) -> None:
    mrows, n = _shape(p["X"])
    for name in ("gamma", "beta", "running_mean", "running_var"):
        v = p[name]
        if v is not None and len(v) != n:
            raise InvalidInput(name, f"The '{name}' parameter of batch_norm must have one entry per feature ({n}). "
                                     f"Got {len(v)} instead.")
    rv = p["running_var"]
    if rv is not None and any(float(v) < 0 for v in rv):
        raise InvalidInput("running_var", "The 'running_var' parameter of batch_norm must be non-negative.")
    if p["dY"] is not None and _shape(p["dY"]) != (mrows, n):
        raise InvalidInput("dY", f"The 'dY' parameter of batch_norm must have the shape of X ({mrows} x {n}). "
                                 f"Got {_shape(p['dY'])[0]} x {_shape(p['dY'])[1]} instead.")
    if p["x_test"] is not None and _shape(p["x_test"])[1] != n:
        raise InvalidInput("x_test", f"The 'x_test' parameter of batch_norm must have {n} columns, like X. "
                                     f"Got {_shape(p['x_test'])[1]} instead.")
    if p["eps"] == 0:
        Xf = as_float(p["X"])
        if np.any(Xf.var(axis=0) == 0):
            raise InvalidInput("eps", "The 'eps' parameter of batch_norm must be positive when a feature is constant "
                                      "over the batch (its variance is 0). Got 0 instead.")


def use_numeric(p) -> bool:
    mrows, n = _shape(p["X"])
    return isinstance(p["X"], np.ndarray) or mrows * n > 64


def statement(p) -> Rich:
    mrows, n = _shape(p["X"])
    X = tuple(tuple(r) for r in as_exact(p["X"][:8])) if not isinstance(p["X"], np.ndarray) else \
        tuple(tuple(float(x) for x in r) for r in p["X"][:8])
    more = f" (the first 8 of {mrows} rows)" if mrows > 8 else ""
    gs, bs = sym("gamma", r"\gamma"), sym("beta", r"\beta")
    g = Rich(gs, " = 1 for every feature") if p["gamma"] is None else Rich(Eq(gs, as_exact(p["gamma"])))
    b = Rich(bs, " = 0 for every feature") if p["beta"] is None else Rich(Eq(bs, as_exact(p["beta"])))
    q = Rich("Compute the batch mean and variance of each feature, the normalised values ",
             Math(r"\hat{x}", "x̂"), " and the outputs y; the running averages after this batch (momentum ",
             F.text(p["momentum"]), ")")
    if p["dY"] is not None:
        q += Rich("; ", Math(r"\partial L/\partial \gamma", "∂L/∂γ"), ", ", Math(r"\partial L/\partial \beta", "∂L/∂β"),
                  " and ", Math(r"\partial L/\partial x", "∂L/∂x"), " for the given upstream gradient ",
                  Math(r"\partial L/\partial y", "∂L/∂y"))
    if p["x_test"] is not None:
        q += Rich("; the test-time outputs for the given test inputs")
    return Rich(f"A mini-batch of m = {mrows} examples with {n} feature{'s' if n > 1 else ''} (one example per row: ",
                Eq(sym("X", r"\mathbf{X}"), X), f"{more}) reaches a batch-normalisation layer with ", g, ", ", b,
                " and ", Eq(sym("eps", r"\varepsilon"), p["eps"]), ". ", q, ".")


def solve(p, conv) -> Derivation:
    d = Derivation()
    X = sp.ImmutableMatrix(as_exact(p["X"]))
    mrows, n = X.shape
    one, zero = sp.Integer(1), sp.Integer(0)
    G = as_exact(p["gamma"]) if p["gamma"] is not None else (one,) * n
    B = as_exact(p["beta"]) if p["beta"] is not None else (zero,) * n
    RM = as_exact(p["running_mean"]) if p["running_mean"] is not None else (zero,) * n
    RV = as_exact(p["running_var"]) if p["running_var"] is not None else (one,) * n
    dY = sp.ImmutableMatrix(as_exact(p["dY"])) if p["dY"] is not None else None
    e, mo = p["eps"], p["momentum"]
    run_rule = RUN_TORCH if conv["momentum_form"] == "torch" else RUN_KERAS

    d.given("Mini-batch", text=f"m = {mrows} examples, {n} feature{'s' if n > 1 else ''}; each feature is normalised separately "
                               "(the handwritten notes: 'applied separately to each neuron').")
    d.formula("Batch mean", mu, MEAN)
    d.formula("Batch variance (1/m)", var, VAR, text="The biased variance: divide by m, not m - 1.")
    d.formula("Normalise", x_hat, XHAT, text="epsilon inside the square root keeps the division safe.")
    d.formula("Scale and shift", y, Y)
    d.formula("Running average", run, run_rule,
              text=MOMENTUM_FORM.options[conv["momentum_form"]] + "; " + RUNNING_VAR.options[conv["running_var"]] + ".")
    if dY is not None:
        d.formula("Backward: dL/dbeta", dbeta, DBETA)
        d.formula("Backward: dL/dgamma", dgamma, DGAMMA)
        d.formula("Backward: dL/dx", dx, DX, text="The mean and the variance depend on every x_i, which gives the two "
                                                  "correction terms; their sums are dL/dbeta = sum_i dL/dy_i and "
                                                  "dL/dgamma = sum_i dL/dy_i x_hat_i from above (the extra term "
                                                  "through dsigma^2/dmu vanishes, since the deviations from the mean "
                                                  "sum to 0).")

    res = {k: [] for k in ("mu", "var", "xhat", "y", "rm", "rv", "dg", "db", "dx", "ymean", "yvar", "ytest")}
    xk, dyk, xhk = W.entries("x", mrows), W.entries("dy", mrows), W.entries("x_hat", mrows, r"\hat{x}")
    for j in range(n):
        col, g, b = X.col(j), G[j], B[j]
        xs = tuple(col)
        with d.group(f"Feature {j + 1}" if n > 1 else "The feature"):
            d.given("Values", xs, lhs=x)
            mu_j = sum(col) / mrows
            d.compute("Mean", mu, MEAN, {**dict(zip(xk, xs)), m: mrows}, value=mu_j, instance=W.mean(m, *xk))
            dev = col - mu_j * sp.ones(mrows, 1)
            var_j = dev.dot(dev) / mrows
            d.compute("Variance", var, VAR, {**dict(zip(xk, xs)), mu: mu_j, m: mrows}, value=var_j,
                      instance=W.mean_square_deviation(m, mu, *xk))
            xh = d.compute("Normalised values", x_hat, XHAT, {x: xs, mu: mu_j, var: var_j, eps: e})
            yj = d.compute("Outputs", y, Y, {gamma: g, x_hat: xh, beta: b})
            yv = d.compute("Variance of the outputs", sym("var_y", r"\operatorname{var}(y)"), Y_VAR,
                           {gamma: g, var: var_j, eps: e},
                           text=f"The outputs have mean beta = {F.text(b)} and this variance, slightly below gamma^2 "
                                "when eps > 0.")
            batch_var = var_j
            if conv["running_var"] == "unbiased":
                batch_var = d.compute("Unbiased batch variance for the running average", sym("var_unbiased", r"s^{2}"),
                                      UNBIASED, {m: mrows, var: var_j})
            rm = d.compute("Running mean", sym("running_mean", r"\mathrm{running\_mean}"), run_rule,
                           {mom: mo, run: RM[j], batch: mu_j})
            rv = d.compute("Running variance", sym("running_var", r"\mathrm{running\_var}"), run_rule,
                           {mom: mo, run: RV[j], batch: batch_var})
            for k, v in (("mu", mu_j), ("var", var_j), ("xhat", xh), ("y", yj), ("rm", rm), ("rv", rv),
                         ("ymean", b), ("yvar", yv)):
                res[k].append(v)
            if dY is not None:
                dys = tuple(dY.col(j))
                db = sum(dys, zero)
                d.compute("dL/dbeta", dbeta, DBETA, dict(zip(dyk, dys)), value=db, instance=W.total(*dyk))
                dg = dY.col(j).dot(sp.ImmutableMatrix(xh))
                d.compute("dL/dgamma", dgamma, DGAMMA, {**dict(zip(dyk, dys)), **dict(zip(xhk, xh))}, value=dg,
                          instance=W.dot(dyk, xhk))
                dxj = d.compute("dL/dx", dx, DX, {gamma: g, m: mrows, var: var_j, eps: e, dy: dys, dbeta: db,
                                                  x_hat: xh, dgamma: dg})
                res["db"].append(db)
                res["dg"].append(dg)
                res["dx"].append(dxj)
            if p["x_test"] is not None:
                xt = tuple(r[j] for r in as_exact(p["x_test"]))
                one_row = len(xt) == 1  # a single test input is substituted as a number, not a 1-vector
                yt = d.compute("Test-time outputs (running averages)", sym("y_test"), Y_TEST,
                               {gamma: g, x: xt[0] if one_row else xt, r_mean: rm, r_var: rv, eps: e, beta: b},
                               text="At test time the batch statistics are replaced by the running averages just "
                                    "computed, so each test input is normalised on its own.")
                res["ytest"].append((yt,) if one_row else yt)

    def T(cols_):  # per-feature columns -> rows
        return [list(r) for r in zip(*cols_)]

    answers = [make_answer("mean", res["mu"]), make_answer("var", res["var"]),
               make_answer("x_hat", T(res["xhat"])), make_answer("y", T(res["y"])),
               make_answer("y_mean", res["ymean"]), make_answer("y_var", res["yvar"]),
               make_answer("running_mean", res["rm"]), make_answer("running_var", res["rv"])]
    if dY is not None:
        answers += [make_answer("dgamma", res["dg"]), make_answer("dbeta", res["db"]), make_answer("dX", T(res["dx"]))]
    if p["x_test"] is not None:
        answers.append(make_answer("y_test", T(res["ytest"])))
    d.conclude("Results", text="Per-feature vectors; matrices have one row per example.", answers=tuple(answers))
    return d


def _numeric(p, conv) -> dict[str, np.ndarray]:
    X = as_float(p["X"])
    mrows, n = X.shape
    G = as_float(p["gamma"]) if p["gamma"] is not None else np.ones(n)
    B = as_float(p["beta"]) if p["beta"] is not None else np.zeros(n)
    RM = as_float(p["running_mean"]) if p["running_mean"] is not None else np.zeros(n)
    RV = as_float(p["running_var"]) if p["running_var"] is not None else np.ones(n)
    e, mo = float(p["eps"]), float(p["momentum"])
    mu_ = X.mean(axis=0)
    var_ = ((X - mu_) ** 2).mean(axis=0)
    inv = 1.0 / np.sqrt(var_ + e)
    xh = (X - mu_) * inv
    out = {"mean": mu_, "var": var_, "x_hat": xh, "y": G * xh + B, "y_mean": B, "y_var": G ** 2 * var_ / (var_ + e)}
    bv = var_ * mrows / (mrows - 1) if conv["running_var"] == "unbiased" else var_
    if conv["momentum_form"] == "torch":
        rm, rv = (1 - mo) * RM + mo * mu_, (1 - mo) * RV + mo * bv
    else:
        rm, rv = mo * RM + (1 - mo) * mu_, mo * RV + (1 - mo) * bv
    out.update(running_mean=rm, running_var=rv)
    if p["dY"] is not None:
        dY = as_float(p["dY"])
        db = dY.sum(axis=0)
        dg = (dY * xh).sum(axis=0)
        out.update(dgamma=dg, dbeta=db, dX=G * inv / mrows * (mrows * dY - db - xh * dg))
    if p["x_test"] is not None:
        out["y_test"] = G * (as_float(p["x_test"]) - rm) / np.sqrt(rv + e) + B
    return out


def solve_numeric(p, conv) -> Derivation:
    """The same rules vectorised over the batch in float64 (column-wise NumPy)."""
    d = Derivation()
    r = _numeric(p, conv)
    mrows, n = r["x_hat"].shape
    d.note("Numeric path", f"A batch of {mrows} x {n} normalised per column in float64; per-element steps are not shown.")
    d.formula("Normalise", x_hat, XHAT)
    d.formula("Scale and shift", y, Y)
    big = mrows * n > LIST_LIMIT
    answers = []
    for k in ("mean", "var", "x_hat", "y", "y_mean", "y_var", "running_mean", "running_var", "dgamma", "dbeta", "dX", "y_test"):
        if k in r and not (big and k in ("x_hat", "y", "dX")):
            answers.append(make_answer(k, r[k]))
    d.conclude("Results", text="Per-feature vectors" + ("; the per-example matrices are too large to list." if big else "."),
               answers=tuple(answers))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A small batch (m = 3..5, 1..3 features) of one-decimal values, no feature constant over the batch."""
    while True:
        mrows, n = int(rng.integers(3, 6)), int(rng.integers(1, 4))
        X = np.round(rng.normal(size=(mrows, n)) * 2, 1)
        if np.any(X.var(axis=0) < 0.01):  # resample until every feature varies over the batch
            continue
        out = {"X": X.tolist(), "gamma": np.round(rng.uniform(0.5, 2, n), 1).tolist(),
               "beta": np.round(rng.normal(size=n), 1).tolist()}
        if rng.random() < 0.6:
            out["dY"] = np.round(rng.normal(size=(mrows, n)), 1).tolist()
        return out
