"""Binary cross-entropy: L = -(y log p + (1 - y) log(1 - p)); dL/dp = (1 - y)/(1 - p) - y/p, and dL/dz = p - y for p = sigmoid(z).

Exam question: "A binary classifier outputs p for a sample with target y. What is the loss, and what is
its derivative with respect to p (or to the logit z)?" (the optimization notes: dCE/dy_hat = (1 - t)/(1 - y_hat)
- t/y_hat, which is -1.25 at (t, y_hat) = (1, 0.8) and 1.25 at (0.3, 0.6); the handwritten notes: dCE/dz =
sigma(z) - 1 for y = 1). Several samples give the per-sample losses, their total and their mean (the
reported loss, as torch's reduction='mean').

Conventions: the targets y may be soft (any value in [0, 1]); 0 log 0 = 0, so a term whose weight y or
1 - y is 0 is dropped, and a confident wrong prediction (p = 0 with y > 0, or p = 1 with y < 1) gives an
infinite loss, said in a step (unless log_clamp = torch, below). The
derivatives are of each sample's own loss (the derivative of the mean is 1/N of it). The base of the
logarithm is the `base` parameter (e: nats, the default, as torch; 2: bits; 10: hartleys); with base b
every loss and derivative is the natural-log one divided by ln b. From `logits`, the loss is computed as
softplus(z) - y z, which never takes the log of a rounded 0.

`pos_weight` w (torch's BCEWithLogitsLoss(pos_weight=...)) weights the positive term:
L = -(w y log p + (1 - y) log(1 - p)), dL/dp = (1 - y)/(1 - p) - w y/p, dL/dz = (1 - y + w y) p - w y; on
probabilities the same weighting (torch has it on logits only). Convention `log_clamp`: `none` (the mathematics,
the default) or `torch` (each natural log clamped at -100, as F.binary_cross_entropy: a confident wrong prediction
costs 100 times its weight, and the derivative is torch's (p - y)/max(p (1 - p), 1e-12), the 1e-12 as torch
stores it in single precision). With logits torch applies no clamp, so the convention changes nothing there.
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import numpy as np
import sympy as sp

from solver.conventions import Convention
from solver.functions import sigmoid
from solver import format as F
from solver.errata import Erratum
from solver.params import InvalidInput, Param, Real, Vector, as_float
from solver.registry import Example
from solver.steps import Math
from solver.richtext import Eq, Rich
from solver.symbolic import Derivation, latex, sym

from . import _info as I

TITLE = "Binary cross-entropy loss and its gradient"
TOPIC = "information"
KEYWORDS = ("binary cross-entropy", "bce", "log loss", "logistic loss", "sigmoid", "gradient", "derivative",
            "binary classifier", "binary classification")

y, p, z = sym("y"), sym("p"), sym("z")
Wp = sym("w_pos", r"w_{\mathrm{pos}}")     # torch's pos_weight
L, G, Gz = sym("L"), sym("dL/dp", r"\frac{\partial L}{\partial p}"), sym("dL/dz", r"\frac{\partial L}{\partial z}")
#: torch's clamp of each natural log (F.binary_cross_entropy), and the floor of p (1 - p) in its derivative: 1e-12
#: as torch stores it, in single precision (9.99999996e-13)
CLAMP = -100
TORCH_EPS = sp.Rational(float(np.float32(1e-12)))
EPS_SYM = sym("epsilon", r"\varepsilon")


def _per_base(b: str, expr):
    return expr if b == "e" else expr / I.ln(I.base_number(b))


def _clamped(x):
    return I.fmax(I.ln(x), CLAMP)


def _formulas(weighted: bool, clamp: bool):
    """(loss, dL/dp, dL/dz) per base, for the positive weight (or none) and torch's clamp (or the mathematics)."""
    wy = Wp * y if weighted else y
    if clamp:
        loss = I.written_per_base(lambda b: _per_base(b, -(wy * _clamped(p) + (1 - y) * _clamped(1 - p))))
        num = ((1 - y + Wp * y) * p - Wp * y) if weighted else (p - y)
        grad_p = I.written_per_base(lambda b: _per_base(b, num / I.fmax(p * (1 - p), EPS_SYM)))
    else:
        loss = I.written_per_base(lambda b: -(wy * I.LOG(p, b) + (1 - y) * I.LOG(1 - p, b)))
        grad_p = I.written_per_base(lambda b: _per_base(b, (1 - y) / (1 - p) - wy / p))
    grad_z = I.written_per_base(lambda b: _per_base(b, ((1 - y + Wp * y) * p - Wp * y) if weighted else (p - y)))
    return loss, grad_p, grad_z


