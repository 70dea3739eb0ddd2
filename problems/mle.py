"""Maximum likelihood: theta_hat maximises log L(theta) = sum_i log p(x_i | theta); Bernoulli theta_hat = k/N, Gaussian mean and 1/N variance.

Exam questions: "A coin gives H T H H T T H T. Which model is most likely: theta = 1, 0.75 or 0.5? Find the
maximum-likelihood estimate by setting the derivative of the log-likelihood to zero" (the handwritten notes:
L = theta^4 (1 - theta)^4, theta_hat = 0.5); "Find the maximum-likelihood mean and variance of
this sample under a Gaussian model". Steps: the likelihood, the log-likelihood, its derivative, the
root, and the second derivative that shows it is a maximum.

Data: for `bernoulli`, outcomes typed as H/T letters (H = 1 = success, probability theta) or 0/1 numbers;
for `gaussian`, numbers. Conventions: the variance divisor (the MLE divides by N; N - 1 gives the
unbiased sample variance, which is not the maximum-likelihood estimate) and the base of the logarithm
in the log-likelihood values (the maximiser does not depend on it). Edge cases are statuses, not
errors: all outcomes equal makes theta_hat = 0 or 1 at the boundary (the derivative has no root); a
Gaussian sample with no spread has an unbounded likelihood (status "undefined").

The notes slip here (ERRATA): they write the derivative as 4/theta + 4/(1 - theta) = 0 and then
1/theta = 1/(theta - 1), which has no solution; the derivative of 4 log(1 - theta) is -4/(1 - theta), so
the equation is 4/theta - 4/(1 - theta) = 0, whose root theta = 1/2 is the answer they state.

TOPIC is "layers" (layers and training): maximum likelihood is the principle behind the training losses
of the later chapters (cross-entropy is the negative log-likelihood of a Bernoulli or categorical model,
squared error that of a Gaussian one).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from solver.conventions import COV_DIVISOR, LOG_BASE, Convention
from solver import format as F
from solver.errata import Erratum
from solver.numbers import Tolerance
from solver.params import Choice, Int, InvalidInput, Param, SpecError, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math, Step
from solver.symbolic import Derivation, equation, finish, make_answer, substituted, sym

TITLE = "Maximum-likelihood estimation: Bernoulli and Gaussian"
TOPIC = "layers"
KEYWORDS = ("maximum likelihood", "maximum-likelihood", "mle", "likelihood", "log-likelihood", "bernoulli", "coin",
            "gaussian", "normal", "estimate", "variance", "mean", "theta_hat", "highest likelihood")

# ---- the rules, written once ------------------------------------------------------------------------
theta = sym("theta", r"\theta")
k_, N_, mu, s2 = sym("k"), sym("N"), sym("mu", r"\mu"), sym("sigma2", r"\sigma^{2}")
m_ = sym("(N - k)", "(N - k)")  # the number of 0s (tails), printed as the notes' N - k
S_, Q_ = sym("sum(x_i)", r"\sum_i x_i"), sym("sum((x_i - mu)^2)", r"\sum_i (x_i - \mu)^2")
v_ = sym("var_hat", r"\hat{\sigma}^{2}")
with sp.evaluate(False):
    LIK_BERN = theta ** k_ * (1 - theta) ** m_
    LOGLIK_BERN = k_ * sp.log(theta) + m_ * sp.log(1 - theta)
    DLOG_BERN = k_ / theta - m_ / (1 - theta)
    D2LOG_BERN = -k_ / theta ** 2 - m_ / (1 - theta) ** 2
    THETA_HAT = k_ / N_
    LOGLIK_GAUSS = -N_ / 2 * sp.log(2 * sp.pi * s2) - Q_ / (2 * s2)
    DMU = (S_ - N_ * mu) / s2
    DS2 = -N_ / (2 * s2) + Q_ / (2 * s2 ** 2)
    MU_HAT = S_ / N_
    VAR_HAT = Q_ / N_
    VAR_UNBIASED = Q_ / (N_ - 1)
    D2MU = -N_ / s2
    D2S2 = -N_ / (2 * s2 ** 2)
    LOGLIK_GAUSS_MAX = -N_ / 2 * (sp.log(2 * sp.pi * s2) + 1)
    SD = sp.sqrt(v_)

VARIANCE = COV_DIVISOR.with_default("n", "the maximum-likelihood estimate of a Gaussian variance divides by N")
VARIANCE = Convention(VARIANCE.name, "Variance divisor",
                      {"n": "variance divides by N (the maximum-likelihood estimate)",
                       "n-1": "variance divides by N - 1 (the unbiased sample variance; not the MLE)"},
                      default="n", why_default=VARIANCE.why_default, aliases=dict(VARIANCE.aliases),
                      sources={"n": "the maximum-likelihood estimate (Bishop, Pattern Recognition and Machine Learning, "
                                    "sec. 1.2.4; Goodfellow et al., Deep Learning, sec. 5.5); NumPy's np.var (ddof=0)",
                               "n-1": "the unbiased sample variance (Bessel's correction); pandas' Series.var and "
                                      "torch.var (ddof=1 / correction=1)"},
                      paper={"n": "Estimate the variance by maximum likelihood: divide the sum of squared deviations "
                                  "by N.",
                             "n-1": "Use the unbiased sample variance: divide the sum of squared deviations by N − 1."},
                      cues={"n-1": ("unbiased", "sample variance", "divide by n - 1", "n-1"),
                            "n": ("maximum-likelihood estimate of its variance", "divide by n", "biased")})
CONVENTIONS = (VARIANCE, LOG_BASE)

_HT = re.compile(r"^[\s,;\[\]\(\)HhTt]+$")


@dataclass(frozen=True)
class Outcomes(Vector):
    """A sample: numbers, or coin tosses typed as H/T letters (H = 1, T = 0)."""

    def parse(self, raw):
        if isinstance(raw, str) and _HT.match(raw) and re.search(r"[HhTt]", raw):
            letters = re.findall(r"[HhTt]", raw)
            if len(letters) > (self.max_len or 10 ** 9):
                raise SpecError(f"must have at most {self.max_len} entries. Got {len(letters)}.")
            return tuple(sp.Integer(1 if c in "Hh" else 0) for c in letters)
        return super().parse(raw)

    def describe(self):
        return "a sample of numbers, e.g. 2.1 3.4 1.9, or coin tosses such as H T H H (H = 1)"


DISTRIBUTIONS = {"bernoulli": "outcomes 0/1 (H = 1) with P(1) = theta",
                 "gaussian": "real numbers from N(mu, sigma^2)"}

PARAMS = (
    Param("distribution", Choice(DISTRIBUTIONS, aliases={"coin": "bernoulli", "normal": "gaussian"}), default="bernoulli",
          label="Model",
          cues={"gaussian": ("gaussian", "normal distribution", "normally distributed", "gaussian distribution",
                             "mean and variance", "mean and the variance", "mean and standard deviation",
                             "mean and the standard deviation", "mu and sigma", "μ and σ", "μ and σ²", "variance",
                             "standard deviation"),
                        "bernoulli": ("coin", "bernoulli", "tosses", "heads", "h t")}),
    Param("data", Outcomes(max_len=10_000_000), label="Data",
          help="coin tosses as H/T letters or 0/1 (Bernoulli), or numbers (Gaussian); for a coin, the counts below "
               "will do instead",
          aliases=("data", "sample", "observations", "tosses", "outcomes", "the data", "observed")),
    Param("trials", Int(lo=1, hi=10 ** 12), label="Number of tosses N",
          help="Bernoulli, instead of the data: how many tosses (trials), e.g. 10; with the number of heads",
          aliases=("trials", "tosses", "tossed", "flips", "flipped", "N", "n", "number of tosses",
                   "number of trials", "times tossed", "times flipped")),
    Param("heads", Int(lo=0, hi=10 ** 12), label="Number of heads k",
          help="Bernoulli, instead of the data: how many of the tosses are heads (successes, 1), e.g. 7",
          aliases=("heads", "successes", "k", "lands heads", "comes up heads", "number of heads", "heads times",
                   "lands heads times")),
    Param("candidates", Vector(max_len=50, lo=0, hi=1), label="Candidate thetas",
          help="optional (Bernoulli): models to compare by their likelihood, e.g. 1 0.75 0.5",
          aliases=("candidates", "candidate", "models", "theta", "θ", "model")),
)

#: A sequence of tosses (or a sample) in a question fills the data, labelled or not.
MAIN_FIELDS = ("data",)

#: The candidate thetas are given numbers: the best one is one of them, exactly.
CHOICE = Tolerance(abs=1e-12)

ERRATA = (
    Erratum(where="the handwritten notes (maximum likelihood: the coin H T H H T T H T)",
            params={"distribution": "bernoulli", "data": "H T H H T T H T"},
            wrote="the derivative of the log-likelihood as 4/theta + 4/(1 - theta) = 0 and then 1/theta = 1/(theta - 1), "
                  "which has no solution",
            right="the derivative of 4 log(1 - theta) is -4/(1 - theta), so the equation is 4/theta - 4/(1 - theta) = 0, "
                  "whose root theta = {theta_hat} is the answer the notes state",
            why="the chain rule brings in the inner derivative -1 of 1 - theta"),
)

EXAMPLE = Example(params={"distribution": "bernoulli", "data": "H T H H T T H T", "candidates": "1 0.75 0.5"},
                  source="the handwritten notes: the coin H T H H T T H T and the models theta = 1, 0.75, 0.5")


def counts(p) -> tuple[int, int] | None:
    """(k, N) when a coin's tosses are given as counts (heads k of N tosses), else None."""
    if p["data"] is not None or p["trials"] is None or p["heads"] is None:
        return None
    return p["heads"], p["trials"]


