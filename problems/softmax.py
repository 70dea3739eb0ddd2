"""Softmax: p_i = exp(z_i / T) / sum_j exp(z_j / T), computed as exp(z_i - m) / sum_j exp(z_j - m) with m = max z.

Exam question: "A network's raw outputs for three classes are 1.4, -1.1 and 0.68. What probability does
softmax give class 1?" (the optimization notes: e^1.4 / (e^1.4 + e^-1.1 + e^0.68) = 0.637), and, with
jacobian=true, "what is dp_i/dz_j?" (p_i (delta_ij - p_j); the introductory slides and the optimization notes). Several rows of logits
are several samples, each normalised on its own. With log=true, "what are log-softmax and log-sum-exp?":
LSE(z) = m + ln sum_j exp(z_j - m) (the max-shift written out) and log p_i = (z_i - m) - ln sum_j exp(z_j - m),
as torch's F.log_softmax and torch.logsumexp compute them (no log of a rounded p).

Conventions (not choices): the maximum is subtracted before exponentiating, which leaves the result
unchanged and keeps exp from overflowing; 1 - p_i is computed from the other classes' exponentials, so
a saturated softmax keeps its precision (the optimization notes' marks 100, 5, 4: 1 - p_1 = 7.552e-42, not 0). The
temperature T divides the logits (default 1); the Jacobian is taken with respect to the raw logits z,
so it carries a factor 1/T.
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import numpy as np
import sympy as sp

from solver import format as F
from solver.params import Bool, Matrix, Param, Real, as_float
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.registry import Example
from solver.symbolic import Derivation, sym

from . import _info as I

TITLE = "Softmax probabilities"
TOPIC = "information"
KEYWORDS = ("softmax", "soft max", "logits", "normalised exponential", "normalized exponential", "temperature",
            "jacobian", "log-sum-exp", "stability", "raw outputs", "probabilities of each class")

zv, pv, ev, Tsym, Ssym = (sym("z", r"\mathbf{z}"), sym("p", r"\mathbf{p}"), sym("e", r"\mathbf{e}"), sym("T"), sym("S"))
cv, dv = sym("1 - p", r"\mathbf{1} - \mathbf{p}"), sym("delta_i", r"\boldsymbol{\delta}_{i}")
ezv = sym("E", r"\mathbf{E}")
DEF = sp.exp(I.z_i) / I.Sigma(sp.exp(sym("z_j")), (sym("j"), 1, I.K_))
DEF_T = sp.exp(I.z_i / Tsym) / I.Sigma(sp.exp(sym("z_j") / Tsym), (sym("j"), 1, I.K_))
with sp.evaluate(False):
    COMPLEMENT = (Ssym - ev) / Ssym                       # 1 - p_i = (sum_{j != i} e_j) / S
    UNSHIFTED = ezv / sym("sum E", r"\sum_{j} E_{j}")
    JAC_ROW = I.p_i * (dv - pv)                          # row i of J: p_i (delta_ij - p_j)
    JAC_ROW_T = I.p_i * (dv - pv) / Tsym
lnS = sym("ln S", r"\ln S")
lse_s, logp_v, shift_v = sym("LSE", r"\operatorname{LSE}(\mathbf{z})"), sym("log p", r"\log \mathbf{p}"), \
    sym("s", r"\mathbf{s}")
LSE_DEF = sp.log(I.Sigma(sp.exp(sym("z_j")), (sym("j"), 1, I.K_)))
with sp.evaluate(False):
    LSE_SHIFTED = I.m_ + lnS          # LSE(z) = m + ln sum_j e^(z_j - m): the max-shift
    LOG_SOFTMAX = shift_v - lnS       # log p_i = (z_i - m) - ln S

PARAMS = (
    Param("logits", Matrix(max_rows=100_000, max_cols=10_000), required=True, label="Logits (raw scores)",
          help="one row of scores, e.g. 1.4 -1.1 0.68; several rows for several samples",
          aliases=("logits", "raw outputs", "raw scores", "scores", "z", "raw output values", "outputs", "logit vector",
                   "activations")),
    Param("temperature", Real(0, None, closed="neither"), default="1", label="Temperature T",
          help="the logits are divided by T: T > 1 flattens, T < 1 sharpens (default 1)",
          aliases=("temperature", "T", "tau", "τ")),
    Param("jacobian", Bool(), default="false", label="Show the Jacobian",
          help="also compute dp_i/dz_j = p_i (delta_ij - p_j) / T",
          cues={"true": ("jacobian", "dp_i/dz_j", "derivative of the softmax", "derivatives of the softmax")}),
    Param("log", Bool(), default="false", label="Log-softmax and log-sum-exp",
          help="also compute log-sum-exp LSE(z) = m + ln sum_j exp(z_j - m) and log-softmax log p_i = z_i - LSE(z)",
          aliases=("log_softmax", "log softmax"),
          cues={"true": ("log-softmax", "log softmax", "log_softmax", "log-sum-exp", "logsumexp", "log sum exp",
                         "log-probabilities", "log probabilities")}),
)
CONVENTIONS = ()

EXAMPLE = Example(params={"logits": "1.4 -1.1 0.68", "jacobian": "true"},
                  source="the optimization notes, softmax of the raw outputs 1.4, -1.1, 0.68; the Jacobian as in the "
                         "introductory slides")

#: Show the unshifted computation (as the notes write it) when no score exceeds this in size.
UNSHIFTED_LIMIT = 100


def use_numeric(p) -> bool:
    return I.any_array(p["logits"]) or I.size_of(p["logits"]) > I.MAX_EXACT_ENTRIES


def statement(p) -> Rich:
    Z, n = I.head_rows(p["logits"])
    T = p["temperature"]
    temp = Rich() if T == 1 else Rich(" at temperature ", Eq(Tsym, T), " (the logits are divided by T)")
    extra = Rich()
    if p["jacobian"]:
        extra += Rich(" Also give the Jacobian ", Math(r"\partial p_i / \partial z_j", "∂pᵢ/∂zⱼ"), ".")
    if p["log"]:
        extra += Rich(" Also give the log-sum-exp of the scores and the log-softmax ", Math(r"\log p_i", "log pᵢ"), ".")
    if n == 1:
        return Rich(f"A classifier's raw scores (logits) for {len(Z[0])} classes are ", Eq(zv, Z[0]),
                    ". What probabilities does softmax give", temp, "?", extra)
    more = f" ({n} rows)" if n > len(Z) else ""
    return Rich("Apply softmax", temp, " to each row of logits: ", Eq(sym("Z", r"\mathbf{Z}"), Z), more, ".", extra)


def solve(p, conv) -> Derivation:
    d = Derivation()
    Z = I.rows_of(p["logits"])
    T = p["temperature"]
    if T == 1:
        I.formula_step(d, "Definition", I.p_i, DEF, text_rhs="exp(z_i) / sum_j exp(z_j)",
                       text_="Exponentiate each score and divide by the sum: positive numbers that sum to 1, in the "
                             "order of the scores.")
    else:
        I.formula_step(d, "Definition", I.p_i, DEF_T, text_rhs="exp(z_i / T) / sum_j exp(z_j / T)",
                       text_="Divide the scores by the temperature T, exponentiate, and divide by the sum.")
    n = len(Z)
    P, C, J, LSE, LOGP = [], [], [], [], []
    for k, z in enumerate(Z, 1):
        if k > I.MAX_DETAIL_ROWS:  # values only (the answers hold every row)
            r = I.softmax_exact(z, T)
            P.append(tuple(I.exact_value(x) for x in r.p))
            C.append(tuple(I.exact_value(x) for x in r.comp))
            if p["jacobian"]:
                J.append(_jacobian_values(r, T))
            if p["log"]:
                a, b = _log_values(r)
                LSE.append(a)
                LOGP.append(b)
            continue
        with (d.group(f"Row {k}: z = {F.text(z)}") if n > 1 else nullcontext()):
            if n == 1:
                d.given("The logits", z, lhs=zv)
            r, pvals, comp = _row(d, z, T, single=n == 1, why=k == 1)
            P.append(pvals)
            C.append(comp)
            if p["jacobian"]:
                J.append(_jacobian(d, r, pvals, comp, T, single=n == 1))
            if p["log"]:
                a, b = _log_steps(d, r, T, single=n == 1)
                LSE.append(a)
                LOGP.append(b)
    if n == 1:
        return d
    if n > I.MAX_DETAIL_ROWS:
        d.note("Rows worked in full", f"The first {I.MAX_DETAIL_ROWS} rows are worked above; the answers hold all {n}.")
    d.answer_step("Softmax of each row", I.answer("p", tuple(P), unit=""), text="One row of probabilities per row of logits.")
    d.answer_step("1 - p of each row", I.answer("one_minus_p", tuple(C), unit="", tiny=True))
    if p["jacobian"]:
        d.answer_step("Jacobian of each row", I.answer("jacobian", tuple(J), unit=""),
                      text="One K x K matrix per row: entry (i, j) is dp_i/dz_j.")
    if p["log"]:
        d.table("Log-sum-exp of each row", ["row", Math(r"\operatorname{LSE}", "LSE")],
                [(k, v) for k, v in enumerate(LSE, 1)], answer=I.answer("logsumexp", tuple(LSE), unit=""),
                keys=("row", "logsumexp"), index=("row",))
        d.answer_step("Log-softmax of each row", I.answer("log_softmax", tuple(LOGP), unit=""))
    return d


def _log_values(r):
    """(LSE, log p) of one row, exact to the working digits: ln S = -log p of the largest score (its shift is 0)."""
    ln_s = I.exact_value(-r.logp[r.shifted.index(0)])
    return I.exact_value(r.m + ln_s), tuple(I.exact_value(x) for x in r.logp)


def _log_steps(d: Derivation, r, T, *, single: bool):
    """Log-sum-exp with the max-shift, then log-softmax = shifted scores - ln S."""
    lse, logp = _log_values(r)
    letter = "z" if T == 1 else "u"
    S = I.exact_value(r.S)
    with d.group("Log-sum-exp and log-softmax",
                 text=f"LSE({letter}) = ln sum_j e^({letter}_j) = m + ln sum_j e^({letter}_j - m): the same shift by the "
                      "maximum m, so no exponential overflows; and log p_i = (" + letter + "_i - m) - ln S, computed "
                      "without taking the log of a rounded p_i (torch's F.log_softmax and torch.logsumexp)."):
        I.formula_step(d, "Log-sum-exp", lse_s, LSE_DEF, text_rhs="ln sum_j exp(z_j)",
                       text_="The log of the softmax's denominator; softmax's p_i = exp(z_i - LSE).")
        ln_s = d.compute("Log of the sum of the shifted exponentials", lnS, sp.log(I.qsym("S", "S")),
                         {I.qsym("S", "S"): S}, value=I.exact_value(lse - r.m))
        d.compute("Add back the maximum (the max-shift)", lse_s, LSE_SHIFTED, {I.m_: r.m, lnS: ln_s}, value=lse)
        if single:
            I.attach(d, I.answer("logsumexp", lse, unit=""))
        d.compute("Log-softmax: shifted scores minus ln S", logp_v, LOG_SOFTMAX, {shift_v: r.shifted, lnS: ln_s},
                  value=logp, text="log p_i = s_i - ln S; every entry is <= 0 (p_i <= 1), the largest score's is -ln S.")
        if single:
            I.attach(d, I.answer("log_softmax", logp, unit=""))
    return lse, logp


def _row(d: Derivation, z, T, *, single: bool, why: bool):
    r = I.softmax_steps(d, z, T, qname="p", why=why)
    pvals = tuple(I.exact_value(x) for x in r.p)
    comp = tuple(I.exact_value(x) for x in r.comp)
    if single:
        I.attach(d, I.answer("p", pvals, unit=""))
    S = I.exact_value(r.S)
    evals = tuple(I.exact_value(x) for x in r.e)
    why_sum = ("1 - p_i = (sum of the other e_j) / S, added up from the other classes rather than subtracted from 1: "
               "when p_i is close to 1 the subtraction 1 - p_i would lose every digit (the optimization notes' marks 100, "
               "5, 4 give 1 - p_1 = 7.552e-42).")
    K = len(evals)
    if 1 < K <= I.MAX_EXP_STEPS:  # one step per class: the sum of the other exponentials over S
        S_ = I.qsym("S", "S")
        with d.group("1 - p_i, from the other classes", text=why_sum):
            for k in range(1, K + 1):
                others = tuple(I.isym("e", j) for j in range(1, K + 1) if j != k)
                d.compute(f"Class {k}", I.qsym(f"1 - p_{k}", "1 - p_{%d}" % k), I.written(_others_over, S_, *others),
                          {S_: S, **{I.isym("e", j): evals[j - 1] for j in range(1, K + 1) if j != k}}, value=comp[k - 1])
    else:
        d.compute("1 - p_i, from the other classes", cv, COMPLEMENT, {Ssym: S, ev: evals}, value=comp,
                  text=why_sum + " Here S - e_i is that sum of the other e_j.")
    if single:
        I.attach(d, I.answer("one_minus_p", comp, unit="", tiny=True))
    u = r.u
    if max(abs(x) for x in u) <= UNSHIFTED_LIMIT:
        ez, total = I.exp_values(u)
        (em,), _ = I.exp_values((r.m,))
        zsym = zv if T == 1 else I.qsym("u", r"\mathbf{u}")
        with d.group("The same without the shift (as the notes write it)",
                     text=f"E_i = e^({'z_i' if T == 1 else 'u_i'}) = e^m e_i: every term carries the same factor "
                          f"e^m = {F.text(em)}, which cancels in the ratio."):
            d.compute(f"Exponentials of the {'scores' if T == 1 else 'scaled scores'}", ezv, sp.exp(zsym),
                      {zsym: u}, value=ez, text="Without subtracting m.")
            d.compute("Divide by their sum", pv, UNSHIFTED, {ezv: ez, sym("sum E", r"\sum_{j} E_{j}"): total},
                      value=pvals, text=f"The sum is {F.text(total)}; the probabilities are the same as above.")
    return r, pvals, comp


def _others_over(S, *others):
    """(e_j + e_k + ...) / S: the other classes' exponentials over the sum (built by I.written, as written)."""
    return (sp.Add(*others) if len(others) > 1 else others[0]) / S


