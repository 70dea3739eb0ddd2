"""Perceptron learning rule: predict y_hat = 1 if w.x >= 0 else 0; on a mistake w <- w + lr (y - y_hat) x.

Exam questions: "A perceptron is trained on these labelled points, starting from these weights, until it
converges. Show the trace; what are the final weights, and what class does it give a new point?"
(the course notes, week 1: points (-1,2)->0, (0,-1)->1, (2,1)->0, zero start, no bias: w = (-1, -3) and
class 1 for (-2, 0)); "What are the weights after the second example of the first epoch?" (every row of
the trace is an answer: `w@epoch=1,point=2`, and `w@epoch=1` is the weights after epoch 1; `score@...` is
the net input w.x at that pattern); "Train for 2 epochs" (`max_epochs` is then the question's own number of
passes: the answer is the weights after them, not a failure to converge); "With w = (1, -0.5, -0.7), which
class does the perceptron give these points?" (no training data: the weights and the points to classify).

Conventions: the firing rule at a score of exactly 0 (`w.x >= 0` fires, as the notes; or `w.x > 0`),
the update rule (the notes' 0/1 labels updating on y != y_hat, or scikit-learn's -1/+1 labels
updating whenever y (w.x) <= 0, so a point with score 0 is always a mistake), and where the bias sits
(with `bias`, a constant input 1 is added to every point and its weight is learned like the others:
first, x0 = 1 and w0, as the notes; or last, x = (x1, ..., xn, 1) and w = (w1, ..., wn, b)). Points are
visited in the given order; training stops after the first full pass without a mistake.
"""
from __future__ import annotations

import math
import re
from typing import Any, Mapping

from solver.lazynp import np
import sympy as sp

from solver.conventions import Convention
from solver import format as F
from solver.numbers import Tolerance
from solver.params import Bool, Int, InvalidInput, Matrix, Param, Real, Vector, as_exact, as_float, name_given
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math, Step
from solver.symbolic import Derivation, evaluate, make_answer, sym

from ._nets import (BIAS_POSITION, VECTOR, augment, bias_first, bias_words, check_labels, entries, header, labels01,
                    linear_form, list_text, read_points_by_class)
from ._svg import Plot2D

TITLE = "Perceptron training trace"
TOPIC = "neurons"
KEYWORDS = ("perceptron", "rosenblatt", "linear classifier", "decision boundary", "trace", "perceptron learning",
            "perceptron learning rule", "until convergence", "converges", "misclassified", "net input")

# ---- the rule, written once -------------------------------------------------------------------------
w, x, y, y_hat, eta, s = (sym("w", r"\mathbf{w}"), sym("x", r"\mathbf{x}"), sym("y"), sym("y_hat", r"\hat{y}"),
                          sym("lr", r"\eta"), sym("w.x", r"\mathbf{w}^{\top}\mathbf{x}"))
with sp.evaluate(False):  # keep the order the notes write; one flat product, so the text reads w + lr*(y - y_hat)*x
    UPDATE = sp.Add(w, sp.Mul(eta, y - y_hat, x, evaluate=False), evaluate=False)  # the course notes: w = w + (y - y_hat) x
    UPDATE_PM1 = sp.Add(w, sp.Mul(eta, y, x, evaluate=False), evaluate=False)       # scikit-learn: labels -1/+1, y s <= 0
#: The firing rule as an exam writes it (SymPy would print a Piecewise as "Piecewise((1, w.x >= 0), (0, True))").
PREDICTION = {
    ">=": Math(r"\hat{y} = \begin{cases} 1 & \text{if } \mathbf{w}^{\top}\mathbf{x} \geq 0 \\ 0 & \text{otherwise} \end{cases}",
               "y_hat = 1 if w.x >= 0, else 0"),
    ">": Math(r"\hat{y} = \begin{cases} 1 & \text{if } \mathbf{w}^{\top}\mathbf{x} > 0 \\ 0 & \text{otherwise} \end{cases}",
              "y_hat = 1 if w.x > 0, else 0"),
}

FIRING = Convention(
    "firing_rule", "When the perceptron fires",
    {">=": "y_hat = 1 when w.x >= 0 (a score of exactly 0 fires; the course notes)",
     ">": "y_hat = 1 only when w.x > 0 (a score of exactly 0 gives class 0; scikit-learn's predict)"},
    default=">=", why_default="the course notes write y = 1 if w^T x >= 0", aliases={"ge": ">=", "gt": ">"},
    sources={">=": "the course notes, week 1 (y = 1 if wᵀx ≥ 0)",
             ">": "scikit-learn's sklearn.linear_model.Perceptron.predict (class 1 only for a score > 0)"},
    paper={">=": "The perceptron outputs 1 when w·x ≥ 0: a score of exactly 0 gives class 1.",
           ">": "The perceptron outputs 1 only when w·x > 0: a score of exactly 0 gives class 0."},
    cues={">=": ("w.x >= 0", "w^T x >= 0", "wx >= 0", "fires when w.x >= 0", "sum >= 0", "output 1 if w.x >= 0",
                 "outputs 1 if w.x >= 0", "1 if w^T x >= 0"),
          ">": ("w.x > 0", "w^T x > 0", "wx > 0", "strictly positive", "output 1 if w.x > 0", "outputs 1 if w.x > 0",
                "1 if w^T x > 0")})
