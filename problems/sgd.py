"""Gradient descent: w_{t+1} = w_t - eta * g_t.

Exam question: "Update the parameters once (or a few times) by gradient descent: what are the new
parameters, and the new loss?" The course notes, week 2 (a quiz problem): a sigmoid neuron fits x = 0,
y = 1 from w = 2, b = 1 with eta = 10; one update gives b = 1.5288 and a new loss of about 0.016.

Conventions: none of the optimizer conventions applies. The gradient source decides what g_t is: given
per step, the derivative of a loss expression, or the notes' sigmoid neuron (its loss summed over the
data points, as the notes' code accumulates dw over the data before one update). torch's
`weight_decay` adds weight_decay * w to the gradient.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from problems import _optim as O
from solver.errata import Erratum
from solver.params import Param, Real
from solver.registry import Example

TITLE = "Gradient descent (SGD) updates"
TOPIC = "optimizers"
KEYWORDS = ("gradient descent", "sgd", "stochastic gradient descent", "vanilla gradient descent",
            "update rule", "steepest descent", "gradient step", "plain gradient descent",
            "after the last update", "parameters after")

# ---- the rule, written once -------------------------------------------------------------------------
with sp.evaluate(False):
    UPDATE = O.W - O.ETA * O.G                 # notes 000: w_{t+1} = w_t - eta grad w_t

CONVENTIONS = ()

PARAMS = (
    Param("lr", Real(0, None, closed="neither"), default="0.001", label="Learning rate eta",
          help="torch's SGD default is 0.001",
          aliases=O.ALPHA_LR_ALIASES + ("epsilon", "ε")),
) + O.source_params()

EXAMPLE = Example(
    params={"x": "0", "y": "1", "w0": "w=2, b=1", "lr": "10"},
    source="the course notes, week 2: one gradient-descent update of a sigmoid neuron (x = 0, y = 1, w = 2, b = 1, "
           "eta = 10)",
)
ERRATA = (
    Erratum(
        where="the course notes, week 2 (the quiz problem: fit x = 0, y = 1 with a sigmoid neuron, one update with "
              "eta = 10)",
        params={"x": "0", "y": "1", "lr": "10", "neuron_loss": "mse", "weight_decay": "0"},
        also=lambda p: O.one_step(p) and O.neuron_start(p) == (2, 1),
        wrote="y_hat = 1/(1 + exp(-(-w x + b))) in the worked solution",
        right="the prediction is y_hat = sigma(w x + b): the sign of w x is a typo",
        why="it does no harm here because x = 0, so dL/dw = 0 and only b moves; the new loss {loss} is inside the "
            "notes' accepted range 0.012 to 0.020",
    ),
)
validate = O.validator("sgd", long_runs=True)
use_numeric = O.use_numeric


def _rules(d, p, conv) -> None:
    d.formula("Gradient-descent update", O.W_NEXT, UPDATE, text="Step against the gradient, scaled by the learning rate.")


def _step(s: O.StepCtx) -> None:
    g = s.gradient()
    s.update("Update", UPDATE, {O.W: s.w, O.ETA: s.p["lr"], O.G: g})


def _kernel(w, g, scr, lr):
    np.multiply(g, lr, out=scr[0])
    w -= scr[0]


def _numeric_step(c: O.NumCtx) -> None:
    g = c.grad(c.w)
    if c.jit is not None:   # a large vector: one compiled loop per step (the same operation)
        c.fused(c.jit.sgd_step, (c.w, g), c.h["lr"])
    else:
        c.blocks(_kernel, c.w, g, lr=c.h["lr"])


def _loop(c: O.NumCtx, J, program, k: int) -> bool:
    """k steps as one compiled call (a long run: accel): w <- w - lr g, as _kernel."""
    J.momentum_loop(*program, c.w, np.empty(c.n), k, 0.0, 1.0, c.h["lr"], 1.0, False, c.wd, True)
    return True


METHOD = O.Method("sgd", "Gradient descent", (), _rules, _step, _numeric_step, loop=_loop,
                  question="What are the parameters after the last update?", hyper=lambda p: [("eta", p["lr"])])
statement = O.statement_for(METHOD)
solve = O.exact_solver(METHOD)
solve_numeric = O.numeric_solver(METHOD)


def generate(rng: np.random.Generator) -> dict:
    # any source with a positive learning rate is well posed (the update is always defined)
    return O.generate_instance(rng, lr=[0.1, 0.5, 1.0])