FORMULAS = {(w, c): _formulas(w, c) for w in (False, True) for c in (False, True)}
LOSS, GRAD_P, GRAD_Z = FORMULAS[False, False]
with sp.evaluate(False):
    SIGMOID = sigmoid(z)

PARAMS = (
    Param("y", Vector(max_len=1_000_000, lo=0, hi=1), required=True, label="Targets y",
          help="one target per sample, 0 or 1 (soft targets in [0, 1] allowed), e.g. 1 0 1",
          aliases=("y", "t", "label", "labels", "target", "targets", "true label", "true labels", "class")),
    Param("p", Vector(max_len=1_000_000, lo=0, hi=1), label="Predicted probabilities p",
          help="the predicted probability of class 1 for each sample, e.g. 0.8 0.6",
          aliases=("p", "y_hat", "prediction", "predictions", "predicted probability", "predicted probabilities",
                   "outputs", "output", "probability", "predicts")),
    Param("logits", Vector(max_len=1_000_000), label="Logits z",
          help="instead of p: raw scores, p = sigmoid(z)",
          aliases=("logits", "logit", "z", "raw score", "raw scores")),
    Param("pos_weight", Real(lo=0), label="Positive weight w_pos",
          help="optional: the weight of the positive term, -(w y log p + (1 - y) log(1 - p)), as torch's "
               "BCEWithLogitsLoss(pos_weight=...); e.g. 3 for three negatives per positive",
          aliases=("pos_weight", "positive weight", "positive class weight", "weight of the positive class",
                   "weight on the positive class", "weight of positive examples", "weight for the positive class",
                   "pos weight", "w_pos")),
    I.BASE_PARAM,
)

LOG_CLAMP = Convention(
    "log_clamp", "Logarithm of 0",
    {"none": "the logarithms are exact: a certain, wrong prediction (p = 0 for y > 0, or p = 1 for y < 1) gives an "
             "infinite loss and derivative",
     "torch": "each natural logarithm is clamped at -100, as torch's F.binary_cross_entropy: a term costs at most 100 "
              "times its weight, and the derivative is torch's (p - y)/max(p (1 - p), 1e-12)"},
    default="none", why_default="the mathematics: log 0 is minus infinity, as the course notes write the loss",
    aliases={"math": "none", "exact": "none", "off": "none", "no": "none", "clamp": "torch", "pytorch": "torch",
             "-100": "torch"},
    sources={"none": "the definition of the cross-entropy (Goodfellow et al., Deep Learning, ch. 6); the course notes",
             "torch": "PyTorch's F.binary_cross_entropy and nn.BCELoss (log clamped at -100)"},
    paper={"none": "Use exact logarithms: log 0 = −∞, so a certain wrong prediction has an infinite loss.",
           "torch": "Clamp each natural logarithm at −100, as PyTorch's BCELoss does: ln p is replaced by "
                    "max(ln p, −100)."},
    cues={"torch": ("clamped at -100", "clamp the log", "clamps the log", "clamps its log", "log clamped",
                    "clamped log", "clamp at -100", "clamps at -100", "clamps the log at -100", "clamp the log at -100",
                    "log clamped at -100", "clamps its log at -100", "logarithm clamped at -100",
                    "clamps the logarithm at -100"),
          "none": ("exact logarithm", "no clamp", "without clamping", "unclamped")})
CONVENTIONS = (LOG_CLAMP,)

EXAMPLE = Example(params={"y": "1 0.3", "p": "0.8 0.6"},
                  source="the optimization notes, the derivative of the binary cross-entropy at (1, 0.8) and (0.3, 0.6)")

