"""Perceptron learning rule: predict y_hat = 1 if w.x >= 0 else 0; on a mistake w <- w + lr (y - y_hat) x.

Exam question: "A perceptron is trained on these labelled points, starting from these weights, until it
converges. Show the trace; what are the final weights, and what class does it give a new point?"
(notes 000, week 1: points (-1,2)->0, (0,-1)->1, (2,1)->0, zero start, no bias: w = (-1, -3) and
class 1 for (-2, 0)).

Conventions: the firing rule at a score of exactly 0 (`w.x >= 0` fires, as the notes; or `w.x > 0`),
and the update rule (the notes' 0/1 labels updating on y != y_hat, or scikit-learn's -1/+1 labels
updating whenever y (w.x) <= 0, so a point with score 0 is always a mistake). Points are visited in the
given order; training stops after the first full pass without a mistake. With `bias`, a constant input
x0 = 1 is prepended to every point and its weight w0 is learned like the others.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from solver.conventions import Convention
from solver.numbers import Precision, Tolerance
from solver.params import Bool, Int, InvalidInput, Matrix, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.steps import Math, Step
from solver.symbolic import Derivation, evaluate, make_answer, number_latex, number_text, sym

from ._svg import Plot2D

TITLE = "Perceptron training trace"
TOPIC = "neurons"
KEYWORDS = ("perceptron", "rosenblatt", "linear classifier", "decision boundary", "trace", "perceptron learning",
            "perceptron learning rule", "until convergence", "converges", "misclassified")

# ---- the rule, written once -------------------------------------------------------------------------
w, x, y, y_hat, eta, s = (sym("w", r"\mathbf{w}"), sym("x", r"\mathbf{x}"), sym("y"), sym("y_hat", r"\hat{y}"),
                          sym("lr", r"\eta"), sym("w.x", r"\mathbf{w}^{\top}\mathbf{x}"))
with sp.evaluate(False):  # keep the order the notes write; one flat product, so the text reads w + lr*(y - y_hat)*x
    UPDATE = sp.Add(w, sp.Mul(eta, y - y_hat, x, evaluate=False), evaluate=False)  # notes 000: w = w + (y - y_hat) x
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
    {">=": "y_hat = 1 when w.x >= 0 (a score of exactly 0 fires; notes 000)",
     ">": "y_hat = 1 only when w.x > 0 (a score of exactly 0 gives class 0; scikit-learn's predict)"},
    default=">=", why_default="notes 000 write y = 1 if w^T x >= 0", aliases={"ge": ">=", "gt": ">"},
    cues={">=": ("w.x >= 0", "w^T x >= 0", "wx >= 0", "fires when w.x >= 0", "sum >= 0", "output 1 if w.x >= 0",
                 "outputs 1 if w.x >= 0", "1 if w^T x >= 0"),
          ">": ("w.x > 0", "w^T x > 0", "wx > 0", "strictly positive", "output 1 if w.x > 0", "outputs 1 if w.x > 0",
                "1 if w^T x > 0")},
)
UPDATE_RULE = Convention(
    "update_rule", "Perceptron update rule",
    {"classic": "labels 0/1; on a mistake (y != y_hat) w <- w + lr (y - y_hat) x (notes 000)",
     "sklearn": "labels -1/+1; whenever y (w.x) <= 0 (a score of 0 is always a mistake) w <- w + lr y x (scikit-learn)"},
    default="classic", why_default="notes 000 use w = w + (y - y_hat) x",
    cues={"sklearn": ("-1/+1", "labels -1 and +1", "labels +1 and -1", "scikit-learn", "y (w.x) <= 0"),
          "classic": ("w + (y - y_hat) x", "w = w + (y - y_hat)x", "0/1 labels")},
)
CONVENTIONS = (FIRING, UPDATE_RULE)

PARAMS = (
    Param("X", Matrix(max_rows=10000, max_cols=100), required=True, label="Points",
          help="one point per row, e.g. (-1,2), (0,-1), (2,1)",
          aliases=("points", "data points", "inputs", "input points", "examples", "training points", "dataset", "data", "X",
                   "patterns", "samples")),
    Param("y", Vector(max_len=10000), required=True, label="Labels", help="one label per point: 0/1 (or -1/+1)",
          aliases=("labels", "label", "classes", "class labels", "targets", "target", "y", "desired outputs", "t")),
    Param("w0", Vector(max_len=101), label="Initial weights",
          help="default zeros; with bias, the bias weight comes first",
          aliases=("initial weights", "starting weights", "initial weight vector", "weights start at", "w_0", "w0",
                   "initialized to", "initialised to", "initial w")),
    Param("bias", Bool(), default="true", label="Learn a bias",
          help="prepend a constant input x0 = 1 and learn its weight w0",
          cues={"false": ("ignore the bias", "ignore the bias term", "no bias", "without bias", "without a bias",
                         "bias term is ignored", "no bias term", "without the bias"),
                "true": ("with a bias", "with bias", "bias input", "x0 = 1", "bias weight", "learn a bias",
                         "including the bias", "with a bias term")}),
    Param("lr", Real(0, None, closed="neither"), default="1", label="Learning rate",
          aliases=("learning rate", "learning-rate", "step size", "eta", "η", "lr", "alpha", "α")),
    Param("max_epochs", Int(1, 1000), default="100", label="Maximum epochs",
          help="passes over the data before giving up (the data may not be separable)",
          aliases=("epochs", "maximum epochs", "max epochs", "at most", "passes", "maximum number of epochs")),
    Param("classify", Matrix(max_rows=1000, max_cols=100), label="Points to classify",
          help="optional: points to classify with the final weights",
          aliases=("new point", "new points", "test point", "test points", "query point", "classify", "point to classify",
                   "the point", "new input", "unseen point", "assign to", "assigned to", "class for", "class of",
                   "classify the point")),
)

EXAMPLE = Example(
    params={"X": "(-1,2), (0,-1), (2,1)", "y": "0 1 0", "bias": "false", "classify": "(-2,0)"},
    source="notes 000, week 1 problem 2 (WE-perceptron-6)",
)


#: Largest |entry| of X, w0 and the points to classify, and largest learning rate: scores and weights then stay
#: far inside float64 and inside what a step can print (1e308 made the numeric path overflow to inf).
MAX_MAGNITUDE = 10 ** 12
MAX_LR = 1000


def _largest(M) -> float:
    if isinstance(M, np.ndarray):
        return float(np.max(np.abs(M))) if M.size else 0.0
    flat = [v for row in M for v in row] if M and isinstance(M[0], (tuple, list)) else list(M)
    return float(max((abs(v) for v in flat), default=0))


def validate(p: dict[str, Any]) -> None:
    for field in ("X", "w0", "classify"):
        if p[field] is not None and _largest(p[field]) > MAX_MAGNITUDE:
            raise InvalidInput(field, f"The '{field}' parameter of perceptron must have entries of size at most 1e12. "
                                      f"Got an entry of size {_largest(p[field]):.3g} instead.")
    if p["lr"] > MAX_LR:
        raise InvalidInput("lr", f"The 'lr' parameter of perceptron must be at most {MAX_LR} (the scale of w does not "
                                 f"change any prediction). Got {number_text(p['lr'])} instead.")
    X, labels = p["X"], p["y"]
    n, d = _shape(X)
    if len(labels) != n:
        raise InvalidInput("y", f"The 'y' parameter of perceptron must have one label per point of X ({n}). Got {len(labels)}.")
    vals = {float(v) for v in (labels.tolist() if isinstance(labels, np.ndarray) else labels)}
    if not (vals <= {0.0, 1.0} or vals <= {-1.0, 1.0}):
        raise InvalidInput("y", "The 'y' parameter of perceptron must hold labels 0/1 (or -1/+1). "
                                f"Got {sorted(vals)[:5]} instead.")
    dim = d + (1 if p["bias"] else 0)
    if p["w0"] is not None and len(p["w0"]) != dim:
        extra = " (the bias weight first, then one per input)" if p["bias"] else ""
        raise InvalidInput("w0", f"The 'w0' parameter of perceptron must have {dim} entries{extra}. Got {len(p['w0'])}.")
    if p["classify"] is not None and _shape(p["classify"])[1] != d:
        raise InvalidInput("classify", f"The 'classify' parameter of perceptron must have points with {d} coordinates, "
                                       f"like X. Got {_shape(p['classify'])[1]}.")


def _shape(M) -> tuple[int, int]:
    if isinstance(M, np.ndarray):
        return M.shape
    return len(M), len(M[0])


def use_numeric(p) -> bool:
    n, d = _shape(p["X"])
    return isinstance(p["X"], np.ndarray) or n * (d + 1) * p["max_epochs"] > 200_000


def _labels01(labels) -> list[int]:
    return [1 if int(v) == 1 else 0 for v in labels]


def _fmt_point(pt) -> str:
    return "(" + ", ".join(number_text(v) for v in pt) + ")"


def statement(p) -> str:
    X = as_exact(p["X"])
    labels = _labels01(p["y"])
    n, d = _shape(X)
    pts = ", ".join(f"{_fmt_point(pt)} -> {lab}" for pt, lab in zip(X[:12], labels[:12])) + (" ..." if n > 12 else "")
    w0 = "zeros" if p["w0"] is None else _fmt_point(as_exact(p["w0"]))
    bias = "with a bias input x0 = 1 whose weight is learned" if p["bias"] else "with no bias term"
    q = ""
    if p["classify"] is not None:
        q = " What class does the trained perceptron assign to " + ", ".join(_fmt_point(c) for c in as_exact(p["classify"])) + "?"
    return (f"A perceptron with {d} input{'s' if d > 1 else ''}, {bias}, is trained on {n} labelled points: {pts}. "
            f"The weights start at {w0}, the learning rate is {number_text(p['lr'])}, and the points are visited in the "
            f"given order until a full pass makes no mistake (at most {p['max_epochs']} epochs). "
            f"What are the final weights?{q}")


def _augment(pt, bias: bool):
    return (sp.Integer(1),) + tuple(pt) if bias else tuple(pt)


def _dot_math(wv, xv, value) -> Math:
    terms_l = " + ".join(f"{_par(a)} \\cdot {_par(b)}" for a, b in zip(wv, xv))
    terms_t = " + ".join(f"{number_text(a) if a >= 0 else '(' + number_text(a) + ')'}*"
                         f"{number_text(b) if b >= 0 else '(' + number_text(b) + ')'}" for a, b in zip(wv, xv))
    return Math(f"\\mathbf{{w}}^{{\\top}}\\mathbf{{x}} = {terms_l} = {number_latex(value)}", f"w.x = {terms_t} = {number_text(value)}")


def _par(v) -> str:
    s = number_latex(v)
    return f"\\left({s}\\right)" if v < 0 else s


def _fires(score, rule: str) -> int:
    return int(bool(score >= 0)) if rule == ">=" else int(bool(score > 0))


def _is_mistake(score, label01: int, conv) -> bool:
    if conv["update_rule"] == "sklearn":
        ypm = 1 if label01 == 1 else -1
        return bool(ypm * score <= 0)
    return _fires(score, conv["firing_rule"]) != label01


def solve(p, conv) -> Derivation:
    d = Derivation()
    X = as_exact(p["X"])
    labels = _labels01(p["y"])
    bias, lr, rule = p["bias"], p["lr"], conv["update_rule"]
    pts = [_augment(pt, bias) for pt in X]
    dim = len(pts[0])
    wv = tuple(as_exact(p["w0"])) if p["w0"] is not None else (sp.Integer(0),) * dim

    xs = "x" if not bias else "x = (1, x_1, ..., x_n)"
    d.given("Training points", text="; ".join(f"x{i + 1} = {_fmt_point(pt)}, y{i + 1} = {lab}"
                                               for i, (pt, lab) in enumerate(zip(X, labels))))
    if bias:
        d.note("Bias as a constant input", "Each point gets a leading constant input x0 = 1, so the bias is the weight w0: "
                                            "w.x = w0 + w1 x1 + ... + wn xn.")
    d.given("Initial weights", wv, lhs=sym("w_0", r"\mathbf{w}_{0}"))
    cmp = ">=" if conv["firing_rule"] == ">=" else ">"
    d.add(Step("formula", "Prediction", formula=PREDICTION[cmp],
               text=f"The perceptron fires (predicts 1) when the score w.x is {'at least' if cmp == '>=' else 'greater than'} 0."))
    if rule == "classic":
        d.formula("Update on a mistake", w, UPDATE, text="On a mistake (y_hat != y) the weights move by lr (y - y_hat) x: "
                  "towards x for a missed positive, away from x for a false positive.")
    else:
        d.formula("Update on a mistake", w, UPDATE_PM1, text="With labels -1/+1, a point is a mistake whenever y (w.x) <= 0, "
                  "and then w moves by lr y x.")

    rows, trace, update_steps = [], [], []
    epochs = updates = 0
    converged = False
    for epoch in range(1, p["max_epochs"] + 1):
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
            rows.append((str(epoch), str(i + 1), _fmt_point(xv), _fmt_point(before), number_text(score), str(pred), str(lab),
                         change, _fmt_point(wv)))
            trace.append({"epoch": epoch, "point": i + 1, "x": [_num(v) for v in xv], "w_before": [_num(v) for v in before],
                          "score": _num(score), "y_hat": pred, "y": lab, "update": mistake, "w_after": [_num(v) for v in wv]})
        if mistakes == 0:
            converged = True
            break

    cols = ("epoch", "point", "x", "w before", "w.x", "y_hat", "y", "update", "w after")
    heads = [Math(r"\text{%s}" % c.replace("_", r"\_"), c) if c not in ("w.x", "y_hat") else
             Math(r"\mathbf{w}^{\top}\mathbf{x}" if c == "w.x" else r"\hat{y}", c) for c in cols]
    if bias:  # the x column holds the augmented point
        heads[2] = Math(r"\mathbf{x} = (1, x_1, \ldots)", "x = (1, x1, ...)")
    d.table("Training trace", heads,
            rows, text="One row per point visited; the weights change only on a mistake."
                       + (" Each x starts with the constant bias input x0 = 1." if bias else ""),
            answer=make_answer("trace", trace))

    shown = update_steps[:30]
    if shown:
        with d.group("The updates, one by one", text="" if len(update_steps) <= 30 else
                     f"The first 30 of {len(update_steps)} updates; the table above has them all."):
            for (epoch, i, expr, vals, after, score, pred, lab) in shown:
                d.compute(f"Epoch {epoch}, point {i + 1}: w.x = {number_text(score)}, y_hat = {pred}, y = {lab}: mistake",
                          w, expr, vals, kind="update", value=after)

    wf = make_answer("w", wv, precision=Precision(dp=4), tolerance=Tolerance(abs=1e-9))
    if converged:
        d.status = "solved"
        d.conclude(f"Converged in epoch {epochs}",
                   text=f"Epoch {epochs} was a full pass with no mistake, so training stops after {epochs} epoch"
                        f"{'s' if epochs > 1 else ''} and {updates} update{'s' if updates != 1 else ''}.",
                   answers=(wf, make_answer("epochs", sp.Integer(epochs)), make_answer("updates", sp.Integer(updates)),
                            make_answer("converged", True)),
                   value=Math(r"\mathbf{w} = " + number_latex(wv), "w = " + number_text(wv)))
    else:
        d.status = "not_converged"
        d.conclude(f"Not converged after {epochs} epochs",
                   text=f"Every one of the {epochs} passes made at least one mistake ({updates} updates in all). "
                        "The perceptron converges only on linearly separable data, so these points may not be separable "
                        "(or more epochs are needed). The weights below are those after the last update.",
                   answers=(wf, make_answer("epochs", sp.Integer(epochs)), make_answer("updates", sp.Integer(updates)),
                            make_answer("converged", False)),
                   value=Math(r"\mathbf{w} = " + number_latex(wv), "w = " + number_text(wv)))

    if p["classify"] is not None:
        preds = []
        with d.group("Classify the new points"):
            for q in as_exact(p["classify"]):
                qv = _augment(q, bias)
                score = sum((a * b for a, b in zip(wv, qv)), sp.Integer(0))
                cls = _fires(score, conv["firing_rule"])
                preds.append(cls)
                rel = ("\\geq" if conv["firing_rule"] == ">=" else ">") if cls else ("<" if conv["firing_rule"] == ">=" else "\\leq")
                d.compare(f"Point {_fmt_point(q)}: class {cls}",
                          text=f"The score is {number_text(score)}, which is {'' if cls else 'not '}"
                               f"{'>= 0' if conv['firing_rule'] == '>=' else '> 0'}, so the class is {cls}.",
                          formula=_dot_math(wv, qv, score), value=Math(f"{number_latex(score)} {rel} 0 \\Rightarrow \\hat{{y}} = {cls}",
                                                                        f"class {cls}"))
        d.conclude("Predictions", answers=(make_answer("predictions", [sp.Integer(c) for c in preds], precision=Precision(dp=0),
                                                        tolerance=Tolerance(abs=0)),),
                   value=Math(number_latex(tuple(sp.Integer(c) for c in preds)), number_text(tuple(preds))))
    d.extras["plot"] = _plot_data(X, labels, wv, bias)
    if len(X[0]) == 2:
        svg = boundary_svg([[float(a) for a in pt] for pt in X], labels, [float(v) for v in wv], bias,
                           [[float(a) for a in q] for q in as_exact(p["classify"])] if p["classify"] is not None else [],
                           converged)
        if svg:
            d.extras["svg"], d.extras["svg_title"] = svg, "Points and decision boundary"
    return d


def _num(v):
    return int(v) if v.is_Integer else float(v)


def _plot_data(X, labels, wv, bias) -> dict:
    """Plot-ready data: the points, their labels and the boundary w.x = 0 (2-D inputs only)."""
    if len(X[0]) != 2:
        return {}
    return {"kind": "decision_boundary", "points": [[float(a) for a in pt] for pt in X], "labels": labels,
            "w": [float(v) for v in wv], "bias": bias,
            "boundary": "w0 + w1 x1 + w2 x2 = 0" if bias else "w1 x1 + w2 x2 = 0"}


CLASS_COLOURS = {1: "#1f77b4", 0: "#d62728"}   # class 1 blue circles, class 0 red squares (shape and colour)
MAX_PLOT_POINTS = 2000


def boundary_svg(X, labels, w, bias: bool, queries=(), converged: bool = True, size: int = 360) -> str | None:
    """Hand-written SVG (problems/_svg.py) of 2-D training points, by class, the decision boundary w.x = 0 of the
    final weights, the side where the perceptron fires (w.x >= 0) shaded, and the points to classify (hollow,
    outlined in their predicted class's colour)."""
    X = np.asarray(X, dtype=np.float64).reshape(-1, 2)
    Q = np.asarray(queries, dtype=np.float64).reshape(-1, 2)
    w = [float(v) for v in w]
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Q)) and all(math.isfinite(v) for v in w)):
        return None  # nothing sensible to draw
    c, a, b = (w[0], w[1], w[2]) if bias else (0.0, w[0], w[1])
    view = [X, Q] if bias else [X, Q, np.zeros((1, 2))]  # without a bias the boundary passes through the origin
    eq = _linear_text([(c, ""), (a, "x1"), (b, "x2")] if bias else [(a, "x1"), (b, "x2")]) + " = 0"
    plot = Plot2D(np.vstack(view), size=size, title="Perceptron: the points and the decision boundary "
                  + ("w.x = 0" if a or b else "(none: w1 = w2 = 0)") + ("" if converged else " after the last update"))
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
        tip = f"x{i + 1} = ({_g(pt[0])}, {_g(pt[1])}), y = {lab}"
        if lab == 1:
            plot.circle(pt, 4.5, CLASS_COLOURS[1], tooltip=tip)
        else:
            plot.square(pt, 4, CLASS_COLOURS[0], tooltip=tip)
        if len(X) <= 20:  # name the points as the trace does
            plot.text(pt, f"x{i + 1}", dx=6, dy=-5, fill="#555")
    for pt in Q:
        score = c + a * pt[0] + b * pt[1]
        cls = 1 if score >= 0 else 0
        plot.circle(pt, 6, "none", stroke=CLASS_COLOURS[cls], tooltip=f"({_g(pt[0])}, {_g(pt[1])}): w.x = {_g(score)}")
        plot.text(pt, f"? -> {cls}", dx=8, dy=4, fill=CLASS_COLOURS[cls])
    plot.legend([("circle", CLASS_COLOURS[1], "class 1"), ("square", CLASS_COLOURS[0], "class 0")]
                + ([("line", "black", eq if len(eq) < 24 else "w.x = 0")] if a or b else []))
    return plot.svg()


