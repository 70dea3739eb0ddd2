"""RMSProp: v_t = beta * v_{t-1} + (1 - beta) * g_t^2, w_{t+1} = w_t - eta * g_t / (sqrt(v_t) with eps).

Exam question: "With RMSProp, what are v, the effective learning rate and the new parameters after these
steps?" The course notes, week 5, eq. (16). Their 'which one is better?' example takes a flat region with
v_t = 0.1 and eta0 = 0.6: by eq. (16) the effective rate is 0.6 / sqrt(0.1) = 1.897, while the notes
divide by v_t itself and write 6. (A fresh RMSProp with beta = 0.9 reaches v = 0.1 after one gradient
of 1.)

Conventions: epsilon inside the square root (the course notes and the introductory slides) or outside (torch:
sqrt(v) + eps). No bias correction (RMSProp has none; torch's `alpha` is beta). torch's `centered` RMSProp
also averages the gradient, g_bar_t = beta g_bar_{t-1} + (1 - beta) g_t, and divides by sqrt(v_t - g_bar_t^2)
(an estimate of the gradient's variance); torch's `momentum` keeps a buffer b_t = mu b_{t-1} + g_t / denominator
and steps w_{t+1} = w_t - eta b_t.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from problems import _optim as O
from problems._optim.conventions import eps_placement
from solver.params import Bool, Param, Real
from solver.registry import Example
from solver.richtext import Rich
from solver.symbolic import sym

TITLE = "RMSProp optimizer steps"
TOPIC = "optimizers"
KEYWORDS = ("rmsprop", "rms prop", "root mean square propagation", "moving average of squared gradients",
            "effective learning rate", "hinton")

G_AVG_PREV, G_AVG = sym("g_bar_(t-1)", r"\bar{g}_{t-1}"), sym("g_bar_t", r"\bar{g}_{t}")
B_PREV, B = sym("b_(t-1)", "b_{t-1}"), sym("b_t", "b_{t}")
MU = sym("mu", r"\mu")
# ---- the rules, written once (v and the centred g_bar on the shared moving-average rule) ---------------------------
with sp.evaluate(False):
    V_RULE = O.moving_average(O.V_PREV, O.G ** 2, O.BETA)                 # the course notes' eq. (16)
    G_AVG_RULE = O.moving_average(G_AVG_PREV, O.G, O.BETA)               # torch's centered: the average gradient
    VARIANCE = O.V - G_AVG ** 2
RATE = O.rate_rules(O.ETA, O.V)                                          # eta / sqrt(v + eps), or sqrt(v) + eps
RATE_CENTERED = O.rate_rules(O.ETA, VARIANCE)                            # eta / sqrt(v - g_bar^2 + eps), ...
with sp.evaluate(False):   # torch's buffer: b_t = mu b_{t-1} + g_t / denominator
    B_RULE = {k: O.moving_average(B_PREV, O.G * r, MU, gain=1) for k, r in O.rate_rules(sp.Integer(1), O.V).items()}
    B_RULE_CENTERED = {k: O.moving_average(B_PREV, O.G * r, MU, gain=1)
                       for k, r in O.rate_rules(sp.Integer(1), VARIANCE).items()}
    UPDATE_MOMENTUM = O.W - O.ETA * B
UPDATE = O.UPDATE_ADAPTIVE

CONVENTIONS = (eps_placement("w ← w − η g / √(v + ε)", "w ← w − η g / (√v + ε)"),)

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
    Param("centered", Bool(), default="false", label="Centered (torch)",
          help="torch's centered RMSProp: also average the gradient and divide by sqrt(v - g_bar^2), its variance",
          cues={"true": ("centered rmsprop", "centred rmsprop", "centered", "centred", "centered=true"),
                "false": ("not centered", "uncentered", "centered=false")}),
    Param("momentum", Real(0, 1, closed="left"), default="0", label="Momentum mu (torch)",
          help="torch's RMSProp momentum: b = mu b + g / denominator, w -= eta b (0: none)",
          aliases=("momentum", "momentum coefficient", "momentum term", "mu", "μ")),
) + O.source_params()

EXAMPLE = Example(
    params={"grads": "[1]", "beta": "0.9", "lr": "0.6"},
    source="the course notes, week 5 ('which one is better?'): the effective learning rate in a flat region, "
           "v_t = 0.1, eta0 = 0.6",
)
ERRATA = O.effective_rate_errata("flat", "0.1", (("0.6", "6"), ("0.1", "1")),
                                 {"grads": "[1]", "beta": "0.9", "v0": None, "weight_decay": "0"})

HISTORIES = (("v", "v0"),)
validate = O.validator("rmsprop", HISTORIES, long_runs=lambda p: _long_runs(p))   # defined below
use_numeric = O.use_numeric


def _rate(p, conv):
    return (RATE_CENTERED if p["centered"] else RATE)[conv["eps_placement"]]


def _rules(d, p, conv) -> None:
    d.formula("Moving average of g^2", O.V, V_RULE,
              text="The shared exponential-moving-average rule: old squares fade by beta each step.")
    if p["centered"]:
        d.formula("Moving average of g (centered)", G_AVG, G_AVG_RULE,
                  text="torch's centered RMSProp divides by sqrt(v - g_bar^2), an estimate of the gradient's variance.")
    d.formula("Effective learning rate", O.ETA_EFF, _rate(p, conv))
    if p["momentum"]:
        d.formula("Momentum buffer (torch)", B, (B_RULE_CENTERED if p["centered"] else B_RULE)[conv["eps_placement"]],
                  text="The scaled gradient g / denominator accumulates with momentum mu.")
        d.formula("Update", O.W_NEXT, UPDATE_MOMENTUM)
    else:
        d.formula("Update", O.W_NEXT, UPDATE)


def _step(s: O.StepCtx) -> None:
    p, conv = s.p, s.conv
    g = s.gradient()
    v = O.accumulate(s, "Moving average of g^2", "v", V_RULE, {O.BETA: p["beta"], O.G: g})
    vals = {O.ETA: p["lr"], O.V: v, O.EPS: p["eps"], O.G: g}
    if p["centered"]:
        ga = s.compute("Moving average of g", G_AVG, G_AVG_RULE, {O.BETA: p["beta"], O.G: g, G_AVG_PREV: s.prev["g_avg"]},
                       key="g_avg")
        s.keep("g_avg", ga)
        vals[G_AVG] = ga
    eta = s.compute("Effective learning rate", O.ETA_EFF, _rate(p, conv), vals, key="eta_eff")
    if p["momentum"]:
        b = s.compute("Momentum buffer", B, (B_RULE_CENTERED if p["centered"] else B_RULE)[conv["eps_placement"]],
                      {**vals, MU: p["momentum"], B_PREV: s.prev["b"]}, key="b", param_shaped=True)
        s.keep("b", b)
        s.update("Update", UPDATE_MOMENTUM, {O.W: s.w, O.ETA: p["lr"], B: b})
    else:
        s.update("Update", UPDATE, {O.W: s.w, O.ETA_EFF: eta, O.G: g})


def _kernel(w, g, v, ga, b, scr, beta, lr, eps, inside, centered, mu):
    """torch's RMSProp in place on one block, centered and with momentum (ga, b: their buffers)."""
    t0, t1, _ = scr
    O.moving_average_(v, O.square_(g, t0), beta, 1.0 - beta, t0)
    if centered:
        O.moving_average_(ga, g, beta, 1.0 - beta, t0)
        np.multiply(ga, ga, out=t1)
        np.subtract(v, t1, out=t1)
        O.rate_denominator_(t1, eps, inside, t0)
    else:
        O.rate_denominator_(v, eps, inside, t0)
    np.divide(g, t0, out=t0)
    if mu:
        b *= mu
        b += t0
        np.multiply(b, lr, out=t0)
    else:
        t0 *= lr
    w -= t0


