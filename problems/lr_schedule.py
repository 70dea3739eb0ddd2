"""Learning-rate schedules: eta_t = eta0 * decay(t), e.g. step decay eta0 * gamma**floor(t / s), eta0 * exp(-k t).

Exam question: "The learning rate starts at eta0 = 0.1 and decays as ...; what is it after 10 epochs?"
(the introductory slides: exponential decay 0.1 e^(-0.01*10) = 0.0905, inverse-time decay
0.1 / (1 + 0.01*10) = 0.0909, step decay x0.5 every 5 epochs: alpha_5 = 0.05, alpha_10 = 0.025), and
"with N samples and mini-batches of B, how many updates make one epoch?" (the course notes, week 4:
mini-batch GD makes N / B updates per epoch).

Schedules (`schedule`): `constant`; `step` eta0 gamma^floor(t / s) (the drop happens when t reaches
a multiple of s: the introductory slides; the optimization notes' "drop by a factor of e or 10 every 5
epochs" is this with gamma = 1/e or 0.1); `exponential` eta0 e^(-k t) (the introductory slides; the course
notes' "eta0^(-kt)" is a typo for it); `exponential_gamma` eta0 gamma^t (torch's ExponentialLR; the same as `exponential` with
gamma = e^(-k)); `inverse_time` eta0 / (1 + k t); `cosine` eta_min + (eta0 - eta_min)(1 + cos(pi t / T)) / 2;
`cosine_restarts` (SGDR) the same cosine restarted every cycle, cycle i lasting T_0 T_mult^i;
`polynomial` eta_min + (eta0 - eta_min)(1 - min(t, T) / T)^p. Any of them may follow a linear
warm-up of T_w steps from warmup_start * eta0 up to eta0: eta_t = eta0 (s_w + (1 - s_w) t / T_w).
`inverse_sqrt` has its own warm-up: with `d_model` it is Vaswani et al.'s (2017) "Noam" schedule,
scale d_model^(-1/2) min(t^(-1/2), t T_w^(-3/2)) (eta0 unused; 0 at t = 0, where the Annotated Transformer
evaluates step 1); without it eta0 is the peak, as in fairseq's inverse_sqrt and Hugging Face's
get_inverse_sqrt_schedule: the linear warm-up above, then eta0 sqrt(T_w / t) on the global step (the same
shape: Noam is this with eta0 = scale (d_model T_w)^(-1/2) and s_w = 0); with no warm-up, eta0 / sqrt(t), t >= 1.
`one_cycle` is torch's OneCycleLR with max_lr = eta0: from eta0 / div_factor up to eta0, then down to
eta0 / (div_factor final_div_factor) (with `three_phase`, first back to eta0 / div_factor), each phase annealed
by a cosine or linearly (`anneal_strategy`); the phases end at torch's steps pct_start total_steps - 1
(2 pct_start total_steps - 2) and total_steps - 1, and t runs over 0 .. total_steps - 1.
`reduce_on_plateau` is torch's ReduceLROnPlateau given the loss after each epoch (`losses`): an epoch improves
when its loss beats the best so far by the threshold (rel: below best (1 - threshold); abs: below best -
threshold; above, with mode max), strictly, so a tie at the threshold is a bad epoch; after more than `patience`
bad epochs in a row the rate becomes max(eta factor, min_lr) (unchanged when that moves it by no more than torch's
eps = 1e-8), the count restarts and `cooldown` epochs follow whose bad epochs are not counted. It answers the rate
after each epoch (or the epochs in `at`; 0 is before the first) and the final rate, and the epoch-by-epoch table
is addressable (`lr@epoch=3`, `bad_epochs@epoch=3`, ...). Its decisions compare the numbers as typed, exactly, on
both paths (torch compares in float64; they differ only for a loss within rounding of the bound).

Conventions: what happens after warm-up (the schedule's clock restarts at T_w, torch's SequentialLR;
or the warm-up factor multiplies the schedule running from t = 0, torch's ChainedScheduler); the
cosine past T (holds at eta_min, or follows the cosine back up as torch's CosineAnnealingLR does);
and whether a last partial mini-batch counts as an update (ceil(N / B), torch's DataLoader default,
or floor(N / B) with drop_last). `t` counts whatever the schedule is stepped by (steps or epochs);
`at_unit` converts epochs to updates (t = epoch * U) or updates to completed epochs
(t = floor(update / U)) with U updates per epoch. As in torch, a mini-batch larger than the data set
is one (partial) batch, and eta_min may exceed eta0 (the cosine then rises from eta0 to eta_min).
"""
from __future__ import annotations

import math
from fractions import Fraction
import re
from typing import Any

import numpy as np
import sympy as sp

from solver.conventions import Convention
from problems._ewa_lr_common import vector_answer
from problems._layers import fmin  # min(t, T) printed as written (SymPy's Min prints Min(T, t))
from problems._written import fmax
from problems._optim.guard import too_large
from solver import format as F
from solver.numbers import Precision
from solver.params import Bool, Choice, Int, InvalidInput, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.symbolic import Derivation, evaluate, make_answer, sym

TITLE = "Learning-rate schedules"
TOPIC = "optimizers"
KEYWORDS = ("learning rate schedule", "schedule", "decay", "step decay", "exponential decay", "inverse time",
            "cosine annealing", "warm restarts", "sgdr", "warm-up", "warmup", "polynomial decay", "epoch", "mini-batch",
            "steps per epoch", "learning rate at", "decays", "annealing", "1/t decay")

# ---- the rules, written once --------------------------------------------------------------------------
t, tau = sym("t"), sym("tau", r"\tau")
eta, eta_dec, f_w = sym("eta_t", r"\eta_{t}"), sym("eta_dec", r"\eta^{\mathrm{dec}}_{t}"), sym("f_t", r"f_{t}")
eta0, gamma, s, k = sym("eta0", r"\eta_{0}"), sym("gamma", r"\gamma"), sym("s"), sym("k")
T, emin, pw = sym("T"), sym("eta_min", r"\eta_{\min}"), sym("p")
T0, Tm, Ti, Tcur, ci, t_i = (sym("T_0", "T_{0}"), sym("T_mult", r"T_{\mathrm{mult}}"), sym("T_i", "T_{i}"),
                             sym("T_cur", r"T_{\mathrm{cur}}"), sym("i"), sym("t_i", "t_{i}"))
Tw, sw = sym("T_w", "T_{w}"), sym("s_w", "s_{w}")
m_passed = sym("m")                            # multistep: how many milestones t has reached
dm, scl = sym("d_model", r"d_{\mathrm{model}}"), sym("scale", r"\text{scale}")   # inverse_sqrt (Noam)
# one_cycle (torch OneCycleLR): the phase from step S to step E anneals from eta_a to eta_b; x_t its fraction done
eta_init, eta_fin = sym("eta_initial", r"\eta_{\mathrm{initial}}"), sym("eta_final", r"\eta_{\mathrm{final}}")
div_f, fdiv_f = sym("div_factor", r"\mathrm{div}"), sym("final_div_factor", r"\mathrm{div}_{\mathrm{final}}")
pct_s, T_tot = sym("pct_start", r"p_{\mathrm{start}}"), sym("total_steps", r"T_{\mathrm{total}}")
S_ph, E_ph, x_ph, eta_a, eta_b = (sym("S"), sym("E"), sym("x_t", "x_{t}"), sym("eta_a", r"\eta_{a}"),
                                  sym("eta_b", r"\eta_{b}"))
E1, E2, E3 = sym("E_1", "E_{1}"), sym("E_2", "E_{2}"), sym("E_3", "E_{3}")
# reduce_on_plateau (torch ReduceLROnPlateau): the bound an epoch's loss must beat, and the cut
best_s, thr, fac = sym("best"), sym("threshold", r"\theta"), sym("factor", r"f")
bound_s, eta_old = sym("bound"), sym("eta_old", r"\eta_{\mathrm{old}}")
N, B, U, U_ratio, ep, upd = (sym("N"), sym("B"), sym("U"), sym("batches", r"\text{batches}"), sym("epoch", r"e"),
                             sym("update", r"u"))


def _decay_rules(c: sp.Symbol) -> dict[str, sp.Expr]:
    """Each decay schedule as a formula in the clock `c` (t, or tau = t - T_w after a warm-up)."""
    with sp.evaluate(False):  # keep the order the notes write
        return {
            "constant": eta0,
            "step": eta0 * gamma ** sp.floor(c / s),                        # the introductory slides
            "exponential": eta0 * sp.exp(-(k * c)),                          # the introductory slides
            "exponential_gamma": eta0 * gamma ** c,                          # torch ExponentialLR
            "multistep": eta0 * gamma ** m_passed,                           # torch MultiStepLR: m milestones <= c
            "inverse_time": eta0 / (1 + k * c),                             # the introductory slides
            "cosine": emin + (eta0 - emin) * (1 + sp.cos(sp.pi * c / T)) / 2,  # torch CosineAnnealingLR
            "polynomial": emin + (eta0 - emin) * (1 - fmin(c, T) / T) ** pw,  # torch PolynomialLR (eta_min 0)
            "cycle_cur": c - t_i,                                            # SGDR: steps since the last restart
        }


RULES = {t: _decay_rules(t), tau: _decay_rules(tau)}
with sp.evaluate(False):
    SGDR = emin + (eta0 - emin) * (1 + sp.cos(sp.pi * Tcur / Ti)) / 2    # Loshchilov & Hutter; torch CosineAnnealingWarmRestarts
    SGDR_TI = T0 * Tm ** ci                                                # length of cycle i
    SGDR_START = T0 * (Tm ** ci - 1) / (Tm - 1)                           # first step of cycle i (T_mult > 1)
    SGDR_START1 = ci * T0                                                  # first step of cycle i (T_mult = 1)
    WARMUP = eta0 * (sw + (1 - sw) * t / Tw)                              # linear warm-up (torch LinearLR)
    WARM_FACTOR = sw + (1 - sw) * fmin(t, Tw) / Tw                      # the same as a factor (ChainedScheduler)
    CHAINED = f_w * eta_dec
    TAU = t - Tw
    HOLD = emin
    RATIO = N / B
    UPD_KEEP = sp.ceiling(N / B)
    UPD_DROP = sp.floor(N / B)
    EPOCH_TO_T = ep * U
    UPDATE_TO_T = sp.floor(upd / U)
    WRONG_EXP = eta0 ** (-(k * t))                                        # the course notes' typo (week 4)
    # inverse square root: Vaswani et al. 2017 (Noam), and its peak-rate form (fairseq, Hugging Face)
    NOAM = scl * dm ** sp.Rational(-1, 2) * fmin(t ** sp.Rational(-1, 2), t * Tw ** sp.Rational(-3, 2))
    NOAM_WARM = scl * dm ** sp.Rational(-1, 2) * (t * Tw ** sp.Rational(-3, 2))
    NOAM_DECAY = scl * dm ** sp.Rational(-1, 2) * t ** sp.Rational(-1, 2)
    NOAM_PEAK = scl * dm ** sp.Rational(-1, 2) * Tw ** sp.Rational(-1, 2)
    ISQRT_DECAY = eta0 * sp.sqrt(Tw / t)
    ISQRT_PLAIN = eta0 / sp.sqrt(t)
    # one-cycle (Smith & Topin 2019; torch OneCycleLR): phase ends, the fraction of a phase, the two annealings
    OC_INIT = eta0 / div_f
    OC_FINAL = eta_init / fdiv_f
    OC_END1 = pct_s * T_tot - 1
    OC_END2 = 2 * pct_s * T_tot - 2                                        # three_phase only
    OC_LAST = T_tot - 1
    OC_X = (t - S_ph) / (E_ph - S_ph)
    OC_ANNEAL = {"cos": eta_b + (eta_a - eta_b) * (1 + sp.cos(sp.pi * x_ph)) / 2,
                 "linear": eta_a + (eta_b - eta_a) * x_ph}
    # reduce on plateau: (mode, threshold_mode) -> the bound; an epoch improves when its loss beats it strictly
    PLATEAU_BOUND = {("min", "rel"): best_s * (1 - thr), ("min", "abs"): best_s - thr,
                     ("max", "rel"): best_s * (1 + thr), ("max", "abs"): best_s + thr}
    PLATEAU_CUT = fmax(eta_old * fac, emin)