ERRATA = (
    Erratum(where="the handwritten notes (the sigmoid neuron's losses)", params={},
            also=lambda v: v["logits"] is not None,
            wrote="the derivative of MSE = 1/2 sum (y - sigma)^2 as -2(y - sigma) sigma (1 - sigma)",
            right="with the 1/2 it is -(y - sigma) sigma (1 - sigma): the factor 2 should not be there",
            why="the 1/2 cancels the 2 of the square's derivative; the cross-entropy's dL/dz = sigma(z) - y (sigma(z) - 1 "
                "for y = 1, as they write) has no such factor"),
)


def validate(v: dict[str, Any]) -> None:
    I.check_prediction(v, "p", "binary_cross_entropy")
    other = "p" if v["p"] is not None else "logits"
    if len(v[other]) != len(v["y"]) and 1 not in (len(v[other]), len(v["y"])):
        raise InvalidInput(other, f"The '{other}' parameter of binary_cross_entropy must have one entry per target in y "
                                  f"({len(v['y'])}), or a single entry used for every target. Got {len(v[other])} "
                                  "instead.")


def _expanded(v) -> tuple[Any, Any, str | None]:
    """(targets, predictions) of equal length: a single prediction (or target) repeated for every sample, and the
    note that says so (None when nothing was repeated)."""
    other = "p" if v["p"] is not None else "logits"
    Y, P = v["y"], v[other]
    n = max(len(Y), len(P))

    def rep(x):
        if len(x) == n:
            return x
        return np.repeat(np.asarray(x).reshape(-1), n) if isinstance(x, np.ndarray) else tuple(x) * n

    note = None
    if len(Y) != len(P):
        one, many = (other, "y") if len(P) == 1 else ("y", other)
        note = f"{one} has a single entry and {many} has {n}: the same {one} is used for every sample."
    return rep(Y), rep(P), note


def use_numeric(v) -> bool:
    vals = (v["y"], v["p"], v["logits"])
    return I.any_array(*vals) or sum(len(x) for x in vals if x is not None) > I.MAX_EXACT_ENTRIES


def _exact(vec) -> tuple:
    if isinstance(vec, np.ndarray):
        return tuple(sp.Rational(repr(float(x))) for x in vec)
    return tuple(vec)


def statement(v) -> Rich:
    ys = _exact(v["y"][:12])
    n = max(len(v["y"]), len(v["p"] if v["p"] is not None else v["logits"]))
    unit = f"in {I.UNIT[v['base']]} ({I.BASE_WORDS[v['base']]})"
    more = " ..." if n > 12 else ""

    def shown(x):
        x = _exact(x[:12])
        return x[0] if len(x) == 1 else x

    pred = (Rich("predicts ", Eq(sym("p"), shown(v["p"])), more) if v["p"] is not None
            else Rich("outputs logits ", Eq(sym("z"), shown(v["logits"])), more, " (", Math(r"p = \sigma(z)", "p = σ(z)"), ")"))
    d = Math(r"\partial L / \partial p", "∂L/∂p") if v["p"] is not None else Math(r"\partial L / \partial z", "∂L/∂z")
    weighted = () if v["pos_weight"] is None else (" The positive term of the loss is weighted by ",
                                                   Eq(Wp, v["pos_weight"]), " (torch's pos_weight).")
    if n == 1:
        return Rich("A binary classifier ", pred, " for a sample with target ", Eq(sym("y"), ys[0]), ".", *weighted,
                    f" What is the binary cross-entropy loss {unit}, and its derivative ", d, "?")
    return Rich("A binary classifier ", pred, f" for {n} samples with targets ", Eq(sym("y"), ys if len(ys) > 1 else ys[0]),
                more, ".", *weighted,
                f" What is the binary cross-entropy loss of each sample {unit}, the total and the mean, and the "
                "derivative ", d, " for each sample?")


# ---- exact values with 0 log 0 = 0 ---------------------------------------------------------------------

