"""Exponentially weighted average: v_t = beta * v_{t-1} + (1 - beta) * theta_t; bias-corrected v_hat_t = v_t / (1 - beta**t).

Exam question: "Compute the exponentially weighted average of theta_1, ..., theta_n with beta = 0.9,
starting from v_0 = 0, with and without bias correction. What weight does theta_k carry in v_n, and
over roughly how many values does the average extend?" It is the moving average inside momentum,
RMSProp and Adam (the introductory slides, the end-term assignment and the optimization notes:
"exponentially weighted (decaying) moving average"); the end-term assignment's Adam example (constant
gradient 1, beta1 = 0.9, t = 10: m_10 = 1 - 0.9^10 = 0.651322 and m_hat_10 = 1) and the course notes'
zero-gradient example (week 5, beta2 = 0.999: v_hat_2 = 0.49975) are this average.

Unrolled, v_n = beta^n v_0 + sum_k (1 - beta) beta^(n-k) theta_k: theta_k's weight shrinks by beta per
step, and the weights of theta_1..theta_n sum to 1 - beta^n (a geometric series). With v_0 = 0 the
missing beta^n biases v_n towards 0; dividing by 1 - beta^n rescales the weights to sum to 1, which
is the bias correction. A weight falls by beta^(1/(1-beta)) ~ 1/e over 1/(1 - beta) steps, the
average's effective window (beta = 0.9: about 10 values; 0.98: 50; 0.999: 1000).

Convention: bias correction on or off (the catalogue's `bias_correction`, shared with Adam and the
other optimizers, so that one switch means the same thing everywhere; default on, and v_t is always
shown too). `t0` > 0 continues an average that has already absorbed t0 values (v_0 is then v_t0 and
the correction uses 1 - beta^(t0 + t)).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from problems._ewa_lr_common import vector_answer
from solver import format as F
from problems._optim.conventions import bias_correction
from solver.numbers import Precision
from solver.params import Int, InvalidInput, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.symbolic import Derivation, evaluate, make_answer, sym

TITLE = "Exponentially weighted averages"
TOPIC = "optimizers"
KEYWORDS = ("exponentially weighted average", "exponentially weighted averages", "moving average", "ewa", "ema", "ewma",
            "bias correction", "momentum", "beta", "effective window", "decay", "exponential moving average",
            "weighted average")

# ---- the rules, written once --------------------------------------------------------------------------
v, v_prev, theta_t, beta, v_hat = (sym("v_t", "v_{t}"), sym("v_(t-1)", "v_{t-1}"), sym("theta_t", r"\theta_{t}"),
                                   sym("beta", r"\beta"), sym("v_hat_t", r"\hat{v}_{t}"))
t, t0, n, k, w_k, w_0, S = (sym("t"), sym("t0", "t_{0}"), sym("n"), sym("k"), sym("w_k", "w_{k}"), sym("w_v0", "w_{v_0}"),
                            sym("S_n", "S_{n}"))
N_eff, decay, v_n = sym("N_eff", r"N_{\mathrm{eff}}"), sym("decay", r"\beta^{N_{\mathrm{eff}}}"), sym("v_n", "v_{n}")
v_hat_vec = sym("v_hat", r"\hat{v}")
ALPHA = sym("alpha", r"\alpha")
with sp.evaluate(False):  # keep the order the notes write
    EWA = beta * v_prev + (1 - beta) * theta_t          # the slides (RMSProp), the assignment, the optimization notes
    CORRECT = v / (1 - beta ** t)                        # Adam's bias correction, t = 1 at the first value
    CORRECT_T0 = v / (1 - beta ** (t0 + t))              # ... continuing after t0 earlier values
    WEIGHT = (1 - beta) * beta ** (n - k)                # theta_k's weight in v_n
    WEIGHT_V0 = beta ** n                                # v_0's weight in v_n
    WEIGHT_SUM = 1 - beta ** n                           # sum of theta's weights (geometric series)
    WINDOW = 1 / (1 - beta)
    DECAY = beta ** N_eff                                # ~ 1/e
    WRONG = v_n / (1 - beta)                             # the end-term assignment's correction without the exponent

CONVENTIONS = (bias_correction("v̂ₜ = vₜ / (1 − βᵗ)", off="Do not correct the bias: give the averages vₜ as they are."),)


@lru_cache(maxsize=256)
def _step_rules(i: int, continued: bool):
    """The two rules of step i written with its own indices (v_3 = beta v_2 + (1 - beta) theta_3), built once per
    step: (v_i, v_(i-1), theta_i, the average, v_hat_i, the correction)."""
    vi, vp, th = sym(f"v_{i}", "v_{%d}" % i), sym(f"v_{i - 1}", "v_{%d}" % (i - 1)), sym(f"theta_{i}", r"\theta_{%d}" % i)
    hi = sym(f"v_hat_{i}", r"\hat{v}_{%d}" % i)
    with sp.evaluate(False):
        avg = EWA.xreplace({v_prev: vp, theta_t: th})
        corr = (CORRECT_T0 if continued else CORRECT).xreplace({v: vi, t: sp.Integer(i)})
    return vi, vp, th, avg, hi, corr

PARAMS = (
    # entries bounded so float64 sums and squares cannot overflow on the numeric path (found by fuzzing)
    Param("theta", Vector(lo=-1e100, hi=1e100), required=True, label="Sequence theta_1, ..., theta_n",
          help="the values averaged, in order, e.g. 1 2 3 (gradients for momentum; squared gradients for RMSProp)",
          aliases=("values", "sequence", "temperatures", "theta", "θ", "data", "observations", "series", "readings",
                   "measurements")),
    Param("beta", Real(0, 1, closed="left"), default="0.9", label="Decay beta",
          help="the weight kept from the previous average, in [0, 1); or give alpha, the weight of the new value",
          aliases=("beta", "β", "decay", "smoothing factor", "weight", "momentum")),
    Param("alpha", Real(0, 1, closed="right"), label="Weight of the new value alpha",
          help="alpha = 1 - beta, in (0, 1], as exams that write v_t = (1 - alpha) v_(t-1) + alpha theta_t state it "
               "(instead of beta)",
          aliases=("alpha", "α", "weight of the new value", "weight of the new observation", "weight of the current "
                   "value", "new value weight")),
    Param("v0", Real(), default="0", label="Initial average v_0", help="the average before the first value (usually 0)",
          aliases=("v_0", "v0", "initial average", "starting average")),
    Param("t0", Int(0, None), default="0", label="Values already averaged t0",
          help="0 for a fresh average; t0 > 0 continues one, and the bias correction uses t0 + t",
          aliases=("t0", "t_0", "already averaged")),
)

_ALPHA = next(q for q in PARAMS if q.name == "alpha")

EXAMPLE = Example(
    params={"theta": "1, 1, 1, 1, 1, 1, 1, 1, 1, 1", "beta": "0.9"},
    source="the end-term assignment, Adam with a constant gradient 1 and beta1 = 0.9: m_10 = 0.651322, m_hat_10 = 1",
)

#: The answers' precision when the request asks for none (solver.format.requested).
PRECISION = Precision(sig=5)


def _precision() -> Precision:
    return F.requested() or PRECISION
EXACT_LIMIT = 100   # longer sequences take the numeric path
SHOWN = 30          # steps shown one by one (the table has them all)


def use_numeric(p) -> bool:
    return isinstance(p["theta"], np.ndarray) or len(p["theta"]) > EXACT_LIMIT


def translate(raw):
    """alpha (the weight of the new value) given without beta: beta = 1 - alpha, exactly."""
    a = raw.get("alpha")
    if a is None or (isinstance(a, str) and not a.strip()) or raw.get("beta") not in (None, ""):
        return raw
    try:
        alpha = _ALPHA.parse(a, "ewa")
    except Exception:  # noqa: BLE001 - parse_params reports the bad alpha with its own message
        return raw
    return {**raw, "beta": 1 - alpha}


def validate(p) -> None:
    if p["alpha"] is not None and p["beta"] != 1 - p["alpha"]:
        raise InvalidInput("alpha", f"The 'alpha' parameter of ewa must equal 1 - beta (alpha is the weight of the new "
                                    f"value, beta the weight kept): beta = {F.text(p['beta'])} means alpha = "
                                    f"{F.text(1 - p['beta'])}. Got alpha = {F.text(p['alpha'])} instead; give one of "
                                    "them.")


@lru_cache(maxsize=4)
def _fixed_math(which: str):
    """The statement's fixed formulas, printed once (SymPy's printers cost milliseconds per request)."""
    eq = {"ewa": Eq(v, EWA), "hat": Eq(v_hat, CORRECT), "hat_t0": Eq(v_hat, CORRECT_T0)}[which]
    return Rich(eq).parts[0]


def statement(p, conv=None) -> Rich:
    """The question; it asks for the bias-corrected values only with the correction on."""
    corrected = (conv or {}).get("bias_correction", "on") == "on"
    th = p["theta"]
    nn = len(th)
    shown = tuple(as_exact(th[:12]))
    theta_vec = sym("theta", r"\theta")
    values = Rich(Eq(theta_vec, shown), " (the first 12 shown)") if nn > 12 else Rich(Eq(theta_vec, shown))
    v0 = Eq(sym("v_0", "v_{0}"), p["v0"])
    start = (Rich("starting from ", v0) if not p["t0"] else
             Rich("continuing from ", v0, f", an average that has already absorbed {p['t0']} earlier values"))
    hat = _fixed_math("hat" if not p["t0"] else "hat_t0")
    rate = (Rich("with ", Eq(ALPHA, p["alpha"]), " (the weight of the new value), so ", Eq(beta, 1 - ALPHA), " = ",
                 p["beta"]) if p["alpha"] is not None else Rich("with ", Eq(beta, p["beta"])))
    ask = (Rich(" and their bias-corrected values ", hat, *((" with ", Eq(t0, p["t0"])) if p["t0"] else ()))
           if corrected else Rich(" (without bias correction)"))
    v_n_sym = sym(f"v_{nn}", "v_{%d}" % nn)
    return Rich("The exponentially weighted average ", _fixed_math("ewa"), " ", rate, ", ", start, ", runs over the ",
                f"{nn} values ", values, ". Compute ", sym("v_1", "v_{1}"), ", ..., ", v_n_sym, ask,
                ". What weight does each ", sym("theta_k", r"\theta_{k}"), " carry in ", v_n_sym,
                ", and over roughly how many values does the average extend?")


def solve(p, conv) -> Derivation:
    d = Derivation()
    th = as_exact(p["theta"])
    b, v0, T0 = p["beta"], p["v0"], p["t0"]
    nn = len(th)
    corrected = conv["bias_correction"] == "on"
    corr_rule = CORRECT_T0 if T0 else CORRECT

    d.given("The values", th, lhs=sym("theta", r"\theta"))
    if p["alpha"] is not None:
        d.given("Weight of the new value", p["alpha"], lhs=ALPHA,
                text="alpha is the weight of the new value; the decay kept from the old average is beta = 1 - alpha.")
        d.compute("Decay", beta, 1 - ALPHA, {ALPHA: p["alpha"]})
    else:
        d.given("Decay", b, lhs=beta)
    d.given("Start", v0, lhs=sym("v_0", "v_{0}"),
            text="" if not T0 else f"The average has already absorbed t0 = {T0} earlier values, so the bias correction "
                                   f"of the t-th new value uses 1 - beta^(t0 + t).")
    d.formula("Exponentially weighted average", v, EWA,
              text="Each step keeps the fraction beta of the old average and mixes in (1 - beta) of the new value.")
    if corrected:
        d.formula("Bias correction", v_hat, corr_rule,
                  text="t = 1 at the first value (the course notes count from t = 0 and write 1 - beta^(t+1): the same). "
                       "The division rescales the weights of the values to sum to 1 (see below)."
                       + (f" Continuing after t0 = {T0} values, the exponent is t0 + t." if T0 else ""))

    vs, hats, rows = [], [], []
    prev = v0
    for i, x in enumerate(th, start=1):
        vals = {v: None, beta: b, t: sp.Integer(i)}
        if T0:
            vals[t0] = sp.Integer(T0)
        if i > SHOWN:  # the table has these: the same rules, evaluated without printing a step
            cur = evaluate(EWA, {beta: b, v_prev: prev, theta_t: x})
            if corrected:
                hats.append(evaluate(corr_rule, {**vals, v: cur}))
        else:
            vi, vp, thi, avg, hi, corr = _step_rules(i, bool(T0))
            with d.group(f"t = {i}"):
                cur = d.compute(f"Average after theta_{i} = {F.text(x)}", vi, avg, {beta: b, vp: prev, thi: x})
                if corrected:
                    hats.append(d.compute("Bias-corrected", hi, corr, {beta: b, vi: cur, **({t0: sp.Integer(T0)} if T0 else {})}))
        vs.append(cur)
        prev = cur
    if nn > SHOWN:
        d.note("The other steps", f"The first {SHOWN} of {nn} steps are shown one by one; the table has them all.")

    # weights of theta_1..theta_n in v_n
    ks = tuple(sp.Integer(j) for j in range(1, nn + 1))
    weights = tuple(evaluate(WEIGHT, {beta: b, n: sp.Integer(nn), k: j}) for j in ks)
    nn_s = sp.Integer(nn)

    # the table
    cols = [Math("t", "t"), Math(r"\theta_{t}", "theta_t"), Math("v_{t}", "v_t")]
    if corrected:
        cols += [Math(r"\hat{v}_{t}", "v_hat_t")]
    cols += [Math(r"w_{t} \text{ in } v_{%d}" % nn, f"weight in v_{nn}")]
    for i, x in enumerate(th):
        rows.append([i + 1, x, vs[i]] + ([hats[i]] if corrected else []) + [weights[i]])
    d.table(f"Table: the averages and each value's weight in v_{nn}", cols, rows,
            text=f"Each entry is an answer by its column and t, such as v@t={nn}.",
            keys=("t", "theta", "v") + (("v_hat",) if corrected else ()) + ("weight",), index=("t",))
    d.conclude("The averages", answers=(make_answer("v", tuple(vs), precision=_precision()),),
               value=F.equals(sym("v"), tuple(vs)))
    if corrected:
        d.conclude("The bias-corrected averages", answers=(make_answer("v_hat", tuple(hats), precision=_precision()),),
                   value=F.equals(v_hat_vec, tuple(hats)))

    with d.group(f"The weight of each value in v_{nn}",
                 text=f"Unrolling the recursion, v_{nn} = beta^{nn} v_0 + sum_k (1 - beta) beta^({nn} - k) theta_k: "
                      "a value's weight shrinks by the factor beta with every later step."):
        d.compute(f"Weight of theta_k in v_{nn} (k = 1, ..., {nn})", w_k, WEIGHT, {beta: b, n: nn_s}, value=weights,
                  answer="weights", precision=_precision())
        d.compute("Weight of the start value v_0", w_0, WEIGHT_V0, {beta: b, n: nn_s})
        total = d.compute("The values' weights sum to", S, WEIGHT_SUM, {beta: b, n: nn_s},
                          text=f"(1 - beta)(1 + beta + ... + beta^{nn - 1}) = 1 - beta^{nn}, a geometric series; "
                               "with the start value's weight beta^n everything sums to 1.")
        unrolled = b ** nn * v0 + sum((wt * x for wt, x in zip(weights, th)), sp.Integer(0))
        same = unrolled == vs[-1]
        d.compare("Check: the unrolled sum equals the recursion",
                  text="beta^n v_0 + sum_k w_k theta_k reproduces the last average"
                       + (f" v_{nn}." if same else f", but it differs from v_{nn} = {F.text(vs[-1])}."),
                  value=F.equals(Math(r"\beta^{%d} v_0 + \sum_k w_k \theta_k" % nn, f"beta^{nn} v_0 + sum_k w_k theta_k"),
                                 unrolled))
        if corrected:
            if v0 == 0 and not T0:
                d.note("Why the correction divides by 1 - beta^t",
                       f"With v_0 = 0 the weights of theta_1..theta_{nn} add up to only {F.text(total)}, so v_{nn} is "
                       f"biased towards 0; v_hat_{nn} = v_{nn} / (1 - beta^{nn}) = sum_k w_k theta_k / sum_k w_k is a true "
                       "weighted average (weights summing to 1).")
            elif not T0:
                d.note("Bias correction with v_0 != 0",
                       f"The correction assumes the average started from 0. Here v_0 = {F.text(v0)} already carries "
                       f"the weight beta^{nn} in v_{nn}, so dividing by 1 - beta^{nn} over-weights it; the corrected "
                       "values are shown as the formula gives them.")

    # the effective window
    with d.group("The effective window",
                 text="A value's weight falls by the factor beta^(1/(1 - beta)), about 1/e = 0.3679, within 1/(1 - beta) "
                      "steps, so the average effectively spans the last 1/(1 - beta) values "
                      "(beta = 0.9: 10 values; 0.98: 50; 0.999: 1000)."):
        win = d.compute("Window", N_eff, WINDOW, {beta: b}, answer="window", precision=_precision())
        d.compute("Decay of a weight over the window", decay, DECAY, {beta: b, N_eff: win},
                  text="compare 1/e = 0.367879")

    if corrected and nn > 1:
        wrong = evaluate(WRONG, {v_n: vs[-1], beta: b})
        d.note("A slip in the end-term assignment",
               f"The end-term assignment's Adam answer writes the bias correction as m_hat = m / (1 - beta), with no "
               f"exponent t; that agrees with 1 - beta^t only at t = 1. Here it would give v_{nn} / (1 - beta) = "
               f"{F.text(wrong)} instead of v_hat_{nn} = {F.text(hats[-1])}.")
    return d


# ---- the numeric path ------------------------------------------------------------------------------------
def ewa_numeric(theta: np.ndarray, b: float, v0: float) -> np.ndarray:
    """v_1..v_n in float64 without a per-element Python loop.

    beta >= 0.5: blocks of L values use the closed form
        v_{s+j} = beta^j (v_s + (1 - beta) sum_{i<=j} beta^(-i) theta_{s+i}),
    with L chosen so that beta^(-L) <= 1e50 (no overflow; L >= 166, so few blocks).
    beta < 0.5: the unrolled sum v_t = beta^t v_0 + (1 - beta) sum_{j<J} beta^j theta_{t-j}, truncated where
    beta^J < 1e-18 (J <= 60 shifted vector additions); the dropped tail is below 1e-18 max|theta|.
    Both agree with the sequential recursion to about 1e-16 max|theta| (tests/test_ewa_schedule.py).
    """
    n = theta.size
    theta = theta.astype(np.float64, copy=False)
    if b == 0.0:
        return theta.copy()
    steps = np.arange(1, n + 1, dtype=np.float64)
    if b < 0.5:
        J = min(n, int(math.ceil(18 * math.log(10) / -math.log(b))))
        out = (1.0 - b) * theta
        for j in range(1, J):
            out[j:] += ((1.0 - b) * b ** j) * theta[:-j]
        if v0:
            out += v0 * b ** steps
        return out
    L = max(1, min(4096, int(50 * math.log(10) / -math.log(b))))
    j = steps[:min(L, n)]
    up, down = b ** (-j), b ** j
    out = np.empty(n, dtype=np.float64)
    carry = float(v0)
    for s0 in range(0, n, L):
        blk = theta[s0:s0 + L]
        m = blk.size
        cs = np.cumsum(up[:m] * blk)
        cs *= 1.0 - b
        cs += carry
        cs *= down[:m]
        out[s0:s0 + m] = cs
        carry = cs[-1]
    return out


def solve_numeric(p, conv) -> Derivation:
    """The same average in float64 NumPy (blocked closed form), for long sequences."""
    d = Derivation()
    th = np.atleast_1d(as_float(p["theta"]))
    b, v0, T0 = float(p["beta"]), float(p["v0"]), p["t0"]
    nn = th.size
    vs = ewa_numeric(th, b, v0)
    d.note("Numeric path", f"{nn} values averaged in float64 NumPy (blocks of the unrolled sum); no per-step rows.")
    answers = [vector_answer("v", vs, _precision())]
    if conv["bias_correction"] == "on":
        steps = np.arange(T0 + 1, T0 + nn + 1, dtype=np.float64)
        denom = -np.expm1(steps * math.log(b)) if b > 0 else np.ones(nn)
        answers.append(vector_answer("v_hat", vs / denom, _precision()))
    d.conclude("The averages", answers=answers)
    weights = (1.0 - b) * b ** np.arange(nn - 1, -1, -1, dtype=np.float64)
    total = -math.expm1(nn * math.log(b)) if b > 0 else 1.0
    d.conclude(f"The weight of each value in v_{nn}", text=f"w_k = (1 - beta) beta^(n - k); they sum to "
                                                          f"1 - beta^n = {F.text(total, 10)}.",
               answers=(vector_answer("weights", weights, _precision()),))
    d.conclude("The effective window", text="N_eff = 1 / (1 - beta)",
               answers=(make_answer("window", 1.0 / (1.0 - b), precision=_precision()),))
    return d


def generate(rng: np.random.Generator) -> dict[str, Any]:
    """A short sequence of one-decimal values and a textbook beta (always well posed: beta in [0, 1))."""
    nn = int(rng.integers(3, 7))
    theta = [round(float(x), 1) for x in rng.integers(-30, 31, size=nn) / 10]
    out: dict[str, Any] = {"theta": theta, "beta": str(rng.choice(["0.5", "0.8", "0.9", "0.95"]))}
    if rng.random() < 0.2:
        out["v0"] = str(round(float(rng.integers(-10, 11)) / 10, 1))
        out["t0"] = int(rng.integers(1, 6))
    return out
