"""Cross-entropy: H(p, q) = -sum_i p_i log q_i = H(p) + KL(p || q); for a one-hot target, -log q_true.

Exam questions: "A classifier gives the true class of three samples the probabilities 0.57, 0.58 and
0.52. What is the cross-entropy loss of each, the total and the mean?" (the optimization notes: 0.562, 0.545,
0.654; total 1.7608, not the notes' 1.75; mean 0.587) and "P = [1, 0], Q = [0.7, 0.3]: what is H(P, Q)?" (the
optimization notes: -log 0.7).
Three ways to give the prediction: `q_true` (the probability of the true class, one per sample, as notes
004's table), `q` (predicted distributions), or `logits` (raw scores; q = softmax, given as an answer too);
and two ways to give the targets: distributions `p` (one-hot or soft rows) or class indices `target` ("the true
class is 2"). Rows are samples: each gets its loss, with the total and the mean; a single prediction row (or
target) is used for every sample. For one row the identity H(p, q) = H(p) + KL(p || q) is evaluated on the
numbers. Class `weights` w_c (torch's weight=) give each sample the loss -sum_c w_c p_c log q_c.

Conventions: `smoothing_form` for label smoothing with strength eps: eps/K to every class (torch, Keras:
the true class gets 1 - eps + eps/K), or eps/(K-1) to each wrong class (the true class gets 1 - eps;
the handwritten notes, the default); `class_index`: whether class indices count from 1 (the default, as exams
number classes) or from 0 (torch); `weighted_mean`: the mean of class-weighted losses divides by the sum of the
samples' weights (torch's weighted mean, the default) or by N (Keras's class_weight). The base of the logarithm is the `base` parameter (e: nats, the default,
as torch's F.cross_entropy and the optimization notes' table; 2: bits; 10: hartleys). 0 log 0 = 0; a
q_i = 0 where p_i > 0 makes the loss infinite (the answer, with a step saying why). Rows must sum to 1
(within 1e-9, or within the rounding of their printed digits: 0.33 0.33 0.33 is used as written, and a step
says so) unless normalize=true, which rescales them.
"""
from __future__ import annotations

from contextlib import nullcontext
import re
from typing import Any

import numpy as np
import sympy as sp

from solver.conventions import Convention
from solver.numbers import Precision
from solver import format as F
from solver.errata import Erratum
from solver.params import InvalidInput, Matrix, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math, Step
from solver.symbolic import Derivation, latex, sym

from . import _info as I

TITLE = "Cross-entropy loss"
TOPIC = "information"
KEYWORDS = ("cross-entropy", "cross entropy", "log loss", "negative log-likelihood", "nll", "label smoothing",
            "categorical", "classification loss", "categorical cross-entropy", "h(p, q)", "true class", "one-hot",
            "class weights", "weighted cross-entropy")

HPQ, HP, KL = I.qsym("H(p,q)", "H(p, q)"), I.qsym("H(p)", "H(p)"), I.kl_symbol("p", "q")
eps, Ksym, pv = sym("eps", r"\varepsilon"), sym("K"), sym("p", r"\mathbf{p}")
wv, vv = sym("w", r"\mathbf{w}"), sym("v", r"\mathbf{v}")
L_n, q_n = sym("L_n", "L_{n}"), sym("q_n", r"q_{n}")
W_sum = I.qsym("sum w", r"\sum_{n} w_{y_{n}}")
qv, tv, S_t, ln_b = sym("q", r"\mathbf{q}"), sym("t", r"\mathbf{t}"), sym("S"), sym("ln b", r"\ln b")
G_Z = I.qsym("dH/dz", r"\frac{\partial H}{\partial \mathbf{z}}")
with sp.evaluate(False):
    SMOOTH_K = (1 - eps) * pv + eps / Ksym                               # torch / Keras
    SMOOTH_K1 = (1 - eps) * pv + eps * (1 - pv) / (Ksym - 1)             # the handwritten notes: 1 - eps, eps/(K-1)
    WEIGHTED_TARGET = wv * pv                                            # v_c = w_c p_c
    #: the gradient with respect to the logits: d/dz_j of -sum_i t_i log_b softmax(z)_i = (S q_j - t_j) / ln b,
    #: S = sum_i t_i (t the target, or the weighted target w p); q - p for a distribution p in nats
    GRAD_LOGITS = (S_t * qv - tv) / ln_b
LOSS_TRUE = I.written_per_base(lambda b: -I.LOG(q_n, b))                # L_n = -log q_true,n
WCE_DEF = I.PerBase(lambda b: -I.Sigma(sym("w_i", "w_{i}") * I.p_i * I.LOG(I.q_i, b), (I.i_, 1, I.K_)))

