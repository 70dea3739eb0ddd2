"""NAdam: Adam with a Nesterov look-ahead momentum m_bar, w_{t+1} = w_t - eta * m_bar_t / (sqrt(v_hat_t) with eps).

Exam question: "With NAdam (Adam with a Nesterov look-ahead in the first moment), what are m, v, the
bias-corrected moments, the look-ahead momentum and the new parameters?" The course notes, week 5,
eq. (21). The notes give no NAdam numbers; the example runs the gradients of their Adam example (1, then
0) through it.

Conventions:
- `nadam_form`: the notes' form above (their eq. 21 counts t from 0 and writes beta1 m_hat_{t+1} and
  1 - beta1^(t+1); counted from 1 that is the form above); Dozat's (2016) constant-momentum form,
  beta1 m_t / (1 - beta1^(t+1)) + (1 - beta1) g_t / (1 - beta1^t); or torch's, with the momentum-decay
  schedule mu_t = beta1 (1 - 0.5 * 0.96^(t psi)) (psi = `momentum_decay`, 0.004) and the running product
  of the mu's. No torch setting reproduces the notes' form (momentum_decay = 0 gives mu = beta1 / 2).
- epsilon inside the square root (the course notes) or outside (torch).
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from problems import _optim as O
from problems._optim.conventions import WEIGHT_DECAY_FORM, eps_placement
from solver.conventions import Convention
from solver import format as F
from solver.params import Param, Real
from solver.registry import Example
from solver.richtext import Rich
from solver.symbolic import evaluate, sym

TITLE = "NAdam optimizer steps"
TOPIC = "optimizers"
KEYWORDS = ("nadam", "n-adam", "nesterov adam", "nesterov-accelerated adaptive moment", "nesterov momentum",
            "momentum decay", "adam variant")

MU, MU_NEXT = sym("mu_t", r"\mu_{t}"), sym("mu_(t+1)", r"\mu_{t+1}")
PSI = sym("momentum_decay", r"\psi")
PROD_PREV, PROD = sym("Pi_(t-1)", r"\Pi_{t-1}"), sym("Pi_t", r"\Pi_{t}")
M_BAR, M_BAR_ = sym("m_bar_t", r"\bar{m}_{t}"), sym("m_bar", r"\bar{m}")
HALF, DECAY = sym("0.5"), sym("0.96")   # torch's constants, printed as torch writes them
CONSTS = {HALF: sp.Rational(1, 2), DECAY: sp.Rational(24, 25)}
# ---- the rules, written once (both moments on the shared moving-average rule) ------------------------
M_RULE, V_RULE = O.ADAM_M_RULE, O.ADAM_V_RULE
M_HAT_RULE, V_HAT_RULE = O.M_HAT_RULE, O.V_HAT_RULE
RATE = O.ADAM_RATE                                         # eta / sqrt(v_hat + eps) (the notes), or sqrt(v_hat) + eps (torch)
with sp.evaluate(False):
    M_BAR_NOTES = O.BETA1 * O.M_HAT + (1 - O.BETA1) * O.G / (1 - O.BETA1 ** O.T)              # the notes' eq. (21)
    M_BAR_DOZAT = O.BETA1 * O.M / (1 - O.BETA1 ** (O.T + 1)) + (1 - O.BETA1) * O.G / (1 - O.BETA1 ** O.T)
    MU_RULE = O.BETA1 * (1 - HALF * DECAY ** (O.T * PSI))                                      # torch's schedule
    MU_NEXT_RULE = O.BETA1 * (1 - HALF * DECAY ** ((O.T + 1) * PSI))
    PROD_RULE = PROD_PREV * MU
    M_BAR_TORCH = (1 - MU) * O.G / (1 - PROD) + MU_NEXT * O.M / (1 - PROD * MU_NEXT)
    UPDATE = O.W - O.ETA_EFF * M_BAR

FORM = Convention(
    "nadam_form", "Form of NAdam's look-ahead momentum",
    {"notes": "m_bar = beta1 m_hat_t + (1 - beta1) g_t / (1 - beta1^t) (the course notes, week 5, eq. 21, with t "
              "counted from 1)",
     "dozat": "m_bar = beta1 m_t / (1 - beta1^(t+1)) + (1 - beta1) g_t / (1 - beta1^t) (Dozat 2016, constant momentum)",
     "torch": "torch.optim.NAdam: mu_t = beta1 (1 - 0.5 * 0.96^(t psi)), m_bar = (1 - mu_t) g / (1 - prod mu_1..t) "
              "+ mu_{t+1} m / (1 - prod mu_1..t+1)"},
    default="notes", why_default="the course notes' eq. (21) (week 5)", aliases={"pytorch": "torch"},
    cues={"torch": ("torch.optim.nadam", "as in pytorch", "pytorch's nadam"), "dozat": ("dozat",)},
    sources={"notes": "the course notes, week 5, eq. 21", "dozat": "Dozat 2016 (Incorporating Nesterov Momentum into "
             "Adam)", "torch": "PyTorch's torch.optim.NAdam (its momentum-decay schedule)"},
    paper={"notes": "Use m̄ = β₁ m̂ₜ + (1 − β₁) gₜ / (1 − β₁ᵗ).",
           "dozat": "Use m̄ = β₁ mₜ / (1 − β₁ᵗ⁺¹) + (1 − β₁) gₜ / (1 − β₁ᵗ) (Dozat's NAdam).",
           "torch": "Use PyTorch's NAdam: μₜ = β₁ (1 − 0.5 · 0.96^(tψ)), m̄ = (1 − μₜ) g / (1 − Πμ₁..ₜ) + μₜ₊₁ m / "
                    "(1 − Πμ₁..ₜ₊₁)."})
CONVENTIONS = (FORM, eps_placement("w ← w − η m̄ / √(v̂ + ε)", "w ← w − η m̄ / (√v̂ + ε)"), WEIGHT_DECAY_FORM)

PARAMS = O.adam_params("0.002") + (
    Param("momentum_decay", Real(0, None), default="0.004", label="Momentum decay psi (torch form only)",
          aliases=("momentum decay", "momentum_decay", "psi", "ψ")),
) + O.moment_histories() + O.source_params()

EXAMPLE = Example(
    params={"grads": "[1, 0]", "beta2": "0.999", "lr": "1"},
    source="the course notes, week 5, eq. (21), on the gradients of their Adam example (the notes give no NAdam "
           "numbers)",
)

HISTORIES = (("m", "m0"), ("v", "v0"))
validate = O.validator("nadam", HISTORIES, long_runs=lambda p: "NAdam runs step by step")
use_numeric = O.use_numeric


def _rules(d, p, conv) -> None:
    form = conv["nadam_form"]
    O.moment_rules(d)
    if form == "torch":
        d.formula("Momentum schedule (torch)", MU, MU_RULE, text="mu_{t+1} is the same with t + 1.")
        d.formula("Running product of the mu's", PROD, PROD_RULE)
        d.formula("Look-ahead momentum", M_BAR, M_BAR_TORCH)
    elif form == "dozat":
        d.formula("Look-ahead momentum", M_BAR, M_BAR_DOZAT)
    else:
        d.formula("Bias correction of m", O.M_HAT, M_HAT_RULE)
        d.formula("Look-ahead momentum (Nesterov)", M_BAR, M_BAR_NOTES,
                  text="Adam's m_hat, nudged towards the current gradient: the Nesterov look-ahead applied to the momentum. "
                       "The course notes (eq. 21) write beta1 m_hat_{t+1} + (1 - beta1) g_t / (1 - beta1^{t+1}) with t counted from "
                       "0. Read literally, m_hat_{t+1} would need the next step's gradient; with their count from 0 the "
                       "exponent t + 1 is this page's t, so it is read as beta1 m_hat_t. Dozat's NAdam (nadam_form = "
                       "dozat) divides beta1 m_t by 1 - beta1^(t+1) instead.")
    d.formula("Bias correction of v", O.V_HAT, V_HAT_RULE)
    d.formula("Effective learning rate", O.ETA_EFF, RATE[conv["eps_placement"]])
    if O.decoupled_decay(p, conv):
        O.decoupled_rule(d)
    d.formula("Update", O.W_NEXT, UPDATE)


def _mu(b1: float, t: int, psi: float) -> float:
    return b1 * (1.0 - 0.5 * 0.96 ** (t * psi))


def _prod_before(b1, t0: int, psi, exact: bool):
    """prod_{i=1..t0} mu_i (1 before any step): torch's mu_product entering step t0 + 1."""
    if not exact or t0 > 200:
        return math.prod(_mu(float(b1), i, float(psi)) for i in range(1, t0 + 1))
    out = sp.Integer(1)
    for i in range(1, t0 + 1):
        out = evaluate(sp.Mul(out, MU_RULE), {O.BETA1: b1, O.T: i, PSI: psi, **CONSTS})
    return out


