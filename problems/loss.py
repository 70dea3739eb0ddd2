"""Loss of given predictions: L = (1/n) sum_i l(y_i, ŷ_i) (or the sum), with l the squared, absolute, Huber, hinge or log-cosh loss, and dL/dŷ.

Exam questions: "The targets are y = (1, 0, 2) and the model predicts ŷ = (0.5, 0.2, 1.5): compute the mean
squared error"; "the mean absolute error", "the RMSE", "the Huber loss with δ = 1", "the hinge loss of the
scores ŷ for the labels y = ±1"; "the gradient of the loss with respect to the predictions"; "with an L2 penalty
α‖w‖² on the weights w, what is the regularised loss and its gradient with respect to w?". Each sample's loss,
the loss and the gradient are answers; the per-sample table is addressable (losses@i=2, gradient@i=2).

Conventions: `reduction` (the mean over the samples, torch's default, or the sum), `squared_error` (the squared
error (ŷ - y)² as torch's MSELoss, or ½ (ŷ - y)² as many course notes, which makes the gradient ŷ - y) and
`l2_scale` (an L2 penalty α‖w‖² or (α/2)‖w‖², whose gradient αw is torch's weight_decay). At a kink (|ŷ - y| = 0
for the absolute error, a margin y ŷ = 1 for the hinge) the gradient is 0, as torch's autograd gives.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from problems._written import absval, fmax, fmin, ln, mean, total
from solver import format as F
from solver.conventions import Convention
from solver.params import Choice, InvalidInput, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.symbolic import Derivation, checkpoint, make_answer, sym

TITLE = "Loss of given predictions and its gradient (MSE, MAE, RMSE, Huber, hinge, log-cosh)"
TOPIC = "layers"
KEYWORDS = ("mse", "mean squared error", "mean square error", "mae", "mean absolute error", "rmse",
            "root mean squared error", "root mean square error", "huber", "huber loss", "hinge", "hinge loss",
            "squared hinge", "log-cosh", "log cosh", "regression loss", "l1 loss", "l2 loss", "squared error",
            "absolute error", "regularised loss", "regularized loss")

# ---- the rules, written once --------------------------------------------------------------------
y, yh, delta = sym("y"), sym("ŷ", r"\hat{y}"), sym("δ", r"\delta")
alpha_s, w_s = sym("α", r"\alpha"), sym("w")
ell, grad_s, L_s = sym("ℓ", r"\ell"), sym("∂ℓ/∂ŷ", r"\frac{\partial \ell}{\partial \hat{y}}"), sym("L")
Lg = sym("∂L/∂ŷ", r"\frac{\partial L}{\partial \hat{y}}")

with sp.evaluate(False):
    R = sp.Add(yh, sp.Mul(-1, y))                      # the residual ŷ - y, as written
    MARGIN = sp.Add(1, sp.Mul(-1, y, yh))              # 1 - y ŷ
    _M = fmin(absval(R), delta)


class positive(sp.Function):
    """[x > 0]: 1 when x is positive, else 0 (the derivative of max(0, x), taken as 0 at the kink as torch does)."""

    @classmethod
    def eval(cls, x):
        return (sp.Integer(1) if x > 0 else sp.Integer(0)) if x.is_number else None

    def _latex(self, printer, exp=None):
        return r"\left[%s > 0\right]" % printer._print(self.args[0])

    def _sympystr(self, printer):
        return "[%s > 0]" % printer._print(self.args[0])


@dataclass(frozen=True)
class Kind:
    words: str          # how an exam names it
    loss: sp.Expr       # one sample's loss l(y, ŷ)
    grad: sp.Expr       # dl/dŷ
    root: bool = False  # RMSE: the square root of the mean


def _kinds(half: bool) -> dict[str, Kind]:
    with sp.evaluate(False):
        sq = R ** 2 / 2 if half else R ** 2
        dsq = R if half else 2 * R
        return {
            "mse": Kind("mean squared error (MSE)", sq, dsq),
            "mae": Kind("mean absolute error (MAE)", absval(R), sp.sign(R)),
            "rmse": Kind("root mean squared error (RMSE)", R ** 2, 2 * R, root=True),
            "huber": Kind("Huber loss", sp.Mul(_M, sp.Add(absval(R), sp.Mul(sp.Rational(-1, 2), _M))),
                          fmin(fmax(R, -delta), delta)),
            "hinge": Kind("hinge loss", fmax(0, MARGIN), sp.Mul(-1, y, positive(MARGIN))),
            "squared_hinge": Kind("squared hinge loss", fmax(0, MARGIN) ** 2, sp.Mul(-2, y, fmax(0, MARGIN))),
            "log_cosh": Kind("log-cosh loss", ln(sp.cosh(R)), sp.tanh(R)),
        }


KINDS = {False: _kinds(False), True: _kinds(True)}
LABELS = ("hinge", "squared_hinge")

with sp.evaluate(False):
    PEN = {("l2", "alpha"): alpha_s * sym("‖w‖²", r"\lVert w \rVert_2^2"),
           ("l2", "half_alpha"): alpha_s / 2 * sym("‖w‖²", r"\lVert w \rVert_2^2"),
           ("l1", "alpha"): alpha_s * sym("‖w‖₁", r"\lVert w \rVert_1"),
           ("l1", "half_alpha"): alpha_s * sym("‖w‖₁", r"\lVert w \rVert_1")}
    PEN_GRAD = {("l2", "alpha"): sp.Mul(2, alpha_s, w_s), ("l2", "half_alpha"): alpha_s * w_s,
                ("l1", "alpha"): alpha_s * sp.sign(w_s), ("l1", "half_alpha"): alpha_s * sp.sign(w_s)}

REDUCTION = Convention(
    "reduction", "Mean or sum over the samples",
    {"mean": "the loss is the mean of the samples' losses, L = (1/n) Σ ℓᵢ", "sum": "the loss is their sum, L = Σ ℓᵢ"},
    default="mean", why_default="torch's loss functions default to reduction='mean', and the names MSE and MAE say mean",
    aliases={"average": "mean", "avg": "mean", "total": "sum", "summed": "sum"},
    sources={"mean": "PyTorch's reduction='mean' (the default); Keras's losses; scikit-learn's mean_squared_error",
             "sum": "PyTorch's reduction='sum'; the sum-of-squares error of Bishop, Pattern Recognition and Machine "
                    "Learning, section 1.1"},
    paper={"mean": "Average the samples' losses: L = (1/n) Σᵢ ℓᵢ.", "sum": "Add the samples' losses: L = Σᵢ ℓᵢ."},
    cues={"mean": ("mean over the samples", "averaged over", "average loss", "reduction='mean'"),
          "sum": ("summed over", "sum of the losses", "total loss", "reduction='sum'", "sum of squared errors",
                  "sum of squares")})

SQUARED = Convention(
    "squared_error", "The ½ in the squared error",
    {"plain": "a sample's squared error is (ŷ − y)², with gradient 2(ŷ − y)",
     "half": "a sample's squared error is ½(ŷ − y)², with gradient ŷ − y"},
    default="plain", why_default="torch's MSELoss and the usual definition of the MSE have no ½",
    aliases={"none": "plain", "1/2": "half", "halved": "half"},
    sources={"plain": "PyTorch's torch.nn.MSELoss; scikit-learn's mean_squared_error",
             "half": "Goodfellow et al., Deep Learning, section 6.2; Bishop, Pattern Recognition and Machine Learning, "
                     "section 1.1; the handwritten course notes"},
    paper={"plain": "Use the squared error (ŷ − y)² without a factor ½.",
           "half": "Use the squared error ½(ŷ − y)², so that its gradient is ŷ − y."},
    cues={"plain": ("without the 1/2", "no factor 1/2", "without the half"),
          "half": ("1/2 (y - ŷ)^2", "1/2 (ŷ - y)^2", "half the squared error", "with the 1/2", "factor 1/2",
                   "1/2 * (y_hat - y)^2")})

L2_SCALE = Convention(
    "l2_scale", "α or α/2 in an L2 penalty",
    {"alpha": "the L2 penalty is α‖w‖², with gradient 2αw", "half_alpha": "the L2 penalty is (α/2)‖w‖², with gradient αw"},
    default="alpha", why_default="the penalty as exams usually write it, L + α‖w‖² (scikit-learn's Ridge)",
    aliases={"half": "half_alpha", "alpha/2": "half_alpha", "weight_decay": "half_alpha"},
    sources={"alpha": "scikit-learn's Ridge (α‖w‖²); Hastie et al., The Elements of Statistical Learning, section 3.4",
             "half_alpha": "Goodfellow et al., Deep Learning, section 7.1.1 ((α/2) wᵀw); Zhang et al., Dive into Deep "
                           "Learning, section 3.7 (λ/2); PyTorch's weight_decay (adds αw to the gradient)"},
    paper={"alpha": "Write the L2 penalty as α‖w‖² (its gradient is 2αw).",
           "half_alpha": "Write the L2 penalty as (α/2)‖w‖² (its gradient is αw)."},
    cues={"alpha": ("alpha ||w||^2", "α‖w‖²", "lambda ||w||^2"),
          "half_alpha": ("alpha/2 ||w||^2", "(α/2)‖w‖²", "lambda/2", "alpha/2", "weight decay")})
CONVENTIONS = (REDUCTION, SQUARED, L2_SCALE)

MAX_N = 1_000_000
PARAMS = (
    Param("y", Vector(max_len=MAX_N), required=True, label="Targets y",
          help="the true values (for the hinge losses the labels −1 and +1)",
          aliases=("y", "targets", "target", "true values", "labels", "ground truth", "actual values", "observed",
                   "true labels", "desired outputs", "t")),
    Param("y_hat", Vector(max_len=MAX_N), required=True, label="Predictions ŷ",
          help="the model's outputs, one per target (for the hinge losses the scores)",
          aliases=("y_hat", "ŷ", "yhat", "predictions", "predicted", "predicted values",
                   "scores", "prediction", "estimates", "y_pred", "p")),
    Param("kind", Choice({k: v.words for k, v in KINDS[False].items()},
                         aliases={"l2": "mse", "squared": "mse", "l1": "mae", "absolute": "mae", "logcosh": "log_cosh",
                                  "log-cosh": "log_cosh", "smooth_l1": "huber", "squared hinge": "squared_hinge"}),
          default="mse", label="Loss",
          help="mse, mae, rmse, huber (with δ), hinge, squared_hinge or log_cosh",
          aliases=("kind", "loss", "loss function", "criterion", "metric"),
          cues={"mse": ("mean squared error", "mean square error", "mse", "squared error", "l2 loss"),
                "mae": ("mean absolute error", "mae", "absolute error", "l1 loss"),
                "rmse": ("root mean squared error", "root mean square error", "rmse"),
                "huber": ("huber",),
                "hinge": ("hinge loss", "hinge"),
                "squared_hinge": ("squared hinge",),
                "log_cosh": ("log-cosh", "log cosh", "logcosh")}),
    Param("delta", Real(0, 10 ** 6, closed="right"), default="1", label="Huber δ",
          help="the Huber loss is quadratic for |ŷ − y| ≤ δ and linear beyond", aliases=("delta", "δ", "huber delta")),
    Param("weights", Vector(max_len=MAX_N), label="Weights w",
          help="optional: the model's weights, for a regularised loss L + α‖w‖²",
          aliases=("weights", "w", "weight vector", "parameters", "theta", "θ")),
    Param("alpha", Real(0, 10 ** 6), label="Penalty α",
          help="the regularisation strength (with weights)",
          aliases=("alpha", "α", "lambda", "λ", "regularization strength", "regularisation strength",
                   "regularization parameter", "penalty", "weight decay")),
    Param("penalty", Choice({"l2": "L2 (ridge): α‖w‖²", "l1": "L1 (lasso): α‖w‖₁"},
                            aliases={"ridge": "l2", "lasso": "l1", "2": "l2", "1": "l1"}),
          default="l2", label="Penalty",
          help="l2 (sum of squares of the weights) or l1 (sum of their absolute values)",
          aliases=("penalty type", "regularization", "regularisation", "norm"),
          cues={"l2": ("l2 penalty", "l2 regularization", "l2 regularisation", "ridge"),
                "l1": ("l1 penalty", "l1 regularization", "l1 regularisation", "lasso")}),
)

EXAMPLE = Example(
    params={"y": "3 -0.5 2 7", "y_hat": "2.5 0 2 8", "kind": "mse"},
    source="scikit-learn's documentation of mean_squared_error (y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0.0, 2, 8] "
           "gives 0.375)",
)

#: the exact path writes at most this many samples out in full (the rest are in the table)
WRITTEN_OUT = 3
EXACT_MAX = 200


def validate(p: dict[str, Any]) -> None:
    n, m = len(p["y"]), len(p["y_hat"])
    if n != m:
        raise InvalidInput("y_hat", f"The 'y_hat' parameter of loss has {m} predictions, but 'y' has {n} targets: give "
                                    f"one prediction per target.")
    if p["kind"] in LABELS:
        bad = [v for v in (as_float(p["y"]).tolist()) if v not in (-1.0, 1.0)]
        if bad:
            raise InvalidInput("y", f"The 'y' parameter of loss must hold the labels −1 and +1 for the {p['kind']} loss. "
                                    f"Got {F.text(bad[0])} instead.")
    if p["weights"] is not None and p["alpha"] is None:
        raise InvalidInput("alpha", "The 'alpha' parameter of loss is needed with weights: the regularised loss is "
                                    "L + α‖w‖². Give α (for example 0.01).")
    if p["alpha"] is not None and p["weights"] is None:
        raise InvalidInput("weights", "The 'weights' parameter of loss is needed with alpha: give the weights w of "
                                      "the penalty α‖w‖².")


def use_numeric(p) -> bool:
    return any(isinstance(p[k], np.ndarray) for k in ("y", "y_hat", "weights")) or len(p["y"]) > EXACT_MAX


def _kind_words(p) -> str:
    k = KINDS[False][p["kind"]]
    return k.words if p["kind"] != "huber" else f"Huber loss with δ = {F.text(as_exact(p['delta']))}"


def statement(p) -> Rich:
    parts: list[Any] = ["The targets are ", Eq(y, as_exact(p["y"])), " and the predictions are ",
                        Eq(yh, as_exact(p["y_hat"])), f". Compute the {_kind_words(p)}"]
    if p["weights"] is not None:
        pen = "an L2 penalty" if p["penalty"] == "l2" else "an L1 penalty"
        parts += [f" regularised by {pen} with ", Eq(alpha_s, as_exact(p["alpha"])), " on the weights ",
                  Eq(w_s, as_exact(p["weights"])), ", the gradient with respect to ŷ and the gradient with respect to w."]
    else:
        parts.append(" and its gradient with respect to the predictions ŷ.")
    return Rich(*parts)


def _conv_kind(p, conv) -> Kind:
    return KINDS[conv["squared_error"] == "half"][p["kind"]]


@lru_cache(maxsize=1024)
def _entry(name: str, latex: str, i: int) -> sp.Symbol:
    return sym(f"{name}_{i}", r"%s_{%d}" % (latex, i))


def solve(p, conv) -> Derivation:
    d = Derivation()
    kind = _conv_kind(p, conv)
    ys, yhs = as_exact(p["y"]), as_exact(p["y_hat"])
    n = len(ys)
    dl = as_exact(p["delta"])
    d.given("Targets", ys, lhs=y)
    d.given("Predictions", yhs, lhs=yh)
    d.formula("Loss of one sample", ell, kind.loss,
              text={"mse": "The squared error of each prediction.", "mae": "The absolute error of each prediction.",
                    "rmse": "The squared error of each prediction; the RMSE is the square root of their mean.",
                    "huber": "Quadratic for |ŷ − y| ≤ δ and linear beyond: ½r² or δ(|r| − δ/2) with r = ŷ − y, written "
                             "as one formula with m = min(|r|, δ).",
                    "hinge": "Zero once the margin y ŷ reaches 1, and 1 − y ŷ below it.",
                    "squared_hinge": "The square of the hinge loss.",
                    "log_cosh": "ln(cosh(ŷ − y)): about r²/2 for small errors and |r| − ln 2 for large ones."}[p["kind"]])
    d.formula("Its derivative with respect to the prediction", grad_s, kind.grad,
              text="At a kink the derivative is taken as 0, as torch's autograd does." if p["kind"] in
              ("mae", "hinge") else "")
    losses, grads = [], []
    for i in range(n):
        checkpoint()
        vals = {y: ys[i], yh: yhs[i], delta: dl}
        if i < WRITTEN_OUT:
            lv = d.compute(f"Sample {i + 1}: loss", _entry("ℓ", r"\ell", i + 1), kind.loss, vals)
        else:
            lv = kind.loss.xreplace(vals).doit()
        losses.append(lv)
        grads.append(kind.grad.xreplace(vals).doit())
    if n > WRITTEN_OUT:
        rest = f"Sample {n} is" if n == WRITTEN_OUT + 1 else f"Samples {WRITTEN_OUT + 1} to {n} are"
        d.note("The other samples", f"{rest} worked the same way; every sample is in the table.")
    checkpoint()
    reduce_mean = conv["reduction"] == "mean" or kind.root
    lsyms = [_entry("ℓ", r"\ell", i + 1) for i in range(n)]
    lvals = dict(zip(lsyms, losses))
    if kind.root:
        if conv["reduction"] == "sum":
            d.note("RMSE", "The RMSE is the square root of the mean of the squared errors whatever the reduction.")
        msq = d.compute("Mean squared error", sym("MSE"), mean(sp.Integer(n), *lsyms), lvals)
        loss = d.compute("Root mean squared error", L_s, sp.sqrt(sym("MSE")), {sym("MSE"): msq}, answer="loss")
        # dL/dŷᵢ = (dℓᵢ/dŷᵢ) / (2 n L)
        factor = sp.Integer(0) if loss == 0 else 1 / (2 * n * loss)
        if loss == 0:
            d.note("Gradient at zero error", "Every prediction is exact, so the RMSE's gradient is 0/0; it is taken as 0.")
    else:
        if reduce_mean:
            loss = d.compute("Loss: the mean over the samples", L_s, mean(sp.Integer(n), *lsyms) if n > 1 else lsyms[0],
                             lvals, answer="loss")
        else:
            loss = d.compute("Loss: the sum over the samples", L_s, total(*lsyms) if n > 1 else lsyms[0], lvals,
                             answer="loss")
        factor = sp.Rational(1, n) if reduce_mean else sp.Integer(1)
    gradient = [sp.simplify(g * factor) for g in grads]
    how = ("the RMSE's derivative is (∂ℓᵢ/∂ŷᵢ)/(2 n L)" if kind.root else
           "each sample's derivative divided by n (the mean)" if reduce_mean else "each sample's derivative (the sum)")
    rows = [(i + 1, ys[i], yhs[i], losses[i], grads[i], gradient[i]) for i in range(n)]
    d.table("Every sample", ["i", "y", "ŷ", "ℓ", "∂ℓ/∂ŷ", "∂L/∂ŷ"], rows,
            keys=("i", "y", "y_hat", "losses", "sample_gradient", "gradient"), index=("i",),
            text=f"∂L/∂ŷᵢ is {how}. Address a sample as losses@i=2 or gradient@i=2.")
    d.conclude("Per-sample losses and gradient", answers=(make_answer("losses", tuple(losses)),
                                                          make_answer("gradient", tuple(gradient))),
               text=f"The gradient of L with respect to ŷ: {how}.")
    if p["weights"] is not None:
        _penalty(d, p, conv, loss, exact_path=True)
    return d


def _penalty(d: Derivation, p, conv, loss, exact_path: bool) -> None:
    ws = as_exact(p["weights"]) if exact_path else as_float(p["weights"])
    a = as_exact(p["alpha"])
    key = (p["penalty"], conv["l2_scale"])
    if exact_path:
        wsyms = [_entry("w", "w", i + 1) for i in range(len(ws))]
        wvals = dict(zip(wsyms, ws))
        if p["penalty"] == "l2":
            norm = d.compute("Squared norm of the weights", sym("‖w‖²", r"\lVert w \rVert_2^2"),
                             total(*[s ** 2 for s in wsyms]) if len(ws) > 1 else wsyms[0] ** 2, wvals)
        else:
            norm = d.compute("L1 norm of the weights", sym("‖w‖₁", r"\lVert w \rVert_1"),
                             total(*[absval(s) for s in wsyms]) if len(ws) > 1 else absval(wsyms[0]), wvals)
        pen = d.compute("Penalty", sym("Ω"), PEN[key], {alpha_s: a, sym("‖w‖²", r"\lVert w \rVert_2^2"): norm,
                                                         sym("‖w‖₁", r"\lVert w \rVert_1"): norm}, answer="penalty")
        d.compute("Regularised loss", sym("J"), sym("L") + sym("Ω"), {sym("L"): loss, sym("Ω"): pen}, answer="total")
        gw = tuple(PEN_GRAD[key].xreplace({alpha_s: a, w_s: wv}) for wv in ws)
        d.compute("Gradient with respect to the weights", sym("∂J/∂w", r"\frac{\partial J}{\partial w}"), PEN_GRAD[key],
                  {alpha_s: a, w_s: ws}, value=gw, answer="gradient_w",
                  text="The data loss does not depend on w here (the predictions are given), so ∂J/∂w is the "
                       "penalty's gradient.")
    else:
        w = ws
        af = float(a)
        if p["penalty"] == "l2":
            pen = af * float(w @ w) * (0.5 if key[1] == "half_alpha" else 1.0)
            gw = af * w * (1.0 if key[1] == "half_alpha" else 2.0)
        else:
            pen = af * float(np.abs(w).sum())
            gw = af * np.sign(w)
        d.conclude("Regularised loss", text="The penalty, the regularised loss and its gradient with respect to w.",
                   answers=(make_answer("penalty", pen), make_answer("total", float(loss) + pen),
                            make_answer("gradient_w", tuple(gw.tolist()))))


# ---- numeric path -----------------------------------------------------------------------------------

_NP = [{"fmax": np.maximum, "fmin": np.minimum, "absval": np.abs, "ln": np.log,
        "positive": lambda x: (np.asarray(x) > 0).astype(float)}, "numpy"]


@lru_cache(maxsize=64)
def _vectorised(expr: sp.Expr):
    """The same rule as a NumPy function of (y, ŷ, δ)."""
    return sp.lambdify((y, yh, delta), expr, modules=_NP)


def solve_numeric(p, conv) -> Derivation:
    """The same per-sample rules, lambdified to NumPy over all the samples at once."""
    d = Derivation()
    kind = _conv_kind(p, conv)
    ys, yhs, dl = as_float(p["y"]), as_float(p["y_hat"]), float(as_exact(p["delta"]))
    n = ys.size
    if p["kind"] == "log_cosh":   # cosh overflows past |r| = 710 and rounds to 1 below |r| = 1e-8: log cosh r is
        a = np.abs(yhs - ys)       # log(1 + 2 sinh(r/2)^2) for small |r| and |r| + log(1 + e^(-2|r|)) - log 2 beyond
        small = np.log1p(2 * np.sinh(np.minimum(a, 20.0) / 2) ** 2)
        losses = np.where(a < 20.0, small, a + np.log1p(np.exp(-2 * a)) - np.log(2.0))
    else:
        losses = np.broadcast_to(_vectorised(kind.loss)(ys, yhs, dl), ys.shape).astype(float)
    grads = np.broadcast_to(_vectorised(kind.grad)(ys, yhs, dl), ys.shape).astype(float)
    d.note("Numeric path", f"float64 NumPy over {F.grouped(n)} samples, from the same per-sample formulas.")
    if kind.root:
        loss = float(np.sqrt(losses.mean()))
        gradient = grads / (2 * n * loss) if loss > 0 else np.zeros_like(grads)
    elif conv["reduction"] == "mean":
        loss, gradient = float(losses.mean()), grads / n
    else:
        loss, gradient = float(losses.sum()), grads
    d.conclude("Loss", answers=(make_answer("loss", loss), make_answer("losses", tuple(losses.tolist())),
                                make_answer("gradient", tuple(gradient.tolist()))))
    if p["weights"] is not None:
        _penalty(d, p, conv, loss, exact_path=False)
    return d


def generate(rng: np.random.Generator) -> dict:
    """Targets and predictions with one decimal; ±1 labels for the hinge losses."""
    kind = str(rng.choice(list(KINDS[False])))
    n = int(rng.integers(2, 6))
    if kind in LABELS:
        yv = [int(v) for v in rng.choice([-1, 1], size=n)]
    else:
        yv = [round(float(v), 1) for v in rng.uniform(-3, 3, size=n)]
    out: dict[str, Any] = {"y": yv, "y_hat": [round(float(v), 1) for v in rng.uniform(-3, 3, size=n)], "kind": kind}
    if kind == "huber":
        out["delta"] = float(rng.choice([0.5, 1.0, 1.5]))
    if rng.random() < 0.25:
        out["weights"] = [round(float(v), 1) for v in rng.uniform(-2, 2, size=3)]
        out["alpha"] = float(rng.choice([0.01, 0.1, 0.5]))
    return out
