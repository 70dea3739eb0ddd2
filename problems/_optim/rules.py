"""The shared rules of the optimizers, written once in SymPy: the symbols, the one moving-average step, and the
formulas and per-step rules several families build on.

- `moving_average(prev, new, decay, gain)`: the one accumulation rule `decay * prev + gain * new`. With gain =
  1 - decay it is the exponential moving average of RMSProp, Adam, AdaDelta and NAdam; with gain = 1 it is the
  momentum history (u = beta u + g) and, with decay = 1 too, AdaGrad's sum. Its in-place NumPy twin is
  `kernels.moving_average_`.
- the momentum/NAG history and update (learning rate outside or inside the history), Adam's two moments and
  their bias corrections (also AdaMax's and NAdam's), the effective rate with eps inside or outside the root
  (`rate_rules`), torch's coupled weight decay (`G_DECAY`);
- `accumulate(s, title, key, rule, values)`: the one moving-average *step* on the exact step context: the
  history `key` (u, m or v) by its rule, recorded in the trace and kept for the next step. Every family's
  history is this step: momentum's and NAG's u, AdaGrad's and RMSProp's v, AdaDelta's v and u, the moments
  of Adam, AdaMax and NAdam (`first_moment`, `second_moment`); `moment_rules` shows their rules once.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy as sp

from solver.symbolic import Derivation, sym

if TYPE_CHECKING:  # annotations only: the step contexts import this module
    from .exact import StepCtx

# ---- symbols shared by the optimizer formulas ---------------------------------------------------------
G = sym("g_t", "g_{t}")
G_RAW = sym("grad_t", r"\nabla L(w_{t})")
W = sym("w_t", "w_{t}")
W_NEXT = sym("w_(t+1)", "w_{t+1}")
ETA = sym("eta", r"\eta")
ETA_T = sym("eta_t", r"\eta_{t}")
EPS = sym("eps", r"\epsilon")
T = sym("t")
BETA = sym("beta", r"\beta")
BETA1 = sym("beta1", r"\beta_{1}")
BETA2 = sym("beta2", r"\beta_{2}")
LAMBDA = sym("weight_decay", r"\lambda")
U_PREV, U = sym("u_(t-1)", "u_{t-1}"), sym("u_t", "u_{t}")
M_PREV, M = sym("m_(t-1)", "m_{t-1}"), sym("m_t", "m_{t}")
V_PREV, V = sym("v_(t-1)", "v_{t-1}"), sym("v_t", "v_{t}")
M_HAT, V_HAT = sym("m_hat_t", r"\hat{m}_{t}"), sym("v_hat_t", r"\hat{v}_{t}")
LOOK = sym("w_look", r"\tilde{w}_{t}")
ETA_EFF = sym("eta_eff", r"\eta^{\mathrm{eff}}_{t}")
W_DECAYED = sym("w'_t", r"w'_{t}")
# the same quantities without the step index, as questions name them in prose ("give m, v, m̂ and v̂")
M_, V_, U_ = sym("m"), sym("v"), sym("u")
M_HAT_, V_HAT_ = sym("m_hat", r"\hat{m}"), sym("v_hat", r"\hat{v}")


def moving_average(prev: sp.Expr, new: sp.Expr, decay: sp.Expr, gain: sp.Expr | None = None) -> sp.Expr:
    """The one accumulation rule, as written: decay * prev + gain * new (gain defaults to 1 - decay: an EMA)."""
    with sp.evaluate(False):
        if gain is None:
            gain = 1 - decay
        term = new if gain == 1 else gain * new
        if decay == 1:
            return prev + term
        return decay * prev + term


with sp.evaluate(False):
    G_DECAY = G_RAW + LAMBDA * W                               # torch's (coupled) weight decay
    DECOUPLED = W - ETA * LAMBDA * W                           # torch's AdamW: w <- w - lr wd w before the step

# momentum and NAG: the history u and the update, with the learning rate outside (the course notes) or inside (Sutskever)
U_PLAIN = moving_average(U_PREV, G, BETA, gain=1)                     # the course notes' eq. (13): u_t = beta u_{t-1} + g_t
with sp.evaluate(False):
    U_ETA_INSIDE = moving_average(U_PREV, ETA * G, BETA, gain=1)      # u_t = beta u_{t-1} + eta g_t
    UPDATE_ETA_OUTSIDE = W - ETA * U                                   # w_{t+1} = w_t - eta u_t
    UPDATE_ETA_INSIDE = W - U                                          # w_{t+1} = w_t - u_t

# Adam, AdaMax, NAdam: the two moments and their bias correction (the course notes' eqs. 18, 19, 21)
ADAM_M_RULE = moving_average(M_PREV, G, BETA1)
with sp.evaluate(False):
    ADAM_V_RULE = moving_average(V_PREV, G ** 2, BETA2)
    M_HAT_RULE = M / (1 - BETA1 ** T)
    V_HAT_RULE = V / (1 - BETA2 ** T)
    UPDATE_ADAPTIVE = W - ETA_EFF * G                                  # AdaGrad, RMSProp: w_{t+1} = w_t - eta_eff g_t


def rate_rules(eta: sp.Symbol, v: sp.Symbol) -> dict[str, sp.Expr]:
    """The effective learning rate eta / sqrt(v + eps) (eps inside the root) or eta / (sqrt(v) + eps) (outside),
    by the EPS_PLACEMENT convention's choices."""
    with sp.evaluate(False):
        return {"inside": eta / sp.sqrt(v + EPS), "outside": eta / (sp.sqrt(v) + EPS)}


