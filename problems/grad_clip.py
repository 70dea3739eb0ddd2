"""Gradient clipping: by value g_i <- min(max(g_i, -c), c) (turns the vector); by norm g <- g c/||g|| when ||g|| > c (keeps its direction).

Exam question: "The gradient is [0.9, 100]. Clip it by value to [-1, 1] and by norm with threshold 1.
What are the clipped vectors, and how does each change the direction?" (notes 004: by value [0.9, 1.0],
which turns the vector from the second axis to roughly the diagonal, 89.48 to 48.01 degrees from the
first axis; by norm [0.0090, 0.99996], same direction; WE-clipping-1).

The direction change is the angle between the gradient and its clipped version; for 2-D vectors the
angle from the first axis is given too. Clipping by norm uses the 2-norm by default (also 1 and inf).

Convention: the norm-clipping scale, c/||g|| exactly (notes 004, Keras clipnorm), or torch's
clip_grad_norm_, which multiplies by c/(||g|| + 1e-6) and so lands just below c.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from problems._layers import LIST_LIMIT, Sigma, absval, array_answers, fmax, fmin, head, maxover, paren, written_step
from solver.conventions import Convention
from solver.numbers import Precision
from solver.params import Choice, Param, Real, Vector, as_exact, as_float
from solver.registry import Example
from solver.symbolic import Derivation, make_answer, number_latex, number_text, sym

TITLE = "Gradient clipping by value and by norm"
TOPIC = "layers"
KEYWORDS = ("gradient clipping", "clip by value", "clip by norm", "clipnorm", "clipvalue", "exploding gradient",
            "clip_grad_norm_", "max norm", "clip", "clipped", "clipping")

# ---- the rules, written once ---------------------------------------------------------------------
g, c, nrm, tau, dot_s, n1, n2 = (sym("g"), sym("c"), sym("norm_g", r"\lVert g \rVert"), sym("max_norm", r"\tau"),
                                 sym("g.g_clip", r"g \cdot \tilde{g}"), sym("norm_g", r"\lVert g \rVert"),
                                 sym("norm_clip", r"\lVert \tilde{g} \rVert"))
g_clip, scale_s, theta = sym("g_clip", r"\tilde{g}"), sym("s"), sym("theta", r"\theta")
TORCH_EPS = sp.Rational(1, 10 ** 6)
_COS = sp.acos(dot_s / (n1 * n2))                   # (evaluated: a plain fraction, printed with one pair of brackets)
with sp.evaluate(False):
    CLIP_VALUE = fmin(fmax(g, -c), c)                 # each component into [-c, c]
    SCALE_EXACT = tau / nrm                          # applied only when ||g|| > tau
    SCALE_TORCH = fmin(1, tau / (nrm + sym("1e-6", r"10^{-6}")))
    CLIP_NORM = scale_s * g
    ANGLE = _COS * (180 / sp.pi)
g_i, i_ = sym("g_i", "g_{i}"), sym("i")
NORM2 = sp.sqrt(Sigma(g_i ** 2, (i_, 1, sym("n"))))
NORM1 = Sigma(absval(g_i), (i_, 1, sym("n")))
NORMINF = maxover(absval(g_i), i_)
_EPS_SYM = sym("1e-6", r"10^{-6}")

NORM_SCALE = Convention(
    "norm_scale", "Scale factor of clipping by norm",
    {"exact": "g <- g * max_norm/||g|| when ||g|| > max_norm, else unchanged (notes 004, Keras clipnorm)",
     "torch": "g <- g * min(1, max_norm/(||g|| + 1e-6)) (torch.nn.utils.clip_grad_norm_)"},
    default="exact", why_default="notes 004's formula; torch's 1e-6 moves the result by about 1e-6 relative",
    cues={"torch": ("clip_grad_norm_", "pytorch", "torch"), "exact": ("keras", "clipnorm")},
)
CONVENTIONS = (NORM_SCALE,)

PARAMS = (
    # entries bounded so the float64 norm of up to 1e7 entries cannot overflow (found by fuzzing)
    Param("g", Vector(max_len=10 ** 7, lo=-1e100, hi=1e100), required=True, label="Gradient", help="e.g. 0.9 100",
          aliases=("g", "gradient", "gradient vector", "grad vector", "grad", "original gradient", "the gradient")),
    Param("clip_value", Real(0, None, closed="neither"), default="1", label="Clip value c",
          help="clip by value: every component into [-c, c]",
          aliases=("clip value", "clipvalue", "clip_value", "c", "value", "interval", "clip by value to")),
    Param("max_norm", Real(0, None, closed="neither"), default="1", label="Max norm", help="clip by norm: threshold",
          aliases=("max norm", "max_norm", "clipnorm", "threshold", "norm threshold", "maximum norm", "threshold of",
                   "maximum l2 norm", "max l2 norm", "norm of", "clip norm", "norm at most")),
    Param("norm_type", Choice({"2": "Euclidean norm", "1": "sum of absolute values", "inf": "largest absolute value"},
                              aliases={"l2": "2", "l1": "1", "max": "inf", "infinity": "inf"}),
          default="2", label="Norm",
          cues={"2": ("l2 norm", "euclidean norm", "2-norm", "l2"), "1": ("l1 norm", "1-norm"),
                     "inf": ("infinity norm", "l-infinity norm", "max-abs norm")}),
)

EXAMPLE = Example(params={"g": "0.9 100", "clip_value": "1", "max_norm": "1"},
                  source="notes 004, gradient clipping (WE-clipping-1)")


def use_numeric(p) -> bool:
    return isinstance(p["g"], np.ndarray) or len(p["g"]) > 50


def statement(p) -> str:
    shown = number_text(head(p["g"])) + (" ..." if len(p["g"]) > 12 else "")
    nt = {"2": "2-norm", "1": "1-norm", "inf": "max-norm"}[p["norm_type"]]
    return (f"The gradient is g = {shown}. Clip it by value to [-{number_text(p['clip_value'])}, "
            f"{number_text(p['clip_value'])}] and by norm ({nt}) with threshold {number_text(p['max_norm'])}. "
            f"What are the clipped vectors, and by how much does each turn the gradient?")


def _norm_exact(v, kind):
    if kind == "2":
        return sp.sqrt(sum((x * x for x in v), sp.Integer(0)))
    if kind == "1":
        return sum((abs(x) for x in v), sp.Integer(0))
    return max(abs(x) for x in v)


def _f(v):
    from solver.symbolic import finish
    return finish(sp.sympify(v))


def _angle(d: Derivation, title: str, a, b, answer: str) -> Any:
    """Angle (degrees) between a and b as a step; 0 when either vector is zero."""
    dot = sum((x * y for x, y in zip(a, b)), sp.Integer(0))
    na, nb = _norm_exact(a, "2"), _norm_exact(b, "2")
    if na == 0 or nb == 0:
        d.conclude(title, "One of the vectors is zero, so it has no direction; the angle is reported as 0.",
                   answers=(make_answer(answer, sp.Integer(0)),))
        return sp.Integer(0)
    cosv = _f(dot / (na * nb))
    cosv = max(min(cosv, sp.Integer(1)), sp.Integer(-1))
    val = _f(sp.acos(cosv) * 180 / sp.pi)
    shown = list(zip(a, b))[:6]
    more = " + ..." if len(a) > 6 else ""
    dot_txt = " + ".join(f"{paren(x)}*{paren(y)}" for x, y in shown) + more
    nb_txt = "sqrt(" + " + ".join(paren(y) + "^2" for y in b[:6]) + (" + ..." if len(b) > 6 else "") + ")"
    return d.compute(title, theta, ANGLE, {dot_s: _f(dot), n1: _f(na), n2: _f(nb)}, value=val, answer=answer,
                     text=f"cos(theta) = g . g_clip / (||g|| ||g_clip||), then theta in degrees. Here g . g_clip = "
                          f"{dot_txt} = {number_text(_f(dot))} and ||g_clip|| = {nb_txt} = {number_text(_f(nb))}.")


def _norm_step(d: Derivation, title: str, lhs, v, kind: str, answer: str):
    shown = v[:8]
    more = len(v) > 8
    if kind == "2":
        formula = NORM2
        sub = (r"\sqrt{%s}" % (" + ".join(paren(x, True) + "^{2}" for x in shown) + (r" + \dots" if more else "")),
               "sqrt(" + " + ".join(paren(x) + "^2" for x in shown) + (" + ..." if more else "") + ")")
    elif kind == "1":
        formula = NORM1
        sub = (" + ".join(r"\left|%s\right|" % number_latex(x) for x in shown) + (r" + \dots" if more else ""),
               " + ".join(f"|{number_text(x)}|" for x in shown) + (" + ..." if more else ""))
    else:
        formula = NORMINF
        sub = (r"\max(%s)" % ", ".join(r"\left|%s\right|" % number_latex(x) for x in shown) + (r", \dots" if more else ""),
               "max(" + ", ".join(f"|{number_text(x)}|" for x in shown) + (", ..." if more else "") + ")")
    return written_step(d, title, lhs, formula, sub, _f(_norm_exact(v, kind)), answer=answer)


def solve(p, conv) -> Derivation:
    d = Derivation()
    gv = as_exact(p["g"])
    cv, mn, kind = p["clip_value"], p["max_norm"], p["norm_type"]
    d.given("Gradient", gv, lhs=g)
    deg = Precision(dp=4)
    with d.group("Clip by value"):
        clipped = d.compute("Clip each component into [-c, c]", g_clip, CLIP_VALUE, {g: gv, c: cv}, answer="by_value",
                            text="Components larger than c in magnitude are cut to +-c; the others are kept. The vector "
                                 "can turn, since only some components shrink.")
        _angle(d, "Direction change (degrees)", gv, clipped, "angle_change_value")
        if len(gv) == 2:
            _axis_angles(d, gv, clipped)
    with d.group("Clip by norm"):
        nv = _norm_exact(gv, kind)
        nval = _norm_step(d, "Norm of g", nrm, gv, kind, "norm")
        sp6 = Precision(sig=6)
        if conv["norm_scale"] == "torch":
            s = d.compute("Scale factor (torch)", scale_s, SCALE_TORCH, {tau: mn, nrm: nval}, answer="scale",
                          precision=sp6, value=_f(sp.Min(1, mn / (nv + TORCH_EPS))))
        elif nv > mn:
            s = d.compute("Scale factor: the norm exceeds the threshold", scale_s, SCALE_EXACT, {tau: mn, nrm: nval},
                          value=_f(mn / nv), answer="scale", precision=sp6)
        else:
            s = sp.Integer(1)
            d.conclude("The norm is within the threshold", f"||g|| = {number_text(nval)} <= {number_text(mn)}: "
                                                           "the gradient is left unchanged (scale 1).",
                       answers=(make_answer("scale", s, precision=sp6),))
        bn = d.compute("Rescale the whole vector", g_clip, CLIP_NORM, {scale_s: s, g: gv}, answer="by_norm",
                       precision=Precision(dp=6),
                       text="Every component is multiplied by the same positive factor, so the direction is kept.")
        _norm_step(d, "Norm after clipping", n2, bn, kind, "norm_after")
        if len(gv) == 2:
            d.note("Direction", "The angle from the first axis is unchanged (a positive multiple of g).")
    return d


def _axis_angles(d: Derivation, before, after):
    a0 = _f(sp.atan2(before[1], before[0]) * 180 / sp.pi)
    a1 = _f(sp.atan2(after[1], after[0]) * 180 / sp.pi)
    d.conclude("Angle from the first axis",
               text=f"before: atan2({number_text(before[1])}, {number_text(before[0])}) = {number_text(a0)} degrees "
                    f"(along the second axis); after clipping by value: {number_text(a1)} degrees "
                    "(notes 004: 'roughly the diagonal of the two axes').",
               answers=(make_answer("angle_axis_before", a0), make_answer("angle_axis_after", a1)))


def solve_numeric(p, conv) -> Derivation:
    """The same clipping on float64 arrays (any length)."""
    d = Derivation()
    gv = as_float(p["g"])
    cv, mn = float(p["clip_value"]), float(p["max_norm"])
    kind = p["norm_type"]
    bv = np.clip(gv, -cv, cv)

    def ang(a, b):
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        if na == 0 or nb == 0:
            return 0.0
        return float(np.degrees(np.arccos(np.clip(a @ b / (na * nb), -1.0, 1.0))))

    nv = float(np.linalg.norm(gv, ord=np.inf if kind == "inf" else int(kind)))
    if conv["norm_scale"] == "torch":
        s = min(1.0, mn / (nv + 1e-6))
    else:
        s = mn / nv if nv > mn else 1.0
    bn = gv * s
    ans = [make_answer("angle_change_value", ang(gv, bv)), make_answer("norm", nv),
           make_answer("scale", s, precision=Precision(sig=6)),
           make_answer("norm_after", float(np.linalg.norm(bn, ord=np.inf if kind == "inf" else int(kind))))]
    ans += array_answers({"by_value": bv})
    ans += array_answers({"by_norm": bn}, precision=Precision(dp=6))
    if gv.size > LIST_LIMIT:
        d.note("Summary", f"{int(np.sum(np.abs(gv) > cv))} of {gv.size} components were clipped by value; the clipped "
                          "vectors are too long to list.")
    if gv.size == 2:
        ans += [make_answer("angle_axis_before", float(np.degrees(np.arctan2(gv[1], gv[0])))),
                make_answer("angle_axis_after", float(np.degrees(np.arctan2(bv[1], bv[0]))))]
    d.note("Numeric path", f"{gv.size} components clipped in float64.")
    d.conclude("Clipped gradients", answers=tuple(ans))
    return d


def generate(rng: np.random.Generator) -> dict:
    """A short gradient with one large component (so both clippings act); never the zero vector."""
    while True:
        n = int(rng.integers(2, 5))
        gv = np.round(rng.normal(size=n), 1)
        gv[int(rng.integers(n))] = float(rng.choice([-1, 1]) * rng.integers(5, 50))
        if np.any(gv != 0):  # resample until the gradient has a direction
            return {"g": gv.tolist(), "clip_value": float(rng.choice([0.5, 1, 2])), "max_norm": float(rng.choice([1, 2, 5]))}