def _step(s: O.StepCtx) -> None:
    p, form = s.p, s.conv["nadam_form"]
    g = s.gradient()
    m, v = O.first_moment(s, g), O.second_moment(s, g)
    base = {O.BETA1: p["beta1"], O.T: s.t, O.M: m, O.G: g}
    if form == "torch":
        prev = s.prev.get("prod")
        if prev is None:
            prev = _prod_before(p["beta1"], s.setup.t0, p["momentum_decay"], True)
        mu = s.compute(f"Momentum mu_t (t = {s.t})", MU, MU_RULE, {**base, PSI: p["momentum_decay"], **CONSTS}, key="mu")
        mu_next = s.compute("Next momentum mu_(t+1)", MU_NEXT, MU_NEXT_RULE, {**base, PSI: p["momentum_decay"], **CONSTS})
        prod = s.compute("Running product", PROD, PROD_RULE, {PROD_PREV: prev, MU: mu})
        s.keep("prod", prod)
        m_bar = s.compute("Look-ahead momentum", M_BAR, M_BAR_TORCH, {**base, MU: mu, MU_NEXT: mu_next, PROD: prod},
                          key="m_bar")
    elif form == "dozat":
        m_bar = s.compute("Look-ahead momentum", M_BAR, M_BAR_DOZAT, base, key="m_bar")
    else:
        m_hat = O.bias_corrected_m(s, m)
        m_bar = s.compute("Look-ahead momentum", M_BAR, M_BAR_NOTES, {**base, O.M_HAT: m_hat}, key="m_bar")
    v_hat = s.compute(f"Bias-corrected v (t = {s.t})", O.V_HAT, V_HAT_RULE, {O.V: v, O.BETA2: p["beta2"], O.T: s.t},
                      key="v_hat")
    eta = s.compute("Effective learning rate", O.ETA_EFF, RATE[s.conv["eps_placement"]],
                    {O.ETA: p["lr"], O.V_HAT: v_hat, O.EPS: p["eps"]}, key="eta_eff")
    w = O.decoupled_step(s)
    s.update("Update", UPDATE, {O.W: w, O.ETA_EFF: eta, M_BAR: m_bar})


