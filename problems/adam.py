"""Adam: moving averages m of g and v of g^2, bias-corrected m_hat and v_hat, w -= eta * m_hat / (sqrt(v_hat) with eps).

Exam question: "Carry out these Adam steps: what are m, v, m_hat, v_hat, the effective learning rate and
the new parameters?" The course notes' bias-correction example (week 5): gradient 1, then 0, with
beta2 = 0.999 and eta = 1: v_1 = 0.001, v_hat_1 = 1; v_2 = 0.000999, v_hat_2 = 0.49975, effective rate
1/sqrt(v_hat) = 1.4146, i.e. the step grows when a zero gradient arrives.

Conventions: epsilon inside the square root (the course notes and the introductory slides: sqrt(v_hat + eps)),
outside (torch, the handwritten notes and the end-term assignment: sqrt(v_hat) + eps), or Keras's "epsilon hat"
(eps added to sqrt(v) before the bias correction: eta_t = eta sqrt(1 - beta2^t) / (1 - beta1^t),
w -= eta_t m / (sqrt(v) + eps)); bias correction on (t counted from 1: the course notes count from 0 and write
1 - beta^(t+1), the same numbers; the end-term assignment drops the exponent t, which is wrong) or off; weight
decay added to the gradient (torch's Adam, L2) or decoupled (torch's AdamW: w -= eta wd w before the step).
`amsgrad` keeps the running maximum of v and bias-corrects it (torch's AMSGrad). With a history (m0, v0)
give `t0` (the steps already taken) or `t` (the current step), so the bias correction continues from there.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from problems import _optim as O
from problems._optim.conventions import ADAM_EPS, WEIGHT_DECAY_FORM, bias_correction
from solver.errata import Erratum
from solver.params import Bool, Param
from solver.registry import Example
from solver.richtext import Rich
from solver.symbolic import sym

TITLE = "Adam optimizer steps"
TOPIC = "optimizers"
KEYWORDS = ("adam", "adaptive moment estimation", "bias correction", "m_hat", "v_hat", "amsgrad",
            "first moment", "second moment", "bias-corrected", "adamw", "adam w", "decoupled weight decay")

V_MAX_PREV, V_MAX = sym("v_max_(t-1)", r"v^{\max}_{t-1}"), sym("v_max_t", r"v^{\max}_{t}")
# ---- the rules, written once (both moments on the shared moving-average rule) ------------------------
M_RULE, V_RULE = O.ADAM_M_RULE, O.ADAM_V_RULE                # the course notes' eq. (18)
M_HAT_RULE, V_HAT_RULE = O.M_HAT_RULE, O.V_HAT_RULE
RATE = O.ADAM_RATE                                           # eta / sqrt(v_hat + eps) (the notes), or sqrt(v_hat) + eps (torch)
EPS_HAT = sym("eps_hat", r"\hat{\epsilon}")
with sp.evaluate(False):
    V_MAX_RULE = sp.Max(V_MAX_PREV, O.V, evaluate=False)
    V_HAT_AMS = V_MAX / (1 - O.BETA2 ** O.T)
    UPDATE = O.W - O.ETA_EFF * O.M_HAT
    # Keras / TensorFlow ("epsilon hat"): the bias correction folded into the step size, eps added to sqrt(v)
    ETA_KERAS = O.ETA * sp.sqrt(1 - O.BETA2 ** O.T) / (1 - O.BETA1 ** O.T)
    UPDATE_KERAS = O.W - O.ETA_T * O.M / (sp.sqrt(O.V) + EPS_HAT)
    UPDATE_KERAS_AMS = O.W - O.ETA_T * O.M / (sp.sqrt(V_MAX) + EPS_HAT)

CONVENTIONS = (ADAM_EPS, bias_correction("m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)"), WEIGHT_DECAY_FORM)

PARAMS = O.adam_params("0.001") + (
    Param("amsgrad", Bool(), default="false", label="AMSGrad", help="use the running maximum of v (torch's amsgrad)",
          cues={"true": ("amsgrad", "ams grad"), "false": ("without amsgrad", "no amsgrad")}),
) + O.moment_histories() + O.source_params()

EXAMPLE = Example(
    params={"grads": "[1, 0]", "beta2": "0.999", "lr": "1"},
    source="the course notes, week 5: v_hat and the effective learning rate after a zero gradient",
)


def _one_parameter_two_steps(p) -> bool:
    return (p["source"] in ("auto", "grads") and p["steps"] in (None, 2)
            and (p["w0"] is None or (not isinstance(p["w0"], np.ndarray) and len(p["w0"]) == 1)))


ERRATA = tuple(  # the notes' v_hat exists with either epsilon placement that corrects v (not Keras's epsilon hat)
    Erratum(
        where="the course notes, week 5 (Adam: the learning rate after a zero gradient)",
        params={"grads": "[1, 0]", "beta2": "0.999", "lr": "1", "t0": "0", "v0": None, "amsgrad": "false",
                "weight_decay": "0"},
        conventions={"bias_correction": "on", "eps_placement": placement}, also=_one_parameter_two_steps,
        wrote="v_hat = 0.499 and an effective rate of 1.41 after the zero gradient, counting t from 0 and correcting "
              "with 1 - beta2^(t+1)",
        right="v_hat is {v_hat} here (0.499 truncates 0.49975, which rounds to 0.4997, or to 0.500 with three "
              "decimals), and the effective rate is {eta_eff}: after a zero gradient the step grows, which is what "
              "the example shows",
        why="the notes' divisors 1 - 0.999 and 1 - 0.999^2 at their t = 0 and 1 are the ones of t = 1 and 2 here "
            "(their eq. 18 writes 1 - beta^t, which would divide by zero at t = 0); the notes ignore eps, and with "
            "eps = 1e-8 the digits shown do not change",
    )
    for placement in ("inside", "outside")
)

HISTORIES = (("m", "m0"), ("v", "v0"))
validate = O.validator("adam", HISTORIES, long_runs=True)
use_numeric = O.use_numeric


def _keras(conv) -> bool:
    return conv["eps_placement"] == "keras"


def _rules(d, p, conv) -> None:
    O.moment_rules(d)
    if p["amsgrad"]:
        d.formula("AMSGrad: running maximum of v", V_MAX, V_MAX_RULE)
    if O.decoupled_decay(p, conv):
        O.decoupled_rule(d)
    if _keras(conv):
        if conv["bias_correction"] == "on":
            d.formula("Step size with the bias correction folded in (Keras's epsilon hat)", O.ETA_T, ETA_KERAS,
                      text="Keras and TensorFlow correct the bias in the step size and add epsilon to sqrt(v) "
                           "itself, before the correction; the same as sqrt(v_hat) + eps / sqrt(1 - beta2^t).")
        else:
            d.note("No bias correction", "eta_t = eta: m and v are used as they are.")
        d.formula("Update", O.W_NEXT, UPDATE_KERAS_AMS if p["amsgrad"] else UPDATE_KERAS)
        return
    if conv["bias_correction"] == "on":
        d.formula("Bias correction of m", O.M_HAT, M_HAT_RULE,
                  text="Both averages start at 0, so early values are too small; dividing by 1 - beta^t undoes that.")
        d.formula("Bias correction of v", O.V_HAT, V_HAT_AMS if p["amsgrad"] else V_HAT_RULE)
    else:
        d.note("No bias correction", "m_hat = m and v_hat = v" + (" (the running maximum)" if p["amsgrad"] else "")
               + ": the raw averages are used, so the first steps are much smaller.")
    d.formula("Effective learning rate", O.ETA_EFF, RATE[conv["eps_placement"]])
    d.formula("Update", O.W_NEXT, UPDATE)


def _step(s: O.StepCtx) -> None:
    p, conv = s.p, s.conv
    g = s.gradient()
    m, v = O.first_moment(s, g), O.second_moment(s, g)
    vv = v
    if p["amsgrad"]:
        vv = s.compute("Running maximum of v", V_MAX, V_MAX_RULE, {V_MAX_PREV: s.prev["v_max"], O.V: v}, key="v_max")
        s.keep("v_max", vv)
    w = O.decoupled_step(s)
    if _keras(conv):
        eta_t = p["lr"]
        if conv["bias_correction"] == "on":
            eta_t = s.compute(f"Step size (t = {s.t})", O.ETA_T, ETA_KERAS,
                              {O.ETA: p["lr"], O.BETA1: p["beta1"], O.BETA2: p["beta2"], O.T: s.t}, key="eta_t")
        s.update("Update", UPDATE_KERAS_AMS if p["amsgrad"] else UPDATE_KERAS,
                 {O.W: w, O.ETA_T: eta_t, O.M: m, O.V: v, V_MAX: vv, EPS_HAT: p["eps"]})
        return
    if conv["bias_correction"] == "on":
        m_hat = O.bias_corrected_m(s, m)
        v_hat = s.compute(f"Bias-corrected v (t = {s.t})", O.V_HAT, V_HAT_AMS if p["amsgrad"] else V_HAT_RULE,
                          {V_MAX: vv, O.V: vv, O.BETA2: p["beta2"], O.T: s.t}, key="v_hat")
    else:
        m_hat, v_hat = m, vv
    eta = s.compute("Effective learning rate", O.ETA_EFF, RATE[conv["eps_placement"]], {O.ETA: p["lr"], O.V_HAT: v_hat, O.EPS: p["eps"]},
                    key="eta_eff")
    s.update("Update", UPDATE, {O.W: w, O.ETA_EFF: eta, O.M_HAT: m_hat})


def _core(w, g, m, v, vmax, scr, b1, b2, step, bc2, eps, inside):
    t0 = scr[0]
    O.moments_(g, m, v, b1, b2, scr)
    vv = v
    if vmax is not None:
        np.maximum(vmax, v, out=vmax)
        vv = vmax
    # the bias correction of v is folded into eps and the step (Kingma & Ba's "efficient version"):
    # sqrt(v / bc2 + eps) = sqrt(v + eps bc2) / sqrt(bc2) and sqrt(v) / sqrt(bc2) + eps = (sqrt(v) + eps sqrt(bc2)) / sqrt(bc2);
    # `eps` arrives already scaled (eps bc2 inside, eps sqrt(bc2) outside, eps itself for Keras's epsilon hat)
    O.rate_denominator_(vv, eps, inside, t0)
    np.divide(m, t0, out=t0)
    t0 *= step
    w -= t0


def _kernel(w, g, m, v, scr, **kw):
    _core(w, g, m, v, None, scr, **kw)


def _kernel_ams(w, g, m, v, vmax, scr, **kw):
    _core(w, g, m, v, vmax, scr, **kw)


def scalars(b1: float, b2: float, lr: float, eps: float, t: int, on: bool, placement: str) -> tuple[float, float, float]:
    """(bc2, the step, the scaled eps) of one Adam step with the bias correction folded in: the kernel computes
    w -= step * m / (sqrt(v + eps') or sqrt(v) + eps')."""
    bc1 = 1.0 - b1 ** t if on else 1.0
    bc2 = 1.0 - b2 ** t if on else 1.0
    rb = math.sqrt(bc2)
    eps_ = eps * bc2 if placement == "inside" else (eps * rb if placement == "outside" else eps)
    return bc2, lr / bc1 * rb, eps_


_NONE = np.empty(0)   # no running maximum (amsgrad off)


def _numeric_step(c: O.NumCtx) -> None:
    p, conv = c.p, c.conv
    b1, b2, lr, eps = c.h["beta1"], c.h["beta2"], c.h["lr"], c.h["eps"]
    on = conv["bias_correction"] == "on"
    placement = conv["eps_placement"]
    bc2, step, eps_ = scalars(b1, b2, lr, eps, c.t, on, placement)
    g = c.grad(c.w)
    O.decoupled_numeric(c)
    if c.jit is not None:   # a large vector: one compiled loop per step (the same operations as _core)
        vmax = c.st["v_max"] if p["amsgrad"] else _NONE
        c.fused(c.jit.adam_step, (c.w, g, c.st["m"], c.st["v"], vmax), b1, b2, step, eps_, placement == "inside",
                bool(p["amsgrad"]))
    elif p["amsgrad"]:
        kw = dict(b1=b1, b2=b2, step=step, bc2=bc2, eps=eps_, inside=placement == "inside")
        c.blocks(_kernel_ams, c.w, g, c.st["m"], c.st["v"], c.st["v_max"], **kw)
    else:
        c.blocks(_kernel, c.w, g, c.st["m"], c.st["v"], b1=b1, b2=b2, step=step, bc2=bc2, eps=eps_,
                 inside=placement == "inside")
    if c.last and c.small:
        vv = c.st["v_max"] if p["amsgrad"] else c.st["v"]
        c.out.update(m=c.st["m"].copy(), v=c.st["v"].copy())
        if p["amsgrad"]:
            c.out["v_max"] = vv.copy()
        if placement == "keras":
            if on:
                c.out["eta_t"] = np.array([lr * math.sqrt(bc2) / (1.0 - b1 ** c.t)])
            return
        bc1 = 1.0 - b1 ** c.t if on else 1.0
        if on:
            c.out.update(m_hat=c.st["m"] / bc1, v_hat=vv / bc2)
        c.out["eta_eff"] = O.effective_rate(lr, vv / bc2, eps, placement == "inside")


def question(p, conv) -> Rich:
    """What the question asks, as the conventions compute it (no bias-corrected values without the correction)."""
    if _keras(conv):
        if conv["bias_correction"] == "on":
            return Rich("Give ", O.M_, ", ", O.V_, ", the step size ", O.ETA_T, " and the new parameters.")
        return Rich("Give ", O.M_, ", ", O.V_, " and the new parameters (no bias correction).")
    if conv["bias_correction"] == "on":
        return Rich("Give ", O.M_, ", ", O.V_, ", the bias-corrected ", O.M_HAT_, " and ", O.V_HAT_,
                    ", the effective learning rate and the new parameters.")
    return Rich("Give ", O.M_, ", ", O.V_, ", the effective learning rate and the new parameters (no bias correction).")


def _loop(c: O.NumCtx, J, program, k: int) -> bool:
    """k steps as one compiled call (a long run: accel), in _numeric_step's order with the same scalars."""
    p, conv = c.p, c.conv
    lr = c.h["lr"]
    dec = O.decoupled_decay(p, conv)
    vmax = c.st["v_max"] if p["amsgrad"] else _NONE
    J.adam_loop(*program, c.w, c.st["m"], c.st["v"], vmax, k, c.setup.t0, c.h["beta1"], c.h["beta2"], lr, c.h["eps"],
                ("inside", "outside", "keras").index(conv["eps_placement"]), conv["bias_correction"] == "on",
                bool(p["amsgrad"]), c.wd, dec, 1.0 - lr * c.h["weight_decay"] if dec else 1.0)
    return True


METHOD = O.Method("adam", "Adam", HISTORIES, _rules, _step, _numeric_step, hyper=O.adam_hyper, question=question,
                  loop=_loop)
AMS_METHOD = O.Method("adam", "Adam with AMSGrad", HISTORIES + (("v_max", "v0"),), _rules, _step, _numeric_step,
                      hyper=O.adam_hyper, question=question, loop=_loop)


def _method(p):
    return AMS_METHOD if p["amsgrad"] else METHOD


def statement(p, conv=None) -> Rich:
    return O.statement(p, _method(p), conv)


def solve(p, conv):
    d, rows, w, setup = O.solve_exact(p, conv, _method(p))
    if w is None:
        return d
    if (p["m0"] is not None or p["v0"] is not None) and setup.t0 == 0 and conv["bias_correction"] == "on":
        d.note("A history with t0 = 0", "A history m0/v0 was given but no steps already taken (t0 = 0), so the bias "
                                        "correction starts again at t = 1. If the history comes from earlier steps, "
                                        "give their number as t0.")
    return d


def solve_numeric(p, conv):
    return O.solve_numeric(p, conv, _method(p))


def generate(rng: np.random.Generator) -> dict:
    # well posed for any source: eps > 0 keeps every denominator positive
    return O.generate_instance(rng, lr=[0.1, 0.01, 0.5], beta1=[0.9, 0.8], beta2=[0.999, 0.99])
