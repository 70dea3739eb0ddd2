"""Shannon entropy: H(p) = -sum_i p_i log p_i = sum_i p_i log(1/p_i), the expected surprise; a Gaussian's is 1/2 log(2 pi e sigma^2).

Exam question: "A coin lands heads with probability 0.9. What is the surprise of each outcome, and what
is the entropy of one flip, in bits?" (the optimization notes: surprises 0.15 and 3.32, H = 0.47 bits; a fair coin
has 1 bit). Several rows of p are several distributions: each gets its entropy, and their mean is given.
"What is the (differential) entropy of X ~ N(mu, sigma^2)?": give `sigma` (a vector of standard deviations for
a Gaussian with a diagonal covariance, whose entropy is the sum over the dimensions) instead of p.

Conventions: the base of the logarithm is the `base` parameter (e: nats, the default, as scipy.stats.entropy
and torch; 2: bits, as the optimization notes' coin; 10: hartleys; any other base b > 1), and every
answer names its unit; the value in the other units is shown too. 0 log 0 = 0 (the limit of p log p), so an
impossible outcome adds nothing. Rows must sum to 1 (within 1e-9, or within the rounding of their printed
digits: 0.33 0.33 0.33 is used as written, with a step saying so) unless normalize=true, which rescales them.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from solver import format as F
from solver.errata import Erratum
from solver.params import InvalidInput, Matrix, Param, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math, Step
from solver.symbolic import Derivation, sym

from . import _info as I

TITLE = "Entropy of a distribution"
TOPIC = "information"
KEYWORDS = ("entropy", "shannon", "shannon entropy", "surprise", "information", "bits", "nats", "uncertainty",
            "self-information", "coin", "average surprise", "differential entropy", "entropy of a gaussian",
            "entropy of a normal distribution")

H = I.qsym("H(p)", "H(p)")
H_MEAN = I.qsym("mean H", r"\overline{H}")
h_X = I.qsym("h(X)", "h(X)")
sigma_s, mu_s = sym("sigma", r"\sigma"), sym("mu", r"\mu")

#: read as the question's data when no name says which field a table of probabilities is (solver.reading)
MAIN_FIELDS = ("p",)

PARAMS = (
    Param("p", Matrix(max_rows=100_000, max_cols=10_000), label="Probabilities",
          help="one distribution, e.g. 0.9 0.1; or several, one per row (e.g. 0.5 0.5; 0.9 0.1)",
          aliases=("probabilities", "probability", "p", "P", "distribution", "prob", "probability distribution",
                   "with probabilities", "probabilities of"),
          cues={"0.5 0.5": ("fair coin", "unbiased coin", "fair coin toss"), "1/6 1/6 1/6 1/6 1/6 1/6": ("fair die", "fair dice")}),
    Param("sigma", Vector(max_len=100_000), label="Gaussian standard deviation sigma",
          help="instead of p: the standard deviation of a Gaussian (not its variance); several for a Gaussian with a "
               "diagonal covariance, e.g. 1 2",
          aliases=("sigma", "σ", "standard deviation", "standard deviations", "std", "gaussian with standard deviation",
                   "normal with standard deviation")),
    Param("mu", Vector(max_len=100_000), label="Gaussian mean mu",
          help="optional: the mean of the Gaussian (the entropy does not depend on it)",
          aliases=("mu", "μ", "mean", "means")),
    I.BASE_PARAM,
    I.NORMALIZE_PARAM,
)
CONVENTIONS = ()

EXAMPLE = Example(params={"p": "0.9 0.1", "base": "2"},
                  source="the optimization notes, the biased coin: surprise and entropy in bits")

ERRATA = (
    Erratum(where="the optimization notes (entropy)", params={}, also=lambda v: v["p"] is not None,
            wrote="the surprise of an outcome once as \"1/log(prob)\"",
            right="the surprise is log(1/p) = -log p, as their own table uses it",
            why="1/log 1 is undefined, while a certain outcome has surprise 0"),
)

#: h(X) = 1/2 log_b(2 pi e sigma^2), as written, per base
GAUSS = I.written_per_base(lambda b: sp.Rational(1, 2) * I.LOG(2 * sp.pi * sp.E * sigma_s ** 2, b))


def validate(p: dict[str, Any]) -> None:
    if p["sigma"] is None:
        if p["p"] is None:
            raise InvalidInput("p", "The 'p' parameter of entropy is required: the probabilities of the outcomes (or "
                                    "give sigma, the standard deviation of a Gaussian).")
        if p["mu"] is not None:
            raise InvalidInput("mu", "The 'mu' parameter of entropy goes with sigma (a Gaussian), not with the "
                                     "probabilities p.")
        I.check_prob_rows(p["p"], "p", "entropy", p["normalize"])
        return
    if p["p"] is not None:
        raise InvalidInput("sigma", "The 'sigma' parameter of entropy cannot be combined with p: give the probabilities "
                                    "p of a discrete distribution, or the standard deviation sigma of a Gaussian.")
    _check_sigma(p["sigma"], "sigma", "entropy")
    if p["mu"] is not None and len(p["mu"]) not in (1, len(p["sigma"])):
        raise InvalidInput("mu", f"The 'mu' parameter of entropy must have one entry per standard deviation in sigma "
                                 f"({len(p['sigma'])}). Got {len(p['mu'])} instead.")


def _check_sigma(v, field: str, family: str) -> None:
    """Standard deviations must be positive (a Gaussian with sigma = 0 has no density)."""
    a = as_float(v).reshape(-1)
    bad = np.flatnonzero(~(a > 0))
    if bad.size:
        k = int(bad[0])
        where = f"entry {k + 1} is" if a.size > 1 else "it is"
        raise InvalidInput(field, f"The '{field}' parameter of {family} must hold standard deviations, each positive "
                                  f"(a Gaussian with sigma <= 0 has no density): {where} {F.text(v[k])}.")


def use_numeric(p) -> bool:
    if p["sigma"] is not None:
        return isinstance(p["sigma"], np.ndarray) or len(p["sigma"]) > I.MAX_EXACT_ENTRIES
    return I.any_array(p["p"]) or I.size_of(p["p"]) > I.MAX_EXACT_ENTRIES


def _unit_words(base: str) -> str:
    return f"in {I.UNIT[base]} ({I.BASE_WORDS[base]})"


def statement(p) -> Rich:
    unit = _unit_words(p["base"])
    if p["sigma"] is not None:
        sig = as_exact(p["sigma"][:12])
        mu = None if p["mu"] is None else as_exact(p["mu"][:12])
        if len(p["sigma"]) == 1:
            given = (Eq(sigma_s, sig[0]),) if mu is None else (Eq(mu_s, mu[0]), " and ", Eq(sigma_s, sig[0]))
            return Rich("A random variable X is Gaussian (normal) with ", *given,
                        ". What is its differential entropy ", h_X, f" {unit}?")
        given = ((Eq(sym("sigma", r"\boldsymbol{\sigma}"), sig),) if mu is None else
                 (Eq(sym("mu", r"\boldsymbol{\mu}"), mu), " and standard deviations ",
                  Eq(sym("sigma", r"\boldsymbol{\sigma}"), sig)))
        return Rich(f"A {len(p['sigma'])}-dimensional Gaussian with a diagonal covariance has ", *given,
                    ". What is its differential entropy ", h_X, f" {unit}?")
    rows, n = I.head_rows(p["p"])
    resc = " (rescaled to sum to 1)" if p["normalize"] else ""
    if n == 1:
        return Rich(f"A random variable has {len(rows[0])} outcomes with probabilities ",
                    Eq(sym("p", r"\mathbf{p}"), rows[0]), f"{resc}. What is the surprise ", I.SURPRISE[p["base"]],
                    " of each outcome, and what is the entropy ", H, f" {unit}?")
    more = f" ({n} rows)" if n > len(rows) else ""
    return Rich(f"Each row of ", Eq(sym("P", r"\mathbf{P}"), rows), f"{more} is a probability distribution{resc}. "
                f"Compute the entropy of each {unit}, and their mean.")


def solve(p, conv) -> Derivation:
    if p["sigma"] is not None:
        return _gaussian(p)
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
        _bounds(d, h, K, base, sum(rows[0], sp.Integer(0)))
        I.convert_units(d, h, base, "H", "H")
        return d

    values = []
    for r, row in enumerate(rows, 1):
        if r > I.MAX_DETAIL_ROWS:
            values.append(I.entropy_value(row, base))
            continue
        with d.group(f"Row {r}: p = {F.text(row)}"):
            values.append(I.entropy_row(d, row, base, lhs=H, row_index=r))
    if len(rows) > I.MAX_DETAIL_ROWS:
        d.note("Rows worked in full", f"The first {I.MAX_DETAIL_ROWS} rows are worked above; the table has all {len(rows)}.")
    d.table("Entropy of each row", ["row", Math("H(p)", "H(p)")], [(r, v) for r, v in enumerate(values, 1)],
            answer=I.answer("entropy", tuple(values), base), keys=("row", "entropy"), index=("row",))
    mean = I.mean_step(d, values, "Mean entropy", H_MEAN, "mean", base, "H")
    I.convert_units(d, mean, base, "mean H", r"\overline{H}")
    return d


def _bounds(d: Derivation, h, K: int, base: str, total) -> None:
    if total != 1:
        d.note("The range 0 <= H(p) <= log K", "It holds for a distribution that sums to exactly 1; this row is used as "
                                               "written, so the value can fall just outside it.")
        return
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


def _gaussian(p) -> Derivation:
    """h(X) = 1/2 log_b(2 pi e sigma^2) per dimension, summed over the dimensions of a diagonal Gaussian."""
    d = Derivation()
    base = p["base"]
    sig = as_exact(p["sigma"])
    n = len(sig)
    formula = GAUSS[base]
    I.formula_step(d, "Differential entropy of a Gaussian", h_X, formula,
                   text_=f"h(X) = -E[log p(X)] for the density of N(mu, sigma^2) ({I.BASE_WORDS[base]}: {I.UNIT[base]}). "
                         "The mean only shifts the density, so it does not change the entropy; a density can exceed 1, "
                         "so the differential entropy is negative when sigma < 1/sqrt(2 pi e) = 0.242."
                         + (" With a diagonal covariance the dimensions are independent and their entropies add."
                            if n > 1 else ""))
    if p["mu"] is not None:
        d.note("The mean", f"mu = {F.text(as_exact(p['mu']))} does not enter: the entropy depends on sigma only.")
    if n == 1:
        h = d.compute("Substitute sigma", h_X, formula, {sigma_s: sig[0]})
        I.attach(d, I.answer("entropy", h, base))
        I.convert_units(d, h, base, "h(X)", "h(X)")
        return d
    terms = []
    with d.group("Each dimension"):
        for k, s in enumerate(sig, 1):
            sk = I.isym("sigma", k, r"\sigma")
            terms.append(d.compute(f"Dimension {k}", I.isym("h", k), formula.xreplace({sigma_s: sk}), {sk: s})
                         if k <= I.MAX_TERM_STEPS else I.exact_value(formula.xreplace({sigma_s: s})))
    d.table("Entropy of each dimension", ["dimension", Math(r"\sigma_{k}", "sigma_k"), Math("h_{k}", "h_k")],
            [(k, s, v) for k, (s, v) in enumerate(zip(sig, terms), 1)], keys=("dim", "sigma", "entropy"),
            index=("dim",))
    total = I.exact_value(sp.Add(*terms))
    d.add(Step("compute", "Add the dimensions", text=f"The sum of the {n} entropies, in {I.UNIT[base]}.",
                 value=F.equals(h_X, total)))
    I.attach(d, I.answer("entropy", total, base))
    I.convert_units(d, total, base, "h(X)", "h(X)")
    return d


def solve_numeric(p, conv) -> Derivation:
    d = Derivation()
    base = p["base"]
    if p["sigma"] is not None:
        s = as_float(p["sigma"]).reshape(-1)
        h = (0.5 * np.log(2 * np.pi * np.e) + np.log(s)) / I.np_ln_base(base)
        d.note("Numeric path", f"A Gaussian of {s.size} dimension{'s' if s.size > 1 else ''} in float64: "
               f"h = sum_k (1/2 ln(2 pi e) + ln sigma_k) / ln b, in {I.UNIT[base]}.")
        d.conclude("Differential entropy", answers=(I.answer("entropy", float(h.sum()), base),))
        return d
    P = I.float_rows(p["p"], p["normalize"])
    h = I.entropy_np(P, base)
    d.note("Numeric path", f"{P.shape[0]} distribution{'s' if P.shape[0] > 1 else ''} of {P.shape[1]} outcomes in float64: "
           f"H = -sum p ln p / ln b with 0 ln 0 = 0, in {I.UNIT[base]}.")
    I.note_sums_np(d, P, "p", p["normalize"])
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
    """One distribution (sometimes two rows) of 2 to 4 outcomes with 2-decimal probabilities summing to exactly 1
    (a Gaussian's entropy is asked with sigma; exams built from this family ask the discrete one)."""
    # well-posed: every row is a composition of 100 hundredths, so it sums to 1 exactly with entries > 0
    n = 1 if rng.random() < 0.7 else 2
    k = int(rng.integers(2, 5))
    rows = [I.random_distribution(rng, k) for _ in range(n)]
    return {"p": rows if n > 1 else rows[0], "base": str(rng.choice(["e", "2", "2", "10"]))}
