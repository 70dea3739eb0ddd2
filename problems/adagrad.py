"""AdaGrad: v_t = v_{t-1} + g_t^2, w_{t+1} = w_t - eta / sqrt(v_t + eps) * g_t.

Exam question: "With AdaGrad, what are the accumulated v, the effective learning rate and the new
parameters after these steps?" and "why does the effective rate decay fast for a dense feature?"
Notes 000, week 5, eq. (15). The notes' 'which one is better' example (WE-rmsprop-1) takes a steep region
with v_t = 1.25 and eta0 = 0.6: by eq. (15) the effective rate is 0.6 / sqrt(1.25) = 0.5367, while the
notes divide by v_t itself and write 0.48.

Conventions: epsilon inside the square root (notes 000, 002: sqrt(v + eps)) or outside (torch:
sqrt(v) + eps). torch's `lr_decay` divides eta by 1 + (t - 1) lr_decay, and its
`initial_accumulator_value` is the history v0.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from problems import _optim as O
from solver.conventions import EPS_PLACEMENT
from solver.params import Param, Real
from solver.registry import Example
from solver.symbolic import number_text, sym

TITLE = "AdaGrad optimizer steps"
TOPIC = "optimizers"
KEYWORDS = ("adagrad", "ada grad", "adaptive gradient", "accumulated squared gradients", "effective learning rate",
            "sparse features", "sum of squared gradients")

LR_DECAY = sym("lr_decay", r"\kappa")
ETA0 = sym("eta0", r"\eta_{0}")
# ---- the rules, written once (the sum of squares is the shared accumulation rule with decay 1) ------------
with sp.evaluate(False):
    V_RULE = O.moving_average(O.V_PREV, O.G ** 2, 1, gain=1)              # notes 000 eq. (15)
    ETA_DECAY = ETA0 / (1 + (O.T - 1) * LR_DECAY)                        # torch's lr_decay
RATE = O.rate_rules(O.ETA_T, O.V)                                        # eta_t / sqrt(v + eps), or sqrt(v) + eps
UPDATE = O.UPDATE_ADAPTIVE

CONVENTIONS = (EPS_PLACEMENT,)

PARAMS = (
    O.lr_param("0.01", "torch's default 0.01", label="Learning rate eta0"),
    Param("eps", Real(0, None), default="1e-10", label="Epsilon", help="torch's default 1e-10",
          aliases=O.EPS_ALIASES),
    Param("lr_decay", Real(0, None), default="0", label="Learning-rate decay (torch)",
          help="eta_t = eta0 / (1 + (t - 1) lr_decay)",
          aliases=("lr_decay", "learning-rate decay", "learning rate decay")),
    O.history_param("v0", "the accumulated squared gradients v (torch's initial_accumulator_value)",
                    ("v", "v_0", "v0", "G", "G_0", "accumulated squared gradient", "accumulated squared gradients",
                     "sum of squared gradients", "accumulator", "initial accumulator value", "history", "v_t")),
) + O.source_params()

EXAMPLE = Example(
    params={"grads": "[0.5]", "v0": "1", "lr": "0.6"},
    source="notes 000, week 5: the effective learning rate in a steep region, v_t = 1.25, eta0 = 0.6 (WE-rmsprop-1)",
)

HISTORIES = (("v", "v0"),)
validate = O.validator("adagrad", HISTORIES)
use_numeric = O.use_numeric


def statement(p) -> str:
    hyp = f"eta0 = {number_text(p['lr'])}, eps = {O.hyper_text(p['eps'])}"
    if p["lr_decay"]:
        hyp += f", lr_decay = {number_text(p['lr_decay'])}"
    return O.statement(p, "adagrad", "AdaGrad", hyp,
                       "Give the accumulated v, the effective learning rate and the new parameters.")


def _rules(d, p, conv) -> None:
    d.formula("Accumulated squared gradients", O.V, V_RULE,
              text="The shared accumulation rule with decay 1 and gain 1: nothing is forgotten.")
    if p["lr_decay"]:
        d.formula("Decayed base learning rate (torch's lr_decay)", O.ETA_T, ETA_DECAY)
    d.formula("Effective learning rate", O.ETA_EFF, RATE[conv["eps_placement"]],
              text="" if p["lr_decay"] else "Here eta_t = eta0: the base rate does not change.")
    d.formula("Update", O.W_NEXT, UPDATE)


def _step(s: O.StepCtx) -> None:
    p, conv = s.p, s.conv
    g = s.gradient()
    v = s.compute("Accumulate g^2", O.V, V_RULE, {O.V_PREV: s.prev["v"], O.G: g}, key="v")
    s.keep("v", v)
    eta_t = p["lr"]
    if p["lr_decay"]:
        eta_t = s.compute("Decayed base rate", O.ETA_T, ETA_DECAY, {ETA0: p["lr"], O.T: s.t, LR_DECAY: p["lr_decay"]},
                          key="eta_t")
    eta = s.compute("Effective learning rate", O.ETA_EFF, RATE[conv["eps_placement"]], {O.ETA_T: eta_t, O.V: v, O.EPS: p["eps"]},
                    key="eta_eff")
    s.update("Update", UPDATE, {O.W: s.w, O.ETA_EFF: eta, O.G: g})


def _numeric_step(c: O.NumCtx) -> None:
    p = c.p
    lr = float(p["lr"]) / (1.0 + (c.t - 1) * float(p["lr_decay"]))
    inside = c.conv["eps_placement"] == "inside"
    g = c.grad(c.w)
    c.blocks(O.adaptive_kernel, c.w, g, c.st["v"], decay=1.0, gain=1.0, lr=lr, eps=float(p["eps"]), inside=inside)
    if c.last and c.small:
        v = c.st["v"]
        c.out["v"] = v.copy()
        if p["lr_decay"]:
            c.out["eta_t"] = np.array([lr])
        c.out["eta_eff"] = O.effective_rate(lr, v, float(p["eps"]), inside)


METHOD = O.Method("adagrad", "AdaGrad", HISTORIES, _rules, _step, _numeric_step)


def _hyper(p):
    return [("eta0", p["lr"]), ("eps", p["eps"])] + ([("lr_decay", p["lr_decay"])] if p["lr_decay"] else [])


def solve(p, conv):
    d, rows, w, setup = O.solve_exact(p, conv, METHOD, _hyper(p))
    if w is not None:
        O.effective_rate_remark(d, p, rows, setup)
    return d


solve_numeric = O.numeric_solver(METHOD)


def generate(rng: np.random.Generator) -> dict:
    # well posed for any source: eps > 0 keeps the denominator positive even before a non-zero gradient
    return O.generate_instance(rng, lr=[0.1, 0.5, 1.0], eps=[1e-8, 1e-10])
