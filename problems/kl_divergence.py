"""Kullback-Leibler divergence: KL(p || q) = sum_i p_i log(p_i / q_i) >= 0, and in general KL(p || q) != KL(q || p).

Exam questions: "The true distribution is P = [1, 0] and a model predicts Q = [0.7, 0.3]. What is
D_KL(P || Q)? And D_KL(Q || P)?" (the optimization notes: log(1/0.7) = 0.357 nats; the reverse is infinite because
P gives the second outcome probability 0). Several rows of p and q are several pairs, each worked, with
the mean of each direction (a single row of q, or of p, is used with every row of the other).
"What is the KL divergence between N(mu_p, sigma_p^2) and N(mu_q, sigma_q^2)?": give `mu_p`, `sigma_p`, `mu_q`
and `sigma_q` instead of p and q (vectors for Gaussians with diagonal covariances, whose divergences add over the
dimensions); the closed form is ln(sigma_q / sigma_p) + (sigma_p^2 + (mu_p - mu_q)^2) / (2 sigma_q^2) - 1/2.

Conventions: the base of the logarithm is the `base` parameter (e: nats, the default, as scipy and torch;
2: bits; 10: hartleys; any other base b > 1); the other units are shown too. 0 log(0 / q) = 0, and
p log(p / 0) = inf for p > 0: an infinite divergence is the answer (status solved, with a step saying why), as
scipy's rel_entr gives it, not an error. Rows must sum to 1 (within 1e-9, or within the rounding of their printed
digits, used as written) unless normalize=true, which rescales them.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from solver import format as F
from solver.params import InvalidInput, Matrix, Param, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math, Step
from solver.symbolic import Derivation, latex, sym

from . import _info as I
from .entropy import _check_sigma

TITLE = "Kullback-Leibler divergence"
TOPIC = "information"
KEYWORDS = ("kl", "kullback", "leibler", "kullback-leibler", "kl divergence", "divergence", "relative entropy",
            "information gain", "d_kl", "kl divergence between two gaussians", "between two normal distributions")

KL_PQ, KL_QP = I.kl_symbol("p", "q"), I.kl_symbol("q", "p")
mu_p, mu_q = sym("mu_p", r"\mu_{p}"), sym("mu_q", r"\mu_{q}")
s_p, s_q = sym("sigma_p", r"\sigma_{p}"), sym("sigma_q", r"\sigma_{q}")
KL_NATS = I.qsym("KL(p||q)[nats]", r"D_{\mathrm{KL}}(p \parallel q)_{\text{nats}}")
with sp.evaluate(False):
    #: the closed form between two Gaussians, in nats (one dimension)
    GAUSS_KL = I.ln(s_q / s_p) + (s_p ** 2 + (mu_p - mu_q) ** 2) / (2 * s_q ** 2) - sp.Rational(1, 2)
    GAUSS_KL_REV = I.ln(s_p / s_q) + (s_q ** 2 + (mu_q - mu_p) ** 2) / (2 * s_p ** 2) - sp.Rational(1, 2)
_TO_BASE = I.written_per_base(lambda b: KL_NATS / I.ln(I.base_number(b)))

_GAUSS = ("mu_p", "sigma_p", "mu_q", "sigma_q")
PARAMS = (
    Param("p", Matrix(max_rows=100_000, max_cols=10_000), label="Distribution p",
          help="the reference (true) distribution, e.g. 1 0; several rows for several pairs",
          aliases=("p", "P", "true distribution", "reference distribution", "target distribution", "data distribution")),
    Param("q", Matrix(max_rows=100_000, max_cols=10_000), label="Distribution q",
          help="the approximating (model) distribution, same shape as p (or one row for every row of p), e.g. 0.7 0.3",
          aliases=("q", "Q", "model distribution", "approximating distribution", "predicted distribution", "model's",
                   "approximation")),
    Param("mu_p", Vector(max_len=100_000), label="Gaussian p: mean mu_p",
          help="instead of p and q: the mean of the Gaussian p (a vector for a diagonal Gaussian)",
          aliases=("mu_p", "μ_p", "mean of p", "mu1", "μ1", "mu_1", "μ₁")),
    Param("sigma_p", Vector(max_len=100_000), label="Gaussian p: standard deviation sigma_p",
          help="the standard deviation of p (not its variance), positive",
          aliases=("sigma_p", "σ_p", "standard deviation of p", "sigma1", "σ1", "sigma_1", "σ₁")),
    Param("mu_q", Vector(max_len=100_000), label="Gaussian q: mean mu_q",
          help="the mean of the Gaussian q",
          aliases=("mu_q", "μ_q", "mean of q", "mu2", "μ2", "mu_2", "μ₂")),
    Param("sigma_q", Vector(max_len=100_000), label="Gaussian q: standard deviation sigma_q",
          help="the standard deviation of q (not its variance), positive",
          aliases=("sigma_q", "σ_q", "standard deviation of q", "sigma2", "σ2", "sigma_2", "σ₂")),
    I.BASE_PARAM,
    I.NORMALIZE_PARAM,
)
CONVENTIONS = ()

EXAMPLE = Example(params={"p": "1 0", "q": "0.7 0.3"},
                  source="the optimization notes, KL of P = [1, 0] from Q = [0.7, 0.3]")


_NUM = r"[-+−]?\s*(?:\d+(?:\.\d*)?|\.\d+)(?:/\d+)?"
_NORMAL = re.compile(r"(?:(?<![\w])([pq])\s*(?:=|~|∼|is)\s*)?(?<![\w])(?:N|𝒩|Normal|normal|Gaussian|gaussian)\s*\(\s*("
                     + _NUM + r")\s*,\s*(" + _NUM + r")\s*\)")
_SD_WORDS = re.compile(r"standard\s+deviations?|\bstd\b|\bsd\b|N\(\s*μ\s*,\s*σ\s*\)", re.I)


def read_structure(text: str, conventions: dict) -> dict | None:
    """The question reader's hook (solver.reading): two Gaussians written N(μ, σ²), 'KL between N(0, 1) and N(1, 2)',
    read as mu_p, sigma_p, mu_q, sigma_q. The second number is the variance, as the notation N(μ, σ²) says, unless the
    question calls it the standard deviation; the reading says which it took."""
    found = list(_NORMAL.finditer(text))
    if len(found) != 2:
        return None
    named = {m.group(1): m for m in found if m.group(1)}
    p_m, q_m = (named["p"], named["q"]) if set(named) == {"p", "q"} else (found[0], found[1])
    sd = bool(_SD_WORDS.search(text))
    fields, shown = {}, {}
    for who, m in (("p", p_m), ("q", q_m)):
        mu, second = (_fraction(m.group(k)) for k in (2, 3))
        if mu is None or second is None or second <= 0:
            return None
        span = (m.start(0), m.end(0))
        fields[f"mu_{who}"] = (_text(mu), span)
        fields[f"sigma_{who}"] = (_text(second) if sd else _root(second), span)
        shown[who] = _shown(fields[f"sigma_{who}"][0])
    notes = [] if sd else [f"N(μ, σ²) gives the variance second: σ_p = {shown['p']} and σ_q = {shown['q']}. If the "
                           "question meant N(μ, σ), correct sigma_p and sigma_q."]
    return {"fields": fields, "replaces": ("p", "q"), "notes": notes}


def _fraction(t: str) -> Fraction | None:
    try:
        return Fraction(t.replace("−", "-").replace(" ", ""))
    except (ValueError, ZeroDivisionError):
        return None


def _text(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def _root(v: Fraction) -> str:
    """√v as a field value: exact where v is a square of a rational (√(9/4) = 3/2), else sqrt(v)."""
    a, b = math.isqrt(v.numerator), math.isqrt(v.denominator)
    return _text(Fraction(a, b)) if a * a == v.numerator and b * b == v.denominator else f"sqrt({_text(v)})"


def _shown(value: str) -> str:
    """A field value as the reading's note prints it: sqrt(2) as √2, sqrt(1/2) as √(1/2) (not √1/2, which reads as
    half of √1)."""
    if not value.startswith("sqrt("):
        return value
    inner = value[len("sqrt("):-1]
    return f"√({inner})" if "/" in inner else f"√{inner}"


def _gaussian(p) -> bool:
    return any(p[k] is not None for k in _GAUSS)


def validate(p: dict[str, Any]) -> None:
    if _gaussian(p):
        for k in ("p", "q"):
            if p[k] is not None:
                raise InvalidInput(k, f"The '{k}' parameter of kl_divergence cannot be combined with the Gaussians' "
                                      "mu_p, sigma_p, mu_q and sigma_q: give two discrete distributions p and q, or two "
                                      "Gaussians.")
        for k in _GAUSS:
            if p[k] is None:
                raise InvalidInput(k, f"The '{k}' parameter of kl_divergence is required for the divergence between two "
                                      "Gaussians: give mu_p, sigma_p, mu_q and sigma_q.")
        _check_sigma(p["sigma_p"], "sigma_p", "kl_divergence")
        _check_sigma(p["sigma_q"], "sigma_q", "kl_divergence")
        n = max(len(p[k]) for k in _GAUSS)
        for k in _GAUSS:
            if len(p[k]) not in (1, n):
                raise InvalidInput(k, f"The '{k}' parameter of kl_divergence must have one entry per dimension ({n}), "
                                      f"or a single entry used for every dimension. Got {len(p[k])} instead.")
        return
    for k in ("p", "q"):
        if p[k] is None:
            raise InvalidInput(k, f"The '{k}' parameter of kl_divergence is required: the {'true' if k == 'p' else 'model'}"
                                  " distribution (or give two Gaussians: mu_p, sigma_p, mu_q, sigma_q).")
    I.check_prob_rows(p["p"], "p", "kl_divergence", p["normalize"])
    I.check_prob_rows(p["q"], "q", "kl_divergence", p["normalize"])
    I.check_pair_shapes(p["p"], p["q"], "p", "q", "kl_divergence")


def use_numeric(p) -> bool:
    if _gaussian(p):
        return any(isinstance(p[k], np.ndarray) or len(p[k]) > I.MAX_EXACT_ENTRIES for k in _GAUSS)
    return I.any_array(p["p"], p["q"]) or I.size_of(p["p"], p["q"]) > I.MAX_EXACT_ENTRIES


def _unit(base: str) -> str:
    return f"in {I.UNIT[base]} ({I.BASE_WORDS[base]})"


def statement(p) -> Rich:
    unit = _unit(p["base"])
    if _gaussian(p):
        v = {k: as_exact(p[k][:12]) for k in _GAUSS}
        n = max(len(p[k]) for k in _GAUSS)
        one = {k: (x[0] if len(x) == 1 else x) for k, x in v.items()}
        dims = "" if n == 1 else f" ({n}-dimensional, with diagonal covariances)"
        return Rich(f"Two Gaussians{dims} have means and standard deviations ", Eq(mu_p, one["mu_p"]), ", ",
                    Eq(s_p, one["sigma_p"]), " (p) and ", Eq(mu_q, one["mu_q"]), ", ", Eq(s_q, one["sigma_q"]),
                    " (q). Compute the Kullback-Leibler divergence ", KL_PQ, f" {unit}, and the reverse ", KL_QP, ".")
    (P, n), (Q, m) = I.head_rows(p["p"], 4), I.head_rows(p["q"], 4)
    if n == 1 and m == 1:
        return Rich("The true distribution is ", Eq(sym("p", r"\mathbf{p}"), P[0]), " and a model gives ",
                    Eq(sym("q", r"\mathbf{q}"), Q[0]), ". Compute the Kullback-Leibler divergence ", KL_PQ,
                    f" {unit}, and the reverse ", KL_QP, ".")
    rows = max(n, m)
    more = " ..." if rows > 4 else ""
    return Rich(f"For each of these {rows} pairs of distributions (row by row: ",
                Eq(sym("P", r"\mathbf{P}"), P if n > 1 else P[0]), ", ", Eq(sym("Q", r"\mathbf{Q}"), Q if m > 1 else Q[0]),
                f"{more}), compute ", KL_PQ, " and ", KL_QP, f" {unit}, and the mean of each.")


def solve(p, conv) -> Derivation:
    if _gaussian(p):
        return _solve_gaussian(p)
    d = Derivation()
    base = p["base"]
    P = I.prepare_rows(d, p["p"], "p", p["normalize"])
    Q = I.prepare_rows(d, p["q"], "q", p["normalize"])
    P, Q = I.broadcast(d, P, Q, "p", "q")
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
                f, r = _pair(d, a, b, base, answers=False, row=k)
        fw.append(f)
        rv.append(r)
    if len(P) > I.MAX_DETAIL_ROWS:
        d.note("Rows worked in full", f"The first {I.MAX_DETAIL_ROWS} rows are worked above; the table has all {len(P)}.")
    d.table("KL divergence of each row, both directions",
            ["row", Math(latex(KL_PQ), "KL(p||q)"), Math(latex(KL_QP), "KL(q||p)")],
            [(k, a, b) for k, (a, b) in enumerate(zip(fw, rv), 1)],
            answer=I.answer("kl", tuple(fw), base), keys=("row", "kl", "kl_reverse"), index=("row",))
    I.attach(d, I.answer("kl_reverse", tuple(rv), base))
    mean = I.mean_step(d, fw, "Mean KL(p || q)", I.qsym("mean KL(p||q)", r"\overline{D_{\mathrm{KL}}(p \parallel q)}"),
                       "mean", base, "D")
    I.mean_step(d, rv, "Mean KL(q || p)", I.qsym("mean KL(q||p)", r"\overline{D_{\mathrm{KL}}(q \parallel p)}"),
                "mean_reverse", base, "D")
    I.convert_units(d, mean, base, "mean KL(p||q)", r"\overline{D_{\mathrm{KL}}(p \parallel q)}")
    return d


def _pair(d: Derivation, a, b, base, *, answers: bool, row: int | None = None):
    with d.group("KL(p || q): weight by p", text="Each term is p_i log(p_i / q_i)."):
        f = I.kl_row(d, a, b, base, names=("p", "q"), lhs=KL_PQ, answer_name="kl" if answers else None,
                     title="The terms p_i log(p_i / q_i)", row_index=row)
    with d.group("KL(q || p): the reverse direction, weight by q",
                 text="Swap the roles: each term is q_i log(q_i / p_i), averaged over q instead of p."):
        r = I.kl_row(d, b, a, base, names=("q", "p"), lhs=KL_QP, answer_name="kl_reverse" if answers else None,
                     title="The terms q_i log(q_i / p_i)", row_index=row)
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


# ---- two Gaussians --------------------------------------------------------------------------------------

def _gauss_values(p) -> list[tuple]:
    """(mu_p, sigma_p, mu_q, sigma_q) per dimension, exact; single entries repeated."""
    v = [as_exact(p[k]) for k in _GAUSS]
    n = max(len(x) for x in v)
    return [tuple(x[0] if len(x) == 1 else x[k] for x in v) for k in range(n)]


def _gauss_value(mp, sp_, mq, sq, base):
    return I.exact_value((sp.log(sq / sp_) + (sp_ ** 2 + (mp - mq) ** 2) / (2 * sq ** 2) - sp.Rational(1, 2))
                         / I.ln_base(base))


def _solve_gaussian(p) -> Derivation:
    d = Derivation()
    base = p["base"]
    dims = _gauss_values(p)
    n = len(dims)
    I.formula_step(d, "KL divergence between two Gaussians", KL_NATS if base != "e" else KL_PQ, GAUSS_KL,
                   text_="For p = N(mu_p, sigma_p^2) and q = N(mu_q, sigma_q^2) the integral of p log(p/q) has this "
                         "closed form, in nats: 0 when the Gaussians are the same; sigma_q in the denominator makes it "
                         "asymmetric." + (" With diagonal covariances the dimensions are independent and their "
                                          "divergences add." if n > 1 else ""))
    if base != "e":
        I.formula_step(d, f"In {I.UNIT[base]}", KL_PQ, _TO_BASE[base],
                       text_=f"Divide by ln {base}: the {I.BASE_WORDS[base]} of x is ln(x) / ln({base}).")
    fw, rv = [], []
    show = n <= I.MAX_TERM_STEPS
    for k, (mp, sp_, mq, sq) in enumerate(dims, 1):
        vals = {mu_p: mp, s_p: sp_, mu_q: mq, s_q: sq}
        if not show:
            fw.append(_gauss_value(mp, sp_, mq, sq, base))
            rv.append(_gauss_value(mq, sq, mp, sp_, base))
            continue
        title = f"Dimension {k}: " if n > 1 else ""
        with d.group(f"{title}KL(p || q)" if n > 1 else "KL(p || q)"):
            f = _directed(d, GAUSS_KL, vals, base, KL_PQ, _gauss_value(mp, sp_, mq, sq, base))
        with d.group(f"{title}KL(q || p), the reverse" if n > 1 else "KL(q || p): the reverse direction",
                     text="Swap the roles of p and q: now sigma_p is in the denominator."):
            r = _directed(d, GAUSS_KL_REV, vals, base, KL_QP, _gauss_value(mq, sq, mp, sp_, base))
        fw.append(f)
        rv.append(r)
    if n == 1:
        d.conclude("Both directions", answers=(I.answer("kl", fw[0], base), I.answer("kl_reverse", rv[0], base)),
                   value=Math(r"%s = %s,\quad %s = %s" % (latex(KL_PQ), F.latex(fw[0]), latex(KL_QP), F.latex(rv[0])),
                              f"KL(p||q) = {F.text(fw[0])}, KL(q||p) = {F.text(rv[0])}"))
        I.convert_units(d, fw[0], base, "KL(p||q)", r"D_{\mathrm{KL}}(p \parallel q)")
        return d
    d.table("KL divergence of each dimension",
            ["dimension", Math(r"\mu_{p}", "mu_p"), Math(r"\sigma_{p}", "sigma_p"), Math(r"\mu_{q}", "mu_q"),
             Math(r"\sigma_{q}", "sigma_q"), Math(latex(KL_PQ), "KL(p||q)"), Math(latex(KL_QP), "KL(q||p)")],
            [(k, *v, a, b) for k, (v, a, b) in enumerate(zip(dims, fw, rv), 1)],
            keys=("dim", "mu_p", "sigma_p", "mu_q", "sigma_q", "kl", "kl_reverse"), index=("dim",))
    total, total_r = I.exact_value(sp.Add(*fw)), I.exact_value(sp.Add(*rv))
    d.add(Step("compute", "Add the dimensions", text=f"The divergences of independent dimensions add, in {I.UNIT[base]}.",
               value=Math(r"%s = %s,\quad %s = %s" % (latex(KL_PQ), F.latex(total), latex(KL_QP), F.latex(total_r)),
                          f"KL(p||q) = {F.text(total)}, KL(q||p) = {F.text(total_r)}"),
               answers=(I.answer("kl", total, base), I.answer("kl_reverse", total_r, base))))
    I.convert_units(d, total, base, "KL(p||q)", r"D_{\mathrm{KL}}(p \parallel q)")
    return d


def _directed(d: Derivation, formula, vals, base, lhs, value):
    """One direction: the closed form in nats with the numbers, then (another base) divided by ln b."""
    if base == "e":
        return d.compute("Substitute", lhs, formula, vals, value=value)
    nats = d.compute("Substitute (nats)", KL_NATS, formula, vals)
    return d.compute(f"In {I.UNIT[base]}", lhs, _TO_BASE[base], {KL_NATS: nats}, value=value)


def solve_numeric(p, conv) -> Derivation:
    d = Derivation()
    base = p["base"]
    lnb = I.np_ln_base(base)
    if _gaussian(p):
        mp, sp_, mq, sq = np.broadcast_arrays(*(as_float(p[k]).reshape(-1) for k in _GAUSS))
        f = (np.log(sq / sp_) + (sp_ ** 2 + (mp - mq) ** 2) / (2 * sq ** 2) - 0.5) / lnb
        r = (np.log(sp_ / sq) + (sq ** 2 + (mq - mp) ** 2) / (2 * sp_ ** 2) - 0.5) / lnb
        d.note("Numeric path", f"Two Gaussians of {f.size} dimension{'s' if f.size > 1 else ''} in float64: the closed "
               f"form per dimension, summed, in {I.UNIT[base]}.")
        d.conclude("KL divergence, both directions",
                   answers=(I.answer("kl", float(f.sum()), base), I.answer("kl_reverse", float(r.sum()), base)))
        return d
    P = I.float_rows(p["p"], p["normalize"])
    Q = I.float_rows(p["q"], p["normalize"])
    I.note_sums_np(d, P, "p", p["normalize"])
    I.note_sums_np(d, Q, "q", p["normalize"])
    P, Q = I.broadcast_np(P, Q)
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
    """A pair of 2-4 outcome distributions with 2-decimal probabilities summing to exactly 1 (two Gaussians are
    asked with mu_p, sigma_p, mu_q, sigma_q; exams built from this family ask the discrete pair)."""
    # well-posed: both rows are compositions of 100 hundredths with every entry > 0, so both directions are finite
    k = int(rng.integers(2, 5))
    return {"p": I.random_distribution(rng, k), "q": I.random_distribution(rng, k),
            "base": str(rng.choice(["e", "e", "2", "10"]))}