def validate(p: dict[str, Any]) -> None:
    data = p["data"]
    given = [n for n in ("trials", "heads") if p[n] is not None]
    if data is not None and given:  # "tossed 8 times: H T H H T T H T": counts that agree with the data are fine
        if p["distribution"] != "bernoulli":
            raise InvalidInput(given[0], f"The '{given[0]}' parameter of mle applies to the Bernoulli (coin) model "
                                         "only.")
        n, k = len(data), int(sum(int(v) for v in data)) if not isinstance(data, np.ndarray) else int(data.sum())
        for name, want in (("trials", n), ("heads", k)):
            if p[name] is not None and p[name] != want:
                raise InvalidInput(name, f"The '{name}' parameter of mle disagrees with the data: {p[name]} given, "
                                         f"the data have {want}. Give either the tosses or the counts.")
    if data is None:
        if not given:
            raise InvalidInput("data", "The 'data' parameter of mle is required: a sample of numbers, e.g. 2.1 3.4 "
                                       "1.9, or coin tosses such as H T H H (H = 1); for a coin, the number of tosses "
                                       "and of heads will do.")
        if p["distribution"] != "bernoulli":
            raise InvalidInput(given[0], f"The '{given[0]}' parameter of mle applies to the Bernoulli (coin) model "
                                         "only; a Gaussian model needs the data.")
        missing = [n for n in ("trials", "heads") if p[n] is None]
        if missing:
            raise InvalidInput(missing[0], f"The '{missing[0]}' parameter of mle is required with "
                                           f"'{given[0]}': a coin given as counts needs the number of tosses and "
                                           "the number of heads.")
        if p["heads"] > p["trials"]:
            raise InvalidInput("heads", f"The 'heads' parameter of mle must be at most the number of tosses "
                                        f"({p['trials']}). Got {p['heads']} instead.")
        return
    if p["distribution"] == "bernoulli":
        vals = set(np.unique(data).tolist()) if isinstance(data, np.ndarray) else {int(v) if v.is_Integer else v for v in data}
        if not vals <= {0, 1}:
            bad = sorted((v for v in vals if v not in (0, 1)), key=lambda v: abs(float(v)) if abs(v) < 1e300 else math.inf)
            raise InvalidInput("data", "The 'data' parameter of mle must hold outcomes 0/1 (or H/T) for a Bernoulli "
                                       f"model. Got {', '.join(_short_value(v) for v in bad[:5])} instead.")
    elif p["candidates"] is not None:
        raise InvalidInput("candidates", "The 'candidates' parameter of mle applies to the Bernoulli model only. "
                                         "Got candidates with a Gaussian model instead.")