def _kernel(w, g, m, v, scr, b1, b2, bc2, eps, inside, cg, cm):
    t0, t1, _ = scr
    O.moments_(g, m, v, b1, b2, scr)
    np.divide(v, bc2, out=t0)       # torch: sqrt(v / bc2) + eps
    O.rate_denominator_(t0, eps, inside, t0)
    np.divide(g, t0, out=t1)        # w -= cg g / denom, then cm m / denom (torch's two addcdiv_ in order)
    t1 *= cg
    w -= t1
    np.divide(m, t0, out=t1)
    t1 *= cm
    w -= t1


def _numeric_step(c: O.NumCtx) -> None:
    form = c.conv["nadam_form"]
    b1, b2, lr, eps = c.h["beta1"], c.h["beta2"], c.h["lr"], c.h["eps"]
    t = c.t
    bc1, bc2 = 1.0 - b1 ** t, 1.0 - b2 ** t
    if form == "torch":
        psi = c.h["momentum_decay"]
        prod = c.st.get("prod")
        if prod is None:
            prod = _prod_before(b1, c.setup.t0, psi, False)
        mu, mu_next = _mu(b1, t, psi), _mu(b1, t + 1, psi)
        prod *= mu
        c.st["prod"] = prod
        cg, cm = lr * (1.0 - mu) / (1.0 - prod), lr * mu_next / (1.0 - prod * mu_next)
    elif form == "dozat":
        cg, cm = lr * (1.0 - b1) / bc1, lr * b1 / (1.0 - b1 ** (t + 1))
    else:
        cg, cm = lr * (1.0 - b1) / bc1, lr * b1 / bc1
    g = c.grad(c.w)
    O.decoupled_numeric(c)
    inside = c.conv["eps_placement"] == "inside"
    if c.jit is not None:   # a large vector: one compiled loop per step (the same operations as _kernel)
        c.fused(c.jit.nadam_step, (c.w, g, c.st["m"], c.st["v"]), b1, b2, bc2, eps, inside, cg, cm)
    else:
        c.blocks(_kernel, c.w, g, c.st["m"], c.st["v"], b1=b1, b2=b2, bc2=bc2, eps=eps, inside=inside, cg=cg, cm=cm)
    if c.last and c.small:
        m, v = c.st["m"], c.st["v"]
        vh = v / bc2
        c.out.update(m=m.copy(), v=v.copy(), v_hat=vh, m_bar=(cg * g + cm * m) / lr,
                     eta_eff=O.effective_rate(lr, vh, eps, inside))
        if form == "torch":
            c.out["mu"] = np.array([mu])
        elif form == "notes":
            c.out["m_hat"] = m / bc1


METHOD = O.Method("nadam", "NAdam", HISTORIES, _rules, _step, _numeric_step, hyper=O.adam_hyper,
                  question=lambda p, conv: Rich("Give ", O.M_, ", ", O.V_, ", the bias-corrected moments, the "
                                                "look-ahead momentum ", M_BAR_, " and the new parameters."))
statement = O.statement_for(METHOD)


def solve(p, conv):
    d, rows, w, setup = O.solve_exact(p, conv, METHOD)
    if w is not None and conv["nadam_form"] == "torch":
        d.note("torch's momentum schedule", f"mu_t = beta1 (1 - 0.5 * 0.96^(t psi)) with psi = "
               f"{F.text(p['momentum_decay'])}: mu starts near beta1 / 2 and rises slowly towards beta1, so the "
               "first steps lean on the current gradient more than the notes' form does.")
    return d


solve_numeric = O.numeric_solver(METHOD)


def generate(rng: np.random.Generator) -> dict:
    # well posed for any source: eps > 0 keeps the denominator positive
    return O.generate_instance(rng, lr=[0.1, 0.01, 0.5], beta2=[0.999, 0.99])