ADAM_RATE = rate_rules(ETA, V_HAT)                                     # Adam and NAdam: eta / sqrt(v_hat + eps)


#: The histories by trace key: (previous value, new value) symbols.
HISTORY = {"u": (U_PREV, U), "m": (M_PREV, M), "v": (V_PREV, V)}


def accumulate(s: "StepCtx", title: str, key: str, rule: sp.Expr, values: dict) -> Any:
    """One moving-average step of the history `key`: `rule` (written with the previous value, e.g. u_(t-1)) at
    `values` and the previous step's value; recorded in the trace row and kept for the next step."""
    prev, new = HISTORY[key]
    out = s.compute(title, new, rule, {**values, prev: s.prev[key]}, key=key)
    s.keep(key, out)
    return out


def moment_rules(d: Derivation, second: bool = True) -> None:
    """The rules of the first (and second) moment, shown once."""
    d.formula("First moment (moving average of g)", M, ADAM_M_RULE)
    if second:
        d.formula("Second moment (moving average of g^2)", V, ADAM_V_RULE)


def first_moment(s: "StepCtx", g) -> Any:
    return accumulate(s, "First moment", "m", ADAM_M_RULE, {BETA1: s.p["beta1"], G: g})


def second_moment(s: "StepCtx", g) -> Any:
    return accumulate(s, "Second moment", "v", ADAM_V_RULE, {BETA2: s.p["beta2"], G: g})


def bias_corrected_m(s: "StepCtx", m) -> Any:
    return s.compute(f"Bias-corrected m (t = {s.t})", M_HAT, M_HAT_RULE, {M: m, BETA1: s.p["beta1"], T: s.t}, key="m_hat")


def decoupled_decay(p, conv) -> bool:
    """Decoupled weight decay (the weight_decay_form convention's `decoupled`, torch's AdamW) is in effect."""
    return p.get("weight_decay", 0) != 0 and conv.get("weight_decay_form", "l2") == "decoupled"


def decoupled_rule(d: Derivation) -> None:
    d.formula("Decoupled weight decay (AdamW)", W_DECAYED, DECOUPLED,
              text="The weights shrink by the factor 1 - eta lambda before the step; the moments use the plain "
                   "gradient (torch.optim.AdamW; Loshchilov & Hutter 2019).")


def decoupled_step(s: "StepCtx") -> Any:
    """The parameters the update starts from: w_t, or w_t shrunk by decoupled weight decay (a step of its own)."""
    if not decoupled_decay(s.p, s.conv):
        return s.w
    return tuple(s.compute("Decoupled weight decay", W_DECAYED, DECOUPLED,
                           {W: tuple(s.w), ETA: s.p["lr"], LAMBDA: s.p["weight_decay"]}, param_shaped=True))
