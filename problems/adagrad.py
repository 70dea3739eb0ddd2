"""AdaGrad: v_t = v_{t-1} + g_t^2, w_{t+1} = w_t - eta * g_t / (sqrt(v_t) with eps, inside or outside the root).

Exam question: "With AdaGrad, what are the accumulated v, the effective learning rate and the new
parameters after these steps?" and "why does the effective rate decay fast for a dense feature?"
The course notes, week 5, eq. (15). Their 'which one is better?' example takes a steep region with
v_t = 1.25 and eta0 = 0.6: by eq. (15) the effective rate is 0.6 / sqrt(1.25) = 0.5367, while the notes
divide by v_t itself and write 0.48.

Conventions: epsilon inside the square root (the course notes and the introductory slides: sqrt(v + eps)) or outside (torch:
sqrt(v) + eps). torch's `lr_decay` divides eta by 1 + (t - 1) lr_decay, and its
`initial_accumulator_value` is the history v0.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from problems import _optim as O
from problems._optim.conventions import eps_placement
from solver.params import Param, Real
from solver.registry import Example
from solver.symbolic import sym

TITLE = "AdaGrad optimizer steps"
TOPIC = "optimizers"
KEYWORDS = ("adagrad", "ada grad", "adaptive gradient", "accumulated squared gradients", "effective learning rate",
            "sparse features", "sum of squared gradients")

LR_DECAY = sym("lr_decay", r"\kappa")
ETA0 = sym("eta0", r"\eta_{0}")
# ---- the rules, written once (the sum of squares is the shared accumulation rule with decay 1) ------------
with sp.evaluate(False):
    V_RULE = O.moving_average(O.V_PREV, O.G ** 2, 1, gain=1)              # the course notes' eq. (15)
    ETA_DECAY = ETA0 / (1 + (O.T - 1) * LR_DECAY)                        # torch's lr_decay
RATE = O.rate_rules(O.ETA_T, O.V)                                        # eta_t / sqrt(v + eps), or sqrt(v) + eps
UPDATE = O.UPDATE_ADAPTIVE

CONVENTIONS = (eps_placement("w ← w − η g / √(v + ε)", "w ← w − η g / (√v + ε)"),)

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
    source="the course notes, week 5 ('which one is better?'): the effective learning rate in a steep region, "
           "v_t = 1.25, eta0 = 0.6",
)
ERRATA = O.effective_rate_errata("steep", "1.25", (("0.6", "0.48"), ("0.1", "0.08")),
                                 {"grads": "[0.5]", "v0": "1", "lr_decay": "0", "weight_decay": "0"})

HISTORIES = (("v", "v0"),)
validate = O.validator("adagrad", HISTORIES, long_runs=True)
use_numeric = O.use_numeric


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
    v = O.accumulate(s, "Accumulate g^2", "v", V_RULE, {O.G: g})
    eta_t = p["lr"]
    if p["lr_decay"]:
        eta_t = s.compute("Decayed base rate", O.ETA_T, ETA_DECAY, {ETA0: p["lr"], O.T: s.t, LR_DECAY: p["lr_decay"]},
                          key="eta_t")
    eta = s.compute("Effective learning rate", O.ETA_EFF, RATE[conv["eps_placement"]], {O.ETA_T: eta_t, O.V: v, O.EPS: p["eps"]},
                    key="eta_eff")
    s.update("Update", UPDATE, {O.W: s.w, O.ETA_EFF: eta, O.G: g})


def _numeric_step(c: O.NumCtx) -> None:
    p = c.p
    lr = c.h["lr"] / (1.0 + (c.t - 1) * c.h["lr_decay"])
    inside = c.conv["eps_placement"] == "inside"
    g = c.grad(c.w)
    if c.jit is not None:   # a large vector: one compiled loop per step (the same operations as adaptive_kernel)
        c.fused(c.jit.adaptive_step, (c.w, g, c.st["v"]), 1.0, 1.0, lr, c.h["eps"], inside)
    else:
        c.blocks(O.adaptive_kernel, c.w, g, c.st["v"], decay=1.0, gain=1.0, lr=lr, eps=c.h["eps"], inside=inside)
    if c.last and c.small:
        v = c.st["v"]
        c.out["v"] = v.copy()
        if p["lr_decay"]:
            c.out["eta_t"] = np.array([lr])
        c.out["eta_eff"] = O.effective_rate(lr, v, c.h["eps"], inside)


def _hyper(p):
    return [("eta0", p["lr"]), ("eps", p["eps"])] + ([("lr_decay", p["lr_decay"])] if p["lr_decay"] else [])


def _loop(c: O.NumCtx, J, program, k: int) -> bool:
    """k steps as one compiled call (a long run: accel), with _numeric_step's decayed rate."""
    J.adaptive_loop(*program, c.w, c.st["v"], k, c.setup.t0, 1.0, 1.0, c.h["lr"], c.h["lr_decay"], c.h["eps"],
                    c.conv["eps_placement"] == "inside", c.wd)
    return True


METHOD = O.Method("adagrad", "AdaGrad", HISTORIES, _rules, _step, _numeric_step, hyper=_hyper, loop=_loop,
                  question="Give the accumulated v, the effective learning rate and the new parameters.")
statement = O.statement_for(METHOD)
solve = O.exact_solver(METHOD)
solve_numeric = O.numeric_solver(METHOD)


def generate(rng: np.random.Generator) -> dict:
    # well posed for any source: eps > 0 keeps the denominator positive even before a non-zero gradient
    return O.generate_instance(rng, lr=[0.1, 0.5, 1.0], eps=[1e-8, 1e-10])