def _short_value(v) -> str:
    """A value for an error message, however large (10**400 has no float)."""
    s = F.text(v) if not isinstance(v, (float, int, np.generic)) else repr(v)
    return s if len(s) <= 20 else s[:12] + "..."


def use_numeric(p) -> bool:
    if p["data"] is None:
        return False  # counts: k/N in closed form at any size
    return isinstance(p["data"], np.ndarray) or len(p["data"]) > 2000


def _ln(v, base: str):
    """log of v in the chosen base (exact SymPy)."""
    return sp.log(v) if base == "e" else sp.log(v) / sp.log(int(base))


def statement(p) -> Rich:
    data = p["data"]
    if counts(p) is not None:
        k, n = counts(p)
        q = Rich(f"A coin is tossed {n} times and lands heads {k} times. Model: each toss is heads with probability ",
                 theta, ", independently. Write the likelihood and the log-likelihood, and find the "
                 "maximum-likelihood estimate of ", theta, ", checking that it is a maximum.")
        return q + _candidates_question(p)
    n = len(data)
    shown = list(data[:30])
    if p["distribution"] == "bernoulli":
        seq = " ".join("H" if int(v) == 1 else "T" for v in shown) + (" ..." if n > 30 else "")
        q = Rich(f"A coin is tossed {n} times: {seq} (H = 1). Model: each toss is H with probability ", theta,
                 ", independently. Write the likelihood and the log-likelihood, and find the maximum-likelihood "
                 "estimate of ", theta, ", checking that it is a maximum.")
        return q + _candidates_question(p)
    seq = ", ".join(F.text(v) for v in as_exact(tuple(shown) if not isinstance(data, np.ndarray) else data[:30]))
    return Rich(f"The sample {seq}{' ...' if n > 30 else ''} ({n} values) is modelled as independent draws from ",
                Math(r"\mathcal{N}(\mu, \sigma^2)", "N(μ, σ²)"), ". Find the maximum-likelihood estimates of ", mu,
                " and ", Math(r"\sigma^2", "σ²"), " from the log-likelihood, and check that they give a maximum.")