def _jacobian_values(r, T):
    K = len(r.p)
    return tuple(tuple(I.exact_value((r.p[i] * r.comp[i] if i == j else -r.p[i] * r.p[j]) / T) for j in range(K))
                 for i in range(K))


def _jacobian(d: Derivation, r, pvals, comp, T, *, single: bool):
    K = len(pvals)
    Jm = _jacobian_values(r, T)
    with d.group("Jacobian dp_i/dz_j",
                 text="dp_i/dz_j = p_i (delta_ij - p_j)" + (" / T" if T != 1 else "") + ": on the diagonal p_i (1 - p_i), "
                      "off it -p_i p_j (the introductory slides and the optimization notes). Each row sums to 0, because "
                      "the p_j sum to 1, "
                      "and J is symmetric."):
        if K <= I.MAX_TERM_STEPS:
            for i in range(K):
                delta = tuple(sp.Integer(1 if j == i else 0) for j in range(K))
                pi_, di_ = I.isym("p", i + 1), I.isym("delta", i + 1, r"\boldsymbol{\delta}")
                vals = {pi_: pvals[i], di_: delta, pv: pvals, **({Tsym: T} if T != 1 else {})}
                expr = I.replaced(JAC_ROW if T == 1 else JAC_ROW_T, {I.p_i: pi_, dv: di_})
                d.compute(f"Row {i + 1}: dp_{i + 1}/dz_j", I.qsym(f"J_{i + 1}", r"J_{%d,:}" % (i + 1)), expr, vals, value=Jm[i],
                          text=f"delta_{i + 1} is the unit vector with 1 in place {i + 1}." if i == 0 else "")
        small = [i + 1 for i in range(K) if abs(Jm[i][i]) < sp.Float("1e-6")]
        if small:
            d.note("A saturated softmax", f"dp_i/dz_i = p_i (1 - p_i) is almost 0 for class{'es' if len(small) > 1 else ''} "
                   f"{I.listing(small)} ({F.text(Jm[small[0] - 1][small[0] - 1])}): when one probability is close to 1 "
                   "(or to 0) the softmax saturates and its gradient vanishes (the optimization notes: dP/draw = P(1 - P) "
                   "~ 0).")
        ans = I.answer("jacobian", Jm, unit="")
        if single:
            d.answer_step("The Jacobian", ans, text="Entry (i, j) is dp_i/dz_j.")
    return Jm