UPDATE_RULE = Convention(
    "update_rule", "Perceptron update rule",
    {"classic": "labels 0/1; on a mistake (y != y_hat) w <- w + lr (y - y_hat) x (the course notes)",
     "sklearn": "labels -1/+1; whenever y (w.x) <= 0 (a score of 0 is always a mistake) w <- w + lr y x (scikit-learn)"},
    default="classic", why_default="the course notes use w = w + (y - y_hat) x",
    sources={"classic": "the course notes, week 1 (w = w + (y − ŷ) x, labels 0/1)",
             "sklearn": "scikit-learn's sklearn.linear_model.Perceptron (labels −1/+1, an update whenever y·(w·x) ≤ 0)"},
    paper={"classic": "Use labels 0/1 and update only on a mistake: w ← w + η (y − ŷ) x.",
           "sklearn": "Use labels −1/+1 and update whenever y (w·x) ≤ 0, a score of 0 included: w ← w + η y x."},
    cues={"sklearn": ("-1/+1", "labels -1 and +1", "labels +1 and -1", "scikit-learn", "y (w.x) <= 0"),
          "classic": ("w + (y - y_hat) x", "w = w + (y - y_hat)x", "0/1 labels")})
CONVENTIONS = (FIRING, UPDATE_RULE, BIAS_POSITION)

#: Passes over the data when the question gives no number of epochs (the data may not be separable).
DEFAULT_EPOCHS = 100

#: Largest |entry| of X, w0 and the points to classify (MAX_LR bounds the learning rate): scores and weights then stay
#: far inside float64 and inside what a step can print (1e308 made the numeric path overflow to inf).
MAX_MAGNITUDE = 10 ** 12


PARAMS = (
    Param("X", Matrix(max_rows=10000, max_cols=100, lo=-MAX_MAGNITUDE, hi=MAX_MAGNITUDE), label="Points",
          help="the training points, one per row, e.g. (-1,2), (0,-1), (2,1); leave empty to classify with given weights",
          aliases=("points", "data points", "inputs", "input points", "examples", "training points", "dataset", "data", "X",
                   "patterns", "samples", "training data", "training set")),
    Param("y", Vector(max_len=10000), label="Labels", help="one label per training point: 0/1 (or -1/+1)",
          aliases=("labels", "label", "classes", "class labels", "targets", "target", "y", "desired outputs", "t")),
    Param("w0", Vector(max_len=101, lo=-MAX_MAGNITUDE, hi=MAX_MAGNITUDE), label="Initial weights (or the weights)",
          help="the starting weights (default zeros); without training points, the weights that classify; with a bias, "
               "the bias weight sits where the bias_position convention says (first by default)",
          aliases=("initial weights", "starting weights", "initial weight vector", "weights start at", "w_0", "w0",
                   "initialized to", "initialised to", "initial w", "weights", "weight vector", "w")),
    Param("bias", Bool(), default="true", label="Learn a bias",
          help="add a constant input 1 to every point and learn its weight (the bias)",
          cues={"false": ("ignore the bias", "ignore the bias term", "no bias", "without bias", "without a bias",
                         "bias term is ignored", "no bias term", "without the bias"),
                "true": ("with a bias", "with bias", "bias input", "x0 = 1", "bias weight", "learn a bias",
                         "including the bias", "with a bias term")}),
    Param("lr", Real(0, None, closed="neither"), default="1", label="Learning rate",
          aliases=("learning rate", "learning-rate", "step size", "eta", "η", "lr", "alpha", "α")),
    Param("max_epochs", Int(1, 1000), label="Epochs",
          help="the number of passes the question asks for (training stops earlier at a pass with no mistake); "
               f"default: at most {DEFAULT_EPOCHS} passes, since the data may not be separable",
          aliases=("epochs", "maximum epochs", "max epochs", "at most", "passes", "maximum number of epochs",
                   "epoch", "pass")),
    Param("classify", Matrix(max_rows=1000, max_cols=100, lo=-MAX_MAGNITUDE, hi=MAX_MAGNITUDE), label="Points to classify",
          help="optional: points to classify with the final weights (or with the given weights, without training)",
          aliases=("new point", "new points", "test point", "test points", "query point", "classify", "point to classify",
                   "new input", "unseen point", "assign to", "assigned to", "class for", "class of",
                   "classify the point", "classify the points", "output for", "outputs for", "for the input",
                   "for input", "on the input")),
)

#: The perceptron rule adds lr * x to w, so on a hand-sized trace the weights are exact sums (integers for the
#: notes' data): they are checked to 1e-9, whatever precision they are shown to. Predictions are classes: exact.
EXACT_WEIGHTS = Tolerance(abs=1e-9)
CLASSES = Tolerance(abs=0)


def read_structure(text: str, conventions: dict) -> dict | None:
    """The question reader's hook (solver.reading): points stated class by class ("(0,0) and (1,1) are in class 0
    and (0,1) and (1,0) in class 1") read as X and y; weights and a bias stated apart ("weights w = (1, -1) and bias
    -0.5") read as one weight vector w0 with the bias where the bias_position convention puts it."""
    found = read_points_by_class(text)
    w, b = _WEIGHTS.search(text), _BIAS.search(text)
    if w is None or b is None:
        return found
    last = conventions.get("bias_position", BIAS_POSITION.default) == "last"
    ws = entries(w.group(1))
    vec = ws + [b.group(1)] if last else [b.group(1)] + ws
    span = (min(w.start(), b.start()), max(w.end(), b.end()))
    out = found or {"fields": {}, "replaces": ()}
    out["fields"]["w0"] = (list_text(vec), span)
    out["notes"] = [f"The bias {b.group(1)} is the {'last' if last else 'first'} weight (bias_position = "
                    f"{'last' if last else 'first'}): w = ({', '.join(vec)})."]
    q = _QUERY.search(text)
    if q and "classify" not in out["fields"]:   # "what does it output for x = (1, 0)?"
        out["fields"]["classify"] = (list_text(entries(q.group(1))), (q.start(), q.end()))
    return out


