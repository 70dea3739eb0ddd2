"""Nesterov look-ahead: u_t = beta * u_{t-1} + grad L(w_t - beta * u_{t-1}), w_{t+1} = w_t - eta * u_t.

Exam question: "At iteration t the state is u_{t-1}, w_t, b_t. Compute the look-ahead point, the gradient
there, and the next update." The course notes, week 4, the solved exam problem: a sigmoid neuron with
x = 0.5, y = 1, L = 1/2 (y_hat - y)^2, beta = 0.9, eta = 0.1, u_8 = 0.8, w_9 = 2.5, b_9 = 0: the look-ahead
point is (1.78, -0.72) and the gradient there is -0.0568 for w (the notes' own arithmetic slips to -0.05).

Conventions:
- `nag_form`: the notes' form (look-ahead w - beta u without eta, eta only in the update); the form with
  eta inside the history (Sutskever et al.; the introductory slides' V <- beta V - alpha grad L(w + beta V),
  V = -u);
  the notes' history with the consistent look-ahead w - eta beta u ('scaled': the same weights as
  Sutskever's); or torch's SGD(nesterov=True), whose stored parameter is the look-ahead point itself.
  The notes' form is a different algorithm from the others unless eta = 1.
- `lookahead_target`: when one history value is stated for several parameters (u_8 = 0.8 for w and b),
  whether it shifts every parameter (the notes' solution: b = 0 - 0.9 x 0.8 = -0.72) or only w.
Set `compare_forms` to see the look-ahead and its gradient under every form side by side.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from problems import _optim as O
from solver import format as F
from solver.conventions import Convention
from solver.errata import Erratum
from solver.params import Bool, Param, Real
from solver.registry import Example
from solver.steps import Math
from solver.symbolic import evaluate

TITLE = "Nesterov accelerated gradient (NAG)"
TOPIC = "optimizers"
KEYWORDS = ("nesterov", "nag", "look-ahead", "lookahead", "momentum", "accelerated gradient",
            "nesterov accelerated gradient", "nesterov momentum")

# ---- the rules, written once ----------------------------------------------------------------------------
with sp.evaluate(False):
    LOOK_NOTES = O.W - O.BETA * O.U_PREV                                 # the course notes' eq. (14)
    LOOK_SCALED = O.W - O.ETA * O.BETA * O.U_PREV                        # eta-scaled look-ahead
    UPDATE_TORCH = O.W - O.ETA * (O.G + O.BETA * O.U)                    # torch: theta -= lr (g + mu b)
U_NOTES, U_SUTSKEVER = O.U_PLAIN, O.U_ETA_INSIDE                         # the same history rules as momentum's
UPDATE_NOTES, UPDATE_SUTSKEVER = O.UPDATE_ETA_OUTSIDE, O.UPDATE_ETA_INSIDE

FORM = Convention(
    "nag_form", "Form of Nesterov's update",
    {"notes": "look-ahead w_t - beta u_{t-1} (no eta); u_t = beta u_{t-1} + g(look-ahead); w_{t+1} = w_t - eta u_t "
              "(the course notes, week 4, eq. 14 and the solved exam problem)",
     "sutskever": "eta inside the history: u_t = beta u_{t-1} + eta g(w_t - beta u_{t-1}); w_{t+1} = w_t - u_t "
                  "(Sutskever et al. 2013; the introductory slides' V <- beta V - alpha grad L(w + beta V), with V = -u)",
     "scaled": "the notes' history without eta and the consistent look-ahead w_t - eta beta u_{t-1}; "
               "u_t = beta u_{t-1} + g(look-ahead); w_{t+1} = w_t - eta u_t (Sutskever's weights, u scaled by 1/eta)",
     "torch": "torch.optim.SGD(nesterov=True): the stored parameter theta is the look-ahead point; "
              "b_t = beta b_{t-1} + g(theta_t), theta_{t+1} = theta_t - eta (g + beta b_t)"},
    default="notes", why_default="the course notes' eq. (14) (week 4) and their solved exam problem use it",
    aliases={"goodfellow": "sutskever", "eta-inside": "sutskever", "pytorch": "torch"},
    cues={"torch": ("as in pytorch", "pytorch's sgd", "torch.optim.sgd", "nesterov=true"),
          "sutskever": ("sutskever", "v <- beta v - alpha grad l(w + beta v)", "u = beta u + eta g",
                        "eta inside the history"),
          "scaled": ("w - eta beta u", "w_t - eta beta u")},
    sources={"notes": "the course notes, week 4, eq. 14 and their solved exam problem",
             "sutskever": "Sutskever et al. 2013; the introductory slides; Goodfellow et al., Deep Learning, ch. 8",
             "scaled": "Sutskever et al. 2013's weights with the course notes' history (u scaled by 1/η)",
             "torch": "PyTorch's torch.optim.SGD with nesterov=True"},
    paper={"notes": "Take the look-ahead without the learning rate: w̃ = wₜ − β uₜ₋₁, uₜ = β uₜ₋₁ + ∇L(w̃), "
                    "wₜ₊₁ = wₜ − η uₜ.",
           "sutskever": "Put the learning rate inside the history: uₜ = β uₜ₋₁ + η ∇L(wₜ − β uₜ₋₁), wₜ₊₁ = wₜ − uₜ.",
           "scaled": "Take the look-ahead with the learning rate: w̃ = wₜ − η β uₜ₋₁, uₜ = β uₜ₋₁ + ∇L(w̃), "
                     "wₜ₊₁ = wₜ − η uₜ.",
           "torch": "Use PyTorch's form: bₜ = β bₜ₋₁ + ∇L(θₜ), θₜ₊₁ = θₜ − η (∇L(θₜ) + β bₜ)."},
)
TARGET = Convention(
    "lookahead_target", "What one stated history value applies to",
    {"all": "one stated history value (u_8 = 0.8) is every parameter's history, so b is shifted too "
            "(the course notes' solved exam problem: b = 0 - 0.9 x 0.8 = -0.72)",
     "w-only": "one stated history value is w's; the other parameters have zero history and are not shifted"},
    default="all", why_default="the course notes' own solution of their exam problem (week 4) shifts b by the same "
                               "beta u_8",
    aliases={"first": "w-only", "shared": "all"},
    cues={"w-only": ("b has no history", "only w is shifted", "no look-ahead for b")},
    sources={"all": "the course notes' own solution of their exam problem, week 4",
             "w-only": "a reading of the same problem in which only w has a history"},
    paper={"all": "The stated history applies to every parameter (b is shifted too).",
           "w-only": "The stated history is w's only; the other parameters start with no history."},
)
CONVENTIONS = (FORM, TARGET)

PARAMS = (
    Param("lr", Real(0, None, closed="neither"), default="0.01", label="Learning rate eta", aliases=O.LR_ALIASES),
    Param("beta", Real(0, 1, closed="left"), default="0.9", label="Momentum beta", aliases=O.MOMENTUM_ALIASES + ("alpha", "α")),
    O.history_param("u0", "the momentum history u (u_{t-1} in the notes)", O.HISTORY_U_ALIASES),
    Param("compare_forms", Bool(), default="false", label="Compare the forms",
          help="also show the look-ahead and its gradient under every NAG form and history convention",
          cues={"true": ("compare the forms", "every form", "each form", "all forms", "side by side")}),
) + O.source_params()

EXAMPLE = Example(
    params={"x": "0.5", "y": "1", "beta": "0.9", "lr": "0.1", "u0": "0.8", "w0": "w=2.5, b=0", "t0": "9",
            "compare_forms": "true"},
    source="the course notes, week 4, the solved exam problem: the look-ahead gradient of a sigmoid neuron",
)

#: The course notes' exam problem (week 4): its instance, as typed.
EXAM = {"x": "0.5", "y": "1", "beta": "0.9", "lr": "0.1", "u0": "0.8", "neuron_loss": "mse", "weight_decay": "0"}
EXAM_WHERE = "the course notes, week 4 (Nesterov accelerated gradient, the solved exam problem)"


def _is_exam(p) -> bool:
    return O.one_step(p) and O.neuron_start(p) == (sp.Rational(5, 2), 0)


def _literal_gradient(p, answers) -> dict:
    """dL/dw at the look-ahead point with the notes' exponent taken literally: y_hat = 1/(1 + e^(+z))."""
    look = answers["lookahead"].numeric_value()
    x = p["x"][0]
    z = sp.Rational(str(look[0])) * x + sp.Rational(str(look[1]))
    y_hat = evaluate(1 / (1 + sp.exp(O.NX)), {O.NX: z})
    return {"literal": evaluate(O.NEURON_DW["mse"], {O.YHAT: y_hat, O.NY: p["y"][0], O.NX: x})}