def _loss_value(yv, pv, base, zv=None, w=1, clamp=False):
    """The loss of one sample: -(w y log p + (1 - y) log(1 - p)), 0 log 0 = 0; each ln clamped at -100 (torch)."""
    if zv is not None:  # softplus form: -(w y ln sigma(z) + (1 - y) ln sigma(-z)), no rounded 0 inside a log
        val = -(w * yv * sp.log(1 / (1 + sp.exp(-zv))) + (1 - yv) * sp.log(1 / (1 + sp.exp(zv))))
        return I.exact_value(val / I.ln_base(base))
    total = sp.Integer(0)
    for c, a in ((w * yv, pv), (1 - yv, 1 - pv)):
        if c == 0:
            continue
        if clamp and (a == 0 or bool(a < _EXP_CLAMP)):
            total += c * CLAMP
        elif a == 0:
            return sp.oo
        else:
            total += c * sp.log(a)
    return I.exact_value(-total / I.ln_base(base))


_EXP_CLAMP = sp.exp(CLAMP)   # ln x < -100 exactly when x < e^-100


def _grad_value(yv, pv, base, w=1, clamp=False):
    """dL/dp of one sample: (1 - y)/(1 - p) - w y/p, or torch's ((1 - y + w y) p - w y)/max(p (1 - p), 1e-12)."""
    if clamp:
        return I.exact_value(((1 - yv + w * yv) * pv - w * yv) / sp.Max(pv * (1 - pv), TORCH_EPS) / I.ln_base(base))
    a = sp.Integer(0) if yv == 1 else (sp.oo if pv == 1 else (1 - yv) / (1 - pv))
    b = sp.Integer(0) if w * yv == 0 else (sp.oo if pv == 0 else w * yv / pv)
    if a is sp.oo:
        return sp.oo
    if b is sp.oo:
        return -sp.oo
    return I.exact_value((a - b) / I.ln_base(base))


def solve(v, conv) -> Derivation:
    d = Derivation()
    base = v["base"]
    Yr, Pr, note = _expanded(v)
    ys = _exact(Yr)
    n = len(ys)
    logits = v["logits"] is not None
    w = v["pos_weight"]
    weighted = w is not None
    wv = sp.Integer(1) if w is None else w
    clamp = conv["log_clamp"] == "torch" and not logits
    loss_f, grad_p_f, grad_z_f = FORMULAS[weighted, clamp]
    extra = {Wp: wv} if weighted else {}
    if note:
        d.note("One value for every sample", note)
    d.given("The samples", None, text="; ".join(
        f"sample {k}: y = {F.text(yv)}, " + (f"p = {F.text(pv)}" if not logits else f"z = {F.text(pv)}")
        for k, (yv, pv) in enumerate(zip(ys[:30], _exact(Pr)[:30]), 1))
        + (" ..." if n > 30 else ""))
    if logits:
        zs = _exact(Pr)
        ps_exact = tuple(1 / (1 + sp.exp(-x)) for x in zs)
        ps = tuple(I.exact_value(x) for x in ps_exact)
        _sigmoid_steps(d, zs, ps)
    else:
        zs = None
        ps = _exact(Pr)
    if logits and conv["log_clamp"] == "torch":
        d.note("No clamp from logits", "torch clamps the log at -100 only in F.binary_cross_entropy (probabilities); "
                                       "F.binary_cross_entropy_with_logits computes softplus(z) - y z, which is always "
                                       "finite, so the clamp changes nothing here.")
    I.formula_step(d, "Definition", L, loss_f[base],
                   text_=f"The loss of one sample with target y and predicted probability p ({I.BASE_WORDS[base]}: "
                         f"{I.UNIT[base]}). Only the term of the true class counts when y is 0 or 1 (0 log 0 = 0)."
                         + (f" The positive term is weighted by w_pos = {F.text(wv)} (torch's pos_weight)."
                            if weighted else "")
                         + (" Each natural logarithm is clamped at -100, as torch's F.binary_cross_entropy does."
                            if clamp else ""))
    losses = []
    show = n <= I.MAX_TERM_STEPS
    with (d.group("The loss of each sample") if show and n > 1 else nullcontext()):
        for k, (yv, pv) in enumerate(zip(ys, ps), 1):
            value = _loss_value(yv, pv, base, None if zs is None else zs[k - 1], wv, clamp)
            losses.append(value)
            if show:
                yk, pk = I.isym("y", k), I.isym("p", k)
                expr = I.replaced(loss_f[base], {y: yk, p: pk})
                txt = _loss_note(yv, pv, value, clamp)
                d.compute(f"Sample {k}" if n > 1 else "The loss", I.isym("L", k), expr, {yk: yv, pk: pv, **extra},
                          value=value, text=txt)
    if not show:
        d.table("The loss of each sample", ["sample", "y", "p", Math("L", "L")],
                [(k, yv, pv, lv) for k, (yv, pv, lv) in enumerate(zip(ys, ps, losses), 1)],
                keys=("sample", "y", "p", "losses"), index=("sample",))
    total, mean = _total_mean(d, losses, base)
    if logits:
        _grad_z(d, ys, ps, zs, base, grad_z_f, extra)
    else:
        _grad_p(d, ys, ps, base, grad_p_f, extra, clamp)
    I.convert_units(d, mean, base, "mean L" if n > 1 else "L", r"\overline{L}" if n > 1 else "L")
    return d