#: the same bounds as Python functions of (best, threshold), for exact Fractions (the decisions of both paths)
PLATEAU_BOUND_FN = {key: sp.lambdify((best_s, thr), rule, modules=[{}]) for key, rule in PLATEAU_BOUND.items()}

SCHEDULES = {
    "constant": "constant: eta_t = eta0 (use with a warm-up)",
    "step": "step decay: eta_t = eta0 * gamma^floor(t / step_size) (the introductory slides)",
    "exponential": "exponential decay: eta_t = eta0 * exp(-k t) (the introductory slides)",
    "exponential_gamma": "exponential decay by a factor: eta_t = eta0 * gamma^t (torch ExponentialLR)",
    "multistep": "multi-step decay: eta_t = eta0 * gamma^m, m the number of milestones reached by t (torch MultiStepLR)",
    "inverse_time": "inverse-time decay: eta_t = eta0 / (1 + k t) (the course notes and the introductory slides)",
    "cosine": "cosine annealing: eta_min + (eta0 - eta_min)(1 + cos(pi t / T)) / 2 (torch CosineAnnealingLR)",
    "cosine_restarts": "cosine annealing with warm restarts (SGDR): cycles of T_0, T_0 T_mult, ... steps",
    "polynomial": "polynomial decay: eta_min + (eta0 - eta_min)(1 - min(t, T) / T)^power (torch PolynomialLR)",
    "inverse_sqrt": "inverse square root (Noam): a linear warm-up over T_w steps to eta0, then eta0 sqrt(T_w / t); "
                    "with d_model, Vaswani et al.'s scale d_model^(-1/2) min(t^(-1/2), t T_w^(-3/2))",
    "one_cycle": "one-cycle (torch OneCycleLR): from eta0 / div_factor up to eta0 (max_lr) over pct_start of "
                 "total_steps, then down to eta0 / (div_factor final_div_factor), by a cosine or linearly",
    "reduce_on_plateau": "reduce on plateau (torch ReduceLROnPlateau): given the loss after each epoch, the rate is "
                         "multiplied by factor after more than patience epochs without improvement",
}
#: schedules with their own warm-up: the generic warm-up (and after_warmup) does not wrap them
OWN_WARMUP = ("inverse_sqrt", "one_cycle")
PLATEAU_MODES = {"min": "lower is better (a loss)", "max": "higher is better (an accuracy)"}
THRESHOLD_MODES = {"rel": "an improvement must beat the best by threshold times the best (torch's default)",
                   "abs": "an improvement must beat the best by threshold"}
#: torch ReduceLROnPlateau's eps: a cut smaller than this leaves the rate unchanged
PLATEAU_EPS = sp.Rational(1, 10 ** 8)
PLATEAU_EXACT_LIMIT = 500   # more epochs than this take the numeric path
ANNEAL = {"cos": "cosine annealing between the phase's two rates (torch's default)",
          "linear": "linear annealing between the phase's two rates"}

AFTER_WARMUP = Convention(
    "after_warmup", "The schedule after a linear warm-up",
    {"sequential": "the schedule starts when the warm-up ends: eta_t = schedule(t - T_w) for t >= T_w "
                   "(torch SequentialLR; Hugging Face and optax warm-up schedules)",
     "chained": "the warm-up factor multiplies the schedule, which runs from t = 0: eta_t = f_t * schedule(t) "
                "(torch ChainedScheduler)"},
    default="sequential", why_default="the usual meaning of 'warm up, then decay': the decay starts from eta0 "
                                      "when the warm-up ends", aliases={"restart": "sequential", "multiply": "chained"},
    cues={"chained": ("chained", "multiplies the schedule")},
    sources={"sequential": "PyTorch's torch.optim.lr_scheduler.SequentialLR; Hugging Face Transformers' and optax's "
                           "warm-up schedules",
             "chained": "PyTorch's torch.optim.lr_scheduler.ChainedScheduler"},
    paper={"sequential": "Start the schedule when the warm-up ends: ηₜ = schedule(t − T_w) for t ≥ T_w.",
           "chained": "Multiply the schedule, running from t = 0, by the warm-up factor: ηₜ = fₜ · schedule(t)."},
)
COSINE_AFTER_T = Convention(
    "cosine_after_T", "Cosine annealing past t = T",
    {"hold": "after T steps the rate stays at eta_min (annealing has ended)",
     "periodic": "the formula keeps following the cosine, so the rate rises again after T (torch CosineAnnealingLR)"},
    default="hold", why_default="annealing is over at t = T; restarts are what cosine_restarts is for",
    cues={"periodic": ("periodic", "keeps following the cosine")},
    sources={"hold": "optax's cosine_decay_schedule (it keeps the final rate after decay_steps); Loshchilov & Hutter "
                     "2017 (one annealing cycle ends at η_min)",
             "periodic": "PyTorch's torch.optim.lr_scheduler.CosineAnnealingLR (its closed form past T)"},
    paper={"hold": "After T steps keep the rate at η_min.",
           "periodic": "Past T, keep following the cosine formula (the rate rises again)."},
)
LAST_BATCH = Convention(
    "last_batch", "A last, partial mini-batch",
    {"keep": "a last partial batch is still an update: U = ceil(N / B) (torch DataLoader, drop_last=False)",
     "drop": "a last partial batch is dropped: U = floor(N / B) (drop_last=True)"},
    default="keep", why_default="torch's DataLoader default; when B divides N both equal the notes' N / B",
    aliases={"ceil": "keep", "floor": "drop", "drop_last": "drop"},
    cues={"drop": ("drop_last", "drop the last", "last partial batch is dropped")},
    sources={"keep": "PyTorch's torch.utils.data.DataLoader (drop_last=False, the default); the course notes' N / B "
                     "when B divides N",
             "drop": "PyTorch's torch.utils.data.DataLoader with drop_last=True"},
    paper={"keep": "A last, partial mini-batch is still an update: U = ⌈N / B⌉.",
           "drop": "Drop a last, partial mini-batch: U = ⌊N / B⌋."},
)
CONVENTIONS = (AFTER_WARMUP, COSINE_AFTER_T, LAST_BATCH)

AT_UNITS = {
    "t": "the values are the schedule's own counter t (steps or epochs, whichever it is stepped by)",
    "epoch": "the values are epochs and the schedule is stepped once per update: t = epoch * U",
    "update": "the values are update counts and the schedule is stepped once per epoch: t = floor(update / U)",
}