def _other_forms(p, answers) -> dict:
    """The first step's gradient for w under the other readings of the question (float64)."""
    out = {}
    for name, conv in (("w_only", {"nag_form": "notes", "lookahead_target": "w-only"}),
                       ("scaled", {"nag_form": "scaled", "lookahead_target": "all"})):
        c = O.run_numeric({**p, "steps": 1}, conv, METHOD)
        out[f"grad_{name}"] = float(c.out["g"][0])
    return out


def _ambiguity(compare: bool) -> Erratum:
    return Erratum(
        where=EXAM_WHERE, kind="ambiguity", params={**EXAM, "compare_forms": "true" if compare else "false"},
        conventions={"nag_form": "notes", "lookahead_target": "all"}, also=_is_exam, values=_other_forms,
        wrote="u_8 = 0.8 as the only history value and use it for b as well",
        right="if b had no history (lookahead_target = w-only) b stays at 0 and the gradient for w is {grad_w_only}; "
              "with the eta-scaled look-ahead w - eta beta u (nag_form = scaled) it is {grad_scaled}",
        why="the table above shows every form" if compare else "set compare_forms = true to see every form side by side",
    )


ERRATA = (
    Erratum(
        where=EXAM_WHERE, params=EXAM, conventions={"nag_form": "notes", "lookahead_target": "all"},
        also=_is_exam, values=_literal_gradient,
        wrote="the look-ahead point (1.78, -0.72) correctly, and then y_hat = 1/(1 + e^(1.78 x 0.5 - 0.72)) = 0.52 "
              "and dL/dw = (0.52 - 1) 0.52 0.48 0.5 = -0.05",
        right="the gradient at the look-ahead point is {grad_lookahead[0]} for w and {grad_lookahead[1]} for b",
        why="there are three slips: the exponent's minus sign is dropped (y_hat = 1/(1 + e^(-z)) with z = 0.17; "
            "taken literally, 1/(1 + e^(0.17)) would give dL/dw = {literal}); sigma(0.17) = 0.5424, not 0.52; and "
            "even with 0.52 the product is -0.0599 (about -0.06), not -0.05",
    ),
    Erratum(
        where=EXAM_WHERE, kind="notation", title="How the course notes number this problem",
        params={**EXAM, "t0": "9"}, also=_is_exam,
        wrote="'the 10th iteration (t = 9)' with the history u_8 = 0.8 and the parameters w_9 = 2.5, b_9 = 0, and "
              "their solution computes u_9 and w_10",
        right="here steps count from t = 1 and t0 = 9 steps have been taken, so the same values are labelled u_9 and "
              "w_10 = (w, b) above, and the step shown, t = 10, computes u_10 and w_11: the notes' u_9 and w_10",
        why="only the labels differ",
    ),
    _ambiguity(True),
    _ambiguity(False),
)