def _candidates_question(p) -> Rich:
    if p["candidates"] is None:
        return Rich()
    cands = as_exact(p["candidates"])
    listed = [piece for k, c in enumerate(cands) for piece in
              ((", " if 0 < k < len(cands) - 1 else " or " if k else ""), Eq(theta, c))]
    return Rich(" Which of the models ", *listed, " gives the data the highest likelihood?")


def solve(p, conv) -> Derivation:
    if p["distribution"] == "bernoulli":
        return _bernoulli(p, conv)
    return _gaussian(p, conv)


def _bernoulli(p, conv) -> Derivation:
    d = Derivation()
    base = conv["log_base"]
    if counts(p) is not None:
        k, N = counts(p)
        d.given("Data", text=f"N = {N} tosses, k = {k} of them heads (1) and N - k = {N - k} tails (0); the "
                             "likelihood depends on the tosses only through these counts. It is the probability of "
                             "the tosses as they came; the binomial probability of k heads in any order is "
                             f"C({N}, {k}) times it, which does not change the maximiser.")
    else:
        data = [int(v) for v in as_exact(p["data"])]
        N = len(data)
        k = sum(data)
        d.given("Data", text=f"{N} outcomes, k = {k} of them 1 (H) and N - k = {N - k} of them 0 (T).")
    vals = {k_: sp.Integer(k), N_: sp.Integer(N), m_: sp.Integer(N - k)}
    _sym_step(d, "Likelihood", sym("L(theta)", r"L(\theta)"), LIK_BERN, vals,
              text="The tosses are independent: multiply theta for each H and (1 - theta) for each T.")
    if p["candidates"] is not None:
        cands = as_exact(p["candidates"])
        liks = []
        with d.group("The candidate models"):
            for c in cands:
                lv = c ** k * (1 - c) ** (N - k)
                liks.append(lv)
                d.compute(f"theta = {F.text(c)}", sym(f"L({F.text(c)})", r"L(%s)" % F.latex(c)), LIK_BERN,
                          {theta: c, **vals}, value=finish(lv))
        best = max(range(len(cands)), key=lambda i: liks[i])
        d.conclude(f"The most likely model is theta = {F.text(cands[best])}",
                   answers=(make_answer("candidate_likelihoods", tuple(finish(v) for v in liks)),
                            make_answer("best_candidate", cands[best], tolerance=CHOICE)))
    ll_sym = sym("l(theta)", r"\ell(\theta)")
    _sym_step(d, "Log-likelihood", ll_sym, LOGLIK_BERN, vals,
              text="The log turns the product into a sum and has the same maximiser (log is increasing)"
                   + ("." if base == "e" else f"; natural log here, the base-{base} values are these divided by ln {base}."))
    if k == 0 or k == N:
        edge = sp.Integer(0) if k == 0 else sp.Integer(1)
        d.note("All outcomes are equal", f"L(theta) = {'(1 - theta)' if k == 0 else 'theta'}^{N} is monotone on [0, 1], so "
               f"the derivative has no root inside (0, 1): the maximum is at the boundary theta = {edge}, where L = 1.")
        d.conclude("Maximum-likelihood estimate", answers=(
            make_answer("theta_hat", edge),
            make_answer("likelihood_max", sp.Integer(1)),
            make_answer("log_likelihood_max", sp.Integer(0))),
            value=Math(r"\hat{\theta} = " + F.latex(edge), f"theta_hat = {edge}"))
        return d
    dsym = sym("dl/dtheta", r"\frac{d\ell}{d\theta}")
    _sym_step(d, "Derivative", dsym, DLOG_BERN, vals,
              text="d/dtheta log(theta) = 1/theta and d/dtheta log(1 - theta) = -1/(1 - theta) (chain rule: the inner "
                   "derivative is -1).")
    th_hat = sp.Rational(k, N)
    d.add(Step("compute", "Set the derivative to zero and solve",
               text="k/theta = (N - k)/(1 - theta) gives k (1 - theta) = (N - k) theta, so k = N theta.",
               formula=Math(r"\frac{k}{\theta} - \frac{N-k}{1-\theta} = 0 \Rightarrow \hat{\theta} = \frac{k}{N}",
                            "k/theta - (N - k)/(1 - theta) = 0  =>  theta_hat = k/N"),
               substituted=Math(r"\hat{\theta} = \frac{%d}{%d}" % (k, N), f"theta_hat = {k}/{N}"),
               value=Math(r"\hat{\theta} = " + F.latex(th_hat), f"theta_hat = {F.text(th_hat)}"),
               answers=(make_answer("theta_hat", th_hat),)))
    d2 = d.compute("Second derivative at theta_hat", sym("d2l/dtheta2", r"\frac{d^2\ell}{d\theta^2}"), D2LOG_BERN,
                   {theta: th_hat, **vals}, text="Negative, so theta_hat is a maximum (l is concave on (0, 1)).",
                   answer="second_derivative")
    assert d2 < 0
    lik = th_hat ** k * (1 - th_hat) ** (N - k)
    d.compute("Likelihood at the maximum", sym("L(theta_hat)", r"L(\hat{\theta})"), LIK_BERN, {theta: th_hat, **vals},
              value=lik, answer="likelihood_max")
    ll = finish(_ln(lik, base))
    d.compute("Log-likelihood at the maximum", sym("l(theta_hat)", r"\ell(\hat{\theta})"), LOGLIK_BERN,
              {theta: th_hat, **vals}, value=ll, text="" if base == "e" else f"Divided by ln {base} for base {base}.",
              answer="log_likelihood_max")
    return d


