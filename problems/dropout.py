"""Dropout: a weight is trained only when both its units are kept, with probability p_keep^2; kept activations scale by 1/p_keep.

Exam questions: "Each neuron is retained with probability 0.8. With what probability is a given weight
updated in an iteration, and how many updates does it get in 1000 iterations?" (the lecture notes, week 6:
64%, 640 updates); "how many thinned networks can a layer of q units make?" (2^q); "how must the
activations be scaled at training time (inverted dropout, 1/p_keep) or at test time (standard dropout,
times p_keep) so that the expected activation is the same?" (the handwritten notes); and a given 0/1
mask applied to given activations.

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
from solver.params import Int, InvalidInput, Param, Real, Vector, as_exact, as_float
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
with sp.evaluate(False):
    KEEP_FROM_DROP = 1 - p_s
    DROP_FROM_KEEP = 1 - keep
    WEIGHT_KEPT = keep * keep           # both end units kept, independently
    UPDATES = T * w_keep
    MASKS = 2 ** q
    TRAIN_INVERTED = h * mask / keep    # inverted dropout (torch, the handwritten notes)
    TRAIN_STANDARD = h * mask
    TEST_STANDARD = keep * h            # the lecture notes: scale by p at test time
    EXPECTED_INVERTED = keep * (1 / keep)

P_MEANING = Convention(
    "p_meaning", "What p means",
    {"keep": "p is the probability of keeping a unit (the lecture notes, week 6: retained with 80%; the optimization "
             "notes: 'scaled by p')",
     "drop": "p is the probability of dropping a unit (the handwritten notes: 'probability of seeing a 0'; torch "
             "nn.Dropout(p))"},
    default="keep", why_default="the lecture notes' worked example (week 6) keeps each neuron with p = 0.8",
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
    Param("h", Vector(max_len=10 ** 7), label="Activations", help="optional: activations h of a layer",
          aliases=("activations", "h", "outputs", "layer outputs", "activation")),
    Param("mask", Vector(max_len=10 ** 7, lo=0, hi=1, integer=True), label="Mask",
          help="optional: a 0/1 mask for h (1 = kept)",
          aliases=("mask", "m", "dropout mask", "with the mask")),
)

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


def validate(p: dict[str, Any]) -> None:
    if p["mask"] is not None:
        if p["h"] is None:
            raise InvalidInput("mask", "The 'mask' parameter of dropout needs the activations 'h' it applies to.")
        if len(p["mask"]) != len(p["h"]):
            raise InvalidInput("mask", f"The 'mask' parameter of dropout must have one entry per activation "
                                       f"({len(p['h'])}). Got {len(p['mask'])} instead.")


def use_numeric(p) -> bool:
    return p["h"] is not None and (isinstance(p["h"], np.ndarray) or len(p["h"]) > 50)


def statement(p) -> str:
    parts = [f"Dropout is applied with p = {F.text(p['p'])} (the probability of keeping a unit, or of dropping it: "
             f"see the p_meaning convention). With what probability is a given weight (between two "
             f"units that are each dropped independently) updated in one iteration, and how many updates does it get "
             f"in {p['iterations']} iterations?"]
    if p["units"] is not None:
        parts.append(f"How many different masks can a layer of {p['units']} units have?")
    if p["h"] is not None:
        hs = F.text(p["h"][:12]) + (" ..." if len(p["h"]) > 12 else "")
        ms = "" if p["mask"] is None else f" with the mask {F.text(p['mask'][:12])}"
        parts.append(f"The activations h = {hs} go through dropout{ms}: what are the outputs at training and at test time?")
    return " ".join(parts)


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
        hv = as_exact(p["h"])
        with d.group("Apply to the activations"):
            d.given("Activations", hv, lhs=h)
            if p["mask"] is not None:
                mv = tuple(sp.Integer(int(v)) for v in as_exact(p["mask"]))
                d.given("Mask (1 = kept)", mv, lhs=mask)
                d.compute("Training-time output", sym("h_train", r"\tilde{h}"),
                          TRAIN_INVERTED if inverted else TRAIN_STANDARD, {h: hv, mask: mv, keep: kp},
                          answer="train_output")
            if inverted:
                d.answer_step("Test-time output: the activations unchanged", make_answer("test_output", hv), kind="compute")
            else:
                d.compute("Test-time output", sym("h_test", r"h_{\mathrm{test}}"), TEST_STANDARD, {h: hv, keep: kp},
                          answer="test_output")
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
        ans.append(make_answer("masks", sp.Integer(2) ** p["units"]))
    inverted = conv["scaling"] == "inverted"
    ans += [make_answer("train_scale", 1 / kp if inverted else sp.Integer(1)),
            make_answer("test_scale", sp.Integer(1) if inverted else kp)]
    if p["h"] is not None:
        hv = as_float(p["h"])
        arrays = {}
        if p["mask"] is not None:
            mv = as_float(p["mask"])
            arrays["train_output"] = hv * mv / kp if inverted else hv * mv
        arrays["test_output"] = hv if inverted else kp * hv
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