PARAMS = (
    Param("schedule", Choice(SCHEDULES, aliases={"exp": "exponential", "inverse": "inverse_time", "sgdr": "cosine_restarts",
                                                  "cosine_warm_restarts": "cosine_restarts", "exponentiallr": "exponential_gamma",
                                                  "steplr": "step", "poly": "polynomial",
                                                  "noam": "inverse_sqrt", "rsqrt": "inverse_sqrt",
                                                  "onecycle": "one_cycle", "1cycle": "one_cycle",
                                                  "onecyclelr": "one_cycle", "plateau": "reduce_on_plateau",
                                                  "reducelronplateau": "reduce_on_plateau"}),
          default="step", label="Schedule",
          cues={"exponential": ("exponential decay", "exp(-k t)", "exp(-kt)", "e^(-kt)", "decays exponentially",
                                    "exponentially", "exponential learning-rate decay", "exponential learning rate decay",
                                    "exponential schedule"),
                    "inverse_time": ("1/t decay", "inverse time", "inverse-time", "/(1 + k t)", "/(1+kt)", "1/(1 + kt)"),
                    "step": ("step decay", "every", "halves", "halved", "step schedule", "drops"),
                    "cosine": ("cosine annealing", "cosine decay", "cosine schedule", "cosine learning-rate schedule"),
                    "cosine_restarts": ("warm restarts", "sgdr", "cosine annealing with restarts"),
                    "polynomial": ("polynomial decay", "polynomial schedule"),
                    "exponential_gamma": ("multiplied by gamma every step", "exponentiallr"),
                    "multistep": ("multistep", "multi-step", "milestones", "multisteplr"),
                    "inverse_sqrt": ("inverse square root", "inverse square-root", "inverse sqrt", "noam",
                                     "rsqrt", "1/sqrt(t)", "attention is all you need", "transformer schedule",
                                     "d_model^-0.5", "d_model^(-0.5)"),
                    "one_cycle": ("one-cycle", "one cycle", "1cycle", "1-cycle", "onecyclelr", "one-cycle policy",
                                  "super-convergence", "pct_start"),
                    "reduce_on_plateau": ("reduce on plateau", "reducelronplateau", "plateau", "patience",
                                          "has not improved", "stops improving", "no improvement"),
                    "constant": ("constant learning rate",)}),
    Param("eta0", Real(0, None, closed="neither"), default="0.1", label="Initial learning rate eta0",
          help="the rate the schedule starts from; inverse_sqrt without d_model: the peak rate after the warm-up; "
               "one_cycle: the peak rate max_lr",
          aliases=("initial learning rate", "eta_0", "η_0", "alpha_0", "α_0", "eta0", "lr_0", "starts at", "from",
                   "learning rate of", "base learning rate", "eta_max", "η_max", "maximum learning rate", "starting learning rate",
                   "learning rate", "initial rate", "peak learning rate", "peak lr", "max_lr", "max lr",
                   "warms up to", "warms up linearly to", "rises to", "initial lr", "base lr", "starting lr", "lr",
                   "base_lr", "lr0")),
    Param("gamma", Real(0, 1, closed="right"), default="0.5", label="Decay factor gamma",
          help="step: the factor applied every step_size steps; multistep: at each milestone; exponential_gamma: the "
               "factor per step; reduce_on_plateau: given without factor, the factor of each cut",
          aliases=("gamma", "γ", "decay factor", "factor", "multiplies it by", "multiplied by", "drop factor"),
          cues={"0.5": ("halves", "halved", "half", "by half"), "0.1": ("tenfold", "divides it by 10", "divided by 10")}),
    Param("step_size", Int(1, None), default="5", label="Step size s", help="step decay: steps between drops",
          aliases=("every", "step size", "step_size", "drop every", "epochs per drop")),
    Param("milestones", Vector(lo=0, integer=True, max_len=1000), label="Milestones",
          help="multistep: the steps (or epochs) at which the rate is multiplied by gamma, e.g. 30 80",
          aliases=("milestones", "milestone", "at the milestones", "drops at", "decays at")),
    Param("k", Real(0, None), default="0.01", label="Decay constant k", help="exponential and inverse_time decay",
          aliases=("k", "decay constant", "decay rate", "decay")),
    Param("T", Int(1, None), default="10", label="Period T",
          help="cosine: T_max, the steps from eta0 down to eta_min; cosine_restarts: T_0, the first cycle's length; "
               "polynomial: the steps to reach eta_min",
          aliases=("T", "T_max", "T_0", "period", "over", "cycle length")),
    Param("T_mult", Int(1, None), default="1", label="Cycle growth T_mult",
          help="cosine_restarts: each cycle is T_mult times longer than the one before",
          aliases=("T_mult", "cycle growth")),
    Param("eta_min", Real(0, None), default="0", label="Minimum learning rate eta_min",
          help="cosine, cosine_restarts and polynomial: the rate at the end of a cycle; reduce_on_plateau: min_lr, "
               "the rate is never cut below it",
          aliases=("eta_min", "η_min", "minimum learning rate", "down to", "alpha_min", "min_lr", "min lr",
                   "lower bound on the learning rate")),
    Param("power", Real(0, None, closed="neither"), default="1", label="Power p", help="polynomial decay",
          aliases=("power", "p")),
    Param("d_model", Int(1, None), label="Model dimension d_model",
          help="inverse_sqrt, Noam's form (Vaswani et al. 2017): the rate is scale d_model^(-1/2) "
               "min(t^(-1/2), t T_w^(-3/2)) and eta0 is not used; leave empty for the peak-rate form",
          aliases=("d_model", "d_{model}", "model dimension", "model size", "model width", "dimension of the model")),
    Param("scale", Real(0, None, closed="neither"), default="1", label="Scale factor",
          help="inverse_sqrt with d_model: the constant factor in front of Noam's formula (1 in the paper)",
          aliases=("scale", "scale factor", "scaling factor", "multiplier")),
    Param("total_steps", Int(1, None), label="Total steps",
          help="one_cycle: the steps in the cycle (epochs x steps per epoch); the rate is defined for t = 0 .. "
               "total_steps - 1",
          aliases=("total_steps", "total steps", "total number of steps", "training steps", "steps in total",
                   "T_total")),
    Param("pct_start", Real(0, 1), default="0.3", label="Warm-up fraction pct_start",
          help="one_cycle: the fraction of the cycle spent raising the rate",
          aliases=("pct_start", "fraction of the cycle", "percentage of the cycle", "pct start")),
    Param("anneal_strategy", Choice(ANNEAL, aliases={"cosine": "cos"}), default="cos", label="Annealing",
          help="one_cycle: cos or linear between each phase's rates",
          cues={"linear": ("linear annealing", "anneal linearly", "linearly annealed", "anneal_strategy linear"),
                "cos": ("cosine annealing", "anneal_strategy cos")}),
    Param("div_factor", Real(0, None, closed="neither"), default="25", label="Initial divisor div_factor",
          help="one_cycle: the rate starts at eta0 / div_factor", aliases=("div_factor", "div factor")),
    Param("final_div_factor", Real(0, None, closed="neither"), default="10000", label="Final divisor final_div_factor",
          help="one_cycle: the rate ends at eta0 / (div_factor final_div_factor)",
          aliases=("final_div_factor", "final div factor")),
    Param("three_phase", Bool(), default="false", label="Three phases",
          help="one_cycle: a second phase back down to eta0 / div_factor, then a third down to the final rate "
               "(torch's three_phase)",
          cues={"true": ("three phases", "three-phase", "three_phase", "third phase"),
                "false": ("two phases", "two-phase")}),
    Param("losses", Vector(max_len=100_000), label="Loss after each epoch",
          help="reduce_on_plateau: the monitored value after epochs 1, 2, ... (a validation loss; an accuracy with "
               "mode max)",
          aliases=("losses", "validation losses", "validation loss", "loss values", "val losses", "val_loss",
                   "losses per epoch", "metric", "metrics", "monitored values", "accuracies")),
    Param("mode", Choice(PLATEAU_MODES), default="min", label="Better is",
          help="reduce_on_plateau: min (a loss) or max (an accuracy)",
          cues={"max": ("accuracy", "accuracies", "mode max", "mode='max'", "higher is better"),
                "min": ("mode min", "mode='min'", "lower is better")}),
    Param("factor", Real(0, 1, closed="left"), default="0.1", label="Reduction factor",
          help="reduce_on_plateau: the rate is multiplied by it at each cut (below 1); a gamma given instead is "
               "taken as it",
          aliases=("reduction factor", "lr reduction factor")),   # "factor 0.5" reads as gamma (see translate)
    Param("patience", Int(0, None), default="10", label="Patience",
          help="reduce_on_plateau: epochs without improvement tolerated; the rate is cut at the next one",
          aliases=("patience", "patience of", "epochs of patience")),
    Param("threshold", Real(0, None), default="0.0001", label="Improvement threshold",
          help="reduce_on_plateau: how much better than the best a loss must be to count as an improvement",
          aliases=("threshold", "improvement threshold", "min_delta", "minimum improvement")),
    Param("threshold_mode", Choice(THRESHOLD_MODES), default="rel", label="Threshold mode",
          help="reduce_on_plateau: rel (best x (1 - threshold)) or abs (best - threshold)",
          cues={"abs": ("absolute threshold", "absolute improvement", "threshold_mode abs", "threshold_mode='abs'",
                        "by at least"),
                "rel": ("relative threshold", "relative improvement", "threshold_mode rel")}),
    Param("cooldown", Int(0, None), default="0", label="Cooldown epochs",
          help="reduce_on_plateau: epochs after a cut during which bad epochs are not counted",
          aliases=("cooldown", "cool-down", "cooldown epochs", "cooldown of")),
    Param("warmup_steps", Int(0, None), default="0", label="Warm-up steps T_w",
          help="a linear warm-up over the first T_w steps (0: none); inverse_sqrt: its own warm-up, T_w in "
               "Noam's formula",
          aliases=("warm-up steps", "warmup steps", "warm-up", "warmup", "T_w")),
    Param("warmup_start", Real(0, 1), default="0", label="Warm-up start factor s_w",
          help="the warm-up starts at s_w * eta0 and reaches eta0 at t = T_w (torch LinearLR's start_factor)",
          aliases=("warm-up start factor", "start factor")),
    Param("at", Vector(lo=0), label="Evaluate at",
          help="the steps (or epochs) at which to give the learning rate, e.g. 0 5 10 (required but for "
               "reduce_on_plateau, where it picks epochs: all of them when empty)",
          aliases=("at", "at t", "at epoch", "at epochs", "at step", "t", "epoch", "epochs", "after", "step", "steps",
                   "iteration", "<subscript>")),
    Param("at_unit", Choice(AT_UNITS, aliases={"step": "t", "steps": "t", "epochs": "epoch", "updates": "update",
                                               "iteration": "update", "iterations": "update"}),
          default="t", label="Unit of the 'at' values", help="t, epoch or update (epoch and update need n_samples and batch_size)",
          cues={"update": ("mini-batch updates", "updates per epoch")}),
    Param("n_samples", Int(1, None), label="Training samples N", help="optional: for the updates per epoch",
          aliases=("training samples", "samples", "examples", "N", "data points")),
    Param("batch_size", Int(1, None), label="Mini-batch size B", help="optional: for the updates per epoch",
          aliases=("batch size", "mini-batch size", "B", "batches of")),
)

#: the question reader fills `at` as it does a required field (required for every schedule but reduce_on_plateau)
MAIN_FIELDS = ("at",)


_NUM = r"(\d++(?:\.\d++)?(?:e-?\d++)?)"  # (possessive: a long run of digits is not tried at every split)
_LHS = r"(?:lr|eta|alpha|learning\s+rate)(?:_t|_\{t\}|\(t\))?\s*=\s*"
#: a schedule written as its formula with the numbers in it: 0.1 exp(-0.5 t), 0.1 e^(-0.5t), 0.2/(1 + 0.1 t), 0.1 * 0.9^t
_FORMULAS = (
    ("exponential", re.compile(_LHS + _NUM + r"\s*\*?\s*(?:exp\(\s*-\s*|e\^\(?\s*-\s*)" + _NUM + r"\s*\*?\s*t\b(?:\s*\))?", re.I),
     ("eta0", "k")),
    ("inverse_time", re.compile(_LHS + _NUM + r"\s*/\s*\(\s*1\s*\+\s*" + _NUM + r"\s*\*?\s*t\s*\)", re.I), ("eta0", "k")),
    ("exponential_gamma", re.compile(_LHS + _NUM + r"\s*\*?\s*\(?" + _NUM + r"\)?\s*\^\s*\(?t\)?", re.I),
     ("eta0", "gamma")),
)


def read_structure(text: str, conventions: dict) -> dict | None:
    """The question reader's hook (solver.reading): a schedule written as its formula with its numbers, 'lr = 0.1 *
    exp(-0.5 t)', read as the schedule and its constants (the default k = 0.01 was used with 0.5 unread)."""
    for schedule, rx, names in _FORMULAS:
        m = rx.search(text)
        if m:
            span = (m.start(), m.end())
            fields = {"schedule": (schedule, span), names[0]: (m.group(1), span), names[1]: (m.group(2), span)}
            return {"fields": fields, "replaces": ()}
    return None

EXAMPLE = Example(
    params={"schedule": "exponential", "eta0": "0.1", "k": "0.01", "at": "0, 10"},
    source="the introductory slides, exponential decay: alpha_10 = 0.1 exp(-0.01*10) ~ 0.09",
)

#: The rates' precision when the request asks for none (solver.format.requested).
LR_PRECISION = Precision(sig=5)


def _precision() -> Precision:
    return F.requested() or LR_PRECISION
EXACT_LIMIT = 60     # more `at` values than this take the numeric path
SHOWN = 30           # evaluations shown one by one (the table has them all)


def translate(raw):
    """reduce_on_plateau calls its multiplier `factor` (torch's name); the other schedules call it gamma, whose words
    ("factor 0.5", "multiplied by 0.5") the question reader gives to gamma. A gamma given for reduce_on_plateau
    without a factor is its factor."""
    sched, g = raw.get("schedule"), raw.get("gamma")
    if g in (None, "") or raw.get("factor") not in (None, "") or not isinstance(sched, str):
        return raw
    try:
        if PARAMS[0].parse(sched, "lr_schedule") != "reduce_on_plateau":
            return raw
    except InvalidInput:
        return raw
    out = {k: v for k, v in raw.items() if k != "gamma"}
    out["factor"] = g
    return out