SMOOTHING_FORM = Convention(
    "smoothing_form", "Label smoothing: how eps is spread",
    {"eps/(K-1)": "label smoothing moves eps from the true class to the K-1 wrong classes, eps/(K-1) each: "
                  "the true class gets 1 - eps (the handwritten notes: 0.9 and 0.011 for K = 10)",
     "eps/K": "label smoothing mixes the target with the uniform distribution: every class gets eps/K, the true class "
              "1 - eps + eps/K (torch's label_smoothing, Keras)"},
    default="eps/(K-1)", why_default="the handwritten notes smooth a one-hot target to 0.9 and 0.011 (K = 10), which is "
                                     "this form",
    aliases={"k-1": "eps/(K-1)", "notes": "eps/(K-1)", "k": "eps/K", "torch": "eps/K", "keras": "eps/K", "uniform": "eps/K"},
    sources={"eps/(K-1)": "the course's handwritten notes (0.9 and 0.011 for K = 10)",
             "eps/K": "PyTorch's F.cross_entropy(label_smoothing=...); Keras's CategoricalCrossentropy(label_smoothing=...); "
                      "Szegedy et al. 2016 (Inception v3)"},
    paper={"eps/(K-1)": "Label smoothing moves ε from the true class to the K − 1 other classes: the true class gets "
                        "1 − ε and each other class ε/(K − 1).",
           "eps/K": "Label smoothing mixes the target with the uniform distribution: every class gets ε/K on top of "
                    "(1 − ε) times its target, so the true class gets 1 − ε + ε/K."},
    cues={"eps/K": ("eps/k", "uniform distribution", "label_smoothing=", "as in pytorch"),
          "eps/(K-1)": ("eps/(k-1)", "k - 1 wrong classes", "k-1 other classes")},
)
CLASS_INDEX = Convention(
    "class_index", "How class indices are counted",
    {"from_1": "class indices count from 1: target = 2 is the second class",
     "from_0": "class indices count from 0: target = 2 is the third class (torch, NumPy)"},
    default="from_1", why_default="exam questions and the course notes number classes from 1",
    aliases={"1": "from_1", "0": "from_0", "one-based": "from_1", "zero-based": "from_0", "torch": "from_0"},
    sources={"from_1": "exam questions and the course notes (class 1, class 2, ...)",
             "from_0": "PyTorch's F.cross_entropy and nn.NLLLoss; Keras's SparseCategoricalCrossentropy; NumPy indexing"},
    paper={"from_1": "Classes are numbered from 1.", "from_0": "Classes are numbered from 0 (as in PyTorch)."},
    cues={"from_0": ("0-based", "zero-based", "numbered from 0", "counted from 0", "index 0", "indices start at 0",
                     "class 0"),
          "from_1": ("1-based", "one-based", "numbered from 1", "counted from 1", "indices start at 1")},
)
WEIGHTED_MEAN = Convention(
    "weighted_mean", "Mean of class-weighted losses",
    {"weight_sum": "with class weights, the mean divides the total weighted loss by the sum of the weights of the "
                   "samples' true classes, sum_n w_{y_n} (torch's weighted mean)",
     "n": "with class weights, the mean divides the total weighted loss by the number of samples N (Keras's class_weight)"},
    default="weight_sum", why_default="torch's nn.CrossEntropyLoss(weight=...) averages this way",
    aliases={"torch": "weight_sum", "weights": "weight_sum", "N": "n", "keras": "n"},
    sources={"weight_sum": "PyTorch's nn.CrossEntropyLoss(weight=...) and F.cross_entropy(weight=...) with class-index "
                           "targets, reduction='mean'",
             "n": "Keras's class_weight (the batch average); PyTorch's F.cross_entropy(weight=...) with probability "
                  "targets"},
    paper={"weight_sum": "With class weights, the mean loss is the total weighted loss divided by the sum of the "
                         "weights of the samples' true classes, Σₙ w_{yₙ}.",
           "n": "With class weights, the mean loss is the total weighted loss divided by the number of samples N."},
    cues={"weight_sum": ("divided by the sum of the weights", "weighted mean", "weighted average"),
          "n": ("divided by the number of samples", "averaged over the batch", "class_weight")},
)
CONVENTIONS = (SMOOTHING_FORM, CLASS_INDEX, WEIGHTED_MEAN)

_ROWS = dict(max_rows=100_000, max_cols=10_000)
PARAMS = (
    Param("q_true", Vector(max_len=100_000, lo=0, hi=1), label="Probability of the true class",
          help="the predicted probability of the true class, one per sample, e.g. 0.57 0.58 0.52 "
               "(instead of p and q)",
          aliases=("probabilities", "probability of the true class", "probabilities of the true class",
                   "true class probabilities", "predicted probability of the true class", "q_true")),
    Param("p", Matrix(**_ROWS), label="Targets p",
          help="the true distribution of each sample, one row per sample: one-hot (0 0 1) or soft",
          aliases=("p", "P", "true distribution", "targets", "target distribution", "one-hot", "one-hot encoded as",
                   "true label", "labels", "encoded as", "y")),
    Param("target", Vector(max_len=100_000, lo=0, integer=True), label="Target classes",
          help="instead of p: the index of each sample's true class, e.g. 2 (see the class_index convention: counted "
               "from 1 by default)",
          aliases=("target", "true class", "target class", "correct class", "class index", "class indices",
                   "label index", "the true class is", "belongs to class", "target classes")),
    Param("q", Matrix(**_ROWS), label="Predicted probabilities q",
          help="the predicted distribution of each sample, same shape as p (or one row for every sample), e.g. 0.7 0.3",
          aliases=("q", "Q", "predicted", "predicts", "predicts the probabilities", "prediction", "predictions",
                   "predicted probabilities", "predicted distribution", "model distribution", "y_hat", "output", "outputs")),
    Param("logits", Matrix(**_ROWS), label="Logits (raw scores)",
          help="instead of q: raw scores z, one row per sample (or one row for every sample); q = softmax(z)",
          aliases=("logits", "raw scores", "scores", "z", "raw outputs")),
    Param("weights", Vector(max_len=10_000, lo=0), label="Class weights",
          help="optional: a weight w_c per class (torch's weight=): each sample's loss is -sum_c w_c p_c log q_c",
          aliases=("class weights", "weights", "weight", "class weight", "w")),
    Param("label_smoothing", Real(0, 1, closed="left"), default="0", label="Label smoothing eps",
          help="0 <= eps < 1: soften the targets p before the loss (see the smoothing_form convention)",
          aliases=("label smoothing", "smoothing", "epsilon", "ε")),
    I.BASE_PARAM,
    I.NORMALIZE_PARAM,
)

EXAMPLE = Example(params={"q_true": "0.57 0.58 0.52"},
                  source="the optimization notes, the cross-entropy table of three samples")

ERRATA = (
    Erratum(where="the optimization notes, cross-entropy table", params={"q_true": "0.57 0.58 0.52", "base": "e"},
            wrote="Total = 1.75 and Avg = 1.75/3",
            right="the total is {total} and the mean {mean}",
            why="1.75 adds the losses after rounding each to two decimals (0.56 + 0.54 + 0.65); round only at the end"),
)

