"""AdaDelta: dw_t = -sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g_t, with v and u moving averages of g^2 and dw^2.

Exam question: "With AdaDelta, what are v, the step dw, the new history u and the new parameters?"
The course notes, week 5, eq. (17): v_t = beta v_{t-1} + (1 - beta) g_t^2; dw_t = -sqrt(u_{t-1} + eps) /
sqrt(v_t + eps) g_t; w_{t+1} = w_t + dw_t; u_t = beta u_{t-1} + (1 - beta) dw_t^2. The numerator
replaces the learning rate by a running size of the past steps, so the effective rate rises in flat
regions. The notes give no numbers; the example runs the update on the sigmoid neuron of their week 4
exam problem (Nesterov momentum).

Conventions: none to choose: the notes and torch agree (eps inside both roots; u is updated with the
step before any learning rate). torch's `lr` (default 1.0, the notes' form) multiplies dw in the update
only. `u0` and `v0` are the histories.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from problems import _optim as O
from solver.params import Param, Real
from solver.registry import Example
from solver.symbolic import sym

TITLE = "AdaDelta optimizer steps"
TOPIC = "optimizers"
KEYWORDS = ("adadelta", "ada delta", "adaptive delta", "running average of updates", "rho", "no learning rate",
            "squared updates")

DW = sym("dw_t", r"\Delta w_{t}")
# ---- the rules, written once (both averages on the shared moving-average rule) ----------------------------
with sp.evaluate(False):
    V_RULE = O.moving_average(O.V_PREV, O.G ** 2, O.BETA)
    ETA_RULE = sp.sqrt(O.U_PREV + O.EPS) / sp.sqrt(O.V + O.EPS)
    DW_RULE = sp.Mul(-1, O.ETA_EFF, O.G, evaluate=False)
    U_RULE = O.moving_average(O.U_PREV, DW ** 2, O.BETA)
    UPDATE = O.W + O.ETA * DW

CONVENTIONS = ()

PARAMS = (
    Param("lr", Real(0, None, closed="neither"), default="1", label="Learning rate (torch)",
          help="multiplies the step in the update only; 1 is the notes' form and torch's default",
          aliases=("learning rate", "step size", "eta", "η", "lr")),
    Param("beta", Real(0, 1, closed="left"), default="0.9", label="Decay beta (torch's rho)",
          aliases=("rho", "ρ", "beta", "β", "decay", "decay rate", "decay constant", "gamma", "γ")),
    Param("eps", Real(0, None, closed="neither"), default="1e-6", label="Epsilon", help="torch's default 1e-6",
          aliases=O.EPS_ALIASES),
    O.history_param("v0", "the moving average of squared gradients v",
                    ("v", "v_0", "v0", "accumulated squared gradient", "average of squared gradients", "E[g^2]")),
    O.history_param("u0", "the moving average of squared steps u",
                    ("u", "u_0", "u0", "accumulated squared update", "average of squared updates", "E[dw^2]")),
) + O.source_params()

EXAMPLE = Example(
    params={"x": "0.5", "y": "1", "w0": "w=2.5, b=0", "steps": "2"},
    source="the course notes, week 5, eq. (17), on the sigmoid neuron of their week 4 exam problem (the notes give "
           "no AdaDelta numbers)",
)

HISTORIES = (("v", "v0"), ("u", "u0"))
validate = O.validator("adadelta", HISTORIES, long_runs=True)
use_numeric = O.use_numeric


def _rules(d, p, conv) -> None:
    d.formula("Moving average of g^2", O.V, V_RULE)
    d.formula("Effective learning rate", O.ETA_EFF, ETA_RULE,
              text="The size of the past steps (u of the previous step) replaces the learning rate.")
    d.formula("Step", DW, DW_RULE)
    d.formula("Moving average of the squared steps", O.U, U_RULE, text="Updated after the step, for the next one.")
    d.formula("Update", O.W_NEXT, UPDATE, text="" if p["lr"] != 1 else "With eta = 1 (the notes' form): w_{t+1} = w_t + dw_t.")


def _step(s: O.StepCtx) -> None:
    p = s.p
    g = s.gradient()
    v = O.accumulate(s, "Moving average of g^2", "v", V_RULE, {O.BETA: p["beta"], O.G: g})
    eta = s.compute("Effective learning rate", O.ETA_EFF, ETA_RULE, {O.U_PREV: s.prev["u"], O.V: v, O.EPS: p["eps"]},
                    key="eta_eff")
    dw = s.compute("Step", DW, DW_RULE, {O.ETA_EFF: eta, O.G: g}, key="dw")
    O.accumulate(s, "Moving average of dw^2", "u", U_RULE, {O.BETA: p["beta"], DW: dw})
    s.update("Update", UPDATE, {O.W: s.w, O.ETA: p["lr"], DW: dw})


def _kernel(w, g, v, u, scr, beta, eps, lr):
    t0, t1, _ = scr
    O.moving_average_(v, O.square_(g, t0), beta, 1.0 - beta, t0)
    np.add(u, eps, out=t0)          # torch: delta = sqrt(u + eps) / sqrt(v + eps) * g
    np.sqrt(t0, out=t0)
    np.add(v, eps, out=t1)
    np.sqrt(t1, out=t1)
    t0 /= t1
    t0 *= g
    O.moving_average_(u, O.square_(t0, t1), beta, 1.0 - beta, t1)
    if lr != 1.0:
        t0 *= lr
    w -= t0


def _numeric_step(c: O.NumCtx) -> None:
    eps = c.h["eps"]
    if c.last and c.small:
        u_prev = c.st["u"].copy()
    g = c.grad(c.w)
    if c.jit is not None:   # a large vector: one compiled loop per step (the same operations as _kernel)
        c.fused(c.jit.adadelta_step, (c.w, g, c.st["v"], c.st["u"]), c.h["beta"], eps, c.h["lr"])
    else:
        c.blocks(_kernel, c.w, g, c.st["v"], c.st["u"], beta=c.h["beta"], eps=eps, lr=c.h["lr"])
    if c.last and c.small:
        v = c.st["v"]
        eta = np.sqrt(u_prev + eps) / np.sqrt(v + eps)
        c.out.update(v=v.copy(), eta_eff=eta, dw=-eta * g, u=c.st["u"].copy())


def _hyper(p):
    return [("beta", p["beta"]), ("eps", p["eps"])] + ([("eta", p["lr"])] if p["lr"] != 1 else [])


def _loop(c: O.NumCtx, J, program, k: int) -> bool:
    """k steps as one compiled call (a long run: accel)."""
    J.adadelta_loop(*program, c.w, c.st["v"], c.st["u"], k, c.h["beta"], c.h["eps"], c.h["lr"], c.wd)
    return True


METHOD = O.Method("adadelta", "AdaDelta", HISTORIES, _rules, _step, _numeric_step, hyper=_hyper, loop=_loop,
                  question="Give v, the step dw, the history u and the new parameters.")
statement = O.statement_for(METHOD)
solve = O.exact_solver(METHOD)
solve_numeric = O.numeric_solver(METHOD)


def generate(rng: np.random.Generator) -> dict:
    # well posed for any source: eps > 0 keeps both roots positive
    return O.generate_instance(rng, beta=[0.9, 0.95], eps=[1e-6, 1e-2])
