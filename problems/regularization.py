"""L2 regularisation (weight decay): w <- w - eta (grad + alpha w) = (1 - eta alpha) w - eta grad; L1: w <- w - eta (grad + alpha sign(w)).

Exam questions: "With learning rate eta and L2 coefficient alpha, update these weights given their loss
gradient; do the same with L1" (the lecture notes, week 6, write the L2 update with + eta alpha w: the sign
must be minus, weight decay shrinks w); "the Hessian of the loss has these eigenvalues: by what factor
lambda_i/(lambda_i + alpha) does L2 shrink the optimum along each eigenvector?" (the lecture notes, week 6:
about 1 when lambda_i >> alpha, about 0 when lambda_i << alpha; lambda_i/(lambda_i + 2 alpha) for the penalty
alpha ||w||^2); "max-norm regularisation with gamma: rescale w to w gamma/||w|| when ||w|| > gamma" (the
optimization notes); and label-smoothing targets for K classes with smoothing epsilon (the handwritten notes:
0.9 on the true class and 0.011 on the others for K = 10).

Conventions: the L2 penalty alpha/2 ||w||^2 (gradient alpha w; the lecture notes and torch's weight_decay) or
alpha ||w||^2 (gradient 2 alpha w); label smoothing spreading epsilon over the K - 1 wrong classes
(true class 1 - epsilon; reproduces the handwritten notes) or over all K classes (true class 1 - epsilon +
epsilon/K; torch's CrossEntropyLoss(label_smoothing=...) and Keras). sign(0) = 0 in the L1 update (the
subgradient torch.sign uses).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from problems._layers import array_answers, exact_norm, norm_step
from solver import format as F
from solver.conventions import Convention
from solver.errata import Erratum
from solver.params import Int, InvalidInput, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.symbolic import Derivation, make_answer, sym

TITLE = "Regularisation: L2/L1 updates, eigen-shrinkage, max-norm, label smoothing"
TOPIC = "layers"
KEYWORDS = ("regularization", "regularisation", "weight decay", "l2", "l1", "lasso", "ridge", "max norm",
            "label smoothing", "shrinkage", "hessian eigenvalues", "l2 regularisation", "l2 regularization",
            "l1 regularization", "l1 regularisation", "penalty")

# ---- the rules, written once ---------------------------------------------------------------------
w, grad, eta, alpha, lam, gam, nrm = (sym("w"), sym("grad", r"\nabla L"), sym("eta", r"\eta"), sym("alpha", r"\alpha"),
                                      sym("lambda_i", r"\lambda_{i}"), sym("gamma", r"\gamma"),
                                      sym("norm_w", r"\lVert w \rVert_{2}"))
eps, K = sym("eps", r"\epsilon"), sym("K")
w_new = sym("w_new", r"w_{\mathrm{new}}")
with sp.evaluate(False):
    L2_GRAD_HALF = grad + alpha * w                       # penalty alpha/2 ||w||^2 (the lecture notes)
    L2_GRAD_FULL = grad + 2 * alpha * w                   # penalty alpha ||w||^2
    L2_UPDATE_HALF = w - eta * (grad + alpha * w)
    L2_UPDATE_FULL = w - eta * (grad + 2 * alpha * w)
    DECAY_HALF = 1 - eta * alpha
    DECAY_FULL = 1 - 2 * eta * alpha
    L1_UPDATE = w - eta * (grad + alpha * sp.sign(w))
    SHRINK_HALF = lam / (lam + alpha)                     # the lecture notes: w_tilde = Q D Q^T w*
    SHRINK_FULL = lam / (lam + 2 * alpha)                 # penalty alpha ||w||^2: its Hessian is 2 alpha I
    MAXNORM = w * (gam / nrm)                             # the optimization notes
    LS_TRUE_K1 = 1 - eps
    LS_OTHER_K1 = eps / (K - 1)
    LS_TRUE_K = 1 - eps + eps / K
    LS_OTHER_K = eps / K

L2_FORM = Convention(
    "l2_form", "Scale of the L2 penalty",
    {"half": "penalty alpha/2 ||w||^2, gradient alpha w (the lecture notes, week 6; torch SGD weight_decay=alpha)",
     "full": "penalty alpha ||w||^2, gradient 2 alpha w"},
    default="half", why_default="the lecture notes, week 6, write L + alpha/2 ||w||^2",
    cues={"half": ("alpha/2 ||w||^2", "(alpha/2)||w||^2", "lambda/2 ||w||^2", "1/2 alpha ||w||^2"),
          "full": ("alpha ||w||^2", "lambda ||w||^2", "+ alpha||w||^2")})
LABEL_SMOOTHING = Convention(
    "label_smoothing", "How label smoothing spreads epsilon",
    {"k-1": "true class 1 - eps, each of the K - 1 other classes eps/(K - 1) (the handwritten notes: 0.9 and 0.011 for "
            "K = 10)",
     "k": "true class 1 - eps + eps/K, every other class eps/K (torch CrossEntropyLoss(label_smoothing=eps), Keras)"},
    default="k-1", why_default="it reproduces the handwritten notes' 0.9 / 0.011",
    aliases={"K-1": "k-1", "K": "k", "torch": "k"},
    cues={"k": ("eps/k", "uniform distribution", "as in pytorch"), "k-1": ("eps/(k-1)", "k - 1 other classes")})
CONVENTIONS = (L2_FORM, LABEL_SMOOTHING)

ERRATA = (
    Erratum(where="the lecture notes, week 6 (L2 regularisation)", params={},
            wrote="the update w_{t+1} = w_t - eta grad L(w) + eta alpha w",
            right="the penalty's gradient alpha w is subtracted like the rest of the gradient: "
                  "w_{t+1} = w_t - eta grad L(w) - eta alpha w, as the update above computes",
            why="with the plus sign every step would grow the weights instead of decaying them"),
    Erratum(where="the handwritten notes (label smoothing)", params={"classes": "10", "smoothing": "0.1"},
            kind="ambiguity", wrote="the targets 0.9 and 0.011 for K = 10 and epsilon = 0.1",
            right="those are the K - 1 form, 1 - eps and eps/(K - 1) = 0.1/9 = 0.0111 (rounded to 0.011); the K form, "
                  "torch's, gives 0.91 and 0.01",
            why="which form is meant decides every target, so it is a convention here (label_smoothing)"),
)

BOUND, RATE_BOUND = 1e100, 10 ** 12
PARAMS = (
    # entries bounded by 1e100 and rates by 1e12 so that float64 products (lr alpha w), sums and norms of up to 1e7
    # entries cannot overflow on the numeric path (found by fuzzing: w = 1e400 gave inf - inf)
    Param("w", Vector(max_len=10 ** 7, lo=-BOUND, hi=BOUND), required=True, label="Weights w",
          aliases=("w", "weights", "weight vector", "the weights")),
    Param("grad", Vector(max_len=10 ** 7, lo=-BOUND, hi=BOUND), label="Loss gradient",
          help="dL/dw without the penalty; default 0",
          aliases=("gradient", "loss gradient", "grad", "g", "dL/dw", "gradient of the loss")),
    Param("lr", Real(0, RATE_BOUND, closed="right"), default="0.1", label="Learning rate eta",
          aliases=("learning rate", "learning-rate", "step size", "eta", "η", "lr")),
    Param("alpha", Real(0, RATE_BOUND), default="0.01", label="Regularisation alpha", help="L2/L1 coefficient",
          aliases=("alpha", "α", "lambda", "λ", "regularisation coefficient", "regularization coefficient",
                   "penalty coefficient", "regularization strength", "regularisation strength", "coefficient")),
    Param("eigenvalues", Vector(max_len=10 ** 6, lo=0, hi=BOUND), label="Hessian eigenvalues",
          help="optional: eigenvalues lambda_i of the loss Hessian for the shrinkage factors",
          aliases=("eigenvalues", "hessian eigenvalues", "eigenvalues of the hessian")),
    Param("max_norm", Real(0, RATE_BOUND, closed="right"), label="Max norm gamma",
          help="optional: max-norm constraint ||w|| <= gamma",
          aliases=("max norm", "max-norm", "max_norm", "maximum norm")),
    Param("classes", Int(2, 10 ** 6), label="Classes K", help="optional: label-smoothing targets for K classes",
          aliases=("classes", "K", "number of classes")),
    Param("smoothing", Real(0, 1, closed="left"), default="0.1", label="Smoothing epsilon",
          aliases=("smoothing", "label smoothing", "epsilon", "ε")),
    Param("target", Int(1, 10 ** 6), default="1", label="True class", help="1-based index of the true class",
          aliases=("true class", "target", "target class")),
)

EXAMPLE = Example(
    params={"w": "0.5 -1.2 2.0", "grad": "0.1 0.3 -0.2", "lr": "0.1", "alpha": "0.01", "eigenvalues": "1 0.01 0.0001",
            "max_norm": "1", "classes": "10", "smoothing": "0.1", "target": "1"},
    source="the lecture notes, week 6 (L2 and the eigen-shrinkage), the optimization notes (max-norm) and the "
           "handwritten notes (label smoothing)",
)


def validate(p: dict[str, Any]) -> None:
    if p["grad"] is not None and len(p["grad"]) != len(p["w"]):
        raise InvalidInput("grad", f"The 'grad' parameter of regularization must have one entry per weight "
                                   f"({len(p['w'])}). Got {len(p['grad'])} instead.")
    if p["classes"] is not None and p["target"] > p["classes"]:
        raise InvalidInput("target", f"The 'target' parameter of regularization must be a class in 1..{p['classes']}. "
                                     f"Got {p['target']} instead.")
    if p["eigenvalues"] is not None and p["alpha"] == 0 and any(float(v) == 0 for v in p["eigenvalues"]):
        raise InvalidInput("alpha", "The 'alpha' parameter of regularization must be positive when an eigenvalue is 0 "
                                    "(lambda/(lambda + alpha) would be 0/0). Got 0 instead.")


def use_numeric(p) -> bool:
    long = [v for v in (p["w"], p["grad"], p["eigenvalues"]) if v is not None]
    return any(isinstance(v, np.ndarray) or len(v) > 50 for v in long) or (p["classes"] or 0) > 50


def _head(v) -> Rich:
    """The first ten entries as maths, with ... when there are more."""
    return Rich(tuple(as_exact(v[:10])), " ..." if len(v) > 10 else "")


def statement(p) -> Rich:
    gs = Rich("0") if p["grad"] is None else _head(p["grad"])
    q = Rich("The weights are ", Eq(w, tuple(as_exact(p["w"][:10]))), " ..." if len(p["w"]) > 10 else "",
             " and the loss gradient is ", gs, ". With learning rate ", Eq(eta, p["lr"]), " and regularisation "
             "coefficient ", Eq(alpha, p["alpha"]), ", give one gradient step with L2 (weight decay) and with L1 "
             "regularisation.")
    if p["eigenvalues"] is not None:
        q += Rich(" The Hessian of the loss has eigenvalues ", _head(p["eigenvalues"]), ": by what factor does L2 "
                  "shrink the optimum along each eigenvector?")
    if p["max_norm"] is not None:
        q += Rich(" Apply a max norm of ", p["max_norm"], ": the constraint ",
                  Math(r"\lVert w \rVert \le " + F.latex(p["max_norm"]), "‖w‖ ≤ " + F.text(p["max_norm"])), ".")
    if p["classes"] is not None:
        q += Rich(f" Give the label-smoothing targets for {p['classes']} classes with ", Eq(eps, p["smoothing"]),
                  f" when the true class is {p['target']}.")
    return q


def solve(p, conv) -> Derivation:
    d = Derivation()
    wv = as_exact(p["w"])
    gv = as_exact(p["grad"]) if p["grad"] is not None else (sp.Integer(0),) * len(wv)
    lr, a = p["lr"], p["alpha"]
    half = conv["l2_form"] == "half"
    d.given("Weights", wv, lhs=w)
    d.given("Loss gradient", gv, lhs=grad)
    with d.group("L2 regularisation (weight decay)"):
        d.compute("Gradient of the regularised loss", sym("grad_reg", r"\nabla \tilde{L}"),
                  L2_GRAD_HALF if half else L2_GRAD_FULL, {grad: gv, alpha: a, w: wv},
                  text=L2_FORM.options[conv["l2_form"]] + ".")
        d.compute("Decay factor", sym("decay"), DECAY_HALF if half else DECAY_FULL, {eta: lr, alpha: a},
                  answer="decay_factor",
                  text="The update is (decay factor) w - eta grad: every step shrinks the weights towards 0.")
        d.compute("Update", w_new, L2_UPDATE_HALF if half else L2_UPDATE_FULL, {w: wv, eta: lr, grad: gv, alpha: a},
                  answer="w_l2")
    with d.group("L1 regularisation"):
        d.compute("Update (penalty alpha ||w||_1, gradient alpha sign(w))", w_new, L1_UPDATE,
                  {w: wv, eta: lr, grad: gv, alpha: a}, answer="w_l1",
                  text="Each weight moves towards 0 by the same amount eta alpha (sign(0) = 0), which drives small "
                       "weights to exactly 0.")
    if p["eigenvalues"] is not None:
        ev = as_exact(p["eigenvalues"])
        with d.group("Shrinkage along the Hessian's eigenvectors"):
            k = "alpha" if half else "2 alpha"
            d.note("Why", f"Near the optimum w* of L, the L2 optimum is w~ = Q D Q^T w* with D = diag(lambda_i/(lambda_i + "
                          f"{k})) (the lecture notes, week 6, for the penalty alpha/2 ||w||^2; the penalty alpha ||w||^2 adds "
                          f"2 alpha I to the "
                          f"Hessian): directions of large curvature (lambda_i >> {k}) are kept, flat ones "
                          f"(lambda_i << {k}) are shrunk to about 0.")
            d.compute("Shrinkage factors", sym("D_ii", r"D_{ii}"), SHRINK_HALF if half else SHRINK_FULL,
                      {lam: ev, alpha: a}, answer="shrinkage")
    if p["max_norm"] is not None:
        with d.group("Max-norm constraint"):
            nv = exact_norm(wv)
            norm_step(d, "Norm of w", nrm, wv, letter="w", answer="norm_w")
            if nv > p["max_norm"]:
                d.compute("Rescale onto the ball ||w|| = gamma", w_new, MAXNORM, {w: wv, gam: p["max_norm"], nrm: nv},
                          answer="w_maxnorm",
                          text="Max-norm adds no loss term; after a step, w is rescaled if its norm exceeds gamma (the "
                               "optimization notes).")
            else:
                d.answer_step(f"||w|| <= gamma = {F.text(p['max_norm'])}: w is unchanged",
                              make_answer("w_maxnorm", wv), kind="compute")
    if p["classes"] is not None:
        _smoothing(d, p, conv)
    return d


def _smoothing(d: Derivation, p, conv) -> None:
    k, e, t = p["classes"], p["smoothing"], p["target"]
    with d.group("Label smoothing"):
        d.note("Convention", LABEL_SMOOTHING.options[conv["label_smoothing"]] + ".")
        if conv["label_smoothing"] == "k-1":
            top = d.compute("True class", sym("y_true"), LS_TRUE_K1, {eps: e})
            other = d.compute("Each other class", sym("y_other"), LS_OTHER_K1, {eps: e, K: k})
        else:
            top = d.compute("True class", sym("y_true"), LS_TRUE_K, {eps: e, K: k})
            other = d.compute("Each other class", sym("y_other"), LS_OTHER_K, {eps: e, K: k})
        targets = [other] * k
        targets[t - 1] = top
        d.answer_step("Targets", make_answer("targets", targets),
                      text=f"Class {t} gets {F.text(top)}, each of the other {k - 1} gets {F.text(other)}; "
                           f"they sum to {F.text(sum(targets, sp.Integer(0)))}.")


def solve_numeric(p, conv) -> Derivation:
    """The same updates on float64 arrays."""
    d = Derivation()
    wv = as_float(p["w"])
    gv = as_float(p["grad"]) if p["grad"] is not None else np.zeros_like(wv)
    lr, a = float(p["lr"]), float(p["alpha"])
    f = 1.0 if conv["l2_form"] == "half" else 2.0
    ans = [make_answer("decay_factor", 1 - f * lr * a)]
    ans += array_answers({"w_l2": wv - lr * (gv + f * a * wv), "w_l1": wv - lr * (gv + a * np.sign(wv))})
    if p["eigenvalues"] is not None:
        ev = as_float(p["eigenvalues"])
        ans += array_answers({"shrinkage": ev / (ev + f * a)}, limit=None)  # the question: always listed
    if p["max_norm"] is not None:
        nv = float(np.linalg.norm(wv))
        g = float(p["max_norm"])
        ans.append(make_answer("norm_w", nv))
        ans += array_answers({"w_maxnorm": (wv / nv) * g if nv > g else wv})  # w/||w|| <= 1: no overflow
    if p["classes"] is not None:
        k, e = p["classes"], float(p["smoothing"])
        if conv["label_smoothing"] == "k-1":
            t = np.full(k, e / (k - 1))
            t[p["target"] - 1] = 1 - e
        else:
            t = np.full(k, e / k)
            t[p["target"] - 1] = 1 - e + e / k
        ans += array_answers({"targets": t})
    d.note("Numeric path", f"{wv.size} weights in float64.")
    d.conclude("Regularised weights", answers=tuple(ans))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A few one-decimal weights and gradients; positive eigenvalues on both sides of alpha; K >= 3."""
    n = int(rng.integers(2, 5))
    out: dict[str, Any] = {"w": np.round(rng.normal(size=n), 1).tolist(), "grad": np.round(rng.normal(size=n) * 0.5, 1).tolist(),
                           "lr": float(rng.choice([0.01, 0.05, 0.1, 0.5])), "alpha": float(rng.choice([0.001, 0.01, 0.1]))}
    if rng.random() < 0.5:
        out["eigenvalues"] = [float(v) for v in rng.choice([0.001, 0.01, 0.1, 1, 10], size=3)]
    if rng.random() < 0.5:
        out["max_norm"] = float(rng.choice([0.5, 1, 2]))
    if rng.random() < 0.5:
        k = int(rng.integers(3, 11))
        out.update(classes=k, smoothing=float(rng.choice([0.05, 0.1, 0.2])), target=int(rng.integers(1, k + 1)))
    return out