FAMILY = "cross_entropy"
MEAN_TEXT = "The mean over the N = {n} samples (what torch's reduction='mean' returns)."


def _typed(v) -> bool:
    """A value typed as text (not blank, not an API array)."""
    return isinstance(v, str) and v.strip() != ""


def translate(raw):
    """Class indices typed as the targets p ("p = 2" with three predicted probabilities) are the `target`."""
    if raw.get("target") is not None or not _typed(raw.get("p")):
        return raw
    other = raw.get("q") if _typed(raw.get("q")) else raw.get("logits")
    if not _typed(other):
        return raw
    try:
        P = Matrix(**_ROWS).parse(raw["p"])
        Q = Matrix(**_ROWS).parse(other)
    except Exception:  # left to the validation, which names the field
        return raw
    (rp, cp), (_, cq) = I.shape_of(P), I.shape_of(Q)
    rows = I.rows_of(P) if not isinstance(P, np.ndarray) else None
    if rows is not None and cq > 1 and cp != cq and (rp == 1 or cp == 1) and all(
            v == int(v) and v >= 0 for r in rows for v in r):
        out = dict(raw)
        out["target"] = out.pop("p")
        return out
    return raw


def validate(p: dict[str, Any]) -> None:
    if p["q_true"] is not None:
        for other in ("p", "target", "q", "logits", "weights"):
            if p[other] is not None:
                raise InvalidInput(other, f"The '{other}' parameter of cross_entropy cannot be combined with q_true: give "
                                          "q_true (the probability of the true class per sample), or the targets p (or "
                                          "target) with q or logits.")
        if p["label_smoothing"] != 0:
            raise InvalidInput("label_smoothing", "The 'label_smoothing' parameter of cross_entropy needs the whole "
                                                  "predicted distribution (p with q or logits), not q_true. Got "
                                                  f"{F.text(p['label_smoothing'])} instead of 0.")
        return
    if p["p"] is None and p["target"] is None:
        raise InvalidInput("p", "The 'p' parameter of cross_entropy is required with q or logits: the target distribution "
                                "of each sample (one-hot, e.g. 1 0 0), or give the class indices as target. Or give "
                                "q_true alone.")
    if p["p"] is not None and p["target"] is not None:
        raise InvalidInput("target", "The 'target' parameter of cross_entropy cannot be combined with p: give the true "
                                     "classes as indices (target) or as distributions (p), not both.")
    I.check_prediction(p, "q", FAMILY, also=", or q_true alone")
    other = "q" if p["q"] is not None else "logits"
    if p["q"] is not None:
        I.check_prob_rows(p["q"], "q", FAMILY, p["normalize"])
    K = I.shape_of(p[other])[1]
    if p["p"] is not None:
        I.check_prob_rows(p["p"], "p", FAMILY, p["normalize"])
        I.check_pair_shapes(p["p"], p[other], "p", other, FAMILY, what="one row per sample")
    else:
        n, rq = len(p["target"]), I.shape_of(p[other])[0]
        if n != rq and 1 not in (n, rq):
            raise InvalidInput("target", f"The 'target' parameter of cross_entropy must have one class per row of "
                                         f"{other} ({rq}), or a single class for every row. Got {n} instead.")
        top = max(int(v) for v in p["target"])
        if top > K:
            raise InvalidInput("target", f"The 'target' parameter of cross_entropy must be a class among the {K} of "
                                         f"{other}: at most {K} (counted from 1) or {K - 1} (counted from 0). Got {top} "
                                         "instead.")
    if p["weights"] is not None and len(p["weights"]) != K:
        raise InvalidInput("weights", f"The 'weights' parameter of cross_entropy must have one weight per class ({K}). "
                                      f"Got {len(p['weights'])} instead.")
    if p["label_smoothing"] != 0 and K < 2:
        raise InvalidInput("label_smoothing", "The 'label_smoothing' parameter of cross_entropy needs at least 2 classes. "
                                              "Got 1 class.")


def use_numeric(p) -> bool:
    vals = (p["q_true"], p["p"], p["q"], p["logits"])
    return I.any_array(*vals, p["target"]) or I.size_of(*vals) > I.MAX_EXACT_ENTRIES


def _q_true_exact(v) -> tuple:
    if isinstance(v, np.ndarray):
        return tuple(sp.Rational(repr(float(x))) for x in v)
    return tuple(v)


def _unit(base: str) -> str:
    return f"in {I.UNIT[base]} ({I.BASE_WORDS[base]})"


def _rows_piece(letter: str, latex_letter: str, value, n_shown: int = 6):
    rows, n = I.head_rows(value, n_shown)
    more = f" ... ({n} rows)" if n > len(rows) else ""
    return Rich(Eq(sym(letter, latex_letter), rows[0] if n == 1 else rows), more)