def validate(p: dict[str, Any]) -> None:
    if p["schedule"] == "reduce_on_plateau":
        _validate_plateau(p)
        return
    if p["at"] is None:
        raise InvalidInput("at", "The 'at' parameter of lr_schedule is required: the steps (or epochs) at which to "
                                 "give the learning rate, e.g. 0 5 10.")
    if p["schedule"] == "multistep" and not p["milestones"]:
        raise InvalidInput("milestones", "The 'milestones' parameter of lr_schedule is required for the multistep "
                                         "schedule: the steps at which the rate is multiplied by gamma, e.g. 30 80.")
    if p["schedule"] == "inverse_sqrt" and p["d_model"] is not None:
        if not p["warmup_steps"]:
            raise InvalidInput("warmup_steps", "The 'warmup_steps' parameter of lr_schedule must be at least 1 for "
                                               "Noam's inverse square-root schedule (d_model given): its formula has "
                                               "T_w^(-3/2), e.g. warmup_steps = 4000 as in Vaswani et al. 2017.")
        if p["warmup_start"] != 0:
            raise InvalidInput("warmup_start", "The 'warmup_start' parameter of lr_schedule must be 0 for Noam's "
                                               "inverse square-root schedule (d_model given): its warm-up rises from 0. "
                                               "Leave d_model empty for a warm-up from warmup_start x eta0.")
    if p["schedule"] == "one_cycle":
        _validate_one_cycle(p)
    have_n, have_b = p["n_samples"] is not None, p["batch_size"] is not None
    if have_n != have_b:
        missing = "batch_size" if have_n else "n_samples"
        raise InvalidInput(missing, f"The '{missing}' parameter of lr_schedule is required with "
                                    f"'{'n_samples' if have_n else 'batch_size'}' (updates per epoch = N / B).")
    if p["at_unit"] != "t" and not have_n:
        raise InvalidInput("n_samples", f"The 'n_samples' parameter of lr_schedule is required when at_unit is "
                                        f"'{p['at_unit']}' (with batch_size, it gives the updates per epoch).")


def _validate_one_cycle(p) -> None:
    T_c, pct = p["total_steps"], p["pct_start"]
    if T_c is None:
        raise InvalidInput("total_steps", "The 'total_steps' parameter of lr_schedule is required for the one_cycle "
                                          "schedule: the steps in the cycle (epochs x steps per epoch), e.g. 100.")
    if p["warmup_steps"]:
        raise InvalidInput("warmup_steps", "The 'warmup_steps' parameter of lr_schedule must be 0 for the one_cycle "
                                           "schedule: its first phase is the warm-up (pct_start of total_steps).")
    if pct * T_c <= 1:
        raise InvalidInput("pct_start", f"The 'pct_start' parameter of lr_schedule is too small for total_steps = "
                                        f"{T_c}: the rising phase ends at step pct_start x total_steps - 1 = "
                                        f"{F.text(pct * T_c - 1)}, which must be after step 0 (torch's OneCycleLR "
                                        "divides by zero when it is 0). Use pct_start > 1 / total_steps.")
    if p["three_phase"] and 2 * pct * T_c - 2 >= T_c - 1:
        raise InvalidInput("pct_start", f"The 'pct_start' parameter of lr_schedule is too large for three phases: the "
                                        f"second phase would end at step 2 pct_start total_steps - 2 = "
                                        f"{F.text(2 * pct * T_c - 2)}, leaving no third phase before step "
                                        f"{T_c - 1}. Use pct_start < (total_steps + 1) / (2 total_steps), about 0.5.")


def _validate_plateau(p) -> None:
    if p["losses"] is None:
        raise InvalidInput("losses", "The 'losses' parameter of lr_schedule is required for the reduce_on_plateau "
                                     "schedule: the loss after each epoch, e.g. 1.0 0.8 0.8 0.79 0.8.")
    for name in ("warmup_steps", "n_samples", "batch_size"):
        if p[name]:
            raise InvalidInput(name, f"The '{name}' parameter of lr_schedule does not apply to the reduce_on_plateau "
                                     "schedule, which is stepped once per epoch with that epoch's loss; leave it empty.")
    if p["at_unit"] != "t":
        raise InvalidInput("at_unit", "The 'at_unit' parameter of lr_schedule must be t for the reduce_on_plateau "
                                      "schedule: 'at' counts the epochs whose losses are given.")
    if p["threshold_mode"] == "rel" and p["threshold"] >= 1:
        raise InvalidInput("threshold", "The 'threshold' parameter of lr_schedule must be below 1 with threshold_mode "
                                        "rel: a loss must beat best x (1 - threshold), which is 0 or less from 1 on "
                                        "(torch then never counts an improvement). Use threshold_mode abs for an "
                                        "absolute threshold.")
    n = len(p["losses"])
    for a in (p["at"] if p["at"] is not None else ()):
        if a != int(a) or a > n:
            raise InvalidInput("at", f"The 'at' parameter of lr_schedule must hold whole epochs from 0 to {n} (the "
                                     f"epochs whose losses are given) for reduce_on_plateau. Got {F.text(a)}.")


def _past_cycle(p, tv) -> InvalidInput:
    return InvalidInput("at", f"The 'at' parameter of lr_schedule asks for t = {F.text(tv)}, past the one-cycle "
                              f"schedule's last step total_steps - 1 = {p['total_steps'] - 1} (torch's OneCycleLR "
                              "raises an error past total_steps).")


def _no_update_per_epoch(p) -> InvalidInput:
    """With drop_last and a batch larger than the data set an epoch makes no update (torch's DataLoader is empty),
    so update counts cannot be turned into epochs."""
    return InvalidInput("batch_size", f"The 'batch_size' parameter of lr_schedule ({p['batch_size']}) is larger than "
                                      f"n_samples ({p['n_samples']}) and the last, partial batch is dropped "
                                      "(last_batch = drop), so an epoch makes no update and update counts cannot be "
                                      "converted to epochs. Use a smaller batch_size or last_batch = keep.")


def use_numeric(p) -> bool:
    if p["schedule"] == "reduce_on_plateau":
        return isinstance(p["losses"], np.ndarray) or len(p["losses"]) > PLATEAU_EXACT_LIMIT
    return isinstance(p["at"], np.ndarray) or len(p["at"]) > EXACT_LIMIT


# ---- wording --------------------------------------------------------------------------------------------
def _describe(p) -> Rich:
    """The schedule in an exam's words, its rule and values typeset."""
    e0 = Eq(eta0, p["eta0"])
    sched = p["schedule"]
    R = RULES[t]
    if sched == "constant":
        out = Rich("The learning rate is constant, ", e0)
    elif sched == "step":
        out = Rich("The learning rate starts at ", e0, " and is multiplied by ", Eq(gamma, p["gamma"]),
                   f" every {p['step_size']} steps (step decay), ", Eq(eta, R["step"]), " with ", Eq(s, p["step_size"]))
    elif sched == "exponential":
        out = Rich("The learning rate decays exponentially, ", Eq(eta, R["exponential"]), ", with ", e0, " and ",
                   Eq(k, p["k"]))
    elif sched == "exponential_gamma":
        out = Rich("The learning rate decays by a factor ", Eq(gamma, p["gamma"]), " per step from ", e0, " (",
                   Eq(eta, R["exponential_gamma"]), ")")
    elif sched == "multistep":
        out = Rich("The learning rate starts at ", e0, " and is multiplied by ", Eq(gamma, p["gamma"]),
                   " at each milestone ", Math(*["t = " + ", ".join(str(int(m)) for m in sorted(p["milestones"]))] * 2),
                   " (multi-step decay)")
    elif sched == "inverse_sqrt" and p["d_model"] is not None:
        return Rich("The learning rate follows Noam's schedule (Vaswani et al. 2017), ", Eq(eta, NOAM), ", with ",
                    *((Eq(scl, p["scale"]), ", ") if p["scale"] != 1 else ()), Eq(dm, p["d_model"]), " and ",
                    Eq(Tw, p["warmup_steps"]), " warm-up steps.")
    elif sched == "inverse_sqrt":
        if not p["warmup_steps"]:
            return Rich("The learning rate decays as the inverse square root of t, ", Eq(eta, ISQRT_PLAIN), ", with ",
                        e0, ".")
        start = Rich("0") if p["warmup_start"] == 0 else Rich(Math(F.latex(p["warmup_start"]) + r"\,\eta_{0}",
                                                                   F.text(p["warmup_start"]) + " η₀"))
        return Rich("The learning rate warms up linearly from ", start, " to ", e0, f" over the first "
                    f"{p['warmup_steps']} steps, then decays as the inverse square root of t, ", Eq(eta, ISQRT_DECAY),
                    " (inverse square-root schedule).")
    elif sched == "one_cycle":
        three = " in three phases (back down to the start, then to the final rate)" if p["three_phase"] else ""
        return Rich(f"The learning rate follows the one-cycle policy over {p['total_steps']} steps{three}: it starts "
                    "at ", Eq(Math(r"\eta_{\mathrm{initial}}", "η_initial"), OC_INIT), ", rises to the maximum ", e0,
                    " over the first fraction ", Eq(pct_s, p["pct_start"]), " of the cycle, then falls to ",
                    Eq(Math(r"\eta_{\mathrm{final}}", "η_final"), OC_FINAL), ", with ",
                    Eq(div_f, p["div_factor"]), " and ", Eq(fdiv_f, p["final_div_factor"]), ", annealing "
                    + ("by a cosine." if p["anneal_strategy"] == "cos" else "linearly."))
    elif sched == "inverse_time":
        out = Rich("The learning rate follows inverse-time decay, ", Eq(eta, R["inverse_time"]), ", with ", e0,
                   " and ", Eq(k, p["k"]))
    elif sched == "cosine":
        out = Rich("The learning rate is cosine-annealed from ", e0, " to ", Eq(emin, p["eta_min"]), " over ",
                   Eq(T, p["T"]), " steps, ", Eq(eta, R["cosine"]))
    elif sched == "cosine_restarts":
        grow = "" if p["T_mult"] == 1 else f", each cycle {p['T_mult']} times longer than the last"
        out = Rich("The learning rate follows cosine annealing with warm restarts (SGDR) from ", e0, " to ",
                   Eq(emin, p["eta_min"]), ", the first cycle lasting ", Eq(T0, p["T"]), f" steps{grow}")
    else:
        out = Rich("The learning rate decays polynomially with power ", Eq(pw, p["power"]), " from ", e0, " to ",
                   Eq(emin, p["eta_min"]), " over ", Eq(T, p["T"]), " steps, ", Eq(eta, R["polynomial"]))
    if p["warmup_steps"]:
        start = Rich("0") if p["warmup_start"] == 0 else Rich(Math(F.latex(p["warmup_start"]) + r"\,\eta_{0}",
                                                                   F.text(p["warmup_start"]) + " η₀"))
        out += Rich(f", after a linear warm-up over the first {p['warmup_steps']} steps starting from ", start)
    return out + "."


def _at_values(p) -> list:
    return list(as_exact(p["at"]))


def statement(p) -> Rich:
    if p["schedule"] == "reduce_on_plateau":
        return _plateau_statement(p)
    ats = as_exact(p["at"][:13])
    shown = F.joined(ats[:12]) + (" ..." if len(p["at"]) > 12 else "")
    q = Rich(_describe(p))
    if p["n_samples"] is not None:
        q += Rich(" The training set has ", Eq(N, p["n_samples"]), " samples and mini-batches of ",
                  Eq(B, p["batch_size"]), ". How many updates make one epoch?")
    if p["at_unit"] == "epoch":
        q += f" The schedule is stepped once per update; what is the learning rate after epoch{'s' if len(ats) > 1 else ''} {shown}?"
    elif p["at_unit"] == "update":
        q += f" The schedule is stepped once per epoch; what is the learning rate at update{'s' if len(ats) > 1 else ''} {shown}?"
    else:
        q += Rich(" What is the learning rate at ", Math("t = " + ", ".join(F.latex(a) for a in ats[:12])
                                                          + (r", \dots" if len(p["at"]) > 12 else ""), "t = " + shown), "?")
    return q