_WEIGHTS = re.compile(r"\bweights?(?:\s+vector)?\s*(?:w\s*)?(?:=|:|are|of|is)?\s*" + VECTOR, re.I)
_QUERY = re.compile(r"\b(?:output|outputs|class|classify|predict|prediction)\s+(?:for|of|on)?\s*(?:the\s+input\s+)?x\s*="
                    r"\s*" + VECTOR, re.I)
_BIAS = re.compile(r"\bbias(?:\s+(?:weight|term))?\s*(?:b\s*|w_?0\s*|θ\s*)?(?:=|:|is|of)?\s*(-?\d+(?:\.\d+)?)(?!\d|\.\d|\s*[,)\]])",
                   re.I)


EXAMPLE = Example(
    params={"X": "(-1,2), (0,-1), (2,1)", "y": "0 1 0", "bias": "false", "classify": "(-2,0)"},
    source="the course notes, week 1 (the perceptron trained on three points)",
)

#: Largest learning rate (the scale of w does not change any prediction; with MAX_MAGNITUDE it keeps the steps
#: inside float64).
MAX_LR = 1000


def translate(raw: Mapping[str, Any]) -> dict[str, Any]:
    """`w` (the weights of a perceptron that only classifies) is accepted for `w0`; points X without labels, with given
    weights and nothing else to classify, are the points to classify (there is nothing to train on)."""
    out = dict(raw)
    if name_given(out, "w"):
        if name_given(out, "w0"):
            raise InvalidInput("w", "The 'w' parameter of perceptron must be left out when 'w0' is given: give the "
                                    "weights once.")
        out["w0"] = out.pop("w")
    else:
        out.pop("w", None)
    if name_given(out, "X") and name_given(out, "w0") and not name_given(out, "y") and not name_given(out, "classify"):
        out["classify"] = out.pop("X")
    return out


def _trains(p) -> bool:
    return p["X"] is not None


def _bias(p) -> bool:
    """Whether the weights hold a bias: `bias`, except that given weights with one entry per input have none."""
    if not _trains(p) and p["w0"] is not None and len(p["w0"]) == _shape(p["classify"])[1]:
        return False
    return p["bias"]


def validate(p: dict[str, Any]) -> None:
    if p["lr"] > MAX_LR:
        raise InvalidInput("lr", f"The 'lr' parameter of perceptron must be at most {MAX_LR} (the scale of w does not "
                                 f"change any prediction). Got {F.text(p['lr'])} instead.")
    if not _trains(p):
        if p["w0"] is None or p["classify"] is None:
            missing = "X" if p["w0"] is None else "classify"
            raise InvalidInput(missing, f"The '{missing}' parameter of perceptron is required: give training points X "
                                        "with labels y, or the weights w0 and the points to classify.")
        if p["y"] is not None:
            raise InvalidInput("X", "The 'X' parameter of perceptron is required with labels y: give the training "
                                    "points the labels belong to.")
        d = _shape(p["classify"])[1]
    else:
        if p["y"] is None:
            raise InvalidInput("y", "The 'y' parameter of perceptron is required to train: give one label 0/1 (or -1/+1) "
                                    "per point of X.")
        n, d = _shape(p["X"])
        check_labels(p["y"], n, "perceptron")
    dim = d + (1 if _bias(p) else 0)
    if p["w0"] is not None and len(p["w0"]) != dim:
        extra = " (one per input, and the bias weight)" if _bias(p) else " (one per input: there is no bias)"
        raise InvalidInput("w0", f"The 'w0' parameter of perceptron must have {dim} entries{extra}. Got {len(p['w0'])}.")
    if _trains(p) and p["classify"] is not None and _shape(p["classify"])[1] != d:
        raise InvalidInput("classify", f"The 'classify' parameter of perceptron must have points with {d} coordinates, "
                                       f"like X. Got {_shape(p['classify'])[1]}.")


def _shape(M) -> tuple[int, int]:
    if isinstance(M, np.ndarray):
        return M.shape
    return len(M), len(M[0])


def _epochs(p) -> int:
    return p["max_epochs"] if p["max_epochs"] is not None else DEFAULT_EPOCHS


def use_numeric(p) -> bool:
    if not _trains(p):
        return isinstance(p["classify"], np.ndarray) or len(p["classify"]) > 200
    n, d = _shape(p["X"])
    return isinstance(p["X"], np.ndarray) or n * (d + 1) * _epochs(p) > 200_000


def _fmt_point(pt) -> str:
    return F.text(tuple(pt))


W0 = sym("w_0", r"\mathbf{w}_{0}")
ETA = sym("eta", r"\eta")


def _points_rich(pts, labels=None, limit: int = 12) -> list:
    """Points as maths, each with its label (`(−1, 2) → 0`), separated by commas."""
    out: list = []
    for i, pt in enumerate(pts[:limit]):
        if i:
            out.append(", ")
        out.append(tuple(pt))
        if labels is not None:
            out.append(Math(r"\to %d" % labels[i], f" → {labels[i]}"))
    if len(pts) > limit:
        out.append(", …")
    return out