def _sym_step(d: Derivation, title: str, lhs, expr, vals, text: str = "") -> None:
    """formula -> the data substituted: the function of theta it becomes (theta^4 (1 - theta)^4)."""
    d.add(Step("compute", title, text=text, formula=equation(lhs, expr), substituted=substituted(lhs, expr, vals)))


def _terms(xs, fmt) -> str:
    """x1 + x2 + ... with negative terms in parentheses, as a sum is written out (fmt: F.latex or F.text)."""
    return " + ".join(fmt(x, paren=x < 0) for x in xs)


def _pl(v) -> str:
    return F.latex(v, paren=True)


def _pt(v) -> str:
    return F.text(v, paren=True)


def _gaussian(p, conv) -> Derivation:
    d = Derivation()
    base = conv["log_base"]
    xs = list(as_exact(p["data"]))
    N = len(xs)
    d.given("Data", text=f"N = {N} values.")
    d.add(Step("formula", "Likelihood",
               text="Independent draws: the product of the normal densities.",
               formula=Math(r"L(\mu, \sigma^2) = \prod_{i=1}^{N} \frac{1}{\sqrt{2\pi\sigma^2}} "
                            r"e^{-\frac{(x_i - \mu)^2}{2\sigma^2}}",
                            "L(mu, sigma2) = prod_i 1/sqrt(2 pi sigma2) * exp(-(x_i - mu)^2 / (2 sigma2))")))
    d.formula("Log-likelihood", sym("l(mu, sigma2)", r"\ell(\mu, \sigma^{2})"), LOGLIK_GAUSS,
              text="The log turns the product into a sum: -1/2 log(2 pi sigma^2) and -(x_i - mu)^2 / (2 sigma^2) per value.")
    d.formula("Derivative in mu", sym("dl/dmu", r"\frac{\partial \ell}{\partial \mu}"), DMU,
              text="Only the sum of squares depends on mu; its derivative is -2 sum (x_i - mu) = -2 (sum x_i - N mu).")
    S = sum(xs, sp.Integer(0))
    mu_hat = S / N
    d.add(Step("compute", "Sum of the values", formula=Math(r"\sum_i x_i = x_1 + \dots + x_N", "sum(x_i) = x_1 + ... + x_N"),
               substituted=Math(r"\sum_i x_i = " + _terms(xs, F.latex),
                                "sum(x_i) = " + _terms(xs, F.text)),
               value=Math(r"\sum_i x_i = " + F.latex(S), f"sum(x_i) = {F.text(S)}")))
    d.compute("Set it to zero: the mean", sym("mu_hat", r"\hat{\mu}"), MU_HAT, {S_: S, N_: sp.Integer(N)}, value=mu_hat,
              answer="mu_hat")
    d.formula("Derivative in sigma^2", sym("dl/dsigma2", r"\frac{\partial \ell}{\partial \sigma^{2}}"), DS2,
              text="Treat v = sigma^2 as the variable: d/dv of -N/2 log(2 pi v) is -N/(2v), and of -Q/(2v) is "
                   "Q/(2v^2), with Q = sum (x_i - mu)^2.")
    Q = sum(((x - mu_hat) ** 2 for x in xs), sp.Integer(0))
    if mu_hat.is_Integer or N > 10:  # the deviations are integers (or too many to write): the definition
        sub_l = "Q = " + (" + ".join(r"\left(%s - %s\right)^2" % (F.latex(x), _pl(mu_hat)) for x in xs) if N <= 10
                          else r"\sum_{i=1}^{%d} (x_i - %s)^2" % (N, _pl(mu_hat)))
        sub_t = "Q = " + (" + ".join(f"({F.text(x)} - {_pt(mu_hat)})^2" for x in xs) if N <= 10
                          else f"sum of {N} squares (x_i - {_pt(mu_hat)})^2")
        how = ""
    else:  # a fractional mean: the shortcut sum x_i^2 - N mu_hat^2 keeps the arithmetic in integers
        S2 = sum((x * x for x in xs), sp.Integer(0))
        sub_l = r"Q = \sum_i x_i^2 - N \hat{\mu}^2 = \left(%s\right) - %d \cdot %s^2 = %s - %s" % (
            " + ".join(f"{_pl(x)}^2" for x in xs), N, _pl(mu_hat), F.latex(S2), F.latex(N * mu_hat ** 2))
        sub_t = (f"Q = sum x_i^2 - N mu_hat^2 = ({' + '.join(f'{_pt(x)}^2' for x in xs)}) - {N}*{_pt(mu_hat)}^2 = "
                 f"{F.text(S2)} - {F.text(N * mu_hat ** 2)}")
        how = "With a fractional mean the expanded form is easier by hand: sum (x_i - mu)^2 = sum x_i^2 - N mu^2 at mu = mu_hat."
    d.add(Step("compute", "Sum of squared deviations at mu_hat", text=how,
               formula=Math(r"Q = \sum_i (x_i - \hat{\mu})^2", "Q = sum (x_i - mu_hat)^2"),
               substituted=Math(sub_l, sub_t), value=Math("Q = " + F.latex(Q), f"Q = {F.text(Q)}")))
    if Q == 0:
        d.status = "undefined"
        d.conclude("The likelihood is unbounded", text="Every value equals the mean, so sigma^2 -> 0 makes the density at "
                   "the data (and L) grow without bound: there is no maximum-likelihood variance.")
        return d
    var_mle = Q / N
    mle_var = conv["ddof"] != "n-1"
    d.compute("Set it to zero: the variance", sym("var_hat", r"\hat{\sigma}^{2}"), VAR_HAT,
              {Q_: Q, N_: sp.Integer(N)}, value=var_mle, text="The maximum-likelihood variance divides by N.",
              answer="var_hat" if mle_var else None)
    if not mle_var:
        if N < 2:
            d.status = "undefined"
            d.conclude("No unbiased variance", text="With N - 1 = 0 the unbiased sample variance is undefined.")
            return d
        d.compute("Variance estimate (convention: divide by N - 1)", sym("s2", "s^{2}"), VAR_UNBIASED,
                  {Q_: Q, N_: sp.Integer(N)}, value=finish(Q / (N - 1)),
                  text="The unbiased sample variance, larger than the maximum-likelihood value by the factor "
                       "N/(N - 1); it does not maximise L.",
                  answer="var_hat")
        var = Q / (N - 1)
    else:
        var = var_mle
    var = finish(var)
    d.compute("Standard deviation", sym("sigma_hat", r"\hat{\sigma}"), SD, {v_: var},
              value=finish(sp.sqrt(var)),
              text="The square root of the variance estimate (the MLE of sigma is the root of the MLE of sigma^2).",
              answer="sigma_hat")
    with d.group("Second derivatives at the estimate",
                 text="The mixed derivative -(sum (x_i - mu))/sigma^4 is 0 at mu_hat, so the Hessian is diagonal; both "
                      "diagonal entries are negative, so the point is a maximum."):
        h1 = d.compute("In mu", sym("d2l/dmu2", r"\frac{\partial^2 \ell}{\partial \mu^2}"), D2MU,
                       {N_: sp.Integer(N), s2: var_mle})
        h2 = d.compute("In sigma^2", sym("d2l/dsigma2^2", r"\frac{\partial^2 \ell}{\partial (\sigma^{2})^2}"), D2S2,
                       {N_: sp.Integer(N), s2: var_mle},
                       text="At the root, N/(2 sigma^4) - Q/sigma^6 = -N/(2 sigma^4) since Q = N sigma^2.")
    assert h1 < 0 and h2 < 0
    d.compute("Log-likelihood at the maximum", sym("l_max", r"\ell(\hat{\mu}, \hat{\sigma}^{2})"), LOGLIK_GAUSS_MAX,
              {N_: sp.Integer(N), s2: var_mle}, value=finish(-sp.Rational(N, 2) * (_ln(2 * sp.pi * var_mle, "e") + 1)
                                                      / (1 if base == "e" else sp.log(int(base)))),
              text="Substituting Q = N sigma_hat^2 into the log-likelihood" +
                   ("." if base == "e" else f"; divided by ln {base} for base {base}."),
              answer="log_likelihood_max")
    return d


