"""Momentum: a history u_t = beta * u_{t-1} + g_t of past gradients (or a velocity, or an average), w_{t+1} = w_t - eta * u_t.

Exam question: "With momentum beta and learning rate eta, starting from history u (or none), what are the
history and the parameters after these steps?" and "write u_t (or v_4) as a sum of the past gradients".
The course notes, week 4, eqs. (12)-(13): u_t = sum_i beta^(t-i) g_i. The handwritten course notes write
the velocity form v <- alpha v - eps g and unroll v_4 = -(alpha^3 g1 + alpha^2 g2 + alpha g3 + g4),
dropping the learning rate eps; the example reproduces v_4 with it.

Conventions: the form of the history (`momentum_form`): the notes' u without the learning rate (torch's
momentum buffer, same numbers), or the velocity form with the learning rate inside (the handwritten
notes, the introductory slides and the optimization notes: V_t = gamma V_{t-1} + alpha g, theta -= V_t;
some write V with the opposite sign, V = -u), or the exponential-average form u_t = beta u_{t-1} + (1 - beta) g_t
(Andrew Ng's course: the history is an average of the gradients, so the steps are 1 - beta times smaller). For a
constant learning rate the first two give the same parameters; the histories differ by the factor eta, which
matters when a history value is given. `dampening` is
torch's: the gradient enters with weight (1 - dampening), except on a first step without history, where
torch starts the buffer at g_1; with beta = 0 torch keeps no buffer and ignores dampening (plain gradient
descent), and so does this family.
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from problems import _optim as O
from solver import format as F
from solver.conventions import Convention
from solver.errata import Erratum
from solver.params import Param, Real
from solver.registry import Example
from solver.symbolic import sym

TITLE = "Momentum gradient descent"
TOPIC = "optimizers"
KEYWORDS = ("momentum", "heavy ball", "velocity", "mgd", "exponentially weighted gradients", "dampening",
            "momentum gradient descent", "gradient descent with momentum", "classical momentum", "polyak",
            "sgd with momentum", "sgd momentum", "stochastic gradient descent with momentum")

TAU = sym("dampening", r"\tau")
# ---- the rules, written once (on the shared accumulation rule) ---------------------------------------
U_NOTES = O.U_PLAIN                                                       # the course notes' eq. (13)
U_DAMPED = O.moving_average(O.U_PREV, O.G, O.BETA, gain=1 - TAU)          # torch with dampening
U_VELOCITY = O.U_ETA_INSIDE                                               # the velocity form: lr inside
with sp.evaluate(False):
    U_VELOCITY_DAMPED = O.moving_average(O.U_PREV, O.ETA * O.G, O.BETA, gain=1 - TAU)
    FIRST_VELOCITY = O.ETA * O.G                                          # torch's first damped step, lr inside
U_AVERAGE = O.moving_average(O.U_PREV, O.G, O.BETA)                       # the average form: gain 1 - beta
UPDATE_NOTES, UPDATE_VELOCITY = O.UPDATE_ETA_OUTSIDE, O.UPDATE_ETA_INSIDE

FORM = Convention(
    "momentum_form", "The form of the momentum history",
    {"notes": "u_t = beta u_{t-1} + g_t, w_{t+1} = w_t - eta u_t (the course notes, week 4, eq. 13; torch's "
              "momentum buffer)",
     "velocity": "u_t = beta u_{t-1} + eta g_t, w_{t+1} = w_t - u_t (the velocity of the handwritten notes, the "
                 "introductory slides and the optimization notes, which write V = -u: V <- beta V - eta g, w <- w + V)",
     "average": "u_t = beta u_{t-1} + (1 - beta) g_t, w_{t+1} = w_t - eta u_t (the history is an exponentially "
                "weighted average of the gradients, as in Andrew Ng's deep learning course: V = beta V + (1 - beta) dW)"},
    default="notes", why_default="the course notes' eq. (13) (week 4) keeps eta outside the history, as torch does",
    aliases={"torch": "notes", "lr-inside": "velocity", "ewa": "average", "exponential": "average",
             "ema": "average", "classic": "notes"},
    cues={"velocity": ("v <- alpha v - eps g", "v = beta v - eta g", "v <- beta v - eta g", "v = gamma v + eta g",
                        "v_t = gamma v_(t-1) + eta g", "u = beta u + eta g", "w <- w + v", "velocity form"),
          "notes": ("u = beta u + g", "v = beta v + g", "w <- w - eta u", "as in pytorch", "torch.optim.sgd"),
          "average": ("v = beta v + (1 - beta) g", "u = beta u + (1 - beta) g", "v = βv + (1 − β)g",
                      "(1 - beta) g", "(1 - beta) dw", "(1 − β) g", "exponentially weighted average of the gradients",
                      "exponential moving average of the gradients", "andrew ng", "deeplearning.ai")},
    sources={"notes": "the course notes, week 4, eq. 13; PyTorch's torch.optim.SGD (its momentum buffer); Polyak 1964",
             "velocity": "the handwritten course notes; the introductory slides; Sutskever et al. 2013; Goodfellow "
                         "et al., Deep Learning, ch. 8 (v ← αv − εg, θ ← θ + v)",
             "average": "Andrew Ng's Deep Learning Specialization (Improving Deep Neural Networks, week 2); Keras-style "
                        "exponential averages; PyTorch's SGD with dampening = momentum after its first step"},
    paper={"notes": "Use the momentum history without the learning rate: uₜ = β uₜ₋₁ + gₜ, w ← w − η uₜ.",
           "velocity": "Use the velocity with the learning rate inside: vₜ = β vₜ₋₁ + η gₜ, w ← w − vₜ.",
           "average": "Use the exponentially weighted average of the gradients: vₜ = β vₜ₋₁ + (1 − β) gₜ, "
                      "w ← w − η vₜ."},
)
CONVENTIONS = (FORM,)

PARAMS = (
    Param("lr", Real(0, None, closed="neither"), default="0.01", label="Learning rate eta",
          aliases=O.LR_ALIASES + ("epsilon", "ε")),
    Param("beta", Real(0, 1, closed="left"), default="0.9", label="Momentum beta", help="in [0, 1); 0.9 is usual",
          aliases=O.MOMENTUM_ALIASES + ("alpha", "α", "rho", "ρ")),
    Param("dampening", Real(0, 1, closed="left"), default="0", label="Dampening (torch)",
          help="the gradient enters the history with weight 1 - dampening",
          aliases=("dampening",)),
    O.history_param("u0", "the momentum history u", O.HISTORY_U_ALIASES + ("v", "v_0", "V")),
) + O.source_params()

EXAMPLE = Example(
    params={"grads": "[1, 2, 3, 4]", "lr": "0.1", "beta": "0.5"},
    conventions={"momentum_form": "velocity"},
    source="the handwritten course notes, momentum unrolled: v_4 = -eps (alpha^3 g1 + alpha^2 g2 + alpha g3 + g4)",
)


def _four_gradients_for_one_parameter(p) -> bool:
    g = p.get("grads")
    return (p.get("source") in ("auto", "grads") and g is not None and not isinstance(g, np.ndarray) and len(g) == 4
            and not isinstance(g[0], tuple) and p.get("steps") in (None, 4) and p.get("lr") != 1
            and (p.get("w0") is None or len(p["w0"]) == 1))


ERRATA = (
    Erratum(
        where="the handwritten course notes (momentum: the velocity v <- alpha v - eps g unrolled over four steps)",
        params={"u0": None, "t0": "0", "dampening": "0", "weight_decay": "0"},
        conventions={"momentum_form": "velocity"},
        also=_four_gradients_for_one_parameter,
        wrote="v_4 = -(alpha^3 g1 + alpha^2 g2 + alpha g3 + g4), without the learning rate eps",
        right="with v <- alpha v - eps g and v_0 = 0 every term carries eps: v_4 = -eps (alpha^3 g1 + alpha^2 g2 + "
              "alpha g3 + g4), which is -u_4 here: {v_4}, not {v_4_without_eps}",
        why="the two agree only when eps = 1",
        values=lambda p, a: _velocities(p),
    ),
)


def _velocities(p) -> dict:
    """v_4 = -eps (alpha^3 g1 + alpha^2 g2 + alpha g3 + g4), and the handwritten notes' form without eps (exact)."""
    unrolled = sum((p["beta"] ** (3 - i) * g for i, g in enumerate(p["grads"])), sp.Integer(0))
    return {"v_4": -p["lr"] * unrolled, "v_4_without_eps": -unrolled}