def _loss_note(yv, pv, value, clamp: bool = False) -> str:
    if I.is_inf(value):
        return ("Infinite: the prediction is certain and wrong (p = 0 for a sample with y > 0, or p = 1 with y < 1); "
                "torch's F.binary_cross_entropy would clamp the log at -100 (the convention log_clamp = torch).")
    if clamp and ((yv != 0 and (pv == 0 or bool(pv < _EXP_CLAMP)))
                  or (yv != 1 and (pv == 1 or bool(1 - pv < _EXP_CLAMP)))):
        return "A logarithm is below -100 (ln 0 = -infinity), so torch's clamp replaces it by -100."
    if yv == 1:
        return "y = 1, so the second term is 0 * log(1 - p) = 0: L = -log p."
    if yv == 0:
        return "y = 0, so the first term is 0 * log p = 0: L = -log(1 - p)."
    return ""


def _sigmoid_steps(d: Derivation, zs, ps):
    with d.group("Probabilities from the logits: p = sigmoid(z) = 1 / (1 + exp(-z))"):
        if len(zs) <= I.MAX_TERM_STEPS:
            for k, (zv, pv) in enumerate(zip(zs, ps), 1):
                zk = I.isym("z", k)
                d.compute(f"Sample {k}", I.isym("p", k), sigmoid(zk), {zk: zv}, value=pv)
        else:
            zvec, pvec = sym("z", r"\mathbf{z}"), sym("p", r"\mathbf{p}")
            d.compute("All samples", pvec, sigmoid(zvec), {zvec: zs}, value=ps)


def _total_mean(d: Derivation, losses, base):
    n = len(losses)
    inf = any(I.is_inf(x) for x in losses)
    total = sp.oo if inf else I.exact_value(sp.Add(*losses))
    mean = sp.oo if inf else I.exact_value(sp.Add(*losses) / n)
    lv = tuple(losses)
    if n == 1:
        I.attach(d, I.answer("losses", lv, base), I.answer("total", total, base), I.answer("bce", mean, base))
        return total, mean
    d.answer_step("Loss of each sample", I.answer("losses", lv, base))
    return I.total_and_mean(d, losses, base, mean_name="bce", mean_title="Mean loss (the reported BCE)",
                            mean_text="torch's reduction='mean' and Keras report this mean.")


def _grad_p(d: Derivation, ys, ps, base, formula, extra, clamp):
    wv = extra.get(Wp, 1)
    if clamp:
        what = ("torch's derivative: (1 - y)/(1 - p) - " + ("w y/p" if extra else "y/p") + " over a common denominator, "
                "with p (1 - p) floored at epsilon = 1e-12 (torch stores it in single precision, 9.99999996e-13), so "
                "it stays finite at p = 0 and p = 1")
    else:
        what = ("d/dp of -(w y log p + (1 - y) log(1 - p)) = -w y/p + (1 - y)/(1 - p)" if extra else
                "d/dp of -(y log p + (1 - y) log(1 - p)) = -y/p + (1 - y)/(1 - p)")
    I.formula_step(d, "Derivative with respect to p", G, formula[base],
                   text_=what
                         + (f", divided by ln {base} for base {base}" if base != "e" else "")
                         + ". It is negative when p is too small for the target and positive when too large; this is the "
                           "derivative of each sample's own loss (for the mean, divide by N).")
    grads = [_grad_value(yv, pv, base, wv, clamp) for yv, pv in zip(ys, ps)]
    _per_sample(d, ys, ps, grads, formula[base], G, "p", note=None if clamp else _grad_p_note,
                extra={**extra, EPS_SYM: TORCH_EPS} if clamp else extra)
    d.answer_step("Gradient with respect to p", I.answer("grad_p", tuple(grads), unit=""),
                  text="One entry per sample.")