def statement(p) -> Rich:
    bias = ("with a bias (a constant input 1 whose weight is learned)" if _trains(p) else "with a bias") if _bias(p) \
        else "with no bias term"
    q: list = []
    if p["classify"] is not None:
        pts = as_exact(p["classify"][:12])
        q = [" What class does the " + ("trained " if _trains(p) else "") + "perceptron assign to ",
             *_points_rich(pts), "?"]
    if not _trains(p):
        d = _shape(p["classify"])[1]
        return Rich(f"A perceptron with {d} input{'s' if d > 1 else ''}, {bias}, has the weights ",
                    Eq(sym("w", r"\mathbf{w}"), tuple(as_exact(p["w0"]))), ".", *q)
    X = as_exact(p["X"][:12])
    labels = labels01(p["y"])
    n, d = _shape(p["X"])
    w0 = "zeros" if p["w0"] is None else Eq(W0, tuple(as_exact(p["w0"])))
    given = p["max_epochs"] is not None
    passes = (f"for {p['max_epochs']} epoch{'s' if p['max_epochs'] > 1 else ''} (passes over the points, in the given "
              "order), stopping early after a pass with no mistake" if given else
              f"in the given order until a full pass makes no mistake (at most {DEFAULT_EPOCHS} epochs)")
    return Rich(f"A perceptron with {d} input{'s' if d > 1 else ''}, {bias}, is trained on {n} labelled points: ",
                *_points_rich(X, labels), ". The weights start at ", w0, ", the learning rate is ", Eq(ETA, p["lr"]),
                f", and it is trained {passes}. What are the final weights?", *q)


def _dot_math(wv, xv, value) -> Math:
    terms_l = " + ".join(f"{F.latex(a, paren=True)} \\cdot {F.latex(b, paren=True)}" for a, b in zip(wv, xv))
    terms_t = " + ".join(f"{F.text(a, paren=True)}*{F.text(b, paren=True)}" for a, b in zip(wv, xv))
    return Math(f"\\mathbf{{w}}^{{\\top}}\\mathbf{{x}} = {terms_l} = {F.latex(value)}", f"w.x = {terms_t} = {F.text(value)}")


def _fires(score, rule: str) -> int:
    return int(bool(score >= 0)) if rule == ">=" else int(bool(score > 0))


def _is_mistake(score, label01: int, conv) -> bool:
    if conv["update_rule"] == "sklearn":
        ypm = 1 if label01 == 1 else -1
        return bool(ypm * score <= 0)
    return _fires(score, conv["firing_rule"]) != label01


def _bias_note(d: Derivation, bias: bool, position: str) -> None:
    if bias:
        where = "a leading constant input x0 = 1, so the bias is the weight w0" if position == "first" else \
            "a trailing constant input 1, so the bias is the last weight b"
        d.note("Bias as a constant input", f"Each point gets {where}: w.x = {bias_words(bias, position)}.")


def _prediction_step(d: Derivation, rule: str) -> None:
    cmp = ">=" if rule == ">=" else ">"
    d.add(Step("formula", "Prediction", formula=PREDICTION[cmp],
               text=f"The perceptron fires (predicts 1) when the score w.x is {'at least' if cmp == '>=' else 'greater than'} 0."))


def _classify(d: Derivation, wv, Q, bias: bool, position: str, rule: str) -> None:
    """The class of each point to classify with the weights wv: one compare step each, an addressable table (the score
    and class of new point i: `score@new_point=i`, `y_hat@new_point=i`) and the predictions."""
    preds, scores, rows = [], [], []
    with d.group("Classify the new points"):
        for i, q in enumerate(Q):
            qv = augment(q, bias, position)
            score = sum((a * b for a, b in zip(wv, qv)), sp.Integer(0))
            cls = _fires(score, rule)
            preds.append(cls)
            scores.append(score)
            rows.append((i + 1, tuple(q), score, cls))
            if i < 30:
                rel = ("\\geq" if rule == ">=" else ">") if cls else ("<" if rule == ">=" else "\\leq")
                d.compare(f"Point {_fmt_point(q)}: class {cls}",
                          text=f"The score is {F.text(score)}, which is {'' if cls else 'not '}"
                               f"{'>= 0' if rule == '>=' else '> 0'}, so the class is {cls}.",
                          formula=_dot_math(wv, qv, score),
                          value=Math(f"{F.latex(score)} {rel} 0 \\Rightarrow \\hat{{y}} = {cls}", f"class {cls}"))
    d.table("The new points", [header("new point"), header("x", r"\mathbf{x}"),
                               header("w.x", r"\mathbf{w}^{\top}\mathbf{x}"), header("y_hat", r"\hat{y}")], rows,
            text="The score w.x (the net input) and the class of each point to classify.",
            keys=("new_point", "x", "score", "y_hat"), index=("new_point",))
    d.conclude("Predictions", answers=(make_answer("predictions", [sp.Integer(c) for c in preds], tolerance=CLASSES),
                                       make_answer("scores", tuple(scores))),
               value=F.math(tuple(preds)))


def _forward_only(p, conv) -> Derivation:
    """No training points: classify the points with the given weights."""
    d = Derivation()
    bias, position = _bias(p), conv["bias_position"]
    wv = tuple(as_exact(p["w0"]))
    d.given("Weights", wv, lhs=w, text="Given; there is no training: the weights classify the points as they are."
            + (" They have one entry per input, so there is no bias." if p["bias"] and not bias else ""))
    _bias_note(d, bias, position)
    _prediction_step(d, conv["firing_rule"])
    _classify(d, wv, as_exact(p["classify"]), bias, position, conv["firing_rule"])
    _plot(d, [], [], wv, bias, position, as_exact(p["classify"]), True)
    return d


