"""Momentum: u_t = beta * u_{t-1} + g_t, w_{t+1} = w_t - eta * u_t.

Exam question: "With momentum beta and learning rate eta, starting from history u (or none), what are the
history and the parameters after these steps?" and "write u_t (or v_4) as a sum of the past gradients".
Notes 000 eq. (12)-(13): u_t = sum_i beta^(t-i) g_i. Notes 001 (WE-momentum-1) write the velocity form
v <- alpha v - eps g and unroll v_4 = -(alpha^3 g1 + alpha^2 g2 + alpha g3 + g4), dropping the learning
rate eps; the example reproduces v_4 with it.

Conventions: the form of the history (`momentum_form`): the notes' u without the learning rate (torch's
momentum buffer, same numbers), or the velocity form with the learning rate inside (notes 001, 002, 004:
V_t = gamma V_{t-1} + alpha g, theta -= V_t; notes 001/002 write V with the opposite sign, V = -u). For a
constant learning rate both give the same parameters; the histories differ by the factor eta, which
matters when a history value is given. `dampening` is torch's: the gradient enters with weight
(1 - dampening), except on a first step without history, where torch starts the buffer at g_1.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from problems import _optim as O
from solver.conventions import Convention
from solver.params import Param, Real
from solver.registry import Example
from solver.symbolic import number_text, sym

TITLE = "Momentum gradient descent"
TOPIC = "optimizers"
KEYWORDS = ("momentum", "heavy ball", "velocity", "mgd", "exponentially weighted gradients", "dampening",
            "momentum gradient descent", "gradient descent with momentum", "classical momentum", "polyak")

TAU = sym("dampening", r"\tau")
# ---- the rules, written once (on the shared accumulation rule) ---------------------------------------
U_NOTES = O.U_PLAIN                                                       # notes 000 eq. (13)
U_DAMPED = O.moving_average(O.U_PREV, O.G, O.BETA, gain=1 - TAU)          # torch with dampening
U_VELOCITY = O.U_ETA_INSIDE                                               # notes 001/002/004: lr inside
with sp.evaluate(False):
    U_VELOCITY_DAMPED = O.moving_average(O.U_PREV, O.ETA * O.G, O.BETA, gain=1 - TAU)
    FIRST_VELOCITY = O.ETA * O.G                                          # torch's first damped step, lr inside
UPDATE_NOTES, UPDATE_VELOCITY = O.UPDATE_ETA_OUTSIDE, O.UPDATE_ETA_INSIDE

FORM = Convention(
    "momentum_form", "Where the learning rate sits",
    {"notes": "u_t = beta u_{t-1} + g_t, w_{t+1} = w_t - eta u_t (notes 000 eq. 13; torch's momentum buffer)",
     "velocity": "u_t = beta u_{t-1} + eta g_t, w_{t+1} = w_t - u_t (the velocity of notes 001, 002, 004, "
                 "which write V = -u: V <- beta V - eta g, w <- w + V)"},
    default="notes", why_default="notes 000 eq. (13) keeps eta outside the history, as torch does",
    aliases={"torch": "notes", "lr-inside": "velocity"},
    cues={"velocity": ("v <- alpha v - eps g", "v = beta v - eta g", "v <- beta v - eta g", "v = gamma v + eta g",
                        "v_t = gamma v_(t-1) + eta g", "u = beta u + eta g", "w <- w + v", "velocity form"),
          "notes": ("u = beta u + g", "v = beta v + g", "w <- w - eta u", "as in pytorch", "torch.optim.sgd")},
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
    source="notes 001, momentum unrolled: v_4 = -eps (alpha^3 g1 + alpha^2 g2 + alpha g3 + g4) (WE-momentum-1)",
)


HISTORIES = (("u", "u0"),)
validate = O.validator("momentum", HISTORIES)
use_numeric = O.use_numeric


def statement(p) -> str:
    hyp = f"eta = {number_text(p['lr'])}, beta = {number_text(p['beta'])}"
    if p["dampening"]:
        hyp += f", dampening = {number_text(p['dampening'])}"
    return O.statement(p, "momentum", "Momentum gradient descent", hyp,
                       "What are the history u and the parameters after the last step?")


def _first_undamped(p, setup_t0: int) -> bool:
    return p["dampening"] != 0 and p["u0"] is None and setup_t0 == 0


def _u_rule(p, conv):
    vel = conv["momentum_form"] == "velocity"
    if p["dampening"] != 0:
        return U_VELOCITY_DAMPED if vel else U_DAMPED
    return U_VELOCITY if vel else U_NOTES


def _rules(d, p, conv) -> None:
    vel = conv["momentum_form"] == "velocity"
    d.formula("History (exponentially weighted sum of gradients)", O.U, _u_rule(p, conv),
              text="The shared accumulation rule decay * previous + gain * new, with decay beta"
                   + (" and the learning rate inside the history." if vel else " and gain 1."))
    d.formula("Update", O.W_NEXT, UPDATE_VELOCITY if vel else UPDATE_NOTES)
    if _first_undamped(p, p["t0"]):
        d.note("torch's first step", "With dampening and no history, torch starts the buffer at the first gradient "
                                     "(u_1 = g_1, undamped); later steps use the rule above.")


def _step(s: O.StepCtx) -> None:
    p, vel = s.p, s.conv["momentum_form"] == "velocity"
    g = s.gradient()
    vals = {O.BETA: p["beta"], O.U_PREV: s.prev["u"], O.G: g, O.ETA: p["lr"], TAU: p["dampening"]}
    if s.i == 0 and _first_undamped(p, s.setup.t0):
        first = FIRST_VELOCITY if vel else O.G
        u = s.compute("History (torch's first step: the buffer starts at the gradient)", O.U, first, vals, key="u",
                      param_shaped=True)
    else:
        u = s.compute("History", O.U, _u_rule(p, s.conv), vals, key="u")
    s.keep("u", u)
    s.update("Update", UPDATE_VELOCITY if vel else UPDATE_NOTES, {O.W: s.w, O.ETA: p["lr"], O.U: u})


def _numeric_step(c: O.NumCtx) -> None:
    p, vel = c.p, c.conv["momentum_form"] == "velocity"
    lr, damp = float(p["lr"]), float(p["dampening"])
    g = c.grad(c.w)
    first = c.i == 0 and _first_undamped(p, c.setup.t0)
    gain = (lr if vel else 1.0) * (1.0 if first else 1.0 - damp)
    c.blocks(O.momentum_kernel, c.w, g, c.st["u"], beta=float(p["beta"]), gain=gain, lr=1.0 if vel else lr, first=first)
    if c.last and c.small:
        c.out["u"] = c.st["u"].copy()


METHOD = O.Method("momentum", "Momentum gradient descent", HISTORIES, _rules, _step, _numeric_step)


def _hyper(p):
    return [("eta", p["lr"]), ("beta", p["beta"])] + ([("dampening", p["dampening"])] if p["dampening"] else [])


def solve(p, conv):
    d, rows, w, setup = O.solve_exact(p, conv, METHOD, _hyper(p))
    if w is None or setup.source.kind != "grads" or setup.n != 1 or p["u0"] is not None or setup.t0 or p["dampening"]:
        return d
    # the unrolled history (notes 000 eq. 12; notes 001 for the velocity form)
    vel = conv["momentum_form"] == "velocity"
    gs = [r["g"][0] for r in rows]
    k = len(gs)
    beta, lr = p["beta"], p["lr"]
    total = sum((beta ** (k - 1 - i) * g for i, g in enumerate(gs)), sp.Integer(0)) * (lr if vel else 1)
    terms = " + ".join(f"{number_text(beta)}^{k - 1 - i} ({number_text(g)})" if k - 1 - i else f"({number_text(g)})"
                       for i, g in enumerate(gs))
    d.note("The history unrolled", f"u_{k} = {'eta (' if vel else ''}{terms}{')' if vel else ''} = {number_text(total)}: "
                                   f"each past gradient weighted by beta to the number of steps since it was taken "
                                   f"(notes 000 eq. 12).")
    if vel and k >= 2:
        without = total / lr
        d.note("Where the course notes slipped (WE-momentum-1)",
               f"Notes 001 unroll the velocity as v_4 = -(alpha^3 g1 + alpha^2 g2 + alpha g3 + g4), without the learning "
               f"rate eps. With v <- alpha v - eps g and v_0 = 0 every term carries eps: v_t = -eps (...), which is -u_t "
               f"here: {number_text(-total)}, not {number_text(-without)}. The two agree only when eps = 1.")
    return d


solve_numeric = O.numeric_solver(METHOD)


def generate(rng: np.random.Generator) -> dict:
    # any source with beta in [0, 1) and a positive learning rate is well posed
    inst = O.generate_instance(rng, lr=[0.1, 0.2, 0.5], beta=[0.5, 0.8, 0.9])
    return O.maybe_history(inst, rng, "u0", 0.4, [-0.5, 0.5, 1.0])
