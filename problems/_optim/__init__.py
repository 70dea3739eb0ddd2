"""Shared machinery of the optimizer families (sgd, momentum, nag, adagrad, rmsprop, adadelta, adam, adamax,
nadam), one concern per module:

- `rules`    the shared rules, written once in SymPy: the symbols, the one moving-average step
             (`moving_average`), the momentum and Adam formulas, the effective rate with eps inside or
             outside the root, and the per-step rules of the moments;
- `kernels`  the same rules in place on float64 NumPy blocks (the vectorised path's inner loop);
- `specs`    the parameters every optimizer shares: gradient source, start state, hyperparameters;
- `sources`  the sources of gradients: given per step, a loss expression, the sigmoid neuron;
- `guard`    `Undefined`, and the size guard that stops a loss outgrowing what exact working can compute;
- `setup`    the cross-field checks that turn the parameters into a `Setup`, and `Method`, what a family
             hands to the drivers;
- `exact`    the exact step context (`StepCtx`) and the exact driver (`solve_exact`);
- `numeric`  the numeric context (`NumCtx`) and the vectorised driver (`solve_numeric`, `run_numeric`);
- `plot`     the trajectory over the loss contours (SVG);
- `family`   the validate / statement / generate boilerplate every family would otherwise repeat.

A family module declares its formulas (SymPy, at import), its per-step exact rule and its in-place NumPy
rule, and hands them to the drivers in a `Method`. The names below are the families' vocabulary
(`from problems import _optim as O`).
"""
from __future__ import annotations

from . import guard
from .exact import StepCtx, answer, hyper_line, hyper_text, solve_exact, step_numbering, tiny_hyper, to_float
from .family import (adam_hyper, effective_rate_errata, exact_solver, generate_instance, generate_source,
                     maybe_history, neuron_start, numeric_solver, one_step, statement, statement_for, use_numeric,
                     validator)
from .guard import Undefined
from .kernels import (adaptive_kernel, effective_rate, moments_, momentum_kernel, moving_average_,
                      rate_denominator_, square_)
from .numeric import (BLOCK, NumCtx, _workers, advance, decoupled_numeric, prepare_numeric, run_numeric,  # noqa: F401
                      solve_numeric)
from .plot import trajectory_svg
from .warn import growth, warn_diverged
from .rules import (ADAM_M_RULE, ADAM_RATE, ADAM_V_RULE, BETA, BETA1, BETA2, DECOUPLED, EPS, ETA, ETA_EFF, ETA_T, G,
                    G_DECAY, G_RAW, LAMBDA, LOOK, M, M_, M_HAT, M_HAT_, M_HAT_RULE, M_PREV, T, U, U_, U_ETA_INSIDE,
                    U_PLAIN, U_PREV, UPDATE_ADAPTIVE, UPDATE_ETA_INSIDE, UPDATE_ETA_OUTSIDE, V, V_, V_HAT, V_HAT_,
                    V_HAT_RULE, V_PREV, W, W_DECAYED, W_NEXT, accumulate, bias_corrected_m, decoupled_decay,
                    decoupled_rule, decoupled_step, first_moment, moment_rules, moving_average, rate_rules,
                    second_moment)
from .setup import Method, Setup, build, steps_taken
from .sources import (NEURON, NEURON_DW, NEURON_DZ, NEURON_LOSS, NX, NY, YHAT, GradientSource, GradsSource, LossSource,
                      NeuronSource)
from .specs import (ALPHA_LR_ALIASES, EPS_ALIASES, HISTORY_U_ALIASES, LR_ALIASES, MOMENTUM_ALIASES,  # the reader's words
                    GradientSequence, LossExpr, NamedValues, Names, StartValues, adam_params, history_param,
                    lr_param, moment_histories, source_params)

import types as _types  # noqa: E402

__all__ = sorted(name for name, value in globals().items()
                 if not name.startswith("_") and name != "annotations" and not isinstance(value, _types.ModuleType))