# ---- the exact path --------------------------------------------------------------------------------------
def _symbols(p) -> dict:
    return {eta0: p["eta0"], gamma: p["gamma"], s: sp.Integer(p["step_size"]), k: p["k"], T: sp.Integer(p["T"]),
            emin: p["eta_min"], pw: p["power"], Tw: sp.Integer(p["warmup_steps"]), sw: p["warmup_start"],
            T0: sp.Integer(p["T"]), Tm: sp.Integer(p["T_mult"]), scl: p["scale"], div_f: p["div_factor"],
            fdiv_f: p["final_div_factor"], pct_s: p["pct_start"],
            **({T_tot: sp.Integer(p["total_steps"])} if p["total_steps"] is not None else {}),
            **({dm: sp.Integer(p["d_model"])} if p["d_model"] is not None else {})}


def _needed(expr: sp.Expr, vals: dict) -> dict:
    return {x: vals[x] for x in expr.free_symbols if x in vals}


def _sgdr_cycle(tv, T_0: int, mult: int):
    """(i, start of cycle i, length of cycle i) for the step tv (exact): restarts at 0, T_0, T_0 + T_0 T_mult, ..."""
    if mult == 1:
        i = int(sp.floor(tv / T_0))
        return i, sp.Integer(i * T_0), sp.Integer(T_0)
    i, start, length = 0, sp.Integer(0), sp.Integer(T_0)
    while tv >= start + length:
        start += length
        length *= mult
        i += 1
    return i, start, length


def _restarts(T_0: int, mult: int, upto) -> str:
    starts, start, length = [], 0, T_0
    while start <= upto and len(starts) < 8:
        starts.append(start)
        start += length
        length *= mult
    return ", ".join(str(x) for x in starts) + ", ..."


def _decay_value(d: Derivation, p, conv, clock: sp.Symbol, cv, vals: dict, lhs, title: str):
    """The decay schedule at clock value cv, as compute steps (formula -> substitution -> value)."""
    sched = p["schedule"]
    rules = RULES[clock]
    v = dict(vals)
    v[clock] = cv
    if sched == "cosine" and conv["cosine_after_T"] == "hold" and cv > p["T"]:
        return d.compute(f"{title}: past T = {p['T']}, the annealing has ended", lhs, HOLD, _needed(HOLD, v),
                         text=f"{clock.name} = {F.text(cv)} > T, so the rate stays at eta_min (convention cosine_after_T = hold).")
    if sched == "cosine_restarts":
        T_0, mult = p["T"], p["T_mult"]
        i, start, length = _sgdr_cycle(cv, T_0, mult)
        v[ci] = sp.Integer(i)
        rule = SGDR_START1 if mult == 1 else SGDR_START
        v[t_i] = d.compute(f"Cycle i = {i} starts at", t_i, rule, _needed(rule, v),
                           text=f"The restarts happen at {_restarts(T_0, mult, cv)}; "
                                f"{clock.name} = {F.text(cv)} is in cycle i = {i}.")
        v[Ti] = d.compute("Its length", Ti, SGDR_TI, _needed(SGDR_TI, v))
        v[Tcur] = d.compute("Steps since the restart", Tcur, rules["cycle_cur"], _needed(rules["cycle_cur"], v))
        return d.compute(title, lhs, SGDR, _needed(SGDR, v))
    if sched == "multistep":
        ms = sorted(int(m) for m in p["milestones"])
        reached = [m for m in ms if m <= cv]
        v[m_passed] = sp.Integer(len(reached))
        d.note(f"Milestones reached by {clock.name} = {F.text(cv)}",
               f"m = {len(reached)}" + (f" ({', '.join(map(str, reached))} <= {F.text(cv)})" if reached else
                                        f" (the first milestone is {ms[0]})"))
    expr = rules[sched]
    return d.compute(title, lhs, expr, _needed(expr, v))


def _own_rules(d: Derivation, p, vals: dict, at_zero: bool) -> None:
    """The formulas of a schedule with its own warm-up (OWN_WARMUP); one_cycle adds its rates and phase ends to vals."""
    T_w = p["warmup_steps"]
    if p["schedule"] == "one_cycle":
        _one_cycle_rules(d, p, vals)
        return
    if p["d_model"] is not None:
        d.formula("Noam's schedule (Vaswani et al. 2017)", eta, NOAM,
                  text="The first term decays as the inverse square root of t, the second rises linearly; the smaller "
                       "one is the rate, so it rises for t < T_w and decays after.")
        d.compute("The peak, at t = T_w", sym("eta_peak", r"\eta_{\mathrm{peak}}"), NOAM_PEAK,
                  _needed(NOAM_PEAK, _symbols(p)),
                  text="Both terms are equal at t = T_w: the same shape as a linear warm-up to this peak followed by "
                       "eta_peak sqrt(T_w / t). eta0 is not used.")
        if at_zero:
            d.note("At t = 0", "The formula gives 0 (the warm-up term). The Annotated Transformer's code evaluates "
                               "step 0 as step 1 instead, to avoid 0^(-1/2).")
    elif T_w:
        d.formula("Linear warm-up (t < T_w)", eta, WARMUP,
                  text=f"Over the first T_w = {T_w} steps the rate rises linearly from s_w eta0 to eta0.")
        d.formula("Inverse square-root decay (t >= T_w)", eta, ISQRT_DECAY,
                  text="On the global step t, so the rate is eta0 at t = T_w (fairseq's inverse_sqrt, Hugging Face's "
                       "get_inverse_sqrt_schedule).")
    else:
        d.formula("Inverse square-root decay", eta, ISQRT_PLAIN, text="Defined for t >= 1.")
    if T_w:
        d.note("The warm-up is part of this schedule", "The inverse square-root decay runs on the global step t, so "
                                                     "the after_warmup convention does not change it.")


def _one_cycle_rules(d: Derivation, p, vals: dict) -> None:
    vals[eta_init] = d.compute("The starting rate", eta_init, OC_INIT, _needed(OC_INIT, vals))
    vals[eta_fin] = d.compute("The final rate", eta_fin, OC_FINAL, _needed(OC_FINAL, vals))
    ends = [(E1, OC_END1, "The rising phase ends at step")]
    if p["three_phase"]:
        ends.append((E2, OC_END2, "The falling phase ends at step"))
    ends.append((E3 if p["three_phase"] else E2, OC_LAST, "The last phase ends at step"))
    for lhs, rule, title in ends:
        vals[lhs] = d.compute(title, lhs, rule, _needed(rule, vals))
    d.note("The phases", "; ".join(f"phase {i + 1}: steps {F.text(a)} to {F.text(b)}, the rate from {F.text(ra)} to {F.text(rb)}"
                                   for i, (a, b, ra, rb, _) in enumerate(_one_cycle_phases(p, vals)))
           + ". A step t belongs to the first phase whose end it has not passed, and each phase starts where the "
             "previous one ended, as torch's OneCycleLR lays them out.")
    d.formula("The fraction of the phase done", x_ph, OC_X, text="S and E: the phase's start and end steps.")
    d.formula("Annealing from the phase's first rate to its last", eta, OC_ANNEAL[p["anneal_strategy"]],
              text=ANNEAL[p["anneal_strategy"]].capitalize() + f"; anneal_strategy = {p['anneal_strategy']}.")


def _one_cycle_phases(p, vals: dict) -> list:
    """(start step, end step, first rate, last rate, name) of each phase, exact, as torch's OneCycleLR lays them out."""
    init, fin, top = vals[eta_init], vals[eta_fin], p["eta0"]
    if p["three_phase"]:
        return [(sp.Integer(0), vals[E1], init, top, "warm-up"), (vals[E1], vals[E2], top, init, "cool-down"),
                (vals[E2], vals[E3], init, fin, "annihilation")]
    return [(sp.Integer(0), vals[E1], init, top, "warm-up"), (vals[E1], vals[E2], top, fin, "annealing")]


def _one_cycle_phase(phases: list, tv) -> int:
    return next(i for i, ph in enumerate(phases) if tv <= ph[1] or i == len(phases) - 1)


def _own_lr_at(d: Derivation, p, tv, vals: dict, title: str):
    """The rate of an OWN_WARMUP schedule at t = tv."""
    T_w = p["warmup_steps"]
    if p["schedule"] == "one_cycle":
        if tv > p["total_steps"] - 1:
            raise _past_cycle(p, tv)
        phases = _one_cycle_phases(p, vals)
        i = _one_cycle_phase(phases, tv)
        a, b, ra, rb, name = phases[i]
        x = d.compute(f"Phase {i + 1} ({name}, steps {F.text(a)} to {F.text(b)}): the fraction done", x_ph, OC_X,
                      {t: tv, S_ph: a, E_ph: b})
        rule = OC_ANNEAL[p["anneal_strategy"]]
        return d.compute(title, eta, rule, {eta_a: ra, eta_b: rb, x_ph: x})
    v = {**vals, t: tv}
    if p["d_model"] is not None:
        if tv < T_w:
            return d.compute(f"{title}: t < T_w = {T_w}, so t T_w^(-3/2) is the smaller term", eta, NOAM_WARM,
                             _needed(NOAM_WARM, v))
        return d.compute(f"{title}: t >= T_w = {T_w}, so t^(-1/2) is the smaller term", eta, NOAM_DECAY,
                         _needed(NOAM_DECAY, v))
    if tv < T_w:
        return d.compute(f"{title}: warm-up (t < T_w = {T_w})", eta, WARMUP, _needed(WARMUP, v))
    if T_w:
        return d.compute(f"{title}: decay (t >= T_w = {T_w})", eta, ISQRT_DECAY, _needed(ISQRT_DECAY, v))
    if tv == 0:
        raise _isqrt_at_zero()
    return d.compute(title, eta, ISQRT_PLAIN, _needed(ISQRT_PLAIN, v))


def _isqrt_at_zero() -> InvalidInput:
    return InvalidInput("at", "The 'at' parameter of lr_schedule includes t = 0, where the inverse square-root rate "
                              "eta0 / sqrt(t) is undefined. Evaluate at t >= 1, or add a warm-up (warmup_steps).")