def statement(p) -> Rich:
    unit = _unit(p["base"])
    if p["q_true"] is not None:
        n = len(p["q_true"])
        qs = _q_true_exact(p["q_true"][:12])
        more = ", ..." if n > 12 else ""
        if n == 1:
            return Rich("A classifier gives the true class the probability ", Eq(sym("q"), qs[0]),
                        f". What is the cross-entropy loss {unit}?")
        return Rich(f"A classifier gives the true class of {n} samples the probabilities ",
                    qs, more,
                    f". What is the cross-entropy loss of each sample {unit}, the total and the mean?")
    pred = (Rich("logits ", _rows_piece("z", r"\mathbf{z}", p["logits"]), " (q = softmax(z))")
            if p["logits"] is not None else
            Rich("predicted probabilities ", _rows_piece("q", r"\mathbf{q}", p["q"])))
    if p["target"] is not None:
        ts = as_exact(p["target"][:12])
        n = max(len(p["target"]), I.shape_of(p["q"] if p["q"] is not None else p["logits"])[0])
        target = Rich("true class ", F.text(ts[0])) if len(ts) == 1 else Rich(
            "true classes " + ", ".join(F.text(t) for t in ts) + (", ..." if len(p["target"]) > 12 else ""))
    else:
        n = max(I.shape_of(p["p"])[0], I.shape_of(p["q"] if p["q"] is not None else p["logits"])[0])
        target = Rich("target distribution " if n == 1 else "targets ", _rows_piece("p", r"\mathbf{p}", p["p"]))
    extra = Rich()
    if p["weights"] is not None:
        extra += Rich(" The classes are weighted by ", Eq(wv, as_exact(p["weights"])), ".")
    if p["label_smoothing"] != 0:
        extra += Rich(" The targets are smoothed with ", Eq(eps, p["label_smoothing"]), ".")
    grad = (" Give the gradient of " + ("the loss" if n == 1 else "each sample's loss") + " with respect to the "
            "logits too." if p["logits"] is not None else "")
    if n == 1:
        check = "" if p["weights"] is not None else " Check that H(p, q) = H(p) + KL(p || q)."
        return Rich("A sample has the ", target, " and the model gives ", pred, ".", extra,
                    f" What is the cross-entropy H(p, q) {unit}?{check}{grad}")
    return Rich(f"{n} samples have the ", target, " and the model gives ", pred, ".", extra,
                f" What is the cross-entropy loss of each sample {unit}, the total and the mean?{grad}")


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_ORDINAL_TARGET = re.compile(r"\b(?:true|correct|target|right|actual)\s+(?:class|label|category)\s+is\s+(?:the\s+)?("
                             + "|".join(_ORDINALS) + r")\b", re.I)


def read_structure(text: str, conventions: dict) -> dict | None:
    """The question reader's hook (solver.reading): 'the true class is the first one' as the target, numbered as the
    class_index convention the question states counts (1 for the first class; 0 where it counts from 0)."""
    m = _ORDINAL_TARGET.search(text)
    if m is None:
        return None
    k = _ORDINALS.index(m.group(1).lower())
    zero = conventions.get("class_index", CLASS_INDEX.default) == "from_0"
    return {"fields": {"target": (str(k if zero else k + 1), (m.start(), m.end()))}, "replaces": ("p", "q_true")}


# ---- exact path ---------------------------------------------------------------------------------------------

def solve(p, conv) -> Derivation:
    if p["q_true"] is not None:
        return _solve_q_true(p)
    return _solve_rows(p, conv)


def _solve_q_true(p) -> Derivation:
    d = Derivation()
    base = p["base"]
    qs = _q_true_exact(p["q_true"])
    n = len(qs)
    d.given("Predicted probability of the true class", None,
            text="; ".join(f"sample {k}: q = {F.text(v)}" for k, v in enumerate(qs[:30], 1)) + (" ..." if n > 30 else ""))
    I.formula_step(d, "Definition", L_n, LOSS_TRUE[base],
                   text_="The cross-entropy of a one-hot target p (1 on the true class c) and a prediction q is "
                         f"H(p, q) = -sum_i p_i log q_i = -log q_c: only the true class's term survives. Here q_n is the "
                         f"probability sample n gives its true class; {I.BASE_WORDS[base]}, so the loss is in {I.UNIT[base]}.")
    show = n <= I.MAX_TERM_STEPS
    with (d.group("The loss of each sample") if show and n > 1 else nullcontext()):
        losses = _q_true_losses(d, qs, base, show)
    if n == 1:
        I.attach(d, I.answer("cross_entropy", losses[0], base))
        I.convert_units(d, losses[0], base, "L", "L")
        return d
    d.table("Loss of each sample", ["sample", Math("q_{n}", "q_n"), Math(latex(LOSS_TRUE[base]), sp.sstr(LOSS_TRUE[base]))],
            [(k, v, loss) for k, (v, loss) in enumerate(zip(qs, losses), 1)],
            answer=I.answer("cross_entropy", tuple(losses), base), keys=("sample", "q_true", "cross_entropy"),
            index=("sample",))
    total, mean = I.total_and_mean(d, losses, base, mean_text=MEAN_TEXT.format(n=n))
    _rounding_note(d, losses, total, mean)
    I.convert_units(d, mean, base, "mean L", r"\overline{L}")
    return d


def _q_true_losses(d: Derivation, qs, base, show: bool) -> list:
    losses = []
    for k, v in enumerate(qs, 1):
        lhs = I.isym("L", k)
        expr = I.instance(LOSS_TRUE[base], k, [(q_n, "q")]).xreplace({q_n: I.isym("q", k)})
        vals = {I.isym("q", k): v}
        if v == 0:
            value = sp.oo
            if show:
                d.compute(f"Sample {k}: q = 0", lhs, expr, vals, value=sp.oo,
                          text="The true class was given probability 0, so -log 0 is infinite: no finite penalty is "
                               "big enough for a prediction that ruled out what happened.")
        else:
            value = d.compute(f"Sample {k}", lhs, expr, vals) if show else I.evaluate(expr, vals)
        losses.append(value)
    return losses


def _rounding_note(d: Derivation, losses, total, mean) -> None:
    """What rounding each loss first would give. (Its two and three decimals are the point of the note, whatever the
    request's precision: they are the rounding a student, or the notes, did too early.)"""
    if any(I.is_inf(v) for v in losses):
        return
    rounded = [sp.Rational(F.fixed(v, Precision(dp=2))) for v in losses]
    naive = sum(rounded, sp.Integer(0))
    if F.fixed(naive, Precision(dp=2)) == F.fixed(total, Precision(dp=2)):
        return
    n = len(losses)
    txt = (f"Rounding each loss to 2 decimals first ({', '.join(F.fixed(v, Precision(dp=2)) for v in losses[:8])}"
           f"{', ...' if n > 8 else ''}) and adding gives {F.fixed(naive, Precision(dp=2))}, but the total is "
           f"{F.text(total)} -> {F.fixed(total, Precision(dp=2))} and the mean "
           f"{F.fixed(mean, Precision(dp=3))} (not {F.fixed(naive, Precision(dp=2))}/{n} = "
           f"{F.fixed(naive / n, Precision(dp=3))}). Round only at the end.")
    d.note("Round only at the end", txt)