def _grad_p_note(yv, g) -> str:
    if I.is_inf(g):
        return "Infinite: p sits at 0 or 1 against the target, where the log has a vertical asymptote."
    if yv in (0, 1):
        return f"y = {yv}: the {'second' if yv == 1 else 'first'} term is 0."
    return ""


def _per_sample(d: Derivation, ys, ps, grads, formula, lhs, wrt: str, note=None, extra=None) -> None:
    """dL/d<wrt> of each sample: the formula with y_k and p_k substituted (a table for many samples)."""
    n = len(ys)
    if n > I.MAX_TERM_STEPS:
        d.table("The derivative for each sample", ["sample", "y", "p", Math(latex(lhs), f"dL/d{wrt}")],
                [(k, yv, pv, g) for k, (yv, pv, g) in enumerate(zip(ys, ps, grads), 1)],
                keys=("sample", "y", "p", f"grad_{wrt}"), index=("sample",))
        return
    with (d.group("The derivative for each sample") if n > 1 else nullcontext()):
        for k, (yv, pv, g) in enumerate(zip(ys, ps, grads), 1):
            yk, pk = I.isym("y", k), I.isym("p", k)
            expr = I.replaced(formula, {y: yk, p: pk})
            lhs_k = I.qsym(f"dL_{k}/d{wrt}_{k}", r"\frac{\partial L_{%d}}{\partial %s_{%d}}" % (k, wrt, k))
            d.compute(f"Sample {k}" if n > 1 else "The derivative", lhs_k, expr, {yk: yv, pk: pv, **(extra or {})},
                      value=g, text=note(yv, g) if note else "")


def _grad_z(d: Derivation, ys, ps, zs, base, formula, extra):
    wv = extra.get(Wp, 1)
    chain = ("((1 - y)/(1 - p) - w y/p) * p (1 - p) = (1 - y) p - w y (1 - p) = (1 - y + w y) p - w y" if extra else
             "((1 - y)/(1 - p) - y/p) * p (1 - p) = p - y")
    I.formula_step(d, "Derivative with respect to the logit z", Gz, formula[base],
                   text_=f"Chain rule: dL/dz = dL/dp * dp/dz = {chain}"
                         + (f" (divided by ln {base})" if base != "e" else "")
                         + ". The sigmoid's derivative p (1 - p) cancels the denominators, so the gradient never blows up"
                         + (" (sigma(z) - 1 for y = 1, as the handwritten notes write it)." if not extra else "."))
    grads = []
    for yv, zv in zip(ys, zs):
        s_pos, s_neg = 1 / (1 + sp.exp(-zv)), 1 / (1 + sp.exp(zv))
        grads.append(I.exact_value(((1 - yv) * s_pos - wv * yv * s_neg) / I.ln_base(base)))
    _per_sample(d, ys, ps, grads, formula[base], Gz, "z", extra=extra)
    d.answer_step("Gradient with respect to z", I.answer("grad_z", tuple(grads), unit=""), text="One entry per sample.")


# ---- numeric path -----------------------------------------------------------------------------------------