def _shared(conv) -> str:
    return "first" if conv.get("lookahead_target") == "w-only" else "all"


HISTORIES = (("u", "u0"),)
validate = O.validator("nag", HISTORIES, long_runs=True)
use_numeric = O.use_numeric


def _rules(d, p, conv) -> None:
    form = conv["nag_form"]
    if form == "torch":
        d.formula("Momentum buffer (gradient at the stored point)", O.U, U_NOTES)
        d.formula("Update", O.W_NEXT, UPDATE_TORCH,
                  text="torch stores the look-ahead point theta itself, so the gradient is taken where the parameter "
                       "is; in the eta-inside form's terms theta_t = w_t - eta beta u_t.")
        return
    d.formula("Look-ahead point", O.LOOK, LOOK_SCALED if form == "scaled" else LOOK_NOTES,
              text="Move by the momentum first, then look at the gradient there.")
    d.formula("History (gradient taken at the look-ahead point)", O.U, U_SUTSKEVER if form == "sutskever" else U_NOTES)
    d.formula("Update", O.W_NEXT, UPDATE_SUTSKEVER if form == "sutskever" else UPDATE_NOTES)


def _step(s: O.StepCtx) -> None:
    p, form = s.p, s.conv["nag_form"]
    vals = {O.W: s.w, O.BETA: p["beta"], O.U_PREV: s.prev["u"], O.ETA: p["lr"]}
    if form == "torch":
        s.value_step("Look-ahead point (torch's stored parameter)", "lookahead", s.w,
                     text="In torch's form the stored parameter already is the look-ahead point.")
        g = s.gradient(where="theta_t = " + F.text(s.shape(s.w)))
        u = O.accumulate(s, "Momentum buffer", "u", U_NOTES, {**vals, O.G: g})
        s.update("Update", UPDATE_TORCH, {O.W: s.w, O.ETA: p["lr"], O.G: g, O.BETA: p["beta"], O.U: u})
        return
    look = s.compute("Look-ahead point", O.LOOK, LOOK_SCALED if form == "scaled" else LOOK_NOTES, vals, key="lookahead")
    g = s.gradient(at=look, where="the look-ahead point " + F.text(s.shape(look)))
    u = O.accumulate(s, "History", "u", U_SUTSKEVER if form == "sutskever" else U_NOTES, {**vals, O.G: g})
    s.update("Update", UPDATE_SUTSKEVER if form == "sutskever" else UPDATE_NOTES, {O.W: s.w, O.ETA: p["lr"], O.U: u})