def solve_numeric(p, conv) -> Derivation:
    d = Derivation()
    T = p["temperature"]
    P, C, _ = I.softmax_np(p["logits"], T)
    d.note("Numeric path", f"{P.shape[0]} row{'s' if P.shape[0] > 1 else ''} of {P.shape[1]} logits in float64: "
           "exp((z - max z)/T) / sum, with 1 - p of the largest class summed from the other classes.")
    single = P.shape[0] == 1
    answers = [I.answer("p", P[0] if single else P, unit=""),
               I.answer("one_minus_p", C[0] if single else C, unit="", tiny=True)]
    if p["jacobian"]:
        J = -P[:, :, None] * P[:, None, :]
        idx = np.arange(P.shape[1])
        J[:, idx, idx] = P * C
        Tf = float(T)
        if Tf != 1.0:
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # a saturated row stays 0 however small T is
                J = np.where(J == 0, 0.0, J / Tf)
        answers.append(I.answer("jacobian", J[0] if single else J, unit=""))
    if p["log"]:
        _, _, logp = I.softmax_np(p["logits"], T)
        s = I.scaled_shifts(p["logits"], T)
        m = np.max(np.atleast_2d(as_float(p["logits"])), axis=1) / float(T)
        lse = m + np.log(np.exp(s).sum(axis=1))
        answers += [I.answer("logsumexp", float(lse[0]) if single else lse, unit=""),
                    I.answer("log_softmax", logp[0] if single else logp, unit="")]
    d.conclude("Softmax" + (" and its Jacobian" if p["jacobian"] else ""), answers=tuple(answers))
    return d


def generate(rng: np.random.Generator) -> dict:
    """One row (sometimes two) of 2-5 logits with one decimal in [-3, 3]."""
    # always well-posed: softmax is defined for any finite scores
    n = 1 if rng.random() < 0.75 else 2
    k = int(rng.integers(2, 6))
    Z = [[round(float(v), 1) for v in rng.uniform(-3, 3, size=k)] for _ in range(n)]
    out: dict[str, Any] = {"logits": Z if n > 1 else Z[0], "jacobian": bool(rng.random() < 0.5)}
    if rng.random() < 0.25:
        out["temperature"] = float(rng.choice([0.5, 2.0]))
    return out