def solve_numeric(v, conv) -> Derivation:
    d = Derivation()
    base = v["base"]
    lnb = I.np_ln_base(base)
    Yr, Pr, note = _expanded(v)
    if note:
        d.note("One value for every sample", note)
    Y = as_float(Yr).reshape(-1)
    w = 1.0 if v["pos_weight"] is None else float(v["pos_weight"])
    clamp = conv["log_clamp"] == "torch" and v["logits"] is None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if v["logits"] is not None:
            Z = as_float(Pr).reshape(-1)
            # -(w y ln sigma(z) + (1 - y) ln sigma(-z)) = softplus(z) - y z + (w - 1) y softplus(-z)
            losses = (np.logaddexp(0.0, Z) - Y * Z + (w - 1) * Y * np.logaddexp(0.0, -Z)) / lnb
            sig_pos, sig_neg = np.exp(-np.logaddexp(0.0, -Z)), np.exp(-np.logaddexp(0.0, Z))
            grad = ((1 - Y) * sig_pos - w * Y * sig_neg) / lnb
            gname = "grad_z"
        else:
            P = as_float(Pr).reshape(-1)
            Yc, Pc = _complement(Yr), _complement(Pr)  # 1 - y and 1 - p without cancellation
            with np.errstate(divide="ignore"):  # ln 0 = -inf: an infinite loss, said on the exact path
                ln_p = np.where(P > 0.5, np.log1p(-Pc), np.log(P))    # ln p near 1 from the exact 1 - p
                ln_q = np.where(P < 0.5, np.log1p(-P), np.log(Pc))   # ln(1 - p) near 1 from p
            if clamp:
                ln_p, ln_q = np.maximum(ln_p, CLAMP), np.maximum(ln_q, CLAMP)
            Yw = w * Y
            losses = -(np.where(Yw > 0, Yw * ln_p, 0.0) + np.where(Yc > 0, Yc * ln_q, 0.0)) / lnb
            if clamp:
                # ((1 - y + w y) p - w y) written as (1 - y) p - w y (1 - p), from the exact 1 - p
                grad = (Yc * P - Yw * Pc) / np.maximum(P * Pc, float(TORCH_EPS)) / lnb
            else:
                a = np.where(Y < 1, Yc / Pc, 0.0)
                b = np.where(Yw > 0, Yw / P, 0.0)
                grad = np.where(np.isinf(a), np.inf, np.where(np.isinf(b), -np.inf, a - b)) / lnb
            gname = "grad_p"
    wt = "w " if v["pos_weight"] is not None else ""
    d.note("Numeric path", f"{Y.size} sample{'s' if Y.size > 1 else ''} in float64"
           + (f": loss = {wt}y softplus(-z) + (1 - y) softplus(z), gradient (1 - y) sigmoid(z) - {wt}y sigmoid(-z)"
              if gname == "grad_z" else
              f": loss -({wt}y ln p + (1 - y) ln(1 - p)) with 0 ln 0 = 0"
              + (", each ln clamped at -100, gradient ((1 - y + w y) p - w y)/max(p (1 - p), 1e-12)" if clamp else
                 f", gradient (1 - y)/(1 - p) - {wt}y/p"))
           + (f"; positive weight w = {F.text(v['pos_weight'])}" if wt else "")
           + f", in {I.UNIT[base]}.")
    answers = (I.answer("losses", losses, base), I.answer("total", float(losses.sum()), base),
               I.answer("bce", float(losses.mean()), base), I.answer(gname, grad, unit=""))
    d.conclude("Losses, total, mean and gradient", answers=answers)
    return d


def _complement(vec) -> np.ndarray:
    """1 - x for each entry, in float64. Typed numbers are exact Rationals a/b, and (b - a)/b in Python's
    integer arithmetic is correctly rounded: 1 - float(0.999999999999) would lose four digits to the rounding
    of the float (an array from the API holds floats, for which 1 - x is what they mean)."""
    if isinstance(vec, np.ndarray):
        return 1.0 - vec.reshape(-1)
    return np.array([(int(x.q) - int(x.p)) / int(x.q) for x in vec], dtype=np.float64)


def generate(rng: np.random.Generator) -> dict:
    """1-4 samples with 0/1 targets and 2-decimal probabilities in [0.05, 0.95] (or 1-decimal logits)."""
    # well-posed: 0 < p < 1, so every loss and derivative is finite
    n = int(rng.integers(1, 5))
    ys = [int(v) for v in rng.integers(0, 2, size=n)]
    if rng.random() < 0.7:
        return {"y": ys, "p": [round(int(v) / 100, 2) for v in rng.integers(5, 96, size=n)]}
    return {"y": ys, "logits": [round(float(v), 1) for v in rng.uniform(-3, 3, size=n)]}
