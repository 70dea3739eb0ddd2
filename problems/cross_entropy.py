"""Cross-entropy: H(p, q) = -sum_i p_i log q_i = H(p) + KL(p || q); for a one-hot target, -log q_true.

Exam questions: "A classifier gives the true class of three samples the probabilities 0.57, 0.58 and
0.52. What is the cross-entropy loss of each, the total and the mean?" (the optimization notes: 0.562, 0.545,
0.654; total 1.7608, not the notes' 1.75; mean 0.587) and "P = [1, 0], Q = [0.7, 0.3]: what is H(P, Q)?" (the
optimization notes: -log 0.7).
Three ways to give the prediction: `q_true` (the probability of the true class, one per sample, as notes
004's table), `q` (predicted distributions, with the targets `p`), or `logits` (raw scores; q = softmax).
Rows are samples: each gets its loss, with the total and the mean. For one row the identity
H(p, q) = H(p) + KL(p || q) is evaluated on the numbers.

Conventions: `smoothing_form` for label smoothing with strength eps: eps/K to every class (torch, Keras:
the true class gets 1 - eps + eps/K), or eps/(K-1) to each wrong class (the true class gets 1 - eps;
the handwritten notes, the default). The base of the logarithm is the `base` parameter (e: nats, the default,
as torch's F.cross_entropy and the optimization notes' table; 2: bits; 10: hartleys). 0 log 0 = 0; a
q_i = 0 where p_i > 0 makes the loss infinite (the answer, with a step saying why). Rows must sum to 1
(within 1e-9) unless normalize=true, which rescales them.
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import numpy as np
import sympy as sp

from solver.conventions import Convention
from solver.numbers import Precision
from solver import format as F
from solver.errata import Erratum
from solver.params import InvalidInput, Matrix, Param, Real, Vector, as_float
from solver.registry import Example
from solver.steps import Math
from solver.symbolic import Derivation, latex, sym

from . import _info as I

TITLE = "Cross-entropy loss"
TOPIC = "information"
KEYWORDS = ("cross-entropy", "cross entropy", "log loss", "negative log-likelihood", "nll", "label smoothing",
            "categorical", "classification loss", "categorical cross-entropy", "h(p, q)", "true class", "one-hot")

HPQ, HP, KL = I.qsym("H(p,q)", "H(p, q)"), I.qsym("H(p)", "H(p)"), I.kl_symbol("p", "q")
eps, Ksym, pv = sym("eps", r"\varepsilon"), sym("K"), sym("p", r"\mathbf{p}")
L_n, q_n = sym("L_n", "L_{n}"), sym("q_n", r"q_{n}")
with sp.evaluate(False):
    SMOOTH_K = (1 - eps) * pv + eps / Ksym                               # torch / Keras
    SMOOTH_K1 = (1 - eps) * pv + eps * (1 - pv) / (Ksym - 1)             # the handwritten notes: 1 - eps, eps/(K-1)
    LOSS_TRUE = {b: -I.LOG(q_n, b) for b in I.BASES}                    # L_n = -log q_true,n

SMOOTHING_FORM = Convention(
    "smoothing_form", "Label smoothing: how eps is spread",
    {"eps/(K-1)": "label smoothing moves eps from the true class to the K-1 wrong classes, eps/(K-1) each: "
                  "the true class gets 1 - eps (the handwritten notes: 0.9 and 0.011 for K = 10)",
     "eps/K": "label smoothing mixes the target with the uniform distribution: every class gets eps/K, the true class "
              "1 - eps + eps/K (torch's label_smoothing, Keras)"},
    default="eps/(K-1)", why_default="the handwritten notes smooth a one-hot target to 0.9 and 0.011 (K = 10), which is "
                                     "this form",
    aliases={"k-1": "eps/(K-1)", "notes": "eps/(K-1)", "k": "eps/K", "torch": "eps/K", "keras": "eps/K", "uniform": "eps/K"},
    cues={"eps/K": ("eps/k", "uniform distribution", "label_smoothing=", "as in pytorch"),
          "eps/(K-1)": ("eps/(k-1)", "k - 1 wrong classes", "k-1 other classes")},
)
CONVENTIONS = (SMOOTHING_FORM,)

_ROWS = dict(max_rows=100_000, max_cols=10_000)
PARAMS = (
    Param("q_true", Vector(max_len=100_000, lo=0, hi=1), label="Probability of the true class",
          help="the predicted probability of the true class, one per sample, e.g. 0.57 0.58 0.52 "
               "(instead of p and q)",
          aliases=("probabilities", "probability of the true class", "probabilities of the true class",
                   "true class probabilities", "predicted probability of the true class", "q_true")),
    Param("p", Matrix(**_ROWS), label="Targets p",
          help="the true distribution of each sample, one row per sample: one-hot (0 0 1) or soft",
          aliases=("p", "P", "true distribution", "target", "targets", "target distribution", "one-hot", "one-hot encoded as",
                   "true label", "label", "labels", "encoded as", "y")),
    Param("q", Matrix(**_ROWS), label="Predicted probabilities q",
          help="the predicted distribution of each sample, same shape as p, e.g. 0.7 0.3",
          aliases=("q", "Q", "predicted", "predicts", "predicts the probabilities", "prediction", "predictions",
                   "predicted probabilities", "predicted distribution", "model distribution", "y_hat", "output", "outputs")),
    Param("logits", Matrix(**_ROWS), label="Logits (raw scores)",
          help="instead of q: raw scores z, one row per sample; q = softmax(z)",
          aliases=("logits", "raw scores", "scores", "z", "raw outputs")),
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


def validate(p: dict[str, Any]) -> None:
    if p["q_true"] is not None:
        for other in ("p", "q", "logits"):
            if p[other] is not None:
                raise InvalidInput(other, f"The '{other}' parameter of cross_entropy cannot be combined with q_true: give "
                                          "q_true (the probability of the true class per sample), or the targets p with q or logits.")
        if p["label_smoothing"] != 0:
            raise InvalidInput("label_smoothing", "The 'label_smoothing' parameter of cross_entropy needs the whole "
                                                  "predicted distribution (p with q or logits), not q_true. Got "
                                                  f"{F.text(p['label_smoothing'])} instead of 0.")
        return
    if p["p"] is None:
        raise InvalidInput("p", "The 'p' parameter of cross_entropy is required with q or logits: the target distribution "
                                "of each sample (one-hot, e.g. 1 0 0). Or give q_true alone.")
    I.check_prediction(p, "q", FAMILY, also=", or q_true alone")
    I.check_prob_rows(p["p"], "p", FAMILY, p["normalize"])
    other = "q" if p["q"] is not None else "logits"
    if p["q"] is not None:
        I.check_prob_rows(p["q"], "q", FAMILY, p["normalize"])
    if I.shape_of(p["p"]) != I.shape_of(p[other]):
        (a, b), (c, e) = I.shape_of(p["p"]), I.shape_of(p[other])
        raise InvalidInput(other, f"The '{other}' parameter of cross_entropy must have the shape of p ({a} x {b}: one row "
                                  f"per sample, one entry per class). Got {c} x {e} instead.")
    if p["label_smoothing"] != 0 and I.shape_of(p["p"])[1] < 2:
        raise InvalidInput("label_smoothing", "The 'label_smoothing' parameter of cross_entropy needs at least 2 classes. "
                                              "Got 1 class.")


def use_numeric(p) -> bool:
    vals = (p["q_true"], p["p"], p["q"], p["logits"])
    return I.any_array(*vals) or I.size_of(*vals) > I.MAX_EXACT_ENTRIES


def _q_true_exact(v) -> tuple:
    if isinstance(v, np.ndarray):
        return tuple(sp.Rational(repr(float(x))) for x in v)
    return tuple(v)


def statement(p) -> str:
    unit = f"in {I.UNIT[p['base']]} ({I.BASE_WORDS[p['base']]})"
    if p["q_true"] is not None:
        n = len(p["q_true"])
        qs = ", ".join(F.text(v) for v in _q_true_exact(p["q_true"][:12])) + (", ..." if n > 12 else "")
        if n == 1:
            return f"A classifier gives the true class probability {qs}. What is the cross-entropy loss {unit}?"
        return (f"A classifier gives the true class of {n} samples the probabilities {qs}. What is the cross-entropy "
                f"loss of each sample {unit}, the total and the mean?")
    P, n = I.head_rows(p["p"])
    more = " ..." if n > len(P) else ""
    pred = ("logits z = " + "; ".join(F.text(r) for r in I.head_rows(p["logits"])[0]) + f"{more} (q = softmax(z))"
            if p["logits"] is not None else
            "predicted probabilities q = " + "; ".join(F.text(r) for r in I.head_rows(p["q"])[0]) + more)
    smooth = ""
    if p["label_smoothing"] != 0:
        smooth = f" The targets are smoothed with eps = {F.text(p['label_smoothing'])}."
    if n == 1:
        return (f"The target distribution is p = {F.text(P[0])} and the model gives {pred}.{smooth} "
                f"What is the cross-entropy H(p, q) {unit}? Check that H(p, q) = H(p) + KL(p || q).")
    return (f"{n} samples have targets p = " + "; ".join(F.text(r) for r in P) + more
            + f" and {pred}.{smooth} What is the cross-entropy loss of each sample {unit}, the total and the mean?")


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
            [(str(k), v, loss) for k, (v, loss) in enumerate(zip(qs, losses), 1)],
            answer=I.answer("cross_entropy", tuple(losses), base))
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


def _solve_rows(p, conv) -> Derivation:
    d = Derivation()
    base = p["base"]
    P = I.prepare_rows(d, p["p"], "p", p["normalize"])
    eps_v = p["label_smoothing"]
    if eps_v != 0:
        P = _smooth(d, P, eps_v, conv["smoothing_form"])
    logits = p["logits"] is not None
    if logits:
        Z = I.rows_of(p["logits"])
    else:
        Q = I.prepare_rows(d, p["q"], "q", p["normalize"])
    I.formula_step(d, "Definition", HPQ, I.CE_DEF[base], text_rhs=f"-sum_i p_i {sp.sstr(I.LOG(I.q_i, base))}",
                   text_=f"The average surprise, under the prediction q, of outcomes drawn from the target p "
                         f"({I.BASE_WORDS[base]}: {I.UNIT[base]}). For a one-hot p only the true class counts: -log q_true.")
    n = len(P)
    values = []
    for k in range(n):
        if k >= I.MAX_DETAIL_ROWS:  # the rest: values only (they are in the table)
            if logits:
                r = I.softmax_exact(Z[k])
                values.append(I.ce_value(P[k], r.p, base, logq=r.logp))
            else:
                values.append(I.ce_value(P[k], Q[k], base))
            continue
        with (d.group(f"Sample {k + 1}: p = {F.text(P[k])}") if n > 1 else nullcontext()):
            if n == 1:
                d.given("The smoothed target" if eps_v != 0 else "The target distribution", P[k],
                        lhs=sym("p'", r"\mathbf{p}'") if eps_v != 0 else pv)
            logq = None
            if logits:
                with d.group("The predicted distribution q = softmax(z)", text=f"z = {F.text(Z[k])}"):
                    r = I.softmax_steps(d, Z[k], qname="q", why=(k == 0))
                q, logq = r.p, r.logp
            else:
                q = Q[k]
                d.given("The prediction", q, lhs=sym("q", r"\mathbf{q}"))
            h = I.ce_row(d, P[k], q, base, lhs=HPQ, answer_name="cross_entropy" if n == 1 else None, logq=logq)
            _identity(d, P[k], q, h, base, answers=n == 1, logq=logq)
        values.append(h)
    if n == 1:
        I.convert_units(d, values[0], base, "H(p,q)", "H(p, q)")
        return d
    if n > I.MAX_DETAIL_ROWS:
        d.note("Samples worked in full", f"The first {I.MAX_DETAIL_ROWS} samples are worked above; the table has all {n}.")
    d.table("Loss of each sample", ["sample", Math("H(p, q)", "H(p,q)")], [(str(k), v) for k, v in enumerate(values, 1)],
            answer=I.answer("cross_entropy", tuple(values), base))
    total, mean = I.total_and_mean(d, values, base, mean_text=MEAN_TEXT.format(n=n))
    I.convert_units(d, mean, base, "mean L", r"\overline{L}")
    return d


def _smooth(d: Derivation, P, eps_v, form: str):
    K = len(P[0])
    if form == "eps/(K-1)":
        bad = [k for k, r in enumerate(P, 1) if not I.is_one_hot(r)]
        if bad:
            raise InvalidInput("label_smoothing", "The 'label_smoothing' parameter of cross_entropy with smoothing_form="
                                                  f"eps/(K-1) needs one-hot targets (one 1, the rest 0); row {bad[0]} of p is "
                                                  f"{F.text(P[bad[0] - 1])}. Use -c smoothing_form=eps/K for soft targets.")
    expr = SMOOTH_K1 if form == "eps/(K-1)" else SMOOTH_K
    other = SMOOTH_K if form == "eps/(K-1)" else SMOOTH_K1
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
    del other
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
    P = I.float_rows(p["p"], p["normalize"])
    K = P.shape[1]
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
    if p["logits"] is not None:
        _, _, logq = I.softmax_np(p["logits"])
        Q = None
    else:
        Q = I.float_rows(p["q"], p["normalize"])
        with np.errstate(divide="ignore"):
            logq = np.log(Q)
    with np.errstate(invalid="ignore"):
        ce = -np.where(P > 0, P * np.where(P > 0, logq, 0.0), 0.0).sum(axis=1) / lnb
        if Q is not None:
            ce = np.where(np.any((P > 0) & (Q == 0), axis=1), np.inf, ce)
    d.note("Numeric path", f"{P.shape[0]} sample{'s' if P.shape[0] > 1 else ''} of {K} classes in float64: "
           f"H(p, q) = -sum p ln q / ln b with 0 ln 0 = 0" + (", ln q from a log-softmax of the logits" if Q is None else "")
           + f"; in {I.UNIT[base]}.")
    single = P.shape[0] == 1
    if eps_v:
        d.answer_step("Smoothed targets", I.answer("p_smoothed", P[0] if single else P, None))
    if single:
        hp = I.entropy_np(P, base)
        kl = ce - hp if np.isfinite(ce[0]) else ce
        d.conclude("Cross-entropy, H(p) and KL(p || q)",
                   answers=(I.answer("cross_entropy", float(ce[0]), base), I.answer("entropy_p", float(hp[0]), base),
                            I.answer("kl", float(kl[0]), base)))
    else:
        d.conclude("Loss of each sample, total and mean",
                   answers=(I.answer("cross_entropy", ce, base), I.answer("total", float(ce.sum()), base),
                            I.answer("mean", float(ce.mean()), base)))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A table of true-class probabilities, or one-hot targets with predicted probabilities or logits."""
    # well-posed: every predicted probability is > 0 (2-decimal compositions of 100), so every loss is finite
    mode = rng.choice(["q_true", "q", "logits"])
    if mode == "q_true":
        n = int(rng.integers(2, 5))
        return {"q_true": [round(int(v) / 100, 2) for v in rng.integers(5, 100, size=n)]}
    k, n = int(rng.integers(2, 5)), int(rng.integers(1, 3))
    P = [I.random_one_hot(rng, k) for _ in range(n)]
    out: dict = {"p": P if n > 1 else P[0]}
    if mode == "q":
        Q = [I.random_distribution(rng, k) for _ in range(n)]
        out["q"] = Q if n > 1 else Q[0]
    else:
        Z = [[round(float(v), 1) for v in rng.uniform(-3, 3, size=k)] for _ in range(n)]
        out["logits"] = Z if n > 1 else Z[0]
    if rng.random() < 0.3:
        out["label_smoothing"] = 0.1
    return out