def _look_kernel(look, w, u, scr, k):
    np.multiply(u, k, out=look)
    np.subtract(w, look, out=look)


def _torch_kernel(w, g, u, scr, beta, lr):
    O.moving_average_(u, g, beta, 1.0, scr[0])
    np.multiply(u, beta, out=scr[0])
    scr[0] += g
    scr[0] *= lr
    w -= scr[0]


def _numeric_step(c: O.NumCtx) -> None:
    form = c.conv["nag_form"]
    lr, beta = c.h["lr"], c.h["beta"]
    u = c.st["u"]
    if form == "torch":
        if c.last and c.small:
            c.out["lookahead"] = c.w.copy()
        g = c.grad(c.w)
        if c.jit is not None:   # a large vector: one compiled loop per step (the same operations)
            c.fused(c.jit.nag_torch_step, (c.w, g, u), beta, lr)
        else:
            c.blocks(_torch_kernel, c.w, g, u, beta=beta, lr=lr)
    else:
        look = c.buf("look")
        k = lr * beta if form == "scaled" else beta
        if c.jit is not None:
            c.fused(c.jit.lookahead, (look, c.w, u), k)
        else:
            c.blocks(_look_kernel, look, c.w, u, k=k)
        if c.last and c.small:
            c.out["lookahead"] = look.copy()
        g = c.grad(look)
        sut = form == "sutskever"
        if c.jit is not None:
            c.fused(c.jit.momentum_step, (c.w, g, u), beta, lr if sut else 1.0, 1.0 if sut else lr, False)
        else:
            c.blocks(O.momentum_kernel, c.w, g, u, beta=beta, gain=lr if sut else 1.0, lr=1.0 if sut else lr)
    if c.last and c.small:
        c.out["u"] = u.copy()


def _loop(c: O.NumCtx, J, program, k: int) -> bool:
    """k steps as one compiled call (a long run: accel), each form as _numeric_step."""
    J.nag_loop(*program, c.w, c.st["u"], k, c.h["beta"], c.h["lr"],
               ("torch", "notes", "sutskever", "scaled").index(c.conv["nag_form"]), c.wd)
    return True


METHOD = O.Method("nag", "Nesterov accelerated gradient", HISTORIES, _rules, _step, _numeric_step, loop=_loop,
                  answer_names={"g": "grad_lookahead"}, shared_history=_shared,
                  hyper=lambda p: [("eta", p["lr"]), ("beta", p["beta"])],
                  question="Compute the look-ahead point, the gradient there, the new history u and the new parameters.")
statement = O.statement_for(METHOD)


def solve(p, conv):
    d, rows, w, setup = O.solve_exact(p, conv, METHOD)
    if w is not None and p["compare_forms"]:
        _compare(d, p, conv)
    return d


def _compare(d, p, conv) -> None:
    """The first step's look-ahead point and gradient under every form (float64, for comparison)."""
    variants = [("notes", "all"), ("notes", "w-only"), ("sutskever", "all"), ("scaled", "all"), ("torch", "all")]
    rows = []
    for form, target in variants:
        c2 = {"nag_form": form, "lookahead_target": target}
        with np.errstate(all="ignore"):  # float64 overflow on huge inputs shows as inf in the table
            c = O.run_numeric({**p, "steps": 1}, c2, METHOD)
            if not c.small:
                return
            look = c.out.get("lookahead")
            g = c.out.get("g", c.setup.source.numeric(look, 0))
        mark = "  <- used above" if (form, target) == (conv["nag_form"], conv["lookahead_target"]) else ""
        rows.append((f"{form}, {target}{mark}", _t(look), _t(g), _t(c.st["u"]), _t(c.w)))
    columns = [Math(r"\text{nag}\_\text{form, lookahead}\_\text{target}", "nag_form, lookahead_target"),
               Math(r"\tilde{w}", "look-ahead"), Math(r"g(\tilde{w})", "gradient there"), Math("u", "u"),
               Math("w_{t+1}", "w next")]
    d.table("The look-ahead under every convention (first step)", columns, rows, sig=6,
            text="Each row runs the first step under one convention (float64). 'sutskever' carries eta in u; "
                 "for 'torch' the given parameters are read as torch's stored point, which is the look-ahead point.")


def _t(a):
    vals = tuple(float(v) for v in np.ravel(a))
    return vals[0] if len(vals) == 1 else vals


solve_numeric = O.numeric_solver(METHOD)


def generate(rng: np.random.Generator) -> dict:
    # any source with beta in [0, 1) and a positive learning rate is well posed
    inst = O.generate_instance(rng, lr=[0.1, 0.2, 0.5], beta=[0.5, 0.8, 0.9])
    return O.maybe_history(inst, rng, "u0", 0.5, [-0.5, 0.5, 0.8])
