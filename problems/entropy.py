"""Shannon entropy: H(p) = -sum_i p_i log p_i = sum_i p_i log(1/p_i), the expected surprise.

Exam question: "A coin lands heads with probability 0.9. What is the surprise of each outcome, and what
is the entropy of one flip, in bits?" (the optimization notes: surprises 0.15 and 3.32, H = 0.47 bits; a fair coin
has 1 bit). Several rows of p are several distributions: each gets its entropy, and their mean is given.

Conventions: the base of the logarithm is the `base` parameter (e: nats, the default, as scipy.stats.entropy
and torch; 2: bits, as the optimization notes' coin; 10: hartleys), and every answer names its unit; the value in the
other two units is shown too. 0 log 0 = 0 (the limit of p log p), so an impossible outcome adds nothing.
Rows must sum to 1 (within 1e-9) unless normalize=true, which rescales them and says so.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver import format as F
from solver.errata import Erratum
from solver.params import Matrix, Param
from solver.registry import Example
from solver.steps import Math
from solver.symbolic import Derivation, sym

from . import _info as I

TITLE = "Entropy of a distribution"
TOPIC = "information"
KEYWORDS = ("entropy", "shannon", "shannon entropy", "surprise", "information", "bits", "nats", "uncertainty",
            "self-information", "coin", "average surprise")

H = I.qsym("H(p)", "H(p)")
H_MEAN = I.qsym("mean H", r"\overline{H}")

PARAMS = (
    Param("p", Matrix(max_rows=100_000, max_cols=10_000), required=True, label="Probabilities",
          help="one distribution, e.g. 0.9 0.1; or several, one per row (e.g. 0.5 0.5; 0.9 0.1)",
          aliases=("probabilities", "probability", "p", "P", "distribution", "prob", "probability distribution",
                   "with probabilities", "probabilities of"),
          cues={"0.5 0.5": ("fair coin", "unbiased coin", "fair coin toss"), "1/6 1/6 1/6 1/6 1/6 1/6": ("fair die", "fair dice")}),
    I.BASE_PARAM,
    I.NORMALIZE_PARAM,
)
CONVENTIONS = ()

EXAMPLE = Example(params={"p": "0.9 0.1", "base": "2"},
                  source="the optimization notes, the biased coin: surprise and entropy in bits")

ERRATA = (
    Erratum(where="the optimization notes (entropy)", params={},
            wrote="the surprise of an outcome once as \"1/log(prob)\"",
            right="the surprise is log(1/p) = -log p, as their own table uses it",
            why="1/log 1 is undefined, while a certain outcome has surprise 0"),
)


def validate(p: dict[str, Any]) -> None:
    I.check_prob_rows(p["p"], "p", "entropy", p["normalize"])


def use_numeric(p) -> bool:
    return I.any_array(p["p"]) or I.size_of(p["p"]) > I.MAX_EXACT_ENTRIES


def statement(p) -> str:
    rows, n = I.head_rows(p["p"])
    unit = f"in {I.UNIT[p['base']]} ({I.BASE_WORDS[p['base']]})"
    resc = " (rescaled to sum to 1)" if p["normalize"] else ""
    if n == 1:
        return (f"A random variable has {len(rows[0])} outcomes with probabilities p = {F.text(rows[0])}{resc}. "
                f"What is the surprise log(1/p_i) of each outcome, and what is the entropy H(p) {unit}?")
    shown = "; ".join(F.text(r) for r in rows) + (f" ... ({n} rows)" if n > len(rows) else "")
    return (f"Each row is a probability distribution{resc}: {shown}. Compute the entropy of each {unit}, "
            "and their mean.")


def solve(p, conv) -> Derivation:
    d = Derivation()
    base = p["base"]
    rows = I.prepare_rows(d, p["p"], "p", p["normalize"])
    K = len(rows[0])
    I.formula_step(d, "Definition", H, (I.ENTROPY_DEF[base], I.ENTROPY_DEF_S[base]), text_rhs=I.ENTROPY_TEXT[base],
                   text_=f"Entropy is the expected surprise, with the {I.BASE_WORDS[base]}: values in {I.UNIT[base]}. "
                         "The surprise of an outcome is log(1/p_i) = -log p_i: 0 for a certain outcome.")
    if len(rows) == 1:
        d.given("The distribution", rows[0], lhs=sym("p"))
        h = I.entropy_row(d, rows[0], base, lhs=H, answer_name="entropy", surprise_answer="surprise")
        _bounds(d, h, K, base)
        I.convert_units(d, h, base, "H", "H")
        return d

    values = []
    for r, row in enumerate(rows, 1):
        if r > I.MAX_DETAIL_ROWS:
            values.append(I.entropy_value(row, base))
            continue
        with d.group(f"Row {r}: p = {F.text(row)}"):
            values.append(I.entropy_row(d, row, base, lhs=H))
    if len(rows) > I.MAX_DETAIL_ROWS:
        d.note("Rows worked in full", f"The first {I.MAX_DETAIL_ROWS} rows are worked above; the table has all {len(rows)}.")
    d.table("Entropy of each row", ["row", Math("H(p)", "H(p)")], [(str(r), v) for r, v in enumerate(values, 1)],
            answer=I.answer("entropy", tuple(values), base))
    mean = I.mean_step(d, values, "Mean entropy", H_MEAN, "mean", base, "H")
    I.convert_units(d, mean, base, "mean H", r"\overline{H}")
    return d


def _bounds(d: Derivation, h, K: int, base: str) -> None:
    top = I.exact_value(I.LOG(sp.Integer(K), base).rewrite(sp.log)) if K > 1 else sp.Integer(0)
    at_top = h == top or abs(h - top) < sp.Float("1e-30")
    where = ("the maximum, reached because every outcome is equally likely" if at_top
             else "0 only for a certain outcome, the maximum only for equally likely outcomes")
    if at_top and K == 2 and base == "2":
        where += "; a fair coin has 1 bit, the most uncertain coin"
    unit = I.UNIT[base][:-1] if top == 1 else I.UNIT[base]
    log_tex = r"\ln %s" % F.latex(K) if base == "e" else r"\log_{%s} %s" % (base, F.latex(K))
    log_txt = f"ln({K})" if base == "e" else f"log{base}({K})"
    d.compare("Check the range: 0 <= H(p) <= log K",
              text=f"With K = {K} outcomes the entropy lies between 0 and {log_txt} = {F.text(top)} {unit} ({where}).",
              value=Math(r"0 \le %s \le %s = %s" % (F.latex(h), log_tex, F.latex(top)),
                         f"0 <= {F.text(h)} <= {log_txt} = {F.text(top)}"))


def solve_numeric(p, conv) -> Derivation:
    d = Derivation()
    base = p["base"]
    P = I.float_rows(p["p"], p["normalize"])
    h = I.entropy_np(P, base)
    d.note("Numeric path", f"{P.shape[0]} distribution{'s' if P.shape[0] > 1 else ''} of {P.shape[1]} outcomes in float64: "
           f"H = -sum p ln p / ln b with 0 ln 0 = 0, in {I.UNIT[base]}.")
    if P.shape[0] == 1:
        with np.errstate(divide="ignore"):
            s = -np.log(P[0]) / I.np_ln_base(base)  # the surprise of each outcome (inf for p_i = 0)
        d.conclude("Surprise of each outcome and entropy",
                   answers=(I.answer("surprise", s, base), I.answer("entropy", float(h[0]), base)))
    else:
        d.conclude("Entropy of each row and their mean",
                   answers=(I.answer("entropy", h, base), I.answer("mean", float(h.mean()), base)))
    return d


def generate(rng: np.random.Generator) -> dict:
    """One distribution (sometimes two rows) of 2 to 4 outcomes with 2-decimal probabilities summing to exactly 1."""
    # well-posed: every row is a composition of 100 hundredths, so it sums to 1 exactly with entries > 0
    n = 1 if rng.random() < 0.7 else 2
    k = int(rng.integers(2, 5))
    rows = [I.random_distribution(rng, k) for _ in range(n)]
    return {"p": rows if n > 1 else rows[0], "base": str(rng.choice(["e", "2", "2", "10"]))}
