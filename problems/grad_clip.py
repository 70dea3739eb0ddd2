"""Gradient clipping: by value g_i <- min(max(g_i, -c), c) (turns the vector); by norm g <- g c/||g|| when ||g|| > c (keeps its direction).

Exam question: "The gradient is [0.9, 100]. Clip it by value to [-1, 1] and by norm with threshold 1.
What are the clipped vectors, and how does each change the direction?" (the optimization notes: by value
[0.9, 1.0], which turns the vector from the second axis to "roughly the diagonal", 89.48 to 48.01 degrees
from the first axis; by norm [0.0090, 0.99996], same direction).

The direction change is the angle between the gradient and its clipped version; for 2-D vectors the
angle from the first axis is given too. Clipping by norm uses the 2-norm by default (also 1 and inf).
A matrix g is clipped row by row: each row is one gradient vector with its own norm and scale (torch's
clip_grad_norm_ on each row; give one row to clip everything by one total norm).

Convention: the norm-clipping scale, c/||g|| exactly (the optimization notes, Keras clipnorm), or torch's
clip_grad_norm_, which multiplies by c/(||g|| + 1e-6) and so lands just below c.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from problems._info import tiny_precision
from problems._layers import LIST_LIMIT, array_answers, exact_norm, norm_step
from problems._written import fmax, fmin
from solver import format as F
from solver.conventions import Convention
from solver.params import Choice, InvalidInput, Matrix, Param, Real, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.symbolic import Derivation, finish, make_answer, sym

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

NORM_SCALE = Convention(
    "norm_scale", "Scale factor of clipping by norm",
    {"exact": "g <- g * max_norm/||g|| when ||g|| > max_norm, else unchanged (the optimization notes, Keras clipnorm)",
     "torch": "g <- g * min(1, max_norm/(||g|| + 1e-6)) (torch.nn.utils.clip_grad_norm_)"},
    default="exact", why_default="the optimization notes' formula; torch's 1e-6 moves the result by about 1e-6 relative",
    sources={"exact": "the course's optimization notes; Keras's clipnorm; Pascanu et al. 2013",
             "torch": "PyTorch's torch.nn.utils.clip_grad_norm_"},
    paper={"exact": "Clip by norm with the scale τ/‖g‖ exactly (when ‖g‖ > τ).",
           "torch": "Clip by norm as PyTorch's clip_grad_norm_ does: scale by min(1, τ/(‖g‖ + 10⁻⁶))."},
    cues={"torch": ("clip_grad_norm_", "pytorch", "torch"), "exact": ("keras", "clipnorm")})
CONVENTIONS = (NORM_SCALE,)

PARAMS = (
    # entries bounded so the float64 norm of up to 1e7 entries cannot overflow (found by fuzzing)
    Param("g", Matrix(max_rows=10 ** 5, max_cols=10 ** 7, lo=-1e100, hi=1e100), required=True, label="Gradient",
          help="e.g. 0.9 100; a matrix is clipped row by row (one gradient per row), e.g. 0.9 100; 3 -4",
          aliases=("g", "gradient", "gradient vector", "grad vector", "grad", "original gradient", "the gradient")),
    Param("clip_value", Real(0, None, closed="neither"), default="1", label="Clip value c",
          help="clip by value: every component into [-c, c]",
          aliases=("clip value", "clipvalue", "clip_value", "c", "value", "interval", "clip by value to")),
    Param("max_norm", Real(0, None, closed="neither"), default="1", label="Max norm", help="clip by norm: threshold",
          aliases=("max norm", "max_norm", "clipnorm", "threshold", "norm threshold", "maximum norm", "threshold of",
                   "maximum l2 norm", "max l2 norm", "norm of", "clip norm", "norm at most", "to norm", "to a norm of",
                   "clip it to norm", "clipped to norm", "rescale to norm")),
    Param("norm_type", Choice({"2": "Euclidean norm", "1": "sum of absolute values", "inf": "largest absolute value"},
                              aliases={"l2": "2", "l1": "1", "max": "inf", "infinity": "inf"}),
          default="2", label="Norm",
          cues={"2": ("l2 norm", "euclidean norm", "2-norm", "l2"), "1": ("l1 norm", "1-norm"),
                     "inf": ("infinity norm", "l-infinity norm", "max-abs norm")}),
)

EXAMPLE = Example(params={"g": "0.9 100", "clip_value": "1", "max_norm": "1"},
                  source="the optimization notes, gradient clipping of (0.9, 100)")


#: At most this many entries in all (rows x columns); bounded so the float64 norms cannot overflow.
MAX_ENTRIES = 10 ** 7


def _shape(v) -> tuple[int, int]:
    return tuple(v.shape) if isinstance(v, np.ndarray) else (len(v), len(v[0]))


def validate(p: dict[str, Any]) -> None:
    r, n = _shape(p["g"])
    if r * n > MAX_ENTRIES:
        raise InvalidInput("g", f"The 'g' parameter of grad_clip must have at most {MAX_ENTRIES:,} entries. Got "
                                f"{r} x {n} instead.")


def use_numeric(p) -> bool:
    r, n = _shape(p["g"])
    return isinstance(p["g"], np.ndarray) or r * n > 50 or r > 6


def statement(p) -> Rich:
    r, n = _shape(p["g"])
    if r == 1:
        row = as_exact(p["g"])[0] if not isinstance(p["g"], np.ndarray) else tuple(p["g"][0])
        shown = Eq(g, tuple(row)) if n <= 12 else f"g = {F.text(tuple(row[:12]))} ..."
        what = "the clipped vectors"
    else:
        shown = Eq(sym("G", r"\mathbf{G}"), tuple(tuple(x) for x in as_exact(p["g"]))) if r * n <= 48 else \
            f"a {r} x {n} matrix"
        what = "the clipped gradients (each row is one gradient, clipped on its own)"
    nt = {"2": "2-norm", "1": "1-norm", "inf": "max-norm"}[p["norm_type"]]
    cv = p["clip_value"]
    return Rich("The gradient is ", shown, ". Clip it by value to ", Math(r"[-%s, %s]" % (F.latex(cv), F.latex(cv)),
                                                                          f"[-{F.text(cv)}, {F.text(cv)}]"),
                f" and by norm ({nt}) with threshold ", Math(r"\tau = %s" % F.latex(p["max_norm"]),
                                                              f"τ = {F.text(p['max_norm'])}"),
                f". What are {what}, and by how much does each turn the gradient?")


def _angle(d: Derivation, title: str, a, b, answer: str) -> Any:
    """Angle (degrees) between a and b as a step; 0 when either vector is zero."""
    A, B = sp.ImmutableMatrix(list(a)), sp.ImmutableMatrix(list(b))
    dot, na, nb = A.dot(B), exact_norm(a), exact_norm(b)
    if na == 0 or nb == 0:
        d.conclude(title, "One of the vectors is zero, so it has no direction; the angle is reported as 0.",
                   answers=(make_answer(answer, sp.Integer(0)),) if answer else ())
        return sp.Integer(0)
    cosv = finish(dot / (na * nb))
    cosv = max(min(cosv, sp.Integer(1)), sp.Integer(-1))
    val = finish(sp.acos(cosv) * 180 / sp.pi)
    shown = list(zip(a, b))[:6]
    more = " + ..." if len(a) > 6 else ""
    dot_txt = " + ".join(f"{F.text(x, paren=True)}*{F.text(y, paren=True)}" for x, y in shown) + more
    nb_txt = "sqrt(" + " + ".join(F.text(y, paren=True) + "^2" for y in b[:6]) + (" + ..." if len(b) > 6 else "") + ")"
    return d.compute(title, theta, ANGLE, {dot_s: finish(dot), n1: na, n2: nb}, value=val, answer=answer,
                     text=f"cos(theta) = g . g_clip / (||g|| ||g_clip||), then theta in degrees. Here g . g_clip = "
                          f"{dot_txt} = {F.text(finish(dot))} and ||g_clip|| = {nb_txt} = {F.text(nb)}.")


def solve(p, conv) -> Derivation:
    d = Derivation()
    rows = [tuple(r) for r in as_exact(p["g"])]
    if len(rows) == 1:
        d.given("Gradient", rows[0], lhs=g)
        _clip_row(d, rows[0], p, conv, answers=True)
        return d
    d.given("Gradients, one per row", tuple(rows), lhs=sym("G", r"\mathbf{G}"),
            text="Each row is one gradient vector, clipped on its own: its own norm and its own scale.")
    results = []
    for k, row in enumerate(rows, 1):
        with d.group(f"Row {k}: g = {F.text(row)}"):
            d.given("Gradient", row, lhs=g)
            results.append(_clip_row(d, row, p, conv, answers=False))
    keys = ("norm", "scale", "norm_after", "angle_change_value")
    d.table("Each row", ["row", Math(r"\lVert g \rVert", "||g||"), "scale", Math(r"\lVert \tilde{g} \rVert", "||g_clip||"),
                         "turn by value (degrees)"],
            [(k, *(r[key] for key in keys)) for k, r in enumerate(results, 1)], keys=("row", *keys), index=("row",))
    d.conclude("Clipped gradients, row by row",
               answers=(make_answer("by_value", tuple(r["by_value"] for r in results)),
                        make_answer("by_norm", tuple(r["by_norm"] for r in results)),
                        *(make_answer(key, tuple(r[key] for r in results),
                                      **({"precision": tiny_precision()} if key == "scale" else {})) for key in keys)))
    return d


def _clip_row(d: Derivation, gv, p, conv, *, answers: bool) -> dict:
    """Clip one gradient vector by value and by norm; `answers`: attach the answers (a single gradient)."""
    cv, mn, kind = p["clip_value"], p["max_norm"], p["norm_type"]
    name = (lambda a: a) if answers else (lambda a: None)
    out = {}
    with d.group("Clip by value"):
        clipped = d.compute("Clip each component into [-c, c]", g_clip, CLIP_VALUE, {g: gv, c: cv},
                            answer=name("by_value"),
                            text="Components larger than c in magnitude are cut to +-c; the others are kept. The vector "
                                 "can turn, since only some components shrink.")
        out["by_value"] = clipped
        out["angle_change_value"] = _angle(d, "Direction change (degrees)", gv, clipped, name("angle_change_value"))
        if len(gv) == 2 and answers:
            if all(x == 0 for x in gv):
                d.note("Angle from the first axis", ZERO_ANGLE_NOTE)
            else:
                _axis_angles(d, gv, clipped)
    with d.group("Clip by norm"):
        nv = exact_norm(gv, kind)
        norm_step(d, "Norm of g", nrm, gv, kind, answer=name("norm"))
        scale = dict(answer=name("scale"), precision=tiny_precision())
        if conv["norm_scale"] == "torch":
            s = d.compute("Scale factor (torch)", scale_s, SCALE_TORCH, {tau: mn, nrm: nv},
                          value=finish(sp.Min(1, mn / (nv + TORCH_EPS))), **scale)
        elif nv > mn:
            s = d.compute("Scale factor: the norm exceeds the threshold", scale_s, SCALE_EXACT, {tau: mn, nrm: nv},
                          value=finish(mn / nv), **scale)
        else:
            s = sp.Integer(1)
            d.conclude("The norm is within the threshold", f"||g|| = {F.text(nv)} <= {F.text(mn)}: the gradient is "
                                                           "left unchanged (scale 1).",
                       answers=(make_answer("scale", s, precision=tiny_precision()),) if answers else ())
        bn = d.compute("Rescale the whole vector", g_clip, CLIP_NORM, {scale_s: s, g: gv}, answer=name("by_norm"),
                       text="Every component is multiplied by the same positive factor, so the direction is kept.")
        out["norm_after"] = norm_step(d, "Norm after clipping", n2, bn, kind, answer=name("norm_after"))
        if len(gv) == 2:
            d.note("Direction", "The angle from the first axis is unchanged (a positive multiple of g).")
    out.update(norm=nv, scale=s, by_norm=bn)
    return out


#: The zero gradient has no direction, so no angle from the first axis (atan2(0, 0) is a convention, not an angle).
ZERO_ANGLE_NOTE = ("g = (0, 0) is the zero vector: it has no direction, so its angle from the first axis is undefined "
                   "(before and after clipping by value, which leaves it at 0).")


def _axis_angles(d: Derivation, before, after):
    a0 = finish(sp.atan2(before[1], before[0]) * 180 / sp.pi)
    a1 = finish(sp.atan2(after[1], after[0]) * 180 / sp.pi)
    d.conclude("Angle from the first axis",
               text=f"before: atan2({F.text(before[1])}, {F.text(before[0])}) = {F.text(a0)} degrees; after clipping "
                    f"by value: {F.text(a1)} degrees.",
               answers=(make_answer("angle_axis_before", a0), make_answer("angle_axis_after", a1)))


def solve_numeric(p, conv) -> Derivation:
    """The same clipping on float64 arrays (any length)."""
    d = Derivation()
    G = np.atleast_2d(as_float(p["g"]))
    if G.shape[0] > 1:
        return _numeric_rows(d, G, p, conv)
    gv = G[0]
    cv, mn = float(p["clip_value"]), float(p["max_norm"])
    kind = p["norm_type"]
    bv = np.clip(gv, -cv, cv)

    nv = float(np.linalg.norm(gv, ord=np.inf if kind == "inf" else int(kind)))
    if conv["norm_scale"] == "torch":
        s = min(1.0, mn / (nv + 1e-6))
    else:
        s = mn / nv if nv > mn else 1.0
    bn = gv * s
    ans = [make_answer("angle_change_value", _value_clip_angle(gv, bv, cv)), make_answer("norm", nv),
           make_answer("scale", s, precision=tiny_precision()),
           make_answer("norm_after", float(np.linalg.norm(bn, ord=np.inf if kind == "inf" else int(kind))))]
    ans += array_answers({"by_value": bv})
    ans += array_answers({"by_norm": bn})
    if gv.size > LIST_LIMIT:
        d.note("Summary", f"{int(np.sum(np.abs(gv) > cv))} of {gv.size} components were clipped by value; the clipped "
                          "vectors are too long to list.")
    if gv.size == 2 and not np.any(gv):
        d.note("Angle from the first axis", ZERO_ANGLE_NOTE)
    elif gv.size == 2:
        ans += [make_answer("angle_axis_before", float(np.degrees(np.arctan2(gv[1], gv[0])))),
                make_answer("angle_axis_after", float(np.degrees(np.arctan2(bv[1], bv[0]))))]
    d.note("Numeric path", f"{gv.size} components clipped in float64.")
    d.conclude("Clipped gradients", answers=tuple(ans))
    return d


def _numeric_rows(d: Derivation, G: np.ndarray, p, conv) -> Derivation:
    """Row by row in float64: each row its own norm and scale."""
    cv, mn, kind = float(p["clip_value"]), float(p["max_norm"]), p["norm_type"]
    order = np.inf if kind == "inf" else int(kind)
    bv = np.clip(G, -cv, cv)
    nv = np.linalg.norm(G, ord=order, axis=1)
    if conv["norm_scale"] == "torch":
        s = np.minimum(1.0, mn / (nv + 1e-6))
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(nv > mn, mn / np.where(nv > 0, nv, 1.0), 1.0)
    bn = G * s[:, None]
    angles = np.array([_value_clip_angle(G[k], bv[k], cv) for k in range(G.shape[0])])
    ans = array_answers({"by_value": bv, "by_norm": bn, "norm": nv})
    ans += array_answers({"scale": s}, precision=tiny_precision())
    ans += array_answers({"norm_after": np.linalg.norm(bn, ord=order, axis=1), "angle_change_value": angles})
    d.note("Numeric path", f"{G.shape[0]} gradients of {G.shape[1]} components, each row clipped on its own, in float64.")
    d.conclude("Clipped gradients, row by row", answers=tuple(ans))
    return d


def _value_clip_angle(g: np.ndarray, clipped: np.ndarray, c: float) -> float:
    """The angle (degrees) by which clipping by value turns g. The clipped vector is a positive multiple of g
    exactly when nothing was clipped, or when every non-zero component was clipped and they all have the same
    size (then it is (c/|g_i|) g): the angle is 0, decided on the entries rather than on rounded norms."""
    cut = np.abs(g) > c
    nz = g != 0
    if not cut.any() or (cut[nz].all() and np.all(np.abs(g[nz]) == np.abs(g[nz][0]))):
        return 0.0
    return angle_degrees(g, clipped)


def angle_degrees(a: np.ndarray, b: np.ndarray) -> float:
    """The angle between a and b in degrees, in float64 without arccos's loss of digits near 0: Kahan's
    2 atan2(||u - v||, ||u + v||) for the unit vectors u, v (arccos of a cosine rounded to 1 - 1e-16 gave 1.2e-6
    degrees for parallel vectors). 0 when either vector is zero (no direction)."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 0.0
    u, v = a / na, b / nb
    return float(np.degrees(2.0 * np.arctan2(np.linalg.norm(u - v), np.linalg.norm(u + v))))


def generate(rng: np.random.Generator) -> dict:
    """A short gradient with one large component (so both clippings act); never the zero vector."""
    while True:
        n = int(rng.integers(2, 5))
        gv = np.round(rng.normal(size=n), 1)
        gv[int(rng.integers(n))] = float(rng.choice([-1, 1]) * rng.integers(5, 50))
        if np.any(gv != 0):  # resample until the gradient has a direction
            return {"g": gv.tolist(), "clip_value": float(rng.choice([0.5, 1, 2])), "max_norm": float(rng.choice([1, 2, 5]))}