HISTORIES = (("u", "u0"),)
validate = O.validator("momentum", HISTORIES, long_runs=True)
use_numeric = O.use_numeric


def _dampening(p, conv=None):
    """The dampening in effect: torch applies it to the momentum buffer only, and with beta = 0 there is none
    (torch.optim.SGD skips the buffer when momentum is 0), so dampening then has no effect; the average form
    weights the gradient by 1 - beta itself and uses no dampening."""
    if conv is not None and conv.get("momentum_form") == "average":
        return 0
    return p["dampening"] if p["beta"] != 0 else 0


def _average(conv) -> bool:
    return conv["momentum_form"] == "average"


def _first_undamped(p, setup_t0: int, conv=None) -> bool:
    return _dampening(p, conv) != 0 and p["u0"] is None and setup_t0 == 0


def _u_rule(p, conv):
    vel = conv["momentum_form"] == "velocity"
    if _average(conv):
        return U_AVERAGE
    if _dampening(p) != 0:
        return U_VELOCITY_DAMPED if vel else U_DAMPED
    return U_VELOCITY if vel else U_NOTES


def _rules(d, p, conv) -> None:
    vel = conv["momentum_form"] == "velocity"
    d.formula("History (exponentially weighted average of the gradients)" if _average(conv) else
              "History (exponentially weighted sum of gradients)", O.U, _u_rule(p, conv),
              text="The shared accumulation rule decay * previous + gain * new, with decay beta"
                   + (" and the learning rate inside the history." if vel else
                      " and gain 1 - beta: the history is an average of the gradients." if _average(conv) else
                      " and gain 1."))
    if _average(conv) and p["dampening"]:
        d.note("Dampening not used", f"The average form already weights the gradient by 1 - beta, so dampening = "
                                     f"{F.text(p['dampening'])} is not applied.")
    d.formula("Update", O.W_NEXT, UPDATE_VELOCITY if vel else UPDATE_NOTES)
    if p["dampening"] != 0 and p["beta"] == 0:
        d.note("Dampening with beta = 0", f"With beta = 0 there is no momentum to damp: torch.optim.SGD keeps no "
                                          f"momentum buffer when momentum is 0 and ignores dampening = "
                                          f"{F.text(p['dampening'])}, so the update is plain gradient descent. This "
                                          "solution does the same.")
    if _first_undamped(p, O.steps_taken(p), conv):
        d.note("torch's first step", "With dampening and no history, torch starts the buffer at the first gradient "
                                     "(u_1 = g_1, undamped); later steps use the rule above.")