def _class_offset(conv) -> int:
    return 1 if conv["class_index"] == "from_1" else 0


def _one_hot_rows(p, conv, K: int) -> tuple[tuple, ...]:
    """One-hot rows from the class indices (checked against the convention's counting)."""
    off = _class_offset(conv)
    rows = []
    for k, t in enumerate(as_exact(p["target"]), 1):
        c = int(t) - off
        if not 0 <= c < K:
            where = f"entry {k} is" if len(p["target"]) > 1 else "it is"
            hint = (" Classes are counted from 1 here; use -c class_index=from_0 for indices counted from 0." if off
                    else " Classes are counted from 0 here.")
            raise InvalidInput("target", f"The 'target' parameter of cross_entropy must be a class from {off} to "
                                         f"{K - 1 + off} (there are {K} classes): {where} {int(t)}.{hint}")
        rows.append(tuple(sp.Integer(1 if j == c else 0) for j in range(K)))
    return tuple(rows)


def _targets(d: Derivation, p, conv, K: int) -> tuple[tuple, ...]:
    if p["target"] is None:
        return I.prepare_rows(d, p["p"], "p", p["normalize"])
    rows = _one_hot_rows(p, conv, K)
    counted = "from 1" if _class_offset(conv) else "from 0"
    shown = "; ".join(f"class {F.text(t)} -> {F.text(r)}" for t, r in zip(as_exact(p["target"][:8]), rows[:8]))
    d.given("One-hot targets from the class indices", rows[0] if len(rows) == 1 else None,
            text=f"Classes are counted {counted}: {shown}{' ...' if len(rows) > 8 else ''}. The target distribution "
                 "puts probability 1 on the true class.", lhs=pv if len(rows) == 1 else None)
    return rows


def _solve_rows(p, conv) -> Derivation:
    d = Derivation()
    base = p["base"]
    logits = p["logits"] is not None
    K = I.shape_of(p["logits"] if logits else p["q"])[1]
    P = _targets(d, p, conv, K)
    P_hard = P
    eps_v = p["label_smoothing"]
    if eps_v != 0:
        P = _smooth(d, P, eps_v, conv["smoothing_form"])
    W = as_exact(p["weights"]) if p["weights"] is not None else None
    if logits:
        Z = I.rows_of(p["logits"])
        P, Z = I.broadcast(d, P, Z, "the targets", "the logits")
        P_hard, _ = I.broadcast(None, P_hard, Z, "", "")
    else:
        Q = I.prepare_rows(d, p["q"], "q", p["normalize"])
        P, Q = I.broadcast(d, P, Q, "the targets", "q")
        P_hard, _ = I.broadcast(None, P_hard, Q, "", "")
    if W is None:
        I.formula_step(d, "Definition", HPQ, I.CE_DEF[base], text_rhs=f"-sum_i p_i {sp.sstr(I.LOG(I.q_i, base))}",
                       text_=f"The average surprise, under the prediction q, of outcomes drawn from the target p "
                             f"({I.BASE_WORDS[base]}: {I.UNIT[base]}). For a one-hot p only the true class counts: "
                             "-log q_true.")
    else:
        I.formula_step(d, "Definition with class weights", HPQ, WCE_DEF[base],
                       text_=f"Each class's term is multiplied by its weight w_i ({I.BASE_WORDS[base]}: {I.UNIT[base]}); "
                             "for a one-hot target the loss is -w_c log q_c, the true class's weight times its "
                             "surprise (torch's weight=). Below v_i = w_i p_i is the weighted target.")
    n = len(P)
    values, qrows = [], []
    shared = None
    if logits and len(set(Z)) == 1 and n > 1:  # one row of logits for every sample: its softmax once
        with d.group("The predicted distribution q = softmax(z), the same for every sample", text=f"z = {F.text(Z[0])}"):
            shared = I.softmax_steps(d, Z[0], qname="q")
    for k in range(n):
        if logits:
            r = shared if shared is not None else (I.softmax_exact(Z[k]) if k >= I.MAX_DETAIL_ROWS else None)
        if k >= I.MAX_DETAIL_ROWS:  # the rest: values only (they are in the table)
            target = P[k] if W is None else tuple(w * x for w, x in zip(W, P[k]))
            if logits:
                qrows.append(r.p)
                values.append(I.ce_value(target, r.p, base, logq=r.logp))
            else:
                values.append(I.ce_value(target, Q[k], base))
            continue
        with (d.group(f"Sample {k + 1}: p = {F.text(P[k])}") if n > 1 else nullcontext()):
            if n == 1:
                d.given("The smoothed target" if eps_v != 0 else "The target distribution", P[k],
                        lhs=sym("p'", r"\mathbf{p}'") if eps_v != 0 else pv)
            logq = None
            if logits:
                if shared is None:
                    with d.group("The predicted distribution q = softmax(z)", text=f"z = {F.text(Z[k])}"):
                        r = I.softmax_steps(d, Z[k], qname="q", why=(k == 0))
                q, logq = r.p, r.logp
                qrows.append(q)
            else:
                q = Q[k]
                d.given("The prediction", q, lhs=sym("q", r"\mathbf{q}"))
            if W is None:
                h = I.ce_row(d, P[k], q, base, lhs=HPQ, answer_name="cross_entropy" if n == 1 else None, logq=logq,
                             row_index=k + 1 if n > 1 else None)
                if n == 1:
                    _identity(d, P[k], q, h, base, answers=True, logq=logq)
            else:
                v = d.compute("Weighted target", vv, WEIGHTED_TARGET, {wv: W, pv: P[k]},
                              text="v_i = w_i p_i: each class's share of the target times its weight.")
                h = I.ce_row(d, v, q, base, lhs=HPQ, answer_name="cross_entropy" if n == 1 else None, logq=logq,
                             row_index=k + 1 if n > 1 else None, target_name="v")
        values.append(h)
    if logits:
        qvals = tuple(tuple(I.exact_value(x) for x in row) for row in qrows)
        d.answer_step("The predicted probabilities q = softmax(z)", I.answer("q", qvals[0] if n == 1 else qvals, unit=""),
                      text="One row per sample." if n > 1 else "", kind="compute")
        targets = [P[k] if W is None else tuple(w * x for w, x in zip(W, P[k])) for k in range(n)]
        _grad_logits(d, targets, qvals, base)
    if n == 1 and W is None:
        I.convert_units(d, values[0], base, "H(p,q)", "H(p, q)")
        return d
    if n > I.MAX_DETAIL_ROWS:
        d.note("Samples worked in full", f"The first {I.MAX_DETAIL_ROWS} samples are worked above; the table has all {n}.")
    if n > 1:
        d.table("Loss of each sample", ["sample", Math("H(p, q)", "H(p,q)")], [(k, v) for k, v in enumerate(values, 1)],
                answer=I.answer("cross_entropy", tuple(values), base), keys=("sample", "cross_entropy"),
                index=("sample",))
    if W is not None and conv["weighted_mean"] == "weight_sum":
        total, mean = _weighted_total_and_mean(d, values, W, P_hard, base)
    else:
        total, mean = I.total_and_mean(d, values, base, mean_text=MEAN_TEXT.format(n=n) if W is None else
                                       f"The mean over the N = {n} samples (the weighted_mean convention: divide by N).")
    I.convert_units(d, mean, base, "mean L", r"\overline{L}")
    return d