def solve(p, conv) -> Derivation:
    if not _trains(p):
        return _forward_only(p, conv)
    d = Derivation()
    X = as_exact(p["X"])
    labels = labels01(p["y"])
    bias, lr, rule, position = p["bias"], p["lr"], conv["update_rule"], conv["bias_position"]
    pts = [augment(pt, bias, position) for pt in X]
    dim = len(pts[0])
    wv = tuple(as_exact(p["w0"])) if p["w0"] is not None else (sp.Integer(0),) * dim

    d.given("Training points", text="; ".join(f"x{i + 1} = {_fmt_point(pt)}, y{i + 1} = {lab}"
                                               for i, (pt, lab) in enumerate(zip(X, labels))))
    _bias_note(d, bias, position)
    d.given("Initial weights", wv, lhs=sym("w_0", r"\mathbf{w}_{0}"))
    _prediction_step(d, conv["firing_rule"])
    if rule == "classic":
        d.formula("Update on a mistake", w, UPDATE, text="On a mistake (y_hat != y) the weights move by lr (y - y_hat) x: "
                  "towards x for a missed positive, away from x for a false positive.")
    else:
        d.formula("Update on a mistake", w, UPDATE_PM1, text="With labels -1/+1, a point is a mistake whenever y (w.x) <= 0, "
                  "and then w moves by lr y x.")

    rows, trace, update_steps = [], [], []
    epochs = updates = 0
    converged = False
    limit = _epochs(p)
    for epoch in range(1, limit + 1):
        epochs = epoch
        mistakes = 0
        for i, (xv, lab) in enumerate(zip(pts, labels)):
            score = sum((a * b for a, b in zip(wv, xv)), sp.Integer(0))
            pred = _fires(score, conv["firing_rule"])
            mistake = _is_mistake(score, lab, conv)
            before = wv
            if mistake:
                mistakes += 1
                updates += 1
                if rule == "classic":
                    vals = {w: wv, eta: lr, y: sp.Integer(lab), y_hat: sp.Integer(pred), x: xv}
                    expr = UPDATE
                else:
                    vals = {w: wv, eta: lr, y: sp.Integer(1 if lab == 1 else -1), x: xv}
                    expr = UPDATE_PM1
                wv = evaluate(expr, vals)
                update_steps.append((epoch, i, expr, vals, wv, score, pred, lab))
            change = ("w - lr x" if (rule == "classic" and pred == 1) or (rule == "sklearn" and lab == 0) else "w + lr x") \
                if mistake else "no update"
            rows.append((epoch, i + 1, xv, before, score, pred, lab, change, wv))
            trace.append({"epoch": epoch, "point": i + 1, "x": [_num(v) for v in xv], "w_before": [_num(v) for v in before],
                          "score": _num(score), "y_hat": pred, "y": lab, "update": mistake, "w_after": [_num(v) for v in wv]})
        if mistakes == 0:
            converged = True
            break

    cols = ("epoch", "point", "x", "w before", "w.x", "y_hat", "y", "update", "w after")
    heads = [Math(r"\text{%s}" % c.replace("_", r"\_"), c) if c not in ("w.x", "y_hat") else
             Math(r"\mathbf{w}^{\top}\mathbf{x}" if c == "w.x" else r"\hat{y}", c) for c in cols]
    if bias:  # the x column holds the augmented point
        heads[2] = Math(r"\mathbf{x} = (1, x_1, \ldots)", "x = (1, x1, ...)") if position == "first" else \
            Math(r"\mathbf{x} = (x_1, \ldots, 1)", "x = (x1, ..., 1)")
    d.table("Training trace", heads,
            rows, text="One row per point visited; the weights change only on a mistake. Every entry is an answer: "
                       "w@epoch=1,point=2 is the weights after point 2 of epoch 1, w@epoch=1 the weights after epoch 1, "
                       "score@epoch=1,point=2 the net input w.x there."
                       + (" Each x holds the constant bias input 1." if bias else ""),
            answer=make_answer("trace", trace),
            keys=("epoch", "point", "x", "w_before", "score", "y_hat", "y", "update", "w"), index=("epoch", "point"))

    shown = update_steps[:30]
    if shown:
        with d.group("The updates, one by one", text="" if len(update_steps) <= 30 else
                     f"The first 30 of {len(update_steps)} updates; the table above has them all."):
            for (epoch, i, expr, vals, after, score, pred, lab) in shown:
                d.compute(f"Epoch {epoch}, point {i + 1}: w.x = {F.text(score)}, y_hat = {pred}, y = {lab}: mistake",
                          w, expr, vals, kind="update", value=after)

    wf = make_answer("w", wv, tolerance=EXACT_WEIGHTS)
    counts = (wf, make_answer("epochs", sp.Integer(epochs)), make_answer("updates", sp.Integer(updates)),
              make_answer("converged", converged))
    if converged:
        d.status = "solved"
        d.conclude(f"Converged in epoch {epochs}",
                   text=f"Epoch {epochs} was a full pass with no mistake, so training stops after {epochs} epoch"
                        f"{'s' if epochs > 1 else ''} and {updates} update{'s' if updates != 1 else ''}.",
                   answers=counts, value=F.equals(w, wv))
    elif p["max_epochs"] is not None:  # the question's own number of passes: the weights after them are the answer
        d.status = "solved"
        d.conclude(f"After {epochs} epoch{'s' if epochs > 1 else ''}, as asked",
                   text=f"The question asks for {epochs} epoch{'s' if epochs > 1 else ''}; the weights below are those "
                        f"after the last of them ({updates} update{'s' if updates != 1 else ''} in all). The last pass "
                        "still made a mistake, so training would go on with more epochs.",
                   answers=counts, value=F.equals(w, wv))
    else:
        d.status = "not_converged"
        d.conclude(f"Not converged after {epochs} epochs",
                   text=f"Every one of the {epochs} passes made at least one mistake ({updates} updates in all). "
                        "The perceptron converges only on linearly separable data, so these points may not be separable "
                        "(or more epochs are needed). The weights below are those after the last update.",
                   answers=counts, value=F.equals(w, wv))

    Q = as_exact(p["classify"]) if p["classify"] is not None else []
    if p["classify"] is not None:
        _classify(d, wv, Q, bias, position, conv["firing_rule"])
    d.extras["plot"] = _plot_data(X, labels, wv, bias, position)
    _plot(d, X, labels, wv, bias, position, Q, converged)
    return d


