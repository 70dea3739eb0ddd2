"""Kullback-Leibler divergence: KL(p || q) = sum_i p_i log(p_i / q_i) >= 0, and in general KL(p || q) != KL(q || p).

Exam question: "The true distribution is P = [1, 0] and a model predicts Q = [0.7, 0.3]. What is
D_KL(P || Q)? And D_KL(Q || P)?" (the optimization notes: log(1/0.7) = 0.357 nats; the reverse is infinite because
P gives the second outcome probability 0). Several rows of p and q are several pairs, each worked, with
the mean of each direction.

Conventions: the base of the logarithm is the `base` parameter (e: nats, the default, as scipy and torch;
2: bits; 10: hartleys); the other two units are shown too. 0 log(0 / q) = 0, and p log(p / 0) = inf for
p > 0: an infinite divergence is the answer (status solved, with a step saying why), as scipy's rel_entr
gives it, not an error. Rows must sum to 1 (within 1e-9) unless normalize=true, which rescales them.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver import format as F
from solver.params import InvalidInput, Matrix, Param
from solver.registry import Example
from solver.steps import Math
from solver.symbolic import Derivation, latex

from . import _info as I

TITLE = "Kullback-Leibler divergence"
TOPIC = "information"
KEYWORDS = ("kl", "kullback", "leibler", "kullback-leibler", "kl divergence", "divergence", "relative entropy",
            "information gain", "d_kl")

KL_PQ, KL_QP = I.kl_symbol("p", "q"), I.kl_symbol("q", "p")

PARAMS = (
    Param("p", Matrix(max_rows=100_000, max_cols=10_000), required=True, label="Distribution p",
          help="the reference (true) distribution, e.g. 1 0; several rows for several pairs",
          aliases=("p", "P", "true distribution", "reference distribution", "target distribution", "data distribution")),
    Param("q", Matrix(max_rows=100_000, max_cols=10_000), required=True, label="Distribution q",
          help="the approximating (model) distribution, same shape as p, e.g. 0.7 0.3",
          aliases=("q", "Q", "model distribution", "approximating distribution", "predicted distribution", "model's",
                   "approximation")),
    I.BASE_PARAM,
    I.NORMALIZE_PARAM,
)
CONVENTIONS = ()

EXAMPLE = Example(params={"p": "1 0", "q": "0.7 0.3"},
                  source="the optimization notes, KL of P = [1, 0] from Q = [0.7, 0.3]")


def validate(p: dict[str, Any]) -> None:
    I.check_prob_rows(p["p"], "p", "kl_divergence", p["normalize"])
    I.check_prob_rows(p["q"], "q", "kl_divergence", p["normalize"])
    if I.shape_of(p["p"]) != I.shape_of(p["q"]):
        (a, b), (c, e) = I.shape_of(p["p"]), I.shape_of(p["q"])
        raise InvalidInput("q", f"The 'q' parameter of kl_divergence must have the shape of p ({a} x {b}: one entry per "
                                f"outcome, one row per pair). Got {c} x {e} instead.")


def use_numeric(p) -> bool:
    return I.any_array(p["p"], p["q"]) or I.size_of(p["p"], p["q"]) > I.MAX_EXACT_ENTRIES


def statement(p) -> str:
    (P, n), (Q, _) = I.head_rows(p["p"], 4), I.head_rows(p["q"], 4)
    unit = f"in {I.UNIT[p['base']]} ({I.BASE_WORDS[p['base']]})"
    if n == 1:
        return (f"The true distribution is p = {F.text(P[0])} and a model gives q = {F.text(Q[0])}. "
                f"Compute the Kullback-Leibler divergence KL(p || q) {unit}, and the reverse KL(q || p).")
    pairs = "; ".join(f"p = {F.text(a)}, q = {F.text(b)}" for a, b in zip(P, Q)) + (" ..." if n > 4 else "")
    return (f"For each of these {n} pairs of distributions ({pairs}), compute KL(p || q) and KL(q || p) {unit}, "
            "and the mean of each.")


def solve(p, conv) -> Derivation:
    d = Derivation()
    base = p["base"]
    P = I.prepare_rows(d, p["p"], "p", p["normalize"])
    Q = I.prepare_rows(d, p["q"], "q", p["normalize"])
    I.formula_step(d, "Definition", KL_PQ, I.KL_DEF[base], text_rhs=f"sum_i p_i {sp.sstr(I.LOG(I.p_i / I.q_i, base))}",
                   text_=f"The extra {I.UNIT[base]} paid, on average over p, for coding outcomes drawn from p with a code "
                         "built for q. Terms with p_i = 0 are 0 (0 log 0 = 0); a term with q_i = 0 < p_i is infinite. "
                         "KL >= 0, with equality only when p = q, and it is not symmetric.")
    if len(P) == 1:
        d.given("The distributions", None, text=f"p = {F.text(P[0])}, q = {F.text(Q[0])}")
        f, r = _pair(d, P[0], Q[0], base, answers=True)
        _asymmetry(d, f, r, base)
        I.convert_units(d, f, base, "KL(p||q)", r"D_{\mathrm{KL}}(p \parallel q)")
        return d
    fw, rv = [], []
    for k, (a, b) in enumerate(zip(P, Q), 1):
        if k > I.MAX_DETAIL_ROWS:
            f, r = I.kl_value(a, b, base), I.kl_value(b, a, base)
        else:
            with d.group(f"Row {k}: p = {F.text(a)}, q = {F.text(b)}"):
                f, r = _pair(d, a, b, base, answers=False)
        fw.append(f)
        rv.append(r)
    if len(P) > I.MAX_DETAIL_ROWS:
        d.note("Rows worked in full", f"The first {I.MAX_DETAIL_ROWS} rows are worked above; the table has all {len(P)}.")
    d.table("KL divergence of each row, both directions",
            ["row", Math(latex(KL_PQ), "KL(p||q)"), Math(latex(KL_QP), "KL(q||p)")],
            [(str(k), a, b) for k, (a, b) in enumerate(zip(fw, rv), 1)],
            answer=I.answer("kl", tuple(fw), base))
    I.attach(d, I.answer("kl_reverse", tuple(rv), base))
    mean = I.mean_step(d, fw, "Mean KL(p || q)", I.qsym("mean KL(p||q)", r"\overline{D_{\mathrm{KL}}(p \parallel q)}"),
                       "mean", base, "D")
    I.mean_step(d, rv, "Mean KL(q || p)", I.qsym("mean KL(q||p)", r"\overline{D_{\mathrm{KL}}(q \parallel p)}"),
                "mean_reverse", base, "D")
    I.convert_units(d, mean, base, "mean KL(p||q)", r"\overline{D_{\mathrm{KL}}(p \parallel q)}")
    return d


def _pair(d: Derivation, a, b, base, *, answers: bool):
    with d.group("KL(p || q): weight by p", text="Each term is p_i log(p_i / q_i)."):
        f = I.kl_row(d, a, b, base, names=("p", "q"), lhs=KL_PQ, answer_name="kl" if answers else None,
                     title="The terms p_i log(p_i / q_i)")
    with d.group("KL(q || p): the reverse direction, weight by q",
                 text="Swap the roles: each term is q_i log(q_i / p_i), averaged over q instead of p."):
        r = I.kl_row(d, b, a, base, names=("q", "p"), lhs=KL_QP, answer_name="kl_reverse" if answers else None,
                     title="The terms q_i log(q_i / p_i)")
    return f, r


def _asymmetry(d: Derivation, f, r, base):
    same = (not I.is_inf(f) and not I.is_inf(r) and abs(f - r) < sp.Float("1e-30")) or (I.is_inf(f) and I.is_inf(r))
    d.compare("KL is not symmetric",
              text=("Here the two directions happen to agree." if same else
                    f"The two directions differ: KL(p || q) = {F.text(f)} but KL(q || p) = {F.text(r)} {I.UNIT[base]}. "
                    "KL is a divergence, not a distance: which distribution weights the terms matters.")
              + (" KL(q || p) is infinite because p gives probability 0 to an outcome that q allows."
                 if I.is_inf(r) and not I.is_inf(f) else "")
              + (" KL(p || q) is infinite because q gives probability 0 to an outcome that p allows."
                 if I.is_inf(f) and not I.is_inf(r) else ""),
              value=Math(r"%s = %s,\quad %s = %s" % (latex(KL_PQ), F.latex(f), latex(KL_QP), F.latex(r)),
                         f"KL(p||q) = {F.text(f)}, KL(q||p) = {F.text(r)}"))


def solve_numeric(p, conv) -> Derivation:
    d = Derivation()
    base = p["base"]
    P = I.float_rows(p["p"], p["normalize"])
    Q = I.float_rows(p["q"], p["normalize"])
    f, r = I.kl_np(P, Q, base), I.kl_np(Q, P, base)
    d.note("Numeric path", f"{P.shape[0]} pair{'s' if P.shape[0] > 1 else ''} of distributions over {P.shape[1]} outcomes in "
           f"float64: sum p ln(p/q) / ln b with 0 ln(0/q) = 0 and p ln(p/0) = inf, in {I.UNIT[base]}.")
    if P.shape[0] == 1:
        d.conclude("KL divergence, both directions",
                   answers=(I.answer("kl", float(f[0]), base), I.answer("kl_reverse", float(r[0]), base)))
    else:
        d.conclude("KL divergence of each row, both directions, and the means",
                   answers=(I.answer("kl", f, base), I.answer("kl_reverse", r, base),
                            I.answer("mean", float(f.mean()), base), I.answer("mean_reverse", float(r.mean()), base)))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A pair of 2-4 outcome distributions with 2-decimal probabilities summing to exactly 1."""
    # well-posed: both rows are compositions of 100 hundredths with every entry > 0, so both directions are finite
    k = int(rng.integers(2, 5))
    return {"p": I.random_distribution(rng, k), "q": I.random_distribution(rng, k),
            "base": str(rng.choice(["e", "e", "2", "10"]))}