def _grad_logits(d: Derivation, targets, qrows, base: str) -> None:
    """The gradient of each sample's loss with respect to its logits, (S q - t) / ln b (q - p in nats), as an answer
    (grad_logits; one row per sample), the first sample worked."""
    rows = []
    for k, (t, q) in enumerate(zip(targets, qrows)):
        vals = {S_t: I.exact_value(sp.Add(*t)), qv: q, tv: t, ln_b: I.ln_base(base)}
        if k == 0:
            g = d.compute("Gradient with respect to the logits", G_Z, GRAD_LOGITS, vals,
                          text="Softmax and cross-entropy together: dH/dz_j = (S q_j - t_j) / ln b with S = sum_i t_i "
                               "the target's total (1 for a distribution) and t the target (weighted by the class weights "
                               "when given): q - p in nats, the prediction minus the target. "
                               + ("One row per sample; the first is worked here." if len(targets) > 1 else ""))
        else:
            g = I.evaluate(GRAD_LOGITS, vals)
        rows.append(tuple(I.exact_value(x) for x in g))
    I.attach(d, I.answer("grad_logits", rows[0] if len(rows) == 1 else tuple(rows), None))


def _weighted_total_and_mean(d: Derivation, losses, W, P_hard, base):
    """The total of the weighted losses and their weighted mean: the total over sum_n sum_c w_c p_nc (sum_n w_{y_n} for
    one-hot targets), as torch's weighted cross-entropy averages."""
    n = len(losses)
    wts = [I.exact_value(sum((w * x for w, x in zip(W, row)), sp.Integer(0))) for row in P_hard]
    inf = any(I.is_inf(v) for v in losses)
    total = sp.oo if inf else I.exact_value(sp.Add(*losses))
    Lt, Lm = I.qsym("total L", r"L_{\text{total}}"), I.qsym("mean L", r"\overline{L}")
    syms = [I.isym("L", k) for k in range(1, n + 1)]
    if n <= I.MAX_SUM_TERMS:
        d.compute("Total loss", Lt, I.written(I._add, *syms) if n > 1 else syms[0], dict(zip(syms, losses)), value=total,
                  text="Add the weighted per-sample losses.")
    else:
        d.add(Step("compute", "Total loss", text=f"The sum of the {n} weighted losses.", value=F.equals(Lt, total)))
    I.attach(d, I.answer("total", total, base))
    wsyms = [I.isym("w", k, "w_{y") for k in range(1, n + 1)]
    wsum = I.exact_value(sp.Add(*wts))
    if wsum == 0:
        raise InvalidInput("weights", "The 'weights' parameter of cross_entropy gives every sample's true class the "
                                      "weight 0, so the weighted mean is 0/0: give a positive weight to some true class "
                                      "(or use -c weighted_mean=n).")
    if n <= I.MAX_SUM_TERMS:
        d.compute("Sum of the weights of the samples' true classes", W_sum,
                  I.written(I._add, *wsyms) if n > 1 else wsyms[0], dict(zip(wsyms, wts)), value=wsum,
                  text="w_{y_n} is the weight of sample n's true class (for a soft target, sum_c w_c p_c).")
    else:
        d.add(Step("compute", "Sum of the weights of the samples' true classes", value=F.equals(W_sum, wsum)))
    I.attach(d, I.answer("weight_sum", wsum, None))
    mean = sp.oo if inf else I.exact_value(total / wsum)
    d.compute("Weighted mean loss", Lm, Lt / W_sum, {Lt: total, W_sum: wsum}, value=mean,
              text="torch's weighted cross-entropy (reduction='mean') divides by the weights, not by N.")
    I.attach(d, I.answer("mean", mean, base))
    return total, mean