def _plot(d: Derivation, X, labels, wv, bias: bool, position: str, Q, converged: bool) -> None:
    """The picture of 2-D points and the decision boundary (nothing for other dimensions)."""
    dims = {len(pt) for pt in list(X) + list(Q)}
    if dims != {2}:
        return
    svg = boundary_svg([[float(a) for a in pt] for pt in X], labels, [float(v) for v in bias_first(wv, bias, position)],
                       bias, [[float(a) for a in q] for q in Q], converged)
    if svg:
        d.extras["svg"], d.extras["svg_title"] = svg, "Points and decision boundary"


def _num(v):
    return int(v) if v.is_Integer else float(v)


def _plot_data(X, labels, wv, bias, position: str = "first") -> dict:
    """Plot-ready data: the points, their labels and the boundary w.x = 0 (2-D inputs only)."""
    if len(X[0]) != 2:
        return {}
    return {"kind": "decision_boundary", "points": [[float(a) for a in pt] for pt in X], "labels": labels,
            "w": [float(v) for v in wv], "bias": bias,
            "boundary": (("w0 + w1 x1 + w2 x2 = 0" if position == "first" else "w1 x1 + w2 x2 + b = 0") if bias
                         else "w1 x1 + w2 x2 = 0")}


CLASS_COLOURS = {1: "#1f77b4", 0: "#d62728"}   # class 1 blue circles, class 0 red squares (shape and colour)
MAX_PLOT_POINTS = 2000


def boundary_svg(X, labels, w, bias: bool, queries=(), converged: bool = True, size: int = 360) -> str | None:
    """Hand-written SVG (problems/_svg.py) of 2-D training points, by class, the decision boundary w.x = 0 of the
    final weights, the side where the perceptron fires (w.x >= 0) shaded, and the points to classify (hollow,
    outlined in their predicted class's colour)."""
    # plain floats (a hand-sized plot: NumPy stays unloaded for an exact solve, solver.lazynp)
    X, Q = ([(float(x), float(y)) for x, y in (v.tolist() if isinstance(v, np.ndarray) else v)] for v in (X, queries))
    w = [float(v) for v in w]
    if not all(math.isfinite(v) for v in [*w, *(c for pt in X + Q for c in pt)]):
        return None  # nothing sensible to draw
    c, a, b = (w[0], w[1], w[2]) if bias else (0.0, w[0], w[1])
    view = X + Q if bias else X + Q + [(0.0, 0.0)]  # without a bias the boundary passes through the origin
    eq = _linear_text([(c, ""), (a, "x1"), (b, "x2")] if bias else [(a, "x1"), (b, "x2")]) + " = 0"
    plot = Plot2D(view, size=size, title="Perceptron: the points and the decision boundary "
                  + ("w.x = 0" if a or b else "(none: w1 = w2 = 0)") + ("" if converged else " after the last update"))
    plot.ticks()
    x0, y0, x1, y1 = plot.box
    if x0 < 0 < x1:  # the coordinate axes, faint, where the view crosses them
        plot.line((0, y0), (0, y1), "#ccc", dash="2 3")
    if y0 < 0 < y1:
        plot.line((x0, 0), (x1, 0), "#ccc", dash="2 3")
    if a or b:
        plot.polygon(plot.half_plane(a, b, c), CLASS_COLOURS[1], opacity=0.10)
        seg = plot.clip_line(a, b, c)
        if seg is not None:
            plot.line(seg[0], seg[1], "black", width=2)
    for i, (pt, lab) in enumerate(zip(X[:MAX_PLOT_POINTS], labels[:MAX_PLOT_POINTS])):
        tip = f"x{i + 1} = ({F.tick(pt[0])}, {F.tick(pt[1])}), y = {lab}"
        if lab == 1:
            plot.circle(pt, 4.5, CLASS_COLOURS[1], tooltip=tip)
        else:
            plot.square(pt, 4, CLASS_COLOURS[0], tooltip=tip)
        if len(X) <= 20:  # name the points as the trace does
            plot.text(pt, f"x{i + 1}", dx=6, dy=-5, fill="#555")
    for pt in Q:
        score = c + a * pt[0] + b * pt[1]
        cls = 1 if score >= 0 else 0
        plot.circle(pt, 6, "none", stroke=CLASS_COLOURS[cls], tooltip=f"({F.tick(pt[0])}, {F.tick(pt[1])}): w.x = {F.tick(score)}")
        plot.text(pt, f"? -> {cls}", dx=8, dy=4, fill=CLASS_COLOURS[cls])
    plot.legend([("circle", CLASS_COLOURS[1], "class 1"), ("square", CLASS_COLOURS[0], "class 0")]
                + ([("line", "black", eq if len(eq) < 24 else "w.x = 0")] if a or b else []))
    return plot.svg()


def _linear_text(terms) -> str:
    """c + a x1 + b x2 as a plot label: -x1 - 3 x2 (unit coefficients and zero terms dropped)."""
    return linear_form(terms, number=F.tick)


