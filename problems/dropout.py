"""Dropout: a weight is trained only when both its units are kept, with probability p_keep^2; kept activations scale by 1/p_keep.

Exam questions: "Each neuron is retained with probability 0.8. With what probability is a given weight
updated in an iteration, and how many updates does it get in 1000 iterations?" (the lecture notes, week 6:
64%, 640 updates); "how many thinned networks can a layer of q units make?" (2^q); "how must the
activations be scaled at training time (inverted dropout, 1/p_keep) or at test time (standard dropout,
times p_keep) so that the expected activation is the same?" (the handwritten notes); a given 0/1
mask applied to given activations (a vector, or a matrix: one row per sample); and the backward pass, the gradient
with respect to the input from the upstream gradient `grad_output` (torch's autograd of nn.Dropout).

Conventions: whether p is the keep or the drop probability (the lecture notes and the optimization notes keep
0.8 and "scale by p"; the handwritten notes and torch's nn.Dropout(p) drop with probability p), and where the
scaling happens (inverted dropout scales kept units by 1/p_keep during training and leaves test time alone, as
torch and the handwritten notes recommend; standard dropout trains unscaled and multiplies by p_keep at test
time, as the lecture notes do).
Units are dropped independently; the expected number of updates counts one gradient step per iteration.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from problems._layers import array_answers
from solver.conventions import Convention
from solver.params import Int, InvalidInput, Matrix, Param, Real, as_exact, as_float
from solver.richtext import Eq, Rich
from solver.registry import Example
from solver import format as F
from solver.errata import Erratum
from solver.symbolic import Derivation, make_answer, sym

TITLE = "Dropout: retention probabilities, expected updates and scaling"
TOPIC = "layers"
KEYWORDS = ("dropout", "inverted dropout", "keep probability", "drop probability", "mask", "bagging", "thinned network",
            "regularization", "retained", "dropped")

# ---- the rules, written once ---------------------------------------------------------------------
p_s, keep, drop, T, q = sym("p"), sym("p_keep", r"p_{\mathrm{keep}}"), sym("p_drop", r"p_{\mathrm{drop}}"), sym("T"), sym("q")
h, mask, w_keep = sym("h"), sym("m"), sym("P_weight", r"P(\text{weight kept})")
g_out, g_in = sym("g", r"\frac{\partial L}{\partial \tilde{h}}"), sym("dL/dh", r"\frac{\partial L}{\partial h}")
with sp.evaluate(False):
    KEEP_FROM_DROP = 1 - p_s
    DROP_FROM_KEEP = 1 - keep
    WEIGHT_KEPT = keep * keep           # both end units kept, independently
    UPDATES = T * w_keep
    MASKS = 2 ** q
    KEPT_UNITS = q * keep               # expected kept (active) units of a layer of q: each kept with p_keep
    TRAIN_INVERTED = h * mask / keep    # inverted dropout (torch, the handwritten notes)
    TRAIN_STANDARD = h * mask
    TEST_STANDARD = keep * h            # the lecture notes: scale by p at test time
    EXPECTED_INVERTED = keep * (1 / keep)
    BACK_INVERTED = g_out * mask / keep  # the backward pass: the same mask and scale as the forward pass
    BACK_STANDARD = g_out * mask

P_MEANING = Convention(
    "p_meaning", "What p means",
    {"keep": "p is the probability of keeping a unit (the lecture notes, week 6: retained with 80%; the optimization "
             "notes: 'scaled by p')",
     "drop": "p is the probability of dropping a unit (the handwritten notes: 'probability of seeing a 0'; torch "
             "nn.Dropout(p))"},
    default="keep", why_default="the lecture notes' worked example (week 6) keeps each neuron with p = 0.8",
    sources={"keep": "the course notes, week 6 (dropout: retained with 80%); Srivastava et al. 2014 (p is the "
                     "retention probability)",
             "drop": "PyTorch's nn.Dropout(p) and Keras's Dropout(rate): p is the probability of zeroing a unit; the "
                     "course's handwritten notes"},
    paper={"keep": "p is the probability of keeping a unit.",
           "drop": "p is the probability of dropping a unit (as in PyTorch's nn.Dropout(p))."},
    cues={"drop": ("drop probability", "probability of dropping", "dropout rate", "dropped with probability",
                   "probability of seeing a 0", "drop rate", "dropout probability"),
          "keep": ("keep probability", "retained with", "probability of keeping", "retention probability", "kept with",
                   "keep prob", "retained")})
SCALING = Convention(
    "scaling", "Where the activations are rescaled",
    {"inverted": "inverted dropout: kept units are divided by p_keep during training; nothing changes at test time "
                 "(torch, the handwritten notes)",
     "standard": "standard dropout: no scaling during training; activations are multiplied by p_keep at test time "
                 "(the lecture notes, week 6)"},
    default="inverted", why_default="what torch and Keras do, and what the handwritten notes call better",
    sources={"inverted": "PyTorch's nn.Dropout and Keras's Dropout (inverted dropout); the course's handwritten notes",
             "standard": "Srivastava et al. 2014 (weights scaled by p at test time); the course notes, week 6"},
    paper={"inverted": "Use inverted dropout: kept activations are divided by p_keep during training; nothing is "
                       "scaled at test time.",
           "standard": "Use standard dropout: no scaling during training; activations are multiplied by p_keep at "
                       "test time."},
    cues={"inverted": ("inverted dropout", "divided by p during training", "scale during training"),
          "standard": ("standard dropout", "multiplied by p at test", "scaled by p at test time", "scale at test time")})
CONVENTIONS = (P_MEANING, SCALING)

PARAMS = (
    Param("p", Real(0, 1), default="0.8", label="p", help="keep or drop probability: see the p_meaning convention",
          aliases=("p", "keep probability", "retained with", "retention probability", "probability of keeping", "retained",
                   "dropout rate", "drop probability", "dropout probability", "probability of dropping", "kept with",
                   "dropped with probability", "keep prob", "keep_prob")),
    Param("iterations", Int(1, 10 ** 12), default="1000", label="Iterations", help="gradient steps for the expected updates",
          aliases=("iterations", "iteration", "training steps", "updates")),
    Param("units", Int(1, 1000), label="Units q", help="optional: units in the layer; a layer of q units has 2^q masks",
          aliases=("units", "neurons", "q", "hidden units")),
    Param("h", Matrix(max_rows=10 ** 5, max_cols=10 ** 5), label="Activations",
          help="optional: activations h of a layer, a vector or a matrix (one row per sample)",
          aliases=("activations", "h", "outputs", "layer outputs", "activation")),
    Param("mask", Matrix(max_rows=10 ** 5, max_cols=10 ** 5, lo=0, hi=1), label="Mask",
          help="optional: a 0/1 mask of the shape of h (1 = kept)",
          aliases=("mask", "m", "dropout mask", "with the mask")),
    Param("grad_output", Matrix(max_rows=10 ** 5, max_cols=10 ** 5), label="Upstream gradient",
          help="optional: the gradient of the loss with respect to dropout's output, the shape of the mask; gives the "
               "gradient with respect to its input (the backward pass)",
          aliases=("grad_output", "upstream gradient", "gradient of the loss with respect to the output",
                   "incoming gradient", "dL/dy", "output gradient", "gradient from the next layer")),
)

_MAX_SIZE = 10 ** 7

EXAMPLE = Example(
    params={"p": "0.8", "iterations": "1000", "units": "4", "h": "0.5 1.2 -0.3 2.0", "mask": "1 0 1 1"},
    source="the lecture notes, week 6 (dropout), with the scaling of the handwritten notes",
)

ERRATA = (
    Erratum(where="the lecture notes, week 6 (dropout)", params={"p": "0.8", "iterations": "1000"},
            conventions={"p_meaning": "keep"}, kind="notation", title="The course notes agree",
            wrote="a 64% probability that a weight is updated, and 640 updates in 1000 iterations",
            right="both agree: 0.8^2 = {weight_keep_prob} and 1000 x 0.64 = {expected_updates} expected updates"),
    Erratum(where="the handwritten notes (dropout)", params={}, conventions={"scaling": "inverted"},
            wrote="inverted dropout as h_i = (h_i < (1 - p))/(1 - p)",
            right="the mask is drawn from a uniform random number, not from h: mask = (rand < 1 - p)/(1 - p), then "
                  "h_i = h_i * mask (p the drop probability)"),
)


def _keep(p, conv):
    return p["p"] if conv["p_meaning"] == "keep" else 1 - p["p"]


def _shape(v) -> tuple[int, int]:
    return tuple(v.shape) if isinstance(v, np.ndarray) else (len(v), len(v[0]))


def _words(shape) -> str:
    return f"{shape[1]} entr{'y' if shape[1] == 1 else 'ies'}" if shape[0] == 1 else f"{shape[0]} x {shape[1]}"


def validate(p: dict[str, Any]) -> None:
    for name in ("h", "mask", "grad_output"):
        if p[name] is not None and _shape(p[name])[0] * _shape(p[name])[1] > _MAX_SIZE:
            raise InvalidInput(name, f"The '{name}' parameter of dropout must have at most {_MAX_SIZE:,} entries. Got "
                                     f"{_words(_shape(p[name]))} instead.")
    if p["mask"] is not None:
        m = as_float(p["mask"])
        bad = np.flatnonzero((m != 0) & (m != 1))
        if bad.size:
            raise InvalidInput("mask", f"The 'mask' parameter of dropout must hold 0 (dropped) or 1 (kept) only: entry "
                                       f"{int(bad[0]) + 1} is {F.text(float(m.reshape(-1)[bad[0]]))}.")
        if p["h"] is None and p["grad_output"] is None:
            raise InvalidInput("mask", "The 'mask' parameter of dropout needs the activations 'h' it applies to (or "
                                       "the upstream gradient 'grad_output' of the backward pass).")
    for name in ("h", "grad_output"):
        if p[name] is not None and p["mask"] is not None and _shape(p["mask"]) != _shape(p[name]):
            raise InvalidInput("mask", f"The 'mask' parameter of dropout must have the shape of {name} "
                                       f"({_words(_shape(p[name]))}: one entry per activation). Got "
                                       f"{_words(_shape(p['mask']))} instead.")
    if p["grad_output"] is not None and p["mask"] is None:
        raise InvalidInput("mask", "The 'mask' parameter of dropout is required with grad_output: the backward pass "
                                   "sends the gradient only through the units the mask kept.")


def _size(v) -> int:
    r, c = _shape(v)
    return r * c


def use_numeric(p) -> bool:
    vals = [p[k] for k in ("h", "mask", "grad_output") if p[k] is not None]
    return any(isinstance(v, np.ndarray) for v in vals) or any(_size(v) > 50 for v in vals)


def _exact(v):
    """A matrix parameter as exact values: one row as a vector, several as a matrix (tuple of rows)."""
    rows = tuple(tuple(r) for r in as_exact(v))
    return rows[0] if len(rows) == 1 else rows


def _mask(v):
    rows = tuple(tuple(sp.Integer(int(x)) for x in r) for r in as_exact(v))
    return rows[0] if len(rows) == 1 else rows


def _floats(v) -> np.ndarray:
    a = np.asarray(as_float(v), dtype=np.float64)
    return a[0] if a.ndim == 2 and a.shape[0] == 1 else a


def _shown(v):
    """A matrix parameter for a statement: exact values when small, else its shape in words."""
    if _size(v) > 48:
        return f"a {_words(_shape(v))} array"
    return Eq(None, _exact(v))


def _eq(lhs, v):
    shown = _shown(v)
    return Eq(lhs, shown.rhs) if isinstance(shown, Eq) else shown


def statement(p) -> Rich:
    out = Rich("Dropout is applied with ", Eq(p_s, p["p"]), " (the probability of keeping a unit, or of dropping it: "
               "see the p_meaning convention). With what probability is a given weight (between two units that are "
               "each dropped independently) updated in one iteration, and how many updates does it get in "
               f"{p['iterations']} iterations?")
    if p["units"] is not None:
        out += Rich(f" How many different masks can a layer of {p['units']} units have, and how many of its units "
                    "are kept (active) in an iteration on average?")
    if p["h"] is not None:
        ms = Rich() if p["mask"] is None else Rich(" with the mask ", _eq(mask, p["mask"]))
        out += Rich(" The activations ", _eq(h, p["h"]), " go through dropout", ms,
                    ": what are the outputs at training and at test time?")
    if p["grad_output"] is not None:
        out += Rich(" In the backward pass the gradient of the loss with respect to dropout's output is ",
                    _eq(g_out, p["grad_output"]), (" (with the mask " if p["h"] is None else " ("),
                    *((_eq(mask, p["mask"]), ")") if p["h"] is None else ("the same mask)",)),
                    ": what is the gradient with respect to its input?")
    return out


def _degenerate(d: Derivation, kp) -> bool:
    if kp == 0:
        d.status = "undefined"
        d.note("Every unit is dropped", "With a keep probability of 0 no unit survives: nothing is trained and the "
                                        "scaling 1/p_keep is undefined.")
        return True
    return False


def solve(p, conv) -> Derivation:
    d = Derivation()
    pv = p["p"]
    if conv["p_meaning"] == "keep":
        d.given("Keep probability", pv, lhs=keep, text=P_MEANING.options["keep"])
        kp = pv
        dp = d.compute("Drop probability", drop, DROP_FROM_KEEP, {keep: kp})
    else:
        d.given("Drop probability", pv, lhs=drop, text=P_MEANING.options["drop"])
        kp = d.compute("Keep probability", keep, KEEP_FROM_DROP, {p_s: pv})
        dp = pv
    d.conclude("Probabilities", text=f"p_keep = {F.text(kp)}, p_drop = {F.text(dp)}", answers=(make_answer("keep_prob", kp), make_answer("drop_prob", dp)))
    if _degenerate(d, kp):
        return d
    wk = d.compute("A weight is updated only when both of its units are kept", w_keep, WEIGHT_KEPT, {keep: kp},
                   answer="weight_keep_prob",
                   text="A weight connects two units; it gets a gradient only in the iterations where both are kept, "
                        "and they are kept independently.")
    d.compute("Expected number of updates", sym("updates"), UPDATES, {T: p["iterations"], w_keep: wk},
              answer="expected_updates", text="Each iteration is one gradient step; the count is an expectation.")
    if p["units"] is not None:
        d.compute("Number of masks (thinned networks)", sym("masks"), MASKS, {q: p["units"]}, answer="masks",
                  text="Each unit is either kept or dropped.")
        d.compute("Expected number of kept (active) units", sym("kept"), KEPT_UNITS, {q: p["units"], keep: kp},
                  answer="expected_kept", text="Each of the q units is kept with probability p_keep, independently.")
    inverted = conv["scaling"] == "inverted"
    if inverted:
        d.compute("Training-time scale factor (inverted dropout)", sym("scale"), 1 / keep, {keep: kp},
                  answer="train_scale", text="Kept units are divided by p_keep, so the expected activation "
                                             "p_keep (h / p_keep) = h already matches test time.")
        d.conclude("Test-time scale factor", text="Nothing changes at test time: every unit is used as it is (scale = 1).",
                   answers=(make_answer("test_scale", sp.Integer(1)),))
    else:
        d.conclude("Training-time scale factor", text="Standard dropout does not scale during training (scale = 1).",
                   answers=(make_answer("train_scale", sp.Integer(1)),))
        d.compute("Test-time scale factor", sym("scale"), keep, {keep: kp}, answer="test_scale", value=kp,
                  text="A unit was present a fraction p_keep of the time, so at test time its output is multiplied "
                       "by p_keep to give the expected training-time contribution (the lecture notes, the handwritten "
                       "notes).")
    if p["h"] is not None:
        hv = _exact(p["h"])
        with d.group("Apply to the activations"):
            d.given("Activations" if _shape(p["h"])[0] == 1 else "Activations (one row per sample)", hv, lhs=h)
            if p["mask"] is not None:
                mv = _mask(p["mask"])
                d.given("Mask (1 = kept)", mv, lhs=mask)
                d.compute("Training-time output", sym("h_train", r"\tilde{h}"),
                          TRAIN_INVERTED if inverted else TRAIN_STANDARD, {h: hv, mask: mv, keep: kp},
                          answer="train_output")
            if inverted:
                d.answer_step("Test-time output: the activations unchanged", make_answer("test_output", hv), kind="compute")
            else:
                d.compute("Test-time output", sym("h_test", r"h_{\mathrm{test}}"), TEST_STANDARD, {h: hv, keep: kp},
                          answer="test_output")
    if p["grad_output"] is not None:
        with d.group("Backward pass"):
            gv, mv = _exact(p["grad_output"]), _mask(p["mask"])
            d.given("Upstream gradient (with respect to the output)", gv, lhs=g_out)
            if p["h"] is None:
                d.given("Mask (1 = kept)", mv, lhs=mask)
            d.compute("Gradient with respect to the input", g_in, BACK_INVERTED if inverted else BACK_STANDARD,
                      {g_out: gv, mask: mv, keep: kp}, answer="grad_input",
                      text=("The output is h m / p_keep, so its derivative passes the gradient through the kept units, "
                            "scaled by 1/p_keep, and gives 0 to the dropped ones." if inverted else
                            "The training output is h m, so the gradient passes through the kept units unchanged and "
                            "is 0 for the dropped ones (the p_keep scaling happens only at test time)."))
    return d


def solve_numeric(p, conv) -> Derivation:
    """The same rules in float64; the activations are processed as NumPy arrays."""
    d = Derivation()
    kp = float(_keep(p, conv))
    ans = [make_answer("keep_prob", kp), make_answer("drop_prob", 1 - kp)]
    if kp == 0:
        d.status = "undefined"
        d.conclude("Every unit is dropped", answers=tuple(ans))
        return d
    ans += [make_answer("weight_keep_prob", kp * kp), make_answer("expected_updates", p["iterations"] * kp * kp)]
    if p["units"] is not None:
        ans += [make_answer("masks", sp.Integer(2) ** p["units"]), make_answer("expected_kept", p["units"] * kp)]
    inverted = conv["scaling"] == "inverted"
    ans += [make_answer("train_scale", 1 / kp if inverted else sp.Integer(1)),
            make_answer("test_scale", sp.Integer(1) if inverted else kp)]
    arrays = {}
    if p["h"] is not None:
        hv = _floats(p["h"])
        if p["mask"] is not None:
            mv = _floats(p["mask"])
            arrays["train_output"] = hv * mv / kp if inverted else hv * mv
        arrays["test_output"] = hv if inverted else kp * hv
    if p["grad_output"] is not None:
        gv, mv = _floats(p["grad_output"]), _floats(p["mask"])
        arrays["grad_input"] = gv * mv / kp if inverted else gv * mv
    ans += array_answers(arrays)
    d.note("Numeric path", "float64 arithmetic; the activations are processed as arrays.")
    d.conclude("Dropout", answers=tuple(ans))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A keep probability in {0.5, ..., 0.9} (never 0), a round iteration count, and a small layer with a mask."""
    kp = float(rng.choice([0.5, 0.6, 0.7, 0.75, 0.8, 0.9]))
    n = int(rng.integers(3, 7))
    return {"p": kp, "iterations": int(rng.choice([100, 500, 1000, 2000])), "units": n,
            "h": np.round(rng.normal(size=n), 1).tolist(), "mask": rng.integers(0, 2, size=n).tolist()}