def _smooth(d: Derivation, P, eps_v, form: str):
    K = len(P[0])
    if form == "eps/(K-1)":
        bad = [k for k, r in enumerate(P, 1) if not I.is_one_hot(r)]
        if bad:
            raise InvalidInput("label_smoothing", "The 'label_smoothing' parameter of cross_entropy with smoothing_form="
                                                  f"eps/(K-1) needs one-hot targets (one 1, the rest 0); row {bad[0]} of p is "
                                                  f"{F.text(P[bad[0] - 1])}. Use -c smoothing_form=eps/K for soft targets.")
    expr = SMOOTH_K1 if form == "eps/(K-1)" else SMOOTH_K
    true_v = (1 - eps_v) if form == "eps/(K-1)" else (1 - eps_v + eps_v / K)
    wrong_v = eps_v / (K - 1) if form == "eps/(K-1)" else eps_v / K
    alt_true = (1 - eps_v + eps_v / K) if form == "eps/(K-1)" else (1 - eps_v)
    alt_wrong = eps_v / K if form == "eps/(K-1)" else eps_v / (K - 1)
    why = ("The true class keeps 1 - eps and each of the K - 1 wrong classes gets eps/(K-1)"
           if form == "eps/(K-1)" else "The target is mixed with the uniform distribution: every class gets eps/K on top of "
                                       "(1 - eps) times its target")
    txt = (f"{why}: with eps = {F.text(eps_v)} and K = {K}, a one-hot target becomes {F.text(true_v)} on the true "
           f"class and {F.text(wrong_v)} on each other class. (The other form, "
           f"{'eps/K' if form == 'eps/(K-1)' else 'eps/(K-1)'}, would give {F.text(alt_true)} and "
           f"{F.text(alt_wrong)}.)")
    if form == "eps/(K-1)":
        txt += " The handwritten notes use this form: 0.9 and 0.011 (= 0.1/9, rounded) for K = 10."
    out = []
    with d.group("Label smoothing", text=txt):
        for k, row in enumerate(P, 1):
            title = f"Smoothed target{'' if len(P) == 1 else f' of sample {k}'}"
            if k <= I.MAX_DETAIL_ROWS:
                v = d.compute(title, sym("p'", r"\mathbf{p}'"), expr, {eps: eps_v, pv: row, Ksym: sp.Integer(K)})
            else:
                v = I.evaluate(expr, {eps: eps_v, pv: row, Ksym: sp.Integer(K)})
            out.append(tuple(v))
    value = out[0] if len(out) == 1 else tuple(out)
    I.attach(d, I.answer("p_smoothed", value, None))
    return tuple(out)


def _identity_exprs(base: str, ks: tuple):
    """H(p) = -sum p_k log p_k and KL(p || q) = sum p_k log(p_k / q_k) over the outcomes ks, as written (built
    under evaluate(False) by I.written, once per base and outcomes)."""
    hp_expr = -sp.Add(*[I.isym("p", k) * I.LOG(I.isym("p", k), base) for k in ks]) if len(ks) > 1 else \
        -(I.isym("p", ks[0]) * I.LOG(I.isym("p", ks[0]), base))
    kl_parts = [I.isym("p", k) * I.LOG(I.isym("p", k) / I.isym("q", k), base) for k in ks]
    kl_expr = sp.Add(*kl_parts) if len(kl_parts) > 1 else kl_parts[0]
    return hp_expr, kl_expr


def _identity(d: Derivation, p, q, h, base, *, answers: bool, logq=None) -> None:
    """H(p, q) = H(p) + KL(p || q), each written out with the numbers."""
    live = [(k, a, b) for k, (a, b) in enumerate(zip(p, q), 1) if a != 0]
    with d.group("Check: H(p, q) = H(p) + KL(p || q)",
                 text="Cross-entropy = the entropy of the target + the divergence of the prediction from it. "
                      "Minimising H(p, q) over q is minimising KL(p || q), since H(p) does not depend on q "
                      "(as the end-term assignment uses it)."):
        hp_expr, kl_expr = I.written(_identity_exprs, base, tuple(k for k, _, _ in live))
        vals_p = {I.isym("p", k): a for k, a, _ in live}
        vals_pq = {**vals_p, **{I.isym("q", k): b for k, _, b in live}}
        hp = d.compute("Entropy of the target", HP, hp_expr, vals_p,
                       text="The terms with p_i = 0 are 0 and left out." if len(live) < len(p) else "")
        if answers:
            I.attach(d, I.answer("entropy_p", hp, base))
        inf = any(b == 0 for _, _, b in live)
        kl_value = sp.oo if inf else None
        if logq is not None and not inf:
            kl_value = I.exact_value(sum((a * (sp.log(a) - logq[k - 1]) for k, a, _ in live), sp.Integer(0)) / I.ln_base(base))
        kl = d.compute("KL divergence of q from p", KL, kl_expr, vals_pq, value=kl_value,
                       text="Infinite: q_i = 0 where p_i > 0." if inf else "")
        if answers:
            I.attach(d, I.answer("kl", kl, base))
        total = sp.oo if I.is_inf(kl) else I.exact_value(hp + kl)
        ok = I.is_inf(total) and I.is_inf(h) or (not I.is_inf(total) and not I.is_inf(h) and abs(total - h) < sp.Float("1e-30"))
        d.compare("The identity holds" if ok else "The identity does not hold (a bug)",
                  text=(f"H(p) + KL(p || q) = {F.text(hp)} + {F.text(kl)} = {F.text(total)}, which is "
                        f"H(p, q) = {F.text(h)}." + (" Here H(p) = 0 (a certain target), so the cross-entropy is all "
                                                         "divergence." if hp == 0 else "")),
                  value=Math(r"%s + %s = %s = H(p, q)" % (F.latex(hp), F.latex(kl), F.latex(total)),
                             f"{F.text(hp)} + {F.text(kl)} = {F.text(total)} = H(p,q)"))


# ---- numeric path ---------------------------------------------------------------------------------------