# ---- the numeric path ---------------------------------------------------------------------------------
#
# The rule decides by the sign of w.x, and a score of exactly 0 is common on exam data (every trace starts at
# w = 0). In float64, lr = 0.1 makes w.x = 0.1 + 0.2 - 0.3 = 5.6e-17, not 0, which flips the decision and
# changes the whole trace (issue 13). So the numeric path trains on integers whenever the data are decimals
# or fractions: with X = X_int / Dx and w = W_int / D (D a common denominator of w0 and lr x), every update
# adds the integer vector D lr x, and sign(w.x) = sign(W_int . X_int) exactly. It falls back to float64 only
# for data with no common denominator that fits, and then counts |w.x| below the rounding error of the
# products as a tie (exactly 0).

#: Integer training uses int64 while every score provably stays below this; Python integers (exact, slower)
#: up to INTEGER_WORK multiply-adds; beyond both, float64 with the tie rule.
INT64_BOUND = 2 ** 62
INTEGER_WORK = 5_000_000


#: The largest common denominator of typed numbers scaled to integers (10^40 holds every 17-digit decimal such as
#: 0.30000000000000004 and a few thirds); past it the numeric path works in float64 with a tie rule.
MAX_SCALE = 10 ** 40


def _integers(M) -> tuple[np.ndarray, int] | None:
    """(M_int, scale) with M = M_int / scale exactly (M_int Python integers, an object array), or None when the entries
    have no common denominator up to MAX_SCALE. Exact entries use their own denominators; float64 entries their shortest
    decimals (0.1 is 1/10, as the exact path reads it)."""
    if isinstance(M, np.ndarray):
        A = np.asarray(M, dtype=np.float64)
        for k in range(16):
            scaled = A * 10.0 ** k
            if np.max(np.abs(scaled), initial=0.0) >= 2.0 ** 50:
                return None
            ints = np.round(scaled)
            if np.array_equal(ints / 10.0 ** k, A):  # the k-place decimals are the numbers typed (see below)
                return ints.astype(np.int64).astype(object), 10 ** k
        return None
    # (A float whose k-place decimal n / 10^k maps back to it, with |n| < 2^50, has that decimal as its shortest
    # repr: a float's rounding interval is narrower than 10^-k there, so it holds one k-place decimal at most.)
    flat = [v for row in M for v in row] if M and isinstance(M[0], (tuple, list)) else list(M)
    scale = 1
    for v in flat:
        scale = math.lcm(scale, int(v.q))
        if scale > MAX_SCALE:
            return None
    ints = np.array([[int(v * scale) for v in row] for row in M] if M and isinstance(M[0], (tuple, list)) else
                    [int(v * scale) for v in flat], dtype=object)
    return ints, scale


def _with_bias(M: np.ndarray, bias: bool, one, position: str = "first") -> np.ndarray:
    if not bias:
        return M
    ones = np.full((M.shape[0], 1), one, dtype=M.dtype)
    return np.hstack([ones, M] if position == "first" else [M, ones])