def _numeric_step(c: O.NumCtx) -> None:
    p = c.p
    lr, eps = c.h["lr"], c.h["eps"]
    inside = c.conv["eps_placement"] == "inside"
    g = c.grad(c.w)
    beta, mu = c.h["beta"], c.h["momentum"]
    if p["centered"] or mu:
        ga = c.st.setdefault("g_avg", np.zeros(c.n))
        b = c.st.setdefault("b", np.zeros(c.n))
        c.blocks(_kernel, c.w, g, c.st["v"], ga, b, beta=beta, lr=lr, eps=eps, inside=inside,
                 centered=bool(p["centered"]), mu=mu)
    else:
        if c.jit is not None:   # a large vector: one compiled loop per step (the same operations)
            c.fused(c.jit.adaptive_step, (c.w, g, c.st["v"]), beta, 1.0 - beta, lr, eps, inside)
        else:
            c.blocks(O.adaptive_kernel, c.w, g, c.st["v"], decay=beta, gain=1.0 - beta, lr=lr, eps=eps, inside=inside)
    if c.last and c.small:
        v = c.st["v"]
        c.out["v"] = v.copy()
        var = v - c.st["g_avg"] ** 2 if p["centered"] else v
        if p["centered"]:
            c.out["g_avg"] = c.st["g_avg"].copy()
        if mu:
            c.out["b"] = c.st["b"].copy()
        c.out["eta_eff"] = O.effective_rate(lr, var, eps, inside)


def _histories(p):
    return HISTORIES + ((("g_avg", "g_avg0"),) if p["centered"] else ()) + ((("b", "b0"),) if p["momentum"] else ())


def _question(p, conv) -> Rich:
    return Rich("Give ", O.V_, *((", the average gradient ", G_AVG_) if p["centered"] else ()),
                ", the effective learning rate", *((", the momentum buffer ", B_) if p["momentum"] else ()),
                " and the new parameters.")


G_AVG_, B_ = sym("g_bar", r"\bar{g}"), sym("b")


def _hyper(p):
    return [("eta", p["lr"]), ("beta", p["beta"]), ("eps", p["eps"])] + ([("mu", p["momentum"])] if p["momentum"] else [])


def _loop(c: O.NumCtx, J, program, k: int) -> bool:
    """k steps as one compiled call (a long run: accel); plain RMSProp only (centered or with momentum: step by
    step)."""
    if c.p["centered"] or c.h["momentum"]:
        return False
    beta = c.h["beta"]
    J.adaptive_loop(*program, c.w, c.st["v"], k, c.setup.t0, beta, 1.0 - beta, c.h["lr"], 0.0, c.h["eps"],
                    c.conv["eps_placement"] == "inside", c.wd)
    return True


def _long_runs(p) -> str:
    return "centered RMSProp and RMSProp with momentum run step by step" if p["centered"] or p["momentum"] else ""


def _method(p) -> O.Method:
    return O.Method("rmsprop", "Centered RMSProp" if p["centered"] else "RMSProp", _histories(p), _rules, _step,
                    _numeric_step, question=_question, hyper=_hyper, loop=_loop)


def statement(p, conv=None) -> Rich:
    return O.statement(p, _method(p), conv)


def solve(p, conv):
    return O.solve_exact(p, conv, _method(p))[0]


def solve_numeric(p, conv):
    return O.solve_numeric(p, conv, _method(p))


def generate(rng: np.random.Generator) -> dict:
    # well posed for any source: eps > 0 keeps the denominator positive
    return O.generate_instance(rng, lr=[0.01, 0.1, 0.5], beta=[0.9, 0.99])
