"""AdaMax: v_t = max(beta2 * v_{t-1}, |g_t|) (the infinity norm), w_{t+1} = w_t - eta * m_hat_t / v_t (with eps).

Exam question: "With AdaMax, what are m, the max-norm v, the effective learning rate and the new
parameters?" The course notes, week 5, eq. (19): the L-infinity version of Adam's v needs no bias
correction, and a zero gradient barely changes the rate: gradients 1, 0, 1 with beta2 = 0.999 and eta = 1
give v = 1, 0.999, 1 and rates 1, 1.001, 1 (the notes write v_2 = max(0.999, 1) where the first argument
is beta2 v_1 = 0.998001).

Conventions: where epsilon goes (`adamax_eps`): in the denominator eta / (v_t + eps) (the course notes) or
inside the max, v_t = max(beta2 v_{t-1}, |g_t| + eps), with eta / v_t (torch); bias correction of m
on (m_hat = m / (1 - beta1^t), notes and torch) or off.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from problems import _optim as O
from problems._optim.conventions import bias_correction
from solver.conventions import Convention
from solver.errata import Erratum
from solver.registry import Example
from solver.richtext import Rich

TITLE = "AdaMax optimizer steps"
TOPIC = "optimizers"
KEYWORDS = ("adamax", "ada max", "infinity norm", "max norm", "adam variant", "maxprop", "l-infinity norm")

# ---- the rules, written once --------------------------------------------------------------------------
M_RULE, M_HAT_RULE = O.ADAM_M_RULE, O.M_HAT_RULE                          # Adam's first moment (the notes' eq. 19)
with sp.evaluate(False):
    V_NOTES = sp.Max(O.BETA2 * O.V_PREV, sp.Abs(O.G), evaluate=False)           # the course notes' eq. (19)
    V_TORCH = sp.Max(O.BETA2 * O.V_PREV, sp.Abs(O.G) + O.EPS, evaluate=False)   # torch: eps inside the max
    ETA_NOTES = O.ETA / (O.V + O.EPS)
    ETA_TORCH = O.ETA / O.V
    UPDATE = O.W - O.ETA_EFF * O.M_HAT

EPS_WHERE = Convention(
    "adamax_eps", "Where epsilon goes in AdaMax",
    {"denominator": "eta / (v_t + eps) with v_t = max(beta2 v_{t-1}, |g_t|) (the course notes, week 5, eq. 19)",
     "max": "eps inside the max: v_t = max(beta2 v_{t-1}, |g_t| + eps), rate eta / v_t (torch)"},
    default="denominator", why_default="the course notes' eq. (19) adds eps to v_t in the denominator",
    aliases={"notes": "denominator", "torch": "max"},
    cues={"denominator": ("eta / (v + eps)", "(v + eps)"), "max": ("|g| + eps", "max(beta2 v, |g| + eps)")},
    sources={"denominator": "the course notes, week 5, eq. 19",
             "max": "PyTorch's torch.optim.Adamax (Kingma & Ba 2015's AdaMax has no epsilon at all)"},
    paper={"denominator": "Add ε to v in the denominator: vₜ = max(β₂ vₜ₋₁, |gₜ|), w ← w − η m̂ / (vₜ + ε).",
           "max": "Add ε inside the max: vₜ = max(β₂ vₜ₋₁, |gₜ| + ε), w ← w − η m̂ / vₜ."},
)
CONVENTIONS = (EPS_WHERE, bias_correction("m̂ = m / (1 − β₁ᵗ)"))

PARAMS = (O.adam_params("0.002", beta2_label="beta2 (max-norm decay)") + O.moment_histories("the max-norm v (torch's exp_inf)")
          + O.source_params())

EXAMPLE = Example(
    params={"grads": "[1, 0, 1]", "beta2": "0.999", "lr": "1"},
    source="the course notes, week 5: AdaMax's rate after a zero gradient, 1 -> 1.001 -> 1",
)


def _one_parameter_three_steps(p) -> bool:
    return (p["source"] in ("auto", "grads") and p["steps"] in (None, 3)
            and (p["w0"] is None or (not isinstance(p["w0"], np.ndarray) and len(p["w0"]) == 1)))


ERRATA = (
    Erratum(
        where="the course notes, week 5 (AdaMax: the learning rate after a zero gradient)",
        params={"grads": "[1, 0, 1]", "beta2": "0.999", "lr": "1", "t0": "0", "v0": None, "weight_decay": "0"},
        also=_one_parameter_three_steps,
        wrote="v_2 = max(0.999, 1) = 1 for the third step (counting steps from 0), and eq. (19) as "
              "max(beta2 v_{t-1}, grad w_t)",
        right="the first argument is beta2 v_1 = 0.999 x 0.999 = 0.998001 (the result, 1, is the same), and the "
              "example uses the absolute value |grad w_t| that eq. (19) leaves out",
        why="a zero gradient raises the rate only by the factor 1/beta2 (1.001), and the next gradient brings it "
            "back to {eta_eff}, unlike Adam's 1.41 in the same week's example",
    ),
)

HISTORIES = (("m", "m0"), ("v", "v0"))
validate = O.validator("adamax", HISTORIES, long_runs=True)
use_numeric = O.use_numeric


def _rules(d, p, conv) -> None:
    torch = conv["adamax_eps"] == "max"
    O.moment_rules(d, second=False)
    d.formula("Max norm", O.V, V_TORCH if torch else V_NOTES,
              text="The infinity-norm analogue of Adam's v: the old value decays by beta2, a new large gradient replaces it.")
    if conv["bias_correction"] == "on":
        d.formula("Bias correction of m", O.M_HAT, M_HAT_RULE, text="v needs none: the max is not biased towards 0.")
    else:
        d.note("No bias correction", "m_hat = m.")
    d.formula("Effective learning rate", O.ETA_EFF, ETA_TORCH if torch else ETA_NOTES)
    d.formula("Update", O.W_NEXT, UPDATE)


def _step(s: O.StepCtx) -> None:
    p, torch = s.p, s.conv["adamax_eps"] == "max"
    g = s.gradient()
    m = O.first_moment(s, g)
    v = O.accumulate(s, "Max norm", "v", V_TORCH if torch else V_NOTES, {O.BETA2: p["beta2"], O.G: g, O.EPS: p["eps"]})
    m_hat = O.bias_corrected_m(s, m) if s.conv["bias_correction"] == "on" else m
    eta = s.compute("Effective learning rate", O.ETA_EFF, ETA_TORCH if torch else ETA_NOTES,
                    {O.ETA: p["lr"], O.V: v, O.EPS: p["eps"]}, key="eta_eff")
    s.update("Update", UPDATE, {O.W: s.w, O.ETA_EFF: eta, O.M_HAT: m_hat})


def _kernel(w, g, m, v, scr, b1, b2, eps, torch, clr):
    t0, t1, _ = scr
    O.moving_average_(m, g, b1, 1.0 - b1, t0)
    np.abs(g, out=t0)
    v *= b2
    if torch:
        t0 += eps
        np.maximum(v, t0, out=v)
        np.divide(m, v, out=t0)
    else:
        np.maximum(v, t0, out=v)
        np.add(v, eps, out=t1)
        np.divide(m, t1, out=t0)
    t0 *= clr
    w -= t0


def _numeric_step(c: O.NumCtx) -> None:
    conv = c.conv
    b1, lr, eps = c.h["beta1"], c.h["lr"], c.h["eps"]
    torch = conv["adamax_eps"] == "max"
    bc1 = 1.0 - b1 ** c.t if conv["bias_correction"] == "on" else 1.0
    g = c.grad(c.w)
    if c.jit is not None:   # a large vector: one compiled loop per step (the same operations as _kernel)
        c.fused(c.jit.adamax_step, (c.w, g, c.st["m"], c.st["v"]), b1, c.h["beta2"], eps, torch, lr / bc1)
    else:
        c.blocks(_kernel, c.w, g, c.st["m"], c.st["v"], b1=b1, b2=c.h["beta2"], eps=eps, torch=torch, clr=lr / bc1)
    if c.last and c.small:
        m, v = c.st["m"], c.st["v"]
        c.out.update(m=m.copy(), v=v.copy(), eta_eff=lr / (v if torch else v + eps))
        if conv["bias_correction"] == "on":
            c.out["m_hat"] = m / bc1


def _loop(c: O.NumCtx, J, program, k: int) -> bool:
    """k steps as one compiled call (a long run: accel), with _numeric_step's bias-corrected rate."""
    conv = c.conv
    J.adamax_loop(*program, c.w, c.st["m"], c.st["v"], k, c.setup.t0, c.h["beta1"], c.h["beta2"], c.h["eps"],
                  conv["adamax_eps"] == "max", c.h["lr"], conv["bias_correction"] == "on", c.wd)
    return True


METHOD = O.Method("adamax", "AdaMax", HISTORIES, _rules, _step, _numeric_step, hyper=O.adam_hyper, loop=_loop,
                  question=lambda p, conv: Rich("Give ", O.M_, ", the max-norm ", O.V_,
                                                ", the effective learning rate and the new parameters."))
statement = O.statement_for(METHOD)
solve = O.exact_solver(METHOD)
solve_numeric = O.numeric_solver(METHOD)


def generate(rng: np.random.Generator) -> dict:
    # well posed when the first step's max is positive: eps > 0 and a non-zero first gradient (generate_source)
    return O.generate_instance(rng, lr=[0.1, 0.01, 0.5], beta2=[0.999, 0.99])