def _step(s: O.StepCtx) -> None:
    p, vel = s.p, s.conv["momentum_form"] == "velocity"
    g = s.gradient()
    vals = {O.BETA: p["beta"], O.G: g, O.ETA: p["lr"], TAU: _dampening(p, s.conv)}
    if s.i == 0 and _first_undamped(p, s.setup.t0, s.conv):
        first = FIRST_VELOCITY if vel else O.G
        u = s.compute("History (torch's first step: the buffer starts at the gradient)", O.U, first, vals, key="u",
                      param_shaped=True)
        s.keep("u", u)
    else:
        u = O.accumulate(s, "History", "u", _u_rule(p, s.conv), vals)
    s.update("Update", UPDATE_VELOCITY if vel else UPDATE_NOTES, {O.W: s.w, O.ETA: p["lr"], O.U: u})


def _gains(c: O.NumCtx) -> tuple[bool, float, float, float]:
    """(torch's undamped first step is this one, its gain, the gain of the other steps, the rate on u)."""
    p, vel = c.p, c.conv["momentum_form"] == "velocity"
    lr, damp = c.h["lr"], (c.h["dampening"] if c.h["beta"] != 0 and not _average(c.conv) else 0.0)   # _dampening
    first = c.i == 0 and _first_undamped(p, c.setup.t0, c.conv)
    avg = 1.0 - c.h["beta"] if _average(c.conv) else 1.0
    return first, (lr if vel else 1.0) * 1.0 * avg, (lr if vel else 1.0) * (1.0 - damp) * avg, 1.0 if vel else lr


