"""Ensemble averaging: E[(mean of k errors)^2] = V/k + (k - 1) C/k; bagging leaves out (1 - 1/n)^n -> 1/e of the data.

Exam questions: "k models make errors with variance V and pairwise covariance C. What is the expected
squared error of their average? What if the errors are independent, or perfectly correlated?"
(the lecture notes, week 6: V/k + (k - 1)C/k, V/k when C = 0 and V when C = V; the handwritten notes:
'best case 1/k, worst case the same error') and "what fraction of a bootstrap sample of size n are
duplicates?" (the lecture notes, week 7: 'nearly 36%'; a given item is never drawn with probability
(1 - 1/n)^n, which tends to 1/e = 36.8%).

Derivation: E[(sum_i eps_i / k)^2] = (1/k^2)(sum_i E[eps_i^2] + sum_{i != j} E[eps_i eps_j]) = (k V + k(k - 1) C)/k^2.
The fraction of the n draws that repeat an earlier draw, 1 - (expected distinct)/n, equals the fraction of
items left out, (1 - 1/n)^n: both readings of the notes' "duplicates" give the same number.

Convention: whether C is given as the covariance of two models' errors (the notes) or as their correlation
coefficient rho (then C = rho V).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from solver.conventions import Convention
from solver.params import Int, Param, Real
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver import format as F
from solver.errata import Erratum
from solver.symbolic import Derivation, make_answer, sym

TITLE = "Ensembles: error of an average of k models; bagging duplicates"
TOPIC = "layers"
KEYWORDS = ("ensemble", "bagging", "bootstrap", "model averaging", "variance", "covariance", "correlated errors",
            "1/e", "duplicates", "averages the predictions", "with replacement", "never drawn", "left out")

# ---- the rules, written once ---------------------------------------------------------------------
k, V, C, rho, n = sym("k"), sym("V"), sym("C"), sym("rho", r"\rho"), sym("n")
mse, p_out = sym("MSE", r"\mathrm{MSE}"), sym("P_out", r"P(\text{never drawn})")
with sp.evaluate(False):
    MSE_SUMS = (k * V + k * (k - 1) * C) / k ** 2          # k variances + k(k-1) covariances
    MSE = V / k + (k - 1) * C / k                          # the lecture notes, week 6
    COV_FROM_RHO = rho * V
    LEFT_OUT = (1 - 1 / n) ** n
    DISTINCT = 1 - p_out
    LIMIT = sp.exp(-1)

C_MEANING = Convention(
    "c_is", "What C means",
    {"covariance": "C is the covariance of two models' errors (the lecture notes, week 6)",
     "correlation": "C is the correlation coefficient rho of two models' errors; the covariance is rho V"},
    default="covariance", why_default="the lecture notes, week 6, state the formula with the covariance C",
    aliases={"cov": "covariance", "corr": "correlation", "rho": "correlation"},
    cues={"correlation": ("correlation", "correlation coefficient", "correlated with coefficient"),
          "covariance": ("covariance",)},
)
CONVENTIONS = (C_MEANING,)

PARAMS = (
    Param("k", Int(1, 10 ** 9), default="5", label="Models k",
          aliases=("k", "models", "number of models", "ensemble of")),
    Param("V", Real(0, None), default="1", label="Error variance V", help="variance of each model's error",
          aliases=("V", "variance", "error variance", "sigma^2", "σ^2")),
    Param("C", Real(), default="0.3", label="Covariance C", help="covariance of two models' errors (or rho)",
          aliases=("C", "covariance", "pairwise covariance", "covariance of", "correlation", "rho", "ρ"),
          cues={"0": ("independent models", "independent errors", "uncorrelated errors", "uncorrelated models",
                      "errors are independent", "errors are uncorrelated", "independently")}),
    Param("n", Int(1, 10 ** 12), default="1000", label="Bootstrap sample size n",
          help="n draws with replacement from n items",
          aliases=("n", "bootstrap sample of", "draws", "items", "training set of", "sample size")),
)

EXAMPLE = Example(params={"k": "5", "V": "1", "C": "0.3", "n": "1000"},
                  source="the lecture notes, weeks 6 and 7, and the handwritten notes: ensembles and bagging")

ERRATA = (
    Erratum(where="the lecture notes, week 7 (bagging)", params={}, kind="ambiguity",
            wrote="'nearly 36% of training samples are duplicates'",
            right="the limit is 1/e = 36.79%, slightly more than 36%",
            why="it is the same number whether 'duplicates' means the share of the n draws that repeat an earlier draw "
                "or the share of the items left out, (1 - 1/n)^n"),
)


def _cov(p, conv):
    return p["C"] * p["V"] if conv.get("c_is") == "correlation" else p["C"]


def _check(d: Derivation, p, conv) -> bool:
    """The covariance matrix V on the diagonal and C elsewhere must be positive semi-definite."""
    v, kk = p["V"], p["k"]
    c = _cov(p, conv)
    lo = -v / (kk - 1) if kk > 1 else -v
    if c > v or c < lo or (conv["c_is"] == "correlation" and abs(p["C"]) > 1):
        d.status = "undefined"
        d.note("Impossible covariance", f"k errors with variance V = {F.text(v)} and equal pairwise covariance need "
                                        f"{F.text(lo)} <= C <= V (the covariance matrix must be positive "
                                        f"semi-definite); C = {F.text(c)} is outside.")
        d.conclude("No ensemble error", answers=(make_answer("valid", False),))
        return False
    return True


def use_numeric(p) -> bool:
    return False


def statement(p, conv=None) -> Rich:
    """The question; the pairwise term reads as a covariance C or, under the correlation convention, a correlation
    coefficient ρ (C = ρV: the two limits are ρ = 0 and ρ = 1)."""
    if conv is not None and conv["c_is"] == "correlation":
        pair = Rich("correlation coefficient ", Eq(rho, p["C"]))
        low, high = Eq(rho, 0), Eq(rho, 1)
    else:
        pair, low, high = Rich("covariance ", Eq(C, p["C"])), Eq(C, 0), Eq(C, V)
    return Rich("An ensemble averages the predictions of ", Eq(k, p["k"]), " models whose errors each have variance ",
                Eq(V, p["V"]), " and the errors of any two models have ", pair, ". What is the expected squared error "
                "of the average, and how does it compare with independent (", low, ") and perfectly correlated (",
                high, ") errors? A bootstrap sample draws ", Eq(n, p["n"]), f" items with replacement from "
                f"{p['n']}: what fraction of the items is never drawn, and what is its limit?")


def _left_out(n_: int):
    """(1 - 1/n)^n to 40 digits (an exact Rational would have about 3n digits)."""
    import mpmath

    with mpmath.workdps(60):
        val = mpmath.exp(n_ * mpmath.log1p(-mpmath.mpf(1) / n_)) if n_ > 1 else mpmath.mpf(0)
        return sp.Float(mpmath.nstr(val, 45), 40)


def solve(p, conv) -> Derivation:
    d = Derivation()
    kk, v, n_ = p["k"], p["V"], p["n"]
    with d.group("Error of the averaged prediction"):
        if conv["c_is"] == "correlation":
            c = d.compute("Covariance from the correlation", C, COV_FROM_RHO, {rho: p["C"], V: v})
        else:
            c = p["C"]
            d.given("Errors", text=f"k = {kk} models; Var(eps_i) = V = {F.text(v)}; Cov(eps_i, eps_j) = C = "
                                   f"{F.text(c)} for i != j")
        if not _check(d, p, conv):
            return d
        d.formula("Expand the square", mse, MSE_SUMS,
                  text="E[(sum_i eps_i / k)^2] = (1/k^2)(sum_i E[eps_i^2] + sum_{i != j} E[eps_i eps_j]): k variances "
                       "and k(k - 1) covariances.")
        d.formula("Simplify (as the lecture notes write it)", mse, MSE)
        m = d.compute("Expected squared error of the average", mse, MSE, {V: v, k: kk, C: c}, answer="mse")
        d.compute("Relative to one model", sym("ratio"), mse / V, {mse: m, V: v}, answer="ratio",
                  value=m / v if v != 0 else sp.Integer(1))
        d.compute("Best case: independent errors (C = 0)", mse, V / k, {V: v, k: kk}, answer="mse_independent")
        d.compute("Worst case: perfectly correlated errors (C = V)", mse, MSE, {V: v, k: kk, C: v},
                  answer="mse_correlated", text="(k - 1)V/k + V/k = V: averaging copies of one model does not help.")
        d.note("Between the two limits", "Independent errors divide the error by k, perfectly correlated ones leave it "
                                         "unchanged (the lecture notes and the handwritten notes say the same); real "
                                         "ensembles lie in between.")
    with d.group("Bagging: bootstrap sample of n from n"):
        po = d.compute("Probability that a given item is never drawn", p_out, LEFT_OUT, {n: n_}, answer="left_out",
                       value=_left_out(n_),
                       text="Each of the n draws misses it with probability 1 - 1/n, independently.")
        d.compute("Expected fraction of distinct items in the sample", sym("distinct"), DISTINCT, {p_out: po},
                  answer="distinct_fraction", text="The items drawn at least once; the other draws, the same fraction 1 - distinct = P_out of the n "
                       "draws, repeat an item already drawn.")
        d.compute("Limit as n grows", p_out, LIMIT, {}, answer="limit",
                  text=f"(1 - 1/n)^n -> e^(-1) as n -> infinity; for n = {n_} it is already {F.text(po)}.")
    return d


def solve_numeric(p, conv) -> Derivation:
    """The same closed forms in float64 (log1p for the bootstrap probability at large n)."""
    d = Derivation()
    kk, v, n_ = p["k"], float(p["V"]), p["n"]
    c = float(_cov(p, conv))
    if not _check(d, p, conv):
        return d
    m = v / kk + (kk - 1) * c / kk
    po = float(np.exp(n_ * np.log1p(-1.0 / n_))) if n_ > 1 else 0.0
    d.conclude("Ensemble and bagging", answers=(
        make_answer("mse", m), make_answer("ratio", m / v if v else 1.0), make_answer("mse_independent", v / kk),
        make_answer("mse_correlated", v), make_answer("left_out", po), make_answer("distinct_fraction", 1 - po),
        make_answer("limit", float(np.exp(-1.0)))))
    return d


def generate(rng: np.random.Generator) -> dict:
    """k, V and a covariance inside the positive semi-definite range -V/(k - 1) <= C <= V."""
    kk = int(rng.integers(2, 11))
    v = float(rng.choice([0.5, 1, 2, 4]))
    while True:
        c = float(np.round(rng.uniform(-0.2, 1.0) * v, 2))
        if -v / (kk - 1) <= c <= v:  # resample until the covariance matrix is positive semi-definite
            break
    return {"k": kk, "V": v, "C": c, "n": int(rng.choice([10, 100, 1000]))}