class _Trainer:
    """The perceptron rule on integers (exact) or on float64 (with the tie rule), for the numeric path."""

    def __init__(self, p, conv):
        self.fire, self.rule = conv["firing_rule"], conv["update_rule"]
        self.bias, self.position = p["bias"], conv["bias_position"]
        lr = p["lr"]
        epochs = _epochs(p)
        n, d = _shape(p["X"])
        dim = d + (1 if self.bias else 0)
        xs = _integers(p["X"])
        w0 = p["w0"] if p["w0"] is not None else (sp.Integer(0),) * dim
        ws = _integers(w0)
        self.exact = False
        if xs is not None and ws is not None:
            (Xi, dx), (Wi, dw) = xs, ws
            D = math.lcm(dw, int(lr.q) * dx)
            step = D * int(lr.p) // (int(lr.q) * dx)            # D lr x = step * X_int
            Xi = _with_bias(Xi.reshape(n, d), self.bias, dx, self.position)    # the bias input 1 is dx / dx
            W = Wi * (D // dw)
            big = max(int(np.max(np.abs(Xi), initial=0)), 1)
            bound = dim * big * (int(np.max(np.abs(W), initial=0)) + epochs * n * step * big)
            if bound < INT64_BOUND or dim * n * epochs <= INTEGER_WORK:
                dtype = np.int64 if bound < INT64_BOUND else object
                self.X, self.W, self.U, self.scale = Xi.astype(dtype), W.astype(dtype), step * Xi.astype(dtype), D
                self.exact = True
        if not self.exact:
            X = as_float(p["X"]).reshape(n, d)
            self.X = _with_bias(X, self.bias, 1.0, self.position)
            self.W = as_float(w0).astype(np.float64).copy()
            self.U, self.scale = float(lr) * self.X, 1

    def score(self, x) -> Any:
        s = x @ self.W
        if self.exact:
            return s
        s = float(s)
        # a float score within the rounding error of its products is a tie: exactly 0, as exact arithmetic gives
        return 0.0 if abs(s) <= 1e-12 * float(np.abs(x) @ np.abs(self.W)) else s

    def fires(self, s) -> bool:
        return bool(s >= 0) if self.fire == ">=" else bool(s > 0)

    def train(self, labels, max_epochs: int) -> tuple[int, int, bool]:
        ypm = [1 if lab == 1 else -1 for lab in labels]
        epochs = updates = 0
        for epoch in range(1, max_epochs + 1):
            epochs = epoch
            mistakes = 0
            for i, (lab, ys) in enumerate(zip(labels, ypm)):
                s = self.score(self.X[i])
                pred = int(self.fires(s))
                if (ys * s <= 0) if self.rule == "sklearn" else (pred != lab):
                    mistakes += 1
                    self.W = self.W + (ys if self.rule == "sklearn" else lab - pred) * self.U[i]
            updates += mistakes
            if mistakes == 0:
                return epochs, updates, True
        return epochs, updates, False

    def weights(self) -> np.ndarray:
        if self.exact:
            return np.array([float(sp.Rational(int(v), self.scale)) for v in self.W])
        return self.W

    def classes(self, Q) -> tuple[list[int], list]:
        """The class and score of each point to classify, decided as exactly as the training was."""
        q = _integers(Q) if self.exact else None
        if q is not None:
            Qi = _with_bias(q[0].reshape(len(Q), -1), self.bias, q[1], self.position)
            ints = [row @ self.W for row in Qi.astype(object)]
            scale = q[1] * self.scale  # score = (Q_int / q) . (W_int / D)
            return [int(self.fires(v)) for v in ints], [float(sp.Rational(int(v), scale)) for v in ints]
        Qf = _with_bias(as_float(Q).reshape(len(Q), -1), self.bias, 1.0, self.position)
        return _float_classes(Qf, self.weights(), self.fire)


def _float_classes(Qf: np.ndarray, W: np.ndarray, fire: str) -> tuple[list[int], np.ndarray]:
    """Classes and scores in float64, a score within rounding error of 0 counted as exactly 0."""
    scores = Qf @ W
    ties = np.abs(scores) <= 1e-12 * (np.abs(Qf) @ np.abs(W))
    scores = np.where(ties, 0.0, scores)
    return [int(s >= 0) if fire == ">=" else int(s > 0) for s in scores], scores


def _numeric_predictions(d: Derivation, preds, scores) -> None:
    d.conclude("Predictions", answers=(make_answer("predictions", [sp.Integer(c) for c in preds], tolerance=CLASSES),
                                       make_answer("scores", tuple(float(v) for v in scores))))


def solve_numeric(p, conv) -> Derivation:
    """The same rule vectorised over the coordinates, for large data: answers and a summary, no per-point steps."""
    d = Derivation()
    bias, position = _bias(p), conv["bias_position"]
    if not _trains(p):
        Q = as_float(p["classify"])
        qi, wi = _integers(p["classify"]), _integers(p["w0"])
        if qi is not None and wi is not None:  # the decimals typed, scaled to integers: a score of 0 is exactly 0
            Qi = _with_bias(qi[0].reshape(len(Q), -1), bias, qi[1], position)
            ints = [row @ wi[0] for row in Qi]
            d.note("Numeric path", f"{len(Q)} points classified with the given weights in exact integer arithmetic "
                                   "(the numbers scaled to integers); no per-point steps.")
            fire = conv["firing_rule"]
            preds = [int(v >= 0) if fire == ">=" else int(v > 0) for v in ints]
            _numeric_predictions(d, preds, [float(sp.Rational(int(v), qi[1] * wi[1])) for v in ints])
            return d
        Qf = _with_bias(Q.reshape(len(Q), -1), bias, 1.0, position)
        W = as_float(p["w0"])
        d.note("Numeric path", f"{len(Q)} points classified in float64 with the given weights (a score within rounding "
                               "error of 0 counted as exactly 0); no per-point steps.")
        preds, scores = _float_classes(Qf, W, conv["firing_rule"])
        _numeric_predictions(d, preds, scores)
        return d
    labels = labels01(p["y"])
    t = _Trainer(p, conv)
    epochs, updates, converged = t.train(labels, _epochs(p))
    wv = t.weights()
    n, dim = t.X.shape
    asked = p["max_epochs"] is not None
    d.status = "solved" if converged or asked else "not_converged"
    how = ("in exact integer arithmetic (the data scaled to integers), so a score of exactly 0 is exactly 0"
           if t.exact else "in float64, a score within rounding error of 0 counted as exactly 0")
    d.note("Numeric path", f"{n} points of dimension {dim} trained {how}; the per-point trace is not shown.")
    title = ("Converged" if converged else f"After {epochs} epoch{'s' if epochs > 1 else ''}, as asked" if asked
             else f"Not converged after {epochs} epochs")
    d.conclude(title, answers=(make_answer("w", tuple(wv), tolerance=EXACT_WEIGHTS),
                               make_answer("epochs", sp.Integer(epochs)), make_answer("updates", sp.Integer(updates)),
                               make_answer("converged", converged)))
    if p["classify"] is not None:
        preds, scores = t.classes(p["classify"])
        _numeric_predictions(d, preds, scores)
    raw = as_float(p["X"])
    if raw.shape[1] == 2 and raw.shape[0] <= MAX_PLOT_POINTS:
        Q = as_float(p["classify"]) if p["classify"] is not None else np.zeros((0, 2))
        svg = boundary_svg(raw, labels, bias_first(wv, bias, position), bias, Q[:MAX_PLOT_POINTS], converged)
        if svg:
            d.extras["svg"], d.extras["svg_title"] = svg, "Points and decision boundary"
    return d


def generate(rng: np.random.Generator) -> dict:
    """A separable 2-D instance with integer coordinates and a bias."""
    while True:
        # resample until both classes occur and no point lies on the true boundary (a strict margin)
        w_true = rng.integers(-3, 4, size=3)
        if not w_true[1:].any():
            continue
        n = int(rng.integers(4, 7))
        pts = rng.integers(-4, 5, size=(n, 2))
        scores = w_true[0] + pts @ w_true[1:]
        if np.any(scores == 0):
            continue
        labels = (scores > 0).astype(int)
        if labels.min() == labels.max():
            continue
        query = rng.integers(-4, 5, size=2)
        return {"X": [[int(a) for a in pt] for pt in pts], "y": [int(v) for v in labels], "bias": True,
                "classify": [[int(a) for a in query]]}