def solve_numeric(p, conv) -> Derivation:
    d = Derivation()
    base = p["base"]
    lnb = I.np_ln_base(base)
    if p["q_true"] is not None:
        qt = as_float(p["q_true"]).reshape(-1)
        with np.errstate(divide="ignore"):
            L = -np.log(qt) / lnb
        d.note("Numeric path", f"{qt.size} samples in float64: L = -ln(q_true) / ln b, in {I.UNIT[base]}.")
        if qt.size == 1:
            d.conclude("Cross-entropy", answers=(I.answer("cross_entropy", float(L[0]), base),))
        else:
            d.conclude("Loss of each sample, total and mean",
                       answers=(I.answer("cross_entropy", L, base), I.answer("total", float(L.sum()), base),
                                I.answer("mean", float(L.mean()), base)))
        return d
    logits = p["logits"] is not None
    K = I.shape_of(p["logits"] if logits else p["q"])[1]
    if p["target"] is not None:
        P = np.array(_one_hot_rows(p, conv, K), dtype=np.float64)
    else:
        P = I.float_rows(p["p"], p["normalize"])
        I.note_sums_np(d, P, "p", p["normalize"])
    P_hard = P
    eps_v = float(p["label_smoothing"])
    if eps_v:
        if conv["smoothing_form"] == "eps/(K-1)":
            onehot = np.all((P == 0) | (P == 1), axis=1) & (np.sum(P == 1, axis=1) == 1)
            if not onehot.all():
                r = int(np.flatnonzero(~onehot)[0])
                raise InvalidInput("label_smoothing", "The 'label_smoothing' parameter of cross_entropy with smoothing_form="
                                                      f"eps/(K-1) needs one-hot targets (one 1, the rest 0); row {r + 1} of p "
                                                      "is not. Use -c smoothing_form=eps/K for soft targets.")
            P = (1 - eps_v) * P + eps_v * (1 - P) / (K - 1)
        else:
            P = (1 - eps_v) * P + eps_v / K
    if logits:
        Qp, _, logq = I.softmax_np(p["logits"])
        Q = None
    else:
        Q = I.float_rows(p["q"], p["normalize"])
        I.note_sums_np(d, Q, "q", p["normalize"])
        with np.errstate(divide="ignore"):
            logq = np.log(Q)
    P, logq = I.broadcast_np(P, logq)
    P_hard, _ = I.broadcast_np(P_hard, logq)
    if Q is not None:
        _, Q = I.broadcast_np(P, Q)
    W = as_float(p["weights"]) if p["weights"] is not None else None
    T = P if W is None else P * W
    with np.errstate(invalid="ignore"):
        ce = -np.where(T > 0, T * np.where(T > 0, logq, 0.0), 0.0).sum(axis=1) / lnb
        if Q is not None:
            ce = np.where(np.any((T > 0) & (Q == 0), axis=1), np.inf, ce)
    d.note("Numeric path", f"{P.shape[0]} sample{'s' if P.shape[0] > 1 else ''} of {K} classes in float64: "
           + ("H(p, q) = -sum p ln q / ln b" if W is None else "-sum w p ln q / ln b (class weights)")
           + " with 0 ln 0 = 0" + (", ln q from a log-softmax of the logits" if Q is None else "")
           + f"; in {I.UNIT[base]}.")
    single = P.shape[0] == 1
    answers = []
    if eps_v:
        answers.append(I.answer("p_smoothed", P[0] if single else P, None))
    if logits:
        Qb = np.broadcast_to(Qp, P.shape)
        answers.append(I.answer("q", Qb[0] if single else Qb, unit=""))
        G = (Qb * T.sum(axis=1, keepdims=True) - T) / lnb   # GRAD_LOGITS: (S q - t) / ln b, every row at once
        answers.append(I.answer("grad_logits", G[0] if single else G, None))
    if single and W is None:
        hp = I.entropy_np(P, base)
        kl = ce - hp if np.isfinite(ce[0]) else ce
        answers += [I.answer("cross_entropy", float(ce[0]), base), I.answer("entropy_p", float(hp[0]), base),
                    I.answer("kl", float(kl[0]), base)]
        d.conclude("Cross-entropy, H(p) and KL(p || q)", answers=tuple(answers))
        return d
    total = float(ce.sum())
    answers += [I.answer("cross_entropy", float(ce[0]) if single else ce, base), I.answer("total", total, base)]
    if W is not None and conv["weighted_mean"] == "weight_sum":
        wsum = float((P_hard * W).sum())
        if wsum == 0:
            raise InvalidInput("weights", "The 'weights' parameter of cross_entropy gives every sample's true class the "
                                          "weight 0, so the weighted mean is 0/0: give a positive weight to some true "
                                          "class (or use -c weighted_mean=n).")
        answers += [I.answer("weight_sum", wsum, None), I.answer("mean", total / wsum, base)]
    else:
        answers.append(I.answer("mean", float(ce.mean()), base))
    d.conclude("Loss of each sample, total and mean", answers=tuple(answers))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A table of true-class probabilities, or one-hot targets (or class indices) with predicted probabilities or
    logits; sometimes class weights."""
    # well-posed: every predicted probability is > 0 (2-decimal compositions of 100), so every loss is finite
    mode = rng.choice(["q_true", "q", "logits"])
    if mode == "q_true":
        n = int(rng.integers(2, 5))
        return {"q_true": [round(int(v) / 100, 2) for v in rng.integers(5, 100, size=n)]}
    k, n = int(rng.integers(2, 5)), int(rng.integers(1, 3))
    P = [I.random_one_hot(rng, k) for _ in range(n)]
    out: dict = {}
    if rng.random() < 0.3:
        out["target"] = [row.index(1) + 1 for row in P]
    else:
        out["p"] = P if n > 1 else P[0]
    if mode == "q":
        Q = [I.random_distribution(rng, k) for _ in range(n)]
        out["q"] = Q if n > 1 else Q[0]
    else:
        Z = [[round(float(v), 1) for v in rng.uniform(-3, 3, size=k)] for _ in range(n)]
        out["logits"] = Z if n > 1 else Z[0]
    if rng.random() < 0.3:
        out["label_smoothing"] = 0.1
    if rng.random() < 0.2:
        out["weights"] = [float(v) for v in rng.choice([0.5, 1, 2], size=k)]
    return out