def _g(v: float) -> str:
    return f"{v:.4g}"


def _linear_text(terms) -> str:
    """c + a x1 + b x2 written as a person would: -x1 - 3 x2 (unit coefficients and zero terms dropped)."""
    out = []
    for coef, name in terms:
        if coef == 0:
            continue
        mag = "" if abs(coef) == 1 and name else _g(abs(coef))
        body = f"{mag} {name}".strip() if mag and name else (mag or name)
        out.append(("- " if coef < 0 else "+ ") + body)
    txt = " ".join(out) or "0"
    return txt[2:] if txt.startswith("+ ") else "-" + txt[2:] if txt.startswith("- ") else txt


def solve_numeric(p, conv) -> Derivation:
    """The same rule in float64 NumPy, for large data: answers and a summary, no per-point steps."""
    d = Derivation()
    X = as_float(p["X"])
    labels = np.array(_labels01(p["y"]), dtype=np.int64)
    if p["bias"]:
        X = np.hstack([np.ones((X.shape[0], 1)), X])
    wv = np.zeros(X.shape[1]) if p["w0"] is None else as_float(p["w0"]).copy()
    lr = float(p["lr"])
    rule, fire = conv["update_rule"], conv["firing_rule"]
    ypm = np.where(labels == 1, 1.0, -1.0)
    epochs = updates = 0
    converged = False
    for epoch in range(1, p["max_epochs"] + 1):
        epochs = epoch
        mistakes = 0
        for xi, lab, ys in zip(X, labels, ypm):
            score = float(xi @ wv)
            pred = int(score >= 0) if fire == ">=" else int(score > 0)
            wrong = (ys * score <= 0) if rule == "sklearn" else (pred != lab)
            if wrong:
                mistakes += 1
                wv += lr * (ys if rule == "sklearn" else (lab - pred)) * xi
        updates += mistakes
        if mistakes == 0:
            converged = True
            break
    d.status = "solved" if converged else "not_converged"
    d.note("Numeric path", f"{X.shape[0]} points of dimension {X.shape[1]} trained in float64; the per-point trace is not shown.")
    d.conclude("Converged" if converged else f"Not converged after {epochs} epochs",
               answers=(make_answer("w", tuple(wv), precision=Precision(dp=4), tolerance=Tolerance(abs=1e-9, rel=1e-12)),
                        make_answer("epochs", sp.Integer(epochs)), make_answer("updates", sp.Integer(updates)),
                        make_answer("converged", converged)))
    if p["classify"] is not None:
        Q = as_float(p["classify"])
        if p["bias"]:
            Q = np.hstack([np.ones((Q.shape[0], 1)), Q])
        scores = Q @ wv
        preds = (scores >= 0) if fire == ">=" else (scores > 0)
        d.conclude("Predictions", answers=(make_answer("predictions", [sp.Integer(int(c)) for c in preds],
                                                       precision=Precision(dp=0), tolerance=Tolerance(abs=0)),))
    raw = as_float(p["X"])
    if raw.shape[1] == 2 and raw.shape[0] <= MAX_PLOT_POINTS:
        Q = as_float(p["classify"]) if p["classify"] is not None else np.zeros((0, 2))
        svg = boundary_svg(raw, [int(v) for v in labels], wv, p["bias"], Q[:MAX_PLOT_POINTS], converged)
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