def _numeric_step(c: O.NumCtx) -> None:
    g = c.grad(c.w)
    first, first_gain, gain, rate = _gains(c)
    gain = first_gain if first else gain
    if c.jit is not None:   # a large vector: one compiled loop per step (the same operations as momentum_kernel)
        c.fused(c.jit.momentum_step, (c.w, g, c.st["u"]), c.h["beta"], gain, rate, first)
    else:
        c.blocks(O.momentum_kernel, c.w, g, c.st["u"], beta=c.h["beta"], gain=gain, lr=rate, first=first)
    if c.last and c.small:
        c.out["u"] = c.st["u"].copy()


def _hyper(p):
    return [("eta", p["lr"]), ("beta", p["beta"])] + ([("dampening", p["dampening"])] if p["dampening"] else [])


def _loop(c: O.NumCtx, J, program, k: int) -> bool:
    """k steps as one compiled call (a long run: accel), with _numeric_step's gains."""
    first, first_gain, gain, rate = _gains(c)
    J.momentum_loop(*program, c.w, c.st["u"], k, c.h["beta"], gain, rate, first_gain, first, c.wd, False)
    return True


METHOD = O.Method("momentum", "Momentum gradient descent", HISTORIES, _rules, _step, _numeric_step, hyper=_hyper,
                  loop=_loop,
                  question="What are the history u and the parameters after the last step?")
statement = O.statement_for(METHOD)


@functools.lru_cache(maxsize=64)
def _unrolled_rule(k: int, form: str):
    """u_k = (eta) (beta^(k-1) g_1 + ... + beta g_(k-1) + g_k): the course notes' eq. (12) for k gradients;
    the factor is eta in the velocity form, 1 - beta in the average form."""
    gs = tuple(sym(f"g_{i}", "g_{%d}" % i) for i in range(1, k + 1))
    with sp.evaluate(False):
        terms = [O.BETA ** (k - i) * g if k - i > 1 else (O.BETA * g if k - i == 1 else g) for i, g in enumerate(gs, 1)]
        rule = sp.Add(*terms, evaluate=False)
        rule = O.ETA * rule if form == "velocity" else ((1 - O.BETA) * rule if form == "average" else rule)
    return sym(f"u_{k}", "u_{%d}" % k), gs, rule


def solve(p, conv):
    d, rows, w, setup = O.solve_exact(p, conv, METHOD)
    if w is None or setup.source.kind != "grads" or setup.n != 1 or p["u0"] is not None or setup.t0 \
            or _dampening(p, conv):
        return d
    # the unrolled history (the course notes' eq. 12; the handwritten notes for the velocity form)
    lhs, gs, rule = _unrolled_rule(len(rows), conv["momentum_form"])
    d.compute("The history unrolled", lhs, rule, {O.BETA: p["beta"], O.ETA: p["lr"], **dict(zip(gs, (r["g"][0] for r in rows)))},
              text="Each past gradient is weighted by beta to the number of steps since it was taken (the course "
                   "notes, week 4, eq. 12); it equals the last history above.")
    return d


solve_numeric = O.numeric_solver(METHOD)


def generate(rng: np.random.Generator) -> dict:
    # any source with beta in [0, 1) and a positive learning rate is well posed
    inst = O.generate_instance(rng, lr=[0.1, 0.2, 0.5], beta=[0.5, 0.8, 0.9])
    return O.maybe_history(inst, rng, "u0", 0.4, [-0.5, 0.5, 1.0])
