"""RMSProp: v_t = beta * v_{t-1} + (1 - beta) * g_t^2, w_{t+1} = w_t - eta / sqrt(v_t + eps) * g_t.

Exam question: "With RMSProp, what are v, the effective learning rate and the new parameters after these
steps?" The course notes, week 5, eq. (16). Their 'which one is better?' example takes a flat region with
v_t = 0.1 and eta0 = 0.6: by eq. (16) the effective rate is 0.6 / sqrt(0.1) = 1.897, while the notes
divide by v_t itself and write 6. (A fresh RMSProp with beta = 0.9 reaches v = 0.1 after one gradient
of 1.)

Conventions: epsilon inside the square root (the course notes and the introductory slides) or outside (torch: sqrt(v) + eps). No bias
correction (RMSProp has none; torch's `alpha` is beta).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from problems import _optim as O
from solver.conventions import EPS_PLACEMENT
from solver.params import Param, Real
from solver.registry import Example

TITLE = "RMSProp optimizer steps"
TOPIC = "optimizers"
KEYWORDS = ("rmsprop", "rms prop", "root mean square propagation", "moving average of squared gradients",
            "effective learning rate", "hinton")

# ---- the rules, written once (v on the shared moving-average rule) ----------------------------------------
with sp.evaluate(False):
    V_RULE = O.moving_average(O.V_PREV, O.G ** 2, O.BETA)                 # the course notes' eq. (16)
RATE = O.rate_rules(O.ETA, O.V)                                          # eta / sqrt(v + eps), or sqrt(v) + eps
UPDATE = O.UPDATE_ADAPTIVE

CONVENTIONS = (EPS_PLACEMENT,)

PARAMS = (
    O.lr_param("0.01", "torch's default 0.01"),
    Param("beta", Real(0, 1, closed="left"), default="0.99", label="Decay beta (torch's alpha)",
          help="torch's default alpha = 0.99; Hinton's lecture uses 0.9",
          aliases=("beta", "β", "decay", "decay rate", "decay factor", "decay constant", "rho", "ρ", "alpha", "α",
                   "gamma", "γ", "smoothing constant", "forgetting factor", "moving average parameter")),
    Param("eps", Real(0, None), default="1e-8", label="Epsilon",
          aliases=O.EPS_ALIASES),
    O.history_param("v0", "the moving average of squared gradients v",
                    ("v", "v_0", "v0", "v_t", "E[g^2]", "moving average of squared gradients", "mean square", "history")),
) + O.source_params()

EXAMPLE = Example(
    params={"grads": "[1]", "beta": "0.9", "lr": "0.6"},
    source="the course notes, week 5 ('which one is better?'): the effective learning rate in a flat region, "
           "v_t = 0.1, eta0 = 0.6",
)
ERRATA = O.effective_rate_errata("flat", "0.1", (("0.6", "6"), ("0.1", "1")),
                                 {"grads": "[1]", "beta": "0.9", "v0": None, "weight_decay": "0"})

HISTORIES = (("v", "v0"),)
validate = O.validator("rmsprop", HISTORIES)
use_numeric = O.use_numeric


def _rules(d, p, conv) -> None:
    d.formula("Moving average of g^2", O.V, V_RULE,
              text="The shared exponential-moving-average rule: old squares fade by beta each step.")
    d.formula("Effective learning rate", O.ETA_EFF, RATE[conv["eps_placement"]])
    d.formula("Update", O.W_NEXT, UPDATE)


def _step(s: O.StepCtx) -> None:
    p = s.p
    g = s.gradient()
    v = O.accumulate(s, "Moving average of g^2", "v", V_RULE, {O.BETA: p["beta"], O.G: g})
    eta = s.compute("Effective learning rate", O.ETA_EFF, RATE[s.conv["eps_placement"]], {O.ETA: p["lr"], O.V: v, O.EPS: p["eps"]},
                    key="eta_eff")
    s.update("Update", UPDATE, {O.W: s.w, O.ETA_EFF: eta, O.G: g})


def _numeric_step(c: O.NumCtx) -> None:
    lr, eps = c.h["lr"], c.h["eps"]
    inside = c.conv["eps_placement"] == "inside"
    g = c.grad(c.w)
    beta = c.h["beta"]
    c.blocks(O.adaptive_kernel, c.w, g, c.st["v"], decay=beta, gain=1.0 - beta, lr=lr, eps=eps, inside=inside)
    if c.last and c.small:
        v = c.st["v"]
        c.out["v"] = v.copy()
        c.out["eta_eff"] = O.effective_rate(lr, v, eps, inside)


METHOD = O.Method("rmsprop", "RMSProp", HISTORIES, _rules, _step, _numeric_step,
                  question="Give v, the effective learning rate and the new parameters.",
                  hyper=lambda p: [("eta", p["lr"]), ("beta", p["beta"]), ("eps", p["eps"])])
statement = O.statement_for(METHOD)
solve = O.exact_solver(METHOD)
solve_numeric = O.numeric_solver(METHOD)


def generate(rng: np.random.Generator) -> dict:
    # well posed for any source: eps > 0 keeps the denominator positive
    return O.generate_instance(rng, lr=[0.01, 0.1, 0.5], beta=[0.9, 0.99])