def _lr_at(d: Derivation, p, conv, tv, vals: dict, title: str):
    """The learning rate at clock value tv, with the warm-up logic; adds its steps to `d`."""
    T_w = p["warmup_steps"]
    if p["schedule"] in OWN_WARMUP:
        return _own_lr_at(d, p, tv, vals, title)
    if T_w and tv < T_w:
        if conv["after_warmup"] == "sequential":
            return d.compute(f"Warm-up (t < T_w = {T_w})", eta, WARMUP, _needed(WARMUP, {**vals, t: tv}))
        fac = d.compute(f"Warm-up factor (t < T_w = {T_w})", f_w, WARM_FACTOR, _needed(WARM_FACTOR, {**vals, t: tv}))
        dec = _decay_value(d, p, conv, t, tv, vals, eta_dec, "The schedule at the same t")
        return d.compute("The learning rate", eta, CHAINED, {f_w: fac, eta_dec: dec})
    if T_w and p["schedule"] == "constant":
        return d.compute(f"{title} (t >= T_w = {T_w}: the warm-up is over)", eta, RULES[t]["constant"], {eta0: p["eta0"]})
    if T_w and conv["after_warmup"] == "sequential":
        tv2 = d.compute("The schedule's clock (it starts when the warm-up ends)", tau, TAU, {t: tv, Tw: sp.Integer(T_w)})
        return _decay_value(d, p, conv, tau, tv2, vals, eta, "The learning rate")
    if T_w:  # chained, past the warm-up
        title = f"{title} (t >= T_w = {T_w}: the warm-up factor is 1)"
    return _decay_value(d, p, conv, t, tv, vals, eta, title)


def _updates_per_epoch(d: Derivation, p, conv):
    vals = {N: sp.Integer(p["n_samples"]), B: sp.Integer(p["batch_size"])}
    with d.group("Updates per epoch", text="Mini-batch gradient descent makes one update per mini-batch, so N / B "
                                           "updates per epoch (as in the course notes); when B does not divide N the last batch is partial."):
        d.compute("Batches", U_ratio, RATIO, vals)
        rule = UPD_KEEP if conv["last_batch"] == "keep" else UPD_DROP
        why = ("the last, partial batch is still an update (round up)" if conv["last_batch"] == "keep"
               else "the last, partial batch is dropped (round down)")
        out = d.compute(f"Updates per epoch: {why}", U, rule, vals, answer="updates_per_epoch")
    if out == 0 and p["at_unit"] == "update":
        raise _no_update_per_epoch(p)
    if p["batch_size"] > p["n_samples"]:
        d.note("A batch larger than the data", f"B = {p['batch_size']} exceeds N = {p['n_samples']}: "
               + ("the one, partial batch is still an update, so an epoch is one update (torch's DataLoader)."
                  if out else "the one, partial batch is dropped, so an epoch makes no update (torch's DataLoader "
                              "with drop_last=True is empty)."))
    return out


class _TooLarge(Exception):
    """A rate whose exact value is beyond what exact working computes (problems._optim.guard)."""


class _Checked(Derivation):
    """The exact path's step builder, with the size guard before each evaluation: e^(-k t) with k = 1e400 is a
    number of 10^400 digits, which exact arithmetic would spend seconds printing."""

    def compute(self, title, lhs, expr, values, **kw):
        why = too_large(expr, values)
        if why is not None:
            raise _TooLarge(f"{title}: {why}")
        return super().compute(title, lhs, expr, values, **kw)


def solve(p, conv) -> Derivation:
    if p["schedule"] == "reduce_on_plateau":
        return _solve_plateau(p)
    try:
        return _solve_exact(p, conv)
    except _TooLarge as e:
        d = Derivation()
        d.note("Numeric working: the exact values are too large",
               f"{e}. The rates are computed in float64 instead, where a number beyond its range is 0 or infinite.")
        return solve_numeric(p, conv, d)


def _solve_exact(p, conv) -> Derivation:
    d = _Checked()
    vals = _symbols(p)
    sched, T_w = p["schedule"], p["warmup_steps"]
    ats = _at_values(p)

    d.given("The schedule", text=_describe(p).text())
    U_val = None
    if p["n_samples"] is not None:
        U_val = _updates_per_epoch(d, p, conv)

    # the rules used
    clock = tau if (T_w and conv["after_warmup"] == "sequential") else t
    if sched in OWN_WARMUP:
        _own_rules(d, p, vals, at_zero=p["at_unit"] == "t" and 0 in ats)
    elif T_w:
        if conv["after_warmup"] == "sequential":
            d.formula("Linear warm-up (t < T_w)", eta, WARMUP,
                      text=f"Over the first T_w = {T_w} steps the rate rises linearly from s_w eta0 to eta0 (torch LinearLR).")
            if sched != "constant":
                d.formula("After the warm-up (t >= T_w), the schedule's own clock", tau, TAU,
                          text="The schedule starts when the warm-up ends (torch SequentialLR).")
        else:
            d.formula("Warm-up factor", f_w, WARM_FACTOR,
                      text=f"It rises linearly from s_w to 1 over the first T_w = {T_w} steps and stays 1 after.")
            d.formula("The learning rate", eta, CHAINED,
                      text="The factor multiplies the schedule, which runs from t = 0 (torch ChainedScheduler).")
    lhs = eta_dec if (T_w and conv["after_warmup"] == "chained") else eta
    if sched == "cosine_restarts":
        d.formula("Cycle i's length", Ti, SGDR_TI)
        if p["T_mult"] == 1:
            d.formula("Cycle i starts at", t_i, SGDR_START1)
        else:
            d.formula("Cycle i starts at", t_i, SGDR_START, text="The sum of the earlier cycles' lengths, a geometric series.")
        d.formula("Steps since the last restart", Tcur, RULES[clock]["cycle_cur"])
        d.formula("Cosine annealing within the cycle", lhs, SGDR,
                  text="At each restart T_cur = 0 and the rate jumps back to eta0 (Loshchilov & Hutter's SGDR).")
    elif sched not in OWN_WARMUP:
        d.formula(SCHEDULES[sched].split(":")[0].capitalize(), lhs, RULES[clock][sched])
    if sched == "step":
        d.note("When the drop happens", f"floor(t / {p['step_size']}) counts the completed periods, so the rate drops as t "
                                        f"reaches {p['step_size']}, {2 * p['step_size']}, ...: the introductory slides' "
                                        "alpha_5 = 0.05 and alpha_10 = 0.025 follow this floor rule.")
    if sched == "cosine" and conv["cosine_after_T"] == "hold":
        d.note("Past T", f"For t > T = {p['T']} the rate stays at eta_min (convention cosine_after_T); torch's "
                         "CosineAnnealingLR would follow the cosine back up.")
    if sched == "exponential":
        _note_exp_typo(d, p, [a for a in ats if a > 0] if p["at_unit"] == "t" else [])
    if sched == "polynomial":
        d.note("Past T", f"min(t, T) holds the rate at eta_min once t >= T = {p['T']}.")

    # the evaluations
    lrs, rows, clocks = [], [], []
    multi = sched in ("cosine_restarts", "one_cycle") or bool(T_w)
    for n_at, a in enumerate(ats):
        target = d if n_at < SHOWN else _Checked()
        unit = p["at_unit"]
        if unit == "t":
            tv = a
            if multi:
                with target.group(f"At t = {F.text(a)}"):
                    lr = _lr_at(target, p, conv, tv, vals, "The learning rate")
            else:
                lr = _lr_at(target, p, conv, tv, vals, f"At t = {F.text(a)}")
        else:
            with target.group(f"At {unit} {F.text(a)}"):
                if unit == "epoch":
                    tv = target.compute("The schedule's step count (one step per update)", t, EPOCH_TO_T, {ep: a, U: U_val})
                else:
                    tv = target.compute("Completed epochs (one schedule step per epoch)", t, UPDATE_TO_T, {upd: a, U: U_val})
                lr = _lr_at(target, p, conv, tv, vals, "The learning rate")
        lrs.append(lr)
        clocks.append(tv)
        phased = bool(T_w) or sched == "one_cycle"
        if sched == "one_cycle":
            phase = _one_cycle_phases(p, vals)[_one_cycle_phase(_one_cycle_phases(p, vals), tv)][4]
        else:
            phase = ("warm-up" if T_w and tv < T_w else "decay") if T_w else ""
        rows.append(([a] if p["at_unit"] != "t" else []) + [tv] + ([phase] if phased else []) + [lr])
    if len(ats) > SHOWN:
        d.note("The other evaluations", f"The first {SHOWN} of {len(ats)} evaluations are shown step by step; the table has them all.")
    cols = ([Math(r"\text{%s}" % p["at_unit"], p["at_unit"])] if p["at_unit"] != "t" else []) \
        + [Math("t", "t")] + ([Math(r"\text{phase}", "phase")] if T_w or sched == "one_cycle" else []) \
        + [Math(r"\eta_{t}", "eta_t")]
    d.table("The learning rates", cols, rows, sig=max(8, F.style().working))
    d.conclude("Learning rates", answers=(make_answer("lr", tuple(lrs), precision=_precision()),),
               value=F.equals(sym("eta"), tuple(lrs)))

    # strict JSON: a rate beyond float64 (eta0 = 1e400) is plotted as a gap (None), never as inf
    d.extras["plot"] = {"kind": "lr_schedule", "t": [float(x) for x in clocks],
                        "lr": [v if math.isfinite(v) else None for v in (float(x) for x in lrs)]}
    return d


def _note_exp_typo(d: Derivation, p, clocks) -> None:
    tv = next((c for c in clocks if c > 0), sp.Integer(10))
    if too_large(WRONG_EXP, {eta0: p["eta0"], k: p["k"], t: tv}) or too_large(RULES[t]["exponential"],
                                                                              {eta0: p["eta0"], k: p["k"], t: tv}):
        d.note("A typo in the course notes", "The course notes (week 4) write exponential decay as eta = eta0^(-k t); "
                                             "it is eta0 e^(-k t), as the introductory slides write it.")
        return
    wrong = evaluate(WRONG_EXP, {eta0: p["eta0"], k: p["k"], t: tv})
    right = evaluate(RULES[t]["exponential"], {eta0: p["eta0"], k: p["k"], t: tv})
    d.note("A typo in the course notes",
           f"The course notes (week 4) write exponential decay as eta = eta0^(-k t); it is eta0 e^(-k t), as the "
           f"introductory slides write it. Read literally, eta0^(-k t) at t = {F.text(tv)} is "
           f"{F.text(p['eta0'])}^(-{F.text(p['k'] * tv)}) = {F.text(wrong)} instead of {F.text(right)}"
           + (": larger than eta0 and growing with t, not a decay." if p["eta0"] < 1 and wrong > p["eta0"] else "."))