def solve_numeric(p, conv) -> Derivation:
    """Vectorised float64 estimates for large samples (numpy sums; the same closed forms)."""
    d = Derivation()
    lb = 1.0 if conv["log_base"] == "e" else np.log(float(conv["log_base"]))
    if counts(p) is not None:
        k, N = counts(p)
        d.note("Numeric path", f"k = {k} heads of N = {N} tosses, float64.")
    else:
        x = as_float(p["data"])
        N = x.size
        d.note("Numeric path", f"{N} values, float64 sums.")
    if p["distribution"] == "bernoulli":
        k = int(x.sum()) if counts(p) is None else k
        th = k / N
        if p["candidates"] is not None:
            c = as_float(p["candidates"])
            with np.errstate(divide="ignore"):  # log 0 = -inf for a candidate that cannot produce the data
                ll = (k * np.log(c) if k else 0.0) + ((N - k) * np.log1p(-c) if N - k else 0.0) + np.zeros_like(c)
            lik = np.exp(ll)
            d.conclude("Candidates", answers=(
                make_answer("candidate_likelihoods", tuple(lik)),
                make_answer("best_candidate", float(c[int(np.argmax(ll))]), tolerance=CHOICE)))
        if k in (0, N):
            d.conclude("Boundary estimate", answers=(
                make_answer("theta_hat", float(th)),
                make_answer("likelihood_max", 1.0),
                make_answer("log_likelihood_max", 0.0)))
            return d
        llmax = k * np.log(th) + (N - k) * np.log1p(-th)
        d.conclude("theta_hat = k/N", answers=(
            make_answer("theta_hat", th),
            make_answer("second_derivative", -k / th ** 2 - (N - k) / (1 - th) ** 2),
            make_answer("likelihood_max", float(np.exp(llmax))),
            make_answer("log_likelihood_max", llmax / lb)))
        return d
    mu_hat = float(x.mean())
    Q = float(((x - mu_hat) ** 2).sum())
    if Q == 0.0 or (conv["ddof"] == "n-1" and N < 2):
        d.status = "undefined"  # the mean is still the maximiser in mu, as on the exact path
        d.conclude("The likelihood is unbounded", text="Every value equals the mean, so sigma^2 -> 0 makes the "
                   "density at the data (and L) grow without bound: there is no maximum-likelihood variance.",
                   answers=(make_answer("mu_hat", mu_hat),))
        return d
    var_mle = Q / N
    var = var_mle if conv["ddof"] == "n" else Q / (N - 1)
    d.conclude("Estimates", answers=(
        make_answer("mu_hat", mu_hat),
        make_answer("var_hat", var),
        make_answer("sigma_hat", float(np.sqrt(var))),
        make_answer("log_likelihood_max", -N / 2 * (np.log(2 * np.pi * var_mle) + 1) / lb)))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A coin sequence (both faces present, so theta_hat is inside (0, 1)) or a small Gaussian sample with spread."""
    if rng.random() < 0.5:
        while True:
            n = int(rng.integers(6, 16))
            seq = rng.integers(0, 2, size=n)
            if 0 < seq.sum() < n:  # resample until both H and T occur
                break
        out = {"distribution": "bernoulli", "data": " ".join("H" if v else "T" for v in seq)}
        if rng.random() < 0.5:
            out["candidates"] = [0.25, 0.5, 0.75]
        return out
    while True:
        n = int(rng.integers(4, 9))
        xs = rng.integers(-10, 11, size=n)
        # resample until the sample has spread (a bounded likelihood) and, as an exam's data are chosen, an integer
        # mean and a variance Q/N with at most two decimals
        Q = int(((xs - xs.mean()) ** 2).sum().round()) if xs.sum() % n == 0 else 0
        if len(set(xs.tolist())) > 1 and xs.sum() % n == 0 and (Q * 100) % n == 0:
            return {"distribution": "gaussian", "data": [int(v) for v in xs]}