# ---- the numeric path ------------------------------------------------------------------------------------
def updates_per_epoch(n_samples: int, batch_size: int, last_batch: str) -> int:
    return -(-n_samples // batch_size) if last_batch == "keep" else n_samples // batch_size


def _float(x) -> float:
    """A parameter as float64 (+-inf beyond its range: eta0 or k typed with 400 digits)."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _decay_numeric(p, conv, c: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):   # parameters beyond float64 are inf; their products are handled below
        return _decay_numeric_(p, conv, c)


def _decay_numeric_(p, conv, c: np.ndarray) -> np.ndarray:
    sched = p["schedule"]
    e0, g, kk, TT, em, pp = (_float(p["eta0"]), _float(p["gamma"]), _float(p["k"]), _float(p["T"]),
                            _float(p["eta_min"]), _float(p["power"]))
    kc = np.where(c == 0, 0.0, kk * c)   # k t, exactly 0 at t = 0 even when k is beyond float64 (inf * 0)
    if sched == "constant":
        return np.full_like(c, e0)
    if sched == "step":
        return e0 * g ** np.floor(c / p["step_size"])
    if sched == "exponential":
        return e0 * np.exp(-kc)
    if sched == "exponential_gamma":
        return e0 * g ** c
    if sched == "multistep":
        return e0 * g ** np.searchsorted(np.sort(np.asarray([float(m) for m in p["milestones"]])), c, side="right")
    if sched == "inverse_time":
        return e0 / (1.0 + kc)
    if sched == "cosine":
        # cos has period 2T in t: reduce t first (np.fmod is exact), so that pi t / T keeps its digits at t = 1e12
        out = em + (e0 - em) * (1.0 + np.cos(np.pi * np.fmod(c, 2.0 * TT) / TT)) / 2.0
        if conv["cosine_after_T"] == "hold":
            out = np.where(c > TT, em, out)
        return out
    if sched == "polynomial":
        return em + (e0 - em) * (1.0 - np.minimum(c, TT) / TT) ** pp
    # cosine_restarts: the cycle index, then its start and length
    T_0, m = p["T"], p["T_mult"]
    if m == 1:
        start, length = np.floor(c / T_0) * T_0, np.full_like(c, float(T_0))
    else:
        i = np.floor(np.log1p(c * (m - 1) / T_0) / math.log(m))
        start_of = lambda j: T_0 * (m ** j - 1.0) / (m - 1)
        i = np.where(c < start_of(i), i - 1, i)                     # float log at a boundary: step back
        i = np.where(c >= start_of(i + 1), i + 1, i)                # ... or forward
        start, length = start_of(i), T_0 * float(m) ** i
    return em + (e0 - em) * (1.0 + np.cos(np.pi * (c - start) / length)) / 2.0


def _inverse_sqrt_numeric(p, tv: np.ndarray) -> np.ndarray:
    T_w = p["warmup_steps"]
    with np.errstate(divide="ignore"):
        if p["d_model"] is not None:
            c = _float(p["scale"]) / math.sqrt(p["d_model"])
            return c * np.where(tv < T_w, tv * float(T_w) ** -1.5, tv ** -0.5)
        e0, s_w = _float(p["eta0"]), float(p["warmup_start"])
        if not T_w:
            if np.any(tv == 0):
                raise _isqrt_at_zero()
            return e0 / np.sqrt(tv)
        return e0 * np.where(tv < T_w, s_w + (1.0 - s_w) * tv / T_w, np.sqrt(T_w / np.maximum(tv, T_w)))


def _one_cycle_numeric(p, tv: np.ndarray) -> np.ndarray:
    """torch's OneCycleLR.get_lr, vectorised: each t in the first phase with t <= its end (or the last)."""
    T_c, pct = p["total_steps"], float(p["pct_start"])
    if np.any(tv > T_c - 1):
        raise _past_cycle(p, float(tv[tv > T_c - 1][0]))
    top = _float(p["eta0"])
    init = top / float(p["div_factor"])
    fin = init / float(p["final_div_factor"])
    if p["three_phase"]:
        phases = [(0.0, pct * T_c - 1, init, top), (pct * T_c - 1, 2 * pct * T_c - 2, top, init),
                  (2 * pct * T_c - 2, T_c - 1.0, init, fin)]
    else:
        phases = [(0.0, pct * T_c - 1, init, top), (pct * T_c - 1, T_c - 1.0, top, fin)]
    out = np.empty_like(tv)
    done = np.zeros(tv.shape, dtype=bool)
    for i, (a, b, ra, rb) in enumerate(phases):
        here = ~done & ((tv <= b) if i < len(phases) - 1 else True)
        x = (tv[here] - a) / (b - a)
        out[here] = (rb + (ra - rb) / 2.0 * (np.cos(np.pi * x) + 1.0) if p["anneal_strategy"] == "cos"
                     else (rb - ra) * x + ra)
        done |= here
    return out


def lr_numeric(p, conv, tv: np.ndarray) -> np.ndarray:
    """The learning rate at the clock values tv (float64, vectorised)."""
    T_w = p["warmup_steps"]
    if p["schedule"] == "inverse_sqrt":
        return _inverse_sqrt_numeric(p, tv)
    if p["schedule"] == "one_cycle":
        return _one_cycle_numeric(p, tv)
    if not T_w:
        return _decay_numeric(p, conv, tv)
    e0, s_w = _float(p["eta0"]), float(p["warmup_start"])
    factor = s_w + (1.0 - s_w) * np.minimum(tv, T_w) / T_w
    if conv["after_warmup"] == "chained":
        return factor * _decay_numeric(p, conv, tv)
    return np.where(tv < T_w, e0 * factor, _decay_numeric(p, conv, np.maximum(tv - T_w, 0.0)))


def solve_numeric(p, conv, d: Derivation | None = None) -> Derivation:
    """The same schedule evaluated in float64 NumPy over the whole `at` vector at once."""
    d = Derivation() if d is None else d
    if p["schedule"] == "reduce_on_plateau":
        return _solve_plateau_numeric(p, d)
    at = as_float(p["at"]) if not isinstance(p["at"], np.ndarray) else p["at"].astype(np.float64)
    at = np.atleast_1d(at)
    d.given("The schedule", text=_describe(p).text())
    U_val = None
    if p["n_samples"] is not None:
        U_val = updates_per_epoch(p["n_samples"], p["batch_size"], conv["last_batch"])
        if U_val == 0 and p["at_unit"] == "update":
            raise _no_update_per_epoch(p)
        d.conclude("Updates per epoch", text=f"U = {'ceil' if conv['last_batch'] == 'keep' else 'floor'}"
                                            f"({p['n_samples']} / {p['batch_size']}) = {U_val}",
                   answers=(make_answer("updates_per_epoch", sp.Integer(U_val)),))
    if p["at_unit"] == "epoch":
        tv = at * U_val
    elif p["at_unit"] == "update":
        tv = np.floor(at / U_val)
    else:
        tv = at
    lr = lr_numeric(p, conv, tv)
    d.note("Numeric path", f"{at.size} evaluations in float64 NumPy, vectorised; no per-evaluation steps. "
                           f"The rate ranges from {F.text(float(lr.min()))} to {F.text(float(lr.max()))}.")
    d.conclude("Learning rates", answers=(vector_answer("lr", lr, _precision()),))
    return d


# ---- random instances ------------------------------------------------------------------------------------
def generate(rng: np.random.Generator) -> dict:
    """A random schedule with hand-friendly numbers, evaluated at a few steps.

    Well-posed by construction: eta_min < eta0 (a tenth of it or 0), batch_size <= n_samples."""
    sched = str(rng.choice(list(SCHEDULES)))
    out: dict[str, Any] = {"schedule": sched, "eta0": str(rng.choice(["0.1", "0.01", "0.05", "0.5", "1"]))}
    if sched in ("step", "exponential_gamma", "multistep"):
        out["gamma"] = str(rng.choice(["0.5", "0.1", "0.9"] if sched != "exponential_gamma" else ["0.9", "0.95", "0.5"]))
    if sched == "multistep":
        out["milestones"] = sorted(int(x) for x in rng.choice(np.arange(1, 21), size=int(rng.integers(1, 4)), replace=False))
    if sched == "step":
        out["step_size"] = int(rng.integers(2, 11))
    if sched in ("exponential", "inverse_time"):
        out["k"] = str(rng.choice(["0.01", "0.05", "0.1", "0.5"]))
    if sched in ("cosine", "cosine_restarts", "polynomial"):
        out["T"] = int(rng.integers(4, 31))
        out["eta_min"] = "0" if rng.random() < 0.5 else str(sp.Rational(out["eta0"]) / 10)
    if sched == "cosine_restarts":
        out["T_mult"] = int(rng.integers(1, 4))
    if sched == "polynomial":
        out["power"] = str(rng.choice(["1", "2", "0.5"]))
    if sched == "inverse_sqrt":
        return _generate_inverse_sqrt(rng, out)
    if sched == "one_cycle":
        return _generate_one_cycle(rng, out)
    if sched == "reduce_on_plateau":
        return _generate_plateau(rng, out)
    if sched == "constant" or rng.random() < 0.3:
        out["warmup_steps"] = int(rng.integers(2, 6))
        out["warmup_start"] = str(rng.choice(["0", "0.1", "0.25"]))
    # keep the rates exam-sized: at most three drops of a step decay, and no more than a few e-foldings or
    # halvings (0.1^15 or 0.5^30 would print as 1e-16 and 1e-9)
    horizon = 3 * out.get("T", 10)
    if sched == "step":
        horizon = 3 * out["step_size"] + out["step_size"] - 1
    elif sched == "exponential":
        horizon = min(30, int(round(5 / float(out["k"]))))
    elif out.get("gamma") == "0.5" and sched == "exponential_gamma":
        horizon = 10
    out["at"] = sorted(int(x) for x in rng.choice(horizon + 1, size=int(rng.integers(3, 6)), replace=False))
    if rng.random() < 0.3:
        out["batch_size"] = int(rng.choice([16, 32, 64, 128]))
        out["n_samples"] = int(out["batch_size"] * rng.integers(2, 50) + rng.integers(0, out["batch_size"]))
    return out


def _generate_inverse_sqrt(rng: np.random.Generator, out: dict) -> dict:
    """Noam's form (d_model a power of 4 and T_w a square, so the rates are surds an exam can write) or the
    peak-rate form, evaluated at a few squares around the warm-up's end."""
    T_w = int(rng.choice([4, 16, 25, 100]))
    out["warmup_steps"] = T_w
    if rng.random() < 0.5:
        out["d_model"] = int(rng.choice([16, 64, 256]))   # 512 with T_w = 100 starts below 5e-5
        out.pop("eta0")
    elif rng.random() < 0.3:
        out["warmup_start"] = str(rng.choice(["0.1", "0.25"]))
    pool = sorted({0, 1, T_w // 2, T_w, 4 * T_w, 9 * T_w, 16 * T_w, 25 * T_w})
    out["at"] = sorted(int(x) for x in rng.choice(pool, size=int(rng.integers(3, 6)), replace=False))
    return out


def _generate_one_cycle(rng: np.random.Generator, out: dict) -> dict:
    T_c = int(rng.choice([10, 20, 50, 100]))
    out.update(total_steps=T_c, pct_start=str(rng.choice(["0.3", "0.25", "0.2"])),
               anneal_strategy=str(rng.choice(["cos", "linear"])))
    if rng.random() < 0.3:
        out["three_phase"] = "true"
    # exam-sized rates: torch's defaults (25, 10^4) end at eta0 / 250000; these end at eta0 / 1000 or above
    out["div_factor"], out["final_div_factor"] = str(rng.choice(["25", "10", "5"])), str(rng.choice(["10", "20", "40"]))
    out["at"] = sorted(int(x) for x in rng.choice(T_c, size=int(rng.integers(3, 6)), replace=False))
    return out


def _generate_plateau(rng: np.random.Generator, out: dict) -> dict:
    """Losses that fall, then stall (repeats and small wiggles) so that the rate is cut once or twice."""
    n = int(rng.integers(6, 13))
    loss, losses = 1.0, []
    for _ in range(n):
        if rng.random() < 0.5:
            loss = round(loss - float(rng.choice([0.1, 0.05, 0.2])), 2)
        losses.append(max(round(loss + float(rng.choice([0.0, 0.0, 0.01, 0.02])), 2), 0.01))
    patience = int(rng.integers(0, 4))   # at most three cuts by 0.1 (0.001 eta0): exam-sized rates
    out.update(losses=losses, patience=patience, factor=str(rng.choice(["0.5", "0.1", "0.2"] if patience >= 2 else ["0.5"])))
    if rng.random() < 0.3:
        out["cooldown"] = int(rng.integers(1, 3))
    if rng.random() < 0.3:
        out["threshold"], out["threshold_mode"] = str(rng.choice(["0.01", "0.05"])), str(rng.choice(["rel", "abs"]))
    if rng.random() < 0.2:
        out["eta_min"] = str(sp.Rational(out["eta0"]) / 100)
    if rng.random() < 0.3:
        out["at"] = sorted(int(x) for x in rng.choice(n + 1, size=int(rng.integers(1, 3)), replace=False))
    return out


# ---- reduce on plateau -------------------------------------------------------------------------------------
def _plateau_trace(p) -> list[dict]:
    """torch ReduceLROnPlateau.step(loss) epoch by epoch, the decisions only (the rates follow from the cuts).

    Comparisons are exact, on the numbers as typed (a NumPy array's floats as their shortest decimals), so both
    paths cut at the same epochs; torch compares in float64, which differs only when a loss equals the bound to
    within rounding. Each record: epoch, loss, bound (None at the first epoch: anything beats torch's initial
    best of +-inf), improved, best, best_epoch, bad (after the epoch), in_cooldown, cooldown (left after it), cut."""
    bound_fn = PLATEAU_BOUND_FN[(p["mode"], p["threshold_mode"])]
    th = Fraction(str(p["threshold"])) if not isinstance(p["threshold"], sp.Rational) else \
        Fraction(int(p["threshold"].p), int(p["threshold"].q))
    losses = [Fraction(int(v.p), int(v.q)) for v in (sp.Rational(x) for x in as_exact(p["losses"]))]
    lower = p["mode"] == "min"
    best, best_epoch, bad, cd, out = None, 0, 0, 0, []
    for e, a in enumerate(losses, 1):
        bound = None if best is None else bound_fn(best, th)
        improved = bound is None or (a < bound if lower else a > bound)
        if improved:
            best, best_epoch, bad = a, e, 0
        else:
            bad += 1
        in_cd = cd > 0
        if in_cd:
            cd -= 1
            bad = 0
        cut = bad > p["patience"]
        if cut:
            cd, bad = p["cooldown"], 0
        out.append({"epoch": e, "loss": a, "bound": bound, "improved": improved, "best": best,
                    "best_epoch": best_epoch, "bad": bad, "in_cooldown": in_cd, "cooldown": cd, "cut": cut})
    return out


def _plateau_epochs(p) -> list[int]:
    """The epochs whose rate is asked: `at`, or every epoch 1 .. n."""
    if p["at"] is None:
        return list(range(1, len(p["losses"]) + 1))
    return [int(a) for a in p["at"]]


def _plateau_statement(p) -> str:
    losses = as_exact(p["losses"])
    shown = F.joined(losses[:12]) + (" ..." if len(losses) > 12 else "")
    what = "loss" if p["mode"] == "min" else "monitored value"
    ask = ("What is the learning rate after each epoch, and at the end?" if p["at"] is None else
           f"What is the learning rate after epoch{'s' if len(p['at']) > 1 else ''} "
           f"{F.joined([int(a) for a in p['at']])}?")
    return Rich(_plateau_describe(p, rich=True), f" The {what} after epochs 1 to {len(losses)} is {shown}. {ask}")


def _plateau_describe(p, rich: bool = False):
    """The rule in words (a step's text), or typeset for the statement (`rich`)."""
    if rich:
        th = Rich(Math(r"\theta", "θ"))
        better = {("min", "rel"): Rich("below the best so far times ", Math(r"(1 - \theta)", "(1 − θ)")),
                  ("min", "abs"): Rich("below the best so far minus ", th),
                  ("max", "rel"): Rich("above the best so far times ", Math(r"(1 + \theta)", "(1 + θ)")),
                  ("max", "abs"): Rich("above the best so far plus ", th)}
        cd = f", then waits {p['cooldown']} cooldown epoch{'s' if p['cooldown'] != 1 else ''}" if p["cooldown"] else ""
        floor = Rich(" but never below ", Eq(emin, p["eta_min"])) if p["eta_min"] else Rich()
        return Rich("The learning rate starts at ", Eq(eta0, p["eta0"]), " and is reduced on plateau (as PyTorch's "
                    "ReduceLROnPlateau): an epoch improves when its ", "loss" if p["mode"] == "min" else "value",
                    " is ", better[(p["mode"], p["threshold_mode"])], ", with ", Eq(thr, p["threshold"]),
                    f"; after more than patience = {p['patience']} epochs in a row without improvement the rate is "
                    "multiplied by ", Eq(fac, p["factor"]), floor, cd, ".")
    th = F.text(p["threshold"])
    better = {("min", "rel"): f"below the best so far times (1 - {th})", ("min", "abs"): f"below the best so far minus {th}",
              ("max", "rel"): f"above the best so far times (1 + {th})", ("max", "abs"): f"above the best so far plus {th}"}
    cd = f", then waits {p['cooldown']} cooldown epoch{'s' if p['cooldown'] != 1 else ''}" if p["cooldown"] else ""
    floor = f" but never below min_lr = {F.text(p['eta_min'])}" if p["eta_min"] else ""
    return (f"The learning rate starts at eta0 = {F.text(p['eta0'])} and is reduced on plateau (torch "
            f"ReduceLROnPlateau): an epoch improves when its {'loss' if p['mode'] == 'min' else 'value'} is "
            f"{better[(p['mode'], p['threshold_mode'])]}; after more than patience = {p['patience']} epochs in a row "
            f"without improvement the rate is multiplied by factor = {F.text(p['factor'])}{floor}{cd}.")


def _frac(x: Fraction) -> sp.Rational:
    return sp.Rational(x.numerator, x.denominator)


def _cut_reason(p, r) -> str:
    why = (f"epoch {r['epoch']}'s {'loss' if p['mode'] == 'min' else 'value'} {F.text(_frac(r['loss']))} does not beat "
           f"the bound {F.text(_frac(r['bound']))} from the best so far, {F.text(_frac(r['best']))} (epoch "
           f"{r['best_epoch']})" if not r["improved"] else f"epoch {r['epoch']} improved")
    return (f"{why}: {p['patience'] + 1} epochs in a row without improvement, more than patience = {p['patience']}, "
            "so the rate is cut and the count restarts"
            + ((f"; the next {p['cooldown']} epochs are a cooldown" if p["cooldown"] > 1 else "; the next epoch is a "
                "cooldown") + ", whose bad epochs are not counted." if p["cooldown"] else "."))


def _solve_plateau(p) -> Derivation:
    d = Derivation()
    d.given("The schedule", text=_plateau_describe(p))
    rule = PLATEAU_BOUND[(p["mode"], p["threshold_mode"])]
    sign = "<" if p["mode"] == "min" else ">"
    d.formula("An epoch improves when its loss beats the bound", bound_s, rule,
              text=f"Improvement means loss {sign} bound (strictly; threshold_mode = {p['threshold_mode']}). The first "
                   "epoch always improves (torch starts from a best of " + ("+inf" if p["mode"] == "min" else "-inf")
                   + "); an improvement sets the best and resets the count of bad epochs.")
    d.formula("A cut", eta, PLATEAU_CUT,
              text=f"When the count of bad epochs exceeds patience = {p['patience']} (torch: num_bad_epochs > patience).")
    vals = {fac: p["factor"], emin: p["eta_min"]}
    lr, lrs, rows, shown = p["eta0"], [p["eta0"]], [], 0
    for r in _plateau_trace(p):
        if r["cut"]:
            target = d if shown < SHOWN else Derivation()
            shown += 1
            new = target.compute(f"Epoch {r['epoch']}: a cut", eta, PLATEAU_CUT, {**vals, eta_old: lr},
                                 text=_cut_reason(p, r)[0].upper() + _cut_reason(p, r)[1:])
            if lr - new > PLATEAU_EPS:
                lr = new
            else:
                why = (f"the floor min_lr = {F.text(p['eta_min'])} is not below the rate" if new >= lr else
                       f"the cut would lower the rate by only {F.text(lr - new)}, not more than torch's eps = 1e-8")
                target.note(f"Epoch {r['epoch']}: the rate stays", f"{why[0].upper()}{why[1:]}, so it stays {F.text(lr)}.")
        lrs.append(lr)
        rows.append((r["epoch"], _frac(r["loss"]), r["improved"], _frac(r["best"]), r["bad"], r["cooldown"], lr))
    if shown > SHOWN:
        d.note("The other cuts", f"The first {SHOWN} of {shown} cuts are shown step by step; the table has them all.")
    if not shown:
        d.note("No cut", f"No run of more than patience = {p['patience']} epochs without improvement: the rate stays "
                         f"{F.text(p['eta0'])}.")
    d.table("Epoch by epoch", [Math(r"\text{epoch}", "epoch"), Math(r"\text{loss}", "loss"),
                               Math(r"\text{improved}", "improved"), Math(r"\text{best}", "best"),
                               Math(r"\text{bad epochs}", "bad epochs"), Math(r"\text{cooldown}", "cooldown"),
                               Math(r"\eta", "eta")], rows, sig=max(8, F.style().working),
            keys=("epoch", "loss", "improved", "best", "bad_epochs", "cooldown", "lr"), index=("epoch",),
            text="The bad-epoch count and the cooldown left after each epoch, and the rate after its step.")
    asked = tuple(lrs[e] for e in _plateau_epochs(p))
    d.conclude("Learning rates", answers=(make_answer("lr", asked, precision=_precision()),
                                          make_answer("final_lr", lrs[-1], precision=_precision())),
               value=F.equals(sym("eta"), asked))
    d.extras["plot"] = {"kind": "lr_schedule", "t": list(range(len(lrs))), "lr": [float(x) for x in lrs]}
    return d


def _solve_plateau_numeric(p, d: Derivation) -> Derivation:
    d.given("The schedule", text=_plateau_describe(p))
    lr, f, lo = _float(p["eta0"]), float(p["factor"]), float(p["eta_min"])
    lrs, cuts = [lr], []
    for r in _plateau_trace(p):
        if r["cut"]:
            new = max(lr * f, lo)
            if lr - new > 1e-8:
                lr = new
                cuts.append(r["epoch"])
        lrs.append(lr)
    d.note("Numeric path", f"{len(lrs) - 1} epochs; the decisions compare the losses exactly, the rates are float64. "
                           + (f"The rate is cut after epoch{'s' if len(cuts) > 1 else ''} {F.joined(cuts[:20])}"
                              + (" ..." if len(cuts) > 20 else "") + "." if cuts else "No cut."))
    asked = np.asarray([lrs[e] for e in _plateau_epochs(p)])
    d.conclude("Learning rates", answers=(vector_answer("lr", asked, _precision()),
                                          make_answer("final_lr", lrs[-1], precision=_precision())))
    return d
